"""The one translator: Google's refusals read the same from every library, with the fix by status."""

from __future__ import annotations

import json

import httplib2
import pytest
import requests
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError
from gspread.exceptions import APIError

from automation.google.errors import NO_ANSWER, GoogleCall, UncertainWrite, refusal_of
from sheets_schema.errors import BackendError, InputError, MailError

FORM_URL = "https://forms.googleapis.com/v1/forms/1abc"


def answer(status: int, message: str, url: str = FORM_URL) -> requests.Response:
    """Google's error answer, as requests hands it over."""
    response = requests.Response()
    response.status_code = status
    response.url = url
    response._content = json.dumps(  # noqa: SLF001 - how a Response carries its body
        {"error": {"code": status, "message": message, "status": "PERMISSION_DENIED"}}
    ).encode()
    return response


def http_error(status: int, message: str) -> HttpError:
    """The same answer as googleapiclient raises it."""
    body = answer(status, message).content
    return HttpError(httplib2.Response({"status": str(status)}), body, uri=FORM_URL)


def test_one_refusal_reads_the_same_from_requests_googleapiclient_and_gspread() -> None:
    said = "The caller does not have permission"
    readings = {
        refusal_of(answer(403, said)),
        refusal_of(http_error(403, said)),
        refusal_of(APIError(answer(403, said))),
    }
    assert len(readings) == 1
    [refusal] = readings
    assert (refusal.status, refusal.message, refusal.api) == (403, said, "forms")
    assert refusal_of(ValueError("a bug")) is None


def test_access_refusals_carry_the_adapters_fix_and_its_error_class() -> None:
    call = GoogleCall(
        "reading the form",
        place="Google Form 1abc",
        access_fix="share the form with chorus@example.iam",
        kind=InputError,
    )
    error = call.error(http_error(404, "Requested entity was not found."))
    assert isinstance(error, InputError)
    assert str(error) == (
        "Google Form 1abc: reading the form: the Forms API answered 404 "
        "(Requested entity was not found.) (share the form with chorus@example.iam)"
    )
    bad_request = call.error(http_error(400, "Invalid value at 'filter'"))
    assert bad_request.fix == ""  # Google's message says what was wrong


def test_a_refused_token_and_an_unreachable_google_have_fixes_of_their_own() -> None:
    call = GoogleCall("sending", token_fix="grant domain-wide delegation")
    token = call.error(RefreshError("unauthorized_client: Client is unauthorized\nmore"))
    assert (
        token.message
        == "sending: Google refused a token (unauthorized_client: Client is unauthorized)"
    )
    assert token.fix == "grant domain-wide delegation"
    offline = call.error(TransportError("Connection refused"))
    assert "could not be reached" in offline.message and "network" in offline.fix


def test_kinds_pick_the_ledgers_failure_by_status_and_no_answer() -> None:
    class Down(MailError):
        pass

    class Refused(MailError):
        pass

    call = GoogleCall("sending", kind=MailError, kinds={400: Refused, 403: Down, NO_ANSWER: Down})
    assert type(call.error(http_error(400, "Invalid To header"))) is Refused
    assert type(call.error(http_error(403, "Delegation denied"))) is Down
    retries_used_up = BackendError("Google gmail did not answer after 6 tries", fix="re-run")
    assert type(call.error(retries_used_up)) is Down
    # A write that may have landed is never "down": the ledger resolves it next run.
    lost = UncertainWrite("POST lost its answer", fix="re-run the job")
    maybe = call.error(lost)
    assert type(maybe) is MailError and maybe.fix == "re-run the job"
    assert (
        GoogleCall("creating", uncertain_fix="run init again").error(lost).fix == "run init again"
    )


def test_around_calls_google_refusals_are_translated_and_anything_else_passes() -> None:
    call = GoogleCall("listing responses", kind=InputError, access_fix="share it")
    with pytest.raises(InputError, match="answered 403") as caught:
        with call:
            raise http_error(403, "no")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(KeyError):
        with call:
            raise KeyError("a bug keeps its traceback")
    with pytest.raises(InputError, match="did not answer"):
        with call:
            raise BackendError("Google forms did not answer GET after 6 tries")


def test_gmails_403_rate_limit_reads_as_a_rate_limit_not_as_refused_access() -> None:
    body = json.dumps(
        {
            "error": {
                "code": 403,
                "message": "User-rate limit exceeded.",
                "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}],
                "status": "PERMISSION_DENIED",
            }
        }
    ).encode()
    limited = HttpError(
        httplib2.Response({"status": "403"}), body, uri="https://gmail.googleapis.com/gmail/v1/x"
    )
    refusal = refusal_of(limited)
    assert refusal is not None and refusal.rate_limited

    class Down(MailError):
        pass

    call = GoogleCall("sending", access_fix="grant domain-wide delegation", kinds={0: Down})
    error = call.error(limited)
    assert type(error) is Down and "rate limit" in error.message
    assert "delegation" not in error.fix and "wait" in error.fix
    assert not refusal_of(http_error(403, "Delegation denied")).rate_limited  # type: ignore[union-attr]
