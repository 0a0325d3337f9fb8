"""Dates and numbers as a spreadsheet holds them, and back to the text jobs read.

Jobs write dates as ISO text ('2026-12-01', '2026-12-01 09:00'); a coordinator
wants to sort and filter them as dates. `typed` turns the text Chorus writes
into a date, datetime or whole number for a DATE, DATETIME or INTEGER column
(anything else, and any text it does not recognise, stays text); `text_of`
turns what a cell holds back into the same text, whatever the backend: a
date cell, a datetime cell, or a serial number shown without a date format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from sheets_schema.columns import Column, Kind, Tab

#: day 0 of spreadsheet serial numbers (Lotus 1-2-3's, kept by Excel, LibreOffice, Google)
SERIAL_EPOCH = datetime(1899, 12, 30)
#: the form-response times: sync-forms tells an edited response by the second it was
#: submitted, so these columns show seconds (Google reads a cell as its format shows it)
SECONDS_COLUMNS = frozenset(
    {
        ("Submissions", "submitted_at"),
        ("Acknowledgements", "acknowledged_at"),
        ("Feedback", "submitted_at"),
        ("Approvals", "at"),
        ("Mentions", "found_at"),  # the "Report a mention" form's responses land here
    }
)
DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"
SECONDS_PATTERN = "yyyy-mm-dd hh:mm:ss"

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_WHOLE = re.compile(r"-?(?:0|[1-9]\d{0,14})")  # 15 digits: what a spreadsheet number keeps exactly
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")


def is_typed(column: Column) -> bool:
    """Whether the column holds real dates or numbers rather than text."""
    return column.kind in (Kind.DATE, Kind.DATETIME, Kind.INTEGER)


def date_pattern(tab: Tab, column: Column) -> str | None:
    """The number format a DATE or DATETIME column is shown in; None for other columns."""
    if column.kind == Kind.DATE:
        return DATE_PATTERN
    if column.kind == Kind.DATETIME:
        return SECONDS_PATTERN if (tab.name, column.field) in SECONDS_COLUMNS else DATETIME_PATTERN
    return None


def typed(kind: Kind, value: object) -> object:
    """The date, datetime or int a cell of `kind` should hold for `value`; else `value` unchanged.

    Only Chorus's own ISO forms convert, so nothing is guessed (is 03/04 March
    or April?) and no text a person wrote is lost.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if kind == Kind.DATE and (m := _ISO_DATE.fullmatch(text)):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if kind == Kind.DATETIME and (m := _ISO_DATETIME.fullmatch(text)):
            y, mo, d, h, mi, sec = m.groups()
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec) if sec else 0)
        if kind == Kind.DATETIME and (m := _ISO_DATE.fullmatch(text)):
            return datetime(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return value  # 2026-02-30 stays text, for validate to report
    if kind == Kind.INTEGER and _WHOLE.fullmatch(text):
        return int(text)
    return value


def to_serial(value: date | datetime) -> float | int:
    """A date or datetime as a spreadsheet serial number (whole days for a date)."""
    if not isinstance(value, datetime):
        return (value - SERIAL_EPOCH.date()).days
    delta = value.replace(tzinfo=None) - SERIAL_EPOCH
    seconds = delta.seconds + round(delta.microseconds / 1e6)
    if not seconds:
        return delta.days
    return delta.days + seconds / 86400


_EPOCH_ORDINAL = SERIAL_EPOCH.toordinal()


def datetime_serial(text: str) -> int | float | None:
    """to_serial(typed(DATETIME, text)) for ISO text with a time, without making the datetime
    (a sync writes 100,000 of them); None for any other text (typed then says what it is)."""
    m = _ISO_DATETIME.fullmatch(text.strip())
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in m.groups())
    if hour > 23 or minute > 59 or second > 59:
        return None
    try:
        days = date(year, month, day).toordinal() - _EPOCH_ORDINAL
    except ValueError:
        return None
    seconds = hour * 3600 + minute * 60 + second
    return days + seconds / 86400 if seconds else days


def from_serial(serial: float) -> datetime:
    """A spreadsheet serial number as a datetime, rounded to the second."""
    return round_second(SERIAL_EPOCH + timedelta(days=serial))


def round_second(value: datetime) -> datetime:
    """A datetime to the nearest second: a serial number's float error is never a real second."""
    if not value.microsecond:
        return value
    return value.replace(microsecond=0) + timedelta(seconds=round(value.microsecond / 1e6))


def column_text(tab: Tab, field: str, value: object) -> str:
    """A cell of `tab`'s `field` as the text jobs read (what `text_of` says, for that column)."""
    return text_of(tab.column(field).kind, value, seconds=(tab.name, field) in SECONDS_COLUMNS)


def column_reader(tab: Tab, field: str) -> Callable[[object], str]:
    """`column_text` for one column, with its kind looked up once: a tab of 100,000 rows
    reads each cell through it, and text in a column that is not a date is already its text."""
    kind = tab.column(field).kind
    seconds = (tab.name, field) in SECONDS_COLUMNS
    if kind in (Kind.DATE, Kind.DATETIME):
        return lambda value: text_of(kind, value, seconds=seconds)
    return lambda value: value if type(value) is str else cell_to_text(value)


def text_of(kind: Kind, value: object, *, seconds: bool = False) -> str:
    """A cell's value as the text jobs read: dates in ISO whatever the cell holds.

    `seconds` writes a datetime's seconds even when they are 0, as a column
    shown to the second reads on Google.
    """
    if kind not in (Kind.DATE, Kind.DATETIME):
        return cell_to_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = from_serial(float(value)) if 10_000 < value < 2_958_466 else value
    elif isinstance(value, str) and _SERIAL.fullmatch(value.strip()):
        # a serial shown without a date format ('46357.375'): the number a date is
        serial = float(value.strip())
        value = from_serial(serial) if 10_000 < serial < 2_958_466 else value
    if isinstance(value, datetime):
        value = round_second(value)
        if kind == Kind.DATE and value.time() == time():
            return value.date().isoformat()
        return _stamp(value, bool(value.second or seconds))
    return cell_to_text(value)


def _stamp(value: datetime, seconds: bool) -> str:
    """'2026-12-01 09:05' (or with ':07' seconds); isoformat is several times faster than strftime."""
    if value.tzinfo is None and value.year >= 1000:
        return value.isoformat(" ", "seconds" if seconds else "minutes")
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def cell_to_text(value: object) -> str:
    """Cell value -> text: dates as ISO, whole floats without '.0', None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        value = round_second(value)
        if value.hour == value.minute == value.second == 0:
            return value.date().isoformat()
        return _stamp(value, bool(value.second))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)
