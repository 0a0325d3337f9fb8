"""`python -m benchmarks.deliver`: every due message delivered at 10,000 people, none twice.

    python -m benchmarks.deliver                      # 10,000 people, the default mail limits
    python -m benchmarks.deliver --people 2000 --allowance 500

The real scheduler (`automation.schedule.service.serve`, the loop `chorus
schedule` runs) is driven day by day on a clock passed in, over a program of
N people (one in ten a Manager) on the in-memory store, mailing into a Maildir
outbox, with every job off but policy-digest, weekly-summary and the deliver
step at their default times. The month is December 2026: the policy digest
goes to everyone from Tuesday 1st (its first working day), the weekly summary
to every manager from Monday 7th. Per working day the table shows what went
out, what still waits and what it cost; then whether each period's mail was
complete within the days the daily allowance needs (ceil(messages /
allowance)) and whether any Message-ID reached the outbox twice.
"""

from __future__ import annotations

import argparse
import mailbox
import math
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from automation.config import settings_from_dict  # noqa: E402
from automation.mail.waiting import waiting_batches  # noqa: E402
from automation.schedule.service import serve  # noqa: E402
from automation.store.memory import MemoryStore  # noqa: E402
from automation.workspace import Workspace  # noqa: E402
from sheets_schema.records import Append, Changes  # noqa: E402
from sheets_schema.settings import DEFAULT_SCHEDULE  # noqa: E402

TZ = ZoneInfo("Europe/London")
FIRST = datetime(2026, 12, 1, tzinfo=TZ)
JOBS = ("policy-digest", "weekly-summary")
POLICY = {
    "id": "P-01",
    "kind": "Policy",
    "title": "Social media policy",
    "text": "Speak for yourself; never share what is confidential.",
    "version": "2.1",
    "effective": "2026-10-20",
    "last_reviewed": "2026-10-20",
    "owner": "person00000@example.org",
    "status": "Current",
}


def program(folder: Path, people: int, max_per_run: int, allowance: int) -> Workspace:
    """N people (every tenth a Manager) and one policy, on the memory store; the outbox in `folder`."""
    schedule = {job: "off" for job in DEFAULT_SCHEDULE}
    schedule.update({job: DEFAULT_SCHEDULE[job] for job in (*JOBS, "deliver")})
    settings = settings_from_dict(
        {
            "organisation": {
                "name": "Example Org",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "backend": {"kind": "local", "workbook": "workbook.xlsx"},
            "mail": {
                "transport": "outbox",
                "outbox": "outbox",
                "sender": "social@example.org",
                "max_per_run": max_per_run,
                "daily_allowance": allowance,
            },
            "schedule": schedule,
            # acknowledgement reminders (a week on) are due mail too, but not what this measures
            "policy": {"reminder_interval_days": 60},
        },
        folder / "chorus.toml",
    )
    store = MemoryStore()
    store.ensure_tabs()
    rows = [
        {
            "name": f"Person {n:05d}",
            "email": f"person{n:05d}@example.org",
            "team": f"Team {n % 40}",
            "roles": "Manager" if n % 10 == 0 else "Staff",
            "active": "Yes",
        }
        for n in range(people)
    ]
    store.apply(Changes(appends=(*(Append("People", r) for r in rows), Append("Policies", POLICY))))
    return Workspace(settings=settings, store=store)


class Clock:
    """The scheduler's clock: it moves only when the loop sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now = (self.now + timedelta(seconds=seconds)).astimezone(TZ)


def sent_by(ws: Workspace) -> Counter[tuple[str, str]]:
    """(job, day sent) -> messages, from the Sent tab."""
    sent = ws.store.read(["Sent"])["Sent"]
    done = sent[sent["status"] == "Sent"]
    return Counter(zip(done["job"], done["sent_at"].str[:10], strict=True))


def run(people: int, max_per_run: int, allowance: int, days: int) -> Iterator[str]:
    """Drive the scheduler through `days` days and say, per working day, what went (as it goes)."""
    yield from [
        f"Delivery at {people:,} people ({people // 10:,} managers): max_per_run {max_per_run:,}, "
        f"daily_allowance {allowance:,}; chorus schedule on a passed-in clock, memory store, Maildir outbox",
        "",
        f"{'day':<10} {'digests':>8} {'summaries':>9} {'sent':>6} {'waiting after':>22} "
        f"{'wall s':>7} {'CPU s':>6}",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ws = program(folder, people, max_per_run, allowance)
        for offset in range(days):
            day = FIRST + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            clock = Clock(day.replace(hour=7))
            serve(
                ws, clock=clock, sleep=clock.sleep, handle_signals=False, until=day.replace(hour=19)
            )
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            counts = sent_by(ws)
            date = f"{day:%Y-%m-%d}"
            waits = waiting_batches(ws.store.read(["Sent"])["Sent"])
            waiting = ", ".join(f"{b.job.split('-')[0]} {b.messages:,}" for b in waits) or "none"
            digests, summaries = counts[JOBS[0], date], counts[JOBS[1], date]
            yield (
                f"{day:%a %d %b} {digests:>8,} {summaries:>9,} {digests + summaries:>6,} "
                f"{waiting:>22} {wall:>7.1f} {cpu:>6.1f}"
            )
        yield from ["", *verdict(ws, folder, people, allowance)]


def verdict(ws: Workspace, folder: Path, people: int, allowance: int) -> list[str]:
    """Each period complete, within the days its allowance needs; no Message-ID twice."""
    sent = ws.store.read(["Sent"])["Sent"]
    box = mailbox.Maildir(folder / "outbox", create=True)
    ids = ["".join(str(box[k]["Message-ID"]).split()) for k in box.keys()]
    out = []
    for (job, period), rows in sent[sent["status"] == "Sent"].groupby(["job", "period"]):
        days = sorted(set(rows["sent_at"].str[:10]))
        out.append(
            f"{job} {period}: {len(rows):,} sent on {len(days)} working day(s), {days[0]} to {days[-1]}"
        )
    first = sent[sent["period"].isin(["2026-12", "2026-W49"]) & (sent["status"] == "Sent")]
    total = people + people // 10
    out += [
        f"the digest of 2026-12 and the summaries of 2026-W49, {total:,} messages: "
        f"{len(first):,} sent on {len(set(first['sent_at'].str[:10]))} working days; the daily "
        f"allowance needs ceil({total:,} / {allowance:,}) = {math.ceil(total / allowance)}",
        f"outbox: {len(ids):,} messages, {len(set(ids)):,} distinct Message-IDs "
        f"({'none twice' if len(ids) == len(set(ids)) else 'SOME TWICE'}); Sent rows not Sent: "
        f"{int((sent['status'] != 'Sent').sum())}",
    ]
    return out


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--max-per-run", type=int, default=500)
    parser.add_argument("--allowance", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=9, help="calendar days from 1 December")
    args = parser.parse_args(argv)
    for line in run(args.people, args.max_per_run, args.allowance, args.days):
        print(line, flush=True)


if __name__ == "__main__":
    main()
