"""Checks a received file must pass before any parser sees it: size, password protection, XML that
declares entities (an "XML bomb"), parts that inflate past a limit (a "zip bomb"), and sheets whose declared
or real extent would make a reader allocate a huge grid. Only bytes are read and inflated (never more than
the limits allow); nothing is parsed into objects, nothing written."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from sketket.clean import format_int, format_number
from sketket.config import load_yaml

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1 << 12
_COUNT_STEP = 1 << 20  # inflating only to count: a megabyte at a time
_PROLOG_LIMIT = 1 << 23  # a prolog longer than this is itself suspect
_ROOT_PEEK = 64  # bytes read past the start of the root element, to name it
# Deflate cannot inflate more than 1.032 times its compressed size (a 258-byte match in two bits): a member
# whose compressed size times this stays within the budget cannot exceed it, and is not inflated here.
_DEFLATE_RATIO = 1032
# BIFF8 BOF of the workbook globals (record 0x0809, 16 bytes, version 0x0600, type 0x0005): FILEPASS
# (record 0x002F), when the workbook has a password, is the record right after it.
_XLS_BOF = bytes.fromhex("0908100000060500")
_FILEPASS = 0x002F
_MB = 2**20

Problem = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class Limits:
    """What one received file may inflate to and how large a sheet it may hold (config/ingest.yml, limits)."""

    member_bytes: int  # inflated size of one part of a zip package
    total_bytes: int  # inflated size of all its parts together
    rows: int  # a sheet's extent, declared or real
    columns: int
    cells: int  # rows × columns of that extent: readers allocate the whole grid

    @classmethod
    def from_config(cls, cfg: Mapping[str, float]) -> Limits:
        return cls(int(cfg["member_mb"] * _MB), int(cfg["inflated_mb"] * _MB), int(cfg["rows"]),
                   int(cfg["columns"]), int(cfg["cells"]))


@lru_cache(maxsize=1)
def default_limits() -> Limits:
    return Limits.from_config(load_yaml("ingest.yml")["limits"])


def screen(path: Path, max_bytes: float, limits: Limits | None = None,
           sheets: dict[str, bytes] | None = None, data: bytes | None = None) -> Problem | None:
    """The rule (and its message fields) a file breaks before it may be opened, or None. OSError (a file
    that cannot be read) propagates: the caller names it. `sheets`, when given, receives the worksheet parts
    of a zip package (member name → XML) as inflated here, so that the reader need not inflate them again.
    `data`: the file's first bytes as the caller read them (read_bounded), when it did."""
    limits = limits or default_limits()
    size = path.stat().st_size if data is None else len(data)
    if size > max_bytes:
        if data is not None:  # read only up to just past the limit: its real size
            size = max(size, path.stat().st_size)
        return "file_too_large", {"size": format_number(size / _MB, 1), "limit": format_number(max_bytes / _MB, 1)}
    if data is None:
        data = path.read_bytes()  # at most max_bytes; read once for every check below
    head = data[:8]
    if head == OLE_MAGIC:
        if _ole_encrypted(data):
            return "file_encrypted", {}
        try:
            return _xls_problem(data, limits)
        except (struct.error, ValueError, IndexError):
            if path.suffix.lower() == ".doc":  # an old Word report: LibreOffice's conversion tells whether it is sound
                return None
            return "file_corrupt", {"detail": "tệp Excel cũ (.xls) hỏng, không đọc được cấu trúc"}
    if head[:4] == ZIP_MAGIC:
        try:
            return _package_problem(path, data, limits, sheets)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
            return "file_corrupt", {"detail": "gói nén của tệp hỏng: tệp bị cắt ngắn hoặc ghi dở"}
    return None


def read_bounded(path: Path, max_bytes: float) -> bytes:
    """A file's bytes, reading no more than one byte past `max_bytes` (screen then refuses it): a file that
    grows while it is read costs no more memory than the limit."""
    with open(path, "rb") as f:
        return f.read(int(max_bytes) + 1)


def _ole_encrypted(data: bytes) -> bool:
    """An OLE2 file holding an encrypted OOXML package (what Excel or Word saves with a password), or a
    BIFF8 workbook whose globals start with FILEPASS."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return True
    at = data.find(_XLS_BOF)
    if at < 0:
        return False
    nxt = at + len(_XLS_BOF) + 12  # BOF data is 16 bytes: 4 read above, 12 more
    return int.from_bytes(data[nxt:nxt + 2], "little") == _FILEPASS


class _Member(NamedTuple):
    name: str
    bound: int  # the most it can inflate to
    chunks: Callable[[int], Iterator[bytes]]  # first step → its inflated bytes, steps growing to _CHUNK


def _package_problem(path: Path, data: bytes, limits: Limits,
                     sheets: dict[str, bytes] | None = None) -> Problem | None:
    """What is wrong with a zip package (.xlsx, .ods, .docx, .odt …) before it is opened: a member whose
    prolog declares a DTD, a member or the whole inflating past the limits, a sheet too large. `data` is the
    file's content: its central directory is read once and plain members are inflated straight from it;
    anything unusual goes through zipfile, so that its errors stay the same."""
    entries = _central_directory(data)
    if entries is None:  # the bytes already read, not the file again: the reader opens these bytes too
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _members_problem(_zipfile_members(zf), path, limits, sheets)
    return _members_problem(_plain_members(entries), path, limits, sheets)


def _plain_members(entries: list[tuple[str, int, int, bytes]]) -> Iterator[_Member]:
    for name, method, _, body in entries:
        if method == zipfile.ZIP_DEFLATED:
            yield _Member(name, len(body) * _DEFLATE_RATIO + _CHUNK, lambda step, b=body: _deflated(b, step))
        else:  # stored: exactly its bytes, whatever its header declares
            yield _Member(name, len(body), lambda step, b=body: _slices(b, step))


def _zipfile_members(zf: zipfile.ZipFile) -> Iterator[_Member]:
    for info in zf.infolist():
        ratio = {zipfile.ZIP_STORED: 1, zipfile.ZIP_DEFLATED: _DEFLATE_RATIO}.get(info.compress_type)
        bound = info.compress_size * ratio + _CHUNK if ratio else 1 << 62  # bzip2, lzma: no useful bound

        def chunks(step: int, info: zipfile.ZipInfo = info) -> Iterator[bytes]:
            with zf.open(info) as member:
                while block := member.read(step):
                    yield block
                    step = min(step * 2, _COUNT_STEP)

        yield _Member(info.filename, bound, chunks)


def _members_problem(members: Iterator[_Member], path: Path, limits: Limits,
                     sheets: dict[str, bytes] | None = None) -> Problem | None:
    total = 0  # inflated bytes counted so far
    estimated: list[_Member] = []  # members not inflated: within the limits whatever they hold
    for m in members:
        if m.name.endswith("/"):
            continue
        if _BINARY_SHEET.match(m.name):  # .xlsb: a reader would build its grids before anything measured them
            return "file_foreign", {"what": f"sổ Excel dạng nhị phân (.xlsb) đặt tên {path.suffix.lower()}"}
        plain = _PLAIN_PROLOG.match(next(m.chunks(_FIRST_STEP), b""))
        dtd, root = (False, plain.group(1)) if plain else _prolog(m.chunks(_FIRST_STEP))
        if dtd:
            return "unsafe_xml", {"member": m.name}
        kind, xml = _SHEET_ROOTS.get(root), None
        if kind is None and m.bound <= limits.member_bytes:
            estimated.append(m)
            continue
        if kind is None:
            size = _inflated_size(m, limits.member_bytes)
        else:  # a sheet is inflated whole (within the limit) to find its extent
            xml = _inflated(m, limits.member_bytes)
            size = limits.member_bytes + 1 if xml is None else len(xml)
        if size > limits.member_bytes:
            return _member_too_large(m, limits)
        total += size
        if total > limits.total_bytes:
            return _total_too_large(limits)
        if xml is not None:
            if sheets is not None:
                sheets[m.name] = xml
            problem = _extent_problem(kind, xml, limits)
            if problem is not None:
                sheet = problem[1]["sheet_name"] or _sheet_of(path, m.name, limits.member_bytes)
                return problem[0], {**problem[1], "sheet_name": sheet}
    # The bounds of the others may add up past the total: count the largest exactly until they do not.
    total += sum(m.bound for m in estimated)
    for m in sorted(estimated, key=lambda m: -m.bound):
        if total <= limits.total_bytes:
            break
        size = _inflated_size(m, limits.member_bytes)
        if size > limits.member_bytes:
            return _member_too_large(m, limits)
        total += size - m.bound
    return _total_too_large(limits) if total > limits.total_bytes else None


def _member_too_large(m: _Member, limits: Limits) -> Problem:
    return "inflated_too_large", {"member": m.name, "limit": format_int(limits.member_bytes / _MB)}


def _total_too_large(limits: Limits) -> Problem:
    return "inflated_total_too_large", {"limit": format_int(limits.total_bytes / _MB)}


def _slices(body: bytes, step: int) -> Iterator[bytes]:
    at = 0
    while at < len(body):
        yield body[at:at + step]
        at += step
        step = min(step * 2, _COUNT_STEP)


def _deflated(body: bytes, step: int) -> Iterator[bytes]:
    """A raw deflate stream inflated a little at a time, the steps doubling: the prolog is usually in the
    first few bytes, and a bomb is stopped by the caller after the first bytes past a limit."""
    inflater = zlib.decompressobj(-15)
    while True:
        out = inflater.decompress(body, step)
        body = inflater.unconsumed_tail
        if out:
            yield out
        elif not body:
            return  # the input is used up and nothing was left pending
        if inflater.eof:
            return
        step = min(step * 2, _COUNT_STEP)


def _inflated_size(m: _Member, limit: int) -> int:
    """How many bytes a member inflates to, counted up to just past `limit`."""
    size = 0
    for chunk in m.chunks(_COUNT_STEP):
        size += len(chunk)
        if size > limit:
            break
    return size


def _inflated(m: _Member, limit: int) -> bytes | None:
    """A member's bytes, or None when they are more than `limit` (reading stops just past it)."""
    parts, size = [], 0
    for chunk in m.chunks(_COUNT_STEP):
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _prolog(chunks: Iterator[bytes]) -> tuple[bool, bytes]:
    """Whether the prolog of a member (given as chunks of its bytes) declares a DTD, and the local name
    of its root element (b"" when it has none). Reading stops a few bytes into the root element (no DTD
    can follow it) or at the first byte that cannot start XML markup."""
    seen = b""
    at = 0
    verdict: bool | None = None
    for chunk in chunks:
        seen += chunk
        if verdict is None:
            verdict, at = _prolog_verdict(seen, at, final=False)
            if verdict or (verdict is None and len(seen) > _PROLOG_LIMIT):  # a prolog this long is suspect
                return True, b""
        if verdict is not None and len(seen) >= at + _ROOT_PEEK:
            break
    if verdict is None:
        verdict, at = _prolog_verdict(seen, at, final=True)
        if verdict:
            return True, b""
    root = _ROOT.match(seen, at)
    return False, root.group(1) if root else b""


# -- the extent of a sheet --------------------------------------------------------------------------------
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"  # an element's optional namespace prefix
_ATTRS = rb"((?:[^>\"']|\"[^\"]*\"|'[^']*')*)"  # attributes, quoted values may hold ">"
_ROOT = re.compile(rb"<" + _NAME + rb"([A-Za-z_][\w.-]*)")
_SHEET_ROOTS = {b"worksheet": "xlsx", b"document-content": "ods"}
_BINARY_SHEET = re.compile(r"(?i)xl/(worksheets/.*\.bin|workbook\.bin)$")
# The prolog Office and LibreOffice write (an XML declaration, then the root element): its root read in one
# match from the first bytes. Anything else before the root (a comment, a DOCTYPE, UTF-16) is walked by _prolog.
_PLAIN_PROLOG = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml[ \t\r\n][^<>]*\?>)?[ \t\r\n]*<" + _NAME
                           + rb"([A-Za-z_][\w.-]*)[ \t\r\n/>]")
_DIMENSION = re.compile(rb"<" + _NAME + rb"dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)")
_REF = re.compile(rb"([A-Za-z]{1,3})(\d+)$")
# Cells written as Excel and LibreOffice write them, reference first: when every cell of a part is, their
# references alone give its extent (fast). Any other cell element ("<c>", "<c s=.. r=..>", "<x:c ..>") sends
# the part to a reading of every row and cell in order. Element names that merely start with "c" are told
# apart from cells by the character after the "c".
_PLAIN_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,7})"')
_PLAIN_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})\d')
_NAMED_C = re.compile(rb"<c[\w.:-]")
_PREFIXED_NAMED_C = re.compile(rb":c[\w.:=-]")
_XLSX_TOKEN = re.compile(rb"<" + _NAME + rb"(row|c)(?=[\s/>])" + _ATTRS + rb">")
# an r attribute after a space, or glued to the quote closing the one before (calamine reads both)
_R_ATTR = re.compile(rb"(?<![^\s\"'])r\s*=\s*[\"']([A-Za-z]*)(\d*)[\"']")
_ANY_R = re.compile(rb"(?<![^\s\"'])r\s*=")  # an r attribute, however quoted
_ODS_TOKEN = re.compile(rb"<" + _NAME + rb"(table-row|table-cell|covered-table-cell|table)(?=[\s/>])" + _ATTRS + rb">")
_ODS_ROWS = re.compile(rb"number-rows-repeated\s*=\s*[\"']([^\"']*)")  # not a number: ValueError, a damaged file
_ODS_COLUMNS = re.compile(rb"number-columns-repeated\s*=\s*[\"']([^\"']*)")
_ODS_TABLE_NAME = re.compile(rb"(?:^|\s)" + _NAME + rb"name\s*=\s*[\"']([^\"']*)")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _extent_problem(kind: str, xml: bytes, limits: Limits) -> Problem | None:
    """A sheet whose declared (xlsx <dimension>) or real extent — the rows and columns spanned by the cells
    present — is past the limits. The sheet's name is filled in by the caller when empty."""
    if kind == "ods":
        if _ods_within(xml, limits):
            return None
        for name, rows, columns in _ods_extents(xml):
            problem = _too_large(name, rows, columns, limits, declared=False)
            if problem:
                return problem
        return None
    declared = _DIMENSION.search(xml)
    if declared:
        last = _REF.search(declared.group(1))
        if last:
            problem = _too_large("", int(last.group(2)), _column_number(last.group(1)), limits, declared=True)
            if problem:
                return problem
    if _xlsx_small(xml, limits):
        return None
    return _too_large("", *_xlsx_extent(xml), limits, declared=False)


# (a cell that breaks the shape, the extent all cells of the shape stay within): every cell written plainly
# ('<c r="B12"', reference first, capital letters) with a one-letter column and a row under 10.000, or with
# one or two letters and a row under 1.000. A real appendix is one or the other. A cell element is "<c"
# followed by anything but a name character ("<cols", "<cfRule" are other elements); one regular expression
# search looks for the first cell not of the shape (in C: a fast scan for "<c", then a check at each).
# A cell of the shape has no second r attribute (a reader places the cell at the last one it meets).
_OTHER_ATTRS = rb"(?:\s+(?!r\s*=)[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*/?>"
_SMALL_SHAPES = ((re.compile(rb'<c(?![\w.:-])(?! r="[A-Z][0-9]{1,4}"' + _OTHER_ATTRS + rb")"), (9999, 26)),
                 (re.compile(rb'<c(?![\w.:-])(?! r="[A-Z]{1,2}[0-9]{1,3}"' + _OTHER_ATTRS + rb")"), (999, 702)))


def _xlsx_small(xml: bytes, limits: Limits) -> bool:
    """Whether a worksheet part is certainly within the limits, from a fast scan or two: every cell written
    plainly and of a shape that stays within a small extent (see _SMALL_SHAPES); anything else (a cell
    with a namespace prefix, lower-case or quoted otherwise, a larger reference) is read in full."""
    if b":c" in xml:  # maybe a cell with a namespace prefix: read in full
        return False
    for off_shape, (rows, columns) in _SMALL_SHAPES:
        if (rows <= limits.rows and columns <= limits.columns and rows * columns <= limits.cells
                and off_shape.search(xml) is None):
            return True
    return False


def _too_large(sheet: str, rows: int, columns: int, limits: Limits, declared: bool) -> Problem | None:
    if rows <= limits.rows and columns <= limits.columns and rows * columns <= limits.cells:
        return None
    return "sheet_too_large", {
        "sheet_name": sheet, "what": "khai báo vùng dữ liệu" if declared else "có ô dữ liệu trải trên",
        "rows": format_int(rows), "columns": format_int(columns), "max_rows": format_int(limits.rows),
        "max_columns": format_int(limits.columns), "max_cells": format_int(limits.cells)}


def _xlsx_extent(xml: bytes) -> tuple[int, int]:
    """(last row, last column) of the cells of a worksheet part, as a reader places them."""
    rows = _PLAIN_ROW.findall(xml)
    if (xml.count(b"<c") - len(_NAMED_C.findall(xml)) == len(rows)
            and xml.count(b":c") == len(_PREFIXED_NAMED_C.findall(xml))
            # no second r attribute on a cell: as many as the cells and the rows that have one
            and len(_ANY_R.findall(xml)) == len(rows) + xml.count(b'<row r="')):
        columns = set(_PLAIN_COLUMN.findall(xml))
        return max(map(int, set(rows)), default=0), max(map(_column_number, columns), default=0)
    # Cells without a reference (or written otherwise): each takes the place after the one before it.
    row = col = last_row = last_col = 0
    for m in _XLSX_TOKEN.finditer(xml):
        refs = _R_ATTR.findall(m.group(2))  # a second r attribute: the farthest of them counts
        if m.group(1) == b"row":
            numbers = [int(n) for _, n in refs if n]
            row = max(numbers) if numbers else row + 1
            col = 0
            continue
        cell_row = row
        cells = [(_column_number(letters), int(n)) for letters, n in refs if letters and n]
        if cells:
            col, cell_row = max(c for c, _ in cells), max(r for _, r in cells)
        else:
            col += 1
        last_row, last_col = max(last_row, cell_row, row), max(last_col, col)
    return last_row, last_col


def _ods_within(xml: bytes, limits: Limits) -> bool:
    """Whether an OpenDocument content part is certainly within the limits, from counts alone: no table
    has more rows than there are row tags with their repeats, nor more columns than cell tags with theirs
    (a bound, found in a few fast passes)."""
    # closing tags written as LibreOffice writes them are not counted (a closing tag with another prefix
    # is, which only loosens the bound)
    # a repeat below 1 adds nothing (it cannot take back what another tag adds)
    rows = (xml.count(b"table-row") - xml.count(b"</table:table-row>")
            + sum(max(int(n), 1) - 1 for n in _ODS_ROWS.findall(xml)))
    columns = (xml.count(b"table-cell") - xml.count(b"</table:table-cell>")
               + sum(max(int(n), 1) - 1 for n in _ODS_COLUMNS.findall(xml)))
    return rows <= limits.rows and columns <= limits.columns and rows * columns <= limits.cells


def _ods_extents(xml: bytes) -> Iterator[tuple[str, int, int]]:
    """(name, last row, last column) of each table of an OpenDocument content part, counting repeated rows
    and cells; only cells with content extend it (LibreOffice repeats empty rows to the sheet's end)."""
    name, row, col, row_end, last_row, last_col = "", 0, 0, 0, 0, 0
    for m in _ODS_TOKEN.finditer(xml):
        tag, attrs = m.group(1), m.group(2)
        if tag == b"table":
            if last_row or last_col:
                yield name, last_row, last_col
            found = _ODS_TABLE_NAME.search(attrs)
            name = found.group(1).decode("utf-8", "replace") if found else ""
            row = col = row_end = last_row = last_col = 0
        elif tag == b"table-row":
            repeat = _ODS_ROWS.search(attrs)
            row_end = row + (max(int(repeat.group(1)), 1) if repeat else 1)  # below 1: never backwards
            row, col = row_end, 0
        else:
            repeat = _ODS_COLUMNS.search(attrs)
            col += max(int(repeat.group(1)), 1) if repeat else 1
            if b"value-type" in attrs or not attrs.endswith(b"/"):  # a cell with a value or text
                last_row, last_col = max(last_row, row_end), max(last_col, col)
    if last_row or last_col:
        yield name, last_row, last_col


def _sheet_of(path: Path, member: str, limit: int) -> str:
    """The name a workbook gives the worksheet stored in `member` (the member's name when none does)."""
    from sketket.intake._xlsx import sheet_names

    try:
        with zipfile.ZipFile(path) as zf:
            return sheet_names(zf, limit).get(member, member)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return member


# -- the extent of the sheets of an .xls (BIFF8 in an OLE2 compound file) -------------------------------
_CELL_RECORDS = frozenset({0x0203, 0x00FD, 0x0204, 0x027E, 0x0201, 0x0205, 0x0006, 0x00D6})  # one cell each
_MULTI_RECORDS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: a run of cells, the last column at the end
_BOF, _EOF, _DIMENSIONS, _BOUNDSHEET = 0x0809, 0x000A, 0x0200, 0x0085
_END_OF_CHAIN = 0xFFFFFFFE
_RECORD = struct.Struct("<HH")  # a BIFF record's type and size
_CELL = struct.Struct("<HHHH")  # … and, for a cell, its row and column
_NOT_ZERO = re.compile(rb"[^\x00]")


def _xls_problem(data: bytes, limits: Limits) -> Problem | None:
    """A worksheet of an .xls whose declared (DIMENSIONS) or real extent (its cell records) is past the
    limits: a reader builds the whole grid, and a 6 KB file with cells at A1 and IV65536 costs 1 GB."""
    stream = _ole_stream(data, ("Workbook", "Book"))
    if stream is None:
        return None  # not a workbook: the reader says so
    names = iter(_xls_sheet_names(stream))
    pos, depth, top, rows, columns, name = 0, 0, 0, 0, 0, ""
    header, cell, end = _RECORD.unpack_from, _CELL.unpack_from, len(stream) - 4
    while pos <= end:  # a record per cell: the commonest (a cell, 8 bytes read at once) is tested first
        if pos + 8 <= end + 4:
            rid, size, row, col = cell(stream, pos)
            if rid in _CELL_RECORDS and size >= 4:
                pos += 4 + size
                if row >= rows:
                    rows = row + 1
                if col >= columns:
                    columns = col + 1
                continue
        rid, size = header(stream, pos)
        if not rid and not size:  # zeros, as a stream is padded: 4 at a time, as the walk would step over them
            more = _NOT_ZERO.search(stream, pos)
            if more is None:
                break
            pos += max(4, (more.start() - pos) // 4 * 4)
            continue
        body = pos + 4
        pos = body + size
        if rid == _BOF:
            depth += 1
            if depth == 1:  # the globals, then each sheet in the order of their BOUNDSHEET records
                top += 1
                name, rows, columns = (next(names, "") if top > 1 else ""), 0, 0
        elif rid == _EOF:  # cells of a chart inside a sheet count for the sheet
            if depth == 1 and (rows or columns):
                problem = _too_large(name, rows, columns, limits, declared=False)
                if problem:
                    return problem
            depth = max(0, depth - 1)
        elif rid in _CELL_RECORDS and size >= 4:  # at the very end of the stream: read apart
            row, col = struct.unpack_from("<HH", stream, body)
            rows, columns = max(rows, row + 1), max(columns, col + 1)
        elif rid in _MULTI_RECORDS and size >= 6:
            row = struct.unpack_from("<H", stream, body)[0]
            last = struct.unpack_from("<H", stream, body + size - 2)[0]
            rows, columns = max(rows, row + 1), max(columns, last + 1)
        elif rid == _DIMENSIONS and size >= 14:
            _, last_row, _, last_col = struct.unpack_from("<IIHH", stream, body)
            problem = _too_large(name, last_row, last_col, limits, declared=True)
            if problem:
                return problem
    return None


def _xls_sheet_names(stream: bytes) -> list[str]:
    """The sheet names of the workbook globals (BOUNDSHEET records), in order."""
    names, pos = [], 0
    while pos + 4 <= len(stream):
        rid, size = struct.unpack_from("<HH", stream, pos)
        if rid == _BOUNDSHEET and size >= 8:
            length, flags = stream[pos + 10], stream[pos + 11]
            raw = stream[pos + 12:pos + 4 + size]
            names.append(raw[:2 * length].decode("utf-16-le", "replace") if flags & 1
                         else raw[:length].decode("latin-1"))
        elif rid == _EOF:
            break
        pos += 4 + size
    return names


def _ole_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """A stream of an OLE2 compound file by name (the first of `names` found), following its sector
    chain, or its mini-sector chain when it is small; None when there is none."""
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= shift <= 16 or not 2 <= mini_shift <= shift:
        raise ValueError("sector size")
    sector, mini = 1 << shift, 1 << mini_shift
    n_fat, first_dir, _, cutoff, first_minifat, _, first_difat, n_difat = struct.unpack_from("<8I", data, 0x2C)
    count = max(0, (len(data) - sector) // sector)

    def at(n: int) -> bytes:
        if n >= count:
            raise ValueError("sector out of file")
        return data[sector * (n + 1):sector * (n + 2)]

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    difat, seen = first_difat, 0
    while difat < count and seen < n_difat:  # more FAT sector numbers, beyond the header's 109
        block = at(difat)
        entries = struct.unpack(f"<{sector // 4}I", block)
        fat_sectors += entries[:-1]
        difat, seen = entries[-1], seen + 1
    fat_bytes = b"".join(at(n) for n in fat_sectors[:n_fat] if n < count)
    fat = struct.unpack(f"<{len(fat_bytes) // 4}I", fat_bytes)

    def chain(start: int, table: tuple[int, ...]) -> Iterator[int]:
        n, steps = start, 0
        while n != _END_OF_CHAIN and n < len(table) and steps <= len(table):  # a loop ends too
            yield n
            n, steps = table[n], steps + 1

    directory = b"".join(at(n) for n in chain(first_dir, fat))
    entries = [directory[i:i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        return None
    found = None
    for entry in entries:
        length = struct.unpack_from("<H", entry, 64)[0]
        if entry[66] == 2 and entry[:max(0, length - 2)].decode("utf-16-le", "replace") in names:
            found = entry
            break
    if found is None:
        return None
    start, size = struct.unpack_from("<II", found, 116)
    if size >= cutoff:
        return b"".join(at(n) for n in chain(start, fat))[:size]
    root_start = struct.unpack_from("<I", entries[0], 116)[0]
    ministream = b"".join(at(n) for n in chain(root_start, fat))
    minifat_bytes = b"".join(at(n) for n in chain(first_minifat, fat))
    minifat = struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes)
    return b"".join(ministream[n * mini:(n + 1) * mini] for n in chain(start, minifat))[:size]


# -- the prolog of an XML part -------------------------------------------------------------------------------
def _prolog_verdict(seen: bytes, at: int, final: bool) -> tuple[bool | None, int]:
    """Walk the prolog from `at`, skipping whitespace, processing instructions and comments. True at a
    `<!` declaration (DOCTYPE, ENTITY …), False at the root element or at non-XML bytes, None (with where
    to resume) when more bytes are needed."""
    if at == 0:
        if len(seen) < 2 and not final:
            return None, 0
        # Office and LibreOffice write UTF-8; a UTF-16 part is refused rather than scanned byte-wise,
        # where a declaration would hide between the zero bytes.
        if seen[:2] in _UTF16_STARTS:
            return True, 0
        if seen.startswith(_BOM):
            at = len(_BOM)
    while True:
        at = _SPACE.match(seen, at).end()
        rest = seen[at:at + 4]
        if len(rest) < 4 and not final:
            return None, at
        if not rest.startswith(b"<"):
            return False, at
        opener = next((o for o in _SKIPPED if rest.startswith(o)), None)
        if opener is not None:
            close = _SKIPPED[opener]
            end = seen.find(close, at + len(opener))
            if end < 0:
                return (None if not final else False), at
            at = end + len(close)
        else:
            return rest.startswith(b"<!"), at


def _central_directory(data: bytes) -> list[tuple[str, int, int, bytes]] | None:
    """(name, method, uncompressed size, compressed bytes) of every member, or None when the package
    is not a plain single-disk, non-zip64 archive whose headers agree (zipfile then decides)."""
    eocd = data.rfind(_EOCD_SIG, max(0, len(data) - _EOCD.size - 0xFFFF))
    if eocd < 0 or len(data) < eocd + _EOCD.size:
        return None
    _, disk, cd_disk, here, count, cd_size, cd_at, _ = _EOCD.unpack_from(data, eocd)
    if disk or cd_disk or here != count or cd_at + cd_size != eocd:
        return None
    entries = []
    pos = cd_at
    for _ in range(count):
        if len(data) < pos + _CENTRAL.size:
            return None
        sig, flags, method, csize, size, nlen, elen, clen, offset = _CENTRAL.unpack_from(data, pos)
        raw_name = data[pos + _CENTRAL.size:pos + _CENTRAL.size + nlen]
        pos += _CENTRAL.size + nlen + elen + clen
        if sig != _CENTRAL_SIG or flags & _ODD_FLAGS or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        body = _local_body(data, offset, raw_name, csize)
        if body is None:
            return None
        try:
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        entries.append((name, method, size, body))
    return entries if pos == eocd else None


def _local_body(data: bytes, at: int, raw_name: bytes, csize: int) -> bytes | None:
    """The compressed bytes of the member whose local header is at `at`, if that header names it."""
    if len(data) < at + _LOCAL_HEADER.size:
        return None
    signature, _, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, at)
    name_at = at + _LOCAL_HEADER.size
    if signature != ZIP_MAGIC or data[name_at:name_at + name_len] != raw_name:
        return None
    start = name_at + name_len + extra_len
    if len(data) < start + csize:
        return None
    return data[start:start + csize]


_LOCAL_HEADER = struct.Struct("<4s2sH18xHH")  # signature, version, flags, …, name and extra lengths
_CENTRAL = struct.Struct("<4s4xHH8xLLHHH8xL")  # signature, flags, method, sizes, lengths, offset
_CENTRAL_SIG = b"PK\x01\x02"
_EOCD = struct.Struct("<4s4HLLH")  # signature, disks, entry counts, directory size and offset, comment
_EOCD_SIG = b"PK\x05\x06"
_ODD_FLAGS = 0x61  # encrypted, compressed patched data, strong encryption
_BOM = b"\xef\xbb\xbf"
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_SPACE = re.compile(rb"[ \t\r\n]*")
_FIRST_STEP = 256
_SKIPPED = {b"<?": b"?>", b"<!--": b"-->"}  # prolog markup that may come before a DOCTYPE
