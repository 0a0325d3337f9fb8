"""How a tab looks in the local workbook: headers, widths, dropdowns, date formats, filter, About."""

from __future__ import annotations

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheets_schema.about import HEADER_ROW as ABOUT_HEADER_ROW
from sheets_schema.about import HEADERS as ABOUT_HEADERS
from sheets_schema.about import about_rows
from sheets_schema.cells import date_pattern
from sheets_schema.columns import Kind, Tab, normalise_header

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
    """The About tab: a title, a few lines, then a table of what each tab holds, its key and who writes it."""
    for r, cells in enumerate(about_rows(), start=1):
        for c, value in enumerate(cells, start=1):
            ws.cell(row=r, column=c, value=value)
    ws["A1"].font = Font(bold=True, size=14)
    for c in range(1, len(ABOUT_HEADERS) + 1):
        ws.cell(row=ABOUT_HEADER_ROW, column=c).font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 70, 26, 40), strict=True):
        ws.column_dimensions[letter].width = width
