"""Benchmark of `sketket dossiers`: N synthetic dossiers as CSV exports (one file per unit, ~100 units), the
command timed as a whole process (wall time, rows per second, peak memory) beside the floor: DuckDB alone
reading the same files into a GROUP BY unit count, also as a whole process. Then, from dossiers.parquet, all
the indicators (units, procedures, findings, files) against DuckDB's own GROUP BY on that Parquet. Beside the
floor, what any run writing dossiers.parquet pays at least: DuckDB copying every column of the CSV, as text,
to Parquet (nothing parsed or counted).

    python bench/dossiers.py                      # 10 million dossiers (heavy on a shared 2-core machine)
    python bench/dossiers.py --rows 2000000 --repeat 5

The floor runs before the first `sketket dossiers` and after each one; each run is set against the mean of the
two floors around it (the shared machine's speed drifts by a third within minutes), and the median is shown.

Generated exports are kept under bench/out/dossiers-N/ (git-ignored) and reused by the next run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sketket.clean import format_int, format_number
from sketket.registry import load_registry

OUT = Path(__file__).parent / "out"
HEADER = ("Mã hồ sơ,Mã TTHC,Tên TTHC,Đơn vị,Kênh nộp,Ngày tiếp nhận,Ngày hẹn trả,Ngày có kết quả,"
          "Ngày trả kết quả,Hình thức trả,Trạng thái")
# One unit's export, made by DuckDB (Python would take minutes for 10 million rows): dates as the software
# writes them (dd/mm/yyyy hh:mm), a few per thousand unreadable, channels and statuses mixed.
GENERATE = """
COPY (
  SELECT 'HS-' || CAST(i AS VARCHAR) AS c0,
         'TTHC-' || CAST(i % 300 AS VARCHAR) AS c1,
         'Thủ tục hành chính số ' || CAST(i % 300 AS VARCHAR) AS c2,
         {unit} AS c3,
         CASE i % 10 WHEN 0 THEN 'Trực tuyến' WHEN 1 THEN 'Bưu chính' ELSE 'Trực tiếp' END AS c4,
         CASE WHEN i % 997 = 0 THEN '31/02/2017' ELSE strftime(r, '%d/%m/%Y %H:%M') END AS c5,
         strftime(r + INTERVAL (i % 15) DAY, '%d/%m/%Y') AS c6,
         CASE WHEN i % 7 = 0 THEN '' ELSE strftime(r + INTERVAL (i % 17) DAY, '%d/%m/%Y %H:%M') END AS c7,
         CASE WHEN i % 7 = 0 THEN '' ELSE strftime(r + INTERVAL (i % 17) DAY, '%d/%m/%Y %H:%M') END AS c8,
         CASE WHEN i % 20 = 0 THEN 'Bưu chính' ELSE 'Trực tiếp' END AS c9,
         CASE WHEN i % 7 = 0 THEN (CASE WHEN i % 3 = 0 THEN 'Chờ bổ sung' ELSE 'Đang xử lý' END)
              ELSE 'Đã trả kết quả' END AS c10
  FROM (SELECT i, TIMESTAMP '2016-03-20 07:30' + INTERVAL (i * 7919 % 500) DAY
                  + INTERVAL (i * 31 % 600) MINUTE AS r FROM range({start}, {stop}) t(i))
) TO {path} (FORMAT csv, HEADER false)
"""
FLOOR = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET memory_limit = '1500MB'")
print(con.execute(f"SELECT #4, count(*) FROM read_csv('{sys.argv[1]}/*.csv', header=true, all_varchar=true) "
                  "GROUP BY 1").fetchall()[:1])
"""
# What any run that writes dossiers.parquet pays at least: every column of every row read as text and written to
# Parquet, nothing parsed or counted (the floor above reads one column: DuckDB's CSV reader skips the others).
COPY_ALL = """
import sys, duckdb
con = duckdb.connect()
con.execute("SET memory_limit = '1500MB'")
con.execute(f"COPY (SELECT * FROM read_csv('{sys.argv[1]}/*.csv', header=true, all_varchar=true)) "
            f"TO '{sys.argv[2]}/copy.parquet' (FORMAT parquet, COMPRESSION snappy)")
"""
PARQUET_FLOOR = "SELECT unit_code, count(*) FROM read_parquet({path}) GROUP BY 1"


def generate(folder: Path, rows: int, units: int) -> None:
    import duckdb

    names = list(load_registry().units.query("tier == 'xa'")["name_with_type"].head(units))
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    per = rows // len(names)
    for k, name in enumerate(names):
        body = folder / f".body-{k:03d}.csv"
        con.execute(GENERATE.format(unit="'UBND " + name.replace("'", "''") + "'", start=k * per,
                                    stop=(k + 1) * per if k < len(names) - 1 else rows, path=f"'{body}'"))
        with open(folder / f"don-vi-{k:03d}.csv", "wb") as out, open(body, "rb") as src:
            out.write((HEADER + "\n").encode("utf-8"))
            while chunk := src.read(1 << 24):
                out.write(chunk)
        body.unlink()


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB) of a whole process (GNU time's maximum resident set size)."""
    start = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


def indicators_from_parquet(out: Path) -> tuple[float, float, float]:
    """The indicators from dossiers.parquet (per unit, per procedure) against one GROUP BY on the same file,
    and beside them the findings and files queries."""
    from sketket.analysis.dossier_counts import DuckDBEngine, render

    eng = DuckDBEngine()
    path = out / "dossiers.parquet"
    eng.use_dossiers(path)

    def best(queries: list[str]) -> float:  # the best of five: these take tenths of a second
        times = []
        for _ in range(5):
            start = time.perf_counter()
            for sql in queries:
                eng.query(sql)
            times.append(time.perf_counter() - start)
        return min(times)

    floor = best([PARQUET_FLOOR.format(path=f"'{path}'")])
    ours = best([render(name, eng.dialect) for name in ("units.sql", "procedures.sql")])
    findings = best([render(name, eng.dialect) for name in ("row_findings.sql", "group_findings.sql", "files.sql")])
    eng.close()
    return ours, floor, findings


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1, help="runs of sketket dossiers, each between two floors")
    args = ap.parse_args()
    folder = OUT / f"dossiers-{args.rows}-{args.units}"
    if not any(folder.glob("*.csv")):
        print(f"Tạo {format_int(args.rows)} hồ sơ của {args.units} đơn vị trong {folder} …", flush=True)
        generate(folder, args.rows, args.units)
    size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 2**20
    with tempfile.TemporaryDirectory() as tmp:
        floor = [sys.executable, "-c", FLOOR, str(folder)]
        copy_s, _ = timed([sys.executable, "-c", COPY_ALL, str(folder), tmp])
        Path(tmp, "copy.parquet").unlink()
        floors, runs = [timed(floor)], []
        for _ in range(args.repeat):
            runs.append(timed([sys.executable, "-m", "sketket.cli", "dossiers", str(folder), "--out", tmp]))
            floors.append(timed(floor))
        ind_s, ind_floor, findings_s = indicators_from_parquet(Path(tmp))
    ratios = [ours / ((before + after) / 2)
              for (ours, _), (before, _), (after, _) in zip(runs, floors, floors[1:], strict=False)]
    ratio = statistics.median(ratios)
    ours_s = statistics.median(r[0] for r in runs)
    ours_mem = max(r[1] for r in runs)
    floor_s = statistics.median(f[0] for f in floors)
    print(f"{format_int(args.rows)} hồ sơ, {args.units} tệp, {format_number(size, 0)} MiB CSV")
    print(f"  floor (DuckDB đọc CSV + GROUP BY đơn vị): {format_number(floor_s, 1)} s (trung vị {len(floors)} lần)")
    print(f"  chép nguyên văn CSV sang Parquet (mọi cột, không tính gì): {format_number(copy_s, 1)} s = "
          f"{format_number(copy_s / floors[0][0], 2)}× floor ngay trước")
    print(f"  sketket dossiers: {format_number(ours_s, 1)} s = {format_number(ratio, 2)}× floor (trung vị), "
          f"{format_int(args.rows / ours_s)} dòng/s, bộ nhớ đỉnh {format_int(ours_mem)} MiB")
    if len(ratios) > 1:
        print("    từng lần: " + "; ".join(format_number(r, 2) + "×" for r in sorted(ratios)))
    print(f"  chỉ số từ dossiers.parquet: {format_number(ind_s, 2)} s = "
          f"{format_number(ind_s / ind_floor, 2)}× GROUP BY trên Parquet ({format_number(ind_floor, 2)} s); "
          f"lỗi và sổ tệp thêm {format_number(findings_s, 2)} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
