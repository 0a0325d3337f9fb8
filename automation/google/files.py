"""New Drive files (the spreadsheet, the forms, the guide's Doc), owned by a person or a shared drive.

Google refuses to let a service account own a file (403 "Service Accounts do
not have storage quota"), so before Chorus creates anything it checks that it
acts as someone who may: the delegated user, a signed-in person, or the
service account adding to a shared drive. With `backend.shared_drive_id` set,
every file is created in that drive through Drive's files.create
(`supportsAllDrives=True`, the drive as parent), whoever Chorus acts as;
otherwise through each API's own create, in the acting user's My Drive.
"""

from __future__ import annotations

from typing import Any

from automation.google.credentials import can_own_files
from automation.google.errors import GoogleCall
from automation.google.transport import GoogleServices
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings

SPREADSHEET = "application/vnd.google-apps.spreadsheet"
FORM = "application/vnd.google-apps.form"
DOCUMENT = "application/vnd.google-apps.document"

#: the three ways to let Chorus create files, for people
OWNER_WAYS = (
    "give Chorus someone to own the files, one of three ways: "
    '(1) set delegated_user = "you@your-domain" under [backend] and, in the Admin console, '
    "grant the service account's client ID domain-wide delegation for the scopes in the README; "
    '(2) set oauth_client = "client_secret.json" under [backend] (an OAuth client of type '
    "Desktop app) and run `chorus auth login` to act as yourself; "
    '(3) add the service account to a shared drive as Content manager and set shared_drive_id = "..." '
    "under [backend]"
)


def require_owner(services: GoogleServices, settings: Settings, what: str) -> None:
    """Stop with the three ways to fix it when Google would refuse to let Chorus own `what`."""
    if settings.backend.shared_drive_id or can_own_files(services.credentials):
        return
    raise ConfigError(
        f"Chorus would create {what} as the service account {services.service_account_email()}, "
        "and Google no longer lets a service account own files",
        place=f"{settings.path}: [backend]",
        fix=OWNER_WAYS,
    )


def create_in_shared_drive(
    services: GoogleServices, settings: Settings, name: str, mime: str, doing: str
) -> str:
    """One Drive files.create in the shared drive; returns the new file's id."""
    drive = services.discovery("drive", "v3")
    body = {"name": name, "mimeType": mime, "parents": [settings.backend.shared_drive_id]}
    with GoogleCall(
        doing,
        place=f"{settings.path}: backend.shared_drive_id",
        access_fix=f"check shared_drive_id and add {services.service_account_email()} to the "
        "shared drive as Content manager",
        uncertain_fix="look in the shared drive for the new file before running init again",
    ):
        made: dict[str, Any] = (
            drive.files().create(body=body, supportsAllDrives=True, fields="id").execute()
        )
    return str(made["id"])


def grant(
    services: GoogleServices, file_id: str, permission: dict[str, Any], doing: str, fix: str
) -> None:
    """One Drive permissions.create (no notification email), on My Drive or shared drive files."""
    drive = services.discovery("drive", "v3")
    with GoogleCall(doing, access_fix=fix):
        drive.permissions().create(
            fileId=file_id,
            body=permission,
            sendNotificationEmail=False,
            supportsAllDrives=True,
        ).execute()
