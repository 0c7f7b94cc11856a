"""Cleaning of what officials type: Unicode, names, and numbers written the Vietnamese way."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache
from typing import NamedTuple


def missing(value: object) -> bool:
    """None, NaN or pandas' NA (a nullable column's empty cell), without importing pandas."""
    return value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and math.isnan(value))

def nfc(text: object) -> str:
    """Text in NFC with every run of whitespace (including non-breaking and zero-width spaces) collapsed
    to one space, none at either end."""
    if type(text) is str:  # remembered: unit names are normalised by the registry, the reader and the match
        return _nfc_str(text)
    if missing(text):
        return ""
    return _nfc_str(str(text))


def nfc_lines(text: object) -> str:
    """`nfc` line by line: a text that lists one item a line keeps its lines; blank lines are dropped."""
    return "\n".join(line for line in (nfc(part) for part in str(text).splitlines()) if line)


# Direction marks, embeddings, overrides and isolates, zero-width joiners: nothing a Vietnamese name or figure
# needs, and a right-to-left override left open in a unit's name shows the rest of a sentence or cell mirrored.
_BIDI = re.compile("[\u200c-\u200f\u202a-\u202e\u2066-\u2069]")


@lru_cache(maxsize=1 << 17)
def _nfc_str(text: str) -> str:
    if not text.isascii() and _BIDI.search(text):  # invisible, and an unclosed override mirrors what follows it
        text = _BIDI.sub("", text)  # before composing: a mark after a joiner then composes with its letter
    text = unicodedata.normalize("NFC", text)
    if "\u200b" in text or "\ufeff" in text:  # zero-width space, BOM: spaces to us, not to str.split()
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    if "\u00d0" in text or "\u00f0" in text:  # Icelandic eth, what old-font conversions put for Đ / đ
        text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    # str.split() splits on every Unicode whitespace character, non-breaking spaces included: several
    # times faster than a regular expression, and nfc() is called on every cell that is read.
    return " ".join(text.split())


class _FoldChars(dict):
    """Character → its folded text: decomposed (NFD), combining marks (Mn) dropped, đ → d, and anything
    but 0-9, a-z and ² as a space. Filled on first sight of each character; folding a text character by
    character equals folding it whole, since decomposition only reorders marks, which are dropped."""

    _KEEP = frozenset("0123456789abcdefghijklmnopqrstuvwxyz²")

    def __missing__(self, code: int) -> str:
        s = "".join(ch for ch in unicodedata.normalize("NFD", chr(code)) if unicodedata.category(ch) != "Mn")
        folded = self[code] = "".join(ch if ch in self._KEEP else " " for ch in s.replace("đ", "d").replace("ð", "d"))
        return folded


_FOLD_CHARS = _FoldChars()


def fold(text: object) -> str:
    """Comparison key: lower case, no diacritics (đ → d), single spaces, punctuation as spaces."""
    # one cache for every caller: a unit's name is folded by the registry, the reader and the match
    return _fold_str(text) if type(text) is str else _fold_str(nfc(text))


@lru_cache(maxsize=1 << 17)
def _fold_str(text: str) -> str:
    return " ".join(nfc(text).lower().translate(_FOLD_CHARS).split())


class Number(NamedTuple):
    """A parsed cell: its value (None when empty), whether it was a percentage, and whether it parsed.
    A named tuple: made for every figure cell read, and twice as fast to make as a frozen dataclass."""

    value: float | None
    is_percent: bool = False
    ok: bool = True


_DASHES = {"-", "–", "—", "−", "x", "X", "không", "0"}


def parse_number(raw: object, percent_format: bool = False) -> Number:
    """Read a number as Vietnamese officials write it.

    "1.234" and "1.234.567" are thousands; "12,5" is a decimal comma; "98,5%" and "100 %" are
    percentages; "-" means zero; non-breaking spaces are ignored. A float from a %-formatted cell
    (0.985) is returned as a percentage (98.5).
    """
    if raw is None:
        return Number(None)
    if isinstance(raw, bool):
        return Number(None, ok=False)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and math.isnan(raw):
            return Number(None)
        if isinstance(raw, float) and math.isinf(raw):  # no cell of a table can mean that
            return Number(None, ok=False)
        if percent_format:
            return Number(float(raw) * 100.0, is_percent=True)
        return Number(float(raw))
    s = nfc(raw)
    if s == "":
        return Number(None)
    if s in _DASHES and s != "0":
        return Number(0.0)
    is_pct = s.endswith("%")
    s = s.rstrip("%").strip().replace(" ", "")
    if s.startswith("(") and s.endswith(")"):
        s = "-" + s[1:-1]
    if not re.fullmatch(r"[-+−]?[0-9][0-9.,]*", s):
        return Number(None, ok=False)
    s = s.replace("−", "-")
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        # whichever comes last is the decimal mark
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif commas:
        if commas == 1 and not re.fullmatch(r"[-+]?\d{1,3},\d{3}", s):
            s = s.replace(",", ".")
        elif commas == 1 and is_pct:
            s = s.replace(",", ".")
        elif re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", s) and commas > 1:
            s = s.replace(",", "")
        else:
            # "1,234" without %: Vietnamese decimal comma is ambiguous with an English thousands
            # separator; a Vietnamese form uses "," as the decimal mark.
            s = s.replace(",", ".")
    elif dots:
        if dots > 1 or re.fullmatch(r"[-+]?\d{1,3}\.\d{3}", s):
            s = s.replace(".", "")
    try:
        return Number(float(s), is_percent=is_pct)
    except ValueError:
        return Number(None, ok=False)


_WIDE = Context(prec=400, Emax=999_999)  # any float's digits (1e308 too): a figure typed absurdly large is shown


def _half_up(value: float | int, decimals: int) -> Decimal:
    """Rounded half away from zero, as a person rounds (929,5 → 930 and 4.556,5 → 4.557, so that rounded parts
    add up to their rounded total where a person checks it); Python's round() goes to the even neighbour."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_WIDE)


def round_half_up(value: float | int, decimals: int = 0) -> float:
    """A number rounded as the formats above round it (half away from zero), for files that hold the number
    shown (the pack's downloads)."""
    return float(_half_up(value, decimals)) if math.isfinite(value) else float(value)


def format_int(value: float | int | None) -> str:
    """1234567 → "1.234.567"; None → "–"."""
    if missing(value):
        return "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    value = float(value)
    if not math.isfinite(value):
        return "–"
    if value.is_integer():  # a count (numpy or float): no rounding to do
        return f"{int(value):,}".replace(",", ".")
    return f"{int(_half_up(value, 0)):,}".replace(",", ".")


def format_number(value: float | None, decimals: int = 1) -> str:
    """12345.67 → "12.345,7"; halves rounded up (0,25 → "0,3")."""
    if missing(value):
        return "–"
    if not math.isfinite(value):
        return "–"
    s = f"{_half_up(value, decimals):,.{decimals}f}"
    return s.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def format_percent(value: float | None, decimals: int = 1) -> str:
    """98.72 (already in percent) → "98,7%"."""
    if missing(value):
        return "–"
    return format_number(value, decimals) + "%"


def format_date(value: object) -> str:
    """Any date-like value → "dd/mm/yyyy"."""
    import pandas as pd

    if missing(value):
        return ""
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return ""
    return ts.strftime("%d/%m/%Y")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Labels that keep their capital inside a sentence: names of bodies, not common nouns.
_PROPER_OPENINGS = ("Sở", "Chi cục", "UBND", "Trung ương")


def in_sentence(label: str) -> str:
    """A label inside a sentence: "quận, huyện, thị xã", "gửi các Sở, ngành Thành phố", but "Sở, …",
    "UBND Thành phố" and "Trung ương (…)" keep their capital."""
    return label if label.startswith(_PROPER_OPENINGS) else label[:1].lower() + label[1:]


def excel_safe(text: object) -> object:
    """Neutralise text that a spreadsheet would run as a formula (CSV/Excel formula injection)."""
    if isinstance(text, str) and text.startswith(_FORMULA_START):
        # a plain negative number ("-45") is data, not a formula: leave it readable
        if text[0] in "+-" and re.fullmatch(r"[-+][0-9][0-9.,]*", text):
            return text
        return "'" + text
    return text


# What openpyxl refuses to write (IllegalCharacterError): C0 controls but tab, newline and carriage return.
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def excel_text(text: object) -> object:
    """Text from a submission made fit for an Excel cell: control characters that Excel files cannot
    hold removed (they are invisible anyway), then neutralised as a formula (excel_safe)."""
    if isinstance(text, str) and _EXCEL_ILLEGAL.search(text):
        text = _EXCEL_ILLEGAL.sub("", text)
    return excel_safe(text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_picture(m: re.Match[str]) -> str:
    code = ord(m.group())
    return "\u2421" if code == 0x7F else chr(0x2400 + code)  # U+2400…: ␀ ␇ ␛ …


SLUG_BYTES = 80  # a file name well under the 255 bytes file systems allow, with room for a suffix


def slug(text: object, max_bytes: int = SLUG_BYTES) -> str:
    """The one file-name form of a Vietnamese name: "Sở Tư pháp" → "so-tu-phap", cut to `max_bytes`."""
    out = "-".join(fold(text).split())
    if len(out.encode()) <= max_bytes:
        return out
    return out.encode()[:max_bytes].decode(errors="ignore").rstrip("-")


def visible_controls(text: str) -> str:
    """Control characters shown as their Unicode pictures (␇), the rest unchanged."""
    return _CONTROL.sub(_control_picture, text) if _CONTROL.search(text) else text


def html_text(text: object, quote: bool = True) -> str:
    """html.escape, with control characters (which a page would hide, or choke on) shown as their
    Unicode pictures: what a submission holds stays visible, and harmless."""
    out = html.escape(str(text), quote)
    return _CONTROL.sub(_control_picture, out) if _CONTROL.search(out) else out
