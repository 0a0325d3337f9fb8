"""The networks staff share on: each one's name, text length limit and one-click share link.

One table, so the share digest, the welcome, the thank-you and the caption
check agree on what each network allows. Names, other names and length limits
come from jobs.network_names (the one list of networks Chorus knows); this
module adds what sharing needs: the share link and the utm_source. A network without a web intent that
takes a link (Instagram, YouTube) has no share link: the digest offers "copy
the text" instead. Links are counted as LINK_LENGTH characters, as the
networks shorten or preview them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from jobs.network_names import NETWORKS as KNOWN
from jobs.network_names import canonical_network

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


#: the networks with a web intent that takes a link, and whether it prefills the text
_SHARE: dict[str, tuple[ShareLink, bool]] = {
    "LinkedIn": (_linkedin, False),
    "X": (_x, True),
    "Bluesky": (_bluesky, True),
    "Threads": (_threads, True),
    "Facebook": (_facebook, False),
}
#: the length Chorus allows a text on a network whose limit it does not know
NO_LIMIT = 100_000


def _source(name: str) -> str:
    """A network's utm_source: its name in lower case, letters and digits only."""
    return "".join(ch for ch in name.strip().lower() if ch.isalnum()) or "other"


def _network(name: str, limit: int) -> Network:
    share, prefills = _SHARE.get(name, (None, False))
    return Network(name, limit or NO_LIMIT, _source(name), share, prefills)


NETWORKS: dict[str, Network] = {n.name.casefold(): _network(n.name, n.length_limit) for n in KNOWN}


def network(name: str) -> Network:
    """The Network called `name` (any case, or another name: 'Twitter' is X); an unknown one
    gets no share link and no limit.

    An unknown network is still offered, as "copy the text", so a channel
    people add to the sheet before Chorus knows it is not lost.
    """
    canonical = canonical_network(name)
    return NETWORKS.get(canonical.casefold()) or _network(canonical, 0)
