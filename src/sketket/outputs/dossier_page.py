"""The analyst's page on the dossier logs (notebooks/04_dossiers.ipynb): each section as HTML from the selection
the notebook's parameters make (sketket.analysis.dossier_views), with its sentence when there is nothing to draw.
Texts: config/dossiers.yml, `views`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sketket import params
from sketket.analysis import dossier_views as views
from sketket.catalog import Catalog
from sketket.clean import format_date, format_int
from sketket.outputs import packs, plots

_COUNTS = {"received": "int", "on_time": "int", "overdue": "int", "online_received": "int", "on_time_rate": "pct"}


def load(processed_dir: str | Path) -> tuple[Catalog, pd.DataFrame]:
    """The processed folder's catalog and its dossiers (dossiers.parquet); a folder without them stops the
    notebook with a sentence saying what to run."""
    cat = Catalog(params.folder(processed_dir))
    if not cat.exists("dossiers"):
        raise params.ParameterError(views.texts()["no_logs"].format(folder=Path(processed_dir).resolve()))
    return cat, cat.load("dossiers")


def selection_html(dossiers: pd.DataFrame, d: pd.DataFrame, unit_code: str = "", procedure: str = "",
                   period_from: str = "", period_to: str = "") -> str:
    """What the page is about (unit, procedure, days of receipt) and its figures in one sentence."""
    t = views.texts()
    code = params.text(unit_code, "unit_code")
    names = dossiers.loc[dossiers["unit_code"] == code, "unit_name"] if code else pd.Series(dtype=object)
    unit = f"{names.iloc[0]} ({code})" if len(names) else t["all_units"]
    start, end = views.parse_day(period_from, "period_from"), views.parse_day(period_to, "period_to")
    line = t["selection"].format(unit=unit, procedure=params.text(procedure, "procedure") or t["all_procedures"],
                                 start=format_date(start.date()) if start is not None else t["period_start"],
                                 end=format_date(end.date()) if end is not None else t["period_end"])
    out = packs.para(line) + packs.para(views.summary(d))
    return out if len(d) else out + packs.para(t["empty"])


def days_html(d: pd.DataFrame) -> str:
    """Days from the deadline to the end, every ended dossier; then the overdue ones alone, which beside hundreds
    of dossiers ended in time would not show."""
    t = views.texts()
    days = views.days_against_due(d)
    if days.empty:
        return packs.para(t["no_ended"])
    clip = int(t["late_days_clip"])
    out = packs.chart(plots.histogram(days, t["days_title"], t["days_axis"], t["count_axis"], clip=clip, mark=0.5,
                                      mark_label=t["deadline"]), t["days_title"])
    late = days[days > 0]
    if late.empty:
        return out + packs.para(t["no_late"])
    out += packs.para(t["late"].format(n=format_int(len(late)), median=format_int(late.median()),
                                       most=format_int(late.max())))
    return out + packs.chart(plots.histogram(late, t["late_title"], t["days_axis"], t["count_axis"], clip=clip),
                             t["late_title"])


def months_html(d: pd.DataFrame) -> str:
    t = views.texts()
    months = views.by_month(d)
    if months.empty:
        return packs.para(t["empty"])
    return (packs.chart(plots.column_bars(months, "month", "overdue", t["months_title"], t["overdue_axis"]),
                        t["months_title"])
            + packs.table_html(months, {"received": "int", "overdue": "int"}, t["labels"]))


def procedures_html(d: pd.DataFrame, rows: int = 15) -> str:
    t = views.texts()
    procs = views.by_procedure(d)
    if procs.empty:
        return packs.para(t["empty"])
    return packs.para(views.no_overdue_text(procs)) + packs.table_html(procs.head(rows), _COUNTS, t["labels"])


def channels_html(d: pd.DataFrame) -> str:
    t = views.texts()
    channels = views.by_channel(d)
    if channels.empty:
        return packs.para(t["empty"])
    return packs.table_html(channels, _COUNTS, t["labels"])


def units_html(cat: Catalog, unit_code: str = "") -> str:
    """Each unit's log (of the chosen unit only when one is chosen): its rows, the days of receipt it covers and
    the rows not counted, and what in it can explain a gap with its table (a log short of the period)."""
    from sketket.analysis import dossier_facts as facts

    t = views.texts()
    data = facts.read(cat)
    units = facts.unit_rows(data, [params.text(unit_code, "unit_code")] if unit_code else None)
    if units.empty:
        return packs.para(t["empty"])
    lines = facts.reconciliation_lines(data)
    shown = units.assign(log=[facts.log_span(r, data.cfg) for _, r in units.iterrows()],
                         log_note=units["log_note"].fillna(""),
                         reconciliation=[lines.get(c, t["not_reconciled"]) for c in units["unit_code"]])
    cols = {"unit_name": "text", "received": "int", "log": "text", "log_note": "text", "reconciliation": "text"}
    return packs.para(t["units_intro"]) + packs.table_html(shown[list(cols)], cols, t["labels"])


def files_html(cat: Catalog, unit_code: str = "") -> str:
    """The files ledger and the findings per rule, of the unit's files only when a unit is chosen."""
    t = views.texts()
    code = params.text(unit_code, "unit_code")
    files, findings = views.files_read(cat, code), views.findings_by_rule(cat, code)
    out = packs.para(t["unit_files"]) if code else ""
    out += packs.table_html(files, {"rows_read": "int", "rows_counted": "int", "rows_excluded": "int"}, t["labels"])
    if findings.empty:
        return out + packs.para(t["no_findings"])
    return out + packs.table_html(findings, {"findings": "int", "files": "int"}, t["labels"])
