"""Read a unit's appendix tables (Phụ lục I, II or III) from .xlsx, .xlsm, .xls or .ods.

A table is found by its header text wherever an official put it (another sheet, extra title lines, another
first column, an inserted column, reworded headers: the synonyms of config/ingest.yml), never by fixed
positions; every sheet holding one is read, and appendix sheets of the template left blank are listed. Cells
are read with python-calamine (values only, fast). What values alone do not show of an .xlsx (Excel error
values, which read as empty; hidden rows and columns; formulas stored without a value) comes from the sheet's
XML (_xlsx.py). openpyxl is opened only for an .xlsx holding a bare number ≤ 1 in a percentage column, to
learn from the cell's number format whether it is a fraction (0,985 shown as 98,5%).

A file whose extension lies (an HTML table or a CSV saved as .xls, an old .xls renamed .xlsx) is opened by
what its first bytes say it is (sniff.py). Counts computed by a formula that no program calculated are
evaluated (_formula.py); one that cannot be is reported with its formula. Whatever the reading itself finds
(a hidden row, an extra column, "2,145" read as 2.145) is kept as a Note on the table for the validator.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import python_calamine

from sketket import layout
from sketket.clean import Number, fold, format_int, nfc, parse_number
from sketket.config import load_yaml
from sketket.dimensions import FORM_TIERS, TIER_LABELS
from sketket.intake._xlsx import SheetFacts, evaluate_cells, sheet_facts
from sketket.intake.sniff import csv_grid, foreign_label, html_grids, sniff
from sketket.registry import Registry

SPREADSHEET_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls", ".ods")
_OOXML = (".xlsx", ".xlsm")

_CONFIG = load_yaml("ingest.yml")
# Header cell (folded) → canonical column: the synonyms of config/ingest.yml, first rule whose words all
# occur wins; a header naming a column the form does not have ("Số cán bộ …") is an extra column.
_HEADER_RULES: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (rule["column"], tuple(rule["words"])) for rule in _CONFIG["headers"])
_EXTRA_WORDS: tuple[str, ...] = tuple(_CONFIG["extra_headers"])
_STT_HEADERS = set(_CONFIG["stt_headers"])
EXTRA = "extra"
_NAME_ANCHORS = (" ten don vi ", " ten co quan ")
# a cell beginning so: "Tên xã, phường, thị trấn" heads the names; a title "… UBND các xã, phường, thị trấn"
# above the header does not
_NAME_STARTS = ("ten xa", "ten phuong", "xa phuong thi tran")
_NAME_CELLS = frozenset({"don vi", "co quan don vi"})  # the whole cell, no more (see _find_header)
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
    extra: dict[int, object] = field(default_factory=dict)  # 0-based column → cell, of the extra columns

    def has_figures(self) -> bool:
        return any(n.value is not None or not n.ok for n in self.values.values())


@dataclass
class Note:
    """A finding made while reading (a hidden row, an Excel error value, a formula not computed …):
    rule of rules.yml, the row, the A1 cell, the value, the message's fields."""

    rule: str
    row: Row | None
    cell: str
    value: object
    fields: dict[str, object]


@dataclass
class Table:
    """An appendix table as found in a workbook."""

    form: str
    sheet: str
    columns: dict[str, int]  # canonical column → 0-based sheet column
    rows: list[Row]
    submitter: str  # the reporting agency: row A's name, or inferred when row A holds the placeholder
    name_source: str  # "table" | "unit_block" (the CƠ QUAN, ĐƠN VỊ cell) | "file_name"
    notes: list[Note] = field(default_factory=list)  # what the reading itself found (validate reports them)
    extra_columns: dict[int, str] = field(default_factory=dict)  # 0-based column → header, not in the form
    block: str = ""  # the unit the "CƠ QUAN, ĐƠN VỊ" cell above the table names ("" when none)
    path: Path | None = None  # the file it came in (its name may name the unit)

    def named_around(self, tier: str, registry: Registry) -> list[str]:
        """The registry codes of the units the table's surroundings name in `tier`: the "CƠ QUAN, ĐƠN VỊ" cell
        and the file's name (looked up only when asked: the file name's word runs cost a registry search)."""
        names = [self.block, _file_name_unit(self.path, tier, registry) if self.path is not None else ""]
        return [m.code for n in names if n and (m := registry.match(n, tier, suggest=False)).matched]

    def note(self, rule: str, row: Row | None, col: str = "", value: object = "", cell: str = "",
             **fields: object) -> None:
        """A finding of the reading, at `cell` or at the row's cell in canonical column `col`."""
        self.notes.append(Note(rule, row, cell or (self.cell(row, col) if row is not None else ""),
                               value, fields))

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
    return _header_match(text)[0]


@lru_cache(maxsize=4096)
def _header_match(text: str) -> tuple[str | None, int]:
    """The canonical column a header cell names and the place of the rule that named it (ingest.yml, in order:
    an earlier rule is the form's own wording, "đúng hạn" before "trước hạn")."""
    key = fold(text)
    padded = f" {key} "
    if any(f" {w} " in padded for w in _EXTRA_WORDS):
        return EXTRA, -1
    for rank, (name, words) in enumerate(_HEADER_RULES):
        if all(f" {w} " in padded for w in words):
            return name, rank
    return None, -1


@lru_cache(maxsize=4096)
def _likeness(name: str, text: str) -> tuple[int, float]:
    """How close a header is to the form's own header of column `name`, higher is closer: first the fewest
    words the form's header does not have ("Quá hạn" has none, "Số hồ sơ quá hạn đã có văn bản xin lỗi" six),
    then the share of words in common (folded words)."""
    from difflib import SequenceMatcher

    form = fold(next((c.header for c in layout.columns("I") if c.name == name), "")).split()
    words = fold(text).split()
    foreign = sum(w not in form for w in words)
    return -foreign, SequenceMatcher(None, words, form).ratio() if form else 0.0


@dataclass
class _Header:
    top: int
    bottom: int  # last header row (0-based)
    columns: dict[str, int]
    extras: dict[int, str] = field(default_factory=dict)  # 0-based column → header the form does not have


def _find_header(grid: list[list[object]], hidden: frozenset[int] = frozenset()) -> _Header | None:
    """The table's header; cells of hidden columns (a helper an official hid) are not part of it."""
    for r, line in enumerate(grid):
        for c, value in enumerate(line):
            if isinstance(value, str) and value and _names_unit(value) and c not in hidden:
                # a bare "Đơn vị" may also be a label above the table ("Đơn vị: UBND …"): a header only when a
                # figure of the form is headed on its own row, as the name's header is
                if fold(value) in _NAME_CELLS and not any(
                        isinstance(v, str) and _header_name(v) in _FIGURE_SET for v in line):
                    continue
                header = _header_at(grid, r, c, hidden)
                if header is not None:
                    return header
    return None


_FIGURE_SET = frozenset(layout.FIGURES)


@lru_cache(maxsize=8192)
def _names_unit(text: str) -> bool:
    """A "Tên đơn vị" / "Tên cơ quan" / "Tên xã, phường, thị trấn" cell, or a bare "Đơn vị", where the header
    search starts (a header row must then name enough of the form's figures)."""
    key = fold(text)
    padded = f" {key} "
    return key in _NAME_CELLS or key.startswith(_NAME_STARTS) or any(a in padded for a in _NAME_ANCHORS)


def _header_at(grid: list[list[object]], top: int, name_col: int, hidden: frozenset[int] = frozenset()
               ) -> _Header | None:
    columns: dict[str, int] = {"unit_name": name_col}
    ranks: dict[str, tuple[int, int, str]] = {}  # column → (its header's rule, its row, its text)
    bottom = top
    bare_rates: list[int] = []
    extras: dict[int, tuple[int, str]] = {}
    texts: list[tuple[int, int, str]] = []  # header cells that name no column of the form
    for r in range(top, min(top + _HEADER_DEPTH, len(grid))):
        for c, value in enumerate(grid[r]):
            if c in hidden or not isinstance(value, str) or not value:
                continue
            name = _header_name(value)
            if name == EXTRA:
                extras.setdefault(c, (r, _nfc(value)))
            elif name and name not in columns:
                columns[name] = c
                ranks[name] = (_header_match(value)[1], r, _nfc(value))
                bottom = max(bottom, r)
            elif name and name != "unit_name" and columns[name] != c:
                # a second column naming a column of the form ("Số hồ sơ giải quyết trước hạn" beside "… đúng
                # hạn"): the one a rule names first is the form's, the other set aside and said, never dropped
                rank = _header_match(value)[1]
                # named by the same rule: the one worded like the form ("Số hồ sơ đang giải quyết quá hạn"
                # inserted left of "Tổng số hồ sơ TTHC quá hạn giải quyết" is not the form's overdue column)
                if rank < ranks[name][0] or (rank == ranks[name][0]
                                             and _likeness(name, value) > _likeness(name, ranks[name][2])):
                    extras.setdefault(columns[name], ranks[name][1:])
                    columns[name], ranks[name] = c, (rank, r, _nfc(value))
                    bottom = max(bottom, r)
                else:
                    extras.setdefault(c, (r, _nfc(value)))
            elif name is None and fold(value).startswith(("ty le", "ti le")):
                bare_rates.append(c)
            elif name is None:
                texts.append((r, c, value))
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
    # A column inserted by the unit: named by a header cell, in a column the form's headers do not use
    # (a group header spanning the form's columns starts over one of them), right of the name.
    used = set(columns.values()) | set(bare_rates)
    for r, c, text in texts:
        if r <= bottom and c > name_col and c not in used and not _STOP.search(fold(text)):
            extras.setdefault(c, (r, _nfc(text)))
    extra = {c: text for c, (r, text) in sorted(extras.items()) if r <= bottom + 1 and c not in used}
    return _Header(top, bottom, columns, extra)


_LABEL = re.compile(r"^\(?\s*(\d+|[a-zA-Z])\s*\)?\s*(?:[=*+/x-].*)?$")


def _column_label(value: object) -> str | None:
    """The number or letter of a column-number cell: 1, "1", "(1)", "(6)=(5)/(4)", "A" → "1", "6", "a"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() and 0 < value < 100 else None
    if isinstance(value, str) and len(value) <= 24:
        m = _LABEL.match(value.strip())
        if m:
            return m.group(1).lower()
    return None


_MEASURES = frozenset({"m2", "m²", "m 2", "thu tuc", "tthc", "ho so", "dich vu", "dvc", "%", "", "luot", "so",
                       "ty le", "ty le %", "don vi", "ngay", "thu", "buu pham"})


def _is_units_line(line: list[object], where: list[tuple[str, int | None]], name_cell: object) -> bool:
    """A line under the header giving each column's unit of measure ("ĐVT", "m2", "TTHC", "hồ sơ", "%"), or
    such words without "ĐVT": never a unit row (it was one with a "không phải số" error per cell)."""
    name = fold(name_cell) if isinstance(name_cell, str) else ""
    if name not in ("", "dvt", "don vi tinh"):
        return False
    cells = [line[i] for _, i in where if i is not None and i < len(line) and line[i] not in ("", None)]
    return len(cells) >= 3 and all(isinstance(v, str) and fold(v.strip("() ")) in _MEASURES for v in cells)


def _is_column_numbers(line: list[object], columns: dict[str, int]) -> bool:
    """A row that numbers the columns: "1, 2, 3 …", "(1), (2) … (6)=(5)/(4)" or "A, B, 1 …", as numbers
    or text: never a unit (a parenthesised number is not a negative count here)."""
    cells = [_cell(line, c) for c in sorted(columns.values())]
    cells = [c for c in cells if c != "" and c is not None]
    if len(cells) < 3:
        return False
    labels = [_column_label(c) for c in cells]
    if None in labels:
        return False
    numbers = [int(x) for x in labels if x.isdigit()]
    letters = [x for x in labels if not x.isdigit()]
    if letters and letters != ["a", "b"][:len(letters)]:
        return False
    return len(numbers) >= 2 and numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


_EMPTY = Number(None)
_new_tuple = tuple.__new__
_NO_FACTS = SheetFacts()


_TYPED_COMMAS: list[str] = []  # text cells with a comma seen since the last row (cleared by _read_rows)


def _float_noise(v: float) -> bool:
    """A whole number a formula's arithmetic left a trace on (3804.0000000001): Excel shows 3.804, and a unit
    told "3.804 là số lẻ" could not see what to correct."""
    return abs(v) < 1e15 and abs(v - round(v)) <= 1e-9 * max(1.0, abs(v))  # not ±inf, not past whole floats


def _number(value: object) -> Number:
    """parse_number of a figure cell, without its checks for the two commonest cells: empty and a float.
    Typed text with a comma is remembered, so that a row is looked at for "2,145" only when it has one."""
    if value == "" or value is None:
        return _EMPTY
    if type(value) is float and value == value:  # not NaN
        return Number(float(round(value)) if value % 1.0 and _float_noise(value) else value)
    if type(value) is str and "," in value:
        _TYPED_COMMAS.append(value)
    return parse_number(value)


def _nfc(value: object) -> str:
    return "" if value == "" else nfc(value)


def _cell(line: list[object], col: int) -> object:
    return line[col] if col < len(line) else ""


def _text(value: object) -> str:
    """A label cell as text: a whole number typed as a number (1.0 from the file) reads "1"."""
    if type(value) is str:  # the usual label: one call fewer, as this runs for two cells of every row
        return nfc(value) if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _nfc(value)


# -- rows ----------------------------------------------------------------------------------------------
def _kind(stt: str, name: str, has_figures: bool) -> str | None:
    k_stt = fold(stt)
    if has_figures and not _may_be_total(name):  # the usual unit row: its name is not folded here
        return "total" if k_stt in _TOTAL_KEYS else "A" if k_stt == "a" else "B" if k_stt == "b" else "unit"
    k_name = fold(name)
    if k_stt in _TOTAL_KEYS or k_name in _TOTAL_KEYS or (k_name.startswith("tong cong ")
                                                           and not k_name.startswith(_NOT_TOTAL)):
        return "total"
    if has_figures and not k_stt[:1].isdigit():  # a label typed without its letter: never a unit's name
        if _TOTAL_NAME.match(k_name) and not k_name.startswith(_NOT_TOTAL):
            return "total"
        if _SUBTOTAL_NAME.match(k_name):
            return "B"
    if k_stt == "a":
        return "A"
    if k_stt == "b":
        return "B"
    if not has_figures and (_ROMAN.match(k_stt) or k_name in _EXAMPLE_NAMES):
        return None  # a group heading ("I. Các phường"), or the template's "Chi cục A" left unfilled
    if (k_stt and k_name) or has_figures:
        return "unit"
    return None


# Labels of total and subtotal rows typed without their letter ("Tổng số toàn quận", "Cộng toàn quận", "Toàn
# quận"; "Cấp xã (14 phường)", the template's own row B label): read as such, never as a unit of that name.
# the label alone or followed by total wording: "Cống Vị", "Cộng Hòa", "Tòng Bạt" are communes
_TOTAL_NAME = re.compile(r"^(tong( so| cong)?|cong( tong)?)( toan\b| cac\b| ca\b|\s*[:(]|$)"
                         r"|^toan (quan|huyen|thi xa|so|nganh|don vi|thanh pho|tp)\b")
_NOT_TOTAL = ("tong cuc", "tong cong ty", "cong an", "cong ty", "cong doan")  # units whose name starts so
_SUBTOTAL_NAME = re.compile(r"^(cap xa|cap phuong|khoi xa|khoi phuong|cac xa|cac phuong|don vi cap 2|"
                            r"cac don vi (cap 2|truc thuoc)|dat tai cap huyen|cac chi cuc)\b")
# the first word of every total or subtotal label (_TOTAL_KEYS, "tong cong …", _TOTAL_NAME, _SUBTOTAL_NAME)
_TOTAL_HEADS = ("tong", "cong", "toan", "cap", "khoi", "cac", "don", "dat")
_HEAD = 10  # characters of a name folded to see its first word


def _may_be_total(name: str) -> bool:
    """Whether a name may fold to a total label, from its first few characters (folding is character by
    character: the first word of the folded head begins the folded name), so that a unit's whole name is
    not folded for it: every total label's first word is "tong" or "cong"."""
    word, space, _ = fold(name[:_HEAD]).partition(" ")
    if space or len(name) <= _HEAD:  # the first word ends within the head
        return word in _TOTAL_HEADS
    return any(head.startswith(word) for head in _TOTAL_HEADS)


def _read_rows(grid: list[list[object]], header: _Header, form_figures: tuple[str, ...],
               facts: SheetFacts = _NO_FACTS) -> tuple[list[Row], list[Note]]:
    """The rows below the header, and what reading them found (hidden rows, US thousands commas)."""
    cols = header.columns
    rows: list[Row] = []
    notes: list[Note] = []
    where = [(c, cols.get(c)) for c in form_figures]  # figure → sheet column (None: not in the table)
    name_col, stt_col = cols["unit_name"], cols.get("stt")
    errors = facts.errors  # an Excel error value reads as an empty cell: its code is put back
    for r in range(header.bottom + 1, len(grid)):
        line = grid[r]
        width = len(line)
        if _TYPED_COMMAS:  # left by a row that was not a table row
            _TYPED_COMMAS.clear()
        raw, values = {}, {}
        empty = True
        # each cell as read and as _number reads it, its two commonest cases inline: this runs for every cell
        for c, i in where:
            v = None if i is None else line[i] if i < width else ""
            if errors and i is not None and (r + 1, i + 1) in errors:
                v = errors[(r + 1, i + 1)]
            raw[c] = v
            if v == "" or v is None:
                values[c] = _EMPTY
            elif type(v) is float and v == v:
                if v % 1.0 and _float_noise(v):
                    v = float(round(v))
                values[c] = _new_tuple(Number, (v, False, True))  # Number(v), without its Python-level __new__
                empty = False
            else:
                values[c] = n = _number(v)
                empty = empty and n.value is None
        # footnotes or signatures: the table is over (a row with figures is never one: not looked at), unless
        # unit rows with figures follow before any total: then it was a line inside the table ("Ghi chú: các
        # phường dưới đây gửi bổ sung", a ward "chưa báo cáo, sẽ gửi sau ngày … tháng … năm"), read as any row
        if empty and _STOP.search(next((key for v in line if isinstance(v, str) and v and (key := fold(v))), "")) \
                and (any(row.kind == "total" for row in rows) or not _rows_follow(grid, r + 1, where, name_col, stt_col)):
            break
        name_cell = _cell(line, name_col)
        if empty and r <= header.bottom + 3 and _is_units_line(line, where, name_cell):
            continue
        # "(1) (2) … (6)=(5)/(4)" under the header; a name that cannot be a column's number is not looked at
        if (type(name_cell) is not str or len(name_cell) <= 2 or name_cell[0] == "(" or name_cell[0].isdigit()) \
                and _column_label(name_cell) is not None and _is_column_numbers(line, cols):
            continue
        has_figures = not empty or any(not n.ok for n in values.values())
        stt = _text(_cell(line, stt_col)) if stt_col is not None else ""
        name = _text(name_cell)
        if not stt and name:
            stt, name = _split_numbering(name)
        kind = _kind(stt, name, has_figures)
        if kind is None:
            continue
        if r + 1 in facts.hidden_rows:
            notes.append(Note("hidden_row", None, f"{column_letter(name_col)}{r + 1}", name or stt,
                              {"row": r + 1, "name": name or stt or "(trống)"}))
            continue
        note = _nfc(_cell(line, cols["note"])) if "note" in cols else ""
        extra = {c: v for c in header.extras if (v := _cell(line, c)) not in ("", None)} if header.extras else {}
        row = Row(kind, stt, name, r + 1, values, raw, note, extra)
        if _TYPED_COMMAS:  # typed text with a comma in this row: most files have none
            _TYPED_COMMAS.clear()
            _thousands_commas(row, where, notes)
        rows.append(row)
    _number_levels(rows, notes, name_col)
    _details(rows, notes, name_col)
    return rows, notes


def _rows_follow(grid: list[list[object]], start: int, where: list[tuple[str, int | None]], name_col: int,
                 stt_col: int | None) -> bool:
    """Whether a row below `start` names a unit (or numbers one) and holds figures (two at least: a phone
    number under a signature is one): the table goes on. A header met first is another table's."""
    for line in grid[start:]:
        if any(isinstance(v, str) and v and _names_unit(v) for v in line):
            return False
        named = _text(_cell(line, name_col)) or (stt_col is not None and _text(_cell(line, stt_col)))
        if named and sum(i is not None and i < len(line) and _number(line[i]).value is not None
                         for _, i in where) >= 2:
            return True
    return False


def _thousands_commas(row: Row, where: list[tuple[str, int | None]], notes: list[Note]) -> None:
    """"2,145" in a count column: an English thousands comma (2.145 dossiers), not 2,145 of a dossier."""
    for c, i in where:
        v = row.raw[c]
        if type(v) is str and c in _COUNT_COLUMNS and _US_THOUSANDS.match(v.strip()):
            row.values[c] = Number(float(v.strip().replace(",", "")))
            notes.append(Note("thousands_comma", row, f"{column_letter(i)}{row.excel_row}", v,
                              {"shown": v.strip(), "read": format_int(row.values[c].value),
                               "column": layout_label(c)}))


_COUNT_COLUMNS = frozenset(layout.COUNTS)
_US_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_LEADING_NUMBER = re.compile(r"^((?:X{0,2}(?:IX|IV|V?I{1,3})|V|X{2}|XX|\d+(?:\.\d+)*))\s*[.):/-]?\s+(?=\S)")


def _split_numbering(name: str) -> tuple[str, str]:
    """A number typed in the name cell when the serial column is empty: "II. Các đơn vị trực thuộc" →
    ("II", "Các đơn vị trực thuộc"), "1.1 Xã A" → ("1.1", "Xã A"). A lone "X." is the commune prefix."""
    m = _LEADING_NUMBER.match(name)
    if not m:
        return "", name
    return m.group(1), name[m.end():]


_WHOLE = re.compile(r"^\d+$")
_PART = re.compile(r"^(\d+)\.\d+$")


def _details(rows: list[Row], notes: list[Note], name_col: int) -> None:
    """Rows numbered 1.1, 1.2 right under a unit numbered 1 with figures: that unit's own details (a Chi cục's
    teams), already in its figures: kept out of the unit rows with a note, never added a second time."""
    parent: Row | None = None
    for row in rows:
        if row.kind != "unit":
            parent = None
            continue
        part = _PART.match(row.stt)
        if parent is not None and part and part.group(1) == parent.stt:
            row.kind = "detail"
            notes.append(Note("detail_row", row, f"{column_letter(name_col)}{row.excel_row}", row.name,
                              {"row": row.excel_row, "stt": row.stt, "name": row.name or "(trống)",
                               "parent_row": parent.excel_row, "parent": parent.name}))
            continue
        has_figures = any(n.value is not None for n in row.values.values())
        parent = row if _WHOLE.match(row.stt) and has_figures else None


def _number_levels(rows: list[Row], notes: list[Note], name_col: int) -> None:
    """Rows numbered I, II (then 1.1, 2.1 …) instead of A, B, 1, 2: the first first-level row with figures
    is the submitting agency (A), the second the sub-units' subtotal (B); any further one is a group
    subtotal, kept out of the unit rows with a note."""
    if any(r.kind == "A" for r in rows):
        return
    romans = [r for r in rows if r.kind == "unit" and _ROMAN.match(fold(r.stt))]
    for k, row in enumerate(romans):
        row.kind = "A" if k == 0 else "B" if k == 1 and not any(r.kind == "B" for r in rows) else "group"
        if row.kind == "group":  # kept out of the sums, and said so
            notes.append(Note("group_row", row, f"{column_letter(name_col)}{row.excel_row}", row.name, {"row": row.excel_row, "stt": row.stt,
                                                                "name": row.name or "(trống)"}))


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


def _fix_percentages(table: Table, package: Path | None) -> None:
    """Percentages stored as fractions (0,985 shown as 98,5%) become percent-of-100. `package`: the
    .xlsx whose number formats tell (None for other files)."""
    cells = _fraction_candidates(table)
    if not cells:
        return
    percent_cells = _xlsx_percent_cells(package, table, cells) if package is not None else None
    for row, col in cells:
        # a %-formatted cell is a fraction; any other as in a file without formats (.xls, .ods, text), so that
        # a workbook and its copies read the same
        fraction = (percent_cells is not None and table.cell(row, col) in percent_cells) or \
            _looks_like_fraction(table, row, col)
        if fraction:
            n = row.values[col]
            row.values[col] = Number(n.value * 100.0, is_percent=True)  # type: ignore[operator]


# -- the submitter and the form ------------------------------------------------------------------------
def _above(grid: list[list[object]], top: int) -> list[tuple[int, int, str]]:
    return [(r, c, text) for r in range(top) for c, v in enumerate(grid[r]) if v != "" and (text := nfc(v))]


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
    """The "Phụ lục" label or the title when the sheet has them, unless the registry knows row A's unit in the
    submitting tier of another form (_labelled_form); else III when there is no on-time column (the one
    column III does not have), then row A's placeholder, or the tier in which the registry knows the
    submitter. A label before the columns: a Phụ lục I whose on-time column is hidden or worded otherwise
    stays I."""
    labelled = _labelled_form(above)
    known = _known_form(a_name, registry)
    if labelled and known and known != labelled:  # "Phụ lục I" pasted on a district's table: the district's
        return known
    if labelled:
        return labelled
    if "dossiers_on_time" not in header.columns:
        return "III"
    for form, placeholder in layout.ROW_A.items():
        if fold(a_name) == fold(placeholder):
            return form
    for name in (a_name, block):
        if (form := _known_form(name, registry)):
            return form
    return "I"


def _labelled_form(above: list[tuple[int, int, str]]) -> str:
    """The form the sheet's "Phụ lục" label or title names ("" when none)."""
    texts = [fold(t) for _, _, t in above]
    for key in texts:
        m = _FORM_LABEL.match(key)
        if m:
            return {"1": "I", "2": "II", "3": "III"}.get(m.group(1), m.group(1).upper())
    for key in texts:
        for words, form in _FORM_TITLE:
            if words in key:
                return form
    return ""


def _known_form(name: str, registry: Registry | None) -> str:
    """The form whose submitting tier the registry knows `name` in ("" when none, or more than one)."""
    if registry is None or not name:
        return ""
    forms = [f for f in layout.FORMS if registry.match(name, FORM_TIERS[f][0], suggest=False).matched]
    return forms[0] if len(forms) == 1 else ""


def _fill_formula_counts(table: Table, grid: list[list[object]], facts: SheetFacts) -> None:
    """Counts of rows A and the numbered rows that an official computed with a formula no program
    calculated (on-time = received − overdue): evaluate them as Excel would; one this evaluator cannot
    compute is reported with its formula, and the rest of the file is read. Rates, row B and Tổng cộng
    stay as read: they are recomputed and checked from the counts, and evaluating them here would only
    repeat a unit row's mistake in a second finding."""
    empty: dict[tuple[int, int], tuple[Row, str]] = {}
    counts = [(col, table.columns[col] + 1) for col in table.figures() if col not in layout.PERCENTS]
    for row in table.rows:
        if row.kind in ("A", "unit"):
            raw = row.raw
            for col, at in counts:
                if raw[col] in ("", None):
                    empty[(row.excel_row, at)] = (row, col)
    if not empty:  # the common case: the sheet's formulas are not even looked for
        return
    wanted = {key: cell for key, cell in empty.items() if key in facts.uncached}
    values, failed = evaluate_cells(grid, facts.uncached, wanted)
    for key, value in values.items():
        if value is not None:
            row, col = wanted[key]
            row.raw[col] = value
            row.values[col] = _number(value)
    for key, formula in failed.items():
        row, col = wanted[key]
        table.note("formula_not_computed", row, col, f"={formula}", formula=f"={formula}",
                   column=layout_label(col))


def layout_label(column: str) -> str:
    """The printed header of a canonical column ("Tổng số hồ sơ TTHC đã nhận")."""
    return next(c.header for c in layout.columns("I") if c.name == column)


# -- entry points --------------------------------------------------------------------------------------
class ForeignFileError(Exception):
    """A file that is not what its extension says and cannot be read as a table: `label` says what it is
    ("trang web (HTML) đặt tên .xls")."""

    def __init__(self, kind: str, label: str):
        super().__init__(label)
        self.kind, self.label = kind, label


@dataclass
class Reading:
    """Every appendix table of a file, and the appendix sheets left blank (the template sent back whole)."""

    tables: list[Table]
    blank_sheets: list[str]


def read_grid(grid: list[list[object]], sheet: str, path: Path, registry: Registry | None = None,
              facts: SheetFacts = _NO_FACTS, header: _Header | None = None) -> Table | None:
    """The appendix table of one sheet given as rows of cell values (row 0 = Excel row 1), or None.
    `facts`: what the sheet's XML shows beside the values (hidden rows and columns, error values);
    `header`: the sheet's header when already found."""
    header = header or _find_header(grid)
    if header is None:
        return None
    kept_hidden: list[int] = []
    if facts.hidden_cols:
        hidden = frozenset(c - 1 for c in facts.hidden_cols)
        if hidden & (set(header.columns.values()) | set(header.extras)):
            visible = _find_header(grid, hidden)
            # a helper column an official hid beside the form's is left out, and a hidden on-time column (derived
            # from received − overdue, as for Phụ lục III); another column of the form hidden, none visible
            # standing for it, is still read, and said: its figures are the unit's
            if visible is not None and set(visible.columns) >= set(header.columns) - {"dossiers_on_time"}:
                header = visible
            else:
                kept_hidden = sorted(c for n, c in header.columns.items() if c in hidden and n in _FIGURE_SET)
    rows, notes = _read_rows(grid, header, layout.FIGURES, facts)
    for c in kept_hidden:
        name = next(n for n, i in header.columns.items() if i == c)
        notes.append(Note("hidden_column", None, f"{column_letter(c)}{header.bottom + 1}", layout_label(name),
                          {"letter": column_letter(c), "header": layout_label(name)}))
    a_row = next((r for r in rows if r.kind == "A"), None)
    above = _above(grid, header.top)
    block = _unit_block_name(grid, header.top, above)
    if a_row is None and rows and rows[0].kind == "unit":
        a_row = _unlettered_a(rows, header, above, block, registry, notes)
    a_name = a_row.name if a_row else ""
    form = _detect_form(header, above, a_name, block, registry)
    labelled = _labelled_form(above)
    if labelled and labelled != form:
        notes.append(Note("form_label_conflict", a_row, "", labelled, {
            "label": f"Phụ lục {labelled}", "form": f"Phụ lục {form}", "name": a_name,
            "tier": TIER_LABELS[FORM_TIERS[form][0]].lower()}))
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
    _unheaded_columns(grid, header, rows, frozenset(c - 1 for c in facts.hidden_cols))
    table = Table(form, sheet, header.columns, rows, submitter, source, notes, header.extras, block, path)
    _note_extra_columns(table, header.bottom + 1)
    return table


def _unlettered_a(rows: list[Row], header: _Header, above: list[str], block: str, registry: Registry | None,
                  notes: list[Note]) -> Row | None:
    """The submitting unit's row typed without its letter (STT empty, or "1" like its first sub-unit): the
    first row, when row B follows it or the registry knows its name in the form's submitting tier. Read as row
    A, with a note; otherwise its figures went to a sub-unit of its own name, unmatched."""
    first = rows[0]
    b_next = len(rows) > 1 and rows[1].kind == "B"
    if not b_next:
        if registry is None or not first.name:
            return None
        head, sub = FORM_TIERS[_detect_form(header, above, first.name, block, registry)]
        # "Thị trấn Đông Anh" matches Huyện Đông Anh once the type is dropped: a name the sub-units' tier
        # knows is a sub-unit's
        if not registry.match(first.name, head, suggest=False).matched \
                or registry.match_unique(first.name, sub, suggest=False).matched:
            return None
    first.kind = "A"
    notes.append(Note("row_a_unlettered", first, f"{column_letter(header.columns['unit_name'])}{first.excel_row}",
                      first.stt, {"row": first.excel_row, "name": first.name,
                       "stt": f'ghi "{first.stt}"' if first.stt else "để trống"}))
    return first


def _unheaded_columns(grid: list[list[object]], header: _Header, rows: list[Row],
                      hidden: frozenset[int] = frozenset()) -> None:
    """Cells a unit typed right of the table, under no header (figures after "Ghi chú"): set aside as a
    column of its own, so that they are said, never silently dropped. A hidden column is a helper the
    official hid (left out, as beside the form's columns)."""
    right = max([*header.columns.values(), *header.extras])
    found: set[int] = set()
    for row in rows:
        if row.kind not in ("A", "unit"):
            continue
        line = grid[row.excel_row - 1]
        for c in range(right + 1, len(line)):
            if line[c] not in ("", None) and c not in hidden:
                row.extra[c] = line[c]
                found.add(c)
    for c in sorted(found):
        header.extras[c] = UNHEADED


UNHEADED = "(không có tiêu đề)"


def _note_extra_columns(table: Table, header_row: int) -> None:
    """A column the unit inserted is kept aside: one finding per column, naming it and carrying its
    cells ("Chi cục Thú y: 5; …"), so that nothing it held is lost."""
    for c, header in table.extra_columns.items():
        cells = [f"{r.name or r.stt}: {_text(r.extra[c])}" for r in table.rows if c in r.extra]
        if cells:
            table.note("extra_column", None, value="; ".join(cells), cell=f"{column_letter(c)}{header_row}",
                       header=header, letter=column_letter(c), count=len(cells))


def read_tables(path: Path, registry: Registry | None = None,
                parts: Mapping[str, bytes] | None = None, content: bytes | None = None) -> Reading:
    """Every appendix table of a file (a workbook, or an HTML page/CSV under a spreadsheet's name).

    Raises NoTableError when no sheet has one, ForeignFileError for a file that is something else,
    python_calamine.PasswordError for a protected one; other reader errors propagate for damaged files.
    `parts`: the worksheet parts the screen inflated, when it did (see screen.screen); `content`: the file's
    bytes, when already read (the workbook is then opened from memory).
    """
    path = Path(path)
    tables: list[Table] = []
    blank: list[Table] = []
    packages: dict[str, Path | None] = {}  # sheet → the .xlsx that holds its number formats
    kind, sheets = _sheets(path, content)
    hidden: list[Table] = []
    for name, grid, ooxml, concealed in sheets:
        header = _find_header(grid)  # cheap: most sheets of a template file are told apart here
        if header is None:
            continue
        facts = sheet_facts(path, name, parts) if ooxml else _NO_FACTS
        table = read_grid(grid, name, path, registry, facts, header)
        if table is None:
            continue
        if ooxml:
            _fill_formula_counts(table, grid, facts)
        packages[name] = path if ooxml else None
        filled = any(r.has_figures() for r in table.rows)
        (hidden if concealed and filled else tables if filled else blank).append(table)
    # a hidden sheet holding a table (an old draft left in the workbook) is not read beside a visible one:
    # said on the visible table; read when the only table is hidden (the official hid the sheet he sent)
    shown_forms = {t.form for t in tables}
    for table in hidden:
        if table.form in shown_forms:
            visible = next(t for t in tables if t.form == table.form)
            visible.note("hidden_sheet", None, value=table.sheet, hidden=table.sheet, form=f"Phụ lục {table.form}",
                         shown=visible.sheet)
        else:
            tables.append(table)
    if not tables:  # only blank tables: the first is read, and reported as the unit's empty table
        tables, blank = blank[:1], blank[1:]
    if not tables or not tables[0].rows:
        if kind in ("html", "text"):  # a page or a text without the table: say what the file is
            raise ForeignFileError(kind, foreign_label(kind, path.suffix.lower()))
        raise NoTableError(path.name)
    for table in tables:
        _fix_percentages(table, packages[table.sheet])
    return Reading(tables, [t.sheet for t in blank])


def read_report_tables(grids: list[tuple[str, list[list[object]]]], path: Path,
                       registry: Registry | None = None) -> list[Table]:
    """The filled appendix tables among a report's tables (an appendix pasted into the Word report):
    source_sheet is the table's name ("Bảng 2")."""
    tables = []
    for name, grid in grids:
        table = read_grid(grid, name, path, registry)
        if table is not None and any(r.has_figures() for r in table.rows):
            _fix_percentages(table, None)
            tables.append(table)
    return tables


def read_table(path: Path, registry: Registry | None = None) -> Table:
    """The first filled appendix table of a workbook (see read_tables)."""
    return read_tables(path, registry).tables[0]


def _sheets(path: Path, content: bytes | None = None
            ) -> tuple[str, list[tuple[str, list[list[object]], bool, bool]]]:
    """What the file was read as ("" for a workbook opened by its extension, else the kind its first bytes
    show), and (sheet name, grid, whether it is an Office Open XML package, whether the sheet is hidden) of
    each worksheet. `content`: the file's bytes, when the caller has them."""
    ooxml = path.suffix.lower() in _OOXML
    try:
        wb = (python_calamine.CalamineWorkbook.from_path(str(path)) if content is None
              else python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)))
    except python_calamine.PasswordError:
        raise
    except Exception as exc:  # the extension lies, or the file is damaged
        kind = sniff(path)
        return kind, _sheets_by_content(path, kind, exc)
    with wb:
        return "", [(meta.name, wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False), ooxml,
                     meta.visible != python_calamine.SheetVisibleEnum.Visible)
                    for meta in wb.sheets_metadata if meta.typ == python_calamine.SheetTypeEnum.WorkSheet]


def _sheets_by_content(path: Path, kind: str, error: Exception
                       ) -> list[tuple[str, list[list[object]], bool, bool]]:
    suffix = path.suffix.lower()
    expected = {".xlsx": "ooxml", ".xlsm": "ooxml", ".xls": "ole", ".ods": "ods"}.get(suffix)
    if kind == expected:
        raise error  # what it claims to be, and damaged
    if kind in ("ooxml", "ole", "ods"):
        try:
            with open(path, "rb") as f, python_calamine.CalamineWorkbook.from_filelike(f) as wb:
                return [(m.name, wb.get_sheet_by_name(m.name).to_python(skip_empty_area=False), kind == "ooxml",
                         m.visible != python_calamine.SheetVisibleEnum.Visible)
                        for m in wb.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        except python_calamine.PasswordError:
            raise
        except Exception as exc:  # not a workbook either (a Word file renamed .xlsx)
            raise ForeignFileError(kind, foreign_label(kind, suffix)) from exc
    if kind == "html":
        return [(name, grid, False, False) for name, grid in html_grids(path.read_bytes())]
    if kind == "text":
        return [(name, grid, False, False) for name, grid in csv_grid(path.read_bytes())]
    raise ForeignFileError(kind, foreign_label(kind, suffix))
