"""The run's machinery on notebooks the tests write: execution, failure reports, rendering, publishing."""

import json
from pathlib import Path

import nbformat
import pytest
import yaml

from sketket.config import Settings
from sketket.registry import load_registry
from sketket.run import pipeline

pytestmark = pytest.mark.slow


def write_notebook(path: Path, *cells: str, params: str = 'processed_dir = ""\ncontext_file = ""') -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "sketket", "display_name": "Python (sketket)", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Báo cáo thử"), p, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_has_submissions_ignores_gitkeep_and_hidden_files(tmp_path):
    raw = tmp_path / "raw"
    assert not pipeline.has_submissions(raw)
    raw.mkdir(parents=True)
    (raw / ".gitkeep").write_text("")
    (raw / ".DS_Store").write_bytes(b"x")
    assert not pipeline.has_submissions(raw)
    (raw / "dot-1").mkdir()
    (raw / "dot-1" / "ubnd-ba-dinh.xlsx").write_bytes(b"x")
    assert pipeline.has_submissions(raw)


def test_options_merge_the_run_section_over_the_defaults(tmp_path):
    config = tmp_path / "sketket.yml"
    config.write_text(yaml.safe_dump({"run": {"workers": 3, "notebooks": "nb",
                                              "packs": {"districts": ["001"], "departments": []}}}))
    opts = pipeline.RunOptions.load(Settings.load(config), config)
    assert opts.workers == 3 and opts.notebooks_dir == tmp_path / "nb"
    assert opts.packs["districts"] == ["001"] and opts.packs["city"] is True and opts.demo_seed == 2017
    assert pipeline.RunOptions.load(Settings.load(config), config, workers=1).workers == 1
    assert opts.engine == "warm"  # the default of config/run.yml


def test_options_reject_an_unknown_engine(tmp_path):
    config = tmp_path / "sketket.yml"
    config.write_text(yaml.safe_dump({"run": {"engine": "papermil"}}))
    with pytest.raises(ValueError, match="papermil"):
        pipeline.RunOptions.load(Settings.load(config), config)
    config.write_text(yaml.safe_dump({"run": {"engine": "papermill"}}))
    assert pipeline.RunOptions.load(Settings.load(config), config).engine == "papermill"


def test_plan_jobs_one_pack_per_district_and_department(tmp_path):
    opts = pipeline.RunOptions.load(Settings())
    jobs = pipeline.plan_jobs(opts, load_registry(), tmp_path, tmp_path / "context.json")
    groups = [j.group for j in jobs]
    assert groups.count("district") == 30 and groups.count("department") == 22 and groups.count("city") == 2  # the conference pack and its annex
    assert [j.notebook for j in jobs][:3] == ["01_clean.ipynb"] * 3  # dependency order: clean first
    ba_dinh = next(j for j in jobs if j.parameters.get("unit_code") == "001")
    assert ba_dinh.html == "district/001-quan-ba-dinh.html" and ba_dinh.title.startswith("Quận Ba Đình")
    assert ba_dinh.notebook == "11_unit_pack.ipynb" and ba_dinh.parameters["tier"] == "huyen"
    so = next(j for j in jobs if j.parameters.get("unit_code") == "S01")
    assert so.notebook == "11_unit_pack.ipynb" and so.parameters["tier"] == "so" and so.group == "department"
    assert len({j.name for j in jobs}) == len(jobs)


def test_check_parameters_rejects_a_name_the_notebook_does_not_declare(tmp_path):
    write_notebook(tmp_path / "a.ipynb")
    good = pipeline.Job("analysis", "a.ipynb", "a", "A", {"processed_dir": "x"})
    pipeline.check_parameters([good], tmp_path)
    bad = pipeline.Job("analysis", "a.ipynb", "a", "A", {"tier": "xa"})
    with pytest.raises(ValueError, match="tier"):
        pipeline.check_parameters([bad], tmp_path)


def test_the_parameters_a_notebook_declares_are_what_papermill_finds(tmp_path):
    import papermill as pm

    for path in sorted(pipeline._project_notebooks().glob("*.ipynb")):
        assert pipeline.declared_parameters(path) == set(pm.inspect_notebook(str(path))), path.name
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('a = 1\nb: str = "x"  # typed\nc, d = 1, 2\nimport os\nprint(a)')
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_code_cell("z = 0"), cell]
    nbformat.write(nb, tmp_path / "p.ipynb")
    assert pipeline.declared_parameters(tmp_path / "p.ipynb") == {"a", "b"}  # a tuple target is no parameter


@pytest.mark.parametrize("engine", pipeline.ENGINES)
def test_execute_renders_a_self_contained_page_without_code(tmp_path, engine):
    write_notebook(
        tmp_path / "nb" / "a.ipynb",
        "import warnings\nfrom IPython.display import HTML\nwarnings.warn('chỉ cho chuyên viên')\n"
        "secret_code_marker = 1\nHTML('<p>Tỷ lệ đúng hạn: 98,7%</p>')",
        "import pandas as pd\nfrom sketket.outputs import plots\n"
        "HTML(plots.to_html(plots.bar_tiers(pd.DataFrame({'tier': ['xa'], 'v': [1234]}), 'v', 'Hồ sơ', 'Số', 'int'),"
        " 'Hồ sơ'))",
    )
    run_dir = tmp_path / "run"
    (run_dir / "notebooks").mkdir(parents=True)
    job = pipeline.Job("city", "a.ipynb", "thu", "Hội nghị sơ kết – thử", {"processed_dir": "/x"})
    result = pipeline.execute_job(job, tmp_path / "nb", run_dir, "sketket", 60, engine)
    assert result.ok, result.error
    html = (run_dir / "city" / "thu.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "<title>Hội nghị sơ kết – thử</title>" in html
    assert "Tỷ lệ đúng hạn: 98,7%" in html and 'src="data:image/png;base64,' in html
    assert "secret_code_marker" not in html and "chỉ cho chuyên viên" not in html
    assert "<script" not in html and "http://" not in html and "https://" not in html and "<link" not in html
    assert (run_dir / "notebooks" / "thu.ipynb").exists()


@pytest.mark.parametrize("engine", pipeline.ENGINES)
def test_a_failing_cell_is_named_and_its_notebook_kept(tmp_path, engine):
    write_notebook(tmp_path / "b.ipynb", "x = 1", "raise ValueError('thiếu cột on_time_rate')")
    run_dir = tmp_path / "run"
    (run_dir / "notebooks").mkdir(parents=True)
    job = pipeline.Job("department", "b.ipynb", "S05-so-tu-phap", "Sở Tư pháp", {"processed_dir": "/x"})
    result = pipeline.execute_job(job, tmp_path, run_dir, "sketket", 60, engine)
    assert not result.ok
    assert "b.ipynb (S05-so-tu-phap)" in result.error
    assert "ValueError: thiếu cột on_time_rate" in result.error
    # papermill's cell index in the executed notebook (markdown, parameters, injected parameters, x = 1, raise)
    assert "ô chỉ số 4 (In [4]" in result.error
    assert not (run_dir / "department" / "S05-so-tu-phap.html").exists()
    kept = nbformat.read(run_dir / "notebooks" / "S05-so-tu-phap.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells if c.cell_type == "code" for o in c.outputs)


def test_publish_swaps_latest_and_the_index(tmp_path):
    reports = tmp_path / "reports"
    processed = tmp_path / "processed"
    processed.mkdir()
    info = pipeline.DataInfo("2017-09-15T08:30:00", "/data/raw", False, 3, 2, 1,
                             {"period_start": "01/04/2016", "period_end": "31/07/2017"})
    for n in (1, 2):
        run_dir = pipeline.new_run_dir(reports)
        (run_dir / "city").mkdir()
        (run_dir / "city" / "p.html").write_text(f"run {n}")
        (run_dir / "tong-hop-phu-luc.xlsx").write_bytes(b"book %d" % n)
        job = pipeline.Job("city", "10_city_pack.ipynb", "p", f"Gói <{n}>", {})
        index = pipeline.publish(run_dir, reports, [pipeline.JobResult(job, True, 1.0)], info, processed)
    assert (reports / "latest" / "city" / "p.html").read_text() == "run 2"
    assert (reports / "tong-hop-phu-luc.xlsx").read_bytes() == b"book 2"
    assert 'url=latest/index.html"' in index.read_text(encoding="utf-8")  # a fixed page: the switch is latest
    html = (reports / "latest" / "index.html").read_text(encoding="utf-8")
    assert 'href="city/p.html"' in html and "Gói &lt;2&gt;" in html
    assert "lập lúc 15/09/2017 08:30" in html and "/data/raw" not in html  # the analyst's path is not shown
    assert "từ 3 tệp trong thư mục raw: 2 đã đọc, 1 bị từ chối, 0 bỏ qua" in html
    pipeline.prune_runs(reports, 1, run_dir)
    assert [p.name for p in (reports / "runs").iterdir()] == [run_dir.name]


def test_context_round_trips_for_the_notebooks(tmp_path):
    info = pipeline.DataInfo("2017-09-15T08:30:00", "raw/demo", True, 80, 78, 2, {"period_end": "31/07/2017"})
    path = tmp_path / "context.json"
    path.write_text(json.dumps(info.__dict__, ensure_ascii=False))
    from sketket.outputs import packs

    context = packs.load_context(path)
    header = packs.page_header(context)
    assert "Dữ liệu minh họa" in header and "class=\"banner\"" in header and "lập lúc 15/09/2017 08:30" in header
    # opened by hand: the plan of the project's config (package defaults here), no run to speak of
    # opened by hand on the project's data: the last run's header; on another processed folder: not that run's
    (tmp_path / "reports" / "latest").mkdir(parents=True)
    (tmp_path / "reports" / "latest" / "context.json").write_text(json.dumps(info.__dict__, ensure_ascii=False))
    (tmp_path / "sketket.yml").write_text("paths: {processed: processed, reports: reports}\n", encoding="utf-8")
    assert packs.load_context("", tmp_path / "sketket.yml")["files"] == 80
    assert packs.load_context("", tmp_path / "sketket.yml", processed_dir=tmp_path / "processed")["files"] == 80
    other = packs.load_context("", tmp_path / "sketket.yml", processed_dir=tmp_path / "khac")
    assert other.get("by_hand") and "files" not in other
    assert packs.page_header(packs.load_context("", tmp_path / "none.yml")).endswith(
        '<p class="meta">Kế hoạch số 186/KH-UBND ngày 14/08/2017 của UBND Thành phố; '
        "hạn các đơn vị gửi báo cáo: 30/08/2017.</p>")


def _masked(page: Path) -> str:
    """A page with the time of its run masked (the only thing two runs of the same data may differ in)."""
    import re

    return re.sub(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "<lúc>", page.read_text(encoding="utf-8"))


def test_two_runs_of_the_same_data_give_the_same_pages(tmp_path):
    from pack_data import write_config, write_raw

    from sketket.cli import main

    write_raw(tmp_path / "raw")
    config = write_config(tmp_path, {"clean": False, "indicators": False, "lessons": False, "city": True,
                                     "districts": ["001"], "departments": [], "verticals": []})
    pages = []
    for _ in range(2):
        assert main(["run", "--config", str(config)]) == 0
        latest = (tmp_path / "reports" / "latest").resolve()
        pages.append({p.relative_to(latest).as_posix(): _masked(p) for p in sorted(latest.rglob("*.html"))})
    assert sorted(pages[0]) == ["city/phu-luc-thanh-pho.html", "city/thanh-pho-ha-noi.html",
                                "district/001-quan-ba-dinh.html", "index.html"]
    assert pages[0] == pages[1]


def test_jobs_pass_folders_relative_to_the_run(tmp_path):
    from sketket.registry import load_registry

    run_dir = tmp_path / "reports" / "runs" / "20170915-083000"
    opts = pipeline.RunOptions.load(pipeline.Settings(), workers=1)
    jobs = pipeline.plan_jobs(opts, load_registry(), tmp_path / "processed", run_dir / "context.json")
    assert jobs and {j.parameters["processed_dir"] for j in jobs} == {"../../../processed"}
    assert {j.parameters["context_file"] for j in jobs} == {"context.json"}
    # the kernel works in the run's folder: the relative folder is the processed one
    assert (run_dir / "../../../processed").resolve() == (tmp_path / "processed").resolve()


def test_an_executed_copy_records_where_it_came_from_relative_to_the_run():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": "/home/an/sketket/notebooks/10_city_pack.ipynb",
                                "output_path": "/home/an/sketket/reports/runs/1/notebooks/thanh-pho.ipynb"}
    job = pipeline.Job("city", "10_city_pack.ipynb", "thanh-pho", "Hội nghị", {})
    assert pipeline.relative_paths(nb, job)
    assert nb.metadata["papermill"] == {"input_path": "notebooks/10_city_pack.ipynb",
                                        "output_path": "notebooks/thanh-pho.ipynb"}
    assert not pipeline.relative_paths(nb, job)  # nothing left to change
