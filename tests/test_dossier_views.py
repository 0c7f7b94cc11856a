"""The analyst's dossier notebook (04_dossiers.ipynb): the selection by unit, procedure and period, the days
against the deadline, the counts by month, procedure and channel (rates as ratios of sums), the files ledger and
findings by rule, its two charts, and the notebook itself run by papermill on logs the test writes."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sketket.analysis import dossier_views as views
from sketket.analysis.dossier_counts import count_dossiers
from sketket.catalog import Catalog
from sketket.outputs import dossier_page as page
from sketket.outputs import plots
from sketket.params import ParameterError

HEADER = "Mã hồ sơ;Mã TTHC;Tên TTHC;Kênh nộp;Ngày tiếp nhận;Ngày hẹn trả;Ngày có kết quả;Trạng thái"
ROWS = [
    # on time (ended 2 days before the deadline), overdue by 3 days, pending past the cutoff (overdue)
    "A1;1.001;Chứng thực bản sao;Trực tiếp;03/04/2017 08:00;10/04/2017;08/04/2017;Đã trả kết quả",
    "A2;1.001;Chứng thực bản sao;Trực tuyến;05/05/2017;10/05/2017;13/05/2017;Đã trả kết quả",
    "A3;1.002;Đăng ký khai sinh;Bưu chính;20/05/2017;25/05/2017;;Đang xử lý",
    "A4;1.002;Đăng ký khai sinh;Trực tuyến;02/06/2017;30/08/2017;;Đang xử lý",  # pending, on time
    "A5;1.003;Đăng ký kết hôn;;06/06/2017;07/06/2017;07/06/2017;Đã trả kết quả",
    "A6;1.003;Đăng ký kết hôn;Trực tiếp;01/01/2015;07/01/2015;07/01/2015;Đã trả kết quả",  # out of the period
]


@pytest.fixture(scope="module")
def processed(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("views")
    logs = base / "logs"
    logs.mkdir()
    (logs / "quan-thanh.csv").write_text("\n".join(["Đơn vị: UBND phường Quán Thánh", HEADER, *ROWS]) + "\n",
                                         encoding="utf-8")
    (logs / "hong.csv").write_bytes(b"\xff\xfe" + "Mã hồ sơ".encode("utf-16-le"))
    count_dossiers(logs, base / "processed")
    return base / "processed"


def test_select_filters_by_unit_procedure_and_days_of_receipt(processed):
    d = Catalog(processed).load("dossiers")
    everything = views.select(d)
    assert sorted(everything["dossier_code"]) == ["A1", "A2", "A3", "A4", "A5"]  # A6 is out of the period
    # the units with logs listed with their names; a real unit that sent no log said so
    with pytest.raises(ParameterError, match='Không có đơn vị mã hoặc tên "00000" trong các sổ theo dõi hồ sơ; các '
                                             'đơn vị có sổ: 00013 Phường Quán Thánh'):
        views.select(d, unit_code="00000")
    with pytest.raises(ParameterError, match=r"^Phường Phúc Xá \(mã 00001\) không gửi sổ theo dõi hồ sơ"):
        views.select(d, unit_code="00001")
    # a unit named, with or without its marks and type; a word of its name is not its name
    assert len(views.select(d, unit_code="phuong quan thanh")) == len(views.select(d, unit_code="Quán Thánh")) == 5
    with pytest.raises(ParameterError, match='Không có đơn vị mã hoặc tên "Thánh"'):
        views.select(d, unit_code="Thánh")
    # names that differ only in their marks: the marks tell which
    # a name whose first word, its marks dropped, is a kind's ("Quan Hoa", "Phương Mai") is a name
    kinds = pd.DataFrame({"unit_code": ["00166", "00007"], "unit_name": ["Phường Quan Hoa", "Phường Phương Mai"]})
    assert (views.unit_of(kinds, "Quan Hoa"), views.unit_of(kinds, "phuong mai")) == ("00166", "00007")
    assert views.unit_of(kinds, "Phường Quan Hoa") == "00166"
    two = pd.DataFrame({"unit_code": ["00676", "09721"], "unit_name": ["Xã Vạn Phúc", "Xã Vân Phúc"]})
    assert (views.unit_of(two, "Xã Vạn Phúc"), views.unit_of(two, "vân phúc")) == ("00676", "09721")
    with pytest.raises(ParameterError, match="00676 Xã Vạn Phúc, 09721 Xã Vân Phúc"):
        views.unit_of(two, "xa van phuc")
    # a procedure no log has: a sentence listing those they have, not a page about nothing
    with pytest.raises(ParameterError, match='Không có thủ tục nào khớp "xyz" trong các sổ theo dõi hồ sơ; các thủ '
                                             'tục có trong sổ: 1.001 Chứng thực bản sao; 1.002 Đăng ký khai sinh; 1.003 Đăng ký kết hôn'):
        views.select(d, procedure="xyz")
    with pytest.raises(ParameterError, match="papermill -p đọc 001 thành 1"):
        views.select(d, unit_code=13)  # what papermill -p makes of 00013
    with pytest.raises(ParameterError, match="ngày bắt đầu sau ngày kết thúc"):
        views.select(d, period_from="31/03/2017", period_to="01/01/2017")
    # days the logs do not hold: said with the days they do, not a page about nothing
    with pytest.raises(ParameterError, match=r"Khoảng thời gian từ 01/08/2017 đến 31/12/2017 nằm ngoài các ngày "
                                             r"tiếp nhận mà sổ theo dõi ghi \(từ 03/04/2017 đến 06/06/2017\)"):
        views.select(d, period_from="01/08/2017", period_to="31/12/2017")
    # a day typed without its zeros is shown as dd/mm/yyyy
    line = page.selection_html(d, views.select(d, period_from="3/4/2017"), period_from="3/4/2017")
    assert "tiếp nhận từ 03/04/2017 đến" in line
    assert sorted(views.select(d, procedure="dang ky")["dossier_code"]) == ["A3", "A4", "A5"]  # no diacritics
    assert list(views.select(d, procedure="1.001")["dossier_code"]) == ["A1", "A2"]
    assert list(views.select(d, period_from="05/05/2017", period_to="20/05/2017")["dossier_code"]) == ["A2", "A3"]
    with pytest.raises(ValueError, match=r'period_to = "2017-05-20" không đọc được; cần dạng dd/mm/yyyy'):
        views.select(d, period_to="2017-05-20")
    assert views.summary(everything) == ("5 hồ sơ tiếp nhận; đúng hạn 3, quá hạn 2 (tỷ lệ đúng hạn 60,0%).")
    assert views.summary(everything.iloc[0:0]) == "0 hồ sơ tiếp nhận; đúng hạn 0, quá hạn 0."


def test_days_months_procedures_and_channels(processed):
    d = views.select(Catalog(processed).load("dossiers"))
    days = views.days_against_due(d)
    # ended by the cutoff with a deadline only: A1 two days early, A2 three days late, A5 on its deadline
    assert sorted(days.tolist()) == [-2, 0, 3]
    months = views.by_month(d)
    assert months.to_dict("list") == {"month": ["04/2017", "05/2017", "06/2017"], "received": [1, 2, 2],
                                      "overdue": [0, 2, 0]}
    procs = views.by_procedure(d).set_index("procedure_code")
    assert procs.loc["1.001", ["received", "on_time", "overdue", "online_received"]].tolist() == [2, 1, 1, 1]
    assert procs.loc["1.001", "on_time_rate"] == 50.0 and procs.index[0] in ("1.001", "1.002")
    assert views.no_overdue_text(views.by_procedure(d)) == "1/3 thủ tục không có hồ sơ quá hạn."
    channels = views.by_channel(d)
    assert channels["channel"].tolist() == ["Trực tiếp", "Trực tuyến", "Bưu chính", "Không ghi"]
    assert channels["received"].tolist() == [1, 2, 1, 1]
    # the rate of all channels is the ratio of the sums, not the mean of the channels' rates
    assert channels["on_time"].sum() / (channels["on_time"].sum() + channels["overdue"].sum()) == 0.6


def test_files_ledger_rejected_first_and_findings_by_rule(processed):
    cat = Catalog(processed)
    files = views.files_read(cat)
    assert files["source_file"].tolist() == ["hong.csv", "quan-thanh.csv"]
    assert files["status"].tolist() == ["bị từ chối", "đã đọc"] and "UTF-8" in files.loc[0, "reason"]
    rules = views.findings_by_rule(cat)
    assert set(rules["severity"]) <= {"lỗi", "cảnh báo", "lưu ý"}
    assert "out_of_period" in set(rules["rule"]) and rules["findings"].sum() == len(cat.load("dossier_findings"))
    # each rule said in words beside its id: every rule sketket dossiers can write has its words
    assert rules.set_index("rule").loc["out_of_period", "rule_name"] == "Tiếp nhận ngoài kỳ sơ kết"
    from sketket.intake.dossiers import config

    assert set(config()["findings"]) <= set(views.texts()["rule_names"])


def test_histogram_and_column_bars_label_counts_the_vietnamese_way():
    fig = plots.histogram(pd.Series([-40, -2, 0, 0, 3, 1500]), "Số ngày", "ngày so với hạn", "số hồ sơ", clip=30,
                          mark=0.5, mark_label="hạn")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    heights = {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}
    assert heights[-30] == 1 and heights[30] == 1 and heights[0] == 2  # the far values piled on the edges
    assert ax.get_xlabel() == "ngày so với hạn (cắt ở ±30)"
    # within ±5 days: an axis of those days (and the deadline), no clipping said; overdue only: no negative days
    ax = plots.histogram(pd.Series([-4, 0, 5]), "Số ngày", "ngày so với hạn", "số hồ sơ", clip=30, mark=0.5).axes[0]
    assert sorted(round(p.get_x() + p.get_width() / 2) for p in ax.patches) == list(range(-4, 6))
    assert ax.get_xlabel() == "ngày so với hạn"
    late = plots.histogram(pd.Series([2, 3, 3]), "Quá hạn", "ngày", "số hồ sơ", clip=30).axes[0]
    assert sorted(round(p.get_x() + p.get_width() / 2) for p in late.patches) == [2, 3]
    # ticks at whole days only: a tick at 2,5 written "2" read "2 2 2 2 3" under two bars
    late.figure.canvas.draw()
    ticks = [t for t in late.get_xticks() if late.get_xlim()[0] <= t <= late.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    bars = plots.column_bars(pd.DataFrame({"month": ["04/2017", "05/2017"], "overdue": [1234, 0]}), "month",
                             "overdue", "Quá hạn theo tháng", "hồ sơ")
    texts = [t.get_text() for t in bars.axes[0].texts]
    assert texts == ["1.234", "0"] and [t.get_text() for t in bars.axes[0].get_xticklabels()] == ["04/2017", "05/2017"]


def test_the_page_says_what_it_shows_and_why_a_section_is_empty(processed):
    cat, dossiers = page.load(processed)
    d = views.select(dossiers, "00013", period_from="01/06/2017", period_to="30/06/2017")
    html = page.selection_html(dossiers, d, "00013", "", "01/06/2017", "30/06/2017")
    assert "Lựa chọn: Phường Quán Thánh (00013); thủ tục: mọi thủ tục; tiếp nhận từ 01/06/2017 đến 30/06/2017." in html
    assert "Không có hồ sơ nào" not in html
    late = page.days_html(views.select(dossiers))
    assert "1 hồ sơ kết thúc sau hạn: quá hạn trung vị 3 ngày, nhiều nhất 3 ngày." in late and late.count("<img") == 2
    none = views.select(dossiers, procedure="1.001", period_from="10/04/2017", period_to="30/04/2017")
    assert "Không có hồ sơ nào được tính trong lựa chọn này." in page.selection_html(dossiers, none)
    assert "Không có hồ sơ nào" in page.months_html(none) and "<img" not in page.days_html(none)
    # a unit's files, and the file not read (no row tells whose it is)
    assert "hong.csv" in page.files_html(cat, "00013") and "quan-thanh.csv" in page.files_html(cat, "00013")
    # what the unit's log holds: 6 rows, received from 01/01/2015 to 06/06/2017, so short of the period's end
    units = page.units_html(cat, "00013")
    assert "<td>6 dòng; trong kỳ, tiếp nhận từ 03/04/2017 đến 06/06/2017; 1 hồ sơ ngoài kỳ</td>" in units
    assert ("<td>sổ chỉ ghi từ ngày 03/04/2017, thiếu 367 ngày đầu kỳ; sổ chỉ ghi đến ngày 06/06/2017, thiếu 55 ngày "
            "cuối kỳ</td>") in units  # the 2015 dossier, out of the period, does not stretch the days covered
    assert "Không có hồ sơ nào" in page.units_html(cat, "99999")
    # its own columns only, labelled in Vietnamese; no table of the unit's: not reconciled, said so
    assert re.findall(r"<th[^>]*>([^<]*)</th>", units) == [
        "Đơn vị", "Tiếp nhận", "Sổ theo dõi gửi kèm", "Có thể giải thích chênh lệch với Phụ lục", "Đối chiếu với Phụ lục"]
    assert "chưa đối chiếu (không có biểu Phụ lục của đơn vị" in units
    with pytest.raises(ParameterError, match="không có thư mục"):
        page.load(processed / "khong-co")


@pytest.mark.slow
def test_the_notebook_runs_on_written_logs_and_shows_the_selection(processed, tmp_path):
    import papermill as pm

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "04_dossiers.ipynb"
    out = tmp_path / "04.ipynb"
    nb = pm.execute_notebook(str(notebook), str(out), kernel_name="sketket", progress_bar=False,
                             parameters={"processed_dir": str(processed), "procedure": "1.001",
                                         "unit_code": "phuong quan thanh"})  # a unit by its name
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    html = "".join(o["data"].get("text/html", "") for o in outputs if o.output_type == "display_data")
    assert ("Lựa chọn: Phường Quán Thánh (00013); thủ tục: 1.001; tiếp nhận từ đầu kỳ sơ kết đến ngày chốt số "
            "liệu.") in html
    assert "2 hồ sơ tiếp nhận; đúng hạn 1, quá hạn 1 (tỷ lệ đúng hạn 50,0%)." in html
    assert "0/1 thủ tục không có hồ sơ quá hạn." in html
    # days against the deadline, the overdue ones alone, overdue by month
    assert html.count("<img") == 3 and "hong.csv" in html and "Chứng thực bản sao" in html
    assert "thiếu 55 ngày cuối kỳ" in html  # the units' logs section
    assert not any(o.output_type == "error" for o in outputs)
