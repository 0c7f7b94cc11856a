"""What the analyst's notebook (04_dossiers.ipynb) shows from `dossiers.parquet`: the counted dossiers of one
unit, procedure and period; how many days before or after their deadline they ended; and their counts by month
of receipt, by procedure and by channel. Plus, for the inspector, the files read or rejected and the findings
by rule. Rates are ratios of sums (on time ÷ (on time + overdue), rule 6), as in `dossier_units`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from sketket.analysis.dossier_counts import COUNTED, on_time_rate
from sketket.catalog import Catalog
from sketket.clean import fold, format_date, format_int, format_percent
from sketket.intake.dossiers import config

ON_TIME = ("on_time", "pending_on_time")  # the table's notions (rule 6)
OVERDUE = ("overdue", "pending_overdue")
ENDED = ("on_time", "overdue")  # ended by the cutoff, with a deadline


def texts() -> dict[str, Any]:
    return config()["views"]


def parse_day(text: str, what: str) -> pd.Timestamp | None:
    """A dd/mm/yyyy parameter as a day, None when empty; a sentence naming the parameter when unreadable."""
    from sketket.params import ParameterError

    if not str(text).strip():
        return None
    try:
        return pd.Timestamp(dt.datetime.strptime(str(text).strip(), "%d/%m/%Y"))
    except ValueError:
        raise ParameterError(texts()["bad_day"].format(what=what, value=text)) from None


def _day(column: pd.Series) -> pd.Series:
    """ISO text (a date, or a date and time) as the day; an unreadable date kept as written becomes NaT."""
    return pd.to_datetime(column.fillna("").str.slice(0, 10), format="%Y-%m-%d", errors="coerce")


def select(dossiers: pd.DataFrame, unit_code: str = "", procedure: str = "", period_from: str = "",
           period_to: str = "") -> pd.DataFrame:
    """The counted dossiers (received in the period, known unit, not repeated) of a unit (its code), a procedure
    (its code, or words of its name, diacritics and case ignored) and days of receipt (dd/mm/yyyy, bounds
    included), each with its days of receipt, deadline and end, and whether it is on time or overdue."""
    from sketket import params

    start, end = parse_day(period_from, "period_from"), parse_day(period_to, "period_to")
    if start is not None and end is not None and start > end:
        raise params.ParameterError(texts()["bad_period"].format(start=period_from, end=period_to))
    unit_code, procedure = params.text(unit_code, "unit_code"), params.text(procedure, "procedure")
    if unit_code:
        unit_code = unit_of(dossiers, unit_code)
    d = dossiers[dossiers["outcome"].isin(COUNTED)].copy()
    if unit_code:
        d = d[d["unit_code"] == unit_code]
    if procedure:
        words = fold(procedure).strip()
        d = d[(d["procedure_code"] == procedure)
              | d["procedure_name"].map(fold).str.contains(words, regex=False)]
        if d.empty:  # a page about nothing would read as "no dossier of it": say the name was not found
            names = (dossiers.loc[dossiers["outcome"].isin(COUNTED), ["procedure_code", "procedure_name"]]
                     .drop_duplicates().sort_values(["procedure_code", "procedure_name"]))
            shown = [" ".join(x for x in (c, n) if isinstance(x, str) and x) for c, n in names.itertuples(index=False)]
            more = f" (và {format_int(len(shown) - 10)} thủ tục khác)" if len(shown) > 10 else ""
            raise params.ParameterError(texts()["unknown_procedure"].format(
                procedure=procedure, known="; ".join(shown[:10]) + more if shown else "–"))
    d["received"] = _day(d["received_at"])
    first, last = d["received"].min(), d["received"].max()
    if len(d) and ((start is not None and start > last) or (end is not None and end < first)):
        # a page about nothing would read as "no dossier then": say the logs hold no such days
        raise params.ParameterError(texts()["outside_logs"].format(
            start=format_date(start.date()) if start is not None else "…",
            end=format_date(end.date()) if end is not None else "…", first=format_date(first.date()),
            last=format_date(last.date())))
    if start is not None:
        d = d[d["received"] >= start]
    if end is not None:
        d = d[d["received"] <= end]
    d["due"] = _day(d["due_at"])
    d["end"] = _day(d["finished_at"].where(d["finished_at"].fillna("") != "", d["returned_at"]))
    d["is_on_time"] = d["outcome"].isin(ON_TIME)
    d["is_overdue"] = d["outcome"].isin(OVERDUE)
    return d


def unit_of(dossiers: pd.DataFrame, asked: str) -> str:
    """The code of the unit a notebook's `unit_code` names: its code, or its name as the log's unit is named
    (diacritics, case and "Xã"/"Phường" optional: "xa yen thuong", "Yên Thường"); else a sentence listing the
    units with logs, each with its name, and saying whether the code is one of a unit that sent no log."""
    from sketket import params
    from sketket.registry import load_registry

    asked = params.text(asked, "unit_code")  # papermill -p makes 00529 a number: said, not guessed
    units = dossiers.loc[dossiers["unit_code"].fillna("") != "", ["unit_code", "unit_name"]].drop_duplicates("unit_code")
    if not asked or (units["unit_code"] == asked).any():
        return asked
    found = params.units_named(units, asked)
    if len(found) == 1:
        return str(found["unit_code"].iloc[0])
    known = ", ".join(f"{c} {n}" for c, n in units.sort_values("unit_code").itertuples(index=False)) or "–"
    registry = load_registry().units
    named = registry.loc[registry["code"] == asked, "name_with_type"]
    if len(named):
        raise params.ParameterError(texts()["unit_without_log"].format(code=asked, name=named.iloc[0], known=known))
    raise params.ParameterError(texts()["unknown_unit"].format(code=asked, known=known))


def summary(d: pd.DataFrame) -> str:
    """One sentence: dossiers received, on time, overdue and the on-time rate of the selection."""
    on_time, overdue = int(d["is_on_time"].sum()), int(d["is_overdue"].sum())
    rate = on_time_rate(pd.Series([on_time]), pd.Series([overdue])).iloc[0]
    t = texts()
    line = t["summary"].format(received=format_int(len(d)), on_time=format_int(on_time),
                               overdue=format_int(overdue))
    return line + (t["summary_rate"].format(rate=format_percent(rate)) if pd.notna(rate) else "") + "."


def days_against_due(d: pd.DataFrame) -> pd.Series:
    """For each dossier ended by the cutoff with a deadline: days from the deadline to its end (negative: ended
    before the deadline; positive: overdue by that many days)."""
    ended = d[d["outcome"].isin(ENDED) & d["due"].notna() & d["end"].notna()]
    return (ended["end"] - ended["due"]).dt.days.rename("days")


def by_month(d: pd.DataFrame) -> pd.DataFrame:
    """Per month of receipt, in order (mm/yyyy): received, overdue."""
    month = d["received"].dt.to_period("M")
    out = (d.assign(month=month).groupby("month", sort=True)
           .agg(received=("outcome", "size"), overdue=("is_overdue", "sum")).reset_index())
    out["month"] = out["month"].dt.strftime("%m/%Y")
    return out.astype({"received": int, "overdue": int})


def by_procedure(d: pd.DataFrame) -> pd.DataFrame:
    """Per procedure (code and name): received, on time, overdue, online, on-time rate; most overdue first."""
    out = (d.assign(is_online=d["channel"] == "online")
           .groupby(["procedure_code", "procedure_name"], sort=False)
           .agg(received=("outcome", "size"), on_time=("is_on_time", "sum"), overdue=("is_overdue", "sum"),
                online_received=("is_online", "sum")).reset_index())
    out["on_time_rate"] = on_time_rate(out["on_time"], out["overdue"])
    out = out.astype({c: int for c in ("received", "on_time", "overdue", "online_received")})
    return out.sort_values(["overdue", "received", "procedure_code", "procedure_name"],
                           ascending=[False, False, True, True], kind="stable").reset_index(drop=True)


def no_overdue_text(procedures: pd.DataFrame) -> str:
    """How many of the procedures (by_procedure) have no overdue dossier, as a sentence."""
    return texts()["no_overdue"].format(n=format_int(int((procedures["overdue"] == 0).sum())),
                                        total=format_int(len(procedures)))


def by_channel(d: pd.DataFrame) -> pd.DataFrame:
    """Per channel of submission (in Vietnamese, in config order; no channel written last): received, on time,
    overdue, on-time rate."""
    labels = texts()["channels"]
    out = (d.groupby(d["channel"].fillna(""), sort=False)
           .agg(received=("outcome", "size"), on_time=("is_on_time", "sum"), overdue=("is_overdue", "sum")))
    order = [c for c in labels if c in out.index] + [c for c in out.index if c not in labels]
    out = out.loc[order].reset_index(names="channel")
    out["channel"] = out["channel"].map(lambda c: labels.get(c, c))
    out["on_time_rate"] = on_time_rate(out["on_time"], out["overdue"])
    return out.astype({c: int for c in ("received", "on_time", "overdue")})


def unit_files(cat: Catalog, unit_code: str) -> set[str]:
    """The files holding rows of a unit (dossiers.parquet)."""
    d = cat.load("dossiers")
    return set(d.loc[d["unit_code"] == unit_code, "source_file"])


def files_read(cat: Catalog, unit_code: str = "") -> pd.DataFrame:
    """The files ledger (dossier_files), of the unit's files and the files not read when a unit is given,
    rejected and skipped files first (what the inspector asks a unit to send again), the status in Vietnamese."""
    files = cat.load("dossier_files")
    if unit_code:  # the unit's files, and every file not read (no row tells whose it is: to ask about)
        files = files[files["source_file"].isin(unit_files(cat, unit_code)) | (files["status"] != "read")]
    order = {"rejected": 0, "skipped": 1, "procedures": 2, "read": 3}
    files = files.sort_values("status", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return files.assign(status=files["status"].map(lambda s: texts()["file_status"].get(s, s)))


def findings_by_rule(cat: Catalog, unit_code: str = "") -> pd.DataFrame:
    """Findings per rule (dossier_findings, of the unit's files when a unit is given): severity (in Vietnamese),
    number of findings, files concerned, an example message; errors first, then the most frequent."""
    f = cat.load("dossier_findings")
    if unit_code:
        f = f[f["source_file"].isin(unit_files(cat, unit_code))]
    rank = {"error": 0, "warning": 1, "info": 2}
    out = (f.groupby("rule", sort=False)
           .agg(severity=("severity", "first"), findings=("rule", "size"), files=("source_file", "nunique"),
                example=("message", "first")).reset_index())
    out = (out.assign(_rank=out["severity"].map(rank))
           .sort_values(["_rank", "findings", "rule"], ascending=[True, False, True], kind="stable")
           .drop(columns="_rank").reset_index(drop=True))
    names = texts()["rule_names"]
    out = out.assign(severity=out["severity"].map(lambda s: texts()["severity"].get(s, s)),
                     rule_name=out["rule"].map(lambda r: names.get(r, r)))
    return out[["rule_name", "rule", "severity", "findings", "files", "example"]]
