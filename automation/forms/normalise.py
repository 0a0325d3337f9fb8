"""Turning a table of form responses (a header row + value rows) into FormResponses.

Shared by every row-based source: the CSV export and the linked response
sheet give the same table, so both map headers, read timestamps and clean
answers here.

Headers. Question titles map to fields through sheets_schema.forms.FORMS,
matched without regard to case and surrounding spaces. Google names the
metadata columns "Timestamp" and "Email Address" (older forms and linked
sheets say "Email address"; forms limited to an organisation may say
"Username"). Columns that are not questions (a quiz "Score", a column a
person added) are ignored with a warning; a missing required question or a
missing Timestamp/email column is an InputError naming the file and column.

Timestamps. Google writes them in the locale of the form or sheet:
`2026/11/24 10:15:32 AM GMT+1` (the Forms CSV download), `11/24/2026 10:15:32`
(en-US), `24/11/2026 10:15:32` (en-GB), `24.11.2026 10:15:32` (de-DE),
`2026-11-24 10:15:32`, with or without seconds, 12- or 24-hour. Year-first and
dotted dates are never ambiguous. For `a/b/yyyy` the order is decided per
FILE, from all its timestamps: a first number over 12 proves day-first, a
second number over 12 proves month-first; with no proof either way the
organisation's `day_first` setting decides. A file with proof both ways mixes
locales and is refused (InputError), since guessing would misdate responses.
A time without a zone is in the organisation's time zone (a linked sheet shows
times in its own zone; keep it set to the organisation's).

Why not a library: on the 38 timestamps of tests/test_forms_locales.py,
dateparser 1.5 read 32 right when told the language and 24 when left to detect
it (guessing, it takes 03.12.2026 for 12 March; it misses Italian and Finnish
dotted times, `p. m. GMT-5`, `午前0:05`), at about 20 ms a timestamp against
40 µs here; babel 2.19 read 33 even when handed the locale, which an export
does not state (English headers are the same in en-US and en-GB), since it has
no datetime parser and no zone or `vorm.`/`p. m.` words. Neither decides the
day order per file, which is what keeps a month-first file from being misdated.

Answers are trimmed and NFC-normalised; checkbox answers are split on ", ",
the separator Google puts between ticked options.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jobs.responses import Answer, FormResponse, edit_key, row_response_id
from sheets_schema.columns import CHANNEL_NAMES, Kind, normalise_header
from sheets_schema.errors import InputError
from sheets_schema.forms import FORMS, Form, Question
from sheets_schema.values import clean_text, parse_date, parse_email, parse_zone

# The metadata columns as Google names them in the form owner's language.
TIMESTAMP_HEADERS = tuple(
    normalise_header(h)
    for h in (
        "Timestamp",
        "Zeitstempel",
        "Horodateur",
        "Marca temporal",
        "Marca de temps",
        "Informazioni cronologiche",
        "Carimbo de data/hora",
        "Data/hora",
        "Tijdstempel",
        "Sygnatura czasowa",
        "Tidstämpel",
        "Tidsstempel",
        "Tidsmerke",
        "Aikaleima",
        "Časová značka",
        "Časová pečiatka",
        "Időbélyeg",
        "Marcaj de timp",
        "Stempel waktu",
        "Dấu thời gian",
        "Zaman damgası",
        "Отметка времени",
        "Позначка часу",
        "Χρονική σήμανση",
        "Vremenska oznaka",
        "חותמת זמן",
        "الطابع الزمني",
        "タイムスタンプ",
        "时间戳记",
        "時間戳記",
        "타임스탬프",
        "ประทับเวลา",
    )
)
EMAIL_HEADERS = tuple(
    normalise_header(h)
    for h in (
        "Email address",
        "Username",
        "Email",
        "E-Mail-Adresse",
        "Adresse e-mail",
        "Adresse courriel",
        "Dirección de correo electrónico",
        "Adreça electrònica",
        "Indirizzo email",
        "Endereço de e-mail",
        "E-mailadres",
        "Adres e-mail",
        "E-postadress",
        "E-mailadresse",
        "E-postadresse",
        "Sähköpostiosoite",
        "E-mailová adresa",
        "E-mail-cím",
        "Adresă de e-mail",
        "Alamat email",
        "Địa chỉ email",
        "E-posta Adresi",
        "Адрес электронной почты",
        "Адреса електронної пошти",
        "Διεύθυνση ηλεκτρονικού ταχυδρομείου",
        "כתובת אימייל",
        "عنوان البريد الإلكتروني",
        "メールアドレス",
        "电子邮件地址",
        "電子郵件地址",
        "이메일 주소",
    )
)

_SERIAL_EPOCH = datetime(1899, 12, 30)
_DATE_YMD = r"(?P<y>\d{4})(?P<s1>[/.-])(?P<m>\d{1,2})(?P=s1)(?P<d>\d{1,2})"
_DATE_AB = r"(?P<a>\d{1,2})(?P<s2>[/.-])(?P<b>\d{1,2})(?P=s2)(?P<yy>\d{4}|\d{2})"
_TIMESTAMP_RE = re.compile(
    rf"(?:{_DATE_YMD}|{_DATE_AB})"
    r"(?:[ T,]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?"
    r"\s*(?P<zone>(?:GMT|UTC)\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC|Z|[+-]\d{2}:?\d{2}|[A-Za-z]{2,5})?"
)


#: a timestamp the rewrites in normalise_stamp leave as it is (most exports' every row)
_PLAIN_STAMP = re.compile(r"\d{1,4}([/-])\d{1,2}\1\d{1,4}(?: \d{1,2}:\d{2}(?::\d{2})?)?")

_AM_PM = (
    (re.compile(r"오전|上午|午前|vorm\.|a\.\s?m\.", re.IGNORECASE), "AM"),
    (re.compile(r"오후|下午|午後|nachm\.|p\.\s?m\.", re.IGNORECASE), "PM"),
)


def normalise_stamp(text: object) -> str:
    """A timestamp in any language Google writes, rewritten into the shapes parse_timestamp reads.

    Korean and Hungarian dates carry spaces and a trailing dot (2026. 11. 24.),
    Czech ones spaces (24. 11. 2026); Korean, Chinese and Japanese put the AM/PM
    word before the time (오전 10:15:32, 上午10:15:32); German writes vorm./nachm.,
    Spanish a. m./p. m.; Finnish puts "klo" before a time written with dots.
    Newer ICU data uses a narrow no-break space before AM/PM.
    """
    t = clean_text(text)
    if not t.isascii():
        t = t.replace("\u202f", " ").replace("\u00a0", " ")
    if _PLAIN_STAMP.fullmatch(t):
        return t  # digits and separators only, single-spaced: no rewrite below changes it
    t = re.sub(r"\bklo\b", " ", t)
    for pattern, marker in _AM_PM:
        t = pattern.sub(f" {marker} ", t)
    t = re.sub(r"^(\d{1,4})([./-])\s*(\d{1,2})\2\s*(\d{1,4})\.?(?=\s|$)", r"\1\2\3\2\4", t)
    t = re.sub(r"\b(AM|PM)\s*(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)", r"\2 \1", t)
    t = re.sub(
        r"(\s)(\d{1,2})\.(\d{2})(?:\.(\d{2}))?(?=\s|$)",
        lambda m: f"{m[1]}{m[2]}:{m[3]}" + (f":{m[4]}" if m[4] else ""),
        t,
    )
    return " ".join(t.split())


@dataclass(frozen=True)
class DateOrder:
    """The per-file decision on a/b/yyyy dates, and why (for messages and tests)."""

    day_first: bool
    reason: str


def decide_day_first(texts: Iterable[str], default: bool, *, place: str = "") -> DateOrder:
    """Day-first or month-first for one file, from all its timestamps (see module doc)."""
    return _decide(((t, _stamp_match(t)[1]) for t in texts), default, place)


#: a match of _TIMESTAMP_RE's groups, as re types them: y s1 m d a s2 b yy H M S ampm zone
Groups = tuple[str | Any, ...]


def _stamp_match(text: str) -> tuple[str, Groups | None]:
    """A timestamp normalised, and its groups of the timestamp pattern (None: no match).

    'dd/mm/yyyy HH:MM:SS' (or with '-', in either order) in ASCII digits, what most
    exports write in every row, is left as it is by normalise_stamp and read by the
    pattern as a/b/yy and H:M:S: its groups are its slices, found without either.
    """
    sep = text[2:3]
    if len(text) == 19 and text.isascii() and (sep == "/" or sep == "-") and text[5] == sep:
        a, b, yy, hh, mm, ss = text[:2], text[3:5], text[6:10], text[11:13], text[14:16], text[17:]
        if text[10] + text[13] + text[16] == " ::" and (a + b + yy + hh + mm + ss).isdigit():
            return text, (None, None, None, None, a, sep, b, yy, hh, mm, ss, None, None)
    value = normalise_stamp(text)
    m = _TIMESTAMP_RE.fullmatch(value)
    return value, m.groups() if m else None


def _decide(
    matches: Iterable[tuple[str, Groups | None]],
    default: bool,
    place: str,
    proofs: tuple[str, str] = ("", ""),
) -> DateOrder:
    """decide_day_first on each timestamp's text and match, made once per row by the caller."""
    return _order(*_proofs(matches, proofs), default, place)


def _proofs(
    matches: Iterable[tuple[str, Groups | None]], found: tuple[str, str] = ("", "")
) -> tuple[str, str]:
    """The first timestamp proving day-first and the first proving month-first ('' for none),
    after those `found` already (in the rows before these)."""
    day_proof, month_proof = found
    for text, m in matches:
        if not m or m[4] is None or m[5] == ".":
            continue  # year-first and dotted dates prove nothing
        a, b = int(m[4]), int(m[6])
        if a > 12 and not day_proof:
            day_proof = text
        if b > 12 and not month_proof:
            month_proof = text
    return day_proof, month_proof


def _order(day_proof: str, month_proof: str, default: bool, place: str) -> DateOrder:
    if day_proof and month_proof:
        raise InputError(
            f"timestamps mix day-first ({day_proof!r}) and month-first ({month_proof!r}) dates",
            place=place,
            fix="download the responses again from Google Forms, without editing them in between",
        )
    if day_proof:
        return DateOrder(True, f"day first: {day_proof!r} has a first number over 12")
    if month_proof:
        return DateOrder(False, f"month first: {month_proof!r} has a second number over 12")
    return DateOrder(default, "organisation.day_first setting (no timestamp proves the order)")


def parse_timestamp(text: str, tz: ZoneInfo, *, day_first: bool) -> datetime:
    """One Google timestamp as an aware datetime in `tz`; ValueError when unreadable."""
    return _parse_stamp(*_stamp_match(text), tz, day_first)


_SERIAL_STAMP = re.compile(r"\d{5}(?:\.\d+)?")


def _parse_stamp(value: str, m: Groups | None, tz: ZoneInfo, day_first: bool) -> datetime:
    """parse_timestamp of a normalised timestamp and its groups of _TIMESTAMP_RE."""
    # a serial number never matches _TIMESTAMP_RE (its date has no separator)
    if m is None and _SERIAL_STAMP.fullmatch(value):  # a sheet read unformatted
        return (_SERIAL_EPOCH + timedelta(days=float(value))).replace(tzinfo=tz)
    if "T" in value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed.astimezone(tz)
    if not m:
        raise ValueError(f"{value!r} is not a timestamp Google writes")
    y, _, mo, d, a, s2, b, yy, hh, mm, ss, ampm, zone = m
    if y is not None:
        year, month, day = int(y), int(mo), int(d)
    else:
        year = int(yy)
        if year < 100:
            year += 2000
        first_is_day = day_first or s2 == "."  # dotted dates are day first everywhere
        day, month = (int(a), int(b)) if first_is_day else (int(b), int(a))
    hour, minute, second = int(hh or 0), int(mm or 0), int(ss or 0)
    if ampm:
        if not 0 <= hour <= 12:  # Japanese clocks say 午前0:05 for five past midnight
            raise ValueError(f"{value!r} has an impossible hour for AM/PM")
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    try:
        if not zone:  # most stamps: the form's own zone, set as the time is made
            return datetime(year, month, day, hour, minute, second, tzinfo=tz)
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date and time") from None
    try:
        zone_info = UTC if zone.upper() == "Z" else parse_zone(zone)
    except ValueError:
        return local.replace(tzinfo=tz)  # an abbreviation we do not know: the form's own zone
    return local.replace(tzinfo=zone_info).astimezone(tz)


def split_checkboxes(value: object) -> list[str]:
    """A checkbox answer as Google writes it ('LinkedIn, X') -> ['LinkedIn', 'X']."""
    text = clean_text(value)
    if not text:
        return []
    return [part for part in (clean_text(p) for p in text.split(", ")) if part]


def responses_from_table(
    form_name: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    source: str,
    tz: ZoneInfo,
    day_first: bool,
    first_row: int = 2,
) -> list[FormResponse]:
    """Map a header row and value rows (as a CSV export or linked sheet gives them) to responses.

    `source` names the file or sheet in messages; `first_row` is the row
    number of the first value row (the header is row 1). Blank rows are
    skipped; row numbers still count them, so places match what people see.
    """
    return read_table(
        form_name, header, rows, source=source, tz=tz, day_first=day_first, first_row=first_row
    ).responses


@dataclass(frozen=True)
class TableRead:
    """A table's responses, with what reading the rows after them needs to know of these."""

    responses: list[FormResponse]
    order: DateOrder
    #: the first timestamps proving day-first and month-first ('' when none did)
    proofs: tuple[str, str]
    #: the warnings about the whole table (its header)
    warnings: tuple[str, ...]
    #: which column holds which answer, as text (equal texts: the rows are read alike)
    columns: str = ""


def read_table(
    form_name: str,
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    source: str,
    tz: ZoneInfo,
    day_first: bool,
    first_row: int = 2,
    sample: Sequence[Sequence[object]] | None = None,
    proofs: tuple[str, str] = ("", ""),
) -> TableRead:
    """responses_from_table, for `rows` that may follow rows read before (csv_export's tail).

    `sample` is the table's first value rows when `rows` are not (the headers are matched
    on them); `proofs` what those earlier rows proved about the date order.
    """
    form = FORMS[form_name]
    body = [(first_row + i, cells) for i, cells in enumerate(map(_cells, rows)) if any(cells)]
    first = (
        [cells for _, cells in body[:50]]
        if sample is None
        else [c for c in ([_cell(v) for v in row] for row in sample) if any(c)][:50]
    )
    columns, warnings = map_headers(form, header, source=source, sample=first)
    mapping = repr(sorted(columns.items()))
    stamp_col, email_col = columns.pop("__timestamp__"), columns.pop("__email__", None)
    stamps = [_at(cells, stamp_col) for _, cells in body]
    matches = [_stamp_match(stamp) for stamp in stamps]  # once per row: the order, then the time
    proofs = _proofs(zip(stamps, (m for _, m in matches), strict=True), proofs)
    order = _order(*proofs, day_first, source)
    file_warnings = tuple(warnings)
    questions = {q.field: q for q in form.questions}
    # The text answers (most of them) are the cell as it is; only the others need _answer.
    plain = [(n, c) for n, c in columns.items() if _kept_as_written(questions[n])]
    others = [(n, c) for n, c in columns.items() if not _kept_as_written(questions[n])]
    responses: list[FormResponse] = []
    seen: dict[str, int] = {}
    #: (question, cell) -> a choice question's answer, or any question's answer to an empty
    #: cell (a list as a tuple): a form's 10,000 rows hold a few dozen different choices
    chosen: dict[tuple[str, str], str | tuple[str, ...]] = {}
    #: each respondent's address as written -> as read (most people answer many times)
    addresses: dict[str, str] = {}
    for (row_number, cells), stamp, (value, match) in zip(body, stamps, matches, strict=True):
        place = f"{source} row {row_number}"
        submitted_at = _submitted_at(stamp, value, match, tz, order.day_first, place)
        row_warnings: list[str] = []
        width = len(cells)
        answers: dict[str, Answer] = {
            name: cells[col] if col < width else "" for name, col in plain
        }
        for name, col in others:
            raw = cells[col] if col < width else ""
            made = chosen.get((name, raw))
            if made is not None:  # the same choice as an earlier row's: read once
                answers[name] = list(made) if isinstance(made, tuple) else made
                continue
            answers[name] = answer = _answer(
                questions[name], raw, order.day_first, place, row_warnings
            )
            if not raw or questions[name].kind in _CHOICES:  # no answer: no warning either
                chosen[name, raw] = tuple(answer) if isinstance(answer, list) else answer
        raw_email = _at(cells, email_col)
        email = addresses.get(raw_email) or addresses.setdefault(raw_email, _email(raw_email))
        base = row_response_id(form_name, submitted_at, email)
        seen[base] = ordinal = seen.get(base, 0) + 1
        responses.append(
            FormResponse(
                response_id=base
                if ordinal == 1
                else row_response_id(form_name, submitted_at, email, ordinal),
                submitted_at=submitted_at,
                email=email,
                answers=answers,
                place=place,
                warnings=file_warnings + tuple(row_warnings) if row_warnings else file_warnings,
                edit_key=edit_key(form_name, email, answers),
            )
        )
    return TableRead(responses, order, proofs, file_warnings, mapping)


def _at(cells: Sequence[str], col: int | None) -> str:
    """The cell at `col`, or "" when the column is absent or the row is short."""
    return cells[col] if col is not None and col < len(cells) else ""


def _submitted_at(
    stamp: str,
    value: str,
    match: Groups | None,
    tz: ZoneInfo,
    day_first: bool,
    place: str,
) -> datetime:
    """A row's Timestamp read, or an InputError naming the row: a response needs its time.

    `value` and `match` are the timestamp normalised and matched (_stamp_match), made once.
    """
    try:
        return _parse_stamp(value, match, tz, day_first)
    except ValueError as exc:
        raise InputError(
            f"the Timestamp {stamp!r} cannot be read ({exc})",
            place=place,
            fix="download the responses again; Chorus reads every format Google writes",
        ) from None


def _email(text: str) -> str:
    """The respondent's address, normalised when it reads as one."""
    try:
        return parse_email(text) if text else ""
    except ValueError:
        return text  # kept as written: sync-forms rejects it with a reason


def map_headers(
    form: Form,
    header: Sequence[object],
    *,
    source: str,
    sample: Sequence[Sequence[str]] = (),
) -> tuple[dict[str, int], list[str]]:
    """Question field -> column position, plus '__timestamp__' and '__email__'; and warnings.

    The metadata columns are found by their name in any of the languages Google
    uses; failing that, by their values in `sample` (the first rows): the first
    unknown column holding only timestamps, and one holding only email addresses.
    """
    columns, unknown, warnings = _columns_by_title(form, header, source)
    warnings += _metadata_by_values(columns, unknown, sample, source)
    warnings.extend(
        f"{source}: column {title!r} is not a question of the {form.name} form; ignored"
        for title in unknown.values()
    )
    _require_columns(form, columns, source)
    return columns, warnings


def _columns_by_title(
    form: Form, header: Sequence[object], source: str
) -> tuple[dict[str, int], dict[int, str], list[str]]:
    """Columns whose header names a question or a metadata column; the unknown ones; warnings."""
    by_title = {normalise_header(q.title): q for q in form.questions}
    columns: dict[str, int] = {}
    unknown: dict[int, str] = {}
    warnings: list[str] = []
    for i, raw in enumerate(header):
        title = clean_text(raw)
        key = normalise_header(title)
        if not key:
            continue
        if key in TIMESTAMP_HEADERS:
            name = "__timestamp__"
        elif key in EMAIL_HEADERS:
            name = "__email__"
        elif key in by_title:
            name = by_title[key].field
        else:
            unknown[i] = title
            continue
        if name in columns:
            warnings.append(f"{source}: column {title!r} appears twice; the first one is used")
            continue
        columns[name] = i
    return columns, unknown, warnings


def _metadata_by_values(
    columns: dict[str, int],
    unknown: dict[int, str],
    sample: Sequence[Sequence[str]],
    source: str,
) -> list[str]:
    """Find a missing Timestamp or email column among `unknown` by its values, in place.

    A column found is added to `columns` and taken out of `unknown`; the
    warnings say which header was read as what.
    """
    warnings: list[str] = []
    for name, looks_right in (("__timestamp__", _is_stamp), ("__email__", _is_email)):
        if name in columns:
            continue
        for i, title in unknown.items():
            values = [row[i] for row in sample if i < len(row) and clean_text(row[i])]
            if values and all(looks_right(v) for v in values):
                columns[name] = i
                what = "Timestamp" if name == "__timestamp__" else "Email Address"
                warnings.append(f"{source}: column {title!r} read as the {what} (by its values)")
                del unknown[i]
                break
    return warnings


def _require_columns(form: Form, columns: Mapping[str, int], source: str) -> None:
    """An InputError for the first column the form cannot do without: Timestamp, questions, email."""
    if "__timestamp__" not in columns:
        raise InputError(
            "has no Timestamp column",
            place=source,
            fix="download the responses from Google Forms (Responses > Download responses (.csv)) without removing columns",
        )
    missing = [q.title for q in form.questions if q.required and q.field not in columns]
    if missing:
        raise InputError(
            f"the required question {missing[0]!r} has no column"
            + (
                f" (also missing: {', '.join(repr(m) for m in missing[1:])})" if missing[1:] else ""
            ),
            place=source,
            fix=f"the {form.name} form must ask {missing[0]!r} with exactly that title; "
            "run `chorus init` to see the questions, or rename the question back",
        )
    if form.collects_email and "__email__" not in columns:
        raise InputError(
            "has no Email Address column",
            place=source,
            fix="in the form's Settings > Responses, turn on 'Collect email addresses'",
        )


def _is_stamp(value: str) -> bool:
    return bool(_TIMESTAMP_RE.fullmatch(normalise_stamp(value)))


def _is_email(value: str) -> bool:
    try:
        parse_email(value)
    except ValueError:
        return False
    return True


def _cells(row: Sequence[object]) -> list[str]:
    """A row's cells read by `_cell`; a row of ASCII text (most) with one strip per cell."""
    try:
        joined = "".join(row)  # type: ignore[arg-type]
    except TypeError:  # a linked sheet's numbers or blanks
        return [_cell(v) for v in row]
    if joined.isascii() and "\r" not in joined:  # ASCII is NFC, and no line end to change
        return list(map(str.strip, row))  # type: ignore[arg-type]
    return [_cell(v) for v in row]


#: the kinds whose answer `_answer` makes from the cell alone (no warning, no date order)
_CHOICES = (Kind.MULTI_CHOICE, Kind.CHOICE)


def _cell(value: object) -> str:
    """Trimmed, NFC text with line ends as \\n (CSV exports use CRLF inside quoted answers)."""
    text = clean_text(value)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _kept_as_written(question: Question) -> bool:
    """Whether `_answer` gives this question's answer as the cell holds it (a text question)."""
    return question.kind not in (Kind.MULTI_CHOICE, Kind.CHOICE, Kind.DATE)


def _answer(
    question: Question, raw: str, day_first: bool, place: str, warnings: list[str]
) -> Answer:
    if question.kind is Kind.MULTI_CHOICE:
        items = split_checkboxes(raw)
        if question.choices == CHANNEL_NAMES:
            items = [_canonical_choice(item, question.choices) for item in items]
        return items
    if question.kind is Kind.CHOICE and raw:
        return _canonical_choice(raw, question.choices)
    if question.kind is Kind.DATE and raw:
        try:
            day: date = parse_date(raw, day_first=day_first)
        except ValueError:
            warnings.append(f"{place}: {question.title!r} {raw!r} is not a date; kept as written")
            return raw
        return day.isoformat()
    return raw


def _canonical_choice(answer: str, choices: tuple[str, ...]) -> str:
    """An option spelled as the schema spells it; an 'Other:' answer stays as typed."""
    return _choices_folded(choices).get(answer.casefold(), answer)


@lru_cache(maxsize=64)
def _choices_folded(choices: tuple[str, ...]) -> dict[str, str]:
    """Each option by its case-folded spelling (the first option of a spelling wins)."""
    folded: dict[str, str] = {}
    for choice in choices:
        folded.setdefault(choice.casefold(), choice)
    return folded
