"""Run: the notebook jobs of `sketket run`, their execution and publishing."""
