"""Benchmark sync-forms at scale: time, peak memory and store calls per backend.

    .venv/bin/python benchmarks/sync_forms.py                 # 1,000 / 10,000 / 100,000 on local
    .venv/bin/python benchmarks/sync_forms.py --sizes 1000,10000 --backends local

Each cell is a first sync of N CSV-export responses into an empty workbook
(every response becomes a Submissions row and a Queue item), through the
real runner. Time is measured on one run; peak memory (tracemalloc, which
slows Python down) on a second, separate run so it does not inflate the time.
Store calls are the runner's count (the Runs row included).

Hook for the Google backend: add a function to BACKENDS that takes a folder and
the chorus.toml dict and returns a Workspace (e.g. over the in-memory Google
twin in tests/fakes); the table grows a column group for it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from automation.config import settings_from_dict  # noqa: E402
from automation.runner import run_job  # noqa: E402
from automation.store.xlsx import XlsxStore  # noqa: E402
from automation.workspace import Workspace, build_workspace  # noqa: E402
from sheets_schema.forms import export_header

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))
HEADER = export_header("submissions")


def config(folder: Path) -> dict[str, Any]:
    """The chorus.toml of a benchmark run, as a dict."""
    return {
        "organisation": {
            "name": "Bench",
            "timezone": "Europe/London",
            "email_domains": ["example.org"],
        },
        "backend": {"kind": "local", "workbook": str(folder / "workbook.xlsx")},
        "forms": {"submissions": {"kind": "csv", "path": str(folder / "submissions.csv")}},
    }


def write_export(path: Path, n: int) -> None:
    """N responses as Google's CSV download writes them (some rejected, some flagged)."""
    start = datetime(2026, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(HEADER)
        for i in range(n):
            stamp = (start + timedelta(seconds=37 * i)).strftime("%Y/%m/%d %I:%M:%S %p GMT")
            email = f"person{i % 400}@example.org" if i % 50 else f"person{i}@gmail.com"
            permission = "Yes" if i % 7 else "Not sure"
            out.writerow(
                [
                    stamp,
                    email,
                    f"Person {i}",
                    "Event",
                    f"Item {i}: our team at the expo",
                    f"Details of item {i}.\nCall 020 7946 {i % 10000:04d} for tickets."
                    if i % 13 == 0
                    else f"Details of item {i}.",
                    f"https://example.org/news/{i}",
                    "LinkedIn, X",
                    "",
                    permission,
                ]
            )


def local_workspace(folder: Path, data: dict[str, Any]) -> Workspace:
    """A workspace over a fresh local workbook."""
    settings = settings_from_dict(data, folder / "chorus.toml")
    XlsxStore(folder / "workbook.xlsx").ensure_tabs()
    return build_workspace(settings)


#: backend name -> builds a Workspace for a folder; the Google backend plugs in here
BACKENDS: dict[str, Callable[[Path, dict[str, Any]], Workspace]] = {"local": local_workspace}


def plan_seconds(n: int) -> float:
    """Gather (CSV parse) plus the pure plan alone, against an empty workbook: the job's own cost."""
    from automation.gather import form_responses
    from jobs import sync_forms

    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as tmp:
        folder = Path(tmp)
        write_export(folder / "submissions.csv", n)
        workspace = local_workspace(folder, config(folder))
        snapshot = workspace.store.read((*sync_forms.TABS, "Sent"))
        started = time.perf_counter()
        inputs = form_responses(workspace, NOW, snapshot)
        sync_forms.plan(snapshot, NOW, workspace.settings, inputs)
        return time.perf_counter() - started


def measure(backend: str, n: int, *, memory: bool) -> tuple[float, float, int]:
    """(seconds, peak MiB or 0, store calls) for one first sync of n responses."""
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as tmp:
        folder = Path(tmp)
        write_export(folder / "submissions.csv", n)
        workspace = BACKENDS[backend](folder, config(folder))
        if memory:
            tracemalloc.start()
        started = time.perf_counter()
        result = run_job(workspace, "sync-forms", NOW)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if memory else 0.0
        if memory:
            tracemalloc.stop()
        if not result.ok or result.counts.get("responses") != n:
            raise SystemExit(f"{backend} {n}: the sync did not complete: {result.summary()}")
        return elapsed, peak, result.api_calls


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,10000,100000", help="comma-separated response counts"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the (slow) tracemalloc run")
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated, of: " + ", ".join(BACKENDS)
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    print(
        f"{'responses':>10} {'plan s':>8} | "
        + " | ".join(f"{b + ' run s':>12} {'peak MiB':>9} {'calls':>6}" for b in backends)
    )
    for n in sizes:
        cells = []
        for backend in backends:
            seconds, _, calls = measure(backend, n, memory=False)
            peak = 0.0 if args.no_memory else measure(backend, n, memory=True)[1]
            cells.append(f"{seconds:>12.2f} {peak:>9.1f} {calls:>6}")
        print(f"{n:>10,} {plan_seconds(n):>8.2f} | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
