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
import threading
from collections import Counter
from collections.abc import Iterable
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
    (`folder` None: drawn, never kept). A chart `draw_ahead` is drawing is waited for."""
    if folder is None or not drawing_version():
        return _draw(chart)
    digest = chart_digest(chart)
    path = folder / f"{digest}.png"
    kept = _read(path)
    if kept is None and digest in _AHEAD:
        finish_drawing()
        kept = _read(path)
    if kept is not None:
        return kept
    drawn = _draw(chart)
    _keep(path, drawn)
    return drawn


#: the charts drawn ahead at most, those most messages show (the first message waits for all)
AHEAD_MAX = 4
#: digest -> the child process drawing it ahead (draw_ahead), until it is waited for
_AHEAD: dict[str, int] = {}


def draw_ahead(charts: Iterable[Chart], folder: Path) -> int:
    """Draw the charts not kept yet in a child process, on another core, while this one
    writes the Sent tab and composes the text; returns how many it draws.

    Importing matplotlib and drawing take ~0.5 s of a weekly summary's first run of the
    week. The child only fills the folder: `chart_png` waits for it before drawing a chart
    itself, and draws anything the child did not leave (it failed, it was killed). Not
    where fork is missing or unsafe (another thread could hold a lock the child needs).
    """
    if not hasattr(os, "fork") or threading.active_count() > 1 or not drawing_version():
        return 0
    shared = [chart for chart, _ in Counter(charts).most_common(AHEAD_MAX)]
    todo = {chart_digest(chart): chart for chart in shared}
    todo = {d: c for d, c in todo.items() if d not in _AHEAD and _read(folder / f"{d}.png") is None}
    if not todo:
        return 0
    try:
        pid = os.fork()
    except OSError:
        return 0
    if pid == 0:  # pragma: no cover - the child, measured by the charts it leaves
        code = 1
        try:
            os.closerange(3, 1 << 16)  # nothing of the parent's (its workbook, its locks)
            for digest, chart in todo.items():
                _keep(folder / f"{digest}.png", _draw(chart))
            code = 0
        finally:
            os._exit(code)
    _AHEAD.update(dict.fromkeys(todo, pid))
    return len(todo)


def finish_drawing() -> None:
    """Wait for the children `draw_ahead` started: what they drew is in the folder now."""
    for pid in set(_AHEAD.values()):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
    _AHEAD.clear()


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
