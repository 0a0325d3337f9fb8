"""How each mailing job's plan, and the composing of its mail, scale with the program.

    .venv/bin/python -m benchmarks.plans                        # 1,000, 10,000 and 30,000 rows
    .venv/bin/python -m benchmarks.plans --sizes 1000,10000 --jobs brief,thanks
    .venv/bin/python -m benchmarks.plans --compose              # ms per composed message too

A plan is pure (jobs/*: no I/O, no clock), so this times exactly what a run
spends between its read and its write: the synthetic program of
benchmarks.scale is put in an in-memory store and read back (not timed), then
the job's `plan()` runs once, timed in wall and CPU seconds. The rows that
grow are the job's main tab (MAIN_TAB below): People for the jobs that mail
people, Queue for the jobs that mail about items; for policy-digest the Sent
tab grows with People too (last month's digest and a reminder to each
person), since it looks each person's mail up there. A plan linear in its rows
takes about 3x as long at 30,000 as at 10,000: the last column.

With --compose, the plan's messages are then composed into real emails the way
the Sent ledger composes them (automation.mail.compose, charts drawn by
automation.mail.charts), at most --compose-max of them (the per-run cap:
a run never composes more), and the milliseconds per message are printed with
the number of charts drawn.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jobs  # noqa: E402
from automation.config import settings_from_dict  # noqa: E402
from automation.store.memory import MemoryStore  # noqa: E402
from benchmarks import scale  # noqa: E402
from jobs.approval_requests import ApprovalLinks  # noqa: E402
from jobs.base import Plan  # noqa: E402
from jobs.share_digest import ShareInputs  # noqa: E402
from sheets_schema.records import Append, Changes, Snapshot  # noqa: E402
from sheets_schema.settings import Settings  # noqa: E402
from sheets_schema.tabs import TABS  # noqa: E402

#: job -> the tab whose size N is
MAIN_TAB = {
    "weekly-summary": "People",
    "policy-digest": "People",
    "share-digest": "People",
    "welcome": "People",
    "brief": "Queue",
    "thanks": "Queue",
    "approval-requests": "Queue",
}
JOBS = tuple(MAIN_TAB)
KEY = b"benchmark share key, 32 bytes.."


def program_rows(job: str, n: int) -> dict[str, list[dict[str, str]]]:
    """The synthetic program for `job` at n rows of its main tab (benchmarks.scale's rows)."""
    grown = "weekly-summary" if MAIN_TAB[job] == "People" else "brief"
    rows = scale.build_program(grown, n).rows
    rng = random.Random(f"plans:{job}:{n}")
    if job == "welcome":  # a tenth started within the month: the welcome's starters
        for person in rows["People"]:
            if rng.random() < 0.1:
                start = scale.NOW.date() - timedelta(days=rng.randint(0, 25))
                person["start_date"] = start.isoformat()
    if job == "policy-digest":
        rows["Sent"] = _sent_rows(rows["People"], rng)
    return rows


def _sent_rows(people: list[dict[str, str]], rng: random.Random) -> list[dict[str, str]]:
    """Last month's digest to everyone, and a reminder to one in twenty: Sent as big as People."""
    out = []
    for person in people:
        email = person["email"]
        topics = [("digest", "2027-02", "2027-02-01 09:00")]
        if rng.random() < 0.05:
            topics.append(("reminder", "2027-W07", "2027-02-15 09:00"))
        for topic, period, at in topics:
            out.append(
                {
                    "message_id": f"<chorus.policy-digest.{topic}.{period}.{email}@bench>",
                    "job": "policy-digest",
                    "period": period,
                    "recipient": email,
                    "subject": f"Policy {topic}",
                    "status": "Sent",
                    "sent_at": at,
                    "transport": "outbox",
                }
            )
    return out


def snapshot_of(job: str, n: int) -> Snapshot:
    """The program in an in-memory store, read back as the runner reads it (not timed)."""
    store = MemoryStore(cell_limit=10**9)
    store.ensure_tabs()
    rows = program_rows(job, n)
    store.apply(
        Changes(
            appends=tuple(
                Append(tab, {f: row.get(f, "") for f in TABS[tab].fields})
                for tab, tab_rows in rows.items()
                for row in tab_rows
            )
        )
    )
    return store.read((*jobs.get(job).tabs, "People", "Sent"))


def inputs_for(job: str) -> object:
    """What the shell would gather for the job: the share key, the approval form's link."""
    if job in ("share-digest", "welcome", "thanks"):
        return ShareInputs(key=KEY)
    if job == "approval-requests":
        return ApprovalLinks("", "https://forms.example/approval")
    return None


def settings_in(folder: Path) -> Settings:
    """The benchmark's settings (benchmarks.scale.config) with the state folder in `folder`;
    the share digest's hour is before the benchmark's 08:30, so everyone's digest is due."""
    data = scale.config(folder)
    data["sharing"] = {"digest_time": "08:00"}
    return settings_from_dict(data, folder / "chorus.toml")


@dataclass
class Timing:
    """One plan: wall and CPU seconds, and the messages it planned."""

    seconds: float
    cpu: float
    plan: Plan


def timed_plan(job: str, snapshot: Snapshot, settings: Settings) -> Timing:
    """Run the job's plan once over the snapshot; time it."""
    started, cpu = time.perf_counter(), time.process_time()
    planned = jobs.get(job).plan(snapshot, scale.NOW, settings, inputs_for(job))
    return Timing(time.perf_counter() - started, time.process_time() - cpu, planned)


def compose_ms(planned: Plan, settings: Settings, limit: int) -> tuple[int, float, float, int]:
    """Compose up to `limit` of the plan's messages: (composed, ms each wall, ms each CPU, charts drawn)."""
    from automation.mail import chart_files, charts
    from automation.mail.compose import compose
    from automation.share_key import state_folder

    drawn = [0]
    draw: Callable[..., Any] = charts.draw_chart

    def counted(chart: Any) -> Any:
        drawn[0] += 1
        return draw(chart)

    charts.draw_chart = counted  # type: ignore[assignment]
    # each measurement draws its own charts, as the first run of a week does: none kept
    charts.render_chart.cache_clear()
    chart_files.chart_png.cache_clear()
    shutil.rmtree(state_folder(settings) / chart_files.FOLDER, ignore_errors=True)
    try:
        messages = planned.messages[:limit]
        started, cpu = time.perf_counter(), time.process_time()
        for message in messages:
            compose(message, settings, now=scale.NOW).as_bytes()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        charts.draw_chart = draw  # type: ignore[assignment]
    count = max(len(messages), 1)
    return len(messages), 1000 * wall / count, 1000 * cpu / count, drawn[0]


def main(argv: list[str] | None = None) -> int:
    """Print the plan table (and the compose table with --compose)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,30000")
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--compose", action="store_true")
    parser.add_argument("--compose-max", type=int, default=500)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    from benchmarks.local import machine

    print(f"plans alone, measured on {machine()} (see the module's docstring)")
    heads = " | ".join(f"{n:,} wall s | {n:,} CPU s" for n in sizes)
    ratio_head = f" CPU {sizes[-1]:,} / {sizes[-2]:,} |" if len(sizes) > 1 else ""
    print(f"| job | main tab | {heads} | messages at {sizes[-1]:,} |{ratio_head}")
    print("|---|---|" + "---|" * (2 * len(sizes) + 1 + (len(sizes) > 1)))
    composed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chorus-plans-") as tmp:
        settings = settings_in(Path(tmp))
        for job in args.jobs.split(","):
            found = []
            for n in sizes:
                timing = timed_plan(job, snapshot_of(job, n), settings)
                found.append(timing)
                if args.compose:
                    count, wall, cpu, charts_drawn = compose_ms(
                        timing.plan, settings, args.compose_max
                    )
                    composed.append(
                        f"| {job} | {n:,} | {len(timing.plan.messages):,} | {count:,} | "
                        f"{wall:.1f} | {cpu:.1f} | {charts_drawn} |"
                    )
            cells = " | ".join(f"{t.seconds:.2f} | {t.cpu:.2f}" for t in found)
            ratio = (
                f" | {found[-1].cpu / found[-2].cpu:.2f}x"
                if len(found) > 1 and found[-2].cpu
                else ""
            )
            print(
                f"| {job} | {MAIN_TAB[job]} | {cells} | {len(found[-1].plan.messages):,}{ratio} |",
                flush=True,
            )
    if composed:
        print()
        print(
            "| job | N | messages planned | composed | ms per message (wall) | ms (CPU) | charts drawn |"
        )
        print("|---|---|---|---|---|---|---|")
        print("\n".join(composed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
