"""Queue items as the cadence sees them: placed items that fill slots, and what to suggest.

Only the cells cadence needs are parsed: Scheduled For or Published At of
placed items, Created of Approved ones. Approved, unscheduled, unflagged
items are suggested for free slots, oldest first, each once.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.channels import BadCell, canonical_channel
from sheets_schema.columns import SOURCE_KINDS
from sheets_schema.values import clean_text, parse_datetime, split_multi

#: statuses of Queue items that take a slot
PLACED = {"scheduled", "published", "overdue"}


@dataclass(frozen=True)
class QueueItem:
    """The parts of a Queue row cadence needs; `when` is Published At or Scheduled For, local."""

    id: str
    row: int
    status: str  # as in QUEUE_STATUSES, or the cell's text when unknown
    channels: tuple[str, ...]
    headline: str = ""
    link: str = ""
    source_kind: str = ""
    source_type: str = ""
    flags: str = ""
    created: datetime | None = None
    when: datetime | None = None
    post_url: str = ""
    scheduled_text: str = ""


def _status(text: str) -> str:
    key = clean_text(text).casefold()
    for known in ("New", "Approved", "Scheduled", "Published", "Rejected", "On hold", "Overdue"):
        if known.casefold() == key:
            return known
    return clean_text(text)


def read_queue(
    queue: pd.DataFrame, tz: ZoneInfo, *, day_first: bool = True, channels: Iterable[str] = ()
) -> tuple[list[QueueItem], list[str]]:
    """Queue items that can take or fill a slot (placed or Approved), with problems for bad times.

    Only the cells cadence needs are parsed: Scheduled For or Published At of
    placed items, Created of Approved ones.
    """
    by_name = {c.casefold(): c for c in channels}
    items: list[QueueItem] = []
    problems: list[str] = []
    records = queue.to_dict("records")
    for row_number, row in zip(queue.index, records, strict=True):
        status = _status(row.get("status", ""))
        low = status.casefold()
        if low not in PLACED and low not in ("approved", "on hold"):
            continue
        item_id = clean_text(row.get("id", ""))
        if not item_id:
            continue
        item_channels = tuple(
            by_name.get(c.casefold(), canonical_channel(c))
            for c in split_multi(row.get("channels", ""))
        )
        scheduled_text = clean_text(row.get("scheduled_for", ""))
        when: datetime | None = None
        created: datetime | None = None
        if low == "approved":
            created = _created(row, tz, day_first)
        else:
            try:
                when = _placed_at(row, low, tz, day_first)
            except BadCell as bad:
                problems.append(
                    f"tab 'Queue', row {row_number}, column {bad.column!r}: {bad.why} "
                    f"for {item_id}; write it as 2027-03-29 09:30"
                )
                continue
        items.append(
            QueueItem(
                id=item_id,
                row=int(row_number),
                status=status,
                channels=item_channels,
                headline=clean_text(row.get("headline", "")),
                link=clean_text(row.get("link", "")),
                source_kind=clean_text(row.get("source_kind", "")),
                source_type=clean_text(row.get("source_type", "")),
                flags=clean_text(row.get("flags", "")),
                created=created,
                when=when,
                post_url=clean_text(row.get("post_url", "")),
                scheduled_text=scheduled_text,
            )
        )
    return items, problems


def _created(row: Mapping[str, Any], tz: ZoneInfo, day_first: bool) -> datetime | None:
    """When an Approved item was created; undated items are suggested last, in sheet order."""
    text = clean_text(row.get("created", ""))
    try:
        return parse_datetime(text, tz, day_first=day_first) if text else None
    except ValueError:
        return None


def _placed_at(
    row: Mapping[str, Any], status: str, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    """When a placed item goes out: Published At once published, else Scheduled For."""
    column, text = "Scheduled For", clean_text(row.get("scheduled_for", ""))
    if status == "published" and clean_text(row.get("published_at", "")):
        column, text = "Published At", clean_text(row.get("published_at", ""))
    if not text:
        return None
    try:
        return parse_datetime(text, tz, day_first=day_first).astimezone(tz)
    except ValueError as exc:
        raise BadCell(column, f"{exc} (value {text!r})") from None


def suggestion_candidates(items: Iterable[QueueItem]) -> list[QueueItem]:
    """Approved, unscheduled, unflagged items, oldest Created first (undated last, in sheet order)."""
    found = [
        i for i in items if i.status == "Approved" and not i.scheduled_text and not i.flags and i.id
    ]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    found.sort(key=lambda i: (i.created is None, i.created or far, i.row))
    return found


class Suggester:
    """Picks the item to suggest for each free slot, never the same item twice.

    Per channel it takes the oldest fitting item, turning round the source
    kinds (Organisation, Staff & partners, External, ...) and, within a kind,
    preferring a source type other than the one suggested last. Items are
    pooled by channel, kind and type once, so each pick looks at a handful of
    queue heads, not the whole queue.
    """

    def __init__(self, candidates: list[QueueItem], channels: Iterable[str]) -> None:
        self.channels = tuple(channels)
        kinds = {i.source_kind for i in candidates}
        self.kinds = [k for k in SOURCE_KINDS if k in kinds] + sorted(kinds - set(SOURCE_KINDS))
        self.order = {item.id: n for n, item in enumerate(candidates)}
        self.pools: dict[str, dict[str, dict[str, deque[QueueItem]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(deque))
        )
        known = {c.casefold(): c for c in self.channels}
        for item in candidates:
            fits = [known[c.casefold()] for c in item.channels if c.casefold() in known]
            if item.channels and not fits:
                continue  # meant only for channels not planned
            for channel in fits or self.channels:
                self.pools[channel][item.source_kind][item.source_type].append(item)
        self.used: set[str] = set()
        self.next_kind: dict[str, int | None] = {}
        self.last_type: dict[tuple[str, str], str] = {}

    def _head(self, pool: deque[QueueItem]) -> QueueItem | None:
        while pool and pool[0].id in self.used:
            pool.popleft()
        return pool[0] if pool else None

    def pick(self, channel: str) -> QueueItem | None:
        """The item to suggest for the channel's next free slot, or None when none is left."""
        pools = self.pools.get(channel)
        if not pools or not self.kinds:
            return None
        heads: dict[str, list[tuple[str, QueueItem]]] = {}
        for kind in self.kinds:
            found = [(t, h) for t, pool in pools.get(kind, {}).items() if (h := self._head(pool))]
            if found:
                heads[kind] = found
        if not heads:
            return None
        start = self.next_kind.get(channel)
        if start is None:  # the first pick is simply the oldest item
            kind = min(heads, key=lambda k: min(self.order[h.id] for _, h in heads[k]))
        else:
            ring = self.kinds[start:] + self.kinds[:start]
            kind = next(k for k in ring if k in heads)
        last = self.last_type.get((channel, kind))
        preferred = [th for th in heads[kind] if th[0] != last] or heads[kind]
        source_type, item = min(preferred, key=lambda th: self.order[th[1].id])
        self.used.add(item.id)
        self.last_type[(channel, kind)] = source_type
        self.next_kind[channel] = (self.kinds.index(kind) + 1) % len(self.kinds)
        return item
