"""The runner's move of long-closed periods' mail from Sent to the Sent archive, once a month.

The rule is jobs.sent_archive. A mailing run has read Sent and State; when
State's day is before this month's cutoff ([history] sent_months), the run
ends with the move: the rows are copied there in the write that records the
cutoff in State, then deleted from Sent in a second write. The archive is
read only when rows a killed move may have copied already are among them
(jobs.sent_archive.left_over): a year of archive is not read every month. A
workbook or spreadsheet made before the archive tab existed gets it first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd

from automation import crash
from jobs.sent_archive import (
    UNREADABLE,
    archived_before,
    cutoff_for,
    left_over,
    movable,
    period_end,
    plan_move,
)
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
    return cutoff if recorded is None or recorded < cutoff or recorded == UNREADABLE else None


def move_closed_mail(
    workspace: Workspace, snapshot: Mapping[str, pd.DataFrame], now: datetime
) -> list[str]:
    """Move this month's due rows to the Sent archive; the lines the run's summary gets."""
    cutoff = move_due(snapshot, workspace.settings, now)
    if cutoff is None:
        return []
    recorded = archived_before(snapshot[STATE_TAB])

    @cache
    def archive() -> pd.DataFrame | None:  # read at most once, and only when needed
        return workspace.store.read((SENT_ARCHIVE_TAB,)).get(SENT_ARCHIVE_TAB)

    if recorded == UNREADABLE:  # typed over: never below what the archive holds already
        cutoff = max(cutoff, _after_last_period(archive()))
    rows = movable(snapshot[SENT], cutoff)
    if not rows and recorded != UNREADABLE:
        return []  # nothing to move, nothing written: the next mailing run looks again
    archived = _message_ids(archive()) if left_over(rows, recorded) else set()
    move = plan_move(rows, archived, cutoff, recorded)
    copied = _copy(workspace, move.copy)
    if copied.skipped:  # State's row went since the run read it, or a row was there already:
        # nothing is deleted from Sent this time (its rows are found there; the next move
        # reads the archive for them, as left over)
        return [f"sent: not moved to the {SENT_ARCHIVE_TAB} tab: {copied.skipped[0]}"]
    crash.reached("sent.copied")
    workspace.store.apply(move.finish)
    return [
        f"sent: {move.moved} message(s) of periods that ended before {cutoff.isoformat()} "
        f"moved to the {SENT_ARCHIVE_TAB} tab ([history] sent_months)"
    ]


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
