"""Builds a SheetsStore that talks to a fresh in-memory Google twin (no sockets)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from automation.google.apis import CALENDAR_SCOPES, SERVICE_ACCOUNT_SCOPES
from automation.google.credentials import load_credentials
from automation.google.transport import GoogleServices, RetryPolicy
from automation.store.gsheets import SheetsStore
from tests.fakes.google import make_app


def google_services(
    twin: Any,
    tmp_path: Path,
    *,
    delegated_user: str = "",
    sleeps: list[float] | None = None,
    calendar: bool = False,
) -> GoogleServices:
    """GoogleServices with a twin-made key, all traffic routed into the twin, sleeps recorded.

    `calendar` adds the Calendar scope, as a program with [cadence] calendar_id asks for it.
    """
    key_path = tmp_path / "service-account.json"
    if not key_path.exists():
        twin.make_service_account_key(key_path)
        key_path.chmod(0o600)
    creds, delegated = load_credentials(key_path, delegated_user)
    if calendar:
        creds = creds.with_scopes([*SERVICE_ACCOUNT_SCOPES, *CALENDAR_SCOPES])
    recorded = sleeps if sleeps is not None else []
    return GoogleServices(
        creds,
        delegated,
        base_session=twin.requests_session(),
        retry=RetryPolicy(sleep=recorded.append, rng=lambda: 0.5),
    )


def google_store(tmp_path: Path, twin: Any | None = None) -> SheetsStore:
    """A SheetsStore on a new spreadsheet in the twin, with every Chorus tab created."""
    twin = twin or make_app(require_auth=True)
    spreadsheet_id = twin.create_spreadsheet("Chorus test")
    store = SheetsStore(google_services(twin, tmp_path), spreadsheet_id, lock_dir=tmp_path)
    store.twin = twin  # type: ignore[attr-defined]
    store.ensure_tabs()
    return store
