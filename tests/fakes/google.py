"""In-memory, strict twins of the Google APIs Chorus uses, served as one WSGI application.

Why: Chorus's Google adapters (gspread for Sheets/Drive, google-api-python-client for Forms,
Gmail and Docs, google-auth for service accounts) must be tested with the real client libraries,
fast, offline and without patching them. The twin answers under Google's real hosts and paths,
with Google's bodies and error shapes, and is checked against recordings of real Google traffic.

Fidelity: `PYTHONPATH=. python ../shared/google-traffic/replay.py ../shared/google-traffic/gspread-cassettes`
reports 1650/1887 real Google answers matched (87.4%), below the 95% asked for, and no honest
twin can do better: every one of the 237 misses is an answer the scorer cannot map.
  - 195 are about spreadsheets that already sat in the recorder's Drive before the recording
    (ClientTest.test_openall / test_open_all_has_metadata list the Drive and open each file, by
    Google's ids and titles that appear in no request); plus one 403 for someone else's file.
  - 42 name a sheetId / namedRangeId that Google assigned inside an earlier reply; replay.py
    maps only top-level "id"/"spreadsheetId", so the twin receives Google's number, not its own.
With those ids mapped too and the pre-existing-Drive interactions set aside (what
tests/test_google_conformance.py measures), the twin matches 1692/1692 answerable answers (100%).

Public API (other engineers use these):

    twin = make_app(require_auth=True)           # a GoogleTwin; also a WSGI callable
    key = twin.make_service_account_key(path=None, email=None) -> dict   # real RSA key JSON
    creds = twin.credentials(scopes, subject=None)                       # service-account creds
    twin.requests_session() -> requests.Session  # adapter mounted for all Google origins
    twin.mount(session)                          # mount the adapter on an existing session
    twin.authorized_session(creds) -> AuthorizedSession  (token refresh goes to the twin too)
    twin.gspread_client(creds) -> gspread.Client
    twin.httplib2_http() -> httplib2.Http look-alike; twin.authorized_http(creds)
    twin.build("gmail", "v1", creds) -> googleapiclient Resource (static discovery)
    twin.calls                 Counter{(api, method_id): n}, e.g. ("sheets", "spreadsheets.values.batchGet")
    twin.call_count(api=None, method=None) -> int;  twin.calls_by_api() -> {api: {method: n}}
    twin.reset_calls()
    twin.inject(fault, at_call=1, api=None, method=None, times=1, after_apply=False, retry_after=1)
    twin.clear_faults()
    # Sheets/Drive seeding and inspection
    twin.create_spreadsheet(title, tabs={"Queue": [["ID", "Title"], ...]}) -> spreadsheet id
    twin.sheet_values(spreadsheet_id, "Queue!A1:C") -> list[list] (FORMATTED_VALUE, trimmed)
    # Forms
    twin.forms_create(title, questions=[...]) -> form id
    twin.forms_add_response(form_id, {"Question title or id": "answer"}, email=None, submitted_at=None)
    # Gmail
    twin.gmail_rewrites_message_id = True   # Gmail replaces the client's Message-ID on send
    twin.gmail_add_message(user, raw_bytes, labels=["INBOX"]) -> message id
    twin.gmail_sent(user) -> list[email.message.EmailMessage]
    twin.gmail_messages(user, label=None) -> list[EmailMessage]
    # Docs
    twin.docs_text(document_id) -> str
    # Who owns what (tests/fakes/google_ownership.py) and who may sign in (google_oauth.py)
    twin.files_listing() -> [{"id", "name", "mimeType", "owners": [emails], "driveId", ...}]
    twin.create_shared_drive(name, {email: role}) -> drive id
    twin.service_accounts_own_files = False   # True: the old kindness, a robot may own files
    twin.forms_created_published = False      # True: forms.create makes a published form
    twin.granted_subjects = {"@example.org"}  # domain-wide delegation: users (or "@domain")
    twin.delegated_scopes = None              # the scopes the Admin console granted (None: all)
    twin.oauth_user = "coordinator@example.org"   # who consents on the OAuth consent page
    twin.make_oauth_client(path) -> client secret JSON (Desktop app)
    twin.authorized_user_info(user, scopes) -> a stored OAuth token, refreshable here

Authentication: the token endpoints (https://oauth2.googleapis.com/token and
https://accounts.google.com/o/oauth2/token, or /token in server mode) accept JWT-bearer grants
signed by a key from make_service_account_key (signature checked with its public key; `sub`
honoured for domain-wide delegation, so Gmail's "me" is the delegated user, and refused with
401 unauthorized_client for a subject outside `granted_subjects` or scopes beyond
`delegated_scopes`), and OAuth authorization_code (after GET /o/oauth2/auth, which consents at
once as `oauth_user` and redirects to the client's localhost) and refresh_token grants, with
the client id and secret in the body or HTTP Basic. Faults injected with api="oauth2" hit the
token endpoint ("reset" drops the line, "500" answers 500). API calls then need
`Authorization: Bearer <token the twin issued>` (a self-signed service-account JWT also works);
otherwise 401 UNAUTHENTICATED as Google answers. A token whose scopes do not cover the method
gets 403 "insufficient authentication scopes". `make_app()` without arguments does not *require*
a token, because the replay scorer sends none; a token that is sent is still checked. Use
`make_app(require_auth=True)` when testing production code.

Ownership: a service account without a delegated user that creates a file in a My Drive
(spreadsheets.create, forms.create, documents.create, Drive files.create/copy) gets Google's 403
(Drive: storageQuotaExceeded "Service Accounts do not have storage quota..."); files record
`owners` (the delegated user or person who made them) or, in a shared drive, a `driveId` and no
owners, and Drive answers 404 for a shared-drive file without supportsAllDrives=true. Forms made
through forms.create start unpublished (Google, after 30 June 2026); forms.setPublishSettings
publishes them, and forms_add_response takes an answer only for a published form, from someone
its Drive permissions with view "published" let respond.

Strictness: routes, HTTP methods, query parameter names and request-body field names come from
the discovery documents inside google-api-python-client. Unknown query parameters get Google's
400 ("Cannot bind query parameter") on Sheets, Forms, Gmail and Docs; Drive v3 ignores them, as
the recordings show it does. Unknown body fields get "Unknown name ... Cannot find field".

Counting and faults: every routed API call is counted by (api, discovery method id); token
requests are counted apart in `twin.token_requests`. `inject` schedules a fault on the
`at_call`-th call (1-based, counted from the moment of injection) among calls matching `api`
and `method` (method matches the full id or its tail, e.g. "values.batchGet"), repeated on the
next `times - 1` matching calls. Faults:
    "429"  -> 429 RESOURCE_EXHAUSTED with a Retry-After header (seconds, `retry_after`)
    "500"  -> 500 INTERNAL;  "503" -> 503 UNAVAILABLE
    "reset"   -> no answer: requests raises ConnectionError, httplib2 ConnectionResetError,
                 a loopback client sees the connection closed
    "timeout" -> requests raises ReadTimeout, httplib2 TimeoutError (socket.timeout); in
                 server mode the request hangs `fault_timeout` seconds and is dropped
    "403-rate" -> Gmail's 403 userRateLimitExceeded (domain usageLimits), with Retry-After
With after_apply=True the request is carried out first (the write happens) and then the answer
is replaced by the fault: the "write landed but the answer was lost" case.

Server mode: `python -m tests.fakes.google --port PORT [--key-file PATH]` serves the same app on
127.0.0.1, writes a throwaway service-account key whose token_uri points at the server, and prints
the base URL on one line. All APIs share that base URL and are routed by path (/v4/spreadsheets,
/drive/v3, /upload/drive/v3, /v1/forms, /v1/documents, /gmail/v1, /token); `GET /_twin/calls`
returns {"sheets": {"spreadsheets.values.batchGet": 2}, ...}; `GET /_twin/files` returns
{"files": [...]} as files_listing() does. Point production code at it with
CHORUS_GOOGLE_API_ENDPOINT=http://127.0.0.1:PORT and the key file as its credentials.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email
import json
import random
import secrets
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.client import responses as reasons
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from tests.fakes.google_calendar import CalendarTwin
from tests.fakes.google_docs import DocsTwin
from tests.fakes.google_forms import FormsTwin
from tests.fakes.google_gmail import GmailTwin
from tests.fakes.google_http import (
    ApiError,
    Request,
    Response,
    bad_request,
    match_route,
    parse_query,
    unknown_query_params,
    validate_body,
)
from tests.fakes.google_oauth import OAuthClients
from tests.fakes.google_ownership import Ownership
from tests.fakes.google_sheets import SheetsDrive
from tests.fakes.google_sheets_model import Box
from tests.fakes.google_transport import (
    GOOGLE_ORIGINS,
    TwinAdapter,
    TwinConnectionReset,
    TwinHttp,
    TwinTimeout,
    serve,
)

TOKEN_PATHS = ("/token", "/o/oauth2/token", "/oauth2/v4/token")
CONSENT_PATHS = ("/o/oauth2/auth", "/o/oauth2/v2/auth")
#: Google's answer when the Admin console has not granted a client the scopes it asks for a user
UNAUTHORIZED_CLIENT = (
    "Client is unauthorized to retrieve access tokens using this method, or client not "
    "authorized for any of the scopes requested."
)
# Google's front end refuses a JSON body over 10 MiB before the API sees it (uploads aside).
PAYLOAD_LIMIT = 10_485_760
PAYLOAD_ERROR = f"Request payload size exceeds the limit: {PAYLOAD_LIMIT} bytes."
FAULTS = ("429", "500", "503", "reset", "timeout", "403-rate")
# Google's binder rejects unknown query parameters on these One Platform APIs; Drive ignores them.
STRICT_QUERY_APIS = {"sheets", "forms", "gmail", "docs"}
# Where the body binds in the gRPC request message, for Google's "Invalid value at 'data.values'".
BODY_FIELD = {"spreadsheets.values.update": "data", "spreadsheets.values.append": "data"}
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)
MISSING_CREDENTIALS = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login "
    "cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


@dataclass
class Principal:
    """Who a token speaks for: the service account, and the delegated user if any."""

    email: str
    subject: str | None = None
    scopes: frozenset = frozenset()

    @property
    def user(self) -> str:
        return self.subject or self.email

    @property
    def robot(self) -> bool:
        """A service account speaking for itself (no delegated user): it may not own files."""
        return self.subject is None and self.email.endswith(".gserviceaccount.com")


@dataclass
class Fault:
    kind: str
    at_call: int
    api: str | None
    method: str | None
    times: int
    after_apply: bool
    retry_after: int
    seen: int = 0
    fired: int = 0

    def matches(self, api: str, method_id: str) -> bool:
        if self.api is not None and self.api != api:
            return False
        if self.method is not None and not (
            method_id == self.method or method_id.endswith("." + self.method)
        ):
            return False
        return True


@dataclass
class _Key:
    email: str
    key_id: str
    public_pem: str
    client_id: str


@dataclass
class GoogleTwin:
    """The WSGI application and its in-memory Google state. Build it with make_app()."""

    require_auth: bool = True
    seed: int | None = None
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    base_url: str | None = None  # set in server mode
    #: domain-wide delegation: the users a key may act as (addresses, or "@domain" for all of it)
    granted_subjects: set[str] = field(default_factory=lambda: {"@example.org"})
    #: the scopes the Admin console granted for delegation (None: whatever is asked)
    delegated_scopes: frozenset[str] | None = None
    #: who consents on the OAuth consent page
    oauth_user: str = "coordinator@example.org"

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.store = SheetsDrive(self.rng, lambda: self.now())
        self.forms = FormsTwin(self.rng, lambda: self.now())
        self.gmail = GmailTwin(self.rng, lambda: self.now())
        self.docs = DocsTwin(self.rng, lambda: self.now())
        self.calendar = CalendarTwin(self.rng, lambda: self.now())
        self.store.on_create["application/vnd.google-apps.form"] = self._drive_made_form
        self.store.on_create["application/vnd.google-apps.document"] = self.docs.create_blank
        self.store.on_delete["application/vnd.google-apps.form"] = self.forms.forms.pop
        self.store.on_delete["application/vnd.google-apps.document"] = self.docs.documents.pop
        self.forms.register_file = self._register_file
        self.docs.register_file = self._register_file
        self.ownership = Ownership(self.rng, self.store.files)
        self.store.drive_of = self.ownership.drive_of
        self.forms.responders_of = self._responders_of
        self.oauth = OAuthClients()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.token_requests = 0
        self.faults: list[Fault] = []
        self._keys: dict[str, _Key] = {}
        self._tokens: dict[str, Principal] = {}
        self._lock = threading.RLock()
        self._handlers: dict[tuple[str, str], Callable[[Request], Response]] = {}
        self._handlers.update(self.store.handlers())
        self._handlers.update(self.forms.handlers())
        self._handlers.update(self.gmail.handlers())
        self._handlers.update(self.docs.handlers())
        self._handlers.update(self.calendar.handlers())
        self._handlers[("drive", "drives.get")] = self.ownership.h_drives_get
        self._handlers[("drive", "about.get")] = self.ownership.h_about_get

    @property
    def service_accounts_own_files(self) -> bool:
        """False (Google today): a service account's create is refused; True: the old kindness."""
        return self.ownership.service_accounts_own_files

    @service_accounts_own_files.setter
    def service_accounts_own_files(self, value: bool) -> None:
        self.ownership.service_accounts_own_files = value

    @property
    def forms_created_published(self) -> bool:
        """False (Google after 30 June 2026): forms.create makes an unpublished form."""
        return self.forms.created_published

    @forms_created_published.setter
    def forms_created_published(self, value: bool) -> None:
        self.forms.created_published = value

    # ------------------------------------------------------------ WSGI

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        with self._lock:
            response = self.handle(environ)
        status = f"{response.status} {reasons.get(response.status, 'Unknown')}"
        headers = dict(response.headers)
        headers.setdefault("Content-Length", str(len(response.body)))
        start_response(status, list(headers.items()))
        return [response.body]

    def handle(self, environ: dict) -> Response:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or "/"
        query = parse_query(environ.get("QUERY_STRING", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        if path == "/_twin/calls" and method == "GET":
            return Response.json(self.calls_by_api())
        if path == "/_twin/files" and method == "GET":
            return Response.json({"files": self.ownership.listing()})
        if path in CONSENT_PATHS and method == "GET":
            return self.oauth.consent(environ.get("QUERY_STRING", ""), self.oauth_user)
        if path in TOKEN_PATHS and method == "POST":
            self.token_requests += 1
            fault = self._due_fault("oauth2", "token")
            if fault is not None:
                return self._fault_response(fault)
            return self.token_endpoint(body, headers.get("authorization", ""))
        found = match_route(method, path)
        if found is None:
            return Response.error(
                ApiError(404, f"The requested URL {path} was not found on this server.")
            )
        route, params = found
        self.calls[(route.api, route.method_id)] += 1
        fault = self._due_fault(route.api, route.method_id)
        if fault is not None and not fault.after_apply:
            return self._fault_response(fault)
        if len(body) > PAYLOAD_LIMIT and not route.upload:
            return Response.error(bad_request(PAYLOAD_ERROR))
        try:
            principal = self.authenticate(headers, query, route.scopes)
            if route.api in STRICT_QUERY_APIS:
                for name in unknown_query_params(route, query):
                    message = (
                        f'Invalid JSON payload received. Unknown name "{name}": Cannot bind '
                        f"query parameter. Field '{name}' could not be found in request message."
                    )
                    raise bad_request(message, field_name=name)
            req = Request(
                route.api,
                route.method_id,
                method,
                params,
                query,
                body,
                headers,
                principal,
                route.upload,
                self.base_url or "",
            )
            if not route.upload and body.strip() and "json" in headers.get("content-type", "json"):
                validate_body(route, req.json, BODY_FIELD.get(route.method_id, ""))
            self.ownership.check(
                route.api,
                route.method_id,
                req,
                principal.user if principal else None,
                bool(principal and principal.robot),
            )
            self.store.acting = principal
            handler = self._handlers.get((route.api, route.method_id))
            if handler is None:
                raise ApiError(
                    501, f"The Google twin does not implement {route.api} {route.method_id} yet."
                )
            response = handler(req)
        except ApiError as err:
            response = Response.error(err)
        if fault is not None:
            return self._fault_response(fault)
        return response

    # ------------------------------------------------------------ auth

    def make_service_account_key(
        self, path: str | Path | None = None, email: str | None = None
    ) -> dict:
        """A real RSA service-account key that this twin accepts; written to `path` if given."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        n = len(self._keys) + 1
        client_email = email or f"chorus-twin-{n}@chorus-twin.iam.gserviceaccount.com"
        key_id = secrets.token_hex(20)
        client_id = str(10**20 + self.rng.randint(0, 10**19))
        self._keys[key_id] = _Key(client_email, key_id, public, client_id)
        key = {
            "type": "service_account",
            "project_id": "chorus-twin",
            "private_key_id": key_id,
            "private_key": pem,
            "client_email": client_email,
            "client_id": client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": self.token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{client_email}",
            "universe_domain": "googleapis.com",
        }
        if path is not None:
            Path(path).write_text(json.dumps(key, indent=2))
        return key

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token" if self.base_url else "https://oauth2.googleapis.com/token"

    def credentials(self, scopes: list[str], subject: str | None = None) -> Any:
        """Service-account credentials from a fresh twin key (token fetched on first use)."""
        from google.oauth2 import service_account

        key = self.make_service_account_key()
        creds = service_account.Credentials.from_service_account_info(key, scopes=scopes)
        return creds.with_subject(subject) if subject else creds

    def _verify_jwt(self, assertion: str) -> dict:
        from google.auth import jwt

        try:
            header = json.loads(_b64(assertion.split(".")[0]))
        except (ValueError, IndexError):
            raise ValueError("Invalid JWT.") from None
        key = self._keys.get(header.get("kid", ""))
        if key is None:
            raise ValueError("Invalid grant: account not found")
        claims = jwt.decode(
            assertion,
            certs={key.key_id: key.public_pem},
            verify=True,
            audience=None,
            clock_skew_in_seconds=300,
        )
        if claims.get("iss") != key.email:
            raise ValueError("Invalid JWT: issuer does not match the key.")
        return claims

    def token_endpoint(self, body: bytes, authorization: str = "") -> Response:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type")
        if authorization.lower().startswith("basic "):  # client id and secret by HTTP Basic
            pair = base64.b64decode(authorization[6:]).decode("utf-8", "replace")
            client_id, _, secret = pair.partition(":")
            form.update(client_id=unquote(client_id), client_secret=unquote(secret))
        if grant in ("authorization_code", "refresh_token"):
            return self.oauth.token(form, self._issue)
        if grant != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return Response.json(
                {
                    "error": "unsupported_grant_type",
                    "error_description": f"Invalid grant_type: {grant}",
                },
                400,
            )
        try:
            claims = self._verify_jwt(form.get("assertion", ""))
        except Exception as err:  # google-auth raises several types for bad signatures/expiry
            text = str(err)
            description = text if "account not found" in text else "Invalid JWT Signature."
            if "expired" in text.lower() or "too early" in text.lower():
                description = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            return Response.json({"error": "invalid_grant", "error_description": description}, 400)
        scopes = frozenset((claims.get("scope") or "").split())
        if not scopes:
            return Response.json(
                {
                    "error": "invalid_scope",
                    "error_description": "Invalid OAuth scope or ID token audience provided.",
                },
                400,
            )
        subject = claims.get("sub")
        if subject and not self._delegation_granted(subject, scopes):
            return Response.json(
                {"error": "unauthorized_client", "error_description": UNAUTHORIZED_CLIENT}, 401
            )
        token = "ya29.twin-" + secrets.token_urlsafe(24)
        self._tokens[token] = Principal(claims["iss"], subject, scopes)
        return Response.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    def _delegation_granted(self, subject: str, scopes: frozenset) -> bool:
        """Domain-wide delegation: the subject is one the key may act as, for every scope asked."""
        domain = "@" + subject.rpartition("@")[2].lower()
        if subject.lower() not in self.granted_subjects and domain not in self.granted_subjects:
            return False
        return self.delegated_scopes is None or scopes <= self.delegated_scopes

    def _issue(self, user: str, scopes: frozenset) -> str:
        """An access token for a person (OAuth): they own what they create."""
        token = "ya29.twin-" + secrets.token_urlsafe(24)
        self._tokens[token] = Principal(user, None, scopes)
        return token

    def make_oauth_client(self, path: str | Path | None = None) -> dict:
        """An installed-app OAuth client secret (as the Cloud console downloads it)."""
        base = self.base_url or ""
        return self.oauth.make_client(
            Path(path) if path else None,
            f"{base or 'https://accounts.google.com'}/o/oauth2/auth",
            self.token_uri,
        )

    def authorized_user_info(self, user: str, scopes: list[str]) -> dict:
        """A stored OAuth token for `user` (what `chorus auth login` saves), refreshable here."""
        return self.oauth.authorized_user(user, scopes, self.token_uri)

    def create_shared_drive(self, name: str, members: dict[str, str]) -> str:
        """A shared drive with members {email: role} (organizer, fileOrganizer, writer, reader)."""
        with self._lock:
            return self.ownership.create_drive(name, members)

    def files_listing(self) -> list[dict]:
        """What `GET /_twin/files` answers: every Drive file with its owners and driveId."""
        with self._lock:
            return self.ownership.listing()

    def _drive_made_form(self, form_id: str, title: str) -> None:
        """A form made through Drive's files.create: as unpublished as one from forms.create."""
        self.forms.create_blank(form_id, title, published=self.forms.created_published)
        self.forms.forms[form_id]["_api"] = True

    def _responders_of(self, form_id: str) -> list[dict] | None:
        info = self.store.files.get(form_id)
        if info is None:
            return None
        return [p for p in info.get("permissions", []) if p.get("view") == "published"]

    def authenticate(
        self, headers: dict[str, str], query: dict[str, list[str]], scopes: frozenset
    ) -> Principal | None:
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        if token is None and query.get("access_token"):
            token = query["access_token"][-1]
        if token is None:
            if self.require_auth:
                raise ApiError(
                    401,
                    MISSING_CREDENTIALS,
                    headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
                )
            return None
        principal = self._tokens.get(token)
        if principal is None and token.count(".") == 2:
            try:  # a self-signed service-account JWT used directly as the bearer token
                claims = self._verify_jwt(token)
                principal = Principal(
                    claims["iss"],
                    claims.get("sub"),
                    frozenset((claims.get("scope") or "").split()) or scopes,
                )
            except Exception:
                principal = None
        if principal is None:
            raise ApiError(
                401,
                UNAUTHENTICATED,
                headers={
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
                },
            )
        if scopes and not (principal.scopes & scopes):
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                        "domain": "googleapis.com",
                        "metadata": {"method": "twin", "service": "googleapis.com"},
                    }
                ],
                headers={
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                    'error="insufficient_scope"'
                },
            )
        return principal

    # ------------------------------------------------------------ counting and faults

    def call_count(self, api: str | None = None, method: str | None = None) -> int:
        return sum(
            n
            for (a, m), n in self.calls.items()
            if (api is None or a == api)
            and (method is None or m == method or m.endswith("." + method))
        )

    def calls_by_api(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (api, method), n in sorted(self.calls.items()):
            out.setdefault(api, {})[method] = n
        return out

    def reset_calls(self) -> None:
        self.calls.clear()
        self.token_requests = 0

    def inject(
        self,
        fault: str,
        at_call: int = 1,
        api: str | None = None,
        method: str | None = None,
        times: int = 1,
        after_apply: bool = False,
        retry_after: int = 1,
    ) -> None:
        """Schedule a fault; see the module docstring for the exact semantics."""
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}, not {fault!r}")
        if at_call < 1 or times < 1:
            raise ValueError("at_call and times count from 1")
        self.faults.append(Fault(fault, at_call, api, method, times, after_apply, retry_after))

    def clear_faults(self) -> None:
        self.faults.clear()

    def _due_fault(self, api: str, method_id: str) -> Fault | None:
        due = None
        for fault in self.faults:
            if not fault.matches(api, method_id):
                continue
            fault.seen += 1
            if due is None and fault.seen >= fault.at_call and fault.fired < fault.times:
                fault.fired += 1
                due = fault
        return due

    def _fault_response(self, fault: Fault) -> Response:
        if fault.kind == "reset":
            raise TwinConnectionReset()
        if fault.kind == "timeout":
            raise TwinTimeout()
        if fault.kind == "429":
            return Response.error(
                ApiError(
                    429,
                    "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute per "
                    "user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.",
                    details=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "RATE_LIMIT_EXCEEDED",
                            "domain": "googleapis.com",
                            "metadata": {"quota_limit": "ReadRequestsPerMinutePerUser"},
                        }
                    ],
                    headers={"Retry-After": str(fault.retry_after)},
                )
            )
        if fault.kind == "403-rate":  # Gmail's and Drive's "too fast" is a 403, not a 429
            return Response.error(
                ApiError(
                    403,
                    "User-rate limit exceeded.",
                    errors=[
                        {
                            "message": "User-rate limit exceeded.",
                            "domain": "usageLimits",
                            "reason": "userRateLimitExceeded",
                        }
                    ],
                    headers={"Retry-After": str(fault.retry_after)},
                )
            )
        if fault.kind == "500":
            return Response.error(ApiError(500, "Internal error encountered."))
        return Response.error(ApiError(503, "The service is currently unavailable."))

    # ------------------------------------------------------------ client helpers

    def origins(self) -> tuple[str, ...]:
        return GOOGLE_ORIGINS + ((self.base_url,) if self.base_url else ())

    def mount(self, session: Any) -> Any:
        adapter = TwinAdapter(self)
        for origin in self.origins():
            session.mount(origin, adapter)
        return session

    def requests_session(self) -> Any:
        import requests

        return self.mount(requests.Session())

    def authorized_session(self, credentials: Any) -> Any:
        from google.auth.transport.requests import AuthorizedSession
        from google.auth.transport.requests import Request as AuthRequest

        session = AuthorizedSession(credentials, auth_request=AuthRequest(self.requests_session()))
        return self.mount(session)

    def gspread_client(self, credentials: Any) -> Any:
        import gspread

        return gspread.Client(auth=credentials, session=self.authorized_session(credentials))

    def httplib2_http(self) -> TwinHttp:
        return TwinHttp(self)

    def authorized_http(self, credentials: Any) -> Any:
        import google_auth_httplib2

        return google_auth_httplib2.AuthorizedHttp(credentials, http=self.httplib2_http())

    def build(self, api: str, version: str, credentials: Any) -> Any:
        from googleapiclient.discovery import build

        return build(
            api,
            version,
            http=self.authorized_http(credentials),
            static_discovery=True,
            cache_discovery=False,
        )

    # ------------------------------------------------------------ seeding and inspection

    def _register_file(self, file_id: str, name: str, mime: str) -> None:
        if file_id not in self.store.files:
            self.store.register_file(file_id, name, mime, None)

    def create_spreadsheet(self, title: str, tabs: dict[str, list[list[Any]]] | None = None) -> str:
        """A spreadsheet with the given tabs, values typed in as USER_ENTERED; returns its id."""
        with self._lock:
            specs = [{"properties": {"title": name}} for name in (tabs or {"Sheet1": []})]
            book = self.store.new_book(title, sheets=specs)
            for sheet, rows in zip(book.sheets, (tabs or {"Sheet1": []}).values(), strict=True):
                sheet.grid["rowCount"] = max(sheet.rows, len(rows))
                width = max((len(r) for r in rows), default=0)
                sheet.grid["columnCount"] = max(sheet.cols, width)
                book.write(Box(sheet, 0, 0, max(len(rows), 1), max(width, 1)), rows, "USER_ENTERED")
            return book.id

    def sheet_values(self, spreadsheet_id: str, a1_range: str) -> list[list[Any]]:
        with self._lock:
            book = self.store.book(spreadsheet_id)
            return book.read(book.resolve(a1_range))

    def forms_create(self, title: str, questions: list[dict | str] | None = None) -> str:
        with self._lock:
            return self.forms.seed_form(title, questions or [])

    def forms_add_response(
        self,
        form_id: str,
        answers: dict[str, Any],
        email: str | None = None,
        submitted_at: dt.datetime | None = None,
    ) -> str:
        with self._lock:
            return self.forms.add_response(form_id, answers, email, submitted_at)

    @property
    def gmail_rewrites_message_id(self) -> bool:
        return self.gmail.rewrites_message_id

    @gmail_rewrites_message_id.setter
    def gmail_rewrites_message_id(self, value: bool) -> None:
        self.gmail.rewrites_message_id = value

    def gmail_add_message(self, user: str, raw: bytes, labels: list[str] | None = None) -> str:
        with self._lock:
            return self.gmail.add_message(user, raw, labels if labels is not None else ["INBOX"])

    def gmail_sent(self, user: str) -> list[EmailMessage]:
        return self.gmail_messages(user, "SENT")

    def gmail_messages(self, user: str, label: str | None = None) -> list[EmailMessage]:
        with self._lock:
            return [
                email.message_from_bytes(m.raw, _class=EmailMessage, policy=email.policy.default)
                for m in self.gmail.messages_of(user, label)
            ]

    def docs_text(self, document_id: str) -> str:
        with self._lock:
            return self.docs.text_of(document_id)


def make_app(require_auth: bool = False, seed: int | None = None) -> GoogleTwin:
    """The twin as a WSGI application. See the module docstring about `require_auth`."""
    return GoogleTwin(require_auth=require_auth, seed=seed)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the Google twin on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--key-file", type=Path, default=None)
    parser.add_argument("--no-auth", action="store_true", help="do not require a bearer token")
    args = parser.parse_args(argv)
    twin = GoogleTwin(require_auth=not args.no_auth)
    server = serve(twin, args.port)
    twin.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    if args.key_file:
        twin.make_service_account_key(args.key_file)
    print(twin.base_url, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
