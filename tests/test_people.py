"""People: one answer to "is this person active", and the lookups every job shares.

A blank Active cell is Yes (the column's help: "No means never mailed"); an
unreadable one ("Yse") is No, and `chorus validate` names both. The five places
that used to decide it on their own (the rota, the figures, crisis mode,
ingest-inbox and the Sent ledger) now give that one answer.
"""

from __future__ import annotations

import mailbox
from datetime import date, datetime
from email import message_from_bytes, policy
from email.policy import SMTP
from pathlib import Path

import pandas as pd
import pytest

from automation.mail.ledger import deliver
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs import ingest_inbox
from jobs.base import OutgoingMessage
from jobs.crisis.messages import staff_messages
from jobs.people import (
    Person,
    active_people,
    by_email,
    inactive_reason,
    is_active,
    managers,
    managers_of,
    person_name,
    staff,
)
from jobs.rota import on_duty
from sheets_schema.records import Append, Changes, Snapshot, frame_from_rows
from sheets_schema.tabs import TABS
from sheets_schema.validate import validate_tab
from tests.conftest import TZ, make_settings
from tests.test_mail_text import newsletter_forward

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)  # a Tuesday
PEOPLE = [
    {
        "name": "Ann Archer",
        "email": "ann@example.org",
        "roles": "Coordinator, Staff",
        "active": "Yes",
    },
    {"name": "Bob Blank", "email": "bob@example.org", "roles": "Backup, Staff", "active": ""},
    {"name": "Cat Typo", "email": "cat@example.org", "roles": "Staff, Manager", "active": "Yse"},
    {"name": "Dan Done", "email": "dan@example.org", "roles": "Staff, Manager", "active": "No"},
    {
        "name": "Eve Boss",
        "email": "Eve@Example.org",
        "roles": "Manager",
        "active": "y",
        "manager_email": "",
    },
    {"name": "Fay Field", "email": "mailto:fay@example.org", "roles": "Staff", "active": "x"},
]


def people() -> pd.DataFrame:
    return frame_from_rows("People", PEOPLE)


# -- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "active"),
    [
        ("Yes", True),
        (" yes ", True),
        ("y", True),
        ("x", True),
        ("TRUE", True),
        ("", True),
        (None, True),
        (float("nan"), True),
        ("No", False),
        ("n", False),
        ("0", False),
        ("Inactive", False),
        ("Yse", False),
        ("maybe", False),
    ],
)
def test_a_blank_active_cell_is_yes_and_an_unreadable_one_is_no(cell: object, active: bool) -> None:
    assert is_active(cell) is active


def test_the_reason_a_person_is_passed_over_says_whether_the_cell_is_no_or_unreadable() -> None:
    index = by_email(people())
    assert inactive_reason(index["ann@example.org"]) == ""
    assert inactive_reason(index["bob@example.org"]) == ""
    assert inactive_reason(index["dan@example.org"]) == "no longer active in People"
    assert inactive_reason(index["cat@example.org"]) == (
        "not clearly active in People (Active is 'Yse': write Yes or No)"
    )


def test_validate_names_a_blank_and_an_unreadable_active_cell() -> None:
    problems = [str(p) for p in validate_tab(TABS["People"], people(), TZ) if p.column == "Active"]
    assert problems == [
        "People row 3, column 'Active': is required but empty",
        "People row 4, column 'Active': 'Yse': 'Yse' is not Yes or No",
    ]


# -- the lookups ----------------------------------------------------------------------------------


def test_lookups_by_email_ignore_case_and_mailto_and_names_fall_back_to_the_address() -> None:
    index = by_email(people())
    assert list(index) == [
        "ann@example.org",
        "bob@example.org",
        "cat@example.org",
        "dan@example.org",
        "eve@example.org",
        "fay@example.org",
    ]
    assert person_name(people(), "EVE@example.org") == "Eve Boss"
    assert person_name(index, "zed@example.org") == "zed"
    assert person_name(index, "") == ""


def test_people_are_read_once_per_tab_and_each_caller_gets_its_own_index() -> None:
    tab = people()
    first = by_email(tab)
    first.pop("ann@example.org")  # one caller's change is its own
    again = by_email(tab)
    assert "ann@example.org" in again and again["eve@example.org"] is first["eve@example.org"]
    another = frame_from_rows("People", PEOPLE[1:])  # a different tab is read anew
    assert list(by_email(another))[0] == "bob@example.org"
    assert by_email(tab)["ann@example.org"]["name"] == "Ann Archer"


def test_managers_are_the_active_people_with_the_manager_role() -> None:
    assert managers(people()) == ("eve@example.org",)  # Cat's cell is unreadable, Dan left
    assert managers_of(people(), "ann@example.org") == ("eve@example.org",)
    named = frame_from_rows(
        "People", [*PEOPLE[:1], {**PEOPLE[1], "manager_email": "Dan@example.org; eve@example.org"}]
    )
    assert managers_of(named, "bob@example.org") == ("dan@example.org", "eve@example.org")


def test_staff_are_the_active_people_with_the_staff_role_in_sheet_order() -> None:
    assert staff(people()) == [
        Person("ann@example.org", "Ann Archer"),
        Person("bob@example.org", "Bob Blank"),
        Person("fay@example.org", "Fay Field"),
    ]


# -- each place that used to decide on its own ----------------------------------------------------

ROTA = [
    {"week_starting": "2026-11-23", "coordinator": "cat@example.org", "backup": "bob@example.org"}
]


def test_rota_a_coordinator_whose_active_cell_is_unreadable_is_passed_over_and_told_why() -> None:
    # Before: the rota read "Yse" as active and put Cat on duty.
    duty = on_duty(
        frame_from_rows("Rota", ROTA), frame_from_rows("Absences", []), people(), NOW.date()
    )
    assert duty.on_duty == "bob@example.org"  # blank Active: still on the rota
    assert duty.reason == (
        "the coordinator Cat Typo is not clearly active in People (Active is 'Yse': write Yes "
        "or No); the backup Bob Blank is on duty"
    )


def test_figures_count_a_person_whose_active_cell_is_blank() -> None:
    # Before: the weekly figures, the digest and the thanks left Bob out.
    assert list(active_people(people())["email"]) == [
        "ann@example.org",
        "bob@example.org",
        "eve@example.org",
        "fay@example.org",
    ]


def test_crisis_mode_tells_staff_whose_active_cell_is_blank_but_not_one_it_cannot_read(
    tmp_path: Path,
) -> None:
    # Before: the holding statement skipped Bob.
    snapshot = Snapshot(
        {
            "People": people(),
            "Rota": frame_from_rows("Rota", ROTA),
            "Absences": frame_from_rows("Absences", []),
            "Policies": frame_from_rows("Policies", []),
        }
    )
    row = {"id": "C-001", "started": "2026-11-24 08:00", "holding_statement": "We are on it."}
    messages = staff_messages(row, snapshot, NOW, make_settings(tmp_path))
    assert [m.to_email for m in messages] == [
        "ann@example.org",
        "bob@example.org",
        "fay@example.org",
    ]


@pytest.mark.parametrize(
    ("sender", "queued", "skipped"),
    [
        ("Bob Blank <bob@example.org>", 1, 0),
        ("Cat Typo <cat@example.org>", 0, 1),
    ],
)
def test_ingest_inbox_trusts_mail_from_a_person_whose_active_cell_is_blank(
    tmp_path: Path, sender: str, queued: int, skipped: int
) -> None:
    # Before: Bob's forward was skipped as from an inactive person.
    raw = newsletter_forward(sender).as_bytes(policy=SMTP)
    inputs = ingest_inbox.InboxInputs((ingest_inbox.InboxMessage("test:0", raw, len(raw)),), "test")
    snapshot = Snapshot({"People": people(), "Queue": frame_from_rows("Queue", [])})
    result = ingest_inbox.plan(snapshot, NOW, make_settings(tmp_path), inputs)
    counts = result.report.counts
    assert (counts["queue_added"], counts["skipped_inactive_person"]) == (queued, skipped)


def test_the_sent_ledger_mails_a_person_whose_active_cell_is_blank_and_not_one_it_cannot_read(
    tmp_path: Path,
) -> None:
    # Before: the ledger refused Bob as "not marked Active = Yes".
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("People", p) for p in PEOPLE)))
    workspace = Workspace(settings=make_settings(tmp_path), store=store)
    messages = [
        OutgoingMessage(
            job="brief",
            period=date(2026, 11, 24).isoformat(),
            to_email=email,
            to_name="",
            subject="Your brief",
            template="_layout",
            context={"why": "you coordinate this week."},
        )
        for email in ("bob@example.org", "cat@example.org")
    ]
    report = deliver(
        messages, workspace=workspace, snapshot=store.read(("People", "Sent")), now=NOW
    )
    assert report.counts() == {"sent": 1, "skipped": 1}
    box = mailbox.Maildir(tmp_path / "outbox", create=True)
    sent_to = [
        message_from_bytes(box.get_bytes(k), policy=policy.default)["To"].addresses[0].addr_spec
        for k in box.keys()
    ]
    assert sent_to == ["bob@example.org"]
    assert any("cat@example.org" in p and "not marked Active = Yes" in p for p in report.problems)
