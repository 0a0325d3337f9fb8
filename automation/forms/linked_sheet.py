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
from jobs.responses import FormResponse
from sheets_schema.errors import BackendError, InputError

if TYPE_CHECKING:
    from automation.google import GoogleServices
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
        from automation.google import GoogleServices

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
        from gspread.exceptions import APIError

        from automation.store.gsheets import quote_tab

        http = self.services.gspread_client().http_client
        fix_share = (
            f"check [forms.{self.name}] spreadsheet_id, and share the response spreadsheet with "
            f"{self.services.service_account_email()} (Viewer is enough)"
        )
        try:
            body = http.values_batch_get(
                self.spreadsheet_id,
                [quote_tab(self.tab)],
                params={"valueRenderOption": "FORMATTED_VALUE", "majorDimension": "ROWS"},
            )
        except APIError as exc:
            code = getattr(exc, "code", 0)
            message = str(getattr(exc, "error", {}).get("message", exc))
            if code in (403, 404):
                raise InputError(
                    f"the response spreadsheet cannot be read ({code}: {message})",
                    place=self.describe(),
                    fix=fix_share,
                ) from None
            if code == 400 and "Unable to parse range" in message:
                raise InputError(
                    f"the spreadsheet has no tab {self.tab!r}",
                    place=self.describe(),
                    fix=f"set [forms.{self.name}] tab to the responses tab's name (Google calls it 'Form Responses 1')",
                ) from None
            raise InputError(
                f"the response spreadsheet answered {code}: {message}", place=self.describe()
            ) from None
        except BackendError as exc:
            raise InputError(exc.message, place=self.describe(), fix=exc.fix) from None
        ranges = body.get("valueRanges", [])
        return ranges[0].get("values", []) if ranges else []
