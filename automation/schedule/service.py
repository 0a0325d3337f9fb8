"""`chorus schedule`: the loop as a long-running service, one per spreadsheet.

Around the Scheduler: a lock so a second scheduler on the same spreadsheet
fails at once, today's missed daily jobs caught up from the Runs tab, and
SIGTERM or Ctrl-C letting the running job finish.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

import jobs as job_registry
from automation.runner import run_job
from automation.schedule.deliver import delivery
from automation.schedule.loop import Scheduler
from automation.schedule.rules import DELIVER, Rule, timetable
from automation.schedule.status import last_successes
from sheets_schema.errors import BackendError, ChorusError

if TYPE_CHECKING:
    from automation.workspace import Workspace
    from sheets_schema.settings import Settings

log = logging.getLogger("chorus.schedule")


def scheduled_rules(settings: Settings) -> dict[str, Rule]:
    """Every installed job's rule in cycle order, then the deliver step's (last at a shared minute)."""
    return timetable(settings, (*job_registry.available(), DELIVER))


def run_entry(workspace: Workspace, entry: str, now: datetime) -> object:
    """Run one schedule entry: the deliver step, or a job."""
    if entry == DELIVER:
        return delivery(workspace, now)
    return run_job(workspace, entry, now)


@contextlib.contextmanager
def scheduler_lock(workspace: Workspace) -> Iterator[None]:
    """Hold the one-scheduler-per-spreadsheet lock, or fail at once (exit 2) naming the holder."""
    store = workspace.store
    where = store.describe()
    busy = ChorusError(
        f"another `chorus schedule` is already running for {where}",
        fix="stop that one first (e.g. `systemctl stop chorus-scheduler`); one scheduler per spreadsheet",
    )
    try:
        with store.try_lock("scheduler"):
            yield
    except BackendError:
        raise busy from None


def serve(
    workspace: Workspace,
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], object] | None = None,
    handle_signals: bool = True,
    until: datetime | None = None,
) -> Scheduler:
    """`chorus schedule`: lock, catch up today's missed daily jobs, then loop until SIGTERM or Ctrl-C."""
    settings = workspace.settings
    scheduler = Scheduler(
        scheduled_rules(settings),
        tz=settings.tz,
        working_days=settings.organisation.working_days,
        run=lambda entry, now: run_entry(workspace, entry, now),
        clock=clock,
        sleep=sleep,
    )
    with scheduler_lock(workspace), _stop_on_signals(scheduler, enabled=handle_signals):
        scheduler.plan_from(scheduler.clock())
        _log_start(workspace, scheduler)
        scheduler.catch_up(_last_successes(workspace))
        scheduler.run_forever(until=until)
        log.info("scheduler stopped")
    return scheduler


def _log_start(workspace: Workspace, scheduler: Scheduler) -> None:
    """Say what the scheduler serves and when each job runs next (or that nothing will)."""
    settings = workspace.settings
    if not scheduler.rules:
        log.warning(
            "no installed job has a schedule; nothing will run (see [schedule] in %s)",
            settings.path,
        )
    log.info(
        "scheduler started for %s (%s): %s",
        workspace.store.describe(),
        settings.organisation.timezone,
        "; ".join(f"{job} next at {when:%a %d %b %H:%M}" for job, when in scheduler.next_at.items())
        or "no jobs",
    )


def _last_successes(workspace: Workspace) -> dict[str, datetime]:
    """Each job's latest success from the Runs tab; none when it cannot be read (catch-up is a nicety)."""
    try:
        runs = workspace.store.read(["Runs"])["Runs"]
        return last_successes(runs, workspace.settings.tz)
    except ChorusError as exc:
        log.warning("could not read Runs to catch up missed jobs: %s", exc)
        return {}


@contextlib.contextmanager
def _stop_on_signals(scheduler: Scheduler, *, enabled: bool) -> Iterator[None]:
    """SIGTERM and the first Ctrl-C stop after the running job; a second Ctrl-C interrupts it."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        log.info("stopping after the running job (signal %s)", signal.Signals(signum).name)
        scheduler.stop()

    def on_int(signum: int, frame: object) -> None:
        if scheduler.stopping:
            raise KeyboardInterrupt
        on_term(signum, frame)

    old_term = signal.signal(signal.SIGTERM, on_term)
    old_int = signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
