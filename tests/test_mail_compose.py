"""Composing emails: both parts, the right headers, safe links, no header injection."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from automation.mail.compose import (
    clean_header_text,
    compose,
    date_filter,
    datetime_filter,
    message_parts,
    plural_filter,
    render,
)
from jobs.base import InlineImage, OutgoingMessage
from tests.conftest import TZ, make_settings

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

SAMPLE_HTML = """{% extends "_layout.html.j2" %}
{% block content %}
<h1>Hello {{ recipient_name }}</h1>
<p class="lead">You have {{ count|plural('post') }} due {{ when|date }}.</p>
<p>Open {{ queue_url|link("the queue") }}; also {{ other_url|link }}.</p>
<img class="chart" src="cid:{{ chart_cid }}" alt="Posts per week">
{% endblock %}
"""
SAMPLE_TXT = """{% extends "_layout.txt.j2" %}
{% block content %}
Hello {{ recipient_name }}
You have {{ count|plural('post') }} due {{ when|date }}.
Open {{ queue_url|link("the queue") }}; also {{ other_url|link }}.
{% endblock %}
"""


def write_sample_templates(folder: Path) -> Path:
    """A small template that uses the layout and every filter (tests own it, not the package)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sample.html.j2").write_text(SAMPLE_HTML, encoding="utf-8")
    (folder / "sample.txt.j2").write_text(SAMPLE_TXT, encoding="utf-8")
    return folder


def sample_message(**overrides: object) -> OutgoingMessage:
    values: dict = dict(
        job="brief",
        period="2026-11-24",
        to_email="zoe@example.org",
        to_name="Zoë Brontë",
        subject="Your brief for Tuesday — 3 posts",
        template="sample",
        context={
            "count": 3,
            "when": "2026-11-24",
            "queue_url": "https://example.org/queue?a=1&b=2",
            "other_url": "javascript:alert(1)",
            "chart_cid": "chart-1@chorus",
        },
        images=(InlineImage(cid="chart-1@chorus", data=PNG, filename="chart.png"),),
    )
    values.update(overrides)
    return OutgoingMessage(**values)


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    return write_sample_templates(tmp_path / "templates")


def start_tags(html: str) -> set[str]:
    """The element names a browser would build from this HTML."""
    from html.parser import HTMLParser

    found: set[str] = set()

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: object) -> None:
            found.add(tag)

    Tags().feed(html)
    return found


def compose_sample(tmp_path: Path, templates: Path, **overrides: object) -> EmailMessage:
    settings = make_settings(tmp_path, mail={"reply_to": "team@example.org"})
    at = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)
    return compose(sample_message(**overrides), settings, now=at, search_path=[templates])


def reparse(msg: EmailMessage) -> EmailMessage:
    return message_from_bytes(msg.as_bytes(policy=policy.SMTP), policy=policy.default)  # type: ignore[return-value]


def test_email_has_text_and_html_parts_with_image_by_content_id(
    tmp_path: Path, templates: Path
) -> None:
    msg = reparse(compose_sample(tmp_path, templates))
    assert msg.get_content_type() == "multipart/alternative"
    text_part, related = msg.get_payload()
    assert text_part.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<chart-1@chorus>"
    assert image.get_payload(decode=True) == PNG
    text, html, images = message_parts(msg)
    assert "You have 3 posts due Tue 24 Nov 2026." in text
    assert 'src="cid:chart-1@chorus"' in html
    assert images == {"chart-1@chorus": (PNG, "chart.png")}


def test_headers_name_sender_recipient_and_job_with_utf8_encoded(
    tmp_path: Path, templates: Path
) -> None:
    raw = compose_sample(tmp_path, templates).as_bytes(policy=policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # all headers are 7-bit on the wire
    msg = reparse(compose_sample(tmp_path, templates))
    assert msg["From"] == "Example Org social media <social@example.org>"
    assert msg["To"] == "Zoë Brontë <zoe@example.org>"
    assert msg["Subject"] == "Your brief for Tuesday — 3 posts"
    assert "=?utf-8?" in head
    assert msg["Reply-To"] == "team@example.org"
    assert msg["Date"] == "Tue, 24 Nov 2026 08:30:00 +0000"
    assert msg["X-Chorus-Job"] == "brief"
    assert msg["X-Chorus-Period"] == "2026-11-24"
    assert msg["Auto-Submitted"] == "auto-generated"
    expected_id = sample_message().message_id("example.org")
    assert msg["Message-ID"] == expected_id
    assert expected_id.startswith("<chorus.brief.2026-11-24.") and expected_id.endswith(
        "@example.org>"
    )


def test_same_message_gets_same_message_id_on_every_run(tmp_path: Path, templates: Path) -> None:
    first = compose_sample(tmp_path, templates)
    second = compose_sample(tmp_path, templates, to_name="Zoe B")
    other = compose_sample(tmp_path, templates, period="2026-11-25")
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"] != other["Message-ID"]


@pytest.mark.parametrize(
    "name",
    [
        "Mallory\r\nBcc: everyone@evil.test",
        "Mallory\nBcc: everyone@evil.test",
        "Mallory\rBcc: everyone@evil.test",
        "Mallory\u2028Bcc: everyone@evil.test",
        "Mallory\x00\x85Bcc: everyone@evil.test",
    ],
)
def test_line_breaks_in_a_name_never_add_a_header(
    tmp_path: Path, templates: Path, name: str
) -> None:
    msg = compose_sample(tmp_path, templates, to_name=name, subject=f"Hi\r\nX-Evil: {name}")
    raw = msg.as_bytes(policy=policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    header_names = [
        line.split(b":", 1)[0].lower()
        for line in head.split(b"\r\n")
        if line[:1] not in (b" ", b"\t")
    ]
    assert b"bcc" not in header_names
    assert b"x-evil" not in header_names
    parsed = reparse(msg)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["To"].addresses[0].addr_spec == "zoe@example.org"
    assert "Bcc: everyone@evil.test" in parsed["To"].addresses[0].display_name


def test_clean_header_text_turns_control_characters_into_spaces() -> None:
    assert clean_header_text("A\r\nB\tC\x00D\u2028E\u200bF") == "A B C D E F"
    assert clean_header_text("  Zoë  ") == "Zoë"


def test_only_http_links_become_anchors_and_everything_is_escaped(templates: Path) -> None:
    context = dict(sample_message().context)
    cases = {
        "javascript:alert(1)": "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>": "data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;",
        "mailto:boss@example.org": "mailto:boss@example.org",
        'https://example.org/"><script>': None,
    }
    for url, shown in cases.items():
        context["other_url"] = url
        text, html = render("sample", context, search_path=[templates])
        assert "script" not in start_tags(html)
        if shown is not None:
            assert f"also {shown}." in html
            assert f'href="{url.split(",")[0]}' not in html
    context["other_url"] = "javascript:alert(1)"
    _, html = render("sample", context, search_path=[templates])
    assert '<a href="https://example.org/queue?a=1&amp;b=2"' in html
    assert ">the queue</a>" in html
    text, _ = render("sample", context, search_path=[templates])
    assert "Open the queue (https://example.org/queue?a=1&b=2)" in text


def test_names_with_markup_are_escaped_in_html_but_plain_in_text(templates: Path) -> None:
    context = dict(sample_message().context, recipient_name="<b>Bob</b> & Co")
    text, html = render("sample", context, search_path=[templates])
    assert "Hello &lt;b&gt;Bob&lt;/b&gt; &amp; Co" in html
    assert "Hello <b>Bob</b> & Co" in text


def test_css_is_inlined_and_footer_says_who_sent_it_and_why(
    tmp_path: Path, templates: Path
) -> None:
    msg = compose_sample(tmp_path, templates)
    text, html, _ = message_parts(msg)
    assert '<h1 style="' in html
    assert "max-width: 640px" in html
    assert "Sent by Chorus for Example Org · why you got this:" in html
    assert "Sent by Chorus for Example Org · why you got this:" in text
    assert "@media (max-width: 480px)" in html  # the mobile rules survive inlining


def test_layout_renders_on_its_own_with_only_standard_keys() -> None:
    text, html = render("_layout", {"org_name": "Example Org", "why": "you asked for it."})
    assert "why you got this: you asked for it." in text
    assert "why you got this: you asked for it." in html


def test_filters_format_dates_times_and_plurals() -> None:
    assert date_filter("2026-11-24") == "Tue 24 Nov 2026"
    assert date_filter(date(2026, 11, 24), "%d/%m") == "24/11"
    assert date_filter("not a date") == "not a date"
    assert datetime_filter("2026-11-24 08:30") == "Tue 24 Nov 2026, 08:30"
    assert datetime_filter(datetime(2026, 11, 24, 17, 5, tzinfo=TZ)) == "Tue 24 Nov 2026, 17:05"
    assert datetime_filter("2026-11-24") == "Tue 24 Nov 2026"
    assert plural_filter(1, "post") == "1 post"
    assert plural_filter(0, "post") == "0 posts"
    assert plural_filter(3, "reply") == "3 replies"
    assert plural_filter(2, "mention") == "2 mentions"
    assert plural_filter("2", "person", "people") == "2 people"
    assert plural_filter(2, "match") == "2 matches"


PARTS_HTML = """{% extends "_layout.html.j2" %}
{% block content %}
{% for section in sections %}
{{ render_part("part.html.j2", section) -}}
{% endfor %}
{% endblock %}
"""
PART_HTML = "<p>{{ section.title }} for {{ recipient_name or 'everyone' }}</p>\n"


class Shown:
    """A value that counts how often a template shows it."""

    def __init__(self, text: str) -> None:
        self.text, self.times = text, 0

    def __str__(self) -> str:
        self.times += 1
        return self.text


def write_part_templates(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "parts.html.j2").write_text(PARTS_HTML, encoding="utf-8")
    (folder / "parts.txt.j2").write_text(PARTS_HTML.replace(".html", ".txt"), encoding="utf-8")
    (folder / "part.html.j2").write_text(PART_HTML, encoding="utf-8")
    (folder / "part.txt.j2").write_text(PART_HTML, encoding="utf-8")
    return folder


def test_a_read_only_part_is_rendered_once_for_every_recipient_and_sees_no_name(
    tmp_path: Path,
) -> None:
    from types import MappingProxyType

    folder = write_part_templates(tmp_path / "templates")
    title = Shown("Posts")
    shared = MappingProxyType({"title": title})
    for name in ("Ann", "Bob", "Cy"):
        text, html = render(
            "parts", {"sections": [shared], "recipient_name": name}, search_path=[folder]
        )
        assert ">Posts for everyone</p>" in html  # the same for all: never one reader's name
        assert "Posts for everyone" in text
    assert title.times == 2  # once for the HTML, once for the text, whoever reads it


def test_a_part_of_one_recipients_own_is_rendered_for_each_with_the_whole_context(
    tmp_path: Path,
) -> None:
    folder = write_part_templates(tmp_path / "templates")
    for name in ("Ann", "Bob"):
        own = {"title": "Your team"}
        text, html = render(
            "parts", {"sections": [own], "recipient_name": name}, search_path=[folder]
        )
        assert f">Your team for {name}</p>" in html
        assert f"Your team for {name}" in text


def test_compiled_templates_are_kept_for_the_next_run_and_read_the_same(
    tmp_path: Path, templates: Path
) -> None:
    from automation.mail.compose import template_environment

    kept = tmp_path / "state" / "templates"
    context = {"recipient_name": "Ann", "count": 2, "when": "2026-11-24"}
    first = render("sample", context, search_path=[templates], compiled=kept)
    files = sorted(p.name for p in kept.iterdir())
    assert len(files) == 4  # the sample and the layout, text and HTML: one file each
    template_environment.cache_clear()  # a later run, in a new process
    assert render("sample", context, search_path=[templates], compiled=kept) == first
    assert sorted(p.name for p in kept.iterdir()) == files
    for path in kept.iterdir():
        path.write_bytes(path.read_bytes()[:20])  # damaged, say by a full disk
    template_environment.cache_clear()
    assert render("sample", context, search_path=[templates], compiled=kept) == first


def test_an_edited_template_is_compiled_anew_not_read_from_the_kept_file(
    tmp_path: Path, templates: Path
) -> None:
    from automation.mail.compose import template_environment

    kept = tmp_path / "state" / "templates"
    context = {"recipient_name": "Ann", "count": 2, "when": "2026-11-24"}
    render("sample", context, search_path=[templates], compiled=kept)
    edited = SAMPLE_TXT.replace("Hello", "Good morning")
    (templates / "sample.txt.j2").write_text(edited, encoding="utf-8")
    template_environment.cache_clear()
    text, _ = render("sample", context, search_path=[templates], compiled=kept)
    assert "Good morning Ann" in text


def test_a_state_folder_that_cannot_be_written_still_renders(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "state"
    not_a_folder.write_text("a file where the state folder should be\n", encoding="utf-8")
    text, _ = render("_layout", {"org_name": "Example Org"}, compiled=not_a_folder / "templates")
    assert "Sent by Chorus for Example Org" in text


ROWS_HTML = """{% extends "_layout.html.j2" %}
{% block content %}
<p>Hello {{ recipient_name }}</p>
<table class="data">
<tr><th>Section</th></tr>
{% for section in sections %}
{{ render_part("row.html.j2", section) -}}
{% endfor %}
</table>
{% endblock %}
"""
ROW_HTML = (
    '<tr><td data-label="Section"><a href="https://example.org">{{ section.title }}</a></td></tr>\n'
)


def test_a_shared_part_inlined_once_reads_exactly_as_the_whole_message_inlined(
    tmp_path: Path,
) -> None:
    from types import MappingProxyType

    once, included = tmp_path / "once", tmp_path / "included"
    include = '{% include "row.html.j2" %}'
    for folder, rows in (
        (once, ROWS_HTML),
        (included, ROWS_HTML.replace('{{ render_part("row.html.j2", section) -}}', include)),
    ):
        folder.mkdir()
        (folder / "rows.html.j2").write_text(rows, encoding="utf-8")
        (folder / "rows.txt.j2").write_text("{{ recipient_name }}\n", encoding="utf-8")
        (folder / "row.html.j2").write_text(ROW_HTML, encoding="utf-8")
    # table rows: where an HTML parser moves away anything that is not a row
    shared = MappingProxyType({"title": "Posts & goals"})
    for name in ("Ann", "Bob", "Cy"):
        context = {"sections": [shared, {"title": f"Team {name}"}], "recipient_name": name}
        _, html = render("rows", context, search_path=[once])
        assert html == render("rows", context, search_path=[included])[1]
        assert "chorus-part" not in html
        assert f">Team {name}</a>" in html and ">Posts &amp; goals</a>" in html
