"""Calendar v3 twin: events of calendars, listed, inserted, patched and deleted as Google does.

Only what Chorus asks of it: events.list (timeMin/timeMax overlap, privateExtendedProperty
filters "key=value", pages), events.insert, events.patch (a merge of the given fields,
extendedProperties.private merged key by key as Google documents), events.delete (410
"Resource has been deleted" when it is gone already). A calendar exists once a test makes it
(`make_calendar`); any other calendarId is a 404 as for a calendar not shared with the caller.
Times must carry an offset or a timeZone, as Google refuses a floating dateTime.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from tests.fakes.google_http import ApiError, Request, Response, bad_request, not_found


def _moment(when: dict[str, Any], where: str) -> dt.datetime:
    """An event time as an aware datetime; Google refuses a dateTime without offset or zone."""
    text = (when or {}).get("dateTime")
    if not text:
        raise bad_request(f"Missing {where} time.")
    stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        zone = when.get("timeZone")
        if not zone:
            raise bad_request("Missing time zone definition for start time.")
        from zoneinfo import ZoneInfo

        stamp = stamp.replace(tzinfo=ZoneInfo(zone))
    return stamp


class CalendarTwin:
    def __init__(self, rng: random.Random, now: Callable[[], dt.datetime]) -> None:
        self.rng = rng
        self.now = now
        self.calendars: dict[str, dict[str, dict[str, Any]]] = {}

    def make_calendar(self, calendar_id: str) -> None:
        self.calendars.setdefault(calendar_id, {})

    def events(self, calendar_id: str) -> list[dict[str, Any]]:
        """Every live event of a calendar, by start time (for tests)."""
        found = [e for e in self.calendars[calendar_id].values() if e["status"] != "cancelled"]
        return sorted(found, key=lambda e: _moment(e["start"], "start"))

    def _calendar(self, req: Request) -> dict[str, dict[str, Any]]:
        found = self.calendars.get(req.path_params["calendarId"])
        if found is None:
            raise not_found("Not Found")
        return found

    def _event(self, req: Request) -> dict[str, Any]:
        event = self._calendar(req).get(req.path_params["eventId"])
        if event is None:
            raise not_found("Not Found")
        if event["status"] == "cancelled":
            raise ApiError(410, "Resource has been deleted")
        return event

    def _stamp(self, event: dict[str, Any]) -> None:
        event["updated"] = self.now().astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        event["etag"] = f'"{self.rng.getrandbits(48)}"'
        event["sequence"] = int(event.get("sequence", -1)) + 1

    def h_list(self, req: Request) -> Response:
        events = self._calendar(req)
        low = req.arg("timeMin")
        high = req.arg("timeMax")
        wanted = [p.split("=", 1) for p in req.args("privateExtendedProperty") if "=" in p]
        found = []
        for event in sorted(events.values(), key=lambda e: e["id"]):
            if event["status"] == "cancelled" and not req.flag("showDeleted"):
                continue
            start, end = _moment(event["start"], "start"), _moment(event["end"], "end")
            if high and start >= _moment({"dateTime": high}, "timeMax"):
                continue
            if low and end <= _moment({"dateTime": low}, "timeMin"):
                continue
            private = (event.get("extendedProperties") or {}).get("private") or {}
            if any(private.get(k) != v for k, v in wanted):
                continue
            found.append(event)
        size = req.int_arg("maxResults", 250) or 250
        offset = int(req.arg("pageToken") or 0)
        page = found[offset : offset + size]
        body: dict[str, Any] = {"kind": "calendar#events", "items": copy.deepcopy(page)}
        if offset + size < len(found):
            body["nextPageToken"] = str(offset + size)
        return Response.json(body)

    def h_insert(self, req: Request) -> Response:
        events = self._calendar(req)
        body = req.json or {}
        start, end = _moment(body.get("start"), "start"), _moment(body.get("end"), "end")
        if end < start:
            raise bad_request("The specified time range is empty.")
        event_id = "".join(self.rng.choice("abcdefghijklmnopqrstuv0123456789") for _ in range(26))
        event = {**copy.deepcopy(body), "id": event_id, "status": "confirmed"}
        event.setdefault("iCalUID", f"{event_id}@google.com")
        self._stamp(event)
        events[event_id] = event
        return Response.json(copy.deepcopy(event))

    def h_patch(self, req: Request) -> Response:
        event = self._event(req)
        body = req.json or {}
        merged = copy.deepcopy(event)
        for key, value in body.items():
            if key == "extendedProperties":
                for scope, props in (value or {}).items():
                    merged.setdefault("extendedProperties", {}).setdefault(scope, {}).update(props)
            else:
                merged[key] = copy.deepcopy(value)
        if _moment(merged["end"], "end") < _moment(merged["start"], "start"):
            raise bad_request("The specified time range is empty.")
        self._stamp(merged)
        self._calendar(req)[event["id"]] = merged
        return Response.json(copy.deepcopy(merged))

    def h_delete(self, req: Request) -> Response:
        event = self._event(req)
        event["status"] = "cancelled"
        self._stamp(event)
        return Response.empty()

    def handlers(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("calendar", "events.list"): self.h_list,
            ("calendar", "events.insert"): self.h_insert,
            ("calendar", "events.patch"): self.h_patch,
            ("calendar", "events.delete"): self.h_delete,
        }
