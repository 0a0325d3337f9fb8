"""ingest-alerts: each mention lands once; content feeds fill the queue; bad feeds are named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from automation.config import settings_from_dict
from automation.runner import run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import build_workspace
from jobs.ingest_alerts import TABS, FeedEntry, FeedInputs, plan
from sheets_schema.records import Snapshot, frame_from_rows
from sheets_schema.settings import Settings

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>tag:google.com,2005:reader/user/0680/state/com.google/alerts/1060</id>
<title>Google Alert - Acme</title>
<updated>2026-11-24T09:12:45Z</updated>
{entries}
</feed>
"""
ENTRY = """<entry>
<id>tag:google.com,2013:googlealerts/feed:{n}</id>
<title type="html">&lt;b&gt;Acme&lt;/b&gt; story {n}</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.com/story-{n}%3Futm_source%3Dalerts&amp;ct=ga&amp;usg=AOv"></link>
<published>2026-11-24T08:0{n}:00Z</published>
<content type="html">Snippet &lt;b&gt;{n}&lt;/b&gt; &amp;amp; more</content>
</entry>"""


def write_feed(path: Path, numbers: list[int]) -> Path:
    path.write_text(
        ATOM.format(entries="\n".join(ENTRY.format(n=n) for n in numbers)), encoding="utf-8"
    )
    return path


def make_settings(tmp_path: Path, feeds: list[dict]) -> Settings:
    return settings_from_dict(
        {
            "organisation": {
                "name": "Acme",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "backend": {"kind": "local", "workbook": "workbook.xlsx"},
            "alerts": {"feeds": feeds, "timeout_seconds": 2},
        },
        tmp_path / "chorus.toml",
    )


def entry(n: int, feed: str = "Alerts", url: str = "") -> FeedEntry:
    return FeedEntry(
        feed,
        f"id-{n}",
        f"Story {n}",
        f"Snippet {n}",
        url or f"https://news.example.com/story-{n}",
        datetime(2026, 11, 24, 8, n, tzinfo=UTC),
    )


def snapshot(**tabs: list[dict]) -> Snapshot:
    return Snapshot({name: frame_from_rows(name, tabs.get(name, [])) for name in TABS})


def test_new_entries_become_mentions_with_continuing_ids(tmp_path):
    settings = make_settings(tmp_path, [{"name": "Alerts", "url": "a.xml"}])
    existing = [
        {
            "id": "M-0009",
            "found_at": "2026-11-20 10:00",
            "kind": "Mention",
            "status": "Responded",
            "url": "https://old.example.com/x",
        }
    ]
    result = plan(snapshot(Mentions=existing), NOW, settings, FeedInputs((entry(1), entry(2))))
    rows = [a.row for a in result.changes.appends]
    assert rows[0] == {
        "id": "M-0010",
        "found_at": "2026-11-24 08:01",
        "source": "Alerts",
        "kind": "Mention",
        "title": "Story 1",
        "snippet": "Snippet 1",
        "url": "https://news.example.com/story-1",
        "status": "New",
    }
    assert [r["id"] for r in rows] == ["M-0010", "M-0011"]
    assert result.report.counts["mentions_added"] == 2


def test_entries_already_in_mentions_or_the_queue_are_not_added_again(tmp_path):
    settings = make_settings(tmp_path, [{"name": "Alerts", "url": "a.xml"}])
    snap = snapshot(
        Mentions=[
            {
                "id": "M-0001",
                "found_at": "2026-11-23 10:00",
                "kind": "Mention",
                "status": "New",
                "url": "http://www.news.example.com/story-1/",
            }
        ],
        Queue=[
            {
                "id": "Q-0001",
                "source_kind": "External",
                "headline": "x",
                "status": "New",
                "link": "https://news.example.com/story-2?utm_source=x",
            },
            {
                "id": "Q-0002",
                "source_kind": "External",
                "headline": "y",
                "status": "New",
                "origin": "feed:Alerts:https://news.example.com/story-3",
            },
        ],
    )
    result = plan(snap, NOW, settings, FeedInputs((entry(1), entry(2), entry(3), entry(4))))
    assert [a.row["url"] for a in result.changes.appends] == ["https://news.example.com/story-4"]
    assert result.report.counts["duplicates"] == 3


def test_the_same_story_in_two_feeds_in_one_run_is_added_once(tmp_path):
    settings = make_settings(
        tmp_path, [{"name": "A", "url": "a.xml"}, {"name": "B", "url": "b.xml"}]
    )
    result = plan(
        snapshot(),
        NOW,
        settings,
        FeedInputs((entry(1, "A"), entry(1, "B", url="https://www.news.example.com/story-1#top"))),
    )
    assert [a.row["source"] for a in result.changes.appends] == ["A"]


def test_a_content_feed_fills_the_queue_screened_instead_of_mentions(tmp_path):
    settings = make_settings(
        tmp_path,
        [
            {
                "name": "Blog",
                "url": "b.xml",
                "use": "content",
                "source_kind": "Organisation",
                "source_type": "News release",
            }
        ],
    )
    blog = FeedEntry(
        "Blog",
        "post-7",
        "Our confidential roadmap",
        "Photos inside",
        "https://example.org/blog/7",
        None,
    )
    result = plan(
        snapshot(
            Queue=[
                {"id": "Q-0005", "source_kind": "Organisation", "headline": "x", "status": "New"}
            ]
        ),
        NOW,
        settings,
        FeedInputs((blog,)),
    )
    (append,) = result.changes.appends
    assert append.tab == "Queue"
    assert {
        k: append.row[k]
        for k in ("id", "created", "source_kind", "source_type", "status", "origin", "link")
    } == {
        "id": "Q-0006",
        "created": "2026-11-24 12:00",
        "source_kind": "Organisation",
        "source_type": "News release",
        "status": "New",
        "origin": "feed:Blog:post-7",
        "link": "https://example.org/blog/7",
    }
    assert append.row["flags"].startswith("confidential: mentions 'confidential'")
    assert "media without a source" in append.row["flags"]


def test_content_items_arrive_on_hold_when_crisis_mode_is_on(tmp_path):
    settings = make_settings(tmp_path, [{"name": "Blog", "url": "b.xml", "use": "content"}])
    snap = snapshot(Program=[{"setting": "Crisis Mode", "value": "On"}])
    appends = plan(snap, NOW, settings, FeedInputs((entry(1, "Blog"),))).changes.appends
    # The crisis watch also starts the crisis the switch asks for: look at the Queue.
    (append,) = [a for a in appends if a.tab == "Queue"]
    assert (append.row["status"], append.row["held_from"]) == ("On hold", "New")


def test_a_spike_in_mentions_is_reported_as_a_problem(tmp_path):
    settings = make_settings(tmp_path, [{"name": "Alerts", "url": "a.xml"}])
    old = [
        {
            "id": f"M-{i:04d}",
            "found_at": f"2026-11-{1 + i:02d} 10:00",
            "kind": "Mention",
            "status": "New",
            "url": f"https://o.example/{i}",
        }
        for i in range(10)
    ]
    burst = tuple(entry(n) for n in range(8))
    result = plan(snapshot(Mentions=old), NOW, settings, FeedInputs(burst))
    assert result.report.problems[0].startswith("mention spike: 8 mentions in the last 6 h")
    quiet = plan(snapshot(Mentions=old), NOW, settings, FeedInputs(burst[:2]))
    assert quiet.report.problems == ()


def test_ingest_alerts_end_to_end_reads_files_reports_a_broken_feed_and_runs_the_others(tmp_path):
    write_feed(tmp_path / "alerts.xml", [1, 2])
    (tmp_path / "broken.xml").write_text("<html>not a feed</html>")
    settings = make_settings(
        tmp_path,
        [
            {"name": "Broken", "url": "broken.xml"},
            {"name": "Alerts", "url": "alerts.xml"},
            {"name": "Gone", "url": "http://127.0.0.1:9/x"},
        ],
    )
    XlsxStore(tmp_path / "workbook.xlsx").ensure_tabs()
    result = run_job(build_workspace(settings), "ingest-alerts", NOW)
    assert result.outcome == "problems"
    assert result.counts["mentions_added"] == 2
    assert any(
        "feed 'Broken'" in p and "not a readable RSS or Atom feed" in p for p in result.problems
    )
    assert any("feed 'Gone'" in p and "could not be fetched" in p for p in result.problems)
    mentions = XlsxStore(tmp_path / "workbook.xlsx").read(["Mentions"])["Mentions"]
    assert list(mentions["title"]) == ["Acme story 1", "Acme story 2"]
    assert list(mentions["url"]) == [
        "https://news.example.com/story-1",
        "https://news.example.com/story-2",
    ]
    assert list(mentions["snippet"]) == ["Snippet 1 & more", "Snippet 2 & more"]

    write_feed(tmp_path / "alerts.xml", [2, 3])
    again = run_job(build_workspace(settings), "ingest-alerts", NOW + timedelta(minutes=10))
    assert again.counts["mentions_added"] == 1 and again.counts["duplicates"] == 1
    mentions = XlsxStore(tmp_path / "workbook.xlsx").read(["Mentions"])["Mentions"]
    assert list(mentions["id"]) == ["M-0001", "M-0002", "M-0003"]


def test_a_content_entry_linking_a_blocked_site_is_left_out_and_a_mention_there_is_kept(
    tmp_path,
):
    settings = settings_from_dict(
        {
            "organisation": {
                "name": "Acme",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "backend": {"kind": "local", "workbook": "workbook.xlsx"},
            "alerts": {
                "feeds": [
                    {"name": "Alerts", "url": "a.xml"},
                    {"name": "Blog", "url": "b.xml", "use": "content"},
                ]
            },
            "screening": {"blocked_domains": ["gossip.example"]},
        },
        tmp_path / "chorus.toml",
    )
    content = entry(1, feed="Blog", url="https://www.gossip.example/acme-story")
    mention = entry(2, url="https://gossip.example/acme-criticised")
    result = plan(snapshot(), NOW, settings, FeedInputs((content, mention)))
    assert [(a.tab, a.row["url"]) for a in result.changes.appends] == [
        ("Mentions", "https://gossip.example/acme-criticised")
    ]
    assert result.report.counts["skipped_blocked_site"] == 1
    assert (
        "feed 'Blog': 'Story 1' left out: it links to www[.]gossip[.]example, "
        "a site our social media policy does not allow us to link to."
    ) in result.report.lines[0]
    assert "send it again" not in result.report.lines[0]  # a feed sent nothing


def test_an_empty_feed_and_a_picture_under_a_feed_name_do_not_stop_the_good_feed(tmp_path):
    write_feed(tmp_path / "alerts.xml", [1, 2])
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "picture.xml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    settings = make_settings(
        tmp_path,
        [
            {"name": "Empty", "url": "empty.xml"},
            {"name": "Picture", "url": "picture.xml"},
            {"name": "Alerts", "url": "alerts.xml"},
        ],
    )
    XlsxStore(tmp_path / "workbook.xlsx").ensure_tabs()
    result = run_job(build_workspace(settings), "ingest-alerts", NOW)
    assert result.outcome == "problems"
    assert result.counts["mentions_added"] == 2
    assert any("feed 'Empty'" in p and "is empty (0 bytes)" in p for p in result.problems)
    assert any("feed 'Picture'" in p and "not a readable" in p for p in result.problems)
    mentions = XlsxStore(tmp_path / "workbook.xlsx").read(["Mentions"])["Mentions"]
    assert list(mentions["title"]) == ["Acme story 1", "Acme story 2"]
