"""The crisis plans: what a run does about crisis mode, and `chorus crisis start|end`.

`watch()` does whatever the spreadsheet asks (start, adopt, stand down; see
the package docstring) and, when no crisis is on, runs the storm detector;
ingest-alerts calls it after every ingest. `chorus crisis start|end` plan
through `plan()` with a CrisisCommand. Each plan is put together in a draft
by small steps (hold, tell, switch, close) and frozen into one Plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.crisis import JOB_NAME, MAX_LISTED, sheet
from jobs.crisis.audience import unsent
from jobs.crisis.hold import (
    QueueMove,
    held_moves,
    hold_moves,
    hold_updates,
    restore_moves,
    restore_updates,
)
from jobs.crisis.messages import (
    alert_messages,
    all_clear_messages,
    declared_messages,
    staff_messages,
)
from jobs.crisis.state import (
    HELD_MARK,
    PROGRAM_NOTE,
    PROGRAM_SETTING,
    STOOD_DOWN_MARK,
    CrisisState,
    crisis_state,
    last_ended,
)
from jobs.crisis.storm import detect_spike
from sheets_schema.errors import InputError
from sheets_schema.records import Append, Changes, Update
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime

#: tabs crisis mode reads (the runner adds People and Sent)
TABS = ("Crises", "Program", "Queue", "Mentions", "Rota", "Absences", "Policies")


@dataclass(frozen=True)
class CrisisCommand:
    """What `chorus crisis start|end` asked for (the command's gather returns it)."""

    action: str  # "start" | "end"
    reason: str = ""
    statement: str = ""
    declared_by: str = ""
    note: str = ""  # recorded in Notes, e.g. who ran the command


@dataclass
class _Draft:
    """A plan being put together (the steps below fill it in, then freeze it)."""

    appends: list[Append] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    messages: list[OutgoingMessage] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def plan(self) -> Plan:
        return Plan(
            changes=Changes(appends=tuple(self.appends), updates=tuple(self.updates)),
            messages=tuple(self.messages),
            report=Report(
                counts=dict(self.counts), lines=tuple(self.lines), problems=tuple(self.problems)
            ),
        )


def next_crisis_id(crises: pd.DataFrame) -> str:
    """C-001, C-002, ...: one more than the highest number in the Crises tab."""
    highest = 0
    for value in crises["id"] if "id" in crises else ():
        m = re.fullmatch(r"C-(\d+)", clean_text(value), re.I)
        if m:
            highest = max(highest, int(m[1]))
    return f"C-{highest + 1:03d}"


# -- the steps ------------------------------------------------------------------------------------


def _switch(draft: _Draft, state: CrisisState, on: bool) -> None:
    """Keep the Program switch in step with the Crises tab (guarded by what was read)."""
    value = "On" if on else "Off"
    if state.program_setting:
        if state.requested is on:
            return
        draft.updates.append(
            Update(
                "Program",
                (state.program_setting,),
                {"value": value},
                expect={"value": state.program_value},
            )
        )
    else:
        draft.appends.append(
            Append("Program", {"setting": PROGRAM_SETTING, "value": value, "note": PROGRAM_NOTE})
        )
    draft.lines.append(f"Program tab: {PROGRAM_SETTING} set to {value}")


def _held_note(moves: Sequence[QueueMove], now: datetime, settings: Settings) -> str:
    at = format_datetime(now, settings.tz)
    if not moves:
        return f"{HELD_MARK} nothing at {at} (nothing scheduled in the next {settings.crisis.hold_days} days)."
    ids = ", ".join(m.id for m in moves[:MAX_LISTED]) + (" ..." if len(moves) > MAX_LISTED else "")
    return f"{HELD_MARK} {len(moves)} scheduled item(s) at {at}: {ids}."


def _stood_down_note(moves: Sequence[QueueMove], now: datetime, settings: Settings) -> str:
    at = format_datetime(now, settings.tz)
    back = [m.id for m in moves if m.after != "Overdue"]
    overdue = [m.id for m in moves if m.after == "Overdue"]
    text = f"{STOOD_DOWN_MARK} at {at}: restored {len(back)} item(s)"
    if overdue:
        text += f"; {len(overdue)} overdue for a person to decide: " + ", ".join(
            overdue[:MAX_LISTED]
        )
    return text + "."


def _join_notes(existing: str, note: str) -> str:
    return f"{existing} {note}".strip() if existing else note


def _hold(
    draft: _Draft, snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> list[QueueMove]:
    """Put the next days' scheduled items On hold."""
    moves = hold_moves(sheet.frame(snapshot, "Queue"), now, settings)
    draft.updates.extend(hold_updates(moves))
    draft.count("held", len(moves))
    if moves:
        draft.lines.append(
            f"Held {len(moves)} scheduled item(s) until the crisis ends: "
            + ", ".join(f"{m.id} ({m.scheduled_for})" for m in moves[:MAX_LISTED])
        )
    else:
        draft.lines.append(
            f"Nothing is scheduled in the next {settings.crisis.hold_days} days; nothing held"
        )
    return moves


def _tell_staff(
    draft: _Draft,
    row: Mapping[str, str],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
    """The holding statement to staff, once it is written."""
    if not row.get("holding_statement"):
        draft.problems.append(
            f"tab 'Crises', crisis {row.get('id', '')}, column 'Holding Statement': staff are not "
            "told yet; write the holding statement there (the next run of ingest-alerts sends it)"
        )
        return
    messages, _ = unsent(staff_messages(row, snapshot, now, settings), snapshot, settings)
    draft.messages.extend(messages)
    draft.count("staff_emails", len(messages))
    if messages:
        draft.lines.append(f"Holding statement to {len(messages)} staff member(s)")


def _announce(
    draft: _Draft,
    state: CrisisState,
    row: Mapping[str, str],
    moves: list[QueueMove],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
    """What starting and adopting a crisis share: the switch On, the team told, staff told."""
    _switch(draft, state, True)
    team, _ = unsent(declared_messages(row, moves, snapshot, now, settings), snapshot, settings)
    draft.messages.extend(team)
    draft.count("team_emails", len(team))
    _tell_staff(draft, row, snapshot, now, settings)


def _same_reason(row: Mapping[str, str], command: CrisisCommand) -> bool:
    said = clean_text(command.reason).casefold()
    return bool(said) and said == clean_text(row.get("reason", "")).casefold()


def _finish_announcement(
    draft: _Draft,
    row: Mapping[str, str],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> bool:
    """A start that was cut short after its write: tell the team what it was not told yet.

    True when something was left to send. The held items are read back from the
    Queue; the Message-IDs are those of the first attempt, so nobody gets two.
    """
    held = held_moves(sheet.frame(snapshot, "Queue"), settings)
    team, _ = unsent(declared_messages(row, held, snapshot, now, settings), snapshot, settings)
    if not team:
        return False
    draft.messages.extend(team)
    draft.count("team_emails", len(team))
    draft.lines.insert(
        0,
        f"Crisis {row.get('id', '')} was already started; {len(team)} of the team had not "
        "been told yet: telling them now",
    )
    _tell_staff(draft, row, snapshot, now, settings)
    return True


def _start(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    command: CrisisCommand,
) -> None:
    """A new Crises row, the week held, everyone told."""
    crisis_id = next_crisis_id(sheet.frame(snapshot, "Crises"))
    moves = _hold(draft, snapshot, now, settings)
    row = {
        "id": crisis_id,
        "started": format_datetime(now, settings.tz),
        "ended": "",
        "declared_by": command.declared_by,
        "reason": command.reason,
        "holding_statement": command.statement,
        "notes": _join_notes(command.note, _held_note(moves, now, settings)),
    }
    draft.appends.append(Append("Crises", row))
    draft.count("crises_started")
    draft.lines.insert(0, f"Crisis {crisis_id} started: {command.reason or 'no reason given'}")
    _announce(draft, state, row, moves, snapshot, now, settings)


def _adopt(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
    """A row a person opened by hand: hold the week, note it in the row, tell everyone."""
    row = state.open_row
    assert row is not None
    moves = _hold(draft, snapshot, now, settings)
    draft.updates.append(
        Update(
            "Crises",
            (row["id"],),
            {"notes": _join_notes(row.get("notes", ""), _held_note(moves, now, settings))},
            expect={"notes": row.get("notes", ""), "ended": ""},
        )
    )
    draft.lines.insert(
        0, f"Crisis {row['id']} was opened in the Crises tab: Chorus took it in hand"
    )
    _announce(draft, state, row, moves, snapshot, now, settings)


def _close_rows(
    draft: _Draft, state: CrisisState, note: str, now: datetime, settings: Settings
) -> tuple[Mapping[str, str], datetime]:
    """Close the open rows (or note a row a person closed); the crisis's row and its end."""
    tz = settings.tz
    if state.open_row is not None:
        for row in state.open_rows:
            draft.updates.append(
                Update(
                    "Crises",
                    (row["id"],),
                    {
                        "ended": format_datetime(now, tz),
                        "notes": _join_notes(row.get("notes", ""), note),
                    },
                    expect={"ended": ""},
                )
            )
        return state.open_row, now
    main = state.closing_row
    assert main is not None  # a person wrote Ended: stand down from then
    ended = sheet.when(main.get("ended", ""), tz, settings.organisation.day_first) or now
    draft.updates.append(
        Update(
            "Crises",
            (main["id"],),
            {"notes": _join_notes(main.get("notes", ""), note)},
            expect={"notes": main.get("notes", "")},
        )
    )
    return main, ended


def _report_stand_down(draft: _Draft, main: Mapping[str, str], moves: list[QueueMove]) -> None:
    back = [m for m in moves if m.after != "Overdue"]
    overdue = [m for m in moves if m.after == "Overdue"]
    draft.count("crises_ended")
    draft.count("restored", len(back))
    draft.count("overdue", len(overdue))
    draft.lines.insert(0, f"Crisis {main.get('id', '')} stood down")
    if back:
        draft.lines.append(
            "Restored: " + ", ".join(f"{m.id} ({m.after})" for m in back[:MAX_LISTED])
        )
    if overdue:
        draft.lines.append(
            "Overdue, for a person to decide (their time passed during the crisis): "
            + ", ".join(f"{m.id} (was due {m.scheduled_for})" for m in overdue[:MAX_LISTED])
        )


def _stand_down(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
    """Restore held items, close the row (or note a hand-closed one), switch Off, all-clear."""
    queue = sheet.frame(snapshot, "Queue")
    moves, problems = restore_moves(queue, now, settings)
    draft.problems.extend(problems)
    held_from = {r.get("id", ""): r.get("held_from", "") for r in sheet.rows(queue)}
    draft.updates.extend(restore_updates(moves, held_from))
    note = _stood_down_note(moves, now, settings)
    main, ended = _close_rows(draft, state, note, now, settings)
    _switch(draft, state, False)
    _report_stand_down(draft, main, moves)
    everyone = all_clear_messages(main, ended, moves, snapshot, now, settings)
    messages, _ = unsent(everyone, snapshot, settings)
    draft.messages.extend(messages)
    draft.count("all_clear_emails", len(messages))


def _watch_storm(
    draft: _Draft,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    new_mentions: Sequence[Mapping[str, object]],
) -> None:
    """Outside a crisis: alert the team on duty, once per episode, when a storm builds."""
    mentions = sheet.frame(snapshot, "Mentions")
    if new_mentions:
        extra = pd.DataFrame([{k: clean_text(v) for k, v in m.items()} for m in new_mentions])
        mentions = pd.concat([mentions, extra], ignore_index=True).fillna("")
    spike = detect_spike(mentions, now, settings)
    if spike is None:
        return
    ended = last_ended(sheet.frame(snapshot, "Crises"), settings)
    if ended is not None and spike.crossed_at <= ended:
        # The storm a crisis just dealt with: its all-clear went out, no new alert.
        draft.lines.append(
            f"Storm episode {spike.episode} began before the last crisis ended; no alert"
        )
        return
    draft.count("storm", 1)
    messages, already = unsent(alert_messages(spike, snapshot, now, settings), snapshot, settings)
    draft.messages.extend(messages)
    draft.count("alerts", len(messages))
    if messages:
        draft.lines.append(
            f"Storm warning (episode {spike.episode}): {spike.count} criticisms and direct messages "
            f"in {spike.window_hours:g} h against a usual {spike.median:g}; alert to "
            + ", ".join(m.to_email for m in messages)
        )
    elif already:
        draft.lines.append(f"Storm episode {spike.episode} goes on; its alert was sent already")
    else:
        draft.problems.append(
            f"storm warning (episode {spike.episode}) but nobody to alert: the Rota names no "
            "coordinator or backup and People lists no manager"
        )


# -- the plans ------------------------------------------------------------------------------------


def watch(
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    *,
    new_mentions: Sequence[Mapping[str, object]] = (),
) -> Plan:
    """What any run does about crisis mode: follow the Program switch and the Crises tab
    (start, adopt, stand down), tell staff once a holding statement is written, and,
    outside a crisis, watch for a storm. `new_mentions` are rows this run is adding."""
    draft = _Draft()
    state = crisis_state(snapshot)
    draft.problems.extend(p.line() for p in state.problems)  # an unreadable switch, read as On
    action = state.pending
    if action == "end":
        _stand_down(draft, state, snapshot, now, settings)
    elif action == "adopt":
        _adopt(draft, state, snapshot, now, settings)
    elif action == "start":
        command = CrisisCommand(
            "start",
            reason=f"{PROGRAM_SETTING} set to On in the Program tab",
            note=f"Declared by setting {PROGRAM_SETTING} to On in the Program tab.",
        )
        _start(draft, state, snapshot, now, settings, command)
    elif state.open_row is not None:
        _tell_staff(draft, state.open_row, snapshot, now, settings)
    elif not state.active:
        _watch_storm(draft, snapshot, now, settings, new_mentions)
    return draft.plan()


def plan_start(
    snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings, command: CrisisCommand
) -> Plan:
    """`chorus crisis start`: record the crisis, hold the week's posts, tell the team and staff."""
    state = crisis_state(snapshot)
    if state.open_row is not None and state.adopted and _same_reason(state.open_row, command):
        # The same command again (a retry after a crash): finish what it started, or say done.
        draft = _Draft()
        if not _finish_announcement(draft, state.open_row, snapshot, now, settings):
            draft.lines.append(
                f"Crisis {state.open_row.get('id', '')} is already open and announced: nothing to do"
            )
        return draft.plan()
    if state.open_row is not None:
        row = state.open_row
        raise InputError(
            f"crisis {row.get('id', '')} is already open (started {row.get('started', '')}: "
            f"{row.get('reason', '') or 'no reason given'})",
            place="tab 'Crises'",
            fix="run `chorus crisis end` first, or edit the open row",
        )
    if not clean_text(command.reason):
        raise InputError("a crisis needs a reason", fix='pass --reason "what happened"')
    if state.closing_row is not None:
        row = state.closing_row
        raise InputError(
            f"crisis {row.get('id', '')} was ended by hand and its held items are not restored yet",
            place="tab 'Crises'",
            fix="run `chorus crisis end` to finish standing it down, then start the new one",
        )
    draft = _Draft()
    _start(draft, state, snapshot, now, settings, command)
    return draft.plan()


def plan_end(snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings) -> Plan:
    """`chorus crisis end`: restore the held items, send the all-clear, close the row."""
    state = crisis_state(snapshot)
    draft = _Draft()
    if state.open_row is not None or state.closing_row is not None:
        _stand_down(draft, state, snapshot, now, settings)
    elif state.requested:
        _switch(draft, state, False)
    else:
        raise InputError(
            "no crisis is open",
            place="tab 'Crises'",
            fix="`chorus crisis status` shows the last one",
        )
    return draft.plan()


def plan(
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    inputs: CrisisCommand | None = None,
) -> Plan:
    """The crisis job's pure plan: a command (start, end) or, without one, the watch."""
    if inputs is None:
        return watch(snapshot, now, settings)
    if inputs.action == "start":
        return plan_start(snapshot, now, settings, inputs)
    if inputs.action == "end":
        return plan_end(snapshot, now, settings)
    raise ValueError(f"unknown crisis action {inputs.action!r}")


def merge_plans(first: Plan, *others: Plan) -> Plan:
    """One plan from several (ingest-alerts adds the crisis watch to its own plan)."""
    changes, messages, files = first.changes, list(first.messages), list(first.files)
    counts = dict(first.report.counts)
    lines, problems = list(first.report.lines), list(first.report.problems)
    for other in others:
        changes = changes + other.changes
        messages.extend(other.messages)
        files.extend(other.files)
        for key, value in other.report.counts.items():
            counts[key] = counts.get(key, 0) + value
        lines.extend(other.report.lines)
        problems.extend(other.report.problems)
    return Plan(
        changes=changes,
        messages=tuple(messages),
        files=tuple(files),
        report=Report(counts=counts, lines=tuple(lines), problems=tuple(problems)),
    )


JOB = Job(
    JOB_NAME,
    "Crisis mode: start or stand down a crisis, hold scheduled posts, tell the right people",
    TABS,
    plan,
)
