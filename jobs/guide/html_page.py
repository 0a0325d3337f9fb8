"""The guide as one standalone HTML page (guide.html): no external assets, no JavaScript.

Rendered here in plain Python rather than through a template: plan() compares
the page byte for byte with the copy on disk to decide whether to write, so
the rendering belongs to the pure job, and a job reads no files (a template
would be a file from the shell's package and a second Jinja environment beside
the mail layer's). Every piece of sheet text and every attribute goes through
`escape`, which escapes as Jinja's autoescape does, and links are checked
again with `safe_url` here.

The page records its generated-at time and each section's fingerprint
(`data-hash`), which jobs.guide.previous reads back on the next run.
"""

from __future__ import annotations

from collections.abc import Iterable

from jobs.guide.document import (
    Block,
    Guide,
    ItemList,
    Paragraph,
    Runs,
    Section,
    Strong,
    safe_url,
    section_hashes,
)

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def escape(text: str) -> str:
    """Text safe in HTML content and in a double-quoted attribute (the same five characters,
    with the same entities, as Jinja's autoescape)."""
    return text.translate(_ESCAPES)


_STYLE = """<style>
  :root { --ink: #1d2329; --muted: #5b6570; --rule: #d8dde2; --accent: #1f5f99; --wash: #f4f6f8; }
  * { box-sizing: border-box; }
  html { font-size: 100%; }
  body {
    margin: 0; color: var(--ink); background: #fff;
    font-family: "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, sans-serif;
    line-height: 1.6; font-size: 1.0625rem;
  }
  main { max-width: 44rem; margin: 0 auto; padding: 2.5rem 1.25rem 4rem; }
  h1 { font-size: 2.1rem; line-height: 1.2; margin: 0 0 .75rem; }
  h2 { font-size: 1.5rem; line-height: 1.25; margin: 2.75rem 0 .75rem; padding-top: .5rem; border-top: 2px solid var(--rule); }
  h3 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
  p, ul, ol { margin: 0 0 .9rem; }
  li { margin-bottom: .35rem; }
  a { color: var(--accent); text-underline-offset: 2px; overflow-wrap: anywhere; }  /* only links may break anywhere */
  a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  .lead { font-size: 1.15rem; color: var(--muted); }
  nav.contents { background: var(--wash); border-radius: 6px; padding: 1rem 1.25rem; margin: 1.5rem 0 2rem; }
  nav.contents h2 { border: 0; margin: 0 0 .5rem; padding: 0; font-size: 1.1rem; }
  nav.contents ol { margin: 0; padding-left: 1.25rem; }
  nav.contents ol ol { list-style: none; padding-left: .75rem; font-size: .95rem; }
  nav.contents li { margin: .15rem 0; }
  section, .subsection { scroll-margin-top: 1rem; }
  .table { overflow-x: auto; margin: 0 0 1rem; }
  table { border-collapse: collapse; width: 100%; font-size: .95em; }
  th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--rule); }
  th { background: var(--wash); font-weight: 600; }
  @media (max-width: 600px) {
    /* on a phone each table row stacks into labelled lines: nothing scrolls sideways */
    .table table, .table tbody, .table tr, .table td { display: block; width: auto; }
    .table thead { display: none; }
    .table tr { border-bottom: 1px solid var(--rule); padding: .4rem 0; }
    .table td { border: 0; padding: .1rem 0; }
    .table td:not(:first-child)::before { content: attr(data-label) ": "; color: var(--muted); }
  }
  .generated { color: var(--muted); }
  .address { display: none; }
  @media print {
    @page { margin: 18mm 16mm; }
    body { font-size: 10.5pt; line-height: 1.45; color: #000; }
    main { max-width: none; padding: 0; }
    nav.contents { background: none; border: 1px solid #999; break-after: page; }
    h2 { border-top: 0; margin-top: 1.5rem; }
    h2, h3 { break-after: avoid; }
    table, tr, li, p { break-inside: avoid; }
    th { background: #eee; }
    a { color: #000; text-decoration: none; }
    a[href^="http"]::after { content: " <" attr(href) ">"; font-size: 85%; color: #444; word-break: break-all; }
    .address { display: inline; font-size: 85%; color: #444; }
  }
</style>
"""


def _runs(runs: Runs) -> str:
    out: list[str] = []
    for run in runs:
        if isinstance(run, str):
            out.append(escape(run))
        elif isinstance(run, Strong):
            out.append(f"<strong>{escape(run.text)}</strong>")
        elif safe_url(run.url):
            out.append(f'<a href="{escape(run.url)}">{escape(run.text)}</a>')
            address = run.url[7:]
            # In print the address shows after the name (hidden on screen by the stylesheet).
            if run.url.startswith("mailto:") and run.text != address:
                out.append(f'<span class="address"> &lt;{escape(address)}&gt;</span>')
        else:
            out.append(escape(run.text))
    return "".join(out)


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        generated = ' class="generated"' if block.volatile else ""
        return f"<p{generated}>{_runs(block.runs)}</p>\n"
    if isinstance(block, ItemList):
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"  <li>{_runs(item)}</li>\n" for item in block.items)
        return f"<{tag}>\n{items}</{tag}>\n"
    headers = "".join(f'<th scope="col">{escape(header)}</th>' for header in block.headers)
    labels = [escape(header) for header in block.headers]
    rows = "".join(
        "    <tr>"
        + "".join(
            f'<td data-label="{labels[n] if n < len(labels) else ""}">{_runs(cell)}</td>'
            for n, cell in enumerate(row)
        )
        + "</tr>\n"
        for row in block.rows
    )
    return (
        '<div class="table"><table>\n'
        f"  <thead><tr>{headers}</tr></thead>\n"
        "  <tbody>\n"
        f"{rows}"
        "  </tbody>\n"
        "</table></div>\n"
    )


def _blocks(blocks: Iterable[Block]) -> str:
    # A blank line after each run of blocks, as the page has always had.
    return "".join(_block(block) for block in blocks) + "\n"


def _contents(sections: Iterable[Section]) -> str:
    lines = [
        '<nav class="contents" aria-labelledby="contents-title">',
        '<h2 id="contents-title">Contents</h2>',
        "<ol>",
    ]
    for section in sections:
        lines.append(f'  <li><a href="#{escape(section.anchor)}">{escape(section.title)}</a>')
        if section.subsections:
            lines.append("    <ol>")
            lines += [
                f'      <li><a href="#{escape(sub.anchor)}">{escape(sub.title)}</a></li>'
                for sub in section.subsections
            ]
            lines.append("    </ol>")
        lines.append("  </li>")
    lines += ["</ol>", "</nav>"]
    return "\n".join(lines) + "\n"


def _section(section: Section, digest: str) -> str:
    parts = [
        f'<section id="{escape(section.anchor)}" data-hash="{escape(digest)}"'
        f' data-title="{escape(section.title)}">\n',
        f"<h2>{escape(section.title)}</h2>\n",
        _blocks(section.blocks),
    ]
    for sub in section.subsections:
        parts += [
            f'<div class="subsection" id="{escape(sub.anchor)}">\n',
            f"<h3>{escape(sub.title)}</h3>\n",
            _blocks(sub.blocks),
            "</div>\n",
        ]
    parts.append("</section>\n")
    return "".join(parts)


def render_html(guide: Guide) -> str:
    """The standalone HTML guide; all sheet text is escaped, links are checked again here."""
    hashes = section_hashes(guide.sections)
    title = escape(guide.title)
    head = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Chorus">\n'
        f'<meta name="chorus-generated-at" content="{escape(guide.generated_at.isoformat())}">\n'
        f"<title>{title}</title>\n"
        f"{_STYLE}"
        "</head>\n"
        "<body>\n"
        "<main>\n"
        "<header>\n"
        f"<h1>{title}</h1>\n"
        f'<p class="lead">{escape(guide.lead)}</p>\n'
        "</header>\n"
    )
    body = "".join(_section(section, hashes[section.anchor]) for section in guide.sections)
    return head + _contents(guide.sections) + body + "</main>\n</body>\n</html>\n"
