"""Configuration as data: the review's parameters and the paths of one run, from YAML files.

The default YAML files live beside this module, in this package (plan.yml, rules.yml, awards.yml …).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A configuration a run cannot use: one Vietnamese sentence naming the file, the key and what was expected.
    The command line exits 2 on it, without a traceback."""


def load_yaml(name_or_path: str | Path) -> dict[str, Any]:
    """One of the package's default config files by name (a str: "plan.yml"), or a YAML file from a path (a
    Path, or a str naming a folder or a file the package does not have). A default is never replaced by a file
    of the same name in the working folder: a run would silently use other settings than it says."""
    default = resources.files("sketket.config").joinpath(str(name_or_path))
    if isinstance(name_or_path, str) and "/" not in name_or_path and "\\" not in name_or_path and default.is_file():
        text = default.read_text(encoding="utf-8")
    else:
        text = Path(name_or_path).read_text(encoding="utf-8")
    # libyaml's safe loader when PyYAML was built with it: the same documents, parsed ~10× faster
    return yaml.load(text, Loader=_LOADER) or {}


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDates(yaml.SafeLoader):
    """A user's sketket.yml: dates stay text, read by _date, so that an impossible one (2017-13-45, which
    PyYAML's own date reading turns into a traceback) is one sentence naming its key."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", _TextDates.construct_yaml_str)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")  # as YAML writes dates: 2017-08-14 or 2017-8-14


def _date(value: Any, key: str = "", where: str = "") -> dt.date:
    if isinstance(value, dt.date):
        return value
    s = str(value)
    try:
        if "/" in s:  # dd/mm/yyyy as people write it
            d, m, y = (int(p) for p in s.split("/"))
            return dt.date(y, m, d)
        iso = _ISO_DATE.fullmatch(s.strip())
        if iso:
            return dt.date(*(int(p) for p in iso.groups()))
        return dt.date.fromisoformat(s)
    except ValueError:
        raise ConfigError(f"{where or 'cấu hình'}: khóa {key or '?'} ghi {s!r}, không phải một ngày; cần dạng "
                          "dd/mm/yyyy (31/07/2017) hoặc yyyy-mm-dd (2017-07-31)") from None


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
    correction_days: str = "5"

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None, where: str = "") -> Plan:
        data = load_yaml("plan.yml")
        if overrides is not None and not isinstance(overrides, dict):
            raise ConfigError(f"{where or 'cấu hình'}: mục plan phải là các cặp khóa: giá trị (plan_number, "
                              f"plan_date, …), không phải {overrides!r}")
        unknown = sorted(set(overrides or {}) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"{where or 'cấu hình'}: khóa plan không có: {', '.join(unknown)}; các khóa dùng được: "
                              + ", ".join(f.name for f in fields(cls)))
        data.update({k: v for k, v in (overrides or {}).items() if v is not None})
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            v = data[f.name]
            kwargs[f.name] = _date(v, f"plan.{f.name}", where) if f.type in ("dt.date", dt.date) else str(v)
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
    dossiers_dir: Path = Path("data/raw/ho-so")  # the counters' dossier logs (exports of the one-stop software)
    comments_dir: Path = Path("data/raw/gop-y")  # the units' replies to the draft report (the comment round)
    registry: Path | None = None
    plan: Plan = field(default_factory=default_plan)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Settings:
        if path is None:
            return cls()
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"không có tệp cấu hình {path}")
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDates) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f" (dòng {mark.line + 1}, cột {mark.column + 1})" if mark else ""
            raise ConfigError(f"tệp cấu hình {path} viết sai cú pháp YAML{at}: {getattr(e, 'problem', e)}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"không đọc được tệp cấu hình {path}: {e}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"tệp cấu hình {path}: cần các mục paths:, plan:, run:, không phải {type(data).__name__}")
        base = path.resolve().parent
        paths = data.pop("paths", {}) or {}
        if not isinstance(paths, dict) or not all(isinstance(v, str) for v in paths.values()):
            raise ConfigError(f"tệp cấu hình {path}: mục paths cần các cặp tên: đường dẫn (raw: data/raw, …)")

        def p(key: str, default: str) -> Path:
            return (base / paths.get(key, default)).resolve()

        reg = paths.get("registry")
        return cls(
            raw_dir=p("raw", "data/raw"),
            processed_dir=p("processed", "data/processed"),
            reports_dir=p("reports", "reports"),
            demo_dir=p("demo", "data/demo"),
            dossiers_dir=p("dossiers", "data/raw/ho-so"),
            comments_dir=p("comments", "data/raw/gop-y"),
            registry=(base / reg).resolve() if reg else None,
            plan=Plan.load(data.pop("plan", None), where=f"tệp cấu hình {path}"),
            extra=data,
        )
