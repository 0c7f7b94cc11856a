"""A notebook's parameters: a value that cannot be used stops with a Vietnamese sentence naming it."""

from __future__ import annotations

import pytest

from sketket import params
from sketket.params import ParameterError


def test_text_refuses_what_papermill_made_a_number():
    assert params.text(" 001 ", "unit_code") == "001" and params.text(None, "unit_code") == ""
    with pytest.raises(ParameterError, match=r"unit_code = 1 được đọc thành số.*-r unit_code 001"):
        params.text(1, "unit_code")


def test_folder_and_choice(tmp_path):
    assert params.folder(tmp_path) == tmp_path
    with pytest.raises(ParameterError, match="processed_dir = .*không có thư mục"):
        params.folder(tmp_path / "khong-co")
    assert params.choice("II", "form", ("I", "II", "III")) == "II"
    with pytest.raises(ParameterError, match='form = "IV" không có; chọn một trong: I, II, III'):
        params.choice("IV", "form", ("I", "II", "III"))


def test_jupyter_shows_the_sentence_not_a_traceback():
    err = ParameterError("tier = \"quan\" không có")
    assert err._render_traceback_() == ["Tham số không dùng được: tier = \"quan\" không có"]
