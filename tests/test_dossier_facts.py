"""What the packs, the return lists and the draft say from the dossier logs (sketket.analysis.dossier_facts), on
log tables the test writes through the catalog: the figures, the sentences and their scope, and no logs."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from dossier_data import reconciliation, units, write_logs

from sketket.analysis import dossier_facts as facts
from sketket.catalog import Catalog


@pytest.fixture()
def logged(tmp_path):
    return facts.read(write_logs(Catalog(tmp_path)))


def test_figures_of_the_city_and_of_a_unit(logged):
    assert logged.has_logs
    s = facts.scope(logged)
    assert (s.count, s.names) == (2, ["Phường Một", "Phường Hai"])
    c = facts.counts(logged)
    assert (c.received, c.on_time, c.overdue) == (500, 480, 20) and c.on_time_rate == 96.0
    assert facts.online_received_share(logged) == 20.0 and facts.online_received_share(logged, ["00002"]) == 0.0
    assert facts.saturday(logged) == (30, 12) and facts.postal(logged) == (10, 5)
    assert facts.saturday(logged, ["00002"]) == (0, 0) and facts.postal(logged, ["00009"]) is None


def test_procedures_most_overdue_none_overdue_and_most_online(logged):
    late = facts.top_overdue(logged, n=5)
    assert list(zip(late["procedure"], late["overdue"], strict=True)) == [("Chứng thực bản sao", 15),
                                                                          ("Đăng ký khai sinh", 5)]
    # with at least 20 dossiers: Đăng ký kết hôn (80 over the city) has none overdue; Cấp phép xây dựng (10) is
    # too small to say
    assert list(facts.no_overdue(logged, min_dossiers=20)["procedure"]) == ["Đăng ký kết hôn"]
    assert list(facts.no_overdue(logged, min_dossiers=5)["procedure"]) == ["Đăng ký kết hôn", "Cấp phép xây dựng"]
    online = facts.top_online(logged, n=2, min_dossiers=20)
    assert list(online["procedure"]) == ["Đăng ký khai sinh", "Chứng thực bản sao"]
    assert list(online["online_received_share"]) == [50.0, 20 / 260 * 100]
    # one unit's own rows: Phường Hai has no overdue dossier in either procedure
    assert list(facts.no_overdue(logged, ["00002"], min_dossiers=20)["procedure"]) == ["Chứng thực bản sao",
                                                                                         "Đăng ký kết hôn"]
    assert facts.top_overdue(logged, ["00002"]).empty


def test_reconciliation_summary_and_line(logged):
    summary = facts.reconciliation_summary(logged)
    assert (summary.units, summary.agree, summary.differ) == (2, 1, 1)
    assert list(summary.largest["unit_code"]) == ["00001"]
    assert facts.reconciliation_line(summary.largest.iloc[0]) == (
        "Biểu báo cáo 420 hồ sơ; phần mềm một cửa ghi nhận 400, chênh 5,0%; đúng hạn: biểu 400, phần mềm 380; "
        "sổ chỉ ghi đến ngày 30/06/2017, thiếu 31 ngày cuối kỳ; 3 dòng của sổ bị loại vì lỗi")
    # what the log says of itself is said only where it may explain a gap
    agrees = facts.unit_reconciliation(logged, "00002")
    assert facts.reconciliation_line({**agrees.to_dict(), "log_note": "3 dòng của sổ bị loại vì lỗi"}) == (
        "Biểu báo cáo 100 hồ sơ; phần mềm một cửa ghi nhận 100, khớp")
    assert facts.unit_reconciliation(logged, "00009") is None


def test_what_each_log_holds_and_the_logs_short_of_the_period(logged):
    one, two = (facts.unit_rows(logged, [c]).iloc[0] for c in ("00001", "00002"))
    assert facts.log_span(one) == ("410 dòng; trong kỳ, tiếp nhận từ 01/04/2016 đến 30/06/2017; 5 hồ sơ ngoài kỳ; 2 dòng trùng "
                                   "mã hồ sơ (tính một lần); 3 dòng bị loại vì lỗi")
    assert facts.log_span(two) == "100 dòng; trong kỳ, tiếp nhận từ 04/04/2016 đến 28/07/2017"
    assert list(facts.short_logs(logged)["unit_code"]) == ["00001"]
    assert facts.short_logs(logged, ["00002"]).empty
    # said in the line of its gap (the largest) and not again; said alone where no table is reconciled
    assert not any(s.startswith("Sổ theo dõi của") for s in facts.reconciliation_sentences(logged))
    unreconciled = facts.DossierTables(logged.units, logged.procedures, logged.reconciliation.iloc[0:0])
    assert facts.reconciliation_sentences(unreconciled) == [
        "Sổ theo dõi của 1 đơn vị không ghi đủ kỳ báo cáo (số liệu phần mềm thiếu phần đầu hoặc cuối kỳ): Phường Một "
        "(ghi từ 01/04/2016 đến 30/06/2017)."]


def test_sentences_name_their_scope_and_say_only_the_logs(logged):
    city = facts.sentences(logged)
    assert city["II.2.đ"] == ["Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm "
                              "(trong đó sổ của Phường Một chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo), 30 hồ sơ được "
                              "tiếp nhận vào ngày thứ bảy, trong đó 12 hồ sơ được tiếp nhận và trả kết quả ngay "
                              "trong buổi sáng."]
    assert city["II.2.e"] == ["Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm "
                              "(trong đó sổ của Phường Một chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo), 10 hồ sơ được "
                              "tiếp nhận qua dịch vụ bưu chính (2,0% số hồ sơ đã nhận); 5 hồ sơ được trả kết quả "
                              "qua dịch vụ bưu chính."]
    assert city["II.2.g"][0] == ("Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm "
                                 "(trong đó sổ của Phường Một chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo), 100/500 hồ sơ "
                                 "được nộp trực tuyến (20,0%).")
    # by count, as the outline asks ("TTHC có số hồ sơ thực hiện qua mạng nhiều nhất")
    assert city["II.2.g"][1] == ("Trong sổ của 2 đơn vị đó, TTHC có nhiều hồ sơ nộp trực tuyến nhất: Đăng ký khai "
                                 "sinh (75/150 hồ sơ, 50,0%); Chứng thực bản sao (20/260 hồ sơ, 7,7%); Đăng ký kết hôn (5/80 hồ sơ, "
                                 "6,3%).")
    assert city["II.2.i"] == [
        "Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm "
        "(trong đó sổ của Phường Một chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo), 500 hồ sơ được tiếp nhận trong kỳ; đúng "
        "hạn 480 hồ sơ (tỷ lệ 96,0%; như cách tính của Kế hoạch, gồm hồ sơ đã giải quyết đúng hạn và hồ sơ đang giải "
        "quyết còn trong hạn), quá hạn 20 hồ sơ.",
        # where the overdue dossiers are: pooled logs never read as every unit's problem
        "Trong sổ của 2 đơn vị đó, hồ sơ quá hạn ở 1 đơn vị: Phường Một (20 hồ sơ); 1 đơn vị không có hồ sơ quá "
        "hạn nào.",
        "Trong sổ của 2 đơn vị đó, TTHC có nhiều hồ sơ quá hạn nhất: Chứng thực bản sao (15/260 hồ sơ quá hạn); "
        "Đăng ký khai sinh (5/150 hồ sơ quá hạn).",
        "Trong sổ của 2 đơn vị đó, 1 TTHC có từ 20 hồ sơ trở lên không có hồ sơ nào quá hạn: Đăng ký kết hôn.",
    ]
    one = facts.sentences(logged, "00001")["II.2.i"]
    assert one and not any("hồ sơ quá hạn ở" in x for x in one)  # one unit's logs: where is itself
    assert city["reconciliation"][0] == (
        "Đối chiếu số hồ sơ đã nhận, quá hạn (và đúng hạn, ở biểu có cột này) trong Phụ lục với sổ theo dõi hồ sơ của 2 đơn vị: 1 đơn vị "
        "khớp, 1 đơn vị chênh lệch (chênh quá 1,0% và quá 5 hồ sơ).")
    assert "Phường Một (biểu báo cáo 420 hồ sơ" in city["reconciliation"][1]
    assert facts.units_named(logged) == "Các đơn vị gửi kèm sổ theo dõi hồ sơ: Phường Một, Phường Hai."

    two = facts.sentences(logged, "00002")
    assert two["II.2.đ"] == ["Theo sổ theo dõi hồ sơ của phần mềm một cửa tại Phường Hai, không có hồ sơ nào được "
                             "tiếp nhận vào ngày thứ bảy."]
    assert two["II.2.i"][1] == ("Tại Phường Hai, 2 TTHC có từ 20 hồ sơ trở lên không có hồ sơ nào quá hạn: Chứng "
                                "thực bản sao, Đăng ký kết hôn.")
    # equal figures: a bare "khớp", no "(trong ngưỡng cho phép)" that reads as a gap
    assert two["reconciliation"] == ["Đối chiếu Phụ lục với sổ theo dõi hồ sơ của phần mềm một cửa: Biểu báo cáo "
                                     "100 hồ sơ; phần mềm một cửa ghi nhận 100, khớp."]
    # a log short of the period cannot tell whether the table is wrong
    assert facts.sentences(logged, "00001")["reconciliation"][0].endswith(
        "(chênh lệch quá ngưỡng nhưng sổ không đủ kỳ báo cáo nên chưa kết luận được; đề nghị đơn vị gửi sổ xuất đủ "
        "kỳ hoặc giải trình).")
    assert facts.sentences(logged, "00001")["II.2.i"][0].startswith(
        "Theo sổ theo dõi hồ sơ của phần mềm một cửa tại Phường Một (sổ chỉ ghi từ 01/04/2016 đến 30/06/2017, không "
        "đủ kỳ báo cáo), 400 hồ sơ")
    # a district with 20 communes, one of which has a log: the scope is that one unit, never the district
    family = facts.sentences(logged, codes=["00001", "00077", "00078"])
    assert family["II.2.g"][0].startswith("Theo sổ theo dõi hồ sơ của phần mềm một cửa tại Phường Một (sổ chỉ ghi")
    assert facts.sentences(logged, codes=["00001", "00002"])["II.2.e"][0].startswith(
        "Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà 2 đơn vị gửi kèm (Phường Một, Phường Hai) (trong đó sổ")
    assert list(facts.sentences(logged, "00009").values()) == [[]] * 5


def test_no_logs_no_facts_and_no_crash(tmp_path):
    empty = facts.read(tmp_path)
    assert not empty.has_logs and facts.scope(empty).count == 0
    assert facts.counts(empty) is None and facts.online_received_share(empty) is None and facts.saturday(empty) is None
    assert facts.top_overdue(empty).empty and facts.no_overdue(empty).empty and facts.top_online(empty).empty
    assert facts.reconciliation_summary(empty) is None and facts.units_named(empty) == ""
    assert facts.sentences(empty) == {sid: [] for sid in (*facts.SECTIONS, "reconciliation")}


def test_a_reconciliation_older_than_the_tables_is_not_used(tmp_path):
    cat = Catalog(tmp_path)
    cat.save("dossier_units", units())
    cat.save("reconciliation", reconciliation())
    cat.save("appendix", pd.DataFrame({"unit_code": ["00001"], "unit_name": ["Phường Một"]}))
    old = cat.parquet("appendix").stat().st_mtime_ns - 10**9
    os.utime(cat.parquet("reconciliation"), ns=(old, old))  # the tables read again since: a run without logs
    assert facts.read(cat).reconciliation.empty and facts.read(cat).has_logs


def test_a_log_holding_no_dossier_of_the_period_is_said_so_not_with_empty_dates(logged):
    # a review's finding: "(trong đó sổ của Phường Trúc Bạch chỉ ghi từ  đến , …)" in four sections
    u = logged.units.copy()
    u.loc[u["unit_code"] == "00001", ["first_received", "last_received"]] = pd.NA
    t = facts.DossierTables(u, logged.procedures, logged.reconciliation.iloc[0:0])
    assert facts.scope_text(t).endswith(" (trong đó sổ của Phường Một không ghi hồ sơ nào tiếp nhận trong kỳ)")
    assert facts.scope_text(t, ["00001"]).endswith("tại Phường Một (sổ không ghi hồ sơ nào tiếp nhận trong kỳ)")
    assert facts.reconciliation_sentences(t)[0].endswith("Phường Một (không ghi hồ sơ nào tiếp nhận trong kỳ).")


def test_two_logs_short_of_the_period_are_listed_apart(logged):
    # a review's finding: ", không đủ kỳ báo cáo, sổ của …" ran the two together with commas
    u = logged.units.copy()
    u.loc[u["unit_code"] == "00002", ["last_received", "covers_period"]] = ["2017-05-31", False]
    t = facts.DossierTables(u, logged.procedures, logged.reconciliation)
    assert facts.scope_text(t).endswith(
        " (trong đó sổ của Phường Một chỉ ghi từ 01/04/2016 đến 30/06/2017, không đủ kỳ báo cáo; sổ của Phường Hai "
        "chỉ ghi từ 04/04/2016 đến 31/05/2017, không đủ kỳ báo cáo)")
