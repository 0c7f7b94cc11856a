"""A workbook written once, fast: the few openpyxl worksheet calls that `_sheet.write_table` and the return
lists make (cell, merge_cells, row and column dimensions, freeze panes, print titles, auto filter, page
setup), recorded and then written by XlsxWriter.

Why: the consolidated workbook of a national review has one row per unit (52.800 rows, 690.000 styled cells).
openpyxl, even in write-only mode, spends about 20 µs per styled cell serialising it; XlsxWriter a third of
that, with one shared format per distinct look (font, alignment, border, number format), as named styles
would be. The layout code stays the one that draws the official table (`write_table`), whatever writes it.

    book = FastBook(path)
    ws = book.create_sheet("Phụ lục I")
    write_table(ws, ...)          # or ws.cell(row, column, value).font = Font(...)
    book.save()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import xlsxwriter
from openpyxl.utils import column_index_from_string
from openpyxl.utils.cell import coordinate_from_string

_VERTICAL = {"center": "vcenter", "top": "top", "bottom": "bottom", "justify": "vjustify"}
_BORDER_STYLES = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7}


class FastCell:
    """What `_put` sets on a cell; read back when the book is saved."""

    __slots__ = ("value", "data_type", "font", "alignment", "border", "number_format")

    def __init__(self, value: object = None):
        self.value = value
        self.data_type: str | None = None
        self.font = self.alignment = self.border = None
        self.number_format: str | None = None


class _Dimensions(dict):
    """row_dimensions / column_dimensions: ws.row_dimensions[4].height = 18."""

    def __missing__(self, key: object) -> SimpleNamespace:
        dim = self[key] = SimpleNamespace(height=None, width=None)
        return dim


@dataclass
class FastSheet:
    """A worksheet as write_table sees it (1-based rows and columns, as openpyxl)."""

    title: str
    cells: dict[tuple[int, int], FastCell] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    row_dimensions: _Dimensions = field(default_factory=_Dimensions)
    column_dimensions: _Dimensions = field(default_factory=_Dimensions)
    freeze_panes: str | None = None
    print_title_rows: str | None = None
    page_margins: Any = None
    page_setup: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(
        orientation=None, paperSize=None, fitToWidth=None, fitToHeight=None))
    sheet_properties: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(
        pageSetUpPr=SimpleNamespace(fitToPage=False)))
    auto_filter: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(ref=None))
    PAPERSIZE_A4 = 9

    def cell(self, row: int, column: int, value: object = None) -> FastCell:
        """The cell at (row, column), made on first use; `value` set when given (as openpyxl does)."""
        cell = self.cells.get((row, column))
        if cell is None:
            cell = self.cells[(row, column)] = FastCell()
        if value is not None:
            cell.value = value
        return cell

    def merge_cells(self, *, start_row: int, start_column: int, end_row: int, end_column: int) -> None:
        self.merges.append((start_row, start_column, end_row, end_column))


class FastBook:
    """Sheets recorded in memory, written by XlsxWriter on save()."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.sheets: list[FastSheet] = []

    def create_sheet(self, title: str) -> FastSheet:
        sheet = FastSheet(title)
        self.sheets.append(sheet)
        return sheet

    def save(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Text is written as text: never turned into a formula, number or link behind the caller's back.
        book = xlsxwriter.Workbook(str(self.path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                                    "strings_to_urls": False})
        formats = _Formats(book)
        for sheet in self.sheets:
            _write_sheet(book.add_worksheet(sheet.title), sheet, formats)
        book.close()
        return self.path


class _Formats:
    """One XlsxWriter format per distinct look, shared by every cell that has it (as a named style)."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.by_objects: dict[tuple[int, int, int, str | None], Any] = {}
        self.by_props: dict[tuple, Any] = {}
        self.alive: list[object] = []  # keeps the style objects whose id() keys the cache

    def get(self, cell: FastCell) -> Any:
        key = (id(cell.font), id(cell.alignment), id(cell.border), cell.number_format)
        fmt = self.by_objects.get(key)
        if fmt is None:
            props = style_properties(cell.font, cell.alignment, cell.border, cell.number_format)
            frozen = tuple(sorted(props.items()))
            fmt = self.by_props.get(frozen)
            if fmt is None:
                fmt = self.by_props[frozen] = self.book.add_format(props) if props else None
            self.by_objects[key] = fmt
            self.alive.append((cell.font, cell.alignment, cell.border))
        return fmt


def style_properties(font: Any, alignment: Any, border: Any, number_format: str | None) -> dict[str, Any]:
    """XlsxWriter format properties of openpyxl style objects (font, alignment, border) and a number format."""
    props: dict[str, Any] = {}
    if font is not None:
        if font.name:
            props["font_name"] = font.name
        if font.sz:
            props["font_size"] = float(font.sz)
        if font.b:
            props["bold"] = True
        if font.i:
            props["italic"] = True
        if font.color is not None and isinstance(font.color.rgb, str):
            props["font_color"] = "#" + font.color.rgb[-6:]
    if alignment is not None:
        if alignment.horizontal:
            props["align"] = alignment.horizontal
        if alignment.vertical:
            props["valign"] = _VERTICAL.get(alignment.vertical, alignment.vertical)
        if alignment.wrap_text:
            props["text_wrap"] = True
    if border is not None:
        for side in ("left", "right", "top", "bottom"):
            style = getattr(getattr(border, side), "style", None)
            if style:
                props[side] = _BORDER_STYLES.get(style, 1)
    if number_format and number_format != "General":
        props["num_format"] = number_format
    return props


def _write_value(ws: Any, r: int, c: int, cell: FastCell, fmt: Any) -> None:
    value = cell.value
    if value is None or value == "":  # openpyxl keeps no empty text either
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value, fmt)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt)
    elif isinstance(value, str) and value.startswith("=") and cell.data_type != "s":
        ws.write_formula(r, c, value, fmt)  # as openpyxl would store "=…" typed by the layout
    else:
        ws.write_string(r, c, str(value), fmt)


def _write_sheet(ws: Any, sheet: FastSheet, formats: _Formats) -> None:
    for letter, dim in sheet.column_dimensions.items():
        if dim.width is not None:
            col = column_index_from_string(letter) - 1
            ws.set_column(col, col, dim.width)
    for row, dim in sheet.row_dimensions.items():
        if dim.height is not None:
            ws.set_row(row - 1, dim.height)
    for r1, c1, r2, c2 in sheet.merges:
        top = sheet.cells.get((r1, c1))
        ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, None, formats.get(top) if top else None)
    for (r, c), cell in sheet.cells.items():  # after the merges: each cell keeps its own look and value
        _write_value(ws, r - 1, c - 1, cell, formats.get(cell))
    if sheet.freeze_panes:
        letters, row = coordinate_from_string(sheet.freeze_panes)
        ws.freeze_panes(row - 1, column_index_from_string(letters) - 1)
    if sheet.auto_filter.ref:
        ws.autofilter(sheet.auto_filter.ref)
    if sheet.print_title_rows:
        first, last = (int(x) for x in sheet.print_title_rows.split(":"))
        ws.repeat_rows(first - 1, last - 1)
    setup = sheet.page_setup
    if setup.orientation == "landscape":
        ws.set_landscape()
    if setup.paperSize:
        ws.set_paper(int(setup.paperSize))
    if sheet.sheet_properties.pageSetUpPr.fitToPage:
        ws.fit_to_pages(int(setup.fitToWidth or 0), int(setup.fitToHeight or 0))
    if sheet.page_margins is not None:
        m = sheet.page_margins
        ws.set_margins(left=m.left, right=m.right, top=m.top, bottom=m.bottom)
