"""`chorus status`: last runs, next times, and jobs overdue after their runs fail."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from automation.schedule.status import job_status, last_successes
from automation.setup import init_workspace
from automation.store.xlsx import XlsxStore
from sheets_schema.records import Append, Changes, frame_from_rows
from tests.conftest import make_settings

TZ = ZoneInfo("Europe/London")
CHORUS = str(Path(sys.executable).parent / "chorus")


def run_row(job: str, started: str, outcome: str, summary: str = "") -> dict[str, str]:
    return {
        "run_id": f"{job}-{started}",
        "job": job,
        "started": started,
        "finished": started,
        "outcome": outcome,
        "summary": summary or outcome,
        "api_calls": "2",
    }


def status_of(tmp_path: Path, rows: list[dict], now: datetime, jobs: list[str] | None = None):  # noqa: ANN201
    settings = make_settings(tmp_path)
    report = job_status(
        frame_from_rows("Runs", rows), settings, now, jobs or ["check-cadence", "brief", "thanks"]
    )
    return {s.job: s for s in report.jobs}, report


def test_the_brief_is_overdue_after_two_of_its_runs_fail(tmp_path: Path) -> None:
    rows = [
        run_row("brief", "2026-11-20 08:30", "ok", "queue 3"),
        run_row("brief", "2026-11-23 08:30", "failed", "failed: the spreadsheet is unreachable"),
        run_row("brief", "2026-11-24 08:30", "failed", "failed: the spreadsheet is unreachable"),
    ]
    jobs, report = status_of(tmp_path, rows, datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
    brief = jobs["brief"]
    assert brief.overdue
    assert brief.last_outcome == "failed" and brief.last_success == datetime(
        2026, 11, 20, 8, 30, tzinfo=TZ
    )
    assert brief.why.startswith(
        "last success 2026-11-20 08:30; it was due at 2026-11-23 08:30 and 2026-11-24 08:30"
    )
    assert brief.next_run == datetime(2026, 11, 25, 8, 30, tzinfo=TZ)
    assert [j.job for j in report.overdue] == ["check-cadence", "brief", "thanks"]
    assert any(line.startswith("overdue: brief (working days at 08:30)") for line in report.lines())


def test_one_failure_is_retried_and_not_yet_overdue(tmp_path: Path) -> None:
    rows = [
        run_row("brief", "2026-11-23 08:30", "ok"),
        run_row("brief", "2026-11-24 08:30", "failed"),
    ]
    jobs, _ = status_of(tmp_path, rows, datetime(2026, 11, 24, 9, 0, tzinfo=TZ), ["brief"])
    assert not jobs["brief"].overdue


def test_fridays_brief_is_not_overdue_on_monday_morning(tmp_path: Path) -> None:
    rows = [run_row("brief", "2026-11-20 08:30", "ok")]
    jobs, _ = status_of(tmp_path, rows, datetime(2026, 11, 23, 9, 0, tzinfo=TZ), ["brief"])
    assert not jobs["brief"].overdue


def test_a_run_that_found_problems_still_counts_as_done(tmp_path: Path) -> None:
    rows = [
        run_row("check-cadence", "2026-11-22 07:30", "problems"),
        run_row("check-cadence", "2026-11-23 07:30", "problems"),
        run_row("check-cadence", "2026-11-24 07:30", "problems"),
    ]
    jobs, _ = status_of(tmp_path, rows, datetime(2026, 11, 24, 9, 0, tzinfo=TZ), ["check-cadence"])
    assert not jobs["check-cadence"].overdue
    assert jobs["check-cadence"].last_success == datetime(2026, 11, 24, 7, 30, tzinfo=TZ)


def test_a_new_workbook_has_nothing_overdue_and_shows_next_times(tmp_path: Path) -> None:
    jobs, report = status_of(tmp_path, [], datetime(2026, 11, 24, 9, 0, tzinfo=TZ))
    assert report.overdue == []
    assert jobs["thanks"].next_run == datetime(2026, 11, 24, 16, 0, tzinfo=TZ)
    assert "never" in report.lines()[1]


def test_a_job_that_never_ran_while_others_did_is_overdue(tmp_path: Path) -> None:
    rows = [run_row("check-cadence", f"2026-11-{d} 07:30", "ok") for d in range(16, 25)]
    jobs, _ = status_of(tmp_path, rows, datetime(2026, 11, 24, 17, 0, tzinfo=TZ))
    assert jobs["thanks"].overdue and jobs["thanks"].why.startswith("no successful run recorded")
    assert not jobs["check-cadence"].overdue


def test_last_successes_skip_failures_and_unreadable_times() -> None:
    runs = frame_from_rows(
        "Runs",
        [
            run_row("brief", "2026-11-23 08:30", "ok"),
            run_row("brief", "2026-11-24 08:30", "failed"),
            run_row("thanks", "yesterday-ish", "ok"),
        ],
    )
    assert last_successes(runs, TZ) == {"brief": datetime(2026, 11, 23, 8, 30, tzinfo=TZ)}


def test_chorus_status_exits_1_and_names_the_overdue_job(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    rows = [run_row("brief", "2026-11-20 08:30", "ok")]
    rows += [
        run_row(job, "2026-11-24 07:30", "ok")
        for job in ("check-cadence", "guide", "weekly-summary")
    ]
    rows += [
        run_row("brief", "2026-11-23 08:30", "failed", "failed: tab 'Rota' is missing"),
        run_row("brief", "2026-11-24 08:30", "failed", "failed: tab 'Rota' is missing"),
    ]
    XlsxStore(tmp_path / "workbook.xlsx").apply(
        Changes(appends=tuple(Append("Runs", r) for r in rows))
    )
    args = [CHORUS, "--config", str(config), "status", "--at", "2026-11-24T09:00"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    brief_line = next(line for line in result.stdout.splitlines() if line.startswith("brief "))
    assert "Tue 24 Nov 08:30" in brief_line and "failed" in brief_line and "OVERDUE" in brief_line
    assert "Wed 25 Nov 08:30" in brief_line
    assert "overdue: brief (working days at 08:30): last success 2026-11-20 08:30" in result.stdout
    as_json = subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=60)
    data = json.loads(as_json.stdout)
    assert "brief" in data["overdue"] and data["ok"] is False
