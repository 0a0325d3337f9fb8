"""Reading the local workbook's values fast: python-calamine, with openpyxl as the fallback.

Measured on the same workbook (benchmarks/local.py, Submissions at 10,000
rows): calamine (Rust) reads the values several times faster than openpyxl's
read-only mode and holds far less memory. Both give the same Python values
for what Chorus reads (text, numbers, booleans, dates and datetimes), and the
schema turns every value into text the same way (sheets_schema.cells).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from sheets_schema.columns import normalise_header

#: which reader read_sheets uses ("calamine" or "openpyxl"); a benchmark sets it to compare
READER = "calamine"


def read_sheets(data: bytes, tabs: Sequence[str]) -> dict[str, list[Sequence[object]]]:
    """The rows (header first, from A1) of each tab in `tabs` that the workbook has."""
    if READER == "calamine":
        return _calamine(data, tabs)
    return _openpyxl(data, tabs)


def _calamine(data: bytes, tabs: Sequence[str]) -> dict[str, list[Sequence[object]]]:
    _check_zip(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine's errors are its own types: a part it cannot parse
        raise ParseError(str(exc)) from None
    existing = {normalise_header(n): n for n in wb.sheet_names}
    out: dict[str, list[Sequence[object]]] = {}
    for name in tabs:
        sheet_name = existing.get(normalise_header(name))
        if sheet_name is None:
            continue
        try:
            rows = wb.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise ParseError(str(exc)) from None
        out[name] = [_as_openpyxl(row) for row in rows]
    return out


def _as_openpyxl(row: Sequence[object]) -> Sequence[object]:
    """openpyxl gives every date-formatted cell as a datetime; calamine a date when it is whole.

    A DATETIME column reads '2026-12-01 00:00' from a datetime, '2026-12-01'
    from a date, so a date becomes the datetime openpyxl would give.
    """
    if not any(type(v) is date for v in row):
        return row
    return [datetime(v.year, v.month, v.day) if type(v) is date else v for v in row]


def _check_zip(data: bytes) -> None:
    """Raise what openpyxl would on a file that is not a sound zip of a workbook.

    The damaged-file message (workbook_file.damaged) names the fault by the
    exception's type: not a zip, a part that does not inflate, no workbook part.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.getinfo("xl/workbook.xml")
        for info in archive.infolist():
            with archive.open(info) as member:
                while member.read(1 << 20):
                    pass


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
