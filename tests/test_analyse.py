import pandas as pd
import pytest
import yaml
from indicators_data import REGISTRY_ROWS, city_rows, finding, registry, unit, write_processed
from openpyxl import load_workbook

from sketket.analysis.analyse import analyse
from sketket.analysis.awards import load_awards_config
from sketket.cli import main
from sketket.context import RunContext
from sketket.layout import TOTAL_LABEL, columns

XUAN = "quan-xuan.xlsx"


def read_csv_table(path):
    """A CSV export as an Excel user or an outside check reads it: declared types from the catalog."""
    import pandas as pd

    from sketket.catalog import conform

    return conform(path.stem, pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))


def _registry_csv(folder):
    path = folder / "registry.csv"
    pd.DataFrame(REGISTRY_ROWS, columns=["code", "tier", "name", "parent_code"]).to_csv(
        path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture()
def processed(tmp_path):
    findings = [finding(XUAN, "Phường Hai", "sum_mismatch", message="=cmd|' /C calc'!A0"),
                finding("so-alpha.xlsx", "Sở Alpha", "area_missing", severity="warning")]
    return write_processed(tmp_path / "processed", findings=findings)


def test_analyse_writes_every_table(processed, tmp_path):
    result = analyse(RunContext.load(None, processed=processed, reports=tmp_path / "reports", registry=registry()))
    for name in ["indicators_units", "indicators_tiers", "indicators_districts", "indicators_parents",
                 "indicators_distribution", "completeness", "awards"]:
        assert (processed / f"{name}.csv").is_file() and (processed / f"{name}.parquet").is_file(), name
    units = read_csv_table(processed / "indicators_units.csv")
    assert len(units) == 9
    assert units.loc[units.unit_code == "00002", "rank_in_tier"].item() == 1
    tiers = read_csv_table(processed / "indicators_tiers.csv").set_index("tier")
    assert list(tiers.index) == ["so", "chi_cuc", "nganh_doc_tp", "nganh_doc_huyen", "huyen", "xa", "city"]
    assert tiers.loc["xa", "dossiers_received"] == 1060
    assert tiers.loc["city", "units_expected"] == 12
    assert tiers.loc["so", "on_time_rate"] == pytest.approx(100 * 6989 / 7000)
    parquet = pd.read_parquet(processed / "indicators_tiers.parquet").set_index("tier")
    assert parquet.loc["city", "units_reporting"] == 7  # the unmatched commune is not a registry unit
    assert (parquet.loc["city", "dossiers_on_time"]
            == sum(r["dossiers_on_time"] or 0 for r in city_rows()))
    awards = read_csv_table(processed / "awards.csv")
    assert list(awards.columns) == ["unit_name", "unit_code", "tier", "shortlisted", "reasons", "criteria_missed"]
    assert set(awards.loc[awards.shortlisted.astype(bool), "unit_name"]) == set(
        result.awards.loc[result.awards.shortlisted, "unit_name"])
    dist = read_csv_table(processed / "indicators_distribution.csv").set_index(["tier", "indicator"])
    assert float(dist.loc[("xa", "dossiers_received"), "p50"]) == 50  # communes: 10, 50, 1.000
    completeness = read_csv_table(processed / "completeness.csv").set_index("unit_code")
    assert completeness.loc["002", "status"] == "Chưa gửi"
    assert sorted(p.name for p in result.return_lists) == ["quan-xuan.xlsx", "so-alpha.xlsx"]


def test_default_awards_and_a_config_that_changes_them(processed, tmp_path):
    default = analyse(RunContext.load(None, processed=processed, reports=tmp_path / "reports", registry=registry())).awards.set_index("unit_name")
    # Sở Alpha: 4.990/5.000 on time, 200/200 procedures, 40 online services > the Sở median 25, a warning only;
    # Sở Beta has 10 online services; a single unit (Cục Thuế, Quận Xuân) is never above its own median
    assert set(default.index[default.shortlisted]) == {"Sở Alpha"}
    config = load_awards_config()
    config["criteria"] = [c for c in config["criteria"] if c["kind"] in ("on_time_rate", "no_errors")]
    path = tmp_path / "awards.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    changed = analyse(RunContext.load(None, processed=processed, reports=tmp_path / "reports", registry=registry()), awards_config=path).awards
    assert set(changed.loc[changed.shortlisted, "unit_name"]) == {"Sở Alpha", "Sở Beta",
                                                                  "Cục Thuế thành phố Hà Nội"}


def test_csv_text_is_neutralised_and_parquet_keeps_it(tmp_path):
    rows = city_rows()
    rows[2]["unit_name"] = "=HYPERLINK(\"http://x\")"
    processed = write_processed(tmp_path / "p", rows)
    analyse(RunContext.load(None, processed=processed, reports=tmp_path / "r", registry=registry()))
    csv = read_csv_table(processed / "indicators_units.csv")
    assert csv.loc[2, "submitted_name"] == "'=HYPERLINK(\"http://x\")"
    assert pd.read_parquet(processed / "indicators_units.parquet").loc[2, "submitted_name"] == "=HYPERLINK(\"http://x\")"


def test_stale_return_lists_are_removed(processed, tmp_path):
    reports = tmp_path / "reports"
    (reports / "tra-lai").mkdir(parents=True)
    (reports / "tra-lai" / "don-vi-da-sua.xlsx").write_bytes(b"old")
    analyse(RunContext.load(None, processed=processed, reports=reports, registry=registry()))
    assert sorted(p.name for p in (reports / "tra-lai").iterdir()) == ["quan-xuan.xlsx", "so-alpha.xlsx"]


def test_cli_runs_with_registry_and_awards_config(processed, tmp_path, capsys):
    code = main(["analyse", str(processed), "--reports", str(tmp_path / "reports"),
                 "--registry", str(_registry_csv(tmp_path))])
    assert code == 0
    out = capsys.readouterr().out
    assert "Đơn vị có số liệu: 7 (theo danh mục: 12, chưa có số liệu: 5; ngoài danh mục: 1)." in out
    assert "Danh sách trả lại: 2 đơn vị." in out
    # run alone, before any narrative report was read: the shortlist says what it has not weighed
    assert "Chưa có kết quả đọc báo cáo thuyết minh (bộ dữ liệu checklist)" in out


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "không có thư mục dữ liệu đã xử lý"),
        (lambda d: d.mkdir(), "không có bộ dữ liệu appendix"),
    ],
)
def test_cli_usage_errors_exit_2(tmp_path, capsys, setup, message):
    folder = tmp_path / "processed"
    setup(folder)
    assert main(["analyse", str(folder), "--reports", str(tmp_path / "reports")]) == 2
    assert message in capsys.readouterr().err


def test_cli_missing_awards_config_exits_2(processed, tmp_path, capsys):
    code = main(["analyse", str(processed), "--reports", str(tmp_path / "r"),
                 "--awards-config", str(tmp_path / "khong-co.yml")])
    assert code == 2
    assert "không có tệp tiêu chí khen thưởng" in capsys.readouterr().err


def test_tables_show_registry_names_and_match_findings_on_the_submitted_one(tmp_path):
    rows = city_rows()
    rows[7]["unit_name"] = "UBND phường Hai"  # 00002, as a district typed it
    findings = [finding(XUAN, "UBND phường Hai", "sum_mismatch")]
    processed = write_processed(tmp_path / "p", rows, findings)
    analyse(RunContext.load(None, processed=processed, reports=tmp_path / "r", registry=registry()))
    units = read_csv_table(processed / "indicators_units.csv").set_index("unit_code")
    assert units.loc["00002", ["unit_name", "submitted_name"]].tolist() == ["Phường Hai", "UBND phường Hai"]
    assert units.loc["", "unit_name"] == "Phường Lạ"  # unmatched: as submitted
    awards = read_csv_table(processed / "awards.csv").set_index("unit_code")
    assert awards.loc["00002", "unit_name"] == "Phường Hai"
    # the error found under the submitted name still counts against the unit
    assert "lỗi" in awards.loc["00002", "criteria_missed"].lower() and not awards.loc["00002", "shortlisted"]


def test_unit_figures_from_a_commune_with_derived_on_time(tmp_path):
    rows = [unit("Quận Xuân", "001", "huyen", figures=(80, 150, 150, 3000, 2970, 30, 20, 10))]
    result = analyse(RunContext.load(None, processed=write_processed(tmp_path / "p", rows), reports=tmp_path / "r", registry=registry()))
    huyen = result.tiers.set_index("tier").loc["huyen"]
    assert (huyen.units_expected, huyen.units_reporting, huyen.units_without_figures) == (2, 1, 1)
    assert huyen.on_time_rate == pytest.approx(99.0)


def _header_columns(ws, form: str) -> dict[str, int]:
    """Column index of each figure, found by its header text in the sheet."""
    headers = {c.header: c.name for c in columns(form)}
    found = {}
    for row in ws.iter_rows(max_row=20):
        for cell in row:
            if isinstance(cell.value, str) and cell.value in headers:
                found[headers[cell.value]] = cell.column
    return found


def _total_row(ws) -> int:
    return next(c.row for row in ws.iter_rows() for c in row if c.value == TOTAL_LABEL)


def test_consolidated_workbook_reads_back_the_sums_of_appendix(processed, tmp_path):
    result = analyse(RunContext.load(None, processed=processed, reports=tmp_path / "reports", registry=registry()))
    assert result.consolidated == tmp_path / "reports" / "tong-hop-phu-luc.xlsx"
    wb = load_workbook(result.consolidated)
    appendix = read_csv_table(processed / "appendix.csv")
    for form in ("I", "II", "III"):
        ws = wb[f"Phụ lục {form}"]
        cols, total = _header_columns(ws, form), _total_row(ws)
        rows = appendix[appendix.form == form]
        for name in ("area_m2", "tthc_total", "tthc_one_stop", "dossiers_received", "dossiers_overdue",
                     "online_services_l34", "postal_tthc"):
            assert ws.cell(total, cols[name]).value == pytest.approx(rows[name].sum()), (form, name)
        on_time = rows.dossiers_received.sum() - rows.dossiers_overdue.sum()
        assert _as_percent(ws.cell(total, cols["on_time_pct"])) == pytest.approx(
            100 * on_time / rows.dossiers_received.sum())
        if form != "III":
            assert ws.cell(total, cols["dossiers_on_time"]).value == on_time
    # every figure is a value, not a formula, so that any reader shows it
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def _as_percent(cell) -> float:
    """A rate cell as percent, whether written as 98.7 or as 0.987 with a % number format."""
    return 100 * cell.value if "%" in cell.number_format else cell.value


def test_an_empty_appendix_gives_empty_tables_not_a_crash(tmp_path):
    result = analyse(RunContext.load(None, processed=write_processed(tmp_path / "p", rows=[]), reports=tmp_path / "r", registry=registry()))
    city = result.tiers.set_index("tier").loc["city"]
    assert (city.units_expected, city.units_reporting, city.units_without_figures) == (12, 0, 12)
    assert result.units.empty and result.awards.empty
    assert set(result.completeness["status"]) == {"Chưa gửi"}


def test_a_unit_whose_table_differs_from_its_log_gets_it_in_its_return_list(processed, tmp_path):
    from dossier_data import write_logs

    from sketket.catalog import Catalog

    write_logs(Catalog(processed))  # counted after ingest, as `sketket run` does: Phường Một (Quận Xuân) differs
    result = analyse(RunContext.load(None, processed=processed, reports=tmp_path / "reports", registry=registry()))
    ws = load_workbook(next(p for p in result.return_lists if p.name == "quan-xuan.xlsx")).active
    lines = [r[6] for r in ws.iter_rows(min_row=8, values_only=True) if r[4] and "sổ theo dõi hồ sơ" in r[4]]
    assert [line.split(". ")[0] for line in lines] == [
        "Phường Một: Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%; đúng hạn: biểu 400, "
        "phần mềm 380; sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ; 3 dòng của sổ bị "
        "loại vì lỗi"]
