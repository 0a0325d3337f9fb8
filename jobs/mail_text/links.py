"""The links of a message as a coordinator should see them, best first.

Tracking redirects are unwrapped when the real address is inside the link
(Google /url?q=, Outlook safelinks ?url=, urldefense, any url=/u=/redirect=
parameter holding an http(s) URL); opaque click-tracking links (Mailchimp
list-manage and the like) are kept but marked as such; utm_* and other
tracking parameters are removed (jobs.links.clean_url); unsubscribe,
preference, view-in-browser, mailto and social-profile links are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from jobs.links import canonical_url, clean_url, unwrap_redirect
from jobs.mail_text.footers import FOOTER_PATTERN
from jobs.mail_text.marks import LINK_MARK, shorten, tidy

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


def resolve_links(text: str, raw_links: list[tuple[str, str]]) -> tuple[str, tuple[MailLink, ...]]:
    """Final text (link marks resolved) and the main links found in it, best first."""
    found: list[MailLink] = []
    seen: set[str] = set()
    lines_out: list[str] = []
    lines = text.split("\n")
    for n, line in enumerate(lines):
        marks = list(LINK_MARK.finditer(line))
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

        rendered = LINK_MARK.sub(shown, line)
        if marks and not rendered.strip(" \t:-|<>()[]"):
            continue  # a line that only held a link left out (unsubscribe, profile, ...)
        lines_out.append(rendered)
    return tidy("\n".join(lines_out)), tuple(sorted(found, key=rank))


def _plain_label(line: str, match: re.Match[str], previous: str) -> str:
    """A label for a bare URL in plain text: the words before it, or the short line above."""
    before = LINK_MARK.sub("", line[: match.start()]).strip(" \t:-–—|<(")
    if before:
        return shorten(before, 120)
    prev = previous.strip()
    if prev and not LINK_MARK.search(prev) and len(prev) <= 120 and not prev.startswith(">"):
        return prev.rstrip(":")
    return ""


def rank(link: MailLink) -> int:
    """Real article links first, then opaque trackers, then bare home pages."""
    if link.tracker:
        return 1
    path = urlsplit(link.url).path.strip("/")
    return 2 if not path and not urlsplit(link.url).query else 0


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
    """A network's profile or follow page: a link in every footer, never the content."""
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
