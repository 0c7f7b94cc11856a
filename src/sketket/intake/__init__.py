"""Intake: screening untrusted files, reading the appendix tables and narrative reports, validation, matching."""
