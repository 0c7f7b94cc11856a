"""What the dossier logs say for the reports: read-side facts from the datasets `sketket dossiers` writes
(`dossier_units`, `dossier_procedures`, `reconciliation`; DESIGN.md, "Dossier logs").

The packs, the return lists and the draft report ask the same questions of the logs, for the outline's
sections II.2.đ (Saturday), e (postal service), g (online) and i (dossiers, procedures with most overdue
dossiers and with none), and for the reconciliation of each unit's table with its own software. Each answer is
a small function on the tables read once by :func:`read`; :func:`sentences` words them in Vietnamese.

Scope: the logs cover only the units whose software exports were received, so every sentence names its scope
("Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 12 đơn vị gửi kèm") and no log figure is ever added to the
tables' figures. No logs (the datasets not written) reads as empty tables: every function then answers empty,
zero or None, and :func:`sentences` gives no sentence.

Thresholds and texts are in config/dossiers.yml, `facts` (and `reconciliation` for the thresholds the
reconciliation used).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sketket.analysis.dossier_counts import on_time_rate
from sketket.catalog import Catalog
from sketket.clean import format_date, format_int, format_percent, in_sentence, nfc
from sketket.intake.dossiers import config as dossiers_config
from sketket.intake.dossiers import settings_of

SECTIONS = ("II.2.đ", "II.2.e", "II.2.g", "II.2.i")
RECONCILIATION = "reconciliation"  # the key of the reconciliation sentences in sentences()'s answer


def config(source: Catalog | str | Path | Any | None = None) -> dict[str, Any]:
    """dossiers.yml's `facts` section with the `reconciliation` thresholds beside it: those a processed folder's
    logs were counted with (`source`: a Catalog, a folder, anything with `processed_dir`), else the package's."""
    data = settings_of(_catalog(source).processed_dir) if source is not None else dossiers_config()
    return {**data["facts"], "reconciliation": data["reconciliation"]}


@dataclass(frozen=True)
class DossierTables:
    """The log datasets of one processed folder (empty tables with their columns when there are no logs)."""

    units: pd.DataFrame
    procedures: pd.DataFrame
    reconciliation: pd.DataFrame
    cfg: dict[str, Any] = field(default_factory=config)  # config(): the settings the logs were counted with

    @property
    def has_logs(self) -> bool:
        return bool(len(unit_rows(self)))


def _catalog(source: Catalog | str | Path | Any) -> Catalog:
    if isinstance(source, Catalog):
        return source
    if hasattr(source, "processed_dir"):  # packs.Tables, a RunContext
        return Catalog(Path(source.processed_dir))
    return Catalog(Path(source))


def _stale(cat: Catalog) -> bool:
    """A reconciliation older than the appendix it reconciles: the tables were read again since (a run without
    logs, or a unit's corrected table), so its figures are not the tables' any more."""
    def path(name: str) -> Path:
        return cat.parquet(name) if cat.parquet(name).is_file() else cat.csv(name)

    rec, appendix = path("reconciliation"), path("appendix")
    return rec.is_file() and appendix.is_file() and rec.stat().st_mtime_ns < appendix.stat().st_mtime_ns


def read(source: Catalog | str | Path | Any) -> DossierTables:
    """The log datasets of a processed folder (a Catalog, a folder, or anything with `processed_dir`)."""
    cat = _catalog(source)
    rec = cat.load("reconciliation")
    if _stale(cat):
        rec = rec.iloc[0:0]
    return DossierTables(cat.load("dossier_units"), cat.load("dossier_procedures"), rec, config(cat))


# ---------------------------------------------------------------- the figures


def unit_rows(t: DossierTables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The per-unit rows (not the tier and city rows), of `codes` only when given."""
    u = t.units
    u = u[u["unit_code"].fillna("") != ""] if len(u) else u
    if codes is not None and len(u):
        u = u[u["unit_code"].isin(list(codes))]
    return u


@dataclass(frozen=True)
class Scope:
    """The units whose figures come from logs: how many and their names (registry names, in the table's order)."""

    count: int
    names: list[str]
    codes: list[str]


def scope(t: DossierTables, codes: Iterable[str] | None = None) -> Scope:
    u = unit_rows(t, codes)
    return Scope(len(u), [nfc(n) for n in u["unit_name"].fillna("")], list(u["unit_code"]))


def _total(t: DossierTables, codes: Iterable[str] | None, column: str) -> int:
    u = unit_rows(t, codes)
    return int(pd.to_numeric(u[column], errors="coerce").fillna(0).sum()) if len(u) else 0


@dataclass(frozen=True)
class Counts:
    """The log counts of a scope (the city, a unit, a few units): received and the parts the outline asks."""

    received: int
    on_time: int
    overdue: int
    online_received: int
    postal_received: int
    postal_returned: int
    saturday_received: int
    saturday_same_morning: int

    @property
    def on_time_rate(self) -> float | None:
        rate = on_time_rate(pd.Series([self.on_time]), pd.Series([self.overdue])).iloc[0]
        return None if pd.isna(rate) else float(rate)

    @property
    def online_received_share(self) -> float | None:
        return 100 * self.online_received / self.received if self.received else None

    @property
    def postal_share(self) -> float | None:
        return 100 * self.postal_received / self.received if self.received else None


def counts(t: DossierTables, codes: Iterable[str] | None = None) -> Counts | None:
    """The sums over the units of `codes` (all units with logs when None); None when none has logs."""
    codes = None if codes is None else list(codes)
    if unit_rows(t, codes).empty:
        return None
    return Counts(*(_total(t, codes, c) for c in ("received", "on_time", "overdue", "online_received",
                                                  "postal_received", "postal_returned", "saturday_received",
                                                  "saturday_same_morning")))


def online_received_share(t: DossierTables, codes: Iterable[str] | None = None) -> float | None:
    """II.2.g: the share (0–100) of the dossiers received that were submitted online; None without logs."""
    c = counts(t, codes)
    return None if c is None else c.online_received_share


def saturday(t: DossierTables, codes: Iterable[str] | None = None) -> tuple[int, int] | None:
    """II.2.đ: (dossiers received on a Saturday, of which received and returned the same morning)."""
    c = counts(t, codes)
    return None if c is None else (c.saturday_received, c.saturday_same_morning)


def postal(t: DossierTables, codes: Iterable[str] | None = None) -> tuple[int, int] | None:
    """II.2.e: (dossiers received by post, results returned by post)."""
    c = counts(t, codes)
    return None if c is None else (c.postal_received, c.postal_returned)


_PROC_KEY = ["procedure_code", "procedure_name"]
_PROC_COUNTS = ["received", "on_time", "overdue", "online_received"]


def procedures(t: DossierTables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per procedure: received, on time, overdue, received online, the on-time rate and the online share (0–100), over the city
    (the city's rows) or summed over the units of `codes`; `procedure` is the name shown (the code without one)."""
    p = t.procedures
    if p.empty:
        return pd.DataFrame(columns=[*_PROC_KEY, *_PROC_COUNTS, "on_time_rate", "online_received_share", "procedure"])
    p = p.assign(unit_code=p["unit_code"].fillna(""), procedure_code=p["procedure_code"].fillna(""),
                 procedure_name=p["procedure_name"].fillna(""))
    if codes is None:
        p = p[p["unit_code"] == ""]
    else:
        p = p[p["unit_code"].isin(list(codes))]
    p = p.groupby(_PROC_KEY, as_index=False, sort=False)[_PROC_COUNTS].sum()
    for c in _PROC_COUNTS:
        p[c] = pd.to_numeric(p[c]).fillna(0).astype("int64")
    p["on_time_rate"] = on_time_rate(p["on_time"], p["overdue"])  # of the sums, not the units' rates
    p["online_received_share"] = (100 * p["online_received"] / p["received"].where(p["received"] > 0)).astype("float64")
    p["procedure"] = [nfc(n) or nfc(c) for n, c in zip(p["procedure_name"], p["procedure_code"], strict=True)]
    return p.reset_index(drop=True)


def top_overdue(t: DossierTables, codes: Iterable[str] | None = None, n: int | None = None) -> pd.DataFrame:
    """II.2.i: the procedures with the most overdue dossiers (at least one), most first (then most received)."""
    p = procedures(t, codes)
    p = p[p["overdue"] > 0].sort_values(["overdue", "received", "procedure"], ascending=[False, False, True])
    return p.head(n if n is not None else int(t.cfg["top"])).reset_index(drop=True)


def overdue_units(t: DossierTables, codes: Iterable[str] | None = None) -> tuple[pd.DataFrame, int]:
    """II.2.i: where the overdue dossiers of a few units' logs are — the units with some, most first (then by
    name) — and how many units have none: pooled logs must not read as a problem of every unit."""
    u = unit_rows(t, codes)
    late = u[u["overdue"] > 0].sort_values(["overdue", "unit_name"], ascending=[False, True])
    # a log with no dossier of the period proves nothing either way
    return late.reset_index(drop=True), int(((u["overdue"] == 0) & (u["received"] > 0)).sum())


def no_overdue(t: DossierTables, codes: Iterable[str] | None = None, min_dossiers: int | None = None) -> pd.DataFrame:
    """II.2.i: the procedures with no overdue dossier among those with at least `min_dossiers` dossiers (a
    procedure with three dossiers proves little), most received first."""
    least = int(t.cfg["min_dossiers"]) if min_dossiers is None else min_dossiers
    p = procedures(t, codes)
    p = p[(p["overdue"] == 0) & (p["received"] >= least)]
    return p.sort_values(["received", "procedure"], ascending=[False, True]).reset_index(drop=True)


def top_online(t: DossierTables, codes: Iterable[str] | None = None, n: int | None = None,
               min_dossiers: int | None = None) -> pd.DataFrame:
    """II.2.g: the procedures with most dossiers received online, as the outline asks ("TTHC có số hồ sơ thực
    hiện qua mạng nhiều nhất"; of those with at least `min_dossiers` dossiers), most first (then the highest
    online share)."""
    cfg = t.cfg
    least = int(cfg["min_dossiers"]) if min_dossiers is None else min_dossiers
    p = procedures(t, codes)
    p = p[(p["online_received"] > 0) & (p["received"] >= least)]
    p = p.sort_values(["online_received", "online_received_share", "procedure"], ascending=[False, False, True])
    return p.head(n if n is not None else int(cfg["top"])).reset_index(drop=True)


# ---------------------------------------------------------------- the reconciliation


def reconciliation_rows(t: DossierTables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The reconciliation of the units of `codes` (all when None), the largest gap in received first."""
    r = t.reconciliation
    if codes is not None and len(r):
        r = r[r["unit_code"].isin(list(codes))]
    if r.empty:
        return r
    gap = pd.to_numeric(r["diff_received"], errors="coerce").abs().fillna(0)
    return r.assign(_gap=gap).sort_values(["_gap", "unit_code"], ascending=[False, True]).drop(columns="_gap")


@dataclass(frozen=True)
class ReconciliationSummary:
    units: int
    agree: int
    differ: int
    largest: pd.DataFrame  # the differing units, largest gap in received first (at most `gaps` rows)


def reconciliation_summary(t: DossierTables, codes: Iterable[str] | None = None,
                           gaps: int | None = None) -> ReconciliationSummary | None:
    """How many units agree and differ, and the differing units with the largest gaps; None when no unit has
    both a table and a log."""
    r = reconciliation_rows(t, codes)
    if r.empty:
        return None
    differ = r[r["status"] == "differs"]
    return ReconciliationSummary(len(r), int((r["status"] == "agrees").sum()), len(differ),
                                 differ.head(int(t.cfg["gaps"]) if gaps is None else gaps).reset_index(drop=True))


def reconciliation_line(row: pd.Series | dict[str, Any], cfg: dict[str, Any] | None = None) -> str:
    """One unit's reconciliation as its return list and pack say it: the received line ("Biểu báo cáo 24.650
    hồ sơ; phần mềm một cửa ghi nhận 24.120, chênh 2,2%"), then the on-time and overdue figures that differ,
    and, for a unit that differs, what in its log can explain the gap (`log_note`: a log short of the period,
    rows not counted). `cfg`: the settings the logs were counted with (DossierTables.cfg; None: the package's)."""
    texts = (cfg or config())["texts"]
    parts = [nfc(row["message"])]
    for key in ("on_time", "overdue"):
        reported, logged, diff = row[f"reported_{key}"], row[f"log_{key}"], row[f"diff_{key}"]
        if not pd.isna(diff) and int(diff) != 0:
            parts.append(texts[f"{key}_gap"].format(reported=format_int(reported), logged=format_int(logged)))
    note = row.get("log_note")
    if row["status"] == "differs" and isinstance(note, str) and note:
        parts.append(nfc(note))
    return "; ".join(parts)


def _day(iso: object) -> str:
    return format_date(iso) if isinstance(iso, str) and iso else ""


def log_span(row: pd.Series | dict[str, Any], cfg: dict[str, Any] | None = None) -> str:
    """What one unit's log holds, for its pack: its dossier rows and the days of receipt they cover, then the
    rows not counted ("240 dòng; trong kỳ, tiếp nhận từ 01/04/2016 đến 30/06/2017; 1 dòng trùng mã hồ sơ (tính một
    lần); 1 dòng bị loại vì lỗi")."""
    texts = (cfg or config())["texts"]
    if pd.isna(row.get("log_rows")):  # a folder written before sketket counted them
        return ""
    rows = format_int(row["log_rows"])
    first, last = _day(row.get("first_received")), _day(row.get("last_received"))
    parts = [texts["log_span"].format(rows=rows, first=first, last=last) if first
             else texts["log_empty"].format(rows=rows)]
    for column, key in (("out_of_period", "log_out_of_period"), ("duplicate_rows", "log_duplicates"),
                        ("unreadable_rows", "log_unreadable")):
        if not pd.isna(row.get(column)) and int(row[column]):
            parts.append(texts[key].format(n=format_int(row[column])))
    return "; ".join(parts)


def short_logs(t: DossierTables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """The units whose log does not cover the period (`covers_period`, computed with the run's plan)."""
    u = unit_rows(t, codes)
    return u[~u["covers_period"].fillna(True).astype(bool)] if len(u) else u


def reconciliation_lines(t: DossierTables) -> dict[str, str]:
    """Each reconciled unit's line (reconciliation_line), by unit code."""
    r = t.reconciliation
    return {row["unit_code"]: reconciliation_line(row, t.cfg) for _, row in r.iterrows()} if len(r) else {}


def unit_reconciliation(t: DossierTables, unit_code: str) -> pd.Series | None:
    """The reconciliation row of one unit, None when it has no log or no table."""
    r = reconciliation_rows(t, [unit_code])
    return None if r.empty else r.iloc[0]


# ---------------------------------------------------------------- the sentences


def _list(items: Sequence[str], limit: int, what: str, cfg: dict[str, Any], sep: str = ", ") -> str:
    shown = list(items[:limit])
    more = len(items) - len(shown)
    text = sep.join(shown)
    if more > 0:
        text += " " + cfg["texts"]["more"].format(n=format_int(more), what=what)
    return text


def scope_text(t: DossierTables, codes: Sequence[str] | None = None) -> str:
    """Whose logs a figure comes from: the city's units with logs, one unit, or a few units named."""
    cfg = t.cfg
    texts, s = cfg["texts"], scope(t, codes)
    if codes is None:
        said = texts["scope_city"].format(n=format_int(s.count))
    elif s.count == 1:
        said = texts["scope_unit"].format(name=s.names[0])
    else:
        said = texts["scope_units"].format(n=format_int(s.count), names=_list(s.names, int(cfg["names"]), "đơn vị", cfg))
    return said + _short_scope(t, codes, s.count)


def _short_scope(t: DossierTables, codes: Sequence[str] | None, count: int) -> str:
    """What a scope's figures lack when some of its logs do not cover the period, said beside the scope so that
    no figure reads as the whole period's (" (sổ của Xã Yên Thường chỉ ghi từ 01/04/2016 đến 30/06/2017, không
    đủ kỳ báo cáo)"); empty when every log covers it."""
    short = short_logs(t, codes)
    if short.empty:
        return ""
    texts = t.cfg["texts"]
    spans = [(nfc(r["unit_name"]), _day(r["first_received"]), _day(r["last_received"])) for _, r in short.iterrows()]
    if count == 1:
        first, last = spans[0][1:]
        return texts["scope_short_unit"].format(first=first, last=last) if first else texts["scope_empty_unit"]
    items = [texts["scope_short_item" if first else "scope_empty_item"].format(name=name, first=first, last=last)
             for name, first, last in spans]
    # "; " between them: each item has its own commas
    return texts["scope_short"].format(items=_list(items, int(t.cfg["names"]), "đơn vị", t.cfg, "; "))


def scope_again_text(t: DossierTables, codes: Sequence[str] | None = None) -> str:
    """`scope_text` said again, short, after a section's first sentence ("Trong sổ của 6 đơn vị đó")."""
    texts, s = t.cfg["texts"], scope(t, codes)
    if codes is not None and s.count == 1:
        return texts["scope_again_unit"].format(name=s.names[0])
    return texts["scope_again"].format(n=format_int(s.count))


def _share(value: float | None) -> str:
    return format_percent(value) if value is not None else "–"


def sentences(t: DossierTables, unit_code: str | None = None, *, codes: Sequence[str] | None = None,
              list_overdue: bool = True) -> dict[str, list[str]]:
    """Vietnamese sentences per outline section ("II.2.đ", "II.2.e", "II.2.g", "II.2.i") and "reconciliation",
    for the city (default), one unit (`unit_code`) or a few units (`codes`, e.g. a district and its communes).
    A scope without logs gives no sentence; each sentence names its scope and claims only the logs' figures.
    `list_overdue` False leaves out the sentence naming the procedures with most overdue dossiers (for a page
    that shows them in a table)."""
    if unit_code is not None:
        codes = [unit_code]
    if codes is not None:
        codes = scope(t, codes).codes  # the units with logs only: "của 2 đơn vị", never of the 20 asked
    cfg = t.cfg
    texts, top, least = cfg["texts"], int(cfg["top"]), int(cfg["min_dossiers"])
    out: dict[str, list[str]] = {sid: [] for sid in (*SECTIONS, RECONCILIATION)}
    c = counts(t, codes)
    if c is not None:
        where, again = scope_text(t, codes), scope_again_text(t, codes)
        n = format_int
        saturday_text = ("saturday" if c.saturday_same_morning else "saturday_no_same_morning"
                         if c.saturday_received else "saturday_none")
        out["II.2.đ"].append(texts[saturday_text].format(scope=where, received=n(c.saturday_received),
                                                         same_morning=n(c.saturday_same_morning)))
        out["II.2.e"].append(texts["postal"].format(scope=where, received=n(c.postal_received),
                                                    share=_share(c.postal_share), returned=n(c.postal_returned)))
        out["II.2.g"].append(texts["online"].format(scope=where, online=n(c.online_received), received=n(c.received),
                                                    share=_share(c.online_received_share)))
        online = top_online(t, codes, top, least)
        if len(online):
            items = [texts["top_online_item"].format(name=r.procedure, share=_share(r.online_received_share),
                                                     online=n(r.online_received), received=n(r.received))
                     for r in online.itertuples()]
            out["II.2.g"].append(texts["top_online"].format(scope=again, items="; ".join(items)))
        said_i = texts["dossiers" if c.overdue else "dossiers_no_overdue"]  # not "quá hạn 0 hồ sơ"
        out["II.2.i"].append(said_i.format(scope=where, received=n(c.received), on_time=n(c.on_time),
                                           rate=_share(c.on_time_rate), overdue=n(c.overdue)))
        late_units, clean_units = overdue_units(t, codes)
        if len(late_units) and len(late_units) + clean_units > 1:
            items = [texts["overdue_units_item"].format(name=r.unit_name, overdue=n(r.overdue))
                     for r in late_units.itertuples()]
            rest = texts["overdue_units_none"].format(n=n(clean_units)) if clean_units else ""
            out["II.2.i"].append(texts["overdue_units"].format(
                scope=again, n=n(len(late_units)), items=_list(items, int(cfg["names"]), "đơn vị", cfg), rest=rest))
        late = top_overdue(t, codes, top)
        if len(late) and list_overdue:
            items = [texts["top_overdue_item"].format(name=r.procedure, overdue=n(r.overdue), received=n(r.received))
                     for r in late.itertuples()]
            out["II.2.i"].append(texts["top_overdue"].format(scope=again, items="; ".join(items)))
        clean = no_overdue(t, codes, least)
        if len(clean):
            out["II.2.i"].append(texts["no_overdue"].format(
                scope=again, n=n(len(clean)), min=n(least), items=_list(list(clean["procedure"]), top, "TTHC", cfg)))
        else:
            out["II.2.i"].append(texts["no_overdue_none"].format(scope=again, min=n(least)))
    out[RECONCILIATION] = reconciliation_sentences(t, codes)
    return out


def reconciliation_sentences(t: DossierTables, codes: Sequence[str] | None = None) -> list[str]:
    """The reconciliation in words: for one unit its line and status; otherwise how many units agree and
    differ, and the largest gaps."""
    cfg = t.cfg
    texts, th = cfg["texts"], cfg["reconciliation"]
    if codes is not None and len(codes) == 1:
        row = unit_reconciliation(t, codes[0])
        if row is None:
            return []
        if all(pd.isna(row[f"diff_{k}"]) or int(row[f"diff_{k}"]) == 0 for k in ("received", "on_time", "overdue")):
            return [texts["reconciliation_unit_exact"].format(line=reconciliation_line(row, cfg))]
        status = row["status"]
        if status == "differs" and not short_logs(t, [row["unit_code"]]).empty:
            status = "differs_short"  # a log short of the period: the gap may be the missing days, not the table
        return [texts["reconciliation_unit"].format(line=reconciliation_line(row, cfg),
                                                    status=texts["reconciliation_status"][status])]
    summary = reconciliation_summary(t, codes)
    if summary is None:
        return _short_logs_sentences(t, codes)
    out = [texts["reconciliation"].format(n=format_int(summary.units), agree=format_int(summary.agree),
                                          differ=format_int(summary.differ),
                                          relative=format_percent(float(th["relative_pct"])),
                                          absolute=format_int(int(th["absolute"])))]
    if len(summary.largest):
        items = [f"{nfc(r['unit_name'])} ({in_sentence(reconciliation_line(r, cfg))})"
                 for _, r in summary.largest.iterrows()]
        every = len(summary.largest) == summary.differ
        out.append(texts["reconciliation_gaps_all" if every else "reconciliation_gaps"].format(items="; ".join(items)))
    # a short log already said in the line of its unit's gap is not said again
    return out + _short_logs_sentences(t, codes, said=set(summary.largest["unit_code"]))


def _short_logs_sentences(t: DossierTables, codes: Sequence[str] | None, said: Collection[str] = ()) -> list[str]:
    """The units (of a scope of several) whose logs do not cover the period, named with the days they cover
    (but those of `said`)."""
    short = short_logs(t, codes)
    short = short[~short["unit_code"].isin(said)]
    if short.empty:
        return []
    cfg = t.cfg
    texts = cfg["texts"]
    items = [texts["short_logs_item" if _day(r["first_received"]) else "empty_logs_item"].format(
        name=nfc(r["unit_name"]), first=_day(r["first_received"]), last=_day(r["last_received"]))
        for _, r in short.iterrows()]
    return [texts["short_logs"].format(n=format_int(len(short)), items=_list(items, int(cfg["names"]), "đơn vị", cfg))]


def units_named(t: DossierTables, codes: Sequence[str] | None = None, limit: int | None = None) -> str:
    """ "Các đơn vị gửi kèm sổ theo dõi hồ sơ: …." (empty without logs), for the draft report."""
    s = scope(t, codes)
    if not s.count:
        return ""
    cfg = t.cfg
    return cfg["texts"]["units_named"].format(
        names=_list(s.names, int(cfg["names"]) if limit is None else limit, "đơn vị", cfg))

