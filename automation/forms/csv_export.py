"""The CSV export of a Google Form (Responses > Download responses (.csv)).

The simplest source: no Google account needed, someone drops the export in a
folder. Google writes UTF-8 (Excel's "CSV UTF-8" adds a BOM), CRLF line ends,
and quotes answers that hold commas, quotes or newlines; a file re-saved by
Excel in some locales uses ';' and the Windows code page, so both are read.
Headers, timestamps and answers are normalised in automation.forms.normalise;
ids are derived from the row (see automation.forms.base).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path

from automation.forms.normalise import TableRead, read_table
from jobs.responses import FormResponse
from jobs.sync_known import ReadMark
from sheets_schema.columns import normalise_header
from sheets_schema.errors import InputError
from sheets_schema.settings import Settings

_DELIMITERS = (",", ";", "\t")


class CsvExportSource:
    """A FormSource reading one form's CSV export from a file."""

    def __init__(self, name: str, path: Path, settings: Settings) -> None:
        self.name = name
        self.path = Path(path)
        self.settings = settings
        #: the digest of the bytes `responses` last read (see `fingerprint`)
        self.read_digest = ""

    def describe(self) -> str:
        try:
            return str(self.path.relative_to(self.settings.base_dir))
        except ValueError:
            return str(self.path)

    def responses(self, since: datetime | None = None) -> list[FormResponse]:
        """Every response in the export, oldest first (all of them: the job de-duplicates, so `since` is not needed)."""
        return self.read().responses

    def read(self, mark: ReadMark | None = None, basis: str = "") -> ExportRead:
        """The export's responses, with its mark for the next read (jobs/sync_known.py).

        With a `mark` made on the same `basis` whose bytes the export still begins
        with, only the rows after them are read, when nothing there says the long
        way would read the marked rows differently; else every row.
        """
        data = self._read_bytes()
        self.read_digest = hashlib.sha256(data).hexdigest()
        text, codec = self._decode(data)
        tail = self._tail(data, text, codec, mark, basis) if mark is not None else None
        if tail is not None:
            return tail
        rows = self._rows(text)
        if not rows:
            return ExportRead([])
        read = read_table(
            self.name,
            rows[0],
            rows[1:],
            source=self.describe(),
            tz=self.settings.tz,
            day_first=self.settings.organisation.day_first,
        )
        responses = sorted(read.responses, key=attrgetter("submitted_at"))
        return ExportRead(
            responses, mark=self._mark(data, codec, basis, len(rows), responses, read, None)
        )

    def _tail(
        self, data: bytes, text: str, codec: str, mark: ReadMark, basis: str
    ) -> ExportRead | None:
        """The read of the rows after the marked bytes; None when the long way must read all."""
        size = mark.size
        prefix = data[:size]
        if not basis or mark.basis != basis or len(data) < size or not _between_records(prefix):
            return None
        if hashlib.sha256(prefix).hexdigest() != mark.sha:
            return None
        try:
            known = prefix.decode(codec)
        except UnicodeDecodeError:
            return None  # read another way now (the new rows are not UTF-8)
        if not text.startswith(known):
            return None
        delimiter = _delimiter(text)
        head = csv.reader(io.StringIO(known, newline=""), delimiter=delimiter)
        try:
            header = next(head, None)
            sample = list(itertools.islice((r for r in head if any(c.strip() for c in r)), 50))
            rest = _rest(text[len(known) :], prefix)
            rows = self._rows(rest, delimiter) if rest is not None else []
        except (InputError, csv.Error):
            return None
        if header is None or rest is None:
            return None
        # The columns are matched on the first 50 rows, as the long way matches them.
        sample += itertools.islice((r for r in rows if any(c.strip() for c in r)), 50 - len(sample))
        try:
            read = read_table(
                self.name,
                header,
                rows,
                source=self.describe(),
                tz=self.settings.tz,
                day_first=self.settings.organisation.day_first,
                first_row=mark.records + 1,
                sample=sample,
                proofs=mark.proofs,
            )
        except InputError:
            return None  # the long way says what is wrong with the whole file
        new = sorted(read.responses, key=attrgetter("submitted_at"))
        if (read.order.day_first, read.warnings, read.columns) != (
            mark.day_first,
            mark.warnings,
            mark.columns,
        ):
            return None  # the marked rows would be read otherwise now
        if new and _minute(new[0]) <= mark.last_minute:
            return None  # a new response may share a minute (and so an id) with a marked one
        return ExportRead(
            new,
            unread=mark.responses,
            warnings=mark.warnings,
            mark=self._mark(data, codec, basis, mark.records + len(rows), new, read, mark),
        )

    def _mark(
        self,
        data: bytes,
        codec: str,
        basis: str,
        records: int,
        responses: list[FormResponse],
        read: TableRead,
        before: ReadMark | None,
    ) -> ReadMark | None:
        """The mark of this read; None when the next read could not start after it."""
        if not basis or codec == "utf-16" or not _between_records(data):
            return None
        last = _minute(responses[-1]) if responses else ""
        return ReadMark(
            basis=basis,
            size=len(data),
            sha=self.read_digest,
            records=records,
            responses=len(responses) + (before.responses if before else 0),
            proofs=read.proofs,
            day_first=read.order.day_first,
            last_minute=max(last, before.last_minute) if before else last,
            warnings=read.warnings,
            columns=read.columns,
        )

    def _rows(self, text: str, delimiter: str | None = None) -> list[list[str]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or _delimiter(text))
        try:
            return list(reader)
        except csv.Error as exc:  # a field over csv's size limit: not a form's export
            raise InputError(
                f"line {reader.line_num} cannot be read as CSV ({exc})",
                place=self.describe(),
                fix="download the responses again from Google Forms (Responses > Download "
                "responses (.csv)) and put that file here unchanged",
            ) from None

    def fingerprint(self) -> str:
        """A digest of the export as it is now: equal digests, the same responses.

        sync-forms' settled check (jobs/sync_forms.py) compares it with the one kept
        from the last sync; `read_digest` is the digest of what `responses` read.
        """
        return hashlib.sha256(self._read_bytes()).hexdigest()

    def _decode(self, data: bytes) -> tuple[str, str]:
        """The export's text, and the codec it was read with."""
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16"), "utf-16"  # Excel's "Unicode text"
        place = self.describe()
        _refuse_other_files(data, place)
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"  # strips the BOM some exports add
        except UnicodeDecodeError:
            pass
        try:
            # Excel's plain "CSV" is saved in the Windows code page.
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"line {line} holds the byte 0x{data[exc.start]:02X}, which is neither UTF-8 "
                "nor Windows-1252 text: the file was saved in another character set",
                place=place,
                fix="download the responses again from Google Forms (Responses > Download "
                "responses (.csv)), or save the file again as 'CSV UTF-8' (Excel) or with the "
                "character set 'Unicode (UTF-8)' (LibreOffice)",
            ) from None

    def _read_bytes(self) -> bytes:
        place = self.describe()
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            raise InputError(
                "the form export is not there",
                place=place,
                fix=f"download it from Google Forms (Responses > Download responses (.csv)) to {self.path}, "
                f"or fix [forms.{self.name}] path in chorus.toml",
            ) from None
        except OSError as exc:
            raise InputError(
                f"the form export cannot be read: {exc.strerror}",
                place=place,
                fix="check the file's permissions",
            ) from None


#: how files that are not CSV text begin, and what they are
_NOT_CSV = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or LibreOffice .ods workbook is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
)


def _refuse_other_files(data: bytes, place: str) -> None:
    """An InputError for a file that is not text at all (an image, a workbook) under a .csv name."""
    what = next((name for magic, name in _NOT_CSV if data.startswith(magic)), "")
    if not what and b"\x00" in data[:4096]:
        what = "a binary file (it holds NUL bytes)"
    if what:
        raise InputError(
            f"this is {what}, not a CSV file",
            place=place,
            fix="download the responses from Google Forms (Responses > Download responses "
            "(.csv)) and put that file here; to use a workbook, save it as CSV first",
        )


@dataclass(frozen=True)
class ExportRead:
    """What one read of an export gives sync-forms (see CsvExportSource.read)."""

    responses: list[FormResponse]
    #: responses of the marked beginning, not read: the long way finds each unchanged
    unread: int = 0
    #: the file's warnings, which the unread responses carry
    warnings: tuple[str, ...] = ()
    mark: ReadMark | None = None


def _between_records(data: bytes) -> bool:
    """Whether `data` ends outside any quoted answer: at the end of a CSV record, when what
    follows starts a line (_rest)."""
    return bool(data) and data.count(b'"') % 2 == 0


def _rest(text: str, prefix: bytes) -> str | None:
    """The text after the marked bytes as records of their own; None when it is not.

    A marked export that did not end its last line (Google's may not) must be followed by
    the line end that ends it; one that ended with CR may be followed by the LF of a CRLF.
    """
    if prefix.endswith(b"\n") or not text:
        return text
    if prefix.endswith(b"\r"):
        return text[1:] if text.startswith("\n") else text
    for end in ("\r\n", "\n", "\r"):
        if text.startswith(end):
            return text[len(end) :]
    return None  # the marked last line goes on: the long way


def _minute(response: FormResponse) -> str:
    """A response's minute in UTC, as ISO text that sorts as time does."""
    return response.submitted_at.astimezone(UTC).isoformat(timespec="minutes")[:16]


def _delimiter(text: str) -> str:
    """',' unless the header reads better split on ';' or a tab (Excel in some locales)."""
    first_line = text.split("\n", 1)[0]
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        score = sum(
            1 for h in header if normalise_header(h) in {"timestamp", "email address", "username"}
        )
        score = score * 1000 + len(header)
        if score > best_score:
            best, best_score = delimiter, score
    return best
