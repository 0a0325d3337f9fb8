"""The marked text every rule of this package reads: a message's text with its links marked.

A link's place in the text is a private-use mark (U+E000, n, U+E001, n its
index in the message's link list) and an HTML blockquote's start and end are
marks too, so the reply rules can treat it as "> " lines. The rules cut and
reorder lines without losing which link sat where; `resolve_links` (links.py)
finally turns the marks back into text and a ranked list of links.
"""

from __future__ import annotations

import re

# Private-use characters: a link's place in the text (\ue000<n>\ue001) and the
# start and end of an HTML blockquote, so the text rules can treat it as "> " lines.
LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"
QUOTE_OPEN, QUOTE_CLOSE = "\ue002", "\ue003"
LINK_MARK = re.compile(f"{LINK_OPEN}(\\d+){LINK_CLOSE}")

_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'\]\[{}|\\^`]+", re.IGNORECASE)


def link_mark(number: int) -> str:
    """The mark standing for link `number` of the message's link list."""
    return f"{LINK_OPEN}{number}{LINK_CLOSE}"


def mark_plain_links(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Plain text with each URL replaced by a link mark (its label filled in later)."""
    links: list[tuple[str, str]] = []

    def mark(match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:!?)")
        tail = match.group(0)[len(url) :]
        links.append((url, ""))
        return f"{link_mark(len(links) - 1)}{tail}"

    return _URL_IN_TEXT.sub(mark, normalise(text)), links


def normalise(text: str) -> str:
    """Newlines as \\n, no-break spaces as spaces, invisible characters gone, no trailing blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\xa0", " ").replace("\u200b", "").replace("\u200c", "")
    text = text.replace("\ufeff", "").replace("\u034f", "").replace("\xad", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))


def tidy(text: str) -> str:
    """Whitespace runs as one space, no blank line twice or at either end."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def visible(text: str) -> str:
    """The text without its link marks."""
    return LINK_MARK.sub("", text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"
