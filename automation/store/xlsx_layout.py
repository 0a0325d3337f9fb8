"""How a tab looks in the local workbook: headers, widths, dropdowns, date formats, filter, About."""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheets_schema.cells import date_pattern
from sheets_schema.columns import Kind, Tab, normalise_header
from sheets_schema.tabs import TAB_ORDER, TABS

VALIDATION_ROWS = 5000
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")


def extend_filter(ws: Worksheet) -> None:
    """Stretch the tab's autofilter over every row and column, if the tab has one.

    A filter a person removed stays removed; criteria they set are kept.
    """
    if ws.auto_filter.ref:
        ws.auto_filter.ref = f"A1:{get_column_letter(max(ws.max_column, 1))}{max(ws.max_row, 2)}"


def format_sheet(ws: Worksheet, tab: Tab, headers: list[str], *, header_only: bool = False) -> None:
    """Bold frozen headers with their help as comments, widths, dropdowns, date formats, a filter."""
    by_header = tab.by_header()
    for i, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=i, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
        col = by_header.get(normalise_header(header))
        if col is None:
            continue
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        pattern = date_pattern(tab, col)
        if pattern is not None:  # what a date typed into an empty cell of the column shows
            ws.column_dimensions[letter].number_format = pattern
        if col.help:
            cell.comment = Comment(col.help, "Chorus")
        if col.kind in (Kind.CHOICE, Kind.YES_NO) and col.choices:
            formula = '"' + ",".join(col.choices) + '"'
            if len(formula) <= 255:
                dv = DataValidation(
                    type="list", formula1=formula, allow_blank=True, showDropDown=False
                )
                dv.error = f"Choose one of: {', '.join(col.choices)}"
                dv.errorTitle = col.header
                dv.prompt = col.help
                dv.showErrorMessage = True
                dv.showInputMessage = bool(col.help)
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
    ws.freeze_panes = "A2"
    if not header_only:
        ws.auto_filter.ref = "A1"
    extend_filter(ws)


def write_readme(ws: Worksheet) -> None:
    """The About tab: what each tab holds, its key and who writes it."""
    ws["A1"] = "Chorus: the employee social media program"
    ws["A1"].font = Font(bold=True, size=14)
    lines = [
        "This workbook holds the program: one tab per kind of record. Chorus's jobs read and write it;",
        "people edit it too. Sort, filter and add your own columns freely: Chorus finds columns by header",
        "and rows by their key (ID, Response ID, Email...). Do not rename the headers in row 1.",
        "",
        "Tab | what one row is | key | written by",
    ]
    for name in TAB_ORDER:
        tab = TABS[name]
        headers = " + ".join(tab.column(k).header for k in tab.key)
        lines.append(f"{name} | {tab.help} | {headers} | {tab.written_by}")
    lines += [
        "",
        "Check the workbook with `chorus validate`; hover over a header to see what the column holds.",
    ]
    for r, line in enumerate(lines, start=3):
        ws.cell(row=r, column=1, value=line)
    ws.column_dimensions["A"].width = 120
