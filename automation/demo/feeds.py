"""The demo's feeds: a Google Alerts Atom feed and the firm's newsroom as RSS 2.0.

The entries come from alerts.csv and newsroom.csv; the feed and entry ids,
Google's redirect tokens and the minutes come from a seeded random stream.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from email.utils import format_datetime as rfc2822
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from automation.demo.firm import (
    DEMO_ORG,
    NEWSROOM,
    SITE,
    TZ,
    digits,
    read_csv,
    site_link,
    token,
)


def _iso_utc(local: datetime) -> str:
    return local.replace(tzinfo=TZ).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def alerts_feed(today: date, rng: random.Random) -> str:
    """A Google Alerts Atom feed, byte for byte in Google's shape."""
    user, alert = digits(rng, 20), digits(rng, 20)
    start = datetime.combine(today, time(7, 0))
    # Each entry's title, URL and content are HTML, as Google puts them in the feed.
    entries = read_csv("alerts.csv")
    stamps = [
        start - timedelta(hours=int(e["hours_before"]), minutes=rng.randint(0, 59)) for e in entries
    ]
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">',
        f"<id>tag:google.com,2005:reader/user/{user}/state/com.google/alerts/{alert}</id>",
        f"<title>Google Alert - {DEMO_ORG['name']}</title>",
        f'<link href="https://www.google.com/alerts/feeds/{user}/{alert}" rel="self"></link>',
        f"<updated>{_iso_utc(stamps[0])}</updated>",
    ]
    for entry, stamp in zip(entries, stamps, strict=True):
        cd = "CAIyH" + token(rng, 30)
        usg = "AOvVaw" + token(rng, 22)
        google = f"https://www.google.com/url?rct=j&sa=t&url={entry['url']}&ct=ga&cd={cd}&usg={usg}"
        parts += [
            f"<entry><id>tag:google.com,2013:googlealerts/feed:{digits(rng, 20)}</id>",
            f'<title type="html">{escape(entry["title"])}</title>',
            f'<link href="{escape(google, {chr(34): "&quot;"})}"></link>',
            f"<published>{_iso_utc(stamp)}</published>",
            f"<updated>{_iso_utc(stamp)}</updated>",
            f'<content type="html">{escape(entry["content"])}</content>',
            "<author><name></name></author></entry>",
        ]
    parts.append("</feed>")
    return "".join(parts)


def newsroom_feed(today: date) -> str:
    """The firm's own newsroom as RSS 2.0: content the queue should pick up (one is already in it)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        f"<title>{escape(NEWSROOM['title'])}</title>",
        f"<link>{SITE}/news</link>",
        f"<description>{escape(NEWSROOM['description'])}</description>",
        "<language>en-gb</language>",
        f'<atom:link href="{SITE}/news/feed.xml" rel="self" type="application/rss+xml"/>',
        f"<lastBuildDate>{rfc2822(datetime.combine(today, time(6, 30), TZ))}</lastBuildDate>",
    ]
    for item in read_csv("newsroom.csv"):
        when = datetime.combine(today - timedelta(days=int(item["days_ago"])), time(10, 0), TZ)
        link = site_link(item["link"])
        lines += [
            "<item>",
            f"<title>{escape(item['title'])}</title>",
            f"<link>{link}</link>",
            f'<guid isPermaLink="true">{link}</guid>',
            f"<pubDate>{rfc2822(when)}</pubDate>",
            f"<category>{item['category']}</category>",
            f"<description>{escape(item['description'])}</description>",
            "</item>",
        ]
    lines += ["</channel>", "</rss>"]
    return "\n".join(lines) + "\n"
