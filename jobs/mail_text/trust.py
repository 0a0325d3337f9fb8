"""Whether a message really comes from the address in its From header.

A From line is whatever the sender typed, so it proves nothing. Chorus
believes a sender only when the organisation's own receiving server says so:
its `Authentication-Results` header (RFC 8601), recognised by the
authserv-id set in [inbox] authserv_id, shows DMARC pass for the From
domain, or DKIM pass with a signing domain that is the From domain or a
parent of it. A header with another authserv-id is the sender's own writing
and is ignored; of the headers with ours, only the topmost counts, because
the receiving server adds its header above everything the sender wrote.

The From header must hold exactly one well-formed address. Python's
`email.utils.parseaddr` reads `a@org, x@evil` as a@org and
`a@org]<x@evil>` as one odd address, so the header is parsed strictly here:
one From header, one address, no parser defects, a plain local@domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage

#: a plain address: dot-atoms on both sides, a domain with a dot
_ADDRESS = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$"
)
_COMMENT = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Trust:
    """What the headers prove: the sender's address ('' when the From is unusable) and why not."""

    sender: str
    name: str
    authenticated: bool
    why: str = ""


def strict_sender(msg: EmailMessage) -> tuple[str, str, str]:
    """(address, display name, '') for a From of exactly one well-formed address, else
    ('', '', why): two From headers, a list, a parser defect, or a malformed address."""
    try:
        values = msg.get_all("From") or []
    except (ValueError, TypeError, IndexError):
        return "", "", "the From header cannot be read"
    if len(values) != 1:
        return "", "", f"the message has {len(values)} From headers, not one"
    header = values[0]
    raw = str(header)
    if any(ch in raw for ch in "\r\n\0"):
        return "", "", "the From header holds a line break"
    defects = getattr(header, "defects", ())
    addresses: tuple[Address, ...] = tuple(getattr(header, "addresses", ()))
    if defects or len(addresses) != 1:
        return "", "", f"the From header is not exactly one well-formed address: {raw[:80]!r}"
    address = addresses[0].addr_spec
    if not _ADDRESS.match(address) or raw.count("@") != 1 + addresses[0].display_name.count("@"):
        return "", "", f"the From header is not exactly one well-formed address: {raw[:80]!r}"
    return address.lower(), addresses[0].display_name, ""


def _results(msg: EmailMessage, authserv_id: str) -> dict[str, list[dict[str, str]]]:
    """The topmost Authentication-Results header with our authserv-id, as method -> results."""
    try:
        headers = msg.get_all("Authentication-Results") or []
    except (ValueError, TypeError, IndexError):
        return {}
    for header in headers:
        text = " ".join(_COMMENT.sub(" ", str(header)).split())
        parts = [p.strip() for p in text.split(";")]
        ident = parts[0].split()[0].lower() if parts and parts[0] else ""
        if ident != authserv_id:
            continue
        found: dict[str, list[dict[str, str]]] = {}
        for part in parts[1:]:
            words = part.split()
            if not words or "=" not in words[0]:
                continue
            method, result = words[0].split("=", 1)
            props = {"result": result.lower()}
            for word in words[1:]:
                if "=" in word:
                    key, value = word.split("=", 1)
                    props[key.lower()] = value.strip('"').lower()
            found.setdefault(method.lower(), []).append(props)
        return found
    return {}


def _aligned(domain: str, signer: str) -> bool:
    return bool(signer) and (domain == signer or domain.endswith("." + signer))


def check_trust(msg: EmailMessage, authserv_id: str) -> Trust:
    """Whether the receiving server vouches for the From address (see the module doc)."""
    sender, name, why = strict_sender(msg)
    if why:
        return Trust("", "", False, why)
    if not authserv_id:
        return Trust(sender, name, False, "[inbox] authserv_id is not set")
    results = _results(msg, authserv_id.lower())
    if not results:
        return Trust(
            sender,
            name,
            False,
            f"no Authentication-Results from {authserv_id} (the receiving server)",
        )
    domain = sender.rsplit("@", 1)[-1]
    for dmarc in results.get("dmarc", []):
        if dmarc["result"] == "pass" and dmarc.get("header.from", domain) == domain:
            return Trust(sender, name, True)
    for dkim in results.get("dkim", []):
        signer = dkim.get("header.d") or dkim.get("header.i", "").rsplit("@", 1)[-1]
        if dkim["result"] == "pass" and _aligned(domain, signer):
            return Trust(sender, name, True)
    verdicts = ", ".join(
        f"{method}={r['result']}" for method, rs in sorted(results.items()) for r in rs
    )
    return Trust(
        sender, name, False, f"{authserv_id} found no DMARC or DKIM pass for {domain} ({verdicts})"
    )
