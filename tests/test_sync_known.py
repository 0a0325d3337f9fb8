"""A sync reads only the responses added to the export since the last one, and ends as the long way.

On the local workbook, a sync keeps in the hidden State tab a mark of the
submissions export it read (jobs/sync_known.py). The next sync parses only
the rows after the marked bytes when nothing says the long way would read the
marked rows otherwise. Each case below changes what a person changes, then
syncs twice from the same workbook: once with the mark and once without it
(the long way). Both must end the same, and the cases that may take the short
way must take it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from automation.gather import form_responses
from automation.runner import RunResult, run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import build_workspace
from jobs.sync_forms import TABS
from jobs.sync_known import KNOWN_KEY, read_mark
from jobs.sync_settled import SETTLED_KEY
from sheets_schema.records import Changes, Delete
from tests.test_sync_forms import NOW, export_rows, make_settings, workspace_for, write_export

WRITTEN = ("Submissions", "Queue", "Acknowledgements", "Feedback")


def sync(folder: Path, minutes: int) -> RunResult:
    return run_job(
        build_workspace(make_settings(folder)), "sync-forms", NOW + timedelta(minutes=minutes)
    )


def written(folder: Path) -> dict[str, list[dict[str, str]]]:
    snap = XlsxStore(folder / "workbook.xlsx").read(WRITTEN)
    return {tab: snap[tab].to_dict("records") for tab in WRITTEN}


def unread(folder: Path) -> int:
    """How many responses the next sync would leave unread, as known unchanged."""
    workspace = build_workspace(make_settings(folder))
    inputs = form_responses(workspace, NOW, workspace.store.read(TABS))
    return inputs.known.get("submissions", (0, ()))[0]


def state_value(folder: Path, key: str) -> str | None:
    state = XlsxStore(folder / "workbook.xlsx").read(["State"])["State"]
    found = state.loc[state["key"] == key, "value"]
    return str(found.iloc[0]) if len(found) else None


def synced(folder: Path, rows: list[list[str]]) -> Path:
    folder.mkdir()
    write_export(folder, rows)
    first = run_job(workspace_for(folder), "sync-forms", NOW)
    assert first.ok and first.counts["submissions_accepted"] == len(rows)
    return folder


@pytest.fixture(params=[6, 60], ids=["a short export", "an export longer than its sample"])
def marked(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """A program whose export of n responses was synced once, which left its mark."""
    return synced(tmp_path / "marked", export_rows(request.param))


def grown(folder: Path, extra: list[list[str]]) -> None:
    rows = export_rows(_count(folder))
    write_export(folder, rows + extra)


def _count(folder: Path) -> int:
    return len(XlsxStore(folder / "workbook.xlsx").read(["Submissions"])["Submissions"])


def new_rows(folder: Path) -> None:
    """Google appends two responses, one a second Submit of an earlier item (an edit)."""
    n = _count(folder)
    later = export_rows(n + 2)[n:]
    later[1][1], later[1][4] = "p3@example.org", "Item 3"  # same person, same headline as row 3
    grown(folder, later)


def new_row_in_the_last_marked_minute(folder: Path) -> None:
    n = _count(folder)
    row = export_rows(n + 1)[n]
    row[0] = export_rows(n)[-1][0][:-2] + "59"
    row[1] = export_rows(n)[-1][1]
    grown(folder, [row])


def new_row_proving_month_first(folder: Path) -> None:
    """Every marked date reads either way; the new one says month first (11/13)."""
    n = _count(folder)
    row = export_rows(n + 1)[n]
    row[0] = "11/13/2026 09:00:00"
    grown(folder, [row])


def edited_answer(folder: Path) -> None:
    """Google rewrites an edited response's row in place: the marked bytes differ."""
    rows = export_rows(_count(folder))
    rows[2][0] = "01/11/2026 09:30:41"
    rows[2][5] = "Better details"
    write_export(folder, rows)


def coordinator_deletes_a_submission_and_a_row_arrives(folder: Path) -> None:
    store = XlsxStore(folder / "workbook.xlsx")
    rid = store.read(["Submissions"])["Submissions"].iloc[0]["response_id"]
    n = _count(folder)
    store.apply(Changes(deletes=(Delete("Submissions", (rid,)),)))
    write_export(folder, export_rows(n + 2))


SHORT = {"new rows at the end, one an edit": new_rows}
LONG = {
    "a new row in the last marked minute": new_row_in_the_last_marked_minute,
    "a new row proving the dates are month first": new_row_proving_month_first,
    "an answer edited in Google Forms": edited_answer,
    "a deleted Submissions row": coordinator_deletes_a_submission_and_a_row_arrives,
}


@pytest.mark.parametrize("change", [*SHORT.values(), *LONG.values()], ids=[*SHORT, *LONG])
def test_whatever_was_added_the_sync_ends_as_the_long_way_would(
    marked: Path, tmp_path: Path, change: Callable[[Path], None]
) -> None:
    long_way = tmp_path / "long-way"
    shutil.copytree(marked, long_way)
    XlsxStore(long_way / "workbook.xlsx").apply(Changes(deletes=(Delete("State", (KNOWN_KEY,)),)))
    n = _count(marked)
    for folder in (marked, long_way):
        change(folder)
    assert unread(marked) == (n if change in SHORT.values() else 0)
    assert unread(long_way) == 0
    short, long = sync(marked, 30), sync(long_way, 30)
    assert written(marked) == written(long_way)
    assert short.counts == long.counts and short.lines == long.lines
    assert short.problems == long.problems
    short_mark, long_mark = (read_mark(state_value(f, KNOWN_KEY)) for f in (marked, long_way))
    assert short_mark is not None and long_mark is not None
    assert replace(short_mark, basis="") == replace(long_mark, basis="")  # basis: the folder


def test_the_short_way_reads_only_the_new_rows_and_counts_the_others_unchanged(
    marked: Path,
) -> None:
    n = _count(marked)
    new_rows(marked)
    result = sync(marked, 30)
    assert result.counts["responses"] == n + 2 and result.counts["unchanged"] == n
    assert result.counts["submissions_accepted"] == 2 and result.counts["edits"] == 1
    assert f"submissions: {n + 2} response(s) in forms/submissions.csv" in result.lines
    assert unread(marked) == n + 2  # the short way's own mark serves the next sync
    assert sync(marked, 40).counts["unchanged"] == n + 2


def test_the_mark_says_what_was_read_and_a_sync_with_nothing_new_still_settles(
    marked: Path,
) -> None:
    n = _count(marked)
    mark = read_mark(state_value(marked, KNOWN_KEY))
    export = marked / "forms" / "submissions.csv"
    assert mark is not None and mark.size == export.stat().st_size
    assert mark.responses == n and mark.records == n + 1
    again = sync(marked, 10)
    assert again.counts["unchanged"] == n and again.counts["responses"] == n
    assert state_value(marked, SETTLED_KEY) is not None  # nothing changed: the settled record


def test_a_mark_a_person_edited_is_ignored(marked: Path) -> None:
    store = XlsxStore(marked / "workbook.xlsx")
    from sheets_schema.records import Update

    store.apply(Changes(updates=(Update("State", (KNOWN_KEY,), {"value": "{oops"}),)))
    assert unread(marked) == 0
    assert sync(marked, 10).counts["unchanged"] == _count(marked)


def test_a_new_row_within_a_minute_of_the_same_persons_marked_one_is_read_the_long_way(
    tmp_path: Path,
) -> None:
    """identify may take it for the marked response re-saved: which pairs it makes depends
    on every response, so the mark cannot stand in for the marked ones."""
    rows = export_rows(6)
    rows[-1][0] = rows[-1][0][:-2] + "40"  # 08:05:40
    folders = [synced(tmp_path / "short", rows), tmp_path / "long"]
    shutil.copytree(folders[0], folders[1])
    XlsxStore(folders[1] / "workbook.xlsx").apply(Changes(deletes=(Delete("State", (KNOWN_KEY,)),)))
    near = [*export_rows(7)[6][:1], *rows[-1][1:]]
    near[0] = "01/11/2026 08:06:10"  # a later minute, 30 seconds after the same person's
    for folder in folders:
        write_export(folder, [*rows, near])
    assert unread(folders[0]) == 0
    short, long = sync(folders[0], 30), sync(folders[1], 30)
    assert written(folders[0]) == written(folders[1]) and short.counts == long.counts


def test_an_export_whose_last_line_has_no_line_end_is_read_after_its_mark(
    tmp_path: Path,
) -> None:
    """The marked bytes end inside the last line; the new export goes on with its line end."""
    folders = [tmp_path / "short", tmp_path / "long"]

    def unended(folder: Path, n: int) -> None:
        write_export(folder, export_rows(n))
        export = folder / "forms" / "submissions.csv"
        export.write_bytes(export.read_bytes().removesuffix(b"\r\n"))

    folders[0].mkdir()
    unended(folders[0], 5)
    assert run_job(workspace_for(folders[0]), "sync-forms", NOW).ok
    shutil.copytree(folders[0], folders[1])
    XlsxStore(folders[1] / "workbook.xlsx").apply(Changes(deletes=(Delete("State", (KNOWN_KEY,)),)))
    for folder in folders:
        unended(folder, 8)
    assert unread(folders[0]) == 5
    short, long = sync(folders[0], 30), sync(folders[1], 30)
    assert written(folders[0]) == written(folders[1]) and short.counts == long.counts
    assert short.counts["submissions_accepted"] == 3 and short.lines == long.lines
