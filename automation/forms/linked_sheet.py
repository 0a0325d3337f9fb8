"""A form's responses read from its linked response spreadsheet ("Form Responses 1").

Google Forms can write every response into a spreadsheet of its own. That
tab reads like the CSV export (a Timestamp column, "Email address" or "Email
Address", one column per question title), so the rows go through the same
normalisation (automation.forms.normalise) and get the same derived ids: a
form can move from CSV exports to its linked sheet without duplicating a
response. One values:batchGet per run reads the whole tab, formatted as
people see it (timestamps in the sheet's locale, which normalise reads).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from automation.forms.normalise import responses_from_table
from automation.google.errors import GoogleCall, refusal_of
from automation.google.transport import GoogleServices
from automation.store.gsheets import quote_tab
from jobs.responses import FormResponse
from sheets_schema.errors import InputError

if TYPE_CHECKING:
    from sheets_schema.settings import Settings


class LinkedSheetSource:
    """A FormSource reading one tab of a form's linked response spreadsheet."""

    def __init__(
        self, name: str, services: GoogleServices, spreadsheet_id: str, tab: str, settings: Settings
    ) -> None:
        self.name = name
        self.services = services
        self.spreadsheet_id = spreadsheet_id
        self.tab = tab
        self.settings = settings

    @classmethod
    def from_settings(
        cls, name: str, settings: Settings, google: GoogleServices | None = None
    ) -> LinkedSheetSource:
        """The source [forms.<name>] describes (spreadsheet_id and tab)."""
        form = settings.forms[name]
        return cls(
            name,
            google or GoogleServices.from_settings(settings),
            form.spreadsheet_id,
            form.tab,
            settings,
        )

    def describe(self) -> str:
        return f"linked sheet {self.spreadsheet_id} tab {self.tab!r}"

    def responses(self, since: datetime | None = None) -> list[FormResponse]:
        """Every response in the tab, oldest first (all of them: the job de-duplicates, so `since` is not needed)."""
        rows = self._read()
        if not rows:
            return []
        responses = responses_from_table(
            self.name,
            rows[0],
            rows[1:],
            source=self.describe(),
            tz=self.settings.tz,
            day_first=self.settings.organisation.day_first,
        )
        return sorted(responses, key=lambda r: r.submitted_at)

    def _read(self) -> list[list[Any]]:
        """The tab's rows as people see them: one values:batchGet."""
        from gspread.exceptions import APIError

        http = self.services.gspread_client().http_client
        access_fix = (
            f"check [forms.{self.name}] spreadsheet_id, and share the response spreadsheet with "
            f"{self.services.service_account_email()} (Viewer is enough)"
        )
        with GoogleCall(
            "reading the response spreadsheet",
            place=self.describe(),
            access_fix=access_fix,
            kind=InputError,
        ):
            try:
                body = http.values_batch_get(
                    self.spreadsheet_id,
                    [quote_tab(self.tab)],
                    params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
                )
            except APIError as exc:
                refusal = refusal_of(exc)
                if refusal and refusal.status == 400 and refusal.says("Unable to parse range"):
                    raise InputError(
                        f"the spreadsheet has no tab {self.tab!r}",
                        place=self.describe(),
                        fix=f"set [forms.{self.name}] tab to the responses tab's name (Google calls it 'Form Responses 1')",
                    ) from None
                raise
        ranges = body.get("valueRanges", [])
        return ranges[0].get("values", []) if ranges else []
