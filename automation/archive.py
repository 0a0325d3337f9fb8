"""The monthly archive where it is kept: find what is there, write a month once, verify the chain.

Local backend: an `archive` folder beside chorus.toml, one folder per month
(archive/2026-11) and, when a month is archived again with --force, a new
version beside the old one (archive/2026-11.v2): nothing is ever rewritten.
A month is written into a hidden temporary folder and renamed into place in
one step, so a crash leaves no half archive, and its files are made read-only.
Google backend: the same folders inside a Drive folder (automation/archive_drive.py).
The plan (jobs/archive.py) decides what goes in; this module does the I/O.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from automation.workspace import Workspace
from jobs.archive import (
    MANIFEST,
    ArchiveInputs,
    ArchivePlan,
    folder_month,
    is_archive_folder,
    previous_month,
    verify_folder,
)
from sheets_schema.errors import BackendError, InputError
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings

FOLDER = "archive"


class Shelf(Protocol):
    """Where archives are kept: list the month folders, read one, add a new one (never replace)."""

    def describe(self) -> str: ...

    def folders(self) -> list[str]: ...

    def files(self, folder: str) -> dict[str, bytes]: ...

    def add(self, folder: str, files: Mapping[str, bytes]) -> None: ...


class LocalShelf:
    """Archives in a folder on disk (`archive/` beside chorus.toml)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return str(self.root)

    def folders(self) -> list[str]:
        """The archive folders, oldest month first, versions in order."""
        if not self.root.is_dir():
            return []
        names = [p.name for p in self.root.iterdir() if p.is_dir() and is_archive_folder(p.name)]
        return sorted(names, key=folder_month)

    def files(self, folder: str) -> dict[str, bytes]:
        path = self.root / folder
        return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}

    def add(self, folder: str, files: Mapping[str, bytes]) -> None:
        """Write a new folder in one step (a temporary folder renamed), its files read-only."""
        target = self.root / folder
        if target.exists():
            raise refused(target.as_posix())
        work: Path | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{folder}.", dir=self.root))
            for name, content in files.items():
                (work / name).write_bytes(content)
                os.chmod(work / name, 0o444)
            work.rename(target)  # one step: a crash leaves no half archive
        except OSError as exc:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
            raise BackendError(
                f"cannot write the archive {target}: {exc.strerror or exc}",
                place=str(self.root),
                fix="free space on the disk or fix the folder's permissions, then run it again",
            ) from None


def refused(where: str) -> InputError:
    """The error for a folder that is already there: archives are never rewritten."""
    return InputError(
        f"{where} already exists; archives are never rewritten",
        place=where,
        fix="run `chorus archive --month ... --force` to write a new version beside it",
    )


def archive_root(settings: Settings) -> Path:
    """Where the local backend keeps the monthly archives: `archive/` beside chorus.toml."""
    return settings.base_dir / FOLDER


def shelf_for(workspace: Workspace) -> Shelf:
    """The local archive folder, or on the Google backend the Drive folder."""
    if workspace.settings.backend.kind == "google":
        # Imported here: a local run never loads Google's libraries.
        from automation.archive_drive import DriveShelf

        return DriveShelf.from_workspace(workspace)
    return LocalShelf(archive_root(workspace.settings))


def gather_archive(
    workspace: Workspace,
    now: datetime,
    snapshot: Snapshot,
    *,
    month: str = "",
    force: bool = False,
) -> ArchiveInputs:
    """The month to archive (default: last month) and the archives already kept."""
    shelf = shelf_for(workspace)
    folders = shelf.folders()
    month = month or previous_month(now.astimezone(workspace.settings.tz).date())
    earlier = [f for f in folders if folder_month(f)[0] < month]
    manifests = {}
    if earlier:  # only the one the new archive chains to is read
        manifests[earlier[-1]] = shelf.files(earlier[-1]).get(MANIFEST, b"")
    return ArchiveInputs(month, force, tuple(folders), manifests)


def refuse_rewrite(workspace: Workspace, month: str) -> None:
    """`chorus archive --month M` without --force: an InputError when M is already archived."""
    shelf = shelf_for(workspace)
    there = [f for f in shelf.folders() if folder_month(f)[0] == month]
    if there:
        raise InputError(
            f"{month} is already archived ({', '.join(there)}); archives are never rewritten",
            place=shelf.describe(),
            fix=f"add --force to write a new version beside it, or check it with "
            f"`chorus archive verify --month {month}`",
        )


def write_archive(workspace: Workspace, plan: object, now: datetime) -> list[str]:
    """After the run: add the planned month as a new folder, never over an old one."""
    if not isinstance(plan, ArchivePlan) or not plan.folder:
        return []
    shelf = shelf_for(workspace)
    shelf.add(plan.folder, {f.name: f.content for f in plan.archive_files})
    return [f"wrote {plan.folder} in {shelf.describe()} ({len(plan.archive_files)} files)"]


def verify(shelf: Shelf, month: str = "") -> tuple[list[str], str | None]:
    """Recompute every archive's hashes and the chain (or one month's, with its link back).

    Returns the lines to print and the first change found (None when all is intact).
    """
    folders = shelf.folders()
    chosen = [f for f in folders if not month or folder_month(f)[0] == month]
    if month and not chosen:
        raise InputError(
            f"{month} has no archive in {shelf.describe()}",
            place="--month",
            fix=f"archive it first with `chorus archive --month {month}`",
        )
    contents: dict[str, dict[str, bytes]] = {}

    def files(name: str) -> dict[str, bytes]:
        if name not in contents:
            contents[name] = shelf.files(name)
        return contents[name]

    lines: list[str] = []
    for name in chosen:
        body = files(name)
        links = {f: files(f).get(MANIFEST, b"") for f in folders if f != name and f < name}
        problem = verify_folder(name, body, links)
        if problem is not None:
            return lines, f"{FOLDER}/{problem}"
        lines.append(f"{FOLDER}/{name}: {len(body) - 1} files and the chain intact")
    if not chosen:
        lines.append(f"no archives in {shelf.describe()} yet")
    return lines, None
