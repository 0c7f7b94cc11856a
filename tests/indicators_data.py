"""A small city for the indicator, award and analyse tests: a registry of 14 units and appendix rows as
ingest writes them, with figures chosen so that every sum and rate can be checked by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sketket.layout import FIGURES
from sketket.registry import Registry

REGISTRY_ROWS = [
    ("S01", "so", "Sở Alpha", ""),
    ("S01.01", "chi_cuc", "Chi cục Alpha Một", "S01"),
    ("S01.02", "chi_cuc", "Chi cục Alpha Hai", "S01"),
    ("S02", "so", "Sở Beta", ""),
    ("N01", "nganh_doc_tp", "Cục Thuế thành phố Hà Nội", ""),
    ("N01.001", "nganh_doc_huyen", "Chi cục Thuế quận Xuân", "N01"),
    ("001", "huyen", "Quận Xuân", ""),
    ("00001", "xa", "Phường Một", "001"),
    ("00002", "xa", "Phường Hai", "001"),
    ("00003", "xa", "Phường Ba", "001"),
    ("002", "huyen", "Huyện Thu", ""),
    ("00010", "xa", "Xã Mười", "002"),
]

FORM = {"so": "I", "chi_cuc": "I", "nganh_doc_tp": "II", "nganh_doc_huyen": "II", "huyen": "III", "xa": "III"}
SOURCE = {"I": "so-alpha.xlsx", "II": "cuc-thue.xlsx", "III": "quan-xuan.xlsx"}


def registry() -> Registry:
    return Registry(pd.DataFrame(
        [{"code": c, "tier": t, "name": n, "name_with_type": n, "parent_code": p} for c, t, n, p in REGISTRY_ROWS]))


def unit(name: str, code: str, tier: str, parent: str = "", source: str | None = None,
         figures: tuple | None = None) -> dict:
    """One appendix row; figures = (area, total, one_stop, received, on_time, overdue, online, postal)."""
    row = {"unit_name": name, "form": FORM[tier], "tier": tier, "unit_code": code, "parent_name": parent,
           "derived": "dossiers_on_time" if FORM[tier] == "III" else "",
           "source_file": source or SOURCE[FORM[tier]], "source_sheet": "Sheet1", "source_row": 8}
    row.update(dict.fromkeys(FIGURES))
    if figures is not None:
        area, total, one_stop, received, on_time, overdue, online, postal = figures
        row.update(area_m2=area, tthc_total=total, tthc_one_stop=one_stop, dossiers_received=received,
                   dossiers_on_time=on_time, dossiers_overdue=overdue, online_services_l34=online,
                   postal_tthc=postal, tthc_one_stop_pct=100 * one_stop / total,
                   on_time_pct=100 * on_time / received)
    row["note"] = ""
    return row


def city_rows() -> list[dict]:
    return [
        unit("Sở Alpha", "S01", "so", figures=(50, 200, 200, 5000, 4990, 10, 40, 100)),
        unit("Chi cục Alpha Một", "S01.01", "chi_cuc", "Sở Alpha", figures=(20, 50, 30, 400, 340, 60, 0, 5)),
        unit("Sở Beta", "S02", "so", source="so-beta.xlsx", figures=(30, 100, 100, 2000, 1999, 1, 10, 0)),
        unit("Cục Thuế thành phố Hà Nội", "N01", "nganh_doc_tp",
             figures=(100, 300, 300, 10000, 9990, 10, 100, 50)),
        # the template's pre-filled branch row, left empty
        unit("Chi cục Thuế quận Xuân", "N01.001", "nganh_doc_huyen", "Cục Thuế thành phố Hà Nội"),
        unit("Quận Xuân", "001", "huyen", figures=(80, 150, 150, 3000, 2970, 30, 20, 10)),
        unit("Phường Một", "00001", "xa", "Quận Xuân", figures=(15, 40, 40, 10, 10, 0, 0, 0)),
        unit("Phường Hai", "00002", "xa", "Quận Xuân", figures=(25, 40, 36, 1000, 900, 100, 2, 1)),
        # a commune whose name is not in the registry: counted in its district and tier, not matched
        unit("Phường Lạ", "", "xa", "Quận Xuân", figures=(10, 10, 10, 50, 50, 0, 1, 0)),
    ]


def appendix(rows: list[dict] | None = None) -> pd.DataFrame:
    columns = list(unit("", "", "so").keys())
    return pd.DataFrame(rows if rows is not None else city_rows(), columns=columns)


def write_processed(folder: Path, rows: list[dict] | None = None, findings: list[dict] | None = None) -> Path:
    """appendix.csv, findings.csv and files.csv as ingest writes them (UTF-8 with BOM)."""
    folder.mkdir(parents=True, exist_ok=True)
    df = appendix(rows)
    df.to_csv(folder / "appendix.csv", index=False, encoding="utf-8-sig")
    columns = ["source_file", "sheet", "cell", "unit_name", "rule", "severity", "message", "value"]
    pd.DataFrame(findings or [], columns=columns).to_csv(folder / "findings.csv", index=False,
                                                         encoding="utf-8-sig")
    files = df.groupby("source_file").size().rename("unit_rows").reset_index()
    files["status"] = "ingested"
    files.to_csv(folder / "files.csv", index=False, encoding="utf-8-sig")
    return folder


def finding(source: str, unit_name: str, rule: str, severity: str = "error", cell: str = "G9",
            message: str = "Sai", value: object = "") -> dict:
    return {"source_file": source, "sheet": "Sheet1", "cell": cell, "unit_name": unit_name, "rule": rule,
            "severity": severity, "message": message, "value": value}
