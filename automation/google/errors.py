"""The one translator from what Google refused to Chorus's errors, with the place and the fix.

Google says no in several shapes: an HTTP answer (a `requests.Response`,
googleapiclient's `HttpError`, gspread's `APIError`), a refused token
(google-auth's `RefreshError`), a token endpoint out of reach (`TransportError`),
or no answer at all after the retries (`BackendError` from the transport,
`UncertainWrite` when a write may have landed). `refusal_of` reads each shape
into one `Refusal`; `GoogleCall.error` turns that into the ChorusError an
adapter raises, choosing the fix by status: access (401/403/404: share, check
the id, enable the API), a token (the key or the delegation), or none
(Google's own message says what was wrong).

Each adapter names what it was doing, where, and its own error class (form
sources raise InputError, the Gmail mailer the ledger's MailError kinds);
the statuses and their fixes are decided here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

import requests
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from automation.google.apis import API_NAMES, SCOPES, api_of
from sheets_schema.errors import BackendError, ChorusError

#: what to do when Google refuses a token for the service account
TOKEN_FIX = "the key may be deleted or disabled: create a new key in IAM > Service accounts > Keys"
#: what to do when Google refuses a delegated token: the Admin console has not granted the scopes
ADMIN_SCOPES_FIX = (
    "the service account's client ID is not granted these scopes for domain-wide delegation: in "
    "the Admin console (Security > Access and data control > API controls > Domain-wide "
    "delegation) add the client ID (Cloud console > IAM > Service accounts > Unique ID) with "
    + ",".join(s for api in ("sheets", "drive", "forms", "docs", "gmail") for s in SCOPES[api])
    + (" (and " + ",".join(SCOPES["calendar"]) + " when [cadence] calendar_id is set)")
)
#: what to do when Google could not be reached at all
NETWORK_FIX = "check the network and https://www.google.com/appsstatus, then re-run"

#: what to do when Google's rate limit held after Chorus's retries
RATE_FIX = "Google limits how fast one user may call it: wait a few minutes and re-run"
#: Gmail (and Drive) say "too fast" with a 403 and one of these reasons, not with a 429
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})

#: the statuses whose fix is access: share the file, check its id, enable the API
ACCESS_STATUSES = (401, 403, 404)
#: `status` of a Refusal with no HTTP answer behind it (the token endpoint was out of reach)
NO_ANSWER = 0


class UncertainWrite(BackendError):
    """A write that is not safe to repeat may or may not have reached Google."""


@dataclass(frozen=True)
class Refusal:
    """What Google answered, read the same way whichever client library carried it."""

    status: int
    message: str
    api: str
    token: bool = False  # a token was refused: the key or the delegation, not the file
    reason: str = ""  # Google's errors[0].reason, when it gave one

    @property
    def rate_limited(self) -> bool:
        """A 403 that means "too fast", not "not allowed" (Gmail's usageLimits reasons)."""
        return self.status == 403 and self.reason in RATE_LIMIT_REASONS

    def says(self, text: str) -> bool:
        """Whether Google's message contains `text` (for the few answers told apart by wording)."""
        return text in self.message


def refusal_of(error: object) -> Refusal | None:
    """The Refusal in a Google answer or library exception; None for anything else."""
    if isinstance(error, requests.Response):
        return Refusal(
            error.status_code,
            _message(error.content, error.reason),
            api_of(error.url),
            reason=reason_of(error.content),
        )
    if isinstance(error, HttpError):
        status = int(getattr(error.resp, "status", 0) or 0)
        return Refusal(
            status,
            _first_line(error.reason or ""),
            api_of(error.uri or ""),
            reason=reason_of(error.content),
        )
    if isinstance(error, RefreshError):
        # google-auth raises RefreshError(message, response body): the message alone reads well
        said = error.args[0] if error.args and isinstance(error.args[0], str) else str(error)
        return Refusal(401, _first_line(said), "oauth2", token=True)
    if isinstance(error, TransportError):
        return Refusal(NO_ANSWER, _first_line(str(error)), "oauth2", token=True)
    # gspread is imported only by the Sheets adapters; an APIError exists only once it is.
    gspread_errors = sys.modules.get("gspread.exceptions")
    if gspread_errors is not None and isinstance(error, gspread_errors.APIError):
        return refusal_of(error.response)
    return None


@dataclass(frozen=True)
class GoogleCall:
    """What an adapter was asking Google, and how a refusal of it reads: the one translator.

    Used as `with GoogleCall("reading the form", place=..., kind=InputError): ...`
    around the calls (Google's refusals leave as `error(...)`, anything else
    passes), or as `raise GoogleCall(...).error(response)` for an answer in hand.

    `kind` is the adapter's error class; `kinds` picks another by status, with
    NO_ANSWER (0) for Google not answering after the retries. `access_fix` is
    for 401/403/404 (Google answers 404 for a file not shared, too), `fixes`
    replaces the fix for a status where the adapter knows better. A write that
    may have landed (UncertainWrite) is always `kind`, with `uncertain_fix`
    when the caller knows better than "re-run the job".
    """

    doing: str
    place: str = ""
    access_fix: str = ""
    token_fix: str = TOKEN_FIX
    uncertain_fix: str = ""
    fixes: Mapping[int, str] = field(default_factory=dict)
    kind: type[ChorusError] = BackendError
    kinds: Mapping[int, type[ChorusError]] = field(default_factory=dict)

    def error(self, error: object) -> ChorusError:
        """The ChorusError for Google's refusal: an answer, a library's exception, or no answer."""
        if isinstance(error, UncertainWrite):
            return self._make(self.kind, error.message, self.uncertain_fix or error.fix)
        if isinstance(error, BackendError):  # the transport's retries were used up
            return self._make(self.kinds.get(NO_ANSWER, self.kind), error.message, error.fix)
        refusal = refusal_of(error)
        if refusal is None:
            raise TypeError(f"not a Google error: {error!r}")
        kind = self.kinds.get(refusal.status, self.kind)
        if refusal.status == NO_ANSWER:
            return self._make(kind, f"Google could not be reached ({refusal.message})", NETWORK_FIX)
        if refusal.token:
            # a caller's own token fix knows better; else unauthorized_client is the Admin console
            admin = refusal.says("unauthorized_client") and self.token_fix == TOKEN_FIX
            fix = ADMIN_SCOPES_FIX if admin else self.token_fix
            return self._make(kind, f"Google refused a token ({refusal.message})", fix)
        if refusal.rate_limited:  # too fast, not forbidden: never the access fix
            return self._make(
                self.kinds.get(429, self.kinds.get(NO_ANSWER, self.kind)),
                f"{API_NAMES[refusal.api]} answered {refusal.status} ({refusal.message}): "
                "Google's rate limit",
                RATE_FIX,
            )
        fix = self.access_fix if refusal.status in ACCESS_STATUSES else ""
        said = f" ({refusal.message})" if refusal.message else ""
        return self._make(
            kind,
            f"{API_NAMES[refusal.api]} answered {refusal.status}{said}",
            self.fixes.get(refusal.status, fix),
        )

    def _make(self, kind: type[ChorusError], message: str, fix: str) -> ChorusError:
        return kind(f"{self.doing}: {message}", place=self.place, fix=fix)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, BackendError) or (
            isinstance(exc, Exception) and refusal_of(exc) is not None
        ):
            raise self.error(exc) from None


def reason_of(body: bytes | str | None) -> str:
    """Google's error.errors[0].reason from an answer's body ('' when there is none)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        return str(json.loads(text)["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ""


def _message(body: bytes | str, fallback: str) -> str:
    """Google's error.message from an answer's body, else its first line."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        return _first_line(str(json.loads(text)["error"]["message"]))
    except (ValueError, KeyError, TypeError):
        return _first_line(text) or fallback


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""
