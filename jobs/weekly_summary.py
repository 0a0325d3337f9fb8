"""weekly-summary: each manager's Monday email on the week that just ended.

Posts per channel against the plan (with a chart), cadence kept and next
week's gaps, who got involved (by content type and team, first-time
contributors, the manager's team against the organisation), mentions
handled, policy acknowledgement, goal progress, a four-week trend chart and
any crisis that overlapped the week. Figures come from jobs.figures and
jobs.acknowledgements; names shown are always from the manager's own team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from jobs import acknowledgements as acks
from jobs import figures
from jobs.base import Chart, InlineImage, Job, OutgoingMessage, Plan, Report, Series
from jobs.goals import goal_progress
from jobs.mention_assignments import assigned_summary
from jobs.people import people_with_role, team_of
from jobs.weeks import Week, week_that_ended
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text

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
)


def day_range(first: date, last: date) -> str:
    """'16–22 Nov 2026', '27 Oct – 2 Nov 2026', '29 Dec 2025 – 4 Jan 2026' for people."""
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day}–{last.day} {last:%b %Y}"


def pct_text(value: float | None) -> str:
    """A percentage for people: '85%', '66.7%', or 'n/a' when there is nothing to divide."""
    if value is None:
        return "n/a"
    return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as plain dicts of int/float/str, so plans compare in tests."""
    out = []
    for record in frame.to_dict("records"):
        out.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in record.items()})
    return out


def posts_chart(posts: pd.DataFrame, week: Week) -> Chart:
    """Posts published per channel as bars beside the plan's target."""
    return Chart(
        kind="bars",
        title=f"Posts published, {day_range(week.start, week.end)}",
        labels=tuple(str(channel) for channel in posts["channel"]),
        series=(
            Series("Target", tuple(int(t) for t in posts["target"])),
            Series("Published", tuple(int(p) for p in posts["published"])),
        ),
        y_label="Posts",
        empty_text="No channels are planned yet",
    )


def trend_chart(trend: pd.DataFrame) -> Chart:
    """Posts and submissions per week, the last four weeks, as two lines."""
    return Chart(
        kind="lines",
        title="Posts and submissions, last four weeks",
        labels=tuple(str(week) for week in trend["week"]),
        series=(
            Series("Posts published", tuple(int(p) for p in trend["posts"])),
            Series("Submissions", tuple(int(s) for s in trend["submissions"])),
        ),
        empty_text="No weeks to show yet",
    )


@dataclass(frozen=True)
class OrganisationFigures:
    """The part of the summary every manager shares, plus what the team part needs."""

    context: dict[str, Any]
    images: tuple[InlineImage, ...]
    week_subs: pd.DataFrame
    ack_status: pd.DataFrame
    start: datetime
    end: datetime


def _crisis_episodes(
    snapshot: Snapshot, week: Week, now: datetime, tz: ZoneInfo, day_first: bool
) -> list[dict[str, object]]:
    """The week's crises, each with its median time to answer in words."""
    start, end = week.bounds(tz)
    episodes = figures.crisis_episodes(
        snapshot.get_or_empty("Crises"),
        snapshot["Mentions"],
        start,
        end,
        now,
        tz,
        day_first=day_first,
    )
    for episode in episodes:
        episode["median_text"] = figures.format_duration(episode["median_hours"])  # type: ignore[arg-type]
    return episodes


def _acknowledgements(
    snapshot: Snapshot, week: Week, day_first: bool
) -> tuple[str, pd.DataFrame, dict[str, Any] | None]:
    """The policy version in force at the week's end, who acknowledged it, and the rate."""
    version = acks.current_version(
        snapshot["Policies"],
        week.end,
        program=snapshot.get_or_empty("Program"),
        day_first=day_first,
    )
    status = acks.acknowledgement_status(snapshot["People"], snapshot["Acknowledgements"], version)
    return version, status, acks.acknowledgement_rate(status) if version else None


def _week_context(week: Week) -> dict[str, str]:
    return {
        "label": week.label,
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "range": day_range(week.start, week.end),
    }


def _cadence_context(cadence: pd.DataFrame, week: Week, day_first: bool) -> dict[str, Any]:
    """Slots kept last week from the Cadence tab, by channel, and next week's gaps."""
    kept = figures.cadence_adherence(cadence, week.start, week.end, day_first=day_first)
    following = week.shifted(1)
    gaps = figures.upcoming_gaps(cadence, following.start, following.end, day_first=day_first)
    slots, filled = int(kept["slots"].sum()), int(kept["filled"].sum())
    pct = round(100 * filled / slots, 1) if slots else None
    return {
        "slots": slots,
        "filled": filled,
        "pct": pct,
        "pct_text": pct_text(pct),
        "rows": [
            {**r, "pct_text": pct_text(round(100 * r["filled"] / r["slots"], 1))}
            for r in _records(kept)
        ],
        "gaps": _records(gaps),
        "next_week": day_range(following.start, following.end),
    }


def _submissions_context(week_subs: pd.DataFrame, people: pd.DataFrame) -> dict[str, Any]:
    """The week's submissions: how many, how many accepted, by type and by team."""
    accepted = week_subs["status"].map(clean_text).str.casefold() == "accepted"
    return {
        "total": len(week_subs),
        "accepted": int(accepted.sum()),
        "by_type": _records(figures.submissions_by_type(week_subs)),
        "by_team": _records(figures.submissions_by_team(week_subs, people)),
    }


def _mentions_context(seen: figures.MentionFigures, mentions: pd.DataFrame) -> dict[str, Any]:
    """The week's mentions: found by kind, answered, how fast, and messages still open."""
    return {
        "found": seen.found,
        "by_kind": [{"kind": k, "count": v} for k, v in seen.by_kind.items()],
        "needing_answer": seen.needing_answer,
        "answered": seen.answered,
        "answered_pct": seen.answered_pct,
        "answered_pct_text": pct_text(seen.answered_pct),
        "within_24h_pct": seen.within_24h_pct,
        "median_hours": seen.median_hours,
        "median_text": figures.format_duration(seen.median_hours),
        "open_direct_messages": figures.open_direct_messages(mentions),
    }


def _word_goal(goal: dict[str, Any]) -> None:
    """A goal's value and progress as the summary words them."""
    value = goal["value"]
    if not goal["computed"]:
        goal["value_text"] = "not computed automatically"
    elif value is None:
        goal["value_text"] = "no data yet"
    elif goal["unit"] == "%":
        goal["value_text"] = pct_text(value)
    else:
        goal["value_text"] = f"{value:.0f}"
    progress = goal["progress_pct"]
    goal["progress_text"] = pct_text(progress) if isinstance(progress, float) else ""


def organisation_figures(
    snapshot: Snapshot, now: datetime, settings: Settings
) -> OrganisationFigures:
    """Everything in the summary that is the same for every manager, and the two charts."""
    tz, day_first = settings.tz, settings.organisation.day_first
    week = week_that_ended(now, tz)
    start, end = week.bounds(tz)
    queue, subs_all = snapshot["Queue"], snapshot["Submissions"]
    mentions, people = snapshot["Mentions"], snapshot["People"]
    cadence = snapshot.get_or_empty("Cadence")

    posts = figures.posts_by_channel(
        queue, snapshot["Channels"], start, end, tz, day_first=day_first
    )
    post_rows = [{**row, "met": row["published"] >= row["target"]} for row in _records(posts)]

    cadence_context = _cadence_context(cadence, week, day_first) if len(cadence) else None
    week_subs = figures.submissions_between(subs_all, start, end, tz, day_first=day_first)
    seen = figures.mention_figures(mentions, start, end, tz, day_first=day_first)

    version, ack_status, org_ack = _acknowledgements(snapshot, week, day_first)

    goals = goal_progress(
        snapshot.get_or_empty("Goals"),
        queue=queue,
        submissions=subs_all,
        mentions=mentions,
        acknowledgement_pct=org_ack["pct"] if org_ack else None,
        week=week,
        tz=tz,
        day_first=day_first,
    )
    for goal in goals:
        _word_goal(goal)
    trend = figures.weekly_trend(queue, subs_all, week, tz, weeks=4, day_first=day_first)
    episodes = _crisis_episodes(snapshot, week, now, tz, day_first)

    posts_cid, trend_cid = f"posts-{week.label}", f"trend-{week.label}"
    images = (
        InlineImage(posts_cid, posts_chart(posts, week), filename=f"{posts_cid}.png"),
        InlineImage(trend_cid, trend_chart(trend), filename=f"{trend_cid}.png"),
    )
    context: dict[str, Any] = {
        "week": _week_context(week),
        "posts": {
            "rows": post_rows,
            "published": int(posts["published"].sum()),
            "target": int(posts["target"].sum()),
            "chart_cid": posts_cid,
        },
        "cadence": cadence_context,
        "submissions": _submissions_context(week_subs, people),
        "mentions": _mentions_context(seen, mentions),
        "assigned_waiting": assigned_summary(mentions, now, settings),
        "acknowledgements": {
            "version": version,
            "org": {**org_ack, "pct_text": pct_text(org_ack["pct"])} if org_ack else None,
        },
        "goals": goals,
        "trend": {
            "rows": _records(trend[["week", "posts", "submissions"]]),
            "chart_cid": trend_cid,
        },
        "crises": episodes,
    }
    return OrganisationFigures(context, images, week_subs, ack_status, start, end)


def team_figures(
    org: OrganisationFigures, snapshot: Snapshot, settings: Settings, manager_email: str
) -> dict[str, Any]:
    """The manager's own team: involvement, contributors and who has not acknowledged.

    Only this part carries people's names, and only the team's.
    """
    tz, day_first = settings.tz, settings.organisation.day_first
    people, subs_all = snapshot["People"], snapshot["Submissions"]
    week_subs, ack_status, start, end = org.week_subs, org.ack_status, org.start, org.end
    team, members = team_of(people, manager_email)

    who = figures.contributors(week_subs, people)
    mine = who[who["email"].isin(members)]
    new = figures.first_time_contributors(subs_all, start, end, tz, people, day_first=day_first)
    new_mine = new[new["email"].isin(members)]

    ack: dict[str, Any] | None = None
    if org.context["acknowledgements"]["version"]:
        rate = acks.acknowledgement_rate(ack_status, members)
        ack = {
            **rate,
            "pct_text": pct_text(rate["pct"]),  # type: ignore[arg-type]
            "missing": [
                {"name": m["name"], "email": m["email"]} for m in acks.missing(ack_status, members)
            ],
        }
    team_inv = figures.involvement(week_subs, people, members)
    org_inv = figures.involvement(week_subs, people, frozenset())
    return {
        "name": team or "your team",
        "members": len(members),
        "involvement": {**team_inv, "pct_text": pct_text(team_inv["contributor_pct"])},
        "org_involvement": {**org_inv, "pct_text": pct_text(org_inv["contributor_pct"])},
        "contributors": [
            {"name": r["name"], "submissions": int(r["submissions"])} for r in _records(mine)
        ],
        "other_contributors": len(who) - len(mine),
        "first_timers": [r["name"] for r in _records(new_mine)],
        "other_first_timers": len(new) - len(new_mine),
        "acknowledgements": ack,
    }


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
    org = organisation_figures(snapshot, now, settings)
    shared = org.context
    form = settings.forms.get("acknowledgements")
    week = shared["week"]
    subject = f"Social media summary, {week['range']}"
    messages = []
    for _, manager in managers.iterrows():
        context = {
            **shared,
            "manager_name": manager["name"],
            "team": team_figures(org, snapshot, settings, manager["email"]),
            "acknowledgement_form_url": form.url if form else "",
            "quiet_week": not (
                shared["posts"]["published"]
                or shared["submissions"]["total"]
                or shared["mentions"]["found"]
            ),
        }
        messages.append(
            OutgoingMessage(
                job=NAME,
                period=week["label"],
                to_email=manager["email"],
                to_name=manager["name"],
                subject=subject,
                template="weekly_summary",
                context=context,
                images=org.images,
            )
        )
    lines = (
        f"Week {week['label']} ({week['range']}): {shared['posts']['published']} posts, "
        f"{shared['submissions']['total']} submissions, {shared['mentions']['found']} mentions.",
    )
    return Plan(
        messages=tuple(messages), report=Report(counts={"summaries": len(messages)}, lines=lines)
    )


JOB = Job(NAME, "Each manager's weekly summary, with charts", TABS, plan)
