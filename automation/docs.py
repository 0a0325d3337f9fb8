"""The employee guide as a Google Doc, rewritten in place so its link never changes.

`publish_guide` takes the Guide the job's plan built (jobs.guide.document:
plain data, the same the files were rendered from, so no tab is read again)
and replaces the document's body in ONE documents.batchUpdate after one
documents.get (for the end index): delete the old body, insert the new text,
then style it: section titles as Heading 1, subsections as Heading 2, bold
labels, links, bulleted and numbered lists. Tables become one line per row
with cells separated by " | " (a real Docs table needs index arithmetic per
cell; the HTML guide keeps the real tables).

Docs counts positions in UTF-16 code units, so an emoji is two: every index
here is computed that way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from automation.google.errors import GoogleCall
from jobs.guide.document import Block, Guide, Inline, ItemList, Link, Paragraph, Section, Strong

if TYPE_CHECKING:
    from automation.google.transport import GoogleServices
    from automation.workspace import Workspace
    from sheets_schema.settings import Settings


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Text:
    """The document being built: text plus styled ranges, in Docs' 1-based UTF-16 indexes."""

    paragraphs: list[str] = field(default_factory=list)
    offset: int = 1
    headings: list[tuple[int, int, str]] = field(default_factory=list)
    bold: list[tuple[int, int]] = field(default_factory=list)
    links: list[tuple[int, int, str]] = field(default_factory=list)
    lists: list[tuple[int, int, bool]] = field(default_factory=list)

    def add(self, runs: Iterable[Inline], style: str = "") -> tuple[int, int]:
        """Append one paragraph of runs; note its bold and link ranges and its heading style."""
        start = self.offset
        text = ""
        for run in runs:
            piece = run if isinstance(run, str) else run.text
            piece = piece.replace("\n", " ")  # one paragraph stays one paragraph
            here = self.offset + _u16(text)
            if isinstance(run, Strong) and piece:
                self.bold.append((here, here + _u16(piece)))
            elif (
                isinstance(run, Link)
                and piece
                and run.url.startswith(("http://", "https://", "mailto:"))
            ):
                self.links.append((here, here + _u16(piece), run.url))
            text += piece
        self.paragraphs.append(text)
        self.offset += _u16(text) + 1  # the paragraph's newline
        if style:
            self.headings.append((start, self.offset, style))
        return start, self.offset

    def blocks(self, blocks: Iterable[Block]) -> None:
        """Append paragraphs, lists (one paragraph per item) and tables (one line per row)."""
        for block in blocks:
            if isinstance(block, Paragraph):
                self.add(block.runs)
            elif isinstance(block, ItemList):
                first = self.offset
                for item in block.items:
                    self.add(item)
                if block.items:
                    self.lists.append((first, self.offset, block.ordered))
            else:
                start, end = self.add([" | ".join(block.headers)])
                self.bold.append((start, end - 1))
                for row in block.rows:
                    cells: list[Inline] = []
                    for i, cell in enumerate(row):
                        if i:
                            cells.append(" | ")
                        cells.extend(cell)
                    self.add(cells)


def guide_text(sections: Sequence[Section], title: str = "") -> _Text:
    """The guide's sections laid out as Docs paragraphs with their styles (pure)."""
    doc = _Text()
    if title:
        doc.add([title], "TITLE")
    for section in sections:
        doc.add([section.title], "HEADING_1")
        doc.blocks(section.blocks)
        for sub in section.subsections:
            doc.add([sub.title], "HEADING_2")
            doc.blocks(sub.blocks)
    return doc


def guide_requests(doc: _Text, old_end: int, last_has_bullet: bool = False) -> list[dict[str, Any]]:
    """The one batchUpdate: delete the old body, insert the new, style it (pure)."""
    requests: list[dict[str, Any]] = []
    if old_end > 2:  # the body always keeps its final newline: delete up to it
        requests.append(
            {"deleteContentRange": {"range": {"startIndex": 1, "endIndex": old_end - 1}}}
        )
    text = "\n".join(doc.paragraphs)
    if not text:
        return requests
    end = 1 + _u16(text)
    requests.append({"insertText": {"location": {"index": 1}, "text": text}})
    whole = {"startIndex": 1, "endIndex": end + 1}
    if last_has_bullet:
        # the kept final paragraph was a list item: the new text would inherit its bullet
        requests.append({"deleteParagraphBullets": {"range": whole}})
    # The inserted text inherits the style where it lands: reset it before styling.
    requests.append(_paragraph_style(1, end + 1, "NORMAL_TEXT"))
    requests.append(_text_style(1, end, {}, "bold,link"))
    return requests + _styles(doc)


def _paragraph_style(start: int, stop: int, style: str) -> dict[str, Any]:
    return {
        "updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": stop},
            "paragraphStyle": {"namedStyleType": style},
            "fields": "namedStyleType",
        }
    }


def _text_style(start: int, stop: int, style: dict[str, Any], fields: str) -> dict[str, Any]:
    return {
        "updateTextStyle": {
            "range": {"startIndex": start, "endIndex": stop},
            "textStyle": style,
            "fields": fields,
        }
    }


def _styles(doc: _Text) -> list[dict[str, Any]]:
    """Headings, bold, links and lists, in that order, over the inserted text."""
    requests = [_paragraph_style(start, stop, style) for start, stop, style in doc.headings]
    requests += [
        _text_style(start, stop, {"bold": True}, "bold") for start, stop in doc.bold if stop > start
    ]
    requests += [
        _text_style(start, stop, {"link": {"url": url}}, "link") for start, stop, url in doc.links
    ]
    for start, stop, ordered in doc.lists:
        preset = "NUMBERED_DECIMAL_ALPHA_ROMAN" if ordered else "BULLET_DISC_CIRCLE_SQUARE"
        requests.append(
            {
                "createParagraphBullets": {
                    "range": {"startIndex": start, "endIndex": stop - 1},
                    "bulletPreset": preset,
                }
            }
        )
    return requests


def write_guide_doc(
    services: GoogleServices,
    doc_id: str,
    sections: Sequence[Section],
    *,
    title: str = "Social media guide",
    settings: Settings | None = None,
) -> str:
    """Replace the Google Doc's body with the guide (create the Doc when `doc_id` is ''); returns its id.

    A new Doc is owned as init's files are (automation.google.files): by the acting
    person, or in the shared drive; never by the bare service account.
    """
    from automation.google.files import DOCUMENT, OWNER_WAYS, create_in_shared_drive, require_owner

    documents = services.discovery("docs", "v1").documents()
    if not doc_id and settings is not None:
        require_owner(services, settings, "the guide's Google Doc (guide.doc_id is empty)")
        if settings.backend.shared_drive_id:
            doc_id = create_in_shared_drive(
                services, settings, title, DOCUMENT, "creating the guide's Google Doc"
            )
    call = GoogleCall(
        f"writing document {doc_id or '(new)'}",
        access_fix=f"check guide.doc_id, share the Doc with {services.service_account_email()} "
        "as an editor, and enable the Google Docs API",
        fixes={} if doc_id else {403: OWNER_WAYS},
    )
    with call:
        if not doc_id:
            doc_id = str(documents.create(body={"title": title}).execute()["documentId"])
        current = documents.get(
            documentId=doc_id, fields="body.content(endIndex,paragraph.bullet)"
        ).execute()
        content = current.get("body", {}).get("content", [])
        old_end = int(content[-1].get("endIndex", 1)) if content else 1
        last_has_bullet = bool(content and "bullet" in content[-1].get("paragraph", {}))
        requests = guide_requests(guide_text(sections, title), old_end, last_has_bullet)
        if requests:
            documents.batchUpdate(documentId=doc_id, body={"requests": requests}).execute()
    return doc_id


def publish_guide(workspace: Workspace, guide: Guide) -> str:
    """Write `guide` into settings.guide.doc_id (or a new Doc): one get, one update, no Sheets call."""
    from automation.google.transport import GoogleServices

    settings = workspace.settings
    services = workspace.google or GoogleServices.from_settings(settings)
    return write_guide_doc(
        services, settings.guide.doc_id, guide.sections, title=guide.title, settings=settings
    )
