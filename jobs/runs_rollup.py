"""Older Runs rolled into one line per job per day, so the Runs tab stays a size a person reads.

The default schedule adds about 180 Runs rows a working day. Runs older than
`[history] runs_days` become one line per job and day: Outcome "rolled up",
Started the day's last run, and a Summary that keeps what `chorus status` and
catch-up need (how many runs, each outcome's count, the last run's outcome,
the last success, the last failure and its message). `read_rolled` reads such
a line back.

Kill-safe on any backend, in two steps a day apart: a day's line is added in
one roll-up, the day's own rows are deleted in the next, once the line is
known to be written. A write cut short anywhere leaves either the rows, or the
rows and their line (deleted next time), never neither.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from sheets_schema.records import Append, Changes, Delete, Update
from sheets_schema.values import clean_text, format_datetime, parse_datetime

#: the Outcome of a line that stands for a day's runs of one job
ROLLED = "rolled up"
#: outcomes that count as the job having done its work (as in chorus status)
SUCCESS = ("ok", "problems")

_LINE = re.compile(
    r"(?P<runs>\d+) runs? (?P<first>\d\d:\d\d)-(?P<last>\d\d:\d\d): (?P<counts>[^;]*); "
    r"last run (?P<outcome>[\w-]+)(?:; last success (?P<success>\d\d:\d\d))?"
    r"(?:; last failure (?P<failed_at>\d\d:\d\d): (?P<failure>.*))?",
    re.S,
)


class Run(NamedTuple):
    """One Runs row as the roll-up reads it."""

    run_id: str
    job: str
    started: datetime
    finished: str
    outcome: str
    summary: str
    api_calls: int


@dataclass(frozen=True)
class RolledDay:
    """What a rolled-up line says about its job's day."""

    counts: tuple[tuple[str, int], ...]
    first: datetime
    last: datetime
    last_outcome: str
    last_success: datetime | None = None
    last_failure_at: datetime | None = None
    last_failure: str = ""

    @property
    def runs(self) -> int:
        return sum(n for _, n in self.counts)

    def summary(self) -> str:
        """The line's Summary: what a person reads, and what `read_rolled` reads back."""
        words = ", ".join(f"{n} {outcome}" for outcome, n in self.counts)
        plural = "run" if self.runs == 1 else "runs"
        text = (
            f"{self.runs} {plural} {self.first:%H:%M}-{self.last:%H:%M}: {words}; "
            f"last run {self.last_outcome}"
        )
        if self.last_success is not None:
            text += f"; last success {self.last_success:%H:%M}"
        if self.last_failure_at is not None:
            text += f"; last failure {self.last_failure_at:%H:%M}: {self.last_failure}"
        return text[:500]


@dataclass(frozen=True)
class Rollup:
    """The roll-up's write and what it did, for the run's report."""

    changes: Changes
    rolled: int = 0
    removed: int = 0


def read_rolled(summary: object, started: datetime) -> RolledDay | None:
    """A rolled-up line's day (None when its Summary is not one Chorus wrote)."""
    found = _LINE.fullmatch(clean_text(summary))
    if found is None:
        return None
    tz, day = started.tzinfo, started.date()

    def at(text: str | None) -> datetime | None:
        if not text:
            return None
        hour, minute = (int(part) for part in text.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=tz)

    counts = []
    for part in found["counts"].split(","):
        number, _, outcome = part.strip().partition(" ")
        if not number.isdigit() or not outcome:
            return None
        counts.append((outcome, int(number)))
    first = at(found["first"])
    assert first is not None
    return RolledDay(
        counts=tuple(counts),
        first=first,
        last=started,
        last_outcome=found["outcome"],
        last_success=at(found["success"]),
        last_failure_at=at(found["failed_at"]),
        last_failure=found["failure"] or "",
    )


def day_of(group: list[Run], earlier: RolledDay | None = None) -> RolledDay:
    """A day of runs in one line's terms; with `earlier`, added to what a line already says."""
    group = sorted(group, key=lambda r: r.started)
    counts = Counter(dict(earlier.counts) if earlier else {})
    counts.update(run.outcome or "unknown" for run in group)
    successes = [run.started for run in group if run.outcome in SUCCESS]
    failures = [run for run in group if run.outcome == "failed"]
    last = group[-1]
    return RolledDay(
        counts=tuple(sorted(counts.items())),
        first=min(group[0].started, earlier.first) if earlier else group[0].started,
        last=last.started,
        last_outcome=last.outcome or "unknown",
        last_success=successes[-1] if successes else earlier.last_success if earlier else None,
        last_failure_at=failures[-1].started
        if failures
        else earlier.last_failure_at
        if earlier
        else None,
        last_failure=failures[-1].summary if failures else earlier.last_failure if earlier else "",
    )


def roll_up(runs: pd.DataFrame, now: datetime, tz: ZoneInfo, days: int) -> Rollup:
    """The write that rolls Runs older than `days` days (before today, organisation time).

    A day without a line gets one; a day whose line was read has its runs
    deleted (those up to the line's last run: it stands for them) and any run
    recorded after that last run counted into the line. A line a person has
    edited so that it no longer reads is left alone with its day's runs.
    """
    if days <= 0 or runs.empty:
        return Rollup(Changes())
    cutoff = now.astimezone(tz).date() - timedelta(days=days)
    groups: dict[tuple[str, date], list[Run]] = {}
    lines: dict[tuple[str, date], Run] = {}
    for run in _read(runs, tz):
        day = run.started.date()
        if day >= cutoff:
            continue
        if run.outcome == ROLLED:
            lines[(run.job, day)] = run
        elif run.run_id:
            groups.setdefault((run.job, day), []).append(run)
    appends: list[Append] = []
    updates: list[Update] = []
    deletes: list[Delete] = []
    rolled = 0
    for (job, day), group in sorted(groups.items()):
        line = lines.get((job, day))
        if line is None:
            appends.append(Append("Runs", rolled_line(job, day, group, tz)))
            rolled += len(group)
            continue
        said = read_rolled(line.summary, line.started)
        if said is None:
            continue
        covered = [run for run in group if run.started <= said.last]
        later = [run for run in group if run.started > said.last]
        deletes.extend(Delete("Runs", (run.run_id,)) for run in covered)
        if later:
            row = _row(job, day, day_of(later, said), later, tz, line.api_calls)
            del row["run_id"]
            updates.append(Update("Runs", (line.run_id,), row))
            rolled += len(later)
    changes = Changes(appends=tuple(appends), updates=tuple(updates), deletes=tuple(deletes))
    return Rollup(changes, rolled=rolled, removed=len(deletes))


def rolled_line(job: str, day: date, group: list[Run], tz: ZoneInfo) -> dict[str, Any]:
    """One job's day of runs as a single Runs row."""
    return _row(job, day, day_of(group), group, tz, 0)


def _row(
    job: str, day: date, said: RolledDay, group: list[Run], tz: ZoneInfo, calls: int
) -> dict[str, Any]:
    last = max(group, key=lambda r: r.started)
    return {
        "run_id": f"{job}-{day:%Y%m%d}-rolled-up",
        "job": job,
        "started": format_datetime(said.last, tz),
        "finished": last.finished,
        "outcome": ROLLED,
        "summary": said.summary(),
        "api_calls": calls + sum(run.api_calls for run in group),
    }


def _read(runs: pd.DataFrame, tz: ZoneInfo) -> list[Run]:
    """The rows whose Job and Started are readable; the others are left as they are."""
    out = []
    for row in runs.to_dict("records"):
        job = clean_text(row.get("job", ""))
        try:
            started = parse_datetime(row.get("started", ""), tz)
        except ValueError:
            continue
        if not job:
            continue
        calls = clean_text(row.get("api_calls", ""))
        out.append(
            Run(
                clean_text(row.get("run_id", "")),
                job,
                started,
                clean_text(row.get("finished", "")),
                clean_text(row.get("outcome", "")),
                clean_text(row.get("summary", "")),
                int(calls) if calls.isdigit() else 0,
            )
        )
    return out
