"""`chorus init --backend google`: the spreadsheet, its tabs and the three forms, written into chorus.toml.

Each step is recorded in chorus.toml as soon as it is done, so running init
again after a failure carries on instead of creating a second spreadsheet or
form: a configured spreadsheet gets its missing tabs and columns, a form
already read through the Forms API is left alone (`chorus doctor` compares
its questions with the schema).

Calls: one spreadsheets.create, one spreadsheets.get + values:batchGet +
batchUpdate (SheetsStore.ensure_tabs), one batchUpdate removing Google's
empty "Sheet1", one Drive permissions.create when delegated_user is set, and
per form forms.create, one forms.batchUpdate (description, email collection
and every question) and forms.setPublishSettings.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from automation.google import GoogleServices, UncertainWrite
from sheets_schema.columns import Kind
from sheets_schema.errors import BackendError, ConfigError
from sheets_schema.forms import FORMS, Form, Question
from sheets_schema.settings import Settings

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
#: questions answered in a paragraph box rather than one line
PARAGRAPH_FIELDS = {"details", "text"}

TomlValue = str | bool | int


def init_google(settings: Settings, google: GoogleServices | None = None) -> list[str]:
    """Create (or complete) the Google spreadsheet and forms; returns what was done, for people."""
    from automation.store.gsheets import SheetsStore

    services = google or GoogleServices.from_settings(settings)
    lines: list[str] = []
    spreadsheet_id = settings.backend.spreadsheet_id
    if not spreadsheet_id:
        spreadsheet_id = create_spreadsheet(
            services, f"{settings.organisation.name}: social media program", settings
        )
        update_config(settings.path, {("backend", "spreadsheet_id"): spreadsheet_id})
        lines.append(
            f"created the spreadsheet https://docs.google.com/spreadsheets/d/{spreadsheet_id}"
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
    if settings.backend.delegated_user:
        share(services, spreadsheet_id, settings.backend.delegated_user)
        lines.append(f"shared the spreadsheet with {settings.backend.delegated_user} (editor)")

    for name, form in FORMS.items():
        configured = settings.forms.get(name)
        if configured is not None and configured.kind == "forms_api" and configured.form_id:
            lines.append(f"the {name} form is already set up ({configured.form_id}); not changed")
            continue
        form_id, url, notes = create_form(services, form)
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


def create_spreadsheet(services: GoogleServices, title: str, settings: Settings) -> str:
    """A new spreadsheet in the organisation's time zone (so form timestamps read right)."""
    body = {"properties": {"title": title, "timeZone": settings.organisation.timezone}}
    try:
        response = services.send("POST", SHEETS_API, json=body)
    except UncertainWrite as exc:
        raise BackendError(
            f"creating the spreadsheet lost its answer ({exc.message})",
            fix="look in the service account's Drive (or run `chorus init --backend google` again "
            "and delete the extra spreadsheet); nothing was written to chorus.toml",
        ) from None
    if not response.ok:
        raise BackendError(
            f"Google refused to create the spreadsheet ({response.status_code}: {_message(response)})",
            fix="enable the Google Sheets API in the project and check the key's scopes",
        )
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


def share(services: GoogleServices, file_id: str, email: str, role: str = "writer") -> None:
    """Give `email` access to a Drive file (no notification email)."""
    drive = services.discovery("drive", "v3")
    _execute(
        drive.permissions().create(
            fileId=file_id,
            body={"type": "user", "role": role, "emailAddress": email},
            sendNotificationEmail=False,
        ),
        f"sharing {file_id} with {email}",
        "enable the Google Drive API in the project",
    )


def create_form(services: GoogleServices, form: Form) -> tuple[str, str, list[str]]:
    """Create one form from the schema: its id, its public link, and notes for people."""
    api = services.discovery("forms", "v1").forms()
    fix = "enable the Google Forms API in the project"
    created = _execute(
        api.create(body={"info": {"title": form.title, "documentTitle": form.title}}),
        f"creating the {form.name} form",
        fix,
    )
    form_id = str(created["formId"])
    requests: list[dict[str, Any]] = [
        {"updateFormInfo": {"info": {"description": form.description}, "updateMask": "description"}}
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
    _execute(
        api.batchUpdate(formId=form_id, body={"requests": requests}),
        f"adding the {form.name} form's questions",
        fix,
    )
    notes: list[str] = []
    try:
        _execute(
            api.setPublishSettings(
                formId=form_id,
                body={
                    "publishSettings": {
                        "publishState": {"isPublished": True, "isAcceptingResponses": True}
                    }
                },
            ),
            f"publishing the {form.name} form",
            fix,
        )
    except BackendError as exc:
        # Forms made through the API may start unpublished; a person can publish it in one click.
        notes.append(
            f"could not publish the {form.name} form ({exc.message}): open it and click Publish"
        )
    url = str(created.get("responderUri") or f"https://docs.google.com/forms/d/{form_id}/viewform")
    return form_id, url, notes


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


def _execute(request: Any, doing: str, fix: str) -> dict[str, Any]:
    from googleapiclient.errors import HttpError

    try:
        return request.execute() or {}
    except HttpError as exc:
        status = int(getattr(exc.resp, "status", 0) or 0)
        raise BackendError(f"{doing}: Google answered {status} ({_first(exc)})", fix=fix) from None
    except UncertainWrite as exc:
        raise BackendError(
            f"{doing}: {exc.message}", fix="run `chorus init --backend google` again"
        ) from None


def _message(response: Any) -> str:
    try:
        return str(response.json()["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def _first(exc: Any) -> str:
    reason = getattr(exc, "reason", "") or str(exc)
    return str(reason).splitlines()[0][:200]


# -- chorus.toml, edited as text ---------------------------------------------------
_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-]+)\s*\]\s*(?:#.*)?$")
_VALUE = r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^\s#]+'


def toml_value(value: TomlValue) -> str:
    """A TOML literal for a string, boolean or integer."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def set_toml_values(text: str, values: Mapping[tuple[str, str], TomlValue]) -> str:
    """Set `[table] key = value` in TOML text, keeping every comment and the layout.

    An existing `key = ...` line gets the new value (its trailing comment kept);
    a commented-out `# key = ...` line is switched on; otherwise the key is added
    after the table's last setting, or a new table is added at the end. The
    result is parsed back and checked; a file this cannot edit safely (dotted
    keys, inline tables) raises ConfigError asking for the edit by hand.
    """
    lines = text.splitlines()
    for (table, key), value in values.items():
        lines = _set_one(lines, table, key, toml_value(value))
    result = "\n".join(lines) + "\n"
    try:
        data = tomllib.loads(result)
    except tomllib.TOMLDecodeError as exc:
        raise _hand_edit(values, f"the edited file would not be valid TOML ({exc})") from None
    for (table, key), value in values.items():
        node: Any = data
        for part in table.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if not isinstance(node, dict) or node.get(key) != value:
            raise _hand_edit(values, f"[{table}] {key} could not be set safely")
    return result


def _hand_edit(values: Mapping[tuple[str, str], TomlValue], why: str) -> ConfigError:
    wanted = "; ".join(f"[{t}] {k} = {toml_value(v)}" for (t, k), v in values.items())
    return ConfigError(why, place="chorus.toml", fix=f"set these by hand: {wanted}")


def _set_one(lines: list[str], table: str, key: str, literal: str) -> list[str]:
    start = end = None
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m and start is None and m.group(1) == table:
            start = i
        elif m and start is not None:
            end = i
            break
    if start is None:
        tail = [""] if lines and lines[-1].strip() else []
        return [*lines, *tail, f"[{table}]", f"{key} = {literal}"]
    end = len(lines) if end is None else end
    live = re.compile(rf"^(\s*{re.escape(key)}\s*=\s*)({_VALUE})(.*)$")
    dead = re.compile(rf"^\s*#\s*{re.escape(key)}\s*=\s*({_VALUE})(.*)$")
    for i in range(start + 1, end):
        m = live.match(lines[i])
        if m:
            lines[i] = _with_comment(f"{m.group(1)}{literal}", m.group(3), lines[i])
            return lines
    for i in range(start + 1, end):
        m = dead.match(lines[i])
        if m:
            lines[i] = _with_comment(f"{key} = {literal}", m.group(2), lines[i])
            return lines
    last = start
    for i in range(start + 1, end):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            last = i
    return [*lines[: last + 1], f"{key} = {literal}", *lines[last + 1 :]]


def _with_comment(setting: str, rest: str, old_line: str) -> str:
    """`setting` plus the old line's trailing comment, kept in its column where it fits."""
    comment = rest.strip()
    if not comment:
        return setting
    column = len(old_line) - len(rest.lstrip())
    return setting + " " * max(1, column - len(setting)) + comment


def update_config(path: Path, values: Mapping[tuple[str, str], TomlValue]) -> None:
    """Write `values` into chorus.toml in place (see set_toml_values)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(set_toml_values(text, values), encoding="utf-8")
