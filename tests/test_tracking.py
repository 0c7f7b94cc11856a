"""Submission tracking on a small hand-made city: late, missing, paper and electronic copies."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

from sketket.analysis.tracking import expected_submitters, tracking_summary, write_tracking
from sketket.config import Plan
from sketket.registry import Registry

UNITS = pd.DataFrame([
    {"code": "S02", "tier": "so", "name": "Sở Tư pháp", "parent_code": ""},
    {"code": "S04", "tier": "so", "name": "Sở Tài chính", "parent_code": ""},
    {"code": "S04.01", "tier": "chi_cuc", "name": "Chi cục Tài chính", "parent_code": "S04"},
    {"code": "N01", "tier": "nganh_doc_tp", "name": "Cục Thuế thành phố Hà Nội", "parent_code": ""},
    {"code": "001", "tier": "huyen", "name": "Ba Đình", "name_with_type": "Quận Ba Đình", "parent_code": ""},
    {"code": "016", "tier": "huyen", "name": "Sóc Sơn", "name_with_type": "Huyện Sóc Sơn", "parent_code": ""},
])
SECTION_COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "heading", "text"]


@pytest.fixture()
def registry() -> Registry:
    return Registry(UNITS)


def processed(tmp_path, appendix: list[tuple], reports: list[tuple]):
    out = tmp_path / "processed"
    out.mkdir()
    pd.DataFrame([{"source_file": f, "unit_code": c, "unit_name": n, "tier": t} for f, c, n, t in appendix],
                 columns=["source_file", "unit_code", "unit_name", "tier"]).to_csv(
        out / "appendix.csv", index=False, encoding="utf-8-sig")
    pd.DataFrame([{"source_file": f, "unit_name": n, "unit_code": c, "tier": t, "section": "other", "heading": "",
                   "text": head} for f, c, n, t, head in reports], columns=SECTION_COLUMNS).to_csv(
        out / "sections.csv", index=False, encoding="utf-8-sig")
    return out


def submission_log(tmp_path, rows: list[tuple[str, str, str, str, str]]):
    """The raw folder holding the Sở's log of what came (unit code, name, document, channel, date)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame(rows, columns=["unit_code", "unit_name", "document", "channel", "date"]).to_csv(
        raw / "nhat-ky-nop-bao-cao.csv", index=False, encoding="utf-8-sig")
    return raw


def touch(raw, rel: str, day: dt.date) -> None:
    path = raw / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    t = dt.datetime.combine(day, dt.time(9)).timestamp()
    os.utime(path, (t, t))


def test_expected_submitters_include_the_vien_and_assigned_tasks(registry):
    exp = expected_submitters(registry).set_index("code")
    assert list(exp.index) == ["S02", "S04", "N01", "001", "016", "VIEN"]
    assert exp.loc["VIEN", "documents"] == ["bao_cao_nhiem_vu"]
    assert exp.loc["S02", "assigned_task"] and exp.loc["S04", "assigned_task"]
    assert not exp.loc["N01", "assigned_task"]
    assert exp.loc["S04", "documents"] == ["phu_luc", "bao_cao", "bao_cao_nhiem_vu"]


def test_tracking_from_the_submission_log(tmp_path, registry):
    raw = submission_log(tmp_path, [
        ("S02", "Sở Tư pháp", "phu_luc", "dien_tu", "20/08/2017"),
        ("S02", "Sở Tư pháp", "phu_luc", "giay", "22/08/2017"),
        ("S02", "Sở Tư pháp", "bao_cao", "dien_tu", "28/08/2017"),
        ("S02", "Sở Tư pháp", "bao_cao", "giay", "30/08/2017"),  # the deadline day itself is on time
        ("S02", "Sở Tư pháp", "bao_cao_nhiem_vu", "dien_tu", "05/09/2017"),
        ("S02", "Sở Tư pháp", "bao_cao_nhiem_vu", "giay", "05/09/2017"),
        ("001", "Quận Ba Đình", "phu_luc", "dien_tu", "01/09/2017"),
        ("001", "Quận Ba Đình", "bao_cao", "dien_tu", "25/08/2017"),
        ("N01", "Cục Thuế thành phố Hà Nội", "phu_luc", "dien_tu", "29/08/2017"),
        ("N01", "Cục Thuế thành phố Hà Nội", "phu_luc", "giay", "29/08/2017"),
        ("", "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội", "bao_cao_nhiem_vu", "giay", "29/08/2017"),
    ])
    out = processed(tmp_path, appendix=[
        ("so/tu-phap.xlsx", "S02", "Sở Tư pháp", "so"),
        ("so/tu-phap.xlsx", "S02.01", "Chi cục", "chi_cuc"),
        ("quan/ba-dinh.xlsx", "001", "Quận Ba Đình", "huyen"),
        ("nd/thue.xlsx", "N01", "Cục Thuế thành phố Hà Nội", "nganh_doc_tp"),
    ], reports=[
        ("so/tu-phap.docx", "S02", "Sở Tư pháp", "so", "SỞ TƯ PHÁP BÁO CÁO Sơ kết"),
        ("nhiem-vu/tp.docx", "S02", "Sở Tư pháp", "so", "BÁO CÁO Kết quả thực hiện nhiệm vụ được giao"),
        ("quan/ba-dinh.docx", "001", "Quận Ba Đình", "huyen", "UBND QUẬN BA ĐÌNH"),
        ("la.docx", "", "Công ty ABC", "", "CÔNG TY ABC"),
    ])
    path = write_tracking(raw, out, registry=registry, plan=Plan.load())
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("unit_name")
    s02 = df.loc["Sở Tư pháp"]
    assert (s02["status"], s02["days_late"], s02["paper"]) == ("late", "6", "Có")
    assert s02["phu_luc_file"] == "so/tu-phap.xlsx" and s02["bao_cao_nhiem_vu_file"] == "nhiem-vu/tp.docx"
    assert s02["phu_luc_date"] == "20/08/2017" and s02["phu_luc_channels"] == "điện tử; giấy"
    ba_dinh = df.loc["Quận Ba Đình"]
    assert (ba_dinh["status"], ba_dinh["missing"], ba_dinh["days_late"]) == ("incomplete", "bản giấy", "2")
    assert df.loc["Cục Thuế thành phố Hà Nội", "missing"] == "Báo cáo sơ kết"
    assert df.loc["Huyện Sóc Sơn", "status"] == "missing" and df.loc["Huyện Sóc Sơn", "status_label"] == "Chưa nộp"
    assert df.loc["Sở Tài chính", "status"] == "missing"
    vien = df.loc["Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội"]
    assert (vien["unit_code"], vien["status"], vien["missing"]) == ("VIEN", "incomplete", "bản điện tử")
    assert (vien["paper"], vien["electronic"]) == ("Có", "Không")
    assert df.loc["Công ty ABC", "status"] == "unexpected"
    summary = tracking_summary(df.reset_index())
    assert summary.loc["Tổng số", "Chưa nộp"] == 2 and summary.loc["Quận, huyện, thị xã", "Tổng số"] == 2
    # the tiers in the order of every other table (Sở, ngành dọc, quận), other groups after, the total last
    rows = list(summary.index)
    assert rows[-1] == "Tổng số" and rows.index("Sở, cơ quan tương đương Sở") < rows.index("Quận, huyện, thị xã")
    assert all(rows.index(r) > rows.index("Quận, huyện, thị xã") for r in rows if r not in (
        "Sở, cơ quan tương đương Sở", "Cơ quan ngành dọc đặt tại Thành phố", "Quận, huyện, thị xã"))


def test_tracking_from_file_dates_without_a_log(tmp_path, registry):
    raw = tmp_path / "raw"
    touch(raw, "quan/ba-dinh.xlsx", dt.date(2017, 8, 29))
    touch(raw, "quan/ba-dinh.docx", dt.date(2017, 8, 31))
    touch(raw, "quan/soc-son.xlsx", dt.date(2017, 8, 15))
    touch(raw, "quan/soc-son.odt", dt.date(2017, 8, 16))
    out = processed(tmp_path, appendix=[
        ("quan/ba-dinh.xlsx", "001", "Quận Ba Đình", "huyen"),
        ("quan/soc-son.xlsx", "016", "Huyện Sóc Sơn", "huyen"),
    ], reports=[
        ("quan/ba-dinh.docx", "001", "Quận Ba Đình", "huyen", "UBND QUẬN BA ĐÌNH"),
        ("quan/soc-son.odt", "016", "Huyện Sóc Sơn", "huyen", "UBND HUYỆN SÓC SƠN"),
    ])
    df = pd.read_csv(write_tracking(raw, out, registry=registry, plan=Plan.load()), dtype=str, keep_default_na=False,
                     encoding="utf-8-sig").set_index("unit_code")
    assert (df.loc["001", "status"], df.loc["001", "days_late"], df.loc["001", "bao_cao_date"]) == \
        ("late", "1", "31/08/2017")
    assert (df.loc["016", "status"], df.loc["016", "paper"], df.loc["016", "missing"]) == ("on_time", "Không rõ", "")
    assert df.loc["N01", "status"] == "missing"


def test_a_unit_whose_only_file_could_not_be_read_has_sent_something(tmp_path, registry):
    """Sở Tư pháp's table was corrupt: tracking said "Chưa nộp"; it is now "Đã gửi, tệp không đọc được", with
    the file named, so that the unit is asked to send it again rather than chased for a table it sent."""
    raw = tmp_path / "raw"
    touch(raw, "quan/ba-dinh.xlsx", dt.date(2017, 8, 29))
    touch(raw, "so/PL1 - So Tu phap.xlsx", dt.date(2017, 8, 20))
    out = processed(tmp_path, appendix=[("quan/ba-dinh.xlsx", "001", "Quận Ba Đình", "huyen")], reports=[])
    pd.DataFrame({"source_file": ["quan/ba-dinh.xlsx", "so/PL1 - So Tu phap.xlsx"], "status": ["ingested", "rejected"],
                  "form": ["III", ""], "reason": ["", "Tệp hỏng"], "unit_rows": [1, 0], "errors": [0, 1],
                  "warnings": [0, 0]}).to_csv(out / "files.csv", index=False, encoding="utf-8-sig")
    df = pd.read_csv(write_tracking(raw, out, registry=registry, plan=Plan.load()), dtype=str, keep_default_na=False,
                     encoding="utf-8-sig").set_index("unit_code")
    assert (df.loc["S02", "status"], df.loc["S02", "status_label"]) == ("unreadable", "Đã gửi, tệp không đọc được")
    assert df.loc["S02", "unreadable_files"] == "so/PL1 - So Tu phap.xlsx"
    assert (df.loc["S04", "status"], df.loc["S04", "unreadable_files"]) == ("missing", "")


def test_a_paper_copy_after_the_deadline_makes_the_unit_late(tmp_path, registry):
    """The plan asks for the paper and the electronic copy by 30/08/2017: an electronic report on time with its
    paper copy on 01/09 was "Đủ, đúng hạn"; it is late by 2 days, complete on the day the paper came."""
    raw = submission_log(tmp_path, [
        ("N01", "Cục Thuế thành phố Hà Nội", "phu_luc", "dien_tu", "25/08/2017"),
        ("N01", "Cục Thuế thành phố Hà Nội", "phu_luc", "giay", "26/08/2017"),
        ("N01", "Cục Thuế thành phố Hà Nội", "bao_cao", "dien_tu", "29/08/2017"),
        ("N01", "Cục Thuế thành phố Hà Nội", "bao_cao", "giay", "01/09/2017"),
    ])
    out = processed(tmp_path, appendix=[("nd/thue.xlsx", "N01", "Cục Thuế thành phố Hà Nội", "nganh_doc_tp")],
                    reports=[("nd/thue.docx", "N01", "Cục Thuế thành phố Hà Nội", "nganh_doc_tp", "CỤC THUẾ")])
    df = pd.read_csv(write_tracking(raw, out, registry=registry, plan=Plan.load()), dtype=str, keep_default_na=False,
                     encoding="utf-8-sig").set_index("unit_code")
    thue = df.loc["N01"]
    assert (thue["status"], thue["days_late"], thue["first_date"], thue["complete_date"]) == (
        "late", "2", "25/08/2017", "01/09/2017")
    from sketket.outputs.packs import Tables, submission_html

    t = Tables(tmp_path / "nothing-else")
    t._cache["submissions"] = df.reset_index()
    html = submission_html(t, "N01")
    assert ("ngày gửi đầu tiên 25/08/2017; nhận đủ ngày 01/09/2017; chậm 2 ngày so với hạn (tính theo bản đến "
            "sau cùng).") in html


def test_a_corrected_resend_does_not_make_the_unit_late(tmp_path, registry):
    """Ba Đình sent its table on 29/08 and the corrected one on 05/09: its first sending is 29/08 (on time), not
    the correction's day (which made it "late 6 days" in the packs and the draft)."""
    from sketket.analysis.awards import FINDING_COLUMNS

    raw = tmp_path / "raw"
    touch(raw, "quan/ba-dinh.xlsx", dt.date(2017, 8, 29))
    touch(raw, "quan/ba-dinh (sua).xlsx", dt.date(2017, 9, 5))
    touch(raw, "quan/ba-dinh.docx", dt.date(2017, 8, 29))
    out = processed(tmp_path, appendix=[("quan/ba-dinh (sua).xlsx", "001", "UBND quận Ba Đình", "huyen")],
                    reports=[("quan/ba-dinh.docx", "001", "Quận Ba Đình", "huyen", "UBND QUẬN BA ĐÌNH")])
    pd.DataFrame([{**dict.fromkeys(FINDING_COLUMNS, ""), "source_file": "quan/ba-dinh.xlsx", "rule": "duplicate_unit",
                   "severity": "warning", "unit_name": "UBND quận Ba Đình", "value": "quan/ba-dinh (sua).xlsx",
                   "message": "Đơn vị có ở hai tệp"}], columns=FINDING_COLUMNS).to_csv(
        out / "findings.csv", index=False, encoding="utf-8-sig")
    df = pd.read_csv(write_tracking(raw, out, registry=registry, plan=Plan.load()), dtype=str, keep_default_na=False,
                     encoding="utf-8-sig").set_index("unit_code")
    assert (df.loc["001", "status"], df.loc["001", "first_date"], df.loc["001", "days_late"]) == (
        "on_time", "29/08/2017", "")


def test_a_log_past_its_bound_is_not_parsed_and_the_file_dates_are_used(tmp_path, registry, caplog, monkeypatch):
    """The submission log is read whole by pandas: a file of that name larger than log_max_bytes (a unit's
    upload bearing the name, a dump) is said and left unparsed, the files' own dates standing in."""
    from sketket.analysis import tracking

    raw = submission_log(tmp_path, [("001", "Quận Ba Đình", "phu_luc", "dien_tu", "01/09/2017")])
    touch(raw, "quan/ba-dinh.xlsx", dt.date(2017, 8, 29))
    assert tracking.read_log(raw) is not None
    monkeypatch.setitem(tracking._config(), "log_max_bytes", 10)
    with caplog.at_level("WARNING"):
        assert tracking.read_log(raw) is None
    assert "vượt giới hạn 10 (log_max_bytes" in caplog.text
