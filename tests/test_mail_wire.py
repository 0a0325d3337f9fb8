"""A composed email is written to bytes once, by hand: it reads exactly as the email package's
own message would, and the spool and every transport get those same bytes."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

import pytest

from automation.mail.compose import clean_header_text, compose, message_parts, render
from automation.mail.spool import Spool
from automation.mail.wire import ComposedEmail, from_wire, multipart, text_part
from jobs.base import InlineImage, OutgoingMessage
from sheets_schema.settings import Settings
from tests.conftest import TZ, make_settings
from tests.test_mail_compose import PNG, sample_message, write_sample_templates

AT = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)
OTHER_PNG = PNG.replace(b"IEND", b"IEND") + b"\x00" * 300  # bytes of a second, bigger image


def by_the_book(message: OutgoingMessage, settings: Settings, templates: Path) -> EmailMessage:
    """The same email built part by part with the email package (how Chorus built it before)."""
    context = dict(message.context)
    context.update(
        org_name=settings.organisation.name,
        recipient_name=message.to_name,
        recipient_email=message.to_email,
        subject=clean_header_text(message.subject),
    )
    text, html = render(message.template, context, search_path=[templates])
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = Address(settings.mail.sender_name, addr_spec=settings.mail.sender)
    msg["To"] = Address(clean_header_text(message.to_name), addr_spec=message.to_email)
    msg["Subject"] = clean_header_text(message.subject)
    msg["Date"] = format_datetime(AT)
    msg["Message-ID"] = message.message_id(settings.sender_domain)
    msg["X-Chorus-Job"] = message.job
    msg["X-Chorus-Period"] = message.period
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    for image in message.images:
        assert isinstance(image.data, bytes)
        html_part.add_related(
            image.data,
            maintype="image",
            subtype=image.mime_subtype,
            cid=f"<{image.cid}>",
            filename=image.filename,
            disposition="inline",
        )
    return msg


def shape(msg: EmailMessage) -> list[tuple[str, str | None, str | None]]:
    """Every part's content type, Content-ID and file name, in order."""
    return [
        (part.get_content_type(), part.get("Content-ID"), part.get_filename())
        for part in msg.walk()
    ]


def reads_as(msg: EmailMessage) -> dict[str, object]:
    """What a mail client shows: the decoded headers, the text, the HTML, the images."""
    text, html, images = message_parts(msg)
    headers = {
        name: str(msg[name])
        for name in ("From", "To", "Subject", "Date", "Message-ID", "X-Chorus-Job")
    }
    return {"headers": headers, "text": text, "html": html, "images": images, "shape": shape(msg)}


AWKWARD = {
    "plain": {},
    "a name with a comma and quotes": {"to_name": 'Smith, Pat "PJ" O\'Neil'},
    "a name in Greek and a long subject": {
        "to_name": "Ελένη Παπαδοπούλου",
        "subject": "Your weekly summary — " + "posts, mentions and the policy " * 4,
    },
    "a header injection attempt": {"to_name": "Eve\r\nBcc: all@example.org", "subject": "Hi\nX: y"},
    "long lines and accents in the body": {
        "context": {
            "count": 1,
            "when": "2026-11-24",
            "queue_url": "https://example.org/" + "x" * 300,
            "other_url": "https://example.org/café",
            "chart_cid": "chart-1@chorus",
        }
    },
    "two images, one with a name that needs encoding": {
        "images": (
            InlineImage(cid="chart-1@chorus", data=PNG, filename="chart.png"),
            InlineImage(cid="logo@chorus", data=OTHER_PNG, filename="Logo für Ü.png"),
        )
    },
    "no image": {"images": ()},
}


@pytest.mark.parametrize("case", AWKWARD)
def test_a_composed_email_reads_exactly_as_the_email_package_would_build_it(
    tmp_path: Path, case: str
) -> None:
    templates = write_sample_templates(tmp_path / "templates")
    settings = make_settings(tmp_path)
    message = sample_message(**AWKWARD[case])
    built = compose(message, settings, now=AT, search_path=[templates])
    sent = BytesParser(policy=policy.default).parsebytes(built.as_bytes())
    expected = by_the_book(message, settings, templates)
    again = BytesParser(policy=policy.default).parsebytes(expected.as_bytes())
    assert reads_as(sent) == reads_as(again)  # type: ignore[arg-type]
    longest = max(map(len, expected.as_bytes().split(b"\r\n")))  # 78, or one encoded word over
    assert max(map(len, built.as_bytes().split(b"\r\n"))) <= max(longest, 78)
    assert b"\n" not in built.as_bytes().replace(b"\r\n", b"")


def test_the_bytes_are_built_once_and_the_parts_parsed_only_when_asked(tmp_path: Path) -> None:
    templates = write_sample_templates(tmp_path / "templates")
    built = compose(sample_message(), make_settings(tmp_path), now=AT, search_path=[templates])
    assert isinstance(built, ComposedEmail)
    wire = built.as_bytes()
    assert built.as_bytes() is wire and bytes(built) is wire
    assert built["Message-ID"] == sample_message().message_id("example.org")
    assert "_wire" in built.__dict__  # reading a header parsed no part
    text, html, images = message_parts(built)
    assert text.startswith("Hello Zoë Brontë\n") and "<h1" in html
    assert images == {"chart-1@chorus": (PNG, "chart.png")}
    reparsed = BytesParser(policy=policy.SMTP).parsebytes(built.as_bytes().replace(b"\r\n", b"\n"))
    assert message_parts(reparsed) == (text, html, images)  # type: ignore[arg-type]


def test_a_header_changed_after_composing_is_in_the_bytes(tmp_path: Path) -> None:
    templates = write_sample_templates(tmp_path / "templates")
    built = compose(sample_message(), make_settings(tmp_path), now=AT, search_path=[templates])
    del built["Subject"]
    built["Subject"] = "Changed"
    parsed = BytesParser(policy=policy.default).parsebytes(built.as_bytes())
    assert parsed["Subject"] == "Changed"
    assert message_parts(parsed)[2] == {"chart-1@chorus": (PNG, "chart.png")}  # type: ignore[arg-type]


def test_the_same_message_composed_twice_is_the_same_bytes(tmp_path: Path) -> None:
    templates = write_sample_templates(tmp_path / "templates")
    settings = make_settings(tmp_path)
    first = compose(sample_message(), settings, now=AT, search_path=[templates])
    second = compose(sample_message(), settings, now=AT, search_path=[templates])
    assert first.as_bytes() == second.as_bytes()


def test_a_boundary_found_in_a_part_is_lengthened_until_it_is_in_none() -> None:
    probe = multipart("mixed", [b"x"], "seed")
    boundary = probe.split(b'boundary="', 1)[1].split(b'"', 1)[0].decode()
    part = text_part(f"--{boundary}\n--{boundary}x\n", "plain")
    built = multipart("mixed", [part], "seed")
    used = built.split(b'boundary="', 1)[1].split(b'"', 1)[0]
    assert used == boundary.encode() + b"xx"
    parsed = BytesParser(policy=policy.default).parsebytes(built)
    contents = [p.get_content().replace("\r\n", "\n") for p in parsed.iter_parts()]  # type: ignore[attr-defined]
    assert contents == [f"--{boundary}\n--{boundary}x\n"]


def test_the_spool_gives_back_the_very_bytes_it_was_given(tmp_path: Path) -> None:
    templates = write_sample_templates(tmp_path / "templates")
    built = compose(sample_message(), make_settings(tmp_path), now=AT, search_path=[templates])
    spool = Spool(tmp_path / "spool")
    spool.put(str(built["Message-ID"]), built)
    back = spool.get(str(built["Message-ID"]))
    assert isinstance(back, ComposedEmail) and back.as_bytes() == built.as_bytes()
    assert message_parts(back) == message_parts(built)


def test_a_message_file_with_plain_newlines_is_read_whole() -> None:
    data = b"From: a@example.org\nSubject: hi\n\nbody\n"
    back = from_wire(data)
    assert not isinstance(back, ComposedEmail)
    assert back["Subject"] == "hi" and back.get_content() == "body\n"  # type: ignore[attr-defined]
