"""The guide's "Our principles": the organisation's thinking about social media, from the
Principles tab, in its own words. With the tab empty, a short default says where to write it."""

from __future__ import annotations

from jobs.guide.context import rows_of, slug, unique_anchor
from jobs.guide.document import Block, Paragraph, Section, Subsection
from sheets_schema.records import Snapshot


def principles(snapshot: Snapshot) -> Section:
    """Each principle as a short subsection: its heading and statement."""
    taken = {"principles"}
    subsections = tuple(
        Subsection(
            row["principle"],
            unique_anchor(f"principles-{slug(row['principle'])}", taken),
            (Paragraph((row["statement"] or "(Not written yet.)",)),),
        )
        for _, row in rows_of(snapshot.get_or_empty("Principles"))
        if row["principle"]
    )
    intro: tuple[Block, ...] = (
        Paragraph(
            ("Why we take part in social media, and what we expect of it and of ourselves.",)
        ),
    )
    if not subsections:
        intro += (
            Paragraph(
                (
                    "Our principles are not written down yet; the policy owner keeps them in the "
                    "programme's spreadsheet.",
                )
            ),
        )
    return Section("Our principles", "principles", intro, subsections)
