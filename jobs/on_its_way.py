"""Which Queue item a new suggestion is the same as: one item, both people thanked.

Two suggestions are the same when their links are the same once canonical
(jobs/links.py) or their headlines are the same in any case and spacing. Only
items on their way count (not Rejected, not yet Published). sync-forms asks
once per response, so the items are indexed by those keys once and the index
is kept up to date as the run adds and revises items: a sync of n responses
over a queue of m items costs n + m, not n x m. A revised suggestion updates
its item only when its content (CONTENT_FIELDS) says something new.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from jobs.links import canonical_url
from sheets_schema.values import clean_text, split_multi

Item = Mapping[str, str]

#: Queue fields sync-forms owns; the coordinator's fields are never written after creation
CONTENT_FIELDS = ("headline", "details", "link", "channels")

#: statuses of items no longer on their way
DONE = ("rejected", "published")


def same_keys(item: Mapping[str, object]) -> set[str]:
    """What makes two suggestions the same: the canonical link, the headline in any case."""
    return set(_keys(item.get("link", ""), item.get("headline", "")))


def _keys(link: object, headline: object) -> tuple[str, ...]:
    """same_keys of a link and a headline, as a tuple."""
    if link := clean_text(link):
        link = "link " + canonical_url(link)
    if headline := " ".join(clean_text(headline).casefold().split()):
        headline = "headline " + headline
    return (
        (link, headline)
        if link and headline
        else (link,)
        if link
        else (headline,)
        if headline
        else ()
    )


class OnItsWay:
    """The items on their way, by link and by headline, in Queue order then this run's.

    `queue` gives the Queue as read (called on the first lookup only, so a run
    that never asks never reads the Queue); `new_queue` is the run's own new
    items, which it may revise in place (call `added` after each change).
    """

    def __init__(
        self, queue: Callable[[], Mapping[str, Item]], new_queue: Mapping[str, Item]
    ) -> None:
        self._queue = queue
        self._new = new_queue
        #: key -> the position (or positions) of the items with it: a number, not a list and
        #: a tuple per item (a sync's 20,000 of them kept the cycle collector busy)
        self._index: dict[str, int | list[int]] | None = None
        self._positions: dict[str, int] = {}
        #: position -> the item's ID
        self._ids: list[str] = []
        #: the last suggestion looked for, (link, headline) -> its keys: the item the run
        #: adds for it next has the same two
        self._last: tuple[object, object, tuple[str, ...]] = ("", "", ())

    def find(self, suggestion: Item) -> str:
        """The ID of the first item on its way with the same link or headline, else ''."""
        if self._index is None:
            self._index = {}
            for qid, item in self._queue().items():
                if clean_text(item["status"]).casefold() not in DONE:
                    self._add(qid, item)
            for qid, item in self._new.items():
                self._add(qid, item)
        index = self._index
        keys = self._keys_of(suggestion)
        found: list[int] = []
        for key in keys:
            hit = index.get(key)
            if hit is not None:
                found += (hit,) if isinstance(hit, int) else hit
        if not found:
            return ""
        wanted = set(keys)
        for position in sorted(found):
            qid = self._ids[position]
            item = self._new.get(qid) or self._queue()[qid]
            if wanted & same_keys(item):  # a new item revised since it was indexed may differ
                return qid
        return ""

    def _keys_of(self, item: Item) -> tuple[str, ...]:
        link, headline = item.get("link", ""), item.get("headline", "")
        last_link, last_headline, keys = self._last
        if link == last_link and headline == last_headline:
            return keys
        keys = _keys(link, headline)
        self._last = (link, headline, keys)
        return keys

    def added(self, qid: str, item: Item) -> None:
        """The run added or revised one of its new items."""
        if self._index is not None:  # else built from new_queue on the first lookup
            self._add(qid, item)

    def _add(self, qid: str, item: Item) -> None:
        index = self._index
        assert index is not None
        position = self._positions.get(qid)
        if position is None:  # Queue order, kept when the item is revised
            position = self._positions[qid] = len(self._ids)
            self._ids.append(qid)
        for key in self._keys_of(item):
            hit = index.get(key)
            if hit is None:
                index[key] = position
            elif isinstance(hit, int):
                index[key] = [hit, position]
            else:
                hit.append(position)


def submitted_content(row: Mapping[str, str]) -> dict[str, str]:
    """A Submissions row's content under the Queue's field names."""
    return {
        "headline": row["headline"],
        "details": row["details"],
        "link": row["link"],
        "channels": row["suggested_channels"],
    }


def same_content(a: Mapping[str, str], b: Mapping[str, str]) -> bool:
    """Whether two versions of a suggestion say the same (channels in any case and order of words)."""
    for f in CONTENT_FIELDS:
        if f == "channels":
            if [c.casefold() for c in split_multi(a[f])] != [
                c.casefold() for c in split_multi(b[f])
            ]:
                return False
        elif clean_text(a[f]) != clean_text(b[f]):
            return False
    return True
