"""Copies of a written .xlsx as .xls (xlwt) and .ods (odfpy), with formulas replaced by their values:
units send those formats too, and the readers that open them do not recalculate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import openpyxl
import xlwt
from odf import table as odt
from odf import text as odtext
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableCellProperties, TableColumnProperties, TextProperties
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sketket.intake._formula import evaluate


@dataclass(frozen=True)
class Look:
    """The parts of a cell's style that survive conversion."""

    bold: bool = False
    italic: bool = False
    border: bool = False
    wrap: bool = False
    align: str | None = None
    number_format: str = "General"


@dataclass
class Grid:
    """One sheet as values and looks (1-based rows and columns), its merges and column widths."""

    title: str
    cells: dict[tuple[int, int], tuple[object, Look]]
    merges: list[tuple[int, int, int, int]]  # min_row, min_col, max_row, max_col
    widths: dict[int, float]


def _look(cell) -> Look:
    return Look(bold=bool(cell.font.b), italic=bool(cell.font.i), border=cell.border.left.style is not None,
                wrap=bool(cell.alignment.wrap_text), align=cell.alignment.horizontal,
                number_format=cell.number_format)


def sheet_grid(ws: Worksheet) -> Grid:
    """The sheet with every formula replaced by its computed value ("" and errors become empty)."""
    raw = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    memo: dict[tuple[int, int], object] = {}

    def value(r: int, c: int) -> object:
        if (r, c) not in memo:
            cell = raw.get((r, c))
            v = None if cell is None else cell.value
            if cell is not None and cell.data_type == "f":
                memo[(r, c)] = None  # a circular reference reads as empty instead of looping
                v = evaluate(str(v), value)
            memo[(r, c)] = None if v == "" else v
        return memo[(r, c)]

    cells = {}
    for (r, c), cell in raw.items():
        v = value(r, c)
        if v is not None or cell.has_style:
            cells[(r, c)] = (v, _look(cell))
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    widths = {k: ws.column_dimensions[get_column_letter(k)].width for k in range(1, ws.max_column + 1)
              if get_column_letter(k) in ws.column_dimensions}
    return Grid(ws.title, cells, merges, widths)


def workbook_grids(path: Path) -> list[Grid]:
    wb = openpyxl.load_workbook(path)
    try:
        return [sheet_grid(ws) for ws in wb.worksheets]
    finally:
        wb.close()


# -- .xls ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _xls_style(look: Look) -> xlwt.XFStyle:
    parts = [f"font: name Times New Roman, bold {'on' if look.bold else 'off'}, "
             f"italic {'on' if look.italic else 'off'}",
             f"align: vert centre, wrap {'on' if look.wrap else 'off'}"
             + (f", horiz {look.align}" if look.align in ("left", "right", "center") else "")]
    if look.border:
        parts.append("borders: left thin, right thin, top thin, bottom thin")
    return xlwt.easyxf("; ".join(parts), num_format_str=look.number_format)


def write_xls(grids: list[Grid], out: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    for g in grids:
        ws = book.add_sheet(g.title[:31])
        covered = {(r, c) for r1, c1, r2, c2 in g.merges for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1)}
        for r1, c1, r2, c2 in g.merges:
            v, look = g.cells.get((r1, c1), (None, Look()))
            ws.write_merge(r1 - 1, r2 - 1, c1 - 1, c2 - 1, "" if v is None else v, _xls_style(look))
        for (r, c), (v, look) in g.cells.items():
            if (r, c) not in covered:
                ws.write(r - 1, c - 1, "" if v is None else v, _xls_style(look))
        for k, w in g.widths.items():
            ws.col(k - 1).width = int(w * 256)
    book.save(str(out))


# -- .ods ----------------------------------------------------------------------------------------------
def write_ods(grids: list[Grid], out: Path) -> None:
    doc = OpenDocumentSpreadsheet()
    styles: dict[tuple[bool, bool, bool], Style] = {}

    def cell_style(look: Look) -> Style:
        key = (look.bold, look.italic, look.border)
        if key not in styles:
            st = Style(name=f"ce{len(styles) + 1}", family="table-cell")
            st.addElement(TextProperties(fontname="Times New Roman", fontweight="bold" if look.bold else "normal",
                                         fontstyle="italic" if look.italic else "normal"))
            st.addElement(TableCellProperties(border="0.5pt solid #000000" if look.border else "none",
                                              wrapoption="wrap"))
            doc.automaticstyles.addElement(st)
            styles[key] = st
        return styles[key]

    for g in grids:
        sheet = odt.Table(name=g.title)
        max_col = max((c for _, c in g.cells), default=1)
        max_row = max((r for r, _ in g.cells), default=1)
        for k in range(1, max_col + 1):
            st = Style(name=f"co{id(g)}_{k}", family="table-column")
            st.addElement(TableColumnProperties(columnwidth=f"{(g.widths.get(k) or 9) * 0.19:.2f}cm"))
            doc.automaticstyles.addElement(st)
            sheet.addElement(odt.TableColumn(stylename=st))
        spans = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in g.merges}
        covered = {(r, c) for r1, c1, r2, c2 in g.merges for r in range(r1, r2 + 1)
                   for c in range(c1, c2 + 1)} - set(spans)
        for r in range(1, max_row + 1):
            row = odt.TableRow()
            for c in range(1, max_col + 1):
                if (r, c) in covered:
                    row.addElement(odt.CoveredTableCell())
                    continue
                row.addElement(_ods_cell(g.cells.get((r, c)), spans.get((r, c)), cell_style))
            sheet.addElement(row)
        doc.spreadsheet.addElement(sheet)
    doc.save(str(out))


def _ods_cell(entry, span, cell_style) -> odt.TableCell:
    attrs = {}
    if span:
        attrs = {"numberrowsspanned": span[0], "numbercolumnsspanned": span[1]}
    if entry is None:
        return odt.TableCell(**attrs)
    v, look = entry
    attrs["stylename"] = cell_style(look)
    if isinstance(v, bool) or v is None:
        cell = odt.TableCell(**attrs)
    elif isinstance(v, int | float):
        kind = "percentage" if look.number_format.endswith("%") else "float"
        cell = odt.TableCell(valuetype=kind, value=v, **attrs)
        cell.addElement(odtext.P(text=f"{v * 100:g}%" if kind == "percentage" else f"{v:g}"))
    else:
        cell = odt.TableCell(valuetype="string", **attrs)
        cell.addElement(odtext.P(text=str(v)))
    return cell
