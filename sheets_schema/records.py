"""The records a run reads and writes: a Snapshot of tabs in, Changes out.

Jobs plan from a Snapshot and return Changes; every store applies them. Rows
are addressed by their key fields, never by row number: people sort, insert
and delete rows while jobs run. Cells are text to the jobs (`sheets_schema.cells`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, groupby
from operator import attrgetter
from typing import Any

import pandas as pd

from sheets_schema.cells import cell_to_text, column_reader
from sheets_schema.columns import Tab, normalise_header
from sheets_schema.errors import SheetError
from sheets_schema.headers import Rename, find_renames, unmatched
from sheets_schema.tabs import TABS

Cell = str | int | float | None


@dataclass(frozen=True)
class Append:
    """Add one row to a tab; skipped if a row with the same key already exists."""

    tab: str
    row: Mapping[str, Cell]


@dataclass(frozen=True)
class Update:
    """Change some fields of the row whose key fields equal `key`.

    `expect` guards people's edits: the update applies only if each named
    field still holds the value the job read (compared as trimmed text).
    """

    tab: str
    key: tuple[str, ...]
    values: Mapping[str, Cell]
    expect: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Delete:
    """Remove the row whose key fields equal `key` (used for a job's own rows)."""

    tab: str
    key: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    """Everything one job run writes, applied in one call."""

    appends: tuple[Append, ...] = ()
    updates: tuple[Update, ...] = ()
    deletes: tuple[Delete, ...] = ()

    def __add__(self, other: Changes) -> Changes:
        return Changes(
            self.appends + other.appends,
            self.updates + other.updates,
            self.deletes + other.deletes,
        )

    def __bool__(self) -> bool:
        return bool(self.appends or self.updates or self.deletes)

    @property
    def tabs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        changes: tuple[Append | Update | Delete, ...] = (
            *self.appends,
            *self.updates,
            *self.deletes,
        )
        for change in changes:
            seen[change.tab] = None
        return tuple(seen)

    def count(self) -> dict[str, int]:
        return {
            "appends": len(self.appends),
            "updates": len(self.updates),
            "deletes": len(self.deletes),
        }


@dataclass
class ApplyResult:
    """What a write did; `skipped` says, in words, what could not be applied and why."""

    appended: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def total(self) -> int:
        return sum(self.appended.values()) + sum(self.updated.values()) + sum(self.deleted.values())


class Snapshot(Mapping[str, pd.DataFrame]):
    """The tabs one job read: a DataFrame per tab.

    Columns are the schema's field names (all text, '' when blank), the index
    is the sheet row number (header is row 1), so problems can name the row.
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self._frames = dict(frames)

    def __getitem__(self, name: str) -> pd.DataFrame:
        try:
            return self._frames[name]
        except KeyError:
            raise KeyError(
                f"tab {name!r} was not read; read tabs are {sorted(self._frames)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def get_or_empty(self, name: str) -> pd.DataFrame:
        frame = self._frames.get(name)  # an empty frame made only when the tab is not there
        return frame if frame is not None else empty_frame(name)


def empty_frame(tab_name: str) -> pd.DataFrame:
    """An empty DataFrame with the tab's fields as columns."""
    return pd.DataFrame({f: pd.Series(dtype=object) for f in TABS[tab_name].fields})


def frame_from_rows(
    tab_name: str, rows: Iterable[Mapping[str, object]], first_row: int = 2
) -> pd.DataFrame:
    """A tab DataFrame from dicts by field (tests and fakes use it); missing fields are ''."""
    tab = TABS[tab_name]
    records = [{f: cell_to_text(r.get(f, "")) for f in tab.fields} for r in rows]
    df = pd.DataFrame.from_records(records, columns=list(tab.fields))
    if df.empty:
        return empty_frame(tab_name)
    df.index = range(first_row, first_row + len(df))
    return df.astype(object)


def frame_from_sheet_rows(tab: Tab, rows: Iterable[Sequence[object]]) -> pd.DataFrame:
    """A tab DataFrame from raw sheet rows (header first), columns found by header."""
    iterator = iter(rows)
    header_row = next(iterator, None)
    if header_row is None:
        raise SheetError(
            "the tab has no header row",
            tab=tab.name,
            row=1,
            fix="run `chorus init` to write the headers",
        )
    headers = [cell_to_text(v).strip() for v in header_row]
    missing, strangers = unmatched(tab, headers)
    if missing and strangers:  # the cells may show a renamed column: keep them to look twice
        body = list(iterator)
        iterator = iter(body)
        positions = require_columns(tab, headers, body, stop_on_renamed=True)
    else:
        positions = require_columns(tab, headers)
    records: list[list[str]] = []
    index: list[int] = []
    readers = [(column_reader(tab, f), p) for f, p in positions.items()]
    for row_number, row in enumerate(iterator, start=2):
        values = [read(row[p]) if p < len(row) else "" for read, p in readers]
        if not any(v.strip() for v in values):
            continue
        records.append(values)
        index.append(row_number)
    if not records:
        return empty_frame(tab.name)
    df = pd.DataFrame(records, columns=list(positions), index=index, dtype=object)
    for f in tab.fields:
        if f not in df.columns:
            df[f] = ""
    return df[list(tab.fields)]


def key_of(tab: Tab, row: Mapping[str, object]) -> tuple[str, ...]:
    """The key of a row as a tuple of trimmed text (what every store compares an append by).

    Text is its own text: a sync keys 20,000 appends, most tabs by one text column.
    """
    if len(tab.key) == 1:
        value = row.get(tab.key[0], "")
        return ((value if type(value) is str else cell_to_text(value)).strip(),)
    return tuple(cell_to_text(row.get(f, "")).strip() for f in tab.key)


def state_row(key: str, row: Mapping[str, Cell], *, present: bool) -> Changes:
    """Chorus's memory `key` written to the State tab: appended when State has no such row
    (`present` False), else that row updated in place."""
    if not present:
        return Changes(appends=(Append("State", {"key": key, **row}),))
    return Changes(updates=(Update("State", (key,), row),))


def check_changes(changes: Changes) -> None:
    """Reject changes that name unknown tabs or fields (a bug, not user input)."""
    writes: tuple[Append | Update, ...] = (*changes.appends, *changes.updates)
    name, known, tab = "", frozenset[str](), None  # the tab of the write before: most are alike
    for change in writes:
        if change.tab != name or tab is None:
            tab = TABS.get(change.tab)
            if tab is None:
                raise ValueError(f"change for unknown tab {change.tab!r}")
            name, known = change.tab, frozenset(tab.fields)
        values = change.row if isinstance(change, Append) else change.values
        if not known.issuperset(values):  # no set made per row: a sync checks 20,000
            raise ValueError(
                f"change for tab {change.tab!r} names unknown fields {sorted(values.keys() - known)}"
            )
        if isinstance(change, Append):
            for k in tab.key:  # a loop, not any() over a generator: 20,000 appends
                v = values.get(k)
                if not (v and str(v).strip()):
                    raise ValueError(
                        f"append to {change.tab!r} without its key {tab.key}: {dict(values)}"
                    )


def check_cell_sizes(changes: Changes, limit: int, measure: Callable[[str], int] = len) -> None:
    """Refuse, before writing anything, text longer than a cell can hold, counted by `measure`
    (Google Sheets counts UTF-16 code units, so an emoji is two)."""
    writes: list[Append | Update] = []
    # A tab's appends looked over at once (a sync's 20,000 rows): when its longest text
    # fits, however `measure` counts, none of its rows is looked at alone.
    for _, group in groupby(changes.appends, key=attrgetter("tab")):
        appends = list(group)
        try:
            rows: list[dict[str, Any]] = [a.row for a in appends]  # type: ignore[misc]
            if max(map(len, chain.from_iterable(map(dict.values, rows))), default=0) * 2 <= limit:
                continue
        except TypeError:  # a number, a date, a row that is not a dict: row by row
            pass
        writes += appends
    writes += changes.updates
    for change in writes:
        values = change.row if isinstance(change, Append) else change.values
        try:
            if max(map(len, values.values()), default=0) * 2 <= limit:  # type: ignore[arg-type]
                continue  # the row's longest text fits, however `measure` counts: most rows
        except TypeError:  # a number or a date: look at each cell
            pass
        for f, value in values.items():
            if isinstance(value, str) and len(value) * 2 > limit and measure(value) > limit:
                tab = TABS[change.tab]
                key = (
                    "/".join(str(values.get(k, "")) for k in tab.key)
                    if isinstance(change, Append)
                    else "/".join(change.key)
                )
                raise SheetError(
                    f"the text for row {key} is {measure(value):,} characters; a cell holds at most {limit:,}",
                    tab=change.tab,
                    column=tab.column(f).header,
                    fix="shorten it at its source; nothing was written",
                )


def require_columns(
    tab: Tab,
    headers: list[str],
    rows: Iterable[Sequence[object]] = (),
    *,
    stop_on_renamed: bool = False,
) -> dict[str, int]:
    """Map fields to 0-based column positions by header; a missing required column is an error.

    When a header the schema does not know looks like a missing column renamed
    (`rows`, the data rows, let its values count), the error says which to
    rename back. With `stop_on_renamed` (a read) a renamed optional column is
    an error too, so a job never reads a person's column as blank; a write
    instead keeps its guarded updates.
    """
    positions: dict[str, int] = {}
    wanted = tab.by_header()
    for i, header in enumerate(headers):
        col = wanted.get(normalise_header(header))
        if col is not None and col.field not in positions:
            positions[col.field] = i
    missing = [c.header for c in tab.columns if c.required and c.field not in positions]
    if len(positions) == len(tab.columns) or not (missing or stop_on_renamed):
        return positions
    renames = find_renames(tab, headers, rows)
    missing += [r.expected for r in renames if stop_on_renamed and r.expected not in missing]
    if missing:
        raise _missing_columns(tab, missing, {r.expected: r for r in renames})
    return positions


def _missing_columns(tab: Tab, missing: list[str], renames: Mapping[str, Rename]) -> SheetError:
    """The error for missing columns: the rename to undo when a header looks renamed."""
    first = renames.get(missing[0])
    message = (
        f"column {missing[0]!r} is missing: {first.description()}"
        if first
        else f"required column {missing[0]!r} is missing"
    )
    if missing[1:]:
        message += f" (also {', '.join(missing[1:])})"
    fixes = [renames[m].advice() for m in missing if m in renames]
    added = [m for m in missing if m not in renames]
    if added:
        fixes.append(
            f"add a column headed {added[0]!r} to row 1, or run `chorus init` to repair headers"
        )
    if renames:
        fixes.append("Chorus finds columns by header; `chorus init` will not add a second one")
    return SheetError(message, tab=tab.name, column=missing[0], fix="; ".join(fixes))
