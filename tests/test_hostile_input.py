"""Hostile received files cost one file, never the ingest: zip bombs in every format, sheets whose extent
would make a reader allocate a huge grid, unreadable files and folders, FIFOs, dangling links, links out of
the folder, a folder tree a thousand levels deep. Each gets its own files.csv row with a Vietnamese reason,
the ingest exits 0 without a traceback, and the valid files beside them are read."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt
from _hostile import bomb, remove_tree, replace_parts, with_part
from _workbooks import convert, write_sample
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ingest import narrative_docx

from sketket.intake import ingest as ingest_module
from sketket.intake.ingest import ingest
from sketket.intake.screen import Limits, screen
from sketket.registry import load_registry

SKETKET = Path(sys.executable).parent / "sketket"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
              b'<c r="A1" t="inlineStr"><is><t>')
SHEET_TAIL = b"</t></is></c></row></sheetData></worksheet>"
SMALL = Limits(member_bytes=1 << 20, total_bytes=2 << 20, rows=1000, columns=50, cells=20_000)


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def _run(raw: Path, out: Path) -> tuple[subprocess.CompletedProcess, pd.DataFrame]:
    """`sketket ingest` as a user runs it, and the files.csv it wrote."""
    proc = subprocess.run([str(SKETKET), "ingest", str(raw), "--out", str(out)], capture_output=True, text=True,
                          timeout=120)
    files = pd.read_csv(out / "files.csv", encoding="utf-8-sig", keep_default_na=False) if proc.returncode == 0 else None
    return proc, files


def far_cells(out: Path) -> Path:
    """1,9 KB on disk: the only cells are A1 and XFD1048576 (dimension A1:XFD1048576)."""
    wb = openpyxl.Workbook()
    wb.active.title = "Phụ lục I"
    wb.active["A1"], wb.active["XFD1048576"] = "Tên đơn vị", 1
    wb.save(out)
    return out


def _sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


# -- sheets too large for a reader ---------------------------------------------------------------------------
def test_far_cells_are_rejected_before_any_reader_allocates(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    far = far_cells(raw / "So Tai chinh.xlsx")
    assert far.stat().st_size < 10_000
    write_sample("I", raw / "PL1 So NN&PTNT.xlsx")
    proc, files = _run(raw, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    row = files.set_index("source_file").loc["So Tai chinh.xlsx"]
    assert row["status"] == "rejected"
    assert row["reason"].startswith('Trang tính "Phụ lục I" khai báo vùng dữ liệu 1.048.576 dòng × 16.384 cột')
    assert files.set_index("source_file").loc["PL1 So NN&PTNT.xlsx", "status"] == "ingested"


def test_the_real_extent_counts_when_the_dimension_is_missing_or_cells_are_written_otherwise(tmp_path):
    far = far_cells(tmp_path / "far.xlsx")
    plain = re.sub(rb"<dimension[^>]*/>", b"", _sheet_xml(far))
    variants = {
        "plain": plain,  # references first, as Excel writes them: the fast count
        "attribute order": plain.replace(b'<c r="XFD1048576"', b'<c s="0" r="XFD1048576"'),
        "prefixed": plain.replace(b'<c r="XFD1048576" t="n"><v>1</v></c>',
                                  b'<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                  b'r="XFD1048576"><x:v>1</x:v></x:c>'),
        # no references: cells take the next place, 1.200 of them in one row
        "sequential": plain.replace(b"</sheetData>", b'<row r="3">' + b"<c><v>1</v></c>" * 1200 + b"</row></sheetData>")
                           .replace(b'<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row>', b""),
    }
    for label, xml in variants.items():
        path = with_part(far, tmp_path / f"{label}.xlsx", "xl/worksheets/sheet1.xml", xml)
        problem = screen(path, 2**24)
        assert problem is not None and problem[0] == "sheet_too_large", label
        assert problem[1]["what"] == "có ô dữ liệu trải trên" and problem[1]["sheet_name"] == "Phụ lục I", label
    narrow = variants["sequential"].replace(b"<c><v>1</v></c>" * 1200, b"<c><v>1</v></c>" * 20)
    assert screen(with_part(far, tmp_path / "narrow.xlsx", "xl/worksheets/sheet1.xml", narrow), 2**24) is None


def test_limits_come_from_config_and_a_valid_table_passes_them(tmp_path):
    good = tmp_path / "good.xlsx"
    write_sample("I", good)
    assert screen(good, 2**24) is None
    assert screen(good, 2**24, Limits(1 << 20, 2 << 20, rows=10, columns=50, cells=20_000)) == (
        "sheet_too_large", {"sheet_name": "Phụ lục I", "what": "khai báo vùng dữ liệu", "rows": "21", "columns": "13",
                            "max_rows": "10", "max_columns": "50", "max_cells": "20.000"})


def test_ods_with_a_far_cell_is_rejected_but_repeated_empty_rows_are_not(tmp_path):
    write_sample("III", tmp_path / "pl3.xlsx")
    good = convert(tmp_path / "pl3.xlsx", tmp_path / "good.ods")
    with zipfile.ZipFile(good) as zf:
        content = zf.read("content.xml")
    # LibreOffice's own padding: empty rows and cells repeated to the sheet's end
    padding = (b'<table:table-row table:number-rows-repeated="1048500"><table:table-cell '
               b'table:number-columns-repeated="16384"/></table:table-row>')
    far = (b'<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
           b'<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
           b'</table:table-row>')
    end = content.rindex(b"</table:table>")
    padded = with_part(good, tmp_path / "padded.ods", "content.xml", content[:end] + padding + content[end:])
    hostile = with_part(good, tmp_path / "far.ods", "content.xml", content[:end] + padding + far + content[end:])
    assert screen(good, 2**24) is None
    assert screen(padded, 2**24) is None
    problem = screen(hostile, 2**24)
    assert problem is not None and problem[0] == "sheet_too_large"
    assert problem[1]["columns"] == "16.384" and int(problem[1]["rows"].replace(".", "")) > 1_048_500


# -- zip bombs ---------------------------------------------------------------------------------------------
def test_a_sheet_bomb_is_stopped_at_the_member_limit(tmp_path):
    good = tmp_path / "good.xlsx"
    write_sample("I", good)
    body, size = bomb(SHEET_HEAD, 64, SHEET_TAIL)
    path = replace_parts(good, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet1.xml": (body, size)})
    assert path.stat().st_size < 200_000
    assert screen(path, 2**24, SMALL) == ("inflated_too_large", {"member": "xl/worksheets/sheet1.xml", "limit": "1"})


def test_a_member_that_lies_about_its_size_is_counted_as_inflated(tmp_path):
    good = tmp_path / "good.xlsx"
    write_sample("I", good)
    body, _ = bomb(b"<sst>", 8, b"</sst>")
    path = replace_parts(good, tmp_path / "bomb.xlsx", {"xl/sharedStrings.xml": (body, 100)})  # declares 100 B
    assert screen(path, 2**24, SMALL)[0] == "inflated_too_large"


def test_many_members_each_under_the_limit_are_stopped_at_the_total(tmp_path):
    good = tmp_path / "good.xlsx"
    write_sample("I", good)
    parts = {f"xl/media/image{k}.bin": bomb(b"", 1, b"", filler=b"\0")[0:2] for k in range(3)}
    parts = {name: (body, size - 1) for name, (body, size) in parts.items()}  # each just under 1 MB declared
    path = replace_parts(good, tmp_path / "bomb.xlsx", parts)
    limits = Limits(member_bytes=2 << 20, total_bytes=2 << 20, rows=1000, columns=50, cells=20_000)
    assert screen(path, 2**24, limits) == ("inflated_total_too_large", {"limit": "2"})


def test_docx_and_odt_bombs_are_rejected_before_the_report_is_parsed(tmp_path, reg):
    docx = narrative_docx(tmp_path / "report.docx")
    body, size = bomb(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                      b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>', 16, b"</w:t></w:r></w:p></w:body></w:document>")
    raw = tmp_path / "raw"
    raw.mkdir()
    replace_parts(docx, raw / "Bao cao Ba Dinh.docx", {"word/document.xml": (body, size)})
    odt_body, odt_size = bomb(b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
                              b'opendocument:xmlns:office:1.0"><office:body><office:text><text:p>', 16,
                              b"</text:p></office:text></office:body></office:document-content>")
    odt = tmp_path / "report.odt"
    with zipfile.ZipFile(odt, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    replace_parts(odt, raw / "Bao cao Hoan Kiem.odt", {"content.xml": (odt_body, odt_size)})
    narrative_docx(raw / "Bao cao Tay Ho.docx")
    original = ingest_module.screen
    try:
        ingest_module.screen = lambda path, max_bytes, **kw: original(path, max_bytes, SMALL, **kw)
        res = ingest(raw, tmp_path / "out", reg)
    finally:
        ingest_module.screen = original
    files = res.files.set_index("source_file")
    assert files.loc["Bao cao Ba Dinh.docx", "status"] == "rejected"
    assert files.loc["Bao cao Ba Dinh.docx", "reason"].startswith('Phần "word/document.xml" của tệp khi giải nén vượt 1 MB')
    assert files.loc["Bao cao Hoan Kiem.odt", "status"] == "rejected"
    assert "content.xml" in files.loc["Bao cao Hoan Kiem.odt", "reason"]
    assert files.loc["Bao cao Tay Ho.docx", "status"] == "ingested"


def _bomb_folder(raw: Path, tmp: Path) -> list[str]:
    """A folder of gigabyte bombs in every format beside valid tables; the bombs' names."""
    raw.mkdir()
    write_sample("I", raw / "PL1 So NN&PTNT.xlsx")
    write_sample("II", tmp / "pl2.xlsx")
    convert(tmp / "pl2.xlsx", raw / "PL2 Cuc Thue.xls")
    write_sample("III", tmp / "pl3.xlsx")
    convert(tmp / "pl3.xlsx", raw / "PL3 Ba Dinh.ods")
    good = tmp / "good.xlsx"
    write_sample("I", good)
    gb = 1024
    replace_parts(good, raw / "bom-trang-tinh.xlsx", {"xl/worksheets/sheet1.xml": bomb(SHEET_HEAD, gb, SHEET_TAIL)})
    replace_parts(good, raw / "bom-chuoi.xlsm", {"xl/sharedStrings.xml": bomb(b"<sst><si><t>", gb, b"</t></si></sst>")})
    replace_parts(raw / "PL3 Ba Dinh.ods", raw / "bom.ods", {"content.xml": bomb(
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><text:p>',
        gb, b"</text:p></office:document-content>")})
    docx = narrative_docx(tmp / "report.docx")
    replace_parts(docx, raw / "bom-bao-cao.docx", {"word/document.xml": bomb(b"<w:document><w:body>", 2 * gb,
                                                                               b"</w:body></w:document>")})
    replace_parts(docx, raw / "bom-bao-cao.odt", {"content.xml": bomb(b"<office:document-content>", gb,
                                                                       b"</office:document-content>")})
    far_cells(raw / "o-xa.xlsx")
    _xls(raw / "o-xa.xls", {"Phụ lục I": [(0, 0), (65535, 255)]})
    return ["bom-trang-tinh.xlsx", "bom-chuoi.xlsm", "bom.ods", "bom-bao-cao.docx", "bom-bao-cao.odt", "o-xa.xlsx",
            "o-xa.xls"]


MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, proc.returncode)
sys.stderr.write(proc.stderr)
"""


@pytest.mark.slow
def test_a_folder_of_gigabyte_bombs_is_ingested_in_little_memory_and_time(tmp_path):
    raw = tmp_path / "raw"
    bombs = _bomb_folder(raw, tmp_path)
    assert sum(p.stat().st_size for p in raw.iterdir()) < 20 * 2**20  # small on disk
    # measured in a process of its own: RUSAGE_CHILDREN is the largest process it waited for (ingest, workers)
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(SKETKET), "ingest", str(raw), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    seconds, peak_kb, code = proc.stdout.split()
    assert int(code) == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert float(seconds) < 10
    assert int(peak_kb) * 1024 < 2**30
    files = pd.read_csv(tmp_path / "out" / "files.csv", encoding="utf-8-sig").set_index("source_file")
    for name in bombs:
        assert files.loc[name, "status"] == "rejected", name
    assert (files.loc[["PL1 So NN&PTNT.xlsx", "PL2 Cuc Thue.xls", "PL3 Ba Dinh.ods"], "status"] == "ingested").all()


# -- the folder: what is not a readable file ------------------------------------------------------------------
def test_links_fifos_and_unreadable_entries_each_get_a_row(tmp_path):
    raw = tmp_path / "raw"
    (raw / "so").mkdir(parents=True)
    write_sample("I", raw / "so" / "PL1 So NN&PTNT.xlsx")
    secret = tmp_path / "secret.xlsx"
    write_sample("II", secret)
    os.symlink(secret, raw / "so" / "ngoai.xlsx")
    os.symlink("/etc", raw / "thu-muc-ngoai")
    os.symlink(raw / "so" / "khong-co.xlsx", raw / "so" / "hong.xlsx")
    os.symlink(raw / "so", raw / "lien-ket-so")
    os.symlink("PL1 So NN&PTNT.xlsx", raw / "so" / "ban-sao.xlsx")  # inside the folder: read
    os.mkfifo(raw / "so" / "ong.xlsx")
    os.symlink("vong-b.xlsx", raw / "vong-a.xlsx")  # a loop of links
    os.symlink("vong-a.xlsx", raw / "vong-b.xlsx")
    proc, files = _run(raw, tmp_path / "out")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    rows = files.set_index("source_file")
    assert rows.loc["so/ngoai.xlsx", "status"] == "skipped"
    assert rows.loc["so/ngoai.xlsx", "reason"] == (f"liên kết trỏ ra ngoài thư mục nhận ({secret}); "
                                                   "không đọc để bảo đảm an toàn")
    assert rows.loc["thu-muc-ngoai", "reason"].startswith("liên kết trỏ ra ngoài thư mục nhận (/etc)")
    assert rows.loc["so/hong.xlsx", "reason"].startswith("liên kết hỏng: trỏ tới ")
    assert rows.loc["lien-ket-so", "reason"].startswith("liên kết tới thư mục ")
    assert rows.loc["so/ong.xlsx", "reason"] == "không phải tệp thông thường (ống FIFO); không đọc"
    assert rows.loc["so/ban-sao.xlsx", "status"] in ("ingested", "skipped")  # the same unit twice: one kept
    assert rows.loc["so/PL1 So NN&PTNT.xlsx", "status"] in ("ingested", "skipped")
    appendix = pd.read_csv(tmp_path / "out" / "appendix.csv", encoding="utf-8-sig")
    assert "Cục Thuế thành phố Hà Nội" not in set(appendix["unit_name"])  # nothing read through the link out
    assert rows.loc["vong-a.xlsx", "reason"] == "liên kết vòng: trỏ tới vong-b.xlsx, lại dẫn về chính nó; không đọc"
    assert rows.loc["vong-b.xlsx", "status"] == "skipped"
    assert len(rows) == 9


def _deny(monkeypatch, denied: Path, call: str) -> None:
    """os.scandir or reading a file raising PermissionError for one path (the tests run as root, who may read
    anything: chmod alone cannot make a file unreadable here)."""
    if call == "scandir":
        real = os.scandir

        def scandir(path):
            if Path(path) == denied:
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr("sketket.intake.walk.os.scandir", scandir)
    else:
        real_read = Path.read_bytes

        def read_bytes(self):
            if self == denied:
                raise PermissionError(13, "Permission denied", str(self))
            return real_read(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)

        def open_denied(path, *args, **kwargs):  # the screen's bounded read (screen.read_bounded)
            if Path(path) == denied:
                raise PermissionError(13, "Permission denied", str(path))
            return open(path, *args, **kwargs)

        monkeypatch.setattr("sketket.intake.screen.open", open_denied, raising=False)


def test_an_unreadable_file_and_folder_are_rejected_with_a_reason(tmp_path, reg, monkeypatch):
    raw = tmp_path / "raw"
    (raw / "khoa").mkdir(parents=True)
    write_sample("I", raw / "khoa" / "PL1.xlsx")
    write_sample("I", raw / "PL1 So NN&PTNT.xlsx")
    write_sample("III", raw / "PL3 Ba Dinh.xlsx")
    _deny(monkeypatch, raw / "khoa", "scandir")
    _deny(monkeypatch, raw / "PL3 Ba Dinh.xlsx", "read")
    res = ingest(raw, tmp_path / "out", reg)
    rows = res.files.set_index("source_file")
    assert list(rows.index) == ["PL1 So NN&PTNT.xlsx", "PL3 Ba Dinh.xlsx", "khoa/"]
    assert rows.loc["khoa/", "status"] == "rejected"
    assert rows.loc["khoa/", "reason"] == ("Không đọc được thư mục này, các tệp bên trong chưa được xem "
                                          "(không có quyền đọc); cần kiểm tra quyền truy cập thư mục nhận rồi chạy lại.")
    assert rows.loc["PL3 Ba Dinh.xlsx", "status"] == "rejected"
    assert rows.loc["PL3 Ba Dinh.xlsx", "reason"].startswith("Không đọc được tệp (không có quyền đọc)")
    assert rows.loc["PL1 So NN&PTNT.xlsx", "status"] == "ingested"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_a_file_without_read_permission_is_rejected(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "PL1.xlsx"
    write_sample("I", path)
    path.chmod(0)
    try:
        rows = ingest(raw, tmp_path / "out", reg).files.set_index("source_file")
    finally:
        path.chmod(0o644)
    assert rows.loc["PL1.xlsx", "status"] == "rejected"


@pytest.fixture()
def deep_tree(tmp_path):
    """A received folder whose only table is 1.000 levels deep; removed level by level afterwards."""
    raw = deep = tmp_path / "raw"
    raw.mkdir()
    for _ in range(1000):  # one level at a time: pathlib's mkdir(parents=True) recurses
        deep = deep / "a"
        deep.mkdir()
    write_sample("I", deep / "PL1 So NN&PTNT.xlsx")
    yield raw
    remove_tree(raw)


def test_a_thousand_levels_deep_tree_is_walked(deep_tree, tmp_path):
    proc, files = _run(deep_tree, tmp_path / "out")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert files["source_file"].tolist() == ["a/" * 1000 + "PL1 So NN&PTNT.xlsx"]
    assert files["status"].tolist() == ["ingested"]


def test_references_in_lower_case_or_with_leading_zeros_count_as_calamine_reads_them(tmp_path):
    far = far_cells(tmp_path / "far.xlsx")
    plain = re.sub(rb"<dimension[^>]*/>", b"", _sheet_xml(far))
    for label, ref in (("lower case", b"xfd1048576"), ("leading zeros", b"XFD0001048576"), ("mixed", b"xFd5")):
        xml = plain.replace(b'r="XFD1048576"', b'r="' + ref + b'"').replace(b'<row r="1048576">', b"<row>")
        problem = screen(with_part(far, tmp_path / f"{label}.xlsx", "xl/worksheets/sheet1.xml", xml), 2**24)
        assert problem is not None and problem[0] == "sheet_too_large", label
        assert problem[1]["columns"] == "16.384", label


def _xls(path: Path, cells: dict[str, list[tuple[int, int]]]) -> Path:
    book = xlwt.Workbook()
    for sheet, where in cells.items():
        ws = book.add_sheet(sheet)
        for row, col in where:
            ws.write(row, col, 1)
    book.save(str(path))
    return path


def test_an_xls_with_far_cells_is_rejected_before_the_reader_builds_its_grid(tmp_path):
    # 6 KB: a reader would build a 65.536 × 256 grid (1 GB, 9 s)
    far = _xls(tmp_path / "far.xls", {"Bìa": [(0, 0)], "Phụ lục I": [(0, 0), (65535, 255)]})
    assert far.stat().st_size < 10_000
    problem = screen(far, 2**24)
    assert problem is not None and problem[0] == "sheet_too_large"
    assert problem[1]["sheet_name"] == "Phụ lục I" and problem[1]["columns"] == "256"
    # the real extent alone (DIMENSIONS made to agree with a small sheet): still found from the cells
    data = bytearray(far.read_bytes())
    at = 0
    while (at := data.find(bytes.fromhex("00020e00"), at + 1)) > 0:  # DIMENSIONS, 14 bytes
        data[at + 4:at + 18] = (0).to_bytes(4, "little") + (3).to_bytes(4, "little") + bytes(2) + (3).to_bytes(2, "little") + bytes(2)
    lying = tmp_path / "lying.xls"
    lying.write_bytes(bytes(data))
    problem = screen(lying, 2**24)
    assert problem is not None and problem[1]["what"] == "có ô dữ liệu trải trên" and problem[1]["rows"] == "65.536"
    assert screen(_xls(tmp_path / "ok.xls", {"A": [(0, 0), (3000, 200)]}), 2**24) is None


def test_a_count_past_any_real_figure_is_a_finding_not_a_crash(tmp_path, reg):
    """1e19 typed in a count cell (past what a 64-bit count holds) and an infinite area: the file is read,
    each cell gets its finding, the appendix leaves those figures empty and the rest of the row is kept."""
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / "pl3.xlsx"
    m = write_sample("III", path)
    wb = openpyxl.load_workbook(path)
    ws = wb[m.sheet]
    ws[m.cell("dossiers_received", m.unit_rows[0])] = 1e19
    ws[m.cell("tthc_total", m.unit_rows[1])] = 2e9
    wb.save(path)
    result = ingest(raw, tmp_path / "out", reg)
    assert list(result.files["status"]) == ["ingested"]
    too_large = result.findings[result.findings["rule"] == "count_too_large"]
    assert sorted(too_large["cell"]) == sorted([m.cell("dossiers_received", m.unit_rows[0]),
                                                m.cell("tthc_total", m.unit_rows[1])])
    assert "không quá 1.000.000.000" in too_large["message"].iloc[0]
    rows = result.appendix.set_index("source_row")
    assert pd.isna(rows.loc[m.unit_rows[0], "dossiers_received"]) and pd.isna(rows.loc[m.unit_rows[0], "on_time_pct"])
    assert pd.isna(rows.loc[m.unit_rows[1], "tthc_total"]) and rows.loc[m.unit_rows[1], "tthc_one_stop"] > 0
    saved = pd.read_csv(tmp_path / "out" / "appendix.csv", encoding="utf-8-sig")
    assert len(saved) == len(result.appendix) and saved["dossiers_received"].max() < 1e9


def test_a_fault_of_the_checks_on_one_file_costs_that_file_only(tmp_path, reg, monkeypatch):
    """An input nobody foresaw that makes a check raise: that file is listed as not checked, with the
    error, and the other files are read as usual."""
    raw = tmp_path / "raw"
    raw.mkdir()
    write_sample("I", raw / "a.xlsx")
    write_sample("III", raw / "b.xlsx")
    real = ingest_module.check_table

    def check_table(table, source_file, *args, **kwargs):
        if source_file == "b.xlsx":
            raise KeyError("cột lạ")
        return real(table, source_file, *args, **kwargs)

    monkeypatch.setattr(ingest_module, "check_table", check_table)
    result = ingest(raw, tmp_path / "out", reg)
    files = result.files.set_index("source_file")
    assert files.loc["a.xlsx", "status"] == "ingested" and files.loc["b.xlsx", "status"] == "rejected"
    assert "KeyError: 'cột lạ'" in files.loc["b.xlsx", "reason"]
    assert set(result.appendix["source_file"]) == {"a.xlsx"}
    assert list(result.findings.loc[result.findings["source_file"] == "b.xlsx", "rule"]) == ["file_not_checked"]


# mostly cells as Excel writes them (so that many sheets pass the scan), and every other form
_REF_CELLS = st.sampled_from(['<c r="{ref}"'] * 8 + ['<c r="{ref}" s="1"', '<c s="1" r="{ref}"', "<c", '<x:c r="{ref}"',
                                                   "<c r='{ref}'", '<c  r="{ref}"', '<c r="{low}"', "<cols", "<cfRule",
                                                   '<c r="A1" r="{ref}"', '<c r="A1" t="n" r=\'{ref}\'', '<c r="A1"r="{ref}"'])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_REF_CELLS, st.text("ABCXYZ", min_size=1, max_size=3),
                          st.integers(1, 999) | st.integers(1, 99_999) | st.integers(1, 2_000_000)),
                min_size=1, max_size=6))
def test_a_sheet_the_fast_scan_calls_small_is_small(cells):
    """The screen's fast scan (_xlsx_small) never passes a sheet whose cells, read as a reader places them
    (_xlsx_extent), reach past the limits, whatever form its cell elements take."""
    from sketket.intake.screen import _xlsx_extent, _xlsx_small

    body = "".join(f'<row r="{i + 1}">' + form.format(ref=f"{letters}{row}", low=f"{letters.lower()}{row}")
                   + "><v>1</v></c></row>" for i, (form, letters, row) in enumerate(cells))
    xml = f'<?xml version="1.0"?><worksheet><sheetData>{body}</sheetData></worksheet>'.encode()
    limits = Limits(member_bytes=1 << 20, total_bytes=2 << 20, rows=10_000, columns=800, cells=10_000_000)
    if _xlsx_small(xml, limits):
        rows, columns = _xlsx_extent(xml)
        assert rows <= 9999 and columns <= 702 and (rows <= 999 or columns <= 26)


_ODS_CELLS = st.sampled_from(['<table:table-cell office:value-type="float"><text:p>1</text:p></table:table-cell>',
                              '<table:table-cell table:number-columns-repeated="{n}"/>',
                              '<table:table-cell table:number-columns-repeated="{n}"><text:p>x</text:p></table:table-cell>',
                              '<t:table-cell office:value-type="string"><text:p>y</text:p></t:table-cell>',
                              "<table:covered-table-cell/>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 4), st.lists(st.tuples(_ODS_CELLS, st.integers(-3, 4)), max_size=4)),
                min_size=1, max_size=5), st.integers(-1_000_000, 3))
def test_an_ods_the_fast_count_calls_small_is_small(rows, in_comment):
    """The screen's counts over an OpenDocument part (_ods_within) never pass a table whose cells, read with
    their repeats (_ods_extents), reach past the limits."""
    from sketket.intake.screen import _ods_extents, _ods_within

    body = "".join(f'<table:table-row table:number-rows-repeated="{repeat}">'
                   + "".join(cell.format(n=n) for cell, n in cells) + "</table:table-row>" for repeat, cells in rows)
    # a repeat count in a comment, even negative, must not lower the bound
    comment = f'<!-- table:number-rows-repeated="{in_comment}" table:number-columns-repeated="{in_comment}" -->'
    xml = f'<office:document-content>{comment}<table:table table:name="T">{body}</table:table></office:document-content>'
    limits = Limits(member_bytes=1 << 20, total_bytes=2 << 20, rows=6, columns=6, cells=20)  # small: near the edge
    if _ods_within(xml.encode(), limits):
        for _, last_row, last_col in _ods_extents(xml.encode()):
            assert last_row <= limits.rows and last_col <= limits.columns and last_row * last_col <= limits.cells


def test_a_cell_with_a_second_reference_is_placed_at_the_farthest(tmp_path):
    """<c r="B2" r="XFD1048576">: calamine places the cell at the last reference and allocates the whole grid
    (the process aborts); the screen reads every reference of a cell and refuses the sheet."""
    wb = openpyxl.Workbook()
    wb.active["A1"], wb.active["B2"] = 1, 2
    path = tmp_path / "hai-tham-chieu.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    for second in (b' r="XFD1048576"', b'r="XFD1048576"'):  # after a space, or glued to the quote before it
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data.replace(b'<c r="B2"', b'<c r="B2"' + second, 1) if name == sheet else data)
        problem = screen(path, 2**24)
        assert problem is not None and problem[0] == "sheet_too_large", second
        assert problem[1]["rows"] == "1.048.576" and problem[1]["columns"] == "16.384"


def test_a_binary_workbook_under_a_spreadsheet_name_is_refused(tmp_path):
    """An .xlsb renamed .xlsx: calamine opens it by its content and builds its grids from binary sheets the
    screen cannot measure, so it is refused, saying what it is."""
    path = tmp_path / "so-nhi-phan.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
        z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    assert screen(path, 2**24) == ("file_foreign", {"what": "sổ Excel dạng nhị phân (.xlsb) đặt tên .xlsx"})


def test_formulas_over_the_whole_sheet_nested_or_circular_cost_their_cells_only(tmp_path, reg):
    """A probe's workbook: a ward's count "=SUM(A1:XFD1048576)" without a saved value kept the evaluator busy over
    17 billion cells (ingest still running after 240 s, the good file beside it never read); brackets nested 3000
    deep rejected the file with "RecursionError"; a circular reference was computed where Excel refuses it. Each
    is now a cell that could not be computed, read in well under a second; the other cells are computed."""
    import time

    import _submissions as S

    from sketket.intake.ingest import ingest

    S.uncached_formulas(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "cong-thuc.xlsx")
    ws = wb["PL I"]
    ws["H7"] = "=SUM(A1:XFD1048576)+MAX(A1:XFD1048576)"  # the whole sheet, twice
    ws["I7"] = "=" + "(" * 3000 + "1" + ")" * 3000
    ws["K7"] = "=K7+1"  # circular
    wb.save(tmp_path / "cong-thuc.xlsx")
    started = time.perf_counter()
    res = ingest(tmp_path, tmp_path / "out", reg)
    assert time.perf_counter() - started < 30  # before: minutes, bounded by nothing
    assert res.files.set_index("source_file").loc["cong-thuc.xlsx", "status"] == "ingested"
    found = res.findings[res.findings["rule"] == "formula_not_computed"]
    assert sorted(found["cell"]) == ["H7", "I7", "K7"]
    on_time = res.appendix.set_index("source_row")["dossiers_on_time"]
    assert on_time[4] == 1220 and on_time[6] == 396  # the computable formulas still computed


def test_sum_of_a_whole_column_reads_the_cells_there_are():
    from sketket.intake._xlsx import evaluate_cells

    grid = [[1, 2], [3, None], ["x", 4]]
    values, failed = evaluate_cells(grid, {(4, 3): "=SUM(A1:B1048576)", (5, 4): "=D5+C4"}, [(4, 3), (5, 4)])
    assert values == {(4, 3): 10.0}
    assert failed == {(5, 4): "=D5+C4"}  # circular: not computed, as Excel refuses it
