"""One contract every Store passes: the local workbook and Google Sheets (through the twin).

Each backend registers a factory in STORE_FACTORIES; every test here runs
against each of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from automation.store.base import Store
from automation.store.xlsx import XlsxStore
from sheets_schema.errors import SheetError
from sheets_schema.records import Append, Changes, Delete, Update


def _xlsx(tmp_path: Path) -> Store:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    return store


STORE_FACTORIES: dict[str, Callable[[Path], Store]] = {"xlsx": _xlsx}

try:  # the Google store joins the contract when its twin and adapter are present
    from tests.google_store_factory import google_store

    STORE_FACTORIES["google"] = google_store
except ModuleNotFoundError as exc:  # pragma: no cover - only before the Google backend lands
    if exc.name not in ("tests.google_store_factory",):
        raise


@pytest.fixture(params=sorted(STORE_FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return STORE_FACTORIES[request.param](tmp_path)


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


def test_an_error_names_the_missing_tab(tmp_path: Path) -> None:
    store = XlsxStore(tmp_path / "w.xlsx")
    store.ensure_tabs(["Queue"])
    with pytest.raises(SheetError, match="'People'"):
        store.read(["People"])
