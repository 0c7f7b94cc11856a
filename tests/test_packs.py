"""Pack HTML: Vietnamese number formats, escaping of submitted text, headline figures."""

import re
from pathlib import Path

import pandas as pd
import pytest
from pack_data import SCRIPT_NAME, write_processed

from sketket.outputs import packs


def test_table_html_formats_numbers_and_escapes_text():
    df = pd.DataFrame({"unit_name": [SCRIPT_NAME, "Phường Phúc Xá"], "dossiers_received": [1234567, None],
                       "on_time_rate": [98.72, 100.0]})
    html = packs.table_html(df, {"dossiers_received": "int", "on_time_rate": "pct"},
                            {"unit_name": "Đơn vị <b>"}, caption="Xếp hạng & so sánh")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Đơn vị &lt;b&gt;" in html
    assert "Xếp hạng &amp; so sánh" in html
    assert '<td class="num">1.234.567</td>' in html and '<td class="num">98,7%</td>' in html
    assert '<td class="num">–</td>' in html and '<td class="num">100,0%</td>' in html


def test_cards_escape_and_banner_only_for_demo():
    html = packs.cards_html([packs.Card(SCRIPT_NAME, "98,7%", "II.2.i")])
    assert "<script>" not in html and "98,7%" in html
    assert packs.banner(False) == "" and "Dữ liệu minh họa" in packs.banner(True)


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    return packs.load_tables(write_processed(tmp_path_factory.mktemp("processed")))


def test_city_headline_is_ratio_of_sums_against_the_plan_questions(tables):
    from sketket.dimensions import TIERS
    from sketket.registry import load_registry

    expected = int(load_registry().units["tier"].isin(TIERS).sum())
    cards = {c.label: c for c in packs.headline(tables)}
    # 9 rows, one unmatched but with figures: its figures are summed, 8 registry units report;
    # on time = Σ on time / Σ received
    received = 12000 + 800 + 300 + 45000 + 234567 + 56000 + 4000 + 3500 + 1000
    overdue = 6 + 40 + 0 + 900 + 1200 + 300 + 10 + 400 + 0
    assert cards["Hồ sơ TTHC đã nhận"].value == f"{received:,}".replace(",", ".")
    assert cards["Hồ sơ giải quyết đúng hạn"].value == packs.format_percent(100 * (received - overdue) / received)
    coverage = cards["Đơn vị có số liệu / theo danh mục"]
    assert coverage.value == f"8/{packs.format_int(expected)}"
    assert "thêm 1 đơn vị ngoài danh mục: tên chưa khớp" in coverage.note
    assert cards["Hồ sơ giải quyết đúng hạn"].note == "Đề cương II.2.i"
    assert cards["Hồ sơ giải quyết đúng hạn"].title.startswith("II.2.i – Tỷ lệ hồ sơ TTHC giải quyết đúng hạn")


def test_the_coverage_card_says_how_many_of_its_units_await_correction(tables):
    """"880/880" stood beside figures of 871 units: the card says its units awaiting correction."""
    tiers = tables["indicators_tiers"].copy()
    tiers.loc[tiers["tier"] == "city", "units_awaiting_correction"] = 2
    waiting = packs.Tables(tables.processed_dir, {"indicators_tiers": tiers})
    note = {c.label: c for c in packs.headline(waiting)}["Đơn vị có số liệu / theo danh mục"].note
    assert note.endswith("(trong đó 2 đang chờ sửa)")
    assert "chờ sửa" not in {c.label: c for c in packs.headline(tables)}["Đơn vị có số liệu / theo danh mục"].note


def test_district_headline_and_family(tables):
    cards = {c.label: c.value for c in packs.headline(tables, "001")}
    assert cards["Hồ sơ TTHC đã nhận"] == "64.500"  # the district and its communes
    members = packs.family(tables, "001")
    assert list(members["unit_name"]) == [SCRIPT_NAME, "Phường Phúc Xá", "Quận Ba Đình", "Phường Trúc Bạch"]
    refs = packs.references(tables, "xa", "001")
    assert list(refs) == ["Quận Ba Đình (cả đơn vị trực thuộc)", "Xã, phường, thị trấn", "Toàn Thành phố"]
    assert refs["Quận Ba Đình (cả đơn vị trực thuộc)"] == pytest.approx(100 * (64500 - 710) / 64500)


def test_a_district_without_figures_gets_a_sentence_not_an_empty_ranking(tables):
    """The unit pack's sub-units section: the chart and the table for a district with figures; for one with
    none (Quận Hoàn Kiếm, 002, sent nothing in these tables) one sentence, no chart note over nothing and no
    table of headers alone."""
    words = packs.unit_pack_words("huyen")
    with_figures = packs.members_html(tables, "001", "Quận Ba Đình", words)
    assert "<table" in with_figures and "Phường Phúc Xá" in with_figures and "Màu tím" in with_figures
    # the district's own row set apart in the table, as its bar in the chart (one row only)
    assert with_figures.count('<tr class="mine">') == 1
    assert re.search(r'<tr class="mine">(?:(?!</tr>).)*Quận Ba Đình', with_figures)
    without = packs.members_html(tables, "002", "Quận Hoàn Kiếm", words)
    assert "<table" not in without and "Màu tím" not in without
    assert "Chưa có số liệu của Quận Hoàn Kiếm và các đơn vị trực thuộc" in without
    # a department whose every figure awaits correction: its row is dashes only, as good as no row
    gated = packs.Tables(tables.processed_dir)
    units = tables["indicators_units"].copy()
    s02 = units["unit_code"] == "S02"
    units.loc[s02, ["on_time_rate", "dossiers_received"]] = float("nan")
    gated._cache["indicators_units"] = units
    awaiting = packs.members_html(gated, "S02", "Sở Tư pháp", packs.unit_pack_words("so"))
    assert "<table" not in awaiting and "Chưa có số liệu của Sở Tư pháp và các đơn vị trực thuộc" in awaiting
    assert "<table" in packs.members_html(tables, "S02", "Sở Tư pháp", packs.unit_pack_words("so"))

def test_findings_by_tier_and_rule_and_escaping(tables):
    pivot = packs.findings_pivot(packs.findings_of(tables))
    assert pivot.loc["đúng hạn + quá hạn ≠ tổng số hồ sơ đã nhận", "Xã, phường, thị trấn"] == 1
    assert pivot.loc["tệp hỏng, không mở được", "khác"] == 1
    html = packs.findings_html(tables, packs.findings_of(tables, ["001"]))
    assert "<script>" not in html and "&lt;script&gt;" in html and "G12" in html and "hong.xlsx" not in html


def test_best_weakest_and_awards(tables):
    best, weakest = packs.best_weakest(tables, "xa")
    # three ranked communes, five a table: all in "best", none repeated in "weakest"
    assert list(best["unit_name"]) == [SCRIPT_NAME, "Phường Phúc Xá", "Phường Trúc Bạch"] and weakest.empty
    city = packs.awards_html(tables)
    assert "Sở Nội vụ" in city and "Sở Tư pháp" not in city  # only the shortlisted, with their reasons
    assert "Chưa có đơn vị nào" in packs.awards_html(tables, ["001", "00001"])
    more = packs.awards_html(tables, limit=0)
    assert "… và 1 đơn vị khác" in more and "awards" not in more


def test_tiers_and_completeness_count_registry_units_only(tables):
    # the commune named like a script is not in the registry: shown apart, not among the reporting units
    html = packs.tiers_table(tables)
    assert "Số đơn vị ngoài danh mục" in html
    chart = packs.completeness_by_tier(tables).set_index("tier")
    assert chart.loc["xa", "units_reporting"] == 2
    assert (chart["units_reporting"] + chart["units_without_figures"] == chart["units_expected"]).all()


def test_source_line_names_the_folder_not_the_machine_and_counts_every_file():
    context = {"built_at": "2017-09-15T08:30:00", "raw_dir": "/home/chuyenvien/sketket/data/raw", "demo": False,
               "files": 133, "files_ingested": 125, "files_rejected": 4, "files_skipped": 4,
               "plan": {"period_start": "01/04/2016", "period_end": "31/07/2017"}}
    line = packs.source_line(context)
    assert "từ 133 tệp trong thư mục raw: 125 đã đọc, 4 bị từ chối, 4 bỏ qua" in line
    assert "/home" not in line
    assert "trong thư mục data/raw:" in packs.source_line({**context, "raw_dir": "data/raw"})
    demo = packs.source_line({**context, "demo": True, "raw_dir": "data/raw/demo"})
    assert "từ 133 tệp dữ liệu minh họa: 125 đã đọc" in demo and "data/raw" not in demo


def test_district_table_ranks_communes_among_themselves_and_in_the_city(tables):
    members = packs.family(tables, "001").set_index("unit_code")
    # three communes ranked: 1 000/1 000, 3 990/4 000, 3 100/3 500; the district itself has no rank among them
    assert members.loc["00001", "rank_in_family"] == 2 and members.loc["00004", "rank_in_family"] == 3
    assert pd.isna(members.loc["001", "rank_in_family"]) and (members["ranked_in_family"] == 3).all()
    html = packs.units_table(tables, packs.family(tables, "001"), family_rank_label="Hạng trong quận/huyện")
    # the long header is the short one's hover title
    assert ('<th>Hạng trong quận/huyện</th><th title="Hạng trong cấp (toàn Thành phố)">Hạng trong cấp</th>'
            in html)
    assert '<td>3/3</td><td>3/3</td>' in html  # Trúc Bạch: last of its district's communes, last in the tier
    assert '<td></td><td>1/1</td>' in html  # the district: first of the (one) district ranked


def test_lessons_prefer_a_quote_not_already_shown_in_the_section(tmp_path):
    shared = "Cán bộ một cửa còn kiêm nhiệm, phần mềm chưa liên thông giữa các cấp."
    pd.DataFrame([
        {"section": "II.3.a", "section_label": "Tồn tại, hạn chế", "theme": t, "theme_label": label, "units": n}
        for t, label, n in [("staff", "Cán bộ", 9), ("software", "Phần mềm", 7), ("space", "Trụ sở", 3)]
    ]).to_csv(tmp_path / "lessons_themes.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame([
        {"section": "II.3.a", "theme": "staff", "quote": shared, "unit_name": "Quận Ba Đình"},
        {"section": "II.3.a", "theme": "software", "quote": shared, "unit_name": "Quận Ba Đình"},
        {"section": "II.3.a", "theme": "software", "quote": "Phần mềm một cửa hay bị lỗi.", "unit_name": "Sở Y tế"},
        {"section": "II.3.a", "theme": "space", "quote": shared, "unit_name": "Quận Ba Đình"},
    ]).to_csv(tmp_path / "lessons_quotes.csv", index=False, encoding="utf-8-sig")
    html = packs.lessons_html(packs.load_tables(tmp_path))
    assert html.count(shared) == 2  # staff, and space which has no other quote; software shows its other one
    assert "Phần mềm một cửa hay bị lỗi." in html
    assert html.index("Cán bộ") < html.index("Phần mềm một cửa") < html.index("Trụ sở")


def test_leader_tables_have_at_most_seven_columns(tables):
    def columns(html: str) -> int:
        head = html[html.index("<thead>"):html.index("</thead>")]
        return head.count("<th") - head.count("<thead")

    assert columns(packs.units_table(tables, packs.family(tables, "001"))) == 7  # two ranks, five figures
    assert columns(packs.comparison_table(tables, "001", "huyen")) == 7
    comparison = packs.comparison_table(tables, "001", "huyen")
    assert "<td>Quận, huyện, thị xã (cả cấp)</td>" in comparison
    assert "Chỉ 1 đơn vị có tỷ lệ đúng hạn" in packs.ranking_chart_html(tables, packs.family(tables, "S02"), "Sở Tư pháp",
                                                                         "chi_cuc", "S02")
    none = packs.family(tables, "S02").assign(on_time_rate=float("nan"))
    said = packs.ranking_chart_html(tables, none, "Sở Tư pháp", "chi_cuc", "S02")
    assert "Chưa đơn vị nào có tỷ lệ đúng hạn" in said and "Chỉ 0" not in said
    ranking = packs.ranking_chart_html(tables, packs.family(tables, "001"), "Quận Ba Đình", "xa", "001")
    assert 'class="chart tall"' in ranking  # printed with the height its names need (sketket.css)


def test_no_dossier_logs_no_log_blocks(tables):
    assert packs.outline_extras(tables) == {}
    assert "log-facts" not in packs.outline_html(tables)
    assert packs.unit_dossiers_html(tables, ["001", "00001", "00004"]) == ""


@pytest.fixture(scope="module")
def logged_tables(tmp_path_factory):
    from dossier_data import write_logs

    from sketket.catalog import Catalog

    cat = write_logs(Catalog(write_processed(tmp_path_factory.mktemp("logged"))), ("00001", "00004"),
                     ("Phường Phúc Xá", "Phường Trúc Bạch"))
    procs = cat.load("dossier_procedures")
    procs.loc[procs["procedure_name"] == "Đăng ký khai sinh", "procedure_name"] = SCRIPT_NAME
    cat.save("dossier_procedures", procs)
    return packs.load_tables(cat.processed_dir)


def test_city_outline_sections_show_the_logs_with_their_scope(logged_tables):
    extras = packs.outline_extras(logged_tables)
    assert set(extras) == {"II.2.đ", "II.2.e", "II.2.g", "II.2.i"}
    scope = "Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm"
    # Phúc Xá's log ends on 30/06/2017: said in the first sentence of each section
    first = f"{scope} (trong đó sổ của Phường Phúc Xá chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo)"
    assert f"{first}, 30 hồ sơ được tiếp nhận vào ngày thứ bảy, trong đó 12 hồ sơ" in extras["II.2.đ"]
    assert "Các đơn vị gửi kèm sổ theo dõi hồ sơ: Phường Phúc Xá, Phường Trúc Bạch." in extras["II.2.đ"]
    assert f"{first}, 10 hồ sơ được tiếp nhận qua dịch vụ bưu chính (2,0% số hồ sơ đã nhận)" in extras["II.2.e"]
    assert f"{first}, 100/500 hồ sơ được nộp trực tuyến (20,0%)." in extras["II.2.g"]
    # a procedure's name as a software typed it is escaped
    assert "<script>" not in extras["II.2.g"] and "&lt;script&gt;alert(1)&lt;/script&gt; (75/150 hồ sơ, 50,0%)" in extras["II.2.g"]
    i = extras["II.2.i"]
    # the procedures most overdue in a small table (not repeated as a sentence), the reconciliation in words
    assert "TTHC có nhiều hồ sơ quá hạn nhất:" not in i
    assert "<td>Chứng thực bản sao</td><td class=\"num\">260</td><td class=\"num\">15</td><td class=\"num\">94,2%</td>" in i
    assert "1 đơn vị khớp, 1 đơn vị chênh lệch" in i
    assert "Phường Phúc Xá (biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%" in i
    page = packs.outline_html(logged_tables)
    section_i = page[page.index('id="ii2-i"'):page.index('id="ii2-k"')]
    assert "1 đơn vị chênh lệch" in section_i and page.count('class="log-facts"') == 4


def test_a_table_that_differs_from_its_log_is_among_the_findings_its_pack_shows(logged_tables, tables):
    """The warning a return list carries for a table that differs from its unit's log (Phường Phúc Xá: 420
    against 400) is in the district's findings too, described in words in the city's summary by rule, so a pack
    never says "no error or warning" while its return list has one."""
    mine = packs.findings_of(logged_tables, ["001", "00001", "00004"])
    differ = mine[mine["rule"] == "dossier_log_differs"]
    assert differ["unit_name"].tolist() == ["Phường Phúc Xá"] and differ["severity"].tolist() == ["warning"]
    assert "Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400" in differ["message"].iloc[0]
    html = packs.findings_html(logged_tables, mine)
    assert "Biểu báo cáo 420 hồ sơ" in html
    pivot = packs.findings_pivot(packs.findings_of(logged_tables))
    assert "số liệu Phụ lục khác sổ theo dõi hồ sơ của phần mềm một cửa" in pivot.index
    assert "dossier_log_differs" not in packs.findings_of(tables)["rule"].tolist()  # no logs, no such finding
    # ranked as its table says, but said beside its name wherever units are listed
    listed = packs.units_table(logged_tables, packs.family(logged_tables, "001"))
    assert "Phường Phúc Xá (số liệu khác sổ theo dõi hồ sơ, chờ giải trình)" in listed
    assert "Phường Trúc Bạch (" not in listed

def test_unit_pack_shows_its_own_logs_and_reconciliation(logged_tables):
    district = packs.unit_dossiers_html(logged_tables, ["001", "00001", "00004"])
    assert '<h2 id="so-theo-doi">Sổ theo dõi hồ sơ của phần mềm một cửa</h2>' in district
    assert ("<td>Phường Phúc Xá</td><td class=\"num\">400</td><td class=\"num\">20</td><td class=\"num\">95,0%</td>"
            "<td class=\"num\">25,0%</td><td class=\"num\">10</td><td>410 dòng; trong kỳ, tiếp nhận từ 01/04/2016 đến "
            "30/06/2017; 5 hồ sơ ngoài kỳ; 2 dòng trùng mã hồ sơ (tính một lần); 3 dòng bị loại vì lỗi</td>"
            "<td>Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%; đúng hạn: biểu 400, phần mềm 380; "
            "sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ; 3 dòng của sổ bị loại vì lỗi"
            "</td>") in district
    assert ("Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm (Phường Phúc Xá, Phường Trúc Bạch) "
            "(trong đó sổ của Phường Phúc Xá chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo), "
            "500 hồ sơ được tiếp nhận trong kỳ") in district
    commune = packs.unit_dossiers_html(logged_tables, ["00004"])
    assert "Phường Phúc Xá" not in commune
    assert ("Đối chiếu Phụ lục với sổ theo dõi hồ sơ của phần mềm một cửa: Biểu báo cáo 100 hồ sơ; phần mềm một cửa "
            "ghi nhận 100, khớp.") in commune
    assert packs.unit_dossiers_html(logged_tables, ["S01", "S01.01"]) == ""


def test_a_list_cell_keeps_one_name_a_line(tables):
    html = packs.leaders_html(tables)
    # the communes, one a line (the tables' CSS, white-space: pre-line, shows the line breaks)
    assert ("&lt;script&gt;alert(1)&lt;/script&gt; (100,0%, hạng 1)\nPhường Phúc Xá (99,8%, hạng 2)\n"
            "Phường Trúc Bạch (88,6%, hạng 3)") in html
    assert "Bộ phận một cửa của chính đơn vị (không gồm đơn vị trực thuộc), trong các đơn vị có từ 100 hồ sơ" in html
    cell = packs.table_html(pd.DataFrame({"x": ["Một  \n\n  hai \r\n ba"]}), download=False)
    assert "<td>Một\nhai\nba</td>" in cell


def test_awards_count_units_awaiting_correction_apart(tables):
    def counts(html: str) -> list[str]:
        row = html[html.index("<td>Sở, cơ quan tương đương Sở</td>"):]
        return re.findall(r'<td class="num">([^<]*)</td>', row[:row.index("</tr>")])

    assert counts(packs.awards_html(tables)) == ["1", "2", "0"]  # Sở Nội vụ shortlisted, of 2 considered
    units = tables["indicators_units"].copy()
    units.loc[units["unit_code"] == "S02", "data_status"] = "awaiting_correction"
    held = packs.Tables(tables.processed_dir, {"awards": tables["awards"], "indicators_units": units})
    assert counts(packs.awards_html(held)) == ["1", "1", "1"]
    assert "Chờ sửa số liệu, chưa xét" in packs.awards_html(held)


def test_a_unit_pack_is_about_a_unit_that_sends_a_table_at_its_own_tier(tables):
    from sketket.params import ParameterError

    unit = packs.unit_choice(tables, "001", "")
    assert (unit.code, unit.tier, unit.name) == ("001", "huyen", "Quận Ba Đình")
    assert packs.unit_choice(tables, "S01", "so").tier == "so"
    with pytest.raises(ParameterError, match='tier = "huyen" nhưng đơn vị S01 \\(Sở Nội vụ\\) thuộc cấp "so"'):
        packs.unit_choice(tables, "S01", "huyen")
    # a commune: no pack of its own, its district's named
    with pytest.raises(ParameterError, match='unit_code = "00001" là Phường Phúc Xá, đơn vị trực thuộc Quận Ba Đình: '
                                             'số liệu của đơn vị ở trang của Quận Ba Đình \\(unit_code = "001"\\)'):
        packs.unit_choice(tables, "00001")
    with pytest.raises(ParameterError, match='unit_code = "Phuc Xa" là Phường Phúc Xá'):
        packs.unit_choice(tables, "Phuc Xa")
    # a kind typed keeps to its unit: Xã Thanh Xuân is a commune of Sóc Sơn, not Quận Thanh Xuân's pack
    with pytest.raises(ParameterError, match="là Xã Thanh Xuân, đơn vị trực thuộc Huyện Sóc Sơn"):
        packs.unit_choice(tables, "Xã Thanh Xuân")
    assert packs.unit_choice(tables, "Thanh Xuân").code == "009"
    # a name, typed without marks or kind, is its unit
    assert packs.unit_choice(tables, "quan ba dinh").code == "001" and packs.unit_choice(tables, "Ba Đình").code == "001"
    assert packs.unit_choice(tables, "Sở Tư pháp").code == "S02"
    with pytest.raises(ParameterError, match="không phải mã hay tên .*; gần giống: 001 Quận Ba Đình"):
        packs.unit_choice(tables, "Quận Ba Dinhh")
    with pytest.raises(ParameterError, match="được đọc thành số"):
        packs.unit_choice(tables, 1)
    with pytest.raises(ParameterError, match="không có thư mục"):
        packs.load_tables(tables.processed_dir / "khong-co")


def test_the_first_thing_a_notebook_shows_carries_the_packs_style(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj.data))
    monkeypatch.setattr(packs, "_STYLED", [])
    packs.show("<p>một</p>")
    packs.show("<p>hai</p>")
    assert shown[0].startswith("<style>") and "table.sk" in shown[0] and shown[0].endswith("<p>một</p>")
    assert shown[1] == "<p>hai</p>"


def test_far_below_count_says_each_rule_apart():
    """"146 đơn vị thấp hơn hẳn" read as 146 on-time rates far below, where 57 were: each rule is counted apart,
    and the method note lists the three rules."""
    units = pd.DataFrame({"tier": ["so", "xa", "xa", "xa"], "unit_code": ["S01", "1", "2", "3"],
                          "flags": ["one_stop_low", "on_time_gap; no_online", "on_time_gap", ""]})
    html = packs.far_below_counts_html({"indicators_units": units})
    assert ("3 đơn vị thấp hơn hẳn mặt bằng chung của cấp mình (Sở, cơ quan tương đương Sở: 1; Xã, phường, thị "
            "trấn: 2): 2 về tỷ lệ đúng hạn, 1 về TTHC một cửa, 1 chưa có DVC trực tuyến mức độ 3, 4 (một đơn vị có "
            "thể ở nhiều nhóm).") in html
    method = packs.method_html({})
    assert "hoặc dưới 80% số TTHC thực hiện theo cơ chế một cửa" in method


def test_a_unit_pack_whose_units_all_await_correction_says_they_were_not_judged():
    awards = pd.DataFrame({"unit_code": ["S14", "S14.01"], "unit_name": ["Sở A", "Chi cục B"], "tier": ["so", "chi_cuc"],
                           "shortlisted": [False, False], "reasons": ["", ""], "criteria_missed": ["x", "x"]})
    units = pd.DataFrame({"unit_code": ["S14", "S14.01"], "unit_name": ["Sở A", "Chi cục B"],
                          "data_status": ["awaiting_correction", "awaiting_correction"]})
    tables = {"awards": awards, "indicators_units": units}
    assert "Chưa xét khen thưởng: số liệu của cả 2 đơn vị đang chờ sửa." in packs.awards_html(tables, ["S14", "S14.01"])
    units.loc[1, "data_status"] = "ok"
    assert ("Chưa có đơn vị nào đạt đủ các tiêu chí đề xuất khen thưởng; 1 đơn vị chưa được xét vì số liệu đang chờ "
            "sửa.") in packs.awards_html(tables, ["S14", "S14.01"])


def test_a_rate_with_an_overdue_dossier_never_reads_100_percent():
    """Xã Đồng Lạc, 1 overdue dossier, showed "100,0%" ranked third below two units at 100,0%."""
    from sketket.analysis.indicators import _points

    assert packs.FORMATTERS["pct"](99.96) == "99,96%" and packs.FORMATTERS["pct"](100.0) == "100,0%"
    assert packs.FORMATTERS["pct"](97.23) == "97,2%" and packs.FORMATTERS["pct"](None) == "–"
    # a gap of 5,04 points beside its threshold of 5,0 points
    assert (_points(5.04, 5.0), _points(6.2, 5.0)) == ("5,04 điểm", "6,2 điểm")


def test_figures_from_an_earlier_file_are_said_beside_the_rankings():
    """Sở Y tế was ranked first on its earlier table while its newer file could not be opened: the city pack's
    rankings now say whose figures come from an earlier file."""
    findings = pd.DataFrame({"source_file": ["so/PL1 - So Y te.xlsx", "so/khac.xlsx"],
                             "rule": ["resend_unreadable", "sum_mismatch"]})
    units = pd.DataFrame({"unit_code": ["S16", "S16.01", "S02"], "unit_name": ["Sở Y tế", "Chi cục A", "Sở Tư pháp"],
                          "tier": ["so", "chi_cuc", "so"],
                          "source_file": ["so/PL1 - So Y te.xlsx", "so/PL1 - So Y te.xlsx", "so/khac.xlsx"]})
    html = packs.older_figures_html({"findings": findings, "indicators_units": units})
    assert ("Số liệu của Sở Y tế (và đơn vị trực thuộc) lấy từ tệp gửi trước: tệp gửi sau không mở được, cần đơn "
            "vị gửi lại.") in html
    assert packs.older_figures_html({"findings": findings.iloc[1:], "indicators_units": units}) == ""
    # a ranking of the departments' branches names the department whose file holds them; one without them, none
    tables = {"findings": findings, "indicators_units": units}
    assert "Số liệu của Sở Y tế (và đơn vị trực thuộc)" in packs.older_figures_html(tables, ["S16.01"])
    assert packs.older_figures_html(tables, ["S02"]) == ""


def test_the_annex_ranking_says_whose_figures_come_from_an_earlier_file(tables):
    """The annex ranks every unit: a district whose newer file could not be opened is named under the ranking
    of its communes (their figures come from its earlier file), and under no other tier's."""
    units = tables["indicators_units"]
    commune = units[(units["tier"] == "xa") & units["rank_in_tier"].notna()].iloc[0]
    older = pd.DataFrame({"source_file": [commune["source_file"]], "rule": ["resend_unreadable"]})
    stale = packs.Tables(tables.processed_dir, {"findings": pd.concat([tables["findings"], older], ignore_index=True)})
    district = units.loc[(units["source_file"] == commune["source_file"]) & (units["tier"] == "huyen"), "unit_name"]
    said = f"Số liệu của {district.iloc[0]} (và đơn vị trực thuộc) lấy từ tệp gửi trước"
    assert said in packs.ranking_html(stale, "xa")
    assert said not in packs.ranking_html(stale, "so") and said not in packs.ranking_html(tables, "xa")


def test_a_unit_that_sent_no_report_is_not_told_its_report_says_nothing(tmp_path):
    """Sở Công Thương sent no report: its pack said "Báo cáo … chưa nêu tồn tại, bài học…", a verdict on a report
    that does not exist. Sent and unread, sent and silent, and not sent are three sentences."""
    from sketket.catalog import Catalog

    cat = Catalog(tmp_path)
    cat.save("submissions", pd.DataFrame({"unit_code": ["S05", "S06", "S07", "S08"], "unit_name": ["A", "B", "C", "D"],
                                          "bao_cao_file": ["", "so/bc-s06.docx", "so/bc-s07.docx", ""],
                                          "bao_cao_date": ["", "25/08/2017", "25/08/2017", "28/08/2017"]}))
    cat.save("sections", pd.DataFrame({"source_file": ["so/bc-s07.docx"], "unit_name": ["C"], "unit_code": ["S07"],
                                       "tier": ["so"], "section": ["I"], "heading": ["I."], "text": ["Mở đầu"]}))
    t = packs.load_tables(tmp_path)
    assert packs.own_quotes_html(t, "S05") == packs.para("Đơn vị chưa gửi báo cáo sơ kết (bản lời), nên chưa có nội "
                                                          "dung để trích.")
    assert packs.own_checklist_html(t, "S05") == packs.own_quotes_html(t, "S05")
    assert "Đã nhận báo cáo sơ kết của đơn vị (so/bc-s06.docx) nhưng chưa đọc được" in packs.own_quotes_html(t, "S06")
    assert packs.own_quotes_html(t, "S07") == packs.para("Báo cáo sơ kết của đơn vị chưa nêu tồn tại, bài học, sáng "
                                                          "kiến hay kiến nghị.")
    assert "không nêu các nội dung mục II.2" in packs.own_checklist_html(t, "S07")
    # on paper only (the submission log has its day, no file): sent, nothing to read
    assert packs.own_quotes_html(t, "S08") == packs.para("Đơn vị đã gửi báo cáo sơ kết bản giấy (ngày 28/08/2017); "
                                                          "chưa có bản điện tử nên chưa trích được nội dung.")


def test_a_unit_pack_says_the_unit_resent_its_table(tmp_path):
    """Quận Ba Đình's first table was replaced by its resend: the duplicate_unit warning sits on the first file
    (which carries no figure any more) and its pack said 'Không có lỗi hay cảnh báo nào'."""
    import shutil

    from pack_data import write_processed

    out = write_processed(tmp_path / "p")
    findings = pd.read_csv(out / "findings.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    resend = {"source_file": "quan-ba-dinh (lan 1).xlsx", "sheet": "", "cell": "", "unit_name": "UBND quận Ba Đình",
              "rule": "duplicate_unit", "severity": "warning", "value": "quan-ba-dinh.xlsx",
              "message": "Đơn vị \"UBND quận Ba Đình\" có ở hai tệp: đã dùng tệp mới hơn quan-ba-dinh.xlsx"}
    other = {**resend, "source_file": "so-y-te (cu).xlsx", "value": "so-y-te.xlsx", "unit_name": "Sở Y tế"}
    pd.concat([findings, pd.DataFrame([resend, other])]).to_csv(out / "findings.csv", index=False,
                                                                encoding="utf-8-sig")
    t = packs.load_tables(out)
    mine = packs.findings_of(t, ["001", "00001", "00004"])
    assert list(mine.loc[mine["rule"] == "duplicate_unit", "source_file"]) == ["quan-ba-dinh (lan 1).xlsx"]
    assert "đã dùng tệp mới hơn quan-ba-dinh.xlsx" in packs.findings_html(t, mine)
    shutil.rmtree(out)


def test_no_unit_awaiting_correction_beside_errors_that_hold_nothing_back(tables):
    """Sở Tư pháp's row B does not add up: an error to correct, listed below, that holds no figure back (sketket
    adds the rows itself). "Không có đơn vị nào có số liệu đang chờ sửa" alone read as contradicting it."""
    t = packs.Tables(tables.processed_dir)
    t._cache["findings"] = pd.concat([tables["findings"], pd.DataFrame([
        {"source_file": "so-tu-phap.xlsx", "sheet": "Sheet1", "cell": "G11", "unit_name": "Sở Tư pháp",
         "rule": "subtotal_mismatch", "severity": "error", "value": "10", "message": "Dòng B ghi …"}])],
        ignore_index=True)
    said = packs.awaiting_html(t, ["S02"])
    assert said.startswith(packs.para("Không có đơn vị nào có số liệu đang chờ sửa."))
    assert 'Các lỗi ở mục “Số liệu cần sửa” (dòng B ≠ tổng các dòng đơn vị) không giữ lại số liệu nào' in said
    assert packs.awaiting_html(tables, ["S02"]) == packs.para("Không có đơn vị nào có số liệu đang chờ sửa.")
    # an award list's error is no row of the table: not said to be "added up by the program"
    t._cache["findings"] = tables["findings"]
    t._cache["nomination_findings"] = pd.DataFrame([
        {"source_file": "khen-thuong-tu-phap.xlsx", "sheet": "Sheet", "cell": "C9", "unit_name": "Sở Tư pháp",
         "rule": "nomination_duplicate", "severity": "error", "value": "", "message": "…"}])
    assert packs.awaiting_html(t, ["S02"]) == packs.para("Không có đơn vị nào có số liệu đang chờ sửa.")


def test_a_tiers_page_ranks_in_a_chart_only_units_enough_for_one(tables):
    """02_indicators drew its chart itself: with parent_code a district of one or two communes with figures, a
    chart of one or two bars. The page now asks the packs, which say it in a sentence below min_bars."""
    few = packs.tier_ranking_html(tables, "chi_cuc", "S01")  # Sở Nội vụ's two Ban
    assert "<img" not in few and "Chỉ 2 đơn vị có tỷ lệ đúng hạn: không vẽ biểu đồ" in few and "<table" in few
    assert "Ban Tôn giáo" in few
    assert "<img" in packs.tier_ranking_html(tables, "xa", "001")  # three communes: a chart
    assert packs.tier_label_of(tables, "xa", "001") == "Xã, phường, thị trấn – Quận Ba Đình"
    assert packs.distribution_charts_html(tables).count("<img") == 2


def test_a_unit_pack_says_what_came_of_the_units_own_nominations(tmp_path):
    """Huyện Thạch Thất proposed awards, one held for an open error: its pack never said so, and the leader
    meeting the unit did not know."""
    from sketket.catalog import Catalog

    def nomination(i: int, proposer: str, kind: str, passed: bool, criteria: str = "Đạt") -> dict:
        return {"nomination_id": f"n{i}", "kind": kind, "proposer_name": proposer, "proposer_code": proposer,
                "name": f"Người {i}", "award": "Bằng khen của Chủ tịch UBND Thành phố", "award_level": "city",
                "check_criteria": criteria, "check_data_status": "Đạt", "passed": passed}

    Catalog(tmp_path).save("nomination_checks", pd.DataFrame([
        nomination(1, "276", "collective", True), nomination(2, "276", "individual", True),
        nomination(3, "276", "collective", False, "Số liệu của đơn vị đang chờ sửa (G12)"),
        nomination(4, "277", "individual", False, "Khác")]))
    t = packs.load_tables(tmp_path)
    html = packs.own_nominations_html(t, "276")
    assert ("Danh sách đề nghị khen thưởng của đơn vị: 2 tập thể, 1 cá nhân; 2 đề nghị qua kiểm tra, 1 chưa đủ "
            "điều kiện.") in html
    assert "Người 3" in html and "Số liệu của đơn vị đang chờ sửa (G12)" in html and "Người 4" not in html
    assert "Người 1" not in html  # passed: not listed
    assert packs.own_nominations_html(t, "001") == packs.para("Đơn vị chưa gửi danh sách đề nghị khen thưởng.")


def test_a_unit_packs_errors_are_those_of_its_return_list(tables):
    """Huyện Đông Anh's pack said 'Không có lỗi hay cảnh báo nào' while its return list carried its award list's
    errors; Sở Văn hóa's a file of it that held no table. The pack lists what the return list lists."""
    t = packs.Tables(tables.processed_dir)
    t._cache["nomination_findings"] = pd.DataFrame([
        {"source_file": "Danh sach de nghi khen thuong - Ba Dinh.xlsx", "sheet": "Sheet", "cell": "C12",
         "unit_name": "Quận Ba Đình", "rule": "nomination_duplicate", "severity": "error", "value": "Nguyễn Văn A",
         "message": "Người được đề nghị có ở hai danh sách"}])
    t._cache["findings"] = pd.concat([tables["findings"], pd.DataFrame([
        {"source_file": "quan-ba-dinh-danh-sach-can-bo.xlsx", "sheet": "", "cell": "", "unit_name": "",
         "rule": "no_table", "severity": "error", "value": "", "message": "Không tìm thấy biểu Phụ lục"}])],
        ignore_index=True)
    mine = packs.findings_of(t, ["001", "00001", "00004"])
    assert {"nomination_duplicate", "no_table", "sum_mismatch"} <= set(mine["rule"])
    assert "nomination_duplicate" not in set(packs.findings_of(t, ["S02"])["rule"])


def test_a_unit_ranked_on_an_earlier_files_figures_is_marked_on_its_row(tables):
    """Sở Y tế's later file could not be opened: it was '100,0%, hạng 1' among the leaders with no word on its
    row (only a footnote under the table)."""
    t = packs.Tables(tables.processed_dir)
    t._cache["findings"] = pd.concat([tables["findings"], pd.DataFrame([
        {"source_file": "so-tu-phap.xlsx", "sheet": "", "cell": "", "unit_name": "Sở Tư pháp",
         "rule": "resend_unreadable", "severity": "warning", "value": "so-tu-phap (gui lai).xlsx", "message": "…"}])],
        ignore_index=True)
    mark = "Sở Tư pháp (số liệu của tệp gửi trước, chờ gửi lại)"
    assert mark in packs.units_table(t, packs.units_of(t, "so"))
    assert mark not in packs.units_table(tables, packs.units_of(tables, "so"))
    assert "Sở Nội vụ (số liệu" not in packs.units_table(t, packs.units_of(t, "so"))
    assert packs.with_marks(t, packs.units_of(t, "so")).set_index("unit_code").loc["S02", "unit_name"] == mark


def test_a_unit_whose_figures_all_await_correction_is_not_said_far_below_nothing_or_complete(tables):
    """Sở Công Thương, every figure awaiting correction: 'Chưa có số liệu … để xếp hạng' then 'Không có đơn vị
    nào thấp hơn hẳn mặt bằng chung' and 'mọi đơn vị trực thuộc đều đã có số liệu', as if all were well."""
    from sketket.analysis.gating import AWAITING

    t = packs.Tables(tables.processed_dir)
    units = tables["indicators_units"].copy()
    units.loc[units["unit_code"] == "S02", ["data_status", "flags"]] = [AWAITING, ""]  # gated: never flagged
    t._cache["indicators_units"] = units
    assert packs.far_below_html(t, ["S02"]) == packs.para(
        "Chưa có số liệu của đơn vị để so với mặt bằng chung của cấp (chưa gửi biểu hoặc số liệu đang chờ sửa).")
    assert "Không có đơn vị nào thấp hơn hẳn" in packs.far_below_html(tables, ["S01"])
    said = packs.missing_html(t, ["S02"])
    assert "trong đó 1 đơn vị có số liệu đang chờ sửa (mục trên)" in said
    assert "chờ sửa" not in packs.missing_html(tables, ["S02"])


def test_recommendations_are_grouped_by_addressee_in_the_outlines_order():
    """Sorted by the addressee's name, 'Các Sở, ngành' came before 'Trung ương' and a recommendation 31 units
    made came fourth; the groups now follow themes.yml (Trung ương, Thành phố, Sở), most raised first in each."""
    t = packs.Tables(Path("/nonexistent"))
    t._cache["recommendations"] = pd.DataFrame({
        "addressee": ["so_nganh", "trung_uong", "thanh_pho", "trung_uong"],
        "addressee_label": ["Các Sở, ngành Thành phố", "Trung ương (Chính phủ)", "UBND Thành phố", "Trung ương (Chính phủ)"],
        "recommendation": ["Sở A", "TW 13", "TP 31", "TW 15"], "units": "x", "n_units": [40, 13, 31, 15]})
    html = packs.recommendations_html(t)
    assert html.index("TW 15") < html.index("TW 13") < html.index("TP 31") < html.index("Sở A")


def test_a_unit_pack_opens_with_what_to_raise_with_the_unit(tables):
    """The leader meeting a unit read KPI cards first and the problems scattered down the page: the pack now
    opens with the points to raise, each from the figures and files, or says there is none."""
    from sketket.analysis.gating import AWAITING

    t = packs.Tables(tables.processed_dir)
    t._cache["submissions"] = pd.DataFrame({"unit_code": ["001", "N01"], "status": ["incomplete", "on_time"],
                                            "status_label": ["Còn thiếu", "Đủ, đúng hạn"],
                                            "missing": ["bản giấy", ""], "bao_cao_file": ["bc.docx", "bc.docx"],
                                            "bao_cao_date": ["", ""]})
    t._cache["sections"] = pd.DataFrame({"unit_code": ["001", "N01"], "section": ["I", "I"], "text": ["…", "…"]})
    units = tables["indicators_units"].copy()
    units.loc[units["unit_code"] == "00004", "data_status"] = AWAITING
    t._cache["indicators_units"] = units
    t._cache["nomination_checks"] = pd.DataFrame({"proposer_code": ["001", "001"], "passed": [False, True]})
    points = packs.unit_points(t, "001")
    assert points[0] == "Gửi báo cáo: còn thiếu (bản giấy)."
    assert "1 đơn vị có số liệu đang chờ sửa, chưa được tính vào tổng, tỷ lệ, xếp hạng và khen thưởng." in points
    assert "1 lỗi trong danh sách trả lại đơn vị phải sửa." in points  # Trúc Bạch's sum
    assert points[-1] == "1 đề nghị khen thưởng của đơn vị chưa đủ điều kiện."
    # a report not sent is said once, in the submission point
    t._cache["submissions"] = pd.DataFrame({"unit_code": ["001"], "status": ["incomplete"], "status_label": ["Còn thiếu"],
                                            "missing": ["Báo cáo sơ kết"], "bao_cao_file": [""], "bao_cao_date": [""]})
    t._cache["sections"] = pd.DataFrame({"unit_code": ["N01"], "section": ["I"], "text": ["…"]})
    again = packs.unit_points(t, "001")
    assert again[0] == "Gửi báo cáo: còn thiếu (báo cáo sơ kết)." and not any("chưa gửi báo cáo" in p for p in again)
    html = packs.unit_points_html(t, "001")
    assert html.startswith('<div class="points"><h3>Cần trao đổi với đơn vị</h3>')
    # Sở Nội vụ: a Ban far below its tier (one-stop share), and no report of it read
    assert packs.unit_points(t, "S01") == ["1 đơn vị thấp hơn hẳn mặt bằng chung của cấp mình.",
                                           "Chưa đọc được báo cáo sơ kết nào của đơn vị trong dữ liệu đã xử lý."]
    assert packs.unit_points_html(t, "N01") == packs.para(
        "Không có điểm nào cần trao đổi với đơn vị về số liệu và tài liệu đã gửi.")


def test_a_unit_pack_links_the_units_own_return_list_file(tables, tmp_path):
    """The pack linked the folder of return lists ("tệp mang tên đơn vị"); it links the unit's own file, the one
    write_return_lists writes from the same findings, and nothing for a unit without a list."""
    from sketket.config import Plan
    from sketket.outputs.returns import write_return_lists

    t = packs.Tables(tables.processed_dir)
    written = {p.name for p in write_return_lists(packs.findings_of(t), t["appendix"], tmp_path, plan=Plan.load(),
                                                  registry=t.registry)}
    html = packs.return_list_html(t, "001")
    assert 'href="../tra-lai/quan-ba-dinh.xlsx"' in html and "quan-ba-dinh.xlsx" in written
    with_list = [c for c in t["appendix"]["unit_code"].drop_duplicates() if packs.return_list_html(t, c)]
    assert with_list and all(packs.return_list_html(t, c).split('href="../tra-lai/')[1].split('"')[0] in written
                             for c in with_list)
    clean = set(t["indicators_units"]["unit_code"]) - set(with_list)
    assert clean and all(packs.return_list_html(t, c) == "" for c in clean)
