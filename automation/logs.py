"""Logging and progress for every command: readable text or JSON lines, never a secret.

All of Chorus logs through `logging.getLogger("chorus.<part>")`. The CLI calls
`configure_logging` once: text for people at a terminal, `--log-format json`
for log collectors (one object per line: time, level, logger, message and any
`extra=` fields such as job). A filter on the handler blanks the values of
secret-looking environment variables, private keys and bearer tokens before
anything is written, and the values of the secrets chorus.toml points at
(`remember_secrets`: the SMTP and IMAP passwords in whatever variables it
names, the key file's private key and client secrets) wherever they appear,
since a server may echo a password in its error. `progress()` draws a bar
only when a person is watching.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

T = TypeVar("T")

REDACTED = "[redacted]"
#: environment variables whose names contain one of these hold secrets
SECRET_NAME_PARTS = ("PASSWORD", "SECRET", "TOKEN", "KEY")
#: values shorter than this are not treated as secrets (they would blank ordinary words like "1" or "yes")
MIN_SECRET_LENGTH = 6

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
_GOOGLE_TOKEN = re.compile(r"\bya29\.[A-Za-z0-9._-]+")
_ASSIGNED = re.compile(
    r"(?i)\b([\w-]*(?:password|passwd|secret|token|api[_-]?key)[\w-]*)(\s*[=:]\s*)(['\"]?)([^\s'\"&,;]+)"
)

#: fields of a key file (service account, OAuth client, authorised user) that are secrets
SECRET_KEY_FIELDS = ("private_key", "private_key_id", "client_secret", "refresh_token")

#: values of configured secrets, gathered by remember_secrets for this process
_REMEMBERED: set[str] = set()

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables named like secrets and of remembered secrets, longest first."""
    env = os.environ if environ is None else environ
    values = {
        value
        for name, value in env.items()
        if any(part in name.upper() for part in SECRET_NAME_PARTS)
        and len(value) >= MIN_SECRET_LENGTH
    }
    return sorted(values | _REMEMBERED, key=len, reverse=True)


def configured_secrets(settings: Settings, environ: Mapping[str, str] | None = None) -> set[str]:
    """The values of the secrets the settings point at, whatever their variables are called.

    The SMTP and IMAP passwords from the variables mail.smtp_password_env and
    inbox.password_env name, and the key file's private key, key id and client
    secrets (also as they appear JSON-escaped).
    """
    env = os.environ if environ is None else environ
    values = {
        env.get(settings.mail.smtp_password_env, ""),
        env.get(settings.inbox.password_env, ""),
    }
    key_file = settings.backend.credentials or env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if key_file:
        values |= _key_file_secrets(Path(key_file))
    escaped = {json.dumps(v)[1:-1] for v in values}
    return {v for v in values | escaped if len(v) >= MIN_SECRET_LENGTH}


def _key_file_secrets(path: Path) -> set[str]:
    """The secret fields of a JSON key file, at any depth ("installed", "web" clients nest them)."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()  # an unreadable key file is reported where it is used
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in SECRET_KEY_FIELDS and isinstance(value, str):
                    found.add(value)
                    found |= {line for line in value.splitlines() if len(line) >= 32}
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def remember_secrets(settings: Settings, environ: Mapping[str, str] | None = None) -> None:
    """Blank the configured secrets' values from every log line and `redact` call from now on."""
    _REMEMBERED.update(configured_secrets(settings, environ))


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with secret values (named like secrets, or remembered), private keys, bearer and
    Google tokens, and `password=...` blanked."""
    for value in secret_values(environ):
        text = text.replace(value, REDACTED)
    text = _PRIVATE_KEY.sub(REDACTED, text)
    text = _BEARER.sub(lambda m: f"{m[1]} {REDACTED}", text)
    text = _GOOGLE_TOKEN.sub(REDACTED, text)
    return _ASSIGNED.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{REDACTED}", text)


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The fields a caller passed with `extra=` (job, outcome, ...)."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class RedactSecrets(logging.Filter):
    """Rewrites each record so no formatter can write a secret: message, extras and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        env = dict(os.environ)
        record.msg = redact(record.getMessage(), env)
        record.args = None
        for key, value in extra_fields(record).items():
            if isinstance(value, str):
                setattr(record, key, redact(value, env))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, env)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, env)
        return True


class TextFormatter(logging.Formatter):
    """`2026-03-29 08:30:01 INFO chorus.schedule: brief: queue 3 [job=brief]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = extra_fields(record)
        if extras:
            first, nl, rest = text.partition("\n")
            text = first + " [" + " ".join(f"{k}={v}" for k, v in extras.items()) + "]" + nl + rest
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            data.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # the base class assigns it; ignore
        pass


def configure_logging(fmt: str = "text", verbosity: int = 0) -> logging.Handler:
    """Send logs to stderr as text or JSON lines; -v shows chorus's debug lines, -vv everyone's.

    Safe to call again (the previous Chorus handler is replaced). Returns the handler.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_chorus", False)]:
        root.removeHandler(old)
    handler = _StderrHandler()
    handler._chorus = True  # type: ignore[attr-defined]
    handler.addFilter(RedactSecrets())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.WARNING)
    logging.getLogger("chorus").setLevel(logging.DEBUG if verbosity >= 1 else logging.INFO)
    return handler


def progress(
    iterable: Iterable[T], total: int | None = None, description: str = "Working"
) -> Iterator[T]:
    """A progress bar on stderr while a person watches; the plain iterable otherwise (cron, logs, CI)."""
    if not _stderr_is_terminal():
        yield from iterable
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(
        iterable, total=total, description=description, console=Console(stderr=True), transient=True
    )


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
