"""`chorus init --backend google`: spreadsheet, tabs, forms and sharing, recorded in chorus.toml."""

from __future__ import annotations

from pathlib import Path

from automation.config import load_settings
from automation.config_edit import set_toml_values
from automation.google.setup import init_google, question_item
from automation.setup import CONFIG_TEMPLATE
from sheets_schema.about import HEADER_ROW, HEADERS
from sheets_schema.columns import Kind
from sheets_schema.forms import FORMS, Question
from sheets_schema.tabs import TAB_ORDER, TABS
from tests.fakes.google import make_app
from tests.google_store_factory import google_services

DELEGATED = "social@example.org"


def write_config(tmp_path: Path) -> Path:
    """The config `chorus init` writes, pointed at a key file and a delegated user."""
    text = CONFIG_TEMPLATE.format(
        name="Example Org",
        timezone="Europe/London",
        domains='"example.org"',
        first_domain="example.org",
        backend="local",
    )
    text = set_toml_values(
        text,
        {
            ("backend", "credentials"): "service-account.json",
            ("backend", "delegated_user"): DELEGATED,
        },
    )
    path = tmp_path / "chorus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_questions_become_form_items_with_choices_checkboxes_dates_and_required() -> None:
    choice = Question(
        "Permission?", "permission", Kind.CHOICE, required=True, choices=("Yes", "No")
    )
    boxes = Question("Where?", "channels", Kind.MULTI_CHOICE, choices=("LinkedIn", "X"))
    assert question_item(choice) == {
        "title": "Permission?",
        "questionItem": {
            "question": {
                "required": True,
                "choiceQuestion": {"type": "RADIO", "options": [{"value": "Yes"}, {"value": "No"}]},
            }
        },
    }
    assert question_item(boxes)["questionItem"]["question"]["choiceQuestion"]["type"] == "CHECKBOX"
    date = question_item(Question("When?", "day", Kind.DATE))
    assert date["questionItem"]["question"] == {
        "required": False,
        "dateQuestion": {"includeYear": True},
    }


def test_init_builds_the_spreadsheet_and_forms_and_records_them(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    lines = init_google(load_settings(config), services)

    settings = load_settings(config)
    assert settings.backend.kind == "google" and settings.backend.spreadsheet_id
    sid = settings.backend.spreadsheet_id
    book = twin.store.book(sid)
    assert [s.title for s in book.sheets] == ["About", *TAB_ORDER]  # Google's empty Sheet1 removed
    assert twin.sheet_values(sid, "Queue!1:1") == [list(TABS["Queue"].headers)]
    # the About tab is a table in columns, as in the workbook; Chorus's memory tab is hidden
    header = twin.sheet_values(sid, f"About!{HEADER_ROW}:{HEADER_ROW}")
    assert header == [list(HEADERS)]
    queue_row = HEADER_ROW + 1 + TAB_ORDER.index("Queue")
    assert twin.sheet_values(sid, f"About!A{queue_row}:C{queue_row}") == [
        ["Queue", TABS["Queue"].help, "ID"]
    ]
    assert [s.title for s in book.sheets if s.props.get("hidden")] == ["State"]
    owners = {f["id"]: f["owners"] for f in twin.files_listing()}
    assert owners[sid] == [DELEGATED]  # the delegated user owns it: Google refuses a robot owner

    for name, form in FORMS.items():
        fs = settings.forms[name]
        assert fs.kind == "forms_api" and fs.url.startswith("https://")
        made = twin.forms.forms[fs.form_id]
        assert owners[fs.form_id] == [DELEGATED]
        assert made["info"]["title"] == form.title
        assert made["settings"]["emailCollectionType"] == "VERIFIED"
        items = made["items"]
        assert [i["title"] for i in items] == [q.title for q in form.questions]
        assert [i["questionItem"]["question"]["required"] for i in items] == [
            q.required for q in form.questions
        ]
    sub = twin.forms.forms[settings.forms["submissions"].form_id]["items"]
    channels = next(i for i in sub if i["title"] == "Where should it go?")["questionItem"][
        "question"
    ]
    assert channels["choiceQuestion"]["type"] == "CHECKBOX"

    text = config.read_text(encoding="utf-8")
    assert "# Every key is explained" in text and "# working_days" in text  # comments kept
    assert any(line.startswith("created the spreadsheet") for line in lines)
    forms_calls = twin.calls_by_api()["forms"]
    assert forms_calls["forms.create"] == len(FORMS) and forms_calls["forms.batchUpdate"] == len(
        FORMS
    )


def test_init_again_completes_rather_than_duplicates(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    init_google(load_settings(config), services)
    first = load_settings(config)
    twin.reset_calls()
    lines = init_google(first, services)
    second = load_settings(config)
    assert second.backend.spreadsheet_id == first.backend.spreadsheet_id
    assert {n: f.form_id for n, f in second.forms.items()} == {
        n: f.form_id for n, f in first.forms.items()
    }
    assert "forms.create" not in twin.calls_by_api().get("forms", {})
    assert any("already has every tab" in line for line in lines)
    assert len(twin.store.books) == 1
