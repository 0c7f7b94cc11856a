"""Read a unit's award nomination list (danh sách đề nghị khen thưởng, `sketket template --form khen-thuong`).

The list is found by its headers wherever an official put it, like the appendix tables: part I (collectives:
"Tên tập thể" … "Hình thức khen thưởng đề nghị") and part II (individuals: "Họ và tên" … "Hình thức khen
thưởng đề nghị"), on one sheet or two, shifted down or right, headers typed by hand (matched through the
folded words of config/nominations.yml). The proposing unit is the "CƠ QUAN, ĐƠN VỊ" cell, else the file's
name. Each nominee's unit is matched to the registry; problems of a row become findings at its cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import python_calamine

from sketket.clean import fold, nfc
from sketket.config import load_yaml
from sketket.dimensions import SUBMITTER_TIERS, TIERS
from sketket.intake.reader import _above, _is_column_numbers, _unit_block_name, column_letter
from sketket.intake.validate import Finding, load_rules
from sketket.registry import Match, Registry

FORM = "khen-thuong"  # the `form` of a nomination list in files.csv
KINDS: tuple[str, ...] = ("collective", "individual")
TOP_TIERS: tuple[str, ...] = SUBMITTER_TIERS
SUB_TIERS: tuple[str, ...] = tuple(t for t in TIERS if t not in SUBMITTER_TIERS)
NOMINATION_COLUMNS: tuple[str, ...] = (
    "nomination_id", "kind", "proposer_name", "proposer_code", "name", "position", "unit_name", "unit_code",
    "unit_registry_name", "unit_suggestions", "name_is_unit", "direct_worker", "award", "award_id", "award_level", "summary",
    "reason", "note", "read_errors", "read_messages", "source_file", "source_sheet", "source_row", "name_cell",
    "unit_cell", "direct_cell", "reason_cell")
# What the name column holds, for the "name missing" message.
_NAME_WHAT = {"collective": "tập thể", "individual": "cá nhân"}


@cache
def config() -> dict[str, Any]:
    """config/nominations.yml (read once)."""
    return load_yaml("nominations.yml")


@dataclass(frozen=True)
class Award:
    id: str
    label: str
    level: str


def awards() -> list[Award]:
    """The award forms a unit may propose (those recognised only to be held are not among them)."""
    return [Award(a["id"], a["label"], a["level"]) for a in config()["awards"] if not a.get("out_of_scope")]


def out_of_scope(award: Award) -> str:
    """Why a recognised award form is not proposed in this list ("" when it is)."""
    return next((a.get("out_of_scope", "") for a in config()["awards"] if a["id"] == award.id), "")


def award_of(text: str) -> Award | None:
    """The award form a typed text names (first entry of the config whose words occur), or None."""
    padded = f" {fold(text)} "
    for a in config()["awards"]:
        if any(f" {w} " in padded for w in a["words"]):
            return Award(a["id"], a["label"], a["level"])
    return None


def direct_value(raw: object) -> bool | None:
    """A direct-worker cell: True (x, có …), False (empty, không …), None when unreadable."""
    text = _text(raw).strip()
    if text and text in config()["direct_yes_marks"]:  # ✓ folds to nothing, which reads "no"
        return True
    key = fold(text)
    if key in config()["direct_yes"]:
        return True
    if key in config()["direct_no"]:
        return False
    return None


@cache
def _column_words(kind: str) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    return tuple((c["name"], tuple(tuple(w) for w in c["words"])) for c in config()["columns"][kind])


def header_columns(line: list[object], kind: str) -> dict[str, int]:
    """Canonical column → 0-based sheet column of one row read as a header of `kind` (each cell names at most
    one column, the first of the config's order whose words it contains)."""
    found: dict[str, int] = {}
    for c, value in enumerate(line):
        if not isinstance(value, str) or not value.strip():
            continue
        padded = f" {fold(value)} "
        for name, entries in _column_words(kind):
            if name not in found and any(all(f" {w} " in padded for w in words) for words in entries):
                found[name] = c
                break
    return found


@dataclass
class Part:
    kind: str
    sheet: str
    header_row: int  # 0-based
    columns: dict[str, int]


def find_parts(grid: list[list[object]], sheet: str) -> list[Part]:
    """Every header row of a nomination part on a sheet: it names the nominee and the award proposed."""
    parts = []
    for r, line in enumerate(grid):
        if not any(isinstance(v, str) and v for v in line):
            continue
        for kind in KINDS:
            cols = header_columns(line, kind)
            if "name" in cols and "award" in cols and _names_kind(line[cols["name"]], kind):
                parts.append(Part(kind, sheet, r, cols))
                break
    return parts


def _names_kind(header: object, kind: str) -> bool:
    key = f" {fold(header)} "
    return (" tap the " in key) if kind == "collective" else (" ho " in key and " ten " in key)


@dataclass
class NominationList:
    """What one workbook holds: the proposing unit, its nominations (rows of NOMINATION_COLUMNS) and findings."""

    proposer_name: str
    proposer_code: str
    rows: list[dict[str, object]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(value)


def _cell(line: list[object], col: int | None) -> object:
    return "" if col is None or col >= len(line) else line[col]


def _is_stop(line: list[object]) -> bool:
    first = next((fold(v) for v in line if isinstance(v, str) and fold(v)), "")
    return first.startswith(tuple(config()["stop_words"])) or (" ngay " in f" {first} " and " thang " in f" {first} "
                                                               and " nam " in f" {first} ")


def _is_part_heading(text: str) -> bool:
    key = fold(text)
    for label in config()["part_labels"].values():
        if key == fold(label) or key in ("tap the", "ca nhan"):
            return True
    return False


def match_unit(text: str, registry: Registry, proposer: Match, *, citywide: bool = True) -> Match:
    """A nominee's unit in the registry: the proposer itself, one of its sub-units, a submitting unit, or (with
    `citywide`) a sub-unit of another parent whose name is unique in the city (never guessed among namesakes)."""
    if not fold(text) or (proposer.matched and fold(text) in (fold(proposer.name), fold(proposer.registry_name))):
        return proposer
    m = _match_whole(text, registry, proposer, citywide)
    if m.matched:
        return m
    # "Phường Trúc Bạch, quận Ba Đình", "Văn phòng UBND quận Ba Đình", "Bộ phận một cửa - UBND phường Phúc Xá":
    # a part the registry knows, or its closing words after an office's name (config: office_words); never
    # after another unit's name ("Chi cục Thuếế quận Ba Đình" is not the district). Only the proposer's sub-units
    # and the submitting units are searched here: a city-wide search costs ~25 ms a name.
    offices = tuple(config()["office_words"])
    starts = tuple(config()["unit_starts"])
    whole = nfc(text)
    for part in _PARTS.split(whole):
        words = part.split()
        for start in range(len(words) - 1):
            if not start and part == whole:
                continue
            # after an office's name, or where a unit's own name begins ("Tập thể UBND xã Phụng Châu",
            # "Công chức Tư pháp - Hộ tịch xã Văn Võ")
            if start and not fold(" ".join(words[:start])).startswith(offices) \
                    and not fold(" ".join(words[start:start + 2])).startswith(starts):
                continue
            tail = " ".join(words[start:])
            if (found := _match_whole(tail, registry, proposer, False)).matched:
                found.name, found.partial = nfc(text), True
                return found
    return m


_PARTS = re.compile(r"\s*[,;–—()]\s*|\s+-\s+")


def _match_whole(text: str, registry: Registry, proposer: Match, citywide: bool) -> Match:
    if proposer.matched:
        m = registry.match(text, list(SUB_TIERS), proposer.code)
        if m.matched:
            return m
    m = registry.match(text, list(TOP_TIERS))
    if m.matched:
        return m
    suggestions = list(m.suggestions)
    for tier in SUB_TIERS if citywide else ():
        sub = registry.match_unique(text, tier)
        if sub.matched:
            return sub
        suggestions += [s for s in sub.suggestions if s not in suggestions]
    return Match(name=nfc(text), suggestions=_closest(text, suggestions, 3))


def _closest(text: str, names: list[str], n: int) -> list[str]:
    """The `n` names closest to `text` (folded): each tier's search gives its own close names, and a sub-unit's
    ("Chi cục Thuế quận Ba Đình" for "Chi cục Thuếế quận Ba Đình") must not fall behind a top tier's weaker ones."""
    from difflib import SequenceMatcher

    key = fold(text)
    return sorted(names, key=lambda name: -SequenceMatcher(None, key, fold(name)).ratio())[:n]


def proposer_of(grid: list[list[object]], top: int, path: Path, registry: Registry) -> Match:
    """The proposing unit: the "CƠ QUAN, ĐƠN VỊ" block above the first part, else a registry name above it,
    else the file's name (the longest run of its words the registry knows)."""
    above = _above(grid, top)
    block = _unit_block_name(grid, top, above)
    candidates = [block] if block else []
    candidates += [t for _, _, t in above if len(t) <= 120 and t != block]
    for text in candidates:
        for tiers in (TOP_TIERS, SUB_TIERS):
            m = registry.match(text, list(tiers))
            if m.matched:
                return m
    words = nfc(path.stem.replace("_", " ").replace("-", " ")).split()
    for size in range(len(words), 0, -1):
        for start in range(len(words) - size + 1):
            m = registry.match(" ".join(words[start:start + size]), list(TOP_TIERS))
            if m.matched:
                return m
    return Match(name=block or " ".join(words))


class _Reader:
    def __init__(self, rel: str, registry: Registry):
        self.rel, self.registry = rel, registry
        self.cfg = config()
        self.out = NominationList("", "")
        self.proposer = Match(name="")

    def finding(self, rule: str, sheet: str, cell: str, value: object = "", **fields: object) -> Finding:
        """A finding of config/rules.yml (like the appendix tables': the return lists and the demo know them)."""
        f = load_rules().finding(rule, source_file=self.rel, sheet=sheet, cell=cell,
                                 unit_name=self.out.proposer_name, value=value, shown=value, **fields)
        self.out.findings.append(f)
        return f

    def read_part(self, grid: list[list[object]], part: Part, end: int) -> None:
        cols = part.columns
        start = part.header_row + 1
        if start < end and _is_column_numbers(grid[start], cols):
            start += 1
        for r in range(start, end):
            line = grid[r]
            if _is_stop(line):
                break
            values = {name: _text(_cell(line, c)) for name, c in cols.items()}
            name = values.get("name", "")
            content = [values.get(k, "") for k in ("position", "unit_name", "award", "summary", "reason")]
            if not any(content) and (not name or _is_part_heading(name) or award_of(name) is not None):
                continue  # an empty row, a part's heading, or a hand-typed group heading ("Bằng khen …")
            self.row(part, r, values, _cell(line, cols.get("direct_worker")))

    def cell(self, part: Part, column: str, r: int) -> str:
        c = part.columns.get(column)
        return "" if c is None else f"{column_letter(c)}{r + 1}"

    def row(self, part: Part, r: int, values: dict[str, str], direct_raw: object) -> None:
        sheet, name = part.sheet, values.get("name", "")
        row_findings: list[Finding] = []
        if not name:
            row_findings.append(self.finding("nomination_name_missing", sheet, self.cell(part, "name", r),
                                             row=r + 1, part=self.cfg["part_labels"][part.kind],
                                             what=_NAME_WHAT[part.kind]))
        shown = name or f"dòng {r + 1}"
        award = award_of(values.get("award", ""))
        if not values.get("award"):
            row_findings.append(self.finding("nomination_award_missing", sheet, self.cell(part, "award", r),
                                             name=shown, example=awards()[0].label))
        elif award is None:
            row_findings.append(self.finding("nomination_award_unknown", sheet, self.cell(part, "award", r),
                                             values["award"], name=shown,
                                             known="; ".join(a.label for a in awards())))
        elif out_of_scope(award):
            row_findings.append(self.finding("nomination_award_out_of_scope", sheet, self.cell(part, "award", r),
                                             values["award"], name=shown, award=award.label,
                                             why=out_of_scope(award)))
        if not values.get("summary"):
            row_findings.append(self.finding("nomination_summary_missing", sheet, self.cell(part, "summary", r),
                                             name=shown))
        direct = None
        if part.kind == "individual":
            direct = direct_value(direct_raw)
            if direct is None:
                row_findings.append(self.finding("nomination_direct_unreadable", sheet,
                                                 self.cell(part, "direct_worker", r), _text(direct_raw), name=shown))
                direct = False  # only a clear mark counts as a direct worker
        unit_text = values.get("unit_name", "")
        name_is_unit = False
        if part.kind == "collective":  # a registry unit itself (the proposer, a sub-unit), else its parent's
            m = match_unit(name, self.registry, self.proposer, citywide=False) if name else Match(name="")
            # "Tập thể UBND xã Phụng Châu", "Bộ phận một cửa xã Văn Võ": the commune's figures, not the
            # district's; the collective is the unit itself only when its name is the unit's
            name_is_unit = m.matched and not m.partial
            unit = m if m.matched else match_unit(unit_text, self.registry, self.proposer)
        else:
            unit = match_unit(unit_text, self.registry, self.proposer)
        errors = [f for f in row_findings if f.severity == "error"]
        self.out.rows.append({
            "nomination_id": f"{self.rel}|{sheet}|{r + 1}", "kind": part.kind,
            "proposer_name": self.out.proposer_name, "proposer_code": self.out.proposer_code,
            "name": name, "position": values.get("position", ""),
            "unit_name": unit_text or (self.out.proposer_name if unit.matched else ""), "unit_code": unit.code,
            "unit_registry_name": unit.registry_name, "unit_suggestions": "; ".join(unit.suggestions),
            "name_is_unit": name_is_unit,
            "direct_worker": direct, "award": values.get("award", ""), "award_id": award.id if award else "",
            "award_level": award.level if award else "", "summary": values.get("summary", ""),
            "reason": values.get("reason", ""), "note": values.get("note", ""),
            "read_errors": len(errors), "read_messages": " | ".join(f.message for f in errors),
            "source_file": self.rel, "source_sheet": sheet, "source_row": r + 1,
            "name_cell": self.cell(part, "name", r), "unit_cell": self.cell(part, "unit_name", r),
            "direct_cell": self.cell(part, "direct_worker", r), "reason_cell": self.cell(part, "reason", r),
        })


def read_nomination_sheets(sheets: list[tuple[str, list[list[object]]]], path: Path, rel: str,
                           registry: Registry) -> NominationList | None:
    """The nominations of a workbook given as (sheet name, rows of cell values), or None when no sheet
    holds a nomination part."""
    found = [(name, grid, find_parts(grid, name)) for name, grid in sheets]
    found = [f for f in found if f[2]]
    if not found:
        return None
    reader = _Reader(rel, registry)
    first_name, first_grid, first_parts = found[0]
    reader.proposer = proposer_of(first_grid, first_parts[0].header_row, path, registry)
    reader.out.proposer_name = reader.proposer.registry_name or reader.proposer.name
    reader.out.proposer_code = reader.proposer.code
    if not reader.proposer.matched:
        reader.finding("nomination_proposer_unmatched", "", "", name=reader.out.proposer_name)
    for _, grid, parts in found:
        for i, part in enumerate(parts):
            end = parts[i + 1].header_row if i + 1 < len(parts) else len(grid)
            reader.read_part(grid, part, end)
    return reader.out


def read_nominations(path: Path, rel: str, registry: Registry) -> NominationList | None:
    """The nomination list of a workbook (.xlsx, .xlsm, .xls, .ods), or None when it holds none."""
    with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
        sheets = [(meta.name, wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
                  for meta in wb.sheets_metadata if meta.typ == python_calamine.SheetTypeEnum.WorkSheet]
    return read_nomination_sheets(sheets, Path(path), rel, registry)


def save_nominations(rows: list[dict[str, object]], out_dir: Path):
    """The nominations of every list read, as the catalog's `nominations` dataset in `out_dir`."""
    import pandas as pd

    from sketket.catalog import Catalog, conform

    frame = pd.DataFrame(rows, columns=list(NOMINATION_COLUMNS))
    Catalog(Path(out_dir)).save("nominations", frame)
    return conform("nominations", frame)
