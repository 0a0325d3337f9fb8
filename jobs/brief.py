"""brief: each working morning, tell the person on duty what today needs.

One email to whoever is on duty (jobs/rota.py decides): who is on duty and
who backs them up, the items waiting for approval (due within 48 hours first; jobs/approvals.py
says why each approval does not count), today's posts per channel, gaps in the next 7 days with a
suggested item for each, submissions and forwarded mail waiting for review,
open mentions and direct messages (oldest first, those over 24 hours
marked), the duties checklist, weeks ahead nobody covers yet, and the
cells Chorus could not use (a Queue status, a date, a Program setting),
recomputed from the snapshot so they are listed until someone fixes them. If nobody is
on duty, the coordinator's managers get it instead, saying so. While a crisis
is open it goes to the coordinator, the backup and every manager, crisis
first.

Gaps come from the Cadence tab (check-cadence writes it before the brief
runs, so the brief shows the same suggestions people see in the sheet). A
suggestion whose item has since been scheduled, flagged or rejected is shown
as a plain gap. When the Cadence tab has no rows for the next 7 days
(check-cadence has not run yet, or never ran), the brief works the gaps out
itself with jobs.cadence from Channels and Queue, and says so.

An address on a site in [screening] blocked_domains (an item queued before
the site was blocked, a mention on it) is never a link in the brief: `unlinked`
drops it from the link, says so beside the label and defangs it in text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from jobs import cadence, rota
from jobs.approvals import ApprovalBook
from jobs.approvals import waiting_items as awaiting_approval
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.crisis.state import crisis_state
from jobs.mention_assignments import assigned_context
from jobs.people import by_email, managers, person_name
from jobs.queue_items import QueueItem, read_queue, suggestion_candidates
from jobs.screening import blocked_links, defang
from jobs.undelivered import expired_mail
from sheets_schema.values import clean_text, parse_date, parse_datetime

if TYPE_CHECKING:
    from sheets_schema.records import Snapshot
    from sheets_schema.settings import Settings
    from sheets_schema.validate import Problem

TABS = (
    "Rota",
    "Absences",
    "People",
    "Queue",
    "Cadence",
    "Mentions",
    "Submissions",
    "Crises",
    "Program",
    "Channels",
    "Approvals",
)
GAP_DAYS = 7
OLD_AFTER = timedelta(hours=24)
STAFF_KIND = "Staff & partners"
INBOX_ORIGIN = "mail:"


def age_text(delta: timedelta) -> str:
    """'40 minutes', '5 hours', '3 days': how long something has waited, roughly."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} days"


def _person(people: dict[str, dict[str, str]], email: str) -> dict[str, str] | None:
    if not email:
        return None
    return {"email": email, "name": person_name(people, email)}


def _when(text: str, settings: Settings) -> datetime | None:
    if not text:
        return None
    try:
        return parse_datetime(
            text, settings.tz, day_first=settings.organisation.day_first
        ).astimezone(settings.tz)
    except ValueError:
        return None


# -- sections --------------------------------------------------------------------


def posts_today(items: list[QueueItem], today: date) -> list[dict[str, Any]]:
    """Today's scheduled, published, overdue and held posts, per channel, in time order."""
    by_channel: dict[str, list[dict[str, str]]] = defaultdict(list)
    for item in sorted(
        (
            i
            for i in items
            if i.when is not None and i.when.date() == today and i.status != "Approved"
        ),
        key=lambda i: (i.when, i.id),
    ):
        assert item.when is not None
        post = {
            "id": item.id,
            "time": f"{item.when:%H:%M}",
            "headline": item.headline,
            "link": item.link,
            "post_url": item.post_url,
            "status": item.status,
        }
        for channel in item.channels or ("No channel named",):
            by_channel[channel].append(post)
    return [{"channel": c, "posts": posts} for c, posts in sorted(by_channel.items())]


def _slot_end(label: str) -> time | None:
    """The end of a slot label's window ('09:00-11:00 #1' -> 11:00); None for 'any time'."""
    try:
        return time.fromisoformat(label.split("-", 1)[1][:5])
    except (IndexError, ValueError):
        return None


def upcoming_gaps(
    snapshot: Snapshot,
    now: datetime,
    settings: Settings,
    items: list[QueueItem],
    crisis: bool,
) -> tuple[list[dict[str, Any]], str]:
    """Free slots from today for GAP_DAYS days, each with its suggestion; and where they came from.

    Slots today whose window has already ended are left out: too late to fill.
    """
    today = now.date()
    last = today + timedelta(days=GAP_DAYS - 1)
    free = {i.id: i for i in suggestion_candidates(items)}
    rows, in_range = _cadence_gaps(
        snapshot.get_or_empty("Cadence"), today, last, settings.organisation.day_first
    )
    source = "the Cadence tab"
    if not in_range:
        source = "Channels and Queue just now (the Cadence tab has no rows for these days yet)"
        result = cadence.check_cadence(
            snapshot.get_or_empty("Channels"),
            snapshot.get_or_empty("Queue"),
            now,
            settings,
            crisis=crisis,
            first=today,
            last=last,
        )
        rows = [
            (s.day, s.channel, s.label, s.status, s.queue_id)
            for s in result.states
            if s.status in ("Gap", "Suggested")
        ]
    gaps: list[dict[str, Any]] = []
    for day, channel, slot, status, queue_id in sorted(rows):
        end = _slot_end(slot)
        if day == today and end is not None and end <= now.time():
            continue
        suggestion, note = None, ""
        if status.casefold() == "suggested" and queue_id and not crisis:
            suggestion, note = _suggestion(free.get(queue_id), queue_id)
        gaps.append(
            {
                "date": day.isoformat(),
                "day_label": f"{day:%a} {day.day} {day:%b}",
                "channel": channel,
                "slot": slot,
                "suggestion": suggestion,
                "note": note,
            }
        )
    return gaps, source


GapRow = tuple[date, str, str, str, str]  # day, channel, slot, status, queue id


def _cadence_gaps(
    sheet: pd.DataFrame, today: date, last: date, day_first: bool
) -> tuple[list[GapRow], bool]:
    """Gap and Suggested rows of the Cadence tab from today to `last`; and whether it covers them."""
    rows: list[GapRow] = []
    in_range = False
    for row in sheet.to_dict("records"):
        try:
            day = parse_date(row.get("date", ""), day_first=day_first)
        except ValueError:
            continue
        if not today <= day <= last:
            continue
        in_range = True
        status = clean_text(row.get("status", ""))
        if status.casefold() in ("gap", "suggested"):
            rows.append(
                (
                    day,
                    clean_text(row.get("channel", "")),
                    clean_text(row.get("slot", "")),
                    status,
                    clean_text(row.get("queue_id", "")),
                )
            )
    return rows, in_range


def _suggestion(item: QueueItem | None, queue_id: str) -> tuple[dict[str, str] | None, str]:
    """A suggested item as the brief shows it, or a note that it is no longer free."""
    if item is None:
        return None, f"{queue_id} was suggested but is no longer approved and free"
    source = ", ".join(p for p in (item.source_kind, item.source_type) if p)
    return {"id": item.id, "headline": item.headline, "link": item.link, "source": source}, ""


def waiting_items(
    queue: pd.DataFrame, now: datetime, settings: Settings, people: dict[str, dict[str, str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """New Queue items waiting for review: staff and partner submissions, and forwarded mail.

    Both oldest first. A forwarded email (Origin 'mail:...') is listed once,
    with the inbox items, whatever its Source Kind.
    """
    submissions: list[tuple[Any, ...]] = []
    inbox: list[tuple[Any, ...]] = []
    for row_number, row in zip(queue.index, queue.to_dict("records"), strict=True):
        if clean_text(row.get("status", "")).casefold() != "new":
            continue
        origin = clean_text(row.get("origin", ""))
        is_mail = origin.casefold().startswith(INBOX_ORIGIN)
        if not is_mail and clean_text(row.get("source_kind", "")) != STAFF_KIND:
            continue
        created = _when(clean_text(row.get("created", "")), settings)
        by = clean_text(row.get("submitted_by", "")).lower()
        entry = {
            "id": clean_text(row.get("id", "")),
            "headline": clean_text(row.get("headline", "")) or "(no headline)",
            "link": clean_text(row.get("link", "")),
            "submitted_by": person_name(people, by) if by else "",
            "submitted_by_email": by,
            "channels": clean_text(row.get("channels", "")),
            "source_type": clean_text(row.get("source_type", "")),
            "flags": clean_text(row.get("flags", "")),
            "received": f"{created:%a} {created.day} {created:%b %H:%M}" if created else "",
            "age": age_text(now - created) if created else "",
        }
        key = (created is None, created or now, int(row_number))
        (inbox if is_mail else submissions).append((key, entry))
    return [e for _, e in sorted(submissions, key=lambda p: p[0])], [
        e for _, e in sorted(inbox, key=lambda p: p[0])
    ]


def open_mentions(
    mentions: pd.DataFrame, now: datetime, settings: Settings
) -> list[dict[str, Any]]:
    """Mentions and direct messages still New: colleagues' new reports first, then oldest
    first; `old` marks those over 24 hours."""
    found: list[tuple[Any, dict[str, Any]]] = []
    for row_number, row in zip(mentions.index, mentions.to_dict("records"), strict=True):
        if clean_text(row.get("status", "")).casefold() != "new":
            continue
        at = _when(clean_text(row.get("found_at", "")), settings)
        entry = {
            "id": clean_text(row.get("id", "")),
            "kind": clean_text(row.get("kind", "")) or "Mention",
            "title": clean_text(row.get("title", ""))
            or clean_text(row.get("snippet", ""))[:80]
            or "(untitled)",
            "snippet": clean_text(row.get("snippet", "")),
            "url": clean_text(row.get("url", "")),
            "source": clean_text(row.get("source", "")),
            "assigned_to": clean_text(row.get("assigned_to", "")),
            "reported_by": clean_text(row.get("reported_by", "")),
            "found": f"{at:%a} {at.day} {at:%b %H:%M}"
            if at
            else clean_text(row.get("found_at", "")),
            "age": age_text(now - at) if at else "",
            "old": bool(at and now - at > OLD_AFTER),
        }
        found.append(((not entry["reported_by"], at is None, at or now, int(row_number)), entry))
    return [e for _, e in sorted(found, key=lambda p: p[0])]


def checklist(n_mentions: int, n_messages: int) -> list[str]:
    """The duties of the person on duty, with today's numbers."""
    return [
        f"Monitor mentions: look at the networks and the Mentions tab ({n_mentions} open); "
        "record what you find and set each one's Status",
        f"Answer direct messages the same day ({n_messages} waiting); pass on what you cannot answer",
        "Look out for content: news, events and colleagues' achievements worth sharing; add them to the Queue",
    ]


def problems_to_fix(problems: Sequence[Problem]) -> list[dict[str, str]]:
    """Cells the jobs could not use (bad Queue, Channels or Program values), for the
    coordinator to fix: each with where it is, the value, why it matters and the fix."""
    found: list[dict[str, str]] = []
    for p in dict.fromkeys(problems):
        where = p.tab + (f" row {p.row}" if p.row is not None else "")
        found.append(
            {
                "where": where + (f", {p.column}" if p.column else ""),
                "value": p.value,
                "why": p.why,
                "fix": p.fix,
                "line": p.line(),
            }
        )
    return found


# -- the plan ----------------------------------------------------------------------


def _uncovered_weeks(
    rota_df: pd.DataFrame,
    absences: pd.DataFrame,
    people_df: pd.DataFrame,
    today: date,
    settings: Settings,
) -> list[dict[str, str]]:
    """The next four weeks nobody can cover, for the person on duty to arrange."""
    uncovered = rota.uncovered_weeks(
        rota_df,
        absences,
        people_df,
        today,
        4,
        working_days=settings.organisation.working_days,
        day_first=settings.organisation.day_first,
    )
    return [
        {
            "week_starting": w.week_starting.isoformat(),
            "week_label": f"{w.week_starting.day} {w.week_starting:%b}",
            "reason": w.reason,
        }
        for w in uncovered
    ]


def _crisis_context(
    crises: Sequence[Mapping[str, str]],
    items: list[dict[str, Any]],
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    """The crisis part of the brief: each open crisis with its age, and what to answer first."""

    def age(started: str) -> str:
        when = _when(started, settings)
        return age_text(now - when) if when else ""

    return {
        "crises": [
            {
                "id": c.get("id", ""),
                "reason": c.get("reason", ""),
                "holding_statement": c.get("holding_statement", ""),
                "started": c.get("started", ""),
                "age": age(c.get("started", "")),
            }
            for c in crises
        ],
        "switched_on_in_program": not crises,
        "items": items,
    }


def _duty_context(people: dict[str, dict[str, str]], duty: rota.Duty) -> dict[str, Any]:
    """Who coordinates, who backs up and who is on duty today, as the templates show them."""
    return {
        "coordinator": _person(people, duty.coordinator),
        "backup": _person(people, duty.backup),
        "on_duty": _person(people, duty.on_duty or ""),
        "reason": duty.reason,
        "nobody_on_duty": duty.nobody_on_duty,
        "backup_covering": bool(duty.on_duty and duty.on_duty == duty.backup),
    }


def _recipients(
    duty: rota.Duty, people_df: pd.DataFrame, crisis: bool
) -> tuple[list[tuple[str, str]], str]:
    """Who gets today's brief and why, and the subject's start; nobody when nobody can be told.

    In a crisis: the coordinator, the backup and every manager. Otherwise the
    person on duty, or, when nobody is, the coordinator's managers.
    """
    recipients: list[tuple[str, str]] = []  # email, why they get it
    if crisis:
        for email, role in (
            (duty.coordinator, "you coordinate social media this week"),
            (duty.backup, "you are this week's backup"),
            *((m, "you are a manager and a crisis is open") for m in managers(people_df)),
        ):
            if email and email not in {r for r, _ in recipients}:
                recipients.append((email, f"a crisis is open and {role}."))
        return recipients, "crisis"
    if duty.on_duty:
        return [(duty.on_duty, "you are on duty for social media today (Rota tab).")], "on duty"
    why = "nobody is on social media duty today and you manage the coordinator (People tab)."
    return [(email, why) for email in duty.notify], "nobody"


def brief_context(
    snapshot: Snapshot, now: datetime, settings: Settings
) -> tuple[dict[str, Any], rota.Duty]:
    """Everything the brief says for the day of `now`, as plain data for the templates,
    and the day's Duty (recipients are chosen from it)."""
    tz = settings.tz
    now = now.astimezone(tz)
    today = now.date()
    day_first = settings.organisation.day_first
    people_df = snapshot.get_or_empty("People")
    people = by_email(people_df)
    rota_df, absences = snapshot.get_or_empty("Rota"), snapshot.get_or_empty("Absences")
    duty = rota.on_duty(rota_df, absences, people_df, today, day_first=day_first)
    # One reading of crisis mode for every job: whether it is on, and its open rows.
    state = crisis_state(snapshot)
    crisis, crises = state.active, state.open_rows

    queue = snapshot.get_or_empty("Queue")
    items, _ = read_queue(queue, tz, day_first=day_first)
    to_fix = problems_to_fix(
        [
            *cadence.cell_problems(snapshot, now, settings),
            *expired_mail(snapshot.get_or_empty("Sent")),
        ]
    )
    todays = posts_today(items, today)
    gaps, gaps_source = upcoming_gaps(snapshot, now, settings, items, crisis)
    submissions, inbox = waiting_items(queue, now, settings, people)
    mentions = open_mentions(snapshot.get_or_empty("Mentions"), now, settings)
    crisis_items: list[dict[str, Any]] = []
    if crisis:
        crisis_items = [
            m for m in mentions if m["kind"].casefold() in ("criticism", "direct message")
        ]
        mentions = [m for m in mentions if m not in crisis_items]
    n_messages = sum(
        1 for m in (*mentions, *crisis_items) if m["kind"].casefold() == "direct message"
    )
    crisis_context = _crisis_context(crises, crisis_items, now, settings) if crisis else None
    book = ApprovalBook(snapshot, tz, day_first=day_first)
    horizon = timedelta(days=settings.cadence.horizon_days)
    approvals = [w.as_context(now) for w in awaiting_approval(book, now, horizon)]
    nothing = not (
        todays
        or gaps
        or submissions
        or inbox
        or mentions
        or crisis_items
        or crisis
        or to_fix
        or approvals
    )
    context = {
        "date": today.isoformat(),
        "date_label": f"{today:%A} {today.day} {today:%B %Y}",
        "now": f"{now:%H:%M}",
        "duty": _duty_context(people, duty),
        "approvals": approvals,
        "crisis": crisis_context,
        "posts_today": todays,
        "posts_today_count": sum(len(c["posts"]) for c in todays),
        "gaps": gaps,
        "gaps_source": gaps_source,
        "gap_days": GAP_DAYS,
        "submissions": submissions,
        "inbox": inbox,
        "mentions": mentions,
        "mentions_old": sum(1 for m in (*mentions, *crisis_items) if m["old"]),
        "assigned_waiting": assigned_context(snapshot.get_or_empty("Mentions"), now, settings),
        "checklist": checklist(len(mentions) + len(crisis_items), n_messages),
        "uncovered_weeks": _uncovered_weeks(rota_df, absences, people_df, today, settings),
        "nothing_to_do": nothing,
        "problems": to_fix,
    }
    return unlinked(context, settings.screening.blocked_domains), duty


#: the context keys that hold an address the templates turn into a link, and their label
_LINK_LABELS = {"link": ("headline", "title"), "url": ("title", "headline"), "post_url": ()}


def unlinked(value: Any, blocked_domains: Sequence[str]) -> Any:
    """The brief's data with no live link to a blocked site: such an address is never a link,
    its label says why, and any mention of the site in text is written defanged."""
    if not blocked_domains:
        return value
    if isinstance(value, str):
        return defang(value, blocked_domains)
    if isinstance(value, list):
        return [unlinked(v, blocked_domains) for v in value]
    if not isinstance(value, dict):
        return value
    out = {k: unlinked(v, blocked_domains) for k, v in value.items()}
    for key, labels in _LINK_LABELS.items():
        address = value.get(key)
        if not isinstance(address, str) or not blocked_links([address], blocked_domains):
            continue
        out[key] = ""
        label = next((name for name in labels if isinstance(out.get(name), str)), "")
        note = f"{defang(address, blocked_domains)}: a blocked site, not linked"
        if label:
            out[label] = f"{out[label]} ({note})"
    return out


def _counts(context: Mapping[str, Any]) -> dict[str, int]:
    """The brief's numbers for the run report."""
    crisis_items = context["crisis"]["items"] if context["crisis"] is not None else []
    return {
        "waiting_for_approval": len(context["approvals"]),
        "posts_today": context["posts_today_count"],
        "gaps": len(context["gaps"]),
        "submissions_waiting": len(context["submissions"]),
        "inbox_waiting": len(context["inbox"]),
        "open_mentions": len(context["mentions"]) + len(crisis_items),
        "uncovered_weeks": len(context["uncovered_weeks"]),
        "problems_to_fix": len(context["problems"]),
    }


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: Any = None) -> Plan:
    """brief's pure plan: one message per recipient on a working day, nothing otherwise."""
    local = now.astimezone(settings.tz)
    today = local.date()
    if today.weekday() not in settings.organisation.working_days:
        return Plan(
            report=Report(
                counts={"briefs": 0},
                lines=(
                    f"No brief: {today:%A} {today.isoformat()} is not a working day "
                    "(organisation.working_days in chorus.toml)",
                ),
            )
        )
    context, duty = brief_context(snapshot, local, settings)
    people_df = snapshot.get_or_empty("People")
    people = by_email(people_df)
    problems = [*duty.problems, *(p["line"] for p in context["problems"])]
    crisis = context["crisis"] is not None
    when = f"{today:%a} {today.day} {today:%b}"

    recipients, case = _recipients(duty, people_df, crisis)
    if case == "crisis":
        open_items = len(context["crisis"]["items"])
        subject = f"Crisis brief for {when}: {open_items} open criticism and messages"
    elif case == "on duty":
        subject = f"Your social media brief for {when}"
    else:
        subject = f"Nobody is on duty today ({when}): social media brief"
    if not recipients and case == "nobody":
        problems.append(
            f"nobody is on duty on {today.isoformat()} ({duty.reason}) and People lists no manager "
            "to tell; no brief was sent (add a Rota row, or a Manager Email in People)"
        )

    messages = tuple(
        OutgoingMessage(
            job="brief",
            period=today.isoformat(),
            to_email=email,
            to_name=person_name(people, email),
            subject=subject,
            template="brief",
            context={**context, "why": why, "for_manager": not crisis and duty.nobody_on_duty},
        )
        for email, why in recipients
    )
    counts = {"briefs": len(messages), **_counts(context)}
    lines = [
        f"Brief for {today.isoformat()} to " + (", ".join(e for e, _ in recipients) or "nobody")
    ]
    lines.append(f"On duty: {duty.on_duty or 'nobody'} ({duty.reason})")
    if crisis:
        lines.append(
            "A crisis is open: the brief goes to the coordinator, the backup and the managers"
        )
    return Plan(
        messages=messages,
        report=Report(counts=counts, lines=tuple(lines), problems=tuple(problems)),
    )


JOB = Job(
    "brief",
    "Each working morning, email the person on duty today's posts, gaps, reviews and mentions",
    TABS,
    plan,
)
