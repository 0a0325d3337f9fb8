"""When each part of the program comes up for review: every Current policy (Policies'
Last Reviewed) and the goals, channels, process, principles and sources (the Reviews tab),
each every `policy.review_interval_days`.

The guide shows the next review date of the whole document from these; the
policy-digest job reminds each part's owner when it is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from sheets_schema.values import clean_text, parse_date


@dataclass(frozen=True)
class PartReview:
    """One part of the program (not a policy) and its last review."""

    part: str
    owner: str
    last_reviewed: date | None
    note: str = ""

    def due(self, today: date, interval_days: int) -> bool:
        """Never reviewed, or last reviewed more than the interval ago."""
        return self.last_reviewed is None or (today - self.last_reviewed).days > interval_days


def part_reviews(
    reviews: pd.DataFrame, *, day_first: bool = True
) -> tuple[list[PartReview], list[str]]:
    """The Reviews tab's rows, and problems with unreadable dates (the row then counts as due)."""
    parts: list[PartReview] = []
    problems: list[str] = []
    for row_number, row in reviews.iterrows():
        part = clean_text(row["part"])
        if not part:
            continue
        reviewed: date | None = None
        text = clean_text(row["last_reviewed"])
        if text:
            try:
                reviewed = parse_date(text, day_first=day_first)
            except ValueError as exc:
                problems.append(
                    f"tab 'Reviews', row {row_number}, column 'Last Reviewed': {exc} "
                    "(write the date as 2027-03-29)"
                )
        parts.append(PartReview(part, clean_text(row["owner"]), reviewed, clean_text(row["note"])))
    return parts, problems


def next_review(reviewed: list[date | None], interval_days: int, today: date) -> date:
    """The earliest date any part is due again; today when one was never reviewed."""
    if not reviewed or any(d is None for d in reviewed):
        return today
    return min(d for d in reviewed if d is not None) + timedelta(days=interval_days)
