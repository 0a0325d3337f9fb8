"""check-cadence: lay out the posting slots each channel's plan asks for, and see how they are filled.

Each channel's plan (Posts Per Week, Post Days, Post Window) becomes slots for
the past `cadence.lookback_days` and the next `cadence.horizon_days`, in the
organisation's timezone. Scheduled and published Queue items fill slots; a
free slot ahead gets a suggested item (Approved, unscheduled, unflagged),
except in a crisis. The job rewrites its own rows of the Cadence tab for the
laid-out days and reports gaps, items outside the plan, overdue items,
over-booked days and last week's adherence. A scheduled item on a channel
that needs approval, without an approval that counts, is `Needs approval`.

Times (jobs/channels.py): a slot is built from its local date and local clock time and then
given the organisation's zone, so a 09:00 window stays 09:00 local on both
sides of a daylight-saving change. Queue times are converted to the
organisation's zone before their date and clock time are compared.

Work is linear in the queue: items are indexed by (channel, date) once and
each channel-day matches only its own items against its own slots.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from jobs.approvals import ApprovalBook
from jobs.base import Job, OutputFile, Plan, Report
from jobs.cadence_calendar import (
    FILE_NAME,
    CalendarSlot,
    calendar_ics,
    calendar_slots,
    same_calendar,
)
from jobs.channels import ChannelPlan, Slot, lay_out_slots, read_channels
from jobs.crisis.state import crisis_state
from jobs.queue_items import PLACED, QueueItem, Suggester, read_queue, suggestion_candidates
from sheets_schema.records import Append, Changes, Delete, Snapshot, Update
from sheets_schema.validate import Problem
from sheets_schema.values import (
    clean_text,
    parse_date,
)

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

TABS = ("Channels", "Queue", "Cadence", "Crises", "Program", "Approvals")

#: Slot labels this job writes; rows in the Cadence tab with other labels belong to people.
_OWN_LABEL = re.compile(r"^(?:\d{2}:\d{2}-\d{2}:\d{2}|any time) #\d+$")


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
    #: the cells of Channels and Queue the plan could not use, each naming its place and fix
    cell_problems: tuple[Problem, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    #: channels whose cells could not be read: their existing Cadence rows are left alone
    skipped_channels: tuple[str, ...] = ()
    #: posts that found no planned slot (a day without slots, or more posts than slots): reported, not written
    unplanned: tuple[SlotState, ...] = ()
    channels: tuple[str, ...] = ()

    @property
    def problems(self) -> tuple[str, ...]:
        """The cell problems as report lines."""
        return tuple(p.line() for p in self.cell_problems)


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
    problems: list[Problem] = field(default_factory=list)


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
        if not (item.status.casefold() in PLACED or (crisis and item.status == "On hold")):
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
                Problem(
                    "Queue",
                    item.row,
                    "Channels",
                    "",
                    f"{item.id} is {item.status} for {day.isoformat()} but names no channel, "
                    "so it fills no slot",
                    "add its channels",
                )
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


def _awaiting_approval(states: list[SlotState], book: ApprovalBook) -> list[SlotState]:
    """Slots a scheduled item fills but may not yet: its channel needs an approval it lacks
    (jobs/approvals.py). Published, overdue and held items keep their status."""
    out: list[SlotState] = []
    for state in states:
        ahead = state.status in ("Filled", "Outside window")
        verdict = book.verdict(state.queue_id) if ahead and state.queue_id else None
        if verdict is not None and not verdict.approved and " scheduled " in state.note:
            state = replace(state, status="Needs approval", note=f"{state.note}; {verdict.why}")
        out.append(state)
    return out


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
        "needs_approval": by_status["Needs approval"],
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
    approvals: ApprovalBook | None = None,
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
    if approvals is not None:
        matched.states = _awaiting_approval(matched.states, approvals)
        matched.unplanned = _awaiting_approval(matched.unplanned, approvals)

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
        cell_problems=tuple(problems),
        counts=_counts(matched, sum(len(v) for v in slots_by_day.values()), adherence),
        skipped_channels=tuple(skipped),
        unplanned=tuple(matched.unplanned),
        channels=tuple(by_channel),
    )


def cell_problems(snapshot: Snapshot, now: datetime, settings: Settings) -> tuple[Problem, ...]:
    """The cells check-cadence cannot use (the crisis switch, Channels, Queue), as it reports
    them: the brief lists them for the coordinator to fix, from the snapshot it reads."""
    state = crisis_state(snapshot)
    result = check_cadence(
        snapshot.get_or_empty("Channels"),
        snapshot.get_or_empty("Queue"),
        now,
        settings,
        crisis=state.active,
    )
    return (*state.problems, *result.cell_problems)


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


@dataclass(frozen=True)
class CadencePlan(Plan):
    """check-cadence's plan, with the slots ahead as calendar events for a Google Calendar."""

    calendar: tuple[CalendarSlot, ...] = ()
    #: the time the events cover: from the start of today to the end of the horizon
    calendar_window: tuple[datetime, datetime] | None = None


@dataclass(frozen=True)
class CalendarInputs:
    """What gather found: calendar.ics as it is on disk (None when there is none)."""

    previous: str | None = None


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: Any = None) -> Plan:
    """check-cadence's pure plan: slots, fills, suggestions, the Cadence tab rewrite, the calendar."""
    state = crisis_state(snapshot)
    book = ApprovalBook(snapshot, settings.tz, day_first=settings.organisation.day_first)
    result = check_cadence(
        snapshot["Channels"], snapshot["Queue"], now, settings, crisis=state.active, approvals=book
    )
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
    today = now.astimezone(settings.tz).date()
    slots = calendar_slots(result.states, today, settings.sender_domain)
    files = _calendar_file(slots, now, settings, inputs)
    if files:
        lines = (*lines, f"wrote {files[0].name} ({counts['slots']} slots as calendar events)")
    window = (
        datetime.combine(today, datetime.min.time(), settings.tz),
        datetime.combine(result.last_day + timedelta(days=1), datetime.min.time(), settings.tz),
    )
    return CadencePlan(
        calendar=slots,
        calendar_window=window,
        changes=changes,
        files=files,
        report=Report(
            counts=counts,
            lines=lines,
            problems=tuple(p.line() for p in (*state.problems, *result.cell_problems)),
        ),
    )


def _calendar_file(
    slots: tuple[CalendarSlot, ...], now: datetime, settings: Settings, inputs: Any
) -> tuple[OutputFile, ...]:
    """calendar.ics when a slot in it changed (or there is none yet); () when it is as on disk."""
    name = f"{settings.organisation.name}: posting plan"
    content = calendar_ics(slots, name, now)
    previous = inputs.previous if isinstance(inputs, CalendarInputs) else None
    if same_calendar(previous, content):
        return ()
    return (OutputFile(FILE_NAME, content),)


JOB = Job(
    "check-cadence",
    "Lay out each channel's posting slots, find gaps and suggest approved items to fill them",
    TABS,
    plan,
)
