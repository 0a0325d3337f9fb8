"""Reading the local workbook's values fast: python-calamine, with openpyxl as the fallback.

Measured on the same workbook (benchmarks/local.py, Submissions at 10,000
rows): calamine (Rust) reads the values several times faster than openpyxl's
read-only mode and holds far less memory. Both give the same Python values
for what Chorus reads (text, numbers, booleans, dates and datetimes), and the
schema turns every value into text the same way (sheets_schema.cells).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

import pandas as pd
from openpyxl import load_workbook
from python_calamine import CalamineSheet, CalamineWorkbook

from automation.store.xlsx_parts import Package
from sheets_schema.cells import cell_to_text
from sheets_schema.columns import normalise_header
from sheets_schema.errors import ChorusError
from sheets_schema.headers import unmatched
from sheets_schema.records import Snapshot, empty_frame, frame_from_sheet_rows, require_columns
from sheets_schema.tabs import TABS

#: which reader read_snapshot uses ("calamine" or "openpyxl"); a benchmark sets it to compare
READER = "calamine"


class XlsxSnapshot(Snapshot):
    """A Snapshot of the local workbook whose frames are built when a job first asks for them.

    The workbook is parsed (calamine) and every tab's header checked at read, so
    a missing tab or column is still an error of the read; turning 10,000 rows
    into a DataFrame waits until a plan needs the tab, and a sync-forms run that
    finds its inputs as it last left them never does (see `digest`).
    """

    def __init__(
        self,
        sheets: dict[str, CalamineSheet | list[Sequence[object]]],
        digests: dict[str, str],
        on_damage: Callable[[BaseException], Exception],
        extra: dict[str, CalamineSheet | list[Sequence[object]]] | None = None,
    ) -> None:
        super().__init__({})
        self._sheets = sheets
        #: tabs the shell may look at (State) that the job did not ask for
        self._extra = extra or {}
        self._digests = digests
        self._on_damage = on_damage
        for name in sheets:
            self._check_header(name)

    def _rows(self, name: str) -> Iterator[Sequence[object]]:
        sheet = self._sheets[name] if name in self._sheets else self._extra[name]
        if isinstance(sheet, list):
            return iter(sheet)
        try:
            return (_as_openpyxl(row) for row in sheet.to_python(skip_empty_area=False))
        except Exception as exc:  # calamine's errors are its own types
            raise self._on_damage(ParseError(str(exc))) from None

    def _check_header(self, name: str) -> None:
        sheet, tab = self._sheets[name], TABS[name]
        first = sheet[:1] if isinstance(sheet, list) else [*itertools.islice(sheet.iter_rows(), 1)]
        headers = [cell_to_text(v).strip() for v in (first[0] if first else ())]
        missing, strangers = unmatched(tab, headers)
        if not first or (missing and strangers):
            self._frames[name] = frame_from_sheet_rows(tab, self._rows(name))  # says what is wrong
        else:
            require_columns(tab, headers)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames and name in self._sheets:
            self._frames[name] = frame_from_sheet_rows(TABS[name], self._rows(name))
        return super().__getitem__(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._sheets)

    def __contains__(self, name: object) -> bool:
        return name in self._sheets  # without building the frame, as Mapping's would

    def __len__(self) -> int:
        return len(self._sheets)

    def get_or_empty(self, name: str) -> pd.DataFrame:
        return self[name] if name in self._sheets else empty_frame(name)

    def optional(self, name: str) -> pd.DataFrame | None:
        """A tab the job did not ask for but the workbook has (the shell's State), else None."""
        if name in self._sheets:
            return self[name]
        if name not in self._extra:
            return None
        try:
            return frame_from_sheet_rows(TABS[name], self._rows(name))
        except ChorusError:
            return None  # a State tab a person broke: the run goes the long way

    def digest(self, tabs: Sequence[str]) -> str:
        """A fingerprint of what `tabs` hold, from the zip's own checksums: '' when unknown.

        Each sheet part's CRC-32 and size, plus those of the parts every sheet
        depends on (the workbook, shared strings, styles): equal digests mean the
        same bytes were read, whoever saved the file.
        """
        if any(t not in self._digests for t in tabs):
            return ""
        parts = [self._digests[t] for t in tabs] + [self._digests[""]]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


def read_snapshot(
    data: bytes,
    tabs: Sequence[str],
    on_damage: Callable[[BaseException], Exception],
    extra: Sequence[str] = (),
) -> XlsxSnapshot:
    """The tabs of `tabs` the workbook has, parsed, their headers checked, their frames to come.

    `extra` tabs, when the workbook has them, are kept for `XlsxSnapshot.optional`.
    """
    wanted = [*tabs, *(t for t in extra if t not in tabs)]
    package = _package(data)
    if READER == "calamine":
        found = _sheets(data, wanted, package)
        sheets: dict[str, CalamineSheet | list[Sequence[object]]] = dict(found)
    else:
        sheets = dict(_openpyxl(data, wanted))
    others = {t: sheets.pop(t) for t in wanted[len(tabs) :] if t in sheets}
    return XlsxSnapshot(sheets, _digests(package, tabs), on_damage, others)


def _package(data: bytes) -> Package | None:
    """The workbook's parts by tab, read once for the check and the digests (None: its parts
    cannot be told apart, or the file is damaged, which the check then says how)."""
    try:
        return Package(data)
    except Exception:  # noqa: BLE001 - NeedsOpenpyxl, or damage _check_zip names
        return None


def _sheets(data: bytes, tabs: Sequence[str], package: Package | None) -> dict[str, CalamineSheet]:
    _check_zip(data, tabs, package)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        existing = {normalise_header(n): n for n in wb.sheet_names}
        return {
            name: wb.get_sheet_by_name(existing[normalise_header(name)])
            for name in tabs
            if normalise_header(name) in existing
        }
    except Exception as exc:  # calamine's errors are its own types: a part it cannot parse
        raise ParseError(str(exc)) from None


#: the parts every sheet's values depend on (of xl/workbook.xml, only which part is which
#: tab: its filter ranges grow with every Runs row and change no value)
_SHARED_PARTS = (
    "xl/_rels/workbook.xml.rels",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
)


def _digests(package: Package | None, tabs: Sequence[str]) -> dict[str, str]:
    """Tab -> its sheet part's CRC-32 and size ('' -> the shared parts'); tabs not found left out."""
    if package is None:
        return {}
    infos = {i.filename: f"{i.CRC:08x}:{i.file_size}" for i in package.zip.infolist()}
    shared = [infos.get(p, "-") for p in _SHARED_PARTS] + [repr(sorted(package.sheets.items()))]
    out = {"": ",".join(shared)}
    for name in tabs:
        found = package.sheets.get(normalise_header(name))
        if found is not None and found[1] in infos:
            out[name] = f"{name}={infos[found[1]]}"
    return out


def _as_openpyxl(row: Sequence[object]) -> Sequence[object]:
    """openpyxl gives every date-formatted cell as a datetime; calamine a date when it is whole.

    A DATETIME column reads '2026-12-01 00:00' from a datetime, '2026-12-01'
    from a date, so a date becomes the datetime openpyxl would give.
    """
    if not any(type(v) is date for v in row):
        return row
    return [datetime(v.year, v.month, v.day) if type(v) is date else v for v in row]


def _check_zip(data: bytes, tabs: Sequence[str], package: Package | None) -> None:
    """Raise what openpyxl would on a file that is not a sound zip of a workbook.

    The damaged-file message (workbook_file.damaged) names the fault by the
    exception's type: not a zip, a part that does not inflate, no workbook part.
    Every part is inflated but the sheets of tabs not read: a year of Sent
    archive or Runs is not inflated by every run that never looks at it. A
    write copies such a part's bytes as they are, and the run that reads it
    finds any damage in it.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.getinfo("xl/workbook.xml")
        unread = _unread_sheet_parts(package, tabs)
        for info in archive.infolist():
            if info.filename in unread:
                continue
            with archive.open(info) as member:
                while member.read(1 << 20):
                    pass


def _unread_sheet_parts(package: Package | None, tabs: Sequence[str]) -> set[str]:
    """The sheet parts of the workbook's other tabs (none when its parts cannot be told apart)."""
    if package is None:
        return set()
    wanted = {normalise_header(t) for t in tabs}
    return {part for name, (_, part, _) in package.sheets.items() if name not in wanted}


def _openpyxl(data: bytes, tabs: Sequence[str]) -> dict[str, list[Sequence[object]]]:
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    try:
        existing = {normalise_header(n): n for n in wb.sheetnames}
        out: dict[str, list[Sequence[object]]] = {}
        for name in tabs:
            sheet_name = existing.get(normalise_header(name))
            if sheet_name is not None:
                out[name] = list(wb[sheet_name].iter_rows(values_only=True))
        return out
    finally:
        wb.close()
