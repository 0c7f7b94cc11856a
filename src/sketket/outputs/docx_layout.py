"""The administrative layout of a Vietnamese official document (thể thức văn bản hành chính, Thông tư số
01/2011/TT-BNV), for every .docx sketket writes (the award list, the draft report):

- A4; margins top and bottom 20 mm, left 30 mm, right 15 mm;
- Times New Roman, set for every script (ascii, hAnsi, East-Asian, complex) so that Word never falls back
  to another font for Vietnamese letters; body 14, tables 12–13;
- the header: the issuing body on the left (its parent in capitals, its name in bold capitals, a short
  line under it; the document number), the national title (quốc hiệu, 13 bold capitals) and motto (tiêu
  ngữ, 14 bold, a line under it) on the right; place and date in italics;
- the kind of document in bold capitals and its summary (trích yếu) in bold, centred;
- body paragraphs justified, first line indented 1,27 cm, 6 pt after;
- "Nơi nhận:" (12 bold italic) and its list (11), the signer's title and name (14 bold);
- page numbers centred in the top margin, not on the first page.

    doc = new_document()
    header_block(doc, HeaderBlock("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ", "Số: …/SNV-CCHC", "Hà Nội, ngày … tháng … năm 2017"))
    title(doc, "DANH SÁCH", "Đề nghị …")
    paragraph(doc, "…")
    table(doc, ["STT", "Tên"], [["1", "…"]], widths_cm=[1.2, 10])
    signature(doc, recipients=["UBND Thành phố;", "Lưu: VT, CCHC."], role="GIÁM ĐỐC", signer="")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FONT = "Times New Roman"
BODY_SIZE = 14
TABLE_SIZE = 12
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
MOTTO_CM = 6.2  # the motto's width in Times New Roman 14 bold: the line under it is as long


@dataclass(frozen=True)
class HeaderBlock:
    """The top of the first page: issuing body (parent, name), number, place and date."""

    parent: str
    body: str
    number: str = ""
    place_date: str = ""


def clean_text(text: object) -> str:
    """Text fit for a .docx: control characters (which make Word refuse the file) dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", "" if text is None else str(text))


def set_font(run: Run, size: float | None = None, *, bold: bool | None = None, italic: bool | None = None,
             underline: bool | None = None, name: str = FONT) -> Run:
    """A run in `name` for every script (w:ascii, w:hAnsi, w:eastAsia, w:cs), in `size` points."""
    if run._r.rPr is None:  # a new run: its properties built at once (python-docx's setters cost ~5 ms a run)
        run._r.insert(0, _run_properties(size, bool(bold), bool(italic), bool(underline), name))
        return run
    run.font.name = name
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if underline is not None:
        run.underline = underline
    return run


def _run_properties(size: float | None, bold: bool, italic: bool, underline: bool, name: str):
    """<w:rPr> in the schema's order: rFonts, b, i, sz, szCs, u."""
    rpr = OxmlElement("w:rPr")
    fonts = OxmlElement("w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    rpr.append(fonts)
    for on, tag in ((bold, "w:b"), (italic, "w:i")):
        if on:
            rpr.append(OxmlElement(tag))
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = OxmlElement(tag)
            el.set(qn("w:val"), str(round(size * 2)))
            rpr.append(el)
    if underline:
        u = OxmlElement("w:u")
        u.set(qn("w:val"), "single")
        rpr.append(u)
    return rpr


def all_scripts(rpr, name: str = FONT) -> None:
    """`name` for every script of a run's or style's properties (ascii, hAnsi, East-Asian, complex), theme
    fonts removed: Word never falls back to another font for Vietnamese letters."""
    fonts = rpr.get_or_add_rFonts()
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def page_layout(section: Section, *, landscape: bool = False) -> None:
    """A4, portrait or landscape, with the margins of the rule."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])


def new_document(*, landscape: bool = False, size: float = BODY_SIZE) -> DocumentType:
    """An empty A4 document with the margins and the Normal style of TT 01/2011/TT-BNV."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(size)
    all_scripts(normal.element.get_or_add_rPr())
    normal.paragraph_format.space_after = Pt(0)
    page_layout(doc.sections[0], landscape=landscape)
    page_numbers(doc.sections[0])
    return doc


def text_width_cm(doc: DocumentType) -> float:
    s = doc.sections[-1]
    return (s.page_width - s.left_margin - s.right_margin) / 360000


def line(paragraph: Paragraph, text: str, size: float, *, bold: bool = False, italic: bool = False,
         underline: bool = False) -> Run:
    return set_font(paragraph.add_run(clean_text(text)), size, bold=bold, italic=italic, underline=underline)


def _centered(cell_or_doc, first: bool = False) -> Paragraph:
    p = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    return p


def _rule_under(paragraph: Paragraph, box_cm: float, line_cm: float, *, own_line: bool = False) -> None:
    """A solid line `line_cm` long, centred under a header line in a box `box_cm` wide: the bottom border of
    the paragraph, indented on both sides. `own_line`: on an empty paragraph of its own just below, so that
    the indents never narrow the text above (a line shorter than its text would wrap it)."""
    if own_line:
        rule = OxmlElement("w:p")
        paragraph._p.addnext(rule)
        paragraph = Paragraph(rule, paragraph._parent)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.first_line_indent = Cm(0)
        mark = OxmlElement("w:rPr")  # the empty paragraph's height: a 2 pt mark
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "4")
        mark.append(size)
        paragraph._p.get_or_add_pPr().append(mark)
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)
    side = max(0.0, (box_cm - line_cm) / 2)
    paragraph.paragraph_format.left_indent = Cm(side)
    paragraph.paragraph_format.right_indent = Cm(side)


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def header_block(doc: DocumentType, block: HeaderBlock) -> Table:
    """Issuing body | national title and motto, then the number | place and date, in a borderless table."""
    width = text_width_cm(doc)
    t = doc.add_table(rows=2, cols=2)
    _no_borders(t)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    # the national title (13 pt bold) and the parent body's name each on one line: the block may reach a few
    # millimetres into the margins, as the usual administrative layouts do
    left_w, right_w = (width + 0.6) * 0.38, (width + 0.6) * 0.62
    _widths(t, (left_w, right_w))
    left, right = t.cell(0, 0), t.cell(0, 1)
    line(_centered(left, first=True), block.parent.upper(), 13)
    p = _centered(left)
    line(p, block.body.upper(), 13, bold=True)
    _rule_under(p, left_w, left_w / 3, own_line=True)  # TT 01/2011: 1/3–1/2 of the body's name
    line(_centered(right, first=True), NATIONAL_TITLE, 13, bold=True)
    p = _centered(right)
    line(p, MOTTO, 14, bold=True)
    _rule_under(p, right_w, MOTTO_CM, own_line=True)  # as long as the motto
    line(_centered(t.cell(1, 0), first=True), block.number, 13)
    p = _centered(t.cell(1, 1), first=True)
    line(p, block.place_date, 14, italic=True)
    doc.add_paragraph()
    return t


def title(doc: DocumentType, kind: str, summary: str = "", note: str = "") -> None:
    """The kind of document (bold capitals), its summary (bold) with a short line under it, and an italic note
    ("(Kèm theo Tờ trình số …)")."""
    p = _centered(doc)
    p.paragraph_format.space_before = Pt(6)
    line(p, kind.upper(), 14, bold=True)
    if summary:
        p = _centered(doc)
        line(p, summary, 14, bold=True)
    if note:
        line(_centered(doc), note, 14, italic=True)
    width = text_width_cm(doc)
    _rule_under(_centered(doc), width, width / 4)  # 1/3–1/2 of the summary's line
    doc.add_paragraph()


def paragraph(doc: DocumentType, text: str, *, size: float = BODY_SIZE, bold: bool = False,
              italic: bool = False, indent: bool = True) -> Paragraph:
    """A body paragraph: justified, first line indented 1,27 cm, 6 pt after, line spacing 1,15."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = p.paragraph_format
    fmt.first_line_indent = Cm(1.27) if indent else None
    fmt.space_after, fmt.line_spacing = Pt(6), 1.15
    line(p, text, size, bold=bold, italic=italic)
    return p


def heading(doc: DocumentType, text: str, *, size: float = BODY_SIZE) -> Paragraph:
    """A numbered heading of the body ("I. TẬP THỂ"): bold, indented like the body."""
    return paragraph(doc, text, size=size, bold=True)


def table(doc: DocumentType, headers: Sequence[str], rows: Sequence[Sequence[object]], *,
          widths_cm: Sequence[float] | None = None, size: float = TABLE_SIZE,
          center_columns: Sequence[int] = (0,)) -> Table:
    """A bordered table: bold centred header row repeated on every page, then the rows."""
    t = doc.add_table(rows=1 + len(rows), cols=len(headers))  # all rows at once: add_row copies each time
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = t.rows[0]
    trpr = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for c, text in enumerate(headers):
        line(_centered(head.cells[c], first=True), text, size, bold=True)
    for row, values in zip(t.rows[1:], rows, strict=True):
        cells = row.cells
        for c, value in enumerate(values):
            p = cells[c].paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if c in center_columns else WD_ALIGN_PARAGRAPH.LEFT
            line(p, "" if value is None else str(value), size)
    if widths_cm:
        _widths(t, widths_cm)
    return t


def _widths(t: Table, widths_cm: Sequence[float]) -> None:
    """Column widths on the table's grid as well as its cells: LibreOffice and Word read the grid, and share the
    width equally without it."""
    t.autofit = False
    for col, w in zip(t.columns, widths_cm, strict=False):
        col.width = Cm(w)
    for row in t.rows:
        cells = row.cells
        for c, w in enumerate(widths_cm):
            cells[c].width = Cm(w)


def signature(doc: DocumentType, *, recipients: Sequence[str], role: str, signer: str = "",
              authority: str = "") -> Table:
    """"Nơi nhận:" and its list on the left; the signer's authority (TM./KT.), title and name on the right."""
    doc.add_paragraph()
    width = text_width_cm(doc)
    t = doc.add_table(rows=1, cols=2)
    _no_borders(t)
    t.rows[0].cells[0].width, t.rows[0].cells[1].width = Cm(width * 0.45), Cm(width * 0.55)
    left, right = t.cell(0, 0), t.cell(0, 1)
    line(left.paragraphs[0], "Nơi nhận:", 12, bold=True, italic=True)
    for item in recipients:
        line(left.add_paragraph(), f"- {item}", 11)
    first = True
    for text in (authority, role):
        if text:
            line(_centered(right, first=first), text.upper(), 14, bold=True)
            first = False
    for _ in range(4):
        _centered(right)
    if signer:
        line(_centered(right), signer, 14, bold=True)
    return t


def page_numbers(section: Section) -> None:
    """Page numbers centred in the top margin, from the second page (a different first-page header)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Cm(0)  # the Normal style may indent first lines (the draft's does)
    run = set_font(p.add_run(), 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
