"""The summary's sharing section: who shared posts and the visits they brought, by team.

The organisation's part (offers of the last WINDOW_DAYS, by team) comes from
jobs.sharing_figures once per run; each manager's part is a sum over their
own team's members of per-person figures indexed once, and the new starters
who have not acknowledged are looked up among the same members, so the
section stays linear in people however many managers there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from jobs import sharing_figures
from jobs.people import by_email
from jobs.weekly_summary.teams import Staff
from jobs.weeks import parse_dates
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings


@dataclass(frozen=True)
class Sharing:
    """The sharing figures of the organisation, and per person, computed once."""

    org: dict[str, Any]
    visits_by_email: dict[str, int]
    #: email -> the date a person started, for those whose start is STARTER_DAYS or more ago
    settled_starters: dict[str, str]


def sharing_figures_once(
    snapshot: Snapshot, settings: Settings, now: datetime, end: datetime, headcount: int
) -> Sharing:
    """Offers of the last WINDOW_DAYS up to `end`: by team, and visits per person."""
    people = snapshot["People"]
    offers = sharing_figures.offers_in_window(snapshot.get_or_empty("Shares"), end, settings)
    teams = sharing_figures.by_team(offers, people)
    visits: dict[str, int] = defaultdict(int)
    for email, count in zip(offers["email"], offers["visits"], strict=True):
        visits[email] += int(count)
    everyone = by_email(people)
    emails = list(everyone)
    starts = parse_dates(
        pd.Series([everyone[e].get("start_date", "") for e in emails], dtype=object),
        day_first=settings.organisation.day_first,
    )
    cutoff = now.astimezone(settings.tz).date() - timedelta(days=sharing_figures.STARTER_DAYS)
    settled = {
        email: start.isoformat()
        for email, start in zip(emails, starts, strict=True)
        if start is not None and start <= cutoff
    }
    org = {
        "days": sharing_figures.WINDOW_DAYS,
        "teams": teams,
        "visits": int(offers["visits"].sum()),
        "shared": sum(t["shared"] for t in teams),
        "people": headcount,
    }
    return Sharing(org, dict(visits), settled)


def sharing_section(sharing: Sharing, staff: Staff, manager: str) -> dict[str, Any]:
    """The sharing section of one manager's summary: the organisation by team, their team,
    and their new starters who have still to acknowledge the policy."""
    team, members = staff.team(manager)
    offered = [e for e in members if e in sharing.visits_by_email]
    late = sorted(
        (
            {"name": staff.names[e], "email": e, "start_date": sharing.settled_starters[e]}
            for e in members
            if e in sharing.settled_starters and staff.acknowledged.get(e) is False
        ),
        key=lambda p: (p["name"], p["email"]),
    )
    return {
        "key": "sharing",
        "title": "Sharing",
        **sharing.org,
        "team": {
            "name": team or "your team",
            "offered": len(offered),
            "shared": sum(1 for e in offered if sharing.visits_by_email[e] > 0),
            "visits": sum(sharing.visits_by_email[e] for e in offered),
        },
        "late_starters": late,
    }
