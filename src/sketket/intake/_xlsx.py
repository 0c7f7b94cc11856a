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
import zipfile
from collections.abc import Iterable
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


def _read_part(zf: zipfile.ZipFile, name: str, limit: int | None) -> str:
    with zf.open(name) as part:
        return part.read(-1 if limit is None else limit).decode("utf-8", "replace")


def sheet_names(zf: zipfile.ZipFile, limit: int | None = None) -> dict[str, str]:
    """Member → the name the workbook gives the worksheet stored there, reading at most `limit` bytes of
    each part it needs (for a package not screened yet)."""
    workbook = _read_part(zf, "xl/workbook.xml", limit)
    rels_text = _read_part(zf, "xl/_rels/workbook.xml.rels", limit)
    rels = dict(_REL.findall(rels_text)) or {i: t for t, i in _REL_REVERSED.findall(rels_text)}
    out: dict[str, str] = {}
    for name, rid in _SHEET.findall(workbook):
        if rid in rels:
            target = rels[rid]
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            out.setdefault(member, html.unescape(name))
    return out


def _sheet_member(zf: zipfile.ZipFile, sheet: str) -> str | None:
    return next((member for member, name in sheet_names(zf).items() if name == sheet), None)


def uncached_formulas(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column), 1-based → formula text, for every formula of `sheet` stored without a value."""
    try:
        with zipfile.ZipFile(path) as zf:
            member = _sheet_member(zf, sheet)
            if member is None:
                return {}
            xml = zf.read(member).decode("utf-8", "replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return {}
    if "<f" not in xml:
        return {}
    return {
        (int(row), _column_index(col)): html.unescape(formula)
        for col, row, formula in _UNCACHED.findall(xml)
    }


def evaluate_cells(grid: list[list[object]], formulas: dict[tuple[int, int], str],
                   cells: Iterable[tuple[int, int]]) -> dict[tuple[int, int], object]:
    """The computed value of each of `cells` (1-based (row, column) keys of `formulas`), reading other
    cells from `grid` (row 0 = Excel row 1). Formulas may refer to each other; each is evaluated once."""
    # imported here: the evaluator needs openpyxl, which an ingest then loads only for such rare files
    from sketket.intake._formula import evaluate

    done: dict[tuple[int, int], object] = {}

    def lookup(row: int, col: int) -> object:
        key = (row, col)
        if key in formulas:
            if key not in done:
                done[key] = None  # a circular reference reads as empty, never loops
                done[key] = evaluate(formulas[key], lookup)
            return done[key]
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
            return grid[row - 1][col - 1]
        return None

    return {key: lookup(*key) for key in cells if key in formulas}
