"""Every chart of the packs, in one style (config/plots.yml): Vietnamese titles and labels, numbers the
Vietnamese way on the axes and bars, one colour per tier everywhere.

Functions take DataFrames and return matplotlib Figures built without pyplot (nothing to close, no backend
chosen here); `to_html` embeds a figure as a base64 PNG <img> for the packs.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sketket.clean import format_int, format_number, format_percent
from sketket.config import load_yaml
from sketket.dimensions import CITY_COLOR, TIER_COLORS, TIER_LABELS
from sketket.dimensions import tier_label as tier_label


@lru_cache(maxsize=1)
def style() -> dict[str, Any]:
    return load_yaml("plots.yml")


def tier_color(tier: str) -> str:
    return TIER_COLORS.get(tier, CITY_COLOR)


def _rc() -> dict[str, Any]:
    s = style()
    rc = {**sns.axes_style(s["style"]), **sns.plotting_context(s["context"], font_scale=s["font_scale"])}
    rc.update({"font.family": "sans-serif", "font.sans-serif": [s["font"]], "axes.titleweight": "bold",
               "axes.titlelocation": "left", "figure.dpi": s["dpi"], "savefig.dpi": s["dpi"]})
    return rc


def value_text(value: float, kind: str) -> str:
    """A number as the chart writes it: "1.234" for counts, "98,7%" for rates (already in percent), with enough
    decimals that a rate short of 100% or above 0 never reads as either (2.273 of 2.274: "99,96%", as the table
    beside the chart says, not "100,0%")."""
    if kind == "pct":
        from sketket.analysis.indicators import format_rate

        return format_rate(value)
    if kind == "num":
        return format_number(value, 1)
    return format_int(value)


def axis_formatter(kind: str) -> FuncFormatter:
    """Axis ticks the Vietnamese way: 1.234.567, 12,5 and 98% (a tick at a whole percent has no decimal)."""
    if kind == "pct":  # no tick above 100%: a rate axis ends there
        return FuncFormatter(lambda x, _: "" if x > 100 else format_percent(x, 0 if float(x).is_integer() else 1))
    if kind == "num":
        return FuncFormatter(lambda x, _: format_number(x, 0 if float(x).is_integer() else 1))
    return FuncFormatter(lambda x, _: format_int(x))


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(style()["width"], max(2.5, height)), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def literal(text: object) -> str:
    """A label shown as written: matplotlib reads text between two "$" as a formula (mathtext), and a
    unit named "Phường $x^$" would fail the chart. An escaped dollar is drawn as a dollar."""
    return str(text).replace("$", r"\$")


def _wrap(text: str, width: int) -> str:
    """A label broken into lines of at most `width` characters (long Vietnamese names overprint otherwise),
    shown literally."""
    return literal("\n".join(textwrap.wrap(str(text), width)) or str(text))


@contextmanager
def _same_jitter(seed: int = 2017) -> Iterator[None]:
    """seaborn jitters the dots with numpy's global generator: seeded here (and put back after), so that a
    rerun on the same data draws the same page."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _title(fig: Figure, title: str) -> None:
    """The figure's title over the whole width, left-aligned and wrapped: an axes title starts where the
    axes start (after long tick labels) and would run past the right edge."""
    fig.suptitle(_wrap(title, style()["title_chars"]), x=0.01, ha="left", fontweight="bold",
                 fontsize="large")


def _legend_columns(labels: list[str]) -> int:
    """Side by side while the labels fit in `legend_chars`, else one a row."""
    return len(labels) if sum(len(label) for label in labels) <= style()["legend_chars"] else 1


def _legend_below(fig: Figure) -> None:
    """The reference lines' legend under the chart, on as many columns as their labels fit in."""
    labels = fig.axes[0].get_legend_handles_labels()[1]
    fig.legend(loc="outside lower center", ncols=_legend_columns(labels), fontsize="small", frameon=False)


def _frame_height(title: str, legend: list[str]) -> float:
    """Inches a chart needs around its plot area: the wrapped title, the x axis with its label and the legend
    rows below it. A chart of a few bars then keeps bars as tall as a long one's instead of being squashed."""
    lines = _wrap(title, style()["title_chars"]).count("\n") + 1
    rows = -(-len(legend) // _legend_columns(legend)) if legend else 0
    return 0.45 * lines + 0.75 + 0.35 * rows


def _annotate_bars(ax: Any, values: list[float], kind: str) -> None:
    """Each bar's value in a column right of the plot area, level with its bar: never on a reference line
    drawn inside the plot, never on another label (one label per bar row)."""
    for patch, value in zip(ax.patches, values, strict=False):
        ax.annotate(value_text(value, kind), (1.0, patch.get_y() + patch.get_height() / 2),
                    xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points", va="center",
                    ha="left", fontsize="small")


def _pct_limits(ax: Any, values: pd.Series, kind: str) -> float:
    """Rates near 100% are compared on a zoomed axis (a whole-scale axis hides a 95 vs 99 gap); everything else
    starts at zero. Returns where the axis starts."""
    if kind == "pct" and len(values) and values.min() > 50:
        start = float(max(0.0, 5 * ((values.min() - (100 - values.min()) * 0.5 - 1) // 5)))
        ax.set_xlim(start, 100)
        return start
    ax.set_xlim(0, (values.max() if len(values) else 1) * 1.02 or 1)
    return 0.0


def axis_label(xlabel: str, start: float, kind: str) -> str:
    """The axis title, saying plainly when the axis does not start at zero (bars then look longer than their
    share of the whole)."""
    if start <= 0:
        return literal(xlabel)
    return literal(f"{xlabel} – trục bắt đầu từ {value_text(start, kind).replace(',0%', '%')}, không từ 0")


def part_note(shown: int, total: int) -> str:
    """What part of a list a chart shows, for its title (empty when it shows all)."""
    if shown >= total:
        return ""
    return f" ({format_int(shown // 2)} đơn vị cao nhất và {format_int(shown - shown // 2)} thấp nhất trong " \
           f"{format_int(total)}; đủ cả ở bảng)"


def enough_bars(df: pd.DataFrame, value: str) -> bool:
    """Whether a bar chart of `value` would say more than a sentence (config `min_bars`)."""
    return int(df[value].notna().sum()) >= int(style()["min_bars"])


def bar_ranking(
    df: pd.DataFrame,
    value: str,
    label: str,
    title: str,
    xlabel: str,
    kind: str = "pct",
    tier: str | None = None,
    references: Mapping[str, float] | None = None,
    highlight: str | None = None,
    key: str = "unit_code",
) -> Figure:
    """Units ranked on one indicator, best on top, with reference lines (e.g. {"Toàn Thành phố": 98.7}).
    Colour: the `tier` column of df, or `tier` for all bars; the bar whose `key` column equals `highlight`
    stands out (a code, not the label: the name shown may differ from the registry's)."""
    data = df.dropna(subset=[value]).sort_values(value, ascending=False)
    limit, total = style()["max_bars"], len(data)
    if len(data) > limit:  # the best and the weakest halves; the middle is in the tables
        data = pd.concat([data.head(limit // 2), data.tail(limit - limit // 2)])
    title += part_note(len(data), total)
    colors = [
        style()["highlight_color"] if highlight is not None and k == highlight
        else tier_color(t if tier is None else tier)
        for k, t in zip(data[key] if key in data else [None] * len(data),
                        data["tier"] if "tier" in data else [tier] * len(data), strict=True)
    ]
    legend = [f"{literal(name)}: {value_text(ref, kind)}" for name, ref in (references or {}).items()]
    with rc_context(_rc()):
        fig = _figure(_frame_height(title, legend) + style()["bar_height"] * max(len(data), 3))
        ax = fig.add_subplot()
        ax.barh(list(range(len(data))), data[value].tolist(), color=colors)
        ax.set_yticks(list(range(len(data))), [literal(x) for x in data[label]])
        ax.invert_yaxis()
        _annotate_bars(ax, data[value].tolist(), kind)
        start = _pct_limits(ax, pd.concat([data[value], pd.Series(list((references or {}).values()), dtype=float)]),
                            kind)
        for i, (ref, text) in enumerate(zip((references or {}).values(), legend, strict=True)):
            ax.axvline(ref, color=style()["reference_color"], linestyle=("--", ":", "-.")[i % 3], linewidth=2,
                       label=text)
        if references:  # below the chart: inside it would hide bars
            _legend_below(fig)
        ax.xaxis.set_major_formatter(axis_formatter(kind))
        _title(fig, title)
        ax.set_xlabel(axis_label(xlabel, start, kind))
        ax.set_ylabel("")
    return fig


def bar_tiers(df: pd.DataFrame, value: str, title: str, xlabel: str, kind: str = "pct") -> Figure:
    """One bar per tier (column `tier`, "city" for the whole city), in the tier's colour."""
    data = df.dropna(subset=[value])
    with rc_context(_rc()):
        fig = _figure(0.9 + 0.6 * len(data))
        ax = fig.add_subplot()
        ax.barh(list(range(len(data))), data[value].tolist(), color=[tier_color(t) for t in data["tier"]])
        ax.set_yticks(list(range(len(data))), [tier_label(t) for t in data["tier"]])
        ax.invert_yaxis()
        _annotate_bars(ax, data[value].tolist(), kind)
        start = _pct_limits(ax, data[value], kind)
        ax.xaxis.set_major_formatter(axis_formatter(kind))
        _title(fig, title)
        ax.set_xlabel(axis_label(xlabel, start, kind))
    return fig


def distribution(df: pd.DataFrame, value: str, title: str, xlabel: str, kind: str = "pct") -> Figure:
    """The spread of an indicator over the units of each tier: a box per tier and every unit as a dot."""
    data = df.dropna(subset=[value]).copy()
    order = [t for t in TIER_LABELS if t in set(data["tier"])]
    data["tier_label"] = data["tier"].map(tier_label)
    labels = [tier_label(t) for t in order]
    palette = {tier_label(t): tier_color(t) for t in order}
    with rc_context(_rc()):
        fig = _figure(1.2 + 0.9 * len(order))
        ax = fig.add_subplot()
        boxes = ax.boxplot([data.loc[data["tier"] == t, value].astype(float) for t in order],
                           positions=list(range(len(order))), orientation="horizontal", showfliers=False,
                           patch_artist=True, widths=0.6, medianprops={"color": "black"})
        for box, tier in zip(boxes["boxes"], order, strict=True):
            box.set(facecolor=tier_color(tier), alpha=0.35)
        with _same_jitter():
            sns.stripplot(data=data, x=value, y="tier_label", order=labels, hue="tier_label", palette=palette,
                          size=4, jitter=0.25, ax=ax, legend=False)
        ax.set_yticks(list(range(len(order))), [literal(x) for x in labels])
        ax.xaxis.set_major_formatter(axis_formatter(kind))
        _title(fig, title)
        ax.set_xlabel(literal(xlabel))
        ax.set_ylabel("")
    return fig


def stacked_bars(df: pd.DataFrame, label: str, parts: Mapping[str, str], title: str, xlabel: str,
                 share: bool = False, height: float | None = None) -> Figure:
    """Counts side by side in one bar per row (e.g. units with figures / without), labelled inside. `share`:
    each bar is its row's 100% (tiers of 10 and of 584 units compared), still labelled with the counts."""
    palette = sns.color_palette("deep", len(parts))
    counts = df[list(parts)].fillna(0).astype(float)
    totals = counts.sum(axis=1).replace(0, 1)
    shown = counts.div(totals, axis=0) * 100 if share else counts
    with rc_context(_rc()):
        fig = _figure(height or 1.2 + 0.55 * len(df))
        ax = fig.add_subplot()
        left = pd.Series(0.0, index=df.index)
        widest = 100.0 if share else float(shown.sum(axis=1).max() or 1)
        for (col, name), color in zip(parts.items(), palette, strict=True):
            values = shown[col]
            bars = ax.barh(list(range(len(df))), values.tolist(), left=left.tolist(), color=color,
                           label=literal(name))
            # a label only where the segment is wide enough to hold it
            ax.bar_label(bars, labels=[format_int(n) if v > 0.04 * widest else ""
                                       for v, n in zip(values, counts[col], strict=True)],
                         label_type="center", fontsize="small", color="white")
            left = left + values
        ax.set_yticks(list(range(len(df))), [literal(x) for x in df[label]])
        ax.invert_yaxis()
        if share:
            ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(axis_formatter("pct" if share else "int"))
        _legend_below(fig)
        _title(fig, title)
        ax.set_xlabel(literal(xlabel))
    return fig


def histogram(values: pd.Series, title: str, xlabel: str, ylabel: str, clip: int, mark: float | None = None,
              mark_label: str = "") -> Figure:
    """How many items have each whole value (e.g. days from a deadline), one bar per value from the least to the
    greatest (and the `mark`, a reference line such as the deadline), the values beyond ±`clip` piled on the edge
    bars (then said in the axis title): data within ±5 days is not drawn squeezed on an axis of ±30."""
    raw = values.dropna().astype(int)
    data = raw.clip(-clip, clip)
    ends = [int(data.min()), int(data.max())] if len(data) else [0, 0]
    if mark is not None:
        ends += [math.floor(mark), math.ceil(mark)]
    counts = data.value_counts().reindex(range(min(ends), max(ends) + 1), fill_value=0)
    with rc_context(_rc()):
        fig = _figure(4.0)
        ax = fig.add_subplot()
        ax.bar(counts.index.tolist(), counts.tolist(), width=0.9, color=CITY_COLOR)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no tick between two whole numbers
        # whole values too: a tick at 2,5 would be written "2" beside the real 2 ("2 2 2 2 3")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if mark is not None:
            ax.axvline(mark, color=style()["reference_color"], linestyle="--", linewidth=2, label=literal(mark_label))
            _legend_below(fig)
        ax.yaxis.set_major_formatter(axis_formatter("int"))
        ax.xaxis.set_major_formatter(axis_formatter("int"))
        _title(fig, title)
        clipped = bool(len(raw)) and (raw.abs() > clip).any()
        ax.set_xlabel(literal(f"{xlabel} (cắt ở ±{format_int(clip)})" if clipped else xlabel))
        ax.set_ylabel(literal(ylabel))
    return fig


def column_bars(df: pd.DataFrame, label: str, value: str, title: str, ylabel: str) -> Figure:
    """One vertical bar per row, in the rows' order (e.g. months), its count above it."""
    with rc_context(_rc()):
        fig = _figure(4.0)
        ax = fig.add_subplot()
        bars = ax.bar(list(range(len(df))), df[value].tolist(), color=style()["reference_color"])
        ax.bar_label(bars, labels=[format_int(v) for v in df[value]], fontsize="small")
        ax.set_xticks(list(range(len(df))), [literal(x) for x in df[label]], rotation=90 if len(df) > 8 else 0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no tick between two whole numbers
        ax.yaxis.set_major_formatter(axis_formatter("int"))
        _title(fig, title)
        ax.set_xlabel("")
        ax.set_ylabel(literal(ylabel))
    return fig


def heatmap_counts(pivot: pd.DataFrame, title: str) -> Figure:
    """A table of counts (e.g. findings by rule and tier) as a heatmap, each cell written 1.234; the tier names
    wrap to the width of their column and the rule descriptions to a readable line."""
    columns = [_wrap(c, max(8, style()["heatmap_column_chars"] // max(1, len(pivot.columns)))) for c in pivot.columns]
    rows = [_wrap(r, style()["heatmap_row_chars"]) for r in pivot.index]
    lines = sum(max(1, r.count("\n") + 1) for r in rows) + max((c.count("\n") + 1 for c in columns), default=1)
    with rc_context(_rc()):
        fig = _figure(1.2 + 0.3 * lines)
        ax = fig.add_subplot()
        annot = pivot.map(lambda v: format_int(v) if v else "")
        # seaborn's own tick labels are the unwrapped names: its overlap check would lay out the figure with them
        sns.heatmap(pivot.astype(float), annot=annot.to_numpy(), fmt="", cmap="Oranges", cbar=False, linewidths=0.5,
                    linecolor="white", ax=ax, xticklabels=False, yticklabels=False)
        ax.set_xticks([i + 0.5 for i in range(len(columns))], columns, rotation=0)
        ax.set_yticks([i + 0.5 for i in range(len(rows))], rows, rotation=0)
        ax.tick_params(length=0)
        _title(fig, title)
        ax.set_xlabel("")
        ax.set_ylabel("")
    return fig


def to_html(fig: Figure, alt: str, tall: bool = False) -> str:
    """The figure as an inline PNG <img> (self-contained page; PNG stays small where SVG would not). `tall`:
    a chart of one bar per unit, which on paper keeps the height its names need to stay readable."""
    buffer = io.BytesIO()
    # the figure's own canvas at its dpi (style()["dpi"]): one layout and one draw, where savefig first draws
    # the whole figure once more without output to place a constrained layout; the pixels are the same
    fig.canvas.print_png(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    from sketket.outputs.html import piece

    return piece("chart", alt, data, "chart tall" if tall else "chart")
