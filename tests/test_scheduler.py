"""`chorus schedule`: the schedule language, next_run across daylight saving, and the loop on a fake clock."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.schedule.loop import Scheduler
from automation.schedule.rules import (
    EVERY_DAY,
    FIRST_WORKING_DAY,
    ON_DAYS,
    WORKING_DAYS,
    next_run,
    parse_rule,
    previous_runs,
    timetable,
)
from automation.setup import init_workspace
from automation.store.xlsx import XlsxStore
from sheets_schema.errors import BackendError, ConfigError
from sheets_schema.settings import DEFAULT_SCHEDULE
from tests.conftest import make_settings

TZ = ZoneInfo("Europe/London")
WORKING = (0, 1, 2, 3, 4)
CHORUS = str(Path(sys.executable).parent / "chorus")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def every_rule() -> dict:
    return {job: parse_rule(text) for job, text in DEFAULT_SCHEDULE.items()}


class FakeClock:
    """A clock that moves only when the loop sleeps or a job works."""

    def __init__(self, start: datetime) -> None:
        self.now = start.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now.astimezone(TZ)

    def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def run_week(start: datetime, end: datetime, fail: dict | None = None) -> tuple[list, Scheduler]:
    """Run the default schedule on a fake clock; each job takes 3 seconds; returns (job, local start)."""
    clock = FakeClock(start)
    ran: list[tuple[str, datetime]] = []
    fail = fail or {}

    def run(job: str, now: datetime) -> None:
        clock.now += timedelta(seconds=3)
        ran.append((job, now))
        if job in fail:
            raise fail[job]

    scheduler = Scheduler(
        every_rule(), tz=TZ, working_days=WORKING, run=run, clock=clock, sleep=clock.sleep
    )
    scheduler.run_forever(until=end)
    return ran, scheduler


def times_of(ran: list, job: str) -> list[str]:
    return [f"{now:%a %d %b %H:%M %Z}" for name, now in ran if name == job]


# -- the language ----------------------------------------------------------------------
def test_every_default_schedule_entry_is_understood() -> None:
    rules = every_rule()
    assert rules["sync-forms"].every == 10
    assert rules["sync-forms"].window == (8 * 60 + 2, 18 * 60)
    assert rules["sync-forms"].days == WORKING_DAYS
    assert (
        rules["check-cadence"].days == EVERY_DAY
        and rules["check-cadence"].at.strftime("%H:%M") == "07:30"
    )
    assert rules["brief"].days == WORKING_DAYS and rules["brief"].at.strftime("%H:%M") == "08:30"
    assert rules["weekly-summary"].days == ON_DAYS and rules["weekly-summary"].weekdays == (0,)
    assert rules["policy-digest"].days == FIRST_WORKING_DAY


def test_schedule_words_people_write_are_understood() -> None:
    assert parse_rule("Mondays and Thursdays at 9:15").weekdays == (0, 3)
    assert parse_rule("every working day at 08:30").days == WORKING_DAYS
    assert parse_rule("every 2 hours 07:00-19:00").slots() == [
        7 * 60,
        9 * 60,
        11 * 60,
        13 * 60,
        15 * 60,
        17 * 60,
    ]
    assert parse_rule("every 30 minutes from 08:00 to 10:00 on fridays").slots() == [
        480,
        510,
        540,
        570,
    ]
    assert parse_rule("off") is None


def test_a_schedule_chorus_cannot_read_names_the_job_and_the_forms_allowed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, schedule={"brief": "weekdays around nine"})
    with pytest.raises(ConfigError) as caught:
        timetable(settings, ["brief"])
    message = str(caught.value)
    assert "schedule.brief" in message and "'weekdays around nine'" in message
    assert (
        '"working days at 08:30"' in message
        and '"first working day of the month at 10:00"' in message
    )


def test_an_interval_that_does_not_divide_the_hour_is_refused() -> None:
    with pytest.raises(ConfigError, match="every 7 minutes does not divide the hour.*10, 12, 15"):
        parse_rule("every 7 minutes", place="schedule.sync-forms")


def test_only_installed_jobs_are_scheduled_and_off_turns_one_off(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, schedule={"thanks": "off"})
    rules = timetable(settings, ["brief", "thanks", "check-cadence"])
    assert list(rules) == ["brief", "check-cadence"]


# -- next_run ----------------------------------------------------------------------------
def test_the_brief_stays_at_half_past_eight_local_across_the_autumn_change() -> None:
    brief = parse_rule("working days at 08:30")
    friday = next_run(brief, london(2026, 10, 23, 9, 0), TZ, WORKING)
    assert friday == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)  # Monday, now GMT
    before = next_run(brief, london(2026, 10, 22, 9, 0), TZ, WORKING)
    assert before == datetime(2026, 10, 23, 7, 30, tzinfo=UTC)  # Friday, still BST


def test_a_daily_time_lost_in_the_spring_change_runs_that_long_after_midnight() -> None:
    at_0130 = parse_rule("daily at 01:30")
    moment = next_run(at_0130, london(2026, 3, 29, 0, 0), TZ, WORKING)
    assert moment.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert f"{moment:%H:%M %Z}" == "02:30 BST"


def test_a_daily_time_that_happens_twice_in_autumn_runs_once() -> None:
    at_0130 = parse_rule("daily at 01:30")
    first = next_run(at_0130, london(2026, 10, 25, 0, 0), TZ, WORKING)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert next_run(at_0130, first, TZ, WORKING).astimezone(UTC) == datetime(
        2026, 10, 26, 1, 30, tzinfo=UTC
    )


def test_an_interval_follows_real_time_through_both_changes() -> None:
    half_hourly = parse_rule("every 30 minutes")
    moment, autumn = london(2026, 10, 25, 0, 40), []
    for _ in range(5):
        moment = next_run(half_hourly, moment, TZ, WORKING)
        autumn.append(moment.astimezone(UTC).strftime("%H:%M"))
    assert autumn == ["00:00", "00:30", "01:00", "01:30", "02:00"]  # 01:00-01:59 local twice
    moment, spring = london(2026, 3, 29, 0, 10), []
    for _ in range(3):
        moment = next_run(half_hourly, moment, TZ, WORKING)
        spring.append(f"{moment:%H:%M %Z}")
    assert spring == ["00:30 GMT", "02:00 BST", "02:30 BST"]


def test_the_policy_digest_waits_for_the_first_working_day_of_the_month() -> None:
    digest = parse_rule("first working day of the month at 10:00")
    assert next_run(digest, london(2026, 10, 24, 12, 0), TZ, WORKING) == london(
        2026, 11, 2, 10, 0
    )  # 1 Nov is a Sunday
    assert next_run(digest, london(2026, 11, 2, 10, 0), TZ, WORKING) == london(2026, 12, 1, 10, 0)
    assert next_run(digest, london(2026, 10, 24, 12, 0), TZ, (6, 0, 1, 2, 3)) == london(
        2026, 11, 1, 10, 0
    )


def test_previous_runs_count_scheduled_times_not_hours() -> None:
    brief = parse_rule("working days at 08:30")
    assert previous_runs(brief, london(2026, 11, 23, 9, 0), TZ, WORKING, 2) == [
        london(2026, 11, 23, 8, 30),
        london(2026, 11, 20, 8, 30),
    ]


# -- the loop on a fake clock ------------------------------------------------------------------
def test_a_week_across_the_autumn_change_runs_each_job_at_its_local_times() -> None:
    ran, _ = run_week(london(2026, 10, 23, 0, 0), london(2026, 11, 3, 0, 0))
    assert times_of(ran, "brief") == [
        "Fri 23 Oct 08:30 BST",
        "Mon 26 Oct 08:30 GMT",
        "Tue 27 Oct 08:30 GMT",
        "Wed 28 Oct 08:30 GMT",
        "Thu 29 Oct 08:30 GMT",
        "Fri 30 Oct 08:30 GMT",
        "Mon 02 Nov 08:30 GMT",
    ]
    cadence = times_of(ran, "check-cadence")
    assert (
        len(cadence) == 11
        and "Sun 25 Oct 07:30 GMT" in cadence
        and "Sat 24 Oct 07:30 BST" in cadence
    )
    assert times_of(ran, "weekly-summary") == ["Mon 26 Oct 08:00 GMT", "Mon 02 Nov 08:00 GMT"]
    assert times_of(ran, "policy-digest") == ["Mon 02 Nov 10:00 GMT"]
    syncs = times_of(ran, "sync-forms")
    assert len(syncs) == 7 * 60  # seven working days, 08:02 to 17:52
    assert syncs[0] == "Fri 23 Oct 08:02 BST" and syncs[59] == "Fri 23 Oct 17:52 BST"
    assert not any(s.startswith(("Sat", "Sun")) for s in syncs)
    # the intake jobs run a few minutes apart, never with the daily jobs
    monday_eight = [job for job, now in ran if f"{now:%d %H:%M}" == "26 08:00"]
    assert monday_eight == ["weekly-summary"]
    minutes = [f"{now:%d %H:%M}" for _, now in ran]
    assert len(minutes) == len(set(minutes))


def test_a_week_across_the_spring_change_runs_each_job_at_its_local_times() -> None:
    ran, _ = run_week(london(2026, 3, 27, 0, 0), london(2026, 4, 2, 0, 0))
    assert times_of(ran, "brief") == [
        "Fri 27 Mar 08:30 GMT",
        "Mon 30 Mar 08:30 BST",
        "Tue 31 Mar 08:30 BST",
        "Wed 01 Apr 08:30 BST",
    ]
    assert times_of(ran, "check-cadence")[:3] == [
        "Fri 27 Mar 07:30 GMT",
        "Sat 28 Mar 07:30 GMT",
        "Sun 29 Mar 07:30 BST",
    ]
    assert times_of(ran, "policy-digest") == ["Wed 01 Apr 10:00 BST"]


def test_a_failing_job_is_retried_at_its_next_time_and_never_stops_the_others() -> None:
    fail = {
        "sync-forms": BackendError("the spreadsheet is unreachable"),
        "brief": RuntimeError("a bug in the brief"),
    }
    ran, scheduler = run_week(london(2026, 11, 23, 0, 0), london(2026, 11, 25, 0, 0), fail)
    assert len(times_of(ran, "sync-forms")) == 2 * 60  # tried at every time, both days
    assert times_of(ran, "brief") == ["Mon 23 Nov 08:30 GMT", "Tue 24 Nov 08:30 GMT"]
    assert len(times_of(ran, "ingest-alerts")) == 2 * 60
    outcomes = {(job, outcome) for job, _, outcome in scheduler.history}
    assert ("sync-forms", "failed") in outcomes and ("brief", "failed") in outcomes
    assert ("thanks", "ok") in outcomes and ("thanks", "failed") not in outcomes


def test_a_long_job_skips_the_times_it_overlapped_instead_of_running_them_back_to_back() -> None:
    clock = FakeClock(london(2026, 11, 23, 8, 0))
    ran: list[datetime] = []

    def slow(job: str, now: datetime) -> None:
        ran.append(now)
        clock.now += timedelta(minutes=25)

    rules = {"sync-forms": parse_rule("every 10 minutes 08:00-18:00 on working days")}
    scheduler = Scheduler(
        rules, tz=TZ, working_days=WORKING, run=slow, clock=clock, sleep=clock.sleep
    )
    scheduler.run_forever(until=london(2026, 11, 23, 9, 0))
    assert [f"{t:%H:%M}" for t in ran] == ["08:00", "08:30", "09:00"]


def test_a_daily_job_missed_while_the_machine_was_off_runs_once_at_start_up_the_same_day() -> None:
    clock = FakeClock(london(2026, 11, 24, 10, 15))  # Tuesday; off since Monday night
    ran: list[str] = []
    scheduler = Scheduler(
        every_rule(),
        tz=TZ,
        working_days=WORKING,
        run=lambda job, now: ran.append(job),
        clock=clock,
        sleep=clock.sleep,
    )
    done = {
        "check-cadence": london(2026, 11, 24, 7, 30),  # ran this morning before the power cut
        "approval-requests": london(2026, 11, 24, 9, 0),
        "brief": london(2026, 11, 23, 8, 30),  # yesterday's
        "weekly-summary": london(2026, 11, 16, 8, 0),  # missed yesterday: not run a day late
    }
    assert scheduler.catch_up(done) == ["brief"]
    assert ran == ["brief"]


def test_nothing_is_caught_up_before_its_time_today() -> None:
    clock = FakeClock(london(2026, 11, 24, 8, 0))
    ran: list[str] = []
    scheduler = Scheduler(
        every_rule(),
        tz=TZ,
        working_days=WORKING,
        run=lambda job, now: ran.append(job),
        clock=clock,
        sleep=clock.sleep,
    )
    assert scheduler.catch_up({"check-cadence": london(2026, 11, 24, 7, 31)}) == []
    assert ran == []


def test_stop_lets_the_running_job_finish_and_ends_the_loop() -> None:
    clock = FakeClock(london(2026, 11, 23, 7, 59))
    ran: list[str] = []
    scheduler: Scheduler

    def run(job: str, now: datetime) -> None:
        ran.append(job)
        scheduler.stop()  # SIGTERM arrives while the first job runs

    scheduler = Scheduler(
        every_rule(), tz=TZ, working_days=WORKING, run=run, clock=clock, sleep=clock.sleep
    )
    scheduler.run_forever(until=london(2026, 11, 24, 0, 0))
    assert ran == ["weekly-summary"]  # Monday 08:00, the first job due


# -- the real command ----------------------------------------------------------------------------
def start_scheduler(config: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """`chorus schedule` in a subprocess; its log lines collect in the returned list."""
    process = subprocess.Popen(
        [CHORUS, "--config", str(config), "schedule"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []

    def collect() -> None:
        for line in process.stderr:
            lines.append(line)

    threading.Thread(target=collect, daemon=True).start()
    return process, lines


def wait_for(lines: list[str], text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = next((line for line in list(lines) if text in line), None)
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not logged; saw: {''.join(lines)}")


def test_sigterm_stops_the_scheduler_cleanly_and_a_second_one_refuses_to_start(
    tmp_path: Path,
) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    first, lines = start_scheduler(config)
    try:
        started = wait_for(lines, "scheduler started")
        assert str(tmp_path / "workbook.xlsx") in started and "Europe/London" in started
        second = subprocess.run(
            [CHORUS, "--config", str(config), "schedule"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "another `chorus schedule` is already running" in second.stderr
        assert "Traceback" not in second.stderr
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        wait_for(lines, "scheduler stopped", seconds=5)
        # a job that had started when SIGTERM came (a start-up catch-up) finished and was recorded
        recorded = set(XlsxStore(tmp_path / "workbook.xlsx").read(["Runs"])["Runs"]["job"])
        assert set(re.findall(r"(\S+): starting", "".join(lines))) <= recorded
    finally:
        if first.poll() is None:
            first.kill()
