"""The schedule language and when a rule fires: pure rules with no clock and no I/O.

settings.schedule says when each job runs in a small language ("every 10
minutes 08:00-18:00 on working days", "working days at 08:30", "first working
day of the month at 10:00", "off"). `parse_rule` turns one entry into a Rule;
`next_run` is the single function that says when a Rule fires next, as an
aware datetime in the organisation's timezone. The loop, the crontab lines,
the systemd timers and `chorus status` are all built from those two, so they
agree. Daylight saving is handled by computing every instant from the
wall-clock rule (see `instants_on`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sheets_schema.errors import ConfigError

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: the forms a schedule entry may take, shown in every error
ALLOWED_FORMS = (
    '"every 10 minutes 08:00-18:00 on working days"',
    '"every hour"',
    '"daily at 07:30"',
    '"working days at 08:30"',
    '"monday at 08:00" (or "monday and thursday at 08:00")',
    '"first working day of the month at 10:00"',
    '"off"',
)

#: intervals that repeat identically every hour or every day, so cron and systemd can say them too
ALLOWED_MINUTES = tuple(n for n in range(1, 61) if 60 % n == 0)
ALLOWED_HOURS = tuple(n for n in range(1, 25) if 24 % n == 0)

EVERY_DAY = "every day"
WORKING_DAYS = "working days"
ON_DAYS = "on days"
FIRST_WORKING_DAY = "first working day of the month"

#: the schedule entry that is not a job: it sends the mail that waits (`chorus deliver`)
DELIVER = "deliver"


@dataclass(frozen=True)
class Rule:
    """One job's schedule: once a day at `at`, or every `every` minutes inside `window`.

    `days` is EVERY_DAY, WORKING_DAYS, ON_DAYS (then `weekdays` lists them,
    Monday = 0) or FIRST_WORKING_DAY. A window is [start, end) in local wall
    time, minutes since midnight; the interval counts from its start, so
    "every 2 hours 07:00-12:00" runs at 07:00, 09:00 and 11:00.
    """

    text: str
    days: str = EVERY_DAY
    weekdays: tuple[int, ...] = ()
    at: time = time(0, 0)
    every: int = 0
    window: tuple[int, int] = (0, 24 * 60)

    @property
    def once_a_day(self) -> bool:
        """Whether the rule fires once a day at `at` rather than every `every` minutes."""
        return self.every == 0

    def slots(self) -> list[int]:
        """The local minutes of the day at which the rule fires, on a day it runs."""
        if self.once_a_day:
            return [self.at.hour * 60 + self.at.minute]
        start, end = self.window
        return list(range(start, end, self.every))


# -- the language ---------------------------------------------------------------
_CLOCK = r"(\d{1,2})[:.](\d{2})"
_DAY_WORD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_DAY_LIST = rf"(?:{_DAY_WORD})(?:\s*(?:,|and|&)\s*(?:{_DAY_WORD}))*"
_INTERVAL = re.compile(
    rf"every\s+(?:(\d+)\s+)?(minute|minutes|min|mins|hour|hours)"
    rf"(?:\s+(?:from\s+|between\s+)?{_CLOCK}\s*(?:-|to|and|until)\s*{_CLOCK})?"
    rf"(?:\s+(every day|daily|on working days|on every working day|on ({_DAY_LIST})))?"
)
_DAILY = re.compile(rf"(?:every day|daily|each day)\s+at\s+{_CLOCK}")
_WORKING = re.compile(rf"(?:(?:on|every)\s+)?working\s+days?\s+at\s+{_CLOCK}")
_WEEKLY = re.compile(rf"(?:(?:on|every)\s+)?({_DAY_LIST})\s+at\s+{_CLOCK}")
_MONTHLY = re.compile(
    rf"(?:on\s+)?(?:the\s+)?first\s+working\s+day\s+of\s+(?:the|each|every)\s+month\s+at\s+{_CLOCK}"
)


def parse_rule(text: str, place: str = "schedule") -> Rule | None:
    """One schedule entry as a Rule (None for "off"); a ConfigError names `place` and the forms allowed."""
    words = " ".join(str(text).replace("\u2013", "-").replace("\u2014", "-").lower().split())
    fix = "write one of: " + ", ".join(ALLOWED_FORMS)
    if words in ("off", "never", "disabled", "none"):
        return None
    if m := _INTERVAL.fullmatch(words):
        return _interval_rule(m, text, place, fix)
    if m := _DAILY.fullmatch(words):
        return Rule(text=text, at=_clock(m[1], m[2], text, place, fix))
    if m := _WORKING.fullmatch(words):
        return Rule(text=text, days=WORKING_DAYS, at=_clock(m[1], m[2], text, place, fix))
    if m := _MONTHLY.fullmatch(words):
        return Rule(text=text, days=FIRST_WORKING_DAY, at=_clock(m[1], m[2], text, place, fix))
    if m := _WEEKLY.fullmatch(words):
        return Rule(
            text=text,
            days=ON_DAYS,
            weekdays=_day_list(m[1]),
            at=_clock(m[2], m[3], text, place, fix),
        )
    raise ConfigError(f"{text!r} is not a schedule Chorus understands", place=place, fix=fix)


def _interval_rule(m: re.Match[str], text: str, place: str, fix: str) -> Rule:
    """An "every N minutes/hours [window] [days]" entry, checked so cron and systemd can say it too."""
    count = int(m[1]) if m[1] else 1
    every = count * 60 if m[2].startswith("hour") else count
    allowed = ALLOWED_HOURS if m[2].startswith("hour") else ALLOWED_MINUTES
    if count not in allowed:
        unit = "hours" if m[2].startswith("hour") else "minutes"
        raise ConfigError(
            f"{text!r}: every {count} {unit} does not divide the {'day' if unit == 'hours' else 'hour'} evenly",
            place=place,
            fix=f"use one of {', '.join(map(str, allowed))} {unit}",
        )
    window = (0, 24 * 60)
    if m[3]:
        start = _minutes(m[3], m[4], text, place, fix)
        end = _minutes(m[5], m[6], text, place, fix, allow_24=True)
        if end <= start:
            raise ConfigError(
                f"{text!r}: the window ends before it starts",
                place=place,
                fix="write the earlier time first, e.g. 08:00-18:00",
            )
        window = (start, end)
    days: str = EVERY_DAY
    weekdays: tuple[int, ...] = ()
    if m[7] and "working" in m[7]:
        days = WORKING_DAYS
    elif m[8]:
        days, weekdays = ON_DAYS, _day_list(m[8])
    rule = Rule(text=text, days=days, weekdays=weekdays, every=every, window=window)
    if not rule.slots():
        raise ConfigError(f"{text!r}: the window holds no run", place=place, fix="widen the window")
    return rule


def _clock(hours: str, minutes: str, text: str, place: str, fix: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ConfigError(f"{text!r}: {hours}:{minutes} is not a time of day", place=place, fix=fix)
    return time(h, m)


def _minutes(
    hours: str, minutes: str, text: str, place: str, fix: str, *, allow_24: bool = False
) -> int:
    if allow_24 and int(hours) == 24 and int(minutes) == 0:
        return 24 * 60
    t = _clock(hours, minutes, text, place, fix)
    return t.hour * 60 + t.minute


def _day_list(text: str) -> tuple[int, ...]:
    days: set[int] = set()
    for word in re.split(r"\s*(?:,|\band\b|&)\s*", text):
        days.add(next(i for i, name in enumerate(DAY_NAMES) if name.startswith(word.strip()[:3])))
    return tuple(sorted(days))


def timetable(settings: Settings, jobs: Iterable[str]) -> dict[str, Rule]:
    """Every scheduled job's Rule, in the cycle order of `jobs` (the jobs installed).

    Every entry is checked, even for jobs not installed, so a typo never
    waits for the day that job arrives. Jobs set to "off" are left out.
    """
    rules: dict[str, Rule] = {}
    parsed = {
        name: parse_rule(text, place=f"{settings.path}: schedule.{name}")
        for name, text in settings.schedule.items()
    }
    for name in jobs:
        rule = parsed.get(name)
        if rule is None:
            continue
        if (
            rule.days != ON_DAYS
            and not settings.organisation.working_days
            and rule.days != EVERY_DAY
        ):
            raise ConfigError(
                f"{rule.text!r} needs working days, and none are set",
                place=f"{settings.path}: organisation.working_days",
                fix='working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]',
            )
        rules[name] = rule
    return rules


# -- when a rule fires ------------------------------------------------------------
def first_working_day(year: int, month: int, working_days: tuple[int, ...]) -> date:
    """The first day of the month that is a working day (no holiday calendar)."""
    day = date(year, month, 1)
    while day.weekday() not in working_days:
        day += timedelta(days=1)
    return day


def runs_on(rule: Rule, day: date, working_days: tuple[int, ...]) -> bool:
    """Whether the rule fires at all on this local date."""
    if rule.days == EVERY_DAY:
        return True
    if rule.days == WORKING_DAYS:
        return day.weekday() in working_days
    if rule.days == ON_DAYS:
        return day.weekday() in rule.weekdays
    return bool(working_days) and day == first_working_day(day.year, day.month, working_days)


def instants_on(rule: Rule, day: date, tz: ZoneInfo) -> list[datetime]:
    """The moments the rule fires on one local date (if it runs that day), in time order.

    Daylight saving: a daily time that does not exist (the spring-forward
    hour) runs that far after midnight anyway (01:30 becomes 02:30 BST); a
    daily time that happens twice (autumn) runs once, the first time.
    Interval rules follow real elapsed time: no runs inside the missing hour,
    runs in both copies of the repeated hour.
    """
    found: dict[datetime, datetime] = {}
    for minute in rule.slots():
        wall = datetime.combine(day, time(minute // 60, minute % 60)) if minute < 1440 else None
        if wall is None:
            continue
        if rule.once_a_day:
            moment = wall.replace(tzinfo=tz, fold=0)
            found[moment.astimezone(UTC)] = moment.astimezone(UTC).astimezone(tz)
            continue
        for fold in (0, 1):
            moment = wall.replace(tzinfo=tz, fold=fold)
            utc = moment.astimezone(UTC)
            if utc.astimezone(tz).replace(tzinfo=None) == wall:  # exists on the clock
                found[utc] = utc.astimezone(tz)
    return [found[k] for k in sorted(found)]


def next_run(rule: Rule, after: datetime, tz: ZoneInfo, working_days: tuple[int, ...]) -> datetime:
    """The first moment strictly after `after` at which the rule fires, in `tz`.

    Compare the result with other datetimes through UTC (`.astimezone(UTC)`):
    Python compares two datetimes of the same zone by wall clock, ignoring
    the fold, which is wrong inside the repeated autumn hour.
    """
    if after.tzinfo is None:
        raise ValueError("next_run needs an aware datetime")
    after_utc = after.astimezone(UTC)
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(400):
        if runs_on(rule, day, working_days):
            for moment in instants_on(rule, day, tz):
                if moment.astimezone(UTC) > after_utc:
                    return moment
        day += timedelta(days=1)
    raise ValueError(f"the schedule {rule.text!r} never fires with working days {working_days}")


def previous_runs(
    rule: Rule, at_or_before: datetime, tz: ZoneInfo, working_days: tuple[int, ...], count: int = 1
) -> list[datetime]:
    """The last `count` moments at or before `at_or_before` at which the rule fired, latest first."""
    limit = at_or_before.astimezone(UTC)
    day = at_or_before.astimezone(tz).date() + timedelta(days=1)
    found: list[datetime] = []
    for _ in range(400):
        if runs_on(rule, day, working_days):
            for moment in reversed(instants_on(rule, day, tz)):
                if moment.astimezone(UTC) <= limit:
                    found.append(moment)
                    if len(found) == count:
                        return found
        day -= timedelta(days=1)
    return found
