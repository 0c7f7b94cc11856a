"""`python -m sketket …`: the same command as `sketket …` (for a shell where the venv's scripts are not on PATH)."""

from sketket.cli import console

console()
