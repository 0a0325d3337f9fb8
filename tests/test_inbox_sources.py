"""The mailbox sources: Maildir, IMAP over verified TLS, a Gmail label; all read-only."""

from __future__ import annotations

import imaplib
import mailbox
import math
from datetime import datetime
from email.policy import SMTP
from pathlib import Path

import pytest

import automation.inbox.gmail_label as gmail_label_module
from automation.inbox.gmail_label import GmailLabelSource
from automation.inbox.imap import ImapSource, quote_mailbox
from automation.inbox.maildir import MaildirSource
from automation.runner import run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_inbox_source
from sheets_schema.errors import ConfigError, InputError
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services
from tests.imap_server import ImapTestServer
from tests.test_mail_text import newsletter_forward, press_release, reply_chain, unknown_sender

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "active": "Yes"},
    {"name": "Carol Cho", "email": "carol@example.org", "active": "Yes"},
]


RAWS = [m.as_bytes(policy=SMTP) for m in (newsletter_forward(), press_release(), reply_chain())]


def raw_messages() -> list[bytes]:
    return list(RAWS)


def snapshot_of_tree(folder: Path) -> dict[str, tuple[int, float]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime)
        for p in sorted(folder.rglob("*"))
    }


def workspace_with_people(tmp_path: Path, settings, google=None) -> Workspace:  # noqa: ANN001
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("People", p) for p in PEOPLE)))
    return Workspace(settings=settings, store=store, google=google)


# --------------------------------------------------------------------------- Maildir


def test_maildir_is_read_without_moving_or_changing_a_file(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for raw in raw_messages():
        box.add(mailbox.MaildirMessage(raw))  # lands in new/
    before = snapshot_of_tree(tmp_path / "inbox")
    found = list(MaildirSource(tmp_path / "inbox", max_bytes=1_000_000).messages())
    assert len(found) == 3 and all(m.complete for m in found)
    # mailbox writes local line endings; the content is the same
    assert {m.raw for m in found} == {r.replace(b"\r\n", b"\n") for r in raw_messages()}
    assert snapshot_of_tree(tmp_path / "inbox") == before
    assert len(list((tmp_path / "inbox" / "new").iterdir())) == 3


def test_maildir_gives_only_the_header_of_known_or_oversized_messages(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for raw in raw_messages():
        box.add(raw)
    source = MaildirSource(tmp_path / "inbox", max_bytes=2500)
    found = {m.raw.split(b"Message-ID: ")[1].split(b"\r\n")[0]: m for m in source.messages(
        known={"<PRESS-LEEDS-OFFICE@example.org>"}
    )}  # fmt: skip
    press = found[b"<press-leeds-office@example.org>"]
    assert not press.complete and press.raw.endswith(b"\r\n\r\n") and b"IMMEDIATE" not in press.raw
    newsletter = found[b"<CAF=newsletter.1@mail.gmail.com>"]
    assert not newsletter.complete and newsletter.size > 2500
    assert found[b"<reply-chain-3@example.org>"].complete


def test_missing_maildir_is_an_input_error_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        list(MaildirSource(tmp_path / "nowhere", max_bytes=1000).messages())
    assert "nowhere" in str(caught.value) and "cur/" in str(caught.value)


# --------------------------------------------------------------------------- IMAP


@pytest.fixture
def imap(tmp_path: Path):  # noqa: ANN201
    server = ImapTestServer(tmp_path / "tls", folders={"INBOX": raw_messages(), "Social Inbox": []})
    with server:
        yield server


def test_imap_reads_over_verified_tls_and_marks_nothing_read(imap: ImapTestServer) -> None:
    source = ImapSource(
        "localhost", imap.port, "INBOX", imap.user, imap.password,
        max_bytes=1_000_000, ssl_context=imap.client_context(),
    )  # fmt: skip
    found = list(source.messages())
    assert [m.raw for m in found] == raw_messages()
    assert [m.source_id for m in found] == [f"imap:localhost/INBOX/7:{u}" for u in (101, 102, 103)]
    assert imap.seen == set()
    assert "EXAMINE" in imap.commands and "SELECT" not in imap.commands
    assert not {"STORE", "UID STORE", "EXPUNGE", "COPY", "MOVE", "UID MOVE"} & set(imap.commands)


def test_imap_skips_downloading_known_and_oversized_messages(imap: ImapTestServer) -> None:
    source = ImapSource(
        "127.0.0.1", imap.port, "INBOX", imap.user, imap.password,
        max_bytes=2500, ssl_context=imap.client_context(),
    )  # fmt: skip
    found = list(source.messages(known={"<reply-chain-3@example.org>"}))
    assert [m.complete for m in found] == [False, True, False]
    assert found[0].size > 2500 and b"<html>" not in found[0].raw
    assert imap.commands.count("UID FETCH") == 2  # one listing, one batch of bodies


def test_imap_client_refuses_a_certificate_it_does_not_trust(imap: ImapTestServer) -> None:
    source = ImapSource("localhost", imap.port, "INBOX", imap.user, imap.password, max_bytes=1000)
    with pytest.raises(InputError) as caught:
        list(source.messages())
    assert "certificate" in str(caught.value) and f"localhost:{imap.port}" in str(caught.value)


def test_imap_wrong_password_names_host_folder_and_fix(imap: ImapTestServer) -> None:
    source = ImapSource(
        "localhost", imap.port, "INBOX", imap.user, "wrong",
        max_bytes=1000, ssl_context=imap.client_context(),
    )  # fmt: skip
    with pytest.raises(InputError) as caught:
        list(source.messages())
    text = str(caught.value)
    assert f"IMAP localhost:{imap.port} folder 'INBOX'" in text
    assert "refused the login" in text and "password_env" in text and "wrong" not in text


def test_imap_unknown_folder_and_unreachable_host_are_input_errors(imap: ImapTestServer) -> None:
    source = ImapSource(
        "localhost", imap.port, "Archive", imap.user, imap.password,
        max_bytes=1000, ssl_context=imap.client_context(),
    )  # fmt: skip
    with pytest.raises(InputError, match="folder could not be opened"):
        list(source.messages())
    empty = ImapSource(
        "localhost", imap.port, "Social Inbox", imap.user, imap.password,
        max_bytes=1000, ssl_context=imap.client_context(),
    )  # fmt: skip
    assert list(empty.messages()) == []
    closed = ImapSource("127.0.0.1", 1, "INBOX", "u", "p", max_bytes=1000, timeout=2)
    with pytest.raises(InputError, match="could not connect"):
        list(closed.messages())


def test_folder_names_are_quoted_and_encoded_for_imap() -> None:
    assert quote_mailbox("INBOX") == "INBOX"
    assert quote_mailbox("Social Inbox") == '"Social Inbox"'
    assert quote_mailbox("Boîte & co") == '"Bo&AO4-te &- co"'
    assert imaplib.IMAP4  # the stdlib client the source uses


def test_ingest_inbox_job_reads_imap_with_password_from_the_environment(
    imap: ImapTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOCIAL_IMAP_PASSWORD", imap.password)
    # The system trust store, pointed at the test certificate: verification stays on.
    monkeypatch.setenv("SSL_CERT_FILE", str(imap.cert_path))
    settings = make_settings(
        tmp_path,
        inbox={
            "kind": "imap", "host": "localhost", "port": imap.port, "user": imap.user,
            "password_env": "SOCIAL_IMAP_PASSWORD",
        },
    )  # fmt: skip
    ws = workspace_with_people(tmp_path, settings)
    result = run_job(ws, "ingest-inbox", NOW)
    assert result.counts["queue_added"] == 3, result.problems
    assert imap.password not in " ".join(result.lines + result.problems)
    again = run_job(ws, "ingest-inbox", NOW)
    assert again.counts["queue_added"] == 0 and again.counts["already_queued"] == 3
    assert imap.seen == set()


def test_imap_settings_without_password_variable_are_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CHORUS_IMAP_PASSWORD", raising=False)
    settings = make_settings(
        tmp_path, inbox={"kind": "imap", "host": "mail.example.org", "user": "s"}
    )
    with pytest.raises(ConfigError, match="CHORUS_IMAP_PASSWORD"):
        build_inbox_source(settings)


# --------------------------------------------------------------------------- Gmail

USER = "social@example.org"


def gmail_setup(tmp_path: Path, label: str = "Social inbox"):  # noqa: ANN201
    twin = make_app(require_auth=True)
    settings = make_settings(
        tmp_path, inbox={"kind": "gmail", "label": label}, backend={"delegated_user": USER}
    )
    services = google_services(twin, tmp_path, delegated_user=USER)
    return twin, settings, services


def test_gmail_label_messages_become_queue_items_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin, settings, services = gmail_setup(tmp_path)
    monkeypatch.setattr(gmail_label_module, "GMAIL_PAGE", 2)  # so three messages need two pages
    for raw in raw_messages():
        twin.gmail_add_message(USER, raw, labels=["INBOX", "Social inbox"])
    twin.gmail_add_message(USER, unknown_sender().as_bytes(policy=SMTP), labels=["INBOX"])
    labels_before = [sorted(map(str, m.keys())) for m in twin.gmail_messages(USER)]
    ws = workspace_with_people(tmp_path, settings, google=services)
    result = run_job(ws, "ingest-inbox", NOW)
    assert result.problems == []
    assert result.counts["messages"] == 3 and result.counts["queue_added"] == 3
    queue = ws.store.read(("Queue",))["Queue"]
    assert sorted(queue["origin"]) == [
        "mail:<CAF=newsletter.1@mail.gmail.com>; original sender: Sector Weekly <news@sectorweekly.example>",
        "mail:<press-leeds-office@example.org>",
        "mail:<reply-chain-3@example.org>",
    ]
    list_calls = sum(n for (_api, m), n in twin.calls.items() if m.endswith("messages.list"))
    assert list_calls == math.ceil(3 / 2)
    again = run_job(ws, "ingest-inbox", NOW)
    assert again.counts["queue_added"] == 0 and again.counts["already_queued"] == 3
    gets = sum(n for (_api, method), n in twin.calls.items() if method.endswith("messages.get"))
    assert gets == 3 + 3 + 3  # metadata on each run, the raw message only the first time
    assert [sorted(map(str, m.keys())) for m in twin.gmail_messages(USER)] == labels_before


def test_gmail_without_delegation_is_an_input_error_with_the_fix(tmp_path: Path) -> None:
    twin, settings, services = gmail_setup(tmp_path)
    source = GmailLabelSource(
        services, "someone-else@other.example", "Social inbox", max_bytes=1000
    )
    source.google = google_services(twin, tmp_path)  # no delegated user
    with pytest.raises((InputError, ConfigError)) as caught:
        list(source.messages())
    assert "delegated" in str(caught.value).lower()


def test_gmail_label_query_writes_spaces_as_dashes(tmp_path: Path) -> None:
    _twin, settings, services = gmail_setup(tmp_path, label="Social inbox")
    source = build_inbox_source(settings, google=services)
    assert isinstance(source, GmailLabelSource) and source.query() == "label:Social-inbox"
