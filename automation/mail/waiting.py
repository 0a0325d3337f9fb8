"""Mail that is due but not yet out: what `chorus status` shows and `chorus deliver` sends.

Messages over the per-run cap wait as Deferred rows in the Sent tab without a
copy (they were never composed), and messages over the daily allowance wait
with a copy in the spool. Running their job again in the same period plans
them again and the ledger sends them, each still once, within the day's
allowance; `deliver` does that for every job that has mail waiting.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pandas as pd

from sheets_schema.values import clean_text

if TYPE_CHECKING:
    from automation.runner import RunResult
    from automation.workspace import Workspace

WAITING = ("deferred", "pending")


def waiting_mail(sent: pd.DataFrame) -> dict[str, int]:
    """Job -> how many of its messages wait (Deferred or Pending rows), busiest first."""
    if sent.empty:
        return {}
    status = sent["status"].map(lambda s: clean_text(s).casefold())
    counts = sent[status.isin(WAITING)]["job"].map(clean_text).value_counts()
    return {str(job): int(n) for job, n in counts.items() if job}


def deliver_waiting(workspace: Workspace, now: datetime) -> list[RunResult]:
    """Run each job with mail waiting once more: its plan names the messages, the ledger sends
    what the daily allowance lets through, and nothing already Sent goes twice."""
    import jobs
    from automation.runner import run_job

    waiting = waiting_mail(workspace.store.read(["Sent"])["Sent"])
    known = set(jobs.available())
    return [run_job(workspace, job, now) for job in waiting if job in known]
