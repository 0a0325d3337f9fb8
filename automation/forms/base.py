"""The form port: where staff responses come from, whatever holds them.

A `FormSource` hands sync-forms every response it holds (a CSV export, the
form's linked response sheet, or the Forms API) as `jobs.responses.FormResponse`
values; the job de-duplicates by `response_id`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from jobs.responses import FormResponse


@runtime_checkable
class FormSource(Protocol):
    """Where one form's responses live: a CSV export, a linked sheet, the Forms API."""

    #: the form's name in sheets_schema.forms.FORMS ("submissions", ...)
    name: str

    def responses(self, since: datetime | None = None) -> list[FormResponse]:
        """The source's responses, oldest first; InputError when unreadable.

        `since` is the newest response the sheets already hold: a source that can
        ask for less (the Forms API) does; an export or a sheet returns all, and
        the job de-duplicates by Response ID.
        """
        ...

    def describe(self) -> str:
        """Where the responses are read from, for people (a path, a form or sheet id)."""
        ...
