"""A shared Google Calendar kept in step with the Cadence slots (check-cadence, Google backend).

Chorus's events carry private extended properties: chorus=cadence marks
them as its own (other events on the calendar are never touched),
chorusSlot holds the slot's stable UID (Date + Channel + Slot, the UID of
calendar.ics) and chorusFingerprint what the event shows. One events.list
of the horizon finds them; a slot without an event is inserted, an event
whose fingerprint changed is patched, an event whose slot went away is
deleted, and an unchanged one costs nothing. iCalUID is left to Google:
Google refuses to insert a second event with an iCalUID a deleted one had,
and a slot that comes back must simply come back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from automation.google.errors import GoogleCall
from jobs.cadence_calendar import CalendarSlot

MARK = ("chorus", "cadence")
SLOT_KEY = "chorusSlot"
FINGERPRINT_KEY = "chorusFingerprint"
PAGE = 250


@dataclass(frozen=True)
class CalendarSync:
    """What one sync did, for the run's report."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def line(self, calendar_id: str) -> str:
        return (
            f"Google Calendar {calendar_id}: {self.inserted} added, {self.updated} updated, "
            f"{self.deleted} removed, {self.unchanged} unchanged"
        )


def _fingerprint(slot: CalendarSlot) -> str:
    return hashlib.sha256("|".join(slot.fingerprint()).encode()).hexdigest()[:20]


def event_body(slot: CalendarSlot, zone: str) -> dict[str, Any]:
    """The Calendar API event for a slot: wall-clock times with the organisation's zone."""
    description = slot.description + (f"\n{slot.url}" if slot.url else "")
    return {
        "summary": slot.summary,
        "description": description,
        "start": {"dateTime": slot.start.isoformat(), "timeZone": zone},
        "end": {"dateTime": slot.end.isoformat(), "timeZone": zone},
        "transparency": "transparent",
        "extendedProperties": {
            "private": {
                MARK[0]: MARK[1],
                SLOT_KEY: slot.uid,
                FINGERPRINT_KEY: _fingerprint(slot),
            }
        },
    }


def sync_calendar(
    google: Any,
    calendar_id: str,
    slots: Sequence[CalendarSlot],
    window: tuple[datetime, datetime],
    zone: str,
) -> CalendarSync:
    """Insert, patch and delete Chorus's events in `window` so they match `slots`."""
    call = GoogleCall(
        f"keeping calendar {calendar_id} in step",
        place="[cadence] calendar_id",
        access_fix=f"share the calendar with {google.service_account_email()} with "
        "'Make changes to events', check [cadence] calendar_id, and enable the Calendar API",
    )
    with call:
        events = google.discovery("calendar", "v3").events()
        existing = _our_events(events, calendar_id, window)
        counts = {"inserted": 0, "updated": 0, "deleted": 0, "unchanged": 0}
        wanted = {slot.uid for slot in slots}
        for slot in slots:
            body = event_body(slot, zone)
            found = existing.get(slot.uid)
            if found is None:
                events.insert(calendarId=calendar_id, body=body).execute()
                counts["inserted"] += 1
            elif _private(found).get(FINGERPRINT_KEY) != _fingerprint(slot):
                events.patch(calendarId=calendar_id, eventId=found["id"], body=body).execute()
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        for uid, event in existing.items():
            if uid not in wanted:
                events.delete(calendarId=calendar_id, eventId=event["id"]).execute()
                counts["deleted"] += 1
    return CalendarSync(**counts)


def _private(event: dict[str, Any]) -> dict[str, str]:
    return dict((event.get("extendedProperties") or {}).get("private") or {})


def _our_events(
    events: Any, calendar_id: str, window: tuple[datetime, datetime]
) -> dict[str, dict[str, Any]]:
    """Chorus's events overlapping the window, by slot UID (one list call per 250 events)."""
    found: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        page = events.list(
            calendarId=calendar_id,
            privateExtendedProperty=f"{MARK[0]}={MARK[1]}",
            timeMin=window[0].isoformat(),
            timeMax=window[1].isoformat(),
            maxResults=PAGE,
            pageToken=token,
        ).execute()
        for event in page.get("items", []) or []:
            uid = _private(event).get(SLOT_KEY)
            if uid:
                found[uid] = event
        token = page.get("nextPageToken")
        if not token:
            return found
