"""`chorus status`: each job's last run, its next time, and which jobs are overdue.

A pure function of the Runs tab, the settings and `now`. A job is overdue when
it has not succeeded since the second-to-last time it was due: one failure is
retried at the next time and is not yet news; two missed times in a row are.
Counting scheduled times, not hours, keeps a Friday brief from looking
overdue on Monday morning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from automation.logs import redact
from automation.schedule.rules import DELIVER, Rule, next_run, parse_rule, previous_runs
from jobs.runs_rollup import ROLLED, RolledDay, read_rolled
from sheets_schema.values import format_datetime, parse_datetime

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

#: Runs outcomes that count as the job having done its work
SUCCESS = ("ok", "problems")


@dataclass(frozen=True)
class JobStatus:
    """One job: its schedule, its last run, its last success, its next time, and whether it is overdue."""

    job: str
    schedule: str
    last_started: datetime | None = None
    last_outcome: str = ""
    last_summary: str = ""
    last_success: datetime | None = None
    next_run: datetime | None = None
    overdue: bool = False
    why: str = ""

    def to_json(self) -> dict[str, object]:
        """The status as JSON values, for `chorus status --json`."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "job": self.job,
            "schedule": self.schedule,
            "last_started": iso(self.last_started),
            "last_outcome": self.last_outcome,
            "last_summary": self.last_summary,
            "last_success": iso(self.last_success),
            "next_run": iso(self.next_run),
            "overdue": self.overdue,
            "why": self.why,
        }


@dataclass(frozen=True)
class StatusReport:
    """Every job's status at `now`."""

    now: datetime
    tz: ZoneInfo
    jobs: tuple[JobStatus, ...]

    @property
    def overdue(self) -> list[JobStatus]:
        """The jobs that are overdue, in cycle order."""
        return [j for j in self.jobs if j.overdue]

    def lines(self) -> list[str]:
        """A table for people: job, last run, outcome, next run, then the summary."""

        def when(value: datetime | None) -> str:
            return f"{value.astimezone(self.tz):%a %d %b %H:%M}" if value else "-"

        width = max((len(j.job) for j in self.jobs), default=3)
        out = [f"{'job':<{width}}  {'last run':<16}  {'outcome':<8}  {'next run':<16}  summary"]
        for j in self.jobs:
            mark = "OVERDUE " if j.overdue else ""
            out.append(
                f"{j.job:<{width}}  {when(j.last_started) if j.last_started else 'never':<16}  "
                f"{j.last_outcome or '-':<8}  {when(j.next_run):<16}  {mark}{j.last_summary}".rstrip()
            )
        for j in self.overdue:
            out.append(f"overdue: {j.job} ({j.schedule}): {j.why}")
        return out

    def to_json(self) -> dict[str, object]:
        """The report as one JSON object, for `chorus status --json`."""
        return {
            "now": self.now.isoformat(),
            "ok": not self.overdue,
            "overdue": [j.job for j in self.overdue],
            "jobs": [j.to_json() for j in self.jobs],
        }


class RunRow(NamedTuple):
    """One readable row of the Runs tab."""

    job: str
    started: datetime
    outcome: str
    summary: str


def _runs(runs: pd.DataFrame, tz: ZoneInfo) -> list[RunRow]:
    """Every row whose Started parses, oldest first; others are skipped.

    A rolled-up line (jobs.runs_rollup) stands for its day's first run, last
    success and last run, so the answers are the same as from the day's rows.
    """
    out = []
    for row in runs.itertuples(index=False):
        job = str(getattr(row, "job", "")).strip()
        try:
            started = parse_datetime(getattr(row, "started", ""), tz)
        except ValueError:
            continue
        if job:
            outcome = str(getattr(row, "outcome", "")).strip()
            summary = redact(str(getattr(row, "summary", "")))  # rows older than the redaction too
            day = read_rolled(summary, started) if outcome == ROLLED else None
            if day is None:
                out.append(RunRow(job, started, outcome, summary))
            else:
                out.extend(_rolled_rows(job, day, summary))
    out.sort(key=lambda r: r.started.astimezone(UTC))
    return out


def _rolled_rows(job: str, day: RolledDay, summary: str) -> list[RunRow]:
    """A rolled-up day as the runs status needs: its first, its last success, its last."""
    last_summary = day.last_failure if day.last_outcome == "failed" else summary
    rows = [RunRow(job, day.first, ROLLED, summary)]
    if day.last_success is not None:
        rows.append(RunRow(job, day.last_success, "ok", summary))
    rows.append(RunRow(job, day.last, day.last_outcome, last_summary))
    return rows


def last_successes(runs: pd.DataFrame, tz: ZoneInfo) -> dict[str, datetime]:
    """Each job's latest run that did its work (outcome ok or problems), from the Runs tab."""
    found: dict[str, datetime] = {}
    for row in _runs(runs, tz):
        if row.outcome in SUCCESS:
            found[row.job] = row.started
    return found


def job_status(
    runs: pd.DataFrame,
    settings: Settings,
    now: datetime,
    jobs: Iterable[str] | None = None,
) -> StatusReport:
    """Every scheduled job's status at `now` (jobs: the installed ones, in cycle order)."""
    rows = _runs(runs, settings.tz)
    # Jobs are judged only from when Chorus started recording runs, so a new
    # workbook does not report everything as overdue.
    tracking_since = rows[0].started if rows else None
    last: dict[str, RunRow] = {}
    success: dict[str, datetime] = {}
    for row in rows:
        last[row.job] = row
        if row.outcome in SUCCESS:
            success[row.job] = row.started
    names = list(jobs) if jobs is not None else list(settings.schedule)
    names += [job for job in last if job not in names]
    # deliver is no job and writes no Runs row (the jobs it runs do): never overdue, not listed
    names = [job for job in names if job != DELIVER]
    statuses = tuple(
        _one_status(job, settings, now, last.get(job), success.get(job), tracking_since)
        for job in names
    )
    return StatusReport(now=now, tz=settings.tz, jobs=statuses)


def _one_status(
    job: str,
    settings: Settings,
    now: datetime,
    latest: RunRow | None,
    done: datetime | None,
    tracking_since: datetime | None,
) -> JobStatus:
    """One job's status from its latest run and its latest success."""
    text = settings.schedule.get(job, "")
    rule = parse_rule(text, place=f"{settings.path}: schedule.{job}") if text else None
    working_days = settings.organisation.working_days
    outcome, summary = (latest.outcome, latest.summary) if latest else ("", "")
    why = ""
    if rule is not None and tracking_since is not None:
        why = _why_overdue(rule, settings.tz, working_days, now, done, tracking_since)
        if why and outcome == "failed":
            why += f"; last run {outcome}: {summary}"
    return JobStatus(
        job=job,
        schedule=text or "not scheduled",
        last_started=latest.started if latest else None,
        last_outcome=outcome,
        last_summary=summary,
        last_success=done,
        next_run=next_run(rule, now, settings.tz, working_days) if rule else None,
        overdue=bool(why),
        why=why,
    )


def _why_overdue(
    rule: Rule,
    tz: ZoneInfo,
    working_days: tuple[int, ...],
    now: datetime,
    done: datetime | None,
    tracking_since: datetime,
) -> str:
    """Why the job is overdue ("" when it is not): no success since the second-to-last time it was due."""
    due = previous_runs(rule, now, tz, working_days, 2)
    if len(due) < 2 or due[1].astimezone(UTC) < tracking_since.astimezone(UTC):
        return ""
    if done is not None and done.astimezone(UTC) >= due[1].astimezone(UTC):
        return ""
    since = f"last success {format_datetime(done, tz)}" if done else "no successful run recorded"
    return f"{since}; it was due at {format_datetime(due[1], tz)} and {format_datetime(due[0], tz)}"
