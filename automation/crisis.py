"""`chorus crisis start|end|status`: the shell around jobs/crisis/.

The commands run the crisis Job through `automation.runner.run_job`: one read,
the pure plan, one write, the sends through the Sent ledger, a Runs row with
job "crisis". The command's arguments reach the plan through the job's
gather, so the plan stays pure and the runner stays the only shell.
"""

from __future__ import annotations

import getpass
from datetime import datetime
from typing import TYPE_CHECKING

from automation.runner import RunResult, run_job
from jobs.crisis.command import JOB, TABS, CrisisCommand
from jobs.crisis.status import status_lines
from sheets_schema.errors import InputError
from sheets_schema.values import clean_text, parse_email

if TYPE_CHECKING:
    from automation.workspace import Workspace


def run_command(
    workspace: Workspace, now: datetime, command: CrisisCommand, *, dry_run: bool = False
) -> RunResult:
    """Run one crisis command as the job "crisis" (Runs row, run lock, Sent ledger)."""
    return run_job(
        workspace,
        JOB.name,
        now,
        dry_run=dry_run,
        job=JOB,
        gather=lambda _workspace, _now, _snapshot: command,
    )


def start_crisis(
    workspace: Workspace,
    now: datetime,
    *,
    reason: str,
    statement: str = "",
    declared_by: str = "",
    dry_run: bool = False,
) -> RunResult:
    """Declare a crisis: a Crises row, the week's scheduled posts on hold, the team and staff told."""
    by = clean_text(declared_by)
    if by:
        try:
            by = parse_email(by)
        except ValueError as exc:
            raise InputError(f"--by {declared_by!r}: {exc}", fix="give an email address") from None
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (some containers)
        user = ""
    note = "Declared with `chorus crisis start`" + (f" (login {user})." if user else ".")
    command = CrisisCommand(
        "start",
        reason=clean_text(reason),
        statement=clean_text(statement),
        declared_by=by,
        note=note,
    )
    return run_command(workspace, now, command, dry_run=dry_run)


def end_crisis(workspace: Workspace, now: datetime, *, dry_run: bool = False) -> RunResult:
    """Stand down: held items restored (or Overdue), the all-clear sent, the Crises row closed."""
    return run_command(workspace, now, CrisisCommand("end"), dry_run=dry_run)


def crisis_status(workspace: Workspace, now: datetime) -> list[str]:
    """The crisis state in words (one read, nothing written)."""
    snapshot = workspace.store.read((*TABS, "People", "Sent"))
    return status_lines(snapshot, now, workspace.settings)
