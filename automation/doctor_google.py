"""`chorus doctor`'s checks of who owns Chorus's Google files and who may answer its forms.

Google lets no service account own a file, so the owner check says which of
the three ways Chorus acts (the delegated user, a signed-in person, the
service account in a shared drive) and whether it could create a file now.
Google makes forms created through the API unpublished, and who may respond
is a Drive permission (view "published"), so each Forms API form is checked
for both; what is missing is said as the click to make. Reads only.
"""

from __future__ import annotations

import stat
from typing import Any

from automation.doctor_check import Check
from sheets_schema.errors import ChorusError
from sheets_schema.settings import Settings


def check_owner(settings: Settings, services: Any) -> list[Check]:
    """Who owns the files Chorus creates: a person, or the shared drive (checked for room)."""
    from automation.google.credentials import kind_of, token_path
    from automation.google.files import OWNER_WAYS

    kind = kind_of(services.credentials)
    who = services.service_account_email()
    if settings.backend.shared_drive_id:
        return [_check_shared_drive(settings, services)]
    if kind == "delegated":
        return [
            Check("files owner", "ok", f"{who} owns what Chorus creates (domain-wide delegation)")
        ]
    if kind == "oauth":
        path = token_path(settings)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return [
                Check(
                    "files owner",
                    "warn",
                    f"signed in as {who}, but the token {path} is mode {mode:o}",
                    f"chmod 600 {path}",
                )
            ]
        return [Check("files owner", "ok", f"{who} owns what Chorus creates (signed in; {path})")]
    if kind == "user":
        return [
            Check("files owner", "ok", f"{who} owns what Chorus creates (application defaults)")
        ]
    return [
        Check(
            "files owner",
            "warn",
            f"Chorus acts as the service account {who}: it can open files shared with it, but "
            "Google lets it create none (a new guide Doc, `chorus init` for a new form)",
            OWNER_WAYS,
        )
    ]


def _check_shared_drive(settings: Settings, services: Any) -> Check:
    """Chorus is a member of the shared drive: one files.list inside it (drives.get would need
    the whole-Drive scope; Chorus asks only for drive.file)."""
    from automation.google.errors import GoogleCall

    drive_id = settings.backend.shared_drive_id
    who = services.service_account_email()
    add_fix = f"add {who} to the shared drive as Content manager"
    try:
        with GoogleCall(f"opening shared drive {drive_id}", access_fix=add_fix):
            services.discovery("drive", "v3").files().list(
                driveId=drive_id,
                corpora="drive",
                includeItemsFromAllDrives=True,
                supportsAllDrives=True,
                pageSize=1,
                fields="files(id)",
            ).execute()
    except ChorusError as exc:
        return Check(
            "files owner", "fail", exc.message, f"check backend.shared_drive_id; {exc.fix}"
        )
    return Check(
        "files owner",
        "ok",
        f"files go to the shared drive {drive_id}, which {who} can open "
        "(it must be a Content manager there to add them)",
    )


def check_publishing(name: str, form_id: str, domains: tuple[str, ...], services: Any) -> Check:
    """The form is published, accepts responses, and someone is granted to respond."""
    from automation.google.errors import GoogleCall
    from automation.google.setup import publish_click, responders_click

    label = f"form {name} publishing"
    edit = f"https://docs.google.com/forms/d/{form_id}/edit"
    try:
        with GoogleCall(f"reading the {name} form's publishing"):
            form = services.discovery("forms", "v1").forms().get(formId=form_id).execute()
        state = (form.get("publishSettings") or {}).get("publishState")
        if state is not None and not (
            state.get("isPublished") and state.get("isAcceptingResponses")
        ):
            return Check(
                label,
                "fail",
                "the form is not published and accepting responses",
                publish_click(edit),
            )
        if state is None:  # a legacy form: published as forms were before 2025
            return Check(label, "ok", "a legacy form: open to responses as before")
        with GoogleCall(f"reading who may respond to the {name} form"):
            perms = (
                services.discovery("drive", "v3")
                .permissions()
                .list(
                    fileId=form_id,
                    includePermissionsForView="published",
                    supportsAllDrives=True,
                    fields="permissions(type,role,view,domain,emailAddress)",
                )
                .execute()
                .get("permissions", [])
            )
    except ChorusError as exc:
        return Check(label, "warn", exc.message, exc.fix)
    responders = [_who(p) for p in perms if p.get("view") == "published"]
    if not responders:
        return Check(
            label,
            "fail",
            "published, but no one is granted to respond",
            responders_click(edit, domains[0] if domains else "your organisation"),
        )
    return Check(label, "ok", "published; responders: " + ", ".join(responders))


def _who(permission: dict[str, Any]) -> str:
    kind = permission.get("type")
    if kind == "domain":
        return f"anyone in {permission.get('domain', '?')}"
    if kind == "anyone":
        return "anyone with the link"
    return str(permission.get("emailAddress", kind))
