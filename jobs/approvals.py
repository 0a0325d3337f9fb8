"""Whether a Queue item may go out: who must approve it, and whether the approval it has counts.

One reading for every job (check-cadence, brief, approval-requests, sync-forms,
archive). An item needs approval when one of its channels says so
(Channels > Approval: Coordinator or Compliance; the strictest wins). An
approval counts only when all of these hold:

- it comes from a person whose People roles allow it now: an Approver for
  Compliance; a Coordinator, Backup or Approver for Coordinator;
- it is for the text as it stands (headline, details and link): editing the
  text afterwards withdraws it;
- it came before the scheduled time; one that came later is recorded, but the
  item goes back to the coordinator to reschedule;
- no later answer from such a person asks for changes.

Every answer is kept in the Approvals tab; this module only reads it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.people import PeopleByEmail, by_email, email_of, has_role, is_active, person_name
from sheets_schema.columns import APPROVAL_LEVELS
from sheets_schema.records import Snapshot
from sheets_schema.values import clean_text, parse_datetime, split_multi

COORDINATOR, COMPLIANCE = "Coordinator", "Compliance"
#: the People roles that may approve at each level
APPROVER_ROLES: Mapping[str, tuple[str, ...]] = {
    COORDINATOR: ("Coordinator", "Backup", "Approver"),
    COMPLIANCE: ("Approver",),
}
APPROVE, ASK_FOR_CHANGES = "Approve", "Ask for changes"


@dataclass(frozen=True)
class Answer:
    """One row of the Approvals tab: who decided what about which text, and when."""

    approval_id: str
    queue_id: str
    approver: str
    decision: str
    text: str
    comment: str
    at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """Where an item stands: the level it needs, whether an approval counts, and why not."""

    queue_id: str
    level: str
    approved: bool
    why: str = ""
    approver: str = ""
    at: datetime | None = None
    #: approved, but after the scheduled time: the coordinator reschedules it
    late: bool = False
    #: the approver asked for changes to this text: the coordinator edits it
    changes_asked: bool = False

    @property
    def waiting_for_approver(self) -> bool:
        """Whether an approver is the one to act (not the coordinator)."""
        return not (self.approved or self.late or self.changes_asked)


def post_text(row: Mapping[str, object]) -> str:
    """The exact text to be posted: headline, details and link, one per line."""
    parts = (clean_text(row.get(f, "")) for f in ("headline", "details", "link"))
    return "\n".join(p for p in parts if p)


def same_text(a: str, b: str) -> bool:
    """Whether two texts are the same post: spacing and line endings a re-save changes ignored."""
    return _fold(a) == _fold(b)


def _fold(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def approval_levels(channels: pd.DataFrame) -> dict[str, str]:
    """Each channel's level by its casefolded name; channels without one need none."""
    levels: dict[str, str] = {}
    if "approval" not in channels:
        return levels
    for row in channels.to_dict("records"):
        name = clean_text(row.get("channel", "")).casefold()
        value = clean_text(row.get("approval", ""))
        level = next((lv for lv in APPROVAL_LEVELS if lv.casefold() == value.casefold()), "")
        if name and level in (COORDINATOR, COMPLIANCE):
            levels[name] = level
    return levels


def level_for(channels: Iterable[str], levels: Mapping[str, str]) -> str:
    """The strictest level an item's channels ask for; '' when none asks."""
    found = {levels.get(c.casefold(), "") for c in channels}
    return COMPLIANCE if COMPLIANCE in found else COORDINATOR if COORDINATOR in found else ""


def may_approve(people: PeopleByEmail, email: str, level: str) -> bool:
    """Whether an active People row gives `email` a role that approves at `level`."""
    row = people.get(email_of(email))
    if row is None or not is_active(row.get("active", "")):
        return False
    return any(has_role(row, role) for role in APPROVER_ROLES.get(level, ()))


def read_answers(frame: pd.DataFrame, tz: ZoneInfo, *, day_first: bool) -> dict[str, list[Answer]]:
    """The Approvals tab's answers by Queue ID, oldest first (a row without a time sorts first)."""
    found: dict[str, list[Answer]] = defaultdict(list)
    for row in frame.to_dict("records"):
        queue_id = clean_text(row.get("queue_id", ""))
        if not queue_id:
            continue
        try:
            at: datetime | None = parse_datetime(
                clean_text(row.get("at", "")), tz, day_first=day_first
            )
        except ValueError:
            at = None
        found[queue_id.casefold()].append(
            Answer(
                clean_text(row.get("approval_id", "")),
                queue_id,
                email_of(row.get("approver", "")),
                clean_text(row.get("decision", "")),
                str(row.get("text_approved", "") or ""),
                clean_text(row.get("comment", "")),
                at,
            )
        )
    for answers in found.values():
        answers.sort(key=lambda a: (a.at is not None, a.at or datetime.min.replace(tzinfo=tz)))
    return found


def verdict(
    queue_id: str,
    text: str,
    when: datetime | None,
    level: str,
    answers: Sequence[Answer],
    people: PeopleByEmail,
) -> Verdict:
    """Where one item stands against its answers (the module docstring gives the rules)."""
    counted = [a for a in answers if may_approve(people, a.approver, level)]
    last = counted[-1] if counted else None
    if last is None:
        strangers = [a for a in answers if a.decision.casefold() == APPROVE.casefold()]
        if strangers:
            a = strangers[-1]
            who = person_name(people, a.approver) or a.approver
            why = (
                f"the approval from {who} ({a.approver}) does not count: People does not give "
                f"them the {' or '.join(APPROVER_ROLES[level])} role a {level} approval needs"
            )
            return Verdict(queue_id, level, False, why)
        return Verdict(queue_id, level, False, f"no {level.lower()} approval yet")
    who = person_name(people, last.approver) or last.approver
    at = f"{last.at:%a %d %b %H:%M}" if last.at else "at an unreadable time"
    if last.decision.casefold() == ASK_FOR_CHANGES.casefold():
        if same_text(last.text, text):
            said = f": {last.comment}" if last.comment else ""
            why = f"{who} asked for changes {at}{said}"
            return Verdict(queue_id, level, False, why, last.approver, last.at, changes_asked=True)
        return Verdict(
            queue_id, level, False, f"edited after {who} asked for changes: waiting for approval"
        )
    if not same_text(last.text, text):
        why = f"approved by {who} {at}, but the text was edited afterwards: approval withdrawn"
        return Verdict(queue_id, level, False, why, last.approver, last.at)
    if when is not None and (last.at is None or last.at > when):
        why = (
            f"approved by {who} {at}, after its scheduled time {when:%a %d %b %H:%M}: "
            "back to the coordinator to reschedule"
        )
        return Verdict(queue_id, level, False, why, last.approver, last.at, late=True)
    return Verdict(queue_id, level, True, "", last.approver, last.at)


class ApprovalBook:
    """Every Queue item's verdict, read once from a snapshot (Channels, Queue, People, Approvals)."""

    def __init__(self, snapshot: Snapshot, tz: ZoneInfo, *, day_first: bool = True) -> None:
        self.levels = approval_levels(snapshot.get_or_empty("Channels"))
        self.people = by_email(snapshot.get_or_empty("People"))
        self.answers = read_answers(snapshot.get_or_empty("Approvals"), tz, day_first=day_first)
        self.rows: dict[str, dict[str, str]] = {}
        for row in snapshot.get_or_empty("Queue").to_dict("records"):
            qid = clean_text(row.get("id", ""))
            if qid:
                self.rows.setdefault(qid.casefold(), {k: clean_text(v) for k, v in row.items()})
        self.tz, self.day_first = tz, day_first

    def level(self, queue_id: str) -> str:
        """The level the item's channels ask for; '' when it needs no approval (or is unknown)."""
        row = self.rows.get(queue_id.casefold())
        return level_for(split_multi(row.get("channels", "")), self.levels) if row else ""

    def text(self, queue_id: str) -> str:
        """The item's text as it stands (its Queue row's headline, details and link)."""
        return post_text(self.rows.get(queue_id.casefold(), {}))

    def verdict(self, queue_id: str, when: datetime | None = None) -> Verdict | None:
        """The item's verdict; None when it needs no approval. `when`: its scheduled time."""
        level = self.level(queue_id)
        if not level:
            return None
        if when is None:
            when = self.scheduled(queue_id)
        answers = self.answers.get(queue_id.casefold(), [])
        return verdict(queue_id, self.text(queue_id), when, level, answers, self.people)

    def approvers(self, level: str) -> list[str]:
        """The active people who approve at `level`, in People order."""
        return [e for e in self.people if may_approve(self.people, e, level)]

    def scheduled(self, queue_id: str) -> datetime | None:
        """The item's Scheduled For, local; None when blank or unreadable."""
        text = self.rows.get(queue_id.casefold(), {}).get("scheduled_for", "")
        try:
            return parse_datetime(text, self.tz, day_first=self.day_first) if text else None
        except ValueError:
            return None


#: the brief lists items due this soon first, and the approval emails ask about them first
SOON = timedelta(hours=48)
#: how far back an item approved too late is still listed for the coordinator to reschedule
LATE_LISTED = timedelta(days=7)
_WAITING_STATUSES = ("scheduled", "approved", "overdue")


@dataclass(frozen=True)
class Waiting:
    """An item scheduled on a channel that needs approval, without an approval that counts."""

    queue_id: str
    headline: str
    text: str
    channels: tuple[str, ...]
    when: datetime
    verdict: Verdict

    def due_soon(self, now: datetime) -> bool:
        """Whether it is due within SOON of `now` (or already past its time)."""
        return self.when - now <= SOON

    def as_context(self, now: datetime) -> dict[str, object]:
        """The item as the brief's and the approval email's templates show it."""
        return {
            "id": self.queue_id,
            "headline": self.headline or "(no headline)",
            "text": self.text,
            "channels": ", ".join(self.channels),
            "time": f"{self.when:%a} {self.when.day} {self.when:%b %H:%M}",
            "level": self.verdict.level,
            "why": self.verdict.why,
            "due_soon": self.due_soon(now),
            "late": self.verdict.late,
            "changes_asked": self.verdict.changes_asked,
        }


def waiting_items(book: ApprovalBook, now: datetime, horizon: timedelta) -> list[Waiting]:
    """Items due from now to `horizon` (and those approved too late, from the past week) that
    lack an approval that counts: due within 48 hours first, then by time."""
    found: list[Waiting] = []
    for key, row in book.rows.items():
        if clean_text(row.get("status", "")).casefold() not in _WAITING_STATUSES:
            continue
        when = book.scheduled(key)
        verdict = book.verdict(key, when) if when is not None else None
        if verdict is None or verdict.approved or when is None:
            continue
        if not (now <= when <= now + horizon or (verdict.late and when >= now - LATE_LISTED)):
            continue
        channels = tuple(split_multi(row.get("channels", "")))
        found.append(
            Waiting(
                row.get("id", ""), row.get("headline", ""), book.text(key), channels, when, verdict
            )
        )
    return sorted(found, key=lambda w: (not w.due_soon(now), w.when, w.queue_id))
