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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from sheets_schema.records import Append, Changes, Delete, Update
from sheets_schema.values import clean_text, format_datetime, parse_datetime

#: the Outcome of a line that stands for a day's (or a month's) runs of one job
ROLLED = "rolled up"
#: outcomes that count as the job having done its work (as in chorus status)
SUCCESS = ("ok", "problems")

_AT = r"(?:\d{4}-\d\d-\d\d )?\d\d:\d\d"  # a time on the line's own day, else with its date
_LINE = re.compile(
    rf"(?P<runs>\d+) runs? (?P<first>{_AT})-(?P<last>{_AT}): (?P<counts>[^;]*); "
    rf"last run (?P<outcome>[\w-]+)(?:; last success (?P<success>{_AT}))?"
    rf"(?:; last failure (?P<failed_at>{_AT}): (?P<failure>.*))?",
    re.S,
)
_MONTH_LINE = re.compile(r".+-\d{6}-rolled-up")


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
    """What a rolled-up line says about its job's day (or month)."""

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

    def _at(self, moment: datetime) -> str:
        return (
            f"{moment:%H:%M}" if moment.date() == self.last.date() else f"{moment:%Y-%m-%d %H:%M}"
        )

    def summary(self) -> str:
        """The line's Summary: what a person reads, and what `read_rolled` reads back."""
        words = ", ".join(f"{n} {outcome}" for outcome, n in self.counts)
        plural = "run" if self.runs == 1 else "runs"
        text = (
            f"{self.runs} {plural} {self._at(self.first)}-{self._at(self.last)}: {words}; "
            f"last run {self.last_outcome}"
        )
        if self.last_success is not None:
            text += f"; last success {self._at(self.last_success)}"
        if self.last_failure_at is not None:
            text += f"; last failure {self._at(self.last_failure_at)}: {self.last_failure}"
        return text[:500]

    def __add__(self, later: RolledDay) -> RolledDay:
        """Two lines' runs as one (`later` holds the later last run)."""
        counts = Counter(dict(self.counts))
        counts.update(dict(later.counts))
        failed = max(
            (
                (at, text)
                for at, text in (
                    (self.last_failure_at, self.last_failure),
                    (later.last_failure_at, later.last_failure),
                )
                if at
            ),
            default=(None, ""),
            key=lambda pair: pair[0] or self.first,
        )
        successes = [at for at in (self.last_success, later.last_success) if at is not None]
        return RolledDay(
            counts=tuple(sorted(counts.items())),
            first=min(self.first, later.first),
            last=later.last,
            last_outcome=later.last_outcome,
            last_success=max(successes, default=None),
            last_failure_at=failed[0],
            last_failure=failed[1],
        )


@dataclass(frozen=True)
class Rollup:
    """The roll-up's write and what it did, for the run's report."""

    changes: Changes
    rolled: int = 0
    removed: int = 0


def read_rolled(summary: object, started: datetime) -> RolledDay | None:
    """A rolled-up line's runs (None when its Summary is not one Chorus wrote)."""
    found = _LINE.fullmatch(clean_text(summary))
    if found is None:
        return None
    tz, day = started.tzinfo, started.date()

    def at(text: str | None) -> datetime | None:
        if not text:
            return None
        on, _, clock = text.rpartition(" ")
        hour, minute = (int(part) for part in clock.split(":"))
        return datetime.combine(
            date.fromisoformat(on) if on else day, time(hour, minute), tzinfo=tz
        )

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


def day_of(group: list[Run]) -> RolledDay:
    """Runs in one line's terms."""
    group = sorted(group, key=lambda r: r.started)
    counts = Counter(run.outcome or "unknown" for run in group)
    successes = [run.started for run in group if run.outcome in SUCCESS]
    failures = [run for run in group if run.outcome == "failed"]
    return RolledDay(
        counts=tuple(sorted(counts.items())),
        first=group[0].started,
        last=group[-1].started,
        last_outcome=group[-1].outcome or "unknown",
        last_success=successes[-1] if successes else None,
        last_failure_at=failures[-1].started if failures else None,
        last_failure=failures[-1].summary if failures else "",
    )


def roll_up(runs: pd.DataFrame, now: datetime, tz: ZoneInfo, days: int) -> Rollup:
    """The write that rolls Runs older than `days` days (before today, organisation time) into
    a line per job per day, and the day lines of months before that into a line per month.

    A day (month) without a line gets one; one whose line was read has its runs
    (day lines) deleted, those up to the line's last run, which it stands for,
    and any recorded after that last run counted into the line. A line a
    person has edited so that it no longer reads is left alone with its runs.
    """
    if days <= 0 or runs.empty:
        return Rollup(Changes())
    cutoff = now.astimezone(tz).date() - timedelta(days=days)
    raw: dict[tuple[str, str], list[tuple[Run, RolledDay]]] = {}
    day_lines: dict[tuple[str, str], list[tuple[Run, RolledDay]]] = {}
    lines: dict[tuple[str, str], Run] = {}
    for run in _read(runs, tz):
        day = run.started.date()
        if day >= cutoff:
            continue
        month = _MONTH_LINE.fullmatch(run.run_id) is not None
        if run.outcome == ROLLED:
            lines[(run.job, f"{day:%Y%m}" if month else f"{day:%Y%m%d}")] = run
            said = read_rolled(run.summary, run.started)
            if (
                not month
                and said is not None
                and (day.year, day.month) < (cutoff.year, cutoff.month)
            ):
                day_lines.setdefault((run.job, f"{day:%Y%m}"), []).append((run, said))
        elif run.run_id:
            raw.setdefault((run.job, f"{day:%Y%m%d}"), []).append((run, day_of([run])))
    # a run recorded for a day whose month has its line already goes into the month's line
    days_done = _fold(raw, lambda job, day: lines.get((job, day[:6])) or lines.get((job, day)), tz)
    months_done = _fold(day_lines, lambda job, month: lines.get((job, month)), tz)
    changes = days_done.changes + months_done.changes
    return Rollup(
        changes, days_done.rolled + months_done.rolled, days_done.removed + months_done.removed
    )


def _fold(
    groups: dict[tuple[str, str], list[tuple[Run, RolledDay]]],
    line_of: Callable[[str, str], Run | None],
    tz: ZoneInfo,
) -> Rollup:
    """Each group of rows into its line (job, day or month): added, or its rows deleted."""
    appends: list[Append] = []
    updates: list[Update] = []
    deletes: list[Delete] = []
    rolled = 0
    for (job, span), group in sorted(groups.items()):
        line = line_of(job, span)
        if line is None:
            appends.append(Append("Runs", _row(job, span, [run for run, _ in group], group, tz)))
            rolled += len(group)
            continue
        said = read_rolled(line.summary, line.started)
        if said is None:
            continue
        deletes.extend(Delete("Runs", (run.run_id,)) for run, r in group if r.last <= said.last)
        later = [(run, r) for run, r in group if r.last > said.last]
        if later:
            row = _row(job, span, [run for run, _ in later], later, tz, said, line.api_calls)
            del row["run_id"]
            updates.append(Update("Runs", (line.run_id,), row))
            rolled += len(later)
    changes = Changes(appends=tuple(appends), updates=tuple(updates), deletes=tuple(deletes))
    return Rollup(changes, rolled=rolled, removed=len(deletes))


def rolled_line(job: str, day: date, group: list[Run], tz: ZoneInfo) -> dict[str, Any]:
    """One job's day of runs as a single Runs row."""
    return _row(job, f"{day:%Y%m%d}", group, [(run, day_of([run])) for run in group], tz)


def _row(
    job: str,
    span: str,
    runs: list[Run],
    said: list[tuple[Run, RolledDay]],
    tz: ZoneInfo,
    earlier: RolledDay | None = None,
    calls: int = 0,
) -> dict[str, Any]:
    parts = sorted((r for _, r in said), key=lambda r: r.last)
    total = parts[0] if earlier is None else earlier + parts[0]
    for part in parts[1:]:
        total = total + part
    last = max(runs, key=lambda r: r.started)
    return {
        "run_id": f"{job}-{span}-rolled-up",
        "job": job,
        "started": format_datetime(total.last, tz),
        "finished": last.finished,
        "outcome": ROLLED,
        "summary": total.summary(),
        "api_calls": calls + sum(run.api_calls for run in runs),
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
