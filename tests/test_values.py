"""Cell values as people type them: dates, times, days, windows, yes/no."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_schema.values import (
    format_datetime,
    format_datetime_seconds,
    parse_date,
    parse_datetime,
    parse_days,
    parse_int,
    parse_time_window,
    parse_yes_no,
    split_multi,
)

TZ = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mon, Wed, Fri", (0, 2, 4)),
        ("Mon-Fri", (0, 1, 2, 3, 4)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("Tue/Thu", (1, 3)),
        ("Monday and Thursday", (0, 3)),
        ("daily", tuple(range(7))),
        ("Fri-Mon", (0, 4, 5, 6)),
        ("", ()),
    ],
)
def test_post_days_accept_what_people_type(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize("text", ["sometimes", "Mon, Funday", "1,2,3"])
def test_post_days_reject_anything_else_with_the_fix(text: str) -> None:
    with pytest.raises(ValueError, match="Mon, Wed, Fri"):
        parse_days(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("09:00-11:00", ((time(9), time(11)),)),
        ("9-11", ((time(9), time(11)),)),
        ("09:00 - 11:00", ((time(9), time(11)),)),
        ("9am-11am", ((time(9), time(11)),)),
        ("11am-1pm", ((time(11), time(13)),)),
        ("9-11am", ((time(9), time(11)),)),
        ("09:00-10:00, 14:00-15:30", ((time(9), time(10)), (time(14), time(15, 30)))),
    ],
)
def test_post_window_accepts_what_people_type(text: str, expected: tuple) -> None:
    assert parse_time_window(text) == expected


@pytest.mark.parametrize("text", ["morning", "11-9", "25:00-26:00"])
def test_post_window_rejects_anything_else(text: str) -> None:
    with pytest.raises(ValueError):
        parse_time_window(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026/11/24 10:15:32 AM GMT+1", datetime(2026, 11, 24, 9, 15, 32, tzinfo=UTC)),
        ("11/24/2026 10:15:32", datetime(2026, 11, 24, 10, 15, 32, tzinfo=TZ)),
        ("24/11/2026 10:15:32", datetime(2026, 11, 24, 10, 15, 32, tzinfo=TZ)),
        ("24.11.2026 10:15:32", datetime(2026, 11, 24, 10, 15, 32, tzinfo=TZ)),
        ("2026-11-24 10:15", datetime(2026, 11, 24, 10, 15, tzinfo=TZ)),
        ("2026-11-24T10:15:00Z", datetime(2026, 11, 24, 10, 15, tzinfo=UTC)),
        ("2026-07-01 10:00", datetime(2026, 7, 1, 9, 0, tzinfo=UTC)),
    ],
)
def test_timestamps_in_the_locales_google_exports(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text, TZ)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_ambiguous_dates_follow_the_day_first_setting() -> None:
    assert parse_date("03/04/2026") == date(2026, 4, 3)
    assert parse_date("03/04/2026", day_first=False) == date(2026, 3, 4)


@pytest.mark.parametrize("text", ["tomorrow", "31/02/2026", "2026-13-01"])
def test_a_word_or_impossible_date_is_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_yes_no_and_numbers_and_lists() -> None:
    assert parse_yes_no("Yes") and parse_yes_no(" y ") and not parse_yes_no("No")
    with pytest.raises(ValueError):
        parse_yes_no("maybe")
    assert parse_int("3") == 3 and parse_int("3.0") == 3 and parse_int("1,000") == 1000
    with pytest.raises(ValueError):
        parse_int("three")
    assert split_multi("LinkedIn, X;Facebook") == ["LinkedIn", "X", "Facebook"]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
def test_what_chorus_writes_it_reads_back(moment: datetime) -> None:
    aware = moment.replace(second=0, microsecond=0, tzinfo=TZ)
    # Skip non-existent local times (the spring-forward gap): people cannot type them either.
    if aware.astimezone(UTC).astimezone(TZ).replace(tzinfo=None) != aware.replace(tzinfo=None):
        return
    assert parse_datetime(format_datetime(aware, TZ), TZ) == aware


@given(
    st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)),
    st.sampled_from([None, UTC, TZ, ZoneInfo("Asia/Kolkata")]),
    st.sampled_from([None, TZ, ZoneInfo("America/New_York")]),
)
def test_a_time_is_written_as_its_local_date_and_time_to_the_minute_or_second(
    at: datetime, zone: ZoneInfo | None, into: ZoneInfo | None
) -> None:
    at = at.replace(tzinfo=zone)
    local = at.astimezone(into) if into is not None and zone is not None else at
    assert format_datetime(at, into) == local.strftime("%Y-%m-%d %H:%M")
    assert format_datetime_seconds(at, into) == local.strftime("%Y-%m-%d %H:%M:%S")
