"""Vietnamese numbers in words, as officials write them in reports."""

from __future__ import annotations

import pytest

from sketket.numwords import parse_words, words_to_digits


@pytest.mark.parametrize(("words", "value"), [
    ("mười", 10), ("mười hai", 12), ("mười lăm", 15), ("mười một", 11), ("hai mươi", 20), ("hai mươi mốt", 21),
    ("ba mươi tư", 34), ("hai mươi lăm", 25), ("chín mươi chín", 99), ("một trăm", 100),
    ("một trăm linh năm", 105), ("một trăm lẻ năm", 105), ("hai trăm mười", 210), ("ba trăm bốn mươi", 340),
    ("một nghìn hai trăm năm mươi", 1250), ("hai nghìn không trăm mười bảy", 2017), ("ba ngàn", 3000),
    ("một triệu hai trăm nghìn", 1_200_000), ("hai chục", 20),
])
def test_parse_words(words, value):
    assert parse_words(words.split()) == (value, len(words.split()))


def test_parse_words_stops_where_the_number_ends():
    assert parse_words("mười hai dịch vụ".split()) == (12, 2)
    assert parse_words("hai ba".split()) == (2, 1)  # two digits in a row are not one number
    assert parse_words("trăm hồ sơ".split()) == (None, 0)  # "hàng trăm": no number
    assert parse_words("mốt".split()) == (None, 0)  # "mốt" is 1 only after "mươi"


@pytest.mark.parametrize(("text", "digits"), [
    ("Sở cung cấp mười hai dịch vụ công trực tuyến", "Sở cung cấp 12 dịch vụ công trực tuyến"),
    ("Mười lăm TTHC qua bưu điện", "15 TTHC qua bưu điện"),
    ("tỷ lệ hài lòng đạt chín mươi sáu phẩy năm phần trăm.", "tỷ lệ hài lòng đạt 96,5%."),
    ("mới đạt bốn trên sáu tiêu chí", "mới đạt 4/6 tiêu chí"),
    ("đạt 4 trên tổng số 6 tiêu chí", "đạt 4/6 tiêu chí"),
    ("gửi ba thư xin lỗi", "gửi 3 thư xin lỗi"),
])
def test_words_to_digits(text, digits):
    assert words_to_digits(text) == digits


@pytest.mark.parametrize("text", [
    "một số đơn vị chưa thực hiện",      # "một số": some
    "trong năm 2017",                    # "năm": a year
    "làm việc sáng thứ bảy hàng tuần",   # "thứ bảy": Saturday
    "quý ba năm nay",                    # an ordinal
    "UBND quận Ba Đình",                 # a name
    "không có hồ sơ quá hạn",            # "không": the negation
    "hàng trăm hồ sơ",
])
def test_words_that_are_not_counts_are_kept(text):
    assert words_to_digits(text) == text


def test_a_comma_ends_a_number():
    assert words_to_digits("hai, ba hồ sơ") == "2, 3 hồ sơ"
