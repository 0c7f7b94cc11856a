"""The consolidated workbook's rows: a unit awaiting correction keeps its name, loses its figures, and its note
names the cells to fix, each once, as written in the findings."""

import pandas as pd

from sketket.analysis.analyse import workbook_appendix
from sketket.analysis.gating import AWAITING


def test_the_note_of_a_unit_awaiting_correction_names_its_cells():
    appendix = pd.DataFrame({"unit_name": ["Phường Quán Thánh", "Phường Phúc Xá"],
                             "dossiers_received": pd.array([6630, 4000], dtype="Int64"),
                             "dossiers_overdue": pd.array([6653, 10], dtype="Int64"), "note": ["", ""]})
    units = pd.DataFrame({"data_status": [AWAITING, "ok"], "correction_cells": [
        "G12: Số hồ sơ quá hạn (6.653) lớn hơn tổng số hồ sơ đã nhận (6.630) | F12: Cột \"Tỷ lệ %\" ghi 70,5%", ""]})
    out = workbook_appendix(appendix, units)
    assert out.loc[0, "note"] == "Số liệu đang chờ sửa (G12, F12)"
    assert pd.isna(out.loc[0, "dossiers_received"]) and pd.isna(out.loc[0, "dossiers_overdue"])
    assert out.loc[1, "note"] == "" and out.loc[1, "dossiers_received"] == 4000


def test_the_group_rows_say_which_units_awaiting_correction_their_sums_leave_out():
    """Row B "Cấp xã (2/… đơn vị có số liệu)" added up only one of the two communes without a word: the rows that
    sum units say how many awaiting correction they leave out, and a district's subtotal counts "đơn vị" (a
    quận's units are phường, not xã)."""
    from sketket.outputs.consolidated import sheet_rows
    from sketket.registry import load_registry

    appendix = pd.DataFrame({
        "form": "III", "tier": ["huyen", "xa", "xa"], "unit_code": ["001", "00001", "00004"],
        "unit_name": ["Quận Ba Đình", "Phường Phúc Xá", "Phường Trúc Bạch"],
        "parent_name": ["", "Quận Ba Đình", "Quận Ba Đình"], "note": ["", "", ""],
        "dossiers_received": pd.array([1000, 400, 650], dtype="Int64"),
        "dossiers_overdue": pd.array([10, 4, 700], dtype="Int64")})
    units = pd.DataFrame({"data_status": ["ok", "ok", AWAITING], "correction_cells": ["", "", "G13: quá hạn"]})
    from sketket.outputs.consolidated import numeric_frame

    book = numeric_frame(workbook_appendix(appendix, units))
    specs = sheet_rows(book, "III", load_registry())
    rows = {r.role: r for r in reversed(specs)}  # the first of each role: Ba Đình is the registry's first district
    assert rows["B"].name.endswith("; không gồm 1 đơn vị có số liệu đang chờ sửa)")
    assert rows["B"].values["dossiers_received"] == 400
    assert rows["subtotal"].name == "Cấp xã (2 đơn vị; không gồm 1 đơn vị có số liệu đang chờ sửa)"
    assert not rows["A"].name.endswith("chờ sửa)")


def test_a_row_whose_figures_come_from_an_earlier_file_says_so_and_is_still_counted():
    """The inspector's finding: the pack warned that Sở Y tế's figures came from its earlier file (the later one
    could not be opened), the workbook's note column was empty for its rows."""
    appendix = pd.DataFrame({"unit_name": ["Sở Y tế", "Chi cục Dân số", "Sở Tư pháp"],
                             "source_file": ["so-y-te.xlsx", "so-y-te.xlsx", "so-tu-phap.xlsx"],
                             "dossiers_received": pd.array([500, 80, 300], dtype="Int64"),
                             "note": ["Đã rà soát", None, ""]})
    units = pd.DataFrame({"data_status": ["ok", "ok", "ok"], "correction_cells": ["", "", ""]})
    findings = pd.DataFrame({"source_file": ["so-y-te.xlsx", "so-tu-phap.xlsx"],
                             "rule": ["resend_unreadable", "sum_mismatch"], "value": ["so-y-te-sua.xlsx", "9"]})
    out = workbook_appendix(appendix, units, findings)
    said = 'Số liệu lấy từ tệp gửi trước (tệp gửi sau "so-y-te-sua.xlsx" không mở được, cần gửi lại)'
    assert out["note"].tolist() == [f"Đã rà soát; {said}", said, ""]
    # the city's draft report names no file of the office's folders ("nganh-doc/… (mat khau).xlsx")
    out = workbook_appendix(appendix, units, findings, report=True)
    assert out["note"].tolist()[1] == "Số liệu theo biểu đơn vị gửi trước (biểu gửi sau không mở được, đơn vị cần gửi lại)"
    assert out["dossiers_received"].tolist() == [500, 80, 300]


def test_a_row_whose_figures_differ_from_the_units_dossier_log_says_so():
    """The inspector's finding: the packs marked Phú Lãm's row "(số liệu khác sổ theo dõi hồ sơ, chờ giải trình)",
    the consolidated workbook's and the draft's Ghi chú were empty. A unit that agrees, or awaits correction (its
    figures already left out and said), gets no such note."""
    appendix = pd.DataFrame({"unit_code": ["10441", "00529", "00466"],
                             "unit_name": ["Phường Phú Lãm", "Xã Yên Thường", "Xã Nguyên Khê"],
                             "dossiers_received": pd.array([250, 250, 300], dtype="Int64"),
                             "note": ["Đã rà soát", None, ""]})
    units = pd.DataFrame({"data_status": ["ok", "ok", AWAITING], "correction_cells": ["", "", "G9: quá hạn"]})
    reconciliation = pd.DataFrame({
        "unit_code": ["10441", "00529", "00466"], "status": ["differs", "agrees", "differs"],
        "message": ["Biểu báo cáo 250 hồ sơ; phần mềm một cửa ghi nhận 238, chênh 5,0%, biểu nhiều hơn 12 hồ sơ",
                    "Biểu báo cáo 250 hồ sơ; phần mềm một cửa ghi nhận 250, khớp", "…"],
        "reported_on_time": [240, 240, 200], "log_on_time": [230, 240, 200], "diff_on_time": [10, 0, 0],
        "reported_overdue": [10, 10, 0], "log_overdue": [8, 10, 0], "diff_overdue": [2, 0, 0],
        "log_note": ["sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ", "", ""]})
    out = workbook_appendix(appendix, units, None, reconciliation)
    # the figures that differ and what in the log may explain it, as the return list says them
    said = ("Số liệu khác sổ theo dõi hồ sơ của phần mềm một cửa (biểu báo cáo 250 hồ sơ; phần mềm một cửa ghi nhận "
            "238, chênh 5,0%, biểu nhiều hơn 12 hồ sơ; đúng hạn: biểu 240, phần mềm 230; quá hạn: biểu 10, phần mềm 8; "
            "sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ), chờ giải trình")
    assert out["note"][[0, 2]].tolist() == [f"Đã rà soát; {said}", "Số liệu đang chờ sửa (G9)"]
    assert pd.isna(out.loc[1, "note"])
