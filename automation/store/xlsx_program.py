"""The dropdowns on the local workbook's Program Value cells: each setting's allowed values.

A Program row's dropdown depends on its Setting, so it sits on one cell, not a
column; openpyxl does not move validations when rows are deleted, and people
sort and add rows, so the store re-derives them on every save of the tab.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from sheets_schema.cells import cell_to_text
from sheets_schema.columns import normalise_header
from sheets_schema.program import program_setting

PROGRAM_TAB = "Program"
#: the title of the dropdowns Chorus puts on Program Value cells, by which it finds its own
PROGRAM_VALUE_TITLE = "Value"


def program_dropdowns(ws: Worksheet) -> bool:
    """Give each Program row whose setting has set values a dropdown of them on its Value cell.

    Re-derived on every save that touches the tab, so it follows rows people added, sorted or
    deleted: Chorus's earlier ones (titled "Value") go, one per such row is added. Returns
    whether anything changed.
    """
    row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    headers = [normalise_header(cell_to_text(h)) for h in row]
    if "setting" not in headers or "value" not in headers:
        return False
    setting_col, value_col = headers.index("setting") + 1, headers.index("value") + 1
    letter = get_column_letter(value_col)
    wanted: dict[str, tuple[str, ...]] = {}
    for r in range(2, ws.max_row + 1):
        setting = program_setting(cell_to_text(ws.cell(row=r, column=setting_col).value))
        if setting is not None and setting.choices:
            wanted[f"{letter}{r}"] = setting.choices
    ours = [
        dv
        for dv in ws.data_validations.dataValidation
        if dv.errorTitle == PROGRAM_VALUE_TITLE and dv.type == "list"
    ]
    if {str(dv.sqref): _choices(dv.formula1) for dv in ours} == wanted:
        return False
    for dv in ours:
        ws.data_validations.dataValidation.remove(dv)
    for ref, choices in wanted.items():
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(choices) + '"',
            allow_blank=True,
            showDropDown=False,  # openpyxl's False is the visible arrow
        )
        dv.error = f"Choose one of: {', '.join(choices)}"
        dv.errorTitle = PROGRAM_VALUE_TITLE
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
        dv.add(ref)
    return True


def _choices(formula: str | None) -> tuple[str, ...]:
    return tuple((formula or "").strip('"').split(","))
