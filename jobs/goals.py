"""Goals: which figure a Goals row's Metric names, and progress on it for its period so far."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.figures import mention_figures, published_posts, submissions_between
from jobs.weeks import Week, local_midnight, parse_times, within
from sheets_schema.values import clean_text

#: Metric text -> a figure Chorus can compute; the first pattern that matches wins, so the
#: narrow ones come first ("mentions answered within 24h" is not a count of mentions).
GOAL_METRICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mentions_answered_24h", re.compile(r"24\s*h|24\s*hours?|within a day|same day", re.I)),
    ("share_visits", re.compile(r"\bvisits?\b|\btraffic\b", re.I)),
    ("acknowledgement_rate", re.compile(r"acknowledg", re.I)),
    ("posts_published", re.compile(r"posts?\s+published|published\s+posts?", re.I)),
    ("submissions_accepted", re.compile(r"submission.*\baccepted|accepted.*submission", re.I)),
    ("submissions", re.compile(r"submission", re.I)),
    ("posts_published", re.compile(r"\bposts?\b", re.I)),
)
PERCENT_METRICS = ("mentions_answered_24h", "acknowledgement_rate")
#: what Chorus actually counted, shown beside the goal: "Employment posts published"
#: is measured as all posts published, and the manager should see that
METRIC_LABELS = {
    "posts_published": "all posts published",
    "submissions": "all submissions received",
    "submissions_accepted": "submissions accepted into the queue",
    "mentions_answered_24h": "mentions answered within 24 hours",
    "acknowledgement_rate": "people who acknowledged the current policy version",
    "share_visits": "website visits from staff shares offered in the period",
}


def metric_for(text: str) -> str | None:
    """The computable metric a Goals row's Metric text names, or None."""
    for name, pattern in GOAL_METRICS:
        if pattern.search(text or ""):
            return name
    return None


def period_window(period: str, week: Week, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The goal period to date, ending with `week`: the week, month, quarter or year so far."""
    last = week.end
    kind = clean_text(period).casefold()
    if kind == "month":
        first = last.replace(day=1)
    elif kind == "quarter":
        first = date(last.year, 3 * ((last.month - 1) // 3) + 1, 1)
    elif kind == "year":
        first = date(last.year, 1, 1)
    else:
        first = week.start
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def _number(text: str) -> float | None:
    match = re.search(r"-?\d+(?:[.,]\d+)?", clean_text(text).replace(",", ""))
    return float(match[0]) if match else None


def goal_progress(
    goals: pd.DataFrame,
    *,
    queue: pd.DataFrame,
    submissions: pd.DataFrame,
    mentions: pd.DataFrame,
    acknowledgement_pct: float | None,
    week: Week,
    tz: ZoneInfo,
    day_first: bool = True,
    shares: pd.DataFrame | None = None,
) -> list[dict[str, object]]:
    """Progress on each active goal whose Metric Chorus can compute, for its period to date.

    Keys: goal, metric, target, period, computed (bool), value (number or
    None), unit ('' or '%'), progress_pct (value against the target, or None),
    measured (what Chorus counted, in words; '' when not computed).
    """
    rows: list[dict[str, object]] = []
    posts = published_posts(queue, tz, day_first=day_first)
    for _, row in goals.iterrows():
        status = clean_text(row["status"]).casefold()
        if status not in ("", "active"):
            continue
        metric = metric_for(clean_text(row["metric"]))
        period = clean_text(row["period"]) or "Week"
        start, end = period_window(period, week, tz)
        value: float | None = None
        if metric == "posts_published":
            value = float(within(posts["published_at"], start, end).sum()) if len(posts) else 0.0
        elif metric in ("submissions", "submissions_accepted"):
            subs = submissions_between(submissions, start, end, tz, day_first=day_first)
            if metric == "submissions_accepted":
                subs = subs[subs["status"].map(clean_text).str.casefold() == "accepted"]
            value = float(len(subs))
        elif metric == "mentions_answered_24h":
            value = mention_figures(mentions, start, end, tz, day_first=day_first).within_24h_pct
        elif metric == "acknowledgement_rate":
            value = acknowledgement_pct
        elif metric == "share_visits":
            value = share_visits(shares, start, end, tz, day_first=day_first)
        target = _number(row["target"])
        progress = round(100 * value / target, 1) if value is not None and target else None
        rows.append(
            {
                "goal": clean_text(row["goal"]),
                "metric": clean_text(row["metric"]),
                "target": clean_text(row["target"]),
                "period": period,
                "computed": metric is not None,
                "value": value,
                "unit": "%" if metric in PERCENT_METRICS else "",
                "progress_pct": progress,
                "measured": METRIC_LABELS.get(metric or "", ""),
            }
        )
    return rows


def share_visits(
    shares: pd.DataFrame | None, start: datetime, end: datetime, tz: ZoneInfo, *, day_first: bool
) -> float:
    """Visits the website counted from staff shares offered in [start, end) (Shares > Visits)."""
    if shares is None or shares.empty:
        return 0.0
    sent = parse_times(shares["sent_at"], tz, day_first=day_first)
    counted = pd.to_numeric(shares["visits"].map(clean_text), errors="coerce").fillna(0)
    return float(counted[within(sent, start, end)].clip(lower=0).sum())
