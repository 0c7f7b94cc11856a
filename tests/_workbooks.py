"""Workbooks the ingest tests write: filled tables (the project's own writer), copies in the other
formats units send (.xls via xlwt, .ods via pandas' odf engine), and free-form sheets for layouts the
writer does not make."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import xlwt

from sketket.outputs.writer import TableMap, Variation, write_filled

# Real registry units, so that matching is exercised: (submitter, sub-units) for each form.
UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "I": ("Sở Nông nghiệp và Phát triển nông thôn", ("Chi cục Thú y", "Chi cục Thủy lợi")),
    "II": ("Cục Thuế thành phố Hà Nội", ("Chi cục Thuế quận Ba Đình", "Chi cục Thuế quận Hoàn Kiếm")),
    "III": ("Quận Ba Đình", ("Phường Phúc Xá", "Phường Trúc Bạch")),
}


def figures(form: str, received: int, overdue: int, tthc_total: int = 200, one_stop: int = 190,
            area: float = 60.0, online: int = 12, postal: int = 30, **extra: object) -> dict[str, object]:
    """A consistent row of figures (on-time = received − overdue; no on-time column in Phụ lục III)."""
    row: dict[str, object] = {
        "area_m2": area, "tthc_total": tthc_total, "tthc_one_stop": one_stop,
        "dossiers_received": received, "dossiers_on_time": received - overdue, "dossiers_overdue": overdue,
        "online_services_l34": online, "postal_tthc": postal,
    }
    if form == "III":
        del row["dossiers_on_time"]
    row.update(extra)
    return row


def sample(form: str) -> tuple[dict, list[dict]]:
    """The submitter's row and two sub-unit rows, consistent."""
    name, subs = UNITS[form]
    submitter = {"unit_name": name, **figures(form, 1250, 30)}
    units = [{"unit_name": subs[0], **figures(form, 400, 4, tthc_total=80, one_stop=80, area=40)},
             {"unit_name": subs[1], **figures(form, 650, 0, tthc_total=90, one_stop=85, area=35)}]
    return submitter, units


def write_sample(form: str, out: Path, variation: Variation | None = None, **kwargs) -> TableMap:
    submitter, units = sample(form)
    return write_filled(form, out, submitter, units, variation=variation, **kwargs)


def sheet_values(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's values; formulas are dropped, as in a copy whose formulas were never calculated."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [[None if isinstance(v, str) and v.startswith("=") else v for v in line]
                         for line in ws.iter_rows(values_only=True)]
    return out


def write_grid(path: Path, sheets: dict[str, list[list[object]]],
               percent_cells: set[tuple[str, int, int]] = frozenset()) -> Path:
    """Write sheets of values as .xlsx/.xlsm (openpyxl), .xls (xlwt) or .ods (odf). percent_cells:
    (sheet, row, column), 0-based, formatted as percentages (xlsx only)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for r, line in enumerate(rows):
                for c, v in enumerate(line):
                    if v is not None:
                        cell = ws.cell(row=r + 1, column=c + 1, value=v)
                        if (title, r, c) in percent_cells:
                            cell.number_format = "0.0%"
        wb.save(path)
    elif suffix == ".xls":
        book = xlwt.Workbook(encoding="utf-8")
        for title, rows in sheets.items():
            ws = book.add_sheet(title[:31])
            for r, line in enumerate(rows):
                for c, v in enumerate(line):
                    if v is not None:
                        ws.write(r, c, v)
        book.save(str(path))
    elif suffix == ".ods":
        with pd.ExcelWriter(path, engine="odf") as writer:
            for title, rows in sheets.items():
                pd.DataFrame(rows, dtype=object).to_excel(writer, sheet_name=title, header=False, index=False)
    else:
        raise ValueError(suffix)
    return path


def convert(xlsx: Path, out: Path) -> Path:
    """A copy of an .xlsx in another format (.xls, .ods, .xlsm), values only."""
    if out.suffix.lower() == ".xlsm":
        shutil.copy(xlsx, out)  # the same package; only the extension differs for the reader
        return out
    return write_grid(out, sheet_values(xlsx))
