"""Narrative reports (.docx, .odt, .txt, .md) read into the sections of the outline (Đề cương).

A report is read into blocks (paragraphs, table rows) with their formatting; each block is either a
heading that opens a section or text of the current section. Headings are recognised by their numbering
("II.", "2.", "2.1", "a)", "- a)"), their look (bold, capitals, heading styles) and their words (keywords of
config/outline.yml, so a paraphrased or unnumbered heading is found too). Context decides what a number
means ("a)" after "2. Kết quả cụ thể" is II.2.a, after "3. Đánh giá" it is II.3.a) and keywords win when
the numbering is wrong. Text that fits no section goes to `other`: nothing is dropped.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sketket import catalog
from sketket.clean import fold as _fold_text
from sketket.clean import nfc
from sketket.config import load_yaml
from sketket.dimensions import CHILD_TIER
from sketket.registry import Registry, agency_key


@lru_cache(maxsize=1 << 14)
def fold(text: object) -> str:
    """clean.fold, remembered: a line is folded several times while its section is decided."""
    return _fold_text(text)


SECTION_COLUMNS = catalog.columns("sections")
OTHER = "other"
_BULLET = re.compile(r"^[-–—•+*·]\s*")
_NUMBERING = [
    ("roman", re.compile(r"^(?:phần\s+(?:thứ\s+)?)?(?P<v>III|II|IV|VI|V|I)\s*[.):\-–/]\s*(?P<rest>.*)$",
                         re.IGNORECASE)),
    # "PHẦN THỨ NHẤT", "Phần thứ hai:": the parts spelled out
    ("ordinal", re.compile(r"^phần\s+thứ\s+(?P<v>nhất|hai|ba|tư|bốn|năm)\b\s*[.):\-–/]?\s*(?P<rest>.*)$",
                           re.IGNORECASE)),
    ("decimal", re.compile(r"^(?P<v>\d{1,2}(?:\.\d{1,2})+)\.?\)?\s+(?P<rest>.*)$")),
    ("arabic", re.compile(r"^(?:mục\s+)?(?P<v>\d{1,2})\s*[.)/:\-–](?:\s+|(?=[^\d\s]))(?P<rest>.*)$",
                          re.IGNORECASE)),
    ("letter", re.compile(r"^[-–•+*]?\s*\(?(?P<v>dd|đ|[a-k])\s*[)./]\s+(?P<rest>.*)$", re.IGNORECASE)),
]
_ORDINALS = {"nhất": "I", "hai": "II", "ba": "III", "tư": "IV", "bốn": "IV", "năm": "V"}
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
_TOP = {1: "I", 2: "II", 3: "III"}


@dataclass
class Block:
    """One paragraph or table row of a report, with what its look says about it."""

    text: str
    bold: bool = False
    styled: bool = False  # a heading or title style (Word, ODF, Markdown "#")
    table: bool = False
    outline_row: bool = False  # a row of a table that answers the outline ("Nội dung" | "Kết quả")


@dataclass
class NarrativeResult:
    """The sections of one report, the unit it came from, and problems found while reading it."""

    sections: pd.DataFrame
    unit_name: str = ""
    unit_code: str = ""
    tier: str = ""
    findings: list[dict] = field(default_factory=list)


# -- the outline ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outline:
    """config/outline.yml, folded once for matching."""

    ids: tuple[str, ...]
    headings: dict[str, str]
    containers: frozenset[str]
    keywords: tuple[tuple[str, str], ...]  # (section id or "other", folded phrase)
    closing_starts: tuple[str, ...]
    closing_equals: frozenset[str]
    closing_contains: tuple[str, ...]
    filler: tuple[str, ...]
    title_markers: tuple[str, ...]
    coverage: dict[str, float]
    max_heading_chars: int
    max_plain_heading_chars: int
    unit_block_lines: int

    def letters(self, container: str) -> list[str]:
        """The letters of a container's items in the outline's order ("II.2" → a, b, c, d, đ, e, …)."""
        return [s[len(container) + 1:] for s in self.ids if s.startswith(container + ".")]

    def position(self, section: str) -> int:
        return self.ids.index(section) if section in self.ids else -1


@lru_cache(maxsize=4)
def load_outline(path: str | None = None) -> Outline:
    cfg = load_yaml(Path(path) if path else "outline.yml")
    keywords = [(s["id"], fold(k)) for s in cfg["sections"] for k in [s["heading"], *s.get("keywords", [])]]
    keywords += [(OTHER, fold(k)) for k in cfg.get("other_keywords", [])]
    return Outline(
        ids=tuple(s["id"] for s in cfg["sections"]),
        headings={s["id"]: s["heading"] for s in cfg["sections"]},
        containers=frozenset(s["id"] for s in cfg["sections"] if s.get("container")),
        # longest first; of two as long, an outline section before "other" (its text would be lost to the
        # extraction: "Phương hướng và kiến nghị" holds recommendations), then the config's order; never a
        # set's order, which changes with each process's hash seed
        keywords=tuple(sorted(dict.fromkeys(keywords), key=lambda kv: (-len(kv[1].split()), kv[0] == OTHER))),
        closing_starts=tuple(fold(x) for x in cfg["closing"]["starts"]),
        closing_equals=frozenset(fold(x) for x in cfg["closing"]["equals"]),
        closing_contains=tuple(fold(x) for x in cfg["closing"].get("contains", [])),
        filler=tuple(sorted((fold(x) for x in cfg["filler"]), key=lambda f: -len(f))),
        title_markers=tuple(fold(x) for x in cfg["title_markers"]),
        coverage={k: float(v) for k, v in cfg["coverage"].items()},
        max_heading_chars=int(cfg["max_heading_chars"]),
        max_plain_heading_chars=int(cfg["max_plain_heading_chars"]),
        unit_block_lines=int(cfg["unit_block_lines"]),
    )


def _contains(haystack: str, phrase: str) -> int:
    """Index of a folded phrase in folded text on word boundaries, or -1."""
    i = f" {haystack} ".find(f" {phrase} ")
    return i


def _names(text: str, section: str, outline: Outline) -> bool:
    """Whether the text contains one of the section's keywords."""
    padded = f" {fold(text)} "
    return any(s == section and f" {p} " in padded for s, p in outline.keywords)


def keyword_section(text: str, outline: Outline) -> tuple[str, float]:
    """The section whose longest keyword the text contains, and how much of the text that keyword covers
    (words outside it that are not filler count against it)."""
    key = fold(text)
    padded = f" {key} "
    for section, phrase in outline.keywords:  # longest phrases first
        if not phrase or f" {phrase} " not in padded:
            continue
        # every keyword of that section counts as covered: "Hạn chế, vướng mắc và nguyên nhân"
        rest, n = f" {key} ", 0
        for other, p in outline.keywords:
            if other == section and f" {p} " in rest:
                rest, n = rest.replace(f" {p} ", " ", 1), n + len(p.split())
        for filler in outline.filler:
            rest = rest.replace(f" {filler} ", " ")
        extra = [w for w in rest.split() if not w.isdigit()]
        return section, n / (n + len(extra))
    return "", 0.0


# -- reading files into blocks ----------------------------------------------------------------------------

def _lines(text: str, **flags: bool) -> list[Block]:
    return [Block(nfc(line), **flags) for line in text.splitlines() if nfc(line)]


def _table_blocks(rows: list[list[str]]) -> list[Block]:
    """A table's rows as blocks, cells joined by " | ". A table whose header names the outline's content
    ("Nội dung", "Nội dung báo cáo") answers the outline row by row: its rows may open sections."""
    outline = bool(rows) and any(fold(c).startswith("noi dung") for r in rows[:2] for c in r)
    return [Block(" | ".join(cells), table=True, outline_row=outline) for cells in rows if cells]


def report_grids(path: Path) -> list[tuple[str, list[list[object]]]]:
    """The tables of a .docx or .odt report as grids of cell text, named "Bảng 1", "Bảng 2" … in document
    order: an appendix table pasted into the report is read from them like a sheet. A merged cell's text
    is kept in its first cell only, as Excel does."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        from docx.table import Table

        body, _ = _docx_body(path)
        tables = [Table(el, None) for el in body.iter(_qn_tbl())]
        grids = []
        for table in tables:
            seen: dict[int, object] = {}  # id → the cell element, held so that no id is reused
            grid: list[list[object]] = []
            for row in table.rows:
                line: list[object] = []
                for cell in row.cells:
                    line.append("" if id(cell._tc) in seen else nfc(cell.text))
                    seen[id(cell._tc)] = cell._tc
                grid.append(line)
            grids.append(grid)
    elif suffix == ".odt":
        grids = _odt_grids(path)
    else:
        return []
    return [(f"Bảng {k}", g) for k, g in enumerate(grids, start=1)]


def _qn_tbl() -> str:
    from docx.oxml.ns import qn

    return qn("w:tbl")


def _odt_grids(path: Path) -> list[list[list[object]]]:
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table

    out = []
    for table in load(str(path)).text.getElementsByType(Table):
        grid = []
        for row in table.getElementsByType(_odf_row()):
            line: list[object] = []
            for c in row.childNodes:
                if getattr(c, "qname", (None, ""))[1] in ("table-cell", "covered-table-cell"):
                    # a covered cell stands for a position of a merged one: empty, as in a sheet
                    line.append(nfc(teletype.extractText(c)) if c.qname[1] == "table-cell" else "")
            grid.append(line)
        out.append(grid)
    return out


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# elements whose content is the document's text, walked into: content controls, custom XML, tracked
# insertions and moves (a deletion's text is w:delText, never read), smart tags, fields, hyperlinks
_WRAPPERS = frozenset(_W + n for n in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag", "fldSimple",
                                        "hyperlink", "dir", "bdo"))


def _docx_blocks(path: Path) -> list[Block]:
    body, looks = _docx_body(path)
    blocks: list[Block] = []
    _body_blocks(body, looks, blocks)
    return blocks


def _body_blocks(container, looks: StyleLooks, blocks: list[Block]) -> None:
    """The paragraphs and tables of a body (or a content control, a text box) in document order."""
    from docx.table import Table

    for element in container.iterchildren():
        tag = element.tag
        if tag == _W + "p":
            _paragraph_blocks(element, looks, blocks)
        elif tag == _W + "tbl":
            rows: list[list[str]] = []
            for row in Table(element, None).rows:
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    lines = []
                    for p in cell._tc.iterchildren(_W + "p"):
                        texts: list[str] = []
                        _paragraph_text(p, texts, [], [])
                        if nfc("".join(texts)):
                            lines.append(nfc("".join(texts)))
                    if lines:
                        cells.append("\n".join(lines))
                rows.append(cells)
            blocks.extend(_table_blocks(rows))
        elif tag in _WRAPPERS:  # a block-level content control or custom XML: its paragraphs and tables
            _body_blocks(element, looks, blocks)


def _paragraph_blocks(p, looks: StyleLooks, blocks: list[Block]) -> None:
    """A paragraph's lines, then the paragraphs of the text boxes anchored in it (a section typed in a
    text box was lost)."""
    from docx.text.run import Run

    styled, style_bold = looks.get(p.style, looks[None])
    texts: list[str] = []
    runs: list = []
    boxes: list = []
    _paragraph_text(p, texts, runs, boxes)
    shown = [Run(r, None) for r in runs if r.text.strip()]
    bold = bool(shown) and all(r.bold or (r.bold is None and style_bold) for r in shown)
    blocks.extend(_lines("".join(texts), bold=bold, styled=styled))
    for box in boxes:
        _body_blocks(box, looks, blocks)


def _paragraph_text(element, texts: list[str], runs: list, boxes: list) -> None:
    """The text of a paragraph's runs, in order, through insertions, smart tags, inline content controls and
    hyperlinks (a run's own text as python-docx gives it: tabs, breaks); the text boxes met on the way are
    collected apart, once (a drawing's fallback picture repeats the box)."""
    for child in element.iterchildren():
        tag = child.tag
        if tag == _W + "r":
            texts.append(child.text)
            runs.append(child)
            for box in child.iter(_W + "txbxContent"):
                if not any(a.tag == _MC + "Fallback" for a in box.iterancestors()):
                    boxes.append(box)
        elif tag in _WRAPPERS:
            _paragraph_text(child, texts, runs, boxes)


# A paragraph style id → (a heading or title style, bold by style); None: the default paragraph style,
# which also stands for unknown ids and styles of another type, as in python-docx's Paragraph.style.
StyleLooks = dict[str | None, tuple[bool, bool]]
_STYLE_LOOKS: dict[bytes, StyleLooks] = {}


def _docx_body(path: Path):
    """The body of a .docx and its paragraph styles' looks. docx.Document() would load and parse every part
    of the package, the styles part (often 350 KB) alone taking longer than the text; here only the
    document and its styles are read, with python-docx's own package classes (same errors for a file that
    is not a Word document), and the styles of a styles part already seen are not parsed again."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PACKAGE_URI
    from docx.opc.phys_pkg import PhysPkgReader
    from docx.opc.pkgreader import _ContentTypeMap, _SerializedRelationships
    from docx.oxml.parser import parse_xml

    def related(reader, source, reltype: str):
        rels = _SerializedRelationships.load_from_xml(source.baseURI, reader.rels_xml_for(source))
        targets = [r.target_partname for r in rels if r.reltype == reltype and not r.is_external]
        if len(targets) > 1:
            raise ValueError(f"multiple relationships of type '{reltype}'")
        return targets[0] if targets else None

    reader = PhysPkgReader(str(path))
    try:
        main = related(reader, PACKAGE_URI, RT.OFFICE_DOCUMENT)
        if main is None:
            raise KeyError(f"no relationship of type '{RT.OFFICE_DOCUMENT}'")
        content_type = _ContentTypeMap.from_xml(reader.content_types_xml)[main]
        if content_type != CT.WML_DOCUMENT_MAIN:
            raise ValueError(f"file '{path}' is not a Word file, content type is '{content_type}'")
        body = parse_xml(reader.blob_for(main)).body
        styles = related(reader, main, RT.STYLES)
        blob = reader.blob_for(styles) if styles is not None else b""
    finally:
        reader.close()
    if blob not in _STYLE_LOOKS:
        if len(_STYLE_LOOKS) >= 16:  # reports come from a few templates: keep a few
            _STYLE_LOOKS.clear()
        _STYLE_LOOKS[blob] = _style_looks(parse_xml(blob) if blob else None)
    return body, _STYLE_LOOKS[blob]


def _style_looks(styles_element) -> StyleLooks:
    """What python-docx's Paragraph.style gives for each style id, resolved once per styles part. A
    package without one gets python-docx's default styles, whose default paragraph style ("Normal") is
    neither a heading nor bold."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.styles.style import StyleFactory
    from docx.styles.styles import Styles

    if styles_element is None:
        return {None: (False, False)}
    default = _style_look(Styles(styles_element).default(WD_STYLE_TYPE.PARAGRAPH))
    looks: StyleLooks = {None: default}
    for element in styles_element.style_lst:
        style_id = element.styleId
        if style_id and style_id not in looks:  # the first style with an id wins, as in get_by_id
            paragraph = element.type == WD_STYLE_TYPE.PARAGRAPH
            looks[style_id] = _style_look(StyleFactory(element)) if paragraph else default
    return looks


def _style_look(style) -> tuple[bool, bool]:
    """(a heading or title style, bold by style) of a python-docx paragraph style (or None)."""
    name = ((style.name if style is not None else "") or "").lower()
    styled = name.startswith(("heading", "title", "tiêu đề", "đề mục"))
    return styled, bool(style is not None and style.font.bold)


def _odt_blocks(path: Path) -> list[Block]:
    from odf import teletype
    from odf.opendocument import load

    doc = load(str(path))
    bold_styles: set[str] = set()
    for container in (doc.automaticstyles, doc.styles):
        for st in container.childNodes:
            if getattr(st, "qname", (None, ""))[1] != "style":
                continue
            for prop in st.childNodes:
                if getattr(prop, "qname", (None, ""))[1] == "text-properties" and \
                        str(prop.getAttribute("fontweight") or "") == "bold":
                    bold_styles.add(str(st.getAttribute("name")))

    def is_bold(el) -> bool:
        total = nfc(teletype.extractText(el))
        if str(el.getAttribute("stylename") or "") in bold_styles:
            return True
        spans = [c for c in el.childNodes if getattr(c, "qname", (None, ""))[1] == "span"
                 and str(c.getAttribute("stylename") or "") in bold_styles]
        return bool(total) and nfc(" ".join(teletype.extractText(s) for s in spans)) == total

    blocks: list[Block] = []

    def walk(el) -> None:
        for child in el.childNodes:
            name = getattr(child, "qname", (None, ""))[1]
            if name in ("h", "p"):
                blocks.extend(_lines(teletype.extractText(child), bold=is_bold(child), styled=name == "h"))
            elif name == "table":
                rows = [[text for c in row.childNodes if getattr(c, "qname", (None, ""))[1] == "table-cell"
                         and (text := nfc(teletype.extractText(c)))]
                        for row in child.getElementsByType(_odf_row())]
                blocks.extend(_table_blocks(rows))
            elif name in ("list", "list-item", "section", "list-header"):
                walk(child)

    walk(doc.text)
    return blocks


def _odf_row():
    from odf.table import TableRow

    return TableRow


def _decode(data: bytes) -> str:
    """Text of a plain file: UTF-16 when it starts with its byte-order mark (Notepad's "Unicode"), UTF-8
    (with or without BOM), else the Vietnamese Windows code page, else Latin-1 (which always decodes: best
    effort)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1258", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1", errors="replace")


def _text_blocks(path: Path) -> list[Block]:
    blocks: list[Block] = []
    for raw in _decode(path.read_bytes()).splitlines():
        line = nfc(raw)
        if not line:
            continue
        styled = line.startswith("#")
        line = line.lstrip("#").strip() if styled else line
        bold = bool(re.fullmatch(r"(?:[-–•]\s*)?\*\*.+\*\*:?", line) or re.fullmatch(r"__.+__", line))
        line = re.sub(r"\*\*|__", "", line).strip()
        if line:
            blocks.append(Block(line, bold=bold, styled=styled))
    return blocks


def read_blocks(path: Path) -> list[Block]:
    """The paragraphs and table rows of a report, in order."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return _docx_blocks(path)
    if suffix == ".odt":
        return _odt_blocks(path)
    return _text_blocks(path)


def _unsafe_xml(path: Path) -> bool:
    """A .docx/.odt whose XML declares entities (an "XML bomb" risk) is not parsed."""
    if path.suffix.lower() not in (".docx", ".odt"):
        return False
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.endswith(".xml"):
                with zf.open(info) as f:
                    if b"<!ENTITY" in f.read(1 << 16):
                        return True
    return False


# -- placing blocks in sections ---------------------------------------------------------------------------

def _numbering(text: str) -> tuple[str, str, str]:
    """(kind, value, rest): "II. KẾT QUẢ" → ("roman", "II", "KẾT QUẢ"); no numbering → ("", "", text)."""
    for kind, pattern in _NUMBERING:
        m = pattern.match(text)
        if m and kind == "ordinal":
            return "roman", _ORDINALS[m.group("v").lower()], m.group("rest").strip()
        if m and (kind != "roman" or m.group("v").isupper() or text.lower().startswith("phần")):
            value = m.group("v")
            return kind, (value.upper() if kind == "roman" else value.lower()), m.group("rest").strip()
    return "", "", text


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters)


@dataclass
class _State:
    section: str = ""            # the section text goes to ("" before the first heading: `other`)
    container: str = ""          # II.2 or II.3 while inside one; "II" while between II. and 1.
    arabic_top: bool = False     # the report numbers I/II/III as 1/2/3
    closed: bool = False         # after the signature: everything is `other`


def _split_heading(rest: str, limit: int) -> tuple[str, str]:
    """"a) Kết quả đạt được: Đơn vị đã …" → ("a) Kết quả đạt được", "Đơn vị đã …")."""
    i = rest.find(":")
    if 0 < i <= limit and rest[i + 1:].strip():
        return rest[:i].strip(), rest[i + 1:].strip()
    return rest, ""


def _by_number(kind: str, value: str, state: _State, outline: Outline) -> str:
    """The section a number points to, given where the report is."""
    if kind == "roman":
        return _TOP.get(_ROMAN.get(value, 0), OTHER)
    top = state.section.split(".")[0] if state.section not in ("", OTHER) else state.container[:2]
    if kind == "arabic":
        n = int(value)
        if state.arabic_top:
            return _TOP.get(n, "")
        return f"II.{n}" if top == "II" and 1 <= n <= 3 else ""
    if kind == "decimal":
        parts = [int(p) for p in value.split(".")]
        if state.arabic_top and parts[0] == 2 and len(parts) == 2:
            return f"II.{parts[1]}" if 1 <= parts[1] <= 3 else ""
        container = f"II.{parts[0]}"
        letters = outline.letters(container) if parts[0] in (2, 3) else []
        return f"{container}.{letters[parts[1] - 1]}" if 0 < parts[1] <= len(letters) else ""
    if kind == "letter":
        letter = "đ" if value == "dd" else value
        container = state.container if state.container in ("II.2", "II.3") else ""
        return f"{container}.{letter}" if container and letter in outline.letters(container) else ""
    return ""


def _forward(target: str, state: _State, outline: Outline) -> bool:
    """Reports follow the outline: a heading that goes back is a sub-heading inside the current section."""
    current = state.section if state.section not in ("", OTHER) else state.container
    return outline.position(target) > outline.position(current) if current else True


def classify(block: Block, state: _State, outline: Outline) -> tuple[str, str, str] | None:
    """(section, heading, text after the heading) when the block opens a section, else None."""
    text = block.text
    key = fold(text)
    if block.outline_row:
        return _outline_row(block, state, outline)
    if block.table:
        return None
    if state.section and (key.startswith(outline.closing_starts) or key in outline.closing_equals
                          or any(_contains(key, c) >= 0 for c in outline.closing_contains)):
        return OTHER, text, ""
    kind, value, rest = _numbering(text)
    bullet = not kind and bool(_BULLET.match(text))
    head, tail = _split_heading(_BULLET.sub("", rest), outline.max_heading_chars)
    if not state.section and kind != "roman" and any(m in fold(head) for m in outline.title_markers):
        return None  # the title of the report, in its heading block
    long = len(head) > outline.max_heading_chars
    formatted = block.bold or block.styled or _is_caps(head)
    # "Hạn chế: …" inside a paragraph is a label: it may only move between items of the same group
    label_only = not kind and not formatted and bool(tail) or bullet
    if kind:
        threshold = outline.coverage["numbered"]
    elif label_only:
        threshold = outline.coverage["label"]
    elif formatted:
        threshold = outline.coverage["formatted"]
    elif not bullet and len(head) <= outline.max_plain_heading_chars and not head.endswith((".", ";", ",")):
        threshold = outline.coverage["plain"]
    else:
        return None
    by_word, cover = keyword_section(head[:outline.max_heading_chars], outline)
    if cover < threshold:
        by_word = ""
    by_number = _by_number(kind, value, state, outline) if kind else ""
    if by_number and by_word and by_word != by_number and _names(head, by_number, outline):
        # "e) Việc tiếp nhận hồ sơ, trả kết quả giải quyết TTHC qua dịch vụ bưu chính công ích": a keyword of
        # II.2.i is as long as one of II.2.e, and the number agrees with the words of II.2.e
        by_word = by_number
    label = text[: len(text) - len(tail)].rstrip(" :") if tail else text
    if kind == "roman":
        return by_word or by_number, label, tail
    if long and not kind:
        return None
    if label_only and by_word and by_word.rsplit(".", 1)[0] != state.container:
        return None
    if kind == "arabic" and not (formatted or by_word):
        by_number = ""  # "3. …" in plain text is more often a list item than the outline's "3. Đánh giá"
    if by_word and (by_number == by_word or _forward(by_word, state, outline) or by_number):
        if by_word == state.section:
            return None  # the same heading again: a sub-heading of the section it is in
        if kind == "arabic" and by_word in _TOP.values():
            state.arabic_top = True
        return by_word, label, tail
    if by_number and _forward(by_number, state, outline):
        return by_number, label, tail
    return None


_OUTLINE_ID = re.compile(r"^(?P<top>III|II|IV|I)(?:\.(?P<sub>\d{1,2}))?(?:\.(?P<item>dd|đ|[a-k]))?\.?$",
                         re.IGNORECASE)


def _outline_row(block: Block, state: _State, outline: Outline) -> tuple[str, str, str] | None:
    """A row of a table that answers the outline: "II.2.a | Công khai TTHC | Kết quả …" (the section's id
    in a column of its own) or "a) Công khai TTHC | Kết quả …" (a heading in the first cell)."""
    cells = block.text.split(" | ")
    if len(cells) < 2:
        return None
    m = _OUTLINE_ID.match(cells[0].strip())
    if m:
        item = (m.group("item") or "").lower().replace("dd", "đ")
        section = ".".join(p for p in (m.group("top").upper(), m.group("sub"), item) if p)
        if section in outline.ids:
            heading = " ".join(cells[:2]) if len(cells) > 2 else cells[0]
            return section, heading, "\n".join(cells[2:] if len(cells) > 2 else cells[1:])
    found = classify(Block(cells[0], bold=True), state, outline)
    if found is None:
        return None
    section, heading, tail = found
    return section, heading, "\n".join(t for t in (tail, *cells[1:]) if t)


def _enter(section: str, state: _State, outline: Outline) -> str:
    """Move the state into a section; returns the section its text goes to."""
    if section in outline.containers:
        state.container, state.section = section, OTHER
        return OTHER
    state.section = section
    parent = section.rsplit(".", 1)[0]
    state.container = parent if parent in outline.containers else ("II" if section.split(".")[0] == "II" else "")
    return section


def split_sections(blocks: list[Block], outline: Outline | None = None) -> tuple[pd.DataFrame, int]:
    """(section, heading, text) rows, one per section in outline order (`other` last), and the index of
    the first block that opened a section (len(blocks) when none did)."""
    rows, first = _section_rows(blocks, outline or load_outline())
    return pd.DataFrame(rows, columns=["section", "heading", "text"]), first


def _section_rows(blocks: list[Block], outline: Outline) -> tuple[list[dict[str, str]], int]:
    state = _State()
    parts: dict[str, dict] = {}
    current = OTHER
    first = len(blocks)

    def add(section: str, heading: str, text: str) -> None:
        part = parts.setdefault(section, {"headings": [], "texts": []})
        if heading and heading not in part["headings"]:
            part["headings"].append(heading)
        if text:
            part["texts"].append(text)

    for i, block in enumerate(blocks):
        found = None if state.closed else classify(block, state, outline)
        if found is None:
            add(current, "", block.text)
            continue
        section, heading, tail = found
        if section == OTHER and state.section:
            key = fold(heading)
            state.closed = key.startswith(outline.closing_starts) or key in outline.closing_equals or \
                any(_contains(key, c) >= 0 for c in outline.closing_contains)
        if section != OTHER and first == len(blocks):
            first = i
        current = _enter(section, state, outline) if section != OTHER else OTHER
        if section == OTHER:
            state.section = OTHER
        add(current, heading, tail)
    order = {s: i for i, s in enumerate(outline.ids)}
    rows = [
        {"section": s, "heading": " / ".join(p["headings"]), "text": "\n".join(p["texts"])}
        for s, p in sorted(parts.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]
    return rows, first


# -- which unit sent it -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitHit:
    name: str
    code: str = ""
    tier: str = ""


@lru_cache(maxsize=4)
def _submitters_config() -> dict:
    return load_yaml("submitters.yml")


def extra_units() -> pd.DataFrame:
    """Submitters that are not in the registry (config/submitters.yml), with code, tier, name, aliases."""
    rows = [{"code": u["code"], "tier": u["tier"], "name": nfc(u["name"]),
             "aliases": [nfc(a) for a in u.get("aliases", [])], "documents": u.get("documents", [])}
            for u in _submitters_config().get("extra_units", [])]
    return pd.DataFrame(rows, columns=["code", "tier", "name", "aliases", "documents"])


def _unit_keys(registry: Registry) -> list[tuple[str, UnitHit | None, bool]]:
    """(folded key, unit, needs_prefix) for searching names inside a line, longest keys first. District
    names alone ("Ba Vì") are too common in prose: in a heading line they need "quận", "huyện"…; a sub-unit's
    name (unit None: "Chi cục Thuế quận Hoàng Mai") holds a district's, and names no submitting unit."""
    tiers = _submitters_config()["tiers"]
    keys: list[tuple[str, UnitHit | None, bool]] = []
    # the agencies' sub-units (Chi cục of a Sở, district branches of a vertical agency), not the communes
    agency_subs = [child for parent, child in CHILD_TIER.items() if parent in tiers and parent != "huyen"]
    subs = registry.units[registry.units["tier"].isin(agency_subs)]
    keys += [(fold(n), None, False) for n in subs["name"] if " " in fold(n).strip()]
    for r in registry.units[registry.units["tier"].isin(tiers)].itertuples(index=False):
        hit = UnitHit(r.name_with_type, r.code, r.tier)
        if r.tier == "huyen":
            keys += [(fold(r.name_with_type), hit, False), (fold(r.name), hit, True)]
        else:
            keys += [(fold(r.name), hit, False), (agency_key(r.name), hit, False)]
    for u in extra_units().itertuples(index=False):
        hit = UnitHit(u.name, u.code, u.tier)
        for name in [u.name, *u.aliases]:
            keys += [(fold(name), hit, False), (agency_key(name), hit, False)]
    return sorted({k for k in keys if k[0]}, key=lambda k: -len(k[0]))


def match_unit(text: str, registry: Registry, bare_names: bool = False) -> UnitHit | None:
    """The submitting unit a line names: the whole line first (registry.match), else a name inside it."""
    if not nfc(text):
        return None
    tiers = _submitters_config()["tiers"]
    for scope in ([t for t in tiers if t != "huyen"], [t for t in tiers if t == "huyen"]):
        if scope:
            m = registry.match(text, scope)
            if m.matched:
                return UnitHit(m.registry_name, m.code, m.tier)
    folded, expanded = fold(text), agency_key(text)
    for key, hit, needs_prefix in _unit_keys_cached(registry):
        if needs_prefix and not bare_names:
            continue
        if _contains(folded, key) >= 0 or _contains(expanded, key) >= 0:
            return hit  # None for a sub-unit's name: not the district it names
    return None


_KEY_CACHE: dict[int, list] = {}


def _unit_keys_cached(registry: Registry) -> list[tuple[str, UnitHit, bool]]:
    if id(registry) not in _KEY_CACHE:
        _KEY_CACHE.clear()  # one registry per run: keep one
        _KEY_CACHE[id(registry)] = _unit_keys(registry)
    return _KEY_CACHE[id(registry)]


def unit_named_by_file(source_file: str, registry: Registry) -> str:
    """The code of the submitting unit a file's name names ("PL3_Cau Giay - gui lai.xlsx"), or ""."""
    hit = match_unit(Path(source_file).stem.replace("_", " "), registry, bare_names=True)
    return hit.code if hit is not None and hit.code else ""


def find_unit(head_lines: list[str], file_name: str, registry: Registry) -> tuple[UnitHit | None, str]:
    """The unit of a report and where it was found ("heading" or "file")."""
    skip = tuple(fold(x) for x in ("kính gửi", "nơi nhận"))
    lines = [ln for line in head_lines for cell in line.split(" | ") for ln in cell.split("\n")]
    for line in lines:
        if not fold(line).startswith(skip):
            hit = match_unit(line, registry)
            if hit:
                return hit, "heading"
    stem = re.sub(r"[_\-.]+", " ", Path(file_name).stem)
    hit = match_unit(stem, registry, bare_names=True)
    return (hit, "file") if hit else (None, "")


def is_task_report(source_file: str, head: str) -> bool:
    """A report on the tasks assigned by Decision 07/2016 (not following the outline), by its file name or
    its heading block (config/submitters.yml: task_report_markers)."""
    key = f" {fold(source_file)} {fold(head[:600])} "
    return any(f" {fold(m)} " in key for m in _submitters_config()["task_report_markers"])


def task_report_files(sections: pd.DataFrame) -> set[str]:
    """The reports among `sections` (rows of sections.csv) that report on the assigned tasks rather than
    answer the outline: told by is_task_report from the file name and the text before the first section."""
    out = set()
    for source, rep in sections.groupby("source_file", sort=False):
        if is_task_report(str(source), " ".join(rep.loc[rep["section"] == "other", "text"].fillna(""))):
            out.add(source)
    return out


# -- the whole report -------------------------------------------------------------------------------------

def _rules() -> dict:
    from sketket.intake.validate import load_rules

    return load_rules().rules


def _finding(rule: str, message: str) -> dict:
    return {"rule": rule, "severity": _rules()[rule]["severity"], "message": message}


def _corrupt_words(exc: BaseException) -> str:
    """What went wrong, in words (rules.yml corrupt_details), not a Python class name."""
    from sketket.intake.validate import corrupt_detail

    return corrupt_detail(exc)


def read_narrative(path: Path, rel: str, registry: Registry) -> NarrativeResult:
    """Read one report into outline sections (columns SECTION_COLUMNS) and find the unit that sent it."""
    path = Path(path)
    try:
        if _unsafe_xml(path):
            return NarrativeResult(pd.DataFrame(columns=SECTION_COLUMNS), findings=[_finding(
                "unsafe_xml", "Tệp chứa khai báo thực thể XML, không đọc để bảo đảm an toàn; đề nghị đơn vị "
                              "lưu lại tệp từ trình soạn thảo và gửi lại.")])
        blocks = read_blocks(path)
    except Exception as exc:  # a damaged file must not stop the run: it is reported back to the unit
        return NarrativeResult(pd.DataFrame(columns=SECTION_COLUMNS), findings=[_finding(
            "file_corrupt", f"Không mở được báo cáo ({_corrupt_words(exc)}); đề nghị đơn vị gửi lại tệp.")])
    outline = load_outline()
    rows, first = _section_rows(blocks, outline)
    head = [b.text for b in blocks[: min(first, outline.unit_block_lines)]]
    hit, where = find_unit(head, rel, registry)
    findings: list[dict] = []
    if hit is None:
        findings.append(_finding(
            "unit_unmatched", "Không xác định được đơn vị gửi báo cáo: phần đầu báo cáo và tên tệp không "
                              "khớp danh mục đơn vị; cần ghi rõ tên cơ quan, đơn vị ở góc trên bên trái."))
        hit = UnitHit(nfc(Path(rel).stem))
    elif where == "file":
        findings.append(_finding(
            "unit_name_inferred", f"Phần đầu báo cáo không ghi tên cơ quan, đơn vị; đã lấy theo tên tệp: "
                                  f"{hit.name}."))
    found = {r["section"] for r in rows}
    missing = [s for s in outline.ids if s not in outline.containers and s not in found]
    if is_task_report(rel, " ".join(head)):
        pass  # a report on assigned tasks has its own structure
    elif len(found - {OTHER}) == 0:
        findings.append(_finding(
            "report_sections_missing", "Không nhận ra mục nào của Đề cương trong báo cáo; toàn bộ nội dung "
                                       "được giữ ở mục “khác” để đọc trực tiếp."))
    elif missing:
        findings.append(_finding(
            "report_sections_missing", "Báo cáo thiếu mục của Đề cương: " + "; ".join(
                f"{s} ({outline.headings[s]})" for s in missing) + "."))
    unit = {"source_file": rel, "unit_name": hit.name, "unit_code": hit.code, "tier": hit.tier}
    sections = pd.DataFrame([unit | r for r in rows], columns=SECTION_COLUMNS)
    return NarrativeResult(sections, hit.name, hit.code, hit.tier, findings)
