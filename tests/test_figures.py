"""The program's figures on small hand-made tabs: every number checked by hand."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from jobs import acknowledgements as acks
from jobs import figures
from jobs.goals import GoalInputs, Narrowing, goal_progress, narrowing_of
from jobs.people import team_of
from jobs.weeks import Week, week_that_ended
from sheets_schema.records import empty_frame, frame_from_rows

TZ = ZoneInfo("Europe/London")
WEEK = Week(date(2026, 11, 16))  # Mon 16 - Sun 22 Nov 2026, ISO week 47
START, END = WEEK.bounds(TZ)


def people() -> pd.DataFrame:
    return frame_from_rows(
        "People",
        [
            {
                "name": "Mia Manager",
                "email": "mia@example.org",
                "team": "Sales",
                "roles": "Manager",
                "active": "Yes",
            },
            {
                "name": "Sam Seller",
                "email": "Sam@Example.org",
                "team": "Sales",
                "roles": "Staff",
                "manager_email": "mia@example.org",
                "active": "Yes",
            },
            {
                "name": "Rae Remote",
                "email": "rae@example.org",
                "team": "Field",
                "roles": "Staff",
                "manager_email": "mia@example.org",
                "active": "Yes",
            },
            {
                "name": "Lou Lawyer",
                "email": "lou@example.org",
                "team": "Legal",
                "roles": "Staff, Policy Owner",
                "active": "Yes",
            },
            {
                "name": "Gus Gone",
                "email": "gus@example.org",
                "team": "Legal",
                "roles": "Staff",
                "active": "No",
            },
        ],
    )


def submissions() -> pd.DataFrame:
    return frame_from_rows(
        "Submissions",
        [
            # Lou submitted long ago: not a first-timer this week
            {
                "response_id": "r0",
                "submitted_at": "2026-09-01 10:00",
                "email": "lou@example.org",
                "content_type": "Event",
                "status": "Accepted",
            },
            {
                "response_id": "r1",
                "submitted_at": "2026-11-16 09:00",
                "email": "sam@example.org",
                "content_type": "Employee award",
                "status": "Accepted",
            },
            {
                "response_id": "r2",
                "submitted_at": "2026-11-18 14:30",
                "email": "sam@example.org",
                "content_type": "Event",
                "status": "Rejected",
            },
            {
                "response_id": "r3",
                "submitted_at": "2026-11-20 11:00",
                "email": "lou@example.org",
                "headline": "Talk on employment tribunals",
                "content_type": "Event",
                "status": "Accepted",
            },
            {
                "response_id": "r4",
                "submitted_at": "2026-11-22 23:59",
                "email": "pat@partner.com",
                "name": "Pat Partner",
                "content_type": "",
                "status": "Accepted",
            },
            # next Monday 00:00 belongs to next week
            {
                "response_id": "r5",
                "submitted_at": "2026-11-23 00:00",
                "email": "rae@example.org",
                "content_type": "Other",
                "status": "Accepted",
            },
        ],
    )


def test_the_week_that_ended_is_the_full_week_before_today() -> None:
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    sunday_night = datetime(2026, 11, 22, 23, 30, tzinfo=TZ)
    assert week_that_ended(monday, TZ) == WEEK
    assert week_that_ended(sunday_night, TZ).label == "2026-W46"
    assert WEEK.label == "2026-W47" and WEEK.end == date(2026, 11, 22)
    assert START == datetime(2026, 11, 16, tzinfo=TZ) and END == datetime(2026, 11, 23, tzinfo=TZ)


def test_posts_count_once_per_channel_against_each_channels_target() -> None:
    queue = frame_from_rows(
        "Queue",
        [
            {
                "id": "Q-1",
                "channels": "LinkedIn, X",
                "status": "Published",
                "published_at": "2026-11-17 10:00",
            },
            {
                "id": "Q-2",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "19/11/2026 15:00",
            },
            # no Published At: the scheduled time stands in
            {
                "id": "Q-3",
                "channels": "X",
                "status": "Published",
                "scheduled_for": "2026-11-21 09:00",
            },
            {
                "id": "Q-4",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-11-09 10:00",
            },
            {
                "id": "Q-5",
                "channels": "LinkedIn",
                "status": "Scheduled",
                "scheduled_for": "2026-11-18 10:00",
            },
            {
                "id": "Q-6",
                "channels": "YouTube",
                "status": "Published",
                "published_at": "2026-11-20 10:00",
            },
        ],
    )
    channels = frame_from_rows(
        "Channels",
        [
            {"channel": "LinkedIn", "posts_per_week": "3", "active": "Yes"},
            {"channel": "X", "posts_per_week": "5", "active": "Yes"},
            {"channel": "Facebook", "posts_per_week": "2", "active": "Yes"},
            {"channel": "YouTube", "posts_per_week": "1", "active": "No"},
        ],
    )
    table = figures.posts_by_channel(queue, channels, START, END, TZ)
    assert table.to_dict("records") == [
        {"channel": "LinkedIn", "target": 3, "published": 2},
        {"channel": "X", "target": 5, "published": 2},
        {"channel": "Facebook", "target": 2, "published": 0},
        {"channel": "YouTube", "target": 0, "published": 1},
    ]


def test_cadence_kept_leaves_out_held_slots_and_lists_next_weeks_gaps() -> None:
    cadence = frame_from_rows(
        "Cadence",
        [
            {
                "date": "2026-11-16",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Filled",
            },
            {
                "date": "2026-11-18",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Gap",
            },
            {
                "date": "2026-11-20",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Held",
            },
            {"date": "2026-11-17", "channel": "X", "slot": "12:00-13:00 #1", "status": "Filled"},
            {
                "date": "2026-11-25",
                "channel": "X",
                "slot": "12:00-13:00 #1",
                "status": "Gap",
                "note": "nothing approved",
            },
            {
                "date": "2026-11-23",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Suggested",
                "queue_id": "Q-9",
            },
            {
                "date": "2026-11-24",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Filled",
            },
            {"date": "2026-12-01", "channel": "X", "slot": "12:00-13:00 #1", "status": "Gap"},
        ],
    )
    kept = figures.cadence_adherence(cadence, WEEK.start, WEEK.end)
    assert kept.to_dict("records") == [
        {"channel": "LinkedIn", "slots": 2, "filled": 1},
        {"channel": "X", "slots": 1, "filled": 1},
    ]
    following = WEEK.shifted(1)
    gaps = figures.upcoming_gaps(cadence, following.start, following.end)
    assert list(zip(gaps["date"], gaps["channel"], gaps["status"], strict=True)) == [
        ("2026-11-23", "LinkedIn", "Suggested"),
        ("2026-11-25", "X", "Gap"),
    ]
    assert gaps["note"].iloc[1] == "nothing approved"


def test_submissions_by_type_and_team_count_the_week_only() -> None:
    week = figures.submissions_between(submissions(), START, END, TZ)
    assert sorted(week["response_id"]) == ["r1", "r2", "r3", "r4"]
    by_type = figures.submissions_by_type(week)
    assert by_type.to_dict("records") == [
        {"content_type": "Event", "submissions": 2},
        {"content_type": "(not given)", "submissions": 1},
        {"content_type": "Employee award", "submissions": 1},
    ]
    by_team = figures.submissions_by_team(week, people())
    assert by_team.to_dict("records") == [
        {"team": "Sales", "submissions": 2, "accepted": 1, "contributors": 1},
        {"team": "Legal", "submissions": 1, "accepted": 1, "contributors": 1},
        {"team": "not on the staff list", "submissions": 1, "accepted": 1, "contributors": 1},
    ]


def test_first_time_contributors_are_those_whose_first_submission_ever_was_this_week() -> None:
    new = figures.first_time_contributors(submissions(), START, END, TZ, people())
    # Lou submitted in September; Rae's first is next Monday; Sam twice this week counts once
    assert list(new["email"]) == ["sam@example.org", "pat@partner.com"]
    assert list(new["name"]) == ["Sam Seller", "Pat Partner"]
    who = figures.contributors(figures.submissions_between(submissions(), START, END, TZ), people())
    assert who[["name", "submissions"]].to_dict("records") == [
        {"name": "Sam Seller", "submissions": 2},
        {"name": "Lou Lawyer", "submissions": 1},
        {"name": "Pat Partner", "submissions": 1},
    ]


def test_a_managers_team_is_their_reports_and_their_team() -> None:
    team, members = team_of(people(), "MIA@example.org")
    assert team == "Sales"
    assert members == {"mia@example.org", "sam@example.org", "rae@example.org"}
    week = figures.submissions_between(submissions(), START, END, TZ)
    assert figures.involvement(week, people(), members) == {
        "people": 3,
        "submissions": 2,
        "contributors": 1,
        "contributor_pct": 33.3,
    }
    # the organisation: 4 active people, 2 of them contributed (Pat is not in People)
    assert figures.involvement(week, people(), frozenset()) == {
        "people": 4,
        "submissions": 4,
        "contributors": 3,
        "contributor_pct": 50.0,
    }


def mentions() -> pd.DataFrame:
    return frame_from_rows(
        "Mentions",
        [
            {
                "id": "M-1",
                "found_at": "2026-11-16 09:00",
                "kind": "Question",
                "status": "Responded",
                "responded_at": "2026-11-16 10:00",
            },
            {
                "id": "M-2",
                "found_at": "2026-11-17 09:00",
                "kind": "Criticism",
                "status": "Responded",
                "responded_at": "2026-11-17 12:00",
            },
            {
                "id": "M-3",
                "found_at": "2026-11-18 09:00",
                "kind": "Direct message",
                "status": "Responded",
                "responded_at": "2026-11-20 09:00",
            },
            {
                "id": "M-4",
                "found_at": "2026-11-19 09:00",
                "kind": "Direct message",
                "status": "New",
            },
            {"id": "M-5", "found_at": "2026-11-20 09:00", "kind": "Mention", "status": "No action"},
            {
                "id": "M-6",
                "found_at": "2026-11-02 09:00",
                "kind": "Direct message",
                "status": "New",
            },
            {
                "id": "M-7",
                "found_at": "2026-11-24 09:00",
                "kind": "Compliment",
                "status": "Responded",
                "responded_at": "2026-11-24 09:30",
            },
        ],
    )


def test_mentions_of_the_week_with_the_median_time_to_answer() -> None:
    seen = figures.mention_figures(mentions(), START, END, TZ)
    assert seen.found == 5
    assert seen.by_kind == {"Criticism": 1, "Direct message": 2, "Mention": 1, "Question": 1}
    # answered after 1 h, 3 h and 48 h: the median is 3 h
    assert seen.median_hours == pytest.approx(3.0)
    assert (seen.needing_answer, seen.answered) == (4, 3)
    assert seen.answered_pct == 75.0
    assert seen.within_24h_pct == 50.0
    assert figures.open_direct_messages(mentions()) == 2
    assert figures.format_duration(seen.median_hours) == "3 h"


def test_median_of_an_even_number_of_answers_is_the_middle_two_averaged() -> None:
    frame = frame_from_rows(
        "Mentions",
        [
            {
                "id": "a",
                "found_at": "2026-11-16 09:00",
                "kind": "Question",
                "status": "Responded",
                "responded_at": "2026-11-16 09:30",
            },
            {
                "id": "b",
                "found_at": "2026-11-16 09:00",
                "kind": "Question",
                "status": "Responded",
                "responded_at": "2026-11-16 10:30",
            },
        ],
    )
    assert figures.mention_figures(frame, START, END, TZ).median_hours == pytest.approx(1.0)
    assert figures.format_duration(1.0) == "1 h"
    assert figures.format_duration(0.75) == "45 min"
    assert figures.format_duration(3 + 20 / 60) == "3 h 20 min"
    assert figures.format_duration(52) == "2 d 4 h"
    assert figures.format_duration(None) == ""


def test_four_week_trend_counts_posts_and_submissions_per_week() -> None:
    queue = frame_from_rows(
        "Queue",
        [
            {
                "id": "Q-1",
                "channels": "LinkedIn, X",
                "status": "Published",
                "published_at": "2026-11-17 10:00",
            },
            {
                "id": "Q-2",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-10-27 10:00",
            },
            {
                "id": "Q-3",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-10-20 10:00",
            },
        ],
    )
    trend = figures.weekly_trend(queue, submissions(), WEEK, TZ)
    assert trend[["week", "posts", "submissions"]].to_dict("records") == [
        {"week": "2026-W44", "posts": 1, "submissions": 0},
        {"week": "2026-W45", "posts": 0, "submissions": 0},
        {"week": "2026-W46", "posts": 0, "submissions": 0},
        {"week": "2026-W47", "posts": 2, "submissions": 4},
    ]


def test_a_crisis_that_overlapped_the_week_reports_mentions_handled_while_it_lasted() -> None:
    crises = frame_from_rows(
        "Crises",
        [
            {
                "id": "C-1",
                "started": "2026-11-17 08:00",
                "ended": "2026-11-18 12:00",
                "reason": "Outage",
            },
            {"id": "C-0", "started": "2026-10-01 08:00", "ended": "2026-10-02 08:00"},
            {"id": "C-2", "started": "2026-11-20 08:00", "reason": "Still on"},
        ],
    )
    now = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)
    episodes = figures.crisis_episodes(crises, mentions(), START, END, now, TZ)
    assert [e["id"] for e in episodes] == ["C-1", "C-2"]
    first, ongoing = episodes
    # M-2 (answered in 3 h) and M-3 (answered in 48 h) were found during C-1
    assert (first["mentions"], first["handled"], first["median_hours"]) == (
        2,
        2,
        pytest.approx(25.5),
    )
    assert first["started"] == "2026-11-17T08:00:00+00:00"
    assert ongoing["ended"] == "" and ongoing["mentions"] == 1 and ongoing["handled"] == 0


def test_goals_are_measured_when_their_metric_is_one_chorus_computes() -> None:
    goals = frame_from_rows(
        "Goals",
        [
            {
                "goal": "Steady posting",
                "metric": "Posts published",
                "target": "10",
                "period": "Month",
                "status": "Active",
            },
            {
                "goal": "Staff voices",
                "metric": "staff submissions",
                "target": "4",
                "period": "Week",
            },
            {
                "goal": "Good ideas",
                "metric": "Submissions accepted",
                "target": "2",
                "period": "Week",
            },
            {
                "goal": "Be responsive",
                "metric": "Mentions answered within 24h",
                "target": "90%",
                "period": "Week",
            },
            {
                "goal": "Everyone signed",
                "metric": "Acknowledgement rate",
                "target": "100%",
                "period": "Quarter",
            },
            {"goal": "Reach", "metric": "Impressions", "target": "5000", "period": "Month"},
            {"goal": "Old", "metric": "Posts published", "target": "1", "status": "Dropped"},
        ],
    )
    queue = frame_from_rows(
        "Queue",
        [
            {
                "id": "Q-1",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-11-02 10:00",
            },
            {
                "id": "Q-2",
                "channels": "LinkedIn, X",
                "status": "Published",
                "published_at": "2026-11-17 10:00",
            },
            {
                "id": "Q-3",
                "channels": "X",
                "status": "Published",
                "published_at": "2026-10-30 10:00",
            },
        ],
    )
    rows = goal_progress(
        goals,
        GoalInputs(
            posts=figures.published_posts(queue, TZ),
            submissions=submissions(),
            mentions=mentions(),
            acknowledgement_pct=40.0,
            week=WEEK,
            tz=TZ,
        ),
    )
    got = {r["goal"]: (r["computed"], r["value"], r["progress_pct"]) for r in rows}
    assert got == {
        "Steady posting": (True, 3.0, 30.0),  # November to date: on two channels
        "Staff voices": (True, 4.0, 100.0),
        "Good ideas": (True, 3.0, 150.0),  # r1, r3 and r4 were accepted; r2 was not
        "Be responsive": (True, 50.0, 55.6),
        "Everyone signed": (True, 40.0, 40.0),
        "Reach": (False, None, None),
    }
    measured = {r["goal"]: r["measured"] for r in rows}
    assert measured["Steady posting"] == "posts published"
    assert measured["Good ideas"] == "submissions accepted into the queue"
    assert measured["Reach"] == ""
    units = {r["goal"]: (r["unit"], r["target_value"]) for r in rows}
    assert units["Be responsive"] == ("%", 90.0) and units["Steady posting"] == ("", 10.0)


def test_a_goal_counts_only_the_topic_channel_and_source_kind_its_metric_names() -> None:
    queue = frame_from_rows(
        "Queue",
        [
            {
                "id": "Q-1",
                "source_kind": "Organisation",
                "headline": "New employment law guide",
                "channels": "LinkedIn, X",
                "status": "Published",
                "published_at": "2026-11-17 10:00",
            },
            {
                "id": "Q-2",
                "source_kind": "Staff & partners",
                "headline": "Charity run",
                "details": "Our employment team ran 10k",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-11-18 10:00",
            },
            {
                "id": "Q-3",
                "source_kind": "External",
                "headline": "Property market news",
                "channels": "X",
                "status": "Published",
                "published_at": "2026-11-19 10:00",
            },
        ],
    )
    metrics = {
        "Employment posts published": (3.0, "posts published about Employment"),
        "Employment posts published on LinkedIn": (
            2.0,
            "posts published about Employment on LinkedIn",
        ),
        "Staff posts published": (1.0, "posts published from staff and partners"),
        "External posts on X": (1.0, "posts published on X from external"),
        "Posts published against the plan": (4.0, "posts published"),
        "Employment submissions": (1.0, "submissions received about Employment"),
    }
    goals = frame_from_rows(
        "Goals", [{"goal": m, "metric": m, "target": "2", "period": "Week"} for m in metrics]
    )
    rows = goal_progress(
        goals,
        GoalInputs(
            posts=figures.published_posts(queue, TZ),
            submissions=submissions(),
            mentions=mentions(),
            acknowledgement_pct=None,
            week=WEEK,
            tz=TZ,
        ),
    )
    assert {r["goal"]: (r["value"], r["measured"]) for r in rows} == metrics
    assert narrowing_of("Staff submissions accepted", "submissions_accepted") == Narrowing()


def test_current_version_is_the_latest_policy_in_effect() -> None:
    policies = frame_from_rows(
        "Policies",
        [
            {
                "id": "P-01",
                "kind": "Policy",
                "title": "Social media policy",
                "version": "2.0",
                "effective": "2026-01-01",
                "status": "Retired",
            },
            {
                "id": "P-02",
                "kind": "Policy",
                "title": "Social media policy",
                "version": "2.1",
                "effective": "2026-06-01",
                "status": "Current",
            },
            {
                "id": "P-03",
                "kind": "Policy",
                "title": "Next policy",
                "version": "3.0",
                "effective": "2027-01-01",
                "status": "Current",
            },
            {
                "id": "G-01",
                "kind": "Guideline",
                "title": "Tone",
                "version": "5.0",
                "effective": "2026-10-01",
                "status": "Current",
            },
        ],
    )
    assert acks.current_version(policies, date(2026, 11, 22)) == "2.1"
    assert acks.current_version(policies, date(2027, 1, 1)) == "3.0"
    assert acks.current_version(empty_frame("Policies"), date(2026, 11, 22)) == ""
    # policy owners can name the program version outright in the Program tab
    program = frame_from_rows(
        "Program",
        [
            {"setting": "Crisis Mode", "value": "Off"},
            {"setting": " policy  version", "value": "2026.2"},
        ],
    )
    assert acks.current_version(policies, date(2026, 11, 22), program=program) == "2026.2"
    blank = frame_from_rows("Program", [{"setting": "Policy Version", "value": ""}])
    assert acks.current_version(policies, date(2026, 11, 22), program=blank) == "2.1"
    assert acks.normalise_version(" Version 2.1") == acks.normalise_version("v2.1") == "2.1"


def test_acknowledgement_rates_by_team_and_who_is_missing() -> None:
    records = frame_from_rows(
        "Acknowledgements",
        [
            {
                "response_id": "a1",
                "email": "sam@example.org",
                "policy_version": "v2.1",
                "acknowledged_at": "2026-11-02 10:00",
            },
            {
                "response_id": "a2",
                "email": "lou@example.org",
                "policy_version": "2.0",
                "acknowledged_at": "2026-01-05 10:00",
            },
            {
                "response_id": "a3",
                "email": "gus@example.org",
                "policy_version": "2.1",
                "acknowledged_at": "2026-11-03 10:00",
            },
        ],
    )
    status = acks.acknowledgement_status(people(), records, "2.1")
    assert acks.acknowledgement_rate(status) == {"people": 4, "acknowledged": 1, "pct": 25.0}
    _, members = team_of(people(), "mia@example.org")
    assert acks.acknowledgement_rate(status, members) == {
        "people": 3,
        "acknowledged": 1,
        "pct": 33.3,
    }
    assert acks.rate_by_team(status).to_dict("records") == [
        {"team": "Field", "people": 1, "acknowledged": 0, "pct": 0.0},
        {"team": "Legal", "people": 1, "acknowledged": 0, "pct": 0.0},
        {"team": "Sales", "people": 2, "acknowledged": 1, "pct": 50.0},
    ]
    assert [m["name"] for m in acks.missing(status, members)] == ["Mia Manager", "Rae Remote"]
    assert [m["name"] for m in acks.missing(status)] == ["Lou Lawyer", "Mia Manager", "Rae Remote"]
