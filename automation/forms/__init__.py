"""Form sources: where staff responses are read from (CSV export, linked sheet, Forms API).

Each adapter implements `base.FormSource`; the workspace picks the one
[forms.<name>] in chorus.toml names. Only the Google adapters
(`linked_sheet.py`, `forms_api.py`) import Google libraries.
"""
