"""The run context: one explicit object carrying a run's folders, the plan (number, dates, period, cut-off,
deadline), the registry and the catalog, from the command line or a notebook's parameters to every function
that needs them. No library function loads the plan or the registry behind its caller's back.

    ctx = RunContext.load("sketket.yml")                # what `sketket run` and `make report` do
    ctx = RunContext.load(None, processed="out")        # package defaults, said explicitly
    units = ctx.catalog.load("indicators_units")
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from sketket.catalog import Catalog
from sketket.config import ConfigError, Plan, Settings
from sketket.registry import Registry, load_registry


@dataclass(frozen=True)
class RunContext:
    """Where a run reads and writes, which plan it serves and which registry it matches units against."""

    raw_dir: Path
    processed_dir: Path
    reports_dir: Path
    plan: Plan
    demo_dir: Path = Path("data/demo")
    dossiers_dir: Path = Path("data/raw/ho-so")
    comments_dir: Path = Path("data/raw/gop-y")
    registry_source: Registry | Path | None = None  # a registry file, or one already loaded (tests, notebooks)
    config_file: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, config_file: str | Path | None = None, *, raw: str | Path | None = None,
             processed: str | Path | None = None, reports: str | Path | None = None,
             registry: Registry | str | Path | None = None) -> RunContext:
        """From a config file (sketket.yml; None: the package defaults), folders given here replacing its own."""
        settings = Settings.load(config_file)
        return cls(
            raw_dir=Path(raw) if raw is not None else settings.raw_dir,
            processed_dir=Path(processed) if processed is not None else settings.processed_dir,
            reports_dir=Path(reports) if reports is not None else settings.reports_dir,
            plan=settings.plan,
            demo_dir=settings.demo_dir,
            dossiers_dir=settings.dossiers_dir,
            comments_dir=settings.comments_dir,
            registry_source=(registry if isinstance(registry, Registry) else Path(registry)) if registry is not None
            else settings.registry,
            config_file=Path(config_file).resolve() if config_file else None,
            extra=settings.extra,
        )

    def with_dirs(self, **dirs: Path) -> RunContext:
        """The same run with other folders (e.g. a run's own reports folder)."""
        return replace(self, **dirs)

    def check(self) -> None:
        """Refuse, before anything runs, folders and a registry file a run cannot use (ConfigError)."""
        where = f"tệp cấu hình {self.config_file}" if self.config_file else "cấu hình"
        for key, folder in (("paths.raw", self.raw_dir), ("paths.processed", self.processed_dir),
                            ("paths.reports", self.reports_dir)):
            if Path(folder).exists() and not Path(folder).is_dir():
                raise ConfigError(f"{where}: khóa {key} trỏ tới {folder}, là một tệp; cần một thư mục")
        if not Path(self.raw_dir).is_dir():
            raise ConfigError(f"{where}: khóa paths.raw trỏ tới {self.raw_dir}, thư mục này không có; cần tạo thư "
                              "mục và đặt biểu các đơn vị gửi vào đó")
        if self.registry_path is not None:
            check_registry_file(self.registry_path, where)

    @property
    def registry_path(self) -> Path | None:
        return self.registry_source if isinstance(self.registry_source, Path) else None

    @cached_property
    def registry(self) -> Registry:
        if isinstance(self.registry_source, Registry):
            return self.registry_source
        return load_registry(self.registry_source)

    @property
    def catalog(self) -> Catalog:
        return Catalog(Path(self.processed_dir), Path(self.reports_dir))

    def plan_dict(self) -> dict[str, str]:
        """The plan as people read it (dates dd/mm/yyyy), for context.json and the pages."""
        return {k: (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else str(v)) for k, v in asdict(self.plan).items()}


REGISTRY_COLUMNS = ("code", "tier", "name", "parent_code")


def check_registry_file(path: Path, where: str = "cấu hình") -> None:
    """A user's registry must exist and have the columns code, tier (or level), name, parent_code."""
    import csv

    if not Path(path).is_file():
        raise ConfigError(f"{where}: khóa paths.registry trỏ tới {path}, tệp này không có")
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"không đọc được tệp danh mục đơn vị {path}: {e}") from None
    have = {h.strip() for h in header} | ({"tier"} if "level" in header else set())
    missing = [c for c in REGISTRY_COLUMNS if c not in have]
    if missing:
        raise ConfigError(f"tệp danh mục đơn vị {path} thiếu cột {', '.join(missing)}; cần các cột "
                          f"{', '.join(REGISTRY_COLUMNS)} (dòng đầu là tên cột)")


def plan_from_context_file(path: str | Path | None) -> dict[str, str]:
    """The plan a run wrote into its context.json (empty when the notebook runs by hand without one)."""
    if not path or not Path(path).is_file():
        return {}
    return json.loads(Path(path).read_text(encoding="utf-8")).get("plan", {})
