"""The Google APIs Chorus calls: their hosts, the scopes each needs, and their names for people."""

from __future__ import annotations

from urllib.parse import urlsplit

#: The minimum scopes each backend needs (listed in the README).
SCOPES: dict[str, tuple[str, ...]] = {
    "sheets": ("https://www.googleapis.com/auth/spreadsheets",),
    "drive": ("https://www.googleapis.com/auth/drive.file",),
    "forms": (
        "https://www.googleapis.com/auth/forms.body",
        "https://www.googleapis.com/auth/forms.responses.readonly",
    ),
    "docs": ("https://www.googleapis.com/auth/documents",),
    "calendar": ("https://www.googleapis.com/auth/calendar.events",),
    "gmail": (
        "https://www.googleapis.com/auth/gmail.compose",
        "https://www.googleapis.com/auth/gmail.readonly",
    ),
}
#: what files, forms and documents need; the calendar's scope is asked for only when
#: [cadence] calendar_id is set, so an Admin console need not grant what is never used
SERVICE_ACCOUNT_SCOPES = SCOPES["sheets"] + SCOPES["drive"] + SCOPES["forms"] + SCOPES["docs"]
CALENDAR_SCOPES = SCOPES["calendar"]
DELEGATED_SCOPES = SCOPES["gmail"]

#: Every origin Google traffic goes to, token requests included.
GOOGLE_ORIGINS = (
    "https://sheets.googleapis.com",
    "https://www.googleapis.com",
    "https://oauth2.googleapis.com",
    "https://forms.googleapis.com",
    "https://gmail.googleapis.com",
    "https://docs.googleapis.com",
    "https://accounts.google.com",
)

#: An API's name in messages for people.
API_NAMES = {
    "sheets": "Google Sheets",
    "drive": "Google Drive",
    "forms": "the Forms API",
    "gmail": "Gmail",
    "docs": "Google Docs",
    "calendar": "Google Calendar",
    "oauth2": "Google's token service",
    "other": "Google",
}

_API_BY_HOST = {
    "sheets.googleapis.com": "sheets",
    "forms.googleapis.com": "forms",
    "gmail.googleapis.com": "gmail",
    "docs.googleapis.com": "docs",
    "oauth2.googleapis.com": "oauth2",
    "accounts.google.com": "oauth2",
}

#: path prefixes of www.googleapis.com (and of the loopback twin) by API
_API_BY_PATH = (
    ("/v4/spreadsheets", "sheets"),
    ("/drive/", "drive"),
    ("/upload/drive/", "drive"),
    ("/v1/forms", "forms"),
    ("/gmail/", "gmail"),
    ("/upload/gmail/", "gmail"),
    ("/v1/documents", "docs"),
    ("/calendar/", "calendar"),
    ("/token", "oauth2"),
)


def api_of(url: str) -> str:
    """Which API a URL belongs to (sheets, drive, forms, gmail, docs, calendar, oauth2, other)."""
    parts = urlsplit(url)
    api = _API_BY_HOST.get(parts.hostname or "")
    if api:
        return api
    for prefix, name in _API_BY_PATH:
        if parts.path.startswith(prefix):
            return name
    return "other"
