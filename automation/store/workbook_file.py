"""The local workbook as a file people share: who has it open, whether it changed, what broke.

People open `workbook.xlsx` in LibreOffice or Excel while Chorus runs. Their
office suite leaves a lock file beside it (`.~lock.workbook.xlsx#` from
LibreOffice, `~$workbook.xlsx` from Excel) naming who has it open; a save by
Chorus then would be undone by theirs, so Chorus waits or stops. A save that
lands between Chorus's read and its write is caught by the file's fingerprint
(size, mtime_ns and a hash of the bytes). A damaged file, a full disk and the
temporary copies a killed save left behind are turned into one clear message
here, so the store itself only speaks openpyxl.
"""

from __future__ import annotations

import errno
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

from automation.store import deflate
from sheets_schema.errors import BackendError, ChorusError, SheetError

#: what openpyxl raises on a file that is not a sound .xlsx (not a zip, a member that does
#: not inflate, XML that does not parse, a part missing or holding nonsense)
DAMAGE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
)


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when Chorus read it: a later save by anyone changes at least one part."""

    size: int
    mtime_ns: int
    #: CRC-32 of the bytes: for a save that kept the size and the time stamp (a file system
    #: that counts whole seconds), not against anyone forging one; a third of SHA-256's time
    #: on a workbook of megabytes, taken at every write
    crc32: int
    inode: int = 0
    ctime_ns: int = 0


def read_bytes(path: Path) -> tuple[bytes, Fingerprint]:
    """The file's bytes and their fingerprint, from one open file (no gap between the two)."""
    with open(path, "rb") as handle:
        stat = os.fstat(handle.fileno())
        data = handle.read()
    return data, Fingerprint(
        stat.st_size, stat.st_mtime_ns, deflate.crc32(data), stat.st_ino, stat.st_ctime_ns
    )


def fingerprint(path: Path) -> Fingerprint | None:
    """The file's fingerprint now, or None when it is gone."""
    try:
        return read_bytes(path)[1]
    except FileNotFoundError:
        return None


def unchanged(path: Path, seen: Fingerprint | None, *, by_stat: bool = False) -> bool:
    """True when the file is still exactly what Chorus read (the hash only when the stat agrees).

    `by_stat` trusts the stat alone (size, time stamp, and the file itself: every save by
    Chorus, LibreOffice or Excel replaces the file), for whether the bytes in memory may be
    read again; the save itself checks the bytes before it replaces the file.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return seen is None
    if seen is None or (stat.st_size, stat.st_mtime_ns) != (seen.size, seen.mtime_ns):
        return False
    if by_stat and seen.inode and (stat.st_ino, stat.st_ctime_ns) == (seen.inode, seen.ctime_ns):
        return True
    return fingerprint(path) == seen


class WorkbookInUse(ChorusError):
    """Someone has the workbook open in LibreOffice or Excel: writing now would lose work."""


class WorkbookKeptChanging(ChorusError):
    """The workbook changed under every attempt to write it; nothing was written."""


@dataclass(frozen=True)
class OfficeLock:
    """A lock file an office suite keeps beside a workbook someone has open."""

    path: Path
    app: str
    who: str
    since: str = ""


def office_lock(workbook: Path) -> OfficeLock | None:
    """The LibreOffice or Excel lock file on `workbook`, if there is one."""
    lo = workbook.with_name(f".~lock.{workbook.name}#")
    if lo.exists():
        who, since = _libreoffice_owner(_read_small(lo))
        return OfficeLock(lo, "LibreOffice", who, since)
    excel = workbook.with_name(f"~${workbook.name}")
    if excel.exists():
        return OfficeLock(excel, "Excel", _excel_owner(_read_small(excel)))
    return None


def _read_small(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096)
    except OSError:  # Excel on a share may keep it unreadable; the name is then unknown
        return b""


def _libreoffice_owner(data: bytes) -> tuple[str, str]:
    """LibreOffice writes `Name,system user,host,date,URL;` (Name is empty when not set)."""
    fields = data.decode("utf-8", "replace").strip().rstrip(";").split(",")
    name = fields[0].strip() if fields else ""
    if not name and len(fields) > 1:
        name = fields[1].strip()
    host = fields[2].strip() if len(fields) > 2 else ""
    since = fields[3].strip() if len(fields) > 3 else ""
    who = name or "someone"
    if host and name:
        who += f" on {host}"
    return who, since


def _excel_owner(data: bytes) -> str:
    """Excel's owner file: the name as UTF-16 at offset 0x36, and as a short ANSI string first."""
    if len(data) >= 0x38:
        length = int.from_bytes(data[0x36:0x38], "little")
        wide = data[0x38 : 0x38 + 2 * length]
        if 0 < length <= 54 and len(wide) == 2 * length:
            name = wide.decode("utf-16-le", "replace").strip()
            if name.isprintable() and name:
                return name
    if data:
        name = data[1 : 1 + data[0]].decode("cp1252", "replace").strip()
        if name.isprintable() and name:
            return name
    return "someone"


def in_use_error(workbook: Path, lock: OfficeLock, waited: float) -> WorkbookInUse:
    """The message for a workbook someone has open: who, and the three ways on."""
    since = f" since {lock.since}" if lock.since else ""
    after = f" after waiting {waited:g} seconds" if waited else ""
    return WorkbookInUse(
        f"{lock.who} has it open in {lock.app}{since}; Chorus wrote nothing{after}, "
        "so their next save cannot undo this run",
        place=str(workbook),
        fix=(
            f"close the file in {lock.app} and run again, or run again with --wait SECONDS; "
            f"if nobody has it open ({lock.app} crashed), delete {lock.path}"
        ),
    )


def wait_until_closed(
    workbook: Path, wait: float, clock: Callable[[], float], sleep: Callable[[float], None]
) -> None:
    """Return once no office suite has `workbook` open; after `wait` seconds, WorkbookInUse."""
    start = clock()
    while True:
        lock = office_lock(workbook)
        if lock is None:
            return
        waited = clock() - start
        if waited >= wait:
            raise in_use_error(workbook, lock, wait)
        sleep(min(1.0, wait - waited))


def kept_changing(workbook: Path, attempts: int) -> WorkbookKeptChanging:
    """The message when every attempt found the file changed between its read and its write."""
    return WorkbookKeptChanging(
        f"the file changed between Chorus's read and its write {attempts} times; "
        "Chorus wrote nothing and the workbook is as the last person saved it",
        place=str(workbook),
        fix="close the workbook in LibreOffice or Excel (or stop the program saving it) "
        "and run again",
    )


def temp_name(workbook: Path) -> Path:
    """The one temporary file a save writes before renaming it over the workbook."""
    return workbook.with_name(f".{workbook.name}.save.tmp")


def remove_stale_temps(workbook: Path) -> list[str]:
    """Delete the temporary copies (`.workbook.xlsx*.tmp`) a killed save left; call under the write lock.

    They hold a whole copy of the workbook, personal data included, and nothing
    else would ever remove them.
    """
    removed: list[str] = []
    prefix = f".{workbook.name}"
    if not workbook.parent.is_dir():
        return removed
    for leftover in workbook.parent.iterdir():
        if leftover.name.startswith(prefix) and leftover.name.endswith(".tmp"):
            try:
                leftover.unlink()
                removed.append(leftover.name)
            except FileNotFoundError:
                continue
    return removed


def damaged(workbook: Path, exc: BaseException) -> SheetError:
    """The message for a file that is not a sound .xlsx, whatever part of it broke."""
    what = {
        zipfile.BadZipFile: "it is not a zip archive (another kind of file renamed .xlsx?)",
        zlib.error: "a part of it does not decompress (the file is damaged)",
        ParseError: "a part of it is not well-formed XML (the file is damaged)",
        KeyError: "it is a zip archive without the parts of a workbook",
    }.get(type(exc), "its content is not what an .xlsx file holds")
    return SheetError(
        f"the workbook {workbook} cannot be opened as .xlsx: {what} ({str(exc).strip(chr(34))})",
        fix="restore it from a backup, or open and re-save it in LibreOffice or Excel; "
        "or move it away and run `chorus init` to start a new one",
    )


def disk_error(workbook: Path, exc: OSError) -> BackendError:
    """The message for a save the disk refused (full, read-only, no permission)."""
    folder = workbook.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why, fix = (
            "the disk is full",
            f"free some space on the disk holding {folder}, then run again",
        )
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why, fix = (
            "the folder cannot be written",
            f"let this user write to {folder}, then run again",
        )
    else:
        why, fix = exc.strerror or str(exc), "fix the disk or the folder, then run again"
    return BackendError(
        f"could not save the workbook: {why}; it is as it was before this run",
        place=str(workbook),
        fix=fix,
    )
