"""The policy check on content entering the queue: flags for a person to look at.

Pure and quick. Flags never block intake: a coordinator reads them in the
Queue's Flags column and decides. Each flag is a sentence that says what was
found and why it matters, so nobody needs this file to understand it.

The one exception is `[screening] blocked_domains`: content linking a blocked
site is rejected outright by every intake (sync-forms, ingest-inbox, content
feeds) with `blocked_reason`, and wherever Chorus shows such an address to
people it is written by `defang` (hxxp://evil[.]example) so that no mail
client or sheet turns it into a live link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from urllib.parse import urlsplit

from jobs import reasons
from jobs.network_names import NETWORKS, canonical_network, length_limit
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, split_multi

# Links count as this many characters on X (t.co); used for every channel limit
# because every network shortens or previews links.
LINK_LENGTH = 23

_URL_RE = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# A phone number: optional +country, optional (area), then digit groups split by
# spaces, dots or dashes. Candidates are then checked (digit count, not a date).
_PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,5}\)[\s.-]?)?\d(?:[\s.-]?\d){5,16}(?!\w)"
)
#: what every phone number holds: six digits, one separator at most between two (a quick look
#: that most items have none of, before the full pattern's slower search)
_SIX_DIGITS = re.compile(r"\d[\s.-]?\d[\s.-]?\d[\s.-]?\d[\s.-]?\d[\s.-]?\d")
_DATE_LIKE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
_IP_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_MEDIA_EXTENSIONS = (
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".heic",
    ".tif",
    ".tiff",
    ".svg",
    ".mp4",
    ".mov",
    ".avi",
    ".webm",
    ".mkv",
    ".m4v",
)
_MEDIA_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "instagram.com",
    "flickr.com",
    "tiktok.com",
    "gettyimages.com",
    "shutterstock.com",
    "unsplash.com",
    "imgur.com",
)
#: what an address must hold for _has_media to look closer (an extension or a host, lower-case)
_MEDIA_MARKS = _MEDIA_EXTENSIONS + _MEDIA_HOSTS


def _marks_pattern(marks: Sequence[str]) -> re.Pattern[str]:
    """A search for any of `marks` (each holding a '.') that starts only at a '.': the last
    '.' of a mark, what follows it, and what comes before it looked behind for.

    A plain alternation of the marks tries each of them at almost every character of
    an address; this one is looked for at its few dots, about five times faster.
    """
    tails: dict[str, list[str]] = {}
    for mark in marks:
        head, tail = mark.rsplit(".", 1)
        tails.setdefault(tail, []).append(head)
    branches = []
    for tail, heads in tails.items():
        behind = "|".join(f"(?<={re.escape(h)}\\.{re.escape(tail)})" for h in heads if h)
        branches.append(re.escape(tail) if not all(heads) else f"{re.escape(tail)}(?:{behind})")
    return re.compile(r"\.(?:" + "|".join(branches) + ")")


_ANY_MEDIA_MARK = _marks_pattern(_MEDIA_MARKS)
_MEDIA_WORDS = re.compile(
    r"\b(?:video|videos|image|images|photo|photos|photograph|photographs|"
    r"picture|pictures|footage|clip|infographic)\b",
    re.IGNORECASE,
)
#: what every match of _MEDIA_WORDS and of _SOURCE_WORDS holds, lower-cased (see _may_hold)
_MEDIA_STEMS = ("video", "image", "photo", "picture", "footage", "clip", "infographic")
_SOURCE_STEMS = ("source", "credit", "(c)", "courtesy of", "photo by", "copyright", "used with")
_SOURCE_WORDS = re.compile(
    r"\bsource\b|\bcredits?\b|©|\(c\)|\bcourtesy of\b|\bphoto by\b|"
    r"\bcopyright\b|\bused with permission\b",
    re.IGNORECASE,
)


def screen(
    item: Mapping[str, object], settings: Settings, permission: str | None = None
) -> list[str]:
    """Flags for one queue item's fields (headline, details, link, channels, submitted_by).

    `permission` is the submitter's answer to "May we share this publicly?"
    (None when the item did not come from the form).
    """
    headline = clean_text(item.get("headline", ""))
    details = clean_text(item.get("details", ""))
    link = clean_text(item.get("link", ""))
    submitter = clean_text(item.get("submitted_by", "")).lower()
    text = f"{headline}\n{details}"
    everything = f"{text}\n{link}"
    # ASCII text lower-cased: a look with `in` for the words a case-blind pattern needs
    # tells most items in a fraction of the pattern's time that it cannot match (see _may_hold).
    lowered = everything.lower() if everything.isascii() else None
    rules = settings.screening
    # The order of the flags is the order a coordinator reads them in the Flags column.
    flags = [
        _confidential_flag(everything, rules.confidential_words, lowered),
        _personal_data_flag(text, submitter),
        _permission_flag(permission),
        _blocked_site_flag(link, text, rules.blocked_domains),
        *_too_long_flags(
            post_length(headline, details, link),
            _channels(item.get("channels", "")),
            rules.channel_limits,
        ),
        _media_flag(everything, link, lowered, text),
    ]
    return [flag for flag in flags if flag]


def _may_hold(lowered: str | None, stems: tuple[str, ...] | None) -> bool:
    """False only when the text surely holds none of `stems`, lower-case ASCII parts that
    every match of a pattern contains; `lowered` is the text lower-cased, None when the text
    is not ASCII, and `stems` None when the words are not (case rules beyond ASCII: ask the pattern)."""
    if lowered is None or stems is None:
        return True
    for stem in stems:  # a loop of `in`: faster than one pattern of them all, or any()
        if stem in lowered:
            return True
    return False


def _channels(value: object) -> list[str]:
    """The item's channels: a list from the form, or a cell of comma-separated names."""
    return list(value) if isinstance(value, (list, tuple)) else split_multi(value)


def _confidential_flag(
    everything: str, confidential_words: tuple[str, ...], lowered: str | None = None
) -> str:
    words, first_parts, any_word = _confidential_rules(tuple(confidential_words))
    if not words or not _may_hold(lowered, first_parts):
        return ""
    if not any_word.search(everything):
        return ""  # one search for all the words: most items mention none
    found = [word for word, pattern in words if pattern.search(everything)]
    if not found:
        return ""
    return (
        "confidential: mentions "
        + ", ".join(f"'{w}'" for w in found)
        + "; check it is cleared for the public"
    )


def _personal_data_flag(text: str, submitter: str) -> str:
    """Email addresses (other than the submitter's own) and phone numbers in the text."""
    found = _EMAIL_RE.findall(text) if "@" in text else ()
    emails = sorted({e for e in found if e.lower() != submitter}) if found else []
    shown = [*emails, *phone_numbers(text)]
    if not shown:
        return ""
    return (
        "personal data: contains "
        + ", ".join(shown[:3])
        + (" and more" if len(shown) > 3 else "")
        + "; make sure the person agreed to share it"
    )


def _permission_flag(permission: str | None) -> str:
    answer = clean_text(permission).casefold() if permission is not None else ""
    if answer == "no":
        return "permission: the submitter said it may not be shared publicly"
    if answer == "not sure":
        return "permission: the submitter is not sure it may be shared publicly"
    return ""


def blocked_sites(link: str, text: str, blocked_domains: Sequence[str]) -> list[str]:
    """The blocked hosts an item links to, in its Link or anywhere in its text."""
    if not blocked_domains or not any(d.strip() for d in blocked_domains):
        return []
    return blocked_links([link, *_URL_RE.findall(text)], blocked_domains)


def blocked_reason(hosts: Sequence[str], *, sent: bool = True) -> str:
    """Why an item linking `hosts` is rejected, for the coordinator and the person who sent it.

    `sent=False` for an item nobody sent (a content feed's entry): no advice to send it again.
    """
    return reasons.blocked_site(", ".join(defang(h, hosts) for h in hosts), sent=sent)


def defang(text: str, blocked_domains: Sequence[str]) -> str:
    """`text` with each blocked address written so nothing links it: hxxp://evil[.]example/a."""
    if not blocked_domains or not text:
        return text
    domains = tuple(d.strip().lower().lstrip(".") for d in blocked_domains if d.strip())
    if not domains:
        return text
    return _defang_pattern(domains).sub(_defanged, text)


@lru_cache(maxsize=16)
def _defang_pattern(domains: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(d) for d in sorted(domains, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w.-])(?:https?://)?(?:[a-z0-9-]+\.)*(?:{names})(?![\w-]|\.[\w-])", re.IGNORECASE
    )


def _defanged(match: re.Match[str]) -> str:
    address = re.sub(r"^http", "hxxp", match[0], flags=re.IGNORECASE)
    return address.replace(".", "[.]")


def _blocked_site_flag(link: str, text: str, blocked_domains: Sequence[str]) -> str:
    blocked = blocked_sites(link, text, blocked_domains)
    if not blocked:
        return ""
    return (
        "blocked site: links to " + ", ".join(blocked) + "; the policy does not allow linking there"
    )


def _too_long_flags(
    length: int, channels: Sequence[str], channel_limits: Mapping[str, int]
) -> list[str]:
    """One flag per chosen channel whose limit the post exceeds; channels match in any case.

    [screening] channel_limits wins; else a known network's own limit (jobs.network_names:
    'Twitter' is X, 280); an unknown network has none.
    """
    if not channels:
        return []
    rules = tuple(channel_limits.items())
    if length <= _shortest_limit(rules):
        return []  # within every limit there is: most items
    flags: list[str] = []
    for channel in channels:
        name, limit = _channel_limit(channel, rules)
        if limit and length > limit:
            flags.append(f"too long for {name}: {length} characters, the limit is {limit}")
    return flags


@lru_cache(maxsize=16)
def _shortest_limit(channel_limits: tuple[tuple[str, int], ...]) -> int:
    """The shortest limit a channel can have under [screening] channel_limits: a set one, or a
    known network's own (0, none, is no limit; with no limit at all, more than any length)."""
    limits = [limit for _, limit in channel_limits] + [n.length_limit for n in NETWORKS]
    return min((limit for limit in limits if limit), default=1 << 62)


@lru_cache(maxsize=1024)
def _channel_limit(channel: str, channel_limits: tuple[tuple[str, int], ...]) -> tuple[str, int]:
    """A channel's name and limit under [screening] channel_limits; each channel worked out once."""
    limits = {name.casefold(): (name, limit) for name, limit in channel_limits}
    known = canonical_network(channel)
    return limits.get(channel.casefold()) or limits.get(
        known.casefold(), (known, length_limit(known))
    )


def _media_flag(
    everything: str, link: str, lowered: str | None = None, prose: str | None = None
) -> str:
    if _has_media(everything, link, lowered, prose) and not (
        _may_hold(lowered, _SOURCE_STEMS) and _SOURCE_WORDS.search(everything)
    ):
        return "media without a source: say who made the photo or video and that we may use it (copyright)"
    return ""


def phone_numbers(text: str) -> list[str]:
    """Phone numbers in free text: +44 20 7946 0958, (212) 555-0199, 020 7946 0958, ..."""
    found: list[str] = []
    if not _SIX_DIGITS.search(text):
        return found
    for match in _PHONE_RE.finditer(text):
        candidate = match.group(0).strip(" .-")
        digits = re.sub(r"\D", "", candidate)
        if not 7 <= len(digits) <= 15:
            continue
        if _DATE_LIKE.fullmatch(candidate) or _IP_LIKE.fullmatch(candidate):
            continue
        groups = re.findall(r"\d+", candidate)
        if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
            continue  # year ranges such as 2025-2026
        plain_digits = len(groups) == 1 and not candidate.startswith(("+", "("))
        if plain_digits and len(digits) < 10:
            continue  # a bare number (an amount, a reference) is not a phone number
        found.append(candidate)
    return found


def blocked_links(urls: Sequence[str], blocked_domains: Sequence[str]) -> list[str]:
    """The hosts among `urls` that are a blocked domain or one of its subdomains."""
    hits: list[str] = []
    domains = [d.strip().lower().lstrip(".") for d in blocked_domains if d.strip()]
    for url in urls:
        if not url:
            continue
        try:
            host = (urlsplit(url if "://" in url else f"http://{url}").hostname or "").rstrip(".")
        except ValueError:
            continue
        if any(host == d or host.endswith("." + d) for d in domains) and host not in hits:
            hits.append(host)
    return hits


def post_length(headline: str, details: str, link: str) -> int:
    """The length of the post the item would make: headline, details and link (link counted short)."""
    text = f"{headline}\n\n{details}" if headline and details else headline or details
    urls_in_text = _URL_RE.findall(text) if "://" in text else []  # every match holds "://"
    length = len(text) - sum(len(u) for u in urls_in_text) + LINK_LENGTH * len(urls_in_text)
    if link:
        length += (1 if text else 0) + LINK_LENGTH
    return length


def _has_media(text: str, link: str, lowered: str | None = None, prose: str | None = None) -> bool:
    """Whether the item shows media: a media address (the link, or one in the text), or words.

    `prose` is `text` without the link, when the caller has it: the addresses in
    it and in the link are those in `text` (none spans the line end between
    them), found without a search of the whole text when only the link has one,
    and none in the link when it holds no media mark at all (an address in it
    is a part of it).
    """
    marked = bool(link) and _ANY_MEDIA_MARK.search(link.lower()) is not None
    urls = [link] if marked else []  # the link looked at once
    if prose is None:
        urls += _URL_RE.findall(text) if "://" in text else ()
    else:
        urls += _URL_RE.findall(prose) if "://" in prose else ()
        if marked and "://" in link:
            urls += _URL_RE.findall(link)
    for i, url in enumerate(urls):
        if (i or not marked) and not _ANY_MEDIA_MARK.search(url.lower()):
            continue  # the host and the path are parts of the address: neither can be media
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        host = (parts.hostname or "").lower()
        if parts.path.lower().endswith(_MEDIA_EXTENSIONS):
            return True
        if any(host == h or host.endswith("." + h) for h in _MEDIA_HOSTS):
            return True
    return _may_hold(lowered, _MEDIA_STEMS) and bool(_MEDIA_WORDS.search(text))


@lru_cache(maxsize=16)
def _confidential_words(words: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
    """Whole word or phrase, any case, any spacing between a phrase's words."""
    patterns = []
    for word in words:
        parts = [re.escape(p) for p in word.split()]
        if parts:
            patterns.append(
                (word, re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE))
            )
    return patterns


@lru_cache(maxsize=16)
def _first_parts(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """Each word's (or phrase's first word's) lower-case text, for _may_hold; None unless all ASCII."""
    if not all(word.isascii() for word in words):
        return None
    return tuple(word.split()[0].lower() for word in words if word.split())


def _confidential_rules(
    words: tuple[str, ...],
) -> tuple[list[tuple[str, re.Pattern[str]]], tuple[str, ...] | None, re.Pattern[str]]:
    """_confidential_words, _first_parts and _any_confidential of `words`, in one look-up
    (the same settings' words are screened 10,000 times a sync)."""
    last = _LAST_RULES.get(id(words))
    if last is not None and last[0] is words:
        return last[1]
    rules = (_confidential_words(words), _first_parts(words), _any_confidential(words))
    _LAST_RULES.clear()
    _LAST_RULES[id(words)] = (words, rules)
    return rules


_LAST_RULES: dict[
    int,
    tuple[
        tuple[str, ...],
        tuple[list[tuple[str, re.Pattern[str]]], tuple[str, ...] | None, re.Pattern[str]],
    ],
] = {}


@lru_cache(maxsize=16)
def _any_confidential(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern matching where any of `words` would (the per-word patterns then say which)."""
    return re.compile(
        "|".join(f"(?:{p.pattern})" for _, p in _confidential_words(words)), re.IGNORECASE
    )
