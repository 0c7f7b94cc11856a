"""The counters' dossier logs under the raw folder are read by their own step: ingest lists them as skipped
with that reason (every file once in files.csv), and reads the rest as usual."""

from pack_data import write_raw

from sketket.intake.ingest import ingest
from sketket.registry import load_registry


def test_dossier_logs_under_raw_are_listed_as_skipped_not_read_as_tables(tmp_path):
    raw = write_raw(tmp_path / "raw")
    logs = raw / "ho-so"
    logs.mkdir()
    (logs / "so-noi-vu.csv").write_text("Mã hồ sơ;Tên TTHC;Ngày tiếp nhận\nHS1;Cấp phép;03/04/2016\n", encoding="utf-8")
    result = ingest(raw, tmp_path / "out", load_registry(), set_aside=[logs])
    files = result.files.set_index("source_file")
    assert files.loc["ho-so/so-noi-vu.csv", "status"] == "skipped"
    assert "sổ theo dõi hồ sơ" in files.loc["ho-so/so-noi-vu.csv", "reason"]
    assert files.loc["so-noi-vu.xlsx", "status"] == "ingested"
    assert len(files) == len({p for p in raw.rglob("*") if p.is_file()})
