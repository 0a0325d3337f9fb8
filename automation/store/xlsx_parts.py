"""Edit a local .xlsx at the cost of what changed: only the changed sheets' XML is rewritten.

An .xlsx file is a zip with one XML part per sheet. openpyxl loads every cell
of every sheet and writes them all back, so a run that appends one Runs row
paid for the whole workbook. Here a change is applied to the text of the
sheets it touches: rows are found by their key cells, an updated row is
written anew, appended rows go before `</sheetData>`, and every other row,
sheet and part (styles, comments, validations, widths, frozen panes, people's
formulas and columns) is copied byte for byte, compressed as it was.

What this path does not handle (a column the sheet lacks, the Program tab's
per-row dropdowns, XML written with a prefix for the main namespace) raises
`NeedsOpenpyxl`, and the store falls back to openpyxl for that save.
"""

from __future__ import annotations

import copy
import html
import io
import re
import zipfile
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from xml.sax.saxutils import escape

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from automation.store import deflate
from sheets_schema.cells import datetime_serial, to_serial, typed
from sheets_schema.columns import Kind, normalise_header
from sheets_schema.records import Cell

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# A part written anew is deflated at the fastest level (automation/store/deflate.py): a
# year of Sent is megabytes of XML written at every run. (Not deflating Sent and Runs at all
# was measured slower: the workbook megabytes larger, a run writes and checksums more bytes
# at each of its saves than deflating costs it.)


class NeedsOpenpyxl(Exception):
    """This change or this workbook needs the whole-workbook openpyxl path."""


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_V = re.compile(rb"<v>(.*?)</v>", re.S)
_T = re.compile(rb"<t(?:\s[^>]*)?>(.*?)</t>|<t\s*/>", re.S)
_REF = re.compile(rb"([A-Z]+)(\d+)")


def col_number(letters: bytes | str) -> int:
    """'A' -> 1, 'AB' -> 28."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=1024)
def _letters(n: int) -> bytes:
    """col_letters as bytes, remembered: every new row's every cell asks."""
    return col_letters(n).encode()


def _text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8"))


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


class Package:
    """The workbook's zip: its sheets by name, shared strings and styles read on demand."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.replaced: dict[str, bytes] = {}
        book = self.zip.read("xl/workbook.xml")
        if b"<sheets" not in book or b"<sheet " not in book:
            raise NeedsOpenpyxl("the workbook part names its sheets with a prefix")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        #: normalised name -> (name, part, 0-based position)
        self.sheets: dict[str, tuple[str, str, int]] = {}
        for position, match in enumerate(re.finditer(rb"<sheet\b([^>]*?)/?>", book)):
            attrs = _attrs(match.group(1))
            rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"").decode()
            name = _text(attrs.get(b"name", b""))
            if rid in rels:
                self.sheets[normalise_header(name)] = (name, rels[rid], position)
        self._shared: list[str] | None = None
        self._styles: Styles | None = None

    def _rels(self, part: str) -> dict[str, str]:
        out = {}
        for match in re.finditer(rb"<Relationship\b([^>]*?)/?>", self.zip.read(part)):
            attrs = _attrs(match.group(1))
            target = attrs.get(b"Target", b"").decode()
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            out[attrs.get(b"Id", b"").decode()] = target
        return out

    def read(self, part: str) -> bytes:
        """A part's bytes as they will be saved (this edit's version if it changed one)."""
        if part in self.replaced:
            return self.replaced[part]
        return self.zip.read(part)

    def shared(self) -> list[str]:
        """The shared strings table (LibreOffice and Excel keep text there)."""
        if self._shared is None:
            try:
                sst = self.zip.read("xl/sharedStrings.xml")
            except KeyError:
                sst = b""
            self._shared = [
                "".join(_text(t) for t in _T.findall(si) if t)
                for si in re.findall(rb"<si>(.*?)</si>|<si/>", sst, re.S)
            ]
        return self._shared

    def styles(self) -> Styles:
        if self._styles is None:
            self._styles = Styles(self.zip.read("xl/styles.xml"))
        return self._styles

    def save(self) -> bytes:
        """The new workbook: replaced parts written anew, every other part copied as it is."""
        if self._styles is not None and self._styles.changed:
            self.replaced["xl/styles.xml"] = self._styles.data
        out = io.BytesIO()
        source = io.BytesIO(self.data)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in self.zip.infolist():
                if info.filename in self.replaced:
                    deflate.write_member(zout, info, self.replaced[info.filename])
                elif info.flag_bits & 0x08:  # sizes after the data: copy the plain way
                    zout.writestr(copy.copy(info), self.zip.read(info))
                else:
                    deflate.copy_member(zout, source, info)
        return out.getvalue()


_XF_SECTION = re.compile(rb"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", re.S)
_XF = re.compile(rb"<xf\b([^>]*?)(?:/>|>.*?</xf>)", re.S)
_NUMFMT = re.compile(rb"<numFmt\b([^>]*?)/>")


class Styles:
    """styles.xml, read for the style a date cell needs and grown by one when none fits."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.changed = False
        self._by_pattern: dict[str, int] = {}

    def date_style(self, pattern: str) -> int:
        """The cell style index showing `pattern`, added to the file when there is none."""
        if pattern in self._by_pattern:
            return self._by_pattern[pattern]
        formats = {
            int(a[b"numFmtId"]): _text(a.get(b"formatCode", b""))
            for a in (_attrs(m) for m in _NUMFMT.findall(self.data))
            if b"numFmtId" in a
        }
        section = _XF_SECTION.search(self.data)
        if section is None:
            raise NeedsOpenpyxl("styles.xml has no cell formats")
        xfs = [_attrs(m) for m in _XF.findall(section.group(2))]
        for index, xf in enumerate(xfs):
            if formats.get(int(xf.get(b"numFmtId", b"0"))) == pattern and all(
                xf.get(k, b"0") == b"0" for k in (b"fontId", b"fillId", b"borderId")
            ):
                self._by_pattern[pattern] = index
                return index
        self._by_pattern[pattern] = self._add(pattern, formats, section, len(xfs))
        return self._by_pattern[pattern]

    def _add(self, pattern: str, formats: dict[int, str], section: re.Match[bytes], n: int) -> int:
        fmt_id = next((i for i, code in formats.items() if code == pattern), None)
        data = self.data
        xf = b""
        if fmt_id is None:
            fmt_id = max([163, *formats]) + 1
            element = (
                f'<numFmt numFmtId="{fmt_id}" formatCode="{escape(pattern, {chr(34): "&quot;"})}"/>'
            )
            xf = element.encode()
        new_xf = (
            f'<xf numFmtId="{fmt_id}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
        ).encode()
        opening = re.sub(rb'count="\d+"', f'count="{n + 1}"'.encode(), section.group(1))
        data = (
            data[: section.start()]
            + opening
            + section.group(2)
            + new_xf
            + section.group(3)
            + data[section.end() :]
        )
        if xf:
            block = re.search(rb"(<numFmts\b[^>]*>)(.*?)(</numFmts>)", data, re.S)
            if block is not None:
                count = len(_NUMFMT.findall(block.group(2))) + 1
                head = re.sub(rb'count="\d+"', f'count="{count}"'.encode(), block.group(1))
                data = data[: block.start()] + head + block.group(2) + xf + data[block.end(2) :]
            else:
                start = re.search(rb"<styleSheet\b[^>]*>", data)
                if start is None:
                    raise NeedsOpenpyxl("styles.xml has no styleSheet element")
                data = (
                    data[: start.end()]
                    + b'<numFmts count="1">'
                    + xf
                    + b"</numFmts>"
                    + data[start.end() :]
                )
        self.data, self.changed = data, True
        return n


class Row:
    """One <row>: its number, its original bytes, and its cells once anything reads them.

    A row's attributes and inner XML are sliced from its bytes when first asked for: a
    first sync appends 20,000 rows that nothing reads again.
    """

    __slots__ = ("number", "raw", "_attrs", "_body", "dirty", "cells")

    def __init__(
        self,
        number: int,
        raw: bytes,
        attrs: bytes | None = None,
        body: bytes | None = None,
        dirty: bool = False,
        cells: dict[int, tuple[dict[bytes, bytes], bytes]] | None = None,
    ) -> None:
        self.number, self.raw, self._attrs, self._body = number, raw, attrs, body
        self.dirty, self.cells = dirty, cells

    @property
    def attrs(self) -> bytes:
        """The <row> element's attributes (its r, spans, style...)."""
        if self._attrs is None:
            self._attrs = self.raw[4 : self.raw.index(b">")]
        return self._attrs

    @attrs.setter
    def attrs(self, value: bytes) -> None:
        self._attrs = value

    @property
    def body(self) -> bytes:
        """The row's cells' XML, between <row ...> and </row>."""
        if self._body is None:
            self._body = self.raw[self.raw.index(b">") + 1 : -6]
        return self._body

    def parsed(self) -> dict[int, tuple[dict[bytes, bytes], bytes]]:
        """column -> (attributes, inner XML) of each cell."""
        if self.cells is None:
            self.cells = {}
            for match in _CELL.finditer(self.body):
                attrs = _attrs(match.group(1))
                ref = _REF.fullmatch(attrs.get(b"r", b""))
                if ref is None:
                    raise NeedsOpenpyxl("a cell without its reference")
                self.cells[col_number(ref.group(1))] = (attrs, match.group(2) or b"")
        return self.cells


@dataclass
class SheetText:
    """A sheet part split around its rows: what comes before, the rows, what comes after."""

    head: bytes
    rows: list[Row]
    tail: bytes
    shared: Callable[[], list[str]]
    numbers: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, data: bytes, shared: Callable[[], list[str]]) -> SheetText:
        empty = re.search(rb"<sheetData\s*/>", data)
        if empty is not None:
            return cls(
                data[: empty.start()] + b"<sheetData>",
                [],
                b"</sheetData>" + data[empty.end() :],
                shared,
            )
        start, end = data.find(b"<sheetData>"), data.rfind(b"</sheetData>")
        if start < 0 or end < 0:
            raise NeedsOpenpyxl("the sheet's rows are not in a plain <sheetData>")
        start += len(b"<sheetData>")
        sheet = cls(data[:start], _split_rows(data, start, end), data[end:], shared)
        sheet.numbers = [r.number for r in sheet.rows]
        return sheet

    def value(self, row: Row, col: int) -> object:
        """A cell's value as openpyxl would give it: text, a number, a bool, or None."""
        return self.cell_value(
            row.cells.get(col) if row.cells is not None else _find_cell(row, col)
        )

    def cell_value(self, found: tuple[dict[bytes, bytes], bytes] | None) -> object:
        """The value of a cell given as (attributes, inner XML); None for no cell."""
        if found is None:
            return None
        attrs, inner = found
        kind = attrs.get(b"t", b"n")
        if kind == b"inlineStr":
            return "".join(_text(t) for t in _T.findall(inner) if t)
        v = _V.search(inner)
        if v is None:
            return None
        raw = v.group(1)
        if kind == b"s":
            return self.shared()[int(raw)]
        if kind == b"b":
            return raw.strip() == b"1"
        if kind in (b"str", b"e"):
            return _text(raw)
        try:
            number = float(raw)
        except ValueError:
            return _text(raw)
        return (
            int(number)
            if number.is_integer() and b"." not in raw and b"E" not in raw.upper()
            else number
        )

    def values(self, row: Row, cols: Sequence[int]) -> list[object]:
        return [self.value(row, c) for c in cols]

    def row(self, number: int) -> Row:
        """The row numbered `number`, made (in order) when the sheet has none."""
        at = bisect_left(self.numbers, number)
        if at < len(self.numbers) and self.numbers[at] == number:
            return self.rows[at]
        row = Row(number, b"", f' r="{number}"'.encode(), b"", dirty=True, cells={})
        self.rows.insert(at, row)
        self.numbers.insert(at, number)
        return row

    def add_row(
        self, number: int, cells: Sequence[tuple[int, tuple[dict[bytes, bytes], bytes] | None]]
    ) -> None:
        """A new row of cells in column order; merged into a blank row that is already there."""
        at = bisect_left(self.numbers, number)
        if at < len(self.numbers) and self.numbers[at] == number:
            row = self.rows[at]
            for col, cell in cells:
                _put(self, row, col, cell)
            return
        digits = str(number).encode()
        parts = [b'<row r="' + digits + b'">']
        for col, cell in cells:
            if cell is None:
                continue
            attrs, inner = cell
            if attrs is _INLINE:  # most cells: text, one attribute
                parts.append(b'<c r="%b%b" t="inlineStr">%b</c>' % (_letters(col), digits, inner))
                continue
            parts.append(b'<c r="' + _letters(col) + digits + b'"')
            for k, v in attrs.items():
                parts.append(b" " + k + b'="' + v + b'"')
            parts += (b">", inner, b"</c>")
        parts.append(b"</row>")
        self.rows.insert(at, Row(number, b"".join(parts)))
        self.numbers.insert(at, number)

    def append_row(self, number: int, raw: bytes) -> None:
        """A new row's XML (NewRows.xml) after every row the sheet has (`number` beyond the last)."""
        self.rows.append(Row(number, raw))
        self.numbers.append(number)

    def set(self, row: Row, col: int, attrs: dict[bytes, bytes] | None, inner: bytes) -> None:
        """Put a cell into a row (attrs None: the cell goes, keeping its style if it had one)."""
        cells = row.parsed()
        row.dirty = True
        ref = f"{col_letters(col)}{row.number}".encode()
        old = cells.get(col, ({}, b""))[0]
        if attrs is None:
            if b"s" in old:
                cells[col] = ({b"r": ref, b"s": old[b"s"]}, b"")
            else:
                cells.pop(col, None)
            return
        merged = {b"r": ref}
        if b"s" in old:
            merged[b"s"] = old[b"s"]
        merged.update(attrs)
        cells[col] = (merged, inner)

    def delete(self, numbers: Sequence[int]) -> None:
        """Remove rows and move the rows below up, as openpyxl's delete_rows does.

        In one pass: each row left moves up by the deleted rows above it, and is
        renumbered once (the monthly move to the Sent archive deletes thousands).
        """
        doomed = sorted(set(numbers))
        if not doomed:
            return
        first = bisect_left(self.numbers, doomed[0])
        kept_rows: list[Row] = []
        for row in self.rows[first:]:
            above = bisect_left(doomed, row.number)
            if above < len(doomed) and doomed[above] == row.number:
                continue
            if above:
                _renumber(row, row.number - above)
            kept_rows.append(row)
        self.rows[first:] = kept_rows
        self.numbers[first:] = [row.number for row in kept_rows]

    def last_column(self) -> int:
        return max((max(r.parsed(), default=0) for r in self.rows if r.number == 1), default=1)

    def render(self) -> bytes:
        parts = [self.head]
        for row in self.rows:
            parts.append(_render_row(row) if row.dirty else row.raw)
        parts.append(self.tail)
        return b"".join(parts)


_ROW_NUMBER = re.compile(rb'\br="(\d+)"')


def _split_rows(data: bytes, start: int, end: int) -> list[Row]:
    """The <row> elements between `start` and `end`, found with bytes.find, not a lazy pattern.

    A year of Sent is thousands of rows: scanning each for its `</row>` with a
    regular expression cost more than the rest of a write.
    """
    rows: list[Row] = []
    pos = start
    while True:
        at = data.find(b"<row", pos, end)
        if at < 0:
            return rows
        if data[at + 4 : at + 5] not in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
            pos = at + 4
            continue
        close = data.find(b">", at, end)
        if close < 0:
            return rows
        if data[close - 1] == 0x2F:  # <row .../>
            attrs, body, stop = data[at + 4 : close - 1], b"", close + 1
        else:
            finish = data.find(b"</row>", close, end)
            if finish < 0:
                return rows
            attrs, body, stop = data[at + 4 : close], data[close + 1 : finish], finish + 6
        number = _ROW_NUMBER.search(attrs)
        if number is None:
            raise NeedsOpenpyxl("a row without its number")
        rows.append(Row(int(number.group(1)), data[at:stop], attrs, body))
        pos = stop


def _find_cell(row: Row, col: int) -> tuple[dict[bytes, bytes], bytes] | None:
    """One cell of a row not parsed whole: the key cells of 10,000 rows are read this way."""
    ref = f"{col_letters(col)}{row.number}".encode()
    at = row.body.find(b' r="' + ref + b'"')
    if at < 0:
        return None
    start = row.body.rfind(b"<c", 0, at)
    match = _CELL.match(row.body, start) if start >= 0 else None
    attrs = _attrs(match.group(1)) if match is not None else {}
    if match is None or attrs.get(b"r") != ref:  # the text of a cell said r="..."
        return row.parsed().get(col)
    return attrs, match.group(2) or b""


def _renumber(row: Row, number: int) -> None:
    cells = row.parsed()
    row.attrs = re.sub(rb'\br="\d+"', f'r="{number}"'.encode(), row.attrs)
    for col, (attrs, inner) in list(cells.items()):
        attrs[b"r"] = f"{col_letters(col)}{number}".encode()
        cells[col] = (attrs, inner)
    row.number, row.dirty = number, True


def _render_row(row: Row) -> bytes:
    cells = row.parsed()
    attrs = re.sub(rb'\s*\bspans="[^"]*"', b"", row.attrs)
    body = b"".join(
        b"<c"
        + b"".join(b" " + k + b'="' + v + b'"' for k, v in a.items())
        + (b">" + inner + b"</c>" if inner else b"/>")
        for _, (a, inner) in sorted(cells.items())
    )
    return b"<row" + attrs + b">" + body + b"</row>" if body else b"<row" + attrs + b"/>"


def cell_xml(
    value: Cell, column: tuple[Kind, str | None], styles: Styles
) -> tuple[dict[bytes, bytes], bytes] | None:
    """A value as a cell: a real date or number where the column's kind says so, else inert text.

    The same rules as openpyxl's path in xlsx.py; text is an inline string,
    so it never becomes a formula and the shared strings part is left alone.
    """
    if type(value) is str and column[0] not in _TYPED_KINDS:  # most cells: text as it is
        return _text_cell(value) if value else None
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if column[0] is Kind.DATETIME and type(value) is str and column[1] is not None:
        serial = datetime_serial(value)  # the times a sync writes: typed's answer, sooner
        if serial is not None:
            style = str(styles.date_style(column[1])).encode()
            return {b"s": style, b"t": b"n"}, f"<v>{serial!r}</v>".encode()
    held = typed(column[0], value)
    if isinstance(held, date):
        attrs = {}
        if column[1] is not None:
            attrs[b"s"] = str(styles.date_style(column[1])).encode()
        return attrs | {b"t": b"n"}, f"<v>{to_serial(held)}</v>".encode()
    if isinstance(held, (int, float)):
        return {b"t": b"n"}, f"<v>{held!r}</v>".encode()
    return _text_cell(str(value))


#: the kinds whose text `typed` may turn into a date or number
_TYPED_KINDS = frozenset((Kind.DATE, Kind.DATETIME, Kind.INTEGER))


#: an inline string cell's attributes: one dict shared by every such cell (read, never changed)
_INLINE: dict[bytes, bytes] = {b"t": b"inlineStr"}


def _text_cell(text: str) -> tuple[dict[bytes, bytes], bytes]:
    """Text as an inline string cell, without the characters XML cannot hold."""
    if not text.isprintable():  # only then may it hold a control character, or a line end
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
        if "\n" in text:
            return _INLINE, f'<is><t xml:space="preserve">{escape(text)}</t></is>'.encode()
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    if text[:1].isspace() or text[-1:].isspace():
        return _INLINE, f'<is><t xml:space="preserve">{text}</t></is>'.encode()
    return _INLINE, f"<is><t>{text}</t></is>".encode()


def _put(
    sheet: SheetText, row: Row, col: int, cell: tuple[dict[bytes, bytes], bytes] | None
) -> None:
    if cell is None:
        sheet.set(row, col, None, b"")
    else:
        sheet.set(row, col, cell[0], cell[1])


def _stretch(package: Package, sheet: SheetText, name: str, position: int, width: int) -> None:
    """The sheet's dimension, its autofilter and the filter's defined name over every row."""
    last_row = max(sheet.numbers[-1] if sheet.numbers else 1, 2)
    last_col = max([width, *(max(r.parsed(), default=0) for r in sheet.rows if r.dirty)])
    ref = f"A1:{col_letters(last_col)}{last_row}".encode()
    sheet.head = re.sub(
        rb'(<dimension ref=")[^"]*(")', rb"\g<1>" + ref + rb"\g<2>", sheet.head, count=1
    )
    had_filter = re.search(rb"<autoFilter\b[^>]*\bref=\"[^\"]+\"", sheet.tail)
    if had_filter is None:
        return
    sheet.tail = re.sub(
        rb'(<autoFilter\b[^>]*?\bref=")[^"]*(")', rb"\g<1>" + ref + rb"\g<2>", sheet.tail, count=1
    )
    book = package.read("xl/workbook.xml")
    quoted = "'" + name.replace("'", "''") + "'"
    absolute = f"{quoted}!$A$1:${col_letters(last_col)}${last_row}"
    pattern = re.compile(
        rb'(<definedName\b[^>]*name="_xlnm._FilterDatabase"[^>]*localSheetId="'
        + str(position).encode()
        + rb'"[^>]*>)[^<]*(</definedName>)'
    )
    grown = pattern.sub(
        lambda m: m.group(1) + escape(absolute).encode() + m.group(2), book, count=1
    )
    if grown != book:
        package.replaced["xl/workbook.xml"] = grown
