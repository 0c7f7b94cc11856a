"""clean.fold folds a text character by character through a table; it must equal folding the text whole
(decompose, drop combining marks, đ → d, anything but 0-9, a-z, ² as a space), whatever the text."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from sketket.clean import fold, nfc

_MARKS = [chr(c) for c in range(0x300, 0x370)] + ["\u0323", "\u0345", "\u1dc0", "\U0001d165"]


def _fold_whole(text: object) -> str:
    s = unicodedata.normalize("NFD", nfc(text).lower())
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return " ".join(re.sub(r"[^0-9a-z²]+", " ", s).split())


def test_vietnamese_names_fold_as_keys():
    assert fold("UBND  Phường Phúc Xá") == "ubnd phuong phuc xa"
    assert fold("Sở Tài nguyên\u00a0và Môi trường (TN&MT)") == "so tai nguyen va moi truong tn mt"
    assert fold("ĐỒNG ANH, m²") == "dong anh m²"


@settings(max_examples=3000)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(_MARKS)), max_size=30))
def test_fold_by_character_equals_fold_of_the_whole_text(text):
    assert fold(text) == _fold_whole(text)
