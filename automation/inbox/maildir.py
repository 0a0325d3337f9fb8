"""A local Maildir as an inbox source, read in place.

Only listed and read: nothing moves from new/ to cur/ and no flag changes,
so the mail client people use on the same Maildir sees it as it was.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Collection, Iterator
from pathlib import Path

from automation.inbox.base import header_message_id, header_part, is_known, known_ids
from jobs.ingest_inbox import InboxMessage
from sheets_schema.errors import InputError


class MaildirSource:
    """A local Maildir (cur/ and new/), read in place; files are never moved or renamed."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes

    def describe(self) -> str:
        """The folder read, for reports."""
        return f"Maildir {self.path}"

    def messages(self, known: Collection[str] = ()) -> Iterator[InboxMessage]:
        """Every message in key order; queued or oversized ones as their header only."""
        if not (self.path / "cur").is_dir() or not (self.path / "new").is_dir():
            raise InputError(
                f"{self.path} is not a Maildir (it needs cur/ and new/ folders)",
                place="[inbox] path",
                fix="point path at the Maildir the mail server delivers to, or create it "
                "with cur/, new/ and tmp/ inside",
            )
        queued = known_ids(known)
        # create=False and no lock: mailbox.Maildir only lists and reads files here.
        box = mailbox.Maildir(self.path, factory=None, create=False)
        try:
            keys = sorted(box.keys())
        except OSError as exc:
            raise InputError(
                f"{self.path} cannot be listed ({exc.strerror})",
                place="[inbox] path",
                fix="give the user running Chorus read access to the Maildir",
            ) from None
        for key in keys:
            found = self._read(box, key)
            if found is None:
                continue  # delivered mail moved by the mail client between listing and reading
            data, size = found
            header = header_part(data)
            if is_known(header_message_id(header), queued) or size > self.max_bytes:
                yield InboxMessage(f"maildir:{key}", header, size, complete=False)
            else:
                yield InboxMessage(f"maildir:{key}", data, size)

    def _read(self, box: mailbox.Maildir, key: str) -> tuple[bytes, int] | None:
        """Up to max_bytes + 1 bytes of one message and its full size; None when it is gone."""
        try:
            handle = box.get_file(key)
        except (KeyError, OSError):
            return None
        try:
            data = handle.read(self.max_bytes + 1)
            size = len(data)
            if size > self.max_bytes:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
        finally:
            handle.close()
        return data, size
