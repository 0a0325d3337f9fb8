"""Gmail exactly once without assumptions: lost answers are recovered from Gmail's own record
(the draft carrying Chorus's Message-ID, the Sent mailbox), and a rate limit is a rate limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.mail.base import TransportDown
from automation.mail.compose import compose
from automation.mail.gmail import GmailMailer
from automation.workspace import Workspace
from sheets_schema.errors import MailError
from tests.google_store_factory import google_services
from tests.test_gmail import NOW, SENDER, inbox, message, run, sent_rows, setup


def test_a_lost_draft_answer_is_recovered_by_its_message_id_not_doubled(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    # Gmail made the draft, then the answer was lost on the way back.
    twin.inject("reset", api="gmail", method="drafts.create", after_apply=True)
    report = run(ws, [message("ann@example.org")])
    assert report.counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    assert twin.gmail.boxes[SENDER].drafts == {}  # the draft that landed was the one sent
    assert twin.call_count(api="gmail", method="drafts.create") == 1
    [row] = sent_rows(ws)
    assert row["status"] == "Sent"


def test_a_draft_create_that_never_landed_is_made_again_once(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    twin.inject("reset", api="gmail", method="drafts.create")  # lost before reaching Gmail
    report = run(ws, [message("ann@example.org")])
    assert report.counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    assert twin.gmail.boxes[SENDER].drafts == {}
    assert twin.call_count(api="gmail", method="drafts.create") == 2


def pending_after_a_send_that_never_left(tmp_path: Path):  # noqa: ANN201
    twin, ws = setup(tmp_path)
    twin.inject("reset", api="gmail", method="drafts.send")  # never reached Gmail
    with pytest.raises(MailError):
        run(ws, [message("ann@example.org")])
    [row] = sent_rows(ws)
    assert row["status"] == "Pending"
    return twin, ws, row


def test_a_pending_draft_a_person_deleted_is_not_taken_for_sent(tmp_path: Path) -> None:
    twin, ws, row = pending_after_a_send_that_never_left(tmp_path)
    box = twin.gmail.boxes[SENDER]
    box.messages.pop(box.drafts.pop(row["transport_id"]))  # a person deletes the draft
    report = run(ws, [message("ann@example.org")])
    assert report.counts() == {"sent": 0, "pending": 1}
    assert sent_rows(ws)[0]["status"] == "Pending"  # not Sent: nothing shows it went
    assert inbox(twin, "ann@example.org") == []
    assert "check the sender's Sent folder" in " ".join(report.problems)


def test_a_changed_delegated_user_does_not_mark_pending_mail_sent(tmp_path: Path) -> None:
    twin, ws, _ = pending_after_a_send_that_never_left(tmp_path)
    other = "press@example.org"
    services = google_services(twin, tmp_path, delegated_user=other)
    moved = Workspace(
        settings=ws.settings, store=ws.store, google=services, _mailer=GmailMailer(services, other)
    )
    report = run(moved, [message("ann@example.org")])
    assert report.counts() == {"sent": 0, "pending": 1}
    assert sent_rows(ws)[0]["status"] == "Pending"
    assert inbox(twin, "ann@example.org") == [] and twin.gmail_sent(other) == []


def test_a_pending_row_without_a_draft_id_is_sent_only_if_the_sent_mailbox_has_it(
    tmp_path: Path,
) -> None:
    _, ws = setup(tmp_path)
    mailer = ws.mailer
    msg = compose(message("ann@example.org"), ws.settings, now=NOW)
    message_id = str(msg["Message-ID"])
    assert mailer.resolve(message_id, "") == "unknown"
    mailer.prepare(msg)
    assert mailer.resolve(message_id, "") == "not_sent"  # its draft is there, unsent
    mailer.send(msg, "")  # sends that very draft, found by its Message-ID
    assert mailer.resolve(message_id, "") == "sent"


def test_gmails_403_rate_limit_is_waited_out_and_retried(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    sleeps: list[float] = []
    ws.google.retry.sleep = sleeps.append  # type: ignore[union-attr]
    twin.inject("403-rate", api="gmail", method="drafts.send", times=2, retry_after=3)
    assert run(ws, [message("ann@example.org")]).counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
    assert sleeps == [3.0, 3.0]  # Gmail's Retry-After, twice


def test_a_rate_limit_that_holds_is_reported_as_one_not_as_delegation(tmp_path: Path) -> None:
    twin, ws = setup(tmp_path)
    twin.inject("403-rate", api="gmail", method="drafts.send", times=20, retry_after=0)
    with pytest.raises(TransportDown) as caught:
        run(ws, [message("ann@example.org")])
    said = str(caught.value)
    assert "rate limit" in said and "did not land" in said
    assert "delegation" not in said.lower()
    assert sent_rows(ws)[0]["status"] == "Deferred"  # certainly not sent: next run sends it
    twin.clear_faults()
    assert run(ws, [message("ann@example.org")]).counts() == {"sent": 1}
    assert inbox(twin, "ann@example.org") == ["Your brief for 2026-11-24"]
