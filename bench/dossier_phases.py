"""Where `sketket dossiers` spends its time: each step of `count_dossiers` timed in one process (wall and CPU
seconds of the engine's calls and of the Python steps around them), on exports made by bench/dossiers.py.

    python bench/dossiers.py --rows 2000000            # makes bench/out/dossiers-2000000-100 once
    python bench/dossier_phases.py bench/out/dossiers-2000000-100

To set two versions side by side, run it again with PYTHONPATH=<another checkout>/src (steps that version does
not have are left out).
"""

from __future__ import annotations

import argparse
import functools
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sketket.analysis.dossier_counts as dc
from sketket.clean import format_number

STEPS = ("load_raw", "materialise", "query", "register_lookup", "register_rows", "write_dossiers")
PYTHON_STEPS = ("discover", "read_procedures", "_lookups", "working_calendar", "findings_table")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(name: str, fn: Callable[..., Any], log: list[tuple[str, float, float]]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            first = next((a for a in args if isinstance(a, str)), "")  # a query: its first comment line
            label = name + (": " + first.splitlines()[0][:60] if first and name in ("query", "materialise") else "")
            log.append((label, time.perf_counter() - wall, _cpu() - cpu))
    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", type=Path)
    args = ap.parse_args()
    log: list[tuple[str, float, float]] = []
    for name in STEPS:
        if hasattr(dc.DuckDBEngine, name):
            setattr(dc.DuckDBEngine, name, _timed(name, getattr(dc.DuckDBEngine, name), log))
    for name in PYTHON_STEPS:
        if hasattr(dc, name):
            setattr(dc, name, _timed(name, getattr(dc, name), log))
    wall, cpu = time.perf_counter(), _cpu()
    with tempfile.TemporaryDirectory() as out:
        dc.count_dossiers(args.logs, Path(out))
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    print(f"{'bước':72}{'giây':>8}{'CPU':>8}")
    for label, w, c in log:
        if w >= 0.01:
            print(f"{label:72}{format_number(w, 2):>8}{format_number(c, 2):>8}")
    print(f"{'count_dossiers':72}{format_number(wall, 2):>8}{format_number(cpu, 2):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
