"""weekly-summary: one email per manager, verdict first, figures that agree across sections."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from automation import demo
from automation.mail.compose import compose, message_parts, render
from jobs import figures, goals, weekly_summary
from jobs.base import Chart, InlineImage, Series
from jobs.people import active_people, people_with_role, team_of
from jobs.weekly_summary import TABS
from jobs.weekly_summary.teams import group_staff
from jobs.weeks import week_that_ended
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


def part(message: weekly_summary.OutgoingMessage, key: str) -> dict[str, Any]:
    """One section of a summary by its key."""
    (found,) = [s for s in message.context["sections"] if s["key"] == key]
    return found  # type: ignore[no-any-return]


def assert_figures_agree(message: weekly_summary.OutgoingMessage, snapshot: Snapshot) -> None:
    """The invariants across the verdict and the sections of one summary."""
    posts, mentions = part(message, "posts"), part(message, "mentions")
    rows = posts["rows"]
    # published = the sum over channels; the plan likewise
    assert posts["published"] == sum(r["published"] for r in rows)
    assert posts["planned"] == sum(r["target"] for r in rows)
    # slots filled <= posts published, per channel and in all; filled <= slots
    assert posts["filled"] == sum(r["filled"] for r in rows) <= posts["published"]
    assert posts["slots"] == sum(r["slots"] for r in rows)
    for row in rows:
        assert row["filled"] <= min(row["published"], row["slots"]), row
    assert posts["outside"] == posts["published"] - posts["filled"]
    # answered <= needing an answer <= found, all in the same week; waiting messages among them
    assert mentions["answered"] <= mentions["needing_answer"] <= mentions["found"]
    assert mentions["waiting"] <= mentions["needing_answer"] - mentions["answered"]
    # the verdict says the sections' numbers
    said = [line["text"] for line in message.context["verdict"]]
    assert said[0].startswith(f"{posts['published']} of {posts['planned']} planned post")
    involvement = part(message, "involvement")
    org, team = involvement["org"], involvement["team"]
    assert said[1].startswith(f"{org['staff_contributors']} of {org['headcount']} staff sent")
    if mentions["needing_answer"]:
        assert said[2].startswith(
            f"{mentions['answered']} of {mentions['needing_answer']} answered"
        )
    # a team is part of the organisation
    assert team["submissions"] <= org["submissions"]
    assert len(team["contributors"]) + team["other_contributors"] == org["contributors"]
    assert org["staff_contributors"] <= org["contributors"]
    ack = part(message, "acknowledgements")
    if ack["version"]:
        assert ack["team"]["acknowledged"] <= ack["org"]["acknowledged"] <= ack["org"]["people"]
    # goals: in the goal's own unit, counting only what the goal names
    tz = ZoneInfo("Europe/London")
    posts_frame = figures.published_posts(snapshot["Queue"], tz)
    week = week_that_ended(MONDAY, tz)
    for goal in (
        part(message, "goals")["rows"]
        if any(s["key"] == "goals" for s in message.context["sections"])
        else []
    ):
        if goal["unit"] == "%":
            assert goal["target_text"].endswith("%") and goal["value_text"].split()[0].endswith("%")
        if goals.metric_for(goal["metric"]) == "posts_published":
            narrowing = goals.narrowing_of(goal["metric"], "posts_published")
            start, end = goals.period_window(goal["period"], week, tz)
            everything = goals.count_posts(posts_frame, start, end, goals.Narrowing())
            assert goal["value"] == goals.count_posts(posts_frame, start, end, narrowing)
            assert goal["value"] <= everything
            if goal["period"] == "Week" and narrowing == goals.Narrowing():
                assert goal["value"] == posts["published"]


def test_each_active_manager_gets_one_summary_that_opens_with_the_verdict(
    settings: Settings,
) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    assert sorted(by_recipient(plan)) == ["leo@example.org", "mia@example.org"]
    mia = by_recipient(plan)["mia@example.org"]
    assert (mia.job, mia.period, mia.template) == ("weekly-summary", "2026-W47", "weekly_summary")
    assert mia.subject == "Social media summary, 16–22 Nov 2026"
    assert [(v["label"], v["text"], v["mark"]) for v in mia.context["verdict"]] == [
        ("Posts", "2 of 5 planned posts (40%), up from 1 last week", "behind"),
        ("Staff involvement", "3 of 5 staff sent something (60%), up from 0 last week", "ok"),
        ("Mentions", "1 of 2 answered (50%)", "behind"),
    ]
    assert list(mia.context["needs"]) == [
        "1 direct message from this week is still waiting for an answer.",
        "1 posting slot in the next seven days has nothing ready to post: "
        "a story from your team would fill it.",
        "2 people in Sales have not acknowledged the social media policy yet (names below).",
    ]
    assert [s["key"] for s in mia.context["sections"]] == [
        "posts",
        "involvement",
        "mentions",
        "acknowledgements",
        "goals",
        "trend",
        "crises",
    ]
    assert part(mia, "posts")["rows"] == [
        {"channel": "LinkedIn", "target": 3, "published": 1, "slots": 2, "filled": 1},
        {"channel": "X", "target": 2, "published": 1, "slots": 0, "filled": 0},
    ]
    assert part(mia, "mentions")["median_text"] == "1 h 30 min"
    assert [(g["goal"], g["value_text"]) for g in part(mia, "goals")["rows"]] == [
        ("Steady posting", "2 this week so far"),
        ("Reach", "not counted by Chorus"),
    ]
    assert [r["week"] for r in part(mia, "trend")["rows"]] == [
        "26 Oct – 1 Nov",
        "2–8 Nov",
        "9–15 Nov",
        "16–22 Nov",
    ]
    assert part(mia, "crises")["rows"][0]["reason"] == "Website outage"
    assert plan.report.counts == {"summaries": 2}
    for message in plan.messages:
        assert_figures_agree(message, busy_week())


def test_a_manager_sees_only_their_own_teams_names(settings: Settings) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    mia, leo = by_recipient(plan)["mia@example.org"], by_recipient(plan)["leo@example.org"]
    team = part(mia, "involvement")["team"]
    assert team["name"] == "Sales"
    assert [c["name"] for c in team["contributors"]] == ["Nia Newhire", "Sam Seller"]
    assert team["other_contributors"] == 1
    assert team["first_timers"] == ["Nia Newhire"]
    assert [p["name"] for p in part(mia, "acknowledgements")["team"]["missing"]] == [
        "Mia Manager",
        "Nia Newhire",
    ]
    assert [p["name"] for p in part(leo, "acknowledgements")["team"]["missing"]] == [
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


def test_teams_grouped_once_are_the_teams_the_people_rules_name() -> None:
    rows = demo.demo_rows(MONDAY.date())
    people = frame_from_rows("People", rows["People"])
    staff = group_staff(active_people(people), None, frozenset())
    for email in people_with_role(people, "Manager")["email"]:
        name, members = staff.team(email)
        assert (name, frozenset(members)) == team_of(people, email)


def test_the_summary_email_reads_as_sentences_with_both_charts_sharp_inline(
    settings: Settings,
) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    mia = by_recipient(plan)["mia@example.org"]
    email = compose(mia, settings, now=MONDAY)
    text, html, images = message_parts(email)
    assert set(images) == {"posts-per-channel", "last-four-weeks"}
    for cid, (data, filename) in images.items():
        assert f"cid:{cid}" in html and filename == f"{cid}.png"
        assert Image.open(io.BytesIO(data)).size == (840, 560)  # twice the 420 x 280 shown
    assert text.startswith(
        "Your social media week, 16–22 Nov 2026\n\n"
        "Hello Mia Manager, here is the week in three lines, against the plan and last week.\n\n"
        "Posts: 2 of 5 planned posts (40%), up from 1 last week.\n"
        "Staff involvement: 3 of 5 staff sent something (60%), up from 0 last week.\n"
        "Mentions: 1 of 2 answered (50%).\n"
    )
    for sentence in (
        "2 posts published against a plan of 5. 1 of the 2 planned slots checked this week "
        "went out on time; 1 of the posts went out at other times.",
        "- LinkedIn: 1 of 3 planned, 1 of 2 slots kept",
        "The next seven days (23–29 Nov 2026): 1 slot with nothing ready to post:\n"
        "- Tue 24 Nov, X, 12:00–13:00",
        "Still to acknowledge in Sales:\n- Mia Manager (mia@example.org)\n- Nia Newhire",
        "2 mentions this week: 1 direct message and 1 question. 1 of the 2 that needed an answer "
        "was answered (50%), half of them within 1 h 30 min.",
        "1 direct message from this week is still waiting for an answer.",
        "Website outage: from Wed 18 Nov 2026, 08:00 to Wed 18 Nov 2026, 20:00. "
        "0 of 1 mention handled.",
        "First-time contributors: Nia Newhire, and 1 from other teams.",
        "- Steady posting: 2 this week so far, 40% of the target (5 a week); "
        "counts posts published",
        "https://forms.example.org/ack",
    ):
        assert sentence in text
    for internal in ("W47", "C-1", "M-2", "Q-1", "People tab", "(not in People)", "13:00 #1"):
        assert internal not in text and internal not in html


def test_the_plan_describes_both_charts_once_as_data_for_the_mail_layer_to_draw(
    settings: Settings,
) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    posts, trend = plan.messages[0].images
    assert posts == InlineImage(
        "posts-per-channel",
        Chart(
            kind="bars",
            title="Posts published, 16–22 Nov 2026",
            labels=("LinkedIn", "X"),
            series=(Series("Planned", (3, 2)), Series("Published", (1, 1))),
            y_label="Posts",
            empty_text="No channels are planned yet",
        ),
        filename="posts-per-channel.png",
    )
    # Q-2 went out on LinkedIn in W46; Q-1 on LinkedIn and X in W47; r1-r3 came in W47.
    assert trend == InlineImage(
        "last-four-weeks",
        Chart(
            kind="lines",
            title="Posts and submissions, last four weeks",
            labels=("26 Oct – 1 Nov", "2–8 Nov", "9–15 Nov", "16–22 Nov"),
            series=(
                Series("Posts published", (0, 0, 1, 2)),
                Series("Submissions", (0, 0, 0, 3)),
            ),
            empty_text="No weeks to show yet",
        ),
        filename="last-four-weeks.png",
    )
    assert all(m.images is plan.messages[0].images for m in plan.messages)


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
    assert "Posts: 0 posts (no plan set), the same as last week." in text
    assert "Mentions: nothing needed an answer this week." in text
    assert "Nothing needs you this week." in text
    assert "Posting slots are not tracked yet." in text
    assert "No mentions were found this week." in text
    assert "No policy version is marked current yet" in text
    assert "In Sales: 0 of 1 person sent something" in html
    assert "tab" not in text.lower().replace("table", "")
    assert len(only.images) == 2


def test_no_managers_means_no_summaries_and_says_why(settings: Settings) -> None:
    plan = weekly_summary.plan(snapshot(People=PEOPLE[1:3]), MONDAY, settings)
    assert plan.messages == ()
    assert "Manager role" in plan.report.lines[0]


def demo_snapshot(tmp_path: Path) -> Snapshot:
    """The demo program as of MONDAY, its Cadence laid out by the real check-cadence run."""
    from automation.runner import run_job

    rows = demo.demo_rows(MONDAY.date())
    workspace = memory_workspace(make_settings(tmp_path), rows)
    run_job(workspace, "check-cadence", MONDAY)
    return workspace.store.read((*TABS, "Sent"))


def test_every_demo_summary_agrees_with_itself_and_names_no_internals(
    tmp_path: Path, settings: Settings
) -> None:
    week = demo_snapshot(tmp_path)
    plan = weekly_summary.plan(week, MONDAY, settings)
    assert len(plan.messages) >= 3
    for message in plan.messages:
        assert_figures_agree(message, week)
        text, html = render("weekly_summary", {**message.context, "org_name": "Greenfield Law"})
        for internal in ("W4", "(not in People)", "People tab", "Policies tab", "90 a month"):
            assert internal not in text and internal not in html
        assert "Litigation against" not in text
    employment = [
        g for g in part(plan.messages[0], "goals")["rows"] if g["metric"].startswith("Employment")
    ]
    assert employment and employment[0]["measured"] == "posts published about Employment"


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


def test_organisation_sections_are_one_read_only_object_shared_by_every_manager(
    settings: Settings,
) -> None:
    plan = weekly_summary.plan(busy_week(), MONDAY, settings)
    first, second = plan.messages[0], plan.messages[1]
    for key in ("posts", "mentions", "goals", "trend"):
        assert part(first, key) is part(second, key)
        with pytest.raises(TypeError):
            part(first, key)["title"] = "changed"  # type: ignore[index]
    assert part(first, "involvement") is not part(second, "involvement")  # each team its own


def test_sections_rendered_once_read_exactly_as_sections_included_per_manager(
    tmp_path: Path, settings: Settings
) -> None:
    from automation import mail

    package = Path(mail.__file__).parents[1] / "templates"
    included = tmp_path / "included"
    included.mkdir()
    for kind in ("html", "txt"):
        source = (package / f"weekly_summary.{kind}.j2").read_text(encoding="utf-8")
        once = f'{{{{ render_part("weekly_summary/" ~ section.key ~ ".{kind}.j2", section) -}}}}'
        assert once in source
        include = f'{{% include "weekly_summary/" ~ section.key ~ ".{kind}.j2" %}}'
        (included / f"weekly_summary.{kind}.j2").write_text(
            source.replace(once, include), encoding="utf-8"
        )
    for week in (busy_week(), demo_snapshot(tmp_path / "demo")):
        for message in weekly_summary.plan(week, MONDAY, settings).messages:
            context = {**message.context, "org_name": "Greenfield Law"}
            assert render("weekly_summary", context) == render(
                "weekly_summary", context, search_path=[included]
            )
