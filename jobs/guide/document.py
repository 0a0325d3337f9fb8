"""The employee guide as plain data: the document model that plan() builds and every renderer reads.

The same `Guide` becomes guide.html, guide.md and the Google Doc, so what the
guide says is decided once, here and in the section builders, and each
renderer only decides how it looks.

The field `kind` on the inline and block types, their names and field order
are part of each section's fingerprint (`section_hashes` hashes their repr),
which guide.html records: changing them makes every guide on disk read as
changed once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sheets_schema.values import is_http_url, parse_email


@dataclass(frozen=True)
class Link:
    """A link inside text; `url` is http(s), mailto: or a #anchor in the guide."""

    text: str
    url: str
    kind: str = field(default="link", init=False)


@dataclass(frozen=True)
class Strong:
    """Text shown in bold (a label such as "When we post:")."""

    text: str
    kind: str = field(default="strong", init=False)


Inline = str | Link | Strong
Runs = tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of runs; `volatile` marks text that may change without the content changing."""

    runs: Runs
    volatile: bool = False
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class ItemList:
    """A bulleted (or numbered, when `ordered`) list; each item is a tuple of runs."""

    items: tuple[Runs, ...]
    ordered: bool = False
    kind: str = field(default="list", init=False)


@dataclass(frozen=True)
class Table:
    """A table with a header row; each cell is a tuple of runs."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]
    kind: str = field(default="table", init=False)


Block = Paragraph | ItemList | Table


@dataclass(frozen=True)
class Subsection:
    """A titled part of a section, with its own anchor (listed in the table of contents)."""

    title: str
    anchor: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Section:
    """One of the guide's five sections: intro blocks, then subsections."""

    title: str
    anchor: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Guide:
    """The whole guide: what plan() renders to files and the shell publishes as a Google Doc."""

    title: str
    lead: str
    sections: tuple[Section, ...]
    generated_at: datetime


def safe_url(url: str) -> bool:
    """Links the guide may carry: http(s), mailto: with a valid address, or a #anchor."""
    if re.fullmatch(r"#[a-z0-9-]+", url):
        return True
    if url.lower().startswith("mailto:"):
        try:
            parse_email(url[7:])
        except ValueError:
            return False
        return True
    return is_http_url(url)


def _steady(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    return tuple(b for b in blocks if not (isinstance(b, Paragraph) and b.volatile))


def section_hashes(sections: Iterable[Section]) -> dict[str, str]:
    """A fingerprint per section anchor, ignoring volatile text (the generated-at line)."""
    hashes: dict[str, str] = {}
    for section in sections:
        stable = dataclasses.replace(
            section,
            blocks=_steady(section.blocks),
            subsections=tuple(
                dataclasses.replace(s, blocks=_steady(s.blocks)) for s in section.subsections
            ),
        )
        hashes[section.anchor] = hashlib.sha256(repr(stable).encode()).hexdigest()[:16]
    return hashes
