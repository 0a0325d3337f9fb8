"""`python -m benchmarks` end to end at a tiny size: both backends and every baseline, side by side.

These tests check the table's shape and that its numbers are real (calls
made, bytes written, memory measured), never how fast anything was.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_one_run_puts_the_google_twin_the_local_workbook_and_the_baselines_side_by_side(
    tmp_path: Path,
) -> None:
    target = tmp_path / "bench.csv"

    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", "20", "--jobs", "sync-forms,brief"]
        + ["--backend", "both", "--quick", "--csv", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    # The header names the machine and how busy it was, then every side of the comparison.
    assert "cores" in out and "Python 3." in out and "load average" in out and "at the end" in out
    for side in ("Google twin", "local workbook", "gspread tutorial", "tutorial kind", "pandas"):
        assert side in out.splitlines()[2]
    assert "bytes rewr." in out and "CPU s" in out and "MiB" in out
    lines = {
        line.split()[0]: line for line in out.splitlines() if line.startswith(("sync", "brief"))
    }
    assert set(lines) == {"sync-forms", "brief"}
    assert "20|" in lines["sync-forms"] and "-" not in lines["sync-forms"].split("|", 1)[1]

    rows = {r["job"]: r for r in csv.DictReader(target.open(encoding="utf-8"))}
    assert set(rows) == {"sync-forms", "brief"}
    for row in rows.values():
        assert row["rows"] == "20" and row["outcome"] == "ok" and row["local_outcome"] == "ok"
        # The Google twin: a few calls, a time and a traced peak of its own run.
        assert 0 < int(row["sheets"]) <= 12
        assert float(row["cpu_seconds"]) > 0 and float(row["peak_mib"]) > 0
        # The local workbook: a child's time, its resident peak, and bytes saved and rewritten.
        assert float(row["local_seconds"]) > 0 and float(row["local_cpu"]) > 0
        assert float(row["local_mib"]) > 10
        assert 0 < int(row["local_rewritten"]) and 0 < int(row["local_saved"])
        assert int(row["local_size"]) > 0
        # Both tutorial ways were measured at 20 rows (under --quick's 100), not extrapolated.
        assert row["naive_measured"] == row["kind_measured"] == "True"
        assert int(row["kind_sheets"]) <= int(row["naive_sheets"])
    # sync-forms: the tutorial ways append a row per response; the pandas scripts sit beside it.
    sync = rows["sync-forms"]
    assert int(sync["kind_sheets"]) > 20 and int(sync["naive_sheets"]) > int(sync["kind_sheets"])
    for script in ("pandas", "pandas_kind"):
        assert sync[f"{script}_outcome"] == "ok" and sync[f"{script}_summary"] == "20 rows"
        assert float(sync[f"{script}_seconds"]) > 0 and float(sync[f"{script}_mib"]) > 10
    # The brief mails its coordinator on both sides: Gmail calls on the twin, none for pandas.
    assert int(rows["brief"]["gmail"]) > 0 and rows["brief"]["pandas_outcome"] == ""


def test_an_earlier_run_prints_again_from_its_csv(tmp_path: Path) -> None:
    target = tmp_path / "bench.csv"
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", "20", "--jobs", "sync-forms again"]
        + ["--backend", "local", "--quick", "--csv", str(target)],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )

    again = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--merge", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    line = next(line for line in again.splitlines() if line.startswith("sync-forms again"))
    # A second sync on the local workbook: only the Google side is empty (not asked for);
    # the pandas scripts find nothing new either.
    google, workbook = line.split("|")[1:3]
    assert set(google.split()) == {"-"} and "-" not in workbook
    row = next(csv.DictReader(target.open(encoding="utf-8")))
    assert "unchanged" in row["local_summary"] and "accepted" not in row["local_summary"]
    assert row["pandas_outcome"] == row["pandas_kind_outcome"] == "nothing added"
