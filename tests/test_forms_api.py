"""Forms API source: real response ids, edits as later submissions, only what is new since the tab."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from automation.forms.base import FormSource
from automation.forms.forms_api import FormsApiSource, recorded_mark
from automation.google.setup import create_form
from automation.store.xlsx import XlsxStore
from sheets_schema.errors import InputError
from sheets_schema.forms import FORMS
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ANSWERS = {
    "Your name": "Ann Archer",
    "What kind of content is it?": "Award",
    "Headline": "We won the Green Award",
    "Tell us more": "Judges praised the river clean-up.",
    "Where should it go?": ["linkedin", "X"],
    "Preferred date (optional)": "2026-12-01",
    "May we share this publicly?": "Yes",
}


def setup(tmp_path: Path, name: str = "submissions"):  # noqa: ANN201
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    settings = make_settings(tmp_path)
    form_id, _, _ = create_form(services, FORMS[name], settings)
    settings = make_settings(tmp_path, forms={name: {"kind": "forms_api", "form_id": form_id}})
    return twin, services, settings, form_id


def test_responses_carry_googles_ids_times_emails_and_schema_fields(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    rid = twin.forms_add_response(form_id, ANSWERS, email="Ann@Example.org", submitted_at=AT)
    source = FormsApiSource("submissions", services, form_id, settings)
    assert isinstance(source, FormSource)
    [r] = source.responses()
    assert r.response_id == rid
    assert r.submitted_at == AT and r.submitted_at.tzinfo == TZ
    assert r.email == "ann@example.org"
    assert r.answers == {
        "name": "Ann Archer",
        "content_type": "Award",
        "headline": "We won the Green Award",
        "details": "Judges praised the river clean-up.",
        "link": "",
        "suggested_channels": ["LinkedIn", "X"],  # canonical spelling, one item per ticked box
        "preferred_date": "2026-12-01",
        "permission": "Yes",
    }
    assert r.edit_key == "submissions|ann@example.org|we won the green award"
    assert r.place == f"Google Form {form_id} response {rid}"


def test_only_responses_after_the_mark_are_fetched_across_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    for i in range(7):
        twin.forms_add_response(
            form_id,
            {**ANSWERS, "Headline": f"Item {i}"},
            email="ann@example.org",
            submitted_at=AT + timedelta(hours=2 * i),
        )
    monkeypatch.setattr("automation.forms.forms_api.PAGE_SIZE", 2)
    source = FormsApiSource(
        "submissions", services, form_id, settings, mark=lambda: AT + timedelta(hours=6)
    )
    twin.reset_calls()
    got = source.responses()
    # the mark less an hour's margin: everything after AT + 5h, i.e. items 3 to 6
    assert [r.text("headline") for r in got] == ["Item 3", "Item 4", "Item 5", "Item 6"]
    assert twin.calls_by_api()["forms"] == {"forms.get": 1, "forms.responses.list": 2}


def test_the_mark_is_the_newest_time_already_in_the_forms_tab(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs(["Submissions"])
    assert recorded_mark("submissions", store, settings) is None
    store.apply(
        Changes(
            appends=(
                Append("Submissions", {"response_id": "a", "submitted_at": "2026-11-24 09:00:05"}),
                Append("Submissions", {"response_id": "b", "submitted_at": "2026-11-24 11:30:00"}),
                Append("Submissions", {"response_id": "c", "submitted_at": "not a time"}),
            )
        )
    )
    assert recorded_mark("submissions", store, settings) == datetime(
        2026, 11, 24, 11, 30, tzinfo=TZ
    )
    twin.forms_add_response(
        form_id, {**ANSWERS, "Headline": "Old"}, email="ann@example.org", submitted_at=AT
    )
    twin.forms_add_response(
        form_id,
        {**ANSWERS, "Headline": "New"},
        email="ann@example.org",
        submitted_at=AT + timedelta(hours=3),
    )
    source = FormsApiSource.from_settings("submissions", settings, store, google=services)
    assert [r.text("headline") for r in source.responses()] == ["New"]


def test_an_edited_response_keeps_its_id_and_shows_the_later_time(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    rid = twin.forms_add_response(form_id, ANSWERS, email="ann@example.org", submitted_at=AT)
    # Google keeps the responseId and moves lastSubmittedTime when a respondent edits.
    stored = twin.forms.responses[form_id][0]
    stored["lastSubmittedTime"] = "2026-11-24T15:00:00.000000Z"
    stored["answers"][next(iter(stored["answers"]))]["textAnswers"]["answers"][0]["value"] = (
        "Ann A. Archer"
    )
    [r] = FormsApiSource("submissions", services, form_id, settings, mark=lambda: AT).responses()
    assert r.response_id == rid and r.submitted_at == datetime(2026, 11, 24, 15, tzinfo=UTC)
    assert r.text("name") == "Ann A. Archer"


def test_a_renamed_required_question_is_an_input_error_naming_it(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    twin.forms.forms[form_id]["items"][2]["title"] = "Title"  # was "Headline"
    with pytest.raises(InputError) as caught:
        FormsApiSource("submissions", services, form_id, settings).responses()
    assert "'Headline'" in str(caught.value) and form_id in str(caught.value)


def test_a_form_that_does_not_collect_emails_says_how_to_turn_it_on(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path)
    twin.forms.forms[form_id]["settings"]["emailCollectionType"] = "DO_NOT_COLLECT"
    with pytest.raises(InputError) as caught:
        FormsApiSource("submissions", services, form_id, settings).responses()
    assert "Collect email addresses" in str(caught.value)


def test_an_unknown_form_says_to_share_it_with_the_user_chorus_acts_as(tmp_path: Path) -> None:
    _, services, settings, _ = setup(tmp_path)
    with pytest.raises(InputError) as caught:
        FormsApiSource("submissions", services, "1nope", settings).responses()
    assert "404" in str(caught.value)
    assert "share the form with social@example.org" in str(caught.value)


def test_acknowledgements_read_through_the_api(tmp_path: Path) -> None:
    twin, services, settings, form_id = setup(tmp_path, "acknowledgements")
    title = FORMS["acknowledgements"].questions[0].title
    twin.forms_add_response(
        form_id, {title: "I agree", "Policy version": "3"}, email="bob@example.org", submitted_at=AT
    )
    [r] = FormsApiSource("acknowledgements", services, form_id, settings).responses()
    assert r.answers == {"agree": "I agree", "policy_version": "3"} and r.edit_key == ""
