"""Benchmark of `sketket analyse` at scale: on 1, 8 and 60 cities of the ingest benchmark's data (bench/ingest.py
writes them, and this script does too when they are missing), `sketket ingest` then `sketket analyse`, each
timed as a whole process (wall time, CPU time, peak memory), the growth exponent of analyse between 8 and 60
cities, and the ingest of the largest data set against a registry that matches nothing (every name of the
registry spelt backwards: same sizes and letters, no unit found, every row asking for close names).

    python bench/analyse.py                   # 1, 8 and 60 cities
    python bench/analyse.py --cities 1 8      # quicker

Targets (issue 16): analyse of 60 cities within 3x its ingest and under 1 GiB; exponent 8 -> 60 at most 1,1;
the unmatched ingest within 2x the matched one.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from ingest import OUT, city_registry, generate, timed  # noqa: E402  (the ingest benchmark's own data)

from sketket.clean import format_int, format_number  # noqa: E402
from sketket.registry import load_registry  # noqa: E402


def dataset(cities: int) -> tuple[Path, Path]:
    """The raw folder and registry of N cities, generated once under bench/out/cities-N/."""
    base = OUT / f"cities-{cities}"
    raw, registry_csv = base / "raw", base / "registry.csv"
    if not (base / "ready").exists():
        base.mkdir(parents=True, exist_ok=True)
        units = city_registry(load_registry().units, cities)
        units.to_csv(registry_csv, index=False)
        print(f"Đang tạo {cities} thành phố …", file=sys.stderr)
        generate(units, raw)
        (base / "ready").touch()
    return raw, registry_csv


def backwards(name: str) -> str:
    """Each word spelt backwards: "Phường Phúc Xá" → "gnờưhP cúhP áX"."""
    return " ".join(word[::-1] for word in name.split())


def unmatched_registry(registry_csv: Path) -> Path:
    """The same registry with every name spelt backwards: a registry that knows none of the units."""
    out = registry_csv.with_name("registry-unmatched.csv")
    units = pd.read_csv(registry_csv, dtype=str, keep_default_na=False)
    for col in ("name", "name_with_type"):
        units[col] = units[col].map(backwards)
    units.to_csv(out, index=False)
    return out


def exponent(small: tuple[int, float], large: tuple[int, float]) -> float:
    """Growth exponent k of time ∝ size^k between two runs."""
    (n1, t1), (n2, t2) = small, large
    return math.log(t2 / t1) / math.log(n2 / n1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cities", type=int, nargs="+", default=[1, 8, 60])
    args = parser.parse_args()
    sketket = str(Path(sys.executable).with_name("sketket"))
    results: dict[int, dict[str, tuple[float, float, float]]] = {}
    for cities in args.cities:
        raw, registry_csv = dataset(cities)
        base = raw.parent
        processed, reports = base / "processed", base / "reports"
        shutil.rmtree(reports, ignore_errors=True)
        results[cities] = {
            "ingest": timed([sketket, "ingest", str(raw), "--out", str(processed), "--registry", str(registry_csv)]),
            "analyse": timed([sketket, "analyse", str(processed), "--reports", str(reports),
                              "--registry", str(registry_csv)]),
        }
    largest = max(args.cities)
    raw, registry_csv = dataset(largest)
    unmatched = timed([sketket, "ingest", str(raw), "--out", str(raw.parent / "processed-unmatched"),
                       "--registry", str(unmatched_registry(registry_csv))])

    def cell(value: str) -> str:
        return f"{value:>14}"

    print(f"{'':34}" + "".join(cell(f"{format_int(c)} TP") for c in args.cities))
    for step in ("ingest", "analyse"):
        print(f"{step + ', thời gian (giây)':34}"
              + "".join(cell(format_number(results[c][step][0], 2)) for c in args.cities))
        print(f"{step + ', CPU (giây)':34}"
              + "".join(cell(format_number(results[c][step][1], 2)) for c in args.cities))
        print(f"{step + ', bộ nhớ đỉnh (MB)':34}"
              + "".join(cell(format_int(results[c][step][2] / 2**20)) for c in args.cities))
    print(f"{'analyse ÷ ingest (thời gian)':34}"
          + "".join(cell(format_number(results[c]["analyse"][0] / results[c]["ingest"][0], 1) + "×")
                    for c in args.cities))
    if 8 in results and 60 in results:
        for label, k in (("thời gian", 0), ("CPU", 1)):
            growth = exponent((8, results[8]["analyse"][k]), (60, results[60]["analyse"][k]))
            print(f"số mũ tăng của analyse 8 → 60 TP ({label}): {format_number(growth, 2)}")
    matched = results[largest]["ingest"]
    print(f"ingest {format_int(largest)} TP, danh mục không khớp tên nào: {format_number(unmatched[0], 2)} s "
          f"(CPU {format_number(unmatched[1], 2)} s, {format_int(unmatched[2] / 2**20)} MB), "
          f"{format_number(unmatched[0] / matched[0], 1)}× ingest khớp danh mục "
          f"(CPU {format_number(unmatched[1] / matched[1], 1)}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
