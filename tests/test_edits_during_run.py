"""A coordinator edits the Queue between a job's read and its write: nothing lands on the wrong row.

Each test drives sync-forms by hand: the store reads, the real plan is made
(an edited form response updates Queue item Q-0002, guarded by `expect`),
then a person changes the sheet (openpyxl on the local workbook, gspread on
the Google twin, the rows themselves in the memory store), then the store
applies the plan. Rows are found by key
and columns by header at write time, so sorting, inserting, deleting and
adding columns move nothing; a person's own edit of the same cell wins and
is reported; a renamed required column stops the write before anything is
written.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import jobs
from automation.config import load_settings
from automation.gather import GATHER
from automation.runner import run_job
from automation.store.memory import MemoryStore
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_workspace
from jobs.base import Plan
from sheets_schema.errors import SheetError
from sheets_schema.records import Append, Changes
from tests.fakes.google import make_app
from tests.google_store_factory import google_store
from tests.test_bad_input import NOW, ROWS, answer, program, write_form


class LocalQueue:
    """The person at the local workbook, in Excel (openpyxl)."""

    def __init__(self, workbook: Path) -> None:
        self.workbook = workbook

    def _edit(self, change: Callable[[Any], None]) -> None:
        wb = load_workbook(self.workbook)
        change(wb["Queue"])
        wb.save(self.workbook)

    def values(self) -> list[list[str]]:
        ws = load_workbook(self.workbook)["Queue"]
        return [
            ["" if v is None else str(v) for v in row]
            for row in ws.iter_rows(values_only=True)
            if any(row)
        ]

    def sort_by_id_descending(self) -> None:
        def change(ws: Any) -> None:
            rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]
            rows.sort(key=lambda r: str(r[0]), reverse=True)
            for i, row in enumerate(rows, start=2):
                for j, value in enumerate(row, start=1):
                    ws.cell(row=i, column=j).value = value  # value=None would leave the old text

        self._edit(change)

    def insert_above(self, rows: list[list[str]]) -> None:
        def change(ws: Any) -> None:
            ws.insert_rows(2, len(rows))
            for i, row in enumerate(rows, start=2):
                for j, value in enumerate(row, start=1):
                    ws.cell(row=i, column=j, value=value)

        self._edit(change)

    def delete(self, key: str) -> None:
        self._edit(lambda ws: ws.delete_rows(self.row_of(key)))

    def set_header(self, old: str, new: str) -> None:
        self._edit(lambda ws: setattr(ws.cell(row=1, column=self.col_of(old)), "value", new))

    def insert_column(self, before: str, header: str, fill: str) -> None:
        def change(ws: Any) -> None:
            col = self.col_of(before)
            ws.insert_cols(col)
            ws.cell(row=1, column=col, value=header)
            for r in range(2, ws.max_row + 1):
                if ws.cell(row=r, column=1).value:
                    ws.cell(row=r, column=col, value=fill)

        self._edit(change)

    def set_cell(self, key: str, header: str, value: str) -> None:
        row, col = self.row_of(key), self.col_of(header)
        self._edit(lambda ws: setattr(ws.cell(row=row, column=col), "value", value))

    def row_of(self, key: str) -> int:
        return 1 + [r[0] for r in self.values()].index(key)

    def col_of(self, header: str) -> int:
        return 1 + self.values()[0].index(header)


class GoogleQueue(LocalQueue):
    """The person in Google Sheets (gspread on the twin)."""

    def __init__(self, twin: Any, services: Any, spreadsheet_id: str) -> None:
        self.ws = (
            twin.gspread_client(services.credentials).open_by_key(spreadsheet_id).worksheet("Queue")
        )

    def values(self) -> list[list[str]]:
        return [[str(v) for v in row] for row in self.ws.get_all_values() if any(row)]

    def sort_by_id_descending(self) -> None:
        self.ws.sort((1, "des"), range=f"A2:R{len(self.values())}")

    def insert_above(self, rows: list[list[str]]) -> None:
        self.ws.insert_rows(rows, row=2)

    def delete(self, key: str) -> None:
        self.ws.delete_rows(self.row_of(key))

    def set_header(self, old: str, new: str) -> None:
        self.ws.update_cell(1, self.col_of(old), new)

    def insert_column(self, before: str, header: str, fill: str) -> None:
        count = len(self.values())
        self.ws.insert_cols([[header] + [fill] * (count - 1)], col=self.col_of(before))

    def set_cell(self, key: str, header: str, value: str) -> None:
        self.ws.update_cell(self.row_of(key), self.col_of(header), value)


class MemoryQueue(LocalQueue):
    """The person at the memory store, editing its rows in place."""

    def __init__(self, store: MemoryStore) -> None:
        self.rows = store.sheet("Queue")

    def values(self) -> list[list[str]]:
        return [
            ["" if v is None else str(v) for v in row]
            for row in self.rows
            if any(v not in (None, "") for v in row)
        ]

    def sort_by_id_descending(self) -> None:
        self.rows[1:] = sorted(
            (r for r in self.rows[1:] if any(r)), key=lambda r: str(r[0]), reverse=True
        )

    def insert_above(self, rows: list[list[str]]) -> None:
        self.rows[1:1] = [list(r) for r in rows]

    def delete(self, key: str) -> None:
        del self.rows[self.row_of(key) - 1]

    def set_header(self, old: str, new: str) -> None:
        self.rows[0][self.col_of(old) - 1] = new

    def insert_column(self, before: str, header: str, fill: str) -> None:
        col = self.col_of(before) - 1
        for i, row in enumerate(self.rows):
            row.insert(col, header if i == 0 else (fill if row and row[0] else None))

    def set_cell(self, key: str, header: str, value: str) -> None:
        self.rows[self.row_of(key) - 1][self.col_of(header) - 1] = value


def first_sync(tmp_path: Path, backend: str) -> tuple[Workspace, LocalQueue]:
    """Two responses synced (Q-0002 Expo, Q-0003 Gala); then Bob edits his Expo response."""
    config = program(tmp_path)
    settings = load_settings(config)
    if backend == "local":
        workspace = build_workspace(settings)
        person: LocalQueue = LocalQueue(tmp_path / "workbook.xlsx")
    elif backend == "memory":
        memory = MemoryStore()
        memory.ensure_tabs()
        memory.apply(Changes(appends=tuple(Append(t, r) for t, rows in ROWS.items() for r in rows)))
        workspace = Workspace(settings=settings, store=memory)
        person = MemoryQueue(memory)
    else:
        twin = make_app(require_auth=True)
        store = google_store(tmp_path, twin)
        store.apply(Changes(appends=tuple(Append(t, r) for t, rows in ROWS.items() for r in rows)))
        workspace = Workspace(settings=settings, store=store, google=store.services)
        person = GoogleQueue(twin, store.services, store.spreadsheet_id)
    first = [
        answer(headline="Expo", details="First"),
        answer(email="ann@example.org", headline="Gala", details="Gala night"),
    ]
    write_form(tmp_path / "submissions.csv", first)
    assert run_job(workspace, "sync-forms", NOW).ok
    write_form(
        tmp_path / "submissions.csv", [*first, answer(headline="Expo", details="Second, better")]
    )
    return workspace, person


def read_and_plan(workspace: Workspace) -> Plan:
    job = jobs.get("sync-forms")
    snapshot = workspace.store.read((*job.tabs, "People", "Sent"))
    plan = job.plan(snapshot, NOW, workspace.settings, GATHER[job.name](workspace, NOW, snapshot))
    # (on the local workbook the plan also keeps its mark of the export in State)
    assert [
        (u.tab, u.key, u.values["details"]) for u in plan.changes.updates if u.tab != "State"
    ] == [("Queue", ("Q-0002",), "Second, better")]
    return plan


def job_tabs(counts: dict[str, int]) -> dict[str, int]:
    """Rows written per tab, leaving out State, where sync-forms keeps its mark of the export
    on the local workbook (jobs/sync_known.py)."""
    return {tab: n for tab, n in counts.items() if tab != "State"}


def by_id(values: list[list[str]], field: str) -> dict[str, str]:
    header = values[0]
    col = header.index(field)
    return {row[0]: row[col] if col < len(row) else "" for row in values[1:]}


BACKENDS = ["memory", "local", "google"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_sorting_inserting_and_deleting_rows_mid_run_still_updates_the_right_item(
    tmp_path: Path, backend: str
) -> None:
    workspace, person = first_sync(tmp_path, backend)
    plan = read_and_plan(workspace)
    person.sort_by_id_descending()
    person.insert_above(
        [
            ["Q-0900", "", "External", "", "Typed by hand", "Hand details", "", "", "", "New"],
            ["Q-0901", "", "External", "", "Also by hand", "More", "", "", "", "New"],
        ]
    )
    person.delete("Q-0001")

    result = workspace.store.apply(plan.changes)

    assert result.skipped == [] and job_tabs(result.updated) == {"Queue": 1}
    details = by_id(person.values(), "Details")
    assert details == {
        "Q-0901": "More",
        "Q-0900": "Hand details",
        "Q-0003": "Gala night",
        "Q-0002": "Second, better",
    }
    assert by_id(person.values(), "Headline")["Q-0900"] == "Typed by hand"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_column_added_mid_run_keeps_its_values_and_the_update_finds_its_columns(
    tmp_path: Path, backend: str
) -> None:
    workspace, person = first_sync(tmp_path, backend)
    plan = read_and_plan(workspace)
    person.insert_column(before="Headline", header="Priority", fill="high")

    result = workspace.store.apply(plan.changes)

    assert result.skipped == [] and job_tabs(result.updated) == {"Queue": 1}
    values = person.values()
    assert by_id(values, "Priority") == {"Q-0001": "high", "Q-0002": "high", "Q-0003": "high"}
    assert by_id(values, "Details")["Q-0002"] == "Second, better"
    assert by_id(values, "Headline") == {
        "Q-0001": "Our new office",
        "Q-0002": "Expo",
        "Q-0003": "Gala",
    }


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_coordinators_edit_of_the_same_item_wins_and_the_skip_is_reported(
    tmp_path: Path, backend: str
) -> None:
    workspace, person = first_sync(tmp_path, backend)
    plan = read_and_plan(workspace)
    person.set_cell("Q-0002", "Details", "Coordinator's wording")

    result = workspace.store.apply(plan.changes)

    assert job_tabs(result.updated) == {}
    assert len(result.skipped) == 1
    assert (
        "Q-0002" in result.skipped[0]
        and "Details" in result.skipped[0]
        and "left as the person set it" in result.skipped[0]
    )
    assert by_id(person.values(), "Details")["Q-0002"] == "Coordinator's wording"
    assert result.appended == {"Submissions": 1}  # the response itself is still recorded


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_required_column_renamed_mid_run_stops_the_write_naming_it_with_nothing_half_written(
    tmp_path: Path, backend: str
) -> None:
    workspace, person = first_sync(tmp_path, backend)
    plan = read_and_plan(workspace)
    submissions_before = len(workspace.store.read(["Submissions"])["Submissions"])
    person.set_header("Headline", "Title")
    queue_before = person.values()

    with pytest.raises(SheetError) as caught:
        workspace.store.apply(plan.changes)

    assert caught.value.tab == "Queue" and caught.value.column == "Headline"
    assert "chorus init" in str(caught.value)
    assert person.values() == queue_before
    assert len(workspace.store.read(["Submissions"])["Submissions"]) == submissions_before


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_optional_column_renamed_mid_run_is_not_overwritten_and_the_update_is_reported(
    tmp_path: Path, backend: str
) -> None:
    workspace, person = first_sync(tmp_path, backend)
    plan = read_and_plan(workspace)
    person.set_header("Details", "Description")

    result = workspace.store.apply(plan.changes)

    # The renamed column keeps the person's text; the store re-adds "Details" at the end, empty,
    # so the guarded update no longer matches and is reported instead of written.
    assert job_tabs(result.updated) == {}
    assert any("Q-0002" in s and "Details" in s for s in result.skipped), result.skipped
    assert by_id(person.values(), "Description")["Q-0002"] == "First"


def test_a_save_landing_during_the_local_write_is_kept_and_the_run_applied_again_by_key(
    tmp_path: Path,
) -> None:
    """The person saves after Chorus loaded the file for its write and before the rename."""
    workspace, person = first_sync(tmp_path, "local")
    plan = read_and_plan(workspace)
    first_item = by_id(person.values(), "Details")["Q-0001"]
    saves: list[int] = []

    def person_saves_meanwhile(handle: Any, data: bytes) -> None:
        if not saves:
            person.insert_above([["Q-0900", "", "External", "", "Typed by hand", "Hand details"]])
            person.set_cell("Q-0003", "Details", "Gala, edited")
        saves.append(len(data))
        handle.write(data)

    store = XlsxStore(workspace.store.describe(), write=person_saves_meanwhile)

    result = store.apply(plan.changes)

    assert len(saves) == 2 and result.skipped == []
    assert job_tabs(result.updated) == {"Queue": 1} and result.appended == {"Submissions": 1}
    assert by_id(person.values(), "Details") == {
        "Q-0900": "Hand details",
        "Q-0003": "Gala, edited",
        "Q-0002": "Second, better",
        "Q-0001": first_item,
    }
    assert len(store.read(["Submissions"])["Submissions"]) == 3
