"""The policy digest's own mail as the Sent tab records it, read once per run.

Whether a person has had this month's digest, and when they were last
nudged, comes from the Sent rows of job policy-digest that went out (or are
Pending: a Pending row may well have gone out, so nobody is nagged twice).
The rows are grouped by recipient in one pass, so each person is a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from jobs.weeks import local_midnight
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, parse_datetime

DELIVERED = ("sent", "pending")


def _topic_of(message_id: str, job: str) -> str:
    """The topic inside one of the job's Message-IDs ('' for other jobs')."""
    prefix = f"<chorus.{job}."
    text = clean_text(message_id)
    if not text.startswith(prefix):
        return ""
    return text[len(prefix) :].split(".", 1)[0]


def _period_start(period: str) -> date | None:
    try:
        if "-W" in period:
            year, week = period.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        year, month = period.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


@dataclass(frozen=True)
class Delivered:
    """One of the job's messages the Sent tab shows as delivered (or Pending)."""

    topic: str
    period: str
    message_id: str
    when: datetime | None  # aware; None when neither Sent At nor the period says


def delivered_by_recipient(
    sent: pd.DataFrame, job_name: str, settings: Settings
) -> dict[str, list[Delivered]]:
    """The job's delivered messages grouped by recipient (lower case), in one pass over Sent.

    Each person's mail is then looked up, not searched for: a filter per person
    was people x Sent rows.
    """
    found: dict[str, list[Delivered]] = {}
    if sent.empty:
        return found
    tz, day_first = settings.tz, settings.organisation.day_first
    # only this job's delivered rows are looked at one by one (Sent holds every job's mail)
    for job, status, recipient, period, message_id, sent_at in zip(
        sent["job"],
        sent["status"],
        sent["recipient"],
        sent["period"],
        sent["message_id"],
        sent["sent_at"],
        strict=True,
    ):
        if clean_text(job) != job_name or clean_text(status).casefold() not in DELIVERED:
            continue
        period = clean_text(period)
        try:
            when: datetime | None = parse_datetime(sent_at, tz, day_first=day_first)
        except ValueError:
            start = _period_start(period)  # still Pending: the period says roughly when
            when = local_midnight(start, tz) if start else None
        found.setdefault(clean_text(recipient).lower(), []).append(
            Delivered(_topic_of(message_id, job_name), period, clean_text(message_id), when)
        )
    return found
