"""The runner's roll-up of older Runs: at most once a day, inside the run's one write.

The rule is jobs.runs_rollup; this module decides when it is due (a marker
file in Chorus's state folder holds the day of the last roll-up), plans it
from the Runs tab the run read, and marks the day done once the write is in.
A lost marker costs one more roll-up the same day, which is safe: the rule
only deletes a day's rows once it has read that day's line.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from automation.share_key import state_folder
from jobs.runs_rollup import Rollup, roll_up
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings

log = logging.getLogger("chorus.run")

MARKER = "runs-rolled-up"


def _today(settings: Settings, now: datetime) -> date:
    return now.astimezone(settings.tz).date()


def last_rollup(settings: Settings) -> date | None:
    """The day of the last roll-up this installation did (None: never, or the marker is unreadable)."""
    try:
        text = (state_folder(settings) / MARKER).read_text(encoding="ascii").strip()
        return date.fromisoformat(text)
    except (OSError, ValueError):
        return None


def rollup_due(settings: Settings, now: datetime) -> bool:
    """Whether this run rolls up older Runs: on, and not yet done today by this installation.

    When it is, the runner adds the Runs tab to the run's one read (on Google the
    same request, on the workbook one more sheet read once a day).
    """
    if settings.history.runs_days <= 0:
        return False
    done = last_rollup(settings)
    return done is None or done < _today(settings, now)


def plan_rollup(snapshot: Snapshot, settings: Settings, now: datetime) -> Rollup | None:
    """Today's roll-up write from the Runs tab the run read (None when it did not read it)."""
    if "Runs" not in snapshot or not rollup_due(settings, now):
        return None
    return roll_up(snapshot["Runs"], now, settings.tz, settings.history.runs_days)


def mark_rolled_up(settings: Settings, now: datetime) -> None:
    """Remember that today's roll-up is written; a marker that cannot be kept only costs a re-read."""
    path = state_folder(settings) / MARKER
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{MARKER}.tmp")
        tmp.write_text(_today(settings, now).isoformat() + "\n", encoding="ascii")
        tmp.replace(path)
    except OSError as exc:
        log.warning("could not keep the roll-up marker %s: %s", path, exc)
