"""Filled appendix workbooks, as units send them (for the demo, the tests and the benchmark)."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook

from sketket import layout
from sketket.clean import format_date
from sketket.config import Plan
from sketket.outputs._convert import workbook_grids, write_ods, write_xls
from sketket.outputs._sheet import RowSpec, TableMap, Variation, write_table
from sketket.outputs.consolidated import write_consolidated
from sketket.outputs.template import SHEET_TITLE, b_label

__all__ = ["TableMap", "Variation", "save_as", "write_consolidated", "write_filled"]

VALUE_KEYS: tuple[str, ...] = (*layout.FIGURES, "note")
# What officials put under the title when they add lines (Variation.extra_title_lines).
EXTRA_TITLE_LINES: tuple[str, ...] = (
    "(Số liệu tính đến hết ngày {period_end})",
    "Đơn vị tính: diện tích m2; thủ tục hành chính; hồ sơ",
    "(Biểu số liệu kèm theo Báo cáo sơ kết của đơn vị)",
)
NOTES_SHEET = "Hướng dẫn"
NOTES_LINES: tuple[str, ...] = (
    "Biểu số liệu sơ kết thực hiện cơ chế một cửa, cơ chế một cửa liên thông",
    "Số liệu ở trang tính bên cạnh.",
    "Đầu mối liên hệ: Văn phòng đơn vị.",
)


def _values(row: dict | None) -> dict[str, object]:
    return {k: v for k, v in (row or {}).items() if k in VALUE_KEYS}


def write_filled(form: str, out: Path, submitter: dict, sub_units: list[dict], *,
                 plan: Plan | None = None, unit_block: str | None = None,
                 variation: Variation | None = None, subtotal: dict | None = None,
                 total: dict | None = None) -> TableMap:
    """Write a unit's filled table and say where everything is.

    Each dict has `unit_name` and any of FIGURES and `note`; a value is a number, None (empty cell)
    or a str (typed text, so "1.234" or "98,5%" can be planted). A percentage or a subtotal/total
    figure absent from its dict is written as the template's formula. `unit_block` is the text under
    "CƠ QUAN, ĐƠN VỊ" (default: the submitter's name).
    """
    plan = plan or Plan.load()
    variation = variation or Variation()
    name = submitter["unit_name"]
    a_label = layout.ROW_A[form] if variation.placeholder_row_a else name
    rows = [
        RowSpec("A", a_label, _values(submitter), "A"),
        RowSpec("B", (subtotal or {}).get("unit_name") or b_label(form, len(sub_units)), _values(subtotal),
                "B"),
        *(RowSpec(str(k), u["unit_name"], _values(u), "unit") for k, u in enumerate(sub_units, start=1)),
        RowSpec("", (total or {}).get("unit_name") or layout.TOTAL_LABEL, _values(total), "total"),
    ]
    wb = Workbook()
    ws = wb.active
    if variation.notes_sheet:
        ws.title = NOTES_SHEET
        for k, line in enumerate(NOTES_LINES, start=1):
            ws.cell(row=k, column=1, value=line)
        ws = wb.create_sheet()
    ws.title = SHEET_TITLE.format(form=form)
    extra = [line.format(period_end=format_date(plan.period_end)) for line in EXTRA_TITLE_LINES]
    table = write_table(ws, form, rows, plan=plan, unit_block=name if unit_block is None else unit_block,
                        variation=variation, extra_lines=extra)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return table


def save_as(path_xlsx: Path, out: Path) -> Path:
    """Convert a written .xlsx to .xls, .ods or .xlsm (by `out`'s extension), formulas as values."""
    out = Path(out)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".xlsm":  # the same package under the extension units use for macro workbooks
        shutil.copyfile(path_xlsx, out)
    elif suffix == ".xls":
        write_xls(workbook_grids(Path(path_xlsx)), out)
    elif suffix == ".ods":
        write_ods(workbook_grids(Path(path_xlsx)), out)
    else:
        raise ValueError(f"Định dạng không hỗ trợ: {out.suffix} (chỉ .xls, .ods, .xlsm)")
    return out
