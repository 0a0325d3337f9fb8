"""The composition root: the one place that turns Settings into the live parts of a run.

The store, the form sources, the mailer and the inbox source are each picked
here from chorus.toml, and nowhere else; the CLI, the scheduler, the demo and
the tests ask a `Workspace` for them. Nothing reads config or opens a
connection at import time, and an adapter's module is imported only when the
settings name it, so a local installation never loads a Google library.
`google` carries how to reach Google (real credentials, or a test twin's
session); the adapters that need Google and are given none build their own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

if TYPE_CHECKING:
    from automation.forms.base import FormSource
    from automation.google import GoogleServices
    from automation.inbox.base import InboxSource
    from automation.mail.base import Mailer
    from automation.store.base import Store


@dataclass
class Workspace:
    """Everything one run of Chorus talks to, built once from the settings."""

    settings: Settings
    store: Store
    google: GoogleServices | None = None
    _mailer: Mailer | None = field(default=None, repr=False)
    _forms: dict[str, FormSource] = field(default_factory=dict, repr=False)

    @property
    def mailer(self) -> Mailer:
        """The transport chorus.toml names, built on first use (nothing connects until a send)."""
        if self._mailer is None:
            self._mailer = build_mailer(self.settings, self.google)
        return self._mailer

    def form_source(self, name: str) -> FormSource | None:
        """The configured source of one form's responses, or None when not configured."""
        if name not in self.settings.forms:
            return None
        if name not in self._forms:
            self._forms[name] = build_form_source(name, self.settings, self.store, self.google)
        return self._forms[name]

    def inbox_source(self) -> InboxSource | None:
        """The mailbox [inbox] names, or None when the inbox is off."""
        return build_inbox_source(self.settings, self.google)

    def api_calls(self) -> int:
        """Backend calls so far: the store's, plus the Google services' unless the store counts them."""
        calls = self.store.calls
        if self.google is not None and not self.store.counts_google_calls:
            calls += self.google.total_calls()
        return calls


def build_workspace(settings: Settings, *, google: GoogleServices | None = None) -> Workspace:
    """The workspace for `settings`; with the Google backend, one set of services for the run."""
    if google is None and settings.backend.kind == "google":
        from automation.google import GoogleServices

        google = GoogleServices.from_settings(settings)
    return Workspace(settings=settings, store=build_store(settings, google), google=google)


def build_store(settings: Settings, google: GoogleServices | None = None) -> Store:
    """The spreadsheet backend [backend] kind names."""
    if settings.backend.kind == "local":
        from automation.store.xlsx import XlsxStore

        assert settings.backend.workbook is not None  # settings_from_dict defaults it
        return XlsxStore(settings.backend.workbook)
    if settings.backend.kind == "google":
        if not settings.backend.spreadsheet_id:
            raise ConfigError(
                'is required when kind = "google"',
                place=f"{settings.path}: backend.spreadsheet_id",
                fix="run `chorus init --backend google` to create the spreadsheet, or paste its id",
            )
        from automation.store.gsheets import SheetsStore

        return SheetsStore.from_settings(settings, google=google)
    raise ConfigError(
        f"unknown backend {settings.backend.kind!r}",
        place=f"{settings.path}: backend.kind",
        fix='use "local" or "google"',
    )


def build_mailer(settings: Settings, google: GoogleServices | None = None) -> Mailer:
    """The transport [mail] transport names: a Maildir outbox (the default), SMTP or Gmail."""
    transport = settings.mail.transport
    if transport == "outbox":
        from automation.mail.outbox import OutboxMailer

        return OutboxMailer(settings.mail.outbox or settings.base_dir / "outbox")
    if transport == "smtp":
        from automation.mail.smtp import SmtpMailer

        return SmtpMailer.from_settings(settings)
    if transport == "gmail":
        from automation.mail.gmail import GmailMailer

        return GmailMailer.from_settings(settings, google=google)
    raise ConfigError(
        f"unknown mail transport {transport!r}",
        place=f"{settings.path}: mail.transport",
        fix='use "outbox", "smtp" or "gmail"',
    )


def build_form_source(
    name: str, settings: Settings, store: Store, google: GoogleServices | None = None
) -> FormSource:
    """The adapter [forms.<name>] describes; the Forms API reads its sync mark from `store`."""
    form = settings.forms.get(name)
    if form is None:
        raise ConfigError(
            f"the {name} form is not configured",
            place=f"{settings.path}: forms",
            fix=f'add a [forms.{name}] section, e.g. kind = "csv" and path = "forms/{name}.csv"',
        )
    if form.kind == "csv":
        from automation.forms.csv_export import CsvExportSource

        assert form.path is not None  # settings_from_dict requires it for csv
        return CsvExportSource(name, form.path, settings)
    if form.kind == "linked_sheet":
        from automation.forms.linked_sheet import LinkedSheetSource

        return LinkedSheetSource.from_settings(name, settings, google=google)
    if form.kind == "forms_api":
        from automation.forms.forms_api import FormsApiSource

        return FormsApiSource.from_settings(name, settings, store, google=google)
    raise ConfigError(
        f"unknown form kind {form.kind!r}",
        place=f"{settings.path}: forms.{name}.kind",
        fix='use "csv", "linked_sheet" or "forms_api"',
    )


def build_inbox_source(
    settings: Settings, google: GoogleServices | None = None
) -> InboxSource | None:
    """The mailbox [inbox] kind names (Maildir, IMAP, Gmail label), or None when kind is ''."""
    inbox = settings.inbox
    place = f"{settings.path}: inbox"
    if inbox.kind == "":
        return None
    if inbox.kind == "maildir":
        if inbox.path is None:
            raise ConfigError(
                'is required when kind = "maildir"',
                place=f"{place}.path",
                fix='path = "inbox" (a Maildir folder with cur/, new/ and tmp/)',
            )
        from automation.inbox.maildir import MaildirSource

        return MaildirSource(inbox.path, max_bytes=inbox.max_bytes)
    if inbox.kind == "imap":
        return _imap_source(settings)
    if inbox.kind == "gmail":
        return _gmail_label_source(settings, google)
    raise ConfigError(
        f"unknown inbox kind {inbox.kind!r}",
        place=f"{place}.kind",
        fix='use "maildir", "imap" or "gmail"',
    )


def _imap_source(settings: Settings) -> InboxSource:
    """An IMAP mailbox; its password comes from the environment, never from chorus.toml."""
    from automation.inbox.imap import ImapSource

    inbox = settings.inbox
    place = f"{settings.path}: inbox"
    for key, value in (("host", inbox.host), ("user", inbox.user)):
        if not value:
            raise ConfigError(
                'is required when kind = "imap"',
                place=f"{place}.{key}",
                fix=f'{key} = "..." under [inbox]',
            )
    password = os.environ.get(inbox.password_env, "")
    if not password:
        raise ConfigError(
            f"the environment variable {inbox.password_env} is not set",
            place=f"{place}.password_env",
            fix=f"export {inbox.password_env}=... (the mailbox password or app password) "
            "where Chorus runs; it is never stored in chorus.toml",
        )
    return ImapSource(
        inbox.host, inbox.port, inbox.folder, inbox.user, password, max_bytes=inbox.max_bytes
    )


def _gmail_label_source(settings: Settings, google: GoogleServices | None) -> InboxSource:
    """A Gmail label of the delegated user's mailbox."""
    inbox = settings.inbox
    if not inbox.label:
        raise ConfigError(
            'is required when kind = "gmail"',
            place=f"{settings.path}: inbox.label",
            fix='label = "Social inbox" (the Gmail label staff forwards get)',
        )
    user = settings.backend.delegated_user
    if not user:
        raise ConfigError(
            'is required when inbox.kind = "gmail"',
            place=f"{settings.path}: backend.delegated_user",
            fix='delegated_user = "social@example.org" (the mailbox with the label)',
        )
    from automation.google import GoogleServices
    from automation.inbox.gmail_label import GmailLabelSource

    services = google or GoogleServices.from_settings(settings)
    return GmailLabelSource(services, user, inbox.label, max_bytes=inbox.max_bytes)
