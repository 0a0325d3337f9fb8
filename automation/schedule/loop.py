"""The scheduling loop: run each job at its rule's times, one failure never stopping the rest.

The clock and the sleep are passed in, so tests drive a week (daylight-saving
changes included) in milliseconds; every time comes from `rules.next_run`,
so the loop never drifts and does no calendar arithmetic of its own.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from automation.schedule.rules import Rule, next_run, previous_runs
from sheets_schema.errors import ChorusError

log = logging.getLogger("chorus.schedule")

#: runs one job as if at the given time; a result with `outcome` and `summary()` is logged
RunJob = Callable[[str, datetime], object]


class Scheduler:
    """Runs each job at its rule's times; one failure is logged and retried next time.

    `clock()` returns an aware datetime and `sleep(seconds)` waits; both are
    injected so tests drive a week in memory. `stop()` (SIGTERM, Ctrl-C) lets
    the running job finish and ends the loop.
    """

    def __init__(
        self,
        rules: Mapping[str, Rule],
        *,
        tz: ZoneInfo,
        working_days: tuple[int, ...],
        run: RunJob,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], object] | None = None,
        max_sleep: float = 60.0,
    ) -> None:
        self.rules = dict(rules)
        self.tz = tz
        self.working_days = working_days
        self.run = run
        # The one place the real clock is read; tests pass their own.
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(tz))
        self._wake = threading.Event()
        self.sleep: Callable[[float], object] = sleep or self._wake.wait
        # Waking at least once a minute keeps the loop right when the machine
        # sleeps or the wall clock is stepped; the times themselves never drift.
        self.max_sleep = max_sleep
        self.stopping = False
        self.next_at: dict[str, datetime] = {}
        #: (job, when it started, "ok" | "problems" | "failed"), for logs and tests
        self.history: list[tuple[str, datetime, str]] = []

    def stop(self) -> None:
        """Finish the job that is running, then leave the loop."""
        self.stopping = True
        self._wake.set()

    def catch_up(self, last_success: Mapping[str, datetime]) -> list[str]:
        """Run once, now, each once-a-day job whose time today passed without a success since.

        A job missed on an earlier day is not run late: its next time comes soon enough.
        """
        now = self.clock()
        local_today = now.astimezone(self.tz).date()
        ran: list[str] = []
        for job, rule in self.rules.items():
            if self.stopping:
                break
            if not rule.once_a_day:
                continue
            previous = previous_runs(rule, now, self.tz, self.working_days, 1)
            if not previous or previous[0].astimezone(self.tz).date() != local_today:
                continue
            done = last_success.get(job)
            if done is not None and done.astimezone(UTC) >= previous[0].astimezone(UTC):
                continue
            log.info(
                "%s was due at %s and has not run today; running it now",
                job,
                f"{previous[0]:%H:%M}",
                extra={"job": job},
            )
            self._run_one(job)
            ran.append(job)
        return ran

    def plan_from(self, moment: datetime) -> None:
        """Set every job's next time to its first time at or after `moment`."""
        just_before = moment - timedelta(microseconds=1)
        for job, rule in self.rules.items():
            self.next_at[job] = next_run(rule, just_before, self.tz, self.working_days)

    def run_pending(self) -> list[str]:
        """Run every job whose time has come, in cycle order; returns their names."""
        now_utc = self.clock().astimezone(UTC)
        order = list(self.rules)
        due = sorted(
            (job for job, when in self.next_at.items() if when.astimezone(UTC) <= now_utc),
            key=lambda job: (self.next_at[job].astimezone(UTC), order.index(job)),
        )
        ran: list[str] = []
        for job in due:
            if self.stopping:
                break
            slot = self.next_at[job]
            self._run_one(job)
            ran.append(job)
            # After a long run, skip the times it overlapped instead of running them back to back.
            after = max(self.clock().astimezone(UTC), slot.astimezone(UTC))
            self.next_at[job] = next_run(self.rules[job], after, self.tz, self.working_days)
        return ran

    def seconds_until_next(self) -> float:
        """How long to sleep: until the earliest next time, at most max_sleep."""
        if not self.next_at:
            return self.max_sleep
        now_utc = self.clock().astimezone(UTC)
        soonest = min(when.astimezone(UTC) for when in self.next_at.values())
        return max(0.0, min(self.max_sleep, (soonest - now_utc).total_seconds()))

    def run_forever(self, until: datetime | None = None) -> None:
        """The loop: run what is due, sleep, repeat, until stop() (or `until`, for tests)."""
        if not self.next_at:
            self.plan_from(self.clock())
        while not self.stopping:
            self.run_pending()
            if self.stopping:
                break
            if until is not None and self.clock().astimezone(UTC) >= until.astimezone(UTC):
                break
            self.sleep(self.seconds_until_next())

    def _run_one(self, job: str) -> None:
        started = self.clock()
        log.info("%s: starting", job, extra={"job": job})
        try:
            result = self.run(job, started)
        except ChorusError as exc:
            # The runner has already recorded a failed Runs row; the next time retries.
            log.error("%s failed: %s", job, exc, extra={"job": job, "outcome": "failed"})
            self.history.append((job, started, "failed"))
            return
        except Exception:
            log.exception(
                "%s failed with a bug; the scheduler carries on",
                job,
                extra={"job": job, "outcome": "failed"},
            )
            self.history.append((job, started, "failed"))
            return
        # The runner returns a RunResult; a bare callable (as in tests) may return anything.
        outcome = str(getattr(result, "outcome", "ok"))
        summary_of = getattr(result, "summary", None)
        summary = summary_of() if summary_of is not None else ""
        log.info("%s: %s", job, summary or outcome, extra={"job": job, "outcome": outcome})
        self.history.append((job, started, outcome))
