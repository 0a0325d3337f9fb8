"""The messages carrying one Gmail label as an inbox source, read as the delegated user.

Only listed and read, so gmail.readonly is enough. Each message's metadata
comes first (Message-ID, size); the raw message is fetched only for those
that fit [inbox] max_bytes and are not queued yet.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Collection, Iterator
from typing import Any

from automation.google.errors import GoogleCall
from automation.inbox.base import header_message_id, is_known, known_ids
from automation.mail.gmail import ACCESS_FIX, DELEGATION_FIX
from jobs.ingest_inbox import InboxMessage
from sheets_schema.errors import InputError

#: messages.list page size when reading a label
GMAIL_PAGE = 100


class GmailLabelSource:
    """The messages carrying one Gmail label, read as the delegated user (gmail.readonly)."""

    def __init__(self, google: Any, user: str, label: str, *, max_bytes: int) -> None:
        self.google = google
        self.user = user
        self.label = label
        self.max_bytes = max_bytes

    def describe(self) -> str:
        """The mailbox and label read, for reports."""
        return f"Gmail {self.user} label {self.label!r}"

    def query(self) -> str:
        """The search for the label: Gmail writes spaces and slashes in label names as '-'."""
        return "label:" + re.sub(r"[\s/]+", "-", self.label.strip())

    def messages(self, known: Collection[str] = ()) -> Iterator[InboxMessage]:
        """Every labelled message, oldest first; queued or oversized ones as their header only."""
        queued = known_ids(known)
        api = self._call(lambda: self.google.discovery("gmail", "v1", delegated=True), "connecting")
        messages = api.users().messages()
        # Oldest first, so queue numbers follow time like every other intake.
        for gmail_id in reversed(self._ids(messages)):
            meta = self._call(
                lambda gid=gmail_id: messages.get(
                    userId="me",
                    id=gid,
                    format="metadata",
                    # Authentication-Results too: trust is read from the same headers
                    # whichever source the message comes from (jobs/mail_text/trust.py).
                    metadataHeaders=[
                        "Message-ID",
                        "From",
                        "Subject",
                        "Date",
                        "Authentication-Results",
                    ],
                ).execute(),
                f"reading message {gmail_id}",
            )
            size = int(meta.get("sizeEstimate") or 0)
            headers = (meta.get("payload") or {}).get("headers") or []
            header = "".join(f"{h['name']}: {h['value']}\r\n" for h in headers).encode() + b"\r\n"
            if is_known(header_message_id(header), queued) or size > self.max_bytes:
                yield InboxMessage(f"gmail:{gmail_id}", header, size, complete=False)
                continue
            raw = self._call(
                lambda gid=gmail_id: messages.get(userId="me", id=gid, format="raw").execute(),
                f"reading message {gmail_id}",
            )
            data = base64.urlsafe_b64decode(str(raw.get("raw", "")) + "==")
            yield InboxMessage(f"gmail:{gmail_id}", data, max(size, len(data)))

    def _ids(self, messages: Any) -> list[str]:
        """The Gmail ids of the labelled messages, newest first as Gmail lists them."""
        ids: list[str] = []
        token: str | None = None
        while True:
            page = self._call(
                lambda t=token: messages.list(
                    userId="me", q=self.query(), maxResults=GMAIL_PAGE, pageToken=t
                ).execute(),
                "listing the label",
            )
            ids.extend(str(m["id"]) for m in page.get("messages", []) or [])
            token = page.get("nextPageToken")
            if not token:
                return ids

    def _call(self, request: Callable[..., Any], doing: str) -> Any:
        """One Gmail request; Google's refusals become an InputError with the fix."""
        with GoogleCall(
            doing,
            place=self.describe(),
            access_fix=ACCESS_FIX,
            token_fix=DELEGATION_FIX,
            fixes=dict.fromkeys(
                (400, 404),
                "check [inbox] label and backend.delegated_user; it is tried again next run",
            ),
            kind=InputError,
        ):
            return request()
