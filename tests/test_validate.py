"""One test per rule: a planted mistake gives exactly its finding, at its cell, with a message that says
what is wrong and what was expected; a consistent table gives none."""

from __future__ import annotations

import pytest
from _workbooks import sample

from sketket import layout
from sketket.intake.reader import read_table
from sketket.intake.validate import FINDING_COLUMNS, check_table, load_rules
from sketket.outputs.writer import Variation, write_filled
from sketket.registry import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def run(tmp_path, reg, form="I", change=None, **kwargs):
    submitter, units = sample(form)
    if change:
        change(submitter, units)
    path = tmp_path / "t.xlsx"
    m = write_filled(form, path, submitter, units, **kwargs)
    return check_table(read_table(path, reg), "don-vi/t.xlsx", reg), m


def only(findings, rule):
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, findings
    assert len(findings) == 1, [(f.rule, f.cell) for f in findings]
    return hits[0]


@pytest.mark.parametrize("form", ["I", "II", "III"])
def test_a_consistent_table_has_no_finding(tmp_path, reg, form):
    findings, _ = run(tmp_path, reg, form)
    assert findings == []


def test_rules_config_has_a_message_for_every_table_rule():
    rules = load_rules()
    for rule in ("sum_mismatch", "pct_mismatch", "duplicate_unit", "no_table", "unsafe_xml"):
        assert rule in rules.messages and rule in rules.rules
    assert rules.thresholds["pct_error_points"] > rules.thresholds["pct_warning_points"]


def test_sum_mismatch(tmp_path, reg):
    findings, m = run(tmp_path, reg, change=lambda s, u: s.update(dossiers_on_time=1200))
    f = only(findings, "sum_mismatch")
    assert (f.cell, f.severity, f.sheet, f.source_file) == (m.cell("dossiers_received", m.row_a), "error",
                                                             m.sheet, "don-vi/t.xlsx")
    assert f.unit_name == "Sở Nông nghiệp và Phát triển nông thôn"
    assert f.message == ("Tổng số hồ sơ đã nhận là 1.250 nhưng đúng hạn (1.200) + quá hạn (30) = 1.230; "
                         "cần bằng nhau.")
    assert list(f.as_dict()) == list(FINDING_COLUMNS)


def test_overdue_exceeds_received_in_phu_luc_iii(tmp_path, reg):
    findings, m = run(tmp_path, reg, "III", change=lambda s, u: u[0].update(dossiers_overdue=401))
    f = only(findings, "overdue_exceeds_received")
    assert f.cell == m.cell("dossiers_received", m.unit_rows[0])
    assert f.unit_name == "Phường Phúc Xá"
    assert "quá hạn (401) lớn hơn tổng số hồ sơ đã nhận (400)" in f.message


def test_one_stop_exceeds_total(tmp_path, reg):
    findings, m = run(tmp_path, reg, change=lambda s, u: u[0].update(tthc_one_stop=81))
    f = only(findings, "one_stop_exceeds_total")
    assert f.cell == m.cell("tthc_one_stop", m.unit_rows[0])
    assert "(81) lớn hơn số TTHC thuộc thẩm quyền (80)" in f.message


@pytest.mark.parametrize(
    ("column", "typed", "rule", "shown"),
    [
        ("dossiers_overdue", -3, "negative_count", "-3"),
        ("tthc_total", 12.5, "fractional_count", "12,5"),
        ("postal_tthc", "khoảng 30", "not_a_number", "khoảng 30"),
        ("dossiers_received", 1e19, "count_too_large", "10.000.000.000.000.000.000"),
    ],
)
def test_bad_cells_are_reported_once(tmp_path, reg, column, typed, rule, shown):
    findings, m = run(tmp_path, reg, change=lambda s, u: u[1].update({column: typed}))
    f = only(findings, rule)  # and no knock-on sum or ratio finding
    assert f.cell == m.cell(column, m.unit_rows[1])
    assert f.value == shown and shown in f.message and f.severity == "error"


def test_a_sum_is_not_checked_over_a_cell_already_found_unfit(tmp_path, reg):
    """"(3)" read as −3 in a commune's overdue cell, the subtotal typed as 4 + 3: the bad cell's own finding,
    not a subtotal "expected 1" built from a figure already known to be wrong."""
    findings, m = run(tmp_path, reg, subtotal={"dossiers_overdue": 7},
                      change=lambda s, u: u[1].update(dossiers_overdue=-3))
    assert [f.rule for f in findings] == ["negative_count"]


@pytest.mark.parametrize(("reported", "severity"), [(95.3, None), (96.0, "warning"), (98.0, "error")])
def test_pct_mismatch_warning_then_error(tmp_path, reg, reported, severity):
    # 190/200 = 95,0%
    findings, m = run(tmp_path, reg, change=lambda s, u: s.update(tthc_one_stop_pct=reported))
    if severity is None:
        assert findings == []
        return
    f = only(findings, "pct_mismatch")
    assert (f.cell, f.severity) == (m.cell("tthc_one_stop_pct", m.row_a), severity)
    assert "tính lại từ số liệu (190/200) là 95,0%" in f.message


def test_pct_mismatch_in_phu_luc_iii_uses_derived_on_time(tmp_path, reg):
    # (1.250 − 30)/1.250 = 97,6%
    findings, m = run(tmp_path, reg, "III", change=lambda s, u: s.update(on_time_pct=90))
    f = only(findings, "pct_mismatch")
    assert f.cell == m.cell("on_time_pct", m.row_a)
    assert "(1.220/1.250) là 97,6%" in f.message


@pytest.mark.parametrize("b_value", [1050, 1000])
def test_subtotal_mismatch_only_where_b_has_figures(tmp_path, reg, b_value):
    findings, m = run(tmp_path, reg, subtotal={"dossiers_received": b_value, "tthc_total": None})
    if b_value == 1050:
        assert findings == []
        return
    f = only(findings, "subtotal_mismatch")
    assert f.cell == m.cell("dossiers_received", m.row_b)
    assert "là 1.000 nhưng tổng 2 đơn vị trực thuộc là 1.050" in f.message


@pytest.mark.parametrize("total_value", [370, 5])
def test_total_mismatch(tmp_path, reg, total_value):
    findings, m = run(tmp_path, reg, total={"tthc_total": total_value})
    if total_value == 370:
        assert findings == []
        return
    f = only(findings, "total_mismatch")
    assert f.cell == m.cell("tthc_total", m.total_row)
    assert "là 5 nhưng dòng A cộng 2 đơn vị trực thuộc là 370" in f.message


@pytest.mark.parametrize("column", layout.REQUIRED)
def test_required_missing(tmp_path, reg, column):
    findings, m = run(tmp_path, reg, change=lambda s, u: u[0].update({column: None}))
    hits = [f for f in findings if f.rule == "required_missing"]
    assert [f.cell for f in hits] == [m.cell(column, m.unit_rows[0])]
    assert hits[0].unit_name == "Chi cục Thú y"


def test_area_missing(tmp_path, reg):
    findings, m = run(tmp_path, reg, change=lambda s, u: s.update(area_m2=None))
    f = only(findings, "area_missing")
    assert (f.cell, f.severity) == (m.cell("area_m2", m.row_a), "warning")
    assert "Đã nhận 1.250 hồ sơ" in f.message


def test_online_exceeds_tthc(tmp_path, reg):
    findings, m = run(tmp_path, reg, change=lambda s, u: s.update(online_services_l34=201))
    f = only(findings, "online_exceeds_tthc")
    assert f.cell == m.cell("online_services_l34", m.row_a)
    assert f.severity == "error"  # a rate over 100 %: the figures wait for a corrected table


def test_unit_unmatched_proposes_close_names(tmp_path, reg):
    # closest to Chi cục Thủy lợi, which has its own row: never taken for it, nor for a unit without a row
    findings, m = run(tmp_path, reg, change=lambda s, u: u[0].update(unit_name="Chi cục Thủy lợi Hà Tây"))
    f = only(findings, "unit_unmatched")
    assert f.cell == m.cell("unit_name", m.unit_rows[0])
    assert "Chi cục Thủy lợi" in f.message and f.value == "Chi cục Thủy lợi Hà Tây"


def test_a_misspelt_sub_unit_without_a_row_of_its_own_is_understood(tmp_path, reg):
    findings, m = run(tmp_path, reg, change=lambda s, u: u[0].update(unit_name="Chi cục Thú y Hà Tây"))
    f = only(findings, "unit_name_corrected")
    assert f.cell == m.cell("unit_name", m.unit_rows[0]) and f.severity == "warning"
    assert "đã hiểu là Chi cục Thú y" in f.message


def test_sub_units_are_matched_within_their_parent(tmp_path, reg):
    # Hàng Bạc is a ward of Hoàn Kiếm, not of Ba Đình: the finding names the district it belongs to
    findings, m = run(tmp_path, reg, "III", change=lambda s, u: u[1].update(unit_name="Phường Hàng Bạc"))
    assert not [f for f in findings if f.rule == "unit_unmatched"]
    f = only(findings, "unit_wrong_parent")
    assert f.cell == m.cell("unit_name", m.unit_rows[1]) and f.value == "Phường Hàng Bạc"
    assert f.message == ('"Phường Hàng Bạc" thuộc Quận Hoàn Kiếm, không thuộc Quận Ba Đình; cần đưa vào biểu '
                         'của Quận Hoàn Kiếm hoặc sửa lại tên.')


def test_unit_name_inferred(tmp_path, reg):
    findings, m = run(tmp_path, reg, "II", variation=Variation(placeholder_row_a=True))
    f = only(findings, "unit_name_inferred")
    assert f.cell == m.cell("unit_name", m.row_a)
    assert f.unit_name == "Cục Thuế thành phố Hà Nội"
    assert '"Đặt tại Thành phố"' in f.message and "ô \"CƠ QUAN, ĐƠN VỊ\"" in f.message


def test_sub_units_of_an_unknown_submitter_are_matched_only_when_unambiguous(reg):
    from sketket.intake.reader import Row, Table
    from sketket.intake.validate import match_rows

    def row(kind: str, name: str) -> Row:
        return Row(kind, "1", name, 10, {}, {})

    # Phường Minh Khai exists in Hai Bà Trưng and in Bắc Từ Liêm; Phường Phúc Xá only in Ba Đình
    table = Table("III", "Phụ lục III", {}, [row("A", "Quận Không Có"), row("unit", "Phường Minh Khai"),
                                            row("unit", "Phường Phúc Xá")], "Quận Không Có", "table")
    matches = match_rows(table, reg)
    assert not matches[-1].matched
    assert not matches[1].matched and len(matches[1].suggestions) == 2
    assert matches[2].code == "00001"


def test_a_count_of_nines_is_a_warning_to_check(tmp_path, reg):
    """Chương Mỹ's own counter: "9.999 hồ sơ, 0 quá hạn", ranked first with no word: a count of nines is said."""
    from _workbooks import figures

    def nines(submitter, units):
        submitter.update(figures("I", 9999, 0))
        units[0].update(figures("I", 99_999, 0, tthc_total=80, one_stop=80, area=40))
        units[1].update(figures("I", 650, 0, tthc_total=90, one_stop=85, area=35))

    findings, m = run(tmp_path, reg, change=nines)
    found = [f for f in findings if f.rule == "placeholder_count"]
    assert [(f.severity, f.value, f.cell) for f in found] == [
        ("warning", "9.999", m.cell("dossiers_received", m.row_a)),
        ("warning", "99.999", m.cell("dossiers_received", m.unit_rows[0]))]
    assert "có vẻ là số ghi tạm" in found[0].message


def test_a_total_over_no_or_one_sub_unit_is_said_without_counting_them(tmp_path, reg):
    """"dòng A cộng 0 đơn vị trực thuộc là 107", "tổng 1 đơn vị trực thuộc": a department without Chi cục, or with
    one, is told what its Tổng cộng or row B should equal in words that read."""
    def alone(submitter, units):
        units.clear()

    findings, _ = run(tmp_path, reg, change=alone, total={"tthc_total": 5})
    assert "là 5 nhưng dòng A (biểu không có đơn vị trực thuộc) là 200; cần bằng nhau" in only(
        findings, "total_mismatch").message

    def one(submitter, units):
        del units[1]

    findings, _ = run(tmp_path, reg, change=one, total={"tthc_total": 5})
    assert "là 5 nhưng dòng A cộng đơn vị trực thuộc duy nhất là 280" in only(findings, "total_mismatch").message
    findings, _ = run(tmp_path, reg, change=one, subtotal={"dossiers_received": 7})
    assert "là 7 nhưng đơn vị trực thuộc duy nhất trong biểu ghi là 400" in only(findings, "subtotal_mismatch").message
