"""check-cadence: lay out the posting slots each channel's plan asks for, and see how they are filled.

Each channel's plan (Posts Per Week, Post Days, Post Window) becomes slots for
the past `cadence.lookback_days` and the next `cadence.horizon_days`, in the
organisation's timezone. Scheduled and published Queue items fill slots; a
free slot ahead gets a suggested item (Approved, unscheduled, unflagged),
except in a crisis. The job rewrites its own rows of the Cadence tab for the
laid-out days and reports gaps, items outside the plan, overdue items,
over-booked days and last week's adherence.

Times: a slot is built from its local date and local clock time and then
given the organisation's zone, so a 09:00 window stays 09:00 local on both
sides of a daylight-saving change. Queue times are converted to the
organisation's zone before their date and clock time are compared.

Work is linear in the queue: items are indexed by (channel, date) once and
each channel-day matches only its own items against its own slots.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.base import Job, Plan, Report
from jobs.crisis.state import crisis_state
from sheets_schema.columns import CHANNEL_NAMES, SOURCE_KINDS
from sheets_schema.records import Append, Changes, Delete, Snapshot, Update
from sheets_schema.values import (
    DAY_NAMES,
    clean_text,
    parse_date,
    parse_datetime,
    parse_days,
    parse_int,
    parse_time_window,
    parse_yes_no,
    split_multi,
)

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

TABS = ("Channels", "Queue", "Cadence", "Crises", "Program")

#: the label of a slot in a channel with no Post Window
ANY_TIME = "any time"
_END_OF_DAY = time(23, 59, 59)
#: Slot labels this job writes; rows in the Cadence tab with other labels belong to people.
_OWN_LABEL = re.compile(r"^(?:\d{2}:\d{2}-\d{2}:\d{2}|any time) #\d+$")
#: statuses of Queue items that take a slot
_PLACED = {"scheduled", "published", "overdue"}


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


@dataclass(frozen=True)
class QueueItem:
    """The parts of a Queue row cadence needs; `when` is Published At or Scheduled For, local."""

    id: str
    row: int
    status: str  # as in QUEUE_STATUSES, or the cell's text when unknown
    channels: tuple[str, ...]
    headline: str = ""
    link: str = ""
    source_kind: str = ""
    source_type: str = ""
    flags: str = ""
    created: datetime | None = None
    when: datetime | None = None
    post_url: str = ""
    scheduled_text: str = ""


@dataclass(frozen=True)
class SlotState:
    """One row of the Cadence tab: a slot (or an unplanned post) and how it is filled."""

    day: date
    channel: str
    label: str
    status: str  # one of CADENCE_STATUSES
    queue_id: str = ""
    note: str = ""
    start: datetime | None = None
    headline: str = ""
    link: str = ""

    def row(self) -> dict[str, str]:
        """The Cadence tab row, by field."""
        return {
            "date": self.day.isoformat(),
            "channel": self.channel,
            "slot": self.label,
            "status": self.status,
            "queue_id": self.queue_id,
            "note": self.note,
        }


@dataclass(frozen=True)
class Adherence:
    """A channel's posts published against posts planned over the lookback days."""

    channel: str
    published: int
    planned: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.published / self.planned) if self.planned else None


@dataclass(frozen=True)
class CadenceResult:
    """Everything check-cadence found: slot states, the range, and what to tell people."""

    first_day: date
    last_day: date
    states: tuple[SlotState, ...]
    adherence: tuple[Adherence, ...]
    crisis: bool
    lines: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    #: channels whose cells could not be read: their existing Cadence rows are left alone
    skipped_channels: tuple[str, ...] = ()
    #: posts that found no planned slot (a day without slots, or more posts than slots): reported, not written
    unplanned: tuple[SlotState, ...] = ()
    channels: tuple[str, ...] = ()


# -- reading the sheet ---------------------------------------------------------


def _canonical_channel(name: str) -> str:
    """'linkedin' -> 'LinkedIn': known channel names in their usual spelling."""
    for known in CHANNEL_NAMES:
        if known.casefold() == name.casefold():
            return known
    return name


def read_channels(
    channels: pd.DataFrame, working_days: Iterable[int] = (0, 1, 2, 3, 4)
) -> tuple[list[ChannelPlan], list[str], list[str], list[str]]:
    """Active channels' plans, plus problems (bad cells), lines (notes) and skipped channel names.

    A channel with no Post Days posts on the organisation's working days; a
    bad cell skips that channel only and names tab, row, column and value.
    """
    plans: list[ChannelPlan] = []
    problems: list[str] = []
    lines: list[str] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for row_number, row in channels.iterrows():
        name = _canonical_channel(clean_text(row.get("channel", "")))
        if not name:
            continue
        if name.casefold() in seen:
            problems.append(
                f"tab 'Channels', row {row_number}, column 'Channel': {name} appears twice; "
                "the first row is used (delete or rename this one)"
            )
            continue
        seen.add(name.casefold())
        try:
            plan_ = _channel_plan(name, row, int(row_number), working_days, lines)
        except _BadCell as bad:
            problems.append(
                f"tab 'Channels', row {row_number}, column {bad.column!r}: {bad.why}; "
                "this channel was skipped"
            )
            skipped.append(name)
            continue
        if plan_ is not None:
            plans.append(plan_)
    return plans, problems, lines, skipped


class _BadCell(ValueError):
    """A Channels cell that cannot be read: the column and why, for the problem line."""

    def __init__(self, column: str, why: str) -> None:
        super().__init__(why)
        self.column, self.why = column, why


def _channel_plan(
    name: str,
    row: Mapping[str, Any],
    row_number: int,
    working_days: Iterable[int],
    lines: list[str],
) -> ChannelPlan | None:
    """One Channels row as a plan (None when paused); notes go to `lines`, bad cells raise."""
    try:
        active = parse_yes_no(row.get("active", ""))
    except ValueError:
        value = clean_text(row.get("active", ""))
        raise _BadCell("Active", f"{value!r} is not Yes or No (write Yes or No)") from None
    if not active:
        lines.append(f"{name} is paused (Active: No): no slots planned")
        return None
    try:
        per_week = parse_int(row.get("posts_per_week", ""))
        if per_week < 0:
            raise ValueError("negative")
    except ValueError:
        value = clean_text(row.get("posts_per_week", ""))
        raise _BadCell(
            "Posts Per Week", f"{value!r} is not a number of posts (write a number such as 3)"
        ) from None
    try:
        days = parse_days(row.get("post_days", "")) or tuple(sorted(set(working_days)))
    except ValueError as exc:
        raise _BadCell("Post Days", str(exc)) from None
    try:
        windows = parse_time_window(row.get("post_window", ""))
    except ValueError as exc:
        raise _BadCell("Post Window", str(exc)) from None
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


def _status(text: str) -> str:
    key = clean_text(text).casefold()
    for known in ("New", "Approved", "Scheduled", "Published", "Rejected", "On hold", "Overdue"):
        if known.casefold() == key:
            return known
    return clean_text(text)


def read_queue(
    queue: pd.DataFrame, tz: ZoneInfo, *, day_first: bool = True, channels: Iterable[str] = ()
) -> tuple[list[QueueItem], list[str]]:
    """Queue items that can take or fill a slot (placed or Approved), with problems for bad times.

    Only the cells cadence needs are parsed: Scheduled For or Published At of
    placed items, Created of Approved ones.
    """
    by_name = {c.casefold(): c for c in channels}
    items: list[QueueItem] = []
    problems: list[str] = []
    records = queue.to_dict("records")
    for row_number, row in zip(queue.index, records, strict=True):
        status = _status(row.get("status", ""))
        low = status.casefold()
        if low not in _PLACED and low not in ("approved", "on hold"):
            continue
        item_id = clean_text(row.get("id", ""))
        if not item_id:
            continue
        item_channels = tuple(
            by_name.get(c.casefold(), _canonical_channel(c))
            for c in split_multi(row.get("channels", ""))
        )
        scheduled_text = clean_text(row.get("scheduled_for", ""))
        when: datetime | None = None
        created: datetime | None = None
        if low == "approved":
            created = _created(row, tz, day_first)
        else:
            try:
                when = _placed_at(row, low, tz, day_first)
            except _BadCell as bad:
                problems.append(
                    f"tab 'Queue', row {row_number}, column {bad.column!r}: {bad.why} "
                    f"for {item_id}; write it as 2027-03-29 09:30"
                )
                continue
        items.append(
            QueueItem(
                id=item_id,
                row=int(row_number),
                status=status,
                channels=item_channels,
                headline=clean_text(row.get("headline", "")),
                link=clean_text(row.get("link", "")),
                source_kind=clean_text(row.get("source_kind", "")),
                source_type=clean_text(row.get("source_type", "")),
                flags=clean_text(row.get("flags", "")),
                created=created,
                when=when,
                post_url=clean_text(row.get("post_url", "")),
                scheduled_text=scheduled_text,
            )
        )
    return items, problems


def _created(row: Mapping[str, Any], tz: ZoneInfo, day_first: bool) -> datetime | None:
    """When an Approved item was created; undated items are suggested last, in sheet order."""
    text = clean_text(row.get("created", ""))
    try:
        return parse_datetime(text, tz, day_first=day_first) if text else None
    except ValueError:
        return None


def _placed_at(
    row: Mapping[str, Any], status: str, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    """When a placed item goes out: Published At once published, else Scheduled For."""
    column, text = "Scheduled For", clean_text(row.get("scheduled_for", ""))
    if status == "published" and clean_text(row.get("published_at", "")):
        column, text = "Published At", clean_text(row.get("published_at", ""))
    if not text:
        return None
    try:
        return parse_datetime(text, tz, day_first=day_first).astimezone(tz)
    except ValueError as exc:
        raise _BadCell(column, f"{exc} (value {text!r})") from None


# -- laying out slots -----------------------------------------------------------


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


# -- suggestions ----------------------------------------------------------------


def suggestion_candidates(items: Iterable[QueueItem]) -> list[QueueItem]:
    """Approved, unscheduled, unflagged items, oldest Created first (undated last, in sheet order)."""
    found = [
        i for i in items if i.status == "Approved" and not i.scheduled_text and not i.flags and i.id
    ]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    found.sort(key=lambda i: (i.created is None, i.created or far, i.row))
    return found


class Suggester:
    """Picks the item to suggest for each free slot, never the same item twice.

    Per channel it takes the oldest fitting item, turning round the source
    kinds (Organisation, Staff & partners, External, ...) and, within a kind,
    preferring a source type other than the one suggested last. Items are
    pooled by channel, kind and type once, so each pick looks at a handful of
    queue heads, not the whole queue.
    """

    def __init__(self, candidates: list[QueueItem], channels: Iterable[str]) -> None:
        self.channels = tuple(channels)
        kinds = {i.source_kind for i in candidates}
        self.kinds = [k for k in SOURCE_KINDS if k in kinds] + sorted(kinds - set(SOURCE_KINDS))
        self.order = {item.id: n for n, item in enumerate(candidates)}
        self.pools: dict[str, dict[str, dict[str, deque[QueueItem]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(deque))
        )
        known = {c.casefold(): c for c in self.channels}
        for item in candidates:
            fits = [known[c.casefold()] for c in item.channels if c.casefold() in known]
            if item.channels and not fits:
                continue  # meant only for channels not planned
            for channel in fits or self.channels:
                self.pools[channel][item.source_kind][item.source_type].append(item)
        self.used: set[str] = set()
        self.next_kind: dict[str, int | None] = {}
        self.last_type: dict[tuple[str, str], str] = {}

    def _head(self, pool: deque[QueueItem]) -> QueueItem | None:
        while pool and pool[0].id in self.used:
            pool.popleft()
        return pool[0] if pool else None

    def pick(self, channel: str) -> QueueItem | None:
        """The item to suggest for the channel's next free slot, or None when none is left."""
        pools = self.pools.get(channel)
        if not pools or not self.kinds:
            return None
        heads: dict[str, list[tuple[str, QueueItem]]] = {}
        for kind in self.kinds:
            found = [(t, h) for t, pool in pools.get(kind, {}).items() if (h := self._head(pool))]
            if found:
                heads[kind] = found
        if not heads:
            return None
        start = self.next_kind.get(channel)
        if start is None:  # the first pick is simply the oldest item
            kind = min(heads, key=lambda k: min(self.order[h.id] for _, h in heads[k]))
        else:
            ring = self.kinds[start:] + self.kinds[:start]
            kind = next(k for k in ring if k in heads)
        last = self.last_type.get((channel, kind))
        preferred = [th for th in heads[kind] if th[0] != last] or heads[kind]
        source_type, item = min(preferred, key=lambda th: self.order[th[1].id])
        self.used.add(item.id)
        self.last_type[(channel, kind)] = source_type
        self.next_kind[channel] = (self.kinds.index(kind) + 1) % len(self.kinds)
        return item


# -- matching ---------------------------------------------------------------------


def _placed_state(item: QueueItem, now: datetime) -> tuple[str, str]:
    """The status and note an item gives the slot it takes (before the window is checked)."""
    assert item.when is not None
    at = f"{item.when:%a %d %b %H:%M}"
    if item.status == "On hold":
        return "Held", f"{item.id} on hold during the crisis (was due {at})"
    if item.status == "Published":
        return "Filled", f"{item.id} published {at}"
    if item.when < now or item.status == "Overdue":
        return "Overdue", f"{item.id} was due {at} and is not published"
    return "Filled", f"{item.id} scheduled {at}"


def _state(slot: Slot, status: str, note: str, item: QueueItem | None = None) -> SlotState:
    """A slot's state; `item` is the Queue item that fills it (or is suggested for it)."""
    return SlotState(
        slot.day,
        slot.channel,
        slot.label,
        status,
        item.id if item else "",
        note,
        slot.start,
        item.headline if item else "",
        item.link if item else "",
    )


def _placed_in(plan: ChannelPlan, item: QueueItem, now: datetime, in_plan: bool) -> tuple[str, str]:
    """An item's status and note in a slot, 'Outside window' when its time is off the plan."""
    status, note = _placed_state(item, now)
    if not in_plan and status == "Filled":
        return "Outside window", note + f", outside the plan ({plan.describe()})"
    return status, note


def _unplanned(plan: ChannelPlan, item: QueueItem, now: datetime) -> SlotState:
    """A post that found no slot on its day, as a state labelled 'unplanned HH:MM'."""
    assert item.when is not None
    in_plan = plan.allows(item.when)
    status, note = _placed_in(plan, item, now, in_plan)
    if in_plan:
        note += "; more posts than slots this day"
    return SlotState(
        item.when.date(),
        plan.channel,
        f"unplanned {item.when:%H:%M}",
        status,
        item.id,
        note,
        item.when,
        item.headline,
        item.link,
    )


def _match_day(
    plan: ChannelPlan,
    slots: list[Slot],
    items: list[QueueItem],
    now: datetime,
) -> tuple[list[SlotState], list[Slot], list[QueueItem], list[SlotState]]:
    """Fill one channel-day's slots with its items.

    Returns the filled slots' states, the free slots, the items outside the
    plan, and the posts that found no slot (on a day without slots, or beyond
    the day's slots) as states labelled 'unplanned HH:MM'. Items in a window
    take a slot of that window first, then any free slot of the day; items
    outside the plan take whatever slot is left.
    """
    items = sorted(items, key=lambda i: (i.when, i.id))
    free = list(slots)
    states: list[SlotState] = []
    outside = [i for i in items if not plan.allows(i.when)]  # type: ignore[arg-type]
    inside = [i for i in items if plan.allows(i.when)]  # type: ignore[arg-type]

    def take(item: QueueItem, slot: Slot, in_plan: bool) -> None:
        free.remove(slot)
        states.append(_state(slot, *_placed_in(plan, item, now, in_plan), item))

    waiting: list[QueueItem] = []
    for item in inside:
        own = next((s for s in free if s.contains(item.when)), None)  # type: ignore[arg-type]
        if own is not None:
            take(item, own, True)
        else:
            waiting.append(item)
    extra: list[QueueItem] = []
    for item, in_plan in [(i, True) for i in waiting] + [(i, False) for i in outside]:
        if free:
            take(item, free[0], in_plan)
        else:
            extra.append(item)
    return states, free, outside, [_unplanned(plan, item, now) for item in extra]


@dataclass
class _Placed:
    """The Queue items that take slots, by channel and day, and what was published lately."""

    by_day: dict[tuple[str, date], list[QueueItem]] = field(
        default_factory=lambda: defaultdict(list)
    )
    published: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)


def _place_items(
    items: Sequence[QueueItem],
    channels: Mapping[str, ChannelPlan],
    first: date,
    last: date,
    lookback: tuple[date, date],
    *,
    crisis: bool,
) -> _Placed:
    """Which items take a slot (scheduled, published, overdue; held during a crisis), and where."""
    placed = _Placed()
    for item in items:
        if item.when is None:
            continue
        if not (item.status.casefold() in _PLACED or (crisis and item.status == "On hold")):
            continue
        day = item.when.date()
        for channel in item.channels:
            if channel not in channels:
                continue
            if item.status == "Published" and lookback[0] <= day <= lookback[1]:
                placed.published[channel] += 1
            if first <= day <= last:
                placed.by_day[(channel, day)].append(item)
        if not item.channels and first <= day <= last:
            placed.problems.append(
                f"tab 'Queue', row {item.row}, column 'Channels': {item.id} is {item.status} "
                f"for {day.isoformat()} but names no channel, so it fills no slot (add its channels)"
            )
    return placed


def _free_slot_states(
    free_slots: list[Slot], suggester: Suggester | None, now: datetime, *, crisis: bool
) -> list[SlotState]:
    """Each free slot: a missed Gap when past, else a suggestion, else a Gap saying why."""
    states: list[SlotState] = []
    for slot in sorted(free_slots, key=lambda s: (s.start, s.channel, s.label)):
        if slot.end <= now:
            states.append(_state(slot, "Gap", "missed: nothing went out"))
            continue
        pick = suggester.pick(slot.channel) if suggester else None
        if pick is None:
            why = (
                "crisis mode: no suggestions"
                if crisis
                else "nothing approved is waiting for this channel"
            )
            states.append(_state(slot, "Gap", why))
            continue
        kind = ", ".join(p for p in (pick.source_kind, pick.source_type) if p)
        note = f"suggested: {pick.headline}" + (f" ({kind})" if kind else "")
        states.append(_state(slot, "Suggested", note, pick))
    return states


@dataclass
class _Matched:
    """Every channel-day matched: states, free slots, items off the plan, over-booked days."""

    states: list[SlotState] = field(default_factory=list)
    free: list[Slot] = field(default_factory=list)
    outside: list[tuple[str, QueueItem]] = field(default_factory=list)
    overbooked: list[tuple[str, date, int, int]] = field(default_factory=list)
    unplanned: list[SlotState] = field(default_factory=list)


def _match_days(
    slots_by_day: Mapping[tuple[str, date], list[Slot]],
    items_by_day: Mapping[tuple[str, date], list[QueueItem]],
    channels: Mapping[str, ChannelPlan],
    now: datetime,
) -> _Matched:
    """Fill each channel-day's slots, day by day, channel by channel."""
    matched = _Matched()
    for key in sorted(set(slots_by_day) | set(items_by_day), key=lambda k: (k[1], k[0])):
        channel, day = key
        day_slots, day_items = slots_by_day.get(key, []), items_by_day.get(key, [])
        filled, free, outside, extra = _match_day(channels[channel], day_slots, day_items, now)
        matched.states.extend(filled)
        matched.unplanned.extend(extra)
        matched.free.extend(free)
        matched.outside.extend((channel, i) for i in outside)
        if len(day_items) > len(day_slots) and day_slots:
            matched.overbooked.append((channel, day, len(day_items), len(day_slots)))
    return matched


def _report_lines(
    matched: _Matched,
    adherence: Sequence[Adherence],
    channels: Mapping[str, ChannelPlan],
    lookback_days: int,
) -> list[str]:
    """What people read in the report: items off the plan, over-booked days, overdue, adherence."""
    lines: list[str] = []
    for channel, item in matched.outside:
        assert item.when is not None
        lines.append(
            f"{channel}: {item.id} ({item.headline or 'no headline'}) is {item.status.lower()} for "
            f"{item.when:%a %d %b %H:%M}, outside the plan ({channels[channel].describe()})"
        )
    for channel, day, n_items, n_slots in matched.overbooked:
        lines.append(
            f"{channel}: {n_items} posts on {day:%a %d %b} for {n_slots} planned slot(s) (over-booked)"
        )
    for state in (*matched.states, *matched.unplanned):
        if state.status == "Overdue":
            lines.append(f"{state.channel}: {state.note}")
    for a in adherence:
        if a.planned:
            lines.append(
                f"{a.channel} kept {a.published} of {a.planned} planned posts in the last "
                f"{lookback_days} days ({a.percent}%)"
            )
    return lines


def _counts(matched: _Matched, slot_count: int, adherence: Sequence[Adherence]) -> dict[str, int]:
    by_status: dict[str, int] = defaultdict(int)
    for state in matched.states:
        by_status[state.status] += 1
    counts: dict[str, int] = {
        "slots": slot_count,
        "filled": by_status["Filled"],
        "gaps": by_status["Gap"],
        "suggested": by_status["Suggested"],
        "outside_window": len(matched.outside),
        "overdue": by_status["Overdue"]
        + sum(1 for u in matched.unplanned if u.status == "Overdue"),
        "held": by_status["Held"],
        "overbooked_days": len(matched.overbooked),
        "unplanned_posts": len(matched.unplanned),
    }
    for a in adherence:
        if a.percent is not None:
            counts[f"adherence_{a.channel.casefold().replace(' ', '_')}_pct"] = a.percent
    return counts


def check_cadence(
    channels: pd.DataFrame,
    queue: pd.DataFrame,
    now: datetime,
    settings: Settings,
    *,
    crisis: bool = False,
    first: date | None = None,
    last: date | None = None,
) -> CadenceResult:
    """Lay out the slots from `first` to `last` (default: lookback and horizon) and fill them."""
    tz = settings.tz
    now = now.astimezone(tz)
    today = now.date()
    lookback_days = settings.cadence.lookback_days
    first = first or today - timedelta(days=lookback_days)
    last = last or today + timedelta(days=settings.cadence.horizon_days - 1)
    plans, problems, lines, skipped = read_channels(channels, settings.organisation.working_days)
    by_channel = {p.channel: p for p in plans}
    items, queue_problems = read_queue(
        queue, tz, day_first=settings.organisation.day_first, channels=by_channel
    )
    problems.extend(queue_problems)

    slots_by_day: dict[tuple[str, date], list[Slot]] = defaultdict(list)
    for plan_ in plans:
        for slot in lay_out_slots(plan_, first, last, tz):
            slots_by_day[(slot.channel, slot.day)].append(slot)
    lookback = (today - timedelta(days=lookback_days), today - timedelta(days=1))
    placed = _place_items(items, by_channel, first, last, lookback, crisis=crisis)
    problems.extend(placed.problems)
    matched = _match_days(slots_by_day, placed.by_day, by_channel, now)

    suggester = None if crisis else Suggester(suggestion_candidates(items), by_channel)
    matched.states.extend(_free_slot_states(matched.free, suggester, now, crisis=crisis))
    matched.states.sort(key=lambda s: (s.day, s.channel, s.start or now, s.label))

    adherence = [
        Adherence(
            plan_.channel,
            placed.published.get(plan_.channel, 0),
            sum(
                len(slots_by_day.get((plan_.channel, lookback[0] + timedelta(days=d)), []))
                for d in range(lookback_days)
            ),
        )
        for plan_ in plans
    ]
    lines.extend(_report_lines(matched, adherence, by_channel, lookback_days))
    if crisis:
        lines.insert(0, "Crisis mode is on: items on hold are marked Held and nothing is suggested")
    return CadenceResult(
        first_day=first,
        last_day=last,
        states=tuple(matched.states),
        adherence=tuple(adherence),
        crisis=crisis,
        lines=tuple(lines),
        problems=tuple(problems),
        counts=_counts(matched, sum(len(v) for v in slots_by_day.values()), adherence),
        skipped_channels=tuple(skipped),
        unplanned=tuple(matched.unplanned),
        channels=tuple(by_channel),
    )


# -- writing the Cadence tab ------------------------------------------------------


def cadence_changes(
    existing: pd.DataFrame, result: CadenceResult, *, day_first: bool = True
) -> Changes:
    """Replace the job's own Cadence rows for the laid-out days: update, append, delete stale.

    The job's own rows are those dated in the range whose Slot looks like a
    label this job writes; rows people added, rows outside the range and rows
    of channels skipped for a bad cell are left alone.
    """
    keep_channels = {c.casefold() for c in result.skipped_channels}
    own: dict[tuple[date, str, str], tuple[tuple[str, str, str], dict[str, str]]] = {}
    for row in existing.to_dict("records"):
        date_text, channel, label = (
            clean_text(row.get(f, "")) for f in ("date", "channel", "slot")
        )
        if (
            not (date_text and channel and _OWN_LABEL.match(label))
            or channel.casefold() in keep_channels
        ):
            continue
        try:
            day = parse_date(date_text, day_first=day_first)
        except ValueError:
            continue
        if result.first_day <= day <= result.last_day:
            own.setdefault((day, channel.casefold(), label), ((date_text, channel, label), row))
    appends: list[Append] = []
    updates: list[Update] = []
    wanted: set[tuple[date, str, str]] = set()
    for state in result.states:
        norm = (state.day, state.channel.casefold(), state.label)
        if norm in wanted:
            continue
        wanted.add(norm)
        row = state.row()
        if norm in own:
            raw_key, current = own[norm]
            values = {f: row[f] for f in ("status", "queue_id", "note")}
            if any(clean_text(current.get(f, "")) != v for f, v in values.items()):
                updates.append(Update("Cadence", raw_key, values))
        else:
            appends.append(Append("Cadence", row))
    deletes = tuple(Delete("Cadence", raw) for norm, (raw, _) in own.items() if norm not in wanted)
    return Changes(appends=tuple(appends), updates=tuple(updates), deletes=deletes)


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: Any = None) -> Plan:
    """check-cadence's pure plan: slots, fills, suggestions, and the Cadence tab rewrite."""
    crisis = crisis_state(snapshot).active
    result = check_cadence(snapshot["Channels"], snapshot["Queue"], now, settings, crisis=crisis)
    changes = cadence_changes(
        snapshot.get_or_empty("Cadence"), result, day_first=settings.organisation.day_first
    )
    counts = dict(result.counts)
    counts.update(
        rows_added=len(changes.appends),
        rows_updated=len(changes.updates),
        rows_removed=len(changes.deletes),
    )
    lines = (
        f"Laid out {counts['slots']} slots on {len(result.channels)} channel(s) from "
        f"{result.first_day.isoformat()} to {result.last_day.isoformat()}",
        *result.lines,
    )
    return Plan(
        changes=changes, report=Report(counts=counts, lines=lines, problems=result.problems)
    )


JOB = Job(
    "check-cadence",
    "Lay out each channel's posting slots, find gaps and suggest approved items to fill them",
    TABS,
    plan,
)
