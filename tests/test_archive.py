"""The monthly archive: written once, hash-chained, and verified byte for byte."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from automation.archive import LocalShelf, verify
from automation.runner import run_job
from automation.workspace import Workspace
from jobs.archive import ArchiveInputs, month_bounds
from jobs.archive import plan as archive_plan
from sheets_schema.errors import InputError
from tests.conftest import TZ, make_settings, memory_workspace

CHORUS = str(Path(sys.executable).parent / "chorus")
NOVEMBER_2 = datetime(2026, 11, 2, 7, 0, tzinfo=TZ)  # the first working day of November

ROWS = {
    "Channels": [
        {
            "channel": "LinkedIn",
            "posts_per_week": "3",
            "active": "Yes",
            "approval": "Compliance",
        }
    ],
    "People": [
        {"name": "Cleo Compliance", "email": "cleo@example.org", "roles": "Approver"},
    ],
    "Queue": [
        {
            "id": "Q-0001",
            "source_kind": "Organisation",
            "headline": "Pro Bono Award",
            "details": "Our work for the food bank",
            "channels": "LinkedIn",
            "status": "Published",
            "scheduled_for": "2026-10-14 10:00",
            "published_at": "2026-10-14 10:02",
            "post_url": "https://www.linkedin.com/posts/1",
            "approved_by": "cleo@example.org",
            "approved_at": "2026-10-13 16:00:00",
            "approved_text": "Pro Bono Award\nOur work for the food bank",
        },
        {
            "id": "Q-0002",
            "source_kind": "Organisation",
            "headline": "Out in November",
            "channels": "LinkedIn",
            "status": "Published",
            "published_at": "2026-11-01 10:00",
        },
    ],
    "Approvals": [
        {
            "approval_id": "A-0001",
            "queue_id": "Q-0001",
            "approver": "cleo@example.org",
            "decision": "Approve",
            "text_approved": "Pro Bono Award\nOur work for the food bank",
            "at": "2026-10-13 16:00:00",
        }
    ],
    "Mentions": [
        {
            "id": "M-0001",
            "found_at": "2026-10-20 09:00",
            "kind": "Question",
            "title": "Are you hiring?",
            "status": "Responded",
            "responded_at": "2026-10-20 11:00",
            "notes": "pointed them to the careers page",
        }
    ],
    "Sent": [
        {
            "message_id": "<m1@example.org>",
            "job": "brief",
            "recipient": "ada@example.org",
            "subject": "Your social media brief",
            "sent_at": "2026-10-20 08:30",
            "status": "Sent",
        }
    ],
    "Crises": [
        {
            "id": "C-001",
            "started": "2026-09-30 12:00",
            "ended": "2026-10-02 09:00",
            "reason": "Misdirected emails",
        }
    ],
}


def workspace(tmp_path: Path) -> Workspace:
    return memory_workspace(make_settings(tmp_path), ROWS)


def table(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_scheduled_run_archives_last_month_with_approvals_mentions_sent_and_crises(
    tmp_path: Path,
) -> None:
    result = run_job(workspace(tmp_path), "archive", NOVEMBER_2)
    folder = tmp_path / "archive" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == [
        "approvals.csv",
        "crises.csv",
        "manifest.json",
        "mentions.csv",
        "published.csv",
        "sent.csv",
    ]
    (published,) = table(folder / "published.csv")  # Q-0002 went out in November
    assert published["ID"] == "Q-0001"
    assert published["Approved By"] == "cleo@example.org"
    assert published["Approved Text"] == "Pro Bono Award\nOur work for the food bank"
    assert published["Approval Counts"] == "Yes"
    assert published["Post URL"] == "https://www.linkedin.com/posts/1"
    assert table(folder / "mentions.csv")[0]["Notes"] == "pointed them to the careers page"
    assert table(folder / "sent.csv")[0]["Message ID"] == "<m1@example.org>"
    assert table(folder / "crises.csv")[0]["ID"] == "C-001"  # open on 1 and 2 October
    body = json.loads((folder / "manifest.json").read_text())
    assert body["month"] == "2026-10" and body["previous"] is None
    assert [f["name"] for f in body["files"]] == [
        "published.csv",
        "approvals.csv",
        "mentions.csv",
        "sent.csv",
        "crises.csv",
    ]
    assert result.counts["archived"] == 1
    assert verify(LocalShelf(tmp_path / "archive")) == (
        ["archive/2026-10: 5 files and the chain intact"],
        None,
    )


def test_the_scheduled_run_never_rewrites_a_month(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "archive", NOVEMBER_2)
    before = (tmp_path / "archive" / "2026-10" / "manifest.json").read_bytes()
    again = run_job(ws, "archive", NOVEMBER_2.replace(hour=8))
    assert again.counts["archived"] == 0
    assert "already archived in 2026-10" in again.lines[0]
    assert (tmp_path / "archive" / "2026-10" / "manifest.json").read_bytes() == before


def test_a_month_chains_to_the_previous_months_manifest_and_a_change_there_is_found(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "archive", NOVEMBER_2)
    run_job(ws, "archive", datetime(2026, 12, 1, 7, 0, tzinfo=TZ))
    root = tmp_path / "archive"
    november = json.loads((root / "2026-11" / "manifest.json").read_text())
    assert november["previous"]["folder"] == "2026-10"
    october_manifest = root / "2026-10" / "manifest.json"
    october_manifest.chmod(0o644)
    october_manifest.write_text(october_manifest.read_text().replace("2026-10", "2026-09", 1))
    lines, problem = verify(LocalShelf(root))
    assert problem == "archive/2026-10/manifest.json has changed since 2026-11 was archived"


def test_a_mistyped_month_names_the_option_and_the_form() -> None:
    with pytest.raises(InputError) as caught:
        month_bounds("2026-13")
    assert caught.value.place == "--month" and "YYYY-MM" in caught.value.fix


def test_force_plans_a_new_version_beside_the_old_one(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    snapshot = ws.store.read(
        ("Queue", "Mentions", "Crises", "Approvals", "Channels", "People", "Sent")
    )
    inputs = ArchiveInputs("2026-10", True, ("2026-09", "2026-10"), {"2026-09": b"{}"})
    planned = archive_plan(snapshot, NOVEMBER_2, ws.settings, inputs)
    assert planned.folder == "2026-10.v2"
    assert json.loads(planned.archive_files[-1].content)["previous"]["folder"] == "2026-09"


def chorus(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHORUS, "--config", str(config), *args], capture_output=True, text=True, timeout=300
    )


def test_archive_verify_exits_0_on_a_fresh_archive_and_1_naming_a_file_changed_by_one_byte(
    tmp_path: Path,
) -> None:
    config = tmp_path / "chorus.toml"
    assert chorus(config, "init", "--domain", "example.org").returncode == 0
    made = chorus(config, "archive", "--month", "2026-10", "--at", "2026-11-02T07:00")
    assert made.returncode == 0, made.stdout + made.stderr
    fresh = chorus(config, "archive", "verify")
    assert fresh.returncode == 0, fresh.stdout
    assert "ok: every archived file is as it was written" in fresh.stdout

    refused = chorus(config, "archive", "--month", "2026-10")
    assert refused.returncode == 2
    assert "2026-10 is already archived (2026-10)" in refused.stderr and "--force" in refused.stderr
    forced = chorus(config, "archive", "--month", "2026-10", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "archive" / "2026-10.v2" / "manifest.json").is_file()
    assert (tmp_path / "archive" / "2026-10" / "manifest.json").is_file()

    sent = tmp_path / "archive" / "2026-10" / "sent.csv"
    data = bytearray(sent.read_bytes())
    data[0] ^= 0x01  # one byte of one file
    sent.chmod(0o644)
    sent.write_bytes(bytes(data))
    changed = chorus(config, "archive", "verify")
    assert changed.returncode == 1
    assert "changed: archive/2026-10/sent.csv has changed since it was archived" in changed.stdout
    only_v2 = chorus(config, "archive", "verify", "--month", "2026-11")
    assert only_v2.returncode == 2 and "2026-11 has no archive" in only_v2.stderr


def test_on_google_the_month_goes_into_a_drive_folder_once_and_a_changed_byte_there_is_found(
    tmp_path: Path,
) -> None:
    from automation.archive import shelf_for
    from tests.fakes.google import make_app
    from tests.google_store_factory import google_services

    twin = make_app(require_auth=True)
    owner = "social@example.org"  # Chorus acts as a person: a service account owns no files
    services = google_services(twin, tmp_path, delegated_user=owner)
    ws = workspace(tmp_path)
    ws.settings = make_settings(
        tmp_path, backend={"kind": "google", "spreadsheet_id": "x", "delegated_user": owner}
    )
    ws.google = services
    result = run_job(ws, "archive", NOVEMBER_2)
    assert result.lines[-1] == "wrote 2026-10 in the Drive folder 'Chorus archive' (6 files)"
    assert not (tmp_path / "archive").exists()
    shelf = shelf_for(ws)
    assert shelf.folders() == ["2026-10"]
    local = run_job(
        memory_workspace(make_settings(tmp_path / "local"), ROWS), "archive", NOVEMBER_2
    )
    assert local.counts["archived"] == 1
    on_disk = LocalShelf(tmp_path / "local" / "archive").files("2026-10")
    on_drive = shelf.files("2026-10")
    assert {n: b for n, b in on_drive.items() if n != "manifest.json"} == {
        n: b for n, b in on_disk.items() if n != "manifest.json"
    }
    assert verify(shelf) == (["archive/2026-10: 5 files and the chain intact"], None)

    again = run_job(ws, "archive", NOVEMBER_2.replace(hour=9))
    assert again.counts["archived"] == 0 and shelf.folders() == ["2026-10"]

    drive = services.discovery("drive", "v3").files()
    (sent,) = drive.list(q="name = 'sent.csv'", fields="files(id)").execute()["files"]
    from googleapiclient.http import MediaInMemoryUpload

    changed = bytearray(on_drive["sent.csv"])
    changed[-3] ^= 0x01
    drive.update(fileId=sent["id"], media_body=MediaInMemoryUpload(bytes(changed))).execute()
    assert verify(shelf_for(ws))[1] == (
        "archive/2026-10/sent.csv has changed since it was archived (its SHA-256 differs)"
    )
