"""Read a unit's appendix table (Phụ lục I, II or III) from .xlsx, .xlsm, .xls or .ods.

The table is found by its header text wherever an official put it (another sheet, extra title lines,
another first column, an inserted column), never by fixed positions. Cells are read with python-calamine
(values only, fast); openpyxl is opened only for an .xlsx/.xlsm holding a bare number ≤ 1 in a percentage
column, to learn from the cell's number format whether it is a fraction (0,985 shown as 98,5%).

Formulas that no spreadsheet program has calculated (files written by other software) have no cached
value and read as empty: percentages are recomputed from the counts anyway, and an empty subtotal or total
is simply not checked, so nothing false is reported for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import python_calamine

from sketket import layout
from sketket.clean import Number, fold, nfc, parse_number
from sketket.dimensions import FORM_TIERS
from sketket.intake._xlsx import evaluate_cells, uncached_formulas
from sketket.registry import Registry

SPREADSHEET_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
_OOXML = (".xlsx", ".xlsm")

# Header cell (folded) → canonical column; the first rule whose words all occur wins, so the
# percentage headers come before the counts they mention, and the counter's area before "tiếp nhận".
_HEADER_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tthc_one_stop_pct", ("le", "dang thuc hien")),
    ("on_time_pct", ("le", "dung han")),
    ("unit_name", ("ten don vi",)),
    ("unit_name", ("ten co quan",)),
    ("area_m2", ("dien tich",)),
    ("postal_tthc", ("buu chinh",)),
    ("online_services_l34", ("truc tuyen",)),
    ("tthc_total", ("tham quyen",)),
    ("tthc_one_stop", ("dang thuc hien",)),
    ("dossiers_received", ("da nhan",)),
    ("dossiers_received", ("tiep nhan",)),
    ("dossiers_on_time", ("dung han",)),
    ("dossiers_overdue", ("qua han",)),
    ("note", ("ghi chu",)),
)
_STT_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
_NAME_ANCHORS = (" ten don vi ", " ten co quan ")
# A bare "Tỷ lệ (%)" header is the rate of the counts on its left.
_RATE_OF = {"tthc_one_stop": "tthc_one_stop_pct", "tthc_total": "tthc_one_stop_pct",
            "dossiers_overdue": "on_time_pct", "dossiers_on_time": "on_time_pct"}
_MIN_FIGURE_HEADERS = 4  # a header row must name at least this many figure columns to be the table
_HEADER_DEPTH = 4  # rows below "Tên đơn vị" that may still belong to the header
_TOTAL_KEYS = {"tong", "cong", "tong so", "tong cong", "cong tong"}
_STOP = re.compile(r"^(ghi chu|chu thich|luu y|nguoi lap|thu truong|1 la so|2 la ty le)|\bngay\b.*\bthang\b.*\bnam\b")
_ROMAN = re.compile(r"^[ivxlc]+$")
_EXAMPLE_NAMES = {fold(n) for pair in layout.ROW_EXAMPLES.values() for n in pair if n}
_UNIT_BLOCK = re.compile(r"^\s*c[ơo]\s*quan\s*,?\s*đ[ơo]n\s*v[ịi]\s*[:\-–]?\s*", re.IGNORECASE)
_NOT_A_NAME = ("phu luc", "cong hoa", "doc lap", "ket qua thuc hien")
_FORM_LABEL = re.compile(r"^phu luc (i{1,3}|[123])\b")
_FORM_TITLE: tuple[tuple[str, str], ...] = (
    ("nganh doc", "II"),
    ("cap huyen va cap xa", "III"),
    ("tai cac so", "I"),
    ("tuong duong so", "I"),
)


class NoTableError(Exception):
    """The workbook holds no appendix table (no header row naming the unit and the counts)."""


@dataclass
class Row:
    """One row of the table below the header: the submitter (A), the sub-unit heading/subtotal (B),
    a sub-unit (numbered), or the grand total."""

    kind: str  # "A" | "B" | "unit" | "total"
    stt: str
    name: str
    excel_row: int  # 1-based, as Excel shows it
    values: dict[str, Number]  # figure columns of the form
    raw: dict[str, object]  # the same cells as read, for findings
    note: str = ""

    def has_figures(self) -> bool:
        return any(n.value is not None or not n.ok for n in self.values.values())


@dataclass
class Table:
    """An appendix table as found in a workbook."""

    form: str
    sheet: str
    columns: dict[str, int]  # canonical column → 0-based sheet column
    rows: list[Row]
    submitter: str  # the reporting agency: row A's name, or inferred when row A holds the placeholder
    name_source: str  # "table" | "unit_block" (the CƠ QUAN, ĐƠN VỊ cell) | "file_name"

    def cell(self, row: Row, column: str) -> str:
        """A1 reference of a row's cell in a canonical column ("" when the table has no such column)."""
        col = self.columns.get(column)
        return "" if col is None else f"{column_letter(col)}{row.excel_row}"

    def figures(self) -> tuple[str, ...]:
        return tuple(c for c in layout.FIGURES if c in self.columns)


def column_letter(col: int) -> str:
    """0 → "A", 27 → "AB"."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# -- finding the table ---------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _header_name(text: str) -> str | None:
    """The canonical column a header cell names (remembered: every workbook has the same headers)."""
    key = fold(text)
    if not key:
        return None
    if key in _STT_HEADERS:
        return "stt"
    padded = f" {key} "
    for name, words in _HEADER_RULES:
        if all(f" {w} " in padded for w in words):
            return name
    return None


@dataclass
class _Header:
    top: int
    bottom: int  # last header row (0-based)
    columns: dict[str, int]


def _find_header(grid: list[list[object]]) -> _Header | None:
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if isinstance(value, str) and value and _names_unit(value):
                header = _header_at(grid, r, c)
                if header is not None:
                    return header
    return None


@lru_cache(maxsize=8192)
def _names_unit(text: str) -> bool:
    """A "Tên đơn vị" / "Tên cơ quan" cell, where the header search starts."""
    padded = f" {fold(text)} "
    return any(a in padded for a in _NAME_ANCHORS)


def _header_at(grid: list[list[object]], top: int, name_col: int) -> _Header | None:
    columns: dict[str, int] = {"unit_name": name_col}
    bottom = top
    bare_rates: list[int] = []
    for r in range(top, min(top + _HEADER_DEPTH, len(grid))):
        for c, value in enumerate(grid[r]):
            name = _header_name(value) if isinstance(value, str) else None
            if name and name not in columns:
                columns[name] = c
                bottom = max(bottom, r)
            elif name is None and isinstance(value, str) and fold(value).startswith(("ty le", "ti le")):
                bare_rates.append(c)
    by_col = {c: n for n, c in columns.items()}
    for c in bare_rates:
        rate = _RATE_OF.get(by_col.get(c - 1, ""))
        if rate and rate not in columns:
            columns[rate] = c
    figures = [c for c in layout.FIGURES if c in columns]
    if len(figures) < _MIN_FIGURE_HEADERS:
        return None
    if "stt" not in columns and name_col > 0:
        columns["stt"] = name_col - 1
    return _Header(top, bottom, columns)


def _is_column_numbers(line: list[object], columns: dict[str, int]) -> bool:
    """The row under the header that numbers the columns: "1, 2, 3 …", "(1), (2) …" or "A, B, 1 …"."""
    cells = [fold(_text(_cell(line, c))) for c in sorted(columns.values())]
    cells = [c for c in cells if c]
    if len(cells) < 3:
        return False
    if cells[:2] == ["a", "b"]:
        return True
    try:
        numbers = [int(c) for c in cells]
    except ValueError:
        return False
    return numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


_EMPTY = Number(None)


def _number(value: object) -> Number:
    """parse_number of a figure cell, without its checks for the two commonest cells: empty and a float."""
    if value == "" or value is None:
        return _EMPTY
    if type(value) is float and value == value:  # not NaN
        return Number(value)
    return parse_number(value)


def _nfc(value: object) -> str:
    return "" if value == "" else nfc(value)


def _cell(line: list[object], col: int) -> object:
    return line[col] if col < len(line) else ""


def _text(value: object) -> str:
    """A label cell as text: a whole number typed as a number (1.0 from the file) reads "1"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _nfc(value)


# -- rows ----------------------------------------------------------------------------------------------
def _kind(stt: str, name: str, has_figures: bool) -> str | None:
    k_stt, k_name = fold(stt), fold(name)
    if k_stt in _TOTAL_KEYS or k_name in _TOTAL_KEYS or k_name.startswith("tong cong "):
        return "total"
    if k_stt == "a":
        return "A"
    if k_stt == "b":
        return "B"
    if not has_figures and (_ROMAN.match(k_stt) or k_name in _EXAMPLE_NAMES):
        return None  # a group heading ("I. Các phường"), or the template's "Chi cục A" left unfilled
    if (k_stt and k_name) or has_figures:
        return "unit"
    return None


def _read_rows(grid: list[list[object]], header: _Header, form_figures: tuple[str, ...]) -> list[Row]:
    cols = header.columns
    start = header.bottom + 1
    if start < len(grid) and _is_column_numbers(grid[start], cols):
        start += 1
    rows: list[Row] = []
    where = [(c, cols.get(c)) for c in form_figures]  # figure → sheet column (None: not in the table)
    for r in range(start, len(grid)):
        line = grid[r]
        raw = {c: None if i is None else line[i] if i < len(line) else "" for c, i in where}
        values = {c: _number(v) for c, v in raw.items()}
        empty = all(n.value is None for n in values.values())
        # footnotes or signatures: the table is over (a row with figures is never one: not looked at)
        if empty and _STOP.search(next((key for v in line if isinstance(v, str) and v and (key := fold(v))), "")):
            break
        has_figures = not empty or any(not n.ok for n in values.values())
        stt = _text(_cell(line, cols["stt"])) if "stt" in cols else ""
        name = _text(_cell(line, cols["unit_name"]))
        kind = _kind(stt, name, has_figures)
        if kind is None:
            continue
        note = _nfc(_cell(line, cols["note"])) if "note" in cols else ""
        rows.append(Row(kind, stt, name, r + 1, values, raw, note))
    return rows


# -- percentages and formulas --------------------------------------------------------------------------
def expected_pct(values: dict[str, Number], column: str) -> float | None:
    """The percentage a row's counts give: 100·one-stop/total or 100·on-time/received (None if undefined)."""
    num, den = ("tthc_one_stop", "tthc_total") if column == "tthc_one_stop_pct" else (
        "dossiers_on_time", "dossiers_received")
    n, d = values.get(num), values.get(den)
    if column == "on_time_pct" and (n is None or n.value is None):
        n = _derived_on_time(values)
    if n is None or d is None or n.value is None or not d.value:
        return None
    return 100.0 * n.value / d.value


def _derived_on_time(values: dict[str, Number]) -> Number | None:
    rec, over = values.get("dossiers_received"), values.get("dossiers_overdue")
    if rec is None or over is None or rec.value is None or over.value is None:
        return None
    return Number(rec.value - over.value)


def _fraction_candidates(table: Table) -> list[tuple[Row, str]]:
    """Percent cells holding a bare number in (0, 1]: a fraction from a %-formatted cell, or a tiny rate."""
    out = []
    for row in table.rows:
        for col in layout.PERCENTS:
            n = row.values.get(col)
            if n is not None and n.value is not None and not n.is_percent and 0 < n.value <= 1:
                out.append((row, col))
    return out


def _looks_like_fraction(table: Table, row: Row, col: str) -> bool:
    """Without number formats (.xls, .ods, or text): a fraction when ×100 is closer to what the counts
    give, or, when the counts give nothing, when every percentage in the column is ≤ 1."""
    v = row.values[col].value
    assert v is not None
    expected = expected_pct(row.values, col)
    if expected is not None:
        return abs(100 * v - expected) < abs(v - expected)
    others = [r.values[col].value for r in table.rows if r.values.get(col) and r.values[col].value]
    return all(o is not None and o <= 1 for o in others)


def _xlsx_percent_cells(path: Path, table: Table, cells: list[tuple[Row, str]]) -> set[str]:
    """Which of these percentage cells are %-formatted (openpyxl, read-only: calamine gives values only)."""
    import openpyxl

    wanted = {table.cell(row, col) for row, col in cells}
    cols = [table.columns[c] + 1 for c in layout.PERCENTS if c in table.columns]
    rows = [row.excel_row for row, _ in cells]
    percent = set()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        for line in wb[table.sheet].iter_rows(min_row=min(rows), max_row=max(rows),
                                              min_col=min(cols), max_col=max(cols)):
            for cell in line:
                ref = getattr(cell, "coordinate", None)  # EmptyCell has none
                if ref in wanted and "%" in (cell.number_format or ""):
                    percent.add(ref)
    finally:
        wb.close()
    return percent


def _fix_percentages(table: Table, path: Path) -> None:
    """Percentages stored as fractions (0,985 shown as 98,5%) become percent-of-100."""
    cells = _fraction_candidates(table)
    if not cells:
        return
    percent_cells = _xlsx_percent_cells(path, table, cells) if path.suffix.lower() in _OOXML else None
    for row, col in cells:
        if percent_cells is not None:
            fraction = table.cell(row, col) in percent_cells
        else:
            fraction = _looks_like_fraction(table, row, col)
        if fraction:
            n = row.values[col]
            row.values[col] = Number(n.value * 100.0, is_percent=True)  # type: ignore[operator]


# -- the submitter and the form ------------------------------------------------------------------------
def _above(grid: list[list[object]], top: int) -> list[tuple[int, int, str]]:
    return [(r, c, text) for r in range(top) for c, v in enumerate(grid[r]) if (text := _nfc(v))]


def _unit_block_name(grid: list[list[object]], top: int, cells: list[tuple[int, int, str]]) -> str:
    """The agency's name written in or under the "CƠ QUAN, ĐƠN VỊ" cell above the title."""
    for r, c, text in cells:
        if not fold(text).startswith("co quan don vi"):
            continue
        rest = _UNIT_BLOCK.sub("", text, count=1).strip()
        if fold(rest):
            return rest
        for rr, cc in ((r + 1, c), (r, c + 1)):
            below = nfc(_cell(grid[rr], cc)) if rr < top else ""
            if fold(below) and not fold(below).startswith(_NOT_A_NAME):
                return below
    return ""


def _registry_name_above(cells: list[tuple[int, int, str]], tier: str, registry: Registry | None) -> str:
    """An agency name typed over the "CƠ QUAN, ĐƠN VỊ" label ("UBND HUYỆN BA VÌ" in A1): the first
    text above the header that the registry knows in the submitting tier."""
    if registry is None:
        return ""
    for _, _, text in cells:
        if len(text) <= 120:
            m = registry.match(text, tier)
            if m.matched:
                return text
    return ""


def _is_placeholder(name: str) -> bool:
    key = fold(name)
    return not key or key in {fold(v) for v in layout.ROW_A.values()}


def _file_name_unit(path: Path, tier: str, registry: Registry | None) -> str:
    """The agency named in a file's name ("PL1_So_Tu_phap_2017.xlsx"): the longest run of its words
    that the registry knows, else the name's words as they are."""
    words = nfc(re.sub(r"[_\-.]+", " ", path.stem)).split()
    if registry is not None:
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                candidate = " ".join(words[start:start + size])
                m = registry.match(candidate, tier)
                if m.matched:
                    return m.registry_name
    return " ".join(words)


def _detect_form(header: _Header, above: list[tuple[int, int, str]], a_name: str, block: str,
                 registry: Registry | None) -> str:
    """III has no on-time column; otherwise the "Phụ lục" label, the title, row A's placeholder, or the
    tier in which the registry knows the submitter."""
    if "dossiers_on_time" not in header.columns:
        return "III"
    texts = [fold(t) for _, _, t in above]
    for key in texts:
        m = _FORM_LABEL.match(key)
        if m:
            return {"1": "I", "2": "II", "3": "III"}.get(m.group(1), m.group(1).upper())
    for key in texts:
        for words, form in _FORM_TITLE:
            if words in key:
                return form
    for form, placeholder in layout.ROW_A.items():
        if fold(a_name) == fold(placeholder):
            return form
    if registry is not None:
        for name in (a_name, block):
            for form in layout.FORMS:
                if name and registry.match(name, FORM_TIERS[form][0]).matched:
                    return form
    return "I"


def _fill_formula_counts(table: Table, grid: list[list[object]], path: Path) -> None:
    """Counts of rows A and the numbered rows that an official computed with a formula no program
    calculated (on-time = received − overdue): evaluate them as Excel would. Rates, row B and Tổng cộng
    stay as read: they are recomputed and checked from the counts, and evaluating them here would only
    repeat a unit row's mistake in a second finding."""
    empty: dict[tuple[int, int], tuple[Row, str]] = {}
    for row in table.rows:
        if row.kind in ("A", "unit"):
            for col in table.figures():
                if col not in layout.PERCENTS and row.raw[col] in ("", None):
                    empty[(row.excel_row, table.columns[col] + 1)] = (row, col)
    if not empty:  # the common case: no second look at the file
        return
    formulas = uncached_formulas(path, table.sheet)
    wanted = {key: cell for key, cell in empty.items() if key in formulas}
    for key, value in evaluate_cells(grid, formulas, wanted).items():
        if value is not None:
            row, col = wanted[key]
            row.raw[col] = value
            row.values[col] = _number(value)


# -- entry points --------------------------------------------------------------------------------------
def read_grid(grid: list[list[object]], sheet: str, path: Path, registry: Registry | None = None
              ) -> Table | None:
    """The appendix table of one sheet given as rows of cell values (row 0 = Excel row 1), or None."""
    header = _find_header(grid)
    if header is None:
        return None
    rows = _read_rows(grid, header, layout.FIGURES)
    a_row = next((r for r in rows if r.kind == "A"), None)
    a_name = a_row.name if a_row else ""
    above = _above(grid, header.top)
    block = _unit_block_name(grid, header.top, above)
    form = _detect_form(header, above, a_name, block, registry)
    if "dossiers_on_time" not in header.columns:  # Phụ lục III: derived later, never read
        for row in rows:
            row.values.pop("dossiers_on_time")
            row.raw.pop("dossiers_on_time")
    submitter, source = a_name, "table"
    if _is_placeholder(a_name):
        named = block or _registry_name_above(above, FORM_TIERS[form][0], registry)
        if named:
            submitter, source = named, "unit_block"
        else:
            submitter, source = _file_name_unit(path, FORM_TIERS[form][0], registry), "file_name"
    return Table(form, sheet, header.columns, rows, submitter, source)


def read_table(path: Path, registry: Registry | None = None) -> Table:
    """The appendix table of a workbook: the first sheet, in order, that holds one.

    Raises NoTableError when no sheet has it; calamine's errors propagate for unreadable files.
    """
    path = Path(path)
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        table = None
        for meta in wb.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            grid = wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            table = read_grid(grid, meta.name, path, registry)
            if table is not None:
                if path.suffix.lower() in (".xlsx", ".xlsm"):
                    _fill_formula_counts(table, grid, path)
                break
    if table is None or not table.rows:
        raise NoTableError(path.name)
    _fix_percentages(table, path)
    return table
