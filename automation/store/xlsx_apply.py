"""A tab's changes into its sheet part's text, at the cost of what they write, not the tab's size.

xlsx_parts splits a sheet part into rows and writes cells; here a change finds
its rows by key. A run writes the Sent tab twice (the ledger's intent, then its
confirmation) and the Runs tab once, and a year of history makes them
thousands of rows: keying every row at every write made the past slow the
present (issue #23, part 5). So:

- A tab is keyed with one pass of a regular expression over its key column(s)
  in the part's text, not by looking into each row.
- What a write to Sent or Runs (the tabs a run writes more than once) learnt
  (the rows split, the index key -> rows, the last row) is kept (`Kept`) after
  the save, and the next write to the same part reuses it
  when the part is still, byte for byte, the one saved: its zip CRC-32 and
  size, and the shared strings' too. Anything else - a coordinator's save in
  LibreOffice or Excel, another Chorus, the openpyxl path - changes those, and
  the tab is keyed afresh from the file, as before.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

from automation.store import deflate, keys
from automation.store.xlsx_parts import (
    _T,
    NeedsOpenpyxl,
    Package,
    Row,
    SheetText,
    _put,
    _split_rows,
    _stretch,
    _text,
    cell_xml,
    col_letters,
)
from automation.store.xlsx_rows import NewRows, PendingRows
from sheets_schema.cells import cell_to_text, column_reader, date_pattern
from sheets_schema.columns import Kind, Tab, normalise_header
from sheets_schema.records import (
    Append,
    ApplyResult,
    Cell,
    Delete,
    Update,
    key_of,
    require_columns,
)

SHARED_STRINGS = "xl/sharedStrings.xml"
#: the tabs one run writes more than once (the ledger's intent and confirmation, then the Runs
#: row): the only ones whose split and keyed rows are worth keeping between writes
WRITTEN_AGAIN = frozenset(("Sent", "Runs"))
#: key columns whose cells a person may hold as dates or numbers
_TYPED = frozenset((Kind.DATE, Kind.DATETIME, Kind.INTEGER))


@dataclass
class Kept:
    """A sheet part as this store last saved it, split and keyed, for its next write."""

    signature: tuple[int, int, tuple[int, int] | None]
    sheet: SheetText
    headers: list[str]
    rows_by_key: dict[tuple[str, ...], list[int]]
    last_row: int
    #: True when `sheet` holds only the rows this store appended (after all the others, in
    #: its head) and `rows_by_key` only their keys: see `_appended_only`
    partial: bool = False


def apply_tab(
    package: Package,
    tab: Tab,
    appends: list[Append],
    updates: list[Update],
    deletes: list[Delete],
    result: ApplyResult,
    kept: dict[str, Kept] | None = None,
) -> None:
    """One tab's changes into its part's text; the same rules as xlsx._apply_tab.

    `kept`: part -> what an earlier write of this store left (used only while the
    part is still that write's; replaced by what this write leaves).
    """
    found = package.sheets.get(normalise_header(tab.name))
    if found is None:
        raise NeedsOpenpyxl("the tab is missing")  # openpyxl's path says so, with the fix
    sheet_name, part, position = found
    state = _reused(package, part, kept)
    if (
        state is not None
        and state.partial
        and not _partial_will_do(state, package, tab, part, appends, updates, deletes)
    ):
        state = None
    if state is None and not updates and not deletes:
        state = _appended_only(package, tab, part, appends)
    if state is None:
        state = _keyed(package, tab, part)
    sheet = state.sheet
    positions = require_columns(tab, state.headers)
    needed = set().union(*(a.row for a in appends), *(u.values for u in updates))
    if needed - set(positions):
        raise NeedsOpenpyxl("a column the sheet lacks")
    kinds = {c.field: (c.kind, date_pattern(tab, c)) for c in tab.columns}
    styles = package.styles()
    pending = PendingRows(sheet, NewRows(positions, kinds, styles))

    def write(number: int, values: Mapping[str, Cell], new: bool) -> None:
        if new and pending.add(number, values):
            return
        pending.made()
        cells = [(positions[f] + 1, cell_xml(v, kinds[f], styles)) for f, v in values.items()]
        if new:
            sheet.add_row(number, sorted(cells))
            return
        row = sheet.row(number)
        for col, xml in cells:
            _put(sheet, row, col, xml)

    state.last_row = keys.row_writes(
        tab,
        updates,
        appends,
        state.rows_by_key,
        state.last_row,
        positions,
        lambda n: partial(_value_at, sheet, pending.made().row(n)),
        write,
        result,
    )
    pending.made()
    doomed = keys.deleted_rows(tab, deletes, state.rows_by_key, result)
    if doomed:
        sheet.delete(doomed)
    _stretch(package, sheet, sheet_name, position, max(len(state.headers), 1))
    rendered = sheet.render()
    package.replaced[part] = rendered
    # Rows moved up (doomed): the index no longer says where. Only the tabs a run writes
    # again are kept: a sync's 100,000 Submissions rows kept in memory cost 250 MB.
    if kept is not None and not doomed and tab.name in WRITTEN_AGAIN:
        state.signature = (deflate.crc32(rendered), len(rendered), _shared_signature(package.zip))
        kept[part] = state


def _reused(package: Package, part: str, kept: dict[str, Kept] | None) -> Kept | None:
    """What the last write left of `part`, if the part is still exactly what it saved.

    Taken out of `kept` either way: this write changes it, and a save that does
    not happen must not leave a changed copy behind.
    """
    state = kept.pop(part, None) if kept is not None else None
    if state is None or part in package.replaced:
        return None
    try:
        info = package.zip.getinfo(part)
    except KeyError:
        return None
    if state.signature != (info.CRC, info.file_size, _shared_signature(package.zip)):
        return None
    state.sheet.shared = package.shared
    return state


#: at most this many appends are proven new by looking for their keys' text (a search of the
#: part each, about 0.13 ms a MB); more are checked against an index of the whole tab, which
#: costs about what 200 such searches do
PROVEN_APPENDS = 100
#: key text that no number, date or Yes/No cell can read as, and no writer escapes
_PLAIN_KEY = re.compile(r"<?([A-Za-z0-9._@+:\-]{6,})>?")
_LETTER = re.compile(r"[A-DF-Za-df-z]")  # a letter other than an exponent's e


def _appended_only(package: Package, tab: Tab, part: str, appends: list[Append]) -> Kept | None:
    """Appends placed after the tab's last row without splitting or keying the rows before it.

    Only when every key is proven absent (`_proven_new`) and the part ends with
    a row that has something in it (blank rows a person formatted below the
    data are filled first, which takes the whole path). The state kept holds
    the new rows alone: the ledger's confirmation of the rows it just added, and
    the next Runs row, find them there. None: take the whole path.
    """
    if not appends or len(appends) > PROVEN_APPENDS:
        return None
    data = package.read(part)
    haystacks = _haystacks(package, data)
    if not all(_proven_new(tab, key_of(tab, a.row), haystacks) for a in appends):
        return None
    start, end = data.find(b"<sheetData>"), data.rfind(b"</sheetData>")
    last_at = data.rfind(b"<row", 0, end)
    if start < 0 or end < 0 or last_at < start:
        return None
    first = _split_rows(data, start + len(b"<sheetData>"), data.find(b"</row>", start) + 6)
    last = _split_rows(data, last_at, end)
    if not first or first[0].number != 1 or len(last) != 1 or last[0].number < 2:
        return None
    sheet = SheetText(data[:end], [], data[end:], package.shared)
    if _blank(sheet, last[0]):
        return None
    header = first[0]
    width = max(header.parsed(), default=0)
    headers = [cell_to_text(sheet.value(header, c)).strip() for c in range(1, width + 1)]
    return Kept((0, 0, None), sheet, headers, {}, last[0].number, partial=True)


def _haystacks(package: Package, data: bytes) -> tuple[bytes, ...] | None:
    """Where a key cell's text can be: the sheet part and the shared strings (None: rich text)."""
    shared = package.read(SHARED_STRINGS) if SHARED_STRINGS in package.zip.NameToInfo else b""
    if any(b"<r>" in part or b"<r " in part for part in (data, shared)):
        return None  # text split into runs: a key's text may not be in one piece
    return data, shared


def _proven_new(tab: Tab, key: tuple[str, ...], haystacks: tuple[bytes, ...] | None) -> bool:
    """True when no row can have `key`: one key cell's text is nowhere in `haystacks`.

    A cell whose text trims to the key holds that text as it is, in the sheet
    part (inline text, a formula's result) or in the shared strings: letters,
    digits and . _ @ + : - are never escaped. Columns whose cells may be dates
    or numbers, and text a number or Yes/No could read as, are not proven this way.
    """
    if haystacks is None:
        return False
    for field, text in zip(tab.key, key, strict=True):
        plain = _PLAIN_KEY.fullmatch(text)
        if tab.column(field).kind in _TYPED or plain is None or not _LETTER.search(text):
            continue
        core = plain.group(1).encode()
        if not any(core in part for part in haystacks):
            return True
    return False


def _partial_will_do(
    state: Kept,
    package: Package,
    tab: Tab,
    part: str,
    appends: list[Append],
    updates: list[Update],
    deletes: list[Delete],
) -> bool:
    """Whether a write can go through the rows this store appended alone (`Kept.partial`).

    Its updates must all be of those rows, it deletes nothing, and each append
    is of one of those keys (skipped) or proven new.
    """
    if deletes or any(keys.key_text(u.key) not in state.rows_by_key for u in updates):
        return False
    fresh = [key for key in (key_of(tab, a.row) for a in appends) if key not in state.rows_by_key]
    if not fresh:
        return True
    if len(fresh) > PROVEN_APPENDS:
        return False
    haystacks = _haystacks(package, package.read(part))
    return all(_proven_new(tab, key, haystacks) for key in fresh)


def _shared_signature(archive: zipfile.ZipFile) -> tuple[int, int] | None:
    """The shared strings part's CRC-32 and size (text cells saved by an office suite are there)."""
    try:
        info = archive.getinfo(SHARED_STRINGS)
    except KeyError:
        return None
    return info.CRC, info.file_size


def _keyed(package: Package, tab: Tab, part: str) -> Kept:
    """The part split into rows and indexed by key: one pass over each key column's cells."""
    data = package.read(part)
    sheet = SheetText.parse(data, package.shared)
    header_row = next((r for r in sheet.rows if r.number == 1), None)
    width = max(header_row.parsed(), default=0) if header_row is not None else 0
    headers = (
        [cell_to_text(sheet.value(header_row, c)).strip() for c in range(1, width + 1)]
        if header_row is not None
        else []
    )
    positions = require_columns(tab, headers)
    columns = [_column_keys(sheet, data, positions[k] + 1, column_reader(tab, k)) for k in tab.key]
    # The last row with anything in it, from the end; then each row's key cells alone.
    last_row = next(
        (r.number for r in reversed(sheet.rows) if r.number > 1 and not _blank(sheet, r)), 1
    )
    rows_by_key: dict[tuple[str, ...], list[int]] = {}
    for row in sheet.rows:
        if row.number < 2 or row.number > last_row:
            continue
        key = tuple(cells.get(row.number, "") for cells in columns)
        if any(key) or not _blank(sheet, row):
            rows_by_key.setdefault(key, []).append(row.number)
    return Kept((0, 0, None), sheet, headers, rows_by_key, last_row)


@lru_cache(maxsize=64)
def _column_pattern(col: int) -> re.Pattern[bytes]:
    """The reference of a cell of column `col`: its row number, the attributes after it, its XML.

    It starts with a literal, which the regular expression engine finds fast;
    `_column_keys` checks that it is inside a cell's opening tag.
    """
    letters = col_letters(col).encode()
    return re.compile(rb'r="' + letters + rb'(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _column_keys(
    sheet: SheetText, data: bytes, col: int, read: Callable[[object], str]
) -> dict[int, str]:
    """Row number -> the key text (`read`, trimmed) of each cell of column `col` in a sheet part.

    Only references inside a `<c ...>` tag count: a '<' in text is always
    written '&lt;', so the last '<' before a reference in text is its `<t>`.
    The first cell a row holds for the column counts, as when looking into
    the row; a row without one is not in the answer (its key cell is '').
    """
    out: dict[int, str] = {}
    start, end = data.find(b"<sheetData"), data.rfind(b"</sheetData>")
    for match in _column_pattern(col).finditer(data, max(start, 0), max(end, 0)):
        at = match.start()
        opening = data.rfind(b"<", 0, at)
        before = data[opening:at]
        if not before.startswith(b"<c") or before[2:3] not in _SPACE or b">" in before:
            continue
        number = int(match.group(1))
        if number in out:
            continue
        attrs, inner = before[2:] + match.group(2), match.group(3) or b""
        if b'"inlineStr"' in attrs:  # how Chorus writes text: the common case, read directly
            value: object = "".join(_text(t) for t in _T.findall(inner) if t)
        else:
            value = sheet.cell_value((_attributes(attrs), inner))
        out[number] = read(value).strip()
    return out


_SPACE = (b" ", b"\t", b"\n", b"\r")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTRIBUTE.findall(raw))


def _value_at(sheet: SheetText, row: Row, col: int) -> object:
    """The value at a 0-based column (for the expect guard)."""
    return sheet.value(row, col + 1)


def _blank(sheet: SheetText, row: Row) -> bool:
    if b"<v>" not in row.body and b"<t" not in row.body:
        return True
    return not any(cell_to_text(sheet.value(row, c)).strip() for c in row.parsed())
