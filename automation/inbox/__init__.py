"""The mailbox staff forward content to, read without ever changing it: Maildir, IMAP, Gmail label.

Read-only everywhere: a Maildir is only listed and read, IMAP uses EXAMINE and
BODY.PEEK (no \\Seen), Gmail is only listed and read (gmail.readonly). Chorus
remembers what it has read through the Message-IDs in the Queue's Origin
column, so there is no state here: `known` lets a source skip downloading
messages already queued. `build_inbox_source` picks the one [inbox] names.
"""

from __future__ import annotations

import os
from typing import Any

from automation.inbox.base import InboxSource
from automation.inbox.imap import ImapSource
from automation.inbox.maildir import MaildirSource
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings


def build_inbox_source(settings: Settings, google: Any = None) -> InboxSource | None:
    """The source [inbox] names, or None when kind is '' (the inbox is off)."""
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
        return MaildirSource(inbox.path, max_bytes=inbox.max_bytes)
    if inbox.kind == "imap":
        return _imap_source(settings, place)
    if inbox.kind == "gmail":
        return _gmail_label_source(settings, place, google)
    raise ConfigError(
        f"unknown inbox kind {inbox.kind!r}",
        place=f"{place}.kind",
        fix='use "maildir", "imap" or "gmail"',
    )


def _imap_source(settings: Settings, place: str) -> InboxSource:
    """The IMAP folder [inbox] names, its password from the environment variable it names."""
    inbox = settings.inbox
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


def _gmail_label_source(settings: Settings, place: str, google: Any) -> InboxSource:
    """The Gmail label [inbox] names, read as backend.delegated_user."""
    inbox = settings.inbox
    if not inbox.label:
        raise ConfigError(
            'is required when kind = "gmail"',
            place=f"{place}.label",
            fix='label = "Social inbox" (the Gmail label staff forwards get)',
        )
    user = settings.backend.delegated_user
    if not user:
        raise ConfigError(
            'is required when inbox.kind = "gmail"',
            place=f"{settings.path}: backend.delegated_user",
            fix='delegated_user = "social@example.org" (the mailbox with the label)',
        )
    # Imported here: only a Gmail inbox needs the Google client libraries.
    if google is None:
        from automation.google import GoogleServices

        google = GoogleServices.from_settings(settings)
    from automation.inbox.gmail_label import GmailLabelSource

    return GmailLabelSource(google, user, inbox.label, max_bytes=inbox.max_bytes)
