"""The Google backend: the spreadsheet in Google Sheets, through gspread 6.

Call budget per run, whatever the number of rows:

- read: one `values:batchGet` for all the tabs a job needs;
- write: one `values:batchGet` re-reading the touched tabs' header rows and
  key columns (rows are found by key just before writing, never by a row
  number remembered from the job's read; a year of Sent is not fetched
  whole for a few rows), at most one `values:batchUpdate` for keyed updates, one
  `values:append` per tab that gains rows, one `spreadsheets:batchUpdate`
  only when rows are deleted, and one setting the Value dropdowns of Program
  rows it appended; the tabs' ids and grid sizes are read once per store
  (for deletes, and for Google's cell limit before an append). A request
  that would pass Google's recommended 2 MB is split into several (see
  gsheets_limits.py: 10,000 form responses are about 4 requests);
- set-up: one `spreadsheets.get`, one `values:batchGet` and one
  `spreadsheets:batchUpdate` creating tabs, headers, frozen rows, dropdowns
  and column widths.

User text is written with valueInputOption RAW, so it can never become a
formula; dates go in as serial numbers, which the date format set on their
column at init shows (and reads back) as dates. An append whose answer was lost is followed by a re-read of the key
column and an append of only the rows that are missing, never a blind repeat.
If Google applied the lost append late, after that re-read, the next write to
the tab finds the identical second copies of Chorus's keys and deletes them
(a copy a person has changed since is reported, not deleted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from automation.google.errors import GoogleCall, UncertainWrite, refusal_of
from automation.google.transport import GoogleServices
from automation.store.gsheets_limits import (
    CELL_TEXT_LIMIT,
    Grid,
    Steps,
    json_size,
    split_by_size,
    utf16_len,
)
from automation.store.gsheets_plan import (
    PlannedWrite,
    added_columns_requests,
    columns_to_reread,
    doomed_rows,
    key_index,
    narrow_ranges,
    narrow_rows,
    needs_whole_rows,
    plan_tab,
    quote_tab,
    repeated_rows,
)
from automation.store.gsheets_setup import (
    new_tab_requests,
    program_value_dropdown,
    readme_requests,
    upgrade_requests,
)
from sheets_schema.cells import cell_to_text
from sheets_schema.columns import normalise_header
from sheets_schema.errors import BackendError, ChorusError, SheetError
from sheets_schema.headers import (
    Rename,
    columns_to_add,
    find_renames,
    renamed_headers_error,
)
from sheets_schema.program import program_setting
from sheets_schema.records import (
    ApplyResult,
    Changes,
    Delete,
    Snapshot,
    check_cell_sizes,
    check_changes,
    frame_from_sheet_rows,
    require_columns,
)
from sheets_schema.tabs import README_TAB, TAB_ORDER, TABS
from sheets_schema.tabs_state import OPTIONAL_TABS

SHEETS_CELL_LIMIT = CELL_TEXT_LIMIT
PROGRAM_TAB = "Program"


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
        self._grid: Grid | None = None  # tab sizes, kept up to date by this store's own writes
        #: each tab's header row as last read: where a write's re-read finds the key column
        self._headers: dict[str, list[str]] = {}

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
        try:
            values = self._batch_get([quote_tab(n) for n in names])
        except SheetError as exc:
            # a spreadsheet made before an optional tab existed: read the others (one more call)
            if exc.tab not in OPTIONAL_TABS:
                raise
            names = [n for n in names if n not in self._missing_tabs(list(OPTIONAL_TABS))]
            values = self._batch_get([quote_tab(n) for n in names]) if names else []
        for name, rows in zip(names, values, strict=True):
            self._headers[name] = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
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
        check_cell_sizes(changes, SHEETS_CELL_LIMIT, measure=utf16_len)
        result = ApplyResult()
        if not changes:
            return result
        tab_names = list(changes.tabs)
        fresh, narrow = self._reread(tab_names, changes)
        write = PlannedWrite()
        for name in tab_names:
            plan_tab(TABS[name], fresh[name], changes, write, result)
        whole = [n for n in narrow if needs_whole_rows(write, n)]
        if whole:  # copies of a key to tell apart: plan again from those tabs' whole rows
            fresh |= dict(zip(whole, self._batch_get([quote_tab(n) for n in whole]), strict=True))
            result, write = ApplyResult(), PlannedWrite()
            for name in tab_names:
                plan_tab(TABS[name], fresh[name], changes, write, result)
        copies = {
            n: repeated_rows(TABS[n], fresh[n], result, write.indexes[n]) for n in write.appends
        }
        copies = {n: rows for n, rows in copies.items() if rows}
        steps = self._steps(write, copies, fresh, result)
        steps.run()
        for name, pending in write.appends.items():
            if pending or write.dropped.get(name):
                result.appended[name] = len(pending) + write.dropped.get(name, 0)
        for name, count in write.dropped.items():
            result.deleted[name] = result.deleted.get(name, 0) + count
        widened = {str(d["range"]).rsplit("!", 1)[0] for d in write.header_cells}
        for name in tab_names:
            if quote_tab(name) in widened:  # headers added: look at the whole row next time
                self._headers.pop(name, None)
        return result

    def _reread(
        self, tab_names: list[str], changes: Changes
    ) -> tuple[dict[str, list[list[Any]]], list[str]]:
        """The touched tabs as they are now: rows are found by key just before writing.

        One `values:batchGet` of the header row and the columns that decide the
        write (keys, `expect`ed fields; see gsheets_plan.narrow_rows), at the places
        the header row had when last seen; a year of Sent is not fetched whole for
        a few rows. A tab whose header row moved a column is read whole in a second
        request. Returns the rows, and the tabs re-read narrow.
        """
        asked: dict[str, tuple[list[str], list[str]]] = {}
        ranges: list[str] = []
        for name in tab_names:
            tab = TABS[name]
            fields = columns_to_reread(tab, changes)
            narrow = narrow_ranges(tab, self._headers.get(name, list(tab.headers)), fields)
            asked[name] = (fields, narrow or [quote_tab(name)])
            ranges += asked[name][1]
        values = iter(self._batch_get(ranges))
        fresh: dict[str, list[list[Any]]] = {}
        whole: list[str] = []
        for name, (fields, tab_ranges) in asked.items():
            got = [next(values) for _ in tab_ranges]
            if len(tab_ranges) == 1:
                fresh[name] = got[0]
                continue
            rows = narrow_rows(TABS[name], fields, tab_ranges, got)
            if rows is None:
                whole.append(name)
            else:
                fresh[name] = rows
        if whole:
            fresh |= dict(zip(whole, self._batch_get([quote_tab(n) for n in whole]), strict=True))
        for name, rows in fresh.items():
            self._headers[name] = [cell_to_text(h).strip() for h in (rows[0] if rows else [])]
        return fresh, [n for n, (_, r) in asked.items() if len(r) > 1 and n not in whole]

    def _steps(
        self,
        write: PlannedWrite,
        copies: dict[str, list[int]],
        fresh: dict[str, list[list[Any]]],
        result: ApplyResult,
    ) -> Steps:
        """The write's requests in order, each within Google's size, after the cell limit check."""
        steps = Steps(self._write_refused)
        data = write.header_cells + write.value_ranges
        parts = split_by_size(data, json_size)
        for i, part in enumerate(parts, start=1):
            body = {"valueInputOption": "RAW", "data": part}
            tabs = sorted({str(d["range"]).rsplit("!", 1)[0] for d in part})
            steps.add(
                f"values of {', '.join(tabs)} (request {i} of {len(parts)})",
                partial(self.http.values_batch_update, self.spreadsheet_id, body=body),
            )
        # Deletes before appends: an append can insert rows mid-sheet (Google's table
        # detection stops at a blank row), which would shift the rows we located.
        if write.doomed or copies:
            doomed = {n: write.doomed.get(n, []) for n in {*write.doomed, *copies}}
            steps.add(
                f"deleting rows of {', '.join(sorted(doomed))}",
                partial(self._delete_rows, doomed, result, fresh, set(copies)),
            )
        appends = {n: p for n, p in write.appends.items() if p}
        if appends:
            self._grid_of().check_growth({n: len(p) for n, p in appends.items()}, {})
        for name, pending in appends.items():
            lines = split_by_size(list(pending.items()), lambda kv: json_size(kv[1]))
            for i, line_part in enumerate(lines, start=1):
                steps.add(
                    f"{len(line_part)} rows appended to {name} (request {i} of {len(lines)})",
                    partial(self._append_part, name, line_part, write),
                )
        return steps

    def _write_refused(self, exc: Exception) -> ChorusError | None:
        """Google's refusal of a write request, with the place and the fix (None: not one)."""
        if refusal_of(exc) is None:
            return None
        return GoogleCall(
            f"writing spreadsheet {self.spreadsheet_id}",
            access_fix=f"share the spreadsheet with {self.services.service_account_email()} "
            "as an editor",
        ).error(exc)

    def _append_part(
        self, name: str, part: list[tuple[tuple[str, ...], list[Any]]], write: PlannedWrite
    ) -> None:
        """One request's share of a tab's new rows; the Program tab's get their dropdowns."""
        at = self._append(name, [line for _, line in part], [key for key, _ in part])
        self._grid_of().grew(name, len(part))
        if name == PROGRAM_TAB and "value" in write.positions[name]:
            self._program_dropdowns(at, write.positions[name]["value"])

    def write_cost(self, changes: Changes) -> int:
        """Sheets calls `apply` spends (without retries): the re-read, the values updates, the
        row deletions (and the tabs' ids and sizes, once), and the appends: one request per
        2 MB (estimated from the values, so a write right at a boundary may take one more)."""
        if not changes:
            return 0
        cost = 1
        if changes.updates:
            ranges = [
                {"range": "'Tab'!A1:ZZ1", "values": [list(u.values.values())]}
                for u in changes.updates
            ]
            cost += len(split_by_size(ranges, json_size))
        for tab in dict.fromkeys(a.tab for a in changes.appends):
            lines = [list(a.row.values()) for a in changes.appends if a.tab == tab]
            cost += len(split_by_size(lines, json_size))
        program = any(a.tab == PROGRAM_TAB for a in changes.appends)  # + its dropdowns
        cost += (1 if changes.deletes else 0) + (1 if program else 0)
        if (changes.deletes or changes.appends) and self._grid is None:
            cost += 1  # the tabs' ids and sizes, once per store
        return cost

    def _sheet_id(self, name: str) -> int:
        """A tab's id, from one metadata read per store (ids never change once a tab exists)."""
        if self._sheet_ids is None:
            self._load_tabs()
        assert self._sheet_ids is not None
        return self._sheet_ids[normalise_header(name)]

    def _grid_of(self) -> Grid:
        """Every tab's size, from the same metadata read as the tab ids."""
        if self._grid is None:
            self._load_tabs()
        assert self._grid is not None
        return self._grid

    def _load_tabs(self) -> None:
        titles = self._titles()
        self._sheet_ids = {normalise_header(t): p["sheetId"] for t, p in titles.items()}
        self._grid = Grid.from_properties(titles.values())

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
            index = key_index(tab, rows, require_columns(tab, headers))
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
        dedupe: set[str],
    ) -> None:
        """Delete rows by key (and, in `dedupe` tabs, identical second copies of a key), locating
        them in the write's own fresh read (re-read after a lost answer)."""
        for attempt in range(4):
            names = list(doomed)
            if attempt:
                fresh = dict(
                    zip(names, self._batch_get([quote_tab(n) for n in names]), strict=True)
                )
            requests, gone = [], {}
            for name in names:
                keyed, copies = doomed_rows(TABS[name], fresh[name], doomed[name], name in dedupe)
                if attempt == 0 and keyed:
                    result.deleted[name] = len(keyed)
                numbers = sorted(set(keyed) | set(copies), reverse=True)
                requests += self._row_requests(name, numbers)
                gone[name] = len(numbers) - self._grid_of().rows_to_keep(name, len(numbers))
            if not requests:
                return
            try:
                # Highest rows first, so a later request's rows have not moved, whatever the split.
                for part in split_by_size(requests, json_size):
                    self.http.batch_update(self.spreadsheet_id, {"requests": part})
            except UncertainWrite:
                # Deleting by row number twice could remove a neighbour: re-read and re-locate.
                self._grid = None
                continue
            for name, count in gone.items():
                self._grid_of().grew(name, -count)
            return
        raise BackendError(
            "deleting rows did not get an answer after 4 tries",
            fix="re-run the job; it re-checks them",
        )

    def _row_requests(self, name: str, numbers: list[int]) -> list[dict[str, Any]]:
        """deleteDimension for each row (highest first); the rows Google would not let go
        (the last below the frozen header) are cleared instead."""
        sheet_id = self._sheet_id(name)
        keep = self._grid_of().rows_to_keep(name, len(numbers))
        cleared, deleted = numbers[len(numbers) - keep :], numbers[: len(numbers) - keep]
        span = {"sheetId": sheet_id, "dimension": "ROWS"}
        requests: list[dict[str, Any]] = [
            {"deleteDimension": {"range": {**span, "startIndex": r - 1, "endIndex": r}}}
            for r in deleted
        ]
        requests += [
            {
                "updateCells": {
                    "range": {"sheetId": sheet_id, "startRowIndex": r - 1, "endRowIndex": r},
                    "fields": "userEnteredValue",
                }
            }
            for r in cleared
        ]
        return requests

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
            requests += added_columns_requests(tab, props, len(headers), missing)
            created.extend(f"{name}!{c.header}" for c in missing)
        if requests:
            self.http.batch_update(self.spreadsheet_id, {"requests": requests})
            self._sheet_ids, self._grid = None, None
            self._headers.clear()
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


__all__ = ["SheetsStore", "quote_tab", "Delete"]
