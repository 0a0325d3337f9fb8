"""The runner's move of long-closed periods' mail from Sent to the Sent archive, once a month.

The rule is jobs.sent_archive. A mailing run has read Sent and State; when
State's day is before this month's cutoff ([history] sent_months), the run
ends with the move: the Sent archive's Message-IDs are read (so a killed
run's copy is not made twice), the rows are copied there in the write that
records the cutoff in State, then deleted from Sent in a second write. A
workbook or spreadsheet made before the archive tab existed gets it first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd

from automation import crash
from jobs.sent_archive import archived_before, cutoff_for, movable, plan_move
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
    return cutoff if recorded is None or recorded < cutoff else None


def move_closed_mail(
    workspace: Workspace, snapshot: Mapping[str, pd.DataFrame], now: datetime
) -> list[str]:
    """Move this month's due rows to the Sent archive; the lines the run's summary gets."""
    cutoff = move_due(snapshot, workspace.settings, now)
    if cutoff is None:
        return []
    rows = movable(snapshot[SENT], cutoff)
    if not rows:
        return []  # nothing to move, nothing written: the next mailing run looks again
    state = snapshot[STATE_TAB]
    move = plan_move(rows, _archived_ids(workspace), cutoff, archived_before(state))
    copied = workspace.store.apply(move.copy)
    if copied.skipped:  # State's row went since the run read it: the day is not recorded
        return [f"sent: not moved to the {SENT_ARCHIVE_TAB} tab: {copied.skipped[0]}"]
    crash.reached("sent.copied")
    workspace.store.apply(move.finish)
    return [
        f"sent: {move.moved} message(s) of periods that ended before {cutoff.isoformat()} "
        f"moved to the {SENT_ARCHIVE_TAB} tab ([history] sent_months)"
    ]


def _archived_ids(workspace: Workspace) -> set[str]:
    """The Message-IDs in the Sent archive, which is made first where it is missing."""
    store = workspace.store
    archive = store.read((SENT_ARCHIVE_TAB,)).get(SENT_ARCHIVE_TAB)
    if archive is None:
        store.ensure_tabs([SENT_ARCHIVE_TAB])
        return set()
    return {clean_text(m) for m in archive["message_id"]}
