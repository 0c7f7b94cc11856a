"""Narrative reports in several heading styles, read into outline sections."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from sketket.intake.narrative import SECTION_COLUMNS, read_narrative
from sketket.registry import load_registry

HEAD = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 123/BC-UBND",
    "Hà Nội, ngày 25 tháng 8 năm 2017",
    "BÁO CÁO",
    "Sơ kết thực hiện Quyết định số 07/2016/QĐ-UBND của UBND Thành phố",
    "Kính gửi: UBND Thành phố (qua Sở Nội vụ)",
    "Thực hiện Kế hoạch số 186/KH-UBND ngày 14/8/2017 của UBND Thành phố, đơn vị báo cáo như sau:",
]
# (level, heading, body): level 1 = I/II/III, 2 = II.1–II.3, 3 = lettered item; the section each body
# must land in is the last element.
OUTLINE = [
    (1, "Đặc điểm tình hình", "Đơn vị có 25 công chức.", "I"),
    (1, "Kết quả thực hiện", "", None),
    (2, "Công tác chỉ đạo thực hiện", "Đã ban hành Kế hoạch số 12/KH.", "II.1"),
    (2, "Kết quả cụ thể", "", None),
    (3, "Số cơ quan, đơn vị thực hiện cơ chế một cửa, cơ chế một cửa liên thông", "Có 14 phường.", "II.2.a"),
    (3, "Số lượng các thủ tục hành chính thực hiện theo cơ chế một cửa", "Có 250 TTHC.", "II.2.b"),
    (3, "Các văn bản triển khai thực hiện cơ chế một cửa", "Đã ban hành đủ văn bản.", "II.2.c"),
    (3, "Bộ phận tiếp nhận và trả kết quả", "Diện tích 80 m2.", "II.2.d"),
    (3, "Việc triển khai thực hiện làm việc sáng thứ bảy hàng tuần", "Làm việc từ tháng 5/2016.", "II.2.đ"),
    (3, "Việc triển khai tiếp nhận hồ sơ qua dịch vụ bưu chính công ích", "Có 20 TTHC qua bưu điện.", "II.2.e"),
    (3, "Việc triển khai dịch vụ công trực tuyến mức độ 3, 4", "Có 12 dịch vụ.", "II.2.g"),
    (3, "Việc thực hiện xin lỗi", "Đã gửi 3 thư.", "II.2.h"),
    (3, "Kết quả tiếp nhận, giải quyết thủ tục hành chính", "Nhận 12.000 hồ sơ.", "II.2.i"),
    (3, "Việc tổ chức khảo sát, đánh giá mức độ hài lòng", "Hài lòng 95%.", "II.2.k"),
    (2, "Đánh giá", "", None),
    (3, "Kết quả đạt được", "Thủ tục công khai, minh bạch.", "II.3.a"),
    (3, "Tồn tại, hạn chế và nguyên nhân", "Trụ sở chật hẹp.", "II.3.b"),
    (3, "Bài học kinh nghiệm", "Người đứng đầu sát sao.", "II.3.c"),
    (3, "Các mô hình, sáng kiến", "Tin nhắn SMS báo kết quả.", "II.3.d"),
    (1, "Kiến nghị, đề xuất", "Đề nghị UBND Thành phố đầu tư phần mềm.", "III"),
]
LETTERS2 = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k"]
CLOSING = ["Nơi nhận:", "- Sở Nội vụ;", "- Lưu: VT.", "GIÁM ĐỐC", "Nguyễn Văn An"]


def numbered(style: str) -> list[tuple[str, bool]]:
    """The outline's headings numbered in a style; (line, is_heading)."""
    lines: list[tuple[str, bool]] = []
    roman = ["I", "II", "III"]
    top = sub = item = 0
    for level, title, body, _ in OUTLINE:
        if level == 1:
            top, sub, item = top + 1, 0, 0
            label = {"chuan": f"{roman[top - 1]}. {title.upper()}", "arabic": f"{top}. {title.upper()}",
                     "none": title.upper(), "phan": f"Phần {roman[top - 1]}. {title.upper()}"}[style]
        elif level == 2:
            sub, item = sub + 1, 0
            label = {"chuan": f"{sub}. {title}", "arabic": f"{top}.{sub}. {title}", "none": title,
                     "phan": f"{sub}. {title}"}[style]
        else:
            letter = LETTERS2[item]
            item += 1
            label = {"chuan": f"{letter}) {title}", "arabic": f"{letter}. {title}", "none": title,
                     "phan": f"- {letter}) {title}"}[style]
        lines.append((label, True))
        if body:
            lines.append((body, False))
    return lines


def expected_sections() -> dict[str, str]:
    return {sec: body for _, _, body, sec in OUTLINE if sec}


def write_docx(path: Path, unit_lines: list[str], lines: list[tuple[str, bool]], bold: bool = True,
               word_styles: bool = False, head_table: bool = False) -> Path:
    import docx

    doc = docx.Document()
    if head_table:  # the usual two-column heading block
        table = doc.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "\n".join(unit_lines)
        table.cell(0, 1).text = HEAD[0]
        table.cell(1, 0).text = HEAD[2]
        table.cell(1, 1).text = HEAD[3]
        head = HEAD[4:]
    else:
        head = unit_lines + HEAD
    for line in head:
        doc.add_paragraph(line)
    for text, is_heading in lines:
        if is_heading and word_styles:
            doc.add_heading(text, level=2)
        else:
            p = doc.add_paragraph()
            p.add_run(text).bold = is_heading and bold
    for line in CLOSING:
        doc.add_paragraph(line)
    doc.save(str(path))
    return path


def write_odt(path: Path, unit_lines: list[str], lines: list[tuple[str, bool]]) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties
    from odf.text import H, P, Span

    doc = OpenDocumentText()
    bold = Style(name="Dam", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    for line in unit_lines + HEAD:
        doc.text.addElement(P(text=line))
    for i, (text, is_heading) in enumerate(lines):
        if is_heading and i % 2:
            doc.text.addElement(H(outlinelevel=2, text=text))
        elif is_heading:
            p = P()
            p.addElement(Span(stylename=bold, text=text))
            doc.text.addElement(p)
        else:
            doc.text.addElement(P(text=text))
    for line in CLOSING:
        doc.text.addElement(P(text=line))
    doc.save(str(path))
    return path


def cp1258(text: str) -> bytes:
    """Text as Windows-1258 stores Vietnamese: base letters precomposed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        tone = "".join(c for c in decomposed if c in tones)
        out.append(unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones)) + tone)
    return "".join(out).encode("cp1258")


def write_text(path: Path, unit_lines: list[str], lines: list[tuple[str, bool]], encoding: str = "utf-8",
               markdown: bool = False) -> Path:
    body = [(f"## {t}" if h and markdown else t) for t, h in lines]
    text = "\n".join(unit_lines + HEAD + body + CLOSING) + "\n"
    path.write_bytes(cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def sections_of(result) -> dict[str, str]:
    return dict(zip(result.sections["section"], result.sections["text"], strict=True))


def assert_outline_found(result) -> None:
    got = sections_of(result)
    for section, body in expected_sections().items():
        assert got.get(section) == body, (section, got.get(section))
    other = got["other"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in other  # the heading block is kept
    assert "Nguyễn Văn An" in other and "- Lưu: VT." in other  # and the signature block
    assert list(result.sections.columns) == SECTION_COLUMNS


def test_docx_standard_numbering_with_heading_table(tmp_path, registry):
    path = write_docx(tmp_path / "bc.docx", ["UBND QUẬN BA ĐÌNH"], numbered("chuan"), head_table=True)
    result = read_narrative(path, "quan/bc.docx", registry)
    assert (result.unit_name, result.unit_code, result.tier) == ("Quận Ba Đình", "001", "huyen")
    assert_outline_found(result)
    assert set(result.sections["source_file"]) == {"quan/bc.docx"}
    assert set(result.sections["unit_code"]) == {"001"}
    assert result.findings == []
    ids = list(result.sections["section"])
    assert ids.index("II.2.đ") == ids.index("II.2.d") + 1 and ids[-1] == "other"


def test_docx_word_heading_styles_without_bold(tmp_path, registry):
    path = write_docx(tmp_path / "x.docx", ["UBND THÀNH PHỐ HÀ NỘI", "SỞ TƯ PHÁP"], numbered("chuan"),
                      bold=False, word_styles=True)
    result = read_narrative(path, "x.docx", registry)
    assert (result.unit_code, result.tier) == ("S02", "so")
    assert_outline_found(result)


def test_docx_without_any_numbering(tmp_path, registry):
    path = write_docx(tmp_path / "r.docx", ["CỤC THUẾ THÀNH PHỐ HÀ NỘI"], numbered("none"))
    result = read_narrative(path, "r.docx", registry)
    assert (result.unit_code, result.tier) == ("N01", "nganh_doc_tp")
    assert_outline_found(result)


def test_odt_arabic_numbering_and_letter_dots(tmp_path, registry):
    path = write_odt(tmp_path / "r.odt", ["UBND HUYỆN SÓC SƠN"], numbered("arabic"))
    result = read_narrative(path, "r.odt", registry)
    assert result.unit_code == "016"
    assert_outline_found(result)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258", "utf-16"])  # utf-16: Notepad's "Unicode"
def test_plain_text_with_parts_and_dashed_letters(tmp_path, registry, encoding):
    path = write_text(tmp_path / "r.txt", ["SỞ TÀI CHÍNH"], numbered("phan"), encoding=encoding)
    result = read_narrative(path, "r.txt", registry)
    assert result.unit_code == "S04"
    assert_outline_found(result)


def test_markdown_headings(tmp_path, registry):
    path = write_text(tmp_path / "r.md", ["KHO BẠC NHÀ NƯỚC HÀ NỘI"], numbered("none"), markdown=True)
    result = read_narrative(path, "r.md", registry)
    assert result.unit_code == "N03"
    assert_outline_found(result)


def test_paraphrased_headings_and_wrong_numbering(tmp_path, registry):
    lines = [
        ("I. TÌNH HÌNH CHUNG", True), ("Quận có 14 phường.", False),
        ("II. KẾT QUẢ TRIỂN KHAI THỰC HIỆN QUYẾT ĐỊNH SỐ 07/2016/QĐ-UBND", True),
        ("1. Về công tác lãnh đạo, chỉ đạo", True), ("Giao ban hằng tuần.", False),
        ("2. Kết quả đạt được trên từng nội dung", True),
        ("a) Về Bộ phận tiếp nhận và trả kết quả", True), ("Phòng 60 m2.", False),
        # sub-items inside an item are not outline headings
        ("a) Trang thiết bị: đủ máy tính.", False), ("1. Nhân sự: 5 người.", False),
        ("b) Khảo sát mức độ hài lòng của người dân, tổ chức", True), ("Đạt 97%.", False),
        # the unit numbered this "c)" under 2 although it belongs to the assessment
        ("c) Hạn chế, vướng mắc và nguyên nhân", True), ("Phần mềm chưa liên thông.", False),
        ("d) Những bài học kinh nghiệm rút ra", True), ("Sâu sát cơ sở.", False),
        ("IV. PHƯƠNG HƯỚNG, NHIỆM VỤ THỜI GIAN TỚI", True), ("Tiếp tục cải cách.", False),
        ("V. ĐỀ XUẤT, KIẾN NGHỊ", True), ("Đề nghị Bộ Nội vụ sửa quy định.", False),
    ]
    path = write_docx(tmp_path / "bao-cao-quan-hoan-kiem.docx", ["CỘNG HÒA"], lines)
    result = read_narrative(path, "bao-cao-quan-hoan-kiem.docx", registry)
    got = sections_of(result)
    assert got["I"] == "Quận có 14 phường."
    assert got["II.1"] == "Giao ban hằng tuần."
    assert got["II.2.d"] == "Phòng 60 m2.\na) Trang thiết bị: đủ máy tính.\n1. Nhân sự: 5 người."
    assert got["II.2.k"] == "Đạt 97%."
    assert got["II.3.b"] == "Phần mềm chưa liên thông."
    assert got["II.3.c"] == "Sâu sát cơ sở."
    assert got["III"] == "Đề nghị Bộ Nội vụ sửa quy định."
    assert "Tiếp tục cải cách." in got["other"]
    # unit from the file name, said in a finding
    assert result.unit_code == "002"
    rules = [f["rule"] for f in result.findings]
    assert "unit_name_inferred" in rules and "report_sections_missing" in rules
    missing = next(f for f in result.findings if f["rule"] == "report_sections_missing")
    assert "II.2.a" in missing["message"] and "II.3.a" in missing["message"]


def test_unknown_unit_and_no_outline_keeps_all_text(tmp_path, registry):
    path = tmp_path / "ghi-chu.txt"
    path.write_text("CÔNG TY ABC\nMột đoạn văn không theo đề cương.\nĐoạn thứ hai.\n", encoding="utf-8")
    result = read_narrative(path, "ghi-chu.txt", registry)
    assert result.unit_code == "" and result.unit_name == "ghi-chu"
    assert list(result.sections["section"]) == ["other"]
    assert result.sections["text"].iloc[0] == "CÔNG TY ABC\nMột đoạn văn không theo đề cương.\nĐoạn thứ hai."
    rules = {f["rule"]: f["severity"] for f in result.findings}
    assert rules == {"unit_unmatched": "warning", "report_sections_missing": "warning"}


def test_vien_is_recognised_from_config(tmp_path, registry):
    path = write_text(tmp_path / "r.txt", ["VIỆN NGHIÊN CỨU PHÁT TRIỂN KINH TẾ - XÃ HỘI HÀ NỘI"],
                      numbered("chuan"))
    result = read_narrative(path, "r.txt", registry)
    assert (result.unit_code, result.tier) == ("VIEN", "so")


def test_heading_with_text_after_colon(tmp_path, registry):
    lines = [("I. ĐẶC ĐIỂM TÌNH HÌNH", True), ("Ổn định.", False), ("II. KẾT QUẢ THỰC HIỆN", True),
             ("2. Kết quả cụ thể", True),
             ("e) Việc tiếp nhận hồ sơ qua dịch vụ bưu chính công ích: đã có 15 TTHC.", False),
             ("g) Dịch vụ công trực tuyến: 8 dịch vụ mức độ 3.", False)]
    path = write_text(tmp_path / "so-y-te.txt", [], lines)
    result = read_narrative(path, "so-y-te.txt", registry)
    got = sections_of(result)
    assert got["II.2.e"] == "đã có 15 TTHC." and got["II.2.g"] == "8 dịch vụ mức độ 3."
    heading = result.sections.set_index("section").loc["II.2.e", "heading"]
    assert heading == "e) Việc tiếp nhận hồ sơ qua dịch vụ bưu chính công ích"
    assert result.unit_code == "S16"


def test_damaged_docx_is_a_finding(tmp_path, registry):
    path = tmp_path / "hong.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = read_narrative(path, "hong.docx", registry)
    assert result.sections.empty and [f["rule"] for f in result.findings] == ["file_corrupt"]


def test_labelled_items_stay_in_their_section_and_task_reports_have_no_outline(tmp_path, registry):
    lines = [("I. ĐẶC ĐIỂM TÌNH HÌNH", True), ("Ổn định.", False), ("II. KẾT QUẢ THỰC HIỆN", True),
             ("2. Kết quả cụ thể", True), ("c) Các văn bản triển khai", True),
             ("- Quyết định thành lập, kiện toàn Bộ phận tiếp nhận và trả kết quả: đã ban hành;", False),
             ("- Quyết định cử Trưởng Bộ phận tiếp nhận và trả kết quả: đã ban hành;", False),
             ("d) Bộ phận tiếp nhận và trả kết quả", True), ("Hạn chế: phòng chật.", False),
             ("3. Đánh giá", True), ("- Ưu điểm: công khai.", False), ("- Tồn tại, hạn chế: thiếu ghế.", False)]
    result = read_narrative(write_text(tmp_path / "a.txt", ["SỞ Y TẾ"], lines), "a.txt", registry)
    got = sections_of(result)
    assert got["II.2.c"].splitlines() == [t for t, _ in lines[5:7]]
    assert got["II.2.d"] == "Hạn chế: phòng chật."  # an inline label does not jump to II.3.b
    assert (got["II.3.a"], got["II.3.b"]) == ("công khai.", "thiếu ghế.")
    task = write_text(tmp_path / "Bao cao nhiem vu QD07 - So Tu phap.txt", ["SỞ TƯ PHÁP"],
                      [("1. Nhiệm vụ được giao", True), ("Kiểm soát TTHC.", False)])
    result = read_narrative(task, task.name, registry)
    assert result.unit_code == "S02" and result.findings == []


def test_a_heading_reads_the_same_in_every_process():
    """A probe's finding: "PHƯƠNG HƯỚNG VÀ KIẾN NGHỊ" was section III in some processes and "other" in others
    (its recommendations lost): keywords as long as each other were ordered by a set, whose order follows
    the process's hash seed. Now an outline section before "other", then the config's order."""
    import subprocess
    import sys

    code = ("from sketket.intake.narrative import keyword_section, load_outline; o = load_outline(); "
            "print([keyword_section(h, o)[0] for h in ('PHƯƠNG HƯỚNG VÀ KIẾN NGHỊ', 'Ưu điểm, hạn chế', "
            "'Thuận lợi, khó khăn, hạn chế', 'Khen thưởng và kiến nghị')])")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in range(6)}
    assert seen == {"['III', 'II.3.a', 'I', 'III']\n"}


def test_text_in_content_controls_tracked_insertions_smart_tags_and_text_boxes_is_read(tmp_path, registry):
    """A probe's findings: text inside content controls (a template's fill-in blocks), tracked insertions,
    smart tags and text boxes was dropped (a recommendation lost; "đơn vị ~~đã gửi~~ chưa gửi thư xin lỗi" read
    "đơn vị thư xin lỗi", hence "Có"); a deletion's text must stay out."""
    import zipfile

    path = write_docx(tmp_path / "bc.docx", ["UBND QUẬN BA ĐÌNH"], numbered("chuan"))
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["word/document.xml"].decode()
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    assert w in xml

    def paragraph_of(text: str) -> tuple[int, int]:
        i = xml.index(text)
        return xml.rfind("<w:p>", 0, i) if xml.rfind("<w:p>", 0, i) > xml.rfind("<w:p ", 0, i) \
            else xml.rfind("<w:p ", 0, i), xml.index("</w:p>", i) + len("</w:p>")

    s, e = paragraph_of("Đề nghị UBND Thành phố đầu tư phần mềm.")  # III's body inside a block content control
    xml = xml[:s] + "<w:sdt><w:sdtPr/><w:sdtContent>" + xml[s:e] + "</w:sdtContent></w:sdt>" + xml[e:]
    s, e = paragraph_of("Đã gửi 3 thư.")  # II.2.h rewritten with tracked changes and a smart tag
    xml = xml[:s] + ("<w:p><w:r><w:t xml:space=\"preserve\">Đơn vị </w:t></w:r>"
                     "<w:del w:id=\"1\" w:author=\"A\"><w:r><w:delText>đã gửi</w:delText></w:r></w:del>"
                     "<w:ins w:id=\"2\" w:author=\"A\"><w:r><w:t xml:space=\"preserve\">chưa </w:t></w:r></w:ins>"
                     "<w:smartTag w:uri=\"x\" w:element=\"y\"><w:r><w:t xml:space=\"preserve\">gửi</w:t></w:r>"
                     "</w:smartTag><w:r><w:t xml:space=\"preserve\"> thư xin lỗi.</w:t></w:r></w:p>") + xml[e:]
    s, e = paragraph_of("Tin nhắn SMS báo kết quả.")  # II.3.d's body in a text box
    box = ("<w:p><w:r><w:pict><v:shape xmlns:v=\"urn:schemas-microsoft-com:vml\"><v:textbox><w:txbxContent>"
           "<w:p><w:r><w:t>Tin nhắn SMS báo kết quả.</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape>"
           "</w:pict></w:r></w:p>")
    xml = xml[:s] + box + xml[e:]
    parts["word/document.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    got = sections_of(read_narrative(path, "bc.docx", registry))
    assert got["III"] == "Đề nghị UBND Thành phố đầu tư phần mềm."
    assert got["II.2.h"] == "Đơn vị chưa gửi thư xin lỗi."
    assert got["II.3.d"] == "Tin nhắn SMS báo kết quả."


def test_a_report_that_cannot_be_opened_is_said_in_words(tmp_path, registry):
    """A probe's finding: "Không mở được báo cáo (BadZipFile)" named a Python class to the analyst."""
    (tmp_path / "rong.docx").write_bytes(b"")
    (tmp_path / "hong.docx").write_bytes(b"PK\x03\x04 not really a zip")
    for name in ("rong.docx", "hong.docx"):
        (finding,) = read_narrative(tmp_path / name, name, registry).findings
        assert finding["message"] == ("Không mở được báo cáo (không phải tệp Excel, Word hợp lệ, có thể là tệp khác "
                                      "đổi đuôi); đề nghị đơn vị gửi lại tệp.")


def test_a_district_branch_of_an_agency_is_not_the_district_it_names():
    """'Chi cục Thuế quận Hoàng Mai' and 'Công an quận Ba Đình' hold a district's name: a reply or report headed
    by them was the district's (Quận Hoàng Mai then 'answered on time'). They name no submitting unit; the
    district itself, and the agency, are still found."""
    from sketket.intake.narrative import match_unit
    from sketket.registry import load_registry

    reg = load_registry()
    assert match_unit("CHI CỤC THUẾ QUẬN HOÀNG MAI", reg) is None
    assert match_unit("Công an quận Ba Đình", reg) is None
    assert match_unit("UBND QUẬN HOÀNG MAI", reg).code == "008"
    assert match_unit("CỤC THUẾ THÀNH PHỐ HÀ NỘI", reg).code == "N01"
