"""New rows' sheet XML made straight from their values: what a first sync of 10,000 responses writes.

A first sync appends 10,000 Submissions rows and as many Queue items, some
200,000 cells. Made one by one through `cell_xml` (a tuple, a dict of
attributes, bytes per cell) and `SheetText.add_row`, they cost a third of the
sync (issue #23). Here a row is one string: a plain text cell (printable,
nothing to escape, no space at an end) and an ISO time (each hour's serial
worked out once) are written with one format each, and only any other cell
goes through `cell_xml`, so the bytes are always those `add_row` writes.
(A format string per row shape, filled in one call, was tried: no faster.)
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from automation.store.xlsx_parts import _TYPED_KINDS, Styles, cell_xml, col_letters
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
        fields = tuple(values)
        order = self._orders.get(fields) or self._order(fields)
        d = str(number)
        parts = ['<row r="', d, '">']
        try:  # the whole row looked over at once: most rows are printable text
            joined = "".join(values.values())  # type: ignore[arg-type]
            printable = joined.isprintable()
            marked = not printable or "&" in joined or "<" in joined or ">" in joined
        except TypeError:  # a number or a bool: each cell is looked at
            printable, marked = False, True
        for f, letters, how in order:
            v = values[f]
            if type(v) is str:
                if not v:
                    continue  # an empty text is no cell, whatever the column
                if how == TEXT:
                    # printable: no control character, no line end, and no space but ' '
                    if (printable or v.isprintable()) and v[0] != " " and v[-1] != " ":
                        if marked and ("&" in v or "<" in v or ">" in v):
                            v = escape(v)
                        parts.append(f'<c r="{letters}{d}" t="inlineStr"><is><t>{v}</t></is></c>')
                        continue
                elif how == TIME and (serial := self._serial(v)) is not None:
                    style = self._date_styles.get(f) or self._date_style(f)
                    parts.append(f'<c r="{letters}{d}" s="{style}" t="n"><v>{serial!r}</v></c>')
                    continue
            cell = cell_xml(v, self._kinds[f], self._styles)
            if cell is not None:
                attrs = "".join(f' {k.decode()}="{a.decode()}"' for k, a in cell[0].items())
                parts.append(f'<c r="{letters}{d}"{attrs}>{cell[1].decode()}</c>')
        parts.append("</row>")
        return "".join(parts).encode()

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
