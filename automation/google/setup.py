"""`chorus init --backend google`: the spreadsheet, its tabs and the three forms, written into chorus.toml.

Each step is recorded in chorus.toml as soon as it is done, so running init
again after a failure carries on instead of creating a second spreadsheet or
form: a configured spreadsheet gets its missing tabs and columns, a form
already read through the Forms API is left alone (`chorus doctor` compares
its questions with the schema and checks it is published).

Every file is owned by a person or a shared drive (automation.google.files):
before creating anything init checks that Google would allow it, and stops
with the three ways to fix it when not.

Calls: one spreadsheets.create (or, in a shared drive, a Drive files.create
and a batchUpdate for the time zone), one spreadsheets.get + values:batchGet
+ batchUpdate (SheetsStore.ensure_tabs), one batchUpdate removing Google's
empty "Sheet1"; per form forms.create (or Drive files.create), one
forms.batchUpdate (title, description, email collection and every
question), forms.setPublishSettings (Google makes API forms unpublished) and
one Drive permissions.create per email domain granting its people the right
to respond (a permission with view "published").
"""

from __future__ import annotations

from typing import Any

from automation.config_edit import update_config
from automation.google.errors import GoogleCall, UncertainWrite
from automation.google.files import (
    FORM,
    OWNER_WAYS,
    SPREADSHEET,
    create_in_shared_drive,
    grant,
    require_owner,
)
from automation.google.transport import GoogleServices
from automation.store.gsheets import SheetsStore
from sheets_schema.columns import Kind
from sheets_schema.errors import BackendError
from sheets_schema.forms import FORMS, Form, Question
from sheets_schema.settings import Settings

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
#: questions answered in a paragraph box rather than one line
PARAGRAPH_FIELDS = {"details", "text"}
#: a create whose answer was lost: running init again carries on from chorus.toml
RERUN_INIT = "run `chorus init --backend google` again"


def init_google(settings: Settings, google: GoogleServices | None = None) -> list[str]:
    """Create (or complete) the Google spreadsheet and forms; returns what was done, for people."""
    services = google or GoogleServices.from_settings(settings)
    lines: list[str] = []
    spreadsheet_id = settings.backend.spreadsheet_id
    to_make = [name for name in FORMS if not _form_done(settings, name)]
    if not spreadsheet_id or to_make:
        what = "the spreadsheet" if not spreadsheet_id else f"the {', '.join(to_make)} form(s)"
        require_owner(services, settings, what)
    if not spreadsheet_id:
        spreadsheet_id = create_spreadsheet(
            services, f"{settings.organisation.name}: social media program", settings
        )
        update_config(settings.path, {("backend", "spreadsheet_id"): spreadsheet_id})
        lines.append(
            f"created the spreadsheet https://docs.google.com/spreadsheets/d/{spreadsheet_id} "
            f"as {_owner(services, settings)}"
        )
    store = SheetsStore(services, spreadsheet_id, lock_dir=settings.base_dir)
    created = store.ensure_tabs()
    if created:
        lines.append(f"created in {store.describe()}: {', '.join(created)}")
        if lines[0].startswith("created the spreadsheet"):
            _drop_default_sheet(services, spreadsheet_id)
    else:
        lines.append(f"{store.describe()} already has every tab and column")
    update_config(settings.path, {("backend", "kind"): "google"})

    for name, form in FORMS.items():
        if name not in to_make:
            form_id = settings.forms[name].form_id
            lines.append(f"the {name} form is already set up ({form_id}); not changed")
            continue
        form_id, url, notes = create_form(services, form, settings)
        update_config(
            settings.path,
            {
                (f"forms.{name}", "kind"): "forms_api",
                (f"forms.{name}", "form_id"): form_id,
                (f"forms.{name}", "url"): url,
            },
        )
        lines.append(f"created the {name} form: {url}")
        lines += notes
    lines.append(f"wrote the ids into {settings.path}; check everything with `chorus doctor`")
    return lines


def _form_done(settings: Settings, name: str) -> bool:
    configured = settings.forms.get(name)
    return configured is not None and configured.kind == "forms_api" and bool(configured.form_id)


def _owner(services: GoogleServices, settings: Settings) -> str:
    """Who owns what init creates, for people."""
    if settings.backend.shared_drive_id:
        return (
            f"{services.service_account_email()} in shared drive {settings.backend.shared_drive_id}"
        )
    return services.service_account_email()


def create_spreadsheet(services: GoogleServices, title: str, settings: Settings) -> str:
    """A new spreadsheet in the organisation's time zone (so form timestamps read right)."""
    if settings.backend.shared_drive_id:
        spreadsheet_id = create_in_shared_drive(
            services, settings, title, SPREADSHEET, "creating the spreadsheet"
        )
        zone = {"properties": {"timeZone": settings.organisation.timezone}, "fields": "timeZone"}
        services.send(
            "POST",
            f"{SHEETS_API}/{spreadsheet_id}:batchUpdate",
            json={"requests": [{"updateSpreadsheetProperties": zone}]},
            idempotent=True,  # setting the same time zone twice is harmless
        )
        return spreadsheet_id
    body = {"properties": {"title": title, "timeZone": settings.organisation.timezone}}
    try:
        response = services.send("POST", SHEETS_API, json=body)
    except UncertainWrite as exc:
        raise BackendError(
            f"creating the spreadsheet lost its answer ({exc.message})",
            fix=f"look in {services.service_account_email()}'s Drive (or run `chorus init --backend "
            "google` again and delete the extra spreadsheet); nothing was written to chorus.toml",
        ) from None
    if not response.ok:
        raise GoogleCall(
            "creating the spreadsheet",
            access_fix="enable the Google Sheets API in the project and check the key's scopes",
            fixes={403: OWNER_WAYS},
        ).error(response)
    return str(response.json()["spreadsheetId"])


def _drop_default_sheet(services: GoogleServices, spreadsheet_id: str) -> None:
    """Remove the empty 'Sheet1' Google adds to every new spreadsheet."""
    meta = services.send(
        "GET", f"{SHEETS_API}/{spreadsheet_id}", params={"fields": "sheets.properties"}
    )
    if not meta.ok:
        return
    for sheet in meta.json().get("sheets", []):
        props = sheet["properties"]
        if props.get("title") == "Sheet1":
            services.send(
                "POST",
                f"{SHEETS_API}/{spreadsheet_id}:batchUpdate",
                json={"requests": [{"deleteSheet": {"sheetId": props["sheetId"]}}]},
                idempotent=True,  # deleting the same sheet id twice fails harmlessly
            )


def create_form(
    services: GoogleServices, form: Form, settings: Settings
) -> tuple[str, str, list[str]]:
    """Create one form from the schema, published to the organisation: its id, link and notes."""
    api = services.discovery("forms", "v1").forms()
    fix = "enable the Google Forms API in the project"
    if settings.backend.shared_drive_id:
        form_id = create_in_shared_drive(
            services, settings, form.title, FORM, f"creating the {form.name} form"
        )
    else:
        created = _execute(
            api.create(body={"info": {"title": form.title, "documentTitle": form.title}}),
            f"creating the {form.name} form",
            fix,
            {403: OWNER_WAYS},
        )
        form_id = str(created["formId"])
    requests: list[dict[str, Any]] = [
        {
            "updateFormInfo": {
                "info": {"title": form.title, "description": form.description},
                "updateMask": "title,description",
            }
        }
    ]
    if form.collects_email:
        requests.append(
            {
                "updateSettings": {
                    "settings": {"emailCollectionType": "VERIFIED"},
                    "updateMask": "emailCollectionType",
                }
            }
        )
    requests += [
        {"createItem": {"item": question_item(q), "location": {"index": i}}}
        for i, q in enumerate(form.questions)
    ]
    answer = _execute(
        api.batchUpdate(formId=form_id, body={"requests": requests, "includeFormInResponse": True}),
        f"adding the {form.name} form's questions",
        fix,
    )
    notes = publish_form(services, form.name, form_id, settings.organisation.email_domains)
    responder = (answer.get("form") or {}).get("responderUri")
    url = str(responder or f"https://docs.google.com/forms/d/{form_id}/viewform")
    return form_id, url, notes


def publish_form(
    services: GoogleServices, name: str, form_id: str, domains: tuple[str, ...]
) -> list[str]:
    """Publish the form and let each email domain's people respond; what fails is a click to make."""
    api = services.discovery("forms", "v1").forms()
    edit = f"https://docs.google.com/forms/d/{form_id}/edit"
    notes: list[str] = []
    state = {"publishState": {"isPublished": True, "isAcceptingResponses": True}}
    try:
        _execute(
            api.setPublishSettings(formId=form_id, body={"publishSettings": state}),
            f"publishing the {name} form",
            "enable the Google Forms API in the project",
        )
    except BackendError as exc:
        notes.append(f"could not publish the {name} form ({exc.message}): {publish_click(edit)}")
    for domain in domains:
        try:
            grant(
                services,
                form_id,
                {"type": "domain", "domain": domain, "role": "reader", "view": "published"},
                f"letting {domain} respond to the {name} form",
                "enable the Google Drive API in the project",
            )
        except BackendError as exc:
            notes.append(
                f"could not let {domain} respond to the {name} form ({exc.message}): "
                f"{responders_click(edit, domain)}"
            )
    return notes


def publish_click(edit_url: str) -> str:
    """The click a person makes when the API could not publish a form."""
    return f'open {edit_url} and click "Publish" (top right), then "Publish" in the dialog'


def responders_click(edit_url: str, domain: str) -> str:
    """The clicks a person makes when the API could not grant a domain the right to respond."""
    return (
        f'open {edit_url}, click "Published" (top right), then "Manage" under Responders, '
        f'choose "Anyone in {domain} with the link" and click "Done"'
    )


def question_item(question: Question) -> dict[str, Any]:
    """A Forms API item for one schema question (choices, checkboxes, dates, required)."""
    body: dict[str, Any] = {"required": question.required}
    if question.kind in (Kind.CHOICE, Kind.YES_NO, Kind.MULTI_CHOICE):
        choices = question.choices or (("Yes", "No") if question.kind is Kind.YES_NO else ())
        body["choiceQuestion"] = {
            "type": "CHECKBOX" if question.kind is Kind.MULTI_CHOICE else "RADIO",
            "options": [{"value": c} for c in choices],
        }
    elif question.kind is Kind.DATE:
        body["dateQuestion"] = {"includeYear": True}
    else:
        body["textQuestion"] = {"paragraph": question.field in PARAGRAPH_FIELDS}
    item: dict[str, Any] = {"title": question.title, "questionItem": {"question": body}}
    if question.help:
        item["description"] = question.help
    return item


def _execute(
    request: Any, doing: str, access_fix: str, fixes: dict[int, str] | None = None
) -> dict[str, Any]:
    """One googleapiclient request; Google's refusal becomes a BackendError with the fix."""
    with GoogleCall(doing, access_fix=access_fix, uncertain_fix=RERUN_INIT, fixes=fixes or {}):
        answer: dict[str, Any] = request.execute() or {}
    return answer
