"""Every table a pack shows, downloadable from the pack itself as .xlsx and .csv: the files are embedded in the
page as data: URIs, so a pack sent as one e-mail attachment or opened from a USB stick keeps them, offline.

The files hold the numbers the table shows: counts as integers, rates and areas rounded as the page writes them
(one decimal), text as written by the units but neutralised as a formula (clean.excel_text), in Excel and in the
CSV alike (a CSV opened in Excel runs formulas too)."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import xlsxwriter

from sketket.clean import excel_text, format_date, nfc_lines, round_half_up, slug

# How many decimals a table format rounds to (packs.FORMATTERS writes the same numbers).
DECIMALS = {"num": 1, "pct": 1}
FIXED_DATE = dt.datetime(2000, 1, 1)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Download:
    label: str  # "Excel", "CSV"
    filename: str
    href: str  # a data: URI


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pd.NA compares to nothing
        return True


def cell_value(value: Any, kind: str) -> Any:
    """A table cell as the files hold it: a number for numeric formats (rounded like the page), else text made
    safe for a spreadsheet; None when empty."""
    if _missing(value):
        return None
    if kind == "int":
        return int(round_half_up(float(value)))
    if kind in DECIMALS:
        return round_half_up(float(value), DECIMALS[kind])
    if kind == "date":
        return format_date(value)
    # line by line, as the page shows it (a list cell: one item a line)
    return excel_text(nfc_lines(value))


def rows_of(records: Sequence[Sequence[Any]], kinds: Sequence[str]) -> list[list[Any]]:
    return [[cell_value(v, k) for v, k in zip(record, kinds, strict=True)] for record in records]


def xlsx_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], sheet: str = "Bang") -> bytes:
    """A one-sheet workbook: the headers, then the rows (values only, never formulas)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False})
    # a fixed creation date (also the zip members' time stamps): two runs of the same data give the same page
    book.set_properties({"created": FIXED_DATE})
    ws = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    ws.write_row(0, 0, [excel_text(h) for h in headers], bold)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write_number(r, c, value)
    widths = [max([len(str(h)) // 2, *(len(str(row[c])) for row in rows[:200] if row[c] is not None), 6])
              for c, h in enumerate(headers)]
    for c, width in enumerate(widths):
        ws.set_column(c, c, min(width + 2, 60))
    ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM (Excel opens it with the Vietnamese letters right); a decimal point in numbers."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([excel_text(h) for h in headers])
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def data_uri(mime: str, payload: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def downloads(name: str, headers: Sequence[str], records: Sequence[Sequence[Any]], kinds: Sequence[str]) -> list[Download]:
    """The table's .xlsx and .csv as data: URIs, named after `name` (folded to a file name)."""
    stem = slug(name, 80) or "bang"
    rows = rows_of(records, kinds)
    return [Download("Excel", f"{stem}.xlsx", data_uri(XLSX_MIME, xlsx_bytes(headers, rows))),
            Download("CSV", f"{stem}.csv", data_uri("text/csv;charset=utf-8", csv_bytes(headers, rows)))]


def decode(href: str) -> bytes:
    """The bytes of a data: URI written by `data_uri` (tests and tools read the files back)."""
    header, _, payload = href.partition(",")
    if not header.endswith(";base64"):
        raise ValueError("not a base64 data: URI")
    return base64.b64decode(payload)


def read_xlsx(payload: bytes) -> list[list[Any]]:
    """The rows of a downloaded workbook, headers first (openpyxl, values as written)."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(payload), read_only=True).active
    return [list(row) for row in ws.iter_rows(values_only=True)]


def read_csv(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def label_of(labels: Mapping[str, str], column: str) -> str:
    return str(labels.get(column, column))
