"""sync-forms' record of a sync with nothing new, so the next such sync costs little.

A run whose plan changes nothing and reports no problem keeps, in the hidden
State tab, the fingerprint of its inputs (jobs/sync_forms.py FormInputs; the
shell makes it in automation/gather.py) with its report. A later run whose
inputs have that fingerprint replays the report without reading a response.
"""

from __future__ import annotations

import json

from jobs.base import Plan, Report
from sheets_schema.records import state_row

#: The State row that makes a sync with nothing new cheap. A run whose plan changes nothing
#: and reports no problem keeps there the fingerprint of its inputs (FormInputs.fingerprint:
#: the exports' bytes, the bytes of every tab the plan reads, the settings, this version) with
#: its report. A later run whose inputs have that fingerprint would plan exactly that again,
#: since the plan reads nothing else (not even the clock), so it replays the report without
#: reading the responses. Any edit (a re-downloaded export, a coordinator's change to a tab)
#: changes the fingerprint, and the run goes the long way.
SETTLED_KEY = "sync-forms settled"
#: changed when the plan's rules change, so an upgrade never replays an older version's answer
SETTLED_VERSION = "1"


def settled_report(fingerprint: str, settled: str | None) -> Report | None:
    """The report kept with `fingerprint` when State's value (`settled`) holds it, else None."""
    if not fingerprint or not settled:
        return None
    try:
        kept = json.loads(settled)
        if kept["fingerprint"] != fingerprint:
            return None
        counts = {str(k): int(v) for k, v in kept["counts"].items()}
        lines = tuple(str(line) for line in kept["lines"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # a value a person edited: the long way
    return Report(counts=counts, lines=lines)


def remember(plan: Plan, fingerprint: str, settled: str | None) -> Plan:
    """The plan, with the State row that lets the next run replay it when nothing changes."""
    report = plan.report
    if not fingerprint or plan.changes or report.problems:
        return plan
    value = json.dumps(
        {"fingerprint": fingerprint, "counts": report.counts, "lines": report.lines},
        ensure_ascii=False,
    )
    if value == settled or len(value) > STATE_VALUE_LIMIT:
        return plan
    row = {"value": value, "note": "what the last sync with nothing new read (see the README)"}
    return Plan(changes=state_row(SETTLED_KEY, row, present=settled is not None), report=report)


#: a cell holds at most 32,767 characters; a report that long is not worth keeping
STATE_VALUE_LIMIT = 30_000
