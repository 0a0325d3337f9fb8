"""Every file Chorus creates is owned by a person or a shared drive, its forms are published,
and a token that fails says so plainly: the twin refuses what Google refuses (a robot owner, an
ungranted delegation, a token endpoint that drops the line), through the real client libraries."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.config import load_settings
from automation.config_edit import set_toml_values
from automation.docs import write_guide_doc
from automation.google.credentials import (
    USER_SCOPES,
    load_identity,
    save_user_token,
    token_path,
)
from automation.google.setup import init_google
from automation.google.transport import GoogleServices, RetryPolicy
from jobs.guide.document import Paragraph, Section
from sheets_schema.errors import BackendError, ConfigError
from sheets_schema.forms import FORMS
from tests.fakes.google import make_app
from tests.google_store_factory import google_services
from tests.test_google_setup import DELEGATED, write_config

PERSON = "coordinator@example.org"


def plain_config(tmp_path: Path, **backend: str) -> Path:
    """chorus.toml with a key but no delegated user (the service account alone)."""
    config = write_config(tmp_path)
    text = set_toml_values(config.read_text(encoding="utf-8"), {("backend", "delegated_user"): ""})
    if backend:
        text = set_toml_values(text, {("backend", k): v for k, v in backend.items()})
    config.write_text(text, encoding="utf-8")
    return config


def services_for(twin, settings, sleeps: list[float] | None = None) -> GoogleServices:  # noqa: ANN001
    """GoogleServices as `chorus` builds them from settings, with all traffic into the twin."""
    recorded = sleeps if sleeps is not None else []
    identity = load_identity(settings)
    return GoogleServices(
        identity.files,
        identity.mail,
        base_session=twin.requests_session(),
        retry=RetryPolicy(sleep=recorded.append, rng=lambda: 0.5),
    )


def test_a_service_account_alone_cannot_init_and_is_told_the_three_ways(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    config = plain_config(tmp_path)
    services = google_services(twin, tmp_path)
    with pytest.raises(ConfigError) as caught:
        init_google(load_settings(config), services)
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert "delegated_user" in message and "chorus auth login" in message
    assert "shared_drive_id" in message
    assert twin.files_listing() == [] and twin.call_count() == 0  # nothing half-made
    assert load_settings(config).backend.spreadsheet_id == ""


def test_the_twin_refuses_a_robot_owner_with_googles_storage_quota_answer(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    drive = twin.build("drive", "v3", twin.credentials(["https://www.googleapis.com/auth/drive"]))
    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as caught:
        drive.files().create(body={"name": "x", "mimeType": "text/plain"}).execute()
    assert caught.value.resp.status == 403
    assert "Service Accounts do not have storage quota" in str(caught.value)
    assert caught.value.error_details[0]["reason"] == "storageQuotaExceeded"


def test_init_in_a_shared_drive_leaves_every_file_to_the_drive(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path)
    robot = services.service_account_email()
    drive_id = twin.create_shared_drive("Comms", {robot: "fileOrganizer"})
    config = plain_config(tmp_path, shared_drive_id=drive_id)
    lines = init_google(load_settings(config), services)

    settings = load_settings(config)
    made = {f["id"]: f for f in twin.files_listing()}
    ids = [settings.backend.spreadsheet_id, *(settings.forms[n].form_id for n in FORMS)]
    assert len(ids) == 1 + len(FORMS)  # the workbook and every form
    assert [made[i]["driveId"] for i in ids] == [drive_id] * len(ids)
    # a shared drive's files have no owner
    assert [made[i]["owners"] for i in ids] == [[]] * len(ids)
    assert twin.store.book(ids[0]).props["timeZone"] == "Europe/London"
    assert any(f"in shared drive {drive_id}" in line for line in lines)
    question = FORMS["feedback"].questions[1].title
    feedback_id = settings.forms["feedback"].form_id
    assert twin.forms_add_response(feedback_id, {question: "Clear"}, email="ann@example.org")

    sections = [Section("Goals", "goals", (Paragraph(("Post weekly.",)),))]
    doc_id = write_guide_doc(services, "", sections, title="Guide", settings=settings)
    assert next(f for f in twin.files_listing() if f["id"] == doc_id)["driveId"] == drive_id
    assert twin.docs_text(doc_id) == "Guide\nGoals\nPost weekly.\n"


def test_a_shared_drive_the_robot_is_not_in_is_refused_naming_the_setting(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path)
    drive_id = twin.create_shared_drive("Comms", {"someone@example.org": "organizer"})
    config = plain_config(tmp_path, shared_drive_id=drive_id)
    with pytest.raises(BackendError) as caught:
        init_google(load_settings(config), services)
    assert "backend.shared_drive_id" in str(caught.value) and "404" in str(caught.value)
    assert "Content manager" in caught.value.fix


def test_forms_are_published_and_staff_of_the_domain_can_answer(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    config = write_config(tmp_path)
    init_google(load_settings(config), google_services(twin, tmp_path, delegated_user=DELEGATED))
    settings = load_settings(config)
    form_id = settings.forms["feedback"].form_id
    state = twin.forms.forms[form_id]["publishSettings"]["publishState"]
    assert state == {"isPublished": True, "isAcceptingResponses": True}
    perms = next(f for f in twin.files_listing() if f["id"] == form_id)["permissions"]
    assert {"type": "domain", "domain": "example.org", "role": "reader", "view": "published"} in [
        {k: p[k] for k in ("type", "domain", "role", "view") if k in p} for p in perms
    ]
    question = FORMS["feedback"].questions[1].title
    assert twin.forms_add_response(form_id, {question: "Clear"}, email="ann@example.org")
    with pytest.raises(PermissionError):
        twin.forms_add_response(form_id, {question: "Hi"}, email="someone@elsewhere.example")


def test_what_the_api_could_not_publish_is_printed_as_the_click_to_make(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.inject("500", api="forms", method="setPublishSettings")
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    lines = init_google(load_settings(config), services)
    form_id = load_settings(config).forms["submissions"].form_id
    note = next(line for line in lines if line.startswith("could not publish the submissions"))
    assert f"open https://docs.google.com/forms/d/{form_id}/edit" in note
    assert 'click "Publish"' in note


def test_an_oauth_sign_in_owns_what_init_creates_and_refreshes_its_stored_token(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    config = plain_config(tmp_path)
    settings = load_settings(config)
    stored = token_path(settings)
    from google.oauth2.credentials import Credentials

    info = twin.authorized_user_info(PERSON, list(USER_SCOPES))
    save_user_token(Credentials.from_authorized_user_info(info), stored)
    assert stored.stat().st_mode & 0o777 == 0o600

    services = services_for(twin, settings)
    init_google(settings, services)
    settings = load_settings(config)
    owners = {f["id"]: f["owners"] for f in twin.files_listing()}
    assert owners[settings.backend.spreadsheet_id] == [PERSON]
    assert {tuple(owners[settings.forms[n].form_id]) for n in FORMS} == {(PERSON,)}
    assert '"token": "ya29.twin-' in stored.read_text()  # the refreshed token was kept
    assert stored.stat().st_mode & 0o777 == 0o600


def test_a_new_guide_doc_is_not_made_by_a_robot(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    settings = load_settings(plain_config(tmp_path))
    services = google_services(twin, tmp_path)
    sections = [Section("Goals", "goals", (Paragraph(("Post weekly.",)),))]
    with pytest.raises(ConfigError) as caught:
        write_guide_doc(services, "", sections, settings=settings)
    assert (
        "the guide's Google Doc" in caught.value.message and "shared_drive_id" in caught.value.fix
    )
    assert twin.call_count(api="docs") == 0


def test_a_delegation_without_the_scopes_is_a_clear_error_about_the_admin_console(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    twin.delegated_scopes = frozenset(  # the Admin console granted Gmail only
        {
            "https://www.googleapis.com/auth/gmail.compose",
            "https://www.googleapis.com/auth/gmail.readonly",
        }
    )
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    with pytest.raises(BackendError) as caught:
        init_google(load_settings(config), services)
    assert caught.value.exit_code == 3
    assert "unauthorized_client" in caught.value.message and DELEGATED in caught.value.message
    assert "Domain-wide delegation" in caught.value.fix
    assert "https://www.googleapis.com/auth/spreadsheets" in caught.value.fix


def test_a_subject_outside_the_granted_users_gets_unauthorized_client(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.granted_subjects = {"social@example.org"}
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user="stranger@example.org")
    with pytest.raises(BackendError) as caught:
        init_google(load_settings(config), services)
    assert "unauthorized_client" in caught.value.message


def test_a_dropped_token_request_is_retried_like_any_call(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.inject("reset", api="oauth2")
    twin.inject("500", api="oauth2", at_call=2)
    sleeps: list[float] = []
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED, sleeps=sleeps)
    init_google(load_settings(config), services)
    assert load_settings(config).backend.spreadsheet_id
    assert len(sleeps) == 2  # our bounded back-off, never google-auth's wall-clock sleeps


def test_a_token_endpoint_that_never_answers_ends_as_a_backend_error(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.inject("500", api="oauth2", times=50)
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED, sleeps=[])
    with pytest.raises(BackendError) as caught:
        init_google(load_settings(config), services)
    assert caught.value.exit_code == 3
    assert "token request failed" in caught.value.message
    assert twin.files_listing() == []


def google_backend(tmp_path: Path, spreadsheet_id: str) -> Path:
    """chorus.toml for a Google spreadsheet that exists, delegated to DELEGATED."""
    config = write_config(tmp_path)
    values = {("backend", "kind"): "google", ("backend", "spreadsheet_id"): spreadsheet_id}
    config.write_text(set_toml_values(config.read_text(encoding="utf-8"), values), encoding="utf-8")
    return config


def _doctor(config: Path, services: GoogleServices) -> dict[str, object]:
    from automation.doctor import run_doctor

    return {c.name: c for c in run_doctor(config, google=services)}


def test_doctor_names_an_unpublished_form_and_the_click_to_publish_it(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    config = write_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    init_google(load_settings(config), services)
    form_id = load_settings(config).forms["feedback"].form_id
    twin.forms.forms[form_id]["publishSettings"]["publishState"] = {
        "isPublished": False,
        "isAcceptingResponses": False,
    }
    checks = _doctor(config, services)
    found = checks["form feedback publishing"]
    assert found.status == "fail" and "not published" in found.detail
    assert f"open https://docs.google.com/forms/d/{form_id}/edit" in found.fix
    assert checks["form submissions publishing"].detail == (
        "published; responders: anyone in example.org"
    )
    assert checks["files owner"].status == "ok" and DELEGATED in checks["files owner"].detail


def test_doctor_warns_that_a_service_account_alone_can_create_nothing(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path)
    sid = twin.create_spreadsheet("Shared with the robot")
    config = plain_config(tmp_path, spreadsheet_id=sid, kind="google")
    found = _doctor(config, services)["files owner"]
    assert found.status == "warn" and "service account" in found.detail
    assert "chorus auth login" in found.fix


def test_doctor_fails_a_shared_drive_the_service_account_is_not_in(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path)
    robot = services.service_account_email()
    drive_id = twin.create_shared_drive("Comms", {"someone@example.org": "organizer"})
    sid = twin.create_spreadsheet("Shared with the robot")
    config = plain_config(tmp_path, spreadsheet_id=sid, kind="google", shared_drive_id=drive_id)
    found = _doctor(config, services)["files owner"]
    assert found.status == "fail" and f"Shared drive not found: {drive_id}" in found.detail
    assert found.fix.endswith(f"add {robot} to the shared drive as Content manager")

    twin.ownership.drives[drive_id].members[robot] = "fileOrganizer"
    found = _doctor(config, services)["files owner"]
    assert found.status == "ok" and f"shared drive {drive_id}" in found.detail


def test_a_revoked_sign_in_says_to_sign_in_again(tmp_path: Path) -> None:
    from google.oauth2.credentials import Credentials

    twin = make_app(require_auth=True)
    settings = load_settings(plain_config(tmp_path))
    info = twin.authorized_user_info(PERSON, list(USER_SCOPES))
    save_user_token(Credentials.from_authorized_user_info(info), token_path(settings))
    twin.oauth.refresh_tokens.clear()  # the person revoked Chorus's access
    with pytest.raises(BackendError) as caught:
        init_google(settings, services_for(twin, settings))
    assert "invalid_grant" in caught.value.message and PERSON in caught.value.message
    assert (
        caught.value.fix == "the sign-in was revoked or has expired: run `chorus auth login` again"
    )


def test_doctor_names_the_admin_console_when_delegation_lacks_the_file_scopes(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    twin.delegated_scopes = frozenset({"https://www.googleapis.com/auth/gmail.compose"})
    config = google_backend(tmp_path, twin.create_spreadsheet("Chorus"))
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    found = _doctor(config, services)["Google token"]
    assert found.status == "fail" and "unauthorized_client" in found.detail
    assert "Domain-wide delegation" in found.fix


def test_doctor_reports_a_token_endpoint_that_answers_500_without_waiting(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.inject("500", api="oauth2", times=5)
    config = google_backend(tmp_path, twin.create_spreadsheet("Chorus"))
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    found = _doctor(config, services)["Google token"]
    assert found.status == "fail" and "could not be reached" in found.detail
    assert twin.token_requests == 1  # google-auth's own sleeping retries never ran


def test_auth_login_without_an_oauth_client_says_how_to_make_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from automation.cli import cli

    config = plain_config(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(config), "auth", "login"])
    assert result.exit_code == 2
    assert "backend.oauth_client: no OAuth client is set" in result.output
    assert "Desktop app" in result.output


def test_auth_logout_forgets_the_sign_in_and_status_says_who_chorus_is(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from google.oauth2.credentials import Credentials

    from automation.cli import cli

    twin = make_app(require_auth=True)
    twin.make_service_account_key(tmp_path / "service-account.json")
    config = plain_config(tmp_path)
    settings = load_settings(config)
    info = twin.authorized_user_info(PERSON, list(USER_SCOPES))
    save_user_token(Credentials.from_authorized_user_info(info), token_path(settings))
    runner = CliRunner()
    status = runner.invoke(cli, ["--config", str(config), "auth", "status"])
    assert f"Chorus acts as {PERSON} (signed in with `chorus auth login`)" in status.output
    out = runner.invoke(cli, ["--config", str(config), "auth", "logout"])
    assert out.exit_code == 0 and not token_path(settings).exists()
    status = runner.invoke(cli, ["--config", str(config), "auth", "status"])
    assert "(the service account itself)" in status.output
    assert "`chorus init` cannot create any" in status.output


def test_responders_the_api_could_not_grant_are_printed_as_the_clicks_to_make(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    twin.inject("500", api="drive", method="permissions.create")
    config = write_config(tmp_path)
    lines = init_google(
        load_settings(config), google_services(twin, tmp_path, delegated_user=DELEGATED)
    )
    form_id = load_settings(config).forms["submissions"].form_id
    note = next(line for line in lines if line.startswith("could not let example.org respond"))
    assert f"open https://docs.google.com/forms/d/{form_id}/edit" in note
    assert 'choose "Anyone in example.org with the link" and click "Done"' in note


def test_the_twin_can_be_kind_to_a_robot_owner_for_an_old_test(tmp_path: Path) -> None:
    twin = make_app(require_auth=True)
    twin.service_accounts_own_files = True
    gc = twin.gspread_client(twin.credentials(["https://www.googleapis.com/auth/spreadsheets"]))
    made = gc.http_client.request(
        "post",
        "https://sheets.googleapis.com/v4/spreadsheets",
        json={"properties": {"title": "Old"}},
    ).json()
    owners = {f["id"]: f["owners"] for f in twin.files_listing()}
    assert owners[made["spreadsheetId"]][0].endswith(".iam.gserviceaccount.com")
