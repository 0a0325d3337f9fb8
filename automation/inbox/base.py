"""What every inbox source is and the header reading they share.

A source yields `InboxMessage(source_id, raw, size, complete)`: the raw
RFC 822 bytes of each message (attachments are never opened here or later).
A message over [inbox] max_bytes, or one already queued, comes with its
header only (`complete` False), so ingest-inbox can still say who sent it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Protocol

from jobs.ingest_inbox import InboxMessage


class InboxSource(Protocol):
    """A mailbox Chorus reads and never changes."""

    def describe(self) -> str:
        """Where the messages come from, for reports (never a password)."""
        ...

    def messages(self, known: Collection[str] = ()) -> Iterator[InboxMessage]:
        """Every message; those whose Message-ID is in `known` may be skipped unread."""
        ...


def header_message_id(header: bytes) -> str:
    """The Message-ID in a header block, '<...>' (or '' when there is none)."""
    parsed = BytesHeaderParser(policy=default_policy).parsebytes(header)
    try:
        value = " ".join(str(parsed.get("Message-ID", "") or "").split())
    except (ValueError, TypeError, IndexError):
        return ""
    found = re.search(r"<[^<>\s]+>", value)
    if found:
        return found.group(0)
    return f"<{value.split()[0].strip('<>')}>" if value else ""


def header_part(data: bytes) -> bytes:
    """The header section of raw message bytes (up to the first empty line)."""
    match = re.search(rb"\r?\n\r?\n", data)
    return data[: match.end()] if match else data


def known_ids(known: Collection[str]) -> set[str]:
    """The Message-IDs already queued, folded for the comparison `is_known` makes."""
    return {k.casefold() for k in known}


def is_known(message_id: str, known: set[str]) -> bool:
    """Whether a message is already queued, so a source may skip downloading its body."""
    return bool(message_id) and message_id.casefold() in known
