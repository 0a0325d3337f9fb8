"""`python -m benchmarks`: API calls, time and memory of every job at scale, against the tutorial way.

    python -m benchmarks                                   # 100, 1,000, 10,000 and 100,000 rows
    python -m benchmarks --sizes 100,1000,10000 --csv out.csv
    python -m benchmarks --quick                           # 100 and 1,000; naive at 10 and 100

For each job in jobs.available() and each size N of the job's main tab
(benchmarks.scale.MAIN_TAB), a synthetic program is loaded into a fresh
in-memory Google twin and the job is run through automation.runner.run_job
with a SheetsStore and the Gmail mailer; the twin counts every Sheets, Forms
and Gmail call. The same work is then done the tutorial way with gspread
(benchmarks.naive) on a second, identical spreadsheet. Naive runs stop at
--naive-max rows; bigger sizes are extrapolated linearly from the two largest
measured sizes and marked with "~" (a lower bound: each lookup re-reads a
tab that grows with N). Time is wall time with the twin's own time taken
out (in production that is Google's, plus the network); peak memory is
tracemalloc's, on a separate run, with the twin's transient memory left out.

Then the whole daily cycle (automation.config.DEFAULT_SCHEDULE, on a day when
every job runs) is laid out minute by minute against Google's per-user quota
of 60 Sheets read and 60 write requests per minute.
"""

from __future__ import annotations

import argparse
import csv
import gc
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the twin lives in tests/fakes
    sys.path.insert(0, str(ROOT))

import jobs  # noqa: E402
from automation.config import settings_from_dict  # noqa: E402
from automation.google.credentials import load_credentials  # noqa: E402
from automation.google.transport import GoogleServices, RetryPolicy  # noqa: E402
from automation.runner import run_job  # noqa: E402
from automation.store.gsheets import SheetsStore  # noqa: E402
from automation.workspace import Workspace  # noqa: E402
from benchmarks import scale  # noqa: E402
from benchmarks.naive import NaiveResult, run_naive  # noqa: E402
from sheets_schema.errors import ChorusError  # noqa: E402
from sheets_schema.records import Append, Changes  # noqa: E402
from sheets_schema.settings import DEFAULT_SCHEDULE  # noqa: E402

QUOTA_PER_MINUTE = 60  # Sheets API: read requests and write requests, per minute per user
APIS = ("sheets", "forms", "gmail", "docs", "drive")


@dataclass
class Measurement:
    """One job at one size: Chorus's calls, time and memory, and the tutorial way's."""

    job: str
    rows: int
    calls: dict[str, int] = field(default_factory=dict)
    sheets_reads: int = 0
    sheets_writes: int = 0
    seconds: float = 0.0
    twin_seconds: float = 0.0
    peak_mib: float = 0.0
    outcome: str = ""
    summary: str = ""
    naive_calls: dict[str, int] = field(default_factory=dict)
    naive_reads: float = 0.0
    naive_writes: float = 0.0
    naive_seconds: float = 0.0
    naive_extrapolated: bool = False
    naive_measured: bool = False

    @property
    def total(self) -> int:
        return sum(self.calls.get(a, 0) for a in APIS)

    @property
    def naive_total(self) -> float:
        return sum(self.naive_calls.get(a, 0) for a in APIS)

    @property
    def ratio(self) -> float:
        return self.naive_total / self.total if self.total and self.naive_total else 0.0


def _is_read(method: str) -> bool:
    return method.rsplit(".", 1)[-1].lower() in ("get", "batchget", "list")


class Bench:
    """One fresh twin, a service-account key and a folder: the stage for one measurement."""

    def __init__(self, folder: Path) -> None:
        from tests.fakes.google import make_app

        self.folder = folder
        self.twin = make_app(require_auth=True)
        self.twin.granted_subjects.add(scale.SENDER)  # the firm's domain-wide delegation
        self.key = folder / "service-account.json"
        self.twin.make_service_account_key(self.key)
        self.key.chmod(0o600)
        self.creds, self.delegated = load_credentials(self.key, scale.SENDER)
        self.twin_seconds = 0.0
        self.client_peak = 0
        self._meter(self.twin.handle)

    def _meter(self, handle: Any) -> None:
        """Time the twin's own work, and keep its transient memory out of the client's peak.

        The twin answers in-process; what it spends (it copies a whole spreadsheet
        per batch write, for atomicity) is Google's time, not Chorus's, so it is
        taken out of the wall time, and the traced peak is read just before each
        call and reset after it.
        """

        def metered(environ: dict) -> Any:
            if tracemalloc.is_tracing():
                self.client_peak = max(self.client_peak, tracemalloc.get_traced_memory()[1])
            started = time.perf_counter()
            try:
                return handle(environ)
            finally:
                self.twin_seconds += time.perf_counter() - started
                if tracemalloc.is_tracing():
                    tracemalloc.reset_peak()

        self.twin.handle = metered

    def start(self, *, memory: bool) -> None:
        """Zero the twin's call counts, time and the traced memory, just before a measured run."""
        self.twin.reset_calls()
        gc.collect()
        self.twin_seconds, self.client_peak = 0.0, 0
        if memory:
            tracemalloc.start()

    def peak_mib(self) -> float:
        peak = max(self.client_peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        return peak / 2**20

    def services(self) -> GoogleServices:
        return GoogleServices(
            self.creds,
            self.delegated,
            base_session=self.twin.requests_session(),
            retry=RetryPolicy(sleep=lambda s: None),
        )

    def calls(self) -> dict[str, int]:
        out: Counter = Counter()
        for (api, _method), n in self.twin.calls.items():
            out[api] += n
        return dict(out)

    def sheets_split(self) -> tuple[int, int]:
        reads = sum(n for (api, m), n in self.twin.calls.items() if api == "sheets" and _is_read(m))
        writes = sum(
            n for (api, m), n in self.twin.calls.items() if api == "sheets" and not _is_read(m)
        )
        return reads, writes

    def spreadsheet(self, program: scale.Program) -> tuple[str, SheetsStore]:
        """A new spreadsheet holding the program, loaded through the store (not counted)."""
        spreadsheet_id = self.twin.create_spreadsheet("Chorus benchmark")
        store = SheetsStore(self.services(), spreadsheet_id, lock_dir=self.folder)
        store.ensure_tabs()
        store.apply(
            Changes(
                appends=tuple(
                    Append(tab, row) for tab, rows in program.rows.items() for row in rows
                )
            )
        )
        return spreadsheet_id, store

    def workspace(self, program: scale.Program) -> Workspace:
        spreadsheet_id, store = self.spreadsheet(program)
        scale.write_inputs(self.folder, program)
        data = scale.config(self.folder, spreadsheet_id=spreadsheet_id, credentials=self.key)
        # The settings come from the dict; the file exists because the guide job
        # writes the id of the Google Doc it creates back into it.
        (self.folder / "chorus.toml").write_text(
            "# benchmark settings: see benchmarks/scale.py\n", encoding="utf-8"
        )
        settings = settings_from_dict(data, self.folder / "chorus.toml")
        return Workspace(settings=settings, store=store, google=store.services)


def measure_chorus(job: str, n: int, *, memory: bool) -> Measurement:
    """Run `job` once over a program of n rows on a fresh twin; count, time (and trace) it."""
    found = Measurement(job, n)
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program(job, n))
        bench.start(memory=memory)
        started = time.perf_counter()
        try:
            result = run_job(workspace, job, scale.NOW)
            found.outcome, found.summary = result.outcome, result.summary()
        except ChorusError as exc:
            found.outcome, found.summary = "failed", str(exc)
        found.seconds = time.perf_counter() - started - bench.twin_seconds
        found.twin_seconds = bench.twin_seconds
        if memory:
            found.peak_mib = bench.peak_mib()
        found.calls = bench.calls()
        found.sheets_reads, found.sheets_writes = bench.sheets_split()
    return found


def measure_naive(job: str, n: int) -> tuple[NaiveResult, int, int]:
    """The tutorial way over the same program; returns its result and Sheets reads, writes."""
    with tempfile.TemporaryDirectory(prefix="chorus-naive-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program(job, n))
        client = bench.twin.gspread_client(bench.creds)
        gmail = bench.twin.build("gmail", "v1", bench.delegated)
        bench.start(memory=False)
        result = run_naive(
            jobs.get(job),
            workspace,
            client,
            gmail,
            workspace.settings.backend.spreadsheet_id,
            scale.NOW,
            count_calls=bench.calls,
        )
        result.seconds -= bench.twin_seconds
        reads, writes = bench.sheets_split()
    return result, reads, writes


def _fit(points: list[tuple[int, float]], n: int) -> float:
    """Linear through the two largest measured sizes (the only point, scaled, if just one)."""
    (n1, y1), (n2, y2) = points[-2:] if len(points) > 1 else ((0, 0.0), points[-1])
    if n2 == n1:
        return y2
    return max(0.0, y1 + (y2 - y1) * (n - n1) / (n2 - n1))


def fill_naive(rows: list[Measurement], naive_max: int, say: Any) -> None:
    """Measure the tutorial way at sizes up to naive_max; extrapolate the rest."""
    by_job: dict[str, list[Measurement]] = {}
    for m in rows:
        if m.outcome == "skipped":
            continue
        by_job.setdefault(m.job, []).append(m)
    for job, ms in by_job.items():
        sizes = sorted({m.rows for m in ms if m.rows <= naive_max})
        if len(sizes) < 2 and any(m.rows > naive_max for m in ms):
            # Two measured points are needed for a line: add one a tenth of the largest.
            base = sizes[-1] if sizes else naive_max
            sizes = sorted({max(1, base // 10), base})
        points: dict[int, tuple[NaiveResult, int, int]] = {}
        for n in sizes:
            say(f"  naive {job} at {n:,} rows ...")
            points[n] = measure_naive(job, n)
        for m in ms:
            if m.rows in points:
                result, reads, writes = points[m.rows]
                m.naive_calls = {a: result.calls.get(a, 0) for a in APIS}
                m.naive_reads, m.naive_writes, m.naive_seconds = reads, writes, result.seconds
                m.naive_measured = True
                continue
            m.naive_extrapolated = True
            ordered = sorted(points)
            for a in APIS:
                m.naive_calls[a] = round(
                    _fit([(k, points[k][0].calls.get(a, 0)) for k in ordered], m.rows)
                )
            m.naive_reads = round(_fit([(k, points[k][1]) for k in ordered], m.rows))
            m.naive_writes = round(_fit([(k, points[k][2]) for k in ordered], m.rows))
            m.naive_seconds = _fit([(k, points[k][0].seconds) for k in ordered], m.rows)


# -- the table -------------------------------------------------------------------------
COLUMNS = (
    "job",
    "rows",
    "main_tab",
    "outcome",
    "sheets",
    "sheets_reads",
    "sheets_writes",
    "forms",
    "gmail",
    "docs",
    "drive",
    "seconds",
    "twin_seconds",
    "peak_mib",
    "naive_sheets",
    "naive_sheets_reads",
    "naive_sheets_writes",
    "naive_forms",
    "naive_gmail",
    "naive_docs",
    "naive_drive",
    "naive_seconds",
    "naive_extrapolated",
    "ratio",
)


def csv_row(m: Measurement) -> dict[str, Any]:
    return {
        "job": m.job,
        "rows": m.rows,
        "main_tab": scale.main_tab(m.job),
        "outcome": m.outcome,
        "sheets": m.calls.get("sheets", 0),
        "sheets_reads": m.sheets_reads,
        "sheets_writes": m.sheets_writes,
        "forms": m.calls.get("forms", 0),
        "gmail": m.calls.get("gmail", 0),
        "docs": m.calls.get("docs", 0),
        "drive": m.calls.get("drive", 0),
        "seconds": round(m.seconds, 3),
        "twin_seconds": round(m.twin_seconds, 3),
        "peak_mib": round(m.peak_mib, 1),
        "naive_sheets": m.naive_calls.get("sheets", ""),
        "naive_sheets_reads": m.naive_reads if m.naive_calls else "",
        "naive_sheets_writes": m.naive_writes if m.naive_calls else "",
        "naive_forms": m.naive_calls.get("forms", ""),
        "naive_gmail": m.naive_calls.get("gmail", ""),
        "naive_docs": m.naive_calls.get("docs", ""),
        "naive_drive": m.naive_calls.get("drive", ""),
        "naive_seconds": round(m.naive_seconds, 3) if m.naive_calls else "",
        "naive_extrapolated": "yes" if m.naive_extrapolated else ("no" if m.naive_calls else ""),
        "ratio": round(m.ratio, 1) if m.ratio else "",
    }


def _num(value: float, extrapolated: bool) -> str:
    text = f"{value:,.0f}"
    return ("~" + text) if extrapolated else text


def table(rows: list[Measurement]) -> list[str]:
    """The printed table: Chorus's calls, time and memory beside the tutorial way's."""
    head = (
        f"{'job':<15} {'rows':>8} {'main tab':<11}| {'sheets':>6} {'forms':>5} {'gmail':>5} {'docs':>4} "
        f"{'s':>7} {'MiB':>7} | {'sheets':>9} {'gmail':>6} {'s':>8} | {'x calls':>8}"
    )
    lines = [
        f"{'':<36}| {'Chorus (run_job, SheetsStore, Gmail)':<45}| {'tutorial gspread':<26}|",
        head,
        "-" * len(head),
    ]
    for m in rows:
        x = m.naive_extrapolated
        if m.outcome == "skipped":
            lines.append(
                f"{m.job:<15} {m.rows:>8,} {scale.main_tab(m.job):<11}| skipped: {m.summary}"
            )
            continue
        lines.append(
            f"{m.job:<15} {m.rows:>8,} {scale.main_tab(m.job):<11}| {m.calls.get('sheets', 0):>6} "
            f"{m.calls.get('forms', 0):>5} {m.calls.get('gmail', 0):>5} "
            f"{m.calls.get('docs', 0) + m.calls.get('drive', 0):>4} {m.seconds:>7.2f} "
            f"{m.peak_mib:>7.1f} | "
            + (
                f"{_num(m.naive_calls.get('sheets', 0), x):>9} {_num(m.naive_calls.get('gmail', 0), x):>6} "
                f"{('~' if x else '') + f'{m.naive_seconds:.1f}':>8} | "
                f"{(('~' if x else '') + f'{m.ratio:,.0f}x') if m.ratio else '-':>8}"
                if m.naive_calls
                else f"{'-':>9} {'-':>6} {'-':>8} | {'-':>8}"
            )
            + ("" if m.outcome in ("ok", "problems") else f"  [{m.outcome}: {m.summary[:80]}]")
        )
    return lines


# -- the daily cycle -------------------------------------------------------------------
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
    measured = [m for m in rows if m.naive_measured] or [m for m in rows if m.outcome != "skipped"]
    size = min(m.rows for m in measured)
    at = {m.job: m for m in rows if m.rows == size}
    chorus = daily_cycle(
        {j: (m.sheets_reads, m.sheets_writes, m.calls.get("gmail", 0)) for j, m in at.items()}
    )
    naive = daily_cycle(
        {
            j: (m.naive_reads, m.naive_writes, m.naive_calls.get("gmail", 0))
            for j, m in at.items()
            if m.naive_calls
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


def from_csv(paths: list[Path]) -> list[Measurement]:
    """Measurements written by earlier runs (to print one table from runs made in parallel)."""
    out = []
    for path in paths:
        for r in csv.DictReader(path.open(encoding="utf-8")):
            m = Measurement(r["job"], int(r["rows"]), outcome=r["outcome"])
            if m.outcome == "skipped":
                m.summary = "a smaller size took longer than --skip-after"
                out.append(m)
                continue
            m.calls = {a: int(r.get(a) or 0) for a in APIS}
            m.sheets_reads, m.sheets_writes = int(r["sheets_reads"]), int(r["sheets_writes"])
            m.seconds, m.twin_seconds, m.peak_mib = (
                float(r["seconds"]),
                float(r["twin_seconds"]),
                float(r["peak_mib"]),
            )
            if r["naive_sheets"] != "":
                m.naive_calls = {a: int(r.get(f"naive_{a}") or 0) for a in APIS}
                m.naive_reads, m.naive_writes = (
                    float(r["naive_sheets_reads"]),
                    float(r["naive_sheets_writes"]),
                )
                m.naive_seconds = float(r["naive_seconds"])
                m.naive_extrapolated = r["naive_extrapolated"] == "yes"
                m.naive_measured = not m.naive_extrapolated
            out.append(m)
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and the daily cycle, write the CSV."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        help="comma-separated row counts (default 100,1000,10000,100000; --quick: 100,1000)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer sizes, naive only up to 100 rows, no separate memory run",
    )
    parser.add_argument(
        "--csv",
        type=Path,
        help="where to write the table (default benchmarks/results/bench-<time>.csv)",
    )
    parser.add_argument("--jobs", help="comma-separated job names (default: every available job)")
    parser.add_argument(
        "--naive-max",
        type=int,
        help="largest size run the tutorial way (default 1000; --quick: 100)",
    )
    parser.add_argument(
        "--skip-after",
        type=float,
        default=0.0,
        help="skip a job's larger sizes once one run took longer than this many seconds",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        metavar="CSV",
        help="measure nothing: print the table and daily cycle of these earlier CSVs",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args = parser.parse_args(argv)
    sizes = [
        int(s.replace("_", ""))
        for s in (args.sizes or ("100,1000" if args.quick else "100,1000,10000,100000")).split(",")
    ]
    names = args.jobs.split(",") if args.jobs else list(jobs.available())
    naive_max = args.naive_max if args.naive_max is not None else (100 if args.quick else 1000)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if args.merge:
        rows = from_csv(args.merge)
        print("\n".join(table(rows)))
        print("\n".join(cycle_lines(rows)))
        return 0
    rows = []
    for name in names:
        # A first run imports the job's modules and warms caches (templates, fonts): not measured.
        measure_chorus(name, 10, memory=False)
        too_slow = 0.0
        for n in sizes:
            if too_slow:
                rows.append(
                    Measurement(
                        name,
                        n,
                        outcome="skipped",
                        summary=f"a smaller size took {too_slow:,.0f} s (--skip-after)",
                    )
                )
                continue
            say(f"  {name} at {n:,} rows ...")
            m = measure_chorus(name, n, memory=args.quick and not args.no_memory)
            if not args.quick and not args.no_memory:
                m.peak_mib = measure_chorus(name, n, memory=True).peak_mib
            rows.append(m)
            if args.skip_after and m.seconds + m.twin_seconds > args.skip_after:
                too_slow = m.seconds + m.twin_seconds
    fill_naive(rows, naive_max, say)
    print("\n".join(table(rows)))
    print(
        "  s = wall seconds on the client side (the twin's own time taken out); MiB = tracemalloc peak,"
        " the twin's transient memory left out"
    )
    print(
        "  '~' = extrapolated linearly from the tutorial way's two largest measured sizes (a lower bound)"
    )
    print("\n".join(cycle_lines(rows)))
    target = (
        args.csv or ROOT / "benchmarks" / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.csv"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(csv_row(m) for m in rows)
    print(f"\nwrote {target} ({time.perf_counter() - started:,.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
