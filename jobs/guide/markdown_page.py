"""The guide as Markdown (guide.md), for wikis and repositories that show Markdown.

Sheet text is made inert (no emphasis, links, HTML, tables or headings come
from it); explicit `<a id>` anchors keep the contents links working whatever
slug rules the viewer uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jobs.guide.document import Block, Guide, ItemList, Link, Paragraph, Runs, Strong, safe_url
from sheets_schema.values import clean_text

_MD_ALWAYS = re.compile(r"([\\`*_\[\]<>|&~])")


def escape_markdown(text: str) -> str:
    """Sheet text made inert in Markdown: no emphasis, links, HTML, tables or headings from it."""
    text = " ".join(clean_text(text).split())
    text = _MD_ALWAYS.sub(r"\\\1", text)
    # Characters that only matter at the start of a line (headings, lists, quotes).
    return re.sub(r"^([#+\-=>]|\d+(?=[.)]))", r"\\\1", text)


def _md_url(url: str) -> str:
    return re.sub(r"[<>()\s]", lambda m: f"%{ord(m[0]):02X}", url)


def _md_runs(runs: Runs) -> str:
    out: list[str] = []
    for run in runs:
        text = run if isinstance(run, str) else run.text
        # escape_markdown trims, so keep the spaces that separate one run from the next
        lead = " " if text[:1].isspace() else ""
        tail = " " if text[-1:].isspace() and text.strip() else ""
        body = escape_markdown(text)
        if isinstance(run, Link) and safe_url(run.url):
            url = run.url if run.url.startswith("#") else f"<{_md_url(run.url)}>"
            body = f"[{body}]({url})"
        elif isinstance(run, Strong) and body:
            body = f"**{body}**"
        out.append(lead + body + tail)
    return "".join(out)


def _md_blocks(blocks: Iterable[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines += [_md_runs(block.runs), ""]
        elif isinstance(block, ItemList):
            for i, item in enumerate(block.items, start=1):
                lines.append(f"{i}. {_md_runs(item)}" if block.ordered else f"- {_md_runs(item)}")
            lines.append("")
        else:
            lines.append("| " + " | ".join(escape_markdown(h) for h in block.headers) + " |")
            lines.append("|" + "|".join("---" for _ in block.headers) + "|")
            for row in block.rows:
                lines.append("| " + " | ".join(_md_runs(cell) for cell in row) + " |")
            lines.append("")
    return lines


def render_markdown(guide: Guide) -> str:
    """The guide as Markdown: title, lead, contents, then each section and subsection."""
    lines = [
        f"# {escape_markdown(guide.title)}",
        "",
        escape_markdown(guide.lead),
        "",
        "## Contents",
        "",
    ]
    for section in guide.sections:
        lines.append(f"- [{escape_markdown(section.title)}](#{section.anchor})")
        for sub in section.subsections:
            lines.append(f"  - [{escape_markdown(sub.title)}](#{sub.anchor})")
    lines.append("")
    for section in guide.sections:
        lines += [f'<a id="{section.anchor}"></a>', "", f"## {escape_markdown(section.title)}", ""]
        lines += _md_blocks(section.blocks)
        for sub in section.subsections:
            lines += [f'<a id="{sub.anchor}"></a>', "", f"### {escape_markdown(sub.title)}", ""]
            lines += _md_blocks(sub.blocks)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
