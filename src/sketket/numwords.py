"""Numbers written in Vietnamese words, as officials write them in narrative reports: "mười hai dịch vụ",
"hai mươi mốt", "một trăm linh năm", "chín mươi sáu phẩy năm phần trăm", "bốn trên sáu tiêu chí".

words_to_digits() rewrites them as digits so that the patterns reading figures see "12 dịch vụ", "96,5%",
"4/6 tiêu chí". It reads text with its diacritics: folded, "sáu" (six) is "sau" (after), "năm" (five) is
also "năm" (year) and "không" (zero) is the negation, so a word alone is a number only when nothing else
is likely ("một số" is "some", "năm 2017" a year, "thứ bảy" Saturday).
"""

from __future__ import annotations

import re

# The number words are the language's grammar, not a tunable keyword list: they stay here.
_DIGITS = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "bẩy": 7,
           "tám": 8, "chín": 9}
_ONES_ONLY = {"mốt": 1, "tư": 4, "lăm": 5, "nhăm": 5}  # only after "mươi"/"mười": "hai mươi mốt", "mười lăm"
_SCALES = {"nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000, "tỉ": 1_000_000_000}
_NUMBER_WORDS = frozenset(_DIGITS) | frozenset(_ONES_ONLY) | frozenset(_SCALES) | {
    "mười", "mươi", "chục", "trăm", "linh", "lẻ"}
# A word alone is read as a number only if it cannot be anything else in a report.
_ALONE = frozenset({"hai", "ba", "bốn", "sáu", "bảy", "bẩy", "tám", "chín", "mười"})
_ORDINAL = frozenset({"thứ", "lần", "tầng", "khu", "quý", "số"})  # "thứ bảy", "quý ba", "số hai": not counts
_WORD = re.compile(r"\w+", re.UNICODE)
_ANY = re.compile(r"(?<!\w)(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")(?!\w)",
                  re.IGNORECASE)
_FRACTION = re.compile(r"\b(\d+)\s+trên\s+(?:tổng\s+số\s+)?(\d+)\b")


def parse_words(words: list[str]) -> tuple[int | None, int]:
    """(value, how many words it took) of the longest run of number words at the start of `words` (lower
    case, diacritics kept); (None, 0) when they do not start with a number."""
    total = section = 0
    pending: int | None = None  # a digit waiting for its multiplier ("hai" before "mươi")
    last = ""  # kind of the previous word: digit, ten (mười), tens (mươi), hundred, linh, scale, ones
    best: tuple[int | None, int] = (None, 0)
    for i, w in enumerate(words):
        if w in _DIGITS and not (w == "không" and (i + 1 >= len(words) or words[i + 1] != "trăm")):
            if last in ("ten", "tens", "linh"):
                section, pending, last = section + _DIGITS[w], None, "ones"
            elif last in ("", "hundred", "scale"):
                pending, last = _DIGITS[w], "digit"
            else:
                break
        elif w in _ONES_ONLY and last in ("ten", "tens") and not (w == "mốt" and last == "ten"):
            section, pending, last = section + _ONES_ONLY[w], None, "ones"
        elif w == "mười" and last in ("", "hundred", "scale"):
            section, last = section + 10, "ten"
        elif w in ("mươi", "chục") and last == "digit":
            section, pending, last = section + pending * 10, None, "tens"
        elif w == "trăm" and last == "digit":
            section, pending, last = section + pending * 100, None, "hundred"
        elif w in ("linh", "lẻ") and last == "hundred":
            last = "linh"
            continue  # not a place to stop: "một trăm linh" needs its digit
        elif w in _SCALES and last in ("digit", "ten", "tens", "hundred", "ones"):
            total += (section + (pending or 0)) * _SCALES[w]
            section, pending, last = 0, None, "scale"
        else:
            break
        best = (total + section + (pending or 0), i + 1)
    return best


def _value_text(value: int | float) -> str:
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def words_to_digits(text: str) -> str:
    """The text with its numbers in words written as digits: "mười hai dịch vụ" → "12 dịch vụ",
    "chín mươi sáu phẩy năm phần trăm" → "96,5%", "bốn trên sáu tiêu chí" → "4/6 tiêu chí". Case and
    everything else are kept."""
    if not _ANY.search(text):
        return _fractions(text)
    matches = list(_WORD.finditer(text))
    out: list[str] = []
    pos = i = 0
    while i < len(matches):
        m = matches[i]
        lower = m.group().lower()
        if lower not in _NUMBER_WORDS or (i and matches[i - 1].group().lower() in _ORDINAL):
            i += 1
            continue
        run = _run(text, matches, i)
        value, used = parse_words([w.group().lower() for w in run])
        alone = used == 1 and lower in _ALONE and m.group().islower()
        if value is None or (used < 2 and not alone):
            i += 1
            continue
        end = i + used
        number: int | float = value
        # "phẩy" and the digits of the decimal part: "chín mươi sáu phẩy năm"
        if end < len(matches) and matches[end].group().lower() == "phẩy" and _adjacent(text, matches, end):
            frac, fused = parse_words([w.group().lower() for w in _run(text, matches, end + 1)])
            if frac is not None:
                number = float(f"{value}.{frac}")
                end += 1 + fused
        stop = matches[end - 1].end()
        suffix = ""
        if end + 1 < len(matches) and [w.group().lower() for w in matches[end:end + 2]] == ["phần", "trăm"] \
                and _adjacent(text, matches, end) and _adjacent(text, matches, end + 1):
            stop, suffix, end = matches[end + 1].end(), "%", end + 2
        out += [text[pos:m.start()], _value_text(number) + suffix]
        pos, i = stop, end
    out.append(text[pos:])
    return _fractions("".join(out))


def _fractions(text: str) -> str:
    """"4 trên 6 tiêu chí", "4 trên tổng số 6 tiêu chí" → "4/6 tiêu chí"."""
    return _FRACTION.sub(r"\1/\2", text) if "trên" in text else text


def _adjacent(text: str, matches: list[re.Match], j: int) -> bool:
    """Word j follows word j - 1 with only spaces between them (a comma ends a number)."""
    return j > 0 and not text[matches[j - 1].end():matches[j].start()].strip()


def _run(text: str, matches: list[re.Match], start: int) -> list[re.Match]:
    """The number words from `start` on, each only spaces away from the one before."""
    run: list[re.Match] = []
    for j in range(start, len(matches)):
        if matches[j].group().lower() not in _NUMBER_WORDS or (run and not _adjacent(text, matches, j)):
            break
        run.append(matches[j])
    return run
