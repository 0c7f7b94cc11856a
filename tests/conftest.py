"""Test settings shared by every test module."""

import os

from hypothesis import settings

# The property tests explore new random inputs on every local run (where a failure is a finding to fix) and
# the same inputs on every CI run (where a submission must not pass or fail by chance).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
