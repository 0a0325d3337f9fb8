"""`chorus crisis start|end|status` and the demo's storm: the shell around jobs/crisis/.

The commands run the crisis Job through `automation.runner.run_job`: one read,
the pure plan, one write, the sends through the Sent ledger, a Runs row with
job "crisis". The command's arguments reach the plan through the job's
gather, so the plan stays pure and the runner stays the only shell.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from automation.runner import RunResult, run_job
from jobs import crisis as crisis_job
from jobs.crisis.command import JOB, TABS, CrisisCommand
from jobs.crisis.status import status_lines
from sheets_schema.errors import ChorusError, InputError
from sheets_schema.records import Append, Changes, Update
from sheets_schema.values import clean_text, format_datetime, parse_email

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


# -- the demo's storm -----------------------------------------------------------------------------

STORM = (
    (
        "Criticism",
        "X",
        "@GreenfieldLawUK you lost my file twice",
        "Third call this week and nobody knows where my documents are.",
    ),
    (
        "Criticism",
        "Google Alerts",
        "Forum: 'Greenfield Law data leak?'",
        "Clients say they received someone else's letters by email.",
    ),
    (
        "Direct message",
        "Facebook",
        "Message: is my data safe?",
        "I got an email meant for another client. What is going on?",
    ),
    (
        "Criticism",
        "X",
        "@GreenfieldLawUK explain the emails",
        "Got another client's completion statement in my inbox. Not OK.",
    ),
    (
        "Criticism",
        "LinkedIn",
        "Comment on the firm's last post",
        "Maybe fix your email before posting about awards?",
    ),
    (
        "Direct message",
        "X",
        "DM: journalist asking for comment",
        "Local paper: can someone comment on the misdirected emails?",
    ),
    (
        "Criticism",
        "Google Alerts",
        "Review: 'careless with client data'",
        "One star. They sent my divorce papers to a stranger.",
    ),
    (
        "Criticism",
        "X",
        "@GreenfieldLawUK silence is not an answer",
        "Still nothing from the firm about the leaked letters.",
    ),
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


def demo_storm(workspace: Workspace, now: datetime) -> Iterator[str]:
    """Run the demo program through a short storm and print what happened at each step.

    A burst of criticism and direct messages lands in Mentions; ingest-alerts
    notices it and alerts the people on duty (once, however often it runs); the
    coordinator declares a crisis; check-cadence shows the held slots; the next
    morning's brief goes to the crisis team; in the afternoon the crisis ends.
    """
    settings = workspace.settings
    tz = settings.tz
    day = now.astimezone(tz)
    yield "Crisis drill: a storm of criticism, a declared crisis, and the stand-down"
    yield ""

    snapshot = workspace.store.read(("Mentions", "Rota", "Absences", "People"))
    from jobs.sync_forms import next_id_number

    number = next_id_number(snapshot["Mentions"]["id"], "M")
    first = day.replace(hour=9, minute=0, second=0, microsecond=0)
    appends = []
    for k, (kind, source, title, snippet) in enumerate(STORM):
        found = first + timedelta(minutes=11 * k)
        appends.append(
            Append(
                "Mentions",
                {
                    "id": f"M-{number + k:04d}",
                    "found_at": format_datetime(found, tz),
                    "source": source,
                    "kind": kind,
                    "title": title,
                    "snippet": snippet,
                    "url": f"https://social.example/storm/{number + k}",
                    "status": "New",
                },
            )
        )
    workspace.store.apply(Changes(appends=tuple(appends)))
    last = first + timedelta(minutes=11 * (len(STORM) - 1))
    yield (
        f"{first:%a %H:%M}  {len(STORM)} criticisms and direct messages arrive by {last:%H:%M} "
        "(added to Mentions as a coordinator would)"
    )

    steps: list[tuple[str, datetime, str]] = [
        ("ingest-alerts (storm watch)", last + timedelta(minutes=12), "ingest-alerts"),
        ("ingest-alerts again", last + timedelta(minutes=22), "ingest-alerts"),
    ]
    for label, at, name in steps:
        yield from _step(label, at, run_job(workspace, name, at))

    declared = last + timedelta(minutes=35)
    duty = crisis_job.duty_at(
        workspace.store.read(("Rota", "Absences", "People")), declared, settings
    )
    coordinator = duty.on_duty or duty.coordinator
    result = start_crisis(
        workspace,
        declared,
        reason="Misdirected client emails: clients report receiving other clients' letters",
        statement=(
            "We know some clients received emails meant for others. We have stopped the system "
            "involved, are contacting everyone affected and will update here by 5pm."
        ),
        declared_by=coordinator,
    )
    yield from _step("chorus crisis start", declared, result)
    for label, at, name in (
        ("sync-forms", declared + timedelta(minutes=5), "sync-forms"),
        ("check-cadence", declared + timedelta(minutes=6), "check-cadence"),
    ):
        yield from _step(label, at, run_job(workspace, name, at))

    # The storm goes on after the declaration; the coordinator answers as things come in.
    later = [
        Append(
            "Mentions",
            {
                "id": f"M-{number + len(STORM) + k:04d}",
                "found_at": format_datetime(declared + timedelta(minutes=20 * (k + 1)), tz),
                "source": source,
                "kind": kind,
                "title": title,
                "snippet": snippet,
                "url": f"https://social.example/storm/{number + len(STORM) + k}",
                "status": "New",
            },
        )
        for k, (kind, source, title, snippet) in enumerate(STORM[:4])
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

    tomorrow = _next_working_day(day, settings.organisation.working_days)
    morning = datetime.combine(tomorrow.date(), time(8, 30), tz)
    yield from _step("brief (next morning)", morning, run_job(workspace, "brief", morning))
    ended = datetime.combine(tomorrow.date(), time(15, 0), tz)
    yield from _step("chorus crisis end", ended, end_crisis(workspace, ended))
    after = ended + timedelta(minutes=5)
    yield from _step("check-cadence", after, run_job(workspace, "check-cadence", after))

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
