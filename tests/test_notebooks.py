"""The notebooks: committed clean (parameters cell, no outputs, sketket kernel) and executed by papermill on a
small processed city without error, every text from a submission escaped in the rendered pack."""

import json
from pathlib import Path

import nbformat
import pytest
from dossier_data import write_logs
from pack_data import SCRIPT_NAME, write_processed

from sketket.catalog import Catalog
from sketket.run import pipeline

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MINE = ["01_clean.ipynb", "02_indicators.ipynb", "10_city_pack.ipynb", "11_unit_pack.ipynb"]


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
    # two communes of Ba Đình have dossier logs (the district pack shows them, the department pack does not)
    write_logs(Catalog(processed), ("00001", "00004"), ("Phường Phúc Xá", "Phường Trúc Bạch"))
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
        pipeline.Job("district", "11_unit_pack.ipynb", "001", "Quận Ba Đình", {**common, "unit_code": "001",
                                                                              "tier": "huyen"}),
        pipeline.Job("department", "11_unit_pack.ipynb", "S01", "Sở Nội vụ", {**common, "unit_code": "S01",
                                                                             "tier": "so"}),
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
    assert "UBND phường Trúc Bạch" not in district  # the registry's name, not the one the district typed
    assert "Sở Nội vụ" not in district
    assert '<h2 id="so-theo-doi">Sổ theo dõi hồ sơ của phần mềm một cửa</h2>' in district
    assert "Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%" in district
    department = (run_dir / "department" / "S01.html").read_text(encoding="utf-8")
    assert "Ban Tôn giáo" in department and "Phường" not in department and "so-theo-doi" not in department
    city = (run_dir / "city" / "thanh-pho.html").read_text(encoding="utf-8")
    assert "357.167" in city and city.count('src="data:image/png;base64,') >= 2  # tiers, completeness
    # said in words for a leader, with a link to the return lists; no configuration or data file names
    assert "tiêu chí đề xuất khen thưởng, theo cấp" in city and '<a href="../tra-lai/">danh sách trả lại đơn vị để sửa' in city
    assert not any(name in city for name in ("awards.yml", "awards.csv", "`tra-lai`", "notebook"))
    clean = (run_dir / "analysis" / "clean-III.html").read_text(encoding="utf-8")
    assert "quan-ba-dinh.xlsx" in clean and "hong.xlsx" in clean and "Bị từ chối" in clean


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    from pack_data import small_run

    return small_run(tmp_path_factory.getbasetemp() / "small-run")


@pytest.mark.slow
def test_sketket_run_end_to_end_publishes_every_pack(small_run):
    code, reports = small_run
    assert code == 0
    index = (reports / "latest" / "index.html").read_text(encoding="utf-8")
    latest = reports / "latest"
    run_name = latest.resolve().name
    for page in ["city/thanh-pho-ha-noi.html", "district/001-quan-ba-dinh.html", "department/S01-so-noi-vu.html",
                 "analysis/lam-sach-phu-luc-III.html", "analysis/chi-so-xa.html"]:
        assert (latest / page).is_file()
        assert f'href="{page}"' in index and latest.resolve().name == run_name
    assert "từ 5 tệp trong thư mục raw: 4 đã đọc, 1 bị từ chối, 0 bỏ qua" in index
    assert str(reports.parent / "raw") not in index and "Dữ liệu minh họa" not in index
    assert "Hồ sơ TTHC đã nhận: <b>366.167</b>" in index  # the city: Σ of the rows read from the workbooks
    assert (reports / "tong-hop-phu-luc.xlsx").is_file() and (latest / "run.log").is_file()
    log = (latest / "run.log").read_text(encoding="utf-8")
    assert "Đọc và kiểm tra biểu (ingest)" in log and "notebook 001-quan-ba-dinh" in log
    for page in ["city/thanh-pho-ha-noi.html", "district/001-quan-ba-dinh.html", "analysis/lam-sach-phu-luc-III.html"]:
        html = (latest / page).read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html


@pytest.mark.slow
def test_a_failing_notebook_is_reported_and_the_other_packs_still_render(tmp_path, small_run):
    from pack_data import write_config, write_raw

    from sketket.cli import main

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ["10_city_pack.ipynb", "11_unit_pack.ipynb", "12_city_annex.ipynb"]:
        (notebooks / name).write_bytes((NOTEBOOKS / name).read_bytes())
    nb = nbformat.read(notebooks / "11_unit_pack.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('if unit_code == "S02":\n    raise RuntimeError("biểu hỏng")'))
    nbformat.write(nb, notebooks / "11_unit_pack.ipynb")
    write_raw(tmp_path / "raw")
    config = write_config(tmp_path, {"clean": False, "indicators": False, "lessons": False, "city": True,
                                     "districts": ["001"], "departments": ["S01", "S02"], "verticals": []},
                          notebooks)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.html").write_text("bản trước", encoding="utf-8")

    code = main(["run", "--config", str(config)])

    assert code == 1
    assert (tmp_path / "reports" / "index.html").read_text(encoding="utf-8") == "bản trước"
    assert not (tmp_path / "reports" / "latest").exists()
    run_dir = next((tmp_path / "reports" / "runs").iterdir())
    log = (run_dir / "run.log").read_text(encoding="utf-8")
    assert "11_unit_pack.ipynb (S02-so-tu-phap): lỗi ở ô chỉ số 4 (In [4]" in log
    assert "RuntimeError: biểu hỏng" in log
    assert (run_dir / "notebooks" / "S02-so-tu-phap.ipynb").is_file()  # kept to see what failed
    assert str(tmp_path) not in (run_dir / "notebooks" / "S02-so-tu-phap.ipynb").read_text(encoding="utf-8")
    assert not (run_dir / "department" / "S02-so-tu-phap.html").exists()
    for page in ["city/thanh-pho-ha-noi.html", "district/001-quan-ba-dinh.html", "department/S01-so-noi-vu.html"]:
        assert (run_dir / page).is_file()
    assert "lỗi, chưa có bản HTML" in (run_dir / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_executed_copies_name_no_folder_of_the_machine(small_run):
    code, reports = small_run
    assert code == 0
    copies = sorted((reports / "latest" / "notebooks").glob("*.ipynb"))
    assert len(copies) >= 10
    machine = [str(reports.parent), str(reports.resolve().parent), str(NOTEBOOKS.parent), str(Path.home())]
    for copy in copies:
        text = copy.read_text(encoding="utf-8")
        assert [m for m in machine if m in text] == [], copy.name
        meta = json.loads(text)["metadata"]["papermill"]
        assert meta["output_path"] == f"notebooks/{copy.name}" and not meta["input_path"].startswith("/")
        assert meta["parameters"]["context_file"] == "context.json"
        assert not meta["parameters"]["processed_dir"].startswith("/")


@pytest.mark.slow
def test_notebook_run_with_its_defaults_shows_the_header_of_the_rendered_pack(small_run, tmp_path):
    """An analyst opens notebooks/10_city_pack.ipynb in JupyterLab and runs it as it is: the data period and
    the demo banner of the last run, as on the rendered pack."""
    import shutil

    import papermill as pm
    import yaml

    from sketket.outputs import packs

    _, reports = small_run
    context = json.loads((reports / "latest" / "context.json").read_text(encoding="utf-8"))
    context["demo"] = True  # a demo run carries the banner (the small run reads real files)
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copytree(reports.parent / "processed", project / "data" / "processed")
    (project / "reports" / "latest").mkdir(parents=True)
    (project / "reports" / "latest" / "context.json").write_text(json.dumps(context), encoding="utf-8")
    (project / "sketket.yml").write_text(yaml.safe_dump({"paths": {"processed": "data/processed",
                                                                   "reports": "reports"}}), encoding="utf-8")
    shutil.copy(NOTEBOOKS / "10_city_pack.ipynb", project / "notebooks")
    nb = pm.execute_notebook(str(project / "notebooks" / "10_city_pack.ipynb"), None, kernel_name="sketket",
                             cwd=str(project / "notebooks"), progress_bar=False)
    first = next(o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "display_data")
    header = packs.page_header(context)
    shown = first["data"]["text/html"]
    assert shown.startswith("<style>")  # the packs' style, so that the page reads in JupyterLab as rendered
    assert shown[shown.index("</style>") + len("</style>"):].startswith(header)
    assert "Dữ liệu minh họa" in header and f"Số liệu từ {context['plan']['period_start']}" in header
    pack = (reports / "latest" / "city" / "thanh-pho-ha-noi.html").read_text(encoding="utf-8")
    assert packs.page_header({**context, "demo": False}) in pack  # the same header, banner apart
