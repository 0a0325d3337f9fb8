"""Alert and content feeds (RSS and Atom, e.g. Google Alerts) -> clean entries.

Fetching is the only I/O here (`fetch_feed`); everything else is pure so
ingest-alerts can plan from parsed entries. Google Alerts quirks handled:
links are Google redirects (`https://www.google.com/url?...&url=REAL&ct=ga`),
titles and snippets carry HTML (`<b>Acme</b>`) and entities (`&#39;`).

Canonical URLs (the de-duplication key, never shown to people): tracking
parameters and the fragment removed, scheme dropped (http and https are the
same article), host lower-cased without a leading "www." (sites serve the
same page on both; one mention is better than two), default ports dropped,
trailing slash ignored, query parameters sorted.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import feedparser

from automation.config import Feed
from automation.errors import InputError

USER_AGENT = "Chorus/0.1 (+employee social media program; feed reader)"

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "__s",
        "ref_src",
        "s_cid",
        "cmpid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class FeedEntry:
    """One entry of one feed, cleaned: plain-text title and snippet, the real URL."""

    feed: str
    entry_id: str
    title: str
    snippet: str
    url: str
    published: datetime | None = None

    @property
    def canonical(self) -> str:
        return canonical_url(self.url) if self.url else ""


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
                data = response.read(max_bytes + 1)
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
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.version):
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


def unwrap_redirect(url: str) -> str:
    """Google's redirect link (google.*/url?url=REAL or ?q=REAL) -> the real URL; others unchanged."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if re.fullmatch(r"(?:www\.)?google(?:\.[a-z]{2,3}){1,2}", host) and parts.path == "/url":
        params = dict(parse_qsl(parts.query))
        real = params.get("url") or params.get("q") or ""
        if real.lower().startswith(("http://", "https://")):
            return real
    return url.strip()


def clean_url(url: str) -> str:
    """The URL without tracking parameters (utm_*, fbclid, gclid, ...) or fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))


def canonical_url(url: str) -> str:
    """The de-duplication key of a URL (see the module doc for what is ignored)."""
    cleaned = clean_url(unwrap_redirect(url))
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        return cleaned.strip().lower()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~").rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return host + path + (f"?{query}" if query else "")


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


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


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
