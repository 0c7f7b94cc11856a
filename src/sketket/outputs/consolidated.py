"""The city's consolidated workbook: Phụ lục I, II and III for the whole city, in the official layout,
with every sum and rate written as a value so that any reader shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from sketket import layout
from sketket.clean import excel_safe, fold, format_date, format_percent, nfc
from sketket.config import Plan
from sketket.dimensions import FORM_TIERS, TIER_LABELS
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


def _row_values(row: pd.DataFrame, form: str, note: str | None = None) -> dict[str, object]:
    values = figures(row, form) if len(row) else {}
    text = note or " ".join(nfc(v) for v in row.get("note", pd.Series(dtype=object)).dropna())
    values["note"] = excel_safe(text) or None
    return values


@dataclass
class _Group:
    name: str
    code: str
    head: pd.DataFrame
    subs: list[tuple[str, pd.DataFrame]] = field(default_factory=list)  # (name, rows)
    keys: set[str] = field(default_factory=set)


def _name(row: pd.Series, registry: Registry) -> str:
    code = nfc(row.get("unit_code"))
    return registry.name_of(code) if code and registry.name_of(code) else nfc(row.get("unit_name"))


def _groups(data: pd.DataFrame, form: str, registry: Registry) -> list[_Group]:
    """Submitters in registry order (then unmatched ones), each with its sub-units' rows."""
    head_tier, sub_tier = FORM_TIERS[form]
    heads = data[data["tier"] == head_tier]
    subs = data[data["tier"] == sub_tier]
    codes = heads["unit_code"].fillna("").astype(str)
    groups: list[_Group] = []
    for r in registry.tier_units(head_tier).itertuples(index=False):
        rows = heads[codes == r.code]
        groups.append(_Group(r.name_with_type, r.code, rows, keys={fold(r.name_with_type), fold(r.name)}))
    for i in heads.index[~codes.isin(registry.tier_units(head_tier)["code"])]:
        name = nfc(heads.at[i, "unit_name"])
        groups.append(_Group(name, "", heads.loc[[i]], keys={fold(name)}))
    for g in groups:
        g.keys |= {fold(v) for v in g.head.get("unit_name", pd.Series(dtype=object))}

    orphans = _Group(ORPHANS, "", heads.iloc[0:0])
    by_code = {g.code: g for g in groups if g.code}
    parent_of = dict(zip(registry.units["code"], registry.units["parent_code"], strict=True))
    placed: dict[int, list] = {}
    for i, code, parent in zip(subs.index, subs["unit_code"], subs["parent_name"], strict=True):
        group = by_code.get(parent_of.get(code, ""))
        if group is None:
            key = fold(parent)
            group = next((g for g in groups if key and key in g.keys), orphans)
        placed.setdefault(id(group), []).append(i)
    for g in [*groups, orphans]:
        rows = subs.loc[placed.get(id(g), [])]
        at: dict[str, list] = {}
        for i, code in zip(rows.index, rows["unit_code"], strict=True):
            at.setdefault(code, []).append(i)
        listed = registry.tier_units(sub_tier, parent_code=g.code) if g.code else registry.units.iloc[0:0]
        for r in listed.itertuples(index=False):
            g.subs.append((r.name_with_type, rows.loc[at.pop(r.code, [])]))
        for i in [i for ids in at.values() for i in ids]:
            g.subs.append((_name(rows.loc[i], registry), rows.loc[[i]]))
    return groups + ([orphans] if orphans.subs else [])


def coverage(rows: pd.DataFrame, tier: str, registry: Registry) -> tuple[int, int, int]:
    """(registry units of the tier with a row, registry units of the tier, rows matching no unit)."""
    codes = set(registry.tier_units(tier)["code"])
    found = rows["unit_code"].isin(codes)
    return rows.loc[found, "unit_code"].nunique(), len(codes), int((~found).sum())


def _coverage_label(template: str, rows: pd.DataFrame, tier: str, registry: Registry) -> str:
    n, expected, outside = coverage(rows, tier, registry)
    label = template.format(label=TIER_LABELS[tier], n=n, expected=expected)
    return label[:-1] + OUTSIDE_LABEL.format(n=outside) + ")" if outside else label


def sheet_rows(appendix: pd.DataFrame, form: str, registry: Registry) -> list[RowSpec]:
    """Row A (all submitters), B (all sub-units), each submitter and its sub-units, Tổng cộng."""
    head_tier, sub_tier = FORM_TIERS[form]
    data = appendix[appendix["form"] == form]
    heads, subs = data[data["tier"] == head_tier], data[data["tier"] == sub_tier]
    rows = [
        RowSpec("A", _coverage_label(HEAD_LABEL, heads, head_tier, registry), figures(heads, form), "A"),
        RowSpec("B", _coverage_label(SUB_LABEL, subs, sub_tier, registry), figures(subs, form), "B"),
    ]
    for k, g in enumerate(_groups(data, form, registry), start=1):
        note = None if len(g.head) or g.name == ORPHANS else layout.NOT_REPORTED
        rows.append(RowSpec(str(k), excel_safe(g.name), _row_values(g.head, form, note), "group"))
        if form == "III" and g.subs:
            frames = [r for _, r in g.subs if len(r)]
            with_data = pd.concat(frames) if frames else subs.iloc[0:0]
            rows.append(RowSpec("", layout.COMMUNES_LABEL.format(n=len(with_data)), figures(with_data, form),
                                "subtotal"))
        for j, (name, sub_rows) in enumerate(g.subs, start=1):
            note = None if len(sub_rows) else layout.NO_FIGURES
            rows.append(RowSpec(f"{k}.{j}", excel_safe(name), _row_values(sub_rows, form, note), "detail"))
    rows.append(RowSpec("", layout.TOTAL_LABEL, figures(data, form), "total"))
    return rows


def _coverage(ws, appendix: pd.DataFrame, registry: Registry, plan: Plan) -> None:
    bold = Font(name=FONT, bold=True, size=12)
    plain = Font(name=FONT, size=12)
    ws["A1"] = "Ghi chú về số liệu tổng hợp"
    ws["A1"].font = Font(name=FONT, bold=True, size=13)
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
    the run's plan."""
    appendix = numeric_frame(appendix)
    for col in ("form", "tier", "unit_name", "unit_code", "parent_name"):
        if col not in appendix.columns:
            appendix[col] = ""
        appendix[col] = appendix[col].map(nfc)
    wb = Workbook()
    wb.remove(wb.active)
    for form in layout.FORMS:
        ws = wb.create_sheet(SHEET.format(form=form))
        title = layout.CONSOLIDATED_TITLE.format(title=layout.TITLES[form][0].lower() + layout.TITLES[form][1:])
        write_table(ws, form, sheet_rows(appendix, form, registry), plan=plan, unit_block="", formulas=False,
                    title=title, block_lines=layout.CONSOLIDATED_BLOCK, validation=False)
    _coverage(wb.create_sheet(NOTES_SHEET), appendix, registry, plan)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
