"""Awards shortlist (khen thưởng): which units meet every criterion of config/awards.yml, with the reasons
met and the criteria missed in Vietnamese, figures written the Vietnamese way.

    units = unit_indicators(appendix, registry)
    awards = shortlist(units, findings)                       # package defaults
    awards = shortlist(units, findings, load_awards_config("my-awards.yml"))
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from sketket import catalog
from sketket.analysis.gating import superseded
from sketket.analysis.indicators import format_count, format_rate, tier_medians
from sketket.clean import fold, format_int, in_sentence
from sketket.config import load_yaml
from sketket.dimensions import TIER_FORM, TIERS

AWARD_COLUMNS = catalog.columns("awards")
FINDING_COLUMNS = catalog.columns("findings")

# A criterion's verdict on one unit (given as a dict of its columns): met or not and the sentence saying why; None when there is no figure.
Verdict = tuple[bool, str] | None
Unit = dict[str, Any]


def load_awards_config(path: str | Path | None = None) -> dict[str, Any]:
    """The shortlist's criteria (package default config/awards.yml, or a user's file)."""
    return load_yaml(Path(path) if path else "awards.yml")


@cache
def rule_descriptions() -> dict[str, str]:
    """Vietnamese description of each validation rule id (config/rules.yml, and the award nominations' checks
    of config/nominations.yml, which reach the return lists as `nomination_<check>`), read once."""
    from sketket.intake.validate import load_rules

    out = {rule: spec["what"] for rule, spec in load_rules().rules.items()}
    out.update({f"nomination_{rule}": spec["what"] for rule, spec in load_yaml("nominations.yml")["rules"].items()})
    return out


_SUBMITTER_TIERS = frozenset(tier for tier, (_, section) in TIER_FORM.items() if section == "A")


def unit_errors(units: pd.DataFrame, findings: pd.DataFrame) -> pd.DataFrame:
    """Error findings left in each unit's table, indexed like `units`: `errors` (count) and `error_rules`
    (their Vietnamese descriptions). A submitting unit (row A: Sở, city-level agency, district) answers for
    every error of the file it sent, its sub-units' rows included; a sub-unit only for its own row's."""
    errors = findings[findings["severity"] == "error"]
    by_file: dict[str, list[str]] = {}
    by_row: dict[tuple[str, str], list[str]] = {}
    # Columns as lists: itertuples would box every column of every row.
    for source, name, rule in zip(errors["source_file"].tolist(), errors["unit_name"].tolist(),
                                  errors["rule"].tolist(), strict=True):
        by_file.setdefault(source, []).append(rule)
        by_row.setdefault((source, fold(name)), []).append(rule)
    submitters = {tier for tier, (_, section) in TIER_FORM.items() if section == "A"}
    names = rule_descriptions()
    counts, described = [], []
    for tier, source, name in zip(units["tier"].tolist(), units["source_file"].tolist(),
                                  units["unit_name"].tolist(), strict=True):
        if tier in submitters:
            rules = by_file.get(source, [])
        else:
            rules = by_row.get((source, fold(name)), [])
        counts.append(len(rules))
        described.append(", ".join(dict.fromkeys(names.get(r, r) for r in rules)))
    return pd.DataFrame({"errors": counts, "error_rules": described}, index=units.index)


def _on_time_rate(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    if pd.isna(u["on_time_rate"]):
        return None
    fields = {"value": format_rate(u["on_time_rate"], c["min_pct"]), "num": format_int(u["dossiers_on_time"]),
              "den": format_int(u["dossiers_received"]), "threshold": format_rate(c["min_pct"]),
              "min_dossiers": format_int(c["min_dossiers"])}
    if u["dossiers_received"] < c["min_dossiers"]:
        return False, c["too_few"].format(**fields)
    ok = bool(u["on_time_rate"] >= c["min_pct"])
    return ok, c["met" if ok else "missed"].format(**fields)


def _one_stop_share(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    if pd.isna(u["one_stop_share"]):
        return None
    ok = bool(u["one_stop_share"] >= c["min_pct"])
    fields = {"value": format_rate(u["one_stop_share"], c["min_pct"]), "num": format_int(u["tthc_one_stop"]),
              "den": format_int(u["tthc_total"]), "threshold": format_rate(c["min_pct"])}
    return ok, c["met" if ok else "missed"].format(**fields)


def _online_above_tier_median(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    median = ctx["online_median"].get(u["tier"])
    if pd.isna(u["online_services_l34"]) or median is None or pd.isna(median):
        return None
    ok = bool(u["online_services_l34"] > median)
    fields = {"value": format_int(u["online_services_l34"]), "reference": format_count(median)}
    return ok, c["met" if ok else "missed"].format(**fields)


def _no_errors(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """A submitting unit answers for its whole file, a sub-unit for its own row (unit_errors): said so, since
    "Biểu số liệu không còn lỗi" beside a district's table with errors reads as false for its commune."""
    ok = bool(u["errors"] <= c.get("max_errors", 0))
    own_row = u["tier"] not in _SUBMITTER_TIERS
    key = ("met" if ok else "missed") + ("_row" if own_row and f"{'met' if ok else 'missed'}_row" in c else "")
    return ok, c[key].format(value=format_int(u["errors"]), rules=u["error_rules"])


def _log_agrees(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """A unit whose table differs from its own dossier log waits until it has checked and explained the gap; a
    unit without a log is neither helped nor held by this criterion (an empty sentence is not shown)."""
    row = ctx["reconciliation"].get(u["unit_code"])
    if row is None:
        return True, ""
    ok = row["status"] != "differs"
    return ok, c["met" if ok else "missed"].format(line=in_sentence(row["line"]))  # "(biểu báo cáo …)"


def _current_file(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """A unit whose figures come from an earlier file, its later one unreadable (gating.superseded), waits
    until it sends that file again: the figures it meant to replace cannot carry an award. Otherwise nothing
    is said (an empty sentence is not shown)."""
    later = ctx["superseded"].get(str(u.get("source_file", "")))
    if later is None:
        return True, ""
    return False, c["missed"].format(file=later)


def _report_says(u: Unit, c: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """What the unit's own narrative report says of an outline item (the checklist): an answer listed in `holds`
    (keys of checklist.yml `values`: no, partly) holds the award, quoted; a unit without a report, or whose
    report says nothing of it, is neither helped nor held (an empty sentence is not shown)."""
    said = ctx["checklist"].get((u["unit_code"], c["item"]))
    if said is None:
        return True, ""
    words = ctx["answer_words"]
    value, evidence = said
    if value not in {words[k] for k in c["holds"]}:
        return True, ""
    quote = evidence if len(evidence) <= int(c.get("quote_chars", 160)) else \
        evidence[:int(c.get("quote_chars", 160))].rsplit(" ", 1)[0] + " …"
    return False, c["missed"].format(answer=value.lower(), quote=quote)


CRITERIA: dict[str, Callable[[Unit, dict[str, Any], dict[str, Any]], Verdict]] = {
    "on_time_rate": _on_time_rate,
    "one_stop_share": _one_stop_share,
    "online_above_tier_median": _online_above_tier_median,
    "no_errors": _no_errors,
    "log_agrees": _log_agrees,
    "current_file": _current_file,
    "report_says": _report_says,
}


def _reconciliation_by_unit(reconciliation: pd.DataFrame | None,
                            dossier_cfg: dict[str, Any] | None = None) -> dict[str, dict[str, str]]:
    """unit_code → its reconciliation's status and line ("Biểu báo cáo 250 hồ sơ; phần mềm một cửa ghi nhận
    238, chênh 5,0%")."""
    if reconciliation is None or reconciliation.empty:
        return {}
    from sketket.analysis.dossier_facts import reconciliation_line

    return {str(r["unit_code"]): {"status": str(r["status"]), "line": reconciliation_line(r, dossier_cfg)}
            for _, r in reconciliation.iterrows()}


def _records(df: pd.DataFrame) -> list[Unit]:
    """Each row as a dict of its columns (a criterion reads u["column"] as from a Series): one list per
    column, then zipped, instead of a Series built per row (iterrows) or a box per value (to_dict)."""
    columns = list(df.columns)
    return [dict(zip(columns, values, strict=True))
            for values in zip(*(df[c].tolist() for c in columns), strict=True)]


def _answer_words() -> dict[str, str]:
    from sketket.analysis.checklist import answer_words  # the checklist's module reads the narrative reports

    return answer_words()


def _checklist_by_unit(checklist: pd.DataFrame | None) -> dict[tuple[str, str], tuple[str, str]]:
    """(unit_code, item) → (answer, evidence) of the units' narrative reports (the first report of a unit)."""
    if checklist is None or checklist.empty:
        return {}
    rows = checklist[checklist["unit_code"].fillna("") != ""].drop_duplicates(["unit_code", "item"])
    return {(str(c), str(i)): (str(v), str(e) if isinstance(e, str) else "")
            for c, i, v, e in zip(rows["unit_code"], rows["item"], rows["value"], rows["evidence"], strict=True)}


def shortlist(units: pd.DataFrame, findings: pd.DataFrame | None = None,
              config: dict[str, Any] | None = None, reconciliation: pd.DataFrame | None = None,
              checklist: pd.DataFrame | None = None, dossier_cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per unit of the considered tiers: shortlisted when every criterion is met; `reasons` the
    criteria met, `criteria_missed` those not met (or without figures), each a Vietnamese sentence, joined
    by " | ". Shortlisted units first, then by tier and on-time rate. `reconciliation` (the dossier logs'
    dataset, when the run has logs) is what the `log_agrees` criterion reads; `checklist` (what the units'
    narrative reports say, when the run has read them) what `report_says` reads."""
    config = config or load_awards_config()
    unknown = [c["kind"] for c in config["criteria"] if c["kind"] not in CRITERIA]
    if unknown:
        raise ValueError(f"Loại tiêu chí không có: {', '.join(unknown)} (có: {', '.join(CRITERIA)})")
    findings = findings if findings is not None else pd.DataFrame(columns=FINDING_COLUMNS)
    considered = units[units["tier"].isin(config["tiers"])]
    considered = considered.join(unit_errors(considered, findings))
    ctx = {"online_median": tier_medians(units, "online_services_l34").to_dict(),  # dicts: read per unit
           "reconciliation": _reconciliation_by_unit(reconciliation, dossier_cfg),
           "checklist": _checklist_by_unit(checklist), "answer_words": _answer_words(),
           "superseded": superseded(findings)}
    rows = []
    for u in _records(considered):
        met, missed = [], []
        for criterion in config["criteria"]:
            verdict = CRITERIA[criterion["kind"]](u, criterion, ctx)
            if verdict is None:
                missed.append(config["no_data"].format(title=criterion["title"]))
            elif verdict[1]:
                (met if verdict[0] else missed).append(verdict[1])
            elif not verdict[0]:
                missed.append(criterion["title"])
        rows.append({"unit_name": u["unit_name"], "unit_code": u["unit_code"], "tier": u["tier"],
                     "shortlisted": not missed, "reasons": " | ".join(met),
                     "criteria_missed": " | ".join(missed), "_rate": u["on_time_rate"]})
    df = pd.DataFrame(rows, columns=[*AWARD_COLUMNS, "_rate"])
    df["_tier"] = df["tier"].map({t: i for i, t in enumerate(TIERS)})
    df = df.sort_values(["shortlisted", "_tier", "_rate", "unit_name"], ascending=[False, True, False, True])
    return df[AWARD_COLUMNS].astype({"shortlisted": bool}).reset_index(drop=True)
