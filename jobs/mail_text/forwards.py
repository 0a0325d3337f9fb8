"""Where a forwarded message starts: subject prefixes and forwarded header blocks.

A forward says so in its subject (Fwd:/FW:/WG:/TR:) or with a "Forwarded
message" block; Outlook writes "-----Original Message-----" or a
"From: ... Sent: ..." block. The header block gives the original sender and
subject; the markers are known in English, German, French and Spanish.
(Why this is not a reply-parsing library: see replies.py.)
"""

from __future__ import annotations

import re

from jobs.mail_text.marks import LINK_MARK

_PREFIX = re.compile(
    r"^\s*(?:\[(?:ext|external)\]\s*)?"
    r"(?P<word>fwd?|fw|re|aw|wg|tr|sv|vs|rv)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
FORWARD_WORDS = {"fwd", "fw", "wg", "tr", "vs", "rv"}

FORWARD_MARKER = re.compile(
    r"^\s*(?:[-_=*\s]*(?:forwarded message|forwarded e-?mail|weitergeleitete nachricht|"
    r"message transf[ée]r[ée]|mensaje reenviado)[-_=*\s:]*"
    r"|begin forwarded message:?|anfang der weitergeleiteten nachricht:?)\s*$",
    re.IGNORECASE,
)
ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|message d'origine|"
    r"mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_LINE = re.compile(
    r"^\s*\**\s*(?P<key>from|sent|date|to|cc|bcc|subject|reply-to|von|gesendet|datum|an|"
    r"betreff|de|envoy[ée]|[àa]|objet|para|asunto|enviado)\s*\**\s*:\s*\**\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FROM_KEYS = {"from", "von", "de"}
_SUBJECT_KEYS = {"subject", "betreff", "objet", "asunto"}
_WHEN_KEYS = {"sent", "date", "gesendet", "datum", "envoyé", "envoye", "enviado"}


def headline_from_subject(subject: str) -> str:
    """The subject without Fwd:/FW:/Re:/AW:/WG:/TR: prefixes (repeated) or [EXTERNAL] tags."""
    text = " ".join(str(subject or "").split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        stripped = re.sub(r"^\s*\[(?:ext|external)\]\s*", "", stripped, flags=re.IGNORECASE)
        if stripped == text:
            return text.strip()
        text = stripped


def prefixes(subject: str) -> list[re.Match[str]]:
    """Each Re:/Fwd:-style prefix at the start of a subject, outermost first."""
    found: list[re.Match[str]] = []
    text = subject
    while True:
        match = _PREFIX.match(text)
        if not match:
            return found
        found.append(match)
        text = text[match.end() :]


def split_forward(
    text: str, *, strict: bool, leading_only: bool = False
) -> tuple[str, dict[str, str], str] | None:
    """(text before, forwarded headers, forwarded text) at the first forward block, or None.

    `strict`: only an explicit "Forwarded message" marker counts (the subject did
    not say Fwd); otherwise Outlook's "Original Message" and "From:/Sent:" blocks
    count too. `leading_only`: the block must come before any other text (a
    forward of a forward).
    """
    lines = text.split("\n")
    for i, line in enumerate(lines):
        plain = LINK_MARK.sub("", line)
        start = None
        if FORWARD_MARKER.match(plain):
            start = i + 1
        elif not strict and (ORIGINAL_MARKER.match(plain) or RULE.match(plain)):
            start = i + 1
        elif not strict and header_block_at(lines, i):
            start = i
        if start is not None:
            headers, end = _read_headers(lines, start)
            if headers or FORWARD_MARKER.match(plain):
                return "\n".join(lines[:i]), headers, "\n".join(lines[end:])
        if leading_only and plain.strip():
            return None
    return None


def header_block_at(lines: list[str], i: int) -> bool:
    """A 'From: ...' line followed closely by 'Sent:'/'Date:' (Outlook's reply and forward block)."""
    match = _HEADER_LINE.match(LINK_MARK.sub("", lines[i]))
    if not match or match.group("key").lower() not in _FROM_KEYS:
        return False
    for follow in lines[i + 1 : i + 4]:
        nxt = _HEADER_LINE.match(LINK_MARK.sub("", follow))
        if nxt and nxt.group("key").lower() in _WHEN_KEYS:
            return True
    return False


def _read_headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The 'Key: value' block from `start` (blank lines before it skipped) -> headers, next line."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    headers: dict[str, str] = {}
    last = ""
    while i < len(lines):
        plain = LINK_MARK.sub(lambda m: "", lines[i]).strip()
        if not plain:
            break
        match = _HEADER_LINE.match(plain)
        if match:
            last = match.group("key").lower()
            key = (
                "from"
                if last in _FROM_KEYS
                else "subject"
                if last in _SUBJECT_KEYS
                else "date"
                if last in _WHEN_KEYS
                else last
            )
            headers.setdefault(key, match.group("value").strip().strip("*").strip())
        elif not last:
            break
        # else: a wrapped To:/Cc: line, part of the block
        i += 1
    return headers, i
