"""The consolidated workbook's rows: a unit awaiting correction keeps its name, loses its figures, and its note
names the cells to fix, each once, as written in the findings."""

import pandas as pd

from sketket.analysis.analyse import workbook_appendix
from sketket.analysis.gating import AWAITING


def test_the_note_of_a_unit_awaiting_correction_names_its_cells():
    appendix = pd.DataFrame({"unit_name": ["Phường Quán Thánh", "Phường Phúc Xá"],
                             "dossiers_received": pd.array([6630, 4000], dtype="Int64"),
                             "dossiers_overdue": pd.array([6653, 10], dtype="Int64"), "note": ["", ""]})
    units = pd.DataFrame({"data_status": [AWAITING, "ok"], "correction_cells": [
        "G12: Số hồ sơ quá hạn (6.653) lớn hơn tổng số hồ sơ đã nhận (6.630) | F12: Cột \"Tỷ lệ %\" ghi 70,5%", ""]})
    out = workbook_appendix(appendix, units)
    assert out.loc[0, "note"] == "Số liệu đang chờ sửa (G12, F12)"
    assert pd.isna(out.loc[0, "dossiers_received"]) and pd.isna(out.loc[0, "dossiers_overdue"])
    assert out.loc[1, "note"] == "" and out.loc[1, "dossiers_received"] == 4000
