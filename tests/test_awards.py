import copy

import pandas as pd
import pytest
import yaml
from indicators_data import appendix, finding, registry, unit

from sketket.analysis.awards import load_awards_config, shortlist, unit_errors
from sketket.analysis.indicators import unit_indicators

XUAN = "quan-xuan.xlsx"


def _commune(name: str, one_stop: int, received: int, on_time: int, online: int) -> dict:
    return unit(name, "", "xa", "Quận Xuân", source=XUAN,
                figures=(20, 50, one_stop, received, on_time, received - on_time, online, 0))


@pytest.fixture()
def units() -> pd.DataFrame:
    rows = [
        unit("Quận Xuân", "001", "huyen", source=XUAN, figures=(80, 100, 100, 5000, 4999, 1, 10, 3)),
        unit("Huyện Thu", "002", "huyen", source="huyen-thu.xlsx", figures=(60, 100, 100, 3000, 3000, 0, 2, 0)),
        _commune("Phường A", 50, 1000, 998, 6),   # 99,8 %: every criterion met
        _commune("Phường B", 50, 1000, 994, 6),   # 99,4 %
        _commune("Phường C", 49, 500, 500, 1),    # 49 of 50 procedures under the one-stop mechanism
        _commune("Phường D", 50, 80, 80, 1),      # too few dossiers to judge the on-time rate
        _commune("Phường E", 50, 1000, 1000, 1),  # online services not above the tier's median (3,5)
        _commune("Phường F", 50, 1000, 1000, 6),  # an error left in its row
        unit("Phường G", "", "xa", "Quận Xuân", source=XUAN),  # sent empty
    ]
    return unit_indicators(appendix(rows), registry())


@pytest.fixture()
def findings() -> pd.DataFrame:
    return pd.DataFrame([
        finding(XUAN, "Phường F", "sum_mismatch", cell="G14", message="Đúng hạn + quá hạn ≠ đã nhận"),
        finding(XUAN, "Phường A", "area_missing", severity="warning"),
        finding("huyen-khac.xlsx", "Phường A", "sum_mismatch"),
    ])


def _by_name(awards: pd.DataFrame) -> pd.DataFrame:
    return awards.set_index("unit_name")


def test_default_criteria(units, findings):
    awards = _by_name(shortlist(units, findings))
    assert set(awards.index[awards.shortlisted]) == {"Phường A"}
    a = awards.loc["Phường A"]
    assert a.criteria_missed == ""
    assert "Tỷ lệ hồ sơ giải quyết đúng hạn 99,8% (998/1.000 hồ sơ), đạt mức 99,5%." in a.reasons
    assert "100,0% số TTHC thuộc thẩm quyền (50/50 TTHC)" in a.reasons
    assert "Có 6 dịch vụ công trực tuyến mức độ 3, 4, cao hơn trung vị của nhóm (3,5)." in a.reasons
    # a commune answers for its own row of the district's table, and is said to (the district's has an error)
    assert "Dòng số liệu của đơn vị trong biểu không có lỗi." in a.reasons
    assert awards.loc["Phường B"].criteria_missed == (
        "Tỷ lệ hồ sơ giải quyết đúng hạn 99,4% (994/1.000 hồ sơ), dưới mức 99,5%.")
    assert "Mới có 98,0% số TTHC thuộc thẩm quyền (49/50 TTHC)" in awards.loc["Phường C"].criteria_missed
    assert awards.loc["Phường D"].criteria_missed.startswith("Chỉ nhận 80 hồ sơ, chưa đủ 100 hồ sơ")
    assert "không cao hơn trung vị của nhóm (3,5)" in awards.loc["Phường E"].criteria_missed
    assert awards.loc["Phường F"].criteria_missed == (
        "Dòng số liệu của đơn vị trong biểu còn 1 lỗi chưa sửa (đúng hạn + quá hạn ≠ tổng số hồ sơ đã nhận).")
    assert "Chưa có số liệu để xét tiêu chí “Tỷ lệ hồ sơ giải quyết đúng hạn”." in awards.loc["Phường G"].criteria_missed
    # the district answers for the error in its table; Huyện Thu's 2 online services are below the median 6
    assert "Biểu số liệu còn 1 lỗi" in awards.loc["Quận Xuân"].criteria_missed
    assert awards.loc["Quận Xuân"].reasons.startswith("Tỷ lệ hồ sơ giải quyết đúng hạn 99,98% (4.999/5.000")
    assert "không cao hơn trung vị của nhóm (6)" in awards.loc["Huyện Thu"].criteria_missed
    assert list(shortlist(units, findings).columns) == [
        "unit_name", "unit_code", "tier", "shortlisted", "reasons", "criteria_missed"]
    assert shortlist(units, findings).iloc[0]["unit_name"] == "Phường A"  # shortlisted first


def test_shortlist_follows_config(units, findings):
    config = copy.deepcopy(load_awards_config())
    config["criteria"][0]["min_pct"] = 99.0
    assert set(_by_name(shortlist(units, findings, config)).query("shortlisted").index) == {
        "Phường A", "Phường B"}
    config["criteria"] = [c for c in config["criteria"] if c["kind"] != "no_errors"]
    assert set(_by_name(shortlist(units, findings, config)).query("shortlisted").index) == {
        "Phường A", "Phường B", "Phường F", "Quận Xuân"}
    config["criteria"][0]["min_dossiers"] = 50
    d = _by_name(shortlist(units, findings, config)).loc["Phường D"]
    assert d.reasons.startswith("Tỷ lệ hồ sơ giải quyết đúng hạn 100,0% (80/80 hồ sơ)")
    config["tiers"] = ["huyen"]
    assert set(shortlist(units, findings, config)["unit_name"]) == {"Quận Xuân", "Huyện Thu"}


def test_config_file_from_disk(units, findings, tmp_path):
    config = load_awards_config()
    config["criteria"] = [c for c in config["criteria"] if c["id"] == "one_stop_all"]
    config["criteria"][0]["min_pct"] = 98
    path = tmp_path / "awards.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    awards = _by_name(shortlist(units, findings, load_awards_config(path)))
    assert set(awards.index[awards.shortlisted]) == {"Quận Xuân", "Huyện Thu", "Phường A", "Phường B",
                                                     "Phường C", "Phường D", "Phường E", "Phường F"}


def test_unknown_criterion_kind_is_refused(units):
    config = copy.deepcopy(load_awards_config())
    config["criteria"].append({"id": "x", "kind": "satisfaction"})
    with pytest.raises(ValueError, match="satisfaction"):
        shortlist(units, None, config)


def test_unit_errors_count_only_errors_of_the_units_table(units, findings):
    errors = units[["unit_name"]].join(unit_errors(units, findings)).set_index("unit_name")["errors"]
    assert errors["Phường F"] == 1
    assert errors["Quận Xuân"] == 1  # the submitter answers for its communes' rows
    assert errors["Phường A"] == 0   # a warning, and an error in another district's file
    assert errors["Huyện Thu"] == 0


def _reconciliation(code: str, reported: int, logged: int, status: str) -> dict:
    gap = reported - logged
    return {"unit_code": code, "reported_received": reported, "log_received": logged,
            "reported_on_time": reported, "log_on_time": logged, "reported_overdue": 0, "log_overdue": 0,
            "diff_received": gap, "diff_on_time": gap, "diff_overdue": 0,
            "diff_received_pct": 100 * abs(gap) / logged, "status": status, "unit_name": code, "tier": "huyen",
            "message": f"Biểu báo cáo {reported} hồ sơ; phần mềm một cửa ghi nhận {logged}"}


def test_a_table_that_differs_from_its_dossier_log_holds_the_award(units, findings):
    config = copy.deepcopy(load_awards_config())
    config["criteria"] = [c for c in config["criteria"] if c["kind"] in ("one_stop_share", "log_agrees")]
    rec = pd.DataFrame([_reconciliation("001", 5000, 4700, "differs"), _reconciliation("002", 3000, 2998, "agrees")])
    awards = _by_name(shortlist(units, findings, config, rec))
    xuan = awards.loc["Quận Xuân"]
    assert not xuan.shortlisted
    assert xuan.criteria_missed == (
        "Số liệu Phụ lục khác sổ theo dõi hồ sơ của phần mềm một cửa (biểu báo cáo 5000 hồ sơ; phần mềm một cửa "
        "ghi nhận 4700; đúng hạn: biểu 5.000, phần mềm 4.700): chưa xét khen thưởng cho đến khi đơn vị đối chiếu "
        "và giải trình.")
    thu = awards.loc["Huyện Thu"]
    assert thu.shortlisted and "Số liệu Phụ lục khớp sổ theo dõi hồ sơ của phần mềm một cửa." in thu.reasons
    # a unit without a log is neither held nor praised by the criterion
    a = awards.loc["Phường A"]
    assert a.shortlisted and "sổ theo dõi" not in a.reasons + a.criteria_missed
    # without the logs' dataset, nobody is held
    assert _by_name(shortlist(units, findings, config)).loc["Quận Xuân"].shortlisted


def test_a_report_that_says_apologies_were_sent_in_part_holds_the_award(units, findings):
    """Quận Thanh Xuân's report said "Đã gửi 650/1.488 thư xin lỗi" and it was shortlisted: what a unit's own
    report says of an outline item (checklist) now holds the award when it is "Không" or "Một phần"."""
    config = copy.deepcopy(load_awards_config())
    config["criteria"] = [c for c in config["criteria"] if c["kind"] in ("one_stop_share", "report_says")]
    said = "Trong kỳ có 1.488 hồ sơ quá hạn, đơn vị đã gửi 650/1.488 thư xin lỗi tổ chức, cá nhân."
    checklist = pd.DataFrame({"unit_code": ["001", "002", "001"], "item": ["h_xin_loi", "h_xin_loi", "k_khao_sat"],
                              "value": ["Một phần", "Có", "Không"], "evidence": [said, "Đã gửi đủ thư xin lỗi.", ""]})
    awards = _by_name(shortlist(units, findings, config, checklist=checklist))
    xuan = awards.loc["Quận Xuân"]
    assert not xuan.shortlisted
    assert xuan.criteria_missed == (
        f"Báo cáo của đơn vị nêu việc xin lỗi tổ chức, cá nhân khi hồ sơ quá hạn: một phần (“{said}”); chưa xét "
        "khen thưởng cho đến khi đơn vị thực hiện đủ.")
    assert awards.loc["Huyện Thu"].shortlisted  # "Có": not held, and nothing said
    assert "xin lỗi" not in awards.loc["Huyện Thu"].reasons
    assert awards.loc["Phường A"].shortlisted  # no report read: neither held nor praised
    assert _by_name(shortlist(units, findings, config)).loc["Quận Xuân"].shortlisted  # without the checklist


def test_figures_kept_from_an_earlier_file_hold_the_award_of_every_unit_in_it(units, findings):
    """The inspector's finding: four district branches of BHXH were shortlisted on figures from the file their
    agency had meant to replace (its later file could not be opened). Every unit of that file is held, with the
    later file named; the units of other files are not."""
    config = copy.deepcopy(load_awards_config())
    assert "current_file" in [c["kind"] for c in config["criteria"]]
    older = pd.concat([findings, pd.DataFrame([finding(XUAN, "Quận Xuân", "resend_unreadable", severity="warning",
                                                       cell="", value="quan-xuan-sua.xlsx")])], ignore_index=True)
    before, after = _by_name(shortlist(units, findings, config)), _by_name(shortlist(units, older, config))
    assert before.loc["Phường A"].shortlisted and not after.loc["Phường A"].shortlisted
    assert after.loc["Phường A"].criteria_missed == (
        'Số liệu đang lấy từ tệp gửi trước: tệp gửi sau ("quan-xuan-sua.xlsx") không mở được; chưa xét khen thưởng '
        "cho đến khi đơn vị gửi lại.")
    # a unit of another file: the same verdict, nothing said of files
    assert before.loc["Huyện Thu"].equals(after.loc["Huyện Thu"])
    assert "tệp gửi trước" not in after.loc["Huyện Thu"].reasons + after.loc["Huyện Thu"].criteria_missed
