"""The checklist of section II.2 per unit: the implementing documents (c), the modern-counter criteria (d),
Saturday mornings (đ), postal service (e), online services (g), apologies (h) and satisfaction surveys (k):
what each unit reports (yes, no, a number) or that it says nothing. Items and phrases: config/checklist.yml.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sketket.analysis.lessons import read_sections
from sketket.catalog import Catalog
from sketket.clean import fold, format_int, format_number, nfc, parse_number
from sketket.config import load_yaml
from sketket.dimensions import TIER_LABELS

CHECKLIST_COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "group", "item", "item_label",
                     "value", "number", "evidence"]


@dataclass(frozen=True, eq=False)  # hashed by identity: one loaded config, cached
class Checklist:
    items: tuple[dict, ...]
    values: dict[str, str]
    negative: frozenset[str]
    positive: frozenset[str]
    words_ahead: int
    breaks: re.Pattern
    fallback: tuple[str, ...]


@lru_cache(maxsize=4)
def load_checklist(path: str | None = None) -> Checklist:
    cfg = load_yaml(path or "checklist.yml")
    items = tuple({**i, "mentions": [fold(m) for m in i["mentions"]],
                   "none_needed": [fold(m) for m in i.get("none_needed", [])],
                   "number": [re.compile(p) for p in i.get("number", [])]} for i in cfg["items"])
    # a full stop ends a clause only before a space: "12.000 hồ sơ" stays whole
    breaks = "|".join(r"\.(?=\s|$)" if b == "." else re.escape(b) if not b[0].isalpha()
                      else rf"\b{re.escape(b)}\b" for b in cfg["clause_breaks"])
    return Checklist(items, dict(cfg["values"]), frozenset(fold(c) for c in cfg["cues"]["negative"]),
                     frozenset(fold(c) for c in cfg["cues"]["positive"]), int(cfg["cues"]["words_ahead"]),
                     re.compile(breaks), tuple(cfg["fallback_sections"]))


def _plain(text: str) -> str:
    """Lower case without diacritics, punctuation kept (for reading figures)."""
    s = unicodedata.normalize("NFD", nfc(text).lower())
    return "".join(c for c in s if unicodedata.category(c) != "Mn").replace("đ", "d")


def clauses(text: str, checklist: Checklist) -> list[tuple[str, str]]:
    """Folded clauses, the text cut at sentence ends, semicolons and contrast words ("tuy nhiên"); each as
    (what it is about, its status): "Quy chế phối hợp …: chưa ban hành" → ("quy che phoi hop", "chua ban hanh")."""
    out: list[tuple[str, str]] = []
    for line in str(text or "").splitlines():
        for piece in checklist.breaks.sub("\n", nfc(line).lower()).split("\n"):
            head, _, status = piece.partition(":")
            if fold(head) or fold(status):
                out.append((fold(head), fold(status)))
    return out


@lru_cache(maxsize=256)
def _clauses_of(text: str, checklist: Checklist) -> tuple[tuple[str, str], ...]:
    """clauses(), once per text: every item of a report reads the same sections."""
    return tuple(clauses(text, checklist))


def _cue(words: list[str], i: int, checklist: Checklist) -> str:
    if words[i] in checklist.negative:
        return "no"
    if words[i] in checklist.positive:
        return "no" if i > 0 and words[i - 1] in checklist.negative else "yes"
    return ""


def verdict(head: str, status: str, mention: str, checklist: Checklist) -> str:
    """"yes" or "no" for one mention: the status after a colon when the mention is before it, else the
    nearest cue before the mention, else the first a few words after it, else "yes" (naming a thing done
    is the usual way of reporting it)."""
    m = mention.split()
    words = head.split()
    starts = [i for i in range(len(words)) if words[i:i + len(m)] == m]
    status_words = status.split()
    if starts:
        for i in range(len(status_words)):
            if _cue(status_words, i, checklist):
                return _cue(status_words, i, checklist)
    else:  # "các tiêu chí chưa đạt: màn hình cảm ứng …": the list after the colon reads on from before it
        words = words + status_words
        starts = [i for i in range(len(words)) if words[i:i + len(m)] == m]
    start = starts[0]
    for i in range(start - 1, -1, -1):
        if _cue(words, i, checklist):
            return _cue(words, i, checklist)
    for i in range(start + len(m), min(len(words), start + len(m) + checklist.words_ahead)):
        if _cue(words, i, checklist):
            return _cue(words, i, checklist)
    return "yes"


def assess(item: dict, text: str, checklist: Checklist) -> tuple[str, float | None, str]:
    """(value, number, evidence) for one item in one text; value "" when the text does not mention it."""
    verdicts: list[str] = []
    evidence = ""
    for head, status in _clauses_of(text, checklist):
        clause = f" {head} {status} "
        if any(f" {n} " in clause for n in item["none_needed"]):
            return checklist.values["none_needed"], None, clause.strip()
        for mention in item["mentions"]:
            if f" {mention} " in f" {head} " or f" {mention} " in f" {status} ":
                verdicts.append(verdict(head, status, mention, checklist))
                evidence = evidence or clause.strip()
                break
    if not verdicts:
        return "", None, ""
    number = None
    plain = _plain(text) if item["number"] else ""
    for pattern in item["number"]:
        m = pattern.search(plain)
        if m:
            number = parse_number(m.group("n")).value
            break
    kinds = set(verdicts)
    value = checklist.values["partly"] if len(kinds) > 1 else checklist.values[kinds.pop()]
    if value == checklist.values["no"]:
        number = None  # "chưa triển khai dịch vụ công trực tuyến mức độ 3, 4": the 3 is not a count
    return value, number, evidence


def unit_checklist(sections: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """One row per report and item (CHECKLIST_COLUMNS)."""
    checklist = checklist or load_checklist()
    rows = []
    for source, rep in sections.groupby("source_file", sort=False):
        texts = dict(zip(rep["section"], rep["text"].fillna(""), strict=False))
        first = rep.iloc[0]
        fallback = "\n".join(t for s, t in texts.items() if s.startswith(checklist.fallback))
        for item in checklist.items:
            value, number, evidence = assess(item, texts.get(item["section"], ""), checklist)
            if not value:
                value, number, evidence = assess(item, fallback, checklist)
            rows.append({"source_file": source, "unit_name": first["unit_name"], "unit_code": first["unit_code"],
                         "tier": first["tier"], "section": item["section"], "group": item["group"],
                         "item": item["id"], "item_label": item["label"],
                         "value": value or checklist.values["silent"], "number": number, "evidence": evidence})
    return pd.DataFrame(rows, columns=CHECKLIST_COLUMNS)


def _cell(value: str, number: float | None, kind: str) -> str:
    if number is None or pd.isna(number):
        return value
    return format_number(number) + "%" if kind == "percent" else format_int(number)


def checklist_matrix(df: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """Units × items for people to read: "Có", "Không", a figure, "Không nêu"…"""
    checklist = checklist or load_checklist()
    kinds = {i["id"]: i.get("number_kind", "") for i in checklist.items}
    labels = [i["label"] for i in checklist.items]
    cells = df.assign(cell=[_cell(v, n, kinds.get(i, "")) for v, n, i in
                            zip(df["value"], df["number"], df["item"], strict=True)],
                      tier_label=df["tier"].map(lambda t: TIER_LABELS.get(t, "Chưa xác định")))
    wide = cells.pivot_table(index=["tier_label", "unit_name"], columns="item_label", values="cell",
                             aggfunc="first")
    wide = wide[[c for c in labels if c in wide.columns]]
    wide.index.names = ["Khối", "Đơn vị"]
    wide.columns.name = None
    return wide


def silent_units(df: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """Per item: how many units answer each way, and which units say nothing."""
    checklist = checklist or load_checklist()
    order = [v for k, v in checklist.values.items() if k != "silent"] + [checklist.values["silent"]]
    counts = pd.crosstab(df["item_label"], df["value"]).reindex(columns=order, fill_value=0)
    silent = df[df["value"] == checklist.values["silent"]].groupby("item_label")["unit_name"]\
        .agg(lambda s: "; ".join(s))
    counts["Đơn vị không nêu"] = silent.reindex(counts.index).fillna("")
    counts = counts.reindex([i["label"] for i in checklist.items if i["label"] in counts.index])
    counts.index.name = "Nội dung"
    counts.columns.name = None
    return counts


def write_checklist(processed_dir: Path) -> Path:
    """The checklist dataset (checklist.csv for Excel users) from the sections."""
    return Catalog(Path(processed_dir)).save("checklist", unit_checklist(read_sections(processed_dir)))[-1]
