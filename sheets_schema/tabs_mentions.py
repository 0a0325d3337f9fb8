"""The Mentions columns that came with mentions from every network, and the Channel column's help.

They are optional: a workbook made before them still loads, and `chorus init`
adds them at the end of the tab.
"""

from __future__ import annotations

from sheets_schema.columns import Column, Kind

CHANNEL_HELP = (
    "The network: LinkedIn, X, Facebook, Instagram, YouTube, Bluesky, Threads, Mastodon, "
    "TikTok, WhatsApp channels, or any other name"
)

MENTION_COLUMNS: tuple[Column, ...] = (
    Column("Network", "network", help="The network it is on, e.g. LinkedIn", width=14),
    Column("Author", "author", help="Who wrote it, as the network names them", width=24),
    Column(
        "Reported By",
        "reported_by",
        Kind.EMAIL,
        help="The colleague who reported it (forwarded mail or the form)",
        width=28,
    ),
    Column(
        "Origin",
        "origin",
        help="Where Chorus found it: mail:<Message-ID> or form:<Response ID>",
        width=30,
    ),
)
