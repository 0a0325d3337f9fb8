"""Rows found by key the same way in every backend: the key of a row, the expect guard, the words.

The workbook, Google Sheets and the memory store each hold cells their own
way, but a person reading a skipped change sees the same sentence whichever
backend skipped it, and an update's `expect` guard compares the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from sheets_schema.cells import column_text
from sheets_schema.columns import Tab
from sheets_schema.records import Append, ApplyResult, Cell, Delete, Update, key_of
from sheets_schema.tabs import TABS


def key_text(key: Iterable[object]) -> tuple[str, ...]:
    """An Update's or Delete's key as the trimmed text a row's key cells are compared with."""
    return tuple(str(k).strip() for k in key)


def row_key(tab: Tab, row: Sequence[object], cols: Sequence[int]) -> tuple[str, ...]:
    """The key of one sheet row (cells at 0-based `cols`; a short row's missing cells are '').

    Read as jobs read it: a date cell is the ISO text a job's key holds.
    """
    return tuple(
        column_text(tab, f, row[c]).strip() if c < len(row) else ""
        for f, c in zip(tab.key, cols, strict=True)
    )


def edited_fields(
    update: Update, positions: Mapping[str, int], value_at: Callable[[int], object]
) -> list[str]:
    """The `expect`ed fields whose cell (read through `value_at(column)`) no longer holds the value read."""
    tab = TABS[update.tab]
    return [
        f
        for f, want in (update.expect or {}).items()
        if f in positions
        and column_text(tab, f, value_at(positions[f])).strip() != str(want).strip()
    ]


def row_writes(
    tab: Tab,
    updates: Iterable[Update],
    appends: Iterable[Append],
    rows_by_key: dict[tuple[str, ...], list[int]],
    last_row: int,
    positions: Mapping[str, int],
    reader: Callable[[int], Callable[[int], object]],
    write: Callable[[int, Mapping[str, Cell], bool], object],
    result: ApplyResult,
) -> int:
    """A file store's updates and appends, in order, through `write(row, values, new)`.

    An update goes to the first row with its key, unless a person changed a
    field it expected since the read (`reader(row)` reads that row's cells, as
    the writes so far left them); an append goes after `last_row` unless its
    key is already there. Skips and counts go into `result`; new keys join
    `rows_by_key`. Returns the last row after the appends.
    """
    for update in updates:
        found = rows_by_key.get(key_text(update.key))
        if not found:
            result.skipped.append(no_row(tab, update.key))
            continue
        changed = edited_fields(update, positions, reader(found[0]))
        if changed:
            result.skipped.append(edited_since_read(tab, update.key, changed))
            continue
        write(found[0], update.values, False)
        result.updated[tab.name] = result.updated.get(tab.name, 0) + 1
    for append in appends:
        key = key_of(tab, append.row)
        if key in rows_by_key:
            result.skipped.append(already_there(tab, key))
            continue
        last_row += 1
        write(last_row, append.row, True)
        rows_by_key[key] = [last_row]
        result.appended[tab.name] = result.appended.get(tab.name, 0) + 1
    return last_row


def deleted_rows(
    tab: Tab,
    deletes: Iterable[Delete],
    rows_by_key: dict[tuple[str, ...], list[int]],
    result: ApplyResult,
) -> list[int]:
    """The row numbers the deletes remove, last first (so removing one moves none of the others).

    Every row with a deleted key goes (a key typed twice leaves no twin behind);
    the keys leave `rows_by_key`, and the count goes into `result`.
    """
    doomed: list[int] = []
    for delete in deletes:
        found = rows_by_key.pop(key_text(delete.key), None)
        if found:
            doomed.extend(found)
            result.deleted[tab.name] = result.deleted.get(tab.name, 0) + len(found)
    return sorted(doomed, reverse=True)


def no_row(tab: Tab, key: Sequence[str]) -> str:
    """Why an update was skipped: its row is gone."""
    return f"{tab.name}: no row with key {'/'.join(key)} (deleted or re-keyed since the read)"


def edited_since_read(tab: Tab, key: Sequence[str], fields: Sequence[str]) -> str:
    """Why an update was skipped: a person changed a guarded cell since the job read it."""
    headers = ", ".join(tab.column(f).header for f in fields)
    return (
        f"{tab.name}: row {'/'.join(key)} was edited since the read ({headers}); "
        "left as the person set it"
    )


def already_there(tab: Tab, key: Sequence[str]) -> str:
    """Why an append was skipped: a row with its key exists."""
    return f"{tab.name}: a row with key {'/'.join(key)} already exists; not added twice"


def removed_copies(tab: Tab, key: Sequence[str], count: int) -> str:
    """What happened to identical second copies of a key (an append that landed twice)."""
    return (
        f"{tab.name}: removed {count} identical extra row(s) with key {'/'.join(key)} "
        "(a write whose answer was lost had landed twice)"
    )


def differing_copies(tab: Tab, key: Sequence[str], rows: Sequence[int]) -> str:
    """Why rows sharing a key were left alone: they differ, so a person decides which stays."""
    where = ", ".join(str(r) for r in rows)
    return (
        f"{tab.name}: rows {where} all have the key {'/'.join(key)} but differ; none was "
        "removed: keep the right one and delete the others"
    )
