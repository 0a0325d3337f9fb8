"""The shell around every job: one read, one write (the Runs row included), an honest Runs row."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from automation.runner import run_job
from automation.store.memory import MemoryStore
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from jobs.base import Job, Plan, Report
from sheets_schema.records import Append, Changes, Snapshot, Update
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_store

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)


def tagging_job(expect_status: str = "New") -> Job:
    """Approves Q-1 if it is still as read, and adds Q-2."""

    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        return Plan(
            changes=Changes(
                appends=(
                    Append(
                        "Queue",
                        {"id": "Q-2", "source_kind": "External", "headline": "b", "status": "New"},
                    ),
                ),
                updates=(
                    Update(
                        "Queue", ("Q-1",), {"status": "Approved"}, expect={"status": expect_status}
                    ),
                ),
            ),
            report=Report(counts={"approved": 1}),
        )

    return Job("tagging", "a test job", ("Queue",), plan)


def seeded(store: Any) -> Any:
    store.apply(
        Changes(
            appends=(
                Append(
                    "Queue",
                    {"id": "Q-1", "source_kind": "External", "headline": "a", "status": "New"},
                ),
            )
        )
    )
    return store


def test_a_job_without_mail_writes_its_changes_and_its_runs_row_in_one_write(
    tmp_path: Path,
) -> None:
    store = seeded(_xlsx(tmp_path))
    workspace = Workspace(make_settings(tmp_path), store)
    before = store.calls
    result = run_job(workspace, "tagging", NOW, job=tagging_job())
    assert store.calls - before == 2  # one read and one save: the write edits the bytes read
    assert result.outcome == "ok" and result.api_calls == 2
    runs = store.read(["Runs"])["Runs"]
    assert runs[["job", "outcome", "summary", "api_calls"]].values.tolist() == [
        ["tagging", "ok", "approved 1", "2"]
    ]
    assert store.read(["Queue"])["Queue"]["status"].tolist() == ["Approved", "New"]


def test_a_change_left_alone_turns_the_runs_row_into_problems(tmp_path: Path) -> None:
    store = seeded(_memory())
    workspace = Workspace(make_settings(tmp_path), store)
    result = run_job(workspace, "tagging", NOW, job=tagging_job(expect_status="Scheduled"))
    assert result.outcome == "problems" and "edited since the read" in result.skipped[0]
    runs = store.read(["Runs"])["Runs"]
    assert len(runs) == 1  # corrected in place, not a second row
    assert runs["outcome"].tolist() == ["problems"]
    assert "1 change skipped" in runs["summary"].iloc[0]


def test_the_runs_row_counts_exactly_the_calls_google_saw(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    store = seeded(google_store(tmp_path, twin))
    workspace = Workspace(make_settings(tmp_path), store, google=store.services)
    twin.reset_calls()
    result = run_job(workspace, "tagging", NOW, job=tagging_job())
    seen = twin.call_count(api="sheets")
    assert result.api_calls == seen
    assert store.read(["Runs"])["Runs"]["api_calls"].tolist() == [str(seen)]
    assert seen == 5  # read, re-read, values update, an append to Queue and one to Runs


def _xlsx(tmp_path: Path) -> XlsxStore:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    return store


def _memory() -> MemoryStore:
    store = MemoryStore()
    store.ensure_tabs()
    return store


def test_the_runs_row_counts_the_memory_stores_one_read_and_one_write(tmp_path: Path) -> None:
    store = seeded(_memory())
    result = run_job(Workspace(make_settings(tmp_path), store), "tagging", NOW, job=tagging_job())
    assert result.api_calls == 2
    assert store.read(["Runs"])["Runs"]["api_calls"].tolist() == ["2"]


def test_a_failing_job_still_leaves_one_failed_runs_row(tmp_path: Path) -> None:
    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        raise RuntimeError("a bug")

    store = _memory()
    workspace = Workspace(make_settings(tmp_path), store)
    with pytest.raises(RuntimeError):
        run_job(workspace, "broken", NOW, job=Job("broken", "fails", ("Queue",), plan))
    runs = store.read(["Runs"])["Runs"]
    assert runs[["job", "outcome"]].values.tolist() == [["broken", "failed"]]
    assert "RuntimeError: a bug" in runs["summary"].iloc[0]


def test_a_run_gives_back_the_cycle_collector_as_it_found_it_even_when_the_job_fails(
    tmp_path: Path,
) -> None:
    import gc

    seen: list[tuple[int, ...]] = []

    def plan(snapshot: Snapshot, now: datetime, settings: Any, inputs: Any) -> Plan:
        seen.append(gc.get_threshold())
        raise RuntimeError("a bug")

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    workspace = Workspace(make_settings(tmp_path), _memory())
    with pytest.raises(RuntimeError):
        run_job(workspace, "broken", NOW, job=Job("broken", "fails", ("Queue",), plan))

    assert seen == [(10_000, *before[1:])]  # the youngest generation waits longer in a run
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_the_shell_of_a_local_run_loads_no_google_library() -> None:
    # The adapters that need Google import it when the settings name them; a local
    # installation, or a machine without Google's libraries, never pays for them.
    probe = (
        "import sys, automation.cli, automation.runner, automation.gather;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('google', 'googleapiclient', 'gspread', 'tomlkit')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
