"""Charts in emails: a plan describes them, the mail layer draws the same PNG bytes every time."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from PIL import Image

from automation.mail.charts import render_chart
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
    assert Image.open(io.BytesIO(drawn)).size == (640, 320)
    assert "Software" not in Image.open(io.BytesIO(drawn)).info
    for chart in (trend(), bars(()), trend(())):
        assert Image.open(io.BytesIO(render_chart(chart))).size == (640, 320)


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
