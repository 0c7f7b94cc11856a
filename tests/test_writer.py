"""Filled workbooks (write_filled + TableMap and each Variation), save_as and the consolidated workbook."""

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from sketket.forms import layout
from sketket.forms.writer import TableMap, Variation, save_as, write_filled

SUBMITTER = {"unit_name": "Sở Tư pháp", "area_m2": 85.5, "tthc_total": 140, "tthc_one_stop": 133,
             "dossiers_received": 25_400, "dossiers_on_time": 25_100, "dossiers_overdue": 300,
             "online_services_l34": 12, "postal_tthc": 40, "note": "Số liệu đến 31/7/2017"}
SUBS = [
    {"unit_name": "Chi cục A", "tthc_total": 20, "tthc_one_stop": 20, "dossiers_received": 900,
     "dossiers_on_time": 900, "dossiers_overdue": 0},
    {"unit_name": "Chi cục B", "tthc_total": 10, "tthc_one_stop": 8, "dossiers_received": "1.234",
     "dossiers_on_time": 1200, "dossiers_overdue": 34, "tthc_one_stop_pct": "80,0%"},
]


def _write(tmp_path, form="I", name="f.xlsx", **kw) -> tuple[TableMap, openpyxl.Workbook]:
    table = write_filled(form, tmp_path / name, SUBMITTER, SUBS, **kw)
    return table, openpyxl.load_workbook(tmp_path / name)


def test_values_are_at_the_table_map_cells(tmp_path):
    m, wb = _write(tmp_path)
    ws = wb[m.sheet]
    assert wb.sheetnames == ["Phụ lục I"] and m.sheet == "Phụ lục I"
    assert (m.header_row, m.number_row, m.row_a, m.row_b, m.unit_rows, m.total_row) == (7, 9, 10, 11, [12, 13], 14)
    assert ws[m.cell("unit_name", m.row_a)].value == "Sở Tư pháp"
    assert ws[m.unit_block_cell].value == "Sở Tư pháp"
    assert ws[m.cell("dossiers_received", m.row_a)].value == 25_400
    assert ws[m.cell("area_m2", m.row_a)].value == 85.5
    assert ws[m.cell("note", m.row_a)].value == "Số liệu đến 31/7/2017"
    assert [ws[m.cell("unit_name", r)].value for r in m.unit_rows] == ["Chi cục A", "Chi cục B"]
    # a str is typed text; a given percentage is written as given, else the template's formula
    assert ws[m.cell("dossiers_received", m.unit_rows[1])].value == "1.234"
    assert ws[m.cell("dossiers_received", m.unit_rows[1])].data_type == "s"
    assert ws[m.cell("tthc_one_stop_pct", m.unit_rows[1])].value == "80,0%"
    assert ws[m.cell("tthc_one_stop_pct", m.unit_rows[0])].value == '=IFERROR(E12/D12*100,"")'
    g = m.columns["dossiers_received"]
    assert ws[m.cell("dossiers_received", m.row_b)].value == f"=SUM({g}12:{g}13)"
    assert ws[m.cell("dossiers_received", m.total_row)].value == f"={g}10+{g}11"
    assert ws[m.cell("stt", m.unit_rows[1])].value == "2"
    assert ws[m.cell("unit_name", m.total_row)].value == layout.TOTAL_LABEL


def test_subtotal_and_total_values_replace_their_formulas(tmp_path):
    m, wb = _write(tmp_path, subtotal={"dossiers_received": 2000}, total={"dossiers_received": 27_400,
                                                                           "on_time_pct": 98.0})
    ws = wb[m.sheet]
    assert ws[m.cell("dossiers_received", m.row_b)].value == 2000
    assert ws[m.cell("dossiers_received", m.total_row)].value == 27_400
    assert ws[m.cell("on_time_pct", m.total_row)].value == 98.0
    assert ws[m.cell("tthc_total", m.row_b)].value.startswith("=SUM(")


def test_phu_luc_iii_has_no_on_time_column(tmp_path):
    m, wb = _write(tmp_path, form="III")
    assert "dossiers_on_time" not in m.columns
    assert m.columns["note"] == "L"
    ws = wb[m.sheet]
    assert ws[m.cell("unit_name", m.row_b)].value == "Cấp xã (2 xã)"
    assert ws[m.cell("dossiers_overdue", m.row_a)].value == 300


def test_unsafe_names_stay_text(tmp_path):
    evil = '=HYPERLINK("http://example.com","Bấm vào đây")'
    write_filled("II", tmp_path / "e.xlsx", {"unit_name": "Cục Thuế"}, [{"unit_name": evil}])
    ws = openpyxl.load_workbook(tmp_path / "e.xlsx").active
    assert ws["B12"].value == evil and ws["B12"].data_type == "s"


def test_shift_down_and_right(tmp_path):
    m, wb = _write(tmp_path, variation=Variation(extra_title_lines=3, col_offset=2))
    ws = wb[m.sheet]
    assert m.header_row == 10 and m.row_a == 13 and m.columns["stt"] == "C" and m.columns["note"] == "O"
    assert ws["C10"].value == "STT" and ws[m.unit_block_cell].value == "Sở Tư pháp"
    assert m.unit_block_cell == "C2"
    assert ws["C6"].value == "(Số liệu tính đến hết ngày 31/07/2017)"
    assert ws[m.cell("dossiers_received", m.row_a)].value == 25_400
    assert ws.freeze_panes == f"E{m.row_a}"


def test_no_number_row(tmp_path):
    m, wb = _write(tmp_path, variation=Variation(number_row=False))
    assert m.number_row is None and m.row_a == m.header_row + 2
    assert wb[m.sheet].cell(m.row_a, 1).value == "A"


def test_header_breaks_and_m2_superscript(tmp_path):
    m, wb = _write(tmp_path, variation=Variation(header_breaks=True, m2_superscript=True))
    ws = wb[m.sheet]
    area = ws[m.cell("area_m2", m.header_row)].value
    assert "(m²)" in area and "\n" in area and "  " in area
    assert " ".join(area.split()) == "Diện tích của Bộ phận tiếp nhận và trả kết quả (m²)"


def test_table_on_second_sheet(tmp_path):
    m, wb = _write(tmp_path, variation=Variation(notes_sheet=True))
    assert wb.sheetnames == ["Hướng dẫn", "Phụ lục I"] and m.sheet == "Phụ lục I"
    assert wb["Phụ lục I"][m.cell("tthc_total", m.row_a)].value == 140


def test_placeholder_row_a_keeps_the_name_in_the_unit_block(tmp_path):
    m, wb = _write(tmp_path, variation=Variation(placeholder_row_a=True))
    ws = wb[m.sheet]
    assert ws[m.cell("unit_name", m.row_a)].value == "Sở"
    assert ws[m.unit_block_cell].value == "Sở Tư pháp"
    m2, wb2 = _write(tmp_path, name="g.xlsx", unit_block="SỞ TƯ PHÁP HÀ NỘI")
    assert wb2[m2.sheet][m2.unit_block_cell].value == "SỞ TƯ PHÁP HÀ NỘI"


def test_percentages_as_fractions_and_as_formulas(tmp_path):
    submitter = {**SUBMITTER, "tthc_one_stop_pct": 95.0, "on_time_pct": 98.8}
    m = write_filled("I", tmp_path / "p.xlsx", submitter, SUBS, variation=Variation(pct_as_fraction=True))
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")[m.sheet]
    cell = ws[m.cell("tthc_one_stop_pct", m.row_a)]
    assert cell.value == pytest.approx(0.95) and cell.number_format == "0.0%"
    assert ws[m.cell("on_time_pct", m.unit_rows[0])].value == '=IFERROR(H12/G12,"")'
    m = write_filled("I", tmp_path / "q.xlsx", submitter, SUBS, variation=Variation(pct_formulas=True))
    ws = openpyxl.load_workbook(tmp_path / "q.xlsx")[m.sheet]
    assert ws[m.cell("tthc_one_stop_pct", m.row_a)].value == '=IFERROR(E10/D10*100,"")'
    assert ws[m.cell("tthc_one_stop_pct", m.unit_rows[1])].value.startswith("=IFERROR(")


@pytest.mark.parametrize("ext", ["xls", "ods", "xlsm"])
def test_save_as_keeps_values_and_computes_formulas(tmp_path, ext):
    m = write_filled("I", tmp_path / "f.xlsx", SUBMITTER, SUBS, variation=Variation(notes_sheet=True))
    out = save_as(tmp_path / "f.xlsx", tmp_path / f"f.{ext}")
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["Hướng dẫn", "Phụ lục I"]
    rows = book.get_sheet_by_name(m.sheet).to_python()
    original = openpyxl.load_workbook(tmp_path / "f.xlsx")[m.sheet]

    def at(column, row):
        return rows[row - 1][openpyxl.utils.column_index_from_string(m.columns[column]) - 1]

    # every typed value and every layout text comes through unchanged
    for row in original.iter_rows():
        for c in row:
            if c.value is not None and c.data_type != "f":
                got = rows[c.row - 1][c.column - 1]
                assert got == c.value, (c.coordinate, got, c.value)
    if ext == "xlsm":
        return
    # formulas become the values Excel shows: "1.234" typed as text counts 1234 in + but not in SUM
    assert at("tthc_one_stop_pct", m.row_a) == pytest.approx(100 * 133 / 140)
    assert at("dossiers_received", m.row_b) == 900  # SUM skips the text cell
    assert at("tthc_total", m.row_b) == 30
    assert at("tthc_total", m.total_row) == 170
    assert at("on_time_pct", m.total_row) == pytest.approx(100 * (25_100 + 2100) / (25_400 + 900))
    assert at("on_time_pct", m.unit_rows[1]) == pytest.approx(100 * 1200 / 1234)
    assert at("postal_tthc", m.unit_rows[0]) == ""
    assert rows[m.header_row - 1][3] == layout.GROUP_TTHC
