"""`sketket analyse PROCESSED_DIR --reports REPORTS_DIR`: from what ingest wrote, the indicators, rankings,
far-below flags, completeness and awards shortlist (tables in PROCESSED_DIR, CSV and parquet), the
consolidated city workbook and the return lists (under REPORTS_DIR).

In a notebook: `result = analyse(RunContext.load("../sketket.yml"))`, then `result.units`, `result.tiers`, …
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sketket import catalog
from sketket.analysis import dossier_facts
from sketket.analysis.awards import load_awards_config, shortlist
from sketket.analysis.gating import AWAITING, awaiting, superseded
from sketket.analysis.indicators import (
    RATES,
    SUMMABLE,
    completeness,
    distribution,
    district_indicators,
    families_tier_indicators,
    load_config,
    parent_indicators,
    tier_indicators,
    unit_table,
)
from sketket.clean import format_int, in_sentence
from sketket.context import RunContext
from sketket.outputs.consolidated import write_consolidated
from sketket.outputs.returns import reconciliation_findings, write_return_lists
from sketket.run.lifeline import die_with_parent

UNIT_COLUMNS = catalog.columns("indicators_units")


class UsageError(Exception):
    """A missing input, said in Vietnamese; the command exits 2."""


@dataclass
class AnalyseResult:
    """Every table analyse computed, and the files it wrote."""

    units: pd.DataFrame
    tiers: pd.DataFrame
    families: pd.DataFrame
    districts: pd.DataFrame
    parents: pd.DataFrame
    completeness: pd.DataFrame
    distribution: pd.DataFrame
    awards: pd.DataFrame
    findings: pd.DataFrame
    written: list[Path]
    consolidated: Path | None
    return_lists: list[Path]
    reports_read: bool = True  # the narrative reports' checklist was there for the awards (sketket run reads it)


def awards_shortlist(units: pd.DataFrame, findings: pd.DataFrame,
                     config: dict[str, Any] | None = None, reconciliation: pd.DataFrame | None = None,
                     checklist: pd.DataFrame | None = None, dossier_cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """The awards shortlist (sketket.analysis.awards.shortlist) with the units' registry names: the findings name a
    unit as it was submitted, so the shortlist matches them on that name, then shows the registry's. A unit
    awaiting correction is not considered until it corrects its table, and the list says so."""
    awards = shortlist(units.assign(unit_name=units["submitted_name"]), findings, config, reconciliation, checklist,
                       dossier_cfg)
    display = units[units["unit_code"] != ""].drop_duplicates("unit_code").set_index("unit_code")["unit_name"]
    awards["unit_name"] = awards["unit_code"].map(display).fillna(awards["unit_name"])
    waiting = awaiting(awards, units)
    if waiting.any():
        label = load_config()["gating"]["label"]
        awards.loc[waiting, "shortlisted"] = False
        awards.loc[waiting, "reasons"] = ""
        awards.loc[waiting, "criteria_missed"] = f"{label}: chưa xét khen thưởng cho đến khi đơn vị gửi biểu đã sửa."
    return awards


def workbook_appendix(appendix: pd.DataFrame, units: pd.DataFrame, findings: pd.DataFrame | None = None,
                      reconciliation: pd.DataFrame | None = None, *, report: bool = False,
                      dossier_cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """The rows of the consolidated workbook: a row awaiting correction keeps its name, its figures are left
    out of the sheet and its totals, and its note says why; a row whose figures come from an earlier file (the
    later one could not be opened: `findings`' resend_unreadable) is counted, its note saying so; so is a row
    whose figures differ from the unit's dossier log (`reconciliation`), as the packs mark it. For the city's
    draft `report`, a note names no file of the office's folders. `dossier_cfg`: the settings the logs were
    counted with (dossier_facts.DossierTables.cfg; None: the package's)."""
    out = appendix.copy()
    gated = (units["data_status"] == AWAITING).reindex(out.index, fill_value=False).astype(bool)
    out["data_status"] = units["data_status"].reindex(out.index)  # the sheet's group rows say whom they leave out
    figures = [c for c in out.columns if c in {*SUMMABLE, *RATES} or c.endswith("_pct") or c.endswith("_reported")]
    out.loc[gated, figures] = pd.NA
    gating = load_config()["gating"]
    out.loc[gated, "note"] = gating["label"] + " (" + units.loc[gated, "correction_cells"].str.split(
        " | ", regex=False).map(lambda parts: ", ".join(p.split(":")[0] for p in parts)) + ")"
    older = superseded(findings) if findings is not None else {}
    if older:
        later = out["source_file"].astype(str).map(older)
        stale = later.notna() & ~gated
        said = gating["superseded_note_report" if report else "superseded_note"]
        notes = out["note"] if "note" in out else pd.Series(pd.NA, index=out.index)
        notes = notes.astype(object).where(out["note"].notna(), "")
        out.loc[stale, "note"] = [f"{n}; {said.format(file=f)}" if n else said.format(file=f)
                                  for n, f in zip(notes[stale], later[stale], strict=True)]
    if reconciliation is not None and len(reconciliation):
        from sketket.analysis.dossier_facts import config as dossiers_config
        from sketket.analysis.dossier_facts import reconciliation_line

        differ = reconciliation[reconciliation["status"] == "differs"].drop_duplicates("unit_code")
        # the unit's reconciliation line: which figure differs, and what in its log may explain it (a short log)
        cfg = dossier_cfg or dossiers_config()
        lines = out["unit_code"].map({r["unit_code"]: reconciliation_line(r, cfg) for _, r in differ.iterrows()})
        marked = lines.notna() & ~gated & ~out["unit_code"].duplicated(keep=False)
        said = cfg["reconciliation"]["texts"]["appendix_note"]
        notes = out["note"].astype(object).where(out["note"].notna(), "") if "note" in out else pd.Series(
            "", index=out.index, dtype=object)
        lines = lines.map(in_sentence, na_action="ignore")  # "(biểu báo cáo 250 …)"
        out.loc[marked, "note"] = [f"{n}; {said.format(line=x)}" if n else said.format(line=x)
                                   for n, x in zip(notes[marked], lines[marked], strict=True)]
    return out


def _check_inputs(ctx: RunContext, awards_config: Path | None) -> None:
    processed_dir = Path(ctx.processed_dir)
    if not processed_dir.is_dir():
        raise UsageError(f"không có thư mục dữ liệu đã xử lý: {processed_dir}")
    if not ctx.catalog.exists("appendix"):
        raise UsageError(f"không có bộ dữ liệu appendix trong {processed_dir}: hãy chạy `sketket ingest` trước")
    if awards_config is not None and not Path(awards_config).is_file():
        raise UsageError(f"không có tệp tiêu chí khen thưởng: {awards_config}")
    if ctx.registry_path is not None and not Path(ctx.registry_path).is_file():
        raise UsageError(f"không có tệp danh mục đơn vị: {ctx.registry_path}")


def analyse(ctx: RunContext, *, awards_config: Path | None = None) -> AnalyseResult:
    """Compute every table from the run's processed folder and save them in its catalog; write the consolidated
    workbook and the return lists (tra-lai/<unit>.xlsx, rebuilt from scratch) under its reports folder, with
    the run's plan and registry."""
    _check_inputs(ctx, awards_config)
    cat, registry, reports_dir = ctx.catalog, ctx.registry, Path(ctx.reports_dir)
    appendix = cat.load("appendix")
    for col in SUMMABLE:  # counts as integers where whole (Phụ lục III's derived on-time column included)
        if col != "area_m2":
            appendix[col] = appendix[col].astype("Int64")
    findings = cat.load("findings")
    units = unit_table(appendix, registry, load_config(), findings)
    logs = dossier_facts.read(cat)  # read once: the workbook, awards, return lists
    reports_dir.mkdir(parents=True, exist_ok=True)
    # The consolidated workbook (a line per unit: the longest step at national scale) is written by a worker
    # process on the other core while this one computes and saves the tables and the return lists.
    with ProcessPoolExecutor(1, initializer=die_with_parent) as pool:  # a killed analyse leaves no writer behind
        workbook = pool.submit(write_consolidated, workbook_appendix(appendix, units, findings, logs.reconciliation,
                                                                     dossier_cfg=logs.cfg),
                               cat.report("consolidated"),
                               plan=ctx.plan, registry=registry)
        result = _tables_and_returns(ctx, appendix, findings, units, logs, awards_config)
        result.consolidated = workbook.result()
    return result


def _tables_and_returns(ctx: RunContext, appendix: pd.DataFrame, findings: pd.DataFrame, units: pd.DataFrame,
                        logs: dossier_facts.DossierTables, awards_config: Path | None) -> AnalyseResult:
    cat, registry = ctx.catalog, ctx.registry
    result = AnalyseResult(
        units=units[UNIT_COLUMNS],
        tiers=tier_indicators(units, registry),
        families=families_tier_indicators(units, registry),
        districts=district_indicators(units, registry),
        parents=parent_indicators(units, registry),
        completeness=completeness(units, registry),
        distribution=distribution(units),
        awards=awards_shortlist(units, findings, load_awards_config(awards_config),
                                logs.reconciliation,
                                cat.load("checklist") if cat.exists("checklist") else None, logs.cfg),
        findings=findings, written=[], consolidated=None, return_lists=[], reports_read=cat.exists("checklist"),
    )
    for name, df in [("indicators_units", result.units), ("indicators_tiers", result.tiers),
                     ("indicators_families", result.families),
                     ("indicators_districts", result.districts), ("indicators_parents", result.parents),
                     ("indicators_distribution", result.distribution), ("completeness", result.completeness),
                     ("awards", result.awards)]:
        result.written += cat.save(name, df)
    # the units' award nominations, checked against the figures and the shortlist just saved; their
    # problems go to the proposing unit's return list with the table's
    from sketket.outputs.nominations import write_nominations

    result.written += write_nominations(cat, Path(ctx.reports_dir), ctx.plan)
    if cat.exists("nomination_findings"):
        findings = pd.concat([findings, cat.load("nomination_findings")], ignore_index=True)
    # a unit whose table differs from its dossier log (counted before analyse in a run): a line to check
    differ = reconciliation_findings(logs.reconciliation, appendix, logs.cfg)
    if len(differ):
        findings = pd.concat([findings, differ], ignore_index=True)
    returns_dir = cat.report("return_lists")
    for old in returns_dir.glob("*.xlsx"):  # a unit that has corrected everything gets no list any more
        old.unlink()
    result.return_lists = write_return_lists(findings, appendix, returns_dir, plan=ctx.plan, registry=registry,
                                              dossier_cfg=logs.cfg)
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
        f"Đề xuất khen thưởng: {format_int(shortlisted)} đơn vị."
        + ("" if result.reports_read else " Chưa có kết quả đọc báo cáo thuyết minh (bộ dữ liệu checklist): các "
           "tiêu chí theo nội dung báo cáo chưa được xét; `sketket run` đọc báo cáo trước khi xét."),
        f"Danh sách trả lại: {format_int(len(result.return_lists))} đơn vị.",
        f"Bảng chỉ số: {result.written[0].parent}",
        f"Biểu tổng hợp: {result.consolidated}" if result.consolidated else
        "Biểu tổng hợp: chưa lập được (chưa có sketket.outputs.writer.write_consolidated).",
    ]
    return "\n".join(lines)


def cli_analyse(args: argparse.Namespace) -> int:
    """`sketket analyse PROCESSED_DIR --reports REPORTS_DIR [--config YAML] [--awards-config YAML] [--registry CSV]`."""
    try:
        ctx = RunContext.load(getattr(args, "config", None), processed=args.processed_dir, reports=args.reports,
                              registry=args.registry)
        result = analyse(ctx, awards_config=args.awards_config)
    except UsageError as exc:
        print(f"sketket analyse: lỗi: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    return 0

