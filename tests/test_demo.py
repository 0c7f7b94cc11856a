"""The demo city: coverage of the registry, determinism, the manifest, the log, the reports, and the
agreement between the planted faults and what the validator finds."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document

from sketket.analysis.nominations import check_nominations
from sketket.clean import format_int, parse_number
from sketket.config import Plan, load_yaml
from sketket.demo.generate import (
    CELL_FAULTS,
    FILE_FAULTS,
    LOG_COLUMNS,
    LOG_FILE,
    MANIFEST,
    README,
    VARIATIONS,
    VARIATIONS_FILE,
    _compound_file,
    ascii_name,
    district_label,
    draw_figures,
    freeze,
    misspell,
    write_demo,
)
from sketket.dimensions import FORM_TIERS, TIERS
from sketket.intake.reader import SPREADSHEET_SUFFIXES, expected_pct, read_table
from sketket.intake.validate import check_table, match_rows
from sketket.outputs.writer import NOTES_SHEET
from sketket.registry import Registry, load_registry

A1 = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
# The award nominations' checks (config/nominations.yml): planted in the demo, found after ingest.
NOMINATION_CHECKS = {f"nomination_{rule}": {**spec, "cell": "value"}
                     for rule, spec in load_yaml("nominations.yml")["rules"].items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, list[dict[str, str]]]:
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo(out, seed=2017)


def _tables(out: Path):
    registry = load_registry()
    for path in sorted(out.rglob("*")):
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            continue
        try:
            yield path, read_table(path, registry)
        except Exception:  # the planted unreadable files; the manifest test checks them
            continue


def _key(entry: dict[str, str]) -> tuple[str, str, str, str, str]:
    return entry["source_file"], entry["sheet"], entry["cell"], entry["rule"], entry["severity"]


def test_every_registry_unit_of_every_tier_is_in_a_table(demo):
    out, manifest = demo
    registry = load_registry()
    seen: set[str] = set()
    for _path, table in _tables(out):
        matches = match_rows(table, registry)
        seen |= {m.code for i, m in matches.items() if i >= 0 and m.matched}
    all_codes = set(registry.units["code"])
    # the planted misspellings are understood as the one unit of their table without a row of its own
    assert len([e for e in manifest if e["rule"] == "unit_name_corrected"]) >= 1
    assert all_codes == seen
    assert {registry.unit(c)["tier"] for c in seen} == set(TIERS)


def test_two_runs_with_one_seed_are_byte_identical(demo, tmp_path):
    out, manifest = demo
    again = write_demo(tmp_path, seed=2017)
    assert again == manifest
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    different = [f for f in files if (out / f).read_bytes() != (tmp_path / f).read_bytes()]
    assert different == []


def test_figures_are_consistent_and_land_units_run_later():
    cfg = load_yaml("demo.yml")
    land, other = [], []
    for k in range(300):
        for name, bucket in (("Sở Tài nguyên và Môi trường", land), ("Sở Tư pháp", other)):
            f = draw_figures("so", name, random.Random(f"{k}:{name}"), cfg)
            assert f["dossiers_on_time"] + f["dossiers_overdue"] == f["dossiers_received"]
            assert f["tthc_one_stop"] <= f["tthc_total"] and f["online_services_l34"] <= f["tthc_total"]
            assert 2000 <= f["dossiers_received"] <= 450000
            bucket.append(f["dossiers_on_time"] / f["dossiers_received"])
    assert sorted(other)[150] > 0.97  # the median unit resolves most dossiers on time
    assert sum(land) / len(land) < sum(other) / len(other)


def test_manifest_is_well_formed_and_plants_every_rule(demo):
    out, manifest = demo
    on_disk = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert on_disk == manifest
    rules = {**load_yaml("rules.yml")["rules"], **NOMINATION_CHECKS}
    for e in manifest:
        assert set(e) == {"source_file", "sheet", "cell", "rule", "severity"}
        assert "\\" not in e["source_file"] and not e["source_file"].startswith("/")
        assert (out / e["source_file"]).is_file()
        assert e["rule"] in rules
        if e["rule"] == "pct_mismatch":
            assert e["severity"] in ("warning", "error")
        else:
            assert e["severity"] == rules[e["rule"]]["severity"]
        if rules[e["rule"]]["cell"] == "file":
            assert e["cell"] == e["sheet"] == ""
        else:
            assert A1.match(e["cell"]) and e["sheet"]
    planted = {(e["rule"], e["severity"]) for e in manifest}
    assert set(CELL_FAULTS) <= planted
    assert {r for r, _ in planted} >= {*FILE_FAULTS, "duplicate_unit"}
    # About one table in ten carries cell faults.
    tables = [p for p in out.rglob("*") if p.suffix in SPREADSHEET_SUFFIXES]
    faulty = {e["source_file"] for e in manifest if e["cell"]}
    assert 0.05 <= len(faulty) / len(tables) <= 0.2


def test_planted_cells_hold_the_planted_values(demo):
    out, manifest = demo
    for e in manifest:
        if not e["cell"] or not e["source_file"].endswith(".xlsx"):
            continue
        ws = openpyxl.load_workbook(out / e["source_file"])[e["sheet"]]
        value = ws[e["cell"]].value
        if e["rule"] == "negative_count":
            assert value < 0
        elif e["rule"] == "fractional_count":
            assert value % 1 == 0.5
        elif e["rule"] == "not_a_number":
            assert isinstance(value, str) and not re.search(r"^\d", value)
        elif e["rule"] in ("required_missing", "area_missing"):
            assert value is None
        elif e["rule"] == "unit_name_inferred":
            assert value in ("Sở", "Đặt tại Thành phố", "Cấp huyện")


def test_validator_reports_exactly_the_planted_cell_faults(demo):
    out, manifest = demo
    registry = load_registry()
    found = set()
    for path, table in _tables(out):
        rel = path.relative_to(out).as_posix()
        found |= {(f.source_file, f.sheet, f.cell, f.rule, f.severity) for f in check_table(table, rel, registry)}
    assert found == {_key(e) for e in manifest if e["cell"] and not e["rule"].startswith("nomination_")}


def test_ingest_finds_every_planted_fault_and_nothing_else(demo, tmp_path):
    from sketket.intake import ingest

    out, manifest = demo
    result = ingest.ingest(out, tmp_path / "processed")
    findings = result.findings
    found = {tuple(r) for r in findings[["source_file", "sheet", "cell", "rule", "severity"]]
             .fillna("").astype(str).itertuples(index=False)}
    expected = {_key(e) for e in manifest if e["rule"] not in NOMINATION_CHECKS}
    assert expected - found == set()
    assert found - expected == set()
    # the nominations' planted violations are found by their checks, and nothing else
    checks, problems = check_nominations(result.nominations)
    assert {tuple(r) for r in problems[["source_file", "sheet", "cell", "rule", "severity"]].itertuples(index=False)} == {
        _key(e) for e in manifest if e["rule"] in NOMINATION_CHECKS}
    assert result.files[result.files["form"] == "khen-thuong"]["status"].eq("ingested").sum() == 6


def test_submission_log(demo):
    out, _ = demo
    with (out / LOG_FILE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == LOG_COLUMNS
    deadline = Plan.load().report_deadline
    dates = [dt.datetime.strptime(r["date"], "%d/%m/%Y").date() for r in rows]
    late = sum(d > deadline for d in dates)
    assert 0 < late < len(rows) / 3
    assert {r["document"] for r in rows} == {"phu_luc", "bao_cao", "bao_cao_nhiem_vu"}
    assert {r["channel"] for r in rows} == {"giay", "dien_tu"}
    registry = load_registry()
    submitters = set(registry.expected_submitters()["code"])
    tables = {r["unit_code"] for r in rows if r["document"] == "phu_luc"}
    reports = {r["unit_code"] for r in rows if r["document"] == "bao_cao"}
    assert tables == submitters
    cfg = load_yaml("demo.yml")["log"]
    assert len(submitters - reports) == cfg["missing_reports"]
    tasks = [r for r in rows if r["document"] == "bao_cao_nhiem_vu" and r["channel"] == "dien_tu"]
    assert len(tasks) == 5 - cfg["missing_task_reports"]
    # Missing reports have no file either.
    report_files = [p for p in out.rglob("*") if p.suffix in (".docx", ".odt", ".txt") and p.name != README]
    assert len(report_files) == len(reports) + len(tasks)


def _docx_text(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_reports_follow_the_outline_and_repeat_the_table_figures(demo):
    out, _ = demo
    received = {}
    for _path, table in _tables(out):
        rows = [r for r in table.rows if r.kind in ("A", "unit")]
        received[table.submitter.upper()] = sum(r.values["dossiers_received"].value for r in rows)
    checked = 0
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".docx", ".txt") or path.name == README or "nhiem-vu" in path.parts:
            continue
        lines = _docx_text(path) if path.suffix == ".docx" else path.read_text(encoding="utf-8").splitlines()
        unit = next(line for line in lines[:3] if line.upper() in received)
        text = "\n".join(lines)
        assert format_int(received[unit]) in text
        assert "2956/UBND-NC" in text and "bưu chính công ích" in text and "thứ bảy" in text
        assert "Nguyên nhân:" in text
        checked += 1
    assert checked >= 50


def test_district_reports_and_tables_name_the_district():
    assert district_label("Quận Ba Đình") == "UBND quận Ba Đình"
    assert district_label("Thị xã Sơn Tây") == "UBND thị xã Sơn Tây"
    assert ascii_name("Sở Tư pháp – Đống Đa") == "So Tu phap – Dong Da"


def test_readme_says_illustrative(demo):
    out, _ = demo
    assert "Dữ liệu minh họa" in (out / README).read_text(encoding="utf-8")


def test_misspelt_names_are_unknown_to_the_registry():
    registry = load_registry()
    typo = misspell("Phường Phúc Xá", "xa", "001", registry)
    assert typo != "Phường Phúc Xá"
    assert not registry.match(typo, "xa", "001").matched
    assert registry.match(typo, "xa", "001").suggestions[0] == "Phường Phúc Xá"


def test_encrypted_file_is_an_ole_compound_file(tmp_path):
    data = _compound_file([("EncryptionInfo", bytes(4096)), ("EncryptedPackage", bytes(8192))])
    assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    assert len(data) == 512 * (1 + 1 + 1 + 8 + 16)
    assert "EncryptedPackage".encode("utf-16-le") in data


def test_freeze_stamps_zip_members(tmp_path):
    path = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    wb.save(path)
    freeze(path)
    first = path.read_bytes()
    wb.save(path)
    freeze(path)
    assert path.read_bytes() == first


def test_scale_copies_have_their_own_registry(tmp_path):
    small = load_registry()
    manifest = write_demo(tmp_path, seed=5, scale=2, registry=small)
    registry = Registry(pd.read_csv(tmp_path / "danh-muc-don-vi.csv", dtype=str, keep_default_na=False,
                                    encoding="utf-8-sig"))
    assert len(registry.units) == 2 * len(small.units)
    copies = [e for e in manifest if e["source_file"].startswith("ban-sao-02/")]
    assert {e["rule"] for e in copies} >= {r for r, _ in CELL_FAULTS}
    found = set()
    for path in sorted((tmp_path / "ban-sao-02").rglob("*")):
        if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
            continue
        rel = path.relative_to(tmp_path).as_posix()
        try:
            table = read_table(path, registry)
        except Exception:
            continue
        assert "(bản sao 2)" in table.submitter
        found |= {_key(f.as_dict()) for f in check_table(table, rel, registry)}
    assert found == {_key(e) for e in copies if e["cell"] and not e["rule"].startswith("nomination_")}


def _variations(out: Path) -> dict[str, list[str]]:
    return {e["source_file"]: e["variations"] for e in json.loads((out / VARIATIONS_FILE).read_text(encoding="utf-8"))}


def _text_figures(table) -> list[tuple[str, float, str, object]]:
    """(column, value read, expected rate or count, raw text) of every figure typed as text."""
    out = []
    for row in table.rows:
        for col, n in row.values.items():
            raw = row.raw.get(col)
            if isinstance(raw, str) and n.ok and n.value is not None:
                out.append((col, n.value, expected_pct(row.values, col) if col.endswith("_pct") else n.value, raw))
    return out


def test_clean_tables_carry_figures_typed_as_text_that_read_back_the_same(demo):
    out, manifest = demo
    listed = _variations(out)
    typed = sorted(f for f, names in listed.items() if "text_numbers" in names)
    assert len(typed) == load_yaml("demo.yml")["text_numbers"]["tables"]
    assert not set(typed) & {e["source_file"] for e in manifest}
    registry = load_registry()
    texts: list[str] = []
    for rel in typed:
        figures = _text_figures(read_table(out / rel, registry))
        assert len(figures) >= 10
        for col, value, expected, raw in figures:
            assert parse_number(raw).value == value
            if col.endswith("_pct"):
                assert raw.endswith("%") and abs(value - expected) <= 0.05
            else:
                assert value.is_integer() and value >= 0
        texts += [raw for *_, raw in figures]
    assert "-" in texts
    assert any("\u00a0" in t for t in texts) and any(re.fullmatch(r"\d{1,3}(\.\d{3})+", t) for t in texts)
    assert any(re.fullmatch(r"\d{1,2},\d%", t) for t in texts)
    # The other tables hold numbers: only the ones listed are typed by hand (planted not_a_number aside).
    faulty = {e["source_file"] for e in manifest if e["rule"] == "not_a_number"}
    for path, table in _tables(out):
        rel = path.relative_to(out).as_posix()
        if rel not in typed and rel not in faulty:
            assert _text_figures(table) == [], rel


def test_xlsm_tables_are_read_like_xlsx(demo):
    out, _ = demo
    listed = _variations(out)
    xlsm = sorted(p for p in out.rglob("*.xlsm"))
    assert len(xlsm) == load_yaml("demo.yml")["xlsm_tables"]
    registry = load_registry()
    for path in xlsm:
        assert "format_xlsm" in listed[path.relative_to(out).as_posix()]
        table = read_table(path, registry)
        assert registry.match(table.submitter, FORM_TIERS[table.form][0]).matched
        assert sum(r.kind == "unit" for r in table.rows) >= 1


def test_variations_json_lists_the_real_layout_of_every_table(demo):
    out, manifest = demo
    listed = _variations(out)
    assert listed and all(names and set(names) <= set(VARIATIONS) for names in listed.values())
    file_faults = {e["source_file"] for e in manifest if not e["cell"] and e["rule"] not in ("duplicate_unit", "resend_unreadable")}
    tables = [p for p in sorted(out.rglob("*")) if p.suffix in SPREADSHEET_SUFFIXES
              and p.relative_to(out).as_posix() not in file_faults]
    assert set(listed) <= {p.relative_to(out).as_posix() for p in tables}
    seen: set[str] = set()
    for path in tables:
        names = set(listed.get(path.relative_to(out).as_posix(), []))
        seen |= names
        assert {n for n in names if n.startswith("format_")} == (
            {f"format_{path.suffix[1:]}"} if path.suffix != ".xlsx" else set())
        if path.suffix not in (".xlsx", ".xlsm"):
            continue
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[-1]
        assert ("other_sheet" in names) == (wb.sheetnames[0] == NOTES_SHEET), path
        assert ("shifted_right" in names) == (ws["A1"].value is None), path
        assert ("shifted_down" in names) == any(c.value for c in ws[6]), path
        header = [str(c.value) for line in ws.iter_rows(max_row=20) for c in line if c.value]
        assert ("m2_superscript" in names) == any("(m²)" in h for h in header), path
    assert seen >= {"shifted_down", "shifted_right", "other_sheet", "text_numbers", "format_xlsm",
                    "format_xls", "format_ods", "no_number_row", "m2_superscript"}
    assert "variations.json" in (out / README).read_text(encoding="utf-8")


def test_the_demo_nominations_do_not_all_give_the_same_reason(demo):
    from sketket.intake.nominations import read_nominations

    out, _ = demo
    registry = load_registry()
    reasons = [r["reason"] for path in sorted(out.rglob("*khen*thuong*.xlsx"))
               if (got := read_nominations(path, path.name, registry)) is not None
               for r in got.rows if r["kind"] == "collective"]
    assert len(reasons) >= 5 and len(set(reasons)) >= 3
