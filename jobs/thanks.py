"""thanks: a short note to people whose contribution went somewhere.

- a submission whose Queue item was Published with a Post URL: thanks, with
  the link (topic = the Queue ID, period "item");
- a Rejected submission: a kind note with the reason (topic = the Response ID);
- a submission merged into the same suggestion already on its way: thanks, it is
  going out (topic "merged-" + Response ID), and the published note when it is;
- guide feedback marked Changed: thanks to its author (topic "feedback-" + Response ID).

The Message-ID is fixed by topic and recipient, so the Sent ledger sends each
note once however often the job runs. Only people in the People tab are
addressed; the mail layer still applies its domain and Active rules.
Contributions older than FRESH_DAYS are left alone, so installing Chorus on
an old spreadsheet does not thank people for last year's posts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from jobs import figures, reasons
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.people import active_people, readable_email
from jobs.share_digest import ShareInputs, offer_rows, own_item_offers
from jobs.weeks import parse_times
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime, split_multi

NAME = "thanks"
TABS = ("Queue", "Submissions", "People", "Sent", "Feedback", "Captions", "Shares")
ORIGIN_PREFIX = "form:submissions:"
FRESH_DAYS = 30
PERIOD = "item"


def _first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def _fresh(value: object, now: datetime, settings: Settings) -> bool:
    """Happened within FRESH_DAYS of now; a blank or unreadable time counts as fresh."""
    stamps = parse_times(pd.Series([value]), settings.tz, day_first=settings.organisation.day_first)
    when = stamps.iloc[0]
    return bool(pd.isna(when) or when >= pd.Timestamp(now - timedelta(days=FRESH_DAYS)))


def submitted_items(queue: pd.DataFrame, submissions: pd.DataFrame) -> list[dict[str, str]]:
    """Published Queue items with a post link that came from a submission, with who submitted.

    An item came from a submission when its Origin is form:submissions:<response id>
    or a Submissions row names it in Queue ID; the submitter is that row's Email,
    else the item's Submitted By. Whoever's suggestion was merged into an item (found
    elsewhere, or suggested first by someone else) is listed too, once each.
    """
    # rows as plain dicts, each tab once: a row Series per row (iterrows) cost ~0.1 ms each
    rows = submissions.to_dict("records")
    by_response = {clean_text(r["response_id"]): r for r in rows}
    by_queue = {
        clean_text(r["queue_id"]): r
        for r in rows
        if clean_text(r["queue_id"]) and not reasons.is_merged(r)
    }
    merged: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if clean_text(r["queue_id"]) and reasons.is_merged(r):
            merged.setdefault(clean_text(r["queue_id"]), []).append(r)
    items = []
    for row in queue.to_dict("records"):
        if not figures.is_published_with_link(row):
            continue
        ident = clean_text(row["id"])
        origin = clean_text(row["origin"])
        source = by_queue.get(ident)
        if source is None and origin.startswith(ORIGIN_PREFIX):
            source = by_response.get(origin[len(ORIGIN_PREFIX) :].strip())
        from_form = source is not None or origin.startswith(ORIGIN_PREFIX)
        if not from_form and ident not in merged:
            continue
        email = readable_email(source["email"]) if source is not None else ""
        item = {
            "id": ident,
            "email": email or readable_email(row["submitted_by"]),
            "typed_name": clean_text(source["name"]) if source is not None else "",
            "headline": clean_text(row["headline"]),
            "post_url": clean_text(row["post_url"]),
            "link": clean_text(row["link"]),
            "channels": ", ".join(split_multi(row["channels"])),
            "published_at": clean_text(row["published_at"]),
        }
        if from_form:
            items.append(item)
        # everyone whose same suggestion was merged into it is thanked too
        for also in merged.get(ident, []):
            email = readable_email(also["email"])
            if email and email != item["email"]:
                items.append({**item, "email": email, "typed_name": clean_text(also["name"])})
    return items


@dataclass
class _Notes:
    """The notes being planned, addressed only to active people (by email, to their name)."""

    names: Mapping[str, str]
    messages: list[OutgoingMessage] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "published": 0,
            "rejected": 0,
            "merged": 0,
            "feedback": 0,
            "not_in_people": 0,
        }
    )
    lines: list[str] = field(default_factory=list)

    def name_of(self, email: str, what: str) -> str | None:
        """The person's name, or None (and a line saying why) when they are not mailed."""
        if email in self.names:
            return self.names[email]
        self.counts["not_in_people"] += 1
        self.lines.append(
            f"{what}: {email or 'no email'} is not an active person in People; not mailed."
        )
        return None

    def add(
        self,
        kind: str,
        email: str,
        what: str,
        subject: str,
        template: str,
        topic: str,
        **context: object,
    ) -> None:
        """One note of `kind` to `email`, unless they are not an active person."""
        name = self.name_of(email, what)
        if name is None:
            return
        self.counts[kind] += 1
        self.messages.append(
            OutgoingMessage(
                job=NAME,
                period=PERIOD,
                to_email=email,
                to_name=name,
                subject=subject,
                template=template,
                context={"first_name": _first_name(name), "kind": kind, **context},
                topic=topic,
            )
        )


def _published_notes(
    notes: _Notes, snapshot: Snapshot, now: datetime, settings: Settings, key: bytes
) -> list[Append]:
    """Thanks for each fresh published submission, with share links for the item; their Shares rows."""
    recorded: list[Append] = []
    for item in submitted_items(snapshot["Queue"], snapshot["Submissions"]):
        if not _fresh(item["published_at"], now, settings):
            continue
        offers = own_item_offers(item, snapshot, settings, key) if item["email"] else []
        recorded += [
            Append("Shares", {**row, "sent_at": format_datetime(now, settings.tz)})
            for row in offer_rows(PERIOD, item["email"], item["id"], offers, snapshot)
        ]
        notes.add(
            "published",
            item["email"],
            f"Queue {item['id']}",
            f"Your suggestion is live: {item['headline']}",
            "thanks",
            item["id"],
            headline=item["headline"],
            post_url=item["post_url"],
            channels=item["channels"],
            offers=offers,
        )
    return recorded


def _rejection_notes(notes: _Notes, snapshot: Snapshot, now: datetime, settings: Settings) -> None:
    form_url = settings.forms["submissions"].url if "submissions" in settings.forms else ""
    for row in snapshot["Submissions"].to_dict("records"):
        if clean_text(row["status"]).casefold() != "rejected":
            continue
        if not _fresh(row["submitted_at"], now, settings):
            continue
        response_id, headline = clean_text(row["response_id"]), clean_text(row["headline"])
        notes.add(
            "rejected",
            readable_email(row["email"]),
            f"Submission {response_id}",
            f"About your suggestion: {headline}" if headline else "About your suggestion",
            "thanks_rejected",
            response_id,
            headline=headline,
            reason=clean_text(row["reason"]),
            submitted_at=clean_text(row["submitted_at"]),
            form_url=form_url,
        )


def _merged_notes(notes: _Notes, snapshot: Snapshot, now: datetime, settings: Settings) -> None:
    """A thank-you to whoever suggested what was already on its way: it goes out, with theirs."""
    for row in snapshot["Submissions"].to_dict("records"):
        if not reasons.is_merged(row) or not _fresh(row["submitted_at"], now, settings):
            continue
        response_id, headline = clean_text(row["response_id"]), clean_text(row["headline"])
        notes.add(
            "merged",
            readable_email(row["email"]),
            f"Submission {response_id}",
            f"Thank you: {headline} is on its way" if headline else "Thank you for your suggestion",
            "thanks",
            f"merged-{response_id}",
            headline=headline,
        )


def _feedback_notes(notes: _Notes, snapshot: Snapshot) -> None:
    for _, row in snapshot.get_or_empty("Feedback").iterrows():
        if clean_text(row["status"]).casefold() != "changed":
            continue
        response_id, email = clean_text(row["response_id"]), readable_email(row["email"])
        if not email:
            continue  # anonymous feedback: nobody to thank
        notes.add(
            "feedback",
            email,
            f"Feedback {response_id}",
            "Thank you: your feedback changed the social media guide",
            "thanks",
            f"feedback-{response_id}",
            section=clean_text(row["section"]),
            feedback=clean_text(row["text"]),
            reply=clean_text(row["reply"]),
        )


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """Thank-you notes for published submissions and changed feedback; notes for rejections."""
    people = active_people(snapshot["People"])
    notes = _Notes(dict(zip(people["email"], people["name"], strict=True)))
    key = inputs.key if isinstance(inputs, ShareInputs) else b""
    recorded = _published_notes(notes, snapshot, now, settings, key)
    _rejection_notes(notes, snapshot, now, settings)
    _merged_notes(notes, snapshot, now, settings)
    _feedback_notes(notes, snapshot)
    return Plan(
        changes=Changes(appends=tuple(recorded)),
        messages=tuple(notes.messages),
        report=Report(counts=notes.counts, lines=tuple(notes.lines)),
    )


JOB = Job(NAME, "Thank contributors whose suggestions were published", TABS, plan)
