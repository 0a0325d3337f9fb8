"""welcome: one email to each new starter, on or after their People > Start Date.

It gives what a newcomer needs on day one: the employee guide, who is on
duty this week, their prefilled policy acknowledgement link, the submission
form, and two posts ready to share (with the same tracked links the share
digest uses, recorded in Shares). The period is "welcome" and the topic
empty, so the Sent ledger sends it once per person ever. A Start Date more
than FRESH_DAYS ago gets no welcome (installing Chorus does not greet the
whole firm), and nothing goes during a crisis: it waits for the stand-down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jobs import acknowledgements as acks
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.crisis.state import crisis_state
from jobs.people import by_email, is_active, person_name
from jobs.policy_digest import acknowledgement_link
from jobs.rota import on_duty
from jobs.share_digest import ShareInputs, offered_items, person_items, share_id
from jobs.sharing import person_token, usable_captions
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime, parse_date

NAME = "welcome"
TABS = (
    "People",
    "Policies",
    "Rota",
    "Absences",
    "Queue",
    "Captions",
    "Channels",
    "Shares",
    "Crises",
    "Program",
)
FRESH_DAYS = 30
PERIOD = "welcome"
READY_POSTS = 2


def starters(
    snapshot: Snapshot, now: datetime, settings: Settings
) -> tuple[list[dict[str, str]], list[str]]:
    """Active in-domain people whose Start Date has come within FRESH_DAYS; problems for bad dates."""
    today = now.astimezone(settings.tz).date()
    found, problems = [], []
    for email, row in by_email(snapshot["People"]).items():
        text = row.get("start_date", "")
        if not text or not is_active(row.get("active", "")) or not settings.allows_recipient(email):
            continue
        try:
            start = parse_date(text, day_first=settings.organisation.day_first)
        except ValueError:
            problems.append(
                f"People: {email}'s Start Date {text!r} is not a date; write e.g. 2026-12-01"
            )
            continue
        if start <= today <= start + timedelta(days=FRESH_DAYS):
            found.append(
                {"email": email, "name": row.get("name", "") or email, "start": start.isoformat()}
            )
    return found, problems


def _common(snapshot: Snapshot, now: datetime, settings: Settings) -> dict[str, Any]:
    """What every starter's welcome says: the guide, who is on duty, the forms."""
    today = now.astimezone(settings.tz).date()
    duty = on_duty(
        snapshot["Rota"],
        snapshot["Absences"],
        snapshot["People"],
        today,
        day_first=settings.organisation.day_first,
    )
    form = settings.forms.get("submissions")
    doc = settings.guide.doc_id
    return {
        "guide_url": f"https://docs.google.com/document/d/{doc}/edit" if doc else "",
        "on_duty": person_name(snapshot["People"], duty.on_duty) if duty.on_duty else "",
        "on_duty_email": duty.on_duty or "",
        "submission_url": form.url if form else "",
    }


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """A welcome for each starter not yet welcomed, with two posts ready to share."""
    key = inputs.key if isinstance(inputs, ShareInputs) else b""
    state = crisis_state(snapshot)
    if state.active:
        line = f"a crisis is open ({state.label}): welcomes wait until it ends"
        return Plan(report=Report(counts={"welcomes": 0}, lines=(line,)))
    people, problems = starters(snapshot, now, settings)
    if not people:
        return Plan(report=Report(counts={"welcomes": 0}, problems=tuple(problems)))
    items, item_problems = offered_items(snapshot, now, settings)
    items = items[-READY_POSTS:]
    captions, _ = usable_captions(snapshot["Captions"], {i.id: i.link for i in items}, settings)
    version = acks.current_version(
        snapshot["Policies"],
        now.astimezone(settings.tz).date(),
        program=snapshot["Program"],
        day_first=settings.organisation.day_first,
    )
    common = _common(snapshot, now, settings)
    known = set(snapshot["Shares"]["share_id"].map(clean_text))
    messages, appends = [], []
    for index, starter in enumerate(people):
        token = person_token(key, starter["email"]) if key else ""
        shown = (
            person_items(items, captions, index, token, settings.sharing.medium) if token else []
        )
        first = starter["name"].split()[0]
        messages.append(
            OutgoingMessage(
                job=NAME,
                period=PERIOD,
                to_email=starter["email"],
                to_name=starter["name"],
                subject=f"Welcome, {first}: social media at work, in five minutes",
                template="welcome",
                context={
                    **common,
                    "first_name": first,
                    "items": shown,
                    "version": version,
                    "acknowledgement_url": acknowledgement_link(
                        settings, starter["email"], version
                    ),
                },
            )
        )
        for item in shown:
            for offer in item["offers"]:
                ident = share_id(PERIOD, starter["email"], item["id"], offer["network"])
                if ident not in known:
                    known.add(ident)
                    appends.append(
                        Append(
                            "Shares",
                            {
                                "share_id": ident,
                                "email": starter["email"],
                                "queue_id": item["id"],
                                "channel": offer["network"],
                                "token": token,
                                "sent_at": format_datetime(now, settings.tz),
                            },
                        )
                    )
    return Plan(
        changes=Changes(appends=tuple(appends)),
        messages=tuple(messages),
        report=Report(counts={"welcomes": len(messages)}, problems=tuple(problems + item_problems)),
    )


JOB = Job(NAME, "A welcome for each new starter, with two posts ready to share", TABS, plan)
