"""`sketket template --form khen-thuong`: the award nomination list a unit fills (part I collectives, part II
individuals), with the CƠ QUAN, ĐƠN VỊ block and the signature block of the appendix templates. The same
writer fills it (tests, demo), so that a filled list reads back exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from sketket import layout
from sketket.config import Plan, load_yaml
from sketket.dimensions import SUBMITTER_TIERS, TIERS
from sketket.outputs._sheet import _merge, _put, subtitle
from sketket.registry import Registry, load_registry

FORM = "khen-thuong"
LISTS_SHEET = "Danh mục"
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def config() -> dict[str, Any]:
    return load_yaml("nominations.yml")


@dataclass
class NominationMap:
    """Where a written list's parts are (1-based rows, column letters), for tests and the demo's manifest."""

    sheet: str
    unit_block_cell: str
    header_rows: dict[str, int]
    rows: dict[str, list[int]] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    def cell(self, kind: str, column: str, index: int) -> str:
        """A1 reference of the `index`-th nomination of a part in a canonical column."""
        return f"{self.columns[kind][column]}{self.rows[kind][index]}"


def resolve_proposer(name: str, registry: Registry) -> str:
    """The registry name of a proposing unit (any tier, submitting units first)."""
    from sketket.outputs.template import UnitError

    for tiers in (SUBMITTER_TIERS, TIERS):
        m = registry.match(name, list(tiers))
        if m.matched:
            return m.registry_name
    close = registry.match(name, list(TIERS)).suggestions
    hint = f" Có phải: {', '.join(close)}?" if close else ""
    raise UnitError(f"Không tìm thấy đơn vị «{name}» trong danh mục đơn vị.{hint}")


def _cell_value(column: str, value: object) -> object:
    if column == "direct_worker":
        return "x" if value is True else ("" if value in (False, None) else value)
    return value


def write_nomination_sheet(ws: Worksheet, unit_name: str, collectives: Sequence[dict[str, object]],
                           individuals: Sequence[dict[str, object]], *, plan: Plan, col_offset: int = 0,
                           extra_title_lines: int = 0, number_row: bool = True, blank_rows: int | None = None,
                           header_texts: dict[str, str] | None = None) -> NominationMap:
    """Write the list on `ws`: unit block, title, part I then part II (the given rows, or blank numbered rows),
    notes and signatures. `header_texts` replaces printed headers (canonical name → text), as officials do."""
    cfg = config()
    specs = cfg["columns"]
    c0 = 1 + col_offset
    width = max(len(specs[k]) for k in specs)
    last = c0 + width - 1
    _put(ws, 1, c0, layout.UNIT_BLOCK, bold=True, align=Alignment(horizontal="center"))
    _merge(ws, 1, c0, 1, c0 + 2)
    _put(ws, 2, c0, unit_name or None, bold=True, align=Alignment(horizontal="center", wrap_text=True), text=True)
    _merge(ws, 2, c0, 2, c0 + 2)
    _put(ws, 1, last - 1, cfg["form_label"], bold=True, align=Alignment(horizontal="right"))
    _merge(ws, 1, last - 1, 1, last)
    _put(ws, 4, c0, cfg["title"], bold=True, size=13, align=_CENTER)
    _merge(ws, 4, c0, 4, last)
    ws.row_dimensions[4].height = 40
    _put(ws, 5, c0, subtitle(plan), italic=True, align=_CENTER)
    _merge(ws, 5, c0, 5, last)
    r = 7 + extra_title_lines
    out = NominationMap(ws.title, f"{get_column_letter(c0)}2", {})
    blank = cfg["blank_rows"] if blank_rows is None else blank_rows
    for kind, given in (("collective", collectives), ("individual", individuals)):
        cols = specs[kind]
        _put(ws, r, c0, cfg["part_labels"][kind], bold=True, size=12)
        r += 1
        out.header_rows[kind] = r
        out.columns[kind] = {c["name"]: get_column_letter(c0 + i) for i, c in enumerate(cols)}
        for i, c in enumerate(cols):
            text = (header_texts or {}).get(c["name"], c["header"])
            _put(ws, r, c0 + i, text, bold=True, size=11, align=_CENTER, border=True)
        ws.row_dimensions[r].height = 62
        r += 1
        if number_row:
            for i in range(len(cols)):
                _put(ws, r, c0 + i, i + 1, italic=True, size=11, align=_CENTER, border=True)
            r += 1
        rows = list(given) or [{} for _ in range(blank)]
        out.rows[kind] = []
        for k, values in enumerate(rows, start=1):
            for i, c in enumerate(cols):
                value = k if c["name"] == "stt" else _cell_value(c["name"], values.get(c["name"]))
                align = _CENTER if c["name"] in ("stt", "direct_worker") else _LEFT
                _put(ws, r, c0 + i, value if value != "" else None, align=align, border=True,
                     text=c["name"] != "stt")
            out.rows[kind].append(r)
            r += 1
        r += 1
    for k, line in enumerate(cfg["footnotes"]):
        _put(ws, r + k, c0, line, bold=k == 0, italic=k > 0, size=11)
    r += len(cfg["footnotes"]) + 1
    _put(ws, r, last - 3, layout.SIGNATURE_DATE.format(year=plan.plan_date.year), italic=True,
         align=Alignment(horizontal="center"))
    _merge(ws, r, last - 3, r, last)
    _put(ws, r + 1, c0 + 1, layout.SIGNATURE_PREPARER, bold=True, align=Alignment(horizontal="center"))
    _put(ws, r + 1, last - 3, layout.SIGNATURE_HEAD, bold=True, align=Alignment(horizontal="center"))
    _merge(ws, r + 1, last - 3, r + 1, last)
    _setup(ws, c0, specs)
    return out


def _setup(ws: Worksheet, c0: int, specs: dict[str, list[dict[str, Any]]]) -> None:
    for i in range(max(len(v) for v in specs.values())):
        widths = [v[i].get("width", 14) for v in specs.values() if i < len(v)]
        ws.column_dimensions[get_column_letter(c0 + i)].width = max(widths)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _add_lists(wb: Workbook, ws: Worksheet, m: NominationMap) -> None:
    """The award forms on a hidden sheet, offered as a drop-down in the award cells (a warning, not a refusal:
    the reader recognises a form typed by hand too); "x" offered in the direct-worker cells."""
    lists = wb.create_sheet(LISTS_SHEET)
    labels = [a["label"] for a in config()["awards"] if not a.get("out_of_scope")]
    for i, label in enumerate(labels, start=1):
        lists.cell(row=i, column=1, value=label)
    lists.sheet_state = "hidden"
    award = DataValidation(type="list", formula1=f"'{LISTS_SHEET}'!$A$1:$A${len(labels)}", allow_blank=True,
                           errorStyle="warning", showErrorMessage=True, errorTitle="Hình thức khen thưởng",
                           error="Nên chọn một hình thức khen thưởng trong danh sách.")
    direct = DataValidation(type="list", formula1='"x"', allow_blank=True, errorStyle="warning",
                            showErrorMessage=True, errorTitle="Lao động trực tiếp",
                            error="Đánh dấu x nếu là người lao động trực tiếp, để trống nếu không.")
    for kind, rows in m.rows.items():
        if rows:
            col = m.columns[kind]["award"]
            award.add(f"{col}{rows[0]}:{col}{rows[-1]}")
            if kind == "individual":
                d = m.columns[kind]["direct_worker"]
                direct.add(f"{d}{rows[0]}:{d}{rows[-1]}")
    ws.add_data_validation(award)
    ws.add_data_validation(direct)


def write_nomination_workbook(out: Path, unit_name: str = "", collectives: Sequence[dict[str, object]] = (),
                              individuals: Sequence[dict[str, object]] = (), *, plan: Plan | None = None,
                              **kwargs: Any) -> NominationMap:
    """A nomination list as a workbook (blank when no rows are given)."""
    wb = Workbook()
    ws = wb.active
    ws.title = config()["sheet"]
    m = write_nomination_sheet(ws, unit_name, collectives, individuals, plan=plan or Plan.load(), **kwargs)
    _add_lists(wb, ws, m)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return m


def write_nomination_template(out: Path, unit: str | None = None, registry: Registry | None = None,
                              plan: Plan | None = None) -> Path:
    """`sketket template --form khen-thuong --out FILE [--unit NAME]`."""
    name = resolve_proposer(unit, registry or load_registry()) if unit else ""
    write_nomination_workbook(out, name, plan=plan)
    return Path(out)
