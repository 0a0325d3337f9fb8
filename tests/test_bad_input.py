"""Bad input, one case per line: each gets a message naming the place, and nothing is lost.

| case                                   | where it enters                     | what Chorus does                                                  |
|----------------------------------------|-------------------------------------|-------------------------------------------------------------------|
| text in a number cell                  | Channels, Posts Per Week            | `chorus validate` names tab, row, column and value; exit 1        |
| text in a date cell                    | Rota, Week Starting                 | `chorus validate` names tab, row, column; exit 1                  |
| dates written other ways               | Absences, From / To                 | 1 March 2027, 01/03/2027, 2027.03.01 read alike; "1st March" named |
| empty required cell                    | Queue, Headline                     | `chorus validate`: "is required but empty", row and column        |
| a Queue status `Aproved`               | Queue, Status                       | validate, check-cadence and the brief name the cell; exit 1; the brief lists it to fix |
| a date that does not exist (31/11)     | Queue, Scheduled For                | same: the post is named, never silently dropped from the plan     |
| `Onn` for Crisis Mode                  | Program, Value                      | validate and check-cadence name it; read as On meanwhile; exit 1  |
| a missing tab                          | the workbook has no Mentions        | `chorus validate` exit 2 names the tab and `chorus init`; file unchanged |
| a renamed header                       | Queue "Status" -> "State"           | `chorus run` exit 2 names Queue and 'Status'; Queue untouched     |
| 50,000+ characters (Sheets' limit)     | a form answer, Google backend       | the answer is cut to 30,000 with a note saying so; every response synced |
| 50,000+ characters (Sheets' limit)     | a Queue row written by a job        | SheetError names the tab and column; nothing written              |
| 32,768+ characters (Excel's limit)     | a Queue row, local workbook         | SheetError names Queue / Details; the file is unchanged           |
| emoji and right-to-left text           | a form answer                       | kept exactly, locally and on Google                               |
| formula strings                        | a form answer "=HYPERLINK(...)"     | stored as inert text, never a formula, locally and on Google      |
| HTML and script tags                   | a Queue headline the brief suggests | escaped in the HTML email                                         |
| CR/LF in a name                        | People, Name (a mail header)        | no header injection: one To header, no Bcc                        |
| malformed chorus.toml                  | the settings file                   | exit 2 naming the file and line                                   |
| a corrupt .xlsx                        | the workbook                        | exit 2 naming the file and how to recover; file unchanged         |
| unreadable credentials                 | backend.credentials                 | exit 2 naming the key setting; the key's text is never printed    |

Tests run as root here, so `chmod 000` does not stop a read: the unreadable
key is a directory (the read fails with EISDIR) and a non-JSON file.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from automation.config import load_settings
from automation.mail.compose import compose
from automation.runner import run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_workspace
from jobs.base import OutgoingMessage
from sheets_schema.errors import SheetError
from sheets_schema.forms import FORMS, export_header
from sheets_schema.records import Append, Changes
from sheets_schema.tabs import TAB_ORDER
from tests.conftest import TZ
from tests.fakes.google import make_app
from tests.google_store_factory import google_store

CHORUS = Path(sys.executable).parent / "chorus"
NOW = datetime(2027, 3, 1, 8, 30, tzinfo=TZ)
FORM_HEADER = export_header("submissions")

TOML = """\
[organisation]
name = "Example Org"
timezone = "Europe/London"
email_domains = ["example.org"]

[backend]
kind = "local"
workbook = "workbook.xlsx"

[forms.submissions]
kind = "csv"
path = "submissions.csv"

[mail]
transport = "outbox"
outbox = "outbox"
sender = "social@example.org"
"""

ROWS: dict[str, list[dict[str, str]]] = {
    "People": [
        {"name": "Ann Archer", "email": "ann@example.org", "roles": "Coordinator", "active": "Yes"},
        {"name": "Bob Baker", "email": "bob@example.org", "roles": "Staff", "active": "Yes"},
    ],
    "Channels": [
        {
            "channel": "LinkedIn",
            "posts_per_week": "3",
            "post_days": "Mon, Wed, Fri",
            "active": "Yes",
        }
    ],
    "Rota": [{"week_starting": "2027-03-01", "coordinator": "ann@example.org"}],
    "Queue": [
        {
            "id": "Q-0001",
            "created": "2027-02-20 10:00",
            "source_kind": "Organisation",
            "headline": "Our new office",
            "status": "Approved",
        },
    ],
}


def program(tmp_path: Path, rows: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """A small local program in tmp_path; returns its chorus.toml."""
    config = tmp_path / "chorus.toml"
    config.write_text(TOML, encoding="utf-8")
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    data = rows or ROWS
    store.apply(
        Changes(appends=tuple(Append(tab, r) for tab, tab_rows in data.items() for r in tab_rows))
    )
    return config


def chorus(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `chorus` command, as a person runs it."""
    return subprocess.run(
        [str(CHORUS), "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=config.parent,
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def set_cell(workbook: Path, tab: str, cell: str, value: Any) -> None:
    """A person's edit in Excel: one cell, through openpyxl."""
    wb = load_workbook(workbook)
    wb[tab][cell] = value
    wb.save(workbook)


def write_form(path: Path, answers: list[dict[str, str]]) -> None:
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(FORM_HEADER)
        for i, a in enumerate(answers):
            out.writerow(
                [f"0{i + 1}/03/2027 08:0{i}:00", a.get("email", "bob@example.org")]
                + [
                    a.get(q.field, "Yes" if q.field == "permission" else "x")
                    for q in FORMS["submissions"].questions
                ]
            )


def answer(**values: str) -> dict[str, str]:
    base = {
        "name": "Bob Baker",
        "content_type": "Event",
        "headline": "Expo",
        "details": "At the expo.",
        "link": "",
        "suggested_channels": "LinkedIn",
        "preferred_date": "",
        "permission": "Yes",
    }
    base.update(values)
    return base


def test_validate_names_tab_row_and_column_of_every_typed_mistake(tmp_path: Path) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    set_cell(workbook, "Channels", "D2", "three")  # Posts Per Week
    set_cell(workbook, "Rota", "A2", "next monday")  # Week Starting
    set_cell(workbook, "Queue", "E2", None)  # Headline (required)
    before = digest(workbook)

    done = chorus(config, "validate")

    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("Channels row 2, column 'Posts Per Week': 'three'") for line in lines
    ), lines
    assert any(
        line.startswith("Rota row 2, column 'Week Starting': 'next monday'") for line in lines
    ), lines
    assert "Queue row 2, column 'Headline': is required but empty" in lines
    assert "3 problems" in done.stderr
    assert digest(workbook) == before  # validate only reads


def test_dates_written_other_ways_read_alike_and_unreadable_ones_are_named(tmp_path: Path) -> None:
    from sheets_schema.validate import validate_snapshot

    rows = dict(ROWS)
    rows["Absences"] = [
        {"email": "ann@example.org", "from_date": "1 March 2027", "to_date": "01/03/2027"},
        {"email": "bob@example.org", "from_date": "2027.03.01", "to_date": "March 5, 2027"},
        {"email": "ann@example.org", "from_date": "1st March 2027", "to_date": "2027-03-08"},
    ]
    program(tmp_path, rows)
    snapshot = XlsxStore(tmp_path / "workbook.xlsx").read(TAB_ORDER)

    problems = [str(p) for p in validate_snapshot(snapshot, TZ, day_first=True)]

    assert problems == [
        "Absences row 4, column 'From': '1st March 2027': '1st March 2027' is not a date (write it as 2026-11-24)"
    ]


def test_a_missing_tab_is_named_with_the_fix_and_the_workbook_is_untouched(tmp_path: Path) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    wb = load_workbook(workbook)
    del wb["Mentions"]
    wb.save(workbook)
    before = digest(workbook)

    done = chorus(config, "validate")

    assert done.returncode == 2
    assert "Mentions" in done.stderr and "chorus init" in done.stderr
    assert "Traceback" not in done.stderr
    assert digest(workbook) == before


def test_a_renamed_header_stops_the_run_naming_tab_and_column_and_leaves_the_queue_as_it_was(
    tmp_path: Path,
) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    set_cell(workbook, "Queue", "J1", "State")  # was "Status"
    queue_before = [list(r) for r in load_workbook(workbook)["Queue"].iter_rows(values_only=True)]

    done = chorus(config, "run", "check-cadence", "--at", "2027-03-01T07:30")

    assert done.returncode == 2
    assert "Queue" in done.stderr and "'Status'" in done.stderr and "chorus init" in done.stderr
    wb = load_workbook(workbook)
    assert [list(r) for r in wb["Queue"].iter_rows(values_only=True)] == queue_before
    assert wb["Cadence"].max_row == 1  # nothing planned was written
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").rglob("*.eml"))


def test_a_huge_form_answer_is_cut_with_a_note_and_never_stops_the_sync(tmp_path: Path) -> None:
    config = program(tmp_path)
    write_form(
        tmp_path / "submissions.csv",
        [answer(headline="Fine"), answer(headline="Long", details="x" * 50_001)],
    )
    twin = make_app(require_auth=True)
    store = google_store(tmp_path, twin)
    store.apply(Changes(appends=tuple(Append(t, r) for t, rows in ROWS.items() for r in rows)))
    workspace = Workspace(settings=load_settings(config), store=store, google=store.services)

    result = run_job(workspace, "sync-forms", NOW)

    assert result.ok, result.error
    submissions = store.read(["Submissions"])["Submissions"].set_index("headline")
    assert len(submissions) == 2
    long = submissions.loc["Long", "details"]
    assert len(long) == 30_000 and long.startswith("xxxx")
    assert long.endswith(
        "the answer was 50,001 characters; the full text is in the form's responses]"
    )


def test_a_cell_over_sheets_limit_from_a_job_stops_the_write_naming_tab_and_column(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    store = google_store(tmp_path, twin)
    queue_before = twin.sheet_values(store.spreadsheet_id, "Queue!A1:R")
    row = {"id": "Q-1", "source_kind": "External", "headline": "h", "status": "New"}
    with pytest.raises(SheetError) as caught:
        store.apply(Changes(appends=(Append("Queue", {**row, "details": "x" * 50_001}),)))
    assert caught.value.tab == "Queue" and caught.value.column == "Details"
    assert "50,001 characters" in str(caught.value) and "50,000" in str(caught.value)
    assert twin.sheet_values(store.spreadsheet_id, "Queue!A1:R") == queue_before


@pytest.mark.parametrize("backend", ["local", "google"])
def test_emoji_right_to_left_formulas_and_tags_from_a_form_are_kept_as_plain_text(
    tmp_path: Path, backend: str
) -> None:
    config = program(tmp_path)
    tricky = {
        "emoji": "Team win 🎉🏆 — ünïcödé",
        "rtl": "فريقنا فاز بالجائزة",
        "formula": '=HYPERLINK("https://evil.example","click")',
        "html": "<script>alert('x')</script><b>bold</b>",
    }
    write_form(
        tmp_path / "submissions.csv",
        [answer(headline=f"{k}: {v}", details=v) for k, v in tricky.items()],
    )
    settings = load_settings(config)
    if backend == "local":
        workspace = build_workspace(settings)
    else:
        store = google_store(tmp_path, make_app(require_auth=True))
        store.apply(Changes(appends=tuple(Append(t, r) for t, rows in ROWS.items() for r in rows)))
        workspace = Workspace(settings=settings, store=store, google=store.services)

    result = run_job(workspace, "sync-forms", NOW)

    assert result.ok, result.error
    submissions = workspace.store.read(["Submissions"])["Submissions"]
    assert sorted(submissions["details"]) == sorted(tricky.values())
    if backend == "local":
        wb = load_workbook(tmp_path / "workbook.xlsx")
        cells = [
            c for row in wb["Submissions"].iter_rows() for c in row if c.value == tricky["formula"]
        ]
        assert cells and all(c.data_type == "s" for c in cells)  # a string, not a formula
    else:
        values = workspace.store.twin.sheet_values(
            workspace.store.spreadsheet_id, "Submissions!A1:N"
        )
        assert any(tricky["formula"] in row for row in values)


def test_script_tags_in_a_headline_are_escaped_in_the_brief(tmp_path: Path) -> None:
    rows = {k: list(v) for k, v in ROWS.items()}
    # An approved item: the brief suggests it for today's gap.
    rows["Queue"] = [{**rows["Queue"][0], "headline": "<script>alert('x')</script> & <b>win</b>"}]
    config = program(tmp_path, rows)
    workspace = build_workspace(load_settings(config))

    result = run_job(workspace, "brief", NOW)

    assert result.ok, result.error
    from email import message_from_bytes, policy

    files = [p for p in (tmp_path / "outbox").rglob("*") if p.is_file()]
    assert len(files) == 1
    email = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    html = email.get_body(preferencelist=("html",)).get_content()
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "&lt;script&gt;alert(" in html  # the item is in the brief...
    assert "<script>" not in html and "<b>win</b>" not in html  # ...never as markup
    assert "<script>alert('x')</script>" in text  # the plain part shows what the person typed


def test_cr_lf_in_a_name_cannot_add_mail_headers(tmp_path: Path) -> None:
    config = program(tmp_path)
    settings = load_settings(config)
    message = OutgoingMessage(
        job="thanks",
        period="item",
        to_email="bob@example.org",
        to_name="Bob\r\nBcc: everyone@evil.example",
        subject="Thanks\r\nX-Evil: 1",
        template="_layout",
        context={"why": "you sent us something."},
    )

    email = compose(message, settings, now=NOW)

    raw = email.as_bytes().decode("utf-8", errors="replace")
    headers = raw.split("\n\n", 1)[0] if "\r\n\r\n" not in raw else raw.split("\r\n\r\n", 1)[0]
    assert "Bcc" not in email and "X-Evil" not in email
    assert not any(line.lower().startswith(("bcc:", "x-evil:")) for line in headers.splitlines())
    assert "bob@example.org" in str(email["To"])


def test_a_malformed_chorus_toml_is_named_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    config.write_text(
        TOML.replace('timezone = "Europe/London"', 'timezone = "Europe/London'), encoding="utf-8"
    )

    done = chorus(config, "validate")

    assert done.returncode == 2
    assert str(config) in done.stderr and "line 3" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_corrupt_workbook_is_named_with_how_to_recover_and_left_as_it_is(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    config.write_text(TOML, encoding="utf-8")
    workbook = tmp_path / "workbook.xlsx"
    workbook.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    before = digest(workbook)

    validated = chorus(config, "validate")
    ran = chorus(config, "run", "sync-forms", "--at", "2027-03-01T08:30")

    for done in (validated, ran):
        assert done.returncode == 2, done.stderr
        assert str(workbook) in done.stderr and "backup" in done.stderr
        assert "Traceback" not in done.stderr
    assert digest(workbook) == before


@pytest.mark.parametrize("kind", ["directory", "not-json"])
def test_an_unreadable_key_file_is_named_and_its_content_never_printed(
    tmp_path: Path, kind: str
) -> None:
    key = tmp_path / "service-account.json"
    if kind == "directory":
        key.mkdir()  # root reads any file whatever its mode; a directory cannot be read as one
    else:
        key.write_text("private_key: SECRET-KEY-MATERIAL-1234 (not JSON)", encoding="utf-8")
        key.chmod(0o000)  # no effect as root; kept so the case is honest elsewhere
    config = tmp_path / "chorus.toml"
    config.write_text(
        TOML.replace(
            'kind = "local"\nworkbook = "workbook.xlsx"',
            'kind = "google"\nspreadsheet_id = "abc123"\ncredentials = "service-account.json"',
        ),
        encoding="utf-8",
    )

    done = chorus(config, "validate")

    assert done.returncode == 2, done.stderr
    assert "backend.credentials" in done.stderr and str(key) in done.stderr
    assert ("cannot be read" if kind == "directory" else "is not JSON") in done.stderr
    assert "SECRET-KEY-MATERIAL" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_a_cell_over_excels_limit_is_refused_by_the_local_workbook_with_nothing_written(
    tmp_path: Path,
) -> None:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    before = digest(tmp_path / "workbook.xlsx")
    row = {
        "id": "Q-1",
        "source_kind": "External",
        "headline": "h",
        "status": "New",
        "details": "x" * 40_000,
    }

    with pytest.raises(SheetError) as caught:
        store.apply(Changes(appends=(Append("Queue", row),)))

    assert caught.value.tab == "Queue" and caught.value.column == "Details"
    assert "32,767" in str(caught.value)
    assert digest(tmp_path / "workbook.xlsx") == before


def outcome_of_last_run(workbook: Path) -> str:
    rows = list(load_workbook(workbook)["Runs"].iter_rows(values_only=True))
    return str(rows[-1][rows[0].index("Outcome")])


def test_a_mistyped_status_and_an_impossible_date_are_named_by_every_job_that_needs_them(
    tmp_path: Path,
) -> None:
    rows = {k: list(v) for k, v in ROWS.items()}
    base = {"created": "2027-02-20 10:00", "source_kind": "Organisation", "channels": "LinkedIn"}
    rows["Queue"] += [
        {
            **base,
            "id": "Q-0002",
            "headline": "Open day",
            "status": "Scheduled",
            "scheduled_for": "31/11/2026 09:00",
        },
        {**base, "id": "Q-0003", "headline": "New hire", "status": "Aproved"},
        {
            **base,
            "id": "Q-0004",
            "headline": "Award",
            "status": "Scheduled",
            "scheduled_for": "2027-03-03 09:00",
        },
    ]
    config = program(tmp_path, rows)
    workbook = tmp_path / "workbook.xlsx"
    date_cell = "Queue row 3, column 'Scheduled For'"
    status_cell = "Queue row 4, column 'Status'"

    validated = chorus(config, "validate")
    cadence_run = chorus(config, "run", "check-cadence", "--at", "2027-03-01T07:30")
    cadence_outcome = outcome_of_last_run(workbook)
    brief_run = chorus(config, "run", "brief", "--at", "2027-03-01T08:30")

    assert validated.returncode == 1
    assert [line.split(":")[0] for line in validated.stdout.splitlines()] == [
        date_cell,
        status_cell,
    ]
    assert cadence_run.returncode == 1, cadence_run.stderr
    assert (cadence_outcome, outcome_of_last_run(workbook)) == ("problems", "problems")
    assert (
        "  problem: tab 'Queue', row 3, column 'Scheduled For': '31/11/2026' is not a real date "
        "(value '31/11/2026 09:00'), so Q-0002 fills no posting slot; write it as 2027-03-29 09:30"
    ) in cadence_run.stdout.splitlines()
    assert (
        "  problem: tab 'Queue', row 4, column 'Status': 'Aproved' is not a Queue status, so "
        "Q-0003 is in no plan: it fills no slot and is never suggested; choose one of New, "
        "Approved, Scheduled, Published, Rejected, On hold, Overdue from the dropdown"
    ) in cadence_run.stdout.splitlines()
    assert brief_run.returncode == 1
    from email import message_from_bytes, policy

    (mail,) = [p for p in (tmp_path / "outbox").rglob("*") if p.is_file()]
    text = message_from_bytes(mail.read_bytes(), policy=policy.default)
    body = text.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "FIX IN THE SHEET (2)" in body
    assert '- Queue row 3, Scheduled For: "31/11/2026 09:00":' in body
    assert '- Queue row 4, Status: "Aproved": ' in body


def test_onn_for_crisis_mode_is_named_and_read_as_on(tmp_path: Path) -> None:
    rows = {k: list(v) for k, v in ROWS.items()}
    rows["Program"] = [{"setting": "Crisis Mode", "value": "Onn"}]
    config = program(tmp_path, rows)

    validated = chorus(config, "validate")
    cadence_run = chorus(config, "run", "check-cadence", "--at", "2027-03-01T07:30")

    assert validated.returncode == 1
    assert validated.stdout.splitlines() == [
        "Program row 2, column 'Value': 'Onn': 'Onn' is not On or Off for Crisis Mode "
        "(write On or Off in the Value cell)"
    ]
    assert cadence_run.returncode == 1
    assert "Crisis mode is on" in cadence_run.stdout
    assert (
        "  problem: tab 'Program', row 2, column 'Value': 'Onn' is not On or Off for Crisis Mode; "
        "Chorus reads it as On (a crisis: posts stay held) until it is fixed; "
        "write On or Off in the Value cell"
    ) in cadence_run.stdout.splitlines()
