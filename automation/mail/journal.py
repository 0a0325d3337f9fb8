"""The SMTP journal: Chorus's own record of what it handed to an SMTP server, that no person edits.

SMTP cannot be asked afterwards whether a message went out, and the Sent tab
is a spreadsheet people sort, delete from and restore. So before each message
goes to the server, a line `<time> sending <Message-ID>` is appended to a file in the
state folder (mail.state_dir, `.chorus-state/` beside chorus.toml) and forced
to disk; once the server has said 250, a line `sent`; when the server refused
it for certain, `failed`. A crash leaves at most one message `sending`: the
only one a person may need to check. Lines are only ever appended, one write
each, so a torn last line (power cut mid-write) is the only damage possible,
and it is ignored on reading.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sheets_schema.errors import MailError

Event = Literal["sending", "sent", "failed"]
_EVENTS = ("sending", "sent", "failed")
FILE_NAME = "smtp-journal"


class Journal:
    """An append-only, fsynced file of (event, Message-ID) lines; read once, then kept in memory."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME
        self._last: dict[str, Event] | None = None

    def record(self, event: Event, message_id: str) -> None:
        """Append one line and force it to disk before returning (the message waits for it)."""
        # Each line starts with its newline: a line torn by a power cut never runs into the next.
        line = f"\n{datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')} {event} {message_id.strip()}"
        try:
            new = not self.path.exists()
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
            if new:  # the file's name must survive a power cut too
                fsync_path(self.folder)
        except OSError as exc:
            raise MailError(
                f"cannot write the SMTP journal {self.path}: {exc.strerror or exc}",
                place="mail.state_dir",
                fix="point mail.state_dir in chorus.toml at a folder Chorus may write to, "
                "on a disk that lasts between runs, with space left",
            ) from None
        self._events()[message_id.strip()] = event

    def last(self, message_id: str) -> Event | None:
        """The last thing the journal says about `message_id` (None: never handed to a server)."""
        return self._events().get(message_id.strip())

    def _events(self) -> dict[str, Event]:
        if self._last is None:
            self._last = {}
            try:
                text = self.path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                return self._last
            except OSError as exc:
                raise MailError(
                    f"cannot read the SMTP journal {self.path}: {exc.strerror or exc}",
                    place="mail.state_dir",
                    fix="check the folder's permissions; never delete this file while "
                    "the SMTP transport is in use",
                ) from None
            for line in text.splitlines():
                parts = line.split(" ", 2)
                if len(parts) == 3 and parts[1] in _EVENTS and parts[2].endswith(">"):
                    self._last[parts[2]] = parts[1]  # type: ignore[assignment]
        return self._last


def fsync_path(path: Path) -> None:
    """Make a file's bytes, or a folder's entries, durable (the journal's folder, the outbox's
    files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
