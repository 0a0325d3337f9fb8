"""thanks: one note per published submission, rejected submission and changed feedback."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.mail.compose import compose, message_parts, render
from jobs import thanks
from sheets_schema.records import Snapshot, empty_frame, frame_from_rows
from sheets_schema.settings import Settings
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=TZ)

PEOPLE = [
    {
        "name": "Sam Seller",
        "email": "sam@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
    },
    {
        "name": "Lou Lawyer",
        "email": "lou@example.org",
        "team": "Legal",
        "roles": "Staff",
        "active": "Yes",
    },
    {
        "name": "Fay Feedback",
        "email": "fay@example.org",
        "team": "Ops",
        "roles": "Staff",
        "active": "Yes",
    },
]
SUBMISSIONS = [
    {
        "response_id": "r1",
        "submitted_at": "2026-11-20 09:00",
        "email": "sam@example.org",
        "name": "Sam",
        "headline": "Sam wins award",
        "status": "Accepted",
        "queue_id": "Q-1",
    },
    {
        "response_id": "r2",
        "submitted_at": "2026-11-21 09:00",
        "email": "lou@example.org",
        "headline": "Client news",
        "status": "Rejected",
        "reason": "The client has not agreed to be named.",
    },
    {
        "response_id": "r3",
        "submitted_at": "2026-11-21 10:00",
        "email": "outsider@elsewhere.com",
        "headline": "Hi",
        "status": "Rejected",
        "reason": "Not ours",
    },
    {
        "response_id": "r4",
        "submitted_at": "2026-11-22 10:00",
        "email": "lou@example.org",
        "headline": "Team run",
        "status": "Accepted",
        "queue_id": "Q-2",
    },
    {
        "response_id": "r5",
        "submitted_at": "2025-01-01 10:00",
        "email": "lou@example.org",
        "headline": "Ancient",
        "status": "Rejected",
        "reason": "Too old",
    },
]
QUEUE = [
    {
        "id": "Q-1",
        "source_kind": "Staff & partners",
        "headline": "Sam wins award",
        "status": "Published",
        "post_url": "https://www.linkedin.com/posts/1",
        "channels": "LinkedIn, X",
        "published_at": "2026-11-23 10:00",
        "origin": "form:submissions:r1",
    },
    # found through the Submissions row's Queue ID, origin missing
    {
        "id": "Q-2",
        "source_kind": "Staff & partners",
        "headline": "Team run",
        "status": "Published",
        "post_url": "https://x.com/org/status/2",
        "channels": "X",
        "published_at": "2026-11-24 09:00",
    },
    # published but no link yet: wait for it
    {
        "id": "Q-3",
        "source_kind": "Staff & partners",
        "headline": "No link",
        "status": "Published",
        "submitted_by": "sam@example.org",
        "origin": "form:submissions:r9",
    },
    # not from a submission
    {
        "id": "Q-4",
        "source_kind": "Organisation",
        "headline": "Press release",
        "status": "Published",
        "post_url": "https://www.linkedin.com/posts/4",
        "submitted_by": "sam@example.org",
        "origin": "feed:news",
    },
    {
        "id": "Q-5",
        "source_kind": "Staff & partners",
        "headline": "Queued",
        "status": "Scheduled",
        "post_url": "",
        "origin": "form:submissions:r1",
    },
]
FEEDBACK = [
    {
        "response_id": "f1",
        "submitted_at": "2026-11-01 09:00",
        "email": "fay@example.org",
        "section": "Process",
        "text": "Say who approves posts",
        "status": "Changed",
        "reply": "The Process section now names the approvers.",
    },
    {
        "response_id": "f2",
        "submitted_at": "2026-11-02 09:00",
        "email": "fay@example.org",
        "text": "Other idea",
        "status": "Considered",
    },
    {
        "response_id": "f3",
        "submitted_at": "2026-11-02 09:00",
        "email": "",
        "text": "Anonymous",
        "status": "Changed",
    },
]


def snapshot() -> Snapshot:
    frames = {name: empty_frame(name) for name in thanks.TABS}
    frames.update(
        People=frame_from_rows("People", PEOPLE),
        Submissions=frame_from_rows("Submissions", SUBMISSIONS),
        Queue=frame_from_rows("Queue", QUEUE),
        Feedback=frame_from_rows("Feedback", FEEDBACK),
    )
    return Snapshot(frames)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        forms={
            "submissions": {
                "kind": "csv",
                "path": "s.csv",
                "url": "https://forms.example.org/submit",
            }
        },
    )


def test_each_published_submission_gets_one_thank_you_with_the_link(settings: Settings) -> None:
    plan = thanks.plan(snapshot(), NOW, settings)
    published = [
        m for m in plan.messages if m.template == "thanks" and m.context["kind"] == "published"
    ]
    assert [(m.topic, m.to_email, m.period) for m in published] == [
        ("Q-1", "sam@example.org", "item"),
        ("Q-2", "lou@example.org", "item"),
    ]
    sam = published[0]
    assert sam.context["post_url"] == "https://www.linkedin.com/posts/1"
    text, html = render("thanks", {**sam.context, "org_name": "Example Org"})
    assert (
        'Thank you for your suggestion: "Sam wins award" has been published on LinkedIn, X.' in text
    )
    assert "See the post: https://www.linkedin.com/posts/1" in text
    assert 'href="https://www.linkedin.com/posts/1"' in html and ">See the post</a>" in html


def test_the_thank_you_is_once_per_item_whatever_the_day(settings: Settings) -> None:
    first = thanks.plan(snapshot(), NOW, settings)
    tomorrow = thanks.plan(snapshot(), NOW.replace(day=25), settings)
    ids = {m.message_id("example.org") for m in first.messages}
    assert ids == {m.message_id("example.org") for m in tomorrow.messages}
    assert len(ids) == len(first.messages) == 4


def test_a_rejected_submission_gets_a_kind_note_with_the_reason(settings: Settings) -> None:
    plan = thanks.plan(snapshot(), NOW, settings)
    rejected = [m for m in plan.messages if m.template == "thanks_rejected"]
    # r3's sender is not in People; r5 is from last year
    assert [(m.topic, m.to_email) for m in rejected] == [("r2", "lou@example.org")]
    email = compose(rejected[0], settings, now=NOW)
    text, _, _ = message_parts(email)
    assert email["Subject"] == "About your suggestion: Client news"
    assert "Hello Lou," in text
    assert "The reason: The client has not agreed to be named." in text
    assert "Send another: https://forms.example.org/submit" in text
    assert plan.report.counts["not_in_people"] == 1
    assert "outsider@elsewhere.com is not an active person in People" in plan.report.lines[0]


def test_feedback_that_changed_the_guide_is_thanked_once(settings: Settings) -> None:
    plan = thanks.plan(snapshot(), NOW, settings)
    feedback = [m for m in plan.messages if m.context.get("kind") == "feedback"]
    assert [(m.topic, m.to_email, m.template) for m in feedback] == [
        ("feedback-f1", "fay@example.org", "thanks")
    ]
    text, _ = render("thanks", {**feedback[0].context, "org_name": "Example Org"})
    assert "Your feedback on the social media guide (Process) led to a change." in text
    assert "What changed: The Process section now names the approvers." in text
    assert plan.report.counts == {"published": 2, "rejected": 1, "feedback": 1, "not_in_people": 1}


def test_running_thanks_every_day_sends_each_note_once(tmp_path: Path) -> None:
    from automation.runner import run_job

    workspace = memory_workspace(
        make_settings(tmp_path),
        {"People": PEOPLE, "Submissions": SUBMISSIONS, "Queue": QUEUE, "Feedback": FEEDBACK},
    )
    assert run_job(workspace, "thanks", NOW).counts["sent"] == 4
    tomorrow = run_job(workspace, "thanks", NOW.replace(day=25))
    assert tomorrow.counts["sent"] == 0 and tomorrow.counts["already_sent"] == 4
    sent = workspace.store.read(["Sent"])["Sent"]
    assert sorted(sent["recipient"]) == [
        "fay@example.org",
        "lou@example.org",
        "lou@example.org",
        "sam@example.org",
    ]


def test_the_thank_you_carries_tracked_share_links_for_the_contributors_own_item(
    settings: Settings,
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from jobs.share_digest import ShareInputs

    plan = thanks.plan(snapshot(), NOW, settings, ShareInputs(key=b"k" * 32))
    sam = next(m for m in plan.messages if m.topic == "Q-1")
    offers = sam.context["offers"]
    assert [o["network"] for o in offers] == ["LinkedIn", "X"]
    tracked = parse_qs(urlsplit(offers[0]["url"]).query)
    assert tracked["utm_campaign"] == ["Q-1"] and tracked["utm_source"] == ["linkedin"]
    assert "sam" not in tracked["utm_content"][0]
    text, _html = render("thanks", {**sam.context, "org_name": "Example Org"})
    assert "Share: https://www.linkedin.com/sharing/share-offsite/?url=" in text
    recorded = [a.row for a in plan.changes.appends if a.tab == "Shares"]
    assert {(r["email"], r["queue_id"]) for r in recorded} == {
        ("sam@example.org", "Q-1"),
        ("lou@example.org", "Q-2"),
    }
