"""Feeds: Google Alerts in Atom and RSS, redirect links, tracking, HTML, fetching limits."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from automation.feeds import fetch_feed, parse_feed, plain_text
from jobs.links import canonical_url, clean_url, unwrap_redirect
from sheets_schema.errors import InputError
from sheets_schema.settings import Feed

ALERTS_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:idx="urn:atom-extension:indexing">
<id>tag:google.com,2005:reader/user/06807031914929345698/state/com.google/alerts/10604166159629661594</id>
<title>Google Alert - &quot;Acme Corp&quot;</title>
<link href="https://www.google.com/alerts/feeds/06807031914929345698/10604166159629661594" rel="self"></link>
<updated>2026-11-24T09:12:45Z</updated>
<entry>
<id>tag:google.com,2013:googlealerts/feed:12894519871526281633</id>
<title type="html">&lt;b&gt;Acme Corp&lt;/b&gt; wins regional award for &amp;quot;green&amp;quot; offices</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://news.example.com/2026/11/acme-award%3Futm_source%3Dgoogle%26utm_medium%3Demail%26id%3D7&amp;ct=ga&amp;cd=CAIyGjA4ZDk0&amp;usg=AOvVaw1xyz"></link>
<published>2026-11-24T08:05:00Z</published>
<updated>2026-11-24T08:05:00Z</updated>
<content type="html">The &lt;b&gt;Acme&lt;/b&gt; team&amp;#39;s new offices in Leeds &amp;amp; York were praised&amp;nbsp;...</content>
<author><name></name></author>
</entry>
<entry>
<id>tag:google.com,2013:googlealerts/feed:4471120396612871902</id>
<title type="html">Why customers are angry at &lt;b&gt;Acme&lt;/b&gt;</title>
<link href="https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://blog.example.net/acme-angry/&amp;ct=ga&amp;cd=CAIyGjA4&amp;usg=AOvVaw2"></link>
<published>2026-11-24T07:40:00Z</published>
<updated>2026-11-24T07:40:00Z</updated>
<content type="html">Readers wrote in about &lt;b&gt;Acme&lt;/b&gt;&amp;#39;s delivery delays.</content>
<author><name></name></author>
</entry>
</feed>
"""

ALERTS_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>Google Alert - acme</title>
<link>https://www.google.com/alerts/feeds/068070/1060416</link>
<description>Google Alert - acme</description>
<item>
<guid isPermaLink="false">tag:google.com,2013:googlealerts/feed:999</guid>
<title>&lt;b&gt;Acme&lt;/b&gt; opens new office</title>
<link>https://www.google.com/url?rct=j&amp;sa=t&amp;url=https://www.Example.com:443/news/acme-office/%3Ffbclid%3DIwAR0x%26page%3D2%23comments&amp;ct=ga</link>
<pubDate>Tue, 24 Nov 2026 10:30:00 +0100</pubDate>
<description>&lt;p&gt;Acme &amp;amp; partners opened&lt;br&gt;a new office.&lt;/p&gt;</description>
</item>
</channel>
</rss>
"""


def feed(url: str = "", name: str = "Alerts") -> Feed:
    return Feed(name=name, url=url)


def test_a_google_alerts_atom_feed_gives_clean_titles_snippets_and_real_urls():
    first, second = parse_feed(ALERTS_ATOM.encode(), feed())
    assert first.title == 'Acme Corp wins regional award for "green" offices'
    assert first.snippet == "The Acme team's new offices in Leeds & York were praised ..."
    assert first.url == "https://news.example.com/2026/11/acme-award?id=7"
    assert first.entry_id == "tag:google.com,2013:googlealerts/feed:12894519871526281633"
    assert first.published == datetime(2026, 11, 24, 8, 5, tzinfo=UTC)
    assert second.title == "Why customers are angry at Acme"
    assert second.url == "https://blog.example.net/acme-angry/"


def test_a_google_alerts_rss_feed_is_read_the_same_way():
    (entry,) = parse_feed(ALERTS_RSS.encode(), feed())
    assert entry.title == "Acme opens new office"
    assert entry.snippet == "Acme & partners opened a new office."
    assert entry.url == "https://www.Example.com:443/news/acme-office/?page=2"
    assert entry.canonical == "example.com/news/acme-office?page=2"
    assert entry.published == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_google_redirects_unwrap_to_the_real_link_and_other_links_stay():
    wrapped = "https://www.google.com/url?rct=j&sa=t&url=https%3A%2F%2Fexample.org%2Fa%3Fb%3D1&ct=ga&usg=x"
    assert unwrap_redirect(wrapped) == "https://example.org/a?b=1"
    assert (
        unwrap_redirect("https://www.google.co.uk/url?q=https://example.org/x&sa=U")
        == "https://example.org/x"
    )
    assert (
        unwrap_redirect("https://example.org/url?url=https://elsewhere.example")
        == "https://example.org/url?url=https://elsewhere.example"
    )


def test_tracking_parameters_and_fragments_are_removed_and_the_rest_kept():
    url = "https://example.org/p?utm_source=x&UTM_Campaign=y&id=3&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&lang=en#top"
    assert clean_url(url) == "https://example.org/p?id=3&lang=en"


def test_canonical_urls_ignore_scheme_case_www_default_port_slash_and_parameter_order():
    same = [
        "https://www.Example.org/news/item/?b=2&a=1",
        "http://example.org:80/news/item?a=1&b=2&utm_medium=email",
        "https://EXAMPLE.org:443/news/item?a=1&b=2#x",
    ]
    assert {canonical_url(u) for u in same} == {"example.org/news/item?a=1&b=2"}
    assert canonical_url("https://example.org:8443/x") == "example.org:8443/x"
    assert canonical_url("https://example.org/News") != canonical_url("https://example.org/news")


def test_html_and_entities_become_plain_text():
    assert (
        plain_text("<b>Acme</b> &amp; Co&#39;s <i>news</i><script>x()</script>")
        == "Acme & Co's news"
    )
    assert plain_text("AT&T <3 Acme") == "AT&T <3 Acme"


def test_a_file_that_is_not_a_feed_is_an_input_error_naming_the_feed(tmp_path):
    with pytest.raises(InputError) as err:
        parse_feed(b"<html><body>Sign in to Google</body></html>", feed(name="Brand alerts"))
    assert "feed 'Brand alerts'" in str(err.value)


def test_feed_files_are_read_and_missing_ones_named(tmp_path):
    path = tmp_path / "alerts.xml"
    path.write_text(ALERTS_ATOM)
    assert fetch_feed(feed(str(path)), timeout=5, max_bytes=100_000) == ALERTS_ATOM.encode()
    with pytest.raises(InputError, match="cannot be read"):
        fetch_feed(feed(str(tmp_path / "nope.xml")), timeout=5, max_bytes=100_000)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/big":
            body = b"<rss>" + b" " * 50_000 + b"</rss>"
        elif self.path == "/alerts":
            body = ALERTS_ATOM.encode()
        else:
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/atom+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_feeds_are_fetched_over_http_within_the_size_limit(server):
    data = fetch_feed(feed(f"{server}/alerts"), timeout=5, max_bytes=100_000)
    assert len(parse_feed(data, feed())) == 2
    with pytest.raises(InputError, match="larger than 10000 bytes"):
        fetch_feed(feed(f"{server}/big"), timeout=5, max_bytes=10_000)
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_feed(feed(f"{server}/gone"), timeout=5, max_bytes=10_000)


def test_an_unreachable_feed_is_an_input_error_not_a_crash():
    with pytest.raises(InputError, match="could not be fetched"):
        fetch_feed(feed("http://127.0.0.1:9/feed"), timeout=1, max_bytes=10_000)


@pytest.mark.parametrize(
    "data",
    [b"", b"  \n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04\x14\x00", b"just words"],
    ids=["empty", "blank", "png", "zip", "text"],
)
def test_an_empty_or_binary_feed_is_an_input_error_naming_the_feed_and_the_fix(data):
    with pytest.raises(InputError) as err:
        parse_feed(data, feed("https://www.google.com/alerts/feeds/1/2", name="Brand alerts"))
    assert "feed 'Brand alerts'" in str(err.value)
    assert err.value.fix
