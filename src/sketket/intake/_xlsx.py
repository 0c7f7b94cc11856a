"""Formulas that an .xlsx carries without a cached value.

Software other than Excel (openpyxl, some web exporters) writes formulas without the value Excel would
have stored beside them, and a values-only reader (calamine) then sees an empty cell. This finds those
formulas straight from the sheet's XML (no entity expansion: plain text search, the file was screened
before) and evaluates them, so that counts an official computed with a formula read as Excel would show them.
"""

from __future__ import annotations

import html
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

_SHEET = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"')
_REL_REVERSED = re.compile(r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
# A cell whose formula has text and is not followed by a value: <c r="H10" ...><f>H11-G10</f></c>
_UNCACHED = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*>([^<]+)</f>\s*(?:<v\s*/>|<v></v>)?\s*</c>')


def _column_index(letters: str) -> int:
    """Column letters → 1-based index, A → 1, AB → 28: openpyxl's column_index_from_string, without
    importing openpyxl for it."""
    if not 1 <= len(letters) <= 3:  # as openpyxl: A to ZZZ
        raise ValueError(f"{letters!r} is not a valid column name")
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index


def _sheet_map(workbook: str, rels_text: str) -> dict[str, str]:
    """Member → the name the workbook gives the worksheet stored there."""
    rels = dict(_REL.findall(rels_text)) or {i: t for t, i in _REL_REVERSED.findall(rels_text)}
    out: dict[str, str] = {}
    for name, rid in _SHEET.findall(workbook):
        if rid in rels:
            target = rels[rid]
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out.setdefault(member, html.unescape(name))
    return out


def _sheet_member(workbook_xml: bytes, rels_xml: bytes, sheet: str) -> str | None:
    members = _sheet_map(workbook_xml.decode("utf-8", "replace"), rels_xml.decode("utf-8", "replace"))
    return next((member for member, name in members.items() if name == sheet), None)


def _read_part(zf: zipfile.ZipFile, name: str, limit: int | None) -> str:
    with zf.open(name) as part:
        return part.read(-1 if limit is None else limit).decode("utf-8", "replace")


def sheet_names(zf: zipfile.ZipFile, limit: int | None = None) -> dict[str, str]:
    """Member → the name the workbook gives the worksheet stored there, reading at most `limit` bytes of
    each part it needs (for a package not screened yet)."""
    return _sheet_map(_read_part(zf, "xl/workbook.xml", limit), _read_part(zf, "xl/_rels/workbook.xml.rels", limit))


def uncached_formulas(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column), 1-based → formula text, for every formula of `sheet` stored without a value."""
    return sheet_facts(path, sheet).uncached


_PENDING = object()  # a formula being computed: met again, the reference is circular
_MAX_READS = 2_000_000  # cells the formulas of one sheet may read (a table of 1.000 rows reads ~10.000)


def evaluate_cells(grid: list[list[object]], formulas: dict[tuple[int, int], str],
                   cells: Iterable[tuple[int, int]]) -> tuple[dict[tuple[int, int], object], dict[tuple[int, int], str]]:
    """The computed value of each of `cells` (1-based (row, column) keys of `formulas`), reading other
    cells from `grid` (row 0 = Excel row 1), and apart the cells whose formula (or a formula it refers
    to) cannot be computed here. Formulas may refer to each other; each is evaluated once."""
    # imported here: the evaluator needs openpyxl, which an ingest then loads only for such rare files
    from sketket.intake._formula import Unsupported, evaluate

    done: dict[tuple[int, int], object] = {}
    extent = (max([len(grid), *(r for r, _ in formulas)]),
              max([0, *(len(row) for row in grid), *(c for _, c in formulas)]))
    reads = [0]

    def lookup(row: int, col: int) -> object:
        reads[0] += 1
        if reads[0] > _MAX_READS:  # ranges are cut to the sheet, but many formulas may each cover all of it
            raise Unsupported(f"more than {_MAX_READS} cells read by the formulas of one sheet")
        key = (row, col)
        if key in formulas:
            if key not in done:
                done[key] = _PENDING
                done[key] = evaluate(formulas[key], lookup, extent)
            if done[key] is _PENDING:  # Excel refuses a circular reference; so does this
                raise Unsupported("circular reference")
            return done[key]
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
            return grid[row - 1][col - 1]
        return None

    values: dict[tuple[int, int], object] = {}
    failed: dict[tuple[int, int], str] = {}
    for key in cells:
        if key not in formulas:
            continue
        try:
            values[key] = lookup(*key)
        except Unsupported:
            failed[key] = formulas[key]  # left pending: a formula that refers to it fails too
    return values, failed


# -- what values alone do not show ------------------------------------------------------------------------
@dataclass
class SheetFacts:
    """What calamine's values do not show of one .xlsx sheet: Excel error values (read as empty), hidden
    rows and hidden columns (1-based), and, looked for only when asked, formulas stored without a value."""

    raw: bytes = b""  # the sheet's XML, decoded only when something is looked for in it
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    _uncached: dict[tuple[int, int], str] | None = None

    @property
    def uncached(self) -> dict[tuple[int, int], str]:
        """(row, column) → formula text of every formula stored without a value."""
        if self._uncached is None:
            self._uncached = {} if b"<f" not in self.raw else {
                (int(row), _column_index(col)): html.unescape(formula)
                for col, row, formula in _UNCACHED.findall(self.raw.decode("utf-8", "replace"))}
        return self._uncached


_ERROR_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>(?:\s*<f\b[^>]*(?:/>|>[^<]*</f>))?'
                         r'\s*<v>([^<]*)</v>')
_ERROR_CELL_T_FIRST = re.compile(r'<c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)(\d+)"[^>]*>(?:\s*<f\b[^>]*(?:/>|>[^<]*</f>))?'
                                 r'\s*<v>([^<]*)</v>')
_HIDDEN_ROW = re.compile(r'<row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|<row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_HIDDEN_COL = re.compile(r'<col\b[^>]*>')
_ATTR = re.compile(r'\b(min|max|hidden)="([^"]*)"')


def sheet_facts(path: Path, sheet: str, parts: Mapping[str, bytes] | None = None) -> SheetFacts:
    """The SheetFacts of one sheet of an .xlsx/.xlsm (empty when the package cannot be read: calamine
    has read it already, so nothing is lost but these extras). `parts`: the worksheet parts the screen
    inflated (member → XML); a package with one worksheet is then not inflated again."""
    worksheets = [m for m in parts if m.startswith("xl/worksheets/")] if parts else []
    raw = parts[worksheets[0]] if parts and len(worksheets) == 1 else _sheet_xml(path, sheet)
    if raw is None:
        return SheetFacts()
    # the XML is searched as bytes first: most sheets have neither error values nor hidden rows
    errors, hidden = b't="e"' in raw, b"hidden=" in raw
    xml = raw.decode("utf-8", "replace") if errors or hidden else ""
    facts = SheetFacts(raw)
    if errors:
        for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
            for col, row, code in pattern.findall(xml):
                facts.errors[(int(row), _column_index(col))] = html.unescape(code)
    if hidden:
        for a, b in _HIDDEN_ROW.findall(xml):
            facts.hidden_rows.add(int(a or b))
        for tag in _HIDDEN_COL.findall(xml):
            attrs = dict(_ATTR.findall(tag))
            if attrs.get("hidden") in ("1", "true") and attrs.get("min", "").isdigit():
                lo = int(attrs["min"])
                hi = int(attrs["max"]) if attrs.get("max", "").isdigit() else lo
                facts.hidden_cols.update(range(lo, min(hi, lo + 1024) + 1))  # "to XFD" is not 16 384 columns
    return facts


_SHEET_NAME = b"xl/worksheets/sheet"


def _sheet_xml(path: Path, sheet: str) -> bytes | None:
    """The XML of one sheet, read from the package without zipfile (this runs for every .xlsx an ingest
    reads): a package with one worksheet is read from that member's local header alone; others through
    the central directory and the workbook's relationships."""
    try:
        data = path.read_bytes()
        if data.count(_SHEET_NAME) == 2:  # its local header and its central directory entry: one worksheet
            body = _single_member(data, data.find(_SHEET_NAME) - _LOCAL.size)
            if body is not None:
                return body
        members = _members(data)
        if members is None:
            with zipfile.ZipFile(path) as zf:
                member = _sheet_member(zf.read("xl/workbook.xml"), zf.read("xl/_rels/workbook.xml.rels"), sheet)
                return None if member is None else zf.read(member)
        sheets = [m for m in members if m.startswith("xl/worksheets/") and m.endswith(".xml")]
        if len(sheets) == 1:  # one worksheet: it is the one asked for
            member = sheets[0]
        else:
            member = _sheet_member(_inflate(data, members["xl/workbook.xml"]),
                                   _inflate(data, members["xl/_rels/workbook.xml.rels"]), sheet)
        if member is None or member not in members:
            return None
        return _inflate(data, members[member])
    except (KeyError, zipfile.BadZipFile, zlib.error, OSError, ValueError, struct.error):
        return None


_LOCAL_SIZES = struct.Struct("<4s2xHH8xLLHH")  # signature, flags, method, compressed and full sizes, lengths


def _single_member(data: bytes, at: int) -> bytes | None:
    """The data of the member whose local header is at `at`, when that header carries its sizes (None when
    they follow the data, as some writers do: the central directory then tells)."""
    if at < 0:
        return None
    sig, flags, method, csize, size, nlen, elen = _LOCAL_SIZES.unpack_from(data, at)
    if sig != b"PK\x03\x04" or flags & 0x69 or method not in (0, 8) or not csize:
        return None
    start = at + _LOCAL_SIZES.size + nlen + elen
    body = _inflate(data, (method, start, csize))
    return body if len(body) == size else None


_EOCD = struct.Struct("<4s4HLLH")
_CENTRAL = struct.Struct("<4s4xHH8xLLHHH8xL")
_LOCAL = struct.Struct("<4s22xHH")


def _members(data: bytes) -> dict[str, tuple[int, int, int]] | None:
    """Member name → (method, offset of its data, compressed size); None for anything but a plain archive."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - _EOCD.size - 0xFFFF))
    if eocd < 0:
        return None
    _, _, _, _, count, size, at, _ = _EOCD.unpack_from(data, eocd)
    if at + size > eocd:
        return None
    out = {}
    for _ in range(count):
        sig, flags, method, csize, _, nlen, elen, clen, offset = _CENTRAL.unpack_from(data, at)
        if sig != b"PK\x01\x02" or flags & 0x61 or method not in (0, 8):
            return None
        name = data[at + _CENTRAL.size:at + _CENTRAL.size + nlen].decode("utf-8" if flags & 0x800 else "cp437")
        at += _CENTRAL.size + nlen + elen + clen
        lsig, lnlen, lelen = _LOCAL.unpack_from(data, offset)
        if lsig != b"PK\x03\x04":
            return None
        out[name] = (method, offset + _LOCAL.size + lnlen + lelen, csize)
    return out


def _inflate(data: bytes, member: tuple[int, int, int]) -> bytes:
    method, start, size = member
    body = data[start:start + size]
    return body if method == 0 else zlib.decompress(body, -15)
