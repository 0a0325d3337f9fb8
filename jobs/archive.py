"""archive: a month's record, written once, that anyone can check has not changed since.

Regulated firms keep what they posted, who approved it and with what text,
and the firms say they should not rely on the networks to keep it. For a
month (by default the one before `now`) the plan builds:

    published.csv   the month's published items: the text as it stands, its approval
                    level, approver, approved text and times, and the post link
    approvals.csv   every answer of the approval form given that month
    mentions.csv    the month's mentions and messages, and how each was answered
    sent.csv        the emails Chorus sent that month (the Sent rows, and those of the
                    Sent archive for a month long closed)
    crises.csv      the crises open at any time that month
    manifest.json   the SHA-256 of each file above and of the previous archive's
                    manifest: a chain, so a changed byte anywhere is found

The shell (automation/archive.py) writes the folder once and never rewrites
it; `verify_folder` here recomputes a folder's hashes from its bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from jobs.approvals import ApprovalBook, post_text
from jobs.base import Job, OutputFile, Plan, Report
from sheets_schema.errors import InputError
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.tabs import TABS as SCHEMA
from sheets_schema.tabs_state import SENT_ARCHIVE_TAB
from sheets_schema.values import clean_text, format_datetime, parse_datetime

TABS = ("Queue", "Mentions", "Crises", "Approvals", "Channels", "People", "Sent", SENT_ARCHIVE_TAB)
MANIFEST = "manifest.json"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class ArchiveInputs:
    """What the shell found on disk: the month to archive and the archives already there.

    `folders` are the names of the archive folders there (2026-10, 2026-11.v2);
    `manifests` the bytes of each one's manifest.json, for the chain.
    """

    month: str
    force: bool = False
    folders: tuple[str, ...] = ()
    manifests: Mapping[str, bytes] | None = None


@dataclass(frozen=True)
class ArchivePlan(Plan):
    """The plan plus the folder to write (None when the month is already archived)."""

    folder: str = ""
    archive_files: tuple[OutputFile, ...] = ()


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of 'YYYY-MM'; a clear error for anything else."""
    m = _MONTH.match(month.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise InputError(
            f"{month!r} is not a month", place="--month", fix="write it as 2026-11 (YYYY-MM)"
        )
    first = date(int(m[1]), int(m[2]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def previous_month(today: date) -> str:
    """The month before `today`'s, as YYYY-MM."""
    return f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"


def folder_month(folder: str) -> tuple[str, int]:
    """'2026-11.v2' -> ('2026-11', 2); '2026-11' -> ('2026-11', 1)."""
    month, _, version = folder.partition(".v")
    return month, int(version) if version.isdigit() else 1


def is_archive_folder(name: str) -> bool:
    """Whether a folder name is an archive's: 2026-11, or 2026-11.v2 for a later version."""
    month, _, version = name.partition(".v")
    return bool(_MONTH.match(month)) and (not version or version.isdigit())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _in_month(text: object, settings: Settings, bounds: tuple[date, date]) -> bool:
    when = _when(text, settings)
    return when is not None and bounds[0] <= when.date() <= bounds[1]


def _when(text: object, settings: Settings) -> datetime | None:
    try:
        value = clean_text(text)
        return (
            parse_datetime(value, settings.tz, day_first=settings.organisation.day_first)
            if value
            else None
        )
    except ValueError:
        return None


def _tab_file(frame: pd.DataFrame, keep: pd.Series, tab: str) -> bytes:
    """A tab's rows where `keep` holds, every schema column, headers as people see them."""
    fields = SCHEMA[tab].fields
    rows = [[clean_text(r.get(f, "")) for f in fields] for r in frame[keep].to_dict("records")]
    return _csv(SCHEMA[tab].headers, rows)


def _published(snapshot: Snapshot, settings: Settings, bounds: tuple[date, date]) -> bytes:
    book = ApprovalBook(snapshot, settings.tz, day_first=settings.organisation.day_first)
    header = (
        "ID",
        "Headline",
        "Channels",
        "Text",
        "Scheduled For",
        "Published At",
        "Post URL",
        "Approval Needed",
        "Approved By",
        "Approved At",
        "Approved Text",
        "Approval Counts",
    )
    rows: list[list[str]] = []
    for row in snapshot.get_or_empty("Queue").to_dict("records"):
        if clean_text(row.get("status", "")).casefold() != "published":
            continue
        if not _in_month(row.get("published_at", ""), settings, bounds):
            continue
        qid = clean_text(row.get("id", ""))
        verdict = book.verdict(qid) if qid else None
        approved = "" if verdict is None else "Yes" if verdict.approved else f"No: {verdict.why}"
        rows.append(
            [
                qid,
                clean_text(row.get("headline", "")),
                clean_text(row.get("channels", "")),
                post_text(row),
                *(clean_text(row.get(f, "")) for f in ("scheduled_for", "published_at")),
                clean_text(row.get("post_url", "")),
                verdict.level if verdict else "None",
                *(clean_text(row.get(f, "")) for f in ("approved_by", "approved_at")),
                str(row.get("approved_text", "") or ""),
                approved,
            ]
        )
    return _csv(header, rows)


def _crises(frame: pd.DataFrame, settings: Settings, bounds: tuple[date, date]) -> pd.Series:
    """Crises open at any time in the month."""

    def open_then(row: Mapping[str, Any]) -> bool:
        started, ended = _when(row.get("started"), settings), _when(row.get("ended"), settings)
        return (
            started is not None
            and started.date() <= bounds[1]
            and (ended is None or ended.date() >= bounds[0])
        )

    return frame.apply(open_then, axis=1) if len(frame) else pd.Series(dtype=bool)


def month_files(
    snapshot: Snapshot, settings: Settings, bounds: tuple[date, date]
) -> dict[str, bytes]:
    """The month's record as files by name (the manifest aside)."""

    def dated(tab: str, field: str) -> tuple[pd.DataFrame, pd.Series]:
        frame = snapshot.get_or_empty(tab)
        if tab == "Sent" and SENT_ARCHIVE_TAB in snapshot:  # an older month's mail moved there
            frame = pd.concat([snapshot[SENT_ARCHIVE_TAB], frame], ignore_index=True)
        keep = frame[field].map(lambda v: _in_month(v, settings, bounds))
        return frame, keep.astype(bool) if len(frame) else pd.Series(dtype=bool)

    crises = snapshot.get_or_empty("Crises")
    return {
        "published.csv": _published(snapshot, settings, bounds),
        "approvals.csv": _tab_file(*dated("Approvals", "at"), "Approvals"),
        "mentions.csv": _tab_file(*dated("Mentions", "found_at"), "Mentions"),
        "sent.csv": _tab_file(*dated("Sent", "sent_at"), "Sent"),
        "crises.csv": _tab_file(crises, _crises(crises, settings, bounds), "Crises"),
    }


def manifest(
    month: str,
    files: Mapping[str, bytes],
    previous: tuple[str, bytes] | None,
    created: str,
    organisation: str,
) -> bytes:
    """The manifest: each file's SHA-256, and the previous archive's folder and manifest hash."""
    body = {
        "archive": "chorus monthly record",
        "organisation": organisation,
        "month": month,
        "created": created,
        "files": [{"name": n, "sha256": sha256(b), "bytes": len(b)} for n, b in files.items()],
        "previous": (
            {"folder": previous[0], "manifest_sha256": sha256(previous[1])} if previous else None
        ),
    }
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def next_folder(month: str, folders: Sequence[str]) -> str:
    """The folder a new archive of `month` goes to: the month, or month.vN beside the others."""
    versions = [folder_month(f)[1] for f in folders if folder_month(f)[0] == month]
    return month if not versions else f"{month}.v{max(versions) + 1}"


def chain_link(month: str, folders: Sequence[str]) -> str | None:
    """The archive the new one chains to: the latest version of the latest earlier month."""
    earlier = [f for f in folders if folder_month(f)[0] < month]
    return max(earlier, key=folder_month) if earlier else None


def plan(
    snapshot: Snapshot, now: datetime, settings: Settings, inputs: ArchiveInputs | None
) -> ArchivePlan:
    """archive's pure plan: the month's files and manifest, or why nothing is written."""
    local = now.astimezone(settings.tz)
    inputs = inputs or ArchiveInputs(previous_month(local.date()))
    bounds = month_bounds(inputs.month)
    already = [f for f in inputs.folders if folder_month(f)[0] == inputs.month]
    if already and not inputs.force:
        line = (
            f"{inputs.month} is already archived in {', '.join(sorted(already))}: archives are "
            "never rewritten (`chorus archive --month ... --force` writes a new version beside it)"
        )
        return ArchivePlan(report=Report(counts={"archived": 0}, lines=(line,)))
    files = month_files(snapshot, settings, bounds)
    link = chain_link(inputs.month, inputs.folders)
    manifests = inputs.manifests or {}
    previous = (link, manifests.get(link, b"")) if link else None
    folder = next_folder(inputs.month, inputs.folders)
    files[MANIFEST] = manifest(
        inputs.month,
        files,
        previous,
        format_datetime(local, settings.tz),
        settings.organisation.name,
    )
    counts = {"archived": 1, **{n[:-4]: _rows(b) for n, b in files.items() if n.endswith(".csv")}}
    lines = [f"archive of {inputs.month} in {folder}: " + ", ".join(files)]
    lines.append(
        f"chained to {link}" if link else "the first archive: no earlier month to chain to"
    )
    return ArchivePlan(
        report=Report(counts=counts, lines=tuple(lines)),
        folder=folder,
        archive_files=tuple(OutputFile(n, b) for n, b in files.items()),
    )


def _rows(data: bytes) -> int:
    return max(0, len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) - 1)


def verify_folder(
    folder: str, files: Mapping[str, bytes], previous: Mapping[str, bytes]
) -> str | None:
    """The first thing changed in one archive folder, in words naming the file; None if intact.

    `files` are the folder's files by name (manifest.json included); `previous`
    the manifests of the other archive folders by folder name, for the chain.
    """
    raw = files.get(MANIFEST)
    if raw is None:
        return f"{folder}/{MANIFEST} is missing"
    try:
        body = json.loads(raw.decode("utf-8"))
        listed = {str(f["name"]): str(f["sha256"]) for f in body["files"]}
    except (ValueError, KeyError, TypeError):
        return f"{folder}/{MANIFEST} has changed: it is no longer a manifest Chorus wrote"
    for name, digest in listed.items():
        if name not in files:
            return f"{folder}/{name} is missing"
        if sha256(files[name]) != digest:
            return f"{folder}/{name} has changed since it was archived (its SHA-256 differs)"
    for name in sorted(set(files) - set(listed) - {MANIFEST}):
        return f"{folder}/{name} was added after the archive was written"
    link = body.get("previous")
    if link:
        before = previous.get(str(link.get("folder", "")))
        if before is None:
            return f"{folder}/{MANIFEST} chains to {link.get('folder')}, which is missing"
        if sha256(before) != link.get("manifest_sha256"):
            return f"{link.get('folder')}/{MANIFEST} has changed since {folder} was archived"
    return None


JOB = Job(
    "archive",
    "On the first working day of the month, write last month's record once, hash-chained",
    TABS,
    plan,
)
