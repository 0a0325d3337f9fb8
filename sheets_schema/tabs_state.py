"""The State tab: what Chorus remembers between runs, kept out of the tabs people edit.

The policy digest's record of what it last listed (a small JSON value) used
to live in the Program tab beside the switches coordinators flip; it lives
here now, in a tab the workbook hides. People need never open it.

The Sent archive tab lives here too: the Sent rows of periods that closed
months ago, and thank-yous and welcomes sent then ([history] sent_months),
moved out of the Sent tab every mailing run reads, so a year of mail does not
slow today's (jobs/sent_archive.py); State keeps the day and an index of the
undated mail moved (jobs/sent_index.py).
"""

from __future__ import annotations

from dataclasses import replace

from sheets_schema.columns import Column, Kind, Tab

STATE_TAB = "State"
SENT_ARCHIVE_TAB = "Sent archive"
#: Tabs a new workbook or spreadsheet hides: Chorus's own memory, not for people.
HIDDEN_TABS: tuple[str, ...] = (STATE_TAB,)
#: Chorus's own records come last in a new workbook, after the tabs people edit.
LAST_TABS: tuple[str, ...] = ("Sent", SENT_ARCHIVE_TAB, "Runs", STATE_TAB)
#: Tabs a run reads when the workbook has them: one made before they existed still runs.
OPTIONAL_TABS: tuple[str, ...] = (STATE_TAB, SENT_ARCHIVE_TAB)

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


def sent_archive_of(sent: Tab) -> Tab:
    """The Sent archive: the Sent tab's columns and key, for rows of long-closed periods."""
    return replace(
        sent,
        name=SENT_ARCHIVE_TAB,
        help="Sent rows of periods closed (thank-yous sent) months ago: [history] sent_months.",
        written_by="Chorus",
    )
