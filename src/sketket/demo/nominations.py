"""The demo city's award nomination lists: a few units with clean tables send one, each filled with the
nomination template's own writer, with a few planted violations listed in the manifest (config/demo.yml,
`nominations`). Deterministic for a seed."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sketket.clean import fold
from sketket.config import Plan
from sketket.outputs.nomination_template import write_nomination_workbook

BANG_KHEN, GIAY_KHEN = 0, 1  # indexes of config/nominations.yml `awards`


def _entry(source_file: str, sheet: str, cell: str, rule: str, severity: str = "error") -> dict[str, str]:
    return {"source_file": source_file, "sheet": sheet, "cell": cell, "rule": rule, "severity": severity}


class _People:
    """Distinct names (never equal once folded: no duplicate but the planted one)."""

    def __init__(self, rng: random.Random, cfg: dict[str, Any]):
        self.rng, self.cfg, self.used = rng, cfg, set()

    def name(self) -> str:
        while True:
            c = self.cfg
            name = f"{self.rng.choice(c['family'])} {self.rng.choice(c['middle'])} {self.rng.choice(c['given'])}"
            if fold(name) not in self.used:
                self.used.add(fold(name))
                return name


def write_demo_nominations(out: Path, proposers: list[tuple[str, str, list[str], str]], seed_key: str,
                           plan: Plan, cfg: dict[str, Any]) -> list[dict[str, str]]:
    """Nomination lists of `proposers` ((name as the unit signs, folder relative to `out`, its sub-units' names,
    a misspelling of one of them that the registry does not know)); returns the manifest entries of the
    planted violations."""
    from sketket.demo.generate import ascii_name, freeze
    from sketket.intake.nominations import awards as award_forms

    awards = [a.label for a in award_forms()]
    ncfg = cfg["nominations"]
    rng = random.Random(f"{seed_key}:nominations")
    words = random.Random(f"{seed_key}:nominations:words")  # its own sequence: the planted faults stay the same
    people = _People(rng, ncfg)
    manifest: list[dict[str, str]] = []
    shared = people.name()  # the person two units propose
    shared_unit = ""
    for k, (unit, folder, subs, typo) in enumerate(proposers[: ncfg["units"]]):
        collectives = [{"name": sub, "unit_name": unit, "award": awards[BANG_KHEN],
                        "summary": words.choice(ncfg["collective_summaries"]), "reason": words.choice(ncfg["reasons"])}
                       for sub in rng.sample(subs, min(len(subs), rng.randint(*ncfg["collectives"])))]
        individuals = []
        for _ in range(rng.randint(*ncfg["individuals"])):
            work = rng.choice([unit, *subs[:3]])
            individuals.append({"name": people.name(), "position": rng.choice(ncfg["direct_positions"]),
                                "unit_name": work, "direct_worker": True, "award": awards[BANG_KHEN],
                                "summary": rng.choice(ncfg["summaries"])})
        planted: list[tuple[int, str, str]] = []  # (individual index, column, rule)
        if k == 0:  # too few direct workers: 2 of 4 proposed for the city's award
            individuals = individuals[:2] + [
                {"name": people.name(), "position": rng.choice(ncfg["other_positions"]), "unit_name": unit,
                 "direct_worker": False, "award": awards[BANG_KHEN], "summary": rng.choice(ncfg["summaries"])}
                for _ in range(2)]
            planted += [(2, "direct_worker", "nomination_direct_share"), (3, "direct_worker", "nomination_direct_share")]
        if k == 1:  # proposes a person of its own …
            individuals.append({"name": shared, "position": ncfg["direct_positions"][0], "unit_name": unit,
                                "direct_worker": True, "award": awards[BANG_KHEN], "summary": ncfg["summaries"][0]})
            planted.append((len(individuals) - 1, "name", "nomination_duplicate"))
            shared_unit = unit
        if k == 2:  # … whom another unit proposes too, typed in capitals with the old tone placement
            typed = shared.upper().replace("HÒA", "HOÀ").replace("THỦY", "THUỶ")
            individuals.append({"name": typed, "position": ncfg["direct_positions"][0], "unit_name": shared_unit,
                                "direct_worker": True, "award": awards[BANG_KHEN], "summary": ncfg["summaries"][0]})
            planted.append((len(individuals) - 1, "name", "nomination_duplicate"))
        if k == 3:  # a work unit misspelt
            individuals[0]["unit_name"] = typo
            planted.append((0, "unit_name", "nomination_registry"))
        if k == 4:  # a row without its award: read as such by ingest
            individuals[-1]["award"] = ""
            planted.append((len(individuals) - 1, "award", "nomination_award_missing"))
        if k == 5 and len(individuals) > 3:  # a unit-level award among them: not counted for the share
            individuals[-1]["award"] = awards[GIAY_KHEN]
        rel = f"{folder}/Danh sach de nghi khen thuong - {ascii_name(unit)}.xlsx"
        m = write_nomination_workbook(out / rel, unit, collectives, individuals, plan=plan,
                                      extra_title_lines=k % 2)
        freeze(out / rel)
        manifest += [_entry(rel, m.sheet, m.cell("individual", column, i), rule) for i, column, rule in planted]
    return manifest
