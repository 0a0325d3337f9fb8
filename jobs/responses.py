"""Form responses as sync-forms plans from them, and the ids that make each one count once.

Every form source (CSV export, linked sheet, Forms API) hands sync-forms
FormResponse values; the job de-duplicates by `response_id`, so a source
never needs to remember what it already gave.

Response ids. The Forms API gives a real `responseId` that survives edits
(the edit shows as a later `lastSubmittedTime`), so edits are exact there.
CSV exports and linked sheets have no id: `row_response_id` derives one from
the form, the submission time, the email and the answers. An EDITED response
in those sources is a changed row (Google rewrites its timestamp and answers)
and so gets a new id. To still recognise it, every response also carries an
`edit_key` that ignores time: for submissions the same person plus the same
headline means "the same item again" (an edit, or a double click on Submit);
sync-forms then updates the Queue item it already made instead of adding a
second one. Acknowledgements and feedback have no edit key: a second row
there loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sheets_schema.values import fit_cell, parse_datetime

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    import pandas as pd

Answer = str | list[str]


@dataclass(frozen=True)
class FormResponse:
    """One response to one form, its answers keyed by the schema's field names.

    `place` says where it came from for people ("forms/submissions.csv row 7");
    `warnings` are things a person may want to fix (shared across a file's
    responses when they concern the whole file, so callers de-duplicate).
    """

    response_id: str
    submitted_at: datetime
    email: str
    answers: Mapping[str, Answer] = field(default_factory=dict)
    place: str = ""
    warnings: tuple[str, ...] = ()
    edit_key: str = ""

    def text(self, name: str) -> str:
        """One answer as text; checkbox answers joined with ', ' as Google shows them."""
        value = self.answers.get(name, "")
        return fit_cell(", ".join(value) if isinstance(value, list) else value)

    def items(self, name: str) -> list[str]:
        """One answer as a list (a single text answer becomes a one-item list)."""
        value = self.answers.get(name, "")
        if isinstance(value, list):
            return list(value)
        return [value] if value else []


#: the column of each form's tab that holds the response time
TIME_FIELD = {
    "Submissions": "submitted_at",
    "Acknowledgements": "acknowledged_at",
    "Feedback": "submitted_at",
}


def newest_response(
    frame: pd.DataFrame, tab: str, tz: ZoneInfo, *, day_first: bool = True
) -> datetime | None:
    """The newest response time in a form's tab (the sync mark); None when the tab is empty."""
    newest: datetime | None = None
    for value in frame[TIME_FIELD[tab]] if TIME_FIELD[tab] in frame else []:
        try:
            when = parse_datetime(value, tz, day_first=day_first)
        except ValueError:
            continue
        newest = when if newest is None or when > newest else newest
    return newest


def row_response_id(
    form: str, submitted_at: datetime, email: str, answers: Mapping[str, Answer]
) -> str:
    """A stable id for a response that has none (CSV export, linked sheet).

    Built from the form, the submission instant in UTC to the second, the
    lower-cased email and the answers. The instant, not the text as written,
    so a spreadsheet's locale change or a switch from CSV export to linked
    sheet does not re-key (and so duplicate) every response.
    """
    stamp = submitted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = json.dumps(
        [form, stamp, email.strip().lower(), sorted((k, v) for k, v in answers.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "row-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def edit_key(form: str, email: str, answers: Mapping[str, Answer]) -> str:
    """What makes two responses 'the same item' regardless of time; '' when none applies.

    Only submissions have one: the same person with the same headline (case and
    spacing ignored). sync-forms computes it for Submissions rows too.
    """
    if form != "submissions":
        return ""
    headline = answers.get("headline", "")
    if isinstance(headline, list):
        headline = " ".join(headline)
    headline = " ".join(headline.split()).casefold()
    address = email.strip().lower()
    if not headline or not address:
        return ""
    return f"{form}|{address}|{headline}"
