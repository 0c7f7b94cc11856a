"""The official blank tables: layout, formulas, validation, page set-up, and --unit pre-filling."""

import datetime as dt
import subprocess
import sys

import openpyxl
import pytest

from sketket import layout
from sketket.cli import main
from sketket.config import Plan
from sketket.outputs.template import UnitError, write_template
from sketket.registry import load_registry

HEADER_ROW, BODY_ROW = 7, 10  # the template's header and first body row (row A)


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _sheet(path):
    wb = openpyxl.load_workbook(path)
    return wb.active


def _find(ws, text):
    return [c.coordinate for row in ws.iter_rows() for c in row if c.value == text]


@pytest.mark.parametrize("form", ["I", "II", "III"])
def test_header_texts_merges_and_column_numbers(tmp_path, form):
    ws = _sheet(write_template(form, tmp_path / "t.xlsx"))
    cols = layout.columns(form)
    merged = {str(r) for r in ws.merged_cells.ranges}
    leaf = HEADER_ROW + 1
    for i, col in enumerate(cols, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        if col.group is None:
            assert ws.cell(HEADER_ROW, i).value == col.header
            assert f"{letter}{HEADER_ROW}:{letter}{leaf}" in merged
        else:
            assert ws.cell(leaf, i).value == col.header
        assert ws.cell(leaf + 1, i).value == i  # column-number row 1, 2, 3 …
    # group cells: TTHC over columns 4-6; results over 7-10 (7-9 in Phụ lục III, no on-time column)
    assert ws["D7"].value == layout.GROUP_TTHC
    assert "D7:F7" in merged
    results_end = "I" if form == "III" else "J"
    assert f"G7:{results_end}7" in merged
    assert ws["G7"].value.endswith("(số liệu từ 01/04/2016 đến 31/07/2017)")
    assert ws.max_column == len(cols) == (12 if form == "III" else 13)
    assert ws["A1"].value == layout.UNIT_BLOCK
    assert _find(ws, f"Phụ lục {form}")
    assert ws["A4"].value == layout.TITLES[form]


def test_rows_formulas_and_footer(tmp_path):
    ws = _sheet(write_template("I", tmp_path / "t.xlsx"))
    labels = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(BODY_ROW, BODY_ROW + 6)]
    assert labels == [("A", "Sở"), ("B", "Đơn vị cấp 2 trực thuộc"), ("1", "Chi cục A"),
                      ("2", "Chi cục B"), ("...", None), (None, "Tổng cộng")]
    # percentages guarded against empty denominators; B sums the numbered rows; total = A + B
    assert ws["F10"].value == '=IFERROR(E10/D10*100,"")'
    assert ws["J12"].value == '=IFERROR(H12/G12*100,"")'
    assert ws["G11"].value == "=SUM(G12:G14)"
    assert ws["G15"].value == "=G10+G11"
    assert ws["J15"].value == '=IFERROR(H15/G15*100,"")'
    assert ws["G10"].value is None  # a count the unit fills in
    texts = {c.value for row in ws.iter_rows(min_row=16) for c in row if c.value}
    assert set(layout.FOOTNOTES) <= texts
    assert {layout.SIGNATURE_PREPARER, layout.SIGNATURE_HEAD, "....., ngày      tháng      năm 2017"} <= texts
    assert ws["A10"].font.name == "Times New Roman"
    assert ws["G10"].border.left.style == "thin"


def test_phu_luc_iii_rate_uses_received_minus_overdue(tmp_path):
    ws = _sheet(write_template("III", tmp_path / "t.xlsx"))
    assert ws["I10"].value == '=IFERROR((G10-H10)/G10*100,"")'


def test_plan_number_and_date_are_parameters(tmp_path):
    plan = Plan.load({"plan_number": "106", "plan_date": "17/08/2017"})
    ws = _sheet(write_template("II", tmp_path / "t.xlsx", plan=plan))
    assert ws["A5"].value == "(Kèm theo Kế hoạch số 106/KH-UBND ngày 17 tháng 8 năm 2017 của UBND Thành phố)"
    default = _sheet(write_template("II", tmp_path / "d.xlsx"))
    assert "Kế hoạch số 186/KH-UBND ngày 14 tháng 8" in default["A5"].value


def test_data_validation_on_count_and_area_cells(tmp_path):
    ws = _sheet(write_template("I", tmp_path / "t.xlsx"))
    rules = {dv.type: dv for dv in ws.data_validations.dataValidation}
    whole, decimal = rules["whole"], rules["decimal"]
    assert whole.operator == "greaterThanOrEqual" and whole.formula1 == "0"
    assert whole.showErrorMessage and "số nguyên không âm" in whole.error
    for cell in ["D10", "E10", "G12", "H13", "I14", "K10", "L12"]:
        assert cell in whole.sqref, cell
    for cell in ["G11", "G15", "F10", "C10"]:  # formulas and the area are not whole-number cells
        assert cell not in whole.sqref, cell
    assert "C10" in decimal.sqref and "C12" in decimal.sqref


def test_freeze_panes_print_titles_and_page(tmp_path):
    ws = _sheet(write_template("III", tmp_path / "t.xlsx"))
    assert ws.freeze_panes == "C10"
    assert ws.print_title_rows == "$7:$9"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_unit_district_lists_exactly_its_communes(tmp_path, reg):
    district = reg.match("Quận Ba Đình", "huyen")
    communes = list(reg.tier_units("xa", parent_code=district.code)["name_with_type"])
    ws = _sheet(write_template("III", tmp_path / "t.xlsx", unit="Ba Dinh", registry=reg))
    assert ws["A2"].value == "Quận Ba Đình"
    assert ws["B10"].value == "Quận Ba Đình"
    assert ws["B11"].value == f"Cấp xã ({len(communes)} đơn vị)"
    listed = [ws.cell(r, 2).value for r in range(12, 12 + len(communes))]
    assert listed == communes and len(communes) == 14
    total_row = 12 + len(communes)
    assert ws.cell(total_row, 2).value == "Tổng cộng"
    assert ws.cell(11, 4).value == f"=SUM(D12:D{total_row - 1})"


def test_unit_department_and_vertical_agency(tmp_path, reg):
    ws = _sheet(write_template("I", tmp_path / "i.xlsx", unit="Sở Nội vụ", registry=reg))
    code = reg.match("Sở Nội vụ", "so").code
    expected = list(reg.tier_units("chi_cuc", parent_code=code)["name_with_type"])
    assert [ws.cell(12 + k, 2).value for k in range(len(expected))] == expected
    ws = _sheet(write_template("II", tmp_path / "ii.xlsx", unit="Cục Thuế thành phố Hà Nội", registry=reg))
    assert ws["B12"].value.startswith("Chi cục Thuế")
    assert ws["B11"].value == layout.ROW_B["II"]


def test_unit_errors_name_close_matches_or_the_submitter(tmp_path, reg):
    with pytest.raises(UnitError, match="Quận Ba Đình"):
        write_template("III", tmp_path / "t.xlsx", unit="Quận Ba Đìh", registry=reg)
    with pytest.raises(UnitError, match="do «Quận Ba Đình» lập và gửi"):
        write_template("III", tmp_path / "t.xlsx", unit="Phường Phúc Xá", registry=reg)
    with pytest.raises(UnitError, match="Phụ lục III, không phải Phụ lục I"):
        write_template("I", tmp_path / "t.xlsx", unit="Quận Ba Đình", registry=reg)
    assert not (tmp_path / "t.xlsx").exists()


def test_cli_writes_the_file_and_exits_2_on_unknown_unit(tmp_path, capsys):
    out = tmp_path / "sub" / "pl3.xlsx"
    assert main(["template", "--form", "III", "--out", str(out), "--unit", "Huyện Ba Vì",
                 "--plan-number", "106", "--plan-date", "17/08/2017"]) == 0
    ws = _sheet(out)
    assert "Kế hoạch số 106/KH-UBND ngày 17 tháng 8 năm 2017" in ws["A5"].value
    assert ws["B10"].value == "Huyện Ba Vì"
    assert main(["template", "--form", "III", "--out", str(tmp_path / "x.xlsx"),
                 "--unit", "Huyện Không Có"]) == 2
    assert "Không tìm thấy đơn vị «Huyện Không Có»" in capsys.readouterr().err
    assert main(["template", "--form", "I", "--out", str(tmp_path / "y.xlsx"), "--plan-date", "31/02/2017"]) == 2


def test_console_command(tmp_path):
    out = tmp_path / "pl1.xlsx"
    run = subprocess.run([sys.executable, "-m", "sketket.cli", "template", "--form", "I", "--out", str(out)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert _sheet(out)["A4"].value == layout.TITLES["I"]


def test_user_registry_replaces_the_default(tmp_path):
    csv = tmp_path / "reg.csv"
    csv.write_text("code,tier,name,parent_code\n900,huyen,Huyện Thử,\n90001,xa,Xã Một,900\n"
                   "90002,xa,Xã Hai,900\n", encoding="utf-8")
    out = tmp_path / "t.xlsx"
    assert main(["template", "--form", "III", "--out", str(out), "--unit", "Huyện Thử",
                 "--registry", str(csv)]) == 0
    ws = _sheet(out)
    assert [ws["B12"].value, ws["B13"].value, ws["B14"].value] == ["Xã Một", "Xã Hai", "Tổng cộng"]
    assert Plan.load().plan_date == dt.date(2017, 8, 14)
