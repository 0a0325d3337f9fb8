"""The networks staff share on: each one's name, text length limit and one-click share link.

One table, so the share digest, the welcome, the thank-you and the caption
check agree on what each network allows. A network without a web intent that
takes a link (Instagram, YouTube) has no share link: the digest offers "copy
the text" instead. Links are counted as LINK_LENGTH characters, as the
networks shorten or preview them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

#: how many characters a link costs in a post (X's t.co; the others preview it)
LINK_LENGTH = 23


def _linkedin(url: str, text: str) -> str:
    # share-offsite takes only the link: LinkedIn reads the page's own title and image.
    return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})


def _x(url: str, text: str) -> str:
    return "https://x.com/intent/post?" + urlencode({"text": text, "url": url}, quote_via=quote)


def _bluesky(url: str, text: str) -> str:
    # Bluesky's compose intent has no url parameter: the link goes at the end of the text.
    return "https://bsky.app/intent/compose?" + urlencode(
        {"text": f"{text} {url}".strip()}, quote_via=quote
    )


def _threads(url: str, text: str) -> str:
    return "https://www.threads.net/intent/post?" + urlencode(
        {"text": text, "url": url}, quote_via=quote
    )


def _facebook(url: str, text: str) -> str:
    # sharer.php takes only the link; Facebook does not let a page prefill the text.
    return "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})


ShareLink = Callable[[str, str], str]


@dataclass(frozen=True)
class Network:
    """A network: its name as People type it, its post length limit, its share link.

    `utm_source` is the name in a tracked link; `share` is None for a network
    without a web intent (the text is copied instead); `prefills_text` says
    whether the share link carries the suggested text.
    """

    name: str
    limit: int
    utm_source: str
    share: ShareLink | None = None
    prefills_text: bool = False

    def share_link(self, url: str, text: str) -> str:
        """The one-click link that opens the network's composer with `url` (and `text`); '' if none."""
        return self.share(url, text) if self.share else ""

    def fits(self, text: str, with_link: bool = True) -> bool:
        """Whether `text` (plus a link, counted as LINK_LENGTH + a space) fits in one post."""
        return len(text) + (LINK_LENGTH + 1 if with_link else 0) <= self.limit


NETWORKS: dict[str, Network] = {
    n.name.casefold(): n
    for n in (
        Network("LinkedIn", 3000, "linkedin", _linkedin),
        Network("X", 280, "x", _x, prefills_text=True),
        Network("Bluesky", 300, "bluesky", _bluesky, prefills_text=True),
        Network("Threads", 500, "threads", _threads, prefills_text=True),
        Network("Facebook", 63206, "facebook", _facebook),
        Network("Instagram", 2200, "instagram"),
        Network("YouTube", 5000, "youtube"),
    )
}


def network(name: str) -> Network:
    """The Network called `name` (any case); an unknown one gets no share link and no limit.

    An unknown network is still offered, as "copy the text", so a channel
    people add to the sheet before Chorus knows it is not lost.
    """
    known = NETWORKS.get(name.strip().casefold())
    if known is not None:
        return known
    source = "".join(ch for ch in name.strip().lower() if ch.isalnum()) or "other"
    return Network(name.strip(), 100_000, source)
