"""Mail that becomes a Mentions row: a network's notification, or a colleague's report.

The networks email the organisation's accounts when someone mentions,
comments, messages or tags them; ingest-inbox recognises that mail by its
(authenticated) sender domain ([inbox] notification_senders, with defaults in
jobs/network_names.py) and records network, kind, who, the words and the link
to answer. A colleague reports a mention by forwarding it with "Mention" (or
a word in [inbox] mention_words) leading the subject; the row then carries
Reported By. Either is recorded once: by the link to answer it, and by the
message's Message-ID in Origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.links import canonical_url
from jobs.mail_text.read import MailContent
from jobs.network_names import NETWORKS, web_domains
from sheets_schema.values import clean_text, format_datetime

SNIPPET_LIMIT = 500
ORIGIN_PREFIX = "mail:"

# What a notification is about, from its subject and first words (the networks' English wording).
_KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (
            r"\b(?:sent you a (?:new )?message|new messages?\b|messaged you|direct message|\bDM\b)",
            "Direct message",
        ),
        (r"\b(?:commented|replied|comment(?:s|ed)? on|new comments?\b|reply to)", "Comment"),
        (r"\btagged\b", "Tag"),
        (r"\b(?:mentioned|mention(?:s)? you|quoted)", "Mention"),
    )
)
_WHO = (
    re.compile(
        r"^(?P<who>.+?)\s+(?:\(@[^)]*\)\s+)?(?:has\s+)?(?:just\s+)?"
        r"(?:mentioned|commented|replied|tagged|sent|messaged|quoted)\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?:message|comment|reply) from (?P<who>.+?)(?:\s+on\s+\w+)?$", re.IGNORECASE),
)
_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)


def mention_kind(subject: str, text: str = "") -> str:
    """Direct message, Comment, Tag or Mention, from the words a notification uses."""
    for pattern, kind in _KINDS:
        if pattern.search(subject):
            return kind
    first = " ".join(text.split()[:40])
    for pattern, kind in _KINDS:
        if pattern.search(first):
            return kind
    return "Mention"


def author_of(subject: str) -> str:
    """Who wrote it, as the notification's subject names them ('' when it does not)."""
    subject = _PREFIX.sub("", subject).strip()
    for pattern in _WHO:
        found = pattern.search(subject)
        if found:
            return found.group("who").strip(" :-\"'")
    return ""


def reported_subject(subject: str, words: Sequence[str]) -> str | None:
    """The rest of a subject that leads with a mention word ('Fwd: Mention: x' -> 'x'), else None."""
    rest = _PREFIX.sub("", subject)
    for word in words:
        found = re.match(rf"\s*{re.escape(word)}\b\s*[:\-–]?\s*", rest, re.IGNORECASE)
        if found:
            return _PREFIX.sub("", rest[found.end() :]).strip()
    return None


def network_of_link(url: str) -> str:
    """The known network a link lives on ('' when none)."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    for network in NETWORKS:
        if any(host == d or host.endswith("." + d) for d in network.web_domains):
            return network.name
    return ""


def answer_link(content: MailContent, network: str) -> str:
    """The link to answer it: the first on the network's own site, else the first link."""
    domains = web_domains(network)
    for link in content.links:
        host = (urlsplit(link.url).hostname or "").lower()
        if any(host == d or host.endswith("." + d) for d in domains):
            return link.url
    return content.links[0].url if content.links else ""


def known_mentions(mentions: pd.DataFrame) -> tuple[set[str], set[str]]:
    """The canonical URLs and Message-IDs (case-folded) Mentions already holds."""
    urls = {canonical_url(u) for u in mentions["url"] if clean_text(u)}
    ids: set[str] = set()
    origins: Iterable[object] = mentions["origin"] if "origin" in mentions else ()
    for origin in origins:
        text = clean_text(origin)
        if text[: len(ORIGIN_PREFIX)].casefold() == ORIGIN_PREFIX:
            ids.add(text[len(ORIGIN_PREFIX) :].split(";", 1)[0].strip().casefold())
    return urls, ids


def _snippet(text: str) -> str:
    words = " ".join(text.split())
    return words if len(words) <= SNIPPET_LIMIT else words[: SNIPPET_LIMIT - 1].rstrip() + "…"


def notification_row(
    content: MailContent, network: str, key: str, now: datetime, tz: ZoneInfo
) -> dict[str, str]:
    """A network's notification email as a new Mentions row (without ID)."""
    when = min(content.sent_at, now) if content.sent_at else now
    return {
        "found_at": format_datetime(when, tz),
        "source": f"{network} notification",
        "kind": mention_kind(content.subject, content.text),
        "title": content.headline or content.subject,
        "snippet": _snippet(content.text),
        "url": answer_link(content, network),
        "status": "New",
        "network": network,
        "author": author_of(content.subject),
        "origin": f"{ORIGIN_PREFIX}{key}",
    }


def report_row(
    content: MailContent, title: str, reporter: str, key: str, now: datetime, tz: ZoneInfo
) -> dict[str, str]:
    """A colleague's forwarded mention as a new Mentions row (without ID), Reported By them."""
    when = min(content.sent_at, now) if content.sent_at else now
    link = content.links[0].url if content.links else ""
    network = network_of_link(link)
    words = "\n".join(part for part in (content.note, content.text) if part)
    return {
        "found_at": format_datetime(when, tz),
        "source": f"reported by {content.sender_name or reporter}",
        "kind": mention_kind(title, content.text),
        "title": title or content.headline or "(no subject)",
        "snippet": _snippet(words),
        "url": link,
        "status": "New",
        "network": network,
        "author": content.original_sender,
        "reported_by": reporter,
        "origin": f"{ORIGIN_PREFIX}{key}",
    }
