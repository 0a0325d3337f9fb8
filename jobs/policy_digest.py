"""policy-digest: the monthly policy digest, acknowledgement reminders and review reminders.

Three kinds of message, each sent once through the Sent ledger:

- the digest (topic "digest", period "YYYY-MM") to every active person, once
  a month whatever day the job runs: what changed since the previous digest
  first, then every Current policy and guideline, one guideline in the
  spotlight, and the acknowledgement form link;
- a reminder (topic "reminder", period = ISO week) to people who have not
  acknowledged the current version, at most once per `policy.reminder_interval_days`
  counting the digest itself, never in the same run as their digest;
- a review reminder (topic "review", period "YYYY-MM") to each policy owner
  whose policies were last reviewed more than `policy.review_interval_days` ago,
  and to each owner of a part of the program (goals, channels, process,
  principles, sources: the Reviews tab) due by the same interval, with the
  guide feedback still open.

What the previous digest said lives in the State tab (Chorus's hidden memory;
workbooks from before it kept it in Program, and the next digest moves it):
one row per digest, Key "Policy Digest YYYY-MM", Value a small JSON record of each listed
policy's version and title, the program's policy version and the spotlight
guideline. Comparing with that record (not with Effective dates) tells new,
changed and retired apart, and works whatever people do to the Sent tab.
The job keeps only the current and the previous record; people may delete
them (the next digest then lists everything without a "what changed" section).
The program's policy version is jobs.acknowledgements.current_version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import pandas as pd

from jobs import acknowledgements as acks
from jobs import reviews
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.people import active_people
from jobs.policy_mail import Delivered, delivered_by_recipient
from jobs.weeks import week_containing
from sheets_schema.records import Append, Changes, Delete, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, parse_date, parse_email

NAME = "policy-digest"
TABS = (
    "Policies",
    "People",
    "Acknowledgements",
    "Sent",
    "Feedback",
    "Program",
    "State",
    "Reviews",
)
RECORD_PREFIX = "Policy Digest "
RECORD_NOTE = (
    "What this policy digest listed; the next digest shows what changed since. Written by Chorus."
)
OPEN_FEEDBACK = ("new", "considered")


# --- the record of each digest ----------------------------------------------------------------


def read_records(
    state: pd.DataFrame, program: pd.DataFrame | None = None
) -> tuple[dict[str, dict[str, Any]], tuple[str, ...], dict[str, str]]:
    """Digest records by period from the State tab, problems with unreadable ones, and the
    records a workbook from before the State tab still keeps in Program (period -> Value).

    A record in State wins over the same period's in Program.
    """
    records: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    in_program: dict[str, str] = {}
    sources = [("State", "key", state)]
    if program is not None:
        sources.append(("Program", "setting", program))
    for tab, key_field, frame in sources:
        for row_number, row in frame.iterrows():
            name = clean_text(row[key_field])
            if not name.startswith(RECORD_PREFIX):
                continue
            period = name[len(RECORD_PREFIX) :].strip()
            if tab == "Program":
                in_program[period] = clean_text(row["value"])
                if period in records:
                    continue
            record = _parse_record(clean_text(row["value"]))
            if record is None:
                problems.append(
                    f"tab '{tab}', row {row_number}, column 'Value': the record of the {period} "
                    "policy digest is unreadable (delete the row; the next digest then lists "
                    "every policy without a 'what changed' section)"
                )
                continue
            records[period] = record
    return records, tuple(problems), in_program


def _parse_record(text: str) -> dict[str, Any] | None:
    """One digest record from its JSON Value, or None when it cannot be read."""
    try:
        value = json.loads(text)
        return {
            "versions": {str(k): str(v) for k, v in dict(value["versions"]).items()},
            "titles": {str(k): str(v) for k, v in dict(value.get("titles", {})).items()},
            "spotlight": str(value.get("spotlight", "")),
            "version": str(value.get("version", "")),
        }
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def record_row(
    period: str, items: list[dict[str, Any]], spotlight_id: str, version: str
) -> dict[str, str]:
    """The State row that remembers what the digest for `period` listed."""
    value = {
        "versions": {i["id"]: i["version"] for i in items},
        "titles": {i["id"]: i["title"] for i in items},
        "spotlight": spotlight_id,
        "version": version,
    }
    return {
        "key": f"{RECORD_PREFIX}{period}",
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "note": RECORD_NOTE,
    }


# --- what the digest lists --------------------------------------------------------------------


def current_items(policies: pd.DataFrame, *, day_first: bool = True) -> list[dict[str, Any]]:
    """Current policies then guidelines, each by ID, as plain dicts for the templates."""
    items: list[dict[str, Any]] = []
    for row_number, row in acks.current_policies(policies).iterrows():
        ident = clean_text(row["id"])
        if not ident:
            continue
        kind = clean_text(row["kind"]) or "Policy"
        items.append(
            {
                "id": ident,
                "kind": kind,
                "title": clean_text(row["title"]),
                "text": clean_text(row["text"]),
                "version": clean_text(row["version"]),
                "effective": _iso_date(row["effective"], day_first),
                "last_reviewed": _iso_date(row["last_reviewed"], day_first),
                "owner": clean_text(row["owner"]),
                "row": int(row_number),
                "change": "",
            }
        )
    items.sort(key=lambda i: (i["kind"].casefold() != "policy", i["id"]))
    return items


def _iso_date(value: object, day_first: bool) -> str:
    try:
        return parse_date(value, day_first=day_first).isoformat()
    except ValueError:
        return ""


def changes_since(
    previous: Mapping[str, Any] | None, items: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """New, changed (new version) and retired items compared with the previous digest's record.

    Marks each item's "change" ('new', 'changed' or '') as a side effect so the
    digest can list them first.
    """
    result: dict[str, list[dict[str, Any]]] = {"new": [], "changed": [], "retired": []}
    if previous is None:
        return result
    versions: Mapping[str, str] = previous["versions"]
    current_ids = {i["id"] for i in items}
    for item in items:
        before = versions.get(item["id"])
        if before is None:
            item["change"] = "new"
            result["new"].append(item)
        elif acks.normalise_version(before) != acks.normalise_version(item["version"]):
            item["change"] = "changed"
            item["previous_version"] = before
            result["changed"].append(item)
    for ident in sorted(set(versions) - current_ids):
        result["retired"].append(
            {"id": ident, "title": previous["titles"].get(ident, ident), "version": versions[ident]}
        )
    return result


def choose_spotlight(
    items: list[dict[str, Any]], period: str, previous_spotlight: str
) -> dict[str, Any] | None:
    """The guideline in the spotlight: rotates by month, never last digest's one again.

    With a single guideline that was last month's spotlight, there is none this month.
    """
    guidelines = sorted(
        (i for i in items if i["kind"].casefold() == "guideline"), key=lambda i: i["id"]
    )
    if not guidelines:
        return None
    year, month = (int(part) for part in period.split("-"))
    index = (year * 12 + month - 1) % len(guidelines)
    if guidelines[index]["id"] == previous_spotlight:
        if len(guidelines) == 1:
            return None
        index = (index + 1) % len(guidelines)
    return guidelines[index]


def acknowledgement_link(settings: Settings, email: str, version: str) -> str:
    """The form link for one person: prefilled with their email and the version when possible."""
    form = settings.forms.get("acknowledgements")
    if form is None:
        return ""
    if form.prefill_url and version:
        return form.prefill_url.replace("{email}", quote(email, safe="")).replace(
            "{version}", quote(version, safe="")
        )
    return form.url


# --- the plan ---------------------------------------------------------------------------------


def _month_name(period: str) -> str:
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, 1).strftime("%B %Y")


def _open_feedback(feedback: pd.DataFrame) -> list[dict[str, str]]:
    """Guide feedback still open, oldest first, for the policy owners' review reminder."""
    open_items = []
    for _, row in feedback.iterrows():
        status = clean_text(row["status"])
        if status.casefold() not in OPEN_FEEDBACK:
            continue
        may_contact = clean_text(row["contact"]).casefold() in ("yes", "y", "true")
        open_items.append(
            {
                "response_id": clean_text(row["response_id"]),
                "submitted_at": clean_text(row["submitted_at"]),
                "section": clean_text(row["section"]),
                "text": clean_text(row["text"]),
                "status": status,
                # authors who did not agree to be contacted stay anonymous to the owner
                "email": clean_text(row["email"]) if may_contact else "",
            }
        )
    open_items.sort(key=lambda f: f["submitted_at"])
    return open_items


def _review_reminders(
    snapshot: Snapshot, now: datetime, settings: Settings, period: str, people: pd.DataFrame
) -> tuple[list[OutgoingMessage], list[str]]:
    """One message per owner of Current policies whose last review is older than the interval."""
    day_first = settings.organisation.day_first
    today = now.astimezone(settings.tz).date()
    interval = settings.policy.review_interval_days
    by_owner: dict[str, list[dict[str, Any]]] = {}
    problems: list[str] = []
    for item in current_items(snapshot["Policies"], day_first=day_first):
        reviewed = date.fromisoformat(item["last_reviewed"]) if item["last_reviewed"] else None
        if reviewed is not None and (today - reviewed).days <= interval:
            continue
        try:
            owner = parse_email(item["owner"])
        except ValueError:
            problems.append(
                f"tab 'Policies', row {item['row']}, column 'Owner': {item['id']} is due for "
                f"review but {item['owner'] or 'no owner'!r} is not an email address "
                "(write the policy owner's work email)"
            )
            continue
        days = (today - reviewed).days if reviewed else None
        by_owner.setdefault(owner, []).append({**item, "days_since_review": days})
    problems += _parts_due(snapshot, today, interval, by_owner, day_first=day_first)
    if not by_owner:
        return [], problems

    open_items = _open_feedback(snapshot.get_or_empty("Feedback"))
    names = dict(zip(people["email"], people["name"], strict=True))
    messages = []
    for owner, overdue in sorted(by_owner.items()):
        if owner not in names:
            problems.append(
                f"{', '.join(i['id'] for i in overdue)} due for review: the owner {owner} is not "
                "an active person in the People tab, so no reminder was sent (add them, or "
                "change the Owner in the Policies tab)"
            )
            continue
        messages.append(
            OutgoingMessage(
                job=NAME,
                period=period,
                to_email=owner,
                to_name=names[owner],
                subject=f"Review due: {len(overdue)} {'item' if len(overdue) == 1 else 'items'} to review",
                template="policy_review",
                context={
                    "policies": overdue,
                    "review_interval_days": interval,
                    "feedback": open_items,
                    "month": _month_name(period),
                },
                topic="review",
            )
        )
    return messages, problems


#: How each part of the program reads in a review reminder.
PART_TITLES = {
    "Goals": "The programme's goals",
    "Channels": "The networks we use and how often we post",
    "Process": "The process: sources, submissions, the rota and the coordinator's duties",
    "Principles": "Our principles",
    "Sources": "The sources we watch",
}


def _parts_due(
    snapshot: Snapshot,
    today: date,
    interval: int,
    by_owner: dict[str, list[dict[str, Any]]],
    *,
    day_first: bool,
) -> list[str]:
    """Add each part of the program due for review (the Reviews tab) to its owner's list."""
    parts, problems = reviews.part_reviews(snapshot.get_or_empty("Reviews"), day_first=day_first)
    for part in parts:
        if not part.due(today, interval):
            continue
        try:
            owner = parse_email(part.owner)
        except ValueError:
            problems.append(
                f"tab 'Reviews', column 'Owner': {part.part} is due for review but "
                f"{part.owner or 'no owner'!r} is not an email address (write the owner's work email)"
            )
            continue
        by_owner.setdefault(owner, []).append(
            {
                "id": "",
                "title": PART_TITLES.get(part.part, part.part),
                "kind": "Part of the program",
                "version": "",
                "part": part.part,
                "last_reviewed": part.last_reviewed.isoformat() if part.last_reviewed else "",
                "days_since_review": (today - part.last_reviewed).days
                if part.last_reviewed
                else None,
            }
        )
    return problems


@dataclass(frozen=True)
class _Digest:
    """This month's digest, the same for everyone: items, what changed, spotlight, version."""

    period: str
    records: Mapping[str, Mapping[str, Any]]
    previous_period: str
    items: list[dict[str, Any]]
    changes: dict[str, Any]
    spotlight: dict[str, Any] | None
    version: str
    version_was: str
    in_program: Mapping[str, str] = field(default_factory=dict)

    @property
    def previous(self) -> Mapping[str, Any] | None:
        return self.records.get(self.previous_period)

    def context(self) -> dict[str, Any]:
        """What the digest template sees, before the person's own acknowledgement."""
        return {
            "period": self.period,
            "month": _month_name(self.period),
            "version": self.version,
            "first_digest": self.previous is None,
            "changes": self.changes,
            "has_changes": any(self.changes.values()) or bool(self.version_was),
            "version_was": self.version_was,
            # changes first, then policies before guidelines
            "items": sorted(
                self.items,
                key=lambda i: (i["change"] == "", i["kind"].casefold() != "policy", i["id"]),
            ),
            "spotlight": self.spotlight,
        }


def _digest(
    snapshot: Snapshot, period: str, today: date, day_first: bool
) -> tuple[_Digest, list[str]]:
    """The month's digest from the Policies tab and the record of the last one sent."""
    program = snapshot.get_or_empty("Program")
    records, problems, in_program = read_records(snapshot.get_or_empty("State"), program)
    earlier = sorted(p for p in records if p < period)
    previous_period = earlier[-1] if earlier else ""
    previous = records.get(previous_period)
    items = current_items(snapshot["Policies"], day_first=day_first)
    this_month = records.get(period)
    spotlight = None
    if this_month is not None:  # a re-run this month keeps the spotlight already sent
        spotlight = next((i for i in items if i["id"] == this_month["spotlight"]), None)
    if spotlight is None:
        spotlight = choose_spotlight(items, period, previous["spotlight"] if previous else "")
    version = acks.current_version(
        snapshot["Policies"], today, program=program, day_first=day_first
    )
    # the program version moved since the last digest: everyone is asked to sign again
    version_was = ""
    if previous is not None and previous["version"] and version:
        if acks.normalise_version(previous["version"]) != acks.normalise_version(version):
            version_was = previous["version"]
    digest = _Digest(
        period,
        records,
        previous_period,
        items,
        changes_since(previous, items),
        spotlight,
        version,
        version_was,
        in_program,
    )
    return digest, list(problems)


def _message_for(
    person: tuple[str, str],
    digest: _Digest,
    context: Mapping[str, Any],
    acknowledged_at: str | None,
    mine: list[Delivered],
    settings: Settings,
    today: date,
) -> OutgoingMessage | None:
    """The digest if this person has not had it, else a reminder if one is due, else nothing.

    `context` is the digest's own (digest.context(), made once per run), `acknowledged_at`
    the person's acknowledgement of the current version (None when there is none).
    """
    (email, name), version = person, digest.version
    acknowledged = bool(version) and acknowledged_at is not None
    link = acknowledgement_link(settings, email, version)
    message = OutgoingMessage(
        job=NAME,
        period=digest.period,
        to_email=email,
        to_name=name,
        subject=f"Social media policy digest, {_month_name(digest.period)}",
        template="policy_digest",
        context={
            **context,
            "acknowledged": acknowledged,
            "acknowledged_at": acknowledged_at if acknowledged else "",
            "acknowledgement_link": link,
        },
        topic="digest",
    )
    if message.message_id(settings.sender_domain) not in {d.message_id for d in mine}:
        return message  # the digest carries the acknowledgement request this time
    if not version or acknowledged:
        return None
    nudges = [d.when for d in mine if d.topic in ("digest", "reminder") and d.when is not None]
    # whole days, so a weekly run at 10:00 is not put off by last week's send at 10:01
    last_nudge = max(nudges).astimezone(settings.tz).date() if nudges else None
    if (
        last_nudge is not None
        and (today - last_nudge).days < settings.policy.reminder_interval_days
    ):
        return None
    week = week_containing(today).label
    return OutgoingMessage(
        job=NAME,
        period=week,
        to_email=email,
        to_name=name,
        subject=f"Please confirm you have read the social media policy (version {version})",
        template="policy_reminder",
        context={"version": version, "acknowledgement_link": link, "week": week},
        topic="reminder",
    )


def _record_changes(digest: _Digest) -> Changes:
    """Record this month's digest in State; keep only it and the one before.

    Records a workbook from before the State tab keeps in Program move to State
    (the kept ones) and leave Program, so coordinators see only their switches there.
    """
    keep = {digest.period, digest.previous_period}
    stored = set(digest.records) - set(digest.in_program)
    spotlight = digest.spotlight["id"] if digest.spotlight else ""
    appends = [
        Append(
            "State",
            {"key": f"{RECORD_PREFIX}{p}", "value": value, "note": RECORD_NOTE},
        )
        for p, value in sorted(digest.in_program.items())
        if p in keep and p not in stored and p in digest.records
    ]
    if digest.period not in digest.records:
        appends.append(
            Append("State", record_row(digest.period, digest.items, spotlight, digest.version))
        )
    deletes = [Delete("State", (f"{RECORD_PREFIX}{p}",)) for p in sorted(stored) if p not in keep]
    deletes += [Delete("Program", (f"{RECORD_PREFIX}{p}",)) for p in sorted(digest.in_program)]
    return Changes(appends=tuple(appends), deletes=tuple(deletes))


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """Digest for the month (once), reminders for the unacknowledged, review reminders."""
    local_now = now.astimezone(settings.tz)
    today = local_now.date()
    period = f"{local_now:%Y-%m}"
    people = active_people(snapshot["People"])
    digest, problems = _digest(snapshot, period, today, settings.organisation.day_first)
    status = acks.acknowledgement_status(
        snapshot["People"], snapshot["Acknowledgements"], digest.version
    )
    acknowledged_at = {
        email: at
        for email, done, at in zip(
            status["email"], status["acknowledged"], status["acknowledged_at"], strict=True
        )
        if done
    }
    # Sent grouped by recipient once, the digest's context made once: each person is a lookup.
    history = delivered_by_recipient(snapshot.get_or_empty("Sent"), NAME, settings)
    context = digest.context()
    messages: list[OutgoingMessage] = []
    for person in zip(people["email"], people["name"], strict=True):
        message = _message_for(
            person,
            digest,
            context,
            acknowledged_at.get(person[0]),
            history.get(person[0], []),
            settings,
            today,
        )
        if message is not None:
            messages.append(message)
    digests = sum(1 for m in messages if m.topic == "digest")
    reminders = len(messages) - digests

    reviews, review_problems = _review_reminders(snapshot, now, settings, period, people)
    messages.extend(reviews)
    problems.extend(review_problems)
    changes = digest.changes
    lines = [
        f"Digest {period}: version {digest.version or '(none)'}, {len(digest.items)} current "
        f"item(s); {len(changes['new'])} new, {len(changes['changed'])} changed, "
        f"{len(changes['retired'])} retired; "
        f"spotlight {digest.spotlight['id'] if digest.spotlight else 'none'}."
    ]
    return Plan(
        changes=_record_changes(digest) if digests else Changes(),
        messages=tuple(messages),
        report=Report(
            counts={"digests": digests, "reminders": reminders, "review_reminders": len(reviews)},
            lines=tuple(lines),
            problems=tuple(problems),
        ),
    )


JOB = Job(NAME, "Monthly policy digest, acknowledgement and review reminders", TABS, plan)
