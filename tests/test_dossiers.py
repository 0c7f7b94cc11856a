"""Dossier logs (DESIGN.md, "Dossier logs"): each counting rule on rows the tests write, the readers' shapes,
findings and the files ledger, the reconciliation with the tables, the command."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sketket.analysis.dossier_counts import DuckDBEngine, count_dossiers, working_calendar
from sketket.catalog import Catalog
from sketket.cli import main
from sketket.intake.dossiers import config

HEADER = "Mã hồ sơ;Tên TTHC;Kênh nộp;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Ngày trả kết quả;Hình thức trả;Trạng thái"


def _write(folder: Path, name: str, rows: list[str], title: str = "Đơn vị: UBND phường Quán Thánh",
           header: str = HEADER) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    lines = ["SỔ THEO DÕI HỒ SƠ", title, header, *rows] if title else [header, *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def _ba_dinh_workbook(folder: Path, *rows: list) -> None:
    """ba-dinh.xlsx: a title row, a header, one dossier (row 3), then `rows`."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Cơ quan: UBND quận Ba Đình"])
    ws.append(["STT", "Số biên nhận", "Thủ tục hành chính", "Ngày nhận hồ sơ", "Hẹn trả kết quả", "Tình trạng"])
    ws.append([1, "B-1", "Chứng thực", "03/04/2017", "05/04/2017", "Đang xử lý"])
    for row in rows:
        ws.append(row)
    wb.save(folder / "ba-dinh.xlsx")


def _run(tmp_path: Path, rows: list[str], **kw) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", rows, **kw)
    res = count_dossiers(logs, tmp_path / "out")
    dossiers = Catalog(tmp_path / "out").load("dossiers")
    return dossiers.set_index("dossier_code", drop=False), res.tables


def _outcomes(d: pd.DataFrame) -> dict[str, str]:
    return dict(zip(d["dossier_code"], d["outcome"], strict=True))


def test_rule_1_period_bounds(tmp_path):
    d, t = _run(tmp_path, [
        "P1;Chứng thực;Trực tiếp;31/03/2016;02/04/2016;01/04/2016;;;Đã trả kết quả",
        "P2;Chứng thực;Trực tiếp;01/04/2016;02/04/2016;01/04/2016;;;Đã trả kết quả",
        "P3;Chứng thực;Trực tiếp;31/07/2017 16:30;02/08/2017;;;;Đang xử lý",
        "P4;Chứng thực;Trực tiếp;01/08/2017;03/08/2017;;;;Đang xử lý",
    ])
    assert _outcomes(d) == {"P1": "out_of_period", "P2": "on_time", "P3": "pending_on_time", "P4": "out_of_period"}
    city = t["dossier_units"].set_index("tier").loc["city"]
    assert city["received"] == 2
    f = t["dossier_findings"]
    assert list(f[f["rule"] == "out_of_period"]["message"]) == [
        "2 hồ sơ tiếp nhận ngoài kỳ sơ kết (01/04/2016 – 31/07/2017); không tính."]


def test_rules_2_3_end_and_due_boundaries(tmp_path):
    d, t = _run(tmp_path, [
        # finished on the due date: on time; one day later: overdue
        "E1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;05/04/2017 16:59;;;Đã trả kết quả",
        "E2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;06/04/2017;;;Đã trả kết quả",
        # no finish date: the return date is the end
        "E3;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;07/04/2017;;Đã trả kết quả",
        # an end after the cutoff counts as no end: due after the cutoff, still pending on time
        "E4;Chứng thực;Trực tiếp;25/07/2017;02/08/2017;01/08/2017;;;Đã trả kết quả",
        # due on the cutoff, not ended: on time (still within its deadline); due the day before: overdue
        "E5;Chứng thực;Trực tiếp;25/07/2017;31/07/2017;;;;Đang xử lý",
        "E6;Chứng thực;Trực tiếp;25/07/2017;30/07/2017;;;;Đang xử lý",
    ])
    assert _outcomes(d) == {"E1": "on_time", "E2": "overdue", "E3": "overdue", "E4": "pending_on_time",
                            "E5": "pending_on_time", "E6": "pending_overdue"}
    unit = t["dossier_units"].iloc[0]
    # rule 6: the tables' notions include the pending dossiers
    assert (unit["received"], unit["on_time"], unit["overdue"]) == (6, 3, 3)
    assert (unit["pending_on_time"], unit["pending_overdue"]) == (2, 1)
    assert unit["on_time_rate"] == pytest.approx(50.0)
    f = t["dossier_findings"]
    done_late = f[f["rule"] == "done_after_cutoff"]
    assert list(done_late["dossier_code"]) == ["E4"]
    assert "01/08/2017" in done_late["message"].iloc[0]


def test_rule_4_awaiting_and_withdrawn(tmp_path):
    d, t = _run(tmp_path, [
        "W1;Đăng ký kết hôn;Trực tiếp;03/04/2017;05/04/2017;;;;Chờ bổ sung",
        "W2;Đăng ký kết hôn;Trực tiếp;03/04/2017;05/04/2017;;;;Yêu cầu bổ sung giấy tờ",
        "W3;Đăng ký kết hôn;Trực tiếp;03/04/2017;05/04/2017;;;;Công dân rút hồ sơ",
        "W4;Đăng ký kết hôn;Trực tiếp;03/04/2017;05/04/2017;;;;Đã hủy",
        # ended before the cutoff: rule 3 wins over the status
        "W5;Đăng ký kết hôn;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Chờ bổ sung",
    ])
    assert _outcomes(d) == {"W1": "awaiting_applicant", "W2": "awaiting_applicant", "W3": "withdrawn",
                            "W4": "withdrawn", "W5": "on_time"}
    unit = t["dossier_units"].iloc[0]
    assert (unit["awaiting_applicant"], unit["withdrawn"], unit["on_time"], unit["overdue"]) == (2, 2, 1, 0)


def test_rule_5_working_days_across_tet_2017(tmp_path):
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", [
        # Wednesday 25/01/2017, 3 working days: Tết is 26/01–01/02, so due Monday 06/02/2017
        "T1;Cấp bản sao trích lục;Trực tiếp;25/01/2017 09:00;;06/02/2017;;;Đã trả kết quả",
        "T2;Cấp bản sao trích lục;Trực tiếp;25/01/2017 09:00;;07/02/2017;;;Đã trả kết quả",
        # received on Saturday 03/06/2017: counting starts on Monday
        "T3;Cấp bản sao trích lục;Trực tiếp;03/06/2017;;05/06/2017;;;Đã trả kết quả",
        # no due date and a procedure the table does not know: no deadline, with a finding
        "T4;Thủ tục lạ;Trực tiếp;03/04/2017;;04/04/2017;;;Đã trả kết quả",
    ])
    # a procedures table among the exports, matched by name (no code in the log)
    (logs / "thu-tuc.csv").write_text(
        "Mã TTHC,Tên TTHC,Thời hạn giải quyết (ngày làm việc)\n,Cấp bản sao trích lục,3\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["T1", "due_at"] == "2017-02-06" and d.loc["T1", "outcome"] == "on_time"
    assert bool(d.loc["T1", "due_computed"])
    assert d.loc["T2", "outcome"] == "overdue"
    assert d.loc["T3", "due_at"] == "2017-06-07"  # Saturday: Mon 05, Tue 06, Wed 07 are the 3 working days
    assert d.loc["T4", "outcome"] == "no_deadline"
    f = res.tables["dossier_findings"]
    nd = f[f["rule"] == "no_deadline"]
    assert list(nd["value"]) == ["Thủ tục lạ"] and list(nd["source_row"]) == [7]
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["thu-tuc.csv", "status"] == "procedures"


def test_quoted_line_breaks_in_a_cell_are_read_not_rejected(tmp_path):
    """A cell whose quoted text holds line breaks (Excel writes them so) is valid CSV, which DuckDB's parallel
    reader cannot pad: that file is read on one thread, its rows all counted, the file beside it too."""
    logs = tmp_path / "logs"
    good = [f"G{i};Thủ tục A;Trực tiếp;03/04/2017 08:00;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
            for i in range(3000)]
    _write(logs, "a.csv", good[:2000] + ['M1;"Cấp giấy phép\nxây dựng\nnhà ở";Trực tiếp;03/04/2017;10/04/2017;'
                                         '05/04/2017;;;Đã trả kết quả'] + good[2000:])
    _write(logs, "b.csv", [r.replace("G", "H", 1) for r in good[:5]])
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files["status"].tolist() == ["read", "read"] and files["rows_read"].tolist() == [3001, 5]
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["M1", "procedure_name"] == "Cấp giấy phép\nxây dựng\nnhà ở" and d.loc["M1", "outcome"] == "on_time"
    assert d.loc["G2000", "outcome"] == "on_time" and len(d) == 3006
    f = res.tables["dossier_findings"]
    breaks = f[f["rule"] == "line_breaks"]
    assert breaks["dossier_code"].tolist() == ["M1"] and breaks["severity"].tolist() == ["warning"]
    assert breaks["value"].tolist() == ["Cấp giấy phép ⏎ xây dựng ⏎ nhà ở"]


def test_a_quote_never_closed_is_a_finding_showing_the_rows_it_swallowed(tmp_path):
    """A quote opened and never closed makes the rest of the file one cell: those rows are not dossiers any
    more, so the row that holds them carries a finding whose value shows them (nothing vanishes unsaid)."""
    logs = tmp_path / "logs"
    good = [f"G{i};Thủ tục A;Trực tiếp;03/04/2017 08:00;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
            for i in range(60)]
    _write(logs, "a.csv", good[:10] + ['X1;"Thủ tục B;Trực tiếp;03/04/2017;10/04/2017;;;;Đang xử lý'] + good[10:])
    res = count_dossiers(logs, tmp_path / "out")
    assert res.tables["dossier_files"]["rows_read"].tolist() == [11]
    f = res.tables["dossier_findings"]
    swallowed = f[f["rule"] == "line_breaks"].iloc[0]
    assert (swallowed["dossier_code"], swallowed["source_row"]) == ("X1", 14)
    assert swallowed["value"].startswith("Thủ tục B;Trực tiếp;03/04/2017;10/04/2017;;;;Đang xử lý ⏎ G10;Thủ tục A")
    assert swallowed["value"].endswith("…") and "dấu ngoặc kép mở mà không đóng" in swallowed["message"]


def test_a_quote_never_closed_in_a_cr_only_file_is_a_finding_too(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    good = [f"G{i};Thủ tục A;Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả" for i in range(30)]
    lines = [HEADER, *good[:10], 'X1;"Thủ tục B;Trực tiếp;03/04/2017;10/04/2017;;;;Đang xử lý', *good[10:]]
    (logs / "cr.csv").write_text("\r".join(lines) + "\r", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    assert res.tables["dossier_files"]["rows_read"].tolist() == [11]
    f = res.tables["dossier_findings"]
    swallowed = f[f["rule"] == "line_breaks"]
    assert swallowed["dossier_code"].tolist() == ["X1"] and " ⏎ G10;Thủ tục A" in swallowed["value"].iloc[0]


def test_a_file_is_judged_on_the_columns_read_whatever_is_beside_it(tmp_path):
    """Bad bytes in a column the run does not read never reject a file, even when another file's quoted line
    break makes the reader probe every file alone."""
    logs = tmp_path / "logs"
    header = HEADER + ";Ghi chú"
    rows = [f"G{i};Thủ tục A;Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả;ok" for i in range(3000)]
    a = _write(logs, "a.csv", rows, header=header)
    with open(a, "ab") as f:
        f.write(b"G-x;Th\xe1\xbb\xa7 t\xe1\xbb\xa5c A;Tr\xe1\xbb\xb1c ti\xe1\xbb\x87p;03/04/2017;;;;;;\xfa\n")
    _write(logs, "b.csv", ['B1;"Thủ tục\nC";Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả;x'],
           header=header)
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files["status"].tolist() == ["read", "read"] and files["rows_read"].tolist() == [3001, 1]


def test_a_file_gone_before_it_is_read_or_named_like_a_pattern_costs_that_file(tmp_path, monkeypatch):
    import sketket.analysis.dossier_counts as dc

    logs = tmp_path / "logs"
    row = "A{i};Thủ tục A;Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả"
    _write(logs, "a.csv", [row.format(i=1)])
    gone = _write(logs, "b.csv", [row.format(i=2)])
    _write(logs, "so*.csv", [row.format(i=3)])
    _write(logs, "so1.csv", [row.format(i=4)])
    real = dc.read_procedures
    monkeypatch.setattr(dc, "read_procedures", lambda *a: (gone.unlink(), real(*a))[1])  # after inspection
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["b.csv", "status"] == "rejected" and files.loc["b.csv", "reason"].startswith("không mở được tệp")
    assert files.loc["so*.csv", "status"] == "rejected" and "mẫu tên nhiều tệp" in files.loc["so*.csv", "reason"]
    assert files.loc[["a.csv", "so1.csv"], "rows_counted"].tolist() == [1, 1]


def test_a_file_name_not_in_utf8_is_rejected_by_name(tmp_path):
    import os

    logs = tmp_path / "logs"
    _write(logs, "tot.csv", ["A1;Thủ tục A;Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả"])
    (Path(os.fsdecode(bytes(logs) + b"/b\xe1o-c\xe1o.csv"))).write_bytes((logs / "tot.csv").read_bytes())
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["b\ufffdo-c\ufffdo.csv", "status"] == "rejected"
    assert files.loc["b\ufffdo-c\ufffdo.csv", "reason"].startswith("tên tệp không ở mã UTF-8")
    assert files.loc["tot.csv", ["status", "rows_counted"]].tolist() == ["read", 1]
    assert (tmp_path / "out" / "dossier_files.csv").read_text(encoding="utf-8-sig").count("\ufffd") == 2


def test_a_procedures_table_too_large_or_broken_is_set_aside_and_the_logs_are_counted(tmp_path):
    """A procedures table is read whole by Python: one larger than the bound is rejected before it is read, one
    whose bytes past the head are not UTF-8 is rejected while read; the logs are still counted (no deadline)."""
    import yaml

    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", ["T1;Cấp bản sao trích lục;Trực tiếp;03/04/2017;;05/04/2017;;;Đã trả kết quả"])
    table = "Mã TTHC,Tên TTHC,Thời hạn giải quyết (ngày làm việc)\n" + ",Cấp bản sao trích lục,3\n"
    (logs / "thu-tuc-lon.csv").write_text(table + ",Thủ tục đệm,5\n" * 20_000, encoding="utf-8")
    (logs / "thu-tuc-hong.csv").write_bytes((table + ",Thủ tục đệm,5\n" * 40).encode() * 400 + b",B\xff\xfe,3\n")
    cfg = dict(config())
    cfg["limits"] = {**cfg["limits"], "procedures_table_bytes": 100 * 2**10}
    path = tmp_path / "dossiers.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out", config_path=path)
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["thu-tuc-lon.csv", "status"] == "rejected"
    assert files.loc["thu-tuc-lon.csv", "reason"] == ("bảng thủ tục hành chính dung lượng 0,4 MB, vượt giới hạn "
                                                      "0,1 MB: tệp hỏng hoặc không phải bảng thủ tục")
    cfg["limits"]["procedures_table_bytes"] = 20 * 2**20
    path = tmp_path / "dossiers-20mb.yml"  # config() keeps each path's file once read
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    (logs / "thu-tuc-lon.csv").unlink()
    res = count_dossiers(logs, tmp_path / "out2", config_path=path)
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["thu-tuc-hong.csv", "status"] == "rejected"
    assert files.loc["thu-tuc-hong.csv", "reason"].startswith("bảng thủ tục hành chính có ký tự không ở mã UTF-8")
    assert files.loc["quan-thanh.csv", ["status", "rows_counted"]].tolist() == ["read", 1]
    d = Catalog(tmp_path / "out2").load("dossiers")
    assert d["outcome"].tolist() == ["no_deadline"]


def test_a_calendar_that_starts_before_1970_counts_the_same_deadlines(tmp_path):
    """Day numbers before 01/01/1970 are negative: a calendar whose years start in 1969 still renders valid SQL
    (a negative first day once made '--', an SQL comment) and gives the same deadline across Tết 2017."""
    from importlib import resources

    text = resources.files("sketket.config").joinpath("dossiers.yml").read_text(encoding="utf-8")
    assert "years: [2015, 2016, 2017, 2018]" in text
    cfg = tmp_path / "dossiers.yml"
    cfg.write_text(text.replace("years: [2015, 2016, 2017, 2018]", "years: [1969, 2015, 2016, 2017, 2018]"),
                   encoding="utf-8")
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", ["T1;Cấp bản sao trích lục;Trực tiếp;25/01/2017 09:00;;06/02/2017;;;Đã trả kết quả"])
    (logs / "thu-tuc.csv").write_text(
        "Mã TTHC,Tên TTHC,Thời hạn giải quyết (ngày làm việc)\n,Cấp bản sao trích lục,3\n", encoding="utf-8")
    count_dossiers(logs, tmp_path / "out", config_path=cfg)
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["T1", "due_at"] == "2017-02-06" and d.loc["T1", "outcome"] == "on_time"


def test_working_calendar_holds_vietnam_holidays():
    cal = working_calendar(config()).set_index("dn")

    def work(day: dt.date) -> int:
        return int(cal.loc[(day - dt.date(1970, 1, 1)).days, "is_workday"])

    assert [work(dt.date(2017, 1, d)) for d in (25, 26, 27, 30, 31)] == [1, 0, 0, 0, 0]
    assert work(dt.date(2017, 2, 1)) == 0 and work(dt.date(2017, 2, 2)) == 1
    assert work(dt.date(2017, 4, 6)) == 0  # Giỗ Tổ Hùng Vương
    assert work(dt.date(2017, 5, 2)) == 0  # 30/4 fell on a Sunday
    assert work(dt.date(2017, 6, 3)) == 0  # a Saturday


def test_rule_7_saturday_channels_and_postal(tmp_path):
    d, t = _run(tmp_path, [
        "S1;Chứng thực;Trực tiếp;03/06/2017 08:00;05/06/2017;;03/06/2017 11:59;Trực tiếp;Đã trả kết quả",
        "S2;Chứng thực;Trực tuyến;03/06/2017 08:00;05/06/2017;;03/06/2017 12:00;Trực tiếp;Đã trả kết quả",
        "S3;Chứng thực;DVC mức 3;03/06/2017 08:00;05/06/2017;;05/06/2017 09:00;Bưu chính;Đã trả kết quả",
        "S4;Chứng thực;Bưu chính;05/06/2017 08:00;07/06/2017;;06/06/2017;BCCI;Đã trả kết quả",
        "S5;Chứng thực;Qua mạng;05/06/2017 08:00;07/06/2017;;06/06/2017;Trực tiếp;Đã trả kết quả",
        # Excel serials: returned 08/07/2017 at 11:59:40, before noon as the same time written out is
        "S6;Chứng thực;Trực tiếp;42924.35;42926;;42924.49977;Trực tiếp;Đã trả kết quả",
    ])
    assert list(d["channel"]) == ["counter", "online", "online", "postal", "online", "counter"]
    assert list(d["return_channel"]) == ["counter", "counter", "postal", "postal", "counter", "counter"]
    assert d.loc["S6", "returned_at"] == "2017-07-08 11:59"
    unit = t["dossier_units"].iloc[0]
    assert (unit["saturday_received"], unit["saturday_same_morning"]) == (4, 2)
    assert (unit["online_received"], unit["postal_received"], unit["postal_returned"]) == (3, 1, 2)
    proc = t["dossier_procedures"].iloc[0]
    assert (proc["unit_code"], proc["received"], proc["online_received"]) == ("", 6, 3)


def test_dates_serial_short_iso_and_unreadable(tmp_path):
    d, t = _run(tmp_path, [
        "D1;Chứng thực;Trực tiếp;42832;42835;42835.5;;;Đã trả kết quả",  # Excel serials: 07/04/2017, 10/04/2017
        "D2;Chứng thực;Trực tiếp;3/4/17 7:05;5/4/17;;;;Đang xử lý",
        "D3;Chứng thực;Trực tiếp;2017-04-03T08:15:00;2017-04-05;;;;Đang xử lý",
        "D4;Chứng thực;Trực tiếp;31/02/2017;05/04/2017;;;;Đang xử lý",
        "D5;Chứng thực;Trực tiếp;;05/04/2017;;;;Đang xử lý",
        "D6;Chứng thực;Trực tiếp;03/04/2017;5 tháng 4;;;;Đang xử lý",
        "D7;Chứng thực;Trực tiếp;04/03/2017;10/03/2017;09/03/2017;;;Đã trả kết quả",  # 4 March, never 3 April
        "D8;Chứng thực;Trực tiếp;03/04/17;05/04/99 8:30;04/04/17;;;Đã trả kết quả",  # 20yy, 99 too (not 1999)
        # a one-digit minute with a two-digit year; a serial as Excel's General format shows it (08:31)
        "D9;Chứng thực;Trực tiếp;1/7/17 8:5;5/7/17;;;;Đang xử lý",
        "D10;Chứng thực;Trực tiếp;42924.35486;42926;;;;Đang xử lý",
    ])
    assert d.loc["D1", "received_at"] == "2017-04-07" and d.loc["D1", "finished_at"] == "2017-04-10 12:00"
    assert d.loc["D2", "received_at"] == "2017-04-03 07:05" and d.loc["D2", "due_at"] == "2017-04-05"
    assert d.loc["D3", "received_at"] == "2017-04-03 08:15"
    assert d.loc["D7", "received_at"] == "2017-03-04"
    assert d.loc["D8", "due_at"] == "2099-04-05" and d.loc["D8", "received_at"] == "2017-04-03"
    assert d.loc["D9", "received_at"] == "2017-07-01 08:05" and d.loc["D10", "received_at"] == "2017-07-08 08:31"
    assert _outcomes(d) == {"D1": "on_time", "D2": "pending_overdue", "D3": "pending_overdue", "D4": "excluded",
                            "D5": "excluded", "D6": "no_deadline", "D7": "on_time", "D8": "on_time",
                            "D9": "pending_overdue", "D10": "pending_overdue"}
    f = t["dossier_findings"].set_index("dossier_code")
    assert f.loc["D4", "rule"] == "received_unreadable" and f.loc["D4", "value"] == "31/02/2017"
    assert f.loc["D4", "source_row"] == 7  # the CSV line: two title lines, the header on line 3
    assert "31/02/2017" in f.loc["D4", "message"]
    assert f.loc["D5", "rule"] == "received_missing"
    d6 = t["dossier_findings"][t["dossier_findings"]["dossier_code"] == "D6"]
    assert list(d6["rule"]) == ["due_unreadable"]


def test_twelve_hour_clocks_and_other_day_first_shapes(tmp_path):
    """Windows software on a Vietnamese machine writes "08/11/2016 9:30:00 SA" (sáng, morning) and "… CH" (chiều,
    afternoon); others write AM/PM, "-" or "." between the parts, a fraction of a second, a non-breaking space
    before the time, or the year first with slashes. Each is read, day first; a 12-hour clock's 12 SA is midnight
    and 13 PM is no time at all (unreadable, not guessed)."""
    d, t = _run(tmp_path, [
        "T1;Chứng thực;Trực tiếp;08/11/2016 9:30:00 SA;10/11/2016;10/11/2016 4:15:00 CH;;;Đã trả kết quả",
        "T2;Chứng thực;Trực tiếp;08/11/2016 12:05 SA;10/11/2016;10/11/2016 12:30 CH;;;Đã trả kết quả",
        "T3;Chứng thực;Trực tiếp;30/06/2017 5:00 pm;03/07/2017;;;;Đang xử lý",
        "T4;Chứng thực;Trực tiếp;30-06-2017 17:00;03/07/2017;03.07.2017 08:00;;;Đã trả kết quả",
        "T5;Chứng thực;Trực tiếp;30/06/2017 17:00:00.123;03/07/2017;2017/07/03 09:10;;;Đã trả kết quả",
        "T6;Chứng thực;Trực tiếp;04/11/2016\u00a008:00;07/11/2016;;;;Đang xử lý",
        "T7;Chứng thực;Trực tiếp;30/06/2017 13:00 PM;03/07/2017;;;;Đang xử lý",
        "T8;Chứng thực;Trực tiếp;3/4/2017 sáng;05/04/2017;;;;Đang xử lý",
        "T9;Chứng thực;Trực tiếp;2017-07-01 9:00 SA;2017-07-03;2017-07-01 3:00 CH;2017-07-01 9:00 abc;;Đã trả",
    ])
    assert d.loc["T1", "received_at"] == "2016-11-08 09:30" and d.loc["T1", "finished_at"] == "2016-11-10 16:15"
    assert d.loc["T2", "received_at"] == "2016-11-08 00:05" and d.loc["T2", "finished_at"] == "2016-11-10 12:30"
    assert d.loc["T3", "received_at"] == "2017-06-30 17:00"
    assert d.loc["T4", "received_at"] == "2017-06-30 17:00" and d.loc["T4", "finished_at"] == "2017-07-03 08:00"
    assert d.loc["T5", "received_at"] == "2017-06-30 17:00" and d.loc["T5", "finished_at"] == "2017-07-03 09:10"
    assert d.loc["T6", "received_at"] == "2016-11-04 08:00"
    # year first: the 12-hour clock read too, and nothing else after the time (never cut off and read)
    assert d.loc["T9", "received_at"] == "2017-07-01 09:00" and d.loc["T9", "finished_at"] == "2017-07-01 15:00"
    assert _outcomes(d) == {"T1": "on_time", "T2": "on_time", "T3": "pending_overdue", "T4": "on_time",
                            "T5": "on_time", "T6": "pending_overdue", "T7": "excluded", "T8": "excluded",
                            "T9": "on_time"}
    f = t["dossier_findings"].set_index("dossier_code")
    assert f.loc["T7", "rule"] == "received_unreadable" and f.loc["T7", "value"] == "30/06/2017 13:00 PM"
    assert f.loc["T8", "rule"] == "received_unreadable"
    assert f.loc["T9", "rule"] == "returned_unreadable" and f.loc["T9", "value"] == "2017-07-01 9:00 abc"
    assert len(f) == 3

def test_a_stray_name_under_a_code_does_not_rename_the_code(tmp_path):
    """Fifty rows of code 1.002 say "Đăng ký khai sinh", one says "Cấp bản sao trích lục hộ tịch" (a slip of the
    clerk): the code keeps the name most rows give, wherever the stray row stands in the sorted order; the stray
    row is counted under its code, keeps its name as written, and has a finding."""
    rows = [f"K{i};1.002;Đăng ký khai sinh;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả" for i in range(5)]
    rows.insert(2, "K9;1.002;Cấp bản sao trích lục hộ tịch;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý")
    rows.append("K10;1.002;ĐĂNG KÝ KHAI SINH;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả")
    # written without diacritics: the same procedure, never its spelling while one with diacritics exists
    rows.append("K11;1.002;Dang ky khai sinh;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả")
    # the name decomposed (NFD), as some software writes it: the same name, shown composed
    rows[0] = unicodedata.normalize("NFD", rows[0])
    d, t = _run(tmp_path, rows, header=HEADER.replace("Mã hồ sơ;", "Mã hồ sơ;Mã TTHC;"))
    assert set(d["procedure_name"]) == {"Đăng ký khai sinh"}
    assert d.loc["K9", "procedure_name_written"] == "Cấp bản sao trích lục hộ tịch"
    assert d.loc["K10", "procedure_name_written"] == "" and d.loc["K1", "procedure_name_written"] == ""
    assert d.loc["K0", "procedure_name_written"] == ""
    procs = t["dossier_procedures"]
    assert procs.loc[procs["unit_code"] == "", ["procedure_code", "procedure_name", "received"]].values.tolist() == [
        ["1.002", "Đăng ký khai sinh", 8]]
    f = t["dossier_findings"]
    assert f[["source_row", "rule", "severity", "value"]].values.tolist() == [
        [6, "procedure_name_differs", "warning", "Cấp bản sao trích lục hộ tịch"]]
    assert f["message"].iloc[0] == ("1 hồ sơ có mã thủ tục \"1.002\" ghi tên \"Cấp bản sao trích lục hộ tịch\", khác "
                                    "tên được ghi nhiều nhất cho mã này (\"Đăng ký khai sinh\"); vẫn tính theo mã. "
                                    "Cần kiểm tra lại mã hoặc tên thủ tục.")

def test_tabs_and_invisible_characters_around_cells_are_blanks(tmp_path):
    """What copies bring around a cell and no one typed: a code of a tab alone is no code (not a code every such
    row shares, making them duplicates); a code followed by a zero-width space is the same code; a row of tabs
    and non-breaking spaces is empty (a note), not a dossier without a date (an error)."""
    d, t = _run(tmp_path, [
        "\t;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",              # 4
        "\t;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",              # 5
        "C-1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",              # 6
        "C-1\u200b;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",       # 7
        "\t\t;\u00a0;\t; \t ;;;;;",                                                     # 8
        "C-2;\tChứng thực\t;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",         # 9
        "\u00a0\u200bC-1\u200c ;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",  # 10
    ])
    d = d.set_index("source_row")
    assert d.loc[[4, 5, 6, 7, 8, 9], "outcome"].tolist() == ["on_time", "on_time", "on_time", "excluded", "excluded",
                                                             "on_time"]
    assert d.loc[[4, 5, 7], "dossier_code"].tolist() == ["", "", "C-1"]
    assert d.loc[9, "procedure_name"] == "Chứng thực"
    f = t["dossier_findings"]
    assert f[["source_row", "rule"]].values.tolist() == [
        [4, "code_missing"], [5, "code_missing"], [7, "duplicate_code"], [8, "empty_row"], [10, "duplicate_code"]]

def test_duplicates_and_finish_before_receipt(tmp_path):
    d, t = _run(tmp_path, [
        "X1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả kết quả",
        "X1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả kết quả",
        "X2;Chứng thực;Trực tiếp;10/04/2017;12/04/2017;08/04/2017;;;Đã trả kết quả",
        ";Chứng thực;Trực tiếp;10/04/2017;12/04/2017;11/04/2017;;;Đã trả kết quả",
    ])
    assert list(d["outcome"]) == ["on_time", "excluded", "on_time", "on_time"]
    assert t["dossier_units"].iloc[0]["received"] == 3
    f = t["dossier_findings"]
    assert list(zip(f["source_row"], f["rule"], strict=True)) == [
        (5, "duplicate_code"), (6, "finished_before_received"), (7, "code_missing")]
    assert f.loc[f["rule"] == "finished_before_received", "value"].tolist() == ["08/04/2017"]  # as the message says
    files = t["dossier_files"].iloc[0]
    assert (files["rows_read"], files["rows_counted"], files["rows_excluded"]) == (4, 3, 1)


def test_spaces_around_a_value_are_trimmed(tmp_path):
    """A value with spaces at either end, a non-breaking space of a web page's export among them, is read
    without them (the same code twice is a duplicate, the status and the procedure are recognised); a space
    inside a value and a value without any stay as written; a cell of spaces alone is empty."""
    d, t = _run(tmp_path, [
        "  X1\u00a0; Chứng thực ;Trực tiếp;\u00a003/04/2017 ;05/04/2017;04/04/2017;\u00a0;; Đã trả kết quả ",
        "X1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả kết quả",
        "X 2;Chứng thực;  Trực tuyến;10/04/2017;12/04/2017;;;;Chờ bổ sung  ",
    ])
    assert d["dossier_code"].tolist() == ["X1", "X1", "X 2"]
    assert d["outcome"].tolist() == ["on_time", "excluded", "awaiting_applicant"]
    assert d["procedure_name"].tolist() == ["Chứng thực"] * 3
    assert d["status"].tolist() == ["Đã trả kết quả", "Đã trả kết quả", "Chờ bổ sung"]
    assert d["channel"].tolist() == ["counter", "counter", "online"]
    assert d["received_at"].tolist() == ["2017-04-03", "2017-04-03", "2017-04-10"]
    assert d["issues"].tolist() == ["", "duplicate_code", ""]  # the returned date of spaces is empty, not unreadable
    assert t["dossier_procedures"]["received"].tolist() == [2, 2]  # the city's row, then the unit's


def test_units_from_column_title_or_file_name_and_unknown(tmp_path):
    logs = tmp_path / "logs"
    header = "Đơn vị;" + HEADER
    _write(logs, "a.csv", [
        "UBND phường Quán Thánh;U1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "Sở Tư pháp;U2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "Phường Không Có;U3;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
    ], title="", header=header)
    _write(logs, "phuong_truc_bach.csv", ["U4;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"],
           title="")
    (logs / "ghi-chu.pdf").write_bytes(b"%PDF-1.4")
    (logs / "khac.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["U1", "unit_code"] == "00013" and d.loc["U1", "tier"] == "xa"
    assert d.loc["U2", "unit_code"] == "S02" and d.loc["U2", "tier"] == "so"
    assert d.loc["U3", "outcome"] == "excluded" and d.loc["U3", "unit_code"] == ""
    assert d.loc["U4", "unit_name"] == "Phường Trúc Bạch"
    f = res.tables["dossier_findings"]
    unknown = f[f["rule"] == "unit_unmatched"].iloc[0]
    assert unknown["value"] == "Phường Không Có" and unknown["severity"] == "error"
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["ghi-chu.pdf", "status"] == "skipped"
    assert files.loc["khac.csv", "status"] == "rejected" and "Mã hồ sơ" in files.loc["khac.csv", "reason"]
    assert (files.loc["a.csv", "rows_read"], files.loc["a.csv", "rows_excluded"]) == (3, 1)
    units = res.tables["dossier_units"]
    assert list(units["tier"]) == ["so", "xa", "xa", "so", "xa", "city"]
    assert list(units["unit_code"]) == ["S02", d.loc["U4", "unit_code"], "00013", "", "", ""]
    assert list(units["received"]) == [1, 1, 1, 1, 2, 3]


UNIT_HEADER = "Mã hồ sơ;Đơn vị;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Trạng thái"


def _unit_log(folder: Path, name: str, units: dict[str, str], title: str = "") -> None:
    """A log of one dossier per code, each of the unit given (no unit column when the unit is "")."""
    folder.mkdir(parents=True, exist_ok=True)
    header = UNIT_HEADER if any(units.values()) else UNIT_HEADER.replace(";Đơn vị", "")
    rows = [";".join(x for x in (code, unit, "03/04/2017;05/04/2017;04/04/2017;Đã trả kết quả") if x)
            for code, unit in units.items()]
    (folder / name).write_text("\n".join([*([title] if title else []), header, *rows]) + "\n", encoding="utf-8")


def test_a_commune_name_of_two_districts_is_matched_by_the_district_it_is_written_with(tmp_path):
    logs = tmp_path / "logs"
    _unit_log(logs, "a.csv", {
        "A1": "UBND xã Liên Hà, huyện Đông Anh", "A2": "xã Liên Hà - huyện Đông Anh", "A3": "Xã Liên Hà (Đông Anh)",
        "A4": "Xã Liên Hà, Đan Phượng", "A5": "Phường Minh Khai (quận Hai Bà Trưng)",
        "A6": "Phường Minh Khai – Q. Bắc Từ Liêm",
        # never guessed: excluded, with the districts that have one
        "A7": "UBND xã Liên Hà", "A8": "Phường Minh Khai", "A9": "UBND xã Liên Hà",
    })
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d["unit_code"].to_dict() == {"A1": "00484", "A2": "00484", "A3": "00484", "A4": "09802", "A5": "00295",
                                        "A6": "00613", "A7": "", "A8": "", "A9": ""}
    assert d.loc["A1", "unit_name"] == "Xã Liên Hà" and d.loc["A7", "unit_name"] == "UBND xã Liên Hà"
    assert d.loc[["A7", "A8", "A9"], "outcome"].tolist() == ["excluded"] * 3
    f = res.tables["dossier_findings"]
    assert "unit_unmatched" not in set(f["rule"])
    found = f[f["rule"] == "unit_ambiguous"]
    assert found[["source_row", "value", "severity"]].values.tolist() == [
        [8, "UBND xã Liên Hà", "error"], [9, "Phường Minh Khai", "error"]]
    assert found["message"].tolist() == [
        "Tên đơn vị “UBND xã Liên Hà” trùng tên ở nhiều quận, huyện (xã Liên Hà – huyện Đan Phượng; xã Liên Hà – "
        "huyện Đông Anh): ghi rõ quận, huyện, ví dụ “Xã Liên Hà, huyện Đan Phượng”; 2 hồ sơ chưa được tính.",
        "Tên đơn vị “Phường Minh Khai” trùng tên ở nhiều quận, huyện (phường Minh Khai – quận Bắc Từ Liêm; "
        "phường Minh Khai – quận Hai Bà Trưng): ghi rõ quận, huyện, ví dụ “Phường Minh Khai, quận Bắc Từ "
        "Liêm”; 1 hồ sơ chưa được tính."]
    units = res.tables["dossier_units"]
    assert units.loc[units["unit_code"] != "", ["unit_code", "received"]].values.tolist() == [
        ["00295", 1], ["00484", 3], ["00613", 1], ["09802", 1]]
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["a.csv", ["rows_counted", "rows_excluded"]].tolist() == [6, 3]


def test_a_commune_name_of_two_districts_takes_the_district_of_the_files_title_or_name(tmp_path):
    logs = tmp_path / "logs"
    _unit_log(logs, "b.csv", {"B1": "UBND xã Liên Hà", "B2": "Phường Minh Khai"},
              title="Đơn vị: UBND huyện Đông Anh")  # no phường Minh Khai in Đông Anh: still not guessed
    _unit_log(logs, "so-theo-doi-dong-anh.csv", {"C1": "UBND xã Liên Hà"})
    _unit_log(logs, "so-theo-doi-dan-phuong.csv", {"D1": ""}, title="Đơn vị: UBND xã Liên Hà")  # no unit column
    _unit_log(logs, "so-theo-doi-lien-ha.csv", {"E1": ""}, title="Đơn vị: UBND xã Liên Hà")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d["unit_code"].to_dict() == {"B1": "00484", "B2": "", "C1": "00484", "D1": "09802", "E1": ""}
    f = res.tables["dossier_findings"].set_index("source_file")
    assert f["rule"].to_dict() == {"b.csv": "unit_ambiguous", "so-theo-doi-lien-ha.csv": "unit_ambiguous"}
    assert f.loc["b.csv", "value"] == "Phường Minh Khai"
    assert f.loc["so-theo-doi-lien-ha.csv", "message"].startswith(
        "Tên đơn vị “UBND xã Liên Hà” trùng tên ở nhiều quận, huyện (xã Liên Hà – huyện Đan Phượng; xã Liên Hà – "
        "huyện Đông Anh)")


def test_a_file_with_more_distinct_values_than_an_export_holds_is_rejected_before_matching(tmp_path):
    """Distinct unit names (or statuses) in one file beyond limits.distinct_per_file reject that file, before its
    names are matched against the registry or held as lookups; the other files are counted. Only the first
    suggested_unit_names unknown names get a fuzzy search for close names."""
    import yaml

    logs = tmp_path / "logs"
    header = "Đơn vị;" + HEADER
    row = "{unit};{code};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;{status}"
    _write(logs, "a-nhieu-don-vi.csv", [row.format(unit=f"Đơn vị lạ số {i}", code=f"A{i}", status="Đã trả")
                                        for i in range(4)], title="", header=header)
    _write(logs, "b-nhieu-trang-thai.csv", [row.format(unit="Sở Tư pháp", code=f"B{i}", status=f"Trạng thái {i}")
                                            for i in range(3)], title="", header=header)
    _write(logs, "c-tot.csv", [row.format(unit=u, code=f"C{i}", status="Đã trả") for i, u in
                               enumerate(["Sở Tư pháp", "Phường Quán Thánhh", "Phường Trúc Bạchh"])],
           title="", header=header)
    cfg = dict(config())
    cfg["limits"] = {**cfg["limits"], "suggested_unit_names": 1,
                     "distinct_per_file": {**cfg["limits"]["distinct_per_file"], "unit_key": 3, "status": 2}}
    path = tmp_path / "dossiers.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out", config_path=path)
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["a-nhieu-don-vi.csv", "status"] == "rejected"
    assert files.loc["a-nhieu-don-vi.csv", "reason"].startswith("cột Đơn vị có 4 giá trị khác nhau, quá 3 giá trị")
    assert files.loc["b-nhieu-trang-thai.csv", "reason"].startswith("cột Trạng thái có 3 giá trị khác nhau, quá 2")
    assert files.loc["c-tot.csv", ["status", "rows_read"]].tolist() == ["read", 3]
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d["dossier_code"].tolist() == ["C0", "C1", "C2"] and d["unit_code"].tolist()[0] == "S02"
    f = res.tables["dossier_findings"]
    unknown = f[f["rule"] == "unit_unmatched"].set_index("value")["message"]
    assert sorted(unknown.index) == ["Phường Quán Thánhh", "Phường Trúc Bạchh"]
    assert [("tên gần giống" in m) for m in unknown.loc[["Phường Quán Thánhh", "Phường Trúc Bạchh"]]] == [True, False]


def test_xlsx_export_with_title_rows_and_date_cells(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH HỒ SƠ"])
    ws.append(["Cơ quan: UBND quận Ba Đình"])
    ws.append([])
    ws.append(["STT", "Số biên nhận", "Thủ tục hành chính", "Hình thức nộp", "Ngày nhận hồ sơ", "Hẹn trả kết quả",
               "Ngày hoàn thành", "Tình trạng"])
    ws.append([1, "B-1", "Cấp giấy phép xây dựng", "Trực tuyến", dt.datetime(2017, 5, 6, 9, 30),
               dt.date(2017, 5, 20), dt.datetime(2017, 5, 19, 15, 0), "Đã trả kết quả"])
    ws.append([2, "B-2", "Cấp giấy phép xây dựng", "Trực tiếp", 42861, 42875, None, "Đang xử lý"])
    wb.save(logs / "ba-dinh.xlsx")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["B-1", "received_at"] == "2017-05-06 09:30" and d.loc["B-1", "outcome"] == "on_time"
    assert d.loc["B-2", "received_at"] == "2017-05-06" and d.loc["B-2", "outcome"] == "pending_overdue"
    assert list(d["source_row"]) == [5, 6] and set(d["unit_code"]) == {"001"}
    assert bool(d.loc["B-1", "saturday_received"])
    assert res.tables["dossier_units"].iloc[0]["online_received"] == 1


def _appendix(out: Path, code: str, name: str, received: int, on_time: int, overdue: int) -> None:
    Catalog(out).save("appendix", pd.DataFrame([{
        "form": "III", "tier": "xa", "unit_code": code, "unit_name": name, "dossiers_received": received,
        "dossiers_on_time": on_time, "dossiers_overdue": overdue, "source_file": "pl3.xlsx", "source_row": 12}]))


def _rows(n_on_time: int, n_overdue: int) -> list[str]:
    rows = [f"R{i};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả" for i in range(n_on_time)]
    rows += [f"L{i};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;07/04/2017;;;Đã trả" for i in range(n_overdue)]
    return rows


def test_reconciliation_agrees(tmp_path):
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 40, 38, 2)
    _, t = _run(tmp_path, _rows(38, 2))
    rec = t["reconciliation"].iloc[0]
    assert (rec["reported_received"], rec["log_received"], rec["diff_received"], rec["status"]) == (40, 40, 0, "agrees")
    assert rec["message"] == "Biểu báo cáo 40 hồ sơ; phần mềm một cửa ghi nhận 40, khớp"


def test_reconciliation_differs(tmp_path):
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 1060, 1000, 60)
    _, t = _run(tmp_path, _rows(980, 20))
    rec = t["reconciliation"].iloc[0]
    assert (rec["log_received"], rec["log_on_time"], rec["log_overdue"]) == (1000, 980, 20)
    assert (rec["diff_received"], rec["diff_on_time"], rec["diff_overdue"]) == (60, 20, 40)
    assert rec["status"] == "differs"
    assert rec["message"] == ("Biểu báo cáo 1.060 hồ sơ; phần mềm một cửa ghi nhận 1.000, chênh 6,0%, biểu nhiều hơn 60 "
                              "hồ sơ")


def test_reconciliation_says_which_side_is_larger(tmp_path):
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 940, 920, 20)
    _, t = _run(tmp_path, _rows(980, 20))
    assert t["reconciliation"].iloc[0]["message"] == ("Biểu báo cáo 940 hồ sơ; phần mềm một cửa ghi nhận 1.000, chênh "
                                                      "6,0%, biểu ít hơn 60 hồ sơ")
    on_disk = pd.read_csv(tmp_path / "out" / "reconciliation.csv", dtype=str, encoding="utf-8-sig")
    assert on_disk.loc[0, "status"] == "differs"


def test_reconciliation_compares_only_figures_that_count(tmp_path):
    """Phụ lục III reports no on-time figure (ingest derives it as received − overdue, `derived`): not compared
    with the log's on time, which leaves out the dossiers awaiting the applicant, so a table that matches its
    log agrees. A unit with two rows in the tables, or whose row awaits correction, is not reconciled at all
    (its figures count nowhere until corrected), rather than the last row compared as if it counted."""
    out = tmp_path / "out"
    base = {"form": "III", "tier": "xa", "source_file": "pl3.xlsx", "source_sheet": "PL3"}
    Catalog(out).save("appendix", pd.DataFrame([
        {**base, "unit_code": "00013", "unit_name": "Phường Quán Thánh", "dossiers_received": 50,
         "dossiers_on_time": 48, "dossiers_overdue": 2, "derived": "dossiers_on_time", "source_row": 12},
        {**base, "unit_code": "00001", "unit_name": "Phường Phúc Xá", "dossiers_received": 10,
         "dossiers_on_time": 10, "dossiers_overdue": 0, "source_row": 13},
        {**base, "unit_code": "00001", "unit_name": "Phường Phúc Xá", "dossiers_received": 12,
         "dossiers_on_time": 12, "dossiers_overdue": 0, "source_row": 14},
        {**base, "unit_code": "00004", "unit_name": "Phường Trúc Bạch", "dossiers_received": 12,
         "dossiers_on_time": 12, "dossiers_overdue": 5, "source_row": 15}]))
    Catalog(out).save("findings", pd.DataFrame([{
        "source_file": "pl3.xlsx", "sheet": "PL3", "cell": "H15", "unit_name": "Phường Trúc Bạch",
        "rule": "overdue_exceeds_received", "severity": "error", "message": "…", "value": "5"}]))
    logs = tmp_path / "logs"
    # 38 on time, 2 overdue, 10 awaiting the applicant: the log's on time is 38, the table's derived 48
    rows = _rows(38, 2) + [f"W{i};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Chờ bổ sung" for i in range(10)]
    _write(logs, "quan-thanh.csv", rows)
    for code, name in (("00001", "phuc-xa"), ("00004", "truc-bach")):
        _write(logs, f"{name}.csv", _rows(12, 0), title=f"Đơn vị: {'UBND phường Phúc Xá' if code == '00001' else 'UBND phường Trúc Bạch'}")
    res = count_dossiers(logs, out)
    rec = res.tables["reconciliation"].set_index("unit_code")
    assert list(rec.index) == ["00013"]
    assert rec.loc["00013", "status"] == "agrees" and pd.isna(rec.loc["00013", "reported_on_time"])
    assert (rec.loc["00013", "log_received"], rec.loc["00013", "log_overdue"]) == (50, 2)

def test_small_gap_under_the_thresholds_agrees(tmp_path):
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 1003, 983, 20)
    _, t = _run(tmp_path, _rows(980, 20))
    assert t["reconciliation"].iloc[0]["status"] == "agrees"  # 3 dossiers: under the absolute threshold


def test_cli_writes_the_contract_files(tmp_path, capsys):
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", _rows(3, 1))
    assert main(["dossiers", str(logs), "--out", str(tmp_path / "out")]) == 0
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"dossiers.parquet", "dossier_units.csv", "dossier_procedures.csv", "dossier_findings.csv",
            "dossier_files.csv"} <= names
    units = pd.read_csv(tmp_path / "out" / "dossier_units.csv", dtype=str, encoding="utf-8-sig")
    assert list(units.columns[:4]) == ["unit_code", "unit_name", "tier", "received"]
    assert units.iloc[-1]["tier"] == "city" and units.iloc[-1]["on_time_rate"] == "75.0"
    assert "tính 4 hồ sơ" in capsys.readouterr().out
    assert main(["dossiers", str(tmp_path / "none"), "--out", str(tmp_path / "out")]) == 2


def test_empty_folder_and_a_non_utf8_export(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    text = "Mã hồ sơ;Ngày tiếp nhận\nA;03/04/2017\n"
    (logs / "cp1258.csv").write_bytes("Mã;Ngày\nA;03/04/2017\n".encode("latin-1"))  # ã, à: one byte each
    (logs / "unicode-text.csv").write_bytes(text.encode("utf-16"))
    (logs / "mixed.csv").write_bytes(("Mã hồ sơ;Ngày tiếp nhận\nA;03/04/2017\n").encode() + b"B\xe0;04/04/2017\n")
    wb = openpyxl.Workbook()
    wb.active.append(["Mã hồ sơ", "Ngày tiếp nhận"])
    wb.save(logs / "xlsx-named.csv")
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files["status"].tolist() == ["rejected"] * 4 and files["rows_read"].sum() == 0
    assert files.loc["mixed.csv", "reason"].startswith("dòng 3 có ký tự không ở mã UTF-8")
    assert files.loc["cp1258.csv", "reason"] == "tệp CSV không ở mã UTF-8; cần xuất lại dạng CSV UTF-8"
    assert files.loc["unicode-text.csv", "reason"].startswith("tệp CSV ở mã UTF-16")
    assert files.loc["xlsx-named.csv", "reason"].startswith("tệp là bảng tính Excel (.xls hoặc .xlsx) nhưng mang đuôi .csv")
    units = res.tables["dossier_units"]
    assert list(units["tier"]) == ["city"] and units.iloc[0]["received"] == 0
    assert pd.isna(units.iloc[0]["on_time_rate"])
    # no file at all: dossiers.parquet's text columns are still texts (an empty lookup once made one a null type)
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "empty").mkdir()
    count_dossiers(tmp_path / "empty", tmp_path / "out-empty")
    schema = pq.read_schema(tmp_path / "out-empty" / "dossiers.parquet")
    assert schema.field("source_file").type == pa.string() and schema.field("unit_code").type == pa.string()


def test_a_csv_broken_past_its_first_lines_costs_that_file_only(tmp_path, monkeypatch):
    """Bytes that are not UTF-8, or a line longer than the limit, far below a good header (the head check cannot
    see them): DuckDB stops on them mid-read. The file is rejected, its reason naming the line; the files read
    with it in the same read_csv (same layout) are counted."""
    logs = tmp_path / "logs"
    good = [f"G{i};Thủ tục A;Trực tiếp;03/04/2017 08:00;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
            for i in range(3000)]
    _write(logs, "a-tot.csv", good)
    _write(logs, "c-tot.csv", [r.replace("G", "H", 1) for r in good[:7]])
    bad = _write(logs, "b-utf8.csv", good[:2500])
    with open(bad, "ab") as f:  # line 2504 (3 lines above the header's rows: title, unit, header)
        f.write(b"X1;Th\xff\xfe t\xe1c;Tr\xc6;03/04/2017;;;;;\n")
        f.write("\n".join(good[2500:2510]).encode() + b"\n")
    long = _write(logs, "d-dong-dai.csv", good[:10])
    with open(long, "a", encoding="utf-8") as f:
        f.write("X2;" + "A" * 2_100_000 + ";Trực tiếp;03/04/2017;;;;;\n")
    (logs / "e-utf8.csv").write_bytes(bad.read_bytes().replace(b"X1;", b"X3;"))
    passes: list[int] = []
    load_raw = DuckDBEngine.load_raw
    monkeypatch.setattr(DuckDBEngine, "load_raw", lambda self, ex: (passes.append(len(ex)), load_raw(self, ex)))
    res = count_dossiers(logs, tmp_path / "out")
    # every broken file found by one probe after the first failure, not one full read per broken file
    assert passes == [5, 2]
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["e-utf8.csv", "reason"] == files.loc["b-utf8.csv", "reason"]
    assert files.loc["b-utf8.csv", "status"] == "rejected" and files.loc["b-utf8.csv", "rows_read"] == 0
    assert files.loc["b-utf8.csv", "reason"].startswith("dòng 2.504 có ký tự không ở mã UTF-8")
    assert files.loc["d-dong-dai.csv", "status"] == "rejected"
    assert files.loc["d-dong-dai.csv", "reason"].startswith("dòng 14 dài hơn 2.000.000 byte")
    assert files.loc["a-tot.csv", ["status", "rows_read", "rows_counted"]].tolist() == ["read", 3000, 3000]
    assert files.loc["c-tot.csv", ["status", "rows_read", "rows_counted"]].tolist() == ["read", 7, 7]
    dossiers = Catalog(tmp_path / "out").load("dossiers")
    assert len(dossiers) == 3007 and set(dossiers["source_file"]) == {"a-tot.csv", "c-tot.csv"}
    # the files' rows keep their own line numbers after the retry: the first data row is line 4
    assert dossiers.groupby("source_file")["source_row"].min().tolist() == [4, 4]


def test_many_rows_keep_the_files_order_and_their_row_numbers(tmp_path):
    """Thousands of rows in files of two layouts (read together or apart, in parallel): dossiers.parquet lists
    them in the files' order with the row numbers a spreadsheet shows, and a code met again in a later file of
    the same unit is the one excluded."""
    n = 2500  # more than one DuckDB vector per file
    logs = tmp_path / "logs"

    def rows(prefix: str, sep: str) -> list[str]:
        return [sep.join([f"{prefix}-{k}", "Chứng thực", "Trực tiếp", f"{1 + k % 28:02d}/04/2017 08:00",
                          "30/04/2017", "", "", "", "Đang xử lý"]) for k in range(n)]

    _write(logs, "a.csv", rows("A", ";"))
    _write(logs, "a2.csv", rows("B", ";"))  # same layout as a.csv: one read of both
    _write(logs, "b.csv", rows("C", ","), header=HEADER.replace(";", ","))
    _write(logs, "c.csv", rows("D", ";")[:10] + ["A-5;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý"])
    count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert list(d["source_file"]) == ["a.csv"] * n + ["a2.csv"] * n + ["b.csv"] * n + ["c.csv"] * 11
    assert list(d["dossier_code"]) == [f"{p}-{k}" for p in "ABC" for k in range(n)] + [
        f"D-{k}" for k in range(10)] + ["A-5"]
    for name, g in d.groupby("source_file"):  # title lines and header: the first dossier is on line 4
        assert list(g["source_row"]) == list(range(4, 4 + len(g))), name
    assert d["outcome"].value_counts().to_dict() == {"pending_overdue": 3 * n + 10, "excluded": 1}
    assert d.iloc[-1]["outcome"] == "excluded"
    f = Catalog(tmp_path / "out").load("dossier_findings")
    assert f[f["rule"] == "duplicate_code"][["source_file", "source_row"]].values.tolist() == [["c.csv", 14]]


def test_rows_beyond_one_row_group_keep_their_order_and_duplicates_on_every_core(tmp_path):
    """More rows than one stored row group (122.880), so that the rows are counted on several threads: the lookups
    are expressions, not joins, and nothing is sorted, yet dossiers.parquet keeps the files' order, and each
    repeated code is the later row, whichever row group holds the first."""
    logs = tmp_path / "logs"
    n = 150_000
    a = [f"A-{k};Chứng thực;Trực tiếp;{1 + k % 28:02d}/04/2017 08:00;30/04/2017;;;;Đang xử lý" for k in range(n)]
    a[140_000] = "A-7;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý"  # A-7 again, 140.000 rows later
    b = [f"B-{k};Cấp hộ tịch;Trực tuyến;05/05/2017;10/05/2017;;;;Đang xử lý" for k in range(60_000)]
    b.append("A-123456;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý")  # met in a.csv, another file
    _write(logs, "a.csv", a)
    _write(logs, "b.csv", b)
    count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    codes = [f"A-{k}" for k in range(n)]
    codes[140_000] = "A-7"
    assert d["dossier_code"].tolist() == codes + [f"B-{k}" for k in range(60_000)] + ["A-123456"]
    assert d["source_row"].tolist() == list(range(4, 4 + n)) + list(range(4, 4 + 60_001))
    assert d["channel"].tolist() == ["counter"] * n + ["online"] * 60_000 + ["counter"]
    excluded = d[d["outcome"] == "excluded"]
    assert excluded[["source_file", "source_row"]].values.tolist() == [["a.csv", 140_004], ["b.csv", 60_004]]
    f = Catalog(tmp_path / "out").load("dossier_findings")
    assert f[f["rule"] == "duplicate_code"][["source_file", "source_row"]].values.tolist() == [
        ["a.csv", 140_004], ["b.csv", 60_004]]


def test_the_dossier_batches_are_written_in_order_and_a_failure_while_reading_is_raised(tmp_path):
    """dossiers.parquet is written by pyarrow from DuckDB's batches read on a second thread
    (dossier_counts._write_batches): every row in order, and an error of the reading side is raised, not lost
    or left hanging."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sketket.analysis.dossier_counts import _write_batches

    schema = pa.schema([("source_row", pa.int64()), ("outcome", pa.string())])
    batches = [pa.record_batch([pa.array(range(i, i + 7)), pa.array(["on_time"] * 7)], schema=schema)
               for i in range(0, 70, 7)]
    _write_batches(pa.RecordBatchReader.from_batches(schema, batches), tmp_path / "ok.parquet")
    assert pq.read_table(tmp_path / "ok.parquet").column("source_row").to_pylist() == list(range(70))

    def failing():
        yield batches[0]
        raise OSError("đĩa đầy")

    with pytest.raises(OSError, match="đĩa đầy"):
        _write_batches(pa.RecordBatchReader.from_batches(schema, failing()), tmp_path / "half.parquet")


def test_a_semicolon_export_whose_procedure_names_hold_commas_is_read(tmp_path):
    """The delimiter is the one that splits a line into a header, not the one most frequent on a data row."""
    d, t = _run(tmp_path, [
        # more commas in the name than semicolons in the header
        "C1;Cấp mới, cấp lại, cấp đổi, điều chỉnh, gia hạn, thu hồi, tạm ngừng, khôi phục, hủy giấy phép, chứng chỉ;"
        "Trực tiếp;"
        "03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "C2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
    ], title="")
    assert list(d["outcome"]) == ["on_time", "on_time"]
    assert d.loc["C1", "procedure_name"].startswith("Cấp mới, cấp lại, cấp đổi")
    assert t["dossier_files"].iloc[0]["status"] == "read"


def test_a_duplicate_code_is_counted_once_on_the_row_that_can_be_counted(tmp_path):
    """Rows not received in the period (no readable date, or outside it) do not claim a code: the row received
    in the period is counted, not excluded as its duplicate."""
    d, t = _run(tmp_path, [
        "D4;Chứng thực;Trực tiếp;;05/04/2017;04/04/2017;;;Đã trả",
        "D4;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "D1;Chứng thực;Trực tiếp;31/03/2016;02/04/2016;01/04/2016;;;Đã trả",
        "D1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "D2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "D2;Chứng thực;Trực tiếp;04/04/2017;06/04/2017;05/04/2017;;;Đã trả",
    ])
    assert list(d["outcome"]) == ["excluded", "on_time", "out_of_period", "on_time", "on_time", "excluded"]
    assert list(d["issues"]) == ["received_missing", "", "", "", "", "duplicate_code"]
    assert t["dossier_units"].iloc[0]["received"] == 3
    files = t["dossier_files"].iloc[0]
    assert (files["rows_read"], files["rows_counted"], files["rows_excluded"]) == (6, 3, 3)


def test_a_row_without_a_code_is_said_counted_only_when_it_is(tmp_path):
    d, t = _run(tmp_path, [
        ";Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        ";;;;;;;;",
        ";Chứng thực;Trực tiếp;31/03/2016;02/04/2016;01/04/2016;;;Đã trả",
    ])
    f = t["dossier_findings"]
    assert list(f.loc[f["rule"] == "code_missing", "source_row"]) == [4]
    assert list(f.loc[f["source_row"] == 5, "rule"]) == ["empty_row"]  # a blank row is no dossier
    assert "vẫn được tính" not in " ".join(f.loc[f["source_row"] != 4, "message"])


def test_an_unreadable_due_date_is_quoted_as_written_where_a_computed_one_is_used(tmp_path):
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", ["W7;Đăng ký kết hôn;Trực tiếp;05/06/2017;xx/06/2017;06/06/2017;;;Đã trả"])
    (logs / "thu-tuc.csv").write_text(
        "Mã TTHC,Tên TTHC,Thời hạn giải quyết (ngày làm việc)\n,Đăng ký kết hôn,3\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["W7", "due_at"] == "xx/06/2017" and bool(d.loc["W7", "due_computed"])
    assert d.loc["W7", "outcome"] == "on_time"  # due 08/06/2017, three working days after Monday 05/06
    f = res.tables["dossier_findings"].set_index("rule")
    assert f.loc["due_unreadable", "value"] == "xx/06/2017"
    assert "\"xx/06/2017\"" in f.loc["due_unreadable", "message"]


def _with_limits(tmp_path: Path, rows: list[str], limits: str) -> pd.DataFrame:
    """The dossiers counted from a log of `rows` beside a procedures table of `limits` (its lines after the
    header "Tên TTHC;Thời hạn giải quyết"), by dossier code."""
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", rows)
    (logs / "thu-tuc.csv").write_text("Tên TTHC;Thời hạn giải quyết\n" + limits, encoding="utf-8")
    count_dossiers(logs, tmp_path / "out")
    return Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")


def test_a_time_limit_written_in_words_is_its_first_number(tmp_path):
    d = _with_limits(tmp_path, [
        "L1;Cấp bản sao trích lục;Trực tiếp;05/06/2017;;20/06/2017;;;Đã trả",
        "L2;Đăng ký kết hôn;Trực tiếp;05/06/2017;;09/06/2017;;;Đã trả",
    ], "Cấp bản sao trích lục;1 ngày (trường hợp 1), 2 ngày (trường hợp 2)\n"
       "Đăng ký kết hôn;03 ngày làm việc; trường hợp xác minh 05 ngày\n")
    assert d.loc["L1", "due_at"] == "2017-06-06" and d.loc["L1", "outcome"] == "overdue"
    assert d.loc["L2", "due_at"] == "2017-06-08" and d.loc["L2", "outcome"] == "overdue"


def test_time_limits_in_hours_parts_of_a_day_and_the_same_day(tmp_path):
    """A procedures table's limits the way agencies write them: hours (8 a working day: "04 giờ làm việc" is
    the same day, "16 giờ" two days), a part of a day ("1/2 ngày": the same day), and words for the same day
    ("Trong ngày", "Ngay trong ngày; trường hợp sau 15 giờ …", not 15 days). Finished the next day, each of
    the first three is overdue; "16 giờ" finished on the second working day is on time."""
    from sketket.intake.dossiers import config, limit_days

    words = config()["procedures_table"]
    assert [limit_days(t, words) for t in ("04 giờ làm việc", "16 giờ", "1/2 ngày", "0,5 ngày", "Trong ngày",
                                           "Ngay trong ngày; trường hợp sau 15 giờ", "Không quy định")] == [
        0, 2, 0, 0, 0, 0, None]
    d = _with_limits(tmp_path, [
        "H1;Cấp bản sao;Trực tiếp;10/07/2017;;11/07/2017;;;Đã trả",
        "H2;Chứng thực;Trực tiếp;10/07/2017;;11/07/2017;;;Đã trả",
        "H3;Đăng ký khai tử;Trực tiếp;10/07/2017;;11/07/2017;;;Đã trả",
        "H4;Đăng ký kết hôn;Trực tiếp;10/07/2017;;12/07/2017;;;Đã trả",
    ], "Cấp bản sao;04 giờ làm việc\nChứng thực;Ngay trong ngày; trường hợp sau 15 giờ thì trả trong ngày làm "
       "việc tiếp theo\nĐăng ký khai tử;1/2 ngày\nĐăng ký kết hôn;16 giờ\n")
    assert d[["due_at", "outcome"]].values.tolist() == [
        ["2017-07-10", "overdue"], ["2017-07-10", "overdue"], ["2017-07-10", "overdue"], ["2017-07-12", "on_time"]]


def test_headers_channels_and_iso_dates_with_a_zone(tmp_path):
    """"Đơn vị xử lý" (the department handling a dossier) is not the unit's column: the title line names the
    unit; "DVC mức độ 3" is online; an ISO time with a zone is read at its clock time."""
    d, t = _run(tmp_path, [
        "Z1;Chứng thực;DVC mức độ 3;2017-07-31T10:00:00+07:00;2017-08-02;;;;Đang xử lý;Phòng Quản lý đô thị",
        "Z2;Chứng thực;Nộp qua DVC mức độ 4;2017-06-03T09:00Z;05/06/2017;2017-06-03T10:15:00.5Z;;;Đã trả;Phòng Tư pháp",
    ], title="Đơn vị: UBND quận Ba Đình", header=HEADER + ";Đơn vị xử lý")
    assert list(d["unit_code"]) == ["001", "001"]
    assert list(d["channel"]) == ["online", "online"]
    assert d.loc["Z1", "received_at"] == "2017-07-31 10:00" and d.loc["Z1", "outcome"] == "pending_on_time"
    assert d.loc["Z2", "received_at"] == "2017-06-03 09:00" and d.loc["Z2", "finished_at"] == "2017-06-03 10:15"
    assert t["dossier_units"].iloc[0]["online_received"] == 2


def test_a_unit_column_is_found_by_its_usual_headers_but_not_by_a_handling_department():
    from sketket.intake.dossiers import header_map

    cfg = config()
    for header in ("Đơn vị", "Nơi tiếp nhận hồ sơ", "Đơn vị tiếp nhận hồ sơ", "Đơn vị (xã, phường)"):
        assert header_map([header], cfg["headers"], cfg["not_headers"]) == {"unit_name": 0}, header
    assert header_map(["Đơn vị xử lý", "Đơn vị thụ lý"], cfg["headers"], cfg["not_headers"]) == {}


def test_a_workbook_with_a_log_on_each_of_two_sheets_reads_both(tmp_path):
    """A log split by year over two worksheets: each sheet is read, named "file [sheet]" in the ledger and the
    findings; a sheet of notes without a header is left alone."""
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Ghi chú"
    notes.append(["Sổ theo dõi xuất từ phần mềm một cửa"])
    for sheet, rows in [("2016", [["K1", "03/10/2016", "05/10/2016"]]),
                        ("2017", [["K2", "03/04/2017", "05/04/2017"], ["K3", "31/02/2017", "05/04/2017"]])]:
        ws = wb.create_sheet(sheet)
        ws.append(["Đơn vị: UBND phường Quán Thánh"])
        ws.append(["Mã hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả"])
        for r in rows:
            ws.append(r)
    wb.save(logs / "quan-thanh.xlsx")
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["quan-thanh.xlsx [2016]", "rows_read"] == 1
    assert tuple(files.loc["quan-thanh.xlsx [2017]", ["rows_read", "rows_counted", "rows_excluded"]]) == (2, 1, 1)
    assert res.rows_read == 3 and res.rows_counted == 2
    f = res.tables["dossier_findings"]
    assert list(zip(f["source_file"], f["source_row"], f["rule"], strict=True)) == [
        ("quan-thanh.xlsx [2017]", 4, "received_unreadable")]


def test_one_procedure_one_row_whatever_its_spelling(tmp_path):
    """Spellings of one procedure that differ by case and spaces are one procedure; a row without a code whose
    name is that of exactly one code is counted under that code."""
    header = "Mã hồ sơ;Mã TTHC;Tên TTHC;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Trạng thái"
    d, t = _run(tmp_path, [
        "N1;1.001;Chứng thực bản sao;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N2;;CHỨNG THỰC  BẢN SAO;03/04/2017;05/04/2017;06/04/2017;Đã trả",
        "N3;;chứng thực bản sao;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N4;;Đăng ký  khai sinh;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N5;;đăng ký khai sinh;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N6;2.002;Đăng ký kết hôn;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N7;2.003;Đăng ký kết hôn;03/04/2017;05/04/2017;04/04/2017;Đã trả",
        "N8;;ĐĂNG KÝ KẾT HÔN;03/04/2017;05/04/2017;04/04/2017;Đã trả",
    ], header=header)
    assert list(d["procedure_code"]) == ["1.001", "1.001", "1.001", "", "", "2.002", "2.003", ""]
    # two codes bear the last name: its code is not guessed, its spelling is the one not in capitals
    assert list(d["procedure_name"]) == ["Chứng thực bản sao"] * 3 + ["Đăng ký khai sinh"] * 2 + [
        "Đăng ký kết hôn"] * 3
    city = t["dossier_procedures"][t["dossier_procedures"]["unit_code"] == ""].set_index(
        ["procedure_code", "procedure_name"])
    assert city.loc[("1.001", "Chứng thực bản sao"), ["received", "on_time", "overdue"]].tolist() == [3, 2, 1]
    assert city.loc[("", "Đăng ký khai sinh"), "received"] == 2
    assert len(city) == 5


def test_source_row_is_the_line_a_row_starts_on_across_blank_lines_and_cells_spanning_lines(tmp_path):
    """DuckDB skips a blank line and reads a quoted cell across lines; the findings still point at the line a
    text editor shows (the header's own lines counted, a title cell spanning two included), and a duplicate
    below such a line is still found."""
    logs = tmp_path / "logs"
    logs.mkdir()
    row = "{code};{name};Trực tiếp;{received};10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
    lines = ['"SỔ THEO DÕI', 'HỒ SƠ"', "Đơn vị: UBND phường Quán Thánh", HEADER,          # lines 1–4
             row.format(code="A1", name="Thủ tục A", received="03/04/2017"),               # 5
             "",                                                                          # 6
             row.format(code="A2", name="Thủ tục A", received="03/04/2017"),               # 7
             row.format(code="A3", name='"Thủ tục\nB"', received="03/04/2017"),            # 8–9
             row.format(code="A2", name="Thủ tục A", received="03/04/2017"),               # 10
             row.format(code="A4", name="Thủ tục A", received="31/02/2017")]               # 11
    (logs / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    plain = ["Đơn vị: UBND phường Quán Thánh", HEADER] + [
        row.format(code=f"B{i}", name="Thủ tục A", received="03/04/2017") for i in range(3)]
    (logs / "b.csv").write_text("\r\n".join(plain) + "\r\n\r\n\r\n", encoding="utf-8")  # blank lines at the end
    res = count_dossiers(logs, tmp_path / "out")
    assert res.tables["dossier_files"]["rows_read"].tolist() == [5, 3]  # the header is not read as a row
    d = Catalog(tmp_path / "out").load("dossiers")
    assert list(zip(d["dossier_code"], d["source_row"], strict=True)) == [
        ("A1", 5), ("A2", 7), ("A3", 8), ("A2", 10), ("A4", 11), ("B0", 3), ("B1", 4), ("B2", 5)]
    f = res.tables["dossier_findings"]
    assert f[["source_row", "dossier_code", "rule"]].values.tolist() == [
        [8, "A3", "line_breaks"], [10, "A2", "duplicate_code"], [11, "A4", "received_unreadable"]]
    assert d["outcome"].tolist() == ["on_time", "on_time", "on_time", "excluded", "excluded"] + ["on_time"] * 3


def test_a_row_with_nothing_of_a_dossier_is_one_quiet_finding_not_an_unknown_unit(tmp_path):
    """A blank row (";;;;" from a spreadsheet, a gap in a sheet), a row numbered in advance, or a unit's name
    heading its dossiers is no dossier: excluded with one `empty_row` note each, not "no date of receipt" and
    "unknown unit" errors."""
    logs = tmp_path / "logs"
    header = "Đơn vị;" + HEADER
    _write(logs, "a.csv", [
        "UBND phường Quán Thánh;U1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        ";;;;;;;;;",
        "UBND phường Quán Thánh;;;;;;;;;",
        "UBND phường Quán Thánh;U2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "Phường Không Có;;;;;;;;;",
        "-;-;-;-;-;-;-;-;-;-",
    ], title="", header=header)
    _ba_dinh_workbook(logs, [], [2, "B-2", "Chứng thực", None, "05/04/2017", "Đang xử lý"], [3])
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_file", "source_row", "rule", "severity"]].values.tolist() == [
        ["a.csv", 3, "empty_row", "info"], ["a.csv", 4, "empty_row", "info"], ["a.csv", 6, "empty_row", "info"],
        ["a.csv", 7, "empty_row", "info"],
        ["ba-dinh.xlsx", 4, "empty_row", "info"], ["ba-dinh.xlsx", 5, "received_missing", "error"],
        ["ba-dinh.xlsx", 6, "empty_row", "info"]]
    assert "không phải hồ sơ" in f["message"].iloc[0]
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d.loc[d["issues"] == "empty_row", "outcome"].unique().tolist() == ["excluded"]
    files = res.tables["dossier_files"].set_index("source_file")
    assert files[["rows_read", "rows_counted", "rows_excluded"]].values.tolist() == [[6, 2, 4], [4, 1, 3]]
    assert res.tables["dossier_units"].set_index("tier").loc["city", "received"] == 3


def test_rows_under_a_header_in_another_order_are_not_read_under_the_wrong_columns(tmp_path):
    """A second export pasted below the first with "Ngày tiếp nhận" and "Ngày có kết quả" swapped: read under
    the first header, its rows would be received on their day of finishing and counted on time. They are
    excluded, with one error for the file naming the header's line, until the header comes back in the file's
    own order; the rows below that are counted again."""
    logs = tmp_path / "logs"
    swapped = HEADER.replace("Ngày tiếp nhận", "@").replace("Ngày có kết quả", "Ngày tiếp nhận").replace(
        "@", "Ngày có kết quả")
    _write(logs, "a.csv", [
        "A1;Chứng thực;Trực tiếp;01/03/2017;08/03/2017;06/03/2017;;;Đã trả",   # 4
        swapped,                                                               # 5
        "B1;Chứng thực;Trực tiếp;10/03/2017;08/03/2017;01/03/2017;;;Đã trả",   # 6: received 01/03, finished 10/03
        "B2;Chứng thực;Trực tiếp;11/03/2017;08/03/2017;01/03/2017;;;Đã trả",   # 7
        "Tổng cộng: 2 hồ sơ;;;;;;;;",                                          # 8
        HEADER,                                                                # 9: the file's own order again
        "A2;Chứng thực;Trực tiếp;01/03/2017;08/03/2017;09/03/2017;;;Đã trả",   # 10
    ])
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("source_row")
    assert d.loc[[6, 7], "outcome"].tolist() == ["excluded", "excluded"]
    assert d.loc[[6, 7, 8], "issues"].tolist() == ["under_other_header", "under_other_header", "footer_row"]
    assert d.loc[[4, 10], "outcome"].tolist() == ["on_time", "overdue"]
    f = res.tables["dossier_findings"]
    assert f[["source_row", "rule", "severity"]].values.tolist() == [
        [5, "header_row", "info"], [6, "under_other_header", "error"], [8, "footer_row", "info"],
        [9, "header_row", "info"]]
    assert f.loc[f["rule"] == "under_other_header", "message"].iloc[0].startswith(
        "2 dòng từ dòng 6 nằm dưới dòng tiêu đề lặp lại (dòng 5) có thứ tự cột khác")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["a.csv", ["rows_read", "rows_counted", "rows_excluded"]].tolist() == [7, 2, 5]


def test_a_header_repeated_with_a_number_column_over_the_dates_is_still_a_header(tmp_path):
    """The second export has an "STT" column where the first has its dates of receipt: that cell names no
    column, but two others do ("Mã hồ sơ", "Ngày tiếp nhận"), so the row is the header again, and the rows below
    it, read under the first header's columns, are excluded."""
    logs = tmp_path / "logs"
    _write(logs, "b.csv", [
        "A1;Chứng thực;Trực tiếp;01/03/2017;08/03/2017;06/03/2017;;;Đã trả",                        # 4
        "Mã hồ sơ;Tên TTHC;Kênh nộp;STT;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;;Trạng thái",  # 5
        "B1;Chứng thực;Trực tiếp;1;03/04/2017;05/04/2017;04/04/2017;;Đã trả",                      # 6
    ])
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_row", "rule"]].values.tolist() == [[5, "header_row"], [6, "under_other_header"]]
    assert f["message"].iloc[0].startswith("Dòng “Mã hồ sơ … Tên TTHC … STT … Ngày tiếp nhận")

def test_a_header_in_another_order_and_decomposed_closing_rows_are_no_dossiers(tmp_path):
    """A second export pasted below the first with its columns in another order: its header's cell over the
    dates of receipt holds another column's header ("Mã hồ sơ"), still the header repeated. Closing rows written
    in decomposed Unicode (NFD, as some exports write Vietnamese) are a log's closing rows as the composed ones
    are. A dateless row whose cell merely resembles a header ("Mã số 12") stays an error."""
    logs = tmp_path / "logs"
    row = "{code};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"
    _write(logs, "a.csv", [
        row.format(code="A1"),                                                    # 4
        ";".join(reversed(HEADER.split(";"))),                                    # 5: the header, reversed
        "MA HO SO;TEN TTHC;KENH NOP;NGAY TIEP NHAN;;;;;",                        # 6: no diacritics, capitals
        row.format(code="A2"),                                                    # 7
        unicodedata.normalize("NFD", "Tổng cộng: 2 hồ sơ;;;;;;;;"),               # 8
        unicodedata.normalize("NFD", ";Người lập biểu;;;;;;;Thủ trưởng đơn vị"),  # 9
        "Mã số 12;Chứng thực;;;;;;;",                                             # 10: an error
    ])
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_row", "rule", "severity"]].values.tolist() == [
        [5, "header_row", "info"], [6, "header_row", "info"], [8, "footer_row", "info"], [9, "footer_row", "info"],
        [10, "received_missing", "error"]]
    assert f.set_index("source_row")["message"][5].startswith("Dòng “Trạng thái … Hình thức trả … Ngày có kết quả")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["a.csv", ["rows_read", "rows_counted", "rows_excluded"]].tolist() == [7, 2, 5]


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("where", ["title", "header"])
def test_a_title_or_header_cell_spanning_lines_loses_no_dossier(tmp_path, bom, where):
    """DuckDB's skip counts a quoted cell spanning lines as one row, except right after a BOM, where it does not
    see the quote: with either, every dossier is read and numbered by its line."""
    logs = tmp_path / "logs"
    logs.mkdir()
    row = "{code};Thủ tục A;Trực tiếp;03/04/2017;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
    header = HEADER.replace("Ngày hẹn trả", '"Ngày hẹn trả\r\n(dd/mm/yyyy)"') if where == "header" else HEADER
    title = ['"SỔ THEO DÕI\r\nHỒ SƠ"', "Đơn vị: UBND phường Quán Thánh"] if where == "title" else []
    lines = [*title, header, *(row.format(code=f"H{i}") for i in range(3))]
    (logs / "quan-thanh.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig" if bom else "utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    assert res.tables["dossier_files"]["rows_read"].tolist() == [3]
    d = Catalog(tmp_path / "out").load("dossiers")
    first = 5 if where == "title" else 3  # the title's two lines and the unit's, or the header's two
    assert list(zip(d["dossier_code"], d["source_row"], strict=True)) == [
        ("H0", first), ("H1", first + 1), ("H2", first + 2)]
    assert res.tables["dossier_findings"].empty


def test_line_count_counts_breaks_as_an_editor_does(tmp_path):
    from sketket.intake.dossiers import line_count

    for text, lines in ((b"a\nb\n", 2), (b"a\nb", 2), (b"a\r\nb\r\n", 2), (b"a\rb\r", 2), (b'a,"x\ry"\nb\n', 3),
                        (b"a\r\r\nb\r\r\n", 4), (b"", 0), (b"a", 1)):
        (tmp_path / "f.csv").write_bytes(text)
        assert line_count(tmp_path / "f.csv") == lines, text


def test_a_lone_cr_inside_a_quoted_cell_counts_as_a_line(tmp_path):
    """A cell holding a CR alone (an old Mac line break) shows as two lines in an editor: the rows below are
    numbered one lower than before."""
    logs = tmp_path / "logs"
    logs.mkdir()
    row = "{code};{name};Trực tiếp;03/04/2017;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
    lines = ["Đơn vị: UBND phường Quán Thánh", HEADER, row.format(code="A1", name='"Đăng ký\rkhai sinh"'),
             row.format(code="A2", name="Thủ tục A")]
    (logs / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert list(zip(d["dossier_code"], d["source_row"], strict=True)) == [("A1", 3), ("A2", 5)]


def test_a_long_cell_does_not_stop_the_line_numbers_after_a_blank_line(tmp_path):
    """A 200.000-character cell is over the csv module's default limit (128 KiB): the rows after a blank line
    kept one line a row, silently wrong; the limit is DuckDB's (limits.max_line_bytes)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    row = "{code};{name};Trực tiếp;03/04/2017;10/04/2017;05/04/2017;05/04/2017;Trực tiếp;Đã trả kết quả"
    lines = ["Đơn vị: UBND phường Quán Thánh", HEADER, row.format(code="A1", name="x" * 200_000), "",
             row.format(code="A2", name="Thủ tục A"), row.format(code="A3", name="Thủ tục A")]
    (logs / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert list(zip(d["dossier_code"], d["source_row"], strict=True)) == [("A1", 3), ("A2", 5), ("A3", 6)]
    import csv

    assert csv.field_size_limit() == 131072  # the module's limit is left as it was


def test_a_name_with_a_line_break_is_not_the_procedures_spelling_but_its_finding_shows_it(tmp_path):
    logs = tmp_path / "logs"
    row = "{code};1.001;{name};Trực tiếp;03/04/2017;10/04/2017;05/04/2017;;;Đã trả kết quả"
    header = "Mã hồ sơ;Mã TTHC;" + HEADER.split(";", 1)[1]
    _write(logs, "a.csv", [row.format(code="A1", name='"Đăng ký\nkhai sinh"'),
                           *(row.format(code=f"A{i}", name="Đăng ký khai sinh") for i in (2, 3, 4))], header=header)
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert set(d["procedure_name"]) == {"Đăng ký khai sinh"}
    assert d["procedure_name_written"].tolist() == ["Đăng ký\nkhai sinh", "", "", ""]
    procs = res.tables["dossier_procedures"]
    assert procs["procedure_name"].tolist() == ["Đăng ký khai sinh", "Đăng ký khai sinh"]  # the city, the unit
    f = res.tables["dossier_findings"]
    assert f.loc[f["rule"] == "line_breaks", "value"].tolist() == ["Đăng ký ⏎ khai sinh"]


def test_a_repeated_header_a_total_and_the_signatures_are_no_dossiers(tmp_path):
    """Two months' exports pasted into one file repeat the header; a log printed from the software ends with a
    total and the signatures. None is a dossier: each is excluded with a note (header_row, footer_row), not "no
    date of receipt", "unreadable date" or "unknown unit" errors; a dateless row that is neither stays an
    error."""
    logs = tmp_path / "logs"
    header = "Đơn vị;" + HEADER
    row = "UBND phường Quán Thánh;{code};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"
    _write(logs, "a.csv", [
        row.format(code="A1"),                                       # 2
        header,                                                      # 3: the header again
        row.format(code="A2"),                                       # 4
        "Tổng cộng: 2 hồ sơ;;;;;;;;;",                               # 5
        ";;Người lập biểu;;;;;;;Thủ trưởng đơn vị",                  # 6
        ";;(Ký, ghi rõ họ tên);;;;;;;",                              # 7
        ";;;;Hà Nội, ngày 30 tháng 6 năm 2017;;;;;",                 # 8: in the column of the dates of receipt
        "UBND phường Quán Thánh;A9;Chứng thực;Trực tiếp;;;;;;Đã trả",  # 9: a dossier without its dates
    ], title="", header=header)
    _ba_dinh_workbook(logs, [None, "TONG CONG", None, None, None, None])
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_file", "source_row", "rule", "severity"]].values.tolist() == [
        ["a.csv", 3, "header_row", "info"], ["a.csv", 5, "footer_row", "info"], ["a.csv", 6, "footer_row", "info"],
        ["a.csv", 7, "footer_row", "info"], ["a.csv", 8, "footer_row", "info"],
        ["a.csv", 9, "received_missing", "error"],
        ["ba-dinh.xlsx", 4, "footer_row", "info"]]
    messages = f.set_index("source_row")["message"]
    assert "lặp lại dòng tiêu đề" in messages[3] and "“Mã hồ sơ … Tên TTHC … Ngày tiếp nhận" in messages[3]
    assert "“Tổng cộng: 2 hồ sơ”" in messages[5] and "không phải hồ sơ" in messages[5]
    assert "“Người lập biểu … Thủ trưởng đơn vị”" in messages[6]
    assert messages[8].startswith("Dòng “Hà Nội, ngày 30 tháng 6 năm 2017” là dòng tổng cộng")  # not the unit's name
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d.loc[d["issues"].isin(["header_row", "footer_row"]), "outcome"].unique().tolist() == ["excluded"]
    files = res.tables["dossier_files"].set_index("source_file")
    assert files[["rows_read", "rows_counted", "rows_excluded"]].values.tolist() == [[8, 2, 6], [2, 1, 1]]
    assert res.tables["dossier_units"].set_index("tier").loc["city", "received"] == 3


def test_links_and_fifos_in_the_logs_folder_are_listed_never_opened(tmp_path):
    """The logs folder is walked as ingest walks the received folder: a link to a file outside it (e.g.
    /etc/passwd), a dangling link and a FIFO (which would block a reader for ever) each have a row of the files
    ledger with the reason, and the log beside them is counted."""
    import os

    logs = tmp_path / "logs"
    _write(logs, "a.csv", ["A1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"])
    outside = tmp_path / "outside.csv"
    outside.write_text("x", encoding="utf-8")
    (logs / "ra-ngoai.csv").symlink_to(outside)
    (logs / "mat.csv").symlink_to(tmp_path / "gone.csv")
    os.mkfifo(logs / "ong.csv")
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert sorted(files.index) == ["a.csv", "mat.csv", "ong.csv", "ra-ngoai.csv"]
    assert files.loc["a.csv", "rows_counted"] == 1
    assert (files.loc[["mat.csv", "ong.csv", "ra-ngoai.csv"], "status"] == "skipped").all()
    assert all(files.loc[["mat.csv", "ong.csv", "ra-ngoai.csv"], "reason"].str.len() > 10)


def test_a_workbook_bomb_among_the_logs_is_refused_with_what_a_logs_sender_can_do(tmp_path):
    """A workbook whose worksheet inflates past the limit (ingest.yml, member_mb) is refused before it is
    opened, and the reason speaks of the log (export it again as CSV), not of the appendix tables."""
    import zipfile

    logs = tmp_path / "logs"
    _write(logs, "a.csv", ["A1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"])
    with zipfile.ZipFile(logs / "bom.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (33 * 2**20) + b"</worksheet>")
    assert (logs / "bom.xlsx").stat().st_size < 200_000
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["bom.xlsx", "status"] == "rejected"
    assert "bom nén" in files.loc["bom.xlsx", "reason"] and "sổ theo dõi hồ sơ dạng CSV" in files.loc["bom.xlsx", "reason"]
    assert "Phụ lục" not in files.loc["bom.xlsx", "reason"]
    assert files.loc["a.csv", "rows_counted"] == 1


def test_a_tab_separated_export_is_read(tmp_path):
    """A log copied out of Excel into a text file keeps its tabs: read like a semicolon or comma export."""
    logs = tmp_path / "logs"
    _write(logs, "a.csv", ["A1;Chứng thực, bản sao;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
                           "A2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;06/04/2017;;;Đã trả"])
    tabbed = (logs / "a.csv").read_text(encoding="utf-8-sig").replace(";", "\t")
    (logs / "a.csv").write_text(tabbed, encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d[["dossier_code", "procedure_name", "outcome", "source_row"]].values.tolist() == [
        ["A1", "Chứng thực, bản sao", "on_time", 4], ["A2", "Chứng thực", "overdue", 5]]
    assert res.tables["dossier_findings"].empty


def test_a_hidden_worksheet_holding_a_log_is_read_and_said(tmp_path):
    """A log workbook whose second worksheet, hidden, holds another log (often last year's copy): both are
    read (nothing unsaid), and the ledger says which worksheet Excel does not show."""
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    for ws, code in ((wb.active, "B-1"), (wb.create_sheet("Cu"), "B-2")):
        ws.append(["Cơ quan: UBND quận Ba Đình"])
        ws.append(["Số biên nhận", "Thủ tục hành chính", "Ngày nhận hồ sơ", "Hẹn trả kết quả", "Tình trạng"])
        ws.append([code, "Chứng thực", "03/04/2017", "05/04/2017", "Đang xử lý"])
    wb["Cu"].sheet_state = "hidden"
    wb.save(logs / "ba-dinh.xlsx")
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files["rows_counted"].to_dict() == {"ba-dinh.xlsx [Sheet]": 1, "ba-dinh.xlsx [Cu]": 1}
    assert files.loc["ba-dinh.xlsx [Sheet]", "reason"] == ""
    assert files.loc["ba-dinh.xlsx [Cu]", "reason"].startswith("trang tính \"Cu\" đang bị ẩn trong tệp")


def test_a_header_written_on_two_rows_with_merged_cells_is_read(tmp_path):
    """A printed-style log: "Ngày" merged over "Tiếp nhận", "Hẹn trả", "Có kết quả", "Trả kết quả", and "Mã hồ
    sơ", "Tên thủ tục" merged down both rows. The two rows are read as one header ("Ngày tiếp nhận" …), the
    dossiers start below the second, and the title above is still the unit's."""
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Đơn vị: UBND phường Quán Thánh"])
    ws.append(["Mã hồ sơ", "Tên thủ tục", "Ngày", None, None, None, "Trạng thái"])
    ws.append([None, None, "Tiếp nhận", "Hẹn trả", "Có kết quả", "Trả kết quả", None])
    ws.merge_cells("C2:F2")
    ws.merge_cells("A2:A3")
    ws.append(["Q-1", "Chứng thực", "03/04/2017", "05/04/2017", "04/04/2017", "04/04/2017", "Đã trả"])
    ws.append(["Q-2", "Chứng thực", "03/04/2017", "05/04/2017", "06/04/2017", "", "Đã trả"])
    wb.save(logs / "quan-thanh.xlsx")
    (logs / "quan-thanh-2.csv").write_text(
        "Đơn vị: UBND phường Quán Thánh\nMã hồ sơ;Tên thủ tục;Ngày;;;;Trạng thái\n;;Tiếp nhận;Hẹn trả;Có kết quả;;\n"
        "Q-3;Chứng thực;03/04/2017;05/04/2017;04/04/2017;;Đã trả\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d[["dossier_code", "outcome", "source_row", "unit_name"]].values.tolist() == [
        ["Q-3", "on_time", 4, "Phường Quán Thánh"], ["Q-1", "on_time", 4, "Phường Quán Thánh"],
        ["Q-2", "overdue", 5, "Phường Quán Thánh"]]
    assert d.loc[d["dossier_code"] == "Q-1", "returned_at"].tolist() == ["2017-04-04"]
    assert res.tables["dossier_findings"].empty


def test_dossiers_said_done_without_any_end_date_have_one_warning_per_file(tmp_path):
    """The software says "Đã trả kết quả" but writes no date of finishing nor of return: counted as not ended
    (rule 2: the end is a date), so pending on or past its due date, and one warning per file says how many
    rows and the first one, for the inspector to check the software's data."""
    d, t = _run(tmp_path, [
        "E1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đã trả kết quả",      # 4: done, no end
        "E2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả kết quả",
        "E3;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;-;;Hoàn thành",          # 6: done, a dash for the date
        "E4;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đang xử lý",
        "E5;Chứng thực;Trực tiếp;03/04/2015;05/04/2015;;;;Đã trả kết quả",      # out of the period: not said
    ])
    assert _outcomes(d) == {"E1": "pending_overdue", "E2": "on_time", "E3": "pending_overdue",
                            "E4": "pending_overdue", "E5": "out_of_period"}
    assert d.loc["E1", "issues"] == "done_without_end"
    f = t["dossier_findings"]
    said = f[f["rule"] == "done_without_end"]
    assert said[["source_row", "severity"]].values.tolist() == [[4, "warning"]]
    assert said["message"].iloc[0].startswith("2 hồ sơ có trạng thái đã giải quyết xong (dòng đầu: 4) nhưng không ghi")


def test_a_repeated_header_in_other_words_or_with_a_column_not_read_swapped_is_caught(tmp_path):
    """Three ways a second export pasted below the first hides another column order: (a) other wordings of the
    headers ("Ngày hẹn trả (dd/mm/yyyy)", "Ngày tiếp nhận hồ sơ") with the dates swapped; (b) a header on two
    rows whose second row swaps "Tiếp nhận" and "Hẹn trả"; (c) a date column sketket reads swapped with one it
    does not ("Ngày chuyển xử lý"). The rows below each are excluded, not counted with the wrong dates; a header
    repeated in other words but the same order (d) is a header again, and the rows below it are counted."""
    logs = tmp_path / "logs"
    row = "{code};Chứng thực;Trực tiếp;01/03/2017;08/03/2017;06/03/2017;;;Đã trả"
    _write(logs, "a.csv", [row.format(code="A1"),
                           "Số biên nhận hồ sơ;Tên thủ tục hành chính (TTHC);Hình thức nộp hồ sơ;Ngày hẹn trả "
                           "(dd/mm/yyyy);Ngày tiếp nhận hồ sơ;Ngày có kết quả;;;Trạng thái hồ sơ",
                           row.format(code="A2")])
    two = ["Mã hồ sơ;Tên TTHC;Ngày;;Trạng thái", ";;Tiếp nhận;Hẹn trả;"]
    title = "Đơn vị: UBND phường Quán Thánh"
    (logs / "b.csv").write_text("\n".join([title, *two, "B1;Chứng thực;01/03/2017;08/03/2017;Đang xử lý",
                                           two[0], ";;Hẹn trả;Tiếp nhận;", "B2;Chứng thực;08/03/2017;01/03/2017;Đang xử lý"])
                                + "\n", encoding="utf-8")
    own = "Mã hồ sơ;Ngày tiếp nhận;Ngày chuyển xử lý;Ngày hẹn trả;Trạng thái"
    (logs / "c.csv").write_text("\n".join([title, own, "C1;01/03/2017;02/03/2017;08/03/2017;Đang xử lý",
                                           "Mã hồ sơ;Ngày tiếp nhận;Ngày hẹn trả;Ngày chuyển xử lý;Trạng thái",
                                           "C2;01/03/2017;08/03/2017;02/03/2017;Đang xử lý"]) + "\n", encoding="utf-8")
    (logs / "d.csv").write_text("\n".join([title, own, "D1;01/03/2017;02/03/2017;08/03/2017;Đang xử lý",
                                           "SỐ BIÊN NHẬN;NGÀY NHẬN HỒ SƠ;NGÀY CHUYỂN XỬ LÝ;HẸN TRẢ KẾT QUẢ;TÌNH TRẠNG",
                                           "D2;01/03/2017;02/03/2017;08/03/2017;Đang xử lý"]) + "\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_file", "source_row", "rule"]].values.tolist() == [
        ["a.csv", 5, "header_row"], ["a.csv", 6, "under_other_header"],
        ["b.csv", 5, "header_row"], ["b.csv", 6, "header_row"], ["b.csv", 7, "under_other_header"],
        ["c.csv", 4, "header_row"], ["c.csv", 5, "under_other_header"],
        ["d.csv", 4, "header_row"]]
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["D2", "outcome"] == "pending_overdue" and d.loc["D2", "due_at"] == "2017-03-08"
    assert d.loc[["A2", "B2", "C2"], "outcome"].tolist() == ["excluded"] * 3


def test_sub_headers_under_a_group_and_a_row_of_column_numbers_are_part_of_the_header(tmp_path):
    """An official form's header: "Thủ tục hành chính" over "Mã" and "Tên" (read "Mã thủ tục hành chính",
    "Tên thủ tục hành chính", not the code as the name); in a second file a complete header whose "Thủ tục"
    has "Mã TTHC" and "Tên TTHC" below it; each followed by the row of column numbers (1), (2) … Neither the
    second row nor the numbers are dossiers."""
    logs = tmp_path / "logs"
    logs.mkdir()
    title = "Đơn vị: UBND phường Quán Thánh"
    (logs / "a.csv").write_text("\n".join([
        title, "Mã hồ sơ;Thủ tục hành chính;;Ngày tiếp nhận;Ngày hẹn trả", ";Mã;Tên;;", "(1);(2);(3);(4);(5)",
        "A1;1.001;Chứng thực;03/04/2017;05/04/2017"]) + "\n", encoding="utf-8")
    (logs / "b.csv").write_text("\n".join([
        title, "Mã hồ sơ;Thủ tục;;Ngày tiếp nhận;Ngày hẹn trả", ";Mã TTHC;Tên TTHC;;", "1;2;3;4;5",
        "B1;1.001;Chứng thực;03/04/2017;05/04/2017",
        "B2;1.001;Chứng thực;;05/04/2017"]) + "\n", encoding="utf-8")
    # a one-row header whose first dossier has no date at all: that row stays a dossier (an error), not a
    # second header row
    (logs / "c.csv").write_text("\n".join([
        title, "Mã hồ sơ;Mã TTHC;Tên TTHC;Ngày tiếp nhận;Ngày hẹn trả", "C1;1.001;Chứng thực;;",
        "C2;1.001;Chứng thực;03/04/2017;05/04/2017"]) + "\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    assert d[["dossier_code", "procedure_code", "procedure_name", "source_row"]].values.tolist() == [
        ["A1", "1.001", "Chứng thực", 5], ["B1", "1.001", "Chứng thực", 5], ["B2", "1.001", "Chứng thực", 6],
        ["C1", "1.001", "Chứng thực", 3], ["C2", "1.001", "Chứng thực", 4]]
    f = res.tables["dossier_findings"]
    assert f[["source_file", "source_row", "rule"]].values.tolist() == [
        ["b.csv", 6, "received_missing"], ["c.csv", 3, "received_missing"]]


def test_a_damaged_workbook_is_refused_in_words_not_an_error_class(tmp_path):
    """A CSV renamed .xlsx, and a truncated workbook: refused, the reason in Vietnamese (rules.yml
    corrupt_details), never the reader's English class name; the log beside them is counted."""
    logs = tmp_path / "logs"
    _write(logs, "a.csv", ["A1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"])
    (logs / "csv-doi-duoi.xlsx").write_text("Mã hồ sơ,Ngày tiếp nhận\nA,03/04/2017\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    wb.active.append(["Mã hồ sơ", "Ngày tiếp nhận"])
    wb.save(tmp_path / "whole.xlsx")
    (logs / "cat-ngan.xlsx").write_bytes((tmp_path / "whole.xlsx").read_bytes()[:3000])
    res = count_dossiers(logs, tmp_path / "out")
    files = res.tables["dossier_files"].set_index("source_file")
    assert files.loc["a.csv", "rows_counted"] == 1
    for name in ("csv-doi-duoi.xlsx", "cat-ngan.xlsx"):
        reason = files.loc[name, "reason"]
        assert files.loc[name, "status"] == "rejected" and reason, name
        assert not re.search(r"[A-Z][a-z]+(Error|File|Exception)\b", reason), reason


def test_level_two_services_are_not_online_and_negated_or_short_statuses_are_read(tmp_path):
    """DESIGN.md: online is DVC mức 3/4; "Dịch vụ công mức độ 2" (forms online, filed at the counter) is not.
    "Nộp qua Cổng DVC", "DVCTT", "Mức4" are online. "Đã rút", "Công dân xin rút" are withdrawn; "Chưa hoàn
    thành" is not done (no done-without-end warning)."""
    d, t = _run(tmp_path, [
        "C1;Chứng thực;Dịch vụ công mức độ 2;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "C2;Chứng thực;Trực tuyến mức độ 2;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "C3;Chứng thực;Nộp qua Cổng DVC;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "C4;Chứng thực;DVCTT;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "C5;Chứng thực;Mức4;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "S1;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Đã rút",
        "S2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Công dân xin rút",
        "S3;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;;;;Chưa hoàn thành",
    ])
    assert d["channel"].tolist()[:5] == ["counter", "counter", "online", "online", "online"]
    assert t["dossier_units"].iloc[0]["online_received"] == 3
    assert _outcomes(d)["S1"] == "withdrawn" and _outcomes(d)["S2"] == "withdrawn"
    assert _outcomes(d)["S3"] == "pending_overdue"
    assert "done_without_end" not in set(t["dossier_findings"]["rule"])


def test_a_channel_no_word_recognises_is_said_once_per_file_and_text(tmp_path):
    """A channel written in a way dossiers.yml does not know counts neither online nor postal: one warning per
    file and text, with how many dossiers of the period and the first row, so the online share is not understated
    unsaid; a blank or "-" channel says nothing."""
    _, t = _run(tmp_path, [
        "K1;Chứng thực;Qua Zalo;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",    # 4
        "K2;Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "K3;Chứng thực;Qua Zalo;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "K4;Chứng thực;-;03/04/2017;05/04/2017;04/04/2017;;;Đã trả",
        "K5;Chứng thực;Qua Zalo;03/04/2015;05/04/2015;04/04/2015;;;Đã trả",    # out of the period
    ])
    f = t["dossier_findings"]
    said = f[f["rule"] == "channel_unknown"]
    assert said[["source_row", "severity", "value"]].values.tolist() == [[4, "warning", "Qua Zalo"]]
    assert said["message"].iloc[0].startswith("2 hồ sơ ghi kênh nộp \"Qua Zalo\", không nhận ra")


def test_a_date_in_words_under_a_two_row_header_stays_an_unreadable_date(tmp_path):
    """A file's own header cells are a repeated header only as whole cells: under "Ngày" over "Tiếp nhận" …, a
    dossier whose date of receipt is written "Ngày 5 tháng 4" is an unreadable date (an error), never taken for
    the header again (a note)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.csv").write_text("\n".join([
        "Đơn vị: UBND phường Quán Thánh", "Mã hồ sơ;Tên TTHC;Ngày;;Trạng thái", ";;Tiếp nhận;Hẹn trả;",
        "A1;Chứng thực;Ngày 5 tháng 4;08/04/2017;Đang xử lý", "A2;Chứng thực;05/04/2017;08/04/2017;Đang xử lý",
        "A3;Chứng thực;Ngày nhận 6/4;08/04/2017;Đang xử lý"])  # starts like a header's text, but holds a date
        + "\n", encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    assert f[["source_row", "rule", "severity"]].values.tolist() == [
        [4, "received_unreadable", "error"], [6, "received_unreadable", "error"]]


def test_a_printed_total_that_is_not_the_rows_held_is_a_warning(tmp_path):
    """A printed log ends on "Tổng cộng: N hồ sơ": N is set against the dossier rows the file holds (rows read,
    less blank, header and closing rows), so an export cut short or edited by hand is said; a total that
    matches says nothing."""
    logs = tmp_path / "logs"
    row = "{code};Chứng thực;Trực tiếp;03/04/2017;05/04/2017;04/04/2017;;;Đã trả"
    _write(logs, "a.csv", [row.format(code="A1"), row.format(code="A2"), ";;;;;;;;", "Tổng cộng: 3 hồ sơ;;;;;;;;"])
    _write(logs, "b.csv", [row.format(code="B1"), row.format(code="B1"), "Tổng số: 2 hồ sơ;;;;;;;;"],
           title="Đơn vị: UBND phường Trúc Bạch")
    res = count_dossiers(logs, tmp_path / "out")
    f = res.tables["dossier_findings"]
    said = f[f["rule"] == "footer_total_differs"]
    assert said[["source_file", "source_row", "severity"]].values.tolist() == [["a.csv", 7, "warning"]]
    assert said["message"].iloc[0].startswith("Dòng tổng cộng của sổ ghi 3 hồ sơ nhưng sổ có 2 dòng hồ sơ")


def test_what_each_units_log_holds_beside_its_counts(tmp_path):
    """dossier_units says, for the inspector, what the unit's log holds besides the dossiers counted: its dossier
    rows (= received + out of period + duplicate rows + rows not counted for an error), the first and last day of
    receipt, and whether it covers the period; a blank line and a printed total are no dossier rows."""
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 60, 57, 3)
    _, t = _run(tmp_path, [
        "A1;Chứng thực;Trực tiếp;10/03/2016;12/03/2016;11/03/2016;;;Đã trả kết quả",   # out of the period
        "A2;Chứng thực;Trực tiếp;04/04/2016;06/04/2016;05/04/2016;;;Đã trả kết quả",
        "A3;Chứng thực;Trực tiếp;15/06/2017;19/06/2017;16/06/2017;;;Đã trả kết quả",
        "A3;Chứng thực;Trực tiếp;15/06/2017;19/06/2017;16/06/2017;;;Đã trả kết quả",   # duplicate
        *(f"A4{i};Chứng thực;Trực tiếp;31/02/2017;19/06/2017;16/06/2017;;;Đã trả kết quả" for i in range(5)),
        "A5;Chứng thực;Trực tiếp;;19/06/2017;16/06/2017;;;Đã trả kết quả",             # no date of receipt
        ";;;;;;;;",
        "Tổng cộng: 6 hồ sơ;;;;;;;;",
    ])
    u = t["dossier_units"].set_index("unit_code").loc["00013"]
    got = {c: u[c] for c in ("received", "log_rows", "out_of_period", "duplicate_rows", "unreadable_rows",
                             "first_received", "last_received", "covers_period")}
    assert got == {"received": 2, "log_rows": 10, "out_of_period": 1, "duplicate_rows": 1, "unreadable_rows": 6,
                   "first_received": "2016-04-04", "last_received": "2017-06-15", "covers_period": False}
    # more rows not counted than the tolerance of 5 (fewer could not explain a gap beyond it)
    assert u["log_note"] == "sổ chỉ ghi đến ngày 15/06/2017, thiếu 46 ngày cuối kỳ; 6 dòng của sổ bị loại vì lỗi"
    rec = t["reconciliation"].iloc[0]
    assert rec["status"] == "differs" and rec["log_note"] == u["log_note"]


def test_a_log_with_nothing_in_the_period_is_reconciled_against_nothing(tmp_path):
    """A unit whose log holds only dossiers of another year still has a row: its table (60 dossiers) is set
    against 0, said in words, not "chênh 6.000%"; the log starting late is said too."""
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 60, 57, 3)
    _, t = _run(tmp_path, ["B1;Chứng thực;Trực tiếp;10/09/2017;12/09/2017;11/09/2017;;;Đã trả kết quả"])
    u = t["dossier_units"].set_index("unit_code").loc["00013"]
    assert (u["received"], u["log_rows"], u["out_of_period"]) == (0, 1, 1)
    rec = t["reconciliation"].iloc[0]
    assert (rec["log_received"], rec["status"]) == (0, "differs") and pd.isna(rec["diff_received_pct"])
    assert rec["message"] == "Biểu báo cáo 60 hồ sơ; phần mềm một cửa không ghi nhận hồ sơ nào trong kỳ"
    assert rec["log_note"] == "sổ không ghi hồ sơ nào tiếp nhận trong kỳ" and not u["covers_period"]


def _units_of(out: Path) -> dict[str, str]:
    d = Catalog(out).load("dossiers")
    return dict(zip(d["source_file"], d["unit_code"], strict=True))


def test_the_unit_an_official_heading_a_longer_title_or_a_file_name_names(tmp_path):
    """Files without a unit column: the heading names the district first, then the commune (the commune's);
    the unit and the national motto share a row, in two cells; the unit is named inside a longer title or file
    name; an address in the heading does not move a district's log to the commune of its address."""
    logs, row = tmp_path / "logs", "A1;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả kết quả"
    logs.mkdir()
    files = {
        "a.csv": ["UBND QUẬN BA ĐÌNH", "UBND PHƯỜNG TRÚC BẠCH"],
        "b.csv": ["UBND PHƯỜNG VĨNH PHÚC;;;;CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", ";;;;Độc lập - Tự do - Hạnh phúc"],
        "c.csv": ["SỔ THEO DÕI HỒ SƠ TẠI UBND PHƯỜNG CỐNG VỊ"],
        "so-theo-doi-ho-so-phuong-phuc-xa-2017.csv": [],
        "e.csv": ["UBND QUẬN BA ĐÌNH", "Địa chỉ: số 25 Liễu Giai, phường Ngọc Khánh"],
        "f.csv": ["SỔ THEO DÕI HỒ SƠ", "Kính gửi: UBND quận Ba Đình"],  # the addressee: no unit of the log's
        "so-theo-doi-phuong-truc-bach.csv": ["BÁO CÁO", "Kính gửi:;UBND quận Ba Đình"],  # nor in two cells
        "h.csv": ["Sổ theo dõi hồ sơ huyện Gia Lâm - xã Cổ Bi"],  # the most specific of those named inside
        "i.csv": ["Sổ theo dõi P.Phúc Xá"],
        "so-theo-doi-quan-ba-dinh.csv": ["Địa chỉ: số 1 phường Phúc Xá, quận Ba Đình"],  # an address: a place
        # a clerk's name that holds a commune's ("Phương Mai"), a street after a house number, the recipient,
        # a commune said by the way in parentheses: none is the log's unit
        "so-theo-doi-quan-cau-giay.csv": ["Cán bộ tiếp nhận: Nguyễn Thị Phương Mai"],
        "so-theo-doi-quan-hoan-kiem.csv": ["Bộ phận một cửa, số 126 P. Hàng Bạc"],
        "bao-cao-phuong-truc-bach.csv": ["Đơn vị nhận báo cáo: UBND quận Ba Đình"],
        "k.csv": ["Sổ theo dõi hồ sơ UBND quận Ba Đình (kèm số liệu chuyển từ phường Trúc Bạch)"],
        # "Đơn vị:" says whose the log is, even when the name is one two units bear: not the district above it
        "l.csv": ["UBND HUYỆN GIA LÂM", "Đơn vị: Yên Viên"],
    }
    for name, title in files.items():
        (logs / name).write_text("\n".join([*title, HEADER, row]) + "\n", encoding="utf-8")
    count_dossiers(logs, tmp_path / "out")
    assert _units_of(tmp_path / "out") == {"a.csv": "00004", "b.csv": "00006", "c.csv": "00007",
                                           "so-theo-doi-ho-so-phuong-phuc-xa-2017.csv": "00001", "e.csv": "001",
                                           "f.csv": "", "so-theo-doi-phuong-truc-bach.csv": "00004", "h.csv": "00553",
                                           "i.csv": "00001", "so-theo-doi-quan-ba-dinh.csv": "001",
                                           "so-theo-doi-quan-cau-giay.csv": "005",
                                           "so-theo-doi-quan-hoan-kiem.csv": "002",
                                           "bao-cao-phuong-truc-bach.csv": "00004", "k.csv": "001", "l.csv": ""}


def test_a_workbook_of_one_sheet_per_commune_or_per_month(tmp_path):
    """quan-ba-dinh.xlsx holds a sheet per commune, named after it and without a title: each sheet's dossiers
    are its commune's, and a code both communes use is no duplicate. A year's workbook holds a sheet per month,
    only the first titled: the other months are that unit's."""
    logs = tmp_path / "logs"
    logs.mkdir()
    header = ["Mã hồ sơ", "Tên TTHC", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái"]
    wb = openpyxl.Workbook()
    for i, sheet in enumerate(["Phường Trúc Bạch", "Phường Vĩnh Phúc"]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        ws.append(header)
        ws.append(["B1", "Chứng thực", "05/06/2017", "07/06/2017", "06/06/2017", "Đã trả kết quả"])
    wb.save(logs / "quan-ba-dinh.xlsx")
    wb = openpyxl.Workbook()
    for i, sheet in enumerate(["T06-2017", "T07-2017"]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        if i == 0:
            ws.append(["Đơn vị: UBND phường Phúc Xá"])
        ws.append(header)
        ws.append([f"M{i}", "Chứng thực", f"05/0{6 + i}/2017", f"07/0{6 + i}/2017", f"06/0{6 + i}/2017", "Đã trả"])
    wb.save(logs / "so-theo-doi-2017.xlsx")
    res = count_dossiers(logs, tmp_path / "out")
    assert _units_of(tmp_path / "out") == {
        "quan-ba-dinh.xlsx [Phường Trúc Bạch]": "00004", "quan-ba-dinh.xlsx [Phường Vĩnh Phúc]": "00006",
        "so-theo-doi-2017.xlsx [T06-2017]": "00001", "so-theo-doi-2017.xlsx [T07-2017]": "00001"}
    assert "duplicate_code" not in set(res.tables["dossier_findings"]["rule"])
    assert int(res.tables["dossier_units"].set_index("tier").loc["city", "received"]) == 4


def test_cells_merged_over_several_rows_hold_for_each_row(tmp_path):
    """A unit's name and a day of receipt written once, merged over the rows of their dossiers, are each of
    those rows' (as Excel shows them): no row loses its unit or its date. A header merged over two rows is
    still read as the header."""
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã hồ sơ", "Đơn vị", "Tên TTHC", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày có kết quả", "Trạng thái"])
    for code, unit, day in (("M1", "Phường Trúc Bạch", "05/06/2017"), ("M2", None, None), ("M3", None, "06/06/2017"),
                            ("M4", "Phường Vĩnh Phúc", None), ("M5", None, "07/06/2017")):
        ws.append([code, unit, "Chứng thực", day, "09/06/2017", "08/06/2017", "Đã trả kết quả"])
    ws.merge_cells("B2:B4")  # Trúc Bạch over M1–M3
    ws.merge_cells("D2:D3")  # 05/06 over M1–M2
    ws.merge_cells("B5:B6")  # Vĩnh Phúc over M4–M5
    ws.merge_cells("D4:D5")  # 06/06 over M3–M4
    wb.save(logs / "quan-ba-dinh.xlsx")
    count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert list(d["unit_code"]) == ["00004", "00004", "00004", "00006", "00006"]
    assert list(d["received_at"]) == ["2017-06-05", "2017-06-05", "2017-06-06", "2017-06-06", "2017-06-07"]
    assert set(d["outcome"]) == {"on_time"}


def test_equal_received_with_overdue_beyond_the_thresholds_is_not_said_to_agree(tmp_path):
    """40 received in both, but the table's 2 overdue against the log's 10: the unit differs, and its line says
    only the received figures agree, then the overdue ones — never a bare "khớp" beside "chênh lệch quá ngưỡng"."""
    from sketket.analysis import dossier_facts as facts

    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 40, 38, 2)
    _, t = _run(tmp_path, _rows(30, 10))
    rec = t["reconciliation"].iloc[0]
    assert rec["status"] == "differs" and rec["diff_received"] == 0
    assert facts.reconciliation_line(rec).startswith(
        "Biểu báo cáo 40 hồ sơ; phần mềm một cửa ghi nhận 40, khớp số hồ sơ đã nhận; đúng hạn: biểu 38, phần mềm 30; "
        "quá hạn: biểu 2, phần mềm 10; sổ chỉ ghi từ ngày 03/04/2017")  # a log of one day: short of the period


def test_overlapping_exports_count_the_copy_that_records_the_end(tmp_path):
    """June's export shows B1 being processed; July's, which overlaps it, shows it finished in time: the dossier
    is counted once, as July says (the later state), the June row being the duplicate; identical copies keep the
    first read."""
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh-thang-6.csv", [
        "B1;Chứng thực;Trực tiếp;05/06/2017;20/06/2017;;;;Đang xử lý",
        "B2;Chứng thực;Trực tiếp;06/06/2017;08/06/2017;07/06/2017;;;Đã trả kết quả",
    ])
    _write(logs, "quan-thanh-thang-7.csv", [
        "B1;Chứng thực;Trực tiếp;05/06/2017;20/06/2017;19/06/2017;;;Đã trả kết quả",
        "B2;Chứng thực;Trực tiếp;06/06/2017;08/06/2017;07/06/2017;;;Đã trả kết quả",
    ])
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers")
    got = {(f, c): o for f, c, o in zip(d["source_file"], d["dossier_code"], d["outcome"], strict=True)}
    assert got == {("quan-thanh-thang-6.csv", "B1"): "excluded", ("quan-thanh-thang-6.csv", "B2"): "on_time",
                   ("quan-thanh-thang-7.csv", "B1"): "on_time", ("quan-thanh-thang-7.csv", "B2"): "excluded"}
    u = res.tables["dossier_units"].set_index("unit_code").loc["00013"]
    assert (u["received"], u["on_time"], u["overdue"], u["duplicate_rows"]) == (2, 2, 0, 2)


def test_an_empty_unit_cell_is_said_to_be_empty(tmp_path):
    """A file with a unit column whose cell is left empty on two rows: those rows are not counted, and the
    finding says the cell is empty and where, not that the name "" is not in the registry."""
    d, t = _run(tmp_path, [
        "Phường Quán Thánh;U1;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả",
        ";U2;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả",
        ";U3;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả",
    ], title="", header="Đơn vị;" + HEADER)
    assert _outcomes(d) == {"U1": "on_time", "U2": "excluded", "U3": "excluded"}
    f = t["dossier_findings"]
    assert f.loc[f["rule"] == "unit_unmatched", "message"].tolist() == [
        "Ô đơn vị để trống ở 2 dòng (dòng đầu tiên: 3); các hồ sơ này chưa được tính. Cần ghi tên đơn vị vào các "
        "dòng này."]


def test_a_procedure_given_two_time_limits_is_said_and_the_first_used(tmp_path):
    """A procedures table (headed "Thời gian giải quyết", as some are) gives Cấp phép xây dựng 15 and, lower
    down, 20 working days: deadlines follow the first, and the later row has a warning saying both."""
    logs = tmp_path / "logs"
    _write(logs, "quan-thanh.csv", ["P5;Cấp phép xây dựng;Trực tiếp;05/06/2017;;;;;Đang xử lý"])
    # a name on two lines (line 3–4), then the code of Chứng thực given with its name, and its name alone
    (logs / "thu-tuc.csv").write_text("Mã TTHC;Tên TTHC;Thời gian giải quyết\n;Cấp phép xây dựng;15 ngày\n"
                                      "1.001;\"Chứng\nthực\";1\n;Cấp phép xây dựng;20 ngày\n;Chứng thực;2\n",
                                      encoding="utf-8")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d.loc["P5", "due_at"] == "2017-06-26" and d.loc["P5", "outcome"] == "pending_overdue"  # 15 working days
    f = res.tables["dossier_findings"]
    f = f[f["rule"] == "limit_conflict"]
    assert f[["source_file", "source_row", "severity", "value"]].values.tolist() == [
        ["thu-tuc.csv", 5, "warning", "20"], ["thu-tuc.csv", 6, "warning", "2"]]
    assert f["message"].iloc[0] == ("Thủ tục \"Cấp phép xây dựng\" có thời hạn 20 ngày làm việc ở dòng này nhưng 15 "
                                    "ngày ở dòng 2 của thu-tuc.csv; hạn giải quyết tính theo 15 ngày. Cần thống nhất "
                                    "một thời hạn.")


def test_a_sheet_named_for_a_commune_under_its_districts_heading_is_the_communes(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    for i, sheet in enumerate(["Phường Trúc Bạch", "Phường Vĩnh Phúc"]):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = sheet
        ws.append(["UBND QUẬN BA ĐÌNH"])
        ws.append(["Mã hồ sơ", "Tên TTHC", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"])
        ws.append([f"S{i}", "Chứng thực", "05/06/2017", "07/06/2017", "Đang xử lý"])
    wb.save(logs / "ba-dinh.xlsx")
    count_dossiers(logs, tmp_path / "out")
    assert _units_of(tmp_path / "out") == {"ba-dinh.xlsx [Phường Trúc Bạch]": "00004",
                                           "ba-dinh.xlsx [Phường Vĩnh Phúc]": "00006"}


def test_a_name_a_thi_tran_and_a_xa_share_is_said_to_be_shared(tmp_path):
    """yen-vien.csv: Gia Lâm has a thị trấn and a xã Yên Viên; the log is neither's until its type is written."""
    logs = tmp_path / "logs"
    _write(logs, "yen-vien.csv", ["Y1;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả"], title="")
    _write(logs, "tt-yen-vien.csv", ["Y1;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả"], title="")
    res = count_dossiers(logs, tmp_path / "out")
    assert _units_of(tmp_path / "out") == {"yen-vien.csv": "", "tt-yen-vien.csv": "00526"}
    f = res.tables["dossier_findings"]
    assert f.loc[f["rule"] == "unit_unmatched", "message"].tolist() == [
        "Tên đơn vị \"yen vien\" là tên chung của Thị trấn Yên Viên, Xã Yên Viên (cùng một quận, huyện); 1 hồ sơ "
        "chưa được tính. Cần ghi rõ loại đơn vị (thị trấn, xã…)."]


def test_a_merge_past_the_last_dossier_dates_no_total_nor_spare_row(tmp_path):
    """A day of receipt merged over the last dossier and the printed total, and one over a spare row: the total
    stays a closing row (footer_row) and the spare row empty (empty_row); only the dossiers are counted."""
    logs = tmp_path / "logs"
    logs.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã hồ sơ", "Đơn vị", "Tên TTHC", "Ngày tiếp nhận", "Ngày hẹn trả", "Trạng thái"])
    ws.append(["M1", "Phường Trúc Bạch", "Chứng thực", "05/06/2017", "09/06/2017", "Đang xử lý"])
    ws.append(["M2", "Phường Trúc Bạch", "Chứng thực", "06/06/2017", "09/06/2017", "Đang xử lý"])
    ws.append([None, None, None, None, None, None])
    ws.append(["Tổng cộng: 2 hồ sơ", None, None, None, None, None])
    ws.merge_cells("D3:D5")
    wb.save(logs / "tb.xlsx")
    res = count_dossiers(logs, tmp_path / "out")
    assert int(res.tables["dossier_units"].set_index("tier").loc["city", "received"]) == 2
    rules = set(res.tables["dossier_findings"]["rule"])
    assert "footer_row" in rules and "footer_total_differs" not in rules and "unit_unmatched" not in rules


def test_a_short_log_is_not_given_a_rate_of_thousands(tmp_path):
    _appendix(tmp_path / "out", "00013", "Phường Quán Thánh", 7344, 7300, 44)
    _, t = _run(tmp_path, _rows(3, 0))
    assert t["reconciliation"].iloc[0]["message"] == ("Biểu báo cáo 7.344 hồ sơ; phần mềm một cửa ghi nhận 3, biểu "
                                                      "nhiều hơn 7.341 hồ sơ")


def test_a_signature_in_a_dates_column_closes_the_log(tmp_path):
    """The place and date of signing, and the signer's title, written in the columns of the dates: closing rows
    (footer_row), not dossiers without a date of receipt."""
    d, t = _run(tmp_path, [
        "S1;Chứng thực;Trực tiếp;05/06/2017;07/06/2017;06/06/2017;;;Đã trả",
        ";;;Hà Nội, ngày 05 tháng 8 năm 2017;;;;;",
        ";;;NGƯỜI LẬP BIỂU;;THỦ TRƯỞNG CƠ QUAN;;;",
    ])
    f = t["dossier_findings"]
    assert f.loc[f["rule"] == "footer_row", "source_row"].tolist() == [5, 6]
    assert not set(f["rule"]) & {"received_missing", "received_unreadable", "finished_unreadable"}


def test_communes_whose_names_differ_only_in_their_marks_are_told_apart(tmp_path):
    # Vạn Phúc (Thanh Trì) and Vân Phúc (Phúc Thọ), Phù Đổng (Gia Lâm) and Phú Đông (Ba Vì) fold to one key; the
    # name as written with its marks tells which, and only a name typed without them is ambiguous
    logs = tmp_path / "logs"
    _unit_log(logs, "a.csv", {"B1": "Xã Vạn Phúc", "B2": "Xã Vân Phúc", "B3": "UBND xã Phù Đổng",
                              "B4": "Xã Phú Đông", "B5": "Xa Van Phuc"})
    # in Gia Lâm's own log a mark mistyped stays Gia Lâm's commune: the file's district decides first
    _unit_log(logs, "b.csv", {"B6": "Xã Phú Đông"}, title="Sổ theo dõi hồ sơ - UBND huyện Gia Lâm")
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d["unit_code"].to_dict() == {"B1": "00676", "B2": "09721", "B3": "00544", "B4": "09643", "B5": "",
                                        "B6": "00544"}
    f = res.tables["dossier_findings"]
    assert f.loc[f["rule"] == "unit_ambiguous", "value"].tolist() == ["Xa Van Phuc"]


def test_a_settings_file_of_the_same_name_in_the_working_folder_does_not_replace_the_defaults(tmp_path,
                                                                                              monkeypatch):
    # a stray dossiers.yml where the analyst runs the command once changed every due date without a word
    from sketket.intake.dossiers import config

    config.cache_clear()
    (tmp_path / "dossiers.yml").write_text("reconciliation: {relative_pct: 99}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert config()["reconciliation"]["relative_pct"] == 1.0
    assert config(str(tmp_path / "dossiers.yml"))["reconciliation"]["relative_pct"] == 99
    assert config("dossiers.yml")["reconciliation"]["relative_pct"] == 99  # named by the user: the user's file
    config.cache_clear()


def test_a_commune_named_with_another_kind_is_not_guessed(tmp_path):
    # "Phường Thanh Xuân" is no ward: its log was counted as Xã Thanh Xuân's, of Sóc Sơn, without a word. A
    # kind the file's district confirms, or an abbreviation of the right one, is still read.
    logs = tmp_path / "logs"
    _unit_log(logs, "a.csv", {"K1": "Phường Thanh Xuân", "K2": "Xã Thanh Xuân", "K3": "TT. Trâu Quỳ",
                              "K4": "UBND P. Phúc Xá"})
    res = count_dossiers(logs, tmp_path / "out")
    d = Catalog(tmp_path / "out").load("dossiers").set_index("dossier_code")
    assert d["unit_code"].to_dict() == {"K1": "", "K2": "00433", "K3": "00565", "K4": "00001"}
    f = res.tables["dossier_findings"]
    message = f.loc[f["rule"] == "unit_unmatched", "message"].tolist()
    assert len(message) == 1 and message[0].startswith(
        'Tên đơn vị "Phường Thanh Xuân" không có trong danh mục đơn vị; tên gần giống: Xã Thanh Xuân (huyện Sóc Sơn)')


def test_what_words_the_figures_uses_the_settings_they_were_counted_with(tmp_path):
    """A user's dossiers.yml (sketket.yml's dossiers.config, or config_path) judges the reconciliation with its
    thresholds: the sentences of the packs and the draft, the return list's line and the consolidated workbook's
    note then say those thresholds and texts, not the package's, whatever config their own step starts with. A
    later count with the package's settings forgets the user's."""
    import yaml

    from sketket.analysis import dossier_facts as facts
    from sketket.analysis.analyse import workbook_appendix
    from sketket.outputs.returns import reconciliation_findings

    out = tmp_path / "out"
    _appendix(out, "00013", "Phường Quán Thánh", 1060, 1000, 60)
    _write(tmp_path / "logs", "quan-thanh.csv", _rows(980, 20))
    cfg = yaml.safe_load(yaml.safe_dump(config()))  # a deep copy: config() is cached
    cfg["reconciliation"] = {**cfg["reconciliation"], "relative_pct": 5.5, "absolute": 50}
    cfg["reconciliation"]["texts"] = {**cfg["reconciliation"]["texts"], "appendix_note": "Chênh với sổ: {line}"}
    cfg["facts"]["texts"] = {**cfg["facts"]["texts"], "on_time_gap": "số đúng hạn {reported} / {logged}"}
    path = tmp_path / "dossiers-rieng.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    count_dossiers(tmp_path / "logs", out, config_path=path)

    t = facts.read(out)
    assert t.reconciliation.iloc[0]["status"] == "differs"  # 6,0% > 5,5% and 60 > 50
    said = facts.reconciliation_sentences(t)
    assert "(chênh quá 5,5% và quá 50 hồ sơ)" in said[0]
    line = ("Biểu báo cáo 1.060 hồ sơ; phần mềm một cửa ghi nhận 1.000, chênh 6,0%, biểu nhiều hơn 60 hồ sơ; "
            "số đúng hạn 1.000 / 980")
    assert f"Phường Quán Thánh ({line[:1].lower()}{line[1:]}; quá hạn: biểu 60, phần mềm 20; " in said[1]
    appendix = Catalog(out).load("appendix")
    returned = reconciliation_findings(t.reconciliation, appendix, t.cfg)
    assert f"Phường Quán Thánh: {line}; quá hạn" in returned.iloc[0]["message"]
    units = pd.DataFrame({"data_status": ["ok"], "correction_cells": [""]})
    note = workbook_appendix(appendix, units, None, t.reconciliation, dossier_cfg=t.cfg).iloc[0]["note"]
    assert note.startswith("Chênh với sổ: " + line[:1].lower() + line[1:] + "; quá hạn")

    count_dossiers(tmp_path / "logs", out)  # the package's settings: 1,0% and 5 dossiers
    assert not (out / "dossier_settings.yml").exists()
    assert "(chênh quá 1,0% và quá 5 hồ sơ)" in facts.reconciliation_sentences(facts.read(out))[0]


def test_a_renamed_reconciliation_rule_is_described_in_the_settings_words(tmp_path):
    """A user's dossiers.yml that renames the reconciliation's rule and its description: the return list's
    "what was checked" column and the packs' count of findings by rule say that description, not the bare
    identifier (they used to read the package's file)."""
    import yaml

    from sketket.analysis import dossier_facts as facts
    from sketket.config import Plan
    from sketket.outputs import packs
    from sketket.outputs.returns import reconciliation_findings, write_return_lists

    out = tmp_path / "out"
    _appendix(out, "00013", "Phường Quán Thánh", 1060, 1000, 60)
    _write(tmp_path / "logs", "quan-thanh.csv", _rows(980, 20))
    cfg = yaml.safe_load(yaml.safe_dump(config()))
    cfg["facts"]["return_list"] = {**cfg["facts"]["return_list"], "rule": "so_lieu_lech_so",
                                   "what": "biểu lệch với sổ hồ sơ"}
    path = tmp_path / "dossiers-rieng.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    count_dossiers(tmp_path / "logs", out, config_path=path)

    t = facts.read(out)
    appendix = Catalog(out).load("appendix")
    returned = reconciliation_findings(t.reconciliation, appendix, t.cfg)
    assert returned["rule"].tolist() == ["so_lieu_lech_so"]
    [book] = write_return_lists(returned, appendix, tmp_path / "tra-lai", plan=Plan.load(), dossier_cfg=t.cfg)
    cells = [c for row in openpyxl.load_workbook(book).active.iter_rows(values_only=True) for c in row]
    assert "Biểu lệch với sổ hồ sơ" in cells and "so_lieu_lech_so" not in cells
    assert packs.findings_pivot(returned.assign(tier="ward"), t.cfg).index.tolist() == ["biểu lệch với sổ hồ sơ"]


def test_sketket_yml_names_the_counting_settings_relative_to_itself(tmp_path, monkeypatch):
    """`dossiers.config` in sketket.yml is a path relative to sketket.yml (as its paths are), whatever the working
    folder; a missing file is one sentence naming the key, not a traceback."""
    import yaml

    from sketket.analysis.dossier_counts import dossiers
    from sketket.config import ConfigError
    from sketket.context import RunContext

    project = tmp_path / "project"
    (project / "cau-hinh").mkdir(parents=True)
    cfg = yaml.safe_load(yaml.safe_dump(config()))
    cfg["reconciliation"]["relative_pct"] = 7.5
    (project / "cau-hinh" / "ho-so.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    (project / "sketket.yml").write_text("dossiers:\n  config: cau-hinh/ho-so.yml\n", encoding="utf-8")
    _write(tmp_path / "logs", "quan-thanh.csv", _rows(3, 0))
    monkeypatch.chdir(tmp_path)  # not the project's folder
    ctx = RunContext.load(project / "sketket.yml", processed=tmp_path / "out")
    dossiers(ctx, tmp_path / "logs")
    recorded = yaml.safe_load((tmp_path / "out" / "dossier_settings.yml").read_text(encoding="utf-8"))
    assert recorded["reconciliation"]["relative_pct"] == 7.5
    (project / "sketket.yml").write_text("dossiers:\n  config: khong-co.yml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="khóa dossiers.config trỏ tới .*khong-co.yml, tệp này không có"):
        dossiers(RunContext.load(project / "sketket.yml", processed=tmp_path / "out"), tmp_path / "logs")
