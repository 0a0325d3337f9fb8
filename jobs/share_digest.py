"""share-digest: each person's weekly email of the organisation's posts, ready to share.

For every active person in the organisation's domains who has not opted out
(People > Share Digest = No), one email a week (the period is the ISO week
in their own timezone, so the Sent ledger sends it once) listing the items
published in the last `lookback_days` or scheduled in the next `ahead_days`
that are marked for sharing: the headline, a suggested text (Captions
variants rotated across people) and a one-click share link per network, each
carrying the four utm parameters and the person's opaque token. It goes once
the person's own clock passes [sharing] digest_time on the week's Monday
(People > Timezone, else the organisation's), so the job runs hourly on
Mondays and each run sends to whoever's hour has come. Nothing during a
crisis. Every offer is written to Shares, whose Visits import-visits fills.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from jobs import sharing
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.crisis.state import crisis_state
from jobs.networks import Network
from jobs.people import by_email, is_active
from jobs.weeks import parse_times, week_containing, within
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime, parse_yes_no

NAME = "share-digest"
TABS = ("Queue", "Captions", "People", "Shares", "Channels", "Crises", "Program")


@dataclass(frozen=True)
class ShareInputs:
    """What the shell hands the sharing jobs: Chorus's token key (from its state folder)."""

    key: bytes = b""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """A Queue item offered for sharing: what the email shows and where its links point."""

    id: str
    headline: str
    details: str
    link: str
    when: str
    networks: tuple[Network, ...]


@dataclass(frozen=True)
class Recipient:
    """A person due a digest now: their place in People (for rotation), zone and period."""

    index: int
    email: str
    name: str
    period: str


def active_channels(channels: pd.DataFrame) -> list[str]:
    """The Channels tab's active networks, in sheet order: where an item without Channels goes."""
    found = []
    for _, row in channels.iterrows():
        name = clean_text(row["channel"])
        if name and is_active(row["active"]):
            found.append(name)
    return found


def offered_items(
    snapshot: Snapshot, now: datetime, settings: Settings
) -> tuple[list[Item], list[str]]:
    """The items marked for sharing, published lately or scheduled soon, oldest first; and problems."""
    queue = snapshot["Queue"]
    tz, day_first, share = settings.tz, settings.organisation.day_first, settings.sharing
    published = parse_times(queue["published_at"], tz, day_first=day_first)
    scheduled = parse_times(queue["scheduled_for"], tz, day_first=day_first)
    status = queue["status"].map(clean_text).str.casefold()
    recent = (status == "published") & within(
        published, now - timedelta(days=share.lookback_days), now + timedelta(seconds=1)
    )
    coming = (status == "scheduled") & within(
        scheduled, now, now + timedelta(days=share.ahead_days)
    )
    fallback = active_channels(snapshot.get_or_empty("Channels")) or ["LinkedIn"]
    items: list[tuple[pd.Timestamp, Item]] = []
    problems: list[str] = []
    for row_number, row in queue[recent | coming].iterrows():
        ident = clean_text(row["id"])
        flag = sharing.share_flag(row)
        if flag is None:
            problems.append(
                f"Queue row {row_number} ({ident}): Share is {clean_text(row['share'])!r}; "
                "write Yes or No (not offered until then)"
            )
        link = sharing.offer_link(row)
        if not flag or not link:
            continue
        when = published[row_number] if status[row_number] == "published" else scheduled[row_number]
        networks = tuple(sharing.item_networks(row, fallback))
        items.append(
            (
                when,
                Item(
                    ident,
                    clean_text(row["headline"]),
                    clean_text(row["details"]),
                    link,
                    format_datetime(when.to_pydatetime(), tz),
                    networks,
                ),
            )
        )
    items.sort(key=lambda pair: pair[0])
    return [item for _, item in items], problems


def _zone(text: str, default: ZoneInfo) -> ZoneInfo | None:
    if not text:
        return default
    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        return None


def due_recipients(
    people: pd.DataFrame, now: datetime, settings: Settings
) -> tuple[list[Recipient], dict[str, int], list[str]]:
    """The people whose digest is due now, counts of those left out (by why), and problems."""
    hour, minute = (int(part) for part in settings.sharing.digest_time.split(":"))
    due: list[Recipient] = []
    left = {"opted_out": 0, "out_of_domain": 0, "waiting": 0}
    problems: list[str] = []
    # The rotation index counts only the people who get a digest this week (waiting ones
    # too), so over them no variant goes to more than its share, whichever hour runs.
    index = -1
    for email, row in by_email(people).items():
        if not is_active(row.get("active", "")) or "@" not in email:
            continue
        if not settings.allows_recipient(email):
            left["out_of_domain"] += 1
            continue
        try:
            wanted = parse_yes_no(row.get("share_digest", "")) if row.get("share_digest") else True
        except ValueError:
            problems.append(
                f"People: {email}'s Share Digest is {row['share_digest']!r}; write Yes or No "
                "(no digest until then)"
            )
            wanted = False
        if not wanted:
            left["opted_out"] += 1
            continue
        index += 1
        zone = _zone(row.get("timezone", ""), settings.tz)
        if zone is None:
            problems.append(
                f"People: {email}'s Timezone {row['timezone']!r} is not a timezone; write one "
                "such as Europe/London or America/New_York (the organisation's is used)"
            )
            zone = settings.tz
        local = now.astimezone(zone)
        week = week_containing(local.date())
        if local < datetime.combine(week.start, time(hour, minute), zone):
            left["waiting"] += 1
            continue
        due.append(Recipient(index, email, row.get("name", "") or email, week.label))
    return due, left, problems


def share_id(period: str, email: str, queue_id: str, channel: str) -> str:
    """The Shares row's key: fixed by period, person, item and network, so a rerun adds none."""
    digest = hashlib.sha256(f"{period}|{email}|{queue_id}|{channel}".encode()).hexdigest()
    return f"SH-{digest[:12]}"


def person_items(
    items: Sequence[Item],
    captions: Mapping[str, Sequence[sharing.Caption]],
    person_index: int,
    token: str,
    medium: str,
) -> list[dict[str, Any]]:
    """The items as one person's email shows them: a text and a tracked link per network."""
    shown = []
    for item_index, item in enumerate(items):
        offers = []
        for net in item.networks:
            texts, _ = sharing.texts_for(net, captions.get(item.id, ()), item.headline)
            text = sharing.rotated(texts, person_index, item_index)
            url = sharing.tracked_url(item.link, sharing.utm_for(net, medium, item.id, token))
            offers.append(
                {
                    "network": net.name,
                    "text": text,
                    "url": url,
                    "share_url": net.share_link(url, text),
                    "prefills_text": net.prefills_text,
                    "copy_text": f"{text} {url}",
                }
            )
        shown.append(
            {
                "id": item.id,
                "headline": item.headline,
                "details": item.details,
                "when": item.when,
                "offers": offers,
            }
        )
    return shown


def _too_long_lines(
    items: Sequence[Item], captions: Mapping[str, Sequence[sharing.Caption]]
) -> list[str]:
    lines: list[str] = []
    for item in items:
        for net in item.networks:
            _, too_long = sharing.texts_for(net, captions.get(item.id, ()), item.headline)
            lines.extend(
                f"Captions row {c.row} ({item.id}) is too long for {net.name} "
                f"({len(c.text)} characters and the link; the limit is {net.limit}): not offered there"
                for c in too_long
            )
    return lines


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """One digest per due person, and a Shares row per item and network offered to them."""
    shares_in = inputs if isinstance(inputs, ShareInputs) else ShareInputs()
    state = crisis_state(snapshot)
    if state.active:
        line = f"a crisis is open ({state.label}): no share digest goes out until it ends"
        return Plan(report=Report(counts={"digests": 0}, lines=(line,)))
    if not shares_in.key:
        return Plan(report=Report(counts={"digests": 0}, problems=shares_in.problems))
    items, problems = offered_items(snapshot, now, settings)
    links = {item.id: item.link for item in items}
    captions, caption_problems = sharing.usable_captions(snapshot["Captions"], links, settings)
    problems += caption_problems + _too_long_lines(items, captions)
    due, left, people_problems = due_recipients(snapshot["People"], now, settings)
    problems += people_problems
    if not items:
        line = "nothing is marked for sharing (Queue > Share) in the digest's window: no digests"
        return Plan(
            report=Report(counts={"digests": 0, **left}, lines=(line,), problems=tuple(problems))
        )
    known = set(snapshot["Shares"]["share_id"].map(clean_text))
    messages, appends = [], []
    sent_at = format_datetime(now, settings.tz)
    for person in due:
        token = sharing.person_token(shares_in.key, person.email)
        shown = person_items(items, captions, person.index, token, settings.sharing.medium)
        messages.append(_digest(person, shown))
        for item in shown:
            for offer in item["offers"]:
                ident = share_id(person.period, person.email, item["id"], offer["network"])
                if ident in known:
                    continue
                known.add(ident)
                row = {
                    "share_id": ident,
                    "email": person.email,
                    "queue_id": item["id"],
                    "channel": offer["network"],
                    "token": token,
                    "sent_at": sent_at,
                }
                appends.append(Append("Shares", row))
    counts = {
        "digests": len(messages),
        "items": len(items),
        "offers_recorded": len(appends),
        **left,
    }
    return Plan(
        changes=Changes(appends=tuple(appends)),
        messages=tuple(messages),
        report=Report(counts=counts, problems=tuple(problems)),
    )


def _digest(person: Recipient, shown: list[dict[str, Any]]) -> OutgoingMessage:
    first = person.name.split()[0] if person.name.split() else person.name
    subject = f"Worth sharing this week: {shown[0]['headline']}" + (
        f" and {len(shown) - 1} more" if len(shown) > 1 else ""
    )
    return OutgoingMessage(
        job=NAME,
        period=person.period,
        to_email=person.email,
        to_name=person.name,
        subject=subject,
        template="share_digest",
        context={"first_name": first, "items": shown, "week": person.period},
    )


JOB = Job(NAME, "Each person's weekly digest of posts to share, with one-click links", TABS, plan)


def own_item_offers(
    item: Mapping[str, str], snapshot: Snapshot, settings: Settings, key: bytes
) -> list[dict[str, Any]]:
    """Share links for one published item, for its contributor's thank-you ([] without a key).

    The link shared is the item's Link, else the post itself; the networks its Channels.
    """
    target = item["link"] if sharing.offer_link(item) else item.get("post_url", "")
    if not key or not target:
        return []
    shared = Item(
        item["id"],
        item["headline"],
        "",
        target,
        "",
        tuple(sharing.item_networks(item, ["LinkedIn"])),
    )
    captions, _ = sharing.usable_captions(snapshot["Captions"], {item["id"]: target}, settings)
    token = sharing.person_token(key, item["email"])
    offers: list[dict[str, Any]] = person_items(
        [shared], captions, 0, token, settings.sharing.medium
    )[0]["offers"]
    return [{**offer, "token": token} for offer in offers]


def offer_rows(
    period: str, email: str, queue_id: str, offers: Sequence[Mapping[str, Any]], snapshot: Snapshot
) -> list[dict[str, str]]:
    """Shares rows (without Sent At) for offers not recorded yet, keyed as the digest keys them."""
    known = set(snapshot["Shares"]["share_id"].map(clean_text))
    rows = []
    for offer in offers:
        ident = share_id(f"{period}-{queue_id}", email, queue_id, offer["network"])
        if ident not in known:
            rows.append(
                {
                    "share_id": ident,
                    "email": email,
                    "queue_id": queue_id,
                    "channel": offer["network"],
                    "token": offer["token"],
                }
            )
    return rows
