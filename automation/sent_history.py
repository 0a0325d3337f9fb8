"""The runner's move of long-closed periods' mail from Sent to the Sent archive, once a month.

The rule is jobs.sent_archive. A mailing run has read Sent and State; when
State's day is before this month's cutoff ([history] sent_months), the run
ends with the move: the rows are copied there in the write that records the
cutoff in State, then deleted from Sent in a second write. The archive is
read only when rows a killed move may have copied already are among them
(jobs.sent_archive.left_over), or when State's index of undated mail must be
made anew (typed over, or full): a year of archive is not read every month.
A workbook or spreadsheet made before the archive tab existed gets it first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from automation import crash
from jobs.sent_archive import (
    UNREADABLE,
    UndatedIndex,
    archived_before,
    cutoff_for,
    left_over,
    movable,
    period_end,
    plan_move,
    undated_ids,
    undated_index,
)
from jobs.sent_index import ArchiveIndex
from sheets_schema.errors import SheetError
from sheets_schema.records import ApplyResult, Changes
from sheets_schema.tabs_state import SENT_ARCHIVE_TAB, STATE_TAB
from sheets_schema.values import clean_text

if TYPE_CHECKING:
    from automation.workspace import Workspace
    from sheets_schema.settings import Settings

SENT = "Sent"


def move_due(
    snapshot: Mapping[str, pd.DataFrame], settings: Settings, now: datetime
) -> date | None:
    """The cutoff to move Sent's mail to, when this run should (it read Sent and State)."""
    if SENT not in snapshot or STATE_TAB not in snapshot:
        return None  # no State tab to record the move in: `chorus init` adds it
    cutoff = cutoff_for(now.astimezone(settings.tz).date(), settings.history.sent_months)
    if cutoff is None:
        return None
    recorded = archived_before(snapshot[STATE_TAB])
    if undated_index(snapshot[STATE_TAB]).unreadable:
        return cutoff  # typed over: the index is made again
    return cutoff if recorded is None or recorded < cutoff or recorded == UNREADABLE else None


def move_closed_mail(
    workspace: Workspace, snapshot: Mapping[str, pd.DataFrame], now: datetime
) -> list[str]:
    """Move this month's due rows to the Sent archive; the lines the run's summary gets."""
    cutoff = move_due(snapshot, workspace.settings, now)
    if cutoff is None:
        return []
    recorded = archived_before(snapshot[STATE_TAB])
    was = undated_index(snapshot[STATE_TAB])

    @cache
    def archive() -> pd.DataFrame | None:  # read at most once, and only when needed
        return workspace.store.read((SENT_ARCHIVE_TAB,)).get(SENT_ARCHIVE_TAB)

    if recorded == UNREADABLE:  # typed over: never below what the archive holds already
        cutoff = max(cutoff, _after_last_period(archive()))
    settings = workspace.settings
    rows = movable(snapshot[SENT], cutoff, settings.tz, day_first=settings.organisation.day_first)
    if not rows and recorded != UNREADABLE and not was.unreadable:
        return []  # nothing to move, nothing written: the next mailing run looks again
    rows, index, made_again = _indexed(rows, was, archive)
    archived = _message_ids(archive()) if made_again or left_over(rows, recorded, was) else set()
    move = plan_move(rows, archived, cutoff, recorded, index)
    copied = _copy(workspace, move.copy)
    if copied.skipped:  # State's row went since the run read it, or a row was there already:
        # nothing is deleted from Sent this time (its rows are found there; the next move
        # reads the archive for them, as left over)
        return [f"sent: not moved to the {SENT_ARCHIVE_TAB} tab: {copied.skipped[0]}"]
    crash.reached("sent.copied")
    workspace.store.apply(move.finish)
    if not move.moved:
        return [f"sent: State's record of the {SENT_ARCHIVE_TAB} tab, typed over, written again"]
    return [
        f"sent: {move.moved} message(s) of periods that ended before {cutoff.isoformat()} "
        f"moved to the {SENT_ARCHIVE_TAB} tab ([history] sent_months)"
    ]


def _indexed(
    rows: list[dict[str, str]], was: UndatedIndex, archive: Callable[[], pd.DataFrame | None]
) -> tuple[list[dict[str, str]], tuple[UndatedIndex, ArchiveIndex] | None, bool]:
    """The rows to move, State's undated index to write with them (None: unchanged), and
    whether it was made anew from the archive (read, then, for its Message-IDs too).

    The index read gets the undated rows added while it has room; else (none yet,
    typed over, full) it is made from the archive's undated rows. An index too big
    for a State cell is not written, and undated rows then stay in Sent, where they
    are found.
    """
    moving = undated_ids(rows)
    if not moving and not was.unreadable:
        return rows, None, False
    made_again = was.index is None or not was.index.room_for(len(moving))
    if was.index is not None and not made_again:
        index = ArchiveIndex(was.index.capacity, bytearray(was.index.bits), was.index.count)
        index.add(moving)
    else:
        table = archive()
        held = undated_ids(table.to_dict("records")) if table is not None else []
        index = ArchiveIndex.of([*held, *moving])
    if index.fits():
        return rows, (was, index), made_again
    return [row for row in rows if period_end(row["period"]) is not None], None, made_again


def _message_ids(archive: pd.DataFrame | None) -> set[str]:
    """The Message-IDs in the Sent archive (none where the tab is missing)."""
    return set() if archive is None else {clean_text(m) for m in archive["message_id"]}


def _after_last_period(archive: pd.DataFrame | None) -> date:
    """The day after the last period the Sent archive holds mail of (the earliest day if none)."""
    ends = [period_end(clean_text(p)) for p in archive["period"]] if archive is not None else []
    return max((e for e in ends if e is not None), default=date.min) + timedelta(days=1)


def _copy(workspace: Workspace, copy: Changes) -> ApplyResult:
    """The copy's write; a workbook or spreadsheet made before the archive tab gets it first."""
    try:
        return workspace.store.apply(copy)
    except SheetError as exc:
        if exc.tab != SENT_ARCHIVE_TAB:
            raise
    workspace.store.ensure_tabs([SENT_ARCHIVE_TAB])
    return workspace.store.apply(copy)
