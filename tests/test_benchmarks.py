"""The benchmark harness at tiny sizes: the table's numbers are real and sane."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import scale
from benchmarks.__main__ import main
from benchmarks.cycle import daily_cycle
from benchmarks.twin import fit


def test_the_harness_counts_calls_times_and_extrapolates_the_tutorial_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "bench.csv"

    assert (
        main(
            [
                "--sizes",
                "10,20,40",
                "--naive-max",
                "20",
                "--jobs",
                "sync-forms",
                "--quick",
                "--backend",
                "google",
                "--csv",
                str(target),
            ]
        )
        == 0
    )

    rows = {int(r["rows"]): r for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert sorted(rows) == [10, 20, 40]
    for n, row in rows.items():
        assert row["outcome"] == "ok" and row["main_tab"] == "Submissions"
        # A run's calls do not grow with the rows: read, re-read, write, append per tab, Runs row.
        assert 3 <= int(row["sheets"]) <= 12 and row["sheets"] == rows[10]["sheets"]
        assert int(row["sheets_reads"]) + int(row["sheets_writes"]) == int(row["sheets"])
        assert row["forms"] == "0" and row["gmail"] == "0"
        assert float(row["seconds"]) > 0 and float(row["peak_mib"]) > 0
        # The tutorial way: at least an append_row per response, and more calls the more rows.
        assert int(row["naive_sheets"]) > n
        assert float(row["ratio"]) == pytest.approx(
            int(row["naive_sheets"]) / int(row["sheets"]), abs=0.1
        )
    assert (
        int(rows[10]["naive_sheets"])
        < int(rows[20]["naive_sheets"])
        < int(rows[40]["naive_sheets"])
    )
    assert rows[10]["naive_extrapolated"] == "False" and rows[40]["naive_extrapolated"] == "True"
    # The kind tutorial reads each tab once: fewer calls than the pessimistic one, still one per row.
    assert 20 < int(rows[20]["kind_sheets"]) < int(rows[20]["naive_sheets"])
    slope = (int(rows[20]["naive_sheets"]) - int(rows[10]["naive_sheets"])) / 10
    assert int(rows[40]["naive_sheets"]) == round(int(rows[20]["naive_sheets"]) + 20 * slope)
    out = capsys.readouterr().out
    assert "sync-forms" in out and "~" in out and "of the 60/min quota" in out


def test_extrapolation_is_linear_through_the_two_largest_measured_sizes() -> None:
    assert fit([(100, 450.0), (1000, 4050.0)], 10_000) == pytest.approx(40_050.0)
    assert fit([(100, 30.0)], 1000) == pytest.approx(300.0)


def test_the_daily_cycle_lays_every_scheduled_run_on_the_clock() -> None:
    cycle = daily_cycle(
        {"sync-forms": (2, 4, 0), "brief": (1, 3, 2), "check-cadence": (1, 1, 0)}, scale.NOW.date()
    )

    assert cycle.runs == {"sync-forms": 60, "brief": 1, "check-cadence": 1}
    assert (cycle.total_reads, cycle.total_writes, cycle.total_gmail) == (122, 244, 2)
    # The default schedule never puts two jobs in one minute (intake at :02, daily jobs at :00/:30).
    assert cycle.busiest == ["sync-forms"]
    assert (cycle.peak_reads, cycle.peak_writes) == (2, 4)
