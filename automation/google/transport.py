"""The one door for Google traffic: one HTTP session, bounded retries, call counts.

Every Google call of a run (gspread for Sheets, googleapiclient for Drive,
Forms, Gmail and Docs) goes through `GoogleServices.send`, so retries and
counting live in one place. `CHORUS_GOOGLE_API_ENDPOINT=http://127.0.0.1:PORT`
sends all Google traffic, token requests included, to that address (the
loopback twin).
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from google.auth.credentials import Credentials
from google.auth.exceptions import RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession, Request
from requests.adapters import HTTPAdapter

from automation.google.apis import API_NAMES, GOOGLE_ORIGINS, api_of
from automation.google.credentials import acting_email, kind_of, load_identity
from automation.google.errors import (
    RATE_FIX,
    RATE_LIMIT_REASONS,
    TOKEN_FIX,
    GoogleCall,
    UncertainWrite,
    reason_of,
)
from sheets_schema.errors import BackendError, ConfigError
from sheets_schema.settings import Settings

log = logging.getLogger("chorus.google")

ENDPOINT_ENV = "CHORUS_GOOGLE_API_ENDPOINT"

# Why the retries are ours. gspread's BackOffHTTPClient retries forever and
# retries appends (a lost answer to values:append becomes duplicate rows), and
# googleapiclient's num_retries retries POSTs (a second drafts.send is a second
# email). So neither is used: reads and idempotent writes are retried here with
# bounded back-off, and a write that is not safe to repeat (values:append, a
# structural spreadsheets:batchUpdate, drafts.send, a create) is never repeated
# once it may have reached Google: UncertainWrite is raised and the caller
# re-reads and re-locates instead.
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


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
        """How long to wait before try `attempt + 1`: jittered back-off, at least Retry-After."""
        backoff = min(self.cap, self.base * 2.0**attempt) * self.rng()
        return max(backoff, retry_after or 0.0)


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

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.url = self.endpoint + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def mount_endpoint(session: requests.Session) -> None:
    """Send the session's Google traffic to $CHORUS_GOOGLE_API_ENDPOINT, when it is set."""
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
    if endpoint:
        adapter = _EndpointAdapter(endpoint)
        for origin in GOOGLE_ORIGINS:
            session.mount(origin, adapter)


@dataclass
class GoogleServices:
    """Credentials plus one session through which every Google call of a run goes."""

    credentials: Credentials
    delegated_credentials: Credentials | None = None
    base_session: requests.Session = field(default_factory=requests.Session)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    calls: Counter[str] = field(default_factory=Counter)
    _sessions: dict[bool, AuthorizedSession] = field(default_factory=dict, repr=False)

    # -- construction --------------------------------------------------------
    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        base_session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
    ) -> GoogleServices:
        """Credentials from the key file in settings, $GOOGLE_APPLICATION_CREDENTIALS, or ADC."""
        session = base_session or requests.Session()
        mount_endpoint(session)
        identity = load_identity(settings)
        return cls(identity.files, identity.mail, session, retry or RetryPolicy())

    def authorized_session(self, delegated: bool = False) -> AuthorizedSession:
        """A google-auth AuthorizedSession sharing the base session's transport adapters."""
        if delegated not in self._sessions:
            creds = self.delegated_credentials if delegated else self.credentials
            if creds is None:
                raise ConfigError(
                    "Gmail needs a delegated user",
                    place="chorus.toml: backend.delegated_user",
                    fix="set delegated_user to the address Chorus sends as, and grant the service account domain-wide delegation",
                )
            authed = AuthorizedSession(creds, auth_request=TokenRequest(self.base_session))  # type: ignore[no-untyped-call]
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
        instead of being repeated (see RETRY_STATUSES for why the retries are ours).
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "HEAD", "PUT", "DELETE")
        session = self.authorized_session(delegated)
        api = api_of(url)
        started = time.monotonic()
        attempt = 0
        maybe_landed = False  # a write's try that Google may have carried out
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        while True:
            self.calls[api] += 1
            outcome = _try_once(session, method, url, idempotent, kwargs)
            if isinstance(outcome, requests.Response):
                return outcome
            error, retry_after = outcome
            maybe_landed = maybe_landed or (
                method.upper() not in ("GET", "HEAD")
                and error != "HTTP 429"
                and not error.startswith("rate limit")
            )
            wait = self.retry.delay(attempt, retry_after)
            attempt += 1
            if (
                attempt >= self.retry.attempts
                or (time.monotonic() - started) + wait > self.retry.total
            ):
                raise BackendError(
                    f"Google {api} did not answer {method} {_short(url)} after {attempt} tries "
                    f"(last: {error}); {_what_landed(method, maybe_landed)}",
                    fix=RATE_FIX
                    if error.startswith(("rate limit", "HTTP 429"))
                    else "check https://www.google.com/appsstatus and re-run",
                )
            log.info("retrying %s %s after %s in %.1fs", method, _short(url), error, wait)
            self.retry.sleep(wait)

    def total_calls(self) -> int:
        """API calls so far (token requests not counted)."""
        return sum(v for k, v in self.calls.items() if k != "oauth2")

    # -- client libraries ------------------------------------------------------
    def gspread_client(self) -> Any:
        """A gspread Client whose every request goes through `send`."""
        import gspread  # slow to import; only the Sheets adapters need it

        client = gspread.Client(auth=None, session=self.authorized_session())  # type: ignore[arg-type]
        client.http_client = _gspread_client_class()(self)
        return client

    def discovery(self, api: str, version: str, *, delegated: bool = False) -> Any:
        """A googleapiclient resource (static discovery) whose requests go through `send`."""
        from googleapiclient.discovery import build  # slow to import; a Sheets-only run skips it

        return build(
            api,
            version,
            http=_HttplibShim(self, delegated),
            static_discovery=True,
            cache_discovery=False,
        )

    def service_account_email(self) -> str:
        """Who Chorus acts as for files (the delegated user, the signed-in person or the service
        account): who to share files with, for the fixes in messages."""
        return acting_email(self.credentials) or "the service account"


def _try_once(
    session: AuthorizedSession, method: str, url: str, idempotent: bool, kwargs: dict[str, Any]
) -> requests.Response | tuple[str, float | None]:
    """One try: the final response, or (what went wrong, Retry-After) when it is worth another."""
    try:
        response: requests.Response = session.request(method, url, **kwargs)  # type: ignore[no-untyped-call]
    except TransportError as exc:
        # No token yet, so the call itself was never sent: safe to try again, writes included.
        return f"token request failed ({_first(exc)})", None
    except RefreshError as exc:
        # The token, not the call, was refused (a deleted or disabled key answers invalid_grant,
        # a delegation without the scopes unauthorized_client): one clear error, no trace.
        raise GoogleCall(
            f"signing in as {_signer(session)}", token_fix=token_fix_for(session.credentials)
        ).error(exc) from None
    except (requests.ConnectionError, requests.Timeout, ConnectionError, TimeoutError) as exc:
        if not idempotent:
            raise UncertainWrite(
                f"{method} {_short(url)} lost its answer ({type(exc).__name__})",
                fix="Chorus re-reads before trying again; re-run the job if it stopped here",
            ) from exc
        return type(exc).__name__, None
    if response.status_code == 403 and reason_of(response.content) in RATE_LIMIT_REASONS:
        # Gmail's "too fast" is a 403 (rateLimitExceeded, userRateLimitExceeded): like a 429,
        # nothing was done, so it is waited out and retried, never read as refused access.
        return f"rate limit (HTTP 403 {reason_of(response.content)})", _retry_after(response)
    if response.status_code not in RETRY_STATUSES:
        return response
    # 429 means Google did not do it; a 5xx on a write may have been applied.
    if not idempotent and response.status_code != 429:
        raise UncertainWrite(
            f"{method} {_short(url)} answered {response.status_code}",
            fix="Chorus re-reads before trying again; re-run the job if it stopped here",
        )
    return f"HTTP {response.status_code}", _retry_after(response)


def _what_landed(method: str, maybe_landed: bool) -> str:
    """What is known of a request whose retries ran out, in words for the error."""
    if method.upper() in ("GET", "HEAD"):
        return "it only reads, so nothing was written"
    if not maybe_landed:
        # a write that is not safe to repeat gets here only through rate limits: not done
        return (
            "Google refused it each time as too many requests (its rate limit), so it did not land"
        )
    return "it may have landed; re-running writes the same values again"


def _signer(session: AuthorizedSession) -> str:
    """Who asked for the token, for the message: the delegated user, person or service account."""
    return acting_email(session.credentials) or "the service account"


def token_fix_for(creds: Credentials) -> str:
    """What to do when Google refuses this identity a token."""
    if kind_of(creds) == "oauth":
        return "the sign-in was revoked or has expired: run `chorus auth login` again"
    return TOKEN_FIX


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


class TokenRequest(Request):
    """google-auth's token transport, with the retries left to `GoogleServices.send`.

    google-auth retries a token endpoint's 5xx and 429 itself, sleeping on the
    wall clock between tries; answering those as a TransportError instead puts
    every retry under the one bounded, injectable RetryPolicy.
    """

    def __call__(
        self,
        url: Any,
        method: Any = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        """One token request; a retryable status becomes a TransportError."""
        response = super().__call__(url, method, body, headers, timeout, **kwargs)  # type: ignore[no-untyped-call]
        if response.status in RETRY_STATUSES:
            raise TransportError(f"{API_NAMES['oauth2']} answered {response.status}")  # type: ignore[no-untyped-call]
        return response


def _short(url: str) -> str:
    parts = urlsplit(url)
    return parts.path[:120]


def _gspread_idempotent(method: str, endpoint: str) -> bool:
    if method.upper() in ("GET", "PUT", "DELETE"):
        return True
    # values:batchUpdate and the clears write the same thing again; appends and
    # structural batchUpdates (addSheet, deleteDimension) do not.
    return endpoint.endswith(("values:batchUpdate", ":batchClear", ":clear", "values:batchGet"))


def _gspread_client_class() -> type[Any]:
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
            data: Any = None,
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
        """What httplib2.Http.request returns, for one call through `send`."""
        import httplib2  # googleapiclient's own dependency, loaded with it

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

    def close(self) -> None:
        """googleapiclient calls it; there is nothing to close."""
