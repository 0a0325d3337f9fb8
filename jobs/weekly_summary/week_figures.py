"""The figures of one week, each computed once by one function, for the whole organisation.

The summary's period is one ISO week (Monday to Sunday, the organisation's
timezone). Every section reads its numbers from a WeekFigures, so the verdict
and the details cannot disagree: the posts a channel table adds up to are
the posts the verdict counts, the mentions answered are among those found
in the same week. Last week's figures come from the same function.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from jobs import figures
from jobs.people import active_people
from jobs.weeks import Week
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text


@dataclass(frozen=True)
class WeekFigures:
    """One week's figures: posts, slots, submissions, contributors, mentions."""

    week: Week
    start: datetime
    end: datetime
    #: channel, target (posts a week in the plan), published
    posts: pd.DataFrame
    #: channel, slots (planned slots laid out in the Cadence tab), filled
    slots: pd.DataFrame
    #: the week's submissions (figures.submissions_between)
    submissions: pd.DataFrame
    #: submissions per email (lower case) this week
    per_person: dict[str, int]
    #: active people on the staff list, and how many of them sent something this week
    headcount: int
    staff_contributors: int
    mentions: figures.MentionFigures

    @property
    def published(self) -> int:
        return int(self.posts["published"].sum())

    @property
    def planned(self) -> int:
        return int(self.posts["target"].sum())

    @property
    def slots_planned(self) -> int:
        return int(self.slots["slots"].sum())

    @property
    def slots_filled(self) -> int:
        return int(self.slots["filled"].sum())

    @property
    def accepted(self) -> int:
        status = self.submissions["status"].map(clean_text).str.casefold()
        return int((status == "accepted").sum())

    @property
    def contributors(self) -> int:
        """Distinct people who sent something this week (on the staff list or not)."""
        return len(self.per_person)


def week_figures(
    snapshot: Snapshot, week: Week, settings: Settings, active: pd.DataFrame
) -> WeekFigures:
    """The figures of `week`, from one snapshot; `active` is jobs.people.active_people, read once."""
    tz, day_first = settings.tz, settings.organisation.day_first
    start, end = week.bounds(tz)
    posts = figures.posts_by_channel(
        snapshot["Queue"], snapshot["Channels"], start, end, tz, day_first=day_first
    )
    slots = figures.cadence_adherence(
        snapshot.get_or_empty("Cadence"), week.start, week.end, day_first=day_first
    )
    subs = figures.submissions_between(snapshot["Submissions"], start, end, tz, day_first=day_first)
    per_person = Counter(e for e in subs["email"].tolist() if e)
    mentions = figures.mention_figures(snapshot["Mentions"], start, end, tz, day_first=day_first)
    on_staff = sum(1 for e in set(active["email"].tolist()) if e in per_person)
    return WeekFigures(
        week, start, end, posts, slots, subs, dict(per_person), len(active), on_staff, mentions
    )


def both_weeks(
    snapshot: Snapshot, week: Week, settings: Settings
) -> tuple[WeekFigures, WeekFigures, pd.DataFrame]:
    """This week's figures, last week's (for the comparison) and the active staff list."""
    active = active_people(snapshot["People"])
    return (
        week_figures(snapshot, week, settings, active),
        week_figures(snapshot, week.shifted(-1), settings, active),
        active,
    )
