"""The guide leaves staff guessing nothing: every source, the mailbox and who may use it,
what to do in a crisis, the organisation's principles, and when the whole document is
reviewed next; review reminders reach the goals, channels and process too."""

from __future__ import annotations

from pathlib import Path

from jobs import policy_digest
from sheets_schema.records import Snapshot, empty_frame, frame_from_rows
from tests.conftest import make_settings
from tests.test_guide import NOW, guide_settings, section, sheets

SOURCES = [
    {
        "source": "Google Alerts: Example Org",
        "kind": "Google Alert",
        "brings": "Articles that name us",
        "arrives": "Chorus adds each to Mentions",
        "active": "Yes",
    },
    {
        "source": "LinkedIn discussions in local groups",
        "kind": "LinkedIn discussions",
        "brings": "Questions we can answer",
        "arrives": "The coordinator looks in each working day",
        "active": "Yes",
    },
    {"source": "An old blog roll", "kind": "Other", "active": "No"},
]


def test_every_source_is_named_as_people_know_it_with_the_mailbox_and_who_may_use_it(
    tmp_path: Path,
) -> None:
    settings = guide_settings(
        tmp_path,
        alerts={"feeds": [{"name": "Industry news", "url": "news.xml", "use": "content"}]},
        inbox={
            "kind": "maildir",
            "path": "inbox",
            "address": "social@example.org",
            "allow": ["partner.example"],
        },
    )
    text = section("Process", settings, sheets(Sources=SOURCES))
    assert "Google Alerts: Example Org (Google Alert) | Articles that name us" in text
    assert "LinkedIn discussions in local groups (LinkedIn discussions)" in text
    assert "An old blog roll" not in text  # no longer watched
    # a feed in chorus.toml the Sources tab does not name is still listed
    assert "Industry news | Items to share | Chorus reads it every ten minutes" in text
    assert (
        "Forward newsletters and email blasts worth sharing to social@example.org "
        "<mailto:social@example.org>. Chorus takes mail only from colleagues listed as active "
        "in the programme and anyone at partner.example"
    ) in text


def test_an_empty_program_claims_no_alerts_every_ten_minutes(tmp_path: Path) -> None:
    text = section("Process", make_settings(tmp_path), sheets(Sources=[]))
    assert "ten minutes between 8:04" not in text
    assert "No alerts or feeds are set up yet" in text
    assert "mailbox" not in text  # no inbox is set up


def test_staff_know_what_to_do_and_not_to_do_in_a_crisis(tmp_path: Path) -> None:
    text = section("Process", guide_settings(tmp_path))
    crisis = text[text.index("## In a crisis") :]
    assert "Tell the coordinator on duty, Ada Lovelace <mailto:ada@example.org>, at once" in crisis
    assert "* Do not reply, comment, like or share posts about it" in crisis
    assert "* Do not delete anything" in crisis


def test_the_principles_come_from_the_sheet_and_lead_the_guide(tmp_path: Path) -> None:
    principles = [
        {"principle": "Why we engage", "statement": "To be useful to our clients."},
        {
            "principle": "Activity outside work",
            "statement": "What affects the firm, in or outside work, is a matter for this policy.",
        },
    ]
    text = section("Our principles", guide_settings(tmp_path), sheets(Principles=principles))
    assert "## Why we engage\nTo be useful to our clients." in text
    assert "## Activity outside work\nWhat affects the firm, in or outside work" in text
    empty = section("Our principles", guide_settings(tmp_path), sheets(Principles=[]))
    assert "Our principles are not written down yet" in empty


def test_a_part_overdue_for_review_is_named_in_the_guide(tmp_path: Path) -> None:
    reviews = [
        {"part": "Channels", "owner": "ada@example.org", "last_reviewed": "2026-06-01"},
        {"part": "Goals", "owner": "ada@example.org", "last_reviewed": "2027-03-01"},
    ]
    text = section("About this document", guide_settings(tmp_path), sheets(Reviews=reviews))
    assert "a review is due now (the channels)." in text
    assert text.count("version") == 1


def digest_snapshot(reviews: list[dict[str, str]]) -> Snapshot:
    frames = {name: empty_frame(name) for name in policy_digest.TABS}
    frames["People"] = frame_from_rows(
        "People", [{"name": "Ada Lovelace", "email": "ada@example.org", "active": "Yes"}]
    )
    frames["Reviews"] = frame_from_rows("Reviews", reviews)
    return Snapshot(frames)


def test_the_goals_channels_and_process_come_up_for_review_like_policies(tmp_path: Path) -> None:
    reviews = [
        {"part": "Goals", "owner": "ada@example.org", "last_reviewed": "2026-01-10"},
        {"part": "Process", "owner": "ada@example.org", "last_reviewed": ""},
        {"part": "Channels", "owner": "ada@example.org", "last_reviewed": "2027-03-01"},
    ]
    plan = policy_digest.plan(digest_snapshot(reviews), NOW, make_settings(tmp_path))
    (review,) = [m for m in plan.messages if m.topic == "review"]
    assert review.to_email == "ada@example.org"
    assert review.subject == "Review due: 2 items to review"
    assert [p["part"] for p in review.context["policies"]] == ["Goals", "Process"]
