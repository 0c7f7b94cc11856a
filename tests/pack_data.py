"""A small processed city for the pack and notebook tests: appendix, findings and files as ingest writes
them, and the indicator tables computed by the library (sketket.analysis.indicators, sketket.analysis.awards)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sketket.analysis import indicators
from sketket.analysis.analyse import awards_shortlist
from sketket.layout import FIGURES
from sketket.registry import load_registry

SCRIPT_NAME = "<script>alert(1)</script>"
FORM = {"so": "I", "chi_cuc": "I", "nganh_doc_tp": "II", "nganh_doc_huyen": "II", "huyen": "III", "xa": "III"}


def _row(name, code, tier, parent, source, received, overdue, total=100, one_stop=100, online=5, postal=2):
    row = dict.fromkeys(FIGURES)
    row.update(unit_name=name, form=FORM[tier], tier=tier, unit_code=code, parent_name=parent, derived="",
               source_file=source, source_sheet="Sheet1", source_row=8, note="", area_m2=40.0,
               tthc_total=total, tthc_one_stop=one_stop, tthc_one_stop_pct=100 * one_stop / total,
               dossiers_received=received, dossiers_on_time=received - overdue, dossiers_overdue=overdue,
               on_time_pct=100 * (received - overdue) / received, online_services_l34=online, postal_tthc=postal)
    return row


def appendix() -> pd.DataFrame:
    rows = [
        _row("Sở Nội vụ", "S01", "so", "", "so-noi-vu.xlsx", 12000, 6),
        _row("Ban Thi đua - Khen thưởng", "S01.01", "chi_cuc", "Sở Nội vụ", "so-noi-vu.xlsx", 800, 40),
        _row("Ban Tôn giáo", "S01.02", "chi_cuc", "Sở Nội vụ", "so-noi-vu.xlsx", 300, 0, one_stop=60),
        _row("Sở Tư pháp", "S02", "so", "", "so-tu-phap.xlsx", 45000, 900, online=0),
        _row("Cục Thuế thành phố Hà Nội", "N01", "nganh_doc_tp", "", "cuc-thue.xlsx", 234567, 1200),
        _row("Quận Ba Đình", "001", "huyen", "", "quan-ba-dinh.xlsx", 56000, 300),
        # names as districts type them: the packs show the registry's
        _row("P. Phúc Xá", "00001", "xa", "Quận Ba Đình", "quan-ba-dinh.xlsx", 4000, 10),
        _row("UBND phường Trúc Bạch", "00004", "xa", "Quận Ba Đình", "quan-ba-dinh.xlsx", 3500, 400),
        _row(SCRIPT_NAME, "", "xa", "Quận Ba Đình", "quan-ba-dinh.xlsx", 1000, 0),
    ]
    return pd.DataFrame(rows)


def write_processed(out: Path) -> Path:
    """Write the processed tables of the small city into `out` and return it."""
    out.mkdir(parents=True, exist_ok=True)
    app = appendix()
    findings = pd.DataFrame([
        {"source_file": "quan-ba-dinh.xlsx", "sheet": "Sheet1", "cell": "G12", "unit_name": "UBND phường Trúc Bạch",
         "rule": "sum_mismatch", "severity": "error", "value": "3500",
         "message": "Đúng hạn + quá hạn (3.100 + 400) khác tổng số hồ sơ đã nhận"},
        {"source_file": "quan-ba-dinh.xlsx", "sheet": "Sheet1", "cell": "B13", "unit_name": SCRIPT_NAME,
         "rule": "unit_unmatched", "severity": "warning", "value": SCRIPT_NAME,
         "message": f"Tên đơn vị “{SCRIPT_NAME}” không có trong danh mục"},
        {"source_file": "hong.xlsx", "sheet": "", "cell": "", "unit_name": "", "rule": "file_corrupt",
         "severity": "error", "value": "", "message": "Tệp hỏng, không mở được"},
    ])
    files = pd.DataFrame([
        {"source_file": f, "status": "ingested", "form": form, "reason": "", "unit_rows": n, "errors": e,
         "warnings": w}
        for f, form, n, e, w in [("so-noi-vu.xlsx", "I", 3, 0, 0), ("so-tu-phap.xlsx", "I", 1, 0, 0),
                                 ("cuc-thue.xlsx", "II", 1, 0, 0), ("quan-ba-dinh.xlsx", "III", 4, 1, 1)]
    ] + [{"source_file": "hong.xlsx", "status": "rejected", "form": "", "reason": "Tệp hỏng, không mở được",
          "unit_rows": 0, "errors": 1, "warnings": 0}])
    registry = load_registry()
    units = indicators.unit_table(app, registry)
    tables = {
        "appendix": app, "findings": findings, "files": files, "indicators_units": units,
        "indicators_tiers": indicators.tier_indicators(units, registry),
        "indicators_districts": indicators.district_indicators(units, registry),
        "indicators_parents": indicators.parent_indicators(units, registry),
        "completeness": indicators.completeness(units, registry),
        "awards": awards_shortlist(units, findings),
    }
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
    return out


def _figures(form: str, received: int, overdue: int, total: int = 120, one_stop: int = 120, online: int = 8) -> dict:
    row = {"area_m2": 45.0, "tthc_total": total, "tthc_one_stop": one_stop, "dossiers_received": received,
           "dossiers_on_time": received - overdue, "dossiers_overdue": overdue, "online_services_l34": online,
           "postal_tthc": 3}
    if form == "III":
        del row["dossiers_on_time"]
    return row


def write_raw(raw: Path) -> Path:
    """Submissions as units send them: one workbook per form (written by the project's writer), a
    commune named like a script, and a file that is not a workbook."""
    from sketket.outputs.writer import write_filled

    raw.mkdir(parents=True, exist_ok=True)
    write_filled("I", raw / "so-noi-vu.xlsx", {"unit_name": "Sở Nội vụ", **_figures("I", 12000, 6)},
                 [{"unit_name": "Ban Thi đua - Khen thưởng", **_figures("I", 800, 40)},
                  {"unit_name": "Ban Tôn giáo", **_figures("I", 300, 0, one_stop=60)}])
    write_filled("I", raw / "so-tu-phap.xlsx", {"unit_name": "Sở Tư pháp", **_figures("I", 45000, 900, online=0)},
                 [])
    write_filled("II", raw / "cuc-thue.xlsx", {"unit_name": "Cục Thuế thành phố Hà Nội",
                                               **_figures("II", 234567, 1200)},
                 [{"unit_name": "Chi cục Thuế quận Ba Đình", **_figures("II", 9000, 12)}])
    write_filled("III", raw / "quan-ba-dinh.xlsx", {"unit_name": "Quận Ba Đình", **_figures("III", 56000, 300)},
                 [{"unit_name": "Phường Phúc Xá", **_figures("III", 4000, 10)},
                  {"unit_name": "UBND phường Trúc Bạch", **_figures("III", 3500, 400)},
                  {"unit_name": SCRIPT_NAME, **_figures("III", 1000, 0)}])
    (raw / "hong.xlsx").write_bytes(b"not a workbook")
    return raw


def write_config(base: Path, packs: dict, notebooks: Path | None = None) -> Path:
    """A run's config: folders under `base`, the given packs, two workers."""
    import yaml

    run = {"workers": 2, "packs": packs}
    if notebooks is not None:
        run["notebooks"] = str(notebooks)
    config = base / "sketket.yml"
    config.write_text(yaml.safe_dump({"paths": {"raw": "raw", "processed": "processed", "reports": "reports"},
                                      "run": run}, allow_unicode=True), encoding="utf-8")
    return config


SMALL_PACKS = {"clean": True, "indicators": True, "lessons": True, "city": True, "districts": ["001"],
               "departments": ["S01"], "verticals": ["N01"]}


def small_run(base: Path) -> tuple[int, Path]:
    """`sketket run` on the small raw folder, once per test session (the reports folder is reused)."""
    from sketket.cli import main

    marker = base / "exit-code"
    if not marker.exists():
        write_raw(base / "raw")
        code = main(["run", "--config", str(write_config(base, SMALL_PACKS))])
        marker.write_text(str(code))
    return int(marker.read_text()), base / "reports"
