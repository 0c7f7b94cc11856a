"""Figures a leader can trust, end to end on submissions the test writes: a unit awaiting correction is left out
of every aggregate and shown marked in its own pack; no impossible value reaches any output; every figure says its
scope, the same in the index and the packs; the plan of sketket.yml reaches every document; raw data is never
written."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from pack_data import _figures

from sketket.catalog import Catalog

pytestmark = pytest.mark.slow

PLAN = {"plan_number": "999", "plan_date": "2017-08-21", "report_deadline": "2017-09-06"}
GATED = "Phường Quán Thánh"  # its table says 6.653 overdue of 6.630 received


def _raw(raw: Path) -> Path:
    from sketket.outputs.writer import write_filled

    raw.mkdir(parents=True)
    write_filled("I", raw / "so-noi-vu.xlsx", {"unit_name": "Sở Nội vụ", **_figures("I", 12000, 6)},
                 [{"unit_name": "Ban Thi đua - Khen thưởng", **_figures("I", 800, 40)}])
    write_filled("III", raw / "quan-ba-dinh.xlsx", {"unit_name": "Quận Ba Đình", **_figures("III", 56000, 300)},
                 [{"unit_name": "Phường Phúc Xá", **_figures("III", 4000, 10)},
                  {"unit_name": "Phường Trúc Bạch", **_figures("III", 3500, 40)},
                  {"unit_name": GATED, **_figures("III", 6630, 6653)}])
    (raw / "bao-cao").mkdir()
    (raw / "bao-cao" / "Báo cáo sơ kết - Quận Ba Đình.txt").write_text(
        "UBND QUẬN BA ĐÌNH\nBÁO CÁO\nSơ kết thực hiện Quyết định số 07/2016/QĐ-UBND\n"
        "I. ĐẶC ĐIỂM TÌNH HÌNH\nQuận có 14 phường.\nIII. KIẾN NGHỊ, ĐỀ XUẤT\n"
        "- Đề nghị UBND Thành phố đầu tư trang thiết bị cho Bộ phận một cửa.\n", encoding="utf-8")
    return raw


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from sketket.cli import main

    base = tmp_path_factory.mktemp("trust")
    raw = _raw(base / "raw")
    before = _digest(raw)
    config = base / "sketket.yml"
    config.write_text(yaml.safe_dump({
        "paths": {"raw": "raw", "processed": "processed", "reports": "reports", "demo": "demo"},
        "plan": PLAN,
        "run": {"workers": 2, "packs": {"clean": True, "indicators": True, "lessons": True, "city": True,
                                         "districts": ["001"], "departments": ["S01"], "verticals": []}},
    }, allow_unicode=True), encoding="utf-8")
    code = main(["run", "--config", str(config)])
    return code, base, before


def _texts(reports: Path) -> dict[str, str]:
    """Every page, workbook cell and CSV a run published, as text."""
    out: dict[str, str] = {}
    latest = reports / "latest"
    for page in latest.rglob("*.html"):
        out[page.relative_to(latest).as_posix()] = page.read_text(encoding="utf-8")
    out["index.html"] = (reports / "latest" / "index.html").read_text(encoding="utf-8")
    for book in list(reports.glob("*.xlsx")) + list((reports / "tra-lai").glob("*.xlsx")):
        wb = load_workbook(book, read_only=True)
        out[book.name] = "\n".join(" ".join("" if v is None else str(v) for v in row)
                                   for ws in wb.worksheets for row in ws.iter_rows(values_only=True))
        wb.close()
    return out


def test_the_run_completes_and_raw_data_is_byte_identical(run):
    code, base, before = run
    assert code == 0
    assert _digest(base / "raw") == before  # nothing written, renamed or added under raw/
    assert not (base / "raw" / "demo").exists()


def test_the_unit_awaiting_correction_is_left_out_of_every_aggregate(run):
    _, base, _ = run
    cat = Catalog(base / "processed")
    units = cat.load("indicators_units").set_index("unit_name")
    assert units.loc[GATED, "data_status"] == "awaiting_correction"
    assert "overdue_exceeds_received" not in units.loc[GATED, "correction_cells"]  # the message, not the id
    assert re.search(r"[A-Z]+\d+: ", units.loc[GATED, "correction_cells"])  # the cell to fix
    assert pd.isna(units.loc[GATED, "on_time_rate"]) and pd.isna(units.loc[GATED, "rank_in_tier"])
    tiers = cat.load("indicators_tiers").set_index("tier")
    # communes: Phúc Xá and Trúc Bạch only (7.500 received, 7.450 on time); Quán Thánh's 6.630 left out
    assert tiers.loc["xa", "dossiers_received"] == 7500 and tiers.loc["xa", "units_awaiting_correction"] == 1
    assert tiers.loc["xa", "on_time_rate"] == pytest.approx(100 * 7450 / 7500)
    assert tiers.loc["city", "units_awaiting_correction"] == 1
    district = cat.load("indicators_districts").set_index("unit_code").loc["001"]
    assert district["dossiers_received"] == 56000 + 7500
    awards = cat.load("awards").set_index("unit_name")
    assert not awards.loc[GATED, "shortlisted"] and "chờ sửa" in awards.loc[GATED, "criteria_missed"]
    dist = cat.load("indicators_distribution")
    assert dist.loc[(dist["tier"] == "xa") & (dist["indicator"] == "on_time_rate"), "units"].item() == 2


def test_no_impossible_value_reaches_any_output(run):
    _, base, _ = run
    texts = _texts(base / "reports")
    for name, text in texts.items():
        assert not re.search(r"-\d+(,\d+)?\s?%", text), name  # a negative rate
        for m in re.finditer(r"(\d{1,3}(?:\.\d{3})*),(\d)\s?%", text):
            assert int(m.group(1).replace(".", "")) <= 100, (name, m.group(0))  # no rate over 100 %
    city = texts["city/thanh-pho-ha-noi.html"]
    ranking = city.split("Đơn vị dẫn đầu")[1].split("Số liệu đang chờ sửa")[0]
    assert GATED not in ranking  # not ranked, not among the best or the weakest
    # the consolidated workbook keeps the commune's name with the note, not its figures
    book = load_workbook(base / "reports" / "tong-hop-phu-luc.xlsx", read_only=True)
    rows = [r for ws in book.worksheets for r in ws.iter_rows(values_only=True) if GATED in r]
    assert rows and all(6653 not in r and 6630 not in r for r in rows)
    assert any("chờ sửa" in str(v) for r in rows for v in r)
    csvs = {p.name: p.read_text(encoding="utf-8-sig") for p in (base / "processed").glob("indicators_*.csv")}
    assert all("6653" not in text for text in csvs.values())


def test_the_unit_pack_shows_its_figures_marked_and_the_cells_to_fix(run):
    _, base, _ = run
    page = (base / "reports" / "latest" / "district" / "001-quan-ba-dinh.html").read_text(encoding="utf-8")
    section = page.split("Số liệu đang chờ sửa")[1]
    assert GATED in section and "6.653" in section and "6.630" in section and "đang chờ sửa" in section
    assert "trang của một đơn vị" not in page  # the notebook's note for the analyst
    assert "không gồm 1 đơn vị có số liệu đang chờ sửa" in page
    return_list = next((base / "reports" / "tra-lai").glob("*ba-dinh*.xlsx"))
    text = _texts(base / "reports")[return_list.name]
    assert "6653" in text or "6.653" in text


def test_scope_and_value_are_the_same_in_the_index_and_the_packs(run):
    _, base, _ = run
    index = (base / "reports" / "latest" / "index.html").read_text(encoding="utf-8")
    latest = base / "reports" / "latest"
    district = (latest / "district" / "001-quan-ba-dinh.html").read_text(encoding="utf-8")
    city = (latest / "city" / "thanh-pho-ha-noi.html").read_text(encoding="utf-8")
    family = Catalog(base / "processed").load("indicators_districts").set_index("unit_code").loc["001"]
    from sketket.clean import format_percent

    rate = format_percent(family["on_time_rate"])
    scope = "Phạm vi: Quận Ba Đình cùng các đơn vị trực thuộc"
    assert scope in district and rate in district
    row = index.split("001-quan-ba-dinh.html")[1].split("</tr>")[0]
    assert f"Hồ sơ giải quyết đúng hạn: <b>{rate}</b>" in row and scope in row
    # the city pack ranks the district on its own counter, and says so
    assert "Bộ phận một cửa của chính đơn vị" in city
    # like with like: the district with its communes beside all districts with theirs
    assert "Quận, huyện, thị xã cùng xã, phường, thị trấn" in district


def test_the_plan_of_sketket_yml_reaches_every_document(run):
    _, base, _ = run
    texts = _texts(base / "reports")
    pages = [n for n in texts if n.endswith(".html")]
    assert len(pages) >= 8
    for name in pages:
        assert "Kế hoạch số 999/KH-UBND ngày 21/08/2017" in texts[name], name
        assert "06/09/2017" in texts[name], name
    assert "Kế hoạch số 999/KH-UBND ngày 21 tháng 8 năm 2017" in texts["tong-hop-phu-luc.xlsx"]
    returns = [n for n in texts if n not in pages and n != "tong-hop-phu-luc.xlsx"]
    assert returns
    for name in returns:
        assert "Kế hoạch số 999/KH-UBND ngày 21/08/2017" in texts[name] and "06/09/2017" in texts[name], name
    lessons = texts["analysis/bai-hoc-kinh-nghiem.html"]
    assert "Hạn gửi báo cáo (bản giấy và bản điện tử): <b>06/09/2017</b>" in lessons
    subs = Catalog(base / "processed").load("submissions")
    assert set(subs["report_deadline"]) == {"06/09/2017"}
    context = json.loads(next((base / "reports" / "latest").glob("context.json")).read_text(encoding="utf-8"))
    assert context["plan"]["plan_number"] == "999"
    assert zipfile.is_zipfile(base / "reports" / "tong-hop-phu-luc.xlsx")
