"""The compiled award nomination list, under reports/khen-thuong/:

- `danh-sach-de-nghi-khen-thuong.xlsx`: the nominations that passed every check, collectives then
  individuals, grouped by award, each collective with its unit's figures, each nomination with every check's
  result; the nominations held back with the reasons; each proposing unit's share of direct workers;
- `danh-sach-de-nghi-khen-thuong.docx`: the same list in the administrative layout (TT 01/2011/TT-BNV),
  ready to go with the Sở Nội vụ's submission to the People's Committee.

    paths = write_nominations(Catalog(processed_dir, reports_dir), reports_dir, plan)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sketket.analysis.nominations import check_nominations, direct_shares, submitted_direct_share
from sketket.catalog import Catalog, reports
from sketket.clean import excel_safe, format_int, format_percent, nfc, round_half_up
from sketket.config import Plan
from sketket.intake.nominations import config as load_config
from sketket.outputs import docx_layout as dl
from sketket.outputs._sheet import subtitle

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="top", wrap_text=True)
_HEAD = Alignment(horizontal="center", vertical="center", wrap_text=True)
# The list's columns: key, header, width. Figures and the shortlist are the unit's (collectives only).
LIST_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("stt", "STT", 6), ("name", "Tên tập thể / Họ và tên", 26), ("position", "Chức vụ", 14),
    ("unit", "Thuộc đơn vị / Đơn vị công tác", 24), ("proposer", "Đơn vị đề nghị", 22),
    ("direct", "Lao động trực tiếp", 10), ("award", "Hình thức khen thưởng đề nghị", 22),
    ("summary", "Tóm tắt thành tích", 40), ("dossiers_received", "Hồ sơ đã nhận", 11),
    ("on_time_rate", "Tỷ lệ hồ sơ đúng hạn (%)", 11), ("one_stop_share", "Tỷ lệ TTHC theo cơ chế một cửa (%)", 11),
    ("online_services_l34", "Dịch vụ công trực tuyến mức độ 3, 4", 11),
    ("shortlisted", "Đạt tiêu chí xét chọn của Sở Nội vụ", 11),
    ("check_registry", "Kiểm tra: danh mục đơn vị", 14), ("check_data_status", "Kiểm tra: số liệu", 14),
    ("check_duplicate", "Kiểm tra: trùng lặp", 16), ("check_criteria", "Kiểm tra: tiêu chí", 24),
    ("check_direct_share", "Kiểm tra: tỷ lệ lao động trực tiếp", 16),
    ("check_claims", "Kiểm tra: thành tích so với số liệu", 24), ("reason", "Lý do đề nghị", 24),
)
# Checks that concern every nomination: "Đạt" when they found nothing.
_EVERY = ("check_registry", "check_data_status", "check_duplicate")
HELD_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("stt", "STT", 6), ("kind", "Tập thể / cá nhân", 10), ("name", "Tên tập thể / Họ và tên", 26),
    ("proposer", "Đơn vị đề nghị", 22), ("award", "Hình thức khen thưởng đề nghị", 22),
    ("problems", "Lý do chưa đưa vào danh sách", 70), ("where", "Tệp, ô", 30),
)


def safe(text: object) -> object:
    """Text fit for a cell: NFC, control characters dropped, formula-like text neutralised."""
    if not isinstance(text, str):
        return text
    return excel_safe(ILLEGAL_CHARACTERS_RE.sub("", nfc(text)))


def _number(value: object, decimals: int | None = None) -> object:
    if value is None or pd.isna(value):
        return None
    # half up, as the .docx and the packs write it (Python's round(6.25, 1) is 6.2: the list said 6,2, the docx 6,3%)
    return round_half_up(float(value), decimals) if decimals is not None else int(value)


def list_row(r: pd.Series, stt: int, ok: str) -> dict[str, object]:
    """One nomination as the list shows it (keys of LIST_COLUMNS)."""
    collective = r["kind"] == "collective"
    row: dict[str, object] = {
        "stt": stt, "name": r["name"], "position": r["position"], "unit": r["unit_name"],
        "proposer": r["proposer_name"], "direct": "" if collective else ("x" if r["direct_worker"] is True else ""),
        "award": r["award"], "summary": r["summary"], "reason": r["reason"],
        "dossiers_received": _number(r["dossiers_received"]) if collective else None,
        "on_time_rate": _number(r["on_time_rate"], 1) if collective else None,
        "one_stop_share": _number(r["one_stop_share"], 1) if collective else None,
        "online_services_l34": _number(r["online_services_l34"]) if collective else None,
        "shortlisted": ("Có" if r["shortlisted"] is True else "Không") if collective else "",
    }
    for col in ("check_registry", "check_data_status", "check_duplicate", "check_criteria", "check_direct_share",
                "check_claims"):
        row[col] = r[col] or (ok if col in _EVERY else "")
    return row


def groups(checks: pd.DataFrame, cfg: dict[str, Any]) -> list[tuple[str, list[tuple[str, pd.DataFrame]]]]:
    """(part label, [(award label, rows)]) in list order: collectives then individuals, by award."""
    labels = {a["id"]: a["label"] for a in cfg["awards"]}
    out = []
    for kind in ("collective", "individual"):
        part = checks[checks["kind"] == kind]
        if part.empty:
            continue
        by_award = [(labels.get(a, cfg["output"]["unknown_award"]), g)
                    for a, g in part.groupby(part["award_id"], sort=False)]
        out.append((cfg["part_labels"][kind], by_award))
    return out


def _header(ws: Worksheet, row: int, columns: tuple[tuple[str, str, int], ...]) -> None:
    for c, (_, text, width) in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=c, value=text)
        cell.font, cell.border, cell.alignment = Font(bold=True), _BORDER, _HEAD
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = ws.cell(row=row + 1, column=3)


def _top(ws: Worksheet, cfg: dict[str, Any], plan: Plan, width: int, lines: list[str]) -> int:
    last = get_column_letter(width)
    block = cfg["output"]["block"]
    texts = [(block[0], Font(bold=False)), (block[1], Font(bold=True)), ("", Font()),
             (cfg["title"], Font(bold=True, size=13)), (subtitle(plan), Font(italic=True))]
    texts += [(line, Font(italic=True)) for line in lines]
    for r, (text, font) in enumerate(texts, start=1):
        cell = ws.cell(row=r, column=1, value=text or None)
        cell.font = font
        cell.alignment = Alignment(horizontal="left" if r <= 2 else "center", wrap_text=True)
        if r > 3:
            ws.merge_cells(f"A{r}:{last}{r}")
    return len(texts) + 2


def _put_row(ws: Worksheet, r: int, values: list[object]) -> None:
    for c, value in enumerate(values, start=1):
        cell = ws.cell(row=r, column=c, value=safe(value))
        cell.border, cell.alignment = _BORDER, _WRAP


def write_list_xlsx(checks: pd.DataFrame, out: Path, plan: Plan, cfg: dict[str, Any] | None = None) -> Path:
    """The compiled workbook: the list, the nominations held back, the direct workers' share per unit."""
    cfg = cfg or load_config()
    o = cfg["output"]
    passed, held = checks[checks["passed"]], checks[~checks["passed"]]
    wb = Workbook()
    ws = wb.active
    ws.title = o["sheet_list"]
    explained = _explained(passed, cfg)
    summary = o["summary"].format(total=format_int(len(checks)), units=format_int(checks["proposer_name"].nunique()),
                                  passed=format_int(len(passed)), held=format_int(len(held)),
                                  held_sheet=o["sheet_held"],
                                  explained=o["summary_explained"].format(n=format_int(explained.sum()))
                                  if explained.any() else "")
    r = _top(ws, cfg, plan, len(LIST_COLUMNS), [summary])
    _header(ws, r, LIST_COLUMNS)
    r += 1
    last = get_column_letter(len(LIST_COLUMNS))

    def heading(text: str, italic: bool = False) -> None:
        nonlocal r
        ws.cell(row=r, column=1, value=safe(text)).font = Font(bold=True, italic=italic)
        ws.merge_cells(f"A{r}:{last}{r}")
        r += 1

    def put(rows: pd.DataFrame) -> None:
        nonlocal r
        for k, (_, nom) in enumerate(rows.iterrows(), start=1):
            row = list_row(nom, k, cfg["results"]["ok"])
            _put_row(ws, r, [row[key] for key, _, _ in LIST_COLUMNS])
            r += 1

    # the parts of the .docx submitted to the People's Committee, in its order: collectives that meet the
    # criteria, individuals (a unit's own award said to be the unit's), then the collectives passed on their
    # unit's reason only
    for part, by_award in groups(passed[~explained], cfg):
        heading(part)
        for n, (award, rows) in enumerate(by_award, start=1):
            heading(_group_label(cfg, n, award, rows), italic=True)
            put(rows)
    if explained.any():
        heading(o["docx_exceptions_heading"])
        heading(o["docx_exceptions"].format(count=format_int(explained.sum())), italic=True)
        put(passed[explained])
    _held_sheet(wb.create_sheet(o["sheet_held"]), held, cfg, plan)
    _direct_sheet(wb.create_sheet(o["sheet_direct"]), checks, cfg, plan)
    for sheet in wb.worksheets:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _shown_name(r: pd.Series) -> str:
    """A collective as the submission names it: the registry's name when the collective is that unit ("X. Xuân
    Nộn" → "Xã Xuân Nộn"), else as typed ("Bộ phận một cửa xã Văn Võ" is a part of Xã Văn Võ, not the commune)."""
    whole = str(r.get("name_is_unit", True)).lower() in ("true", "1")
    return (r["unit_registry_name"] if whole else "") or r["name"]


def _group_label(cfg: dict[str, Any], n: int, award: str, rows: pd.DataFrame) -> str:
    """"1. Bằng khen của Chủ tịch UBND Thành phố (9 tập thể)"; a unit's own award says it is not submitted."""
    o = cfg["output"]
    what = "tập thể" if rows["kind"].iloc[0] == "collective" else "cá nhân"
    label = o["group"].format(n=n, award=award, count=format_int(len(rows)), what=what)
    return label + (o["unit_level"] if (rows["award_level"] == "unit").all() else "")


def _explained(checks: pd.DataFrame, cfg: dict[str, Any]) -> pd.Series:
    """Nominations that pass although the collective misses the criteria, on the proposing unit's reason: said
    openly wherever the list goes (the criteria check's text, "Chưa đạt tiêu chí (…); đơn vị giải trình: …")."""
    result = checks["check_criteria"].fillna("")
    return (result != "") & (result != cfg["results"]["ok"])


def _held_sheet(ws: Worksheet, held: pd.DataFrame, cfg: dict[str, Any], plan: Plan) -> None:
    r = _top(ws, cfg, plan, len(HELD_COLUMNS), [ws.title])
    _header(ws, r, HELD_COLUMNS)
    checks = [c for c in held.columns if c.startswith("check_")]
    for k, (_, nom) in enumerate(held.iterrows(), start=1):
        problems = [nom[c] for c in checks if nom[c] and nom[c] != cfg["results"]["ok"]]
        where = f"{nom['source_file']} ({nom['source_sheet']}!{nom['name_cell']})"
        _put_row(ws, r + k, [k, cfg["kind_labels"][nom["kind"]], nom["name"], nom["proposer_name"], nom["award"],
                             "\n".join(problems), where])


def _direct_sheet(ws: Worksheet, checks: pd.DataFrame, cfg: dict[str, Any], plan: Plan) -> None:
    columns = (("stt", "STT", 6), ("proposer", "Đơn vị đề nghị", 34),
               ("n", "Cá nhân đề nghị khen thưởng cấp Thành phố", 16), ("direct", "Lao động trực tiếp", 14),
               ("share", "Tỷ lệ (%)", 10), ("meets", "Kết quả", 30))
    threshold = format_percent(cfg["rules"]["direct_share"]["min_pct"], 0)
    r = _top(ws, cfg, plan, len(columns), [ws.title])
    _header(ws, r, columns)
    for k, d in enumerate(direct_shares(checks, cfg).itertuples(), start=1):
        verdict = f"Đạt (≥ {threshold})" if d.meets else f"Chưa đạt (dưới {threshold})"
        _put_row(ws, r + k, [k, d.proposer_name, d.individuals, d.direct, round_half_up(d.share, 1), verdict])


def _summary(r: pd.Series, o: dict[str, Any]) -> str:
    """A nomination's achievements as the submitted list shows them: with what the check of its claims against
    its unit's figures found, so that no claim the office knows to be contradicted goes to the Chairman unsaid."""
    claim = r.get("check_claims")
    return f"{r['summary']}{o['docx_claims'].format(check=claim)}" if isinstance(claim, str) and claim else r["summary"]


def write_list_docx(checks: pd.DataFrame, out: Path, plan: Plan, cfg: dict[str, Any] | None = None) -> Path:
    """The list that goes with the submission to the People's Committee: passed nominations for the awards
    the Chairman decides (level city; a unit's own Giấy khen is not submitted); a collective that misses the
    criteria is not among them but in a last part, with what it misses and the proposing unit's reason."""
    cfg = cfg or load_config()
    o = cfg["output"]
    year = plan.plan_date.year
    submitted = checks[checks["passed"] & (checks["award_level"] == "city")]
    explained = _explained(submitted, cfg)
    # a collective that misses the criteria is not listed beside those that meet them: it goes in a part of
    # its own, with what it misses and its unit's reason, for the Council (Hội đồng Thi đua - Khen thưởng)
    passed, exceptions = submitted[~explained], submitted[explained]
    doc = dl.new_document()
    dl.header_block(doc, dl.HeaderBlock(o["block"][0], o["block"][1], o["docx_number"],
                                        o["docx_place_date"].format(year=year)))
    dl.title(doc, o["docx_kind"], o["docx_summary"], o["docx_note"].format(year=year))
    width = dl.text_width_cm(doc)
    for part, by_award in groups(passed, cfg):
        dl.heading(doc, part)
        for n, (award, rows) in enumerate(by_award, start=1):
            collective = rows["kind"].iloc[0] == "collective"
            what = "tập thể" if collective else "cá nhân"
            dl.paragraph(doc, o["group"].format(n=n, award=award, count=format_int(len(rows)), what=what),
                         bold=True, italic=True)
            if collective:
                headers = ["STT", "Tên tập thể", "Thuộc đơn vị", "Tóm tắt thành tích"]
                # a collective the registry knows under its official name ("X. Xuân Nộn" → "Xã Xuân Nộn")
                body = [[k, _shown_name(r), r["unit_name"], _summary(r, o)]
                        for k, (_, r) in enumerate(rows.iterrows(), 1)]
                widths = [1.2, width * 0.3, width * 0.25, width - 1.2 - width * 0.55]
            else:
                headers = ["STT", "Họ và tên", "Chức vụ, đơn vị công tác", "Lao động trực tiếp",
                           "Tóm tắt thành tích"]
                body = [[k, r["name"], ", ".join(x for x in (r["position"], r["unit_name"]) if x),
                         "x" if r["direct_worker"] is True else "", _summary(r, o)]
                        for k, (_, r) in enumerate(rows.iterrows(), 1)]
                widths = [1.2, width * 0.22, width * 0.25, 2.0, width - 3.2 - width * 0.47]
            dl.table(doc, headers, body, widths_cm=widths, center_columns=(0, 3) if not collective else (0,))
            doc.add_paragraph()
    if len(exceptions):
        dl.heading(doc, o["docx_exceptions_heading"])
        dl.paragraph(doc, o["docx_exceptions"].format(count=format_int(len(exceptions))), italic=True)
        body = [[k, _shown_name(r), r["unit_name"],
                 r["award"], r["summary"],
                 r["check_criteria"]] for k, (_, r) in enumerate(exceptions.iterrows(), 1)]
        dl.table(doc, ["STT", "Tên tập thể", "Thuộc đơn vị", "Hình thức đề nghị", "Tóm tắt thành tích",
                       "Tiêu chí chưa đạt và giải trình của đơn vị"], body,
                 widths_cm=[1.2, width * 0.18, width * 0.16, width * 0.14, width * 0.24, width * 0.28 - 1.2],
                 center_columns=(0,))
        doc.add_paragraph()
    direct, individuals = submitted_direct_share(checks, cfg)
    share = format_percent(100 * direct / individuals) if individuals else "–"
    totals = o["docx_totals"].format(collectives=format_int((passed["kind"] == "collective").sum()),
                                     individuals=format_int(individuals), direct=format_int(direct),
                                     share=share)
    if len(exceptions):
        totals += o["docx_totals_exceptions"].format(n=format_int(len(exceptions)))
    own = checks[checks["passed"] & (checks["award_level"] == "unit")]
    if len(own):  # checked and listed in the workbook, not submitted: said, not dropped silently
        totals += o["docx_totals_unit_level"].format(n=format_int(len(own)))
    dl.paragraph(doc, totals, italic=True)
    dl.signature(doc, recipients=o["docx_recipients"], role=o["docx_role"])
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def write_nominations(catalog: Catalog, reports_dir: Path, plan: Plan) -> list[Path]:
    """Check the nominations ingest read (catalog `nominations`) against the units' figures and the shortlist
    (`indicators_units`, `awards`, from the same processed folder), save `nomination_checks` and
    `nomination_findings`, and write the compiled .xlsx and .docx under `reports_dir`. Nothing is written
    under reports when no unit sent a nomination list."""
    nominations = catalog.load("nominations")
    units = catalog.load("indicators_units") if catalog.exists("indicators_units") else None
    awards = catalog.load("awards") if catalog.exists("awards") else None
    checks, findings = check_nominations(nominations, units, awards)
    written = catalog.save("nomination_checks", checks) + catalog.save("nomination_findings", findings)
    if nominations.empty:
        return written
    paths = reports()
    xlsx = Path(reports_dir) / paths["nominations_list"].path
    docx = Path(reports_dir) / paths["nominations_docx"].path
    return [*written, write_list_xlsx(checks, xlsx, plan), write_list_docx(checks, docx, plan)]
