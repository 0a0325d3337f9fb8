"""Links: the real URL behind a redirect, without tracking, and its de-duplication key.

Canonical URLs (the de-duplication key, never shown to people): tracking
parameters and the fragment removed, scheme dropped (http and https are the
same article), host lower-cased without a leading "www." (sites serve the
same page on both; one mention is better than two), default ports dropped,
trailing slash ignored, query parameters sorted. Google Alerts links are
Google redirects (`https://www.google.com/url?...&url=REAL&ct=ga`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "vero_conv",
        "__s",
        "ref_src",
        "s_cid",
        "cmpid",
        "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


#: an address canonical_url can key without urllib: scheme, host, and a path of characters
#: its quoting leaves as they are
_PLAIN_URL = re.compile(r"(?i:https?)://([A-Za-z0-9.-]+)(/[A-Za-z0-9/:@!$&'()*+,;=._~-]*)?")


def unwrap_redirect(url: str) -> str:
    """Google's redirect link (google.*/url?url=REAL or ?q=REAL) -> the real URL; others unchanged."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    if re.fullmatch(r"(?:www\.)?google(?:\.[a-z]{2,3}){1,2}", host) and parts.path == "/url":
        params = dict(parse_qsl(parts.query))
        real = params.get("url") or params.get("q") or ""
        if real.lower().startswith(("http://", "https://")):
            return real
    return url.strip()


def clean_url(url: str) -> str:
    """The URL without tracking parameters (utm_*, fbclid, gclid, ...) or fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query, doseq=True), ""))


@lru_cache(maxsize=1 << 16)  # a sync asks twice per link: is it on its way, then index it
def canonical_url(url: str) -> str:
    """The de-duplication key of a URL (see the module doc for what is ignored)."""
    plain = _PLAIN_URL.fullmatch(url.strip())
    if plain is not None and "google" not in plain[1].lower():
        # No query, fragment, port, login or escapes: what the long way below gives, at a
        # fraction of its cost (most links a form brings look like this).
        host = plain[1].lower().rstrip(".")
        return (host[4:] if host.startswith("www.") else host) + (plain[2] or "").rstrip("/")
    cleaned = clean_url(unwrap_redirect(url))
    try:
        parts = urlsplit(cleaned)
        port = parts.port
    except ValueError:
        return cleaned.strip().lower()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~").rstrip("/")
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return host + path + (f"?{query}" if query else "")


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)
