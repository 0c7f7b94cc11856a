"""The run under faults and bad configuration: one Vietnamese sentence and exit 2, never a traceback; one run at
a time; publishing is one switch; a killed run leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sketket.run import pipeline
from sketket.run.lifeline import RunLock, RunLocked

ROOT = Path(__file__).resolve().parents[1]


def _sketket(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sketket.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def _config(base: Path, **over) -> Path:
    data = {"paths": {"raw": "raw", "processed": "processed", "reports": "reports"}}
    for key, value in over.items():
        section, _, name = key.partition("__")
        data.setdefault(section, {})[name] = value
    path = base / "sketket.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _bad_yaml(base: Path) -> Path:
    (base / "sketket.yml").write_text("paths:\n  raw: data/raw\n plan: [\n", encoding="utf-8")
    return base / "sketket.yml"


def _registry_without_tier(base: Path) -> Path:
    (base / "dm.csv").write_text("ma,ten\nS01,Sở Nội vụ\n", encoding="utf-8")
    return _config(base, paths__registry="dm.csv")


def _reports_is_a_file(base: Path) -> Path:
    (base / "reports").write_text("x", encoding="utf-8")
    return _config(base)


def _yaml_text(base: Path, text: str) -> Path:
    (base / "sketket.yml").write_text("paths: {raw: raw, processed: processed, reports: reports}\n" + text,
                                      encoding="utf-8")
    return base / "sketket.yml"


CASES = [
    (_bad_yaml, ["sketket.yml", "YAML", "dòng 3"]),
    (lambda b: b / "khong-co.yml", ["không có tệp cấu hình", "khong-co.yml"]),
    (lambda b: _config(b, plan__report_deadline="31/02/2017"), ["plan.report_deadline", "31/02/2017", "dd/mm/yyyy"]),
    (lambda b: _config(b, plan__han_nop="2017-08-30"), ["han_nop", "plan_number"]),
    (lambda b: _config(b, run__engine="papermil"), ["run.engine", "papermil", "warm"]),
    (lambda b: _config(b, run__workers="abc"), ["run.workers", "'abc'", "số nguyên"]),
    (_reports_is_a_file, ["paths.reports", "là một tệp"]),
    (_registry_without_tier, ["dm.csv", "thiếu cột", "tier"]),
    (lambda b: _config(b, paths__raw="khong-co-thu-muc"), ["paths.raw", "khong-co-thu-muc", "không có"]),
    # a date YAML itself reads, but that no calendar has
    (lambda b: _yaml_text(b, "plan: {plan_date: 2017-13-45}\n"), ["plan.plan_date", "2017-13-45", "dd/mm/yyyy"]),
    (lambda b: _yaml_text(b, "plan: {cutoff: 2017-02-30}\n"), ["plan.cutoff", "2017-02-30"]),
    (lambda b: _config(b, run__packs={"district": ["001"]}), ["run.packs.district", "districts"]),
    (lambda b: _config(b, run__packs={"districts": ["001", "999"]}), ["run.packs.districts", "999", "danh mục"]),
    (lambda b: _config(b, run__packs={"departments": "S01"}), ["run.packs.departments", "'S01'", "danh sách mã"]),
]


@pytest.mark.parametrize(("make", "words"), CASES)
def test_bad_configuration_is_one_sentence_and_exit_2(tmp_path, make, words):
    (tmp_path / "raw").mkdir()
    config = make(tmp_path)
    done = _sketket("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    line = done.stderr.strip()
    assert line.startswith("sketket run: lỗi cấu hình:") and len(line.splitlines()) == 1, line
    for word in words:
        assert word in line, (word, line)
    assert not (tmp_path / "raw" / "demo").exists()  # a bad configuration never writes the demo anywhere
    assert not (tmp_path / "data").exists()


def test_a_second_run_on_the_same_reports_folder_refuses_with_a_message(tmp_path):
    (tmp_path / "raw").mkdir()
    config = _config(tmp_path)
    with RunLock(tmp_path / "reports"):
        done = _sketket("run", "--config", str(config), cwd=tmp_path)
        with pytest.raises(RunLocked, match="đang ghi vào"):
            with RunLock(tmp_path / "reports"):
                pass
    assert done.returncode == 2 and "Một lần chạy khác" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "reports" / "runs").exists()


def _fake_run(reports: Path, n: int) -> Path:
    run_dir = pipeline.new_run_dir(reports)
    (run_dir / "city").mkdir()
    (run_dir / "city" / "p.html").write_text(f"run {n}", encoding="utf-8")
    (run_dir / "tong-hop-phu-luc.xlsx").write_bytes(b"book %d" % n)
    (run_dir / "tra-lai").mkdir()
    return run_dir


def _publish(reports: Path, run_dir: Path, processed: Path) -> None:
    info = pipeline.DataInfo("2017-09-15T08:30:00", "raw", False, 1, 1, 0, {})
    job = pipeline.Job("city", "10_city_pack.ipynb", "p", "Gói", {})
    pipeline.publish(run_dir, reports, [pipeline.JobResult(job, True, 1.0)], info, processed)


@pytest.mark.parametrize("crash_at", range(1, 6))
def test_a_publish_cut_short_leaves_index_latest_and_workbooks_on_the_same_run(tmp_path, monkeypatch, crash_at):
    reports, processed = tmp_path / "reports", tmp_path / "processed"
    processed.mkdir()
    _publish(reports, first := _fake_run(reports, 1), processed)
    second = _fake_run(reports, 2)
    calls = {"n": 0}
    real_replace = os.replace

    def crashing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == crash_at:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(pipeline.os, "replace", crashing_replace)
    try:
        _publish(reports, second, processed)
    except OSError:
        pass
    monkeypatch.setattr(pipeline.os, "replace", real_replace)
    shown = (reports / "latest").resolve()
    assert shown in (first.resolve(), second.resolve())
    assert "url=latest/index.html" in (reports / "index.html").read_text(encoding="utf-8")
    assert (shown / "index.html").is_file()  # the index reports/index.html opens is the shown run's
    assert (reports / "tong-hop-phu-luc.xlsx").read_bytes() == (shown / "tong-hop-phu-luc.xlsx").read_bytes()
    assert (reports / "latest" / "city" / "p.html").is_file()
    pipeline.prune_runs(reports, keep=5)
    assert not list(reports.glob(".*.new"))  # leftovers of the cut-short publish are cleared by the next run


def test_failed_runs_are_pruned_but_never_the_published_one(tmp_path):
    reports, processed = tmp_path / "reports", tmp_path / "processed"
    processed.mkdir()
    published = _fake_run(reports, 0)
    _publish(reports, published, processed)
    failed = [_fake_run(reports, n) for n in range(1, 5)]
    pipeline.prune_runs(reports, keep=2)
    left = sorted(p.name for p in (reports / "runs").iterdir())
    assert left == sorted([published.name, *(f.name for f in failed[-2:])])


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to follow the run's processes")
def test_a_run_killed_while_rendering_leaves_no_process_and_the_previous_publication(tmp_path):
    from pack_data import write_config, write_raw

    write_raw(tmp_path / "raw")
    config = write_config(tmp_path, {"clean": True, "indicators": True, "lessons": False, "city": True,
                                     "districts": ["001"], "departments": ["S01"], "verticals": []})
    proc = subprocess.Popen([sys.executable, "-m", "sketket.cli", "run", "--config", str(config)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    kernels = tmp_path / "reports" / "runs"
    family: set[int] = set()
    while time.monotonic() < deadline and proc.poll() is None:
        family |= _descendants(proc.pid)
        if any(kernels.glob("*/kernels.log")) and len(family) >= 3:  # workers and their kernels are up
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the run ended before it could be killed"
    family |= _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    end = time.monotonic() + 15
    while time.monotonic() < end and any(_alive(p) for p in family):
        time.sleep(0.3)
    assert [p for p in family if _alive(p)] == []
    assert not (tmp_path / "reports" / "index.html").exists() and not (tmp_path / "reports" / "latest").exists()
    # the next run is not blocked by the killed one (its lock died with it) and publishes
    done = _sketket("run", "--config", str(config), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "url=latest/index.html" in (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "reports" / "latest" / "index.html").is_file()


def test_the_spark_engine_without_pyspark_is_one_sentence(monkeypatch):
    from sketket.analysis.dossier_counts import make_engine
    from sketket.config import ConfigError

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # as if the optional extra were not installed
    with pytest.raises(ConfigError, match=r"--engine spark cần pyspark.*--engine duckdb"):
        make_engine("spark", {})
