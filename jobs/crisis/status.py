"""`chorus crisis status` in words: the state, what is held, what the next run will do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from jobs.crisis import MAX_LISTED, sheet
from jobs.crisis.hold import held_items
from jobs.crisis.messages import duration
from jobs.crisis.state import PROGRAM_SETTING, CrisisState, crisis_state
from jobs.crisis.storm import detect_spike
from sheets_schema.settings import Settings

#: what the next run does, by CrisisState.pending
PENDING = {
    "start": "the next run starts a crisis (the Program switch is On)",
    "adopt": "the next run holds the scheduled items of the crisis opened by hand",
    "end": "the next run stands down (restores held items and sends the all-clear)",
}


def _crisis_lines(
    state: CrisisState, snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> list[str]:
    """The open crisis, or that none is open and which one was last."""
    if state.open_row is None:
        lines = ["No crisis is open." if not state.active else "Crisis mode is requested."]
        closed = [r for r in sheet.rows(sheet.frame(snapshot, "Crises")) if r.get("ended")]
        if closed:
            last = closed[-1]
            lines.append(
                f"  last: {last.get('id', '')} from {last.get('started', '')} to {last.get('ended', '')}"
                + (f" ({last['reason']})" if last.get("reason") else "")
            )
        return lines
    row = state.open_row
    started = sheet.started(row, settings.tz)
    age = f", {duration(now - started)} ago" if started else ""
    lines = [
        f"Crisis {row.get('id', '')} is open since {row.get('started', '')}{age}: "
        f"{row.get('reason', '') or 'no reason given'}"
    ]
    if row.get("declared_by"):
        lines.append(f"  declared by {row['declared_by']}")
    statement = row.get("holding_statement", "") or "(none yet: staff are not told)"
    lines.append(f"  holding statement: {statement}")
    return lines


def status_lines(
    snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> list[str]:
    """`chorus crisis status` in words: the state, what is held, what the next run will do."""
    state = crisis_state(snapshot)
    lines = _crisis_lines(state, snapshot, now, settings)
    switch = (state.program_value or "(blank)") if state.program_setting else "(no row)"
    lines.append(f"Program tab: {PROGRAM_SETTING} = {switch}")
    lines.extend(f"  problem: {problem.line()}" for problem in state.problems)
    held = held_items(sheet.frame(snapshot, "Queue"))
    if held:
        lines.append(
            f"On hold: {len(held)} item(s): "
            + ", ".join(f"{r.get('id', '')} (was {r['held_from']})" for r in held[:MAX_LISTED])
        )
    if state.pending in PENDING:
        lines.append(f"Pending: {PENDING[state.pending]}")
    if not state.active:
        spike = detect_spike(sheet.frame(snapshot, "Mentions"), now, settings)
        if spike is not None:
            lines.append(
                f"Storm warning: episode {spike.episode}, {spike.count} criticisms and direct "
                f"messages in {spike.window_hours:g} h (usual {spike.median:g})"
            )
    return lines
