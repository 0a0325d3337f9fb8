"""The Sent ledger: every message once, only to the right people.

`deliver` is what the runner calls with a plan's messages. Each step below is
a function of its own; each step that writes ends at a named crash point
(automation.crash), so a test can kill the run there and check a re-run:

    1. filter   only active People in the organisation's domains; others are reported
    2. resolve  Pending rows an earlier run left behind (crash between send and confirm);
                then the transport's own record (Maildir, Gmail's Sent mailbox, the SMTP
                journal) for every message about to go (within the per-run cap): one it has
                already sent gets its Sent row back (a person deleted it, or restored an
                older sheet), never a resend
    3. limit    per-run cap (a runaway plan) and daily allowance (spread over days)
    4. intent   ONE write: a Pending row per message about to go (plus Deferred rows)
                    ledger.spooled, ledger.prepared, ledger.pending
    5. send     each message through the transport
                    ledger.sent, after each message
    6. confirm  ONE write: Sent (or Failed) with the transport's ids
                    ledger.confirmed

The state the steps share (each message on its way, the run) is in
automation.mail.delivery. A Message-ID already Sent is never sent again. A copy of each message waits in
a local spool (<config folder>/mail-spool) until it is confirmed, so a
deferred or interrupted message can go out in a later run of any mailing job;
the copies of confirmed messages that a killed run left there go in the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from email import policy
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from automation import crash
from automation.logs import progress
from automation.mail.archived import without_archived
from automation.mail.base import MessageRefused, SendResult, TransportDown
from automation.mail.compose import clean_header_text, draft
from automation.mail.delivery import Delivery, Found, Item, Sending, composed
from automation.mail.recipients import people_by_email, refusal
from automation.mail.report import DeliveryReport as DeliveryReport
from automation.mail.sent_tab import sent_tab
from automation.mail.spool import spool_for
from sheets_schema.errors import MailError
from sheets_schema.records import Append, Changes, Update
from sheets_schema.values import parse_email

if TYPE_CHECKING:
    import pandas as pd

    from automation.workspace import Workspace
    from jobs.base import OutgoingMessage

SENT = "Sent"


def _file_name(index: int, item: Item) -> str:
    stem = f"{index:03d}-{item.job}-{item.period}-{item.recipient}"
    return re.sub(r"[^A-Za-z0-9@._-]+", "-", stem)[:150] + ".eml"


def deliver(
    messages: Iterable[OutgoingMessage],
    *,
    workspace: Workspace,
    snapshot: Mapping[str, pd.DataFrame],
    now: datetime,
    dry_run_dir: Path | None = None,
    job: str = "",
) -> DeliveryReport:
    """Send each message once, only to active People in the organisation's domains.

    `snapshot` must hold the People and Sent tabs as read at the start of the run.
    With `dry_run_dir`, writes the .eml files that would be sent there and
    sends and writes nothing else. `job` is the job whose plan named `messages`:
    its Deferred rows without a copy that the plan no longer names become
    Expired. Raises MailError when the transport fails (after recording what did go out).
    """
    ledger = sent_tab(snapshot)  # indexed once; a row's text is made when it is looked up
    run = Delivery(
        workspace,
        now,
        ledger,
        spool_for(workspace.settings),
        DeliveryReport(dry_run=dry_run_dir is not None),
        dry_run_dir,
        job=job,
    )
    batch = without_archived(run, _admit(run, messages, people_by_email(snapshot)), snapshot)
    found = _consult_ledger(run, batch)
    if dry_run_dir is None:
        _ask_transport(run, found)
    to_send, deferred, held = _limit(run, found.candidates)
    if dry_run_dir is not None:
        return _write_dry_run(run, to_send, dry_run_dir)
    to_send = _record_intent(run, to_send, deferred, found, held)
    sending = _send_and_confirm(run, to_send)
    return _finish(run, sending, found)


def tidy_spool(workspace: Workspace, snapshot: Mapping[str, pd.DataFrame]) -> None:
    """For a run that sends nothing: drop the spool copies a killed run left of messages now Sent.

    The Sent tab is looked at (and read, if the run did not) only when the spool holds copies.
    """

    def sent() -> Iterator[str]:
        tabs = snapshot if SENT in snapshot else workspace.store.read((SENT,))
        yield from sent_tab(tabs).sent_ids()

    spool_for(workspace.settings).tidy(sent())


# -- 1. filter ---------------------------------------------------------------------------------


def _admit(
    run: Delivery,
    messages: Iterable[OutgoingMessage],
    people: Mapping[str, tuple[int, str, bool]],
) -> dict[str, Item]:
    """Step 1: the messages that may be mailed at all, once each by Message-ID; the rest reported."""
    settings = run.settings
    domain = settings.sender_domain
    batch: dict[str, Item] = {}
    for position, message in enumerate(messages):
        reason = refusal(message, people, settings)
        if reason:
            run.report.skipped += 1
            who = (
                f"{message.to_name} <{message.to_email}>"
                if message.to_name
                else message.to_email or "(no address)"
            )
            run.report.problems.append(
                f"not mailed: {who} for {message.job} {message.period}: {reason}"
            )
            continue
        email = parse_email(message.to_email)
        if not message.to_name:
            message = replace(message, to_name=people[email][1])
        message_id = message.message_id(domain)
        if message_id in batch:
            continue  # the plan named the same message twice
        batch[message_id] = Item(
            message_id,
            message.job,
            message.period,
            email,
            clean_header_text(message.subject)[:300],
            (1, position),
            make=partial(draft, message, settings, now=run.now),
        )
    return batch


# -- 2. resolve --------------------------------------------------------------------------------


def _consult_ledger(run: Delivery, batch: Mapping[str, Item]) -> Found:
    """Step 2: skip what is already Sent, retry Failed and Deferred, settle Pending rows.

    Rows of messages this run did not plan (another job, an earlier period) are
    finished too, from the spool's copy.
    """
    found = Found()
    for message_id, item in batch.items():
        seen = run.ledger.get(message_id)
        if seen is None:
            found.candidates.append(item)
            continue
        index, row = seen
        item.row_status = row.get("status", "").capitalize() or "Pending"
        item.order = (0, index)
        if item.row_status == "Sent":
            run.report.already_sent += 1
        elif item.row_status != "Pending":  # Failed or Deferred: try again
            found.candidates.append(item)
    latest = max((it.period for it in batch.values() if it.job == run.job), default="")
    for message_id, (index, row) in run.ledger.open_items():
        status = row.get("status", "").capitalize()
        planned = batch.get(message_id)
        if status == "Deferred" and planned is None:
            item = _unplanned(run, message_id, index, row, status)
            _retry_deferred(run, item, found, later=_later_period(item.period, latest))
        elif status == "Pending":
            item = planned or _unplanned(run, message_id, index, row, status)
            _settle_pending(run, item, index, row, found)
    report = run.report
    report.add_expired((item.job, item.period) for item in found.expired)
    for job, count in sorted(report.waiting.items()):
        report.lines.append(
            f"mail: {count} Deferred {job} message(s) wait for {job}'s next run (`chorus deliver`)"
        )
    if report.already_sent:
        report.lines.append(f"mail: {report.already_sent} already sent earlier; not sent again")
    if report.recovered:
        report.lines.append(
            f"mail: {report.recovered} message(s) left Pending by an interrupted run had gone out; marked Sent"
        )
    return found


def _unplanned(
    run: Delivery, message_id: str, index: int, row: Mapping[str, str], status: str
) -> Item:
    """An item for a Sent row this run did not plan, with the spool's copy (none in a dry run)."""
    copy = run.spool.get(message_id) if run.dry_run_dir is None else None
    return Item(
        message_id,
        row.get("job", ""),
        row.get("period", ""),
        row.get("recipient", ""),
        row.get("subject", ""),
        (0, index),
        copy,
        status,
    )


#: how a period named by its date begins: a year, then a month, a day or a week ("2026-W49")
_DATED = re.compile(r"\d{4}-[\dW]")


def _later_period(period: str, latest: str) -> bool:
    """Whether a dated period ("2026-W49", "2026-12", "2026-12-07") comes after the latest this
    run planned: a run `--at` an earlier time cannot judge the present period's held mail."""
    return (
        bool(latest)
        and bool(_DATED.match(period))
        and bool(_DATED.match(latest))
        and period > latest
    )


def _retry_deferred(run: Delivery, item: Item, found: Found, *, later: bool = False) -> None:
    """A Deferred message of another job or period goes again when the spool has its copy;
    one never composed waits for its own job's next run, and expires when that run (this
    one) no longer plans it: its period has passed, or the person no longer gets it. One of
    a later period than this run planned (a run `--at` a past time) waits."""
    if item.email is not None:
        found.candidates.append(item)
    elif run.dry_run_dir is not None:
        return
    elif run.job and item.job == run.job and not later:
        found.expired.append(item)
    else:
        run.report.waiting[item.job] = run.report.waiting.get(item.job, 0) + 1


def _settle_pending(
    run: Delivery, item: Item, index: int, row: Mapping[str, str], found: Found
) -> None:
    """A row left Pending by an interrupted run: the transport says whether it went out."""
    item.row_status, item.order = "Pending", (0, index)
    report = run.report
    if run.dry_run_dir is not None:
        report.pending += 1
        report.lines.append(
            f"mail: would check whether Pending {item.message_id} went out before resending"
        )
        return
    mailer = run.mailer()
    same_transport = row.get("transport", "") == mailer.transport
    verdict = (
        mailer.resolve(item.message_id, row.get("transport_id", ""))
        if same_transport
        else "unknown"
    )
    resend = verdict == "not_sent" or (
        verdict == "unknown"
        and same_transport
        and mailer.transport == "smtp"
        and run.settings.mail.smtp_resend_pending
    )
    if verdict == "sent":
        report.recovered += 1
        found.resolved.append(
            Update(SENT, (item.message_id,), {"status": "Sent", "sent_at": run.stamp()})
        )
    elif resend and item.email is not None:
        item.prepared_id = row.get("transport_id", "") if verdict == "not_sent" else ""
        found.candidates.append(item)
    elif resend:
        report.pending += 1
        report.problems.append(
            f"Sent tab: {item.message_id} to {item.recipient} is Pending, did not go out, and "
            f"Chorus has no copy in {run.spool.folder}; it goes out when its job plans it again"
        )
    else:
        report.pending += 1
        report.problems.append(
            f"Sent tab: {item.message_id} to {item.recipient} ({item.subject}) is Pending from an "
            f"interrupted run and {row.get('transport') or 'its transport'} cannot tell whether "
            "it went out; check the sender's Sent folder, then set its Status to Sent (or Failed "
            "to resend), or set mail.smtp_resend_pending = true"
        )


def _ask_transport(run: Delivery, found: Found) -> None:
    """Step 2, last: the transport's own record decides before anything goes; a message it
    has already sent is not sent again, and its Sent row comes back (status Sent).

    Asked only until the per-run cap is filled: the rest are held unsent this run, and
    asking for each of thousands (a Maildir listing, a Gmail search) cost more than the run.
    """
    if not found.candidates:
        return
    mailer, still = run.mailer(), list[Item]()
    found.candidates.sort(key=lambda it: it.order)  # the order step 3 takes them in
    for item in found.candidates:
        if len(still) >= run.settings.mail.max_per_run:
            still.append(item)  # held by the cap: asked when its turn comes
            continue
        if item.row_status == "Pending" or mailer.delivered(item.message_id) is not True:
            still.append(item)
            continue
        run.report.restored += 1
        values = {"status": "Sent", "sent_at": run.stamp(), "transport": mailer.transport}
        if item.row_status:
            found.resolved.append(Update(SENT, (item.message_id,), values))
        else:
            found.restored.append(Append(SENT, item.row(**values, transport_id="", thread_id="")))
    found.candidates = still
    if run.report.restored:
        run.report.lines.append(
            f"mail: {run.report.restored} message(s) the Sent tab did not show as sent had "
            f"already gone out ({mailer.transport}'s own record); not sent again, rows restored"
        )


# -- 3. limit ----------------------------------------------------------------------------------


def _limit(run: Delivery, candidates: list[Item]) -> tuple[list[Item], list[Item], list[Item]]:
    """Step 3: (to send now, deferred by today's allowance, held by the per-run cap).

    Held messages are not composed: they get a Deferred row (so `chorus status`
    shows them waiting) and go out when their job runs again in the period
    (`chorus deliver` runs it).
    """
    report, mail = run.report, run.settings.mail
    candidates.sort(key=lambda it: it.order)
    cap = mail.max_per_run
    within, beyond = candidates[:cap], candidates[cap:]
    if beyond:
        report.held = len(beyond)
        # Said as a problem when the run first holds them; already waiting, it is news no more.
        fresh = any(item.row_status != "Deferred" for item in beyond)
        (report.problems if fresh else report.lines).append(
            f"mail: {len(candidates)} messages in one run is more than mail.max_per_run = {cap}; "
            f"{len(beyond)} wait, marked Deferred in the Sent tab (they go out in the next runs: "
            "`chorus deliver`; or raise max_per_run in chorus.toml)"
        )
    sent_today = run.ledger.sent_on(run.now, run.settings)
    room = max(0, mail.daily_allowance - sent_today)
    to_send, deferred = within[:room], within[room:]
    if deferred:
        report.deferred = len(deferred)
        report.lines.append(
            f"mail: {len(deferred)} deferred to a later run: the daily allowance of "
            f"{mail.daily_allowance} (mail.daily_allowance) is used up ({sent_today} sent today)"
        )
    return to_send, deferred, beyond


def _write_dry_run(run: Delivery, to_send: list[Item], folder: Path) -> DeliveryReport:
    """A dry run stops after the limits: the messages that would go, as .eml files in `folder`."""
    report = run.report
    folder.mkdir(parents=True, exist_ok=True)
    for number, item in enumerate(to_send, start=1):
        path = folder / _file_name(number, item)
        path.write_bytes(composed(item).as_bytes(policy=policy.SMTP))
        report.files.append(path)
    report.would_send = len(to_send)
    if to_send:
        report.lines.append(f"mail: would send {len(to_send)}; the messages are in {folder}")
    return report


# -- 4. intent ---------------------------------------------------------------------------------


def _record_intent(
    run: Delivery,
    to_send: list[Item],
    deferred: list[Item],
    found: Found,
    held: Sequence[Item] = (),
) -> list[Item]:
    """Step 4: spool a copy of each message, let the transport prepare it, then ONE write of
    the Pending (and Deferred) rows and the Pending rows found sent. Returns what may go now.
    """
    transport = run.mailer().transport if to_send else ""
    for item in to_send:  # every text first: charts drawn ahead are ready for the first image
        item.render()
    for item in to_send:
        run.spool.put(item.message_id, composed(item))
    for item in deferred:
        if item.row_status == "Deferred" and item.email_copy is None:
            continue  # waiting already, and its job plans it again: composing it again is waste
        run.spool.put(item.message_id, composed(item))
    if to_send or deferred:
        crash.reached("ledger.spooled")
    for item in progress(to_send, len(to_send), "Preparing mail"):
        if not item.prepared_id:
            item.prepared_id = run.mailer().prepare(composed(item))
    if to_send:
        crash.reached("ledger.prepared")
    changes = _intent(to_send, [*deferred, *held], found, transport)
    if not changes:
        return to_send
    applied = run.workspace.store.apply(changes)
    crash.reached("ledger.pending")
    # A row someone else added meanwhile means someone else is sending it: leave it to them.
    clash = " ".join(applied.skipped)
    return [it for it in to_send if it.row_status or it.message_id not in clash]


def _intent(to_send: list[Item], deferred: list[Item], found: Found, transport: str) -> Changes:
    """The intent write: Pending rows for what goes now, Deferred rows for what waits, and
    the rows of messages found already sent."""
    appends: list[Append] = list(found.restored)
    updates: list[Update] = list(found.resolved)
    updates += (Update(SENT, (item.message_id,), {"status": "Expired"}) for item in found.expired)
    for item in to_send:
        values = {"status": "Pending", "transport": transport, "transport_id": item.prepared_id}
        if item.row_status:
            updates.append(Update(SENT, (item.message_id,), values))
        else:
            appends.append(Append(SENT, item.row(**values, sent_at="", thread_id="")))
    for item in deferred:
        if not item.row_status:
            appends.append(Append(SENT, item.row(status="Deferred", transport="", transport_id="")))
        elif item.row_status != "Deferred":
            updates.append(Update(SENT, (item.message_id,), {"status": "Deferred"}))
    return Changes(appends=tuple(appends), updates=tuple(updates))


# -- 5. send, 6. confirm -----------------------------------------------------------------------


def _send_and_confirm(run: Delivery, to_send: list[Item]) -> Sending:
    """Steps 5 and 6: each message through the transport, then ONE write of what happened.

    The write happens however sending ended, so what did go out is always recorded.
    """
    sending = Sending()
    try:
        for position, item in enumerate(progress(to_send, len(to_send), "Sending mail")):
            mailer, email = run.mailer(), composed(item)
            try:
                result = mailer.send(email, item.prepared_id)
            except MessageRefused as exc:
                run.report.failed += 1
                run.report.problems.append(
                    f"mail: {item.recipient} ({item.subject}) refused: {exc}"
                )
                sending.confirm.append(Update(SENT, (item.message_id,), {"status": "Failed"}))
                sending.done.append(item.message_id)
                continue
            except TransportDown as exc:
                # Certainly not sent: this one and the rest wait for the next run.
                rest = to_send[position:]
                run.report.deferred += len(rest)
                sending.confirm.extend(
                    Update(SENT, (it.message_id,), {"status": "Deferred"}) for it in rest
                )
                sending.failure = exc
                break
            except BaseException as exc:
                # It may or may not have gone: it stays Pending and is resolved next run.
                run.report.pending += 1
                sending.failure = exc
                break
            _confirm_sent(run, item, result, sending)
            crash.reached("ledger.sent")
    finally:
        close = getattr(run.used_mailer, "close", None)
        if callable(close):
            close()
        if sending.confirm:
            run.workspace.store.apply(Changes(updates=tuple(sending.confirm)))
            crash.reached("ledger.confirmed")
    return sending


def _confirm_sent(run: Delivery, item: Item, result: SendResult, sending: Sending) -> None:
    """Count a message the transport accepted and queue its Sent row with the transport's ids."""
    run.report.sent += 1
    sending.done.append(item.message_id)
    sending.confirm.append(
        Update(
            SENT,
            (item.message_id,),
            {
                "status": "Sent",
                "sent_at": run.stamp(),
                "transport_id": result.transport_id or item.prepared_id,
                "thread_id": result.thread_id,
            },
        )
    )


def _finish(run: Delivery, sending: Sending, found: Found) -> DeliveryReport:
    """Drop the spool's copies of finished messages, say what went, raise what stopped it."""
    restored = (str(a.row["message_id"]) for a in found.restored)
    for message_id in (*sending.done, *(u.key[0] for u in found.resolved), *restored):
        run.spool.drop(message_id)
    run.spool.tidy(run.ledger.sent_ids())
    report, mailer = run.report, run.used_mailer
    if report.sent:
        folder = getattr(mailer, "folder", None)
        where = f" ({folder})" if folder is not None else ""
        report.lines.append(
            f"mail: {report.sent} sent via {mailer.transport if mailer else '?'}{where}"
        )
    failure = sending.failure
    if failure is None:
        return report
    if isinstance(failure, MailError):
        raise type(failure)(
            f"{failure.message} ({report.sent} sent before it failed, {report.deferred} deferred to the next run)",
            place=failure.place,
            fix=failure.fix,
        ) from failure
    raise failure
