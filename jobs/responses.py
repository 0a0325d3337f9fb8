"""Form responses as sync-forms plans from them, and the ids that make each one count once.

Every form source (CSV export, linked sheet, Forms API) hands sync-forms
FormResponse values; the job de-duplicates by `response_id`, so a source
never needs to remember what it already gave.

Response ids. The Forms API gives a real `responseId` that survives edits
(the edit shows as a later `lastSubmittedTime`), so edits are exact there.
CSV exports and linked sheets have no id: `row_response_id` derives one from
the form, the submission minute and the email, which a spreadsheet re-saving
the export keeps (it may drop the seconds, change the date format, quoting
and column order, add blank columns, or evaluate a formula in an answer).
`identify` then pairs a response with the row a tab already holds for it
when the ids differ: a time rounded by a re-save, or an id made the older
way (with seconds and answers), so an upgrade re-imports nothing either.

An EDITED response in those sources is a changed row (Google rewrites its
timestamp and answers) and so gets a new id. To still recognise it, every
response also carries an `edit_key` that ignores time: for submissions the
same person plus the same headline means "the same item again" (an edit, or
a double click on Submit); sync-forms then updates the Queue item it already
made instead of adding a second one. Acknowledgements and feedback have no
edit key: a second row there loses nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from operator import attrgetter, lt
from typing import TYPE_CHECKING

from sheets_schema.values import CELL_TEXT_LIMIT, fit_cell, parse_datetime

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
    #: each answer's text once made: a sync asks for the headline a dozen times per response
    _texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def text(self, name: str) -> str:
        """One answer as text; checkbox answers joined with ', ' as Google shows them."""
        found = self._texts.get(name)
        if found is None:
            value = self.answers.get(name, "")
            found = fit_cell(", ".join(value) if isinstance(value, list) else value)
            self._texts[name] = found
        return found

    def texts(self) -> Mapping[str, str]:
        """Every answer's `text`, made once (get a question the form lacks with .get(name, "")).

        A sync reads a dozen answers of each of 10,000 responses: one lookup each
        in this mapping costs a fraction of a call of `text`.
        """
        got = self._texts
        if "" not in got:  # no answer is named "": the mark that every answer is in
            for name, value in self.answers.items():
                if name not in got:  # `text`, without a call per answer that fits a cell
                    if type(value) is not str:
                        value = ", ".join(value)
                    got[name] = value if len(value) <= CELL_TEXT_LIMIT else fit_cell(value)
            got[""] = ""
        return got

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
    "Approvals": "at",
    "Mentions": "found_at",
}
#: Mentions rows the "Report a mention" form wrote: Origin form:mention:<Response ID>
MENTION_FORM_ORIGIN = "form:mention:"


def newest_response(
    frame: pd.DataFrame, tab: str, tz: ZoneInfo, *, day_first: bool = True
) -> datetime | None:
    """The newest response time in a form's tab (the sync mark); None when the tab is empty."""
    newest: datetime | None = None
    if tab == "Mentions":  # the tab holds mentions from alerts and mail too: only the form's count
        origin = frame["origin"] if "origin" in frame else frame.get("id", frame.index)
        frame = frame[[str(o).startswith(MENTION_FORM_ORIGIN) for o in origin]]
    for value in frame[TIME_FIELD[tab]] if TIME_FIELD[tab] in frame else []:
        try:
            when = parse_datetime(value, tz, day_first=day_first)
        except ValueError:
            continue
        newest = when if newest is None or when > newest else newest
    return newest


#: ids derived from a row (CSV export, linked sheet) start with this; the Forms API's never do
DERIVED_PREFIX = "row-"
#: a re-saved export writes a time without its seconds, truncated or rounded: within this of
#: the time a sheet holds, the same person's response is the same response
SAME_RESPONSE_WITHIN = timedelta(seconds=60)


def row_response_id(form: str, submitted_at: datetime, email: str, ordinal: int = 1) -> str:
    """A stable id for a response that has none (CSV export, linked sheet).

    Built from the form, the submission minute in UTC and the lower-cased
    email: what a spreadsheet re-saving the export keeps. Not the seconds (a
    re-save may drop them), not the text as written (date format, locale,
    quoting, column order), not the answers (a re-save may evaluate a formula
    or mangle an accent). Two responses of one person in one minute of one
    file are told apart by `ordinal`, their order in the file.
    """
    minute = _utc_minute(submitted_at)
    address = _ADDRESSES.get(email)
    if address is None:  # most people answer many times: each address made once
        if len(_ADDRESSES) > 4096:
            _ADDRESSES.clear()
        address = _ADDRESSES[email] = (email.strip().lower(), _plain_json(email.strip().lower()))
    if address[1] and _plain_json(form):  # what json.dumps writes, without its cost
        payload = f'["{form}","{minute}","{address[0]}"]'
    else:
        payload = json.dumps([form, minute, address[0]], separators=(",", ":"))
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
    return DERIVED_PREFIX + digest + (f"-{ordinal}" if ordinal > 1 else "")


def _utc_minute(at: datetime) -> str:
    """'YYYY-MM-DDTHH:MMZ': the minute of `at` (aware) in UTC, each hour's text made once.

    Counted in whole minutes from the epoch (exact, unlike a float timestamp), so a
    file's 10,000 times cost a subtraction each instead of a conversion and a format.
    """
    minutes = (at - _EPOCH) // _MINUTE
    hour = _HOURS.get(minutes // 60)
    if hour is None:
        utc = at.astimezone(UTC)
        if utc.year < 1000:  # isoformat would pad the year: the way ids were always made
            return utc.strftime("%Y-%m-%dT%H:%MZ")
        if len(_HOURS) > 4096:
            _HOURS.clear()
        hour = _HOURS[minutes // 60] = utc.isoformat()[:14]  # several times faster than strftime
    return f"{hour}{minutes % 60:02d}Z"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MINUTE = timedelta(minutes=1)
#: whole hours since the epoch -> 'YYYY-MM-DDTHH:' (UTC)
_HOURS: dict[int, str] = {}
#: an email as written -> (as a response id holds it, whether json.dumps writes it as it is)
_ADDRESSES: dict[str, tuple[str, bool]] = {}


def _plain_json(text: str) -> bool:
    """Whether json.dumps writes `text` as it is between quotes (printable ASCII, no quote, no backslash)."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


@dataclass(frozen=True)
class StoredResponse:
    """A response as a form's tab holds it: its id, who, when, and the answer that names it."""

    response_id: str
    email: str
    at: datetime
    summary: str


def identify(
    responses: Sequence[FormResponse],
    stored: Iterable[StoredResponse],
    summary: Callable[[FormResponse], str],
) -> list[tuple[FormResponse, bool]]:
    """Each response with the id of the row the tab already holds for it; True when unchanged.

    A response whose id the tab holds keeps it (the job compares times for
    edits). Any other is matched to a row of the same person within
    SAME_RESPONSE_WITHIN whose id is derived (on either side): an export
    re-saved without seconds or with its time rounded, or a row whose id was
    made by an older Chorus. Such a match is the same response, unless its
    time is later and has seconds (Google rewrote the row: an edit), which
    the job then reads as an edit of that row. Pairs are made best first:
    same summary (headline, version, text), then nearest in time.
    """
    rows = list(stored)
    if not rows:  # a first sync: nothing to pair with
        return [(r, False) for r in responses]
    held = {row.response_id for row in rows}
    claimed = {r.response_id for r in responses if r.response_id in held}
    by_email: dict[str, list[int]] = {}
    for j, row in enumerate(rows):
        if row.response_id not in claimed:
            by_email.setdefault(row.email.strip().lower(), []).append(j)
    pairs: list[tuple[bool, timedelta, int, int]] = []
    for i, r in enumerate(responses):
        if r.response_id in held:
            continue
        for j in by_email.get(r.email.strip().lower(), []):
            row = rows[j]
            gap = abs(row.at - r.submitted_at)
            if gap < SAME_RESPONSE_WITHIN and (
                _derived(row.response_id) or _derived(r.response_id)
            ):
                pairs.append((_fold(row.summary) != _fold(summary(r)), gap, i, j))
    matched: dict[int, StoredResponse] = {}
    for _, _, i, j in sorted(pairs):
        if i not in matched and rows[j].response_id not in claimed:
            matched[i] = rows[j]
            claimed.add(rows[j].response_id)
    out: list[tuple[FormResponse, bool]] = []
    for i, r in enumerate(responses):
        held_row = matched.get(i)
        if held_row is None:
            out.append((r, False))
            continue
        at = r.submitted_at.replace(microsecond=0)
        edited = at > held_row.at and at.second != 0
        out.append((replace(r, response_id=held_row.response_id), not edited))
    return out


def _derived(response_id: str) -> bool:
    return response_id.startswith(DERIVED_PREFIX)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


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


def latest_by_id(responses: Sequence[FormResponse]) -> list[FormResponse]:
    """One response per id (the latest version), oldest first so Q numbers follow time."""
    latest: dict[str, FormResponse] = {}
    for r in responses:
        seen = latest.get(r.response_id)
        if seen is None or r.submitted_at > seen.submitted_at:
            latest[r.response_id] = r
    kept = list(latest.values())
    times = list(map(attrgetter("submitted_at"), kept))
    if all(map(lt, times, times[1:])):  # already in time order, none at the same time (exports)
        return kept
    return sorted(kept, key=attrgetter("submitted_at", "response_id"))
