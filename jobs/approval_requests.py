"""approval-requests: each working day, one email to each approver with what waits for them.

Only when something waits: items scheduled within the cadence horizon on a
channel that needs their level of approval (Compliance: People with the
Approver role; Coordinator: those with the Coordinator role), without an
approval that counts and not sent back with a request for changes. Each item
shows the exact text to be posted, the channel and the time, why an earlier
approval no longer counts, and two prefilled links of the approval form
(Approve / Ask for changes). The Message-ID is fixed per approver and day, so
the Sent ledger sends it once a day however often the job runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from jobs.approvals import (
    APPROVE,
    ASK_FOR_CHANGES,
    COMPLIANCE,
    COORDINATOR,
    ApprovalBook,
    Waiting,
    waiting_items,
)
from jobs.base import Job, OutgoingMessage, Plan, Report
from jobs.people import has_role, person_name
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings

TABS = ("Queue", "Channels", "People", "Approvals")
JOB_NAME = "approval-requests"
#: who is asked at each level (the roles that may approve are wider: jobs/approvals.py)
ASKED = {COMPLIANCE: "Approver", COORDINATOR: "Coordinator"}


@dataclass(frozen=True)
class ApprovalLinks:
    """How to link to the approval form: a prefilled-link template, or the plain form address.

    `template` holds {queue_id}, {decision} and {text}; `problems` say why links
    are plain or missing (no [forms.approval], no prefill_url, the form unreadable).
    """

    template: str = ""
    form_url: str = ""
    problems: tuple[str, ...] = ()

    def link(self, queue_id: str, decision: str, text: str) -> str:
        """The form link for one answer, prefilled where the template allows."""
        if not self.template:
            return self.form_url
        return (
            self.template.replace("{queue_id}", quote(queue_id, safe=""))
            .replace("{decision}", quote(decision, safe=""))
            .replace("{text}", quote(text, safe=""))
        )


def _item(w: Waiting, links: ApprovalLinks, now: datetime) -> dict[str, object]:
    context = w.as_context(now)
    context["approve_link"] = links.link(w.queue_id, APPROVE, w.text)
    context["changes_link"] = links.link(w.queue_id, ASK_FOR_CHANGES, w.text)
    context["note"] = "" if w.verdict.why.startswith("no ") else w.verdict.why
    return context


def plan(
    snapshot: Snapshot, now: datetime, settings: Settings, inputs: ApprovalLinks | None
) -> Plan:
    """approval-requests' pure plan: one message per approver with something waiting."""
    links = inputs or ApprovalLinks(problems=("the approval form's links were not looked up",))
    local = now.astimezone(settings.tz)
    today = local.date()
    if today.weekday() not in settings.organisation.working_days:
        line = f"No approval requests: {today:%A} is not a working day"
        return Plan(report=Report(counts={"approval_requests": 0}, lines=(line,)))
    book = ApprovalBook(snapshot, settings.tz, day_first=settings.organisation.day_first)
    horizon = timedelta(days=settings.cadence.horizon_days)
    waiting = [w for w in waiting_items(book, local, horizon) if w.verdict.waiting_for_approver]
    by_person: dict[str, list[Waiting]] = defaultdict(list)
    problems = list(links.problems) if waiting else []
    for level in (COMPLIANCE, COORDINATOR):
        items = [w for w in waiting if w.verdict.level == level]
        asked = [e for e in book.approvers(level) if _holds(book, e, ASKED[level])]
        if items and not asked:
            problems.append(
                f"{len(items)} item(s) wait for a {level} approval but no active person in People "
                f"has the {ASKED[level]} role: add the role to someone's Roles"
            )
        for email in asked if items else ():
            by_person[email].extend(items)
    messages = []
    for email, items in by_person.items():
        soon = sum(1 for w in items if w.due_soon(local))
        messages.append(
            OutgoingMessage(
                job=JOB_NAME,
                period=today.isoformat(),
                to_email=email,
                to_name=person_name(book.people, email),
                subject=f"{len(items)} post(s) wait for your approval"
                + (f", {soon} due within 48 hours" if soon else ""),
                template="approval_request",
                context={
                    "items": [_item(w, links, local) for w in items],
                    "date_label": f"{today:%A} {today.day} {today:%B}",
                    "links_prefilled": bool(links.template),
                },
            )
        )
    lines = [f"{len(waiting)} item(s) wait for approval; {len(messages)} approver(s) asked"]
    return Plan(
        messages=tuple(messages),
        report=Report(
            counts={"approval_requests": len(messages), "waiting_for_approval": len(waiting)},
            lines=tuple(lines),
            problems=tuple(problems),
        ),
    )


def _holds(book: ApprovalBook, email: str, role: str) -> bool:
    return has_role(book.people.get(email, {}), role)


JOB = Job(
    JOB_NAME,
    "Each working day, email each approver the posts waiting for their approval, with links",
    TABS,
    plan,
)
