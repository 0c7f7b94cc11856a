"""Whatever an official types in the cells of a table (huge or negative numbers, dates, errors, booleans,
text where figures go, rows left empty), reading and checking it never raises, and what reaches the
appendix is fit for sums: counts whole, 0 … thresholds.max_count, and a rate over 100 % only on a row that
carries an error finding (which keeps it out of every rate downstream)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from _workbooks import write_sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sketket import layout
from sketket.clean import fold
from sketket.intake.ingest import APPENDIX_COLUMNS, _table_result
from sketket.intake.reader import read_grid
from sketket.intake.validate import load_rules
from sketket.registry import load_registry

_REGISTRY = load_registry()
_CELLS = (st.none() | st.just("") | st.floats(allow_nan=True, allow_infinity=True)
          | st.integers(-10**20, 10**20).map(float) | st.text(max_size=8)
          | st.sampled_from(["#REF!", "#DIV/0!", "2,145", "1.234.567", "98,5%", "-", "(3)", "=A1+1", "x"])
          | st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)) | st.booleans())


@pytest.fixture(scope="module", params=["I", "III"])
def template(request, tmp_path_factory) -> tuple[str, list[list[object]], int]:
    """A filled table read back as calamine gives it, and the row of its header."""
    path = tmp_path_factory.mktemp("fuzz") / f"{request.param}.xlsx"
    m = write_sample(request.param, path)
    with CalamineWorkbook.from_path(str(path)) as wb:
        grid = wb.get_sheet_by_name(m.sheet).to_python(skip_empty_area=False)
    return m.sheet, grid, m.header_row


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_cell_value_breaks_the_reading_or_reaches_the_sums_unfit(template, data) -> None:
    sheet, grid, header_row = template
    grid = [list(line) for line in grid]
    body = range(header_row, len(grid))  # 0-based rows under the header
    for _ in range(data.draw(st.integers(1, 12))):
        r = data.draw(st.sampled_from(body))
        c = data.draw(st.integers(0, len(grid[r]) - 1))
        grid[r][c] = data.draw(_CELLS)
    table = read_grid(grid, sheet, Path("fuzz.xlsx"), _REGISTRY)
    if table is None:
        return
    result = _table_result(table, "fuzz.xlsx", _REGISTRY, 0.0)
    max_count = load_rules().thresholds["max_count"]
    flagged = {f.unit_name for f in result.findings if f.severity == "error"}
    for values in result.rows:
        row = dict(zip(APPENDIX_COLUMNS, values, strict=True))
        for col in layout.COUNTS:
            v = row[col]
            assert v is None or (0 <= v <= max_count and float(v).is_integer()), (col, v)
        for col in layout.PERCENTS:
            v = row[col]
            assert v is None or v >= 0
            if v is not None and v > 100:
                assert row["unit_name"] in flagged, (row["unit_name"], col, v)


_WORDS = st.sampled_from(["STT", "Tên đơn vị", "TONG SO HO SO TIEP NHAN", "Đúng hạn", "Quá hạn", "Tỷ lệ (%)",
                          "Số TTHC", "A", "B", "I", "II", "1.1", "Tổng cộng", "Cộng", "(1)", "(6)=(5)/(4)",
                          "Diện tích (m2)", "Ghi chú", "Xã Cổ Nhuế I", "UBND phường Phúc Xá", "Nơi nhận:"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(st.lists(_CELLS | _WORDS, min_size=1, max_size=14), min_size=1, max_size=16),
       above=st.lists(st.lists(_CELLS | _WORDS, max_size=6), max_size=4))
def test_no_rows_under_a_header_break_the_reader(template, body, above) -> None:
    """The form's header with anything above it and any rows under it (numberings, headings, totals,
    footnotes, figures or text): a table or none, never an exception, rows of the appendix's width."""
    sheet, grid, header_row = template
    table = read_grid([*above, *grid[:header_row], *body], sheet, Path("fuzz.xlsx"), _REGISTRY)
    if table is not None:
        result = _table_result(table, "fuzz.xlsx", _REGISTRY, 0.0)
        assert all(len(values) == len(APPENDIX_COLUMNS) for values in result.rows)
        assert len(result.rows) == sum(r.kind in ("A", "unit") for r in table.rows)


def _kind_folding_whole_names(stt: str, name: str, has_figures: bool) -> str | None:
    """reader._kind as it was, folding every name whole: the reference for the shortcut it now takes."""
    from sketket.intake.reader import (
        _EXAMPLE_NAMES,
        _NOT_TOTAL,
        _ROMAN,
        _SUBTOTAL_NAME,
        _TOTAL_KEYS,
        _TOTAL_NAME,
    )

    k_stt, k_name = fold(stt), fold(name)
    if k_stt in _TOTAL_KEYS or k_name in _TOTAL_KEYS or (k_name.startswith("tong cong ")
                                                           and not k_name.startswith(_NOT_TOTAL)):
        return "total"
    if has_figures and not k_stt[:1].isdigit():
        if _TOTAL_NAME.match(k_name) and not k_name.startswith(_NOT_TOTAL):
            return "total"
        if _SUBTOTAL_NAME.match(k_name):
            return "B"
    if k_stt in ("a", "b"):
        return k_stt.upper()
    if not has_figures and (_ROMAN.match(k_stt) or k_name in _EXAMPLE_NAMES):
        return None
    return "unit" if (k_stt and k_name) or has_figures else None


_NAME_PARTS = st.sampled_from(["Tổng", "TỔNG", "tông", "Cộng", "cong", "số", "cộng", "Tổng cộng:", "-", "(", "…", " ",
                               "Toàn", "quận", "Cấp", "xã", "Các", "Công an", "Tổng cục", "công ty",
                               "Xã", "Phường", "Trung tâm", "Tổ", "Congo", "Tongg", "Đông", "Chi cục A", "1", "I."])


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["", "1", "a", "A", "b", "B", "I", "Tổng", "2.1"]),
       st.tuples(st.text("-.(*… ", max_size=12), st.lists(_NAME_PARTS, max_size=5))
       .map(lambda p: (p[0] + " ".join(p[1])).strip()), st.booleans())
def test_a_row_is_told_apart_as_when_every_name_was_folded_whole(stt, name, has_figures):
    from sketket.intake.reader import _kind

    assert _kind(stt, name, has_figures) == _kind_folding_whole_names(stt, name, has_figures)
