"""`chorus doctor`: each check says ok, warn or fail, and the fix, for local and Google set-ups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from automation.config_edit import set_toml_values
from automation.doctor import Check, check_mail, run_doctor, schema_drift
from automation.google.setup import init_google
from automation.setup import CONFIG_TEMPLATE, init_workspace
from sheets_schema.tabs import TAB_ORDER, TABS
from tests.conftest import make_settings
from tests.fakes.google import make_app
from tests.google_store_factory import google_services
from tests.test_mail_transports import free_port

DELEGATED = "social@example.org"


def by_name(checks: list[Check]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for c in checks:
        out.setdefault(c.name, []).append((c.status, c.detail))
    return out


def full_headers() -> dict[str, list[str]]:
    return {name: list(TABS[name].headers) for name in TAB_ORDER}


def test_a_sheet_that_matches_the_schema_is_ok() -> None:
    assert schema_drift(full_headers()) == [
        Check("tabs", "ok", f"all {len(TAB_ORDER)} tabs have every column the schema names")
    ]


def test_drift_names_missing_tabs_missing_columns_and_renamed_headers() -> None:
    headers = full_headers()
    del headers["Crises"]
    headers["Queue"] = [h for h in headers["Queue"] if h != "Post URL"] + ["My notes"]
    headers["Submissions"] = [
        ("Submited At" if h == "Submitted At" else h) for h in headers["Submissions"]
    ]
    checks = schema_drift(headers)
    assert (
        Check(
            "tabs", "fail", "missing: Crises", "run `chorus init` to add them (nothing is removed)"
        )
        in checks
    )
    queue = next(c for c in checks if c.name == "tab Queue")
    assert queue.detail == "column 'Post URL' is missing" and queue.fix.startswith(
        "run `chorus init`"
    )
    renamed = next(c for c in checks if c.name == "tab Submissions")
    assert renamed.status == "fail"
    assert renamed.detail == (
        "column B is headed 'Submited At', which looks like 'Submitted At' renamed "
        "(a close spelling, the same place)"
    )
    assert renamed.fix.startswith("rename 'Submited At' back to 'Submitted At' in tab Submissions")


def test_local_set_up_checks_only_what_applies(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config)
    checks = run_doctor(config)
    names = [c.name for c in checks]
    assert names[:3] == ["settings", "workbook", "tabs"]
    assert not any("credentials" in n or "token" in n for n in names)
    assert by_name(checks)["mail (outbox)"][0][0] == "ok"
    assert by_name(checks)["form submissions"] == [
        ("warn", f"{tmp_path / 'forms' / 'submissions.csv'} is not there yet")
    ]
    assert not any(c.status == "fail" for c in checks)


def test_the_approval_form_is_asked_for_only_once_a_channel_needs_approval(
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook

    config = tmp_path / "chorus.toml"
    init_workspace(config)
    checks = by_name(run_doctor(config))
    assert checks["form approval"] == [
        ("ok", "not used: no channel needs approval (Channels > Approval)")
    ]
    [(status, detail)] = checks["form mention"]  # optional: staff can report by mail too
    assert status == "ok" and detail.startswith("not used; optional: add [forms.mention]")

    workbook = next(tmp_path.glob("*.xlsx"))
    wb = load_workbook(workbook)
    channels = wb["Channels"]
    header = [c.value for c in channels[1]]
    channels.append(
        {header.index("Channel") + 1: "LinkedIn", header.index("Approval") + 1: "Compliance"}
    )
    wb.save(workbook)
    [approval] = [c for c in run_doctor(config) if c.name == "form approval"]
    assert approval.status == "warn"
    assert approval.detail == "not configured, but channels need approval: LinkedIn"
    assert approval.fix.startswith("add [forms.approval] to chorus.toml")


def test_bad_settings_fail_with_the_key_named(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    config.write_text('[organisation]\nname = "X"\nemail_domains = []\n', encoding="utf-8")
    [check] = run_doctor(config)
    assert check.status == "fail" and "organisation.email_domains" in check.detail


def test_smtp_that_does_not_answer_fails_with_the_fix(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        mail={
            "transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": free_port(),
            "smtp_security": "none",
        },
    )
    [check] = check_mail(settings, None)
    assert check.status == "fail" and check.detail.startswith(
        f"cannot connect to 127.0.0.1:{settings.mail.smtp_port}"
    )
    assert "smtp_host" in check.fix


def test_smtp_that_answers_is_ok_and_nothing_is_sent(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    received: list[object] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = make_settings(
            tmp_path,
            mail={
                "transport": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "smtp_security": "none",
            },
        )
        [check] = check_mail(settings, None)
    finally:
        controller.stop()
    assert check == Check(
        "mail (smtp)", "ok", f"connected to 127.0.0.1:{port} and logged in (nothing sent)"
    )
    assert received == []


def google_config(tmp_path: Path) -> Path:
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
            ("mail", "transport"): "gmail",
        },
    )
    path = tmp_path / "chorus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_google_set_up_made_by_init_is_healthy(tmp_path: Path) -> None:
    from automation.config import load_settings

    twin = make_app(require_auth=True)
    config = google_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    init_google(load_settings(config), services)
    twin.reset_calls()
    checks = run_doctor(config, google=services)
    statuses = {c.name: c.status for c in checks}
    assert statuses == {
        "settings": "ok",
        "credentials": "ok",
        "key file mode": "ok",
        "Google token": "ok",
        "files owner": "ok",
        "spreadsheet": "ok",
        "tabs": "ok",
        "form submissions": "ok",
        "form submissions publishing": "ok",
        "form acknowledgements": "ok",
        "form acknowledgements publishing": "ok",
        "form feedback": "ok",
        "form feedback publishing": "ok",
        "form approval": "ok",
        "form approval publishing": "ok",
        "form mention": "ok",
        "form mention publishing": "ok",
        "mail (gmail)": "ok",
    }, [c.line() for c in checks]
    assert next(c for c in checks if c.name == "mail (gmail)").detail.endswith(DELEGATED)
    # reads only: nothing written anywhere
    writes = [
        m
        for api in twin.calls_by_api().values()
        for m in api
        if m.split(".")[-1] in ("batchUpdate", "append", "create", "send", "update")
    ]
    assert writes == []


def test_a_spreadsheet_not_shared_with_the_user_chorus_acts_as_fails_with_the_fix(
    tmp_path: Path,
) -> None:
    twin = make_app(require_auth=True)
    config = google_config(tmp_path)
    config.write_text(
        set_toml_values(
            config.read_text(),
            {
                ("backend", "kind"): "google",
                ("backend", "spreadsheet_id"): "1notshared",
                ("mail", "transport"): "outbox",
            },
        )
    )
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    (tmp_path / "service-account.json").chmod(0o644)
    checks = run_doctor(config, google=services)
    sheet = next(c for c in checks if c.name == "spreadsheet")
    assert (
        sheet.status == "fail"
        and "404" in sheet.detail
        and f"not shared with {DELEGATED}" in sheet.detail
    )
    assert f"add {DELEGATED}" in sheet.fix and "as an Editor" in sheet.fix
    mode = next(c for c in checks if c.name == "key file mode")
    assert mode.status == "warn" and mode.fix.startswith("chmod 600")


def test_a_missing_key_file_fails_before_any_call(tmp_path: Path) -> None:
    config = google_config(tmp_path)
    checks = run_doctor(config)
    cred = next(c for c in checks if c.name == "credentials")
    assert cred.status == "fail" and "service-account.json does not exist" in cred.detail


def test_the_doctor_command_exits_1_on_a_fail(tmp_path: Path) -> None:
    config = google_config(tmp_path)
    chorus = Path(sys.executable).parent / "chorus"
    result = subprocess.run(
        [str(chorus), "--config", str(config), "doctor"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "fail  credentials:" in result.stdout and "fix: download a JSON key" in result.stdout


def test_a_renamed_header_on_google_is_named_by_doctor_init_and_every_read(
    tmp_path: Path,
) -> None:
    from automation.config import load_settings
    from automation.store.gsheets import SheetsStore
    from sheets_schema.errors import SheetError

    twin = make_app(require_auth=True)
    config = google_config(tmp_path)
    services = google_services(twin, tmp_path, delegated_user=DELEGATED)
    init_google(load_settings(config), services)
    settings = load_settings(config)
    store = SheetsStore(services, settings.backend.spreadsheet_id, lock_dir=tmp_path)
    # A coordinator types two items, then renames the Status header in the browser.
    headers = list(TABS["Queue"].headers)
    rows = [
        [
            {"ID": f"Q-{n}", "Source Kind": "External", "Headline": "Hi", "Status": s}.get(h, "")
            for h in headers
        ]
        for n, s in ((1, "Approved"), (2, "On hold"))
    ]
    http = services.gspread_client().http_client
    sid = settings.backend.spreadsheet_id
    http.values_update(
        sid, "Queue!A2", params={"valueInputOption": "USER_ENTERED"}, body={"values": rows}
    )
    http.values_update(
        sid, "Queue!J1", params={"valueInputOption": "USER_ENTERED"}, body={"values": [["State"]]}
    )

    checks = run_doctor(config, google=services)
    queue = [c for c in checks if c.name == "tab Queue"]
    assert [(c.status, c.detail) for c in queue] == [
        (
            "fail",
            "column J is headed 'State', which looks like 'Status' renamed "
            "(the same place, only values 'Status' allows)",
        )
    ]
    assert queue[0].fix.startswith("rename 'State' back to 'Status' in tab Queue, column J")

    with pytest.raises(SheetError) as refused:
        init_google(settings, services)
    assert "Chorus did not add a second 'Status'" in str(refused.value)
    assert "rename 'State' back to 'Status' in tab Queue, column J" in refused.value.fix
    header_row = http.values_get(sid, "Queue!1:1")["values"][0]
    assert header_row == [("State" if h == "Status" else h) for h in headers]

    with pytest.raises(SheetError) as read:
        store.read(["Queue"])
    assert read.value.tab == "Queue" and read.value.column == "Status"
    assert "rename 'State' back to 'Status' in tab Queue, column J" in read.value.fix


def test_a_header_that_could_be_either_of_two_missing_columns_is_not_guessed() -> None:
    headers = full_headers()
    queue = [h for h in headers["Queue"] if h not in ("Status", "Held From")] + ["Stage"]
    headers["Queue"] = queue
    cells = {"Queue": [["" for _ in queue[:-1]] + ["Approved"]]}  # allowed in both columns
    checks = schema_drift(headers, lambda title: cells[title])
    assert [(c.status, c.detail) for c in checks if c.name == "tab Queue"] == [
        ("fail", "column 'Status' is missing"),
        ("warn", "column 'Held From' is missing"),
    ]


def test_only_values_the_missing_column_allows_count_as_evidence() -> None:
    headers = full_headers()
    queue = [h for h in headers["Queue"] if h != "Status"] + ["Stage"]
    headers["Queue"] = queue
    blank = ["" for _ in queue[:-1]]
    said = schema_drift(headers, lambda title: [[*blank, "Approved"], [*blank, "On hold"]])
    assert [c.detail for c in said if c.name == "tab Queue"] == [
        f"column {chr(64 + len(queue))} is headed 'Stage', which looks like 'Status' renamed "
        "(only values 'Status' allows)"
    ]
    typed = schema_drift(headers, lambda title: [[*blank, "Approved"], [*blank, "maybe"]])
    assert [c.detail for c in typed if c.name == "tab Queue"] == ["column 'Status' is missing"]
