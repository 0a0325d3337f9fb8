"""The Sent ledger: every message once, only to active people in the organisation."""

from __future__ import annotations

import mailbox
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from automation.mail.journal import Journal
from automation.mail.ledger import DeliveryReport, deliver
from automation.mail.outbox import maildir_key
from automation.mail.smtp import SmtpMailer
from automation.store.base import Store
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs.base import OutgoingMessage
from sheets_schema.errors import BackendError, MailError
from sheets_schema.records import Append, ApplyResult, Changes, Delete, Snapshot, Update
from tests.conftest import TZ, make_settings, memory_workspace
from tests.test_gmail import SENDER
from tests.test_gmail import setup as gmail_setup
from tests.test_kill_and_rerun import build_program, die_at, run_to_the_end
from tests.test_mail_transports import (
    Recorder,
    free_port,
    smtp_server,  # noqa: F401  (the fixture, used below)
)

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)

PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "Bob@Example.org", "active": "yes"},
    {"name": "Cat Cole", "email": "cat@example.org", "active": "No"},
    {"name": "Dee Dunn", "email": "dee@gmail.com", "active": "Yes"},
    {"name": "Eve Eden", "email": "eve@example.org", "active": "Yes"},
    {"name": "Fay Ford", "email": "fay@example.org", "active": "Yes"},
    {"name": "Gus Gray", "email": "gus@example.org", "active": "Yes"},
]


def message(email: str, period: str = "2026-11-24", job: str = "brief") -> OutgoingMessage:
    return OutgoingMessage(
        job=job,
        period=period,
        to_email=email,
        to_name="",
        subject=f"Your {job} for {period}",
        template="_layout",
        context={"why": "you coordinate this week."},
    )


def workspace(tmp_path: Path, **mail: object) -> Workspace:
    settings = make_settings(tmp_path, mail=mail) if mail else make_settings(tmp_path)
    return memory_workspace(settings, {"People": PEOPLE})


def workbook_workspace(tmp_path: Path, **mail: object) -> Workspace:
    """A workspace on a workbook file, for a process killed mid-run: what it wrote stays there."""
    settings = make_settings(tmp_path, mail=mail) if mail else make_settings(tmp_path)
    store = XlsxStore(tmp_path / "workbook.xlsx")
    if not store.path.exists():
        store.ensure_tabs()
        store.apply(Changes(appends=tuple(Append("People", p) for p in PEOPLE)))
    return Workspace(settings=settings, store=store)


def run(
    ws: Workspace, messages: list[OutgoingMessage], now: datetime = NOW, **kw: object
) -> DeliveryReport:
    """What the runner does: read People and Sent once, then deliver."""
    return deliver(
        messages, workspace=ws, snapshot=ws.store.read(("People", "Sent")), now=now, **kw
    )


def sent_rows(ws: Workspace) -> list[dict[str, str]]:
    frame = ws.store.read(("Sent",))["Sent"]
    return [dict(row) for _, row in frame.iterrows()]


def outbox(tmp_path: Path) -> list[str]:
    """Recipients of the messages in the Maildir, read back with the stdlib."""
    box = mailbox.Maildir(tmp_path / "outbox", create=True)
    return sorted(
        message_from_bytes(box.get_bytes(k), policy=policy.default)["To"].addresses[0].addr_spec
        for k in box.keys()
    )


def test_a_job_run_twice_in_one_period_sends_once(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    batch = [message("ann@example.org"), message("bob@example.org")]
    first = run(ws, batch)
    assert first.counts() == {"sent": 2}
    second = run(ws, batch)
    assert second.counts() == {"sent": 0, "already_sent": 2}
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org"]
    rows = sent_rows(ws)
    assert [(r["recipient"], r["status"], r["transport"], r["sent_at"]) for r in rows] == [
        ("ann@example.org", "Sent", "outbox", "2026-11-24 08:30"),
        ("bob@example.org", "Sent", "outbox", "2026-11-24 08:30"),
    ]
    assert rows[0]["message_id"] == message("ann@example.org").message_id("example.org")
    assert rows[0]["transport_id"] == maildir_key(rows[0]["message_id"])
    assert rows[0]["subject"] == "Your brief for 2026-11-24" and rows[0]["job"] == "brief"


def test_messages_already_sent_are_not_even_composed_again(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    batch = [message("ann@example.org"), message("bob@example.org")]
    run(ws, batch)
    # Same messages, but a template that cannot render: composing them would raise.
    unrenderable = [replace(m, template="no-such-template") for m in batch]
    assert run(ws, unrenderable).counts() == {"sent": 0, "already_sent": 2}


def test_the_next_period_is_a_new_message(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run(ws, [message("ann@example.org")])
    report = run(ws, [message("ann@example.org", period="2026-11-25")])
    assert report.sent == 1 and len(sent_rows(ws)) == 2


def test_the_ledger_writes_twice_per_batch_whatever_its_size(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    counting = CrashingStore(ws.store, fail_on=0)
    ws = Workspace(settings=ws.settings, store=counting)  # type: ignore[arg-type]
    report = run(ws, [message(p["email"]) for p in PEOPLE])
    assert report.sent == 5
    assert counting.writes == 2  # the intent, the confirmation


class CrashingStore:
    """The real store, except that the n-th write fails: a crash at that point."""

    def __init__(self, store: Store, fail_on: int) -> None:
        self.store, self.fail_on, self.writes = store, fail_on, 0
        self.calls = 0

    def read(self, tabs):  # noqa: ANN001, ANN201
        return self.store.read(tabs)

    def apply(self, changes: Changes) -> ApplyResult:
        self.writes += 1
        if self.writes == self.fail_on:
            raise BackendError("the workbook could not be saved (simulated crash)")
        return self.store.apply(changes)


def test_a_crash_between_send_and_confirm_does_not_send_twice(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    batch = [message("ann@example.org"), message("bob@example.org")]
    crashing = Workspace(settings=ws.settings, store=CrashingStore(ws.store, fail_on=2))  # type: ignore[arg-type]
    with pytest.raises(BackendError):
        run(crashing, batch)
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org"]
    assert [r["status"] for r in sent_rows(ws)] == ["Pending", "Pending"]

    report = run(ws, batch)
    assert report.sent == 0 and report.recovered == 2
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org"]
    assert [r["status"] for r in sent_rows(ws)] == ["Sent", "Sent"]
    assert run(ws, batch).counts() == {"sent": 0, "already_sent": 2}


@pytest.mark.parametrize("point", ["ledger.sent@2", "outbox.synced"])
def test_killed_before_the_outbox_delivered_its_batch_the_next_run_delivers_each_message_once(
    tmp_path: Path, point: str
) -> None:
    """The outbox delivers a batch when it is closed: a run killed before that (two of three
    messages written, or all three on disk) leaves them in tmp/, where nothing is delivered."""
    ws = workbook_workspace(tmp_path)
    batch = [message(e) for e in ("ann@example.org", "bob@example.org", "eve@example.org")]
    die_at(point, lambda: run(ws, batch))
    assert outbox(tmp_path) == []
    assert len(list((tmp_path / "outbox" / "tmp").iterdir())) == (2 if "@2" in point else 3)
    assert [r["status"] for r in sent_rows(ws)] == ["Pending"] * 3

    assert run(ws, batch).counts() == {"sent": 3}
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org", "eve@example.org"]
    assert [r["status"] for r in sent_rows(ws)] == ["Sent"] * 3
    assert not list((tmp_path / "mail-spool").iterdir())
    assert not list((tmp_path / "outbox" / "tmp").iterdir())


def test_a_pending_message_that_never_reached_the_outbox_is_sent_once(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    msg = message("ann@example.org")
    message_id = msg.message_id("example.org")
    ws.store.apply(
        Changes(
            appends=(
                Append(
                    "Sent",
                    {
                        "message_id": message_id,
                        "job": "brief",
                        "recipient": "ann@example.org",
                        "status": "Pending",
                        "transport": "outbox",
                        "transport_id": maildir_key(message_id),
                    },
                ),
            )
        )
    )
    report = run(ws, [msg])
    assert report.sent == 1 and report.recovered == 0
    assert outbox(tmp_path) == ["ann@example.org"]
    assert [r["status"] for r in sent_rows(ws)] == ["Sent"]


def test_a_pending_message_of_another_job_is_finished_from_the_spool(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    crashing = Workspace(settings=ws.settings, store=CrashingStore(ws.store, fail_on=1))  # type: ignore[arg-type]
    with pytest.raises(BackendError):
        run(
            crashing, [message("ann@example.org", job="thanks")]
        )  # the intent write fails: nothing sent
    assert outbox(tmp_path) == [] and sent_rows(ws) == []
    # The intent was never recorded, so the thank-you is planned again and sent once.
    assert run(ws, [message("ann@example.org", job="thanks")]).sent == 1
    assert outbox(tmp_path) == ["ann@example.org"]


def test_outside_domain_inactive_and_unknown_addresses_are_skipped_and_reported(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    report = run(
        ws,
        [
            message("ann@example.org"),
            message("cat@example.org"),
            message("dee@gmail.com"),
            message("zed@example.org"),
            message("not an address"),
        ],
    )
    assert report.counts() == {"sent": 1, "skipped": 4}
    assert outbox(tmp_path) == ["ann@example.org"]
    problems = "\n".join(report.problems)
    assert (
        "cat@example.org for brief 2026-11-24: not marked Active = Yes in the People tab (row 4)"
        in problems
    )
    assert (
        "dee@gmail.com for brief 2026-11-24: outside the organisation's email domains (example.org)"
        in problems
    )
    assert "zed@example.org for brief 2026-11-24: not in the People tab" in problems
    assert "not an address" in problems
    assert [r["recipient"] for r in sent_rows(ws)] == ["ann@example.org"]


def test_names_come_from_the_people_tab_when_the_job_gives_none(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run(ws, [message("bob@example.org")])
    box = mailbox.Maildir(tmp_path / "outbox")
    (key,) = box.keys()
    assert (
        str(message_from_bytes(box.get_bytes(key), policy=policy.default)["To"])
        == "Bob Baker <bob@example.org>"
    )


def test_the_per_run_cap_holds_the_rest_as_deferred_until_the_jobs_next_run(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path, max_per_run=3)
    emails = [
        "ann@example.org",
        "bob@example.org",
        "eve@example.org",
        "fay@example.org",
        "gus@example.org",
    ]
    report = run(ws, [message(e) for e in emails])
    assert report.counts() == {"sent": 3, "held": 2}
    assert "more than mail.max_per_run = 3" in report.problems[0]
    assert outbox(tmp_path) == emails[:3]
    # The rest wait, recorded but not composed: no copy in the spool.
    assert [(r["recipient"], r["status"]) for r in sent_rows(ws)] == [
        *((e, "Sent") for e in emails[:3]),
        *((e, "Deferred") for e in emails[3:]),
    ]
    assert not list((tmp_path / "mail-spool").glob("*.eml"))

    # Another job's run cannot compose them, and says they wait.
    other = run(ws, [], now=NOW + timedelta(hours=1))
    assert other.counts() == {"sent": 0}
    assert "2 Deferred" in "\n".join(other.lines) and not other.problems

    # The job's next run plans them again and sends them, each once.
    again = run(ws, [message(e) for e in emails], now=NOW + timedelta(hours=2))
    assert again.counts() == {"sent": 2, "already_sent": 3}
    assert outbox(tmp_path) == emails
    assert all(r["status"] == "Sent" for r in sent_rows(ws))


def test_the_daily_allowance_defers_the_rest_to_following_days_oldest_first(tmp_path: Path) -> None:
    ws = workspace(tmp_path, daily_allowance=2)
    emails = [
        "ann@example.org",
        "bob@example.org",
        "eve@example.org",
        "fay@example.org",
        "gus@example.org",
    ]
    report = run(ws, [message(e) for e in emails])
    assert report.counts() == {"sent": 2, "deferred": 3}
    assert "daily allowance of 2" in report.lines[-2] or "daily allowance of 2" in "\n".join(
        report.lines
    )
    assert [r["status"] for r in sent_rows(ws)] == [
        "Sent",
        "Sent",
        "Deferred",
        "Deferred",
        "Deferred",
    ]

    later_today = run(ws, [message("ann@example.org", job="thanks")], now=NOW + timedelta(hours=2))
    assert later_today.counts() == {"sent": 0, "deferred": 4}
    assert outbox(tmp_path) == emails[:2]

    # The next day, another job's run sends the two oldest deferred messages from the spool.
    tomorrow = run(ws, [], now=NOW + timedelta(days=1))
    assert tomorrow.counts() == {"sent": 2, "deferred": 2}
    assert outbox(tmp_path) == emails[:4]
    day_after = run(ws, [], now=NOW + timedelta(days=2))
    assert day_after.counts() == {"sent": 2}
    assert outbox(tmp_path) == sorted([*emails, "ann@example.org"])
    assert all(r["status"] == "Sent" for r in sent_rows(ws))
    assert not list((tmp_path / "mail-spool").glob("*.eml"))


def test_a_dry_run_writes_eml_files_and_nothing_else(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    folder = tmp_path / "dry-run"
    report = run(ws, [message("ann@example.org"), message("dee@gmail.com")], dry_run_dir=folder)
    assert report.counts() == {"would_send": 1, "skipped": 1}
    (eml,) = sorted(folder.glob("*.eml"))
    parsed = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert parsed["To"] == "Ann Archer <ann@example.org>"
    assert sent_rows(ws) == []
    assert outbox(tmp_path) == []


def test_smtp_leaves_the_one_message_a_crash_left_sending_pending_and_says_so(
    tmp_path: Path,
) -> None:
    ws = workspace(
        tmp_path,
        transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_security="none",
    )
    msg = message("ann@example.org")
    message_id = msg.message_id("example.org")
    # The journal says it was on its way to the server when the run died.
    Journal(tmp_path / ".chorus-state").record("sending", message_id)
    ws.store.apply(
        Changes(
            appends=(
                Append(
                    "Sent",
                    {
                        "message_id": message_id,
                        "job": "brief",
                        "recipient": "ann@example.org",
                        "status": "Pending",
                        "transport": "smtp",
                    },
                ),
            )
        )
    )
    report = run(ws, [msg])
    assert report.counts() == {"sent": 0, "pending": 1}
    assert "cannot tell whether it went out" in report.problems[0]
    assert "smtp_resend_pending" in report.problems[0]
    assert [r["status"] for r in sent_rows(ws)] == ["Pending"]


def test_smtp_killed_after_the_server_took_a_message_leaves_only_that_one_for_a_person(
    tmp_path: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    handler, port = smtp_server
    smtp = {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
    }
    ws = workbook_workspace(tmp_path, **smtp)
    batch = [message("ann@example.org"), message("bob@example.org"), message("eve@example.org")]
    die_at("smtp.accepted", lambda: run(ws, batch))  # the server has Ann's; Chorus never heard
    assert [r.rcpt_tos for r in handler.received] == [["ann@example.org"]]
    assert [r["status"] for r in sent_rows(ws)] == ["Pending"] * 3

    # The journal says Bob's and Eve's never went to the server: they go now. Only Ann's,
    # the one the crash left on its way, waits for a person.
    report = run(ws, batch)
    assert report.counts() == {"sent": 2, "pending": 1}
    assert "ann@example.org" in report.problems[0]
    assert [r.rcpt_tos[0] for r in handler.received] == [
        "ann@example.org",
        "bob@example.org",
        "eve@example.org",
    ]
    assert [r["status"] for r in sent_rows(ws)] == ["Pending", "Sent", "Sent"]
    # Told to resend: Ann's goes again, the one duplicate SMTP allows; then never again.
    resend = workbook_workspace(tmp_path, **smtp, smtp_resend_pending=True)
    assert run(resend, batch).counts() == {"sent": 1, "already_sent": 2}
    assert run(resend, batch).counts() == {"sent": 0, "already_sent": 3}
    assert len(handler.received) == 4
    assert [r["status"] for r in sent_rows(ws)] == ["Sent"] * 3


def test_when_the_transport_goes_down_the_rest_wait_for_the_next_run(tmp_path: Path) -> None:
    ws = workspace(
        tmp_path,
        transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_security="none",
    )
    ws._mailer = SmtpMailer(
        "127.0.0.1", ws.settings.mail.smtp_port, security="none", timeout=2, sleep=lambda s: None
    )
    with pytest.raises(
        MailError, match=r"could not reach .* \(0 sent before it failed, 2 deferred"
    ):
        run(ws, [message("ann@example.org"), message("bob@example.org")])
    assert [r["status"] for r in sent_rows(ws)] == ["Deferred", "Deferred"]
    # Switch to the outbox: the deferred messages go out from the spool, once.
    fixed = Workspace(settings=make_settings(tmp_path), store=ws.store)
    assert run(fixed, []).counts() == {"sent": 2}
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org"]


def test_snapshot_without_people_mails_nobody(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    report = deliver([message("ann@example.org")], workspace=ws, snapshot=Snapshot({}), now=NOW)
    assert report.counts() == {"sent": 0, "skipped": 1}
    assert outbox(tmp_path) == []


def test_pending_rows_of_another_job_are_resolved_by_any_mailing_run(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    crashing = Workspace(settings=ws.settings, store=CrashingStore(ws.store, fail_on=2))  # type: ignore[arg-type]
    with pytest.raises(BackendError):
        run(crashing, [message("ann@example.org", job="thanks")])
    report = run(ws, [message("bob@example.org")])  # the brief, not the thanks
    assert report.counts() == {"sent": 1, "recovered": 1}
    assert outbox(tmp_path) == ["ann@example.org", "bob@example.org"]
    assert [r["status"] for r in sent_rows(ws)] == ["Sent", "Sent"]


# -- people edit the Sent tab: the transport's own record decides ----------------------------


@dataclass
class Mailing:
    """A workbook-backed workspace on one transport, and what that transport really delivered."""

    ws: Workspace
    delivered: Callable[[], list[str]]


@pytest.fixture(params=["outbox", "smtp", "gmail"])
def mailing(request: pytest.FixtureRequest, tmp_path: Path) -> Mailing:
    if request.param == "outbox":
        return Mailing(workbook_workspace(tmp_path), lambda: outbox(tmp_path))
    if request.param == "smtp":
        handler, port = request.getfixturevalue("smtp_server")
        ws = workbook_workspace(
            tmp_path,
            transport="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
        )
        return Mailing(ws, lambda: sorted(r.rcpt_tos[0] for r in handler.received))
    twin, ws = gmail_setup(tmp_path)
    return Mailing(
        ws, lambda: sorted(str(m["To"].addresses[0].addr_spec) for m in twin.gmail_sent(SENDER))
    )


class CopyingStore:
    """The real workbook store that keeps a copy of the file as its first write left it:
    the version a person restores that was saved between the intent and the confirmation."""

    def __init__(self, store: XlsxStore, copy: Path) -> None:
        self.store, self.copy, self.writes = store, copy, 0

    def read(self, tabs):  # noqa: ANN001, ANN201
        return self.store.read(tabs)

    def apply(self, changes: Changes) -> ApplyResult:
        result = self.store.apply(changes)
        self.writes += 1
        if self.writes == 1:
            shutil.copy2(self.store.path, self.copy)
        return result


BATCH = ("ann@example.org", "bob@example.org")


def delete_sent_rows(ws: Workspace) -> None:
    ids = [r["message_id"] for r in sent_rows(ws)]
    ws.store.apply(Changes(deletes=tuple(Delete("Sent", (i,)) for i in ids)))


def mark_failed(ws: Workspace) -> None:
    ids = [r["message_id"] for r in sent_rows(ws)]
    ws.store.apply(Changes(updates=tuple(Update("Sent", (i,), {"status": "Failed"}) for i in ids)))


@pytest.mark.parametrize(
    "edit",
    ["Sent rows deleted", "restored before the run", "restored mid-run (Pending)", "set Failed"],
)
def test_a_person_editing_the_sent_tab_never_causes_a_second_email(
    mailing: Mailing, tmp_path: Path, edit: str
) -> None:
    ws, batch = mailing.ws, [message(e) for e in BATCH]
    before, mid_run = tmp_path / "before.xlsx", tmp_path / "mid-run.xlsx"
    shutil.copy2(ws.store.path, before)  # type: ignore[attr-defined]
    copying = CopyingStore(ws.store, mid_run)  # type: ignore[arg-type]
    first = run(replace(ws, store=copying), batch)  # type: ignore[arg-type]
    assert first.counts() == {"sent": 2}
    assert mailing.delivered() == list(BATCH)

    if edit == "Sent rows deleted":
        delete_sent_rows(ws)
    elif edit == "set Failed":
        mark_failed(ws)
    else:
        older = before if edit == "restored before the run" else mid_run
        shutil.copy2(older, ws.store.path)  # type: ignore[attr-defined]
        assert [r["status"] for r in sent_rows(ws)] == (
            [] if older == before else ["Pending", "Pending"]
        )

    again = run(ws, batch)
    assert again.sent == 0 and again.restored + again.recovered == 2
    assert mailing.delivered() == list(BATCH)  # nobody got a second email
    assert [(r["recipient"], r["status"]) for r in sent_rows(ws)] == [
        ("ann@example.org", "Sent"),
        ("bob@example.org", "Sent"),
    ]
    assert run(ws, batch).counts() == {"sent": 0, "already_sent": 2}
    assert mailing.delivered() == list(BATCH)


def test_a_coordinators_stale_save_after_thanks_over_smtp_sends_no_thank_you_twice(
    tmp_path: Path,
    smtp_server: tuple[Recorder, int],  # noqa: F811
) -> None:
    handler, port = smtp_server
    folder = tmp_path / "program"
    config = build_program(folder)
    text = config.read_text(encoding="utf-8").replace(
        'transport = "outbox"',
        f'transport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nsmtp_security = "none"',
    )
    config.write_text(text, encoding="utf-8")
    # A coordinator opens the workbook before the run and saves it after: Chorus's rows gone.
    opened = tmp_path / "coordinators-copy.xlsx"
    shutil.copy2(folder / "workbook.xlsx", opened)
    run_to_the_end(folder, "thanks")
    thanked = sorted(r.rcpt_tos[0] for r in handler.received)
    # 12 notes, each a different message: the demo's merged suggestion's author is thanked
    # for it ("on its way") and sent the published item's link, as jobs/thanks.py says.
    assert len(thanked) == 12
    messages = sorted((r.rcpt_tos[0], r.message["Message-ID"]) for r in handler.received)
    assert len(set(messages)) == 12
    shutil.copy2(opened, folder / "workbook.xlsx")
    assert len(XlsxStore(folder / "workbook.xlsx").read(("Sent",))["Sent"]) == 0

    run_to_the_end(folder, "thanks")
    assert sorted(r.rcpt_tos[0] for r in handler.received) == thanked  # nobody thanked twice
    assert sorted((r.rcpt_tos[0], r.message["Message-ID"]) for r in handler.received) == messages
    sent = XlsxStore(folder / "workbook.xlsx").read(("Sent",))["Sent"]
    assert sorted(sent["recipient"]) == thanked and set(sent["status"]) == {"Sent"}
    assert (folder / ".chorus-state" / "smtp-journal").exists()
