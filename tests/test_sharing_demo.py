"""Staff amplification on the demo firm, through `chorus` as a person runs it (the issue's done-when)."""

from __future__ import annotations

import csv
import io
import json
import mailbox
import re
import subprocess
import sys
from collections import defaultdict
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import openpyxl
import pytest

from automation.mail.compose import message_parts

MONDAY_MORNING = "2026-11-23T08:45"
MONDAY_TEN = "2026-11-23T10:00"
DOMAIN = "greenfield-law.example"


def chorus(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "automation.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_json(config: Path, job: str, at: str) -> dict:
    result = chorus("--config", str(config), "run", job, "--at", at, "--json")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def tab(folder: Path, name: str) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(folder / "workbook.xlsx", read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    headers = [str(h) for h in rows[0]]
    return [dict(zip(headers, r, strict=False)) for r in rows[1:] if any(r)]


def mails(folder: Path, subject_start: str) -> list[EmailMessage]:
    box = mailbox.Maildir(folder / "outbox", create=False)
    found = [message_from_bytes(m.as_bytes(), policy=default) for m in box]
    return [m for m in found if str(m["Subject"]).startswith(subject_start)]  # type: ignore[misc]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("share-demo")
    result = chorus("demo", "--dir", str(folder), "--at", MONDAY_MORNING)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def digest_readers(folder: Path) -> set[str]:
    """Active people in the domain who have not said No to the digest."""
    return {
        str(p["Email"]).lower()
        for p in tab(folder, "People")
        if str(p["Active"]) != "No"
        and str(p["Email"]).lower().endswith("@" + DOMAIN)
        and str(p.get("Share Digest") or "") != "No"
    }


def tracked_target(url: str) -> str:
    """The tracked link inside a share link (LinkedIn url=, Facebook u=, X/Threads url=, Bluesky text)."""
    query = parse_qs(urlsplit(url).query)
    for name in ("url", "u"):
        if name in query:
            return query[name][0]
    if "text" in query:
        return unquote(query["text"][0]).rsplit(" ", 1)[-1]
    return url


@pytest.mark.slow
def test_share_digest_on_a_demo_monday_sends_once_to_each_reader_with_tracked_links(
    demo: Path,
) -> None:
    config = demo / "chorus.toml"
    first = run_json(config, "share-digest", MONDAY_TEN)
    readers = digest_readers(demo)
    assert first["counts"]["sent"] == len(readers) == first["counts"]["digests"]
    digests = mails(demo, "Worth sharing this week")
    assert {str(m["To"]).split("<")[-1].rstrip(">").lower() for m in digests} == readers
    queue = {str(q["ID"]): str(q["Link"]) for q in tab(demo, "Queue")}
    for message in digests:
        email = str(message["To"]).split("<")[-1].rstrip(">").lower()
        text, _html, _ = message_parts(message)
        links = [u for u in re.findall(r"https://\S+", text) if "utm_" in unquote(u)]
        assert links
        for link in links:
            target = tracked_target(link)
            utm = parse_qs(urlsplit(target).query)
            assert set(utm) >= {"utm_source", "utm_medium", "utm_campaign", "utm_content"}
            assert target.split("?")[0] == queue[utm["utm_campaign"][0]].split("?")[0]
            assert utm["utm_medium"] == ["employee_share"]
            token = utm["utm_content"][0]
            assert email not in unquote(link) and email.split("@")[0] not in token
    again = run_json(config, "share-digest", "2026-11-23T11:00")
    assert again["counts"]["sent"] == 0


@pytest.mark.slow
def test_during_a_crisis_the_demo_sends_no_digest(demo: Path) -> None:
    config = demo / "chorus.toml"
    started = chorus(
        "--config",
        str(config),
        "crisis",
        "start",
        "--reason",
        "Data leak",
        "--at",
        "2026-11-30T08:00",
    )
    assert started.returncode in (0, 1), started.stderr
    quiet = run_json(config, "share-digest", "2026-11-30T10:00")
    assert quiet["counts"].get("sent", 0) == 0 and quiet["counts"]["digests"] == 0
    assert any("crisis" in line for line in quiet["lines"])


@pytest.mark.slow
def test_the_demo_export_fills_visits_once_and_the_summary_adds_them_by_team(demo: Path) -> None:
    # `chorus demo` already imported the export it wrote: a second import changes nothing
    config = demo / "chorus.toml"
    again = run_json(config, "import-visits", "2026-11-23T12:00")
    assert again["counts"]["updated"] == 0
    (export,) = (demo / "analytics").glob("*.csv")
    body = [line for line in export.read_text().splitlines() if line and line[0] != "#"]
    rows = [
        r
        for r in csv.DictReader(io.StringIO("\n".join(body)))
        if r["Session medium"] == "employee_share"
    ]
    shares = tab(demo, "Shares")
    people = {str(p["Email"]).lower(): str(p["Team"]) for p in tab(demo, "People")}
    owner = {str(s["Token"]): str(s["Email"]).lower() for s in shares}
    expected: dict[str, int] = defaultdict(int)
    for row in rows:
        expected[people[owner[row["Session manual ad content"]]]] += int(
            row["Sessions"].replace(",", "")
        )
    assert sum(int(s["Visits"] or 0) for s in shares) == sum(expected.values()) > 0
    (summary, *_) = mails(demo, "Social media summary")
    text, _html, _ = message_parts(summary)
    shown = {
        team: int(visits)
        for team, visits in re.findall(
            r"^- (.+?): \d+ of \d+ people shared, (\d+) visits?$", text, re.M
        )
    }
    assert shown == dict(expected)
