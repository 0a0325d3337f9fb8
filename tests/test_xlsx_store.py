"""The local workbook: what people do to it, and what crashes and races do."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import openpyxl
import pytest

from automation.store.xlsx import XlsxStore
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import Append, Changes, Update
from tests.test_kill_and_rerun import die_at


def queue_row(n: int, **extra: str) -> dict[str, str]:
    row = {"id": f"Q-{n:04d}", "source_kind": "External", "headline": f"Item {n}", "status": "New"}
    row.update(extra)
    return row


@pytest.fixture
def store(tmp_path: Path) -> XlsxStore:
    s = XlsxStore(tmp_path / "workbook.xlsx")
    s.ensure_tabs()
    return s


def test_new_workbook_has_an_about_tab_bold_frozen_headers_and_dropdowns(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    assert wb.sheetnames[0] == "About"
    assert "Queue" in wb.sheetnames and "Runs" in wb.sheetnames
    queue = wb["Queue"]
    assert [c.value for c in queue[1]][:3] == ["ID", "Created", "Source Kind"]
    assert queue["A1"].font.bold
    assert queue.freeze_panes == "A2"
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in queue.data_validations.dataValidation
    }
    assert lists["C2"] == '"Organisation,Staff & partners,External"'
    assert queue.column_dimensions["E"].width == 40
    assert queue["E1"].comment is not None


def test_updates_find_rows_by_key_after_a_person_resorted_the_tab(store: XlsxStore) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 6))))
    wb = openpyxl.load_workbook(store.path)
    ws = wb["Queue"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for r, values in enumerate(reversed(rows), start=2):  # the person sorts Z-A
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.insert_rows(2)  # and inserts a blank row on top
    wb.save(store.path)

    store.apply(Changes(updates=(Update("Queue", ("Q-0002",), {"status": "Approved"}),)))
    queue = store.read(["Queue"])["Queue"]
    assert queue.set_index("id").loc["Q-0002", "status"] == "Approved"
    assert (queue["status"] == "Approved").sum() == 1
    assert queue["id"].tolist() == ["Q-0005", "Q-0004", "Q-0003", "Q-0002", "Q-0001"]


def test_columns_people_added_are_preserved(store: XlsxStore) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    wb = openpyxl.load_workbook(store.path)
    ws = wb["Queue"]
    ws.insert_cols(3)
    ws.cell(row=1, column=3, value="My notes")
    ws.cell(row=2, column=3, value="keep me")
    last = ws.max_column + 1
    ws.cell(row=1, column=last, value="Budget")
    ws.cell(row=2, column=last, value=250)
    wb.save(store.path)

    store.apply(
        Changes(
            appends=(Append("Queue", queue_row(2)),),
            updates=(Update("Queue", ("Q-0001",), {"status": "Approved"}),),
        )
    )
    ws = openpyxl.load_workbook(store.path)["Queue"]
    headers = [c.value for c in ws[1]]
    assert headers[2] == "My notes" and headers[-1] == "Budget"
    assert ws.cell(row=2, column=3).value == "keep me"
    assert ws.cell(row=2, column=last).value == 250
    assert ws.cell(row=3, column=3).value is None
    queue = store.read(["Queue"])["Queue"]
    assert queue["status"].tolist() == ["Approved", "New"]


def test_headers_match_without_regard_to_case_and_spaces(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"]["E1"] = "  headline "
    wb.save(store.path)
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    assert store.read(["Queue"])["Queue"]["headline"].tolist() == ["Item 1"]


def test_a_renamed_required_column_is_an_error_naming_tab_and_column(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"]["E1"] = "Title"
    wb.save(store.path)
    with pytest.raises(SheetError) as err:
        store.read(["Queue"])
    assert "'Queue'" in str(err.value) and "'Headline'" in str(err.value)
    assert "chorus init" in str(err.value)


def test_formula_text_is_stored_as_a_string_cell(store: XlsxStore) -> None:
    store.apply(
        Changes(appends=(Append("Queue", queue_row(1, headline='=HYPERLINK("http://x","y")')),))
    )
    cell = openpyxl.load_workbook(store.path)["Queue"]["E2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'


def test_a_corrupt_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "workbook.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(SheetError, match="cannot be opened as .xlsx"):
        XlsxStore(path).read(["Queue"])


def test_a_missing_workbook_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="chorus init"):
        XlsxStore(tmp_path / "nope.xlsx").read(["Queue"])


def temp_files(store: XlsxStore) -> list[str]:
    return sorted(p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp"))


def test_a_process_killed_mid_save_leaves_the_previous_workbook_intact(store: XlsxStore) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    before = store.path.read_bytes()
    more = Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(2, 400)))
    die_at("xlsx.temp_saved", lambda: store.apply(more))  # saved to the temporary file only
    assert store.path.read_bytes() == before
    assert temp_files(store) == [".workbook.xlsx.save.tmp"]  # the save the crash cut short
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0001"]
    assert temp_files(store) == []  # the next run's read removes the copy
    store.apply(more)
    assert temp_files(store) == []
    assert len(store.read(["Queue"])["Queue"]) == 399


def _append_many(path: str, start: int) -> None:
    store = XlsxStore(path)
    for n in range(start, start + 5):
        store.apply(Changes(appends=(Append("Queue", queue_row(n)),)))


def test_concurrent_writers_lose_nothing(store: XlsxStore) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_append_many, args=(str(store.path), start)) for start in (100, 200, 300)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = sorted(store.read(["Queue"])["Queue"]["id"])
    assert ids == sorted(f"Q-{n:04d}" for start in (100, 200, 300) for n in range(start, start + 5))


def test_a_second_run_waits_for_the_lock_then_gives_a_clear_error(
    tmp_path: Path, store: XlsxStore
) -> None:
    impatient = XlsxStore(store.path, lock_timeout=0.2)
    with store.lock("run"):
        with pytest.raises(BackendError, match="another Chorus process holds the run lock"):
            with impatient.lock("run"):
                pass
    with impatient.lock("run"):  # free again once the first run is done
        pass
