"""New rows' sheet XML made straight from their values: what a first sync of 10,000 responses writes.

A first sync appends 10,000 Submissions rows and as many Queue items, some
200,000 cells. Made one by one through `cell_xml` (a tuple, a dict of
attributes, bytes per cell) and `SheetText.add_row`, they cost a third of the
sync (issue #23). Here the rows of a write are made together, a column at a
time: a column of plain text (printable, nothing to escape, no space at an
end: most are) is looked over whole, an ISO time is read with each hour's
serial worked out once, and only any other cell goes through `cell_xml`, so
the bytes are always those `add_row` writes. Each row is then one join of the
same pieces (text that is the same in every row, its number, its values),
made without a Python step per cell: 95 ms for a first sync's 20,000 rows made
a row at a time, each cell looked at, 70 ms so. (A format string per row
shape, filled in one call, was tried: no faster.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from operator import itemgetter
from xml.sax.saxutils import escape

from automation.store.xlsx_parts import _TYPED_KINDS, SheetText, Styles, cell_xml, col_letters
from sheets_schema.cells import datetime_serial
from sheets_schema.columns import Kind
from sheets_schema.records import Cell

#: how a field's cells are written: plain text, a date and time, anything else (cell_xml)
TEXT, TIME, OTHER = 0, 1, 2


class NewRows:
    """The XML of a tab's new rows, one string per row (see the module's docstring)."""

    def __init__(
        self,
        positions: Mapping[str, int],
        kinds: Mapping[str, tuple[Kind, str | None]],
        styles: Styles,
    ) -> None:
        self._positions = positions
        self._kinds = kinds
        self._styles = styles
        self._orders: dict[tuple[str, ...], list[tuple[str, str, int]]] = {}
        #: a time column's field -> the style index of its cells
        self._date_styles: dict[str, str] = {}
        #: 'YYYY-MM-DD HH' -> (days, seconds) of its serial (None: read by datetime_serial)
        self._hours: dict[str, tuple[int, int] | None] = {}
        #: 'YYYY-MM-DD' -> its serial (None: not a real date)
        self._days: dict[str, int | float | None] = {}

    def _order(self, fields: tuple[str, ...]) -> list[tuple[str, str, int]]:
        """(field, column letters, how) in column order."""
        order = []
        for f in sorted(fields, key=lambda f: self._positions[f]):
            kind, pattern = self._kinds[f]
            how = (
                TEXT
                if kind not in _TYPED_KINDS
                else TIME
                if kind is Kind.DATETIME and pattern
                else OTHER
            )
            order.append((f, col_letters(self._positions[f] + 1), how))
        self._orders[fields] = order
        return order

    def xml(self, number: int, values: Mapping[str, Cell]) -> bytes:
        """The row numbered `number` holding `values` (field -> value), as `add_row` writes it."""
        return self.rows([number], [values])[0]

    def rows(self, numbers: Sequence[int], batch: Sequence[Mapping[str, Cell]]) -> list[bytes]:
        """`xml` of each row of `batch` (values), numbered as `numbers` says, in its order:
        rows of the same fields made together, a column at a time (see `_column`)."""
        out: list[bytes] = [b""] * len(batch)
        shapes: dict[tuple[str, ...], list[int]] = {}
        for i, values in enumerate(batch):
            fields = tuple(values)
            found = shapes.get(fields)
            if found is None:
                shapes[fields] = [i]
            else:
                found.append(i)
        for fields, at in shapes.items():
            order = self._orders.get(fields) or self._order(fields)
            digits = [str(numbers[i]) for i in at]
            rows = [batch[i] for i in at]
            # a list per column, not a tuple per row: 10,000 tuples alive at once woke
            # Python's cycle collector for as long as all the rest took
            columns = [list(map(itemgetter(f), rows)) for f, _, _ in order]
            # Each row's XML is the join of the same pieces: text that is the same in every
            # row, the row's number, and each column's value or cell.
            pieces: list[str | Sequence[str]] = ['<row r="', digits, '">']
            for (f, letters, how), cells in zip(order, columns, strict=True):
                column = self._column(f, letters, how, digits, cells)
                if isinstance(column, tuple):  # every row's cell made alike
                    mid, post, texts = column
                    pieces += (f'<c r="{letters}', digits, mid, texts, post)
                elif column is not None:  # each row's cell, or ''
                    pieces.append(column)
            pieces.append("</row>")
            parts: list[Iterable[str]] = []
            text = ""
            for piece in pieces:
                if isinstance(piece, str):
                    text += piece
                    continue
                parts += (repeat(text), piece) if text else (piece,)
                text = ""
            parts.append(repeat(text))
            made = map(str.encode, map("".join, zip(*parts, strict=False)))  # repeat() ends never
            for i, row in zip(at, made, strict=True):
                out[i] = row
        return out

    def _column(
        self, field: str, letters: str, how: int, numbers: list[str], values: Sequence[Cell]
    ) -> list[str] | tuple[str, str, Sequence[str]] | None:
        """One column's cells in rows numbered `numbers`: None when no row has one; when
        every row has one made alike, (mid, post, texts) such that a row's cell is
        '<c r="' letters number mid text post'; else each row's cell ('' for none).

        A column of text is looked over whole: most hold printable text with
        nothing to escape and no space at an end; a column with text to escape has
        it escaped in one go. A time column's cells are each read (`_serial`).
        """
        if how == TEXT:
            try:
                flat = "".join(values)  # type: ignore[arg-type]
            except TypeError:  # a number or a bool: each cell is looked at
                flat = None
            if flat is not None:
                if not flat:
                    return None  # every row's text is empty: no cell
                # printable: no control character, no line end, and no space but ' '
                joined = "\x00".join(values) if flat.isprintable() else " "  # type: ignore[arg-type]
                if " \x00" not in joined and "\x00 " not in joined and joined[0] != " ":
                    if joined[-1] != " ":  # no cell's text starts or ends with a space
                        if "&" in flat or "<" in flat or ">" in flat:
                            values = escape(joined).split("\x00")
                        if all(values):
                            return '" t="inlineStr"><is><t>', "</t></is></c>", values  # type: ignore[return-value]
                        return [
                            f'<c r="{letters}{d}" t="inlineStr"><is><t>{v}</t></is></c>'
                            if v
                            else ""
                            for d, v in zip(numbers, values, strict=True)
                        ]
        elif how == TIME:
            serial = self._serial
            texts = [
                repr(t) if type(v) is str and v and (t := serial(v)) is not None else None
                for v in values
            ]
            if None not in texts:
                style = self._date_styles.get(field) or self._date_style(field)
                return f'" s="{style}" t="n"><v>', "</v></c>", texts  # type: ignore[return-value]
        cells = [
            self._cell(field, how, letters + d, v) for d, v in zip(numbers, values, strict=True)
        ]
        return cells if any(cells) else None

    def _cell(self, field: str, how: int, ref: str, v: Cell) -> str:
        """One cell at `ref` as `add_row` writes it ('' for none), looked at alone."""
        if type(v) is str:
            if not v:
                return ""  # an empty text is no cell, whatever the column
            # printable: no control character, no line end, and no space but ' '
            if how == TEXT and v.isprintable() and v[0] != " " and v[-1] != " ":
                if "&" in v or "<" in v or ">" in v:
                    v = escape(v)
                return f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>'
        cell = cell_xml(v, self._kinds[field], self._styles)
        if cell is None:
            return ""
        attrs = "".join(f' {k.decode()}="{a.decode()}"' for k, a in cell[0].items())
        return f'<c r="{ref}"{attrs}>{cell[1].decode()}</c>'

    def _date_style(self, field: str) -> str:
        """The style index of a time column's cells (the style added to the file when none fits)."""
        style = self._date_styles[field] = str(self._styles.date_style(self._kinds[field][1] or ""))
        return style

    def _serial(self, text: str) -> int | float | None:
        """datetime_serial, for 'YYYY-MM-DD HH:MM[:SS]' in ASCII digits without a regular
        expression, each hour's date and time worked out once."""
        n = len(text)
        if n == 19 and text[16] == ":":
            rest = text[14:16] + text[17:]
        elif n == 16:
            rest = text[14:16]
        else:
            return datetime_serial(text)
        if not (text[13] == ":" and rest.isascii() and rest.isdigit()):
            return datetime_serial(text)
        hour = self._hours.get(text[:13])
        if hour is None:
            if text[:13] in self._hours:  # not that shape: datetime_serial reads it
                return datetime_serial(text)
            hour = self._hours[text[:13]] = self._hour(text[:13])
            if hour is None:
                return datetime_serial(text)
        minute, second = int(text[14:16]), int(text[17:] or 0)
        if minute > 59 or second > 59:
            return None
        days, seconds = hour
        seconds += minute * 60 + second
        return days + seconds / 86400 if seconds else days

    def _hour(self, text: str) -> tuple[int, int] | None:
        """'YYYY-MM-DD HH' in ASCII digits as a serial's whole days and the hour's seconds (each
        day's date made once); None for any other text (datetime_serial reads it)."""
        if not (text[10] == " " and text.isascii() and text[11:].isdigit() and int(text[11:]) < 24):
            return None
        day = text[:10]
        if day not in self._days:
            self._days[day] = datetime_serial(day + " 00:00")
        days = self._days[day]
        if not isinstance(days, int):  # None: not a real date
            return None
        return days, int(text[11:]) * 3600


class PendingRows:
    """A write's new rows after a sheet's last row, made together (NewRows.rows) before
    anything reads the sheet again.

    Their numbers and values are kept in two lists: a tuple per row would be 10,000
    more objects for the cycle collector to walk.
    """

    def __init__(self, sheet: SheetText, new_rows: NewRows) -> None:
        self._sheet = sheet
        self._new_rows = new_rows
        self._numbers: list[int] = []
        self._values: list[Mapping[str, Cell]] = []

    def add(self, number: int, values: Mapping[str, Cell]) -> bool:
        """Take a new row when it comes after every row (False: the caller writes it)."""
        numbers, sheet = self._numbers, self._sheet
        if number <= (numbers[-1] if numbers else sheet.numbers[-1] if sheet.numbers else 0):
            return False
        numbers.append(number)
        self._values.append(values)
        return True

    def made(self) -> SheetText:
        """The sheet with the rows taken so far in it."""
        rows = self._new_rows.rows(self._numbers, self._values)
        for number, raw in zip(self._numbers, rows, strict=True):
            self._sheet.append_row(number, raw)
        self._numbers.clear()
        self._values.clear()
        return self._sheet
