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
from datetime import datetime
from pathlib import Path

from automation.forms.normalise import responses_from_table
from jobs.responses import FormResponse
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
        text = self._read_text()
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
        try:
            rows = list(reader)
        except csv.Error as exc:  # a field over csv's size limit: not a form's export
            raise InputError(
                f"line {reader.line_num} cannot be read as CSV ({exc})",
                place=self.describe(),
                fix="download the responses again from Google Forms (Responses > Download "
                "responses (.csv)) and put that file here unchanged",
            ) from None
        if not rows:
            return []
        header, body = rows[0], rows[1:]
        responses = responses_from_table(
            self.name,
            header,
            body,
            source=self.describe(),
            tz=self.settings.tz,
            day_first=self.settings.organisation.day_first,
        )
        return sorted(responses, key=lambda r: r.submitted_at)

    def fingerprint(self) -> str:
        """A digest of the export as it is now: equal digests, the same responses.

        sync-forms' settled check (jobs/sync_forms.py) compares it with the one kept
        from the last sync; `read_digest` is the digest of what `responses` read.
        """
        return hashlib.sha256(self._read_bytes()).hexdigest()

    def _read_text(self) -> str:
        data = self._read_bytes()
        self.read_digest = hashlib.sha256(data).hexdigest()
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")  # Excel's "Unicode text"
        place = self.describe()
        _refuse_other_files(data, place)
        try:
            return data.decode("utf-8-sig")  # strips the BOM Excel and some exports add
        except UnicodeDecodeError:
            pass
        try:
            # Excel's plain "CSV" is saved in the Windows code page.
            return data.decode("cp1252")
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
