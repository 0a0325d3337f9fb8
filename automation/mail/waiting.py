"""Mail that is due but not yet out, read from the Sent tab: what `chorus status` shows and
the deliver step (automation.schedule.deliver) sends.

Messages over the per-run cap wait as Deferred rows in the Sent tab without a
copy (they were never composed); messages over the daily allowance wait too,
with a copy in the spool when they were composed. Running their job again in
the same period plans them again and the ledger sends them, each still once,
within the day's allowance. The `deliver` step (`chorus deliver`, and the
scheduler's "deliver" entry, hourly by default) does that for every job that
has mail waiting, oldest first, until the period's mail is complete. A
Deferred row that its job no longer plans (its period has passed) becomes
Expired in that run (see ledger._retry_deferred), so nothing waits forever.

With nothing waiting, or the day's allowance used up, `deliver` costs one
read of the Sent tab and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from automation.mail.sent_tab import SentTab
from automation.schedule.rules import DELIVER, next_run, parse_rule
from sheets_schema.values import clean_text

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

WAITING = ("deferred", "pending")
EXPIRED = "expired"


@dataclass(frozen=True)
class Batch:
    """Messages of one job and period in one state (waiting or expired), for people to read."""

    job: str
    period: str
    messages: int


def _status(sent: pd.DataFrame) -> pd.Series:
    return sent["status"].map(lambda s: clean_text(s).casefold())


def _batches(sent: pd.DataFrame, states: tuple[str, ...]) -> list[Batch]:
    """Rows in `states` grouped by job and period, in the order their first row is in Sent."""
    if sent.empty:
        return []
    rows = sent[_status(sent).isin(states)]
    counts: dict[tuple[str, str], int] = {}
    for job, period in zip(
        rows["job"].map(clean_text), rows["period"].map(clean_text), strict=True
    ):
        if job:
            counts[job, period] = counts.get((job, period), 0) + 1
    return [Batch(job, period, n) for (job, period), n in counts.items()]


def has_waiting(snapshot: Mapping[str, pd.DataFrame], job: str) -> bool:
    """Whether `job` has Deferred or Pending rows in the Sent tab: its run then goes through
    the ledger even when its plan names no message, so they go out or expire."""
    sent = snapshot.get("Sent")
    if sent is None or sent.empty:
        return False
    mine = sent["job"].astype(str).str.strip() == job
    status = sent.loc[mine, "status"].astype(str).str.strip().str.capitalize()
    return bool(status.isin(("Deferred", "Pending")).any())


def waiting_mail(sent: pd.DataFrame) -> dict[str, int]:
    """Job -> how many of its messages wait (Deferred or Pending rows), oldest job first."""
    found: dict[str, int] = {}
    for batch in _batches(sent, WAITING):
        found[batch.job] = found.get(batch.job, 0) + batch.messages
    return found


def waiting_batches(sent: pd.DataFrame) -> list[Batch]:
    """The messages that wait, by job and period, oldest first."""
    return _batches(sent, WAITING)


def expired_batches(sent: pd.DataFrame) -> list[Batch]:
    """Messages that expired unsent (their job stopped planning them), by job and period."""
    return _batches(sent, (EXPIRED,))


def sent_today(sent: pd.DataFrame, now: datetime, settings: Settings) -> int:
    """How many Sent rows were sent on `now`'s day (organisation time): the allowance used,
    counted as the ledger counts it (SentTab.sent_on)."""
    return SentTab(sent).sent_on(now, settings)


# -- what `chorus status` says ---------------------------------------------------------------


def next_delivery(
    settings: Settings, job: str, now: datetime, sent: pd.DataFrame
) -> datetime | None:
    """When the waiting mail of `job` next goes: the deliver step's next time (its own job's
    when deliver is off), on a later day when today's allowance is used up; None if never."""
    text = settings.schedule.get(DELIVER, "") or settings.schedule.get(job, "")
    rule = parse_rule(text, place=f"{settings.path}: schedule") if text else None
    if rule is None:
        return None
    after = now
    if sent_today(sent, now, settings) >= settings.mail.daily_allowance:
        tomorrow = now.astimezone(settings.tz).date() + timedelta(days=1)
        after = datetime.combine(tomorrow, time(0, 0), settings.tz) - timedelta(microseconds=1)
    return next_run(rule, after, settings.tz, settings.organisation.working_days)


def mail_lines(sent: pd.DataFrame, settings: Settings, now: datetime) -> list[str]:
    """`chorus status`'s lines on mail: each job's waiting messages with their period and the
    next delivery, then those that expired unsent."""
    lines = []
    for batch in waiting_batches(sent):
        when = next_delivery(settings, batch.job, now, sent)
        then = f"next delivery {when:%a %d %b %H:%M}" if when else "run `chorus deliver`"
        lines.append(
            f"mail waiting: {batch.job}: {batch.messages:,} message(s) of "
            f"{batch.period or 'no period'} wait; {then}"
        )
    for batch in expired_batches(sent):
        lines.append(
            f"mail expired: {batch.job}: {batch.messages:,} message(s) of "
            f"{batch.period or 'no period'} never sent (Sent tab, Status Expired)"
        )
    return lines


def mail_json(sent: pd.DataFrame, settings: Settings, now: datetime) -> dict[str, object]:
    """The same as JSON values, for `chorus status --json`."""

    def when(job: str) -> str | None:
        moment = next_delivery(settings, job, now, sent)
        return moment.isoformat() if moment else None

    return {
        "mail_waiting": waiting_mail(sent),
        "mail_waiting_by_period": [
            {"job": b.job, "period": b.period, "messages": b.messages, "next_delivery": when(b.job)}
            for b in waiting_batches(sent)
        ],
        "mail_expired": [
            {"job": b.job, "period": b.period, "messages": b.messages}
            for b in expired_batches(sent)
        ],
    }
