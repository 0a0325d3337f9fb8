"""Shared fixtures: settings for a small organisation, a fresh local workbook."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.config import Settings, settings_from_dict

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
