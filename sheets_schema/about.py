"""The About tab's words: a title, a short introduction and a real table of the tabs.

Both stores (the local workbook and Google Sheets) lay out the same rows, so
what a person reads on the first tab is defined once, here.
"""

from __future__ import annotations

from sheets_schema.tabs import TAB_ORDER, TABS

TITLE = "Chorus: the employee social media program"
INTRO = (
    "This workbook holds the program: one tab per kind of record. Chorus's jobs read and write it;",
    "people edit it too. Sort, filter and add your own columns freely: Chorus finds columns by header",
    "and rows by their key (ID, Response ID, Email...). Do not rename the headers in row 1.",
)
HEADERS = ("Tab", "What one row is", "Key", "Written by")
OUTRO = (
    "Check the workbook with `chorus validate`; hover over a header to see what the column holds."
)
#: Row (1-based) of the table's header row: after the title, the introduction and a blank row.
HEADER_ROW = len(INTRO) + 3


def about_table() -> list[tuple[str, str, str, str]]:
    """One row per tab, in workbook order: its name, what a row is, its key and who writes it."""
    rows = []
    for name in TAB_ORDER:
        tab = TABS[name]
        key = " + ".join(tab.column(k).header for k in tab.key)
        rows.append((name, tab.help, key, tab.written_by))
    return rows


def about_rows() -> list[list[str]]:
    """Every row of the About tab from row 1, each a list of cells (blank rows are [])."""
    return [
        [TITLE],
        *([line] for line in INTRO),
        [],
        list(HEADERS),
        *(list(row) for row in about_table()),
        [],
        [OUTRO],
    ]
