"""The Google backend: the spreadsheet in Google Sheets, through gspread 6.

Call budget per run, whatever the number of rows:

- read: one `values:batchGet` for all the tabs a job needs;
- write: one `values:batchGet` re-reading the touched tabs (rows are found
  by key just before writing, never by a row number remembered from the
  job's read), at most one `values:batchUpdate` for keyed updates, one
  `values:append` per tab that gains rows, one `spreadsheets:batchUpdate`
  only when rows are deleted, and one setting the Value dropdowns of Program
  rows it appended (their tab ids read once per store, shared with deletes);
- set-up: one `spreadsheets.get`, one `values:batchGet` and one
  `spreadsheets:batchUpdate` creating tabs, headers, frozen rows, dropdowns
  and column widths.

User text is written with valueInputOption RAW, so it can never become a
formula; dates go in as serial numbers, which the date format set on their
column at init shows (and reads back) as dates. An append whose answer was lost is followed by a re-read of the key
column and an append of only the rows that are missing, never a blind repeat.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from automation.google.errors import GoogleCall, UncertainWrite, refusal_of
from automation.google.transport import GoogleServices
from automation.store import keys
from automation.store.gsheets_setup import (
    column_requests,
    header_cells,
    new_tab_requests,
    program_value_dropdown,
    readme_requests,
    upgrade_requests,
)
from sheets_schema.cells import cell_to_text, to_serial, typed
from sheets_schema.columns import Column, Kind, Tab, normalise_header
from sheets_schema.errors import BackendError, ChorusError, SheetError
from sheets_schema.headers import (
    Rename,
    column_letter,
    columns_to_add,
    find_renames,
    renamed_headers_error,
)
from sheets_schema.program import program_setting
from sheets_schema.records import (
    ApplyResult,
    Cell,
    Changes,
    Delete,
    Snapshot,
    Update,
    check_cell_sizes,
    check_changes,
    frame_from_sheet_rows,
    require_columns,
)
from sheets_schema.tabs import README_TAB, TAB_ORDER, TABS

SHEETS_CELL_LIMIT = 50_000
PROGRAM_TAB = "Program"


def quote_tab(name: str) -> str:
    """A1 notation for a whole tab: 'My Tab' with single quotes doubled."""
    return "'" + name.replace("'", "''") + "'"


class SheetsStore:
    """A Store kept in a Google spreadsheet."""

    counts_google_calls = True  # `calls` is the services' count: forms and Gmail included

    def __init__(
        self, services: GoogleServices, spreadsheet_id: str, *, lock_dir: Path | None = None
    ) -> None:
        self.services = services
        self.spreadsheet_id = spreadsheet_id
        self.client = services.gspread_client()
        self.http = self.client.http_client
        self.lock_dir = lock_dir or Path.home() / ".cache" / "chorus"
        self._sheet_ids: dict[str, int] | None = None  # tab ids never change once a tab exists

    @classmethod
    def from_settings(cls, settings: Any, google: GoogleServices | None = None) -> SheetsStore:
        services = google or GoogleServices.from_settings(settings)
        return cls(services, settings.backend.spreadsheet_id, lock_dir=settings.base_dir)

    @property
    def calls(self) -> int:
        return self.services.total_calls()

    def describe(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}"

    # -- reading -------------------------------------------------------------
    def _batch_get(self, ranges: list[str]) -> list[list[list[Any]]]:
        from gspread.exceptions import APIError

        try:
            body = self.http.values_batch_get(
                self.spreadsheet_id,
                ranges,
                params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
            )
        except APIError as exc:
            raise self._refused(exc, ranges) from None
        return [vr.get("values", []) for vr in body.get("valueRanges", [])]

    def read(self, tabs: Iterable[str]) -> Snapshot:
        names = list(dict.fromkeys(tabs))
        for name in names:
            if name not in TABS:
                raise ValueError(f"unknown tab {name!r}")
        values = self._batch_get([quote_tab(n) for n in names])
        return Snapshot(
            {
                name: frame_from_sheet_rows(TABS[name], rows)
                for name, rows in zip(names, values, strict=True)
            }
        )

    def _refused(self, exc: Exception, ranges: list[str]) -> ChorusError:
        """A missing tab is a SheetError naming it; any other refusal goes through the translator."""
        refusal = refusal_of(exc)
        if refusal and refusal.status == 400 and refusal.says("Unable to parse range"):
            missing = self._missing_tabs(
                [r.split("!")[0].strip("'").replace("''", "'") for r in ranges]
            )
            if missing:
                return SheetError(
                    "the tab is missing from the spreadsheet",
                    tab=missing[0],
                    fix="run `chorus init` to add it",
                )
        return GoogleCall(
            f"reading spreadsheet {self.spreadsheet_id}",
            access_fix=f"check backend.spreadsheet_id, share the spreadsheet with "
            f"{self.services.service_account_email()} as an editor, and enable the Google Sheets API",
        ).error(exc)

    def _titles(self) -> dict[str, dict[str, Any]]:
        meta = self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"fields": "sheets.properties"}
        )
        return {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}

    def _missing_tabs(self, names: list[str]) -> list[str]:
        have = {normalise_header(t) for t in self._titles()}
        return [n for n in names if normalise_header(n) not in have]

    # -- writing -------------------------------------------------------------
    def apply(self, changes: Changes) -> ApplyResult:
        check_changes(changes)
        check_cell_sizes(changes, SHEETS_CELL_LIMIT)
        result = ApplyResult()
        if not changes:
            return result
        tab_names = list(changes.tabs)
        fresh = dict(
            zip(tab_names, self._batch_get([quote_tab(n) for n in tab_names]), strict=True)
        )
        write = _Write()
        for name in tab_names:
            _plan_tab(TABS[name], fresh[name], changes, write, result)
        if write.value_ranges or write.header_cells:
            self.http.values_batch_update(
                self.spreadsheet_id,
                body={"valueInputOption": "RAW", "data": write.header_cells + write.value_ranges},
            )
        # Deletes before appends: an append can insert rows mid-sheet (Google's table
        # detection stops at a blank row), which would shift the rows we located.
        if write.doomed:
            self._delete_rows(write.doomed, result, fresh)
        for name, pending in write.appends.items():
            if pending:
                at = self._append(name, list(pending.values()), list(pending))
                if name == PROGRAM_TAB and "value" in write.positions[name]:
                    self._program_dropdowns(at, write.positions[name]["value"])
            if pending or write.dropped.get(name):
                result.appended[name] = len(pending) + write.dropped.get(name, 0)
        for name, count in write.dropped.items():
            result.deleted[name] = result.deleted.get(name, 0) + count
        return result

    def write_cost(self, changes: Changes) -> int:
        """Sheets calls `apply` spends (without retries): the re-read, the values update, the
        row deletions (and the tab ids, once), and one append per tab that gains rows."""
        if not changes:
            return 0
        cost = 1 + (1 if changes.updates else 0) + len({a.tab for a in changes.appends})
        program = any(a.tab == PROGRAM_TAB for a in changes.appends)  # + its dropdowns
        cost += (1 if changes.deletes else 0) + (1 if program else 0)
        if (changes.deletes or program) and self._sheet_ids is None:
            cost += 1
        return cost

    def _sheet_id(self, name: str) -> int:
        """A tab's id, from one metadata read per store (ids never change once a tab exists)."""
        if self._sheet_ids is None:
            self._sheet_ids = {normalise_header(t): p["sheetId"] for t, p in self._titles().items()}
        return self._sheet_ids[normalise_header(name)]

    def _program_dropdowns(self, rows: dict[tuple[str, ...], int], value_col: int) -> None:
        """Each appended Program row's Value cell: a strict dropdown of its setting's values,
        or none (a row Google inserted may inherit the one above). Safe to send again."""
        sheet_id = self._sheet_id(PROGRAM_TAB)
        requests = []
        for key, row in sorted(rows.items(), key=lambda kv: kv[1]):
            setting = program_setting(key[0])
            choices = setting.choices if setting is not None else ()
            requests.append(program_value_dropdown(sheet_id, row, value_col, choices))
        for attempt in range(4):
            try:
                self.http.batch_update(self.spreadsheet_id, {"requests": requests})
                return
            except UncertainWrite:
                if attempt == 3:
                    raise

    def _append(
        self, name: str, lines: list[list[Any]], keys: list[tuple[str, ...]], attempt: int = 0
    ) -> dict[tuple[str, ...], int]:
        """Append the lines; returns the sheet row number each key landed on."""
        try:
            answer = self.http.values_append(
                self.spreadsheet_id,
                f"{quote_tab(name)}!A1",
                params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
                body={"majorDimension": "ROWS", "values": lines},
            )
        except UncertainWrite:
            if attempt >= 3:
                raise
            # The answer was lost: look before appending again, and add only what is missing.
            rows = self._batch_get([quote_tab(name)])[0]
            tab = TABS[name]
            headers = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
            index = _key_index(tab, rows, require_columns(tab, headers))
            missing = [
                (line, key) for line, key in zip(lines, keys, strict=True) if key not in index
            ]
            landed = {key: index[key][0] for key in keys if key in index}
            if missing:
                landed |= self._append(
                    name, [m[0] for m in missing], [m[1] for m in missing], attempt + 1
                )
            return landed
        updated = str((answer.get("updates") or {}).get("updatedRange", ""))
        found = re.search(r"[A-Za-z]+(\d+)", updated.rsplit("!", 1)[-1])
        if found is None:
            raise BackendError(
                f"Google did not say where rows appended to the {name} tab landed ({updated!r})",
                fix="re-run the job; it finds the rows by key",
            )
        first = int(found.group(1))
        return {key: first + i for i, key in enumerate(keys)}

    def _delete_rows(
        self,
        doomed: dict[str, list[tuple[str, ...]]],
        result: ApplyResult,
        fresh: dict[str, list[list[Any]]],
    ) -> None:
        """Delete rows by key, locating them in the write's own fresh read (re-read after a lost answer)."""
        for attempt in range(4):
            names = list(doomed)
            if attempt:
                fresh = dict(
                    zip(names, self._batch_get([quote_tab(n) for n in names]), strict=True)
                )
            requests = []
            for name in names:
                tab = TABS[name]
                rows = fresh[name]
                headers = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
                index = _key_index(tab, rows, require_columns(tab, headers))
                numbers = sorted(
                    {r for key in doomed[name] for r in index.get(key, [])}, reverse=True
                )
                sheet_id = self._sheet_id(name)
                requests += [
                    {
                        "deleteDimension": {
                            "range": {
                                "sheetId": sheet_id,
                                "dimension": "ROWS",
                                "startIndex": r - 1,
                                "endIndex": r,
                            }
                        }
                    }
                    for r in numbers
                ]
                if attempt == 0:
                    result.deleted[name] = len(numbers)
            if not requests:
                return
            try:
                self.http.batch_update(self.spreadsheet_id, {"requests": requests})
                return
            except UncertainWrite:
                # Deleting by row number twice could remove a neighbour: re-read and re-locate.
                continue
        raise BackendError(
            "deleting rows did not get an answer after 4 tries",
            fix="re-run the job; it re-checks them",
        )

    # -- set-up ----------------------------------------------------------------
    def ensure_tabs(self, tabs: Iterable[str] | None = None) -> list[str]:
        names = list(tabs) if tabs is not None else list(TAB_ORDER)
        meta = self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"fields": "sheets(properties,basicFilter.range)"}
        )
        titles = {s["properties"]["title"]: s["properties"] for s in meta.get("sheets", [])}
        filtered = {s["properties"]["title"] for s in meta.get("sheets", []) if "basicFilter" in s}
        by_norm = {normalise_header(t): (t, p) for t, p in titles.items()}
        existing = [n for n in names if normalise_header(n) in by_norm]
        header_rows = (
            dict(
                zip(
                    existing,
                    self._batch_get(
                        [f"{quote_tab(by_norm[normalise_header(n)][0])}!1:1" for n in existing]
                    ),
                    strict=True,
                )
            )
            if existing
            else {}
        )
        requests: list[dict[str, Any]] = []
        created: list[str] = []
        renames: list[Rename] = []
        next_id = max([p.get("sheetId", 0) for p in titles.values()] + [0]) + 1
        if README_TAB not in titles and tabs is None and not existing:
            requests += readme_requests(next_id)
            next_id += 1
            created.append(README_TAB)
        for name in names:
            tab = TABS[name]
            if normalise_header(name) not in by_norm:
                requests += new_tab_requests(tab, next_id, len(titles) + len(created))
                created.append(name)
                next_id += 1
                continue
            title, props = by_norm[normalise_header(name)]
            row = header_rows.get(name, [])
            headers = [cell_to_text(h).strip() for h in (row[0] if row else [])]
            found = find_renames(tab, headers, partial(self._rows_below_header, title))
            renames += found
            missing = columns_to_add(tab, headers, found)
            if title not in filtered:  # a tab made before tabs had filters and date formats
                requests += upgrade_requests(tab, props["sheetId"], headers)
                created.append(f"{name} (filter)")
            requests += _added_columns_requests(tab, props, len(headers), missing)
            created.extend(f"{name}!{c.header}" for c in missing)
        if requests:
            self.http.batch_update(self.spreadsheet_id, {"requests": requests})
            self._sheet_ids = None
        if renames:  # a second, empty column beside a renamed one would split the data
            raise renamed_headers_error(renames, created)
        return created

    def _rows_below_header(self, title: str) -> list[list[Any]]:
        return self._batch_get([quote_tab(title)])[0][1:]

    @contextmanager
    def lock(self, name: str = "run") -> Iterator[None]:
        """A lock file per spreadsheet on this machine (Sheets has no lock of its own)."""
        from automation.store.xlsx import XlsxStore

        self.lock_dir.mkdir(parents=True, exist_ok=True)
        proxy = XlsxStore(self.lock_dir / f"google-{self.spreadsheet_id}.xlsx")
        with proxy.lock(name):
            yield

    def try_lock(self, name: str) -> AbstractContextManager[None]:
        """A lock that fails at once when someone else holds it (the scheduler's)."""
        from automation.store.xlsx import XlsxStore

        self.lock_dir.mkdir(parents=True, exist_ok=True)
        return XlsxStore(self.lock_dir / f"google-{self.spreadsheet_id}.xlsx").try_lock(name)


def _raw(value: Cell, kind: Kind) -> Any:
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


def _added_columns_requests(
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
class _Write:
    """One apply's requests, gathered tab by tab before anything is sent."""

    value_ranges: list[dict[str, Any]] = field(default_factory=list)
    header_cells: list[dict[str, Any]] = field(default_factory=list)
    appends: dict[str, dict[tuple[str, ...], list[Any]]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    doomed: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    positions: dict[str, dict[str, int]] = field(default_factory=dict)


def _plan_tab(
    tab: Tab, rows: list[list[Any]], changes: Changes, write: _Write, result: ApplyResult
) -> None:
    """One tab's share of a write: missing headers, updates, appends and deletes by key."""
    name = tab.name
    positions = write.positions[name] = _positions(tab, rows, changes, write)
    index = _key_index(tab, rows, positions)
    for update in (u for u in changes.updates if u.tab == name):
        _plan_update(tab, update, rows, positions, index, write.value_ranges, result)
    for append in (a for a in changes.appends if a.tab == name):
        key = tuple(cell_to_text(append.row.get(k, "")).strip() for k in tab.key)
        if key in index:
            result.skipped.append(keys.already_there(tab, key))
            continue
        line: list[Any] = [""] * (max(positions.values()) + 1)
        for f, value in append.row.items():
            line[positions[f]] = _raw(value, tab.column(f).kind)
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


def _positions(tab: Tab, rows: list[list[Any]], changes: Changes, write: _Write) -> dict[str, int]:
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


def _key_index(
    tab: Tab, rows: list[list[Any]], positions: dict[str, int]
) -> dict[tuple[str, ...], list[int]]:
    cols = [positions[k] for k in tab.key]
    index: dict[tuple[str, ...], list[int]] = {}
    for r, row in enumerate(rows[1:], start=2):
        key = keys.row_key(tab, row, cols)
        if any(key):
            index.setdefault(key, []).append(r)
    return index


def _plan_update(
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
    cols = sorted((positions[f], _raw(v, tab.column(f).kind)) for f, v in update.values.items())
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


__all__ = ["SheetsStore", "quote_tab", "Delete"]
