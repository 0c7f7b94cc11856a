"""Reading the counters' software exports (phần mềm một cửa điện tử): which files are dossier logs, where their
header is, which column is which, and which unit each file or row belongs to (DESIGN.md, "Dossier logs").

Only the first lines of a file are read here, in Python. The rows themselves are read by DuckDB, as text
(`raw_sql`): a 10-million-row history is never loaded into Python objects. An .xlsx export is read with
calamine (after screening) into a text table, which DuckDB scans like a CSV.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from sketket.clean import fold, format_int, format_number, nfc
from sketket.config import load_yaml
from sketket.intake.walk import walk

CANONICAL = ("dossier_code", "procedure_code", "procedure_name", "unit_name", "channel", "received_at", "due_at",
             "finished_at", "returned_at", "return_channel", "status")
SUFFIXES = (".csv", ".xlsx", ".xlsm")
_HEAD_LINES = 30  # a header further down than this is not looked for
_HEAD_BYTES = 256 * 2**10  # nor further than this: a file of one endless line is never read whole into memory
_MAX_XLSX_BYTES = 200 * 2**20


SETTINGS = "dossier_settings"  # the catalog's record beside the dossier datasets: the settings they were counted with


@cache
def config(path: str | Path | None = None) -> dict[str, Any]:
    """config/dossiers.yml, or a user's file replacing it."""
    return load_yaml(Path(path) if path else "dossiers.yml")


def record_settings(out_dir: Path, config_path: str | Path | None) -> None:
    """Keep a user's dossiers.yml beside the datasets counted with it (none: the package's was used), so that
    whatever words or judges those figures later (packs, draft, return lists, notebook) uses the same
    thresholds and texts as the counting, whichever config the reader itself was started with."""
    from sketket.catalog import Catalog

    target = Catalog(Path(out_dir)).record(SETTINGS)
    if config_path is None:
        target.unlink(missing_ok=True)
        return
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(Path(config_path).read_bytes())
    tmp.replace(target)


def settings_of(processed_dir: str | Path) -> dict[str, Any]:
    """The dossiers.yml a processed folder's dossier datasets were counted with (record_settings)."""
    from sketket.catalog import Catalog

    recorded = Catalog(Path(processed_dir)).record(SETTINGS)
    # read each time, not cached by its path: the next count writes other settings there
    return load_yaml(recorded) if recorded.is_file() else config()


def _key(text: object) -> str:
    """Header and value comparison key: folded, punctuation as spaces, spaces collapsed."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(nfc(text))).split())


@cache
def _keys(names: tuple[str, ...]) -> tuple[str, ...]:
    """`_key` of each configured name, once a run (the header is looked for in every line of every file head)."""
    return tuple(_key(n) for n in names)


def header_map(cells: list[str], synonyms: dict[str, list[str]], not_headers: Iterable[str] = ()) -> dict[str, int]:
    """Canonical column → index of the first cell naming it (exact key match first, then a cell that starts
    with a synonym, e.g. "Ngày hẹn trả (dd/mm/yyyy)", unless it starts with one of `not_headers`)."""
    blocked = _keys(tuple(not_headers))
    keys = [_key(c) for c in cells]
    keys = [k if not (blocked and k.startswith(blocked)) else "" for k in keys]
    found: dict[str, int] = {}
    for exact in (True, False):
        for canon, names in synonyms.items():
            if canon in found:
                continue
            wanted = _keys(tuple(names))
            for i, k in enumerate(keys):
                if not k or i in found.values():
                    continue
                if (k in wanted) if exact else any(k.startswith(w + " ") for w in wanted):
                    found[canon] = i
                    break
    return found


@dataclass
class Export:
    """One file of the logs folder and what was made of it."""

    path: Path
    rel: str
    kind: str = ""  # log | procedures | rejected | skipped
    reason: str = ""
    header_line: int = 0  # 1-based line (CSV) or row (sheet) of the header
    # CSV: the rows DuckDB's read_csv must skip to reach the first data row. It counts a quoted cell spanning
    # lines as one row, except at the very start of a file with a BOM, where it does not see the quote.
    skip_rows: int = 0
    delimiter: str = ","
    n_columns: int = 0
    columns: dict[str, int] = field(default_factory=dict)
    # the header's cells as written: a row whose cell over the dates of receipt holds one of them is the
    # header repeated (two exports pasted into one file, or a page break of an Excel export), no dossier
    header_cells: tuple[str, ...] = ()
    unit_hint: str = ""  # the units named by the title lines, the sheet, the file name, "\x1f" between them
    unit_titles: list[str] = field(default_factory=list)  # what its own title lines name (_title_unit)
    unit_declared: str = ""  # the unit a "Đơn vị: …" line declares, when one does
    sheet: str = ""
    rows: list[list[str]] | None = None  # .xlsx: the data rows as text (the header excluded)
    # .xlsx: the other worksheets holding a header (a log split by year), each read as an export of its own
    more_sheets: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    hidden_sheets: tuple[str, ...] = ()  # .xlsx: the worksheets read that Excel does not show
    header_rows: tuple[tuple[str, ...], ...] = ()  # the header's row(s) as written, cell by cell


# a CSV's delimiters, in the order that decides a tie (a text copied out of Excel has tabs)
_DELIMITERS = (";", ",", "\t")


def _not_utf8_kind(path: Path) -> str:
    """Why a .csv is not UTF-8 text (file_reasons in dossiers.yml): a workbook renamed .csv (an .xls file's
    OLE header, an .xlsx file's zip header), a CSV saved as "Unicode" text by Excel (UTF-16), or another
    encoding."""
    try:
        with open(path, "rb") as f:
            start = f.read(8)
    except OSError:
        return "not_utf8"
    if start.startswith((b"\xd0\xcf\x11\xe0", b"PK\x03\x04")):
        return "workbook_named_csv"
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf16"
    return "not_utf8"


def _csv_head(path: Path, cfg: dict[str, Any]) -> tuple[list[list[str]], str, list[int], bool]:
    """The first lines of a CSV as cells (at most _HEAD_LINES lines within _HEAD_BYTES bytes), its delimiter
    (comma, semicolon or tab, the one that splits a line into a header: the more columns named, the better; a
    procedure name full of commas in a semicolon file does not decide; else the one a line has most of), and
    the line on which each of those rows ends (a title cell may span lines), and whether the file opens with a
    BOM then a quote (DuckDB then reads the first row's lines as rows of their own)."""
    with open(path, "rb") as f:
        raw = f.read(_HEAD_BYTES)
    bom_quote = raw.startswith(codecs.BOM_UTF8 + b'"')
    cut = len(raw) == _HEAD_BYTES
    text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=not cut)  # a character cut is not an error
    lines = list(io.StringIO(text, newline=""))
    if cut and lines and not lines[-1].endswith(("\n", "\r")):
        lines.pop()  # the line the bound cut
    lines = lines[:_HEAD_LINES]
    # a delimiter the lines do not hold cannot split them (and reading the head once more per file is not free)
    parsed = {d: _split(lines, d) for d in _DELIMITERS if any(d in line for line in lines)} or {",": _split(lines, ",")}

    def fit(d: str) -> tuple[int, int]:
        found = _find_header(parsed[d], cfg)
        return (len(found.columns) if found.kind else 0), max((line.count(d) for line in lines), default=0)

    best = max(parsed, key=fit)
    return parsed[best], best, _row_ends(lines, best), bom_quote


def _split(lines: list[str], delimiter: str) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        rows.extend(csv.reader(io.StringIO("".join(lines), newline=""), delimiter=delimiter))
    except csv.Error:  # a field beyond the csv module's limit: the head ends above it (DuckDB reads that line)
        pass
    return rows


def _row_ends(lines: list[str], delimiter: str) -> list[int]:
    """The line (1-based) on which each row of `_split(lines, delimiter)` ends."""
    reader = csv.reader(iter(lines), delimiter=delimiter)
    ends: list[int] = []
    try:
        for _ in reader:
            ends.append(reader.line_num)
    except csv.Error:
        pass
    return ends


def line_count(path: Path) -> int:
    """The lines of a file as a text editor counts them: its line breaks (LF, CRLF, or a CR alone), and a last
    line without one."""
    n, last = 0, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):
            n += chunk.count(b"\n")
            cr = chunk.count(b"\r")
            if cr:  # a CR alone is a line break; one before an LF is the same break as the LF
                n += cr - chunk.count(b"\r\n") - (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return n + (last not in (b"", b"\n", b"\r"))


def record_lines(ex: Export, max_line_bytes: int) -> array[int] | None:
    """The line (1-based, the header's lines counted) on which each row DuckDB reads from a CSV export starts:
    a quoted cell may span lines, and a blank line, which DuckDB skips, is no row. None when the csv module
    cannot read the file through (a cell over its field limit): the caller keeps one line per row."""
    starts = array("q")  # 8 bytes a row, not a Python int's 28
    # a cell as long as DuckDB reads one (limits.max_line_bytes), not only the csv module's 128 KiB
    limit = csv.field_size_limit(max(csv.field_size_limit(), max_line_bytes))
    try:
        return _record_lines(ex, starts)
    finally:
        csv.field_size_limit(limit)


def _record_lines(ex: Export, starts: array[int]) -> array[int] | None:
    with open(ex.path, encoding="utf-8-sig", newline="") as f:
        for _ in range(ex.header_line):  # the header's lines (source_row counts lines)
            f.readline()
        reader = csv.reader(f, delimiter=ex.delimiter)
        line = ex.header_line
        try:
            for row in reader:
                if row:
                    starts.append(line + 1)
                line = ex.header_line + reader.line_num
        except (csv.Error, UnicodeDecodeError):
            return None
    return starts


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold: dates as ISO, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return nfc(str(value)).strip()


class Header(NamedTuple):
    """A header found in a file's first rows: "log" or "procedures" (kind "" when none), the 0-based row the
    data follow, its column map, the row it starts on (the row above for a header written on two rows), and
    its cells' texts (both rows', and the two read together)."""

    kind: str
    at: int
    columns: dict[str, int]
    top: int
    cells: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()  # the header's row(s) as written, cell by cell


def _find_header(rows: list[list[str]], cfg: dict[str, Any]) -> Header:
    """The header of a log or a procedures table among the first rows: one row naming the required columns,
    else two rows read together, as a header with merged cells is written ("Ngày" over "Tiếp nhận", "Hẹn trả"…:
    "Ngày tiếp nhận", "Ngày hẹn trả")."""
    required = set(cfg["required"])
    procs = cfg["procedures_table"]["headers"]
    not_headers = cfg.get("not_headers", ())
    head = [[str(c) for c in row] for row in rows[:_HEAD_LINES]]

    def two(i: int) -> Header | None:
        if i + 1 >= len(head) or any(_DATE_LIKE.match(c.strip()) for c in head[i + 1]):
            return None  # the row below is the first dossier
        cells = _two_rows(head[i], head[i + 1], cfg)
        mapped = header_map(cells, cfg["headers"], not_headers)
        if not required <= set(mapped):
            return None
        return _numbered(Header("log", i + 1, mapped, i, _texts(head[i] + head[i + 1] + cells),
                                (tuple(head[i]), tuple(head[i + 1]))), head)

    named: list[int] = []  # how many columns each row names alone
    for i, cells in enumerate(head):
        mapped = header_map(cells, cfg["headers"], not_headers)
        named.append(len(mapped))
        if required <= set(mapped):
            # sub-headers below a complete row ("Thủ tục" over "Mã TTHC", "Tên TTHC") make it a header on two
            # rows when they name more columns together
            both = two(i)
            if both is not None and len(both.columns) > len(mapped) and _sub_headers(head[i], head[i + 1], cfg):
                return both
            return _numbered(Header("log", i, mapped, i, _texts(cells), (tuple(cells),)), head)
        pmap = header_map(cells, procs)
        if "days" in pmap and ({"procedure_code", "procedure_name"} & set(pmap)):
            return Header("procedures", i, pmap, i, _texts(cells))
    # a header on two rows names some column in its first row ("Mã hồ sơ" merged down): only those are tried
    # (reading every pair of a file's first lines, for each delimiter, cost a second a hundred files)
    for i in range(len(head) - 1):
        found = two(i) if named[i] else None
        if found is not None:
            return found
    return Header("", -1, {}, -1, ())


_DATE_LIKE = re.compile(r"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}")
_COLUMN_NUMBER = re.compile(r"^[(\[]?[0-9]{1,2}[)\]]?$")


def _sub_headers(top: list[str], bottom: list[str], cfg: dict[str, Any]) -> bool:
    """Whether every cell of `bottom` is a header's text exactly, alone or with the group above it: the row
    below a complete header is then its second row, never a dossier ("Mã hồ sơ HS-1" starts like a header)."""
    wanted = {k for names in cfg["headers"].values() for k in _keys(tuple(names))}
    group = ""
    for upper, lower in zip([*top, *[""] * len(bottom)], bottom, strict=False):
        upper, lower = upper.strip(), lower.strip()
        group = upper or group
        if lower and not {_key(lower), _key(f"{lower} {group}"), _key(f"{group} {lower}")} & wanted:
            return False
    return True


def _numbered(found: Header, head: list[list[str]]) -> Header:
    """The header with the row of column numbers an official form prints under it ("(1)", "(2)" … or 1, 2 …),
    part of the header rather than a dossier."""
    below = head[found.at + 1] if found.at + 1 < len(head) else []
    numbers = [c.strip() for c in below if c.strip()]
    if len(numbers) >= 3 and all(_COLUMN_NUMBER.match(c) for c in numbers):
        digits = [int(re.sub(r"[^0-9]", "", c)) for c in numbers]
        if digits == list(range(digits[0], digits[0] + len(digits))):
            return found._replace(at=found.at + 1)
    return found


def _texts(cells: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in (v.strip() for v in cells) if c))


def _two_rows(top: list[str], bottom: list[str], cfg: dict[str, Any]) -> list[str]:
    """A header written on two rows as one: under a group cell (merged across the columns below it, so written
    once, in its first column) each cell below is read with the group's text before it, unless it names a
    column alone; a cell merged down the two rows is its top text."""
    width = max(len(top), len(bottom))
    top, bottom = top + [""] * (width - len(top)), bottom + [""] * (width - len(bottom))
    out, group = [], ""
    not_headers = cfg.get("not_headers", ())
    for upper, lower in zip((c.strip() for c in top), (c.strip() for c in bottom), strict=True):
        if upper:
            group = upper if lower else ""  # a group has cells below it; a cell merged down has none
        if not lower:
            out.append(upper)
            continue
        # the cell alone, then after the group ("Mã" under "Thủ tục hành chính": "Mã thủ tục hành chính"), then
        # the group first ("Tiếp nhận" under "Ngày": "Ngày tiếp nhận")
        tried = [lower, f"{lower} {group}", f"{group} {lower}"] if group else [lower]
        out.append(next((t for t in tried if header_map([t], cfg["headers"], not_headers)), tried[-1]))
    return out


def _title_unit(rows: list[list[str]], cfg: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Names the title lines above the header give for the unit: those declared ("Đơn vị: UBND phường X"), and
    every name — the declared first, then any non-empty title line as it stands, then each cell of a line of
    several (an official heading puts the unit and the national motto on one row, in two cells)."""
    prefixed, plain, cells = [], [], []
    skip = tuple(cfg["not_unit_lines"])
    for row in rows:
        # a cell addressing another body or giving a place ("Kính gửi: UBND quận Ba Đình") is left out with the
        # cells after it in its row ("Kính gửi:" | "UBND quận Ba Đình"); the unit's own cell stands before it
        parts = []
        for c in row:
            if (p := str(c).strip()) and _key(p).startswith(skip):
                break
            if p:
                parts.append(p)
        text = " ".join(parts)
        if not text:
            continue
        declared = _declared(text, cfg)
        if declared is not None:
            prefixed.append(declared)
            continue
        plain.append(text)
        if len(parts) > 1:
            cells += parts
    return prefixed, prefixed + plain + cells


def _declared(text: str, cfg: dict[str, Any]) -> str | None:
    """The unit a line declares ("Đơn vị: UBND phường X", "Cơ quan: …": the prefix itself before the colon;
    "Đơn vị nhận báo cáo: …" is another body), None when it declares none."""
    head, colon, rest = text.partition(":")
    return rest.strip() if colon and _key(head) in cfg["unit_title_prefixes"] else None


def _stem_name(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip()


def inspect(path: Path, rel: str, cfg: dict[str, Any]) -> Export:
    """What a file is: a dossier log (its header, columns and unit hints), a procedures table, or neither."""
    ex = Export(path, rel)
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:  # bytes of another encoding in the name (a zip made on Windows, unpacked here)
        ex.rel = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        ex.kind, ex.reason = "rejected", cfg["file_reasons"]["name_not_utf8"]
        return ex
    suffix = path.suffix.lower()
    if suffix == ".csv" and any(ch in rel for ch in "*?[{"):
        ex.kind, ex.reason = "rejected", cfg["file_reasons"]["name_pattern"]
        return ex
    if suffix not in SUFFIXES:
        ex.kind, ex.reason = "skipped", f"không phải tệp xuất của phần mềm một cửa (.csv, .xlsx): {path.suffix or 'không có đuôi'}"
        return ex
    if path.name.startswith(("~$", ".")):
        ex.kind, ex.reason = "skipped", "tệp tạm hoặc tệp ẩn"
        return ex
    try:
        ends: list[int] | None = None
        bom_quote = False
        if suffix == ".csv":
            head, ex.delimiter, ends, bom_quote = _csv_head(path, cfg)
        else:
            head = _xlsx_rows(path, ex, cfg)
    except UnicodeDecodeError as exc:
        kind = _not_utf8_kind(path)
        before = bytes(exc.object[:exc.start])
        if kind == "not_utf8" and any(b >= 0x80 for b in before):
            # UTF-8 text up to one bad byte (a line pasted from elsewhere): that line, not the file's encoding
            line = len(re.split(rb"\r\n|\r|\n", before))
            ex.kind, ex.reason = "rejected", cfg["file_reasons"]["not_utf8_line"].format(line=format_int(line))
        else:
            ex.kind, ex.reason = "rejected", cfg["file_reasons"][kind]
        return ex
    except OSError:  # no permission to read, or gone since it was listed
        ex.kind, ex.reason = "rejected", cfg["file_reasons"]["unopenable"]
        return ex
    except _Rejected as exc:
        ex.kind, ex.reason = "rejected", str(exc)
        return ex
    return _classify(ex, head, cfg, ends, bom_quote)


def _classify(ex: Export, head: list[list[str]], cfg: dict[str, Any], ends: list[int] | None = None,
              bom_quote: bool = False) -> Export:
    """`ex` as a log or a procedures table from its first rows (`head`; for a CSV, `ends`: the line each row
    ends on), or rejected when no header is found."""
    path = ex.path
    found = _find_header(head, cfg)
    kind, at, mapped = found.kind, found.at, found.columns
    if not kind:
        ex.kind = "rejected"
        wanted = ", ".join(f"\"{cfg['headers'][c][0]}\"" for c in cfg["required"])
        ex.reason = f"không tìm thấy dòng tiêu đề của sổ theo dõi hồ sơ (cần các cột {wanted}) trong {_HEAD_LINES} dòng đầu"
        return ex
    if kind == "procedures" and ex.rows is None and path.stat().st_size > int(cfg["limits"]["procedures_table_bytes"]):
        # a procedures table is read whole by Python (a few thousand rows): bounded before it is read
        ex.kind, ex.reason = "rejected", cfg["file_reasons"]["procedures_too_large"].format(
            size=format_number(path.stat().st_size / 2**20, 1),
            limit=format_number(int(cfg["limits"]["procedures_table_bytes"]) / 2**20, 1))
        return ex
    # a CSV's header line is counted in lines (a title cell may span two): source_row counts lines
    ex.kind, ex.header_line, ex.columns = kind, (ends[at] if ends and at < len(ends) else at + 1), mapped
    ex.skip_rows = ends[0] + at if bom_quote and ends else at + 1
    ex.n_columns = max(len(head[at]), max(mapped.values()) + 1)
    ex.header_cells, ex.header_rows = found.cells, found.rows
    if ex.rows is not None:
        ex.rows = ex.rows[at + 1:]
    if kind == "log":
        # resolved against the registry later: the unit of a file without a unit column (the first that
        # matches), the district of one with it (for a commune's name that several districts have)
        declared, ex.unit_titles = _title_unit(head[:found.top], cfg)
        ex.unit_declared = declared[0] if declared else ""
        ex.unit_hint = "\x1f".join([*ex.unit_titles, ex.sheet, _stem_name(path)])
    return ex


class _Rejected(Exception):
    pass


def _fill_merged_down(rows: list[list[str]], merged: Iterable[Any], header_at: int,
                      footer_words: Iterable[str] = ()) -> None:
    """A cell merged over several rows below the header (a unit's name, a day of receipt, written once for the
    dossiers beside it) holds its value in its first row only; Excel shows it in every row: so do the rows that
    hold a dossier — not a row holding nothing else (a spare row stays empty) nor a printed log's closing row
    (its total, its signatures: `footer_words`), which a merge running past the last dossier would date."""
    words = tuple(footer_words)
    for (r0, c0), (r1, _) in merged:
        if r0 <= header_at or r1 <= r0 or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        for r in range(r0 + 1, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if c0 >= len(row) or row[c0] or not any(v for i, v in enumerate(row) if i != c0):
                continue
            if any(w in v.lower() for v in row if v for w in words):
                continue
            row[c0] = rows[r0][c0]


def _xlsx_rows(path: Path, ex: Export, cfg: dict[str, Any]) -> list[list[str]]:
    """Every row of the first worksheet that holds a header, as text (the other worksheets with a header in
    `ex.more_sheets`; without any, the first worksheet's rows). The file is screened first."""
    import python_calamine

    from sketket.intake.screen import screen
    from sketket.intake.validate import corrupt_detail, file_finding

    problem = screen(path, _MAX_XLSX_BYTES)
    if problem is not None:
        own = cfg["file_reasons"]["screen"].get(problem[0])  # what a log's sender can do, not a table's
        raise _Rejected(own.format(**problem[1]) if own else file_finding(problem[0], ex.rel, **problem[1]).message)
    found: list[tuple[str, list[list[str]]]] = []
    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
            first: list[list[str]] | None = None
            for meta in wb.sheets_metadata:
                if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                    continue
                sheet = wb.get_sheet_by_name(meta.name)
                rows = [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
                if first is None:
                    first, ex.sheet = rows, meta.name
                header = _find_header(rows, cfg)
                if header.kind:
                    _fill_merged_down(rows, sheet.merged_cell_ranges or [], header.at, cfg["footer_rows"]["contains"])
                    found.append((meta.name, rows))
                    if meta.visible != python_calamine.SheetVisibleEnum.Visible:
                        ex.hidden_sheets += (meta.name,)
    except python_calamine.PasswordError:
        raise _Rejected(file_finding("file_encrypted", ex.rel).message) from None
    except Exception as exc:  # a damaged workbook: reported, the run goes on
        raise _Rejected(file_finding("file_corrupt", ex.rel, detail=corrupt_detail(exc)).message) from None
    if not found:
        ex.rows = first or []
        return ex.rows
    (ex.sheet, ex.rows), ex.more_sheets = found[0], found[1:]
    return ex.rows


def discover(logs_dir: Path, cfg: dict[str, Any]) -> list[Export]:
    """Every file under the logs folder, in a stable order, inspected; a workbook whose log is split over
    several worksheets gives one export a sheet, named "file.xlsx [sheet]" in the ledger and the findings."""
    out: list[Export] = []
    # walked as ingest walks the received folder: a link out of the folder, a dangling link, a FIFO or a
    # folder that cannot be opened is listed with its reason, never opened
    for entry in walk(Path(logs_dir)):
        if entry.path is None:
            out.append(Export(Path(logs_dir) / entry.rel, entry.rel, kind=entry.status or "skipped",
                              reason=entry.reason or cfg["file_reasons"]["unwalkable"].format(error=entry.error)))
            continue
        p, rel = entry.path, entry.rel
        ex = inspect(p, rel, cfg)
        out.append(ex)
        more = [_classify(Export(p, f"{rel} [{sheet}]", sheet=sheet, rows=rows), rows, cfg)
                for sheet, rows in ex.more_sheets]
        if ex.more_sheets:
            ex.rel = f"{rel} [{ex.sheet}]"
            ex.more_sheets = []
        sheets = (ex, *more)
        for sheet_ex in sheets:
            if len(sheets) > 1 and sheet_ex.kind == "log":
                # a sheet without a title of its own (a month's sheet) may take the unit another sheet's title
                # names, after its own title lines and its name, before the file's name
                titled = {tuple(o.unit_titles) for o in sheets if o is not sheet_ex and o.unit_titles}
                # the other sheets' heading, when they agree on one (months of one unit), else none is guessed
                others = list(next(iter(titled))) if len(titled) == 1 else []
                sheet_ex.unit_hint = "\x1f".join([*sheet_ex.unit_titles, sheet_ex.sheet, *others, _stem_name(p)])
            # read, since nothing is lost unsaid, but said: a hidden sheet is often an old copy
            if sheet_ex.kind == "log" and sheet_ex.sheet in ex.hidden_sheets:
                sheet_ex.reason = cfg["file_reasons"]["hidden_sheet"].format(sheet=sheet_ex.sheet)
        out.extend(more)
    return out


class Limit(NamedTuple):
    """A procedure's time limit in working days, as a procedures table gives it, and where."""

    code: str
    name: str
    days: int
    source_file: str
    source_row: int


def read_procedures(exports: Iterable[Export], logs_dir: Path, cfg: dict[str, Any]) -> list[Limit]:
    """The time limit of each procedure of every procedures table found (and of the one named in config), in
    the order read: the first value of a procedure wins (`limit_conflicts` says where another differs)."""
    named = cfg["procedures_table"].get("file")
    out: list[Limit] = []
    tables = [e for e in exports if e.kind == "procedures"]
    if named and not any(e.rel == named for e in tables):
        extra = inspect(Path(logs_dir) / named, named, cfg)
        if extra.kind == "procedures":
            tables.append(extra)
    for ex in tables:
        try:
            lines: list[int] = []  # a CSV's line of each row (a cell may span lines); a sheet's rows are one each
            rows = ex.rows if ex.rows is not None else _csv_rows(ex, lines)
        except OSError:
            ex.kind, ex.reason = "rejected", cfg["file_reasons"]["unopenable"]
            continue
        except UnicodeDecodeError:  # past the head: the table is set aside, the run goes on
            ex.kind, ex.reason = "rejected", cfg["file_reasons"]["procedures_not_utf8"]
            continue
        except csv.Error as exc:
            ex.kind, ex.reason = "rejected", cfg["file_reasons"]["procedures_unreadable"].format(line=exc.args[-1])
            continue
        for i, row in enumerate(rows):
            code, name, limit = (_cell(row, ex.columns.get(c)) for c in ("procedure_code", "procedure_name", "days"))
            days = limit_days(limit, cfg["procedures_table"])
            if days is not None and (code or name):
                out.append(Limit(code, nfc(name), days, ex.rel, lines[i] if lines else ex.header_line + 1 + i))
    return out


def limit_conflicts(limits: list[Limit]) -> list[tuple[Limit, Limit]]:
    """(the limit used, a later one of the same procedure that differs), once per later row: the same procedure
    by code, or by folded name (a dossier without a code is looked up by name, a row of the table with a code
    and a name answers both)."""
    first: dict[str, Limit] = {}
    out = []
    for lim in limits:
        keys = ([f"c:{lim.code}"] if lim.code else []) + ([f"n:{' '.join(fold(lim.name).split())}"] if lim.name else [])
        used = [first.setdefault(k, lim) for k in keys]
        other = next((u for u in used if u.days != lim.days), None)
        if other is not None:
            out.append((other, lim))
    return out


_LIMIT = re.compile(r"([0-9]+)(?:\s*[,.]\s*([0-9]+)|\s*/\s*([0-9]+))?\s*([^\W\d_]*)")


def limit_days(text: str, words: dict[str, Any]) -> int | None:
    """A procedure's time limit in whole working days (rule 5) from its cell in a procedures table: the first
    number and the word after it ("1 ngày (trường hợp 1), 2 ngày (trường hợp 2)" is 1, "03 ngày làm việc" 3);
    a part of a day is the same day ("0,5 ngày", "1/2 ngày": 0); hours are days of `hours_per_day` hours ("04
    giờ làm việc": 0, "16 giờ": 2); a text that says the same day ("Trong ngày", "Ngay trong ngày; trường hợp
    sau 15 giờ …") is 0; None when the cell gives no limit."""
    key = fold(text)
    if any(key == w or key.startswith(w + " ") for w in words["same_day"]):
        return 0
    m = _LIMIT.search(text)
    if not m:
        return None
    whole, decimal, over = m.group(1), m.group(2), m.group(3)
    value = int(whole) / int(over) if over and int(over) else float(f"{whole}.{decimal}" if decimal else whole)
    if fold(m.group(4)) in words["hour_words"]:
        value /= float(words["hours_per_day"])
    return int(value)


def _cell(row: list[str], i: int | None) -> str:
    return str(row[i]).strip() if i is not None and i < len(row) else ""


def _csv_rows(ex: Export, lines: list[int] | None = None) -> list[list[str]]:
    """A CSV's rows below its header; csv.Error carries the line it stopped on as its last argument. `lines`,
    when given, gets the line each row starts on (a cell may span lines)."""
    with open(ex.path, encoding="utf-8-sig", newline="") as f:
        for _ in range(ex.header_line):  # counted in lines (a title cell may span two)
            f.readline()
        reader = csv.reader(f, delimiter=ex.delimiter)
        rows: list[list[str]] = []
        try:
            before = 0
            for row in reader:
                if lines is not None:
                    lines.append(ex.header_line + before + 1)
                before = reader.line_num
                rows.append(row)
        except csv.Error as exc:
            raise csv.Error(str(exc), format_int(ex.header_line + reader.line_num)) from exc
    return rows


def classify(value: str, words: dict[str, list[str]], before: dict[str, list[str]] | None = None) -> str:
    """The canonical value whose words the folded value contains (first in config order, the `before` words
    first), or ""."""
    key = f" {_key(value)} "
    for mapping in (before or {}, words):
        for canon, ws in mapping.items():
            if any(f" {w} " in key for w in ws):
                return canon
    return ""
