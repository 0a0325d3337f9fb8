"""Logs as text or JSON lines with no secret in them, and progress bars only for people watching."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from automation.cli import cli
from automation.config import load_settings
from automation.config_edit import set_toml_values
from automation.demo import demo_config_toml, demo_rows
from automation.logs import (
    JsonFormatter,
    configure_logging,
    configured_secrets,
    progress,
    redact,
    remember_secrets,
)
from automation.setup import init_workspace
from automation.store.xlsx import XlsxStore
from automation.workspace import build_workspace
from sheets_schema.records import Append, Changes
from tests.conftest import make_settings
from tests.test_mail_transports import Recorder, free_port

CHORUS = str(Path(sys.executable).parent / "chorus")

PRIVATE_KEY = (
    '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC'
    '\\nq1w2e3r4t5y6\\n-----END PRIVATE KEY-----\\n", "client_email": "chorus@example.iam.gserviceaccount.com"}'
)


@pytest.fixture(autouse=True)
def chorus_logging() -> Iterator[None]:
    """Leave the root logger as it was: the CLI installs a handler on it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("chorus").setLevel(logging.NOTSET)


def test_json_logs_are_one_object_per_line_with_the_job(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json")
    log = logging.getLogger("chorus.schedule")
    log.info("brief: %s", "queue 3", extra={"job": "brief", "outcome": "ok"})
    log.debug("not shown without -v")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "INFO" and record["logger"] == "chorus.schedule"
    assert record["message"] == "brief: queue 3"
    assert record["job"] == "brief" and record["outcome"] == "ok"
    assert record["time"].endswith("+00:00")


def test_text_logs_read_as_a_sentence_with_the_job_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("text", verbosity=1)
    logging.getLogger("chorus.run").debug("read %d tabs", 3, extra={"job": "brief"})
    line = capsys.readouterr().err.strip()
    assert line.endswith("DEBUG chorus.run: read 3 tabs [job=brief]")


def test_secrets_from_the_environment_never_reach_the_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHORUS_SMTP_PASSWORD", "correct-horse-battery")
    monkeypatch.setenv("GOOGLE_API_KEY", "AIzaSyA-1234567890abcdef")
    monkeypatch.setenv("CHORUS_DEBUG", "correct")  # not a secret's name: left alone
    configure_logging("json")
    log = logging.getLogger("chorus.mail")
    try:
        raise RuntimeError("login refused for password correct-horse-battery")
    except RuntimeError:
        log.exception(
            "smtp failed using %s",
            "correct-horse-battery",
            extra={"detail": "key AIzaSyA-1234567890abcdef"},
        )
    err = capsys.readouterr().err
    assert "correct-horse-battery" not in err and "AIzaSyA-1234567890abcdef" not in err
    record = json.loads(err.splitlines()[0])
    assert record["message"] == "smtp failed using [redacted]"
    assert record["detail"] == "key [redacted]"
    assert "RuntimeError: login refused for password [redacted]" in record["exception"]


def test_private_keys_bearer_tokens_and_assigned_passwords_are_blanked() -> None:
    text = redact(
        f"key file {PRIVATE_KEY}; header Authorization: Bearer abc.DEF-123_456; "
        "token ya29.a0AfH6SMBx-y_z; url https://x.example/feed?token=s3cr3t&q=law; password: hunter22",
        environ={},
    )
    assert "MIIEvQ" not in text and "q1w2e3" not in text
    assert '"client_email": "chorus@example.iam.gserviceaccount.com"' in text
    assert "Bearer [redacted]" in text and "abc.DEF" not in text
    assert "ya29." not in text
    assert "token=[redacted]&q=law" in text
    assert "password: [redacted]" in text


def test_short_secret_values_are_not_mistaken_for_secrets() -> None:
    assert redact("retry 1 of 3", environ={"MAX_TOKEN": "1"}) == "retry 1 of 3"


def test_log_format_and_verbose_options_configure_logging_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    args = [
        "--log-format",
        "json",
        "-v",
        "--config",
        str(config),
        "cron",
        "--due-today",
        "brief",
        "--at",
        "2026-11-24T08:00",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert logging.getLogger("chorus").getEffectiveLevel() == logging.DEBUG
    chorus_handlers = [h for h in logging.getLogger().handlers if getattr(h, "_chorus", False)]
    assert len(chorus_handlers) == 1 and isinstance(chorus_handlers[0].formatter, JsonFormatter)
    logging.getLogger("chorus.test").debug("after the command")
    assert json.loads(capsys.readouterr().err.splitlines()[-1])["message"] == "after the command"


def test_progress_is_silent_when_nobody_watches(capsys: pytest.CaptureFixture[str]) -> None:
    assert list(progress(range(5), total=5, description="Reading")) == [0, 1, 2, 3, 4]
    assert capsys.readouterr().err == ""


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    assert list(progress(iter("abc"), total=3, description="Sending")) == ["a", "b", "c"]
    assert "Sending" in screen.getvalue()


# -- redaction by value: a relay that echoes the password in its refusal --------------
ECHOED = "Wombat-Orchard-42!"  # in a variable whose name looks like nothing secret


def echoing_authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN201
    """A relay that refuses the login and repeats the password it was given, as some do."""
    password = getattr(auth_data, "password", b"").decode()
    return AuthResult(success=False, handled=False, message=f"535 5.7.8 bad password {password}")


def smtp_program(folder: Path, port: int) -> Path:
    """The demo program on the local workbook, mailing through the relay on `port`."""
    config = folder / "chorus.toml"
    config.write_text(demo_config_toml(folder), encoding="utf-8")
    settings_text = set_toml_values(
        config.read_text(encoding="utf-8"),
        {
            ("mail", "transport"): "smtp",
            ("mail", "smtp_host"): "127.0.0.1",
            ("mail", "smtp_port"): port,
            ("mail", "smtp_security"): "none",
            ("mail", "smtp_username"): "chorus",
            ("mail", "smtp_password_env"): "MAILRELAY_PW",
        },
    )
    config.write_text(settings_text, encoding="utf-8")
    workspace = build_workspace(load_settings(config))
    workspace.store.ensure_tabs()
    rows = demo_rows(date(2026, 11, 24))
    workspace.store.apply(
        Changes(appends=tuple(Append(t, row) for t, tab_rows in rows.items() for row in tab_rows))
    )
    return config


def test_a_password_the_relay_echoes_appears_in_no_output_runs_row_or_status(
    tmp_path: Path,
) -> None:
    port = free_port()
    controller = Controller(
        Recorder(),
        hostname="127.0.0.1",
        port=port,
        authenticator=echoing_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        config = smtp_program(tmp_path, port)
        env = {**os.environ, "MAILRELAY_PW": ECHOED}
        base = [CHORUS, "--config", str(config)]
        run = subprocess.run(
            [*base, "run", "brief", "--at", "2026-11-24T08:30"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        doctor = subprocess.run(
            [*base, "doctor"], capture_output=True, text=True, env=env, timeout=120
        )
    finally:
        controller.stop()
    assert run.returncode == 3, run.stdout + run.stderr
    assert "refused the login for 'chorus' (535 5.7.8 bad password [redacted])" in run.stderr
    doctor_smtp = next(line for line in doctor.stdout.splitlines() if "mail (smtp)" in line)
    assert "bad password [redacted]" in doctor_smtp
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx", read_only=True)
    runs = [[str(c) for c in row] for row in wb["Runs"].iter_rows(min_row=2, values_only=True)]
    wb.close()
    brief = [row for row in runs if row[1] == "brief"]
    assert brief and brief[-1][4] == "failed" and "bad password [redacted]" in brief[-1][5]
    status = subprocess.run(
        [*base, "status", "--at", "2026-11-24T09:00"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "bad password [redacted]" in status.stdout
    said = run.stdout + run.stderr + doctor.stdout + doctor.stderr + status.stdout + status.stderr
    assert ECHOED not in said and ECHOED not in repr(runs)


def test_status_blanks_a_password_a_runs_row_kept_from_before(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    config.write_text(
        set_toml_values(
            config.read_text(encoding="utf-8"),
            {("mail", "smtp_password_env"): "MAILRELAY_PW"},
        ),
        encoding="utf-8",
    )
    row = {
        "run_id": "brief-1",
        "job": "brief",
        "started": "2026-11-24 08:30",
        "finished": "2026-11-24 08:30",
        "outcome": "failed",
        "summary": f"failed: 535 5.7.8 bad password {ECHOED}",
    }
    XlsxStore(tmp_path / "workbook.xlsx").apply(Changes(appends=(Append("Runs", row),)))
    status = subprocess.run(
        [CHORUS, "--config", str(config), "status", "--at", "2026-11-24T09:00"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MAILRELAY_PW": ECHOED},
    )
    assert "failed: 535 5.7.8 bad password [redacted]" in status.stdout
    assert ECHOED not in status.stdout + status.stderr


def test_configured_secrets_are_blanked_whatever_their_variables_are_called(
    tmp_path: Path,
) -> None:
    key = tmp_path / "service-account.json"
    key.write_text(
        PRIVATE_KEY.replace('"client_email"', '"private_key_id": "4f2a9c0d1e", "client_email"')
    )
    client = tmp_path / "client.json"
    client.write_text(json.dumps({"installed": {"client_secret": "GOCSPX-s3cr3t-v4lue"}}))
    settings = make_settings(
        tmp_path,
        backend={"credentials": "service-account.json"},
        mail={"smtp_password_env": "RELAY_PW"},
        inbox={"kind": "imap", "host": "imap.example.org", "user": "social", "password_env": "BOX"},
    )
    env = {"RELAY_PW": "relay-pass-1", "BOX": "imap-pass-2", "GOOGLE_APPLICATION_CREDENTIALS": ""}
    found = configured_secrets(settings, env)
    assert {"relay-pass-1", "imap-pass-2", "4f2a9c0d1e"} <= found
    assert any(v.startswith("-----BEGIN PRIVATE KEY-----") for v in found)
    remember_secrets(settings, env)
    text = "login relay-pass-1 then imap-pass-2 with key 4f2a9c0d1e"
    assert redact(text, environ={}) == ("login [redacted] then [redacted] with key [redacted]")
    settings = make_settings(tmp_path, backend={"credentials": "client.json"})
    remember_secrets(settings, environ={})
    assert redact("Google said: client GOCSPX-s3cr3t-v4lue is unknown", environ={}) == (
        "Google said: client [redacted] is unknown"
    )
