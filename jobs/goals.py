"""Goals: which figure a Goals row's Metric names, what it narrows to, and progress on it.

A Metric such as "Employment posts published on LinkedIn" names a figure
(posts published) and narrows it: a channel named in the text counts that
channel only, a source kind (Organisation, Staff & partners, External; "staff")
that kind only, and the other words before the figure's noun are a topic,
looked for in the item's headline, details and type. The goal then counts
only that, and says so in words ("posts published about Employment").
A percentage figure is shown as a percentage, its target too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.figures import mention_figures, submissions_between
from jobs.weeks import Week, local_midnight, parse_times, within
from sheets_schema.columns import CHANNEL_NAMES, SOURCE_KINDS
from sheets_schema.values import clean_text, split_multi

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
#: what Chorus counts for each figure, before any narrowing
METRIC_LABELS = {
    "posts_published": "posts published",
    "submissions": "submissions received",
    "submissions_accepted": "submissions accepted into the queue",
    "mentions_answered_24h": "share of mentions answered within 24 hours",
    "acknowledgement_rate": "share of people who acknowledged the current policy version",
    "share_visits": "website visits from staff shares offered in the period",
}
#: words before the noun that narrow nothing ("all posts", "staff submissions": staff send them)
_PLAIN_WORDS = {"all", "the", "our", "number", "of", "new", "total", "count", "share", "a"}
_NOUN = re.compile(r"\b(posts?|submissions?)\b", re.I)


@dataclass(frozen=True)
class Narrowing:
    """What a goal counts within its figure: a topic, a channel, a source kind (blank: any)."""

    topic: str = ""
    channel: str = ""
    source_kind: str = ""

    def words(self) -> str:
        """' about Employment on LinkedIn from staff and partners', or ''."""
        out = ""
        if self.topic:
            out += f" about {self.topic}"
        if self.channel:
            out += f" on {self.channel}"
        if self.source_kind:
            out += f" from {self.source_kind.replace('&', 'and').lower()}"
        return out


def metric_for(text: str) -> str | None:
    """The computable metric a Goals row's Metric text names, or None."""
    for name, pattern in GOAL_METRICS:
        if pattern.search(text or ""):
            return name
    return None


def narrowing_of(text: str, metric: str | None) -> Narrowing:
    """The topic, channel and source kind a Metric text narrows its figure to."""
    if metric not in ("posts_published", "submissions", "submissions_accepted"):
        return Narrowing()
    text = clean_text(text)
    channel = next((c for c in CHANNEL_NAMES if re.search(rf"\b{re.escape(c)}\b", text, re.I)), "")
    kind = next((k for k in SOURCE_KINDS if k.casefold() in text.casefold()), "")
    noun = _NOUN.search(text)
    words = re.findall(r"[\w&'-]+", text[: noun.start()] if noun else "")
    topic_words = []
    for word in words:
        folded = word.casefold()
        if folded == "staff" and metric == "posts_published" and not kind:
            kind = "Staff & partners"
        elif folded in _PLAIN_WORDS or folded == "staff" or folded == channel.casefold():
            continue
        elif not any(folded in k.casefold().split() for k in SOURCE_KINDS):
            topic_words.append(word)
    return Narrowing(" ".join(topic_words), channel, kind)


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


def _mentions_topic(texts: pd.Series, topic: str) -> pd.Series:
    if not topic:
        return pd.Series(True, index=texts.index)
    pattern = re.compile(rf"\b{re.escape(topic)}", re.I)
    return texts.map(lambda t: bool(pattern.search(str(t))))


def count_posts(posts: pd.DataFrame, start: datetime, end: datetime, narrowing: Narrowing) -> int:
    """Posts (from figures.published_posts) published in [start, end) that the narrowing keeps."""
    if posts.empty:
        return 0
    keep = within(posts["published_at"], start, end) & _mentions_topic(
        posts["about"], narrowing.topic
    )
    if narrowing.channel:
        keep &= posts["channel"].str.casefold() == narrowing.channel.casefold()
    if narrowing.source_kind:
        keep &= posts["source_kind"].str.casefold() == narrowing.source_kind.casefold()
    return int(keep.sum())


def count_submissions(subs: pd.DataFrame, narrowing: Narrowing, *, accepted_only: bool) -> int:
    """Submissions (already cut to the period) that the narrowing keeps; accepted ones only if asked.

    Every submission comes from staff and partners, so a source kind of
    Organisation or External keeps none.
    """
    if narrowing.source_kind and narrowing.source_kind != "Staff & partners":
        return 0
    about = subs["headline"].map(clean_text) + " " + subs["details"].map(clean_text)
    keep = _mentions_topic(about + " " + subs["content_type"].map(clean_text), narrowing.topic)
    if narrowing.channel:
        wanted = narrowing.channel.casefold()
        keep &= subs["suggested_channels"].map(
            lambda cell: wanted in {c.casefold() for c in split_multi(cell)}
        )
    if accepted_only:
        keep &= subs["status"].map(clean_text).str.casefold() == "accepted"
    return int(keep.sum())


@dataclass(frozen=True)
class GoalInputs:
    """The tabs and figures goal progress is measured on, gathered once per summary."""

    posts: pd.DataFrame  # figures.published_posts
    submissions: pd.DataFrame
    mentions: pd.DataFrame
    acknowledgement_pct: float | None
    week: Week
    tz: ZoneInfo
    day_first: bool = True
    shares: pd.DataFrame | None = None


def _value(metric: str | None, narrowing: Narrowing, period: str, got: GoalInputs) -> float | None:
    start, end = period_window(period, got.week, got.tz)
    if metric == "posts_published":
        return float(count_posts(got.posts, start, end, narrowing))
    if metric in ("submissions", "submissions_accepted"):
        subs = submissions_between(got.submissions, start, end, got.tz, day_first=got.day_first)
        accepted = metric == "submissions_accepted"
        return float(count_submissions(subs, narrowing, accepted_only=accepted))
    if metric == "mentions_answered_24h":
        found = mention_figures(got.mentions, start, end, got.tz, day_first=got.day_first)
        return found.within_24h_pct
    if metric == "acknowledgement_rate":
        return got.acknowledgement_pct
    if metric == "share_visits":
        return share_visits(got.shares, start, end, got.tz, day_first=got.day_first)
    return None


def share_visits(
    shares: pd.DataFrame | None, start: datetime, end: datetime, tz: ZoneInfo, *, day_first: bool
) -> float:
    """Visits the website counted from staff shares offered in [start, end) (Shares > Visits)."""
    if shares is None or shares.empty:
        return 0.0
    sent = parse_times(shares["sent_at"], tz, day_first=day_first)
    counted = pd.to_numeric(shares["visits"].map(clean_text), errors="coerce").fillna(0)
    return float(counted[within(sent, start, end)].clip(lower=0).sum())


def goal_progress(goals: pd.DataFrame, got: GoalInputs) -> list[dict[str, object]]:
    """Progress on each active goal whose Metric Chorus can compute, for its period to date.

    Keys: goal, metric, target, period, computed (bool), value (number or
    None), unit ('' or '%'), target_value (number or None), progress_pct
    (value against the target, or None), measured (what Chorus counted, in
    words, narrowing included; '' when not computed).
    """
    rows: list[dict[str, object]] = []
    for _, row in goals.iterrows():
        status = clean_text(row["status"]).casefold()
        if status not in ("", "active"):
            continue
        metric = metric_for(clean_text(row["metric"]))
        narrowing = narrowing_of(clean_text(row["metric"]), metric)
        period = clean_text(row["period"]) or "Week"
        value = _value(metric, narrowing, period, got)
        target = _number(row["target"])
        progress = round(100 * value / target, 1) if value is not None and target else None
        rows.append(
            {
                "goal": clean_text(row["goal"]),
                "metric": clean_text(row["metric"]),
                "target": clean_text(row["target"]),
                "target_value": target,
                "period": period,
                "computed": metric is not None,
                "value": value,
                "unit": "%" if metric in PERCENT_METRICS else "",
                "progress_pct": progress,
                "measured": METRIC_LABELS[metric] + narrowing.words() if metric else "",
                "narrowing": narrowing,
            }
        )
    return rows
