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
  with the guide feedback still open.

What the previous digest said lives in the Program tab: one row per digest,
Setting "Policy Digest YYYY-MM", Value a small JSON record of each listed
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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import pandas as pd

from jobs import acknowledgements as acks
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.people import active_people
from jobs.weeks import local_midnight, week_containing
from sheets_schema.records import Append, Changes, Delete, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, parse_date, parse_datetime, parse_email

NAME = "policy-digest"
TABS = ("Policies", "People", "Acknowledgements", "Sent", "Feedback", "Program")
RECORD_PREFIX = "Policy Digest "
DELIVERED = ("sent", "pending")  # a Pending row may well have gone out: never nag twice
OPEN_FEEDBACK = ("new", "considered")


# --- the record of each digest ----------------------------------------------------------------


def read_records(program: pd.DataFrame) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    """Digest records by period from the Program tab, and problems with unreadable ones."""
    records: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for row_number, row in program.iterrows():
        setting = clean_text(row["setting"])
        if not setting.startswith(RECORD_PREFIX):
            continue
        period = setting[len(RECORD_PREFIX) :].strip()
        try:
            value = json.loads(clean_text(row["value"]))
            versions = {str(k): str(v) for k, v in dict(value["versions"]).items()}
            titles = {str(k): str(v) for k, v in dict(value.get("titles", {})).items()}
            spotlight = str(value.get("spotlight", ""))
            version = str(value.get("version", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(
                f"tab 'Program', row {row_number}, column 'Value': the record of the {period} "
                "policy digest is unreadable (delete the row; the next digest then lists "
                "every policy without a 'what changed' section)"
            )
            continue
        records[period] = {
            "versions": versions,
            "titles": titles,
            "spotlight": spotlight,
            "version": version,
        }
    return records, tuple(problems)


def record_row(
    period: str, items: list[dict[str, Any]], spotlight_id: str, version: str
) -> dict[str, str]:
    """The Program row that remembers what the digest for `period` listed."""
    value = {
        "versions": {i["id"]: i["version"] for i in items},
        "titles": {i["id"]: i["title"] for i in items},
        "spotlight": spotlight_id,
        "version": version,
    }
    return {
        "setting": f"{RECORD_PREFIX}{period}",
        "value": json.dumps(value, ensure_ascii=False, separators=(",", ":")),
        "note": "What this policy digest listed; the next digest shows what changed since. "
        "Written by Chorus.",
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


# --- the Sent ledger --------------------------------------------------------------------------


def _topic_of(message_id: str) -> str:
    """The topic inside one of this job's Message-IDs ('' for other jobs')."""
    prefix = f"<chorus.{NAME}."
    text = clean_text(message_id)
    if not text.startswith(prefix):
        return ""
    return text[len(prefix) :].split(".", 1)[0]


def _period_start(period: str) -> date | None:
    try:
        if "-W" in period:
            year, week = period.split("-W")
            return date.fromisocalendar(int(year), int(week), 1)
        year, month = period.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def delivered(sent: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """This job's delivered messages: recipient, topic, period, message_id and when (aware)."""
    rows: list[dict[str, Any]] = []
    if sent.empty:
        return pd.DataFrame(rows, columns=["recipient", "topic", "period", "message_id", "when"])
    # only this job's delivered rows are looked at one by one (Sent holds every job's mail)
    mine = sent["job"].map(clean_text).eq(NAME) & sent["status"].map(
        lambda s: clean_text(s).casefold() in DELIVERED
    )
    for _, row in sent[mine].iterrows():
        period = clean_text(row["period"])
        try:
            when: datetime | None = parse_datetime(
                row["sent_at"], settings.tz, day_first=settings.organisation.day_first
            )
        except ValueError:
            start = _period_start(period)  # still Pending: the period says roughly when
            when = local_midnight(start, settings.tz) if start else None
        rows.append(
            {
                "recipient": clean_text(row["recipient"]).lower(),
                "topic": _topic_of(row["message_id"]),
                "period": period,
                "message_id": clean_text(row["message_id"]),
                "when": when,
            }
        )
    return pd.DataFrame(rows, columns=["recipient", "topic", "period", "message_id", "when"])


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
                subject=f"Policy review due: {len(overdue)} item(s) to review",
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
    records, problems = read_records(program)
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
    )
    return digest, list(problems)


def _message_for(
    person: Mapping[str, Any],
    digest: _Digest,
    status: pd.DataFrame,
    mine: pd.DataFrame,
    settings: Settings,
    today: date,
) -> OutgoingMessage | None:
    """The digest if this person has not had it, else a reminder if one is due, else nothing."""
    email, name, version = person["email"], person["name"], digest.version
    acknowledged = bool(version) and bool(status.at[email, "acknowledged"])
    link = acknowledgement_link(settings, email, version)
    message = OutgoingMessage(
        job=NAME,
        period=digest.period,
        to_email=email,
        to_name=name,
        subject=f"Social media policy digest, {_month_name(digest.period)}",
        template="policy_digest",
        context={
            **digest.context(),
            "acknowledged": acknowledged,
            "acknowledged_at": status.at[email, "acknowledged_at"] if acknowledged else "",
            "acknowledgement_link": link,
        },
        topic="digest",
    )
    if message.message_id(settings.sender_domain) not in set(mine["message_id"]):
        return message  # the digest carries the acknowledgement request this time
    if not version or acknowledged:
        return None
    nudges = mine[mine["topic"].isin(["digest", "reminder"])]["when"].dropna()
    # whole days, so a weekly run at 10:00 is not put off by last week's send at 10:01
    last_nudge = max(nudges).astimezone(settings.tz).date() if len(nudges) else None
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
    """Record this month's digest in Program; keep only it and the one before."""
    if digest.period in digest.records:
        return Changes()
    keep = {digest.period, digest.previous_period}
    spotlight = digest.spotlight["id"] if digest.spotlight else ""
    return Changes(
        appends=(
            Append("Program", record_row(digest.period, digest.items, spotlight, digest.version)),
        ),
        deletes=tuple(
            Delete("Program", (f"{RECORD_PREFIX}{p}",))
            for p in sorted(digest.records)
            if p not in keep
        ),
    )


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """Digest for the month (once), reminders for the unacknowledged, review reminders."""
    local_now = now.astimezone(settings.tz)
    today = local_now.date()
    period = f"{local_now:%Y-%m}"
    people = active_people(snapshot["People"])
    digest, problems = _digest(snapshot, period, today, settings.organisation.day_first)
    status = acks.acknowledgement_status(
        snapshot["People"], snapshot["Acknowledgements"], digest.version
    ).set_index("email")
    history = delivered(snapshot.get_or_empty("Sent"), settings)

    # Sent grouped by recipient once: a filter per person was people x Sent rows.
    by_recipient = dict(tuple(history.groupby("recipient", sort=False)))
    nothing = history.iloc[0:0]
    messages: list[OutgoingMessage] = []
    for _, person in people.iterrows():
        mine = by_recipient.get(person["email"], nothing)
        message = _message_for(person, digest, status, mine, settings, today)
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
