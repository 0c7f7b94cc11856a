"""Demo dossier logs: the one-stop software's exports of a sample of units, in several shapes (semicolon CSV
with a title line, comma CSV with a unit column and a BOM, .xlsx with title rows and Excel serial dates), with
the contract's tricky rows and a few planted mismatches with the units' tables, listed in a manifest.

A unit's log agrees with its table (received, on time, overdue) unless it is planted to differ: then some of
its dossiers are missing from the log, as when a counter keeps part of its register on paper, or (the first
planted unit) exported its log a month before the period ended.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

MANIFEST = "manifest-ho-so.json"
PROCEDURES = [("1.001", "Chứng thực bản sao từ bản chính", 1), ("1.002", "Đăng ký khai sinh", 3),
              ("1.003", "Đăng ký kết hôn", 5), ("1.004", "Đăng ký nhận cha, mẹ, con", 3),
              ("1.005", "Cấp bản sao trích lục hộ tịch", 2)]
_CHANNEL = {"counter": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính"}


def _joined(cells: list[str], sep: str) -> str:
    """One CSV line as the software writes it: a cell holding the separator or a quote is quoted
    ("Đăng ký nhận cha, mẹ, con" in a comma export)."""
    return sep.join(f'"{c.replace(chr(34), chr(34) * 2)}"' if sep in c or '"' in c else c for c in cells)


def _dmy(day: dt.datetime, with_time: bool = True) -> str:
    return day.strftime("%d/%m/%Y %H:%M") if with_time else day.strftime("%d/%m/%Y")


PERIOD_START, CUTOFF = dt.datetime(2016, 4, 1), dt.datetime(2017, 7, 31, 23, 59)
EXPORTED_EARLY = dt.datetime(2017, 6, 30, 23, 59)  # the planted log that stops a month before the cutoff


@cache
def _working_days() -> frozenset[dt.date]:
    """The working days of the counting's own calendar (public holidays, Tết, make-up days: dossiers.yml), so
    that the demo's counters never open on a holiday and its deadlines are in working days, as rule 5 counts."""
    from sketket.analysis.dossier_counts import EPOCH, working_calendar
    from sketket.intake.dossiers import config

    cal = working_calendar(config())
    return frozenset(EPOCH + dt.timedelta(days=int(d)) for d in cal.loc[cal["is_workday"] == 1, "dn"])


def _open(day: dt.date) -> bool:
    """A counter is open on a working day, and on a Saturday morning that is no public holiday."""
    if day in _working_days():
        return True
    if day.weekday() != 5:
        return False
    monday = day + dt.timedelta(days=2)  # a Saturday in a holiday (Tết, 30/4–1/5) has its Monday off too
    friday = day - dt.timedelta(days=1)
    return monday in _working_days() and friday in _working_days()


def _add_working_days(moment: dt.datetime, n: int) -> dt.datetime:
    """The `n`-th working day after `moment`'s day, at the same time (n ≥ 1); for n ≤ 0, the day itself or the
    working day before it."""
    day, step = moment.date(), (1 if n > 0 else -1)
    left = abs(n) if n else 0
    while left or day not in _working_days():
        day += dt.timedelta(days=step)
        if day in _working_days():
            left = max(left - 1, 0) if n else 0
    return dt.datetime.combine(day, moment.time())


def _received(rng: random.Random, until: dt.datetime = CUTOFF) -> dt.datetime:
    """A time a counter is open: working days 7:30–17:00, Saturday morning 7:30–11:30 (fewer dossiers), never
    on Sunday or a public holiday; within the period, up to `until` (the day the log was exported, the cutoff
    by default)."""
    days = (until.date() - PERIOD_START.date()).days + 1
    while True:
        day = PERIOD_START + dt.timedelta(days=rng.randrange(0, days), hours=7, minutes=30)
        if not _open(day.date()) or (day.date() not in _working_days() and rng.random() < 0.6):
            continue
        return day + dt.timedelta(minutes=rng.randrange(0, 240 if day.weekday() == 5 else 570))


def _dossiers(code: str, n_on_time: int, n_overdue: int, rng: random.Random,
              until: dt.datetime = CUTOFF) -> list[dict[str, Any]]:
    """Dossiers received in the period, on time or overdue as the tables count them (rule 6): one still being
    processed at the cutoff has no end and counts on time while its due date is not past. A quick procedure
    received on a Saturday morning is often returned before noon (II.2.đ of the outline)."""
    rows = []
    for k in range(n_on_time + n_overdue):
        late = k >= n_on_time
        while True:
            received = _received(rng, until)
            proc = rng.choice(PROCEDURES)
            due = _add_working_days(received, proc[2] + 1)
            if not late or due.date() < CUTOFF.date():  # overdue at the cutoff: due before it
                break
        end = (_add_working_days(due, rng.randint(1, 4)) if late
               else _add_working_days(due - dt.timedelta(days=rng.randint(0, 1)), 0))
        end = max(end, received + dt.timedelta(hours=2))
        if not late and received.weekday() == 5 and proc[2] <= 2 and rng.random() < 0.6:
            end = received + dt.timedelta(minutes=rng.randint(20, 90))
        channel = rng.choices(["counter", "online", "postal"], [0.75, 0.2, 0.05])[0]
        rows.append({"code": f"{code}-{k + 1:06d}", "proc": proc, "channel": channel, "received": received,
                     "due": due, "end": end if end.date() <= CUTOFF.date() else None,
                     "returned_by_post": rng.random() < 0.04})
    return rows


def _lines(rows: list[dict[str, Any]]) -> list[list[str]]:
    return [[r["code"], r["proc"][0], r["proc"][1], _CHANNEL[r["channel"]], _dmy(r["received"]), _dmy(r["due"], False),
             *([_dmy(r["end"]), _dmy(r["end"]), "Bưu chính" if r["returned_by_post"] else "Trực tiếp", "Đã trả kết quả"]
               if r["end"] else ["", "", "", "Đang xử lý"])]
            for r in rows]


HEADER = ["Mã hồ sơ", "Mã TTHC", "Tên TTHC", "Kênh nộp", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả",
          "Ngày trả kết quả", "Hình thức trả", "Trạng thái"]


def write_demo_logs(out: Path, figures: pd.DataFrame, *, seed: int = 2017, units: int = 6,
                    differ: int = 2) -> list[dict[str, Any]]:
    """Logs of `units` units of `figures` (columns unit_code, unit_name, dossiers_received, dossiers_on_time,
    dossiers_overdue; the smallest units first), `differ` of them planted to miss 5 % of their dossiers.
    Returns the manifest (also written as manifest-ho-so.json)."""
    import openpyxl

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    sample = (figures.dropna(subset=["dossiers_on_time", "dossiers_overdue"])
              .query("dossiers_received > 0").sort_values(["dossiers_received", "unit_code"]).head(units))
    manifest: list[dict[str, Any]] = []
    for i, u in enumerate(sample.itertuples(index=False)):
        on_time, overdue = int(u.dossiers_on_time), int(u.dossiers_overdue)
        missing, until = 0, CUTOFF
        if i < differ:  # planted: the log misses 5 % of the on-time dossiers (at least 10)
            missing = min(on_time, max(10, round(0.05 * (on_time + overdue))))
            manifest.append({"unit_code": u.unit_code, "rule": "reconciliation_differs",
                             "reported_received": on_time + overdue, "log_received": on_time + overdue - missing})
            if i == 0:  # as a log exported before the period ended: nothing received after 30/06/2017
                until = EXPORTED_EARLY
                manifest.append({"unit_code": u.unit_code, "rule": "log_short_of_period",
                                 "last_received": until.date().isoformat()})
        rows = _lines(_dossiers(u.unit_code, on_time - missing, overdue, rng, until))
        # the contract's tricky rows, each excluded with a finding: a duplicate, an impossible date
        tricky = [rows[0][:], [f"{u.unit_code}-X1", *rows[0][1:4], "31/02/2017", *rows[0][5:]]]
        shape = i % 3
        # the line (the row of a sheet) of the first tricky row: below the title lines, the header and the
        # rows, in the semicolon export below a blank line too (a hand-edited file; DuckDB skips it), in the
        # comma one below the header again (two exports pasted into one file)
        first = {0: 3 + len(rows) + 2, 1: 1 + len(rows) + 2, 2: 3 + len(rows) + 1}[shape]
        manifest += [{"unit_code": u.unit_code, "rule": "duplicate_code", "dossier_code": rows[0][0],
                      "source_row": first},
                     {"unit_code": u.unit_code, "rule": "received_unreadable", "dossier_code": f"{u.unit_code}-X1",
                      "source_row": first + 1}]
        name = f"so-theo-doi-{u.unit_code}"
        if shape == 0:  # a row of dashes closes it, as some hand-kept logs do: no dossier (empty_row)
            manifest.append({"unit_code": u.unit_code, "rule": "empty_row", "dossier_code": "-",
                             "source_row": first + 2})
            text = ["SỔ THEO DÕI HỒ SƠ;;;", f"Đơn vị: {u.unit_name}", ";".join(HEADER)]
            text += [_joined(r, ";") for r in rows] + [""] + [_joined(r, ";") for r in tricky] + [";".join("-" * len(HEADER))]
            (out / f"{name}.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
        elif shape == 1:  # the header again halfway down, and the total below the rows: no dossiers either
            half, header = len(rows) // 2, ",".join(["Đơn vị", *HEADER])
            manifest += [{"unit_code": u.unit_code, "rule": "header_row", "dossier_code": HEADER[0],
                          "source_row": 2 + half},
                         {"unit_code": u.unit_code, "rule": "footer_row", "dossier_code": "", "source_row": first + 2}]
            lines = ([header] + [_joined([u.unit_name, *r], ",") for r in rows[:half]] + [header]
                     + [_joined([u.unit_name, *r], ",") for r in rows[half:] + tricky]
                     + [f"Tổng cộng: {len(rows) + len(tricky)} hồ sơ" + "," * len(HEADER)])
            (out / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        else:
            wb = openpyxl.Workbook()
            ws = wb.active
            ws.append(["DANH SÁCH HỒ SƠ TIẾP NHẬN"])
            ws.append([f"Cơ quan: {u.unit_name}"])
            ws.append(HEADER)
            for r in rows + tricky:  # dates of receipt as date cells, as Excel keeps them
                when = r[4]
                ws.append([*r[:4], dt.datetime.strptime(when, "%d/%m/%Y %H:%M") if when[2] == "/" and
                           when != "31/02/2017" else when, *r[5:]])
            # the signatures below, as a printed log ends: no dossier
            ws.append([None, None, "Người lập biểu", None, None, None, None, None, None, "Thủ trưởng cơ quan"])
            manifest.append({"unit_code": u.unit_code, "rule": "footer_row", "dossier_code": "",
                             "source_row": first + 2})
            wb.save(out / f"{name}.xlsx")
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest
