"""Crisis mode's pure part: the storm detector, the crisis state, holding and standing down."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from automation.mail.compose import render
from jobs.crisis.command import CrisisCommand, plan_end, plan_start, watch
from jobs.crisis.state import PROGRAM_NOTE, crisis_state
from jobs.crisis.storm import detect_spike
from sheets_schema.errors import InputError
from sheets_schema.records import Append, Snapshot, Update, frame_from_rows
from tests.conftest import TZ, make_settings

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=TZ)  # a Tuesday afternoon

PEOPLE = [
    {"name": "Ana Coord", "email": "ana@example.org", "roles": "Coordinator", "active": "Yes"},
    {"name": "Ben Backup", "email": "ben@example.org", "roles": "Backup, Staff", "active": "Yes"},
    {"name": "Mia Manager", "email": "mia@example.org", "roles": "Manager", "active": "Yes"},
    {"name": "Sam Staff", "email": "sam@example.org", "roles": "Staff", "active": "Yes"},
    {"name": "Old Staff", "email": "old@example.org", "roles": "Staff", "active": "No"},
]
ROTA = [
    {"week_starting": "2026-11-23", "coordinator": "ana@example.org", "backup": "ben@example.org"}
]
POLICIES = [
    {
        "id": "P-1",
        "kind": "Guideline",
        "title": "Pass on compliments and criticism",
        "text": "Send the link to the coordinator; do not reply yourself.",
        "version": "1",
        "status": "Current",
    }
]


def mention(n: int, when: datetime, kind: str = "Criticism") -> dict[str, str]:
    return {
        "id": f"M-{n:04d}",
        "found_at": when.strftime("%Y-%m-%d %H:%M"),
        "kind": kind,
        "title": f"mention {n}",
        "url": f"https://x.example/{n}",
        "status": "New",
    }


def quiet_month(end: datetime) -> list[dict[str, str]]:
    """One criticism a day at noon, and plenty of plain mentions, for the 28 days before `end`."""
    rows = []
    for day in range(1, 29):
        rows.append(mention(day, (end - timedelta(days=day)).replace(hour=12, minute=0)))
        for k in range(3):
            at = (end - timedelta(days=day)).replace(hour=9 + k, minute=0)
            rows.append(mention(100 * day + k, at, "Mention"))
    return rows


def burst(start: datetime, count: int, first_id: int = 5000) -> list[dict[str, str]]:
    kinds = ("Criticism", "Direct message")
    return [
        mention(first_id + k, start + timedelta(minutes=15 * k), kinds[k % 2]) for k in range(count)
    ]


def snapshot(**tabs: list[dict[str, str]]) -> Snapshot:
    tabs.setdefault("People", PEOPLE)
    tabs.setdefault("Rota", ROTA)
    tabs.setdefault("Policies", POLICIES)
    names = ("Mentions", "Queue", "Crises", "Program", "Absences", "Sent", "People", "Rota")
    return Snapshot(
        {name: frame_from_rows(name, tabs.get(name, [])) for name in (*names, "Policies")}
    )


def sent_rows(messages, settings) -> list[dict[str, str]]:
    """What the Sent ledger holds after the messages went out at NOW."""
    domain = settings.sender_domain
    return [
        {
            "message_id": m.message_id(domain),
            "job": m.job,
            "period": m.period,
            "recipient": m.to_email,
            "subject": m.subject,
            "sent_at": NOW.strftime("%Y-%m-%d %H:%M"),
            "status": "Sent",
        }
        for m in messages
    ]


# -- the detector ---------------------------------------------------------------------------------


def test_a_quiet_month_then_a_burst_of_criticism_alerts_the_coordinator_and_backup_once(tmp_path):
    settings = make_settings(tmp_path)
    mentions = quiet_month(NOW) + burst(NOW - timedelta(hours=2), 6)
    spike = detect_spike(frame_from_rows("Mentions", mentions), NOW, settings)
    assert spike is not None
    # Crossed at the fifth one (12:00 + 4 x 15 min); blocks of 6 h from the epoch: 12:00 UTC.
    assert spike.crossed_at == datetime(2026, 11, 24, 13, 0, tzinfo=TZ)
    assert spike.episode == "2026-11-24T12:00"
    assert (spike.count, spike.threshold, spike.median, spike.since) == (5, 5, 0.0, 1)
    assert [m["id"] for m in spike.mentions] == ["M-5000", "M-5001", "M-5002", "M-5003", "M-5004"]

    first = watch(snapshot(Mentions=mentions), NOW, settings)
    assert [(m.to_email, m.topic, m.period) for m in first.messages] == [
        ("ana@example.org", "alert", "2026-11-24T12:00"),
        ("ben@example.org", "alert", "2026-11-24T12:00"),
    ]
    assert first.report.counts == {"storm": 1, "alerts": 2}
    listed = first.messages[0].context["mentions"]
    assert [m["kind"] for m in listed] == ["Criticism", "Direct message"] * 2 + ["Criticism"]

    # Later in the same storm, with the alert in the Sent ledger: nothing new is sent.
    later = NOW + timedelta(hours=1)
    more = mentions + burst(NOW + timedelta(minutes=10), 3, first_id=6000)
    again = watch(
        snapshot(Mentions=more, Sent=sent_rows(first.messages, settings)), later, settings
    )
    assert again.messages == ()
    assert again.report.counts == {"storm": 1, "alerts": 0}
    assert again.report.lines == (
        "Storm episode 2026-11-24T12:00 goes on; its alert was sent already",
    )


def test_steady_high_volume_does_not_raise_an_alert(tmp_path):
    settings = make_settings(tmp_path)
    # Eight criticisms in every 6-hour block for 28 days and today: that is normal here.
    rows, n = [], 0
    start = NOW - timedelta(days=28)
    while start < NOW:
        for k in range(8):
            rows.append(mention(n, start + timedelta(minutes=40 * k)))
            n += 1
        start += timedelta(hours=6)
    assert detect_spike(frame_from_rows("Mentions", rows), NOW, settings) is None


def test_a_burst_below_the_minimum_does_not_raise_an_alert(tmp_path):
    settings = make_settings(tmp_path)
    mentions = burst(NOW - timedelta(hours=1), 4)  # a quiet month with no criticism at all, then 4
    assert detect_spike(frame_from_rows("Mentions", mentions), NOW, settings) is None
    assert watch(snapshot(Mentions=mentions), NOW, settings).messages == ()


def test_plain_mentions_compliments_and_questions_do_not_count_towards_a_storm(tmp_path):
    settings = make_settings(tmp_path)
    rows = [
        mention(k, NOW - timedelta(minutes=10 * k), kind)
        for k, kind in enumerate(["Mention", "Compliment", "Question"] * 4)
    ]
    assert detect_spike(frame_from_rows("Mentions", rows), NOW, settings) is None


def test_a_coordinators_typed_entries_count_and_a_storm_after_a_quiet_window_is_a_new_episode(
    tmp_path,
):
    settings = make_settings(tmp_path)
    # Typed by hand, day first, as people in the UK write dates.
    typed = [
        {
            "id": f"M-{k}",
            "found_at": f"24/11/2026 0{k}:30",
            "kind": "Direct message",
            "status": "New",
        }
        for k in range(1, 6)
    ]
    noon = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
    spike = detect_spike(frame_from_rows("Mentions", typed), noon, settings)
    assert spike is not None and spike.episode == "2026-11-24T00:00"  # crossed at 05:30
    # The count fell below 5 at 07:30; quiet for more than a full window, then a new burst in
    # the evening: a new episode with its own id.
    evening = datetime(2026, 11, 24, 19, 0, tzinfo=TZ)
    rows = typed + burst(evening, 5)
    spike = detect_spike(frame_from_rows("Mentions", rows), evening + timedelta(hours=1), settings)
    assert spike is not None and spike.episode == "2026-11-24T18:00"
    # A full window after the first episode quietened (13:30) it is over: nothing is reported.
    assert detect_spike(frame_from_rows("Mentions", typed), NOW, settings) is None


def test_the_episode_keeps_its_id_while_the_storm_goes_on(tmp_path):
    settings = make_settings(tmp_path)
    rows = burst(NOW - timedelta(hours=3), 5)
    first = detect_spike(frame_from_rows("Mentions", rows), NOW, settings)
    # It keeps going for hours, across block boundaries: the same episode.
    rows += [mention(7000 + k, NOW + timedelta(hours=k, minutes=5)) for k in range(8)]
    later = detect_spike(frame_from_rows("Mentions", rows), NOW + timedelta(hours=8), settings)
    assert first is not None and later is not None
    assert later.episode == first.episode == "2026-11-24T12:00"  # crossed at 12:00


# -- the state ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("crises", "switch", "active", "pending"),
    [
        ([], "", False, ""),
        ([], "On", True, "start"),
        ([{"id": "C-001", "started": "2026-11-24 09:00"}], "Off", True, "adopt"),
        (
            [{"id": "C-001", "started": "2026-11-24 09:00", "notes": "Chorus held 2 ..."}],
            "On",
            True,
            "",
        ),
        (
            [{"id": "C-001", "started": "2026-11-24 09:00", "notes": "Chorus held 2 ..."}],
            "Off",
            False,
            "end",
        ),
        (
            [
                {
                    "id": "C-001",
                    "started": "2026-11-24 09:00",
                    "ended": "2026-11-24 12:00",
                    "notes": "Chorus held 2",
                }
            ],
            "On",
            False,
            "end",
        ),
        (
            [
                {
                    "id": "C-001",
                    "started": "2026-11-24 09:00",
                    "ended": "2026-11-24 12:00",
                    "notes": "Chorus held 2. Chorus stood down at ...",
                }
            ],
            "Off",
            False,
            "",
        ),
    ],
    ids=[
        "nothing",
        "switch on: start",
        "row opened by hand: adopt",
        "open and held",
        "switch off: stand down",
        "ended by hand: stand down",
        "over",
    ],
)
def test_crisis_state_reads_the_crises_tab_and_the_program_switch(crises, switch, active, pending):
    program = [{"setting": "Crisis Mode", "value": switch}]
    state = crisis_state(snapshot(Crises=crises, Program=program))
    assert (state.active, state.pending) == (active, pending)


def test_setting_crisis_mode_on_in_the_program_tab_starts_a_crisis_at_the_next_run(tmp_path):
    settings = make_settings(tmp_path)
    queue = [
        {"id": "Q-1", "status": "Scheduled", "scheduled_for": "2026-11-25 09:30", "headline": "a"},
        {"id": "Q-2", "status": "Scheduled", "scheduled_for": "2026-12-09 09:30", "headline": "b"},
        {"id": "Q-3", "status": "Approved", "headline": "c"},
    ]
    plan = watch(
        snapshot(Queue=queue, Program=[{"setting": "Crisis Mode", "value": "on"}]), NOW, settings
    )
    (row,) = [a.row for a in plan.changes.appends if a.tab == "Crises"]
    assert (row["id"], row["started"], row["reason"]) == (
        "C-001",
        "2026-11-24 14:00",
        "Crisis Mode set to On in the Program tab",
    )
    assert "Chorus held 1 scheduled item(s) at 2026-11-24 14:00: Q-1." in row["notes"]
    # Only the item due within hold_days (7) is held, guarded by what was read.
    assert plan.changes.updates == (
        Update(
            "Queue",
            ("Q-1",),
            {"status": "On hold", "held_from": "Scheduled"},
            expect={"status": "Scheduled", "held_from": ""},
        ),
    )
    # The team hears at once; staff wait for a holding statement, and the run says so.
    assert sorted(m.to_email for m in plan.messages) == [
        "ana@example.org",
        "ben@example.org",
        "mia@example.org",
    ]
    assert "column 'Holding Statement': staff are not told yet" in plan.report.problems[0]


def test_starting_twice_is_refused_and_ending_with_no_crisis_is_refused(tmp_path):
    settings = make_settings(tmp_path)
    open_row = [
        {"id": "C-004", "started": "2026-11-24 09:00", "reason": "Outage", "notes": "Chorus held"}
    ]
    with pytest.raises(InputError, match="crisis C-004 is already open"):
        plan_start(snapshot(Crises=open_row), NOW, settings, CrisisCommand("start", reason="again"))
    with pytest.raises(InputError, match="no crisis is open"):
        plan_end(snapshot(), NOW, settings)


def test_staff_are_told_the_holding_statement_who_answers_and_the_guideline(tmp_path):
    settings = make_settings(tmp_path)
    plan = plan_start(
        snapshot(),
        NOW,
        settings,
        CrisisCommand(
            "start", reason="Outage", statement="We are on it.", declared_by="ana@example.org"
        ),
    )
    staff = [m for m in plan.messages if m.topic == "staff"]
    assert [m.to_email for m in staff] == [
        "ben@example.org",
        "sam@example.org",
    ]  # active Staff only
    text, html = render(staff[0].template, {**staff[0].context, "org_name": "Example Org"})
    assert "We are on it." in text
    assert "Ana Coord (ana@example.org) answers for Example Org in public" in text
    assert "Send the link to the coordinator; do not reply yourself." in text
    assert "We are on it." in html


def test_standing_down_restores_future_items_and_marks_past_ones_overdue(tmp_path):
    settings = make_settings(tmp_path)
    crises = [
        {
            "id": "C-001",
            "started": "2026-11-23 10:00",
            "reason": "Outage",
            "notes": "Chorus held 3 scheduled item(s)",
        }
    ]
    queue = [
        {
            "id": "Q-1",
            "status": "On hold",
            "held_from": "Scheduled",
            "scheduled_for": "2026-11-24 09:00",
        },
        {
            "id": "Q-2",
            "status": "On hold",
            "held_from": "Scheduled",
            "scheduled_for": "2026-11-26 09:00",
        },
        {
            "id": "Q-3",
            "status": "On hold",
            "held_from": "New",
        },  # a submission that arrived meanwhile
        {"id": "Q-4", "status": "On hold"},  # held by a person, not by the crisis
    ]
    plan = plan_end(
        snapshot(Crises=crises, Queue=queue, Program=[{"setting": "Crisis Mode", "value": "On"}]),
        NOW,
        settings,
    )
    updates = {u.key: (u.values, u.expect) for u in plan.changes.updates}
    assert updates[("Q-1",)] == (
        {"status": "Overdue", "held_from": "Scheduled"},
        {"status": "On hold", "held_from": "Scheduled"},
    )
    assert updates[("Q-2",)][0] == {"status": "Scheduled", "held_from": ""}
    assert updates[("Q-3",)][0] == {"status": "New", "held_from": ""}
    assert ("Q-4",) not in updates
    assert updates[("C-001",)][0]["ended"] == "2026-11-24 14:00"
    assert updates[("C-001",)][1] == {"ended": ""}
    assert updates[("Crisis Mode",)] == ({"value": "Off"}, {"value": "On"})
    assert plan.report.counts["restored"] == 2 and plan.report.counts["overdue"] == 1


def test_a_crisis_ended_by_hand_is_stood_down_by_the_next_run(tmp_path):
    settings = make_settings(tmp_path)
    crises = [
        {
            "id": "C-002",
            "started": "2026-11-23 10:00",
            "ended": "2026-11-24 11:00",
            "notes": "Chorus held 1 scheduled item(s)",
        }
    ]
    queue = [
        {
            "id": "Q-9",
            "status": "On hold",
            "held_from": "Scheduled",
            "scheduled_for": "2026-11-27 10:00",
        }
    ]
    plan = watch(snapshot(Crises=crises, Queue=queue), NOW, settings)
    updates = {u.key: u.values for u in plan.changes.updates}
    assert updates[("Q-9",)] == {"status": "Scheduled", "held_from": ""}
    assert (
        "Chorus stood down at 2026-11-24 14:00: restored 1 item(s)." in updates[("C-002",)]["notes"]
    )
    assert Append("Program", {"setting": "Crisis Mode", "value": "Off", "note": PROGRAM_NOTE}) in (
        plan.changes.appends
    )
    # The all-clear goes to the people on duty (nobody else got this crisis's emails).
    assert sorted(m.to_email for m in plan.messages) == ["ana@example.org", "ben@example.org"]
    assert {m.topic for m in plan.messages} == {"all-clear"}


def test_the_same_start_again_after_a_crash_tells_the_team_what_it_was_not_told(tmp_path):
    settings = make_settings(tmp_path)
    command = CrisisCommand("start", reason="Outage", statement="We are on it.")
    item = {
        "id": "Q-1",
        "status": "Scheduled",
        "scheduled_for": "2026-11-25 09:30",
        "headline": "a",
    }
    first = plan_start(snapshot(Queue=[item]), NOW, settings, command)
    # The first run wrote its rows and sent to Ana only, then died.
    crises = [a.row for a in first.changes.appends if a.tab == "Crises"]
    queue = [{**item, "status": "On hold", "held_from": "Scheduled"}]
    told = [m for m in first.messages if m.to_email == "ana@example.org"]
    after_crash = snapshot(Crises=crises, Queue=queue, Sent=sent_rows(told, settings))

    again = plan_start(after_crash, NOW + timedelta(minutes=1), settings, command)

    declared = [m for m in again.messages if m.topic == "declared"]
    first_declared = {m.to_email: m for m in first.messages if m.topic == "declared"}
    assert sorted(m.to_email for m in declared) == ["ben@example.org", "mia@example.org"]
    assert {m.message_id(settings.sender_domain) for m in declared} == {
        first_declared[m.to_email].message_id(settings.sender_domain) for m in declared
    }
    assert [h["id"] for h in declared[0].context["held"]] == ["Q-1"]
    assert not again.changes  # nothing held or recorded twice
    assert "telling them now" in again.report.lines[0]


def test_the_same_start_once_everyone_was_told_does_nothing_and_another_is_refused(tmp_path):
    settings = make_settings(tmp_path)
    command = CrisisCommand("start", reason="Outage")
    first = plan_start(snapshot(), NOW, settings, command)
    crises = [a.row for a in first.changes.appends if a.tab == "Crises"]
    done = snapshot(Crises=crises, Sent=sent_rows(first.messages, settings))

    again = plan_start(done, NOW, settings, command)

    assert not again.messages and not again.changes
    assert again.report.lines == (
        f"Crisis {crises[0]['id']} is already open and announced: nothing to do",
    )
    with pytest.raises(InputError, match="already open"):
        plan_start(done, NOW, settings, CrisisCommand("start", reason="Something else"))
