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

#: 640 x 320 pixels: readable in a mail client's reading pane without scaling
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.2, 100
PLANNED_COLOUR, ACTUAL_COLOUR, SECOND_COLOUR = "#c9d3df", "#2f6db5", "#e08a2c"
#: the width a group of bars shares, one bar per series
BAR_GROUP_WIDTH = 0.76
LINE_COLOURS, LINE_MARKERS = (ACTUAL_COLOUR, SECOND_COLOUR), ("o", "s")

_STYLE: Any = {  # Any: matplotlib types rc keys as a closed Literal set
    "font.family": "DejaVu Sans",  # ships with matplotlib: same glyphs everywhere
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "chorus",
}


# Every manager's summary shows the same two charts: each is drawn once per run, not per message.
@lru_cache(maxsize=16)
def render_chart(chart: Chart) -> bytes:
    """The chart as PNG bytes, the same bytes for the same spec."""
    with rc_context(_STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        ax = fig.add_subplot()
        ax.set_title(chart.title, loc="left", fontsize=10)
        if not chart.labels:
            _empty(ax, chart.empty_text)
        elif chart.kind == "bars":
            _bars(ax, chart)
        else:
            _lines(ax, chart)
        fig.tight_layout()
        return _png(fig)


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
            ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_xticks(list(positions), list(chart.labels))
    if chart.y_label:
        ax.set_ylabel(chart.y_label)
    ax.set_ylim(0, max([*_values(chart), 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncols=2)


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
    ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
    ax.set_xlim(-0.3, len(chart.labels) - 0.7)


def _values(chart: Chart) -> list[int]:
    return [value for series in chart.series for value in series.values]


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])
