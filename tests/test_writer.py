"""Filled workbooks (write_filled + TableMap and each Variation), save_as and the consolidated workbook."""

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from sketket import layout
from sketket.config import Plan
from sketket.outputs.writer import TableMap, Variation, save_as, write_consolidated, write_filled
from sketket.registry import load_registry

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
    assert ws[m.cell("unit_name", m.row_b)].value == "Cấp xã (2 đơn vị)"
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


# -- the consolidated city workbook ------------------------------------------------------------------
def _appendix(reg):
    """A small appendix.csv as ingest writes it: two departments (one with a Chi cục), a unit outside the
    registry with a malicious name, a vertical agency with a branch, a district with two communes."""
    so = reg.tier_units("so").iloc[:2]
    chi_cuc = reg.tier_units("chi_cuc", parent_code=so.iloc[0]["code"]).iloc[0]
    agency = reg.tier_units("nganh_doc_tp").iloc[0]
    branch = reg.tier_units("nganh_doc_huyen", parent_code=agency["code"]).iloc[0]
    district = reg.match("Quận Ba Đình", "huyen")
    communes = reg.tier_units("xa", parent_code=district.code).iloc[:2]

    def row(form, tier, unit, parent, **fig):
        return {"form": form, "tier": tier, "unit_name": unit["name_with_type"], "unit_code": unit["code"],
                "parent_name": parent, **fig}

    rows = [
        row("I", "so", so.iloc[0], "", area_m2=50.5, tthc_total=100, tthc_one_stop=90, dossiers_received=1000,
            dossiers_on_time=990, dossiers_overdue=10, online_services_l34=5, postal_tthc=3),
        row("I", "so", so.iloc[1], "", area_m2=30, tthc_total=50, tthc_one_stop=50, dossiers_received=200,
            dossiers_on_time=150, dossiers_overdue=50, online_services_l34=None, postal_tthc=1),
        row("I", "chi_cuc", chi_cuc, so.iloc[0]["name_with_type"], tthc_total=20, tthc_one_stop=10,
            dossiers_received=100, dossiers_on_time=100, dossiers_overdue=0),
        {"form": "I", "tier": "so", "unit_name": EVIL, "unit_code": "", "parent_name": "", "tthc_total": 10,
         "note": "=1+2"},
        row("II", "nganh_doc_tp", agency, "", tthc_total=40, tthc_one_stop=40, dossiers_received=5000,
            dossiers_on_time=4900, dossiers_overdue=100),
        row("II", "nganh_doc_huyen", branch, agency["name_with_type"], tthc_total=30, tthc_one_stop=30,
            dossiers_received=700, dossiers_on_time=700, dossiers_overdue=0),
        row("III", "huyen", reg.unit(district.code), "", tthc_total=300, tthc_one_stop=280,
            dossiers_received=9000, dossiers_on_time=8950, dossiers_overdue=50),
        row("III", "xa", communes.iloc[0], "Quận Ba Đình", tthc_total=100, tthc_one_stop=100,
            dossiers_received=400, dossiers_on_time=396, dossiers_overdue=4),
        row("III", "xa", communes.iloc[1], "Quận Ba Đình", tthc_total=80, tthc_one_stop=60,
            dossiers_received=600, dossiers_on_time=600, dossiers_overdue=0),
    ]
    return pd.DataFrame(rows)


EVIL = '=HYPERLINK("http://example.com","Bấm")'


def _rows_by_name(ws):
    return {ws.cell(r, 2).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value}


def test_consolidated_writes_values_equal_to_the_input_sums(tmp_path):
    reg = load_registry()
    app = _appendix(reg)
    out = write_consolidated(app, tmp_path / "tong-hop-phu-luc.xlsx", plan=Plan.load(), registry=reg)
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb.sheetnames == ["Phụ lục I", "Phụ lục II", "Phụ lục III", "Ghi chú"]
    formulas = openpyxl.load_workbook(out)
    assert not [c.coordinate for ws in formulas.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    for form in ("I", "II", "III"):
        ws = wb[f"Phụ lục {form}"]
        letters = {c.name: openpyxl.utils.get_column_letter(i) for i, c in enumerate(layout.columns(form), 1)}
        rows = _rows_by_name(ws)
        data = app[app["form"] == form]
        total = rows["Tổng cộng"]
        for name in ("tthc_total", "tthc_one_stop", "dossiers_received", "dossiers_overdue"):
            assert ws[f"{letters[name]}{total}"].value == data[name].sum(), (form, name)
        both = data[["tthc_one_stop", "tthc_total"]].dropna()
        assert ws[f"{letters['tthc_one_stop_pct']}{total}"].value == pytest.approx(
            100 * both["tthc_one_stop"].sum() / both["tthc_total"].sum())
        received = data["dossiers_received"].sum()
        assert ws[f"{letters['on_time_pct']}{total}"].value == pytest.approx(
            100 * data["dossiers_on_time"].sum() / received)
        for r in (10, 11, total):  # rows A, B and Tổng cộng carry values, not formulas without cache
            assert ws[f"{letters['dossiers_received']}{r}"].value is not None, (form, r)
        assert ws["A1"].value == layout.CONSOLIDATED_BLOCK[0]
        assert ws["A4"].value.startswith("Tổng hợp kết quả thực hiện")
    ws = wb["Phụ lục I"]
    rows = _rows_by_name(ws)
    first = reg.tier_units("so").iloc[0]
    assert ws[f"A{rows[first['name_with_type']]}"].value == "1"
    chi_cuc_row = rows[first["name_with_type"]] + 1
    assert ws[f"A{chi_cuc_row}"].value == "1.1" and ws[f"D{chi_cuc_row}"].value == 20
    assert ws[f"F{chi_cuc_row}"].value == pytest.approx(50.0)  # 10 of 20 procedures
    missing = reg.tier_units("so").iloc[2]["name_with_type"]
    assert ws[f"M{rows[missing]}"].value == layout.NOT_REPORTED
    assert ws["B10"].value == "Sở, cơ quan tương đương Sở (2/22 đơn vị báo cáo; 1 đơn vị ngoài danh mục)"
    assert ws["G10"].value == 1200 and ws["G11"].value == 100  # A = departments, B = Chi cục


def test_consolidated_iii_has_a_commune_subtotal_per_district(tmp_path):
    reg = load_registry()
    out = write_consolidated(_appendix(reg), tmp_path / "t.xlsx", plan=Plan.load(), registry=reg)
    ws = openpyxl.load_workbook(out, data_only=True)["Phụ lục III"]
    rows = _rows_by_name(ws)
    district = rows["Quận Ba Đình"]
    assert ws[f"B{district + 1}"].value == "Cấp xã (2 đơn vị)"
    assert ws[f"D{district + 1}"].value == 180 and ws[f"G{district + 1}"].value == 1000
    assert ws[f"I{district + 1}"].value == pytest.approx(99.6)  # (1000 − 4) / 1000
    assert ws[f"F{district + 1}"].value == pytest.approx(100 * 160 / 180)
    n_communes = len(reg.tier_units("xa", parent_code=reg.match("Quận Ba Đình", "huyen").code))
    assert ws[f"A{district + 1 + n_communes}"].value == f"1.{n_communes}"
    labels = [str(ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    assert sum(label.startswith("Cấp xã (") for label in labels) == 30  # one per district
    notes = [row for row in openpyxl.load_workbook(out)["Ghi chú"].iter_rows(values_only=True)]
    assert ("Phụ lục III", "Xã, phường, thị trấn", 584, 2, "0,3%", 0) in notes
    # a commune typed wrong is listed apart from the registry's row of that name, and said to be
    misspelt = _appendix(reg)
    misspelt.loc[misspelt["unit_code"] == reg.tier_units("xa", parent_code=reg.match("Quận Ba Đình", "huyen").code)
                 .iloc[1]["code"], ["unit_name", "unit_code"]] = ["Phường Trúc Bạchh", ""]
    ws = openpyxl.load_workbook(write_consolidated(misspelt, tmp_path / "m.xlsx", plan=Plan.load(), registry=reg),
                                data_only=True)["Phụ lục III"]
    labels = [str(ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    assert "Phường Trúc Bạchh (tên chưa khớp danh mục)" in labels


def test_consolidated_neutralises_formula_text(tmp_path):
    reg = load_registry()
    out = write_consolidated(_appendix(reg), tmp_path / "t.xlsx", plan=Plan.load(), registry=reg)
    ws = openpyxl.load_workbook(out)["Phụ lục I"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert len(cells) == 1
    assert cells[0].value == "'" + EVIL + " (tên chưa khớp danh mục)" and cells[0].data_type == "s"
    assert ws.cell(cells[0].row, 13).value == "'=1+2"
