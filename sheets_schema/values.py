"""Reading and writing cell values the way people type them.

Every cell reaches the code as text (the stores guarantee it); these parsers
turn that text into dates, times, numbers and lists, and raise ValueError
with a message a person understands. Validation turns those into problems
that name the cell; jobs call the same parsers, so both agree.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_LOOKUP: dict[str, int] = {}
for _i, _name in enumerate(DAY_NAMES):
    for _alias in (_name, _name[:3], _name[:2], _name[:4]):
        _DAY_LOOKUP[_alias.casefold()] = _i
_DAY_LOOKUP.update({"tues": 1, "thur": 3, "thurs": 3, "wednes": 2})

_MONTHS = {
    m.casefold(): i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}

# Spreadsheets count days from 1899-12-30 (Lotus's leap-year bug included).
_SERIAL_EPOCH = datetime(1899, 12, 30)


def clean_text(value: object) -> str:
    """Trim, NFC-normalise and turn None/NaN into ''."""
    if type(value) is str and value.isascii():  # ASCII is NFC already: the common case, fast
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value != value:  # NaN
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return text.strip()


#: Longest text Chorus writes into one cell from outside input: under Excel's
#: 32,767 and Sheets' 50,000, with room for the note that says it was cut.
CELL_TEXT_LIMIT = 30_000


def fit_cell(text: str, limit: int = CELL_TEXT_LIMIT) -> str:
    """Text that fits a cell; longer text is cut with a note, so one huge answer never
    stops a whole sync (the full text stays in the form's own responses)."""
    if len(text) <= limit:
        return text
    note = f" [... cut: the answer was {len(text):,} characters; the full text is in the form's responses]"
    return text[: limit - len(note)] + note


def is_blank(value: object) -> bool:
    return clean_text(value) == ""


def parse_yes_no(value: object) -> bool:
    """Yes/No as people type it: yes, y, true, 1, x, ✓ / no, n, false, 0."""
    text = clean_text(value).casefold()
    if text in {"yes", "y", "true", "1", "x", "✓", "on", "active"}:
        return True
    if text in {"no", "n", "false", "0", "", "off", "inactive"}:
        return False
    raise ValueError(f"{clean_text(value)!r} is not Yes or No")


def parse_int(value: object) -> int:
    text = clean_text(value).replace(",", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d+(\.0+)?", text):
        return int(float(text))
    raise ValueError(f"{clean_text(value)!r} is not a whole number")


def split_multi(value: object) -> list[str]:
    """Checkbox answers and multi-choice cells: 'LinkedIn, X' -> ['LinkedIn', 'X']."""
    text = clean_text(value)
    if not text:
        return []
    return [part.strip() for part in re.split(r"[,;\n]", text) if part.strip()]


def parse_date(value: object, *, day_first: bool = True) -> date:
    """A date as people and spreadsheets write it.

    ISO (2026-11-24), 2026/11/24, 24/11/2026 (day first unless the first
    number is over 12 or day_first is False), 24.11.2026, 24 Nov 2026,
    Nov 24, 2026, a spreadsheet serial number, or a datetime (its day).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text:
        raise ValueError("the date is empty")
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?", text)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]), text)
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})(?:[ T,].*)?", text)
    if m:
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        if y < 100:
            y += 2000
        if "." in text[: m.end(2)]:
            return _ymd(y, b, a, text)  # dotted dates are day first everywhere
        if a > 12 or (day_first and b <= 12):
            return _ymd(y, b, a, text)
        return _ymd(y, a, b, text)
    m = re.fullmatch(r"(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})", text)
    if m and m[2].casefold() in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[2].casefold()], int(m[1]), text)
    m = re.fullmatch(
        r"(?:[A-Za-z]+,?\s+)?([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", text
    )
    if m and m[1].casefold() in _MONTHS:
        return _ymd(int(m[3]), _MONTHS[m[1].casefold()], int(m[2]), text)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return (_SERIAL_EPOCH + timedelta(days=float(text))).date()
    raise ValueError(f"{text!r} is not a date (write it as 2026-11-24)")


def _ymd(y: int, m: int, d: int, text: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


_TIME_RE = re.compile(r"(\d{1,2})(?:[:.h](\d{2})|h)?(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)
# Words and military times people type into a Post Window: noon, 0900.
_CLOCK_WORDS = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}


def _parse_clock(text: str) -> time:
    text = _CLOCK_WORDS.get(text.strip().casefold(), text.strip())
    text = re.sub(r"^(\d{2})(\d{2})$", r"\1:\2", text)
    m = _TIME_RE.fullmatch(text)
    if not m:
        raise ValueError(f"{text!r} is not a time")
    hour, minute, second = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    suffix = (m[4] or "").replace(".", "").casefold()
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a time")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour == 24 and minute == 0:
        return time(23, 59, 59)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a time")
    return time(hour, minute, second)


_SERIAL_TIME = re.compile(r"\d{5}\.\d+")
_ISO_DAY_SPACE = re.compile(r"\d{4}-\d{2}-\d{2} ")


def parse_datetime(value: object, tz: ZoneInfo, *, day_first: bool = True) -> datetime:
    """A date and time in the organisation's timezone (aware).

    Accepts ISO with T or space, with or without seconds and offset (Z,
    +01:00), the date forms of parse_date followed by a time (24h or
    AM/PM), a date alone (midnight) and spreadsheet serial numbers.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    text = clean_text(value)
    if not text:
        raise ValueError("the date and time is empty")
    if _SERIAL_TIME.fullmatch(text):
        return (_SERIAL_EPOCH + timedelta(days=float(text))).replace(tzinfo=tz)
    iso = text.replace(" ", "T", 1) if _ISO_DAY_SPACE.match(text) else text
    try:
        parsed = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)
    m = re.fullmatch(
        r"(.+?)[ T,]+(\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:[AaPp]\.?[Mm]\.?)?)\s*(.*)", text
    )
    if m:
        day = parse_date(m[1].strip().rstrip(","), day_first=day_first)
        clock = _parse_clock(re.sub(r"\.\d+", "", m[2]))
        zone = m[3].strip()
        local = datetime.combine(day, clock)
        if zone:
            return local.replace(tzinfo=parse_zone(zone)).astimezone(tz)
        return local.replace(tzinfo=tz)
    day = parse_date(text, day_first=day_first)
    return datetime.combine(day, time()).replace(tzinfo=tz)


#: Zone abbreviations Google writes after a timestamp (in several languages), as fixed
#: offsets: an abbreviation names one offset, whatever the date.
ZONE_ABBREVIATIONS: dict[str, float] = {
    "WET": 0,
    "WEST": 1,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "WEZ": 0,
    "WESZ": 1,
    "MEZ": 1,
    "MESZ": 2,
    "OEZ": 2,
    "OESZ": 3,
    "HEC": 1,
    "HAEC": 2,
    "HNEC": 1,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "AST": -4,
    "ADT": -3,
    "NST": -3.5,
    "NDT": -2.5,
    "BRT": -3,
    "ART": -3,
    "JST": 9,
    "KST": 9,
    "HKT": 8,
    "SGT": 8,
    "AWST": 8,
    "ACST": 9.5,
    "ACDT": 10.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}


def parse_zone(text: str) -> tzinfo:
    """GMT, UTC, GMT+1, GMT-05:00, +0100, zone abbreviations (CET, MEZ, ...) and IANA names."""
    from datetime import timezone

    t = text.strip()
    m = re.fullmatch(r"(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", t, re.IGNORECASE)
    if m:
        sign = 1 if m[1] == "+" else -1
        return timezone(sign * timedelta(hours=int(m[2]), minutes=int(m[3] or 0)))
    if t.upper() in {"GMT", "UTC", "Z", "UT"}:
        return UTC
    if t.upper() in ZONE_ABBREVIATIONS:
        return timezone(timedelta(hours=ZONE_ABBREVIATIONS[t.upper()]))
    try:
        return ZoneInfo(t)
    except Exception:
        pass
    raise ValueError(f"{text!r} is not a time zone")


def parse_time_window(value: object) -> tuple[tuple[time, time], ...]:
    """Post windows: '09:00-11:00', '9-11', '9am-11am', '09:00 - 11:00, 14:00-15:00'.

    Returns one (start, end) pair per window, start before end. Empty means
    'any time of day'.
    """
    text = clean_text(value)
    if not text:
        return ()
    windows = []
    for part in re.split(r"[,;]|\band\b", text):
        part = part.strip()
        if not part:
            continue
        pieces = re.split(r"\s*(?:-|–|—|to|until)\s*", part, maxsplit=1)
        if len(pieces) != 2:
            raise ValueError(f"{part!r} is not a time window (write it as 09:00-11:00)")
        start_text, end_text = pieces
        # '9-11am': a suffix on the end applies to the start too.
        suffix = re.search(r"([ap]\.?m\.?)$", end_text.strip(), re.IGNORECASE)
        if (
            suffix
            and not re.search(r"[ap]\.?m\.?$", start_text.strip(), re.IGNORECASE)
            and start_text.strip().casefold() not in _CLOCK_WORDS
        ):
            start_candidate = start_text + suffix[1]
        else:
            start_candidate = start_text
        try:
            start, end = _parse_clock(start_candidate), _parse_clock(end_text)
            if start >= end and start_candidate != start_text:
                start = _parse_clock(start_text)
        except ValueError:
            raise ValueError(f"{part!r} is not a time window (write it as 09:00-11:00)") from None
        if start >= end:
            raise ValueError(f"{part!r} ends before it starts (write it as 09:00-11:00)")
        windows.append((start, end))
    return tuple(windows)


def parse_days(value: object) -> tuple[int, ...]:
    """Post days: 'Mon, Wed, Fri', 'Mon-Fri', 'weekdays', 'daily', 'Tue/Thu' -> weekday numbers."""
    text = clean_text(value).casefold()
    if not text:
        return ()
    # 'every weekday', 'each Monday': the leading word adds nothing.
    text = re.sub(r"^(?:every|each|on)\s+(?=\S)", "", text)
    if text in {"m-f", "mon-fri."}:
        return tuple(range(5))
    if text in {"daily", "every day", "everyday", "day", "all", "all week", "7 days"}:
        return tuple(range(7))
    days: set[int] = set()
    for part in re.split(r"[,;/&+]|\band\b|\s{2,}", text):
        part = part.strip().rstrip(".")
        if not part:
            continue
        if part in {"weekdays", "weekday", "working days", "workdays", "business days"}:
            days.update(range(5))
            continue
        if part in {"weekend", "weekends"}:
            days.update((5, 6))
            continue
        rng = re.fullmatch(r"([a-z]+)\.?\s*(?:-|–|—|to|through|thru)\s*([a-z]+)\.?", part)
        if rng:
            a, b = _day(rng[1], value), _day(rng[2], value)
            i = a
            while True:
                days.add(i)
                if i == b:
                    break
                i = (i + 1) % 7
            continue
        words = part.split()
        for word in words:
            days.add(_day(word.rstrip("s") if word.rstrip("s") in _DAY_LOOKUP else word, value))
    return tuple(sorted(days))


def _day(word: str, original: object) -> int:
    key = word.strip().rstrip(".").casefold()
    if key in _DAY_LOOKUP:
        return _DAY_LOOKUP[key]
    raise ValueError(
        f"{clean_text(original)!r} is not a list of days (write it as Mon, Wed, Fri or Mon-Fri)"
    )


EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def parse_email(value: object) -> str:
    """A lower-cased email address, or ValueError."""
    text = clean_text(value)
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not EMAIL_RE.match(text):
        raise ValueError(f"{text!r} is not an email address")
    return text.lower()


_HTTP_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def is_http_url(value: object) -> bool:
    text = clean_text(value)
    return bool(_HTTP_URL.match(text))


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def format_date(d: date) -> str:
    return d.isoformat()


def format_datetime(dt: datetime, tz: ZoneInfo | None = None) -> str:
    """The way Chorus writes a date and time into a cell: local, to the minute."""
    if tz is not None and dt.tzinfo is not None:
        dt = dt.astimezone(tz)
    if dt.year >= 1000:  # isoformat is several times faster than strftime; the same text
        # (the date and the time apart: an aware time's isoformat asks the zone its offset)
        return f"{dt.date().isoformat()} {dt.time().isoformat()[:5]}"
    return dt.strftime("%Y-%m-%d %H:%M")


def format_datetime_seconds(dt: datetime, tz: ZoneInfo | None = None) -> str:
    if tz is not None and dt.tzinfo is not None:
        dt = dt.astimezone(tz)
    if dt.year >= 1000:  # as format_datetime, with the seconds (a fraction cut off)
        return f"{dt.date().isoformat()} {dt.time().isoformat()[:8]}"
    return dt.strftime("%Y-%m-%d %H:%M:%S")
