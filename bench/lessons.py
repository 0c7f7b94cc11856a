"""Benchmark of the lessons step on the demo city: write_lessons + write_checklist (themes, quotes,
initiatives, recommendations and the II.2 checklist read from every report's prose), wall and CPU time, the
config loaded anew and every cache emptied before each repeat (target: under 2 s).

    .venv/bin/python bench/lessons.py [--repeat 5]

The demo is generated and ingested once under bench/out/lessons/ (git-ignored) and reused by the next run;
by hand the same is `sketket demo --out DIR` then `sketket ingest DIR --out PROCESSED`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sketket.analysis import checklist, lessons
from sketket.clean import format_number

OUT = Path(__file__).parent / "out" / "lessons"


def processed() -> Path:
    """The ingested demo city (sections.csv), made on first use."""
    raw, done = OUT / "raw", OUT / "processed"
    if not (done / "sections.csv").exists():
        cli = [sys.executable, "-m", "sketket.cli"]
        subprocess.run([*cli, "demo", "--out", str(raw)], check=True, capture_output=True)
        subprocess.run([*cli, "ingest", str(raw), "--out", str(done)], check=True, capture_output=True)
    return done


def once(folder: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one lessons step with cold caches."""
    for cached in (lessons.load_themes, checklist.load_checklist, checklist.sentences_of, checklist._key,
                   lessons._same):
        cached.cache_clear()
    wall, cpu = time.perf_counter(), time.process_time()
    lessons.write_lessons(folder)
    checklist.write_checklist(folder)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = processed()
    runs = [once(folder) for _ in range(args.repeat)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    print(f"lessons step on the demo city ({args.repeat} runs): wall median {format_number(statistics.median(walls), 2)} s "
          f"(min {format_number(min(walls), 2)} s), CPU median {format_number(statistics.median(cpus), 2)} s")


if __name__ == "__main__":
    main()
