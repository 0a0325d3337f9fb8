"""The crisis emails: the storm alert, "a crisis is declared", the holding statement, the all-clear.

Each is an OutgoingMessage with a Message-ID of its own (topic and period), so
the Sent ledger sends it once however many runs plan it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from jobs import people
from jobs.base import OutgoingMessage
from jobs.crisis import JOB_NAME, MAX_LISTED, duty_at, sheet
from jobs.crisis.audience import answerer, crisis_recipients, crisis_team, duty_team
from jobs.crisis.hold import QueueMove
from jobs.crisis.state import PROGRAM_SETTING
from jobs.crisis.storm import Spike
from sheets_schema.settings import Settings

FALLBACK_GUIDELINE = (
    "If you see praise or criticism of {org} online, please do not reply yourself: "
    "send the link to the social media coordinator, who answers for {org}."
)


def guideline(policies: pd.DataFrame, org_name: str) -> dict[str, str]:
    """The current Policies row about compliments and criticism (title), or a plain sentence."""
    for row in sheet.rows(policies):
        title = row.get("title", "")
        if not re.search(r"compliment|criticism|critic", title, re.I):
            continue
        if row.get("status", "").casefold() == "retired" or not row.get("text"):
            continue
        return {"title": title, "text": row["text"], "id": row.get("id", "")}
    return {"title": "", "text": FALLBACK_GUIDELINE.format(org=org_name or "us"), "id": ""}


def duration(delta: timedelta) -> str:
    """A time span for people: '2 days 3 hours', '4 hours 10 minutes', 'less than a minute'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} day{'s' * (days != 1)}"] if days else []
    if hours:
        parts.append(f"{hours} hour{'s' * (hours != 1)}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts) or "less than a minute"


def _messages(
    recipients: Iterable[str],
    people_tab: pd.DataFrame,
    *,
    topic: str,
    period: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    why: str,
) -> tuple[OutgoingMessage, ...]:
    """One message per recipient (lower case, each once), greeted by their People name."""
    index = people.by_email(people_tab)
    return tuple(
        OutgoingMessage(
            job=JOB_NAME,
            period=period,
            to_email=email,
            to_name=people.person_name(index, email),
            subject=subject,
            template=template,
            context={**context, "why": why},
            topic=topic,
        )
        for email in dict.fromkeys(e.lower() for e in recipients if e)
    )


def _mention_context(row: Mapping[str, str]) -> dict[str, str]:
    return {
        k: row.get(k, "")
        for k in ("id", "found_at", "kind", "source", "title", "snippet", "url", "status")
    }


def _crisis_context(row: Mapping[str, str], settings: Settings) -> dict[str, str]:
    started = sheet.started(row, settings.tz)
    return {
        "id": row.get("id", ""),
        "reason": row.get("reason", ""),
        "holding_statement": row.get("holding_statement", ""),
        "declared_by": row.get("declared_by", ""),
        "started": started.isoformat() if started else row.get("started", ""),
    }


def alert_messages(
    spike: Spike, snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> tuple[OutgoingMessage, ...]:
    """The storm alert to the coordinator on duty and the backup, once per episode."""
    people_tab = sheet.frame(snapshot, "People")
    duty = duty_at(snapshot, now, settings)
    hours = f"{spike.window_hours:g}"
    coordinator, backup = duty.coordinator, duty.backup
    context = {
        "kind": "storm",
        "episode": spike.episode,
        "crossed_at": spike.crossed_at.isoformat(),
        "window_hours": hours,
        "count": spike.count,
        "threshold": spike.threshold,
        "median": f"{spike.median:g}",
        "since": spike.since,
        "mentions": [_mention_context(m) for m in spike.mentions[-MAX_LISTED:]],
        "more": max(0, len(spike.mentions) - MAX_LISTED),
        "coordinator": people.person(people_tab, coordinator).as_context() if coordinator else None,
        "backup": people.person(people_tab, backup).as_context() if backup else None,
        "on_duty_reason": duty.reason,
        "start_command": 'chorus crisis start --reason "..." --statement "..."',
        "setting": PROGRAM_SETTING,
    }
    return _messages(
        duty_team(duty),
        people_tab,
        topic="alert",
        period=spike.episode,
        subject=f"Storm warning: {spike.count} criticisms and direct messages in {hours} hours",
        template="crisis_alert",
        context=context,
        why="you are on social media duty this week (Rota tab) and Chorus saw a storm building.",
    )


def declared_messages(
    row: Mapping[str, str],
    held: Sequence[QueueMove],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> tuple[OutgoingMessage, ...]:
    """'A crisis is declared': to the week's coordinator, the backup and the managers."""
    people_tab = sheet.frame(snapshot, "People")
    duty = duty_at(snapshot, now, settings)
    context = {
        "kind": "declared",
        "crisis": _crisis_context(row, settings),
        "held": [m.as_context() for m in held[:MAX_LISTED]],
        "held_count": len(held),
        "hold_days": settings.crisis.hold_days,
        "answerer": answerer(duty, people_tab),
        "end_command": "chorus crisis end",
        "setting": PROGRAM_SETTING,
    }
    return _messages(
        crisis_team(duty, people_tab),
        people_tab,
        topic="declared",
        period=row.get("id", ""),
        subject=f"Crisis declared ({row.get('id', '')}): scheduled posts are on hold",
        template="crisis_alert",
        context=context,
        why="a crisis was declared and you coordinate, back up or manage the social media program.",
    )


def staff_messages(
    row: Mapping[str, str], snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> tuple[OutgoingMessage, ...]:
    """One short email to every active Staff member: the holding statement, who answers,
    and the guideline to pass compliments and criticism on rather than answer them."""
    people_tab = sheet.frame(snapshot, "People")
    duty = duty_at(snapshot, now, settings)
    context = {
        "crisis": _crisis_context(row, settings),
        "answerer": answerer(duty, people_tab),
        "guideline": guideline(sheet.frame(snapshot, "Policies"), settings.organisation.name),
    }
    return _messages(
        [p.email for p in people.staff(people_tab)],
        people_tab,
        topic="staff",
        period=row.get("id", ""),
        subject=f"Please read: how {settings.organisation.name} is responding online",
        template="crisis_staff",
        context=context,
        why="you are on staff and a crisis was declared for the social media program.",
    )


def all_clear_messages(
    row: Mapping[str, str],
    ended: datetime,
    moves: Sequence[QueueMove],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> tuple[OutgoingMessage, ...]:
    """The all-clear to everyone who got this crisis's emails, and to the people on duty."""
    people_tab = sheet.frame(snapshot, "People")
    duty = duty_at(snapshot, now, settings)
    team, staff = crisis_recipients(row, ended, snapshot, settings)
    for email in duty_team(duty):
        if email not in team:
            team.append(email)
    staff = [e for e in staff if e not in team]
    started = sheet.started(row, settings.tz)
    restored = [m for m in moves if m.after != "Overdue"]
    overdue = [m for m in moves if m.after == "Overdue"]
    base = {
        "crisis": _crisis_context(row, settings),
        "ended": ended.isoformat(),
        "lasted": duration(ended - started) if started else "",
        "restored": [m.as_context() for m in restored[:MAX_LISTED]],
        "restored_count": len(restored),
        "overdue": [m.as_context() for m in overdue[:MAX_LISTED]],
        "overdue_count": len(overdue),
        "answerer": answerer(duty, people_tab),
    }
    subject = f"All clear: {settings.organisation.name}'s social media is back to normal"
    return _messages(
        team,
        people_tab,
        topic="all-clear",
        period=row.get("id", ""),
        subject=subject,
        template="crisis_all_clear",
        context={**base, "for_team": True},
        why="you received this crisis's alerts or briefs.",
    ) + _messages(
        staff,
        people_tab,
        topic="all-clear",
        period=row.get("id", ""),
        subject=subject,
        template="crisis_all_clear",
        context={**base, "for_team": False},
        why="you received the holding statement for this crisis.",
    )
