"""Property: any batches of appends, keyed updates and deletes leave the same tab on every backend.

Hypothesis draws a few batches of changes over a small pool of keys (so
updates and deletes meet real rows, and some appends repeat a key) with
awkward text (unicode, leading '=', digits with leading zeros, spaces).
Applied to the local workbook (XlsxStore), to the Google twin (SheetsStore)
and to the memory store, the tab read back is the same DataFrame, row
numbers included, and equals a plain-Python model of the Store contract.

Found by it: a row appended and deleted in the same Changes stayed on
Google but not in the workbook (since fixed in SheetsStore.apply).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automation.store.gsheets import SheetsStore
from automation.store.memory import MemoryStore
from automation.store.xlsx import XlsxStore
from sheets_schema.records import Append, Changes, Delete, Update, frame_from_rows
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

TAB = "Queue"
KEYS = [f"Q-{n}" for n in range(1, 7)]
EDITABLE = ("headline", "details", "status", "notes", "channels")
# Text people and forms type: unicode, formula-looking, numeric-looking; no control
# characters (an .xlsx cannot hold them) and no leading/trailing blanks (both
# backends keep them, but a sheet UI trims them on typing; kept simple here).
TEXT = st.one_of(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12
    ).map(str.strip),
    st.sampled_from(
        ["=1+1", '=HYPERLINK("x")', "007", "1e5", "TRUE", "2027-03-01", "🎉 win", "مرحبا", "+44 20"]
    ),
)
VALUES = st.dictionaries(st.sampled_from(EDITABLE), TEXT, min_size=1, max_size=3)
OP = st.one_of(
    st.tuples(st.just("append"), st.sampled_from(KEYS), VALUES),
    st.tuples(st.just("update"), st.sampled_from(KEYS), VALUES),
    st.tuples(st.just("delete"), st.sampled_from(KEYS), st.just({})),
)


BATCHES = st.lists(st.lists(OP, min_size=1, max_size=5), min_size=1, max_size=3)


def changes_of(batch: list[tuple[str, str, dict[str, str]]]) -> Changes:
    appends, updates, deletes = [], [], []
    for kind, key, values in batch:
        if kind == "append":
            appends.append(
                Append(
                    TAB,
                    {
                        "id": key,
                        "source_kind": "External",
                        "headline": "h",
                        "status": "New",
                        **values,
                    },
                )
            )
        elif kind == "update":
            updates.append(Update(TAB, (key,), values))
        else:
            deletes.append(Delete(TAB, (key,)))
    return Changes(tuple(appends), tuple(updates), tuple(deletes))


def model(batches: list[list[tuple[str, str, dict[str, str]]]]) -> pd.DataFrame:
    """The Store contract in plain Python: updates, then appends (new keys only), then deletes."""
    rows: list[dict[str, str]] = []
    for batch in batches:
        c = changes_of(batch)
        for u in c.updates:
            for row in rows:
                if row["id"] == u.key[0]:
                    row.update(u.values)
                    break
        for a in c.appends:
            if all(row["id"] != a.row["id"] for row in rows):
                rows.append(dict(a.row))
        doomed = {d.key[0] for d in c.deletes}
        rows = [r for r in rows if r["id"] not in doomed]
    return frame_from_rows(TAB, rows)


@pytest.fixture(scope="module")
def google(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    twin = make_app(require_auth=True)
    folder = tmp_path_factory.mktemp("google")
    return twin, google_services(twin, folder), folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("xlsx")


COUNTER = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=BATCHES)
def test_any_appends_updates_and_deletes_leave_the_same_tab_locally_and_on_google(
    batches: list[list[tuple[str, str, dict[str, str]]]],
    google: tuple[Any, Any, Path],
    folder: Path,
) -> None:
    twin, services, lock_dir = google
    n = next(COUNTER)
    local = XlsxStore(folder / f"workbook-{n}.xlsx")
    local.ensure_tabs([TAB])
    remote = SheetsStore(services, twin.create_spreadsheet(f"Property {n}"), lock_dir=lock_dir)
    remote.ensure_tabs([TAB])
    memory = MemoryStore()
    memory.ensure_tabs([TAB])

    for batch in batches:
        local_result = local.apply(changes_of(batch))
        remote_result = remote.apply(changes_of(batch))
        memory_result = memory.apply(changes_of(batch))
        assert local_result == remote_result == memory_result

    on_disk = local.read([TAB])[TAB]
    pd.testing.assert_frame_equal(on_disk, remote.read([TAB])[TAB])
    pd.testing.assert_frame_equal(on_disk, memory.read([TAB])[TAB])
    pd.testing.assert_frame_equal(on_disk, model(batches), check_index_type=False)


def test_a_row_appended_and_deleted_in_one_write_is_gone_on_both_backends(
    google: tuple[Any, Any, Path], folder: Path
) -> None:
    twin, services, lock_dir = google
    local = XlsxStore(folder / "append-delete.xlsx")
    local.ensure_tabs([TAB])
    remote = SheetsStore(services, twin.create_spreadsheet("Append and delete"), lock_dir=lock_dir)
    remote.ensure_tabs([TAB])
    batch = [("append", "Q-1", {"headline": "0"}), ("delete", "Q-1", {})]

    local.apply(changes_of(batch))
    remote.apply(changes_of(batch))

    assert list(local.read([TAB])[TAB]["id"]) == []
    assert list(remote.read([TAB])[TAB]["id"]) == []
