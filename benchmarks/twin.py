"""The Google side of `python -m benchmarks`: a job through run_job on the Google twin, and the tutorial ways.

Each measurement loads a synthetic program (benchmarks.scale) into a fresh
in-memory Google twin and runs the job through automation.runner.run_job with
a SheetsStore and the Gmail mailer; the twin counts every Sheets, Forms and
Gmail call. The same work is then done with gspread the tutorial way
(benchmarks.naive), pessimistic and kind, on an identical spreadsheet. The
twin answers in-process: its own wall and CPU time are Google's, so both are
taken out of what a run is charged. Time is measured with nothing tracing;
memory (tracemalloc) on a separate run of its own.
"""

from __future__ import annotations

import gc
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

import jobs
from automation.config import settings_from_dict
from automation.google.credentials import load_credentials
from automation.google.transport import GoogleServices, RetryPolicy
from automation.runner import run_job
from automation.store.gsheets import SheetsStore
from automation.workspace import Workspace
from benchmarks import scale
from benchmarks.local import cpu_seconds
from benchmarks.naive import NaiveResult, run_naive
from benchmarks.report import APIS, Measurement, Tutorial
from sheets_schema.errors import ChorusError
from sheets_schema.records import Append, Changes


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
        self.twin_cpu = 0.0
        self.client_peak = 0
        self._meter(self.twin.handle)

    def _meter(self, handle: Any) -> None:
        """Time the twin's own work, and keep its transient memory out of the client's peak.

        The twin answers in-process; what it spends (it copies a whole spreadsheet
        per batch write, for atomicity) is Google's time, not Chorus's, so it is
        taken out of the wall and CPU time, and the traced peak is read just
        before each call and reset after it.
        """

        def metered(environ: dict) -> Any:
            if tracemalloc.is_tracing():
                self.client_peak = max(self.client_peak, tracemalloc.get_traced_memory()[1])
            started, cpu = time.perf_counter(), time.process_time()
            try:
                return handle(environ)
            finally:
                self.twin_seconds += time.perf_counter() - started
                self.twin_cpu += time.process_time() - cpu
                if tracemalloc.is_tracing():
                    tracemalloc.reset_peak()

        self.twin.handle = metered

    def start(self, *, memory: bool) -> None:
        """Zero the twin's call counts, time and the traced memory, just before a measured run."""
        self.twin.reset_calls()
        gc.collect()
        self.twin_seconds, self.twin_cpu, self.client_peak = 0.0, 0.0, 0
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


def real_job(name: str) -> str:
    """The job a table row runs: "sync-forms again" is sync-forms, run a second time."""
    return name.removesuffix(" again")


def measure_chorus(name: str, n: int, *, memory: bool) -> Measurement:
    """Run the job once over a program of n rows on a fresh twin; count and time it, or trace it.

    A row named "<job> again" runs the job once first, unmeasured, so what is
    measured is a run with nothing new.
    """
    job = real_job(name)
    found = Measurement(name, n)
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program(job, n))
        if name != job:
            run_job(workspace, job, scale.NOW)
        bench.start(memory=memory)
        started, cpu = time.perf_counter(), cpu_seconds()  # with the chart-drawing child's
        try:
            result = run_job(workspace, job, scale.NOW)
            found.outcome, found.summary = result.outcome, result.summary()
        except ChorusError as exc:
            found.outcome, found.summary = "failed", str(exc)
        found.seconds = time.perf_counter() - started - bench.twin_seconds
        found.cpu_seconds = cpu_seconds() - cpu - bench.twin_cpu
        found.twin_seconds = bench.twin_seconds
        if memory:
            found.peak_mib = bench.peak_mib()
        found.calls = bench.calls()
        found.sheets_reads, found.sheets_writes = bench.sheets_split()
    return found


def measure_naive(job: str, n: int, *, kind: bool = False) -> Tutorial:
    """The tutorial way (kind: read each tab once) over the same program, on a fresh twin."""
    with tempfile.TemporaryDirectory(prefix="chorus-naive-") as tmp:
        bench = Bench(Path(tmp))
        workspace = bench.workspace(scale.build_program(job, n))
        client = bench.twin.gspread_client(bench.creds)
        gmail = bench.twin.build("gmail", "v1", bench.delegated)
        bench.start(memory=False)
        result: NaiveResult = run_naive(
            jobs.get(job),
            workspace,
            client,
            gmail,
            workspace.settings.backend.spreadsheet_id,
            scale.NOW,
            count_calls=bench.calls,
            kind=kind,
        )
        reads, writes = bench.sheets_split()
    return Tutorial(
        calls={a: result.calls.get(a, 0) for a in APIS},
        reads=reads,
        writes=writes,
        seconds=result.seconds - bench.twin_seconds,
        measured=True,
    )


def fit(points: list[tuple[int, float]], n: int) -> float:
    """Linear through the two largest measured sizes (the only point, scaled, if just one)."""
    (n1, y1), (n2, y2) = points[-2:] if len(points) > 1 else ((0, 0.0), points[-1])
    if n2 == n1:
        return y2
    return max(0.0, y1 + (y2 - y1) * (n - n1) / (n2 - n1))


def extrapolate(points: dict[int, Tutorial], n: int) -> Tutorial:
    """The tutorial way at n rows, linear from the two largest measured sizes (a lower bound)."""
    ordered = sorted(points)

    def line(value: Any) -> float:
        return fit([(k, value(points[k])) for k in ordered], n)

    return Tutorial(
        calls={a: round(line(lambda t, a=a: t.calls.get(a, 0))) for a in APIS},
        reads=round(line(lambda t: t.reads)),
        writes=round(line(lambda t: t.writes)),
        seconds=line(lambda t: t.seconds),
        extrapolated=True,
    )


def fill_naive(rows: list[Measurement], naive_max: int, say: Any) -> None:
    """Measure both tutorial ways at sizes up to naive_max; extrapolate the rest."""
    by_job: dict[str, list[Measurement]] = {}
    for m in rows:
        if m.outcome == "skipped" or m.job != real_job(m.job):
            continue  # a tutorial has no "again": it would do its lookups all over
        by_job.setdefault(m.job, []).append(m)
    for job, ms in by_job.items():
        sizes = sorted({m.rows for m in ms if m.rows <= naive_max})
        if len(sizes) < 2 and any(m.rows > naive_max for m in ms):
            # Two measured points are needed for a line: add one a tenth of the largest.
            base = sizes[-1] if sizes else naive_max
            sizes = sorted({max(1, base // 10), base})
        for kind in (False, True):
            points: dict[int, Tutorial] = {}
            for n in sizes:
                say(f"  tutorial gspread{' kind' if kind else ''} {job} at {n:,} rows ...")
                points[n] = measure_naive(job, n, kind=kind)
            for m in ms:
                got = points[m.rows] if m.rows in points else extrapolate(points, m.rows)
                if kind:
                    m.kind = got
                else:
                    m.naive = got
