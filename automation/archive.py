"""The monthly archive on disk: find what is there, write a month once, verify the chain.

Archives live in an `archive` folder beside chorus.toml, one folder per month
(archive/2026-11) and, when a month is archived again with --force, a new
version beside the old one (archive/2026-11.v2): nothing is ever rewritten.
A month is written into a hidden temporary folder and renamed into place in
one step, so a crash leaves no half archive, and its files are made read-only.
The plan (jobs/archive.py) decides what goes in; this module does the I/O.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

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


def archive_root(settings: Settings) -> Path:
    """Where the monthly archives are kept: `archive/` beside chorus.toml."""
    return settings.base_dir / FOLDER


def archive_folders(root: Path) -> list[str]:
    """The archive folders under `root`, oldest month first, versions in order."""
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and is_archive_folder(p.name)]
    return sorted(names, key=folder_month)


def gather_archive(
    workspace: Workspace,
    now: datetime,
    snapshot: Snapshot,
    *,
    month: str = "",
    force: bool = False,
) -> ArchiveInputs:
    """The month to archive (default: last month) and the archives already on disk."""
    root = archive_root(workspace.settings)
    folders = archive_folders(root)
    manifests = {}
    for name in folders:
        try:
            manifests[name] = (root / name / MANIFEST).read_bytes()
        except OSError:
            manifests[name] = b""  # chained as it is; `chorus archive verify` names it
    month = month or previous_month(now.astimezone(workspace.settings.tz).date())
    return ArchiveInputs(month, force, tuple(folders), manifests)


def refuse_rewrite(settings: Settings, month: str) -> None:
    """`chorus archive --month M` without --force: an InputError when M is already archived."""
    there = [f for f in archive_folders(archive_root(settings)) if folder_month(f)[0] == month]
    if there:
        raise InputError(
            f"{month} is already archived ({', '.join(there)}); archives are never rewritten",
            place=str(archive_root(settings)),
            fix=f"add --force to write a new version beside it, or check it with "
            f"`chorus archive verify --month {month}`",
        )


def write_archive(workspace: Workspace, plan: object, now: datetime) -> list[str]:
    """After the run: write the planned month into a new folder, never over an old one."""
    if not isinstance(plan, ArchivePlan) or not plan.folder:
        return []
    root = archive_root(workspace.settings)
    target = root / plan.folder
    if target.exists():
        raise InputError(
            f"{target} already exists; archives are never rewritten",
            place=str(target),
            fix="run `chorus archive --month ... --force` to write a new version beside it",
        )
    work: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{plan.folder}.", dir=root))
        for output in plan.archive_files:
            (work / output.name).write_bytes(output.content)
            os.chmod(work / output.name, 0o444)
        work.rename(target)  # one step: a crash leaves no half archive
    except OSError as exc:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise BackendError(
            f"cannot write the archive {target}: {exc.strerror or exc}",
            place=str(root),
            fix="free space on the disk or fix the folder's permissions, then run it again",
        ) from None
    return [f"wrote {target} ({len(plan.archive_files)} files)"]


def verify(root: Path, month: str = "") -> tuple[list[str], str | None]:
    """Recompute every archive's hashes and the chain (or one month's, with its link back).

    Returns the lines to print and the first change found (None when all is intact).
    """
    folders = archive_folders(root)
    manifests: dict[str, bytes] = {}
    for name in folders:
        path = root / name / MANIFEST
        manifests[name] = path.read_bytes() if path.is_file() else b""
    chosen = [f for f in folders if not month or folder_month(f)[0] == month]
    if month and not chosen:
        raise InputError(
            f"{month} has no archive in {root}",
            place="--month",
            fix=f"archive it first with `chorus archive --month {month}`",
        )
    lines: list[str] = []
    for name in chosen:
        folder = root / name
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        problem = verify_folder(name, files, manifests)
        if problem is not None:
            return lines, f"{FOLDER}/{problem}"
        lines.append(f"{FOLDER}/{name}: {len(files) - 1} files and the chain intact")
    if not chosen:
        lines.append(f"no archives in {root} yet")
    return lines, None
