"""The Sent tab as the ledger reads it: indexed by Message-ID once, rows made only when looked up.

A year of Sent is thousands of rows, and a run sends a handful. The ledger
used to turn every row into a dict of clean text (pandas' iterrows) on every
run, and again for the spool's tidy-up, to look up the few it sends. Here
one pass over two columns (Message ID, Status) builds the index; a row's
text is made when the ledger asks for that message; the rows that need work
whatever was planned (Pending, Deferred) are found from the Status column;
today's count for the daily allowance reads Sent At only on Sent rows,
without parsing the dates Chorus wrote itself.

Nothing is skipped: every row is indexed, however old, so an old Pending or
Deferred row is still found and a Sent Message-ID is never sent again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sheets_schema.values import clean_text, parse_datetime

if TYPE_CHECKING:
    import pandas as pd

    from sheets_schema.settings import Settings

SENT = "Sent"
#: the statuses of rows the ledger finishes whatever this run planned
OPEN = ("Pending", "Deferred")
#: how Chorus writes Sent At (format_datetime): such a cell's day is its first ten characters
_OWN_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?")


class SentTab(Mapping[str, tuple[int, dict[str, str]]]):
    """Message-ID -> (sheet row, the row as clean text), for the Sent tab of one snapshot.

    Where a Message-ID is on several rows, the lowest one counts, as before.
    """

    def __init__(self, frame: pd.DataFrame | None) -> None:
        if frame is None or frame.empty:
            self._index: list[int] = []
            self._columns: dict[str, list[object]] = {}
            self._at: dict[str, int] = {}
            self._status: list[str] = []
            return
        self._index = [int(i) for i in frame.index]
        self._columns = {str(name): frame[name].tolist() for name in frame.columns}
        ids = [clean_text(v) for v in self._columns.get("message_id", [])]
        self._at = {message_id: pos for pos, message_id in enumerate(ids) if message_id}
        self._status = [
            clean_text(v).capitalize() for v in self._columns.get("status", [""] * len(self._index))
        ]

    def _row(self, pos: int) -> dict[str, str]:
        return {name: clean_text(values[pos]) for name, values in self._columns.items()}

    def __getitem__(self, message_id: str) -> tuple[int, dict[str, str]]:
        pos = self._at[message_id]
        return self._index[pos], self._row(pos)

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._at

    def open_items(self) -> Iterator[tuple[str, tuple[int, dict[str, str]]]]:
        """The rows left Pending or Deferred, in the order the tab holds them."""
        for message_id, pos in self._at.items():
            if self._status[pos] in OPEN:
                yield message_id, (self._index[pos], self._row(pos))

    def sent_ids(self) -> Iterator[str]:
        """The Message-IDs whose row says Sent."""
        return (m for m, pos in self._at.items() if self._status[pos] == "Sent")

    def sent_on(self, now: datetime, settings: Settings) -> int:
        """How many rows say Sent on `now`'s day (organisation time): the daily allowance's count."""
        today = now.astimezone(settings.tz).date()
        prefix = today.isoformat()
        stamps = self._columns.get("sent_at", [])
        count = 0
        for pos, status in enumerate(self._status):
            if status != "Sent":
                continue
            text = clean_text(stamps[pos]) if stamps else ""
            if not text:
                continue
            if _OWN_STAMP.fullmatch(text):
                count += text.startswith(prefix)
                continue
            try:
                when = parse_datetime(text, settings.tz, day_first=settings.organisation.day_first)
            except ValueError:
                continue
            count += when.date() == today
        return count


def sent_tab(snapshot: Mapping[str, pd.DataFrame]) -> SentTab:
    """The snapshot's Sent tab, indexed (empty when the run did not read it)."""
    return SentTab(snapshot.get(SENT))
