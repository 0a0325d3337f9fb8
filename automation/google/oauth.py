"""`chorus auth login`: act as a person through OAuth, for organisations without a Workspace admin.

The installed-app flow of google-auth-oauthlib (the one gspread's `oauth()`
uses): a browser opens Google's consent page, the person allows Chorus their
Sheets, Drive (files Chorus makes), Forms, Docs and Gmail, and Google sends
the browser back to a one-off server on localhost. The token is stored in
the state folder, mode 600, and refreshed by google-auth as it expires
(automation.google.credentials writes each refresh back).

The client secret (`backend.oauth_client`) is an OAuth client of type Desktop
app from the Cloud console. With CHORUS_GOOGLE_API_ENDPOINT set, the token
exchange goes to that address like every other Google request.
"""

from __future__ import annotations

from pathlib import Path

import requests

from automation.google.credentials import USER_SCOPES, save_user_token, token_path
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

CLIENT_FIX = (
    "in the Cloud console (APIs & Services > Credentials) create an OAuth client ID of type "
    'Desktop app, download its JSON beside chorus.toml and set oauth_client = "client_secret.json" '
    "under [backend]"
)


def login(settings: Settings, *, open_browser: bool = True) -> list[str]:
    """Run the consent flow, store the token (mode 600), and say who Chorus now acts as."""
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error

    client = _client_file(settings)
    flow = InstalledAppFlow.from_client_secrets_file(str(client), scopes=list(USER_SCOPES))
    _route(flow.oauth2session)
    try:
        creds = flow.run_local_server(
            host="localhost",
            port=0,
            open_browser=open_browser,
            authorization_prompt_message="Open this link to let Chorus act as you: {url}",
            success_message="Chorus is signed in. You may close this window.",
        )
    except (OAuth2Error, ValueError) as exc:
        raise ConfigError(
            f"signing in to Google did not finish ({type(exc).__name__}: {exc})",
            place=str(client),
            fix="run `chorus auth login` again and click Allow for every permission asked",
        ) from None
    email = _email_of(creds)
    path = token_path(settings)
    save_user_token(creds.with_account(email), path)
    return [
        f"signed in as {email}; Chorus now creates and edits files as {email}",
        f"the token is in {path} (mode 600); `chorus auth logout` removes it",
    ]


def logout(settings: Settings) -> list[str]:
    """Forget the stored token: Chorus goes back to the service account (or delegation)."""
    path = token_path(settings)
    if not path.exists():
        return [f"not signed in (no token at {path})"]
    path.unlink()
    return [f"removed {path}; Chorus acts through backend.credentials again"]


def _client_file(settings: Settings) -> Path:
    client = settings.backend.oauth_client
    where = f"{settings.path}: backend.oauth_client"
    if client is None:
        raise ConfigError("no OAuth client is set", place=where, fix=CLIENT_FIX)
    if not client.exists():
        raise ConfigError(f"{client} does not exist", place=where, fix=CLIENT_FIX)
    return client


def _route(session: requests.Session) -> None:
    """The token exchange goes where every Google request goes (the loopback twin in tests)."""
    from automation.google.transport import mount_endpoint

    mount_endpoint(session)


def _email_of(creds: object) -> str:
    """The signed-in person's address: one Drive about.get."""
    from automation.google.errors import GoogleCall
    from automation.google.transport import GoogleServices

    session = requests.Session()
    _route(session)
    services = GoogleServices(creds, None, base_session=session)  # type: ignore[arg-type]
    with GoogleCall("reading who signed in", access_fix="enable the Google Drive API"):
        about = services.discovery("drive", "v3").about().get(fields="user(emailAddress)").execute()
    return str(about["user"]["emailAddress"])
