"""Where a mailing job's time goes on the Google twin: plan, composing, charts, Gmail, the twin.

    .venv/bin/python -m benchmarks.mail_time                    # weekly-summary, policy-digest at 1,000
    .venv/bin/python -m benchmarks.mail_time --jobs policy-digest --sizes 1000,10000

Each job runs once through automation.runner.run_job on a fresh Google twin
(benchmarks.__main__.Bench: the real gspread and google-api-python-client
talking to the in-process twin) over the synthetic program of
benchmarks.scale, with the Gmail mailer. The run's wall time is split by
timers around the parts, without a profiler (which inflates the small calls).
The parts are in CPU seconds (time.process_time: the twin answers in this
process, so its time is counted the same way), which a machine busy with
other work does not inflate as it does wall time:

- plan: the job's pure plan();
- compose: turning the planned messages into emails (automation.mail.compose),
  charts excluded; charts: drawing them (automation.mail.charts), with how
  many were drawn;
- Gmail client: Chorus and google-api-python-client building, sending and
  reading the Gmail calls, the twin's answer excluded; Sheets client likewise;
- twin: the twin's own time answering (Google's time in production; here its
  MIME parsing of every draft is most of it);
- other: the rest of the run (the ledger's bookkeeping, the spool, the Runs row).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import jobs  # noqa: E402
from automation import runner  # noqa: E402
from automation.mail import charts, ledger  # noqa: E402
from automation.mail.compose import Draft  # noqa: E402
from automation.mail.gmail import GmailMailer  # noqa: E402
from automation.runner import run_job  # noqa: E402
from automation.store.gsheets import SheetsStore  # noqa: E402
from benchmarks import scale  # noqa: E402
from benchmarks.__main__ import Bench  # noqa: E402
from jobs.base import Job  # noqa: E402

PARTS = ("plan", "compose", "charts", "gmail", "sheets")


@dataclass
class Split:
    """One run's wall and CPU seconds, and the CPU seconds of each part (twin's own taken out)."""

    job: str
    n: int
    wall: float = 0.0
    cpu: float = 0.0
    twin: float = 0.0
    parts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    twin_in: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    charts_drawn: int = 0
    composed: int = 0
    gmail_calls: int = 0
    summary: str = ""


class Timers:
    """Wraps the parts' functions for one run; nested parts are taken out of their callers."""

    def __init__(self, bench: Bench, split: Split) -> None:
        self.bench, self.split = bench, split
        self.stack: list[str] = []
        self.saved: list[tuple[Any, str, Any]] = []
        self.twin_cpu = 0.0
        handle = bench.twin.handle

        def metered(environ: dict[str, Any]) -> Any:
            started = time.process_time()
            try:
                return handle(environ)
            finally:
                self.twin_cpu += time.process_time() - started

        self.saved.append((bench.twin, "handle", handle))
        bench.twin.handle = metered

    def wrap(
        self, owner: Any, name: str, part: str, after: Callable[[], None] | None = None
    ) -> None:
        original = getattr(owner, name)
        timers = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            started, twin = time.process_time(), timers.twin_cpu
            timers.stack.append(part)
            try:
                return original(*args, **kwargs)
            finally:
                timers.stack.pop()
                spent = time.process_time() - started
                in_twin = timers.twin_cpu - twin
                timers.split.parts[part] += spent - in_twin
                timers.split.twin_in[part] += in_twin
                if timers.stack:  # not the caller's time
                    timers.split.parts[timers.stack[-1]] -= spent - in_twin
                    timers.split.twin_in[timers.stack[-1]] -= in_twin
                if after is not None:
                    after()

        self.saved.append((owner, name, original))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)


@contextmanager
def timed_parts(bench: Bench, split: Split) -> Iterator[Timers]:
    """Every part's function wrapped while the block runs."""
    timers = Timers(bench, split)

    def composed() -> None:
        split.composed += 1

    def drawn() -> None:
        split.charts_drawn += 1

    def called() -> None:
        split.gmail_calls += 1

    # composing is rendering the message (ledger.draft) and finishing it with its images
    timers.wrap(ledger, "draft", "compose", composed)
    timers.wrap(Draft, "finish", "compose")
    timers.wrap(charts, "draw_chart", "charts", drawn)
    drawing_ahead = runner.draw_ahead

    def ahead(drawn_charts: Any, folder: Path) -> int:
        count = drawing_ahead(drawn_charts, folder)
        split.charts_drawn += count  # drawn by a child process: its CPU is added after the run
        return count

    timers.saved.append((runner, "draw_ahead", drawing_ahead))
    runner.draw_ahead = ahead  # type: ignore[assignment]
    timers.wrap(charts, "_png", "charts")
    timers.wrap(GmailMailer, "_call", "gmail", called)
    for name in ("read", "apply"):
        timers.wrap(SheetsStore, name, "sheets")
    try:
        yield timers
    finally:
        timers.restore()


def _children_cpu() -> float:
    spent = os.times()
    return spent.children_user + spent.children_system


def measure(job_name: str, n: int) -> Split:
    """One run of the job on a fresh twin, split into its parts."""
    split = Split(job_name, n)
    charts.render_chart.cache_clear()
    with tempfile.TemporaryDirectory(prefix="chorus-mail-time-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program(job_name, n))
        real = jobs.get(job_name)
        holder = type("Holder", (), {"plan": staticmethod(real.plan)})
        bench.start(memory=False)
        with timed_parts(bench, split) as timers:
            timers.wrap(holder, "plan", "plan")
            job = Job(real.name, real.description, real.tabs, holder.plan)
            started, cpu, ahead = time.perf_counter(), time.process_time(), _children_cpu()
            result = run_job(workspace, job_name, scale.NOW, job=job)
            split.wall = time.perf_counter() - started
            # charts drawn ahead (chart_files.draw_ahead) are drawn by a child process
            drawn_ahead = _children_cpu() - ahead
            split.parts["charts"] += drawn_ahead
            split.cpu = time.process_time() - cpu + drawn_ahead
            split.twin = timers.twin_cpu
        split.summary = result.summary()
    return split


def rows(split: Split) -> str:
    """The split as one table row."""
    p = split.parts
    other = split.cpu - split.twin - sum(p.values())
    per = 1000 * p["compose"] / split.composed if split.composed else 0.0
    return (
        f"| {split.job} | {split.n:,} | {split.wall:.1f} | {split.cpu:.1f} | {p['plan']:.2f} | "
        f"{p['compose']:.2f} ({split.composed:,}, {per:.0f} ms each) | "
        f"{p['charts']:.2f} ({split.charts_drawn}) | "
        f"{p['gmail']:.1f} ({split.gmail_calls:,} calls) | {p['sheets']:.2f} | "
        f"{split.twin:.1f} | {other:.1f} |"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", default="weekly-summary,policy-digest")
    parser.add_argument("--sizes", default="1000")
    args = parser.parse_args(argv)
    from benchmarks.local import machine

    print(f"Google twin, measured on {machine()} (see the module's docstring)")
    print(
        "| job | people | wall s | CPU s | plan | compose (messages) | charts (drawn) | "
        "Gmail client (calls) | Sheets client | twin's own | other (CPU s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for job in args.jobs.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            split = measure(job, n)
            print(rows(split), flush=True)
            print(f"<!-- {job} {n}: {split.summary} -->", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
