"""ingest-inbox: forwarded newsletters and blasts become Queue candidates, once, from trusted senders."""

from __future__ import annotations

import mailbox
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from automation import demo
from automation.config import load_settings
from automation.runner import run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_workspace
from jobs.brief import waiting_items
from jobs.ingest_inbox import DETAILS_LIMIT, InboxInputs, InboxMessage, plan
from sheets_schema.records import Append, Changes, Snapshot, frame_from_rows
from tests.conftest import TZ, make_settings
from tests.test_mail_text import (
    ENCODED_B64,
    ENCODED_QP,
    MAILCHIMP,
    newsletter_forward,
    press_release,
    reply_chain,
    unknown_sender,
)

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "Bob@Example.org", "active": "Yes"},
    {"name": "Carol Cho", "email": "carol@example.org", "active": "Yes"},
    {"name": "Dan Diaz", "email": "dan@example.org", "active": "No"},
]


def inputs(*messages: EmailMessage | bytes) -> InboxInputs:
    found = []
    for n, msg in enumerate(messages):
        raw = msg if isinstance(msg, bytes) else msg.as_bytes(policy=SMTP)
        found.append(InboxMessage(f"test:{n}", raw, len(raw)))
    return InboxInputs(tuple(found), "test")


def snapshot(queue: list[dict] | None = None, **tabs: list[dict]) -> Snapshot:
    frames = {
        "People": frame_from_rows("People", PEOPLE),
        "Queue": frame_from_rows("Queue", queue or []),
    }
    frames.update({name: frame_from_rows(name, rows) for name, rows in tabs.items()})
    return Snapshot(frames)


def queued(result) -> list[dict]:  # noqa: ANN001
    return [dict(a.row) for a in result.changes.appends if a.tab == "Queue"]


def test_forwarded_newsletter_becomes_one_new_external_newsletter_item(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    existing = [
        {
            "id": "Q-0041",
            "headline": "Earlier",
            "status": "Published",
            "source_kind": "Organisation",
        }
    ]
    result = plan(snapshot(existing), NOW, settings, inputs(newsletter_forward()))
    [row] = queued(result)
    assert {
        k: row[k] for k in ("id", "created", "source_kind", "source_type", "status", "submitted_by")
    } == {
        "id": "Q-0042",
        "created": "2026-11-23 09:15",
        "source_kind": "External",
        "source_type": "Newsletter",
        "status": "New",
        "submitted_by": "ann@example.org",
    }
    assert row["headline"] == "Sector Weekly: charity law reform, webinar dates"
    assert row["link"] == "https://www.sectorweekly.example/2026/11/charity-law-reform?ref=nl"
    assert row["origin"] == (
        "mail:<CAF=newsletter.1@mail.gmail.com>; original sender: Sector Weekly <news@sectorweekly.example>"
    )
    details = row["details"]
    assert details.startswith("Note from Ann Archer: Worth a LinkedIn post?\n\nCharity law reform")
    assert "- book your place: https://events.example.org/webinar" in details
    assert (
        f"- Charity law reform: what changes in April: {MAILCHIMP} (Mailchimp tracking link"
        in details
    )
    assert "utm_" not in details and "unsubscribe" not in details.lower()
    assert "linkedin.com/company" not in details and "mailto:" not in details
    assert result.report.counts["queue_added"] == 1


def test_press_release_and_reply_chain_keep_their_own_words(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rows = queued(plan(snapshot(), NOW, settings, inputs(reply_chain(), press_release())))
    press, reply = rows  # oldest first: the press release was sent at 07:30, the reply at 10:02
    assert (press["id"], reply["id"]) == ("Q-0001", "Q-0002")
    assert press["link"] == "https://www.example.org/news/leeds-office"
    assert (
        press["submitted_by"] == "bob@example.org"
        and press["origin"] == "mail:<press-leeds-office@example.org>"
    )
    assert reply["headline"] == "Volunteering day photos"
    assert "Private thoughts" not in reply["details"] and "private/raw" not in reply["details"]
    assert reply["link"] == "https://photos.example.org/albums/roundhay"


def test_untrusted_senders_are_left_alone_and_counted_by_reason(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, inbox={"max_bytes": 5000})
    from_dan = press_release(sender="Dan Diaz <dan@example.org>")
    del from_dan["Message-ID"]
    from_dan["Message-ID"] = "<dan-1@example.org>"
    big = press_release()
    del big["Message-ID"]
    big["Message-ID"] = "<big-1@example.org>"
    big.add_attachment(
        b"\x89PNG" + b"0" * 6000, maintype="image", subtype="png", filename="photo.png"
    )
    empty = EmailMessage()
    empty["From"] = "ann@example.org"
    empty["Subject"] = ""
    empty["Message-ID"] = "<empty-1@example.org>"
    empty.set_content("\n")
    ooo = EmailMessage()
    ooo["From"] = "carol@example.org"
    ooo["Subject"] = "Automatic reply: Volunteering day photos"
    ooo["Auto-Submitted"] = "auto-replied"
    ooo["Message-ID"] = "<ooo-1@example.org>"
    ooo.set_content("I am away until Monday.")
    result = plan(snapshot(), NOW, settings, inputs(unknown_sender(), from_dan, big, empty, ooo))
    assert queued(result) == []
    counts = result.report.counts
    assert (counts["messages"], counts["queue_added"]) == (5, 0)
    assert counts["skipped_unknown_sender"] == 1 and counts["skipped_inactive_person"] == 1
    assert counts["skipped_too_large"] == 1 and counts["skipped_no_content"] == 1
    assert counts["skipped_automatic_reply"] == 1
    assert any(
        "hello@rankboost.example" in line and "unknown sender" in line
        for line in result.report.lines
    )
    assert any("too large" in line and "max_bytes 5,000" in line for line in result.report.lines)


def test_allowed_domain_lets_a_partner_send_content(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, inbox={"allow": ["@Partner.example", "editor@news.example"]})
    partner = press_release(sender="Press Office <press@partner.example>")
    [row] = queued(plan(snapshot(), NOW, settings, inputs(partner)))
    assert row["submitted_by"] == "press@partner.example"


def test_non_ascii_subjects_and_bodies_arrive_readable(tmp_path: Path) -> None:
    rows = queued(plan(snapshot(), NOW, make_settings(tmp_path), inputs(ENCODED_QP, ENCODED_B64)))
    assert [r["headline"] for r in rows] == ["Café Society opens in Leeds", "Réunion à Zürich"]
    assert "José Núñez" in rows[0]["details"] and "Grüße" in rows[1]["details"]


def test_already_queued_messages_and_duplicates_in_a_run_are_not_queued_again(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    queue = [
        {"id": "Q-0007", "origin": "mail:<PRESS-LEEDS-OFFICE@example.org>", "status": "Approved"}
    ]
    no_id = reply_chain()
    del no_id["Message-ID"]
    result = plan(snapshot(queue), NOW, settings, inputs(press_release(), no_id, no_id))
    [row] = queued(result)
    assert row["id"] == "Q-0008" and row["origin"].startswith("mail:hash:")
    assert result.report.counts["already_queued"] == 2
    again = plan(snapshot([*queue, row]), NOW, settings, inputs(press_release(), no_id))
    assert queued(again) == [] and again.report.counts["already_queued"] == 2


def test_long_details_are_cut_with_a_note(tmp_path: Path) -> None:
    msg = press_release()
    msg.set_content(
        "Big news. " + "The report runs long. " * 600 + "\nhttps://www.example.org/report"
    )
    [row] = queued(plan(snapshot(), NOW, make_settings(tmp_path), inputs(msg)))
    assert len(row["details"]) <= DETAILS_LIMIT
    assert "[… cut at 5,000 characters: the full text is in the mailbox]" in row["details"]
    assert row["link"] == "https://www.example.org/report"


def test_policy_screening_fills_the_flags_of_a_queued_message(tmp_path: Path) -> None:
    msg = press_release()
    msg.set_content(
        "CONFIDENTIAL until Friday. Call Bob on +44 20 7946 0958.\n"
        f"{MAILCHIMP}\nSee https://www.example.org/story\n"
    )
    [row] = queued(plan(snapshot(), NOW, make_settings(tmp_path), inputs(msg)))
    flags = row["flags"]
    assert "confidential: mentions 'confidential'" in flags
    assert "+44 20 7946 0958" in flags
    assert row["link"] == "https://www.example.org/story"


def test_mail_linking_a_blocked_site_is_rejected_with_the_reason_and_never_queued(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, screening={"blocked_domains": ["rival.example"]})
    msg = press_release()
    msg.set_content("Worth a look: https://www.rival.example/story\n")
    result = plan(snapshot(), NOW, settings, inputs(msg))
    assert queued(result) == []
    assert result.report.counts["skipped_blocked_site"] == 1
    [line] = [line for line in result.report.lines if "blocked site" in line]
    assert "www[.]rival[.]example, a site our social media policy does not allow" in line
    assert "rival.example" not in line


def test_during_a_crisis_new_mail_items_are_on_hold(tmp_path: Path) -> None:
    crises = [{"id": "C-001", "started": "2026-11-24 07:00", "reason": "outage"}]
    result = plan(snapshot(Crises=crises), NOW, make_settings(tmp_path), inputs(press_release()))
    [row] = queued(result)
    assert (row["status"], row["held_from"]) == ("On hold", "New")
    assert any("crisis C-001" in line for line in result.report.lines)


def test_running_the_job_twice_over_a_maildir_queues_nothing_new(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for msg in (newsletter_forward(), press_release(), reply_chain(), unknown_sender()):
        box.add(msg.as_bytes(policy=SMTP))
    settings = make_settings(tmp_path, inbox={"kind": "maildir", "path": "inbox"})
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("People", p) for p in PEOPLE)))
    ws = Workspace(settings=settings, store=store)
    files = sorted(p.name for p in (tmp_path / "inbox" / "new").iterdir())
    first = run_job(ws, "ingest-inbox", NOW)
    assert (first.outcome, first.counts["queue_added"], first.counts["skipped_unknown_sender"]) == (
        "ok",
        3,
        1,
    )
    second = run_job(ws, "ingest-inbox", NOW)
    assert second.counts["queue_added"] == 0 and second.counts["already_queued"] == 3
    queue = store.read(("Queue",))["Queue"]
    assert sorted(queue["id"]) == ["Q-0001", "Q-0002", "Q-0003"]
    assert sorted(p.name for p in (tmp_path / "inbox" / "new").iterdir()) == files
    assert list((tmp_path / "inbox" / "cur").iterdir()) == []


def test_no_inbox_configured_is_said_not_failed(tmp_path: Path) -> None:
    result = plan(snapshot(), NOW, make_settings(tmp_path), None)
    assert queued(result) == [] and "set [inbox] kind" in result.report.lines[-1]


def test_demo_inbox_gives_the_expected_items_and_the_brief_lists_them(tmp_path: Path) -> None:
    now = datetime(2026, 11, 24, 8, 45, tzinfo=TZ)
    (tmp_path / "chorus.toml").write_text(demo.demo_config_toml(tmp_path), encoding="utf-8")
    settings = load_settings(tmp_path / "chorus.toml")
    ws = build_workspace(settings)
    ws.store.ensure_tabs()
    rows = demo.demo_rows(now.date())
    ws.store.apply(Changes(appends=tuple(Append(t, r) for t, rs in rows.items() for r in rs)))
    demo.write_inputs(tmp_path, date(2026, 11, 24))
    result = run_job(ws, "ingest-inbox", now)
    assert result.counts["messages"] == 10
    assert result.counts["queue_added"] == 4 and result.counts["skipped_unknown_sender"] == 1
    assert (result.counts["mentions_added"], result.counts["reports_added"]) == (3, 1)
    assert result.counts["skipped_not_authenticated"] == 1
    [forged] = result.problems
    assert "Priya Shah <priya.shah@greenfield-law.example>" in forged
    assert "not authenticated" in forged and "not queued under their name" in forged
    mentions = ws.store.read(("Mentions",))["Mentions"]
    found = mentions[mentions["origin"].str.startswith("mail:")]
    assert sorted(zip(found["network"], found["kind"], found["author"], strict=True)) == [
        ("Bluesky", "Mention", ""),
        ("Facebook", "Direct message", "Leeds Tenants Network"),
        ("LinkedIn", "Mention", "Sarah Okafor"),
        ("X", "Comment", "Tom Hargreaves"),
    ]
    [report] = found[found["reported_by"] != ""].to_dict("records")
    assert report["reported_by"] == demo.email_of("Niamh Kelly")
    assert report["url"] == "https://bsky.app/profile/j-whitaker.bsky.social/post/3kq7x2hz4ma2c"
    queue = ws.store.read(("Queue",))["Queue"]
    mail = queue[queue["origin"].str.startswith("mail:")].to_dict("records")
    by_sender = {r["submitted_by"]: r for r in mail}
    assert set(by_sender) == {
        demo.email_of(n) for n in ("Jessica Wong", "Kwame Mensah", "Callum Reid", "Isabel Moreno")
    }
    hr = by_sender[demo.email_of("Jessica Wong")]
    assert hr["headline"] == "HR Weekly: fit notes reform, SSP changes and more"
    assert hr["link"] == "https://www.hrweekly.example/fit-notes-reform"
    assert hr["origin"].endswith("original sender: HR Weekly <newsletter@hrweekly.example>")
    press = by_sender[demo.email_of("Kwame Mensah")]
    assert press["link"] == "https://www.northbankhousing.example/news/bramley-start"
    assert press["origin"].endswith(
        "original sender: Press Office <press@northbankhousing.example>"
    )
    assert by_sender[demo.email_of("Callum Reid")]["headline"] == "Clinic photos for social?"
    assert "José Núñez" in by_sender[demo.email_of("Isabel Moreno")]["details"]
    assert all(r["status"] == "New" and r["source_type"] == "Newsletter" for r in mail)
    # The brief lists them with the forwarded-by-email items to review.
    snap = ws.store.read(("Queue", "People"))
    people = {p["email"].lower(): p for p in snap["People"].to_dict("records")}
    _submissions, inbox = waiting_items(snap["Queue"], now, settings, people)
    assert {i["id"] for i in inbox} == {r["id"] for r in mail}
    again = run_job(ws, "ingest-inbox", now).counts
    assert (again["queue_added"], again["mentions_added"], again["reports_added"]) == (0, 0, 0)
