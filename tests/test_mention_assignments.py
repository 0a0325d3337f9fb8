"""assign-mentions: whoever a coordinator names in Assigned To gets the mention once; the figures by age."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from automation.mail.compose import render
from automation.runner import run_job
from jobs import weekly_summary
from jobs.brief import open_mentions
from jobs.mention_assignments import assigned_context, by_age, plan, waiting_assigned
from sheets_schema.records import Changes, Snapshot, Update, frame_from_rows
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "active": "Yes"},
    {"name": "Dan Diaz", "email": "dan@example.org", "active": "No"},
]


def mention(ident: str, found: str, assignee: str, status: str = "New", **extra: str) -> dict:
    return {
        "id": ident,
        "found_at": found,
        "kind": "Comment",
        "network": "X",
        "title": f"Reply {ident}",
        "snippet": "Still no answer to my email.",
        "url": f"https://x.com/tomh/status/{ident[2:]}",
        "status": status,
        "assigned_to": assignee,
        "author": "Tom Hargreaves",
        **extra,
    }


MENTIONS = [
    mention("M-0001", "2026-11-24 07:00", "ann@example.org"),
    mention("M-0002", "2026-11-22 09:00", "bob@example.org"),
    mention("M-0006", "2026-11-01 09:00", "bob@example.org", "Passed on"),
    mention("M-0003", "2026-11-10 09:00", "ann@example.org", "Responded"),
    mention("M-0004", "2026-11-12 09:00", "dan@example.org"),
    mention("M-0005", "2026-11-23 10:00", ""),
]


def snapshot() -> Snapshot:
    return Snapshot(
        {
            "Mentions": frame_from_rows("Mentions", MENTIONS),
            "People": frame_from_rows("People", PEOPLE),
        }
    )


def test_each_assigned_mention_still_waiting_gets_one_email_with_the_link(tmp_path: Path) -> None:
    result = plan(snapshot(), NOW, make_settings(tmp_path))
    assert [(m.topic, m.to_email, m.period) for m in result.messages] == [
        ("M-0002", "bob@example.org", "assigned"),
        ("M-0001", "ann@example.org", "assigned"),
    ]
    ann = result.messages[1]
    assert ann.subject == "Please answer this X comment: Reply M-0001"
    text, html = render("mention_assigned", {**ann.context, "org_name": "Example Org"})
    assert "Answer it here: https://x.com/tomh/status/0001" in text
    assert "Reply M-0001 (from Tom Hargreaves)" in text
    assert 'href="https://x.com/tomh/status/0001"' in html
    assert result.report.lines == (
        "M-0004 is assigned to dan@example.org, who is not an active person in People: "
        "no email sent (fix Assigned To or People)",
    )


def test_an_assignment_is_emailed_once_and_a_new_assignee_gets_their_own(tmp_path: Path) -> None:
    workspace = memory_workspace(make_settings(tmp_path), {"People": PEOPLE, "Mentions": MENTIONS})
    assert run_job(workspace, "assign-mentions", NOW).counts["sent"] == 2
    again = run_job(workspace, "assign-mentions", NOW.replace(hour=10))
    assert again.counts["sent"] == 0 and again.counts["already_sent"] == 2
    workspace.store.apply(
        Changes(updates=(Update("Mentions", ("M-0001",), {"assigned_to": "bob@example.org"}),))
    )
    moved = run_job(workspace, "assign-mentions", NOW.replace(hour=11))
    assert moved.counts["sent"] == 1
    sent = workspace.store.read(["Sent"])["Sent"]
    assert sorted(sent["recipient"]) == ["ann@example.org", "bob@example.org", "bob@example.org"]


def test_assigned_and_unanswered_mentions_are_counted_by_age(tmp_path: Path) -> None:
    waiting = waiting_assigned(snapshot()["Mentions"], NOW, make_settings(tmp_path))
    assert [(w.id, w.band) for w in waiting] == [
        ("M-0004", "over a week"),
        ("M-0002", "1-3 days"),
        ("M-0001", "under a day"),
    ]
    assert by_age(waiting) == {"under a day": 1, "1-3 days": 1, "3-7 days": 0, "over a week": 1}


def test_the_weekly_summary_counts_assigned_unanswered_mentions_by_age(tmp_path: Path) -> None:
    workspace = memory_workspace(make_settings(tmp_path), {"People": PEOPLE, "Mentions": MENTIONS})
    snap = workspace.store.read(weekly_summary.TABS)
    org = weekly_summary.organisation(snap, NOW, workspace.settings)
    assert org.shared["mentions"]["assigned_waiting"] == {
        "total": 3,
        "by_age": [
            {"band": "under a day", "count": 1},
            {"band": "1-3 days", "count": 1},
            {"band": "over a week", "count": 1},
        ],
    }
    people = [*PEOPLE, {"name": "Meg Moss", "email": "meg@example.org", "roles": "Manager"}]
    snap = memory_workspace(
        workspace.settings, {"People": people, "Mentions": MENTIONS}
    ).store.read(weekly_summary.TABS)
    [summary] = weekly_summary.plan(snap, NOW, workspace.settings).messages
    text, _html = render("weekly_summary", {**summary.context, "org_name": "Example Org"})
    assert "3 assigned mentions not answered yet: 1 under a day, 1 1-3 days, 1 over a week." in text


def test_the_brief_lists_colleagues_reports_first_and_what_is_assigned(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rows = [
        mention("M-0001", "2026-11-20 07:00", ""),
        mention("M-0002", "2026-11-24 08:00", "", reported_by="bob@example.org"),
    ]
    found = open_mentions(frame_from_rows("Mentions", rows), NOW, settings)
    assert [(m["id"], m["reported_by"]) for m in found] == [
        ("M-0002", "bob@example.org"),
        ("M-0001", ""),
    ]
    [waiting] = assigned_context(frame_from_rows("Mentions", MENTIONS[:1]), NOW, settings)
    assert (waiting["id"], waiting["assignee"], waiting["age"]) == (
        "M-0001",
        "ann@example.org",
        "2 h",
    )
