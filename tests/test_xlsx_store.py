"""The local workbook: what people do to it, and what crashes and races do."""

from __future__ import annotations

import multiprocessing
from datetime import datetime
from pathlib import Path
from typing import Any

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
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0001"]
    assert temp_files(store) == [".workbook.xlsx.save.tmp"]  # the save the crash cut short
    store.apply(more)  # the next save writes over it
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


# -- real dates and numbers ------------------------------------------------------


def under(ws: Any, header: str, row: int) -> Any:
    """The cell in `row` of the column headed `header`."""
    col = next(c.column for c in ws[1] if c.value == header)
    return ws.cell(row=row, column=col)


def test_dates_and_numbers_are_stored_as_dates_and_numbers_and_read_back_as_the_same_text(
    store: XlsxStore,
) -> None:
    created = ["2026-12-01 09:05", "2026-11-24 17:30", "2026-12-01 00:00"]
    store.apply(
        Changes(
            appends=tuple(
                Append("Queue", queue_row(n, created=c, scheduled_for="2026-12-03 10:00"))
                for n, c in enumerate(created, start=1)
            )
            + (
                Append("Rota", {"week_starting": "2026-11-30", "coordinator": "a@example.org"}),
                Append("Channels", {"channel": "LinkedIn", "posts_per_week": "3"}),
                Append(
                    "Submissions",
                    {"response_id": "R-1", "submitted_at": "2026-11-24 09:15:07"},
                ),
            )
        )
    )
    wb = openpyxl.load_workbook(store.path)
    created_cell = under(wb["Queue"], "Created", 2)
    assert created_cell.value == datetime(2026, 12, 1, 9, 5)
    assert created_cell.number_format == "yyyy-mm-dd hh:mm"
    assert wb["Rota"]["A2"].value == datetime(2026, 11, 30)
    assert wb["Rota"]["A2"].number_format == "yyyy-mm-dd"
    assert under(wb["Channels"], "Posts Per Week", 2).value == 3
    assert under(wb["Submissions"], "Submitted At", 2).number_format == "yyyy-mm-dd hh:mm:ss"

    read = store.read(["Queue", "Rota", "Channels", "Submissions"])
    assert read["Queue"]["created"].tolist() == created
    assert read["Queue"]["scheduled_for"].tolist() == ["2026-12-03 10:00"] * 3
    assert read["Rota"]["week_starting"].tolist() == ["2026-11-30"]
    assert read["Channels"]["posts_per_week"].tolist() == ["3"]
    assert read["Submissions"]["submitted_at"].tolist() == ["2026-11-24 09:15:07"]


def test_text_that_is_not_a_date_stays_text_for_validate_to_report(store: XlsxStore) -> None:
    store.apply(
        Changes(
            appends=(
                Append("Queue", queue_row(1, scheduled_for="31/11/2026 09:00")),
                Append("Queue", queue_row(2, scheduled_for="2026-02-30 09:00")),
                Append("Queue", queue_row(3, scheduled_for="next Tuesday")),
                Append("Channels", {"channel": "X", "posts_per_week": "three"}),
            )
        )
    )
    wb = openpyxl.load_workbook(store.path)
    assert [under(wb["Queue"], "Scheduled For", r).value for r in (2, 3, 4)] == [
        "31/11/2026 09:00",
        "2026-02-30 09:00",
        "next Tuesday",
    ]
    read = store.read(["Queue", "Channels"])
    assert read["Queue"]["scheduled_for"].tolist() == [
        "31/11/2026 09:00",
        "2026-02-30 09:00",
        "next Tuesday",
    ]
    assert read["Channels"]["posts_per_week"].tolist() == ["three"]


def test_a_coordinator_sorting_by_date_gets_the_order_of_the_dates(store: XlsxStore) -> None:
    days = ["2026-12-10 09:00", "2026-01-05 14:00", "2026-11-30 08:15", "2025-12-31 23:59"]
    store.apply(
        Changes(
            appends=tuple(
                Append("Queue", queue_row(n, scheduled_for=d)) for n, d in enumerate(days, 1)
            )
        )
    )
    queue = openpyxl.load_workbook(store.path)["Queue"]
    column = [under(queue, "Scheduled For", r).value for r in range(2, 6)]
    assert all(isinstance(v, datetime) for v in column)  # sortable as dates, not as text
    assert [f"{v:%Y-%m-%d %H:%M}" for v in sorted(column)] == sorted(days)


def test_every_tab_has_an_autofilter_that_grows_with_the_rows(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    assert all(wb[name].auto_filter.ref for name in wb.sheetnames if name != "About")
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 4))))
    queue = openpyxl.load_workbook(store.path)["Queue"]
    assert (
        queue.auto_filter.ref == f"A1:{queue.cell(row=1, column=queue.max_column).column_letter}4"
    )


def test_init_adds_a_filter_to_a_tab_made_before_filters_and_keeps_a_person_s_choice(
    store: XlsxStore,
) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"].auto_filter.ref = None
    wb.save(store.path)
    assert "Queue (filter)" in store.ensure_tabs()
    assert openpyxl.load_workbook(store.path)["Queue"].auto_filter.ref
    assert store.ensure_tabs() == []


def test_dates_people_type_in_other_forms_still_read(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    queue = wb["Queue"]
    queue.append(["Q-1", datetime(2026, 12, 1, 9, 0, 0, 999_700)])  # a float's rounding error
    queue.append(["Q-2", 46357.375])  # a date whose format was cleared
    queue.append(["Q-3", "1 Dec 2026 09:00"])
    wb.save(store.path)
    created = store.read(["Queue"])["Queue"]["created"].tolist()
    assert created == ["2026-12-01 09:00:01", "2026-12-01 09:00", "1 Dec 2026 09:00"]
