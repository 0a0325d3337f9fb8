"""The demo's storm (`chorus demo --crisis`): storm.toml's mentions taken through a crisis.

A burst of criticism and direct messages lands in Mentions; ingest-alerts
notices it and alerts the people on duty (once, however often it runs); the
coordinator declares a crisis; check-cadence shows the held slots; the next
morning's brief goes to the crisis team; in the afternoon the crisis ends.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from automation.crisis import end_crisis, start_crisis
from automation.demo.firm import read_toml
from automation.runner import RunResult, run_job
from automation.workspace import Workspace
from jobs import crisis as crisis_job
from jobs.sync_forms import next_id_number
from sheets_schema.errors import ChorusError
from sheets_schema.records import Append, Changes, Update
from sheets_schema.values import clean_text, format_datetime

_STORM: dict[str, Any] = read_toml("storm.toml")
#: (kind, source, title, snippet) of each mention, in the order they arrive.
STORM: tuple[tuple[str, str, str, str], ...] = tuple(
    (m["kind"], m["source"], m["title"], m["snippet"]) for m in _STORM["mention"]
)


def _step(label: str, at: datetime, result: RunResult) -> Iterator[str]:
    yield f"{at:%a %H:%M}  {label:<28} {result.outcome:<9} {result.summary()}"
    for line in result.lines[:6]:
        yield f"{'':<36}{line}"
    for problem in result.problems[:3]:
        yield f"{'':<36}problem: {problem}"


def _next_working_day(day: datetime, working_days: tuple[int, ...]) -> datetime:
    nxt = day + timedelta(days=1)
    while working_days and nxt.weekday() not in working_days:
        nxt += timedelta(days=1)
    return nxt


def _mention(number: int, found: datetime, tz: ZoneInfo, k: int) -> Append:
    """Storm mention k as a coordinator would add it, with ID number `number`."""
    kind, source, title, snippet = STORM[k]
    return Append(
        "Mentions",
        {
            "id": f"M-{number:04d}",
            "found_at": format_datetime(found, tz),
            "source": source,
            "kind": kind,
            "title": title,
            "snippet": snippet,
            "url": f"https://social.example/storm/{number}",
            "status": "New",
        },
    )


def demo_storm(workspace: Workspace, now: datetime) -> Iterator[str]:
    """Run the demo program through a short storm and print what happened at each step."""
    settings = workspace.settings
    tz = settings.tz
    day = now.astimezone(tz)
    yield "Crisis drill: a storm of criticism, a declared crisis, and the stand-down"
    yield ""

    snapshot = workspace.store.read(("Mentions", "Rota", "Absences", "People"))
    number = next_id_number(snapshot["Mentions"]["id"], "M")
    first = day.replace(hour=9, minute=0, second=0, microsecond=0)
    appends = tuple(
        _mention(number + k, first + timedelta(minutes=11 * k), tz, k) for k in range(len(STORM))
    )
    workspace.store.apply(Changes(appends=appends))
    last = first + timedelta(minutes=11 * (len(STORM) - 1))
    yield (
        f"{first:%a %H:%M}  {len(STORM)} criticisms and direct messages arrive by {last:%H:%M} "
        "(added to Mentions as a coordinator would)"
    )
    for label, at in (
        ("ingest-alerts (storm watch)", last + timedelta(minutes=12)),
        ("ingest-alerts again", last + timedelta(minutes=22)),
    ):
        yield from _step(label, at, run_job(workspace, "ingest-alerts", at))

    declared = last + timedelta(minutes=35)
    coordinator = yield from _declare(workspace, declared)
    yield from _storm_goes_on(workspace, declared, coordinator, number + len(STORM))

    tomorrow = _next_working_day(day, settings.organisation.working_days)
    morning = datetime.combine(tomorrow.date(), time(8, 30), tz)
    yield from _step("brief (next morning)", morning, run_job(workspace, "brief", morning))
    ended = datetime.combine(tomorrow.date(), time(15, 0), tz)
    yield from _step("chorus crisis end", ended, end_crisis(workspace, ended))
    after = ended + timedelta(minutes=5)
    yield from _step("check-cadence", after, run_job(workspace, "check-cadence", after))
    yield from _crisis_mail(workspace)


def _declare(workspace: Workspace, declared: datetime) -> Generator[str, None, str]:
    """The coordinator on duty declares the crisis; the generator's value is their address."""
    duty = crisis_job.duty_at(
        workspace.store.read(("Rota", "Absences", "People")), declared, workspace.settings
    )
    coordinator = duty.on_duty or duty.coordinator
    result = start_crisis(
        workspace,
        declared,
        reason=_STORM["reason"],
        statement=_STORM["statement"],
        declared_by=coordinator,
    )
    yield from _step("chorus crisis start", declared, result)
    for label, at, name in (
        ("sync-forms", declared + timedelta(minutes=5), "sync-forms"),
        ("check-cadence", declared + timedelta(minutes=6), "check-cadence"),
    ):
        yield from _step(label, at, run_job(workspace, name, at))
    return coordinator


def _storm_goes_on(
    workspace: Workspace, declared: datetime, coordinator: str, number: int
) -> Iterator[str]:
    """The first four mentions come again after the declaration; the coordinator answers three."""
    tz = workspace.settings.tz
    later = [
        _mention(number + k, declared + timedelta(minutes=20 * (k + 1)), tz, k) for k in range(4)
    ]
    answered = [
        Update(
            "Mentions",
            (str(change.row["id"]),),
            {
                "status": "Responded",
                "assigned_to": coordinator,
                "responded_at": format_datetime(declared + timedelta(minutes=20 * k + 55), tz),
                "notes": "Replied with the holding statement",
            },
        )
        for k, change in enumerate(later[:3])
    ]
    workspace.store.apply(Changes(appends=tuple(later)))
    workspace.store.apply(Changes(updates=tuple(answered)))
    yield (
        f"{declared:%a %H:%M}  {len(later)} more arrive during the crisis; the coordinator answers "
        f"{len(answered)} of them with the holding statement"
    )


def _crisis_mail(workspace: Workspace) -> Iterator[str]:
    """How many crisis emails of each kind the outbox holds."""
    try:
        sent = workspace.store.read(("Sent",))["Sent"]
    except ChorusError as exc:  # pragma: no cover - the store just worked
        yield f"could not read the Sent tab: {exc}"
        return
    crisis_rows = sent[sent["job"].map(clean_text) == crisis_job.JOB_NAME]
    topics: dict[str, int] = {}
    for message_id in crisis_rows["message_id"]:
        topic = clean_text(message_id).removeprefix(f"<chorus.{crisis_job.JOB_NAME}.").split(".")[0]
        topics[topic] = topics.get(topic, 0) + 1
    yield ""
    yield "Crisis emails in the outbox: " + (
        ", ".join(f"{n} {topic}" for topic, n in topics.items()) or "none"
    )
    yield "See the Crises tab, the Queue's Held From column and the Cadence tab's Held slots."
