"""The workbook's parts are deflated by ISA-L where it is installed: the streams are the
standard ones zip readers (Python's zipfile, openpyxl, LibreOffice) inflate, and the CRC-32
is zlib's."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from automation.store import deflate
from automation.store.xlsx import XlsxStore
from sheets_schema.records import Append, Changes


def test_a_deflated_part_inflates_with_zlib_to_the_same_bytes_and_the_crc_is_zlibs() -> None:
    data = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (n, n)
        for n in range(20_000)
    )

    packed = deflate.deflate(data)

    assert zlib.decompressobj(-15).decompress(packed) == data
    assert deflate.crc32(data) == zlib.crc32(data)
    assert deflate.crc32(data[100:], deflate.crc32(data[:100])) == zlib.crc32(data)
    assert len(packed) < len(data) / 10


def test_a_workbook_saved_with_a_rewritten_sheet_is_a_sound_zip_openpyxl_reads(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    people = [{"name": f"P{n}", "email": f"p{n}@example.org", "active": "Yes"} for n in range(500)]
    store.apply(Changes(appends=tuple(Append("People", p) for p in people)))

    with zipfile.ZipFile(tmp_path / "workbook.xlsx") as book:
        assert book.testzip() is None  # every member's CRC checked as zipfile inflates it
    sheet = load_workbook(tmp_path / "workbook.xlsx", read_only=True)["People"]
    emails = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(emails) == 500 and emails[-1] == "p499@example.org"
