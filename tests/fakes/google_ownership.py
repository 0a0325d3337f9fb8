"""Who owns a Drive file, and who may create one: Google's 2025 rules, in the twin.

Why: Google no longer lets a service account own files. A service account
that creates a file in a My Drive (Sheets spreadsheets.create, Forms
forms.create, Docs documents.create, Drive files.create or files.copy) is
refused with 403; it may create files only in a shared drive it is a member
of. A delegated user (a token with `sub`) or a person's OAuth token owns what
it creates. A file in a shared drive has no `owners`, only a `driveId`, and
Drive answers 404 for it unless the call says `supportsAllDrives=true`.

The Drive refusal is Google's storage-quota answer (reason storageQuotaExceeded,
as burnash/gspread#1592 and n8n-io/n8n#26050 show); the One Platform APIs
(Sheets, Forms, Docs) answer PERMISSION_DENIED "The caller does not have
permission" (xing5/mcp-google-sheets#24).

`GoogleTwin.service_accounts_own_files = True` restores the old, kinder
behaviour for a test that needs it; the default is strict.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.google_http import ApiError, Request, Response, parse_field_mask

#: discovery methods that create a file in Drive, by API
CREATING = {
    ("sheets", "spreadsheets.create"),
    ("forms", "forms.create"),
    ("docs", "documents.create"),
    ("drive", "files.create"),
    ("drive", "files.copy"),
}
STORAGE_QUOTA = (
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), "
    "or use OAuth delegation (http://support.google.com/a/answer/7281227) instead."
)
NO_PERMISSION = "The caller does not have permission"
#: shared-drive roles that may add files (Manager, Content manager, Contributor)
ADDING_ROLES = ("organizer", "fileOrganizer", "writer")


@dataclass
class SharedDrive:
    id: str
    name: str
    members: dict[str, str] = field(default_factory=dict)  # email -> role


def _drive_404(message: str, location: str) -> ApiError:
    """Drive v3's 404 body: one notFound error naming the parameter it was about."""
    return ApiError(
        404,
        message,
        with_status=False,
        errors=[
            {
                "message": message,
                "domain": "global",
                "reason": "notFound",
                "location": location,
                "locationType": "parameter",
            }
        ],
    )


def drive_file_not_found(file_id: str) -> ApiError:
    """Drive v3's 404, which it also answers for a file the caller may not see."""
    return _drive_404(f"File not found: {file_id}.", "fileId")


def drive_not_found(drive_id: str) -> ApiError:
    """Drive's 404 for a shared drive that does not exist or the caller is not a member of."""
    return _drive_404(f"Shared drive not found: {drive_id}", "driveId")


def storage_quota_refusal(api: str) -> ApiError:
    """What Google answers a service account that tries to own a new file."""
    if api == "drive":
        return ApiError(
            403,
            STORAGE_QUOTA,
            with_status=False,
            errors=[
                {
                    "message": STORAGE_QUOTA,
                    "domain": "usageLimits",
                    "reason": "storageQuotaExceeded",
                }
            ],
        )
    return ApiError(403, NO_PERMISSION, "PERMISSION_DENIED")


class Ownership:
    """Shared drives and the creation rule; consulted by the twin before each Drive-touching call."""

    def __init__(self, rng: random.Random, files: dict[str, dict]) -> None:
        self.rng = rng
        self.files = files
        self.drives: dict[str, SharedDrive] = {}
        self.service_accounts_own_files = False

    def create_drive(self, name: str, members: dict[str, str]) -> str:
        drive_id = "0A" + "".join(
            self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(17)
        )
        self.drives[drive_id] = SharedDrive(drive_id, name, dict(members))
        return drive_id

    def drive_of(self, parents: list[str] | None) -> str | None:
        """The shared drive a file with these parents lives in (None: a My Drive)."""
        for parent in parents or []:
            if parent in self.drives:
                return parent
            folder = self.files.get(parent)
            if folder and folder.get("driveId"):
                return str(folder["driveId"])
        return None

    def check(self, api: str, method_id: str, req: Request, user: str | None, robot: bool) -> None:
        """Refuse what Google refuses: a hidden shared-drive file, a robot owning a new file."""
        file_id = req.path_params.get("fileId") or req.path_params.get("driveId")
        if api == "drive" and file_id in self.files and self.files[file_id].get("driveId"):
            drive = self.drives[self.files[file_id]["driveId"]]
            if not req.flag("supportsAllDrives") or (user and user not in drive.members):
                raise drive_file_not_found(file_id)
        listed = req.arg("driveId") if (api, method_id) == ("drive", "files.list") else None
        if listed and user is not None:
            drive = self.drives.get(listed)
            if drive is None or user not in drive.members or not req.flag("supportsAllDrives"):
                raise drive_not_found(listed)
        if (api, method_id) not in CREATING or user is None:
            return
        parents = self._parents(req) if api == "drive" else []
        drive_id = self.drive_of(parents)
        if drive_id is not None:
            drive = self.drives[drive_id]
            if not req.flag("supportsAllDrives") or drive.members.get(user) not in ADDING_ROLES:
                raise drive_file_not_found(parents[0])
            return
        if robot and not self.service_accounts_own_files:
            raise storage_quota_refusal(api)

    @staticmethod
    def _parents(req: Request) -> list[str]:
        from tests.fakes.google_sheets import _drive_body

        meta, _ = _drive_body(req)
        return list(meta.get("parents") or [])

    # ------------------------------------------------------------ Drive v3: drives, about

    def h_drives_get(self, req: Request) -> Response:
        drive = self.drives.get(req.path_params["driveId"])
        user = getattr(req.principal, "user", None)
        if drive is None or (user is not None and user not in drive.members):
            raise drive_not_found(req.path_params["driveId"])
        role = drive.members.get(user or "", "organizer")
        body = {
            "kind": "drive#drive",
            "id": drive.id,
            "name": drive.name,
            "capabilities": {
                "canAddChildren": role in ADDING_ROLES,
                "canManageMembers": role == "organizer",
            },
        }
        return Response.json(_masked(body, req.arg("fields"), ("kind", "id", "name")))

    def h_about_get(self, req: Request) -> Response:
        principal = req.principal
        email = (
            principal.user if principal is not None else "twin@chorus-twin.iam.gserviceaccount.com"
        )
        body = {
            "kind": "drive#about",
            "user": {
                "kind": "drive#user",
                "displayName": email.split("@")[0],
                "emailAddress": email,
                "me": True,
            },
        }
        if not req.arg("fields"):
            raise ApiError(
                400,
                "The 'fields' parameter is required for this method.",
                with_status=False,
                errors=[
                    {
                        "message": "The 'fields' parameter is required for this method.",
                        "domain": "global",
                        "reason": "required",
                        "location": "fields",
                        "locationType": "parameter",
                    }
                ],
            )
        return Response.json(_masked(body, req.arg("fields"), ()))

    def listing(self) -> list[dict[str, Any]]:
        """Every Drive file with its owners (email addresses) and driveId, for `GET /_twin/files`."""
        return [
            {
                "id": info["id"],
                "name": info["name"],
                "mimeType": info["mimeType"],
                "owners": [o["emailAddress"] for o in info.get("owners", [])],
                "driveId": info.get("driveId"),
                "permissions": [
                    {k: v for k, v in p.items() if k != "kind"} for p in info.get("permissions", [])
                ],
            }
            for info in self.files.values()
        ]


def _masked(body: dict, fields: str | None, default: tuple[str, ...]) -> dict:
    from tests.fakes.google_http import apply_field_mask

    if not fields:
        return {k: copy.deepcopy(v) for k, v in body.items() if not default or k in default}
    return apply_field_mask(body, parse_field_mask(fields))
