"""The default transport: a Maildir folder that any mail client (or Python's mailbox) opens.

Nothing leaves the machine: people read what Chorus would have sent, and a
relay or a mail client can pick the messages up from there. Each message is
stored under a key derived from its Message-ID, so sending twice writes once
and a crash is resolved by looking the key up.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path

from automation import crash
from automation.mail.base import Resolution, SendResult, TransportDown
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
        key = prepared_id or self.prepare(msg)
        if self._has_key(key):
            return SendResult(transport_id=key)  # already delivered: never twice
        data = msg.as_bytes(policy=policy.SMTP)
        tmp = self.folder / "tmp" / key
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            crash.reached("outbox.temp_written")
            # Maildir's delivery rule: write in tmp/, then rename into new/. A copy a crash
            # left in tmp/ is not delivered; resending writes the same name over it.
            os.replace(tmp, self.folder / "new" / key)
        except OSError as exc:
            raise TransportDown(
                f"cannot write to the outbox {self.folder}: {exc.strerror or exc}",
                place="mail.outbox",
                fix="check the folder exists, is writable and the disk is not full",
            ) from None
        return SendResult(transport_id=key)

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
