"""Shared fixtures: settings for a small organisation, a fresh local workbook."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from automation.config import settings_from_dict
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
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, tmp_path / "chorus.toml")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 24, 8, 30, tzinfo=TZ)
