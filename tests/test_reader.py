"""The reader finds the appendix table wherever officials put it and reads its cells as they meant them."""

from __future__ import annotations

import openpyxl
import pytest
from _workbooks import UNITS, convert, sample, sheet_values, write_grid, write_sample

from sketket import layout
from sketket.intake.reader import NoTableError, read_table
from sketket.outputs.writer import Variation, write_filled
from sketket.registry import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _counts(row) -> dict[str, float | None]:
    return {k: v.value for k, v in row.values.items() if k not in layout.PERCENTS}


def _expected(form: str) -> list[dict[str, float | None]]:
    submitter, units = sample(form)
    out = []
    for row in (submitter, *units):
        out.append({k: (float(row[k]) if k in row else None) for k in layout.FIGURES
                    if k not in layout.PERCENTS and not (form == "III" and k == "dossiers_on_time")})
    return out


@pytest.mark.parametrize("form", ["I", "II", "III"])
def test_reads_each_form_with_rows_cells_and_submitter(tmp_path, reg, form):
    m = write_sample(form, tmp_path / f"pl{form}.xlsx")
    t = read_table(tmp_path / f"pl{form}.xlsx", reg)
    assert t.form == form
    assert t.sheet == m.sheet
    assert t.submitter == UNITS[form][0] and t.name_source == "table"
    assert [r.kind for r in t.rows] == ["A", "B", "unit", "unit", "total"]
    assert [r.excel_row for r in t.rows] == [m.row_a, m.row_b, *m.unit_rows, m.total_row]
    assert [r.name for r in t.rows if r.kind == "unit"] == list(UNITS[form][1])
    assert [_counts(r) for r in t.rows if r.kind in ("A", "unit")] == _expected(form)
    assert t.cell(t.rows[0], "dossiers_received") == m.cell("dossiers_received", m.row_a)
    assert ("dossiers_on_time" in t.columns) == (form != "III")


@pytest.mark.parametrize(
    "variation",
    [
        Variation(extra_title_lines=3),
        Variation(col_offset=2),
        Variation(number_row=False),
        Variation(header_breaks=True),
        Variation(m2_superscript=True),
        Variation(notes_sheet=True),
        Variation(extra_title_lines=2, col_offset=3, header_breaks=True, m2_superscript=True, notes_sheet=True),
    ],
)
def test_shifted_and_reworded_tables_are_found_by_header_text(tmp_path, reg, variation):
    m = write_sample("I", tmp_path / "shifted.xlsx", variation)
    t = read_table(tmp_path / "shifted.xlsx", reg)
    assert t.sheet == m.sheet
    assert [r.excel_row for r in t.rows] == [m.row_a, m.row_b, *m.unit_rows, m.total_row]
    assert [_counts(r) for r in t.rows if r.kind in ("A", "unit")] == _expected("I")
    for name, letter in m.columns.items():
        assert t.columns[name] == openpyxl.utils.column_index_from_string(letter) - 1


def test_an_inserted_column_is_ignored(tmp_path, reg):
    path = tmp_path / "extra.xlsx"
    m = write_sample("II", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[m.sheet]
    ws.insert_cols(3)  # an official's own column between the name and the area
    ws.cell(row=m.header_row, column=3, value="Mã đơn vị")
    for r in (m.row_a, *m.unit_rows):
        ws.cell(row=r, column=3, value=99999)
    wb.save(path)
    t = read_table(path, reg)
    assert t.columns["area_m2"] == 3
    assert [_counts(r) for r in t.rows if r.kind in ("A", "unit")] == _expected("II")


def test_inserted_columns_naming_a_figure_are_set_aside_and_a_reworded_on_time_header_is_read(tmp_path, reg):
    """"Số hồ sơ tiếp nhận trực tuyến" and "Số hồ sơ giải quyết trước hạn" added by a unit, the on-time column
    reading "… đúng thời hạn": the form's columns are read, the added ones set aside with a finding, and the
    table stays Phụ lục I (no on-time column would make it III)."""
    path = tmp_path / "inserted.xlsx"
    m = write_sample("I", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[m.sheet]
    on_time = openpyxl.utils.column_index_from_string(m.columns["dossiers_on_time"])
    ws.cell(row=m.header_row + 1, column=on_time, value="Số hồ sơ giải quyết đúng thời hạn")  # the leaf header
    last = ws.max_column  # two columns of the unit's own after the form's (openpyxl does not move merged cells)
    ws.cell(row=m.header_row, column=last + 1, value="Số hồ sơ tiếp nhận trực tuyến")
    ws.cell(row=m.header_row, column=last + 2, value="Số hồ sơ giải quyết trước hạn")
    for r in (m.row_a, *m.unit_rows):
        ws.cell(row=r, column=last + 1, value=777)
        ws.cell(row=r, column=last + 2, value=555)
    wb.save(path)
    t = read_table(path, reg)
    assert t.form == "I"
    assert [_counts(r) for r in t.rows if r.kind in ("A", "unit")] == _expected("I")
    assert sorted(t.extra_columns.values()) == ["Số hồ sơ giải quyết trước hạn", "Số hồ sơ tiếp nhận trực tuyến"]
    assert {n.rule for n in t.notes} >= {"extra_column"}


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsm"])
def test_other_file_formats(tmp_path, reg, suffix):
    m = write_sample("III", tmp_path / "src.xlsx")
    path = convert(tmp_path / "src.xlsx", tmp_path / f"copy{suffix}")
    t = read_table(path, reg)
    assert t.form == "III" and t.submitter == "Quận Ba Đình"
    assert [r.excel_row for r in t.rows] == [m.row_a, m.row_b, *m.unit_rows, m.total_row]
    assert [_counts(r) for r in t.rows if r.kind in ("A", "unit")] == _expected("III")


def test_numbers_typed_as_vietnamese_text(tmp_path, reg):
    submitter, units = sample("I")
    submitter.update(dossiers_received="1.250", dossiers_on_time="1\u00a0220", dossiers_overdue="30",
                     area_m2="60,5", tthc_one_stop_pct="95,0%", on_time_pct="97,6 %", postal_tthc="-")
    write_filled("I", tmp_path / "text.xlsx", submitter, units)
    a = read_table(tmp_path / "text.xlsx", reg).rows[0]
    assert a.values["dossiers_received"].value == 1250
    assert a.values["dossiers_on_time"].value == 1220
    assert a.values["area_m2"].value == 60.5
    assert a.values["tthc_one_stop_pct"].value == 95.0
    assert a.values["on_time_pct"].value == pytest.approx(97.6)
    assert a.values["postal_tthc"].value == 0


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xls"])
def test_percentages_stored_as_fractions(tmp_path, reg, suffix):
    submitter, units = sample("I")
    submitter.update(tthc_one_stop_pct=95.0, on_time_pct=97.6)
    units[0].update(tthc_one_stop_pct=100.0, on_time_pct=99.0)
    write_filled("I", tmp_path / "frac.xlsx", submitter, units, variation=Variation(pct_as_fraction=True))
    path = tmp_path / "frac.xlsx" if suffix == ".xlsx" else convert(tmp_path / "frac.xlsx",
                                                                      tmp_path / f"frac{suffix}")
    t = read_table(path, reg)
    assert t.rows[0].values["tthc_one_stop_pct"].value == pytest.approx(95.0)
    assert t.rows[0].values["on_time_pct"].value == pytest.approx(97.6)
    assert t.rows[2].values["tthc_one_stop_pct"].value == pytest.approx(100.0)


@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xls"])
def test_a_fraction_typed_in_a_plain_cell_reads_the_same_in_every_format(tmp_path, reg, suffix):
    """0,9 typed in a General cell where the counts give 90%: a fraction, in the workbook as in its copies."""
    submitter, units = sample("I")
    submitter.update(tthc_total=200, tthc_one_stop=180, tthc_one_stop_pct=0.9)
    write_filled("I", tmp_path / "plain.xlsx", submitter, units)
    path = tmp_path / "plain.xlsx" if suffix == ".xlsx" else convert(tmp_path / "plain.xlsx", tmp_path / f"p{suffix}")
    assert read_table(path, reg).rows[0].values["tthc_one_stop_pct"].value == pytest.approx(90.0)


def test_a_small_rate_in_a_plain_cell_stays_a_percentage(tmp_path, reg):
    # 1 procedure of 200 is 0,5%: a number ≤ 1 that is not a fraction (no % format)
    submitter, units = sample("I")
    submitter.update(tthc_one_stop=1, tthc_one_stop_pct=0.5)
    write_filled("I", tmp_path / "small.xlsx", submitter, units)
    assert read_table(tmp_path / "small.xlsx", reg).rows[0].values["tthc_one_stop_pct"].value == 0.5
    convert(tmp_path / "small.xlsx", tmp_path / "small.ods")
    assert read_table(tmp_path / "small.ods", reg).rows[0].values["tthc_one_stop_pct"].value == 0.5


def test_placeholder_row_a_takes_the_name_from_the_unit_block(tmp_path, reg):
    write_sample("III", tmp_path / "ph.xlsx", Variation(placeholder_row_a=True), unit_block="UBND QUẬN BA ĐÌNH")
    t = read_table(tmp_path / "ph.xlsx", reg)
    assert t.rows[0].name == layout.ROW_A["III"]
    assert (t.submitter, t.name_source) == ("UBND QUẬN BA ĐÌNH", "unit_block")


def test_a_name_typed_over_the_unit_block_label_is_found(tmp_path, reg):
    # The official overwrote "CƠ QUAN, ĐƠN VỊ" with the district's name; the file's name says nothing.
    m = write_sample("III", tmp_path / "bieu.xlsx", Variation(placeholder_row_a=True), unit_block="")
    wb = openpyxl.load_workbook(tmp_path / "bieu.xlsx")
    ws = wb[m.sheet]
    label = next(c for line in ws.iter_rows(max_row=m.header_row - 1) for c in line
                 if c.value == layout.UNIT_BLOCK)
    label.value = "UBND QUẬN BA ĐÌNH"
    wb.save(tmp_path / "bieu.xlsx")
    t = read_table(tmp_path / "bieu.xlsx", reg)
    assert (t.submitter, t.name_source) == ("UBND QUẬN BA ĐÌNH", "unit_block")


@pytest.mark.parametrize("form", ["I", "II"])
def test_placeholder_row_a_and_empty_block_take_the_name_from_the_file_name(tmp_path, reg, form):
    stem = {"I": "PL1_So NN&PTNT_2017", "II": "phu-luc-II_Cuc_Thue_TP_Ha_Noi"}[form]
    write_sample(form, tmp_path / f"{stem}.xlsx", Variation(placeholder_row_a=True), unit_block="")
    t = read_table(tmp_path / f"{stem}.xlsx", reg)
    assert t.form == form
    assert (t.submitter, t.name_source) == (UNITS[form][0], "file_name")


def _grid(labels: list[tuple[object, object, list[object]]], number_row: list[object] | None = None):
    """A bare table: title lines, a one-row header, optional column-number row, then rows."""
    head = ["STT", "Tên cơ quan, đơn vị", "Diện tích (m²)", "Số TTHC thuộc thẩm quyền giải quyết",
            "Số TTHC đang thực hiện", "Tỷ lệ %", "Tổng số hồ sơ đã nhận", "Số hồ sơ giải quyết đúng hạn",
            "Số hồ sơ quá hạn", "Tỷ lệ đúng hạn"]
    rows: list[list[object]] = [["PHỤ LỤC I"], [], [None, *head]]
    if number_row:
        rows.append([None, *number_row])
    rows += [[None, stt, name, *vals] for stt, name, vals in labels]
    rows += [[], [None, "Người lập biểu", None, "Nguyễn Văn A"], [None, "9", "Nguyễn Văn B", 1, 1, 1]]
    return rows


@pytest.mark.parametrize("total_label", ["TỔNG CỘNG", "Tổng số", "Cộng", "tổng cộng:"])
def test_row_kinds_total_spellings_column_numbers_and_footer(tmp_path, reg, total_label):
    vals = [50, 10, 10, 100.0, 100, 100, 0, 100.0]
    grid = _grid([("A", "Sở Tư pháp", vals), ("B", "Đơn vị trực thuộc", []),
                  ("I", "Các phòng", []), (1, "Công an thử nghiệm", vals),
                  (2, "Chi cục B", []), (None, total_label, [100, 20, 20, 100.0, 200, 200, 0, 100.0])],
                 number_row=["A", "B", 1, 2, 3, 4, 5, 6, 7, 8])
    path = write_grid(tmp_path / "bare.xlsx", {"Biểu": grid})
    t = read_table(path, reg)
    assert [(r.kind, r.name) for r in t.rows] == [
        ("A", "Sở Tư pháp"), ("B", "Đơn vị trực thuộc"), ("unit", "Công an thử nghiệm"),
        ("total", total_label)]
    assert t.rows[2].stt == "1" and t.rows[2].excel_row == 8
    assert t.form == "I" and t.columns["stt"] == 1
    # bare "Tỷ lệ %" after the procedure counts is their rate; "(m²)" is still the area
    assert (t.columns["tthc_one_stop_pct"], t.columns["on_time_pct"], t.columns["area_m2"]) == (6, 10, 3)


def test_a_workbook_without_the_table(tmp_path, reg):
    path = write_grid(tmp_path / "other.xlsx", {"Sheet1": [["Danh sách cán bộ"], ["STT", "Họ tên", "Tuổi"]]})
    with pytest.raises(NoTableError):
        read_table(path, reg)


def test_values_read_are_the_cells_written(tmp_path, reg):
    m = write_sample("II", tmp_path / "v.xlsx", Variation(col_offset=1, extra_title_lines=1))
    values = sheet_values(tmp_path / "v.xlsx")[m.sheet]
    t = read_table(tmp_path / "v.xlsx", reg)
    for row in t.rows:
        for col, raw in row.raw.items():
            if col in t.columns:
                written = values[row.excel_row - 1][t.columns[col]]
                assert raw == ("" if written is None else written), (row.excel_row, col)


def test_a_phu_luc_i_with_its_on_time_column_hidden_stays_phu_luc_i(tmp_path, reg):
    path = tmp_path / "hidden-on-time.xlsx"
    m = write_sample("I", path)
    wb = openpyxl.load_workbook(path)
    wb[m.sheet].column_dimensions[m.columns["dossiers_on_time"]].hidden = True
    wb.save(path)
    t = read_table(path, reg)
    assert t.form == "I" and t.submitter == UNITS["I"][0]
    assert "dossiers_on_time" not in t.columns  # hidden: derived from received − overdue, as for III


def test_communes_named_like_a_total_word_stay_units_and_a_trong_han_rate_is_a_rate():
    from sketket.intake.reader import _header_match, _kind

    assert [_kind("", n, True) for n in ("Cống Vị", "Cộng Hòa", "Tòng Bạt")] == ["unit"] * 3
    assert [_kind("", n, True) for n in ("Tổng số toàn quận", "Cộng toàn quận", "Tổng số các xã")] == ["total"] * 3
    assert _header_match("Tỷ lệ hồ sơ giải quyết trong hạn (%)")[0] == "on_time_pct"
    assert _header_match("Số hồ sơ giải quyết trong hạn")[0] == "dossiers_on_time"


def test_rows_numbered_under_a_unit_are_its_details_not_more_units(tmp_path, reg):
    """"1 Chi cục Quản lý thị trường" with its teams "1.1", "1.2" below it: the teams are in the Chi cục's
    figures, so they are kept out of the unit rows (a note each), not added a second time."""
    submitter, units = sample("I")
    team = {k: v for k, v in units[0].items() if k != "unit_name"}
    subs = [units[0], {**team, "unit_name": "Đội Quản lý thị trường số 1"},
            {**team, "unit_name": "Đội Quản lý thị trường số 2"}, units[1]]
    m = write_filled("I", tmp_path / "doi.xlsx", submitter, subs)
    wb = openpyxl.load_workbook(tmp_path / "doi.xlsx")
    ws = wb[m.sheet]
    for r, stt in zip(m.unit_rows, ("1", "1.1", "1.2", "2"), strict=True):
        ws.cell(row=r, column=1, value=stt)
    wb.save(tmp_path / "doi.xlsx")
    t = read_table(tmp_path / "doi.xlsx", reg)
    assert [r.name for r in t.rows if r.kind == "unit"] == [units[0]["unit_name"], units[1]["unit_name"]]
    details = [n for n in t.notes if n.rule == "detail_row"]
    assert [n.fields["stt"] for n in details] == ["1.1", "1.2"] and details[0].fields["parent"] == units[0]["unit_name"]
