"""One contract every Store passes: the memory store, the local workbook and Google Sheets (the twin).

Each backend registers a factory of an empty store in STORE_FACTORIES; every
test here runs against each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from automation.store.base import Store
from automation.store.gsheets import SheetsStore
from automation.store.memory import MemoryStore
from automation.store.xlsx import XlsxStore
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import Append, Changes, Delete, Update
from tests.fakes.google import make_app
from tests.google_store_factory import google_services


def _google(tmp_path: Path) -> Store:
    twin = make_app(require_auth=True)
    spreadsheet_id = twin.create_spreadsheet("Chorus contract")
    return SheetsStore(google_services(twin, tmp_path), spreadsheet_id, lock_dir=tmp_path)


STORE_FACTORIES: dict[str, Callable[[Path], Store]] = {
    "memory": lambda tmp_path: MemoryStore(),
    "xlsx": lambda tmp_path: XlsxStore(tmp_path / "workbook.xlsx"),
    "google": _google,
}


@pytest.fixture(params=sorted(STORE_FACTORIES))
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A store with no tabs yet."""
    return STORE_FACTORIES[request.param](tmp_path)


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A store with every Chorus tab."""
    empty_store.ensure_tabs()
    return empty_store


def queue_row(n: int, **extra: str) -> dict[str, str]:
    row = {
        "id": f"Q-{n:04d}",
        "source_kind": "Organisation",
        "source_type": "News release",
        "headline": f"Headline {n}",
        "status": "New",
    }
    row.update(extra)
    return row


def test_every_backend_offers_the_whole_port(store: Store) -> None:
    assert isinstance(store, Store)
    assert isinstance(store.counts_google_calls, bool)


def test_rows_written_are_read_back_by_field(store: Store) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 4))))
    queue = store.read(["Queue"])["Queue"]
    assert queue["id"].tolist() == ["Q-0001", "Q-0002", "Q-0003"]
    assert queue["headline"].tolist() == ["Headline 1", "Headline 2", "Headline 3"]
    assert queue.loc[queue.index[0], "details"] == ""
    assert list(queue.index) == [2, 3, 4]


def test_updates_are_addressed_by_key(store: Store) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 4))))
    result = store.apply(Changes(updates=(Update("Queue", ("Q-0002",), {"status": "Approved"}),)))
    queue = store.read(["Queue"])["Queue"].set_index("id")
    assert queue.loc["Q-0002", "status"] == "Approved"
    assert queue.loc["Q-0001", "status"] == "New"
    assert result.updated == {"Queue": 1}


def test_an_update_for_a_deleted_row_is_reported_not_applied_elsewhere(store: Store) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    store.apply(Changes(deletes=(Delete("Queue", ("Q-0001",)),)))
    result = store.apply(Changes(updates=(Update("Queue", ("Q-0001",), {"status": "Approved"}),)))
    assert store.read(["Queue"])["Queue"].empty
    assert result.updated == {}
    assert "Q-0001" in result.skipped[0]


def test_an_update_never_overwrites_a_persons_edit(store: Store) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    store.apply(
        Changes(updates=(Update("Queue", ("Q-0001",), {"status": "Scheduled"}),))
    )  # the person
    result = store.apply(
        Changes(
            updates=(
                Update("Queue", ("Q-0001",), {"status": "Approved"}, expect={"status": "New"}),
            )
        )
    )
    assert store.read(["Queue"])["Queue"]["status"].tolist() == ["Scheduled"]
    assert "edited since the read" in result.skipped[0]


def test_appending_an_existing_key_twice_adds_one_row(store: Store) -> None:
    change = Changes(appends=(Append("Queue", queue_row(7)),))
    store.apply(change)
    second = store.apply(change)
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0007"]
    assert second.appended == {}


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "+1",
        "-2",
        "@SUM(A1)",
        "=1+1",
        "'quoted",
        "0042",
        "1e5",
        "TRUE",
    ],
)
def test_formula_looking_text_stays_inert_text(store: Store, text: str) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1, headline=text, details=text)),)))
    queue = store.read(["Queue"])["Queue"]
    assert queue["headline"].tolist() == [text]
    assert queue["details"].tolist() == [text]


def test_unicode_and_multiline_text_round_trips(store: Store) -> None:
    text = 'Café ☕ — שלום עולם 🎉\nsecond line, with "quotes"'
    store.apply(Changes(appends=(Append("Queue", queue_row(1, details=text)),)))
    assert store.read(["Queue"])["Queue"]["details"].tolist() == [text]


def test_multi_field_keys_address_one_row(store: Store) -> None:
    rows = [
        {"date": "2026-11-24", "channel": "X", "slot": "09:00-11:00 #1", "status": "Gap"},
        {"date": "2026-11-24", "channel": "LinkedIn", "slot": "09:00-11:00 #1", "status": "Gap"},
    ]
    store.apply(Changes(appends=tuple(Append("Cadence", r) for r in rows)))
    store.apply(
        Changes(
            updates=(
                Update("Cadence", ("2026-11-24", "X", "09:00-11:00 #1"), {"status": "Filled"}),
            )
        )
    )
    cadence = store.read(["Cadence"])["Cadence"].set_index("channel")
    assert cadence.loc["X", "status"] == "Filled"
    assert cadence.loc["LinkedIn", "status"] == "Gap"


def test_deletes_remove_only_the_keyed_rows(store: Store) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 6))))
    result = store.apply(
        Changes(deletes=(Delete("Queue", ("Q-0002",)), Delete("Queue", ("Q-0004",))))
    )
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0001", "Q-0003", "Q-0005"]
    assert result.deleted == {"Queue": 2}


def test_reading_several_tabs_at_once(store: Store) -> None:
    store.apply(
        Changes(
            appends=(
                Append("Queue", queue_row(1)),
                Append("People", {"name": "Ada", "email": "ada@example.org", "active": "Yes"}),
            )
        )
    )
    snapshot = store.read(["Queue", "People", "Goals"])
    assert set(snapshot) == {"Queue", "People", "Goals"}
    assert snapshot["People"]["email"].tolist() == ["ada@example.org"]
    assert snapshot["Goals"].empty


def test_ensure_tabs_is_idempotent(store: Store) -> None:
    assert store.ensure_tabs() == []


def test_unknown_fields_in_a_change_are_a_bug(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown fields"):
        store.apply(Changes(appends=(Append("Queue", {**queue_row(1), "colour": "red"}),)))


def test_an_error_names_the_missing_tab(empty_store: Store) -> None:
    empty_store.ensure_tabs(["Queue"])
    with pytest.raises(SheetError, match="'People'"):
        empty_store.read(["People"])


def test_text_longer_than_any_backends_cell_is_refused_with_nothing_written(store: Store) -> None:
    too_long = "x" * 50_001
    with pytest.raises(SheetError, match="a cell holds at most"):
        store.apply(
            Changes(
                appends=(
                    Append("Queue", queue_row(1)),
                    Append("Queue", queue_row(2, details=too_long)),
                )
            )
        )
    assert store.read(["Queue"])["Queue"].empty


def test_a_long_text_among_many_rows_and_numbers_is_refused_naming_its_row(store: Store) -> None:
    # rows are looked over a tab at a time; a tab with a number or a long text row by row
    rows = [Append("Queue", queue_row(n)) for n in range(1, 40)]
    rows[17] = Append("Queue", queue_row(18, details="y" * 50_001))
    with pytest.raises(SheetError, match="row Q-0018 is 50,001 characters"):
        store.apply(Changes(appends=(Append("Runs", {"run_id": "r-1", "api_calls": 3}), *rows)))
    assert store.read(["Queue"])["Queue"].empty


def test_write_cost_is_what_the_write_spends(store: Store) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    changes = Changes(
        appends=(Append("Queue", queue_row(2)), Append("Runs", {"run_id": "r-1", "job": "x"})),
        updates=(Update("Queue", ("Q-0001",), {"status": "Approved"}),),
    )
    before = store.calls
    store.apply(changes)
    assert store.calls - before == store.write_cost(changes) > 0
    assert store.write_cost(Changes()) == 0


def test_a_held_lock_makes_try_lock_fail_at_once(store: Store) -> None:
    with store.lock("scheduler"):
        with pytest.raises(BackendError, match="scheduler"):
            with store.try_lock("scheduler"):
                pass  # pragma: no cover - the lock is held
    with store.try_lock("scheduler"):
        pass  # free again once released
