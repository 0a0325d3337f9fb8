"""The deliver step: `chorus deliver`, and the scheduler's "deliver" entry (hourly by default).

It runs each job with mail waiting (automation.mail.waiting) once more, oldest
waiting first: the job's plan names the same messages, the ledger sends what
the cap and the day's allowance let through, each once, and expires what the
plan no longer names. With nothing waiting, or the day's allowance used up,
it reads the Sent tab once and writes nothing; it never writes a Runs row of
its own (the jobs it runs write theirs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import jobs
from automation.mail.waiting import sent_today, waiting_mail
from automation.runner import RunResult, run_job
from sheets_schema.errors import ChorusError
from sheets_schema.values import clean_text

if TYPE_CHECKING:
    from automation.workspace import Workspace


@dataclass
class Delivered:
    """What one `deliver` step did: the runs of the jobs with mail waiting, or why none ran."""

    at: datetime
    waiting: int = 0
    results: list[RunResult] = field(default_factory=list)
    errors: list[ChorusError] = field(default_factory=list)
    note: str = ""

    @property
    def outcome(self) -> str:
        """As the scheduler logs it: failed, problems or ok."""
        if self.errors:
            return "failed"
        if any(r.problems or r.skipped for r in self.results):
            return "problems"
        return "ok"

    def summary(self) -> str:
        """One line: what each job's run did, or why nothing ran."""
        parts = [f"{r.job}: {r.summary()}" for r in self.results]
        parts += [f"failed: {e}" for e in self.errors]
        if self.note:
            parts.append(self.note)
        return "; ".join(parts) or "no mail waiting"


def delivery(workspace: Workspace, now: datetime) -> Delivered:
    """The deliver step: run each job with mail waiting once more, oldest waiting first.

    Its plan names the messages, the ledger sends what the daily allowance lets
    through (nothing already Sent goes twice) and expires what its plan no
    longer names. One job failing does not stop the others. Writes no Runs
    row of its own: each job's run writes its own.
    """
    sent = workspace.store.read(["Sent"])["Sent"]
    waiting = waiting_mail(sent)
    done = Delivered(at=now, waiting=sum(waiting.values()))
    if not waiting:
        return done
    allowance = workspace.settings.mail.daily_allowance
    used = sent_today(sent, now, workspace.settings)
    known = jobs.available()
    to_run = [job for job in waiting if job in known]
    others = [f"{waiting[job]} {job}" for job in waiting if job not in known]
    if others:  # `chorus crisis start` and the like: their own command plans them again
        done.note = (
            f"{', '.join(others)} message(s) wait for the command that made them to run again"
        )
    if used >= allowance:
        # Nothing can go today; Pending rows (an interrupted run) are still settled.
        status = sent["status"].map(lambda s: clean_text(s).casefold())
        pending = set(sent.loc[status == "pending", "job"].map(clean_text))
        to_run = [job for job in to_run if job in pending]
        done.note = (
            f"{done.waiting} message(s) wait: the daily allowance of {allowance} "
            f"(mail.daily_allowance) is used up today; they go from tomorrow"
        )
    for job in to_run:
        try:
            done.results.append(run_job(workspace, job, now))
        except ChorusError as exc:  # recorded in Runs by the runner; the others still go
            done.errors.append(exc)
    return done


def deliver_waiting(workspace: Workspace, now: datetime) -> list[RunResult]:
    """The runs `delivery` made (raising the first failure once every job has had its turn)."""
    done = delivery(workspace, now)
    if done.errors:
        raise done.errors[0]
    return done.results
