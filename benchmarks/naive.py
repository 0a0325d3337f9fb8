"""The tutorial way: the same work as a Chorus run, done with gspread a row and a cell at a time.

What common gspread tutorials do, against the same Google twin:

- open the spreadsheet, `worksheet(title)` per tab, `get_all_records()` per tab to read;
- per row to add: `get_all_records()` of that tab to see whether it is already there
  (the lookup), then one `append_row`;
- per row to change: `get_all_records()` to find the row, then one `update_cell` per cell;
- per row to remove: `get_all_records()`, then `delete_rows`;
- per email: one Gmail `users.messages.send`, then an `append_row` to the Sent tab as a log.

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

    def __init__(self, spreadsheet: Any, title: str) -> None:
        self.ws = spreadsheet.worksheet(title)
        self.tab = TABS[title]
        self.headers: list[str] = []

    def records(self) -> list[dict[str, Any]]:
        """get_all_records(): one API call returning every row as a dict by header."""
        records = self.ws.get_all_records(numericise_ignore=["all"])
        if records:
            self.headers = list(records[0])
        elif not self.headers:
            self.headers = [str(h) for h in self.ws.row_values(1)]
        return records

    def field_of(self, header: str) -> str | None:
        col = self.tab.by_header().get(normalise_header(header))
        return col.field if col else None

    def find(self, key: tuple[str, ...]) -> int | None:
        """The sheet row of `key`, found the tutorial way: read the whole tab, scan it."""
        for i, record in enumerate(self.records(), start=2):
            by_field = {self.field_of(h): v for h, v in record.items()}
            if tuple(cell_to_text(by_field.get(k, "")).strip() for k in self.tab.key) == key:
                return i
        return None

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


def run_naive(
    job: Job,
    workspace: Any,
    gspread_client: Any,
    gmail: Any,
    spreadsheet_id: str,
    now: datetime,
    *,
    count_calls: Any,
) -> NaiveResult:
    """Do `job`'s run the tutorial way; `count_calls()` returns {api: calls so far} (the twin's)."""
    from automation.mail.compose import compose

    before = count_calls()
    started = time.perf_counter()
    result = NaiveResult()
    settings = workspace.settings
    spreadsheet = gspread_client.open_by_key(spreadsheet_id)
    sheets: dict[str, TutorialSheet] = {}

    def sheet(title: str) -> TutorialSheet:
        if title not in sheets:
            sheets[title] = TutorialSheet(spreadsheet, title)
        return sheets[title]

    tabs = tuple(dict.fromkeys((*job.tabs, "People", "Sent")))
    snapshot = Snapshot({name: sheet(name).frame() for name in tabs})
    gather = GATHER.get(job.name)
    inputs = gather(workspace, now, snapshot) if gather else None
    plan = job.plan(snapshot, now, settings, inputs)
    for append in plan.changes.appends:
        target = sheet(append.tab)
        key = tuple(cell_to_text(append.row.get(k, "")).strip() for k in target.tab.key)
        if target.find(key) is not None:
            continue
        target.ws.append_row(target.line(dict(append.row)), table_range="A1")
        result.appended += 1
    for update in plan.changes.updates:
        target = sheet(update.tab)
        row = target.find(tuple(str(k).strip() for k in update.key))
        if row is None:
            continue
        for f, value in update.values.items():
            header = target.tab.column(f).header
            col = next(
                (
                    i
                    for i, h in enumerate(target.headers, start=1)
                    if normalise_header(h) == normalise_header(header)
                ),
                None,
            )
            if col is not None:
                target.ws.update_cell(row, col, "" if value is None else value)
                result.updated_cells += 1
    for delete in plan.changes.deletes:
        target = sheet(delete.tab)
        row = target.find(tuple(str(k).strip() for k in delete.key))
        if row is not None:
            target.ws.delete_rows(row)
            result.deleted += 1
    # The same recipients Chorus may mail (organisation's domains), capped like a run.
    people = {cell_to_text(e).strip().lower() for e in snapshot["People"]["email"]}
    messages = [
        m
        for m in plan.messages
        if settings.allows_recipient(m.to_email) and m.to_email.strip().lower() in people
    ]
    for message in messages[: settings.mail.max_per_run]:
        email = compose(message, settings, now=now)
        raw = base64.urlsafe_b64encode(email.as_bytes(policy=policy.SMTP)).decode()
        gmail.users().messages().send(userId="me", body={"raw": raw}).execute()
        log = sheet("Sent")
        log.ws.append_row(
            log.line(
                {
                    "message_id": str(email["Message-ID"]),
                    "job": message.job,
                    "period": message.period,
                    "recipient": message.to_email,
                    "subject": message.subject,
                    "sent_at": now.isoformat(),
                    "transport": "gmail",
                    "status": "Sent",
                }
            ),
            table_range="A1",
        )
        result.sent += 1
    result.seconds = time.perf_counter() - started
    after = count_calls()
    result.calls = {api: after.get(api, 0) - before.get(api, 0) for api in set(after) | set(before)}
    return result
