"""Queue items as the cadence sees them: placed items that fill slots, and what to suggest.

Only the cells cadence needs are parsed: Status, Channels, Scheduled For or
Published At of placed items, Created of Approved ones. Approved,
unscheduled, unflagged items are suggested for free slots, oldest first,
each once. A cell the cadence cannot use is a Problem naming tab, row,
column, value and fix, never a row that silently drops out of the plan;
`chorus validate` names the same cells.
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
from sheets_schema.columns import CHANNEL_NAMES, QUEUE_STATUSES, SOURCE_KINDS
from sheets_schema.validate import PLACED_STATUSES, Problem
from sheets_schema.values import clean_text, parse_datetime, split_multi

#: statuses of Queue items that take a slot (casefolded), as validate knows them
PLACED = {s.casefold() for s in PLACED_STATUSES}


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


_TIME_FIX = "write it as 2027-03-29 09:30"


def _status(text: str) -> str:
    key = clean_text(text).casefold()
    for known in QUEUE_STATUSES:
        if known.casefold() == key:
            return known
    return clean_text(text)


def _status_problem(row_number: int, item_id: str, status: str) -> Problem:
    """A Queue Status that is blank or not one of the statuses: the item is in no plan."""
    why = f"{status!r} is not a Queue status" if status else "is empty"
    return Problem(
        "Queue",
        row_number,
        "Status",
        status,
        f"{why}, so {item_id} is in no plan: it fills no slot and is never suggested",
        "choose one of " + ", ".join(QUEUE_STATUSES) + " from the dropdown",
    )


def _no_id_problem(row_number: int, status: str) -> Problem:
    """A placed or Approved Queue row without an ID: Chorus addresses rows by ID, so it skips it."""
    return Problem(
        "Queue",
        row_number,
        "ID",
        "",
        f"is empty on a {status} item, so it is in no plan",
        "give it a unique ID, e.g. Q-0042",
    )


def _channel_problems(
    row_number: int, item_id: str, text: str, by_name: Mapping[str, str]
) -> list[Problem]:
    """Channel names in a Queue row that are neither a known network nor a planned channel."""
    known = {c.casefold() for c in CHANNEL_NAMES} | set(by_name)
    bad = [c for c in split_multi(text) if c.casefold() not in known]
    if not bad:
        return []
    return [
        Problem(
            "Queue",
            row_number,
            "Channels",
            text,
            f"{', '.join(bad)} is not a channel, so {item_id} fills no slot there",
            "choose from " + ", ".join(CHANNEL_NAMES),
        )
    ]


def read_queue(
    queue: pd.DataFrame, tz: ZoneInfo, *, day_first: bool = True, channels: Iterable[str] = ()
) -> tuple[list[QueueItem], list[Problem]]:
    """Queue items that can take or fill a slot (placed or Approved), with the problems of
    the cells cadence needs: an unknown Status, an unknown channel, an unreadable or
    missing time of a placed item, an unreadable Created of an Approved one.
    """
    by_name = {c.casefold(): c for c in channels}
    items: list[QueueItem] = []
    problems: list[Problem] = []
    records = queue.to_dict("records")
    for row_number, row in zip(queue.index, records, strict=True):
        status = _status(row.get("status", ""))
        low = status.casefold()
        item_id = clean_text(row.get("id", ""))
        if not item_id:
            if low in PLACED or low == "approved":
                problems.append(_no_id_problem(int(row_number), status))
            continue
        if status not in QUEUE_STATUSES:
            problems.append(_status_problem(int(row_number), item_id, status))
            continue
        if low not in PLACED and low not in ("approved", "on hold"):
            continue
        problems.extend(
            _channel_problems(
                int(row_number), item_id, clean_text(row.get("channels", "")), by_name
            )
        )
        item_channels = tuple(
            by_name.get(c.casefold(), canonical_channel(c))
            for c in split_multi(row.get("channels", ""))
        )
        scheduled_text = clean_text(row.get("scheduled_for", ""))
        when: datetime | None = None
        created: datetime | None = None
        try:
            if low == "approved":
                created = _created(row, tz, day_first)
            else:
                when = _placed_at(row, low, tz, day_first)
        except BadCell as bad:
            problems.append(
                Problem("Queue", int(row_number), bad.column, bad.value, bad.why, _TIME_FIX)
            )
            if low != "approved":
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
    """When an Approved item was created; undated items are suggested last, in sheet order.

    An unreadable Created raises BadCell: the item is still suggested (last), and reported.
    """
    text = clean_text(row.get("created", ""))
    try:
        return parse_datetime(text, tz, day_first=day_first) if text else None
    except ValueError as exc:
        item_id = clean_text(row.get("id", ""))
        raise BadCell(
            "Created",
            f"{exc} (value {text!r}), so {item_id} is suggested last, as if undated",
            text,
        ) from None


def _placed_at(
    row: Mapping[str, Any], status: str, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    """When a placed item goes out: Published At once published, else Scheduled For.

    A placed item (not one on hold) with neither, or with an unreadable one, raises BadCell:
    it cannot fill a slot.
    """
    column, text = "Scheduled For", clean_text(row.get("scheduled_for", ""))
    if status == "published" and clean_text(row.get("published_at", "")):
        column, text = "Published At", clean_text(row.get("published_at", ""))
    item_id = clean_text(row.get("id", ""))
    if not text:
        if status == "on hold":
            return None
        shown = clean_text(row.get("status", ""))
        raise BadCell(column, f"is empty but {item_id} is {shown}, so it fills no posting slot")
    try:
        return parse_datetime(text, tz, day_first=day_first).astimezone(tz)
    except ValueError as exc:
        raise BadCell(
            column, f"{exc} (value {text!r}), so {item_id} fills no posting slot", text
        ) from None


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
