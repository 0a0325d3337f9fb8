"""The guide job: build the guide, compare it with the copy on disk, write it when it changed.

gather  (the shell) read the guide already on disk: jobs.guide.previous
plan    build the Guide, render guide.html and guide.md, return them only when
        they differ from what is on disk; the "generated" line keeps its old
        time when the content is unchanged
after   (the shell) publish the same Guide as a Google Doc, from GuidePlan.guide
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from jobs.base import Job, OutputFile, Plan, Report
from jobs.guide.document import Guide, section_hashes
from jobs.guide.html_page import render_html
from jobs.guide.markdown_page import render_markdown
from jobs.guide.previous import PreviousGuide
from jobs.guide.sections import build_guide
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings

HTML_NAME = "guide.html"
MARKDOWN_NAME = "guide.md"
TABS_READ = (
    "Goals",
    "Channels",
    "People",
    "Rota",
    "Absences",
    "Policies",
    "Feedback",
    "Program",
    "Sources",
    "Principles",
    "Reviews",
)


@dataclass(frozen=True, kw_only=True)
class GuidePlan(Plan):
    """A guide run's plan, with the guide it rendered: the shell publishes the Google Doc
    from it, so the Doc says what the files say without reading the tabs again."""

    guide: Guide


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> GuidePlan:
    """Build the guide; return its two files only if the content differs from what is on disk."""
    previous = inputs if isinstance(inputs, PreviousGuide) else PreviousGuide()
    guide, problems = build_guide(snapshot, now, settings)
    hashes = section_hashes(guide.sections)
    steady = bool(previous.hashes) and previous.hashes == hashes
    # Same content: the "generated" line keeps the time the content last changed.
    generated_at = previous.generated_at if steady and previous.generated_at else now
    if generated_at != now:
        guide = build_guide(snapshot, now, settings, generated_at=generated_at)[0]
    guide = dataclasses.replace(guide, generated_at=generated_at)
    html = render_html(guide)
    markdown = render_markdown(guide)
    if html == previous.html and markdown == previous.markdown:
        return GuidePlan(
            report=Report(
                counts={"unchanged": 1},
                lines=("unchanged: the guide's content is the same as the copy on disk",),
                problems=problems,
            ),
            guide=guide,
        )
    changed = _changed_titles(guide, hashes, previous)
    files = (
        OutputFile(HTML_NAME, html.encode("utf-8")),
        OutputFile(MARKDOWN_NAME, markdown.encode("utf-8")),
    )
    report = Report(
        counts={"sections_changed": len(changed), "files": len(files)},
        lines=_change_lines(guide, changed, previous),
        problems=problems,
    )
    return GuidePlan(files=files, report=report, guide=guide)


def _changed_titles(guide: Guide, hashes: Mapping[str, str], previous: PreviousGuide) -> list[str]:
    """The titles of sections whose fingerprint differs from the copy on disk, or that are gone."""
    titles = {s.anchor: s.title for s in guide.sections}
    changed = [titles[a] for a in hashes if previous.hashes.get(a) != hashes[a]]
    return changed + [previous.titles.get(a, a) for a in previous.hashes if a not in hashes]


def _change_lines(guide: Guide, changed: list[str], previous: PreviousGuide) -> tuple[str, ...]:
    if previous.html is None:
        return (f"new guide: {len(guide.sections)} sections",)
    if changed:
        return tuple(f"changed: {title}" for title in changed)
    return ("rewritten: same content, new layout or a missing file",)


JOB = Job(
    "guide",
    "Write the employee guide, Social media at <organisation>, as HTML and Markdown",
    TABS_READ,
    plan,
)
