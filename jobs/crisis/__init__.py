"""Crisis mode, the pure part: notice a storm early, hold scheduled posts, tell people, stand down.

Crisis mode is a state in the spreadsheet, never in a process, so any job run
reads it and two runs cannot disagree:

    Crises tab    the record: a row per crisis (ID, Started, Ended, ...)
    Program tab   the switch: "Crisis Mode" = On / Off, for people without a terminal

Chorus keeps the switch in step with the record (start sets it On, stand-down
Off) and notes in the Crises row what it did ("Chorus held ...", "Chorus
stood down ..."), so a person's edit is always a clear request:

    switch set On, no open row           -> start a crisis (row C-00N, declared by the Program tab)
    a row opened by hand (no Chorus note) -> adopt it: hold, switch On, tell people
    switch set Off while a row is open   -> stand down
    Ended written by hand                -> stand down (restore, all-clear), switch Off

One module for each part:

    state     `crisis_state(snapshot)`: the one reading of crisis mode every job uses
    storm     `detect_spike`: a storm of criticism and direct messages, by episode
    hold      which Queue items are held, and how standing down restores them
    audience  who hears about it: the team on duty, managers, staff, the Sent ledger
    messages  the emails: storm alert, crisis declared, holding statement, all-clear
    command   the plans: `watch()` (every ingest-alerts run) and `chorus crisis start|end`
    status    `chorus crisis status` in words
    sheet     the crisis tabs read as trimmed text

Here: the names every part shares, and who is on duty when a crisis needs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd

from jobs import rota
from jobs.crisis.sheet import frame
from sheets_schema.settings import Settings

#: the job's name in Runs, Sent and Message-IDs
JOB_NAME = "crisis"
#: how many items a report line or an email lists before it stops
MAX_LISTED = 20


def duty_at(snapshot: Mapping[str, pd.DataFrame], now: datetime, settings: Settings) -> rota.Duty:
    """Who is on duty on `now`'s day: whom a crisis alerts first (jobs/rota.py decides, for
    every job alike)."""
    return rota.on_duty(
        frame(snapshot, "Rota"),
        frame(snapshot, "Absences"),
        frame(snapshot, "People"),
        now.astimezone(settings.tz).date(),
        day_first=settings.organisation.day_first,
    )
