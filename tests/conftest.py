"""Shared fixtures: settings for a small organisation, a workspace on an in-memory spreadsheet."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from automation.config import settings_from_dict
from automation.store.memory import MemoryStore
from automation.workspace import Workspace
from sheets_schema.records import Append, Cell, Changes
from sheets_schema.settings import Settings

# A loaded CI machine is slow, not wrong: no per-example deadline, and the same
# examples on every run (CI=1) so a failure can be reproduced.
hypothesis_settings.register_profile(
    "chorus", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
hypothesis_settings.register_profile(
    "chorus-ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,
)
hypothesis_settings.load_profile("chorus-ci" if os.environ.get("CI") else "chorus")

TZ = ZoneInfo("Europe/London")


def make_settings(tmp_path: Path, **sections: dict) -> Settings:
    """Settings for Example Org in tmp_path; keyword sections override the defaults."""
    data: dict = {
        "organisation": {
            "name": "Example Org",
            "timezone": "Europe/London",
            "email_domains": ["example.org"],
        },
        "backend": {"kind": "local", "workbook": "workbook.xlsx"},
        "mail": {"transport": "outbox", "outbox": "outbox", "sender": "social@example.org"},
        # The receiving server whose Authentication-Results ingest-inbox believes.
        "inbox": {"authserv_id": "mx.example.org"},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, tmp_path / "chorus.toml")


def memory_workspace(
    settings: Settings, rows: Mapping[str, Iterable[Mapping[str, Cell]]] | None = None
) -> Workspace:
    """A workspace on a MemoryStore with every tab (and `rows` by tab): for runs no file is under test.

    Mail, forms and the guide still use the folders the settings name.
    """
    store = MemoryStore()
    store.ensure_tabs()
    appends = tuple(Append(tab, row) for tab, tab_rows in (rows or {}).items() for row in tab_rows)
    if appends:
        store.apply(Changes(appends=appends))
    return Workspace(settings=settings, store=store)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 24, 8, 30, tzinfo=TZ)
