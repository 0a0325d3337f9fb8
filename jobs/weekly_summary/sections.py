"""The summary's verdict and its sections, each built from the week's figures, computed once.

The email is a verdict (three lines: posts, staff involvement, mentions
answered, each against the plan and last week; then what needs the manager)
followed by sections in SECTION_ORDER. A section is a dict with `key` (its
template is templates/weekly_summary/<key>.html.j2 and .txt.j2) and `title`.
Organisation sections are the same for every manager and are built once;
team sections are built per manager from figures grouped once (teams.py).
To add a section: a builder here or in its own module, its key in
SECTION_ORDER, and its two templates.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pandas as pd

from jobs import figures
from jobs.weekly_summary.week_figures import WeekFigures
from jobs.weekly_summary.words import (
    compared,
    count_of,
    day_range,
    kinds_text,
    pct_text,
    share,
)

SECTION_ORDER = (
    "posts",
    "involvement",
    "sharing",
    "mentions",
    "acknowledgements",
    "goals",
    "trend",
    "crises",
)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as plain dicts of int/float/str, so plans compare in tests."""
    return [
        {str(k): (v.item() if hasattr(v, "item") else v) for k, v in record.items()}
        for record in frame.to_dict("records")
    ]


def posts_verdict(this: WeekFigures, last: WeekFigures) -> dict[str, str]:
    """Posts against the plan and last week."""
    if this.planned:
        text = (
            f"{this.published} of {count_of(this.planned, 'planned post')} "
            f"({pct_text(share(this.published, this.planned))}), "
        )
    else:
        text = f"{count_of(this.published, 'post')} (no plan set), "
    mark = "ok" if this.published >= this.planned else "behind"
    return {"label": "Posts", "text": text + compared(this.published, last.published), "mark": mark}


def involvement_verdict(this: WeekFigures, last: WeekFigures) -> dict[str, str]:
    """Staff who sent content (people on the staff list), against last week."""
    text = (
        f"{this.staff_contributors} of {this.headcount} staff sent something "
        f"({pct_text(share(this.staff_contributors, this.headcount))}), "
        f"{compared(this.staff_contributors, last.staff_contributors)}"
    )
    mark = "ok" if this.staff_contributors >= max(last.staff_contributors, 1) else "behind"
    return {"label": "Staff involvement", "text": text, "mark": mark}


def mentions_verdict(this: WeekFigures, last: WeekFigures) -> dict[str, str]:
    """Mentions answered of those needing an answer, against last week's share."""
    seen, before = this.mentions, last.mentions
    if not seen.needing_answer:
        text = "nothing needed an answer this week"
        mark = "ok"
    else:
        text = f"{seen.answered} of {seen.needing_answer} answered ({pct_text(seen.answered_pct)})"
        if before.needing_answer:
            text += f", last week {before.answered} of {before.needing_answer}"
        mark = "ok" if seen.answered == seen.needing_answer else "behind"
    return {"label": "Mentions", "text": text, "mark": mark}


def coming_days(cadence: pd.DataFrame, sent_on: date, day_first: bool) -> dict[str, Any]:
    """Open slots in the seven days from the sending day: the week people plan for."""
    last = sent_on + timedelta(days=6)
    gaps = figures.upcoming_gaps(cadence, sent_on, last, day_first=day_first)
    rows = [
        {**r, "window": re.sub(r"\s*#\d+$", "", str(r["slot"])).replace("-", "–")}
        for r in _records(gaps)
    ]
    return {
        "range": day_range(sent_on, last),
        "gaps": rows,
        "empty": sum(1 for r in rows if r["status"].casefold() == "gap"),
    }


def posts_section(this: WeekFigures, coming: dict[str, Any] | None, cid: str) -> dict[str, Any]:
    """Per channel: published against the plan and how many went out in a planned slot."""
    slots = {str(r["channel"]): r for r in _records(this.slots)}
    rows = []
    for row in _records(this.posts):
        kept = slots.get(str(row["channel"]), {"slots": 0, "filled": 0})
        rows.append({**row, "slots": kept["slots"], "filled": kept["filled"]})
    for channel, kept in slots.items():  # slots on a channel no longer in the plan
        if channel not in {r["channel"] for r in rows}:
            rows.append({"channel": channel, "target": 0, "published": 0, **kept})
    return {
        "key": "posts",
        "title": "Posts and the plan",
        "rows": rows,
        "published": this.published,
        "planned": this.planned,
        "slots": this.slots_planned,
        "filled": this.slots_filled,
        "outside": this.published - this.slots_filled,
        "tracked": coming is not None,
        "coming": coming,
        "chart_cid": cid,
    }


def mentions_section(this: WeekFigures) -> dict[str, Any]:
    """Mentions found this week by kind, answered, how fast; direct messages still waiting."""
    seen = this.mentions
    return {
        "key": "mentions",
        "title": "Mentions and messages",
        "found": seen.found,
        "found_text": count_of(seen.found, "mention"),
        "kinds_text": kinds_text(seen.by_kind),
        "needing_answer": seen.needing_answer,
        "answered": seen.answered,
        "answered_pct_text": pct_text(seen.answered_pct),
        "within_24h_text": pct_text(seen.within_24h_pct),
        "median_text": figures.format_duration(seen.median_hours),
        "waiting": seen.waiting_direct_messages,
        "waiting_text": count_of(seen.waiting_direct_messages, "direct message"),
    }


def involvement_org(this: WeekFigures, people: pd.DataFrame) -> dict[str, Any]:
    """The organisation's involvement: submissions by type and by team, in one sentence each."""
    by_type = figures.submissions_by_type(this.submissions)
    by_team = figures.submissions_by_team(this.submissions, people)
    outside = by_team[by_team["team"] == figures.NOT_IN_PEOPLE]
    teams = by_team[by_team["team"] != figures.NOT_IN_PEOPLE]
    return {
        "submissions": len(this.submissions),
        "submissions_text": count_of(len(this.submissions), "submission"),
        "accepted": this.accepted,
        "contributors": this.contributors,
        "headcount": this.headcount,
        "staff_contributors": this.staff_contributors,
        "pct_text": pct_text(share(this.staff_contributors, this.headcount)),
        "by_type_text": ", ".join(
            f"{r['content_type']} {r['submissions']}" for r in _records(by_type)
        ),
        "by_team_text": ", ".join(f"{r['team']} {r['submissions']}" for r in _records(teams)),
        "outside_text": count_of(int(outside["submissions"].sum()), "submission")
        if len(outside)
        else "",
    }


def _goal_words(goal: dict[str, Any]) -> dict[str, Any]:
    """A goal's target, value and progress in its own unit: '90%' for a percentage goal."""
    percent = goal["unit"] == "%"
    period = str(goal["period"]).lower()
    target = goal["target_value"]
    if target is None:
        target_text = goal["target"] or "no target set"
    elif percent:
        target_text = pct_text(float(target))
    else:
        target_text = f"{target:g} a {period}"
    value = goal["value"]
    if not goal["computed"]:
        value_text = "not counted by Chorus"
    elif value is None:
        value_text = "no data yet"
    else:
        value_text = pct_text(float(value)) if percent else f"{value:.0f}"
        value_text += f" this {period} so far"
    progress = goal["progress_pct"]
    on_track = None
    if progress is not None:
        on_track = progress >= 100
    return {
        **{k: v for k, v in goal.items() if k != "narrowing"},
        "target_text": target_text,
        "value_text": value_text,
        "progress_text": pct_text(progress) if progress is not None else "",
        "on_track": on_track,
    }


def goals_section(goals: list[dict[str, object]]) -> dict[str, Any] | None:
    """Each active goal: what Chorus counts for it, the target and progress in the goal's unit."""
    if not goals:
        return None
    return {"key": "goals", "title": "Goals", "rows": [_goal_words(g) for g in goals]}


def trend_section(trend: pd.DataFrame, cid: str) -> dict[str, Any]:
    """Posts and submissions in each of the last four weeks, weeks named by their dates."""
    rows = [
        {
            "week": day_range(
                date.fromisoformat(r["week_start"]),
                date.fromisoformat(r["week_start"]) + timedelta(days=6),
                year=False,
            ),
            "posts": int(r["posts"]),
            "submissions": int(r["submissions"]),
        }
        for r in _records(trend)
    ]
    return {"key": "trend", "title": "The last four weeks", "rows": rows, "chart_cid": cid}


def crises_section(episodes: list[dict[str, object]]) -> dict[str, Any] | None:
    """Crises that overlapped the week: when, why, mentions handled while they lasted."""
    if not episodes:
        return None
    rows = [
        {
            **{k: v for k, v in e.items() if k != "id"},
            "median_text": figures.format_duration(e["median_hours"]),  # type: ignore[arg-type]
            "handled_text": f"{e['handled']} of {count_of(int(e['mentions']), 'mention')}",  # type: ignore[call-overload]
        }
        for e in episodes
    ]
    return {"key": "crises", "title": "Crisis", "rows": rows}
