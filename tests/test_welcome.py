"""welcome: one email to each new starter on or after their Start Date, with posts ready to share."""

from __future__ import annotations

import mailbox
from datetime import datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.mail.compose import message_parts
from automation.runner import run_job
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
TUESDAY = datetime(2026, 11, 24, 9, 15, tzinfo=TZ)

PEOPLE = [
    {
        "name": "New Starter",
        "email": "new@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
        "start_date": "2026-11-23",
    },
    {
        "name": "Soon Starter",
        "email": "soon@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
        "start_date": "2026-12-07",
    },
    {
        "name": "Old Hand",
        "email": "old@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
        "start_date": "2019-03-01",
    },
    {
        "name": "Cora Coord",
        "email": "cora@example.org",
        "team": "Comms",
        "roles": "Coordinator",
        "active": "Yes",
    },
]
QUEUE = [
    {
        "id": f"Q-{n}",
        "source_kind": "Organisation",
        "headline": f"News {n}",
        "link": f"https://www.example.org/news/{n}",
        "channels": "LinkedIn",
        "status": "Published",
        "published_at": f"2026-11-{18 + n} 11:00",
    }
    for n in range(1, 4)
]
ROTA = [{"week_starting": "2026-11-23", "coordinator": "cora@example.org"}]


def test_a_starter_is_welcomed_once_with_the_duty_coordinator_and_two_posts(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        forms={
            "acknowledgements": {
                "kind": "csv",
                "path": "acks.csv",
                "prefill_url": "https://forms.example/ack?e={email}&v={version}",
            }
        },
    )
    program = [{"setting": "Policy Version", "value": "3"}]
    ws = memory_workspace(
        settings, {"People": PEOPLE, "Queue": QUEUE, "Rota": ROTA, "Program": program}
    )
    result = run_job(ws, "welcome", TUESDAY)
    assert result.counts["sent"] == 1
    (raw,) = list(mailbox.Maildir(tmp_path / "outbox", create=False))
    message = message_from_bytes(raw.as_bytes(), policy=default)
    assert "new@example.org" in str(message["To"])
    text, _html, _ = message_parts(message)  # type: ignore[arg-type]
    assert "Cora Coord" in text
    assert "https://forms.example/ack?e=new%40example.org&v=3" in text
    # the two most recent posts, with tracked share links recorded in Shares
    assert "News 3" in text and "News 2" in text and "News 1" not in text
    shares = ws.store.read(["Shares"])["Shares"]
    assert sorted(shares["queue_id"]) == ["Q-2", "Q-3"]
    again = run_job(ws, "welcome", TUESDAY.replace(day=25))
    assert again.counts["sent"] == 0


def test_no_welcome_during_a_crisis(tmp_path: Path) -> None:
    ws = memory_workspace(
        make_settings(tmp_path),
        {
            "People": PEOPLE,
            "Queue": QUEUE,
            "Crises": [{"id": "C-1", "started": "2026-11-24 08:00", "reason": "Outage"}],
        },
    )
    result = run_job(ws, "welcome", TUESDAY)
    assert result.counts["welcomes"] == 0 and result.counts.get("sent", 0) == 0


@pytest.mark.browser
def test_the_welcome_fits_a_phone_screen(tmp_path: Path) -> None:
    from automation.mail.preview import write_previews
    from jobs import welcome
    from jobs.share_digest import ShareInputs
    from tests.browser import open_in_chromium

    ws = memory_workspace(make_settings(tmp_path), {"People": PEOPLE, "Queue": QUEUE, "Rota": ROTA})
    snapshot = ws.store.read(welcome.TABS)
    plan = welcome.plan(snapshot, TUESDAY, ws.settings, ShareInputs(key=b"k" * 32))
    (page,) = write_previews(list(plan.messages), ws, TUESDAY, tmp_path / "preview")
    shown = open_in_chromium(page, viewport_width=390)
    assert shown.console_errors == [] and shown.width <= 390
    assert "Welcome, New" in shown.text and "Cora Coord" in shown.text
