"""Preview a job's emails as web pages before anyone receives them.

Plans the job like the runner does (one read, gather, plan) but writes nothing
to the spreadsheet and sends nothing: each message's HTML, exactly as it would
be composed, goes into a folder with its inline images beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from automation.gather import GATHER
from automation.mail.compose import compose, message_parts
from sheets_schema.errors import ConfigError

if TYPE_CHECKING:
    from automation.workspace import Workspace
    from jobs.base import OutgoingMessage

ALWAYS_READ = ("People", "Sent")


def preview(job_name: str, workspace: Workspace, now: datetime, folder: Path) -> list[Path]:
    """Write the HTML (and text) of each message `job_name` would send at `now` into `folder`;
    returns the HTML files in plan order."""
    import jobs

    try:
        job = jobs.get(job_name)
    except KeyError:
        raise ConfigError(
            f"there is no job called {job_name!r}",
            fix="jobs are: " + ", ".join(jobs.available()),
        ) from None
    tabs = tuple(dict.fromkeys((*job.tabs, *ALWAYS_READ)))
    snapshot = workspace.store.read(tabs)
    gather = GATHER.get(job.name)
    inputs = gather(workspace, now, snapshot) if gather else None
    plan = job.plan(snapshot, now, workspace.settings, inputs)
    return write_previews(plan.messages, workspace, now, folder)


def write_previews(
    messages: tuple[OutgoingMessage, ...] | list[OutgoingMessage],
    workspace: Workspace,
    now: datetime,
    folder: Path,
    *,
    search_path: Sequence[Path | str] = (),
) -> list[Path]:
    """Compose each message and save its HTML page, text and images into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for number, message in enumerate(messages, start=1):
        email = compose(message, workspace.settings, now=now, search_path=search_path)
        text, html, images = message_parts(email)
        stem = _stem(number, message)
        for cid, (data, filename) in images.items():
            suffix = Path(filename).suffix or ".png"
            image_name = f"{stem}-{_safe(cid)}{suffix}"
            (folder / image_name).write_bytes(data)
            # The page refers to the image by Content-ID; a browser needs a file name.
            html = html.replace(f"cid:{cid}", image_name)
        page = folder / f"{stem}.html"
        page.write_text(html, encoding="utf-8")
        (folder / f"{stem}.txt").write_text(
            f"To: {email['To']}\nSubject: {email['Subject']}\n\n{text}", encoding="utf-8"
        )
        written.append(page)
    return written


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]+", "-", text).strip("-")[:80] or "x"


def _stem(number: int, message: OutgoingMessage) -> str:
    return _safe(f"{number:03d}-{message.job}-{message.period}-{message.to_email}")
