"""The administrative layout helpers (TT 01/2011/TT-BNV) that every .docx of sketket uses."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn

from sketket.outputs import docx_layout as dl


def _write(tmp_path: Path) -> Document:
    doc = dl.new_document()
    dl.header_block(doc, dl.HeaderBlock("UBND Thành phố Hà Nội", "Sở Nội vụ", "Số: 12/BC-SNV",
                                        "Hà Nội, ngày 05 tháng 9 năm 2017"))
    dl.title(doc, "Báo cáo", "Sơ kết thực hiện cơ chế một cửa", "(Dự thảo)")
    dl.heading(doc, "I. KẾT QUẢ")
    dl.paragraph(doc, "Nội dung\x0b có ký tự điều khiển.")
    dl.table(doc, ["STT", "Đơn vị"], [[1, "Sở Tư pháp"]], widths_cm=[1.2, 10])
    dl.signature(doc, recipients=["UBND Thành phố;", "Lưu: VT, CCHC."], role="Giám đốc", authority="KT. Giám đốc")
    path = tmp_path / "x.docx"
    doc.save(str(path))
    return Document(str(path))


def test_page_fonts_and_header_follow_the_circular(tmp_path: Path) -> None:
    doc = _write(tmp_path)
    s = doc.sections[0]
    assert [round(x.mm) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin,
                                  s.right_margin)] == [210, 297, 20, 20, 30, 15]
    runs = [r for p in doc.paragraphs for r in p.runs] + [
        r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs and all(r._element.rPr.rFonts.get(qn(a)) == "Times New Roman"
                        for r in runs for a in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"))
    head = doc.tables[0]
    # each line under a header line on an empty paragraph of its own: its indents never wrap the text above
    assert [p.text for p in head.cell(0, 0).paragraphs] == ["UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ", ""]
    assert [p.text for p in head.cell(0, 1).paragraphs] == [dl.NATIONAL_TITLE, dl.MOTTO, ""]
    motto, rule = head.cell(0, 1).paragraphs[1:]
    assert motto.paragraph_format.left_indent is None
    assert motto.runs[0].bold and motto.runs[0].font.size.pt == 14
    assert rule._p.pPr.find(qn("w:pBdr")) is not None  # the line under the motto
    assert head.cell(1, 1).paragraphs[0].runs[0].italic
    body = next(p for p in doc.paragraphs if p.text.startswith("Nội dung"))
    assert body.text == "Nội dung có ký tự điều khiển." and body.paragraph_format.first_line_indent.cm == 1.27
    assert body.runs[0].font.size.pt == 14
    assert s.different_first_page_header_footer and "PAGE" in s.header._element.xml
    sign = doc.tables[-1]
    assert sign.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert [p.text for p in sign.cell(0, 1).paragraphs[:2]] == ["KT. GIÁM ĐỐC", "GIÁM ĐỐC"]
