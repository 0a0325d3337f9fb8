"""A mail message -> what a coordinator needs to judge it: headline, readable text, main links.

Pure (no I/O). Staff forward newsletters, press releases and reply chains to
a shared inbox; what matters is the content they forwarded, not the reply
chain, the footer or the tracking around the links:

- HTML is turned into readable text (blocks on their own lines, hidden
  preheaders, scripts and styles dropped); the HTML part is preferred over
  the text alternative because newsletters' text parts are often stubs.
- A forward (subject Fwd:/FW:/WG:/TR:, or a "Forwarded message" block): the
  forwarded message is the content, the forwarder's own words are the note,
  and the forwarded header block gives the original sender.
- A reply: quoted lines (">"), "On ... wrote:", and Outlook's
  "-----Original Message-----" or "From: ... Sent: ..." blocks end the content.
- Footers ("unsubscribe", "view in browser", "update your preferences", ...)
  and signatures ("-- ", "Sent from my iPhone") are dropped.
- Links: tracking redirects are unwrapped when the real address is inside
  the link (Google /url?q=, Outlook safelinks ?url=, urldefense, any
  url=/u=/redirect= parameter holding an http(s) URL); opaque click-tracking
  links (Mailchimp list-manage and the like) are kept but marked as such;
  utm_* and other tracking parameters are removed (automation.feeds.clean_url);
  unsubscribe, preference, view-in-browser, mailto and social-profile links
  are left out.

Attachments are never opened: only their file names are listed. A message
forwarded as an attachment (message/rfc822) is read as the forwarded content.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urlsplit

from jobs.links import canonical_url, clean_url, unwrap_redirect

# Private-use characters: a link's place in the text (\ue000<n>\ue001) and the
# start and end of an HTML blockquote, so the text rules can treat it as "> " lines.
_LINK_OPEN, _LINK_CLOSE = "\ue000", "\ue001"
_QUOTE_OPEN, _QUOTE_CLOSE = "\ue002", "\ue003"
_LINK_MARK = re.compile(f"{_LINK_OPEN}(\\d+){_LINK_CLOSE}")

_URL_IN_TEXT = re.compile(r"(?:https?://|www\.)[^\s<>\"'\]\[{}|\\^`]+", re.IGNORECASE)
_PREFIX = re.compile(
    r"^\s*(?:\[(?:ext|external)\]\s*)?"
    r"(?P<word>fwd?|fw|re|aw|wg|tr|sv|vs|rv)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
_FORWARD_WORDS = {"fwd", "fw", "wg", "tr", "vs", "rv"}

_FORWARD_MARKER = re.compile(
    r"^\s*(?:[-_=*\s]*(?:forwarded message|forwarded e-?mail|weitergeleitete nachricht|"
    r"message transf[ée]r[ée]|mensaje reenviado)[-_=*\s:]*"
    r"|begin forwarded message:?|anfang der weitergeleiteten nachricht:?)\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|message d'origine|"
    r"mensaje original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_LINE = re.compile(
    r"^\s*\**\s*(?P<key>from|sent|date|to|cc|bcc|subject|reply-to|von|gesendet|datum|an|"
    r"betreff|de|envoy[ée]|[àa]|objet|para|asunto|enviado)\s*\**\s*:\s*\**\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_FROM_KEYS = {"from", "von", "de"}
_SUBJECT_KEYS = {"subject", "betreff", "objet", "asunto"}
_WHEN_KEYS = {"sent", "date", "gesendet", "datum", "envoyé", "envoye", "enviado"}
_WROTE = re.compile(
    r"^\s*(?:on\b.*\bwrote|am\b.*\bschrieb.*|le\b.*\ba [ée]crit|el\b.*\bescribi[óo])\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_SIGNATURE_LINE = re.compile(
    r"^\s*(?:sent from my \w+.*|sent from (?:outlook|mail) for \w+.*|get outlook for \w+.*|"
    r"sent from yahoo mail.*|sent via .*mobile.*)\s*$",
    re.IGNORECASE,
)
FOOTER_PATTERN = re.compile(
    r"unsubscrib|opt[ -]?out\b|update (?:your )?(?:subscription |email |mailing )?preferences|"
    r"manage (?:your )?(?:email |mailing |subscription )?(?:preferences|subscriptions?|settings)|"
    r"(?:email|mailing|subscription) preferences|"
    r"view (?:this |the )?(?:email|e-mail|message|newsletter|it)? ?(?:in (?:your |a )?(?:web )?browser|"
    r"online|as a web ?page)|having trouble (?:viewing|reading)|"
    r"you(?:'re| are) receiving this|you received this (?:e-?mail|message|newsletter)|"
    r"this (?:e-?mail|message) was sent to|why (?:did|am) i (?:get|receiving) this|"
    r"add us to your address book|forward (?:this (?:e-?mail )?)?to a friend|"
    r"our mailing address is|all rights reserved|no longer wish to receive|"
    r"copyright\s*(?:©|\(c\))|©\s*\d{4}|\(c\)\s*\d{4}",
    re.IGNORECASE,
)
#: a footer is the short tail of a message; a matching line further up is dropped alone
FOOTER_TAIL_CHARS = 1200
NOTE_LIMIT = 600
HEADLINE_LIMIT = 200

# Click-tracking links of mailing services that carry no real address inside:
# kept (they do lead to the article) but marked, never passed off as the real URL.
_TRACKERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"(?:^|\.)list-manage\.com$|/track/click", "Mailchimp"),
        (r"(?:^|\.)sendgrid\.net$", "SendGrid"),
        (r"(?:^|\.)rs6\.net$", "Constant Contact"),
        (r"(?:^|\.)(?:createsend\d*|cmail\d+)\.com$", "Campaign Monitor"),
        (r"(?:^|\.)(?:hubspotlinks\.com|hubspotemail\.net|hs-sites\.com)$", "HubSpot"),
        (r"(?:^|\.)mandrillapp\.com$", "Mandrill"),
        (r"(?:^|\.)beehiiv\.com$", "beehiiv"),
        (r"(?:^|\.)convertkit-mail\d*\.com$", "Kit (ConvertKit)"),
        (r"(?:^|\.)aweber\.com$", "AWeber"),
        (r"(?:^|\.)klclick\d*\.com$", "Klaviyo"),
        (r"(?:^|\.)(?:sendibt\d*\.com|sendibm\d*\.com|sendinblue\.com)$", "Brevo"),
        (r"(?:^|\.)pstmrk\.it$", "Postmark"),
        (r"(?:^|\.)mimecastprotect\.com$|^protect-\w+\.mimecast\.com$", "Mimecast"),
        (r"(?:^|\.)substack\.com/redirect/", "Substack"),
    )
)
_REDIRECT_PARAMS = (
    "url",
    "u",
    "redirect",
    "redirect_url",
    "redirect_uri",
    "target",
    "dest",
    "destination",
    "goto",
    "link",
    "q",
)
_LEFT_OUT_PATH = re.compile(
    r"unsubscribe|/optout|/opt-out|/opt_out|manage-preferences|email-preferences|"
    r"/preferences\b|/subscription-center|/profile/update",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MailLink:
    """A main link of a message: the real address, or an opaque tracker's link (`tracker` names it)."""

    url: str
    label: str = ""
    tracker: str = ""
    #: the address is written out in the message's text (plain-text mail), not behind link text
    inline: bool = False

    def describe(self) -> str:
        """One line for Details: label, address, and what a tracking link is."""
        text = f"{self.label}: {self.url}" if self.label else self.url
        if self.tracker:
            text += (
                f" ({self.tracker} tracking link: the real address is only known after opening it)"
            )
        return text


@dataclass(frozen=True)
class MailContent:
    """What ingest-inbox needs from one message, already cleaned."""

    message_id: str
    sender: str
    sender_name: str
    sent_at: datetime | None
    subject: str
    headline: str
    note: str
    text: str
    links: tuple[MailLink, ...]
    forwarded: bool
    original_sender: str
    attachments: tuple[str, ...]
    automatic: bool

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.links


def parse_message(raw: bytes | Message) -> EmailMessage:
    """Raw RFC 822 bytes (or a parsed message) -> an EmailMessage with the modern API."""
    if isinstance(raw, EmailMessage):
        return raw
    data = raw.as_bytes() if isinstance(raw, Message) else raw
    return email.message_from_bytes(data, _class=EmailMessage, policy=email.policy.default)


def message_key(msg: EmailMessage) -> str:
    """The message's Message-ID in <...> form; without one, a stable hash of date, from and subject."""
    value = " ".join(_header(msg, "Message-ID").split())
    if value:
        found = re.search(r"<[^<>\s]+>", value)
        token = found.group(0) if found else f"<{value.split()[0].strip('<>')}>"
        return token
    basis = "|".join(_header(msg, h).strip() for h in ("Date", "From", "Subject"))
    return "hash:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:24]


def headline_from_subject(subject: str) -> str:
    """The subject without Fwd:/FW:/Re:/AW:/WG:/TR: prefixes (repeated) or [EXTERNAL] tags."""
    text = " ".join(str(subject or "").split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        stripped = re.sub(r"^\s*\[(?:ext|external)\]\s*", "", stripped, flags=re.IGNORECASE)
        if stripped == text:
            return text.strip()
        text = stripped


def read_message(raw: bytes | Message) -> MailContent:
    """Headline, note, readable text, main links and the original sender of one message."""
    msg = parse_message(raw)
    sender_name, sender = parseaddr(_header(msg, "From"))
    subject = " ".join(_header(msg, "Subject").split())
    words = [m.group("word").lower() for m in _prefixes(subject)]
    body, links, attachments, attached = _body_of(msg)
    forwarded_by_subject = bool(words) and words[0] in _FORWARD_WORDS
    note, content, original, inner_subject = "", body, "", ""
    forwarded = False
    if attached is not None and not _visible(body).strip():
        # Forwarded as an attachment: the attached message is the content.
        inner = read_message(attached)
        return MailContent(
            message_id=message_key(msg),
            sender=sender.lower(),
            sender_name=sender_name,
            sent_at=_date(msg),
            subject=subject,
            headline=headline_from_subject(subject) or inner.headline,
            note="",
            text=inner.text,
            links=inner.links,
            forwarded=True,
            original_sender=_address(_header(attached, "From")),
            attachments=attachments + inner.attachments,
            automatic=_automatic(msg, subject),
        )
    if not words or words[0] != "re" or forwarded_by_subject:
        split = _split_forward(body, strict=not forwarded_by_subject)
        depth = 0
        while split is not None and depth < 4:
            before, headers, after = split
            if depth == 0:
                note = _tidy(_drop_signature(_strip_reply(before)))
            original = headers.get("from", original)
            inner_subject = headers.get("subject", inner_subject)
            content, forwarded, depth = after, True, depth + 1
            split = _split_forward(after, strict=True, leading_only=True)
    content = _drop_footer(_drop_signature(_strip_reply(content)))
    text, main = _render(content, links)
    note_text, note_links = _render(_drop_footer(note), links)
    seen = {link.url for link in main}
    main += tuple(link for link in note_links if link.url not in seen)
    headline = headline_from_subject(subject) or headline_from_subject(inner_subject)
    if not headline:
        headline = next((line for line in text.splitlines() if line.strip()), "")
    return MailContent(
        message_id=message_key(msg),
        sender=sender.lower(),
        sender_name=sender_name,
        sent_at=_date(msg),
        subject=subject,
        headline=_shorten(headline, HEADLINE_LIMIT),
        note=_shorten(" ".join(note_text.split()), NOTE_LIMIT),
        text=text,
        links=main,
        forwarded=forwarded,
        original_sender=_address(original),
        attachments=attachments,
        automatic=_automatic(msg, subject),
    )


def html_to_text(html: str) -> str:
    """HTML -> readable text: blocks on their own lines, lists as '- ', links by their text."""
    text, _links = _html_to_marked_text(html)
    rendered, _main = _render(text, _links)
    return rendered


def real_link(url: str, label: str = "") -> MailLink | None:
    """The link as a coordinator should see it, or None when it is not content.

    Redirects with the real address inside are unwrapped, tracking parameters
    removed; unsubscribe, preference, view-in-browser, mailto and social-profile
    links give None; opaque click trackers are kept with `tracker` set.
    """
    url = url.strip()
    label = " ".join(label.split())
    if url.lower().startswith("www."):
        url = "https://" + url
    if not url.lower().startswith(("http://", "https://")):
        return None
    for _ in range(5):
        unwrapped = _unwrap_once(url)
        if unwrapped == url:
            break
        url = unwrapped
    if label and FOOTER_PATTERN.search(label):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    where = host + parts.path
    for pattern, service in _TRACKERS:
        if pattern.search(host) or (pattern.pattern.endswith("/") and pattern.search(where)):
            if _LEFT_OUT_PATH.search(parts.path):
                return None
            return MailLink(url, label, service)
    if "list-manage.com" in host or re.search(r"campaign-archive\d*\.com$", host):
        return None  # Mailchimp's unsubscribe, profile, vcard and view-in-browser pages
    if _LEFT_OUT_PATH.search(parts.path) or _social_profile(host, parts.path):
        return None
    return MailLink(clean_url(url), label)


# --------------------------------------------------------------------------- body


def _body_of(
    msg: EmailMessage,
) -> tuple[str, list[tuple[str, str]], tuple[str, ...], EmailMessage | None]:
    """The marked text of the preferred body part, its links, attachment names, an attached message."""
    part = msg.get_body(preferencelist=("html", "plain"))
    text, links = "", []  # type: tuple[str, list[tuple[str, str]]]
    if part is not None:
        content = _decoded(part)
        if part.get_content_subtype() == "html":
            text, links = _html_to_marked_text(content)
        else:
            text, links = _mark_plain_links(content)
    names: list[str] = []
    attached: EmailMessage | None = None
    if msg.is_multipart():
        for item in msg.iter_attachments():
            if item.get_content_type() == "message/rfc822" and attached is None:
                inner = item.get_payload()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    attached = parse_message(inner[0])
                elif isinstance(inner, Message):
                    attached = parse_message(inner)
                continue
            name = item.get_filename()
            if name:
                names.append(" ".join(str(name).split()))
    return text, links, tuple(names), attached


def _decoded(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # an EmailMessage part
    except (LookupError, UnicodeDecodeError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)


def _mark_plain_links(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Plain text with each URL replaced by a link mark (its label filled in later)."""
    links: list[tuple[str, str]] = []

    def mark(match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:!?)")
        tail = match.group(0)[len(url) :]
        links.append((url, ""))
        return f"{_LINK_OPEN}{len(links) - 1}{_LINK_CLOSE}{tail}"

    return _URL_IN_TEXT.sub(mark, _normalise(text)), links


class _HtmlText(HTMLParser):
    """Collects readable text with link marks; hidden and non-content elements are skipped."""

    _SKIP = {"script", "style", "head", "title", "noscript", "template", "svg"}
    _BLOCK = {
        "div", "tr", "table", "ul", "ol", "section", "article", "header", "footer", "center",
        "dt", "dd", "pre", "address", "figure", "figcaption", "main", "nav", "aside", "tbody",
        "td", "th",
    }  # fmt: skip
    _PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
    _VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._skip: list[str] = []
        self._anchor: tuple[str, list[str], str] | None = None
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[0] and tag not in self._VOID:
                self._skip.append(tag)
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        style = values.get("style", "").replace(" ", "").lower()
        hidden = (
            tag in self._SKIP
            or "hidden" in values
            or "display:none" in style
            or "visibility:hidden" in style
            or ("max-height:0" in style and "overflow:hidden" in style)
        )
        if hidden:
            if tag not in self._VOID:
                self._skip.append(tag)
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag in self._PARAGRAPH:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "blockquote":
            self.parts.append(f"\n{_QUOTE_OPEN}\n")
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self._pre += 1
        if tag == "a":
            self._close_anchor()
            self._anchor = (values.get("href", ""), [], "")
        elif tag == "img" and self._anchor is not None and values.get("alt"):
            href, texts, _alt = self._anchor
            self._anchor = (href, texts, values["alt"])

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[0]:
                self._skip.pop()
            return
        if tag == "a":
            self._close_anchor()
        elif tag in self._PARAGRAPH:
            self.parts.append("\n\n")
        elif tag == "blockquote":
            self.parts.append(f"\n{_QUOTE_CLOSE}\n")
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        text = data if self._pre else re.sub(r"[ \t\r\n\f]+", " ", data)
        self.parts.append(text)
        if self._anchor is not None:
            self._anchor[1].append(text)

    def _close_anchor(self) -> None:
        if self._anchor is None:
            return
        href, texts, alt = self._anchor
        self._anchor = None
        label = " ".join("".join(texts).split()) or alt
        if href and not href.startswith("#"):
            self.links.append((href, label))
            self.parts.append(f"{_LINK_OPEN}{len(self.links) - 1}{_LINK_CLOSE}")

    def close(self) -> None:
        super().close()
        self._close_anchor()


def _html_to_marked_text(html: str) -> tuple[str, list[tuple[str, str]]]:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines: list[str] = []
    depth = 0
    for line in _normalise("".join(parser.parts)).split("\n"):
        if _QUOTE_OPEN in line or _QUOTE_CLOSE in line:
            depth += line.count(_QUOTE_OPEN) - line.count(_QUOTE_CLOSE)
            depth = max(depth, 0)
            line = line.replace(_QUOTE_OPEN, "").replace(_QUOTE_CLOSE, "")
            if not line.strip():
                continue
        lines.append(("> " * depth + line.strip()) if depth else line.strip())
    return "\n".join(lines), parser.links


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\xa0", " ").replace("\u200b", "").replace("\u200c", "")
    text = text.replace("\ufeff", "").replace("\u034f", "").replace("\xad", "")
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --------------------------------------------------------------------------- structure


def _prefixes(subject: str) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    text = subject
    while True:
        match = _PREFIX.match(text)
        if not match:
            return found
        found.append(match)
        text = text[match.end() :]


def _split_forward(
    text: str, *, strict: bool, leading_only: bool = False
) -> tuple[str, dict[str, str], str] | None:
    """(text before, forwarded headers, forwarded text) at the first forward block, or None.

    `strict`: only an explicit "Forwarded message" marker counts (the subject did
    not say Fwd); otherwise Outlook's "Original Message" and "From:/Sent:" blocks
    count too. `leading_only`: the block must come before any other text (a
    forward of a forward).
    """
    lines = text.split("\n")
    for i, line in enumerate(lines):
        plain = _LINK_MARK.sub("", line)
        start = None
        if _FORWARD_MARKER.match(plain):
            start = i + 1
        elif not strict and (_ORIGINAL_MARKER.match(plain) or _RULE.match(plain)):
            start = i + 1
        elif not strict and _header_block_at(lines, i):
            start = i
        if start is not None:
            headers, end = _read_headers(lines, start)
            if headers or _FORWARD_MARKER.match(plain):
                return "\n".join(lines[:i]), headers, "\n".join(lines[end:])
        if leading_only and plain.strip():
            return None
    return None


def _header_block_at(lines: list[str], i: int) -> bool:
    """A 'From: ...' line followed closely by 'Sent:'/'Date:' (Outlook's reply and forward block)."""
    match = _HEADER_LINE.match(_LINK_MARK.sub("", lines[i]))
    if not match or match.group("key").lower() not in _FROM_KEYS:
        return False
    for follow in lines[i + 1 : i + 4]:
        nxt = _HEADER_LINE.match(_LINK_MARK.sub("", follow))
        if nxt and nxt.group("key").lower() in _WHEN_KEYS:
            return True
    return False


def _read_headers(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The 'Key: value' block from `start` (blank lines before it skipped) -> headers, next line."""
    i = start
    while i < len(lines) and not lines[i].strip():
        i += 1
    headers: dict[str, str] = {}
    last = ""
    while i < len(lines):
        plain = _LINK_MARK.sub(lambda m: "", lines[i]).strip()
        if not plain:
            break
        match = _HEADER_LINE.match(plain)
        if match:
            last = match.group("key").lower()
            key = (
                "from"
                if last in _FROM_KEYS
                else "subject"
                if last in _SUBJECT_KEYS
                else "date"
                if last in _WHEN_KEYS
                else last
            )
            headers.setdefault(key, match.group("value").strip().strip("*").strip())
        elif not last:
            break
        # else: a wrapped To:/Cc: line, part of the block
        i += 1
    return headers, i


def _strip_reply(text: str) -> str:
    """The text before the reply chain: quoted lines and everything after a reply marker go."""
    lines = text.split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        plain = _LINK_MARK.sub("", line)
        two = plain + " " + _LINK_MARK.sub("", lines[i + 1]) if i + 1 < len(lines) else plain
        if (
            _WROTE.match(plain)
            or (
                plain.strip().lower().startswith(("on ", "am ", "le ", "el ")) and _WROTE.match(two)
            )
            or _ORIGINAL_MARKER.match(plain)
            or _FORWARD_MARKER.match(plain)
            or (
                _RULE.match(plain)
                and any(_header_block_at(lines, j) for j in (i + 1, i + 2) if j < len(lines))
            )
            or _header_block_at(lines, i)
        ):
            break
        if plain.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def _drop_signature(text: str) -> str:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line in ("-- ", "--") and i > 0:
            lines = lines[:i]
            break
    return "\n".join(line for line in lines if not _SIGNATURE_LINE.match(line))


def _drop_footer(text: str) -> str:
    """Footer lines go; from a footer line in the short tail, everything after it goes too."""
    lines = text.split("\n")
    total = len(_LINK_MARK.sub("", text).strip())
    kept: list[str] = []
    for i, line in enumerate(lines):
        plain = _LINK_MARK.sub("", line)
        if FOOTER_PATTERN.search(plain) and len(plain) <= 300:
            rest = "\n".join(_LINK_MARK.sub("", x) for x in lines[i:]).strip()
            # The tail of the message, not a "view in browser" line at its top.
            if len(rest) <= FOOTER_TAIL_CHARS and len(rest) * 2 < total:
                while kept and (not kept[-1].strip() or re.fullmatch(r"[\s\-_=*|~·•]+", kept[-1])):
                    kept.pop()
                break
            continue
        kept.append(line)
    return "\n".join(kept)


def _render(text: str, raw_links: list[tuple[str, str]]) -> tuple[str, tuple[MailLink, ...]]:
    """Final text (link marks resolved) and the main links found in it, best first."""
    found: list[MailLink] = []
    seen: set[str] = set()
    lines_out: list[str] = []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        marks = list(_LINK_MARK.finditer(line))
        for match in marks:
            url, label = raw_links[int(match.group(1))]
            if not label:
                label = _plain_label(line, match, lines[n - 1] if n else "")
            link = real_link(url, label)
            if link is None:
                continue
            if not raw_links[int(match.group(1))][1]:
                link = MailLink(link.url, link.label, link.tracker, inline=True)
            key = link.url if link.tracker else canonical_url(link.url)
            if key not in seen:
                seen.add(key)
                found.append(link)

        def shown(match: re.Match[str]) -> str:
            url, label = raw_links[int(match.group(1))]
            if label:
                return ""  # an HTML link: its text is already there
            link = real_link(url)
            return link.url if link is not None else ""

        rendered = _LINK_MARK.sub(shown, line)
        if marks and not rendered.strip(" \t:-|<>()[]"):
            continue  # a line that only held a link left out (unsubscribe, profile, ...)
        lines_out.append(rendered)
    return _tidy("\n".join(lines_out)), tuple(sorted(found, key=_rank))


def _plain_label(line: str, match: re.Match[str], previous: str) -> str:
    before = _LINK_MARK.sub("", line[: match.start()]).strip(" \t:-–—|<(")
    if before:
        return _shorten(before, 120)
    prev = previous.strip()
    if prev and not _LINK_MARK.search(prev) and len(prev) <= 120 and not prev.startswith(">"):
        return prev.rstrip(":")
    return ""


def _rank(link: MailLink) -> int:
    """Real article links first, then opaque trackers, then bare home pages."""
    if link.tracker:
        return 1
    path = urlsplit(link.url).path.strip("/")
    return 2 if not path and not urlsplit(link.url).query else 0


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if not line.strip() and (not out or not out[-1].strip()):
            continue
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


# --------------------------------------------------------------------------- links


def _unwrap_once(url: str) -> str:
    """One layer of redirect unwrapped, when the real address is inside the link."""
    google = unwrap_redirect(url)
    if google != url:
        return google
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if host.endswith("urldefense.com") and parts.path.startswith("/v3/__"):
        inner = parts.path[len("/v3/__") :] + (f"?{parts.query}" if parts.query else "")
        inner = inner.split("__;", 1)[0]
        # '*' stands for characters urldefense moved into its tail; such links stay wrapped
        return inner if inner.startswith("http") and "*" not in inner else url
    if host.endswith("urldefense.proofpoint.com") and parts.path.startswith("/v2/url"):
        value = dict(parse_qsl(parts.query)).get("u", "")
        decoded = re.sub(r"-([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)
        decoded = decoded.replace("_", "/")
        return decoded if decoded.startswith("http") else url
    params = dict((k.lower(), v) for k, v in parse_qsl(parts.query))
    for name in _REDIRECT_PARAMS:
        value = params.get(name, "").strip()
        if value.lower().startswith(("http%3a", "https%3a")):
            value = unquote(value)
        if value.lower().startswith(("http://", "https://")):
            return value
    return url


def _social_profile(host: str, path: str) -> bool:
    host = re.sub(r"^(?:www\.|m\.|mobile\.|[a-z]{2}\.)", "", host)
    segments = [s for s in path.split("/") if s]
    first = segments[0].lower() if segments else ""
    if host in ("linkedin.com",):
        return first in ("company", "in", "school", "showcase", "")
    if host in ("twitter.com", "x.com"):
        return (
            len(segments) <= 1
            and first not in ("search", "hashtag", "home")
            or (
                first == "intent"
                and len(segments) > 1
                and segments[1].lower() in ("follow", "user")
            )
        )
    if host in ("facebook.com", "fb.com"):
        return (
            len(segments) <= 1
            and first not in ("sharer.php", "share.php", "watch", "events", "story.php")
            or first in ("pages", "profile.php", "people")
        )
    if host == "instagram.com":
        return len(segments) <= 1
    if host == "youtube.com":
        return first.startswith("@") or first in ("channel", "user", "c", "")
    if host in ("tiktok.com", "threads.net", "threads.com"):
        return first.startswith("@") and len(segments) == 1
    if host == "bsky.app":
        return first == "profile" and len(segments) <= 2
    return False


# --------------------------------------------------------------------------- headers


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except (ValueError, TypeError, IndexError):  # a malformed header the parser chokes on
        return ""
    return str(value) if value is not None else ""


def _date(msg: EmailMessage) -> datetime | None:
    try:
        when = parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def _address(value: str) -> str:
    """'Name <addr>' (or whichever part is there) from a header or a forwarded 'From:' line."""
    value = re.sub(r"\[mailto:[^\]]*\]", "", value or "").strip().strip("*").strip()
    if not value:
        return ""
    pairs = getaddresses([value])
    name, addr = pairs[0] if pairs else ("", "")
    if "@" not in addr:
        return " ".join(value.split())
    return f"{name} <{addr}>" if name else addr


def _automatic(msg: EmailMessage, subject: str) -> bool:
    """An out-of-office reply, a bounce or another machine-made answer."""
    auto = _header(msg, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return True
    if _header(msg, "Precedence").strip().lower() == "auto_reply":
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    return bool(
        re.match(
            r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|out of (?:the )?office|"
            r"undeliverable|delivery status notification|mail delivery failed)\b",
            subject,
            re.IGNORECASE,
        )
    )


def _visible(text: str) -> str:
    return _LINK_MARK.sub("", text)


def _shorten(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"
