"""A full disk while Chorus writes its own files: one clear message, exit 3, nothing half-written.

The disk is made full the way the kernel says it: the file Chorus writes is
a link to /dev/full, where every write fails with ENOSPC.
"""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path

import pytest

from automation.mail.spool import spool_for
from automation.runner import run_job
from automation.workspace import build_workspace
from sheets_schema.errors import BackendError, MailError
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.test_guide import sheets
from tests.test_mail_ledger import NOW, message, run, workspace

FULL = Path("/dev/full")


def full_disk_at(path: Path) -> None:
    """Writes to `path` fail with ENOSPC, as on a full disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(FULL)
    with pytest.raises(OSError) as err:
        path.write_bytes(b"x")
    assert err.value.errno == errno.ENOSPC


def test_a_full_disk_while_writing_the_guide_is_one_error_that_keeps_the_old_guide(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, guide={"output_dir": "guide"})
    ws = build_workspace(settings)
    ws.store.ensure_tabs()
    ws.store.apply(
        Changes(appends=tuple(Append(tab, row) for tab, rows in sheets().items() for row in rows))
    )
    folder = tmp_path / "guide"
    folder.mkdir()
    (folder / "guide.html").write_text("the guide people read today")
    full_disk_at(folder / ".guide.html.tmp")
    with pytest.raises(BackendError) as err:
        run_job(ws, "guide", datetime(2027, 3, 29, 8, 30, tzinfo=TZ))
    assert "No space left on device" in err.value.message
    assert "free space on the disk" in err.value.fix
    assert err.value.exit_code == 3
    assert (folder / "guide.html").read_text() == "the guide people read today"
    assert not (folder / ".guide.html.tmp").exists()


def test_a_full_disk_while_spooling_mail_stops_before_anything_is_sent(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    spool = spool_for(ws.settings)
    mid = message("ann@example.org").message_id(ws.settings.sender_domain)
    full_disk_at(spool._path(mid).with_suffix(".tmp"))
    with pytest.raises(MailError) as err:
        run(ws, [message("ann@example.org")], NOW)
    assert "mail spool" in err.value.message and "No space left on device" in err.value.message
    assert "nothing was sent" in err.value.fix
    assert err.value.exit_code == 3
    assert ws.store.read(("Sent",))["Sent"].empty
    assert not (tmp_path / "outbox" / "new").exists() or not any(
        (tmp_path / "outbox" / "new").iterdir()
    )
