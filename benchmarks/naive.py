"""The tutorial ways: the same work as a Chorus run, done with gspread a row and a cell at a time.

What common gspread tutorials do, against the same Google twin (pessimistic):

- open the spreadsheet, `worksheet(title)` per tab, `get_all_records()` per tab to read;
- per row to add: `get_all_records()` of that tab to see whether it is already there
  (the lookup), then one `append_row`;
- per row to change: `get_all_records()` to find the row, then one `update_cell` per cell;
- per row to remove: `get_all_records()`, then `delete_rows`;
- per email: one Gmail `users.messages.send`, then an `append_row` to the Sent tab as a log.

The kind tutorial (`kind=True`) reads each tab once with `get_all_records` and
remembers where each key is, then does the same `append_row` per row,
`update_cell` per cell, `delete_rows` per row (bottom up, so the rows it
remembered stay where they are) and send per email, without a read per lookup.

The *work* is Chorus's own: the job's real gather and pure plan decide what to write
and send, so both sides do the same thing and only the way they talk to Google differs.
Values are read with `numericise_ignore=["all"]` so the plan sees the same text, and
appended with `table_range="A1"`: without it Google's table detection (and the twin's)
can put a row whose first cells are blank several columns to the right.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from typing import Any

import pandas as pd

from automation.gather import GATHER
from jobs.base import Job
from sheets_schema.cells import cell_to_text
from sheets_schema.columns import normalise_header
from sheets_schema.records import Snapshot, empty_frame
from sheets_schema.tabs import TABS


@dataclass
class NaiveResult:
    """What the tutorial way cost: calls by API and wall time, and how much it did."""

    calls: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    appended: int = 0
    updated_cells: int = 0
    deleted: int = 0
    sent: int = 0


class TutorialSheet:
    """One worksheet used the tutorial way; headers remembered from the first read."""

    def __init__(self, spreadsheet: Any, title: str, *, kind: bool = False) -> None:
        self.ws = spreadsheet.worksheet(title)
        self.tab = TABS[title]
        self.headers: list[str] = []
        self.kind = kind
        self.read: list[dict[str, Any]] | None = None  # kind: the one read of the tab
        self.rows: dict[tuple[str, ...], int] = {}  # kind: key -> sheet row, from that read
        self.last = 1  # kind: the last sheet row in use

    def records(self) -> list[dict[str, Any]]:
        """get_all_records(): one API call returning every row as a dict by header (kind: once)."""
        if self.kind and self.read is not None:
            return self.read
        records = self.ws.get_all_records(numericise_ignore=["all"])
        if records:
            self.headers = list(records[0])
        elif not self.headers:
            self.headers = [str(h) for h in self.ws.row_values(1)]
        if self.kind:
            self.read = records
            for i, record in enumerate(records, start=2):
                self.rows.setdefault(self.key_of(record), i)
                self.last = i
        return records

    def field_of(self, header: str) -> str | None:
        col = self.tab.by_header().get(normalise_header(header))
        return col.field if col else None

    def key_of(self, record: dict[str, Any]) -> tuple[str, ...]:
        by_field = {self.field_of(h): v for h, v in record.items()}
        return tuple(cell_to_text(by_field.get(k, "")).strip() for k in self.tab.key)

    def find(self, key: tuple[str, ...]) -> int | None:
        """The sheet row of `key`: pessimistic, read the whole tab and scan it; kind, from the one read."""
        if self.kind:
            self.records()
            return self.rows.get(key)
        for i, record in enumerate(self.records(), start=2):
            if self.key_of(record) == key:
                return i
        return None

    def appended(self, key: tuple[str, ...]) -> None:
        """The kind way keeps its keys true after an append_row (the row went after the last)."""
        if self.kind:
            self.last += 1
            self.rows.setdefault(key, self.last)

    def frame(self) -> pd.DataFrame:
        rows = []
        index = []
        for i, record in enumerate(self.records(), start=2):
            by_field = {self.field_of(h): cell_to_text(v) for h, v in record.items()}
            values = {f: by_field.get(f, "") for f in self.tab.fields}
            if any(v.strip() for v in values.values()):
                rows.append(values)
                index.append(i)
        if not rows:
            return empty_frame(self.tab.name)
        return pd.DataFrame(rows, index=index, columns=list(self.tab.fields), dtype=object)

    def line(self, values: dict[str, Any]) -> list[Any]:
        return [values.get(self.field_of(h) or "", "") for h in self.headers]


class Spreadsheet:
    """The spreadsheet opened the tutorial way: each worksheet opened on first use."""

    def __init__(self, client: Any, spreadsheet_id: str, *, kind: bool) -> None:
        self.spreadsheet = client.open_by_key(spreadsheet_id)
        self.kind = kind
        self.sheets: dict[str, TutorialSheet] = {}

    def __call__(self, title: str) -> TutorialSheet:
        if title not in self.sheets:
            self.sheets[title] = TutorialSheet(self.spreadsheet, title, kind=self.kind)
        return self.sheets[title]


def run_naive(
    job: Job,
    workspace: Any,
    gspread_client: Any,
    gmail: Any,
    spreadsheet_id: str,
    now: datetime,
    *,
    count_calls: Any,
    kind: bool = False,
) -> NaiveResult:
    """Do `job`'s run the tutorial way (kind: each tab read once); `count_calls()` is the twin's {api: calls}."""
    before = count_calls()
    started = time.perf_counter()
    result = NaiveResult()
    sheet = Spreadsheet(gspread_client, spreadsheet_id, kind=kind)
    tabs = tuple(dict.fromkeys((*job.tabs, "People", "Sent")))
    snapshot = Snapshot({name: sheet(name).frame() for name in tabs})
    gather = GATHER.get(job.name)
    inputs = gather(workspace, now, snapshot) if gather else None
    plan = job.plan(snapshot, now, workspace.settings, inputs)
    write_changes(plan.changes, sheet, result)
    send(plan.messages, snapshot, workspace.settings, now, sheet, gmail, result)
    result.seconds = time.perf_counter() - started
    after = count_calls()
    result.calls = {api: after.get(api, 0) - before.get(api, 0) for api in set(after) | set(before)}
    return result


def write_changes(changes: Any, sheet: Spreadsheet, result: NaiveResult) -> None:
    """Appends, updates and deletes, a row and a cell at a time, each found by a lookup."""
    for append in changes.appends:
        target = sheet(append.tab)
        key = tuple(cell_to_text(append.row.get(k, "")).strip() for k in target.tab.key)
        if target.find(key) is not None:
            continue
        target.ws.append_row(target.line(dict(append.row)), table_range="A1")
        target.appended(key)
        result.appended += 1
    for update in changes.updates:
        target = sheet(update.tab)
        row = target.find(tuple(str(k).strip() for k in update.key))
        if row is None:
            continue
        for f, value in update.values.items():
            header = normalise_header(target.tab.column(f).header)
            col = next(
                (i for i, h in enumerate(target.headers, 1) if normalise_header(h) == header), None
            )
            if col is not None:
                target.ws.update_cell(row, col, "" if value is None else value)
                result.updated_cells += 1
    # Pessimistic: each row found just before it goes, so earlier deletions are
    # accounted for. Kind: the rows remembered, deleted from the bottom up, so a
    # deletion never moves a row still to be deleted.
    keyed = [(d.tab, tuple(str(k).strip() for k in d.key)) for d in changes.deletes]
    if sheet.kind:
        found = [(tab, sheet(tab).find(key)) for tab, key in keyed]
        keyed = []
        for tab, row in sorted(
            ((t, r) for t, r in found if r is not None), key=lambda x: (x[0], -x[1])
        ):
            sheet(tab).ws.delete_rows(row)
            result.deleted += 1
    for tab, key in keyed:
        where = sheet(tab).find(key)
        if where is not None:
            sheet(tab).ws.delete_rows(where)
            result.deleted += 1


def send(
    messages: Any,
    snapshot: Snapshot,
    settings: Any,
    now: datetime,
    sheet: Spreadsheet,
    gmail: Any,
    result: NaiveResult,
) -> None:
    """One Gmail send per message, then an append_row to the Sent tab as a log."""
    from automation.mail.compose import compose

    # The same recipients Chorus may mail (organisation's domains), capped like a run.
    people = {cell_to_text(e).strip().lower() for e in snapshot["People"]["email"]}
    allowed = [
        m
        for m in messages
        if settings.allows_recipient(m.to_email) and m.to_email.strip().lower() in people
    ]
    log = sheet("Sent")
    for message in allowed[: settings.mail.max_per_run]:
        email = compose(message, settings, now=now)
        raw = base64.urlsafe_b64encode(email.as_bytes(policy=policy.SMTP)).decode()
        gmail.users().messages().send(userId="me", body={"raw": raw}).execute()
        entry = {
            "message_id": str(email["Message-ID"]),
            "job": message.job,
            "period": message.period,
            "recipient": message.to_email,
            "subject": message.subject,
            "sent_at": now.isoformat(),
            "transport": "gmail",
            "status": "Sent",
        }
        log.ws.append_row(log.line(entry), table_range="A1")
        result.sent += 1
