"""Figures awaiting correction ("chờ sửa"): which unit rows carry an error that keeps their figures out of every
total, rate, ranking and award until the unit sends a corrected table.

A finding belongs to a unit row when it points at a cell of that row (same file, sheet and Excel row); only
error-severity findings of the rules listed in config/indicators.yml (`gating.rules`) gate. A warning never
gates; a subtotal or total row is checked, but it is not a unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from sketket.dimensions import SUBMITTER_TIERS

OK, AWAITING, NO_FIGURES = "ok", "awaiting_correction", "no_figures"
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


def gating_findings(findings: pd.DataFrame, rules: Iterable[str]) -> pd.DataFrame:
    """The findings that gate a row: error severity, a gating rule, a cell reference; with the cell's row."""
    rules = set(rules)
    gate = findings[(findings["severity"] == "error") & findings["rule"].isin(rules)]
    rows = gate["cell"].str.extract(_CELL)[1]
    gate = gate.assign(_row=pd.to_numeric(rows, errors="coerce")).dropna(subset=["_row"])
    return gate.astype({"_row": "int64"})


def correction_status(units: pd.DataFrame, findings: pd.DataFrame, rules: Iterable[str]) -> pd.DataFrame:
    """Indexed like `units` (rows of appendix.csv): `data_status` (ok, awaiting_correction, no_figures: a row
    without any figure, errors or not) and `correction_cells`, the cells to fix with what is wrong ("G12: Số hồ
    sơ quá hạn … | H12: …")."""
    gate = gating_findings(findings, rules)
    keys = pd.DataFrame({"source_file": units["source_file"].astype(str),
                         "sheet": units["source_sheet"].astype(str),
                         "_row": pd.to_numeric(units["source_row"], errors="coerce").astype("Int64")},
                        index=units.index).reset_index(names="_unit")
    gate = gate.astype({"_row": "Int64"})
    hits = keys.merge(gate[["source_file", "sheet", "_row", "cell", "message"]],
                      on=["source_file", "sheet", "_row"], how="inner")
    cells = (hits.assign(_text=hits["cell"] + ": " + hits["message"])
             .groupby("_unit")["_text"].agg(" | ".join))
    has_figures = (units["has_figures"] if "has_figures" in units else pd.Series(True, index=units.index)).astype(bool)
    status = pd.Series(OK, index=units.index).where(has_figures, NO_FIGURES)
    # a row left blank is "no figures" whatever its errors ask (its cells to fix are still listed): counted
    # once, the same way, by the tier tables, the award counts and the list of units awaiting correction
    status[units.index.isin(cells.index) & has_figures] = AWAITING
    return pd.DataFrame({"data_status": status, "correction_cells": cells.reindex(units.index).fillna("")})


def awaiting(rows: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """Per row of `rows` (a table of units: the awards shortlist…): whether that unit's figures await correction
    in `units` (indicators_units), matched by code, or by name for a unit the registry does not know."""
    if units.empty or "data_status" not in units:
        return pd.Series(False, index=rows.index)
    waiting = units[units["data_status"] == AWAITING]
    codes = waiting["unit_code"].fillna("")
    code = rows["unit_code"].fillna("")
    return code.isin(set(codes) - {""}) | ((code == "") & rows["unit_name"].isin(set(waiting.loc[codes == "", "unit_name"])))


def left_out_note(n: int, template: str) -> str:
    """The sentence under an aggregate that leaves units out; empty when none is."""
    from sketket.clean import format_int

    return template.format(n=format_int(n)) if n else ""


def superseded(findings: pd.DataFrame) -> dict[str, str]:
    """Files whose figures stand although their unit sent a later file that could not be opened (ingest's
    resend_unreadable): kept file → the later file. Those figures are the unit's last readable ones, so they
    are counted; every total that uses them says so, and they hold the unit's award until it sends again."""
    if findings.empty or "rule" not in findings:
        return {}
    older = findings[findings["rule"] == "resend_unreadable"]
    later = older["value"] if "value" in older else pd.Series("", index=older.index)
    return dict(zip(older["source_file"].astype(str), later.fillna("").astype(str), strict=True))


def superseded_heads(units: pd.DataFrame, findings: pd.DataFrame, codes: Iterable[str] | None = None) -> list[str]:
    """The submitting units (row A of their file) whose figures come from an earlier file (`superseded`);
    `codes`: only the files holding those units (a ranking of communes names the district whose file holds
    them)."""
    older = superseded(findings)
    if not older or units.empty:
        return []
    stale = units[units["source_file"].isin(set(older))]
    if codes is not None:
        stale = stale[stale["source_file"].isin(set(stale.loc[stale["unit_code"].isin(list(codes)), "source_file"]))]
    return stale.loc[stale["tier"].isin(SUBMITTER_TIERS), "unit_name"].astype(str).tolist()
