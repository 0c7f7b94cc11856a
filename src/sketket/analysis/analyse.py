"""`sketket analyse PROCESSED_DIR --reports REPORTS_DIR`: from what ingest wrote, the indicators, rankings,
far-below flags, completeness and awards shortlist (tables in PROCESSED_DIR, CSV and parquet), the
consolidated city workbook and the return lists (under REPORTS_DIR).

In a notebook: `result = analyse(processed_dir, reports_dir)`, then `result.units`, `result.tiers`, …
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sketket.analysis.awards import FINDING_COLUMNS, load_awards_config, shortlist
from sketket.analysis.indicators import (
    RATES,
    SUMMABLE,
    completeness,
    distribution,
    district_indicators,
    load_appendix,
    load_config,
    parent_indicators,
    read_csv_table,
    tier_indicators,
    unit_table,
)
from sketket.clean import excel_safe, format_int
from sketket.config import Plan
from sketket.outputs.returns import write_return_lists
from sketket.registry import Registry, load_registry

CONSOLIDATED = "tong-hop-phu-luc.xlsx"
RETURNS_DIR = "tra-lai"
UNIT_COLUMNS = [
    "unit_name", "submitted_name", "unit_code", "tier", "form", "parent_code", "parent_name", "source_file", "source_sheet",
    "source_row", "has_figures", *SUMMABLE, *RATES, "rank_in_tier", "ranked_in_tier", "flags", "flag_reasons",
]


class UsageError(Exception):
    """A missing input, said in Vietnamese; the command exits 2."""


@dataclass
class AnalyseResult:
    """Every table analyse computed, and the files it wrote."""

    units: pd.DataFrame
    tiers: pd.DataFrame
    districts: pd.DataFrame
    parents: pd.DataFrame
    completeness: pd.DataFrame
    distribution: pd.DataFrame
    awards: pd.DataFrame
    findings: pd.DataFrame
    written: list[Path]
    consolidated: Path | None  # None when sketket.outputs.writer.write_consolidated is not available
    return_lists: list[Path]


def load_findings(processed_dir: str | Path) -> pd.DataFrame:
    """PROCESSED_DIR/findings.csv (no file: no findings)."""
    path = Path(processed_dir) / "findings.csv"
    if not path.is_file():
        return pd.DataFrame(columns=FINDING_COLUMNS)
    return read_csv_table(path).reindex(columns=FINDING_COLUMNS).fillna("")


def write_table(df: pd.DataFrame, path_csv: Path) -> list[Path]:
    """A table as CSV for Excel users (UTF-8 with BOM, text neutralised against formula injection) and as
    parquet (values as they are)."""
    csv = df.copy()
    for col in csv.columns:
        if csv[col].dtype == object or pd.api.types.is_string_dtype(csv[col]):
            csv[col] = csv[col].map(excel_safe)
    csv.to_csv(path_csv, index=False, encoding="utf-8-sig")
    parquet = path_csv.with_suffix(".parquet")
    df.to_parquet(parquet, index=False)
    return [path_csv, parquet]


def awards_shortlist(units: pd.DataFrame, findings: pd.DataFrame,
                     config: dict[str, Any] | None = None) -> pd.DataFrame:
    """The awards shortlist (sketket.analysis.awards.shortlist) with the units' registry names: the findings name a
    unit as it was submitted, so the shortlist matches them on that name, then shows the registry's."""
    awards = shortlist(units.assign(unit_name=units["submitted_name"]), findings, config)
    display = units[units["unit_code"] != ""].drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    awards["unit_name"] = awards["unit_code"].map(display).fillna(awards["unit_name"])
    return awards


def _consolidated(appendix: pd.DataFrame, reports_dir: Path, registry: Registry) -> Path | None:
    try:
        from sketket.outputs.writer import write_consolidated
    except ImportError:
        return None
    return write_consolidated(appendix, reports_dir / CONSOLIDATED, plan=Plan.load(), registry=registry)


def _check_inputs(processed_dir: Path, awards_config: Path | None) -> None:
    if not processed_dir.is_dir():
        raise UsageError(f"không có thư mục dữ liệu đã xử lý: {processed_dir}")
    if not (processed_dir / "appendix.csv").is_file():
        raise UsageError(f"không có tệp appendix.csv trong {processed_dir}: hãy chạy `sketket ingest` trước")
    if awards_config is not None and not Path(awards_config).is_file():
        raise UsageError(f"không có tệp tiêu chí khen thưởng: {awards_config}")


def analyse(processed_dir: Path, reports_dir: Path, *, registry: Registry | str | Path | None = None,
            awards_config: Path | None = None) -> AnalyseResult:
    """Compute every table from PROCESSED_DIR and write them there; write the consolidated workbook and the
    return lists (reports/tra-lai/<unit>.xlsx, rebuilt from scratch) under REPORTS_DIR."""
    processed_dir, reports_dir = Path(processed_dir), Path(reports_dir)
    _check_inputs(processed_dir, awards_config)
    if not isinstance(registry, Registry):
        if registry is not None and not Path(registry).is_file():
            raise UsageError(f"không có tệp danh mục đơn vị: {registry}")
        registry = load_registry(registry)
    appendix = load_appendix(processed_dir)
    findings = load_findings(processed_dir)
    units = unit_table(appendix, registry, load_config())
    result = AnalyseResult(
        units=units[UNIT_COLUMNS],
        tiers=tier_indicators(units, registry),
        districts=district_indicators(units, registry),
        parents=parent_indicators(units, registry),
        completeness=completeness(units, registry),
        distribution=distribution(units),
        awards=awards_shortlist(units, findings, load_awards_config(awards_config)),
        findings=findings, written=[], consolidated=None, return_lists=[],
    )
    for name, df in [("indicators_units", result.units), ("indicators_tiers", result.tiers),
                     ("indicators_districts", result.districts), ("indicators_parents", result.parents),
                     ("indicators_distribution", result.distribution), ("completeness", result.completeness),
                     ("awards", result.awards)]:
        result.written += write_table(df, processed_dir / f"{name}.csv")
    reports_dir.mkdir(parents=True, exist_ok=True)
    result.consolidated = _consolidated(appendix, reports_dir, registry)
    returns_dir = reports_dir / RETURNS_DIR
    for old in returns_dir.glob("*.xlsx"):  # a unit that has corrected everything gets no list any more
        old.unlink()
    result.return_lists = write_return_lists(findings, appendix, returns_dir, registry=registry)
    return result


def summary(result: AnalyseResult) -> str:
    """What a run produced, in Vietnamese, for the terminal."""
    city = result.tiers.set_index("tier").loc["city"]
    shortlisted = int(result.awards["shortlisted"].sum())
    incomplete = int((result.completeness["status"] != "Đủ").sum())
    lines = [
        f"Đơn vị có số liệu: {format_int(city['units_reporting'])} "
        f"(theo danh mục: {format_int(city['units_expected'])}, "
        f"chưa có số liệu: {format_int(city['units_without_figures'])}; "
        f"ngoài danh mục: {format_int(city['units_unmatched'])}).",
        f"Đơn vị gửi biểu chưa đủ: {format_int(incomplete)}/{format_int(len(result.completeness))}.",
        f"Đề xuất khen thưởng: {format_int(shortlisted)} đơn vị.",
        f"Danh sách trả lại: {format_int(len(result.return_lists))} đơn vị.",
        f"Bảng chỉ số: {result.written[0].parent}",
        f"Biểu tổng hợp: {result.consolidated}" if result.consolidated else
        "Biểu tổng hợp: chưa lập được (chưa có sketket.outputs.writer.write_consolidated).",
    ]
    return "\n".join(lines)


def cli_analyse(args: argparse.Namespace) -> int:
    """`sketket analyse PROCESSED_DIR --reports REPORTS_DIR [--awards-config YAML] [--registry CSV]`."""
    try:
        result = analyse(args.processed_dir, args.reports, registry=args.registry,
                         awards_config=args.awards_config)
    except UsageError as exc:
        print(f"sketket analyse: lỗi: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    return 0

