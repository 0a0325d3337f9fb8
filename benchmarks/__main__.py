"""`python -m benchmarks`: every job at scale on the Google twin and the local workbook, beside the baselines.

    python -m benchmarks                                   # 1,000 and 10,000 rows, both backends
    python -m benchmarks --sizes 1000,10000,100000 --jobs sync-forms --csv out.csv
    python -m benchmarks --quick                           # 100 and 1,000; tutorial up to 100
    python -m benchmarks --backend local --jobs brief,thanks

For each job in jobs.available() (and "sync-forms again", a second sync with
nothing new) and each size N of the job's main tab (benchmarks.scale.MAIN_TAB),
one line holds:

- the Google twin (benchmarks.twin): the job through run_job with a
  SheetsStore and the Gmail mailer, its API calls, wall and CPU seconds with
  the twin's own time taken out, and the tracemalloc peak of a separate run;
- the local workbook (benchmarks.workbook, measured by benchmarks.local): the
  job in a child process, wall and CPU seconds, the peak resident set of a
  separate run, the bytes of the workbook rewritten;
- the baselines: the same work the gspread tutorial way, pessimistic (a
  read per lookup) and kind (each tab read once, then append_row per row),
  run up to --naive-max rows and extrapolated linearly above it (marked "~");
  for sync-forms, the pandas scripts of benchmarks.pandas_sync.

Times are always measured with nothing tracing; memory always in a run of its
own. The header names the machine and its load average at start and end.
Then the whole daily cycle on the Google backend is laid out minute by minute
against Google's per-user quota of 60 Sheets read and 60 write requests a minute.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the twin lives in tests/fakes
    sys.path.insert(0, str(ROOT))

import jobs  # noqa: E402
from benchmarks.cycle import cycle_lines  # noqa: E402
from benchmarks.report import (  # noqa: E402
    COLUMNS,
    LEGEND,
    Measurement,
    csv_row,
    from_csv_row,
    load,
    machine,
    table,
)
from benchmarks.twin import Bench  # noqa: E402  (other benchmarks import the stage from here)

__all__ = ["Bench", "main"]
BACKENDS = ("google", "local", "both")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module's docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", help="comma-separated row counts (default 1000,10000; --quick: 100,1000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, the tutorial ways only up to 100 rows"
    )
    parser.add_argument(
        "--jobs",
        help='comma-separated job names (default: every available job, and "sync-forms again")',
    )
    parser.add_argument("--backend", choices=BACKENDS, default="both", help="default: both")
    parser.add_argument(
        "--csv",
        type=Path,
        help="where to write the table (default benchmarks/results/bench-<time>.csv)",
    )
    parser.add_argument(
        "--naive-max",
        type=int,
        help="largest size run the gspread tutorial ways (default 1000; --quick: 100)",
    )
    parser.add_argument(
        "--skip-after",
        type=float,
        default=0.0,
        help="skip a job's larger sizes on the Google twin once one run took longer than this many seconds",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        metavar="CSV",
        help="measure nothing: print the table and daily cycle of these earlier CSVs",
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the Google twin's tracemalloc run"
    )
    return parser.parse_args(argv)


def job_names(text: str | None) -> list[str]:
    """The rows' jobs: those asked for, or every job with "sync-forms again" after sync-forms."""
    if text:
        return [name.strip() for name in text.split(",") if name.strip()]
    names = list(jobs.available())
    if "sync-forms" in names:
        names.insert(names.index("sync-forms") + 1, "sync-forms again")
    return names


def measure_google(
    name: str, sizes: list[int], args: argparse.Namespace, say: Any
) -> list[Measurement]:
    """The Google twin's side of one job at every size: a timed run, then a traced one."""
    from benchmarks.twin import measure_chorus, real_job

    # A first run imports the job's modules and warms caches (templates, fonts): not measured.
    measure_chorus(real_job(name), 10, memory=False)
    rows, too_slow = [], 0.0
    for n in sizes:
        if too_slow:
            rows.append(
                Measurement(
                    name, n, outcome="skipped", summary=f"a smaller size took {too_slow:,.0f} s"
                )
            )
            continue
        say(f"  google twin {name} at {n:,} rows ...")
        m = measure_chorus(name, n, memory=False)
        if not args.no_memory:
            m.peak_mib = measure_chorus(name, n, memory=True).peak_mib
        rows.append(m)
        if args.skip_after and m.seconds + m.twin_seconds > args.skip_after:
            too_slow = m.seconds + m.twin_seconds
    return rows


def measure(args: argparse.Namespace, say: Any) -> list[Measurement]:
    """Every job at every size on the backends asked for, the baselines beside them."""
    from benchmarks.twin import fill_naive
    from benchmarks.workbook import fill_local

    sizes = [
        int(s.replace("_", ""))
        for s in (args.sizes or ("100,1000" if args.quick else "1000,10000")).split(",")
    ]
    naive_max = args.naive_max if args.naive_max is not None else (100 if args.quick else 1000)
    rows: list[Measurement] = []
    for name in job_names(args.jobs):
        if args.backend in ("google", "both"):
            found = measure_google(name, sizes, args, say)
        else:
            found = [Measurement(name, n) for n in sizes]
        if args.backend in ("local", "both"):
            for m in found:
                fill_local(m, say)
        rows.extend(found)
    if args.backend in ("google", "both"):
        fill_naive(rows, naive_max, say)
    return rows


def write_csv(rows: list[Measurement], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(csv_row(m) for m in rows)


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and the daily cycle, write the CSV."""
    args = parse(argv)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.merge:
        rows = [
            from_csv_row(r) for p in args.merge for r in csv.DictReader(p.open(encoding="utf-8"))
        ]
        print("\n".join([*table(rows), *LEGEND, *cycle_lines(rows)]))
        return 0
    started, load_before = time.perf_counter(), load()
    rows = measure(args, say)
    seconds = time.perf_counter() - started
    print(f"Measured on {machine()}; load average {load_before} at the start, {load()} at the end;")
    print(
        f"{datetime.now():%Y-%m-%d %H:%M}, {seconds:,.0f} s in all: python -m benchmarks {' '.join(sys.argv[1:] if argv is None else argv)}"
    )
    print("\n".join([*table(rows), *LEGEND, *cycle_lines(rows)]))
    target = (
        args.csv or ROOT / "benchmarks" / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.csv"
    )
    write_csv(rows, target)
    print(f"\nwrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
