"""The notebooks: committed clean (parameters cell, no outputs, sketket kernel) and executed by papermill on a
small processed city without error, every text from a submission escaped in the rendered pack."""

import json
from pathlib import Path

import nbformat
import pytest
from pack_data import SCRIPT_NAME, write_processed

from sketket import pipeline

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MINE = ["01_clean.ipynb", "02_indicators.ipynb", "10_city_pack.ipynb", "11_district_pack.ipynb",
        "12_department_pack.ipynb"]


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_notebook_is_committed_clean_with_a_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert nb.metadata["kernelspec"]["name"] == "sketket"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "papermill" not in nb.metadata


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each of the five notebooks run once by papermill on the small city, as `sketket run` would."""
    base = tmp_path_factory.mktemp("run")
    processed = write_processed(base / "processed")
    run_dir = base / "reports" / "runs" / "1"
    (run_dir / "notebooks").mkdir(parents=True)
    context = run_dir / "context.json"
    context.write_text(json.dumps({"built_at": "2017-09-15T08:30:00", "raw_dir": "/data/raw/demo", "demo": True,
                                   "files": 5, "files_ingested": 4, "files_rejected": 1,
                                   "plan": {"period_start": "01/04/2016", "period_end": "31/07/2017"}}))
    common = {"processed_dir": str(processed), "context_file": str(context)}
    jobs = [
        pipeline.Job("analysis", "01_clean.ipynb", "clean-III", "Làm sạch – Phụ lục III", {**common, "form": "III"}),
        pipeline.Job("analysis", "02_indicators.ipynb", "chi-so-xa", "Chỉ số – xã", {**common, "tier": "xa"}),
        pipeline.Job("city", "10_city_pack.ipynb", "thanh-pho", "Hội nghị sơ kết", common),
        pipeline.Job("district", "11_district_pack.ipynb", "001", "Quận Ba Đình", {**common, "district": "001"}),
        pipeline.Job("department", "12_department_pack.ipynb", "S01", "Sở Nội vụ", {**common, "department": "S01"}),
    ]
    pipeline.check_parameters(jobs, NOTEBOOKS)
    opts = pipeline.RunOptions.load(pipeline.Settings(), workers=2)
    results = pipeline.execute_all(jobs, opts, run_dir)
    return run_dir, results


@pytest.mark.slow
def test_notebooks_run_without_error_and_escape_submitted_names(executed):
    run_dir, results = executed
    assert [r.error for r in results if not r.ok] == []
    for r in results:
        html = (run_dir / r.job.html).read_text(encoding="utf-8")
        assert "Dữ liệu minh họa" in html
        assert SCRIPT_NAME not in html and "<script" not in html
        if r.job.name != "S01":  # the unit is a commune of Ba Đình
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.slow
def test_packs_show_the_figures_of_their_unit(executed):
    run_dir, _ = executed
    district = (run_dir / "district" / "001.html").read_text(encoding="utf-8")
    assert "<h1>Quận Ba Đình</h1>" in district and "64.500" in district and "Phường Trúc Bạch" in district
    assert "Sở Nội vụ" not in district
    department = (run_dir / "department" / "S01.html").read_text(encoding="utf-8")
    assert "Ban Tôn giáo" in department and "Phường" not in department
    city = (run_dir / "city" / "thanh-pho.html").read_text(encoding="utf-8")
    assert "357.167" in city and city.count('src="data:image/png;base64,') >= 4
    clean = (run_dir / "analysis" / "clean-III.html").read_text(encoding="utf-8")
    assert "quan-ba-dinh.xlsx" in clean and "hong.xlsx" in clean and "Bị từ chối" in clean
