"""Is a crisis open: the one reading of crisis mode every job uses.

A Crises row is open while Started is written and Ended is blank. Ended
written, whatever time it names, is a person's request to stand down: the
column says when the crisis was stood down, and reading it without the clock
means every job of one run gives the same answer. The Program switch On with
no open row is a crisis too: the next watch opens its row.

A switch Chorus cannot read ('Onn', 'Of') is a problem every job reading it
reports, and it reads as On. During a storm a typo of On most likely meant On;
a typo of Off is typed to stand down an open crisis, and reading it as On keeps
posts held until a person fixes the cell: a post held an hour too long is
cheaper than one going out during a crisis. Blank reads as not asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from jobs.crisis import sheet
from sheets_schema.columns import normalise_header
from sheets_schema.settings import Settings
from sheets_schema.validate import Problem, setting_problem
from sheets_schema.values import parse_yes_no

PROGRAM_SETTING = "Crisis Mode"
PROGRAM_NOTE = (
    "On pauses scheduled posts and alerts the coordinators; Off stands down. "
    "`chorus crisis start` and `chorus crisis end` flip it too."
)
#: the words Chorus writes into a Crises row's Notes; they mark what it has done
HELD_MARK = "Chorus held"
STOOD_DOWN_MARK = "Chorus stood down"


@dataclass(frozen=True)
class CrisisState:
    """Crisis mode as the spreadsheet says it: the open Crises row and the Program switch.

    `requested` is the switch: True (On), False (Off), None (blank, missing or
    unreadable). `adopted` says Chorus has held the open row's items;
    `closing_row` is the latest row a person closed by hand whose stand-down
    Chorus has not done yet.
    """

    open_row: Mapping[str, str] | None
    requested: bool | None
    adopted: bool = False
    closing_row: Mapping[str, str] | None = None
    other_open: tuple[Mapping[str, str], ...] = ()
    program_setting: str = ""  # the Program row's Setting as typed ('' when there is none)
    program_value: str = ""  # its Value as typed
    #: the switch's Value when Chorus cannot read it (then `requested` is True)
    problems: tuple[Problem, ...] = ()

    @property
    def active(self) -> bool:
        """Whether jobs treat the program as in a crisis now (hold, no suggestions, crisis brief)."""
        if self.open_row is not None:
            # Off on a row Chorus already handled asks to stand down; a row someone just
            # opened by hand is a crisis whatever the old switch says.
            return not (self.adopted and self.requested is False)
        return bool(self.requested) and self.closing_row is None

    @property
    def open_rows(self) -> tuple[Mapping[str, str], ...]:
        """Every open Crises row, in sheet order (none while the switch alone says On)."""
        return () if self.open_row is None else (self.open_row, *self.other_open)

    @property
    def label(self) -> str:
        """The open crisis's ID, '(Program: Crisis Mode)' while the switch alone says On, or ''."""
        if not self.active:
            return ""
        if self.open_row is not None:
            return self.open_row.get("id", "") or "a crisis"
        return f"(Program: {PROGRAM_SETTING})"

    @property
    def pending(self) -> str:
        """What the next crisis watch does: 'start', 'adopt', 'end', or '' (nothing)."""
        if self.open_row is None:
            if self.closing_row is not None:
                return "end"
            return "start" if self.requested else ""
        if not self.adopted:
            return "adopt"
        return "end" if self.requested is False else ""


SWITCH_UNREADABLE = "Chorus reads it as On (a crisis: posts stay held) until it is fixed"


def _switch(program: pd.DataFrame) -> tuple[str, str, bool | None, tuple[Problem, ...]]:
    """The Program tab's Crisis Mode row: its Setting and Value as typed, what it asks, and
    the problem when its Value cannot be read (read as On: see the module's docstring)."""
    for row_number, row in zip(program.index, sheet.rows(program), strict=True):
        if normalise_header(row.get("setting", "")) == normalise_header(PROGRAM_SETTING):
            value = row.get("value", "")
            try:
                requested = parse_yes_no(value) if value else None
            except ValueError:
                problem = setting_problem(
                    int(row_number), PROGRAM_SETTING, value, SWITCH_UNREADABLE
                )
                return row.get("setting", ""), value, True, (problem,)
            return row.get("setting", ""), value, requested, ()
    return "", "", None, ()


def _closing(closed: list[dict[str, str]]) -> dict[str, str] | None:
    """The last row in sheet order that Chorus held and a person closed, not yet stood down."""
    if not closed:
        return None
    latest = closed[-1]
    notes = latest.get("notes", "").casefold()
    if HELD_MARK.casefold() in notes and STOOD_DOWN_MARK.casefold() not in notes:
        return latest
    return None


def crisis_state_of(crises: pd.DataFrame, program: pd.DataFrame) -> CrisisState:
    """CrisisState from the Crises and Program tabs (see crisis_state)."""
    setting, value, requested, problems = _switch(program)
    # Sheet order decides which open row is the crisis: it is the order people see.
    rows = [r for r in sheet.rows(crises) if r.get("started")]
    open_rows = [r for r in rows if not r.get("ended")]
    open_row = open_rows[0] if open_rows else None
    closing = _closing([r for r in rows if r.get("ended")]) if open_row is None else None
    adopted = open_row is not None and HELD_MARK.casefold() in open_row.get("notes", "").casefold()
    return CrisisState(
        open_row=open_row,
        requested=requested,
        adopted=adopted,
        closing_row=closing,
        other_open=tuple(open_rows[1:]),
        program_setting=setting,
        program_value=value,
        problems=problems,
    )


def crisis_state(snapshot: Mapping[str, pd.DataFrame]) -> CrisisState:
    """Crisis mode as the spreadsheet says it; the one check every job (cadence, brief,
    intake, the crisis watch) uses. A snapshot without the Crises or Program tab reads
    as no crisis."""
    return crisis_state_of(sheet.frame(snapshot, "Crises"), sheet.frame(snapshot, "Program"))


def last_ended(crises: pd.DataFrame, settings: Settings) -> datetime | None:
    """When the most recent crisis ended, or None."""
    day_first = settings.organisation.day_first
    ends = [
        found
        for r in sheet.rows(crises)
        if (found := sheet.when(r.get("ended", ""), settings.tz, day_first))
    ]
    return max(ends) if ends else None
