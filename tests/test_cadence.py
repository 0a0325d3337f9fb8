"""check-cadence: slots from each channel's plan, how they are filled, and the Cadence tab rewrite."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.config import settings_from_dict
from automation.store.xlsx import XlsxStore
from jobs import brief, cadence
from jobs.channels import ChannelPlan, lay_out_slots, read_channels, week_slots
from jobs.crisis.state import crisis_state, crisis_state_of
from sheets_schema.records import Append, Changes, Delete, Snapshot, Update, frame_from_rows
from sheets_schema.settings import Settings

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def settings_for(tmp_path: Path, timezone: str = "Europe/London") -> Settings:
    return settings_from_dict(
        {
            "organisation": {
                "name": "Example Org",
                "timezone": timezone,
                "email_domains": ["example.org"],
            }
        },
        tmp_path / "chorus.toml",
    )


def channel(
    name: str = "LinkedIn",
    per_week: str = "3",
    days: str = "Mon, Wed, Fri",
    window: str = "09:00-11:00",
    active: str = "Yes",
) -> dict[str, str]:
    return {
        "channel": name,
        "posts_per_week": per_week,
        "post_days": days,
        "post_window": window,
        "active": active,
    }


def snapshot(
    channels: list[dict],
    queue: list[dict] = (),
    cadence_rows: list[dict] = (),
    crises: list[dict] = (),
    program: list[dict] = (),
) -> Snapshot:
    return Snapshot(
        {
            "Channels": frame_from_rows("Channels", channels),
            "Queue": frame_from_rows("Queue", queue),
            "Cadence": frame_from_rows("Cadence", cadence_rows),
            "Crises": frame_from_rows("Crises", crises),
            "Program": frame_from_rows("Program", program),
        }
    )


def only_plan(**kw: object) -> ChannelPlan:
    plans, problems, _, _ = read_channels(frame_from_rows("Channels", [channel(**kw)]))
    assert not problems
    return plans[0]


def states_by_key(result: cadence.CadenceResult) -> dict[tuple[str, str, str], cadence.SlotState]:
    return {(s.day.isoformat(), s.channel, s.label): s for s in result.states}


# -- daylight saving -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "after"),
    [
        (LONDON, date(2027, 3, 26), date(2027, 3, 29)),  # clocks go forward Sun 28 March 2027
        (LONDON, date(2027, 10, 29), date(2027, 11, 1)),  # clocks go back Sun 31 October 2027
        (NEW_YORK, date(2027, 3, 12), date(2027, 3, 15)),  # forward Sun 14 March 2027
        (NEW_YORK, date(2027, 11, 5), date(2027, 11, 8)),  # back Sun 7 November 2027
    ],
)
def test_a_nine_oclock_window_stays_nine_local_on_both_sides_of_a_clock_change(zone, before, after):
    plan = only_plan(per_week="7", days="daily", window="09:00-10:00")
    slots = lay_out_slots(plan, before, after, zone)
    assert [s.day for s in slots] == [before + timedelta(days=i) for i in range(4)]
    assert {(s.start.hour, s.start.minute, s.end.hour) for s in slots} == {(9, 0, 10)}
    assert all(s.label == "09:00-10:00 #1" for s in slots)
    offsets = [s.start.utcoffset() for s in slots]
    assert offsets[0] != offsets[-1]  # the same local hour is a different UTC hour
    utc_hours = [s.start.astimezone(ZoneInfo("UTC")).hour for s in slots]
    assert utc_hours[0] - utc_hours[-1] in (1, -1)


def test_an_item_scheduled_in_utc_after_the_spring_change_fills_the_local_nine_oclock_slot(
    tmp_path,
):
    # 08:30 UTC on Mon 29 March 2027 is 09:30 British Summer Time: inside 09:00-10:00.
    snap = snapshot(
        [channel(per_week="5", days="Mon-Fri", window="09:00-10:00")],
        [
            {
                "id": "Q-1",
                "status": "Scheduled",
                "channels": "LinkedIn",
                "scheduled_for": "2027-03-29T08:30:00Z",
            }
        ],
    )
    result = cadence.check_cadence(
        snap["Channels"],
        snap["Queue"],
        datetime(2027, 3, 26, 8, 0, tzinfo=LONDON),
        settings_for(tmp_path),
    )
    state = states_by_key(result)[("2027-03-29", "LinkedIn", "09:00-10:00 #1")]
    assert (state.status, state.queue_id) == ("Filled", "Q-1")
    assert result.counts["outside_window"] == 0


# -- laying out ------------------------------------------------------------------


def test_seven_posts_a_week_every_day_gives_one_slot_a_day():
    slots = week_slots(only_plan(per_week="7", days="daily"), date(2027, 3, 29), LONDON)
    assert [s.day.weekday() for s in slots] == [0, 1, 2, 3, 4, 5, 6]


def test_seven_posts_on_working_days_puts_two_slots_on_two_days():
    slots = week_slots(only_plan(per_week="7", days=""), date(2027, 3, 29), LONDON)
    per_day = [sum(1 for s in slots if s.day.weekday() == d) for d in range(7)]
    assert per_day == [1, 2, 1, 2, 1, 0, 0]
    assert [s.label for s in slots if s.day.weekday() == 1] == ["09:00-11:00 #1", "09:00-11:00 #2"]


def test_no_post_days_spreads_three_posts_over_the_working_week():
    slots = week_slots(only_plan(per_week="3", days=""), date(2027, 3, 29), LONDON)
    assert [s.day.weekday() for s in slots] == [0, 2, 4]


def test_several_windows_get_slots_in_each():
    plan = only_plan(per_week="10", days="Mon-Fri", window="9am-11am, 14:00-15:00")
    slots = week_slots(plan, date(2027, 3, 29), LONDON)
    monday = [s.label for s in slots if s.day == date(2027, 3, 29)]
    assert monday == ["09:00-11:00 #1", "14:00-15:00 #1"]


def test_single_daily_posts_alternate_between_two_windows():
    plan = only_plan(per_week="4", days="Mon-Thu", window="9-11, 14-15")
    labels = [s.label for s in week_slots(plan, date(2027, 3, 29), LONDON)]
    assert labels == ["09:00-11:00 #1", "14:00-15:00 #1", "09:00-11:00 #1", "14:00-15:00 #1"]


def test_overlapping_windows_are_merged_and_an_item_in_the_overlap_fills_one_slot(tmp_path):
    plans, problems, lines, _ = read_channels(
        frame_from_rows(
            "Channels", [channel(per_week="1", days="Mon", window="09:00-12:00, 11:00-13:00")]
        )
    )
    assert not problems
    assert plans[0].windows == ((datetime(1, 1, 1, 9).time(), datetime(1, 1, 1, 13).time()),)
    assert lines == ["LinkedIn: the Post Window hours overlap; planned as 09:00-13:00"]
    snap = snapshot(
        [channel(per_week="1", days="Mon", window="09:00-12:00, 11:00-13:00")],
        [
            {
                "id": "Q-1",
                "status": "Scheduled",
                "channels": "LinkedIn",
                "scheduled_for": "2027-03-29 11:30",
            }
        ],
    )
    result = cadence.check_cadence(
        snap["Channels"],
        snap["Queue"],
        datetime(2027, 3, 29, 8, 0, tzinfo=LONDON),
        settings_for(tmp_path),
    )
    monday = [s for s in result.states if s.day == date(2027, 3, 29)]
    assert [(s.label, s.status, s.queue_id) for s in monday] == [
        ("09:00-13:00 #1", "Filled", "Q-1")
    ]


def test_an_inactive_channel_has_no_slots_and_its_old_rows_are_removed(tmp_path):
    old_row = {"date": "2027-03-31", "channel": "X", "slot": "09:00-11:00 #1", "status": "Gap"}
    snap = snapshot([channel(), channel("X", active="No")], cadence_rows=[old_row])
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    assert {a.row["channel"] for a in plan.changes.appends} == {"LinkedIn"}
    assert plan.changes.deletes == (Delete("Cadence", ("2027-03-31", "X", "09:00-11:00 #1")),)
    assert "X is paused (Active: No): no slots planned" in plan.report.lines


def test_a_bad_post_days_cell_is_a_problem_naming_the_cell_and_other_channels_still_run(tmp_path):
    snap = snapshot(
        [channel("LinkedIn", days="Mon, Funday"), channel("X", per_week="5", days="weekdays")]
    )
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    (problem,) = plan.report.problems
    assert problem.startswith(
        "tab 'Channels', row 2, column 'Post Days': 'Mon, Funday' is not a list of days"
    )
    assert "skipped" in problem
    assert {a.row["channel"] for a in plan.changes.appends} == {"X"}


def test_a_bad_post_window_names_the_value(tmp_path):
    snap = snapshot([channel(window="morning")])
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    assert plan.report.problems == (
        "tab 'Channels', row 2, column 'Post Window': 'morning' is not a time window "
        "(write it as 09:00-11:00); this channel was skipped",
    )


# -- filling slots -----------------------------------------------------------------


def test_overdue_and_outside_window_items_are_marked_and_reported(tmp_path):
    now = datetime(2027, 3, 31, 12, 0, tzinfo=LONDON)  # Wednesday noon
    queue = [
        # due Monday 09:30, never published
        {
            "id": "Q-1",
            "status": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": "2027-03-29 09:30",
            "headline": "Late",
        },
        # Friday at 15:00: the plan says 09:00-11:00
        {
            "id": "Q-2",
            "status": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": "2027-04-02 15:00",
            "headline": "Afternoon",
        },
        # Saturday: not a post day, so no slot to take
        {
            "id": "Q-3",
            "status": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": "2027-04-03 10:00",
            "headline": "Weekend",
        },
    ]
    snap = snapshot([channel()], queue)
    result = cadence.check_cadence(snap["Channels"], snap["Queue"], now, settings_for(tmp_path))
    states = states_by_key(result)
    assert (
        states[("2027-03-29", "LinkedIn", "09:00-11:00 #1")].status,
        states[("2027-03-29", "LinkedIn", "09:00-11:00 #1")].queue_id,
    ) == ("Overdue", "Q-1")
    assert states[("2027-04-02", "LinkedIn", "09:00-11:00 #1")].status == "Outside window"
    assert states[("2027-04-02", "LinkedIn", "09:00-11:00 #1")].queue_id == "Q-2"
    assert result.counts["outside_window"] == 2
    assert result.counts["overdue"] == 1
    assert [u.queue_id for u in result.unplanned] == ["Q-3"]
    assert any(
        "Q-3 (Weekend) is scheduled for Sat 03 Apr 10:00, outside the plan (Mon, Wed, Fri 09:00-11:00)"
        in line
        for line in result.lines
    )
    assert any("Q-1 was due Mon 29 Mar 09:30 and is not published" in line for line in result.lines)


def test_more_posts_than_slots_on_a_day_is_reported_as_over_booked(tmp_path):
    queue = [
        {
            "id": f"Q-{i}",
            "status": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": f"2027-03-31 09:{i}0",
        }
        for i in range(1, 4)
    ]
    snap = snapshot([channel()], queue)
    result = cadence.check_cadence(
        snap["Channels"],
        snap["Queue"],
        datetime(2027, 3, 29, 8, 0, tzinfo=LONDON),
        settings_for(tmp_path),
    )
    assert result.counts["overbooked_days"] == 1
    assert "LinkedIn: 3 posts on Wed 31 Mar for 1 planned slot(s) (over-booked)" in result.lines
    assert states_by_key(result)[("2027-03-31", "LinkedIn", "09:00-11:00 #1")].queue_id == "Q-1"


def approved(
    item_id: str,
    created: str,
    kind: str = "Organisation",
    source_type: str = "News release",
    **extra: str,
) -> dict[str, str]:
    return {
        "id": item_id,
        "status": "Approved",
        "created": created,
        "source_kind": kind,
        "source_type": source_type,
        "headline": f"Item {item_id}",
        **extra,
    }


def test_suggestions_take_the_oldest_item_never_twice_and_never_a_flagged_one(tmp_path):
    queue = [
        approved("Q-3", "2027-03-03 09:00"),
        approved("Q-1", "2027-03-01 09:00", flags="confidential word"),
        approved("Q-2", "2027-03-02 09:00"),
        approved("Q-4", "2027-03-04 09:00", channels="X"),
        approved("Q-5", "2027-03-05 09:00", scheduled_for="2027-05-01 09:00"),
    ]
    snap = snapshot(
        [channel(per_week="5", days="Mon-Fri"), channel("X", per_week="5", days="Mon-Fri")], queue
    )
    now = datetime(2027, 3, 29, 7, 0, tzinfo=LONDON)
    result = cadence.check_cadence(snap["Channels"], snap["Queue"], now, settings_for(tmp_path))
    suggested = [
        (s.day.isoformat(), s.channel, s.queue_id) for s in result.states if s.status == "Suggested"
    ]
    assert suggested == [
        ("2027-03-29", "LinkedIn", "Q-2"),
        ("2027-03-29", "X", "Q-3"),
        ("2027-03-30", "X", "Q-4"),
    ]
    assert result.counts["suggested"] == 3


def test_suggestions_mix_source_kinds_and_types(tmp_path):
    queue = [
        approved("O-1", "2027-03-01 09:00", "Organisation", "News release"),
        approved("O-2", "2027-03-02 09:00", "Organisation", "News release"),
        approved("O-3", "2027-03-03 09:00", "Organisation", "Event"),
        approved("S-1", "2027-03-10 09:00", "Staff & partners", "Employee award"),
        approved("E-1", "2027-03-11 09:00", "External", "Industry article"),
    ]
    snap = snapshot([channel(per_week="5", days="Mon-Fri")], queue)
    result = cadence.check_cadence(
        snap["Channels"],
        snap["Queue"],
        datetime(2027, 3, 29, 7, 0, tzinfo=LONDON),
        settings_for(tmp_path),
    )
    suggested = [s.queue_id for s in result.states if s.status == "Suggested"]
    # oldest first, then round the kinds; within Organisation an Event before a second News release
    assert suggested == ["O-1", "S-1", "E-1", "O-3", "O-2"]


def test_slots_already_past_are_gaps_not_suggestions(tmp_path):
    snap = snapshot([channel()], [approved("Q-1", "2027-03-01 09:00")])
    now = datetime(2027, 3, 29, 12, 0, tzinfo=LONDON)  # Monday's 09:00-11:00 is over
    result = cadence.check_cadence(snap["Channels"], snap["Queue"], now, settings_for(tmp_path))
    states = states_by_key(result)
    assert states[("2027-03-29", "LinkedIn", "09:00-11:00 #1")].status == "Gap"
    assert states[("2027-03-29", "LinkedIn", "09:00-11:00 #1")].note == "missed: nothing went out"
    assert states[("2027-03-31", "LinkedIn", "09:00-11:00 #1")].queue_id == "Q-1"


@pytest.mark.parametrize(
    ("crises", "program"),
    [
        ([{"id": "C-1", "started": "2027-03-28 18:00", "reason": "outage"}], []),
        ([], [{"setting": "Crisis Mode", "value": "On"}]),
    ],
)
def test_in_a_crisis_items_on_hold_are_held_and_nothing_is_suggested(tmp_path, crises, program):
    queue = [
        {
            "id": "Q-1",
            "status": "On hold",
            "held_from": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": "2027-03-31 10:00",
        },
        approved("Q-2", "2027-03-01 09:00"),
    ]
    snap = snapshot([channel()], queue, crises=crises, program=program)
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    rows = {(a.row["date"], a.row["slot"]): a.row for a in plan.changes.appends}
    assert rows[("2027-03-31", "09:00-11:00 #1")]["status"] == "Held"
    assert rows[("2027-04-02", "09:00-11:00 #1")]["status"] == "Gap"
    assert rows[("2027-04-02", "09:00-11:00 #1")]["note"] == "crisis mode: no suggestions"
    assert plan.report.counts["suggested"] == 0
    assert plan.report.counts["held"] == 1


def test_an_ended_crisis_no_longer_holds_anything(tmp_path):
    crises = [{"id": "C-1", "started": "2027-03-20 18:00", "ended": "2027-03-22 10:00"}]
    assert not crisis_state_of(
        frame_from_rows("Crises", crises), frame_from_rows("Program", [])
    ).active


HELD_ITEM = {
    "id": "Q-1",
    "status": "On hold",
    "held_from": "Scheduled",
    "channels": "LinkedIn",
    "scheduled_for": "2027-03-31 10:00",
}
MONDAY_MORNING = datetime(2027, 3, 29, 7, 30, tzinfo=LONDON)


def crisis_readings(tmp_path, crises, program):
    """What check-cadence and the brief each make of one sheet's crisis mode."""
    snap = snapshot(
        [channel()], [HELD_ITEM, approved("Q-2", "2027-03-01 09:00")], [], crises, program
    )
    settings = settings_for(tmp_path)
    plan = cadence.plan(snap, MONDAY_MORNING, settings)
    rows = {(a.row["date"], a.row["slot"]): a.row for a in plan.changes.appends}
    context, _ = brief.brief_context(snap, MONDAY_MORNING, settings)
    return rows[("2027-03-31", "09:00-11:00 #1")]["status"], context["crisis"]


@pytest.mark.parametrize("notes", ["Chorus held 1 scheduled item(s) at 2027-03-28 18:05: Q-1.", ""])
def test_a_crisis_whose_ended_is_later_today_is_over_for_every_job(tmp_path, notes):
    # Writing Ended asks Chorus to stand down, whatever time it names: check-cadence
    # and the brief no longer treat the program as in a crisis (cadence's own reading
    # used to keep the row open until 17:00).
    crises = [
        {"id": "C-1", "started": "2027-03-28 18:00", "ended": "2027-03-29 17:00", "notes": notes}
    ]
    state = crisis_state(snapshot([channel()], crises=crises))
    assert (state.active, state.open_rows) == (False, ())
    assert state.pending == ("end" if notes else "")
    slot, crisis = crisis_readings(tmp_path, crises, [])
    assert slot != "Held"
    assert crisis is None


def test_the_crisis_brief_lists_only_the_open_crises_not_one_ending_later_today(tmp_path):
    # The brief listed crises by cadence's own reading, which kept C-1 open until 17:00.
    crises = [
        {"id": "C-1", "started": "2027-03-27 18:00", "ended": "2027-03-29 17:00"},
        {"id": "C-2", "started": "2027-03-28 18:00", "reason": "outage"},
    ]
    slot, crisis = crisis_readings(tmp_path, crises, [])
    assert slot == "Held"
    assert [c["id"] for c in crisis["crises"]] == ["C-2"]
    assert crisis["switched_on_in_program"] is False


def test_the_program_switch_on_with_no_crises_row_is_a_crisis_for_every_job(tmp_path):
    # Cadence's own reading found no open Crises row here; the one state says crisis
    # mode is on until the next watch opens its row.
    program = [{"setting": "Crisis Mode", "value": "On"}]
    state = crisis_state(snapshot([channel()], program=program))
    assert (state.active, state.open_rows, state.pending) == (True, (), "start")
    assert state.label == "(Program: Crisis Mode)"
    slot, crisis = crisis_readings(tmp_path, [], program)
    assert slot == "Held"
    assert (crisis["crises"], crisis["switched_on_in_program"]) == ([], True)


def test_adherence_is_published_over_planned_last_week(tmp_path):
    queue = [
        {
            "id": "P-1",
            "status": "Published",
            "channels": "LinkedIn",
            "published_at": "2027-03-22 09:15",
        },
        {
            "id": "P-2",
            "status": "Published",
            "channels": "LinkedIn",
            "published_at": "2027-03-24 10:40",
        },
        {
            "id": "P-3",
            "status": "Published",
            "channels": "LinkedIn",
            "published_at": "2027-03-15 10:40",
        },  # too old
    ]
    snap = snapshot([channel()], queue)
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    assert plan.report.counts["adherence_linkedin_pct"] == 67
    assert "LinkedIn kept 2 of 3 planned posts in the last 7 days (67%)" in plan.report.lines


# -- the Cadence tab ----------------------------------------------------------------


def test_the_cadence_tab_keeps_rows_people_added_and_replaces_the_jobs_own(tmp_path):
    existing = [
        # the job's own row, now filled: updated in place
        {
            "date": "2027-03-29",
            "channel": "LinkedIn",
            "slot": "09:00-11:00 #1",
            "status": "Gap",
            "note": "old",
        },
        # the job's own row for a slot the plan no longer has: removed
        {"date": "2027-03-30", "channel": "LinkedIn", "slot": "09:00-11:00 #1", "status": "Gap"},
        # outside the laid-out days: untouched
        {"date": "2027-01-04", "channel": "LinkedIn", "slot": "09:00-11:00 #1", "status": "Filled"},
        # a person's own note in the range: untouched
        {
            "date": "2027-03-30",
            "channel": "LinkedIn",
            "slot": "Launch day special",
            "status": "Filled",
        },
    ]
    queue = [
        {
            "id": "Q-1",
            "status": "Scheduled",
            "channels": "LinkedIn",
            "scheduled_for": "2027-03-29 09:30",
        }
    ]
    snap = snapshot([channel()], queue, cadence_rows=existing)
    plan = cadence.plan(snap, datetime(2027, 3, 29, 7, 30, tzinfo=LONDON), settings_for(tmp_path))
    assert plan.changes.updates == (
        Update(
            "Cadence",
            ("2027-03-29", "LinkedIn", "09:00-11:00 #1"),
            {"status": "Filled", "queue_id": "Q-1", "note": "Q-1 scheduled Mon 29 Mar 09:30"},
        ),
    )
    assert plan.changes.deletes == (
        Delete("Cadence", ("2027-03-30", "LinkedIn", "09:00-11:00 #1")),
    )
    appended = [(a.row["date"], a.row["slot"]) for a in plan.changes.appends]
    assert ("2027-03-29", "09:00-11:00 #1") not in appended
    assert appended[0] == ("2027-03-22", "09:00-11:00 #1")  # the lookback week is laid out too
    assert appended[-1] == ("2027-04-09", "09:00-11:00 #1")  # and 14 days ahead
    assert plan.report.counts["rows_updated"] == 1 and plan.report.counts["rows_removed"] == 1


def test_a_second_run_against_the_workbook_changes_nothing(tmp_path):
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(
        Changes(
            appends=(
                Append("Channels", channel()),
                Append(
                    "Channels", channel("X", per_week="10", days="weekdays", window="9-11, 2pm-3pm")
                ),
                Append(
                    "Queue",
                    {
                        "id": "Q-1",
                        "source_kind": "Organisation",
                        "headline": "A",
                        "status": "Scheduled",
                        "channels": "LinkedIn, X",
                        "scheduled_for": "2027-03-29 09:30",
                    },
                ),
                Append(
                    "Queue",
                    {
                        "id": "Q-2",
                        "source_kind": "Organisation",
                        "headline": "B",
                        "status": "Approved",
                        "created": "2027-03-01 09:00",
                    },
                ),
            )
        )
    )
    settings, now = settings_for(tmp_path), datetime(2027, 3, 29, 7, 30, tzinfo=LONDON)
    first = cadence.plan(store.read(cadence.TABS), now, settings)
    assert first.report.counts["rows_added"] == first.report.counts["slots"] == 3 * 3 + 10 * 3
    store.apply(first.changes)
    second = cadence.plan(store.read(cadence.TABS), now, settings)
    assert not second.changes
    rows = store.read(["Cadence"])["Cadence"]
    suggested = rows[rows["status"] == "Suggested"]
    assert list(suggested["queue_id"]) == ["Q-2"]


def test_the_job_is_registered():
    import jobs

    assert jobs.get("check-cadence") is cadence.JOB
    assert cadence.JOB.tabs == ("Channels", "Queue", "Cadence", "Crises", "Program", "Approvals")


@pytest.mark.parametrize(
    ("days", "window"),
    [
        ("Mon, Wed, Fri", "9-11"),
        ("Mon-Fri", "09:00 - 11:00"),
        ("weekdays", "9am-11am"),
        ("every weekday", "9.00-11.00"),
        ("M-F", "0900-1100"),
        ("Monday to Friday", "9h-11h"),
    ],
)
def test_channels_read_the_common_ways_people_write_days_and_hours(days, window):
    plan = only_plan(per_week="3", days=days, window=window)
    slots = week_slots(plan, date(2027, 3, 29), LONDON)
    assert [s.label for s in slots] == ["09:00-11:00 #1"] * 3
    assert {s.day.weekday() for s in slots} <= {0, 1, 2, 3, 4}


def test_noon_is_understood_in_a_post_window():
    plan = only_plan(per_week="1", days="Wed", window="noon-2pm")
    assert [s.label for s in week_slots(plan, date(2027, 3, 29), LONDON)] == ["12:00-14:00 #1"]
