"""chorus.toml: every error names the key and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.config import load_settings
from sheets_schema.errors import ConfigError

GOOD = """
[organisation]
name = "Example Org"
timezone = "America/New_York"
email_domains = ["example.org", "@Example.com"]

[backend]
kind = "local"
workbook = "data/workbook.xlsx"

[forms.submissions]
kind = "csv"
path = "forms/submissions.csv"

[alerts]
feeds = ["alerts/a.xml", { name = "News", url = "https://example.org/news.rss", use = "content", source_kind = "Organisation" }]

[mail]
transport = "outbox"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chorus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_paths_relative_to_it(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.organisation.email_domains == ("example.org", "example.com")
    assert settings.backend.workbook == tmp_path / "data" / "workbook.xlsx"
    assert settings.forms["submissions"].path == tmp_path / "forms" / "submissions.csv"
    assert settings.alerts.feeds[0].url == str(tmp_path / "alerts" / "a.xml")
    assert (
        settings.alerts.feeds[1].use == "content"
        and settings.alerts.feeds[1].source_kind == "Organisation"
    )
    assert settings.mail.outbox == tmp_path / "outbox"
    assert settings.mail.sender == "chorus@example.org"
    assert settings.tz.key == "America/New_York"
    assert settings.schedule["brief"] == "working days at 08:30"
    assert settings.allows_recipient("ann@EXAMPLE.com") and not settings.allows_recipient(
        "ann@gmail.com"
    )


@pytest.mark.parametrize(
    "replace, expected",
    [
        (('timezone = "America/New_York"', 'timezone = "Mars/Olympus"'), "organisation.timezone"),
        (('kind = "local"', 'kind = "dropbox"'), "backend.kind"),
        (
            ('email_domains = ["example.org", "@Example.com"]', "email_domains = []"),
            "organisation.email_domains",
        ),
        (('transport = "outbox"', 'transport = "pigeon"'), "mail.transport"),
        (('transport = "outbox"', 'transport = "smtp"'), "mail.smtp_host"),
        (("[mail]", "[mial]"), "[mial]"),
        (('kind = "csv"', 'kind = "csv"\ncolour = "red"'), "forms.submissions.colour"),
        (('name = "Example Org"', "name = 42"), "organisation.name"),
    ],
)
def test_each_error_names_the_key(tmp_path: Path, replace: tuple[str, str], expected: str) -> None:
    path = write(tmp_path, GOOD.replace(*replace))
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert expected in str(err.value)
    assert str(path) in str(err.value) or expected.startswith("[")


def test_allowed_values_are_listed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'local', 'google'"):
        load_settings(write(tmp_path, GOOD.replace('kind = "local"', 'kind = "dropbox"')))


def test_malformed_toml_names_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML.*line"):
        load_settings(write(tmp_path, GOOD + "\n[broken\n"))


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="chorus init"):
        load_settings(tmp_path / "nope.toml")


def test_google_backend_needs_a_spreadsheet_id_before_it_is_used(tmp_path: Path) -> None:
    from automation.workspace import build_store

    # Loading is fine (`chorus init --backend google` fills the id in); using it is not.
    settings = load_settings(write(tmp_path, GOOD.replace('kind = "local"', 'kind = "google"')))
    with pytest.raises(ConfigError, match="backend.spreadsheet_id.*chorus init --backend google"):
        build_store(settings)
