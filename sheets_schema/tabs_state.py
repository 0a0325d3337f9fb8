"""The State tab: what Chorus remembers between runs, kept out of the tabs people edit.

The policy digest's record of what it last listed (a small JSON value) used
to live in the Program tab beside the switches coordinators flip; it lives
here now, in a tab the workbook hides. People need never open it.
"""

from __future__ import annotations

from sheets_schema.columns import Column, Kind, Tab

STATE_TAB = "State"
#: Tabs a new workbook or spreadsheet hides: Chorus's own memory, not for people.
HIDDEN_TABS: tuple[str, ...] = (STATE_TAB,)
#: Chorus's own records come last in a new workbook, after the tabs people edit.
LAST_TABS: tuple[str, ...] = ("Sent", "Runs", STATE_TAB)

STATE = Tab(
    STATE_TAB,
    (
        Column("Key", "key", Kind.TEXT, required=True, help="What Chorus remembers", width=28),
        Column("Value", "value", Kind.TEXT, help="The memory itself (written by Chorus)", width=60),
        Column("Note", "note", Kind.TEXT, help="What it is for", width=48),
    ),
    ("key",),
    "Chorus's own memory between runs (what the last policy digest listed): hidden, leave it be.",
    "Chorus",
)
