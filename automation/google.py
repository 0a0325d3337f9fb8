"""How Chorus reaches Google: credentials, one HTTP session, bounded retries, call counts.

Every Google call of a run (gspread for Sheets, googleapiclient for Drive,
Forms, Gmail and Docs) goes through `GoogleServices.send`, so retries and
counting live in one place:

- 429, 5xx, dropped connections and timeouts are retried with exponential
  back-off and full jitter, honouring `Retry-After`, bounded in attempts and
  total time; `sleep` is injected so tests never wait.
- A write that is not safe to repeat (values:append, a structural
  spreadsheets:batchUpdate, drafts.send, a create) is never retried blindly
  once it may have reached Google: `UncertainWrite` is raised and the caller
  re-reads and re-locates instead. (gspread's BackOffHTTPClient retries
  forever and retries appends; googleapiclient's num_retries retries POSTs:
  neither is used.)
- `CHORUS_GOOGLE_API_ENDPOINT=http://127.0.0.1:PORT` sends all Google traffic,
  token requests included, to that address (the loopback twin).

Credentials: a service-account key file (settings or
GOOGLE_APPLICATION_CREDENTIALS), with domain-wide delegation to
`delegated_user` for Gmail; or application default credentials. The key is
never printed or logged.
"""

from __future__ import annotations

import json
import logging
import os
import random
import stat
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from sheets_schema.errors import BackendError, ConfigError

log = logging.getLogger("chorus.google")

#: The minimum scopes each backend needs (listed in the README).
SCOPES: dict[str, tuple[str, ...]] = {
    "sheets": ("https://www.googleapis.com/auth/spreadsheets",),
    "drive": ("https://www.googleapis.com/auth/drive.file",),
    "forms": (
        "https://www.googleapis.com/auth/forms.body",
        "https://www.googleapis.com/auth/forms.responses.readonly",
    ),
    "docs": ("https://www.googleapis.com/auth/documents",),
    "gmail": (
        "https://www.googleapis.com/auth/gmail.compose",
        "https://www.googleapis.com/auth/gmail.readonly",
    ),
}
SERVICE_ACCOUNT_SCOPES = SCOPES["sheets"] + SCOPES["drive"] + SCOPES["forms"] + SCOPES["docs"]
DELEGATED_SCOPES = SCOPES["gmail"]

GOOGLE_ORIGINS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
    "https://forms.googleapis.com",
    "https://gmail.googleapis.com",
    "https://docs.googleapis.com",
    "https://accounts.google.com",
)
ENDPOINT_ENV = "CHORUS_GOOGLE_API_ENDPOINT"

_API_BY_HOST = {
    "sheets.googleapis.com": "sheets",
    "forms.googleapis.com": "forms",
    "gmail.googleapis.com": "gmail",
    "docs.googleapis.com": "docs",
    "oauth2.googleapis.com": "oauth2",
    "accounts.google.com": "oauth2",
}


def api_of(url: str) -> str:
    """Which API a URL belongs to (sheets, drive, forms, gmail, docs, oauth2)."""
    parts = urlsplit(url)
    api = _API_BY_HOST.get(parts.hostname or "")
    if api:
        return api
    path = parts.path
    for prefix, name in (
        ("/v4/spreadsheets", "sheets"),
        ("/drive/", "drive"),
        ("/upload/drive/", "drive"),
        ("/v1/forms", "forms"),
        ("/gmail/", "gmail"),
        ("/upload/gmail/", "gmail"),
        ("/v1/documents", "docs"),
        ("/token", "oauth2"),
    ):
        if path.startswith(prefix):
            return name
    return "other"


class UncertainWrite(BackendError):
    """A write that is not safe to repeat may or may not have reached Google."""


@dataclass
class RetryPolicy:
    """Bounded exponential back-off with full jitter; `sleep` and `rng` are injectable."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 32.0
    total: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = min(self.cap, self.base * (2**attempt)) * self.rng()
        return max(backoff, retry_after or 0.0)


RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class _EndpointAdapter(HTTPAdapter):
    """Rewrites every Google origin to one base URL (the loopback twin)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__()
        self.endpoint = endpoint.rstrip("/")

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def,override]
        parts = urlsplit(request.url)
        request.url = self.endpoint + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


@dataclass
class GoogleServices:
    """Credentials plus one session through which every Google call of a run goes."""

    credentials: Any
    delegated_credentials: Any = None
    base_session: requests.Session = field(default_factory=requests.Session)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    calls: Counter = field(default_factory=Counter)
    _sessions: dict[bool, Any] = field(default_factory=dict, repr=False)

    # -- construction --------------------------------------------------------
    @classmethod
    def from_settings(
        cls,
        settings: Any,
        *,
        base_session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> GoogleServices:
        """Credentials from the key file in settings, $GOOGLE_APPLICATION_CREDENTIALS, or ADC."""
        session = base_session or requests.Session()
        endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
        if endpoint:
            adapter = _EndpointAdapter(endpoint)
            for origin in GOOGLE_ORIGINS:
                session.mount(origin, adapter)
        creds, delegated = load_credentials(
            settings.backend.credentials,
            settings.backend.delegated_user,
            settings_path=settings.path,
        )
        return cls(creds, delegated, session, retry or RetryPolicy())

    def authorized_session(self, delegated: bool = False) -> Any:
        """A google-auth AuthorizedSession sharing the base session's transport adapters."""
        from google.auth.transport.requests import AuthorizedSession, Request

        if delegated not in self._sessions:
            creds = self.delegated_credentials if delegated else self.credentials
            if creds is None:
                raise ConfigError(
                    "Gmail needs a delegated user",
                    place="chorus.toml: backend.delegated_user",
                    fix="set delegated_user to the address Chorus sends as, and grant the service account domain-wide delegation",
                )
            authed = AuthorizedSession(creds, auth_request=Request(session=self.base_session))
            for prefix, adapter in self.base_session.adapters.items():
                authed.mount(prefix, adapter)
            self._sessions[delegated] = authed
        return self._sessions[delegated]

    # -- the one door ----------------------------------------------------------
    def send(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool | None = None,
        delegated: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """One API request with bounded retries; returns the final response (even 4xx).

        A non-idempotent write that may have reached Google raises UncertainWrite
        instead of being repeated.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE")
        session = self.authorized_session(delegated)
        api = api_of(url)
        started = time.monotonic()
        attempt = 0
        timeout = kwargs.pop("timeout", None) or self.timeout
        while True:
            self.calls[api] += 1
            try:
                response = session.request(method, url, timeout=timeout, **kwargs)
            except (
                requests.ConnectionError,
                requests.Timeout,
                ConnectionError,
                TimeoutError,
            ) as exc:
                if not idempotent:
                    raise UncertainWrite(
                        f"{method} {_short(url)} lost its answer ({type(exc).__name__})",
                        fix="Chorus re-reads before trying again; re-run the job if it stopped here",
                    ) from exc
                error: str = type(exc).__name__
                retry_after = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                # 429 means Google did not do it; a 5xx on a write may have been applied.
                if not idempotent and response.status_code != 429:
                    raise UncertainWrite(
                        f"{method} {_short(url)} answered {response.status_code}",
                        fix="Chorus re-reads before trying again; re-run the job if it stopped here",
                    )
                error = f"HTTP {response.status_code}"
                retry_after = _retry_after(response)
            wait = self.retry.delay(attempt, retry_after)
            attempt += 1
            if (
                attempt >= self.retry.attempts
                or (time.monotonic() - started) + wait > self.retry.total
            ):
                raise BackendError(
                    f"Google {api} did not answer {method} {_short(url)} after {attempt} tries (last: {error})",
                    fix="check https://www.google.com/appsstatus and re-run; nothing was half-written",
                )
            log.info("retrying %s %s after %s in %.1fs", method, _short(url), error, wait)
            self.retry.sleep(wait)

    def total_calls(self) -> int:
        """API calls so far (token requests not counted)."""
        return sum(v for k, v in self.calls.items() if k != "oauth2")

    # -- client libraries ------------------------------------------------------
    def gspread_client(self) -> Any:
        """A gspread Client whose every request goes through `send`."""
        import gspread

        client = gspread.Client(auth=None, session=self.authorized_session())  # type: ignore[arg-type]
        client.http_client = _gspread_client_class()(self)
        return client

    def discovery(self, api: str, version: str, *, delegated: bool = False) -> Any:
        """A googleapiclient resource (static discovery) whose requests go through `send`."""
        from googleapiclient.discovery import build

        return build(
            api,
            version,
            http=_HttplibShim(self, delegated),
            static_discovery=True,
            cache_discovery=False,
        )

    def service_account_email(self) -> str:
        return getattr(self.credentials, "service_account_email", "") or "the service account"


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path[:120]


def _gspread_idempotent(method: str, endpoint: str) -> bool:
    if method.upper() in ("GET", "PUT", "DELETE"):
        return True
    # values:batchUpdate and the clears write the same thing again; appends and
    # structural batchUpdates (addSheet, deleteDimension) do not.
    return endpoint.endswith(("values:batchUpdate", ":batchClear", ":clear", "values:batchGet"))


def _gspread_client_class() -> type:
    """gspread's HTTPClient with `request` going through GoogleServices.send (built lazily)."""
    from gspread.exceptions import APIError
    from gspread.http_client import HTTPClient

    class GspreadHTTPClient(HTTPClient):
        def __init__(self, services: GoogleServices) -> None:  # noqa: D107
            self.services = services
            self.session = services.authorized_session()
            self.timeout = None

        def request(
            self,
            method: str,
            endpoint: str,
            params: Any = None,
            data: Any = None,  # type: ignore[override]
            json: Any = None,
            files: Any = None,
            headers: Any = None,
        ) -> requests.Response:
            response = self.services.send(
                method,
                endpoint,
                idempotent=_gspread_idempotent(method, endpoint),
                params=params,
                data=data,
                json=json,
                files=files,
                headers=headers,
            )
            if response.ok:
                return response
            raise APIError(response)

    return GspreadHTTPClient


class _HttplibShim:
    """An httplib2.Http look-alike for googleapiclient, sending through GoogleServices.send."""

    def __init__(self, services: GoogleServices, delegated: bool) -> None:
        self.services = services
        self.delegated = delegated
        self.timeout = services.timeout

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[Any, bytes]:
        import httplib2

        idempotent = method.upper() in ("GET", "PUT", "DELETE")
        response = self.services.send(
            method,
            uri,
            idempotent=idempotent,
            delegated=self.delegated,
            data=body,
            headers=dict(headers or {}),
        )
        info = {k.lower(): v for k, v in response.headers.items()}
        info["status"] = str(response.status_code)
        return httplib2.Response(info), response.content

    def close(self) -> None:  # googleapiclient calls it
        pass


def load_credentials(
    path: Path | None, delegated_user: str = "", *, settings_path: Path | None = None
) -> tuple[Any, Any]:
    """Service-account credentials (and a delegated copy for Gmail), or application defaults."""
    where = f"{settings_path}: backend.credentials" if settings_path else "backend.credentials"
    env_path = os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path is None and env_path:
        path, where = Path(env_path), "$GOOGLE_APPLICATION_CREDENTIALS"
    if path is None:
        import google.auth
        from google.auth.exceptions import DefaultCredentialsError

        try:
            creds, _ = google.auth.default(scopes=list(SERVICE_ACCOUNT_SCOPES))
        except DefaultCredentialsError:
            raise ConfigError(
                "no Google credentials found",
                place=where,
                fix='set credentials = "service-account.json" under [backend], or GOOGLE_APPLICATION_CREDENTIALS',
            ) from None
        delegated = (
            creds.with_subject(delegated_user)
            if delegated_user and hasattr(creds, "with_subject")
            else None
        )
        return creds, delegated
    info = read_key_file(path, where)
    from google.oauth2 import service_account

    try:
        creds = service_account.Credentials.from_service_account_info(
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
        delegated = service_account.Credentials.from_service_account_info(
            info, scopes=list(DELEGATED_SCOPES), subject=delegated_user
        )
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
