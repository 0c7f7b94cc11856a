"""`sketket ingest` and `sketket validate`: every file received → canonical rows, findings, and a line per
file saying what became of it (the contract of DESIGN.md, "What ingest writes")."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gc
import io
import os
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine

from sketket import catalog, layout
from sketket.clean import excel_safe, fold, format_date, format_int
from sketket.config import ConfigError, load_yaml
from sketket.dimensions import FORM_TIERS
from sketket.intake.reader import (
    ForeignFileError,
    NoTableError,
    Table,
    column_letter,
    read_report_tables,
    read_tables,
)
from sketket.intake.screen import read_bounded, screen
from sketket.intake.validate import (
    FINDING_COLUMNS,
    Finding,
    check_table,
    corrupt_detail,
    file_finding,
    load_rules,
    match_rows,
)
from sketket.intake.walk import Entry, os_error_text, walk
from sketket.registry import Registry, RegistryError, load_registry

# pandas only builds the output tables: it is imported there, so that the workers that read the files start
# without it and the main process imports it while they read.
if TYPE_CHECKING:
    import pandas as pd

    from sketket.context import RunContext

PERCENT_REPORTED: tuple[str, ...] = tuple(f"{c}_reported" for c in layout.PERCENTS)
APPENDIX_COLUMNS: tuple[str, ...] = tuple(catalog.columns("appendix"))
FILES_COLUMNS: tuple[str, ...] = tuple(catalog.columns("files"))
SECTION_COLUMNS: tuple[str, ...] = tuple(catalog.columns("sections"))
_REJECTING = ("file_corrupt", "file_foreign", "file_encrypted", "file_too_large", "unsafe_xml", "no_table",
              "inflated_too_large", "inflated_total_too_large", "sheet_too_large", "file_unreadable")
DEFAULT_MAX_MB = 20.0
_POOL_MIN_FILES = 100  # below this a second process costs more to start than it saves
_WORKERS = 2
_CHUNK = 24  # files a worker takes at a time: few enough that both workers finish within ~40 ms of each other


@dataclass
class IngestResult:
    """What one run produced (the same tables as the files written to OUT_DIR)."""

    appendix: pd.DataFrame
    findings: pd.DataFrame
    files: pd.DataFrame
    sections: pd.DataFrame
    nominations: pd.DataFrame | None = None  # award nomination lists (catalog dataset "nominations")


@dataclass
class FileResult:
    """What became of one file."""

    source_file: str
    status: str  # "ingested" | "rejected" | "skipped"
    form: str = ""
    reason: str = ""
    # appendix rows, values in APPENDIX_COLUMNS order; by column (RowBlock) once a worker sends them back
    rows: list[tuple] | RowBlock = field(default_factory=list)
    csv: str = ""  # the same rows as lines of appendix.csv
    findings: list[Finding] = field(default_factory=list)
    sections: pd.DataFrame | None = None
    unit_key: str = ""  # the submitter, for spotting one unit sent twice
    unit_name: str = ""
    name_letters: dict[str, str] = field(default_factory=dict)  # sheet → column letter of its unit names
    mtime: float = 0.0
    nominations: list[dict] = field(default_factory=list)  # rows of an award nomination list


@lru_cache(maxsize=1)
def _config() -> dict:
    return load_yaml("ingest.yml")


# -- one file --------------------------------------------------------------------------------------------
def skip_reason(path: Path) -> str | None:
    """Why a file is not read at all (None: it is a table or a report)."""
    cfg, suffix, key = _config(), path.suffix.lower(), fold(path.stem)
    if path.name.startswith("~$"):
        return cfg["temporary"]
    if path.name.startswith("."):
        return cfg["hidden"]
    for entry in cfg["named"]:
        if any(w in key for w in entry["words"]):
            return entry["reason"]
    if suffix in cfg["tables"] or suffix in cfg["reports"]:
        return None
    if suffix in cfg["converted"] and office() is not None:
        return None
    if suffix == ".csv":
        for entry in cfg["named_csv"]:
            if any(f" {w} " in f" {key} " for w in entry["words"]):
                return entry["reason"]
    return cfg["by_suffix"].get(suffix) or cfg["other"].format(suffix=suffix or "không có đuôi")


def process_file(path: Path, rel: str, registry: Registry, max_bytes: float) -> FileResult:
    """Screen, read and check one file. Never raises for a bad file: it becomes a rejected result; nor for
    a fault of this program on one file (a bug met by an input nobody foresaw), which costs that file only,
    listed with what went wrong, instead of the whole ingest."""
    try:
        return _process_file(path, rel, registry, max_bytes)
    except Exception as exc:
        detail = f"{type(exc).__name__}: {exc}"
        return _rejected(rel, "file_not_checked", 0.0, detail=detail if len(detail) <= 200 else detail[:199] + "…")


def _process_file(path: Path, rel: str, registry: Registry, max_bytes: float) -> FileResult:
    try:
        mtime = path.stat().st_mtime
        reason = skip_reason(path)
        # a CSV not named as one of ours may be a table saved as CSV: read as one, else skipped as before
        maybe_table = reason is not None and path.suffix.lower() == ".csv" and reason == _config()["by_suffix"][".csv"]
        if reason is not None and not maybe_table:
            return FileResult(rel, "skipped", reason=reason, mtime=mtime)
        parts: dict[str, bytes] = {}  # the sheets the screen inflates, read from there by the reader
        content = read_bounded(path, max_bytes)  # read once: screened, then opened from memory
        problem = screen(path, max_bytes, sheets=parts, data=content)
    except OSError as exc:  # no permission, a disk error, gone since the folder was listed
        if maybe_table:
            return FileResult(rel, "skipped", reason=reason or "", mtime=mtime)
        return _rejected(rel, "file_unreadable", 0.0, what="tệp", detail=os_error_text(exc))
    if problem is not None:
        if maybe_table:  # a CSV too large or odd to be a table: skipped, as any CSV of no use here
            return FileResult(rel, "skipped", reason=reason or "", mtime=mtime)
        return _rejected(rel, problem[0], mtime, **problem[1])
    if path.suffix.lower() in _config()["reports"]:
        return _narrative(path, rel, registry, mtime)
    if path.suffix.lower() in _config()["converted"]:
        return _converted_report(path, rel, registry, mtime)
    try:
        reading = read_tables(path, registry, parts, content)
    except Exception as exc:  # any reader failure on a damaged file: reported, the run goes on
        if maybe_table:  # a CSV that is not a table: skipped, as any CSV of no use here
            return FileResult(rel, "skipped", reason=reason or "", mtime=mtime)
        return _unreadable_table(exc, path, rel, registry, mtime)
    return _tables_result(reading, rel, registry, mtime)


def _unreadable_table(exc: Exception, path: Path, rel: str, registry: Registry, mtime: float) -> FileResult:
    """A workbook that gave no table: an award nomination list, else rejected with the reason `exc` says."""
    if isinstance(exc, NoTableError):
        return _nominations(path, rel, registry, mtime) or _rejected(rel, "no_table", mtime)
    if isinstance(exc, ForeignFileError):
        return _rejected(rel, "file_foreign", mtime, what=exc.label)
    if isinstance(exc, python_calamine.PasswordError):
        return _rejected(rel, "file_encrypted", mtime)
    return _rejected(rel, "file_corrupt", mtime, detail=corrupt_detail(exc))


def _tables_result(reading: Any, rel: str, registry: Registry, mtime: float) -> FileResult:
    """The tables read from one file as its one result (several filled sheets: one line in files.csv)."""
    results = [_table_result(table, rel, registry, mtime) for table in reading.tables]
    result = results[0]
    for more in results[1:]:  # several filled appendix sheets in one file: one line in files.csv
        result.form = f"{result.form};{more.form}"
        result.rows += more.rows
        result.csv += more.csv
        result.findings += more.findings
        result.name_letters.update(more.name_letters)
    if reading.blank_sheets:
        result.reason = _config()["blank_sheets"].format(sheets=", ".join(f'"{s}"' for s in reading.blank_sheets))
    return result


def office() -> str | None:
    """LibreOffice's command, when installed (it converts old .doc reports to .docx)."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _converted_report(path: Path, rel: str, registry: Registry, mtime: float) -> FileResult:
    """An old .doc report read through the .docx copy LibreOffice makes in a temporary folder (the
    received file is never touched)."""
    command = office()
    assert command is not None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run([command, "--headless", "--convert-to", "docx", "--outdir", tmp, str(path)],
                           check=True, capture_output=True, timeout=120)
            copy = Path(tmp) / f"{path.stem}.docx"
            if not copy.exists():
                raise FileNotFoundError(copy.name)
        except (OSError, subprocess.SubprocessError) as exc:
            return _rejected(rel, "file_corrupt", mtime, detail=f"LibreOffice không chuyển được tệp ({corrupt_detail(exc)})")
        return _narrative(copy, rel, registry, mtime)


def _unread(entry: Entry) -> FileResult:
    """The result of a folder entry that is not read: skipped with its reason, or rejected when it could
    not be read (a folder without permission: the files inside are not seen)."""
    if not entry.error:
        return FileResult(entry.rel, entry.status, reason=entry.reason)
    what = "thư mục này, các tệp bên trong chưa được xem" if entry.rel.endswith("/") else "tệp"
    return _rejected(entry.rel, "file_unreadable", 0.0, what=what, detail=entry.error)


def _rejected(rel: str, rule: str, mtime: float, **fields: str) -> FileResult:
    f = file_finding(rule, rel, sheet=fields.get("sheet_name", ""), **fields)
    return FileResult(rel, "rejected", reason=f.message, findings=[f], mtime=mtime)


def _nominations(path: Path, rel: str, registry: Registry, mtime: float) -> FileResult | None:
    """A workbook without an appendix table may be an award nomination list (sketket.intake.nominations)."""
    from sketket.intake.nominations import FORM, read_nominations

    try:
        found = read_nominations(path, rel, registry)
    except Exception as exc:  # a damaged file: reported, the run goes on
        return _rejected(rel, "file_corrupt", mtime, detail=corrupt_detail(exc))
    if found is None:
        return None
    return FileResult(rel, "ingested", form=FORM, findings=found.findings, nominations=found.rows,
                      unit_key=f"{FORM}:{found.proposer_code or fold(found.proposer_name)}",
                      unit_name=found.proposer_name, mtime=mtime)


def _table_result(table: Table, rel: str, registry: Registry, mtime: float) -> FileResult:
    matches = match_rows(table, registry)
    unfit: dict[int, set[str]] = {}
    findings = check_table(table, rel, registry, matches, unfit=unfit)
    head_tier, sub_tier = FORM_TIERS[table.form]
    derive = "dossiers_on_time" not in table.columns
    # the same for every row of the table, made safe once
    fixed = {"form": table.form, "source_file": rel, "source_sheet": table.sheet,
             "derived": "dossiers_on_time" if derive else ""}
    submitter = table.submitter
    if any(n.rule == "submitter_conflict" for n in table.notes):  # row A named a unit its sub-units are not of
        submitter = matches[-1].registry_name
    head = matches[-1]
    if head.matched and head.tier == sub_tier:  # a sub-unit's own table (validate._sub_unit_own_table)
        head_tier, head_parent = sub_tier, registry.name_of(head.parent_code)
    else:
        head_parent = ""
    safe_submitter = excel_safe(submitter)
    # one list in APPENDIX_COLUMNS order for the frame, one for appendix.csv (counts written as whole numbers,
    # text made safe for a spreadsheet), each a copy of the table's own with its fixed columns filled
    blank_values, blank_cells = [None] * len(APPENDIX_COLUMNS), [None] * len(APPENDIX_COLUMNS)
    for c, at in _FIXED_AT:
        blank_values[at], blank_cells[at] = fixed[c], excel_safe(fixed[c])
    rows, lines = [], []
    for i, row in enumerate(table.rows):
        if row.kind not in ("A", "unit"):
            continue
        a = row.kind == "A"
        values, cells = blank_values.copy(), blank_cells.copy()
        tier, name, parent = (head_tier, submitter, head_parent) if a else (sub_tier, row.name, submitter)
        values[_TIER] = cells[_TIER] = tier
        values[_CODE] = code = matches[i].code
        cells[_CODE] = excel_safe(code)
        values[_NAME], cells[_NAME] = name, safe_submitter if a else excel_safe(name)
        values[_PARENT], cells[_PARENT] = parent, excel_safe(parent) if a else safe_submitter
        values[_NOTE], cells[_NOTE] = row.note, excel_safe(row.note)
        values[_ROW] = cells[_ROW] = row.excel_row
        _figures(row, derive, unfit.get(i, _NONE), values, cells)
        rows.append(tuple(values))  # a tuple: cheaper to send back
        lines.append(cells)
    key = head.code or f"?{table.form}:{fold(table.submitter)}"
    return FileResult(rel, "ingested", form=table.form, rows=rows, csv=_csv_text(lines), findings=findings,
                      unit_key=key, unit_name=submitter, mtime=mtime,
                      name_letters={table.sheet: column_letter(table.columns["unit_name"])})


_AT = {c: i for i, c in enumerate(APPENDIX_COLUMNS)}
_NONE: frozenset[str] = frozenset()
_FIXED_AT = tuple((c, _AT[c]) for c in ("form", "source_file", "source_sheet", "derived"))
_TIER, _CODE, _NAME, _PARENT, _NOTE, _ROW, _ON_TIME = (
    _AT[c] for c in ("tier", "unit_code", "unit_name", "parent_name", "note", "source_row", "dossiers_on_time"))
_COUNTS = frozenset(layout.COUNTS)
# (column, its place, whether it is a count) of the figures read as they are
_READ_AT = tuple((c, _AT[c], c in _COUNTS) for c in layout.FIGURES if c not in layout.PERCENTS)
_PERCENT_AT = tuple((_AT[c], _AT[rep], c) for c, rep in zip(layout.PERCENTS, PERCENT_REPORTED, strict=True))
_RATIOS = {"tthc_one_stop_pct": ("tthc_one_stop", "tthc_total"), "on_time_pct": ("dossiers_on_time", "dossiers_received")}


def _csv_text(lines: list[list]) -> str:
    out = io.StringIO()  # None is written empty; str() of an int or a float is what pandas writes
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue()


def _figures(row, derive: bool, unfit: set[str] | frozenset[str], values: list, cells: list) -> None:
    """The canonical figures of a unit row, into `values` (for the frame) and `cells` (for the CSV): counts
    as read, the `unfit` ones (found by the checks: not a number, negative, a count not whole or past max_count)
    empty; Phụ lục III's on-time derived as received − overdue, percentages recomputed from the counts, the
    reported ones kept."""
    got = {}
    read = row.values
    for c, at, count in _READ_AT:
        n = read.get(c)
        if n is None:
            continue
        v = None if c in unfit else n.value
        got[c] = v
        values[at] = v
        if v is not None:
            cells[at] = int(v) if count else float(v) if v == v else None
    if derive:
        received, overdue = got["dossiers_received"], got["dossiers_overdue"]
        on_time = received - overdue if received is not None and overdue is not None and overdue <= received else None
        got["dossiers_on_time"] = on_time
        values[_ON_TIME] = on_time
        cells[_ON_TIME] = None if on_time is None else int(on_time)
    for at, rep_at, c in _PERCENT_AT:
        num, den = _RATIOS[c]
        part, whole = got.get(num), got.get(den)
        pct = None if part is None or not whole else 100.0 * part / whole
        values[at] = cells[at] = pct
        n = read[c]
        reported = n.value if n.ok else None
        values[rep_at] = reported
        cells[rep_at] = None if reported is None or reported != reported else float(reported)


def _narrative(path: Path, rel: str, registry: Registry, mtime: float) -> FileResult:
    from sketket.intake.narrative import (  # imported only when reports arrive
        read_narrative,
        report_grids,
    )

    res = read_narrative(path, rel, registry)
    rules = load_rules()
    findings = [Finding(rel, "", "", res.unit_name, f["rule"], f["severity"], f["message"], "")
                for f in res.findings if f["rule"] in rules.rules]
    rejected = [f for f in findings if f.rule in _REJECTING]
    if rejected:
        return FileResult(rel, "rejected", reason=rejected[0].message, findings=findings, mtime=mtime)
    result = FileResult(rel, "ingested", findings=findings, sections=res.sections, unit_name=res.unit_name,
                        mtime=mtime)
    # an appendix table pasted into the report: its rows, with the same checks as a workbook's
    for table in read_report_tables(report_grids(path), path, registry):
        part = _table_result(table, rel, registry, mtime)
        result.form = f"{result.form};{part.form}" if result.form else part.form
        result.rows += part.rows
        result.csv += part.csv
        result.findings += part.findings
        result.name_letters.update(part.name_letters)
        result.unit_key = result.unit_key or part.unit_key
    return result


# -- a whole folder ----------------------------------------------------------------------------------------
def _codes(r: FileResult) -> dict[str, str]:
    """Unit code → name of the appendix rows of a file."""
    return {code: name for code, _, _, name in _row_keys(r.rows) if code}


def _drop_older_duplicates(results: list[FileResult], registry: Registry) -> None:
    """The same submitter in two tables: the newer file (modification time) is kept; the older one is
    skipped, its rows and findings dropped, with a warning that names both files and when each was saved (an
    older report that carried the table keeps its sections and stays ingested: only its table rows go). The
    warning names the units of the older table the newer one lacks (a resend of one corrected row drops the
    others). A table whose file name names another unit (Ba Đình's table saved as "… Long Biên (bổ sung)")
    replaces nothing: both stay, and the unit's two rows are an error (duplicate_row) until one file goes.
    A newer file of the unit that could not be read is said on the file whose figures are used."""
    from sketket.intake.narrative import unit_named_by_file  # the reports' reader: loaded only here

    by_unit: dict[str, list[FileResult]] = {}
    for r in results:
        if r.status == "ingested" and r.unit_key:
            by_unit.setdefault(r.unit_key, []).append(r)
    named = {r.source_file: unit_named_by_file(r.source_file, registry)
             for r in results if r.status == "ingested" and r.form in FORM_TIERS}
    # a sub-unit's own table in a file named after its parent ("Soc Son - xa Bac Son.xlsx") is named rightly
    for r in results:
        own = registry.unit(r.unit_key) if r.unit_key and not r.unit_key.startswith("?") else None
        if own is not None and named.get(r.source_file) and named[r.source_file] == own["parent_code"]:
            named[r.source_file] = r.unit_key
    for r in results:
        other = named.get(r.source_file, "")
        if other and r.unit_key and not r.unit_key.startswith("?") and other != r.unit_key:
            r.findings.append(file_finding("file_named_other_unit", r.source_file, unit_name=r.unit_name,
                                           value=r.source_file, file=r.source_file, named=registry.name_of(other),
                                           name=r.unit_name))
    for key, group in by_unit.items():
        misfiled = [r for r in group if named.get(r.source_file, key) not in ("", key) and not key.startswith("?")]
        group = [r for r in group if r not in misfiled] or group  # a misfiled table competes with nothing
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (r.mtime, r.source_file))
        kept = group[-1]
        kept_codes = _codes(kept)
        listed = _nominees(kept)  # the people the lists read so far name, newest first
        for old in reversed(group[:-1]):
            if old.form == kept.form and old.nominations and listed and not (_nominees(old) & listed):
                listed |= _nominees(old)  # a list naming only other people adds to the later ones (bổ sung)
                continue
            lost = {c: n for c, n in _codes(old).items() if c not in kept_codes}
            report = old.sections is not None and len(old.sections) > 0
            old.rows, old.csv, old.nominations = [], "", []
            if report:  # a report that also carried the table: its sections stay, its table rows go
                old.form = ""
                old.findings = [f for f in old.findings if not f.sheet]
            else:
                old.status = "skipped"
                old.reason = _config()["duplicate"].format(kept=kept.source_file)
                old.findings = []
            old.findings += [file_finding(
                "duplicate_unit", old.source_file, unit_name=kept.unit_name, value=kept.source_file,
                name=kept.unit_name, kept=kept.source_file, dropped=old.source_file,
                kept_date=_when(kept.mtime), dropped_date=_when(old.mtime),
                lost=_config()["duplicate_lost"].format(n=format_int(len(lost)), names=", ".join(lost.values()))
                if lost else "")]
    _say_unread_resends(results, named, registry)


def _nominees(result: FileResult) -> set[str]:
    """The people an award nomination list names (folded). Of one unit's lists, one naming none of the people of
    the lists sent after it is a supplement ("… (bổ sung).xlsx") and is read with them; one naming any of
    them is a resend, replaced by the newest."""
    return {fold(n["name"]) for n in (result.nominations or []) if n.get("name")}


# a file that could not be opened at all (not one read and found to hold no table): it may be a resend
_UNOPENED = frozenset({"file_corrupt", "file_encrypted", "file_too_large", "unsafe_xml", "inflated_too_large",
                       "inflated_total_too_large", "sheet_too_large", "file_unreadable"})


def _say_unread_resends(results: list[FileResult], named: dict[str, str], registry: Registry) -> None:
    """A file that could not be read, newer than the table in use of the unit its name names (a corrupt
    resend): said on that table, so that no page shows the older figures as if nothing had come since."""
    from sketket.intake.narrative import unit_named_by_file  # the reports' reader: loaded only here

    used = {r.unit_key: r for r in results if r.status == "ingested" and r.rows and r.unit_key}
    for bad in results:
        if bad.status != "rejected" or not any(f.rule in _UNOPENED for f in bad.findings):
            continue
        code = unit_named_by_file(bad.source_file, registry)
        table = used.get(code)
        if table is None or bad.mtime <= table.mtime:
            continue
        table.findings.append(file_finding(
            "resend_unreadable", table.source_file, unit_name=table.unit_name, value=bad.source_file,
            name=table.unit_name, file=bad.source_file, reason=bad.reason, kept=table.source_file,
            kept_date=_when(table.mtime)))


def _row_keys(rows: list[tuple] | RowBlock) -> Iterator[tuple[str, str, int, str]]:
    """(unit code, sheet, Excel row, unit name) of each appendix row of a file."""
    if isinstance(rows, RowBlock):
        import numpy as np

        numbers = np.frombuffer(rows.numbers["source_row"], dtype="float64").astype("int64").tolist()
        yield from zip(rows.texts["unit_code"], rows.texts["source_sheet"], numbers, rows.texts["unit_name"],
                       strict=True)
        return
    for r in rows:
        yield r[_CODE], r[_AT["source_sheet"]], int(r[_ROW]), r[_NAME]


def _repeated_units(results: list[FileResult]) -> None:
    """A registry unit on more than one row (a row's name typed twice, a table filled on two sheets, a corrected
    file whose sender is not recognised beside the first): an error at each of its rows, so that its figures
    are counted in nothing until one row is left (rules.yml, duplicate_row)."""
    places: dict[str, list[tuple[FileResult, str, int, str]]] = {}
    for res in results:
        if res.status == "ingested" and len(res.rows):
            for code, sheet, row, name in _row_keys(res.rows):
                if code:
                    places.setdefault(code, []).append((res, sheet, row, name))
    rules = load_rules()
    for found in places.values():
        if len(found) < 2:
            continue
        where = "; ".join(f"{res.source_file}, trang {sheet}, dòng {row}" for res, sheet, row, _ in found)
        for res, sheet, row, name in found:
            res.findings.append(rules.finding(
                "duplicate_row", source_file=res.source_file, sheet=sheet, unit_name=name, value=name,
                cell=f"{res.name_letters.get(sheet, '')}{row}", name=name, n=format_int(len(found)), places=where))


def _when(mtime: float) -> str:
    """When a file was last saved, to the minute ("08:15 ngày 02/12/2026"): two files of one day told apart."""
    moment = dt.datetime.fromtimestamp(mtime)
    return f"{moment:%H:%M} ngày {format_date(moment)}"


_WORKER_REGISTRY: Registry | None = None


def _init_worker(registry: Registry) -> None:
    global _WORKER_REGISTRY
    from sketket.run.lifeline import die_with_parent

    die_with_parent()  # a killed ingest leaves no reader behind
    _WORKER_REGISTRY = registry


def _worker(job: tuple[Path, str, float]) -> FileResult:
    assert _WORKER_REGISTRY is not None
    result = process_file(job[0], job[1], _WORKER_REGISTRY, job[2])
    if result.rows:
        result.rows = RowBlock.of(result.rows)  # by column: a fraction of the cost to send and to join
    return result


@contextmanager
def _reading(jobs: list[tuple[Path, str, float]], registry: Registry) -> Iterator[Iterator[FileResult]]:
    """The results of the jobs, in order. A large run is read by worker processes, started on entering,
    so that the caller can prepare the output while they read; a small one here, as it is consumed."""
    if len(jobs) < _POOL_MIN_FILES or (os.cpu_count() or 1) < 2:
        yield (process_file(p, rel, registry, mb) for p, rel, mb in jobs)
        return
    # Everything loaded so far (modules, the registry) is inherited by the forked workers and stays alive
    # there: left out of their garbage collections, which would otherwise walk it again and again.
    gc.freeze()
    try:
        with ProcessPoolExecutor(_WORKERS, initializer=_init_worker, initargs=(registry,)) as pool:
            yield pool.map(_worker, jobs, chunksize=_CHUNK)
    finally:
        gc.unfreeze()  # this process collects it again as usual


def ingest(raw_dir: Path, out_dir: Path, registry: Registry | None = None,
           max_size_mb: float = DEFAULT_MAX_MB, set_aside: Iterable[tuple[Path, str]] = ()) -> IngestResult:
    """Read every file under raw_dir (recursively) and write appendix, findings, files and sections to
    out_dir. Raw files are only read. Files under a `set_aside` folder (folder, key of its reason in ingest.yml:
    the counters' dossier logs, the units' comments on the draft, each read by its own step) are listed as
    skipped with that reason."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    registry = registry or load_registry()
    entries = _set_aside(walk(raw_dir), raw_dir, set_aside)
    jobs = [(e.path, e.rel, max_size_mb * 2**20) for e in entries if e.path is not None]
    with _reading(jobs, registry) as reading:
        # the output tables' libraries (pandas, and pyarrow that writes parquet) load while the workers read
        import pandas  # noqa: F401
        import pyarrow.parquet  # noqa: F401

        results = list(reading)
    if len(jobs) < len(entries):  # entries not read (links, FIFOs, unreadable folders) take their place
        results = sorted(results + [_unread(e) for e in entries if e.path is None], key=lambda r: r.source_file)
    _drop_older_duplicates(results, registry)
    _repeated_units(results)
    result = IngestResult(
        appendix=_blocks_frame([res.rows if isinstance(res.rows, RowBlock) else RowBlock.of(res.rows)
                                for res in results if res.rows]),
        findings=_findings_frame(f for res in results for f in res.findings),
        files=_files_frame(results),
        sections=_sections_frame(results),
    )
    write_outputs(result, out_dir, (res.csv for res in results))
    from sketket.intake.nominations import save_nominations

    result.nominations = save_nominations([row for res in results for row in res.nominations], out_dir)
    return result


def _set_aside(entries: list[Entry], raw_dir: Path, folders: Iterable[tuple[Path, str]]) -> list[Entry]:
    reasons: dict[str, str] = {}
    for folder, key in folders:
        try:
            prefix = Path(folder).resolve().relative_to(raw_dir.resolve()).as_posix() + "/"
        except ValueError:  # outside the raw folder: nothing of it is walked
            continue
        reasons[prefix] = _config()[key]
    if not reasons:
        return entries
    out = []
    for e in entries:
        prefix = next((p for p in reasons if e.path is not None and e.rel.startswith(p)), None)
        out.append(Entry(e.rel, status="skipped", reason=reasons[prefix]) if prefix else e)
    return out


def set_aside_folders(raw_dir: Path, ctx: RunContext) -> list[tuple[Path, str]]:
    """The folders of `ctx` that ingest leaves to their own steps, found under `raw_dir` as they stand under the
    configured raw folder (data/raw/ho-so → RAW/ho-so): `sketket ingest` on any folder sets them aside too."""
    found = []
    for folder, key in ((ctx.dossiers_dir, "dossier_logs"), (ctx.comments_dir, "comments")):
        try:
            found.append((Path(raw_dir) / Path(folder).resolve().relative_to(Path(ctx.raw_dir).resolve()), key))
        except ValueError:  # configured outside the raw folder: not walked by ingest anyway
            continue
    return found


_REAL = frozenset(("area_m2", *layout.PERCENTS, *PERCENT_REPORTED))
_NUMERIC = frozenset((*_COUNTS, *_REAL, "source_row"))
_NAN = float("nan")


@dataclass(frozen=True)
class RowBlock:
    """A file's appendix rows by column: each number column as the bytes of float64 values (NaN where
    empty), each text column as a list. A worker sends its rows back so: no float object is made per cell
    on either side of the pipe, and the frame is made by joining bytes."""

    size: int
    numbers: dict[str, bytes]
    texts: dict[str, list[str]]

    @classmethod
    def of(cls, rows: list[tuple]) -> RowBlock:
        columns = zip(*rows, strict=True) if rows else ([] for _ in APPENDIX_COLUMNS)
        numbers: dict[str, bytes] = {}
        texts: dict[str, list[str]] = {}
        for name, values in zip(APPENDIX_COLUMNS, columns, strict=True):
            if name in _NUMERIC:
                numbers[name] = array("d", [_NAN if v is None else v for v in values]).tobytes()
            else:
                texts[name] = list(values)
        return cls(len(rows), numbers, texts)

    def __len__(self) -> int:
        return self.size


def _appendix_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    """The rows (tuples in APPENDIX_COLUMNS order) as a frame of the catalog's types (see _blocks_frame)."""
    return _blocks_frame([RowBlock.of(list(rows))])


def _blocks_frame(blocks: list[RowBlock]) -> pd.DataFrame:
    """The appendix frame from the files' row blocks, in order, column by column in the catalog's types:
    counts as Int64, figures as Float64 (an empty cell as <NA>), text as strings."""
    import numpy as np
    import pandas as pd

    data: dict[str, object] = {}
    for name in APPENDIX_COLUMNS:
        if name in _NUMERIC:
            numbers = np.frombuffer(b"".join(b.numbers[name] for b in blocks), dtype="float64")
            empty = np.isnan(numbers)
            if name == "source_row":
                data[name] = numbers.astype("int64")
            elif name in _COUNTS:  # whole numbers within max_count (rules.yml): exact as int64
                data[name] = pd.arrays.IntegerArray(np.where(empty, 0, numbers).astype("int64"), empty)
            else:
                data[name] = pd.arrays.FloatingArray(numbers.copy(), empty)
        else:  # object, not pandas' inferred string type: inferring it costs more than all the rest
            texts = np.array([t for b in blocks for t in b.texts[name]], dtype=object)
            data[name] = pd.Series(texts, dtype=object, copy=False)
    return pd.DataFrame(data, columns=list(APPENDIX_COLUMNS), copy=False)


def _findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame([f.as_dict() for f in findings], columns=list(FINDING_COLUMNS))


def _files_frame(results: list[FileResult]) -> pd.DataFrame:
    import pandas as pd

    rows = [{"source_file": r.source_file, "status": r.status, "form": r.form, "reason": r.reason,
             "unit_rows": len(r.rows), "errors": sum(f.severity == "error" for f in r.findings),
             "warnings": sum(f.severity == "warning" for f in r.findings)} for r in results]
    return pd.DataFrame(rows, columns=list(FILES_COLUMNS))


def _sections_frame(results: list[FileResult]) -> pd.DataFrame:
    import pandas as pd

    frames = [r.sections for r in results if r.sections is not None and len(r.sections)]
    if not frames:
        return pd.DataFrame(columns=list(SECTION_COLUMNS))
    return pd.concat(frames, ignore_index=True)[list(SECTION_COLUMNS)]


def write_outputs(result: IngestResult, out_dir: Path, appendix_lines: Iterable[str]) -> None:
    """The tables as files; appendix.csv from `appendix_lines` (appendix_csv of each file's rows, in order),
    which hold the same rows as result.appendix."""
    cat = catalog.Catalog(out_dir)
    cat.save("appendix", result.appendix, csv_lines=appendix_lines)
    cat.save("findings", result.findings)
    cat.save("files", result.files)
    cat.save("sections", result.sections)


# -- command line ------------------------------------------------------------------------------------------
def run_registry(args: argparse.Namespace) -> tuple[RunContext, Registry]:
    """The run context of `--config` (sketket.yml; none: the defaults) and the registry a command matches units
    against: `--registry` when given, else the config's paths.registry, else the Hanoi 2017 default.
    ConfigError and RegistryError say what is wrong."""
    from sketket.context import RunContext

    ctx = RunContext.load(getattr(args, "config", None))
    if getattr(args, "registry", None):
        if not Path(args.registry).is_file():
            raise ConfigError(f"không có tệp danh mục {args.registry}")
        return ctx, load_registry(args.registry)
    return ctx, ctx.registry


def cli_ingest(args: argparse.Namespace) -> int:
    raw_dir = Path(args.raw_dir)
    if not raw_dir.is_dir():
        print(f"sketket ingest: không có thư mục {raw_dir}", file=sys.stderr)
        return 2
    try:
        ctx, registry = run_registry(args)
    except (ConfigError, RegistryError) as exc:
        print(f"sketket ingest: {exc}", file=sys.stderr)
        return 2
    result = ingest(raw_dir, Path(args.out), registry, args.max_size_mb, set_aside=set_aside_folders(raw_dir, ctx))
    status = result.files["status"].value_counts()
    severity = result.findings["severity"].value_counts()
    print(f"Đã xem {format_int(len(result.files))} tệp: {format_int(status.get('ingested', 0))} đã đọc, "
          f"{format_int(status.get('rejected', 0))} bị trả lại, {format_int(status.get('skipped', 0))} bỏ qua; "
          f"{format_int(len(result.appendix))} dòng đơn vị; {format_int(severity.get('error', 0))} lỗi, "
          f"{format_int(severity.get('warning', 0))} cảnh báo. Kết quả ở {args.out}")
    return 0


_SEVERITY_LABEL = {"error": "LỖI", "warning": "CẢNH BÁO"}


def format_result(res: FileResult, shown: int | None = None) -> list[str]:
    """A unit's own check, as printed by `sketket validate`: at most `shown` findings, the rest counted."""
    errors = sum(f.severity == "error" for f in res.findings)
    warnings = len(res.findings) - errors
    head = {"ingested": "đã đọc", "rejected": "không đọc được", "skipped": "bỏ qua"}[res.status]
    what = f"Phụ lục {res.form}, {format_int(len(res.rows))} dòng đơn vị" if res.form else head
    if res.nominations:
        what = f"danh sách đề nghị khen thưởng, {format_int(len(res.nominations))} đề nghị"
    lines = [f"Tệp {res.source_file} ({what}): {format_int(errors)} lỗi, {format_int(warnings)} cảnh báo."]
    if res.status == "skipped":
        lines.append(f"  {res.reason}")
    listed = res.findings if shown is None else res.findings[:shown]
    for f in listed:
        where = f"{f.sheet}!{f.cell}" if f.cell else (f.sheet or "cả tệp")
        unit = f" – {f.unit_name}" if f.unit_name else ""
        lines.append(f"  [{_SEVERITY_LABEL[f.severity]}] {where}{unit}: {f.message}")
    rest = res.findings[len(listed):]
    if rest:
        more_errors = sum(f.severity == "error" for f in rest)
        lines.append(_config()["validate_more"].format(n=format_int(len(rest)), errors=format_int(more_errors),
                                                       warnings=format_int(len(rest) - more_errors)))
    if res.status == "ingested" and not res.findings:
        lines.append("  Không phát hiện lỗi.")
    return lines


def cli_validate(args: argparse.Namespace) -> int:
    missing = [p for p in args.files if not Path(p).is_file()]
    if missing:
        print(f"sketket validate: không có tệp {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    try:
        _, registry = run_registry(args)
    except (ConfigError, RegistryError) as exc:
        print(f"sketket validate: {exc}", file=sys.stderr)
        return 2
    failed = False
    for path in map(Path, args.files):
        res = process_file(path, path.name, registry, DEFAULT_MAX_MB * 2**20)
        _repeated_units([res])  # a unit on two rows of the file: what its sender must fix before sending it
        print("\n".join(format_result(res, None if args.all else int(_config()["validate_shown"]))))
        # a file not read as a table was not checked: never "no error"
        failed = failed or res.status != "ingested" or any(f.severity == "error" for f in res.findings)
    return 1 if failed else 0
