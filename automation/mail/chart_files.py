"""Drawn charts kept as PNG files in the state folder, so a later run of the same week skips
matplotlib entirely (importing it and drawing the weekly summary's two charts take ~0.5 s).

A file is named by the digest of the chart's data and of what draws it (charts.py's own
source, the matplotlib and Pillow versions): the same name always holds the bytes
charts.render_chart would draw now, and a change to the drawing makes new names. Files are
written whole and renamed into place, checked (a PNG from its signature to its IEND chunk)
before use, and pruned to the KEPT most recently used. The files are a cache: one that
cannot be read is drawn again, one that cannot be written is only not kept; the run's mail
is the same either way.

    chart ─digest─▶ <state>/charts/<digest>.png ─hit─▶ bytes (matplotlib never imported)
                                                └miss─▶ charts.render_chart ─▶ written, pruned
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import asdict
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.base import Chart

FOLDER = "charts"
#: the files kept: a week's summary has two charts, so this is months of weeks
KEPT = 32
PNG_START, PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"


@lru_cache(maxsize=1)
def drawing_version() -> str:
    """What the drawing depends on besides the chart's data: charts.py, matplotlib, Pillow
    ('' when charts.py cannot be read, as from a zip: then nothing is kept)."""
    try:
        source = Path(__file__).with_name("charts.py").read_bytes()
    except OSError:
        return ""
    versions = []
    for name in ("matplotlib", "pillow"):
        try:
            versions.append(metadata.version(name))
        except metadata.PackageNotFoundError:  # drawing would fail anyway, and say why
            versions.append("")
    return hashlib.sha256(source + json.dumps(versions).encode()).hexdigest()


def chart_digest(chart: Chart) -> str:
    """The file name's stem for a chart: the digest of its data and of the drawing."""
    data = json.dumps(asdict(chart), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{drawing_version()}\n{data}".encode()).hexdigest()[:40]


# A run composes hundreds of messages with the same charts: the file is read once a process.
@lru_cache(maxsize=16)
def chart_png(chart: Chart, folder: Path | None) -> bytes:
    """The chart's PNG bytes: from `folder` when drawn there before, else drawn and kept there
    (`folder` None: drawn, never kept)."""
    if folder is None or not drawing_version():
        return _draw(chart)
    path = folder / f"{chart_digest(chart)}.png"
    kept = _read(path)
    if kept is not None:
        return kept
    drawn = _draw(chart)
    _keep(path, drawn)
    return drawn


def _draw(chart: Chart) -> bytes:
    # Imported here: matplotlib takes a while to load, and a kept file needs none of it.
    from automation.mail.charts import render_chart

    return render_chart(chart)


def _read(path: Path) -> bytes | None:
    """A kept file's bytes if it is a whole PNG (it is then marked as just used), else None."""
    try:
        data = path.read_bytes()
    except OSError:  # not drawn yet, or pruned by another run meanwhile
        return None
    if not (data.startswith(PNG_START) and data.endswith(PNG_END)):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be pruned
    return data


def _keep(path: Path, data: bytes) -> None:
    """Write the file whole under a temporary name, rename it into place, prune the folder."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
        prune(path.parent)
    except OSError:  # a read-only or full state folder: the chart is simply drawn next time
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def prune(folder: Path, kept: int = KEPT) -> None:
    """Remove all but the `kept` most recently used files of the folder."""
    entries = []
    for entry in os.scandir(folder):
        try:
            entries.append((entry.stat().st_mtime_ns, entry.path))
        except OSError:
            continue  # removed meanwhile
    for _, name in sorted(entries, reverse=True)[kept:]:
        with contextlib.suppress(OSError):
            os.unlink(name)
