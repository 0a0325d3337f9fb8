"""Drawn charts kept in the state folder: a later run of the same week reads the PNG instead of
drawing it, gets the same bytes, and the folder stays small and safe to lose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from automation.mail.chart_files import KEPT, chart_digest, chart_png, prune
from automation.mail.charts import render_chart
from tests.test_charts import bars, trend

ROOT = Path(__file__).resolve().parents[1]


def fresh_process() -> None:
    """Forget what this process drew or read, as a new run would."""
    chart_png.cache_clear()
    render_chart.cache_clear()


def test_a_chart_drawn_once_is_read_back_by_a_later_run_with_the_same_bytes(
    tmp_path: Path,
) -> None:
    fresh_process()
    drawn = chart_png(bars(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"{chart_digest(bars())}.png"]
    fresh_process()
    assert chart_png(bars(), tmp_path) == drawn
    assert render_chart.cache_info().misses == 0  # read, not drawn
    fresh_process()
    assert render_chart(bars()) == drawn  # and it is what drawing it now gives


def test_a_kept_chart_is_read_without_loading_matplotlib(tmp_path: Path) -> None:
    fresh_process()
    chart_png(trend(), tmp_path)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from automation.mail.chart_files import chart_png\n"
        "from jobs.base import Chart, Series\n"
        f"chart = {trend()!r}\n"
        f"data = chart_png(chart, Path({str(tmp_path)!r}))\n"
        "assert data.startswith(b'\\x89PNG'), data[:8]\n"
        "print('matplotlib' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def test_each_distinct_chart_has_its_own_file(tmp_path: Path) -> None:
    fresh_process()
    charts = [bars(), bars(("LinkedIn",)), trend()]
    images = [chart_png(chart, tmp_path) for chart in charts]
    assert len(set(images)) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{chart_digest(c)}.png" for c in charts
    )
    assert chart_digest(bars()) == chart_digest(bars())  # the name is the chart's data


def test_a_damaged_file_is_drawn_again_and_replaced(tmp_path: Path) -> None:
    fresh_process()
    drawn = chart_png(bars(), tmp_path)
    kept = tmp_path / f"{chart_digest(bars())}.png"
    kept.write_bytes(drawn[: len(drawn) // 2])  # cut short, say by a full disk
    fresh_process()
    assert chart_png(bars(), tmp_path) == drawn
    assert kept.read_bytes() == drawn


def test_a_folder_that_cannot_be_written_still_gives_the_chart(tmp_path: Path) -> None:
    fresh_process()
    not_a_folder = tmp_path / "state"
    not_a_folder.write_text("a file where the state folder should be\n", encoding="utf-8")
    assert chart_png(bars(), not_a_folder / "charts") == render_chart(bars())
    assert not_a_folder.read_text(encoding="utf-8").startswith("a file")


def test_the_folder_keeps_only_the_most_recently_used_files(tmp_path: Path) -> None:
    for age, name in enumerate(("newest", "newer", "older", "oldest")):
        path = tmp_path / f"{name}.png"
        path.write_bytes(b"png")
        os.utime(path, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))
    prune(tmp_path, kept=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer.png", "newest.png"]


def test_reading_a_kept_chart_marks_it_recent_so_it_outlives_newer_ones(tmp_path: Path) -> None:
    fresh_process()
    chart_png(bars(), tmp_path)
    kept = tmp_path / f"{chart_digest(bars())}.png"
    os.utime(kept, ns=(10**9, 10**9))  # drawn long ago
    for n in range(KEPT - 1):
        (tmp_path / f"other-{n}.png").write_bytes(b"png")
    fresh_process()
    chart_png(bars(), tmp_path)  # used again this week
    chart_png(trend(), tmp_path)  # one more file: the folder is pruned to KEPT
    names = {p.name for p in tmp_path.iterdir()}
    assert len(names) == KEPT
    assert kept.name in names and f"{chart_digest(trend())}.png" in names
