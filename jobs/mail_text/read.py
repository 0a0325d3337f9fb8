"""One message read into a MailContent: the steps of this package put together.

A forward gives its forwarded message as the content and the forwarder's own
words as the note; a reply keeps only the newest words; a message forwarded
as an attachment (message/rfc822) is read as the forwarded content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import parseaddr
from typing import NamedTuple

from jobs.mail_text.footers import drop_footer
from jobs.mail_text.forwards import (
    FORWARD_WORDS,
    headline_from_subject,
    prefixes,
    split_forward,
)
from jobs.mail_text.headers import (
    address,
    date_sent,
    header_text,
    is_automatic,
    message_key,
    parse_message,
)
from jobs.mail_text.html_text import html_to_marked_text
from jobs.mail_text.links import MailLink, resolve_links
from jobs.mail_text.marks import mark_plain_links, shorten, tidy, visible
from jobs.mail_text.replies import drop_signature, strip_reply

NOTE_LIMIT = 600
HEADLINE_LIMIT = 200
#: forwards of forwards are followed this deep
FORWARD_DEPTH = 4


@dataclass(frozen=True)
class MailContent:
    """What ingest-inbox needs from one message, already cleaned."""

    message_id: str
    sender: str
    sender_name: str
    sent_at: datetime | None
    subject: str
    headline: str
    note: str
    text: str
    links: tuple[MailLink, ...]
    forwarded: bool
    original_sender: str
    attachments: tuple[str, ...]
    automatic: bool

    @property
    def empty(self) -> bool:
        """Nothing to queue: no text and no link."""
        return not self.text.strip() and not self.links


class _Unwrapped(NamedTuple):
    """A body split at its forward blocks (or not at all)."""

    note: str
    content: str
    original: str
    inner_subject: str
    forwarded: bool


def read_message(raw: bytes | Message) -> MailContent:
    """Headline, note, readable text, main links and the original sender of one message."""
    msg = parse_message(raw)
    sender_name, sender = parseaddr(header_text(msg, "From"))
    subject = " ".join(header_text(msg, "Subject").split())
    body, links, attachments, attached = _body_of(msg)
    if attached is not None and not visible(body).strip():
        # Forwarded as an attachment: the attached message is the content.
        inner = read_message(attached)
        return MailContent(
            message_id=message_key(msg),
            sender=sender.lower(),
            sender_name=sender_name,
            sent_at=date_sent(msg),
            subject=subject,
            headline=headline_from_subject(subject) or inner.headline,
            note="",
            text=inner.text,
            links=inner.links,
            forwarded=True,
            original_sender=address(header_text(attached, "From")),
            attachments=attachments + inner.attachments,
            automatic=is_automatic(msg, subject),
        )
    parts = _unwrap(body, subject)
    content = drop_footer(drop_signature(strip_reply(parts.content)))
    text, main = resolve_links(content, links)
    note_text, note_links = resolve_links(drop_footer(parts.note), links)
    seen = {link.url for link in main}
    main += tuple(link for link in note_links if link.url not in seen)
    headline = headline_from_subject(subject) or headline_from_subject(parts.inner_subject)
    if not headline:
        headline = next((line for line in text.splitlines() if line.strip()), "")
    return MailContent(
        message_id=message_key(msg),
        sender=sender.lower(),
        sender_name=sender_name,
        sent_at=date_sent(msg),
        subject=subject,
        headline=shorten(headline, HEADLINE_LIMIT),
        note=shorten(" ".join(note_text.split()), NOTE_LIMIT),
        text=text,
        links=main,
        forwarded=parts.forwarded,
        original_sender=address(parts.original),
        attachments=attachments,
        automatic=is_automatic(msg, subject),
    )


def _unwrap(body: str, subject: str) -> _Unwrapped:
    """The forwarder's note and the forwarded content, following forwards of forwards.

    A subject saying Fwd: lets Outlook's "Original Message" and "From:/Sent:"
    blocks count as a forward; a Re: subject is a reply and is not unwrapped.
    """
    words = [m.group("word").lower() for m in prefixes(subject)]
    forwarded_by_subject = bool(words) and words[0] in FORWARD_WORDS
    note, content, original, inner_subject = "", body, "", ""
    forwarded = False
    if not words or words[0] != "re" or forwarded_by_subject:
        split = split_forward(body, strict=not forwarded_by_subject)
        depth = 0
        while split is not None and depth < FORWARD_DEPTH:
            before, headers, after = split
            if depth == 0:
                note = tidy(drop_signature(strip_reply(before)))
            original = headers.get("from", original)
            inner_subject = headers.get("subject", inner_subject)
            content, forwarded, depth = after, True, depth + 1
            split = split_forward(after, strict=True, leading_only=True)
    return _Unwrapped(note, content, original, inner_subject, forwarded)


def html_to_text(html: str) -> str:
    """HTML -> readable text: blocks on their own lines, lists as '- ', links by their text."""
    text, _links = html_to_marked_text(html)
    rendered, _main = resolve_links(text, _links)
    return rendered


def _body_of(
    msg: EmailMessage,
) -> tuple[str, list[tuple[str, str]], tuple[str, ...], EmailMessage | None]:
    """The marked text of the preferred body part, its links, attachment names, an attached message."""
    part = msg.get_body(preferencelist=("html", "plain"))
    text, links = "", []  # type: tuple[str, list[tuple[str, str]]]
    if part is not None:
        content = _decoded(part)
        if part.get_content_subtype() == "html":
            text, links = html_to_marked_text(content)
        else:
            text, links = mark_plain_links(content)
    names: list[str] = []
    attached: EmailMessage | None = None
    if msg.is_multipart():
        for item in msg.iter_attachments():
            if item.get_content_type() == "message/rfc822" and attached is None:
                inner = item.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    attached = parse_message(inner[0])
                elif isinstance(inner, Message):
                    attached = parse_message(inner)
                continue
            name = item.get_filename()
            if name:
                names.append(" ".join(str(name).split()))
    return text, links, tuple(names), attached


def _decoded(part: Message) -> str:
    """A body part's text, decoded as well as its charset allows."""
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # an EmailMessage part
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)
