"""The mail port: what every transport (Maildir outbox, SMTP, Gmail) offers the Sent ledger.

Sending exactly once needs three steps the ledger can interleave with its own
writes: `prepare` (get the id the transport will use, before the intent is
recorded), `send`, and `resolve` (after a crash, did a Pending message go out?).

    ledger                          outbox            gmail                 smtp
    prepare(msg) -> prepared_id     Maildir key       create draft -> id    ""
    record Pending rows (one write)
    send(msg, prepared_id)          write the file    drafts.send(id)       DATA
    record Sent rows (one write)
    resolve(message_id, prepared_id)
                                    key/Message-ID    draft gone: "sent"    "unknown"
                                    in the Maildir?   draft there: "not_sent"

Before anything goes, `delivered(message_id)` asks the transport's own record
(the Maildir's files, Gmail's Sent mailbox, the SMTP journal), which no person
edits: a message it has is never sent again, whatever the Sent tab says.

A transport may also have `close()`; the ledger calls it after a batch, before
it records anything Sent (SMTP keeps one connection open for the batch; the
outbox delivers the batch's files there, all made durable at once). A close
that fails leaves the batch's rows Pending, for `resolve` on the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, Protocol, runtime_checkable

from sheets_schema.errors import MailError

Resolution = Literal["sent", "not_sent", "unknown"]


@dataclass(frozen=True)
class SendResult:
    """What the transport says about a message it accepted (ids for the Sent tab)."""

    transport_id: str = ""
    thread_id: str = ""


class MessageRefused(MailError):
    """The transport refused this one message for good (e.g. 550 no such mailbox).

    It was not sent; the ledger marks it Failed and goes on with the others.
    """


class TransportDown(MailError):
    """The transport cannot send at all (login refused, unreachable, retries used up).

    The message in hand was not sent; the ledger stops the batch, records what
    did go out, marks the rest Failed (retried next run) and raises.
    """


@runtime_checkable
class Mailer(Protocol):
    """A way to send composed emails, built for exactly-once delivery with the Sent ledger.

    Any other MailError raised by `send` means "may or may not have gone": the
    ledger leaves the row Pending and `resolve` decides on the next run.
    """

    #: "outbox", "smtp" or "gmail": written to the Sent tab's Transport column
    transport: str

    def prepare(self, msg: EmailMessage) -> str:
        """The id the transport will use for `msg`, known before sending ("" if none).

        Called before the ledger records the Pending row, so the row carries it.
        Should be idempotent for the same Message-ID where the transport allows.
        """
        ...

    def send(self, msg: EmailMessage, prepared_id: str) -> SendResult:
        """Send `msg` (prepared as `prepared_id`); raise MessageRefused, TransportDown or MailError."""
        ...

    def delivered(self, message_id: str) -> bool | None:
        """Whether the transport's own record has this message as gone: True (do not send;
        the Sent row is restored), False (it never went), None (the record cannot tell)."""
        ...

    def resolve(self, message_id: str, prepared_id: str) -> Resolution:
        """For a Pending row after a crash: did the message go out ("sent"), certainly
        not ("not_sent": send it with the same prepared_id), or can't tell ("unknown")?"""
        ...
