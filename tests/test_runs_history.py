"""A year of Runs rolled into a line per job per day: the tab stays readable, `chorus status` stays right."""

from __future__ import annotations

import os
import re
import signal
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import jobs.archive
from automation import crash
from automation.runner import run_job
from automation.runs_history import MARKER, last_rollup
from automation.schedule.rules import parse_rule, previous_runs
from automation.schedule.status import JobStatus, job_status, last_successes
from automation.share_key import state_folder
from automation.store.memory import MemoryStore
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs.base import Job, Plan, Report
from jobs.runs_rollup import ROLLED, read_rolled, roll_up
from sheets_schema.errors import ConfigError
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import format_datetime
from tests.conftest import TZ, make_settings
from tests.google_store_factory import google_store

NOW = datetime(2027, 3, 1, 10, 30, tzinfo=TZ)  # a Monday, the month's first working day
FAILURE = "failed: the spreadsheet is unreachable"
#: the jobs of the synthetic year, with the default schedule's times
JOBS = ("sync-forms", "check-cadence", "brief", "thanks", "weekly-summary", "policy-digest")


def run(job: str, when: datetime, outcome: str, summary: str = "") -> dict[str, Any]:
    return {
        "run_id": f"{job}-{when:%Y%m%dT%H%M}",
        "job": job,
        "started": format_datetime(when, TZ),
        "finished": format_datetime(when + timedelta(seconds=40), TZ),
        "outcome": outcome,
        "summary": summary or (FAILURE if outcome == "failed" else "nothing to do"),
        "api_calls": 3,
    }


def a_year_of_runs(settings: Settings) -> list[dict[str, Any]]:
    """The default schedule's runs for a year before NOW, with the odd failure and problem.

    The brief failed on the last day it ran (Friday 5 February, then it was
    switched off); thanks has failed every day for a month, so its last success is older
    than the window.
    """
    rows = []
    for job in JOBS:
        rule = parse_rule(settings.schedule[job], place=job)
        times = previous_runs(rule, NOW, TZ, settings.organisation.working_days, 100_000)
        times = sorted(t for t in times if t > NOW - timedelta(days=365))
        for number, when in enumerate(times):
            outcome = "failed" if number % 37 == 5 else "problems" if number % 11 == 3 else "ok"
            if job == "brief" and when.date() > date(2027, 2, 5):
                continue
            if job == "brief" and when.date() == date(2027, 2, 5):
                outcome = "failed"
            if job == "thanks" and when > NOW - timedelta(days=30):
                outcome = "failed"
            rows.append(run(job, when, outcome))
    return rows


def statuses(runs: pd.DataFrame, settings: Settings, now: datetime = NOW) -> dict[str, JobStatus]:
    return {s.job: s for s in job_status(runs, settings, now, list(JOBS)).jobs}


def rolled(store: MemoryStore, settings: Settings, now: datetime = NOW) -> pd.DataFrame:
    """One roll-up applied to the store; returns the Runs tab after it."""
    store.apply(roll_up(store.read(["Runs"])["Runs"], now, TZ, settings.history.runs_days).changes)
    return store.read(["Runs"])["Runs"]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[pd.DataFrame]]:
    """A year of Runs, then after each of four roll-ups."""
    settings = make_settings(tmp_path_factory.mktemp("year"))
    store = MemoryStore()
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("Runs", r) for r in a_year_of_runs(settings))))
    frames = [store.read(["Runs"])["Runs"]]
    for _ in range(4):
        frames.append(rolled(store, settings))
    return settings, frames


def test_a_year_of_six_scheduled_jobs_is_over_fifteen_thousand_runs(year: Any) -> None:
    _settings, (before, *_rest) = year
    assert 15_000 < len(before) < 20_000


def test_chorus_status_says_the_same_before_and_after_each_roll_up(year: Any) -> None:
    settings, frames = year
    before = statuses(frames[0], settings)
    for after in frames[1:]:
        assert statuses(after, settings) == before
        assert last_successes(after, TZ) == last_successes(frames[0], TZ)


def test_a_job_that_failed_on_its_last_day_is_still_failed_with_its_message(year: Any) -> None:
    settings, frames = year
    brief = statuses(frames[-1], settings)["brief"]
    assert brief.last_outcome == "failed" and brief.last_summary == FAILURE
    assert brief.last_started == datetime(2027, 2, 5, 8, 30, tzinfo=TZ)
    assert brief.overdue and f"last run failed: {FAILURE}" in brief.why
    brief_lines = frames[-1][frames[-1]["job"] == "brief"]
    assert set(brief_lines["outcome"]) == {ROLLED}  # every day of it older than the window


def test_a_last_success_older_than_the_window_is_still_known(year: Any) -> None:
    settings, frames = year
    thanks = statuses(frames[-1], settings)["thanks"]
    assert thanks.last_success == datetime(2027, 1, 29, 16, 0, tzinfo=TZ)
    assert thanks.overdue and thanks.why.startswith("last success 2027-01-29 16:00")


def test_the_runs_tab_keeps_a_week_of_runs_a_line_per_day_then_a_line_per_month(
    year: Any,
) -> None:
    settings, frames = year
    assert settings.history.runs_days == 7  # the default
    after = frames[-1]
    started = pd.to_datetime(after["started"])
    recent = after[started >= pd.Timestamp("2027-02-22")]
    assert set(recent["outcome"]) <= {"ok", "problems", "failed"}
    february = after[(started < pd.Timestamp("2027-02-22")) & (started >= pd.Timestamp("2027-02"))]
    assert set(february["outcome"]) == {ROLLED}
    days = list(zip(february["job"], february["started"].str[:10], strict=True))
    assert len(days) == len(set(days))
    older = after[started < pd.Timestamp("2027-02")]
    assert set(older["outcome"]) == {ROLLED}
    months = list(zip(older["job"], older["started"].str[:7], strict=True))
    assert len(months) == len(set(months)) <= 13 * len(JOBS)
    assert len(after) < len(frames[0]) / 10


def test_the_first_roll_up_adds_lines_and_the_second_removes_what_they_stand_for(
    year: Any,
) -> None:
    _settings, (before, first, second, third, fourth) = year
    lines = (first["outcome"] == ROLLED).sum()
    assert len(first) == len(before) + lines  # nothing deleted until the lines are read back
    months = second["run_id"].str.fullmatch(r".+-\d{6}-rolled-up").sum()
    assert (second["outcome"] == ROLLED).sum() == lines + months  # and the months' lines added
    old_days = second["run_id"].str.fullmatch(r".+-\d{8}-rolled-up") & (
        second["started"] < "2027-02"
    )
    assert len(third) == len(second) - old_days.sum()  # the month lines read back: days go
    assert fourth.equals(third)  # nothing left to do


def test_a_day_with_a_failure_keeps_it_visible_in_its_line(year: Any) -> None:
    _settings, frames = year
    lines = frames[-1][frames[-1]["outcome"] == ROLLED]
    failed = lines[lines["summary"].str.contains("failed")]
    assert len(failed) > 20
    months = failed["run_id"].str.fullmatch(r".+-\d{6}-rolled-up")
    line = failed[(failed["job"] == "sync-forms") & months].iloc[0]  # March 2026
    assert re.fullmatch(
        rf"\d+ runs 2026-03-\d\d 08:02-17:52: \d+ failed, \d+ ok, \d+ problems; last run ok; "
        rf"last success 17:52; last failure (2026-03-\d\d )?\d\d:\d\d: {FAILURE}",
        line["summary"],
    )


def test_a_line_says_how_many_runs_of_each_outcome_the_day_had() -> None:
    rows = [
        run("sync-forms", datetime(2027, 1, 4, 8, 2, tzinfo=TZ), "ok"),
        run("sync-forms", datetime(2027, 1, 4, 9, 2, tzinfo=TZ), "failed"),
        run("sync-forms", datetime(2027, 1, 4, 10, 2, tzinfo=TZ), "problems"),
        run("sync-forms", datetime(2027, 1, 4, 11, 2, tzinfo=TZ), "ok"),
    ]
    frame = pd.DataFrame([{k: str(v) for k, v in r.items()} for r in rows])
    (line,) = roll_up(frame, NOW, TZ, 14).changes.appends
    assert line.row["summary"] == (
        "4 runs 08:02-11:02: 1 failed, 2 ok, 1 problems; last run ok; last success 11:02; "
        f"last failure 09:02: {FAILURE}"
    )
    assert line.row["started"] == "2027-01-04 11:02" and line.row["api_calls"] == 12
    day = read_rolled(line.row["summary"], datetime(2027, 1, 4, 11, 2, tzinfo=TZ))
    assert day is not None and day.runs == 4 and day.first.hour == 8


def test_a_run_recorded_for_a_day_already_rolled_up_is_counted_into_its_line(
    tmp_path: Path,
) -> None:
    day = datetime(2027, 1, 4, 8, 2, tzinfo=TZ)
    store = MemoryStore()
    store.ensure_tabs()
    store.apply(Changes(appends=(Append("Runs", run("brief", day, "ok")),)))
    settings = make_settings(tmp_path)
    rolled(store, settings)
    rolled(store, settings)
    store.apply(Changes(appends=(Append("Runs", run("brief", day.replace(hour=9), "failed")),)))
    after = rolled(store, settings)
    assert after[after["outcome"] == ROLLED]["summary"].tolist() == [
        "2 runs 08:02-09:02: 1 failed, 1 ok; last run failed; last success 08:02; "
        f"last failure 09:02: {FAILURE}"
    ]
    assert after["started"].tolist() == ["2027-01-04 09:02", "2027-01-04 09:02"]
    assert rolled(store, settings)["outcome"].tolist() == [ROLLED]


def test_runs_days_zero_keeps_every_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, history={"runs_days": 0})
    frame = pd.DataFrame([run("brief", NOW - timedelta(days=300), "ok")])
    assert not roll_up(frame, NOW, TZ, settings.history.runs_days).changes


def test_a_negative_runs_days_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        make_settings(tmp_path, history={"runs_days": -3})
    assert "history.runs_days" in str(caught.value)


def test_the_monthly_archive_reads_no_runs_so_rolling_them_loses_nothing_it_keeps() -> None:
    assert "Runs" not in jobs.archive.TABS


# -- through the runner, on the workbook and on Google --------------------------------------


def quiet_job() -> Job:
    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        return Plan(changes=Changes(), report=Report())

    return Job("quiet", "a run that changes nothing", ("Queue",), plan)


#: the window the roll-up tests below count with (the default is 7 days)
TWO_WEEKS = {"runs_days": 14}


def a_month_of_runs() -> list[dict[str, Any]]:
    """Check-cadence six times a day for thirty days; the oldest three days failed at noon too."""
    days = [NOW.replace(hour=7, minute=30) - timedelta(days=d) for d in range(1, 31)]
    rows = [
        run("check-cadence", day + timedelta(hours=2 * h), "ok") for day in days for h in range(6)
    ]
    rows += [run("check-cadence", day.replace(hour=12), "failed") for day in days[-3:]]
    return rows


def _stores(tmp_path: Path) -> dict[str, Any]:
    xlsx = XlsxStore(tmp_path / "workbook.xlsx")
    xlsx.ensure_tabs()
    return {"workbook": xlsx, "google": google_store(tmp_path)}


@pytest.mark.parametrize("backend", ["workbook", "google"])
def test_the_runner_rolls_up_once_a_day_inside_its_one_write(tmp_path: Path, backend: str) -> None:
    store = _stores(tmp_path)[backend]
    store.apply(Changes(appends=tuple(Append("Runs", r) for r in a_month_of_runs())))
    settings = make_settings(tmp_path, history=TWO_WEEKS)
    workspace = Workspace(settings, store, google=getattr(store, "services", None))
    before = statuses(store.read(["Runs"])["Runs"], settings)

    first = run_job(workspace, "quiet", NOW, job=quiet_job())
    assert any("99 older run(s) rolled" in line for line in first.lines)
    assert last_rollup(settings) == NOW.date()
    second = run_job(workspace, "quiet", NOW + timedelta(hours=1), job=quiet_job())
    assert not any(line.startswith("runs:") for line in second.lines)  # once a day
    third = run_job(workspace, "quiet", NOW + timedelta(days=1), job=quiet_job())
    assert any("99 rolled earlier removed" in line for line in third.lines)

    runs = store.read(["Runs"])["Runs"]
    # the day lines of 30 January to 15 February (the day that left the window too), and
    # January's month line: its day lines go at the next roll-up
    assert (runs["outcome"] == ROLLED).sum() == 17 + 1
    # the window's 13 days and the day that just left it (its rows go at the next roll-up),
    # the lines, the quiet job's own runs
    assert len(runs) == 14 * 6 + 18 + 3
    assert statuses(runs, settings)["check-cadence"] == before["check-cadence"]


# -- killed in the roll-up's write, then run again ----------------------------------------


def _killed_run(settings: Settings, point: str) -> None:
    """In a forked child: run a job with the roll-up due and die at `point`."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.environ[crash.ENV] = point
        try:
            store = XlsxStore(settings.base_dir / "workbook.xlsx")
            run_job(Workspace(settings, store), "quiet", NOW, job=quiet_job())
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


@pytest.mark.parametrize("point", ["xlsx.temp_saved", "run.write"])
def test_a_run_killed_in_its_roll_up_write_is_repaired_by_the_next(
    tmp_path: Path, point: str
) -> None:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("Runs", r) for r in a_month_of_runs())))
    settings = make_settings(tmp_path, history=TWO_WEEKS)
    before = statuses(store.read(["Runs"])["Runs"], settings)
    _killed_run(settings, point)
    run_job(Workspace(settings, store), "quiet", NOW, job=quiet_job())
    for days in (1, 2):
        later = NOW + timedelta(days=days)
        run_job(Workspace(settings, store), "quiet", later, job=quiet_job())
    runs = store.read(["Runs"])["Runs"]
    lines = runs[runs["outcome"] == ROLLED]
    # 1-16 February a line each, and January's line
    assert len(lines) == 17 and not lines.duplicated("run_id").any()
    assert lines["summary"].str.match(r"^(6|7|14) runs ").all()
    assert statuses(runs, settings)["check-cadence"] == before["check-cadence"]
    assert (state_folder(settings) / MARKER).exists()
