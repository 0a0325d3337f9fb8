"""Named crash points: the I/O steps where a test may kill Chorus, to prove a re-run repairs it.

Each step of the shell that leaves something on disk, in the spreadsheet or
in a mailbox calls `reached(point)` once it is done. A test arms one point
through one environment variable:

    CHORUS_CRASH_AT=ledger.sent      die the first time a message has been sent
    CHORUS_CRASH_AT=ledger.sent@3    die the third time

and the process SIGKILLs itself there: no `finally`, no flush, no atexit, as
when the power goes or the OOM killer strikes. Killing at a named step instead
of after a delay makes the test the same on a fast machine and a slow one.
Unset, a point costs one lookup in the environment.

`POINTS` lists every point with what is on disk when it is reached, so a test
can check that each one is exercised.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

#: the environment variable that arms a point: NAME or NAME@N (the N-th time it is reached)
ENV = "CHORUS_CRASH_AT"

#: every crash point, in the order a run passes them, and what has happened when it is reached
POINTS: dict[str, str] = {
    "run.read": "the runner has read the job's tabs; nothing is written",
    "run.gather": "the job's outside inputs (forms, feeds, mail, the guide on disk) are fetched",
    "run.write": "the job's own changes are written (with its Runs row when nothing follows)",
    "ledger.spooled": "a copy of each message about to go is in the local mail spool",
    "ledger.prepared": "the transport has prepared each message (Maildir keys, Gmail drafts)",
    "ledger.pending": "the Pending rows are written: the intent to send, before anything goes",
    "ledger.sent": "one more message has gone through the transport; its row is still Pending",
    "outbox.synced": "the batch's files in the Maildir's tmp/ are on disk, none yet in new/",
    "sent.copied": "a month's closed-period Sent rows are copied to the Sent archive, with State's"
    " day; they are still in Sent too",
    "ledger.confirmed": "the Sent (or Failed, Deferred) rows of the batch are written",
    "run.file": "one more output file (the guide) is in place",
    "xlsx.temp_saved": "the workbook is saved to its temporary file, not yet renamed over it",
    "outbox.temp_written": "a message is written in the Maildir's tmp/, not yet on disk or in new/",
    "smtp.accepted": "the SMTP server accepted a message; the ledger has not heard yet",
}

_hits: Counter[str] = Counter()
_trace: list[str] | None = None


def reached(point: str) -> None:
    """Mark that `point` is done; the process dies here when a test armed it."""
    if _trace is not None:
        _trace.append(point)
    armed = os.environ.get(ENV)
    if armed:
        _maybe_die(point, armed)


def _maybe_die(point: str, armed: str) -> None:
    name, _, nth = armed.partition("@")
    if name not in POINTS or point not in POINTS:
        raise ValueError(f"{ENV}={armed!r} or {point!r} is not a crash point: {', '.join(POINTS)}")
    if name != point:
        return
    _hits[point] += 1
    if _hits[point] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def traced() -> Iterator[list[str]]:
    """The points passed inside the block, in order (a test lists a job's points this way)."""
    global _trace
    outer, _trace = _trace, []
    try:
        yield _trace
    finally:
        _trace = outer
