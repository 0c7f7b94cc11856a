"""The counting SQL gives identical tables on DuckDB and on Spark SQL (`--engine spark`): the dialect-neutral
date parsing, the weekday arithmetic and the one dialect function (day number → text) are exercised on both."""

from __future__ import annotations

import importlib.util
import shutil
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from sketket.analysis.dossier_counts import count_dossiers
from sketket.catalog import Catalog

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None or shutil.which("java") is None,
    reason="pyspark (optional extra: pip install -e '.[spark]') or Java is not installed",
)]  # slow: Spark's JVM takes minutes to start on the shared 2-core machine

HEADER = "Mã hồ sơ;Mã TTHC;Tên TTHC;Kênh nộp;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Ngày trả kết quả;Hình thức trả;Trạng thái"
ROWS = [
    "A1;HT-01;Chứng thực;Trực tiếp;03/04/2017 08:00;05/04/2017;05/04/2017;05/04/2017 10:00;Trực tiếp;Đã trả kết quả",
    "A2;HT-01;Chứng thực;Trực tuyến;03/06/2017 08:00;05/06/2017;03/06/2017;03/06/2017 10:30;Bưu chính;Đã trả kết quả",
    "A3;HT-02;Đăng ký khai sinh;Bưu chính;31/02/2017;;;;;Đang xử lý",
    "A4;HT-02;Đăng ký khai sinh;BCCI;2017-07-20;2017-08-05;;;;Đang xử lý",
    "A1;HT-01;Chứng thực;Trực tiếp;03/04/2017 08:00;05/04/2017;05/04/2017;05/04/2017 10:00;Trực tiếp;Đã trả kết quả",
    "A5;HT-03;Đăng ký kết hôn;Trực tiếp;42930;;;;;Chờ bổ sung",
    "A6;HT-03;Đăng ký kết hôn;Trực tiếp;1/7/17;;;;;Đang xử lý",
    "A7;HT-04;Cấp bản sao trích lục;Trực tiếp;25/01/2017 09:00;;07/02/2017;;;Đã trả kết quả",
    "A8;HT-04;Cấp bản sao trích lục;Trực tiếp;31/03/2016;;;;;Đang xử lý",
    "A9;HT-01;Chứng thực;Trực tiếp;25/07/2017;30/07/2017;01/08/2017;;;Đã trả kết quả",
    "A10;HT-01;Chứng thực;Trực tiếp;10/04/2017;12/04/2017;08/04/2017 23:59;;;Đã trả kết quả",
    "A11;HT-01;Chứng thực;Trực tiếp;1/1/2017;03/01/2017;42738.75;;;Công dân rút hồ sơ",
    # ISO times with a zone; a code first met on a row without a date of receipt (that row claims no code)
    "A12;HT-01;Chứng thực;Trực tuyến;2017-07-31T10:00:00+07:00;2017-08-02;;;;Đang xử lý",
    "A13;HT-01;Chứng thực;Trực tiếp;;05/04/2017;;;;Đang xử lý",
    "A13;HT-01;Chứng thực;Trực tiếp;2017-06-03T09:00Z;05/06/2017;2017-06-03T10:15Z;;;Đã trả kết quả",
    # a 12-hour clock in Vietnamese and in English, "-" and "." between the parts, a fraction of a second, the
    # year first with slashes, 13 PM (unreadable): the last branch of date_parts.sql (regexp_extract)
    "A14;HT-01;Chứng thực;Trực tiếp;08/11/2016 9:30:00 SA;10/11/2016;10/11/2016 4:15:00 CH;;;Đã trả kết quả",
    "A15;HT-01;Chứng thực;Trực tiếp;30-06-2017 12:05 am;03.07.2017;2017/07/03 09:10;30/06/2017 17:00:00.123;;Đã trả",
    "A16;HT-01;Chứng thực;Trực tiếp;30/06/2017 13:00 PM;03/07/2017;;;;Đang xử lý",
    "A20;HT-01;Chứng thực;Trực tiếp;2017-07-01 9:00 SA;2017-07-03;2017-07-01 3:00 CH;2017-07-01 9:00 x;;Đã trả",
    # a stray name under a code that most rows name otherwise (name_id lookups, procedure_name_differs)
    "A17;HT-02;Khai sinh lại;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý",
    # done, yet no date of finishing or return (done_without_end, one finding per file)
    "A19;HT-01;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đã trả kết quả",
    # a channel no word recognises (channels_unknown.sql)
    "A21;HT-01;Chứng thực;Qua Zalo;03/04/2017;05/04/2017;04/04/2017;;;Đã trả kết quả",
    # the header again (exports pasted into one), a total and a signature (the regular expression of footer_rows)
    HEADER, "Tổng cộng: 15 hồ sơ;;;;;;;;;", ";;(Ký, ghi rõ họ tên);;;;;;;",
    # the header in another order, without diacritics (an IN list); a signature in decomposed Unicode (NFD)
    "TRANG THAI;HINH THUC TRA;NGAY TRA KET QUA;MA HO SO;NGAY HEN TRA;;;;;", unicodedata.normalize("NFD", ";;Người lập biểu;;;;;;;"),
    # a row under that header, read under the wrong columns: excluded (_under_condition)
    "Đã trả;Trực tiếp;05/04/2017;A18;03/04/2017;;;;;",
]


def test_duckdb_and_spark_give_identical_tables(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "quan-thanh.csv").write_text(
        "\n".join(["Đơn vị: UBND phường Quán Thánh", HEADER, *ROWS]) + "\n", encoding="utf-8-sig")
    (logs / "so-tu-phap.csv").write_text(
        "\n".join(["Đơn vị: Sở Tư pháp", HEADER.replace(";", ","), *(r.replace(";", ",") for r in ROWS[:6])]) + "\n",
        encoding="utf-8")
    (logs / "thu-tuc.csv").write_text("Mã TTHC,Thời hạn giải quyết (ngày làm việc)\nHT-04,3\n", encoding="utf-8")
    Catalog(tmp_path / "duckdb").save("appendix", pd.DataFrame([{
        "form": "III", "tier": "xa", "unit_code": "00013", "dossiers_received": 12, "dossiers_on_time": 7,
        "dossiers_overdue": 2}]))
    shutil.copytree(tmp_path / "duckdb", tmp_path / "spark")
    by_duckdb = count_dossiers(logs, tmp_path / "duckdb", engine="duckdb").tables
    by_spark = count_dossiers(logs, tmp_path / "spark", engine="spark").tables
    assert set(by_duckdb) == set(by_spark) == {"dossier_units", "dossier_procedures", "dossier_findings",
                                                "dossier_files", "reconciliation"}
    assert by_duckdb["dossier_units"]["received"].iloc[-1] == 21  # the planted rows are counted, not vacuous
    rules = by_duckdb["dossier_findings"].groupby("rule").size()
    assert (rules["header_row"], rules["footer_row"], rules["procedure_name_differs"], rules["under_other_header"],
            rules["done_without_end"], rules["channel_unknown"]) == (2, 3, 1, 1, 1, 1)
    for name in ("dossiers", *by_duckdb):
        left = Catalog(tmp_path / "duckdb").load(name)
        right = Catalog(tmp_path / "spark").load(name)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_duckdb_and_spark_agree_when_a_lookup_finds_nothing(tmp_path: Path) -> None:
    """No procedure code column, an empty return channel, an unknown unit beside a known one: lookup columns
    with no value at all are still texts on Spark, and both engines give the same tables."""
    logs = tmp_path / "logs"
    logs.mkdir()
    header = "Mã hồ sơ;Tên TTHC;Kênh nộp;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Ngày trả kết quả;Hình thức trả;Trạng thái"
    rows = ["A1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;04/04/2017;;Đã trả kết quả",
            "A2;Chứng thực;Trực tuyến;05/04/2017;07/04/2017;;;;Đang xử lý"]
    (logs / "quan-thanh.csv").write_text("\n".join(["Đơn vị: UBND phường Quán Thánh", header, *rows]) + "\n",
                                         encoding="utf-8")
    (logs / "khong-ro.csv").write_text("\n".join(["Đơn vị: Phường Không Có Thật", header, *rows]) + "\n",
                                       encoding="utf-8")
    by_duckdb = count_dossiers(logs, tmp_path / "duckdb", engine="duckdb").tables
    by_spark = count_dossiers(logs, tmp_path / "spark", engine="spark").tables
    assert by_duckdb["dossier_units"]["received"].iloc[-1] == 2
    assert set(by_spark) == set(by_duckdb)
    for name in ("dossiers", *by_duckdb):
        left = Catalog(tmp_path / "duckdb").load(name)
        right = Catalog(tmp_path / "spark").load(name)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_spark_rejects_broken_and_crowded_files_and_reads_the_others_again(tmp_path: Path) -> None:
    """The passes that reject a file end on Spark too (each load is a new file: Spark would serve a rewritten
    path's old rows from its cache and loop), and both engines give the same tables."""
    import yaml

    from sketket.intake.dossiers import config

    logs = tmp_path / "logs"
    logs.mkdir()
    header = "Đơn vị;" + HEADER
    (logs / "a-nhieu-don-vi.csv").write_text("\n".join([header, *(f"Đơn vị lạ {i};" + ROWS[0] for i in range(5))])
                                             + "\n", encoding="utf-8")
    good = "\n".join([header, *("Sở Tư pháp;" + r for r in ROWS)]) + "\n"
    (logs / "b-tot.csv").write_text(good, encoding="utf-8")
    (logs / "c-utf8.csv").write_bytes(good.encode() * 3000 + b"X;HT;B\xff;x;03/04/2017;;;;;\n")
    cfg = dict(config())
    cfg["limits"] = {**cfg["limits"], "distinct_per_file": {**cfg["limits"]["distinct_per_file"], "unit_key": 3}}
    path = tmp_path / "dossiers.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    by_duckdb = count_dossiers(logs, tmp_path / "duckdb", engine="duckdb", config_path=path).tables
    by_spark = count_dossiers(logs, tmp_path / "spark", engine="spark", config_path=path).tables
    files = by_spark["dossier_files"].set_index("source_file")
    assert files["status"].tolist() == ["rejected", "read", "rejected"]
    bad_line = f"{len(good.splitlines()) * 3000 + 1:,}".replace(",", ".")  # the line after 3.000 copies
    assert files.loc["c-utf8.csv", "reason"].startswith(f"dòng {bad_line} có ký tự không ở mã UTF-8")
    for name in ("dossiers", *by_duckdb):
        left = Catalog(tmp_path / "duckdb").load(name)
        right = Catalog(tmp_path / "spark").load(name)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)


def test_duckdb_and_spark_agree_on_two_digit_years_short_minutes_line_ends_backslashes_and_brackets(tmp_path: Path) -> None:
    """Where the dialects read alike text differently: a two-digit year 69–99 (DuckDB's %y: 19yy, Spark's yy:
    20yy; both 20yy now), a channel text with a backslash (an escape in Spark's literals: its unknown-channel
    note was lost) and a header cell with "[" (Java's regular expressions read "[[]" as an open class: Spark
    crashed)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    header = "Mã hồ sơ;Tên TTHC;Kênh nộp;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Trạng thái;Ghi chú [1"
    rows = ["Y1;Chứng thực;Trực tiếp;03/04/17;05/04/99;04/04/17;Đã trả kết quả;",
            "Y2;Chứng thực;Qua\\Zalo;15/08/16 8:05;17/08/16;16/08/16 10:00;Đã trả kết quả;x",
            # a one-digit minute (Spark's "mm" needed two); a line separator after a date and after a serial
            # (Java's "$" matches before it, RE2's does not: both read them as DuckDB does)
            "Y3;Chứng thực;Trực tiếp;03/06/2017 8:5;05/06/2017;;Đang xử lý;",
            "Y4;Chứng thực;Trực tiếp;04/04/2017\u2028;05/04/2017;;Đang xử lý;",
            "Y5;Chứng thực;Trực tiếp;42930\u2028;05/04/2017;;Đang xử lý;"]
    (logs / "quan-thanh.csv").write_text("\n".join(["Đơn vị: UBND phường Quán Thánh", header, *rows]) + "\n",
                                         encoding="utf-8")
    by_duckdb = count_dossiers(logs, tmp_path / "duckdb", engine="duckdb").tables
    by_spark = count_dossiers(logs, tmp_path / "spark", engine="spark").tables
    d = Catalog(tmp_path / "duckdb").load("dossiers").set_index("dossier_code")
    assert d.loc["Y1", "due_at"] == "2099-04-05" and d.loc["Y2", "received_at"] == "2016-08-15 08:05"
    assert d.loc["Y3", "received_at"] == "2017-06-03 08:05" and d.loc[["Y4", "Y5"], "outcome"].tolist() == ["excluded"] * 2
    assert by_duckdb["dossier_findings"]["rule"].tolist().count("channel_unknown") == 1
    assert set(by_spark) == set(by_duckdb)
    for name in ("dossiers", *by_duckdb):
        left = Catalog(tmp_path / "duckdb").load(name)
        right = Catalog(tmp_path / "spark").load(name)
        pd.testing.assert_frame_equal(left, right, check_exact=True, obj=name)
