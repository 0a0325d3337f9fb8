"""Linked response sheet: the form's own spreadsheet read in one call, like its CSV export."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from automation.forms.base import FormSource
from automation.forms.linked_sheet import LinkedSheetSource
from jobs.responses import row_response_id
from sheets_schema.errors import InputError
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

HEADER = [
    "Timestamp",
    "Email address",  # older linked sheets say "Email address"; newer "Email Address"
    "Your name",
    "What kind of content is it?",
    "Headline",
    "Tell us more",
    "Link (optional)",
    "Where should it go?",
    "Preferred date (optional)",
    "May we share this publicly?",
]
ROW = [
    "24/11/2026 10:15:32",
    "ann@example.org",
    "Ann Archer",
    "Award",
    "We won",
    "Details",
    "",
    "LinkedIn, X",
    "01/12/2026",
    "Yes",
]


def source(tmp_path: Path, rows: list[list[str]], tab: str = "Form Responses 1"):  # noqa: ANN201
    twin = make_app(require_auth=True)
    sid = twin.create_spreadsheet("Submissions (Responses)", {tab: rows})
    settings = make_settings(
        tmp_path, forms={"submissions": {"kind": "linked_sheet", "spreadsheet_id": sid}}
    )
    services = google_services(twin, tmp_path)
    return twin, LinkedSheetSource.from_settings("submissions", settings, google=services)


def test_linked_sheet_rows_become_responses_in_one_call(tmp_path: Path) -> None:
    later = [
        "25/11/2026 08:00:00",
        "bob@example.org",
        "Bob",
        "Event",
        "Open day",
        "Come",
        "",
        "",
        "",
        "No",
    ]
    twin, src = source(tmp_path, [HEADER, later, ROW])
    assert isinstance(src, FormSource)
    twin.reset_calls()
    first, second = src.responses()
    assert twin.calls_by_api() == {"sheets": {"spreadsheets.values.batchGet": 1}}
    assert first.submitted_at == datetime(2026, 11, 24, 10, 15, 32, tzinfo=TZ)
    assert first.email == "ann@example.org"
    assert first.answers["suggested_channels"] == ["LinkedIn", "X"]
    assert first.answers["preferred_date"] == "2026-12-01"
    assert first.response_id == row_response_id("submissions", first.submitted_at, first.email)
    assert second.text("headline") == "Open day"


def test_an_empty_tab_has_no_responses(tmp_path: Path) -> None:
    _, src = source(tmp_path, [])
    assert src.responses() == []


def test_a_missing_tab_names_the_setting_to_fix(tmp_path: Path) -> None:
    _, src = source(tmp_path, [HEADER, ROW], tab="Responses")
    with pytest.raises(InputError) as caught:
        src.responses()
    assert "no tab 'Form Responses 1'" in str(caught.value) and "[forms.submissions] tab" in str(
        caught.value
    )


def test_an_unknown_spreadsheet_says_to_share_it(tmp_path: Path) -> None:
    twin, src = source(tmp_path, [HEADER, ROW])
    src.spreadsheet_id = "1missing"
    with pytest.raises(InputError) as caught:
        src.responses()
    assert "404" in str(caught.value) and "share the response spreadsheet" in str(caught.value)
