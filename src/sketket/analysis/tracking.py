"""Submission tracking: who owes what (the registry's departments, vertical agencies and districts, and
the bodies with assigned tasks), what each sent (table, report), when, on paper or electronically, and
who is late or missing against the plan's deadline.

Dates and channels come from the Sở Nội vụ's submission log (RAW_DIR/nhat-ky-nop-bao-cao.csv) when it
exists; a file received without a log entry is dated by its modification time, as an electronic copy.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sketket.analysis.lessons import read_sections
from sketket.catalog import Catalog
from sketket.clean import fold, format_date, format_int, nfc
from sketket.config import Plan, load_yaml
from sketket.dimensions import TIER_LABELS
from sketket.intake.narrative import extra_units, match_unit, task_report_files, unit_named_by_file
from sketket.registry import Registry

EVENT_COLUMNS = ["unit_code", "unit_name", "document", "channel", "date", "source_file"]
STATUS_LABELS = {
    "on_time": "Đủ, đúng hạn",
    "late": "Nộp muộn",
    "incomplete": "Còn thiếu",
    "missing": "Chưa nộp",
    "unreadable": "Đã gửi, tệp không đọc được",
    "unexpected": "Không xác định được đơn vị",
}


@lru_cache(maxsize=1)
def _config() -> dict:
    return load_yaml("submitters.yml")


def expected_submitters(registry: Registry) -> pd.DataFrame:
    """Units that owe reports: code, unit_name, tier, documents (list), assigned_task (bool)."""
    cfg = _config()
    reg = registry.units[registry.units["tier"].isin(cfg["tiers"])]
    rows = [{"code": r.code, "unit_name": r.name_with_type, "tier": r.tier, "documents": list(cfg["documents"])}
            for r in reg.itertuples(index=False)]
    rows += [{"code": u.code, "unit_name": u.name, "tier": u.tier, "documents": list(u.documents)}
             for u in extra_units().itertuples(index=False)]
    df = pd.DataFrame(rows, columns=["code", "unit_name", "tier", "documents"])
    tasks = set()
    for name in cfg.get("assigned_tasks", []):
        if name in set(df["code"]):
            tasks.add(name)
        else:
            hit = match_unit(name, registry)
            if hit:
                tasks.add(hit.code)
    df["assigned_task"] = df["code"].isin(tasks)
    df.loc[df["assigned_task"], "documents"] = df.loc[df["assigned_task"], "documents"].map(
        lambda d: d if "bao_cao_nhiem_vu" in d else [*d, "bao_cao_nhiem_vu"])
    return df.reset_index(drop=True)


def _parse_date(value: object) -> dt.date | None:
    s = nfc(value).split(" ")[0]
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def read_log(raw_dir: Path) -> pd.DataFrame | None:
    """The submission log (EVENT_COLUMNS without source_file), or None when RAW_DIR has none."""
    found = sorted(Path(raw_dir).rglob(_config()["log_file"]))
    if not found:
        return None
    limit = int(_config()["log_max_bytes"])
    if found[0].stat().st_size > limit:  # bounded before it is parsed: a unit's upload may bear the name
        logging.getLogger(__name__).warning(
            "Không đọc nhật ký nộp báo cáo %s: %s byte, vượt giới hạn %s (log_max_bytes trong submitters.yml); "
            "dùng ngày của các tệp đã nhận", found[0], format_int(found[0].stat().st_size), format_int(limit))
        return None
    log = pd.read_csv(found[0], dtype=str, keep_default_na=False, encoding="utf-8-sig")
    log = log.rename(columns=str.strip)
    for col in EVENT_COLUMNS[:5]:
        if col not in log.columns:
            log[col] = ""
    log["date"] = log["date"].map(_parse_date)
    log["document"] = log["document"].map(lambda s: fold(s).replace(" ", "_"))
    log["channel"] = log["channel"].map(lambda s: fold(s).replace(" ", "_"))
    log["source_file"] = ""
    return log[EVENT_COLUMNS]


def received_files(processed_dir: Path) -> pd.DataFrame:
    """(unit_code, unit_name, document, source_file) of every table and report ingest attributed to a unit."""
    processed_dir = Path(processed_dir)
    rows: list[dict] = []
    cat = Catalog(processed_dir)
    if cat.exists("appendix"):
        df = cat.load("appendix")
        own = df[df["tier"].isin(_config()["tiers"])]  # row A: the submitting unit itself
        for r in own.drop_duplicates(["source_file"]).itertuples(index=False):
            rows.append({"unit_code": r.unit_code, "unit_name": r.unit_name, "document": "phu_luc",
                         "source_file": r.source_file})
        # a table replaced by the unit's later file (duplicate_unit, on the earlier file, names the later one in
        # `value`) was received too: its day is the unit's first sending, not the correction's
        if cat.exists("findings"):
            f = cat.load("findings")
            kept = {r["source_file"]: r for r in rows}
            for old, later in zip(f.loc[f["rule"] == "duplicate_unit", "source_file"],
                                  f.loc[f["rule"] == "duplicate_unit", "value"], strict=True):
                if later in kept and old not in kept:
                    rows.append({**kept[later], "source_file": old})
    sections = read_sections(processed_dir)
    tasks = task_report_files(sections)
    for source, rep in sections.groupby("source_file", sort=False):
        doc = "bao_cao_nhiem_vu" if source in tasks else "bao_cao"
        rows.append({"unit_code": rep.iloc[0]["unit_code"], "unit_name": rep.iloc[0]["unit_name"],
                     "document": doc, "source_file": source})
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "document", "source_file"])


def submission_events(raw_dir: Path, processed_dir: Path, registry: Registry) -> tuple[pd.DataFrame, bool]:
    """Every (unit, document, channel, date) received, and whether a log gave them (else: file dates)."""
    files = received_files(processed_dir)
    log = read_log(raw_dir)
    known = set(expected_submitters(registry)["code"])

    def code_of(code: str, name: str) -> str:
        if code in known:
            return code
        hit = match_unit(name, registry)
        return hit.code if hit and hit.code in known else code

    events = []
    if log is not None:
        log = log.assign(unit_code=[code_of(c, n) for c, n in zip(log["unit_code"], log["unit_name"], strict=True)])
        events.append(log)
    logged = set() if log is None else set(zip(log["unit_code"], log["document"], strict=True))
    rows = []
    for r in files.itertuples(index=False):
        code = code_of(r.unit_code, r.unit_name)
        if (code, r.document) in logged and code:
            continue  # the log says when and how it came
        path = Path(raw_dir) / r.source_file
        date = dt.date.fromtimestamp(path.stat().st_mtime) if path.exists() else None
        rows.append({"unit_code": code, "unit_name": r.unit_name, "document": r.document, "channel": "dien_tu",
                     "date": date, "source_file": r.source_file})
    events.append(pd.DataFrame(rows, columns=EVENT_COLUMNS))
    all_events = pd.concat([e for e in events if not e.empty], ignore_index=True) if any(
        not e.empty for e in events) else pd.DataFrame(columns=EVENT_COLUMNS)
    # attach the file names the log does not carry
    names = files.assign(unit_code=[code_of(c, n) for c, n in zip(files["unit_code"], files["unit_name"],
                                                                      strict=True)])
    by_doc = names.groupby(["unit_code", "document"])["source_file"].agg(lambda s: "; ".join(s)).to_dict()
    all_events["source_file"] = [sf or by_doc.get((c, d), "") for sf, c, d in
                                 zip(all_events["source_file"], all_events["unit_code"], all_events["document"],
                                     strict=True)]
    return all_events, log is not None


def unreadable_files(processed_dir: Path, registry: Registry) -> dict[str, list[str]]:
    """Unit code → the files ingest could not read whose name names that unit (a corrupt or locked table or
    report): the unit sent something, which tracking must not call "not sent"."""
    cat = Catalog(Path(processed_dir))
    if not cat.exists("files"):
        return {}
    files = cat.load("files")
    out: dict[str, list[str]] = {}
    for source in files.loc[files["status"] == "rejected", "source_file"]:
        code = unit_named_by_file(str(source), registry)
        if code:
            out.setdefault(code, []).append(str(source))
    return out


def tracking_table(events: pd.DataFrame, expected: pd.DataFrame, deadline: dt.date, has_log: bool,
                   unreadable: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per expected unit (and per unknown sender): what came, when, how, and what is missing;
    `unreadable`: the files each unit sent that could not be read (unreadable_files)."""
    unreadable = unreadable or {}
    cfg = _config()
    doc_labels, channel_labels = cfg["document_labels"], cfg["channel_labels"]
    docs = list(doc_labels)
    rows = []
    senders = expected.assign(expected=True)
    unknown = events[~events["unit_code"].isin(set(expected["code"]))]
    for (code, name), _ in unknown.groupby(["unit_code", "unit_name"]):
        senders = pd.concat([senders, pd.DataFrame([{"code": code, "unit_name": name, "tier": "", "documents": [],
                                                    "assigned_task": False, "expected": False}])],
                            ignore_index=True)
    for u in senders.itertuples(index=False):
        ev = events[(events["unit_code"] == u.code) & (events["unit_name"] == u.unit_name)] if not u.expected \
            else events[events["unit_code"] == u.code]
        # a body outside the registry (the Viện…) sends a report but no figures: its own line in every
        # table, not one more unit of the tier whose figures are counted
        figures = "phu_luc" in u.documents or not u.expected
        row = {"unit_code": u.code, "unit_name": u.unit_name, "tier": u.tier,
               "tier_label": TIER_LABELS.get(u.tier, "") if figures else cfg["report_only_label"], "assigned_task": "Có" if u.assigned_task else "",
               "expected_documents": "; ".join(doc_labels[d] for d in u.documents)}
        missing: list[str] = []
        arrivals: list[dt.date] = []  # the first arrival of each document in each channel
        for d in docs:
            e = ev[ev["document"] == d]
            dates = [x for x in e["date"] if x is not None and not pd.isna(x)]
            first = min(dates) if dates else None
            row[f"{d}_file"] = "; ".join(dict.fromkeys(f for f in e["source_file"] if f))
            row[f"{d}_date"] = format_date(first) if first else ""
            row[f"{d}_channels"] = "; ".join(channel_labels.get(c, c) for c in dict.fromkeys(e["channel"]))
            if d in u.documents and e.empty:
                missing.append(doc_labels[d])
            for _, by_channel in e.groupby("channel"):
                got = [x for x in by_channel["date"] if x is not None and not pd.isna(x)]
                if got:
                    arrivals.append(min(got))
        # the plan asks for the paper and the electronic copy by the deadline: late by the later of the two
        late_days = max([(a - deadline).days for a in arrivals if a > deadline], default=0)
        channels = set(ev["channel"])
        row["electronic"] = "Có" if "dien_tu" in channels else "Không"
        row["paper"] = ("Có" if "giay" in channels else "Không") if has_log else "Không rõ"
        if has_log and not ev.empty and "giay" not in channels:
            missing.append("bản giấy")
        if not ev.empty and "dien_tu" not in channels:
            missing.append("bản điện tử")
        dates = [x for x in ev["date"] if x is not None and not pd.isna(x)]
        row["first_date"] = format_date(min(dates)) if dates else ""
        row["last_date"] = format_date(max(dates)) if dates else ""
        row["days_late"] = late_days or ""
        # the day the last copy came (the day it was complete, when nothing is missing)
        row["complete_date"] = format_date(max(arrivals)) if arrivals and not missing else ""
        row["report_deadline"] = format_date(deadline)
        row["unreadable_files"] = "; ".join(unreadable.get(u.code, [])) if u.expected else ""
        if not u.expected:
            status = "unexpected"
        elif ev.empty and row["unreadable_files"]:
            status = "unreadable"
        elif ev.empty:
            status = "missing"
        elif missing:  # a document, or the paper or electronic copy the plan asks for both
            status = "incomplete"
        elif late_days:
            status = "late"
        else:
            status = "on_time"
        row["status"], row["status_label"] = status, STATUS_LABELS[status]
        row["missing"] = "; ".join(missing)
        rows.append(row)
    return pd.DataFrame(rows)


def write_tracking(raw_dir: Path, processed_dir: Path, *, registry: Registry, plan: Plan) -> Path:
    """The submissions dataset (submissions.csv for Excel users): who sent what, when, against the run's
    deadline."""
    events, has_log = submission_events(Path(raw_dir), Path(processed_dir), registry)
    table = tracking_table(events, expected_submitters(registry), plan.report_deadline, has_log,
                           unreadable_files(Path(processed_dir), registry))
    return Catalog(Path(processed_dir)).save("submissions", table)[-1]


def tracking_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Units per tier and status, for people to read."""
    t = table.assign(tier_label=table["tier_label"].replace("", "Khác"))
    out = pd.crosstab(t["tier_label"], t["status_label"], margins=True, margins_name="Tổng số")
    out = out.reindex(columns=[c for c in [*STATUS_LABELS.values(), "Tổng số"] if c in out.columns])
    # the tiers in the order of every other table, other groups (bodies with a report only) after, the total last
    order = [TIER_LABELS[t] for t in TIER_LABELS if TIER_LABELS[t] in out.index]
    rest = sorted(x for x in out.index if x not in order and x != "Tổng số")
    out = out.reindex([*order, *rest, "Tổng số"])
    out.index.name = "Khối"
    out.columns.name = None
    return out
