"""The Sent archive: a year of mail kept, out of the way of today's.

Every mailing run reads the Sent tab (exactly-once looks up each Message-ID
there), so a year of it (each person's weekly share digest and monthly policy
digest: 60,000 rows at 1,000 people) made every run pay for the year. Once a
month, the rows that can no longer matter to a run move to the Sent archive
tab: status Sent, and a period named by its date ("2026-09", "2026-W36",
"2026-09-14") that ended before the first day of the month `sent_months`
whole months before this one. A plan names the messages of its own period, so
such rows are never looked up again, with one exception the ledger guards:
a run `--at` a past time plans a past period. The day before which rows have
moved is kept in the State tab, and a message whose period ended before that
day is looked up in the Sent archive too (automation/mail/archived.py).

A thank-you, a welcome and an assignment have no dated period ("item",
"welcome", "assigned") and their jobs may plan one again whenever its row
looks new (a Published At moved): such a row moves when it was sent before
the same day, and the Message-IDs moved so are kept in brief in State
(jobs/sent_index.py), which the ledger asks before it reads the archive.

What stays in Sent: rows still Pending, Deferred, Failed or Expired (the
ledger and `chorus status` still act on them), the recent months, undated
rows of other jobs (a crisis's mail: its all-clear reads who got it) and
undated rows whose Sent At cannot be read.

The move is two writes, each safe to lose: the rows are first copied into the
archive (those not there already, by Message-ID) in the write that records
the new day in State, then deleted from Sent. A run killed between the two
leaves the rows in both tabs, where the ledger finds them in Sent; the next
month's move deletes them without copying them twice.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from jobs import sent_index
from jobs.sent_index import ArchiveIndex
from sheets_schema.records import Append, Changes, Delete, state_row
from sheets_schema.tabs_state import SENT_ARCHIVE_TAB
from sheets_schema.values import clean_text, parse_datetime

SENT = "Sent"
#: the State row holding the day before which Sent rows have moved to the archive
STATE_KEY = "sent archived before"
STATE_NOTE = "Sent rows of periods that ended before this day are in the Sent archive tab"
#: jobs whose undated mail moves too: no plan reads it back (a crisis's audience does)
UNDATED_JOBS = ("thanks", "welcome", "assign-mentions")

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def period_end(period: str) -> date | None:
    """The last day of a period named by its date (a year, month, ISO week or day); None for
    any other name ("item", "welcome", a crisis id), whose mail never moves."""
    text = period.strip()
    try:
        if m := _DAY.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _WEEK.match(text):
            return date.fromisocalendar(int(m[1]), int(m[2]), 7)
        if m := _MONTH.match(text):
            first = date(int(m[1]), int(m[2]), 1)
            return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if m := _YEAR.match(text):
            return date(int(m[1]), 12, 31)
    except ValueError:
        return None
    return None


def cutoff_for(today: date, months: int) -> date | None:
    """The first day of the month `months` whole months before today's (None: moving is off)."""
    if months <= 0:
        return None
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


#: what `archived_before` says of a State value someone typed over: any dated period may
#: have moved (the ledger asks the archive), and the next move writes the day again
UNREADABLE = date.max


def _state_value(state: pd.DataFrame | None, wanted: str) -> str | None:
    """The Value of State's row `wanted` (None: no such row)."""
    if state is None or state.empty or "key" not in state.columns:
        return None
    for key, value in zip(state["key"], state["value"], strict=True):
        if clean_text(key) == wanted:
            return clean_text(value)
    return None


def archived_before(state: pd.DataFrame | None) -> date | None:
    """The day recorded in State before which Sent rows have moved (None: nothing moved yet;
    UNREADABLE: a value that is not a day)."""
    value = _state_value(state, STATE_KEY)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return UNREADABLE


@dataclass(frozen=True)
class UndatedIndex:
    """State's index of the undated mail in the archive, as read: `present` False when no
    undated row has moved yet; `index` None when present but typed over (ask the archive)."""

    present: bool
    index: ArchiveIndex | None

    def may_hold(self, message_id: str) -> bool:
        """Whether this undated message's row may be in the archive."""
        if not self.present:
            return False
        return self.index is None or self.index.may_hold(message_id)

    @property
    def unreadable(self) -> bool:
        """A row someone typed over: the next move makes the index again."""
        return self.present and self.index is None


def undated_index(state: pd.DataFrame | None) -> UndatedIndex:
    """The index of undated archived mail that State holds (jobs/sent_index.py)."""
    value = _state_value(state, sent_index.STATE_KEY)
    if value is None:
        return UndatedIndex(False, None)
    return UndatedIndex(True, ArchiveIndex.from_text(value))


def left_over(
    rows: Iterable[Mapping[str, str]], recorded: date | None, undated: UndatedIndex
) -> bool:
    """Whether any of these movable rows may be in the archive already: a dated one that ended
    before the day already recorded, an undated one the index may hold (a move killed before
    its deletes copied them; a run at a past time since did not). Only then is the archive
    read for the Message-IDs it holds; other rows were never due before."""
    for row in rows:
        end = period_end(row.get("period", ""))
        if end is None and undated.may_hold(row["message_id"]):
            return True
        if end is not None and recorded is not None and end < recorded:
            return True
    return False


def may_be_archived(
    period: str, message_id: str, before: date | None, undated: UndatedIndex
) -> bool:
    """Whether a message of this period may have its row in the archive rather than in Sent."""
    end = period_end(period)
    if end is None:
        return undated.may_hold(message_id)
    return before is not None and end < before


@dataclass(frozen=True)
class Move:
    """A month's move: the copy into the archive with State's new day, then the deletes."""

    copy: Changes
    finish: Changes
    moved: int


def movable(
    sent: pd.DataFrame, cutoff: date, tz: ZoneInfo, *, day_first: bool = True
) -> list[dict[str, str]]:
    """Sent's rows that may move before `cutoff` (see the module docstring), as clean text."""
    if sent.empty:
        return []
    return list(_movable(sent.to_dict("records"), cutoff, tz, day_first))


def undated_ids(rows: Iterable[Mapping[str, object]]) -> list[str]:
    """The Message-IDs of the rows whose period is not named by a date."""
    return [
        clean_text(row.get("message_id", ""))
        for row in rows
        if period_end(clean_text(row.get("period", ""))) is None
    ]


def plan_move(
    rows: list[dict[str, str]],
    archived: Collection[str],
    cutoff: date,
    recorded: date | None,
    index: tuple[UndatedIndex, ArchiveIndex] | None = None,
) -> Move:
    """The move of these `movable` rows to the archive.

    `archived` holds the Message-IDs the archive has already (a killed run's
    copy is not made twice: see `left_over`); `recorded` is State's day as read;
    `index` is State's undated index as read and the one to write (None: unchanged).
    """
    copy = tuple(Append(SENT_ARCHIVE_TAB, row) for row in rows if row["message_id"] not in archived)
    deletes = tuple(Delete(SENT, (row["message_id"],)) for row in rows)
    day = {"value": cutoff.isoformat(), "note": STATE_NOTE}
    state = state_row(STATE_KEY, day, present=recorded is not None)
    if index is not None:
        was, new = index
        filter_row = {"value": new.text(), "note": sent_index.STATE_NOTE}
        state += state_row(sent_index.STATE_KEY, filter_row, present=was.present)
    return Move(Changes(appends=copy) + state, Changes(deletes=deletes), len(rows))


def _movable(
    rows: Iterable[Mapping[str, object]], cutoff: date, tz: ZoneInfo, day_first: bool
) -> Iterable[dict[str, str]]:
    seen: set[str] = set()
    for row in rows:
        message_id = clean_text(row.get("message_id", ""))
        if not message_id or message_id in seen:
            continue
        if clean_text(row.get("status", "")).casefold() != "sent":
            continue
        end = period_end(clean_text(row.get("period", "")))
        if end is None and clean_text(row.get("job", "")) in UNDATED_JOBS:
            end = _sent_day(row.get("sent_at", ""), tz, day_first)
        if end is None or end >= cutoff:
            continue
        seen.add(message_id)
        yield {field: clean_text(value) for field, value in row.items()} | {
            "message_id": message_id
        }


def _sent_day(value: object, tz: ZoneInfo, day_first: bool) -> date | None:
    """The day a row's Sent At names (None: blank or unreadable, and the row stays)."""
    try:
        return parse_datetime(value, tz, day_first=day_first).date()
    except ValueError:
        return None
