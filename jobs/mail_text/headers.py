"""A message's headers read safely: Message-ID, date, addresses, and whether a machine wrote it.

A malformed header the parser chokes on reads as empty instead of failing
the whole message.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime


def parse_message(raw: bytes | Message) -> EmailMessage:
    """Raw RFC 822 bytes (or a parsed message) -> an EmailMessage with the modern API."""
    if isinstance(raw, EmailMessage):
        return raw
    data = raw.as_bytes() if isinstance(raw, Message) else raw
    return email.message_from_bytes(data, _class=EmailMessage, policy=email.policy.default)


def message_key(msg: EmailMessage) -> str:
    """The message's Message-ID in <...> form; without one, a stable hash of date, from and subject."""
    value = " ".join(header_text(msg, "Message-ID").split())
    if value:
        found = re.search(r"<[^<>\s]+>", value)
        token = found.group(0) if found else f"<{value.split()[0].strip('<>')}>"
        return token
    basis = "|".join(header_text(msg, h).strip() for h in ("Date", "From", "Subject"))
    return "hash:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:24]


def header_text(msg: Message, name: str) -> str:
    """A header's text, or '' when it is missing or malformed."""
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError):  # a malformed header the parser chokes on
        return ""
    return str(value) if value is not None else ""


def date_sent(msg: EmailMessage) -> datetime | None:
    """The Date header as an aware datetime, or None when it is missing, naive or unreadable."""
    try:
        when = parsedate_to_datetime(header_text(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def address(value: str) -> str:
    """'Name <addr>' (or whichever part is there) from a header or a forwarded 'From:' line."""
    value = re.sub(r"\[mailto:[^\]]*\]", "", value or "").strip().strip("*").strip()
    if not value:
        return ""
    pairs = getaddresses([value])
    name, addr = pairs[0] if pairs else ("", "")
    if "@" not in addr:
        return " ".join(value.split())
    return f"{name} <{addr}>" if name else addr


def is_automatic(msg: EmailMessage, subject: str) -> bool:
    """An out-of-office reply, a bounce or another machine-made answer."""
    auto = header_text(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if header_text(msg, "X-Autoreply") or header_text(msg, "X-Autorespond"):
        return True
    if header_text(msg, "Precedence").strip().lower() == "auto_reply":
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    return bool(
        re.match(
            r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|out of (?:the )?office|"
            r"undeliverable|delivery status notification|mail delivery failed)\b",
            subject,
            re.IGNORECASE,
        )
    )
