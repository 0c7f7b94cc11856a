"""Whatever paragraphs a narrative report holds (headings numbered any way, caps, bold, table rows that answer
the outline, text of any kind), splitting it into the outline's sections never raises, and every non-empty
paragraph is kept, word for word: in a section's text, or in the heading that opened one."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sketket.intake.narrative import Block, split_sections

_HEADS = st.sampled_from(["I.", "II.", "III", "1.", "2.", "a)", "đ)", "d)", "1/", "a/", "II-", "PHẦN THỨ NHẤT",
                          "Phần I.", "Mục 2", "2.1.", "2.2.a", "IV.", "-", "+", "•", ""])
_WORDS = st.sampled_from(["Kết quả triển khai", "ĐÁNH GIÁ CHUNG", "Tồn tại, hạn chế", "Bài học kinh nghiệm",
                          "Kiến nghị, đề xuất", "Công tác chỉ đạo", "tiếp nhận hồ sơ", "ngày thứ Bảy",
                          "dịch vụ bưu chính", "trực tuyến mức độ 3, 4", "Phương hướng", "sáng kiến", "",
                          "Nội dung", "Kết quả", "\u00a0", "=1+1", "<b>x</b>"])
_TEXT = st.builds(lambda h, w, t: " ".join(x for x in (h, w, t) if x), _HEADS, _WORDS, st.text(max_size=20))
_BLOCK = st.builds(Block, _TEXT, st.booleans(), st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=300, deadline=None)
@given(st.lists(_BLOCK, max_size=40))
def test_no_report_breaks_the_section_splitter(blocks: list[Block]) -> None:
    sections, _ = split_sections(blocks)
    assert list(sections.columns) == ["section", "heading", "text"] and sections["text"].map(type).eq(str).all()
    kept = _words("\n".join(sections["heading"] + "\n" + sections["text"]))
    for block in blocks:  # a heading with text after it ("II. Tồn tại: …") is split between the two
        assert _words(block.text) <= kept, block.text


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))
