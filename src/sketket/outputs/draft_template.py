"""Build the draft report's Word template (templates/draft/bao-cao-so-ket.docx).

The committed .docx is the source of the layout: the Sở Nội vụ may restyle it in Word (fonts, spacing, the
header, the signature block) without touching code, as long as the ``{{ … }}`` / ``{%p … %}`` / ``{%tr … %}``
tags stay. This module only (re)creates the first version of it, in the layout of Thông tư 01/2011/TT-BNV:
A4, margins 20/20/30/15 mm, Times New Roman for every script, body 14 with first-line indent, page numbers
centred in the top margin and not on page 1. Run ``python -m sketket.outputs.draft_template`` to rebuild it.

The tags read the structure documented in ``sketket.outputs.draft`` (``DraftData``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from sketket.outputs.docx_layout import (  # one layout
    FONT,
    _no_borders,
    all_scripts,
    page_layout,
    page_numbers,
)

TEMPLATE = Path(__file__).resolve().parent.parent / "templates" / "draft" / "bao-cao-so-ket.docx"
APPENDIX_COLUMNS: tuple[tuple[str, str, float], ...] = (  # (field of an appendix row, heading, width cm)
    ("stt", "STT", 1.0),
    ("name", "Tên đơn vị", 5.6),
    ("area_m2", "Diện tích Bộ phận TN&TKQ (m2)", 1.7),
    ("tthc_total", "Số TTHC thuộc thẩm quyền", 1.7),
    ("tthc_one_stop", "Số TTHC đang thực hiện", 1.7),
    ("tthc_one_stop_pct", "Tỷ lệ % TTHC đang thực hiện", 1.6),
    ("dossiers_received", "Tổng số hồ sơ đã nhận", 2.0),
    ("dossiers_on_time", "Hồ sơ giải quyết đúng hạn", 2.0),
    ("dossiers_overdue", "Hồ sơ quá hạn", 1.7),
    ("on_time_pct", "Tỷ lệ hồ sơ đúng hạn", 1.6),
    ("online_services_l34", "DVC trực tuyến mức độ 3, 4", 1.5),
    ("postal_tthc", "TTHC qua bưu chính công ích", 1.5),
    ("note", "Ghi chú", 2.6),
)


def _style(doc, name: str, size: float, *, bold: bool = False, italic: bool = False, indent: bool = False,
           align=WD_ALIGN_PARAGRAPH.JUSTIFY, before: float = 0, after: float = 6):
    style = doc.styles[name]
    style.font.name, style.font.size = FONT, Pt(size)
    style.font.bold, style.font.italic = bold, italic
    style.font.color.rgb = RGBColor(0, 0, 0)
    all_scripts(style.element.get_or_add_rPr())
    ppr = style.element.pPr
    for border in (ppr.findall(qn("w:pBdr")) if ppr is not None else []):  # Word's Title: a full-width blue rule
        ppr.remove(border)
    pf = style.paragraph_format
    pf.alignment = align
    pf.first_line_indent = Cm(1.27) if indent else Cm(0)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.line_spacing = 1.15
    pf.keep_with_next = name.startswith("Heading")
    return style


def _para(container, text: str = "", *, size: float | None = None, bold: bool = False, italic: bool = False,
          align=None, style: str | None = None):
    p = container.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    p.paragraph_format.first_line_indent = Cm(0) if style is None and align is not None else None
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        if size:
            run.font.size = Pt(size)
    return p


def _cell_para(cell, text: str, *, size: float, bold: bool = False, italic: bool = False,
               align=WD_ALIGN_PARAGRAPH.CENTER, first: bool = False):
    p = cell.paragraphs[0] if first else cell.add_paragraph()
    p.alignment = align
    p.paragraph_format.first_line_indent = Cm(0)
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold or None, italic or None
    return p


def build_template(path: Path = TEMPLATE) -> Path:
    """Write the draft report's template to `path`."""
    doc = Document()
    _style(doc, "Normal", 14, indent=True)
    for level in (1, 2, 3):
        _style(doc, f"Heading {level}", 14, bold=True, italic=level == 3, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
               before=6, after=6)
    _style(doc, "Title", 14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=0)
    page_layout(doc.sections[0])
    page_numbers(doc.sections[0])
    centre = WD_ALIGN_PARAGRAPH.CENTER

    _para(doc, "{{ header.draft_mark }}", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    head = doc.add_table(rows=2, cols=2)
    _no_borders(head)
    # the national title on one line (13 pt bold capitals need about 10 cm): the grid's widths, not only the
    # cells', or LibreOffice and Word share the width equally
    head.autofit = False
    for col, width in zip(head.columns, (Cm(6.0), Cm(10.5)), strict=True):
        col.width = width
        for cell in col.cells:
            cell.width = width
    _cell_para(head.cell(0, 0), "{{ header.issuer_parent }}", size=13, first=True)
    _cell_para(head.cell(0, 0), "{{ header.issuer }}", size=13, bold=True)
    _cell_para(head.cell(0, 0), "_______", size=13)
    _cell_para(head.cell(0, 1), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=13, bold=True, first=True)
    _cell_para(head.cell(0, 1), "Độc lập - Tự do - Hạnh phúc", size=14, bold=True)
    _cell_para(head.cell(0, 1), "_______________________", size=13)
    _cell_para(head.cell(1, 0), "{{ header.number }}", size=13, first=True)
    _cell_para(head.cell(1, 1), "{{ header.place_date }}", size=14, italic=True, first=True)

    _para(doc, "")
    _para(doc, "{{ title.kind }}", style="Title")
    _para(doc, "{{ title.summary }}", style="Title")
    _para(doc, "_______", size=14, align=centre)

    # The body: one loop over the outline's sections; the heading's level picks its (restylable) style.
    _para(doc, "{%p for s in sections %}")
    _para(doc, "{%p if s.level == 1 %}")
    _para(doc, "{{ s.number }} {{ s.heading }}", style="Heading 1")
    _para(doc, "{%p elif s.level == 2 %}")
    _para(doc, "{{ s.number }} {{ s.heading }}", style="Heading 2")
    _para(doc, "{%p else %}")
    _para(doc, "{{ s.number }} {{ s.heading }}", style="Heading 3")
    _para(doc, "{%p endif %}")
    _para(doc, "{%p for text in s.paragraphs %}")
    _para(doc, "{{ text }}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p endfor %}")
    _para(doc, "{{ closing }}")

    sign = doc.add_table(rows=1, cols=2)
    _no_borders(sign)
    left, right = sign.cell(0, 0), sign.cell(0, 1)
    left.width, right.width = Cm(8.0), Cm(8.5)
    _cell_para(left, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    _cell_para(left, "{%p for r in recipients %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_para(left, "- {{ r }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_para(left, "{%p endfor %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _cell_para(right, "{{ signer.authority }}", size=14, bold=True, first=True)
    _cell_para(right, "{{ signer.role }}", size=14, bold=True)
    for _ in range(4):
        _cell_para(right, "", size=14)
    _cell_para(right, "{{ signer.name }}", size=14, bold=True)

    # The appendices, landscape: Phụ lục I, II, III of the whole city in the official layout.
    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    page_layout(annex, landscape=True)
    _para(doc, "{%p for a in appendices %}")
    _para(doc, "Phụ lục {{ a.form }}", size=14, bold=True, align=centre)
    _para(doc, "{{ a.title }}", size=13, bold=True, align=centre)
    _para(doc, "{{ a.subtitle }}", size=13, italic=True, align=centre)
    table = doc.add_table(rows=4, cols=len(APPENDIX_COLUMNS))
    table.style = doc.styles["Table Grid"]
    for j, (field, heading, width) in enumerate(APPENDIX_COLUMNS):
        for i in range(4):
            table.cell(i, j).width = Cm(width)
        _cell_para(table.cell(0, j), heading, size=10, bold=True, first=True)
        if j == 0:
            _cell_para(table.cell(1, j), "{%tr for r in a.rows %}", size=10, first=True)
            _cell_para(table.cell(3, j), "{%tr endfor %}", size=10, first=True)
        align = WD_ALIGN_PARAGRAPH.LEFT if field in ("name", "note") else (
            centre if field == "stt" else WD_ALIGN_PARAGRAPH.RIGHT)
        _cell_para(table.cell(2, j), "{{ r." + field + " }}", size=10, align=align, first=True)
    _para(doc, "{{ a.note }}", size=11, italic=True)
    _para(doc, "{%p endfor %}")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build_template(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE))
