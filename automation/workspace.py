"""The composition root: builds the store, form sources, feeds and mailer from Settings.

The CLI, the scheduler and the tests all build their parts here; nothing
reads config or opens a connection at import time. `google` carries how to
reach Google (real credentials, or a test twin's session) and is only used
when the settings ask for a Google backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

if TYPE_CHECKING:
    from automation.forms.base import FormSource
    from automation.mail.base import Mailer
    from automation.store.base import Store


@dataclass
class Workspace:
    """Everything one run of Chorus talks to, built once from the settings."""

    settings: Settings
    store: Store
    google: Any = None
    _mailer: Any = field(default=None, repr=False)
    _forms: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def mailer(self) -> Mailer:
        if self._mailer is None:
            from automation.mail import build_mailer

            self._mailer = build_mailer(self.settings, google=self.google)
        return self._mailer

    def form_source(self, name: str) -> FormSource | None:
        """The configured source of one form's responses, or None when not configured."""
        if name not in self.settings.forms:
            return None
        if name not in self._forms:
            from automation.forms import build_form_source

            self._forms[name] = build_form_source(name, self.settings, google=self.google)
        return self._forms[name]

    def api_calls(self) -> int:
        """Backend calls so far: the store's, plus Google's when a twin or client counts them."""
        if getattr(self.store, "counts_google_calls", False):
            return int(self.store.calls)  # the Google store counts every Google call of the run
        calls = int(getattr(self.store, "calls", 0))
        if self.google is not None and hasattr(self.google, "total_calls"):
            calls += self.google.total_calls()
        return calls


def build_store(settings: Settings, google: Any = None) -> Store:
    """The spreadsheet backend the settings name."""
    if settings.backend.kind == "local":
        from automation.store.xlsx import XlsxStore

        assert settings.backend.workbook is not None
        return XlsxStore(settings.backend.workbook)
    if settings.backend.kind == "google":
        if not settings.backend.spreadsheet_id:
            raise ConfigError(
                'is required when kind = "google"',
                place=f"{settings.path}: backend.spreadsheet_id",
                fix="run `chorus init --backend google` to create the spreadsheet, or paste its id",
            )
        try:
            from automation.store.gsheets import SheetsStore
        except ModuleNotFoundError as exc:  # pragma: no cover - until the Google backend lands
            raise ConfigError(
                "the Google backend is not available in this installation",
                place=f"{settings.path}: backend.kind",
                fix='use kind = "local"',
            ) from exc
        return SheetsStore.from_settings(settings, google=google)
    raise ConfigError(
        f"unknown backend {settings.backend.kind!r}",
        place=f"{settings.path}: backend.kind",
        fix='use "local" or "google"',
    )


def build_workspace(settings: Settings, *, google: Any = None) -> Workspace:
    """The one place that turns settings into live parts."""
    if google is None and settings.backend.kind == "google":
        try:
            from automation.google import GoogleServices
        except ModuleNotFoundError:  # pragma: no cover - until the Google backend lands
            GoogleServices = None  # type: ignore[assignment,misc]  # noqa: N806
        if GoogleServices is not None:
            google = GoogleServices.from_settings(settings)
    return Workspace(settings=settings, store=build_store(settings, google), google=google)
