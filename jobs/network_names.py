"""The networks Chorus knows by name: their usual spelling, other names, post length and mail.

Channels accepts any network name. A known one is written the usual way
('linkedin' and 'Linked In' are LinkedIn, 'Twitter' is X), carries its post
length limit, and its notification emails (mentions, comments, messages,
tags) are recognised by the domains they come from. An unknown network is
kept as typed and has none of these: nothing is refused for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Network:
    """A network Chorus knows: how it is written, other names people use, its limits and mail."""

    name: str
    aliases: tuple[str, ...] = ()
    #: the most characters a post may hold (0: no limit Chorus checks)
    length_limit: int = 0
    #: the domains its notification emails come from (the From address's domain or a parent)
    mail_domains: tuple[str, ...] = ()
    #: the domains its posts and messages live on (the link to answer one)
    web_domains: tuple[str, ...] = ()


NETWORKS: tuple[Network, ...] = (
    Network(
        "LinkedIn",
        ("linked in",),
        3000,
        ("linkedin.com", "e.linkedin.com"),
        ("linkedin.com", "lnkd.in"),
    ),
    Network(
        "X",
        ("twitter", "x (twitter)", "twitter/x", "x.com"),
        280,
        ("x.com", "twitter.com"),
        ("x.com", "twitter.com"),
    ),
    Network(
        "Facebook",
        ("fb", "facebook page"),
        63206,
        ("facebookmail.com", "facebook.com"),
        ("facebook.com", "fb.com", "fb.me"),
    ),
    Network("YouTube", ("you tube", "yt"), 5000, ("youtube.com",), ("youtube.com", "youtu.be")),
    Network(
        "Instagram",
        ("insta", "ig"),
        2200,
        ("mail.instagram.com", "instagram.com"),
        ("instagram.com",),
    ),
    Network("Bluesky", ("bsky", "blue sky"), 300, ("bsky.app", "blueskyweb.xyz"), ("bsky.app",)),
    Network("Threads", ("threads.net",), 500, ("threads.net",), ("threads.net", "threads.com")),
    Network("Mastodon", ("fediverse",), 500, (), ()),
    Network("TikTok", ("tik tok",), 2200, ("tiktok.com", "service.tiktok.com"), ("tiktok.com",)),
    Network(
        "WhatsApp channels",
        ("whatsapp", "whatsapp channel", "whats app"),
        1024,
        (),
        ("whatsapp.com",),
    ),
)

KNOWN_NAMES: tuple[str, ...] = tuple(n.name for n in NETWORKS)

_BY_NAME: dict[str, Network] = {
    spelling.casefold(): network
    for network in NETWORKS
    for spelling in (network.name, *network.aliases)
}


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def known_network(name: str) -> Network | None:
    """The known network a name (or other name) stands for, or None for any other network."""
    return _BY_NAME.get(_folded(name))


def canonical_network(name: str) -> str:
    """'twitter' -> 'X', 'linkedin' -> 'LinkedIn'; any other name as typed (spaces tidied)."""
    network = known_network(name)
    return network.name if network else " ".join(name.split())


def length_limit(name: str) -> int:
    """The post length limit of a network, 0 when Chorus knows none."""
    network = known_network(name)
    return network.length_limit if network else 0


def sender_domains(overrides: Mapping[str, tuple[str, ...]] = {}) -> dict[str, tuple[str, ...]]:
    """Each network's notification sender domains; [inbox] notification_senders replaces a
    network's list (an empty list turns it off) or adds a network Chorus does not know."""
    found = {n.name: n.mail_domains for n in NETWORKS if n.mail_domains}
    for name, domains in overrides.items():
        found[canonical_network(name)] = tuple(d.strip().lower().lstrip("@") for d in domains)
    return {name: domains for name, domains in found.items() if domains}


def network_of_sender(address: str, senders: Mapping[str, tuple[str, ...]]) -> str:
    """The network whose notification domain (or an address listed whole) sent this mail, or ''."""
    address = address.strip().lower()
    domain = address.rsplit("@", 1)[-1]
    for name, entries in senders.items():
        for entry in entries:
            if address == entry or domain == entry or domain.endswith("." + entry):
                return name
    return ""


def web_domains(name: str) -> tuple[str, ...]:
    """Where a known network's posts and messages live (links to answer them); () otherwise."""
    network = known_network(name)
    return network.web_domains if network else ()
