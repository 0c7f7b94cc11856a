import pandas as pd
from indicators_data import appendix, finding
from openpyxl import load_workbook

from sketket.config import Plan
from sketket.outputs.returns import _ordered, attribute_findings, unit_slug, write_return_lists

XUAN = "quan-xuan.xlsx"


def _findings() -> pd.DataFrame:
    return pd.DataFrame([
        finding(XUAN, "Phường Hai", "area_missing", severity="warning", cell="C12", message="Không ghi diện tích"),
        finding(XUAN, "Phường Hai", "sum_mismatch", cell="G12", message="=HYPERLINK(\"http://x\",\"bấm\")",
                value="=1+1"),
        finding(XUAN, "Phường Một", "negative_count", cell="F11", message="Số âm", value="-5"),
        finding(XUAN, "Quận Xuân", "total_mismatch", cell="G20", message="Tổng cộng sai", value="1.234"),
        finding("so-alpha.xlsx", "Chi cục Alpha Một", "one_stop_exceeds_total", cell="E10", message="Sai"),
        finding("hong.xlsx", "", "file_corrupt", cell="", message="Tệp hỏng, không mở được"),
        # an older file of the same unit, superseded (so not in appendix.csv): same unit, same list
        finding("so-alpha-cu.xlsx", "Sở Alpha", "duplicate_unit", severity="warning", cell=""),
    ])


def _rows(path) -> list[tuple]:
    ws = load_workbook(path).active
    return [tuple(c.value for c in row) for row in ws.iter_rows(min_row=8, max_col=8)
            if isinstance(row[0].value, int)]


def test_findings_go_to_the_unit_that_sent_the_file():
    attributed = attribute_findings(_findings(), appendix()).set_index("cell")
    assert attributed.loc["F11", "submitter_name"] == "Quận Xuân"  # a commune's row: its district corrects it
    assert attributed.loc["F11", "submitter_code"] == "001"
    assert attributed.loc["E10", "submitter_name"] == "Sở Alpha"
    files = attributed.set_index("source_file")["submitter_name"]
    assert files["hong.xlsx"] == "Tệp hong.xlsx"
    assert files["so-alpha-cu.xlsx"] == "Sở Alpha"


def test_one_list_per_submitting_unit_with_findings(tmp_path):
    paths = write_return_lists(_findings(), appendix(), tmp_path / "tra-lai", plan=Plan.load())
    assert sorted(p.name for p in paths) == ["quan-xuan.xlsx", "so-alpha.xlsx", "tep-hong-xlsx.xlsx"]
    ws = load_workbook(tmp_path / "tra-lai" / "quan-xuan.xlsx").active
    assert ws["A3"].value == "Đơn vị: Quận Xuân"
    # sent after the report deadline: a time to correct, not that date
    assert ws["A4"].value == ("Đề nghị đơn vị chỉnh sửa và gửi lại biểu về Sở Nội vụ trong 5 ngày làm việc kể từ "
                              "ngày nhận được danh sách này (hạn gửi báo cáo theo Kế hoạch: 30/08/2017).")
    assert "Kế hoạch số 186/KH-UBND ngày 14/08/2017" in ws["A2"].value
    assert ws["A5"].value == "Số lỗi phải sửa: 3; số cảnh báo cần kiểm tra: 1."
    assert [c.value for c in ws[7]] == ["STT", "Tệp", "Trang tính", "Ô", "Nội dung kiểm tra", "Mức độ",
                                       "Mô tả", "Giá trị"]
    rows = _rows(tmp_path / "tra-lai" / "quan-xuan.xlsx")
    # errors first, then in reading order (row 11 before row 12 before row 20); the warning last
    assert [(r[0], r[3], r[5]) for r in rows] == [(1, "F11", "Lỗi"), (2, "G12", "Lỗi"), (3, "G20", "Lỗi"),
                                                 (4, "C12", "Cảnh báo")]
    assert rows[0][4] == "Số âm" and rows[0][7] == -5  # in words, no rule identifier
    assert rows[2][7] == "1.234"
    assert rows[3][6] == "Không ghi diện tích"
    assert ws.cell(row=7 + len(rows) + 2, column=1).value.startswith("Lỗi: đơn vị phải sửa")
    assert [r[1] for r in _rows(tmp_path / "tra-lai" / "so-alpha.xlsx")] == ["so-alpha.xlsx", "so-alpha-cu.xlsx"]


def test_a_list_of_warnings_only_asks_for_no_correction(tmp_path):
    warnings = _findings()[lambda f: f["severity"] == "warning"]
    write_return_lists(warnings, appendix(), tmp_path, plan=Plan.load({"correction_days": "7"}))
    ws = load_workbook(tmp_path / "quan-xuan.xlsx").active
    assert ws["A4"].value.startswith("Biểu không còn lỗi phải sửa; đề nghị đơn vị kiểm tra các cảnh báo")
    assert ws["A5"].value == "Số lỗi phải sửa: 0; số cảnh báo cần kiểm tra: 1."
    write_return_lists(_findings(), appendix(), tmp_path, plan=Plan.load({"correction_days": "7"}))
    assert "trong 7 ngày làm việc" in load_workbook(tmp_path / "quan-xuan.xlsx").active["A4"].value


def test_formula_injection_is_neutralised(tmp_path):
    write_return_lists(_findings(), appendix(), tmp_path, plan=Plan.load())
    ws = load_workbook(tmp_path / "quan-xuan.xlsx").active
    message, value = ws["G9"], ws["H9"]
    assert message.data_type == "s" and message.value == "'=HYPERLINK(\"http://x\",\"bấm\")"
    assert value.data_type == "s" and value.value == "'=1+1"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_no_list_without_findings(tmp_path):
    empty = pd.DataFrame(columns=_findings().columns)
    assert write_return_lists(empty, appendix(), tmp_path, plan=Plan.load()) == []
    assert list(tmp_path.iterdir()) == []


def test_unit_slug():
    assert unit_slug("Sở Tư pháp") == "so-tu-phap"
    assert unit_slug("Quận Đống Đa") == "quan-dong-da"
    assert unit_slug("") == "khong-ro-don-vi"


def test_a_rejected_file_goes_to_the_unit_its_name_names(tmp_path):
    from indicators_data import registry

    findings = pd.DataFrame([
        finding("nganh-doc/cuc-thue-thanh-pho-ha-noi-bieu-pl2-mat-khau.xlsx", "", "file_encrypted", cell="",
                message="Tệp có mật khẩu"),
        finding("khong-ro/bang-tinh-1.xlsx", "", "file_corrupt", cell="", message="Tệp hỏng"),
    ])
    attributed = attribute_findings(findings, appendix(), registry()).set_index("rule")
    assert attributed.loc["file_encrypted", ["submitter_name", "submitter_code"]].tolist() == [
        "Cục Thuế thành phố Hà Nội", "N01"]
    assert attributed.loc["file_corrupt", "submitter_name"] == "Tệp khong-ro/bang-tinh-1.xlsx"
    paths = write_return_lists(findings, appendix(), tmp_path, plan=Plan.load(), registry=registry())
    assert sorted(p.name for p in paths) == ["cuc-thue-thanh-pho-ha-noi.xlsx", "tep-khong-ro-bang-tinh-1-xlsx.xlsx"]
    assert load_workbook(tmp_path / "cuc-thue-thanh-pho-ha-noi.xlsx").active["A3"].value == (
        "Đơn vị: Cục Thuế thành phố Hà Nội")


def test_a_list_is_headed_with_the_registry_name_of_its_unit(tmp_path):
    from indicators_data import city_rows, registry

    rows = city_rows()
    rows[5]["unit_name"] = "UBND quận Xuân"  # 001, as the district typed it
    findings = pd.DataFrame([finding(XUAN, "Phường Hai", "sum_mismatch")])
    attributed = attribute_findings(findings, appendix(rows), registry())
    assert attributed.loc[0, ["submitter_name", "submitter_code"]].tolist() == ["Quận Xuân", "001"]
    paths = write_return_lists(findings, appendix(rows), tmp_path, plan=Plan.load(), registry=registry())
    assert [p.name for p in paths] == ["quan-xuan.xlsx"]


def test_lists_are_cut_from_findings_ordered_once(tmp_path):
    """Two units' findings interleaved: each list gets its own, errors first, in reading order."""
    findings = pd.DataFrame([
        finding(XUAN, "Phường Hai", "sum_mismatch", cell="G20"),
        finding("so-alpha.xlsx", "Sở Alpha", "negative_count", cell="F11"),
        finding(XUAN, "Phường Hai", "negative_count", cell="F11"),
        finding(XUAN, "Quận Xuân", "area_missing", cell="C12", severity="warning"),
    ])
    attributed = attribute_findings(findings, appendix())
    ordered = _ordered(attributed, by_submitter=True)
    assert ordered[["submitter_name", "cell"]].values.tolist() == [
        ["Quận Xuân", "F11"], ["Quận Xuân", "G20"], ["Quận Xuân", "C12"], ["Sở Alpha", "F11"]]
    paths = write_return_lists(findings, appendix(), tmp_path, plan=Plan.load())
    assert [p.name for p in paths] == ["quan-xuan.xlsx", "so-alpha.xlsx"]
    assert [(r[0], r[3]) for r in _rows(paths[0])] == [(1, "F11"), (2, "G20"), (3, "C12")]
    assert load_workbook(paths[0]).active["A5"].value == "Số lỗi phải sửa: 2; số cảnh báo cần kiểm tra: 1."
    assert [r[3] for r in _rows(paths[1])] == ["F11"]


def test_a_unit_whose_table_differs_from_its_log_gets_the_reconciliation_line(tmp_path):
    from dossier_data import reconciliation

    from sketket.outputs.returns import reconciliation_findings

    rec = reconciliation()  # Phường Một (00001) differs, Phường Hai (00002) agrees
    added = reconciliation_findings(rec, appendix())
    assert list(added["unit_name"]) == ["Phường Một"] and list(added["source_file"]) == [XUAN]
    paths = write_return_lists(pd.concat([_findings(), added], ignore_index=True), appendix(), tmp_path,
                               plan=Plan.load())
    assert sorted(p.name for p in paths) == ["quan-xuan.xlsx", "so-alpha.xlsx", "tep-hong-xlsx.xlsx"]
    line = [r for r in _rows(tmp_path / "quan-xuan.xlsx") if "sổ theo dõi hồ sơ" in r[4]]
    assert len(line) == 1
    _, source, sheet, cell, rule, severity, message, value = line[0]
    assert (source, sheet, cell, severity, value) == (XUAN, "Sheet1", None, "Cảnh báo", 420)
    assert rule == "Số liệu Phụ lục khác sổ theo dõi hồ sơ của phần mềm một cửa"
    assert message.startswith("Phường Một: Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%; "
                              "đúng hạn: biểu 400, phần mềm 380; sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối "
                              "kỳ; 3 dòng của sổ bị loại vì lỗi. Đề nghị đơn vị đối chiếu lại")
    # units that agree, or no logs at all: no line, no list
    assert reconciliation_findings(rec[rec["status"] == "agrees"], appendix()).empty
    assert reconciliation_findings(rec.iloc[0:0], appendix()).empty


def test_a_replaced_file_goes_to_the_list_of_the_unit_that_resent_it(tmp_path):
    """Quận Xuân's first file, replaced by its resend: its duplicate_unit warning names the unit as typed
    ("UBND quận Xuân") and made a second list, ubnd-quan-xuan.xlsx, beside quan-xuan.xlsx; it names the file
    kept, whose unit it is."""
    from indicators_data import registry

    findings = pd.DataFrame([
        finding(XUAN, "Phường Hai", "sum_mismatch"),
        finding("quan-xuan (lan 1).xlsx", "UBND quận Xuân", "duplicate_unit", severity="warning", cell="",
                value=XUAN, message="Đơn vị có ở hai tệp"),
    ])
    attributed = attribute_findings(findings, appendix(), registry()).set_index("source_file")
    assert attributed.loc["quan-xuan (lan 1).xlsx", ["submitter_name", "submitter_code"]].tolist() == [
        "Quận Xuân", "001"]
    paths = write_return_lists(findings, appendix(), tmp_path, plan=Plan.load(), registry=registry())
    assert [p.name for p in paths] == ["quan-xuan.xlsx"] and len(_rows(paths[0])) == 2
