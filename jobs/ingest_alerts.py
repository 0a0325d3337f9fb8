"""ingest-alerts: alert and content feeds -> new Mentions (or Queue items), once each.

    gather  fetch and parse every feed in [alerts] feeds (a feed that fails is
            reported and the others still run)
    plan    pure: entries not seen before (by canonical URL, against Mentions
            URL, Queue Link and Origin, and across feeds in this run) become
            Mentions, or Queue items for feeds with use = "content"
    apply   the runner's single write

Kind is always "Mention": guessing Criticism or Compliment from word lists is
wrong too often on news headlines ("award" in a lawsuit story), and a wrong
label is worse than none; the coordinator sets Kind when answering.

Spike watch: when the mentions found in the last [crisis] window_hours reach
`minimum` and `multiplier` times the usual rate over `baseline_days`, the run
reports a problem suggesting `chorus crisis start` (nothing is declared
automatically). During a declared crisis (a Crises row without Ended, or
Program "Crisis Mode" On) content-feed items arrive On hold.

Blocked sites: a content-feed entry linking a site in [screening]
blocked_domains is rejected outright (listed, never queued); a mention on
such a site is still recorded, since the team needs to know about it (the
brief shows its address defanged, never as a link).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from jobs.base import Job, Plan, Report
from jobs.crisis.command import merge_plans, watch
from jobs.crisis.state import crisis_state
from jobs.links import canonical_url
from jobs.screening import blocked_reason, blocked_sites, defang, screen
from jobs.sync_forms import next_id_number
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Feed, Settings
from sheets_schema.values import clean_text, format_datetime, parse_datetime

# Rota, Absences, Policies: for the crisis watch, which alerts and mails people.
TABS = ("Mentions", "Queue", "Crises", "Program", "Rota", "Absences", "Policies")
SNIPPET_LIMIT = 1000


@dataclass(frozen=True)
class FeedEntry:
    """One entry of one feed, cleaned: plain-text title and snippet, the real URL."""

    feed: str
    entry_id: str
    title: str
    snippet: str
    url: str
    published: datetime | None = None

    @property
    def canonical(self) -> str:
        return canonical_url(self.url) if self.url else ""


@dataclass(frozen=True)
class FeedInputs:
    """What gather found: every feed's entries (in feed order) and feeds that failed."""

    entries: tuple[FeedEntry, ...] = ()
    problems: tuple[str, ...] = ()


def already_seen(mentions: pd.DataFrame, queue: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Canonical URLs and feed origins already in Mentions or the Queue."""
    seen: set[str] = {canonical_url(u) for u in mentions["url"] if clean_text(u)}
    seen |= {canonical_url(u) for u in queue["link"] if clean_text(u)}
    origins: set[str] = set()
    for origin in queue["origin"]:
        text = clean_text(origin)
        if text.startswith("feed:"):
            origins.add(text)
            url_at = text.find("http")
            if url_at >= 0:
                seen.add(canonical_url(text[url_at:]))
    return seen, origins


def _queue_row(
    ident: str,
    entry: FeedEntry,
    feed: Feed,
    found: str,
    origin: str,
    settings: Settings,
    crisis: str,
) -> dict[str, str]:
    """A content-feed entry as a Queue candidate, screened, On hold during a crisis."""
    fields = {"headline": entry.title, "details": entry.snippet[:SNIPPET_LIMIT], "link": entry.url}
    return {
        "id": ident,
        "created": found,
        "source_kind": feed.source_kind,
        "source_type": feed.source_type,
        **fields,
        "status": "On hold" if crisis else "New",
        "held_from": "New" if crisis else "",
        "flags": "; ".join(screen(fields, settings)),
        "origin": origin,
    }


def _mention_row(ident: str, entry: FeedEntry, feed: Feed, found: str) -> dict[str, str]:
    """An alert entry as a new Mention; Kind stays 'Mention' until a person reads it."""
    return {
        "id": ident,
        "found_at": found,
        "source": feed.name,
        "kind": "Mention",
        "title": entry.title,
        "snippet": entry.snippet[:SNIPPET_LIMIT],
        "url": entry.url,
        "status": "New",
    }


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: FeedInputs | None) -> Plan:
    """The pure plan: one Mention or Queue item per entry not seen before."""
    inputs = inputs or FeedInputs()
    mentions = snapshot.get_or_empty("Mentions")
    queue = snapshot.get_or_empty("Queue")
    seen, origins = already_seen(mentions, queue)
    crisis = crisis_state(snapshot).label
    next_m, next_q = next_id_number(mentions["id"], "M"), next_id_number(queue["id"], "Q")
    feeds = {f.name: f for f in settings.alerts.feeds}
    appends: list[Append] = []
    counts = dict.fromkeys(
        ("entries", "mentions_added", "queue_added", "duplicates", "skipped_blocked_site"), 0
    )
    counts["feeds_failed"] = len(inputs.problems)
    lines: list[str] = []
    new_found: list[datetime] = []
    for entry, feed, origin in _new_entries(inputs, feeds, seen, origins, now, counts, lines):
        found = min(entry.published, now) if entry.published else now
        when = format_datetime(found, settings.tz)
        blocked = blocked_sites(
            entry.url, f"{entry.title}\n{entry.snippet}", settings.screening.blocked_domains
        )
        if feed.use == "content" and blocked:
            # Rejected outright, like a submission: never queued (a mention is still recorded).
            counts["skipped_blocked_site"] += 1
            title = defang(entry.title, settings.screening.blocked_domains)
            why = blocked_reason(blocked, sent=False)  # a feed sent nothing: no "send it again"
            lines.append(f"feed {feed.name!r}: {title!r} left out: {why[:1].lower()}{why[1:]}")
        elif feed.use == "content":
            row = _queue_row(f"Q-{next_q:04d}", entry, feed, when, origin, settings, crisis)
            appends.append(Append("Queue", row))
            next_q += 1
            counts["queue_added"] += 1
        else:
            appends.append(Append("Mentions", _mention_row(f"M-{next_m:04d}", entry, feed, when)))
            next_m += 1
            counts["mentions_added"] += 1
            new_found.append(found)
    problems = list(inputs.problems)
    spike = _spike(mentions["found_at"], new_found, now, settings) if not crisis else ""
    if spike:
        problems.append(spike)
    if crisis and counts["queue_added"]:
        lines.append(f"crisis {crisis} is active: {counts['queue_added']} new item(s) put On hold")
    own = Plan(
        changes=Changes(appends=tuple(appends)),
        report=Report(counts=counts, lines=tuple(lines), problems=tuple(problems)),
    )
    # The crisis watch: follow the Program switch and the Crises tab, and watch for a
    # storm of criticism and direct messages among what just arrived.
    new_mentions = [a.row for a in appends if a.tab == "Mentions"]
    return merge_plans(own, watch(snapshot, now, settings, new_mentions=new_mentions))


def _new_entries(
    inputs: FeedInputs,
    feeds: Mapping[str, Feed],
    seen: set[str],
    origins: set[str],
    now: datetime,
    counts: dict[str, int],
    lines: list[str],
) -> list[tuple[FeedEntry, Feed, str]]:
    """Entries not seen before (by canonical URL and origin), each with its feed and origin.

    Oldest first within each feed (feeds list newest first), so ids follow time.
    """
    order = {name: i for i, name in enumerate(feeds)}
    entries = sorted(
        inputs.entries, key=lambda e: (order.get(e.feed, len(order)), e.published or now)
    )
    new: list[tuple[FeedEntry, Feed, str]] = []
    for entry in entries:
        counts["entries"] += 1
        feed = feeds.get(entry.feed) or Feed(entry.feed, "")
        key = entry.canonical
        origin = f"feed:{feed.name}:{entry.entry_id or entry.url}"
        if not key:
            lines.append(f"feed {feed.name!r}: entry {entry.title!r} has no link; skipped")
            continue
        if key in seen or origin in origins:
            counts["duplicates"] += 1
            continue
        seen.add(key)
        origins.add(origin)
        new.append((entry, feed, origin))
    return new


def _spike(
    existing: Sequence[object], new: list[datetime], now: datetime, settings: Settings
) -> str:
    """A sentence when mentions of any kind in the last window far exceed the usual rate.

    Feed entries arrive as Kind "Mention" (nobody has classified them yet), so the
    criticism storm detector in jobs/crisis/storm.py cannot see them; this volume check
    tells the coordinator to look.
    """
    crisis = settings.crisis
    window = timedelta(hours=crisis.window_hours)
    baseline_start = now - window - timedelta(days=crisis.baseline_days)
    times = list(new)
    for value in existing:
        try:
            times.append(parse_datetime(clean_text(value), settings.tz))
        except ValueError:
            continue
    recent = sum(1 for t in times if now - window <= t <= now)
    before = sum(1 for t in times if baseline_start <= t < now - window)
    expected = before * window / timedelta(days=crisis.baseline_days)
    if recent >= crisis.minimum and recent >= crisis.multiplier * max(expected, 1.0):
        hours = f"{crisis.window_hours:g}"
        return (
            f"mention spike: {recent} mentions in the last {hours} h, about {expected:.1f} usual; "
            "look at Mentions and, if it is a crisis, run `chorus crisis start`"
        )
    return ""


JOB = Job(
    "ingest-alerts",
    "Read Google Alerts and other feeds into Mentions (or the Queue for content feeds), once each.",
    TABS,
    plan,
)
