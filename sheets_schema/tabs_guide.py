"""Tabs the employee guide is made from besides the plan's own: where content comes from,
what the organisation thinks about social media, and when each part of the program
comes up for review. All three are written by people; the demo fills them in.
"""

from __future__ import annotations

from sheets_schema.columns import YES_NO, Column, Kind, Tab

#: How people know the places content and mentions come from.
SOURCE_KINDS_KNOWN = (
    "Google Alert",
    "News feed",
    "Newsletter",
    "Email blast",
    "Facebook posts",
    "LinkedIn discussions",
    "X search",
    "Other accounts",
    "Other",
)
#: The parts of the program (besides each policy, reviewed in Policies) that come up for review.
REVIEW_PARTS = ("Goals", "Channels", "Process", "Principles", "Sources")

SOURCES = Tab(
    "Sources",
    (
        Column(
            "Source",
            "source",
            Kind.TEXT,
            required=True,
            help="Its name as people know it",
            width=30,
        ),
        Column(
            "Kind",
            "kind",
            Kind.CHOICE,
            choices=SOURCE_KINDS_KNOWN,
            help="What sort of source it is",
            width=20,
        ),
        Column("What It Brings", "brings", Kind.TEXT, help="What we find there", width=44),
        Column(
            "How It Arrives",
            "arrives",
            Kind.TEXT,
            help="How it reaches the queue or Mentions",
            width=44,
        ),
        Column("Active", "active", Kind.YES_NO, choices=YES_NO, help="No: no longer watched"),
    ),
    ("source",),
    "A place content or mentions come from (alerts, newsletters, searches, accounts), for the guide.",
)

PRINCIPLES = Tab(
    "Principles",
    (
        Column(
            "Principle", "principle", Kind.TEXT, required=True, help="A short heading", width=30
        ),
        Column(
            "Statement", "statement", Kind.TEXT, help="What we think, in a few sentences", width=80
        ),
    ),
    ("principle",),
    "The organisation's thinking about social media, in its own words: the guide's Principles.",
)

REVIEWS = Tab(
    "Reviews",
    (
        Column(
            "Part",
            "part",
            Kind.CHOICE,
            required=True,
            choices=REVIEW_PARTS,
            help="The part of the program reviewed",
        ),
        Column("Owner", "owner", Kind.EMAIL, help="Who reviews it (gets the reminder)", width=28),
        Column("Last Reviewed", "last_reviewed", Kind.DATE, help="When it was last reviewed"),
        Column("Note", "note", Kind.TEXT, help="What the last review changed", width=40),
    ),
    ("part",),
    "When the goals, channels, process, principles and sources were last reviewed, and by whom.",
)
