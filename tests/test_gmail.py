"""Gmail transport: every message sent once as the delegated user, whatever crashes in between."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from automation.mail.base import Mailer, TransportDown
from automation.mail.gmail import GmailMailer
from automation.mail.ledger import DeliveryReport, deliver
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs.base import OutgoingMessage
from sheets_schema.errors import MailError
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)
SENDER = "social@example.org"
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "active": "Yes"},
]


def message(email: str) -> OutgoingMessage:
    return OutgoingMessage(
        job="brief",
        period="2026-11-24",
        to_email=email,
        to_name="",
        subject="Your brief for 2026-11-24",
        template="_layout",
        context={"why": "you coordinate this week."},
    )


def setup(tmp_path: Path, twin=None):  # noqa: ANN001, ANN201
    twin = twin or make_app(require_auth=True)
    settings = make_settings(
        tmp_path, mail={"transport": "gmail", "sender": SENDER}, backend={"delegated_user": SENDER}
    )
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("People", p) for p in PEOPLE)))
    services = google_services(twin, tmp_path, delegated_user=SENDER)
    mailer = GmailMailer.from_settings(settings, google=services)
    ws = Workspace(settings=settings, store=store, google=services, _mailer=mailer)
    return twin, ws


def run(ws: Workspace, messages: list[OutgoingMessage]) -> DeliveryReport:
    return deliver(messages, workspace=ws, snapshot=ws.store.read(("People", "Sent")), now=NOW)


def sent_rows(ws: Workspace) -> list[dict[str, str]]:
    return [dict(r) for _, r in ws.store.read(("Sent",))["Sent"].iterrows()]


def inbox(twin, address: str) -> list[str]:  # noqa: ANN001
    return [str(m["Subject"]) for m in twin.gmail_messages(address, "INBOX")]


def test_gmail_mailer_fits_the_mailer_protocol(tmp_path: Path) -> None:
    _, ws = setup(tmp_path)
    assert isinstance(ws.mailer, Mailer) and ws.mailer.transport == "gmail"


def test_messages_go_out_as_the_delegated_user_with_gmail_ids_recorded(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    report = run(ws, [message("ann@example.org"), message("bob@example.org")])
    assert report.counts() == {"sent": 2}
    sent = twin.gmail_sent(SENDER)
    assert sorted(str(m["To"]) for m in sent) == [
        "Ann Archer <ann@example.org>",
        "Bob Baker <bob@example.org>",
    ]
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    rows = sent_rows(ws)
    gmail_ids = {m.id: m.thread_id for m in twin.gmail.messages_of(SENDER, "SENT")}
    assert [(r["status"], r["transport"]) for r in rows] == [("Sent", "gmail")] * 2
    assert {r["transport_id"]: r["thread_id"] for r in rows} == gmail_ids
    assert twin.gmail.boxes[SENDER].drafts == {}  # every draft was consumed by sending it
    # per message: a search of the Sent mailbox, a draft and its sending; nothing else
    assert twin.calls_by_api()["gmail"] == {
        "users.messages.list": 2,
        "users.drafts.create": 2,
        "users.drafts.send": 2,
    }


def test_a_second_run_sends_nothing_again(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    run(ws, [message("ann@example.org")])
    again = run(ws, [message("ann@example.org")])
    assert again.counts() == {"sent": 0, "already_sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]


@pytest.mark.parametrize("rewrites", [False, True])
def test_crash_after_the_draft_is_made_but_before_it_is_recorded_sends_once(
    tmp_path: Path, rewrites: bool
) -> None:
    twin, ws = setup(tmp_path)
    twin.gmail_rewrites_message_id = rewrites
    # The earlier run made a draft and died before the Pending row was written.
    from automation.mail.compose import compose

    ws.mailer.prepare(compose(message("ann@example.org"), ws.settings, now=NOW))
    assert sent_rows(ws) == []
    report = run(ws, [message("ann@example.org")])
    assert report.counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    # the earlier run's draft was found by its Message-ID and sent: no orphan left behind
    assert twin.gmail.boxes[SENDER].drafts == {}


@pytest.mark.parametrize("rewrites", [False, True])
def test_crash_after_recording_but_before_sending_sends_the_recorded_draft_next_run(
    tmp_path: Path, rewrites: bool
) -> None:
    twin, ws = setup(tmp_path)
    twin.gmail_rewrites_message_id = rewrites
    twin.inject("reset", api="gmail", method="drafts.send")  # the send never reached Gmail
    with pytest.raises(MailError):
        run(ws, [message("ann@example.org")])
    [row] = sent_rows(ws)
    assert row["status"] == "Pending" and row["transport_id"] in twin.gmail.boxes[SENDER].drafts
    assert inbox(twin, "ann@example.org") == []
    report = run(ws, [message("ann@example.org")])
    assert report.counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    [row] = sent_rows(ws)
    assert row["status"] == "Sent" and row["transport_id"] in {
        m.id for m in twin.gmail.messages_of(SENDER, "SENT")
    }


@pytest.mark.parametrize("rewrites", [False, True])
def test_crash_after_sending_but_before_confirming_is_recorded_not_resent(
    tmp_path: Path, rewrites: bool
) -> None:
    twin, ws = setup(tmp_path)
    twin.gmail_rewrites_message_id = rewrites
    # Gmail sends, then the answer is lost: the run cannot tell whether it went.
    twin.inject("reset", api="gmail", method="drafts.send", after_apply=True)
    with pytest.raises(MailError):
        run(ws, [message("ann@example.org")])
    assert sent_rows(ws)[0]["status"] == "Pending"
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    report = run(ws, [message("ann@example.org")])
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]  # never twice
    if not rewrites:  # the Sent mailbox holds Chorus's Message-ID: that decides
        assert report.counts() == {"sent": 0, "recovered": 1}
        assert sent_rows(ws)[0]["status"] == "Sent"
    else:  # Gmail gave the sent message its own id: nothing proves it went, so a person checks
        [sent] = twin.gmail_sent(SENDER)
        assert "@mail.gmail.com" in str(sent["Message-ID"])
        assert report.counts() == {"sent": 0, "pending": 1}
        assert sent_rows(ws)[0]["status"] == "Pending"
        assert "check the sender's Sent folder" in " ".join(report.problems)


def test_refused_delegation_stops_the_batch_with_the_fix(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    from automation.google.transport import GoogleServices, RetryPolicy

    # Delegation granted without the Gmail scopes: Gmail answers 403.
    creds = twin.credentials(["https://www.googleapis.com/auth/spreadsheets"], subject=SENDER)
    services = GoogleServices(
        creds, creds, base_session=twin.requests_session(), retry=RetryPolicy(sleep=lambda s: None)
    )
    ws._mailer = GmailMailer(services, SENDER)  # noqa: SLF001
    with pytest.raises(TransportDown) as caught:
        run(ws, [message("ann@example.org")])
    assert "Domain-wide delegation" in str(caught.value) and "gmail.compose" in str(caught.value)
    assert inbox(twin, "ann@example.org") == []


def test_gmail_out_of_quota_is_transport_down_not_a_maybe(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    twin.inject("429", api="gmail", method="drafts.send", times=10, retry_after=0)
    with pytest.raises(TransportDown) as caught:
        run(ws, [message("ann@example.org")])
    assert "did not answer" in str(caught.value)
    assert sent_rows(ws)[0]["status"] == "Deferred"  # certainly not sent: retried next run
    twin.clear_faults()
    assert run(ws, [message("ann@example.org")]).counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]


def test_a_message_gmail_refuses_is_failed_and_the_others_go(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    from automation.mail.compose import compose

    good = compose(message("ann@example.org"), ws.settings, now=NOW)
    bad = compose(message("bob@example.org"), ws.settings, now=NOW)
    del bad["To"]  # Gmail: 400 Invalid To header
    mailer = ws.mailer
    with pytest.raises(MailError) as caught:
        mailer.send(bad, mailer.prepare(bad))
    assert type(caught.value).__name__ == "MessageRefused"
    assert mailer.send(good, mailer.prepare(good)).transport_id
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]


def test_resolve_says_unknown_without_a_draft_id(tmp_path: Path) -> None:
    _, ws = setup(tmp_path)
    assert ws.mailer.resolve("<x@example.org>", "") == "unknown"


def test_doctor_check_names_the_delegated_user(tmp_path: Path) -> None:
    _, ws = setup(tmp_path)
    assert ws.mailer.check() == SENDER  # type: ignore[attr-defined]


def test_only_the_sent_mailbox_counts_not_the_draft_that_carries_the_same_message_id(
    tmp_path: Path,
) -> None:
    from automation.mail.compose import compose

    _, ws = setup(tmp_path)
    mailer = ws.mailer
    assert isinstance(mailer, GmailMailer)
    msg = compose(message("ann@example.org"), ws.settings, now=NOW)
    message_id = str(msg["Message-ID"])
    draft = mailer.prepare(msg)
    # Gmail's search finds the unsent draft by its Message-ID; Chorus asks the Sent mailbox.
    search = mailer._gmail().messages().list(userId="me", q=f"rfc822msgid:{message_id}")  # noqa: SLF001
    assert len(search.execute()["messages"]) == 1
    assert mailer.delivered(message_id) is False
    mailer.send(msg, draft)
    assert mailer.delivered(message_id) is True
    assert mailer.delivered("<someone-else@example.org>") is False
