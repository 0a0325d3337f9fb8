"""Involvement that counts sharing: who shared and the visits it brought, by team, for managers.

A share is known by its visits: Shares > Visits above 0 means the person
posted the link and someone came through it. Figures cover the offers of the
last WINDOW_DAYS up to the end of the summary's week (visits keep arriving
after a digest goes), grouped by team and never ranked by person. The same
section lists the manager's new starters who still have not acknowledged the
policy STARTER_DAYS after their Start Date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from jobs import acknowledgements as acks
from jobs.people import active_people, by_email, team_of
from jobs.weeks import parse_dates, parse_times, within
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, parse_int

WINDOW_DAYS = 28
STARTER_DAYS = 14


def _visits(value: object) -> int:
    try:
        return max(parse_int(value), 0)
    except ValueError:
        return 0


def offers_in_window(shares: pd.DataFrame, end: datetime, settings: Settings) -> pd.DataFrame:
    """The Shares rows offered in the WINDOW_DAYS before `end`, with email and visits as numbers."""
    sent = parse_times(shares["sent_at"], settings.tz, day_first=settings.organisation.day_first)
    recent = shares[within(sent, end - timedelta(days=WINDOW_DAYS), end)]
    return pd.DataFrame(
        {
            "email": recent["email"].map(lambda v: clean_text(v).lower()),
            "visits": recent["visits"].map(_visits),
        }
    )


def by_team(offers: pd.DataFrame, people: pd.DataFrame) -> list[dict[str, Any]]:
    """Per team (sorted by name): people offered, people who shared, visits their shares brought."""
    teams = {email: row.get("team", "") or "No team" for email, row in by_email(people).items()}
    rows: dict[str, dict[str, Any]] = {}
    for email, group in offers.groupby("email"):
        team = teams.get(str(email), "No team")
        row = rows.setdefault(team, {"team": team, "offered": 0, "shared": 0, "visits": 0})
        row["offered"] += 1
        row["shared"] += int(group["visits"].sum() > 0)
        row["visits"] += int(group["visits"].sum())
    return [rows[name] for name in sorted(rows)]


def late_starters(
    people: pd.DataFrame,
    ack_status: pd.DataFrame,
    members: frozenset[str],
    now: datetime,
    settings: Settings,
) -> list[dict[str, str]]:
    """The team's people who started STARTER_DAYS or more ago and have not acknowledged."""
    if ack_status.empty:
        return []
    waiting = {m["email"]: m for m in acks.missing(ack_status, members)}
    everyone = by_email(people)
    starts = parse_dates(
        pd.Series([everyone.get(e, {}).get("start_date", "") for e in waiting], dtype=object),
        day_first=settings.organisation.day_first,
    )
    cutoff = now.astimezone(settings.tz).date() - timedelta(days=STARTER_DAYS)
    return [
        {"name": waiting[email]["name"], "email": email, "start_date": start.isoformat()}
        for email, start in zip(waiting, starts, strict=True)
        if start is not None and start <= cutoff
    ]


def section(
    snapshot: Snapshot,
    settings: Settings,
    now: datetime,
    end: datetime,
    manager_email: str,
    ack_status: pd.DataFrame,
) -> dict[str, Any]:
    """The summary's sharing section for one manager: the organisation by team, their team, starters."""
    people = snapshot["People"]
    offers = offers_in_window(snapshot.get_or_empty("Shares"), end, settings)
    teams = by_team(offers, people)
    name, members = team_of(people, manager_email)
    mine = offers[offers["email"].isin(members)]
    active = len(active_people(people))
    return {
        "days": WINDOW_DAYS,
        "teams": teams,
        "visits": int(offers["visits"].sum()),
        "shared": sum(t["shared"] for t in teams),
        "people": active,
        "team": {
            "name": name or "your team",
            "offered": int(mine["email"].nunique()),
            "shared": int((mine.groupby("email")["visits"].sum() > 0).sum()),
            "visits": int(mine["visits"].sum()),
        },
        "late_starters": late_starters(people, ack_status, members, now, settings),
    }
