"""The guide's words for numbers, days, clock times, cadence, schedules and dates.

House style for prose: numbers up to twelve in words, '9:30 am', 'between 9
and 11 am', 'on Mondays, Wednesdays and Fridays'. Pure functions of their
arguments, so each rule is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from sheets_schema.settings import Settings
from sheets_schema.values import DAY_NAMES

_NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def number_in_words(n: int) -> str:
    """Numbers up to twelve in words, larger ones in digits (house style for prose)."""
    return _NUMBER_WORDS[n] if 0 <= n <= 12 else str(n)


def join_words(parts: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (no serial comma)."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def _half(t: time) -> str:
    """'am', 'pm', 'noon' or 'midnight': which suffix a clock time needs."""
    if t == time(0, 0) or t >= time(23, 59, 59):
        return "midnight"
    if t == time(12, 0):
        return "noon"
    return "am" if t < time(12, 0) else "pm"


def _bare_clock(t: time) -> str:
    hour = t.hour % 12 or 12
    return f"{hour}" if t.minute == 0 else f"{hour}:{t.minute:02d}"


def clock_in_words(t: time) -> str:
    """A time as people say it: '9 am', '9:30 am', '12 noon', '2:15 pm', 'midnight'."""
    half = _half(t)
    if half == "midnight":
        return "midnight"
    if half == "noon":
        return "12 noon"
    return f"{_bare_clock(t)} {half}"


def window_in_words(start: time, end: time) -> str:
    """'between 9 and 11 am', 'between 12 noon and 1 pm', 'between 11 am and 1 pm'.

    The suffix is written once when both ends are in the same half of the day;
    noon and midnight are always spelled out, so no end is ever ambiguous.
    """
    first, second = _half(start), _half(end)
    if first == second and first in ("am", "pm"):
        return f"between {_bare_clock(start)} and {clock_in_words(end)}"
    return f"between {clock_in_words(start)} and {clock_in_words(end)}"


_WEEKDAYS = (0, 1, 2, 3, 4)
_WEEKEND = (5, 6)
_ALL_DAYS = tuple(range(7))


def days_in_words(days: Iterable[int], posts_per_week: int | None = None) -> str:
    """'on weekdays', 'at weekends', 'on Mondays, Wednesdays and Fridays', 'on working days'.

    Fewer posts than listed days joins the days with 'or': the coordinator
    picks among them.
    """
    days = tuple(sorted(set(days)))
    if not days:
        return "on working days"
    if days == _ALL_DAYS:
        return "on any day of the week"
    if days == _WEEKDAYS:
        return "on weekdays"
    if days == _WEEKEND:
        return "at weekends"
    names = [DAY_NAMES[d] + "s" for d in days]
    choose = posts_per_week is not None and 0 < posts_per_week < len(days)
    return "on " + join_words(names, "or" if choose else "and")


def frequency_in_words(posts_per_week: int) -> str:
    """'once a week', 'twice a week', 'three times a week', '15 times a week'."""
    if posts_per_week <= 0:
        return "when there is something to share"
    if posts_per_week == 1:
        return "once a week"
    if posts_per_week == 2:
        return "twice a week"
    return f"{number_in_words(posts_per_week)} times a week"


def cadence_in_words(
    posts_per_week: int, days: Iterable[int], windows: Iterable[tuple[time, time]]
) -> str:
    """How often and when a channel is updated, in words.

    (3, Mon/Wed/Fri, 09:00-11:00) -> 'three times a week, on Mondays, Wednesdays
    and Fridays, between 9 and 11 am'; one post on each listed day of the whole
    week or the working week reads 'every day' / 'every weekday'.
    """
    days = tuple(sorted(set(days)))
    if posts_per_week == 7 and days == _ALL_DAYS:
        when = "every day"
    elif posts_per_week == 5 and days == _WEEKDAYS:
        when = "every weekday"
    else:
        when = f"{frequency_in_words(posts_per_week)}, {days_in_words(days, posts_per_week)}"
    spans = [window_in_words(start, end) for start, end in windows]
    hours = join_words(spans) if spans else "at any time of day"
    return f"{when}, {hours}"


def date_in_words(d: date, *, day_first: bool = True, weekday: bool = False) -> str:
    """'1 March 2027' (or 'March 1, 2027' when the organisation writes month first)."""
    text = f"{d.day} {d:%B %Y}" if day_first else f"{d:%B} {d.day}, {d.year}"
    return f"{d:%A} {text}" if weekday else text


def datetime_in_words(dt: datetime, settings: Settings) -> str:
    """'Monday 29 March 2027 at 8:30 am (Europe/London time)', in the organisation's zone."""
    local = dt.astimezone(settings.tz)
    day = date_in_words(local.date(), day_first=settings.organisation.day_first, weekday=True)
    clock = clock_in_words(local.time().replace(second=0, microsecond=0))
    return f"{day} at {clock} ({settings.organisation.timezone} time)"


_SCHEDULE_DAYS = {
    "working days": "every working day",
    "weekdays": "every weekday",
    "daily": "every day",
    "every day": "every day",
}


def _schedule_clock(text: str) -> str:
    hour, minute = (int(x) for x in text.split(":"))
    return clock_in_words(time(min(hour, 23), minute))


def schedule_in_words(text: str) -> str:
    """A chorus.toml schedule in words: 'working days at 08:30' -> 'every working day at 8:30 am'.

    Understands the forms the default schedule uses; anything else is quoted
    as written, which is still true if less pretty.
    """
    spec = " ".join(text.split())
    m = re.fullmatch(r"(?P<days>.+?)\s+at\s+(?P<clock>\d{1,2}:\d{2})", spec, re.IGNORECASE)
    if m:
        days = m["days"].casefold()
        if days in _SCHEDULE_DAYS:
            words = _SCHEDULE_DAYS[days]
        elif days.capitalize() in DAY_NAMES:
            words = f"every {days.capitalize()}"
        else:
            words = f"on the {days}" if days.startswith(("first", "last")) else days
        return f"{words} at {_schedule_clock(m['clock'])}"
    m = re.fullmatch(
        r"every (?P<n>\d+) (?P<unit>minutes?|hours?)"
        r"(?: (?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2}))?(?: on (?P<days>.+))?",
        spec,
        re.IGNORECASE,
    )
    if m:
        unit = m["unit"].rstrip("s") + ("s" if int(m["n"]) != 1 else "")
        words = f"every {number_in_words(int(m['n']))} {unit}"
        if m["start"]:
            start, end = (_parse_hhmm(m["start"]), _parse_hhmm(m["end"]))
            words += f" {window_in_words(start, end)}" if start < end else ""
        if m["days"]:
            words += f" on {m['days']}"
        return words
    return f"on the schedule “{spec}”"


def _parse_hhmm(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time(23, 59, 59) if hour >= 24 else time(hour, minute)
