"""Charts: Vietnamese number formats on axes and bars, one colour per tier, PNG embedded in HTML."""

import base64
import io

import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from sketket import plots


def test_axis_formatter_writes_numbers_the_vietnamese_way():
    assert plots.axis_formatter("int")(1234567, 0) == "1.234.567"
    assert plots.axis_formatter("pct")(98.5, 0) == "98,5%"
    assert plots.axis_formatter("pct")(95.0, 0) == "95%"
    assert plots.axis_formatter("pct")(102.5, 0) == ""  # room for labels, not a rate
    assert plots.value_text(98.72, "pct") == "98,7%"
    assert plots.value_text(12345, "int") == "12.345"


def test_ranking_colours_tiers_and_highlights_the_unit():
    df = pd.DataFrame({"unit_name": ["Xã Đông Anh", "Xã Cổ Loa", "Phường Phúc Xá"],
                       "on_time_rate": [97.5, 99.1, 92.0], "tier": ["xa", "xa", "xa"]})
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Tỷ lệ hồ sơ đúng hạn", "Tỷ lệ",
                            references={"Toàn Thành phố": 98.0}, highlight="Xã Cổ Loa")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # best on top (the y axis is inverted) and written the Vietnamese way beside the bar
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Xã Cổ Loa", "Xã Đông Anh", "Phường Phúc Xá"]
    assert [t.get_text() for t in ax.texts] == ["99,1%", "97,5%", "92,0%"]
    colours = [p.get_facecolor() for p in ax.patches]
    from matplotlib.colors import to_rgba
    assert colours[0] == to_rgba(plots.style()["highlight_color"])
    assert colours[1] == to_rgba(plots.tier_color("xa"))
    assert "Toàn Thành phố: 98,0%" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_same_tier_same_colour_in_every_chart():
    tiers = pd.DataFrame({"tier": ["so", "xa", "city"], "dossiers_received": [1200, 345678, 346878]})
    fig = plots.bar_tiers(tiers, "dossiers_received", "Hồ sơ đã nhận", "Hồ sơ", kind="int")
    ax = fig.axes[0]
    from matplotlib.colors import to_rgba
    assert [p.get_facecolor() for p in ax.patches] == [to_rgba(plots.tier_color(t)) for t in ["so", "xa", "city"]]
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Toàn Thành phố"
    assert "345.678" in [t.get_text() for t in ax.texts]


def test_to_html_embeds_a_png_with_escaped_alt_text():
    units = pd.DataFrame({"tier": ["xa"] * 6 + ["huyen"] * 3, "on_time_rate": [95, 96, 97, 98, 99, 100, 90, 95, 99]})
    html = plots.to_html(plots.distribution(units, "on_time_rate", "Phân bố", "Tỷ lệ"), 'a "<b>" chart')
    assert 'alt="a &quot;&lt;b&gt;&quot; chart"' in html
    data = html.split("base64,")[1].rstrip('">')
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.format == "PNG" and image.width == plots.style()["width"] * plots.style()["dpi"]


def test_heatmap_and_stacked_bars_write_counts():
    pivot = pd.DataFrame({"Sở": [3, 0], "Xã": [1234, 2]}, index=["sum_mismatch", "pct_mismatch"])
    ax = plots.heatmap_counts(pivot, "Lỗi").axes[0]
    assert sorted(t.get_text() for t in ax.texts if t.get_text()) == ["1.234", "2", "3"]
    df = pd.DataFrame({"label": ["Sở", "Xã"], "ok": [20, 500], "missing": [2, 84]})
    fig = plots.stacked_bars(df, "label", {"ok": "Có số liệu", "missing": "Chưa có"}, "Đơn vị", "Số đơn vị")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "500" in texts and "84" in texts and "2" not in texts  # too narrow to hold its label
