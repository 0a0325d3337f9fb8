"""Logs as text or JSON lines with no secret in them, and progress bars only for people watching."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from automation.cli import cli
from automation.logs import JsonFormatter, configure_logging, progress, redact
from automation.setup import init_workspace

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
