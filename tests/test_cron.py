"""`chorus cron`: crontab lines and systemd timers that say exactly what `chorus schedule` does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.schedule.cron import cron_schedule, crontab, on_calendar, systemd_units
from automation.schedule.rules import FIRST_WORKING_DAY, next_run, parse_rule, runs_on
from automation.setup import init_workspace
from sheets_schema.settings import DEFAULT_SCHEDULE
from tests.conftest import make_settings

TZ = ZoneInfo("Europe/London")
WORKING = (0, 1, 2, 3, 4)
CHORUS = str(Path(sys.executable).parent / "chorus")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
EXTRA_RULES = (
    "every 30 minutes 08:30-17:15 on mondays and fridays",
    "every 2 hours 07:00-19:00",
    "every 10 minutes 08:05-09:30",
    "every 15 minutes",
    "every hour",
    "tuesday and thursday at 12:45",
)
FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def cron_field(text: str, low: int, high: int) -> set[int]:
    """The values one crontab field selects; AssertionError when it is not valid cron."""
    values: set[int] = set()
    for part in text.split(","):
        body, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        assert step >= 1, part
        if body == "*":
            first, last = low, high
        elif re.fullmatch(r"\d+-\d+", body):
            first, last = map(int, body.split("-"))
        else:
            assert re.fullmatch(r"\d+", body) and not slash, f"{part!r} is not a cron field"
            first = last = int(body)
        assert low <= first <= last <= high, f"{part!r} is outside {low}-{high}"
        values |= set(range(first, last + 1, step))
    return values


def parse_cron_line(line: str) -> tuple[list[set[int]], str, list[str]]:
    """The five fields' values, the command, and the raw fields of one crontab line."""
    fields = line.split(None, 5)
    assert len(fields) == 6, f"{line!r} has no command"
    values = [cron_field(f, lo, hi) for f, (lo, hi) in zip(fields[:5], FIELD_RANGES, strict=True)]
    values[4] = {d % 7 for d in values[4]}  # 7 is Sunday too
    return values, fields[5], fields[:5]


def cron_fires_on(line: str, day: date) -> set[str]:
    """The wall-clock times a crontab line fires on one day (cron's day-of-month OR day-of-week rule)."""
    (minutes, hours, doms, months, dows), _, raw = parse_cron_line(line)
    dom_ok, dow_ok = day.day in doms, (day.weekday() + 1) % 7 in dows
    if raw[2] != "*" and raw[4] != "*":
        on_day = dom_ok or dow_ok
    else:
        on_day = dom_ok and dow_ok
    if not on_day or day.month not in months:
        return set()
    return {f"{h:02d}:{m:02d}" for h in hours for m in minutes}


def rule_fires_on(text: str, day: date) -> set[str]:
    rule = parse_rule(text)
    if not runs_on(rule, day, WORKING):
        return set()
    return {f"{slot // 60:02d}:{slot % 60:02d}" for slot in rule.slots()}


@pytest.mark.parametrize("text", [*dict.fromkeys(DEFAULT_SCHEDULE.values()), *EXTRA_RULES])
def test_cron_lines_fire_at_the_same_local_times_as_the_scheduler(text: str) -> None:
    rule = parse_rule(text)
    lines = [f"{fields} true" for fields in cron_schedule(rule, WORKING)]
    day = date(2026, 10, 1)
    while day < date(2027, 1, 1):
        fired: set[str] = set()
        for line in lines:
            fired |= cron_fires_on(line, day)
        if rule.days == FIRST_WORKING_DAY and fired:
            # the line covers the days the first working day can fall on; `cron --due-today` picks it
            assert 1 <= day.day <= 3
            fired = fired if runs_on(rule, day, WORKING) else set()
        assert fired == rule_fires_on(text, day), f"{text} on {day}"
        day += timedelta(days=1)


def test_the_crontab_sets_the_timezone_and_calls_chorus_with_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rules = {job: parse_rule(text) for job, text in DEFAULT_SCHEDULE.items()}
    text = crontab(settings, rules, "/opt/chorus/bin/chorus")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "CRON_TZ=Europe/London"
    assert (
        f"2-52/10 8-17 * * 1-5 /opt/chorus/bin/chorus --config {settings.path} run sync-forms"
        in lines
    )
    assert f"30 8 * * 1-5 /opt/chorus/bin/chorus --config {settings.path} run brief" in lines
    digest = next(line for line in lines if line.endswith("run policy-digest"))
    assert digest.startswith("0 10 1-3 * * ") and "cron --due-today policy-digest && " in digest
    for line in lines[1:]:
        parse_cron_line(line)
    assert len(lines) == 1 + len(DEFAULT_SCHEDULE)


def test_chorus_cron_prints_a_line_for_every_installed_job_and_the_deliver_step(
    tmp_path: Path,
) -> None:
    import jobs

    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    result = subprocess.run(
        [CHORUS, "--config", str(config), "cron"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "CRON_TZ=Europe/London"
    commands = [parse_cron_line(line)[1] for line in lines[1:]]
    assert sorted(c.rsplit(" ", 1)[-1] for c in commands) == sorted([*jobs.available(), "deliver"])
    assert all(c.startswith(f"{CHORUS} --config {config.resolve()} ") for c in commands)
    # The deliver step is its own command, hourly at :15 on working days.
    assert f"15 8-17 * * 1-5 {CHORUS} --config {config.resolve()} deliver" in lines


def test_due_today_tells_cron_whether_the_policy_digest_runs_today(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))

    def due(at: str) -> int:
        args = [CHORUS, "--config", str(config), "cron", "--due-today", "policy-digest", "--at", at]
        return subprocess.run(args, capture_output=True, text=True, timeout=60).returncode

    assert due("2026-11-01T10:00") == 1  # Sunday
    assert due("2026-11-02T10:00") == 0  # Monday: the first working day
    assert due("2026-11-03T10:00") == 1


def systemd_times(expression: str, base: datetime, count: int) -> list[datetime]:
    args = [
        SYSTEMD_ANALYZE,
        "calendar",
        f"--iterations={count}",
        f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC",
        expression,
    ]
    output = subprocess.run(
        args, capture_output=True, text=True, timeout=30, env={**os.environ, "TZ": "UTC"}
    )
    assert output.returncode == 0, output.stderr
    found = re.findall(
        r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", output.stdout
    )
    return [datetime.strptime(t, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for t in found]


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize(
    "job", [j for j, rule in DEFAULT_SCHEDULE.items() if "first working day" not in rule]
)
def test_systemd_calendars_fire_when_the_scheduler_does_across_the_autumn_change(job: str) -> None:
    rule = parse_rule(DEFAULT_SCHEDULE[job])
    base = datetime(2026, 10, 23, 17, 0, tzinfo=UTC)
    [expression] = on_calendar(rule, WORKING, "Europe/London")
    expected, moment = [], base
    for _ in range(12):
        moment = next_run(rule, moment, TZ, WORKING)
        expected.append(moment.astimezone(UTC))
    assert systemd_times(expression, base, 12) == expected


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    out = tmp_path / "units"
    result = subprocess.run(
        [CHORUS, "--config", str(config), "cron", "--systemd", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    settings = make_settings(tmp_path)
    rules = {job: parse_rule(text) for job, text in DEFAULT_SCHEDULE.items()}
    for name, text in systemd_units(settings, rules, CHORUS).items():  # every job, installed or not
        (out / name).write_text(text)
    files = sorted(str(p) for p in out.iterdir())
    assert len(files) == 2 * len(DEFAULT_SCHEDULE)
    check = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *files], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert (
        "OnCalendar=Mon..Fri *-*-* 08:30:00 Europe/London"
        in (out / "chorus-brief.timer").read_text()
    )
    digest = (out / "chorus-policy-digest.service").read_text()
    assert (
        f"ExecCondition={CHORUS} --config {settings.path} cron --due-today policy-digest" in digest
    )


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_the_example_units_in_deploy_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    deploy = Path(__file__).resolve().parent.parent / "deploy" / "systemd"
    files = []
    for unit in sorted(deploy.iterdir()):
        text = unit.read_text().replace("/srv/chorus/.venv/bin/chorus", CHORUS)
        (tmp_path / unit.name).write_text(text)
        files.append(str(tmp_path / unit.name))
    assert len(files) == 3
    check = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *files], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
