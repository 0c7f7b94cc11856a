"""Return lists (trả lại): one workbook per submitting unit listing what it must correct in the tables it
sent, ready to send back: `reports/tra-lai/<unit slug>.xlsx`.

A finding belongs to the unit that sent the file it was found in (row A of that file: the Sở, city-level
agency or district), so a district's list includes its communes' rows. A file that yielded no unit row
(rejected) is attributed to the unit named in its findings, else to the unit its file name names, or
else to the file itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sketket.analysis.awards import FINDING_COLUMNS, rule_descriptions
from sketket.clean import excel_safe, fold, format_date, format_int, nfc
from sketket.config import Plan
from sketket.dimensions import TIER_FORM
from sketket.registry import Registry

SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo"}
TITLE = "DANH SÁCH NỘI DUNG ĐỀ NGHỊ CHỈNH SỬA, BỔ SUNG BIỂU SỐ LIỆU"
SUBTITLE = ("Sơ kết thực hiện Quyết định số {decision} (Kế hoạch số {plan_number}/KH-UBND "
            "ngày {plan_date} của UBND Thành phố)")
HEADERS = ("STT", "Tệp", "Trang tính", "Ô", "Nội dung kiểm tra", "Mức độ", "Mô tả", "Giá trị")
WIDTHS = (6, 30, 14, 8, 36, 10, 60, 14)
FOOTNOTE = ("Lỗi: đơn vị phải sửa và gửi lại biểu. Cảnh báo: số liệu đáng ngờ, đề nghị kiểm tra lại và "
            "giải trình nếu số liệu đúng.")
_INTEGER = re.compile(r"-?\d+")
_CELL = re.compile(r"([A-Z]+)(\d+)")


def unit_slug(name: str) -> str:
    """File name of a unit's list: "Sở Tư pháp" → "so-tu-phap"."""
    return fold(name).replace(" ", "-") or "khong-ro-don-vi"


def _unit_of_file(source_file: str, registry: Registry | None) -> tuple[str, str] | None:
    """The submitting unit a file's name names ("so-tu-phap-bieu-pl1.xlsx" → Sở Tư pháp), if any."""
    if registry is None:
        return None
    from sketket.intake.narrative import find_unit

    hit, _ = find_unit([], source_file, registry)
    return (hit.name, hit.code) if hit else None


def attribute_findings(findings: pd.DataFrame, appendix: pd.DataFrame,
                       registry: Registry | None = None) -> pd.DataFrame:
    """`findings` with the submitting unit of each finding's file: `submitter_name`, `submitter_code`. A file
    without unit rows goes to the unit its findings name, else to the unit its file name names (with
    `registry`), else to the file itself."""
    submitters = {tier for tier, (_, section) in TIER_FORM.items() if section == "A"}
    by_file: dict[str, tuple[str, str]] = {}
    for row in appendix.itertuples():
        if row.tier in submitters:
            by_file.setdefault(row.source_file, (row.unit_name, row.unit_code))
    for row in appendix.itertuples():  # a file with sub-unit rows only: its rows name their parent
        if row.parent_name:
            by_file.setdefault(row.source_file, (row.parent_name, ""))
    out = findings.copy()
    names, codes = [], []
    for f in out.itertuples():
        if f.source_file not in by_file and not f.unit_name:  # once per rejected file
            by_file[f.source_file] = _unit_of_file(f.source_file, registry) or (f"Tệp {f.source_file}", "")
        name, code = by_file.get(f.source_file, (f.unit_name, ""))
        if code and registry is not None:  # the registry's name, not "UBND quận …" as typed
            name = registry.name_of(code) or name
        names.append(nfc(name))
        codes.append(code)
    out["submitter_name"], out["submitter_code"] = names, codes
    return out


def _cell_key(cell: str) -> tuple[int, int, str]:
    m = _CELL.fullmatch(cell or "")
    return (int(m.group(2)), len(m.group(1)), m.group(1)) if m else (0, 0, "")


def _ordered(findings: pd.DataFrame) -> pd.DataFrame:
    """Errors first, then file by file, sheet by sheet, cell by cell as they read (row, then column)."""
    key = pd.DataFrame({
        "sev": findings["severity"].map({"error": 0, "warning": 1}).fillna(2),
        "file": findings["source_file"], "sheet": findings["sheet"],
        "cell": findings["cell"].map(_cell_key),
    }, index=findings.index)
    return findings.loc[key.sort_values(["sev", "file", "sheet", "cell"]).index]


def _value(raw: object) -> object:
    """A finding's value: an integer when it is one (so "-5" stays a number), else text neutralised
    ("1.234" and "12,5" stay as the official typed them)."""
    text = nfc(raw)
    return int(text) if _INTEGER.fullmatch(text) else excel_safe(text)


def write_return_list(unit_name: str, findings: pd.DataFrame, out: Path, *, plan: Plan) -> Path:
    """One unit's return list: a header naming the unit and the run's plan and deadline, then one row per
    finding."""
    rules = rule_descriptions()
    findings = _ordered(findings)
    errors = int((findings["severity"] == "error").sum())
    wb = Workbook()
    ws = wb.active
    ws.title = "Trả lại"
    last = get_column_letter(len(HEADERS))
    header_lines = [
        (TITLE, Font(bold=True, size=13)),
        (SUBTITLE.format(decision=plan.decision, plan_number=plan.plan_number,
                         plan_date=format_date(plan.plan_date)), Font(italic=True)),
        (f"Đơn vị: {excel_safe(nfc(unit_name))}", Font(bold=True)),
        (f"Đề nghị đơn vị chỉnh sửa và gửi lại biểu về Sở Nội vụ trước ngày {format_date(plan.report_deadline)}.",
         Font(bold=True, color="C00000")),
        (f"Số lỗi phải sửa: {format_int(errors)}; số cảnh báo cần kiểm tra: {format_int(len(findings) - errors)}.",
         Font()),
    ]
    for r, (text, font) in enumerate(header_lines, start=1):
        ws.cell(row=r, column=1, value=text).font = font
        ws.merge_cells(f"A{r}:{last}{r}")
    first = len(header_lines) + 2
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=first, column=c, value=header)
        cell.font, cell.border = Font(bold=True), border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = width
    for n, f in enumerate(findings.itertuples(), start=1):
        values = (n, excel_safe(nfc(f.source_file)), excel_safe(nfc(f.sheet)), nfc(f.cell),
                  f"{rules.get(f.rule, f.rule)} ({f.rule})", SEVERITY_LABELS.get(f.severity, f.severity),
                  excel_safe(nfc(f.message)), _value(f.value))
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=first + n, column=c, value=value)
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    ws.cell(row=first + len(findings) + 2, column=1, value=FOOTNOTE).font = Font(italic=True)
    ws.freeze_panes = ws.cell(row=first + 1, column=1)
    ws.auto_filter.ref = f"A{first}:{last}{first + len(findings)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def write_return_lists(findings: pd.DataFrame, appendix: pd.DataFrame, out_dir: Path, *,
                       plan: Plan, registry: Registry | None = None) -> list[Path]:
    """One list per submitting unit that has findings, in `out_dir` (e.g. reports/tra-lai)."""
    attributed = attribute_findings(findings.reindex(columns=FINDING_COLUMNS).fillna(""), appendix, registry)
    paths: list[Path] = []
    used: set[str] = set()
    for name, group in attributed.groupby("submitter_name", sort=True):
        base = slug = unit_slug(name)
        while slug in used:  # two names folding alike keep separate lists
            slug = f"{base}-{len(used)}"
        used.add(slug)
        paths.append(write_return_list(name, group, out_dir / f"{slug}.xlsx", plan=plan))
    return paths
