"""import-visits: a GA4 export's sessions land in Shares > Visits once, and the summary adds them by team."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from automation.runner import run_job
from jobs import weekly_summary
from jobs.base import OutgoingMessage
from jobs.visits_export import read_export, whole_number
from sheets_schema.records import Append, Changes
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
NEXT_MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)


def person(name: str, email: str, team: str, roles: str = "Staff") -> dict[str, str]:
    return {"name": name, "email": email, "team": team, "roles": roles, "active": "Yes"}


PEOPLE = [
    person("Mo Manager", "mo@example.org", "Sales", "Manager"),
    person("Ann Able", "ann@example.org", "Sales"),
    person("Bob Baker", "bob@example.org", "Sales"),
    person("Lee Legal", "lee@example.org", "Legal", "Manager"),
    person("Cat Cole", "cat@example.org", "Legal"),
]
QUEUE = [
    {
        "id": "Q-1",
        "source_kind": "Organisation",
        "headline": "We open an office in Leeds",
        "link": "https://www.example.org/news/leeds",
        "channels": "LinkedIn, X",
        "status": "Published",
        "published_at": "2026-11-20 11:00",
    }
]
GA4_HEAD = (
    "# ----------------------------------------\n"
    "# Traffic acquisition: Session campaign\n"
    "# Account: Example Org\n"
    "# Property: www.example.org\n"
    "# ----------------------------------------\n"
    "#\n"
    "# Start date: 20261123\n"
    "# End date: 20261129\n"
    "\n"
)


@pytest.fixture
def shared(tmp_path: Path):
    """A workspace whose Monday digest went out, and the tokens it gave each person."""
    settings = make_settings(tmp_path)
    ws = memory_workspace(settings, {"People": PEOPLE, "Queue": QUEUE})
    run_job(ws, "share-digest", MONDAY)
    shares = ws.store.read(["Shares"])["Shares"]
    tokens = dict(zip(shares["email"], shares["token"], strict=False))
    return ws, tokens


def ga4_export(tokens: dict[str, str]) -> tuple[str, dict[str, int]]:
    """A GA4 export: Ann's LinkedIn post brought 1,204 sessions, her X post 7, Cat's 31; plus noise."""
    rows = [
        ("Q-1", tokens["ann@example.org"], "linkedin", "employee_share", 1204),
        ("Q-1", tokens["ann@example.org"], "x", "employee_share", 7),
        ("Q-1", tokens["cat@example.org"], "linkedin", "employee_share", 31),
        ("(organic)", "(not set)", "google", "organic", 5000),
    ]
    lines = ["Session campaign,Session manual ad content,Session source,Session medium,Sessions"]
    lines += [f'{c},{t},{s},{m},"{n:,}"' for c, t, s, m, n in rows]
    lines.append("Grand total,,,,6242")
    return GA4_HEAD + "\n".join(lines) + "\n", {"Sales": 1211, "Legal": 31}


def drop(ws, name: str, data: bytes) -> None:
    folder = ws.settings.sharing.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def test_a_ga4_export_fills_visits_and_a_second_import_changes_nothing(shared) -> None:
    ws, tokens = shared
    text, _ = ga4_export(tokens)
    drop(ws, "ga4-week-48.csv", text.encode())
    first = run_job(ws, "import-visits", NEXT_MONDAY)
    assert first.counts["updated"] == 3 and first.counts["visits"] == 1242
    assert first.counts["rows_other_traffic"] == 1
    shares = ws.store.read(["Shares"])["Shares"]
    visits = {(r["email"], r["channel"]): r["visits"] for _, r in shares.iterrows() if r["visits"]}
    assert visits == {
        ("ann@example.org", "LinkedIn"): "1204",
        ("ann@example.org", "X"): "7",
        ("cat@example.org", "LinkedIn"): "31",
    }
    again = run_job(ws, "import-visits", NEXT_MONDAY.replace(hour=9))
    assert again.counts["updated"] == 0


def test_the_same_export_resaved_by_a_spreadsheet_is_counted_once(shared) -> None:
    ws, tokens = shared
    text, _ = ga4_export(tokens)
    drop(ws, "ga4.csv", text.encode())
    run_job(ws, "import-visits", NEXT_MONDAY)
    # Excel in a German locale: a byte-order mark, ';' separators, '1.204'
    resaved = re.sub(r'"(\d+);(\d{3})"', r'"\1.\2"', text.replace(",", ";"))
    drop(ws, "ga4 (resaved).csv", b"\xef\xbb\xbf" + resaved.replace("\n", "\r\n").encode())
    result = run_job(ws, "import-visits", NEXT_MONDAY.replace(hour=9))
    assert result.counts["updated"] == 0
    assert any("counted once" in line for line in result.lines)


def section_of(message: OutgoingMessage, key: str) -> dict[str, Any]:
    """One section of a weekly summary, by its key."""
    (found,) = [s for s in message.context["sections"] if s["key"] == key]
    return found  # type: ignore[no-any-return]


def test_the_weekly_summary_shows_visits_per_team_equal_to_the_export(shared) -> None:
    ws, tokens = shared
    text, per_team = ga4_export(tokens)
    drop(ws, "ga4.csv", text.encode())
    run_job(ws, "import-visits", NEXT_MONDAY)
    snapshot = ws.store.read(weekly_summary.TABS + ("People",))
    plan = weekly_summary.plan(snapshot, NEXT_MONDAY, ws.settings)
    for message in plan.messages:
        sharing = section_of(message, "sharing")
        assert {t["team"]: t["visits"] for t in sharing["teams"]} == per_team
        assert {t["team"]: t["shared"] for t in sharing["teams"]} == {"Sales": 1, "Legal": 1}
    by_manager = {m.to_email: section_of(m, "sharing")["team"] for m in plan.messages}
    assert by_manager["mo@example.org"]["visits"] == 1211
    assert by_manager["lee@example.org"]["visits"] == 31


def test_an_export_with_utm_columns_reads_too() -> None:
    data = b"utm_campaign\tutm_content\tutm_source\tutm_medium\tVisits\nQ-1\tabc\tx\temployee_share\t12\n"
    export = read_export("plausible.tsv", data)
    assert [(r.campaign, r.content, r.source, r.visits) for r in export.rows] == [
        ("Q-1", "abc", "x", 12)
    ]


def test_an_export_without_the_needed_columns_says_which_and_how_to_export_it() -> None:
    export = read_export("pages.csv", b"Page path,Views\n/news,10\n")
    assert export.rows == ()
    assert "pages.csv" in export.problems[0] and "Session campaign" in export.problems[0]


def test_an_unreadable_count_names_the_file_row_and_column() -> None:
    data = b"Session campaign,Session manual ad content,Sessions\nQ-1,abc,lots\nQ-1,def,3\n"
    export = read_export("ga4.csv", data)
    assert [r.visits for r in export.rows] == [3]
    assert export.problems == (
        "ga4.csv, data row 1, column Sessions: 'lots' is not a whole number",
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [("1234", 1234), ("1,234", 1234), ("1.234", 1234), ("1 234", 1234), ("12.0", 12), ("", 0)],
)
def test_counts_read_as_spreadsheets_write_them(text: str, number: int) -> None:
    assert whole_number(text) == number


def test_visits_go_to_the_first_offer_when_a_person_got_the_item_twice(shared) -> None:
    ws, tokens = shared
    run_job(ws, "share-digest", datetime(2026, 11, 24, 10, 0, tzinfo=TZ))  # same week: no repeat
    text, _ = ga4_export(tokens)
    drop(ws, "ga4.csv", text.encode())
    run_job(ws, "import-visits", NEXT_MONDAY)
    shares = ws.store.read(["Shares"])["Shares"]
    totals: dict[str, int] = defaultdict(int)
    for _, row in shares.iterrows():
        totals[row["email"]] += int(row["visits"] or 0)
    assert totals["ann@example.org"] == 1211


def test_a_goal_can_be_measured_in_website_visits_from_staff_shares(shared) -> None:
    ws, tokens = shared
    text, _ = ga4_export(tokens)
    drop(ws, "ga4.csv", text.encode())
    run_job(ws, "import-visits", NEXT_MONDAY)
    goal = {
        "goal": "Bring readers to the website",
        "metric": "Website visits from staff shares",
        "target": "2000",
        "period": "Month",
        "status": "Active",
    }
    ws.store.apply(Changes(appends=(Append("Goals", goal),)))
    snapshot = ws.store.read(weekly_summary.TABS + ("People",))
    plan = weekly_summary.plan(snapshot, NEXT_MONDAY, ws.settings)
    (shown,) = section_of(plan.messages[0], "goals")["rows"]
    assert shown["value"] == 1242.0 and shown["progress_text"] == "62.1%"
