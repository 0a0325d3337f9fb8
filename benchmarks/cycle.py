"""The whole daily cycle on the Google backend, minute by minute, against Google's per-minute quota.

Every job's runs of one day (DEFAULT_SCHEDULE, on a day when every job runs)
are laid on the clock, each run costing what `python -m benchmarks` measured;
the busiest minute is set against Google's per-user quota of 60 Sheets read
and 60 write requests per minute.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from benchmarks import scale
from benchmarks.report import Measurement
from sheets_schema.settings import DEFAULT_SCHEDULE

QUOTA_PER_MINUTE = 60  # Sheets API: read requests and write requests, per minute per user


@dataclass
class Cycle:
    """A day of scheduled runs, per minute: Sheets reads and writes, and Gmail calls."""

    runs: dict[str, int]
    peak_reads: float
    peak_writes: float
    peak_minute: str
    total_reads: float
    total_writes: float
    total_gmail: float
    busiest: list[str]


def daily_cycle(per_run: dict[str, tuple[float, float, float]], day: Any = None) -> Cycle:
    """Lay every job's runs of one day (DEFAULT_SCHEDULE) on the clock; per_run = (reads, writes, gmail)."""
    from automation.schedule.rules import parse_rule, runs_on

    day = day or scale.NOW.date()
    working_days = (0, 1, 2, 3, 4)
    reads: Counter = Counter()
    writes: Counter = Counter()
    runs: dict[str, int] = {}
    who: dict[int, list[str]] = {}
    total_gmail = 0.0
    for job, text in DEFAULT_SCHEDULE.items():
        rule = parse_rule(text)
        if job not in per_run or rule is None or not runs_on(rule, day, working_days):
            continue
        slots = rule.slots()
        runs[job] = len(slots)
        r, w, g = per_run[job]
        for minute in slots:
            reads[minute] += r
            writes[minute] += w
            who.setdefault(minute, []).append(job)
        total_gmail += g * len(slots)
    peak = max(reads.keys() | writes.keys(), key=lambda k: max(reads[k], writes[k]), default=0)
    return Cycle(
        runs,
        reads[peak],
        writes[peak],
        f"{peak // 60:02d}:{peak % 60:02d}",
        sum(reads.values()),
        sum(writes.values()),
        total_gmail,
        who.get(peak, []),
    )


def cycle_lines(rows: list[Measurement]) -> list[str]:
    """The daily cycle at the smallest size measured, Chorus beside the tutorial way.

    The smallest size, because every run is counted as doing that size's whole
    work (sync-forms: that many new responses every ten minutes).
    """
    measured = [m for m in rows if m.calls and not m.job.endswith(" again")]
    if not measured:
        return []
    size = min(m.rows for m in measured)
    at = {m.job: m for m in measured if m.rows == size}
    chorus = daily_cycle(
        {j: (m.sheets_reads, m.sheets_writes, m.calls.get("gmail", 0)) for j, m in at.items()}
    )
    naive = daily_cycle(
        {
            j: (m.naive.reads, m.naive.writes, m.naive.calls.get("gmail", 0))
            for j, m in at.items()
            if m.naive
        }
    )
    day = scale.NOW.date()
    out = [
        "",
        f"Daily cycle on {day:%A %d %B %Y} (every job runs; DEFAULT_SCHEDULE), each run as measured at {size:,} rows:",
        "  runs: " + ", ".join(f"{j} x{n}" for j, n in chorus.runs.items()),
    ]
    for label, c in (("Chorus", chorus), ("tutorial gspread", naive)):
        if not c.runs:
            continue
        out.append(
            f"  {label:<17} busiest minute {c.peak_minute} ({', '.join(c.busiest)}): "
            f"{c.peak_reads:,.0f} reads, {c.peak_writes:,.0f} writes = "
            f"{c.peak_reads / QUOTA_PER_MINUTE:.0%} / {c.peak_writes / QUOTA_PER_MINUTE:.0%} of the 60/min quota; "
            f"day: {c.total_reads:,.0f} reads, {c.total_writes:,.0f} writes, {c.total_gmail:,.0f} Gmail calls, "
            f"{(c.total_reads + c.total_writes) / (10 * 60):.2f} Sheets calls/min over 08:00-18:00"
        )
    return out
