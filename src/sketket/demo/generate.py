"""`sketket demo`: a whole city's submissions as they really arrive, with the faults officials make.

One Phụ lục I per department (with its Chi cục), one Phụ lục II per vertical agency (with its branches),
one Phụ lục III per district (with all its communes), a narrative report per unit, the task reports of
the five bodies with assigned tasks, a submission log, and `manifest.json`: every planted fault with
the file, sheet, cell, rule and severity that a correct validator reports, and nothing else, and
`variations.json`: the harmless layout variations of each table (shifted, other sheet, text numbers …).

Parameters: config/demo.yml; wording: config/demo_text.yml. Deterministic for a seed: every draw comes
from a `random.Random` seeded by (seed, copy, unit), and every zip member and document property is
stamped with a fixed time.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import random
import re
import struct
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from sketket.clean import fold, format_date, format_int, format_percent, parse_number
from sketket.config import Plan, load_yaml
from sketket.demo.text import (
    ReportFacts,
    phrases,
    report_paragraphs,
    reset_odf_namespaces,
    task_report_paragraphs,
    write_docx,
    write_odt,
    write_txt,
)
from sketket.dimensions import FORM_TIERS
from sketket.layout import COUNTS, PERCENTS, columns
from sketket.outputs.writer import TableMap, Variation, save_as, write_filled
from sketket.registry import Registry, load_registry

MANIFEST = "manifest.json"
VARIATIONS_FILE = "variations.json"
LOG_FILE = "nhat-ky-nop-bao-cao.csv"
README = "README.txt"
COPY_REGISTRY = "danh-muc-don-vi.csv"
LOG_COLUMNS = ("unit_code", "unit_name", "document", "channel", "date")
FOLDERS = {"I": "so-nganh", "II": "nganh-doc", "III": "quan-huyen"}
TASK_FOLDER = "nhiem-vu"
# The five bodies with tasks assigned in Decision 07/2016/QĐ-UBND (plan, section III.2).
TASK_BODIES = ("Sở Thông tin và Truyền thông", "Sở Tư pháp", "Sở Tài chính", "Sở Khoa học và Công nghệ",
               "Viện Nghiên cứu phát triển kinh tế - xã hội Hà Nội")
# Value faults (negative, fractional, text) go in one column and subtotal/total faults in another, so
# that a planted fault never changes the sum another fault is checked against.
VALUE_COLUMN = "online_services_l34"
AGGREGATE_COLUMN = "postal_tthc"
SUMMED = ("area_m2", "tthc_total", "tthc_one_stop", "dossiers_received", "dossiers_on_time",
          "dossiers_overdue", "online_services_l34", "postal_tthc")
# What offices type in a count cell instead of a number.
NOT_NUMBERS = ("chưa thống kê", "đang cập nhật", "khoảng 20")
# Every cell-level rule the demo plants (rule, severity): pct_mismatch once at each size.
CELL_FAULTS: tuple[tuple[str, str], ...] = (
    ("sum_mismatch", "error"), ("overdue_exceeds_received", "error"), ("one_stop_exceeds_total", "error"),
    ("negative_count", "error"), ("fractional_count", "error"), ("not_a_number", "error"),
    ("pct_mismatch", "warning"), ("pct_mismatch", "error"), ("subtotal_mismatch", "error"),
    ("total_mismatch", "error"), ("required_missing", "error"), ("area_missing", "warning"),
    ("online_exceeds_tthc", "error"), ("unit_name_corrected", "warning"), ("unit_name_inferred", "warning"),
)
FILE_FAULTS = ("file_corrupt", "file_encrypted", "no_table", "unsafe_xml")
README_TEXT = """Dữ liệu minh họa (illustrative data) – sketket demo, seed {seed}, scale {scale}.

Bộ hồ sơ giả lập của cả Thành phố Hà Nội: biểu Phụ lục I, II, III, báo cáo sơ kết theo Đề cương, báo cáo
nhiệm vụ của 5 cơ quan được giao nhiệm vụ và nhật ký nộp báo cáo ({log}).
Mọi số liệu, văn bản, ngày tháng đều là minh họa, không phải số liệu thật.
{manifest} liệt kê các lỗi cố ý đưa vào: tệp, trang tính, ô, quy tắc, mức độ.
{variations} liệt kê các biến thể trình bày của từng biểu: không phải lỗi, biểu vẫn đọc đúng (riêng
placeholder_row_a có cảnh báo unit_name_inferred trong {manifest}). Tên các biến thể:
{names}
"""
COPIES_TEXT = """
Các bản sao của Thành phố (--scale {scale}) nằm trong các thư mục ban-sao-NN; tên đơn vị có hậu tố
"(bản sao N)" và danh mục đơn vị của chúng ở {registry}. Đọc toàn bộ bằng:
  sketket ingest THU_MUC --out KET_QUA --registry THU_MUC/{registry}
"""
# The harmless layout variations recorded in variations.json (name → what the table looks like).
VARIATIONS: dict[str, str] = {
    "shifted_down": "thêm dòng dưới tiêu đề, biểu dịch xuống",
    "shifted_right": "biểu bắt đầu từ cột B, C",
    "other_sheet": "biểu ở trang tính thứ hai, sau trang \"Hướng dẫn\"",
    "placeholder_row_a": "dòng A giữ tên mẫu (\"Sở\", \"Cấp huyện\"…), tên đơn vị chỉ ở ô CƠ QUAN, ĐƠN VỊ",
    "no_number_row": "không có dòng đánh số cột (1, 2, 3…)",
    "header_breaks": "tiêu đề cột xuống dòng, cách chữ khác mẫu",
    "m2_superscript": "\"(m²)\" thay cho \"(m2)\"",
    "pct_as_fraction": "tỷ lệ ghi dạng phân số (0,985) trong ô định dạng %",
    "pct_formulas": "tỷ lệ là công thức",
    "text_numbers": "số gõ dạng chữ: \"1.234\", \"1 234\", \"-\" cho số 0, \"98,5%\", \"100 %\"",
    "format_xls": "tệp .xls",
    "format_ods": "tệp .ods",
    "format_xlsm": "tệp .xlsm",
}
# When the demo's workbooks and documents were "written": fixed, so that output is byte-identical.
STAMP = dt.datetime(2017, 8, 25, 9, 0, 0)


def demo_config() -> dict[str, Any]:
    return load_yaml("demo.yml")


# -- figures -------------------------------------------------------------------------------------------
def is_land_heavy(name: str, cfg: dict[str, Any]) -> bool:
    """Units whose procedures are mostly land and construction (their dossiers run late more often)."""
    key = fold(name)
    return any(all(w in key.split() for w in k.split()) for k in cfg["overdue"]["land_keywords"])


def _overdue_share(rng: random.Random, cfg: dict[str, Any], tier: str, land: bool) -> float:
    spec = cfg["overdue"]
    if rng.random() < spec["zero_share"] and not land:
        return 0.0
    parts = spec["mixture"]
    pick = rng.choices(parts, weights=[p["weight"] for p in parts])[0]
    share = rng.uniform(pick["min"], pick["max"]) * spec["tier_factor"][tier]
    if land:
        share *= spec["land_factor"]
    return min(share, spec["cap"])


def draw_figures(tier: str, name: str, rng: random.Random, cfg: dict[str, Any]) -> dict[str, Any]:
    """One unit's consistent figures (canonical column names), drawn from its tier's distributions."""
    t = cfg["tiers"][tier]
    area = rng.randint(*t["area_m2"]) + (0.5 if rng.random() < 0.2 else 0.0)
    tthc_total = rng.randint(*t["tthc_total"])
    one_stop = tthc_total
    if rng.random() >= cfg["one_stop"]["full_share"]:
        one_stop = max(1, int(tthc_total * rng.uniform(cfg["one_stop"]["min_ratio"], 1.0)))
    spec = t["received"]
    received = int(rng.lognormvariate(math.log(spec["median"]), spec["sigma"]))
    received = min(max(received, spec["min"]), spec["max"])
    if received >= 9_999 and set(str(received)) == {"9"}:  # 9.999 reads as a placeholder (placeholder_count)
        received -= 1
    overdue = int(received * _overdue_share(rng, cfg, tier, is_land_heavy(name, cfg)))
    return {
        "area_m2": area,
        "tthc_total": tthc_total,
        "tthc_one_stop": one_stop,
        "dossiers_received": received,
        "dossiers_on_time": received - overdue,
        "dossiers_overdue": overdue,
        "online_services_l34": int(tthc_total * rng.uniform(*cfg["online_ratio"])),
        "postal_tthc": int(one_stop * rng.uniform(*cfg["postal_ratio"])),
    }


def pct_value(row: dict[str, Any], column: str, form: str) -> float | None:
    """The percentage a correct table shows for a row (None when its counts are not all numbers)."""
    if column == "tthc_one_stop_pct":
        num, den = row.get("tthc_one_stop"), row.get("tthc_total")
    elif form == "III":
        received, overdue = row.get("dossiers_received"), row.get("dossiers_overdue")
        num = received - overdue if _is_number(received) and _is_number(overdue) else None
        den = received
    else:
        num, den = row.get("dossiers_on_time"), row.get("dossiers_received")
    if not (_is_number(num) and _is_number(den)) or den <= 0:
        return None
    return 100.0 * num / den


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# -- names ---------------------------------------------------------------------------------------------
def ascii_name(text: str) -> str:
    """A name without diacritics, as many offices name their files: "Sở Tư pháp" → "So Tu phap"."""
    s = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


_TYPE_ABBR = {"Phường": "P.", "Xã": "X.", "Thị trấn": "TT.", "Quận": "Q.", "Huyện": "H.", "Thị xã": "TX."}


def district_label(name_with_type: str) -> str:
    """How a district signs its table and report: "Quận Ba Đình" → "UBND quận Ba Đình"."""
    for word in ("Thị xã", "Quận", "Huyện"):
        if name_with_type.startswith(word):
            return "UBND " + word.lower() + name_with_type[len(word):]
    return "UBND " + name_with_type


def typed_name(unit: pd.Series, rng: random.Random, registry: Registry) -> str:
    """A commune's name as officials type it ("P. Phúc Xá", "phường Phúc Xá", "Phúc Xá"), kept only
    when the registry still matches it to the same unit."""
    name = unit["name_with_type"]
    if unit["tier"] != "xa" or rng.random() < 0.7:
        return name
    variants = [name.replace(w, a, 1) for w, a in _TYPE_ABBR.items() if name.startswith(w)]
    variants += [name[0].lower() + name[1:], "UBND " + name[0].lower() + name[1:], unit["name"]]
    typed = rng.choice(variants)
    m = registry.match(typed, "xa", parent_code=unit["parent_code"])
    return typed if m.code == unit["code"] else name


def misspell(name: str, tier: str, parent_code: str, registry: Registry) -> str:
    """A typo that no longer matches any unit of the registry ("Phúc" → "Phúcc")."""
    words = name.split(" ")
    order = sorted(range(len(words)), key=lambda i: (-len(words[i]), i))
    for i in order:
        w = words[i]
        if len(w) < 3 or not w.isalpha() or w.lower() in ("phường", "huyện", "quận", "bản", "sao"):
            continue
        typo = " ".join([*words[:i], w[:-1] + w[-1] * 2 + ("h" if w.endswith("h") else ""), *words[i + 1:]])
        if not registry.match(typo, tier, parent_code).matched and not registry.match(typo, tier).matched:
            return typo
    raise ValueError(f"cannot misspell {name!r} into an unknown name")


# -- tables --------------------------------------------------------------------------------------------
@dataclass
class Planted:
    """A planted fault before the table is written: which row (index in `rows`, "B" or "total")
    and which canonical column name its cell."""

    rule: str
    severity: str
    row: int | str
    column: str


@dataclass
class Table:
    """One submitter's table as it will be written: row 0 is row A, the others its sub-units."""

    form: str
    code: str
    name: str
    rows: list[dict[str, Any]]
    codes: list[str]
    ext: str
    path: str  # relative to the demo folder, forward slashes
    variation: Variation = field(default_factory=Variation)
    pct_values: bool = True
    aggregate_values: bool = False
    subtotal: dict[str, Any] = field(default_factory=dict)
    total: dict[str, Any] = field(default_factory=dict)
    faults: list[Planted] = field(default_factory=list)
    used_rows: set[int] = field(default_factory=set)
    fixed_pct: set[tuple[int, str]] = field(default_factory=set)  # percentages fill_percentages keeps
    text_numbers: bool = False  # some figures typed as text (type_as_text)
    drawn: list[dict[str, Any]] = field(default_factory=list)  # the figures before any planted fault

    @property
    def sub_units(self) -> list[dict[str, Any]]:
        return self.rows[1:]


def _free_row(t: Table, rng: random.Random, *, numbered: bool = False, min_received: int = 0) -> int | None:
    start = 1 if numbered else 0
    rows = [i for i in range(start, len(t.rows)) if i not in t.used_rows
            and _is_number(t.rows[i].get("dossiers_received")) and t.rows[i]["dossiers_received"] >= min_received]
    if not rows:
        return None
    r = rng.choice(rows)
    t.used_rows.add(r)
    return r


def _column_sum(t: Table, column: str, rows: range) -> float:
    return sum(t.rows[i][column] for i in rows)


def plant(t: Table, rule: str, severity: str, rng: random.Random, cfg: dict[str, Any],
          registry: Registry) -> bool:
    """Plant one fault in a table so that it triggers its own rule and no other; False when the table
    cannot carry it (wrong form, no free row, an aggregate fault already there)."""
    aggregate = any(f.rule in ("subtotal_mismatch", "total_mismatch") for f in t.faults)
    if rule in ("sum_mismatch", "required_missing") and t.form == "III":
        return False
    if rule == "overdue_exceeds_received" and t.form != "III":
        return False
    if rule == "pct_mismatch" and t.variation.pct_formulas:
        return False
    if rule in ("subtotal_mismatch", "total_mismatch"):
        if aggregate or (rule == "subtotal_mismatch" and len(t.rows) < 2):
            return False
        a, units = t.rows[0][AGGREGATE_COLUMN], _column_sum(t, AGGREGATE_COLUMN, range(1, len(t.rows)))
        delta = rng.randint(3, 60)
        if rule == "subtotal_mismatch":
            t.subtotal[AGGREGATE_COLUMN] = units + delta
            t.total[AGGREGATE_COLUMN] = a + units  # the total stays right: only row B is wrong
            t.faults.append(Planted(rule, severity, "B", AGGREGATE_COLUMN))
        else:
            t.total[AGGREGATE_COLUMN] = a + units + delta
            t.faults.append(Planted(rule, severity, "total", AGGREGATE_COLUMN))
        return True
    if rule == "unit_name_inferred":
        if t.variation.placeholder_row_a:
            return False
        t.variation = replace(t.variation, placeholder_row_a=True)
        t.faults.append(Planted(rule, severity, 0, "unit_name"))
        return True
    r = _free_row(t, rng, numbered=rule == "unit_name_corrected", min_received=400 if rule == "sum_mismatch" else 1)
    if r is None:
        return False
    row = t.rows[r]
    if rule == "sum_mismatch":
        # A small gap (≤ 0,3 point of the rate), so that the rate is right whichever way it is recomputed.
        row["dossiers_on_time"] -= max(1, min(50, int(row["dossiers_received"] * 0.003)))
        column = "dossiers_received"
    elif rule == "overdue_exceeds_received":
        row["dossiers_overdue"] = row["dossiers_received"] + rng.randint(1, 30)
        column = "dossiers_received"
    elif rule == "one_stop_exceeds_total":
        row["tthc_one_stop"] = row["tthc_total"] + rng.randint(1, 12)
        column = "tthc_one_stop"
    elif rule in ("negative_count", "fractional_count", "not_a_number"):
        column = VALUE_COLUMN
        value = row[column] or rng.randint(2, 30)
        row[column] = {"negative_count": -value, "fractional_count": value + 0.5,
                       "not_a_number": rng.choice(NOT_NUMBERS)}[rule]
    elif rule == "pct_mismatch":
        column = rng.choice(PERCENTS)
        true = pct_value(row, column, t.form)
        points = cfg["faults"]["pct_warning_points" if severity == "warning" else "pct_error_points"]
        row[column] = round(true - points if true - points >= 0 else true + points, 2)
        t.fixed_pct.add((r, column))
    elif rule == "required_missing":
        # The overdue cell of a row with no overdue dossier is left empty: only the empty cell is wrong.
        row["dossiers_on_time"] = row["dossiers_received"]
        row["dossiers_overdue"] = None
        column = "dossiers_overdue"
    elif rule == "area_missing":
        row["area_m2"] = None
        column = "area_m2"
    elif rule == "online_exceeds_tthc":
        row["online_services_l34"] = row["tthc_total"] + rng.randint(1, 15)
        column = "online_services_l34"
    elif rule == "unit_name_corrected":  # a typo, understood as the one unit of the table without a row
        tier = FORM_TIERS[t.form][1]
        row["unit_name"] = misspell(row["unit_name"], tier, t.code, registry)
        column = "unit_name"
    else:
        raise ValueError(f"unknown rule {rule}")
    t.faults.append(Planted(rule, severity, r, column))
    return True


def fill_percentages(t: Table) -> None:
    """Percentages typed as values (most offices do) from the final counts; planted ones stay."""
    if not t.pct_values:
        return
    for i, row in enumerate(t.rows):
        for column in PERCENTS:
            if (i, column) in t.fixed_pct:
                continue
            value = pct_value(row, column, t.form)
            if value is not None and 0 <= value <= 100:
                row[column] = round(value, 2)


def fill_aggregates(t: Table) -> None:
    """Subtotal and total typed as values in some offices (exact sums); a planted one stays."""
    if not t.aggregate_values or len(t.rows) < 2:
        return
    for column in SUMMED:
        if t.form == "III" and column == "dossiers_on_time":
            continue
        values = [r.get(column) for r in t.rows]
        # Only clean columns: a typed sum over a planted negative or fractional count would repeat the
        # fault on rows B and Tổng cộng.
        if not all(_is_number(v) and v >= 0 and (column == "area_m2" or float(v).is_integer()) for v in values):
            continue
        units = sum(values[1:])
        t.subtotal.setdefault(column, units)
        t.total.setdefault(column, values[0] + units)


def number_text(value: float, column: str, rng: random.Random, spec: dict[str, Any]) -> str | None:
    """A figure as an official types it ("1.234", "1 234" with a non-breaking space, "-" for zero,
    "98,5%", "100 %"); None when that text would not read back to the same number."""
    if column in PERCENTS:
        text = "100 %" if value == 100 else format_percent(value, 1)
    elif not float(value).is_integer():
        return None
    elif value == 0:
        text = "-"
    else:
        text = format_int(value)
        if value >= 1000 and rng.random() < spec["nbsp_share"]:
            text = text.replace(".", "\u00a0")
    n = parse_number(text)
    # A rate rounded to one decimal stays within 0,05 point: far below the pct_mismatch threshold.
    return text if n.ok and n.value is not None and abs(n.value - value) <= 0.05 else None


def type_as_text(t: Table, rng: random.Random, spec: dict[str, Any]) -> None:
    """Type a share of a clean table's figures as text. Rates and typed totals are filled from the
    numbers first, so that every text reads back to what the numbers give."""
    t.aggregate_values = True  # a SUM over text cells would give 0 in Excel: totals are typed too
    fill_percentages(t)
    fill_aggregates(t)
    for aggregate in (t.subtotal, t.total):  # their rates too, or a formula would divide text cells
        for column in PERCENTS:
            if (value := pct_value(aggregate, column, t.form)) is not None:
                aggregate[column] = round(value, 2)
    names = {c.name for c in columns(t.form)}
    # Rates first, from the exact ratio of the counts (not the rounded value typed beside them).
    figures = [c for c in (*PERCENTS, *COUNTS) if c in names]
    for i, row in enumerate([*t.rows, t.subtotal, t.total]):
        for column in figures:
            value = pct_value(row, column, t.form) if column in PERCENTS and column in row else row.get(column)
            if not _is_number(value) or rng.random() >= spec["cell_share"]:
                continue
            text = number_text(value, column, rng, spec)
            if text is not None:
                row[column] = text
                if column in PERCENTS and i < len(t.rows):
                    t.fixed_pct.add((i, column))
    t.text_numbers = True


def variation_names(t: Table) -> list[str]:
    """The names (VARIATIONS) of a table's harmless layout variations, for variations.json."""
    v = t.variation
    flags = {
        "shifted_down": v.extra_title_lines > 0, "shifted_right": v.col_offset > 0, "other_sheet": v.notes_sheet,
        "placeholder_row_a": v.placeholder_row_a, "no_number_row": not v.number_row,
        "header_breaks": v.header_breaks, "m2_superscript": v.m2_superscript,
        "pct_as_fraction": v.pct_as_fraction, "pct_formulas": v.pct_formulas, "text_numbers": t.text_numbers,
        "format_xls": t.ext == "xls", "format_ods": t.ext == "ods", "format_xlsm": t.ext == "xlsm",
    }
    return [name for name in VARIATIONS if flags[name]]


def random_variation(rng: random.Random, cfg: dict[str, Any]) -> Variation:
    """The harmless ways officials change the layout (none of them is a fault)."""
    if rng.random() >= cfg["variation_share"]:
        return Variation()
    return Variation(
        extra_title_lines=rng.choice((0, 0, 1, 2, 3)),
        col_offset=rng.choice((0, 0, 1, 2)),
        number_row=rng.random() < 0.6,
        header_breaks=rng.random() < 0.3,
        m2_superscript=rng.random() < 0.4,
        notes_sheet=rng.random() < 0.2,
        pct_as_fraction=rng.random() < 0.25,
        pct_formulas=rng.random() < 0.15,
    )


# -- file names ----------------------------------------------------------------------------------------
_TABLE_NAMES = ("PL{n}_{a}", "Phu luc {form} - {a}", "Phụ lục {form} - {name}", "Bieu so lieu PL{n} - {a}",
                "PL{n} so ket QD07 - {a}")
_REPORT_NAMES = ("Bao cao so ket QD07 - {a}", "BC so ket 07 - {a}", "Báo cáo sơ kết QĐ 07 - {name}",
                 "{a} - Bao cao so ket mot cua")


def _file_stem(patterns: tuple[str, ...], name: str, form: str, rng: random.Random) -> str:
    n = {"I": 1, "II": 2, "III": 3}[form]
    stem = rng.choice(patterns).format(n=n, form=form, a=ascii_name(name), name=name)
    return re.sub(r'[\\/:*?"<>|]', "-", stem)


def _pick(weights: dict[str, float], rng: random.Random) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


# -- the city ------------------------------------------------------------------------------------------
@dataclass
class Submitter:
    code: str
    tier: str
    form: str
    name: str  # as the unit signs: "Sở Tư pháp", "UBND quận Ba Đình"
    registry_name: str


def submitters(registry: Registry) -> list[Submitter]:
    """The units that owe a table (departments, city-level vertical agencies, districts), in code order."""
    df = registry.expected_submitters()
    out = []
    for r in df.sort_values("code", kind="stable").itertuples(index=False):
        form = {"so": "I", "nganh_doc_tp": "II", "huyen": "III"}[r.tier]
        name = district_label(r.name_with_type) if r.tier == "huyen" else r.name_with_type
        out.append(Submitter(r.code, r.tier, form, name, r.name_with_type))
    return out


def build_table(s: Submitter, registry: Registry, seed_key: str, cfg: dict[str, Any]) -> Table:
    """A submitter's consistent table: its figures in row A and each registry sub-unit on its row."""
    rng = random.Random(f"{seed_key}:{s.code}:table")
    rows = [{"unit_name": s.name, **draw_figures(s.tier, s.registry_name, random.Random(
        f"{seed_key}:{s.code}:figures"), cfg)}]
    codes = [s.code]
    sub_tier = FORM_TIERS[s.form][1]
    for u in registry.tier_units(sub_tier, parent_code=s.code).itertuples(index=False):
        unit = pd.Series(u._asdict())
        figures = draw_figures(sub_tier, u.name_with_type, random.Random(f"{seed_key}:{u.code}:figures"), cfg)
        rows.append({"unit_name": typed_name(unit, rng, registry), **figures})
        codes.append(u.code)
    ext = _pick(cfg["formats"]["table"], rng)
    stem = _file_stem(_TABLE_NAMES, s.name, s.form, rng)
    return Table(form=s.form, code=s.code, name=s.name, rows=rows, codes=codes, ext=ext,
                 path=f"{FOLDERS[s.form]}/{stem}.{ext}", variation=random_variation(rng, cfg),
                 pct_values=rng.random() < 0.75, aggregate_values=rng.random() < 0.25,
                 drawn=[dict(r) for r in rows])


def plant_faults(tables: list[Table], rng: random.Random, cfg: dict[str, Any], registry: Registry) -> None:
    """About one table in ten carries faults; every cell-level rule is planted at least once."""
    spec = cfg["faults"]
    candidates = [t for t in tables if t.ext == "xlsx"]
    rng.shuffle(candidates)
    n_files = max(round(len(tables) * spec["file_share"]), math.ceil(len(CELL_FAULTS) / spec["max_per_file"]))
    faulty, spare = candidates[:n_files], candidates[n_files:]
    kinds = list(CELL_FAULTS)
    rng.shuffle(kinds)
    for rule, severity in kinds:
        order = sorted(faulty, key=lambda t: len(t.faults))
        if any(len(t.faults) < spec["max_per_file"] and plant(t, rule, severity, rng, cfg, registry)
               for t in order):
            continue
        while spare:  # no chosen table can carry it: one more table does
            t = spare.pop()
            if plant(t, rule, severity, rng, cfg, registry):
                faulty.append(t)
                break
        else:
            raise RuntimeError(f"no table can carry {rule}")
    for t in faulty:
        if not t.faults:
            rule, severity = rng.choice(kinds)
            plant(t, rule, severity, rng, cfg, registry)


def write_table_file(t: Table, out: Path, plan: Plan) -> TableMap:
    """Write a table in its format (.xls and .ods through the writer's conversion)."""
    fill_percentages(t)
    fill_aggregates(t)
    path = out / t.path
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs = dict(plan=plan, variation=t.variation, subtotal=t.subtotal or None, total=t.total or None)
    if t.ext == "xlsx":
        table = write_filled(t.form, path, t.rows[0], t.sub_units, **kwargs)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            xlsx = Path(tmp) / "table.xlsx"
            table = write_filled(t.form, xlsx, t.rows[0], t.sub_units, **kwargs)
            reset_odf_namespaces()
            save_as(xlsx, path)
    freeze(path)
    return table


def manifest_entries(t: Table, table: TableMap) -> list[dict[str, str]]:
    out = []
    for f in t.faults:
        row = {"B": table.row_b, "total": table.total_row}.get(f.row) if isinstance(f.row, str) else None
        if row is None:
            row = table.row_a if f.row == 0 else table.unit_rows[int(f.row) - 1]
        out.append(entry(t.path, table.sheet, table.cell(f.column, row), f.rule, f.severity))
    return out


def entry(source_file: str, sheet: str, cell: str, rule: str, severity: str) -> dict[str, str]:
    return {"source_file": source_file, "sheet": sheet, "cell": cell, "rule": rule, "severity": severity}


# -- file-level faults -------------------------------------------------------------------------------
def write_corrupt(path: Path, good: Path) -> None:
    """A workbook cut off in transfer: the first part of a real one."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def write_encrypted(path: Path, rng: random.Random) -> None:
    """What Excel saves with a password: an OLE compound file holding EncryptionInfo and
    EncryptedPackage streams instead of the zip package."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption '
        b'xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" '
        b'blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        b'hashAlgorithm="SHA512"/></encryption>')
    package = struct.pack("<Q", 6000) + bytes(rng.randrange(256) for _ in range(8184))
    path.write_bytes(_compound_file([("EncryptionInfo", info.ljust(4096, b"\0")), ("EncryptedPackage", package)]))


def _compound_file(streams: list[tuple[str, bytes]]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) with streams of ≥ 4096 bytes each,
    so that no mini stream is needed."""
    sector = 512
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sect, end]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for _, data in streams:
        n = math.ceil(len(data) / sector)
        first = len(fat)
        starts.append(first)
        fat += [first + k + 1 for k in range(n - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))

    def direntry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", nostream, right, child) + bytes(16) + bytes(4) + bytes(16)
                + struct.pack("<IQ", start, size))

    # Directory tree: the root's child is the first stream; the second is its right sibling (longer name).
    entries = direntry("Root Entry", 5, 1, nostream, end, 0)
    for k, (name, data) in enumerate(streams):
        entries += direntry(name, 2, nostream, k + 2 if k + 1 < len(streams) else nostream, starts[k], len(data))
    entries = entries.ljust(sector, b"\0")
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + bytes(6) + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    body = b"".join(data.ljust(math.ceil(len(data) / sector) * sector, b"\0") for _, data in streams)
    return header + struct.pack(f"<{len(fat)}I", *fat) + entries + body


def write_no_table(path: Path, unit: str) -> None:
    """A workbook sent instead of the table: the list of the counter's staff."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách"
    ws.append([f"DANH SÁCH CÁN BỘ, CÔNG CHỨC LÀM VIỆC TẠI BỘ PHẬN MỘT CỬA – {unit.upper()}"])
    ws.append([])
    ws.append(["STT", "Họ và tên", "Chức vụ", "Lĩnh vực phụ trách", "Số điện thoại"])
    for k, (who, role, field_) in enumerate((("Nguyễn Thị Hà", "Chuyên viên", "Đất đai"),
                                             ("Trần Văn Minh", "Chuyên viên", "Tư pháp – hộ tịch"),
                                             ("Lê Thu Trang", "Cán bộ hợp đồng", "Kinh tế")), start=1):
        ws.append([k, who, role, field_, f"024.3{k}56.78{k}0"])
    wb.save(path)
    freeze(path)


def write_unsafe_xml(path: Path, unit: str) -> None:
    """A small workbook whose sheet declares an XML entity (the shape of an entity bomb, harmless)."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "CƠ QUAN, ĐƠN VỊ"
    ws["A2"] = unit
    buffer = path.with_suffix(".tmp")
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                decl_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
                text = text[:decl_end] + '<!DOCTYPE worksheet [<!ENTITY x "sketket">]>' + text[decl_end:]
                data = text.encode("utf-8")
            dst.writestr(_frozen_info(info), data)
    buffer.unlink()
    freeze(path)


# -- determinism ---------------------------------------------------------------------------------------
_CORE_TIMES = re.compile(r"(<(dcterms:created|dcterms:modified|meta:creation-date|dc:date)[^>]*>)[^<]*(</\2>)")
# The .ods writer names column styles after a Python object id ("co140682996533648_1"): renumber them
# in order of appearance so that the same sheet gives the same bytes.
_ODS_STYLE_IDS = re.compile(r"co(\d{6,})_")


def _renumber_styles(text: str) -> str:
    ids: dict[str, int] = {}
    return _ODS_STYLE_IDS.sub(lambda m: f"co{ids.setdefault(m.group(1), len(ids) + 1)}_", text)


def _frozen_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    frozen = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
    frozen.compress_type = info.compress_type
    frozen.external_attr = info.external_attr
    return frozen


def freeze(path: Path) -> None:
    """Stamp every member of a zip package (xlsx, docx, ods, odt) and its creation/modification
    properties with one fixed time, so that two runs write identical bytes. Other files: unchanged."""
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    stamp = STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path, "w") as z:
        for info, data in members:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                data = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3), data.decode("utf-8")).encode()
            elif info.filename == "content.xml":
                data = _renumber_styles(data.decode("utf-8")).encode()
            z.writestr(_frozen_info(info), data)


def _set_mtime(path: Path, day: dt.date, hour: int) -> None:
    t = dt.datetime(day.year, day.month, day.day, hour).timestamp()
    os.utime(path, (t, t))


# -- reports and log -----------------------------------------------------------------------------------
def report_facts(s: Submitter, t: Table, cfg: dict[str, Any]) -> ReportFacts:
    """The report's figures as drawn, before any planted fault: the unit's own procedures, counter and
    services (row A), and the dossiers of the table's Tổng cộng."""
    own = t.drawn[0]
    return ReportFacts(
        unit=s.name, block_name=s.name.upper(), tier=s.tier, n_sub=len(t.drawn) - 1,
        area_m2=own["area_m2"], tthc_total=own["tthc_total"], tthc_one_stop=own["tthc_one_stop"],
        received=sum(r["dossiers_received"] for r in t.drawn), overdue=sum(r["dossiers_overdue"] for r in t.drawn),
        online=own["online_services_l34"], postal=own["postal_tthc"], land=is_land_heavy(s.registry_name, cfg),
    )


def write_report(paras, path: Path, style: dict) -> None:
    if path.suffix == ".docx":
        write_docx(paras, path, style, STAMP)
    elif path.suffix == ".odt":
        write_odt(paras, path)
    else:
        write_txt(paras, path)
    freeze(path)


@dataclass
class LogRow:
    unit_code: str
    unit_name: str
    document: str
    channel: str
    date: dt.date

    def as_csv(self) -> list[str]:
        return [self.unit_code, self.unit_name, self.document, self.channel, format_date(self.date)]


def submission_dates(rng: random.Random, cfg: dict[str, Any], deadline: dt.date) -> tuple[dt.date, dt.date | None]:
    """Electronic and paper dates of one document: mostly before the deadline, some late."""
    spec = cfg["log"]
    if rng.random() < spec["late_share"]:
        electronic = deadline + dt.timedelta(days=rng.randint(1, spec["max_days_late"]))
    else:
        electronic = deadline - dt.timedelta(days=rng.randint(0, spec["first_day_before_deadline"]))
    paper = None
    if rng.random() < spec["paper_share"]:
        paper = electronic + dt.timedelta(days=rng.randint(*spec["paper_delay_days"]))
    return electronic, paper


def _log_rows(code: str, name: str, document: str, dates: tuple[dt.date, dt.date | None]) -> list[LogRow]:
    electronic, paper = dates
    rows = [LogRow(code, name, document, "dien_tu", electronic)]
    if paper is not None:
        rows.append(LogRow(code, name, document, "giay", paper))
    return rows


# -- the whole demo ------------------------------------------------------------------------------------
def copy_registry(registry: Registry, k: int) -> pd.DataFrame:
    """The units of copy k of the city: same structure, codes and names suffixed."""
    df = registry.units.copy()
    suffix = f" (bản sao {k})"
    df["code"] = df["code"] + f"-{k:02d}"
    df["parent_code"] = df["parent_code"].where(df["parent_code"] == "", df["parent_code"] + f"-{k:02d}")
    df["name"] = df["name"] + suffix
    df["name_with_type"] = df["name_with_type"] + suffix
    return df


def write_city(out: Path, prefix: str, seed_key: str, registry: Registry, suffix: str, plan: Plan,
               cfg: dict[str, Any]) -> tuple[list[dict[str, str]], list[LogRow], list[dict[str, Any]]]:
    """One copy of the city under out/prefix: tables, reports, task reports; its manifest, log rows
    and variations.json entries."""
    rng = random.Random(f"{seed_key}:city")
    subs = submitters(registry)
    tables = [build_table(s, registry, seed_key, cfg) for s in subs]
    for t in tables:
        t.path = prefix + t.path
    plant_faults(tables, random.Random(f"{seed_key}:faults"), cfg, registry)
    manifest: list[dict[str, str]] = []
    log: list[LogRow] = []
    deadline = plan.report_deadline
    missing = set(rng.sample([s.code for s in subs], cfg["log"]["missing_reports"]))
    by_code = {s.code: s for s in subs}
    table_paths: dict[str, Path] = {}
    clean = [t for t in tables if not t.faults and t.ext == "xlsx"]
    duplicate = rng.choice(clean)  # the ingest keeps the newer file and warns once, on the older one
    file_faults = dict(zip(FILE_FAULTS, rng.sample([t for t in clean if t is not duplicate], len(FILE_FAULTS)),
                           strict=True))
    hand_typed(clean, [duplicate, *file_faults.values()], random.Random(f"{seed_key}:typing"), cfg)
    variations: list[dict[str, Any]] = []
    for t in tables:
        s = by_code[t.code]
        urng = random.Random(f"{seed_key}:{t.code}:files")
        table_date, report_paper = submission_dates(urng, cfg, deadline)
        log += _log_rows(s.code, s.registry_name, "phu_luc", (table_date, report_paper))
        if t is duplicate:  # the first version, sent earlier and replaced by the corrected one
            first = replace(t, rows=[dict(r) for r in t.rows], path=t.path.replace(
                f".{t.ext}", f" (gui lan 1).{t.ext}"), subtotal={}, total={})
            first.rows[0]["dossiers_received"] += 7
            first.rows[0]["dossiers_on_time"] += 7
            write_table_file(first, out, plan)
            variations.append({"source_file": first.path, "variations": variation_names(first)})
            first_date = table_date - dt.timedelta(days=cfg["resubmission_days"])
            _set_mtime(out / first.path, first_date, cfg["file_hour"])
            log.append(LogRow(s.code, s.registry_name, "phu_luc", "dien_tu", first_date))
            manifest.append(entry(first.path, "", "", "duplicate_unit", "warning"))
        table = write_table_file(t, out, plan)
        table_paths[t.code] = out / t.path
        _set_mtime(out / t.path, table_date, cfg["file_hour"])
        manifest += manifest_entries(t, table)
        variations.append({"source_file": t.path, "variations": variation_names(t)})
        if s.code in missing:
            continue
        report_date = table_date + dt.timedelta(days=urng.randint(0, 2))
        ext = _pick(cfg["formats"]["report"], urng)
        styles = phrases()["heading_styles"]
        style_name = urng.choice(sorted(k for k, v in styles.items() if ext == "docx" or not v.get("docx_only")))
        path = out / prefix / FOLDERS[t.form] / f"{_file_stem(_REPORT_NAMES, s.name, t.form, urng)}.{ext}"
        paras = report_paragraphs(report_facts(s, t, cfg), urng, plan, style_name,
                                  report_date - dt.timedelta(days=urng.randint(1, 4)))
        write_report(paras, path, phrases()["heading_styles"][style_name])
        _set_mtime(path, report_date, cfg["file_hour"])
        paper = report_date + dt.timedelta(days=urng.randint(0, 3)) if report_paper else None
        log += _log_rows(s.code, s.registry_name, "bao_cao", (report_date, paper))
    for rule, t in file_faults.items():
        frng = random.Random(f"{seed_key}:{t.code}:{rule}")
        stem = t.path.rsplit("/", 1)
        folder = out / stem[0]
        name = {"file_corrupt": f"{Path(stem[1]).stem} - gui lai.xlsx",
                "file_encrypted": f"{Path(stem[1]).stem} (mat khau).xlsx",
                "no_table": f"Danh sach can bo mot cua - {ascii_name(t.name)}.xlsx",
                "unsafe_xml": f"{Path(stem[1]).stem} - ban nhap.xlsx"}[rule]
        path = folder / name
        if rule == "file_corrupt":
            write_corrupt(path, table_paths[t.code])
        elif rule == "file_encrypted":
            write_encrypted(path, frng)
        elif rule == "no_table":
            write_no_table(path, t.name)
        else:
            write_unsafe_xml(path, t.name)
        # sent a day after the table: a file that cannot be opened is then said on the table still in use
        sent = dt.date.fromtimestamp(table_paths[t.code].stat().st_mtime) + dt.timedelta(days=1)
        _set_mtime(path, sent, cfg["file_hour"])
        manifest.append(entry(f"{stem[0]}/{name}", "", "", rule, "error"))
        if rule != "no_table":
            manifest.append(entry(t.path, "", "", "resend_unreadable", "warning"))
    manifest += _nominations(out, clean, [duplicate, *file_faults.values()], seed_key, registry, plan, cfg)
    log += write_task_reports(out, prefix, seed_key, registry, suffix, plan, cfg)
    return manifest, log, [v for v in variations if v["variations"]]


def _nominations(out: Path, clean: list[Table], taken: list[Table], seed_key: str, registry: Registry, plan: Plan,
                 cfg: dict[str, Any]) -> list[dict[str, str]]:
    """Award nomination lists from a few units whose tables are clean (sketket.demo.nominations)."""
    from sketket.demo.nominations import write_demo_nominations

    free = [t for t in clean if all(t is not x for x in taken)]
    chosen = random.Random(f"{seed_key}:nominations:units").sample(free, min(cfg["nominations"]["units"], len(free)))
    proposers = []
    for t in chosen:
        subs = [r["unit_name"] for r in t.sub_units]
        head, sub = FORM_TIERS[t.form]
        typo = (misspell(subs[0], sub, t.code, registry) if subs
                else misspell(registry.name_of(t.code), head, "", registry))
        proposers.append((t.name, t.path.rsplit("/", 1)[0], subs, typo))
    return write_demo_nominations(out, proposers, seed_key, plan, cfg)


def hand_typed(clean: list[Table], taken: list[Table], rng: random.Random, cfg: dict[str, Any]) -> None:
    """Among the clean tables no file-level fault uses: a few with figures typed as text, and a few
    .xlsx saved as .xlsm. Text only where percentages and totals are plain values, so that no formula
    reads a text cell (Excel would not add it)."""
    free = [t for t in clean if all(t is not x for x in taken)]
    typable = [t for t in free if t.pct_values and len(t.rows) > 1 and not t.variation.pct_formulas
               and not t.variation.pct_as_fraction]
    for t in rng.sample(typable, min(cfg["text_numbers"]["tables"], len(typable))):
        type_as_text(t, rng, cfg["text_numbers"])
    for t in rng.sample(free, min(cfg["xlsm_tables"], len(free))):
        t.ext, t.path = "xlsm", t.path.removesuffix(".xlsx") + ".xlsm"


def write_task_reports(out: Path, prefix: str, seed_key: str, registry: Registry, suffix: str, plan: Plan,
                       cfg: dict[str, Any]) -> list[LogRow]:
    """The reports of the five bodies with tasks assigned in the decision (one never arrives)."""
    rng = random.Random(f"{seed_key}:tasks")
    missing = set(rng.sample(range(len(TASK_BODIES)), cfg["log"]["missing_task_reports"]))
    log: list[LogRow] = []
    for k, body in enumerate(TASK_BODIES):
        if k in missing:
            continue
        name = body + suffix
        m = registry.match(name, "so")
        urng = random.Random(f"{seed_key}:task:{k}")
        date, paper = submission_dates(urng, cfg, plan.report_deadline)
        ext = _pick(cfg["formats"]["report"], urng)
        path = out / prefix / TASK_FOLDER / f"Bao cao nhiem vu QD07 - {ascii_name(name)}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        paras = task_report_paragraphs(body, name.upper(), urng, date - dt.timedelta(days=2))
        write_report(paras, path, phrases()["heading_styles"]["chuan"])
        _set_mtime(path, date, cfg["file_hour"])
        log += _log_rows(m.code, name, "bao_cao_nhiem_vu", (date, paper))
    return log


def write_demo(out: Path, seed: int = 2017, scale: int = 1, registry: Registry | None = None) -> list[dict[str, str]]:
    """Write the demo city (scale copies) under `out` and return its manifest of planted faults.

    Copies 2…K live under ban-sao-NN/ with codes and names suffixed ("(bản sao N)"); their units are
    listed, with the city's, in danh-muc-don-vi.csv, the registry to ingest them with.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    registry = registry or load_registry()
    cfg = demo_config()
    plan = Plan.load()
    manifest: list[dict[str, str]] = []
    log: list[LogRow] = []
    variations: list[dict[str, Any]] = []
    frames = [registry.units]
    for k in range(1, scale + 1):
        reg, prefix, suffix = registry, "", ""
        if k > 1:
            frames.append(copy_registry(registry, k))
            reg, prefix, suffix = Registry(frames[-1]), f"ban-sao-{k:02d}/", f" (bản sao {k})"
        m, rows, v = write_city(out, prefix, f"{seed}:{k}", reg, suffix, plan, cfg)
        manifest += m
        log += rows
        variations += v
    if scale > 1:
        pd.concat(frames, ignore_index=True).to_csv(out / COPY_REGISTRY, index=False, encoding="utf-8-sig")
    manifest.sort(key=lambda e: (e["source_file"], e["sheet"], e["cell"], e["rule"]))
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    variations.sort(key=lambda v: v["source_file"])
    (out / VARIATIONS_FILE).write_text(json.dumps(variations, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    with (out / LOG_FILE).open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(LOG_COLUMNS)
        w.writerows(r.as_csv() for r in sorted(log, key=lambda r: (r.date, r.unit_code, r.document, r.channel)))
    names = "\n".join(f"  {name}: {what}" for name, what in VARIATIONS.items())
    text = README_TEXT.format(seed=seed, scale=scale, log=LOG_FILE, manifest=MANIFEST, variations=VARIATIONS_FILE,
                              names=names)
    if scale > 1:
        text += COPIES_TEXT.format(scale=scale, registry=COPY_REGISTRY)
    (out / README).write_text(text, encoding="utf-8")
    return manifest


def write_demo_extras(out: Path, seed: int = 2017) -> None:
    """What `sketket run` adds to the demo city beside the tables and reports: the counters' dossier logs
    (ho-so/, planted mismatches with the tables, so the tables are read first) and the replies to the draft
    (gop-y/), so that `sketket dossiers DIR/ho-so` and `sketket comments DIR/gop-y` have their inputs too."""
    from sketket.config import default_plan
    from sketket.demo.comments import write_demo_comments
    from sketket.demo.dossier_logs import write_demo_logs
    from sketket.intake.ingest import ingest
    from sketket.registry import load_registry

    registry = load_registry(out / COPY_REGISTRY if (out / COPY_REGISTRY).exists() else None)
    with tempfile.TemporaryDirectory() as tmp:
        appendix = ingest(out, Path(tmp), registry).appendix
    write_demo_logs(out / "ho-so", appendix, seed=seed)
    write_demo_comments(out / "gop-y", default_plan().draft_deadline)


def cli_demo(args: argparse.Namespace) -> int:
    if args.scale < 1:
        print("sketket demo: --scale phải là số nguyên ≥ 1", file=sys.stderr)
        return 2
    manifest = write_demo(args.out, seed=args.seed, scale=args.scale)
    write_demo_extras(Path(args.out), seed=args.seed)
    files = sum(1 for p in Path(args.out).rglob("*") if p.is_file())
    print(f"Đã ghi dữ liệu minh họa: {files} tệp trong {args.out}; {len(manifest)} lỗi cố ý ở {MANIFEST}.")
    return 0
