"""Alert and content feeds (RSS and Atom, e.g. Google Alerts) -> clean entries.

ingest-alerts' gathering: fetch each feed (the only I/O) and parse it into
FeedEntry values the pure plan reads. Google Alerts quirks handled: links are
Google redirects (unwrapped by `jobs.links`), titles and snippets carry HTML
(`<b>Acme</b>`) and entities (`&#39;`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser

from jobs.ingest_alerts import FeedEntry
from jobs.links import clean_url, unwrap_redirect
from sheets_schema.errors import InputError
from sheets_schema.settings import Feed

USER_AGENT = "Chorus/0.1 (+employee social media program; feed reader)"


def fetch_feed(feed: Feed, *, timeout: float, max_bytes: int) -> bytes:
    """The feed's bytes from its http(s) URL or file path; InputError naming the feed and why."""
    place = f"feed {feed.name!r}"
    if feed.url.lower().startswith(("http://", "https://")):
        request = urllib.request.Request(
            feed.url,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)
                data: bytes = response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            raise InputError(
                f"{feed.url} answered HTTP {exc.code} {exc.reason}",
                place=place,
                fix="check the feed URL in [alerts] feeds; Google Alerts feeds must be set to 'Deliver to: RSS feed'",
            ) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InputError(
                f"{feed.url} could not be fetched ({reason})",
                place=place,
                fix="check the network and the feed URL; it is tried again next run",
            ) from None
    else:
        path = Path(feed.url)
        try:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(
                f"the feed file {path} cannot be read ({exc.strerror})",
                place=place,
                fix="fix the path in [alerts] feeds",
            ) from None
    if len(data) > max_bytes:
        raise InputError(
            f"the feed is larger than {max_bytes} bytes",
            place=place,
            fix="raise [alerts] max_bytes if the feed is genuine",
        )
    return data


def parse_feed(data: bytes, feed: Feed) -> list[FeedEntry]:
    """RSS or Atom bytes -> clean entries; InputError if it is not a feed at all."""
    if not data.strip():
        raise InputError(
            f"is empty ({len(data)} bytes): {feed.url} gave no RSS or Atom content",
            place=f"feed {feed.name!r}",
            fix="open the feed URL in a browser; if it is empty too, the alert may have been "
            "deleted: recreate it with 'Deliver to: RSS feed' and update [alerts] feeds",
        )
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = getattr(parsed, "bozo_exception", None) or "no RSS or Atom content"
        raise InputError(
            f"is not a readable RSS or Atom feed ({reason})",
            place=f"feed {feed.name!r}",
            fix="open the feed URL in a browser; it should show XML",
        )
    entries = []
    for raw in parsed.entries:
        link = raw.get("link", "") or ""
        url = clean_url(unwrap_redirect(link)) if link else ""
        entries.append(
            FeedEntry(
                feed=feed.name,
                entry_id=str(raw.get("id", "") or "").strip(),
                title=plain_text(raw.get("title", "")),
                snippet=plain_text(raw.get("summary", "") or _content(raw)),
                url=url,
                published=_when(raw),
            )
        )
    return entries


def plain_text(value: object) -> str:
    """HTML fragment -> plain text: tags dropped, entities decoded, spaces collapsed."""
    text = str(value or "")
    if "<" in text or "&" in text:
        parser = _TextParser()
        parser.feed(text)
        parser.close()
        text = parser.text()
    return " ".join(text.split())


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li"):
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._parts.append(data)

    def text(self) -> str:
        return "".join(self._parts)


def _content(raw: feedparser.FeedParserDict) -> str:
    content = raw.get("content") or []
    return content[0].get("value", "") if content else ""


def _when(raw: feedparser.FeedParserDict) -> datetime | None:
    # feedparser gives these as UTC struct_time, whatever zone the feed wrote.
    for key in ("published_parsed", "updated_parsed"):
        value = raw.get(key)
        if value:
            return datetime(*value[:6]).replace(tzinfo=UTC)
    return None
