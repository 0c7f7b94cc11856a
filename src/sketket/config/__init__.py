"""Default configuration files (YAML). This package shadows the module ../config.py, so it loads that
module and re-exports its API: `from sketket.config import Plan` works as intended."""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "sketket._config_module", Path(__file__).resolve().parent.parent / "config.py")
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module  # dataclasses resolve their annotations through sys.modules
_spec.loader.exec_module(_module)

Plan = _module.Plan
Settings = _module.Settings
default_plan = _module.default_plan
load_yaml = _module.load_yaml

__all__ = ["Plan", "Settings", "default_plan", "load_yaml"]
