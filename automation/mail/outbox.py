"""The default transport: a Maildir folder that any mail client (or Python's mailbox) opens.

Nothing leaves the machine: people read what Chorus would have sent, and a
relay or a mail client can pick the messages up from there. Each message is
stored under a key derived from its Message-ID, so sending twice writes once
and a crash is resolved by looking the key up.

A batch is delivered as Maildir delivers: `send` writes each message's file
in tmp/, and `close` (which the ledger calls after the batch, before it records
anything Sent) makes every file of the batch durable at once, then moves each
into new/. A file is in new/ only once its bytes are on disk, and a crash
before `close` leaves files in tmp/, which are not delivered: their rows are
still Pending and the next run sends them (the same names, written over).
Syncing the batch together rather than each file as it is written is what
lets 500 messages go in a fraction of a second instead of 500 disk waits.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
from concurrent.futures import ThreadPoolExecutor
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from automation import crash
from automation.mail.base import Resolution, SendResult, TransportDown
from automation.mail.journal import fsync_path
from sheets_schema.errors import MailError


def maildir_key(message_id: str) -> str:
    """The Maildir key (file name in new/) for a Message-ID: stable across runs."""
    digest = hashlib.sha256(message_id.strip().encode()).hexdigest()[:32]
    return f"chorus-{digest}"


class OutboxMailer:
    """A Mailer that delivers into a Maildir (tmp/ -> new/, atomic rename)."""

    transport = "outbox"

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._foreign: set[str] | None = None
        self._stamp: tuple[int, ...] = ()
        self._cur: set[str] | None = None
        self._cur_stamp = 0
        #: keys written in tmp/ by this batch's `send`s, moved into new/ by `close`
        self._written: list[str] = []
        try:
            self._box = mailbox.Maildir(self.folder, create=True)
        except OSError as exc:
            raise MailError(
                f"cannot open the outbox folder {self.folder}: {exc.strerror or exc}",
                place="mail.outbox",
                fix="point mail.outbox in chorus.toml at a folder Chorus may write to",
            ) from None

    def prepare(self, msg: EmailMessage) -> str:
        return maildir_key(str(msg["Message-ID"]))

    def send(self, msg: EmailMessage, prepared_id: str) -> SendResult:
        """Write the message in tmp/; `close` delivers it with the rest of the batch."""
        key = prepared_id or self.prepare(msg)
        if key in self._written or self._has_key(key):
            return SendResult(transport_id=key)  # already delivered: never twice
        try:
            # A copy a crash left in tmp/ is not delivered; resending writes the same name over it.
            (self.folder / "tmp" / key).write_bytes(msg.as_bytes(policy=policy.SMTP))
        except OSError as exc:
            raise TransportDown(
                f"cannot write to the outbox {self.folder}: {exc.strerror or exc}",
                place="mail.outbox",
                fix="check the folder exists, is writable and the disk is not full",
            ) from None
        self._written.append(key)
        crash.reached("outbox.temp_written")
        return SendResult(transport_id=key)

    def close(self) -> None:
        """Deliver the batch: every file written by `send` reaches the disk (the fsyncs run
        side by side, so the disk waits once for the batch), then moves from tmp/ into new/."""
        written, self._written = self._written, []
        if not written:
            return
        tmp, new = self.folder / "tmp", self.folder / "new"
        try:
            with ThreadPoolExecutor(max_workers=16) as pool:
                list(pool.map(fsync_path, (tmp / key for key in written)))
            crash.reached("outbox.synced")
            for key in written:
                os.replace(tmp / key, new / key)
            fsync_path(new)
        except OSError as exc:
            raise TransportDown(
                f"cannot deliver {len(written)} message(s) into the outbox {self.folder}: "
                f"{exc.strerror or exc}; what is not in new/ was not delivered, its Sent rows "
                "stay Pending and the next run sends it",
                place="mail.outbox",
                fix="check the folder exists, is writable and the disk is not full, then re-run",
            ) from None

    def delivered(self, message_id: str) -> bool:
        """Whether the Maildir holds the message: its file by key, or (moved or renamed by a
        mail client) a file with its Message-ID."""
        if self._has_key(maildir_key(message_id)):
            return True
        return message_id.strip() in self._renamed()

    def resolve(self, message_id: str, prepared_id: str) -> Resolution:
        if prepared_id and self._has_key(prepared_id):
            return "sent"
        return "sent" if self.delivered(message_id) else "not_sent"

    def _renamed(self) -> set[str]:
        """The Message-IDs of files not under Chorus's own names, read again only when a file
        came or went in new/ or cur/ (a folder's mtime changes): one scan for a whole batch."""
        stamp = tuple(_mtime(self.folder / sub) for sub in ("new", "cur"))
        if self._foreign is None or stamp != self._stamp:
            self._foreign, self._stamp = set(), stamp
            parser = BytesHeaderParser(policy=policy.default)
            for key in self._box.keys():
                if key.startswith("chorus-"):
                    continue
                try:
                    with self._box.get_file(key) as handle:
                        headers = parser.parse(handle)  # type: ignore[arg-type]
                except (OSError, KeyError):
                    continue
                self._foreign.add(str(headers.get("Message-ID", "")).strip())
        return self._foreign

    def _has_key(self, key: str) -> bool:
        """Whether a file under the key is in new/, or in cur/ (where a mail client moves it,
        adding ':2,<flags>'). A stat, and a listing of cur/ only when cur/ changed: mailbox's
        own lookup lists every file again within two seconds of its last listing, so a batch
        of 500 sends into an outbox of 10,000 listed it 500 times."""
        if (self.folder / "new" / key).exists():
            return True
        stamp = _mtime(self.folder / "cur")
        if self._cur is None or stamp != self._cur_stamp:
            try:
                names = os.listdir(self.folder / "cur")
            except OSError:
                names = []
            self._cur = {name.split(self._box.colon)[0] for name in names}
            self._cur_stamp = stamp
        return key in self._cur

    def messages(self) -> list[EmailMessage]:
        """Every message in the outbox, parsed (for previews, the demo and tests)."""
        from email.parser import BytesParser

        parser = BytesParser(policy=policy.default)
        found: list[EmailMessage] = []
        for key in sorted(self._box.keys()):
            with self._box.get_file(key) as handle:
                found.append(parser.parse(handle))  # type: ignore[arg-type]
        return found


def _mtime(folder: Path) -> int:
    try:
        return folder.stat().st_mtime_ns
    except OSError:
        return 0
