"""The catalog: declarations as data, schema checks on save and load, CSV exports for Excel users."""

from __future__ import annotations

import pandas as pd
import pytest

from sketket import catalog
from sketket.catalog import Catalog, SchemaError


def _findings(**over) -> pd.DataFrame:
    row = {"source_file": "a.xlsx", "sheet": "Phụ lục I", "cell": "G9", "unit_name": "Sở Nội vụ",
           "rule": "overdue_gt_received", "severity": "error", "message": "Số quá hạn lớn hơn số đã nhận", "value": "12"}
    row.update(over)
    return pd.DataFrame([row])


def test_every_dataset_declares_columns_layer_and_stage():
    names = catalog.datasets()
    for required in ("appendix", "findings", "files", "sections", "indicators_units", "indicators_tiers",
                     "checklist", "recommendations", "initiatives", "lessons_quotes", "submissions", "awards"):
        assert required in names
    for ds in names.values():
        assert ds.layer in catalog.LAYERS and ds.stage and ds.columns
    # DESIGN.md's contract, in its order
    assert catalog.columns("findings") == ["source_file", "sheet", "cell", "unit_name", "rule", "severity",
                                           "message", "value"]
    assert catalog.columns("files") == ["source_file", "status", "form", "reason", "unit_rows", "errors", "warnings"]
    assert catalog.columns("indicators_districts")[:3] == ["unit_code", "unit_name", "tier"]


def test_save_then_load_round_trips_types_and_writes_the_csv_export(tmp_path):
    cat = Catalog(tmp_path)
    df = _findings(message="=HYPERLINK(\"http://x\")", value="007")
    written = cat.save("findings", df)
    assert [p.name for p in written] == ["findings.parquet", "findings.csv"]
    back = cat.load("findings")
    assert back.loc[0, "value"] == "007"  # codes stay text
    assert back.loc[0, "message"] == "=HYPERLINK(\"http://x\")"  # parquet keeps the value as it is
    csv_text = (tmp_path / "findings.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in csv_text  # the Excel export is neutralised
    assert (tmp_path / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_save_refuses_a_value_outside_the_declared_values_and_names_the_rows(tmp_path):
    with pytest.raises(SchemaError) as err:
        Catalog(tmp_path).save("findings", pd.concat([_findings(), _findings(severity="fatal")], ignore_index=True))
    text = str(err.value)
    assert "findings" in text and "severity" in text and "dòng 1" in text and "'fatal'" in text
    assert not (tmp_path / "findings.parquet").exists()


def test_a_rate_over_100_or_a_negative_count_cannot_be_saved(tmp_path):
    units = pd.DataFrame([{"unit_code": "S01", "dossiers_received": 10, "dossiers_overdue": 12,
                           "on_time_rate": -20.0}])
    with pytest.raises(SchemaError, match="on_time_rate"):
        Catalog(tmp_path).save("indicators_units", units)
    with pytest.raises(SchemaError, match="dossiers_received"):
        Catalog(tmp_path).save("indicators_units", units.assign(on_time_rate=50.0, dossiers_received=-1))


def test_load_checks_what_was_written_by_hand(tmp_path):
    (tmp_path / "files.csv").write_text("source_file,status,form,reason,unit_rows,errors,warnings\n"
                                        "a.xlsx,ingested,I,,3,0,1.5\n", encoding="utf-8-sig")
    with pytest.raises(SchemaError, match="warnings.*số nguyên"):
        Catalog(tmp_path).load("files")


def test_a_dataset_not_written_reads_empty_with_its_columns_or_says_which_stage_writes_it(tmp_path):
    cat = Catalog(tmp_path)
    empty = cat.load("awards")
    assert list(empty.columns) == catalog.columns("awards") and empty.empty
    with pytest.raises(catalog.MissingDataset, match="sketket analyse"):
        cat.load("awards", missing_ok=False)


def test_listing_gives_rows_and_time_written(tmp_path):
    cat = Catalog(tmp_path)
    cat.save("findings", pd.concat([_findings()] * 3, ignore_index=True))
    listing = cat.listing().set_index("dataset")
    assert listing.loc["findings", "rows"] == 3 and listing.loc["findings", "written"]
    assert pd.isna(listing.loc["awards", "rows"]) and listing.loc["awards", "written"] == ""
    assert "findings" in catalog.listing_text(cat) and "chưa có" in catalog.listing_text(cat)
    cat.save("findings", pd.concat([_findings()] * 1070, ignore_index=True))  # "1.070 dòng": a wider cell
    lines = [line for line in catalog.listing_text(cat).splitlines() if line.startswith("  ")]
    starts = {line.index(catalog.dataset(line.split()[0]).description) for line in lines}
    assert len(starts) == 1  # every description starts in the same column
    heads = [line for line in catalog.listing_text(cat).splitlines() if line.startswith("[")]
    assert heads == ["[Dữ liệu đã đọc và kiểm tra (intermediate)]",
                     "[Số liệu đã tính: chỉ số, xếp hạng, đối chiếu (primary)]"]  # the layers, said in Vietnamese


def test_a_dataset_read_again_in_the_same_process_comes_from_memory_until_its_file_changes(tmp_path):
    cat = Catalog(tmp_path)
    cat.save("findings", _findings(value="1"))
    first = cat.load("findings")
    first.loc[0, "value"] = "changed by a notebook"  # a caller's change stays its own
    first["extra"] = 1
    again = Catalog(tmp_path).load("findings")
    assert again.loc[0, "value"] == "1" and "extra" not in again.columns
    assert catalog._LOADED[(tmp_path / "findings.parquet").absolute()][1] is not again  # memory, not the file
    cat.save("findings", _findings(value="2"))  # a new version of the file is read
    assert Catalog(tmp_path).load("findings").loc[0, "value"] == "2"
    # written by another process (no save here): its new size and time tell
    other = _findings(value="333333")
    other.to_parquet(tmp_path / "findings.parquet", index=False)
    assert Catalog(tmp_path).load("findings").loc[0, "value"] == "333333"


def test_removing_a_stage_deletes_only_what_that_stage_wrote(tmp_path):
    cat = Catalog(tmp_path)
    cat.save("findings", _findings(value="1"))  # written by ingest
    files = pd.DataFrame([{c: None for c in catalog.columns("dossier_files")}])
    cat.save("dossier_files", files.assign(source_file="a.csv", status="read", rows=3))
    cat.load("dossier_files")  # and kept in memory
    (tmp_path / "dossier_settings.yml").write_text("reconciliation: {relative_pct: 5}\n", encoding="utf-8")
    assert cat.record("dossier_settings") == tmp_path / "dossier_settings.yml"
    # the settings the logs were counted with go with the logs' figures
    assert cat.remove_stage("dossiers") == ["dossier_files", "dossier_settings"]
    assert not (tmp_path / "dossier_settings.yml").exists()
    assert not cat.exists("dossier_files") and not list(tmp_path.glob("dossier_files.*"))
    assert cat.load("dossier_files").empty  # not the copy in memory
    assert cat.load("findings").loc[0, "value"] == "1"
    assert cat.remove_stage("dossiers") == []


def test_a_saved_parquet_is_what_pandas_writes(tmp_path):
    """catalog writes Parquet through pyarrow on one thread (catalog._write_parquet): the schema, pandas'
    metadata and every value are those of DataFrame.to_parquet, for a table large enough that pyarrow
    would otherwise convert it on several threads."""
    import pyarrow.parquet as pq

    rows = 30_000
    df = pd.DataFrame({"source_file": [f"tệp {i % 7}.xlsx" for i in range(rows)], "status": "ingested",
                       "form": ["I", "II", "III"] * (rows // 3), "reason": "", "unit_rows": pd.array(
                           [i % 50 if i % 11 else None for i in range(rows)], dtype="Int64"),
                       "errors": 0, "warnings": 1})
    Catalog(tmp_path).save("files", df)
    catalog.conform("files", df).to_parquet(tmp_path / "pandas.parquet", index=False)
    ours, theirs = pq.read_table(tmp_path / "files.parquet"), pq.read_table(tmp_path / "pandas.parquet")
    assert ours.schema.equals(theirs.schema, check_metadata=True)
    assert ours.equals(theirs)
