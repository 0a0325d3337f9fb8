"""Google's limits: the twin refuses what Google refuses, with Google's words, and Chorus never
asks it to: writes split within 2 MB, cell text counted in UTF-16 units, the ten-million-cell
limit checked before anything is written, the last row below the header kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gspread
import pytest
from gspread.exceptions import APIError

from automation.store.gsheets import SheetsStore
from automation.store.gsheets_limits import REQUEST_BUDGET, split_by_size, utf16_len
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import Append, Changes, Delete, Update
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

SCOPES = ["https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive"]
TROPHY = "\U0001f3c6"  # one character to Python, two to Google


@pytest.fixture
def twin() -> Any:
    return make_app(require_auth=True)


@pytest.fixture
def gc(twin: Any) -> gspread.Client:
    return twin.gspread_client(twin.credentials(SCOPES))


def new_store(twin: Any, tmp_path: Path, spreadsheet_id: str = "") -> SheetsStore:
    services = google_services(twin, tmp_path)
    services.retry.sleep = lambda s: None
    store = SheetsStore(
        services, spreadsheet_id or twin.create_spreadsheet("Chorus"), lock_dir=tmp_path
    )
    if not spreadsheet_id:
        store.ensure_tabs()
    return store


def queue_row(n: int, **extra: str) -> dict[str, str]:
    row = {"id": f"Q-{n:05d}", "source_kind": "External", "headline": f"Item {n}", "status": "New"}
    row.update(extra)
    return row


def record_bodies(store: SheetsStore) -> list[tuple[str, int]]:
    """(URL path, body bytes) of every request the store sends from now on."""
    sent: list[tuple[str, int]] = []

    def hook(response: Any, *args: Any, **kwargs: Any) -> None:
        body = response.request.body or b""
        sent.append((response.request.path_url.split("?")[0], len(body)))

    store.services.authorized_session().hooks["response"].append(hook)
    return sent


# -- the twin refuses what Google refuses -------------------------------------------------------


def test_a_request_body_over_10_mb_is_refused_with_googles_words(
    twin: Any, gc: gspread.Client
) -> None:
    sheet = gc.open_by_key(twin.create_spreadsheet("big")).sheet1
    rows = [["x" * 40_000] for _ in range(270)]  # 10.8 MB of JSON
    with pytest.raises(APIError) as caught:
        sheet.append_rows(rows, value_input_option="RAW")
    assert caught.value.response.status_code == 400
    assert caught.value.args[0]["message"] == (
        "Request payload size exceeds the limit: 10485760 bytes."
    )
    assert twin.sheet_values(sheet.spreadsheet_id, "Sheet1") == []


def test_a_cell_over_50000_characters_as_google_counts_them_is_refused(
    twin: Any, gc: gspread.Client
) -> None:
    sheet = gc.open_by_key(twin.create_spreadsheet("long")).sheet1
    sheet.update([["a" * 50_000]], "A1", value_input_option="RAW")  # exactly the limit: fine
    with pytest.raises(APIError) as caught:  # 25,001 characters, 50,002 UTF-16 units
        sheet.update([["ok", TROPHY * 25_001]], "A2", value_input_option="RAW")
    assert caught.value.args[0]["message"] == (
        "Your input contains more than the maximum of 50000 characters in a single cell."
    )
    assert twin.sheet_values(sheet.spreadsheet_id, "Sheet1!A2:B2") == []  # nothing half-done


def test_growing_a_spreadsheet_past_ten_million_cells_is_refused(
    twin: Any, gc: gspread.Client
) -> None:
    book = gc.open_by_key(twin.create_spreadsheet("huge"))
    sheet = book.sheet1
    sheet.resize(rows=384_615, cols=26)  # 9,999,990 cells
    with pytest.raises(APIError) as caught:
        sheet.resize(rows=384_616)
    assert caught.value.args[0]["message"] == (
        "Invalid requests[0].updateSheetProperties: This action would increase the number of "
        "cells in the workbook above the limit of 10000000 cells."
    )
    sheet.update([["a"]], "A1")
    with pytest.raises(APIError, match="above the limit of 10000000 cells"):
        sheet.append_rows([["b"]], value_input_option="RAW", insert_data_option="INSERT_ROWS")
    assert sheet.row_count == 384_615


def test_deleting_every_row_below_a_frozen_header_is_refused(twin: Any, gc: gspread.Client) -> None:
    sheet = gc.open_by_key(twin.create_spreadsheet("frozen")).sheet1
    sheet.resize(rows=3)
    sheet.freeze(rows=1)
    with pytest.raises(APIError) as caught:
        sheet.delete_rows(2, 3)
    assert caught.value.args[0]["message"] == (
        "Invalid requests[0].deleteDimension: Sorry, it is not possible to delete all "
        "non-frozen rows."
    )
    sheet.delete_rows(2)  # one of the two may go
    assert sheet.row_count == 2


def test_a_values_batch_update_counts_each_row_and_column_once(
    twin: Any, gc: gspread.Client
) -> None:
    book = gc.open_by_key(twin.create_spreadsheet("totals"))
    answer = book.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Sheet1!A1:A2", "values": [["a"], ["b"]]},
                {"range": "Sheet1!A3:B3", "values": [["c", "d"]]},
                {"range": "Sheet1!B1", "values": [["e"]]},
            ],
        }
    )
    assert (
        answer["totalUpdatedRows"],
        answer["totalUpdatedColumns"],
        answer["totalUpdatedCells"],
        answer["totalUpdatedSheets"],
    ) == (3, 2, 5, 1)


# -- Chorus stays within them -------------------------------------------------------------------


def test_splitting_keeps_order_and_every_request_within_the_budget() -> None:
    items = [f"row {i} " + "x" * (i % 700) for i in range(5_000)]
    parts = split_by_size(items, lambda s: len(json.dumps(s)), budget=100_000)
    assert [x for part in parts for x in part] == items
    assert all(sum(len(json.dumps(x)) + 2 for x in part) <= 100_000 for part in parts)
    assert len(parts) > 1 and utf16_len(TROPHY + "a") == 3


def test_a_large_append_goes_in_requests_of_at_most_2_mb_and_lands_in_order(
    twin: Any, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    sent = record_bodies(store)
    rows = [queue_row(i, details=f"{i} " + "é" * 400) for i in range(1, 3_001)]  # ~7.5 MB
    result = store.apply(Changes(appends=tuple(Append("Queue", r) for r in rows)))
    assert result.appended == {"Queue": 3_000}
    appends = [size for path, size in sent if path.endswith(":append")]
    assert len(appends) == 4 and max(appends) <= REQUEST_BUDGET
    ids = [r[0] for r in twin.sheet_values(store.spreadsheet_id, "Queue")[1:]]
    assert ids == [r["id"] for r in rows]


def test_many_updates_are_split_too(twin: Any, tmp_path: Path) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(i)) for i in range(1, 1_501))))
    sent = record_bodies(store)
    notes = "n" * 2_000
    store.apply(
        Changes(
            updates=tuple(
                Update("Queue", (f"Q-{i:05d}",), {"notes": notes}) for i in range(1, 1_501)
            )
        )
    )
    updates = [size for path, size in sent if path.endswith("values:batchUpdate")]
    assert len(updates) == 2 and max(updates) <= REQUEST_BUDGET
    values = twin.sheet_values(store.spreadsheet_id, "Queue")
    column = values[0].index("Notes")
    assert {row[column] for row in values[1:]} == {notes}


def test_text_too_long_for_google_is_refused_before_anything_is_written(
    twin: Any, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    with pytest.raises(SheetError) as caught:
        store.apply(
            Changes(
                appends=(
                    Append("Queue", queue_row(1)),
                    Append("Queue", queue_row(2, details=TROPHY * 25_001)),
                )
            )
        )
    error = caught.value
    assert (error.tab, error.column) == ("Queue", "Details")
    assert "Q-00002" in error.message and "50,002 characters" in error.message
    assert twin.sheet_values(store.spreadsheet_id, "Queue")[1:] == []


def test_a_write_past_ten_million_cells_is_refused_before_anything_is_written(
    twin: Any, gc: gspread.Client, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    book = gc.open_by_key(store.spreadsheet_id)
    used = sum(ws.row_count * ws.col_count for ws in book.worksheets())
    queue = book.worksheet("Queue")
    queue.resize(rows=queue.row_count + (10_000_000 - used) // queue.col_count)  # nearly full
    store = new_store(twin, tmp_path, store.spreadsheet_id)  # the next run
    with pytest.raises(SheetError) as caught:
        store.apply(
            Changes(
                appends=tuple(Append("Queue", queue_row(i)) for i in range(2, 10)),
                updates=(Update("Queue", ("Q-00001",), {"status": "Approved"}),),
            )
        )
    assert caught.value.tab == "Queue" and "10,000,000" in caught.value.message
    assert "nothing was written" in caught.value.fix
    queue = store.read(["Queue"])["Queue"]
    assert queue[["id", "status"]].values.tolist() == [["Q-00001", "New"]]  # nothing changed


def test_deleting_the_last_row_below_the_header_clears_it_instead(
    twin: Any, gc: gspread.Client, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(i)) for i in (1, 2))))
    gc.open_by_key(store.spreadsheet_id).worksheet("Queue").resize(rows=3)  # no spare rows
    store = new_store(twin, tmp_path, store.spreadsheet_id)
    result = store.apply(
        Changes(deletes=(Delete("Queue", ("Q-00001",)), Delete("Queue", ("Q-00002",))))
    )
    assert result.deleted == {"Queue": 2} and result.skipped == []
    assert store.read(["Queue"])["Queue"].empty
    assert gc.open_by_key(store.spreadsheet_id).worksheet("Queue").row_count == 2
    store.apply(Changes(appends=(Append("Queue", queue_row(3)),)))  # the tab still takes rows
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-00003"]


def test_identical_copies_a_lost_append_left_are_removed_and_differing_ones_reported(
    twin: Any, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(i)) for i in (1, 2))))
    rows = twin.sheet_values(store.spreadsheet_id, "Queue")
    # Google applied a lost append late: the rows are there twice; a person edited one copy.
    edited = [*rows[2][:3], rows[2][3] + " (edited)"]
    sheet = twin.store.book(store.spreadsheet_id).sheet_by_title("Queue")
    from tests.fakes.google_sheets_model import Box

    twin.store.book(store.spreadsheet_id).write(Box(sheet, 3, 0, 5, 4), [rows[1], edited], "RAW")
    result = store.apply(Changes(appends=(Append("Queue", queue_row(3)),)))
    ids = [r[0] for r in twin.sheet_values(store.spreadsheet_id, "Queue")[1:]]
    assert ids == ["Q-00001", "Q-00002", "Q-00002", "Q-00003"]  # the identical copy went
    assert any("removed 1 identical extra row(s) with key Q-00001" in s for s in result.skipped)
    assert any("rows 3, 5 all have the key Q-00002 but differ" in s for s in result.skipped)


def test_when_retries_run_out_the_error_says_what_landed_and_what_did_not(
    twin: Any, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    twin.inject("503", api="sheets", method="values.batchUpdate", times=10)
    with pytest.raises(BackendError) as caught:
        store.apply(
            Changes(
                appends=(Append("Queue", queue_row(2)),),
                updates=(Update("Queue", ("Q-00001",), {"status": "Approved"}),),
            )
        )
    said = caught.value.message
    assert "half-written" not in said and "half-written" not in caught.value.fix
    assert "it may have landed" in said
    assert "may or may not have landed: values of 'Queue' (request 1 of 1)" in said
    assert "not sent: 1 rows appended to Queue (request 1 of 1)" in said


def test_write_cost_counts_the_requests_a_split_write_spends(twin: Any, tmp_path: Path) -> None:
    store = new_store(twin, tmp_path)
    rows = [queue_row(i, details="d" * 1_500) for i in range(1, 3_001)]  # ~4.6 MB
    changes = Changes(appends=tuple(Append("Queue", r) for r in rows))
    cost, before = store.write_cost(changes), store.calls
    store.apply(changes)
    assert store.calls - before == cost == 1 + 1 + 3  # re-read, tab sizes, three appends


def test_a_request_google_refuses_is_named_with_what_was_written_before_it(
    twin: Any, gc: gspread.Client, tmp_path: Path
) -> None:
    store = new_store(twin, tmp_path)
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))  # the tab sizes are read
    book = gc.open_by_key(store.spreadsheet_id)
    used = sum(ws.row_count * ws.col_count for ws in book.worksheets())
    mentions = book.worksheet("Mentions")  # meanwhile a person fills the spreadsheet up
    mentions.resize(rows=mentions.row_count + (10_000_000 - used) // mentions.col_count)
    with pytest.raises(BackendError) as caught:
        store.apply(
            Changes(
                appends=(Append("Queue", queue_row(2)),),
                updates=(Update("Queue", ("Q-00001",), {"status": "Approved"}),),
            )
        )
    said = caught.value.message
    assert "above the limit of 10000000 cells" in said
    assert "written: values of 'Queue' (request 1 of 1)" in said
    assert "refused, so not written: 1 rows appended to Queue (request 1 of 1)" in said
    queue = store.read(["Queue"])["Queue"]
    assert queue[["id", "status"]].values.tolist() == [["Q-00001", "Approved"]]
