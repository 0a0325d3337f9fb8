"""The employee guide on a phone: tables stack into labelled lines instead of scrolling sideways."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobs.guide.job import plan
from tests.browser import measure_layouts
from tests.test_guide import NOW, guide_settings, sheets, snapshot_of, write_files

pytestmark = pytest.mark.browser


def test_the_guides_tables_fit_a_390_px_phone_without_scrolling_or_split_words(
    tmp_path: Path,
) -> None:
    settings = guide_settings(tmp_path)
    page = write_files(settings, plan(snapshot_of(sheets()), NOW, settings)) / "guide.html"
    html = page.read_text(encoding="utf-8")
    assert 'data-label="' in html  # each cell carries its column's heading for the stacked view
    for width in (390, 1280):
        layout = measure_layouts([page], (width,))[(page.name, width)]
        assert layout.scroll_width <= width
        assert layout.table_overflow == [], f"a table scrolls sideways at {width} px"
        assert layout.split_words == [], f"words split across lines at {width} px"
