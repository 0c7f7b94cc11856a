"""Lessons learned from the narrative reports: themes of the shortcomings, lessons, initiatives and
recommendations (sections II.3.b–d and III of the outline), representative quotes with their units, the
initiatives and who runs them, and the recommendations grouped by whom they ask.

Everything is read from PROCESSED/sections.csv; the taxonomy and the addressees are config/themes.yml.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from sketket.catalog import Catalog
from sketket.clean import fold, nfc
from sketket.config import load_yaml
from sketket.dimensions import TIER_LABELS
from sketket.intake.narrative import load_outline
from sketket.registry import Registry, load_registry

SENTENCE_COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "sentence", "themes"]
_BULLET = re.compile(r"^(?:[-–—•+*·]+|\(?\d{1,2}[.)](?!\d)|\(?[a-zđ][).])\s*")
_DASH = re.compile(r"^[-–—•+*·]+\s*")  # a bullet inside a line, after a full stop or a semicolon


@dataclass(frozen=True)
class Themes:
    """config/themes.yml, folded once."""

    sections: tuple[str, ...]
    ids: tuple[str, ...]
    labels: dict[str, str]
    phrases: dict[str, tuple[str, ...]]
    ignore: tuple[str, ...]
    min_words: int
    quotes: dict
    none_phrases: tuple[str, ...]
    continuations: tuple[str, ...]
    addressees: tuple[tuple[str, str, tuple[re.Pattern, ...]], ...]
    heading_leads: tuple[str, ...] = ()
    heading_rest: int = 1
    difficulty_headings: tuple[str, ...] = ()
    proposal_headings: tuple[str, ...] = ()
    request_leads: tuple[str, ...] = ()
    request_reach: int = 3


def _longest_first(phrases: list[str]) -> tuple[str, ...]:
    return tuple(sorted({fold(p) for p in phrases}, key=len, reverse=True))


@lru_cache(maxsize=4)
def load_themes(path: str | None = None, registry: Registry | None = None) -> Themes:
    cfg = load_yaml(Path(path) if path else "themes.yml")
    registry = registry or load_registry()
    addressees = []
    for a in cfg["addressees"]:
        patterns = [re.compile(p) for p in a.get("patterns", [])]
        names = registry.units[registry.units["tier"].isin(a.get("registry_tiers", []))]["name"]
        patterns += [re.compile(r"\b" + re.escape(fold(n)) + r"\b") for n in names]
        addressees.append((a["id"], a["label"], tuple(patterns)))
    return Themes(
        sections=tuple(cfg["sections"]),
        ids=tuple(t["id"] for t in cfg["themes"]),
        labels={t["id"]: t["label"] for t in cfg["themes"]},
        phrases={t["id"]: tuple(fold(p) for p in t["phrases"]) for t in cfg["themes"]},
        ignore=tuple(sorted((fold(x) for x in cfg.get("ignore", [])), key=len, reverse=True)),
        min_words=int(cfg["min_words"]),
        quotes=dict(cfg["quotes"]),
        none_phrases=tuple(fold(x) for x in cfg["none_phrases"]),
        continuations=tuple(fold(x) for x in cfg.get("continuations", [])),
        addressees=tuple(addressees),
        heading_leads=_longest_first(cfg.get("heading_leads", [])),
        heading_rest=int(cfg.get("heading_rest", 1)),
        difficulty_headings=_longest_first(cfg.get("difficulty_headings", [])),
        proposal_headings=_longest_first(cfg.get("proposal_headings", [])),
        request_leads=_longest_first(cfg.get("request_leads", [])),
        request_reach=int(cfg.get("request_reach", 3)),
    )


def sentences(text: object, themes: Themes | None = None) -> list[str]:
    """Sentences and list items of a section's text, without their bullets or numbers; a sentence that
    continues the one before ("Nguyên nhân: …", config `continuations`) stays with it."""
    joins = (themes or load_themes()).continuations
    out: list[str] = []
    for line in str(text or "").splitlines():
        line = _BULLET.sub("", nfc(line)).strip()
        pieces = re.split(r"(?<=[.;!?])\s+|(?<=:)\s+(?=[-–•+]\s)", line)  # "Các mô hình: - SMS …; - QR …"
        for piece in pieces:
            piece = _DASH.sub("", piece.strip()).rstrip(";").strip()
            if not piece:
                continue
            if out and not out[-1].endswith(":") and (piece[0].islower() or fold(piece).startswith(joins)):
                out[-1] = f"{out[-1]} {piece}"  # "… 5 TTHC. trong đó …": not a new sentence
            else:
                out.append(piece)
    return out


def _key(text: str, themes: Themes) -> str:
    key = f" {fold(text)} "
    for phrase in themes.ignore:
        key = key.replace(f" {phrase} ", " ")
    return key


def themes_of(sentence: str, themes: Themes) -> list[str]:
    """The themes a sentence speaks of (taxonomy order)."""
    key = _key(sentence, themes)
    return [t for t in themes.ids if any(f" {p} " in key for p in themes.phrases[t])]


def _specificity(sentence: str, themes: Themes) -> int:
    """How concrete a sentence is: theme phrases it names, plus figures it gives."""
    key = _key(sentence, themes)
    phrases = sum(f" {p} " in key for ps in themes.phrases.values() for p in ps)
    return phrases + 2 * bool(re.search(r"\d", sentence))


def lesson_sentences(sections: pd.DataFrame, themes: Themes | None = None) -> pd.DataFrame:
    """One row per sentence of the lessons sections, with its themes (a list of ids)."""
    themes = themes or load_themes()
    rows = []
    for r in sections[sections["section"].isin(themes.sections)].itertuples(index=False):
        for s in sentences(r.text, themes):
            if len(s.split()) < themes.min_words:
                continue
            rows.append({"source_file": r.source_file, "unit_name": nfc(r.unit_name), "unit_code": r.unit_code,
                         "tier": r.tier, "section": r.section, "sentence": s, "themes": themes_of(s, themes)})
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)


def _unit_key(df: pd.DataFrame) -> pd.Series:
    """A unit is its code when matched, else its name, else its file: units are counted once each."""
    code = df["unit_code"].fillna("").astype(str)
    name = df["unit_name"].fillna("").astype(str)
    return code.where(code != "", name.where(name != "", df["source_file"].astype(str)))


def _section_label(section: str) -> str:
    return f"{section}. {load_outline().headings.get(section, section)}"


def theme_counts(sent: pd.DataFrame, themes: Themes | None = None) -> pd.DataFrame:
    """Units (and sentences) per section, theme and tier; most-cited themes first in each section."""
    themes = themes or load_themes()
    cols = ["section", "section_label", "theme", "theme_label", "tier", "tier_label", "units", "sentences"]
    long = sent.assign(unit=_unit_key(sent)).explode("themes").dropna(subset=["themes"])
    if long.empty:
        return pd.DataFrame(columns=cols)
    out = (long.groupby(["section", "themes", "tier"], as_index=False)
           .agg(units=("unit", "nunique"), sentences=("sentence", "size"))
           .rename(columns={"themes": "theme"}))
    out["section_label"] = out["section"].map(_section_label)
    out["theme_label"] = out["theme"].map(themes.labels)
    out["tier_label"] = out["tier"].map(lambda t: TIER_LABELS.get(t, "Chưa xác định"))
    total = out.groupby(["section", "theme"])["units"].transform("sum")
    order = {s: i for i, s in enumerate(themes.sections)}
    out = out.assign(_s=out["section"].map(order), _t=-total)
    return out.sort_values(["_s", "_t", "theme", "tier"])[cols].reset_index(drop=True)


def theme_table(counts: pd.DataFrame, section: str) -> pd.DataFrame:
    """One section's themes × tiers (number of units), with the total, for people to read."""
    part = counts[counts["section"] == section]
    if part.empty:
        return pd.DataFrame()
    wide = part.pivot_table(index="theme_label", columns="tier_label", values="units", aggfunc="sum",
                            fill_value=0)
    wide["Tổng số đơn vị"] = wide.sum(axis=1)
    wide = wide.sort_values("Tổng số đơn vị", ascending=False)
    wide.index.name = "Chủ đề"
    wide.columns.name = None
    return wide.astype(int)


@lru_cache(maxsize=1 << 14)
def _same(a: str, b: str, threshold: float) -> bool:
    if a == b:
        return True
    # the cheap upper bounds of ratio() first (length alone, then the letters): same answer, most pairs
    # are told apart without the full comparison
    if 2 * min(len(a), len(b)) / (len(a) + len(b)) < threshold:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold


def representative_quotes(sent: pd.DataFrame, themes: Themes | None = None) -> pd.DataFrame:
    """Per section and theme, up to `per_theme` quotes: the most specific, each said differently, from
    different units where possible, short enough to read; `same_units` counts the other units that wrote
    the same thing."""
    themes = themes or load_themes()
    q = themes.quotes
    cols = ["section", "section_label", "theme", "theme_label", "quote", "unit_name", "unit_code", "tier",
            "source_file", "same_units"]
    rows = []
    long = sent.assign(unit=_unit_key(sent)).explode("themes").dropna(subset=["themes"])
    long = long[long["sentence"].str.len().between(q["min_chars"], q["max_chars"])
                & ~long["sentence"].str.endswith(":")]
    # a sentence with several themes is folded and scored once
    fkeys = {s: fold(s) for s in long["sentence"].unique()}
    scores = {s: _specificity(s, themes) for s in fkeys}
    for (section, theme), grp in long.groupby(["section", "themes"], sort=False):
        # most specific first, then by unit; a stable sort, as sort_values on the two columns
        recs = sorted(grp.to_dict("records"), key=lambda r: (-scores[r["sentence"]], r["unit"]))
        chosen: list[dict] = []
        used_units: set[str] = set()
        for distinct_units in (True, False):  # first one quote per unit, then fill up
            for r in recs:
                key = fkeys[r["sentence"]]
                if len(chosen) >= q["per_theme"]:
                    break
                if distinct_units and r["unit"] in used_units:
                    continue
                if any(_same(key, c["fkey"], q["similar"]) for c in chosen):
                    continue
                same = {o["unit"] for o in recs if _same(fkeys[o["sentence"]], key, q["similar"])}
                chosen.append({"fkey": key, "section": section, "theme": theme, "quote": r["sentence"],
                               "unit_name": r["unit_name"], "unit_code": r["unit_code"], "tier": r["tier"],
                               "source_file": r["source_file"], "same_units": len(same) - 1})
                used_units.add(r["unit"])
        rows.extend(chosen)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["section_label"] = out["section"].map(_section_label)
    out["theme_label"] = out["theme"].map(themes.labels)
    return out[cols]


def _grouped(items: pd.DataFrame, extra: list[str]) -> pd.DataFrame:
    """Identical items (folded) from several units become one row listing the units."""
    items = items.assign(_key=items["text"].map(fold))
    out = (items.groupby(["_key", *extra], as_index=False, sort=False)
           .agg(text=("text", "first"), units=("unit_name", lambda s: "; ".join(dict.fromkeys(s))),
                unit_codes=("unit_code", lambda s: "; ".join(dict.fromkeys(c for c in s if c))),
                tiers=("tier", lambda s: "; ".join(dict.fromkeys(TIER_LABELS.get(t, t) for t in s if t))),
                n_units=("unit", "nunique"), themes=("themes", "first")))
    return out.drop(columns="_key")


def initiatives(sections: pd.DataFrame, themes: Themes | None = None) -> pd.DataFrame:
    """The models and initiatives of section II.3.d, each with the units that run it and its themes."""
    themes = themes or load_themes()
    cols = ["initiative", "units", "unit_codes", "tiers", "n_units", "themes"]
    rows = []
    for r in sections[sections["section"] == "II.3.d"].itertuples(index=False):
        for s in sentences(r.text, themes):
            key = f" {fold(s)} "
            if s.endswith(":") or len(s.split()) < themes.min_words or \
                    any(f" {p} " in key for p in themes.none_phrases):
                continue
            rows.append({"text": s, "unit_name": r.unit_name, "unit_code": r.unit_code, "tier": r.tier,
                         "unit": r.unit_code or r.unit_name,
                         "themes": "; ".join(themes.labels[t] for t in themes_of(s, themes))})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = _grouped(pd.DataFrame(rows), []).rename(columns={"text": "initiative"})
    return out.sort_values(["n_units", "initiative"], ascending=[False, True])[cols].reset_index(drop=True)


def _addressee_match(key: str, themes: Themes) -> tuple[str, int, int] | None:
    """(addressee id, start, end) of the earliest (then longest) addressee named in folded text."""
    best: tuple[int, int, str] | None = None
    for aid, _, patterns in themes.addressees:
        for p in patterns:
            m = p.search(key)
            if m and (best is None or (m.start(), -len(m.group())) < best[:2]):
                best = (m.start(), -len(m.group()), aid)
    return (best[2], best[0], best[0] - best[1]) if best else None


def addressee_of(sentence: str, themes: Themes) -> str:
    """Whom a sentence asks (an addressee id), or "" when it names none: the earliest mention wins."""
    found = _addressee_match(fold(sentence), themes)
    return found[0] if found else ""


def _strip_lead(key: str, leads: tuple[str, ...]) -> tuple[str, str]:
    """(the lead the folded text starts with, the rest), or ("", key)."""
    for lead in leads:
        if key == lead or key.startswith(lead + " "):
            return lead, key[len(lead):].strip()
    return "", key


def part_line(sentence: str, themes: Themes) -> tuple[str, str]:
    """What a line of part III is: ("difficulties", "") for a heading or label of difficulties,
    ("proposals", addressee id or "") for a heading of proposals or of whom they ask ("Đối với UBND Thành
    phố", "Kiến nghị với Trung ương:"), ("intro", addressee) for another line ending with a colon, and
    ("text", "") for the rest."""
    key = fold(sentence)
    label = fold(sentence.split(":", 1)[0]) if ":" in sentence else ""
    if label and label in themes.difficulty_headings:
        return "difficulties", ""  # "Khó khăn, vướng mắc: …"
    found = _addressee_match(key, themes)
    rest = f"{key[:found[1]]} {key[found[2]:]}".strip() if found else key
    lead, rest = _strip_lead(rest, themes.heading_leads + themes.proposal_headings)
    short = len(rest.split()) <= themes.heading_rest
    difficulty, after = _strip_lead(key, themes.difficulty_headings)
    if difficulty and (not after or len(after.split()) <= themes.heading_rest or sentence.endswith(":")) \
            and not found:
        return "difficulties", ""
    if short and (lead or found):
        return "proposals", found[0] if found else ""
    if sentence.endswith(":"):
        return "intro", found[0] if found else ""
    return "text", ""


def _addressee(sentence: str, context: str, themes: Themes) -> str:
    """Whom a line asks: under an addressee heading, that addressee, unless the line starts by asking
    another one ("Đề nghị Sở Nội vụ …"); elsewhere the one it names."""
    key = fold(sentence)
    found = _addressee_match(key, themes)
    if not context or found is None:
        return found[0] if found else context
    lead, _ = _strip_lead(key, themes.request_leads)
    if lead and len(key[:found[1]].split()) <= len(lead.split()) + themes.request_reach:
        return found[0]
    return context


def recommendations(sections: pd.DataFrame, themes: Themes | None = None) -> pd.DataFrame:
    """The recommendations of section III, grouped by whom they ask (UBND Thành phố, the Sở, the central
    government); a line naming only an addressee ("Đối với Trung ương:") applies to the lines after it."""
    themes = themes or load_themes()
    labels = {aid: label for aid, label, _ in themes.addressees}
    default = themes.addressees[-1][0]
    cols = ["addressee", "addressee_label", "recommendation", "units", "unit_codes", "tiers", "n_units", "themes"]
    rows = []
    for r in sections[sections["section"] == "III"].itertuples(index=False):
        context, mode = "", "proposals"
        # the part opened by "3. Khó khăn, vướng mắc" (a report on assigned tasks): difficulties first
        heading = _BULLET.sub("", str(getattr(r, "heading", "") or "").split(" / ")[-1]).strip()
        if heading and part_line(heading, themes)[0] == "difficulties":
            mode = "difficulties"
        for s in sentences(r.text, themes):
            kind, named = part_line(s, themes)
            if kind == "difficulties":
                mode = "difficulties"
                continue
            if kind == "proposals":  # a heading: its addressee (or none) for the lines below
                mode, context = "proposals", named
                continue
            if kind == "intro" or len(s.split()) < themes.min_words:
                context = named or addressee_of(s, themes) or context  # an intro line: its addressee carries on
                key = f" {fold(s)} "
                if kind == "intro" and any(f" {p} " in key for p in themes.proposal_headings):
                    mode = "proposals"  # "… có một số kiến nghị, đề xuất như sau:"
                continue
            if mode == "difficulties" and not _strip_lead(fold(s), themes.request_leads)[0]:
                continue  # a difficulty, not a proposal
            rows.append({"text": s, "addressee": _addressee(s, context, themes) or default, "unit_name": r.unit_name,
                         "unit_code": r.unit_code, "tier": r.tier, "unit": r.unit_code or r.unit_name,
                         "themes": "; ".join(themes.labels[t] for t in themes_of(s, themes))})
    if not rows:
        return pd.DataFrame(columns=cols)
    out = _grouped(pd.DataFrame(rows), ["addressee"]).rename(columns={"text": "recommendation"})
    out["addressee_label"] = out["addressee"].map(labels)
    order = {aid: i for i, (aid, _, _) in enumerate(themes.addressees)}
    out = out.assign(_o=out["addressee"].map(order))
    out = out.sort_values(["_o", "n_units", "recommendation"], ascending=[True, False, True])
    return out[cols].reset_index(drop=True)


def read_sections(processed_dir: Path) -> pd.DataFrame:
    """The narrative reports' sections from the catalog (text; empty codes stay empty strings)."""
    return Catalog(Path(processed_dir)).load("sections")


def write_lessons(processed_dir: Path, registry: Registry | None = None) -> dict[str, Path]:
    """lessons_themes.csv, lessons_quotes.csv, initiatives.csv and recommendations.csv in processed_dir; the
    addressees of the recommendations ("Kiến nghị tới") named from the run's `registry`."""
    processed_dir = Path(processed_dir)
    sections = read_sections(processed_dir)
    themes = load_themes(registry=registry)
    sent = lesson_sentences(sections, themes)
    tables = {
        "lessons_themes": theme_counts(sent, themes),
        "lessons_quotes": representative_quotes(sent, themes),
        "initiatives": initiatives(sections, themes),
        "recommendations": recommendations(sections, themes),
    }
    cat = Catalog(processed_dir)
    return {name: cat.save(name, df)[-1] for name, df in tables.items()}
