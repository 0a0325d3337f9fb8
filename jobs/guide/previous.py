"""Reading back the guide already on disk, so plan() can tell whether anything changed.

guide.html records when it was generated and a fingerprint per section; the
shell reads the two files and hands their text to `previous_guide`, which
parses what jobs.guide.html_page wrote.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PreviousGuide:
    """The guide already on disk: its text, when it says it was generated, its section hashes."""

    html: str | None = None
    markdown: str | None = None
    generated_at: datetime | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)


_META_RE = re.compile(r'<meta name="chorus-generated-at" content="([^"]+)"')
_SECTION_RE = re.compile(r'<section id="([a-z0-9-]+)" data-hash="([0-9a-f]+)" data-title="([^"]*)"')


def _generated_at(page: str) -> datetime | None:
    """The page's generated-at time; None when missing, unreadable or without a zone."""
    m = _META_RE.search(page)
    if not m:
        return None
    try:
        generated = datetime.fromisoformat(m[1])
    except ValueError:
        return None
    return generated if generated.tzinfo is not None else None


def previous_guide(page: str | None, markdown: str | None) -> PreviousGuide:
    """Read back what render_html() wrote: generated-at and the hash of each section."""
    if page is None:
        return PreviousGuide(None, markdown)
    found = _SECTION_RE.findall(page)
    hashes = {anchor: digest for anchor, digest, _ in found}
    titles = {anchor: html.unescape(title) for anchor, _, title in found}
    return PreviousGuide(page, markdown, _generated_at(page), hashes, titles)
