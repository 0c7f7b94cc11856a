"""The city's consolidated workbook: Phụ lục I, II and III for the whole city, in the official layout,
with every sum and rate written as a value so that any reader shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.styles import Alignment, Font

from sketket import layout
from sketket.clean import excel_text, fold, format_date, format_int, format_percent, nfc
from sketket.config import Plan
from sketket.dimensions import FORM_TIERS, TIER_LABELS
from sketket.outputs._fastbook import FastBook
from sketket.outputs._sheet import BORDER, FONT, PCT_PARTS, RowSpec, write_table
from sketket.registry import Registry

SHEET = "Phụ lục {form}"
NOTES_SHEET = "Ghi chú"
ORPHANS = "Đơn vị chưa xác định được đơn vị chủ quản"
HEAD_LABEL = "{label} ({n}/{expected} đơn vị báo cáo)"
SUB_LABEL = "{label} ({n}/{expected} đơn vị có số liệu)"
OUTSIDE_LABEL = "; {n} đơn vị ngoài danh mục"
NOTES: tuple[str, ...] = (
    "Tổng hợp từ biểu Phụ lục I, II, III các cơ quan, đơn vị gửi Sở Nội vụ; số liệu từ {start} đến {end}.",
    "Các dòng tổng và tỷ lệ là giá trị đã tính sẵn (không dùng công thức), đọc đúng ở mọi phần mềm.",
    "Tỷ lệ = tổng tử số / tổng mẫu số của các đơn vị có đủ cả hai số liệu (không lấy trung bình các tỷ lệ).",
    "Phụ lục III không có cột hồ sơ đúng hạn: số hồ sơ đúng hạn = đã nhận − quá hạn.",
    "Đơn vị có trong danh mục nhưng không có số liệu được ghi ở cột Ghi chú.",
)
COVERAGE_HEADER = ("Phụ lục", "Cấp", "Đơn vị theo danh mục", "Đơn vị có số liệu", "Tỷ lệ",
                   "Đơn vị ngoài danh mục")


_SUMMED: tuple[str, ...] = tuple(n for n in layout.FIGURES if n not in layout.PERCENTS)


def numeric_frame(appendix: pd.DataFrame) -> pd.DataFrame:
    """The appendix with every figure column present and numeric (text that is no number → empty)."""
    df = appendix.copy()
    for name in layout.FIGURES:
        df[name] = pd.to_numeric(df[name], errors="coerce") if name in df.columns else float("nan")
    return df


def _sum(x: np.ndarray) -> float | int | None:
    if np.isnan(x).all():
        return None
    total = float(np.nansum(x))
    return int(total) if total.is_integer() else total


def figures(df: pd.DataFrame, form: str) -> dict[str, object]:
    """Sums of the rows' figures (of a numeric_frame) and their rates as ratios of sums, over the rows
    that have both parts of the rate."""
    a = df[list(_SUMMED)].to_numpy(dtype=float)
    col = {name: a[:, i] for i, name in enumerate(_SUMMED)}
    out: dict[str, object] = {name: _sum(col[name]) for name in _SUMMED}
    on_time = col["dossiers_on_time"]
    if form == "III":  # no on-time column: derived as received − overdue
        derived = col["dossiers_received"] - col["dossiers_overdue"]
        on_time = np.where(np.isnan(on_time), derived, on_time)
    for pct, (num, den) in PCT_PARTS.items():
        n = on_time if num == "dossiers_on_time" else col[num]
        d = col[den]
        both = ~np.isnan(n) & ~np.isnan(d)
        total = d[both].sum()
        out[pct] = float(100.0 * n[both].sum() / total) if both.any() and total else None
    return out


class _Lines:
    """The consolidated lines of one sheet and the appendix rows each one adds up (a row may add to two
    lines: a commune's own line and its district's subtotal). Figures of every line are computed at once
    (figures_by_line) instead of one DataFrame per line."""

    def __init__(self) -> None:
        self.line: list[int] = []  # (line, row position) pairs
        self.row: list[int] = []
        self.count = 0

    def add(self, positions: list[int]) -> int:
        k = self.count
        self.count += 1
        self.line += [k] * len(positions)
        self.row += positions
        return k


def figures_by_line(df: pd.DataFrame, line: np.ndarray, row: np.ndarray, n_lines: int,
                    form: str) -> list[dict[str, object]]:
    """figures() of many lines at once: line[i] adds row position row[i] of `df` (a numeric_frame). A line
    with no row gets no figure at all (as figures() of no rows is never asked for)."""
    a = df[list(_SUMMED)].to_numpy(dtype=float)[row]
    col = {name: a[:, i] for i, name in enumerate(_SUMMED)}
    rows_per_line = np.bincount(line, minlength=n_lines)

    def total(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        known = ~np.isnan(x)
        return (np.bincount(line, weights=np.where(known, x, 0.0), minlength=n_lines),
                np.bincount(line, weights=known, minlength=n_lines))

    sums = {name: total(col[name]) for name in _SUMMED}
    on_time = col["dossiers_on_time"]
    if form == "III":  # no on-time column: derived as received − overdue
        on_time = np.where(np.isnan(on_time), col["dossiers_received"] - col["dossiers_overdue"], on_time)
    rates = {}
    for pct, (num, den) in PCT_PARTS.items():
        n = on_time if num == "dossiers_on_time" else col[num]
        both = ~np.isnan(n) & ~np.isnan(col[den])
        rates[pct] = (np.bincount(line, weights=np.where(both, n, 0.0), minlength=n_lines),
                      np.bincount(line, weights=np.where(both, col[den], 0.0), minlength=n_lines),
                      np.bincount(line, weights=both, minlength=n_lines))
    out: list[dict[str, object]] = []
    for k in range(n_lines):
        if not rows_per_line[k]:
            out.append({})
            continue
        values: dict[str, object] = {}
        for name, (value, known) in sums.items():
            v = float(value[k])
            values[name] = None if not known[k] else int(v) if v.is_integer() else v
        for pct, (num_sum, den_sum, both) in rates.items():
            values[pct] = float(100.0 * num_sum[k] / den_sum[k]) if both[k] and den_sum[k] else None
        out.append(values)
    return out


def _notes_by_line(df: pd.DataFrame, line: np.ndarray, row: np.ndarray, n_lines: int) -> list[str]:
    """The rows' notes of each line, joined by a space (empty notes kept, missing ones dropped)."""
    if "note" not in df.columns:
        return [""] * n_lines
    notes = df["note"].tolist()
    joined: list[list[str]] = [[] for _ in range(n_lines)]
    for k, i in zip(line.tolist(), row.tolist(), strict=True):
        if not pd.isna(notes[i]):
            joined[k].append(nfc(notes[i]))
    return [" ".join(parts) for parts in joined]


@dataclass
class _Group:
    name: str
    code: str
    head: list[int]  # positions of the submitter's rows
    subs: list[tuple[str, list[int]]] = field(default_factory=list)  # (name, positions of its rows)
    keys: set[str] = field(default_factory=set)


def _name(code: str, unit_name: str, registry: Registry) -> str:
    return registry.name_of(code) if code and registry.name_of(code) else unit_name


def _groups(data: pd.DataFrame, form: str, registry: Registry) -> list[_Group]:
    """Submitters in registry order (then unmatched ones), each with its sub-units' rows (positions in
    `data`). Every lookup is a dict built once: a submitter's rows, its registry sub-units, a parent's name."""
    head_tier, sub_tier = FORM_TIERS[form]
    tiers = data["tier"].tolist()
    codes = data["unit_code"].fillna("").astype(str).tolist()
    names = [nfc(v) for v in data["unit_name"].tolist()]
    parents = data["parent_name"].tolist()
    heads = [i for i, t in enumerate(tiers) if t == head_tier]
    subs = [i for i, t in enumerate(tiers) if t == sub_tier]
    head_rows: dict[str, list[int]] = {}
    for i in heads:
        head_rows.setdefault(codes[i], []).append(i)
    listed_heads = registry.tier_units(head_tier)
    listed_codes = set(listed_heads["code"])
    groups: list[_Group] = []
    for code, name, with_type in zip(listed_heads["code"], listed_heads["name"], listed_heads["name_with_type"],
                                     strict=True):
        groups.append(_Group(with_type, code, head_rows.get(code, []), keys={fold(with_type), fold(name)}))
    for i in heads:
        if codes[i] not in listed_codes:
            groups.append(_Group(names[i] + layout.UNMATCHED_SUFFIX, "", [i], keys={fold(names[i])}))
    for g in groups:
        g.keys |= {fold(names[i]) for i in g.head}

    orphans = _Group(ORPHANS, "", [])
    by_code = {g.code: g for g in groups if g.code}
    by_key: dict[str, _Group] = {}
    for g in groups:  # a parent's name goes to the first submitter known by it
        for key in g.keys:
            by_key.setdefault(key, g)
    parent_of = dict(zip(registry.units["code"], registry.units["parent_code"], strict=True))
    placed: dict[int, list[int]] = {}
    for i in subs:
        group = by_code.get(parent_of.get(codes[i], ""))
        if group is None:
            key = fold(parents[i])
            group = by_key.get(key, orphans) if key else orphans
        placed.setdefault(id(group), []).append(i)
    listed_subs: dict[str, list[tuple[str, str]]] = {}
    sub_units = registry.tier_units(sub_tier)
    for code, parent, with_type in zip(sub_units["code"], sub_units["parent_code"], sub_units["name_with_type"],
                                       strict=True):
        listed_subs.setdefault(parent, []).append((code, with_type))
    for g in [*groups, orphans]:
        at: dict[str, list[int]] = {}
        for i in placed.get(id(g), []):
            at.setdefault(codes[i], []).append(i)
        for code, with_type in listed_subs.get(g.code, []) if g.code else []:
            g.subs.append((with_type, at.pop(code, [])))
        for i in [i for ids in at.values() for i in ids]:
            # a name the registry does not know is said so beside the registry's own rows (a misspelt commune
            # next to its real name with no figures must not read as two units)
            g.subs.append((_name(codes[i], names[i], registry) + ("" if codes[i] else layout.UNMATCHED_SUFFIX), [i]))
    return groups + ([orphans] if orphans.subs else [])


def coverage(rows: pd.DataFrame, tier: str, registry: Registry) -> tuple[int, int, int]:
    """(registry units of the tier with a row, registry units of the tier, rows matching no unit)."""
    codes = set(registry.tier_units(tier)["code"])
    found = rows["unit_code"].isin(codes)
    return rows.loc[found, "unit_code"].nunique(), len(codes), int((~found).sum())


def _coverage_label(template: str, rows: pd.DataFrame, tier: str, registry: Registry) -> str:
    n, expected, outside = coverage(rows, tier, registry)
    label = template.format(label=TIER_LABELS[tier], n=n, expected=expected)
    label = label[:-1] + OUTSIDE_LABEL.format(n=outside) + ")" if outside else label
    return _left_out(label, rows)


def _left_out(label: str, rows: pd.DataFrame) -> str:
    """`label` "(…)" with the units awaiting correction its figures leave out, when there are any (the rows of
    workbook_appendix carry data_status)."""
    from sketket.analysis.gating import AWAITING
    from sketket.analysis.indicators import load_config

    n = int((rows["data_status"] == AWAITING).sum()) if "data_status" in rows else 0
    if not n:
        return label
    return label[:-1] + "; " + load_config()["gating"]["left_out"].format(n=format_int(n)) + ")"


def _as_is(text: object) -> object:
    return text


def sheet_rows(appendix: pd.DataFrame, form: str, registry: Registry, *, excel: bool = True) -> list[RowSpec]:
    """Row A (all submitters), B (all sub-units), each submitter and its sub-units, Tổng cộng. `excel`: the
    submitted names and notes neutralised for a spreadsheet (excel_text: "'=…"); False for a Word document,
    where the guard would only show as a stray apostrophe."""
    guard = excel_text if excel else _as_is
    head_tier, sub_tier = FORM_TIERS[form]
    data = appendix[appendix["form"] == form]
    heads, subs = data[data["tier"] == head_tier], data[data["tier"] == sub_tier]
    groups = _groups(data, form, registry)
    # Which rows each line adds up; then every line's figures and notes in one pass.
    lines = _Lines()
    plan: list[tuple[str, str, int, str | None, str]] = []  # (stt, name, line, fixed note, role)
    for k, g in enumerate(groups, start=1):
        note = None if g.head or g.name == ORPHANS else layout.NOT_REPORTED
        plan.append((str(k), guard(g.name), lines.add(g.head), note, "group"))
        if form == "III" and g.subs:
            with_data = [i for _, rows in g.subs for i in rows]
            plan.append(("", _left_out(layout.COMMUNES_LABEL.format(n=len(with_data)), data.iloc[with_data]),
                         lines.add(with_data), None, "subtotal"))
        for j, (name, rows) in enumerate(g.subs, start=1):
            note = None if rows else layout.NO_FIGURES
            plan.append((f"{k}.{j}", guard(name), lines.add(rows), note, "detail"))
    line, row = np.asarray(lines.line, dtype=np.int64), np.asarray(lines.row, dtype=np.int64)
    values = figures_by_line(data, line, row, lines.count, form)
    notes = _notes_by_line(data, line, row, lines.count)
    out = [
        RowSpec("A", _coverage_label(HEAD_LABEL, heads, head_tier, registry), figures(heads, form), "A"),
        RowSpec("B", _coverage_label(SUB_LABEL, subs, sub_tier, registry), figures(subs, form), "B"),
    ]
    for stt, name, k, note, role in plan:
        if role == "subtotal":  # a subtotal line has no note column of its own
            out.append(RowSpec(stt, name, values[k] or figures(subs.iloc[0:0], form), role))
            continue
        line_values = dict(values[k])
        line_values["note"] = guard(note or notes[k]) or None
        out.append(RowSpec(stt, name, line_values, role))
    out.append(RowSpec("", layout.TOTAL_LABEL, figures(data, form), "total"))
    return out


def _coverage(ws, appendix: pd.DataFrame, registry: Registry, plan: Plan) -> None:
    bold = Font(name=FONT, bold=True, size=12)
    plain = Font(name=FONT, size=12)
    ws.cell(1, 1, "Ghi chú về số liệu tổng hợp").font = Font(name=FONT, bold=True, size=13)
    start, end = format_date(plan.period_start), format_date(plan.period_end)
    for k, line in enumerate(NOTES, start=3):
        ws.cell(k, 1, line.format(start=start, end=end)).font = plain
    top = 4 + len(NOTES)
    for c, text in enumerate(COVERAGE_HEADER, start=1):
        cell = ws.cell(top, c, text)
        cell.font, cell.border = bold, BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = top
    for form, tiers in FORM_TIERS.items():
        for tier in tiers:
            r += 1
            rows = appendix[(appendix["form"] == form) & (appendix["tier"] == tier)]
            n, expected, outside = coverage(rows, tier, registry)
            rate = format_percent(100 * n / expected) if expected else "–"
            for c, v in enumerate((f"Phụ lục {form}", TIER_LABELS[tier], expected, n, rate, outside), start=1):
                cell = ws.cell(r, c, v)
                cell.font, cell.border = plain, BORDER
    for letter, width in zip("ABCDEF", (12, 40, 14, 14, 10, 14), strict=True):
        ws.column_dimensions[letter].width = width


def write_consolidated(appendix: pd.DataFrame, out: Path, *, plan: Plan, registry: Registry) -> Path:
    """Write reports/tong-hop-phu-luc.xlsx: one sheet per form and a "Ghi chú" sheet on coverage; titles from
    the run's plan. The sheets are laid out by write_table as every appendix table is, and written by
    XlsxWriter (FastBook): one line per unit of a national review is 690.000 styled cells."""
    appendix = numeric_frame(appendix)
    for col in ("form", "tier", "unit_name", "unit_code", "parent_name"):
        if col not in appendix.columns:
            appendix[col] = ""
        appendix[col] = appendix[col].map(nfc)
    book = FastBook(out)
    for form in layout.FORMS:
        ws = book.create_sheet(SHEET.format(form=form))
        title = layout.CONSOLIDATED_TITLE.format(title=layout.TITLES[form][0].lower() + layout.TITLES[form][1:])
        write_table(ws, form, sheet_rows(appendix, form, registry), plan=plan, unit_block="", formulas=False,
                    title=title, block_lines=layout.CONSOLIDATED_BLOCK, validation=False)
    _coverage(book.create_sheet(NOTES_SHEET), appendix, registry, plan)
    return book.save()
