"""Newsletter footers: unsubscribe, preferences, "view in browser", copyright and the like.

A footer is the short tail of a message: from a footer line there, the rest
goes; the same words further up (a "view in browser" line at the top) drop
only their own line. Link labels with these words are never main links.
"""

from __future__ import annotations

import re

from jobs.mail_text.marks import LINK_MARK

FOOTER_PATTERN = re.compile(
    r"unsubscrib|opt[ -]?out\b|update (?:your )?(?:subscription |email |mailing )?preferences|"
    r"manage (?:your )?(?:email |mailing |subscription )?(?:preferences|subscriptions?|settings)|"
    r"(?:email|mailing|subscription) preferences|"
    r"view (?:this |the )?(?:email|e-mail|message|newsletter|it)? ?(?:in (?:your |a )?(?:web )?browser|"
    r"online|as a web ?page)|having trouble (?:viewing|reading)|"
    r"you(?:'re| are) receiving this|you received this (?:e-?mail|message|newsletter)|"
    r"this (?:e-?mail|message) was sent to|why (?:did|am) i (?:get|receiving) this|"
    r"add us to your address book|forward (?:this (?:e-?mail )?)?to a friend|"
    r"our mailing address is|all rights reserved|no longer wish to receive|"
    r"copyright\s*(?:©|\(c\))|©\s*\d{4}|\(c\)\s*\d{4}",
    re.IGNORECASE,
)
#: a footer is the short tail of a message; a matching line further up is dropped alone
FOOTER_TAIL_CHARS = 1200


def drop_footer(text: str) -> str:
    """Footer lines go; from a footer line in the short tail, everything after it goes too."""
    lines = text.split("\n")
    total = len(LINK_MARK.sub("", text).strip())
    kept: list[str] = []
    for i, line in enumerate(lines):
        plain = LINK_MARK.sub("", line)
        if FOOTER_PATTERN.search(plain) and len(plain) <= 300:
            rest = "\n".join(LINK_MARK.sub("", x) for x in lines[i:]).strip()
            # The tail of the message, not a "view in browser" line at its top.
            if len(rest) <= FOOTER_TAIL_CHARS and len(rest) * 2 < total:
                while kept and (not kept[-1].strip() or re.fullmatch(r"[\s\-_=*|~·•]+", kept[-1])):
                    kept.pop()
                break
            continue
        kept.append(line)
    return "\n".join(kept)
