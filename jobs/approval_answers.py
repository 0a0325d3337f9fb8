"""sync-forms' part for the approval form: each answer into the Approvals tab, once, and the Queue's view.

Every answer is appended to Approvals as it came (append only, keyed by the
form's Response ID, so a second sync adds nothing). An answer from a person
whose People roles let them approve the item sets the Queue's Approved By,
Approved At and Approved Text (or clears them when they ask for changes); an
answer from anyone else is recorded and reported, and changes nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jobs.approvals import APPROVE, ASK_FOR_CHANGES, ApprovalBook, may_approve, same_text
from jobs.responses import FormResponse
from sheets_schema.records import Append, Changes, Snapshot, Update
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime_seconds


@dataclass
class AnswerPlan:
    """What the approval answers of one sync add and change, and what to tell people."""

    changes: Changes = field(default_factory=Changes)
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    recorded: int = 0


def _next_number(ids: list[str]) -> int:
    numbers = [int(i[2:]) for i in ids if i.upper().startswith("A-") and i[2:].isdigit()]
    return max(numbers, default=0) + 1


def _decision(text: str) -> str:
    for known in (APPROVE, ASK_FOR_CHANGES):
        if known.casefold() == text.strip().casefold():
            return known
    return text.strip()


Word = tuple[str, str, str, str, str]
FIELDS = ("approver", "queue_id", "decision", "text_approved", "comment")


def _word(email: str, queue_id: str, decision: str, text: str, comment: str) -> Word:
    """One answer as what it says: (who, item, decision, text, comment), spaces and case tidied."""
    return (
        email.strip().casefold(),
        queue_id.strip().casefold(),
        decision,
        " ".join(text.split()),
        " ".join(comment.split()),
    )


def _last_words(rows: Sequence[Mapping[str, object]]) -> dict[tuple[str, str], Word]:
    """Each (person, item)'s last recorded answer, in the order the Approvals tab holds them."""
    found: dict[tuple[str, str], Word] = {}
    for row in rows:
        cell = {k: clean_text(row.get(k, "")) for k in FIELDS}
        said = _word(
            cell["approver"],
            cell["queue_id"],
            _decision(cell["decision"]),
            cell["text_approved"],
            cell["comment"],
        )
        found[said[:2]] = said
    return found


def record_answers(
    snapshot: Snapshot, responses: Sequence[FormResponse], settings: Settings
) -> AnswerPlan:
    """Plan the Approvals rows and Queue updates for answers not yet recorded (oldest first)."""
    plan = AnswerPlan()
    tab = snapshot.get_or_empty("Approvals")
    held = {clean_text(r) for r in tab["response_id"]} - {""}
    last_word = _last_words(tab.to_dict("records"))
    number = _next_number([clean_text(i) for i in tab["approval_id"]])
    book: ApprovalBook | None = None  # read from the Queue at the first new answer, if any
    queue_ids: dict[str, str] = {}
    appends: list[Append] = []
    views: dict[str, dict[str, str]] = {}
    for r in sorted(responses, key=lambda r: (r.submitted_at, r.response_id)):
        qid, decision, text = r.text("queue_id"), _decision(r.text("decision")), r.text("text")
        said_now = _word(r.email, qid, decision, text, r.text("comment"))
        # A re-saved export can give an answer a new id (its date read the other way round):
        # an answer that repeats the person's last word on the item is that answer again.
        if r.response_id in held or last_word.get(said_now[:2]) == said_now:
            continue
        held.add(r.response_id)
        last_word[said_now[:2]] = said_now
        if book is None:
            book = ApprovalBook(snapshot, settings.tz, day_first=settings.organisation.day_first)
            queue_ids = {k: clean_text(r.get("id", "")) for k, r in book.rows.items()}
        approval_id = f"A-{number:04d}"
        number += 1
        at = format_datetime_seconds(r.submitted_at, settings.tz)
        row = {
            "approval_id": approval_id,
            "queue_id": qid,
            "approver": r.email,
            "decision": decision,
            "text_approved": text,
            "comment": r.text("comment"),
            "at": at,
            "response_id": r.response_id,
        }
        appends.append(Append("Approvals", row))
        plan.recorded += 1
        said = f"{approval_id} ({r.place}): {r.email or 'no email'} answered {decision!r} on {qid}"
        if qid.casefold() not in queue_ids:
            plan.problems.append(f"{said}, which is not in the Queue: recorded, nothing approved")
            continue
        if decision not in (APPROVE, ASK_FOR_CHANGES):
            plan.problems.append(f"{said}: not Approve or Ask for changes; recorded, not counted")
            continue
        level = book.level(qid)
        if not level:
            plan.lines.append(f"{said}; its channels need no approval: recorded")
            continue
        if not may_approve(book.people, r.email, level):
            plan.problems.append(
                f"{said}, but People does not let them approve at the {level} level: "
                "recorded, not counted (the brief says why)"
            )
            continue
        if decision == APPROVE and not same_text(text, book.text(qid)):
            plan.lines.append(f"{said} for a text that is not the item's text now: not counted")
        values = {"approved_by": r.email, "approved_at": at, "approved_text": text}
        if decision != APPROVE:
            values = dict.fromkeys(values, "")
        views[queue_ids[qid.casefold()]] = values
        plan.lines.append(said)
    updates = tuple(Update("Queue", (qid,), values) for qid, values in views.items())
    plan.changes = Changes(appends=tuple(appends), updates=updates)
    return plan
