"""Laying out one appendix table on a worksheet: the engine behind the template, the filled workbooks
and the consolidated city workbook. Every position comes from layout.py; callers say which rows to
write and how an official might have shifted the table (Variation)."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from sketket import layout
from sketket.clean import format_date
from sketket.config import Plan

FONT = "Times New Roman"
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_FONTS = {
    (b, i, s): Font(name=FONT, bold=b, italic=i, size=s) for b in (False, True) for i in (False, True)
    for s in (11, 12, 13)
}
NUMBER_FORMATS = {"area": "#,##0.0", "count": "#,##0", "percent": "0.0"}
PERCENT_FRACTION_FORMAT = "0.0%"
# Which counts each percentage divides; Phụ lục III has no on-time column, so its rate uses
# received − overdue (the reader derives on-time the same way).
PCT_PARTS: dict[str, tuple[str, str]] = {
    "tthc_one_stop_pct": ("tthc_one_stop", "tthc_total"),
    "on_time_pct": ("dossiers_on_time", "dossiers_received"),
}
COLUMN_WIDTHS = {"label": 6, "text": 34, "area": 12, "count": 12, "percent": 10}
NOTE_WIDTH = 16
VALIDATION_ERRORS = {
    "count": "Chỉ được nhập số nguyên không âm (0, 1, 2, …), không nhập chữ hay số thập phân.",
    "area": "Chỉ được nhập số không âm (ví dụ 45 hoặc 45,5), không nhập chữ.",
}


@dataclass(frozen=True)
class Variation:
    """How an official may have changed the official table (each field one real-world habit)."""

    extra_title_lines: int = 0  # more lines under the title: the table moves down by that many rows
    col_offset: int = 0  # the table starts that many columns to the right
    number_row: bool = True  # the column-number row (1, 2, 3 …) under the header
    header_breaks: bool = False  # header texts with other line breaks and double spaces
    m2_superscript: bool = False  # "(m²)" instead of "(m2)"
    notes_sheet: bool = False  # a first sheet of notes; the table on the second sheet
    placeholder_row_a: bool = False  # row A keeps the template's label; the name only in the unit block
    pct_as_fraction: bool = False  # percentages as fractions (0.985) in a %-formatted cell
    pct_formulas: bool = False  # formulas in the percent cells even where a value was given


@dataclass
class TableMap:
    """Where a written table's parts are (1-based Excel rows, column letters), for tests and the demo."""

    form: str
    sheet: str
    header_row: int
    number_row: int | None
    columns: dict[str, str]
    row_a: int
    row_b: int
    unit_rows: list[int]
    total_row: int
    unit_block_cell: str

    def cell(self, column: str, row: int) -> str:
        """A1 reference of a canonical column on a row: cell("dossiers_received", m.row_a)."""
        return f"{self.columns[column]}{row}"


@dataclass
class RowSpec:
    """One table row: its STT label, name, values by canonical column, and its role.

    role: "A" (submitter), "B" (subtotal of the "unit" rows), "unit", "total" (A + B), or "group" /
    "subtotal" / "detail" (consolidated listing, values only). A column missing from `values` gets a formula where
    `formulas` is on (percentages on every row, sums on B and total), else stays empty.
    """

    stt: str
    name: str
    values: dict[str, object]
    role: str


def header_text(text: str, variation: Variation) -> str:
    if variation.m2_superscript:
        text = text.replace("(m2)", "(m²)")
    if variation.header_breaks:
        words = text.split()
        text = "\n".join("  ".join(words[i:i + 3]) for i in range(0, len(words), 3))
    return text


def subtitle(plan: Plan) -> str:
    d = plan.plan_date
    return layout.SUBTITLE.format(plan_number=plan.plan_number, day=d.day, month=d.month, year=d.year)


def group_text(group: str, plan: Plan) -> str:
    return group.format(period_start=format_date(plan.period_start), period_end=format_date(plan.period_end))


def _put(ws: Worksheet, row: int, col: int, value: object, *, bold: bool = False, italic: bool = False,
         size: int = 12, align: Alignment | None = None, border: bool = False,
         number_format: str | None = None, text: bool = False):
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if text and isinstance(value, str):
        cell.data_type = "s"  # typed text stays text, even "=…" (a planted or malicious name)
    cell.font = _FONTS[(bold, italic, size)]
    if align is not None:
        cell.alignment = align
    if border:
        cell.border = BORDER
    if number_format:
        cell.number_format = number_format
    return cell


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int) -> None:
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)


def write_table(ws: Worksheet, form: str, rows: list[RowSpec], *, plan: Plan, unit_block: str,
                variation: Variation = Variation(), formulas: bool = True,
                title: str | None = None, block_lines: tuple[str, str] | None = None,
                extra_lines: list[str] | None = None, validation: bool = True) -> TableMap:
    """Write the whole official table (blocks, title, header, rows, notes, signatures) on `ws`."""
    cols = layout.columns(form)
    c0 = 1 + variation.col_offset
    last = c0 + len(cols) - 1
    letter = {c.name: get_column_letter(c0 + i) for i, c in enumerate(cols)}

    # Unit block (top left) and form label (top right).
    first_line, second_line = block_lines or (layout.UNIT_BLOCK, unit_block)
    _put(ws, 1, c0, first_line, bold=True, align=Alignment(horizontal="center"))
    _merge(ws, 1, c0, 1, c0 + 2)
    _put(ws, 2, c0, second_line or None, bold=True, align=Alignment(horizontal="center", wrap_text=True), text=True)
    _merge(ws, 2, c0, 2, c0 + 2)
    _put(ws, 1, last - 1, layout.FORM_LABEL.format(form=form), bold=True, align=_RIGHT)
    _merge(ws, 1, last - 1, 1, last)

    # Title and the plan line.
    title_text = title or layout.TITLES[form]
    _put(ws, 4, c0, title_text, bold=True, size=13, align=_WRAP_CENTER)
    _merge(ws, 4, c0, 4, last)
    ws.row_dimensions[4].height = 18 * (title_text.count("\n") + 1) + 4
    _put(ws, 5, c0, subtitle(plan), italic=True, align=_WRAP_CENTER)
    _merge(ws, 5, c0, 5, last)
    r = 6
    for i in range(variation.extra_title_lines):
        lines = extra_lines or []
        text = lines[i] if i < len(lines) else ""
        _put(ws, r + i, c0, text, italic=True, align=Alignment(horizontal="center"))
        _merge(ws, r + i, c0, r + i, last)
    h = r + variation.extra_title_lines + 1  # one blank row before the header

    # Two-row header: group cells merged across their columns, the others merged down both rows.
    i = 0
    while i < len(cols):
        col = cols[i]
        c = c0 + i
        if col.group is None:
            _put(ws, h, c, header_text(col.header, variation), bold=True, size=11, align=_WRAP_CENTER,
                 border=True)
            _put(ws, h + 1, c, None, border=True)
            _merge(ws, h, c, h + 1, c)
            i += 1
            continue
        span = [k for k in range(i, len(cols)) if cols[k].group == col.group]
        _put(ws, h, c, header_text(group_text(col.group, plan), variation), bold=True, size=11,
             align=_WRAP_CENTER, border=True)
        for k in span:
            if k != i:
                _put(ws, h, c0 + k, None, border=True)
            _put(ws, h + 1, c0 + k, header_text(cols[k].header, variation), bold=True, size=11,
                 align=_WRAP_CENTER, border=True)
        _merge(ws, h, c, h, c0 + span[-1])
        i = span[-1] + 1
    ws.row_dimensions[h].height = 48
    ws.row_dimensions[h + 1].height = 96
    number_row = None
    first = h + 2
    if variation.number_row:
        number_row = first
        for i in range(len(cols)):
            _put(ws, number_row, c0 + i, i + 1, italic=True, size=11, align=_WRAP_CENTER, border=True)
        first += 1

    # Body rows.
    row_of: dict[str, list[int]] = {}
    for k, spec in enumerate(rows):
        row_of.setdefault(spec.role, []).append(first + k)
    total_row = first + len(rows) - 1
    units = row_of.get("unit", [])
    row_a = row_of.get("A", [first])[0]
    row_b = row_of.get("B", [first + 1])[0]
    for k, spec in enumerate(rows):
        rr = first + k
        strong = spec.role in ("A", "B", "total", "group", "subtotal")
        _put(ws, rr, c0, spec.stt, bold=strong, align=_WRAP_CENTER, border=True)
        _put(ws, rr, c0 + 1, spec.name, bold=strong, italic=spec.role in ("B", "subtotal"), align=_WRAP_LEFT,
             border=True, text=True)
        for i, col in enumerate(cols[2:], start=2):
            value = spec.values.get(col.name)
            given = col.name in spec.values
            fmt = NUMBER_FORMATS.get(col.kind)
            if col.kind == "percent":
                if variation.pct_as_fraction:
                    fmt = PERCENT_FRACTION_FORMAT
                given = given and not variation.pct_formulas
                if given and variation.pct_as_fraction and isinstance(value, int | float):
                    value = value / 100
                elif not given:
                    value = _pct_formula(col.name, rr, letter, variation.pct_as_fraction) if formulas else None
            elif not given and formulas and col.kind in ("area", "count"):
                value = _sum_formula(col.name, spec.role, letter, units, row_a, row_b)
            align = _WRAP_LEFT if col.kind == "text" else None
            _put(ws, rr, c0 + i, value, bold=strong, align=align, border=True, number_format=fmt,
                 text=given)
    if validation:
        _add_validation(ws, cols, letter, [row_a, *units])

    # Notes and signatures under the table.
    r = total_row + 2
    for k, line in enumerate(layout.FOOTNOTES):
        _put(ws, r + k, c0, line, bold=k == 0, italic=k > 0, size=11)
    r += len(layout.FOOTNOTES) + 1
    _put(ws, r, last - 3, layout.SIGNATURE_DATE.format(year=plan.plan_date.year), italic=True,
         align=Alignment(horizontal="center"))
    _merge(ws, r, last - 3, r, last)
    _put(ws, r + 1, c0 + 1, layout.SIGNATURE_PREPARER, bold=True, align=Alignment(horizontal="center"))
    _put(ws, r + 1, last - 3, layout.SIGNATURE_HEAD, bold=True, align=Alignment(horizontal="center"))
    _merge(ws, r + 1, last - 3, r + 1, last)

    _page_setup(ws, cols, c0, h, first - 1, row_a)
    return TableMap(
        form=form, sheet=ws.title, header_row=h, number_row=number_row, columns=letter,
        row_a=row_a, row_b=row_b, unit_rows=units, total_row=total_row,
        unit_block_cell=f"{get_column_letter(c0)}2",
    )


def _pct_formula(name: str, row: int, letter: dict[str, str], fraction: bool) -> str:
    num, den = PCT_PARTS[name]
    d = f"{letter[den]}{row}"
    n = f"{letter[num]}{row}" if num in letter else f"({d}-{letter['dossiers_overdue']}{row})"
    scale = "" if fraction else "*100"
    return f'=IFERROR({n}/{d}{scale},"")'


def _sum_formula(name: str, role: str, letter: dict[str, str], units: list[int], row_a: int,
                 row_b: int) -> str | None:
    c = letter[name]
    if role == "B" and units:
        return f"=SUM({c}{units[0]}:{c}{units[-1]})"
    if role == "total":
        return f"={c}{row_a}+{c}{row_b}"
    return None


def _add_validation(ws: Worksheet, cols, letter: dict[str, str], rows: list[int]) -> None:
    """Whole numbers ≥ 0 in count cells and numbers ≥ 0 in the area cells of the rows units fill."""
    ranges = _row_ranges(rows)
    for kind, vtype in (("count", "whole"), ("area", "decimal")):
        names = [c.name for c in cols if c.kind == kind]
        if not names:
            continue
        dv = DataValidation(type=vtype, operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
                            error=VALIDATION_ERRORS[kind])
        for n in names:
            for a, b in ranges:
                dv.add(f"{letter[n]}{a}:{letter[n]}{b}" if a != b else f"{letter[n]}{a}")
        ws.add_data_validation(dv)


def _row_ranges(rows: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _page_setup(ws: Worksheet, cols, c0: int, header_row: int, header_end: int, first_body: int) -> None:
    for i, col in enumerate(cols):
        width = NOTE_WIDTH if col.name == "note" else COLUMN_WIDTHS[col.kind]
        ws.column_dimensions[get_column_letter(c0 + i)].width = width
    # Freeze below the header, keeping STT and the unit's name in view when scrolling right.
    ws.freeze_panes = f"{get_column_letter(c0 + 2)}{first_body}"
    ws.print_title_rows = f"{header_row}:{header_end}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
