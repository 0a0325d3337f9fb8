"""Check a snapshot of the spreadsheet against the schema, cell by cell.

`chorus validate` prints every problem as tab, row, column, value and why.
The same parsers the jobs use decide what is valid, so a cell that passes
here is a cell the jobs can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pandas as pd

from sheets_schema.columns import CHANNEL_NAMES, Kind, Tab
from sheets_schema.program import PROGRAM_SETTINGS, program_setting
from sheets_schema.tabs import TABS
from sheets_schema.values import (
    clean_text,
    is_http_url,
    parse_date,
    parse_datetime,
    parse_days,
    parse_email,
    parse_int,
    parse_time_window,
    parse_yes_no,
    split_multi,
)


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row, or tab), named so a person can find and fix it."""

    tab: str
    row: int | None
    column: str
    value: str
    why: str
    fix: str = ""

    def __str__(self) -> str:
        where = self.tab
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        text = f"{where}: {shown!r}: {self.why}" if self.value else f"{where}: {self.why}"
        return f"{text} ({self.fix})" if self.fix else text

    @property
    def place(self) -> tuple[str, int | None, str]:
        """(tab, row, column): where the problem is, to compare what validate and a job name."""
        return self.tab, self.row, self.column

    def line(self) -> str:
        """The problem as a job's report line: "tab 'Queue', row 7, column 'Status': why; fix"."""
        where = f"tab {self.tab!r}" + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column!r}" if self.column else ""
        return f"{where}: {self.why}" + (f"; {self.fix}" if self.fix else "")


def check_cell(
    kind: Kind, value: str, choices: tuple[str, ...], tz: ZoneInfo, day_first: bool = True
) -> str | None:
    """Why the value is not valid for the kind, or None when it is."""
    try:
        if kind is Kind.EMAIL:
            parse_email(value)
        elif kind is Kind.URL:
            if not is_http_url(value):
                return "is not an http(s) link (write it as https://...)"
        elif kind is Kind.DATE:
            parse_date(value, day_first=day_first)
        elif kind is Kind.DATETIME:
            parse_datetime(value, tz, day_first=day_first)
        elif kind is Kind.TIME_WINDOW:
            parse_time_window(value)
        elif kind is Kind.DAYS:
            parse_days(value)
        elif kind is Kind.INTEGER:
            if parse_int(value) < 0:
                return "must not be negative"
        elif kind is Kind.YES_NO:
            parse_yes_no(value)
        elif kind is Kind.CHOICE and choices:
            if value.casefold() not in {c.casefold() for c in choices}:
                return "is not one of " + ", ".join(choices)
        elif kind is Kind.MULTI_CHOICE and choices:
            allowed = {c.casefold() for c in choices}
            bad = [v for v in split_multi(value) if v.casefold() not in allowed]
            if bad:
                return f"{', '.join(bad)} is not one of " + ", ".join(choices)
    except ValueError as exc:
        return str(exc)
    return None


def validate_tab(
    tab: Tab, frame: pd.DataFrame, tz: ZoneInfo, day_first: bool = True
) -> list[Problem]:
    """Every problem in one tab: required cells, types, choices, duplicate keys."""
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for row_number, row in frame.iterrows():
        for col in tab.columns:
            value = clean_text(row.get(col.field, ""))
            if not value:
                if col.required:
                    problems.append(
                        Problem(tab.name, int(row_number), col.header, "", "is required but empty")
                    )
                continue
            why = check_cell(col.kind, value, col.choices, tz, day_first)
            if why:
                problems.append(Problem(tab.name, int(row_number), col.header, value, why))
        key = tuple(clean_text(row.get(k, "")) for k in tab.key)
        if all(key):
            if key in seen:
                headers = " + ".join(tab.column(k).header for k in tab.key)
                problems.append(
                    Problem(
                        tab.name,
                        int(row_number),
                        tab.column(tab.key[0]).header,
                        "/".join(key),
                        f"repeats the {headers} of row {seen[key]}; keys must be unique",
                    )
                )
            else:
                seen[key] = int(row_number)
    problems.extend(_rules(tab, frame, day_first))
    if tab.name == "Program":
        problems.extend(program_problems(frame, tz, day_first))
    if tab.name == "Queue":
        problems.extend(_undated_placed(frame))
    return problems


#: Queue statuses whose item takes a posting slot, so it needs a time
PLACED_STATUSES = ("Scheduled", "Published", "Overdue")


def _undated_placed(queue: pd.DataFrame) -> list[Problem]:
    """Scheduled, Published or Overdue items with no Scheduled For (nor Published At) fill no slot."""
    problems: list[Problem] = []
    for row_number, row in queue.iterrows():
        status = clean_text(row.get("status", ""))
        if status.casefold() not in {s.casefold() for s in PLACED_STATUSES}:
            continue
        if clean_text(row.get("scheduled_for", "")) or clean_text(row.get("published_at", "")):
            continue
        problems.append(
            Problem(
                "Queue",
                int(row_number),
                "Scheduled For",
                "",
                f"is empty but the item is {status}, so it fills no posting slot",
                "write when it goes out, e.g. 2027-03-29 09:30",
            )
        )
    return problems


def program_problems(program: pd.DataFrame, tz: ZoneInfo, day_first: bool = True) -> list[Problem]:
    """Program rows Chorus cannot use: an unknown setting, or a value not among its allowed ones.

    The jobs that read a setting report the same problem (jobs/crisis/state.py
    for Crisis Mode): an unknown value is never quietly read as a default.
    """
    problems: list[Problem] = []
    names = ", ".join(s.name.strip() for s in PROGRAM_SETTINGS.values() if not s.name.endswith(" "))
    for row_number, row in program.iterrows():
        name, value = clean_text(row.get("setting", "")), clean_text(row.get("value", ""))
        if not name:
            continue
        setting = program_setting(name)
        if setting is None:
            problems.append(
                Problem(
                    "Program",
                    int(row_number),
                    "Setting",
                    name,
                    "is not a setting Chorus knows, so nothing reads it",
                    f"spell it as one of {names}",
                )
            )
            continue
        why = check_cell(setting.kind, value, setting.choices, tz, day_first) if value else None
        if why:
            problems.append(setting_problem(int(row_number), setting.name, value))
    return problems


def setting_problem(row: int, name: str, value: str, meanwhile: str = "") -> Problem:
    """The problem of a Program setting whose Value is not one of its allowed values;
    `meanwhile` says how a job reads it until a person fixes it."""
    allowed = " or ".join(PROGRAM_SETTINGS[name].choices) or "a readable value"
    why = f"{value!r} is not {allowed} for {name}" + (f"; {meanwhile}" if meanwhile else "")
    return Problem("Program", row, "Value", value, why, f"write {allowed} in the Value cell")


def _rules(tab: Tab, frame: pd.DataFrame, day_first: bool) -> list[Problem]:
    """Rules that span a row: a Rota week starts on Monday, an absence ends after it starts."""
    problems: list[Problem] = []
    if tab.name == "Rota":
        for row_number, row in frame.iterrows():
            try:
                d = parse_date(row["week_starting"], day_first=day_first)
            except ValueError:
                continue
            if d.weekday() != 0:
                problems.append(
                    Problem(
                        "Rota",
                        int(row_number),
                        "Week Starting",
                        clean_text(row["week_starting"]),
                        f"is a {d:%A}; weeks start on a Monday",
                    )
                )
    if tab.name == "Absences":
        for row_number, row in frame.iterrows():
            try:
                start: date = parse_date(row["from_date"], day_first=day_first)
                end: date = parse_date(row["to_date"], day_first=day_first)
            except ValueError:
                continue
            if end < start:
                problems.append(
                    Problem(
                        "Absences",
                        int(row_number),
                        "To",
                        clean_text(row["to_date"]),
                        "is before From",
                    )
                )
    return problems


def validate_snapshot(
    frames: Mapping[str, pd.DataFrame], tz: ZoneInfo, day_first: bool = True
) -> list[Problem]:
    """Every problem in every tab read."""
    problems: list[Problem] = []
    for name, frame in frames.items():
        problems.extend(validate_tab(TABS[name], frame, tz, day_first))
    if "Queue" in frames:
        problems.extend(_queue_channels(frames["Queue"], frames.get("Channels")))
    return problems


def _queue_channels(queue: pd.DataFrame, channels: pd.DataFrame | None) -> list[Problem]:
    """Queue Channels naming neither a network Chorus knows nor one in the Channels tab.

    Channels accepts any network, so the Queue's names are checked against it and the
    known networks, as check-cadence does (jobs/queue_items.py), on the items it places.
    """
    planned = [clean_text(c) for c in channels["channel"]] if channels is not None else []
    known = {c.casefold() for c in (*CHANNEL_NAMES, *planned) if c}
    problems: list[Problem] = []
    for row_number, row in queue.iterrows():
        text = clean_text(row.get("channels", ""))
        bad = [c for c in split_multi(text) if c.casefold() not in known]
        if bad:
            problems.append(
                Problem(
                    "Queue",
                    int(row_number),
                    "Channels",
                    text,
                    f"{', '.join(bad)} is not a network Chorus knows nor one in the Channels tab",
                    "choose from " + ", ".join(dict.fromkeys((*planned, *CHANNEL_NAMES))),
                )
            )
    return problems
