"""Any network in Channels gets slots, and check-cadence writes the plan as calendar.ics."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from automation.runner import run_job
from jobs.network_names import KNOWN_NAMES
from sheets_schema.columns import CHANNEL_NAMES
from sheets_schema.records import Changes, Update, frame_from_rows
from sheets_schema.validate import validate_snapshot
from tests.conftest import make_settings, memory_workspace

LONDON = ZoneInfo("Europe/London")
# Thursday 25 March 2027; the clocks go forward on Sunday 28 March.
BEFORE_THE_CHANGE = datetime(2027, 3, 25, 7, 30, tzinfo=LONDON)
BLUESKY = {
    "channel": "Bluesky",
    "posts_per_week": "2",
    "post_days": "Mon, Thu",
    "post_window": "09:00-10:00",
    "active": "Yes",
}
MASTODON = {**BLUESKY, "channel": "Mastodon", "post_days": "Tue", "posts_per_week": "1"}
QUEUE = [
    {
        "id": "Q-0007",
        "source_kind": "Organisation",
        "headline": "Our Leeds office opens",
        "channels": "Bluesky",
        "status": "Scheduled",
        "scheduled_for": "2027-03-29 09:15",
    }
]


def events(path: Path) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return list(calendar.walk("VEVENT"))


def test_known_networks_are_the_schema_channel_names() -> None:
    assert KNOWN_NAMES == CHANNEL_NAMES


def test_a_bluesky_row_validates_and_any_other_network_too() -> None:
    frames = {
        "Channels": frame_from_rows("Channels", [BLUESKY, {**BLUESKY, "channel": "Pinterest"}]),
        "Queue": frame_from_rows("Queue", [{**QUEUE[0], "channels": "Bluesky, Pinterest"}]),
    }
    assert validate_snapshot(frames, LONDON) == []
    misspelt = {**frames, "Queue": frame_from_rows("Queue", [{**QUEUE[0], "channels": "Blusky"}])}
    [problem] = validate_snapshot(misspelt, LONDON)
    assert problem.place == ("Queue", 2, "Channels")


def test_bluesky_gets_slots_and_the_calendar_has_one_event_per_slot(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    ws = memory_workspace(settings, {"Channels": [BLUESKY, MASTODON], "Queue": QUEUE})
    result = run_job(ws, "check-cadence", BEFORE_THE_CHANGE)
    assert result.problems == []
    cadence = ws.store.read(("Cadence",))["Cadence"]
    ahead = cadence[cadence["date"] >= "2027-03-25"]
    assert set(cadence["channel"]) == {"Bluesky", "Mastodon"}
    found = events(tmp_path / "calendar.ics")
    # Horizon: 14 days from Thursday 25 March: Bluesky Mon and Thu (4), Mastodon Tue (2).
    assert len(found) == len(ahead) == 6
    assert len({str(e["UID"]) for e in found}) == 6
    by_start = {e.decoded("DTSTART"): e for e in found}
    monday = datetime(2027, 3, 29, 9, 0, tzinfo=LONDON)
    filled = by_start[monday]
    assert str(filled["SUMMARY"]) == "Bluesky: Our Leeds office opens"
    # After the clocks change, 09:00 in London is 08:00 UTC, and the event says so.
    assert filled.decoded("DTSTART").astimezone(ZoneInfo("UTC")).time() == time(8, 0)
    assert filled["DTSTART"].params["TZID"] == "Europe/London"
    thursday = by_start[datetime(2027, 3, 25, 9, 0, tzinfo=LONDON)]
    assert thursday.decoded("DTSTART").astimezone(ZoneInfo("UTC")).time() == time(9, 0)
    assert str(thursday["SUMMARY"]) == "GAP Bluesky"
    assert [
        str(t["TZID"])
        for t in icalendar.Calendar.from_ical((tmp_path / "calendar.ics").read_bytes()).walk(
            "VTIMEZONE"
        )
    ] == ["Europe/London"]


def test_the_calendar_keeps_its_uids_and_is_not_rewritten_when_nothing_changed(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    ws = memory_workspace(settings, {"Channels": [BLUESKY], "Queue": QUEUE})
    run_job(ws, "check-cadence", BEFORE_THE_CHANGE)
    path = tmp_path / "calendar.ics"
    first = {str(e["UID"]): str(e["SUMMARY"]) for e in events(path)}
    written = path.read_bytes()
    later = BEFORE_THE_CHANGE.replace(hour=9, minute=45)
    again = run_job(ws, "check-cadence", later)
    assert again.files == [] and path.read_bytes() == written
    ws.store.apply(
        Changes(updates=(Update("Queue", ("Q-0007",), {"headline": "Leeds office: open day"}),))
    )
    changed = run_job(ws, "check-cadence", later)
    assert changed.files == [str(path)]
    second = {str(e["UID"]): str(e["SUMMARY"]) for e in events(path)}
    assert set(second) == set(first)
    monday = next(uid for uid, summary in first.items() if "Our Leeds office" in summary)
    assert second[monday] == "Bluesky: Leeds office: open day"
