"""Form sources: where staff responses are read from (CSV export, linked sheet, Forms API).

`build_form_source` is the one place that picks the adapter for a form from
chorus.toml; the workspace calls it. The Google adapters live in
`linked_sheet.py` (LinkedSheetSource) and `forms_api.py` (FormsApiSource),
each with `from_settings(name, settings, google=None)`; only they import
Google libraries.
"""

from __future__ import annotations

from typing import Any

from automation.forms.base import FormSource
from jobs.responses import FormResponse
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

__all__ = ["FormResponse", "FormSource", "build_form_source"]


def build_form_source(name: str, settings: Settings, google: Any = None) -> FormSource:
    """The adapter that reads form `name` as [forms.<name>] in chorus.toml says."""
    form = settings.forms.get(name)
    if form is None:
        raise ConfigError(
            f"the {name} form is not configured",
            place=f"{settings.path}: forms",
            fix=f'add a [forms.{name}] section, e.g. kind = "csv" and path = "forms/{name}.csv"',
        )
    if form.kind == "csv":
        from automation.forms.csv_export import CsvExportSource

        assert form.path is not None  # settings_from_dict requires it for csv
        return CsvExportSource(name, form.path, settings)
    try:
        if form.kind == "linked_sheet":
            from automation.forms.linked_sheet import LinkedSheetSource

            return LinkedSheetSource.from_settings(name, settings, google=google)
        if form.kind == "forms_api":
            from automation.forms.forms_api import FormsApiSource

            return FormsApiSource.from_settings(name, settings, google=google)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("automation.forms."):
            raise
        raise ConfigError(
            f"form sources of kind {form.kind!r} are not available in this installation",
            place=f"{settings.path}: forms.{name}.kind",
            fix='use kind = "csv" with a downloaded export',
        ) from None
    raise ConfigError(
        f"unknown form kind {form.kind!r}",
        place=f"{settings.path}: forms.{name}.kind",
        fix='use "csv", "linked_sheet" or "forms_api"',
    )
