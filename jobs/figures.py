"""The program's figures, computed with pandas on the tabs' DataFrames.

Every function here is pure: text cells in (as the stores deliver them),
numbers and small frames out. The weekly summary, the policy digest and the
guide share them, so a figure means the same thing wherever people read it.
Unreadable dates are left out of a figure rather than guessed; `chorus
validate` is where people learn about bad cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.people import active_people, per_people_frame, readable_email
from jobs.weeks import Week, parse_dates, parse_times, within
from sheets_schema.values import (
    clean_text,
    is_http_url,
    parse_int,
    parse_yes_no,
    split_multi,
)

NO_CHANNEL = "(no channel)"
NO_TEAM = "No team given"
#: who submitted without being on the staff list: a partner, a former colleague, a typo
NOT_IN_PEOPLE = "not on the staff list"
NOT_GIVEN = "(not given)"

#: mentions that count as handled: answered, or passed to the person who answers
HANDLED_STATUSES = ("Responded", "Passed on")


# --- posts ------------------------------------------------------------------------------------


def published_posts(queue: pd.DataFrame, tz: ZoneInfo, *, day_first: bool = True) -> pd.DataFrame:
    """One row per post: a Published Queue item counts once per channel it went to.

    Columns id, channel, published_at, source_kind and about (headline, details
    and source type: the words a goal's topic is looked for in).

    When Published At is blank the scheduled time stands in (the item went out
    when planned); an item with neither cannot be placed in a week and is left out.
    """
    columns = ["id", "channel", "published_at", "source_kind", "about"]
    published = queue[queue["status"].map(clean_text).str.casefold() == "published"]
    if published.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    when = parse_times(published["published_at"], tz, day_first=day_first)
    scheduled = parse_times(published["scheduled_for"], tz, day_first=day_first)
    when = when.where(when.notna(), scheduled)
    rows = []
    for index, row in published.iterrows():
        if pd.isna(when[index]):
            continue
        about = " ".join(clean_text(row[c]) for c in ("headline", "details", "source_type"))
        for channel in split_multi(row["channels"]) or [NO_CHANNEL]:
            rows.append(
                {
                    "id": clean_text(row["id"]),
                    "channel": channel,
                    "published_at": when[index],
                    "source_kind": clean_text(row["source_kind"]),
                    "about": about,
                }
            )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return pd.DataFrame(rows, columns=columns)


def channel_targets(channels: pd.DataFrame) -> pd.DataFrame:
    """Active channels and the posts a week the plan asks of each (unreadable target -> 0)."""
    rows = []
    for _, row in channels.iterrows():
        name = clean_text(row["channel"])
        try:
            active = parse_yes_no(row["active"])
        except ValueError:
            active = False
        if not name or not active:
            continue
        try:
            target = max(parse_int(row["posts_per_week"]), 0)
        except ValueError:
            target = 0
        rows.append({"channel": name, "target": target})
    return pd.DataFrame(rows, columns=["channel", "target"])


def posts_by_channel(
    queue: pd.DataFrame,
    channels: pd.DataFrame,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    day_first: bool = True,
) -> pd.DataFrame:
    """Posts published per channel in [start, end) against the weekly target.

    Columns channel, target, published; every active channel appears (0 when
    nothing went out), then any other channel that still got posts.
    """
    posts = published_posts(queue, tz, day_first=day_first)
    in_window = posts[within(posts["published_at"], start, end)] if len(posts) else posts
    counts = in_window.groupby("channel").size() if len(in_window) else pd.Series(dtype=int)
    targets = channel_targets(channels)
    rows = [
        {"channel": c, "target": int(t), "published": int(counts.get(c, 0))}
        for c, t in zip(targets["channel"], targets["target"], strict=True)
    ]
    planned = set(targets["channel"])
    for channel in sorted(set(counts.index) - planned):
        rows.append({"channel": channel, "target": 0, "published": int(counts[channel])})
    return pd.DataFrame(rows, columns=["channel", "target", "published"])


# --- cadence ----------------------------------------------------------------------------------


def _cadence_between(
    cadence: pd.DataFrame, first: date, last: date, day_first: bool
) -> pd.DataFrame:
    days = parse_dates(cadence["date"], day_first=day_first)
    keep = days.map(lambda d: d is not None and first <= d <= last)
    frame = cadence[keep].copy()
    frame["day"] = days[keep]
    return frame


def cadence_adherence(
    cadence: pd.DataFrame, first: date, last: date, *, day_first: bool = True
) -> pd.DataFrame:
    """Planned slots from `first` to `last` (inclusive) per channel, and how many were filled.

    Columns channel, slots, filled. Slots held during a crisis are left out:
    holding them was a decision, not a missed post.
    """
    frame = _cadence_between(cadence, first, last, day_first) if len(cadence) else cadence
    if len(frame):
        frame = frame[frame["status"].map(clean_text).str.casefold() != "held"]
    if frame.empty:
        return pd.DataFrame({"channel": [], "slots": [], "filled": []}).astype(
            {"slots": int, "filled": int}
        )
    frame = frame.assign(
        channel=frame["channel"].map(clean_text),
        filled=frame["status"].map(clean_text).str.casefold() == "filled",
    )
    grouped = frame.groupby("channel").agg(slots=("filled", "size"), filled=("filled", "sum"))
    return grouped.reset_index().astype({"slots": int, "filled": int})


def upcoming_gaps(
    cadence: pd.DataFrame, first: date, last: date, *, day_first: bool = True
) -> pd.DataFrame:
    """Slots from `first` to `last` still without a post: Gap, or Suggested (a gap with a candidate).

    Columns date (ISO), channel, slot, status, note; in date order.
    """
    frame = _cadence_between(cadence, first, last, day_first)
    status = frame["status"].map(clean_text).str.casefold()
    frame = frame[status.isin(["gap", "suggested"])]
    rows = [
        {
            "date": row["day"].isoformat(),
            "channel": clean_text(row["channel"]),
            "slot": clean_text(row["slot"]),
            "status": clean_text(row["status"]),
            "note": clean_text(row["note"]),
        }
        for _, row in frame.iterrows()
    ]
    rows.sort(key=lambda r: (r["date"], r["channel"], r["slot"]))
    return pd.DataFrame(rows, columns=["date", "channel", "slot", "status", "note"])


# --- submissions ------------------------------------------------------------------------------


def submissions_between(
    submissions: pd.DataFrame,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    day_first: bool = True,
) -> pd.DataFrame:
    """Submissions sent in [start, end), with `email` lower-cased and a `submitted` Timestamp."""
    frame = submissions.copy()
    frame["submitted"] = parse_times(frame["submitted_at"], tz, day_first=day_first)
    frame["email"] = frame["email"].map(readable_email)
    return frame[within(frame["submitted"], start, end)]


@per_people_frame
def _team_lookup(people: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """email -> (name, team) for every readable People row, active or not (history counts)."""
    lookup: dict[str, tuple[str, str]] = {}
    # zip over the columns, not iterrows: this runs over the whole staff list
    for raw, typed, team in zip(people["email"], people["name"], people["team"], strict=True):
        email = readable_email(raw)
        if email and email not in lookup:
            lookup[email] = (clean_text(typed) or email, clean_text(team) or NO_TEAM)
    return lookup


def submissions_by_type(subs: pd.DataFrame) -> pd.DataFrame:
    """Submissions per content type (the form's 'What kind of content is it?'), most first."""
    kinds = subs["content_type"].map(clean_text).replace("", NOT_GIVEN)
    counts = kinds.value_counts()
    frame = pd.DataFrame({"content_type": counts.index, "submissions": counts.to_numpy(dtype=int)})
    return frame.sort_values(["submissions", "content_type"], ascending=[False, True]).reset_index(
        drop=True
    )


def submissions_by_team(subs: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Submissions, accepted ones and distinct contributors per team (team from People)."""
    lookup = _team_lookup(people)
    frame = pd.DataFrame(
        {
            "team": [lookup.get(e, ("", NOT_IN_PEOPLE))[1] for e in subs["email"]],
            "email": list(subs["email"]),
            "accepted": [clean_text(s).casefold() == "accepted" for s in subs["status"]],
        }
    )
    if frame.empty:
        return pd.DataFrame({"team": [], "submissions": [], "accepted": [], "contributors": []})
    grouped = frame.groupby("team").agg(
        submissions=("email", "size"),
        accepted=("accepted", "sum"),
        contributors=("email", lambda e: len({x for x in e if x})),
    )
    grouped = grouped.reset_index().astype(
        {"submissions": int, "accepted": int, "contributors": int}
    )
    return grouped.sort_values(["submissions", "team"], ascending=[False, True]).reset_index(
        drop=True
    )


def contributors(subs: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Who submitted: email, name (from People, else as typed), team, submissions; most first."""
    lookup = _team_lookup(people)
    rows: dict[str, dict[str, object]] = {}
    for _, row in subs.iterrows():
        email = row["email"]
        if not email:
            continue
        name, team = lookup.get(email, (clean_text(row["name"]) or email, NOT_IN_PEOPLE))
        entry = rows.setdefault(
            email, {"email": email, "name": name, "team": team, "submissions": 0}
        )
        entry["submissions"] = int(entry["submissions"]) + 1  # type: ignore[call-overload]
    frame = pd.DataFrame(list(rows.values()), columns=["email", "name", "team", "submissions"])
    return frame.sort_values(["submissions", "name"], ascending=[False, True]).reset_index(
        drop=True
    )


def first_time_contributors(
    submissions: pd.DataFrame,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    people: pd.DataFrame,
    *,
    day_first: bool = True,
) -> pd.DataFrame:
    """People whose first submission ever was sent in [start, end): email, name, team, first."""
    frame = submissions.copy()
    frame["submitted"] = parse_times(frame["submitted_at"], tz, day_first=day_first)
    frame["email"] = frame["email"].map(readable_email)
    frame = frame[(frame["email"] != "") & frame["submitted"].notna()]
    columns = ["email", "name", "team", "first"]
    if frame.empty:
        return pd.DataFrame({c: [] for c in columns})
    first = frame.groupby("email")["submitted"].min()
    new = first[(first >= pd.Timestamp(start)) & (first < pd.Timestamp(end))]
    lookup = _team_lookup(people)
    typed = frame.drop_duplicates("email").set_index("email")["name"].map(clean_text)
    rows = [
        {
            "email": email,
            "name": lookup.get(email, (typed.get(email) or email, ""))[0],
            "team": lookup.get(email, ("", NOT_IN_PEOPLE))[1],
            "first": when,
        }
        for email, when in new.items()
    ]
    rows.sort(key=lambda r: (r["first"], r["name"]))
    return pd.DataFrame(rows, columns=columns)


def involvement(
    subs: pd.DataFrame, people: pd.DataFrame, members: frozenset[str]
) -> dict[str, float]:
    """One group's involvement (a team, or everyone when `members` is empty).

    people (active headcount), submissions, contributors, and contributors per
    hundred people: comparable between a team of 5 and an organisation of 500.
    """
    everyone = active_people(people)
    if members:
        everyone = everyone[everyone["email"].isin(members)]
        subs = subs[subs["email"].isin(members)]
    headcount = len(everyone)
    who = {e for e in subs["email"] if e}
    active_contributors = len(who & set(everyone["email"]))
    return {
        "people": headcount,
        "submissions": len(subs),
        "contributors": len(who),
        "contributor_pct": round(100 * active_contributors / headcount, 1) if headcount else 0.0,
    }


# --- mentions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentionFigures:
    """Mentions found in a window and how they were answered."""

    found: int
    by_kind: dict[str, int]
    needing_answer: int  # found, less those marked No action
    answered: int
    answered_within_24h: int
    median_hours: float | None
    #: direct messages found in the window with no answer yet (Status New or blank)
    waiting_direct_messages: int = 0

    @property
    def answered_pct(self) -> float | None:
        return round(100 * self.answered / self.needing_answer, 1) if self.needing_answer else None

    @property
    def within_24h_pct(self) -> float | None:
        if not self.needing_answer:
            return None
        return round(100 * self.answered_within_24h / self.needing_answer, 1)


def _mention_times(mentions: pd.DataFrame, tz: ZoneInfo, day_first: bool) -> pd.DataFrame:
    frame = mentions.copy()
    frame["found"] = parse_times(frame["found_at"], tz, day_first=day_first)
    frame["responded"] = parse_times(frame["responded_at"], tz, day_first=day_first)
    return frame


def response_hours(mentions: pd.DataFrame, tz: ZoneInfo, *, day_first: bool = True) -> pd.Series:
    """Hours from Found At to Responded At for each answered mention (never negative)."""
    frame = _mention_times(mentions, tz, day_first)
    frame = frame[frame["found"].notna() & frame["responded"].notna()]
    hours = (frame["responded"] - frame["found"]).dt.total_seconds() / 3600
    return hours.clip(lower=0)


def mention_figures(
    mentions: pd.DataFrame,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    *,
    day_first: bool = True,
) -> MentionFigures:
    """Mentions found in [start, end): how many, by kind, share answered, median time to answer.

    A mention counts as answered when it has a Responded At or the Status
    Responded; 'No action' ones are left out of the shares (nothing to answer).
    """
    frame = _mention_times(mentions, tz, day_first)
    frame = frame[within(frame["found"], start, end)]
    status = frame["status"].map(clean_text).str.casefold()
    kinds = frame["kind"].map(clean_text).replace("", NOT_GIVEN)
    by_kind = {str(k): int(v) for k, v in kinds.value_counts().sort_index().items()}
    needing = frame[status != "no action"]
    needing_status = needing["status"].map(clean_text).str.casefold()
    answered = needing[needing["responded"].notna() | (needing_status == "responded")]
    hours = response_hours(needing, tz, day_first=day_first)
    waiting = (
        (kinds.str.casefold() == "direct message")
        & status.isin(["new", ""])
        & frame["responded"].isna()
    )
    return MentionFigures(
        found=len(frame),
        by_kind=by_kind,
        needing_answer=len(needing),
        answered=len(answered),
        answered_within_24h=int((hours <= 24).sum()),
        median_hours=float(hours.median()) if len(hours) else None,
        waiting_direct_messages=int(waiting.sum()),
    )


def open_direct_messages(mentions: pd.DataFrame) -> int:
    """Direct messages nobody has answered or passed on yet (Status New, no Responded At)."""
    kind = mentions["kind"].map(clean_text).str.casefold()
    status = mentions["status"].map(clean_text).str.casefold()
    unanswered = mentions["responded_at"].map(clean_text) == ""
    return int(((kind == "direct message") & (status.isin(["new", ""])) & unanswered).sum())


def format_duration(hours: float | None) -> str:
    """Hours for people: '45 min', '3 h 20 min', '2 d 4 h'; '' when there is nothing to show."""
    if hours is None or hours != hours:
        return ""
    minutes = int(round(hours * 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        return f"{h} h {m} min" if m else f"{h} h"
    d, rest = divmod(minutes, 24 * 60)
    h = round(rest / 60)
    return f"{d} d {h} h" if h else f"{d} d"


# --- trend and crises -------------------------------------------------------------------------


def weekly_trend(
    queue: pd.DataFrame,
    submissions: pd.DataFrame,
    last: Week,
    tz: ZoneInfo,
    *,
    weeks: int = 4,
    day_first: bool = True,
) -> pd.DataFrame:
    """Posts published and submissions received per week, the `weeks` weeks up to `last`."""
    posts = published_posts(queue, tz, day_first=day_first)
    submitted = parse_times(submissions["submitted_at"], tz, day_first=day_first)
    rows = []
    for offset in range(weeks - 1, -1, -1):
        week = last.shifted(-offset)
        start, end = week.bounds(tz)
        rows.append(
            {
                "week": week.label,
                "week_start": week.start.isoformat(),
                "posts": int(within(posts["published_at"], start, end).sum()) if len(posts) else 0,
                "submissions": int(within(submitted, start, end).sum()),
            }
        )
    return pd.DataFrame(rows, columns=["week", "week_start", "posts", "submissions"])


def crisis_episodes(
    crises: pd.DataFrame,
    mentions: pd.DataFrame,
    start: datetime,
    end: datetime,
    now: datetime,
    tz: ZoneInfo,
    *,
    day_first: bool = True,
) -> list[dict[str, object]]:
    """Crises that overlapped [start, end), each with the mentions found while it lasted.

    An episode without an Ended time is still going on: it runs up to `now`.
    Keys: id, reason, started, ended ('' while ongoing), mentions, handled,
    median_hours.
    """
    frame = crises.copy()
    frame["start_at"] = parse_times(frame["started"], tz, day_first=day_first)
    frame["end_at"] = parse_times(frame["ended"], tz, day_first=day_first)
    found = _mention_times(mentions, tz, day_first)
    episodes = []
    for _, row in frame.sort_values("start_at").iterrows():
        began = row["start_at"]
        if pd.isna(began):
            continue
        finished = row["end_at"] if pd.notna(row["end_at"]) else pd.Timestamp(now)
        if began >= pd.Timestamp(end) or finished < pd.Timestamp(start):
            continue
        during = found[
            found["found"].notna() & (found["found"] >= began) & (found["found"] < finished)
        ]
        status = during["status"].map(clean_text)
        handled = during[status.isin(HANDLED_STATUSES) | during["responded"].notna()]
        hours = response_hours(during, tz, day_first=day_first)
        episodes.append(
            {
                "id": clean_text(row["id"]),
                "reason": clean_text(row["reason"]),
                "started": began.to_pydatetime().isoformat(),
                "ended": row["end_at"].to_pydatetime().isoformat()
                if pd.notna(row["end_at"])
                else "",
                "mentions": len(during),
                "handled": len(handled),
                "median_hours": float(hours.median()) if len(hours) else None,
            }
        )
    return episodes


def is_published_with_link(row: Mapping[str, Any]) -> bool:
    """A Queue row that went out and has a link to the post people can open."""
    return clean_text(row["status"]).casefold() == "published" and is_http_url(row["post_url"])
