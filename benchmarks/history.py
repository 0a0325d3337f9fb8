"""A year of history against a fresh program: does the past slow the present? (issue #23, part 5)

    .venv/bin/python -m benchmarks.history
    .venv/bin/python -m benchmarks.history --before /work/wt-main   # an earlier Chorus beside
    .venv/bin/python -m benchmarks.history --jobs brief --backends local

Each cell runs one job through `chorus`'s runner, in a child process of the
source tree measured, on the program of benchmarks.scale (the job's main tab
at --size rows; policy-digest at --people) kept in the local workbook or in
the Google twin. "fresh": empty Runs and Sent tabs; "a year": the Runs of a
year at the default schedule (every job at every time it is due: about
68,000 runs) and a year of Sent (each day's brief, a few thank-yous, each
manager's weekly summary, everyone's monthly policy digest and weekly share
digest). A Chorus that rolls up Runs ([history] runs_days) gets them as a year
of its own running leaves them: two weeks of runs, a line per job per day
before that in the month the two weeks start in, a line per job per month before,
and today's roll-up already done; "first roll-up" is the one run that
rolls up a year of runs the day such a Chorus is installed over an old tab.
A Chorus with a Sent archive ([history] sent_months) gets the year's Sent as
its monthly moves leave it: the mail of periods that ended before the first
of last month in the Sent archive tab (and the thank-yous sent before it,
with State's index of them); its "first roll-up"
run also makes the first move of a year of Sent.
sync-forms is a sync with nothing new (1,000 responses synced by a first run).
Wall and CPU seconds of the run alone, each the median of --repeat runs on fresh
copies of the same program, the cells taking turns in each round; on Google the
twin's own time (it is in-process: Google's time, not Chorus's) is taken out of
both. Read the ratio to fresh more than the seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHILD = "--child" in sys.argv
if not CHILD and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # a child imports the tree it measures, from PYTHONPATH

JOBS = ("sync-forms", "brief", "thanks", "policy-digest")
HISTORIES = ("fresh", "a year", "first roll-up")


# -- the history --------------------------------------------------------------------------


def year_of_runs(now: datetime) -> list[dict[str, Any]]:
    """Every run of the default schedule in the year before `now`, as the runner records them."""
    from automation.schedule.rules import parse_rule, previous_runs
    from sheets_schema.settings import DEFAULT_SCHEDULE
    from sheets_schema.values import format_datetime

    rows = []
    for job, text in DEFAULT_SCHEDULE.items():
        rule = parse_rule(text, place=job)
        times = previous_runs(rule, now - timedelta(minutes=1), now.tzinfo, (0, 1, 2, 3, 4), 99_999)  # type: ignore[arg-type]
        for number, when in enumerate(sorted(t for t in times if t > now - timedelta(days=365))):
            failed = number % 97 == 13
            rows.append(
                {
                    "run_id": f"{job}-{when:%Y%m%dT%H%M%S}-{number:06x}",
                    "job": job,
                    "started": format_datetime(when),
                    "finished": format_datetime(when + timedelta(seconds=4)),
                    "outcome": "failed" if failed else "ok",
                    "summary": "failed: Google did not answer" if failed else "nothing to do",
                    "api_calls": 3,
                }
            )
    return rows


def year_of_sent(people: list[dict[str, str]], now: datetime, domain: str) -> list[dict[str, Any]]:
    """A year of the Sent tab for these people, each message's row as the ledger leaves it."""
    from sheets_schema.values import format_datetime

    staff = [p["email"] for p in people if p.get("active") == "Yes" and p.get("email")]
    managers = sorted({p.get("manager", "") for p in people if p.get("manager")}) or staff[:1]
    rows: list[dict[str, Any]] = []

    def sent(job: str, period: str, to: str, when: datetime) -> None:
        digest = hashlib.sha256(f"{job}||{period}|{to}".encode()).hexdigest()[:20]
        rows.append(
            {
                "message_id": f"<chorus.{job}.{period}.{digest}@{domain}>",
                "job": job,
                "period": period,
                "recipient": to,
                "subject": f"{job} {period}",
                "sent_at": format_datetime(when),
                "transport": "outbox",
                "status": "Failed" if len(rows) % 211 == 7 else "Sent",
                "transport_id": f"{len(rows):08d}",
                "thread_id": "",
            }
        )

    for back in range(365, 0, -1):
        day = now - timedelta(days=back)
        if day.weekday() >= 5:
            continue
        period = f"{day:%Y-%m-%d}"
        sent("brief", period, staff[0], day)
        for k in range(3):
            sent("thanks", f"{period}-{k}", staff[(back * 3 + k) % len(staff)], day)
        if day.weekday() == 0:
            week = f"{day:%G-W%V}"
            for to in managers:
                sent("weekly-summary", week, to, day)
            for to in staff:
                sent("share-digest", week, to, day)
        if day.day <= 3 and day.weekday() == 0 or day.day == 1 and day.weekday() < 5:
            for to in staff:
                sent("policy-digest", f"{day:%Y-%m}", to, day)
    return rows


def rolled(runs: list[dict[str, Any]], now: datetime, days: int) -> list[dict[str, Any]]:
    """The Runs a year of a Chorus rolling up after `days` leaves: the roll-ups of the last
    days, until done."""
    from automation.store.memory import MemoryStore
    from jobs.runs_rollup import roll_up
    from sheets_schema.records import Append, Changes

    store = MemoryStore()
    store.ensure_tabs()
    store.apply(Changes(appends=tuple(Append("Runs", r) for r in runs)))
    for _ in range(4):
        store.apply(roll_up(store.read(["Runs"])["Runs"], now, now.tzinfo, days).changes)  # type: ignore[arg-type]
    return list(store.read(["Runs"])["Runs"].to_dict("records"))


def archived(rows: dict[str, list[dict[str, Any]]], now: datetime, undated: bool) -> None:
    """Sent as a year of a Chorus with a Sent archive leaves it: the mail of periods that
    ended before the first of last month in the archive, the day in State; and when that
    Chorus moves `undated` mail too, the thank-yous sent before that day, indexed in State."""
    import pandas as pd

    from jobs import sent_index
    from jobs.sent_archive import STATE_KEY, cutoff_for, movable, undated_ids

    cutoff = cutoff_for(now.date(), 1)
    assert cutoff is not None and now.tzinfo is not None
    moving = movable(pd.DataFrame(rows["Sent"]), cutoff, now.tzinfo)  # type: ignore[arg-type]
    if not undated:  # an earlier Chorus: dated periods only
        moving = [r for r in moving if r["message_id"] not in set(undated_ids(moving))]
    gone = {r["message_id"] for r in moving}
    rows["Sent archive"] = moving
    rows["Sent"] = [r for r in rows["Sent"] if r["message_id"] not in gone]
    rows.setdefault("State", []).append({"key": STATE_KEY, "value": cutoff.isoformat()})
    if undated:
        index = sent_index.ArchiveIndex.of(undated_ids(moving)).text()
        rows["State"].append({"key": sent_index.STATE_KEY, "value": index})


# -- one measurement, in a child of the tree measured ------------------------------------


def child(folder: Path, backend: str, job: str) -> dict[str, Any]:
    """Run the job (after a first sync, for sync-forms) and say what the run alone cost."""
    from automation.runner import run_job
    from benchmarks import scale

    plan = json.loads((folder / "program.json").read_text(encoding="utf-8"))
    program = scale.Program(job, plan["n"], plan["rows"])
    if backend == "local":
        from automation.config import settings_from_dict
        from automation.workspace import build_workspace

        workspace = build_workspace(
            settings_from_dict(scale.config(folder), folder / "chorus.toml")
        )
        twin: list[float] = [0.0, 0.0]
    else:
        from benchmarks.__main__ import Bench

        bench = Bench(folder)
        workspace = bench.workspace(program)
        twin = _meter_twin(bench)
    if job == "sync-forms":
        run_job(workspace, job, scale.NOW)  # the first sync; the one measured finds nothing new
    twin[:] = [0.0, 0.0]
    started, cpu = time.perf_counter(), time.process_time()
    result = run_job(workspace, job, scale.NOW)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds - twin[0],
        "cpu": cpu - twin[1],
        "outcome": result.outcome,
        "summary": result.summary(),
    }


def _meter_twin(bench: Any) -> list[float]:
    """The twin's wall and CPU seconds, added up request by request."""
    spent = [0.0, 0.0]
    handle = bench.twin.handle

    def metered(environ: dict[str, Any]) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return handle(environ)
        finally:
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu

    bench.twin.handle = metered
    return spent


# -- the parent: programs, turns, the table ----------------------------------------------


def prepare(folder: Path, job: str, n: int, history: str, rolls: int, archives: str = "") -> None:
    """The program (and its history) in `folder`: program.json for the twin, the workbook too."""
    from automation import demo
    from automation.runs_history import MARKER
    from automation.store.xlsx import XlsxStore
    from benchmarks import scale
    from sheets_schema.records import Append, Changes

    program = scale.build_program(job, n)
    scale.write_inputs(folder, program)
    rows = {tab: list(r) for tab, r in program.rows.items()}
    if history != "fresh":
        runs = year_of_runs(scale.NOW)
        if rolls and history == "a year":
            runs = rolled(runs, scale.NOW, rolls)
            state = folder / ".chorus-state"
            state.mkdir()
            (state / MARKER).write_text(f"{scale.NOW.date().isoformat()}\n", encoding="ascii")
        rows["Runs"] = [{k: str(v) for k, v in r.items()} for r in runs]
        sent = year_of_sent(rows["People"], scale.NOW, demo.DOMAIN)
        rows["Sent"] = [{k: str(v) for k, v in r.items()} for r in sent]
        if archives and history == "a year":
            archived(rows, scale.NOW, undated=archives == "undated")
    (folder / "chorus.toml").write_text("# benchmark\n", encoding="utf-8")
    # the last Runs row (and Sent row) as the run before this one wrote them: in the
    # workbook, Chorus's own last save of those tabs, not the bulk load's
    last = {tab: rows[tab].pop() for tab in ("Runs", "Sent") if rows.get(tab)}
    if "Runs" not in last:
        from sheets_schema.values import format_datetime

        before = scale.NOW - timedelta(minutes=15)
        last["Runs"] = {
            "run_id": "sync-forms-previous",
            "job": "sync-forms",
            "started": format_datetime(before),
            "finished": format_datetime(before + timedelta(seconds=4)),
            "outcome": "ok",
            "summary": "nothing to do",
            "api_calls": 3,
        }
    store = XlsxStore(folder / "workbook.xlsx")
    store.ensure_tabs()
    store.apply(
        Changes(
            appends=tuple(Append(tab, row) for tab, tab_rows in rows.items() for row in tab_rows)
        )
    )
    store.apply(Changes(appends=tuple(Append(tab, row) for tab, row in last.items())))
    for tab, row in last.items():
        rows.setdefault(tab, []).append(row)
    (folder / "program.json").write_text(json.dumps({"n": n, "rows": rows}), encoding="utf-8")


def _runs_days(code: Path) -> int:
    """The days of Runs the Chorus in `code` keeps a row per run by default (0: it keeps
    them all, rolling nothing up)."""
    if not (code / "jobs" / "runs_rollup.py").exists():
        return 0
    settings = (code / "sheets_schema" / "settings.py").read_text(encoding="utf-8")
    found = re.search(r"runs_days: int = (\d+)", settings)
    return int(found[1]) if found else 14


def _archives(code: Path) -> str:
    """What the Chorus in `code` moves to a Sent archive: "" nothing, "dated" periods, or
    "undated" mail too (thank-yous, welcomes, with State's index of them)."""
    if (code / "jobs" / "sent_index.py").exists():
        return "undated"
    return "dated" if (code / "jobs" / "sent_archive.py").exists() else ""


def _child(folder: Path, backend: str, job: str, code: Path) -> dict[str, Any]:
    from benchmarks.local import run_child

    script = str(Path(__file__).resolve())
    argv = [script, "--child", str(folder), backend, job]
    return run_child(argv, code, f"{job} on {backend} ({code})")


def measure(
    job: str, n: int, backend: str, codes: list[Path], repeat: int = 1
) -> dict[tuple[int, str], Any]:
    """(tree, history) -> what the run cost, the median of `repeat` runs (each on a fresh
    copy of the same program; "first roll-up" runs once). Every cell takes its turn in
    each round, so a machine busy for a while slows fresh and a year alike."""
    with tempfile.TemporaryDirectory(prefix="chorus-history-") as tmp:
        made: dict[tuple[int, str], Path] = {}
        for history in HISTORIES:
            for index, code in enumerate(codes):
                rolls = _runs_days(code)
                if history == "first roll-up" and not rolls:
                    continue
                made[(index, history)] = Path(tmp) / f"{history}-{index}".replace(" ", "-")
                made[(index, history)].mkdir()
                prepare(made[(index, history)], job, n, history, rolls, _archives(code))
        runs: dict[tuple[int, str], list[dict[str, Any]]] = {cell: [] for cell in made}
        for round_ in range(repeat):
            for (index, history), template in made.items():
                if history == "first roll-up" and round_:
                    continue
                folder = Path(tmp) / "run"
                shutil.copytree(template, folder)
                runs[(index, history)].append(_child(folder, backend, job, codes[index]))
                shutil.rmtree(folder)
    return {cell: _median(got) for cell, got in runs.items()}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One cell from its runs: the median wall and CPU seconds, the first run's outcome."""
    return {
        **runs[0],
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--backends", default="local,google")
    parser.add_argument("--size", type=int, default=1000, help="rows in the job's main tab")
    parser.add_argument("--people", type=int, default=100, help="People for policy-digest")
    parser.add_argument("--before", help="the source tree of an earlier Chorus to measure beside")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per cell, the median kept (a run is short)"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1], args.child[2])))
        return 0
    from benchmarks.local import machine

    codes = [ROOT] if not args.before else [Path(args.before).resolve(), ROOT]
    names = ["now"] if not args.before else ["before", "now"]
    print(f"a year of history against a fresh program, measured on {machine()}")
    print(
        "| job | backend | Chorus | fresh wall s | fresh CPU s | a year wall s | a year CPU s "
        "| a year / fresh (CPU) | first roll-up wall s | first roll-up CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for job in args.jobs.split(","):
        n = args.people if job == "policy-digest" else args.size
        for backend in args.backends.split(","):
            found = measure(job, n, backend, codes, args.repeat)
            for index, name in enumerate(names):
                fresh, year = found[(index, "fresh")], found[(index, "a year")]
                first = found.get((index, "first roll-up"))
                mark = "" if year["outcome"] == fresh["outcome"] else f" ({year['outcome']})"
                roll = f"{first['seconds']:.2f} | {first['cpu']:.2f}" if first else "- | -"
                print(
                    f"| {job} ({n:,}) | {backend} | {name} | {fresh['seconds']:.2f} | "
                    f"{fresh['cpu']:.2f} | {year['seconds']:.2f}{mark} | {year['cpu']:.2f} | "
                    f"{year['cpu'] / max(fresh['cpu'], 1e-9):.2f} | {roll} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
