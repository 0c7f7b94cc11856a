"""What a received file really is, by its first bytes, whatever its extension says.

Web software saves an HTML table as .xls, officials rename an old .xls to .xlsx, a CSV export gets saved
under .xlsx. The reader opens a spreadsheet by its extension first (the common, fast case) and asks here only
when that fails: a package or an OLE file is reopened by content; an HTML table or a CSV is read into a grid;
anything else gets a reason that says what the file is instead of "tệp hỏng".
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

_HEAD = 4096
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP = b"PK\x03\x04"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_ODT_MIME = b"application/vnd.oasis.opendocument.text"
_HTML = re.compile(rb"<\s*(html|table|!doctype\s+html|body|head|meta)\b", re.IGNORECASE)
_SPREADSHEET_2003 = b"urn:schemas-microsoft-com:office:spreadsheet"

# kind → how a reason names it (Vietnamese, for files.csv and findings)
KIND_LABELS: dict[str, str] = {
    "ooxml": "tệp Excel (.xlsx) hoặc Word (.docx)",
    "ods": "bảng tính OpenDocument (.ods)",
    "odt": "văn bản OpenDocument (.odt)",
    "ole": "tệp Office đời cũ (.xls/.doc)",
    "html": "trang web (HTML)",
    "xml2003": "bảng tính XML 2003 của Excel",
    "pdf": "tệp PDF",
    "rtf": "văn bản RTF",
    "png": "ảnh PNG",
    "jpeg": "ảnh JPEG",
    "text": "tệp văn bản/CSV",
    "empty": "tệp rỗng (0 byte)",
    "binary": "tệp nhị phân không rõ định dạng",
}


def sniff(path: Path) -> str:
    """The kind of a file by its first bytes: one of KIND_LABELS."""
    with open(path, "rb") as f:
        head = f.read(_HEAD)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> str:
    if not head:
        return "empty"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(_ZIP):
        # an OpenDocument package stores its mimetype first, uncompressed, right after the local header
        if _ODS_MIME in head[:256]:
            return "ods"
        if _ODT_MIME in head[:256]:
            return "odt"
        return "ooxml"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<"):
        if _SPREADSHEET_2003 in head:
            return "xml2003"
        if _HTML.search(head):
            return "html"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not only a character cut at the end of the sample
                return "binary"
        return "text"
    return "binary"


def foreign_label(kind: str, suffix: str) -> str:
    """'trang web (HTML) đặt tên .xls': what a file is, beside the extension it was given."""
    return f"{KIND_LABELS.get(kind, kind)} đặt tên {suffix or '(không có đuôi)'}"


# -- grids from text formats -------------------------------------------------------------------------------
class _Tables(HTMLParser):
    """The <table>s of an HTML page as rows of cell text, laid out as a sheet: a cell spanning columns or
    rows (colspan, rowspan) holds its text in its first position only, the positions it covers are empty,
    so that the cells right of a tall header cell stay in their columns."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[object]]] = []
        self._stack: list[tuple[list[list[object]], dict[int, int]]] = []  # rows, column → rows still covered
        self._cell: list[str] | None = None
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._stack.append(([], {}))
        elif tag == "tr" and self._stack:
            self._stack[-1][0].append([])
        elif tag in ("td", "th") and self._stack:
            rows, covered = self._stack[-1]
            if not rows:
                rows.append([])
            self._skip_covered(rows[-1], covered)
            self._cell = []
            self._attrs = dict(attrs)
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._stack:
            rows, covered = self._stack[-1]
            row = rows[-1]
            text = " ".join("".join(self._cell).split())
            width, height = _span(self._attrs.get("colspan")), _span(self._attrs.get("rowspan"))
            for k in range(width):
                if height > 1:
                    covered[len(row)] = height - 1
                row.append(_html_value(text, self._attrs) if k == 0 else "")
            self._cell = None
        elif tag == "tr" and self._stack:
            rows, covered = self._stack[-1]
            if rows:
                self._skip_covered(rows[-1], covered, to_end=True)
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop()[0])

    @staticmethod
    def _skip_covered(row: list[object], covered: dict[int, int], to_end: bool = False) -> None:
        """Empty positions for the columns that cells of rows above still cover, from the row's end on."""
        while covered.get(len(row), 0) > 0 or (to_end and any(c >= len(row) and n for c, n in covered.items())):
            col = len(row)
            if covered.get(col, 0) > 0:
                covered[col] -= 1
            row.append("")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 256))
    except ValueError:
        return 1


def _html_value(text: str, attrs: dict[str, str | None]) -> object:
    """A cell as Excel would read it: an x:num attribute (Excel's own HTML) is the number itself."""
    num = attrs.get("x:num")
    if num:
        try:
            return float(num)
        except ValueError:
            pass
    return text


def html_grids(data: bytes) -> list[tuple[str, list[list[object]]]]:
    """Each table of an HTML file as (name, rows), named "Bảng 1", "Bảng 2" … in page order."""
    text = _decode(data)
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return [(f"Bảng {k}", rows) for k, rows in enumerate(parser.tables, start=1)]


def csv_grid(data: bytes) -> list[tuple[str, list[list[object]]]]:
    """A CSV (comma, semicolon or tab) as one grid of text cells, named "CSV"."""
    text = _decode(data)
    sample = text[:_HEAD]
    delimiter = max((";", ",", "\t"), key=sample.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return [("CSV", [list(r) for r in rows])]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1258, the Vietnamese code page of older exports."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", "replace")
