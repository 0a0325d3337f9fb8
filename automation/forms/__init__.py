"""Form sources: where staff responses are read from (CSV export, linked sheet, Forms API).

`build_form_source` is the one place that picks the adapter for a form from
chorus.toml; the workspace calls it. The Google adapters live in
`linked_sheet.py` (LinkedSheetSource) and `forms_api.py` (FormsApiSource),
each with `from_settings(name, settings, google=None)`; only they import
Google libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from automation.forms.base import FormSource
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

if TYPE_CHECKING:
    from automation.google.transport import GoogleServices
    from automation.store.base import Store


def build_form_source(
    name: str,
    settings: Settings,
    google: GoogleServices | None = None,
    store: Store | None = None,
) -> FormSource:
    """The adapter that reads form `name` as [forms.<name>] in chorus.toml says.

    `store` holds the form's tab, from which the Forms API source reads its sync
    mark when the caller does not pass one.
    """
    form = settings.forms.get(name)
    if form is None:
        raise ConfigError(
            f"the {name} form is not configured",
            place=f"{settings.path}: forms",
            fix=f'add a [forms.{name}] section, e.g. kind = "csv" and path = "forms/{name}.csv"',
        )
    # Each adapter is imported only when named: the Google ones load Google's libraries.
    if form.kind == "csv":
        from automation.forms.csv_export import CsvExportSource

        assert form.path is not None  # settings_from_dict requires it for csv
        return CsvExportSource(name, form.path, settings)
    if form.kind == "linked_sheet":
        from automation.forms.linked_sheet import LinkedSheetSource

        return LinkedSheetSource.from_settings(name, settings, google=google)
    if form.kind == "forms_api":
        from automation.forms.forms_api import FormsApiSource

        return FormsApiSource.from_settings(name, settings, google=google, store=store)
    raise ConfigError(
        f"unknown form kind {form.kind!r}",
        place=f"{settings.path}: forms.{name}.kind",
        fix='use "csv", "linked_sheet" or "forms_api"',
    )
