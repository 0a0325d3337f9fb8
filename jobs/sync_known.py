"""sync-forms' mark of the submissions export it has read, so the next sync parses only what was added.

Google appends new responses at the end of the CSV export, so a sync of a
large export spends nearly all its time re-reading responses it recorded
last time. A sync whose write records every response of the export keeps, in
the hidden State tab, a ReadMark: the export's size and digest then, what its
rows proved about the date order, its latest response's minute, its warnings,
and a digest of the Submissions tab's ids and times as this very write leaves
them. The next sync (automation/forms/csv_export.py) parses only the bytes
after the mark when all of these still hold:

- the export begins with exactly the marked bytes (same digest), ending a line;
- the code, the settings and the file's place are those of the mark (`basis`);
- Submissions holds exactly the ids and times the marked write left (anyone's
  edit, a deleted row, a write that was skipped: the digest differs);
- the new rows change nothing about the old ones: the same date order, every
  new response later than the marked minute (so no id shares a minute with an
  old one), and none that the long way could pair with a Submissions row
  another response holds (jobs/responses.py identify).

Then every marked response is one the long way finds unchanged (its id and
time are in Submissions), and the plan counts them as such, with the file's
warnings, without reading them. Any doubt takes the long way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jobs.responses import SAME_RESPONSE_WITHIN, FormResponse
from jobs.sync_settled import STATE_VALUE_LIMIT
from sheets_schema.records import Changes, Snapshot, state_row
from sheets_schema.values import clean_text, parse_datetime

#: the State row holding the mark
KNOWN_KEY = "sync-forms read"
#: changed when the mark's meaning changes, so an upgrade never trusts an older mark
KNOWN_VERSION = "1"
#: the one form whose export is marked: the others are small
MARKED_FORM = "submissions"


@dataclass(frozen=True)
class ReadMark:
    """What a sync read of the submissions export, and what its write left in Submissions."""

    basis: str
    size: int
    sha: str
    #: CSV records in the marked bytes, the header included
    records: int
    responses: int
    proofs: tuple[str, str]
    day_first: bool
    #: the latest response's minute in UTC, ISO ('' when there is none)
    last_minute: str
    warnings: tuple[str, ...]
    #: which column holds which answer (automation/forms/normalise.py TableRead.columns)
    columns: str
    #: submissions_digest of the tab as the marking write left it ('' until the plan says)
    submissions: str = ""

    def value(self) -> str:
        """The State cell's text."""
        return json.dumps({"version": KNOWN_VERSION, **asdict(self)}, ensure_ascii=False)


def read_mark(value: str | None) -> ReadMark | None:
    """The mark a State value holds; None for none, another version's, or one a person edited."""
    if not value:
        return None
    try:
        kept = json.loads(value)
        if kept.pop("version") != KNOWN_VERSION:
            return None
        proofs = tuple(str(p) for p in kept.pop("proofs"))
        warnings = tuple(str(w) for w in kept.pop("warnings"))
        mark = ReadMark(proofs=(proofs[0], proofs[1]), warnings=warnings, **kept)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError):
        return None
    fields = (mark.basis, mark.sha, mark.last_minute, mark.submissions, mark.columns)
    if not all(isinstance(f, str) for f in fields) or not isinstance(mark.day_first, bool):
        return None
    if not all(type(n) is int and n >= 0 for n in (mark.size, mark.records, mark.responses)):
        return None
    return mark


def submissions_digest(rows: Iterable[tuple[str, str]]) -> str:
    """A digest of Submissions' (Response ID, Submitted At) pairs, in any row order."""
    lines = sorted(f"{rid}\t{at}" for rid, at in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def tab_pairs(snapshot: Snapshot) -> list[tuple[str, str]]:
    """Submissions' (Response ID, Submitted At) pairs as a plan reads them, in row order."""
    frame = snapshot.get_or_empty("Submissions")
    return [
        (clean_text(rid), clean_text(at))
        for rid, at in zip(frame["response_id"], frame["submitted_at"], strict=True)
    ]


def after_write(pairs: Sequence[tuple[str, str]], changes: Changes) -> list[tuple[str, str]]:
    """The pairs once `changes` land: appends added, an update's time on the first row of its id."""
    out = list(pairs)
    updates = [u for u in changes.updates if u.tab == "Submissions" and "submitted_at" in u.values]
    if updates:  # where each id's first row is, only when a time moves
        first: dict[str, int] = {}
        for i, (rid, _) in enumerate(out):
            first.setdefault(rid, i)
        for update in updates:
            rid = str(update.key[0]).strip()
            if rid in first:
                out[first[rid]] = (rid, clean_text(update.values["submitted_at"]))
    rows = [a.row for a in changes.appends if a.tab == "Submissions"]
    out += [
        (clean_text(row.get("response_id", "")), clean_text(row.get("submitted_at", "")))
        for row in rows
    ]
    return out


def mark_change(
    snapshot: Snapshot, changes: Changes, mark: ReadMark | None, kept: str | None
) -> Changes:
    """The State change that keeps `mark` (with the Submissions digest `changes` leave), if new.

    `kept` is the State value as read (None: no such row).
    """
    if mark is None:
        return Changes()
    pairs = after_write(tab_pairs(snapshot), changes)
    marked = ReadMark(**{**asdict(mark), "submissions": submissions_digest(pairs)})
    value = marked.value()
    if value == kept or len(value) > STATE_VALUE_LIMIT:
        return Changes()
    row = {"value": value, "note": "what sync-forms last read of the submissions export"}
    return state_row(KNOWN_KEY, row, present=kept is not None)


def may_pair(responses: Sequence[FormResponse], snapshot: Snapshot, tz: ZoneInfo) -> bool:
    """Whether the long way might pair one of these new responses with a row another holds.

    identify (jobs/responses.py) pairs a response whose id Submissions lacks with a
    row of the same person within SAME_RESPONSE_WITHIN; which row it takes depends on
    every response of the export, marked ones included. Any such row makes the read
    take the long way, whoever holds it.
    """
    if not responses:
        return False
    frame = snapshot.get_or_empty("Submissions")
    times = dict(tab_pairs(snapshot))  # the last row of an id is the one a plan reads
    emails = {r.email.strip().lower() for r in responses}
    near: dict[str, list[datetime]] = {}
    for email, at in zip(frame["email"], frame["submitted_at"], strict=True):
        address = clean_text(email).lower()
        if address in emails and (when := _time(at, tz)) is not None:
            near.setdefault(address, []).append(when)
    for r in responses:
        if r.response_id in times and _time(times[r.response_id], tz) is not None:
            continue  # held: identify keeps its id and pairs nothing
        for when in near.get(r.email.strip().lower(), ()):
            if abs(when - r.submitted_at) < SAME_RESPONSE_WITHIN:
                return True
    return False


def _time(text: object, tz: ZoneInfo) -> datetime | None:
    try:
        return parse_datetime(clean_text(text), tz)
    except ValueError:
        return None
