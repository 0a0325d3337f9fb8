"""Google's limits for a spreadsheet write, checked before anything is sent.

- Request size: Google refuses a body over 10 MB ("Request payload size
  exceeds the limit: 10485760 bytes.") and recommends at most 2 MB, so every
  values:append, values:batchUpdate and spreadsheets:batchUpdate is split into
  requests of at most REQUEST_BUDGET bytes of JSON, measured the way
  `requests` encodes it (ASCII escapes, so an emoji is 12 bytes).
- Cell text: at most 50,000 characters, counted as Sheets counts them (its
  LEN() gives 2 for an emoji: UTF-16 code units).
- Cells: at most 10,000,000 grid cells in a spreadsheet, empty ones included.
  `Grid` holds every tab's size, read once per store and kept up to date by
  the store's own writes, so a write that would pass the limit is refused
  before its first request.
- Rows: Google refuses to delete every non-frozen row of a tab ("Sorry, it is
  not possible to delete all non-frozen rows."); `Grid.rows_to_keep` says
  which doomed rows are cleared instead.

`Steps` runs a write's requests in order and, when one fails, says which
landed, which may have, and which were never sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sheets_schema.columns import normalise_header
from sheets_schema.errors import BackendError, ChorusError, SheetError

#: bytes of JSON per request: Google's recommended maximum (its hard limit is 10,485,760)
REQUEST_BUDGET = 2_000_000
#: characters in one cell, in UTF-16 code units
CELL_TEXT_LIMIT = 50_000
#: grid cells in one spreadsheet
CELLS_LIMIT = 10_000_000

T = TypeVar("T")


def utf16_len(text: str) -> int:
    """Characters as Google counts them: UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le")) // 2


def json_size(obj: object) -> int:
    """Bytes of `obj` as the request body `requests` sends for json=obj (a value JSON has no
    type for, such as a date in an estimate, counts as its text)."""
    return len(json.dumps(obj, default=str).encode("ascii"))


def split_by_size(
    items: list[T], size_of: Callable[[T], int], budget: int = REQUEST_BUDGET
) -> list[list[T]]:
    """Consecutive runs of `items` whose JSON stays within `budget` bytes each (an item larger
    than the budget goes alone). Order is kept, so a split write lands in the planned order."""
    chunks: list[list[T]] = []
    current: list[T] = []
    used = 0
    for item in items:
        size = size_of(item) + 2  # the ", " between items
        if current and used + size > budget:
            chunks.append(current)
            current, used = [], 0
        current.append(item)
        used += size
    if current:
        chunks.append(current)
    return chunks


@dataclass
class Grid:
    """Each tab's grid (rowCount, columnCount, frozenRowCount), by normalised title."""

    tabs: dict[str, dict[str, int]]

    @classmethod
    def from_properties(cls, properties: Iterable[dict[str, Any]]) -> Grid:
        """From spreadsheets.get's sheets[].properties."""
        return cls(
            {
                normalise_header(str(p.get("title", ""))): dict(p.get("gridProperties") or {})
                for p in properties
            }
        )

    def _tab(self, name: str) -> dict[str, int]:
        return self.tabs.setdefault(normalise_header(name), {})

    def total(self) -> int:
        """Grid cells in the spreadsheet: what Google's ten-million limit counts."""
        return sum(g.get("rowCount", 0) * g.get("columnCount", 0) for g in self.tabs.values())

    def check_growth(self, added: dict[str, int], removed: dict[str, int]) -> None:
        """Refuse, before anything is written, a write whose new rows would pass the limit."""
        growth = sum(
            (added.get(name, 0) - removed.get(name, 0)) * self._tab(name).get("columnCount", 0)
            for name in set(added) | set(removed)
        )
        after = self.total() + growth
        if growth > 0 and after > CELLS_LIMIT:
            biggest = max(added, key=lambda n: added[n] * self._tab(n).get("columnCount", 0))
            raise SheetError(
                f"this write would bring the spreadsheet to {after:,} cells (every cell of every "
                f"tab counts, empty ones too); Google allows at most {CELLS_LIMIT:,}",
                tab=biggest,
                fix="archive old rows (`chorus archive`), delete tabs you no longer use, or delete "
                "empty columns at the right of big tabs; nothing was written",
            )

    def grew(self, name: str, rows: int) -> None:
        """Rows our own append inserted (or deleted, when negative)."""
        tab = self._tab(name)
        tab["rowCount"] = tab.get("rowCount", 0) + rows

    def rows_to_keep(self, name: str, doomed: int) -> int:
        """How many of `doomed` rows must be cleared, not deleted, so the tab keeps one row
        below its frozen ones (Google refuses to delete them all)."""
        tab = self._tab(name)
        rows, frozen = tab.get("rowCount", 0), tab.get("frozenRowCount", 0)
        if not rows or rows - doomed > frozen:
            return 0
        return min(doomed, frozen + 1 - (rows - doomed))


@dataclass
class Steps:
    """A write's requests, run in order; a failure says what landed and what did not.

    `translate` turns Google's refusal (a library's exception) into the ChorusError to raise,
    or gives None for anything that is not a refusal (a bug keeps its traceback)."""

    translate: Callable[[Exception], ChorusError | None]
    steps: list[tuple[str, Callable[[], object]]] = field(default_factory=list)

    def add(self, what: str, run: Callable[[], object]) -> None:
        """One request (or one re-locating request such as the row deletes), described."""
        self.steps.append((what, run))

    def run(self) -> None:
        """Send each step; a failure leaves with an account of the whole write."""
        for i, (_what, step) in enumerate(self.steps):
            try:
                step()
            except Exception as exc:
                error = exc if isinstance(exc, ChorusError) else self.translate(exc)
                if error is None:
                    raise
                maybe = isinstance(exc, BackendError)  # no answer: it may have landed
                raise type(error)(
                    f"{error.message}; {self.account(i, maybe)}", place=error.place, fix=error.fix
                ) from exc

    def account(self, failed: int, maybe: bool = True) -> str:
        """What is known of each request when request `failed` did not get its answer (`maybe`)
        or was refused."""
        done = [what for what, _ in self.steps[:failed]]
        rest = [what for what, _ in self.steps[failed + 1 :]]
        parts = [f"written: {', '.join(done)}" if done else "nothing was written before it"]
        state = "may or may not have landed" if maybe else "refused, so not written"
        parts.append(f"{state}: {self.steps[failed][0]}")
        if rest:
            parts.append(f"not sent: {', '.join(rest)}")
        return "; ".join(parts)
