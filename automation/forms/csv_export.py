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

    def describe(self) -> str:
        try:
            return str(self.path.relative_to(self.settings.base_dir))
        except ValueError:
            return str(self.path)

    def responses(self, since: datetime | None = None) -> list[FormResponse]:
        """Every response in the export, oldest first (all of them: the job de-duplicates, so `since` is not needed)."""
        text = self._read_text()
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
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

    def _read_text(self) -> str:
        place = self.describe()
        try:
            data = self.path.read_bytes()
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
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")  # Excel's "Unicode text"
        try:
            return data.decode("utf-8-sig")  # strips the BOM Excel and some exports add
        except UnicodeDecodeError:
            # Excel's plain "CSV" is saved in the Windows code page; cp1252 decodes any byte.
            return data.decode("cp1252")


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
