"""The one translator from what Google refused to Chorus's errors, with the place and the fix.

Google says no in several shapes: an HTTP answer (a `requests.Response`,
googleapiclient's `HttpError`, gspread's `APIError`), a refused token
(google-auth's `RefreshError`), a token endpoint out of reach (`TransportError`),
or no answer at all after the retries (`BackendError` from the transport,
`UncertainWrite` when a write may have landed). `refusal_of` reads each shape
into one `Refusal`; `google_error` turns that into the ChorusError an adapter
raises, choosing the fix by status: access (401/403/404: share, check the id,
enable the API), a token (the key or the delegation), or none (Google's own
message says what was wrong).

Each adapter names what it was doing, where, and its own error class (form
sources raise InputError, the Gmail mailer the ledger's MailError kinds);
the statuses and their fixes are decided here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError

from automation.google.apis import API_NAMES, api_of
from sheets_schema.errors import BackendError, ChorusError

#: what to do when Google refuses a token for the service account
TOKEN_FIX = "the key may be deleted or disabled: create a new key in IAM > Service accounts > Keys"
#: what to do when Google could not be reached at all
NETWORK_FIX = "check the network and https://www.google.com/appsstatus, then re-run"

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

    def says(self, text: str) -> bool:
        """Whether Google's message contains `text` (for the few answers told apart by wording)."""
        return text in self.message


def refusal_of(error: object) -> Refusal | None:
    """The Refusal in a Google answer or library exception; None for anything else."""
    if isinstance(error, requests.Response):
        return Refusal(error.status_code, _message(error.content, error.reason), api_of(error.url))
    if isinstance(error, HttpError):
        status = int(getattr(error.resp, "status", 0) or 0)
        return Refusal(status, _first_line(error.reason or ""), api_of(error.uri or ""))
    if isinstance(error, RefreshError):
        return Refusal(401, _first_line(str(error)), "oauth2", token=True)
    if isinstance(error, TransportError):
        return Refusal(NO_ANSWER, _first_line(str(error)), "oauth2", token=True)
    # gspread is imported only by the Sheets adapters; an APIError exists only once it is.
    gspread_errors = sys.modules.get("gspread.exceptions")
    if gspread_errors is not None and isinstance(error, gspread_errors.APIError):
        return refusal_of(error.response)
    return None


def google_error(
    error: object,
    doing: str,
    *,
    place: str = "",
    access_fix: str = "",
    token_fix: str = TOKEN_FIX,
    kind: type[ChorusError] = BackendError,
    kinds: Mapping[int, type[ChorusError]] | None = None,
) -> ChorusError:
    """The ChorusError for Google's refusal of `doing` (an answer, a library error, or no answer).

    `kind` is the adapter's error class; `kinds` picks another by status, with
    NO_ANSWER (0) for Google not answering after the retries. A write that may
    have landed (UncertainWrite) is always `kind`: the caller re-reads.
    """
    by_status = kinds or {}
    if isinstance(error, UncertainWrite):
        return kind(f"{doing}: {error.message}", place=place, fix=error.fix)
    if isinstance(error, BackendError):  # the transport's retries were used up
        cls = by_status.get(NO_ANSWER, kind)
        return cls(f"{doing}: {error.message}", place=place, fix=error.fix)
    refusal = refusal_of(error)
    if refusal is None:
        raise TypeError(f"not a Google error: {error!r}")
    cls = by_status.get(refusal.status, kind)
    if refusal.status == NO_ANSWER:
        return cls(
            f"{doing}: Google could not be reached ({refusal.message})", place=place, fix=NETWORK_FIX
        )
    if refusal.token:
        return cls(f"{doing}: Google refused a token ({refusal.message})", place=place, fix=token_fix)
    fix = access_fix if refusal.status in ACCESS_STATUSES else ""
    said = f" ({refusal.message})" if refusal.message else ""
    return cls(
        f"{doing}: {API_NAMES[refusal.api]} answered {refusal.status}{said}", place=place, fix=fix
    )


@contextmanager
def google_errors(
    doing: str,
    *,
    place: str = "",
    access_fix: str = "",
    token_fix: str = TOKEN_FIX,
    kind: type[ChorusError] = BackendError,
    kinds: Mapping[int, type[ChorusError]] | None = None,
) -> Iterator[None]:
    """Run Google calls; whatever Google refuses leaves as `google_error(...)` (other errors pass)."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, BackendError) and refusal_of(exc) is None:
            raise
        raise google_error(
            exc,
            doing,
            place=place,
            access_fix=access_fix,
            token_fix=token_fix,
            kind=kind,
            kinds=kinds,
        ) from None


def _message(body: bytes | str, fallback: str) -> str:
    """Google's error.message from an answer's body, else its first line."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        return _first_line(str(json.loads(text)["error"]["message"]))
    except (ValueError, KeyError, TypeError):
        return _first_line(text) or fallback


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""
