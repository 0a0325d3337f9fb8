"""The transports: a Maildir any client reads, and SMTP against a real local server."""

from __future__ import annotations

import datetime as dt
import mailbox
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from automation.mail.base import Mailer, MessageRefused, TransportDown
from automation.mail.compose import compose, message_parts
from automation.mail.journal import Journal
from automation.mail.outbox import OutboxMailer, maildir_key
from automation.mail.smtp import SmtpMailer
from automation.workspace import build_mailer
from sheets_schema.errors import ConfigError, MailError
from tests.conftest import TZ, make_settings
from tests.imap_server import make_certificate
from tests.test_mail_compose import PNG, sample_message, write_sample_templates

AT = dt.datetime(2026, 11, 24, 8, 30, tzinfo=TZ)


def composed(tmp_path: Path, **overrides: object) -> EmailMessage:
    templates = write_sample_templates(tmp_path / "templates")
    return compose(
        sample_message(**overrides), make_settings(tmp_path), now=AT, search_path=[templates]
    )


# -- the Maildir outbox ------------------------------------------------------
def test_outbox_writes_a_maildir_that_python_reads_back(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    first = composed(tmp_path)
    second = composed(tmp_path, to_email="ann@example.org", to_name="Ann")
    for msg in (first, second):
        key = mailer.prepare(msg)
        assert mailer.send(msg, key).transport_id == key == maildir_key(msg["Message-ID"])
    mailer.close()  # the ledger closes the transport after each batch
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    assert len(box) == 2
    parsed = sorted(
        (message_from_bytes(box.get_bytes(k), policy=policy.default) for k in box.keys()),
        key=lambda m: str(m["To"]),
    )
    assert [str(m["To"]) for m in parsed] == [
        "Ann <ann@example.org>",
        "Zoë Brontë <zoe@example.org>",
    ]
    text, html, images = message_parts(parsed[1])  # type: ignore[arg-type]
    assert "You have 3 posts due" in text and "<h1" in html
    assert images["chart-1@chorus"][0] == PNG
    assert all((tmp_path / "outbox" / sub).is_dir() for sub in ("new", "cur", "tmp"))
    assert not list((tmp_path / "outbox" / "tmp").iterdir())


def test_outbox_sending_the_same_message_twice_stores_it_once(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    msg = composed(tmp_path)
    key = mailer.prepare(msg)
    mailer.send(msg, key)
    mailer.send(msg, key)
    mailer.close()
    mailer.send(msg, key)
    mailer.close()
    assert len(mailbox.Maildir(tmp_path / "outbox")) == 1


def test_outbox_delivers_a_batch_when_it_is_closed_and_a_batch_cut_short_is_sent_again(
    tmp_path: Path,
) -> None:
    """Files wait in tmp/ (not delivered, as Maildir has it) until the batch is closed; a run
    killed before that leaves them there, and the re-run delivers each once."""
    mailer = OutboxMailer(tmp_path / "outbox")
    msg = composed(tmp_path)
    message_id, key = str(msg["Message-ID"]), mailer.prepare(msg)
    mailer.send(msg, key)
    assert [p.name for p in (tmp_path / "outbox" / "tmp").iterdir()] == [key]
    assert len(mailbox.Maildir(tmp_path / "outbox")) == 0
    # The run dies here; the next run's transport finds nothing delivered and sends it again.
    again = OutboxMailer(tmp_path / "outbox")
    assert again.resolve(message_id, key) == "not_sent"
    again.send(msg, key)
    again.close()
    assert again.resolve(message_id, key) == "sent"
    assert not list((tmp_path / "outbox" / "tmp").iterdir())
    box = mailbox.Maildir(tmp_path / "outbox")
    assert [box.get_bytes(k) for k in box.keys()] == [msg.as_bytes(policy=policy.SMTP)]


def test_outbox_that_cannot_deliver_its_batch_says_so_and_nothing_counts_as_sent(
    tmp_path: Path,
) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    msg = composed(tmp_path)
    key = mailer.prepare(msg)
    mailer.send(msg, key)
    new = tmp_path / "outbox" / "new"
    new.rmdir()
    new.write_text("a file where the folder was")
    with pytest.raises(TransportDown, match="cannot deliver 1 message.*stay Pending"):
        mailer.close()
    new.unlink()
    new.mkdir()
    assert mailer.resolve(str(msg["Message-ID"]), key) == "not_sent"


def test_outbox_resolves_a_message_even_after_a_mail_client_marked_it_read(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    msg = composed(tmp_path)
    message_id = str(msg["Message-ID"])
    key = mailer.prepare(msg)
    assert mailer.resolve(message_id, key) == "not_sent"
    mailer.send(msg, key)
    mailer.close()
    assert mailer.resolve(message_id, key) == "sent"
    # A client moves it to cur/ with flags, under a name of its own.
    (tmp_path / "outbox" / "new" / key).rename(
        tmp_path / "outbox" / "cur" / "1700000000.x.host:2,S"
    )
    assert mailer.resolve(message_id, key) == "sent"
    assert mailer.resolve("<other@example.org>", "") == "not_sent"


def test_build_mailer_picks_the_transport_and_explains_a_missing_one(tmp_path: Path) -> None:
    outbox = build_mailer(make_settings(tmp_path))
    assert isinstance(outbox, OutboxMailer) and isinstance(outbox, Mailer)
    assert outbox.folder == tmp_path / "outbox"
    smtp = build_mailer(
        make_settings(tmp_path, mail={"transport": "smtp", "smtp_host": "relay.example.org"})
    )
    assert isinstance(smtp, SmtpMailer) and smtp.transport == "smtp"
    with pytest.raises(ConfigError, match="delegated_user"):
        build_mailer(make_settings(tmp_path, mail={"transport": "gmail"}))


def test_smtp_login_without_its_password_variable_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(
        tmp_path,
        mail={
            "transport": "smtp",
            "smtp_host": "relay.example.org",
            "smtp_username": "chorus",
            "smtp_password_env": "CHORUS_TEST_PW",
        },
    )
    monkeypatch.delenv("CHORUS_TEST_PW", raising=False)
    with pytest.raises(ConfigError, match="CHORUS_TEST_PW"):
        build_mailer(settings)
    mailer = SmtpMailer.from_settings(settings, environ={"CHORUS_TEST_PW": "s3cret-value"})
    assert "s3cret-value" not in repr(mailer)


# -- SMTP against aiosmtpd ---------------------------------------------------
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it received and can answer with scripted failures."""

    received: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        if self.data_replies:
            return self.data_replies.pop(0)
        msg = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 2.0.0 queued"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"chorus"
        and auth_data.password == b"right"
    )
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_smtp_delivers_both_parts_the_image_and_the_message_id(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    mailer = SmtpMailer("127.0.0.1", port, security="none", username="chorus", password="right")
    msg = composed(tmp_path)
    other = composed(tmp_path, to_email="ann@example.org", to_name="Ann")
    assert mailer.prepare(msg) == ""
    mailer.send(msg, "")
    mailer.send(other, "")
    mailer.close()
    assert len(handler.received) == 2
    got = handler.received[0]
    assert got.mail_from == "social@example.org"
    assert got.rcpt_tos == ["zoe@example.org"]
    assert got.message["Message-ID"] == msg["Message-ID"]
    assert got.message["To"] == "Zoë Brontë <zoe@example.org>"
    assert got.message["X-Chorus-Job"] == "brief"
    text, html, images = message_parts(got.message)
    assert "You have 3 posts due Tue 24 Nov 2026." in text
    assert ">the queue</a>" in html
    assert images == {"chart-1@chorus": (PNG, "chart.png")}
    assert mailer.resolve(str(msg["Message-ID"]), "") == "unknown"


def test_smtp_retries_a_temporary_failure_with_the_injected_sleep(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    handler.data_replies = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    waits: list[float] = []
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", retry_delays=(1.0, 5.0, 9.0), sleep=waits.append
    )
    mailer.send(composed(tmp_path), "")
    mailer.close()
    assert waits == [1.0, 5.0]
    assert len(handler.received) == 1


def test_smtp_gives_up_after_bounded_retries(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    handler.data_replies = ["451 4.3.0 try again later"] * 5
    waits: list[float] = []
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", retry_delays=(1.0, 2.0), sleep=waits.append
    )
    with pytest.raises(TransportDown, match=rf"127\.0\.0\.1:{port}.*451"):
        mailer.send(composed(tmp_path), "")
    assert waits == [1.0, 2.0]
    assert handler.received == []


def test_smtp_refused_login_names_host_port_and_the_fix(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    _, port = smtp_server
    waits: list[float] = []
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", username="chorus", password="wrong", sleep=waits.append
    )
    with pytest.raises(MailError) as caught:
        mailer.send(composed(tmp_path), "")
    text = str(caught.value)
    assert f"127.0.0.1:{port}" in text and "refused the login" in text
    assert "smtp_password_env" in text and "wrong" not in text
    assert waits == []  # a wrong password is not retried


def test_smtp_refused_recipient_is_that_message_only(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    handler.refuse = {"zoe@example.org"}
    mailer = SmtpMailer("127.0.0.1", port, security="none", sleep=lambda s: None)
    with pytest.raises(MessageRefused, match="550"):
        mailer.send(composed(tmp_path), "")
    mailer.send(composed(tmp_path, to_email="ann@example.org"), "")
    assert [r.rcpt_tos for r in handler.received] == [["ann@example.org"]]


def test_smtp_unreachable_server_is_retried_then_reported(tmp_path: Path) -> None:
    port = free_port()  # nothing listens here
    waits: list[float] = []
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", timeout=2, retry_delays=(0.5,), sleep=waits.append
    )
    with pytest.raises(
        TransportDown, match=rf"could not reach the SMTP server 127\.0\.0\.1:{port}"
    ):
        mailer.send(composed(tmp_path), "")
    assert waits == [0.5]


def test_smtp_starttls_then_login(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")
    cert, key = make_certificate(tmp_path)  # a throwaway certificate, as the IMAP tests use
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=str(cert))
    handler = Recorder()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
    )
    controller.start()
    try:
        mailer = SmtpMailer(
            "127.0.0.1",
            port,
            security="starttls",
            username="chorus",
            password="right",
            ssl_context=client_tls,
        )
        mailer.send(composed(tmp_path), "")
        mailer.close()
        plain = SmtpMailer(
            "127.0.0.1", port, security="starttls", ssl_context=ssl.create_default_context()
        )
        with pytest.raises(TransportDown, match="TLS"):
            plain.send(composed(tmp_path), "")  # an untrusted certificate is never accepted
    finally:
        controller.stop()
    assert [r.rcpt_tos for r in handler.received] == [["zoe@example.org"]]


# -- the SMTP journal ----------------------------------------------------------
def journal_lines(folder: Path) -> list[tuple[str, str]]:
    text = (folder / "smtp-journal").read_text(encoding="utf-8")
    return [tuple(line.split(" ")[1:]) for line in text.splitlines() if line]  # type: ignore[misc]


def test_smtp_journals_each_message_sending_then_sent_and_a_refusal_failed(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    handler.refuse = {"zoe@example.org"}
    state = tmp_path / ".chorus-state"
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", sleep=lambda s: None, journal=Journal(state)
    )
    refused, good = composed(tmp_path), composed(tmp_path, to_email="ann@example.org")
    with pytest.raises(MessageRefused):
        mailer.send(refused, "")
    mailer.send(good, "")
    mailer.close()
    good_id, refused_id = str(good["Message-ID"]), str(refused["Message-ID"])
    assert journal_lines(state) == [
        ("sending", refused_id),
        ("failed", refused_id),
        ("sending", good_id),
        ("sent", good_id),
    ]
    # A new mailer (the next run) reads the same answers back from the file.
    again = SmtpMailer("127.0.0.1", port, security="none", journal=Journal(state))
    assert again.delivered(good_id) is True and again.resolve(good_id, "") == "sent"
    assert again.delivered(refused_id) is False and again.resolve(refused_id, "") == "not_sent"
    assert again.delivered("<never@example.org>") is False


def test_smtp_journal_left_sending_by_a_crash_cannot_tell_and_a_torn_line_is_ignored(
    tmp_path: Path,
) -> None:
    state = tmp_path / ".chorus-state"
    Journal(state).record("sending", "<a@example.org>")
    with open(state / "smtp-journal", "a", encoding="utf-8") as handle:
        handle.write("\n2026-12-01T10:00:00Z sent <b@exam")  # the power went mid-line
    Journal(state).record("sent", "<c@example.org>")
    mailer = SmtpMailer("127.0.0.1", free_port(), security="none", journal=Journal(state))
    assert mailer.delivered("<a@example.org>") is None
    assert mailer.resolve("<a@example.org>", "") == "unknown"
    assert mailer.delivered("<b@example.org>") is False
    assert mailer.delivered("<c@example.org>") is True


def test_smtp_journal_folder_comes_from_mail_state_dir_beside_chorus_toml(tmp_path: Path) -> None:
    default = SmtpMailer.from_settings(
        make_settings(tmp_path, mail={"transport": "smtp", "smtp_host": "relay.example.org"})
    )
    assert default.journal is not None and default.journal.folder == tmp_path / ".chorus-state"
    chosen = SmtpMailer.from_settings(
        make_settings(
            tmp_path,
            mail={"transport": "smtp", "smtp_host": "relay.example.org", "state_dir": "/srv/state"},
        )
    )
    assert chosen.journal is not None and chosen.journal.folder == Path("/srv/state")
    assert not (tmp_path / ".chorus-state").exists()  # nothing is written until a message goes


def test_an_unwritable_journal_stops_the_batch_before_anything_goes(
    tmp_path: Path, smtp_server: tuple[Recorder, int]
) -> None:
    handler, port = smtp_server
    (tmp_path / "not-a-folder").write_text("a file where the state folder should be")
    mailer = SmtpMailer(
        "127.0.0.1", port, security="none", journal=Journal(tmp_path / "not-a-folder")
    )
    with pytest.raises(TransportDown, match="cannot write the SMTP journal") as caught:
        mailer.send(composed(tmp_path), "")
    assert "mail.state_dir" in str(caught.value)
    assert handler.received == []
