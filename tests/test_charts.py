"""Charts in emails: a plan describes them, the mail layer draws the same PNG bytes every time."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from matplotlib.text import Text
from PIL import Image

from automation.mail.charts import CSS_HEIGHT, CSS_WIDTH, DPI, draw_chart, render_chart
from automation.mail.compose import compose, message_parts
from jobs.base import Chart, InlineImage, Series
from tests.conftest import TZ, make_settings
from tests.test_mail_compose import sample_message, write_sample_templates


def bars(labels: tuple[str, ...] = ("LinkedIn", "X")) -> Chart:
    return Chart(
        kind="bars",
        title="Posts",
        labels=labels,
        series=(
            Series("Target", (3, 5)[: len(labels)]),
            Series("Published", (2, 6)[: len(labels)]),
        ),
        y_label="Posts",
        empty_text="No channels are planned yet",
    )


def trend(weeks: tuple[str, ...] = ("W44", "W45", "W46", "W47")) -> Chart:
    return Chart(
        kind="lines",
        title="Trend",
        labels=weeks,
        series=(
            Series("Posts published", (1, 0, 2, 3)[: len(weeks)]),
            Series("Submissions", (0, 1, 1, 4)[: len(weeks)]),
        ),
        empty_text="No weeks to show yet",
    )


def test_charts_are_real_pngs_of_a_fixed_size_and_the_same_bytes_every_time() -> None:
    drawn = render_chart(bars())
    render_chart.cache_clear()
    assert drawn == render_chart(bars())
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n"
    Image.open(io.BytesIO(drawn)).verify()
    # drawn for 420 x 280 CSS pixels, saved at twice that: sharp on a high-density screen
    assert (CSS_WIDTH, CSS_HEIGHT) == (420, 280)
    assert Image.open(io.BytesIO(drawn)).size == (840, 560)
    assert "Software" not in Image.open(io.BytesIO(drawn)).info
    for chart in (trend(), bars(()), trend(())):
        assert Image.open(io.BytesIO(render_chart(chart))).size == (840, 560)


def smallest_label_css_px(chart: Chart) -> float:
    """The smallest text on the chart, in CSS pixels at the chart's own size (420 px wide)."""
    figure = draw_chart(chart)
    sizes = [t.get_fontsize() for t in figure.findobj(Text) if t.get_text().strip()]
    return min(sizes) * DPI / 72


def test_every_label_is_at_least_11_px_when_a_390_px_phone_shows_the_chart() -> None:
    # a 390 px screen leaves the chart 390 - 2 * (4 + 1 + 16) = 348 px (frame, border, card)
    shown = 348 / CSS_WIDTH
    for chart in (bars(), trend(), bars(())):
        assert smallest_label_css_px(chart) * shown >= 11


def test_the_composer_draws_the_chart_into_the_email_by_content_id(tmp_path: Path) -> None:
    chart = InlineImage("chart-1@chorus", bars(), filename="posts.png")
    message = sample_message(images=(chart,))
    settings = make_settings(tmp_path)
    email = compose(
        message,
        settings,
        now=datetime(2026, 11, 24, 8, 30, tzinfo=TZ),
        search_path=[write_sample_templates(tmp_path / "templates")],
    )
    _text, html, images = message_parts(email)
    assert images == {"chart-1@chorus": (render_chart(bars()), "posts.png")}
    assert 'src="cid:chart-1@chorus"' in html
    assert email["Message-ID"] == message.message_id(settings.sender_domain)
