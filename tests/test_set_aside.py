"""The counters' dossier logs under the raw folder are read by their own step: ingest lists them as skipped
with that reason (every file once in files.csv), and reads the rest as usual."""

import pandas as pd
from pack_data import write_raw

from sketket.intake.ingest import ingest
from sketket.registry import load_registry


def test_dossier_logs_under_raw_are_listed_as_skipped_not_read_as_tables(tmp_path):
    raw = write_raw(tmp_path / "raw")
    logs = raw / "ho-so"
    logs.mkdir()
    (logs / "so-noi-vu.csv").write_text("Mã hồ sơ;Tên TTHC;Ngày tiếp nhận\nHS1;Cấp phép;03/04/2016\n", encoding="utf-8")
    result = ingest(raw, tmp_path / "out", load_registry(), set_aside=[(logs, "dossier_logs")])
    files = result.files.set_index("source_file")
    assert files.loc["ho-so/so-noi-vu.csv", "status"] == "skipped"
    assert "sổ theo dõi hồ sơ" in files.loc["ho-so/so-noi-vu.csv", "reason"]
    assert files.loc["so-noi-vu.xlsx", "status"] == "ingested"
    assert len(files) == len({p for p in raw.rglob("*") if p.is_file()})


def test_standalone_ingest_sets_aside_the_configured_folders_each_with_its_own_reason(tmp_path, capsys):
    """`sketket ingest RAW` finds the folders of sketket.yml (paths.dossiers, paths.comments: data/raw/ho-so,
    data/raw/gop-y) under RAW as they stand under data/raw: the logs and the comment letters are skipped,
    each with the reason of its own step, not read as appendix tables or narrative reports."""
    from sketket.cli import main

    raw = write_raw(tmp_path / "raw")
    (raw / "ho-so").mkdir()
    (raw / "ho-so" / "so-noi-vu.csv").write_text("Mã hồ sơ;Ngày tiếp nhận\nHS1;03/04/2016\n", encoding="utf-8")
    (raw / "gop-y").mkdir()
    (raw / "gop-y" / "gop-y-so-tai-chinh.docx").write_bytes((raw / "so-noi-vu.xlsx").read_bytes()[:100])
    assert main(["ingest", str(raw), "--out", str(tmp_path / "out")]) == 0
    files = pd.read_csv(tmp_path / "out" / "files.csv").set_index("source_file")
    assert files.loc["ho-so/so-noi-vu.csv", "status"] == "skipped"
    assert files.loc["ho-so/so-noi-vu.csv", "reason"].startswith("sổ theo dõi hồ sơ")
    assert files.loc["gop-y/gop-y-so-tai-chinh.docx", "status"] == "skipped"
    assert files.loc["gop-y/gop-y-so-tai-chinh.docx", "reason"].startswith("văn bản góp ý dự thảo")
    assert files.loc["so-noi-vu.xlsx", "status"] == "ingested"
