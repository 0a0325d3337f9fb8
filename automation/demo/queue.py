"""The demo's Queue and Submissions tabs: queue.csv's items placed in time around `today`.

Published items spread over the last five weeks and scheduled ones over the next
two, each in a slot its channels post in, so check-cadence finds a believable
plan with a few gaps. Staff items that came through the form get their accepted
Submissions row; rejected_submissions.csv adds the responses sync-forms turned away.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from automation.demo.firm import (
    COORDINATORS,
    DOMAIN,
    digits,
    email_of,
    minute_text,
    read_csv,
    response_id,
    site_link,
    tab_row,
    token,
)
from jobs import reasons
from sheets_schema.values import parse_days, parse_time_window

_CHANNEL_RULES = {
    c["channel"]: (set(parse_days(c["post_days"])), parse_time_window(c["post_window"])[0])
    for c in read_csv("channels.csv")
}

_POST_URLS: dict[str, Callable[[random.Random], str]] = {
    "LinkedIn": lambda r: f"https://www.linkedin.com/feed/update/urn:li:activity:7{digits(r, 18)}/",
    "X": lambda r: f"https://x.com/GreenfieldLawUK/status/18{digits(r, 17)}",
    "Facebook": lambda r: f"https://www.facebook.com/GreenfieldLawLeeds/posts/pfbid0{token(r, 30)}",
    "YouTube": lambda r: f"https://www.youtube.com/watch?v={token(r, 11)}",
    "Instagram": lambda r: f"https://www.instagram.com/p/C{token(r, 10)}/",
}

#: How many days back an unscheduled item was created, by status (New otherwise).
_CREATED_DAYS_AGO = {"Approved": (3, 12), "Rejected": (6, 25)}


def _slot_ok(day: date, channels: list[str]) -> tuple[time, time] | None:
    """The window every channel shares on `day`, or None if one does not post that day."""
    start, end = time(0), time(23, 59)
    for ch in channels:
        days, (w_start, w_end) = _CHANNEL_RULES[ch]
        if day.weekday() not in days:
            return None
        start, end = max(start, w_start), min(end, w_end)
    return (start, end) if start < end else None


def _find_slot(
    target: date,
    channels: list[str],
    step: int,
    rng: random.Random,
    taken: set[tuple[date, str]],
    bounds: tuple[date, date],
) -> tuple[date, int, int]:
    """The nearest day from `target` (walking by `step`, then back) inside all channels' days
    and windows and within `bounds`, preferring days those channels have no post yet."""
    lo, hi = bounds
    target = min(max(target, lo), hi)
    candidates = [target + timedelta(days=step * n) for n in range(15)]
    candidates += [target - timedelta(days=step * n) for n in range(1, 15)]
    candidates = [d for d in candidates if lo <= d <= hi]
    for avoid_taken in (True, False):
        for day in candidates:
            window = _slot_ok(day, channels)
            if not window or (avoid_taken and any((day, c) in taken for c in channels)):
                continue
            first = window[0].hour * 60 + window[0].minute
            last = window[1].hour * 60 + window[1].minute - 5
            minute = first + 5 * rng.randrange(0, max(1, (last - first) // 5))
            taken.update((day, c) for c in channels)
            return day, minute // 60, minute % 60
    raise ValueError(f"no slot near {target} for {channels}")  # a bug in queue.csv


@dataclass
class _Calendar:
    """What placing the items needs: today, who goes where in line, and the slots taken."""

    today: date
    items: list[dict[str, str]]
    taken: set[tuple[date, str]] = field(default_factory=set)  # (day, channel) holding a post
    published: list[int] = field(init=False)  # items by index, oldest first
    scheduled: list[int] = field(init=False)  # items with a regular slot ahead, soonest first
    past: tuple[date, date] = field(init=False)
    ahead: tuple[date, date] = field(init=False)

    def __post_init__(self) -> None:
        statuses = [(q["status"], q["timing"]) for q in self.items]
        self.published = [i for i, s in enumerate(statuses) if s[0] == "Published"]
        self.scheduled = [i for i, s in enumerate(statuses) if s == ("Scheduled", "")]
        self.past = (self.today - timedelta(days=35), self.today - timedelta(days=1))
        self.ahead = (self.today + timedelta(days=1), self.today + timedelta(days=13))


def _place(cal: _Calendar, n: int, rng: random.Random) -> tuple[str, str, str, date]:
    """Item n's scheduled time, published time, post URL and the day it was created."""
    item, today = cal.items[n], cal.today
    status, timing = item["status"], item["timing"]
    chans = [c.strip() for c in item["channels"].split(",")]
    if status == "Published":
        # Spread over the last five weeks, newest last, each inside its channel's slot.
        k = cal.published.index(n)
        back = 34 - round(k * 33 / max(1, len(cal.published) - 1))
        day, hh, mm = _find_slot(today - timedelta(days=back), chans, -1, rng, cal.taken, cal.past)
        when = minute_text(day, hh, mm)
        post_url = _POST_URLS[chans[0]](rng)
        return when, when, post_url, day - timedelta(days=rng.randint(2, 6))
    if status == "Scheduled" and timing == "overdue":
        # Was due on the last posting day before today and never went out.
        day, hh, mm = _find_slot(today - timedelta(days=1), chans, -1, rng, set(), cal.past)
        return minute_text(day, hh, mm), "", "", day - timedelta(days=6)
    if status == "Scheduled" and timing == "outside window":
        day, _hh, _mm = _find_slot(today + timedelta(days=2), chans, 1, rng, cal.taken, cal.ahead)
        # 17:30 is after the window of every channel the demo runs.
        return minute_text(day, 17, 30), "", "", today - timedelta(days=3)
    if status == "Scheduled":
        # Spread over the next two weeks, leaving gaps for check-cadence to find.
        k = cal.scheduled.index(n)
        target = today + timedelta(days=1 + round(k * 12 / max(1, len(cal.scheduled) - 1)))
        day, hh, mm = _find_slot(target, chans, 1, rng, cal.taken, cal.ahead)
        return minute_text(day, hh, mm), "", "", today - timedelta(days=rng.randint(3, 10))
    low, high = _CREATED_DAYS_AGO.get(status, (1, 4))
    return "", "", "", today - timedelta(days=rng.randint(low, high))


def _origin(source_type: str, link: str, rng: random.Random) -> str:
    """Where an item that did not come through the form came from."""
    if source_type == "Alert":
        return f"Google Alerts tag:google.com,2013:googlealerts/feed:{digits(rng, 19)}"
    if source_type == "Newsletter":
        return f"Mail <{digits(rng, 14)}.{token(rng, 8)}@{DOMAIN}>"
    if source_type == "News release":
        return f"Newsroom {link}"
    return ""


def _accepted(
    item: dict[str, str], qid: str, rid: str, created: str, scheduled_for: str
) -> dict[str, str]:
    """The Submissions row of a staff item sync-forms accepted into the queue."""
    return tab_row(
        "Submissions",
        response_id=rid,
        submitted_at=created,
        email=email_of(item["submitted_by"]),
        name=item["submitted_by"],
        content_type=item["source_type"],
        headline=item["headline"],
        details=item["details"],
        link=site_link(item["link"]),
        suggested_channels=item["channels"],
        preferred_date=scheduled_for[:10] if item["status"] == "Scheduled" else "",
        permission="Yes",
        status="Accepted",
        queue_id=qid,
    )


def _item(
    cal: _Calendar, n: int, rng: random.Random
) -> tuple[dict[str, str], dict[str, str] | None]:
    """Item n's Queue row, and its Submissions row if it came through the form."""
    item, qid, link = cal.items[n], f"Q-{n + 1:04d}", site_link(cal.items[n]["link"])
    scheduled_for, published_at, post_url, created_day = _place(cal, n, rng)
    created_h, created_m = rng.randint(8, 17), rng.choice(range(0, 60, 1))
    created = minute_text(created_day, created_h, created_m)
    reviewer = "" if item["status"] == "New" else rng.choice([email_of(c) for c in COORDINATORS])
    submission = None
    if item["submitted_by"]:
        stamp = datetime.combine(created_day, time(created_h, created_m, rng.randint(0, 59)))
        rid = response_id("submissions", stamp.isoformat(), email_of(item["submitted_by"]))
        submission = _accepted(item, qid, rid, created, scheduled_for)
        origin = f"Form response {rid}"
    else:
        origin = _origin(item["source_type"], link, rng)
    row = tab_row(
        "Queue",
        id=qid,
        created=created,
        source_kind=item["source_kind"],
        source_type=item["source_type"],
        headline=item["headline"],
        details=item["details"],
        link=link,
        submitted_by=email_of(item["submitted_by"]) if item["submitted_by"] else "",
        channels=item["channels"],
        status=item["status"],
        scheduled_for=scheduled_for,
        published_at=published_at,
        post_url=post_url,
        flags=item["flags"],
        reviewer=reviewer,
        notes=item["notes"],
        origin=origin,
    )
    return row, submission


def queue_rows(
    today: date, rng: random.Random
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Queue rows, and the Submissions rows: accepted staff items and rejected responses."""
    cal = _Calendar(today, read_csv("queue.csv"))
    queue: list[dict[str, str]] = []
    submissions: list[dict[str, str]] = []
    for n in range(len(cal.items)):
        row, submission = _item(cal, n, rng)
        queue.append(row)
        if submission:
            submissions.append(submission)
    submissions.extend(_rejected(today, rng, queue))
    submissions.sort(key=lambda r: r["submitted_at"])
    return queue, submissions


def _rejected(today: date, rng: random.Random, queue: list[dict[str, str]]) -> list[dict[str, str]]:
    """Past responses sync-forms turned away, each with the reason it gave in its own words
    (the file names the reason), and one merged into the same suggestion already queued."""
    queue_ids = {q["headline"]: q["id"] for q in queue}
    rows = []
    for n, item in enumerate(read_csv("rejected_submissions.csv")):
        email = item["email"] or email_of(item["name"])
        status, queue_id, reason = "Rejected", "", _reason(item)
        if item["reason"] == "merged":
            status, queue_id = "Accepted", queue_ids[item["headline"]]
        day = today - timedelta(days=4 + 6 * n + rng.randint(0, 3))
        hh, mm, ss = rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59)
        stamp = datetime.combine(day, time(hh, mm, ss))
        rows.append(
            tab_row(
                "Submissions",
                response_id=response_id("submissions", stamp.isoformat(), email),
                submitted_at=minute_text(day, hh, mm),
                email=email,
                name=item["name"],
                content_type=item["content_type"],
                headline=item["headline"],
                details=item["details"],
                link=item["link"],
                suggested_channels="LinkedIn",
                permission=item["permission"],
                status=status,
                reason=reason,
                queue_id=queue_id,
            )
        )
    return rows


def _reason(item: dict[str, str]) -> str:
    """The sentence sync-forms would have written for the file's reason name."""
    name = item["reason"]
    if name == "merged":
        return reasons.MERGED
    if name == "not_a_web_link":
        return reasons.not_a_web_link(item["link"])
    if name == "outside_the_organisation":
        return reasons.outside_the_organisation(DOMAIN)
    if name == "no_permission":
        return reasons.no_permission()
    raise ValueError(f"rejected_submissions.csv: unknown reason {name!r}")
