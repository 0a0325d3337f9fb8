"""The demo's forwarded-mail inbox: inbox.toml's messages written as a Maildir.

Message-IDs, multipart boundaries and the tokens of tracking links come from a
seeded random stream, drawn message by message in the file's order.
"""

from __future__ import annotations

import mailbox
import os
import random
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime as rfc2822
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from automation.demo.firm import DOMAIN, TZ, days_ago, digits, email_of, read_toml, token

_HEX = "0123456789abcdef"
#: the demo firm's receiving mail server, as chorus.toml's [inbox] authserv_id names it
AUTHSERV_ID = f"mx.{DOMAIN}"


def _message_id(rng: random.Random, domain: str) -> str:
    return f"<{token(rng, 12, _HEX)}.{digits(rng, 6)}@{domain}>"


def inbox_messages(today: date, rng: random.Random) -> list[EmailMessage]:
    """Mail staff forwarded to the social media inbox in the last few days."""
    return [_message(entry, today, rng) for entry in read_toml("inbox.toml")["message"]]


def _message(entry: dict[str, Any], today: date, rng: random.Random) -> EmailMessage:
    """One inbox.toml message: its random values drawn first, then its own Message-ID."""

    def sent(when: dict[str, Any]) -> datetime:
        return days_ago(today, when["days_ago"], when["time"]).replace(tzinfo=TZ)

    values: dict[str, object] = {
        name: token(rng, length, _HEX) for name, length in entry.get("tokens", {}).items()
    }
    values.update({name: digits(rng, length) for name, length in entry.get("numbers", {}).items()})
    values.update({name: sent(when) for name, when in entry.get("dates", {}).items()})
    parent = _message_id(rng, DOMAIN) if entry.get("reply") else ""
    sender = str(entry["from"])
    if "<" not in sender:
        sender = f"{sender} <{email_of(sender)}>"
    msg = EmailMessage(policy=SMTP)
    # The firm's mail server's verdict, on top as a receiving server writes it.
    msg["Authentication-Results"] = authentication_results(sender, entry.get("auth", "pass"))
    msg["From"] = sender
    msg["To"] = f"social@{DOMAIN}"
    msg["Subject"] = entry["subject"]
    msg["Date"] = rfc2822(sent(entry))
    msg["Message-ID"] = _message_id(rng, sender.rsplit("@", 1)[-1].rstrip(">"))
    if "cc" in entry:
        msg["Cc"] = email_of(entry["cc"])
    if parent:
        msg["In-Reply-To"] = parent
        msg["References"] = parent
    text = str(entry["text"]).format_map(values)
    msg.set_content(text, charset="utf-8", cte=entry.get("transfer_encoding"))
    if "html" in entry:
        msg.add_alternative(str(entry["html"]).format_map(values), subtype="html")
        msg.set_boundary("000000000000" + token(rng, 16, _HEX))
    return msg


def authentication_results(sender: str, verdict: str) -> str:
    """The firm's receiving server's Authentication-Results for a sender (pass, or a forgery's fail)."""
    domain = sender.rsplit("@", 1)[-1].strip(" >").lower()
    dkim = "pass" if verdict == "pass" else "none"
    return (
        f"{AUTHSERV_ID}; dkim={dkim} header.d={domain}; spf={verdict} smtp.mailfrom={domain}; "
        f"dmarc={verdict} (p=quarantine dis=none) header.from={domain}"
    )


def write_maildir(folder: Path, messages: list[EmailMessage]) -> None:
    """Write a Maildir with stable file names, so rebuilding the demo gives the same files."""
    mailbox.Maildir(folder, create=True)  # makes cur/, new/, tmp/
    for n, msg in enumerate(messages):
        when = int(parsedate_to_datetime(msg["Date"]).timestamp())
        name = f"{when}.M{n + 1}P0Q0.greenfield-demo"
        tmp = folder / "tmp" / name
        tmp.write_bytes(msg.as_bytes(policy=SMTP))
        os.replace(tmp, folder / "new" / name)
