"""The II.2 checklist on hand-made report sections."""

from __future__ import annotations

import pandas as pd
import pytest

from sketket.analysis.checklist import checklist_matrix, silent_units, unit_checklist, write_checklist

COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "heading", "text"]


def report(source: str, unit: str, code: str, tier: str, sections: dict[str, str]) -> list[dict]:
    return [{"source_file": source, "unit_name": unit, "unit_code": code, "tier": tier, "section": s,
             "heading": "", "text": t} for s, t in sections.items()]


SECTIONS = pd.DataFrame(report("a.docx", "Quận Ba Đình", "001", "huyen", {
    "II.2.c": "- Quyết định công khai các TTHC thuộc thẩm quyền: đã ban hành (số 12/QĐ-UBND);\n"
              "- Quyết định ban hành Quy chế phối hợp giải quyết các TTHC liên thông: chưa ban hành, đang dự thảo;\n"
              "Đã ban hành Nội quy của Bộ phận, tuy nhiên chưa có quyết định cử Trưởng Bộ phận.",
    "II.2.d": "Diện tích 80 m², trang bị hệ thống xếp hàng tự động, camera giám sát. Chế độ bồi dưỡng được chi "
              "trả đầy đủ, chưa cấp trang phục do chưa có kinh phí. Bộ phận chưa đáp ứng đủ tiêu chí hiện đại "
              "theo Văn bản số 2956/UBND-NC; các tiêu chí chưa đạt: màn hình cảm ứng tra cứu thông tin.",
    "II.2.đ": "Đơn vị chưa tổ chức làm việc sáng thứ bảy do lượng hồ sơ ít.",
    "II.2.e": "Đơn vị đã ký hợp đồng với Bưu điện; 25 TTHC được tiếp nhận hồ sơ, trả kết quả qua dịch vụ bưu "
              "chính công ích.",
    "II.2.g": "Đơn vị đang cung cấp 1.250 dịch vụ công trực tuyến mức độ 3, 4.",
    "II.2.h": "Trong kỳ không có hồ sơ quá hạn, không phát sinh trường hợp phải xin lỗi.",
    "II.2.k": "Đã ban hành kế hoạch khảo sát; tỷ lệ hài lòng đạt 96,5%.",
}) + report("b.odt", "Sở Tư pháp", "S02", "so", {
    "II.2.c": "Chưa ban hành quy chế phối hợp, nội quy.",
    "II.2.g": "Số lượng dịch vụ công trực tuyến mức độ 3, 4: 14.",
    "II.2.h": "Đã gửi 3/5 thư xin lỗi; một số trường hợp chưa thực hiện xin lỗi bằng văn bản.",
    "other": "Bộ phận làm việc sáng thứ 7 hàng tuần.",  # said outside its section: still read
}) + report("c.txt", "Huyện Sóc Sơn", "016", "huyen", {
    "II.2.g": "Đơn vị chưa triển khai dịch vụ công trực tuyến mức độ 3, 4.",
    "II.2.k": "Đơn vị chưa tổ chức khảo sát mức độ hài lòng.",
    "II.3.b": "Chưa làm việc sáng thứ bảy.",  # a shortcoming, not what the unit reports in II.2
}), columns=COLUMNS)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    df = unit_checklist(SECTIONS)
    return df


def value(table, unit_code: str, item: str) -> tuple[str, float | None]:
    row = table[(table["unit_code"] == unit_code) & (table["item"] == item)].iloc[0]
    return row["value"], (None if pd.isna(row["number"]) else row["number"])


def test_documents_of_item_c_with_negation(table):
    assert value(table, "001", "c_cong_khai") == ("Có", None)
    assert value(table, "001", "c_phoi_hop") == ("Không", None)
    assert value(table, "001", "c_noi_quy") == ("Có", None)
    assert value(table, "001", "c_truong_bp") == ("Không", None)  # after "tuy nhiên, chưa có"
    assert value(table, "001", "c_mau_phieu") == ("Không nêu", None)
    assert value(table, "S02", "c_phoi_hop") == ("Không", None)
    assert value(table, "S02", "c_noi_quy") == ("Không", None)  # "chưa ban hành …, nội quy"


def test_counter_criteria_of_item_d(table):
    assert value(table, "001", "d_xep_hang")[0] == "Có"
    assert value(table, "001", "d_camera")[0] == "Có"
    assert value(table, "001", "d_tra_cuu")[0] == "Không"
    assert value(table, "001", "d_hien_dai")[0] == "Không"
    assert value(table, "001", "d_boi_duong")[0] == "Có"
    assert value(table, "001", "d_trang_phuc")[0] == "Không"


def test_saturday_postal_online_apology_survey(table):
    assert value(table, "001", "dd_thu_bay") == ("Không", None)
    assert value(table, "S02", "dd_thu_bay") == ("Có", None)  # found outside its section
    assert value(table, "016", "dd_thu_bay") == ("Không nêu", None)  # II.3 is not read for II.2
    assert value(table, "001", "e_buu_chinh") == ("Có", 25)
    assert value(table, "001", "g_truc_tuyen") == ("Có", 1250)
    assert value(table, "S02", "g_truc_tuyen") == ("Có", 14)
    assert value(table, "016", "g_truc_tuyen") == ("Không", None)
    assert value(table, "001", "h_xin_loi") == ("Không phát sinh", None)
    assert value(table, "S02", "h_xin_loi") == ("Một phần", 3)
    assert value(table, "001", "k_khao_sat") == ("Có", 96.5)
    assert value(table, "016", "k_khao_sat") == ("Không", None)


def test_matrix_and_silent_units(table):
    matrix = checklist_matrix(table)
    assert matrix.loc[("Quận, huyện, thị xã", "Quận Ba Đình"), "DVC trực tuyến mức độ 3, 4 (số dịch vụ)"] == "1.250"
    assert matrix.loc[("Quận, huyện, thị xã", "Quận Ba Đình"), "Khảo sát mức độ hài lòng (tỷ lệ hài lòng)"] == "96,5%"
    assert matrix.loc[("Sở, cơ quan tương đương Sở", "Sở Tư pháp"), "Quy chế phối hợp TTHC liên thông"] == "Không"
    silent = silent_units(table)
    assert silent.loc["Mẫu Phiếu, Sổ", "Không nêu"] == 3
    assert silent.loc["Làm việc sáng thứ bảy (số hồ sơ)", "Đơn vị không nêu"] == "Huyện Sóc Sơn"
    assert silent.loc["Làm việc sáng thứ bảy (số hồ sơ)", "Có"] == 1 and silent.loc["Làm việc sáng thứ bảy (số hồ sơ)", "Không"] == 1


def test_write_checklist(tmp_path):
    SECTIONS.to_csv(tmp_path / "sections.csv", index=False, encoding="utf-8-sig")
    path = write_checklist(tmp_path)
    df = pd.read_csv(path, encoding="utf-8-sig", dtype={"unit_code": str})
    assert len(df) == 3 * df["item"].nunique()
    assert df[(df["unit_code"] == "001") & (df["item"] == "g_truc_tuyen")]["number"].iloc[0] == 1250
