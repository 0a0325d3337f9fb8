"""What `chorus init` asks of Google Sheets: tabs, headers, dropdowns, widths, date formats, filters.

The requests of the set-up's one `spreadsheets:batchUpdate`, kept apart from
the reads and writes of a run. A DATE or DATETIME column gets its date format
on the whole column: Chorus writes dates there as serial numbers (RAW, so text
never becomes a formula), and Google shows, sorts and reads them as dates.
"""

from __future__ import annotations

from typing import Any

from sheets_schema.about import HEADER_ROW as ABOUT_HEADER_ROW
from sheets_schema.about import about_rows
from sheets_schema.cells import date_pattern
from sheets_schema.columns import Column, Kind, Tab
from sheets_schema.tabs import README_TAB
from sheets_schema.tabs_state import HIDDEN_TABS


def header_cells(sheet_id: int, headers: list[str], start_col: int) -> dict[str, Any]:
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": start_col},
            "rows": [
                {
                    "values": [
                        {
                            "userEnteredValue": {"stringValue": h},
                            "userEnteredFormat": {
                                "textFormat": {"bold": True},
                                "backgroundColor": {"red": 0.87, "green": 0.91, "blue": 0.94},
                            },
                        }
                        for h in headers
                    ]
                }
            ],
            "fields": "userEnteredValue,userEnteredFormat(textFormat,backgroundColor)",
        }
    }


def column_requests(tab: Tab, sheet_id: int, col: Column, index: int) -> list[dict[str, Any]]:
    reqs: list[dict[str, Any]] = [
        {
            "updateDimensionProperties": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": index,
                    "endIndex": index + 1,
                },
                "properties": {"pixelSize": int(col.width * 7)},
                "fields": "pixelSize",
            }
        }
    ]
    pattern = date_pattern(tab, col)
    if pattern is not None:
        reqs.append(number_format(sheet_id, index, pattern))
    if col.kind in (Kind.CHOICE, Kind.YES_NO) and col.choices:
        reqs.append(
            {
                "setDataValidation": {
                    "range": {
                        "sheetId": sheet_id,
                        "startRowIndex": 1,
                        "startColumnIndex": index,
                        "endColumnIndex": index + 1,
                    },
                    "rule": {
                        "condition": {
                            "type": "ONE_OF_LIST",
                            "values": [{"userEnteredValue": c} for c in col.choices],
                        },
                        "inputMessage": col.help or None,
                        "strict": False,
                        "showCustomUi": True,
                    },
                }
            }
        )
    return reqs


def program_value_dropdown(
    sheet_id: int, row: int, col: int, choices: tuple[str, ...]
) -> dict[str, Any]:
    """A Program row's Value cell (1-based row, 0-based column): a strict dropdown of its
    setting's allowed values, or, with no choices, none (the cell stays free text)."""
    request: dict[str, Any] = {
        "range": {
            "sheetId": sheet_id,
            "startRowIndex": row - 1,
            "endRowIndex": row,
            "startColumnIndex": col,
            "endColumnIndex": col + 1,
        }
    }
    if choices:
        request["rule"] = {
            "condition": {
                "type": "ONE_OF_LIST",
                "values": [{"userEnteredValue": c} for c in choices],
            },
            "inputMessage": f"One of: {', '.join(choices)}",
            "strict": True,
            "showCustomUi": True,
        }
    return {"setDataValidation": request}


def new_tab_requests(tab: Tab, sheet_id: int, position: int) -> list[dict[str, Any]]:
    reqs: list[dict[str, Any]] = [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": tab.name,
                    "index": position,
                    "hidden": tab.name in HIDDEN_TABS,
                    "gridProperties": {
                        "rowCount": 1000,
                        "columnCount": max(26, len(tab.columns)),
                        "frozenRowCount": 1,
                    },
                }
            }
        },
        header_cells(sheet_id, list(tab.headers), 0),
    ]
    for i, col in enumerate(tab.columns):
        reqs += column_requests(tab, sheet_id, col, i)
    reqs.append(basic_filter(sheet_id))
    return reqs


def readme_requests(sheet_id: int) -> list[dict[str, Any]]:
    """The About tab as Sheets requests: the same rows as the workbook's, the table in columns."""
    rows = about_rows()
    widths = (140, 520, 200, 300)
    return [
        {
            "addSheet": {
                "properties": {
                    "sheetId": sheet_id,
                    "title": README_TAB,
                    "index": 0,
                    "gridProperties": {"rowCount": max(100, len(rows)), "columnCount": len(widths)},
                }
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [
                    {"values": [{"userEnteredValue": {"stringValue": cell}} for cell in cells]}
                    for cells in rows
                ],
                "fields": "userEnteredValue",
            }
        },
        {
            "repeatCell": {
                "range": {
                    "sheetId": sheet_id,
                    "startRowIndex": ABOUT_HEADER_ROW - 1,
                    "endRowIndex": ABOUT_HEADER_ROW,
                    "startColumnIndex": 0,
                    "endColumnIndex": len(widths),
                },
                "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                "fields": "userEnteredFormat.textFormat.bold",
            }
        },
        *(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": i,
                        "endIndex": i + 1,
                    },
                    "properties": {"pixelSize": width},
                    "fields": "pixelSize",
                }
            }
            for i, width in enumerate(widths)
        ),
    ]


def number_format(sheet_id: int, index: int, pattern: str) -> dict[str, Any]:
    """The date format of a whole column, header included: rows Google inserts below the
    header (values:append's INSERT_ROWS) take the format of the row above them."""
    kind = "DATE" if pattern.count(":") == 0 else "DATE_TIME"
    return {
        "repeatCell": {
            "range": {"sheetId": sheet_id, "startColumnIndex": index, "endColumnIndex": index + 1},
            "cell": {"userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def basic_filter(sheet_id: int) -> dict[str, Any]:
    """A filter over the whole tab, so a coordinator can sort and filter any column."""
    return {"setBasicFilter": {"filter": {"range": {"sheetId": sheet_id}}}}


def upgrade_requests(tab: Tab, sheet_id: int, headers: list[str]) -> list[dict[str, Any]]:
    """A tab made before tabs had filters and date formats: both, on the columns it has."""
    by_header = tab.by_header()
    reqs = [basic_filter(sheet_id)]
    for i, header in enumerate(headers):
        col = by_header.get(" ".join(header.split()).casefold())
        pattern = date_pattern(tab, col) if col is not None else None
        if pattern is not None:
            reqs.append(number_format(sheet_id, i, pattern))
    return reqs
