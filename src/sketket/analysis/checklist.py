"""The checklist of section II.2 per unit: the implementing documents (c), the modern-counter criteria (d),
Saturday mornings (đ), postal service (e), online services (g), apologies (h) and satisfaction surveys (k):
what each unit reports (yes, no, partly, not needed, a number) or that it says nothing, with the sentence
each answer was read from. Items, phrases and cues: config/checklist.yml (its header says how a report is
read).

A report's prose is cut into sentences, each into the part before and after its colon, clauses (contrast
words) and pieces (commas). An item is found by its subject, then the polarity of its own piece decides,
else the pieces it belongs to (a list, a topic, the other side of the colon, the line above its bullets).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sketket.analysis.lessons import read_sections
from sketket.catalog import Catalog
from sketket.clean import fold, format_int, format_number, nfc, parse_number
from sketket.config import load_yaml
from sketket.dimensions import TIER_LABELS
from sketket.numwords import words_to_digits

CHECKLIST_COLUMNS = ["source_file", "unit_name", "unit_code", "tier", "section", "group", "item", "item_label",
                     "value", "number", "evidence"]
# after the contract's columns: why an answer needs an analyst's eye (two sentences disagree)
EXTRA_COLUMNS = ["flag"]

_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^(?:[-–—•+*·]+|\(?\d{1,2}[.)]|\(?[a-zđ]\))\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|;\s*|\s+[•·]\s+|(?<=[:])\s+[-+–]\s+")
_COMMA = re.compile(r",(?!\d)|(?<!\d),|[()]")  # a bracket holds a remark, not the item's status
_COLON = re.compile(r":(?!\d)")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def _fold_words(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(w).replace(" ", "") or w for w in words)


def _phrase(text: str) -> tuple[str, ...]:
    """A config phrase as words, diacritics kept."""
    return _words(nfc(text))


def _padded(words: tuple[str, ...]) -> str:
    return f" {' '.join(words)} "


# -- configuration ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cues:
    """One set of cue phrases (as word tuples) for text with diacritics, or for text typed without them."""

    none_needed: re.Pattern  # each class: one pattern for its phrases, on words padded with spaces
    partly: re.Pattern
    partly_patterns: tuple[re.Pattern, ...]
    no: re.Pattern
    not_negation: re.Pattern
    yes: re.Pattern
    request: re.Pattern
    contrast: re.Pattern
    contrast_at_start: re.Pattern  # on a piece's words joined by spaces
    subordinate_starts: re.Pattern
    scope_ends: tuple[tuple[str, ...], ...]
    scope_starts: tuple[tuple[str, ...], ...]
    topic_leads: tuple[tuple[str, ...], ...]


def _cues(cfg: dict, folded: bool) -> Cues:
    def words(phrases: list[str]) -> tuple[tuple[str, ...], ...]:
        out = (_phrase(p) for p in phrases)
        return tuple(sorted({_fold_words(w) if folded else w for w in out}, key=len, reverse=True))

    def strings(phrases: list[str]) -> tuple[str, ...]:
        return tuple(" ".join(w) for w in words(phrases))

    def pattern(phrases: list[str]) -> re.Pattern:  # longest first: "chưa được" before "chưa"
        return re.compile("(?<= )(?:" + "|".join(re.escape(p) for p in strings(phrases)) + ")(?= )")

    def opening(phrases: list[str]) -> re.Pattern:
        return re.compile("^(?:" + "|".join(re.escape(p) for p in strings(phrases)) + ")(?= |$)")

    c, s = cfg["cues"], cfg["segments"]
    contrast = "|".join(re.escape(p) for p in strings(s["contrast"]))
    return Cues(
        none_needed=pattern(c["none_needed"]), partly=pattern(c["partial"]),
        partly_patterns=tuple(re.compile(p) for p in c.get("partial_patterns", [])),
        no=pattern(c["not_done"]), not_negation=pattern(c["not_negation"]), yes=pattern(c["positive"]),
        request=pattern(c["request"]),
        # "song song" (in parallel) is no "song" (but)
        contrast=re.compile(rf"(?<!\w)(?:{contrast})(?!\w)(?! song\b)"),
        contrast_at_start=opening(s["contrast_at_start"]), subordinate_starts=opening(s["subordinate_starts"]),
        scope_ends=words(s["scope_ends"]), scope_starts=words(s["scope_starts"]),
        topic_leads=words(s["topic_leads"]))


@dataclass(frozen=True)
class Subject:
    """One way an item is named: groups of folded phrases that must all be there, the first placing it."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]


@dataclass(frozen=True, eq=False)  # hashed by identity: one loaded config, cached
class Checklist:
    items: tuple[dict, ...]
    values: dict[str, str]
    marked: Cues  # for text with diacritics
    plain: Cues   # for text typed without them
    list_words: int
    topic_words: int
    window: int
    count: str
    percent: str
    fraction: re.Pattern
    fallback: tuple[str, ...]
    flag_conflict: str
    flag_label: str


def _subject(entry: str | list) -> Subject:
    entries = [entry] if isinstance(entry, str) else entry
    groups = []
    for group in entries:
        alternatives = [group] if isinstance(group, str) else group
        groups.append(tuple(_fold_words(_phrase(a)) for a in alternatives))
    return Subject(tuple(groups))


@lru_cache(maxsize=4)
def answer_words(path: str | None = None) -> dict[str, str]:
    """The words the checklist table holds for its answers (checklist.yml `values`: yes, no, partly,
    none_needed, silent), for the documents that count them."""
    return dict(load_yaml(Path(path) if path else "checklist.yml")["values"])


@lru_cache(maxsize=4)
def implied_by(path: str | None = None) -> dict[str, str]:
    """Item → the item that holds it (checklist.yml `implied_by`: each criterion → "đủ tiêu chí hiện đại")."""
    return {i["id"]: i["implied_by"] for i in load_yaml(Path(path) if path else "checklist.yml")["items"] if i.get("implied_by")}


@lru_cache(maxsize=4)
def load_checklist(path: str | None = None) -> Checklist:
    cfg = load_yaml(Path(path) if path else "checklist.yml")
    figures = cfg["figures"]
    items = []
    for i in cfg["items"]:
        kind = i.get("number_kind", "")
        fill = figures["percent"] if kind == "percent" else figures["count"]
        items.append({**i, "subjects": tuple(_subject(s) for s in i["subjects"]),
                      "not": tuple(_fold_words(_phrase(p)) for p in i.get("not", [])),
                      "none_subjects": tuple(" ".join(_fold_words(_phrase(p))) for p in i.get("none_subjects", [])),
                      "number": tuple(re.compile(p.replace("{n}", fill)) for p in i.get("number", [])),
                      "parts": tuple(re.compile(p.replace("{n}", fill)) for p in i.get("parts", []))})
        probes = [" ".join(p) for s in items[-1]["subjects"] for p in s.groups[0]] + list(items[-1]["none_subjects"])
        items[-1]["probe"] = re.compile("(?<= )(?:" + "|".join(re.escape(p) for p in probes) + ")(?= )")
    seg = cfg["segments"]
    return Checklist(tuple(items), dict(cfg["values"]), _cues(cfg, False), _cues(cfg, True),
                     int(seg["list_words"]), int(seg["topic_words"]), int(seg["subject_window"]),
                     figures["count"], figures["percent"], re.compile(figures["fraction"]),
                     tuple(cfg["fallback_sections"]), cfg["flag_conflict"], cfg["flag_label"])


# -- cutting prose ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A comma-separated piece of a sentence: its words (lower case), folded, and where it sits."""

    text: str
    words: tuple[str, ...]
    folded: tuple[str, ...]
    side: int          # 0 before the sentence's colon, 1 after it
    clause: int        # a new clause starts at a contrast word
    subordinate: bool  # a reason or a condition ("do chưa có kinh phí")


@dataclass(frozen=True)
class Sentence:
    text: str
    pieces: tuple[Piece, ...]
    folded: tuple[str, ...]            # every piece's folded words, in order
    where: tuple[tuple[int, int], ...]  # (piece, word in it) of each folded word
    key: str                            # the folded words, padded with spaces
    marked: bool                        # written with diacritics
    lead_in: bool                       # ends with a colon: it introduces the lines below
    context: Sentence | None = None     # the lead-in line above a bullet


def _plain(text: str) -> str:
    """Lower case without diacritics, punctuation kept (for reading figures)."""
    s = unicodedata.normalize("NFD", nfc(text).lower())
    return "".join(c for c in s if unicodedata.category(c) != "Mn").replace("đ", "d")


def _table_row(line: str) -> str:
    """"1 | Quy chế phối hợp | Chưa ban hành | …" → "Quy chế phối hợp: Chưa ban hành, …"."""
    cells = [c.strip() for c in line.split(" | ") if c.strip() and not re.fullmatch(r"[\dIVXivx.)]+", c.strip())]
    if len(cells) < 2:
        return cells[0] if cells else ""
    return f"{cells[0].rstrip(':')}: " + ", ".join(cells[1:])


def _starts(words: tuple[str, ...], phrases: re.Pattern) -> bool:
    return phrases.match(" ".join(words[:4])) is not None


def _sentence(text: str, checklist: Checklist, context: Sentence | None) -> Sentence:
    marked = not text.isascii()
    cues = checklist.marked if marked else checklist.plain
    colon = _COLON.search(text)  # the first colon not between digits ("8:00", "ISO 9001:2008")
    head, tail = (text[:colon.start()], text[colon.end():]) if colon else (text, "")
    pieces: list[Piece] = []
    clause = 0
    for side, part in enumerate((head, tail) if colon else (head,)):
        clause += 1
        for raw in _COMMA.split(part):
            lower = raw.lower()  # same length as raw for Vietnamese text
            cuts = sorted({0} | {m.start() for m in cues.contrast.finditer(lower)})
            for k, (a, b) in enumerate(zip(cuts, [*cuts[1:], len(raw)], strict=True)):
                chunk = raw[a:b].strip()
                words = _words(chunk)
                if not words:
                    continue
                folded = _fold_words(words)
                cue_words = words if marked else folded
                if k > 0 or cues.contrast.match(lower[a:b].strip()) or _starts(cue_words, cues.contrast_at_start):
                    clause += 1
                pieces.append(Piece(chunk, words, folded, side, clause,
                                    _starts(cue_words, cues.subordinate_starts)))
    folded_all: list[str] = []
    where: list[tuple[int, int]] = []
    for pi, p in enumerate(pieces):
        folded_all += p.folded
        where += [(pi, wi) for wi in range(len(p.folded))]
    lead_in = text.rstrip().endswith(":") and not tail.strip()
    return Sentence(text, tuple(pieces), tuple(folded_all), tuple(where), _padded(tuple(folded_all)), marked,
                    lead_in, context)


@lru_cache(maxsize=512)
def sentences_of(text: str, checklist: Checklist) -> tuple[Sentence, ...]:
    """The sentences of a section's text; a bullet line keeps the lead-in line above it as its context."""
    out: list[Sentence] = []
    context: Sentence | None = None
    for raw in str(text or "").splitlines():
        line = nfc(raw)
        if not line:
            continue
        bullet = bool(_BULLET.match(line))
        if " | " in line:
            line = _table_row(line)
        if not bullet:
            context = None
        line_context = context
        last: Sentence | None = None
        for piece in _SENTENCE_END.split(_BULLET.sub("", line)):
            piece = _BULLET.sub("", piece.strip()).strip()
            if _WORD.search(piece):
                last = _sentence(piece, checklist, line_context)
                out.append(last)
        if last is not None and last.lead_in:
            context = last
    return tuple(out)


# -- reading one item -------------------------------------------------------------------------------------

def _find(words: tuple[str, ...], key: str, phrase: tuple[str, ...]) -> list[int]:
    """Word positions where a phrase starts."""
    if f" {' '.join(phrase)} " not in key:
        return []
    n = len(phrase)
    return [i for i in range(len(words) - n + 1) if words[i] == phrase[0] and words[i:i + n] == phrase]


def anchors(item: dict, sentence: Sentence, window: int) -> list[tuple[int, int]]:
    """(position, length) in the sentence's folded words of each naming of the item, in order."""
    found: list[tuple[int, int]] = []
    words, key = sentence.folded, sentence.key

    def clause(j: int) -> tuple[int, int]:
        piece = sentence.pieces[sentence.where[j][0]]
        return piece.side, piece.clause

    for subject in item["subjects"]:
        first, others = subject.groups[0], subject.groups[1:]
        for phrase in first:
            for at in _find(words, key, phrase):
                near = all(any(abs(j - at) <= window and clause(j) == clause(at)
                               for p in group for j in _find(words, key, p)) for group in others)
                excluded = any(j <= at < j + len(p) for p in item["not"] for j in _find(words, key, p))
                if near and not excluded:
                    found.append((at, len(phrase)))
    return sorted(set(found))


def _has(span: str, phrases: re.Pattern) -> bool:
    return phrases.search(span) is not None


def polarity(piece: Piece, marked: bool, checklist: Checklist, start: int = 0, end: int | None = None) -> str:
    """"none_needed", "partly", "no", "yes" or "" (no cue) for words start:end of a piece."""
    cues = checklist.marked if marked else checklist.plain
    words = (piece.words if marked else piece.folded)[start:end]
    span = _padded(words)
    if _has(span, cues.none_needed):
        return "none_needed"
    lower = piece.text.lower()
    fraction = checklist.fraction.search(words_to_digits(lower)) if "/" in lower or " trên " in lower else None
    if _has(span, cues.partly) or any(p.search(span) for p in cues.partly_patterns) or \
            (fraction and parse_number(fraction.group("a")).value < parse_number(fraction.group("b")).value):
        return "partly"
    span = cues.not_negation.sub("_", span)
    if _has(span, cues.no):
        return "no"
    return "yes" if _has(span, cues.yes) else ""


def _scope(piece: Piece, at: int, length: int, cues: Cues, marked: bool) -> tuple[int, int]:
    """The words of a piece that speak of the word at `at`: from the last "nên" before it, to the first
    "do", "để"… after it."""
    words = piece.words if marked else piece.folded
    key = _padded(words)
    start, end = 0, len(words)
    for p in cues.scope_starts:
        for j in _find(words, key, p):
            if j + len(p) <= at:
                start = max(start, j + len(p))
    for p in cues.scope_ends:
        for j in _find(words, key, p):
            if j >= at + length:
                end = min(end, j)
    return start, end


def _topic(piece: Piece, at: int, cues: Cues, marked: bool, topic_words: int) -> bool:
    """The item opens its piece ("Quy chế phối hợp …"): what follows the comma says its status."""
    words = piece.words if marked else piece.folded
    lead = 0
    moved = True
    while moved:
        moved = False
        for p in cues.topic_leads:
            if tuple(words[lead:lead + len(p)]) == p:
                lead, moved = lead + len(p), True
                break
    return at - lead < topic_words


def status(sentence: Sentence, at: int, length: int, checklist: Checklist) -> str:
    """The polarity of one naming of an item in a sentence ("" when the sentence asks for it instead of
    reporting it, or only introduces the lines below)."""
    found = _status(sentence, at, length, checklist)
    if found == "yes":  # "Về cơ bản, các đơn vị đã ban hành …": a hedge opening the clause holds for it
        piece = sentence.pieces[sentence.where[at][0]]
        for q in sentence.pieces[:sentence.pieces.index(piece)]:
            if q.side == piece.side and q.clause == piece.clause and not q.subordinate and \
                    polarity(q, sentence.marked, checklist) == "partly":
                return "partly"
    return found


def _status(sentence: Sentence, at: int, length: int, checklist: Checklist) -> str:
    if sentence.lead_in:
        return ""
    marked = sentence.marked
    cues = checklist.marked if marked else checklist.plain
    pi, wi = sentence.where[at]
    piece = sentence.pieces[pi]
    same = [q for q in sentence.pieces if q.side == piece.side and q.clause == piece.clause]
    own = same.index(piece)
    asked = [_padded(q.words if marked else q.folded) for q in same[:own]]
    asked.append(_padded((piece.words if marked else piece.folded)[:wi]))
    if any(_has(a, cues.request) for a in asked):
        return ""
    start, end = _scope(piece, wi, length, cues, marked)
    own_cue = polarity(piece, marked, checklist, start, end)
    if own_cue and own_cue != "yes":
        return own_cue
    if own_cue and polarity(piece, marked, checklist, wi + length, end):
        return own_cue  # "Chế độ bồi dưỡng được chi trả đầy đủ": its own predicate
    # a "ban hành" before the item is in its title ("Quyết định ban hành Quy chế phối hợp: chưa ban
    # hành"): weaker than the status the sentence then gives it
    other_side = [q for q in sentence.pieces if q.side != piece.side and not q.subordinate]
    if piece.side == 0:  # "Quy chế phối hợp: chưa ban hành"
        for q in other_side:
            found = polarity(q, marked, checklist)
            if found:
                return found
    if _topic(piece, wi, cues, marked, checklist.topic_words):  # "Quy chế phối hợp …, đang dự thảo"
        for q in same[own + 1:]:
            # "3% chưa hài lòng": a piece opening with a figure has a subject of its own
            predicate = not q.subordinate and not q.words[0].isdigit()
            found = polarity(q, marked, checklist, *_scope(q, 0, 0, cues, marked)) if predicate else ""
            if found and (found != "yes" or not own_cue):
                return found
            if found:
                break
    if own_cue:
        return own_cue
    if end - start <= checklist.list_words:  # "chưa ban hành quy chế phối hợp, nội quy"
        for q in reversed(same[:own]):
            found = "" if q.subordinate else polarity(q, marked, checklist)
            if found:
                return found
    if piece.side == 1:  # "các tiêu chí chưa đạt: màn hình cảm ứng"
        for q in reversed(other_side):
            found = polarity(q, marked, checklist)
            if found:
                return found
    if sentence.context is not None:  # the line above the bullets: "Các tiêu chí chưa đạt:"
        for q in sentence.context.pieces:
            found = "" if q.subordinate else polarity(q, sentence.context.marked, checklist)
            if found:
                return found
    return "yes"  # naming a thing done, with nothing against it, is the usual way of reporting it


@dataclass(frozen=True)
class Answer:
    value: str              # a polarity, "conflict", or "" (not named)
    number: float | None
    evidence: tuple[str, ...]


def _figure(item: dict, text: str) -> float | None:
    """The item's figure in one sentence: its parts summed when two levels or more are given, else the
    first number pattern that matches."""
    plain = _plain(words_to_digits(text))
    parts: dict[str, float] = {}
    for pattern in item["parts"]:
        for m in pattern.finditer(plain):
            value = parse_number(m.group("n")).value
            if value is not None:
                parts.setdefault(m.group("level"), value)
    if len(parts) >= 2:
        return float(sum(parts.values()))
    if item.get("number_pick") == "nearest":
        found = sorted((m.end() - m.start(), m.start(), m.group("n"))
                       for pattern in item["number"] for m in pattern.finditer(plain))
        return parse_number(found[0][2]).value if found else None
    for pattern in item["number"]:
        m = pattern.search(plain)
        if m:
            value = parse_number(m.group("n")).value
            if value is not None:
                return value
    return None


def _section_statement(sents: tuple[Sentence, ...], checklist: Checklist) -> list[tuple[int, str]]:
    """The first statement of a section that never names its item speaks of it ("Sở chưa triển khai."
    under heading e): the first cue of its first sentence that is not a lead-in."""
    for k, sentence in enumerate(sents):
        if sentence.lead_in:
            continue
        for piece in sentence.pieces:
            found = "" if piece.subordinate else polarity(piece, sentence.marked, checklist)
            if found:
                return [(k, found)]
        return []
    return []


def _sentence_status(found: set[str]) -> str:
    """One sentence's answer from its namings of the item: "đã ban hành nội quy, chưa ban hành quy chế
    hoạt động" says part of it."""
    if {"yes", "no"} <= found or "partly" in found:
        return "partly"
    return next((p for p in ("none_needed", "no", "yes") if p in found), "")


def _named(item: dict, key: str) -> bool:
    """Whether a folded, padded text may name the item at all (its subjects' first words are in it)."""
    return item["probe"].search(key) is not None


@lru_cache(maxsize=1024)
def _key(text: str) -> str:
    return f" {fold(text)} "


def assess(item: dict, text: str | tuple[Sentence, ...], checklist: Checklist,
           own_section: bool = True) -> Answer:
    """The item's answer in one text (or its sentences): each sentence naming it gives a polarity, the
    sentences together give the value; "Có" and "Không" (or "Không phát sinh") in two sentences are a
    conflict."""
    if isinstance(text, str):
        if not _named(item, _key(text)) and not (own_section and item.get("section_default") and text.strip()):
            return Answer("", None, ())
        text = sentences_of(text, checklist)
    sents = text
    said: list[tuple[int, str]] = []
    for k, sentence in enumerate(sents):
        if not _named(item, sentence.key):
            continue
        found = _sentence_status({status(sentence, at, length, checklist)
                                  for at, length in anchors(item, sentence, checklist.window)} - {""})
        if not found and own_section and not sentence.lead_in and \
                any(f" {p} " in sentence.key for p in item["none_subjects"]):
            found = "none_needed"  # "Trong kỳ không có hồ sơ quá hạn."
        if found:
            said.append((k, found))
    if not said and own_section and item.get("section_default"):
        said = _section_statement(sents, checklist)
    if not said:
        return Answer("", None, ())
    kinds = {v for _, v in said}
    if "yes" in kinds and kinds & {"no", "none_needed"}:
        value = "conflict"
    else:
        value = next(p for p in ("partly", "none_needed", "no", "yes") if p in kinds)
    # a partial answer keeps the sentences saying what was done: "Đã gửi 3/5 thư xin lỗi; một số … chưa"
    keep = {"conflict": {"yes", "no", "none_needed", "partly"}, "partly": {"yes", "partly"}}.get(value, {value})
    chosen = [k for k, v in said if v in keep]
    number = None
    if value in ("yes", "partly"):
        for k in chosen:
            number = _figure(item, sents[k].text)
            if number is None and item.get("number_next") and k + 1 < len(sents) and own_section:
                number = _figure(item, sents[k + 1].text)
            if number is not None:
                break
    evidence = tuple(dict.fromkeys(sents[k].text for k in chosen))
    return Answer(value, number, evidence)


def unit_checklist(sections: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """One row per report and item (CHECKLIST_COLUMNS, then `flag`). A report on the assigned tasks does not
    answer the outline: it is left out, or its unit would be counted twice, once as silent."""
    from sketket.intake.narrative import task_report_files

    checklist = checklist or load_checklist()
    rows = []
    tasks = task_report_files(sections)
    for source, rep in sections.groupby("source_file", sort=False):
        if source in tasks:
            continue
        texts = dict(zip(rep["section"], rep["text"].fillna(""), strict=False))
        first = rep.iloc[0]
        unit = {"source_file": source, "unit_name": first["unit_name"], "unit_code": first["unit_code"],
                "tier": first["tier"]}
        fallback = "\n".join(t for s, t in texts.items() if s.startswith(checklist.fallback))
        fallback_key = _key(fallback)
        for item in checklist.items:
            answer = assess(item, texts.get(item["section"], ""), checklist)
            if not answer.value and _named(item, fallback_key):
                sents = tuple(x for s, t in texts.items() if s.startswith(checklist.fallback)
                              for x in sentences_of(t, checklist))
                answer = assess(item, sents, checklist, own_section=False)
            conflict = answer.value == "conflict"
            value = checklist.values["silent"] if conflict or not answer.value else checklist.values[answer.value]
            rows.append({**unit, "section": item["section"], "group": item["group"],
                         "item": item["id"], "item_label": item["label"], "value": value,
                         "number": answer.number, "evidence": " | ".join(answer.evidence),
                         "flag": checklist.flag_conflict if conflict else ""})
    return pd.DataFrame(rows, columns=CHECKLIST_COLUMNS + EXTRA_COLUMNS)


def flagged(df: pd.DataFrame) -> pd.Series:
    """Rows whose answer could not be decided (two sentences disagree): to be checked, not silent."""
    if "flag" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["flag"].fillna("").astype(str).str.strip() != ""


def _cell(value: str, number: float | None, kind: str, flagged: bool, checklist: Checklist) -> str:
    if flagged:
        return checklist.flag_label
    if number is None or pd.isna(number):
        return value
    if kind == "criteria":
        return f"{value} ({format_int(number)} tiêu chí)"
    return number_text(number, kind)


def reporting_unit(df: pd.DataFrame) -> pd.Series:
    """Who each checklist row speaks for: the unit's code, or its name when the registry does not know it
    (counting these gives the units whose report was read, the denominator of every outline count)."""
    return df["unit_code"].where(df["unit_code"] != "", df["unit_name"])


def number_text(number: float, kind: str) -> str:
    """A figure a report states, written as its item counts it: "94%" for a rate, "1.234" otherwise."""
    return format_number(number) + "%" if kind == "percent" else format_int(number)


def sentence_label(item: dict[str, Any]) -> tuple[str, str]:
    """An item as a sentence says it (checklist.yml `report_label`, else its table label) and what its figures
    count, taken out of it ("Tổ chức … sáng thứ bảy (số hồ sơ tiếp nhận)" → the label, "số hồ sơ tiếp nhận")."""
    label = nfc(item.get("report_label") or item["label"])
    counted = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", label)
    return (counted[1], counted[2]) if counted else (label, "")


def number_kinds(checklist: Checklist | None = None) -> dict[str, str]:
    """Item id → how its figure is counted (`number_kind` in checklist.yml: percent, count, criteria)."""
    return {i["id"]: i.get("number_kind", "") for i in (checklist or load_checklist()).items}


def checklist_matrix(df: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """Units × items for people to read: "Có", "Không", a figure, "Không nêu", "Cần kiểm tra"…"""
    checklist = checklist or load_checklist()
    kinds = number_kinds(checklist)
    labels = [i["label"] for i in checklist.items]
    cells = df.assign(cell=[_cell(v, n, kinds.get(i, ""), f, checklist) for v, n, i, f in
                            zip(df["value"], df["number"], df["item"], flagged(df), strict=True)],
                      tier_label=df["tier"].map(lambda t: TIER_LABELS.get(t, "Chưa xác định")))
    wide = cells.pivot_table(index=["tier_label", "unit_name"], columns="item_label", values="cell",
                             aggfunc="first")
    wide = wide[[c for c in labels if c in wide.columns]]
    wide.index.names = ["Khối", "Đơn vị"]
    wide.columns.name = None
    return wide


def silent_units(df: pd.DataFrame, checklist: Checklist | None = None) -> pd.DataFrame:
    """Per item: how many units answer each way, how many need checking, and which units say nothing. A unit
    that says it meets every modern-counter criterion (checklist.yml implied_by) counts as "Có" on each it
    does not name."""
    checklist = checklist or load_checklist()
    unsure = flagged(df)
    answer = df["value"].where(~unsure, checklist.flag_label)
    # a criterion a report does not name, from a unit that says it meets them all (implied_by), counts as met
    wholes = implied_by()
    if wholes and "unit_code" in df:
        unit = reporting_unit(df)
        claims = {(w, u) for w, u, v in zip(df["item"], unit, df["value"], strict=True)
                  if v == checklist.values["yes"] and w in set(wholes.values())}
        implied = [(wholes.get(i), u) in claims and a == checklist.values["silent"]
                   for i, u, a in zip(df["item"], unit, answer, strict=True)]
        answer = answer.where(~pd.Series(implied, index=df.index), checklist.values["yes"])
    order = [v for k, v in checklist.values.items() if k != "silent"] + [checklist.flag_label,
                                                                          checklist.values["silent"]]
    counts = pd.crosstab(df["item_label"], answer).reindex(columns=order, fill_value=0)
    silent = df[answer == checklist.values["silent"]].groupby("item_label")["unit_name"]\
        .agg(lambda s: "; ".join(s))
    counts["Đơn vị không nêu"] = silent.reindex(counts.index).fillna("")
    counts = counts.reindex([i["label"] for i in checklist.items if i["label"] in counts.index])
    counts.index.name = "Nội dung"
    counts.columns.name = None
    return counts


def write_checklist(processed_dir: Path) -> Path:
    """The checklist dataset (checklist.csv for Excel users) from the sections."""
    return Catalog(Path(processed_dir)).save("checklist", unit_checklist(read_sections(processed_dir)))[-1]
