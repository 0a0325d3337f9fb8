"""The Queue during a crisis: which scheduled items are held, and how they come back.

Holding happens once, when Chorus starts or adopts a crisis: every Queue item
Scheduled in the next `crisis.hold_days` days goes On hold with its status in
Held From. Items people schedule later during the crisis are their decision
and are left alone. Standing down restores every item On hold with a Held
From: to that status while its time is still ahead, to Overdue (a person
decides) when its time passed during the crisis. Every write is guarded by
`expect`, so a person's concurrent change wins and no item is held or
restored twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from jobs.crisis import sheet
from sheets_schema.columns import QUEUE_STATUSES
from sheets_schema.records import Update
from sheets_schema.settings import Settings
from sheets_schema.values import format_datetime


@dataclass(frozen=True)
class QueueMove:
    """One Queue item Chorus holds or restores: its ID, headline, when, and the statuses."""

    id: str
    headline: str
    scheduled_for: str
    before: str
    after: str

    def as_context(self) -> dict[str, str]:
        """The move as an email template sees it."""
        return {
            "id": self.id,
            "headline": self.headline,
            "scheduled_for": self.scheduled_for,
            "before": self.before,
            "after": self.after,
        }


def hold_moves(queue: pd.DataFrame, now: datetime, settings: Settings) -> list[QueueMove]:
    """Queue items Scheduled for the next `crisis.hold_days` days, in time order."""
    tz, day_first = settings.tz, settings.organisation.day_first
    until = now + timedelta(days=settings.crisis.hold_days)
    found: list[tuple[datetime, QueueMove]] = []
    for row in sheet.rows(queue):
        if row.get("status", "").casefold() != "scheduled" or not row.get("id"):
            continue
        when = sheet.when(row.get("scheduled_for", ""), tz, day_first)
        if when is None or not now <= when <= until:
            continue
        at = format_datetime(when, tz)
        found.append(
            (when, QueueMove(row["id"], row.get("headline", ""), at, row["status"], "On hold"))
        )
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    return [move for _, move in found]


def held_moves(queue: pd.DataFrame, settings: Settings) -> list[QueueMove]:
    """The items a crisis holds now (On hold, Held From Scheduled), in time order.

    What an interrupted start or adoption held, read back from the Queue, so the
    announcement it did not finish can list them.
    """
    tz, day_first = settings.tz, settings.organisation.day_first
    found: list[tuple[datetime | None, QueueMove]] = []
    for row in sheet.rows(queue):
        if row.get("status", "").casefold() != "on hold" or not row.get("id"):
            continue
        if row.get("held_from", "").casefold() != "scheduled":
            continue  # intake held on arrival, not a post the crisis took off the plan
        when = sheet.when(row.get("scheduled_for", ""), tz, day_first)
        at = format_datetime(when, tz) if when else row.get("scheduled_for", "")
        move = QueueMove(row["id"], row.get("headline", ""), at, row["held_from"], row["status"])
        found.append((when, move))
    found.sort(key=lambda pair: (pair[0] is None, pair[0] or datetime.min, pair[1].id))
    return [move for _, move in found]


def hold_updates(moves: Iterable[QueueMove]) -> tuple[Update, ...]:
    """On hold with the old status in Held From, only if the item is still as read."""
    return tuple(
        Update(
            "Queue",
            (m.id,),
            {"status": m.after, "held_from": m.before},
            expect={"status": m.before, "held_from": ""},
        )
        for m in moves
    )


def restore_moves(
    queue: pd.DataFrame, now: datetime, settings: Settings
) -> tuple[list[QueueMove], list[str]]:
    """Every item On hold with a Held From: back to that status, or Overdue when its
    scheduled time passed. Returns the moves and problems (an unknown Held From)."""
    tz, day_first = settings.tz, settings.organisation.day_first
    known = {s.casefold(): s for s in QUEUE_STATUSES}
    moves: list[QueueMove] = []
    problems: list[str] = []
    for row in sheet.rows(queue):
        if row.get("status", "").casefold() != "on hold" or not row.get("held_from"):
            continue
        before = row["held_from"]
        if before.casefold() not in known or before.casefold() == "on hold":
            problems.append(
                f"tab 'Queue', row {row['_row']}, column 'Held From': {row.get('id')} was held from "
                f"{before!r}, which is not a Queue status; it stays On hold (set its Status by hand)"
            )
            continue
        when = sheet.when(row.get("scheduled_for", ""), tz, day_first)
        after = before
        if before.casefold() == "scheduled" and when is not None and when < now:
            after = "Overdue"
        at = format_datetime(when, tz) if when else row.get("scheduled_for", "")
        moves.append(
            QueueMove(row.get("id", ""), row.get("headline", ""), at, row["status"], after)
        )
    return moves, problems


def restore_updates(moves: Iterable[QueueMove], held_from: Mapping[str, str]) -> tuple[Update, ...]:
    """Back to the status before the hold; an Overdue item keeps Held From so people see
    what it was. Guarded: an item a person changed meanwhile is left as they set it."""
    updates = []
    for m in moves:
        values = {"status": m.after, "held_from": held_from[m.id] if m.after == "Overdue" else ""}
        updates.append(
            Update(
                "Queue", (m.id,), values, expect={"status": m.before, "held_from": held_from[m.id]}
            )
        )
    return tuple(updates)


def held_items(queue: pd.DataFrame) -> list[dict[str, str]]:
    """Queue rows Chorus holds: On hold with a Held From, in sheet order."""
    return [
        r
        for r in sheet.rows(queue)
        if r.get("status", "").casefold() == "on hold" and r.get("held_from")
    ]
