"""The packs' HTML comes from Jinja templates with autoescape: submitted text is escaped by the engine, pieces
already rendered are not escaped twice, and no HTML is assembled by hand in the outputs' Python code."""

import re
from pathlib import Path

from pack_data import SCRIPT_NAME

from sketket.outputs import html, packs

SRC = Path(__file__).resolve().parents[1] / "src" / "sketket"


def test_autoescape_is_on_for_every_pack_template():
    assert html.environment().autoescape is True
    assert "&lt;script&gt;" in html.piece("para", SCRIPT_NAME)


def test_emphasis_segments_escape_the_text_and_keep_a_lone_star():
    assert html.emphasised("a  *b*\n c") == [("a ", False), ("b", True), (" c", False)]
    assert html.emphasised("5 * 3") == [("5 * 3", False)]
    out = packs.paragraph_html("Đơn vị *chờ sửa* <b>")
    assert out == "<p>Đơn vị <em>chờ sửa</em> &lt;b&gt;</p>"


def test_index_page_escapes_titles_and_keeps_rendered_header(tmp_path):
    entry = packs.IndexEntry("Quận", SCRIPT_NAME, 'x.html" onclick="bad', True, [packs.Card("Hồ sơ", "1.234")],
                             scope="Phạm vi: <i>")
    page = packs.index_page([entry], {"demo": True}, [("Biểu & tổng hợp", "a.xlsx")],
                            extra_sections=['<section id="hook">ok</section>'])
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'onclick="bad' not in page and "Phạm vi: &lt;i&gt;" in page and "Biểu &amp; tổng hợp" in page
    assert '<div class="banner">' in page  # the header rendered once, not escaped twice
    assert '<section id="hook">ok</section>' in page
    assert '<nav class="pack-nav">' not in page  # the index does not link to itself


def test_pack_header_links_back_to_the_index():
    header = packs.page_header({"demo": False})
    assert '<a href="../index.html">' in header and header.index("pack-nav") < header.index('class="meta"')


def test_submission_line_from_template():
    import pandas as pd

    t = packs.Tables(Path("/nonexistent"))
    t._cache["submissions"] = pd.DataFrame([
        {"unit_code": "X", "status": "late", "status_label": "Chậm <hạn>", "missing": "", "first_date": "03/06/2025",
         "days_late": 2.0},
        {"unit_code": "Y", "status": "incomplete", "status_label": "Còn thiếu", "missing": "bản giấy",
         "first_date": "22/08/2017", "days_late": None}])
    assert packs.submission_html(t, "X") == ("<p>Tình trạng gửi báo cáo: <b>Chậm &lt;hạn&gt;</b>; ngày gửi đầu tiên "
                                             "03/06/2025; chậm 2 ngày so với hạn (tính theo bản đến sau cùng).</p>")
    assert packs.submission_html(t, "Y") == ("<p>Tình trạng gửi báo cáo: <b>Còn thiếu bản giấy</b>; ngày gửi đầu tiên "
                                             "22/08/2017.</p>")
    # a unit still lacking its report: the days late are those of what it sent, never of the missing report
    t._cache["submissions"] = pd.DataFrame([
        {"unit_code": "Z", "status": "incomplete", "status_label": "Còn thiếu", "missing": "Báo cáo sơ kết",
         "first_date": "03/09/2017", "days_late": 4.0}])
    assert packs.submission_html(t, "Z") == (
        "<p>Tình trạng gửi báo cáo: <b>Còn thiếu Báo cáo sơ kết</b>; ngày gửi đầu tiên 03/09/2017; tài liệu đã gửi "
        "chậm 4 ngày so với hạn (tính theo bản đến sau cùng).</p>")
    # its figures from an earlier file (the later one could not be opened): said here, at the top of its pack
    t._cache["indicators_units"] = pd.DataFrame({"unit_code": ["Z"], "unit_name": ["Sở Y tế"], "tier": ["so"],
                                                 "source_file": ["y-te.xlsx"]})
    t._cache["findings"] = pd.DataFrame({"source_file": ["y-te.xlsx"], "rule": ["resend_unreadable"],
                                         "value": ["y-te (gui lai).xlsx"]})
    assert packs.submission_html(t, "Z").endswith(
        "<p>Số liệu của Sở Y tế (và đơn vị trực thuộc) lấy từ tệp gửi trước: tệp gửi sau không mở được, cần đơn vị "
        "gửi lại.</p>")


def test_no_html_assembled_by_hand_in_outputs():
    # an f-string or literal opening an HTML tag would bypass the templates' escaping
    tag = re.compile(r"""f?["']<(p|div|h[1-6]|table|td|th|tr|a|b|img|span|ul|li|nav)[\s>]""")
    for path in (SRC / "outputs").glob("*.py"):
        hits = [line for line in path.read_text(encoding="utf-8").splitlines() if tag.search(line)]
        assert not hits, (path.name, hits)
