"""What is not the sender's own new words: the reply chain and the signature.

Quoted lines (">"), "On ... wrote:" (wrapped over two lines too), Outlook's
"-----Original Message-----" and "From: ... Sent: ..." blocks end the
content; a "-- " signature and "Sent from my iPhone"-style lines go.

Why not email-reply-parser, mail-parser-reply, talon or quotequail: tried
(0.5.12, 1.36, 1.4.4, 0.5.4) on the 12 messages of the tests' samples and
the demo inbox (4 forwards, 4 replies, 4 plain), against these rules:
- forwards are what staff send, and all four read a forward as a quote:
  email-reply-parser, mail-parser-reply and talon kept only the forwarder's
  note ("Worth a LinkedIn post?") and dropped the forwarded newsletter or
  press release (talon kept a Gmail forward whole, header block included);
  none of the three gives the original sender;
- quotequail.unwrap splits forwards with their headers, but took 2 of the 4
  replies (Outlook's underscore From/Sent block, the "RE: Re:" chain) for
  forwards and offered the quoted private text as the content (Chorus asks
  the subject first), and lost the body of both Gmail forwards;
- on replies all agreed with these rules (4 of 4); on signatures
  mail-parser-reply kept "-- Bob Baker ... Sent from my iPhone"; none drops
  a footer ("Unsubscribe: reply STOP", see footers.py);
- talon needs scikit-learn, scipy, numpy and lxml (about 220 MB), takes
  3.4 s to import and load its classifier, and was last released in 2017.
"""

from __future__ import annotations

import re

from jobs.mail_text.forwards import FORWARD_MARKER, ORIGINAL_MARKER, RULE, header_block_at
from jobs.mail_text.marks import LINK_MARK

_WROTE = re.compile(
    r"^\s*(?:on\b.*\bwrote|am\b.*\bschrieb.*|le\b.*\ba [ée]crit|el\b.*\bescribi[óo])\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:sent from my \w+.*|sent from (?:outlook|mail) for \w+.*|get outlook for \w+.*|"
    r"sent from yahoo mail.*|sent via .*mobile.*)\s*$",
    re.IGNORECASE,
)


def strip_reply(text: str) -> str:
    """The text before the reply chain: quoted lines and everything after a reply marker go."""
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        plain = LINK_MARK.sub("", line)
        two = plain + " " + LINK_MARK.sub("", lines[i + 1]) if i + 1 < len(lines) else plain
        if (
            _WROTE.match(plain)
            or (
                plain.strip().lower().startswith(("on ", "am ", "le ", "el ")) and _WROTE.match(two)
            )
            or ORIGINAL_MARKER.match(plain)
            or FORWARD_MARKER.match(plain)
            or (
                RULE.match(plain)
                and any(header_block_at(lines, j) for j in (i + 1, i + 2) if j < len(lines))
            )
            or header_block_at(lines, i)
        ):
            break
        if plain.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def drop_signature(text: str) -> str:
    """The text above a "-- " signature, without "Sent from my iPhone"-style lines."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line in ("-- ", "--") and i > 0:
            lines = lines[:i]
            break
    return "\n".join(line for line in lines if not _SIGNATURE_LINE.match(line))
