"""Themes, quotes, initiatives and recommendations from hand-made sections."""

from __future__ import annotations

import pandas as pd
import pytest

from sketket.analysis.lessons import (
    addressee_of,
    initiatives,
    lesson_sentences,
    load_themes,
    recommendations,
    representative_quotes,
    sentences,
    theme_counts,
    theme_table,
    themes_of,
    write_lessons,
)
from sketket.config import Plan
from sketket.registry import load_registry

COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "heading", "text"]
UNITS = {
    "001": ("Quận Ba Đình", "huyen"),
    "016": ("Huyện Sóc Sơn", "huyen"),
    "S02": ("Sở Tư pháp", "so"),
    "N01": ("Cục Thuế thành phố Hà Nội", "nganh_doc_tp"),
}


def section_rows(items: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(unit code, section, text) → rows of sections.csv."""
    rows = [{"source_file": f"{code}.docx", "unit_name": UNITS[code][0], "unit_code": code, "tier": UNITS[code][1],
             "section": section, "heading": "", "text": text} for code, section, text in items]
    return pd.DataFrame(rows, columns=COLUMNS)


SECTIONS = section_rows([
    ("001", "II.3.b", "Tồn tại, hạn chế:\n- Bộ phận tiếp nhận và trả kết quả còn chật hẹp, chưa đủ chỗ ngồi chờ "
                      "cho người dân (trụ sở cũ).\n- Cán bộ thường xuyên luân chuyển."),
    ("016", "II.3.b", "Trụ sở UBND huyện xuống cấp, diện tích Bộ phận một cửa chỉ 30 m2. Phần mềm một cửa "
                      "điện tử chưa kết nối với phần mềm của các Sở, ngành."),
    ("S02", "II.3.b", "Phan mem mot cua dien tu chua ket noi voi he thong cua Bo Tu phap."),  # typed without diacritics
    ("N01", "II.3.b", "Trụ sở chật hẹp, thiếu chỗ để xe cho người nộp thuế đến giao dịch."),
    ("001", "II.3.c", "Người đứng đầu phải trực tiếp chỉ đạo, kiểm tra thường xuyên."),
    ("001", "II.3.d", "Các mô hình, sáng kiến:\n- Tin nhắn SMS thông báo kết quả giải quyết hồ sơ cho người dân;"
                      "\n- Tra cứu tình trạng hồ sơ bằng mã QR trên phiếu hẹn."),
    ("016", "II.3.d", "- Tin nhắn SMS thông báo kết quả giải quyết hồ sơ cho người dân."),
    ("N01", "II.3.d", "Đơn vị chưa có mô hình, sáng kiến nổi bật."),
    ("001", "III", "1. Đối với Trung ương:\n- Sửa đổi Quyết định số 09/2015/QĐ-TTg cho phù hợp thực tiễn.\n"
                   "2. Đối với Thành phố:\n- Đầu tư phần mềm một cửa điện tử dùng chung toàn Thành phố.\n"
                   "- Đề nghị Sở Nội vụ tổ chức tập huấn kỹ năng giao tiếp cho cán bộ."),
    ("S02", "III", "Đề nghị UBND Thành phố bố trí kinh phí cải tạo Bộ phận tiếp nhận và trả kết quả."),
    ("N01", "III", "Kiến nghị Bộ Tài chính sớm ban hành hướng dẫn thống nhất về phí, lệ phí."),
    ("016", "III", "Đề nghị Văn phòng UBND Thành phố hướng dẫn các bộ phận một cửa dùng chung mẫu phiếu."),
    ("016", "II.2.d", "Trụ sở chật hẹp."),  # not a lessons section: not counted
])


@pytest.fixture(scope="module")
def themes():
    return load_themes()


def test_sentences_split_items_and_sentences():
    text = "Tồn tại:\n- Phòng chật. Thiếu ghế chờ;\n+ Phần mềm lỗi, trong đó 5 lỗi. nhưng đã sửa\n3. Cán bộ ít."
    assert sentences(text) == ["Tồn tại:", "Phòng chật.", "Thiếu ghế chờ", "Phần mềm lỗi, trong đó 5 lỗi. nhưng đã sửa",
                               "Cán bộ ít."]


def test_themes_match_without_diacritics_case_or_spacing(themes):
    assert themes_of("PHAN MEM   mot cua dien tu chua KET NOI", themes) == ["software"]
    assert themes_of("Trụ  sở chật hẹp; cán bộ luân chuyển", themes) == ["facilities", "staffing"]
    # "liên thông" in the mechanism's own name is not a coordination theme
    assert themes_of("Thực hiện cơ chế một cửa liên thông đạt kết quả tốt", themes) == []


def test_theme_counts_by_units_and_tier(themes):
    counts = theme_counts(lesson_sentences(SECTIONS, themes), themes)
    b = counts[counts["section"] == "II.3.b"].set_index(["theme", "tier"])["units"]
    assert b[("facilities", "huyen")] == 2  # Ba Đình and Sóc Sơn, each once although Ba Đình says it twice
    assert b[("facilities", "nganh_doc_tp")] == 1
    assert b[("software", "so")] == 1 and b[("software", "huyen")] == 1
    assert ("facilities", "so") not in b.index
    # the most-cited theme comes first in the section
    assert counts[counts["section"] == "II.3.b"].iloc[0]["theme"] == "facilities"
    assert counts.iloc[0]["section_label"] == "II.3.b. Tồn tại, hạn chế và nguyên nhân"
    table = theme_table(counts, "II.3.b")
    assert table.loc["Cơ sở vật chất, trụ sở, trang thiết bị", "Tổng số đơn vị"] == 3
    assert table.loc["Cơ sở vật chất, trụ sở, trang thiết bị", "Quận, huyện, thị xã"] == 2


def test_quotes_carry_their_unit_prefer_specific_and_distinct(themes):
    quotes = representative_quotes(lesson_sentences(SECTIONS, themes), themes)
    fac = quotes[(quotes["section"] == "II.3.b") & (quotes["theme"] == "facilities")]
    assert len(fac) == 3
    # the one with a figure (30 m2) is the most specific
    assert fac.iloc[0]["unit_name"] == "Huyện Sóc Sơn" and "30 m2" in fac.iloc[0]["quote"]
    assert set(fac["unit_code"]) == {"001", "016", "N01"}
    assert not fac["quote"].str.endswith(":").any()
    sms = quotes[(quotes["section"] == "II.3.d") & (quotes["theme"] == "software")]
    assert sms["quote"].str.contains("SMS").sum() == 1  # two units wrote it: quoted once
    assert sms[sms["quote"].str.contains("SMS")]["same_units"].iloc[0] == 1


def test_initiatives_with_who_runs_them(themes):
    ini = initiatives(SECTIONS, themes)
    assert list(ini["initiative"]) == [
        "Tin nhắn SMS thông báo kết quả giải quyết hồ sơ cho người dân",
        "Tra cứu tình trạng hồ sơ bằng mã QR trên phiếu hẹn."]
    assert ini.iloc[0]["units"] == "Quận Ba Đình; Huyện Sóc Sơn" and ini.iloc[0]["n_units"] == 2
    assert "Phần mềm" in ini.iloc[1]["themes"]


def test_addressees(themes):
    assert addressee_of("Đề nghị UBND Thành phố chỉ đạo các Sở phối hợp", themes) == "thanh_pho"
    assert addressee_of("Đề nghị Sở Tài nguyên và Môi trường hướng dẫn", themes) == "so_nganh"
    assert addressee_of("Kiến nghị Chính phủ sửa đổi Nghị định", themes) == "trung_uong"
    assert addressee_of("Bổ sung biên chế cho bộ phận một cửa", themes) == ""


def test_recommendations_grouped_by_addressee(themes):
    rec = recommendations(SECTIONS, themes)
    by = dict(zip(rec["recommendation"], rec["addressee"], strict=True))
    assert by["Sửa đổi Quyết định số 09/2015/QĐ-TTg cho phù hợp thực tiễn."] == "trung_uong"  # from its header
    assert by["Đầu tư phần mềm một cửa điện tử dùng chung toàn Thành phố."] == "thanh_pho"
    assert by["Đề nghị Sở Nội vụ tổ chức tập huấn kỹ năng giao tiếp cho cán bộ."] == "so_nganh"
    assert by["Kiến nghị Bộ Tài chính sớm ban hành hướng dẫn thống nhất về phí, lệ phí."] == "trung_uong"
    assert by["Đề nghị Văn phòng UBND Thành phố hướng dẫn các bộ phận một cửa dùng chung mẫu phiếu."] == "so_nganh"
    assert list(rec["addressee"]) == sorted(rec["addressee"], key=["trung_uong", "thanh_pho", "so_nganh"].index)
    assert sorted(rec[rec["addressee"] == "thanh_pho"]["units"]) == ["Quận Ba Đình", "Sở Tư pháp"]


def test_write_lessons(tmp_path):
    SECTIONS.assign(text=SECTIONS["text"].where(SECTIONS["unit_code"] != "N01", "=HYPERLINK(\"x\") trụ sở chật hẹp "
                                                "không đủ chỗ ngồi chờ cho người dân"))\
        .to_csv(tmp_path / "sections.csv", index=False, encoding="utf-8-sig")
    paths = write_lessons(tmp_path)
    assert set(paths) == {"lessons_themes", "lessons_quotes", "initiatives", "recommendations"}
    assert paths["lessons_quotes"].read_bytes().startswith(b"\xef\xbb\xbf")
    quotes = pd.read_csv(paths["lessons_quotes"], encoding="utf-8-sig", dtype=str)
    assert not quotes["quote"].str.startswith("=").any()  # neutralised for Excel
    themes_csv = pd.read_csv(paths["lessons_themes"], encoding="utf-8-sig")
    assert {"section", "theme", "tier", "units"} <= set(themes_csv.columns)


def test_write_lessons_without_reports(tmp_path):
    paths = write_lessons(tmp_path)
    assert all(len(pd.read_csv(p, encoding="utf-8-sig")) == 0 for p in paths.values())


def test_a_cause_stays_with_its_shortcoming():
    assert sentences("- Trụ sở xuống cấp. Nguyên nhân: kinh phí hạn hẹp.\n- Thiếu cán bộ.") == [
        "Trụ sở xuống cấp. Nguyên nhân: kinh phí hạn hẹp.", "Thiếu cán bộ."]


def test_notebook_runs_on_a_small_processed_folder(tmp_path):
    import json
    from pathlib import Path

    import nbformat
    import papermill as pm

    from sketket.analysis.checklist import write_checklist
    from sketket.analysis.tracking import write_tracking

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "03_lessons.ipynb"
    saved = nbformat.read(notebook, as_version=4)
    assert saved.metadata.kernelspec.name == "sketket"
    assert [c for c in saved.cells if "parameters" in c.metadata.get("tags", [])]
    assert all(not c.get("outputs") and not c.get("execution_count") for c in saved.cells if c.cell_type == "code")
    assert set(pm.inspect_notebook(str(notebook))) == {"processed_dir", "context_file"}

    processed, raw = tmp_path / "processed", tmp_path / "raw"
    processed.mkdir()
    raw.mkdir()
    SECTIONS.to_csv(processed / "sections.csv", index=False, encoding="utf-8-sig")
    write_lessons(processed)
    write_checklist(processed)
    write_tracking(raw, processed, registry=load_registry(), plan=Plan.load())
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(notebook), str(out), parameters={"processed_dir": str(processed),
                                                             "context_file": ""},
                        kernel_name="sketket", cwd=str(tmp_path), progress_bar=False)
    html = json.dumps(nbformat.read(out, as_version=4).cells, ensure_ascii=False)
    assert "Huyện Sóc Sơn" in html and "30 m2" in html  # a quote with its unit
    assert "Kiến nghị tới: Trung ương" in html
    assert "Tin nhắn SMS thông báo kết quả giải quyết hồ sơ cho người dân" in html
    assert "Chưa nộp" in html  # tracking: units that sent nothing


def test_part_three_headings_addressees_and_difficulties(themes):
    sections = section_rows([("001", "III", "\n".join([
        "Khó khăn, vướng mắc:",
        "- Trụ sở các phường chật hẹp, chưa bố trí được diện tích cho Bộ phận một cửa.",
        "- Biên chế ít, cán bộ phải kiêm nhiệm nhiều việc.",
        "Đối với UBND Thành phố",
        "- Chỉ đạo các Sở, ngành kết nối phần mềm chuyên ngành với phần mềm một cửa điện tử.",
        "- Đề nghị Sở Nội vụ bổ sung biên chế cho Bộ phận một cửa cấp phường.",
        "Kiến nghị với Trung ương",
        "- Sửa đổi Nghị định về kiểm soát thủ tục hành chính cho phù hợp thực tiễn."]))])
    rec = recommendations(sections, themes)
    assert dict(zip(rec["recommendation"], rec["addressee"], strict=True)) == {
        # under the city's heading although it names the departments: they are what it asks the city to do
        "Chỉ đạo các Sở, ngành kết nối phần mềm chuyên ngành với phần mềm một cửa điện tử.": "thanh_pho",
        # asks someone else first: its own addressee
        "Đề nghị Sở Nội vụ bổ sung biên chế cho Bộ phận một cửa cấp phường.": "so_nganh",
        "Sửa đổi Nghị định về kiểm soát thủ tục hành chính cho phù hợp thực tiễn.": "trung_uong",
    }  # the headings are no rows, and the difficulties are kept apart


def test_initiatives_lose_their_bullets_inside_a_line(themes):
    sections = section_rows([("016", "II.3.d", "Các mô hình: - Tin nhắn SMS thông báo kết quả giải quyết hồ sơ; "
                                               "- Tra cứu tình trạng hồ sơ bằng mã QR trên phiếu hẹn.")])
    ini = initiatives(sections, themes)
    assert sorted(ini["initiative"]) == ["Tin nhắn SMS thông báo kết quả giải quyết hồ sơ",
                                         "Tra cứu tình trạng hồ sơ bằng mã QR trên phiếu hẹn."]


def test_a_part_opened_by_its_difficulties_keeps_them_apart(themes):
    sections = section_rows([("S02", "III", "Văn bản của Trung ương thay đổi nhiều, việc công bố TTHC chưa kịp thời.\n"
                                            "4. Đề xuất\nCác Sở, ngành chủ động dự thảo quyết định công bố TTHC.")])
    sections["heading"] = "3. Khó khăn, vướng mắc"  # a report on assigned tasks: its part 3 is read as III
    rec = recommendations(sections, themes)
    assert list(rec["recommendation"]) == ["Các Sở, ngành chủ động dự thảo quyết định công bố TTHC."]


def test_the_addressees_are_named_from_the_runs_registry(tmp_path):
    """A project's registry (paths.registry) names a department the 2017 registry does not have: a
    recommendation to it is to the departments (so_nganh) in what the run writes, not 'không rõ'."""
    from sketket.analysis.lessons import write_lessons
    from sketket.catalog import Catalog
    from sketket.registry import Registry

    Catalog(tmp_path).save("sections", section_rows([
        ("001", "III", "Đề nghị Sở Chuyển đổi số hướng dẫn kết nối phần mềm một cửa.")]))
    own = Registry(pd.DataFrame([{"code": "S99", "tier": "so", "name": "Sở Chuyển đổi số", "parent_code": ""}]))
    write_lessons(tmp_path, registry=own)
    rec = Catalog(tmp_path).load("recommendations")
    assert list(rec["addressee"]) == ["so_nganh"]
    write_lessons(tmp_path)  # the 2017 registry has no such department
    assert list(Catalog(tmp_path).load("recommendations")["addressee"]) == ["khong_ro"]
