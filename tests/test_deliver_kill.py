"""The deliver step killed at every crash point it passes, then run again: the same as an
unbroken one. Here the step does it all in one run: last week's held summaries expire, this
week's go out within the cap, the rest wait. Nothing is sent twice, nothing is lost."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from automation import crash
from automation.runner import run_job
from automation.schedule.deliver import delivery
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.test_deliver import people
from tests.test_kill_and_rerun import die_at, state

LAST_MONDAY = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
DELIVER_AT = datetime(2026, 12, 14, 9, 15, tzinfo=TZ)

#: the points an unbroken deliver passes: the intent write carries the Expired rows
POINTS = (
    "run.read",
    "ledger.spooled",
    "ledger.prepared",
    "xlsx.temp_saved",
    "ledger.pending",
    "outbox.temp_written",
    "ledger.sent",
    "outbox.synced",
    "ledger.confirmed",
)


def program(folder: Path) -> Workspace:
    settings = make_settings(folder, mail={"max_per_run": 2})
    return Workspace(settings=settings, store=XlsxStore(folder / "workbook.xlsx"))


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six managers; last week's run sent two summaries and holds four."""
    folder = tmp_path_factory.mktemp("deliver") / "program"
    folder.mkdir()
    ws = program(folder)
    ws.store.ensure_tabs()
    ws.store.apply(Changes(appends=tuple(Append("People", p) for p in people(6, "Manager"))))
    run_job(ws, "weekly-summary", LAST_MONDAY)
    return folder


@pytest.fixture(scope="module")
def unbroken(before: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list]:
    folder = tmp_path_factory.mktemp("unbroken") / "program"
    shutil.copytree(before, folder)
    with crash.traced() as passed:
        done = delivery(program(folder), DELIVER_AT)
    assert done.results[0].counts["expired"] == 4 and done.results[0].counts["sent"] == 2
    return state(folder), list(dict.fromkeys(passed))


def test_the_deliver_step_passes_the_crash_points_listed(unbroken: tuple[dict, list]) -> None:
    assert tuple(unbroken[1]) == POINTS


@pytest.mark.parametrize("point", POINTS)
def test_a_deliver_killed_at_a_crash_point_then_run_again_loses_and_doubles_nothing(
    before: Path, unbroken: tuple[dict, list], tmp_path: Path, point: str
) -> None:
    folder = tmp_path / "program"
    shutil.copytree(before, folder)
    die_at(point, lambda: delivery(program(folder), DELIVER_AT))
    delivery(program(folder), DELIVER_AT)
    got, expected = state(folder), unbroken[0]
    assert without_mail(got) == without_mail(expected)  # no spool copy or temporary file left
    ids = got["outbox"]
    assert isinstance(ids, list) and len(ids) == len(set(ids))  # every message once
    rows = by_status(got["Sent"])
    assert rows["Expired"] == by_status(expected["Sent"])["Expired"]
    assert rows["Sent"] == set(ids) and not rows["Pending"]
    # A message found sent after the kill does not count against the cap, so one more may go.
    before_rows = by_status(expected["Sent"])
    assert rows["Sent"] | rows["Deferred"] == before_rows["Sent"] | before_rows["Deferred"]
    assert set(expected["outbox"]) <= set(ids)  # type: ignore[arg-type]


def without_mail(found: dict[str, object]) -> dict[str, object]:
    """`state` but the Sent tab, the outbox and its files (one more message may have gone)."""
    files = [f for f in found["files"] if not str(f).startswith("outbox/")]  # type: ignore[attr-defined]
    return {**{k: v for k, v in found.items() if k not in ("outbox", "Sent")}, "files": files}


def by_status(sent: object) -> dict[str, set[str]]:
    """The Sent tab's Message-IDs by Status, from `state`'s rows (the header row left out)."""
    found: dict[str, set[str]] = {s: set() for s in ("Sent", "Deferred", "Expired", "Pending")}
    assert isinstance(sent, list)
    for row in sent:
        if row[0] != "Message ID":
            found[row[7]].add(row[0])
    return found
