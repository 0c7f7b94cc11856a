import copy

import pandas as pd
import pytest
from indicators_data import appendix, registry, unit, write_processed

from sketket.analysis.indicators import (
    completeness,
    distribution,
    district_indicators,
    far_below,
    format_rate,
    leaders,
    load_appendix,
    load_config,
    parent_indicators,
    rank_in_tier,
    ranked_names,
    tier_indicators,
    unit_indicators,
    unit_table,
)


@pytest.fixture(scope="module")
def reg():
    return registry()


@pytest.fixture(scope="module")
def units(reg):
    return unit_indicators(appendix(), reg)


def _row(df: pd.DataFrame, column: str, value: str) -> pd.Series:
    return df.set_index(column).loc[value]


def test_load_appendix_keeps_codes_as_text_and_counts_as_integers(tmp_path):
    df = load_appendix(write_processed(tmp_path))
    assert list(df["unit_code"]) == ["S01", "S01.01", "S02", "N01", "N01.001", "001", "00001", "00002", ""]
    assert str(df["dossiers_received"].dtype) == "Int64"
    assert df.loc[df.unit_code == "00002", "dossiers_received"].item() == 1000
    assert df.loc[df.unit_code == "N01.001", "tthc_total"].isna().item()


def test_unit_rates(units):
    p2 = _row(units, "unit_code", "00002")
    assert p2["one_stop_share"] == pytest.approx(90.0)  # 36 / 40
    assert p2["on_time_rate"] == pytest.approx(90.0)  # 900 / 1000
    assert p2["overdue_rate"] == pytest.approx(10.0)
    assert p2["online_share"] == pytest.approx(5.0)  # 2 / 40
    assert p2["parent_code"] == "001"
    empty = _row(units, "unit_code", "N01.001")
    assert not empty["has_figures"] and pd.isna(empty["on_time_rate"])
    # the unmatched commune is placed in its district through its parent's name
    assert _row(units, "unit_name", "Phường Lạ")["parent_code"] == "001"


def test_tier_sums_rates_and_coverage(units, reg):
    tiers = tier_indicators(units, reg).set_index("tier")
    so = tiers.loc["so"]
    assert (so.units_expected, so.units_reporting, so.units_without_figures) == (2, 2, 0)
    assert so.area_m2 == 80 and so.tthc_total == 300 and so.tthc_one_stop == 300
    assert (so.dossiers_received, so.dossiers_on_time, so.dossiers_overdue) == (7000, 6989, 11)
    assert (so.online_services_l34, so.postal_tthc) == (50, 100)
    assert so.on_time_rate == pytest.approx(100 * 6989 / 7000)
    assert so.one_stop_share == pytest.approx(100.0)
    assert so.online_share == pytest.approx(100 * 50 / 300)
    nh = tiers.loc["nganh_doc_huyen"]
    assert (nh.units_expected, nh.units_reporting, nh.units_without_figures) == (1, 0, 1)
    assert pd.isna(nh.dossiers_received) and pd.isna(nh.on_time_rate)
    xa = tiers.loc["xa"]
    assert (xa.units_expected, xa.units_reporting, xa.units_without_figures, xa.units_unmatched) == (4, 2, 2, 1)
    city = tiers.loc["city"]
    assert (city.units_expected, city.units_reporting, city.units_without_figures) == (12, 7, 5)
    assert city.dossiers_received == 5000 + 400 + 2000 + 10000 + 3000 + 10 + 1000 + 50
    assert city.tier_label == "Toàn Thành phố"


def test_matched_units_are_named_as_in_the_registry(reg):
    rows = [unit("UBND phường Hai", "00002", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 90, 10, 0, 0)),
            unit("P. Lạ", "", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 100, 0, 0, 0))]
    units = unit_table(appendix(rows), reg)
    assert list(units["unit_name"]) == ["Phường Hai", "P. Lạ"]  # the unmatched one keeps its own
    assert list(units["submitted_name"]) == ["UBND phường Hai", "P. Lạ"]


def test_unmatched_row_is_not_a_reporting_unit(reg):
    # one commune sent nothing, one typed a name the registry does not know: the misspelt one may be the
    # missing commune, so it is not counted as a reporting unit, but its figures stay in the sums
    rows = [unit("Phường Một", "00001", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 90, 10, 0, 0)),
            unit("Phường Hai", "00002", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 100, 0, 0, 0)),
            unit("Xã Mười", "00010", "xa", "Huyện Thu", figures=(1, 10, 10, 100, 100, 0, 0, 0)),
            unit("Phường Ba Sai Tên", "", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 100, 0, 0, 0))]
    xa = tier_indicators(unit_indicators(appendix(rows), reg), reg).set_index("tier").loc["xa"]
    assert (xa.units_expected, xa.units_reporting, xa.units_without_figures, xa.units_unmatched) == (4, 3, 1, 1)
    assert xa.units_reporting + xa.units_without_figures == xa.units_expected
    assert xa.dossiers_received == 400


def test_rate_is_ratio_of_sums_not_mean_of_ratios(units, reg):
    xa = tier_indicators(units, reg).set_index("tier").loc["xa"]
    # communes: 10/10, 900/1000, 50/50 → mean of ratios 96.67 %, ratio of sums 960/1060 = 90.57 %
    mean_of_ratios = units.loc[units.tier == "xa", "on_time_rate"].mean()
    assert mean_of_ratios == pytest.approx(100 * (1 + 0.9 + 1) / 3)
    assert xa.on_time_rate == pytest.approx(100 * 960 / 1060)
    assert abs(xa.on_time_rate - mean_of_ratios) > 6


def test_rate_uses_only_units_with_both_figures(reg):
    rows = [unit("Phường Một", "00001", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 80, 20, 0, 0)),
            unit("Phường Hai", "00002", "xa", "Quận Xuân", figures=(1, 10, 10, 100, 100, 0, 0, 0))]
    rows[1]["tthc_total"] = None  # one-stop count without its total: left out of the one-stop share
    xa = tier_indicators(unit_indicators(appendix(rows), reg), reg).set_index("tier").loc["xa"]
    assert xa.tthc_one_stop == 20 and xa.tthc_total == 10
    assert xa.one_stop_share == pytest.approx(100.0)


def test_district_with_its_communes(units, reg):
    districts = district_indicators(units, reg).set_index("unit_code")
    x = districts.loc["001"]
    assert x.unit_name == "Quận Xuân"
    assert (x.units_expected, x.units_reporting, x.units_without_figures, x.units_unmatched) == (4, 3, 1, 1)
    assert (x.dossiers_received, x.dossiers_on_time) == (4060, 3930)
    assert x.on_time_rate == pytest.approx(100 * 3930 / 4060)
    y = districts.loc["002"]
    assert (y.units_expected, y.units_reporting, y.units_without_figures) == (2, 0, 2)


def test_parent_agencies_with_their_sub_units(units, reg):
    parents = parent_indicators(units, reg).set_index("unit_code")
    assert list(parents.index) == ["S01", "S02", "N01"]
    s01 = parents.loc["S01"]
    assert (s01.units_expected, s01.units_reporting, s01.units_without_figures) == (3, 2, 1)
    assert s01.tthc_total == 250 and s01.tthc_one_stop == 230
    assert s01.one_stop_share == pytest.approx(92.0)
    assert s01.on_time_rate == pytest.approx(100 * 5330 / 5400)
    n01 = parents.loc["N01"]
    assert (n01.units_expected, n01.units_reporting, n01.units_without_figures) == (2, 1, 1)


def _tier_of(figures: list[tuple[str, int, int]], tier: str = "xa") -> pd.DataFrame:
    rows = [unit(name, f"{i:05d}", tier, "Quận Xuân", figures=(1, 10, 10, received, on_time,
                                                                 received - on_time, 1, 0))
            for i, (name, received, on_time) in enumerate(figures, start=1)]
    return unit_indicators(appendix(rows), registry())


def test_ranking_with_ties_and_minimum_dossiers():
    units = _tier_of([("A", 200, 200), ("B", 100, 90), ("C", 500, 500), ("D", 99, 99), ("E", 300, 285)])
    ranks = units.join(rank_in_tier(units, min_dossiers=100)).set_index("submitted_name")
    assert list(ranks["rank_in_tier"].astype("float")) == pytest.approx([1, 4, 1, float("nan"), 3], nan_ok=True)
    assert (ranks["ranked_in_tier"] == 4).all()
    lower = units.join(rank_in_tier(units, min_dossiers=50)).set_index("submitted_name")
    assert lower.loc["D", "rank_in_tier"] == 1 and lower.loc["B", "rank_in_tier"] == 5


def test_leaders_name_every_unit_tied_with_the_last_named():
    rows = [("A", 200, 200), ("B", 100, 90), ("C", 500, 500), ("D", 99, 99), ("E", 300, 285), ("F", 150, 150),
            ("G", 400, 360), ("H", 100, 90)]
    units = _tier_of(rows)
    units = units.join(rank_in_tier(units, min_dossiers=100)).assign(unit_name=units["submitted_name"])
    # ranks: A, C, F 1 (100 %); E 4 (95 %); B, H 5 (90 %), G 5 (90 %); D not ranked (99 dossiers)
    best, weakest = leaders(units, "xa", 2)
    assert list(best["unit_name"]) == ["C", "A", "F"]  # tied at rank 1, most dossiers first
    assert list(weakest["unit_name"]) == ["H", "B", "G"]  # the last rank, all three tied
    # one more tied: named, not "và 1 đơn vị khác" (a name that fits in the line); more: counted
    assert ranked_names(best, 2) == "C (100,0%, hạng 1)\nA (100,0%, hạng 1)\nF (100,0%, hạng 1)"
    assert ranked_names(best, 2, "; ") == "C (100,0%, hạng 1); A (100,0%, hạng 1); F (100,0%, hạng 1)"
    assert ranked_names(best, 1, "; ") == "C (100,0%, hạng 1) và 2 đơn vị khác cùng hạng 1"
    best, weakest = leaders(units, "xa", 4)
    assert list(best["unit_name"]) == ["C", "A", "F", "E"] and list(weakest["unit_name"]) == ["H", "B", "G"]
    best, weakest = leaders(units, "xa", 10)  # fewer ranked units than asked: none named twice
    assert len(best) == 7 and weakest.empty
    assert leaders(units, "huyen", 3)[0].empty


def test_distribution_per_tier(units):
    dist = distribution(units, indicators=["on_time_rate", "tthc_total"], quantiles=[0.5])
    xa = dist[(dist.tier == "xa") & (dist.indicator == "tthc_total")].iloc[0]
    assert (xa.units, xa["min"], xa.p50, xa["max"]) == (3, 10, 40, 40)
    assert xa.indicator_label == "Số TTHC thuộc thẩm quyền"
    # the empty branch row is not a unit with figures
    nh = dist[(dist.tier == "nganh_doc_huyen") & (dist.indicator == "on_time_rate")].iloc[0]
    assert nh.units == 0


def _far_tier() -> pd.DataFrame:
    """Four communes; the tier's on-time rate is 1925/2050 = 93,9%."""
    rows = [
        unit("Phường Một", "00001", "xa", "Quận Xuân", figures=(1, 100, 100, 1000, 1000, 0, 5, 0)),
        unit("Phường Hai", "00002", "xa", "Quận Xuân", figures=(1, 100, 79, 1000, 900, 100, 3, 0)),
        unit("Phường Ba", "00003", "xa", "Quận Xuân", figures=(1, 100, 80, 40, 20, 20, 0, 0)),
        unit("Phường D", "00004", "xa", "Quận Xuân", figures=(1, 100, 100, 10, 5, 5, 0, 0)),
    ]
    return unit_indicators(appendix(rows), registry())


def _flags(units: pd.DataFrame, config: dict | None = None) -> dict[tuple[str, str], str]:
    flags = far_below(units, tier_indicators(units, registry()), config)
    return {(r.unit_name, r.rule): r.reason for r in flags.itertuples()}


def test_far_below_on_time_gap():
    flags = _flags(_far_tier())
    on_time = {name for name, rule in flags if rule == "on_time_gap"}
    # B is 3,9 points below (under the 5-point threshold); D is 43,9 below but over only 10 dossiers
    assert on_time == {"Phường Ba"}
    reason = flags[("Phường Ba", "on_time_gap")]
    assert "50,0% (20/40 hồ sơ)" in reason and "43,9 điểm" in reason and "(93,9%)" in reason
    assert "Xã, phường, thị trấn" in reason


def test_far_below_one_stop_share():
    flags = _flags(_far_tier())
    assert {name for name, rule in flags if rule == "one_stop_low"} == {"Phường Hai"}  # 79 % < 80 %; Ba is 80 %
    assert "79,0% số TTHC thuộc thẩm quyền (79/100 TTHC)" in flags[("Phường Hai", "one_stop_low")]


def test_far_below_no_online_only_when_tier_median_positive():
    units = _far_tier()
    flags = _flags(units)  # online services 5, 3, 0, 0: median 1,5
    assert {name for name, rule in flags if rule == "no_online"} == {"Phường Ba", "Phường D"}
    assert "trung vị của nhóm Xã, phường, thị trấn là 1,5 dịch vụ" in flags[("Phường D", "no_online")]
    units.loc[units.unit_name == "Phường Hai", "online_services_l34"] = 0  # 5, 0, 0, 0: median 0
    assert not {name for name, rule in _flags(units) if rule == "no_online"}


def test_far_below_thresholds_come_from_config():
    config = copy.deepcopy(load_config())
    config["far_below"]["on_time_gap"]["points"] = 3.0
    config["far_below"]["one_stop_low"]["below_pct"] = 90.0
    del config["far_below"]["no_online"]
    flags = _flags(_far_tier(), config)
    assert set(flags) == {("Phường Hai", "on_time_gap"), ("Phường Ba", "on_time_gap"),
                          ("Phường Hai", "one_stop_low"), ("Phường Ba", "one_stop_low")}
    config["far_below"]["unknown_rule"] = {}
    with pytest.raises(ValueError, match="unknown_rule"):
        _flags(_far_tier(), config)


def test_unit_table_carries_rank_and_flags(reg):
    units = unit_table(appendix(), reg).set_index("unit_name")
    assert units.loc["Phường Hai", "rank_in_tier"] == 1
    assert pd.isna(units.loc["Phường Một", "rank_in_tier"])  # 10 dossiers < 100
    assert units.loc["Chi cục Alpha Một", "flags"] == "one_stop_low"  # 30/50 = 60 %
    assert "60,0%" in units.loc["Chi cục Alpha Một", "flag_reasons"]
    assert units.loc["Sở Beta", "flags"] == ""


def test_completeness_against_registry(units, reg):
    comp = completeness(units, reg).set_index("unit_code")
    assert list(comp.index) == ["S01", "S02", "N01", "001", "002"]
    assert comp.loc["S01", "status"] == "Thiếu một phần"
    assert comp.loc["S01", "missing_names"] == "Chi cục Alpha Hai"
    assert comp.loc["S02", "status"] == "Đủ"
    # the branch row was sent empty: it counts as missing
    assert comp.loc["N01", "status"] == "Thiếu một phần" and comp.loc["N01", "sub_units_missing"] == 1
    x = comp.loc["001"]
    assert (x.sub_units_expected, x.sub_units_reporting, x.missing_names) == (3, 2, "Phường Ba")
    assert comp.loc["002", "status"] == "Chưa gửi" and not comp.loc["002", "own_figures"]


def test_format_rate_shows_enough_decimals():
    assert format_rate(99.96, 100) == "99,96%"
    assert format_rate(98.72) == "98,7%"
    assert format_rate(80.0, 80) == "80,0%"
    assert format_rate(100 * 4999 / 5000) == "99,98%"
    assert format_rate(100.0) == "100,0%"
    # one overdue dossier among hundreds of thousands is still not 100% (3 decimals made it "100,000%")
    assert format_rate(100 * 249_999 / 250_000) == "99,9996%"



def test_on_time_of_a_commune_is_derived_when_left_empty(reg):
    row = unit("Phường Một", "00001", "xa", "Quận Xuân", figures=(1, 10, 10, 200, 190, 10, 0, 0))
    row["dossiers_on_time"] = None  # Phụ lục III has no on-time column
    units = unit_indicators(appendix([row]), reg)
    assert units.loc[0, "dossiers_on_time"] == 190 and units.loc[0, "on_time_rate"] == pytest.approx(95.0)
