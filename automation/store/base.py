"""The spreadsheet port: what every backend (local .xlsx, Google Sheets, memory) offers.

A job reads the tabs it needs once (`Store.read`) and writes its changes once
(`Store.apply`); the records both speak are in `sheets_schema.records`. The
protocol holds everything the runner, the workspace and the scheduler ask of
a store, so none of them probes a backend for what it might have.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from sheets_schema.records import ApplyResult, Changes, Snapshot


@runtime_checkable
class Store(Protocol):
    """A spreadsheet Chorus reads once and writes once per run."""

    @property
    def calls(self) -> int:
        """Backend calls made so far (API requests for Google, file reads and writes locally)."""
        ...

    @property
    def counts_google_calls(self) -> bool:
        """True when `calls` already counts every call made through the run's Google services.

        The Sheets store sends through the same services as the form sources and
        Gmail, so the workspace must not add those calls a second time.
        """
        ...

    def read(self, tabs: Iterable[str]) -> Snapshot:
        """Read the named tabs in one call. A missing tab is a SheetError naming it."""
        ...

    def apply(self, changes: Changes) -> ApplyResult:
        """Apply appends, keyed updates and deletes in one write."""
        ...

    def write_cost(self, changes: Changes) -> int:
        """The backend calls `apply(changes)` will make (retries aside), known before it runs.

        The runner writes a job's Runs row in the same write as its changes, so
        the row's API Calls must include the write that carries it.
        """
        ...

    def ensure_tabs(self, tabs: Iterable[str] | None = None) -> list[str]:
        """Create missing tabs and header columns from the schema; returns what was created."""
        ...

    def lock(self, name: str = "run") -> AbstractContextManager[None]:
        """An exclusive lock across processes (runs, the scheduler)."""
        ...

    def try_lock(self, name: str) -> AbstractContextManager[None]:
        """The same lock, failing at once with a BackendError when someone else holds it."""
        ...

    def describe(self) -> str:
        """Where the spreadsheet lives, for people (a path or a URL)."""
        ...
