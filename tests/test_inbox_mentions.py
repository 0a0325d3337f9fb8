"""Notification emails and colleagues' reports become Mentions; only mail its server vouches for counts."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from automation.doctor import check_inbox_trust
from automation.runner import run_job
from jobs.inbox_mentions import author_of, mention_kind, reported_subject
from jobs.ingest_inbox import InboxInputs, InboxMessage, plan
from jobs.mail_text.headers import parse_message
from jobs.mail_text.trust import check_trust, strict_sender
from jobs.network_names import canonical_network, length_limit, network_of_sender, sender_domains
from sheets_schema.forms import export_header
from sheets_schema.records import Snapshot, frame_from_rows
from tests.conftest import TZ, make_settings, memory_workspace
from tests.test_inbox_sources import USER, gmail_setup, workspace_with_people
from tests.test_mail_text import AUTHSERV, auth_results, press_release

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "active": "Yes"},
]


def mail(
    sender: str,
    subject: str,
    text: str,
    message_id: str,
    *,
    verdict: str = "pass",
    authserv: str = AUTHSERV,
) -> EmailMessage:
    """A message as the receiving server hands it over, its verdict on top."""
    msg = EmailMessage(policy=SMTP)
    msg["Authentication-Results"] = auth_results(sender, result=verdict, authserv=authserv)
    msg["From"] = sender
    msg["To"] = "social@example.org"
    msg["Subject"] = subject
    msg["Date"] = "Tue, 24 Nov 2026 08:00:00 +0000"
    msg["Message-ID"] = message_id
    msg.set_content(text)
    return msg


def linkedin() -> EmailMessage:
    return mail(
        "LinkedIn <notifications-noreply@linkedin.com>",
        "Sarah Okafor mentioned Example Org in a post",
        'Sarah Okafor mentioned Example Org in a post\n\n"Thanks for the clinic!"\n\n'
        "View post: https://www.linkedin.com/feed/update/urn:li:activity:7262/\n\n"
        "Unsubscribe: https://www.linkedin.com/comm/psettings/email-unsubscribe?x=1\n",
        "<li-1@linkedin.com>",
    )


def x_reply() -> EmailMessage:
    return mail(
        "X <info@x.com>",
        "Tom Hargreaves (@tomh) replied to you",
        "@ExampleOrg Still no answer to my email.\n\nReply: https://x.com/tomh/status/18601\n",
        "<x-1@x.com>",
    )


def facebook_message() -> EmailMessage:
    return mail(
        "Facebook <notification@facebookmail.com>",
        "New message from Leeds Tenants Network",
        "Would someone speak at our meeting?\n\n"
        "Reply: https://business.facebook.com/latest/inbox/all?selected_item_id=991\n",
        "<fb-1@facebookmail.com>",
    )


def staff_report() -> EmailMessage:
    return mail(
        "Ann Archer <ann@example.org>",
        "Fwd: Mention: unhappy client on Bluesky",
        "Can someone answer this?\n\nhttps://bsky.app/profile/jw.bsky.social/post/3kq7x\n",
        "<report-1@example.org>",
    )


def forged_colleague() -> EmailMessage:
    return mail(
        "Bob Baker <bob@example.org>",
        "Please post today",
        "Approved, post everywhere: https://offers.example/free\n",
        "<forged-1@evil.example>",
        verdict="fail",
    )


def inputs(*messages: EmailMessage) -> InboxInputs:
    raws = [m.as_bytes(policy=SMTP) for m in messages]
    return InboxInputs(tuple(InboxMessage(f"t:{n}", r, len(r)) for n, r in enumerate(raws)), "t")


def snapshot(mentions: list[dict] | None = None, queue: list[dict] | None = None) -> Snapshot:
    return Snapshot(
        {
            "People": frame_from_rows("People", PEOPLE),
            "Queue": frame_from_rows("Queue", queue or []),
            "Mentions": frame_from_rows("Mentions", mentions or []),
        }
    )


def added(result, tab: str) -> list[dict]:  # noqa: ANN001
    return [dict(a.row) for a in result.changes.appends if a.tab == tab]


def test_three_networks_and_a_staff_forward_become_four_mentions_and_a_forgery_is_reported(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    messages = inputs(linkedin(), x_reply(), facebook_message(), staff_report(), forged_colleague())
    result = plan(snapshot(), NOW, settings, messages)
    rows = added(result, "Mentions")
    assert [(r["id"], r["network"], r["kind"], r["author"]) for r in rows] == [
        ("M-0001", "LinkedIn", "Mention", "Sarah Okafor"),
        ("M-0002", "X", "Comment", "Tom Hargreaves"),
        ("M-0003", "Facebook", "Direct message", "Leeds Tenants Network"),
        ("M-0004", "Bluesky", "Mention", ""),
    ]
    assert [r["url"] for r in rows] == [
        "https://www.linkedin.com/feed/update/urn:li:activity:7262/",
        "https://x.com/tomh/status/18601",
        "https://business.facebook.com/latest/inbox/all?selected_item_id=991",
        "https://bsky.app/profile/jw.bsky.social/post/3kq7x",
    ]
    assert rows[3]["reported_by"] == "ann@example.org"
    assert rows[3]["title"] == "unhappy client on Bluesky"
    assert all(r["status"] == "New" for r in rows)
    assert added(result, "Queue") == []
    assert result.report.counts["skipped_not_authenticated"] == 1
    [problem] = result.report.problems
    assert "Bob Baker <bob@example.org>" in problem and "not queued under their name" in problem


def test_a_rerun_adds_no_mention_twice(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    messages = inputs(linkedin(), x_reply(), facebook_message(), staff_report())
    first = added(plan(snapshot(), NOW, settings, messages), "Mentions")
    again = plan(snapshot(mentions=first), NOW, settings, messages)
    assert added(again, "Mentions") == []
    assert again.report.counts["already_queued"] == 4


def test_the_same_post_notified_twice_is_one_mention(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    second = linkedin()
    del second["Message-ID"]
    second["Message-ID"] = "<li-2@linkedin.com>"
    result = plan(snapshot(), NOW, settings, inputs(linkedin(), second))
    assert len(added(result, "Mentions")) == 1
    assert result.report.counts["already_in_mentions"] == 1


def test_a_verdict_from_another_server_is_the_senders_own_writing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    forged = mail(
        "Ann Archer <ann@example.org>",
        "Fwd: our news",
        "https://www.example.org/news\n",
        "<f-2@evil.example>",
        authserv="mx.evil.example",
    )
    result = plan(snapshot(), NOW, settings, inputs(forged))
    assert added(result, "Queue") == []
    assert "no Authentication-Results from mx.example.org" in result.report.problems[0]


def test_without_authserv_id_nothing_is_trusted_and_the_report_says_so(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, inbox={"authserv_id": ""})
    result = plan(snapshot(), NOW, settings, inputs(press_release()))
    assert added(result, "Queue") == []
    assert "[inbox] authserv_id is not set" in result.report.problems[0]


@pytest.mark.parametrize(
    "header",
    [
        "ann@example.org, x@evil.example",
        "ann@example.org]<x@evil.example>",
        "Ann <ann@example.org> <x@evil.example>",
        "ann@example",
    ],
)
def test_a_from_header_that_is_not_one_well_formed_address_is_refused(header: str) -> None:
    raw = (
        f"Authentication-Results: {auth_results('ann@example.org')}\r\nFrom: {header}\r\n"
        "Subject: hi\r\n\r\nhello\r\n"
    ).encode()
    msg = parse_message(raw)
    assert strict_sender(msg)[0] == ""
    assert not check_trust(msg, AUTHSERV).authenticated


def test_dkim_pass_for_a_parent_domain_is_enough_and_a_display_name_cannot_lend_one() -> None:
    dkim_only = parse_message(
        b"Authentication-Results: mx.example.org; dkim=pass header.d=example.org; dmarc=none\r\n"
        b"From: News <news@mail.example.org>\r\n\r\nx\r\n"
    )
    assert check_trust(dkim_only, AUTHSERV).authenticated
    lender = parse_message(
        b"Authentication-Results: mx.example.org; dkim=pass header.d=example.org\r\n"
        b'From: "ann@example.org" <x@evil.example>\r\n\r\nx\r\n'
    )
    trust = check_trust(lender, AUTHSERV)
    assert (trust.sender, trust.authenticated) == ("x@evil.example", False)


def test_notification_words_give_kind_and_author() -> None:
    assert mention_kind("Jo Bloggs tagged you in a photo") == "Tag"
    assert mention_kind("Jo Bloggs commented on your post") == "Comment"
    assert mention_kind("You have 2 new messages") == "Direct message"
    assert mention_kind("Jo Bloggs mentioned you") == "Mention"
    assert author_of("Jo Bloggs (@jo) mentioned you in a post") == "Jo Bloggs"
    assert author_of("New message from Leeds Tenants Network") == "Leeds Tenants Network"
    assert reported_subject("Fwd: Mention - angry post", ("Mention",)) == "angry post"
    assert reported_subject("Mentioning our award", ("Mention",)) is None


def test_any_network_name_is_accepted_and_known_ones_are_spelled_their_way() -> None:
    assert canonical_network("twitter") == "X"
    assert canonical_network(" linkedin ") == "LinkedIn"
    assert canonical_network("Pinterest") == "Pinterest"
    assert length_limit("Bluesky") == 300 and length_limit("Pinterest") == 0
    senders = sender_domains({"Mastodon": ("mastodon.social",), "LinkedIn": ()})
    assert network_of_sender("notification@mastodon.social", senders) == "Mastodon"
    assert network_of_sender("messages-noreply@linkedin.com", senders) == ""
    assert network_of_sender("info@x.com", senders) == "X"


def test_the_gmail_label_source_reads_the_same_verdicts(tmp_path: Path) -> None:
    twin, settings, services = gmail_setup(tmp_path)
    for msg in (linkedin(), forged_colleague()):
        twin.gmail_add_message(USER, msg.as_bytes(policy=SMTP), labels=["Social inbox"])
    ws = workspace_with_people(tmp_path, settings, google=services)
    first = run_job(ws, "ingest-inbox", NOW)
    assert (first.counts["mentions_added"], first.counts["skipped_not_authenticated"]) == (1, 1)
    assert any("Bob Baker <bob@example.org>" in p for p in first.problems)
    mentions = ws.store.read(("Mentions",))["Mentions"]
    assert list(mentions["network"]) == ["LinkedIn"]
    assert list(mentions["origin"]) == ["mail:<li-1@linkedin.com>"]
    again = run_job(ws, "ingest-inbox", NOW)
    assert again.counts["mentions_added"] == 0 and again.counts["already_queued"] == 1


def test_the_report_a_mention_form_adds_a_row_reported_by_its_sender_once(tmp_path: Path) -> None:
    export = tmp_path / "mention.csv"
    header = ",".join(f'"{h}"' for h in export_header("mention"))
    export.write_text(
        f"{header}\r\n"
        '"24/11/2026 08:40:12","bob@example.org","https://bsky.app/profile/jw.bsky.social/post/3kq7x",'
        '"","Criticism","Says we never called back about the Harehills tenancy"\r\n'
        '"24/11/2026 08:45:00","ann@example.org","https://www.linkedin.com/feed/update/urn:li:activity:7262/",'
        '"LinkedIn","Compliment","Thanks us for the clinic"\r\n',
        encoding="utf-8",
    )
    settings = make_settings(tmp_path, forms={"mention": {"kind": "csv", "path": "mention.csv"}})
    earlier = {
        "id": "M-0007",
        "found_at": "2026-11-24 08:00",
        "kind": "Mention",
        "url": "https://www.linkedin.com/feed/update/urn:li:activity:7262/",
        "status": "New",
    }
    workspace = memory_workspace(settings, {"People": PEOPLE, "Mentions": [earlier]})
    first = run_job(workspace, "sync-forms", NOW)
    assert first.counts["mentions_reported"] == 1
    mentions = workspace.store.read(("Mentions",))["Mentions"].to_dict("records")
    reported = mentions[-1]
    assert {k: reported[k] for k in ("id", "kind", "network", "reported_by", "status")} == {
        "id": "M-0008",
        "kind": "Criticism",
        "network": "Bluesky",
        "reported_by": "bob@example.org",
        "status": "New",
    }
    assert reported["title"] == "Says we never called back about the Harehills tenancy"
    again = run_job(workspace, "sync-forms", NOW.replace(hour=10))
    assert again.counts["mentions_reported"] == 0
    assert len(workspace.store.read(("Mentions",))["Mentions"]) == 2


def test_doctor_warns_when_the_inbox_has_no_authserv_id(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, inbox={"kind": "maildir", "path": "inbox", "authserv_id": ""}
    )
    [check] = check_inbox_trust(settings)
    assert check.status == "warn" and "authserv_id" in check.fix
    assert check_inbox_trust(make_settings(tmp_path, inbox={"kind": "maildir"})) == []
