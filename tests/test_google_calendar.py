"""On the Google backend check-cadence keeps a shared Google Calendar in step with the slots.

The Calendar twin answers under Google's paths and is driven by google-api-python-client.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from automation.runner import run_job
from automation.store.memory import MemoryStore
from automation.workspace import Workspace
from sheets_schema.records import Append, Changes, Update
from tests.conftest import make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services
from tests.test_cadence_calendar import BEFORE_THE_CHANGE, BLUESKY, QUEUE

CALENDAR = "social-plan@group.calendar.google.com"
LONDON = ZoneInfo("Europe/London")


def workspace(tmp_path: Path):  # noqa: ANN201
    twin = make_app(require_auth=True)
    twin.calendar.make_calendar(CALENDAR)
    settings = make_settings(
        tmp_path,
        backend={"kind": "google", "spreadsheet_id": "sheet-1"},
        cadence={"calendar_id": CALENDAR},
    )
    store = MemoryStore()
    store.ensure_tabs()
    store.apply(
        Changes(appends=(Append("Channels", BLUESKY), *(Append("Queue", row) for row in QUEUE)))
    )
    return twin, Workspace(
        settings=settings, store=store, google=google_services(twin, tmp_path, calendar=True)
    )


def calls(twin, method: str) -> int:  # noqa: ANN001
    return twin.calls[("calendar", f"events.{method}")]


def test_the_calendar_gets_one_event_per_slot_in_london_time(tmp_path: Path) -> None:
    twin, ws = workspace(tmp_path)
    result = run_job(ws, "check-cadence", BEFORE_THE_CHANGE)
    assert result.problems == [] and result.ok, result.error
    events = twin.calendar.events(CALENDAR)
    assert len(events) == 4  # Bluesky on Mon and Thu for two weeks from Thursday
    monday = next(e for e in events if e["start"]["dateTime"].startswith("2027-03-29"))
    assert monday["summary"] == "Bluesky: Our Leeds office opens"
    assert monday["start"] == {"dateTime": "2027-03-29T09:00:00+01:00", "timeZone": "Europe/London"}
    assert datetime.fromisoformat(monday["start"]["dateTime"]).astimezone(LONDON).hour == 9
    assert any("Google Calendar" in line and "4 added" in line for line in result.lines)


def test_unchanged_slots_are_not_rewritten_and_changed_ones_are_patched(tmp_path: Path) -> None:
    twin, ws = workspace(tmp_path)
    run_job(ws, "check-cadence", BEFORE_THE_CHANGE)
    ids = sorted(e["id"] for e in twin.calendar.events(CALENDAR))
    run_job(ws, "check-cadence", BEFORE_THE_CHANGE.replace(hour=8))
    assert (calls(twin, "insert"), calls(twin, "patch"), calls(twin, "delete")) == (4, 0, 0)
    ws.store.apply(
        Changes(updates=(Update("Queue", ("Q-0007",), {"headline": "Leeds office: open day"}),))
    )
    ws.store.apply(
        Changes(
            updates=(Update("Channels", ("Bluesky",), {"post_days": "Mon", "posts_per_week": "1"}),)
        )
    )
    run_job(ws, "check-cadence", BEFORE_THE_CHANGE.replace(hour=8, minute=30))
    assert (calls(twin, "insert"), calls(twin, "patch"), calls(twin, "delete")) == (4, 1, 2)
    events = twin.calendar.events(CALENDAR)
    assert [e["summary"] for e in events] == ["Bluesky: Leeds office: open day", "GAP Bluesky"]
    assert {e["id"] for e in events} <= set(ids)


def test_events_chorus_did_not_make_are_left_alone(tmp_path: Path) -> None:
    twin, ws = workspace(tmp_path)
    twin.calendar.calendars[CALENDAR]["team-lunch"] = {
        "id": "team-lunch",
        "status": "confirmed",
        "summary": "Team lunch",
        "start": {"dateTime": "2027-03-29T12:00:00+01:00"},
        "end": {"dateTime": "2027-03-29T13:00:00+01:00"},
    }
    run_job(ws, "check-cadence", BEFORE_THE_CHANGE)
    assert "Team lunch" in [e["summary"] for e in twin.calendar.events(CALENDAR)]
    assert calls(twin, "delete") == 0


def test_the_calendar_scope_is_asked_for_only_when_a_calendar_is_set(tmp_path: Path) -> None:
    from automation.google.apis import SCOPES
    from automation.google.credentials import load_identity

    key = tmp_path / "service-account.json"
    make_app().make_service_account_key(key)
    key.chmod(0o600)
    backend = {"kind": "google", "spreadsheet_id": "s", "credentials": str(key)}
    backend["delegated_user"] = "social@example.org"
    plain = load_identity(make_settings(tmp_path, backend=backend))
    planned = load_identity(
        make_settings(tmp_path, backend=backend, cadence={"calendar_id": CALENDAR})
    )
    (calendar,) = SCOPES["calendar"]
    assert calendar not in plain.files.scopes and SCOPES["sheets"][0] in plain.files.scopes
    assert calendar in planned.files.scopes and SCOPES["sheets"][0] in planned.files.scopes
    assert planned.kind == plain.kind == "delegated"
