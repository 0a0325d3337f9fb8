"""Benchmark every job on the local workbook at scale: wall time, peak memory, bytes rewritten.

    .venv/bin/python -m benchmarks.local                       # 1,000 and 10,000 rows
    .venv/bin/python -m benchmarks.local --sizes 1000,10000 --jobs sync-forms,brief

Each cell runs one job through `chorus`'s runner over the synthetic program of
benchmarks.scale (the job's main tab at N rows) kept in a local .xlsx file.
Time and memory are measured in separate child processes: the time with
nothing tracing it, the memory as the child's peak resident set (VmHWM),
which is what the machine must have. "sync-forms again" is a second sync
with nothing new (it reads every response); "sync-forms settled" a third, which
finds the fingerprint the second kept in State and reads none (every scheduled
sync of a quiet day is one). "bytes written" is the
bytes the run's saves wrote to disk, all saves added up (a save
writes a whole new file, then renames it over the old: the atomic replace);
"bytes rewritten" is what of it was produced anew (sheet XML written, then
compressed), the other parts being copied as they were; an earlier Chorus
produced every part anew on every save.
Beside sync-forms, the same 10,000-response sync done the way a person would
script it with pandas (benchmarks.pandas_sync), pessimistic and kind.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import scale  # noqa: E402

JOBS = (
    "sync-forms",
    "sync-forms again",
    "sync-forms settled",
    "pandas sync",
    "pandas sync kind",
    "ingest-alerts",
    "check-cadence",
    "brief",
    "thanks",
    "weekly-summary",
    "policy-digest",
)


def peak_mib() -> float:
    """This process's own peak resident set: VmHWM, since ru_maxrss keeps the parent's across fork+exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(folder: Path, job: str, n: int) -> Path:
    """A folder holding the program's workbook, inputs and chorus.toml; returns the workbook."""
    from automation.store.xlsx import XlsxStore
    from sheets_schema.records import Append, Changes

    program = scale.build_program(job, n)
    scale.write_inputs(folder, program)
    workbook = folder / "workbook.xlsx"
    store = XlsxStore(workbook)
    store.ensure_tabs()
    store.apply(
        Changes(
            appends=tuple(Append(tab, row) for tab, rows in program.rows.items() for row in rows)
        )
    )
    return workbook


def run_one(folder: Path, job: str) -> dict[str, Any]:
    """In a child process: run the job once and say what it cost."""
    if job.startswith("pandas"):
        return run_baseline(folder, job)
    from automation.config import settings_from_dict
    from automation.runner import run_job
    from automation.workspace import build_workspace

    settings = settings_from_dict(scale.config(folder), folder / "chorus.toml")
    workspace = build_workspace(settings)
    written = [0]
    store: Any = workspace.store

    def counted(handle: Any, data: bytes) -> None:
        written[0] += len(data)
        handle.write(data)

    store.write = counted  # the store's file-write seam: every save's bytes pass here
    started, cpu = time.perf_counter(), cpu_seconds()
    result = run_job(workspace, job, scale.NOW)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_mib": peak_mib(),
        "written": written[0],
        # an earlier Chorus wrote every part anew: all it saved
        "rewritten": getattr(store, "parts_rewritten", None),
        "size": (folder / "workbook.xlsx").stat().st_size,
        "outcome": result.outcome,
        "summary": result.summary(),
    }


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it waited for: a mailing run draws
    its charts in a child process (chart_files.draw_ahead), and that CPU is the run's too."""
    spent = os.times()
    return spent.user + spent.system + spent.children_user + spent.children_system


def run_baseline(folder: Path, job: str) -> dict[str, Any]:
    """The pandas baselines of benchmarks.pandas_sync, measured as a job is."""
    from benchmarks import pandas_sync

    started, cpu = time.perf_counter(), time.process_time()
    added = (pandas_sync.kind if job.endswith("kind") else pandas_sync.pessimistic)(folder)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    size = (folder / "workbook.xlsx").stat().st_size
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rss_mib": peak_mib(),
        "written": size,
        "rewritten": None,
        "size": size,
        "outcome": "ok" if added else "nothing added",
        "summary": f"{added} rows",
    }


def run_child(argv: list[str], code: Path, what: str) -> dict[str, Any]:
    """Run `python argv...` in a child process with `code` first on its path; its last line as JSON.

    The one launcher of the benchmarks that measure in children (this module, history).
    """
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run(
        [sys.executable, *argv], capture_output=True, text=True, cwd=code, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"{what}: the run failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _child(folder: Path, job: str, code: Path) -> dict[str, Any]:
    return run_child(["-m", "benchmarks.local", "--child", str(folder), job], code, job)


def measure(job: str, n: int, codes: list[Path], *, one_pass: bool = False) -> list[dict[str, Any]]:
    """For each source tree in `codes`: time (one run) and memory (a run on a fresh copy).

    The workbook is made once and copied, so every tree runs on the same bytes,
    and the trees take turns, so a busy machine slows them alike. `one_pass`
    (for 100,000 rows) takes the memory from the timed run itself (its own
    process's peak, nothing traces it) and times "sync-forms", "again" and
    "settled" as one chain of runs on one copy.
    """
    real, _, state = job.partition(" ")
    real = "sync-forms" if job.startswith("pandas") else real
    before = {"again": 1, "settled": 2}.get(state, 0)  # runs of the job before the measured one
    if one_pass and real == "sync-forms" and not job.startswith("pandas"):
        return [_chain(n, code)[before] for code in codes]
    found: list[dict[str, Any]] = [{} for _ in codes]
    with tempfile.TemporaryDirectory(prefix="chorus-local-") as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        prepare(template, real, n)
        (template / "chorus.toml").write_text("# benchmark\n", encoding="utf-8")
        for kind in ("time",) if one_pass else ("time", "memory"):
            for index, code in enumerate(codes):
                folder = Path(tmp) / f"{kind}-{index}"
                shutil.copytree(template, folder)
                for _ in range(before):
                    _child(folder, real, code)
                got = _child(folder, real if before else job, code)
                if kind == "time":
                    found[index].update(got)
                else:
                    found[index]["rss_mib"] = got["rss_mib"]
                shutil.rmtree(folder)
    return found


#: (rows, tree) -> the first sync, the one after it, the one after that (one_pass)
_CHAINS: dict[tuple[int, Path], list[dict[str, Any]]] = {}


def _chain(n: int, code: Path) -> list[dict[str, Any]]:
    if (n, code) not in _CHAINS:
        with tempfile.TemporaryDirectory(prefix="chorus-local-") as tmp:
            folder = Path(tmp)
            prepare(folder, "sync-forms", n)
            (folder / "chorus.toml").write_text("# benchmark\n", encoding="utf-8")
            _CHAINS[n, code] = [_child(folder, "sync-forms", code) for _ in range(3)]
    return _CHAINS[n, code]


def machine() -> str:
    """One line naming the machine the table was measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument(
        "--before", help="a source tree of an earlier Chorus to measure beside this one"
    )
    parser.add_argument(
        "--one-pass",
        action="store_true",
        help="memory from the timed run, and sync-forms' three runs chained (for 100,000 rows)",
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), args.child[1])))
        return 0
    codes = [ROOT] if not args.before else [Path(args.before).resolve(), ROOT]
    baselines = [ROOT]  # a pandas script is the same whichever Chorus is beside it
    names = ["now"] if not args.before else ["before", "now"]
    print(f"local workbook, measured on {machine()} (see the module's docstring)")
    print(
        "| job | N | "
        + " | ".join(
            f"{n} wall s | {n} CPU s | {n} MiB | {n} bytes saved | {n} bytes rewritten"
            for n in names
        )
        + " | workbook bytes |"
    )
    print("|---|---|" + "---|" * (5 * len(names) + 1))
    for job in args.jobs.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            cells = []
            trees = baselines if job.startswith("pandas") else codes
            for m in measure(job, n, trees, one_pass=args.one_pass):
                mark = "" if m["outcome"] == "ok" else f" ({m['outcome']})"
                fresh = m["written"] if m.get("rewritten") is None else m["rewritten"]
                cells.append(
                    f"{m['seconds']:.2f}{mark} | {m['cpu']:.2f} | {m['rss_mib']:.0f} | "
                    f"{m['written']:,} | {fresh:,}"
                )
            cells = ["- | - | - | - | -"] * (len(codes) - len(cells)) + cells
            print(f"| {job} | {n:,} | " + " | ".join(cells) + f" | {m['size']:,} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
