"""The posting plan in the Channels tab: each active channel's slots, week by week.

Each channel's plan (Posts Per Week, Post Days, Post Window) becomes slots in
the organisation's timezone. A slot is built from its local date and local
clock time and then given the zone, so a 09:00 window stays 09:00 local on
both sides of a daylight-saving change. A bad cell skips its channel only,
with a problem naming tab, row, column and value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.network_names import canonical_network
from sheets_schema.validate import Problem
from sheets_schema.values import (
    DAY_NAMES,
    clean_text,
    parse_days,
    parse_int,
    parse_time_window,
    parse_yes_no,
)

#: the label of a slot in a channel with no Post Window
ANY_TIME = "any time"
_END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class ChannelPlan:
    """One active channel's cadence as the Channels tab says it."""

    channel: str
    posts_per_week: int
    days: tuple[int, ...]  # weekday numbers, Monday = 0
    windows: tuple[tuple[time, time], ...]  # () means any time of day
    row: int = 0

    def describe(self) -> str:
        """The plan in words for report lines: 'Mon, Wed, Fri 09:00-11:00'."""
        days = ", ".join(DAY_NAMES[d][:3] for d in self.days)
        hours = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in self.windows) or ANY_TIME
        return f"{days} {hours}"

    def allows(self, moment: datetime) -> bool:
        """Whether a local date and time is on a post day and inside a post window."""
        if moment.weekday() not in self.days:
            return False
        clock = moment.time()
        return not self.windows or any(a <= clock <= b for a, b in self.windows)


@dataclass(frozen=True)
class Slot:
    """One planned post: a channel, a day and a window, labelled like '09:00-11:00 #1'."""

    day: date
    channel: str
    label: str
    start: datetime  # aware, in the organisation's zone
    end: datetime

    def contains(self, moment: datetime) -> bool:
        """Same local day, local clock time inside the window (ends included)."""
        return moment.date() == self.day and self.start.time() <= moment.time() <= self.end.time()


def canonical_channel(name: str) -> str:
    """'linkedin' -> 'LinkedIn', 'Twitter' -> 'X': known networks in their usual spelling;
    any other network name is a channel too, kept as typed."""
    return canonical_network(name)


def read_channels(
    channels: pd.DataFrame, working_days: Iterable[int] = (0, 1, 2, 3, 4)
) -> tuple[list[ChannelPlan], list[Problem], list[str], list[str]]:
    """Active channels' plans, plus problems (bad cells), lines (notes) and skipped channel names.

    A channel with no Post Days posts on the organisation's working days; a
    bad cell skips that channel only and names tab, row, column and value.
    """
    plans: list[ChannelPlan] = []
    problems: list[Problem] = []
    lines: list[str] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for row_number, row in channels.iterrows():
        name = canonical_channel(clean_text(row.get("channel", "")))
        if not name:
            continue
        if name.casefold() in seen:
            problems.append(
                Problem(
                    "Channels",
                    int(row_number),
                    "Channel",
                    name,
                    f"{name} appears twice; the first row is used",
                    "delete or rename this one",
                )
            )
            continue
        seen.add(name.casefold())
        try:
            plan_ = _channel_plan(name, row, int(row_number), working_days, lines)
        except BadCell as bad:
            problems.append(
                Problem(
                    "Channels",
                    int(row_number),
                    bad.column,
                    bad.value,
                    bad.why,
                    "this channel was skipped",
                )
            )
            skipped.append(name)
            continue
        if plan_ is not None:
            plans.append(plan_)
    return plans, problems, lines, skipped


class BadCell(ValueError):
    """A cell that cannot be read: the column, why and the value, for the Problem."""

    def __init__(self, column: str, why: str, value: str = "") -> None:
        super().__init__(why)
        self.column, self.why, self.value = column, why, value


def _channel_plan(
    name: str,
    row: Mapping[str, Any],
    row_number: int,
    working_days: Iterable[int],
    lines: list[str],
) -> ChannelPlan | None:
    """One Channels row as a plan (None when paused); notes go to `lines`, bad cells raise."""
    value = clean_text(row.get("active", ""))
    if not value:
        raise BadCell(
            "Active", "is empty, so Chorus cannot tell whether to plan posts (write Yes or No)"
        )
    try:
        active = parse_yes_no(value)
    except ValueError:
        raise BadCell("Active", f"{value!r} is not Yes or No (write Yes or No)", value) from None
    if not active:
        lines.append(f"{name} is paused (Active: No): no slots planned")
        return None
    try:
        per_week = parse_int(row.get("posts_per_week", ""))
        if per_week < 0:
            raise ValueError("negative")
    except ValueError:
        value = clean_text(row.get("posts_per_week", ""))
        raise BadCell(
            "Posts Per Week",
            f"{value!r} is not a number of posts (write a number such as 3)",
            value,
        ) from None
    try:
        days = parse_days(row.get("post_days", "")) or tuple(sorted(set(working_days)))
    except ValueError as exc:
        raise BadCell("Post Days", str(exc), clean_text(row.get("post_days", ""))) from None
    try:
        windows = parse_time_window(row.get("post_window", ""))
    except ValueError as exc:
        raise BadCell("Post Window", str(exc), clean_text(row.get("post_window", ""))) from None
    merged = _merge_windows(windows)
    if len(merged) != len(windows):
        lines.append(
            f"{name}: the Post Window hours overlap; planned as "
            + ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in merged)
        )
    if per_week and not days:
        lines.append(f"{name}: no post days and no working days, so no slots planned")
    return ChannelPlan(name, per_week, days, merged, row_number)


def _merge_windows(windows: tuple[tuple[time, time], ...]) -> tuple[tuple[time, time], ...]:
    """Overlapping windows ('09:00-12:00, 11:00-13:00') become one, so no post fits two slots' hours."""
    merged: list[tuple[time, time]] = []
    for start, end in sorted(windows):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _spread(count: int, across: int) -> list[int]:
    """How many of `count` things each of `across` places gets, the remainder spread evenly.

    5 over 3 days -> [2, 1, 2]; 3 over 5 days -> [1, 0, 1, 0, 1].
    """
    base, extra = divmod(count, across)
    chosen = {(2 * i + 1) * across // (2 * extra) for i in range(extra)}
    return [base + (1 if i in chosen else 0) for i in range(across)]


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    # Build the wall-clock time first, then attach the zone: 09:00 stays 09:00
    # local whether the day is in summer or winter time.
    return datetime.combine(day, clock).replace(tzinfo=tz)


def week_slots(plan: ChannelPlan, monday: date, tz: ZoneInfo) -> list[Slot]:
    """The slots of one channel in the week starting `monday`, in time order.

    Posts are spread over the post days (more posts than days: several a
    day); a day's posts are spread over its windows, the odd one rotating
    from day to day so single daily posts alternate between windows.
    """
    if not plan.days or plan.posts_per_week <= 0:
        return []
    windows = plan.windows or ((time(0, 0), _END_OF_DAY),)
    slots: list[Slot] = []
    rotation = 0  # which window the next odd post goes to
    for weekday, per_day in zip(
        plan.days, _spread(plan.posts_per_week, len(plan.days)), strict=True
    ):
        if not per_day:
            continue
        day = monday + timedelta(days=weekday)
        per_window = [per_day // len(windows)] * len(windows)
        for _ in range(per_day % len(windows)):
            per_window[rotation % len(windows)] += 1
            rotation += 1
        for (start, end), count in zip(windows, per_window, strict=True):
            name = f"{start:%H:%M}-{end:%H:%M}" if plan.windows else ANY_TIME
            for number in range(1, count + 1):
                slots.append(
                    Slot(
                        day,
                        plan.channel,
                        f"{name} #{number}",
                        _local(day, start, tz),
                        _local(day, end, tz),
                    )
                )
    return slots


def lay_out_slots(plan: ChannelPlan, first: date, last: date, tz: ZoneInfo) -> list[Slot]:
    """The channel's slots from `first` to `last` inclusive (whole weeks laid out, then cut)."""
    slots: list[Slot] = []
    monday = first - timedelta(days=first.weekday())
    while monday <= last:
        slots.extend(s for s in week_slots(plan, monday, tz) if first <= s.day <= last)
        monday += timedelta(weeks=1)
    return slots
