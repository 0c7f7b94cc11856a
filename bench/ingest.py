"""Benchmark of `sketket ingest`: N cities of filled workbooks (one city: a table per department,
vertical agency and district, 62 workbooks and 880 unit rows), the ingest timed as a whole process
(wall time, workbooks per second, peak memory), beside the floor: python-calamine alone reading the same
files, also as a whole process.

    python bench/ingest.py              # one city
    python bench/ingest.py --cities 60  # 3.720 workbooks, 52.800 unit rows
    python bench/ingest.py --cities 60 --repeat 5

The floor runs before the first ingest and after each one, and each ingest is set against the mean of the
floors just before and after it, so that both meet the same load on the machine (a shared machine's speed
drifts by ±30 % within minutes); the table shows the medians, and the ratio of each ingest is listed.

Generated workbooks are kept under bench/out/ (git-ignored) and reused by the next run.
"""

from __future__ import annotations

import argparse
import compileall
import random
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

import sketket as sketket_package
from sketket.clean import format_int, format_number
from sketket.dimensions import FORM_TIERS
from sketket.outputs.writer import save_as, write_filled
from sketket.registry import load_registry

OUT = Path(__file__).parent / "out"
FORMATS = ((".xlsx", 0.85), (".xls", 0.10), (".ods", 0.05))  # what units send, roughly
# Median dossiers received by tier (departments many, communes few).
MEDIAN_RECEIVED = {"so": 20_000, "chi_cuc": 3_000, "nganh_doc_tp": 60_000, "nganh_doc_huyen": 4_000,
                   "huyen": 30_000, "xa": 1_500}
FLOOR = """
import sys, pathlib, python_calamine
for p in pathlib.Path(sys.argv[1]).rglob("*"):
    if p.suffix in (".xlsx", ".xls", ".ods"):
        with python_calamine.CalamineWorkbook.from_path(str(p)) as wb:
            for name in wb.sheet_names:
                wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
"""


def city_registry(units: pd.DataFrame, cities: int) -> pd.DataFrame:
    """The registry repeated once per city, codes and names of copies 2…N suffixed so none collide."""
    frames = [units]
    for k in range(2, cities + 1):
        copy = units.copy()
        for col in ("code", "parent_code"):
            copy[col] = copy[col].where(copy[col] == "", copy[col] + f"-{k}")
        for col in ("name", "name_with_type"):
            copy[col] = copy[col] + f" (bản sao {k})"
        frames.append(copy)
    return pd.concat(frames, ignore_index=True)


def figures(rng: random.Random, tier: str, name: str) -> dict[str, object]:
    received = int(rng.lognormvariate(0, 0.8) * MEDIAN_RECEIVED[tier])
    overdue = int(received * rng.choice([0, 0, 0.001, 0.01, 0.03]))
    total = rng.randint(40, 400)
    return {"unit_name": name, "area_m2": rng.randint(20, 300), "tthc_total": total,
            "tthc_one_stop": rng.randint(total // 2, total), "dossiers_received": received,
            "dossiers_on_time": received - overdue, "dossiers_overdue": overdue,
            "online_services_l34": rng.randint(0, total // 4), "postal_tthc": rng.randint(0, total)}


def _write(job: tuple[str, Path, dict, list[dict], str]) -> None:
    form, path, head, subs, suffix = job
    if suffix == ".xlsx":
        write_filled(form, path, head, subs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        write_filled(form, Path(tmp) / "t.xlsx", head, subs)
        save_as(Path(tmp) / "t.xlsx", path)


def generate(units: pd.DataFrame, raw: Path, seed: int = 2017) -> int:
    """One workbook per submitter of the (repeated) registry; returns how many."""
    rng = random.Random(seed)
    jobs = []
    for form, (head_tier, sub_tier) in FORM_TIERS.items():
        for head in units[units["tier"] == head_tier].itertuples():
            subs = units[(units["tier"] == sub_tier) & (units["parent_code"] == head.code)]
            rows = [figures(rng, sub_tier, n) for n in subs["name_with_type"]]
            if form == "III":
                for r in rows:
                    r.pop("dossiers_on_time")
            head_row = figures(rng, head_tier, head.name_with_type)
            if form == "III":
                head_row.pop("dossiers_on_time")
            suffix = rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0]
            path = raw / form / f"PL{form} {head.code}{suffix}"
            jobs.append((form, path, head_row, rows, suffix))
    for form in FORM_TIERS:
        (raw / form).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_write, jobs, chunksize=16))
    return len(jobs)


# Runs a command as its own child and reports its wall time, CPU time and peak memory (its process tree
# only: not the workers that generated the workbooks). CPU time says how much work was done even when
# other programs share the machine and stretch the wall time.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)
"""


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Wall time (s), CPU time (s) and peak resident memory (bytes) of a command run as a whole process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], check=True, capture_output=True, text=True)
    wall, cpu, peak = out.stdout.split()
    return float(wall), float(cpu), float(peak)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the ingest and the floor, interleaved")
    args = parser.parse_args()
    base = OUT / f"cities-{args.cities}"
    raw, out, registry_csv = base / "raw", base / "processed", base / "registry.csv"
    units = city_registry(load_registry().units, args.cities)
    if not (base / "ready").exists():
        base.mkdir(parents=True, exist_ok=True)
        units.to_csv(registry_csv, index=False)
        print(f"Đang tạo {args.cities} thành phố …", file=sys.stderr)
        generate(units, raw)
        (base / "ready").touch()
    workbooks = sum(1 for p in raw.rglob("*") if p.is_file())
    # sketket's bytecode written first, as for any installed package (see COMPILE in the Makefile): otherwise,
    # where PYTHONDONTWRITEBYTECODE is set, every run compiles sketket's modules again (0,1 s of start-up)
    compileall.compile_dir(Path(sketket_package.__file__).parent, quiet=1)
    sketket = str(Path(sys.executable).with_name("sketket"))
    # floor, ingest, floor, ingest, …, floor: each ingest is set against the mean of the floors run just
    # before and just after it, so that a drift of the machine's speed during the pair cancels out
    floors = [timed([sys.executable, "-c", FLOOR, str(raw)])]
    ingests = []
    for _ in range(args.repeat):
        ingests.append(timed([sketket, "ingest", str(raw), "--out", str(out), "--registry", str(registry_csv)]))
        floors.append(timed([sys.executable, "-c", FLOOR, str(raw)]))
    runs = [(*ingest, (before[0] + after[0]) / 2, (before[1] + after[1]) / 2, 0.0)
            for ingest, before, after in zip(ingests, floors, floors[1:], strict=False)]
    wall, cpu, peak, floor, floor_cpu, _ = (statistics.median(r[i] for r in runs) for i in range(6))
    rows = len(pd.read_parquet(out / "appendix.parquet"))
    print(f"{'':28}{'sketket ingest':>16}{'calamine (sàn)':>16}")
    print(f"{'tệp biểu':28}{format_int(workbooks):>16}{format_int(workbooks):>16}")
    print(f"{'dòng đơn vị':28}{format_int(rows):>16}{'':>16}")
    print(f"{'thời gian (giây)':28}{format_number(wall, 2):>16}{format_number(floor, 2):>16}")
    print(f"{'thời gian CPU (giây)':28}{format_number(cpu, 2):>16}{format_number(floor_cpu, 2):>16}")
    print(f"{'tệp/giây':28}{format_int(workbooks / wall):>16}{format_int(workbooks / floor):>16}")
    print(f"{'bộ nhớ đỉnh (MB)':28}{format_int(peak / 2**20):>16}{'':>16}")
    ratios = sorted(r[0] / r[3] for r in runs)
    print(f"{'so với sàn (trung vị)':28}{format_number(statistics.median(ratios), 1) + '×':>16}{'':>16}")
    if len(runs) > 1:
        print(f"so với sàn, từng lần ({len(runs)} lần): " + "; ".join(format_number(r, 2) + "×" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
