"""Charts for emails: matplotlib on the Agg canvas, PNG bytes out.

Charts are drawn on a bare `Figure` with the Agg canvas (no pyplot, so no
global backend switch, no state between charts and no display), at a fixed size and dpi, with the PNG's Software tag removed: the
same figures give the same bytes, so a plan stays comparable in tests and a
re-run sends the identical image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: 640 x 320 pixels: readable in a mail client's reading pane without scaling
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.2, 100
PLANNED_COLOUR, ACTUAL_COLOUR, SECOND_COLOUR = "#c9d3df", "#2f6db5", "#e08a2c"

_STYLE: Any = {  # Any: matplotlib types rc keys as a closed Literal set
    "font.family": "DejaVu Sans",  # ships with matplotlib: same glyphs everywhere
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "chorus",
}


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def channel_bar_chart(
    channels: Sequence[str], targets: Sequence[int], published: Sequence[int], title: str
) -> bytes:
    """Posts published per channel as bars beside the plan's target: PNG bytes."""
    with rc_context(_STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", fontsize=10)
        if not channels:
            _empty(ax, "No channels are planned yet")
        else:
            positions = range(len(channels))
            width = 0.38
            ax.bar(
                [p - width / 2 for p in positions],
                targets,
                width,
                label="Target",
                color=PLANNED_COLOUR,
            )
            bars = ax.bar(
                [p + width / 2 for p in positions],
                published,
                width,
                label="Published",
                color=ACTUAL_COLOUR,
            )
            ax.bar_label(bars, padding=2, fontsize=8)
            ax.set_xticks(list(positions), list(channels))
            ax.set_ylabel("Posts")
            ax.set_ylim(0, max([*targets, *published, 1]) * 1.15)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
        fig.tight_layout()
        return _png(fig)


def trend_line_chart(
    weeks: Sequence[str], posts: Sequence[int], submissions: Sequence[int], title: str
) -> bytes:
    """Posts and submissions per week as two lines: PNG bytes."""
    with rc_context(_STYLE):
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
        ax = fig.add_subplot()
        ax.set_title(title, loc="left", fontsize=10)
        if not weeks:
            _empty(ax, "No weeks to show yet")
        else:
            positions = list(range(len(weeks)))
            ax.plot(positions, posts, marker="o", color=ACTUAL_COLOUR, label="Posts published")
            ax.plot(positions, submissions, marker="s", color=SECOND_COLOUR, label="Submissions")
            ax.set_xticks(positions, list(weeks))
            ax.set_ylim(0, max([*posts, *submissions, 1]) * 1.25)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.legend(frameon=False, loc="lower right", bbox_to_anchor=(1, 1), ncols=2)
            ax.set_xlim(-0.3, len(weeks) - 0.7)
        fig.tight_layout()
        return _png(fig)
