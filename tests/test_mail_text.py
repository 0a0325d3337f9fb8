"""Turning forwarded mail into a headline, readable text and the links that matter."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.policy import SMTP

from jobs.mail_text.forwards import headline_from_subject
from jobs.mail_text.headers import message_key, parse_message
from jobs.mail_text.links import MailLink, real_link
from jobs.mail_text.read import html_to_text, read_message

MAILCHIMP = "https://sectorweekly.us5.list-manage.com/track/click?u=8f2c1d0e9b7a6&id=41b2c3d4e5&e=9a8b7c6d5e"
ARTICLE = (
    "https://www.sectorweekly.example/2026/11/charity-law-reform"
    "?utm_source=Sector+Weekly&utm_medium=email&utm_campaign=nov26&ref=nl&mc_cid=41b2c3d4e5"
)
GOOGLE = "https://www.google.com/url?q=https://www.gov.example/consultation%3Fid%3D7%26utm_source%3Dx&sa=D&ust=1&usg=AOv"
SAFELINK = (
    "https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevents.example.org%2Fwebinar"
    "%3Futm_campaign%3Dx&data=05%7C01&sdata=abc&reserved=0"
)


#: the receiving server's authserv-id in tests (conftest's [inbox] authserv_id)
AUTHSERV = "mx.example.org"


def auth_results(sender: str, *, result: str = "pass", authserv: str = AUTHSERV) -> str:
    """The Authentication-Results value the receiving server writes for a sender's domain."""
    domain = sender.rsplit("@", 1)[-1].strip(" >").lower()
    return (
        f"{authserv}; dkim={result} header.d={domain} header.s=s1; "
        f"spf={result} smtp.mailfrom={domain}; dmarc={result} (p=reject) header.from={domain}"
    )


def _vouched(msg: EmailMessage) -> EmailMessage:
    """The message as delivered: the receiving server's verdict on top of its headers."""
    msg["Authentication-Results"] = auth_results(str(msg["From"]))
    return msg


def newsletter_forward(sender: str = "Ann Archer <ann@example.org>") -> EmailMessage:
    """A Gmail forward of an HTML newsletter (multipart/alternative) full of tracking."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "social@example.org"
    msg["Subject"] = "Fwd: Sector Weekly: charity law reform, webinar dates"
    msg["Date"] = "Mon, 23 Nov 2026 09:15:00 +0000"
    msg["Message-ID"] = "<CAF=newsletter.1@mail.gmail.com>"
    text = (
        "Worth a LinkedIn post?\n\n---------- Forwarded message ---------\n"
        "From: Sector Weekly <news@sectorweekly.example>\nDate: Mon, 23 Nov 2026 at 07:00\n"
        "Subject: Sector Weekly: charity law reform, webinar dates\nTo: <ann@example.org>\n\n"
        f"Charity law reform: what changes in April\n{MAILCHIMP}\n"
    )
    html = f"""<html><head><style>p {{ color: red; }}</style></head><body>
<div dir="ltr">Worth a LinkedIn post?<br></div>
<div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------<br>
From: <strong>Sector Weekly</strong> &lt;news@sectorweekly.example&gt;<br>
Date: Mon, 23 Nov 2026 at 07:00<br>Subject: Sector Weekly: charity law reform, webinar dates<br>
To: &lt;ann@example.org&gt;<br></div><br>
<span style="display: none; max-height: 0">Your weekly sector briefing preheader</span>
<table><tr><td><a href="https://sectorweekly.us5.campaign-archive.com/?u=8f2&amp;id=41b">View this email in your browser</a></td></tr>
<tr><td><h1><a href="{MAILCHIMP}">Charity law reform: what changes in April</a></h1>
<p>Trustees will have new duties &amp; powers from April.</p>
<p><a href="{ARTICLE.replace("&", "&amp;")}">Read the full article</a></p>
<ul><li>Webinar: <a href="{SAFELINK.replace("&", "&amp;")}">book your place</a></li>
<li>Consultation: <a href="{GOOGLE.replace("&", "&amp;")}">respond here</a></li></ul>
<p><a href="mailto:editor@sectorweekly.example">Write to the editor</a></p>
<p><a href="https://www.linkedin.com/company/sector-weekly"><img src="li.png" alt="LinkedIn"></a>
<a href="https://twitter.com/sectorweekly">X</a> <a href="https://www.facebook.com/SectorWeekly">Facebook</a>
<a href="https://www.instagram.com/sectorweekly/">Instagram</a></p></td></tr>
<tr><td><p>Copyright © 2026 Sector Weekly, All rights reserved.<br>
You are receiving this email because you opted in via our website.</p>
<p>Our mailing address is: Sector Weekly, 1 High St, Leeds</p>
<p><a href="https://sectorweekly.us5.list-manage.com/profile?u=8f2&amp;id=41b">update your preferences</a> or
<a href="https://sectorweekly.us5.list-manage.com/unsubscribe?u=8f2&amp;id=41b">unsubscribe from this list</a></p>
</td></tr></table></div></body></html>"""
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return _vouched(msg)


def press_release(sender: str = "Bob Baker <bob@example.org>") -> EmailMessage:
    """A plain-text press release sent straight to the inbox."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "social@example.org"
    msg["Subject"] = "PRESS RELEASE: Example Org opens a Leeds office"
    msg["Date"] = "Tue, 24 Nov 2026 07:30:00 +0000"
    msg["Message-ID"] = "<press-leeds-office@example.org>"
    msg.set_content(
        "FOR IMMEDIATE RELEASE\n\n"
        "Example Org opens its first office in Leeds on 1 December, with 25 new jobs.\n\n"
        "Details: https://www.example.org/news/leeds-office?utm_source=newsletter&utm_medium=email\n\n"
        "ENDS\n\n-- \nBob Baker\nHead of Communications\n\nSent from my iPhone\n"
    )
    return _vouched(msg)


def reply_chain(sender: str = "Carol Cho <carol@example.org>") -> EmailMessage:
    """Re: Re: with quoted lines, an 'On ... wrote:' line and an Outlook original-message block."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "social@example.org"
    msg["Subject"] = "RE: Re: Volunteering day photos"
    msg["Date"] = "Tue, 24 Nov 2026 10:02:00 +0000"
    msg["Message-ID"] = "<reply-chain-3@example.org>"
    msg["In-Reply-To"] = "<reply-chain-2@example.org>"
    msg.set_content(
        "Adding the social inbox. The team planted 300 trees at Roundhay on Saturday; "
        "everyone in the photos agreed to be shown.\n"
        "Album: https://photos.example.org/albums/roundhay\n\nCarol\n\n"
        "-----Original Message-----\nFrom: Dan Diaz <dan@example.org>\n"
        "Sent: 23 November 2026 17:40\nTo: Carol Cho <carol@example.org>\n"
        "Subject: Re: Volunteering day photos\n\nCan we post these? Private thoughts about the budget.\n\n"
        "On Mon, 23 Nov 2026 at 09:02, Carol Cho <carol@example.org> wrote:\n"
        "> Here are the photos from Saturday.\n> https://photos.example.org/private/raw\n"
    )
    return _vouched(msg)


def unknown_sender() -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Growth Team <hello@rankboost.example>"
    msg["To"] = "social@example.org"
    msg["Subject"] = "10x your followers"
    msg["Date"] = "Tue, 24 Nov 2026 06:12:00 +0000"
    msg["Message-ID"] = "<spam-1@rankboost.example>"
    msg.set_content("Reply YES for a free audit. https://rankboost.example/audit\n")
    return _vouched(msg)


LATIN1_SUBJECT = "Réunion à Zürich"
ENCODED_QP = (
    b"Authentication-Results: " + auth_results("ann@example.org").encode() + b"\r\n"
    b"From: Ann Archer <ann@example.org>\r\nTo: social@example.org\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9_Society?= opens in Leeds\r\n"
    b"Date: Tue, 24 Nov 2026 07:48:00 +0000\r\nMessage-ID: <cafe-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    b"Our client Caf=C3=A9 Society opens in Leeds; founder Jos=C3=A9 N=C3=BA=C3=B1ez is happy=\r\n"
    b" for us to share it. =E2=82=AC5 vouchers for the first 100.\r\n"
)
ENCODED_B64 = (
    b"Authentication-Results: " + auth_results("bob@example.org").encode() + b"\r\n"
    b"From: Bob Baker <bob@example.org>\r\nTo: social@example.org\r\n"
    b"Subject: =?iso-8859-1?b?"
    + base64.b64encode(LATIN1_SUBJECT.encode("latin-1"))
    + b"?=\r\nDate: Tue, 24 Nov 2026 08:00:00 +0000\r\nMessage-ID: <zurich-1@example.org>\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    + base64.encodebytes("Grüße aus Zürich: das Team trifft sich am Montag.\n".encode("latin-1"))
)


def test_forwarded_newsletter_gives_the_newsletter_without_footer_or_preheader() -> None:
    content = read_message(newsletter_forward().as_bytes())
    assert content.forwarded
    assert content.headline == "Sector Weekly: charity law reform, webinar dates"
    assert content.note == "Worth a LinkedIn post?"
    assert content.original_sender == "Sector Weekly <news@sectorweekly.example>"
    assert content.sender == "ann@example.org" and content.sender_name == "Ann Archer"
    assert content.text.splitlines()[0] == "Charity law reform: what changes in April"
    assert "Trustees will have new duties & powers from April." in content.text
    assert "- Webinar: book your place" in content.text
    for gone in ("preheader", "browser", "unsubscribe", "preferences", "rights reserved",
                 "mailing address", "Forwarded message", "color: red"):  # fmt: skip
        assert gone not in content.text


def test_newsletter_links_are_unwrapped_cleaned_and_trackers_marked() -> None:
    links = read_message(newsletter_forward()).links
    assert [(link.url, link.label, link.tracker) for link in links] == [
        (
            "https://www.sectorweekly.example/2026/11/charity-law-reform?ref=nl",
            "Read the full article",
            "",
        ),
        ("https://events.example.org/webinar", "book your place", ""),
        ("https://www.gov.example/consultation?id=7", "respond here", ""),
        (MAILCHIMP, "Charity law reform: what changes in April", "Mailchimp"),
    ]


def test_redirects_with_the_real_address_inside_are_unwrapped() -> None:
    cases = {
        GOOGLE: "https://www.gov.example/consultation?id=7",
        SAFELINK: "https://events.example.org/webinar",
        "https://urldefense.proofpoint.com/v2/url?u=https-3A__www.example.com_news_item-3Fa-3D1&d=DwMF&c=x":
            "https://www.example.com/news/item?a=1",
        "https://urldefense.com/v3/__https://www.example.com/report__;!!ABC123!xyz$":
            "https://www.example.com/report",
        "https://click.example.net/r?redirect=https%3A%2F%2Fnews.example.com%2Fstory%3Futm_medium%3Demail":
            "https://news.example.com/story",
        "https://links.example.com/c?u=https://blog.example.com/post&utm_source=x":
            "https://blog.example.com/post",
    }  # fmt: skip
    for wrapped, real in cases.items():
        assert real_link(wrapped) == MailLink(real), wrapped


def test_opaque_tracking_links_are_kept_but_not_passed_off_as_the_real_address() -> None:
    link = real_link(MAILCHIMP, "Read more")
    assert link == MailLink(MAILCHIMP, "Read more", "Mailchimp")
    assert "Mailchimp tracking link" in link.describe()
    sendgrid = real_link("https://u123.ct.sendgrid.net/ls/click?upn=abcDEF")
    assert sendgrid is not None and sendgrid.tracker == "SendGrid"


def test_unsubscribe_profile_mailto_and_social_profile_links_are_left_out() -> None:
    for url, label in (
        ("https://sectorweekly.us5.list-manage.com/unsubscribe?u=1&id=2", ""),
        ("https://news.example.com/email-preferences?id=5", ""),
        ("https://news.example.com/article", "Unsubscribe"),
        ("https://news.example.com/web/123", "View this email in your browser"),
        ("mailto:editor@example.com", "Write to us"),
        ("https://www.linkedin.com/company/example", ""),
        ("https://uk.linkedin.com/in/some-person", ""),
        ("https://x.com/example", ""),
        ("https://twitter.com/example", ""),
        ("https://www.facebook.com/ExamplePage", ""),
        ("https://www.instagram.com/example/", ""),
        ("https://www.youtube.com/@example", ""),
    ):
        assert real_link(url, label) is None, url
    # Posts are content, not profiles.
    assert real_link("https://x.com/example/status/1861000000000000000") is not None
    assert real_link("https://www.linkedin.com/posts/example_activity-123") is not None
    assert real_link("https://www.instagram.com/p/C0abc123/") is not None


def test_headline_drops_reply_and_forward_prefixes_however_repeated() -> None:
    assert headline_from_subject("Fwd: FW: Re: AW: WG: TR: Fw: Annual report") == "Annual report"
    assert headline_from_subject("RE: Re[2]: [EXTERNAL] Fwd:  Awards  night") == "Awards night"
    assert headline_from_subject("Review: Q3 results") == "Review: Q3 results"
    assert headline_from_subject("Trends: what's next") == "Trends: what's next"


def test_plain_text_press_release_keeps_its_text_and_drops_signature() -> None:
    content = read_message(press_release())
    assert not content.forwarded and content.note == ""
    assert content.headline == "PRESS RELEASE: Example Org opens a Leeds office"
    assert content.text == (
        "FOR IMMEDIATE RELEASE\n\nExample Org opens its first office in Leeds on 1 December, "
        "with 25 new jobs.\n\nDetails: https://www.example.org/news/leeds-office\n\nENDS"
    )
    assert content.links == (
        MailLink("https://www.example.org/news/leeds-office", "Details", inline=True),
    )


def test_reply_chain_keeps_only_the_newest_words() -> None:
    content = read_message(reply_chain())
    assert content.headline == "Volunteering day photos"
    assert not content.forwarded
    assert content.text == (
        "Adding the social inbox. The team planted 300 trees at Roundhay on Saturday; everyone "
        "in the photos agreed to be shown.\nAlbum: https://photos.example.org/albums/roundhay\n\nCarol"
    )
    assert [link.url for link in content.links] == ["https://photos.example.org/albums/roundhay"]


def test_outlook_from_sent_block_and_wrapped_wrote_line_end_a_reply() -> None:
    msg = EmailMessage()
    msg["From"] = "ann@example.org"
    msg["Subject"] = "RE: Award shortlist"
    msg.set_content(
        "We made the shortlist!\n\n"
        "________________________________\nFrom: Awards Team <awards@example.com>\n"
        "Sent: Monday, November 23, 2026 4:10 PM\nTo: Ann Archer\nSubject: Award shortlist\n\n"
        "Congratulations, internal details follow.\n"
    )
    assert read_message(msg).text == "We made the shortlist!"
    msg = EmailMessage()
    msg["From"] = "ann@example.org"
    msg["Subject"] = "Re: Award shortlist"
    msg.set_content(
        "Yes, share it.\n\nOn Mon, 23 Nov 2026 at 16:10, Awards Team <\nawards@example.com> wrote:\n"
        "> Congratulations\n"
    )
    assert read_message(msg).text == "Yes, share it."


def test_outlook_forward_uses_the_original_message_block() -> None:
    msg = EmailMessage()
    msg["From"] = "Bob Baker <bob@example.org>"
    msg["Subject"] = "FW: Partner news"
    msg.set_content(
        "FYI, they are happy for us to share.\n\n-----Original Message-----\n"
        "From: Press Office <press@partner.example> [mailto:press@partner.example]\n"
        "Sent: 23 November 2026 09:00\nTo: Bob Baker\nSubject: Partner news\n\n"
        "Partner Ltd wins the regional award.\n"
    )
    content = read_message(msg)
    assert content.forwarded
    assert content.note == "FYI, they are happy for us to share."
    assert content.original_sender == "Press Office <press@partner.example>"
    assert content.text == "Partner Ltd wins the regional award."


def test_non_ascii_encoded_subjects_and_bodies_are_decoded() -> None:
    cafe = read_message(ENCODED_QP)
    assert cafe.headline == "Café Society opens in Leeds"
    assert "founder José Núñez is happy for us to share it. €5 vouchers" in cafe.text
    zurich = read_message(ENCODED_B64)
    assert zurich.headline == LATIN1_SUBJECT
    assert zurich.text == "Grüße aus Zürich: das Team trifft sich am Montag."


def test_attachments_are_named_not_opened_and_an_attached_message_is_the_content() -> None:
    inner = press_release(sender="Press Office <press@partner.example>")
    msg = EmailMessage()
    msg["From"] = "ann@example.org"
    msg["Subject"] = "Fwd: PRESS RELEASE"
    msg.set_content("")
    msg.add_attachment(
        b"%PDF-1.7 not read", maintype="application", subtype="pdf", filename="brochure.pdf"
    )
    msg.add_attachment(inner)
    content = read_message(msg.as_bytes())
    assert content.forwarded
    assert content.original_sender == "Press Office <press@partner.example>"
    assert content.text.startswith("FOR IMMEDIATE RELEASE")
    assert content.attachments == ("brochure.pdf",)
    assert "PDF" not in content.text


def test_out_of_office_replies_are_automatic() -> None:
    msg = EmailMessage()
    msg["From"] = "ann@example.org"
    msg["Subject"] = "Automatic reply: Sector Weekly"
    msg["Auto-Submitted"] = "auto-replied"
    msg.set_content("I am out of the office until Monday.")
    assert read_message(msg).automatic
    assert not read_message(press_release()).automatic


def test_message_key_is_the_message_id_or_a_stable_hash() -> None:
    assert (
        message_key(parse_message(press_release().as_bytes())) == "<press-leeds-office@example.org>"
    )
    msg = press_release()
    del msg["Message-ID"]
    first, second = message_key(msg), message_key(parse_message(msg.as_bytes()))
    assert first == second and first.startswith("hash:") and len(first) == 29


def test_html_becomes_readable_text() -> None:
    html = (
        "<h2>Dates</h2><p>Three events:</p><ul><li>Leeds, 3 Dec</li><li>York&nbsp;&amp; Hull</li></ul>"
        "<script>track()</script><p>See <a href='https://example.com/e'>the list</a>.</p>"
    )
    assert (
        html_to_text(html)
        == "Dates\n\nThree events:\n\n- Leeds, 3 Dec\n- York & Hull\n\nSee the list."
    )
