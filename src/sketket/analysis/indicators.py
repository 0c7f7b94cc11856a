"""Indicators of the one-stop mechanism: per unit, and aggregated per tier, per district (with its communes),
per parent agency (with its sub-units) and for the city; rankings within a tier, distributions, units far
below their tier, and reporting completeness against the registry.

Every function takes and returns DataFrames so that a notebook can call them one by one:

    appendix = load_appendix(processed_dir)
    units = unit_table(appendix, registry)          # one row per unit: figures, rates, rank, flags
    tiers = tier_indicators(units, registry)        # one row per tier and one for the city

Rates are ratios of sums: an aggregate's on-time rate is Σ on time / Σ received over its units, never the
mean of the units' rates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sketket.analysis.gating import AWAITING, correction_status
from sketket.clean import format_int, format_number, format_percent
from sketket.config import load_yaml
from sketket.dimensions import CHILD_TIER, CITY, CITY_LABEL, FAMILY_LABELS, PARENT_TIER, TIER_LABELS, TIERS
from sketket.layout import FIGURES, PERCENTS, REQUIRED
from sketket.registry import Registry

# Figures that add up across units; the reported percentages do not (they become rates).
SUMMABLE: tuple[str, ...] = tuple(c for c in FIGURES if c not in PERCENTS)
# Each rate and the counts it is the ratio of (in percent).
RATES: dict[str, tuple[str, str]] = {
    "one_stop_share": ("tthc_one_stop", "tthc_total"),
    "on_time_rate": ("dossiers_on_time", "dossiers_received"),
    "overdue_rate": ("dossiers_overdue", "dossiers_received"),
    "online_share": ("online_services_l34", "tthc_total"),
}
INDICATORS: tuple[str, ...] = SUMMABLE + tuple(RATES)
COVERAGE: tuple[str, ...] = ("units_expected", "units_reporting", "units_counted", "units_awaiting_correction",
                              "units_without_figures", "units_unmatched")


# -- reading ---------------------------------------------------------------------------------------------
def load_config(path: str | Path | None = None) -> dict[str, Any]:
    """The indicators' thresholds (package default config/indicators.yml, or a user's file)."""
    return load_yaml(Path(path) if path else "indicators.yml")


def labels(config: dict[str, Any] | None = None) -> dict[str, str]:
    """Vietnamese names of the indicators and coverage columns, for tables and charts."""
    return dict((config or load_config())["labels"])


def _integral(series: pd.Series) -> pd.Series:
    """Counts as nullable integers when every value is whole (so that CSVs read 12, not 12.0)."""
    values = series.dropna()
    if values.empty or (values == values.round()).all():
        return series.round().astype("Int64")
    return series


def load_appendix(processed_dir: str | Path) -> pd.DataFrame:
    """The appendix dataset as ingest wrote it, through the catalog (counts as nullable integers)."""
    from sketket.catalog import Catalog

    return Catalog(Path(processed_dir)).load("appendix")


# -- per unit --------------------------------------------------------------------------------------------
def _ratio(num: pd.Series | float, den: pd.Series | float) -> Any:
    """100·num/den, missing when the denominator is missing or zero."""
    if isinstance(num, pd.Series):
        den = den.astype("Float64").where((den > 0).fillna(False))
        return (100 * num.astype("Float64") / den).astype("Float64")
    return 100 * num / den if den and den > 0 and not pd.isna(num) else math.nan


def _parent_codes(units: pd.DataFrame, registry: Registry) -> pd.Series:
    """Registry parent of each sub-unit; for an unmatched sub-unit, its parent_name matched in the parent
    tier (so that a commune typed with a misspelt name still counts in its district's aggregate). Each
    distinct (parent name, tier) is matched once: a district's 20 communes share one lookup."""
    by_code = registry.units.drop_duplicates("code", keep="last").set_index("code")["parent_code"]
    codes = units["unit_code"].map(by_code).fillna("").astype(str)
    todo = (codes == "") & units["tier"].isin(list(PARENT_TIER))
    if todo.any():
        asked = units.loc[todo, ["parent_name", "tier"]]
        found = {(name, tier): registry.match(name, PARENT_TIER[tier]).code
                 for name, tier in asked.drop_duplicates().itertuples(index=False)}
        codes[todo] = [found[key] for key in asked.itertuples(index=False, name=None)]
    return codes.astype(str)


def unit_indicators(appendix: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Each unit's figures with its rates (percent), its registry parent and whether it reported figures.
    A matched unit is named as the registry names it ("UBND phường Quán Thánh" → "Phường Quán Thánh"), so that
    every table and chart reads alike; `submitted_name` keeps the name as typed (findings refer to it)."""
    units = appendix.copy()
    units["submitted_name"] = units["unit_name"]
    registry_names = units["unit_code"].map(registry.units.set_index("code")["name_with_type"])
    units["unit_name"] = registry_names.where(registry_names.notna() & (units["unit_code"] != ""),
                                              units["submitted_name"])
    for col in SUMMABLE:
        if col not in units.columns:
            units[col] = pd.NA
    # Phụ lục III has no on-time column: ingest derives it; derive it here too if a table left it empty.
    derive = (units["form"] == "III") & units["dossiers_on_time"].isna()
    units.loc[derive, "dossiers_on_time"] = units.loc[derive, "dossiers_received"] - units.loc[
        derive, "dossiers_overdue"]
    units["parent_code"] = _parent_codes(units, registry)
    units["has_figures"] = units[list(REQUIRED)].notna().any(axis=1)
    for rate, (num, den) in RATES.items():
        units[rate] = _ratio(units[num], units[den])
    return units


# -- aggregates ------------------------------------------------------------------------------------------
def _group_summaries(units: pd.DataFrame, group: pd.Series, expected: pd.DataFrame) -> pd.DataFrame:
    """summarise() of many groups at once, indexed by group: `group` names the group of each row of `units`
    (a row in no group: missing), `expected` has one row per (group, code) the registry expects. One
    group-by per figure, whatever the number of groups (never a filter per group)."""
    expected = expected.drop_duplicates(["group", "code"])
    keys = pd.Index(expected["group"].drop_duplicates()).append(
        pd.Index(group.dropna().drop_duplicates())).drop_duplicates()
    rows = units.assign(_group=group)
    reporting = rows[rows["has_figures"] & rows["_group"].notna()]
    n_expected = expected.groupby("group").size()
    found = reporting[["_group", "unit_code"]].drop_duplicates().merge(
        expected, left_on=["_group", "unit_code"], right_on=["group", "code"])
    n_reporting = found.groupby("_group").size()
    out = pd.DataFrame(index=keys)
    out["units_expected"] = n_expected.reindex(keys, fill_value=0).astype("int64")
    out["units_reporting"] = n_reporting.reindex(keys, fill_value=0).astype("int64")
    # Rows with figures awaiting correction (gating): reporting, but out of every sum and rate.
    gated = (reporting["data_status"] == AWAITING if "data_status" in reporting
             else pd.Series(False, index=reporting.index)).astype(bool)
    out["units_counted"] = (~gated).groupby(reporting["_group"]).sum().reindex(keys, fill_value=0).astype("int64")
    out["units_awaiting_correction"] = gated.groupby(reporting["_group"]).sum().reindex(
        keys, fill_value=0).astype("int64")
    out["units_without_figures"] = out["units_expected"] - out["units_reporting"]
    out["units_unmatched"] = (reporting["unit_code"] == "").groupby(reporting["_group"]).sum().reindex(
        keys, fill_value=0).astype("int64")
    by = reporting.groupby("_group", sort=False)
    for col in SUMMABLE:
        out[col] = by[col].sum(min_count=1).reindex(keys)
    for rate, (num, den) in RATES.items():
        both = reporting[num].notna() & reporting[den].notna()
        pair = reporting.loc[both, [num, den]].astype("float64").groupby(reporting.loc[both, "_group"]).sum()
        pair = pair.reindex(keys, fill_value=0.0)
        out[rate] = _ratio(pair[num], pair[den])
    return out


def summarise(units: pd.DataFrame, expected_codes: Iterable[str]) -> dict[str, Any]:
    """Coverage, sums and rates of a group of units.

    units_expected: units the registry lists for the group; units_reporting: expected units with figures;
    units_without_figures: expected units with no figures (no row, or an empty row), so that reporting +
    without = expected; units_unmatched: rows with figures whose name is not in the registry (their figures
    are in the sums, but they are not counted as reporting units: they may be a misspelt expected unit).
    A rate sums numerator and denominator over the rows that reported both.
    """
    expected = pd.DataFrame({"group": 0, "code": list(dict.fromkeys(expected_codes))}, dtype=object)
    one = _group_summaries(units, pd.Series(0, index=units.index, dtype=object), expected).reindex([0])
    for col in COVERAGE:  # a group with no unit at all (a registry without that tier): zeros, not no row
        one[col] = one[col].fillna(0).astype("int64")
    return {col: _scalar(one[col].iloc[0]) for col in one.columns}


def _scalar(value: Any) -> Any:
    """A numpy scalar as Python's own (NA stays NA)."""
    return value.item() if hasattr(value, "item") else value


def _frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in SUMMABLE:
        df[col] = pd.to_numeric(df[col]).astype("Float64")
        if col != "area_m2":
            df[col] = _integral(df[col])
    for rate in RATES:
        df[rate] = pd.to_numeric(df[rate]).astype("Float64")
    return df


def tier_indicators(units: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """One row per tier and a last row for the whole city (tier "city")."""
    listed = registry.units[registry.units["tier"].isin(TIERS)]
    tiers = _group_summaries(units, units["tier"].where(units["tier"].isin(TIERS)),
                             pd.DataFrame({"group": listed["tier"], "code": listed["code"]})).reindex(TIERS)
    city = _group_summaries(units, pd.Series(CITY, index=units.index, dtype=object),
                            pd.DataFrame({"group": CITY, "code": listed["code"]}, dtype=object)).reindex([CITY])
    body = pd.concat([tiers, city])
    for col in COVERAGE:  # a tier with no unit anywhere: zeros
        body[col] = body[col].fillna(0).astype("int64")
    head = pd.DataFrame({"tier": [*TIERS, CITY], "tier_label": [*(TIER_LABELS[t] for t in TIERS), CITY_LABEL],
                         "scope": ["tier"] * len(TIERS) + ["city"]})
    return _frame(pd.concat([head, body.reset_index(drop=True)], axis=1))


def families_tier_indicators(units: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """One row per first-level tier with sub-units (so, nganh_doc_tp, huyen) covering all its units together
    with all their sub-units: what a district with its communes is compared with."""
    rows = []
    for parent_tier, child_tier in CHILD_TIER.items():
        members = units[units["tier"].isin([parent_tier, child_tier])]
        expected = registry.units.loc[registry.units["tier"].isin([parent_tier, child_tier]), "code"]
        rows.append({"tier": parent_tier, "tier_label": FAMILY_LABELS[parent_tier], "scope": "family",
                     **summarise(members, expected)})
    return _frame(rows)


def family_indicators(units: pd.DataFrame, registry: Registry, parent_tier: str) -> pd.DataFrame:
    """One row per registry unit of `parent_tier` (huyen, so, nganh_doc_tp) aggregating its own figures with
    those of its sub-units (communes, Chi cục, district branches)."""
    child_tier = CHILD_TIER[parent_tier]
    parents = registry.tier_units(parent_tier)
    children = registry.tier_units(child_tier)
    children = children[children["parent_code"].isin(parents["code"])]
    expected = pd.concat([pd.DataFrame({"group": parents["code"], "code": parents["code"]}),
                          pd.DataFrame({"group": children["parent_code"], "code": children["code"]})])
    # A row belongs to the family of the parent it is, or (a sub-unit) of its parent; a row that is both for
    # one parent counts once, as in a filter per parent.
    own = units.index[units["unit_code"].isin(parents["code"])]
    sub = units.index[(units["tier"] == child_tier) & units["parent_code"].isin(parents["code"])]
    members = pd.concat([pd.DataFrame({"row": own, "group": units.loc[own, "unit_code"].to_numpy()}),
                         pd.DataFrame({"row": sub, "group": units.loc[sub, "parent_code"].to_numpy()})])
    members = members.drop_duplicates()
    rows = units.loc[members["row"]].reset_index(drop=True)
    summary = _group_summaries(rows, pd.Series(members["group"].to_numpy(), index=rows.index), expected)
    head = pd.DataFrame({"unit_code": parents["code"].to_numpy(), "unit_name": parents["name_with_type"].to_numpy(),
                         "tier": parent_tier, "tier_label": TIER_LABELS[parent_tier], "scope": "family"})
    body = summary.reindex(head["unit_code"]).reset_index(drop=True)
    return _frame(pd.concat([head, body], axis=1))


def district_indicators(units: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Each district with its communes."""
    return family_indicators(units, registry, "huyen")


def parent_indicators(units: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """Each department with its Chi cục, then each city-level vertical agency with its district branches."""
    return pd.concat([family_indicators(units, registry, "so"),
                      family_indicators(units, registry, "nganh_doc_tp")], ignore_index=True)


# -- ranking and distribution ----------------------------------------------------------------------------
def rank_in_tier(units: pd.DataFrame, min_dossiers: int) -> pd.DataFrame:
    """Rank on the on-time rate within each tier (1 = best; ties share the best rank: 1, 1, 3), among units
    with at least `min_dossiers` dossiers; also how many units of the tier were ranked."""
    eligible = units["has_figures"] & (units["dossiers_received"] >= min_dossiers).fillna(False)
    rate = units["on_time_rate"].astype("float64").where(eligible)
    rank = rate.groupby(units["tier"]).rank(method="min", ascending=False)
    ranked = rate.notna().groupby(units["tier"]).transform("sum")
    return pd.DataFrame({"rank_in_tier": rank.astype("Int64"), "ranked_in_tier": ranked.astype("Int64")})


def leaders(units: pd.DataFrame, tier: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A tier's best and weakest ranked units (rank_in_tier): the first `n` ranks, best first, and the last `n`,
    weakest first; a unit tied with the last one named is named too (four units at 100,0% share rank 1: all
    four lead), and no unit is among both. Ties are ordered by dossiers received, most first."""
    ranked = units[(units["tier"] == tier) & units["rank_in_tier"].notna()]
    ranked = ranked.sort_values(["rank_in_tier", "dossiers_received", "unit_name"], ascending=[True, False, True])
    if ranked.empty or n < 1:
        return ranked.iloc[0:0], ranked.iloc[0:0]
    rank = ranked["rank_in_tier"].astype("int64")
    best = ranked[rank <= rank.iloc[min(n, len(ranked)) - 1]]
    rest = ranked.drop(best.index)
    if rest.empty:
        return best, rest
    rest_rank = rank.loc[rest.index]
    weakest = rest[rest_rank >= rest_rank.iloc[-min(n, len(rest))]]
    return best, weakest.iloc[::-1]


def ranked_names(part: pd.DataFrame, shown: int, sep: str = "\n") -> str:
    """Units with their on-time rates and ranks, one a line; past `shown`, how many more share the last rank
    named ("và 5 đơn vị khác cùng hạng 1"), or the one more named ("1 đơn vị khác" hides a name that fits)."""
    if len(part) == shown + 1:
        shown += 1
    lines = [f"{r.unit_name} ({format_percent(r.on_time_rate)}, hạng {format_int(r.rank_in_tier)})"
             for r in part.head(shown).itertuples()]
    more = (f"và {format_int(len(part) - shown)} đơn vị khác cùng hạng "
            f"{format_int(part['rank_in_tier'].iloc[shown - 1])}") if len(part) > shown else ""
    if more and sep == "\n":  # a list cell: a line of its own
        lines.append(more)
    elif more:  # a sentence: "…, C (100,0%, hạng 1) và 4 đơn vị khác cùng hạng 1"
        lines[-1] += " " + more
    return sep.join(lines)


def distribution(units: pd.DataFrame, indicators: Iterable[str] = INDICATORS,
                 quantiles: Iterable[float] | None = None) -> pd.DataFrame:
    """Per tier and indicator: how many units, minimum, quantiles (p25, p50, p75 by default), maximum."""
    qs = list(quantiles if quantiles is not None else load_config()["distribution"]["quantiles"])
    names = labels()
    rows = []
    for tier in [t for t in TIERS if (units["tier"] == t).any()]:
        sub = units[(units["tier"] == tier) & units["has_figures"]]
        for ind in indicators:
            values = sub[ind].dropna().astype("float64")
            row = {"tier": tier, "tier_label": TIER_LABELS[tier], "indicator": ind,
                   "indicator_label": names.get(ind, ind), "units": len(values), "min": values.min()}
            row.update({f"p{round(q * 100)}": values.quantile(q) for q in qs})
            row["max"] = values.max()
            rows.append(row)
    return pd.DataFrame(rows)


# -- units far below their tier --------------------------------------------------------------------------
def format_rate(value: float, against: float | None = None) -> str:
    """A percentage the Vietnamese way, with enough decimals not to read as equal to `against`, 0 or 100
    when it is not (4.999 of 5.000 → "99,98%", not "100,0%")."""
    return _format_rate(float(value), None if against is None else float(against))


@lru_cache(maxsize=65536)  # thresholds and references repeat on every unit of a tier
def _format_rate(value: float, against: float | None) -> str:
    others = [x for x in (against, 0.0, 100.0) if x is not None and x != value]
    decimals = 1
    # Compared as plain fixed-point text (what format_percent writes, before the Vietnamese separators).
    while decimals < 6 and any(f"{value:.{decimals}f}" == f"{x:.{decimals}f}" for x in others):
        decimals += 1
    return format_percent(value, decimals)


def _points(value: float, against: float | None = None) -> str:
    """Percentage points, with a second decimal when one would read as `against` (a gap of 5,04 beside a
    threshold of 5,0)."""
    decimals = 2 if against is not None and value != against and f"{value:.1f}" == f"{against:.1f}" else 1
    return f"{format_number(value, decimals)} điểm"


def format_count(value: float) -> str:
    """A count or median the Vietnamese way: 1.234 when whole, 1,5 otherwise."""
    return format_int(value) if float(value).is_integer() else format_number(value, 1)


def _hit_values(hit: pd.Series, *columns: pd.Series) -> Iterator[tuple]:
    """(index, value, value, …) of the rows where `hit`: each column read once as a list, never cell by
    cell (.at on a wide frame costs more than the sentence it fills)."""
    mask = hit.to_numpy(dtype=bool)
    return zip(hit.index[mask], *(c.to_numpy(dtype=object)[mask].tolist() for c in columns), strict=True)


def _on_time_gap(units: pd.DataFrame, tiers: pd.DataFrame, rule: dict[str, Any]) -> Iterator[tuple]:
    reference = units["tier"].map(tiers.set_index("tier")["on_time_rate"]).astype("Float64")
    gap = reference - units["on_time_rate"]
    hit = (units["has_figures"] & (units["dossiers_received"] >= rule["min_dossiers"])
           & (gap > rule["points"])).fillna(False)
    threshold = _points(rule["points"])
    for i, rate, on_time, received, ref, g in _hit_values(hit, units["on_time_rate"], units["dossiers_on_time"],
                                                          units["dossiers_received"], reference, gap):
        yield i, {"value": format_rate(rate), "num": format_int(on_time), "den": format_int(received),
                  "reference": format_rate(ref), "gap": _points(g, rule["points"]), "threshold": threshold}


def _one_stop_low(units: pd.DataFrame, tiers: pd.DataFrame, rule: dict[str, Any]) -> Iterator[tuple]:
    reference = units["tier"].map(tiers.set_index("tier")["one_stop_share"]).astype("Float64")
    hit = (units["has_figures"] & (units["one_stop_share"] < rule["below_pct"])).fillna(False)
    threshold = format_rate(rule["below_pct"])
    for i, share, one_stop, total, ref in _hit_values(hit, units["one_stop_share"], units["tthc_one_stop"],
                                                      units["tthc_total"], reference):
        yield i, {"value": format_rate(share, rule["below_pct"]), "num": format_int(one_stop),
                  "den": format_int(total), "reference": format_rate(ref), "threshold": threshold}


def tier_medians(units: pd.DataFrame, column: str) -> pd.Series:
    """Median of a column per tier, over the units that reported figures."""
    reporting = units[units["has_figures"]]
    return reporting[column].astype("float64").groupby(reporting["tier"]).median()


def _no_online(units: pd.DataFrame, tiers: pd.DataFrame, rule: dict[str, Any]) -> Iterator[tuple]:
    median = units["tier"].map(tier_medians(units, "online_services_l34"))
    hit = (units["has_figures"] & (units["online_services_l34"] == 0) & (median > 0)).fillna(False)
    for i, m in _hit_values(hit, median):
        yield i, {"value": "0", "reference": format_count(m)}


FAR_BELOW_RULES: dict[str, Callable[[pd.DataFrame, pd.DataFrame, dict[str, Any]], Iterator[tuple]]] = {
    "on_time_gap": _on_time_gap,
    "one_stop_low": _one_stop_low,
    "no_online": _no_online,
}


def far_below(units: pd.DataFrame, tiers: pd.DataFrame, config: dict[str, Any] | None = None) -> pd.DataFrame:
    """Units far below their tier, one row per (unit, rule) with the Vietnamese reason; indexed like `units`.
    The rules and thresholds are config/indicators.yml's `far_below` section."""
    rules = (config or load_config())["far_below"]
    tier_of = units["tier"].to_dict()  # one dict, not a cell lookup per flag
    rule_ids, reasons, index = [], [], []
    for rule_id, rule in rules.items():
        if rule_id not in FAR_BELOW_RULES:
            raise ValueError(f"Quy tắc không có: {rule_id!r} (có: {', '.join(FAR_BELOW_RULES)})")
        for i, fields in FAR_BELOW_RULES[rule_id](units, tiers, rule):
            fields["tier"] = TIER_LABELS.get(tier_of[i], tier_of[i])
            index.append(i)
            rule_ids.append(rule_id)
            reasons.append(" ".join(rule["reason"].format(**fields).split()))
    info = units.loc[index, ["unit_name", "unit_code", "tier"]]
    return pd.DataFrame({"unit_name": info["unit_name"].tolist(), "unit_code": info["unit_code"].tolist(),
                         "tier": info["tier"].tolist(), "rule": rule_ids, "reason": reasons},
                        index=index, columns=["unit_name", "unit_code", "tier", "rule", "reason"],
                        dtype=None if index else object)  # no flag: text columns all the same


def unit_table(appendix: pd.DataFrame, registry: Registry, config: dict[str, Any] | None = None,
               findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per unit: figures, rates, rank in tier, and the far-below flags (rule ids and reasons).

    A unit whose row carries a gating error (`findings`, config `gating`) is "awaiting correction": its figures
    and rates are emptied here, so that no total, rate, ranking, distribution, flag or award counts them;
    `correction_cells` says which cells to fix (the reported values stay in appendix.csv)."""
    config = config or load_config()
    units = unit_indicators(appendix, registry)
    if findings is None:
        findings = pd.DataFrame(columns=["source_file", "sheet", "cell", "rule", "severity", "message"])
    units = units.join(correction_status(units, findings, config["gating"]["rules"]))
    units.loc[units["data_status"] == AWAITING, [*SUMMABLE, *RATES]] = pd.NA
    units = units.join(rank_in_tier(units, config["ranking"]["min_dossiers"]))
    flags = far_below(units, tier_indicators(units, registry), config)
    grouped = flags.groupby(level=0)
    units["flags"] = grouped["rule"].agg("; ".join).reindex(units.index).fillna("")
    units["flag_reasons"] = grouped["reason"].agg(" | ".join).reindex(units.index).fillna("")
    return units


# -- completeness ----------------------------------------------------------------------------------------
COMPLETE, PARTIAL, MISSING = "Đủ", "Thiếu một phần", "Chưa gửi"


def completeness(units: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """For every unit that owes a table (departments, city-level vertical agencies, districts): whether it
    sent its own figures, how many of its registry sub-units have figures, which are missing, and a status
    ("Đủ", "Thiếu một phần", "Chưa gửi")."""
    present = units["unit_code"].drop_duplicates()
    reporting = units.loc[units["has_figures"], "unit_code"].drop_duplicates()
    submitters = registry.expected_submitters()
    # Every sub-unit under its (parent tier, parent code), in registry order, with whether it has figures.
    subs = registry.units[registry.units["tier"].isin(list(PARENT_TIER))]
    subs = pd.DataFrame({"tier": subs["tier"].map(PARENT_TIER), "code": subs["parent_code"],
                         "name": subs["name_with_type"], "missing": ~subs["code"].isin(reporting)})
    by = subs.groupby(["tier", "code"], sort=False)
    counts = pd.DataFrame({"sub_units_expected": by.size(), "sub_units_missing": by["missing"].sum()})
    names = subs[subs["missing"]].groupby(["tier", "code"], sort=False)["name"].agg("; ".join)
    keys = pd.MultiIndex.from_arrays([submitters["tier"], submitters["code"]])
    expected = counts["sub_units_expected"].reindex(keys, fill_value=0).to_numpy().astype("int64")
    missing = counts["sub_units_missing"].reindex(keys, fill_value=0).to_numpy().astype("int64")
    own = submitters["code"].isin(reporting).to_numpy()
    sent = submitters["code"].isin(present).to_numpy() | (missing < expected)
    status = pd.Series(PARTIAL, index=range(len(submitters)))
    status[own & (missing == 0)] = COMPLETE
    status[~sent] = MISSING
    return pd.DataFrame({
        "unit_code": submitters["code"].to_numpy(), "unit_name": submitters["name_with_type"].to_numpy(),
        "tier": submitters["tier"].to_numpy(), "tier_label": submitters["tier"].map(TIER_LABELS).to_numpy(),
        "status": status.to_numpy(), "own_figures": own, "sub_units_expected": expected,
        "sub_units_reporting": expected - missing, "sub_units_missing": missing,
        "missing_names": names.reindex(keys, fill_value="").to_numpy(),
    })
