"""The shell around every job: gather, plan, apply, send, record.

    1. gather   one read of the tabs the job needs (plus Sent and People),
                and the job's outside inputs (form responses, feeds, mail)
    2. plan     the job's pure plan()
    3. apply    one write of the changes, the sends through the Sent ledger,
                the files, and one Runs row, success or failure

`dry_run` stops after planning: nothing is written or sent; messages are
written as .eml files for people to look at.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import jobs
from automation import crash
from automation.gather import AFTER, GATHER, Gatherer, guide_folder
from automation.logs import redact, remember_secrets
from automation.mail.chart_files import FOLDER as CHARTS_FOLDER
from automation.mail.chart_files import draw_ahead, finish_drawing
from automation.mail.ledger import DeliveryReport, deliver, tidy_spool
from automation.mail.waiting import has_waiting
from automation.runs_history import mark_rolled_up, plan_rollup, rollup_due
from automation.sent_history import move_closed_mail
from automation.share_key import state_folder
from automation.workspace import Workspace
from jobs.base import Job, OutputFile, Plan
from sheets_schema.errors import BackendError, ChorusError
from sheets_schema.records import Append, Changes, Snapshot, Update
from sheets_schema.settings import Settings
from sheets_schema.tabs_state import STATE_TAB
from sheets_schema.values import format_datetime

log = logging.getLogger("chorus.run")

ALWAYS_READ = ("People", "Sent", STATE_TAB)  # State: the day Sent was archived to
#: jobs that send no mail: their runs do not read the Sent tab, a year of which costs a run
#: more than the job's own work (if one ever plans a message, Sent is read before it goes)
MAILLESS = frozenset(
    ("sync-forms", "ingest-alerts", "ingest-inbox", "check-cadence", "import-visits", "guide")
)


@dataclass
class RunResult:
    """What one run did: the plan's report plus what the shell applied and sent."""

    job: str
    at: datetime
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    api_calls: int = 0
    files: list[str] = field(default_factory=list)
    outcome: str = "ok"
    error: str = ""
    plan: Plan | None = None
    #: the Runs row already written with the job's own changes (see _run), if any
    recorded: dict[str, Any] | None = None
    started_clock: float = 0.0
    calls_before: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome in ("ok", "dry-run")

    def summary(self) -> str:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in self.counts.items() if v]
        text = ", ".join(parts) if parts else "nothing to do"
        if self.problems:
            text += f"; {_counted(len(self.problems), 'problem')}"
        if self.skipped:
            text += f"; {_counted(len(self.skipped), 'change')} skipped"
        if self.error:
            text = f"failed: {self.error}"
        return redact(text)

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "ok": self.ok,
            "outcome": self.outcome,
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "counts": dict(self.counts),
            "lines": list(self.lines),
            "problems": list(self.problems),
            "skipped": list(self.skipped),
            "files": list(self.files),
            "api_calls": self.api_calls,
            "error": self.error,
        }


def _counted(number: int, word: str) -> str:
    """'1 problem', '2 problems': a count a person reads, plural right."""
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def preview_folder(settings: Settings) -> Path:
    """Where dry runs and `chorus preview` write what they would send: one folder beside the config."""
    return settings.base_dir / "preview"


def run_job(
    workspace: Workspace,
    name: str,
    now: datetime,
    *,
    dry_run: bool = False,
    dry_run_dir: Path | None = None,
    job: Job | None = None,
    gather: Gatherer | None = None,
) -> RunResult:
    """Run one job as if it were `now`; records a Runs row unless dry_run.

    `job` runs a Job that is not in the registry under `name`, and `gather` replaces
    the registered gatherer (a command such as `chorus crisis start` hands its
    arguments to the plan this way).
    """
    try:
        job = job or jobs.get(name)
    except KeyError:
        from sheets_schema.errors import ConfigError

        raise ConfigError(
            f"there is no job called {name!r}",
            fix="jobs are: " + ", ".join(jobs.available()),
        ) from None
    remember_secrets(workspace.settings)  # a server may echo a password in its error
    calls_before = workspace.api_calls()
    result = RunResult(
        job=name, at=now, dry_run=dry_run, started_clock=time.monotonic(), calls_before=calls_before
    )
    try:
        with workspace.store.lock("run"), _frozen_before_the_run(), _charts_waited_for():
            _run(
                job,
                gather or GATHER.get(name),
                workspace,
                now,
                result,
                dry_run=dry_run,
                dry_run_dir=dry_run_dir,
            )
    except ChorusError as exc:
        result.outcome, result.error = "failed", redact(str(exc))
        _record(workspace, result, now)
        raise
    except Exception as exc:  # a bug: still leave a trace in Runs, then raise
        result.outcome, result.error = "failed", redact(f"{type(exc).__name__}: {exc}")
        _record(workspace, result, now)
        raise
    for said in (result.lines, result.problems, result.skipped):
        said[:] = [redact(text) for text in said]
    if dry_run:
        result.outcome = "dry-run"
        result.api_calls = workspace.api_calls() - calls_before
        return result
    outcome = "problems" if (result.problems or result.skipped) else "ok"
    if result.recorded is None or outcome != result.outcome:
        result.outcome = outcome
        _record(workspace, result, now)
    result.api_calls = workspace.api_calls() - calls_before
    return result


#: objects made between two collections of the youngest generation while a job runs
RUN_GC_THRESHOLD = 10_000


@contextmanager
def _frozen_before_the_run() -> Iterator[None]:
    """What exists before a job runs (modules, caches, the settings) is left out of Python's
    cycle collector while it runs (`gc.freeze`), and put back after.

    A large run makes its rows' objects in one go, and each of the collector's
    full passes re-scanned everything alive: a quarter of a 10,000-response
    sync's CPU (benchmarks/local.py). Frozen, the passes scan only what the run
    made, and they still free its cycles as they go. Turning the collector off
    instead saved the same CPU but kept every cycle until the end: a policy
    digest on the Google twin, whose 1,500 API calls each leave some, peaked at
    329 MiB instead of 74. The youngest generation is collected every 10,000 new objects
    rather than every 700 (RUN_GC_THRESHOLD): a first sync of 10,000 responses made 20,000
    rows' objects that lived, and each of the 300 young passes walked those still young; at
    10,000 the same cycles are freed, about 5% of that sync's CPU sooner.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(RUN_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


@contextmanager
def _charts_waited_for() -> Iterator[None]:
    """A run ends with the charts it drew ahead (chart_files.draw_ahead) drawn: no child left."""
    try:
        yield
    finally:
        finish_drawing()


def _draw_ahead(workspace: Workspace, plan: Plan) -> None:
    """The plan's charts drawn in a child process while this one writes and composes."""
    charts = [i.data for m in plan.messages for i in m.images if not isinstance(i.data, bytes)]
    if charts:
        draw_ahead(charts, state_folder(workspace.settings) / CHARTS_FOLDER)


def _run(
    job: Job,
    gather: Gatherer | None,
    workspace: Workspace,
    now: datetime,
    result: RunResult,
    *,
    dry_run: bool,
    dry_run_dir: Path | None,
) -> None:
    # 1. gather
    history = ("Runs",) if not dry_run and rollup_due(workspace.settings, now) else ()
    always = ("People",) if job.name in MAILLESS else ALWAYS_READ
    snapshot = workspace.store.read(tuple(dict.fromkeys((*job.tabs, *always, *history))))
    crash.reached("run.read")
    inputs = None
    if gather:
        inputs = gather(workspace, now, snapshot)
        crash.reached("run.gather")
    # 2. plan
    plan = job.plan(snapshot, now, workspace.settings, inputs)
    if plan.messages and "Sent" not in snapshot:
        # A MAILLESS job mails after all (ingest-alerts' storm watch): its plan may ask the
        # Sent tab what already went ("its alert was sent already"), so plan again with it.
        snapshot = _with_sent(workspace, snapshot)
        plan = job.plan(snapshot, now, workspace.settings, inputs)
    result.plan = plan
    result.counts.update(plan.report.counts)
    result.lines.extend(plan.report.lines)
    result.problems.extend(plan.report.problems)
    # 3. apply
    if dry_run:
        _rehearse(plan, snapshot, workspace, now, result, dry_run_dir)
    else:
        _apply(job, plan, snapshot, workspace, now, result)


def _rehearse(
    plan: Plan,
    snapshot: Snapshot,
    workspace: Workspace,
    now: datetime,
    result: RunResult,
    dry_run_dir: Path | None,
) -> None:
    """A dry run: count what would be written, and write the messages as .eml files only."""
    changes = plan.changes
    result.counts["would_write"] = (
        len(changes.appends) + len(changes.updates) + len(changes.deletes)
    )
    if plan.messages:
        folder = dry_run_dir or preview_folder(workspace.settings)
        report = deliver(
            plan.messages,
            workspace=workspace,
            snapshot=_with_sent(workspace, snapshot),
            now=now,
            dry_run_dir=folder,
        )
        _merge_delivery(result, report)


def _apply(
    job: Job,
    plan: Plan,
    snapshot: Snapshot,
    workspace: Workspace,
    now: datetime,
    result: RunResult,
) -> None:
    """One write, then the sends through the Sent ledger, the files, and the after-write step."""
    _draw_ahead(workspace, plan)
    changes = plan.changes
    rollup = plan_rollup(snapshot, workspace.settings, now)
    if rollup is not None:  # older Runs into a line per job per day, in this same write
        changes = changes + rollup.changes
        if rollup.rolled or rollup.removed:
            result.lines.append(
                f"runs: {rollup.rolled} older run(s) rolled into a line per job per day, "
                f"{rollup.removed} rolled earlier removed ([history] runs_days)"
            )
    after = AFTER.get(job.name)
    # A job with mail waiting goes through the ledger even when its plan names none now.
    mails = bool(plan.messages) or has_waiting(snapshot, job.name)
    if not mails and not plan.files and after is None:
        # Nothing happens after the write: the Runs row goes in the same write, which
        # saves a whole load and save of the workbook, or two Sheets calls, per run.
        result.outcome = "problems" if result.problems else "ok"
        runs = Changes(appends=(Append("Runs", {}),))
        cost = workspace.store.write_cost(changes + runs)
        result.recorded = _runs_row(workspace, result, now, extra_calls=cost)
        changes = changes + Changes(appends=(Append("Runs", result.recorded),))
    if changes:
        result.skipped.extend(workspace.store.apply(changes).skipped)
        crash.reached("run.write")
    if rollup is not None:
        mark_rolled_up(workspace.settings, now)
    if mails:
        snapshot = _with_sent(workspace, snapshot)
        report = deliver(
            plan.messages, workspace=workspace, snapshot=snapshot, now=now, job=job.name
        )
        _merge_delivery(result, report)
    else:
        tidy_spool(workspace, snapshot)
    _write_files(plan.files, guide_folder(workspace.settings), result)
    if after is not None:
        result.lines.extend(after(workspace, plan, now))
    _archive_closed_mail(workspace, snapshot, now, result)


def _archive_closed_mail(
    workspace: Workspace, snapshot: Snapshot, now: datetime, result: RunResult
) -> None:
    """Once a month, a mailing run ends by moving long-closed periods' Sent rows to the archive.

    The run's own work is done by then; a move Google or the disk refuses is a
    problem of this run, tried again by the next.
    """
    try:
        result.lines.extend(move_closed_mail(workspace, snapshot, now))
    except ChorusError as exc:
        result.problems.append(
            f"sent: not moved to the Sent archive ({exc}); the next run tries again"
        )


def _with_sent(workspace: Workspace, snapshot: Snapshot) -> Snapshot:
    """The snapshot with the Sent tab, read now if the run did not (a MAILLESS job that mails)."""
    if "Sent" in snapshot:
        return snapshot
    return Snapshot({**dict(snapshot.items()), **dict(workspace.store.read(("Sent",)).items())})


def _write_files(files: Sequence[OutputFile], folder: Path, result: RunResult) -> None:
    """Each file replaced whole (a temporary copy renamed over it), never half-written."""
    for output in files:
        target = folder / output.name
        tmp = target.with_name(f".{target.name}.tmp")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(output.content)
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise BackendError(
                f"cannot write {target}: {exc.strerror or exc}",
                place="guide.output_dir",
                fix=f"free space on the disk holding {folder} (or point [guide] output_dir at "
                "another folder) and re-run; the previous copy of the file is kept",
            ) from None
        crash.reached("run.file")
        result.files.append(str(target))


def _merge_delivery(result: RunResult, report: DeliveryReport) -> None:
    for key, value in report.counts().items():
        result.counts[key] = result.counts.get(key, 0) + value
    result.lines.extend(report.lines)
    result.problems.extend(report.problems)


def _runs_row(
    workspace: Workspace, result: RunResult, now: datetime, *, extra_calls: int
) -> dict[str, Any]:
    """The Runs row for this run; `extra_calls` are the calls of the write that records it."""
    tz = workspace.settings.tz
    elapsed = time.monotonic() - result.started_clock
    result.api_calls = workspace.api_calls() - result.calls_before
    finished = now.timestamp() + elapsed
    return {
        "run_id": f"{result.job}-{now.astimezone(tz):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
        "job": result.job,
        "started": format_datetime(now, tz),
        "finished": format_datetime(datetime.fromtimestamp(finished, tz), tz),
        "outcome": result.outcome,
        "summary": result.summary()[:500],
        "api_calls": result.api_calls + extra_calls,
    }


def _record(workspace: Workspace, result: RunResult, now: datetime) -> None:
    """Write the Runs row (or correct the one written with the job's changes).

    A failure to record never hides the run's own outcome.
    """
    try:
        if result.recorded is not None:
            fix = {"outcome": result.outcome, "summary": result.summary()[:500]}
            applied = workspace.store.apply(
                Changes(updates=(Update("Runs", (result.recorded["run_id"],), fix),))
            )
            if applied.updated:
                return  # the row went in with the changes; now it tells the whole story
        runs = Changes(appends=(Append("Runs", {}),))
        row = _runs_row(workspace, result, now, extra_calls=workspace.store.write_cost(runs))
        workspace.store.apply(Changes(appends=(Append("Runs", row),)))
    except ChorusError as exc:
        log.warning("could not record the run in Runs: %s", exc)
