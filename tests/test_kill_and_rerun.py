"""Every job killed at every crash point it passes, then run again: the same as an unbroken run.

The jobs run in order over the demo program, as `chorus demo` runs them. For
each job and each crash point (automation.crash) it passes, a forked child
runs the real `chorus` command on a copy of the program as it was before
that job, armed through CHORUS_CRASH_AT, and SIGKILLs itself there. The job
is then run again to the end. The tabs, the outbox and the files on disk must
equal those of the run that was never killed: the same rows once each, every
message once, no temporary file left behind. Nothing waits on a clock.
"""

from __future__ import annotations

import ast
import mailbox
import os
import shutil
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from automation import crash, demo
from automation.cli import cli as chorus
from automation.config import load_settings
from automation.share_key import share_key
from automation.workspace import build_workspace
from jobs.sync_known import KNOWN_KEY
from jobs.sync_settled import SETTLED_KEY
from sheets_schema.records import Append, Changes

AT = datetime(2026, 12, 1, 10, 5, tzinfo=ZoneInfo("Europe/London"))  # first working day of December

#: each job's command, in the order they run over the demo program
COMMANDS: dict[str, tuple[str, ...]] = {
    **{
        job: ("run", job)
        for job in (
            "sync-forms",
            "ingest-alerts",
            "ingest-inbox",
            "assign-mentions",
            "check-cadence",
            "brief",
            "thanks",
            "import-visits",
            "weekly-summary",
            "policy-digest",
            "guide",
            "share-digest",
            "welcome",
            "approval-requests",
            "archive",
        )
    },
    "crisis-start": ("crisis", "start", "--reason", "Client letters sent to the wrong people"),
}

_READ, _GATHER = ("run.read",), ("run.read", "run.gather")
_WRITE = ("xlsx.temp_saved", "run.write")
_MAIL = (
    "ledger.spooled",
    "ledger.prepared",
    "ledger.pending",
    "outbox.temp_written",
    "ledger.sent",
    "outbox.synced",
    "ledger.confirmed",
)
#: the intent write is the first save of a job that writes nothing of its own
_MAIL_ONLY = (*_MAIL[:2], "xlsx.temp_saved", *_MAIL[2:])

#: the crash points each job passes in an unbroken run, each the first time (checked below)
POINTS: dict[str, tuple[str, ...]] = {
    "sync-forms": (*_GATHER, *_WRITE),
    "ingest-alerts": (*_GATHER, *_WRITE),
    "ingest-inbox": (*_GATHER, *_WRITE),
    "assign-mentions": (*_READ, *_MAIL_ONLY),
    # calendar.ics is written after the rows
    "check-cadence": (*_GATHER, *_WRITE, "run.file"),
    "brief": (*_READ, *_MAIL_ONLY),
    # thanks gathers the share key and records the share links it offers in Shares
    "thanks": (*_GATHER, *_WRITE, *_MAIL),
    "import-visits": (*_GATHER, *_WRITE),
    "weekly-summary": (*_READ, *_MAIL_ONLY),
    "policy-digest": (*_READ, *_WRITE, *_MAIL),
    # the guide writes no rows of its own: its first save is the Runs row, after the files
    "guide": (*_GATHER, "run.file", "xlsx.temp_saved"),
    "share-digest": (*_GATHER, *_WRITE, *_MAIL),
    "welcome": (*_GATHER, *_WRITE, *_MAIL),
    "approval-requests": (*_GATHER, *_MAIL_ONLY),
    # the archive's folder is written after the read, before the Runs row
    "archive": (*_GATHER, "xlsx.temp_saved"),
    "crisis-start": (*_GATHER, *_WRITE, *_MAIL),
}

CASES = [(job, point) for job, points in POINTS.items() for point in points]


def case(job: str, point: str) -> object:
    return pytest.param(job, point, id=f"{job}@{point}")


@dataclass(frozen=True)
class Stage:
    """One job's place in the sequence: the program before it, and what an unbroken run leaves."""

    before: Path
    after: dict[str, object]
    points: tuple[str, ...]


def build_program(folder: Path) -> Path:
    """The demo program, written but not yet run."""
    folder.mkdir(parents=True)
    config = folder / "chorus.toml"
    config.write_text(demo.demo_config_toml(folder), encoding="utf-8")
    workspace = build_workspace(load_settings(config))
    workspace.store.ensure_tabs()
    rows = demo.demo_rows(AT.date())
    workspace.store.apply(
        Changes(appends=tuple(Append(t, r) for t, rs in rows.items() for r in rs))
    )
    demo.write_inputs(folder, AT.date())
    share_key(load_settings(config))  # the program's one token key, as a first run makes it
    return config


def chorus_args(folder: Path, job: str) -> list[str]:
    return ["--config", str(folder / "chorus.toml"), *COMMANDS[job], "--at", AT.isoformat()]


def run_to_the_end(folder: Path, job: str) -> None:
    code = chorus.main(chorus_args(folder, job), prog_name="chorus", standalone_mode=False)
    assert code in (None, 0, 1), (job, code)  # 1: the job reported problems, as it does unbroken


def die_at(point: str, work: Callable[[], object]) -> None:
    """Do `work` in a forked child armed at `point` through CHORUS_CRASH_AT; it must die there.

    A fork, not a new interpreter: the child starts with Chorus already imported.
    """
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 3
        try:
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            os.environ[crash.ENV] = point
            work()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (
        f"ended ({os.waitstatus_to_exitcode(status)}) without reaching {point}"
    )


def kill_at(folder: Path, job: str, point: str) -> None:
    """Run the real `chorus` command for `job` and kill it at `point`."""
    die_at(
        point,
        lambda: chorus.main(chorus_args(folder, job), prog_name="chorus", standalone_mode=False),
    )


def state(folder: Path) -> dict[str, object]:
    """Every tab but Runs as sorted rows, the outbox's Message-IDs, and every file's path."""
    wb = load_workbook(folder / "workbook.xlsx", read_only=True)
    out: dict[str, object] = {}
    for tab in wb.sheetnames:
        if tab == "Runs":
            continue  # a killed run leaves no Runs row; its re-run writes one
        rows = [
            tuple("" if v is None else str(v) for v in r)
            for r in wb[tab].iter_rows(values_only=True)
        ]
        # the sync-forms settled record and its mark of the export are caches (a kill's re-run
        # leaves them differently, and the mark names the folder); what they say is tested in
        # tests/test_sync_settled.py and tests/test_sync_known.py
        out[tab] = sorted(r for r in rows if any(r) and r[0] not in (SETTLED_KEY, KNOWN_KEY))
    wb.close()
    box = mailbox.Maildir(folder / "outbox", create=False) if (folder / "outbox").exists() else {}
    out["outbox"] = sorted(box[k]["Message-ID"] for k in box.keys())
    out["files"] = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return out


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Stage]:
    """Each job run unbroken, in order, over one demo program; the program kept before each."""
    root = tmp_path_factory.mktemp("unbroken")
    folder = root / "program"
    build_program(folder)
    found: dict[str, Stage] = {}
    for job in COMMANDS:
        before = root / f"before-{job}"
        shutil.copytree(folder, before)
        with crash.traced() as passed:
            run_to_the_end(folder, job)
        found[job] = Stage(before, state(folder), tuple(dict.fromkeys(passed)))
    return found


@pytest.mark.slow
def test_every_job_passes_the_crash_points_listed_for_it(stages: dict[str, Stage]) -> None:
    assert {job: stage.points for job, stage in stages.items()} == POINTS
    expected = stages["policy-digest"].after
    assert isinstance(expected["outbox"], list) and len(expected["outbox"]) > 40


def test_every_crash_point_is_reached_by_some_job_or_transport_test() -> None:
    # smtp.accepted is armed in tests/test_mail_ledger.py against a local SMTP server, and
    # sent.copied (the monthly move to the Sent archive) in tests/test_sent_archive.py.
    assert {point for _, point in CASES} | {"smtp.accepted", "sent.copied"} == set(crash.POINTS)


def test_every_crash_point_in_the_code_is_registered_and_every_registered_one_is_in_the_code() -> (
    None
):
    named = []
    for path in Path(crash.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "reached"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "crash"
            ):
                (arg,) = node.args
                assert isinstance(arg, ast.Constant), f"{path}: name crash points literally"
                named.append(arg.value)
    assert sorted(set(named)) == sorted(crash.POINTS)
    assert len(named) == len(set(named))  # each point marks one place


def test_an_unknown_crash_point_is_refused_not_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(crash.ENV, "ledger.snet")
    with pytest.raises(ValueError, match="not a crash point"):
        crash.reached("ledger.sent")


@pytest.mark.slow
@pytest.mark.parametrize(("job", "point"), [case(job, point) for job, point in CASES])
def test_a_job_killed_at_a_crash_point_then_run_again_loses_and_doubles_nothing(
    stages: dict[str, Stage], tmp_path: Path, job: str, point: str
) -> None:
    stage = stages[job]
    folder = tmp_path / "program"
    shutil.copytree(stage.before, folder)
    kill_at(folder, job, point)
    run_to_the_end(folder, job)
    got = state(folder)
    for key, value in stage.after.items():
        assert got[key] == value, key
    ids = got["outbox"]
    assert isinstance(ids, list) and len(ids) == len(set(ids))  # every message once
