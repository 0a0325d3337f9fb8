"""The in-memory backend: every tab as rows of cells, so rule and runner tests need no file.

It keeps the semantics of the workbook and of Google Sheets, not a shortcut
of them: columns are found by header (people's own columns stay where they
are), rows by key, updates honour `expect`, a change is written whole or not
at all, text over a cell's limit is refused, and locks exclude. `sheet(tab)`
hands a test the live rows to edit as a person would between read and write.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager

from automation.store import keys
from automation.store.xlsx import EXCEL_CELL_LIMIT
from sheets_schema.about import about_rows
from sheets_schema.cells import cell_to_text
from sheets_schema.columns import Tab, normalise_header
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import (
    Append,
    ApplyResult,
    Cell,
    Changes,
    Delete,
    Snapshot,
    Update,
    check_cell_sizes,
    check_changes,
    frame_from_sheet_rows,
    key_of,
    require_columns,
)
from sheets_schema.tabs import README_TAB, TAB_ORDER, TABS

Grid = list[list[Cell]]


class MemoryStore:
    """A Store whose spreadsheet lives in this process: a grid of cells per tab, header row first.

    `cell_limit` defaults to the workbook's (the smaller of the two real
    backends), so what this store accepts, both real ones accept.
    """

    counts_google_calls = False

    def __init__(self, *, cell_limit: int = EXCEL_CELL_LIMIT, lock_timeout: float = 60.0) -> None:
        self.calls = 0
        self.cell_limit = cell_limit
        self.lock_timeout = lock_timeout
        self._tabs: dict[str, Grid] = {}  # the title as created -> its rows
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def sheet(self, name: str) -> Grid:
        """The live rows of a tab (row 0 is the headers): edit them as a person would."""
        for title, grid in self._tabs.items():
            if normalise_header(title) == normalise_header(name):
                return grid
        raise SheetError(
            "the tab is missing from the spreadsheet",
            tab=name,
            fix="run `chorus init` to add it",
        )

    def read(self, tabs: Iterable[str]) -> Snapshot:
        """Every named tab as a DataFrame, as the workbook and Sheets read them."""
        names = list(dict.fromkeys(tabs))
        for name in names:
            if name not in TABS:
                raise ValueError(f"unknown tab {name!r}")
        self.calls += 1
        return Snapshot(
            {name: frame_from_sheet_rows(TABS[name], self.sheet(name)) for name in names}
        )

    def apply(self, changes: Changes) -> ApplyResult:
        """Updates, then appends, then deletes, per tab; nothing lands if any tab is refused."""
        check_changes(changes)
        check_cell_sizes(changes, self.cell_limit)
        result = ApplyResult()
        if not changes:
            return result
        self.calls += 1
        # Work on copies and swap them in at the end: a tab refused half-way (a required
        # column renamed) leaves every tab as it was, as the workbook's unsaved file does.
        written: dict[str, Grid] = {}
        for name in changes.tabs:
            grid = [list(row) for row in self.sheet(name)]
            _apply_tab(
                grid,
                TABS[name],
                [a for a in changes.appends if a.tab == name],
                [u for u in changes.updates if u.tab == name],
                [d for d in changes.deletes if d.tab == name],
                result,
            )
            written[name] = grid
        for name, grid in written.items():
            self.sheet(name)[:] = grid
        return result

    def write_cost(self, changes: Changes) -> int:
        """Backend calls `apply` spends: one, when there is anything to write."""
        return 1 if changes else 0

    def ensure_tabs(self, tabs: Iterable[str] | None = None) -> list[str]:
        """Create missing tabs and header columns; a new spreadsheet gets its About tab first."""
        names = list(tabs) if tabs is not None else list(TAB_ORDER)
        self.calls += 1
        created: list[str] = []
        if not self._tabs:
            self._tabs[README_TAB] = [list[Cell](row) for row in about_rows()]
            created.append(README_TAB)
        have_tabs = {normalise_header(t) for t in self._tabs}
        for name in names:
            tab = TABS[name]
            if normalise_header(name) not in have_tabs:
                self._tabs[name] = [list(tab.headers)]
                created.append(name)
                continue
            header_row = self.sheet(name)[0]
            have = {normalise_header(cell_to_text(h)) for h in header_row}
            added = [c.header for c in tab.columns if normalise_header(c.header) not in have]
            for header in added:
                _put(header_row, _last_header(header_row), header)
            created.extend(f"{name}!{h}" for h in added)
        return created

    def lock(self, name: str = "run") -> AbstractContextManager[None]:
        """An exclusive lock within this process, waiting up to lock_timeout."""
        return self._held(name, self.lock_timeout)

    def try_lock(self, name: str) -> AbstractContextManager[None]:
        """A lock that fails at once when someone else holds it (the scheduler's)."""
        return self._held(name, 0)

    def describe(self) -> str:
        """For people: this spreadsheet is nowhere on disk."""
        return "an in-memory spreadsheet"

    @contextmanager
    def _held(self, name: str, timeout: float) -> Iterator[None]:
        with self._locks_guard:
            lock = self._locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise BackendError(
                f"another Chorus run holds the {name} lock on {self.describe()}",
                fix="wait for it to finish",
            )
        try:
            yield
        finally:
            lock.release()


def _last_header(header_row: list[Cell]) -> int:
    """The column after the last non-blank header: where a missing column is added."""
    return max((i + 1 for i, h in enumerate(header_row) if cell_to_text(h).strip()), default=0)


def _put(row: list[Cell], col: int, value: Cell) -> None:
    """Set one cell, widening a short row with blanks."""
    if col >= len(row):
        row.extend([None] * (col + 1 - len(row)))
    row[col] = value


def _stored(value: Cell) -> Cell:
    """A value as a cell holds it: blank is empty, booleans are Yes/No, numbers stay numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


def _apply_tab(
    grid: Grid,
    tab: Tab,
    appends: list[Append],
    updates: list[Update],
    deletes: list[Delete],
    result: ApplyResult,
) -> None:
    """One tab's share of a write, on `grid` in place: rows found by key, columns by header."""
    headers = [cell_to_text(h).strip() for h in grid[0]]
    positions = require_columns(tab, headers)
    # A column the schema knows but the tab lacks is added after the last header, so
    # nothing a job writes is lost; columns people added stay where they are.
    needed = {f for a in appends for f in a.row} | {f for u in updates for f in u.values}
    for f in tab.fields:
        if f in needed and f not in positions:
            positions[f] = _last_header(grid[0])
            _put(grid[0], positions[f], tab.column(f).header)
    rows_by_key = _rows_by_key(tab, grid, [positions[k] for k in tab.key])
    for update in updates:
        _update(grid, tab, update, positions, rows_by_key, result)
    last_row = max((r for found in rows_by_key.values() for r in found), default=0)
    for append in appends:
        key = key_of(tab, append.row)
        if key in rows_by_key:
            result.skipped.append(keys.already_there(tab, key))
            continue
        last_row += 1
        if last_row == len(grid):
            grid.append([])
        for f, value in append.row.items():
            _put(grid[last_row], positions[f], _stored(value))
        rows_by_key[key] = [last_row]
        result.appended[tab.name] = result.appended.get(tab.name, 0) + 1
    for r in keys.deleted_rows(tab, deletes, rows_by_key, result):
        del grid[r]


def _rows_by_key(tab: Tab, grid: Grid, key_cols: list[int]) -> dict[tuple[str, ...], list[int]]:
    """Where each key is: every non-blank row's index in the grid (a key typed twice has two)."""
    found: dict[tuple[str, ...], list[int]] = {}
    for r, row in enumerate(grid[1:], start=1):
        if any(cell_to_text(v).strip() for v in row):
            found.setdefault(keys.row_key(tab, row, key_cols), []).append(r)
    return found


def _update(
    grid: Grid,
    tab: Tab,
    update: Update,
    positions: dict[str, int],
    rows_by_key: dict[tuple[str, ...], list[int]],
    result: ApplyResult,
) -> None:
    """Write one keyed update into the first row with its key, unless a guarded cell changed."""
    found = rows_by_key.get(keys.key_text(update.key))
    if not found:
        result.skipped.append(keys.no_row(tab, update.key))
        return
    row = grid[found[0]]
    changed = keys.edited_fields(update, positions, lambda c: row[c] if c < len(row) else None)
    if changed:
        result.skipped.append(keys.edited_since_read(tab, update.key, changed))
        return
    for f, value in update.values.items():
        _put(row, positions[f], _stored(value))
    result.updated[tab.name] = result.updated.get(tab.name, 0) + 1
