"""The posting plan as a calendar: one event per Cadence slot ahead, for any calendar app.

"A calendar makes gaps obvious": check-cadence writes its slots from today to
the end of the horizon as calendar.ics. A filled slot shows the item's
headline, a free one GAP (with the suggested item, if any), a held one HELD.

Each event's UID is fixed by Date + Channel + Slot, so a calendar that
subscribes to the file, or the Google Calendar Chorus keeps in step, updates
an event instead of adding another. Times carry the organisation's zone
(TZID with its VTIMEZONE), so a 09:00 London slot after the clocks change is
still 09:00 in London. The file is only rewritten when a slot changed: the
comparison leaves out DTSTAMP, the one line that says when it was written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from icalendar import Calendar, Event

FILE_NAME = "calendar.ics"
PRODID = "-//Chorus//employee social media program//EN"


class SlotState(Protocol):
    """A Cadence slot and how it is filled, as check-cadence found it (jobs/cadence.py)."""

    @property
    def day(self) -> date: ...
    @property
    def channel(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def queue_id(self) -> str: ...
    @property
    def note(self) -> str: ...
    @property
    def start(self) -> datetime | None: ...
    @property
    def headline(self) -> str: ...
    @property
    def link(self) -> str: ...


@dataclass(frozen=True)
class CalendarSlot:
    """One Cadence slot as a calendar event: what Google Calendar and calendar.ics both hold."""

    uid: str
    summary: str
    description: str
    start: datetime  # aware, in the organisation's zone
    end: datetime
    url: str = ""

    def fingerprint(self) -> tuple[str, str, str, str, str]:
        """What an event shows; an event whose fingerprint is unchanged is not rewritten."""
        return (
            self.summary,
            self.description,
            self.start.isoformat(),
            self.end.isoformat(),
            self.url,
        )


def slot_uid(day: date, channel: str, label: str, domain: str) -> str:
    """The stable UID of a slot: the same Date + Channel + Slot always gives the same UID."""
    basis = f"{day.isoformat()}|{channel.casefold()}|{label}"
    return f"cadence-{day:%Y%m%d}-{hashlib.sha256(basis.encode()).hexdigest()[:16]}@{domain}"


def _summary(state: SlotState) -> str:
    channel = state.channel
    if state.status == "Held":
        return f"HELD {channel}: {state.headline}" if state.headline else f"HELD {channel}"
    if state.status == "Gap":
        return f"GAP {channel}"
    if state.status == "Suggested":
        return f"GAP {channel} (suggested: {state.headline})"
    if state.status == "Overdue":
        return f"OVERDUE {channel}: {state.headline}"
    return f"{channel}: {state.headline or state.queue_id}"


def calendar_slots(
    states: Iterable[SlotState], today: date, domain: str
) -> tuple[CalendarSlot, ...]:
    """The slots from today to the end of the horizon as events (a slot without a time: none)."""
    slots: list[CalendarSlot] = []
    seen: set[str] = set()
    for state in states:
        if state.day < today or state.start is None:
            continue
        uid = slot_uid(state.day, state.channel, state.label, domain)
        if uid in seen:
            continue
        seen.add(uid)
        end = _slot_end(state)
        lines = [f"{state.channel}, {state.day:%a %d %b} {state.label}: {state.status}"]
        if state.queue_id:
            lines.append(f"Queue item {state.queue_id}")
        if state.note:
            lines.append(state.note)
        slots.append(
            CalendarSlot(uid, _summary(state), "\n".join(lines), state.start, end, state.link)
        )
    return tuple(slots)


_LABEL_END = re.compile(r"^\d{2}:\d{2}-(\d{2}):(\d{2})")


def _slot_end(state: SlotState) -> datetime:
    """The end of the slot's window ('09:00-11:00 #1' ends 11:00; 'any time' at the day's end)."""
    assert state.start is not None
    found = _LABEL_END.match(state.label)
    if found:
        hour, minute = int(found.group(1)), int(found.group(2))
    else:
        hour, minute = 23, 59
    # The wall-clock end, given the zone after: right on both sides of a clock change.
    return datetime.combine(state.day, datetime.min.time()).replace(
        hour=hour, minute=minute, tzinfo=state.start.tzinfo
    )


def calendar_ics(slots: Sequence[CalendarSlot], name: str, now: datetime) -> bytes:
    """The iCalendar file: one VEVENT per slot, times with TZID and the zone's VTIMEZONE."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for slot in slots:
        event = Event()
        event.add("uid", slot.uid)
        event.add("dtstamp", now)
        event.add("dtstart", slot.start)
        event.add("dtend", slot.end)
        event.add("summary", slot.summary)
        event.add("description", slot.description)
        if slot.url:
            event.add("url", slot.url)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _without_stamps(text: str) -> str:
    return "\n".join(
        line for line in text.replace("\r\n", "\n").split("\n") if not line.startswith("DTSTAMP")
    )


def same_calendar(previous: str | None, new: bytes) -> bool:
    """Whether the file on disk already says what `new` says (DTSTAMP aside)."""
    if previous is None:
        return False
    return _without_stamps(previous) == _without_stamps(new.decode("utf-8"))
