"""Who Chorus is to Google, and the credentials it speaks with; no key or token is ever printed.

Google no longer lets a service account own files, so for Sheets, Drive,
Forms and Docs Chorus acts as a real user, one of three ways:

1. the delegated user (`backend.delegated_user`), through the service
   account's domain-wide delegation (the same that lets Gmail send as them);
2. a person who signed in with `chorus auth login` (an OAuth token stored,
   mode 600, in the state folder and refreshed as it expires);
3. the service account itself, which may read and write files shared with
   it, and create files only in a shared drive (`backend.shared_drive_id`).

A stored OAuth token wins (someone ran `chorus auth login` on purpose), then
delegation, then the service account. Gmail uses the same person: the OAuth
user, or the delegated user.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google.auth
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from automation.google.apis import CALENDAR_SCOPES, DELEGATED_SCOPES, SERVICE_ACCOUNT_SCOPES
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

log = logging.getLogger("chorus.google")

#: the stored OAuth token's file name, in the state folder
TOKEN_FILE = "google-token.json"
#: every scope a person is asked for at `chorus auth login`: files and Gmail
USER_SCOPES = SERVICE_ACCOUNT_SCOPES + CALENDAR_SCOPES + DELEGATED_SCOPES


@dataclass(frozen=True)
class Identity:
    """Who Chorus acts as: `files` for Sheets, Drive, Forms and Docs; `mail` for Gmail."""

    kind: str  # "oauth" | "delegated" | "service_account" | "user" (application defaults)
    files: Credentials
    mail: Credentials | None


def token_path(settings: Settings) -> Path:
    """Where `chorus auth login` keeps the person's OAuth token (the state folder)."""
    return (settings.mail.state_dir or settings.base_dir / ".chorus-state") / TOKEN_FILE


def load_identity(settings: Settings) -> Identity:
    """The identity the settings allow: a stored OAuth token, else the key (delegated or not)."""
    stored = token_path(settings)
    if stored.exists():
        creds = load_user_token(stored)
        return Identity("oauth", creds, creds)
    files, mail = load_credentials(
        settings.backend.credentials, settings.backend.delegated_user, settings_path=settings.path
    )
    with_scopes = getattr(files, "with_scopes", None)
    if settings.cadence.calendar_id and with_scopes is not None:
        files = with_scopes([*SERVICE_ACCOUNT_SCOPES, *CALENDAR_SCOPES])
    return Identity(kind_of(files), files, mail)


def kind_of(creds: Credentials) -> str:
    """How a credential speaks: a delegated user, a service account, or a person."""
    if isinstance(creds, service_account.Credentials):
        return "delegated" if getattr(creds, "_subject", None) else "service_account"
    if isinstance(creds, StoredUserCredentials):
        return "oauth"
    return "user"


def acting_email(creds: Credentials) -> str:
    """The address of whoever `creds` speaks for ('' when unknown)."""
    subject = getattr(creds, "_subject", None)
    if subject:
        return str(subject)
    return str(getattr(creds, "service_account_email", "") or getattr(creds, "account", "") or "")


def can_own_files(creds: Credentials) -> bool:
    """Whether Google lets this identity own a new file in a My Drive (a service account: no)."""
    return kind_of(creds) != "service_account"


def load_credentials(
    path: Path | None, delegated_user: str = "", *, settings_path: Path | None = None
) -> tuple[Credentials, Credentials | None]:
    """Credentials for files and for Gmail: as the delegated user when set, else the service account."""
    where = f"{settings_path}: backend.credentials" if settings_path else "backend.credentials"
    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path is None and env_path:
        path, where = Path(env_path), "$GOOGLE_APPLICATION_CREDENTIALS"
    if path is None:
        return _default_credentials(where, delegated_user)
    info = read_key_file(path, where)
    try:
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(SERVICE_ACCOUNT_SCOPES)
        )
    except (ValueError, KeyError) as exc:
        raise ConfigError(
            f"{path} is not a usable service-account key ({type(exc).__name__})",
            place=where,
            fix="download a new JSON key for the service account (see credentials.example.json for the shape)",
        ) from None
    if not delegated_user:
        return creds, None
    delegated = creds.with_subject(delegated_user)
    return delegated, delegated.with_scopes(list(DELEGATED_SCOPES))


def _default_credentials(where: str, delegated_user: str) -> tuple[Credentials, Credentials | None]:
    """Application default credentials, delegated when they can be (a service account's)."""
    try:
        creds, _ = google.auth.default(scopes=list(SERVICE_ACCOUNT_SCOPES))
    except DefaultCredentialsError:
        raise ConfigError(
            "no Google credentials found",
            place=where,
            fix='set credentials = "service-account.json" under [backend], or GOOGLE_APPLICATION_CREDENTIALS, '
            "or run `chorus auth login`",
        ) from None
    with_subject = getattr(creds, "with_subject", None)
    if not (delegated_user and with_subject):
        return creds, None
    mail = with_subject(delegated_user)
    return with_subject(delegated_user), mail.with_scopes(list(DELEGATED_SCOPES))


class StoredUserCredentials(user_credentials.Credentials):
    """A person's OAuth credentials that write themselves back (mode 600) after each refresh."""

    stored_at: Path | None = None

    def refresh(self, request: Any) -> None:
        """Refresh as google-auth does, then keep the new access token for the next run."""
        super().refresh(request)  # type: ignore[no-untyped-call]
        if self.stored_at is not None:
            save_user_token(self, self.stored_at)


def load_user_token(path: Path) -> StoredUserCredentials:
    """The OAuth token `chorus auth login` stored; a damaged one says to sign in again."""
    where = str(path)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        creds = StoredUserCredentials.from_authorized_user_info(info, info.get("scopes"))  # type: ignore[no-untyped-call]
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(
            f"the stored Google sign-in cannot be used ({type(exc).__name__})",
            place=where,
            fix="run `chorus auth login` again",
        ) from None
    if stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the Google token %s is readable by other users; run: chmod 600 %s", path, path)
    creds.stored_at = path
    return creds  # type: ignore[no-any-return]


def save_user_token(creds: Any, path: Path) -> None:
    """Write the token where only this user can read it (created mode 600, replaced whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(creds.to_json())
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def read_key_file(path: Path, where: str) -> dict[str, Any]:
    """The key file's JSON; warns when other users can read it; never echoes its content."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"the key file {path} does not exist", place=where, fix="check the path"
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"the key file {path} cannot be read ({exc.strerror})",
            place=where,
            fix=f"give the user running Chorus read access: chmod 600 {path}",
        ) from None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning("the key file %s is readable by other users; run: chmod 600 %s", path, path)
    try:
        info = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(
            f"the key file {path} is not JSON",
            place=where,
            fix="download the service account's key again as JSON",
        ) from None
    if (
        not isinstance(info, dict)
        or info.get("type") != "service_account"
        or "private_key" not in info
    ):
        raise ConfigError(
            f"{path} is not a service-account key (type {info.get('type') if isinstance(info, dict) else '?'!r})",
            place=where,
            fix="create a key for a service account in the Cloud console (IAM > Service accounts > Keys)",
        )
    return info
