"""A sync with nothing new replays the last one's report, and never hides a change.

On the local workbook with CSV exports, a sync-forms run that changes nothing
keeps a fingerprint of what it read (the exports, the tabs, the settings) in
the hidden State tab; the next run with the same fingerprint skips reading the
responses. Each case below changes something a person changes, then syncs
twice from the same workbook: once with the record (the short way when nothing
changed) and once without it (the long way). Both must end the same.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from automation.config import settings_from_dict
from automation.gather import form_responses
from automation.runner import RunResult, run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import build_workspace
from jobs.sync_forms import TABS
from jobs.sync_settled import SETTLED_KEY, settled_report
from sheets_schema.records import Changes, Delete, Update
from tests.test_sync_forms import NOW, export_rows, make_settings, workspace_for, write_export

WRITTEN = ("Submissions", "Queue", "Acknowledgements", "Feedback")


def sync(
    folder: Path, minutes: int = 0, settings_of: Callable[[Path], object] = make_settings
) -> RunResult:
    return run_job(
        build_workspace(settings_of(folder)), "sync-forms", NOW + timedelta(minutes=minutes)
    )


def written(folder: Path) -> dict[str, list[dict[str, str]]]:
    snap = XlsxStore(folder / "workbook.xlsx").read(WRITTEN)
    return {tab: snap[tab].to_dict("records") for tab in WRITTEN}


def settled_value(folder: Path) -> str | None:
    state = XlsxStore(folder / "workbook.xlsx").read(["State"])["State"]
    found = state.loc[state["key"] == SETTLED_KEY, "value"]
    return str(found.iloc[0]) if len(found) else None


@pytest.fixture
def settled(tmp_path: Path) -> Path:
    """A program whose export was synced, then synced again with nothing new."""
    folder = tmp_path / "settled"
    folder.mkdir()
    write_export(folder, export_rows(6))
    assert run_job(workspace_for(folder), "sync-forms", NOW).counts["submissions_accepted"] == 6
    assert sync(folder, 10).counts["unchanged"] == 6
    return folder


def test_a_sync_with_nothing_new_keeps_a_record_of_what_it_read(settled: Path) -> None:
    value = settled_value(settled)
    assert value is not None and '"unchanged": 6' in value


def test_the_next_sync_with_nothing_new_reads_no_response_and_says_what_the_last_one_said(
    settled: Path,
) -> None:
    workspace = build_workspace(make_settings(settled))
    snapshot = workspace.store.read(TABS)
    inputs = form_responses(workspace, NOW, snapshot)
    assert inputs.responses == {} and settled_report(inputs.fingerprint, inputs.settled) is not None
    before = written(settled)
    again = sync(settled, 20)
    assert again.ok and again.counts["unchanged"] == 6 and again.counts["responses"] == 6
    assert "submissions: 6 response(s) in forms/submissions.csv" in again.lines
    assert written(settled) == before


def new_row(folder: Path) -> None:
    write_export(folder, export_rows(7))


def edited_answer(folder: Path) -> None:
    """Google rewrites an edited response's row: a later time, the new answer."""
    rows = export_rows(6)
    rows[2][0] = "01/11/2026 09:30:41"
    rows[2][5] = "Better details"
    write_export(folder, rows)


def resaved_month_first(folder: Path) -> None:
    """The same responses, saved again by a spreadsheet in another locale, seconds dropped."""
    path = folder / "forms" / "submissions.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        day, month, rest = row[0].split("/", 2)
        row[0] = f"{month}/{day}/{rest[:-3]}"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def coordinator_deletes_a_submission(folder: Path) -> None:
    store = XlsxStore(folder / "workbook.xlsx")
    rid = store.read(["Submissions"])["Submissions"].iloc[0]["response_id"]
    store.apply(Changes(deletes=(Delete("Submissions", (rid,)),)))


def coordinator_retitles_an_item(folder: Path) -> None:
    store = XlsxStore(folder / "workbook.xlsx")
    store.apply(Changes(updates=(Update("Queue", ("Q-0001",), {"headline": "Their title"}),)))


CHANGES = {
    "a new response in the export": new_row,
    "an answer edited in Google Forms": edited_answer,
    "the export re-saved month first without seconds": resaved_month_first,
    "a coordinator deleting a Submissions row": coordinator_deletes_a_submission,
    "a coordinator retitling a Queue item": coordinator_retitles_an_item,
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_whatever_changed_the_sync_ends_as_the_long_way_would(
    settled: Path, tmp_path: Path, change: Callable[[Path], None]
) -> None:
    long_way = tmp_path / "long-way"
    shutil.copytree(settled, long_way)
    XlsxStore(long_way / "workbook.xlsx").apply(Changes(deletes=(Delete("State", (SETTLED_KEY,)),)))
    for folder in (settled, long_way):
        change(folder)
    short, long = sync(settled, 30), sync(long_way, 30)
    assert written(settled) == written(long_way)
    assert short.counts == long.counts and short.lines == long.lines
    assert short.counts["unchanged"] < short.counts["responses"] or change in (
        resaved_month_first,
        coordinator_retitles_an_item,
    )


def test_a_changed_setting_is_read_the_long_way(settled: Path) -> None:
    def wider(folder: Path) -> object:
        settings = make_settings(folder)
        return settings_from_dict(
            {
                **settings.raw,
                "organisation": {**settings.raw["organisation"], "email_domains": ["other.org"]},
            },
            folder / "chorus.toml",
        )

    workspace = build_workspace(wider(settled))  # type: ignore[arg-type]
    inputs = form_responses(workspace, NOW, workspace.store.read(TABS))
    assert (
        settled_report(inputs.fingerprint, inputs.settled) is None
        and len(inputs.responses["submissions"]) == 6
    )


def test_a_run_that_only_added_a_runs_row_keeps_the_short_way(settled: Path) -> None:
    workspace = build_workspace(make_settings(settled))
    assert run_job(workspace, "check-cadence", NOW).outcome in ("ok", "problems")
    inputs = form_responses(workspace, NOW, workspace.store.read(TABS))
    assert inputs.responses == {} and settled_report(inputs.fingerprint, inputs.settled) is not None
