"""A job's process killed at a random point, then run again: nothing lost, nothing doubled.

Each job runs as the real `chorus` command in a subprocess over the demo
program; it is SIGKILLed after a random delay (seeded), then run to the end
twice. The tabs and the outbox must equal those of a run that was never
killed: the same rows once each, every message once.
"""

from __future__ import annotations

import mailbox
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from automation import demo
from automation.config import load_settings
from automation.workspace import build_workspace
from sheets_schema.records import Append, Changes

pytestmark = pytest.mark.slow

CHORUS = str(Path(sys.executable).parent / "chorus")
AT = datetime(2026, 12, 1, 10, 5, tzinfo=ZoneInfo("Europe/London"))  # first working day of December
JOBS = ["sync-forms", "ingest-alerts", "ingest-inbox", "check-cadence", "brief", "policy-digest"]
KEYED = {
    "Queue": 0,
    "Submissions": 0,
    "Acknowledgements": 0,
    "Mentions": 0,
    "Sent": 0,
    "Cadence": None,
}


def program(folder: Path) -> Path:
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
    return config


def run(config: Path, job: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHORUS, "--config", str(config), "run", job, "--at", AT.isoformat()],
        capture_output=True,
        text=True,
        timeout=300,
    )


def state(folder: Path) -> dict[str, object]:
    """Every keyed tab as sorted rows (Runs left out), and the outbox's Message-IDs."""
    wb = load_workbook(folder / "workbook.xlsx", read_only=True)
    out: dict[str, object] = {}
    for tab in KEYED:
        rows = [
            tuple("" if v is None else str(v) for v in r)
            for r in wb[tab].iter_rows(min_row=2, values_only=True)
        ]
        rows = [r for r in rows if any(r)]
        if (
            tab == "Sent"
        ):  # when a message was confirmed differs between runs; what was sent does not
            rows = [(r[0], r[1], r[2], r[3], r[7]) for r in rows]
        out[tab] = sorted(rows)
    box = mailbox.Maildir(folder / "outbox", create=True)
    out["outbox"] = sorted(box.get_message(k)["Message-ID"] for k in box.keys())
    return out


def test_killing_each_job_at_a_random_point_then_rerunning_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    control = program(tmp_path / "control")
    for job in JOBS:
        assert run(control, job).returncode in (0, 1), job
    expected = state(tmp_path / "control")
    assert len(expected["outbox"]) > 40  # the digest went to every member of staff

    rng = random.Random(11)
    folder = tmp_path / "killed"
    config = program(folder)
    for job in JOBS:
        proc = subprocess.Popen(
            [CHORUS, "--config", str(config), "run", job, "--at", AT.isoformat()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.4, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for _ in range(2):  # run again to the end; a third run changes nothing
            result = run(config, job)
            assert result.returncode in (0, 1), (job, result.stderr)
    got = state(folder)
    for key in expected:
        assert got[key] == expected[key], key
    ids = got["outbox"]
    assert len(ids) == len(set(ids))  # every message once
