"""Writes to a tab of a year of history land exactly where a small tab's would, on both backends.

A store keys a tab once and keeps what it learnt between its writes (the
workbook), or re-reads only the key column before writing (Google). These
tests make the tab large, then change it under the store's feet the ways
people and other programs do, and check every row against what the writes
must leave.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import PatternFill

from automation.store.gsheets import SheetsStore
from automation.store.xlsx import XlsxStore
from sheets_schema.records import Append, Changes, Update
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

ROWS = 2_000


def sent_row(n: int, status: str = "Sent", **extra: str) -> dict[str, str]:
    row = {
        "message_id": f"<chorus.brief.{n:05d}@example.org>",
        "job": "brief",
        "period": f"2026-{1 + n % 12:02d}-01",
        "recipient": f"p{n % 40}@example.org",
        "subject": f"Brief {n}",
        "status": status,
        "transport": "outbox",
    }
    row.update(extra)
    return row


def key(n: int) -> tuple[str]:
    return (f"<chorus.brief.{n:05d}@example.org>",)


def a_year_of(store: Any) -> None:
    store.apply(Changes(appends=tuple(Append("Sent", sent_row(n)) for n in range(1, ROWS + 1))))


def statuses(store: Any) -> dict[str, str]:
    sent = store.read(["Sent"])["Sent"]
    return dict(zip(sent["message_id"], sent["status"], strict=True))


def intent_then_confirm(store: Any, first: int, count: int) -> None:
    """What the ledger does in one run: Pending rows appended, then confirmed Sent by key."""
    new = range(first, first + count)
    store.apply(Changes(appends=tuple(Append("Sent", sent_row(n, "Pending")) for n in new)))
    store.apply(Changes(updates=tuple(Update("Sent", key(n), {"status": "Sent"}) for n in new)))


# -- the local workbook ------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> XlsxStore:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    a_year_of(store)
    return store


def test_a_run_of_writes_to_a_large_sent_tab_lands_on_exactly_its_rows(
    workbook: XlsxStore,
) -> None:
    workbook.read(["Sent"])
    intent_then_confirm(workbook, ROWS + 1, 5)
    result = workbook.apply(
        Changes(
            appends=(Append("Sent", sent_row(3)), Append("Sent", sent_row(ROWS + 9, "Deferred"))),
            updates=(Update("Sent", key(7), {"status": "Failed"}, expect={"status": "Sent"}),),
        )
    )
    assert result.appended == {"Sent": 1} and result.updated == {"Sent": 1}
    assert result.skipped == [f"Sent: a row with key {key(3)[0]} already exists; not added twice"]
    found = statuses(workbook)
    assert len(found) == ROWS + 6
    assert found[key(7)[0]] == "Failed"
    assert found[key(ROWS + 9)[0]] == "Deferred"
    assert all(found[key(n)[0]] == "Sent" for n in range(ROWS + 1, ROWS + 6))
    assert sum(s == "Sent" for s in found.values()) == ROWS + 4


def test_an_update_finds_its_row_after_a_person_inserted_and_moved_rows_between_writes(
    workbook: XlsxStore,
) -> None:
    intent_then_confirm(workbook, ROWS + 1, 2)  # the store has keyed the tab and kept it
    book = openpyxl.load_workbook(workbook.path)
    sent = book["Sent"]
    sent.insert_rows(2)  # a person's row at the top, typed by hand
    sent["A2"], sent["B2"], sent["D2"], sent["H2"] = "by hand", "brief", "me@example.org", "Sent"
    last = sent.max_row
    moved = [c.value for c in sent[last]]  # the newest row, cut and pasted near the top
    sent.delete_rows(last)
    sent.insert_rows(5)
    for col, value in enumerate(moved, start=1):
        sent.cell(row=5, column=col, value=value)
    book.save(workbook.path)
    result = workbook.apply(
        Changes(
            updates=(
                Update("Sent", key(ROWS + 2), {"status": "Failed"}),
                Update("Sent", key(ROWS + 1), {"status": "Expired"}),
                Update("Sent", key(1), {"subject": "first"}),
            ),
            appends=(Append("Sent", sent_row(ROWS + 2)), Append("Sent", sent_row(ROWS + 3))),
        )
    )
    assert result.updated == {"Sent": 3} and result.appended == {"Sent": 1}
    found = statuses(workbook)
    assert found[key(ROWS + 2)[0]] == "Failed"
    assert found[key(ROWS + 1)[0]] == "Expired"
    assert found["by hand"] == "Sent"
    assert len(found) == ROWS + 4
    rows = openpyxl.load_workbook(workbook.path)["Sent"]
    assert rows["A5"].value == key(ROWS + 2)[0] and rows["H5"].value == "Failed"
    assert rows["A3"].value == key(1)[0] and rows["E3"].value == "first"


def test_a_write_after_another_chorus_saved_the_workbook_keys_it_afresh(
    workbook: XlsxStore,
) -> None:
    intent_then_confirm(workbook, ROWS + 1, 1)
    other = XlsxStore(workbook.path)  # another process: its own copy of the file
    other.apply(
        Changes(
            appends=(Append("Sent", sent_row(ROWS + 50, "Pending")),),
            updates=(Update("Sent", key(ROWS + 1), {"subject": "changed elsewhere"}),),
        )
    )
    result = workbook.apply(
        Changes(
            appends=(Append("Sent", sent_row(ROWS + 50, "Pending")),),
            updates=(
                Update("Sent", key(ROWS + 50), {"status": "Sent"}),
                Update(
                    "Sent",
                    key(ROWS + 1),
                    {"subject": "mine"},
                    expect={"subject": sent_row(ROWS + 1)["subject"]},
                ),
            ),
        )
    )
    assert result.appended == {} and result.updated == {"Sent": 1}
    assert len(result.skipped) == 2  # the row is there already; the subject was edited since
    sent = workbook.read(["Sent"])["Sent"].set_index("message_id")
    assert len(sent) == ROWS + 2
    assert sent.loc[key(ROWS + 50)[0], "status"] == "Sent"
    assert sent.loc[key(ROWS + 1)[0], "subject"] == "changed elsewhere"


def test_keys_an_office_suite_saved_as_shared_strings_and_text_that_looks_like_a_cell_are_read_right(
    tmp_path: Path,
) -> None:
    path = tmp_path / "workbook.xlsx"
    XlsxStore(path).ensure_tabs()
    book = openpyxl.load_workbook(path)  # openpyxl, like Excel, keeps text as shared strings
    fields = ("message_id", "job", "period", "recipient", "subject", "sent_at", "transport")
    for n in range(1, 301):
        book["Sent"].append([*(sent_row(n).get(f, "") for f in fields), "Sent"])
    book.save(path)
    # Chorus's own rows are inline text; these subjects look like the key cell of a later row.
    fake = 'r="A{}" t="inlineStr"><is><t>not a key</t></is></c>'
    XlsxStore(path).apply(
        Changes(
            appends=tuple(
                Append("Sent", sent_row(n, subject=fake.format(n + 3))) for n in range(301, 401)
            )
        )
    )
    store = XlsxStore(path)
    result = store.apply(
        Changes(
            updates=tuple(
                Update("Sent", key(n), {"status": "Failed"}) for n in (1, 150, 300, 350, 400)
            ),
            appends=(Append("Sent", sent_row(150)), Append("Sent", sent_row(401))),
        )
    )
    assert result.updated == {"Sent": 5} and result.appended == {"Sent": 1}
    found = statuses(store)
    assert [n for n in range(1, 402) if found[key(n)[0]] == "Failed"] == [1, 150, 300, 350, 400]
    assert len(found) == 401 and "not a key" not in found


def a_person_s_workbook(path: Path, rows: int) -> openpyxl.Workbook:
    """A workbook whose Sent rows were typed in an office suite (text as shared strings)."""
    XlsxStore(path).ensure_tabs()
    book = openpyxl.load_workbook(path, rich_text=True)
    for n in range(1, rows + 1):
        book["Sent"].append([sent_row(n)[f] for f in ("message_id", "job", "period")])
    return book


def test_appends_go_right_below_the_data_when_a_person_shaded_empty_rows_under_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "workbook.xlsx"
    book = a_person_s_workbook(path, 100)
    for row in range(102, 106):
        book["Sent"].cell(row=row, column=1).fill = PatternFill("solid", fgColor="FFFF00")
    book.save(path)
    result = XlsxStore(path).apply(
        Changes(appends=tuple(Append("Sent", sent_row(n)) for n in (901, 902)))
    )
    assert result.appended == {"Sent": 2}
    rows = openpyxl.load_workbook(path)["Sent"]
    assert [rows.cell(row=r, column=1).value for r in (101, 102, 103, 104)] == [
        key(100)[0],
        key(901)[0],
        key(902)[0],
        None,
    ]


def test_an_append_whose_key_a_person_typed_plain_or_in_rich_text_is_not_added_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "workbook.xlsx"
    book = a_person_s_workbook(path, 100)
    book.save(path)
    store = XlsxStore(path)
    result = store.apply(Changes(appends=(Append("Sent", sent_row(50)),)))
    assert result.appended == {} and len(result.skipped) == 1
    sent = book["Sent"]  # an id with half of it in bold; another one inside a note
    sent["A60"] = CellRichText(
        ["<chorus.brief.", TextBlock(InlineFont(b=True), "00777@example.org>")]
    )
    sent["E70"] = f"resent as {key(778)[0]} by hand"
    book.save(path)
    result = store.apply(Changes(appends=(Append("Sent", sent_row(777)),)))
    assert result.skipped == [f"Sent: a row with key {key(777)[0]} already exists; not added twice"]
    result = store.apply(Changes(appends=(Append("Sent", sent_row(778)),)))
    assert result.appended == {"Sent": 1}
    result = store.apply(Changes(updates=(Update("Sent", key(778), {"status": "Failed"}),)))
    assert result.updated == {"Sent": 1}
    found = statuses(store)
    assert len(found) == 101 and found[key(778)[0]] == "Failed"


def test_a_runs_row_goes_below_the_last_run_whoever_wrote_the_ones_before(tmp_path: Path) -> None:
    path = tmp_path / "workbook.xlsx"
    store = XlsxStore(path)
    store.ensure_tabs()
    run = {"job": "brief", "started": "2026-12-01 09:00", "outcome": "ok"}
    store.apply(
        Changes(
            appends=tuple(Append("Runs", {"run_id": f"brief-{n:04d}x", **run}) for n in range(300))
        )
    )
    for n in (300, 301):  # two runs, each its own process: nothing kept between them
        XlsxStore(path).apply(
            Changes(appends=(Append("Runs", {"run_id": f"brief-{n:04d}x", **run}),))
        )
    again = XlsxStore(path).apply(
        Changes(appends=(Append("Runs", {"run_id": "brief-0005x", **run}),))
    )
    assert again.appended == {} and len(again.skipped) == 1
    runs = openpyxl.load_workbook(path)["Runs"]
    assert runs.max_row == 303
    assert [runs.cell(row=r, column=1).value for r in (301, 302, 303)] == [
        "brief-0299x",
        "brief-0300x",
        "brief-0301x",
    ]
    assert runs.auto_filter.ref == f"A1:{runs.cell(row=1, column=runs.max_column).column_letter}303"


# -- Google Sheets (the twin, driven by gspread) --------------------------------------------


@pytest.fixture(scope="module")
def twin() -> Any:
    return make_app(require_auth=True)


@pytest.fixture
def sheets(twin: Any, tmp_path: Path) -> SheetsStore:
    (tmp_path / "key").mkdir()
    services = google_services(twin, tmp_path / "key")
    services.retry.sleep = lambda s: None
    store = SheetsStore(services, twin.create_spreadsheet("Chorus"), lock_dir=tmp_path)
    store.ensure_tabs()
    a_year_of(store)
    return store


def ranges_read(twin: Any, run: Any) -> list[str]:
    """The ranges of every values:batchGet the twin answered while `run` ran."""
    seen: list[str] = []
    handle = twin.handle

    def watched(environ: dict[str, Any]) -> Any:
        if environ.get("PATH_INFO", "").endswith("values:batchGet"):
            seen.extend(parse_qs(environ.get("QUERY_STRING", "")).get("ranges", []))
        return handle(environ)

    twin.handle = watched
    try:
        run()
    finally:
        twin.handle = handle
    return seen


def test_a_google_write_re_reads_the_header_row_and_key_column_not_a_year_of_rows(
    twin: Any, sheets: SheetsStore
) -> None:
    sheets.read(["Sent"])
    ranges = ranges_read(twin, lambda: intent_then_confirm(sheets, ROWS + 1, 3))
    assert ranges == ["'Sent'!1:1", "'Sent'!A:A"] * 2
    found = statuses(sheets)
    assert len(found) == ROWS + 3
    assert all(found[key(n)[0]] == "Sent" for n in range(ROWS + 1, ROWS + 4))


def test_a_google_update_lands_on_its_row_after_rows_were_inserted_and_a_column_moved(
    twin: Any, sheets: SheetsStore
) -> None:
    sheets.read(["Sent"])
    ws = sheets.services.gspread_client().open_by_key(sheets.spreadsheet_id).worksheet("Sent")
    ws.insert_row(["by hand", "brief", "", "me@example.org", "", "", "", "Sent"], 2)
    ws.insert_row(["by hand too", "brief", "", "me@example.org", "", "", "", "Sent"], 900)
    result = sheets.apply(
        Changes(
            updates=(
                Update("Sent", key(1), {"status": "Failed"}, expect={"status": "Sent"}),
                Update("Sent", key(ROWS), {"status": "Expired"}),
            ),
            appends=(Append("Sent", sent_row(5)),),
        )
    )
    assert result.updated == {"Sent": 2} and result.appended == {}
    ws.insert_cols([["My notes"]], 1)  # a person's column before the key: it moves to B
    ranges = ranges_read(
        twin, lambda: sheets.apply(Changes(updates=(Update("Sent", key(2), {"status": "Failed"}),)))
    )
    assert ranges == ["'Sent'!1:1", "'Sent'!A:A", "'Sent'"]  # A is not the key now: all of it
    found = statuses(sheets)
    assert found[key(1)[0]] == "Failed" and found[key(2)[0]] == "Failed"
    assert found[key(ROWS)[0]] == "Expired"
    assert found["by hand"] == "Sent" and found["by hand too"] == "Sent"
    assert sum(s == "Sent" for s in found.values()) == ROWS - 3 + 2


def test_a_google_write_to_a_tab_holding_a_key_twice_reads_it_whole_and_removes_the_copy(
    twin: Any, sheets: SheetsStore
) -> None:
    ws = sheets.services.gspread_client().open_by_key(sheets.spreadsheet_id).worksheet("Sent")
    row_5 = ws.row_values(6)  # key 5: an append whose answer was lost landed twice
    ws.append_row(row_5, value_input_option="RAW")
    ws.append_row([*ws.row_values(11)[:4], "a person's subject"], value_input_option="RAW")
    ranges = ranges_read(
        twin, lambda: sheets.apply(Changes(appends=(Append("Sent", sent_row(ROWS + 1)),)))
    )
    assert ranges == ["'Sent'!1:1", "'Sent'!A:A", "'Sent'"]
    values = ws.col_values(1)
    assert values.count(key(5)[0]) == 1 and values.count(key(10)[0]) == 2
    assert values[-1] == key(ROWS + 1)[0] and len(values) == ROWS + 3
