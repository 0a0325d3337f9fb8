"""The local side of `python -m benchmarks`: each job on the local workbook, and the pandas scripts.

The measuring is benchmarks.local's: a child process per run, time with
nothing tracing it, the peak resident set in a run of its own, the bytes
the run's saves wrote and rewrote. This module only turns its answers into
the table's Local cells, and a run that fails into a cell that says so.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import local
from benchmarks.report import Local, Measurement


def _cell(found: dict[str, Any]) -> Local:
    written = int(found.get("written") or 0)
    rewritten = found.get("rewritten")
    return Local(
        seconds=float(found["seconds"]),
        cpu=float(found["cpu"]),
        mib=float(found["rss_mib"]),
        saved=written,
        rewritten=written if rewritten is None else int(rewritten),
        size=int(found.get("size") or 0),
        outcome=str(found.get("outcome", "")),
        summary=str(found.get("summary", "")),
    )


def measure_local(name: str, n: int) -> Local:
    """One job (or "pandas sync[ kind][ again]") at n rows on the local workbook, as local.measure does it."""
    try:
        return _cell(local.measure(name, n, [local.ROOT])[0])
    except SystemExit as exc:  # local.measure's word for a run that failed
        return Local(outcome="failed", summary=str(exc).strip().splitlines()[-1][:200])


def measure_pandas_again(script: str, n: int) -> Local:
    """A pandas script run a second time over what it synced itself: nothing new.

    local.measure runs Chorus's sync first for an "again" row; a pandas script
    does not know Chorus's Response IDs, so it would add everything again.
    Time and memory in separate child processes, as local.measure does.
    """
    try:
        with tempfile.TemporaryDirectory(prefix="chorus-pandas-") as tmp:
            template = Path(tmp) / "template"
            template.mkdir()
            local.prepare(template, "sync-forms", n)
            found: dict[str, Any] = {}
            for kind in ("time", "memory"):
                folder = Path(tmp) / kind
                shutil.copytree(template, folder)
                local._child(folder, script, local.ROOT)
                got = local._child(folder, script, local.ROOT)
                found.update(got if kind == "time" else {"rss_mib": got["rss_mib"]})
        return _cell(found)
    except SystemExit as exc:
        return Local(outcome="failed", summary=str(exc).strip().splitlines()[-1][:200])


def fill_local(m: Measurement, say: Any) -> None:
    """The local workbook's cells of one row, and the pandas scripts' beside sync-forms."""
    say(f"  local workbook {m.job} at {m.rows:,} rows ...")
    m.local = measure_local(m.job, m.rows)
    if m.job.removesuffix(" again") != "sync-forms":
        return
    say(f"  pandas scripts {m.job} at {m.rows:,} rows ...")
    measured = measure_pandas_again if m.job.endswith(" again") else measure_local
    m.pandas = measured("pandas sync", m.rows)
    m.pandas_kind = measured("pandas sync kind", m.rows)
