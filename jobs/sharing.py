"""Sharing rules every amplification mail uses: which items, which texts, which tracked links.

- an item is offered when Queue > Share says Yes, or is blank on an
  Organisation item, and it has a website link;
- its texts are the Captions rows for it that pass the policy check and fit
  the network; without one, the headline;
- a tracked link is the item's link with utm_source (the network),
  utm_medium (employee_share), utm_campaign (the Queue ID) and utm_content
  (the person's token: an HMAC of their email, never the email itself);
  parameters the link already has are kept as they are, and an existing
  utm_ parameter is never overwritten.

The share digest, the welcome and the thank-you ask this module, so a person
sees the same texts and links wherever they meet an item.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from jobs.networks import Network, network
from jobs.screening import screen
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, is_http_url, parse_yes_no, split_multi

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
#: a caption with one of these flags is never offered; the others are for a person to weigh
_REFUSING_FLAGS = ("confidential", "personal data", "blocked site")


def person_token(key: bytes, email: str) -> str:
    """The person's opaque token: an HMAC of their lower-cased email under Chorus's own key.

    The same person always gets the same token (visits add up per person),
    and without the key nobody can tell whose it is from the link.
    """
    digest = hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:16]


def tracked_url(link: str, utm: Mapping[str, str]) -> str:
    """`link` with each utm parameter it does not have yet added at the end of its query.

    The existing query is kept byte for byte (re-encoding could change what a
    site reads), and a utm_ parameter it already carries wins.
    """
    parts = urlsplit(link.strip())
    have = {name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    added = urlencode([(k, v) for k, v in utm.items() if k.lower() not in have])
    query = "&".join(part for part in (parts.query, added) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def utm_for(net: Network, medium: str, queue_id: str, token: str) -> dict[str, str]:
    """The four utm parameters of one person's link to one item on one network."""
    return dict(zip(UTM_FIELDS, (net.utm_source, medium, queue_id, token), strict=True))


def share_flag(row: Mapping[str, object]) -> bool | None:
    """Whether a Queue row is offered to staff: Share, else Yes for Organisation items.

    None when the Share cell cannot be read (the item is not offered, and the
    caller reports the cell).
    """
    text = clean_text(row.get("share", ""))
    if not text:
        return clean_text(row.get("source_kind", "")).casefold() == "organisation"
    try:
        return parse_yes_no(text)
    except ValueError:
        return None


def item_networks(row: Mapping[str, object], fallback: Sequence[str]) -> list[Network]:
    """The networks an item is meant for: its Channels, else `fallback` (the active channels)."""
    names = split_multi(row.get("channels", "")) or list(fallback)
    return [network(name) for name in dict.fromkeys(names)]


@dataclass(frozen=True)
class Caption:
    """One usable suggested text: for `channel` ('' for any network), from a Captions row."""

    queue_id: str
    channel: str
    text: str
    row: int


def usable_captions(
    captions: pd.DataFrame, links: Mapping[str, str], settings: Settings
) -> tuple[dict[str, list[Caption]], list[str]]:
    """Captions by Queue ID that pass the policy check, and a problem per caption refused.

    `links` maps Queue IDs to the items' links, so the check sees the text as posted.
    """
    found: dict[str, list[Caption]] = {}
    problems: list[str] = []
    for row_number, row in captions.iterrows():
        queue_id, text = clean_text(row["queue_id"]), clean_text(row["text"])
        if not queue_id or not text:
            continue
        checked = {"headline": text, "details": "", "link": links.get(queue_id, "")}
        refused = [f for f in screen(checked, settings) if f.startswith(_REFUSING_FLAGS)]
        if refused:
            problems.append(
                f"Captions row {row_number} ({queue_id}) is not offered: {refused[0]}; "
                "fix the text or delete the row"
            )
            continue
        caption = Caption(queue_id, clean_text(row["channel"]), text, int(str(row_number)))
        found.setdefault(queue_id, []).append(caption)
    return found, problems


def texts_for(
    net: Network, captions: Sequence[Caption], headline: str
) -> tuple[list[str], list[Caption]]:
    """The texts on offer for one item on one network, and the captions too long for it.

    Captions for this network or for any network that fit its length; none
    fitting: the headline (cut to fit, which only X's 280 ever needs).
    """
    mine = [c for c in captions if not c.channel or c.channel.casefold() == net.name.casefold()]
    fitting = [c.text for c in mine if net.fits(c.text)]
    too_long = [c for c in mine if c.channel and not net.fits(c.text)]
    if fitting:
        return fitting, too_long
    room = net.limit - 24
    return [headline if len(headline) <= room else headline[: room - 1].rstrip() + "…"], too_long


def rotated(texts: Sequence[str], person_index: int, item_index: int) -> str:
    """The variant person `person_index` gets: consecutive people get different variants.

    Over n people no variant goes to more than ceil(n / len(texts)); the
    item's index shifts the start so one person does not always get the first.
    """
    return texts[(person_index + item_index) % len(texts)]


def offer_link(row: Mapping[str, object]) -> str:
    """The website link an item is shared with: its Link when it is http(s), else ''."""
    link = clean_text(row.get("link", ""))
    return link if is_http_url(link) else ""
