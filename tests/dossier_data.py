"""Dossier-log tables a test writes through the catalog (what `sketket dossiers` would have written for two
communes): Phường Một (00001) differs from its table, Phường Hai (00002) agrees."""

from __future__ import annotations

import pandas as pd

from sketket.analysis.dossier_counts import on_time_rate
from sketket.catalog import Catalog

UNITS = [  # unit_code, unit_name, tier, received, on_time, overdue, online, postal in, postal out, sat, sat morning
    ("00001", "Phường Một", "xa", 400, 380, 20, 100, 10, 4, 30, 12),
    ("00002", "Phường Hai", "xa", 100, 100, 0, 0, 0, 1, 0, 0),
]
# unit_code, procedure_code, procedure_name, received, on_time, overdue, online_received
PROCEDURES = [
    ("00001", "1.001", "Chứng thực bản sao", 200, 185, 15, 20),
    ("00001", "1.002", "Đăng ký khai sinh", 150, 145, 5, 75),
    ("00001", "1.003", "Đăng ký kết hôn", 40, 40, 0, 5),
    ("00001", "1.004", "Cấp phép xây dựng", 10, 10, 0, 0),
    ("00002", "1.001", "Chứng thực bản sao", 60, 60, 0, 0),
    ("00002", "1.003", "Đăng ký kết hôn", 40, 40, 0, 0),
]


# unit_code → log rows, out of period, duplicate rows, unreadable rows, first and last day of receipt, covers the
# period, log note (Phường Một's log stops at 30/06/2017: a month short of the cutoff)
SHORT_NOTE = "sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ; 3 dòng của sổ bị loại vì lỗi"
LOGS = {"00001": (410, 5, 2, 3, "2016-04-01", "2017-06-30", False, SHORT_NOTE),
        "00002": (100, 0, 0, 0, "2016-04-04", "2017-07-28", True, "")}
_LOG_COLUMNS = ["log_rows", "out_of_period", "duplicate_rows", "unreadable_rows", "first_received", "last_received",
                "covers_period", "log_note"]


def units() -> pd.DataFrame:
    cols = ["unit_code", "unit_name", "tier", "received", "on_time", "overdue", "online_received",
            "postal_received", "postal_returned", "saturday_received", "saturday_same_morning"]
    rows = pd.DataFrame(UNITS, columns=cols)
    logs = pd.DataFrame([(code, *v) for code, v in LOGS.items()], columns=["unit_code", *_LOG_COLUMNS])
    rows = rows.merge(logs, on="unit_code")
    sums = cols[3:] + _LOG_COLUMNS[:4]
    city = rows[sums].sum().to_dict() | {"unit_code": "", "unit_name": "Toàn Thành phố", "tier": "city",
                                         "first_received": "2016-04-01", "last_received": "2017-07-28",
                                         "covers_period": False, "log_note": ""}
    tier = {**city, "unit_name": "Xã, phường, thị trấn", "tier": "xa"}
    out = pd.concat([rows, pd.DataFrame([tier, city])], ignore_index=True)
    return out.assign(on_time_rate=on_time_rate(out["on_time"], out["overdue"]))  # as the counting stores it


def procedures() -> pd.DataFrame:
    cols = ["unit_code", "procedure_code", "procedure_name", "received", "on_time", "overdue", "online_received"]
    per_unit = pd.DataFrame(PROCEDURES, columns=cols)
    city = per_unit.groupby(cols[1:3], as_index=False)[cols[3:]].sum().assign(unit_code="")
    return pd.concat([city, per_unit], ignore_index=True)


def reconciliation() -> pd.DataFrame:
    return pd.DataFrame([
        {"unit_code": "00001", "unit_name": "Phường Một", "tier": "xa", "reported_received": 420, "log_received": 400,
         "reported_on_time": 400, "log_on_time": 380, "reported_overdue": 20, "log_overdue": 20,
         "diff_received": 20, "diff_on_time": 20, "diff_overdue": 0, "diff_received_pct": 5.0, "status": "differs",
         "message": "Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%", "log_note": SHORT_NOTE},
        {"unit_code": "00002", "unit_name": "Phường Hai", "tier": "xa", "reported_received": 100, "log_received": 100,
         "reported_on_time": 100, "log_on_time": 100, "reported_overdue": 0, "log_overdue": 0,
         "diff_received": 0, "diff_on_time": 0, "diff_overdue": 0, "diff_received_pct": 0.0, "status": "agrees",
         "message": "Biểu báo cáo 100 hồ sơ; phần mềm một cửa ghi nhận 100, khớp", "log_note": ""},
    ])


def write_logs(cat: Catalog, codes: tuple[str, str] = ("00001", "00002"),
               names: tuple[str, str] = ("Phường Một", "Phường Hai")) -> Catalog:
    """The three log datasets, the two communes under `codes` and `names` (e.g. the registry's)."""
    rename = dict(zip(("00001", "00002"), codes, strict=True))
    rename_name = dict(zip(("Phường Một", "Phường Hai"), names, strict=True))
    for name, frame in (("dossier_units", units()), ("dossier_procedures", procedures()),
                        ("reconciliation", reconciliation())):
        frame["unit_code"] = frame["unit_code"].replace(rename)
        if "unit_name" in frame:
            frame["unit_name"] = frame["unit_name"].replace(rename_name)
        cat.save(name, frame)
    return cat
