"""assign-mentions: the person a coordinator names in Mentions > Assigned To hears of it, once.

    gather  nothing outside the spreadsheet
    plan    pure: one email per (mention, assignee) for mentions still waiting for an
            answer (Status New), with the words and the link to answer
    apply   the sends, through the Sent ledger

The Message-ID is fixed by the mention's ID and the assignee's address
(OutgoingMessage.message_id), so the ledger sends each assignment once
however often the job runs; naming someone else sends them their own email.

`waiting_assigned` is the figure the brief and the weekly summary show:
what is assigned and not answered yet, oldest first, with its age.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.people import active_people, readable_email
from jobs.weeks import parse_times
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text

NAME = "assign-mentions"
TABS = ("Mentions", "People", "Sent")
PERIOD = "assigned"
#: the status of a mention nobody has answered (or passed on) yet
WAITING = ("new",)
#: the age bands the summary counts assigned, unanswered mentions in
AGE_BANDS: tuple[tuple[str, timedelta], ...] = (
    ("under a day", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
    ("over a week", timedelta.max),
)


@dataclass(frozen=True)
class Waiting:
    """A mention assigned to someone and not answered yet."""

    id: str
    assignee: str
    kind: str
    network: str
    title: str
    url: str
    age: timedelta | None

    @property
    def band(self) -> str:
        """Which AGE_BANDS entry its age falls in ('' when its Found At cannot be read)."""
        if self.age is None:
            return ""
        return next(name for name, limit in AGE_BANDS if self.age < limit)


def waiting_assigned(mentions: pd.DataFrame, now: datetime, settings: Settings) -> list[Waiting]:
    """Mentions with an Assigned To and a Status still New, oldest first."""
    if mentions.empty:
        return []
    found_at = parse_times(
        mentions["found_at"], settings.tz, day_first=settings.organisation.day_first
    )
    waiting: list[Waiting] = []
    for (_, row), when in zip(mentions.iterrows(), found_at, strict=True):
        assignee = readable_email(row.get("assigned_to", ""))
        status = clean_text(row.get("status", "")).casefold()
        if not assignee or status not in WAITING or clean_text(row.get("responded_at", "")):
            continue
        age = None if pd.isna(when) else max(now - when.to_pydatetime(), timedelta(0))
        waiting.append(
            Waiting(
                clean_text(row.get("id", "")),
                assignee,
                clean_text(row.get("kind", "")) or "Mention",
                clean_text(row.get("network", "")),
                clean_text(row.get("title", "")) or clean_text(row.get("snippet", ""))[:80],
                clean_text(row.get("url", "")),
                age,
            )
        )
    return sorted(waiting, key=lambda w: (w.age is None, -(w.age or timedelta(0)).total_seconds()))


def by_age(waiting: list[Waiting]) -> dict[str, int]:
    """How many assigned, unanswered mentions fall in each age band (every band named)."""
    counts = Counter(w.band for w in waiting if w.band)
    return {name: counts.get(name, 0) for name, _limit in AGE_BANDS}


def assigned_context(
    mentions: pd.DataFrame, now: datetime, settings: Settings
) -> list[dict[str, str]]:
    """The brief's and the summary's list: assigned, not answered yet, oldest first, with age."""
    return [
        {
            "id": w.id,
            "assignee": w.assignee,
            "kind": w.kind,
            "network": w.network,
            "title": w.title,
            "url": w.url,
            "age": _age_words(w.age),
            "band": w.band,
        }
        for w in waiting_assigned(mentions, now, settings)
    ]


def assigned_summary(mentions: pd.DataFrame, now: datetime, settings: Settings) -> dict[str, Any]:
    """The weekly summary's figure: how many are assigned and unanswered, by age band."""
    waiting = waiting_assigned(mentions, now, settings)
    bands = by_age(waiting)
    return {
        "total": len(waiting),
        "by_age": [{"band": band, "count": count} for band, count in bands.items() if count],
    }


def _age_words(age: timedelta | None) -> str:
    if age is None:
        return "unknown age"
    if age < timedelta(hours=1):
        return "under an hour"
    if age < timedelta(days=1):
        return f"{age // timedelta(hours=1)} h"
    return f"{age.days} d"


def _message(item: Waiting, row: dict[str, Any], person: dict[str, Any]) -> OutgoingMessage:
    name = clean_text(person.get("name", "")) or item.assignee
    what = f"{item.network} {item.kind.lower()}" if item.network else item.kind.lower()
    return OutgoingMessage(
        job=NAME,
        period=PERIOD,
        to_email=item.assignee,
        to_name=name,
        subject=f"Please answer this {what}: {item.title}"[:150],
        template="mention_assigned",
        context={
            "first_name": name.split()[0] if name.split() else name,
            "id": item.id,
            "what": what,
            "title": item.title,
            "snippet": clean_text(row.get("snippet", "")),
            "author": clean_text(row.get("author", "")),
            "url": item.url,
            "notes": clean_text(row.get("notes", "")),
        },
        topic=item.id,
    )


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: Any = None) -> Plan:
    """One email per assigned mention still waiting, addressed to an active person."""
    mentions = snapshot.get_or_empty("Mentions")
    people = {
        readable_email(p.get("email", "")): p
        for p in active_people(snapshot.get_or_empty("People")).to_dict("records")
    }
    rows = {clean_text(r.get("id", "")): r for r in mentions.to_dict("records")}
    messages: list[OutgoingMessage] = []
    lines: list[str] = []
    for item in waiting_assigned(mentions, now, settings):
        person = people.get(item.assignee)
        if not item.id:
            lines.append(f"a mention assigned to {item.assignee} has no ID, so it cannot be sent")
            continue
        if person is None:
            lines.append(
                f"{item.id} is assigned to {item.assignee}, who is not an active person in "
                "People: no email sent (fix Assigned To or People)"
            )
            continue
        messages.append(_message(item, rows.get(item.id, {}), person))
    return Plan(
        messages=tuple(messages),
        report=Report(counts={"assignments": len(messages)}, lines=tuple(lines)),
    )


JOB = Job(
    NAME,
    "Email the person named in Mentions > Assigned To the mention and the link to answer, once.",
    TABS,
    plan,
)
