"""Weeks and time windows the figures count in, and reading a column of times at once.

A week runs Monday to Sunday in the organisation's timezone; windows are
half-open [start, end) instants, so a post at midnight belongs to one week only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from sheets_schema.values import parse_date, parse_datetime


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday week in the organisation's timezone."""

    start: date  # always a Monday

    @property
    def end(self) -> date:
        """The Sunday the week ends (inclusive)."""
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        """The ISO week, e.g. 2026-W47: the period of the week's messages."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Start (Monday 00:00) and end (next Monday 00:00, exclusive) as aware datetimes."""
        return local_midnight(self.start, tz), local_midnight(self.start + timedelta(days=7), tz)

    def shifted(self, weeks: int) -> Week:
        """The week `weeks` later (negative: earlier)."""
        return Week(self.start + timedelta(days=7 * weeks))


def week_containing(day: date) -> Week:
    """The Monday-to-Sunday week a day falls in."""
    return Week(day - timedelta(days=day.weekday()))


def week_that_ended(now: datetime, tz: ZoneInfo) -> Week:
    """The last full week before `now`: on any day of a week, the week before it."""
    return week_containing(now.astimezone(tz).date()).shifted(-1)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in the organisation's timezone."""
    return datetime.combine(day, time()).replace(tzinfo=tz)


def parse_times(values: pd.Series, tz: ZoneInfo, *, day_first: bool = True) -> pd.Series:
    """Text cells -> aware Timestamps in `tz`, blank or unreadable -> NaT (same index)."""
    parsed: list[datetime | None] = []
    for value in values:
        try:
            parsed.append(parse_datetime(value, tz, day_first=day_first))
        except ValueError:
            parsed.append(None)
    stamps = pd.to_datetime(pd.Series(parsed, index=values.index, dtype=object), utc=True)
    return stamps.dt.tz_convert(tz)


def parse_dates(values: pd.Series, *, day_first: bool = True) -> pd.Series:
    """Text cells -> datetime.date objects, blank or unreadable -> None (same index)."""
    out: list[date | None] = []
    for value in values:
        try:
            out.append(parse_date(value, day_first=day_first))
        except ValueError:
            out.append(None)
    return pd.Series(out, index=values.index, dtype=object)


def within(stamps: pd.Series, start: datetime, end: datetime) -> pd.Series:
    return stamps.notna() & (stamps >= pd.Timestamp(start)) & (stamps < pd.Timestamp(end))
