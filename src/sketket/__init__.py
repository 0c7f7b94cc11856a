"""sketket: the interim review (sơ kết) of Hanoi's one-stop mechanism, from appendix tables to briefing packs."""

__version__ = "0.1.0"
