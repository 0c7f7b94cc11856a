"""Configuration as data: the review's parameters and the paths of one run, from YAML files.

The default YAML files live beside this module, in this package (plan.yml, rules.yml, awards.yml …).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


def load_yaml(name_or_path: str | Path) -> dict[str, Any]:
    """A YAML file from a path, or one of the package's default config files by name ("plan.yml")."""
    path = Path(name_or_path)
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = resources.files("sketket.config").joinpath(str(name_or_path)).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    s = str(value)
    if "/" in s:  # dd/mm/yyyy as people write it
        d, m, y = (int(p) for p in s.split("/"))
        return dt.date(y, m, d)
    return dt.date.fromisoformat(s)


@dataclass(frozen=True)
class Plan:
    """The plan's number and dates and the review period (defaults in config/plan.yml)."""

    plan_number: str
    plan_date: dt.date
    decision: str
    review_start: dt.date
    period_start: dt.date
    period_end: dt.date
    cutoff: dt.date
    report_deadline: dt.date
    draft_deadline: dt.date
    conference: str

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None) -> Plan:
        data = load_yaml("plan.yml")
        data.update({k: v for k, v in (overrides or {}).items() if v is not None})
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            v = data[f.name]
            kwargs[f.name] = _date(v) if f.type in ("dt.date", dt.date) else str(v)
        return cls(**kwargs)


def default_plan() -> Plan:
    return Plan.load()


@dataclass
class Settings:
    """Where a run reads and writes, and which plan it serves. Paths are relative to the config's folder."""

    raw_dir: Path = Path("data/raw")
    processed_dir: Path = Path("data/processed")
    reports_dir: Path = Path("reports")
    demo_dir: Path = Path("data/demo")  # where the demo city is generated: never inside raw_dir
    registry: Path | None = None
    plan: Plan = field(default_factory=default_plan)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        if path is None:
            return cls()
        path = Path(path)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        base = path.resolve().parent
        paths = data.pop("paths", {}) or {}

        def p(key: str, default: str) -> Path:
            return (base / paths.get(key, default)).resolve()

        reg = paths.get("registry")
        return cls(
            raw_dir=p("raw", "data/raw"),
            processed_dir=p("processed", "data/processed"),
            reports_dir=p("reports", "reports"),
            demo_dir=p("demo", "data/demo"),
            registry=(base / reg).resolve() if reg else None,
            plan=Plan.load(data.pop("plan", None)),
            extra=data,
        )
