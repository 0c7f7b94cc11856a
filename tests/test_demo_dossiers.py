"""The demo's dossier logs: several export shapes, the tricky rows, and the planted mismatches with the
units' tables found by the reconciliation, exactly as the manifest lists them."""

from __future__ import annotations

import pandas as pd

from sketket.analysis.dossier_counts import count_dossiers
from sketket.catalog import Catalog
from sketket.demo.dossier_logs import write_demo_logs
from sketket.registry import load_registry


def test_demo_logs_reconcile_as_planted(tmp_path):
    xa = load_registry().units.query("tier == 'xa'").head(6)
    figures = pd.DataFrame({"form": "III", "tier": "xa", "unit_code": list(xa["code"]),
                            "unit_name": list(xa["name_with_type"]),
                            "dossiers_received": [300, 320, 340, 360, 380, 400],
                            "dossiers_on_time": [290, 300, 330, 350, 370, 390],
                            "dossiers_overdue": [10, 20, 10, 10, 10, 10]})
    manifest = write_demo_logs(tmp_path / "ho-so", figures, units=6, differ=2)
    Catalog(tmp_path / "out").save("appendix", figures)
    res = count_dossiers(tmp_path / "ho-so", tmp_path / "out")
    files = res.tables["dossier_files"]
    assert sorted(files["source_file"].str.rsplit(".", n=1).str[-1]) == ["csv", "csv", "csv", "csv", "json", "xlsx", "xlsx"]
    read = files[files["status"] == "read"].set_index("source_file")["rows_excluded"]
    # the duplicate and the impossible date of each export; the semicolon ones also end on a row of dashes, the
    # workbooks on the signatures, and the comma ones hold the header again and end on a total
    semicolon = {m["unit_code"] for m in manifest if m["rule"] == "empty_row"}
    pasted = {m["unit_code"] for m in manifest if m["rule"] == "header_row"}
    assert len(semicolon) == 2 and len(pasted) == 2 and sorted(read.tolist()) == [3, 3, 3, 3, 4, 4]
    assert all(read[f"so-theo-doi-{code}.csv"] == 3 for code in semicolon)
    assert all(read[f"so-theo-doi-{code}.csv"] == 4 for code in pasted)
    rec = res.tables["reconciliation"].set_index("unit_code")
    planted = {m["unit_code"] for m in manifest if m["rule"] == "reconciliation_differs"}
    assert len(planted) == 2
    assert set(rec.index[rec["status"] == "differs"]) == planted
    assert (rec.loc[sorted(set(rec.index) - planted), "diff_received"] == 0).all()
    # the logs cover the period (dossiers still being processed at the cutoff among them), but for the one
    # planted to stop a month early, which its reconciliation line says
    units = res.tables["dossier_units"]
    units = units[units["unit_code"] != ""].set_index("unit_code")
    short = [m for m in manifest if m["rule"] == "log_short_of_period"]
    assert len(short) == 1 and set(units.index[~units["covers_period"].astype(bool)]) == {short[0]["unit_code"]}
    assert units.loc[short[0]["unit_code"], "last_received"] == short[0]["last_received"] == "2017-06-30"
    assert units["last_received"].drop(short[0]["unit_code"]).min() >= "2017-07-16"
    assert (units["pending_on_time"] > 0).any()
    assert rec.loc[short[0]["unit_code"], "log_note"].startswith("sổ chỉ ghi đến ngày 30/06/2017")
    findings = res.tables["dossier_findings"]
    wanted = {(m["rule"], m["dossier_code"], m["source_row"]) for m in manifest if "dossier_code" in m}
    assert len(wanted) == 20  # the line a text editor shows, also below the blank line of the first export
    assert wanted <= set(zip(findings["rule"], findings["dossier_code"], findings["source_row"], strict=True))
    # only the planted rows are findings: a procedure's name with a comma is quoted in the comma exports
    assert "procedure_name_differs" not in set(findings["rule"])
    # counters open on working days and Saturday mornings, never on a holiday; deadlines fall on working days
    import holidays

    d = Catalog(tmp_path / "out").load("dossiers")
    d = d[d["outcome"] != "excluded"]
    received = pd.to_datetime(d["received_at"].str.slice(0, 10))
    due = pd.to_datetime(d["due_at"].str.slice(0, 10))
    off = set(holidays.country_holidays("VN", years=[2016, 2017]))
    assert not any(day.date() in off for day in received) and (received.dt.dayofweek < 6).all()
    assert not any(day.date() in off for day in due) and (due.dt.dayofweek < 5).all()
    assert (received.dt.dayofweek == 5).any()  # Saturday mornings (II.2.đ) are still in the demo


def test_sketket_demo_writes_the_logs_and_replies_the_run_adds(tmp_path):
    """`sketket demo --out DIR` gives the steps run by hand their inputs too: the counters' logs (ho-so/, with
    mismatches planted against the demo's own tables) and the replies to the draft (gop-y/); `sketket ingest
    DIR` leaves both to their own steps."""
    from sketket.cli import main

    demo = tmp_path / "demo"
    assert main(["demo", "--out", str(demo)]) == 0
    assert sorted(p.name for p in (demo / "gop-y").iterdir()) == [
        "gop-y-huyen-ba-vi.docx", "gop-y-quan-ba-dinh.docx", "gop-y-so-tai-chinh.xlsx", "gop-y-so-tu-phap.docx"]
    assert main(["ingest", str(demo), "--out", str(tmp_path / "out")]) == 0
    files = pd.read_csv(tmp_path / "out" / "files.csv")
    skipped = files[files["source_file"].str.match("(ho-so|gop-y)/")]
    assert len(skipped) == 4 + len(list((demo / "ho-so").iterdir())) and set(skipped["status"]) == {"skipped"}
    assert main(["dossiers", str(demo / "ho-so"), "--out", str(tmp_path / "out")]) == 0
    rec = pd.read_csv(tmp_path / "out" / "reconciliation.csv", dtype={"unit_code": str})
    assert (rec["status"] == "differs").sum() == 2  # the planted mismatches, against the tables just read
