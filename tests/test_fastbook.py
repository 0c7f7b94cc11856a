"""FastBook: the openpyxl calls write_table makes, written by XlsxWriter; and the consolidated lines'
figures computed all at once."""

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

from sketket.outputs._fastbook import FastBook, style_properties
from sketket.outputs.consolidated import figures, figures_by_line, numeric_frame


def test_fastbook_keeps_values_looks_merges_and_page_setup(tmp_path):
    book = FastBook(tmp_path / "out" / "b.xlsx")
    ws = book.create_sheet("Phụ lục I")
    thin = Side(style="thin")
    bold = Font(name="Times New Roman", bold=True, size=13)
    ws.cell(1, 1, "Tiêu đề").font = bold
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    cell = ws.cell(3, 2, 1234)
    cell.number_format, cell.border = "#,##0", Border(left=thin, right=thin, top=thin, bottom=thin)
    cell.alignment = Alignment(horizontal="right", vertical="center", wrap_text=True)
    evil = ws.cell(4, 2, "=1+2")
    evil.data_type = "s"  # typed text stays text
    ws.cell(5, 2, "")  # empty text: no value, as openpyxl
    ws.row_dimensions[1].height = 30
    ws.column_dimensions["B"].width = 20
    ws.freeze_panes = "C4"
    ws.print_title_rows = "2:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    path = book.save()

    got = openpyxl.load_workbook(path)["Phụ lục I"]
    assert got["A1"].value == "Tiêu đề" and got["A1"].font.b and got["A1"].font.sz == 13
    assert got["A1"].font.name == "Times New Roman"
    assert [str(r) for r in got.merged_cells.ranges] == ["A1:C1"]
    assert got["B3"].value == 1234 and got["B3"].number_format == "#,##0"
    assert got["B3"].border.left.style == "thin" and got["B3"].alignment.horizontal == "right"
    assert got["B3"].alignment.wrap_text and got["B3"].alignment.vertical == "center"
    assert got["B4"].value == "=1+2" and got["B4"].data_type == "s"
    assert got["B5"].value is None
    assert got.freeze_panes == "C4" and got.print_title_rows == "$2:$3"
    assert got.page_setup.orientation == "landscape" and got.page_setup.fitToHeight == 0
    assert got.page_margins.left == pytest.approx(0.4)
    assert got.column_dimensions["B"].width == pytest.approx(20, abs=1)
    assert got.row_dimensions[1].height == pytest.approx(30)


def test_one_format_per_distinct_look():
    font = Font(name="Times New Roman", italic=True, size=11)
    assert style_properties(font, Alignment(vertical="center"), None, "0.0") == {
        "font_name": "Times New Roman", "font_size": 11.0, "italic": True, "valign": "vcenter", "num_format": "0.0"}
    assert style_properties(None, None, None, "General") == {}


def test_figures_by_line_equal_figures_of_each_line():
    df = numeric_frame(pd.DataFrame({
        "tthc_total": [100, 50, None, 20], "tthc_one_stop": [90, 50, 5, None],
        "dossiers_received": [1000, 200, 10, 100], "dossiers_on_time": [None, 150, 10, None],
        "dossiers_overdue": [10, 50, 0, 3], "area_m2": [50.5, 30, None, None]}))
    # line 0: rows 0 and 1; line 1: nothing; line 2: rows 2 and 3; line 3: row 1 again (a subtotal)
    line, row = np.array([0, 0, 2, 2, 3]), np.array([0, 1, 2, 3, 1])
    got = figures_by_line(df, line, row, 4, "III")
    assert got[1] == {}
    for k, rows in ((0, [0, 1]), (2, [2, 3]), (3, [1])):
        assert got[k] == pytest.approx(figures(df.iloc[rows], "III")), k
    assert got[0]["tthc_total"] == 150 and got[0]["area_m2"] == 80.5
    assert got[0]["on_time_pct"] == pytest.approx(100 * (990 + 150) / 1200)  # 990 derived: 1000 − 10
    assert got[2]["tthc_one_stop_pct"] is None  # no row has both parts
    assert got[2]["tthc_total"] == 20 and got[2]["postal_tthc"] is None
