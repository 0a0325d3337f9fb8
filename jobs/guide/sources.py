"""The guide's "Where content comes from": every source the program has, named as people
know it (the Sources tab, the feeds in chorus.toml, the mailbox), and how to forward mail.

A source nobody set up is not claimed: without alert feeds the guide says the
coordinator gathers mentions by hand, never that alerts arrive every ten minutes.
"""

from __future__ import annotations

from jobs.guide.context import Context, form_url, rows_of
from jobs.guide.document import Block, Inline, Link, Paragraph, Runs, Strong, Subsection, Table
from jobs.guide.wording import join_words, schedule_in_words
from sheets_schema.records import Snapshot
from sheets_schema.values import clean_text, parse_email


def mailbox_address(ctx: Context) -> str:
    """The address staff forward to: [inbox] address, else the Gmail user or IMAP login."""
    inbox = ctx.settings.inbox
    if not inbox.kind:
        return ""
    for candidate in (inbox.address, inbox.user, ctx.settings.backend.delegated_user):
        try:
            return parse_email(candidate)
        except ValueError:
            continue
    return ""


def trusted_senders(ctx: Context) -> str:
    """Who may forward content to the mailbox, in words."""
    allowed = [a.strip().lstrip("@") for a in ctx.settings.inbox.allow if a.strip()]
    words = "colleagues listed as active in the programme"
    if allowed:
        words += " and " + join_words([a if "@" in a else f"anyone at {a}" for a in allowed])
    return words


def _mailbox_runs(ctx: Context) -> Runs:
    address = mailbox_address(ctx)
    where: Inline = Link(address, f"mailto:{address}") if address else "the social media mailbox"
    return (
        "Forward newsletters and email blasts worth sharing to ",
        where,
        f". Chorus takes mail only from {trusted_senders(ctx)}; anything else is left "
        "unread for the coordinator.",
    )


def _watched(snapshot: Snapshot, ctx: Context) -> list[tuple[Runs, ...]]:
    """One row per active Sources row, then each feed in chorus.toml the tab does not name."""
    rows: list[tuple[Runs, ...]] = []
    named: set[str] = set()
    for _, row in rows_of(snapshot.get_or_empty("Sources")):
        if not row["source"] or row["active"].casefold() in ("no", "n", "false"):
            continue
        named.add(row["source"].casefold())
        kind = f" ({row['kind']})" if row["kind"] else ""
        rows.append(
            ((Strong(row["source"]), kind), (row["brings"] or "—",), (row["arrives"] or "—",))
        )
    alerts_when = schedule_in_words(ctx.settings.schedule.get("ingest-alerts", ""))
    for feed in ctx.settings.alerts.feeds:
        name = clean_text(feed.name)
        if any(name.casefold() in n or n in name.casefold() for n in named):
            continue
        brings = "What others say about us" if feed.use == "mentions" else "Items to share"
        arrives = f"Chorus reads it {alerts_when} and adds new items to " + (
            "Mentions." if feed.use == "mentions" else "the queue."
        )
        rows.append(((Strong(name),), (brings,), (arrives,)))
    return rows


def sources(snapshot: Snapshot, ctx: Context) -> Subsection:
    """Where content comes from: our own, staff and partners, and every source we watch."""
    org = clean_text(ctx.settings.organisation.name)
    submit_url = form_url(ctx.settings, "submissions")
    submit_form: Inline = (
        Link("the submission form", submit_url) if submit_url else "the submission form"
    )
    staff: Runs = ("You send them with ", submit_form, ". Chorus checks each one.")
    rows: list[tuple[Runs, ...]] = [
        (
            (Strong(org),),
            ("News releases, events, videos and white papers.",),
            ("The coordinator adds them to the queue directly.",),
        ),
        (
            (Strong("Staff and partners"),),
            (
                "Employee awards, partner and client achievements, industry articles, "
                "community service and events.",
            ),
            staff,
        ),
    ]
    watched = _watched(snapshot, ctx)
    rows += watched
    blocks: list[Block] = [Table(("Source", "What it brings", "How it reaches us"), tuple(rows))]
    if not watched:
        blocks.append(
            Paragraph(
                (
                    "No alerts or feeds are set up yet: the coordinator looks for mentions and "
                    "articles worth sharing by hand, and adds them to the queue.",
                )
            )
        )
    if ctx.settings.inbox.kind:
        blocks.append(Paragraph(_mailbox_runs(ctx)))
    return Subsection("Where content comes from", "process-sources", tuple(blocks))
