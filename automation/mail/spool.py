"""The mail spool: a local copy of each composed message between intent and confirmation.

The Sent ledger puts a copy here before it records a message Pending or
Deferred, and drops it once the message is confirmed, so a message deferred
or interrupted in one job's run can go out in a later run of any mailing job
(which did not plan it and cannot compose it).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from automation.mail.wire import from_wire
from sheets_schema.errors import MailError

if TYPE_CHECKING:
    from sheets_schema.settings import Settings


class Spool:
    """Local copies of composed messages between intent and confirmation (one .eml each)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, message_id: str) -> Path:
        return self.folder / (hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml")

    def put(self, message_id: str, msg: EmailMessage) -> None:
        """Keep a copy before the message is recorded; a full disk stops the run before any send."""
        target = self._path(message_id)
        tmp = target.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise MailError(
                f"cannot keep a copy of a message in the mail spool {self.folder}: "
                f"{exc.strerror or exc}",
                place="mail spool",
                fix=f"free space on the disk holding {self.folder} and re-run; nothing was sent",
            ) from None

    def get(self, message_id: str) -> EmailMessage | None:
        path = self._path(message_id)
        if not path.exists():
            return None
        return from_wire(path.read_bytes())

    def drop(self, message_id: str) -> None:
        self._path(message_id).unlink(missing_ok=True)

    def tidy(self, sent: Iterable[str]) -> None:
        """Drop what a killed run left: copies of messages already Sent, and half-written copies.

        One listing of the folder when it is empty, which is most runs.
        """
        try:
            present = {entry.name for entry in os.scandir(self.folder)}
        except FileNotFoundError:
            return
        for name in present:
            if name.endswith(".tmp"):
                (self.folder / name).unlink(missing_ok=True)
        if not any(name.endswith(".eml") for name in present):
            return
        for message_id in sent:
            path = self._path(message_id)
            if path.name in present:
                path.unlink(missing_ok=True)


def spool_for(settings: Settings) -> Spool:
    """The spool beside chorus.toml."""
    return Spool(settings.base_dir / "mail-spool")
