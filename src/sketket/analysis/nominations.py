"""Checks of the award nominations the units sent (config/nominations.yml, rules), before the list goes to the
People's Committee: each nomination gets one result per check ("" = not concerned, "Đạt", or the Vietnamese
message), and passes when no check found an error.

    checks, findings = check_nominations(nominations, units, awards)

`units` is the catalog's indicators_units (its `data_status` is read when present, else every unit counts
as ok); `awards` the shortlist. `findings` holds the problems as finding rows (FINDING_COLUMNS) for the
proposing units' return lists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sketket.clean import fold, format_int, format_percent, nfc
from sketket.intake.nominations import config as load_config

CHECKS: tuple[str, ...] = ("read", "registry", "data_status", "duplicate", "criteria", "direct_share", "claims")
FINDING_COLUMNS = ["source_file", "sheet", "cell", "unit_name", "rule", "severity", "message", "value"]
FIGURES = ("dossiers_received", "on_time_rate", "one_stop_share", "online_services_l34")
# Tone marks of Vietnamese (grave, acute, tilde, hook above, dot below): where a syllable carries them
# differs between the old and the new habit (hoà / hòa, thuỷ / thủy); the other marks belong to the letter.
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def name_key(text: object) -> str:
    """A name compared the Vietnamese way: case, Unicode form, spacing and the tone mark's placement do not
    matter; letters and tones do ("Nguyễn Văn Hoà" = "NGUYỄN VĂN HÒA" ≠ "Nguyễn Văn Hỏa" ≠ "Nguyễn Văn Hoa")."""
    out = []
    for syllable in nfc(text).lower().split():
        letters, tones = [], []
        for ch in unicodedata.normalize("NFD", syllable):
            (tones if ch in _TONES else letters).append(ch)
        out.append(unicodedata.normalize("NFC", "".join(letters)) + "".join(sorted(tones)))
    return " ".join(out)


@dataclass
class _Result:
    severity: str  # "error" | "warning" | "ok"
    message: str
    cell: str = ""


class _Checks:
    def __init__(self, noms: pd.DataFrame, units: pd.DataFrame | None, awards: pd.DataFrame | None,
                 cfg: dict[str, Any]):
        self.noms, self.cfg = noms, cfg
        self.rules, self.messages = cfg["rules"], cfg["messages"]
        self.results: dict[str, dict[int, _Result]] = {c: {} for c in CHECKS}
        units = units if units is not None else pd.DataFrame(columns=["unit_code"])
        units = units[units["unit_code"].astype(str) != ""].drop_duplicates("unit_code").set_index("unit_code")
        self.units = units
        awards = awards if awards is not None else pd.DataFrame(columns=["unit_code", "shortlisted"])
        self.awards = awards[awards["unit_code"].astype(str) != ""].drop_duplicates("unit_code").set_index("unit_code")
        self.rows: list[dict[str, Any]] = noms.to_dict("records")  # row i is noms' index i (a RangeIndex)

    def put(self, check: str, i: int, severity: str, message: str, cell: str = "") -> None:
        self.results[check][i] = _Result(severity, message, cell)

    def unit_label(self, r: dict[str, Any]) -> str:
        return r["unit_registry_name"] or r["unit_name"] or r["proposer_name"]

    # -- the rules ---------------------------------------------------------------------------------------
    def read(self) -> None:
        for i, r in enumerate(self.rows):
            if int(r["read_errors"] or 0) > 0:
                self.put("read", i, self.rules["read"]["severity"],
                         self.messages["read"].format(messages=r["read_messages"]), r["name_cell"])

    def registry(self) -> None:
        for i, r in enumerate(self.rows):
            if r["unit_code"]:
                continue
            hint = f" (có phải: {r['unit_suggestions']}?)" if r["unit_suggestions"] else ""
            self.put("registry", i, self.rules["registry"]["severity"], self.messages["registry"].format(
                unit=r["unit_name"] or r["name"], name=r["name"], suggestions=hint), r["unit_cell"] or r["name_cell"])

    def data_status(self) -> None:
        if "data_status" not in self.units.columns:
            return  # figures without a status (older runs): every unit counts as ok
        blocking = set(self.rules["data_status"]["blocking"])
        status = self.units["data_status"].to_dict()
        cells_of = self.units["correction_cells"].to_dict() if "correction_cells" in self.units.columns else {}
        for i, r in enumerate(self.rows):
            if status.get(r["unit_code"]) in blocking:
                cells = cells_of.get(r["unit_code"], "")
                self.put("data_status", i, self.rules["data_status"]["severity"], self.messages["data_status"].format(
                    unit=self.unit_label(r), cells=cells or "xem danh sách trả lại"), r["unit_cell"] or r["name_cell"])

    def duplicate(self) -> None:
        spec = self.rules["duplicate"]
        noms = self.noms
        same_unit = spec.get("same_person_needs_same_unit", True)
        unit_id = noms["unit_code"].where(noms["unit_code"] != "", noms["unit_name"].map(fold))
        scope = noms["kind"] + "|" + (unit_id if same_unit else "")
        exact = scope + "|" + noms["name"].map(name_key)
        loose = scope + "|" + noms["name"].map(fold)
        proposer = noms["proposer_code"].where(noms["proposer_code"] != "", noms["proposer_name"].map(fold))
        named = noms["name"] != ""
        repeated = named & exact.duplicated(keep=False)  # only names that occur twice are grouped
        for _, group in noms[repeated].groupby(exact[repeated], sort=False):
            by = proposer.loc[group.index]
            others_of = {p: ", ".join(dict.fromkeys(group.loc[by != p, "proposer_name"])) for p in by.unique()}
            first_of: dict[str, dict[str, Any]] = {}
            for i in group.index:
                r, p = self.rows[i], by.loc[i]
                if p in first_of:
                    first = first_of[p]
                    self.put("duplicate", i, spec["severity"], self.messages["duplicate_same_unit"].format(
                        name=r["name"], proposer=r["proposer_name"], first=first["source_row"],
                        row=r["source_row"]), r["name_cell"])
                    continue
                first_of[p] = r
                if others_of[p]:
                    self.put("duplicate", i, spec["severity"], self.messages["duplicate_other_unit"].format(
                        name=r["name"], unit=self.unit_label(r), proposer=r["proposer_name"], others=others_of[p]),
                        r["name_cell"])
        alike = named & loose.duplicated(keep=False)
        for _, group in noms[alike].groupby(loose[alike], sort=False):
            if exact.loc[group.index].nunique() < 2:
                continue
            for i in group.index:
                r = self.rows[i]
                if i in self.results["duplicate"]:
                    continue
                other = group[exact.loc[group.index] != exact.loc[i]]
                self.put("duplicate", i, spec["possible_severity"], self.messages["duplicate_possible"].format(
                    name=r["name"], other=other["name"].iloc[0], others=", ".join(dict.fromkeys(other["proposer_name"]))),
                    r["name_cell"])

    def criteria(self) -> None:
        spec = self.rules["criteria"]
        shortlisted = self.awards["shortlisted"].to_dict()
        missed_of = self.awards["criteria_missed"].to_dict() if "criteria_missed" in self.awards.columns else {}
        for i, r in enumerate(self.rows):
            if r["kind"] != "collective" or r["award_level"] not in spec["levels"] or not r["unit_code"]:
                continue
            if str(shortlisted.get(r["unit_code"])).lower() in ("true", "1"):  # bool, or text from a CSV
                self.put("criteria", i, "ok", self.cfg["results"]["ok"])
                continue
            missed = missed_of.get(r["unit_code"]) or "chưa có số liệu để xét"
            missed = "; ".join(part.strip().rstrip(".") for part in missed.split(" | "))  # shortlist's sentences
            reason = nfc(r["reason"])
            if len(reason) >= spec["min_reason_chars"]:
                self.put("criteria", i, "ok", self.messages["criteria_explained"].format(missed=missed, reason=reason))
            else:
                self.put("criteria", i, spec["severity"], self.messages["criteria"].format(
                    name=r["name"], missed=missed, min_chars=spec["min_reason_chars"]), r["reason_cell"] or r["name_cell"])

    def direct_share(self) -> None:
        spec = self.rules["direct_share"]
        noms = self.noms
        # over the individuals the list will hold: one held already (unknown unit, figures awaiting
        # correction, proposed twice) does not count towards the share it would not be part of
        held = {i for check in ("read", "registry", "data_status", "duplicate")
                for i, res in self.results[check].items() if res.severity == "error"}
        concerned = noms[(noms["kind"] == "individual") & noms["award_level"].isin(spec["levels"])
                         & ~noms.index.isin(held)]
        proposer = concerned["proposer_code"].where(concerned["proposer_code"] != "", concerned["proposer_name"])
        for _, group in concerned.groupby(proposer, sort=False):
            direct = group["direct_worker"].fillna(False).astype(bool)
            total, n_direct = len(group), int(direct.sum())
            # integers: 3 of 4 is exactly 75 %, never 74,99…
            ok = n_direct * 100 >= spec["min_pct"] * total
            for i in group.index:
                r = self.rows[i]
                if ok or direct.loc[i]:
                    self.put("direct_share", i, "ok", self.cfg["results"]["ok"])
                else:
                    self.put("direct_share", i, spec["severity"], self.messages["direct_share"].format(
                        proposer=r["proposer_name"], total=format_int(total), direct=format_int(n_direct),
                        share=format_percent(100 * n_direct / total), threshold=format_percent(spec["min_pct"], 0),
                        name=r["name"]), r["direct_cell"] or r["name_cell"])

    def claims(self) -> None:
        """An achievement the summary states that the figures of the nominee's unit contradict ("không có hồ sơ
        quá hạn" beside 9.130 overdue): a warning to check, since a person's own dossiers may differ from the
        unit's."""
        spec = self.rules["claims"]
        aims = [fold(w) for w in spec.get("aims", [])]
        for i, r in enumerate(self.rows):
            summary = fold(r["summary"])
            if not summary or r["unit_code"] not in self.units.index:
                continue
            for claim in spec["phrases"]:
                phrase = next((p for p in claim["words"] if _stated(summary, fold(p), aims)), None)
                value = self.units.at[r["unit_code"], claim["figure"]] if claim["figure"] in self.units else None
                if phrase is None or value is None or pd.isna(value) or float(value) <= claim["at_most"]:
                    continue
                self.put("claims", i, spec["severity"], self.messages["claims"].format(
                    name=r["name"], phrase=phrase, unit=self.unit_label(r), value=format_int(value),
                    what=claim["what"]), r["name_cell"])
                break


def _stated(text: str, phrase: str, aims: list[str]) -> bool:
    """Whether folded `text` states `phrase` as done: not after an aim ("phấn đấu không để hồ sơ quá hạn")."""
    at = text.find(phrase)
    return at >= 0 and not any(a in text[max(0, at - 30):at] for a in aims)


RULES: dict[str, Callable[[_Checks], None]] = {c: getattr(_Checks, c) for c in CHECKS}


def order(noms: pd.DataFrame, cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """Collectives then individuals, each grouped by award (the config's order, unrecognised last), then as the
    units sent them (file, row)."""
    cfg = cfg or load_config()
    award_rank = {a["id"]: k for k, a in enumerate(cfg["awards"])}
    key = pd.DataFrame({"kind": noms["kind"].map({"collective": 0, "individual": 1}),
                        "award": noms["award_id"].map(award_rank).fillna(len(award_rank)),
                        "file": noms["source_file"], "sheet": noms["source_sheet"], "row": noms["source_row"]},
                       index=noms.index)
    return noms.loc[key.sort_values(["kind", "award", "file", "sheet", "row"]).index]


def check_nominations(nominations: pd.DataFrame, units: pd.DataFrame | None = None,
                      awards: pd.DataFrame | None = None, config: dict[str, Any] | None = None
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nomination_checks table (in list order) and the problems as finding rows."""
    cfg = config or load_config()
    noms = order(nominations.reset_index(drop=True), cfg).reset_index(drop=True)
    checks = _Checks(noms, units, awards, cfg)
    for name in CHECKS:
        RULES[name](checks)
    out = noms.copy()
    errors = pd.Series(0, index=noms.index)
    warnings = pd.Series(0, index=noms.index)
    finding_rows = []
    for name in CHECKS:
        results = checks.results[name]
        out[f"check_{name}"] = [results[i].message if i in results else "" for i in noms.index]
        for i, res in results.items():
            if res.severity == "ok":
                continue
            errors.loc[i] += res.severity == "error"
            warnings.loc[i] += res.severity == "warning"
            if name == "read":  # already among ingest's findings, at its cell
                continue
            r = noms.loc[i]
            finding_rows.append({"source_file": r["source_file"], "sheet": r["source_sheet"], "cell": res.cell,
                                 "unit_name": r["proposer_name"], "rule": f"nomination_{name}",
                                 "severity": res.severity, "message": res.message, "value": r["name"]})
    for col in FIGURES + ("data_status",):
        out[col] = noms["unit_code"].map(checks.units[col]) if col in checks.units.columns else None
    if "data_status" not in checks.units.columns:
        out["data_status"] = "ok"
    out["shortlisted"] = noms["unit_code"].map(checks.awards["shortlisted"]) if len(checks.awards) else None
    out["errors"], out["warnings"] = errors, warnings
    out["passed"] = errors == 0
    from sketket.catalog import conform

    findings = pd.DataFrame(finding_rows, columns=FINDING_COLUMNS)
    return conform("nomination_checks", out), findings


def rule_descriptions() -> dict[str, str]:
    """Vietnamese description of each nomination rule id, as findings name them."""
    return {f"nomination_{rule}": spec["what"] for rule, spec in load_config()["rules"].items()}


def direct_shares(checks: pd.DataFrame, config: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per proposing unit, its individuals proposed for a city-level award and how many are direct workers:
    those the rule weighed (check_direct_share set; not those held already for another reason)."""
    cfg = config or load_config()
    spec = cfg["rules"]["direct_share"]
    concerned = checks[(checks["kind"] == "individual") & checks["award_level"].isin(spec["levels"])
                       & (checks["check_direct_share"].fillna("").astype(str) != "")]
    rows = []
    for name, group in concerned.groupby("proposer_name", sort=True):
        total = len(group)
        direct = int(group["direct_worker"].fillna(False).astype(bool).sum())
        rows.append({"proposer_name": name, "individuals": total, "direct": direct,
                     "share": 100 * direct / total, "meets": direct * 100 >= spec["min_pct"] * total})
    return pd.DataFrame(rows, columns=["proposer_name", "individuals", "direct", "share", "meets"])


def submitted_direct_share(checks: pd.DataFrame, config: dict[str, Any] | None = None) -> tuple[int, int]:
    """(direct workers, individuals) among the individuals of the list submitted to the People's Committee:
    passed, proposed for an award of a level the rule counts (a unit's own Giấy khen is not submitted). The
    pack, the workbook and the .docx say this one share; the rule itself is per proposing unit
    (direct_shares)."""
    cfg = config or load_config()
    levels = cfg["rules"]["direct_share"]["levels"]
    passed = checks["passed"].astype(str).str.lower().isin(["true", "1"])
    mine = checks[passed & (checks["kind"] == "individual") & checks["award_level"].isin(levels)]
    direct = mine["direct_worker"].astype(str).str.lower().isin(["true", "1"])
    return int(direct.sum()), len(mine)
