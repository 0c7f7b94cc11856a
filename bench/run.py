"""Times `sketket run` on the demo city, per stage, beside the floor of any notebook pipeline on this machine:
the number of notebooks × what papermill takes for a bare notebook importing pandas, matplotlib and seaborn,
÷ the workers. Writes bench/out/run.json; the figures go in the README.

    .venv/bin/python bench/run.py [--workers N] [--repeat-floor 3] [--engine warm|papermill]
    .venv/bin/python bench/run.py --packs-scale 60    # issue 16: the city pack of a 60-city run against 1 city

With --packs-scale N it times, in the same invocation, `sketket run` on the demo at scale 1 and at scale N (N
copies of the city: 880 × N units, their reports and dossier logs), both with the packs limited by config to
the city pack and its annex, and prints the packs' time of each and their ratio (target ≤ 2×).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
STEP = re.compile(r"INFO\s+(?P<label>.+?)\s+(?P<seconds>\d+\.\d) s$")


def bare_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "sketket", "display_name": "Python (sketket)", "language": "python"}
    params = nbformat.v4.new_code_cell('processed_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import pandas, matplotlib, seaborn")]
    nbformat.write(nb, path)
    return path


def bare_seconds(repeat: int) -> float:
    """Median wall time of papermill running the bare notebook (kernel start, imports, save)."""
    src = bare_notebook(OUT / "bare.ipynb")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        pm.execute_notebook(str(src), str(OUT / "bare-out.ipynb"), parameters={"processed_dir": "x"},
                            kernel_name="sketket", progress_bar=False, request_save_on_cell_execute=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_parallel_seconds(n: int, workers: int) -> float:
    """The same n bare notebooks through the run's own pool (papermill + nbconvert, `workers` at a time):
    the floor as the machine really delivers it when its cores are shared."""
    from sketket.config import Settings
    from sketket.run import pipeline

    src = bare_notebook(OUT / "bare.ipynb")
    run_dir = OUT / "bare-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    opts = pipeline.RunOptions.load(Settings(), workers=workers)
    opts = dataclasses.replace(opts, notebooks_dir=src.parent, engine="papermill")  # a kernel per notebook
    jobs = [pipeline.Job("analysis", src.name, f"bare-{i}", "bare", {"processed_dir": "x"}) for i in range(n)]
    start = time.perf_counter()
    results = pipeline.execute_all(jobs, opts, run_dir)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    return time.perf_counter() - start


def run_pipeline(workers: int, engine: str | None) -> tuple[float, dict[str, float], int]:
    """`sketket run` on the demo (generated once into bench/out/raw/demo), timed end to end; the stages as
    the run's log records them. engine: the run's notebook engine (None: the default of config/run.yml)."""
    config = OUT / "sketket.yml"
    run_section = f"run:\n  engine: {engine}\n" if engine else ""
    config.write_text("paths:\n  raw: raw\n  processed: processed\n  reports: reports\n" + run_section,
                      encoding="utf-8")
    (OUT / "raw").mkdir(exist_ok=True)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    proc = subprocess.run([str(Path(sys.executable).with_name("sketket")), "run", "--config", str(config),
                           "--workers", str(workers)], env=env, capture_output=True, text=True)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"sketket run failed:\n{proc.stdout}\n{proc.stderr}")
    log = (OUT / "reports" / "latest" / "run.log").read_text(encoding="utf-8")
    stages: dict[str, float] = {}
    notebooks = 0
    for line in log.splitlines():
        m = STEP.search(line)
        if not m:
            continue
        label = m["label"].strip()
        if label.startswith("notebook "):
            notebooks += 1
        else:
            stages[label] = float(m["seconds"])
    return total, stages, notebooks


def scaled_run(scale: int, workers: int) -> tuple[float, dict[str, float]]:
    """`sketket run` on the demo at `scale`, only the city pack and its annex rendered (run: packs:). The demo
    is generated once into bench/out/scale-N/ and reused; the time of the run is without that generation."""
    base = OUT / f"scale-{scale}"
    (base / "raw").mkdir(parents=True, exist_ok=True)
    config = base / "sketket.yml"
    config.write_text("paths:\n  raw: raw\n  processed: processed\n  reports: reports\n  demo: demo\n"
                      f"run:\n  demo: {{scale: {scale}}}\n  packs: {{clean: false, indicators: false, lessons: false, "
                      "city: true, districts: [], departments: [], verticals: []}\n", encoding="utf-8")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    cmd = [str(Path(sys.executable).with_name("sketket")), "run", "--config", str(config), "--workers", str(workers)]
    if not (base / "demo" / "manifest.json").exists():  # first time: the demo's generation is not timed
        subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"sketket run (scale {scale}) failed:\n{proc.stdout}\n{proc.stderr}")
    # the data steps, the notebook stage, and each notebook ("notebook <page>")
    stages = {m["label"].strip(): float(m["seconds"])
              for m in map(STEP.search, (base / "reports" / "latest" / "run.log").read_text("utf-8").splitlines())
              if m}
    return total, stages


def packs_at_scale(scale: int, workers: int) -> int:
    one_total, one = scaled_run(1, workers)
    big_total, big = scaled_run(scale, workers)
    print(f"{'stage':<48}{'1 city':>9}{f'{scale} cities':>11}")
    for label in dict.fromkeys([*one, *big]):
        print(f"{label:<48}{one.get(label, float('nan')):>9.1f}{big.get(label, float('nan')):>11.1f}")
    print(f"{'sketket run, end to end':<48}{one_total:>9.1f}{big_total:>11.1f}")
    city, annex = "notebook thanh-pho-ha-noi", "notebook phu-luc-thanh-pho"
    print(f"the city pack: {big[city]:.1f} s at {scale} cities, {one[city]:.1f} s at 1 city: "
          f"{big[city] / one[city]:.2f}× (target ≤ 2×)")
    print(f"its annex (every unit of every list, so it grows with the units): {big[annex]:.1f} s at {scale} cities, "
          f"{one[annex]:.1f} s at 1 city: {big[annex] / one[annex]:.2f}×")
    result = {"cores": os.cpu_count(), "workers": workers, "scale": scale, "stages_1": one, f"stages_{scale}": big,
              "total_1_s": round(one_total, 1), f"total_{scale}_s": round(big_total, 1),
              "city_pack_ratio": round(big[city] / one[city], 2), "annex_ratio": round(big[annex] / one[annex], 2)}
    (OUT / f"run-scale-{scale}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat-floor", type=int, default=3)
    parser.add_argument("--engine", choices=["warm", "papermill"], help="default: the run's config/run.yml")
    parser.add_argument("--packs-scale", type=int, default=0, metavar="N",
                        help="time the city pack of an N-city demo run against the 1-city run instead")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.packs_scale:
        return packs_at_scale(args.packs_scale, args.workers)
    bare = bare_seconds(args.repeat_floor)
    total, stages, notebooks = run_pipeline(args.workers, args.engine)
    notebook_stage = next(v for k, v in stages.items() if k.endswith(" notebook"))
    floor = notebooks * bare / args.workers
    parallel = bare_parallel_seconds(notebooks, args.workers)
    result = {"cores": os.cpu_count(), "workers": args.workers, "engine": args.engine or "default",
              "notebooks": notebooks,
              "bare_notebook_s": round(bare, 2), "floor_s": round(floor, 1), "stages_s": stages,
              "bare_through_pool_s": round(parallel, 1), "notebooks_s": notebook_stage,
              "notebooks_vs_floor": round(notebook_stage / floor, 2),
              "notebooks_vs_bare_through_pool": round(notebook_stage / parallel, 2),
              "total_s": round(total, 1), "total_vs_floor": round(total / floor, 2)}
    (OUT / "run.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{'stage':<48}{'seconds':>8}")
    for label, seconds in stages.items():
        print(f"{label:<48}{seconds:>8.1f}")
    print(f"{'sketket run, end to end':<48}{total:>8.1f}")
    print(f"floor: {notebooks} notebooks × {bare:.2f} s (bare papermill notebook) ÷ {args.workers} workers = "
          f"{floor:.1f} s; notebooks took {notebook_stage / floor:.2f}×, the whole run {total / floor:.2f}× the floor")
    print(f"the same {notebooks} bare notebooks through the run's pool: {parallel:.1f} s "
          f"(notebooks took {notebook_stage / parallel:.2f}× that)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
