"""Charts for emails: a plan's Chart spec drawn with matplotlib on the Agg canvas, PNG bytes out.

Plans carry charts as data (jobs.base.Chart); the composer draws them here
just before a message is sent or previewed, so jobs never import matplotlib.
Charts are drawn on a bare `Figure` with the Agg canvas (no pyplot, so no
global backend switch, no state between charts and no display), at a fixed
size and dpi, with the PNG's Software tag removed: the same spec gives the
same bytes, so a re-run sends the identical image.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from jobs.base import Chart

#: Drawn for 420 x 280 CSS pixels (the size the email shows it at on a desktop, the width a
#: phone scales it down from) and saved at twice that, 840 x 560, so it is sharp on
#: high-density screens. Every label is at least 10 pt = 13.9 CSS px: shown at the ~348 px a
#: 390 px phone leaves for it, that is 11.5 px, still readable.
WIDTH_IN, HEIGHT_IN, DPI = 4.2, 2.8, 100
SCALE = 2
CSS_WIDTH, CSS_HEIGHT = round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI)
LABEL_PT = 10
PLANNED_COLOUR, ACTUAL_COLOUR, SECOND_COLOUR = "#c9d3df", "#2f6db5", "#e08a2c"
#: the width a group of bars shares, one bar per series
BAR_GROUP_WIDTH = 0.76
LINE_COLOURS, LINE_MARKERS = (ACTUAL_COLOUR, SECOND_COLOUR), ("o", "s")

_STYLE: Any = {  # Any: matplotlib types rc keys as a closed Literal set
    "font.family": "DejaVu Sans",  # ships with matplotlib: same glyphs everywhere
    "font.size": LABEL_PT,
    "legend.fontsize": LABEL_PT,
    "xtick.labelsize": LABEL_PT,
    "ytick.labelsize": LABEL_PT,
    "axes.labelsize": LABEL_PT,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "chorus",
}


# Every manager's summary shows the same two charts: each is drawn once per run, not per message.
@lru_cache(maxsize=16)
def render_chart(chart: Chart) -> bytes:
    """The chart as PNG bytes at twice its CSS size, the same bytes for the same spec."""
    with rc_context(_STYLE):
        return _png(draw_chart(chart))


def draw_chart(chart: Chart) -> Figure:
    """The chart as a matplotlib Figure of CSS_WIDTH x CSS_HEIGHT points-at-DPI (tests read its
    labels' sizes)."""
    with rc_context(_STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        ax = fig.add_subplot()
        # the legend sits between the title and the plot: on a narrow chart they cannot share a line
        ax.set_title(chart.title, loc="left", fontsize=LABEL_PT + 1, pad=LABEL_PT * 2.4)
        if not chart.labels:
            _empty(ax, chart.empty_text)
        elif chart.kind == "bars":
            _bars(ax, chart)
        else:
            _lines(ax, chart)
        fig.tight_layout()
        return fig


def _bars(ax: Axes, chart: Chart) -> None:
    """Grouped bars: the series before the last are the plan (light), the last what happened."""
    positions = range(len(chart.labels))
    count = len(chart.series)
    width = BAR_GROUP_WIDTH / count
    for number, series in enumerate(chart.series):
        offset = (number - (count - 1) / 2) * width
        actual = number == count - 1
        bars = ax.bar(
            [p + offset for p in positions],
            list(series.values),
            width,
            label=series.name,
            color=ACTUAL_COLOUR if actual else PLANNED_COLOUR,
        )
        if actual:
            ax.bar_label(bars, padding=2, fontsize=LABEL_PT)
    # no y label on bars: each bar carries its number, and the channel names need the width
    ax.set_xticks(list(positions), list(chart.labels))
    ax.set_ylim(0, max([*_values(chart), 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)


def _lines(ax: Axes, chart: Chart) -> None:
    """One line per series across the labels (weeks, say)."""
    positions = list(range(len(chart.labels)))
    for number, series in enumerate(chart.series):
        ax.plot(
            positions,
            list(series.values),
            marker=LINE_MARKERS[number % len(LINE_MARKERS)],
            color=LINE_COLOURS[number % len(LINE_COLOURS)],
            label=series.name,
        )
    ax.set_xticks(positions, list(chart.labels))
    if chart.y_label:
        ax.set_ylabel(chart.y_label)
    ax.set_ylim(0, max([*_values(chart), 1]) * 1.25)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax)
    ax.set_xlim(-0.3, len(chart.labels) - 0.7)


def _legend(ax: Axes) -> None:
    ax.legend(
        frameon=False,
        loc="lower left",
        bbox_to_anchor=(0, 1),
        ncols=2,
        borderaxespad=0.2,
        handlelength=1.2,
        columnspacing=1.2,
    )


def _values(chart: Chart) -> list[int]:
    return [value for series in chart.series for value in series.values]


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI * SCALE, metadata={"Software": None})
    return buffer.getvalue()


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
