"""A year of Sent rows: the ledger looks messages up by Message-ID, and still misses nothing old."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from automation.mail.sent_tab import SentTab
from automation.workspace import Workspace
from sheets_schema.records import Append, Changes
from tests.conftest import TZ, make_settings
from tests.test_mail_ledger import NOW, message, run, workspace


def a_year_of_sent(ws: Workspace, **last: str) -> list[dict[str, Any]]:
    """A Sent row for ann's brief each working day of the year before NOW; `last` overrides
    the oldest row's fields."""
    rows = []
    for back in range(365, 0, -1):
        day = NOW - timedelta(days=back)
        if day.weekday() < 5:
            mid = message("ann@example.org", f"{day:%Y-%m-%d}").message_id("example.org")
            rows.append(
                {
                    "message_id": mid,
                    "job": "brief",
                    "period": f"{day:%Y-%m-%d}",
                    "recipient": "ann@example.org",
                    "subject": "Your brief",
                    "sent_at": f"{day:%Y-%m-%d} 08:30",
                    "transport": "outbox",
                    "status": "Sent",
                }
            )
    rows[0].update(last)
    ws.store.apply(Changes(appends=tuple(Append("Sent", r) for r in rows)))
    return rows


def outbox(ws: Workspace) -> list[str]:
    return sorted(str(m["Subject"]) for m in mailbox.Maildir(ws.settings.base_dir / "outbox"))


def test_a_message_sent_a_year_ago_is_found_and_not_sent_again(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    a_year_of_sent(ws)
    oldest = (NOW - timedelta(days=365)).strftime("%Y-%m-%d")
    if datetime.strptime(oldest, "%Y-%m-%d").weekday() >= 5:
        oldest = (NOW - timedelta(days=364)).strftime("%Y-%m-%d")
    report = run(ws, [message("ann@example.org", "2026-11-24"), message("ann@example.org", oldest)])
    assert report.sent == 1 and report.already_sent == 1
    assert outbox(ws) == ["Your brief for 2026-11-24"]


def test_a_pending_row_left_a_year_ago_is_still_settled(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    rows = a_year_of_sent(ws, status="Pending", sent_at="", transport="outbox")
    report = run(ws, [message("ann@example.org", "2026-11-24")])
    sent = ws.store.read(["Sent"])["Sent"]
    old = sent[sent["message_id"] == rows[0]["message_id"]]
    # the outbox never had it: it is not marked Sent, and it is named, not forgotten
    assert old["status"].tolist() == ["Pending"]
    assert any(rows[0]["message_id"] in problem for problem in report.problems)
    assert report.sent == 1


def test_the_daily_allowance_counts_todays_sent_rows_among_a_year_of_them(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path, daily_allowance=3)
    a_year_of_sent(ws)
    today = [
        {
            "message_id": f"<today-{n}@example.org>",
            "job": "thanks",
            "recipient": "eve@example.org",
            "sent_at": stamp,
            "status": "Sent",
        }
        for n, stamp in enumerate(("2026-11-24 07:10", "24/11/2026 07:20"))
    ]
    ws.store.apply(Changes(appends=tuple(Append("Sent", r) for r in today)))
    people = ["eve@example.org", "fay@example.org", "gus@example.org"]
    report = run(ws, [message(p, "2026-11-24", "thanks") for p in people])
    assert report.sent == 1 and report.deferred == 2


def test_the_index_reads_each_row_as_clean_text_only_when_asked() -> None:
    frame = pd.DataFrame(
        {
            "message_id": [" <a@x> ", "<b@x>", "", "<a@x>"],
            "status": ["sent", "Deferred", "Pending", "pending"],
            "sent_at": ["2026-11-24 08:00", "", "", "2026-11-23T23:30:00+00:00"],
        },
        index=[2, 3, 4, 5],
    )
    index = SentTab(frame)
    assert sorted(index) == ["<a@x>", "<b@x>"]
    assert index["<a@x>"] == (
        5,
        {"message_id": "<a@x>", "status": "pending", "sent_at": "2026-11-23T23:30:00+00:00"},
    )
    assert [m for m, _ in index.open_items()] == ["<a@x>", "<b@x>"]
    assert list(index.sent_ids()) == []
    settings = make_settings(Path("/tmp"))
    assert SentTab(frame.iloc[:1]).sent_on(datetime(2026, 11, 24, 12, tzinfo=TZ), settings) == 1
