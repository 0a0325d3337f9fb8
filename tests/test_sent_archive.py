"""Mail of long-closed periods moves from Sent to the Sent archive, once a month, and is
still never sent twice: a year of mail no longer slows every mailing run."""

from __future__ import annotations

import mailbox
import os
import signal
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from automation import crash
from automation.runner import run_job
from automation.store.gsheets import SheetsStore
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.sent_archive import STATE_KEY, cutoff_for, period_end
from sheets_schema.records import Append, Changes, Snapshot, Update
from tests.conftest import TZ, make_settings
from tests.google_store_factory import google_store

NOW = datetime(2026, 12, 2, 8, 30, tzinfo=TZ)  # a Wednesday
PEOPLE = [
    {"name": "Ann Archer", "email": "ann@example.org", "active": "Yes"},
    {"name": "Bob Baker", "email": "bob@example.org", "active": "Yes"},
]


def mail_job(period: str | None = None) -> Job:
    """A mailing job: Ann's note for the week the run is in (or for `period`)."""

    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        week = period or f"{now.astimezone(TZ):%G-W%V}"
        note = OutgoingMessage(
            job="note",
            period=week,
            to_email="ann@example.org",
            to_name="Ann Archer",
            subject=f"Your note for {week}",
            template="_layout",
            context={"why": "you asked for it."},
        )
        return Plan(changes=Changes(), messages=(note,), report=Report())

    return Job("note", "a weekly note to Ann", ("People",), plan)


def row(
    period: str, status: str = "Sent", job: str = "note", to: str = "ann@example.org"
) -> dict[str, str]:
    """A Sent row as the ledger leaves it, with the Message-ID the job would give it."""
    message = OutgoingMessage(job, period, to, "", f"Your {job} for {period}", "_layout", {})
    return {
        "message_id": message.message_id("example.org"),
        "job": job,
        "period": period,
        "recipient": to,
        "subject": f"Your {job} for {period}",
        "sent_at": "2026-06-01 08:30",
        "transport": "outbox",
        "status": status,
    }


#: weeks and months of the year before NOW, and rows the move must leave where they are
OLD_WEEKS = [f"2026-W{w:02d}" for w in range(10, 39)]  # March to September
HISTORY = [
    *(row(w) for w in OLD_WEEKS),
    row("2026-08", job="digest"),
    row("2026-10-31", job="brief"),  # ends the day before the cutoff: moves
    row("2026-11-01", job="brief"),  # the cutoff's own day: stays
    row("2026-W44"),  # 26 October - 1 November: ends on the cutoff, stays
    row("2026-W20", status="Failed", to="bob@example.org"),  # the ledger retries Failed
    row("2026-W21", status="Expired", to="bob@example.org"),
    row("item", job="thanks"),  # a period not named by its date, sent in June: moves
    {**row("item", job="thanks", to="bob@example.org"), "sent_at": "2026-11-20 09:00"},  # stays
    {**row("welcome", job="welcome"), "sent_at": "sometime in spring"},  # unreadable: stays
    row("INC-7", job="crisis"),  # a crisis's all-clear reads who got its mail: stays
    row("2026-11", job="digest"),
]
MOVED = len(OLD_WEEKS) + 3


def workspace(tmp_path: Path, backend: str, history: list[dict[str, str]]) -> Workspace:
    if backend == "google":
        store: Any = google_store(tmp_path)
    else:
        store = XlsxStore(tmp_path / "workbook.xlsx")
        store.ensure_tabs()
    rows = [("People", p) for p in PEOPLE] + [("Sent", r) for r in history]
    store.apply(Changes(appends=tuple(Append(tab, r) for tab, r in rows)))
    settings = make_settings(tmp_path)
    return Workspace(settings, store, google=getattr(store, "services", None))


def tabs(ws: Workspace) -> tuple[list[str], list[str], dict[str, str]]:
    read = ws.store.read(("Sent", "Sent archive", "State"))
    state = dict(zip(read["State"]["key"], read["State"]["value"], strict=True))
    return list(read["Sent"]["period"]), list(read["Sent archive"]["period"]), state


def outbox(tmp_path: Path) -> list[str]:
    return sorted(str(m["Subject"]) for m in mailbox.Maildir(tmp_path / "outbox", create=True))


def test_a_period_named_by_its_date_ends_on_its_last_day() -> None:
    assert period_end("2026-09-14") == date(2026, 9, 14)
    assert period_end("2026-W36") == date(2026, 9, 6)  # ISO week 36 of 2026 ends Sunday 6 Sep
    assert period_end("2026-02") == date(2026, 2, 28)
    assert period_end("2026") == date(2026, 12, 31)
    assert [period_end(p) for p in ("item", "welcome", "2026-13", "2026-W54", "")] == [None] * 5


def test_the_cutoff_is_the_first_of_the_month_so_many_whole_months_back() -> None:
    assert cutoff_for(date(2026, 12, 2), 2) == date(2026, 10, 1)
    assert cutoff_for(date(2026, 1, 31), 2) == date(2025, 11, 1)
    assert cutoff_for(date(2026, 12, 2), 0) is None


@pytest.mark.parametrize("backend", ["workbook", "google"])
def test_a_mailing_run_moves_closed_periods_sent_mail_once_a_month(
    tmp_path: Path, backend: str
) -> None:
    ws = workspace(tmp_path, backend, HISTORY)

    first = run_job(ws, "note", NOW, job=mail_job())

    assert first.outcome == "ok", first.problems
    assert f"sent: {MOVED} message(s) of periods that ended before 2026-11-01 moved" in " ".join(
        first.lines
    )
    sent, archive, state = tabs(ws)
    assert archive == [*OLD_WEEKS, "2026-08", "2026-10-31", "item"]
    assert sent == [
        "2026-11-01",
        "2026-W44",
        "2026-W20",
        "2026-W21",
        "item",
        "welcome",
        "INC-7",
        "2026-11",
        "2026-W49",
    ]
    assert state[STATE_KEY] == "2026-11-01"
    assert outbox(tmp_path) == ["Your note for 2026-W49"]

    again = run_job(ws, "note", NOW + timedelta(days=1), job=mail_job())
    assert not any(line.startswith("sent:") for line in again.lines)  # done for this month
    assert tabs(ws)[:2] == (sent, archive)
    next_month = run_job(ws, "note", datetime(2027, 1, 4, 8, 30, tzinfo=TZ), job=mail_job())
    assert "moved to the Sent archive tab" in " ".join(next_month.lines)  # November's now
    sent, archive, state = tabs(ws)
    assert state[STATE_KEY] == "2026-12-01"
    assert {"2026-W44", "2026-11-01", "2026-11"} <= set(archive) and "2026-W44" not in sent


@pytest.mark.parametrize("backend", ["workbook", "google"])
def test_a_run_at_a_past_time_finds_its_archived_message_and_does_not_send_it_again(
    tmp_path: Path, backend: str
) -> None:
    ws = workspace(tmp_path, backend, HISTORY)
    run_job(ws, "note", NOW, job=mail_job())
    assert "2026-W30" in tabs(ws)[1]

    past = run_job(ws, "note", datetime(2026, 7, 21, 8, 30, tzinfo=TZ), job=mail_job())

    assert past.counts.get("sent", 0) == 0 and past.counts.get("already_sent") == 1
    assert outbox(tmp_path) == ["Your note for 2026-W49"]
    # a past period that never had its mail is sent: the archive is asked, not trusted blindly
    never = run_job(ws, "note", NOW, job=mail_job(period="2026-W05"))
    assert never.counts.get("sent") == 1
    assert outbox(tmp_path) == ["Your note for 2026-W05", "Your note for 2026-W49"]


def test_sent_months_zero_keeps_every_row_in_sent(tmp_path: Path) -> None:
    ws = workspace(tmp_path, "workbook", HISTORY)
    ws = Workspace(make_settings(tmp_path, history={"sent_months": 0}), ws.store)
    run_job(ws, "note", NOW, job=mail_job())
    sent, archive, state = tabs(ws)
    assert len(sent) == len(HISTORY) + 1 and archive == [] and STATE_KEY not in state


def test_a_workbook_made_before_the_archive_tab_gets_it_at_its_first_move(tmp_path: Path) -> None:
    ws = workspace(tmp_path, "workbook", HISTORY)
    store = ws.store
    assert isinstance(store, XlsxStore)
    without_archive(store.path)
    assert "Sent archive" not in store.read(("Sent", "Sent archive"))

    result = run_job(ws, "note", NOW, job=mail_job())

    assert result.outcome == "ok", result.problems
    assert len(tabs(ws)[1]) == MOVED


def test_a_spreadsheet_made_before_the_archive_tab_gets_it_at_its_first_move(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path, "google", HISTORY)
    store: Any = ws.store
    sheet_id = store._sheet_id("Sent archive")
    store.http.batch_update(
        store.spreadsheet_id, {"requests": [{"deleteSheet": {"sheetId": sheet_id}}]}
    )
    store = SheetsStore(store.services, store.spreadsheet_id, lock_dir=tmp_path)  # a new run
    ws = Workspace(ws.settings, store, google=store.services)
    assert "Sent archive" not in store.read(("Sent archive",))

    result = run_job(ws, "note", NOW, job=mail_job())

    assert result.outcome == "ok", result.problems
    assert len(tabs(ws)[1]) == MOVED
    past = run_job(ws, "note", datetime(2026, 7, 21, 8, 30, tzinfo=TZ), job=mail_job())
    assert past.counts.get("already_sent") == 1


def without_archive(path: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    del book["Sent archive"]
    book.save(path)


def _killed_run(tmp_path: Path, point: str) -> None:
    """In a forked child: the month's first mailing run, killed at `point`."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        os.environ[crash.ENV] = point
        try:
            store = XlsxStore(tmp_path / "workbook.xlsx")
            run_job(Workspace(make_settings(tmp_path), store), "note", NOW, job=mail_job())
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def test_a_run_killed_between_the_copy_and_the_deletes_loses_nothing_and_copies_nothing_twice(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path, "workbook", HISTORY)
    _killed_run(tmp_path, "sent.copied")
    sent, archive, state = tabs(ws)
    assert len(archive) == MOVED and len(sent) == len(HISTORY) + 1  # in both tabs for now
    assert state[STATE_KEY] == "2026-11-01"

    # the rows are found in Sent meanwhile: a past run sends nothing again
    past = run_job(ws, "note", datetime(2026, 7, 21, 8, 30, tzinfo=TZ), job=mail_job())
    assert past.counts.get("already_sent") == 1
    run_job(ws, "note", datetime(2027, 1, 4, 8, 30, tzinfo=TZ), job=mail_job())

    read = ws.store.read(("Sent", "Sent archive"))
    archived = list(read["Sent archive"]["message_id"])
    # November's three rows joined, and Bob's thank-you of 20 November
    assert len(archived) == len(set(archived)) == MOVED + 4
    assert not set(read["Sent"]["message_id"]) & set(read["Sent archive"]["message_id"])
    assert outbox(tmp_path) == ["Your note for 2026-W49", "Your note for 2027-W01"]


def test_the_monthly_record_of_a_long_closed_month_keeps_its_mail(tmp_path: Path) -> None:
    ws = workspace(tmp_path, "workbook", [{**row("2026-W27"), "sent_at": "2026-07-01 08:30"}])
    run_job(ws, "note", NOW, job=mail_job())
    assert tabs(ws)[1] == ["2026-W27"]

    record = run_job(ws, "archive", NOW, gather=lambda *a: _month("2026-07"))

    sent_csv = next(f for f in record.plan.archive_files if f.name == "sent.csv")  # type: ignore[union-attr]
    assert "2026-W27" in sent_csv.content.decode()


def _month(month: str) -> Any:
    from jobs.archive import ArchiveInputs

    return ArchiveInputs(month=month)


def test_a_state_day_typed_over_still_guards_the_archive_and_is_written_again(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path, "workbook", HISTORY)
    run_job(ws, "note", NOW, job=mail_job())
    ws.store.apply(Changes(updates=(Update("State", (STATE_KEY,), {"value": "last autumn"}),)))

    past = run_job(ws, "note", datetime(2026, 7, 21, 8, 30, tzinfo=TZ), job=mail_job())

    assert past.counts.get("sent", 0) == 0 and past.counts.get("already_sent") == 1
    run_job(ws, "note", NOW + timedelta(days=1), job=mail_job())
    assert tabs(ws)[2][STATE_KEY] == "2026-11-01"  # the next mailing run wrote the day again


def thanks_job(to: str = "ann@example.org") -> Job:
    """A thank-you with no dated period, as jobs/thanks.py plans one again when its Queue
    row looks new (a Published At moved): the same Message-ID as the row sent in June."""

    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        note = OutgoingMessage("thanks", "item", to, "", "Your thanks for item", "_layout", {})
        return Plan(changes=Changes(), messages=(note,), report=Report())

    return Job("thanks", "a thank-you", ("People",), plan)


def index_of(ws: Workspace) -> Any:
    from jobs.sent_archive import undated_index

    return undated_index(ws.store.read(("State",))["State"])


@pytest.mark.parametrize("backend", ["workbook", "google"])
def test_a_thank_you_moved_to_the_archive_is_not_sent_again_and_a_new_one_reads_no_archive(
    tmp_path: Path, backend: str
) -> None:
    ws = workspace(tmp_path, backend, HISTORY)
    run_job(ws, "note", NOW, job=mail_job())
    june = row("item", job="thanks")["message_id"]
    assert june in set(ws.store.read(("Sent archive",))["Sent archive"]["message_id"])
    assert june not in set(ws.store.read(("Sent",))["Sent"]["message_id"])

    again = run_job(ws, "thanks", NOW + timedelta(days=1), job=thanks_job())

    assert again.counts.get("sent", 0) == 0 and again.counts.get("already_sent") == 1
    assert outbox(tmp_path) == ["Your note for 2026-W49"]
    # the index holds June's thank-you, so the archive is asked for it; a thank-you never
    # sent is not in the index, so the ledger sends it without reading the archive
    index = index_of(ws)
    new = OutgoingMessage("thanks", "item", "cy@example.org", "", "", "_layout", {})
    assert index.may_hold(june) and not index.may_hold(new.message_id("example.org"))
    bob = run_job(ws, "thanks", NOW + timedelta(days=1), job=thanks_job("bob@example.org"))
    assert bob.counts.get("already_sent") == 1  # Bob's of 20 November is still in Sent


def test_an_index_typed_over_still_guards_the_archive_and_is_made_again(tmp_path: Path) -> None:
    from jobs import sent_index

    ws = workspace(tmp_path, "workbook", HISTORY)
    run_job(ws, "note", NOW, job=mail_job())
    typed = Update("State", (sent_index.STATE_KEY,), {"value": "ask Ann"})
    ws.store.apply(Changes(updates=(typed,)))
    assert index_of(ws).unreadable

    again = run_job(ws, "thanks", NOW + timedelta(days=1), job=thanks_job())

    assert again.counts.get("sent", 0) == 0 and again.counts.get("already_sent") == 1
    assert not index_of(ws).unreadable  # that mailing run made it again from the archive
    assert "sent: State's record of the Sent archive tab, typed over, written again" in again.lines
    assert index_of(ws).may_hold(row("item", job="thanks")["message_id"])
    assert outbox(tmp_path) == ["Your note for 2026-W49"]


def test_an_old_workbook_whose_archive_holds_no_undated_mail_gets_its_index_at_the_next_move(
    tmp_path: Path,
) -> None:
    # a workbook a Chorus that moved dated mail only left: the day in State, no index
    old = [r for r in HISTORY if r["job"] not in ("thanks", "welcome")]
    ws = workspace(tmp_path, "workbook", old)
    run_job(ws, "note", datetime(2026, 11, 2, 8, 30, tzinfo=TZ), job=mail_job())
    assert not index_of(ws).present
    ws.store.apply(Changes(appends=(Append("Sent", row("item", job="thanks")),)))

    run_job(ws, "note", NOW, job=mail_job())

    assert index_of(ws).may_hold(row("item", job="thanks")["message_id"])
    assert run_job(ws, "thanks", NOW, job=thanks_job()).counts.get("already_sent") == 1
