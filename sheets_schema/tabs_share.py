"""The tabs and columns staff amplification adds: Captions, Shares, and a few optional columns.

Captions holds the suggested share texts for a Queue item (several variants
welcome, one row each); Shares records what the share digest offered to whom
and the visits the website counted for it. The columns added to People
(Share Digest, Timezone, Start Date) and Queue (Share) are optional, so a
workbook made before them still loads; `chorus init` adds them.
"""

from __future__ import annotations

from dataclasses import replace

from sheets_schema.columns import YES_NO, Column, Kind, Tab

CAPTIONS = Tab(
    "Captions",
    (
        Column(
            "Queue ID", "queue_id", required=True, help="The Queue item the text is for", width=12
        ),
        Column(
            "Channel",
            "channel",
            help="The network the text is for (LinkedIn, X, Bluesky, Threads, ...); blank for any",
        ),
        Column(
            "Text",
            "text",
            required=True,
            help="A suggested text staff may post; write several rows so colleagues' posts differ",
            width=60,
        ),
    ),
    ("queue_id", "text"),
    "Suggested share texts for Queue items, one row per variant; the share digest rotates them.",
)

SHARES = Tab(
    "Shares",
    (
        Column("Share ID", "share_id", required=True, help="Unique id of the offer", width=20),
        Column("Email", "email", Kind.EMAIL, help="Who was offered the item", width=30),
        Column("Queue ID", "queue_id", help="The Queue item offered", width=12),
        Column("Channel", "channel", help="The network the share link is for"),
        Column(
            "Token",
            "token",
            help="The person's opaque token in the link's utm_content (never their email)",
            width=16,
        ),
        Column("Sent At", "sent_at", Kind.DATETIME, help="When the digest offered it"),
        Column(
            "Visits",
            "visits",
            Kind.INTEGER,
            help="Website visits the analytics export counted for this link (import-visits)",
        ),
    ),
    ("share_id",),
    "What the share digest offered to whom, and the website visits each share link brought.",
    "share-digest, import-visits",
)

#: optional columns added to existing tabs, after their own columns
ADDED_COLUMNS: dict[str, tuple[Column, ...]] = {
    "People": (
        Column(
            "Share Digest",
            "share_digest",
            Kind.YES_NO,
            choices=YES_NO,
            help="No: no weekly share digest for this person",
        ),
        Column(
            "Timezone",
            "timezone",
            help="The person's timezone (e.g. America/New_York) for their digest hour; blank: the organisation's",
            width=22,
        ),
        Column(
            "Start Date",
            "start_date",
            Kind.DATE,
            help="First working day: the welcome email goes on or after it",
        ),
    ),
    "Queue": (
        Column(
            "Share",
            "share",
            Kind.YES_NO,
            choices=YES_NO,
            help="Offer it to staff to share (blank: Yes for Organisation items)",
        ),
    ),
}


def with_sharing(tabs: dict[str, Tab]) -> dict[str, Tab]:
    """The tabs with the sharing columns added to People and Queue, then Captions and Shares."""
    grown = {
        name: replace(t, columns=(*t.columns, *ADDED_COLUMNS.get(name, ())))
        for name, t in tabs.items()
    }
    # Program, Sent and Runs stay the last tabs a person sees: switches, then Chorus's records.
    last: dict[str, Tab] = {n: grown.pop(n) for n in ("Program", "Sent", "Runs") if n in grown}
    return {**grown, CAPTIONS.name: CAPTIONS, SHARES.name: SHARES, **last}
