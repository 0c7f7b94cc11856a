"""Charts: Vietnamese number formats on axes and bars, one colour per tier, PNG embedded in HTML."""

import base64
import io

import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from sketket.outputs import plots


def test_axis_formatter_writes_numbers_the_vietnamese_way():
    assert plots.axis_formatter("int")(1234567, 0) == "1.234.567"
    assert plots.axis_formatter("pct")(98.5, 0) == "98,5%"
    assert plots.axis_formatter("pct")(95.0, 0) == "95%"
    assert plots.axis_formatter("pct")(102.5, 0) == ""  # room for labels, not a rate
    assert plots.value_text(98.72, "pct") == "98,7%"
    # a rate short of 100% never reads as 100% on a bar (2.273 dossiers on time of 2.274)
    assert plots.value_text(100 * 2273 / 2274, "pct") == "99,96%" and plots.value_text(0.01, "pct") == "0,01%"
    assert plots.value_text(12345, "int") == "12.345"


def test_ranking_colours_tiers_and_highlights_the_unit():
    # the bars carry the name as submitted; the unit is found by its registry code
    df = pd.DataFrame({"unit_name": ["Xã Đông Anh", "UBND xã Cổ Loa", "Phường Phúc Xá"],
                       "unit_code": ["00460", "00463", "00001"],
                       "on_time_rate": [97.5, 99.1, 92.0], "tier": ["xa", "xa", "xa"]})
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Tỷ lệ hồ sơ đúng hạn", "Tỷ lệ",
                            references={"Toàn Thành phố": 98.0}, highlight="00463")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # best on top (the y axis is inverted) and written the Vietnamese way beside the bar
    assert [t.get_text() for t in ax.get_yticklabels()] == ["UBND xã Cổ Loa", "Xã Đông Anh", "Phường Phúc Xá"]
    assert [t.get_text() for t in ax.texts] == ["99,1%", "97,5%", "92,0%"]
    colours = [p.get_facecolor() for p in ax.patches]
    from matplotlib.colors import to_rgba
    assert colours[0] == to_rgba(plots.style()["highlight_color"])
    assert colours[1] == colours[2] == to_rgba(plots.tier_color("xa"))
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
    assert 'alt="a &#34;&lt;b&gt;&#34; chart"' in html  # markupsafe writes " as &#34;
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


def _inside(fig, artist) -> bool:
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 - 1 and box.y0 >= page.y0 - 1 and box.x1 <= page.x1 + 1 and box.y1 <= page.y1 + 1


def _texts(fig):
    """Every title, legend text and tick label of a drawn figure."""
    fig.canvas.draw()
    ax = fig.axes[0]
    texts = [fig._suptitle] if fig._suptitle else [ax.title]
    for legend in fig.legends:
        texts += legend.get_texts()
    return texts + [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]


def test_heatmap_of_every_tier_fits_and_its_labels_do_not_overlap():
    from sketket.dimensions import TIER_LABELS

    rules = ["tỷ lệ % báo cáo lệch tỷ lệ tính lại (cảnh báo > 0,5 điểm, lỗi > 2 điểm)",
             "đúng hạn + quá hạn ≠ tổng số hồ sơ đã nhận", "số âm"]
    pivot = pd.DataFrame(3, index=rules, columns=[*TIER_LABELS.values(), "khác"])
    fig = plots.heatmap_counts(pivot, "Lỗi và cảnh báo theo quy tắc và theo cấp của đơn vị gửi biểu")
    texts = _texts(fig)
    assert all(_inside(fig, t) for t in texts), [t.get_text() for t in texts if not _inside(fig, t)]
    ticks = [t.get_window_extent() for t in fig.axes[0].get_xticklabels()]
    assert not any(a.overlaps(b) for a, b in zip(ticks, ticks[1:], strict=False))
    assert "Lỗi và cảnh báo theo quy tắc" in fig._suptitle.get_text()


def test_ranking_legend_with_long_reference_names_fits():
    df = pd.DataFrame({"unit_name": ["Sở Tài nguyên và Môi trường", "Chi cục Bảo vệ môi trường"],
                       "on_time_rate": [97.5, 99.1], "tier": ["so", "chi_cuc"]})
    refs = {"Sở Tài nguyên và Môi trường (cả đơn vị trực thuộc)": 97.1,
            "Chi cục, đơn vị cấp 2 trực thuộc Sở": 98.2, "Toàn Thành phố": 97.1}
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Tỷ lệ hồ sơ giải quyết đúng hạn – Sở Tài nguyên "
                            "và Môi trường và các Chi cục trực thuộc", "Tỷ lệ", references=refs)
    texts = _texts(fig)
    assert all(_inside(fig, t) for t in texts), [t.get_text() for t in texts if not _inside(fig, t)]
    assert "Toàn Thành phố: 97,1%" in [t.get_text() for t in fig.legends[0].get_texts()]


def _drawn(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def test_bars_start_at_zero_or_the_axis_says_where_it_starts():
    rates = pd.DataFrame({"tier": ["so", "xa", "city"], "on_time_rate": [97.7, 93.5, 96.0]})
    zoomed = plots.bar_tiers(rates, "on_time_rate", "Tỷ lệ đúng hạn", "Tỷ lệ hồ sơ đúng hạn").axes[0]
    start = zoomed.get_xlim()[0]
    assert 0 < start < 93.5 and zoomed.get_xlim()[1] == 100
    assert zoomed.get_xlabel() == f"Tỷ lệ hồ sơ đúng hạn – trục bắt đầu từ {plots.value_text(start, 'pct')[:-3]}%, không từ 0"
    counts = pd.DataFrame({"tier": ["so", "xa"], "dossiers_received": [1200, 345678]})
    whole = plots.bar_tiers(counts, "dossiers_received", "Hồ sơ", "Số hồ sơ", kind="int").axes[0]
    assert whole.get_xlim()[0] == 0 and whole.get_xlabel() == "Số hồ sơ"


def test_value_labels_sit_beside_the_plot_never_on_a_line_or_on_each_other():
    df = pd.DataFrame({"unit_name": [f"Xã {i}" for i in range(12)], "unit_code": [str(i) for i in range(12)],
                       "on_time_rate": [98.0 + i * 0.01 for i in range(12)], "tier": ["xa"] * 12})
    # reference lines right where the bars end
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Xếp hạng", "Tỷ lệ",
                            references={"Cấp xã": 98.05, "Toàn Thành phố": 98.1})
    renderer = _drawn(fig)
    ax = fig.axes[0]
    plot_area = ax.get_window_extent(renderer)
    boxes = sorted((t.get_window_extent(renderer) for t in ax.texts), key=lambda b: b.y0)
    assert len(boxes) == 12
    assert all(b.x0 >= plot_area.x1 for b in boxes)  # the reference lines are inside the plot area
    assert all(lower.y1 <= upper.y0 + 0.5 for lower, upper in zip(boxes, boxes[1:], strict=False))


def test_a_chart_of_part_of_a_list_says_which_part_and_too_few_bars_make_no_chart():
    n = plots.style()["max_bars"] + 10
    df = pd.DataFrame({"unit_name": [f"Xã {i}" for i in range(n)], "unit_code": [str(i) for i in range(n)],
                       "on_time_rate": [50.0 + i * 0.5 for i in range(n)], "tier": ["xa"] * n})
    fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Xếp hạng", "Tỷ lệ")
    half = plots.style()["max_bars"] // 2
    assert f"{half} đơn vị cao nhất và {half} thấp nhất trong {n}" in fig.texts[0].get_text().replace("\n", " ")
    assert len(fig.axes[0].patches) == plots.style()["max_bars"]
    assert plots.enough_bars(df, "on_time_rate")
    assert not plots.enough_bars(df.head(plots.style()["min_bars"] - 1), "on_time_rate")


def test_the_distribution_chart_is_the_same_on_every_run():
    """The dots' jitter is seeded: a rerun on the same data draws the same picture (and numpy's own generator
    is left as it was)."""
    import numpy as np

    data = pd.DataFrame({"tier": ["xa"] * 30 + ["huyen"] * 5, "on_time_rate": np.linspace(80, 100, 35)})
    before = np.random.get_state()[1].copy()
    pictures = [plots.to_html(plots.distribution(data, "on_time_rate", "Tỷ lệ đúng hạn", "Tỷ lệ (%)"), "x")
                for _ in range(2)]
    assert pictures[0] == pictures[1]
    assert (np.random.get_state()[1] == before).all()


def test_a_ranking_of_a_few_units_keeps_its_bars_as_tall_as_a_long_one():
    def bar_inches(n: int) -> float:
        df = pd.DataFrame({"unit_name": [f"Chi cục số {i}" for i in range(n)],
                           "on_time_rate": [90.0 + i for i in range(n)], "unit_code": [str(i) for i in range(n)]})
        refs = {"Sở Nội vụ cùng các đơn vị trực thuộc": 97.5, "Sở, cơ quan tương đương Sở (cả cấp)": 96.2,
                "Toàn Thành phố": 98.1}
        fig = plots.bar_ranking(df, "on_time_rate", "unit_name", "Tỷ lệ hồ sơ giải quyết đúng hạn của Sở Nội vụ "
                                "cùng các Chi cục, đơn vị trực thuộc (Bộ phận một cửa của từng đơn vị)",
                                "Tỷ lệ đúng hạn", tier="chi_cuc", references=refs)
        fig.canvas.draw()  # the constrained layout places the axes
        return fig.axes[0].get_position().height * fig.get_size_inches()[1] / n

    # four units under a two-line title and a three-line legend: the plot area still gives each bar its share
    assert bar_inches(4) >= 0.85 * bar_inches(20)
    assert bar_inches(4) >= 0.8 * plots.style()["bar_height"]


def test_the_highlighted_bar_is_told_from_every_tier_and_the_city():
    """"Màu tím là chính đơn vị": the highlight was orange, and the district branches of the vertical agencies
    (#e08a4b) are orange too, so in their packs every bar looked highlighted."""
    from sketket.dimensions import CITY_COLOR, TIER_COLORS

    def rgb(colour: str) -> tuple[int, ...]:
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    mark = rgb(plots.style()["highlight_color"])
    for colour in [*TIER_COLORS.values(), CITY_COLOR, plots.style()["reference_color"]]:
        assert sum((a - b) ** 2 for a, b in zip(mark, rgb(colour), strict=True)) ** 0.5 > 100, colour
