import math

import pytest

from sketket.clean import (
    excel_safe,
    fold,
    format_date,
    format_int,
    format_number,
    format_percent,
    nfc,
    parse_number,
)


@pytest.mark.parametrize(
    ("raw", "value", "is_pct"),
    [
        ("1.234", 1234.0, False),
        ("1.234.567", 1234567.0, False),
        ("12,5", 12.5, False),
        ("98,5%", 98.5, True),
        ("100 %", 100.0, True),
        ("-", 0.0, False),
        ("1\u00a0234", 1234.0, False),
        (" 7 ", 7.0, False),
        ("1.234,5", 1234.5, False),
        ("1,234.5", 1234.5, False),
        (42, 42.0, False),
        (3.5, 3.5, False),
    ],
)
def test_parse_number_vietnamese_ways(raw, value, is_pct):
    n = parse_number(raw)
    assert n.ok
    assert n.value == pytest.approx(value)
    assert n.is_percent is is_pct


def test_parse_number_percent_cell_fraction_becomes_percent():
    n = parse_number(0.985, percent_format=True)
    assert n.value == pytest.approx(98.5)
    assert n.is_percent


@pytest.mark.parametrize("raw", [None, "", "  ", float("nan")])
def test_parse_number_empty(raw):
    n = parse_number(raw)
    assert n.ok and n.value is None


@pytest.mark.parametrize("raw", ["abc", "12 hồ sơ", "1-2", True])
def test_parse_number_rejects_text(raw):
    assert not parse_number(raw).ok


def test_nfc_and_fold_make_nfd_and_nfc_equal():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Phường  Phúc\u00a0Xá ")
    assert nfc(nfd) == "Phường Phúc Xá"
    assert fold(nfd) == "phuong phuc xa"
    assert fold("Đống Đa") == "dong da"


def test_vietnamese_formats():
    assert format_int(1234567) == "1.234.567"
    assert format_percent(98.72) == "98,7%"
    assert format_percent(100) == "100,0%"
    assert format_int(float("nan")) == "–"
    assert format_date("2017-08-30") == "30/08/2017"
    assert math.isclose(parse_number(format_int(1234567)).value, 1234567)
    # halves rounded up, as a person rounds: the parts of a total add up to it (929,5 + 3.627 = 4.556,5)
    assert (format_int(929.5), format_int(3627), format_int(4556.5)) == ("930", "3.627", "4.557")
    assert format_number(0.25) == "0,3" and format_percent(98.75) == "98,8%" and format_int(-2.5) == "-3"


def test_excel_safe_neutralises_formulas():
    assert excel_safe("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert excel_safe("-1+A1") == "'-1+A1"
    assert excel_safe("@SUM(A1)") == "'@SUM(A1)"
    assert excel_safe("-45") == "-45" and excel_safe("-1.234,5") == "-1.234,5"  # numbers stay numbers
    assert excel_safe("Sở Tư pháp") == "Sở Tư pháp"
    assert excel_safe(5) == 5
