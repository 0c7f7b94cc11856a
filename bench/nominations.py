"""Benchmark of the award nominations: N units each send a filled list (2 collectives, 8 individuals); the
lists are read, checked and compiled into the .xlsx and the .docx. Each step is timed in this process.

    python bench/nominations.py               # 60 units, 600 nominations
    python bench/nominations.py --units 300   # 3.000 nominations
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from sketket.analysis.nominations import check_nominations
from sketket.clean import format_int, format_number
from sketket.config import Plan
from sketket.intake.nominations import read_nominations
from sketket.outputs.nomination_template import write_nomination_workbook
from sketket.outputs.nominations import write_list_docx, write_list_xlsx
from sketket.registry import load_registry

AWARD = "Bằng khen của Chủ tịch UBND Thành phố"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=60)
    args = parser.parse_args()
    registry, plan = load_registry(), Plan.load()
    proposers = list(registry.expected_submitters()["name_with_type"])
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k in range(args.units):
            unit = proposers[k % len(proposers)]
            collectives = [{"name": f"Bộ phận một cửa số {k}-{j}", "unit_name": unit, "award": AWARD,
                            "summary": "Thực hiện tốt cơ chế một cửa", "reason": "Đơn vị tiêu biểu của Thành phố"}
                           for j in range(2)]
            individuals = [{"name": f"Nguyễn Văn {k} {j}", "position": "Công chức", "unit_name": unit,
                            "direct_worker": j != 0, "award": AWARD, "summary": "Giải quyết hồ sơ đúng hạn"}
                           for j in range(8)]
            path = Path(tmp) / f"kt-{k}.xlsx"
            write_nomination_workbook(path, unit, collectives, individuals, plan=plan)
            paths.append(path)
        t0 = time.perf_counter()
        rows = [r for p in paths for r in read_nominations(p, p.name, registry).rows]  # type: ignore[union-attr]
        t1 = time.perf_counter()
        checks, _ = check_nominations(pd.DataFrame(rows))
        t2 = time.perf_counter()
        write_list_xlsx(checks, Path(tmp) / "list.xlsx", plan)
        t3 = time.perf_counter()
        write_list_docx(checks, Path(tmp) / "list.docx", plan)
        t4 = time.perf_counter()
    print(f"{format_int(args.units)} danh sách, {format_int(len(rows))} đề nghị: đọc {format_number(t1 - t0, 2)} s, "
          f"kiểm tra {format_number(t2 - t1, 2)} s, .xlsx {format_number(t3 - t2, 2)} s, "
          f".docx {format_number(t4 - t3, 2)} s")


if __name__ == "__main__":
    main()
