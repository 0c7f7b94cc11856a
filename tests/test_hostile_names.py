"""Names and text from submissions reach file names, Excel cells, HTML and charts: return-list names are
bounded, distinct and the same on every run; control characters cannot stop an Excel file being written
and stay visible in HTML; a "$" in a unit name is drawn, not parsed as a formula; a registry code cannot
lead an output path out of reports/."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from indicators_data import appendix, city_rows, finding, write_processed
from openpyxl import load_workbook

from sketket.clean import SLUG_BYTES, excel_text, html_text
from sketket.config import Plan
from sketket.outputs import plots
from sketket.outputs.consolidated import write_consolidated
from sketket.outputs.packs import table_html
from sketket.outputs.returns import file_names, unit_slug, write_return_lists
from sketket.registry import RegistryError, load_registry

SKETKET = Path(sys.executable).parent / "sketket"
ALIKE = ["Đơn vị X", "đơn vị x", "ĐƠN VỊ X", "Đơn vị X 1", "Đơn vị X 2", "don-vi-x"]


# -- return-list file names -----------------------------------------------------------------------------------
def test_names_folding_alike_get_distinct_names_the_same_in_any_order():
    names = file_names(ALIKE)
    assert len(set(names.values())) == len(ALIKE)
    assert names["don-vi-x"] == "don-vi-x"  # first in sorted order keeps the plain name
    assert names["Đơn vị X 1"] == "don-vi-x-1" and names["Đơn vị X 2"] == "don-vi-x-2"
    for name in ("Đơn vị X", "đơn vị x", "ĐƠN VỊ X"):
        assert names[name].startswith("don-vi-x-") and len(names[name]) == len("don-vi-x-") + 8
    shuffled = ALIKE[:]
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert file_names(shuffled) == names


def test_a_name_that_meets_a_digest_still_gets_its_own_name():
    first = file_names(["Đơn vị X", "đơn vị x"])
    clash = first["đơn vị x"] if first["đơn vị x"] != "don-vi-x" else first["Đơn vị X"]
    names = file_names(["Đơn vị X", "đơn vị x", clash.replace("-", " ")])
    assert len(set(names.values())) == 3


def test_a_long_name_is_cut_to_a_bounded_length():
    long_name = "Ủy ban nhân dân " + "phường Đồng Xuân " * 18 + "quận Hoàn Kiếm"
    assert len(long_name) > 300
    slug = unit_slug(long_name)
    assert len(slug.encode()) <= SLUG_BYTES and slug.startswith("uy-ban-nhan-dan-phuong-dong-xuan")
    names = file_names([long_name, long_name + " (bản 2)"])
    assert len(set(names.values())) == 2
    assert all(len(f"{n}.xlsx".encode()) < 100 for n in names.values())


def test_analyse_writes_a_list_for_each_of_names_folding_alike_and_long_ones(tmp_path):
    long_name = "Ủy ban nhân dân " + "phường Đồng Xuân " * 18
    units = [*ALIKE, long_name, "Phường\x01 Lạ\x07"]
    findings = [finding(f"don-vi-{k}.xlsx", name, "file_corrupt", cell="", message="Tệp hỏng\x07, không mở được")
                for k, name in enumerate(units)]
    processed = write_processed(tmp_path / "processed", findings=findings)
    runs = []
    for _ in range(2):  # a rerun writes the same names
        proc = subprocess.run([str(SKETKET), "analyse", str(processed), "--reports", str(tmp_path / "reports")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        runs.append(sorted(p.name for p in (tmp_path / "reports" / "tra-lai").iterdir()))
    assert runs[0] == runs[1]
    assert len(runs[0]) == len(units)
    assert all(len(name.encode()) <= SLUG_BYTES + len(".xlsx") for name in runs[0])
    ws = load_workbook(tmp_path / "reports" / "tra-lai" / "phuong-la.xlsx").active
    assert ws["A3"].value == "Đơn vị: Phường Lạ"
    assert ws["G8"].value == "Tệp hỏng, không mở được"


# -- control characters -------------------------------------------------------------------------------------
def test_excel_text_removes_control_characters_and_neutralises_formulas():
    assert excel_text("Phường\x01 Lạ\x07\x1b") == "Phường Lạ"
    assert excel_text("\x02=1+1") == "'=1+1"
    assert excel_text("dòng 1\ndòng 2\tcột") == "dòng 1\ndòng 2\tcột"  # what Excel holds stays
    assert excel_text(12) == 12


def test_return_list_with_control_characters_in_names_and_cells_is_written(tmp_path):
    findings = pd.DataFrame([
        finding("bao\x01cao.xlsx", "Phường\x02 Hai", "sum_mismatch", message="Sai\x07 số", value="12\x1b"),
    ])
    paths = write_return_lists(findings, appendix([]), tmp_path, plan=Plan.load())
    ws = load_workbook(paths[0]).active
    assert ws["A3"].value == "Đơn vị: Phường Hai"
    assert [ws.cell(8, c).value for c in (2, 7, 8)] == ["baocao.xlsx", "Sai số", "12"]


def test_consolidated_workbook_with_control_characters_is_written(tmp_path):
    rows = city_rows()
    rows[8]["unit_name"] = "Phường\x03 Lạ"  # unmatched: written as typed
    rows[8]["note"] = "ghi chú\x1b"
    out = write_consolidated(appendix(rows), tmp_path / "tong-hop.xlsx", plan=Plan.load(), registry=load_registry())
    values = {c.value for ws in load_workbook(out).worksheets for row in ws.iter_rows() for c in row}
    assert "Phường Lạ (tên chưa khớp danh mục)" in values and "ghi chú" in values
    assert not any(isinstance(v, str) and any(ord(ch) < 9 or 13 < ord(ch) < 32 for ch in v) for v in values)


def test_control_characters_stay_visible_in_html():
    assert html_text("Phường\x07 <Lạ>") == "Phường\u2407 &lt;Lạ&gt;"
    assert html_text("a\x00b\x7f") == "a\u2400b\u2421"
    page = table_html(pd.DataFrame({"Đơn vị": ["Xã\x01 A & B"]}))
    assert "<td>Xã\u2401 A &amp; B</td>" in page


# -- charts -----------------------------------------------------------------------------------------------------
def test_a_dollar_in_a_unit_name_is_drawn_as_written():
    names = ["Phường $x^$", "Xã $\\frac{1}{0}$", "Giá $5 và $6", "Xã \\$ lẻ"]
    df = pd.DataFrame({"unit_name": names, "unit_code": ["1", "2", "3", "4"], "on_time_rate": [90.0, 80.0, 70.0, 60.0],
                       "tier": ["xa"] * 4})
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Tỷ lệ của $Quận$ X", "Tỷ lệ",
                            references={"Quận $Y$": 75.0})
    html = plots.to_html(fig, "biểu đồ")  # draws the figure: a mathtext parse error would raise here
    assert html.startswith('<img class="chart"')
    shown = [t._preprocess_math(t.get_text()) for t in fig.axes[0].get_yticklabels()]
    assert shown == [(name, False) for name in names]
    title = fig._suptitle
    assert title._preprocess_math(title.get_text()) == ("Tỷ lệ của $Quận$ X", False)
    legend = fig.legends[0].get_texts()[0]
    assert legend._preprocess_math(legend.get_text()) == ("Quận $Y$: 75,0%", False)


def test_stacked_bars_and_heatmap_draw_dollars_literally():
    df = pd.DataFrame({"label": ["Quận $A$", "Quận B"], "with": [3, 4], "without": [1, 0]})
    fig = plots.stacked_bars(df, "label", {"with": "Có $số liệu$", "without": "Chưa có"}, "Đơn vị", "Số đơn vị")
    plots.to_html(fig, "x")
    assert fig.axes[0].get_yticklabels()[0]._preprocess_math(r"Quận \$A\$") == ("Quận $A$", False)
    pivot = pd.DataFrame({"$Sở$": [1, 2]}, index=["Lỗi $a$", "Cảnh báo"])
    plots.to_html(plots.heatmap_counts(pivot, "Phát hiện theo $loại$"), "y")


# -- registry codes ---------------------------------------------------------------------------------------------
def _registry_file(path: Path, codes: list[tuple[str, str]]) -> Path:
    rows = [{"code": code, "tier": "huyen" if not parent else "xa", "name": f"Đơn vị {k}", "parent_code": parent}
            for k, (code, parent) in enumerate(codes)]
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.mark.parametrize(("codes", "line", "column", "shown"), [
    ([("100", ""), ("../x", "100")], 3, "code", '"../x"'),
    ([("100", ""), ("10001", "../../etc")], 3, "parent_code", '"../../etc"'),
    ([("100", ""), ("a/b", "100")], 3, "code", '"a/b"'),
    ([("", ""), ("10001", "100")], 2, "code", "(trống)"),
    ([("100", ""), (".hidden", "100")], 3, "code", '".hidden"'),
    ([("S01..02", "")], 2, "code", '"S01..02"'),
])
def test_a_registry_code_that_could_name_a_path_is_refused(tmp_path, codes, line, column, shown):
    path = _registry_file(tmp_path / "danh-muc.csv", codes)
    with pytest.raises(RegistryError) as exc:
        load_registry(path)
    message = str(exc.value)
    assert message.startswith(f"Tệp danh mục {path}, dòng {line}: mã đơn vị ở cột {column} là {shown}, không hợp lệ")


def test_safe_codes_are_kept():
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = _registry_file(Path(folder) / "r.csv", [("001", ""), ("S01.01", "001"), ("01-2", "001"), ("X_1", "001")])
        assert list(load_registry(path).units["code"]) == ["001", "S01.01", "01-2", "X_1"]


def test_ingest_with_a_hostile_registry_exits_2_naming_the_file(tmp_path):
    path = _registry_file(tmp_path / "danh-muc.csv", [("100", ""), ("../../x", "100")])
    (tmp_path / "raw").mkdir()
    proc = subprocess.run([str(SKETKET), "ingest", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
                           "--registry", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"Tệp danh mục {path}, dòng 3" in proc.stderr
    assert not (tmp_path / "out").exists()
