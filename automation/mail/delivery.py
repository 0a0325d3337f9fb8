"""The state of one call of the Sent ledger's `deliver`, shared by its steps.

`automation.mail.ledger` runs the steps (filter, resolve, limit, intent, send,
confirm); what they read and fill in lives here: each message on its way
(`Item`), the run (`Delivery`), what the Sent tab says about the batch
(`Found`) and what sending it did (`Sending`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.mail.compose import Draft
from automation.mail.report import DeliveryReport
from sheets_schema.records import Append, Update
from sheets_schema.values import format_datetime

if TYPE_CHECKING:
    from automation.mail.base import Mailer
    from automation.mail.sent_tab import SentTab
    from automation.mail.spool import Spool
    from automation.workspace import Workspace
    from sheets_schema.settings import Settings


@dataclass
class Item:
    """One message on its way: what the Sent row says and what the transport gets."""

    message_id: str
    job: str
    period: str
    recipient: str
    subject: str
    order: tuple[int, int]
    email_copy: EmailMessage | None = None
    row_status: str = ""  # the Sent row's status before this run ('' when there is no row)
    prepared_id: str = ""
    #: composes the message (or renders it, a Draft to finish); called only for messages
    #: that are really sent or written, so a mailing to thousands that is already Sent (or
    #: capped) composes nothing
    make: Callable[[], EmailMessage | Draft] | None = None
    rendered: Draft | None = None

    def render(self) -> None:
        """Render the message now, its images (charts) added when it is composed."""
        if self.email_copy is None and self.rendered is None and self.make is not None:
            made, self.make = self.make(), None
            if isinstance(made, Draft):
                self.rendered = made
            else:
                self.email_copy = made

    @property
    def email(self) -> EmailMessage | None:
        self.render()
        if self.email_copy is None and self.rendered is not None:
            self.email_copy, self.rendered = self.rendered.finish(), None
        return self.email_copy

    def row(self, **values: Any) -> dict[str, Any]:
        base = {
            "message_id": self.message_id,
            "job": self.job,
            "period": self.period,
            "recipient": self.recipient,
            "subject": self.subject,
        }
        base.update(values)
        return base


def composed(item: Item) -> EmailMessage:
    """The composed message of an item that is about to be spooled, written or sent."""
    email = item.email
    assert email is not None, item.message_id
    return email


@dataclass
class Delivery:
    """One call of `deliver`: what every step reads, and the report they all fill in."""

    workspace: Workspace
    now: datetime
    #: the Sent tab as read at the start of the run: Message-ID -> (sheet row, row)
    ledger: SentTab
    spool: Spool
    report: DeliveryReport
    dry_run_dir: Path | None = None
    #: the transport once a step needed it; a run with nothing to send never builds one
    used_mailer: Mailer | None = None
    #: the job whose run this is: its Deferred rows that its plan no longer names expire
    job: str = ""

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    def mailer(self) -> Mailer:
        """The transport, built the first time a step needs it."""
        if self.used_mailer is None:
            self.used_mailer = self.workspace.mailer
        return self.used_mailer

    def stamp(self) -> str:
        """`now` as the Sent tab's Sent At."""
        return stamp(self.now, self.settings)


@dataclass
class Found:
    """What the Sent tab says about a batch: what may go, and Pending rows found sent."""

    candidates: list[Item] = field(default_factory=list)
    resolved: list[Update] = field(default_factory=list)
    #: Deferred rows, never composed, that their own job's run no longer plans
    expired: list[Item] = field(default_factory=list)
    #: Sent rows given back for messages the transport had sent while the tab had no row
    restored: list[Append] = field(default_factory=list)


@dataclass
class Sending:
    """What sending a batch did: rows to confirm, messages finished, the error that stopped it."""

    confirm: list[Update] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    failure: BaseException | None = None


def stamp(now: datetime, settings: Settings) -> str:
    """A time as the Sent tab writes it (Sent At)."""
    return format_datetime(now, settings.tz)
