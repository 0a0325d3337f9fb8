"""weekly-summary: one email per manager, with charts, and only their own team's names."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from automation.mail.compose import compose, message_parts, render
from jobs import weekly_summary
from jobs.base import Chart, InlineImage, Series
from jobs.weekly_summary import TABS
from sheets_schema.records import Snapshot, empty_frame, frame_from_rows
from sheets_schema.settings import Settings
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=TZ)  # the summary covers 16-22 Nov (2026-W47)


def snapshot(**tabs: list[dict[str, str]]) -> Snapshot:
    frames = {name: empty_frame(name) for name in (*TABS, "Sent")}
    for name, rows in tabs.items():
        frames[name] = frame_from_rows(name, rows)
    return Snapshot(frames)


PEOPLE = [
    {
        "name": "Mia Manager",
        "email": "mia@example.org",
        "team": "Sales",
        "roles": "Manager",
        "active": "Yes",
    },
    {
        "name": "Sam Seller",
        "email": "sam@example.org",
        "team": "Sales",
        "roles": "Staff",
        "manager_email": "mia@example.org",
        "active": "Yes",
    },
    {
        "name": "Nia Newhire",
        "email": "nia@example.org",
        "team": "Sales",
        "roles": "Staff",
        "manager_email": "mia@example.org",
        "active": "Yes",
    },
    {
        "name": "Leo Legal",
        "email": "leo@example.org",
        "team": "Legal",
        "roles": "Manager",
        "active": "Yes",
    },
    {
        "name": "Lou Lawyer",
        "email": "lou@example.org",
        "team": "Legal",
        "roles": "Staff",
        "manager_email": "leo@example.org",
        "active": "Yes",
    },
    {
        "name": "Old Boss",
        "email": "old@example.org",
        "team": "Legal",
        "roles": "Manager",
        "active": "No",
    },
]


def busy_week() -> Snapshot:
    return snapshot(
        People=PEOPLE,
        Channels=[
            {"channel": "LinkedIn", "posts_per_week": "3", "active": "Yes"},
            {"channel": "X", "posts_per_week": "2", "active": "Yes"},
        ],
        Queue=[
            {
                "id": "Q-1",
                "channels": "LinkedIn, X",
                "status": "Published",
                "published_at": "2026-11-17 10:00",
                "headline": "Award",
            },
            {
                "id": "Q-2",
                "channels": "LinkedIn",
                "status": "Published",
                "published_at": "2026-11-10 10:00",
                "headline": "Old",
            },
        ],
        Submissions=[
            {
                "response_id": "r1",
                "submitted_at": "2026-11-17 09:00",
                "email": "sam@example.org",
                "content_type": "Event",
                "status": "Accepted",
            },
            {
                "response_id": "r2",
                "submitted_at": "2026-11-18 09:00",
                "email": "nia@example.org",
                "content_type": "Employee award",
                "status": "Accepted",
            },
            {
                "response_id": "r3",
                "submitted_at": "2026-11-19 09:00",
                "email": "lou@example.org",
                "content_type": "Event",
                "status": "Rejected",
            },
            {
                "response_id": "r0",
                "submitted_at": "2026-10-01 09:00",
                "email": "sam@example.org",
                "content_type": "Other",
                "status": "Accepted",
            },
        ],
        Mentions=[
            {
                "id": "M-1",
                "found_at": "2026-11-17 09:00",
                "kind": "Question",
                "status": "Responded",
                "responded_at": "2026-11-17 10:30",
            },
            {
                "id": "M-2",
                "found_at": "2026-11-18 09:00",
                "kind": "Direct message",
                "status": "New",
            },
        ],
        Policies=[
            {
                "id": "P-01",
                "kind": "Policy",
                "title": "Social media policy",
                "text": "Be kind.",
                "version": "2.1",
                "effective": "2026-10-01",
                "status": "Current",
            },
        ],
        Acknowledgements=[
            {
                "response_id": "a1",
                "email": "sam@example.org",
                "policy_version": "2.1",
                "acknowledged_at": "2026-10-02 09:00",
            },
        ],
        Goals=[
            {
                "goal": "Steady posting",
                "metric": "Posts published",
                "target": "5",
                "period": "Week",
                "status": "Active",
            },
            {"goal": "Reach", "metric": "Impressions", "target": "5000", "period": "Month"},
        ],
        Cadence=[
            {
                "date": "2026-11-17",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Filled",
            },
            {
                "date": "2026-11-19",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Gap",
            },
            {"date": "2026-11-24", "channel": "X", "slot": "12:00-13:00 #1", "status": "Gap"},
        ],
        Crises=[
            {
                "id": "C-1",
                "started": "2026-11-18 08:00",
                "ended": "2026-11-18 20:00",
                "reason": "Website outage",
            },
        ],
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        forms={
            "acknowledgements": {
                "kind": "csv",
                "path": "acks.csv",
                "url": "https://forms.example.org/ack",
            }
        },
    )


def by_recipient(plan: weekly_summary.Plan) -> dict[str, weekly_summary.OutgoingMessage]:
    return {m.to_email: m for m in plan.messages}


def test_each_active_manager_gets_one_summary_for_the_week_that_ended(settings: Settings) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    assert sorted(by_recipient(plan)) == ["leo@example.org", "mia@example.org"]
    mia = by_recipient(plan)["mia@example.org"]
    assert (mia.job, mia.period, mia.template) == ("weekly-summary", "2026-W47", "weekly_summary")
    assert mia.subject == "Social media summary, 16–22 Nov 2026"
    posts = mia.context["posts"]
    assert posts["rows"] == [
        {"channel": "LinkedIn", "target": 3, "published": 1, "met": False},
        {"channel": "X", "target": 2, "published": 1, "met": False},
    ]
    assert mia.context["cadence"]["pct"] == 50.0
    assert [g["date"] for g in mia.context["cadence"]["gaps"]] == ["2026-11-24"]
    assert mia.context["mentions"]["median_text"] == "1 h 30 min"
    assert mia.context["mentions"]["open_direct_messages"] == 1
    assert mia.context["acknowledgements"]["org"] == {
        "people": 5,
        "acknowledged": 1,
        "pct": 20.0,
        "pct_text": "20%",
    }
    assert [(g["goal"], g["value_text"]) for g in mia.context["goals"]] == [
        ("Steady posting", "2"),
        ("Reach", "not computed automatically"),
    ]
    assert [r["posts"] for r in mia.context["trend"]["rows"]] == [0, 0, 1, 2]
    assert mia.context["crises"][0]["id"] == "C-1"
    assert mia.context["crises"][0]["mentions"] == 1
    assert plan.report.counts == {"summaries": 2}


def test_a_manager_sees_only_their_own_teams_names(settings: Settings) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    mia, leo = by_recipient(plan)["mia@example.org"], by_recipient(plan)["leo@example.org"]
    assert mia.context["team"]["name"] == "Sales"
    assert [c["name"] for c in mia.context["team"]["contributors"]] == ["Nia Newhire", "Sam Seller"]
    assert mia.context["team"]["other_contributors"] == 1
    assert mia.context["team"]["first_timers"] == ["Nia Newhire"]
    assert [p["name"] for p in mia.context["team"]["acknowledgements"]["missing"]] == [
        "Mia Manager",
        "Nia Newhire",
    ]
    assert [p["name"] for p in leo.context["team"]["acknowledgements"]["missing"]] == [
        "Leo Legal",
        "Lou Lawyer",
    ]

    ctx = {**mia.context, "org_name": "Example Org"}
    text, html = render("weekly_summary", ctx)
    for name in ("Nia Newhire", "Sam Seller"):
        assert name in text and name in html
    for other_team in ("Lou Lawyer", "lou@example.org", "Leo Legal"):
        assert other_team not in text and other_team not in html
    text, html = render("weekly_summary", {**leo.context, "org_name": "Example Org"})
    assert "Lou Lawyer" in text
    for other_team in ("Sam Seller", "Nia Newhire", "sam@example.org"):
        assert other_team not in text and other_team not in html


def test_the_summary_email_carries_both_charts_inline(settings: Settings) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    mia = by_recipient(plan)["mia@example.org"]
    email = compose(mia, settings, now=MONDAY)
    text, html, images = message_parts(email)
    assert set(images) == {"posts-2026-W47", "trend-2026-W47"}
    for cid, (data, _) in images.items():
        assert f"cid:{cid}" in html
        assert Image.open(io.BytesIO(data)).size == (640, 320)
    assert "1 of 2 planned slots filled (50%)" in text
    assert "Still to acknowledge in Sales:\n- Mia Manager (mia@example.org)\n- Nia Newhire" in text
    assert "2 mentions found: 1 direct message, 1 question." in text
    assert "1 of 2 answered (50%), median time to answer 1 h 30 min." in text
    assert "1 direct message still waiting for an answer." in text
    assert "C-1: Website outage" in text and "0 of 1 mention handled" in text
    assert "First-time contributors: Nia Newhire, and 1 from other teams." in text
    assert (
        "- Steady posting (Posts published, target 5 a week): 2 this week so far, 40% of target "
        "(Chorus counts all posts published)"
    ) in text
    assert "https://forms.example.org/ack" in text


def test_the_plan_describes_both_charts_as_data_for_the_mail_layer_to_draw(
    settings: Settings,
) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    posts, trend = plan.messages[0].images
    assert posts == InlineImage(
        "posts-2026-W47",
        Chart(
            kind="bars",
            title="Posts published, 16–22 Nov 2026",
            labels=("LinkedIn", "X"),
            series=(Series("Target", (3, 2)), Series("Published", (1, 1))),
            y_label="Posts",
            empty_text="No channels are planned yet",
        ),
        filename="posts-2026-W47.png",
    )
    # Q-2 went out on LinkedIn in W46; Q-1 on LinkedIn and X in W47; r1-r3 came in W47.
    assert trend == InlineImage(
        "trend-2026-W47",
        Chart(
            kind="lines",
            title="Posts and submissions, last four weeks",
            labels=("2026-W44", "2026-W45", "2026-W46", "2026-W47"),
            series=(
                Series("Posts published", (0, 0, 1, 2)),
                Series("Submissions", (0, 0, 0, 3)),
            ),
            empty_text="No weeks to show yet",
        ),
        filename="trend-2026-W47.png",
    )


def test_charts_are_the_same_for_every_manager_and_every_run(settings: Settings) -> None:
    first = weekly_summary.plan(busy_week(), MONDAY, settings)
    again = weekly_summary.plan(busy_week(), MONDAY.replace(hour=9), settings)
    assert first.messages[0].images == first.messages[1].images == again.messages[0].images


def test_a_week_with_no_data_still_makes_a_sensible_email(settings: Settings) -> None:
    quiet = snapshot(People=PEOPLE[:1])
    plan = weekly_summary.plan(quiet, MONDAY, settings)
    (only,) = plan.messages
    assert only.context["quiet_week"] is True
    text, html = render("weekly_summary", {**only.context, "org_name": "Example Org"})
    assert "It was a quiet week" in text
    assert "0 posts published against a plan of 0." in text
    assert "Cadence is not tracked yet" in text
    assert "No mentions were found this week." in text
    assert "No current policy version is set in the Policies tab." in text
    assert "Nobody submitted content this week." in html
    assert len(only.images) == 2


def test_no_managers_means_no_summaries_and_says_why(settings: Settings) -> None:
    plan = weekly_summary.plan(snapshot(People=PEOPLE[1:3]), MONDAY, settings)
    assert plan.messages == ()
    assert "Manager role" in plan.report.lines[0]


def test_the_summary_goes_out_once_per_manager_per_week(tmp_path: Path) -> None:
    from automation.runner import run_job

    week = busy_week()
    rows = {
        tab: [{k: v for k, v in row.items() if v != ""} for row in week[tab].to_dict("records")]
        for tab in ("People", "Channels", "Queue", "Submissions", "Mentions", "Policies")
    }
    workspace = memory_workspace(make_settings(tmp_path), rows)
    assert run_job(workspace, "weekly-summary", MONDAY).counts["sent"] == 2
    assert run_job(workspace, "weekly-summary", MONDAY.replace(hour=11)).counts["sent"] == 0
    sent = workspace.store.read(["Sent"])["Sent"]
    assert sorted(sent["recipient"]) == ["leo@example.org", "mia@example.org"]
    assert set(sent["period"]) == {"2026-W47"}
