"""The monthly archive on the Google backend: a Drive folder "Chorus archive" with a folder per month.

Google's own record of a file is what is kept: each file is created, then its
bytes uploaded as a plain media upload (not multipart, so not a byte is
changed), into a folder named `.2026-11.partial` that is renamed `2026-11`
once every file is in: a crash leaves a partial folder that is never taken
for an archive. A month folder that exists is never written into again.
Calls: a list of the root, a list of month folders, per new month one folder
create, two calls per file and one rename; verifying reads each file once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from automation.google.errors import GoogleCall
from automation.google.files import require_owner
from automation.google.transport import GoogleServices
from automation.workspace import Workspace
from jobs.archive import folder_month, is_archive_folder
from sheets_schema.errors import BackendError
from sheets_schema.settings import Settings

ROOT_NAME = "Chorus archive"
FOLDER_MIME = "application/vnd.google-apps.folder"
ACCESS_FIX = "enable the Google Drive API in the project and check the key's drive.file scope"


class DriveShelf:
    """Archives in a Drive folder the service account created (drive.file sees only those)."""

    def __init__(self, services: GoogleServices, settings: Settings) -> None:
        self.services = services
        self.settings = settings
        self._api: Any = None
        self._root: str | None = None

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> DriveShelf:
        settings = workspace.settings
        services = workspace.google or GoogleServices.from_settings(settings)
        return cls(services, settings)

    def describe(self) -> str:
        return f"the Drive folder {ROOT_NAME!r}"

    def _files(self) -> Any:
        if self._api is None:
            self._api = self.services.discovery("drive", "v3")
        return self._api.files()

    def _run(self, request: Any, doing: str) -> Any:
        with GoogleCall(doing, access_fix=ACCESS_FIX, uncertain_fix="run it again"):
            return request.execute()

    def _list(self, query: str, doing: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._run(
                self._files().list(
                    q=query,
                    fields="nextPageToken, files(id, name)",
                    pageToken=token,
                    supportsAllDrives=True,
                    includeItemsFromAllDrives=True,
                ),
                doing,
            )
            found += page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return found

    def root(self, *, create: bool = False) -> str | None:
        """The archive folder's id; made when `create`, in the shared drive when there is one,
        else owned by whoever Chorus acts as (a service account may not own files)."""
        if self._root is None:
            query = f"name = '{ROOT_NAME}' and mimeType = '{FOLDER_MIME}' and trashed = false"
            found = self._list(query, "finding the archive folder")
            if found:
                self._root = str(found[0]["id"])
            elif create:
                require_owner(self.services, self.settings, "the archive folder")
                body: dict[str, Any] = {"name": ROOT_NAME, "mimeType": FOLDER_MIME}
                if self.settings.backend.shared_drive_id:
                    body["parents"] = [self.settings.backend.shared_drive_id]
                made = self._create(body, "creating the archive folder")
                self._root = str(made["id"])
        return self._root

    def _month_folders(self) -> dict[str, str]:
        root = self.root()
        if root is None:
            return {}
        query = f"'{root}' in parents and mimeType = '{FOLDER_MIME}' and trashed = false"
        found = self._list(query, "listing the archive folder")
        return {str(f["name"]): str(f["id"]) for f in found if is_archive_folder(str(f["name"]))}

    def folders(self) -> list[str]:
        """The month folders, oldest first, versions in order."""
        return sorted(self._month_folders(), key=folder_month)

    def files(self, folder: str) -> dict[str, bytes]:
        """Every file of one month folder, by name, as Drive holds its bytes."""
        folder_id = self._month_folders()[folder]
        query = f"'{folder_id}' in parents and trashed = false"
        out: dict[str, bytes] = {}
        for f in self._list(query, f"listing {folder}"):
            data = self._run(self._files().get_media(fileId=f["id"]), f"reading {f['name']}")
            out[str(f["name"])] = data if isinstance(data, bytes) else str(data).encode()
        return out

    def add(self, folder: str, files: Mapping[str, bytes]) -> None:
        """A new month folder, filled under a partial name, then renamed in one step."""
        from googleapiclient.http import MediaInMemoryUpload

        if folder in self._month_folders():
            raise BackendError(
                f"{folder} already exists in {self.describe()}; archives are never rewritten",
                place=self.describe(),
                fix="run `chorus archive --month ... --force` to write a new version beside it",
            )
        root = self.root(create=True)
        body = {"name": f".{folder}.partial", "mimeType": FOLDER_MIME, "parents": [root]}
        made = self._create(body, f"creating {folder}")
        for name, content in files.items():
            meta = {"name": name, "parents": [made["id"]], "mimeType": "text/plain"}
            created = self._create(meta, f"adding {name}")
            media = MediaInMemoryUpload(content, mimetype="application/octet-stream")
            update = self._files().update(
                fileId=created["id"], media_body=media, supportsAllDrives=True
            )
            self._run(update, f"uploading {name}")
        rename = self._files().update(
            fileId=made["id"], body={"name": folder}, supportsAllDrives=True
        )
        self._run(rename, f"naming {folder}")

    def _create(self, body: dict[str, Any], doing: str) -> Any:
        return self._run(
            self._files().create(body=body, fields="id", supportsAllDrives=True), doing
        )
