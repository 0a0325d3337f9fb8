"""The local backend: the whole spreadsheet in one .xlsx file (openpyxl).

The embedded default, so Chorus runs with no Google account. Writes are
atomic (a temporary file, fsync, then rename) under an exclusive file lock, so
a crash mid-write leaves the previous workbook intact and two runs never
interleave. People share the file: a write waits while LibreOffice or Excel
has it open, and one that finds the file saved by someone since its read
starts again from their version (see workbook_file). Every string is stored as a string cell: text from a form such as
`=HYPERLINK(...)` stays inert and never becomes a formula. Dates and whole
numbers in DATE, DATETIME and INTEGER columns are stored as real dates (with a
date format) and numbers, so people can sort and filter them; every tab has
an autofilter.
"""

from __future__ import annotations

import errno
import fcntl
import io
import os
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import BinaryIO, TypeVar

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from automation import crash
from automation.store import deflate, keys
from automation.store.workbook_file import (
    DAMAGE,
    Fingerprint,
    damaged,
    disk_error,
    kept_changing,
    office_lock,
    read_bytes,
    remove_stale_temps,
    temp_name,
    unchanged,
    wait_until_closed,
)
from automation.store.xlsx_apply import Kept, apply_tab
from automation.store.xlsx_layout import extend_filter, format_sheet, write_readme
from automation.store.xlsx_parts import NeedsOpenpyxl, Package
from automation.store.xlsx_program import PROGRAM_TAB, program_dropdowns
from automation.store.xlsx_read import read_snapshot
from sheets_schema.cells import cell_to_text, date_pattern, typed
from sheets_schema.columns import Kind, Tab, normalise_header
from sheets_schema.errors import BackendError, ChorusError, SheetError
from sheets_schema.headers import Rename, columns_to_add, find_renames, renamed_headers_error
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
    require_columns,
)
from sheets_schema.tabs import README_TAB, TAB_ORDER, TABS
from sheets_schema.tabs_state import HIDDEN_TABS, OPTIONAL_TABS

#: Excel's limit; openpyxl would silently cut longer text, so it is refused instead.
EXCEL_CELL_LIMIT = 32_767
#: loads, edits and saves tried when someone keeps saving the file between Chorus's read and write
WRITE_ATTEMPTS = 3

T = TypeVar("T")


def write_all(handle: BinaryIO, data: bytes) -> None:
    """The file-write seam: the saved workbook's bytes into its temporary file."""
    handle.write(data)


class XlsxStore:
    """A Store kept in a local .xlsx workbook."""

    counts_google_calls = False  # its calls are loads and saves of the file

    def __init__(
        self,
        path: Path | str,
        *,
        lock_timeout: float = 60.0,
        wait: float = 0.0,
        clock: Callable[[], float] = _time.monotonic,
        sleep: Callable[[float], None] = _time.sleep,
        write: Callable[[BinaryIO, bytes], None] = write_all,
    ) -> None:
        """`wait`: seconds a write waits for LibreOffice or Excel to close the file (--wait).

        `clock`, `sleep` and `write` are the seams a test drives: time, and the
        bytes going to disk (a full disk is an OSError raised there).
        """
        self.path = Path(path)
        self.calls = 0
        self.lock_timeout = lock_timeout
        self.wait = wait
        self.clock, self.sleep, self.write = clock, sleep, write
        #: the workbook's bytes as last read or saved, and their fingerprint
        self._cache: tuple[bytes, Fingerprint] | None = None
        #: bytes of sheet XML (and styles, workbook parts) written anew so far; the rest is copied
        self.parts_rewritten = 0
        #: sheet part -> its rows split and keyed as this store last saved it (xlsx_apply)
        self._kept: dict[str, Kept] = {}

    # -- reading -----------------------------------------------------------
    def read(self, tabs: Iterable[str]) -> Snapshot:
        names = list(dict.fromkeys(tabs))
        for name in names:
            if name not in TABS:
                raise ValueError(f"unknown tab {name!r}")
        self._tidy_if_free()
        data = self._current(count=False)[0]
        self.calls += 1  # a read, whether the bytes came from the disk or are still those in memory
        try:
            snapshot = read_snapshot(data, names, partial(damaged, self.path), extra=HIDDEN_TABS)
        except DAMAGE as exc:
            raise damaged(self.path, exc) from None
        for name in names:
            if name not in snapshot and name not in OPTIONAL_TABS:
                raise SheetError(
                    "the tab is missing from the workbook",
                    tab=name,
                    fix=f"run `chorus init` to add it to {self.path}",
                )
        return snapshot

    # -- writing -----------------------------------------------------------
    def apply(self, changes: Changes) -> ApplyResult:
        """One save of the changed sheets' parts (xlsx_parts); openpyxl only where that cannot."""
        check_changes(changes)
        check_cell_sizes(changes, EXCEL_CELL_LIMIT)
        if not changes:
            return ApplyResult()
        if all(normalise_header(t) != normalise_header(PROGRAM_TAB) for t in changes.tabs):
            try:
                return self._patch(changes)
            except NeedsOpenpyxl:
                pass  # the whole-workbook path below says what is wrong, or does it
        return self._apply_openpyxl(changes)

    def _apply_openpyxl(self, changes: Changes) -> ApplyResult:
        """The changes through openpyxl: every sheet loaded and saved (Program's dropdowns)."""

        def edit(wb: Workbook | None) -> tuple[ApplyResult, Workbook | None]:
            # Applied afresh on each attempt, by key: an append whose key is there is skipped,
            # an update keeps its expect guard against what the person saved.
            result = ApplyResult()
            if wb is None:
                raise SheetError(
                    f"the workbook {self.path} does not exist",
                    fix="run `chorus init` to create it, or fix [backend] workbook in chorus.toml",
                )
            for tab_name in changes.tabs:
                _apply_tab(
                    _sheet(wb, tab_name, self.path),
                    TABS[tab_name],
                    [a for a in changes.appends if a.tab == tab_name],
                    [u for u in changes.updates if u.tab == tab_name],
                    [d for d in changes.deletes if d.tab == tab_name],
                    result,
                )
                if normalise_header(tab_name) == normalise_header(PROGRAM_TAB):
                    program_dropdowns(_sheet(wb, tab_name, self.path))
            return result, wb

        return self._rewrite(edit)

    def write_cost(self, changes: Changes) -> int:
        """Backend calls `apply` spends: one save, plus a load when the file is not in memory.

        The bytes of the last read or save are kept; the file is loaded again
        only when someone saved it since (see _current).
        """
        if not changes:
            return 0
        cached = self._cache is not None and unchanged(self.path, self._cache[1], by_stat=True)
        return 1 if cached else 2

    def ensure_tabs(self, tabs: Iterable[str] | None = None) -> list[str]:
        names = list(tabs) if tabs is not None else list(TAB_ORDER)

        renames: list[Rename] = []

        def edit(wb: Workbook | None) -> tuple[list[str], Workbook | None]:
            created: list[str] = []
            renames.clear()  # edit runs again from the top if someone saved meanwhile
            if wb is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                wb = Workbook()
                wb.active.title = README_TAB
                write_readme(wb[README_TAB])
                created.append(README_TAB)
            existing = {normalise_header(n): n for n in wb.sheetnames}
            changed = False
            for name in names:
                sheet_name = existing.get(normalise_header(name))
                created.extend(_ensure_tab(wb, name, sheet_name, renames))
                if normalise_header(name) == normalise_header(PROGRAM_TAB):
                    changed = program_dropdowns(_sheet(wb, name, self.path))
            return created, wb if created or changed else None

        created = self._rewrite(edit)
        if renames:  # a second, empty column beside a renamed one would split the data
            raise renamed_headers_error(renames, created)
        return created

    @contextmanager
    def lock(self, name: str = "run") -> Iterator[None]:
        with self._file_lock(name, timeout=self.lock_timeout):
            yield

    def try_lock(self, name: str) -> AbstractContextManager[None]:
        """A lock that fails at once when someone else holds it (the scheduler's)."""
        return self._file_lock(name, timeout=0)

    def describe(self) -> str:
        return str(self.path)

    # -- internals ---------------------------------------------------------
    def _patch(self, changes: Changes) -> ApplyResult:
        """Apply `changes` to the parts of the sheets they touch; one save under the write lock.

        Raises NeedsOpenpyxl, having written nothing, when the change needs openpyxl.
        """
        with self._file_lock("write", timeout=self.lock_timeout):
            remove_stale_temps(self.path)
            for _attempt in range(WRITE_ATTEMPTS):
                self._await_closed()
                data, seen = self._current()
                result = ApplyResult()
                try:
                    package = Package(data)
                    for tab_name, (appends, updates, deletes) in _by_tab(changes).items():
                        apply_tab(
                            package,
                            TABS[tab_name],
                            appends,
                            updates,
                            deletes,
                            result,
                            self._kept,
                        )
                    fresh = package.save()
                    self.parts_rewritten += sum(len(v) for v in package.replaced.values())
                except DAMAGE as exc:
                    raise damaged(self.path, exc) from None
                if self._save_bytes(fresh, seen):
                    return result
        raise kept_changing(self.path, WRITE_ATTEMPTS)

    def _current(self, *, count: bool = True) -> tuple[bytes, Fingerprint]:
        """The workbook's bytes: the ones in memory if the file is still them, else a load."""
        if self._cache is not None and unchanged(self.path, self._cache[1], by_stat=True):
            return self._cache
        if not self.path.exists():
            raise SheetError(
                f"the workbook {self.path} does not exist",
                fix="run `chorus init` to create it, or fix [backend] workbook in chorus.toml",
            )
        try:
            self._cache = read_bytes(self.path)
        except OSError as exc:
            raise SheetError(
                f"the workbook {self.path} cannot be read ({exc.strerror})",
                fix="check the file's permissions and that the disk is mounted",
            ) from None
        self.calls += count
        return self._cache

    def _rewrite(self, edit: Callable[[Workbook | None], tuple[T, Workbook | None]]) -> T:
        """Load, edit and save under the write lock, again from the top if someone saved meanwhile.

        `edit` gets the workbook (None when there is no file yet) and returns its
        result and the workbook to save (None: nothing to save). Nothing is written while
        LibreOffice or Excel has the file open, nor over a save Chorus did not read.
        """
        with self._file_lock("write", timeout=self.lock_timeout):
            remove_stale_temps(self.path)
            for _attempt in range(WRITE_ATTEMPTS):
                self._await_closed()
                wb, seen = self._load_for_write() if self.path.exists() else (None, None)
                self.calls += 1
                result, changed = edit(wb)
                if changed is None or self._save(changed, seen):
                    return result
        raise kept_changing(self.path, WRITE_ATTEMPTS)

    def _await_closed(self) -> None:
        """Wait up to `wait` seconds for the office suite that has the file open; once only."""
        try:
            wait_until_closed(self.path, self.wait, self.clock, self.sleep)
        except ChorusError:
            self.wait = 0.0  # recording the failed run in Runs must not wait all over again
            raise

    def _tidy_if_free(self) -> None:
        """Remove what a killed save left, unless another Chorus process is saving right now.

        A read never creates a folder, and a folder it cannot write only skips the tidying.
        """
        if not self.path.parent.is_dir():
            return
        try:
            with self._file_lock("write", timeout=0):
                remove_stale_temps(self.path)
        except (BackendError, OSError):
            return

    def _load(self, *, read_only: bool, data: bytes) -> Workbook:
        try:
            # Reading wants values; writing must keep the formulas people typed in their own
            # cells (a workbook loaded with data_only=True would be saved with them frozen).
            return load_workbook(
                io.BytesIO(data), read_only=read_only, data_only=read_only, keep_links=False
            )
        except DAMAGE as exc:
            raise damaged(self.path, exc) from None

    def _load_for_write(self) -> tuple[Workbook, Fingerprint]:
        """The workbook with people's formulas kept, except in the columns Chorus reads.

        openpyxl saves a formula without its last computed value, so a formula in
        a column Chorus reads (a Rota week typed as =A2+7) would read as blank
        until someone opened and saved the file in Excel or LibreOffice. Those
        cells are frozen to the value last computed; formulas in columns people
        added, and in their own tabs, stay formulas. The fingerprint is of the
        very bytes loaded, so the save can tell whether the file changed since.
        """
        try:
            data, seen = read_bytes(self.path)
        except OSError as exc:
            raise SheetError(
                f"the workbook {self.path} cannot be read ({exc.strerror})",
                fix="check the file's permissions and that the disk is mounted",
            ) from None
        wb = self._load(read_only=False, data=data)
        formulas: dict[str, list[tuple[int, int]]] = {}
        for sheet_name in wb.sheetnames:
            tab = next(
                (
                    t
                    for t in TABS.values()
                    if normalise_header(t.name) == normalise_header(sheet_name)
                ),
                None,
            )
            if tab is None:
                continue
            ws = wb[sheet_name]
            wanted = tab.by_header()
            cols = [i for i, h in enumerate(_headers(ws), start=1) if normalise_header(h) in wanted]
            for col in cols:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    if cell.data_type == "f":
                        formulas.setdefault(sheet_name, []).append((cell.row, col))
        if formulas:
            values = self._load(read_only=True, data=data)
            try:
                for sheet_name, cells in formulas.items():
                    spots = set(cells)
                    first, last = min(r for r, _ in cells), max(r for r, _ in cells)
                    # One pass over the rows: random access in a read-only sheet is slow.
                    for row, line in enumerate(
                        values[sheet_name].iter_rows(min_row=first, max_row=last, values_only=True),
                        start=first,
                    ):
                        for col, cached in enumerate(line, start=1):
                            if (row, col) in spots and cached is not None:
                                wb[sheet_name].cell(row=row, column=col).value = cached
            except DAMAGE as exc:
                raise damaged(self.path, exc) from None
            finally:
                values.close()
        return wb, seen

    def _save(self, wb: Workbook, seen: Fingerprint | None) -> bool:
        """Replace the file with `wb` if it is still as read (`seen`); False, writing nothing, if not."""
        buffer = io.BytesIO()
        wb.save(buffer)
        return self._save_bytes(buffer.getvalue(), seen)

    def _save_bytes(self, data: bytes, seen: Fingerprint | None) -> bool:
        """Replace the file with `data` if it is still as read (`seen`); False, writing nothing, if not."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One fixed name: only the holder of the write lock saves, so a save that a crash
        # cut short is overwritten by the next one, and removed by the next run.
        tmp = temp_name(self.path)
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                self.write(handle, data)
                handle.flush()
                os.fsync(handle.fileno())
            crash.reached("xlsx.temp_saved")
            if not unchanged(self.path, seen) or office_lock(self.path) is not None:
                os.unlink(tmp)
                return False  # someone saved (or opened it) since the read: start again
            os.replace(tmp, self.path)
            stat = os.stat(self.path)
            self._cache = (
                data,
                Fingerprint(
                    stat.st_size,
                    stat.st_mtime_ns,
                    deflate.crc32(data),
                    stat.st_ino,
                    stat.st_ctime_ns,
                ),
            )
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except OSError as exc:
            _unlink_quietly(tmp)
            raise disk_error(self.path, exc) from None
        except BaseException:
            _unlink_quietly(tmp)
            raise
        self.calls += 1
        return True

    @contextmanager
    def _file_lock(self, name: str, *, timeout: float) -> Iterator[None]:
        lock_path = self.path.parent / f".{self.path.name}.{name}.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+")  # noqa: SIM115
        deadline = _time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if _time.monotonic() >= deadline:
                        raise BackendError(
                            f"another Chorus process holds the {name} lock on {self.path}",
                            fix="wait for it to finish, or stop the other `chorus` process",
                        ) from None
                    _time.sleep(0.05)
            yield
        finally:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            finally:
                handle.close()


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def _ensure_tab(
    wb: Workbook, name: str, sheet_name: str | None, renames: list[Rename]
) -> list[str]:
    """Add the tab, or the header columns it lacks; returns what was created.

    A column that looks renamed is not added again: it goes into `renames`.
    """
    tab = TABS[name]
    if sheet_name is None:
        ws = wb.create_sheet(name)
        format_sheet(ws, tab, list(tab.headers))
        if name in HIDDEN_TABS:  # Chorus's memory: out of people's way
            ws.sheet_state = "hidden"
        return [name]
    ws = wb[sheet_name]
    headers = _headers(ws)
    found = find_renames(tab, headers, ws.iter_rows(min_row=2, values_only=True))
    renames += found
    added = [c.header for c in columns_to_add(tab, headers, found)]
    if added:
        start = _last_header_col(headers)
        for offset, header in enumerate(added, start=1):
            ws.cell(row=1, column=start + offset, value=header)
        format_sheet(ws, tab, _headers(ws), header_only=True)
    created = [f"{name}!{h}" for h in added]
    if not ws.auto_filter.ref:  # a workbook from before tabs had filters
        ws.auto_filter.ref = "A1"
        extend_filter(ws)
        created.append(f"{name} (filter)")
    return created


def _sheet(wb: Workbook, name: str, path: Path) -> Worksheet:
    for sheet_name in wb.sheetnames:
        if normalise_header(sheet_name) == normalise_header(name):
            return wb[sheet_name]
    raise SheetError(
        "the tab is missing from the workbook",
        tab=name,
        fix=f"run `chorus init` to add it to {path}",
    )


def _headers(ws: Worksheet) -> list[str]:
    row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    return [cell_to_text(v).strip() for v in row]


def _last_header_col(headers: list[str]) -> int:
    last = 0
    for i, h in enumerate(headers, start=1):
        if h:
            last = i
    return last


def _cell_reader(ws: Worksheet, row: int) -> Callable[[int], object]:
    """The value of a cell in `row` by 0-based column (for the expect guard)."""
    return lambda col: ws.cell(row=row, column=col + 1).value


def _write(
    ws: Worksheet, row: int, col: int, value: Cell, column: tuple[Kind, str | None] | None = None
) -> None:
    """One cell: a real date or number where the column's kind says so, else inert text."""
    cell = ws.cell(row=row, column=col)
    if value is None or value == "":
        cell.value = None
        return
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    held = typed(column[0], value) if column is not None else value
    if isinstance(held, (date, int, float)):
        cell.value = held
        if isinstance(held, date) and column is not None and column[1] is not None:
            cell.number_format = column[1]
        return
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell.value = text
    # openpyxl turns a string starting with '=' into a formula; force a string cell.
    cell.data_type = "s"


def _apply_tab(
    ws: Worksheet,
    tab: Tab,
    appends: list[Append],
    updates: list[Update],
    deletes: list[Delete],
    result: ApplyResult,
) -> None:
    headers = _headers(ws)
    positions = require_columns(tab, headers)
    # A column the schema knows but the sheet lacks is added at the end, so
    # nothing a job writes is lost; columns people added stay where they are.
    needed = {f for a in appends for f in a.row} | {f for u in updates for f in u.values}
    last = _last_header_col(headers)
    for f in tab.fields:
        if f in needed and f not in positions:
            last += 1
            ws.cell(row=1, column=last, value=tab.column(f).header).font = Font(bold=True)
            positions[f] = last - 1
    kinds = {c.field: (c.kind, date_pattern(tab, c)) for c in tab.columns}
    key_cols = [positions[k] for k in tab.key]
    rows_by_key: dict[tuple[str, ...], list[int]] = {}
    last_row = 1
    for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if any(cell_to_text(v).strip() for v in row):
            last_row = r
            rows_by_key.setdefault(keys.row_key(tab, row, key_cols), []).append(r)

    def write(r: int, values: Mapping[str, Cell], _new: bool) -> None:
        for f, value in values.items():
            _write(ws, r, positions[f] + 1, value, kinds[f])

    keys.row_writes(
        tab,
        updates,
        appends,
        rows_by_key,
        last_row,
        positions,
        partial(_cell_reader, ws),
        write,
        result,
    )
    for r in keys.deleted_rows(tab, deletes, rows_by_key, result):
        ws.delete_rows(r)
    extend_filter(ws)


def _by_tab(changes: Changes) -> dict[str, tuple[list[Append], list[Update], list[Delete]]]:
    """Each tab's appends, updates and deletes, tabs in the order `changes.tabs` gives, sorted
    out in one pass (a sync's 20,000 appends were looked over once per tab)."""
    found: dict[str, tuple[list[Append], list[Update], list[Delete]]] = {}
    for append in changes.appends:
        found.setdefault(append.tab, ([], [], []))[0].append(append)
    for update in changes.updates:
        found.setdefault(update.tab, ([], [], []))[1].append(update)
    for delete in changes.deletes:
        found.setdefault(delete.tab, ([], [], []))[2].append(delete)
    return found
