"""Crisis mode, the pure part: notice a storm early, hold scheduled posts, tell people, stand down.

Crisis mode is a state in the spreadsheet, never in a process, so any job run
reads it and two runs cannot disagree:

    Crises tab    the record: a row per crisis (ID, Started, Ended, ...)
    Program tab   the switch: "Crisis Mode" = On / Off, for people without a terminal

`crisis_state(snapshot)` is the one reading of that state every job uses.
Chorus keeps the switch in step with the record (start sets it On, stand-down
Off) and notes in the Crises row what it did ("Chorus held ...", "Chorus
stood down ..."), so a person's edit is always a clear request:

    switch set On, no open row           -> start a crisis (row C-00N, declared by the Program tab)
    a row opened by hand (no Chorus note) -> adopt it: hold, switch On, tell people
    switch set Off while a row is open   -> stand down
    Ended written by hand                -> stand down (restore, all-clear), switch Off

`watch()` does whatever of that is pending and, when no crisis is on, runs
the storm detector (`detect_spike`); ingest-alerts calls it after every
ingest. `chorus crisis start|end` plan through `plan()` with a CrisisCommand.

Holding happens once, when Chorus starts or adopts a crisis: every Queue item
Scheduled in the next `crisis.hold_days` days goes On hold with its status in
Held From. Items people schedule later during the crisis are their decision
and are left alone. Standing down restores every item On hold with a Held
From: to that status while its time is still ahead, to Overdue (a person
decides) when its time passed during the crisis. Every write is guarded by
`expect`, so a person's concurrent change wins and no item is held or
restored twice.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from jobs import rota
from jobs.base import Job, OutgoingMessage, Plan, Report
from sheets_schema.columns import QUEUE_STATUSES, normalise_header
from sheets_schema.errors import InputError
from sheets_schema.records import Append, Changes, Update, empty_frame
from sheets_schema.values import (
    clean_text,
    format_datetime,
    parse_datetime,
    parse_yes_no,
    split_multi,
)

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

#: tabs crisis mode reads (the runner adds People and Sent)
TABS = ("Crises", "Program", "Queue", "Mentions", "Rota", "Absences", "Policies")
JOB_NAME = "crisis"
PROGRAM_SETTING = "Crisis Mode"
PROGRAM_NOTE = (
    "On pauses scheduled posts and alerts the coordinators; Off stands down. "
    "`chorus crisis start` and `chorus crisis end` flip it too."
)
#: Mentions kinds that count towards a storm
STORM_KINDS = ("criticism", "direct message")
#: the words Chorus writes into a Crises row's Notes; they mark what it has done
HELD_MARK = "Chorus held"
STOOD_DOWN_MARK = "Chorus stood down"
#: how far before a crisis a storm alert still belongs to it (for the all-clear)
ALERT_LEAD = timedelta(days=1)
MAX_LISTED = 20
FALLBACK_GUIDELINE = (
    "If you see praise or criticism of {org} online, please do not reply yourself: "
    "send the link to the social media coordinator, who answers for {org}."
)


# -- the state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrisisState:
    """Crisis mode as the spreadsheet says it: the open Crises row and the Program switch.

    `requested` is the switch: True (On), False (Off), None (blank, missing or
    unreadable). `adopted` says Chorus has held the open row's items;
    `closing_row` is the latest row a person closed by hand whose stand-down
    Chorus has not done yet.
    """

    open_row: Mapping[str, str] | None
    requested: bool | None
    adopted: bool = False
    closing_row: Mapping[str, str] | None = None
    other_open: tuple[Mapping[str, str], ...] = ()
    program_setting: str = ""  # the Program row's Setting as typed ('' when there is none)
    program_value: str = ""  # its Value as typed

    @property
    def active(self) -> bool:
        """Whether jobs treat the program as in a crisis now (hold, no suggestions, crisis brief)."""
        if self.open_row is not None:
            # Off on a row Chorus already handled asks to stand down; a row someone just
            # opened by hand is a crisis whatever the old switch says.
            return not (self.adopted and self.requested is False)
        return bool(self.requested) and self.closing_row is None

    @property
    def label(self) -> str:
        """The open crisis's ID, '(Program: Crisis Mode)' while the switch alone says On, or ''."""
        if not self.active:
            return ""
        if self.open_row is not None:
            return self.open_row.get("id", "") or "a crisis"
        return f"(Program: {PROGRAM_SETTING})"

    @property
    def pending(self) -> str:
        """What the next crisis watch does: 'start', 'adopt', 'end', or '' (nothing)."""
        if self.open_row is None:
            if self.closing_row is not None:
                return "end"
            return "start" if self.requested else ""
        if not self.adopted:
            return "adopt"
        return "end" if self.requested is False else ""


def _frame(snapshot: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    getter = getattr(snapshot, "get_or_empty", None)
    if getter is not None:
        return getter(name)
    return snapshot[name] if name in snapshot else empty_frame(name)


def _rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as trimmed text by field, with the sheet row number under '_row'."""
    return [
        {**{k: clean_text(v) for k, v in row.items()}, "_row": str(index)}
        for index, row in zip(frame.index, frame.to_dict("records"), strict=True)
    ]


def _started(row: Mapping[str, str], tz: Any) -> datetime | None:
    try:
        return parse_datetime(row.get("started", ""), tz)
    except ValueError:
        return None


def crisis_state_of(crises: pd.DataFrame, program: pd.DataFrame) -> CrisisState:
    """CrisisState from the Crises and Program tabs (see crisis_state)."""
    setting, value, requested = "", "", None
    for row in _rows(program):
        if normalise_header(row.get("setting", "")) == normalise_header(PROGRAM_SETTING):
            setting, value = row.get("setting", ""), row.get("value", "")
            if value:
                try:
                    requested = parse_yes_no(value)
                except ValueError:
                    requested = None  # unreadable: the Crises tab decides
            break
    rows = [r for r in _rows(crises) if r.get("started")]
    # Sheet order breaks ties; an unreadable Started sorts by its row, which is what people see.
    order = {id(r): i for i, r in enumerate(rows)}
    open_rows = [r for r in rows if not r.get("ended")]
    closed = [r for r in rows if r.get("ended")]
    open_row = open_rows[0] if open_rows else None
    closing = None
    if open_row is None and closed:
        latest = max(closed, key=lambda r: order[id(r)])
        notes = latest.get("notes", "").casefold()
        if HELD_MARK.casefold() in notes and STOOD_DOWN_MARK.casefold() not in notes:
            closing = latest
    adopted = open_row is not None and HELD_MARK.casefold() in open_row.get("notes", "").casefold()
    return CrisisState(
        open_row=open_row,
        requested=requested,
        adopted=adopted,
        closing_row=closing,
        other_open=tuple(open_rows[1:]),
        program_setting=setting,
        program_value=value,
    )


def crisis_state(snapshot: Mapping[str, pd.DataFrame]) -> CrisisState:
    """Crisis mode as the spreadsheet says it; the one check every job (cadence, brief,
    intake) uses. A snapshot without the Crises or Program tab reads as no crisis."""
    return crisis_state_of(_frame(snapshot, "Crises"), _frame(snapshot, "Program"))


# -- the storm detector ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Spike:
    """A storm of criticism and direct messages: the episode it belongs to and what started it.

    `episode` is the start of the window block in which the threshold was first
    crossed (local time, 'YYYY-MM-DDTHH:MM'); it names the episode in the alert's
    Message-ID, so every run during one episode plans the same alert.
    """

    episode: str
    crossed_at: datetime
    count: int  # criticism and direct messages in the window that crossed the threshold
    threshold: int  # the count that was needed
    median: float  # the usual count per window over the baseline
    window_hours: float
    mentions: tuple[Mapping[str, str], ...]  # that window's mentions, oldest first
    since: int = 0  # found after the crossing, up to now


def _storm_rows(
    mentions: pd.DataFrame, now: datetime, tz: Any, day_first: bool
) -> list[tuple[datetime, dict[str, str]]]:
    found: list[tuple[datetime, dict[str, str]]] = []
    for row in _rows(mentions):
        if row.get("kind", "").casefold() not in STORM_KINDS:
            continue
        try:
            when = parse_datetime(row.get("found_at", ""), tz, day_first=day_first)
        except ValueError:
            continue  # `chorus validate` names unreadable cells
        if when <= now:
            found.append((when, row))
    found.sort(key=lambda pair: (pair[0], pair[1].get("id", "")))
    return found


def detect_spike(mentions_df: pd.DataFrame, now: datetime, settings: Settings) -> Spike | None:
    """The current storm episode, or None: criticism and direct messages (by Found At) in a
    rolling window of `crisis.window_hours` reach at least `minimum` and more than
    `multiplier` times the median count per window over the previous `baseline_days`.

    Episodes: a new episode starts when the threshold is crossed after the rolling
    count stayed below it for at least one full window. An episode is reported
    until it has been quiet for a full window. Windows are blocks of
    `window_hours` counted from the Unix epoch, so every run finds the same blocks.
    """
    crisis = settings.crisis
    tz = settings.tz
    now = now.astimezone(tz)
    window = timedelta(hours=crisis.window_hours)
    seconds = window.total_seconds()
    rows = _storm_rows(mentions_df, now, tz, settings.organisation.day_first)
    if not rows:
        return None
    times = [t for t, _ in rows]
    blocks = Counter(math.floor(t.timestamp() / seconds) for t in times)
    per_baseline = max(1, round(crisis.baseline_days * 86400 / seconds))
    cache: dict[int, tuple[int, float]] = {}

    def needed(block: int) -> tuple[int, float]:
        """The count that crosses the threshold in `block`, and the baseline median."""
        if block not in cache:
            median = float(
                statistics.median(blocks.get(block - k, 0) for k in range(1, per_baseline + 1))
            )
            cache[block] = (max(crisis.minimum, math.floor(crisis.multiplier * median) + 1), median)
        return cache[block]

    # Sweep the baseline period's events: the rolling count only rises at an event, so
    # checking at each event finds every crossing.
    horizon = now - timedelta(days=crisis.baseline_days)
    first = next((i for i, t in enumerate(times) if t > horizon), len(times))
    episode: dict[str, Any] | None = None
    left = first
    for j in range(first, len(times)):
        t = times[j]
        if j + 1 < len(times) and times[j + 1] == t:
            continue  # several at the same minute: judge once all of them are in
        while times[left] <= t - window:
            left += 1
        count = j - left + 1
        threshold, median = needed(math.floor(t.timestamp() / seconds))
        if count < threshold:
            continue
        # Without more events the count falls below the threshold once the oldest
        # (count - threshold + 1) events in the window have left it.
        hot_until = times[j + 1 - threshold] + window
        if episode is not None and t < episode["hot_until"] + window:
            episode["hot_until"] = max(episode["hot_until"], hot_until)
            continue
        episode = {
            "crossed": t,
            "count": count,
            "threshold": threshold,
            "median": median,
            "rows": [r for _, r in rows[left : j + 1]],
            "hot_until": hot_until,
            "last": j,
        }
    if episode is None or now >= episode["hot_until"] + window:
        return None
    crossed: datetime = episode["crossed"]
    block_start = datetime.fromtimestamp(math.floor(crossed.timestamp() / seconds) * seconds, tz)
    return Spike(
        episode=f"{block_start:%Y-%m-%dT%H:%M}",
        crossed_at=crossed,
        count=episode["count"],
        threshold=episode["threshold"],
        median=episode["median"],
        window_hours=crisis.window_hours,
        mentions=tuple(episode["rows"]),
        since=sum(1 for t in times if t > crossed),
    )


# -- the queue: hold and restore ------------------------------------------------------------------


@dataclass(frozen=True)
class QueueMove:
    """One Queue item Chorus holds or restores: its ID, headline, when, and the statuses."""

    id: str
    headline: str
    scheduled_for: str
    before: str
    after: str


def _when_text(value: str, tz: Any, day_first: bool) -> datetime | None:
    try:
        return parse_datetime(value, tz, day_first=day_first) if value else None
    except ValueError:
        return None


def hold_moves(queue: pd.DataFrame, now: datetime, settings: Settings) -> list[QueueMove]:
    """Queue items Scheduled for the next `crisis.hold_days` days, in time order."""
    tz, day_first = settings.tz, settings.organisation.day_first
    until = now + timedelta(days=settings.crisis.hold_days)
    found: list[tuple[datetime, QueueMove]] = []
    for row in _rows(queue):
        if row.get("status", "").casefold() != "scheduled" or not row.get("id"):
            continue
        when = _when_text(row.get("scheduled_for", ""), tz, day_first)
        if when is None or not now <= when <= until:
            continue
        found.append(
            (
                when,
                QueueMove(
                    row["id"],
                    row.get("headline", ""),
                    format_datetime(when, tz),
                    row["status"],
                    "On hold",
                ),
            )
        )
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    return [move for _, move in found]


def hold_updates(moves: Iterable[QueueMove]) -> tuple[Update, ...]:
    """On hold with the old status in Held From, only if the item is still as read."""
    return tuple(
        Update(
            "Queue",
            (m.id,),
            {"status": m.after, "held_from": m.before},
            expect={"status": m.before, "held_from": ""},
        )
        for m in moves
    )


def restore_moves(
    queue: pd.DataFrame, now: datetime, settings: Settings
) -> tuple[list[QueueMove], list[str]]:
    """Every item On hold with a Held From: back to that status, or Overdue when its
    scheduled time passed. Returns the moves and problems (an unknown Held From)."""
    tz, day_first = settings.tz, settings.organisation.day_first
    known = {s.casefold(): s for s in QUEUE_STATUSES}
    moves: list[QueueMove] = []
    problems: list[str] = []
    for row in _rows(queue):
        if row.get("status", "").casefold() != "on hold" or not row.get("held_from"):
            continue
        before = row["held_from"]
        if before.casefold() not in known or before.casefold() == "on hold":
            problems.append(
                f"tab 'Queue', row {row['_row']}, column 'Held From': {row.get('id')} was held from "
                f"{before!r}, which is not a Queue status; it stays On hold (set its Status by hand)"
            )
            continue
        when = _when_text(row.get("scheduled_for", ""), tz, day_first)
        after = before
        if before.casefold() == "scheduled" and when is not None and when < now:
            after = "Overdue"
        moves.append(
            QueueMove(
                row.get("id", ""),
                row.get("headline", ""),
                format_datetime(when, tz) if when else row.get("scheduled_for", ""),
                row["status"],
                after,
            )
        )
    return moves, problems


def restore_updates(moves: Iterable[QueueMove], held_from: Mapping[str, str]) -> tuple[Update, ...]:
    """Back to the status before the hold; an Overdue item keeps Held From so people see
    what it was. Guarded: an item a person changed meanwhile is left as they set it."""
    updates = []
    for m in moves:
        values = {"status": m.after, "held_from": held_from[m.id] if m.after == "Overdue" else ""}
        updates.append(
            Update(
                "Queue", (m.id,), values, expect={"status": m.before, "held_from": held_from[m.id]}
            )
        )
    return tuple(updates)


# -- who hears about it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone Chorus mails about the crisis."""

    email: str
    name: str

    def as_context(self) -> dict[str, str]:
        return {"email": self.email, "name": self.name}


def _people(snapshot: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    return _frame(snapshot, "People")


def _person(people: pd.DataFrame, email: str) -> Person:
    return Person(email, rota.person_name(people, email))


def _is_active(value: str) -> bool:
    try:
        return parse_yes_no(value)
    except ValueError:
        return False


def staff(people: pd.DataFrame) -> list[Person]:
    """Active People whose Roles include Staff, in sheet order."""
    found: dict[str, Person] = {}
    for row in _rows(people):
        roles = {r.casefold() for r in split_multi(row.get("roles", ""))}
        email = row.get("email", "").lower()
        if "staff" in roles and email and _is_active(row.get("active", "")):
            found.setdefault(email, Person(email, row.get("name", "") or email.split("@")[0]))
    return list(found.values())


def duty_at(snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings) -> rota.Duty:
    """Who is on duty on `now`'s day (jobs/rota.py decides, for every job alike)."""
    return rota.on_duty(
        _frame(snapshot, "Rota"),
        _frame(snapshot, "Absences"),
        _people(snapshot),
        now.astimezone(settings.tz).date(),
        day_first=settings.organisation.day_first,
    )


def duty_team(duty: rota.Duty) -> list[str]:
    """Whom a storm alert goes to: the coordinator on duty and the backup (unless away);
    when neither is available, the coordinator's managers."""
    found: list[str] = []
    if duty.on_duty:
        found.append(duty.on_duty)
    if duty.backup and not duty.backup_away and duty.backup not in found:
        found.append(duty.backup)
    return found or list(duty.notify)


def crisis_team(duty: rota.Duty, people: pd.DataFrame) -> list[str]:
    """Who runs a crisis: the week's coordinator and backup, and every manager."""
    found: list[str] = []
    for email in (duty.coordinator, duty.backup, *rota.managers(people)):
        if email and email not in found:
            found.append(email)
    return found


def answerer(duty: rota.Duty, people: pd.DataFrame) -> dict[str, str]:
    """Who answers publicly during the crisis: the coordinator on duty."""
    email = duty.on_duty or duty.coordinator
    if not email:
        return {"email": "", "name": "the social media coordinator"}
    return _person(people, email).as_context()


def guideline(policies: pd.DataFrame, org_name: str) -> dict[str, str]:
    """The current Policies row about compliments and criticism (title), or a plain sentence."""
    for row in _rows(policies):
        title = row.get("title", "")
        if not re.search(r"compliment|criticism|critic", title, re.I):
            continue
        if row.get("status", "").casefold() == "retired" or not row.get("text"):
            continue
        return {"title": title, "text": row["text"], "id": row.get("id", "")}
    return {"title": "", "text": FALLBACK_GUIDELINE.format(org=org_name or "us"), "id": ""}


def _safe(text: str) -> str:
    # The Message-ID's own character rule (jobs.base.OutgoingMessage.message_id).
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in text)


def _sent_ids(snapshot: Mapping[str, pd.DataFrame]) -> set[str]:
    return {
        r["message_id"]
        for r in _rows(_frame(snapshot, "Sent"))
        if r.get("message_id") and r.get("status", "").casefold() == "sent"
    }


def unsent(
    messages: Iterable[OutgoingMessage], snapshot: Mapping[str, pd.DataFrame], settings: Settings
) -> tuple[tuple[OutgoingMessage, ...], int]:
    """The messages the Sent ledger has not confirmed yet, and how many it has.

    The ledger would refuse them anyway; leaving them out keeps each run's report
    honest ("nothing new") and its message count at zero.
    """
    domain = settings.sender_domain
    done = _sent_ids(snapshot)
    planned = tuple(messages)
    keep = tuple(m for m in planned if m.message_id(domain) not in done)
    return keep, len(planned) - len(keep)


def _messages(
    recipients: Iterable[str],
    people: pd.DataFrame,
    *,
    topic: str,
    period: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    why: str,
) -> tuple[OutgoingMessage, ...]:
    found = []
    for email in dict.fromkeys(e.lower() for e in recipients if e):
        found.append(
            OutgoingMessage(
                job=JOB_NAME,
                period=period,
                to_email=email,
                to_name=rota.person_name(people, email),
                subject=subject,
                template=template,
                context={**context, "why": why},
                topic=topic,
            )
        )
    return tuple(found)


def _mention_context(row: Mapping[str, str]) -> dict[str, str]:
    return {
        k: row.get(k, "")
        for k in ("id", "found_at", "kind", "source", "title", "snippet", "url", "status")
    }


def alert_messages(
    spike: Spike, snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> tuple[OutgoingMessage, ...]:
    """The storm alert to the coordinator on duty and the backup, once per episode."""
    people = _people(snapshot)
    duty = duty_at(snapshot, now, settings)
    hours = f"{spike.window_hours:g}"
    context = {
        "kind": "storm",
        "episode": spike.episode,
        "crossed_at": spike.crossed_at.isoformat(),
        "window_hours": hours,
        "count": spike.count,
        "threshold": spike.threshold,
        "median": f"{spike.median:g}",
        "since": spike.since,
        "mentions": [_mention_context(m) for m in spike.mentions[-MAX_LISTED:]],
        "more": max(0, len(spike.mentions) - MAX_LISTED),
        "coordinator": _person(people, duty.coordinator).as_context() if duty.coordinator else None,
        "backup": _person(people, duty.backup).as_context() if duty.backup else None,
        "on_duty_reason": duty.reason,
        "start_command": 'chorus crisis start --reason "..." --statement "..."',
        "setting": PROGRAM_SETTING,
    }
    subject = f"Storm warning: {spike.count} criticisms and direct messages in {hours} hours"
    why = "you are on social media duty this week (Rota tab) and Chorus saw a storm building."
    return _messages(
        duty_team(duty),
        people,
        topic="alert",
        period=spike.episode,
        subject=subject,
        template="crisis_alert",
        context=context,
        why=why,
    )


def _crisis_context(row: Mapping[str, str], settings: Settings) -> dict[str, str]:
    started = _started(row, settings.tz)
    return {
        "id": row.get("id", ""),
        "reason": row.get("reason", ""),
        "holding_statement": row.get("holding_statement", ""),
        "declared_by": row.get("declared_by", ""),
        "started": started.isoformat() if started else row.get("started", ""),
    }


def declared_messages(
    row: Mapping[str, str],
    held: Sequence[QueueMove],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> tuple[OutgoingMessage, ...]:
    """'A crisis is declared': to the week's coordinator, the backup and the managers."""
    people = _people(snapshot)
    duty = duty_at(snapshot, now, settings)
    context = {
        "kind": "declared",
        "crisis": _crisis_context(row, settings),
        "held": [_move_context(m) for m in held[:MAX_LISTED]],
        "held_count": len(held),
        "hold_days": settings.crisis.hold_days,
        "answerer": answerer(duty, people),
        "end_command": "chorus crisis end",
        "setting": PROGRAM_SETTING,
    }
    return _messages(
        crisis_team(duty, people),
        people,
        topic="declared",
        period=row.get("id", ""),
        subject=f"Crisis declared ({row.get('id', '')}): scheduled posts are on hold",
        template="crisis_alert",
        context=context,
        why="a crisis was declared and you coordinate, back up or manage the social media program.",
    )


def staff_messages(
    row: Mapping[str, str], snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> tuple[OutgoingMessage, ...]:
    """One short email to every active Staff member: the holding statement, who answers,
    and the guideline to pass compliments and criticism on rather than answer them."""
    people = _people(snapshot)
    duty = duty_at(snapshot, now, settings)
    context = {
        "crisis": _crisis_context(row, settings),
        "answerer": answerer(duty, people),
        "guideline": guideline(_frame(snapshot, "Policies"), settings.organisation.name),
    }
    return _messages(
        [p.email for p in staff(people)],
        people,
        topic="staff",
        period=row.get("id", ""),
        subject=f"Please read: how {settings.organisation.name} is responding online",
        template="crisis_staff",
        context=context,
        why="you are on staff and a crisis was declared for the social media program.",
    )


def _sent_rows(snapshot: Mapping[str, pd.DataFrame]) -> list[dict[str, str]]:
    return [r for r in _rows(_frame(snapshot, "Sent")) if r.get("status", "").casefold() == "sent"]


def crisis_recipients(
    row: Mapping[str, str],
    ended: datetime,
    snapshot: Mapping[str, pd.DataFrame],
    settings: Settings,
) -> tuple[list[str], list[str]]:
    """Who got this crisis's emails, from the Sent ledger: (team, staff).

    Team: the 'declared' emails, storm alerts from a day before the start to the end,
    and the briefs sent while it lasted. Staff: the holding-statement emails.
    """
    tz = settings.tz
    crisis_id = row.get("id", "")
    started = _started(row, tz) or ended
    team: list[str] = []
    staff_list: list[str] = []
    for sent in _sent_rows(snapshot):
        recipient = sent.get("recipient", "").lower()
        message_id = sent.get("message_id", "")
        job = sent.get("job", "").casefold()
        when = _when_text(sent.get("sent_at", ""), tz, settings.organisation.day_first)
        if job == JOB_NAME and message_id.startswith(
            f"<chorus.{JOB_NAME}.staff.{_safe(crisis_id)}."
        ):
            staff_list.append(recipient)
        elif job == JOB_NAME and message_id.startswith(
            f"<chorus.{JOB_NAME}.declared.{_safe(crisis_id)}."
        ):
            team.append(recipient)
        elif job == JOB_NAME and message_id.startswith(f"<chorus.{JOB_NAME}.alert."):
            episode = _when_text(sent.get("period", ""), tz, True)
            if episode is not None and started - ALERT_LEAD <= episode <= ended:
                team.append(recipient)
        elif job == "brief" and when is not None and started <= when <= ended:
            team.append(recipient)
    team = list(dict.fromkeys(e for e in team if e))
    staff_list = [e for e in dict.fromkeys(staff_list) if e and e not in team]
    return team, staff_list


def _move_context(m: QueueMove) -> dict[str, str]:
    return {
        "id": m.id,
        "headline": m.headline,
        "scheduled_for": m.scheduled_for,
        "before": m.before,
        "after": m.after,
    }


def all_clear_messages(
    row: Mapping[str, str],
    ended: datetime,
    moves: Sequence[QueueMove],
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> tuple[OutgoingMessage, ...]:
    """The all-clear to everyone who got this crisis's emails, and to the people on duty."""
    people = _people(snapshot)
    duty = duty_at(snapshot, now, settings)
    team, staff_list = crisis_recipients(row, ended, snapshot, settings)
    for email in duty_team(duty):
        if email not in team:
            team.append(email)
    staff_list = [e for e in staff_list if e not in team]
    started = _started(row, settings.tz)
    base = {
        "crisis": _crisis_context(row, settings),
        "ended": ended.isoformat(),
        "lasted": _duration(ended - started) if started else "",
        "restored": [_move_context(m) for m in moves if m.after != "Overdue"][:MAX_LISTED],
        "restored_count": sum(1 for m in moves if m.after != "Overdue"),
        "overdue": [_move_context(m) for m in moves if m.after == "Overdue"][:MAX_LISTED],
        "overdue_count": sum(1 for m in moves if m.after == "Overdue"),
        "answerer": answerer(duty, people),
    }
    subject = f"All clear: {settings.organisation.name}'s social media is back to normal"
    return _messages(
        team,
        people,
        topic="all-clear",
        period=row.get("id", ""),
        subject=subject,
        template="crisis_all_clear",
        context={**base, "for_team": True},
        why="you received this crisis's alerts or briefs.",
    ) + _messages(
        staff_list,
        people,
        topic="all-clear",
        period=row.get("id", ""),
        subject=subject,
        template="crisis_all_clear",
        context={**base, "for_team": False},
        why="you received the holding statement for this crisis.",
    )


def _duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} day{'s' * (days != 1)}"] if days else []
    if hours:
        parts.append(f"{hours} hour{'s' * (hours != 1)}")
    if minutes and not days:
        parts.append(f"{minutes} minute{'s' * (minutes != 1)}")
    return " ".join(parts) or "less than a minute"


# -- plans ----------------------------------------------------------------------------------------


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
    """A plan being put together (the pure functions below fill it in, then freeze it)."""

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
    moves = hold_moves(_frame(snapshot, "Queue"), now, settings)
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
    if not row.get("holding_statement"):
        draft.problems.append(
            f"tab 'Crises', crisis {row.get('id', '')}, column 'Holding Statement': staff are not "
            "told yet; write the holding statement there (the next run of ingest-alerts sends it)"
        )
        return
    messages, already = unsent(staff_messages(row, snapshot, now, settings), snapshot, settings)
    draft.messages.extend(messages)
    draft.count("staff_emails", len(messages))
    if messages:
        draft.lines.append(f"Holding statement to {len(messages)} staff member(s)")


def _start(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    command: CrisisCommand,
) -> None:
    crisis_id = next_crisis_id(_frame(snapshot, "Crises"))
    moves = _hold(draft, snapshot, now, settings)
    notes = _join_notes(command.note, _held_note(moves, now, settings))
    row = {
        "id": crisis_id,
        "started": format_datetime(now, settings.tz),
        "ended": "",
        "declared_by": command.declared_by,
        "reason": command.reason,
        "holding_statement": command.statement,
        "notes": notes,
    }
    draft.appends.append(Append("Crises", row))
    draft.count("crises_started")
    draft.lines.insert(0, f"Crisis {crisis_id} started: {command.reason or 'no reason given'}")
    _announce(draft, state, row, moves, snapshot, now, settings)


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


def _adopt(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
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


def _stand_down(
    draft: _Draft,
    state: CrisisState,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
) -> None:
    """Restore held items, close the row (or note a hand-closed one), switch Off, all-clear."""
    tz = settings.tz
    queue = _frame(snapshot, "Queue")
    moves, problems = restore_moves(queue, now, settings)
    draft.problems.extend(problems)
    held_from = {r.get("id", ""): r.get("held_from", "") for r in _rows(queue)}
    draft.updates.extend(restore_updates(moves, held_from))
    note = _stood_down_note(moves, now, settings)
    if state.open_row is not None:
        rows = [state.open_row, *state.other_open]
        ended = now
        for row in rows:
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
        main: Mapping[str, str] = rows[0]
    else:
        assert state.closing_row is not None
        main = state.closing_row  # a person wrote Ended: stand down from then
        ended = _when_text(main.get("ended", ""), tz, settings.organisation.day_first) or now
        draft.updates.append(
            Update(
                "Crises",
                (main["id"],),
                {"notes": _join_notes(main.get("notes", ""), note)},
                expect={"notes": main.get("notes", "")},
            )
        )
    _switch(draft, state, False)
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
    messages, _ = unsent(
        all_clear_messages(main, ended, moves, snapshot, now, settings), snapshot, settings
    )
    draft.messages.extend(messages)
    draft.count("all_clear_emails", len(messages))


def last_ended(crises: pd.DataFrame, settings: Settings) -> datetime | None:
    """When the most recent crisis ended, or None."""
    ends = [
        when
        for r in _rows(crises)
        if (when := _when_text(r.get("ended", ""), settings.tz, settings.organisation.day_first))
    ]
    return max(ends) if ends else None


def _watch_storm(
    draft: _Draft,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    settings: Settings,
    new_mentions: Sequence[Mapping[str, object]],
) -> None:
    mentions = _frame(snapshot, "Mentions")
    if new_mentions:
        extra = pd.DataFrame([{k: clean_text(v) for k, v in m.items()} for m in new_mentions])
        mentions = pd.concat([mentions, extra], ignore_index=True).fillna("")
    spike = detect_spike(mentions, now, settings)
    if spike is None:
        return
    ended = last_ended(_frame(snapshot, "Crises"), settings)
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
    hours = f"{spike.window_hours:g}"
    if messages:
        draft.lines.append(
            f"Storm warning (episode {spike.episode}): {spike.count} criticisms and direct messages "
            f"in {hours} h against a usual {spike.median:g}; alert to "
            + ", ".join(m.to_email for m in messages)
        )
    elif already:
        draft.lines.append(f"Storm episode {spike.episode} goes on; its alert was sent already")
    else:
        draft.problems.append(
            f"storm warning (episode {spike.episode}) but nobody to alert: the Rota names no "
            "coordinator or backup and People lists no manager"
        )


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


def status_lines(
    snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings
) -> list[str]:
    """`chorus crisis status` in words: the state, what is held, what the next run will do."""
    state = crisis_state(snapshot)
    tz = settings.tz
    lines: list[str] = []
    switch = (state.program_value or "(blank)") if state.program_setting else "(no row)"
    if state.open_row is not None:
        row = state.open_row
        started = _started(row, tz)
        age = f", {_duration(now - started)} ago" if started else ""
        lines.append(
            f"Crisis {row.get('id', '')} is open since {row.get('started', '')}{age}: "
            f"{row.get('reason', '') or 'no reason given'}"
        )
        if row.get("declared_by"):
            lines.append(f"  declared by {row['declared_by']}")
        lines.append(
            f"  holding statement: {row.get('holding_statement', '') or '(none yet: staff are not told)'}"
        )
    else:
        lines.append("No crisis is open." if not state.active else "Crisis mode is requested.")
        closed = [r for r in _rows(_frame(snapshot, "Crises")) if r.get("ended")]
        if closed:
            last = closed[-1]
            lines.append(
                f"  last: {last.get('id', '')} from {last.get('started', '')} to {last.get('ended', '')}"
                + (f" ({last['reason']})" if last.get("reason") else "")
            )
    lines.append(f"Program tab: {PROGRAM_SETTING} = {switch}")
    held = [
        r
        for r in _rows(_frame(snapshot, "Queue"))
        if r.get("status", "").casefold() == "on hold" and r.get("held_from")
    ]
    if held:
        lines.append(
            f"On hold: {len(held)} item(s): "
            + ", ".join(f"{r.get('id', '')} (was {r['held_from']})" for r in held[:MAX_LISTED])
        )
    pending = {
        "start": "the next run starts a crisis (the Program switch is On)",
        "adopt": "the next run holds the scheduled items of the crisis opened by hand",
        "end": "the next run stands down (restores held items and sends the all-clear)",
    }.get(state.pending)
    if pending:
        lines.append(f"Pending: {pending}")
    if not state.active:
        spike = detect_spike(_frame(snapshot, "Mentions"), now, settings)
        if spike is not None:
            lines.append(
                f"Storm warning: episode {spike.episode}, {spike.count} criticisms and direct "
                f"messages in {spike.window_hours:g} h (usual {spike.median:g})"
            )
    return lines


JOB = Job(
    JOB_NAME,
    "Crisis mode: start or stand down a crisis, hold scheduled posts, tell the right people",
    TABS,
    plan,
)
