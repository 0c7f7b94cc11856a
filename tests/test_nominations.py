"""Award nominations: the template, reading filled lists (any layout), each check, the compiled list."""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from _workbooks import convert, write_sample
from docx import Document
from docx.oxml.ns import qn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sketket.analysis.nominations import check_nominations, name_key
from sketket.catalog import Catalog
from sketket.cli import main
from sketket.config import Plan
from sketket.intake.ingest import ingest
from sketket.intake.nominations import NOMINATION_COLUMNS, match_unit, read_nominations
from sketket.outputs.nomination_template import write_nomination_workbook
from sketket.outputs.nominations import write_nominations
from sketket.registry import load_registry

REGISTRY = load_registry()
BANG_KHEN = "Bằng khen của Chủ tịch UBND Thành phố"
GIAY_KHEN = "Giấy khen của Thủ trưởng cơ quan, đơn vị"


# -- the template ------------------------------------------------------------------------------------------
def test_template_command_writes_the_blank_list_with_the_unit_block(tmp_path: Path) -> None:
    out = tmp_path / "kt.xlsx"
    assert main(["template", "--form", "khen-thuong", "--out", str(out), "--unit", "quận ba đình"]) == 0
    ws = openpyxl.load_workbook(out)["Khen thưởng"]
    assert ws["A1"].value == "CƠ QUAN, ĐƠN VỊ" and ws["A2"].value == "Quận Ba Đình"
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"I. TẬP THỂ", "II. CÁ NHÂN", "Họ và tên", "Tên tập thể", "Người lập biểu",
            "Thủ trưởng cơ quan, đơn vị"} <= texts
    blank = read_nominations(out, "kt.xlsx", REGISTRY)
    assert blank is not None and blank.rows == [] and blank.proposer_code == REGISTRY.match("Quận Ba Đình", "huyen").code


def test_template_command_refuses_an_unknown_unit(tmp_path: Path, capsys) -> None:
    assert main(["template", "--form", "khen-thuong", "--out", str(tmp_path / "x.xlsx"), "--unit", "Sở Không Có"]) == 2
    assert "Không tìm thấy đơn vị «Sở Không Có»" in capsys.readouterr().err


# -- round trip (property) ---------------------------------------------------------------------------------
_WORDS = ["Nguyễn", "Trần", "Lê", "Thị", "Văn", "Hoà", "Thuỷ", "Đặng", "Ánh", "Phường Phúc Xá", "Bộ phận",
          "một cửa", "=SUM(A1)", "+84", "tiếp nhận", "@x", "Ứng", "Quỳnh"]
_text = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join)
_award = st.sampled_from([BANG_KHEN, GIAY_KHEN])
_collective = st.fixed_dictionaries({"name": _text, "unit_name": _text, "award": _award, "summary": _text,
                                     "reason": _text, "note": _text})
_individual = st.fixed_dictionaries({"name": _text, "position": _text, "unit_name": _text,
                                     "direct_worker": st.booleans(), "award": _award, "summary": _text,
                                     "note": _text})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collectives=st.lists(_collective, max_size=4), individuals=st.lists(_individual, max_size=5),
       col_offset=st.integers(0, 3), extra=st.integers(0, 3), number_row=st.booleans())
def test_a_filled_list_reads_back_exactly(collectives, individuals, col_offset, extra, number_row) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kt.xlsx"
        write_nomination_workbook(path, "Sở Tư pháp", collectives, individuals, col_offset=col_offset,
                                  extra_title_lines=extra, number_row=number_row)
        got = read_nominations(path, "kt.xlsx", REGISTRY)
    assert got is not None and got.proposer_name == "Sở Tư pháp"
    back = [{k: row[k] for k in given} for row, given in
            zip(got.rows, [*collectives, *individuals], strict=True)]
    assert back == [*collectives, *individuals]
    assert [r["kind"] for r in got.rows] == ["collective"] * len(collectives) + ["individual"] * len(individuals)
    assert not [f for f in got.findings if f.severity == "error"]


# -- a list typed by hand ----------------------------------------------------------------------------------
def _hand_typed(path: Path) -> None:
    """Individuals on the first sheet, collectives on the second, other headers, shifted, no unit block."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cá nhân"
    ws["B1"] = "UBND QUẬN BA ĐÌNH"
    ws["C4"] = "DANH SÁCH CÁ NHÂN ĐỀ NGHỊ KHEN THƯỞNG"
    ws.append([])
    ws.append([None, "TT", "Họ tên", "Chức danh", "Đơn vị", "Trực tiếp\n(x)", "Hình thức\nkhen thưởng",
               "Thành tích"])
    ws.append([None, "(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"])
    ws.append([None, None, "1. Bằng khen của Chủ tịch UBND Thành phố"])
    ws.append([None, 1, "Nguyễn Thị Hoà", "Công chức", "Phường Trúc Bạch", "X", "bằng khen UBND TP", "Tốt"])
    ws.append([None, 2, "Lê Văn Ba", "Chuyên viên", "", "có lẽ", "", "Khá"])
    ws.append([None, 3, None, None, None, None, "Bằng khen", "Không ghi tên"])
    ws.append([])
    ws.append([None, None, "Người lập biểu"])
    ws.append([None, 9, "Không phải đề nghị", "", "", "", BANG_KHEN, "sau chữ ký"])
    ws2 = wb.create_sheet("Tập thể")
    ws2.append(["STT", "Tên tập thể", "Đơn vị chủ quản", "Hình thức khen thưởng đề nghị", "Tóm tắt thành tích"])
    ws2.append([1, "Phường Phúc Xá", "Quận Ba Đình", BANG_KHEN, "Tốt"])
    wb.save(path)


def test_a_hand_typed_list_is_read_with_findings_at_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "de-nghi.xlsx"
    _hand_typed(path)
    got = read_nominations(path, "de-nghi.xlsx", REGISTRY)
    assert got is not None and got.proposer_name == "Quận Ba Đình"
    rows = {(r["kind"], r["name"]): r for r in got.rows}
    assert list(rows) == [("individual", "Nguyễn Thị Hoà"), ("individual", "Lê Văn Ba"), ("individual", ""),
                          ("collective", "Phường Phúc Xá")]
    hoa = rows[("individual", "Nguyễn Thị Hoà")]
    assert (hoa["direct_worker"], hoa["award_id"], hoa["award_level"]) == (True, "bang_khen_tp", "city")
    assert hoa["unit_code"] == REGISTRY.match("Phường Trúc Bạch", "xa", got.proposer_code).code
    ba = rows[("individual", "Lê Văn Ba")]
    assert ba["unit_code"] == got.proposer_code and ba["direct_worker"] is False and ba["read_errors"] == 1
    assert rows[("collective", "Phường Phúc Xá")]["unit_code"] == REGISTRY.match("Phường Phúc Xá", "xa").code
    found = {(f.sheet, f.cell, f.rule, f.severity) for f in got.findings}
    assert found == {("Cá nhân", "F10", "nomination_direct_unreadable", "warning"),
                     ("Cá nhân", "G10", "nomination_award_missing", "error"),
                     ("Cá nhân", "C11", "nomination_name_missing", "error")}
    assert all(f.unit_name == "Quận Ba Đình" for f in got.findings)


def test_ingest_reads_nomination_lists_beside_the_appendix_tables(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "ba-dinh").mkdir(parents=True)
    write_sample("III", raw / "ba-dinh" / "phu-luc-3.xlsx")
    _hand_typed(raw / "ba-dinh" / "khen-thuong.xlsx")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "không phải biểu"
    wb.save(raw / "khac.xlsx")
    result = ingest(raw, tmp_path / "out", REGISTRY)
    files = result.files.set_index("source_file")
    assert files.loc["ba-dinh/khen-thuong.xlsx", ["status", "form", "errors", "warnings"]].tolist() == [
        "ingested", "khen-thuong", 2, 1]
    assert files.loc["ba-dinh/phu-luc-3.xlsx", "status"] == "ingested"
    assert files.loc["khac.xlsx", "status"] == "rejected"
    saved = Catalog(tmp_path / "out").load("nominations")
    assert saved["name"].tolist() == ["Nguyễn Thị Hoà", "Lê Văn Ba", "", "Phường Phúc Xá"]
    assert set(result.appendix["source_file"]) == {"ba-dinh/phu-luc-3.xlsx"}
    cells = result.findings[result.findings["source_file"] == "ba-dinh/khen-thuong.xlsx"]["cell"]
    assert sorted(cells) == ["C11", "F10", "G10"]


# -- the checks ----------------------------------------------------------------------------------------------
def nomination(name: str, kind: str = "individual", **kw: object) -> dict[str, object]:
    row: dict[str, object] = {c: "" for c in NOMINATION_COLUMNS}
    row.update(nomination_id=f"f.xlsx|S|{name}", kind=kind, name=name, proposer_name="Quận Ba Đình",
               proposer_code="001", unit_name="Quận Ba Đình", unit_code="001", direct_worker=True,
               award=BANG_KHEN, award_id="bang_khen_tp", award_level="city", summary="Tốt", read_errors=0,
               source_file="f.xlsx", source_sheet="S", source_row=10, name_cell="B10")
    row.update(kw)
    return row


def checked(rows: list[dict[str, object]], units: pd.DataFrame | None = None,
            awards: pd.DataFrame | None = None) -> pd.DataFrame:
    for k, r in enumerate(rows):
        r.setdefault("source_row", 10 + k)
        r["source_row"] = 10 + k
    return check_nominations(pd.DataFrame(rows), units, awards)[0].set_index("name")


@pytest.mark.parametrize(("direct", "total", "passes"), [(3, 4, True), (2, 3, False), (3, 3, True), (0, 1, False)])
def test_direct_workers_share_threshold_is_75_percent_inclusive(direct: int, total: int, passes: bool) -> None:
    rows = [nomination(f"Người {k}", direct_worker=k < direct) for k in range(total)]
    rows.append(nomination("Giấy khen không tính", direct_worker=False, award=GIAY_KHEN, award_id="giay_khen",
                           award_level="unit"))
    out = checked(rows)
    non_direct = [f"Người {k}" for k in range(direct, total)]
    assert out.loc[non_direct, "passed"].tolist() == [passes] * len(non_direct)
    assert out.loc[[f"Người {k}" for k in range(direct)], "passed"].all()
    assert out.loc["Giấy khen không tính", "check_direct_share"] == ""
    if not passes:
        msg = out.loc[non_direct[0], "check_direct_share"]
        assert f"{direct} người là lao động trực tiếp" in msg and "cần ít nhất 75%" in msg


def test_the_share_is_counted_per_proposing_unit() -> None:
    rows = [nomination("A", direct_worker=True), nomination("B", direct_worker=False),
            nomination("C", direct_worker=True, proposer_name="Sở Tư pháp", proposer_code="S1")]
    out = checked(rows)
    assert out["passed"].to_dict() == {"A": True, "B": False, "C": True}


def test_name_key_compares_names_the_vietnamese_way() -> None:
    assert name_key("Nguyễn Văn Hoà") == name_key("NGUYỄN  VĂN HÒA") == name_key("nguyễn văn hòa")
    assert name_key("Lê Thị Thuỷ") == name_key("Lê Thị Thủy")
    assert name_key("Nguyễn Văn Hoà") != name_key("Nguyễn Văn Hỏa")
    assert name_key("Nguyễn Văn An") != name_key("Nguyễn Văn Ân")


def test_the_same_person_proposed_by_two_units_is_held_with_the_other_unit_named() -> None:
    rows = [nomination("Nguyễn Văn Hoà", unit_code="00004", unit_name="Phường Trúc Bạch"),
            nomination("NGUYỄN VĂN HÒA", unit_code="00004", unit_name="Phường Trúc Bạch",
                       proposer_name="Sở Tư pháp", proposer_code="S1"),
            nomination("Nguyễn Văn Hoà", unit_code="00099", unit_name="Phường Khác")]  # a namesake elsewhere
    out = check_nominations(pd.DataFrame(rows))[0]
    assert out["passed"].tolist() == [False, False, True]
    assert "(Phường Trúc Bạch) được Quận Ba Đình đề nghị và cũng được Sở Tư pháp đề nghị" in out.loc[
        0, "check_duplicate"]
    assert "được Sở Tư pháp đề nghị và cũng được Quận Ba Đình đề nghị" in out.loc[1, "check_duplicate"]


def test_a_row_repeated_in_one_list_keeps_the_first() -> None:
    rows = [nomination("Trần Thị Ánh"), nomination("trần thị ánh")]
    out = check_nominations(pd.DataFrame(rows))[0]
    assert out["passed"].tolist() == [True, False]
    assert "chỉ giữ dòng 10" in out.loc[1, "check_duplicate"]


def test_a_name_typed_without_diacritics_is_a_possible_duplicate_warning() -> None:
    rows = [nomination("Nguyễn Văn An"), nomination("Nguyen Van An", proposer_name="Sở Tư pháp", proposer_code="S1")]
    checks, findings = check_nominations(pd.DataFrame(rows))
    assert checks["passed"].tolist() == [True, True] and checks["warnings"].tolist() == [1, 1]
    assert "có thể trùng" in checks.loc[0, "check_duplicate"]
    assert set(findings["severity"]) == {"warning"} and set(findings["rule"]) == {"nomination_duplicate"}


def test_a_collective_off_the_shortlist_needs_a_reason() -> None:
    awards = pd.DataFrame({"unit_code": ["00001", "00004"], "shortlisted": [True, False],
                           "criteria_missed": ["", "Tỷ lệ hồ sơ giải quyết đúng hạn 97,0%"]})
    rows = [nomination("Phường Phúc Xá", "collective", unit_code="00001", reason_cell="G10"),
            nomination("Phường Trúc Bạch", "collective", unit_code="00004", reason_cell="G11"),
            nomination("Phường Trúc Bạch giải trình", "collective", unit_code="00004",
                       reason="Đơn vị đầu tiên áp dụng trả kết quả qua bưu điện"),
            nomination("Phường Trúc Bạch lý do ngắn", "collective", unit_code="00004", reason="Tốt")]
    checks, findings = check_nominations(pd.DataFrame(rows), awards=awards)
    out = checks.set_index("name")
    assert out["passed"].to_dict() == {"Phường Phúc Xá": True, "Phường Trúc Bạch": False,
                                       "Phường Trúc Bạch giải trình": True, "Phường Trúc Bạch lý do ngắn": False}
    assert out.loc["Phường Phúc Xá", "check_criteria"] == "Đạt"
    assert "97,0%" in out.loc["Phường Trúc Bạch", "check_criteria"]
    assert out.loc["Phường Trúc Bạch giải trình", "check_criteria"].endswith("trả kết quả qua bưu điện")
    assert findings.loc[findings["value"] == "Phường Trúc Bạch", "cell"].tolist() == ["G11"]


def test_no_proposal_for_a_unit_whose_figures_await_correction() -> None:
    units = pd.DataFrame({"unit_code": ["001", "00004"], "data_status": ["ok", "awaiting_correction"],
                          "correction_cells": ["", "Phụ lục III!G12"]})
    rows = [nomination("Ở quận"), nomination("Ở phường", unit_code="00004", unit_name="Phường Trúc Bạch")]
    out = checked(rows, units)
    assert out["passed"].to_dict() == {"Ở quận": True, "Ở phường": False}
    assert "đang chờ chỉnh sửa (Phụ lục III!G12)" in out.loc["Ở phường", "check_data_status"]
    without_status = checked([nomination("Ở phường", unit_code="00004")], units.drop(columns="data_status"))
    assert bool(without_status.loc["Ở phường", "passed"])


def test_a_nominee_whose_unit_is_not_in_the_registry_is_held() -> None:
    rows = [nomination("Lê Ba", unit_code="", unit_name="Phường Phúc Sá", unit_suggestions="Phường Phúc Xá",
                       unit_cell="D10")]
    checks, findings = check_nominations(pd.DataFrame(rows))
    assert not checks.loc[0, "passed"]
    assert "Phường Phúc Sá" in checks.loc[0, "check_registry"] and "Phường Phúc Xá" in checks.loc[0, "check_registry"]
    assert findings[["cell", "rule", "unit_name"]].values.tolist() == [["D10", "nomination_registry", "Quận Ba Đình"]]


# -- the compiled list -----------------------------------------------------------------------------------------
def _list_rows(path: Path) -> list[tuple[str, str, str]]:
    ws = openpyxl.load_workbook(path)["Danh sách đề nghị"]
    return [(row[1], row[4], row[6]) for row in ws.iter_rows(values_only=True) if isinstance(row[0], int)]


def test_compiled_list_reads_back_as_the_nominations_that_passed_in_order(tmp_path: Path) -> None:
    rows = [nomination("Bình \x07Minh"), nomination("P. Phúc Xá", "collective", unit_code="00001",
                                                   unit_registry_name="Phường Phúc Xá"),
            nomination("Giấy khen B", award=GIAY_KHEN, award_id="giay_khen", award_level="unit"),
            nomination("=HYPERLINK(\"x\")"), nomination("Không trực tiếp", direct_worker=False),
            nomination("Ngoài danh mục", unit_code=""),
            nomination("Tập thể giấy khen", "collective", unit_code="001", award=GIAY_KHEN, award_id="giay_khen",
                       award_level="unit"),
            nomination("Phường Trúc Bạch", "collective", unit_code="00004"),
            nomination("Trúc Bạch giải trình", "collective", unit_code="00004",
                       reason="Đơn vị đầu tiên áp dụng trả kết quả qua bưu điện"),
            nomination("Lê Thị Hoa")]
    for k, r in enumerate(rows):
        r["source_row"] = 10 + k
    cat = Catalog(tmp_path / "processed")
    cat.save("nominations", pd.DataFrame(rows))
    cat.save("indicators_units", pd.DataFrame({
        "unit_code": ["00001", "00004", "001"], "unit_name": ["Phường Phúc Xá", "Phường Trúc Bạch", "Quận Ba Đình"],
        "data_status": ["ok", "ok", "ok"], "dossiers_received": [1200, 800, 5000],
        "on_time_rate": [99.8, 97.0, 99.0]}))
    cat.save("awards", pd.DataFrame({"unit_code": ["00001", "00004"], "unit_name": ["Phường Phúc Xá", "Phường Trúc Bạch"],
                                     "tier": ["xa", "xa"], "shortlisted": [True, False],
                                     "criteria_missed": ["", "Tỷ lệ đúng hạn 97,0%"]}))
    paths = write_nominations(cat, tmp_path / "reports", Plan.load())
    xlsx = tmp_path / "reports" / "khen-thuong" / "danh-sach-de-nghi-khen-thuong.xlsx"
    docx = xlsx.with_suffix(".docx")
    assert xlsx in paths and docx in paths
    checks = cat.load("nomination_checks")
    passed = checks[checks["passed"]]
    # 4 individuals the list can hold for the city award ("Ngoài danh mục" is held for its unit), 3 direct
    # (75 %): "Không trực tiếp" stays on the list
    assert passed["name"].tolist() == ["P. Phúc Xá", "Trúc Bạch giải trình", "Tập thể giấy khen", "Bình \x07Minh",
                                       "=HYPERLINK(\"x\")", "Không trực tiếp", "Lê Thị Hoa", "Giấy khen B"]
    expected = [(n.replace("\x07", "").replace("=", "'=", 1), p, a)
                for n, p, a in zip(passed["name"], passed["proposer_name"], passed["award"], strict=True)]
    # the workbook in the .docx's order: the collective passed on its unit's reason last, in a part of its own
    assert _list_rows(xlsx) == [*expected[:1], *expected[2:], expected[1]]
    lines = [str(r[0]) for r in openpyxl.load_workbook(xlsx)["Danh sách đề nghị"].iter_rows(values_only=True)
             if isinstance(r[0], str)]
    assert lines[-2:] == ["III. TẬP THỂ CHƯA ĐẠT TIÊU CHÍ XÉT KHEN THƯỞNG, ĐƠN VỊ ĐỀ NGHỊ CÓ GIẢI TRÌNH",
                          "1 tập thể; đề nghị Hội đồng Thi đua - Khen thưởng Thành phố xem xét giải trình của đơn vị "
                          "đề nghị."]
    # a unit's own award: listed and checked, said not to go to the City (the .docx leaves it out, saying so)
    assert "2. Giấy khen của Thủ trưởng cơ quan, đơn vị (1 cá nhân) – thuộc thẩm quyền khen thưởng của đơn vị, " \
           "không trình Chủ tịch UBND Thành phố" in lines
    ws = openpyxl.load_workbook(xlsx)["Danh sách đề nghị"]
    phuc_xa = next(r for r in ws.iter_rows(values_only=True) if r[1] == "P. Phúc Xá")  # the list: as typed
    assert (phuc_xa[8], phuc_xa[9], phuc_xa[12], phuc_xa[13]) == (1200, 99.8, "Có", "Đạt")
    held = openpyxl.load_workbook(xlsx)["Chưa đủ điều kiện"]
    held_names = [r[2] for r in held.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert held_names == ["Phường Trúc Bạch", "Ngoài danh mục"]
    assert set(cat.load("nomination_findings")["value"]) == {"Phường Trúc Bạch", "Ngoài danh mục"}

    doc = Document(str(docx))
    header = doc.tables[0]
    assert header.cell(0, 1).paragraphs[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert header.cell(0, 1).paragraphs[1].text == "Độc lập - Tự do - Hạnh phúc"
    assert header.cell(0, 0).paragraphs[1].text == "SỞ NỘI VỤ"
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.left_margin.mm), round(section.right_margin.mm)) == (30, 15)
    run = header.cell(0, 1).paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman" and run.font.size.pt == 13
    text = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "Bình Minh" in text and "Phường Phúc Xá" in text  # the submission: the registry's name
    assert "P. Phúc Xá" not in text
    assert "Ngoài danh mục" not in text
    # the Chairman's awards only (a unit's own Giấy khen is not submitted); an exception is said openly, in a
    # part of its own after those that meet the criteria, never in their "Tóm tắt thành tích"
    assert "Giấy khen B" not in text and "Tập thể giấy khen" not in text
    tables = [t for t in doc.tables[1:] if t.rows[0].cells[0].text == "STT"]
    listed, last = tables[0], tables[-1]
    assert [c.text for c in listed.rows[0].cells][-1] == "Tóm tắt thành tích"
    assert "Chưa đạt tiêu chí" not in "\n".join(c.text for t in tables[:-1] for r in t.rows for c in r.cells)
    assert [c.text for c in last.rows[0].cells][-1] == "Tiêu chí chưa đạt và giải trình của đơn vị"
    assert len(last.rows) == 2 and last.rows[1].cells[1].text == "Trúc Bạch giải trình"
    assert last.rows[1].cells[-1].text == ("Chưa đạt tiêu chí (Tỷ lệ đúng hạn 97,0%); đơn vị giải trình: Đơn vị đầu "
                                           "tiên áp dụng trả kết quả qua bưu điện")
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs.index("III. TẬP THỂ CHƯA ĐẠT TIÊU CHÍ XÉT KHEN THƯỞNG, ĐƠN VỊ ĐỀ NGHỊ CÓ GIẢI TRÌNH") > \
        paragraphs.index("II. CÁ NHÂN")
    assert any(p.endswith("Ngoài ra, 1 tập thể chưa đạt tiêu chí, đơn vị đề nghị có giải trình (phần cuối danh "
                          "sách). Danh sách không gồm 2 đề nghị Giấy khen của Thủ trưởng cơ quan, đơn vị (thuộc thẩm "
                          "quyền khen thưởng của đơn vị; có trong bảng tổng hợp của Sở Nội vụ).") for p in paragraphs)
    # the share of direct workers among the individuals submitted: 3 of 4 (the Giấy khen is not counted)
    assert any(p.startswith("Tổng số: 1 tập thể, 4 cá nhân, trong đó 3 cá nhân là người lao động trực tiếp (75,0%).")
               for p in paragraphs)
    summary = next(str(r[0]) for r in ws.iter_rows(values_only=True) if str(r[0]).startswith("Tổng hợp"))
    assert "8 đủ điều kiện đưa vào danh sách (trong đó 1 tập thể chưa đạt tiêu chí xét khen thưởng" in summary


def test_without_nominations_only_the_empty_datasets_are_written(tmp_path: Path) -> None:
    cat = Catalog(tmp_path / "processed")
    paths = write_nominations(cat, tmp_path / "reports", Plan.load())
    assert all(p.parent == tmp_path / "processed" for p in paths)
    assert cat.load("nomination_checks").empty and not (tmp_path / "reports").exists()


def test_city_pack_section_shows_share_held_nominations_and_shortlisted_units_not_nominated(tmp_path: Path) -> None:
    from sketket.outputs.packs import load_tables, nominations_html

    rows = [nomination("A"), nomination("B"), nomination("<script>C</script>", direct_worker=False),
            nomination("Phường Phúc Xá", "collective", unit_code="00001")]
    awards = pd.DataFrame({"unit_code": ["00001", "00004"], "unit_name": ["Phường Phúc Xá", "Phường Trúc Bạch"],
                           "tier": ["xa", "xa"], "shortlisted": [True, True]})
    checks, _ = check_nominations(pd.DataFrame(rows), awards=awards)
    checks.to_csv(tmp_path / "nomination_checks.csv", index=False, encoding="utf-8-sig")
    awards.to_csv(tmp_path / "awards.csv", index=False, encoding="utf-8-sig")
    html = nominations_html(load_tables(tmp_path))
    # the share of the list submitted (the .docx's), not of every row proposed: C is held by the rule itself
    assert ("Trong danh sách trình Thành phố, người lao động trực tiếp chiếm 100,0% (2/2) số cá nhân (mức tối "
            "thiểu 75% mỗi đơn vị; 1 đơn vị dưới mức: 1 cá nhân không phải lao động trực tiếp chưa đưa vào danh "
            "sách).") in html
    assert "&lt;script&gt;C&lt;/script&gt;" in html and "<script>" not in html
    assert "Phường Trúc Bạch" in html and html.count("Phường Phúc Xá") == 0
    (tmp_path / "none").mkdir()  # a processed folder without nominations
    assert nominations_html(load_tables(tmp_path / "none")) == "<p>Chưa có danh sách đề nghị khen thưởng của các đơn vị.</p>"


def test_nomination_problems_reach_the_proposers_return_list(tmp_path: Path, capsys) -> None:
    from sketket.outputs.returns import write_return_lists

    raw = tmp_path / "raw"
    raw.mkdir()
    _hand_typed(raw / "khen-thuong.xlsx")
    assert main(["validate", str(raw / "khen-thuong.xlsx")]) == 1
    assert "danh sách đề nghị khen thưởng, 4 đề nghị" in capsys.readouterr().out
    result = ingest(raw, tmp_path / "out", REGISTRY)
    _, problems = check_nominations(result.nominations)  # the collective: no shortlist row, no reason
    findings = pd.concat([result.findings, problems], ignore_index=True)
    paths = write_return_lists(findings, result.appendix, tmp_path / "tra-lai", plan=Plan.load(), registry=REGISTRY)
    assert [p.name for p in paths] == ["quan-ba-dinh.xlsx"]
    cells = [c for row in openpyxl.load_workbook(paths[0]).active.iter_rows(values_only=True) for c in row]
    assert "Dòng đề nghị khen thưởng không ghi hình thức khen thưởng" in cells
    assert "Tập thể chưa đạt tiêu chí xét khen thưởng và không nêu lý do" in cells


@pytest.mark.parametrize(("typed", "expected"), [
    ("UBND P. Trúc Bạch", "Phường Trúc Bạch"), ("ubnd phường trúc bạch", "Phường Trúc Bạch"),
    ("Phường Trúc Bạch, quận Ba Đình", "Phường Trúc Bạch"), ("Văn phòng UBND quận Ba Đình", "Quận Ba Đình"),
    ("Bộ phận một cửa - UBND phường Phúc Xá", "Phường Phúc Xá"), ("", "Quận Ba Đình"),
    ("Chi cục thuế Q. Ba Đình", "Chi cục Thuế quận Ba Đình"),
    ("Chi cục Thuếế quận Ba Đình", ""), ("Phòng Tư pháp", ""), ("Phường Phúc Sá", ""),
    # a collective named after its commune (a probe: each was matched to the district, its figures with it)
    ("Tập thể UBND phường Trúc Bạch", "Phường Trúc Bạch"), ("UBND phường Trúc Bạch (quận Ba Đình)", "Phường Trúc Bạch"),
    ("Cán bộ, công chức Bộ phận một cửa phường Phúc Xá", "Phường Phúc Xá"),
    ("Công chức Tư pháp - Hộ tịch phường Phúc Xá", "Phường Phúc Xá")])
def test_a_nominees_unit_typed_by_hand_is_matched_or_left_unmatched(typed: str, expected: str) -> None:
    proposer = REGISTRY.match("UBND quận Ba Đình", "huyen")
    assert match_unit(typed, REGISTRY, proposer).registry_name == expected


def test_a_misspelt_sub_unit_gets_its_own_name_first_among_the_suggestions() -> None:
    proposer = REGISTRY.match("Cục Thuế thành phố Hà Nội", "nganh_doc_tp")
    m = match_unit("Chi cục Thuếế quận Ba Đình", REGISTRY, proposer)
    assert not m.matched and m.suggestions[0] == "Chi cục Thuế quận Ba Đình"


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_lists_in_other_formats_read_the_same(tmp_path: Path, suffix: str) -> None:
    xlsx = tmp_path / "kt.xlsx"
    individuals = [{"name": "Đỗ Thị Yến", "position": "Công chức", "unit_name": "Phường Phúc Xá",
                    "direct_worker": True, "award": BANG_KHEN, "summary": "Tốt"}]
    write_nomination_workbook(xlsx, "Quận Ba Đình", [], individuals, col_offset=1)
    got = read_nominations(convert(xlsx, tmp_path / f"kt{suffix}"), f"kt{suffix}", REGISTRY)
    assert got is not None and got.proposer_name == "Quận Ba Đình"
    assert [{k: r[k] for k in individuals[0]} for r in got.rows] == individuals


def test_city_pack_counts_apart_the_collectives_that_pass_on_their_units_reason(tmp_path: Path) -> None:
    from sketket.outputs.packs import load_tables, nominations_html

    rows = [nomination("Phường Phúc Xá", "collective", unit_code="00001"),
            nomination("Phường Trúc Bạch", "collective", unit_code="00004",
                       reason="Đơn vị đầu tiên áp dụng trả kết quả qua bưu điện")]
    awards = pd.DataFrame({"unit_code": ["00001", "00004"], "unit_name": ["Phường Phúc Xá", "Phường Trúc Bạch"],
                           "tier": ["xa", "xa"], "shortlisted": [True, False],
                           "criteria_missed": ["", "Tỷ lệ đúng hạn 97,0%"]})
    checks, _ = check_nominations(pd.DataFrame(rows), awards=awards)
    checks.to_csv(tmp_path / "nomination_checks.csv", index=False, encoding="utf-8-sig")
    awards.to_csv(tmp_path / "awards.csv", index=False, encoding="utf-8-sig")
    html = nominations_html(load_tables(tmp_path), lists=False)
    # passed the checks, not "eligible": a collective short of the criteria is among them, on its unit's reason
    assert ("2 đề nghị qua kiểm tra (trong đó 1 tập thể chưa đạt tiêu chí, đơn vị đề nghị có giải trình, để Hội "
            "đồng Thi đua - Khen thưởng xem xét), 0 chưa đủ điều kiện.") in html
    # a unit's own Giấy khen passes the checks but is not submitted: said, as the .docx says it
    checks.loc[checks["passed"].astype(bool).idxmax(), "award_level"] = "unit"
    checks.to_csv(tmp_path / "nomination_checks.csv", index=False, encoding="utf-8-sig")
    html = nominations_html(load_tables(tmp_path), lists=False)
    assert ", 1 trong số đó là đề nghị Giấy khen thuộc thẩm quyền của đơn vị, không trình Thành phố" in html


def test_an_achievement_the_units_figures_contradict_is_a_warning_at_the_nominee() -> None:
    """The inspector's finding: "Không có hồ sơ quá hạn" was the achievement of a clerk of a district whose table
    says 9.130 overdue, and every check said "Đạt". Now a warning (the person's own dossiers may differ): the
    nomination stays on the list, the proposer's return list carries it."""
    units = pd.DataFrame({"unit_code": ["001", "00001"], "unit_name": ["Quận Ba Đình", "Phường Phúc Xá"],
                          "data_status": ["ok", "ok"], "dossiers_overdue": [9130, 0]})
    rows = [nomination("Trần Kim Hương", summary="KHÔNG CÓ HỒ SƠ QUÁ HẠN; được công dân đánh giá cao"),
            nomination("Lê Văn Tám", unit_code="00001", unit_name="Phường Phúc Xá",
                       summary="Không có hồ sơ quá hạn"),
            nomination("Đỗ Thị Mai", summary="Chủ động hướng dẫn công dân"),
            nomination("Vũ Văn Hải", summary="Luôn phấn đấu không để hồ sơ quá hạn")]  # an aim, not a result
    for k, r in enumerate(rows):
        r["source_row"], r["name_cell"] = 10 + k, f"B{10 + k}"
    checks, findings = check_nominations(pd.DataFrame(rows), units)
    out = checks.set_index("name")
    assert out.loc["Trần Kim Hương", "check_claims"] == (
        'Thành tích của "Trần Kim Hương" nêu "không có hồ sơ quá hạn" nhưng biểu số liệu của Quận Ba Đình ghi 9.130 '
        "hồ sơ quá hạn; cần kiểm tra lại với đơn vị.")
    assert out.loc["Trần Kim Hương", "passed"] and out.loc["Trần Kim Hương", "warnings"] == 1
    assert out.loc["Lê Văn Tám", "check_claims"] == "" and out.loc["Đỗ Thị Mai", "check_claims"] == ""
    assert out.loc["Vũ Văn Hải", "check_claims"] == ""
    assert findings[["cell", "rule", "severity"]].values.tolist() == [["B10", "nomination_claims", "warning"]]


def test_the_direct_worker_share_weighs_the_list_the_unit_will_have_and_reads_ticks() -> None:
    """A probe's findings: "✓" in the direct-worker column read as "no" (it folds to nothing), so 5 people of
    Hai Bà Trưng were held; and the 75% rule counted a nominee held already for an unknown unit (Ứng Hòa
    "3/4 = 75%" with a submitted list of 2 direct of 3). "Ðỗ" typed with an eth is "Đỗ" (a duplicate)."""
    rows = [nomination("Người 1", direct_worker=True), nomination("Người 2", direct_worker=False),
            nomination("Người 3", direct_worker=True),
            nomination("Ngoài danh mục", direct_worker=True, unit_code="", unit_name="Phường Không Có")]
    out = checked(rows)
    # 2 direct of the 3 the list can hold: 66,7% < 75%, the one not direct held by the rule
    assert not out.loc["Người 2", "passed"] and "66,7%" in out.loc["Người 2", "check_direct_share"]
    assert out.loc["Ngoài danh mục", "check_direct_share"] == ""
    from sketket.intake.nominations import direct_value

    assert [direct_value(v) for v in ("✓", "✔", "√", "x", "")] == [True, True, True, True, False]
    twice = checked([nomination("Ðỗ Văn Hùng"), nomination("Đỗ Văn Hùng")])
    assert twice["passed"].tolist() == [True, False]


def test_award_forms_typed_by_hand_are_read_or_held_with_a_reason(tmp_path: Path) -> None:
    """A probe's findings: "Bằng khen của Thủ tướng Chính phủ" was read as the Chairman's Bằng khen (its words
    "bằng khen"); "BK UBND TP" and "Cờ thi đua" were a warning and passed, in no list at all."""
    xlsx = tmp_path / "kt.xlsx"
    person = {"position": "Công chức", "unit_name": "Phường Phúc Xá", "direct_worker": True, "summary": "Tốt"}
    write_nomination_workbook(xlsx, "Quận Ba Đình", [], [
        {**person, "name": "Ngô Thị Một", "award": "Bằng khen của Thủ tướng Chính phủ"},
        {**person, "name": "Ngô Thị Hai", "award": "BK UBND TP"},
        {**person, "name": "Ngô Thị Ba", "award": "Cờ thi đua"}], col_offset=1)
    got = read_nominations(xlsx, "kt.xlsx", REGISTRY)
    by_name = {r["name"]: r for r in got.rows}
    assert by_name["Ngô Thị Hai"]["award_id"] == "bang_khen_tp" and by_name["Ngô Thị Hai"]["read_errors"] == 0
    assert by_name["Ngô Thị Một"]["read_errors"] == 1 and by_name["Ngô Thị Ba"]["read_errors"] == 1
    rules = {f.rule: f for f in got.findings}
    assert rules["nomination_award_out_of_scope"].message.startswith(
        'Hình thức khen thưởng "Bằng khen của Thủ tướng Chính phủ" của "Ngô Thị Một" là Bằng khen của Thủ tướng '
        "Chính phủ, do Thủ tướng Chính phủ quyết định")
    assert rules["nomination_award_unknown"].severity == "error"
    checks, _ = check_nominations(pd.DataFrame(got.rows))
    assert checks.set_index("name")["passed"].to_dict() == {"Ngô Thị Một": False, "Ngô Thị Hai": True,
                                                           "Ngô Thị Ba": False}


def test_a_collective_that_is_part_of_a_commune_keeps_its_own_name_in_the_submission(tmp_path: Path) -> None:
    """"Bộ phận một cửa phường Phúc Xá" is judged on Phúc Xá's figures, but it is not the commune: the list
    names it as typed; "P. Trúc Bạch" is the commune itself, named as the registry does."""
    xlsx = tmp_path / "kt.xlsx"
    base = {"unit_name": "UBND quận Ba Đình", "award": BANG_KHEN, "summary": "Tốt", "reason": ""}
    write_nomination_workbook(xlsx, "Quận Ba Đình", [{**base, "name": "Bộ phận một cửa phường Phúc Xá"},
                                                     {**base, "name": "P. Trúc Bạch"}], [], col_offset=1)
    rows = {r["name"]: r for r in read_nominations(xlsx, "kt.xlsx", REGISTRY).rows}
    part, whole = rows["Bộ phận một cửa phường Phúc Xá"], rows["P. Trúc Bạch"]
    assert (part["unit_code"], part["name_is_unit"]) == ("00001", False)
    assert (whole["unit_code"], whole["name_is_unit"]) == ("00004", True)
    from sketket.outputs.nominations import _shown_name

    assert _shown_name(pd.Series(part)) == "Bộ phận một cửa phường Phúc Xá"
    assert _shown_name(pd.Series(whole)) == "Phường Trúc Bạch"


def test_a_supplementary_list_adds_to_the_first_a_resend_replaces_it(tmp_path: Path) -> None:
    """A probe's finding: "… (bổ sung).xlsx" replaced the unit's first list, its four nominees gone without a
    held row. A later list naming other people adds to the first; one naming any of the same is a resend."""
    import os

    raw = tmp_path / "raw"
    raw.mkdir()
    person = {"position": "Công chức", "unit_name": "Phường Phúc Xá", "direct_worker": True, "award": BANG_KHEN,
              "summary": "Tốt"}
    write_nomination_workbook(raw / "kt.xlsx", "Quận Ba Đình", [], [{**person, "name": "Lê Văn Một"}], col_offset=1)
    write_nomination_workbook(raw / "kt (bo sung).xlsx", "Quận Ba Đình", [], [{**person, "name": "Lê Văn Hai"}],
                              col_offset=1)
    os.utime(raw / "kt.xlsx", (1_500_000_000, 1_500_000_000))
    res = ingest(raw, tmp_path / "out", REGISTRY)
    assert sorted(res.nominations["name"]) == ["Lê Văn Hai", "Lê Văn Một"]
    write_nomination_workbook(raw / "kt (bo sung).xlsx", "Quận Ba Đình", [],
                              [{**person, "name": "Lê Văn Một"}, {**person, "name": "Lê Văn Hai"}], col_offset=1)
    res = ingest(raw, tmp_path / "out2", REGISTRY)
    assert sorted(res.nominations["name"]) == ["Lê Văn Hai", "Lê Văn Một"]
    assert set(res.nominations["source_file"]) == {"kt (bo sung).xlsx"}
    # a list corrected, then a supplement: the first list is the corrected one's resend, not a second copy
    write_nomination_workbook(raw / "kt (sua).xlsx", "Quận Ba Đình", [],
                              [{**person, "name": "Lê Văn Một", "summary": "Tốt, đã sửa"}], col_offset=1)
    write_nomination_workbook(raw / "kt (bo sung).xlsx", "Quận Ba Đình", [], [{**person, "name": "Lê Văn Hai"}],
                              col_offset=1)
    os.utime(raw / "kt (sua).xlsx", (1_500_000_100, 1_500_000_100))
    res = ingest(raw, tmp_path / "out3", REGISTRY)
    assert sorted(zip(res.nominations["name"], res.nominations["source_file"], strict=True)) == [
        ("Lê Văn Hai", "kt (bo sung).xlsx"), ("Lê Văn Một", "kt (sua).xlsx")]


def test_the_submitted_list_says_a_claim_the_units_figures_contradict(tmp_path: Path) -> None:
    """A leader's review: the list for the Chairman repeated "Không có hồ sơ quá hạn" for a clerk of a district
    with 9.130 overdue dossiers, which only the workbook's check column said. The .docx now says it beside the
    summary; a nomination without such a finding reads as written."""
    from docx import Document

    from sketket.outputs.nominations import write_list_docx

    checks = pd.DataFrame([
        {"name": "Trần Kim Hương", "kind": "individual", "position": "Công chức", "unit_name": "Quận Ba Đình",
         "direct_worker": True, "summary": "Không có hồ sơ quá hạn", "award_id": "bang_khen", "award": "Bằng khen",
         "award_level": "city", "passed": True, "check_criteria": "",
         "check_claims": "Thành tích của \"Trần Kim Hương\" nêu \"không có hồ sơ quá hạn\" nhưng biểu số liệu của "
                         "Quận Ba Đình ghi 9.130 hồ sơ quá hạn; cần kiểm tra lại với đơn vị."},
        {"name": "Đỗ Thị Mai", "kind": "individual", "position": "Công chức", "unit_name": "Quận Ba Đình",
         "direct_worker": True, "summary": "Chủ động hướng dẫn công dân", "award_id": "bang_khen",
         "award": "Bằng khen", "award_level": "city", "passed": True, "check_criteria": "", "check_claims": ""}])
    out = write_list_docx(checks, tmp_path / "ds.docx", Plan.load())
    cells = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    assert ("Không có hồ sơ quá hạn (Cần xác minh trước khi trình: Thành tích của \"Trần Kim Hương\" nêu \"không có "
            "hồ sơ quá hạn\" nhưng biểu số liệu của Quận Ba Đình ghi 9.130 hồ sơ quá hạn; cần kiểm tra lại với đơn "
            "vị.)") in cells
    assert "Chủ động hướng dẫn công dân" in cells


def test_the_lists_round_a_share_as_the_docx_and_the_packs_do() -> None:
    """1 direct worker of 16 individuals is 6,25%: Python's round() made it 6,2 in the workbook beside 6,3% in the
    .docx and the packs (format_percent rounds half up)."""
    from openpyxl import Workbook

    from sketket.clean import format_percent
    from sketket.outputs.nominations import _direct_sheet, _number, load_config

    assert _number(6.25, 1) == 6.3 and _number(0.125, 2) == 0.13 and format_percent(6.25) == "6,3%"
    ws = Workbook().active
    checks = pd.DataFrame({"kind": "individual", "award_level": "city", "proposer_name": "Sở A", "proposer_code": "S01",
                           "check_direct_share": ["x"] * 16, "direct_worker": [True] + [False] * 15,
                           "award": "Bằng khen", "name": [f"Người {i}" for i in range(16)]})
    _direct_sheet(ws, checks, load_config(), Plan.load())
    shares = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert 6.3 in shares and 6.2 not in shares
