"""ingest-inbox: newsletters and email blasts staff forward -> Queue candidates, once each.

    gather  read the mailbox [inbox] names (Maildir, IMAP, Gmail label), skipping
            the download of messages whose Message-ID is already in Queue Origin
    plan    pure: each message from a trusted sender becomes at most one Queue
            item (External, Newsletter, New), screened against the policy
    apply   the runner's single write

Mentions (jobs/inbox_mentions.py): a network's notification email (a mention,
comment, direct message or tag) becomes a Mentions row, and so does a
colleague's forward whose subject leads with "Mention"; the rest is content.

Trust: only mail sent (or forwarded) by an active person in People, by an
address or domain in [inbox] allow, or by a network's notification sender is
read, and only when the receiving server's Authentication-Results vouch for
the From address (jobs/mail_text/trust.py); everything else is counted by
reason in the report and left alone. A message that names a colleague but
fails authentication is a problem for the coordinator, never queued under
their name. The mailbox is never changed: Chorus knows what it has read from
the Origin columns of Queue and Mentions ("mail:<Message-ID>"), so the same
message is never queued twice, across runs and across sources. A
message linking a site in [screening] blocked_domains is rejected outright:
counted, listed with the reason, never queued.

During a declared crisis (a Crises row without Ended, or Program "Crisis
Mode" On) new items arrive On hold (Held From New), like every other intake.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs.base import Job, Plan, Report
from jobs.crisis.state import crisis_state
from jobs.inbox_mentions import known_mentions, notification_row, report_row, reported_subject
from jobs.links import canonical_url
from jobs.mail_text.headers import message_key, parse_message
from jobs.mail_text.read import MailContent, read_message
from jobs.mail_text.trust import check_trust
from jobs.network_names import network_of_sender, sender_domains
from jobs.people import is_active
from jobs.screening import blocked_reason, blocked_sites, defang, screen
from jobs.sync_forms import next_id_number
from sheets_schema.records import Append, Changes, Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, format_datetime

TABS = ("Queue", "Mentions", "People", "Crises", "Program")
ORIGIN_PREFIX = "mail:"
SOURCE_KIND = "External"
SOURCE_TYPE = "Newsletter"
#: Details longer than this are cut (a sheet cell is for reading, the mailbox keeps the rest)
DETAILS_LIMIT = 5000
#: other links listed in Details beyond the first (which goes in Link)
MAX_LINKS_LISTED = 10
MAX_LISTED = 20
#: what a run adds, counted in the report
COUNTS = (
    "queue_added",
    "mentions_added",
    "reports_added",
    "already_queued",
    "already_in_mentions",
)

#: why a message was left alone -> the report's count name
SKIP_REASONS = {
    "unknown sender": "skipped_unknown_sender",
    "inactive person": "skipped_inactive_person",
    "too large": "skipped_too_large",
    "no content": "skipped_no_content",
    "automatic reply": "skipped_automatic_reply",
    "blocked site": "skipped_blocked_site",
    "not authenticated": "skipped_not_authenticated",
}


@dataclass(frozen=True)
class InboxMessage:
    """One message as a source found it: raw bytes (the header only when `complete` is False)."""

    source_id: str
    raw: bytes
    size: int
    complete: bool = True


@dataclass(frozen=True)
class InboxInputs:
    """What gather found: the mailbox's messages, where they came from, and what failed."""

    messages: tuple[InboxMessage, ...] = ()
    source: str = ""
    problems: tuple[str, ...] = ()


def known_message_ids(origins: Iterable[object]) -> set[str]:
    """The Message-IDs (case-folded) already in Queue Origin values 'mail:<id>; ...'."""
    found: set[str] = set()
    for origin in origins:
        text = clean_text(origin)
        if text[: len(ORIGIN_PREFIX)].casefold() == ORIGIN_PREFIX:
            key = text[len(ORIGIN_PREFIX) :].split(";", 1)[0].strip()
            if key:
                found.add(key.casefold())
    return found


@dataclass
class _Intake:
    """One run's running state: what is known, what is added, and what to tell people."""

    settings: Settings
    now: datetime
    people: dict[str, dict[str, Any]]
    known: set[str]
    mention_urls: set[str]
    next_q: int
    next_m: int
    crisis: str
    counts: Counter[str]
    appends: list[Append] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def mention(self, row: dict[str, str], key: str, count: str) -> None:
        """Append a Mentions row unless its link is already there."""
        self.known.add(key.casefold())
        url = canonical_url(row["url"]) if row["url"] else ""
        if url and url in self.mention_urls:
            self.counts["already_in_mentions"] += 1
            return
        if url:
            self.mention_urls.add(url)
        ident = f"M-{self.next_m:04d}"
        self.next_m += 1
        self.appends.append(Append("Mentions", {"id": ident, **row}))
        self.counts[count] += 1
        who = row.get("author") or row.get("reported_by") or "someone"
        self.added.append(
            f"{ident} {row['network'] or 'mention'} {row['kind'].lower()} by {who}: {row['title']}"
        )


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: InboxInputs | None) -> Plan:
    """The pure plan: one Mention or Queue item per new message from a trusted sender."""
    inputs = inputs or InboxInputs()
    queue = snapshot.get_or_empty("Queue")
    mention_urls, mention_ids = known_mentions(snapshot.get_or_empty("Mentions"))
    # One reading of crisis mode for every intake (jobs/crisis/state.py).
    state = crisis_state(snapshot)
    intake = _Intake(
        settings,
        now,
        _people(snapshot),
        known_message_ids(queue["origin"]) | mention_ids,
        mention_urls,
        next_id_number(queue["id"], "Q"),
        next_id_number(snapshot.get_or_empty("Mentions")["id"], "M"),
        state.label,
        Counter(dict.fromkeys(("messages", *COUNTS, *SKIP_REASONS.values()), 0)),
    )
    for item in _oldest_first(inputs.messages):
        _take(intake, item)
    counts = intake.counts
    lines = _listed(intake.added) + _listed(intake.skipped)
    if intake.crisis and counts["queue_added"]:
        lines.append(
            f"crisis {intake.crisis} is active: {counts['queue_added']} new item(s) put On hold"
        )
    if not settings.inbox.kind and not inputs.problems:
        lines.append("no inbox is configured: set [inbox] kind to read forwarded mail")
    return Plan(
        changes=Changes(appends=tuple(intake.appends)),
        report=Report(
            counts=dict(counts),
            lines=tuple(lines),
            problems=inputs.problems
            + tuple(intake.problems)
            + tuple(p.line() for p in state.problems),
        ),
    )


def _take(intake: _Intake, item: InboxMessage) -> None:
    """One message: left alone (counted, with the reason), or a Mention, or a Queue item."""
    settings = intake.settings
    intake.counts["messages"] += 1
    msg = parse_message(item.raw)
    key = message_key(msg)
    if key.casefold() in intake.known:
        intake.counts["already_queued"] += 1
        return
    trust = check_trust(msg, settings.inbox.authserv_id)
    sender = trust.sender or _sender(msg)
    network = network_of_sender(sender, sender_domains(settings.inbox.notification_senders))
    reason, content = _read_if_welcome(item, msg, sender, intake.people, _allow(settings), settings)
    if network and reason in ("unknown sender", "automatic reply", "blocked site"):
        # A network's notification: sent by a machine, linking to the network, from no colleague.
        reason, content = "", read_message(msg)
    if not reason and not trust.authenticated:
        reason, content = "not authenticated", None
        _unauthenticated(intake, msg, sender, trust.why)
    if reason or content is None:
        intake.counts[SKIP_REASONS[reason]] += 1
        intake.skipped.append(_skip_line(reason, msg, sender, item, settings, content))
        return
    if network:
        row = notification_row(content, network, key, intake.now, settings.tz)
        intake.mention(row, key, "mentions_added")
        return
    title = reported_subject(content.subject, settings.inbox.mention_words)
    if title is not None and sender in intake.people:
        intake.mention(
            report_row(content, title, sender, key, intake.now, settings.tz), key, "reports_added"
        )
        return
    _queue(intake, content, key)


def _unauthenticated(intake: _Intake, msg: Any, sender: str, why: str) -> None:
    """A message naming a colleague that its server did not vouch for: the coordinator hears."""
    person = intake.people.get(sender)
    if person is None:
        return
    subject = " ".join(str(msg.get("Subject", "") or "").split())[:80]
    intake.problems.append(
        f"ingest-inbox: a message signed {person['name'] or sender} <{sender}> ({subject!r}) was "
        f"not authenticated ({why}): left alone, not queued under their name; if they did send "
        "it, ask them to send it again from their work mailbox, otherwise treat it as forged"
    )


def _queue(intake: _Intake, content: MailContent, key: str) -> None:
    """A trusted message's content as a new Queue item (On hold during a crisis)."""
    intake.known.add(key.casefold())
    qid = f"Q-{intake.next_q:04d}"
    intake.next_q += 1
    row = queue_row(content, key, intake.now, intake.settings)
    row.update(
        id=qid,
        status="On hold" if intake.crisis else "New",
        held_from="New" if intake.crisis else "",
    )
    intake.appends.append(Append("Queue", row))
    intake.counts["queue_added"] += 1
    who = intake.people.get(content.sender, {}).get("name") or content.sender_name or content.sender
    intake.added.append(f"{qid} from {who}: {row['headline']}")


def _allow(settings: Settings) -> tuple[str, ...]:
    return tuple(a.strip().lower().lstrip("@") for a in settings.inbox.allow if a.strip())


def _read_if_welcome(
    item: InboxMessage,
    msg: Any,
    sender: str,
    people: dict[str, dict[str, Any]],
    allow: Sequence[str],
    settings: Settings,
) -> tuple[str, MailContent | None]:
    """Why a message is left alone ('' when it is not), and its content when it is read.

    Size and trust are checked from the header alone, so an untrusted or
    oversized message is never read.
    """
    if not item.complete or item.size > settings.inbox.max_bytes:
        return "too large", None
    reason = _untrusted(sender, people, allow)
    if reason:
        return reason, None
    content = read_message(msg)
    if content.automatic:
        return "automatic reply", content
    if content.empty:
        return "no content", content
    if _blocked(content, settings):
        return "blocked site", content
    return "", content


def _blocked(content: MailContent, settings: Settings) -> list[str]:
    """The blocked sites a message links to: it is rejected outright, never queued."""
    text = "\n".join(
        (content.headline, content.note, content.text, *(link.url for link in content.links))
    )
    return blocked_sites("", text, settings.screening.blocked_domains)


def queue_row(content: MailContent, key: str, now: datetime, settings: Settings) -> dict[str, str]:
    """The Queue fields for one message (without ID and Status), screened against the policy."""
    link = content.links[0] if content.links else None
    fields = {
        "headline": content.headline or "(no subject)",
        "details": details_text(content),
        "link": link.url if link else "",
        "submitted_by": content.sender,
    }
    flags = screen(fields, settings)
    if link is not None and link.tracker:
        flags.append(
            f"tracking link: Link is a {link.tracker} click-tracking address; open it and put "
            "the article's own address in Link before posting"
        )
    origin = f"{ORIGIN_PREFIX}{key}"
    if content.original_sender:
        origin += f"; original sender: {content.original_sender}"
    when = min(content.sent_at, now) if content.sent_at else now
    return {
        "created": format_datetime(when, settings.tz),
        "source_kind": SOURCE_KIND,
        "source_type": SOURCE_TYPE,
        **fields,
        "flags": "; ".join(flags),
        "origin": origin,
    }


def details_text(content: MailContent, limit: int = DETAILS_LIMIT) -> str:
    """The forwarder's note, the readable text, the other links and attachment names, capped."""
    head = ""
    if content.note:
        head = f"Note from {content.sender_name or content.sender}: {content.note}\n\n"
    tail_parts: list[str] = []
    # Addresses already written out in a plain-text message are not listed twice.
    others = [link for link in content.links[1:] if not link.inline]
    if others:
        listed = [f"- {link.describe()}" for link in others[:MAX_LINKS_LISTED]]
        if len(others) > MAX_LINKS_LISTED:
            listed.append(f"- and {len(others) - MAX_LINKS_LISTED} more links in the message")
        tail_parts.append("Other links:\n" + "\n".join(listed))
    if content.links and content.links[0].tracker:
        tail_parts.append(f"Link: {content.links[0].describe()}")
    if content.attachments:
        tail_parts.append("Attachments (not opened): " + ", ".join(content.attachments))
    tail = ("\n\n" + "\n\n".join(tail_parts)) if tail_parts else ""
    body = content.text
    room = limit - len(head) - len(tail)
    if len(body) > room:
        notice = f"\n[… cut at {limit:,} characters: the full text is in the mailbox]"
        keep = max(room - len(notice), 0)
        cut = body[:keep].rsplit(" ", 1)[0] if " " in body[:keep] else body[:keep]
        body = cut.rstrip() + notice
    return (head + body + tail)[:limit]


# --------------------------------------------------------------------------- helpers


def _people(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """People by lower-case email, with `active` as a bool (jobs/people.py's rule)."""
    people: dict[str, dict[str, Any]] = {}
    for row in snapshot.get_or_empty("People").to_dict("records"):
        email = clean_text(row.get("email")).lower()
        if not email:
            continue
        people[email] = {
            "name": clean_text(row.get("name")),
            "active": is_active(row.get("active")),
        }
    return people


def _sender(msg: Any) -> str:
    from email.utils import parseaddr

    try:
        return parseaddr(str(msg.get("From", "") or ""))[1].strip().lower()
    except (ValueError, TypeError, IndexError):
        return ""


def _untrusted(sender: str, people: dict[str, dict[str, Any]], allow: Sequence[str]) -> str:
    """'' when the sender may put content in the queue, else the reason why not."""
    if not sender:
        return "unknown sender"
    person = people.get(sender)
    if person is not None and person["active"]:
        return ""
    domain = sender.rsplit("@", 1)[-1]
    if sender in allow or domain in allow:
        return ""
    return "inactive person" if person is not None else "unknown sender"


def _oldest_first(messages: Sequence[InboxMessage]) -> list[InboxMessage]:
    """Messages by their Date (undated last), so Q numbers follow time."""
    from email.parser import BytesHeaderParser
    from email.policy import default
    from email.utils import parsedate_to_datetime

    def when(item: InboxMessage) -> tuple[int, float, str]:
        header = BytesHeaderParser(policy=default).parsebytes(item.raw)
        try:
            stamp = parsedate_to_datetime(str(header.get("Date", ""))).timestamp()
        except (TypeError, ValueError, IndexError):
            return (1, 0.0, item.source_id)
        return (0, stamp, item.source_id)

    return sorted(messages, key=when)


def _skip_line(
    reason: str,
    msg: Any,
    sender: str,
    item: InboxMessage,
    settings: Settings,
    content: MailContent | None,
) -> str:
    blocked = settings.screening.blocked_domains
    subject = defang(" ".join(str(msg.get("Subject", "") or "").split())[:80], blocked)
    text = f"left alone ({reason}): {subject!r} from {sender or 'no sender'}"
    if reason == "blocked site" and content is not None:
        text += f"; {blocked_reason(_blocked(content, settings))}"
    if reason == "too large":
        text += f", {item.size:,} bytes over [inbox] max_bytes {settings.inbox.max_bytes:,}"
    elif reason == "unknown sender":
        text += "; add them to People or [inbox] allow if they may send content"
    return text


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= MAX_LISTED:
        return lines
    return lines[:MAX_LISTED] + [f"... and {len(lines) - MAX_LISTED} more"]


JOB = Job(
    "ingest-inbox",
    "Turn newsletters and mail staff forward to the social inbox into Queue items, once each.",
    TABS,
    plan,
)
