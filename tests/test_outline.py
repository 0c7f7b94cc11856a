"""The city pack answers the outline's part II.2 question by question, a–k in order, with a table of contents
whose anchors are the notebook's headings."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from pack_data import SCRIPT_NAME, write_processed

from sketket.clean import in_sentence
from sketket.outputs import packs

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "10_city_pack.ipynb"
OUTLINE = ["II.2.a", "II.2.b", "II.2.c", "II.2.d", "II.2.đ", "II.2.e", "II.2.g", "II.2.h", "II.2.i", "II.2.k"]


def _answers() -> pd.DataFrame:
    rows = []
    for code, name, saturday in (("001", "Quận Ba Đình", "Có"), ("S01", SCRIPT_NAME, "Không"),
                                 ("S02", "Sở Tư pháp", "Có"), ("N01", "Cục Thuế", "Không nêu")):
        rows.append({"source_file": f"{code}.docx", "unit_name": name, "unit_code": code, "tier": "so",
                     "section": "II.2.đ", "group": "đ) Sáng thứ bảy", "item": "dd_thu_bay",
                     "item_label": "Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)", "value": saturday, "number": None, "evidence": ""})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    t = packs.load_tables(write_processed(tmp_path_factory.mktemp("processed")))
    t._cache["checklist"] = _answers()
    return t


def test_every_outline_question_has_its_section_in_order(tables):
    sections = packs.outline_sections(tables)
    assert [s.id for s in sections] == OUTLINE
    html = packs.outline_html(tables)
    positions = [html.index(f'id="{s.anchor}"') for s in sections]
    assert positions == sorted(positions)
    assert sections[4].title.startswith("đ) Việc triển khai thực hiện làm việc sáng thứ bảy")


def test_checklist_answers_are_counted_per_item(tables):
    counts = packs.checklist_counts(tables, "đ) Sáng thứ bảy").set_index("Nội dung")
    assert counts.loc["Làm việc sáng thứ bảy", ["Có", "Không", "Không nêu"]].tolist() == [2, 1, 1]
    only_district = packs.checklist_counts(tables, "đ) Sáng thứ bảy", codes=["001"]).set_index("Nội dung")
    assert only_district.loc["Làm việc sáng thứ bảy", "Có"] == 1 and only_district["Không"].sum() == 0
    saturday = packs.outline_sections(tables)[4].html
    assert '<td class="num">2</td>' in saturday and SCRIPT_NAME not in saturday  # counted, not named


def test_tier_figures_answer_a_b_i(tables):
    by_id = {s.id: s.html for s in packs.outline_sections(tables)}
    city = tables["indicators_tiers"].set_index("tier").loc["city"]
    received = f"{int(city['dossiers_received']):,}".replace(",", ".")
    assert received in by_id["II.2.i"] and "Toàn Thành phố" in by_id["II.2.i"]
    assert "Số TTHC thuộc thẩm quyền" in by_id["II.2.b"]
    assert "Chưa có báo cáo thuyết minh nêu nội dung này." in by_id["II.2.h"]  # no answer yet: said so


def test_table_of_contents_anchors_are_the_notebooks_headings():
    sources = "".join("".join(c["source"]) for c in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"])
    ids = set(re.findall(r'id="([^"]+)"', sources + packs.method_html({})))  # the method note is rendered
    outline = {s["anchor"] for s in packs.pack_config()["outline_sections"]}
    toc = packs.city_toc()
    assert all(anchor in ids or anchor in outline for anchor, _ in toc)
    assert [a for a, _ in toc if a in outline] == [s["anchor"] for s in packs.pack_config()["outline_sections"]]
    html = packs.toc_html(toc)
    assert html.count("<li>") == len(toc) and 'href="#ii2-dd"' in html


def test_unit_pack_shows_its_own_answers_and_quotes(tables):
    t = packs.Tables(tables.processed_dir, dict(tables._cache))
    t._cache["lessons_quotes"] = pd.DataFrame([
        {"section": "II.3", "section_label": "Bài học kinh nghiệm", "theme": "x", "theme_label": "Chỉ đạo",
         "quote": "Người đứng đầu phải trực tiếp chỉ đạo.", "unit_name": "Quận Ba Đình", "unit_code": "001",
         "tier": "huyen", "source_file": "001.docx", "same_units": 0},
        {"section": "II.3", "section_label": "Bài học kinh nghiệm", "theme": "x", "theme_label": "Chỉ đạo",
         "quote": "Câu của đơn vị khác.", "unit_name": "Sở Tư pháp", "unit_code": "S02", "tier": "so",
         "source_file": "S02.docx", "same_units": 0}])
    t._cache["initiatives"] = pd.DataFrame([{"initiative": "Tổ công nghệ <số>", "units": "Quận Ba Đình; Sở Tư pháp",
                                             "unit_codes": "S02; 001", "tiers": "", "n_units": 2, "themes": ""},
                                            {"initiative": "Không phải của quận", "units": "Sở Tư pháp",
                                             "unit_codes": "S02", "tiers": "", "n_units": 1, "themes": ""}])
    t._cache["recommendations"] = pd.DataFrame(columns=["addressee", "addressee_label", "recommendation", "units",
                                                        "unit_codes", "tiers", "n_units", "themes"])
    html = packs.own_quotes_html(t, "001")
    assert "Người đứng đầu phải trực tiếp chỉ đạo." in html and "Câu của đơn vị khác." not in html
    assert "Tổ công nghệ &lt;số&gt;" in html and "Không phải của quận" not in html
    answers = packs.own_checklist_html(t, "001")
    assert "Làm việc sáng thứ bảy" in answers and "<td>Có</td>" in answers
    assert "Chưa đọc được báo cáo sơ kết nào của đơn vị" in packs.own_checklist_html(t, "S99")
    # a rate the report states is written as a rate, a count as a count
    row = t["checklist"][t["checklist"]["unit_code"] == "001"].head(1)
    rows = pd.concat([row, row], ignore_index=True)
    rows["item"], rows["number"] = ["k_khao_sat", "h_xin_loi"], [94.0, 1234.0]
    t._cache["checklist"] = rows
    answers = packs.own_checklist_html(t, "001")
    assert "<td>94,0%</td>" in answers and "<td>1.234</td>" in answers


def test_leader_tier_table_has_at_most_seven_columns(tables):
    brief = packs.tiers_table(tables, brief=True)
    head = brief[brief.index("<thead>"):brief.index("</thead>")]
    assert 0 < head.count("<th") - head.count("<thead") <= 7 and "Toàn Thành phố" in brief
    assert packs.tiers_table(tables).count("<th") > 7  # the analysts' version keeps every figure


def test_method_note_states_rules_from_config_and_plan():
    ctx = {"plan": {"period_start": "01/01/2017", "period_end": "30/06/2017", "report_deadline": "10/07/2017"},
           "built_at": "2017-07-12T08:30:00"}
    html = packs.method_html(ctx)
    assert 'id="phuong-phap"' in html and "từ 100 hồ sơ trở lên" in html and "5,0 điểm phần trăm" in html
    assert "Từ 01/01/2017 đến 30/06/2017" in html and "12/07/2017 08:30" in html


def test_quality_summary_counts_files_findings_and_waiting_units(tables):
    findings, files = tables["findings"], tables["files"]
    text = packs.quality_summary_html(tables)
    read = int((files["status"] == "ingested").sum())
    errors = int((findings["severity"] == "error").sum())
    assert f"Đã đọc {read} tệp" in text and f"phát hiện {errors} lỗi" in text and read > 0


def test_first_screen_is_written_from_the_figures_and_the_recommendations(tables):
    t = packs.load_tables(tables.processed_dir)
    t._cache["checklist"] = _answers()
    t._cache["recommendations"] = pd.DataFrame({
        "addressee": ["thanh_pho"] * 5 + ["trung_uong"],
        "addressee_label": ["UBND Thành phố"] * 5 + ["Trung ương (Chính phủ, Thủ tướng, các Bộ, ngành)"],
        "recommendation": [f"Đề nghị số {i} <b>." for i in range(5)] + ["Đề nghị UBND Thành phố kiến nghị Bộ."], "units": ["Quận Ba Đình; Sở Tư pháp"] * 6,
        "unit_codes": ["001; S02"] * 6, "tiers": [""] * 6, "n_units": [3, 9, 1, 7, 5, 2], "themes": [""] * 6})
    t._cache["lessons_themes"] = pd.DataFrame({
        "section": ["II.3.b", "II.3.b", "II.3.b"], "section_label": ["Tồn tại"] * 3,
        "theme": ["a", "b", "a"], "theme_label": ["Phần mềm", "Kinh phí", "Phần mềm"],
        "tier": ["so", "so", "huyen"], "tier_label": ["", "", ""], "units": [2, 3, 2], "sentences": [2, 3, 2]})
    b = packs.brief(t)
    received = 12000 + 800 + 300 + 45000 + 234567 + 56000 + 4000 + 3500 + 1000
    overdue = 6 + 40 + 0 + 900 + 1200 + 300 + 10 + 400 + 0
    # 99,2% on time is above the configured 95%: a result, with its counts
    assert b.went_well[0] == (f"{packs.format_percent(100 * (received - overdue) / received)} hồ sơ giải quyết đúng "
                              f"hạn ({packs.format_int(received - overdue)}/{packs.format_int(received)} hồ sơ; "
                              f"{packs.format_int(overdue)} hồ sơ quá hạn).")
    # 40 online services for 900 procedures: 4,4%, under the configured 30%
    # a sum over units, said so (the tile's "lượt … (cộng của các đơn vị)"), not "40 dịch vụ" of the city
    assert ("Dịch vụ công trực tuyến mức độ 3, 4 mới bằng 4,4% số TTHC (cộng của các đơn vị: 40 lượt dịch vụ trên "
            "900 lượt TTHC).") in b.went_badly
    # the shortcoming most units wrote about: summed over tiers (4 > 3)
    assert "Tồn tại nhiều đơn vị nêu nhất: Phần mềm (4 đơn vị)." in b.went_badly
    # Saturday work: 1 "Không" among the 4 units whose report was read (the silent one counted, as in the draft)
    # said as a sentence (checklist.yml report_label, as the draft), not the table's label "… (số hồ sơ tiếp nhận)"
    assert "Tổ chức tiếp nhận, trả kết quả hồ sơ vào sáng thứ bảy: 1/4 đơn vị có báo cáo nêu chưa thực hiện." in \
        b.went_badly
    # the decisions: the five recommendations most units made, most first, with their count and addressee
    # the addressee's gloss left out (no brackets in brackets); not named twice when the text names it
    assert b.decisions == [f"Đề nghị số {i} <b> ({n} đơn vị kiến nghị; gửi UBND Thành phố)"
                           for i, n in ((1, 9), (3, 7), (4, 5), (0, 3))] + [
        "Đề nghị UBND Thành phố kiến nghị Bộ (2 đơn vị kiến nghị; gửi Trung ương)"]
    html = packs.brief_html(t)
    assert "Đề nghị số 1 &lt;b&gt;" in html and "<b>" not in html and html.index("Kết quả nổi bật") < html.index(
        "Hạn chế") < html.index("Kiến nghị được nhiều đơn vị nêu nhất")
    assert in_sentence("Các Sở, ngành Thành phố") == "các Sở, ngành Thành phố"  # "… gửi các Sở, ngành"


def test_outline_sections_take_an_extra_block_when_given(tables):
    plain = packs.outline_html(tables)
    assert "outline-extra" not in plain
    extra = packs.outline_html(tables, {"II.2.đ": "<p>Sổ theo dõi hồ sơ</p>"})
    section = extra[extra.index('id="ii2-dd"'):extra.index('id="ii2-e"')]
    assert '<div class="outline-extra"><p>Sổ theo dõi hồ sơ</p></div>' in section


def test_the_submissions_shortcoming_names_only_the_statuses_there_are(tables):
    """'35/63 đơn vị gửi báo cáo chậm, còn thiếu hoặc chưa gửi' when no unit failed to send: the sentence now
    counts each status there is."""
    t = packs.load_tables(tables.processed_dir)
    t._cache["submissions"] = pd.DataFrame({"unit_code": ["A", "B", "C", "D"],
                                            "status": ["late", "incomplete", "incomplete", "on_time"]})
    said = [s for s in packs.brief(t).went_badly if "báo cáo" in s and "/4" in s]
    assert said == ["3/4 đơn vị chưa gửi đủ, đúng hạn báo cáo (gửi chậm 1; còn thiếu 2)."]


def test_the_checklist_counts_name_no_figure_they_do_not_show():
    """'Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)' over a table of Có/Không counts named a figure the table
    does not have; the label's gloss of another figure is left out, a reference kept ('(VB 2956/UBND-NC)')."""
    from pathlib import Path

    t = packs.Tables(Path("/nonexistent"))
    rows = [("dd_thu_bay", "Làm việc sáng thứ bảy (số hồ sơ tiếp nhận)", "Có"),
            ("d_hien_dai", "Đủ tiêu chí hiện đại (VB 2956/UBND-NC)", "Không")]
    t._cache["checklist"] = pd.DataFrame([{"unit_name": "A", "unit_code": "1", "tier": "so", "section": "II.2.d",
                                           "group": "d)", "item": i, "item_label": label, "value": v, "number": None,
                                           "evidence": ""} for i, label, v in rows])
    labels = list(packs.checklist_counts(t, "d)").iloc[:, 0])
    assert sorted(labels) == ["Làm việc sáng thứ bảy", "Đủ tiêu chí hiện đại (VB 2956/UBND-NC)"]
