"""`chorus cron`: the schedule as crontab lines and systemd timers, for the system's own scheduler.

Both are rendered from the same Rules as the loop, so they fire at the same
local times (tests/test_cron.py checks them against `rules.next_run`).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from automation.schedule.rules import DELIVER, FIRST_WORKING_DAY, ON_DAYS, WORKING_DAYS, Rule

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hour_groups(rule: Rule) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(hours, minutes) pairs that together give exactly the rule's slots."""
    by_hour: dict[int, list[int]] = {}
    for slot in rule.slots():
        by_hour.setdefault(slot // 60, []).append(slot % 60)
    groups: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in by_hour.items():
        groups.setdefault(tuple(minutes), []).append(hour)
    return sorted(((tuple(h), m) for m, h in groups.items()), key=lambda g: g[0][0])


def _ranges(values: tuple[int, ...] | list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in sorted(values):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _progression(values: list[int], at_least: int = 3) -> int:
    """The common step of `at_least`+ evenly spaced values, else 0."""
    if len(values) < max(2, at_least):
        return 0
    step = values[1] - values[0]
    return step if all(b - a == step for a, b in zip(values, values[1:], strict=False)) else 0


def _cron_list(values: tuple[int, ...] | list[int], *, full: int = 0) -> str:
    """A cron field: * for every value up to `full`, */10, 5-55/10, 1-5 or 1,3."""
    values = sorted(values)
    step = _progression(values)
    if full and values == list(range(full)):
        return "*"
    every = _progression(values, at_least=2)
    if full and every > 1 and values == list(range(0, full, every)):
        return f"*/{every}"
    if step > 1:
        return f"{values[0]}-{values[-1]}/{step}"
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in _ranges(values))


def _days_of(rule: Rule, working_days: tuple[int, ...]) -> tuple[int, ...]:
    if rule.days == WORKING_DAYS:
        return tuple(working_days)
    if rule.days == ON_DAYS:
        return rule.weekdays
    return tuple(range(7))


def _first_working_day_latest(working_days: tuple[int, ...]) -> int:
    """The latest day of the month the first working day can fall on (3 for Mon-Fri)."""
    latest = 1
    for start in range(7):
        offset = next((d for d in range(7) if (start + d) % 7 in working_days), 0)
        latest = max(latest, offset + 1)
    return latest


def cron_schedule(rule: Rule, working_days: tuple[int, ...]) -> list[str]:
    """The rule as the five time fields of crontab lines (several for windows that start mid-hour).

    "first working day of the month" cannot be said in cron: it becomes the
    days on which it can fall, and the command is guarded by `chorus cron --due-today`.
    """
    days = _days_of(rule, working_days)
    dow = "*" if len(days) == 7 else _cron_list([(d + 1) % 7 for d in days])
    if rule.once_a_day:
        dom = (
            f"1-{_first_working_day_latest(working_days)}"
            if rule.days == FIRST_WORKING_DAY
            else "*"
        )
        return [f"{rule.at.minute} {rule.at.hour} {dom} * {dow}"]
    return [
        f"{_cron_list(minutes, full=60)} {_cron_list(hours, full=24)} * * {dow}"
        for hours, minutes in _hour_groups(rule)
    ]


def _quote(value: str | Path) -> str:
    return shlex.quote(str(value))


def _command(job: str) -> str:
    """The chorus command for a schedule entry: `run JOB`, or `deliver` for the deliver step."""
    return DELIVER if job == DELIVER else f"run {job}"


def crontab(settings: Settings, rules: Mapping[str, Rule], chorus: str | Path) -> str:
    """A crontab for every scheduled job, in the organisation's timezone (CRON_TZ)."""
    base = f"{_quote(chorus)} --config {_quote(settings.path)}"
    lines = [
        f"# Chorus jobs for {settings.organisation.name}, from {settings.path}",
        "# Printed by `chorus cron`; install with `chorus cron | crontab -` (replaces your crontab)",
        "# or paste into `crontab -e`. Use either cron or `chorus schedule`, not both.",
        f"# Times are {settings.organisation.timezone}: CRON_TZ below is honoured by cronie",
        "# (Fedora, RHEL, Arch); Debian and Ubuntu's cron ignores it, so there set the machine's",
        f"# timezone to {settings.organisation.timezone} or use `chorus cron --systemd`.",
        f"CRON_TZ={settings.organisation.timezone}",
    ]
    for job, rule in rules.items():
        lines.append(f"# {job}: {rule.text}")
        command = f"{base} {_command(job)}"
        if rule.days == FIRST_WORKING_DAY:
            command = f"{base} cron --due-today {job} && {command}"
        for fields in cron_schedule(rule, settings.organisation.working_days):
            # cron turns an unescaped % into a newline
            lines.append(f"{fields} {command.replace('%', chr(92) + '%')}")
    return "\n".join(lines) + "\n"


def on_calendar(rule: Rule, working_days: tuple[int, ...], timezone: str) -> list[str]:
    """The rule as systemd OnCalendar= values, with the timezone (systemd 235 or later)."""
    days = _days_of(rule, working_days)
    weekday = (
        ""
        if len(days) == 7
        else ",".join(
            SHORT_DAYS[a] if a == b else f"{SHORT_DAYS[a]}..{SHORT_DAYS[b]}"
            for a, b in _ranges(days)
        )
        + " "
    )
    if rule.once_a_day:
        date_part = (
            f"*-*-01..{_first_working_day_latest(working_days):02d}"
            if rule.days == FIRST_WORKING_DAY
            else "*-*-*"
        )
        return [
            f"{weekday if rule.days != FIRST_WORKING_DAY else ''}{date_part} {rule.at:%H:%M}:00 {timezone}"
        ]
    values = []
    for hours, minutes in _hour_groups(rule):
        hour_text = ",".join(
            f"{a:02d}" if a == b else f"{a:02d}..{b:02d}" for a, b in _ranges(hours)
        )
        step = _progression(list(minutes), at_least=2)
        if list(minutes) == list(range(60)):
            minute_text = "*"
        elif step > 1 and minutes[-1] + step >= 60:  # every step from the first to the hour's end
            minute_text = f"{minutes[0]:02d}/{step}"
        else:
            minute_text = ",".join(f"{m:02d}" for m in minutes)
        values.append(f"{weekday}*-*-* {hour_text}:{minute_text}:00 {timezone}")
    return values


def systemd_units(
    settings: Settings, rules: Mapping[str, Rule], chorus: str | Path
) -> dict[str, str]:
    """A service and a timer per job, by file name, for people who prefer systemd timers."""
    base = f"{_quote(chorus)} --config {_quote(settings.path)}"
    units: dict[str, str] = {}
    org = settings.organisation
    for job, rule in rules.items():
        condition = ""
        if rule.days == FIRST_WORKING_DAY:
            # OnCalendar cannot say "first working day": the timer fires on the days it
            # can fall on, and this check (exit 1 = skip, not a failure) picks the right one.
            condition = f"ExecCondition={base} cron --due-today {job}\n"
        units[f"chorus-{job}.service"] = (
            f"[Unit]\n"
            f"Description=Chorus: {job} for {org.name}\n"
            f"Wants=network-online.target\n"
            f"After=network-online.target\n\n"
            f"[Service]\n"
            f"Type=oneshot\n"
            f"WorkingDirectory={settings.base_dir}\n"
            f"{condition}"
            f"ExecStart={base} {_command(job)}\n"
            f"# exit 1 means the job ran and found problems (listed in the log and Runs)\n"
            f"SuccessExitStatus=1\n"
        )
        calendars = "".join(
            f"OnCalendar={value}\n" for value in on_calendar(rule, org.working_days, org.timezone)
        )
        units[f"chorus-{job}.timer"] = (
            f"[Unit]\n"
            f"Description=Chorus: {job} {rule.text} ({org.timezone})\n\n"
            f"[Timer]\n"
            f"{calendars}"
            f"Persistent=true\n"
            f"Unit=chorus-{job}.service\n\n"
            f"[Install]\n"
            f"WantedBy=timers.target\n"
        )
    return units
