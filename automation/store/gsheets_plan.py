"""How one Sheets write is planned from a fresh read: cells as written RAW, columns found by
header, rows found by key, updates cut into runs of adjacent cells, and the rows a write
deletes (by key, or identical extra copies of a key that an append whose answer was lost
left behind). Pure functions over the rows `values:batchGet` returned; no request is sent here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from automation.store import keys
from automation.store.gsheets_setup import column_requests, header_cells
from sheets_schema.cells import cell_to_text, column_reader, to_serial, typed
from sheets_schema.columns import Column, Kind, Tab
from sheets_schema.errors import ChorusError
from sheets_schema.headers import column_letter
from sheets_schema.records import ApplyResult, Cell, Changes, Update, key_of, require_columns


def quote_tab(name: str) -> str:
    """A1 notation for a whole tab: 'My Tab' with single quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


def raw_cell(value: Cell, kind: Kind) -> Any:
    """A cell as written RAW: a date as its serial number (the column's format shows it as a
    date), a whole number as a number, anything else as the text it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    held = typed(kind, value)
    if isinstance(held, date):
        return to_serial(held)
    return held


def added_columns_requests(
    tab: Tab, props: dict[str, Any], start: int, missing: list[Column]
) -> list[dict[str, Any]]:
    """Headers, dropdowns and formats for columns a tab lacks, widening the grid if it must."""
    if not missing:
        return []
    requests: list[dict[str, Any]] = []
    grid_cols = props.get("gridProperties", {}).get("columnCount", 26)
    if start + len(missing) > grid_cols:
        requests.append(
            {
                "appendDimension": {
                    "sheetId": props["sheetId"],
                    "dimension": "COLUMNS",
                    "length": start + len(missing) - grid_cols,
                }
            }
        )
    requests.append(header_cells(props["sheetId"], [c.header for c in missing], start))
    for offset, col in enumerate(missing):
        requests += column_requests(tab, props["sheetId"], col, start + offset)
    return requests


@dataclass
class PlannedWrite:
    """One apply's requests, gathered tab by tab before anything is sent."""

    value_ranges: list[dict[str, Any]] = field(default_factory=list)
    header_cells: list[dict[str, Any]] = field(default_factory=list)
    appends: dict[str, dict[tuple[str, ...], list[Any]]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    doomed: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    positions: dict[str, dict[str, int]] = field(default_factory=dict)
    #: each tab's key -> rows as re-read, before this write (one pass per tab and write)
    indexes: dict[str, dict[tuple[str, ...], list[int]]] = field(default_factory=dict)


def plan_tab(
    tab: Tab, rows: list[list[Any]], changes: Changes, write: PlannedWrite, result: ApplyResult
) -> None:
    """One tab's share of a write: missing headers, updates, appends and deletes by key."""
    name = tab.name
    positions = write.positions[name] = positions_of(tab, rows, changes, write)
    index = key_index(tab, rows, positions)
    write.indexes[name] = dict(index)  # as read: the appends and deletes below change `index`
    for update in (u for u in changes.updates if u.tab == name):
        plan_update(tab, update, rows, positions, index, write.value_ranges, result)
    for append in (a for a in changes.appends if a.tab == name):
        key = key_of(tab, append.row)
        if key in index:
            result.skipped.append(keys.already_there(tab, key))
            continue
        line: list[Any] = [""] * (max(positions.values()) + 1)
        for f, value in append.row.items():
            line[positions[f]] = raw_cell(value, tab.column(f).kind)
        write.appends.setdefault(name, {})[key] = line
        index[key] = [-1]
    for delete in (d for d in changes.deletes if d.tab == name):
        key = keys.key_text(delete.key)
        found = index.pop(key, None)
        if found and found[0] > 0:
            write.doomed.setdefault(name, []).append(key)
        elif found:
            # Appended and deleted in the same write: it never reaches the sheet,
            # counted as the local workbook counts it (added, then removed).
            del write.appends[name][key]
            write.dropped[name] = write.dropped.get(name, 0) + 1


def positions_of(
    tab: Tab, rows: list[list[Any]], changes: Changes, write: PlannedWrite
) -> dict[str, int]:
    """Field -> column position; a field the write needs and the sheet lacks gets a new header."""
    headers = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
    positions = require_columns(tab, headers)
    needed = {f for a in changes.appends if a.tab == tab.name for f in a.row}
    needed |= {f for u in changes.updates if u.tab == tab.name for f in u.values}
    width = len(headers)
    for f in tab.fields:
        if f in needed and f not in positions:
            positions[f] = width
            write.header_cells.append(
                {
                    "range": f"{quote_tab(tab.name)}!{column_letter(width)}1",
                    "values": [[tab.column(f).header]],
                }
            )
            width += 1
    return positions


def doomed_rows(
    tab: Tab, rows: list[list[Any]], keys_: list[tuple[str, ...]], dedupe: bool
) -> tuple[list[int], list[int]]:
    """Sheet rows of the doomed keys, and (with `dedupe`) the identical extra copies of a key."""
    headers = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
    index = key_index(tab, rows, require_columns(tab, headers))
    keyed = sorted({r for key in keys_ for r in index.get(key, [])})
    copies = repeated_rows(tab, rows, None) if dedupe else []
    return keyed, [r for r in copies if r not in keyed]


def repeated_rows(
    tab: Tab,
    rows: list[list[Any]],
    result: ApplyResult | None,
    index: dict[tuple[str, ...], list[int]] | None = None,
) -> list[int]:
    """Rows repeating an earlier row's key with the very same cells (an append that landed
    twice); a repeat that differs is reported in `result`, never deleted. `index`: the
    rows' key_index, when the caller has it."""
    if index is None:
        headers = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
        index = key_index(tab, rows, require_columns(tab, headers))
    extra: list[int] = []
    for key, found in index.items():
        if len(found) < 2 or found[0] < 0:
            continue
        first = trimmed(rows[found[0] - 1])
        same = [r for r in found[1:] if trimmed(rows[r - 1]) == first]
        extra += same
        if result is not None:
            if same:
                result.skipped.append(keys.removed_copies(tab, key, len(same)))
            if len(same) < len(found) - 1:
                result.skipped.append(keys.differing_copies(tab, key, found))
    return sorted(extra)


def trimmed(row: list[Any]) -> list[str]:
    cells = [cell_to_text(c) for c in row]
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def key_index(
    tab: Tab, rows: list[list[Any]], positions: dict[str, int]
) -> dict[tuple[str, ...], list[int]]:
    """Key -> the sheet rows holding it (rows with an empty key left out), in one pass."""
    readers = [(positions[k], column_reader(tab, k)) for k in tab.key]
    index: dict[tuple[str, ...], list[int]] = {}
    for r, row in enumerate(rows[1:], start=2):
        key = tuple(read(row[c]).strip() if c < len(row) else "" for c, read in readers)
        if any(key):
            index.setdefault(key, []).append(r)
    return index


def plan_update(
    tab: Tab,
    update: Update,
    rows: list[list[Any]],
    positions: dict[str, int],
    index: dict[tuple[str, ...], list[int]],
    out: list[dict[str, Any]],
    result: ApplyResult,
) -> None:
    found = index.get(keys.key_text(update.key))
    if not found or found[0] < 0:
        result.skipped.append(keys.no_row(tab, update.key))
        return
    r = found[0]
    row = rows[r - 1]
    changed = keys.edited_fields(update, positions, lambda c: row[c] if c < len(row) else None)
    if changed:
        result.skipped.append(keys.edited_since_read(tab, update.key, changed))
        return
    # One range per run of adjacent columns, so cells between them (a person's) are untouched.
    cols = sorted((positions[f], raw_cell(v, tab.column(f).kind)) for f, v in update.values.items())
    run: list[tuple[int, Any]] = []
    for col, value in cols + [(-10, None)]:
        if run and col != run[-1][0] + 1:
            out.append(
                {
                    "range": f"{quote_tab(tab.name)}!{column_letter(run[0][0])}{r}:{column_letter(run[-1][0])}{r}",
                    "values": [[v for _, v in run]],
                }
            )
            run = []
        if col >= 0:
            run.append((col, value))
    result.updated[tab.name] = result.updated.get(tab.name, 0) + 1


def columns_to_reread(tab: Tab, changes: Changes) -> list[str]:
    """The fields whose columns a write must see afresh: the key, and what an update `expect`s.

    Nothing else of a row decides where or whether a write goes, so the write's
    re-read fetches these columns (and the header row), not a year of whole rows.
    """
    fields = dict.fromkeys(tab.key)
    for update in changes.updates:
        if update.tab == tab.name:
            fields.update(dict.fromkeys(f for f in update.expect or {} if f in tab.fields))
    return list(fields)


def narrow_ranges(tab: Tab, headers: list[str], fields: list[str]) -> list[str] | None:
    """The header row and each field's column, where `headers` (as last seen) put them.

    None when `headers` lack a field (the whole tab is read instead).
    """
    try:
        positions = require_columns(tab, headers)
    except ChorusError:
        return None
    if any(f not in positions for f in fields):
        return None
    name = quote_tab(tab.name)
    cols = [column_letter(positions[f]) for f in fields]
    return [f"{name}!1:1", *(f"{name}!{c}:{c}" for c in cols)]


def narrow_rows(
    tab: Tab, fields: list[str], ranges: list[str], values: list[list[list[Any]]]
) -> list[list[Any]] | None:
    """The tab's rows as the write needs them, from a re-read of the header row and some columns.

    Each row holds the re-read columns' cells in their places ('' elsewhere), so
    rows are found by key and `expect` compared as from a whole re-read. None
    (read the whole tab) when the header row now puts a field elsewhere. A tab
    gaining rows whose key is on several rows needs whole rows too (telling an
    identical extra copy, deleted, from a differing one, reported): see
    `needs_whole_rows`.
    """
    header = values[0][0] if values[0] else []
    headers = [cell_to_text(h).strip() for h in header]
    positions = require_columns(tab, headers)
    cols = [positions.get(f, -1) for f in fields]
    expected = [r.rsplit("!", 1)[1].split(":")[0] for r in ranges[1:]]
    if any(c < 0 or column_letter(c) != e for c, e in zip(cols, expected, strict=True)):
        return None
    if cols == [0]:  # the key alone, in column A: Google's rows are already the rows needed
        return [list(header), *values[1][1:]]
    height = max(len(v) for v in values[1:])
    width = max(len(header), max(cols) + 1)
    rows: list[list[Any]] = [list(header)]
    for r in range(1, height):
        row: list[Any] = [""] * width
        for c, column in zip(cols, values[1:], strict=True):
            if r < len(column) and column[r]:
                row[c] = column[r][0]
        rows.append(row)
    return rows


def needs_whole_rows(write: PlannedWrite, name: str) -> bool:
    """Whether a tab re-read narrow must be read whole: it gains rows and a key is on several."""
    index = write.indexes.get(name, {})
    return name in write.appends and any(len(found) > 1 for found in index.values())
