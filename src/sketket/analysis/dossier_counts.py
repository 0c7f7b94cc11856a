"""Counting the dossier logs (DESIGN.md, "Dossier logs", rules 1–7) and reconciling them with the tables.

The counting is SQL written once, in `sketket/sql/dossiers/*.sql`, run by DuckDB (default) or by Spark SQL
(`--engine spark`, for histories beyond one machine). What differs between the two engines is in `Dialect`
below, and nowhere else (parsing a date with one explicit format, a day number and its text, a hash, a lookup
in a small table); weekdays are day-number arithmetic, whose numbering needs no weekday function. How tables
are read, stored and written is the engines' own.

The path of the rows: the exports are read once (`raw`, text) into `staged` (staged.sql: dates parsed into day
numbers), stored once by the engine; the distinct values (distinct.sql), which Python maps into lookup tables
(unit names, channels, statuses, procedures), and the repeated dossier codes (duplicates.sql) come from it;
dossiers.sql writes dossiers.parquet from it, in the files' order, row by row (its lookups are expressions);
the tables come from dossiers.parquet. Python adds what is cheap on small tables (tier and city rows, rates,
messages, reconciliation). Nothing collects the rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import string
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sketket.catalog import Catalog, columns
from sketket.clean import fold, format_date, format_int, format_percent, nfc
from sketket.config import ConfigError, Plan, default_plan
from sketket.dimensions import CITY_LABEL, PARENT_TIER, TIER_LABELS, TIERS
from sketket.intake.dossiers import (
    CANONICAL,
    Export,
    Limit,
    classify,
    config,
    discover,
    header_map,
    limit_conflicts,
    line_count,
    read_procedures,
    record_lines,
    record_settings,
)
from sketket.registry import Match, Registry, load_registry

if TYPE_CHECKING:
    from sketket.context import RunContext

EPOCH = dt.date(1970, 1, 1)
COUNTED = ("on_time", "overdue", "pending_on_time", "pending_overdue", "awaiting_applicant", "withdrawn",
           "no_deadline")
_UNIT_COUNTS = ["received", "on_time", "overdue", "pending_on_time", "pending_overdue", "awaiting_applicant",
                "withdrawn", "no_deadline", "online_received", "postal_received", "postal_returned",
                "saturday_received", "saturday_same_morning", "log_rows", "out_of_period", "duplicate_rows",
                "unreadable_rows"]
_PROC_COUNTS = ["received", "on_time", "overdue", "online_received"]
# An export to read: its index among the exports, the export, the unit its rows belong to when it has no unit
# column (the unit hint), and the district code its title or file name gives ("" when none; _file_district).
LogExport = tuple[int, Export, str, str]


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


# ---------------------------------------------------------------- SQL: files, fragments, dialects


# The date formats the exports use, day first (never month-first), by the shape date_parts.sql recognises;
# each engine's spelling of the same format.
_FORMATS = {  # key: (DuckDB strptime, Spark datetime pattern)
    # minutes and seconds of one digit or two, as DuckDB's %M and %S read them ("8:5"); Spark's mm needs two
    "dmy4": ("%d/%m/%Y", "d/M/yyyy"), "dmy4_hm": ("%d/%m/%Y %H:%M", "d/M/yyyy H:m"),
    "dmy4_hms": ("%d/%m/%Y %H:%M:%S", "d/M/yyyy H:m:s"),
    "iso": ("%Y-%m-%d", "yyyy-M-d"), "iso_hm": ("%Y-%m-%d %H:%M", "yyyy-M-d H:m"),
    "iso_hms": ("%Y-%m-%d %H:%M:%S", "yyyy-M-d H:m:s"),
}
_SERIAL = "[0-9]{5}([.][0-9]+)?"  # an Excel serial date: 5 digits cover 1927–2173
# A date in any other shape (date_parts.sql's last branches), day first: "-", "/" or "." between day, month and
# year; before the time any run of non-digits (a space, a non-breaking space, " - "); seconds with a fraction;
# a 12-hour clock's AM/PM or, as Windows writes it in Vietnamese, SA (sáng) / CH (chiều). Year first (ISO, or
# with slashes): "T" or spaces before the time, and a zone (Z, +07:00: dropped, the clock time read as written)
# or AM/PM after it. Nothing else may follow. No backslash: Spark's string literals read it as an escape.
# Groups: (day, month, year) in the pattern's order, hour, minute, second, AM/PM or zone.
_TIME = "(?:[^0-9]+([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:[.,][0-9]+)?)?)?"
_AMPM = "[AaPp][Mm]|[Ss][Aa]|[Cc][Hh]"
_LOOSE_DMY = f"^([0-9]{{1,2}})[-/.]([0-9]{{1,2}})[-/.]([0-9]{{4}}|[0-9]{{2}}){_TIME} *({_AMPM})?$"
_LOOSE_YMD = f"^([0-9]{{4}})[-/]([0-9]{{1,2}})[-/]([0-9]{{1,2}}){_TIME} *({_AMPM}|Z|[+-][0-9]{{2}}:?[0-9]{{2}})?$"


# The end of the text in Java's regular expressions: "$" also matches before a last line break ("03/04/2017\n",
# "…\u2028"), where RE2's (DuckDB's) does not; "(?s:.)" is any character, a line break too (no backslash: see above)
_END = "(?!(?s:.))"


def _java_end(pattern: str) -> str:
    """A pattern's SQL literal for Spark: each "$" (the end) made the very end of the text, as DuckDB reads it; a
    "$" written as itself ("[$]", _regex_word) is kept."""
    return pattern.replace("[$]", "\x00").replace("$", _END).replace("\x00", "[$]")


def _loose_date(dialect: Dialect, x: str, year_first: bool = False) -> str:
    """A timestamp (NULL when unreadable) from a text of any shape _LOOSE_DMY (or _LOOSE_YMD) reads: its parts
    taken out and written again as d/M/yyyy H:mm:ss for the one format both engines read. A 12-hour time
    becomes a 24-hour one here (1–12 only; 12 SA is midnight, 3 CH is 15:00), not by the engines' AM/PM
    patterns, whose words and case rules differ."""
    pattern = _LOOSE_YMD if year_first else _LOOSE_DMY

    def part(i: int) -> str:
        return f"regexp_extract({x}, '{pattern}', {i})"

    d, m, y = (part(3), part(2), part(1)) if year_first else (part(1), part(2), part(3))
    suffix, h = f"upper({part(7)})", f"CAST({part(4)} AS INT)"
    hour = (f"CASE WHEN {suffix} NOT IN ('AM', 'PM', 'SA', 'CH') THEN {h} "
            f"WHEN {h} NOT BETWEEN 1 AND 12 THEN NULL "
            f"WHEN {suffix} IN ('PM', 'CH') THEN {h} % 12 + 12 ELSE {h} % 12 END")
    year = f"CASE WHEN length({y}) = 2 THEN concat('20', {y}) ELSE {y} END"
    day = f"concat({d}, '/', {m}, '/', {year})"
    # a NULL hour makes the text NULL (Spark) or unreadable (DuckDB's concat skips it): NULL either way
    moment = (f"concat({day}, ' ', CAST({hour} AS STRING), ':', {part(5)}, ':', "
              f"CASE WHEN {part(6)} = '' THEN '00' ELSE {part(6)} END)")
    return (f"CASE WHEN NOT {dialect.matches(x, _quote(pattern))} THEN NULL "
            f"WHEN {part(4)} = '' THEN {dialect.try_ts(day, 'dmy4')} ELSE {dialect.try_ts(moment, 'dmy4_hms')} END")


@dataclass(frozen=True)
class Dialect:
    """What differs between DuckDB and Spark SQL in the counting, in one place (tested on both engines):
    parsing a date with one explicit format and no error (try_), recognising an Excel serial number, a date's
    day number, a day number's text, a 64-bit hash of a few columns (the values differ between engines; only
    equality of hashes is used, and every hash match is checked on the values), and the lookups in the small
    tables registered by `register_lookup`: a key's place in a table (`position`, 1-based, NULL when absent), a
    column's value at a place (`pick`), and whether a row is one of the rows registered by `register_rows`
    (`repeated`). DuckDB makes them expressions over an ENUM type, lists and a bit string held
    in variables, never a join (a join would give up the files' order that the rows keep on every core);
    Spark, which sorts the rows at the end anyway, makes them correlated subqueries (joins).
    Weekdays are day-number arithmetic in the SQL itself."""

    name: str
    try_ts: Callable[[str, str], str]
    serial: Callable[[str], str]
    day_number: Callable[[str], str]
    date_text: Callable[[str], str]
    datetime_text: Callable[[str, str], str]
    hash: Callable[..., str]
    position: Callable[[str, str], str]
    pick: Callable[[str, str, str], str]
    repeated: Callable[[str, str], str]
    blank: Callable[[str], str]  # an empty cell: nothing, or the "-" some logs write in one
    matches: Callable[[str, str], str]  # a regular expression found in a text (its literal: `regex_literal`)
    text: Callable[[str], str]  # any text as a string literal (Spark reads a backslash in one as an escape)


DUCKDB = Dialect(
    "duckdb",
    try_ts=lambda x, key: f"try_strptime({x}, '{_FORMATS[key][0]}')",
    serial=lambda x: f"CASE WHEN regexp_full_match({x}, '{_SERIAL}') THEN CAST({x} AS DOUBLE) END",
    day_number=lambda ts: f"CAST(CAST({ts} AS DATE) - DATE '1970-01-01' AS INTEGER)",
    # a date's cast is ISO and costs half of strftime (the years are 1900–2100: date_parts.sql)
    date_text=lambda dn: f"CAST(DATE '1970-01-01' + CAST({dn} AS INTEGER) AS VARCHAR)",
    datetime_text=lambda dn, minutes: (f"strftime(make_timestamp((CAST({dn} AS BIGINT) * 1440 + {minutes}) * 60000000), "
                                       "'%Y-%m-%d %H:%M')"),
    hash=lambda *cols: f"hash({', '.join(cols)})",
    # the table's keys are an ENUM type holding every key the rows have (a cast that cannot fail): a hash lookup
    position=lambda table, key: f"(CAST(enum_code(CAST({key} AS {table}_key)) AS INTEGER) + 1)",
    # a column is a list in a variable; a place outside it is NULL (a negative index would count from the end)
    pick=lambda table, column, place: (f"CASE WHEN ({place}) >= 1 THEN "
                                       f"getvariable('{table}__{column}')[({place})] END"),
    # one bit per stored row from the first registered row to the last (a constant is copied into every chunk
    # of rows it is used for: the bit string is kept short, and only the chunks in its range use it)
    repeated=lambda table, alias: (f"coalesce(CASE WHEN {alias}.row_id BETWEEN getvariable('{table}__first') "
                                   f"AND getvariable('{table}__last') THEN get_bit(getvariable('{table}__bits'), "
                                   f"CAST({alias}.row_id - getvariable('{table}__first') AS INTEGER)) = 1 END, false)"),
    # two equalities: an IN list is made a join when long (the rows' order is lost), ltrim costs a second a run
    blank=lambda x: f"({x} = '' OR {x} = '-')",
    matches=lambda x, pattern: f"regexp_matches({x}, {pattern})",
    text=lambda t: _quote(t),
)
SPARK = Dialect(
    "spark",
    try_ts=lambda x, key: f"try_to_timestamp({x}, '{_FORMATS[key][1]}')",
    serial=lambda x: f"CASE WHEN {x} RLIKE '^{_SERIAL}{_END}' THEN CAST({x} AS DOUBLE) END",
    day_number=lambda ts: f"unix_date(CAST({ts} AS DATE))",
    date_text=lambda dn: f"date_format(date_add(DATE '1970-01-01', CAST({dn} AS INT)), 'yyyy-MM-dd')",
    datetime_text=lambda dn, minutes: (f"date_format(timestamp_seconds((CAST({dn} AS BIGINT) * 1440 + {minutes}) * 60), "
                                       "'yyyy-MM-dd HH:mm')"),  # the session's time zone is UTC
    hash=lambda *cols: f"xxhash64({', '.join(cols)})",
    position=lambda table, key: f"(SELECT max(l.lk_pos) FROM {table} l WHERE l.lk_key = {key})",
    pick=lambda table, column, place: f"(SELECT max(l.{column}) FROM {table} l WHERE l.lk_pos = ({place}))",
    repeated=lambda table, alias: (f"((SELECT count(*) FROM {table} d WHERE d.file_idx = {alias}.file_idx "
                                   f"AND d.source_row = {alias}.source_row) > 0)"),
    blank=lambda x: f"({x} = '' OR {x} = '-')",
    matches=lambda x, pattern: f"({x} RLIKE {_java_end(pattern)})",
    text=lambda t: _quote(t.replace("\\", "\\\\")),
)


def regex_literal(words: Sequence[str], whole: Sequence[str] = (), anchored: bool = False) -> str:
    """A regular expression, as a SQL literal both engines read alike, found in a text holding one of `words`
    (starting with one, when `anchored`) or equal to one of `whole`. Special characters go in brackets, never
    after a backslash: Spark's string literals read backslashes as escapes, DuckDB's do not."""
    def literal(word: str) -> str:
        if not _regex_safe(word):
            raise ValueError(f"dossiers.yml: {word!r}: không dùng [ ] \\ ^ ' trong từ")
        return _regex_word(word)

    parts = [("^" if anchored else "") + "(?:" + "|".join(literal(w) for w in words) + ")"] if words else []
    if whole:
        parts.append("^(?:" + "|".join(literal(w) for w in whole) + ")$")
    return _quote("|".join(parts) or "^$.")


def _regex_safe(word: str) -> bool:
    """Whether `word` can be written in a pattern both engines read alike (no [ ] \\ ^ ', no line break: Java
    reads "[[]" as a class within a class, left open)."""
    return not any(ch in word for ch in "[]\\^'") and word.isprintable()


def _regex_word(word: str) -> str:
    """`word` as a pattern matching itself: special characters in brackets, never after a backslash."""
    return "".join(f"[{ch}]" if ch in ".(){}*+?|$" else ch for ch in word)


def header_pattern(starts: Iterable[str], whole: Iterable[str] = ()) -> str:
    """A SQL literal of the pattern found in a lower-case cell that starts with one of `starts` followed by
    nothing, a space or punctuation ("ngày hẹn trả (dd/mm/yyyy)" starts with "ngày hẹn trả"), as the headers are
    matched (intake.dossiers.header_map), or that is one of `whole` (a file's own header cells, "Ngày" over its
    dates among them: only as the whole cell, so that "Ngày 5 tháng 4" stays an unreadable date); texts a
    pattern cannot hold are left out."""
    def alternatives(texts: Iterable[str]) -> str:
        words = sorted({t for t in texts if t and _regex_safe(t)}, key=lambda t: (-len(t), t))
        return "|".join(_regex_word(w) for w in words)

    parts = []
    if first := alternatives(starts):
        parts.append("^(?:" + first + ")(?:[ (:/,.;_-]|$)")
    if cells := alternatives(whole):
        parts.append("^(?:" + cells + ")$")
    return _quote("|".join(parts) or "^$.")


@cache
def sql_text(name: str) -> str:
    return resources.files("sketket.sql.dossiers").joinpath(name).read_text(encoding="utf-8")


@cache
def _fragments() -> dict[str, str]:
    """The named parts of date_parts.sql ("-- name: kind" …), comments dropped."""
    parts: dict[str, str] = {}
    current = None
    for line in sql_text("date_parts.sql").splitlines():
        m = re.match(r"--\s*name:\s*(\w+)", line)
        if m:
            current = m.group(1)
            parts[current] = ""
        elif current and not line.lstrip().startswith("--"):
            parts[current] += line + "\n"
    return {k: v.strip() for k, v in parts.items()}


def render(name: str, dialect: Dialect, **params: object) -> str:
    """A SQL file with its fragments expanded ({{parse col p}}, {{value p}} and the dialect's {{date_text x}},
    {{datetime_text day minutes}}, {{try_ts x format}}, {{loose_date x}}, {{loose_iso x}}, {{serial x}}, {{day_number x}}, {{hash x y …}}, {{blank x}},
    {{position table key}}, {{pick table.column place}}, {{repeated table alias}}) and its parameters
    ({cutoff} …) filled in."""
    frags = _fragments()

    def expand(m: re.Match[str]) -> str:
        macro, rest = m.group(1).strip().split(None, 1)
        args = rest.rsplit(None, 1) if macro == "try_ts" else rest.split(None, 1) if macro == "pick" else rest.split()
        if macro == "parse":
            return expand_all(frags["parse"].replace("@x@", args[0]).replace("@p@", args[1]))
        if macro == "value":
            return expand_all(frags["value"].replace("@p@", args[0]))
        if macro == "try_ts":
            return dialect.try_ts(args[0], args[1])
        if macro in ("serial", "day_number", "date_text", "blank"):
            return getattr(dialect, macro)(args[0])
        if macro == "loose_date":
            return _loose_date(dialect, args[0])
        if macro == "loose_iso":
            return _loose_date(dialect, args[0], year_first=True)
        if macro == "datetime_text":
            return dialect.datetime_text(args[0], args[1])
        if macro == "hash":
            return dialect.hash(*args)
        if macro == "position":
            return dialect.position(args[0], args[1])
        if macro == "pick":
            table, column = args[0].split(".")
            return dialect.pick(table, column, args[1])
        if macro == "repeated":
            return dialect.repeated(args[0], args[1])
        raise ValueError(f"{name}: unknown fragment {macro}")

    def expand_all(text: str) -> str:
        return re.sub(r"\{\{((?:[^}]|\}(?!\}))*)\}\}", expand, text)

    text = expand_all(sql_text(name))
    for key, value in params.items():  # only named parameters: the formats and expressions hold braces
        text = text.replace("{" + key + "}", str(value))
    return text


# ---------------------------------------------------------------- engines


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Around a dossier code, also what no one types but copies bring: a tab, a zero-width space, a byte-order mark
# ("C-001\u200b" is C-001, a code of a tab alone is no code).
_CODE_STRIP = " \t\u00a0\u200b\u200c\u200d\u2060\ufeff\u2007\u202f\u3000"


def _strip(cell: str, canon: str = "") -> str:
    """A cell without the blanks around it (DuckDB, which reads the exports for both engines): trim removes
    Unicode spaces, non-breaking ones included, but not tabs, which become spaces first (a cell of tabs alone
    is empty; the test costs nothing where there is no tab); a dossier code also loses `_CODE_STRIP`."""
    if canon == "dossier_code":
        # the full trim only for a code not all ASCII (as many characters as bytes), or starting with a blank or
        # ending with a tab: the test costs nothing measurable, the full trim on every code twice the plain one
        return (f"CASE WHEN {cell} >= '!' AND strlen({cell}) = length({cell}) AND NOT ends_with({cell}, chr(9)) "
                f"THEN trim({cell}) ELSE trim({cell}, '{_CODE_STRIP}') END")
    return f"CASE WHEN instr({cell}, chr(9)) > 0 THEN trim(replace({cell}, chr(9), ' ')) ELSE trim({cell}) END"


def _raw_select(ex: Export, source: str, file_idx: str, source_file: str, unit_hint: str,
                district: str | None = None) -> str:
    """The canonical text columns of exports of one layout, from a relation whose columns are c0, c1, …; the
    file's index, name, unit hint and district (None: no file of them has one) are SQL expressions (one value
    per file). The unit key is the unit's name as written, followed by chr(31) and the file's district when it
    has one (`unit_key_parts`). source_row is a placeholder, set by `DuckDBEngine.materialise` from the row's
    position in its file."""
    cols = []
    for canon in CANONICAL:
        k = ex.columns.get(canon)
        cols.append(f"coalesce({_strip(f'c{k}', canon)}, '') AS {canon}" if k is not None else f"'' AS {canon}")
    unit = ex.columns.get("unit_name")
    unit_key = f"coalesce(nullif({_strip(f'c{unit}')}, ''), {unit_hint})" if unit is not None else unit_hint
    if district is not None:
        unit_key = f"CASE WHEN {district} = '' THEN {unit_key} ELSE {unit_key} || chr(31) || {district} END"
    return (f"SELECT CAST({file_idx} AS INTEGER) AS file_idx, {source_file} AS source_file, "
            f"CAST(0 AS BIGINT) AS source_row, {unit_key} AS unit_key, " + ", ".join(cols) + f" FROM {source}")


def _layout(ex: Export) -> tuple[object, ...]:
    """What must be equal for exports to be read by one read_csv over several files."""
    return (ex.delimiter, ex.skip_rows, ex.n_columns, tuple(sorted(ex.columns.items())))


def _sql_list(values: list[Any]) -> str:
    return "[" + ", ".join(_quote(v) if isinstance(v, str) else str(int(v)) for v in values) + "]"


def _line_counts(files: list[tuple[int, Export]]) -> dict[int, int]:
    """Each CSV export's lines (a file gone or unreadable since it was read: left out)."""
    out: dict[int, int] = {}
    for i, ex in files:
        try:
            out[i] = line_count(ex.path)
        except OSError:
            continue
    return out


def _line_fixes(files: list[tuple[int, Export]], lines: dict[int, int], rows: dict[int, int],
                max_line_bytes: int) -> dict[int, Any]:
    """The line of each row of the CSV exports whose rows are not one a line below the header: a blank line
    (DuckDB skips it) or a quoted cell spanning lines shifts the rows after it. Only the files whose line
    count differs are read again; a file the csv module reads otherwise than DuckDB keeps one line a row."""
    fixes: dict[int, Any] = {}  # file → the line of each row (an array of int64)
    for i, ex in files:
        n = rows.get(i, 0)
        if not n or i not in lines or lines[i] == ex.header_line + n:
            continue
        try:
            starts = record_lines(ex, max_line_bytes)
        except OSError:
            continue
        if starts is not None and len(starts) == n and starts[-1] != ex.header_line + n:
            fixes[i] = starts
    return fixes


class ReadFailed(Exception):
    """The engine stopped reading the exports (a CSV broken past its first lines): `Engine.probe` finds which."""


@dataclass(frozen=True)
class Unreadable:
    """A CSV export the reader cannot read whole: the problem (a key of `file_reasons` in dossiers.yml) and
    the line the reader stopped on (0 when it does not say)."""

    file_idx: int
    problem: str
    line: int


def _csv_problem(message: str) -> tuple[str, int]:
    """The kind of problem and the line of a DuckDB CSV error, from its text ("CSV Error on Line: N")."""
    line = re.search(r"CSV Error on Line: (\d+)", message)
    if "Invalid unicode" in message:
        problem = "not_utf8_line"
    elif "Maximum line size" in message:
        problem = "line_too_long"
    elif "quoted new lines" in message:
        problem = "quoted_new_lines"  # not a defect of the file: read on one thread (DuckDBEngine.probe)
    else:
        problem = "csv_error"
    return problem, int(line.group(1)) if line else 0


class DuckDBEngine:
    """DuckDB in this process: the exports are read once, in parallel, into one table (dates parsed), which the
    other queries read; never loaded into Python."""

    dialect = DUCKDB

    def __init__(self, memory_limit: str = "1500MB", threads: int | None = None, max_line_bytes: int = 2_000_000):
        import os

        import duckdb

        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = {_quote(memory_limit)}")
        self.con.execute("SET preserve_insertion_order = true")
        self.con.execute(f"SET threads = {int(threads or os.cpu_count() or 1)}")
        self._tmp = tempfile.mkdtemp(prefix="sketket-dossiers-")
        self.con.execute(f"SET temp_directory = {_quote(self._tmp)}")
        self._header_line: dict[int, int] = {}
        self._max_line_bytes = int(max_line_bytes)
        self._serial: set[int] = set()  # CSVs read on one thread: quoted line breaks (DuckDBEngine.probe)
        self._csv: list[tuple[int, Export]] = []  # the CSV exports of the last load_raw
        self._offsets: list[int] = [0]  # per file: source_row - row_id (materialise)
        self._numbered = ""  # the view whose rows' lines were read again, if any (materialise)

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def register(self, name: str, df: pd.DataFrame) -> None:
        self.con.register(f"{name}_df", df)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        self.con.unregister(f"{name}_df")

    def register_lookup(self, name: str, df: pd.DataFrame) -> None:
        """A small table read by place (`lk_pos`, 1…n) and, when it has `lk_key`, by key (Dialect.position,
        Dialect.pick): the table, its keys as the ENUM type `{name}_key` (in place order), each other column
        as a list in the variable `{name}__{column}`."""
        self.register(name, df)
        if "lk_key" in df.columns:
            self.con.execute(f"DROP TYPE IF EXISTS {name}_key")
            self.con.execute(f"CREATE TYPE {name}_key AS ENUM (SELECT lk_key FROM {name} ORDER BY lk_pos)")
        for column in df.columns:
            if column not in ("lk_key", "lk_pos"):
                self.con.execute(f"SET VARIABLE {name}__{column} = "
                                 f"(SELECT list({column} ORDER BY lk_pos) FROM {name})")

    def register_rows(self, name: str, df: pd.DataFrame) -> None:
        """Rows of `staged` (file_idx, source_row) for Dialect.repeated: the table, the places (row_id) of the
        first and last of them in `{name}__first` and `{name}__last`, and one bit per stored row between them in
        `{name}__bits` (the three NULL when there are none)."""
        self.register(name, df)
        if self._numbered:  # some rows' lines were read again (materialise): their places are looked up
            places = (f"SELECT CAST(s.row_id AS INTEGER) AS place FROM {name} d JOIN {self._numbered} s "
                      "ON s.file_idx = d.file_idx AND s.source_row = d.source_row")
        else:
            places = (f"SELECT CAST(source_row - {_sql_list(self._offsets)}[file_idx + 1] AS INTEGER) AS place "
                      f"FROM {name}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name}__places AS {places}")
        first, last = self.con.execute(f"SELECT min(place), max(place) FROM {name}__places").fetchone()
        self.con.execute(f"SET VARIABLE {name}__first = CAST({'NULL' if first is None else int(first)} AS BIGINT)")
        self.con.execute(f"SET VARIABLE {name}__last = CAST({'NULL' if last is None else int(last)} AS BIGINT)")
        self.con.execute(f"SET VARIABLE {name}__bits = " + (
            "CAST(NULL AS BIT)" if first is None else
            f"(SELECT bitstring_agg(place - {int(first)}, 0, {int(last) - int(first)}) FROM {name}__places)"))

    def load_raw(self, exports: list[LogExport]) -> None:
        """The view `raw`: every export's rows in the files' order, one read_csv over the consecutive files of
        one layout (DuckDB reads them in parallel and in order). Its source_row is a placeholder: a row's number
        in its file is only known once the rows are stored (`materialise`)."""
        parts: list[str] = []
        groups: list[list[LogExport]] = []
        self._csv = [(i, ex) for i, ex, _, _ in exports if ex.rows is None]
        for item in exports:
            self._header_line[item[0]] = item[1].header_line
            if item[1].rows is None and groups and groups[-1][0][1].rows is None and item[0] not in self._serial \
                    and groups[-1][0][0] not in self._serial and _layout(groups[-1][0][1]) == _layout(item[1]):
                groups[-1].append(item)
            else:
                groups.append([item])
        for group in groups:
            i, ex, hint, district = group[0]
            if ex.rows is not None:  # .xlsx, already read as text
                width = ex.n_columns
                frame = pd.DataFrame([(r + [""] * width)[:width] for r in ex.rows],
                                     columns=[f"c{j}" for j in range(width)], dtype=object)
                self.register(f"xlsx_{i}", frame)
                parts.append(_raw_select(ex, f"xlsx_{i}", str(i), _quote(ex.rel), _quote(hint),
                                         _quote(district) if district else None))
                continue
            source = self._csv_source([e.path for _, e, _, _ in group], ex, parallel=i not in self._serial)
            pick = "[CAST(file_index AS BIGINT) + 1]"
            districts = [d for _, _, _, d in group]
            parts.append(_raw_select(ex, source, _sql_list([k for k, _, _, _ in group]) + pick,
                                     _sql_list([e.rel for _, e, _, _ in group]) + pick,
                                     _sql_list([h for _, _, h, _ in group]) + pick,
                                     _sql_list(districts) + pick if any(districts) else None))
        if not parts:
            parts = ["SELECT 0 AS file_idx, '' AS source_file, CAST(0 AS BIGINT) AS source_row, '' AS unit_key, "
                     + ", ".join(f"'' AS {c}" for c in CANONICAL) + " WHERE false"]
        import duckdb

        try:
            self.con.execute("CREATE OR REPLACE TEMP VIEW raw AS " + "\nUNION ALL\n".join(parts))
        except duckdb.IOException as exc:  # a file gone since it was inspected: probe says which
            raise ReadFailed(str(exc)) from exc

    def _csv_source(self, paths: list[Path], ex: Export, parallel: bool = True) -> str:
        """read_csv over CSV exports of one layout: every column text, nothing guessed."""
        spec = "{" + ", ".join(f"'c{j}': 'VARCHAR'" for j in range(ex.n_columns)) + "}"
        return (f"read_csv({_sql_list([str(p) for p in paths])}, delim={_quote(ex.delimiter)}, header=false, "
                f"skip={ex.skip_rows}, columns={spec}, auto_detect=false, quote='\"', escape='\"', "
                f"null_padding=true, strict_mode=false, encoding='utf-8', max_line_size={self._max_line_bytes}"
                + ("" if parallel else ", parallel=false") + ")")

    def probe(self) -> list[Unreadable]:
        """After `ReadFailed`: each CSV of the last load_raw read alone, every column (DuckDB checks the text of
        the columns it reads), to find every file the reader stops on at once rather than one per full read.
        A file whose quoted values hold line breaks, which DuckDB's parallel reader cannot pad, is read on one
        thread from then on (it is not a defect of the file)."""
        import duckdb

        found: list[Unreadable] = []
        for i, ex in self._csv:
            for _ in range(2):
                # the columns the run reads (DuckDB checks only those): a file is judged alone as with others
                total = " + ".join(f"coalesce(length(c{j}), 0)" for j in sorted(set(ex.columns.values()))) or "0"
                try:
                    self.con.execute(f"SELECT sum({total}) FROM "
                                     f"{self._csv_source([ex.path], ex, parallel=i not in self._serial)}").fetchall()
                    break
                except duckdb.IOException:  # gone, or not readable, since it was inspected
                    found.append(Unreadable(i, "unopenable", 0))
                    break
                except duckdb.Error as exc:
                    problem, line = _csv_problem(str(exc))
                    if problem == "quoted_new_lines" and i not in self._serial:
                        self._serial.add(i)
                        found.append(Unreadable(i, problem, line))
                        continue
                    found.append(Unreadable(i, "csv_error" if problem == "quoted_new_lines" else problem, line))
                    break
        return found

    def materialise(self, name: str, sql: str) -> None:
        """`sql`, a row-by-row projection of `raw` (same rows, same order), stored once, and the view `name` over
        it that numbers each row in its file (source_row) from its position. Stored as Parquet in the temporary
        folder, not as a DuckDB table: 10 million rows of text do not fit in memory_limit, and a spilled table
        is slower to write and to read again than Parquet (written in parallel, in order, column by column).
        The rows are in the files' order (DuckDB keeps insertion order for scans, projections, UNION ALL and
        COPY), each file's rows together."""
        import duckdb

        path = Path(self._tmp) / f"{name}.parquet"
        csv_files = list(self._csv)
        with ThreadPoolExecutor(1) as pool:  # the CSVs' lines are counted while DuckDB reads them
            counting = pool.submit(_line_counts, csv_files)
            try:
                self.con.execute(f"COPY ({sql}) TO {_quote(str(path))} (FORMAT parquet, COMPRESSION uncompressed)")
            except duckdb.Error as exc:  # only the files' first lines were checked before
                if "CSV Error" not in str(exc) and not isinstance(exc, duckdb.IOException):
                    raise
                raise ReadFailed(str(exc)) from exc
            lines = counting.result()
        source = f"read_parquet({_quote(str(path))}, file_row_number = true)"
        stats = self.con.execute(f"SELECT file_idx, MIN(file_row_number), COUNT(*) FROM {source} "
                                 "GROUP BY file_idx").fetchall()
        first = {int(i): int(lo) for i, lo, _ in stats}
        offsets = [0] * (max(first, default=0) + 1)
        for i, row in first.items():  # the first row after the header is the header's line + 1
            offsets[i] = self._header_line.get(i, 0) + 1 - row
        self._offsets = offsets
        number = f"CAST(file_row_number + {_sql_list(offsets)}[CAST(file_idx AS BIGINT) + 1] AS BIGINT)"
        # a CSV with more lines than its header's and its rows (a blank line, which DuckDB skips, or a quoted
        # cell spanning lines): each row's line, read again in Python; the rare file, never the common one
        fixes = _line_fixes(csv_files, lines, {int(i): int(n) for i, _, n in stats}, self._max_line_bytes)
        if fixes:
            # a vectorised Python function looks each row's line up in an array: linear in the rows (a list in a
            # DuckDB variable was copied for every chunk of rows: quadratic)
            function = self._line_function(name, {i: (first[i], starts) for i, starts in fixes.items()})
            number = (f"CASE WHEN CAST(file_idx AS BIGINT) IN ({', '.join(str(i) for i in fixes)}) "
                      f"THEN {function}(CAST(file_idx AS BIGINT), file_row_number) ELSE {number} END")
        self._numbered = name if fixes else ""
        # row_id: the row's place among the stored rows (Dialect.repeated)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * EXCLUDE (file_row_number) REPLACE "
                         f"({number} AS source_row), file_row_number AS row_id FROM {source}")

    def _line_function(self, name: str, starts: dict[int, tuple[int, Any]]) -> str:
        """The SQL function `{name}__line(file_idx, file_row_number)`: the line of a row of a file of `starts`
        (file → its first file_row_number and the line of each of its rows)."""
        import numpy as np
        import pyarrow as pa

        try:
            from duckdb.sqltypes import BIGINT
        except ImportError:  # DuckDB before 1.4
            from duckdb.typing import BIGINT

        arrays = {i: (first, np.asarray(lines, dtype=np.int64)) for i, (first, lines) in starts.items()}

        def line(file_idx, row):  # type: ignore[no-untyped-def]  # DuckDB reads hints: none, pyarrow is local
            files, rows = file_idx.to_numpy(zero_copy_only=False), row.to_numpy(zero_copy_only=False)
            out = np.zeros(len(rows), dtype=np.int64)
            for i, (first, lines) in arrays.items():
                here = files == i
                if here.any():
                    out[here] = lines[rows[here] - first]
            return pa.array(out)

        function = f"{name}__line"
        try:
            self.con.remove_function(function)
        except Exception:  # noqa: BLE001 - not registered yet (the error's class differs across DuckDB versions)
            pass
        self.con.create_function(function, line, [BIGINT, BIGINT], BIGINT, type="arrow")
        return function

    def query(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def write_dossiers(self, sql: str, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp")
        # in the files' order (a person reads the table in that order) without sorting it: dossiers.sql is a
        # projection of `staged`, stored in that order (its lookups are expressions, Dialect.position)
        rel = self.con.sql(f"SELECT * EXCLUDE (file_idx) FROM ({sql})")
        reader = (rel.to_arrow_reader if hasattr(rel, "to_arrow_reader") else rel.fetch_arrow_reader)(_BATCH_ROWS)
        try:
            _write_batches(reader, tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)  # a write that failed leaves no half file in the processed folder

    def use_dossiers(self, path: Path) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW dossiers AS SELECT * FROM read_parquet({_quote(str(path))})")

    def copy_raw(self, path: Path) -> None:
        """The exports as one text table, source_row set (for an engine that reads Parquet, not the vendors'
        files)."""
        self.materialise("raw_numbered", "SELECT * FROM raw")
        self.con.execute(f"COPY (SELECT * EXCLUDE (row_id) FROM raw_numbered) TO {_quote(str(path))} (FORMAT parquet)")


class SparkEngine:
    """Spark SQL (pyspark, `spark.master` from config). The exports are first read by DuckDB into one text
    Parquet (header detection and vendors' quirks stay in one reader); Spark counts from there."""

    dialect = SPARK

    def __init__(self, master: str = "local[*]", driver_memory: str = "2g", max_line_bytes: int = 2_000_000):
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # the optional extra
            raise ConfigError("--engine spark cần pyspark, chưa được cài; cần cài bằng "
                              "`.venv/bin/pip install -e '.[spark]'` (và Java 17), hoặc dùng --engine duckdb") from exc
        self.spark = (SparkSession.builder.master(master).appName("sketket-dossiers")
                      .config("spark.driver.memory", driver_memory)
                      .config("spark.sql.session.timeZone", "UTC")
                      .config("spark.ui.enabled", "false")
                      .config("spark.ui.showConsoleProgress", "false")
                      .config("spark.sql.shuffle.partitions", "8")
                      .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self._tmp = Path(tempfile.mkdtemp(prefix="sketket-spark-"))
        self._reader = DuckDBEngine(max_line_bytes=max_line_bytes)
        self._loads = 0
        self._cached: dict[str, Any] = {}  # the DataFrames materialise cached, by view name

    def close(self) -> None:
        self._reader.close()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def register(self, name: str, df: pd.DataFrame) -> None:
        path = self._tmp / f"{name}.parquet"
        df.to_parquet(path, index=False)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    register_lookup = register  # Dialect.position, .pick and .repeated are subqueries on the tables
    register_rows = register

    def load_raw(self, exports: list[LogExport]) -> None:
        self._reader.load_raw(exports)
        # a new file for each load: Spark would go on serving a rewritten path's old rows from its caches
        (self._tmp / f"raw-{self._loads}.parquet").unlink(missing_ok=True)  # the previous pass's, not needed
        self._loads += 1
        path = self._tmp / f"raw-{self._loads}.parquet"
        self._reader.copy_raw(path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView("raw")

    def probe(self) -> list[Unreadable]:
        return self._reader.probe()

    def materialise(self, name: str, sql: str) -> None:
        old = self._cached.pop(name, None)
        if old is not None:
            old.unpersist()
        self._cached[name] = self.spark.sql(sql).cache()
        self._cached[name].createOrReplaceTempView(name)

    def query(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def write_dossiers(self, sql: str, path: Path) -> None:
        out = self._tmp / "dossiers_out"
        (self.spark.sql(sql).orderBy("file_idx", "source_row").drop("file_idx").coalesce(1)
         .write.mode("overwrite").parquet(str(out)))
        part = next(out.glob("part-*.parquet"))
        shutil.move(str(part), str(path))

    def use_dossiers(self, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView("dossiers")


_BATCH_ROWS = 122_880  # rows per batch, and per row group of dossiers.parquet (DuckDB's own row group size)


def _write_batches(reader: Any, path: Path) -> None:
    """The batches of an Arrow record batch reader written to one Parquet file (snappy), the reader drained
    on a second thread while this one encodes (both release the GIL). An error on either side is raised here,
    and the other side ends."""
    import queue
    import threading

    import pyarrow.parquet as pq

    batches: queue.Queue = queue.Queue(maxsize=4)  # a few batches in flight: memory stays bounded
    stop, failure = threading.Event(), []

    def produce() -> None:
        try:
            for batch in reader:
                if stop.is_set():
                    break
                batches.put(batch)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which raises it
            failure.append(exc)
        finally:
            batches.put(None)

    thread = threading.Thread(target=produce, name="sketket-dossiers-read", daemon=True)
    thread.start()
    try:
        with pq.ParquetWriter(str(path), reader.schema, compression="snappy") as writer:
            while (batch := batches.get()) is not None:
                writer.write_batch(batch)
    except BaseException:
        stop.set()
        while batches.get() is not None:  # let the reading side finish
            pass
        raise
    finally:
        thread.join()
    if failure:
        raise failure[0]


def make_engine(name: str, cfg: dict[str, Any]) -> DuckDBEngine | SparkEngine:
    max_line_bytes = int((cfg.get("limits") or {}).get("max_line_bytes", 2_000_000))  # dossiers.yml's, by default
    if name == "spark":
        spark = cfg.get("spark") or {}
        return SparkEngine(spark.get("master", "local[*]"), spark.get("driver_memory", "2g"), max_line_bytes)
    if name != "duckdb":
        raise ValueError(f"công cụ tính không hỗ trợ: {name} (duckdb hoặc spark)")
    return DuckDBEngine(max_line_bytes=max_line_bytes)


# ---------------------------------------------------------------- calendar, maps


def working_calendar(cfg: dict[str, Any]) -> pd.DataFrame:
    """Every day of the configured years: day number, whether it is a working day, and the number of working
    days up to and including it (rule 5)."""
    import holidays

    cal = cfg["calendar"]
    years = [int(y) for y in cal["years"]]
    off = set(holidays.country_holidays("VN", years=years))
    off |= {_dmy(d) for d in cal.get("extra_days_off") or []}
    make_up = {_dmy(d) for d in cal.get("make_up_working_days") or []}
    day, last = dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)
    rows, index = [], 0
    while day <= last:
        work = day in make_up or (day.weekday() < 5 and day not in off)
        index += work
        rows.append((day_number(day), int(work), index))
        day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=["dn", "is_workday", "wd_index"]).astype("int32")


def _dmy(text: str) -> dt.date:
    d, m, y = (int(p) for p in str(text).split("/"))
    return dt.date(y, m, d)


def match_unit(name: str, registry: Registry, district: str = "") -> Match:
    """The registry unit named in an export (`name` kept as written): unmatched when the registry does not know
    it, and unmatched with its `namesakes` when it is a sub-unit's name that several parents have ("Xã Liên Hà":
    Đông Anh and Đan Phượng) and neither the name itself ("Xã Liên Hà, huyện Đông Anh", "Xã Liên Hà (Đông
    Anh)") nor the file's `district` (its code) tells which: never guessed. The matcher of the tables'
    sub-units (Registry.match_qualified, match_unique). Tiers are tried one at a time (communes first when the
    name says phường/xã/thị trấn), so that a commune never takes a district of the same name; the first tier
    that knows the name decides."""
    from sketket.clean import fold

    key = fold(name).strip()
    typed = re.match(r"^(ubnd\s+)?(phuong|xa|thi tran|p\.|x\.|tt\.?)\s", key)
    order = (["xa", "huyen"] if typed else ["huyen", "xa"])
    for tier in ["so", "nganh_doc_tp", *order, "chi_cuc", "nganh_doc_huyen"]:
        if tier in PARENT_TIER:  # looked up within a parent the name may give
            m = registry.match_qualified(name, tier)
            if not m.matched:
                m = registry.match_unique(name, tier, district, suggest=False)
        else:
            m = registry.match(name, tier, suggest=False)
        if m.matched and tier == "xa" and typed and m.parent_code != district and not _same_kind(typed[2], m):
            # "Phường Thanh Xuân" is no ward: not Xã Thanh Xuân of Sóc Sơn, nor Quận Thanh Xuân (never guessed)
            return Match(name=name)
        if m.matched or m.namesakes:
            m.name = name
            return m
    return Match(name=name)


_KINDS = {"p.": "phuong", "x.": "xa", "tt": "thi tran", "tt.": "thi tran"}


def _same_kind(typed: str, m: Match) -> bool:
    """Whether a commune's kind as typed (phường, xã, thị trấn, or their abbreviations, folded) is the matched
    unit's as the registry writes it."""
    from sketket.clean import fold

    return fold(m.registry_name).startswith(_KINDS.get(typed, typed) + " ")


def _suggestions(name: str, registry: Registry) -> str:
    found: list[str] = []
    kin = registry.match(name, "xa", suggest=False)  # a commune of another kind ("Phường Thanh Xuân": a xã)
    if kin.matched:
        parent = registry.name_of(kin.parent_code)
        found.append(f"{kin.registry_name} ({parent[:1].lower()}{parent[1:]})" if parent else kin.registry_name)
    for tier in TIERS:
        for s in registry.match(name, tier).suggestions:
            if s not in found:
                found.append(s)
    return f"; tên gần giống: {', '.join(found[:3])}" if found else ""


def _most_specific(found: list[tuple[str, Match]]) -> tuple[str, Match] | None:
    """The first unit found, unless a later one lies within it (a commune after its district)."""
    if not found:
        return None
    first = found[0]
    return next((hit for hit in found[1:] if _within(hit[1], first[1])), first)


def _named_in(text: str, registry: Registry, words: Sequence[str],
              skip: Sequence[str] = ()) -> tuple[str, Match] | None:
    """The unit named inside a longer text: each phrase that starts with a unit word (`unit_words` in
    dossiers.yml: "phường", "xã", "UBND", "P."…) and that the registry knows, the longest first, and of those
    the most specific ("Sổ theo dõi hồ sơ tại UBND phường Cống Vị" → "UBND phường Cống Vị"; "so theo doi huyen
    gia lam xa co bi" → "xa co bi"). Dots and dashes separate words ("P.Phúc Xá")."""
    if fold(text).strip().startswith(tuple(skip)):  # "Kính gửi: UBND quận Ba Đình" is the addressee
        return None
    # what stands in parentheses is said by the way ("… quận Ba Đình (kèm số liệu của phường Trúc Bạch)"):
    # looked in only when the rest names no unit
    outside = re.sub(r"\([^)]*\)", " ", text)
    return _named_in_words(outside, registry, words) or (_named_in_words(text, registry, words)
                                                          if outside != text else None)


def _named_in_words(text: str, registry: Registry, words: Sequence[str]) -> tuple[str, Match] | None:
    tokens = re.sub(r"[,;()\-.:]", " ", text).split()
    folded = [fold(t) for t in tokens]
    starts = [tuple(w.split()) for w in words]
    found, i = [], 0
    while i < len(tokens):
        start = next((s for s in starts if tuple(folded[i:i + len(s)]) == s), None)
        # a house number before it: an address ("số 126 P. Hàng Bạc" is a street), not a unit
        address = i > 0 and folded[i - 1].isdigit()
        if start is not None and not address:
            for end in range(min(len(tokens), i + 8), i + len(start), -1):
                name = " ".join(tokens[i:end])
                m = match_unit(name, registry)
                # the words after the unit word name the same unit: the unit word is its type, not the first
                # word of a name ("Nguyễn Thị Phương Mai" is a person, "phường Phương Mai" a unit)
                rest = match_unit(" ".join(tokens[i + len(start):end]), registry)
                if (m.matched or m.namesakes) and (rest.code, len(rest.namesakes)) == (m.code, len(m.namesakes)):
                    found.append((name, m))
                    i = end - 1
                    break
        i += 1
    return _most_specific(found)


def _within(unit: Match, parent: Match) -> bool:
    """`unit` (or one of its namesakes) lies within `parent` (a commune within its district)."""
    return parent.matched and any(u.parent_code == parent.code for u in (unit, *unit.namesakes))


def _unit_hint(ex: Export, registry: Registry, words: Sequence[str] = (), skip: Sequence[str] = ()) -> str:
    """The unit of a file without a unit column: the first of its title lines, its worksheet's name, its
    workbook's other sheets' titles and its file name (in that order) that the registry knows as a whole,
    unless a later title line or the sheet's name lies within it — an official heading names the parent body
    first ("UBND QUẬN BA ĐÌNH", then "UBND PHƯỜNG TRÚC BẠCH"); a sheet of a district's workbook is a commune's:
    the most specific wins. None known as a whole: the unit named inside one of them (`_named_in`; only then,
    since a title's words may name a place). Else the first name as written (its finding quotes it). "" for a
    file with a unit column (its rows name their unit)."""
    if "unit_name" in ex.columns:
        return ""
    if ex.unit_declared:  # "Đơn vị: …" says whose the log is: that name, matched or not, nothing else
        inside = None if match_unit(ex.unit_declared, registry).matched else _named_in(ex.unit_declared, registry, words)
        return inside[0] if inside else ex.unit_declared
    names = [n for n in ex.unit_hint.split("\x1f") if n]
    whole = [(n, m) for n in names for m in [match_unit(n, registry)] if m.matched or m.namesakes]
    if whole:
        # the override holds within the heading and the sheet's name only: a file name is incidental
        own = {*ex.unit_titles, ex.sheet} - {""}
        best = _most_specific([hit for hit in whole if hit[0] in own]) if whole[0][0] in own else None
        return (best or whole[0])[0]
    inside = next((hit for n in names for hit in [_named_in(n, registry, words, skip)] if hit), None)
    return inside[0] if inside else (names[0] if names else "")


def _file_district(ex: Export, registry: Registry) -> str:
    """The code of the district a file is about, or "": the first of its title lines and its name that names a
    district ("Đơn vị: UBND huyện Đông Anh"), a commune of one district, or a district among other words
    (so-theo-doi-dong-anh.csv: the file name may name a district without "huyện"). It picks among the districts
    of a commune's name that several districts have (match_unit)."""
    from sketket.intake.narrative import match_unit as unit_in_line

    names = [n for n in ex.unit_hint.split("\x1f") if n]
    for i, n in enumerate(names):
        m = match_unit(n, registry)
        if m.matched and m.tier == "huyen":
            return m.code
        if m.matched and PARENT_TIER.get(m.tier) == "huyen":
            return m.parent_code
        hit = unit_in_line(n, registry, bare_names=i == len(names) - 1)  # the last name is the file's
        if hit is not None and hit.tier == "huyen":
            return hit.code
    return ""


def unit_key_parts(key: str) -> tuple[str, str]:
    """(the unit's name as written, the file's district code or "") of a unit key (_raw_select)."""
    name, _, district = key.partition("\x1f")
    return name, district


def _lookup(keys: list[str], columns_: dict[str, list[Any]]) -> pd.DataFrame:
    """A lookup table (Engine.register_lookup): every key the rows hold, once, in place order, with its values.
    The empty text is always a key, so that no table is empty."""
    if "" not in keys:
        keys = [*keys, ""]
        columns_ = {c: [*v, None] for c, v in columns_.items()}
    frame = pd.DataFrame({"lk_key": pd.Series(keys, dtype="string"),
                          "lk_pos": pd.Series(range(1, len(keys) + 1), dtype="int32")})
    for c, values in columns_.items():
        # typed even when every value is missing: a column of nulls alone has no type (Spark read it as a
        # number and then failed to cast the texts it was compared with)
        frame[c] = pd.Series(values, dtype="Int64" if c in ("limit_days", "name_id") else "string")
    return frame


def _lookups(distinct: pd.DataFrame, registry: Registry, cfg: dict[str, Any],
             limits: list[Limit]) -> dict[str, pd.DataFrame]:
    """The lookup tables of dossiers.sql from the distinct values of the exports (distinct.sql): units by the
    name as written (registry code, name, tier; none for a unit the registry does not know); channels, return
    channels and statuses by the text as written (canonical value); procedures by code (one name per code,
    the time limit) and by name (the time limit)."""
    from sketket.clean import fold

    d = distinct.fillna("")
    units = list(dict.fromkeys(d[d["g_unit"] == 0]["unit_key"]))
    matched = [match_unit(name, registry, district) for name, district in map(unit_key_parts, units)]
    out = {"unit_lookup": _lookup(units, {
        "unit_code": [m.code or None for m in matched],
        "unit_name": [m.registry_name or m.name for m in matched],  # an unknown unit: its name as written
        "tier": [m.tier or None for m in matched]})}
    for table, fieldname, flag, words, before in (
            ("channel_lookup", "channel", "g_channel", cfg["channels"], cfg.get("channels_before")),
            ("return_lookup", "return_channel", "g_return", cfg["return_channels"], None),
            ("status_lookup", "status", "g_status", cfg["statuses"], None)):
        texts = list(dict.fromkeys(d[d[flag] == 0][fieldname]))
        out[table] = _lookup(texts, {"value": [classify(v, words, before) or None for v in texts]})
    def key(name: str) -> str:  # a procedure's name compared folded, spaces collapsed
        return " ".join(fold(name).split())

    by_code = {lim.code: lim.days for lim in reversed(limits) if lim.code}
    by_name = {key(lim.name): lim.days for lim in reversed(limits) if lim.name}
    procs = (d[d["g_proc"] == 0].groupby(["procedure_code", "procedure_name"], sort=False, as_index=False)
             ["n_rows"].sum())
    # One spelling per procedure: the code groups spellings, else the folded name does. A code's name is the
    # folded name most of its rows are written with (one stray row of another name does not rename the code;
    # that row keeps its name as written, procedure_name_written, with a finding); within one folded name, the
    # first spelling in sorted order, one not in capitals first, spaces collapsed. A row without a code whose
    # folded name is the name of exactly one code in the logs is that code's procedure ("Chứng thực bản sao"
    # written without its code 1.001). A name holding a line break is nobody's spelling if another exists: its
    # finding (line_breaks) shows the cell as written (procedure_name_written).
    names_of_code: dict[str, str] = {}
    codes_of_name: dict[str, set[str]] = {}
    spelling: dict[str, str] = {}

    def broken(name: str) -> bool:
        return "\n" in name or "\r" in name

    # a spelling composed (NFC), spaces collapsed: a name some software wrote decomposed reads the same
    pairs = [(c, n if broken(n) else nfc(n), int(rows))
             for c, n, rows in zip(procs["procedure_code"], procs["procedure_name"], procs["n_rows"], strict=True)]
    rows_of_name: dict[str, int] = {}
    for _, name, rows in pairs:
        rows_of_name[name] = rows_of_name.get(name, 0) + rows
    # within one folded name: not in capitals, with its diacritics, then the spelling most rows give
    for name in sorted(rows_of_name, key=lambda n: (broken(n), n.isupper(), n.isascii(), -rows_of_name[n], n)):
        if name and not broken(name):
            spelling.setdefault(key(name), name)
    rows_of: dict[tuple[str, str], int] = {}  # (code, folded name) → rows
    for code, name, rows in pairs:
        if code and name and not broken(name):
            rows_of[(code, key(name))] = rows_of.get((code, key(name)), 0) + rows
            codes_of_name.setdefault(key(name), set()).add(code)
    for (code, folded), _ in sorted(rows_of.items(), key=lambda kv: (-kv[1], spelling[kv[0][1]], kv[0][0])):
        names_of_code.setdefault(code, spelling[folded])
    for code, name, _ in sorted(pairs, key=lambda p: p[1]):  # a code written only with names spanning lines
        if code and name:
            names_of_code.setdefault(code, name)
    # each folded name a number: a row whose name's number is not its code's name's keeps its name as written
    ids = {k: i for i, k in enumerate(sorted({key(n) for n in (*names_of_code.values(), *procs["procedure_name"])
                                              if n and not broken(n)}), start=1)}
    codes = list(dict.fromkeys(procs["procedure_code"]))
    out["code_lookup"] = _lookup(codes, {"proc_name": [names_of_code.get(c) if c else None for c in codes],
                                         "limit_days": [by_code.get(c) if c else None for c in codes],
                                         "name_id": [ids.get(key(names_of_code.get(c, ""))) if c else None
                                                     for c in codes]})
    names = list(dict.fromkeys(procs["procedure_name"]))
    name_code = [min(found) if not broken(n) and len(found := codes_of_name.get(key(n), set())) == 1 else None
                 for n in names]
    out["name_lookup"] = _lookup(names, {
        "proc_code": name_code,
        "proc_name": [names_of_code[c] if c else None if broken(n) else spelling.get(key(n))
                      for n, c in zip(names, name_code, strict=True)],
        "limit_days": [by_name[key(n)] if key(n) in by_name else by_code.get(c) if c else None
                       for n, c in zip(names, name_code, strict=True)],
        "name_id": [None if broken(n) else ids.get(key(n)) for n in names]})
    return out


def _calendar_lookups(cfg: dict[str, Any]) -> tuple[dict[str, pd.DataFrame], int]:
    """The working calendar as two place-indexed tables (rule 5): `calendar`, a day's working-day index by its
    place (day number − the first day's + 1); `workdays`, a working day's day number by its index. And the
    first day's number."""
    cal = working_calendar(cfg)
    start = int(cal["dn"].iloc[0]) if len(cal) else 0
    calendar = pd.DataFrame({"lk_pos": (cal["dn"] - start + 1).astype("int32"), "wd_index": cal["wd_index"]})
    work = cal[cal["is_workday"] == 1]
    workdays = pd.DataFrame({"lk_pos": work["wd_index"].astype("int32"), "dn": work["dn"]})
    return {"calendar": calendar, "workdays": workdays}, start


# ---------------------------------------------------------------- the run


@dataclass
class DossierResult:
    out_dir: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    rows_read: int = 0
    rows_counted: int = 0


def count_dossiers(logs_dir: Path, out_dir: Path, *, registry: Registry | None = None, plan: Plan | None = None,
                   config_path: str | Path | None = None, engine: str = "duckdb") -> DossierResult:
    """Read every export under `logs_dir`, count it (rules 1–7) and write the dossier datasets into `out_dir`;
    the reconciliation too when `out_dir` holds ingest's appendix."""
    cfg = config(str(config_path) if config_path else None)
    registry = registry or load_registry()
    plan = plan or default_plan()
    exports = discover(Path(logs_dir), cfg)
    limits = read_procedures(exports, Path(logs_dir), cfg)
    logs = [(i, ex, _unit_hint(ex, registry, cfg["unit_words"], cfg["not_unit_lines"]), _file_district(ex, registry))
            for i, ex in enumerate(exports) if ex.kind == "log"]
    cat = Catalog(Path(out_dir))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    eng = make_engine(engine, cfg)
    try:
        lookups = _lookups(_stage(eng, logs, exports, cfg), registry, cfg, limits)
        calendar, calendar_start = _calendar_lookups(cfg)
        lookups |= calendar
        lookups["files"] = pd.DataFrame({"lk_pos": pd.Series(range(1, len(exports) + 1), dtype="int32"),
                                         "source_file": pd.Series([ex.rel for ex in exports], dtype="string")})
        for name, frame in lookups.items():
            eng.register_lookup(name, frame)
        under = _other_headers(eng.query(render("header_rows.sql", eng.dialect)), exports, cfg)
        params = {"period_start": day_number(plan.period_start), "cutoff": day_number(plan.cutoff),
                  "calendar_start": calendar_start, "saturday_hour": int(cfg["saturday_morning_until_hour"]),
                  "other_header": _under_condition(under)}
        eng.register_rows("duplicates", eng.query(render("duplicates.sql", eng.dialect, **params)))
        unknown = _unknown_channels(lookups["channel_lookup"], eng.dialect)
        channels_f = (eng.query(render("channels_unknown.sql", eng.dialect, texts=unknown, **params)) if unknown
                      else None)
        eng.write_dossiers(render("dossiers.sql", eng.dialect, **params), cat.parquet("dossiers"))
        _check_dossier_columns(cat.parquet("dossiers"))
        eng.use_dossiers(cat.parquet("dossiers"))
        units = eng.query(render("units.sql", eng.dialect))
        procs = eng.query(render("procedures.sql", eng.dialect))
        row_f = eng.query(render("row_findings.sql", eng.dialect))
        group_f = eng.query(render("group_findings.sql", eng.dialect))
        files = eng.query(render("files.sql", eng.dialect))
    finally:
        eng.close()
    tables = {
        "dossier_units": unit_table(units, cfg, plan),
        "dossier_procedures": procedure_table(procs),
        "dossier_findings": findings_table(row_f, _channel_findings(channels_f, exports, group_f), cfg, plan,
                                           registry,
                                           {exports[i].rel: district for i, _, _, district in logs},
                                           {exports[i].rel: [h for *_, lines in spans for h in lines]
                                            for i, spans in under.items()}),
        "dossier_files": files_table(exports, files),
    }
    tables["dossier_findings"] = _footer_totals(tables["dossier_findings"], tables["dossier_files"], cfg)
    tables["dossier_findings"] = _limit_findings(tables["dossier_findings"], limit_conflicts(limits), cfg)
    appendix = cat.load("appendix") if cat.exists("appendix") else None
    if appendix is not None and len(appendix):
        tables["reconciliation"] = reconcile(appendix, tables["dossier_units"], cfg,
                                             cat.load("findings") if cat.exists("findings") else None)
    for name, frame in tables.items():
        cat.save(name, frame)
    record_settings(Path(out_dir), config_path)
    ledger = tables["dossier_files"]
    return DossierResult(Path(out_dir), tables, int(ledger["rows_read"].sum()), int(ledger["rows_counted"].sum()))


_STAGED_TEXT = ("dossier_code", "procedure_code", "procedure_name", "unit_key", "channel", "return_channel", "status",
                "received_at", "due_at", "finished_at", "returned_at")
_LAST_ROW = 2**31 - 1


def _other_headers(heads: pd.DataFrame, exports: list[Export],
                   cfg: dict[str, Any]) -> dict[int, list[tuple[int, int, list[int]]]]:
    """The stretches of rows read under the wrong columns: file index → [(line of a header repeated with its
    columns in another order, last row below it, the lines of every such header in it)]. Such a stretch ends
    at the next header in the file's own order, else at the file's end. A repeated header is in another order
    when a cell over a column sketket reads names another column, or names none and is not the file's own
    header's cell there (a date column swapped with one sketket does not read; the second row of a header on
    two rows); an empty cell says nothing."""
    spans: dict[int, list[tuple[int, int, list[int]]]] = {}
    open_at: dict[int, list[int]] = {}
    not_headers = cfg.get("not_headers") or []
    for row in heads.fillna("").itertuples(index=False):
        i, line = int(row.file_idx), int(row.source_row)
        ex = exports[i]
        other = False
        for column in _STAGED_TEXT:
            canon = "unit_name" if column == "unit_key" else column
            text = str(getattr(row, column)).split("\x1f")[0].strip()
            k = ex.columns.get(canon)
            if not text or k is None:
                continue
            named = header_map([text], cfg["headers"], not_headers)
            own = {fold(r[k]) for r in ex.header_rows if k < len(r)}
            if (named and canon not in named) or (not named and fold(text) not in own):
                other = True
                break
        if other:
            open_at.setdefault(i, []).append(line)
        elif i in open_at:
            lines = open_at.pop(i)
            spans.setdefault(i, []).append((lines[0], line - 1, lines))
    for i, lines in open_at.items():
        spans.setdefault(i, []).append((lines[0], _LAST_ROW, lines))
    return spans


def _under_condition(spans: dict[int, list[tuple[int, int, list[int]]]]) -> str:
    """dossiers.sql's test of a row read under a header in another order (`_other_headers`)."""
    tests = [f"(file_idx = {i} AND source_row > {start} AND source_row <= {end})"
             for i, found in sorted(spans.items()) for start, end, _ in found]
    return "(" + " OR ".join(tests) + ")" if tests else "false"


_DISTINCT_COLUMNS = {"unit_key": "g_unit", "channel": "g_channel", "return_channel": "g_return",
                     "status": "g_status", "procedure": "g_proc"}  # limits.distinct_per_file → distinct.sql's flag


def _crowded_files(distinct: pd.DataFrame, limits: dict[str, int]) -> dict[int, tuple[str, int]]:
    """The files holding more distinct values in a looked-up column than `limits` allows: file index → (the
    column, its number of distinct values). The lookups are lists held in memory and copied for every chunk of
    rows, so one damaged or hostile file of a million unit names would cost the whole run."""
    crowded: dict[int, tuple[str, int]] = {}
    for column, flag in _DISTINCT_COLUMNS.items():
        counts = distinct[distinct[flag] == 0].groupby("file_idx").size()
        for i, n in counts[counts > int(limits[column])].items():
            crowded.setdefault(int(i), (column, int(n)))
    return crowded


def _stage(eng: DuckDBEngine | SparkEngine, logs: list[LogExport], exports: list[Export],
           cfg: dict[str, Any]) -> pd.DataFrame:
    """The exports read into `staged`, and their distinct values (distinct.sql). A CSV the reader stops on past
    its first lines, or a file with more distinct values than an export can hold, is rejected (its reason in
    the files ledger) and the others are read again without it: one bad file costs that file, never the run.
    Each pass rejects at least one file (or reads a file on one thread), so the passes end."""
    limits = cfg["limits"]
    while True:
        try:
            eng.load_raw(logs)
            eng.materialise("staged", render("staged.sql", eng.dialect, **_not_dossier_params(
                eng.dialect, [exports[i] for i, *_ in logs], cfg)))
        except ReadFailed:
            found = eng.probe()
            if not found:  # the reader stopped, yet no file alone stops it: not a file's fault
                raise
            for bad in found:
                if bad.problem != "quoted_new_lines":
                    _reject(exports[bad.file_idx], cfg["file_reasons"][bad.problem], line=format_int(bad.line),
                            limit=format_int(int(limits["max_line_bytes"])))
            logs = [item for item in logs if exports[item[0]].kind == "log"]
            continue
        distinct = eng.query(render("distinct.sql", eng.dialect))
        crowded = _crowded_files(distinct, limits["distinct_per_file"])
        if not crowded:
            return distinct
        for i, (column, n) in crowded.items():
            _reject(exports[i], cfg["file_reasons"]["too_many_values"], n=format_int(n),
                    limit=format_int(int(limits["distinct_per_file"][column])),
                    column=cfg["file_reasons"]["columns"][column])
        logs = [item for item in logs if item[0] not in crowded]


def _unknown_channels(channel_lookup: pd.DataFrame, dialect: Dialect) -> str:
    """channels_unknown.sql's list: the channel texts written in the logs that no word recognises (not blank,
    nor "-"), as the engine's SQL literals ("" when there are none)."""
    keys = channel_lookup.loc[channel_lookup["value"].isna(), "lk_key"].dropna().astype(str)
    return ", ".join(dialect.text(k) for k in keys if k.strip() not in ("", "-") and k.isprintable())


def _channel_findings(found: pd.DataFrame | None, exports: list[Export], group_f: pd.DataFrame) -> pd.DataFrame:
    """`group_f` with one row per file and channel text no word recognises (rule channel_unknown, the text as
    `written`)."""
    if found is None or found.empty:
        return group_f
    rows = pd.DataFrame({"source_file": [exports[int(i)].rel for i in found["file_idx"]],
                         "rule": "channel_unknown", "unit_name": "", "procedure_code": "", "procedure_name": "",
                         "written": found["channel"].astype(str), "n": found["n"],
                         "first_row": found["first_row"]})
    return pd.concat([group_f, rows], ignore_index=True)


def _not_dossier_params(dialect: Dialect, logs: list[Export], cfg: dict[str, Any]) -> dict[str, str]:
    """staged.sql's tests of a row that is no dossier: the header repeated (its cell over the dates of receipt,
    or two of its other cells, hold a header's text: one of the files' header cells, or any column's header in
    dossiers.yml, each also as the start of a longer text, as headers are matched, so that a header pasted with
    its columns in another order or other wordings is one too), or a printed log's closing rows (footer_rows in
    dossiers.yml). Compared in lower case; every text also in its decomposed form (NFD), which some exports
    write and which a regular expression or an IN list does not equate with the composed one."""
    synonyms = [name for names in cfg["headers"].values() for name in names]
    # the files' own header texts, as many as `limits.header_texts` (a folder of hostile files each with other
    # header cells must not make a pattern the engine cannot compile: the synonyms still find most repeats)
    cells = sorted({t.lower() for ex in logs for t in ex.header_cells})[:int(cfg["limits"]["header_texts"])]
    names = {t.lower() for t in synonyms} | {fold(t) for t in synonyms}
    footer = cfg.get("footer_rows") or {}
    words, whole = _both_forms(footer.get("contains") or []), _both_forms(footer.get("equals") or [])
    pattern = header_pattern(_both_forms(names), _both_forms(cells))

    def header_cell(c: str) -> str:  # a header's text, and no digit: "Ngày nhận 5/4" is a date in words
        return f"({dialect.matches(f'lower({c})', pattern)} AND NOT {dialect.matches(c, _quote('[0-9]'))})"

    # or two other cells holding a header's text (the cell over the dates blank, or "STT" there)
    others = " + ".join(f"CASE WHEN {header_cell(c)} THEN 1 ELSE 0 END"
                        for c in ("dossier_code", "procedure_code", "procedure_name", "channel", "return_channel",
                                  "status", "due_at", "finished_at", "returned_at"))
    return {
        "header_texts": f"({header_cell('received_at')} OR {others} >= 2)",
        "footer_text": dialect.matches("lower(trim(concat_ws(' ', dossier_code, procedure_code, procedure_name, "
                                       "channel, return_channel, status, received_at, due_at, finished_at, "
                                       "returned_at)))", regex_literal(words, whole)),
        "footer_unit": dialect.matches("lower(unit_key)", regex_literal(words, whole, anchored=True)),
    }


def _both_forms(texts: Iterable[str]) -> list[str]:
    """Each text composed (NFC) and decomposed (NFD), once each, sorted (the SQL text is the same every run)."""
    return sorted({unicodedata.normalize(form, t) for t in texts for form in ("NFC", "NFD")})


_TOTAL = re.compile(r"(?:tổng cộng|tổng số|tong cong|tong so)[^0-9]{0,20}?([0-9]{1,3}(?:[.][0-9]{3})+|[0-9]+)")
_NOT_DOSSIERS = ("empty_row", "header_row", "footer_row")


def _footer_totals(findings: pd.DataFrame, files: pd.DataFrame, cfg: dict[str, Any]) -> pd.DataFrame:
    """`findings` with a warning (footer_total_differs) where a printed log's total ("Tổng cộng: 1.234 hồ sơ")
    is not the number of dossier rows the file holds (rows read, less the rows that are no dossier): an export
    cut short, or rows added or deleted by hand. The first total of a file is checked, in a file that holds one
    export only (a file holding the header again holds several, each with its own total)."""
    footers = findings[findings["rule"] == "footer_row"] if len(findings) else findings
    if footers.empty:
        return findings
    footers = footers[~footers["source_file"].isin(findings.loc[findings["rule"] == "header_row", "source_file"])]
    read = files.set_index("source_file")["rows_read"]
    notes = findings[findings["rule"].isin(_NOT_DOSSIERS)].groupby("source_file").size()
    spec = cfg["findings"]["footer_total_differs"]
    rows, seen = [], set()
    for r in footers.itertuples(index=False):
        m = _TOTAL.search(str(r.value).lower())
        if r.source_file in seen or not m or r.source_file not in read.index:
            continue
        seen.add(r.source_file)
        total, held = int(m.group(1).replace(".", "")), int(read[r.source_file]) - int(notes.get(r.source_file, 0))
        if total != held:
            rows.append((r.source_file, int(r.source_row), "", "footer_total_differs", spec["severity"],
                         spec["message"].format(total=format_int(total), rows=format_int(held)), str(r.value)))
    if not rows:
        return findings
    out = pd.concat([findings, pd.DataFrame(rows, columns=findings.columns)], ignore_index=True)
    return out.sort_values(["source_file", "source_row", "rule"], kind="stable").reset_index(drop=True)


def _limit_findings(findings: pd.DataFrame, conflicts: list[tuple[Limit, Limit]], cfg: dict[str, Any]) -> pd.DataFrame:
    """`findings` with a warning (limit_conflict) at each row of a procedures table that gives a procedure
    another time limit than the row used: the deadlines computed (rule 5) follow the first, said, not silently."""
    if not conflicts:
        return findings
    spec = cfg["findings"]["limit_conflict"]
    rows = [(other.source_file, other.source_row, "", "limit_conflict", spec["severity"],
             spec["message"].format(procedure=" ".join(x for x in (other.code, other.name) if x),
                                    days=format_int(other.days), used=format_int(used.days),
                                    file=used.source_file, row=format_int(used.source_row)),
             str(other.days)) for used, other in conflicts]
    out = pd.concat([findings, pd.DataFrame(rows, columns=findings.columns)], ignore_index=True)
    return out.sort_values(["source_file", "source_row", "rule"], kind="stable").reset_index(drop=True)


def _reject(ex: Export, reason: str, **fields: str) -> None:
    ex.kind, ex.reason = "rejected", reason.format(**fields)


def _check_dossier_columns(path: Path) -> None:
    """dossiers.parquet is written by the engine, not through Catalog.save (10 million rows do not go through
    pandas): its columns are checked against the catalog from the file's schema."""
    import pyarrow.parquet as pq

    got, wanted = pq.read_schema(path).names, columns("dossiers")
    if got != wanted:
        raise RuntimeError(f"dossiers.parquet: cột {got} khác danh mục (catalog.yml) {wanted}")


def on_time_rate(on_time: pd.Series, overdue: pd.Series) -> pd.Series:
    """On-time rate, 0–100, a ratio of sums (rule 6); empty when nothing was decided."""
    total = (on_time + overdue).astype("Float64")
    return (100 * on_time.astype("Float64") / total.where(total > 0)).astype("Float64")


def unit_table(units: pd.DataFrame, cfg: dict[str, Any], plan: Plan) -> pd.DataFrame:
    """Per-unit rows (registry order of tiers, then code), then one row per tier, then the city. A unit's row
    also says whether its log covers the period and what in it can explain a gap with its table (`log_note`);
    a tier's or the city's covers the period when every unit's log does."""
    u = units.copy()
    for c in ("first_received", "last_received"):
        u[c] = u[c].astype("string").str.slice(0, 10)
    rows = u.to_dict("records")  # once: a city of many units iterates them in Python
    coverage = [_coverage_notes(r, cfg, plan) for r in rows]
    u["covers_period"] = [not notes for notes in coverage]
    u["log_note"] = [log_note(r, cfg, notes) for r, notes in zip(rows, coverage, strict=True)]
    for c in _UNIT_COUNTS:
        u[c] = u[c].fillna(0).astype("int64")
    u["tier_order"] = u["tier"].map({t: i for i, t in enumerate(TIERS)})
    u = u.sort_values(["tier_order", "unit_code"]).drop(columns="tier_order")
    spans = {"first_received": "min", "last_received": "max"}
    tiers = (u.groupby("tier", sort=False).agg({**{c: "sum" for c in _UNIT_COUNTS}, **spans, "covers_period": "all"})
             .reset_index().assign(unit_code="", unit_name=lambda t: t["tier"].map(TIER_LABELS), log_note=""))
    city = pd.DataFrame([{**{c: int(u[c].sum()) for c in _UNIT_COUNTS},
                          **{c: getattr(u[c].dropna(), how)() if u[c].notna().any() else pd.NA
                             for c, how in spans.items()},
                          "covers_period": bool(u["covers_period"].all()), "log_note": "",
                          "unit_code": "", "tier": "city", "unit_name": CITY_LABEL}])
    out = pd.concat([u, tiers, city], ignore_index=True)
    out["on_time_rate"] = on_time_rate(out["on_time"], out["overdue"])
    return out[columns("dossier_units")]


def procedure_table(procs: pd.DataFrame) -> pd.DataFrame:
    """The city's rows (all units together) first, most received first; then each unit's."""
    p = procs.copy()
    for c in _PROC_COUNTS:
        p[c] = p[c].fillna(0).astype("int64")
    for c in ("unit_code", "procedure_code", "procedure_name"):
        p[c] = p[c].fillna("")
    city = p.groupby(["procedure_code", "procedure_name"], as_index=False)[_PROC_COUNTS].sum().assign(unit_code="")
    city = city.sort_values(["received", "procedure_code", "procedure_name"], ascending=[False, True, True])
    p = p.sort_values(["unit_code", "received", "procedure_code", "procedure_name"],
                      ascending=[True, False, True, True])
    out = pd.concat([city, p], ignore_index=True)
    out["on_time_rate"] = on_time_rate(out["on_time"], out["overdue"])
    return out[columns("dossier_procedures")]


_DATE_OF_RULE = {"received_unreadable": "received_at", "due_unreadable": "due_at",
                 "finished_unreadable": "finished_at", "returned_unreadable": "returned_at",
                 "due_before_received": "due_at", "duplicate_code": "dossier_code", "code_missing": "dossier_code"}


_TEXT_COLUMNS = ("dossier_code", "procedure_code", "procedure_name", "unit_name", "status", "received_at", "due_at",
                 "finished_at", "returned_at")


def _multiline_value(rows: pd.DataFrame, width: int = 120) -> pd.Series:
    """The first of the rows' texts that spans lines, on one line (⏎ for each break) and cut to `width`."""
    value = pd.Series("", index=rows.index, dtype=object)
    if "procedure_name_written" in rows:  # the cell as written, where the procedure's spelling replaced it
        written = rows["procedure_name_written"].fillna("").astype(str)
        rows = rows.assign(procedure_name=written.where(written != "", rows["procedure_name"]))
    for column in reversed(_TEXT_COLUMNS):
        value = rows[column].where(rows[column].str.contains("[\r\n]", regex=True), value)
    flat = value.str.replace(r"\r\n|\r|\n", " ⏎ ", regex=True)
    return flat.where(flat.str.len() <= width, flat.str.slice(0, width - 1) + "…")


def _written_cells(rows: pd.DataFrame, width: int = 120,
                  columns: Sequence[str] = ("dossier_code", "procedure_code", "procedure_name", "status")) -> pd.Series:
    """A row's text as a person sees it (a closing row, a header repeated): its cells that are not empty,
    " … " between them; its unit cell only when nothing else is written (a blank unit cell reads as the unit the file's title
    names)."""
    cells = rows[list(columns)]
    text = cells.apply(lambda r: " … ".join(v for v in r if v and v != "-"), axis=1).astype(object)
    text = text.where(text != "", rows["unit_name"].str.split("\x1f").str[0])
    return text.where(text.str.len() <= width, text.str.slice(0, width - 1) + "…")


def _person_date(text: object) -> str:
    """An ISO date (and time) as dd/mm/yyyy (hh:mm) for a message."""
    s = str(text or "")
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})( \d{2}:\d{2})?$", s)
    return f"{m.group(3)}/{m.group(2)}/{m.group(1)}{m.group(4) or ''}" if m else s


def _person_dates(texts: pd.Series) -> pd.Series:
    """`_person_date` of every text of a column at once."""
    return texts.astype(str).str.replace(r"^(\d{4})-(\d{2})-(\d{2})( \d{2}:\d{2})?$", r"\3/\2/\1\4", regex=True)


def _fill(template: str, fields: dict[str, Any], index: pd.Index) -> pd.Series:
    """`template.format(**fields)` for every row at once; a field is a column (Series on `index`) or a text."""
    out = pd.Series("", index=index, dtype=object)
    for literal, name, spec, conversion in string.Formatter().parse(template):
        out = out + literal
        if name is not None:
            if spec or conversion:
                raise ValueError(f"dossiers.yml: {template!r}: chỉ dùng {{tên}} trong thông báo")
            value = fields[name]
            out = out + (value.astype(str) if isinstance(value, pd.Series) else str(value))
    return out


def _names(code: str, registry: Registry) -> tuple[str, str]:
    """A unit's name, and its name with its type as within a sentence, the type word in lower case: ("Liên
    Hà", "xã Liên Hà"), ("Sơn Tây", "thị xã Sơn Tây"); an agency's name twice."""
    unit = registry.unit(code)
    if unit is None:
        return code, code
    with_type, name = str(unit["name_with_type"]), str(unit["name"])
    if with_type != name and with_type.endswith(name):
        return name, with_type[:len(with_type) - len(name)].lower() + name
    return name, with_type


def _ambiguous_message(value: str, namesakes: list[Match], spec: dict[str, Any], registry: Registry,
                       **fields: str) -> str:
    """The finding of a unit's name that units of several parents bear (rule unit_ambiguous in dossiers.yml):
    each of them with its parent, in the order of the parents' names, and how to write the first."""
    from sketket.clean import fold

    parents = {m.code: _names(m.parent_code, registry) for m in namesakes}
    ordered = sorted(namesakes, key=lambda m: (fold(parents[m.code][0]), m.code))
    listed = "; ".join(spec["namesake"].format(unit=_names(m.code, registry)[1], parent=parents[m.code][1])
                       for m in ordered)
    first = ordered[0]
    example = spec["example"].format(unit=first.registry_name, parent=parents[first.code][1])
    where = spec["parents"].get(first.tier, spec["parents"]["xa"])
    return spec["message"].format(value=value, namesakes=listed, example=example, parents=where, **fields)


# a row's issues said once per file (group_findings.sql), not row by row
_GROUP_ONLY = ("under_other_header", "done_without_end")


def findings_table(row_f: pd.DataFrame, group_f: pd.DataFrame, cfg: dict[str, Any], plan: Plan,
                   registry: Registry, districts: dict[str, str] | None = None,
                   other_headers: dict[str, list[int]] | None = None) -> pd.DataFrame:
    """One row per rule a row breaks (the rows' issues, messages filled column-wise: there can be hundreds of
    thousands of them), then the findings about many rows at once. `districts`: each file's district code
    (_file_district), which a unit's name shared by several districts was matched with; `other_headers`: each
    file's lines of a header repeated with its columns in another order (`_other_headers`)."""
    rules = cfg["findings"]
    districts = districts or {}
    other_headers = other_headers or {}
    fmt = {"cutoff": format_date(plan.cutoff), "start": format_date(plan.period_start)}
    rows: list[tuple[Any, ...]] = []
    r = row_f.fillna("").astype({c: str for c in row_f.columns if c != "source_row"})
    long = r.assign(rule=r["issues"].str.split(",")).explode("rule", ignore_index=True)
    long = long[~long["rule"].fillna("").isin(["", *_GROUP_ONLY])]
    for rule, g in long.groupby("rule", sort=False):
        if rule in ("finished_before_received", "done_after_cutoff"):
            value = g["finished_at"].where(g["finished_at"] != "", g["returned_at"])
        elif rule == "line_breaks":
            value = _multiline_value(g)
        elif rule in ("footer_row", "header_row"):  # its cells in the columns read ("Hà Nội, ngày …" in a date's)
            value = _written_cells(g, columns=("dossier_code", "procedure_code", "procedure_name", "received_at",
                                              "due_at", "finished_at", "returned_at", "status"))
        else:
            value = g[_DATE_OF_RULE.get(str(rule), "dossier_code")]
        shown = (value if rule in ("duplicate_code", "code_missing", "line_breaks", "footer_row", "header_row")
                 else _person_dates(value))
        message = _fill(rules[rule]["message"], {"value": shown, "received": _person_dates(g["received_at"]),
                                                 "status": g["status"], **fmt}, g.index)
        # the value as the message shows it (dates dd/mm/yyyy, as a person reads them beside it)
        rows.extend(zip(g["source_file"], g["source_row"].astype(int).tolist(), g["dossier_code"],
                        [rule] * len(g), [rules[rule]["severity"]] * len(g), message, shown, strict=True))
    suggested = int(cfg["limits"]["suggested_unit_names"])  # a fuzzy search each: the names of most rows only
    by_rows = group_f.fillna("").sort_values(["n", "source_file", "first_row"], ascending=[False, True, True],
                                             kind="stable")
    for g in by_rows.itertuples(index=False):
        n = format_int(int(g.n))
        rule = g.rule
        # an unknown unit's name that several districts' communes bear, as the lookup met it (match_unit)
        namesakes = (match_unit(g.unit_name, registry, districts.get(g.source_file, "")).namesakes
                     if rule == "unit_unmatched" else [])
        if namesakes:
            rule, value = "unit_ambiguous", g.unit_name
            message = _ambiguous_message(value, namesakes, rules[rule], registry, n=n, **fmt)
        elif rule == "unit_unmatched" and (bearers := registry.bearers(g.unit_name, "xa")):
            value = g.unit_name
            message = rules[rule]["shared"].format(value=value, n=n, names=", ".join(bearers), **fmt)
        elif rule == "unit_unmatched" and not g.unit_name:
            value = ""
            message = rules[rule]["blank"].format(n=n, first=format_int(int(g.first_row)), **fmt)
        elif rule == "unit_unmatched":
            value = g.unit_name
            suggested -= 1
            message = rules["unit_unmatched"]["message"].format(
                value=value, n=n, suggestions=_suggestions(value, registry) if suggested >= 0 else "", **fmt)
        elif g.rule == "no_deadline":
            value = " ".join(x for x in (g.procedure_code, g.procedure_name) if x)
            message = rules["no_deadline"]["message"].format(value=value, n=n, **fmt)
        elif g.rule == "done_without_end":
            message = rules[rule]["message"].format(n=n, first=format_int(int(g.first_row)), **fmt)
            value = ""
        elif g.rule == "under_other_header":
            value = ", ".join(format_int(h) for h in other_headers.get(g.source_file, []))
            message = rules[rule]["message"].format(value=value, n=n, first=format_int(int(g.first_row)), **fmt)
        elif g.rule == "channel_unknown":
            value = g.written
            message = rules[rule]["message"].format(value=value, n=n, **fmt)
        elif g.rule == "procedure_name_differs":
            value = g.written
            message = rules[rule]["message"].format(value=value, n=n, code=g.procedure_code,
                                                    name=g.procedure_name, **fmt)
        else:
            value = ""
            message = rules["out_of_period"]["message"].format(n=n, **fmt)
        rows.append((g.source_file, int(g.first_row), "", rule, rules[rule]["severity"], message, value))
    out = pd.DataFrame(rows, columns=columns("dossier_findings"))
    return out.sort_values(["source_file", "source_row", "rule"], kind="stable").reset_index(drop=True)


_STATUS = {"log": "read", "procedures": "procedures", "rejected": "rejected", "skipped": "skipped"}


def files_table(exports: list[Export], counts: pd.DataFrame) -> pd.DataFrame:
    """Every file of the logs folder: read (with its rows read, counted, excluded), a procedures table,
    rejected or skipped (with the reason)."""
    by_file = {r.source_file: (int(r.rows_read), int(r.rows_counted)) for r in counts.itertuples(index=False)}
    rows = []
    for ex in exports:
        read, counted = by_file.get(ex.rel, (0, 0))
        reason = ex.reason
        if ex.kind == "procedures":
            reason = "bảng thủ tục hành chính (thời hạn giải quyết), dùng để tính ngày hẹn trả"
        elif ex.kind == "log" and read == 0:
            reason = "sổ theo dõi không có dòng hồ sơ nào"
        rows.append((ex.rel, _STATUS[ex.kind], reason, read, counted, read - counted))
    return pd.DataFrame(rows, columns=columns("dossier_files"))


# ---------------------------------------------------------------- reconciliation


def _coverage_notes(unit: pd.Series | dict[str, Any], cfg: dict[str, Any], plan: Plan) -> list[str]:
    """A log that starts or stops more than `reconciliation.coverage_days` days inside the period (software
    installed late, an export taken before the period ended), in words; none when it covers the period."""
    texts, days = cfg["reconciliation"]["texts"], int(cfg["reconciliation"]["coverage_days"])
    notes = []
    first, last = unit.get("first_received"), unit.get("last_received")
    if not (isinstance(first, str) and first) and not pd.isna(unit.get("log_rows")) and int(unit["log_rows"]):
        return [texts["none_in_period"]]  # rows, none received in the period
    if isinstance(first, str) and first:
        gap = (dt.date.fromisoformat(first) - plan.period_start).days
        if gap > days:
            notes.append(texts["starts_late"].format(first=format_date(dt.date.fromisoformat(first)),
                                                     start=format_date(plan.period_start), days=format_int(gap)))
    if isinstance(last, str) and last:
        gap = (plan.cutoff - dt.date.fromisoformat(last)).days
        if gap > days:
            notes.append(texts["ends_early"].format(last=format_date(dt.date.fromisoformat(last)),
                                                    cutoff=format_date(plan.cutoff), days=format_int(gap)))
    return notes


def log_note(unit: pd.Series | dict[str, Any], cfg: dict[str, Any], coverage: list[str]) -> str:
    """What in a unit's own log can explain a gap with its table (empty when nothing): a log short of the
    period (`coverage`, _coverage_notes), and more dossier rows not counted for an error (no readable date of
    receipt, columns in another order) than the reconciliation's absolute tolerance."""
    parts = list(coverage)
    unreadable = unit.get("unreadable_rows")
    if not pd.isna(unreadable) and int(unreadable) > int(cfg["reconciliation"]["absolute"]):
        parts.append(cfg["reconciliation"]["texts"]["unreadable"].format(n=format_int(unreadable)))
    return "; ".join(parts)


def reconcile(appendix: pd.DataFrame, units: pd.DataFrame, cfg: dict[str, Any],
              findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit with both a table row and a log: reported against logged received, on time, overdue.
    A unit differs when a gap exceeds both thresholds (relative to the log, and absolute). Only figures that
    count are compared: a unit with two rows in the tables, or whose row awaits correction (ingest's gating
    `findings`), is left out until it is corrected, as from every total; an on-time figure the table does not
    report (Phụ lục III: ingest derives it as received − overdue, `derived`) is not compared, since the log's
    on time leaves out the dossiers awaiting the applicant, withdrawn or without a deadline. `log_note` (from
    `units`) says what in the unit's log can explain a gap (a log short of the period, rows not counted)."""
    th = cfg["reconciliation"]
    rel, absolute = float(th["relative_pct"]), int(th["absolute"])
    rep = appendix[appendix["unit_code"] != ""]
    if findings is not None and len(rep):
        from sketket.analysis.gating import OK, correction_status
        from sketket.config import load_yaml

        status = correction_status(rep, findings, load_yaml("indicators.yml")["gating"]["rules"])["data_status"]
        rep = rep[status.reindex(rep.index).fillna(OK) == OK]
    rep = rep[~rep["unit_code"].duplicated(keep=False)].set_index("unit_code")
    log = units[units["unit_code"] != ""].set_index("unit_code")
    rows = []
    for code in [c for c in log.index if c in rep.index]:
        r, g = rep.loc[code], log.loc[code]
        pairs = {k: (r[f"dossiers_{k}"], int(g[k])) for k in ("received", "on_time", "overdue")}
        if "dossiers_on_time" in str(r.get("derived", "")):
            pairs["on_time"] = (None, pairs["on_time"][1])
        if all(pd.isna(v[0]) for v in pairs.values()):
            continue
        diffs = {k: (None if pd.isna(a) else int(a) - b) for k, (a, b) in pairs.items()}
        differs = any(d is not None and abs(d) > absolute and 100 * abs(d) / max(pairs[k][1], 1) > rel
                      for k, d in diffs.items())
        rec_rep, rec_log = pairs["received"]
        # the gap relative to the log; none when the log holds no dossier of the period (not "chênh 25.000%")
        pct = None if diffs["received"] is None or not rec_log else 100 * abs(diffs["received"]) / rec_log
        message = (f"Biểu báo cáo {format_int(rec_rep)} hồ sơ; "
                   + (f"phần mềm một cửa ghi nhận {format_int(rec_log)}" if rec_log
                      else "phần mềm một cửa không ghi nhận hồ sơ nào trong kỳ"))
        if pct is not None and diffs["received"]:
            # the rate beyond 100% of a short log says nothing ("chênh 244.700%"): the count does; and which side
            # is larger, in dossiers, since the rate alone reads the same either way
            side = "nhiều" if diffs["received"] > 0 else "ít"
            message += ((f", chênh {format_percent(pct)}" if pct <= 100 else "")
                        + f", biểu {side} hơn {format_int(abs(diffs['received']))} hồ sơ")
        elif rec_log:  # equal received but another figure beyond the thresholds: not a bare "khớp"
            message += ", khớp số hồ sơ đã nhận" if differs else ", khớp"
        rows.append({
            "unit_code": code, "reported_received": rec_rep, "log_received": rec_log,
            "reported_on_time": pairs["on_time"][0], "log_on_time": pairs["on_time"][1],
            "reported_overdue": pairs["overdue"][0], "log_overdue": pairs["overdue"][1],
            "diff_received": diffs["received"], "diff_on_time": diffs["on_time"], "diff_overdue": diffs["overdue"],
            "diff_received_pct": pct, "status": "differs" if differs else "agrees",
            "unit_name": g["unit_name"], "tier": g["tier"], "message": message,
            "log_note": g["log_note"],
        })
    return pd.DataFrame(rows, columns=columns("reconciliation"))


# ---------------------------------------------------------------- command line


def dossiers(ctx: RunContext, logs_dir: Path, *, engine: str = "duckdb",
             config_path: str | Path | None = None) -> DossierResult:
    """The step of a run: the logs under `logs_dir` counted with the run's plan and registry, written into the
    run's processed folder (beside ingest's appendix, so the reconciliation is made too), with the settings of
    sketket.yml's `dossiers.config` when it names a file (relative to sketket.yml, as its paths are)."""
    own = (ctx.extra.get("dossiers") or {}).get("config")
    if config_path is None and own:
        config_path = Path(own) if Path(own).is_absolute() or ctx.config_file is None else ctx.config_file.parent / own
        if not Path(config_path).is_file():
            raise ConfigError(f"tệp cấu hình {ctx.config_file}: khóa dossiers.config trỏ tới {config_path}, tệp này "
                              "không có; cần một bản đầy đủ của src/sketket/config/dossiers.yml")
    return count_dossiers(Path(logs_dir), Path(ctx.processed_dir), registry=ctx.registry, plan=ctx.plan,
                          config_path=config_path, engine=engine)


def cli_dossiers(args: argparse.Namespace) -> int:
    from sketket.context import RunContext

    logs = Path(args.logs_dir)
    if not logs.is_dir():
        print(f"sketket dossiers: không có thư mục {logs}", file=sys.stderr)
        return 2
    ctx = RunContext.load(args.config, processed=args.out)
    result = dossiers(ctx, logs, engine=args.engine)
    ledger = result.tables["dossier_files"]
    units = result.tables["dossier_units"]
    city = units[units["tier"] == "city"].iloc[0]
    print(f"Đã đọc {format_int(len(ledger[ledger['status'] == 'read']))} tệp sổ theo dõi, "
          f"{format_int(result.rows_read)} dòng; tính {format_int(result.rows_counted)} hồ sơ tiếp nhận trong kỳ "
          f"(đúng hạn {format_percent(city['on_time_rate']) if pd.notna(city['on_time_rate']) else '–'}).")
    rejected = ledger[ledger["status"] == "rejected"]
    for r in rejected.itertuples():
        print(f"  Không đọc: {r.source_file}: {r.reason}", file=sys.stderr)
    if "reconciliation" in result.tables:
        rec = result.tables["reconciliation"]
        print(f"Đối chiếu với Phụ lục: {format_int(int((rec['status'] == 'differs').sum()))} / "
              f"{format_int(len(rec))} đơn vị chênh lệch.")
    print(f"Kết quả ghi tại {result.out_dir}")
    return 0
