"""nfc() against its definition: NFC, the Icelandic eth (Ð, ð: what old-font conversions put for Đ, đ) as
Đ, đ, then every run of whitespace, non-breaking and zero-width spaces as one space, none at either end
(what it did with a regular expression before it was made faster). Direction marks, overrides, isolates and
zero-width joiners are dropped first (an unclosed right-to-left override in a unit's name mirrored the rest of
its cell)."""

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from sketket.clean import nfc

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
# Vietnamese letters in both compositions, combining marks, and every kind of space nfc() must collapse.
_ALPHABET = st.sampled_from(
    list("aAđĐơƯÐð ") + ["ộ", "o\u0323\u0302", "e\u0301", "\u0300", "\u0303",
                       "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u00a0", "\u2007", "\u202f",
                       "\u200b", "\ufeff", "\u3000", "\u2028", "\u202e", "\u202c", "\u200d", "\u200f", "\u2066"])


def _by_definition(text: str) -> str:
    text = re.sub("[\u200c-\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    text = unicodedata.normalize("NFC", text).replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    return _SPACES.sub(" ", text).strip()


@settings(max_examples=500)
@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_nfc_matches_its_definition_on_vietnamese_and_spaces(text: str) -> None:
    assert nfc(text) == _by_definition(text)


@settings(max_examples=300)
@given(st.text(max_size=30))
def test_nfc_matches_its_definition_on_any_text(text: str) -> None:
    assert nfc(text) == _by_definition(text)


def test_nfc_composes_and_collapses() -> None:
    assert nfc("\ufeff  Pho\u0302\u0301\u00a0\u200b Huế \n") == "Phố Huế"
    assert nfc(12.0) == "12.0"
    assert nfc("Xã \u202eTest\u202c RTL\u200d\u200f") == "Xã Test RTL" and nfc("Pho\u200d\u0302\u0301") == "Phố"
    assert nfc(None) == "" and nfc(float("nan")) == ""
