"""The Sent ledger: every message once, only to the right people.

`deliver` is what the runner calls with a plan's messages:

    1. filter   only active People in the organisation's domains; others are reported
    2. resolve  Pending rows an earlier run left behind (crash between send and confirm)
    3. limit    per-run cap (a runaway plan) and daily allowance (spread over days)
    4. intent   ONE write: a Pending row per message about to go (plus Deferred rows)
    5. send     each message through the transport
    6. confirm  ONE write: Sent (or Failed) with the transport's ids

A Message-ID already Sent is never sent again. A copy of each message waits in
a local spool (<config folder>/mail-spool) until it is confirmed, so a
deferred or interrupted message can go out in a later run of any mailing job.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automation.logs import progress
from automation.mail.base import MessageRefused, SendResult, TransportDown
from automation.mail.compose import clean_header_text, compose
from jobs.people import is_active
from sheets_schema.errors import MailError
from sheets_schema.records import Append, Changes, Update
from sheets_schema.values import (
    clean_text,
    format_datetime,
    parse_datetime,
    parse_email,
)

if TYPE_CHECKING:
    import pandas as pd

    from automation.mail.base import Mailer
    from automation.workspace import Workspace
    from jobs.base import OutgoingMessage
    from sheets_schema.settings import Settings

SENT = "Sent"


@dataclass
class DeliveryReport:
    """What the mail layer did with a batch: counts for machines, lines and problems for people."""

    sent: int = 0
    already_sent: int = 0
    skipped: int = 0
    deferred: int = 0
    held: int = 0
    failed: int = 0
    pending: int = 0
    recovered: int = 0
    would_send: int = 0
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """'sent' (or 'would_send' in a dry run) always; the rest when not zero."""
        counts = {"would_send": self.would_send} if self.dry_run else {"sent": self.sent}
        for name in (
            "already_sent",
            "skipped",
            "deferred",
            "held",
            "failed",
            "pending",
            "recovered",
        ):
            value = getattr(self, name)
            if value:
                counts[name] = value
        return counts


@dataclass
class _Item:
    """One message on its way: what the Sent row says and what the transport gets."""

    message_id: str
    job: str
    period: str
    recipient: str
    subject: str
    order: tuple[int, int]
    email_copy: EmailMessage | None = None
    row_status: str = ""  # the Sent row's status before this run ('' when there is no row)
    prepared_id: str = ""
    #: composes the message; called only for messages that are really sent or written,
    #: so a mailing to thousands that is already Sent (or capped) composes nothing
    make: Callable[[], EmailMessage] | None = None

    @property
    def email(self) -> EmailMessage | None:
        if self.email_copy is None and self.make is not None:
            self.email_copy, self.make = self.make(), None
        return self.email_copy

    def row(self, **values: Any) -> dict[str, Any]:
        base = {
            "message_id": self.message_id,
            "job": self.job,
            "period": self.period,
            "recipient": self.recipient,
            "subject": self.subject,
        }
        base.update(values)
        return base


class Spool:
    """Local copies of composed messages between intent and confirmation (one .eml each)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, message_id: str) -> Path:
        return self.folder / (hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml")

    def put(self, message_id: str, msg: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._path(message_id)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(msg.as_bytes(policy=policy.SMTP))
        os.replace(tmp, target)

    def get(self, message_id: str) -> EmailMessage | None:
        path = self._path(message_id)
        if not path.exists():
            return None
        return BytesParser(policy=policy.SMTP).parsebytes(path.read_bytes())  # type: ignore[return-value]

    def drop(self, message_id: str) -> None:
        self._path(message_id).unlink(missing_ok=True)


def spool_for(settings: Settings) -> Spool:
    """The spool beside chorus.toml."""
    return Spool(settings.base_dir / "mail-spool")


def _rows(snapshot: Mapping[str, pd.DataFrame], tab: str) -> list[tuple[int, dict[str, str]]]:
    try:
        frame = snapshot[tab]
    except KeyError:
        return []
    return [
        (int(index), {k: clean_text(v) for k, v in row.items()}) for index, row in frame.iterrows()
    ]


def _people(snapshot: Mapping[str, pd.DataFrame]) -> dict[str, tuple[int, str, bool]]:
    """email -> (sheet row, name, active) from the People tab; unreadable rows are left out."""
    people: dict[str, tuple[int, str, bool]] = {}
    for index, row in _rows(snapshot, "People"):
        try:
            email = parse_email(row.get("email", ""))
        except ValueError:
            continue
        people.setdefault(email, (index, row.get("name", ""), is_active(row.get("active", ""))))
    return people


def _refusal(
    message: OutgoingMessage, people: Mapping[str, tuple[int, str, bool]], settings: Settings
) -> str:
    """Why this message may not be mailed, or '' when it may."""
    try:
        email = parse_email(message.to_email)
    except ValueError:
        return "not an email address"
    if not settings.allows_recipient(email):
        return (
            "outside the organisation's email domains ("
            + ", ".join(settings.organisation.email_domains)
            + ")"
        )
    person = people.get(email)
    if person is None:
        return "not in the People tab"
    if not person[2]:
        return f"not marked Active = Yes in the People tab (row {person[0]})"
    return ""


def _file_name(index: int, item: _Item) -> str:
    stem = f"{index:03d}-{item.job}-{item.period}-{item.recipient}"
    return re.sub(r"[^A-Za-z0-9@._-]+", "-", stem)[:150] + ".eml"


def deliver(
    messages: Iterable[OutgoingMessage],
    *,
    workspace: Workspace,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    dry_run_dir: Path | None = None,
) -> DeliveryReport:
    """Send each message once, only to active People in the organisation's domains.

    `snapshot` must hold the People and Sent tabs as read at the start of the run.
    With `dry_run_dir`, writes the .eml files that would be sent there and
    sends and writes nothing else. Raises MailError when the transport fails
    (after recording what did go out).
    """
    settings = workspace.settings
    report = DeliveryReport(dry_run=dry_run_dir is not None)
    domain = settings.sender_domain
    people = _people(snapshot)
    ledger = {
        row["message_id"]: (index, row)
        for index, row in _rows(snapshot, SENT)
        if row.get("message_id")
    }
    spool = spool_for(settings)

    # 1. filter: who may be mailed at all
    batch: dict[str, _Item] = {}
    for position, message in enumerate(messages):
        reason = _refusal(message, people, settings)
        if reason:
            report.skipped += 1
            who = (
                f"{message.to_name} <{message.to_email}>"
                if message.to_name
                else message.to_email or "(no address)"
            )
            report.problems.append(
                f"not mailed: {who} for {message.job} {message.period}: {reason}"
            )
            continue
        email = parse_email(message.to_email)
        if not message.to_name:
            message = replace(message, to_name=people[email][1])
        message_id = message.message_id(domain)
        if message_id in batch:
            continue  # the plan named the same message twice
        batch[message_id] = _Item(
            message_id,
            message.job,
            message.period,
            email,
            clean_header_text(message.subject)[:300],
            (1, position),
        )
        batch[message_id].make = partial(compose, message, settings, now=now)

    # 2. the ledger: already sent, left Pending by a crash, deferred earlier
    candidates: list[_Item] = []
    resolved: list[Update] = []
    mailer: Mailer | None = None
    for message_id, item in batch.items():
        found = ledger.get(message_id)
        if found is None:
            candidates.append(item)
            continue
        index, row = found
        item.row_status = row.get("status", "").capitalize() or "Pending"
        item.order = (0, index)
        if item.row_status == "Sent":
            report.already_sent += 1
        elif item.row_status != "Pending":  # Failed or Deferred: try again
            candidates.append(item)
    for message_id, (index, row) in ledger.items():
        status = row.get("status", "").capitalize()
        if status not in ("Pending", "Deferred"):
            continue
        in_batch = batch.get(message_id)
        if status == "Deferred" and in_batch is not None:
            continue  # already a candidate above
        # Not planned this run (another job, an earlier period): the spool holds its copy.
        copy = None
        if in_batch is None and dry_run_dir is None:
            copy = spool.get(message_id)
        item = in_batch or _Item(
            message_id,
            row.get("job", ""),
            row.get("period", ""),
            row.get("recipient", ""),
            row.get("subject", ""),
            (0, index),
            copy,
            status,
        )
        if status == "Deferred":
            if item.email is not None:
                candidates.append(item)
            elif dry_run_dir is None:
                report.problems.append(
                    f"Sent tab: {message_id} to {item.recipient} is Deferred but its copy is not in "
                    f"{spool.folder}; it goes out when its job plans it again"
                )
            continue
        item.row_status, item.order = "Pending", (0, index)
        if dry_run_dir is not None:
            report.pending += 1
            report.lines.append(
                f"mail: would check whether Pending {message_id} went out before resending"
            )
            continue
        mailer = mailer or workspace.mailer
        same_transport = row.get("transport", "") == mailer.transport
        verdict = (
            mailer.resolve(message_id, row.get("transport_id", "")) if same_transport else "unknown"
        )
        resend = verdict == "not_sent" or (
            verdict == "unknown"
            and same_transport
            and mailer.transport == "smtp"
            and settings.mail.smtp_resend_pending
        )
        if verdict == "sent":
            report.recovered += 1
            resolved.append(
                Update(SENT, (message_id,), {"status": "Sent", "sent_at": _stamp(now, settings)})
            )
        elif resend and item.email is not None:
            item.prepared_id = row.get("transport_id", "") if verdict == "not_sent" else ""
            candidates.append(item)
        elif resend:
            report.pending += 1
            report.problems.append(
                f"Sent tab: {message_id} to {item.recipient} is Pending, did not go out, and Chorus "
                f"has no copy in {spool.folder}; it goes out when its job plans it again"
            )
        else:
            report.pending += 1
            report.problems.append(
                f"Sent tab: {message_id} to {item.recipient} ({item.subject}) is Pending from an "
                f"interrupted run and {row.get('transport') or 'its transport'} cannot tell whether "
                "it went out; check the sender's Sent folder, then set its Status to Sent (or Failed "
                "to resend), or set mail.smtp_resend_pending = true"
            )
    if report.already_sent:
        report.lines.append(f"mail: {report.already_sent} already sent earlier; not sent again")
    if report.recovered:
        report.lines.append(
            f"mail: {report.recovered} message(s) left Pending by an interrupted run had gone out; marked Sent"
        )

    # 3. limits: the per-run cap first (a runaway plan), then today's allowance
    candidates.sort(key=lambda it: it.order)
    cap = settings.mail.max_per_run
    within, beyond = candidates[:cap], candidates[cap:]
    if beyond:
        report.held = len(beyond)
        report.problems.append(
            f"mail: {len(candidates)} messages in one run is more than mail.max_per_run = {cap}; "
            f"{len(beyond)} not sent (check the job's plan, or raise max_per_run in chorus.toml; "
            "they go out when the job runs again)"
        )
    sent_today = _sent_on(ledger.values(), now, settings)
    room = max(0, settings.mail.daily_allowance - sent_today)
    to_send, deferred = within[:room], within[room:]
    if deferred:
        report.deferred = len(deferred)
        report.lines.append(
            f"mail: {len(deferred)} deferred to a later run: the daily allowance of "
            f"{settings.mail.daily_allowance} (mail.daily_allowance) is used up ({sent_today} sent today)"
        )

    if dry_run_dir is not None:
        dry_run_dir.mkdir(parents=True, exist_ok=True)
        for number, item in enumerate(to_send, start=1):
            assert item.email is not None
            path = dry_run_dir / _file_name(number, item)
            path.write_bytes(item.email.as_bytes(policy=policy.SMTP))
            report.files.append(path)
        report.would_send = len(to_send)
        if to_send:
            report.lines.append(
                f"mail: would send {len(to_send)}; the messages are in {dry_run_dir}"
            )
        return report

    # 4. intent: one write of Pending (and Deferred) rows
    if to_send:
        mailer = mailer or workspace.mailer
    for item in (*to_send, *deferred):
        assert item.email is not None
        spool.put(item.message_id, item.email)
    for item in progress(to_send, len(to_send), "Preparing mail"):
        assert mailer is not None and item.email is not None
        if not item.prepared_id:
            item.prepared_id = mailer.prepare(item.email)
    appends: list[Append] = []
    intent: list[Update] = list(resolved)
    for item in to_send:
        values = {
            "status": "Pending",
            "transport": mailer.transport if mailer else "",
            "transport_id": item.prepared_id,
        }
        if item.row_status:
            intent.append(Update(SENT, (item.message_id,), values))
        else:
            appends.append(Append(SENT, item.row(**values, sent_at="", thread_id="")))
    for item in deferred:
        if not item.row_status:
            appends.append(Append(SENT, item.row(status="Deferred", transport="", transport_id="")))
        elif item.row_status != "Deferred":
            intent.append(Update(SENT, (item.message_id,), {"status": "Deferred"}))
    if appends or intent:
        applied = workspace.store.apply(Changes(appends=tuple(appends), updates=tuple(intent)))
        # A row someone else added meanwhile means someone else is sending it: leave it to them.
        clash = " ".join(applied.skipped)
        to_send = [it for it in to_send if it.row_status or it.message_id not in clash]

    # 5. send, 6. confirm
    confirm: list[Update] = []
    failure: BaseException | None = None
    done: list[str] = []
    try:
        for position, item in enumerate(progress(to_send, len(to_send), "Sending mail")):
            assert mailer is not None and item.email is not None
            try:
                result: SendResult = mailer.send(item.email, item.prepared_id)
            except MessageRefused as exc:
                report.failed += 1
                report.problems.append(f"mail: {item.recipient} ({item.subject}) refused: {exc}")
                confirm.append(Update(SENT, (item.message_id,), {"status": "Failed"}))
                done.append(item.message_id)
                continue
            except TransportDown as exc:
                # Certainly not sent: this one and the rest wait for the next run.
                rest = to_send[position:]
                report.deferred += len(rest)
                confirm.extend(
                    Update(SENT, (it.message_id,), {"status": "Deferred"}) for it in rest
                )
                failure = exc
                break
            except BaseException as exc:
                # It may or may not have gone: it stays Pending and is resolved next run.
                report.pending += 1
                failure = exc
                break
            report.sent += 1
            done.append(item.message_id)
            confirm.append(
                Update(
                    SENT,
                    (item.message_id,),
                    {
                        "status": "Sent",
                        "sent_at": _stamp(now, settings),
                        "transport_id": result.transport_id or item.prepared_id,
                        "thread_id": result.thread_id,
                    },
                )
            )
    finally:
        close = getattr(mailer, "close", None)
        if callable(close):
            close()
        if confirm:
            workspace.store.apply(Changes(updates=tuple(confirm)))
    for message_id in (*done, *(u.key[0] for u in resolved)):
        spool.drop(message_id)

    if report.sent:
        where = f" ({mailer.folder})" if mailer is not None and hasattr(mailer, "folder") else ""
        report.lines.append(
            f"mail: {report.sent} sent via {mailer.transport if mailer else '?'}{where}"
        )
    if failure is not None:
        if isinstance(failure, MailError):
            raise type(failure)(
                f"{failure.message} ({report.sent} sent before it failed, {report.deferred} deferred to the next run)",
                place=failure.place,
                fix=failure.fix,
            ) from failure
        raise failure
    return report


def _stamp(now: datetime, settings: Settings) -> str:
    return format_datetime(now, settings.tz)


def _sent_on(rows: Iterable[tuple[int, dict[str, str]]], now: datetime, settings: Settings) -> int:
    """How many Sent rows were sent on `now`'s day (organisation time)."""
    today = now.astimezone(settings.tz).date()
    count = 0
    for _, row in rows:
        if row.get("status", "").capitalize() != "Sent" or not row.get("sent_at"):
            continue
        try:
            when = parse_datetime(
                row["sent_at"], settings.tz, day_first=settings.organisation.day_first
            )
        except ValueError:
            continue
        if when.date() == today:
            count += 1
    return count
