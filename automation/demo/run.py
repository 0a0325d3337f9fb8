"""`chorus demo`: the demo program written to a folder, with every job run over it."""

from __future__ import annotations

import shutil
from collections.abc import Generator, Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jobs
from automation.config import load_settings
from automation.demo.build import demo_rows
from automation.demo.firm import TZ, demo_config_toml
from automation.demo.inputs import write_inputs
from automation.demo.sharing import last_weeks_shares
from automation.demo.storm import demo_storm
from automation.runner import run_job
from automation.workspace import Workspace, build_workspace
from sheets_schema.errors import ChorusError
from sheets_schema.records import Append, Changes
from sheets_schema.values import parse_datetime

#: What `--fresh` removes before writing the demo again (chorus.toml stays).
_LEFTOVERS = ("workbook.xlsx", "outbox", "forms", "alerts", "inbox", "analytics")


def demo_morning(settings_tz: ZoneInfo, at: str | None) -> datetime:
    """The demo's 'now': this morning at 08:45, or the next working morning on a weekend."""
    if at:
        return parse_datetime(at, settings_tz)
    today = datetime.now(settings_tz).date()
    while today.weekday() >= 5:
        today += timedelta(days=1)
    return datetime.combine(today, time(8, 45), settings_tz)


def run_demo(
    folder: Path, *, at: str | None = None, crisis: bool = False, fresh: bool = False
) -> Iterator[str]:
    """Write DIR/chorus.toml, DIR/workbook.xlsx and the inputs, run each job, yield a report."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    now = demo_morning(TZ, at)
    config = folder / "chorus.toml"
    workbook = folder / "workbook.xlsx"
    if fresh:
        _remove_leftovers(folder)
    if not config.exists():
        config.write_text(demo_config_toml(folder), encoding="utf-8")
    settings = load_settings(config)
    yield f"Chorus demo for {settings.organisation.name}, as of {now:%A %d %B %Y %H:%M} ({settings.organisation.timezone})"
    workspace = build_workspace(settings)
    existed = workbook.exists()
    workspace.store.ensure_tabs()
    if not existed:
        rows = demo_rows(now.date())
        appends = tuple(Append(tab, row) for tab, tab_rows in rows.items() for row in tab_rows)
        workspace.store.apply(Changes(appends=appends))
        write_inputs(folder, now.date())
        yield last_weeks_shares(workspace, now, folder)
        yield f"wrote {config}, {workbook} and the form exports, feeds and inbox under {folder}"
    else:
        yield f"using the existing {workbook} (pass --fresh to start over)"
    failures = yield from _run_every_job(workspace, now)
    if crisis:
        yield ""
        yield from demo_storm(workspace, now)
    yield ""
    yield "Where to look:"
    yield f"  the spreadsheet   {workbook}  (open it in LibreOffice or Excel)"
    yield f"  emails            {settings.mail.outbox}/  (a Maildir: open it with any mail client, or `chorus --config {config} preview brief`)"
    guide = (settings.guide.output_dir or folder) / "guide.html"
    if guide.exists():
        yield f"  the guide         {guide}"
    yield f"  check the sheet   chorus --config {config} validate"
    if failures:
        raise ChorusError(f"{failures} job(s) failed in the demo", fix="see the table above")


def _remove_leftovers(folder: Path) -> None:
    for name in _LEFTOVERS:
        leftover = folder / name
        if leftover.is_dir():
            shutil.rmtree(leftover)
        elif leftover.exists():
            leftover.unlink()


def _run_every_job(workspace: Workspace, now: datetime) -> Generator[str, None, int]:
    """Each job once at `now`, a line each; the generator's value is how many failed."""
    yield ""
    yield f"{'job':<16} {'outcome':<9} what it did"
    yield f"{'-' * 16} {'-' * 9} {'-' * 50}"
    failures = 0
    for name in jobs.available():
        try:
            result = run_job(workspace, name, now)
            yield f"{name:<16} {result.outcome:<9} {result.summary()}"
        except ChorusError as exc:
            failures += 1
            yield f"{name:<16} {'failed':<9} {exc}"
    return failures
