"""weekly-summary: each manager's Monday email on the week that just ended, verdict first.

The first screen says how the week went against the plan and last week in
three lines (posts, staff involvement, mentions answered) and what needs the
manager; short sections follow (sections.py). Every figure is computed once,
for one period (the ISO week that ended), by one function (week_figures.py);
the staff list is grouped by team once (teams.py), so planning is linear in
people. Names shown are always from the manager's own team.

    snapshot ─▶ WeekFigures (this week, last week) ─▶ organisation sections (once)
             └▶ Staff (grouped once) ─▶ team part (per manager) ─▶ one message each
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from jobs import acknowledgements as acks
from jobs import figures
from jobs.base import Chart, InlineImage, Job, OutgoingMessage, Plan, Report, Series
from jobs.goals import GoalInputs, goal_progress
from jobs.mention_assignments import assigned_summary
from jobs.people import people_with_role
from jobs.weekly_summary.sections import (
    SECTION_ORDER,
    coming_days,
    crises_section,
    goals_section,
    involvement_org,
    involvement_verdict,
    mentions_section,
    mentions_verdict,
    posts_section,
    posts_verdict,
    trend_section,
)
from jobs.weekly_summary.sharing import Sharing, sharing_figures_once, sharing_section
from jobs.weekly_summary.teams import Staff, group_staff, team_part
from jobs.weekly_summary.week_figures import WeekFigures, both_weeks
from jobs.weekly_summary.words import count_of, day_range, pct_text
from jobs.weeks import week_that_ended
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings

__all__ = ["JOB", "NAME", "TABS", "day_range", "pct_text", "plan"]

NAME = "weekly-summary"
TABS = (
    "Goals",
    "Channels",
    "People",
    "Queue",
    "Submissions",
    "Mentions",
    "Acknowledgements",
    "Cadence",
    "Policies",
    "Crises",
    "Program",
    "Shares",
)


def posts_chart(this: WeekFigures) -> Chart:
    """Posts published per channel as bars beside the plan's target."""
    return Chart(
        kind="bars",
        title=f"Posts published, {day_range(this.week.start, this.week.end)}",
        labels=tuple(str(channel) for channel in this.posts["channel"]),
        series=(
            Series("Planned", tuple(int(t) for t in this.posts["target"])),
            Series("Published", tuple(int(p) for p in this.posts["published"])),
        ),
        y_label="Posts",
        empty_text="No channels are planned yet",
    )


def trend_chart(rows: list[dict[str, Any]]) -> Chart:
    """Posts and submissions per week, the last four weeks, as two lines."""
    return Chart(
        kind="lines",
        title="Posts and submissions, last four weeks",
        labels=tuple(str(r["week"]) for r in rows),
        series=(
            Series("Posts published", tuple(int(r["posts"]) for r in rows)),
            Series("Submissions", tuple(int(r["submissions"]) for r in rows)),
        ),
        empty_text="No weeks to show yet",
    )


@dataclass(frozen=True)
class Organisation:
    """Everything the same for every manager, computed once, and the staff grouped once."""

    this: WeekFigures
    last: WeekFigures
    shared: dict[str, Mapping[str, Any] | None]  # organisation sections by key, read-only
    verdict: tuple[dict[str, str], ...]
    needs: tuple[str, ...]
    involvement: dict[str, Any]
    acknowledgements: dict[str, Any]
    staff: Staff
    sharing: Sharing
    images: tuple[InlineImage, ...]


def _acknowledgements(snapshot: Snapshot, this: WeekFigures, settings: Settings) -> Any:
    version = acks.current_version(
        snapshot["Policies"],
        this.week.end,
        program=snapshot.get_or_empty("Program"),
        day_first=settings.organisation.day_first,
    )
    status = acks.acknowledgement_status(snapshot["People"], snapshot["Acknowledgements"], version)
    rate = acks.acknowledgement_rate(status) if version else None
    org = {**rate, "pct_text": pct_text(rate["pct"])} if rate else None  # type: ignore[arg-type]
    return version, (status if version else None), org


def _needs(this: WeekFigures, posts: dict[str, Any], crises: dict[str, Any] | None) -> list[str]:
    """What needs a manager's attention, for the whole organisation."""
    needs = []
    for crisis in crises["rows"] if crises else []:
        if not crisis["ended"]:
            needs.append(f"A crisis is still going on ({crisis['reason'] or 'no reason given'}).")
    waiting = this.mentions.waiting_direct_messages
    if waiting:
        verb = "is" if waiting == 1 else "are"
        needs.append(
            f"{count_of(waiting, 'direct message')} from this week {verb} still waiting for an answer."
        )
    coming = posts["coming"]
    if coming and coming["empty"]:
        needs.append(
            f"{count_of(coming['empty'], 'posting slot')} in the next seven days "
            f"{'has' if coming['empty'] == 1 else 'have'} nothing ready "
            f"to post: a story from your team would fill {'it' if coming['empty'] == 1 else 'them'}."
        )
    return needs


def organisation(snapshot: Snapshot, now: datetime, settings: Settings) -> Organisation:
    """The week's figures, the organisation's sections, the verdict and the charts: once per run."""
    tz, day_first = settings.tz, settings.organisation.day_first
    this, last, active = both_weeks(snapshot, week_that_ended(now, tz), settings)
    cadence = snapshot.get_or_empty("Cadence")
    coming = coming_days(cadence, now.astimezone(tz).date(), day_first) if len(cadence) else None
    version, status, org_ack = _acknowledgements(snapshot, this, settings)
    goals = goal_progress(
        snapshot.get_or_empty("Goals"),
        GoalInputs(
            posts=figures.published_posts(snapshot["Queue"], tz, day_first=day_first),
            submissions=snapshot["Submissions"],
            mentions=snapshot["Mentions"],
            acknowledgement_pct=org_ack["pct"] if org_ack else None,
            week=this.week,
            tz=tz,
            day_first=day_first,
            shares=snapshot.get_or_empty("Shares"),
        ),
    )
    trend = figures.weekly_trend(
        snapshot["Queue"], snapshot["Submissions"], this.week, tz, weeks=4, day_first=day_first
    )
    episodes = figures.crisis_episodes(
        snapshot.get_or_empty("Crises"),
        snapshot["Mentions"],
        this.start,
        this.end,
        now,
        tz,
        day_first=day_first,
    )
    new = figures.first_time_contributors(
        snapshot["Submissions"], this.start, this.end, tz, snapshot["People"], day_first=day_first
    )
    posts = posts_section(this, coming, "posts-per-channel")
    trend_part = trend_section(trend, "last-four-weeks")
    crises = crises_section(episodes)
    shared = {
        "posts": posts,
        "mentions": {
            **mentions_section(this),
            "assigned_waiting": assigned_summary(snapshot["Mentions"], now, settings),
        },
        "goals": goals_section(goals),
        "trend": trend_part,
        "crises": crises,
    }
    images = (
        InlineImage("posts-per-channel", posts_chart(this), filename="posts-per-channel.png"),
        InlineImage(
            "last-four-weeks", trend_chart(trend_part["rows"]), filename="last-four-weeks.png"
        ),
    )
    return Organisation(
        this=this,
        last=last,
        # read-only: every manager's message holds these very objects, and the composer
        # renders such a part once for all of them (automation.mail.compose.render_part)
        shared={
            key: None if part is None else MappingProxyType(part) for key, part in shared.items()
        },
        verdict=(
            posts_verdict(this, last),
            involvement_verdict(this, last),
            mentions_verdict(this, last),
        ),
        needs=tuple(_needs(this, posts, crises)),
        involvement=involvement_org(this, snapshot["People"]),
        acknowledgements={"version": version, "org": org_ack},
        staff=group_staff(active, status, frozenset(e for e in new["email"] if e)),
        sharing=sharing_figures_once(snapshot, settings, now, this.end, len(active)),
        images=images,
    )


def manager_sections(
    org: Organisation, team: dict[str, Any], manager: str, form_url: str
) -> list[Mapping[str, Any]]:
    """The sections of one manager's summary, in SECTION_ORDER, empty ones left out."""
    own: dict[str, Mapping[str, Any] | None] = {
        "involvement": {
            "key": "involvement",
            "title": "Staff involvement",
            "org": org.involvement,
            "team": team,
        },
        "acknowledgements": {
            "key": "acknowledgements",
            "title": "Social media policy",
            **org.acknowledgements,
            "team": team["acknowledgements"],
            "team_name": team["name"],
            "form_url": form_url,
        },
    }
    sharing = sharing_section(org.sharing, org.staff, manager)
    if sharing["teams"] or sharing["late_starters"]:
        own["sharing"] = sharing
    found = {**org.shared, **own}
    return [part for key in SECTION_ORDER if (part := found.get(key))]


def _team_needs(team: dict[str, Any]) -> list[str]:
    ack = team["acknowledgements"]
    if not ack or not ack["missing"]:
        return []
    missing = len(ack["missing"])
    verb = "has" if missing == 1 else "have"
    return [
        f"{count_of(missing, 'person')} in {team['name']} {verb} not acknowledged "
        "the social media policy yet (names below)."
    ]


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """One summary per active manager for the week that just ended (period = ISO week)."""
    managers = people_with_role(snapshot["People"], "Manager")
    if managers.empty:
        return Plan(
            report=Report(
                counts={"summaries": 0},
                lines=("No active person has the Manager role in People: no summaries to send.",),
            )
        )
    org = organisation(snapshot, now, settings)
    this = org.this
    form = settings.forms.get("acknowledgements")
    week_range = day_range(this.week.start, this.week.end)
    quiet = not (this.published or len(this.submissions) or this.mentions.found)
    messages = []
    for email, name in zip(managers["email"], managers["name"], strict=True):
        team = team_part(org.staff, this, email)
        context = {
            "week": {"range": week_range},
            "manager_name": name,
            "verdict": org.verdict,
            "needs": (*org.needs, *_team_needs(team)),
            "sections": manager_sections(org, team, email, form.url if form else ""),
            "quiet_week": quiet,
        }
        messages.append(
            OutgoingMessage(
                job=NAME,
                period=this.week.label,
                to_email=email,
                to_name=name,
                subject=f"Social media summary, {week_range}",
                template="weekly_summary",
                context=context,
                images=org.images,
            )
        )
    lines = (
        f"Week of {week_range}: {count_of(this.published, 'post')}, "
        f"{count_of(len(this.submissions), 'submission')}, "
        f"{count_of(this.mentions.found, 'mention')}.",
    )
    return Plan(
        messages=tuple(messages), report=Report(counts={"summaries": len(messages)}, lines=lines)
    )


JOB = Job(NAME, "Each manager's weekly summary, with charts", TABS, plan)
