"""share-digest: a weekly email per person with tracked one-click share links, once, never in a crisis."""

from __future__ import annotations

import mailbox
import math
import re
import stat
from collections import Counter
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from automation.mail.compose import message_parts
from automation.runner import run_job
from automation.share_key import KEY_FILE, state_folder
from jobs import share_digest, sharing
from jobs.networks import NETWORKS, network
from jobs.share_digest import ShareInputs, plan
from sheets_schema.records import Snapshot, frame_from_rows
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
KEY = b"k" * 32


def person(name: str, email: str, **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "email": email,
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
        **extra,
    }


PEOPLE = [
    person("Ann Able", "ann@example.org"),
    person("Bob Baker", "bob@example.org"),
    person("Cat Cole", "cat@example.org"),
    person("Dan Dunn", "dan@example.org", share_digest="No"),
    person("Eve Eden", "eve@example.org", active="No"),
    person("Out Sider", "out@elsewhere.com"),
    person("Nia York", "nia@example.org", timezone="America/New_York"),
]
QUEUE = [
    {
        "id": "Q-1",
        "source_kind": "Organisation",
        "headline": "We open an office in Leeds",
        "link": "https://www.example.org/news/leeds?lang=en&utm_source=newsroom",
        "channels": "LinkedIn, X",
        "status": "Published",
        "published_at": "2026-11-20 11:00",
    },
    {
        "id": "Q-2",
        "source_kind": "Organisation",
        "headline": "Our annual review",
        "link": "https://www.example.org/review#top",
        "channels": "Bluesky, Instagram",
        "status": "Scheduled",
        "scheduled_for": "2026-11-25 09:00",
    },
    # a staff item is offered only when Share says Yes
    {
        "id": "Q-3",
        "source_kind": "Staff & partners",
        "headline": "Sam's marathon",
        "link": "https://www.example.org/sam",
        "channels": "LinkedIn",
        "status": "Published",
        "published_at": "2026-11-21 11:00",
    },
    # an Organisation item marked No is not offered
    {
        "id": "Q-4",
        "source_kind": "Organisation",
        "headline": "Internal award",
        "link": "https://www.example.org/award",
        "channels": "LinkedIn",
        "status": "Published",
        "published_at": "2026-11-21 12:00",
        "share": "No",
    },
]
CAPTIONS = [
    {"queue_id": "Q-1", "channel": "", "text": "Leeds, here we come!"},
    {"queue_id": "Q-1", "channel": "", "text": "Proud to see our new Leeds office open."},
    {"queue_id": "Q-1", "channel": "X", "text": "x" * 270},  # too long for X with the link
]


def workspace(tmp_path: Path, **tabs: list[dict[str, str]]):
    settings = make_settings(tmp_path)
    rows = {"People": PEOPLE, "Queue": QUEUE, "Captions": CAPTIONS, **tabs}
    return memory_workspace(settings, rows)


def outbox(tmp_path: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    return [message_from_bytes(m.as_bytes(), policy=default) for m in box]  # type: ignore[misc]


def share_urls(text: str) -> list[str]:
    return re.findall(r"https://\S+", text)


def test_one_digest_to_each_active_in_domain_person_not_opted_out(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    result = run_job(ws, "share-digest", MONDAY)
    sent_to = sorted(str(m["To"]).split("<")[-1].rstrip(">") for m in outbox(tmp_path))
    # Dan opted out, Eve is inactive, out@ is outside the domain, Nia's 10:00 is 15:00 here
    assert sent_to == ["ann@example.org", "bob@example.org", "cat@example.org"]
    assert result.counts["sent"] == 3
    assert result.counts["opted_out"] == 1 and result.counts["waiting"] == 1
    assert result.counts["out_of_domain"] == 1


def test_every_share_link_leads_to_the_item_with_four_utm_parameters_and_no_email(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "share-digest", MONDAY)
    links = {"Q-1": QUEUE[0]["link"], "Q-2": QUEUE[1]["link"]}
    checked = 0
    for message in outbox(tmp_path):
        email = str(message["To"]).split("<")[-1].rstrip(">")
        text, _html, _ = message_parts(message)
        for url in share_urls(text):
            query = parse_qs(urlsplit(url).query)
            target = query.get("url", query.get("u", [""]))[0]
            if not target and "text" in query:  # Bluesky: the link ends the text
                target = query["text"][0].rsplit(" ", 1)[-1]
            if not target:
                target = url  # a "copy the text" link is the tracked link itself
            utm = parse_qs(urlsplit(target).query)
            campaign = utm["utm_campaign"][0]
            assert target.split("?")[0] == links[campaign].split("?")[0].split("#")[0]
            assert utm["utm_medium"] == ["employee_share"]
            sources = (
                {"newsroom"} if campaign == "Q-1" else {n.utm_source for n in NETWORKS.values()}
            )
            assert utm["utm_source"][0] in sources  # Q-1's own utm_source is never overwritten
            token = utm["utm_content"][0]
            assert token and email not in url and email.split("@")[0] not in token
            checked += 1
    assert checked >= 3 * 4


def test_existing_query_parameters_are_kept_and_an_existing_utm_wins() -> None:
    url = sharing.tracked_url(
        "https://www.example.org/news/leeds?lang=en&utm_source=newsroom#top",
        sharing.utm_for(network("X"), "employee_share", "Q-1", "abc"),
    )
    assert url == (
        "https://www.example.org/news/leeds?lang=en&utm_source=newsroom"
        "&utm_medium=employee_share&utm_campaign=Q-1&utm_content=abc#top"
    )


def test_a_rerun_sends_nothing_and_records_no_second_offer(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "share-digest", MONDAY)
    shares = ws.store.read(["Shares"])["Shares"]
    again = run_job(ws, "share-digest", MONDAY.replace(hour=11))
    assert again.counts["sent"] == 0
    assert len(outbox(tmp_path)) == 3
    assert len(ws.store.read(["Shares"])["Shares"]) == len(shares)
    # three people, Q-1 on LinkedIn and X, Q-2 on Bluesky and Instagram
    assert len(shares) == 3 * 4


def test_each_person_gets_the_digest_at_their_own_hour(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "share-digest", MONDAY)
    later = run_job(ws, "share-digest", MONDAY.replace(hour=15))
    assert later.counts["sent"] == 1
    assert "nia@example.org" in str(outbox(tmp_path)[-1]["To"]) or any(
        "nia@example.org" in str(m["To"]) for m in outbox(tmp_path)
    )


def test_during_a_crisis_no_digest_goes(tmp_path: Path) -> None:
    crisis = [{"id": "C-1", "started": "2026-11-23 08:00", "reason": "Outage"}]
    ws = workspace(tmp_path, Crises=crisis)
    result = run_job(ws, "share-digest", MONDAY)
    assert result.counts.get("sent", 0) == 0 and result.counts["digests"] == 0
    assert not (tmp_path / "outbox").exists() or outbox(tmp_path) == []
    assert any("crisis" in line for line in result.lines)


def test_variants_are_rotated_so_none_goes_to_more_than_its_share() -> None:
    settings = make_settings(Path("/tmp/chorus-share-test"))
    # every other person opted out: the rotation still spreads the variants over the readers
    many = [
        person(f"P{i}", f"p{i}@example.org", share_digest="No" if i % 2 else "Yes")
        for i in range(14)
    ]
    snapshot = Snapshot(
        {
            "People": frame_from_rows("People", many),
            "Queue": frame_from_rows("Queue", QUEUE),
            "Captions": frame_from_rows("Captions", CAPTIONS),
            "Shares": frame_from_rows("Shares", []),
            "Channels": frame_from_rows("Channels", []),
        }
    )
    result = plan(snapshot, MONDAY, settings, ShareInputs(key=KEY))
    linkedin = Counter(
        offer["text"]
        for m in result.messages
        for item in m.context["items"]
        if item["id"] == "Q-1"
        for offer in item["offers"]
        if offer["network"] == "LinkedIn"
    )
    assert set(linkedin) == {"Leeds, here we come!", "Proud to see our new Leeds office open."}
    assert max(linkedin.values()) <= math.ceil(7 / 2)
    assert any("too long for X" in p for p in result.report.problems)


def test_the_token_key_is_made_once_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    run_job(ws, "share-digest", MONDAY)
    key = state_folder(ws.settings) / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    first = key.read_bytes()
    run_job(ws, "share-digest", MONDAY.replace(hour=16))
    assert key.read_bytes() == first
    tokens = set(ws.store.read(["Shares"])["Shares"]["token"])
    assert len(tokens) == 4  # Ann, Bob, Cat, then Nia at her hour
    assert not any("@" in t for t in tokens)


@pytest.mark.browser
def test_the_digest_fits_a_phone_screen_without_sideways_scrolling(tmp_path: Path) -> None:
    from automation.mail.preview import write_previews
    from tests.browser import open_in_chromium

    ws = workspace(tmp_path)
    snapshot = ws.store.read(share_digest.TABS)
    result = plan(snapshot, MONDAY, ws.settings, ShareInputs(key=KEY))
    (page,) = write_previews([result.messages[0]], ws, MONDAY, tmp_path / "preview")
    shown = open_in_chromium(page, viewport_width=390)
    assert shown.console_errors == []
    assert shown.width <= 390
    assert "Share on LinkedIn" in shown.text and "Leeds" in shown.text
