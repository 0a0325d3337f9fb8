"""Each manager's team and its part of the summary, in time linear in the staff list.

The staff list is grouped by team and by manager once; a manager's team is
then looked up, not searched for, and its figures are sums over its own
members of per-person figures computed once for the organisation. The rule
for who is in a team is jobs.people.team_of's: the manager's reports, the
people sharing the manager's Team, and the manager.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd

from jobs.weekly_summary.week_figures import WeekFigures
from jobs.weekly_summary.words import count_of, names_text, pct_text, share


@dataclass(frozen=True)
class Staff:
    """The active staff list grouped once: names, teams, reports, and per-person facts."""

    names: dict[str, str]
    team_by_email: dict[str, str]
    by_team: dict[str, list[str]]
    by_manager: dict[str, list[str]]
    #: email -> acknowledged the current policy version (only when a version is set)
    acknowledged: dict[str, bool] = field(default_factory=dict)
    #: emails whose first submission ever came this week
    first_timers: frozenset[str] = frozenset()

    def team(self, manager: str) -> tuple[str, list[str]]:
        """The manager's team name and members (emails, manager included), as team_of says."""
        name = self.team_by_email.get(manager, "")
        seen: dict[str, None] = {manager: None}
        for email in self.by_manager.get(manager, []):
            seen[email] = None
        for email in self.by_team.get(name, []) if name else []:
            seen[email] = None
        return name, list(seen)


def group_staff(
    active: pd.DataFrame, ack_status: pd.DataFrame | None, first_timers: frozenset[str]
) -> Staff:
    """One pass over the active staff list (and the acknowledgement status, when a version is set)."""
    # plain lists: iterating a pandas column goes through its array one element at a time
    emails, teams, names = (active[c].tolist() for c in ("email", "team", "name"))
    by_team: dict[str, list[str]] = defaultdict(list)
    by_manager: dict[str, list[str]] = defaultdict(list)
    for email, team, manager in zip(emails, teams, active["manager_email"].tolist(), strict=True):
        if team:
            by_team[team].append(email)
        if manager:
            by_manager[manager].append(email)
    acknowledged: dict[str, bool] = {}
    if ack_status is not None:
        acknowledged = dict(
            zip(
                ack_status["email"].tolist(),
                ack_status["acknowledged"].astype(bool).tolist(),
                strict=True,
            )
        )
    return Staff(
        names=dict(zip(emails, names, strict=True)),
        team_by_email=dict(zip(emails, teams, strict=True)),
        by_team=dict(by_team),
        by_manager=dict(by_manager),
        acknowledged=acknowledged,
        first_timers=first_timers,
    )


def _acknowledgement(staff: Staff, members: list[str], name: str) -> dict[str, object] | None:
    if not staff.acknowledged:
        return None
    expected = [e for e in members if e in staff.acknowledged]
    done = sum(1 for e in expected if staff.acknowledged[e])
    missing = sorted(
        ({"name": staff.names[e], "email": e} for e in expected if not staff.acknowledged[e]),
        key=lambda p: (p["name"], p["email"]),
    )
    pct = share(done, len(expected))
    return {
        "people": len(expected),
        "acknowledged": done,
        "pct": pct,
        "pct_text": pct_text(pct),
        "missing": missing,
        "summary": f"in {name}, {done} of {count_of(len(expected), 'person')} ({pct_text(pct)})",
    }


def team_part(staff: Staff, this: WeekFigures, manager: str) -> dict[str, object]:
    """The manager's own team: involvement against the organisation, contributors, first-timers,
    who has still to acknowledge the policy. Only this part carries names, and only the team's."""
    team, members = staff.team(manager)
    name = team or "your team"
    sent = {e: this.per_person[e] for e in members if e in this.per_person}
    ranked = sorted(sent.items(), key=lambda item: (-item[1], staff.names[item[0]]))
    contributors = [{"name": staff.names[e], "submissions": n} for e, n in ranked]
    pct = share(len(sent), len(members))
    new = sorted(staff.names[e] for e in members if e in staff.first_timers)
    return {
        "name": name,
        "members": len(members),
        "submissions": sum(sent.values()),
        "contributors": contributors,
        "contributor_names": names_text(
            [f"{c['name']} ({c['submissions']})" for c in contributors]
        ),
        "contributor_pct": pct,
        "pct_text": pct_text(pct),
        "other_contributors": this.contributors - len(sent),
        "first_timers": new,
        "first_timer_names": names_text(new),
        "other_first_timers": len(staff.first_timers) - len(new),
        "acknowledgements": _acknowledgement(staff, members, name),
    }
