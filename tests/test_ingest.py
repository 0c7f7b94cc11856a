"""`sketket ingest` and `sketket validate`: the DESIGN.md contract (file names, columns, exit codes), every
file accounted for, bad files rejected with a reason, raw files untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlwt
from _workbooks import UNITS, convert, figures, sample, write_grid, write_sample

from sketket import cli
from sketket.intake.ingest import APPENDIX_COLUMNS, FILES_COLUMNS, SECTION_COLUMNS, ingest
from sketket.intake.validate import FINDING_COLUMNS
from sketket.outputs.writer import Variation, write_filled
from sketket.registry import load_registry

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">' for k in range(1, 10))
    + ']>\n'
)


@pytest.fixture(scope="module")
def reg():
    return load_registry()


def entity_bomb(good: Path, out: Path, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A real workbook whose sheet XML declares nested entities (billion laughs) and uses them."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                body = data.decode("utf-8")
                body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
                data = (BILLION_LAUGHS + body.replace("<v>", "<v>&lol9;", 1)).encode("utf-8")
            dst.writestr(info, data)
    return out


def encrypted_xlsx(out: Path) -> Path:
    """What Excel saves with a password: an OLE2 container with an EncryptedPackage stream, named .xlsx."""
    name = "EncryptedPackage".encode("utf-16-le")
    out.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504) + name.ljust(64, b"\0") + bytes(4096))
    return out


def encrypted_xls(out: Path) -> Path:
    """A BIFF8 workbook whose globals begin with FILEPASS (the record a password adds after BOF)."""
    book = xlwt.Workbook()
    book.add_sheet("Phụ lục I").write(0, 0, "x")
    book.save(str(out))
    data = bytearray(out.read_bytes())
    at = data.find(bytes.fromhex("0908100000060500")) + 20
    data[at:at + 2] = (0x2F).to_bytes(2, "little")
    out.write_bytes(bytes(data))
    return out


def narrative_docx(out: Path) -> Path:
    import docx

    d = docx.Document()
    for text in ("UBND QUẬN BA ĐÌNH", "BÁO CÁO Sơ kết thực hiện Quyết định số 07/2016/QĐ-UBND",
                 "I. ĐẶC ĐIỂM TÌNH HÌNH", "Quận có 14 phường.", "III. KIẾN NGHỊ, ĐỀ XUẤT",
                 "Đề nghị Thành phố đầu tư phần mềm một cửa liên thông."):
        d.add_paragraph(text)
    d.save(out)
    return out


@pytest.fixture()
def raw(tmp_path):
    """A folder as the Sở Nội vụ receives it: tables in every format, reports, and all kinds of bad files."""
    raw = tmp_path / "raw"
    (raw / "so-nganh").mkdir(parents=True)
    (raw / "nganh-doc").mkdir()
    (raw / "quan-huyen" / "ba-dinh").mkdir(parents=True)
    write_sample("I", raw / "so-nganh" / "PL1 So NN&PTNT.xlsx")
    write_sample("II", tmp_path / "pl2.xlsx")
    convert(tmp_path / "pl2.xlsx", raw / "nganh-doc" / "PL2 Cuc Thue.xls")
    submitter, units = sample("III")
    submitter["tthc_one_stop_pct"] = 95.0  # written as the fraction 0,95 in a %-formatted cell
    write_filled("III", tmp_path / "pl3.xlsx", submitter, units, variation=Variation(pct_as_fraction=True))
    convert(tmp_path / "pl3.xlsx", raw / "quan-huyen" / "ba-dinh" / "Phu luc III Ba Dinh.ods")
    (raw / "quan-huyen" / "ba-dinh" / "Bao cao Ba Dinh.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n")
    (raw / "quan-huyen" / "ba-dinh" / "anh bo phan mot cua.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    (raw / "manifest.json").write_text("[]", encoding="utf-8")
    (raw / "nhat-ky-nop-bao-cao.csv").write_text("unit_code,date\nS06,25/08/2017\n", encoding="utf-8")
    good = (raw / "so-nganh" / "PL1 So NN&PTNT.xlsx").read_bytes()
    (raw / "so-nganh" / "So Y te - gui lai.xlsx").write_bytes(good[: len(good) // 3])
    (raw / "so-nganh" / "So Cong Thuong.xls").write_bytes(b"not a workbook at all" * 10)
    encrypted_xlsx(raw / "so-nganh" / "So Tu phap (mat khau).xlsx")
    encrypted_xls(raw / "so-nganh" / "So Xay dung (mat khau).xls")
    entity_bomb(raw / "so-nganh" / "PL1 So NN&PTNT.xlsx", raw / "so-nganh" / "So Y te - ban nhap.xlsx")
    entity_bomb(raw / "quan-huyen" / "ba-dinh" / "Phu luc III Ba Dinh.ods",
                raw / "quan-huyen" / "Hoan Kiem - ban nhap.ods", member="content.xml")
    write_sample("I", raw / "so-nganh" / "too-big.xlsx")
    with open(raw / "so-nganh" / "too-big.xlsx", "ab") as f:  # padding after the zip: still opens, but large
        f.write(os.urandom(300_000))
    write_grid(raw / "so-nganh" / "Danh sach can bo.xlsx", {"DS": [["STT", "Họ và tên"], [1, "Nguyễn Thị Hà"]]})
    return raw


def test_the_worker_pool_reads_what_one_process_reads(raw, tmp_path, reg, monkeypatch):
    """A large ingest is read by worker processes that send each file's rows back by column (RowBlock): the
    tables and exports are those of the same folder read in one process."""
    from sketket.intake import ingest as ingest_module

    alone = ingest(raw, tmp_path / "one", reg, max_size_mb=0.2)
    monkeypatch.setattr(ingest_module, "_POOL_MIN_FILES", 1)
    pooled = ingest(raw, tmp_path / "pool", reg, max_size_mb=0.2)
    assert len(alone.appendix) > 0 and alone.appendix["dossiers_received"].notna().any()
    for name in ("appendix", "findings", "files", "sections"):
        pd.testing.assert_frame_equal(getattr(alone, name), getattr(pooled, name))
    for export in ("appendix.csv", "findings.csv", "files.csv"):
        assert (tmp_path / "one" / export).read_bytes() == (tmp_path / "pool" / export).read_bytes()
    # the frame (joined from the blocks) holds what the CSV lines (made apart, row by row) hold
    exported = pd.read_csv(tmp_path / "pool" / "appendix.csv", encoding="utf-8-sig", dtype={"unit_code": str})
    for col in ("tthc_total", "dossiers_received", "dossiers_overdue", "source_row"):
        assert list(exported[col].astype("Int64")) == list(pooled.appendix[col].astype("Int64")), col
    assert list(exported["on_time_pct"].round(6)) == list(pooled.appendix["on_time_pct"].astype(float).round(6))
    assert list(exported["unit_name"]) == list(pooled.appendix["unit_name"])


def _snapshot(folder: Path) -> dict[str, tuple[float, str]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in folder.rglob("*") if p.is_file()}


def test_every_file_is_accounted_for_with_a_reason(raw, tmp_path, reg):
    before = _snapshot(raw)
    res = ingest(raw, tmp_path / "out", reg, max_size_mb=0.2)
    assert _snapshot(raw) == before  # raw files never modified
    files = res.files.set_index("source_file")
    assert sorted(files.index) == sorted(before)
    status = files["status"].to_dict()
    assert status["so-nganh/PL1 So NN&PTNT.xlsx"] == "ingested"
    assert status["nganh-doc/PL2 Cuc Thue.xls"] == "ingested"
    assert status["quan-huyen/ba-dinh/Phu luc III Ba Dinh.ods"] == "ingested"
    assert files.loc["quan-huyen/ba-dinh/Phu luc III Ba Dinh.ods", "form"] == "III"
    assert files.loc["so-nganh/PL1 So NN&PTNT.xlsx", "unit_rows"] == 3
    for name in ("quan-huyen/ba-dinh/Bao cao Ba Dinh.pdf", "quan-huyen/ba-dinh/anh bo phan mot cua.jpg",
                 "manifest.json", "nhat-ky-nop-bao-cao.csv"):
        assert status[name] == "skipped" and files.loc[name, "reason"]
    assert files.loc["nhat-ky-nop-bao-cao.csv", "reason"] == "nhật ký nộp báo cáo, dùng cho theo dõi"
    rules = res.findings.set_index("source_file")["rule"].to_dict()
    expected = {
        "so-nganh/So Y te - gui lai.xlsx": "file_corrupt",
        "so-nganh/So Cong Thuong.xls": "file_foreign",  # a text file named .xls: said so
        "so-nganh/So Tu phap (mat khau).xlsx": "file_encrypted",
        "so-nganh/So Xay dung (mat khau).xls": "file_encrypted",
        "so-nganh/So Y te - ban nhap.xlsx": "unsafe_xml",
        "quan-huyen/Hoan Kiem - ban nhap.ods": "unsafe_xml",
        "so-nganh/too-big.xlsx": "file_too_large",
        "so-nganh/Danh sach can bo.xlsx": "no_table",
    }
    for name, rule in expected.items():
        assert status[name] == "rejected", name
        assert rules[name] == rule, name
        assert files.loc[name, "reason"] == res.findings.set_index("source_file").loc[name, "message"]
        assert files.loc[name, "errors"] == 1
    # its real size, though only the limit and a byte were read
    size = (raw / "so-nganh" / "too-big.xlsx").stat().st_size / 2**20
    assert files.loc["so-nganh/too-big.xlsx", "reason"].startswith(f"Tệp dung lượng {size:.1f}".replace(".", ","))
    assert "vượt giới hạn 0,2 MB" in files.loc["so-nganh/too-big.xlsx", "reason"]
    # only the bad files have findings: the tables themselves are consistent
    assert set(res.findings["source_file"]) == set(expected)


def test_output_files_and_columns_are_the_contract(raw, tmp_path):
    out = tmp_path / "out"
    assert cli.main(["ingest", str(raw), "--out", str(out)]) == 0
    for name, cols in (("appendix.csv", APPENDIX_COLUMNS), ("findings.csv", FINDING_COLUMNS),
                       ("files.csv", FILES_COLUMNS), ("sections.csv", SECTION_COLUMNS)):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
        assert list(pd.read_csv(out / name, encoding="utf-8-sig").columns) == list(cols), name
    assert list(pd.read_parquet(out / "appendix.parquet").columns) == list(APPENDIX_COLUMNS)
    assert list(pd.read_parquet(out / "findings.parquet").columns) == list(FINDING_COLUMNS)
    design = (Path(__file__).parents[1] / ".." / "shared" / "DESIGN.md")
    if design.exists():  # the columns DESIGN.md names are all there
        for col in ("form", "tier", "unit_code", "parent_name", "derived", "source_file", "source_sheet",
                    "source_row"):
            assert f"`{col}`" in design.read_text(encoding="utf-8")


def test_usage_errors_exit_2(tmp_path):
    assert cli.main(["ingest", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 2
    with pytest.raises(SystemExit) as exc:
        cli.main(["ingest", str(tmp_path)])  # --out missing
    assert exc.value.code == 2
    assert not (tmp_path / "out").exists()


def test_appendix_rows_rates_derived_and_reported(raw, tmp_path, reg):
    app = ingest(raw, tmp_path / "out", reg).appendix.set_index("unit_name")
    a = app.loc["Sở Nông nghiệp và Phát triển nông thôn"]
    assert (a["form"], a["tier"], a["unit_code"], a["parent_name"]) == ("I", "so", "S06", "")
    assert a["dossiers_received"] == 1250 and a["dossiers_on_time"] == 1220
    assert a["on_time_pct"] == pytest.approx(100 * 1220 / 1250)
    assert a["tthc_one_stop_pct"] == pytest.approx(95.0)
    assert pd.isna(a["tthc_one_stop_pct_reported"])  # a formula no program calculated: recomputed
    assert a["source_sheet"] == "Phụ lục I" and a["source_row"] == 10
    sub = app.loc["Chi cục Thú y"]
    assert (sub["tier"], sub["unit_code"], sub["parent_name"]) == ("chi_cuc", "S06.01",
                                                                  "Sở Nông nghiệp và Phát triển nông thôn")
    # Phụ lục III: on-time derived; its %-formatted fraction read as 95,0
    d = app.loc["Quận Ba Đình"]
    assert (d["form"], d["tier"], d["unit_code"]) == ("III", "huyen", "001")
    assert d["dossiers_on_time"] == 1220 and d["derived"] == "dossiers_on_time"
    assert d["tthc_one_stop_pct_reported"] == pytest.approx(95.0)
    assert d["source_file"] == "quan-huyen/ba-dinh/Phu luc III Ba Dinh.ods"
    ward = app.loc["Phường Phúc Xá"]
    assert (ward["tier"], ward["unit_code"], ward["dossiers_on_time"]) == ("xa", "00001", 396)
    assert app.loc["Chi cục Thuế quận Ba Đình", "unit_code"] == "N01.001"
    assert app["dossiers_received"].dtype == "Int64"


def test_formulas_without_cached_values_are_recomputed(tmp_path, reg):
    # The writer (openpyxl) leaves percentages, row B and Tổng cộng as formulas no program has calculated.
    raw = tmp_path / "raw"
    raw.mkdir()
    m = write_sample("II", raw / "pl2.xlsx")
    cached = openpyxl.load_workbook(raw / "pl2.xlsx", data_only=True)[m.sheet]
    formulas = openpyxl.load_workbook(raw / "pl2.xlsx")[m.sheet]
    for col, row in (("tthc_one_stop_pct", m.row_a), ("dossiers_received", m.row_b),
                     ("dossiers_received", m.total_row)):
        assert str(formulas[m.cell(col, row)].value).startswith("=")
        assert cached[m.cell(col, row)].value is None
    res = ingest(raw, tmp_path / "out", reg)
    assert res.findings.empty
    app = res.appendix.set_index("unit_name")
    assert app.loc["Chi cục Thuế quận Hoàn Kiếm", "tthc_one_stop_pct"] == pytest.approx(100 * 85 / 90)
    assert app.loc["Chi cục Thuế quận Hoàn Kiếm", "on_time_pct"] == pytest.approx(100.0)
    assert app["tthc_one_stop_pct_reported"].isna().all()


def test_count_formulas_without_cached_values_are_evaluated(tmp_path, reg):
    # A unit types on-time as =received-overdue; no program calculated it (calamine reads it empty).
    raw = tmp_path / "raw"
    raw.mkdir()
    m = write_sample("II", raw / "pl2.xlsx")
    wb = openpyxl.load_workbook(raw / "pl2.xlsx")
    ws = wb[m.sheet]
    for row in (m.row_a, m.unit_rows[0]):
        ws[m.cell("dossiers_on_time", row)] = (
            f"={m.cell('dossiers_received', row)}-{m.cell('dossiers_overdue', row)}")
    ws[m.cell("dossiers_overdue", m.unit_rows[1])] = f"={m.cell('dossiers_received', m.unit_rows[1])}*2"
    wb.save(raw / "pl2.xlsx")
    res = ingest(raw, tmp_path / "out", reg)
    app = res.appendix.set_index("source_row")
    for row in (m.row_a, m.unit_rows[0]):
        unit = app.loc[row]
        assert unit["dossiers_on_time"] > 0
        assert unit["dossiers_on_time"] == unit["dossiers_received"] - unit["dossiers_overdue"]
    # an evaluated count is checked like a typed one: overdue = 2 × received breaks the sum
    bad = app.loc[m.unit_rows[1]]
    assert bad["dossiers_overdue"] == 2 * bad["dossiers_received"]
    assert "sum_mismatch" in set(res.findings["rule"])
    assert not res.findings["rule"].isin(["required_missing"]).any()


def test_same_unit_in_two_files_keeps_the_newer(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("I")
    write_filled("I", raw / "PL1 - gui lan 1.xlsx", {**submitter, "dossiers_received": 1257,
                                                     "dossiers_on_time": 1227}, units)
    write_filled("I", raw / "PL1 - gui lan 2.xlsx", submitter, units)
    os.utime(raw / "PL1 - gui lan 1.xlsx", (1_503_000_000, 1_503_000_000))  # 17/08/2017
    os.utime(raw / "PL1 - gui lan 2.xlsx", (1_503_900_000, 1_503_900_000))  # 28/08/2017
    res = ingest(raw, tmp_path / "out", reg)
    files = res.files.set_index("source_file")
    assert files.loc["PL1 - gui lan 2.xlsx", "status"] == "ingested"
    assert files.loc["PL1 - gui lan 1.xlsx", "status"] == "skipped"
    assert "PL1 - gui lan 2.xlsx" in files.loc["PL1 - gui lan 1.xlsx", "reason"]
    f = res.findings.iloc[0]
    assert len(res.findings) == 1
    assert (f["rule"], f["severity"], f["source_file"], f["cell"]) == ("duplicate_unit", "warning",
                                                                       "PL1 - gui lan 1.xlsx", "")
    assert "PL1 - gui lan 1.xlsx" in f["message"] and "PL1 - gui lan 2.xlsx" in f["message"]
    assert "28/08/2017" in f["message"]
    assert res.appendix["source_file"].eq("PL1 - gui lan 2.xlsx").all()
    assert res.appendix.loc[res.appendix.tier == "so", "dossiers_received"].tolist() == [1250]


def test_a_table_saved_under_another_units_name_replaces_nothing(tmp_path, reg):
    """Ba Đình's table saved as "… Long Biên (bổ sung)", newer than Ba Đình's own file, does not silently take
    its place: both are read, the unit's rows twice are an error, and the file's name is said to name another."""
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("III")
    write_filled("III", raw / "PL3 Ba Dinh.xlsx", submitter, units)
    write_filled("III", raw / "PL3 - UBND quan Long Bien (bo sung).xlsx",
                 {**submitter, "dossiers_received": 1300, "dossiers_overdue": 80}, units)
    os.utime(raw / "PL3 Ba Dinh.xlsx", (1_503_000_000, 1_503_000_000))
    res = ingest(raw, tmp_path / "out", reg)
    assert res.files["status"].tolist() == ["ingested", "ingested"]
    f = res.findings
    named = f[f["rule"] == "file_named_other_unit"]
    assert named["source_file"].tolist() == ["PL3 - UBND quan Long Bien (bo sung).xlsx"]
    assert "mang tên Quận Long Biên nhưng chứa biểu của Quận Ba Đình" in named["message"].iloc[0]
    assert set(f.loc[f["rule"] == "duplicate_row", "source_file"]) == set(res.files["source_file"])
    assert (f.loc[f["rule"] == "duplicate_row", "severity"] == "error").all()


def test_a_resend_of_one_row_says_which_units_lose_their_figures(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("III")
    write_filled("III", raw / "PL3 Ba Dinh.xlsx", submitter, units)
    write_filled("III", raw / "PL3 Ba Dinh (sua).xlsx", {**submitter, **figures("III", 400, 4)}, units[:1])
    os.utime(raw / "PL3 Ba Dinh.xlsx", (1_503_000_000, 1_503_000_000))
    res = ingest(raw, tmp_path / "out", reg)
    f = res.findings.set_index("rule").loc["duplicate_unit"]
    assert f["source_file"] == "PL3 Ba Dinh.xlsx"
    assert f["message"].endswith("Tệp mới không có số liệu của 1 đơn vị có trong tệp cũ (Phường Trúc Bạch): số "
                                 "liệu của các đơn vị này không còn được tính; cần gửi lại biểu đủ các đơn vị.")


def test_a_corrupt_resend_is_said_on_the_table_whose_figures_are_used(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_sample("III", raw / "PL3 Ba Dinh.xlsx")
    whole = (raw / "PL3 Ba Dinh.xlsx").read_bytes()
    (raw / "PL3_Ba Dinh - gui lai.xlsx").write_bytes(whole[: len(whole) * 2 // 3])
    os.utime(raw / "PL3 Ba Dinh.xlsx", (1_503_000_000, 1_503_000_000))  # 17/08/2017, before the resend
    res = ingest(raw, tmp_path / "out", reg)
    files = res.files.set_index("source_file")["status"]
    assert files.to_dict() == {"PL3 Ba Dinh.xlsx": "ingested", "PL3_Ba Dinh - gui lai.xlsx": "rejected"}
    said = res.findings[res.findings["rule"] == "resend_unreadable"]
    assert said[["source_file", "unit_name", "severity"]].values.tolist() == [
        ["PL3 Ba Dinh.xlsx", "Quận Ba Đình", "warning"]]
    message = said["message"].iloc[0]
    assert message.startswith("Tệp \"PL3_Ba Dinh - gui lai.xlsx\" (gửi sau, có thể là biểu gửi lại của Quận Ba "
                              "Đình) không đọc được: Tệp hỏng")
    assert message.endswith("Đang dùng số liệu của tệp PL3 Ba Dinh.xlsx (sửa lúc "
                            f"{dt.datetime.fromtimestamp(1_503_000_000):%H:%M} ngày 17/08/2017).")


def test_text_from_submissions_cannot_run_as_a_formula_in_excel(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("I")
    units[0]["unit_name"] = '=HYPERLINK("http://x","Chi cục")'
    write_filled("I", raw / "pl1.xlsx", submitter, units)
    out = tmp_path / "out"
    ingest(raw, out, reg)
    csv = pd.read_csv(out / "appendix.csv", encoding="utf-8-sig")
    assert csv["unit_name"].str.startswith("=").sum() == 0
    assert "'=HYPERLINK" in set(csv["unit_name"].str[:11])
    assert pd.read_parquet(out / "appendix.parquet")["unit_name"].str.startswith("=").sum() == 1


def test_narrative_reports_go_to_sections(tmp_path, reg):
    raw = tmp_path / "raw"
    raw.mkdir()
    narrative_docx(raw / "Bao cao so ket - Ba Dinh.docx")
    res = ingest(raw, tmp_path / "out", reg)
    row = res.files.iloc[0]
    assert (row["status"], row["form"]) == ("ingested", "")
    assert set(res.sections["source_file"]) == {"Bao cao so ket - Ba Dinh.docx"}
    assert "I" in set(res.sections["section"])
    assert "phần mềm một cửa" in " ".join(res.sections["text"])


def test_validate_prints_findings_and_exits_1_on_errors(tmp_path, capsys):
    good = write_sample("III", tmp_path / "good.xlsx") and tmp_path / "good.xlsx"
    assert cli.main(["validate", str(good)]) == 0
    assert "Không phát hiện lỗi." in capsys.readouterr().out
    submitter, units = sample("III")
    units[0]["dossiers_overdue"] = 401
    m = write_filled("III", tmp_path / "bad.xlsx", submitter, units)
    assert cli.main(["validate", str(good), str(tmp_path / "bad.xlsx")]) == 1
    out = capsys.readouterr().out
    assert f"[LỖI] {m.sheet}!{m.cell('dossiers_received', m.unit_rows[0])} – {UNITS['III'][1][0]}" in out
    assert "quá hạn (401) lớn hơn tổng số hồ sơ đã nhận (400)" in out
    assert cli.main(["validate", str(tmp_path / "none.xlsx")]) == 2


@pytest.mark.parametrize("sep", [b"<?pi <root> ?>", b"<!-- <root/> " + b"x" * 20000 + b" -->"])
def test_doctype_after_long_prolog_markup_is_caught(tmp_path, sep):
    from sketket.intake.screen import screen
    path = tmp_path / "prolog.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", b'<?xml version="1.0"?>' + sep * 3 + b'<!DOCTYPE w [<!ENTITY a "b">]><w/>')
    assert screen(path, 2**20) == ("unsafe_xml", {"member": "xl/workbook.xml"})


def test_a_utf16_xml_part_is_refused_not_scanned(tmp_path):
    from sketket.intake.screen import screen

    path = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE w [<!ENTITY a "b">]><w/>'
                    .encode("utf-16"))
    assert screen(path, 2**20) == ("unsafe_xml", {"member": "xl/workbook.xml"})


def test_validate_prints_the_first_findings_and_counts_the_rest(tmp_path, capsys):
    """A file with thousands of findings (not a unit's table) does not flood the screen; --all prints them."""
    submitter, units = sample("III")
    units = [{**units[0], "unit_name": f"Xã Không Có {k}", "dossiers_overdue": 401} for k in range(40)]
    write_filled("III", tmp_path / "many.xlsx", submitter, units)
    assert cli.main(["validate", str(tmp_path / "many.xlsx")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("  [") for line in out) == 50
    assert out[-1].startswith("  … và ") and "sketket validate --all" in out[-1]
    assert cli.main(["validate", "--all", str(tmp_path / "many.xlsx")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("  [") for line in out) > 50 and not any("… và" in line for line in out)


def test_a_unit_on_two_rows_is_counted_in_nothing_until_one_row_is_left(tmp_path):
    """A commune's name typed on two rows, or the table filled again on a second sheet: an error at every row
    of that unit (its name cell), and its figures await correction instead of being added twice."""
    from sketket.analysis.indicators import unit_table

    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("III")
    units[1] = {**units[1], "unit_name": units[0]["unit_name"]}  # the second commune retyped as the first
    write_filled("III", raw / "pl3.xlsx", submitter, units)
    result = ingest(raw, tmp_path / "out")
    repeated = result.findings[result.findings["rule"] == "duplicate_row"]
    rows = result.appendix[result.appendix["unit_name"] == units[0]["unit_name"]]["source_row"].tolist()
    assert len(rows) == 2 and repeated["severity"].tolist() == ["error", "error"]
    assert repeated["cell"].tolist() == [f"B{r}" for r in rows]
    assert f"có 2 dòng số liệu (pl3.xlsx, trang {repeated['sheet'].iloc[0]}, dòng {rows[0]}; " in repeated[
        "message"].iloc[0]
    assert cli.main(["validate", str(raw / "pl3.xlsx")]) == 1  # the sender sees it before sending
    status = unit_table(result.appendix, load_registry(), findings=result.findings).set_index("source_row")
    assert status.loc[rows, "data_status"].tolist() == ["awaiting_correction"] * 2

    # the same table on two sheets of one file: every unit of it twice
    wb = openpyxl.load_workbook(raw / "pl3.xlsx")
    wb.copy_worksheet(wb.worksheets[0]).title = "Phụ lục III (sửa)"
    wb.save(raw / "pl3.xlsx")
    again = ingest(raw, tmp_path / "out2")
    codes = again.appendix[again.appendix["unit_code"] != ""]["unit_code"]
    flagged = again.findings[again.findings["rule"] == "duplicate_row"]
    assert len(flagged) == len(codes) and codes.duplicated(keep=False).all()


@pytest.mark.parametrize(("subtotal", "total"), [("Cấp xã (2 phường)", "Tổng số toàn quận"),
                                                 ("Các xã, phường", "Cộng toàn quận"), ("Cấp xã", "Toàn quận")])
def test_subtotal_and_total_rows_typed_without_their_letter_are_not_units(tmp_path, subtotal, total):
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, units = sample("III")
    sums = {k: units[0][k] + units[1][k] for k in ("tthc_total", "tthc_one_stop", "dossiers_received",
                                                     "dossiers_overdue")}
    write_filled("III", raw / "pl3.xlsx", submitter, units, subtotal={"unit_name": subtotal, **sums},
                 total={"unit_name": total})
    wb = openpyxl.load_workbook(raw / "pl3.xlsx")
    ws = wb.worksheets[0]
    for row in ws.iter_rows():
        if row[0].value in ("B", "") or row[1].value == total:
            row[0].value = None  # the letters B and the total's left out, as typed by hand
    wb.save(raw / "pl3.xlsx")
    result = ingest(raw, tmp_path / "out")
    assert sorted(result.appendix["unit_name"]) == sorted([submitter["unit_name"], *(u["unit_name"] for u in units)])
    assert result.appendix["dossiers_received"].sum() == submitter["dossiers_received"] + sums["dossiers_received"]
    assert not (result.findings["rule"] == "unit_unmatched").any()


def test_a_table_saved_as_csv_is_read_and_a_csv_of_anything_else_skipped(tmp_path):
    import csv

    raw = tmp_path / "raw"
    raw.mkdir()
    m = write_sample("III", tmp_path / "pl3.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "pl3.xlsx")[m.sheet]
    with open(raw / "Phu luc III Ba Dinh.csv", "w", newline="", encoding="utf-8") as f:  # as LibreOffice saves it
        csv.writer(f).writerows([["" if v is None or (isinstance(v, str) and v.startswith("=")) else v for v in row]
                                 for row in ws.iter_rows(values_only=True)])
    (raw / "danh-ba.csv").write_text("họ tên,điện thoại\nAn,0912\n", encoding="utf-8")
    (raw / "lon.csv").write_bytes(b"a,b\n" + b"1,2\n" * 400_000)  # over the size bound: skipped, not rejected
    result = ingest(raw, tmp_path / "out")
    files = result.files.set_index("source_file")
    assert files.loc["Phu luc III Ba Dinh.csv", "status"] == "ingested"
    assert files.loc["danh-ba.csv", "status"] == "skipped"
    assert len(result.appendix) == 3
    big = ingest(raw, tmp_path / "out-small", max_size_mb=1).files.set_index("source_file")
    assert big.loc["lon.csv", "status"] == "skipped"
    # validate: a file it could not check as a table is never "no error"
    (tmp_path / "bao-cao.pdf").write_bytes(b"%PDF-1.4\n")
    assert cli.main(["validate", str(raw / "Phu luc III Ba Dinh.csv")]) == 0
    assert cli.main(["validate", str(raw / "danh-ba.csv")]) == 1
    assert cli.main(["validate", str(tmp_path / "bao-cao.pdf")]) == 1


def test_a_misspelt_commune_is_the_one_unit_of_its_district_without_a_row(tmp_path, reg):
    """"Phường Trúc Bạchh" beside Phường Phúc Xá read as one unit too many while Phường Trúc Bạch read as
    missing: the name close to the one registry unit of the district without a row is that unit, with a note.
    A name close to a unit that has its own row stays unknown."""
    raw = tmp_path / "raw"
    raw.mkdir()
    submitter, (unit, _) = sample("III")
    wards = [{**unit, "unit_name": n} for n in reg.children("001")["name_with_type"]]  # every ward of Ba Đình
    typo = next(i for i, w in enumerate(wards) if w["unit_name"] == "Phường Trúc Bạch")
    wards[typo]["unit_name"] = "Phường Trúc Bạchh"
    write_filled("III", raw / "ba-dinh.xlsx", {**submitter, **figures("III", 400 * len(wards), 4 * len(wards))},
                 wards)
    twice = [unit, {**unit, "unit_name": "Phường Phúc Xáá"}]
    write_filled("III", raw / "ba-dinh-2.xlsx", {**submitter, "unit_name": "Quận Hoàn Kiếm"}, twice)
    res = ingest(raw, tmp_path / "out", reg)
    app = res.appendix.set_index(["source_file", "unit_name"])
    assert app.loc[("ba-dinh.xlsx", "Phường Trúc Bạchh"), "unit_code"] == "00004"
    f = res.findings
    said = f[f["rule"] == "unit_name_corrected"]
    assert said[["source_file", "severity", "value"]].values.tolist() == [["ba-dinh.xlsx", "warning",
                                                                          "Phường Trúc Bạchh"]]
    assert "đã hiểu là Phường Trúc Bạch, đơn vị duy nhất của Quận Ba Đình" in said["message"].iloc[0]
    # Hoàn Kiếm's table: "Phường Phúc Xáá" is close to no unit of Hoàn Kiếm without a row (Phúc Xá is Ba Đình's)
    assert app.loc[("ba-dinh-2.xlsx", "Phường Phúc Xáá"), "unit_code"] == ""


def test_a_commune_sending_its_own_phu_luc_iii_is_that_commune_not_an_unknown_district(tmp_path):
    """A commune that sends its own Phụ lục III (row A "UBND xã Bắc Sơn", no row of sub-units) was an unknown
    district: added to the districts' totals and ranked among them. It is the commune, under its district,
    and said so."""
    raw = tmp_path / "raw"
    raw.mkdir()
    write_filled("III", raw / "xa-bac-son.xlsx", {"unit_name": "UBND xã Bắc Sơn", **figures("III", 1234, 18)}, [])
    result = ingest(raw, tmp_path / "out")
    row = result.appendix.iloc[0]
    assert (row["tier"], row["unit_code"], row["parent_name"]) == ("xa", "00379", "Huyện Sóc Sơn")
    assert int(row["dossiers_received"]) == 1234
    f = result.findings.set_index("rule")
    assert "unit_unmatched" not in f.index
    said = f.loc["sub_unit_own_table"]
    assert said["severity"] == "warning" and said["cell"].startswith("B")
    assert said["message"].startswith('Biểu do Xã Bắc Sơn (thuộc Huyện Sóc Sơn) tự gửi (dòng A ghi "UBND xã Bắc Sơn"): '
                                      "số liệu được tính là của Xã Bắc Sơn, ở nhóm xã, phường, thị trấn")
    # a commune named like a district is the commune when its kind says so ("xã", "thị trấn"), never the
    # district: Xã Thanh Xuân (Sóc Sơn), not Quận Thanh Xuân; Thị trấn Đông Anh, not Huyện Đông Anh
    for typed, code, parent in (("UBND xã Thanh Xuân", "00433", "Huyện Sóc Sơn"),
                                ("UBND thị trấn Đông Anh", "00454", "Huyện Đông Anh")):
        folder = tmp_path / f"raw-{code}"
        folder.mkdir()
        write_filled("III", folder / "bieu.xlsx", {"unit_name": typed, **figures("III", 50, 1)}, [])
        row = ingest(folder, tmp_path / f"out-{code}").appendix.iloc[0]
        assert (row["tier"], row["unit_code"], row["parent_name"]) == ("xa", code, parent), typed
    # a kind no unit of that name has: unknown, never the district of the name ("Phường Thanh Xuân")
    folder = tmp_path / "raw-phuong"
    folder.mkdir()
    write_filled("III", folder / "bieu.xlsx", {"unit_name": "UBND phường Thanh Xuân", **figures("III", 50, 1)}, [])
    wrong = ingest(folder, tmp_path / "out-phuong")
    assert wrong.appendix.iloc[0]["unit_code"] == "" and "unit_unmatched" in set(wrong.findings["rule"])
    # a district typed with its kind stays the district
    folder = tmp_path / "raw-quan"
    folder.mkdir()
    write_filled("III", folder / "bieu.xlsx", {"unit_name": "UBND quận Thanh Xuân", **figures("III", 50, 1)}, [])
    assert ingest(folder, tmp_path / "out-quan").appendix.iloc[0]["unit_code"] == "009"
    # a district's kind mistyped is still that district (no two districts share a name): Thị xã Sơn Tây
    folder = tmp_path / "raw-son-tay"
    folder.mkdir()
    write_filled("III", folder / "bieu.xlsx", {"unit_name": "UBND huyện Sơn Tây", **figures("III", 50, 1)}, [])
    assert ingest(folder, tmp_path / "out-son-tay").appendix.iloc[0]["unit_code"] == "269"
    # a name no commune bears alone stays an unknown submitter, as before
    (raw / "xa-bac-son.xlsx").unlink()
    write_filled("III", raw / "x.xlsx", {"unit_name": "UBND xã Liên Hà", **figures("III", 10, 0)}, [])
    again = ingest(raw, tmp_path / "out2")
    assert again.appendix.iloc[0]["unit_code"] == "" and again.appendix.iloc[0]["tier"] == "huyen"


def test_a_communes_own_table_named_after_its_district_is_replaced_by_its_resend(tmp_path):
    """'Soc Son - xa Bac Son (sua lai).xlsx' names Huyện Sóc Sơn, the commune's district: it was 'named after
    another unit', so it replaced nothing and both of Bắc Sơn's rows awaited correction as duplicates."""
    raw = tmp_path / "raw"
    raw.mkdir()
    first, later = raw / "xa Bac Son.xlsx", raw / "Soc Son - xa Bac Son (sua lai).xlsx"
    write_filled("III", first, {"unit_name": "UBND xã Bắc Sơn", **figures("III", 100, 9)}, [])
    write_filled("III", later, {"unit_name": "UBND xã Bắc Sơn", **figures("III", 100, 2)}, [])
    os.utime(first, (1_504_000_000, 1_504_000_000))
    os.utime(later, (1_504_300_000, 1_504_300_000))
    result = ingest(raw, tmp_path / "out")
    assert list(result.appendix["source_file"]) == [later.name]
    assert int(result.appendix.iloc[0]["dossiers_overdue"]) == 2
    rules = set(result.findings["rule"])
    assert "duplicate_unit" in rules and not rules & {"file_named_other_unit", "duplicate_row"}
