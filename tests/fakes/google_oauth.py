"""OAuth for people, in the twin: an OAuth client, the consent page, codes and refresh tokens.

Why: `chorus auth login` uses google-auth-oauthlib's installed-app flow, and a
run refreshes the stored token; both must be tested through the real
libraries. The consent page (GET /o/oauth2/auth on accounts.google.com)
consents at once as `GoogleTwin.oauth_user` and redirects to the client's
loopback redirect_uri with a code, as Google does after a person clicks
Allow. The token endpoint then trades the code (PKCE checked when sent) for
an access and a refresh token, and a refresh token for a new access token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.fakes.google_http import Response


@dataclass
class Grant:
    """What a person allowed a client: their address and the scopes."""

    client_id: str
    user: str
    scopes: frozenset[str]
    challenge: str = ""
    redirect_uri: str = ""


@dataclass
class OAuthClients:
    """The twin's OAuth clients, pending codes and live refresh tokens."""

    clients: dict[str, str] = field(default_factory=dict)  # client_id -> secret
    codes: dict[str, Grant] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)

    def make_client(self, path: Path | None, auth_uri: str, token_uri: str) -> dict:
        """An installed-app client secret file as the Cloud console downloads it."""
        client_id = f"{secrets.randbelow(10**12)}-twin.apps.googleusercontent.com"
        secret = "GOCSPX-" + secrets.token_urlsafe(21)
        self.clients[client_id] = secret
        info = {
            "installed": {
                "client_id": client_id,
                "project_id": "chorus-twin",
                "auth_uri": auth_uri,
                "token_uri": token_uri,
                "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
                "client_secret": secret,
                "redirect_uris": ["http://localhost"],
            }
        }
        if path is not None:
            Path(path).write_text(json.dumps(info), encoding="utf-8")
        return info

    def authorized_user(self, user: str, scopes: list[str], token_uri: str) -> dict:
        """A stored token (google-auth's authorized-user JSON) for `user`, as after a login."""
        client_id = next(iter(self.clients), "") or str(
            self.make_client(None, "", token_uri)["installed"]["client_id"]
        )
        refresh = "1//twin-" + secrets.token_urlsafe(30)
        self.refresh_tokens[refresh] = Grant(client_id, user, frozenset(scopes))
        return {
            "token": "",
            "refresh_token": refresh,
            "token_uri": token_uri,
            "client_id": client_id,
            "client_secret": self.clients[client_id],
            "scopes": scopes,
            "account": user,
        }

    def consent(self, query: str, user: str) -> Response:
        """The consent page: the person allows at once; a redirect carries the code back."""
        args = {k: v[-1] for k, v in parse_qs(query).items()}
        client_id = args.get("client_id", "")
        redirect = args.get("redirect_uri", "")
        if client_id not in self.clients or urlsplit(redirect).hostname not in (
            "localhost",
            "127.0.0.1",
        ):
            return Response(400, b"Error 400: invalid_request", {"Content-Type": "text/html"})
        code = "4/twin-" + secrets.token_urlsafe(24)
        scopes = frozenset(args.get("scope", "").split())
        self.codes[code] = Grant(client_id, user, scopes, args.get("code_challenge", ""), redirect)
        back = {"state": args.get("state", ""), "code": code, "scope": " ".join(sorted(scopes))}
        return Response(302, b"", {"Location": f"{redirect}?{urlencode(back)}"})

    def token(self, form: dict[str, str], issue: Callable[[str, frozenset[str]], str]) -> Response:
        """authorization_code and refresh_token grants; `issue(user, scopes)` makes an access token."""
        client_id = form.get("client_id", "")
        if client_id not in self.clients or self.clients[client_id] != form.get("client_secret"):
            return Response.json(
                {"error": "invalid_client", "error_description": "The OAuth client was not found."},
                401,
            )
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or grant.client_id != client_id or not _pkce_ok(grant, form):
                return Response.json(
                    {"error": "invalid_grant", "error_description": "Bad Request"}, 400
                )
            refresh = "1//twin-" + secrets.token_urlsafe(30)
            self.refresh_tokens[refresh] = grant
            answer = _answer(issue(grant.user, grant.scopes), grant.scopes)
            return Response.json({**answer, "refresh_token": refresh})
        grant = self.refresh_tokens.get(form.get("refresh_token", ""))
        if grant is None or grant.client_id != client_id:
            return Response.json(
                {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
                400,
            )
        return Response.json(_answer(issue(grant.user, grant.scopes), grant.scopes))


def _answer(token: str, scopes: frozenset[str]) -> dict:
    return {
        "access_token": token,
        "expires_in": 3599,
        "scope": " ".join(sorted(scopes)),
        "token_type": "Bearer",
    }


def _pkce_ok(grant: Grant, form: dict[str, str]) -> bool:
    if not grant.challenge:
        return True
    verifier = form.get("code_verifier", "")
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == grant.challenge
