"""Submissions shaped the way officials really fill and send them: each builder writes one family of files
into a folder and returns {file name: the status `sketket ingest` must give it}. The family tests read them;
the corpus test feeds every one through one ingest run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
from _workbooks import write_grid

from sketket import layout
from sketket.registry import Registry, load_registry

HEADERS = [c.header for c in layout.columns("I")]  # STT … Ghi chú, one header row
CHI_CUC = ("Chi cục Kiểm định", "Chi cục Phát triển")
N_TEST_UNITS = 30


def so(k: int) -> str:
    """The submitter of file k: every file its own (one unit sent twice is a duplicate, dropped)."""
    return f"Sở Thử nghiệm số {k}"


def test_registry() -> Registry:
    """The real registry (communes, districts, agencies) and N_TEST_UNITS departments with two sub-units
    each, so that every file of the corpus has a submitter of its own."""
    units = load_registry().units
    extra = []
    for k in range(1, N_TEST_UNITS + 1):
        extra.append({"code": f"T{k:02d}", "tier": "so", "name": so(k), "name_with_type": so(k),
                      "parent_code": "", "type": ""})
        extra += [{"code": f"T{k:02d}.{j}", "tier": "chi_cuc", "name": n, "name_with_type": n,
                   "parent_code": f"T{k:02d}", "type": ""} for j, n in enumerate(CHI_CUC, start=1)]
    return Registry(pd.concat([units, pd.DataFrame(extra)], ignore_index=True))


def line(stt: object, name: str, received: object = None, overdue: object = None, *, total: object = 200,
         one_stop: object = 190, area: object = 60, online: object = 12, postal: object = 30,
         on_time: object = "auto") -> list[object]:
    """One row of Phụ lục I in HEADERS' order; no figures at all when `received` is None."""
    if received is None:
        return [stt, name] + [None] * 11
    if on_time == "auto":
        on_time = received - overdue if isinstance(received, int) and isinstance(overdue, int) else None
    return [stt, name, area, total, one_stop, None, received, on_time, overdue, None, online, postal, None]


def grid(*rows: list[object], headers: list[object] = HEADERS, title: str = "Phụ lục I") -> list[list[object]]:
    """A sheet: the form's label, a blank line, the header, then the rows (the header is Excel row 3)."""
    return [[title], [], list(headers), *rows]


def rows_i(k: int, total_label: str = "Tổng cộng", *, b_row: bool = True, total_first: bool = False
           ) -> list[list]:
    """Row A (submitter k), row B, two sub-units and a total that adds up (received 1.250 + 400 + 650)."""
    body = [line("A", so(k), 1250, 30)]
    if b_row:
        body.append(line("B", "Đơn vị cấp 2 trực thuộc", 1050, 4, total=170, one_stop=165, area=75, online=24,
                         postal=60))
    body += [line(1, CHI_CUC[0], 400, 4, total=80, one_stop=80, area=40),
             line(2, CHI_CUC[1], 650, 0, total=90, one_stop=85, area=35)]
    total = line("", total_label, 2300, 34, total=370, one_stop=355, area=135, online=36, postal=90)
    return [total, *body] if total_first else [*body, total]


# -- builders: one family each -----------------------------------------------------------------------------
def column_numbers(folder: Path) -> dict[str, str]:
    text = ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)=(5)/(4)", "(7)", "(8)", "(9)", "(10)=(8)/(7)", "(11)",
            "(12)", "(13)"]
    plain = [str(k) for k in range(1, 14)]
    numbers = list(range(1, 14))
    letters = ["A", "B", *range(1, 12)]
    for k, (name, numbering) in enumerate((("so-cot-ngoac.xlsx", text), ("so-cot-chu.xlsx", plain),
                                           ("so-cot-so.xls", numbers), ("so-cot-AB.xlsx", letters)), start=1):
        write_grid(folder / name, {"PL I": grid(numbering, *rows_i(k))})
    return dict.fromkeys(("so-cot-ngoac.xlsx", "so-cot-chu.xlsx", "so-cot-so.xls", "so-cot-AB.xlsx"), "ingested")


def blank_template() -> list[list[object]]:
    """A Phụ lục II sheet of the template, unfilled: placeholders, no figures."""
    return grid(line("A", "Đặt tại Thành phố"), line("B", "Đặt tại cấp Huyện"), line(1, ""),
                line("", "Tổng cộng"), title="Phụ lục II")


def whole_template(folder: Path) -> dict[str, str]:
    blank_iii = [["Phụ lục III"], [], [h for h in HEADERS if h != layout.columns("I")[7].header],
                 ["A", "Cấp huyện"], ["B", "Cấp xã (tổng số xã)"], ["", "Tổng cộng"]]
    write_grid(folder / "mau-ca-bo.xlsx", {"PL I": grid(*rows_i(5)), "PL II": blank_template(),
                                          "PL III": blank_iii})
    return {"mau-ca-bo.xlsx": "ingested"}


def roman_numbering(folder: Path) -> dict[str, str]:
    rows = [line("I", so(6), 1250, 30), line("", "II. Các đơn vị trực thuộc"),
            line("2.1", CHI_CUC[0], 400, 4, total=80, one_stop=80, area=40),
            line("2.2", CHI_CUC[1], 650, 0, total=90, one_stop=85, area=35),
            line("", "Tổng cộng", 2300, 34, total=370, one_stop=355, area=135, online=36, postal=90)]
    write_grid(folder / "danh-so-la-ma.xlsx", {"PL I": grid(*rows)})
    return {"danh-so-la-ma.xlsx": "ingested"}


def excel_errors(folder: Path) -> dict[str, str]:
    rows = rows_i(7)
    rows[0][5] = "#DIV/0!"  # row A's rate (Excel row 4, column F)
    rows[2][6] = "#REF!"  # Chi cục Thú y's received (row 6, G)
    rows[4][6] = "#N/A"  # the total's received (row 8, G)
    rows[1][8] = "#VALUE!"  # row B's overdue (row 5, I)
    write_grid(folder / "loi-excel.xlsx", {"PL I": grid(*rows)})
    rows[0][1] = so(8)  # the same errors, in the .xls of another department
    write_grid(folder / "loi-excel.xls", {"PL I": grid(*rows)})
    return {"loi-excel.xlsx": "ingested", "loi-excel.xls": "ingested"}


REWORDED = ["TT", "TEN DON VI", "Số cán bộ làm việc tại Bộ phận một cửa", "DIEN TICH BP TN&TKQ (M2)",
            "SO TTHC THUOC THAM QUYEN", "SO TTHC DANG THUC HIEN", "TY LE %", "TONG SO HO SO TIEP NHAN",
            "Trong đó: hồ sơ trực tuyến", "SO HO SO GIAI QUYET DUNG HAN", "SO HO SO QUA HAN", "TY LE DUNG HAN",
            "DVC MUC DO 3, 4", "BUU CHINH CONG ICH", "GHI CHU"]


def reworded(folder: Path) -> dict[str, str]:
    def wide(row: list[object], staff: object, online_dossiers: object) -> list[object]:
        return [row[0], row[1], staff, *row[2:7], online_dossiers, *row[7:]]

    rows = [wide(r, s, o) for r, s, o in zip(rows_i(9, b_row=False), (12, 5, 6, None), (300, 100, 200, None),
                                             strict=True)]
    write_grid(folder / "tieu-de-khac.xlsx", {"Sheet1": grid(*rows, headers=REWORDED)})
    return {"tieu-de-khac.xlsx": "ingested"}


def total_variants(folder: Path) -> dict[str, str]:
    out = {}
    for k, (label, first) in enumerate((("Cộng", False), ("TỔNG", True), ("Tổng số", False))):
        name = f"dong-tong-{k}.xlsx"
        write_grid(folder / name, {"PL I": grid(*rows_i(10 + k, label, b_row=False, total_first=first))})
        out[name] = "ingested"
    return out


def uncached_formulas(folder: Path) -> dict[str, str]:
    rows = rows_i(13)
    rows[1][7] = rows[4][7] = None  # row B and the total leave on-time empty: not summed over the gap
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PL I"
    for r, row in enumerate(grid(*rows), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    ws["H4"] = "=ROUND(G4-I4,0)"  # row A's on-time: computable
    ws["H6"] = "=IF(G6>0,G6-I6,0)"  # Chi cục Thú y's on-time: computable
    ws["H7"] = "='Số liệu'!B2"  # Chi cục Thủy lợi's on-time: another sheet, not computed here
    wb.create_sheet("Số liệu")["B2"] = 650
    wb.save(folder / "cong-thuc.xlsx")
    return {"cong-thuc.xlsx": "ingested"}


def numbers(folder: Path) -> dict[str, str]:
    rows = rows_i(14, b_row=False)[:-1]  # A and two sub-units: Excel rows 4 to 6
    rows[2][6] = "2,145"  # Chi cục Thủy lợi's received, US thousands comma (row 6, G)
    rows[2][7] = 2145  # its on-time then adds up
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PL I"
    for r, row in enumerate(grid(*rows), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    ws["I5"] = dt.datetime(2017, 5, 25)  # Chi cục Thú y's overdue: "25.5" typed, stored as 25/05
    ws["I5"].number_format = "dd/mm"
    wb.save(folder / "so-lieu-kieu-anh.xlsx")
    return {"so-lieu-kieu-anh.xlsx": "ingested"}


def hidden(folder: Path) -> dict[str, str]:
    rows = rows_i(15)
    old = line(3, "Chi cục Phát triển nông thôn (cũ)", 99, 1)
    rows.insert(4, old)  # Excel row 8, hidden
    # a hidden helper column G before the real one, with a header that would otherwise win
    headers = [*HEADERS[:6], "Tổng số hồ sơ TTHC đã nhận (bản nháp)", *HEADERS[6:]]
    wide = [[*r[:6], 9999, *r[6:]] for r in rows]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PL I"
    for r, row in enumerate(grid(*wide, headers=headers), start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    ws.row_dimensions[8].hidden = True
    ws.column_dimensions["G"].hidden = True
    wb.save(folder / "dong-an.xlsx")
    return {"dong-an.xlsx": "ingested"}


def names(folder: Path) -> dict[str, str]:
    def iii(district: str, communes: list[str]) -> list[list[object]]:
        head = [h for h in HEADERS if h != layout.columns("I")[7].header]
        body = [["A", district, 100, 300, 290, None, 5000, 50, None, 20, 40, None]]
        body += [[k, c, 30, 100, 95, None, 800, 8, None, 5, 10, None] for k, c in enumerate(communes, 1)]
        return [["Phụ lục III"], [], head, *body]

    write_grid(folder / "ten-bac-tu-liem.xlsx", {"PL III": iii("Quận Bắc Từ Liêm", [
        "Cổ Nhuế I", "UBND phường cổ nhuế II", "P. Xuân Đỉnh", "Phường Phúc Xá"])})
    write_grid(folder / "ten-thanh-tri.xlsx", {"PL III": iii("huyện thanh trì", [
        "TT. Văn Điển", "X. Hữu Hòa", "xã tả thanh oai", "UBND xã Ngũ Hiệp"])})
    return {"ten-bac-tu-liem.xlsx": "ingested", "ten-thanh-tri.xlsx": "ingested"}


def _table_html(k: int) -> str:
    """What web software exports: a two-row header whose tall cells span rows (rowspan) and whose group
    cells span columns (colspan), numbers as text."""
    tall = "".join(f"<th rowspan='2'>{h}</th>" for h in HEADERS[:3])
    groups = f"<th colspan='3'>{layout.GROUP_TTHC}</th><th colspan='4'>Kết quả giải quyết TTHC</th>"
    rest = "".join(f"<th rowspan='2'>{h}</th>" for h in HEADERS[10:])
    leaves = "".join(f"<th>{h}</th>" for h in HEADERS[3:10])
    body = "".join("<tr>" + "".join(f"<td>{'' if v is None else v}</td>" for v in r) + "</tr>" for r in rows_i(k))
    return (f"<html><head><meta charset='utf-8'></head><body><p>Phụ lục I</p><table><tr>{tall}{groups}{rest}"
            f"</tr><tr>{leaves}</tr>{body}</table></body></html>")


def lying_extensions(folder: Path) -> dict[str, str]:
    (folder / "xuat-tu-phan-mem.xls").write_text(_table_html(16), encoding="utf-8")
    write_grid(folder / "tmp-xlsx.xlsx", {"PL I": grid(*rows_i(17))})
    (folder / "tmp-xlsx.xlsx").rename(folder / "doi-ten-xlsx.xls")
    write_grid(folder / "tmp-xls.xls", {"PL I": grid(*rows_i(18))})
    (folder / "tmp-xls.xls").rename(folder / "doi-ten-xls.xlsx")
    csv_text = "\n".join(";".join("" if v is None else str(v) for v in r) for r in grid(*rows_i(19)))
    (folder / "luu-csv.xlsx").write_text(csv_text, encoding="utf-8")
    (folder / "trang-web-khong-bang.xls").write_text("<html><body><p>Không có bảng</p></body></html>",
                                                     encoding="utf-8")
    (folder / "anh.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return {"xuat-tu-phan-mem.xls": "ingested", "doi-ten-xlsx.xls": "ingested", "doi-ten-xls.xlsx": "ingested",
            "luu-csv.xlsx": "ingested", "trang-web-khong-bang.xls": "rejected", "anh.xlsx": "rejected"}


BUILDERS: tuple[Callable[[Path], dict[str, str]], ...] = (
    column_numbers, whole_template, roman_numbering, excel_errors, reworded, total_variants, uncached_formulas,
    numbers, hidden, names, lying_extensions)


# -- reports ------------------------------------------------------------------------------------------------
def _docx(path: Path, paragraphs: list[tuple[str, bool]], tables: list[list[list[object]]] = (),
          table_after: int = -1) -> None:
    """A Word report: (text, bold) paragraphs, then each table (cells as text, numbers written the
    Vietnamese way) after paragraph `table_after` (-1: at the end)."""
    import docx

    from sketket.clean import format_int

    doc = docx.Document()

    def add_tables() -> None:
        for rows in tables:
            table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    table.cell(r, c).text = "" if v is None else format_int(v) if isinstance(v, int) else str(v)

    for k, (text, bold) in enumerate(paragraphs):
        doc.add_paragraph().add_run(text).bold = bold
        if k == table_after:
            add_tables()
    if table_after < 0:
        add_tables()
    doc.save(str(path))


REPORT_HEAD = [("UBND THÀNH PHỐ HÀ NỘI", False), ("{unit}", True), ("BÁO CÁO", True),
               ("Sơ kết thực hiện cơ chế một cửa, cơ chế một cửa liên thông", True)]
REPORT_BODY = [("I. ĐẶC ĐIỂM TÌNH HÌNH", True), ("Đơn vị có 25 công chức.", False),
               ("II. KẾT QUẢ THỰC HIỆN", True), ("1. Công tác chỉ đạo thực hiện", True),
               ("Đã ban hành Kế hoạch số 12/KH.", False), ("2. Kết quả cụ thể", True),
               ("i) Kết quả tiếp nhận, giải quyết thủ tục hành chính", True),
               ("Kết quả chi tiết tại bảng dưới đây.", False),
               ("III. KIẾN NGHỊ, ĐỀ XUẤT", True), ("Đề nghị đầu tư phần mềm.", False)]


def head(unit: str) -> list[tuple[str, bool]]:
    return [(t.format(unit=unit), b) for t, b in REPORT_HEAD]


def word_appendix(folder: Path) -> dict[str, str]:
    rows = rows_i(20)
    rows[2][7] = 390  # Chi cục Kiểm định: on-time 390 + overdue 4 ≠ received 400 (Bảng 1, row 4)
    _docx(folder / "bao-cao-kem-bieu.docx", head(so(20).upper()) + REPORT_BODY, [[HEADERS, *rows]],
          table_after=len(REPORT_HEAD) + 7)
    return {"bao-cao-kem-bieu.docx": "ingested"}


OUTLINE_TABLE = [["STT", "Nội dung", "Kết quả thực hiện"],
                 ["I", "Đặc điểm tình hình", "Đơn vị có 25 công chức."],
                 ["II.1", "Công tác chỉ đạo thực hiện", "Đã ban hành Kế hoạch số 12/KH."],
                 ["II.2.a", "Số cơ quan, đơn vị thực hiện cơ chế một cửa", "Có 2 chi cục."],
                 ["II.2.đ", "Làm việc sáng thứ bảy", "Từ tháng 5/2016."],
                 ["II.3.b", "Tồn tại, hạn chế và nguyên nhân", "Trụ sở chật hẹp."],
                 ["III", "Kiến nghị, đề xuất", "Đề nghị đầu tư phần mềm."]]


def outline_table(folder: Path) -> dict[str, str]:
    _docx(folder / "bao-cao-dang-bang.docx", head(so(21).upper()), [OUTLINE_TABLE])
    return {"bao-cao-dang-bang.docx": "ingested"}


HEADING_VARIANTS = [
    ("PHẦN THỨ NHẤT: ĐẶC ĐIỂM TÌNH HÌNH", True), ("Đơn vị có 25 công chức.", False),
    ("PHẦN THỨ HAI: KẾT QUẢ THỰC HIỆN", True), ("Mục 1. Công tác chỉ đạo thực hiện", True),
    ("Đã ban hành Kế hoạch.", False), ("2/ Kết quả cụ thể", True),
    ("a/ Số cơ quan, đơn vị thực hiện cơ chế một cửa", True), ("Có 14 phường.", False),
    ("d) Bộ phận tiếp nhận và trả kết quả", True), ("Diện tích 80 m2.", False),
    ("d) Việc triển khai thực hiện làm việc sáng thứ bảy hàng tuần", True), ("Làm việc sáng thứ bảy.", False),
    ("III- ĐÁNH GIÁ", True), ("1/ Kết quả đạt được", True), ("Công khai minh bạch.", False),
    ("2/ Tồn tại, hạn chế và nguyên nhân", True), ("Trụ sở chật hẹp.", False),
    ("Phần IV. KIẾN NGHỊ, ĐỀ XUẤT", True), ("Đề nghị đầu tư phần mềm.", False)]


def heading_variants(folder: Path) -> dict[str, str]:
    _docx(folder / "bao-cao-tieu-de-khac.docx", head(so(22).upper()) + HEADING_VARIANTS)
    return {"bao-cao-tieu-de-khac.docx": "ingested"}


def old_formats(folder: Path) -> dict[str, str]:
    (folder / "bao-cao-cu.doc").write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    (folder / "ban-chup.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    for text, _ in head(so(23).upper()) + REPORT_BODY:
        doc.text.addElement(P(text=text))
    doc.save(str(folder / "bao-cao.odt"))
    return {"bao-cao-cu.doc": "skipped", "ban-chup.pdf": "skipped", "bao-cao.odt": "ingested"}


REPORT_BUILDERS: tuple[Callable[[Path], dict[str, str]], ...] = (
    word_appendix, outline_table, heading_variants, old_formats)
