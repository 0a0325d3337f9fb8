"""One IMAP folder as an inbox source, over verified TLS and strictly read-only.

The folder is opened with EXAMINE and read with BODY.PEEK, so no message gets
\\Seen: people reading the same mailbox see what is new to them. A first
FETCH lists every message's UID, size and header; bodies are then fetched in
batches, only for messages that fit [inbox] max_bytes and are not queued yet.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from collections.abc import Collection, Iterator
from typing import Any

from automation.inbox.base import header_message_id, is_known, known_ids
from jobs.ingest_inbox import InboxMessage
from sheets_schema.errors import InputError

#: seconds an IMAP connection may wait for the server before giving up
IMAP_TIMEOUT = 30.0
#: messages fetched per IMAP FETCH command (bounded response size)
IMAP_BATCH = 25

# imaplib strips "* " and "FETCH": each message's data starts "<seq> (".
_FETCH_META = re.compile(rb"^\s*(\d+)\s+(?:FETCH\s+)?\(", re.IGNORECASE)
_UID = re.compile(rb"\bUID\s+(\d+)", re.IGNORECASE)
_SIZE = re.compile(rb"\bRFC822\.SIZE\s+(\d+)", re.IGNORECASE)


class ImapSource:
    """One IMAP folder over TLS, opened read-only (EXAMINE) and read with BODY.PEEK."""

    def __init__(
        self,
        host: str,
        port: int,
        folder: str,
        user: str,
        password: str,
        *,
        max_bytes: int,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = IMAP_TIMEOUT,
    ) -> None:
        self.host, self.port, self.folder, self.user = host, port, folder, user
        self._password = password
        self.max_bytes = max_bytes
        # The system's trusted CAs with hostname checks; tests pass a context trusting their cert.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"ImapSource({self.describe()})"

    def describe(self) -> str:
        """The account and folder read, for reports (never the password)."""
        return f"IMAP {self.user}@{self.host}:{self.port}/{self.folder}"

    def messages(self, known: Collection[str] = ()) -> Iterator[InboxMessage]:
        """Every message in the folder; queued or oversized ones as their header only."""
        queued = known_ids(known)
        place = f"IMAP {self.host}:{self.port} folder {self.folder!r}"
        conn = self._connect(place)
        try:
            uidvalidity = self._examine(conn, place)
            listing = self._fetch(conn, "1:*", "(UID RFC822.SIZE BODY.PEEK[HEADER])", place)
            wanted = [
                uid
                for uid, size, header in listing
                if size <= self.max_bytes and not is_known(header_message_id(header), queued)
            ]
            bodies: dict[int, bytes] = {}
            for start in range(0, len(wanted), IMAP_BATCH):
                chunk = ",".join(str(u) for u in wanted[start : start + IMAP_BATCH])
                for uid, _size, body in self._fetch(conn, chunk, "(UID BODY.PEEK[])", place):
                    bodies[uid] = body
        finally:
            try:
                conn.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
        for uid, size, header in listing:
            source_id = f"imap:{self.host}/{self.folder}/{uidvalidity}:{uid}"
            if uid in bodies:
                yield InboxMessage(source_id, bodies[uid], max(size, len(bodies[uid])))
            else:
                yield InboxMessage(source_id, header, size, complete=False)

    def _connect(self, place: str) -> imaplib.IMAP4_SSL:
        try:
            conn = imaplib.IMAP4_SSL(
                self.host, self.port, ssl_context=self.ssl_context, timeout=self.timeout
            )
        except ssl.SSLCertVerificationError as exc:
            raise InputError(
                f"the server's TLS certificate was not trusted ({exc.verify_message})",
                place=place,
                fix="check [inbox] host is the name on the server's certificate; a self-signed "
                "certificate must be added to the system's trusted certificates (SSL_CERT_FILE)",
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            reason = "timed out" if isinstance(exc, (TimeoutError, socket.timeout)) else str(exc)
            raise InputError(
                f"could not connect ({reason})",
                place=place,
                fix="check [inbox] host and port (IMAP over TLS is usually port 993) and that "
                "the network lets Chorus reach it",
            ) from None
        try:
            conn.login(self.user, self._password)
        except (imaplib.IMAP4.error, OSError) as exc:
            try:
                conn.shutdown()
            except OSError:
                pass
            raise InputError(
                f"the server refused the login for {self.user} ({_imap_text(exc)})",
                place=place,
                fix="check [inbox] user and the password in the environment variable named by "
                "[inbox] password_env; providers such as Google and Microsoft need an app "
                "password or IMAP enabled for the account",
            ) from None
        return conn

    def _examine(self, conn: imaplib.IMAP4_SSL, place: str) -> str:
        try:
            typ, data = conn.select(quote_mailbox(self.folder), readonly=True)
        except (imaplib.IMAP4.error, OSError) as exc:
            typ, data = "NO", [str(exc).encode()]
        if typ != "OK":
            raise InputError(
                f"the folder could not be opened ({_imap_text(data)})",
                place=place,
                fix="check [inbox] folder (e.g. INBOX, or the folder staff forward to)",
            )
        try:
            validity = conn.response("UIDVALIDITY")[1]
        except (imaplib.IMAP4.error, OSError):
            validity = [None]
        value = validity[0] if validity else None
        return value.decode() if isinstance(value, bytes) else "0"

    def _fetch(
        self, conn: imaplib.IMAP4_SSL, which: str, items: str, place: str
    ) -> list[tuple[int, int, bytes]]:
        """(uid, size, literal) per message of a UID FETCH; an empty folder gives []."""
        if which == "1:*":
            try:
                typ, data = conn.uid("SEARCH", "ALL")
            except (imaplib.IMAP4.error, OSError) as exc:
                raise self._failed(place, exc) from None
            if typ != "OK" or not data or not (data[0] or b"").split():
                return []
        try:
            typ, data = conn.uid("FETCH", which, items)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise self._failed(place, exc) from None
        if typ != "OK":
            raise self._failed(place, _imap_text(data))
        out: list[tuple[int, int, bytes]] = []
        current: list[Any] | None = None
        for part in data:
            # imaplib gives (b'n (UID .. {len}', literal) tuples, then b')' or b' UID n)'.
            if isinstance(part, tuple):
                meta, literal = part[0], part[1]
                if _FETCH_META.match(meta):
                    current = [meta, literal]
                    out.append((0, 0, b""))
                    self._store(out, current)
                elif current is not None:
                    current[0] += meta
                    self._store(out, current)
            elif isinstance(part, bytes) and current is not None:
                current[0] += part
                self._store(out, current)
        return [row for row in out if row[0]]

    @staticmethod
    def _store(out: list[tuple[int, int, bytes]], current: list[Any]) -> None:
        meta, literal = current
        uid = _UID.search(meta)
        size = _SIZE.search(meta)
        out[-1] = (
            int(uid.group(1)) if uid else 0,
            int(size.group(1)) if size else len(literal or b""),
            literal or b"",
        )

    def _failed(self, place: str, exc: object) -> InputError:
        return InputError(
            f"reading the folder failed ({_imap_text(exc)})",
            place=place,
            fix="it is tried again next run; if it keeps failing, check the server",
        )


def _imap_text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value if v)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:200] or "no reason given"


def quote_mailbox(name: str) -> str:
    """A folder name as an IMAP astring: modified UTF-7 for non-ASCII, quoted when needed."""
    encoded = _modified_utf7(name)
    if re.fullmatch(r"[A-Za-z0-9_.\-/&+,]+", encoded):
        return encoded
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _modified_utf7(name: str) -> str:
    """RFC 3501 mailbox-name encoding: '&' is '&-', other non-ASCII runs are '&base64-'."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    return "".join(out)
