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
    assert silent.loc["Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)", "Đơn vị không nêu"] == "Huyện Sóc Sơn"
    assert silent.loc["Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)", "Có"] == 1 and silent.loc["Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)", "Không"] == 1


def test_write_checklist(tmp_path):
    SECTIONS.to_csv(tmp_path / "sections.csv", index=False, encoding="utf-8-sig")
    path = write_checklist(tmp_path)
    df = pd.read_csv(path, encoding="utf-8-sig", dtype={"unit_code": str})
    assert len(df) == 3 * df["item"].nunique()
    assert df[(df["unit_code"] == "001") & (df["item"] == "g_truc_tuyen")]["number"].iloc[0] == 1250


def one(text: str, section: str = "II.2.c", **more: str) -> pd.DataFrame:
    return unit_checklist(pd.DataFrame(report("x.docx", "Sở Y tế", "S09", "so", {section: text, **more}),
                                       columns=COLUMNS)).set_index("item")


@pytest.mark.parametrize(("text", "item", "expected"), [
    # negation more than a few words away, in the next clause, after the item (passives)
    ("Quy chế phối hợp giải quyết các TTHC liên thông giữa Sở và các cơ quan liên quan hiện đang được dự "
     "thảo, chưa ban hành.", "c_phoi_hop", "Không"),
    ("Việc chi trả tiền làm thêm giờ cho cán bộ vẫn chưa được thực hiện.", "dd_them_gio", "Không"),
    ("Huyện sẽ ban hành Quy chế phối hợp trong quý IV/2017.", "c_phoi_hop", "Không"),
    # hedges and counts as partial
    ("Về cơ bản, các đơn vị đã ban hành quy chế phối hợp; một số xã chưa ban hành.", "c_phoi_hop", "Một phần"),
    ("Quy trình giải quyết TTHC mới được ban hành cho 45/120 thủ tục.", "c_quy_trinh", "Một phần"),
    ("Đã ban hành nội quy, chưa ban hành quy chế hoạt động của Bộ phận.", "c_noi_quy", "Một phần"),
    # positives in another word order or the passive
    ("Bộ phận tiếp nhận và trả kết quả được kiện toàn tại Quyết định số 45/QĐ-SYT.", "c_thanh_lap", "Có"),
    ("UBND quận ban hành Quyết định số 150/QĐ-UBND về việc công khai bộ TTHC thuộc thẩm quyền.", "c_cong_khai", "Có"),
    # "không phát sinh" is its own value
    ("Do không có TTHC liên thông nên không phát sinh việc ban hành quy chế phối hợp.", "c_phoi_hop",
     "Không phát sinh"),
    # a reason's negation does not reach the item; a request reports nothing
    ("Do lượng hồ sơ không nhiều nên đơn vị làm việc sáng thứ bảy hai tuần một lần.", "dd_thu_bay", "Có"),
    ("Đề nghị UBND Thành phố ban hành quy chế phối hợp mẫu.", "c_phoi_hop", "Không nêu"),
    # typed without diacritics
    ("So chua ban hanh quy che phoi hop.", "c_phoi_hop", "Không"),
])
def test_polarity_per_clause(text, item, expected):
    section = {"dd_them_gio": "II.2.đ", "dd_thu_bay": "II.2.đ"}.get(item, "II.2.c")
    assert one(text, section).loc[item, "value"] == expected


def test_figures_in_words_parts_and_the_section_statement():
    assert one("Huyện có hai mươi mốt dịch vụ công trực tuyến mức độ 3.", "II.2.g").loc["g_truc_tuyen", "number"] == 21
    assert one("Quận triển khai 21 dịch vụ công trực tuyến mức độ 3 và 04 dịch vụ mức độ 4.",
               "II.2.g").loc["g_truc_tuyen", "number"] == 25
    assert one("Đối với 15 TTHC thuộc lĩnh vực hộ tịch, đơn vị đã trả kết quả qua dịch vụ bưu chính công ích.",
               "II.2.e").loc["e_buu_chinh", "number"] == 15
    saturday = one("Bộ phận làm việc sáng thứ bảy hàng tuần. Trong kỳ đã tiếp nhận một nghìn hai trăm hồ sơ.",
                   "II.2.đ").loc["dd_thu_bay"]
    assert (saturday["value"], saturday["number"]) == ("Có", 1200)
    survey = one("Kết quả khảo sát cho thấy 97% người dân hài lòng, 3% chưa hài lòng.", "II.2.k").loc["k_khao_sat"]
    assert (survey["value"], survey["number"]) == ("Có", 97)
    assert one("Sở chưa triển khai.", "II.2.e").loc["e_buu_chinh", "value"] == "Không"  # under heading e)


def test_two_sentences_that_disagree_are_flagged_not_decided():
    df = one("Quy chế phối hợp: đã ban hành. Sở chưa ban hành quy chế phối hợp giải quyết TTHC liên thông.")
    row = df.loc["c_phoi_hop"]
    assert row["value"] == "Không nêu" and row["flag"].startswith("Mâu thuẫn")
    assert row["evidence"] == ("Quy chế phối hợp: đã ban hành. | Sở chưa ban hành quy chế phối hợp giải quyết TTHC "
                               "liên thông.")
    assert df.loc["c_cong_khai", "flag"] == ""
    flagged = df.reset_index()
    assert checklist_matrix(flagged).loc[("Sở, cơ quan tương đương Sở", "Sở Y tế"),
                                         "Quy chế phối hợp TTHC liên thông"] == "Cần kiểm tra"
    counts = silent_units(flagged)
    assert counts.loc["Quy chế phối hợp TTHC liên thông", "Cần kiểm tra"] == 1
    assert counts.loc["Quy chế phối hợp TTHC liên thông", "Đơn vị không nêu"] == ""


def test_the_pack_lists_what_to_check_with_the_units_own_sentences(table):
    from sketket.outputs.lessons_pages import checklist_review_html

    flagged = one("Quy chế phối hợp: đã ban hành. Sở chưa ban hành quy chế phối hợp.").reset_index()
    html = checklist_review_html({"checklist": pd.concat([table, flagged], ignore_index=True)})
    assert "Cần kiểm tra" in html and "Quy chế phối hợp: đã ban hành. | Sở chưa ban hành quy chế phối hợp." in html
    assert "Đã gửi 3/5 thư xin lỗi | một số trường hợp chưa thực hiện xin lỗi bằng văn bản." in html  # Một phần
    assert "Quận Ba Đình" not in html  # nothing partial or disputed there
    assert "Không có câu trả lời nào" in checklist_review_html({"checklist": table[table["unit_code"] == "016"]})


def test_a_report_on_the_assigned_tasks_does_not_answer_the_outline():
    """A Sở sends its review report and a report on its assigned tasks: the checklist holds the review
    report's answers only, so that the unit is counted once (not once more as saying nothing)."""
    sections = pd.DataFrame(
        report("so-ngan/Bao cao so ket - So Tai chinh.docx", "Sở Tài chính", "S04", "so",
               {"II.2.k": "Đã ban hành kế hoạch khảo sát; tỷ lệ hài lòng đạt 91%."})
        + report("nhiem-vu/Bao cao nhiem vu QD07 - So Tai chinh.docx", "Sở Tài chính", "S04", "so",
                 {"other": "Báo cáo kết quả thực hiện nhiệm vụ được giao tại Quyết định 07/2016"}), columns=COLUMNS)
    df = unit_checklist(sections)
    assert set(df["source_file"]) == {"so-ngan/Bao cao so ket - So Tai chinh.docx"}
    k = df[df["item"] == "k_khao_sat"]
    assert len(k) == 1 and k["value"].item() == "Có"


def test_letters_sent_out_of_a_total_keep_the_letters_sent_whatever_the_digits():
    """"2.193/7.587 thư xin lỗi" kept 7.587 (the regex's fraction took one digit), "4/233" kept 4: the number is
    the letters sent, with or without thousands separators."""
    from sketket.analysis.checklist import assess, load_checklist

    checklist = load_checklist()
    item = next(i for i in checklist.items if i["id"] == "h_xin_loi")
    for text, sent in (("Đơn vị đã gửi 2.193/7.587 thư xin lỗi tổ chức, cá nhân.", 2193),
                       ("Đã gửi 4/233 thư xin lỗi.", 4), ("Đã gửi 1.284/1.421 thư xin lỗi.", 1284)):
        answer = assess(item, text, checklist)
        assert (answer.value, answer.number) == ("partly", sent), text


def test_a_unit_meeting_every_modern_criterion_counts_as_yes_on_each_it_does_not_name():
    """The city pack's table read "diện tích tối thiểu: 0 Có / 53 Không nêu" beside "Đủ tiêu chí hiện đại: 46
    Có": a unit that says it meets them all counts as "Có" on each criterion it does not name (a "Không" stays)."""
    rows = []
    for unit, whole, area in (("S01", "Có", "Không nêu"), ("S02", "Có", "Không"), ("S03", "Không nêu", "Không nêu")):
        for item, label, value in (("d_hien_dai", "Đủ tiêu chí hiện đại (VB 2956/UBND-NC)", whole),
                                   ("d_dien_tich", "Tiêu chí: diện tích tối thiểu", area)):
            rows.append({"source_file": f"{unit}.docx", "unit_name": unit, "unit_code": unit, "tier": "so",
                         "section": "II.2.d", "group": "d)", "item": item, "item_label": label, "value": value,
                         "number": None, "evidence": "", "flag": ""})
    counts = silent_units(pd.DataFrame(rows))
    area = counts.loc["Tiêu chí: diện tích tối thiểu"]
    assert (area["Có"], area["Không"], area["Không nêu"], area["Đơn vị không nêu"]) == (1, 1, 1, "S03")
