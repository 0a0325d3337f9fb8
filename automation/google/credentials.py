"""The credentials Chorus speaks to Google with; the key is never printed or logged.

A service-account key file (settings or GOOGLE_APPLICATION_CREDENTIALS), with
domain-wide delegation to `delegated_user` for Gmail; or application default
credentials.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import google.auth
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2 import service_account

from automation.google.apis import DELEGATED_SCOPES, SERVICE_ACCOUNT_SCOPES
from sheets_schema.errors import ConfigError

log = logging.getLogger("chorus.google")


def load_credentials(
    path: Path | None, delegated_user: str = "", *, settings_path: Path | None = None
) -> tuple[Credentials, Credentials | None]:
    """Service-account credentials (and a delegated copy for Gmail), or application defaults."""
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
    delegated = None
    if delegated_user:
        delegated = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(DELEGATED_SCOPES), subject=delegated_user
        )
    return creds, delegated


def _default_credentials(where: str, delegated_user: str) -> tuple[Credentials, Credentials | None]:
    """Application default credentials, delegated when they can be (a service account's)."""
    try:
        creds, _ = google.auth.default(scopes=list(SERVICE_ACCOUNT_SCOPES))
    except DefaultCredentialsError:
        raise ConfigError(
            "no Google credentials found",
            place=where,
            fix='set credentials = "service-account.json" under [backend], or GOOGLE_APPLICATION_CREDENTIALS',
        ) from None
    with_subject = getattr(creds, "with_subject", None)
    delegated = with_subject(delegated_user) if delegated_user and with_subject else None
    return creds, delegated


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
