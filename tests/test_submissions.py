"""Submissions shaped the way officials really send them (tests/_submissions.py writes them): the rows,
registry codes and findings that come out of each family, and every file through one ingest run."""

from __future__ import annotations

import _submissions as S
import openpyxl
import pytest

from sketket import layout
from sketket.intake.ingest import ingest
from sketket.intake.reader import read_tables
from sketket.intake.validate import check_table


@pytest.fixture(scope="module")
def reg():
    return S.test_registry()


def read(path, reg):
    reading = read_tables(path, reg)
    assert len(reading.tables) == 1
    table = reading.tables[0]
    return table, [(f.rule, f.cell, f.value) for f in check_table(table, path.name, reg)]


def rows(table) -> list[tuple[str, str, str, float | None]]:
    return [(r.kind, r.stt, r.name, r.values["dossiers_received"].value) for r in table.rows]


CLEAN_I = [("A", "A", "Sở Thử nghiệm số {k}", 1250.0), ("B", "B", "Đơn vị cấp 2 trực thuộc", 1050.0),
           ("unit", "1", "Chi cục Kiểm định", 400.0), ("unit", "2", "Chi cục Phát triển", 650.0),
           ("total", "", "Tổng cộng", 2300.0)]


def clean(k: int) -> list[tuple]:
    return [(kind, stt, name.format(k=k), v) for kind, stt, name, v in CLEAN_I]


@pytest.mark.parametrize(("name", "k"), [("so-cot-ngoac.xlsx", 1), ("so-cot-chu.xlsx", 2), ("so-cot-so.xls", 3),
                                         ("so-cot-AB.xlsx", 4)])
def test_column_number_rows_in_every_spelling_are_not_units(tmp_path, reg, name, k):
    S.column_numbers(tmp_path)
    table, findings = read(tmp_path / name, reg)
    assert rows(table) == clean(k)
    assert [r.excel_row for r in table.rows] == [5, 6, 7, 8, 9]  # the numbers row (4) is skipped
    assert findings == []


def test_whole_template_reads_the_filled_sheet_and_lists_the_blank_ones(tmp_path, reg):
    S.whole_template(tmp_path)
    reading = read_tables(tmp_path / "mau-ca-bo.xlsx", reg)
    assert [t.sheet for t in reading.tables] == ["PL I"] and reading.blank_sheets == ["PL II", "PL III"]
    assert rows(reading.tables[0]) == clean(5)
    res = ingest(tmp_path, tmp_path / "out", reg)
    line = res.files.set_index("source_file").loc["mau-ca-bo.xlsx"]
    assert (line.status, line.form, line.unit_rows, line.errors) == ("ingested", "I", 3, 0)
    assert line.reason == 'đã đọc; bỏ qua sheet "PL II", "PL III": biểu Phụ lục để trống'
    assert "required_missing" not in set(res.findings["rule"])


def test_roman_numbering_and_heading_rows(tmp_path, reg):
    S.roman_numbering(tmp_path)
    table, findings = read(tmp_path / "danh-so-la-ma.xlsx", reg)
    assert rows(table) == [("A", "I", "Sở Thử nghiệm số 6", 1250.0), ("unit", "2.1", "Chi cục Kiểm định", 400.0),
                           ("unit", "2.2", "Chi cục Phát triển", 650.0), ("total", "", "Tổng cộng", 2300.0)]
    assert table.submitter == "Sở Thử nghiệm số 6" and findings == []
    res = ingest(tmp_path, tmp_path / "out", reg)
    assert list(res.appendix["unit_code"]) == ["T06", "T06.1", "T06.2"]


@pytest.mark.parametrize(("name", "k"), [("loi-excel.xlsx", 7), ("loi-excel.xls", 8)])
def test_excel_error_values_are_findings_in_every_row(tmp_path, reg, name, k):
    S.excel_errors(tmp_path)
    table, findings = read(tmp_path / name, reg)
    assert [r.kind for r in table.rows] == ["A", "B", "unit", "unit", "total"]
    # one finding per error cell (A's rate, B's overdue, a unit's received, the total's received) and no
    # sum compared over the unreadable cell
    assert sorted(findings) == [("excel_error", "F4", "#DIV/0!"), ("excel_error", "G6", "#REF!"),
                                ("excel_error", "G8", "#N/A"), ("excel_error", "I5", "#VALUE!")]
    f = next(f for f in check_table(table, name, reg) if f.cell == "G6")
    assert f.message == ('Cột "Tổng số hồ sơ TTHC đã nhận" ghi lỗi Excel #REF!, không phải số liệu; cần sửa '
                         "công thức hoặc ghi số (ghi 0 nếu không có).")
    assert f.severity == "error" and f.unit_name == "Chi cục Kiểm định"


def test_reworded_headers_and_extra_columns_kept_aside(tmp_path, reg):
    S.reworded(tmp_path)
    table, findings = read(tmp_path / "tieu-de-khac.xlsx", reg)
    assert rows(table) == [clean(9)[0], *clean(9)[2:]]
    assert {c: table.columns[c] for c in ("area_m2", "dossiers_received", "dossiers_on_time",
                                          "online_services_l34")} == {"area_m2": 3, "dossiers_received": 7,
                                                                      "dossiers_on_time": 9,
                                                                      "online_services_l34": 12}
    assert [r.values["dossiers_on_time"].value for r in table.rows] == [1220.0, 396.0, 650.0, 2266.0]
    assert findings == [
        ("extra_column", "C3", "Sở Thử nghiệm số 9: 12; Chi cục Kiểm định: 5; Chi cục Phát triển: 6"),
        ("extra_column", "I3", "Sở Thử nghiệm số 9: 300; Chi cục Kiểm định: 100; Chi cục Phát triển: 200")]


@pytest.mark.parametrize(("k", "label"), [(0, "Cộng"), (1, "TỔNG"), (2, "Tổng số")])
def test_total_row_variants_first_or_last_without_row_b(tmp_path, reg, k, label):
    S.total_variants(tmp_path)
    table, findings = read(tmp_path / f"dong-tong-{k}.xlsx", reg)
    body = [clean(10 + k)[0], *clean(10 + k)[2:4]]
    total = ("total", "", label, 2300.0)
    assert rows(table) == ([total, *body] if k == 1 else [*body, total])
    assert findings == []


def test_uncached_formulas_are_computed_or_reported_never_rejecting(tmp_path, reg):
    S.uncached_formulas(tmp_path)
    table, findings = read(tmp_path / "cong-thuc.xlsx", reg)
    on_time = [r.values["dossiers_on_time"].value for r in table.rows if r.kind in ("A", "unit")]
    assert on_time == [1220.0, 396.0, None]  # ROUND and IF computed; another sheet's cell is not
    assert findings == [("formula_not_computed", "H7", "='Số liệu'!B2")]
    res = ingest(tmp_path, tmp_path / "out", reg)
    assert res.files.set_index("source_file").loc["cong-thuc.xlsx", "status"] == "ingested"


def test_us_thousands_comma_and_a_count_turned_into_a_date(tmp_path, reg):
    S.numbers(tmp_path)
    table, findings = read(tmp_path / "so-lieu-kieu-anh.xlsx", reg)
    assert table.rows[2].values["dossiers_received"].value == 2145.0
    assert sorted(findings) == [("date_in_count", "I5", "25/05/2017"), ("thousands_comma", "G6", "2,145")]
    messages = {f.rule: f.message for f in check_table(table, "x.xlsx", reg)}
    assert messages["date_in_count"] == (
        'Cột "Tổng số hồ sơ TTHC quá hạn giải quyết" chứa ngày 25/05/2017: Excel đã đổi số gõ vào thành ngày '
        '(có thể đã gõ "25.5"); cần định dạng ô là Số rồi ghi lại số liệu.')
    assert messages["thousands_comma"] == (
        'Cột "Tổng số hồ sơ TTHC đã nhận" ghi "2,145", dấu phẩy ngăn cách hàng nghìn kiểu Anh; đã đọc là '
        "2.145; cần ghi 2.145 (dấu chấm ngăn cách hàng nghìn).")


def test_hidden_row_is_not_a_unit_and_hidden_column_shifts_nothing(tmp_path, reg):
    S.hidden(tmp_path)
    table, findings = read(tmp_path / "dong-an.xlsx", reg)
    assert rows(table) == clean(15)
    assert table.columns["dossiers_received"] == 7  # H, not the hidden G
    assert findings == [("hidden_row", "B8", "Chi cục Phát triển nông thôn (cũ)")]


def test_names_roman_numerals_tone_marks_prefixes_and_wrong_district(tmp_path, reg):
    S.names(tmp_path)
    res = ingest(tmp_path, tmp_path / "out", reg)
    got = res.appendix[["source_file", "unit_name", "unit_code"]].values.tolist()
    assert got == [
        ["ten-bac-tu-liem.xlsx", "Quận Bắc Từ Liêm", "021"], ["ten-bac-tu-liem.xlsx", "Cổ Nhuế I", "00616"],
        ["ten-bac-tu-liem.xlsx", "UBND phường cổ nhuế II", "00617"],
        ["ten-bac-tu-liem.xlsx", "P. Xuân Đỉnh", "00610"], ["ten-bac-tu-liem.xlsx", "Phường Phúc Xá", ""],
        ["ten-thanh-tri.xlsx", "huyện thanh trì", "020"], ["ten-thanh-tri.xlsx", "TT. Văn Điển", "00640"],
        ["ten-thanh-tri.xlsx", "X. Hữu Hòa", "00652"], ["ten-thanh-tri.xlsx", "xã tả thanh oai", "00649"],
        ["ten-thanh-tri.xlsx", "UBND xã Ngũ Hiệp", "00667"]]
    f = res.findings
    assert f[["source_file", "cell", "rule"]].values.tolist() == [
        ["ten-bac-tu-liem.xlsx", "B8", "unit_wrong_parent"]]
    assert f["message"].iloc[0] == ('"Phường Phúc Xá" thuộc Quận Ba Đình, không thuộc Quận Bắc Từ Liêm; cần đưa '
                                    "vào biểu của Quận Ba Đình hoặc sửa lại tên.")


def test_files_whose_extension_lies_are_opened_by_content(tmp_path, reg):
    S.lying_extensions(tmp_path)
    for name, k in (("xuat-tu-phan-mem.xls", 16), ("doi-ten-xlsx.xls", 17), ("doi-ten-xls.xlsx", 18),
                    ("luu-csv.xlsx", 19)):
        table, findings = read(tmp_path / name, reg)
        assert rows(table) == clean(k), name
        assert findings == [], name
    res = ingest(tmp_path, tmp_path / "out", reg)
    reasons = res.files.set_index("source_file")["reason"]
    assert reasons["trang-web-khong-bang.xls"].startswith("Tệp là trang web (HTML) đặt tên .xls nên không đọc")
    assert reasons["anh.xlsx"].startswith("Tệp là ảnh PNG đặt tên .xlsx nên không đọc được như bảng tính")


def sections(res, name: str) -> dict[str, str]:
    part = res.sections[res.sections["source_file"] == name]
    return dict(zip(part["section"], part["text"], strict=True))


def test_appendix_table_pasted_into_the_word_report(tmp_path, reg):
    S.word_appendix(tmp_path)
    res = ingest(tmp_path, tmp_path / "out", reg)
    got = res.appendix[["source_file", "source_sheet", "source_row", "unit_code", "dossiers_received"]]
    assert got.values.tolist() == [["bao-cao-kem-bieu.docx", "Bảng 1", 2, "T20", 1250],
                                   ["bao-cao-kem-bieu.docx", "Bảng 1", 4, "T20.1", 400],
                                   ["bao-cao-kem-bieu.docx", "Bảng 1", 5, "T20.2", 650]]
    # the same checks as a workbook's: on-time 390 + overdue 4 ≠ 400, and the sums over it
    table_findings = res.findings[res.findings["sheet"] == "Bảng 1"]
    assert table_findings[["cell", "rule"]].values.tolist() == [
        ["H3", "subtotal_mismatch"], ["G4", "sum_mismatch"], ["H6", "total_mismatch"]]
    line = res.files.iloc[0]
    assert (line.status, line.form, line.unit_rows) == ("ingested", "I", 3)
    assert sections(res, "bao-cao-kem-bieu.docx")["I"] == "Đơn vị có 25 công chức."  # the report is read too


def test_a_unit_twice_in_a_table_pasted_into_a_report_awaits_correction(tmp_path, reg):
    from sketket.analysis.indicators import unit_table

    rows = S.rows_i(20)
    rows[3][1] = rows[2][1]  # the second Chi cục retyped as the first
    S._docx(tmp_path / "bao-cao-kem-bieu.docx", S.head(S.so(20).upper()) + S.REPORT_BODY, [[S.HEADERS, *rows]],
            table_after=len(S.REPORT_HEAD) + 7)
    res = ingest(tmp_path, tmp_path / "out", reg)
    twice = res.findings[res.findings["rule"] == "duplicate_row"]
    assert twice["cell"].tolist() == ["B4", "B5"]  # the name column's letter: the rows can be gated
    status = unit_table(res.appendix, reg, findings=res.findings).set_index("source_row")["data_status"]
    assert status[4] == status[5] == "awaiting_correction"


def test_report_answering_the_outline_in_a_table(tmp_path, reg):
    S.outline_table(tmp_path)
    res = ingest(tmp_path, tmp_path / "out", reg)
    got = sections(res, "bao-cao-dang-bang.docx")
    assert {k: v for k, v in got.items() if k != "other"} == {
        "I": "Đơn vị có 25 công chức.", "II.1": "Đã ban hành Kế hoạch số 12/KH.", "II.2.a": "Có 2 chi cục.",
        "II.2.đ": "Từ tháng 5/2016.", "II.3.b": "Trụ sở chật hẹp.", "III": "Đề nghị đầu tư phần mềm."}
    assert set(res.sections["unit_name"]) == {"Sở Thử nghiệm số 21"}


def test_heading_variants_and_renumbered_parts(tmp_path, reg):
    S.heading_variants(tmp_path)
    res = ingest(tmp_path, tmp_path / "out", reg)
    got = sections(res, "bao-cao-tieu-de-khac.docx")
    # PHẦN THỨ NHẤT, Mục 1, a/, "d)" typed twice (the second is đ), III- for the evaluation, Phần IV for the
    # proposals: mapped by words as well as numbers
    assert {k: v for k, v in got.items() if k != "other"} == {
        "I": "Đơn vị có 25 công chức.", "II.1": "Đã ban hành Kế hoạch.", "II.2.a": "Có 14 phường.",
        "II.2.d": "Diện tích 80 m2.", "II.2.đ": "Làm việc sáng thứ bảy.", "II.3.a": "Công khai minh bạch.",
        "II.3.b": "Trụ sở chật hẹp.", "III": "Đề nghị đầu tư phần mềm."}


@pytest.fixture
def no_office(monkeypatch):
    """As on the office's machines: no LibreOffice to convert a .doc."""
    monkeypatch.setattr("sketket.intake.ingest.office", lambda: None)


def test_odt_report_read_doc_and_scanned_pdf_skipped_with_reasons(tmp_path, reg, no_office):
    S.old_formats(tmp_path)
    res = ingest(tmp_path, tmp_path / "out", reg)
    files = res.files.set_index("source_file")
    assert sections(res, "bao-cao.odt")["III"] == "Đề nghị đầu tư phần mềm."
    assert files.loc["bao-cao-cu.doc", "status"] == "skipped"
    assert "máy chưa cài LibreOffice (soffice) để chuyển sang .docx" in files.loc["bao-cao-cu.doc", "reason"]
    assert files.loc["ban-chup.pdf", "reason"].startswith("bản PDF (bản chụp, bản in) không đọc được số liệu")


def test_corpus_every_file_once_with_its_status(tmp_path, reg, no_office):
    """Every file the family builders write, through one ingest run: each in files.csv once, as expected."""
    raw = tmp_path / "raw"
    raw.mkdir()
    expected: dict[str, str] = {}
    for build in (*S.BUILDERS, *S.REPORT_BUILDERS):
        written = build(raw)
        assert not set(written) & set(expected)
        expected.update(written)
    assert sorted(p.name for p in raw.iterdir()) == sorted(expected)
    res = ingest(raw, tmp_path / "out", reg)
    files = res.files
    assert sorted(files["source_file"]) == sorted(expected)
    assert files.set_index("source_file")["status"].to_dict() == expected
    assert (files.loc[files.status == "rejected", "reason"] != "").all()
    tables = {n for n, s in expected.items() if s == "ingested" and not n.endswith((".docx", ".odt"))}
    assert set(res.appendix["source_file"]) == tables | {"bao-cao-kem-bieu.docx"}
    assert set(res.sections["source_file"]) == {n for n in expected if n.endswith((".docx", ".odt"))}


def test_doc_report_read_through_libreoffice_when_installed(tmp_path, reg, monkeypatch):
    """A stand-in for `soffice --headless --convert-to docx`: it writes the .docx LibreOffice would."""
    made = tmp_path / "made"
    made.mkdir()
    S.heading_variants(made)
    fake = tmp_path / "soffice"
    fake.write_text('#!/bin/sh\nwhile [ "$1" != "--outdir" ]; do shift; done\n'
                    f'cp "{made / "bao-cao-tieu-de-khac.docx"}" "$2/bao-cao-cu.docx"\n')
    fake.chmod(0o755)
    monkeypatch.setattr("sketket.intake.ingest.office", lambda: str(fake))
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "bao-cao-cu.doc").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    res = ingest(raw, tmp_path / "out", reg)
    assert res.files[["source_file", "status"]].values.tolist() == [["bao-cao-cu.doc", "ingested"]]
    assert sections(res, "bao-cao-cu.doc")["III"] == "Đề nghị đầu tư phần mềm."
    assert (raw / "bao-cao-cu.doc").read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # never modified


def test_a_third_numbered_group_with_figures_is_kept_out_and_said(tmp_path, reg):
    rows = [S.line("I", S.so(24), 1250, 30), S.line("II", "Các chi cục", 400, 4, total=80, one_stop=80, area=40),
            S.line("1", S.CHI_CUC[0], 400, 4, total=80, one_stop=80, area=40),
            S.line("III", "Các đơn vị sự nghiệp", 90, 0, total=10, one_stop=10, area=5)]
    S.write_grid(tmp_path / "nhom.xlsx", {"PL I": S.grid(*rows)})
    table, findings = read(tmp_path / "nhom.xlsx", reg)
    assert [(r.kind, r.stt) for r in table.rows] == [("A", "I"), ("B", "II"), ("unit", "1"), ("group", "III")]
    assert findings == [("group_row", "B7", "Các đơn vị sự nghiệp")]


def test_a_workbook_with_two_filled_forms_is_listed_under_both(tmp_path, reg):
    import pandas as pd

    from sketket.outputs.packs import files_of

    second = S.rows_i(26)
    second[0][1] = "Cơ quan ngành dọc thử nghiệm"  # a department under "Phụ lục II" would be read as Phụ lục I
    S.write_grid(tmp_path / "hai-bieu.xlsx", {"PL I": S.grid(*S.rows_i(25)),
                                              "PL II": S.grid(*second, title="Phụ lục II")})
    res = ingest(tmp_path, tmp_path / "out", reg)
    assert res.files[["source_file", "form", "unit_rows"]].values.tolist() == [["hai-bieu.xlsx", "I;II", 6]]
    assert sorted(set(res.appendix["source_sheet"])) == ["PL I", "PL II"]
    tables = {"files": pd.concat([res.files, pd.DataFrame({"source_file": ["x.pdf"], "form": [""]})])}
    assert list(files_of(tables, "II")["source_file"]) == ["hai-bieu.xlsx", "x.pdf"]
    assert list(files_of(tables, "III")["source_file"]) == ["x.pdf"]


@pytest.mark.parametrize("aside", ["Ghi chú: các đơn vị dưới đây gửi số liệu bổ sung",
                                   "(Số liệu tính đến ngày 31 tháng 7 năm 2017)",
                                   "Lưu ý: số liệu của đơn vị dưới đây là ước tính"])
def test_a_note_line_inside_the_table_does_not_end_it(tmp_path, reg, aside):
    """A probe's finding: a line looking like a footnote between the sub-units ended the table there, every unit
    below it dropped without a word (the file "ingested", 0 findings). It ends the table only when no unit row
    with figures follows before a total; the signature under the total still ends it."""
    from _workbooks import write_grid

    body = S.rows_i(5)
    body.insert(2, [None, aside] + [None] * 11)  # after row B, before the two sub-units
    footer = [[None, "Người lập biểu", None, None, None, None, None, "Hà Nội, ngày 10 tháng 8 năm 2017"],
              [None, "Nguyễn Văn A", None, None, None, None, 1234]]
    write_grid(tmp_path / "ghi-chu.xlsx", {"PL I": S.grid(*body, *footer)})
    table, findings = read(tmp_path / "ghi-chu.xlsx", reg)
    assert rows(table) == clean(5)
    assert findings == []


def test_a_column_inserted_left_of_a_form_column_it_resembles_is_set_aside_not_read_for_it(tmp_path, reg):
    """A probe's finding: "Số hồ sơ đang giải quyết quá hạn" inserted just left of the form's overdue column
    matched the same header rule and, being leftmost, was read as the overdue figure of every unit; the form's
    own column was set aside as "not in the form". Of two headers one rule names, the one worded like the form's
    is the form's."""
    from _workbooks import write_grid

    at = S.HEADERS.index(next(h for h in S.HEADERS if "quá hạn" in h))
    headers = [*S.HEADERS[:at], "Số hồ sơ đang giải quyết quá hạn", *S.HEADERS[at:]]
    body = [[*r[:at], 1, *r[at:]] for r in S.rows_i(6)]
    write_grid(tmp_path / "cot-chen.xlsx", {"PL I": S.grid(*body, headers=headers)})
    table, findings = read(tmp_path / "cot-chen.xlsx", reg)
    overdue = [r.values["dossiers_overdue"].value for r in table.rows]
    assert overdue == [30.0, 4.0, 4.0, 0.0, 34.0]  # the form's column, not the inserted 1s
    assert at == 8 and [(rule, cell) for rule, cell, _ in findings] == [("extra_column", "I3")]  # the inserted I


@pytest.mark.parametrize(("stt", "said"), [("", "để trống"), ("1", 'ghi "1"')])
def test_the_submitters_row_typed_without_its_letter_is_still_row_a(tmp_path, reg, stt, said):
    """A probe's finding: row A's letter left blank or typed "1" made the district's own figures a commune of
    the district's name (unmatched, ranked among the communes), with a warning about "tên mẫu". The first row
    followed by row B is the submitter's, read as row A with a warning saying so."""
    from _workbooks import write_grid

    body = S.rows_i(7)
    body[0][0] = stt or None
    write_grid(tmp_path / "khong-chu-a.xlsx", {"PL I": S.grid(*body)})
    table, findings = read(tmp_path / "khong-chu-a.xlsx", reg)
    assert [r.kind for r in table.rows] == ["A", "B", "unit", "unit", "total"]
    assert table.submitter == S.so(7)
    assert findings == [("row_a_unlettered", "B4", stt)]
    (message,) = [f.message for f in check_table(table, "x.xlsx", reg)]
    assert message == (f'Dòng 4 ("{S.so(7)}") là dòng của đơn vị báo cáo nhưng cột STT {said}; đã đọc như dòng A '
                       '(số liệu của đơn vị báo cáo); cần ghi "A" ở cột STT.')


def test_row_a_naming_a_neighbour_over_its_own_communes_goes_to_the_communes_district(tmp_path, reg):
    """A probe's finding: Hai Bà Trưng's table with "UBND quận Hoàng Mai" left in row A (a neighbour's form
    copied) became Hoàng Mai's: its wards lost their codes ("thuộc Quận Hai Bà Trưng"), and Hoàng Mai's own
    table was held as a duplicate. When every sub-unit the registry knows is of one other unit, the table is
    that unit's, and row A an error to correct; a single stray commune changes nothing."""
    from _workbooks import write_grid

    head = [h for h in S.HEADERS if h != layout.columns("I")[7].header]

    def iii(district: str, communes: list[str]) -> dict[str, list[list[object]]]:
        body = [["A", district, 100, 300, 290, None, 5000, 50, None, 20, 40, None]]
        body += [[k, c, 30, 100, 95, None, 800, 8, None, 5, 10, None] for k, c in enumerate(communes, 1)]
        return {"PL III": [["Phụ lục III"], [], head, *body]}

    write_grid(tmp_path / "hai-ba-trung.xlsx", iii("UBND quận Hoàng Mai", [
        "Phường Nguyễn Du", "Phường Bạch Đằng", "Phường Phố Huế", "Phường Minh Khai"]))
    write_grid(tmp_path / "hoang-mai.xlsx", iii("UBND quận Hoàng Mai", ["Phường Hoàng Liệt", "Phường Đại Kim"]))
    write_grid(tmp_path / "ba-dinh.xlsx", iii("Quận Ba Đình", ["Phường Phúc Xá", "Phường Trúc Bạch",
                                                             "Phường Vĩnh Phúc", "Phường Nguyễn Du"]))
    res = ingest(tmp_path, tmp_path / "out", reg)
    app = res.appendix.set_index(["source_file", "source_row"])
    assert app.loc[("hai-ba-trung.xlsx", 4), ["unit_code", "unit_name"]].tolist() == ["007", "Quận Hai Bà Trưng"]
    # its wards matched under it (Minh Khai: a namesake in several districts, now found under Hai Bà Trưng)
    assert app.loc["hai-ba-trung.xlsx", "unit_code"].tolist()[1:] == ["00241", "00244", "00262", "00295"]
    assert app.loc[("hoang-mai.xlsx", 4), "unit_code"] == "008"
    found = res.findings[res.findings["severity"] == "error"][["source_file", "cell", "rule"]].values.tolist()
    assert found == [["hai-ba-trung.xlsx", "B4", "submitter_conflict"]]  # no duplicate of Hoàng Mai
    message = res.findings.set_index("rule").loc["submitter_conflict", "message"]
    assert message.startswith('Dòng A ghi "UBND quận Hoàng Mai" nhưng cả 3 đơn vị trực thuộc có trong danh mục của '
                              "biểu đều thuộc Quận Hai Bà Trưng")
    # Ba Đình with one ward of Hai Bà Trưng: still Ba Đình's, that row the wrong one
    assert app.loc[("ba-dinh.xlsx", 4), "unit_code"] == "001"
    assert "unit_wrong_parent" in set(res.findings.loc[res.findings["source_file"] == "ba-dinh.xlsx", "rule"])


@pytest.mark.parametrize("name_header", ["Đơn vị", "Tên xã, phường, thị trấn", "Cơ quan, đơn vị"])
def test_the_name_column_headed_otherwise_still_starts_the_table(tmp_path, reg, name_header):
    """A probe's finding: "Đơn vị" or "Tên xã, phường, thị trấn" instead of "Tên đơn vị" rejected the whole file
    as having no table."""
    from _workbooks import write_grid

    headers = [S.HEADERS[0], name_header, *S.HEADERS[2:]]
    write_grid(tmp_path / "tieu-de.xlsx", {"PL I": S.grid(*S.rows_i(8), headers=headers)})
    table, findings = read(tmp_path / "tieu-de.xlsx", reg)
    assert rows(table) == clean(8) and findings == []


@pytest.mark.parametrize("label", ["ĐVT", None])
def test_a_line_of_units_of_measure_under_the_header_is_not_a_unit(tmp_path, reg, label):
    """A probe's finding: a line "ĐVT | m2 | TTHC | TTHC | % | hồ sơ …" under the header became a unit with a
    "không phải số" error in each of its nine cells."""
    from _workbooks import write_grid

    measures = [None, label, "m2", "TTHC", "TTHC", "%", "hồ sơ", "hồ sơ", "hồ sơ", "%", "dịch vụ", "TTHC", None]
    write_grid(tmp_path / "dvt.xlsx", {"PL I": S.grid(measures, *S.rows_i(9))})
    table, findings = read(tmp_path / "dvt.xlsx", reg)
    assert rows(table) == clean(9) and findings == []


def test_a_unit_label_above_the_table_is_not_taken_for_its_header(tmp_path, reg):
    """"Đơn vị:" (or "CƠ QUAN, ĐƠN VỊ") written above the table, its name in the next cell: the header is still
    the table's own row, and the name column its own."""
    from _workbooks import write_grid

    sheet = S.grid(*S.rows_i(10))
    sheet[1] = ["Đơn vị:", S.so(10)]  # the blank line between the label and the header
    write_grid(tmp_path / "nhan-don-vi.xlsx", {"PL I": sheet})
    table, findings = read(tmp_path / "nhan-don-vi.xlsx", reg)
    assert rows(table) == clean(10) and findings == [] and table.columns["unit_name"] == 1


def test_a_column_of_the_form_hidden_is_still_read_and_said(tmp_path, reg):
    """A probe's finding: the overdue column hidden (its figures there) gave every row "Chưa ghi … quá hạn", with
    no cell: a hidden column was left out as a helper even when it is the form's own and nothing stands for it."""
    from _workbooks import write_grid

    write_grid(tmp_path / "cot-an.xlsx", {"PL I": S.grid(*S.rows_i(11))})
    wb = openpyxl.load_workbook(tmp_path / "cot-an.xlsx")
    wb.active.column_dimensions["I"].hidden = True  # Tổng số hồ sơ TTHC quá hạn giải quyết
    wb.save(tmp_path / "cot-an.xlsx")
    table, findings = read(tmp_path / "cot-an.xlsx", reg)
    assert [r.values["dossiers_overdue"].value for r in table.rows] == [30.0, 4.0, 4.0, 0.0, 34.0]
    assert findings == [("hidden_column", "I3", "Tổng số hồ sơ TTHC quá hạn giải quyết")]


def test_a_wrong_form_label_gives_way_to_the_unit_the_registry_knows(tmp_path, reg):
    """A probe's finding: "Phụ lục I" typed on a district's table made the district a department and its wards
    department branches, all unmatched. The registry knows row A's unit in one form's submitting tier: that
    form, with a warning; a table whose row A the registry does not know keeps its label."""
    from _workbooks import write_grid

    write_grid(tmp_path / "nhan-sai.xlsx", {"PL I": S.grid(*S.rows_i(12), title="Phụ lục III")})
    table, findings = read(tmp_path / "nhan-sai.xlsx", reg)
    assert table.form == "I" and rows(table) == clean(12)
    assert findings == [("form_label_conflict", "", "III")]
    (message,) = [f.message for f in check_table(table, "x.xlsx", reg)]
    assert message == (f'Biểu ghi "Phụ lục III" nhưng {S.so(12)} thuộc khối sở, cơ quan tương đương sở: đã đọc '
                       "như Phụ lục I. Cần dùng đúng mẫu Phụ lục I.")
    unknown = S.rows_i(13)
    unknown[0][1] = "Ban Chưa Có Trong Danh Mục"
    write_grid(tmp_path / "nhan-dung.xlsx", {"PL I": S.grid(*unknown, title="Phụ lục II")})
    assert read_tables(tmp_path / "nhan-dung.xlsx", reg).tables[0].form == "II"


def test_a_hidden_sheet_with_an_old_copy_of_the_table_is_not_read_beside_the_visible_one(tmp_path, reg):
    """A probe's finding: a hidden sheet "Bản cũ" holding an earlier draft of the table made every unit a
    duplicate of itself, all 19 held awaiting correction. A table alone on a hidden sheet is still read."""
    from _workbooks import write_grid

    write_grid(tmp_path / "trang-an.xlsx", {"PL I": S.grid(*S.rows_i(14)), "Bản cũ": S.grid(*S.rows_i(14))})
    wb = openpyxl.load_workbook(tmp_path / "trang-an.xlsx")
    wb["Bản cũ"].sheet_state = "hidden"
    wb["Bản cũ"]["G6"] = 9999
    wb.save(tmp_path / "trang-an.xlsx")
    reading = read_tables(tmp_path / "trang-an.xlsx", reg)
    assert [t.sheet for t in reading.tables] == ["PL I"]
    table, findings = read(tmp_path / "trang-an.xlsx", reg)
    assert rows(table) == clean(14) and findings == [("hidden_sheet", "", "Bản cũ")]
    del wb["Bản cũ"]  # the table only on a hidden sheet, a visible one of guidance in front: still read
    wb.create_sheet("Hướng dẫn", 0)["A1"] = "Xem trang sau"
    wb.active = 0
    wb["PL I"].sheet_state = "hidden"
    wb.save(tmp_path / "trang-an.xlsx")
    assert rows(read_tables(tmp_path / "trang-an.xlsx", reg).tables[0]) == clean(14)


def test_a_whole_number_with_a_formulas_float_trace_is_whole(tmp_path, reg):
    """A probe's finding: 3804.0000000001 (a formula's arithmetic; Excel shows 3.804) was "ghi 3.804, là số
    lẻ": an error the unit could not see. A real fraction is still one."""
    from _workbooks import write_grid

    body = S.rows_i(15)
    body[2][6], body[2][8] = 400.0000000001, 3.9999999999999  # Chi cục Kiểm định: received, overdue
    body[3][6] = 650.5  # Chi cục Phát triển: a real fraction
    write_grid(tmp_path / "so-le.xlsx", {"PL I": S.grid(*body)})
    table, findings = read(tmp_path / "so-le.xlsx", reg)
    assert [r.values["dossiers_received"].value for r in table.rows][2:4] == [400.0, 650.5]
    assert table.rows[2].values["dossiers_overdue"].value == 4.0
    assert [f for f in findings if f[0] == "fractional_count"] == [("fractional_count", "G7", "650,5")]


def test_figures_typed_right_of_the_table_under_no_header_are_said(tmp_path, reg):
    """A probe's finding: figures typed in the column after "Ghi chú", under no header, were dropped without a
    word. They are set aside as a column of their own, with their cells in the finding."""
    from _workbooks import write_grid

    body = [[*r, None] for r in S.rows_i(16)]
    body[2][13], body[3][13] = 50, 60
    write_grid(tmp_path / "ngoai-bieu.xlsx", {"PL I": S.grid(*body)})
    table, findings = read(tmp_path / "ngoai-bieu.xlsx", reg)
    assert rows(table) == clean(16)
    assert findings == [("extra_column", "N3", "Chi cục Kiểm định: 50; Chi cục Phát triển: 60")]


# -- a review's counter-cases to the heuristics above: each read as before them -----------------------------
def test_a_title_naming_the_communes_right_above_the_header_is_not_the_name_column(tmp_path, reg):
    from _workbooks import write_grid

    sheet = S.grid(*S.rows_i(17))
    sheet[1] = ["Kết quả thực hiện cơ chế một cửa tại UBND cấp huyện và UBND các xã, phường, thị trấn"]
    write_grid(tmp_path / "tieu-de-xa.xlsx", {"PL I": sheet})
    table, findings = read(tmp_path / "tieu-de-xa.xlsx", reg)
    assert rows(table) == clean(17) and findings == [] and table.columns["unit_name"] == 1


def test_a_footer_still_ends_a_table_without_total_above_a_phone_number_or_a_second_table(tmp_path, reg):
    """A footnote line ends the table unless unit rows with figures (two at least) follow before another
    table's header: a phone number under the signature, or last period's table pasted below, are not rows."""
    from _workbooks import write_grid

    body = S.rows_i(18)[:-1]  # no total row
    footer = [[None, "Hà Nội, ngày 10 tháng 8 năm 2017"], [None, "Người lập biểu"], [None, "ĐT:", 912345678]]
    write_grid(tmp_path / "dien-thoai.xlsx", {"PL I": S.grid(*body, *footer)})
    table, findings = read(tmp_path / "dien-thoai.xlsx", reg)
    assert rows(table) == clean(18)[:-1] and findings == []
    again = [[None, "Số liệu kỳ trước"], S.HEADERS, *S.rows_i(18)]
    write_grid(tmp_path / "hai-bang.xlsx", {"PL I": S.grid(*S.rows_i(18), *footer[:2], *again)})
    table, findings = read(tmp_path / "hai-bang.xlsx", reg)
    assert rows(table) == clean(18) and findings == []


def test_a_table_without_rows_a_and_b_whose_first_commune_bears_the_districts_name_keeps_it(tmp_path, reg):
    """"1 | Thị trấn Đông Anh" first in Đông Anh's table without rows A and B: the registry matches it to Huyện
    Đông Anh once the type is dropped, but the communes' tier knows it: a commune, not row A."""
    from _workbooks import write_grid

    head = [h for h in S.HEADERS if h != layout.columns("I")[7].header]
    body = [[k, c, 30, 100, 95, None, 800, 8, None, 5, 10, None]
            for k, c in enumerate(["Thị trấn Đông Anh", "Xã Xuân Nộn", "Xã Thụy Lâm"], 1)]
    write_grid(tmp_path / "dong-anh.xlsx", {"PL III": [["Phụ lục III"], ["CƠ QUAN, ĐƠN VỊ: UBND huyện Đông Anh"],
                                                       head, *body]})
    table = read_tables(tmp_path / "dong-anh.xlsx", reg).tables[0]
    assert [r.kind for r in table.rows] == ["unit"] * 3
    assert "row_a_unlettered" not in {n.rule for n in table.notes}


def test_short_sub_headers_keep_the_form_column_beside_an_inserted_one_worded_longer(tmp_path, reg):
    """"Đã nhận | Đúng hạn | Quá hạn" and a column "Số hồ sơ quá hạn đã có văn bản xin lỗi" inserted right: the
    one with no word the form's header lacks is the form's ("Quá hạn"), not the closer-sounding longer one."""
    from _workbooks import write_grid

    short = {6: "Đã nhận", 7: "Đúng hạn", 8: "Quá hạn"}
    headers = [short.get(k, h) for k, h in enumerate(S.HEADERS)]
    headers = [*headers[:9], "Số hồ sơ quá hạn đã có văn bản xin lỗi", *headers[9:]]
    body = [[*r[:9], 3, *r[9:]] for r in S.rows_i(19)]
    write_grid(tmp_path / "xin-loi.xlsx", {"PL I": S.grid(*body, headers=headers)})
    table, findings = read(tmp_path / "xin-loi.xlsx", reg)
    assert [r.values["dossiers_overdue"].value for r in table.rows] == [30.0, 4.0, 4.0, 0.0, 34.0]
    assert [(rule, cell) for rule, cell, _ in findings] == [("extra_column", "J3")]


def test_a_hidden_helper_column_right_of_the_table_is_left_out_silently(tmp_path, reg):
    from _workbooks import write_grid

    body = [[*r, None, r[6]] for r in S.rows_i(20)]  # column O: received again, a check the official hid
    write_grid(tmp_path / "cot-kiem-tra.xlsx", {"PL I": S.grid(*body)})
    wb = openpyxl.load_workbook(tmp_path / "cot-kiem-tra.xlsx")
    wb.active.column_dimensions["O"].hidden = True
    wb.save(tmp_path / "cot-kiem-tra.xlsx")
    table, findings = read(tmp_path / "cot-kiem-tra.xlsx", reg)
    assert rows(table) == clean(20) and findings == []


def test_a_unit_that_sent_a_copy_of_its_neighbours_table_under_its_own_name_keeps_it(tmp_path, reg):
    """Hoàng Mai's file (named so) holding Hai Bà Trưng's wards under "UBND quận Hoàng Mai": Hoàng Mai's own
    mistake, its rows said to belong elsewhere; Hai Bà Trưng's own table is not made a duplicate of it."""
    from _workbooks import write_grid

    head = [h for h in S.HEADERS if h != layout.columns("I")[7].header]

    def iii(district: str, received: int) -> dict[str, list[list[object]]]:
        body = [["A", district, 100, 300, 290, None, received, 50, None, 20, 40, None]]
        body += [[k, c, 30, 100, 95, None, 800, 8, None, 5, 10, None]
                 for k, c in enumerate(["Phường Nguyễn Du", "Phường Bạch Đằng", "Phường Phố Huế"], 1)]
        return {"PL III": [["Phụ lục III"], [], head, *body]}

    write_grid(tmp_path / "Phu luc III - UBND quan Hai Ba Trung.xlsx", iii("UBND quận Hai Bà Trưng", 5000))
    write_grid(tmp_path / "Phu luc III - UBND quan Hoang Mai.xlsx", iii("UBND quận Hoàng Mai", 4321))
    res = ingest(tmp_path, tmp_path / "out", reg)
    errors = res.findings[res.findings["severity"] == "error"]
    assert errors.empty
    heads = res.appendix[res.appendix["tier"] == "huyen"].set_index("unit_code")["dossiers_received"]
    assert heads.to_dict() == {"007": 5000, "008": 4321}
