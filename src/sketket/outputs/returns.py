"""Return lists (trả lại): one workbook per submitting unit listing what it must correct in the tables it
sent, ready to send back: `reports/tra-lai/<unit slug>.xlsx`.

A finding belongs to the unit that sent the file it was found in (row A of that file: the Sở, city-level
agency or district), so a district's list includes its communes' rows. A file that yielded no unit row
(rejected) is attributed to the unit named in its findings, else to the unit its file name names, or
else to the file itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sketket.analysis.awards import FINDING_COLUMNS, rule_descriptions
from sketket.clean import excel_text, format_date, format_int, nfc, slug
from sketket.config import Plan
from sketket.dimensions import TIER_FORM
from sketket.outputs._fastbook import FastBook, FastSheet
from sketket.registry import Registry

SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo"}
TITLE = "DANH SÁCH NỘI DUNG ĐỀ NGHỊ CHỈNH SỬA, BỔ SUNG BIỂU SỐ LIỆU"
SUBTITLE = ("Sơ kết thực hiện Quyết định số {decision} (Kế hoạch số {plan_number}/KH-UBND "
            "ngày {plan_date} của UBND Thành phố)")
HEADERS = ("STT", "Tệp", "Trang tính", "Ô", "Nội dung kiểm tra", "Mức độ", "Mô tả", "Giá trị")
WIDTHS = (6, 30, 14, 8, 36, 10, 60, 14)
FOOTNOTE = ("Lỗi: đơn vị phải sửa và gửi lại biểu. Cảnh báo: số liệu đáng ngờ, đề nghị kiểm tra lại và "
            "giải trình nếu số liệu đúng.")
_INTEGER = re.compile(r"-?\d+")
_CELL = re.compile(r"([A-Z]+)(\d+)")
def unit_slug(name: str) -> str:
    """File name of a unit's list: "Sở Tư pháp" → "so-tu-phap" (clean.slug; a long name cut to SLUG_BYTES)."""
    return slug(name) or "khong-ro-don-vi"


def _digest(name: str) -> str:
    return hashlib.sha1(nfc(name).encode()).hexdigest()[:8]


def file_names(names: Iterable[str]) -> dict[str, str]:
    """A distinct file name (without .xlsx) for each unit name, the same on every run with the same
    names, whatever their order: the slug; when several names share it (folding alike, or cut alike),
    the first in sorted order keeps it and the others add a digest of their own name."""
    by_slug: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_slug.setdefault(unit_slug(name), []).append(name)
    out: dict[str, str] = {}
    used: set[str] = set()
    for base, group in sorted(by_slug.items()):
        for i, name in enumerate(group):
            candidate = base if i == 0 else f"{base}-{_digest(name)}"
            n = 1
            while candidate in used:  # another name's slug met by chance: count on
                n += 1
                candidate = f"{base}-{_digest(name)}-{n}"
            used.add(candidate)
            out[name] = candidate
    return out


def _unit_of_file(source_file: str, registry: Registry | None) -> tuple[str, str] | None:
    """The submitting unit a file's name names ("so-tu-phap-bieu-pl1.xlsx" → Sở Tư pháp), if any."""
    if registry is None:
        return None
    from sketket.intake.narrative import find_unit

    hit, _ = find_unit([], source_file, registry)
    return (hit.name, hit.code) if hit else None


def attribute_findings(findings: pd.DataFrame, appendix: pd.DataFrame,
                       registry: Registry | None = None) -> pd.DataFrame:
    """`findings` with the submitting unit of each finding's file: `submitter_name`, `submitter_code`. A file
    without unit rows goes to the unit its findings name, else to the unit its file name names (with
    `registry`), else to the file itself."""
    submitters = {tier for tier, (_, section) in TIER_FORM.items() if section == "A"}
    # Columns read as lists: itertuples would box every column of the wide appendix, row by row.
    files, tiers, names, codes_of, parents = (
        appendix[c].tolist() for c in ("source_file", "tier", "unit_name", "unit_code", "parent_name"))
    by_file: dict[str, tuple[str, str]] = {}
    for source, tier, name, code in zip(files, tiers, names, codes_of, strict=True):
        if tier in submitters:
            by_file.setdefault(source, (name, code))
    for source, parent in zip(files, parents, strict=True):  # a file with sub-unit rows only: its rows name their parent
        if parent:
            by_file.setdefault(source, (parent, ""))
    out = findings.copy()
    named: list[str] = []
    codes: list[str] = []
    # a file replaced by the unit's later one (duplicate_unit names the file kept): that unit's list, not a list
    # of its own under the name as typed ("UBND quận Đống Đa" beside "Quận Đống Đa")
    for source, rule, kept in zip(out["source_file"].tolist(), out["rule"].tolist(), out["value"].tolist(),
                                  strict=True):
        if rule == "duplicate_unit" and source not in by_file and kept in by_file:
            by_file[source] = by_file[kept]
    for source, unit_name in zip(out["source_file"].tolist(), out["unit_name"].tolist(), strict=True):
        if source not in by_file and not unit_name:  # once per rejected file
            by_file[source] = _unit_of_file(source, registry) or (f"Tệp {source}", "")
        name, code = by_file.get(source, (unit_name, ""))
        if code and registry is not None:  # the registry's name, not "UBND quận …" as typed
            name = registry.name_of(code) or name
        named.append(nfc(name))
        codes.append(code)
    out["submitter_name"], out["submitter_code"] = named, codes
    return out


def _cell_key(cell: str) -> tuple[int, int, str]:
    m = _CELL.fullmatch(cell or "")
    return (int(m.group(2)), len(m.group(1)), m.group(1)) if m else (0, 0, "")


def _ordered(findings: pd.DataFrame, by_submitter: bool = False) -> pd.DataFrame:
    """Errors first, then file by file, sheet by sheet, cell by cell as they read (row, then column); with
    `by_submitter`, each submitter's findings together (submitters by name), each in that order."""
    key = pd.DataFrame({
        "sev": findings["severity"].map({"error": 0, "warning": 1}).fillna(2),
        "file": findings["source_file"], "sheet": findings["sheet"],
        "cell": findings["cell"].map(_cell_key),
    }, index=findings.index)
    order = ["sev", "file", "sheet", "cell"]
    if by_submitter:
        key["submitter"] = findings["submitter_name"]
        order.insert(0, "submitter")
    return findings.loc[key.sort_values(order).index]


def _value(raw: object) -> object:
    """A finding's value: an integer when it is one (so "-5" stays a number), else text neutralised
    ("1.234" and "12,5" stay as the official typed them)."""
    text = nfc(raw)
    return int(text) if _INTEGER.fullmatch(text) else excel_text(text)


_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# One look per kind of cell (font, border, alignment), shared by every cell that has it.
_LOOKS: dict[str, tuple[Font | None, Border | None, Alignment | None]] = {
    "title": (Font(bold=True, size=13), None, None),
    "subtitle": (Font(italic=True), None, None),
    "strong": (Font(bold=True), None, None),
    "deadline": (Font(bold=True, color="C00000"), None, None),
    "plain": (None, None, None),
    "header": (Font(bold=True), _BORDER, Alignment(horizontal="center", vertical="center", wrap_text=True)),
    "finding": (None, _BORDER, Alignment(vertical="top", wrap_text=True)),
    "footnote": (Font(italic=True), None, None),
}


def _put(ws: FastSheet, row: int, column: int, value: object, look: str) -> None:
    cell = ws.cell(row, column, value)
    cell.font, cell.border, cell.alignment = _LOOKS[look]
    if isinstance(value, str):
        cell.data_type = "s"  # text, even "=…"


def reconciliation_findings(reconciliation: pd.DataFrame, appendix: pd.DataFrame,
                            dossier_cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """A finding (a warning: to check and explain) for each unit whose table differs from its dossier log,
    placed at the unit's row of the file it came in (so its submitter's list carries it), its message the
    reconciliation line ("Phường Một: Biểu báo cáo 24.650 hồ sơ; phần mềm một cửa ghi nhận 24.120, chênh
    2,2%…"). Config: dossiers.yml, facts.return_list (`dossier_cfg`: the settings the logs were counted with)."""
    from sketket.analysis import dossier_facts as facts

    cfg = dossier_cfg or facts.config()
    spec = cfg["return_list"]
    differ = reconciliation[reconciliation["status"] == "differs"] if len(reconciliation) else reconciliation
    rows = []
    where = {code: (source, sheet) for code, source, sheet in
             zip(appendix["unit_code"], appendix["source_file"], appendix["source_sheet"], strict=True) if code}
    for _, r in differ.iterrows():
        source, sheet = where.get(r["unit_code"], ("", ""))
        rows.append({"source_file": source, "sheet": sheet, "cell": "", "unit_name": nfc(r["unit_name"]),
                     "rule": spec["rule"], "severity": "warning",
                     "value": "" if pd.isna(r["reported_received"]) else str(int(r["reported_received"])),
                     "message": spec["message"].format(unit=nfc(r["unit_name"]), line=facts.reconciliation_line(r, cfg))})
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _rule_descriptions(dossier_cfg: dict[str, Any] | None = None) -> dict[str, str]:
    """The validation rules' descriptions and the reconciliation's (`dossier_cfg`: the settings the logs were
    counted with; the package's by default)."""
    from sketket.analysis import dossier_facts as facts

    spec = (dossier_cfg or facts.config())["return_list"]
    return {**rule_descriptions(), spec["rule"]: spec["what"]}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _finding_rows(findings: pd.DataFrame, dossier_cfg: dict[str, Any] | None = None) -> list[tuple]:
    """The cells of each finding's line (without its number), in the order of `findings`."""
    rules = _rule_descriptions(dossier_cfg)
    columns = (findings[c].tolist() for c in ("source_file", "sheet", "cell", "rule", "severity", "message",
                                                 "value"))
    # what was checked in words: the list goes to the unit, which has no use for the rule's identifier
    return [(excel_text(nfc(source)), excel_text(nfc(sheet)), nfc(cell), _sentence_case(rules.get(rule, rule)),
             SEVERITY_LABELS.get(severity, severity), excel_text(nfc(message)), _value(value))
            for source, sheet, cell, rule, severity, message, value in zip(*columns, strict=True)]


def write_return_list(unit_name: str, findings: pd.DataFrame, out: Path, *, plan: Plan,
                      dossier_cfg: dict[str, Any] | None = None) -> Path:
    """One unit's return list: a header naming the unit and the run's plan and deadline, then one row per
    finding."""
    findings = _ordered(findings)
    errors = int((findings["severity"] == "error").sum())
    return _write_list(unit_name, _finding_rows(findings, dossier_cfg), errors, out, plan)


def _write_list(unit_name: str, rows: list[tuple], errors: int, out: Path, plan: Plan) -> Path:
    """The workbook of one list from its ordered finding lines (_finding_rows) and its number of errors.
    Written by FastBook: openpyxl restyles every cell of a merged range when it merges it."""
    book = FastBook(out)
    ws = book.create_sheet("Trả lại")
    last = get_column_letter(len(HEADERS))
    header_lines = [
        (TITLE, "title"),
        (SUBTITLE.format(decision=plan.decision, plan_number=plan.plan_number,
                         plan_date=format_date(plan.plan_date)), "subtitle"),
        (f"Đơn vị: {excel_text(nfc(unit_name))}", "strong"),
        (f"Đề nghị đơn vị chỉnh sửa và gửi lại biểu về Sở Nội vụ trong {plan.correction_days} ngày làm việc kể từ "
         f"ngày nhận được danh sách này (hạn gửi báo cáo theo Kế hoạch: {format_date(plan.report_deadline)})."
         if errors else
         "Biểu không còn lỗi phải sửa; đề nghị đơn vị kiểm tra các cảnh báo dưới đây và giải trình với Sở Nội vụ "
         "nếu số liệu đúng.", "deadline"),
        (f"Số lỗi phải sửa: {format_int(errors)}; số cảnh báo cần kiểm tra: {format_int(len(rows) - errors)}.",
         "plain"),
    ]
    for r, (text, look) in enumerate(header_lines, start=1):
        _put(ws, r, 1, text, look)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(HEADERS))
    first = len(header_lines) + 2
    for c, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        _put(ws, first, c, header, "header")
        ws.column_dimensions[get_column_letter(c)].width = width
    for n, values in enumerate(rows, start=1):
        for c, value in enumerate((n, *values), start=1):
            _put(ws, first + n, c, value, "finding")
    _put(ws, first + len(rows) + 2, 1, FOOTNOTE, "footnote")
    ws.freeze_panes = f"A{first + 1}"
    ws.auto_filter.ref = f"A{first}:{last}{first + len(rows)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return book.save()


def _attributed(findings: pd.DataFrame, appendix: pd.DataFrame, registry: Registry | None) -> pd.DataFrame:
    """The findings of the return lists, each with its submitting unit, in the lists' order."""
    attributed = attribute_findings(findings.reindex(columns=FINDING_COLUMNS).fillna(""), appendix, registry)
    return _ordered(attributed, by_submitter=True)


def list_file_of(findings: pd.DataFrame, appendix: pd.DataFrame, registry: Registry, unit_code: str) -> str | None:
    """The file name of a unit's own return list ("quan-ba-dinh.xlsx") among those write_return_lists writes
    from the same findings, or None when the unit has no list (nothing to correct or check)."""
    ordered = _attributed(findings, appendix, registry)
    name = registry.name_of(unit_code)
    mine = ordered.loc[(ordered["submitter_code"] == unit_code) | (ordered["submitter_name"] == name),
                       "submitter_name"]
    if mine.empty:
        return None
    return f"{file_names(ordered['submitter_name'])[mine.iloc[0]]}.xlsx"


def write_return_lists(findings: pd.DataFrame, appendix: pd.DataFrame, out_dir: Path, *,
                       plan: Plan, registry: Registry | None = None,
                       dossier_cfg: dict[str, Any] | None = None) -> list[Path]:
    """One list per submitting unit that has findings, in `out_dir` (e.g. reports/tra-lai). The findings are
    attributed, ordered and turned into lines once; each list then takes its own slice. `dossier_cfg`: the
    settings the dossier logs were counted with (the reconciliation's rule is described in their words)."""
    ordered = _attributed(findings, appendix, registry)
    lines = _finding_rows(ordered, dossier_cfg)
    names = ordered["submitter_name"].tolist()
    is_error = (ordered["severity"] == "error").tolist()
    paths: list[Path] = []
    slugs = file_names(ordered["submitter_name"])
    start = 0
    while start < len(names):  # the findings of a unit are contiguous: one slice per list
        name, end = names[start], start
        while end < len(names) and names[end] == name:
            end += 1
        paths.append(_write_list(name, lines[start:end], sum(is_error[start:end]), out_dir / f"{slugs[name]}.xlsx",
                                 plan))
        start = end
    return paths
