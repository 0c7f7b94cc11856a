"""Checks of an appendix table → findings, each naming its file, sheet, A1 cell, unit and rule, with a
Vietnamese message that says what is wrong and what was expected. Rule ids, severities, the cell each
rule names, thresholds and message templates are data in config/rules.yml."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from sketket import catalog, layout
from sketket.clean import Number, format_date, format_int, format_number, format_percent
from sketket.config import load_yaml
from sketket.dimensions import FORM_TIERS, TIER_LABELS
from sketket.intake.reader import Note, Row, Table, expected_pct
from sketket.registry import Match, Registry, same_kind

FINDING_COLUMNS: tuple[str, ...] = tuple(catalog.columns("findings"))
# Which cell each rule's `cell` key (rules.yml) points at: a canonical column of the row.
_CELL_COLUMN = {"received": "dossiers_received", "one_stop": "tthc_one_stop",
                "online": "online_services_l34", "area": "area_m2", "name": "unit_name"}
_SOURCES = {"unit_block": "ô \"CƠ QUAN, ĐƠN VỊ\"", "file_name": "tên tệp"}
_SUMMED = tuple(c for c in layout.FIGURES if c not in layout.PERCENTS)  # columns a subtotal adds up
_COUNTS = frozenset(layout.COUNTS)
# What Excel shows in a cell whose formula failed (read as text from .xls/.csv/HTML, from the XML in .xlsx).
EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                          "#CALC!", "#GETTING_DATA"})
_LABELS = {c.name: c.header.replace(" (1)", "").replace(" (2)", "") for c in layout.columns("I")}


@dataclass
class Finding:
    source_file: str
    sheet: str
    cell: str
    unit_name: str
    rule: str
    severity: str
    message: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Rules:
    """config/rules.yml: rule id → severity and cell, thresholds, message templates."""

    rules: dict[str, dict]
    thresholds: dict[str, float]
    messages: dict[str, str]
    covered: dict[str, dict[str, str]] = field(default_factory=dict)  # what a row B / Tổng cộng should equal

    def finding(self, rule: str, *, source_file: str, sheet: str = "", cell: str = "", unit_name: str = "",
                value: object = "", severity: str | None = None, **fields: object) -> Finding:
        message = self.messages[rule].format(**fields)
        return Finding(source_file, sheet, cell, unit_name, rule, severity or self.rules[rule]["severity"],
                       message, str(value))


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    """config/rules.yml, read once: the one loader of the rules (ingest, narrative reports, return lists and
    pages all describe a rule through it)."""
    data = load_yaml("rules.yml")
    return Rules(data["rules"], data["thresholds"], data["messages"], data.get("covered", {}))


def fmt(value: float | None, column: str = "") -> str:
    """A figure the Vietnamese way: 1.234 for whole numbers, 12,5 otherwise, 98,5% for percentages."""
    if value is None:
        return "(trống)"
    if column in layout.PERCENTS:
        return format_percent(value, 1)
    if float(value).is_integer():
        return format_int(value)
    return format_number(value, 2).rstrip("0").rstrip(",")


# -- matching --------------------------------------------------------------------------------------------
def match_rows(table: Table, registry: Registry) -> dict[int, Match]:
    """Registry match of the submitter (row A, or the inferred name) and of each numbered row, the latter
    scoped to the submitter as parent. Keys are indexes into table.rows; -1 is the submitter."""
    head_tier, sub_tier = FORM_TIERS[table.form]
    head = registry.match(table.submitter, head_tier)
    if head.matched and not same_kind(table.submitter, head.registry_name):
        # "UBND xã Thanh Xuân" is no Quận Thanh Xuân: a commune of Sóc Sơn, or nobody (never the district)
        head = Match(name=head.name, suggestions=[head.registry_name])
    head = _submitter_by_sub_units(table, registry, head)
    if not head.matched:
        head = _sub_unit_own_table(table, registry, head)
    out = {-1: head}
    for i, row in enumerate(table.rows):
        if row.kind == "A":
            out[i] = head
        elif row.kind == "unit":
            # a sub-unit of an unknown submitter: matched over the whole tier only when no other unit of the
            # tier bears the same name ("Xã Tân Lập" exists in several districts: left unmatched, never guessed)
            out[i] = (registry.match(row.name, sub_tier, head.code) if head.code
                      else registry.match_unique(row.name, sub_tier))
    if head.code:
        _typo_rows(table, registry, head, sub_tier, out)
    return out


def _sub_unit_own_table(table: Table, registry: Registry, head: Match) -> Match:
    """A unit of the form's second tier that sent its own table (a commune its own Phụ lục III, a Chi cục its
    own Phụ lục I): row A names it, no row lists sub-units. Its figures are that unit's, in its tier and under
    its parent, and said so (the plan has the parent gather them): never an unknown district ranked among the
    districts. A name that several units of the tier bear stays unmatched unless the file names the parent."""
    if any(r.kind == "unit" for r in table.rows):
        return head
    head_tier, sub_tier = FORM_TIERS[table.form]
    around = table.named_around(head_tier, registry)
    own = registry.match_unique(table.submitter, sub_tier, around[0] if around else "", suggest=False)
    if not own.matched or not same_kind(table.submitter, own.registry_name):  # "Phường Thanh Xuân": no ward
        return head
    a_row = next((r for r in table.rows if r.kind == "A"), None)
    parent = registry.name_of(own.parent_code) or own.parent_code
    table.notes.append(Note("sub_unit_own_table", a_row, table.cell(a_row, "unit_name") if a_row else "",
                            table.submitter, {"name": own.registry_name, "parent": parent, "typed": table.submitter,
                                              "tier": TIER_LABELS[sub_tier].lower(),
                                              "head_tier": TIER_LABELS[head_tier].lower()}))
    return own


_MIN_EVIDENCE = 3  # sub-units, all of them under one other unit, that outweigh the name typed in row A


def _submitter_by_sub_units(table: Table, registry: Registry, head: Match) -> Match:
    """The submitter when row A names one unit and every sub-unit the registry knows belongs to another (a
    neighbour's form copied with its name left in row A: "UBND quận Hoàng Mai" over twenty wards of Hai Bà
    Trưng): the sub-units' unit, the table attributed to it, row A noted as an error to correct (its figures
    wait). Otherwise `head` itself: a few sub-units of another unit are that many wrong rows, not a wrong table."""
    if not head.matched:
        return head
    sub_tier = FORM_TIERS[table.form][1]
    parents = [m.parent_code for row in table.rows if row.kind == "unit"
               if (m := registry.match_unique(row.name, sub_tier, suggest=False)).matched]
    if len(parents) < _MIN_EVIDENCE or len(set(parents)) != 1 or parents[0] == head.code:
        return head
    owner = registry.match(registry.name_of(parents[0]), head.tier, suggest=False)
    if not owner.matched or owner.code != parents[0]:
        return head
    # the file's name or its "CƠ QUAN, ĐƠN VỊ" cell naming row A's unit: that unit sent a copy of another's
    # table (its own rows A and sub-units wrong): its file is not given to the other, whose own table stands
    if head.code in table.named_around(head.tier, registry):
        return head
    a_row = next((r for r in table.rows if r.kind == "A"), None)
    table.notes.append(Note("submitter_conflict", a_row, table.cell(a_row, "unit_name") if a_row else "",
                            table.submitter, {"name": table.submitter, "n": len(parents),
                                              "owner": owner.registry_name}))
    return owner


def _typo_rows(table: Table, registry: Registry, head: Match, sub_tier: str, out: dict[int, Match]) -> None:
    """A sub-unit row whose name is unknown, close to the name of exactly one unit of the submitter that has no
    row ("Xã Thụy Hươngg" when Xã Thụy Hương has none), is that unit, with a note to correct the name: else the
    commune reads as missing and the misspelt row as one more. Never a unit that has a row of its own."""
    units = registry.children(head.code)
    missing = dict(zip(units["code"], units["name_with_type"], strict=True))
    for m in out.values():
        missing.pop(m.code, None)
    unknown = [i for i, m in out.items() if i >= 0 and table.rows[i].kind == "unit" and not m.matched]
    # the closest name only (suggestions come closest first), and no other of the units without a row close
    guesses = {i: [n for n in out[i].suggestions if n in missing.values()] for i in unknown}
    guesses = {i: g if g and out[i].suggestions[0] == g[0] else [] for i, g in guesses.items()}
    taken = [n for g in guesses.values() if len(g) == 1 for n in g]
    for i, close in guesses.items():
        if len(close) != 1 or taken.count(close[0]) > 1:  # two misspelt rows for one unit: never guessed
            continue
        row = table.rows[i]
        found = registry.match(close[0], sub_tier, head.code)
        if found.matched:
            out[i] = found
            table.notes.append(Note("unit_name_corrected", row, table.cell(row, "unit_name"), row.name,
                                    {"name": row.name, "registry_name": found.registry_name,
                                     "submitter": head.registry_name}))


# -- the checks ------------------------------------------------------------------------------------------
# counts a person types to fill a cell rather than a count of anything (9.999, 99.999 …; 999 is a real count)
_PLACEHOLDERS = frozenset(float(10**k - 1) for k in range(4, 10))


def fit_for_sums(value: float, count: bool, max_count: float) -> bool:
    """Whether a figure read as a number may enter sums and rates: not negative and, in a count column, whole
    and at most max_count (rules.yml thresholds). A figure that is not gets its finding from the checks."""
    return value >= 0 and (not count or (float(value).is_integer() and value <= max_count))


class _Checker:
    def __init__(self, table: Table, source_file: str, rules: Rules):
        self.table, self.source_file, self.rules = table, source_file, rules
        self.figures = table.figures()  # once per table, not per row
        self._counts = tuple((col, col in _COUNTS) for col in self.figures)
        self.max_count = rules.thresholds["max_count"]
        self.findings: list[Finding] = []
        self.unfit: dict[int, set[str]] = {}  # id(row) → its figures that may not enter a sum (cells())

    def add(self, rule: str, row: Row | None, col: str = "", value: object = "",
            severity: str | None = None, **fields: object) -> None:
        """A finding at the cell rules.yml names: the offending cell (`col`) or a fixed column of the row."""
        t = self.table
        where = self.rules.rules[rule]["cell"]
        col = col if where in ("value", "subtotal", "total") else _CELL_COLUMN.get(where, "")
        cell = t.cell(row, col) if row is not None and col else ""
        unit = row.name if row is not None and row.kind == "unit" else t.submitter
        self.findings.append(self.rules.finding(
            rule, source_file=self.source_file, sheet=t.sheet, cell=cell, unit_name=unit, value=value,
            severity=severity, **fields))

    def cells(self, row: Row) -> set[str]:
        """Every figure cell: a number, not negative, whole in a count column. Returns the bad columns,
        which the row's other checks then leave alone (one mistake, one finding)."""
        bad = set()
        values, max_count = row.values, self.max_count
        for col, count in self._counts:
            n = values[col]
            if n.ok and (n.value is None or fit_for_sums(n.value, count, max_count)):
                continue  # the common case, tested first: a good or empty cell
            label = _LABELS[col]
            raw = row.raw[col]
            if not n.ok and isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
                self.add("excel_error", row, col, raw.strip(), column=label, code=raw.strip().upper())
            elif not n.ok and isinstance(raw, dt.date | dt.datetime):
                self.add("date_in_count", row, col, format_date(raw), column=label, date=format_date(raw),
                         guess=f"{raw.day}.{raw.month}")
            elif not n.ok:
                self.add("not_a_number", row, col, raw, column=label, shown=raw)
            elif n.value is not None and n.value < 0:
                self.add("negative_count", row, col, fmt(n.value, col), column=label, shown=fmt(n.value, col))
            elif n.value is not None and col in _COUNTS and not float(n.value).is_integer():
                self.add("fractional_count", row, col, fmt(n.value), column=label, shown=fmt(n.value))
            elif n.value is not None and col in _COUNTS and n.value > self.max_count:
                self.add("count_too_large", row, col, fmt(n.value), column=label, shown=fmt(n.value),
                         limit=format_int(self.max_count))
            else:
                continue
            bad.add(col)
        return bad

    def unit_row(self, row: Row, bad: set[str]) -> None:
        """The consistency of one unit's own figures (rows A and the numbered rows)."""
        values = {c: Number(None) if c in bad else n for c, n in row.values.items()} if bad else row.values
        v = {c: n.value for c, n in values.items()}
        for col in layout.REQUIRED:
            if col not in bad and v[col] is None:
                self.add("required_missing", row, col, column=_LABELS[col])
        received, overdue, on_time = v["dossiers_received"], v["dossiers_overdue"], v.get("dossiers_on_time")
        if "dossiers_on_time" in self.table.columns:
            if None not in (received, overdue, on_time) and not math.isclose(on_time + overdue, received):
                self.add("sum_mismatch", row, value=fmt(received), received=fmt(received),
                         on_time=fmt(on_time), overdue=fmt(overdue), total=fmt(on_time + overdue))
        elif None not in (received, overdue) and overdue > received:
            self.add("overdue_exceeds_received", row, value=fmt(overdue), overdue=fmt(overdue),
                     received=fmt(received))
        total, one_stop, online = v["tthc_total"], v["tthc_one_stop"], v["online_services_l34"]
        if None not in (total, one_stop) and one_stop > total:
            self.add("one_stop_exceeds_total", row, value=fmt(one_stop), one_stop=fmt(one_stop),
                     total=fmt(total))
        if None not in (total, online) and online > total:
            self.add("online_exceeds_tthc", row, value=fmt(online), online=fmt(online), total=fmt(total))
        if received and received > 0 and not v["area_m2"] and "area_m2" not in bad:
            self.add("area_missing", row, value=fmt(v["area_m2"]), received=fmt(received))
        if received in _PLACEHOLDERS:  # 9.999 dossiers, 0 overdue: a figure typed to fill the cell
            self.add("placeholder_count", row, "dossiers_received", fmt(received), column=_LABELS["dossiers_received"],
                     shown=fmt(received))
        for col in layout.PERCENTS:
            if col not in bad:
                self.percentage(row, col, values)

    def percentage(self, row: Row, col: str, values: dict[str, Number]) -> None:
        reported, expected = values[col].value, expected_pct(values, col)
        if col not in self.table.columns or reported is None or expected is None:
            return
        diff = abs(reported - expected)
        warn, err = self.rules.thresholds["pct_warning_points"], self.rules.thresholds["pct_error_points"]
        if diff <= warn:
            return
        num, den = ("tthc_one_stop", "tthc_total") if col == "tthc_one_stop_pct" else (
            "dossiers_on_time", "dossiers_received")
        n = values.get(num)
        numerator = n.value if n is not None and n.value is not None else (
            values["dossiers_received"].value - values["dossiers_overdue"].value)
        self.add("pct_mismatch", row, col, fmt(reported, col), severity="error" if diff > err else None,
                 column=_LABELS[col], reported=fmt(reported, col), expected=fmt(expected, col),
                 numerator=fmt(numerator), denominator=fmt(values[den].value),
                 diff=format_number(diff, 1), limit=format_number(warn, 1))

    def sums(self, row: Row, covered: list[Row], rule: str) -> None:
        """A subtotal (B) or the total against the rows it covers, in each column where it has a figure."""
        for col in self.figures:
            if col not in _SUMMED or row.values[col].value is None:
                continue
            if not all(r.values[col].ok and col not in self.unfit.get(id(r), ()) for r in covered):
                continue  # a covered cell is unreadable or unfit ("(3)", −3): its own finding says so
            reported = row.values[col].value
            try:
                expected = math.fsum(r.values[col].value or 0.0 for r in covered)
            except OverflowError:  # cells near 1e308 (a count that large has its own finding): nothing to compare
                continue
            if not math.isclose(reported, expected, abs_tol=1e-6):
                n = sum(r.kind == "unit" for r in covered)
                said = self.rules.covered[rule]["none" if n == 0 else "one" if n == 1 else "many"]
                self.add(rule, row, col, fmt(reported, col), column=_LABELS[col], reported=fmt(reported, col),
                         expected=fmt(expected, col), covered=said.format(n=format_int(n)))


def check_table(table: Table, source_file: str, registry: Registry, matches: dict[int, Match] | None = None,
                rules: Rules | None = None, unfit: dict[int, set[str]] | None = None) -> list[Finding]:
    """Every check of one table. `matches` (from match_rows) is computed when not given. `unfit`, when
    given, receives the figures of each row (by index into table.rows) that may not enter sums and rates
    (see fit_for_sums), each with its finding: the appendix leaves them empty."""
    rules = rules or load_rules()
    matches = matches if matches is not None else match_rows(table, registry)
    c = _Checker(table, source_file, rules)
    units = [r for r in table.rows if r.kind == "unit"]
    a_rows = [r for r in table.rows if r.kind == "A"]
    if table.name_source != "table":
        c.add("unit_name_inferred", a_rows[0] if a_rows else None, value=table.submitter,
              placeholder=a_rows[0].name if a_rows else "", name=table.submitter,
              source=_SOURCES[table.name_source])
    # every row's unfit cells first: a subtotal above its rows must know them (Checker.sums)
    bad_cells = [c.cells(row) for row in table.rows]
    c.unfit = {id(row): bad for row, bad in zip(table.rows, bad_cells, strict=True) if bad}
    for i, (row, bad) in enumerate(zip(table.rows, bad_cells, strict=True)):
        if bad and unfit is not None:
            unfit[i] = bad
        if row.kind in ("A", "unit"):
            c.unit_row(row, bad)
            m = matches.get(i)
            if m is not None and not m.matched and row.kind == "unit":
                _unmatched(c, row, m, FORM_TIERS[table.form][1], registry, matches.get(-1))
        elif row.kind == "B":
            c.sums(row, units, "subtotal_mismatch")
        elif row.kind == "total":
            c.sums(row, a_rows + units, "total_mismatch")
    head = matches.get(-1)
    if head is not None and not head.matched:
        _unmatched(c, a_rows[0] if a_rows else None, head, FORM_TIERS[table.form][0])
    for note in table.notes:  # what the reader found: at the cell it names
        unit = note.row.name if note.row is not None and note.row.kind == "unit" else table.submitter
        c.findings.append(rules.finding(note.rule, source_file=source_file, sheet=table.sheet, cell=note.cell,
                                        unit_name=unit, value=note.value, **note.fields))
    return c.findings


def _unmatched(c: _Checker, row: Row | None, m: Match, tier: str, registry: Registry | None = None,
               head: Match | None = None) -> None:
    """An unknown name; a sub-unit that the registry knows under another parent (a commune listed under
    the wrong district) is named with the parent it belongs to instead."""
    if registry is not None and head is not None and head.matched and row is not None:
        elsewhere = registry.match_unique(m.name, tier)
        if elsewhere.matched and elsewhere.parent_code != head.code:
            parent = registry.name_of(elsewhere.parent_code) or elsewhere.parent_code
            c.add("unit_wrong_parent", row, value=m.name, name=elsewhere.registry_name, parent=parent,
                  submitter=head.registry_name)
            return
    suggestions = f"; tên gần giống: {', '.join(m.suggestions)}" if m.suggestions else ""
    name = m.name or "(trống)"
    c.add("unit_unmatched", row, value=m.name, name=name, tier=TIER_LABELS[tier], suggestions=suggestions)


def corrupt_detail(exc: BaseException) -> str:
    """file_corrupt's detail in words (rules.yml `corrupt_details`, by the error's class name), never a bare
    English class name for the analyst."""
    details = load_yaml("rules.yml").get("corrupt_details", {})
    name = type(exc).__name__
    return details.get(name) or details.get("other", "{name}").format(name=name)


def file_finding(rule: str, source_file: str, unit_name: str = "", value: object = "",
                 rules: Rules | None = None, **fields: object) -> Finding:
    """A finding about a whole file (no sheet, no cell)."""
    return (rules or load_rules()).finding(rule, source_file=source_file, unit_name=unit_name, value=value,
                                           **fields)

