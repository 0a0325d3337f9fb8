"""Docs v1 twin: a document body as text with Google's 1-based indexes and structural elements.

The body is kept as one string ending in a newline (Google's final paragraph mark); documents.get
derives the section break and paragraphs, with startIndex/endIndex, from it. Indexes count UTF-16
code units, as Google's do: an emoji is two, and an index inside one is refused. Text and paragraph
styles are accepted and stored loosely: paragraph named styles are reported, run styles are not.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.google_http import ApiError, Request, Response, bad_request, not_found


def u16(text: str) -> int:
    """Length in UTF-16 code units: Docs' unit for every index."""
    return len(text.encode("utf-16-le")) // 2


def at(text: str, units: int, where: str) -> int:
    """The str position of a 0-based UTF-16 offset; Google's 400 for one inside a surrogate pair."""
    head = text.encode("utf-16-le")[: units * 2]
    try:
        return len(head.decode("utf-16-le"))
    except UnicodeDecodeError:
        raise bad_request(
            f"{where}: The index {units + 1} is in the middle of a surrogate pair."
        ) from None


@dataclass
class Document:
    id: str
    title: str
    text: str = "\n"
    revision: int = 1
    paragraph_styles: dict[int, dict] = field(default_factory=dict)  # paragraph start -> style
    text_styles: list[dict] = field(default_factory=list)

    @property
    def end(self) -> int:
        """Index just past the final newline (body indexes start at 1)."""
        return u16(self.text) + 1


class DocsTwin:
    def __init__(self, rng: random.Random, now: Callable[[], dt.datetime]) -> None:
        self.rng = rng
        self.now = now
        self.documents: dict[str, Document] = {}
        self.register_file: Callable[[str, str, str], None] = lambda *_: None

    def create_blank(self, doc_id: str, title: str) -> None:
        self.documents[doc_id] = Document(doc_id, title)

    def doc(self, doc_id: str) -> Document:
        found = self.documents.get(doc_id)
        if found is None:
            raise not_found()
        return found

    def text_of(self, doc_id: str) -> str:
        return self.doc(doc_id).text

    def document_json(self, doc: Document) -> dict:
        content: list[dict] = [
            {
                "endIndex": 1,
                "sectionBreak": {
                    "sectionStyle": {
                        "columnSeparatorStyle": "NONE",
                        "contentDirection": "LEFT_TO_RIGHT",
                        "sectionType": "CONTINUOUS",
                    }
                },
            }
        ]
        start = 1
        for line in doc.text.splitlines(keepends=True):
            end = start + u16(line)
            style = {"namedStyleType": "NORMAL_TEXT", "direction": "LEFT_TO_RIGHT"}
            style.update(doc.paragraph_styles.get(start, {}))
            content.append(
                {
                    "startIndex": start,
                    "endIndex": end,
                    "paragraph": {
                        "elements": [
                            {
                                "startIndex": start,
                                "endIndex": end,
                                "textRun": {"content": line, "textStyle": {}},
                            }
                        ],
                        "paragraphStyle": style,
                    },
                }
            )
            start = end
        return {
            "title": doc.title,
            "body": {"content": content},
            "documentStyle": {
                "pageSize": {
                    "height": {"magnitude": 792, "unit": "PT"},
                    "width": {"magnitude": 612, "unit": "PT"},
                },
                "marginTop": {"magnitude": 72, "unit": "PT"},
                "marginBottom": {"magnitude": 72, "unit": "PT"},
                "marginLeft": {"magnitude": 72, "unit": "PT"},
                "marginRight": {"magnitude": 72, "unit": "PT"},
            },
            "namedStyles": {
                "styles": [
                    {"namedStyleType": name}
                    for name in (
                        "NORMAL_TEXT",
                        "TITLE",
                        "SUBTITLE",
                        "HEADING_1",
                        "HEADING_2",
                        "HEADING_3",
                    )
                ]
            },
            "revisionId": f"twin-rev-{doc.revision}",
            "suggestionsViewMode": "SUGGESTIONS_INLINE",
            "documentId": doc.id,
        }

    # ------------------------------------------------------------ handlers

    def h_create(self, req: Request) -> Response:
        body = req.json or {}
        doc_id = "1" + "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            for _ in range(43)
        )
        title = body.get("title") or "Untitled document"
        self.create_blank(doc_id, title)
        self.register_file(doc_id, title, "application/vnd.google-apps.document")
        return Response.json(self.document_json(self.documents[doc_id]))

    def h_get(self, req: Request) -> Response:
        return Response.json(self.document_json(self.doc(req.path_params["documentId"])))

    def h_batch_update(self, req: Request) -> Response:
        doc = self.doc(req.path_params["documentId"])
        body = req.json or {}
        requests = body.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        work = copy.deepcopy(doc)
        replies = []
        for i, request in enumerate(requests):
            kind = next(iter(request), "")
            where = f"Invalid requests[{i}].{kind}"
            handler = getattr(self, f"bu_{kind}", None)
            if handler is None:
                raise ApiError(501, f"{where}: the Google twin does not implement this request.")
            reply = handler(work, request[kind] or {}, where)
            replies.append({kind: reply} if reply is not None else {})
        work.revision += 1
        self.documents[doc.id] = work
        return Response.json(
            {
                "replies": replies,
                "writeControl": {"requiredRevisionId": f"twin-rev-{work.revision}"},
                "documentId": doc.id,
            }
        )

    def check_range(self, doc: Document, rng: dict, where: str) -> tuple[int, int]:
        if rng.get("segmentId"):
            raise bad_request(f"{where}: The twin only has a body segment.")
        start, end = rng.get("startIndex"), rng.get("endIndex")
        if start is None or end is None:
            raise bad_request(f"{where}: The range should have both start and end indexes.")
        if start < 1:
            raise bad_request(f"{where}: The start index must be greater than zero.")
        if end > doc.end:
            raise bad_request(
                f"{where}: Index {end - 1} must be less than the end index of the "
                f"referenced segment, {doc.end}."
            )
        if start >= end:
            raise bad_request(f"{where}: The range cannot be empty.")
        at(doc.text, start - 1, where), at(doc.text, end - 1, where)
        return start, end

    def bu_insertText(self, doc: Document, req: dict, where: str) -> None:
        text = req.get("text")
        if text is None:
            raise bad_request(f"{where}: text is required.")
        if "endOfSegmentLocation" in req:
            index = doc.end - 1
        else:
            index = (req.get("location") or {}).get("index")
            if index is None:
                raise bad_request(f"{where}: location or endOfSegmentLocation is required.")
            if index < 1 or index >= doc.end:
                raise bad_request(
                    f"{where}: Index {index} must be less than the end index of the "
                    f"referenced segment, {doc.end}."
                )
        pos = at(doc.text, index - 1, where)
        doc.text = doc.text[:pos] + text + doc.text[pos:]

    def bu_deleteContentRange(self, doc: Document, req: dict, where: str) -> None:
        start, end = self.check_range(doc, req.get("range") or {}, where)
        if end == doc.end:
            raise bad_request(
                f"{where}: The range cannot include the newline character at the end "
                "of the segment."
            )
        first, last = at(doc.text, start - 1, where), at(doc.text, end - 1, where)
        doc.text = doc.text[:first] + doc.text[last:]

    def bu_replaceAllText(self, doc: Document, req: dict, where: str) -> dict:
        contains = req.get("containsText") or {}
        find = contains.get("text") or ""
        if not find:
            raise bad_request(f"{where}: containsText.text must not be empty.")
        replacement = req.get("replaceText") or ""
        if contains.get("matchCase"):
            count = doc.text.count(find)
            doc.text = doc.text.replace(find, replacement)
        else:
            lower, count, out, pos = doc.text.lower(), 0, "", 0
            while (hit := lower.find(find.lower(), pos)) >= 0:
                out += doc.text[pos:hit] + replacement
                pos = hit + len(find)
                count += 1
            doc.text = out + doc.text[pos:]
        return {"occurrencesChanged": count} if count else {}

    def bu_updateTextStyle(self, doc: Document, req: dict, where: str) -> None:
        self.check_range(doc, req.get("range") or {}, where)
        if not req.get("fields"):
            raise bad_request(f"{where}: fields is required.")
        doc.text_styles.append(copy.deepcopy(req))

    def bu_updateParagraphStyle(self, doc: Document, req: dict, where: str) -> None:
        start, end = self.check_range(doc, req.get("range") or {}, where)
        if not req.get("fields"):
            raise bad_request(f"{where}: fields is required.")
        style: dict[str, Any] = req.get("paragraphStyle") or {}
        pos = 1
        for line in doc.text.splitlines(keepends=True):
            line_end = pos + u16(line)
            if pos < end and start < line_end:
                doc.paragraph_styles.setdefault(pos, {}).update(copy.deepcopy(style))
            pos = line_end

    def bu_createParagraphBullets(self, doc: Document, req: dict, where: str) -> None:
        self.check_range(doc, req.get("range") or {}, where)

    def handlers(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        return {
            ("docs", "documents.create"): self.h_create,
            ("docs", "documents.get"): self.h_get,
            ("docs", "documents.batchUpdate"): self.h_batch_update,
        }
