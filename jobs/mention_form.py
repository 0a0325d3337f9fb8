"""The "Report a mention" form's responses as Mentions rows, Reported By whoever sent them.

sync-forms hands each new response here: it becomes one Mentions row (Status
New, Origin form:mention:<Response ID>) unless its link is already in
Mentions, for then the coordinator already has it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from jobs.inbox_mentions import known_mentions, network_of_link
from jobs.links import canonical_url
from jobs.network_names import canonical_network
from jobs.responses import MENTION_FORM_ORIGIN, FormResponse, StoredResponse
from sheets_schema.records import Append, Snapshot
from sheets_schema.values import clean_text, format_datetime_seconds, parse_datetime

TITLE_LIMIT = 80


class MentionForm:
    """What Mentions holds, and the rows this run adds from the form."""

    def __init__(self, snapshot: Snapshot, tz: ZoneInfo, next_m: int) -> None:
        mentions = snapshot.get_or_empty("Mentions")
        self.tz = tz
        self.urls, _ids = known_mentions(mentions)
        self.rows = {
            clean_text(r.get("origin", ""))[len(MENTION_FORM_ORIGIN) :]: r
            for r in mentions.to_dict("records")
            if clean_text(r.get("origin", "")).startswith(MENTION_FORM_ORIGIN)
        }
        self.next_m = next_m
        self.added: list[Append] = []
        self.duplicates = 0

    def take(self, r: FormResponse) -> bool:
        """Plan one report; False when it is already recorded or its link already is."""
        if r.response_id in self.rows:
            return False
        url = r.text("link")
        if url and canonical_url(url) in self.urls:
            self.duplicates += 1
            return False
        if url:
            self.urls.add(canonical_url(url))
        text = " ".join(r.text("text").split())
        network = canonical_network(r.text("network")) or network_of_link(url)
        title = text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1].rstrip() + "…"
        row = {
            "id": f"M-{self.next_m:04d}",
            "found_at": format_datetime_seconds(r.submitted_at, self.tz),
            "source": f"reported by {r.email or 'the form'}",
            "kind": r.text("kind") or "Mention",
            "title": title,
            "snippet": text,
            "url": url,
            "status": "New",
            "network": network,
            "reported_by": r.email,
            "origin": f"{MENTION_FORM_ORIGIN}{r.response_id}",
        }
        self.next_m += 1
        self.rows[r.response_id] = row
        self.added.append(Append("Mentions", row))
        return True

    def stored(self) -> list[StoredResponse]:
        """The reports Mentions holds, as sync-forms' `identify` pairs new responses with them."""
        found: list[StoredResponse] = []
        for rid, row in self.rows.items():
            at = self._time(row.get("found_at", ""))
            if rid and at is not None:
                found.append(
                    StoredResponse(rid, clean_text(row.get("reported_by", "")), at, row["snippet"])
                )
        return found

    def _time(self, text: object) -> datetime | None:
        try:
            return parse_datetime(clean_text(text), self.tz)
        except ValueError:
            return None
