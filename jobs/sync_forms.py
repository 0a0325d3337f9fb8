"""sync-forms: staff form responses -> Submissions, Queue, Acknowledgements, Feedback.

    gather  every configured form source's responses (CSV export, linked sheet, Forms API)
    plan    pure: one Submissions row per response, accepted ones become Queue items
            (screened against the policy), acknowledgements and feedback get their rows
    apply   the runner's single write

Every response lands in Submissions exactly once, keyed by Response ID,
accepted or rejected with a reason a person understands; nothing is dropped
silently. Flags never reject: unknown submitters, permission doubts and the
policy check's findings go to the Queue item's Flags for a person to read.
The exception is a link to a site in `[screening] blocked_domains`: that
submission is Rejected with the reason (and thanks sends the kind note), and
its Submissions row shows the address defanged (hxxp://evil[.]example).

Edits. A response seen again with the same id and a later time (the Forms
API) updates its Submissions row; a new response with the same edit key (same
person, same headline: an edited CSV row or a second Submit) gets its own
Submissions row pointing at the existing Queue item. Either way the Queue
item's content (Headline, Details, Link, Channels, Flags, Source Type) is
updated only while the coordinator has not touched it: Status still New and
the content still what sync-forms last wrote. The update carries the values
as read, so a change made between read and write also wins. Status,
Scheduled For, Notes and Reviewer are never written after creation.

During a crisis (jobs/crisis/state.py: an open Crises row, or Program Crisis Mode On) new items arrive On
hold (Held From New), so nothing is scheduled by mistake.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cached_property
from itertools import repeat

from jobs import reasons as why
from jobs.approval_answers import record_answers
from jobs.base import Job, Plan, Report
from jobs.crisis.state import crisis_state
from jobs.form_inputs import FormInputs
from jobs.mention_form import MentionForm
from jobs.on_its_way import CONTENT_FIELDS, OnItsWay, same_content, submitted_content
from jobs.responses import FormResponse, StoredResponse, edit_key, identify, latest_by_id
from jobs.screening import blocked_reason, blocked_sites, defang, screen
from jobs.sync_known import mark_change
from jobs.sync_settled import remember, settled_report
from sheets_schema.columns import SOURCE_TYPES
from sheets_schema.records import Append, Changes, Snapshot, Update
from sheets_schema.settings import Settings
from sheets_schema.values import (
    clean_text,
    email_domain,
    format_datetime,
    format_datetime_seconds,
    is_http_url,
    parse_datetime,
    parse_email,
)

# Crises and Program: new items arrive On hold during a crisis (one reading: jobs/crisis/state.py).
TABS = (
    "Submissions",
    "Queue",
    "People",
    "Acknowledgements",
    "Feedback",
    "Crises",
    "Program",
    "Channels",
    "Approvals",
    "Mentions",  # the "Report a mention" form's rows (jobs/mention_form.py)
)
SOURCE_KIND = "Staff & partners"
#: a Queue item's Source Type by the form's content type in any case (the first spelling wins)
_SOURCE_TYPE_BY_FOLD = {t.casefold(): t for t in reversed(SOURCE_TYPES)}
MAX_LISTED = 20


def next_id_number(ids: Iterable[object], prefix: str) -> int:
    """The number after the highest '<prefix>-nnnn' among `ids` (1 when there is none)."""
    pattern = re.compile(rf"\s*{re.escape(prefix)}-(\d+)\s*", re.IGNORECASE)
    highest = 0
    for value in ids:
        m = pattern.fullmatch(str(value))
        if m:
            highest = max(highest, int(m[1]))
    return highest + 1


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: FormInputs | None) -> Plan:
    """The pure plan: rows to append and update for every response not yet in the sheets."""
    inputs = inputs or FormInputs()
    replay = settled_report(inputs.fingerprint, inputs.settled)
    if replay is not None:
        return Plan(changes=Changes(), report=replay)
    return remember(_plan(snapshot, settings, inputs), inputs.fingerprint, inputs.settled)


def _plan(snapshot: Snapshot, settings: Settings, inputs: FormInputs) -> Plan:
    sync = _Sync(snapshot, settings)
    warnings: dict[str, None] = {}
    handlers = {
        "submissions": sync.submission,
        "acknowledgements": sync.acknowledgement,
        "feedback": sync.feedback,
        "mention": sync.mentions.take,
    }
    for name, handler in handlers.items():
        batch = latest_by_id(inputs.responses.get(name, ()))
        unread, file_warnings = inputs.known.get(name, (0, ()))
        sync.counts["responses"] += len(batch) + unread
        sync.counts["unchanged"] += unread
        warnings.update(dict.fromkeys(file_warnings if unread else ()))
        stored = sync.stored(name) if batch else ()
        # A first sync has nothing to pair with: no pair made per response
        pairs = identify(batch, stored, _SUMMARY[name]) if stored else zip(batch, repeat(False))
        for response, known in pairs:
            changed = not known and handler(response)
            if not changed:
                sync.counts["unchanged"] += 1
            # A warning about the whole file is repeated every run; one about a row only when it is new.
            for warning in response.warnings:
                if changed or not warning.startswith(response.place + ":"):
                    warnings[warning] = None
    # Approval answers: their own record (jobs/approval_answers.py), merged into the one write.
    answers = record_answers(snapshot, latest_by_id(inputs.responses.get("approval", ())), settings)
    sync.counts["approvals"] = answers.recorded
    sync.problems.extend(answers.problems)
    sync.lines.extend(answers.lines)
    sync.counts.update(mentions_reported=len(sync.mentions.added))
    changes = sync.changes() + answers.changes
    changes = changes + mark_change(snapshot, changes, inputs.mark, inputs.kept_mark)
    lines = [
        f"{name}: {len(inputs.responses.get(name, ())) + inputs.known.get(name, (0,))[0]} "
        f"response(s) in {where}"
        for name, where in inputs.sources.items()
        if name in inputs.responses  # a form that was not read is a problem, not "0 responses"
    ]
    lines += sync.lines[:MAX_LISTED]
    if len(sync.lines) > MAX_LISTED:
        lines.append(f"... and {len(sync.lines) - MAX_LISTED} more")
    lines.extend(warnings)
    if sync.crisis and sync.counts["queue_added"]:
        lines.append(
            f"crisis {sync.crisis} is active: {sync.counts['queue_added']} new item(s) put On hold"
        )
    return Plan(
        changes=changes,
        report=Report(
            counts=dict(sync.counts),
            lines=tuple(lines),
            problems=inputs.problems + sync.switch_problems + tuple(sync.problems),
        ),
    )


class _Sync:
    """The plan's working state: what the sheets hold, and what this run adds or changes."""

    def __init__(self, snapshot: Snapshot, settings: Settings) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.tz = settings.tz
        self._times: dict[str, datetime | None] = {}
        self._last_time: tuple[datetime | None, str] = (None, "")
        self._addresses: dict[str, tuple[str, str]] = {}
        self._indexed: (
            tuple[dict[str, tuple[datetime, dict[str, str]]], dict[str, tuple[datetime, str]]]
            | None
        ) = None
        state = crisis_state(snapshot)
        self.crisis = state.label
        #: an unreadable Crisis Mode switch (read as On), reported by every job that reads it
        self.switch_problems = tuple(p.line() for p in state.problems)
        self.people = {clean_text(e).lower() for e in snapshot.get_or_empty("People")["email"]}
        self.submissions = {
            clean_text(r["response_id"]): r for r in _records(snapshot, "Submissions")
        }
        self.acks = {
            clean_text(r["response_id"]): r for r in _records(snapshot, "Acknowledgements")
        }
        self.feedback_rows = {
            clean_text(r["response_id"]): r for r in _records(snapshot, "Feedback")
        }
        m_ids = snapshot.get_or_empty("Mentions")["id"]
        self.mentions = MentionForm(snapshot, self.tz, next_id_number(m_ids, "M"))
        self.appends: dict[str, list[dict[str, str]]] = {
            "Submissions": [],
            "Queue": [],
            "Acknowledgements": [],
            "Feedback": [],
        }
        self.new_queue: dict[str, dict[str, str]] = {}
        self.on_its_way = OnItsWay(lambda: self.queue, self.new_queue)
        self.queue_updates: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
        self.updates: list[Update] = []
        self.lines: list[str] = []
        self.problems: list[str] = []
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "responses",
                "submissions_accepted",
                "submissions_rejected",
                "submissions_merged",
                "queue_added",
                "queue_updated",
                "edits",
                "acknowledgements",
                "feedback",
                "unchanged",
            ),
            0,
        )

    @cached_property
    def queue(self) -> dict[str, dict[str, str]]:
        """The Queue as read, by ID: read when a response needs it (a sync with nothing new never does)."""
        return {clean_text(r["id"]): r for r in _records(self.snapshot, "Queue")}

    @cached_property
    def next_q(self) -> int:
        """The number of the next Queue item this run adds."""
        return next_id_number(self.queue, "Q")

    @cached_property
    def written(self) -> dict[str, tuple[datetime, dict[str, str]]]:
        """What sync-forms last wrote into each Queue item (made when a response needs it)."""
        return self._index_submissions()[0]

    @cached_property
    def by_edit_key(self) -> dict[str, tuple[datetime, str]]:
        """Which Queue item each edit key fed (made when a response needs it)."""
        return self._index_submissions()[1]

    def _index_submissions(
        self,
    ) -> tuple[dict[str, tuple[datetime, dict[str, str]]], dict[str, tuple[datetime, str]]]:
        """`written` and `by_edit_key` from the Submissions rows the sheets hold; once."""
        if self._indexed is not None:
            return self._indexed
        written: dict[str, tuple[datetime, dict[str, str]]] = {}
        by_edit_key: dict[str, tuple[datetime, str]] = {}
        self._indexed = written, by_edit_key
        for row in self.submissions.values():
            qid = clean_text(row["queue_id"])
            at = self._stored_time(row["submitted_at"])
            if not qid or at is None or why.is_merged(row):
                continue
            if qid not in written or at >= written[qid][0]:
                written[qid] = (at, submitted_content(row))
            key = edit_key(
                "submissions", clean_text(row["email"]), {"headline": clean_text(row["headline"])}
            )
            if (
                key
                and clean_text(row["status"]) == "Accepted"
                and (key not in by_edit_key or at >= by_edit_key[key][0])
            ):
                by_edit_key[key] = (at, qid)
        return self._indexed

    # -- submissions ------------------------------------------------------------
    def submission(self, r: FormResponse) -> bool:
        """Plan one submission; False when the sheets already hold this version."""
        stored = self.submissions.get(r.response_id)
        if stored is not None:
            return self._edited_submission(r, stored)
        reasons, flags = self._evaluate(r)
        row = self._submission_row(r)
        match = self.by_edit_key.get(r.edit_key) if r.edit_key and not reasons else None
        # Same person, same headline: an edited CSV row or a second Submit, so the same item,
        # as long as the coordinator has not taken it up; a later repeat of a published or
        # edited item (a monthly newsletter, say) is a new item.
        if match is not None and (
            r.submitted_at < match[0] or self._revise_queue(match[1], r, flags, quiet=True)
        ):
            matched_at, qid = match
            row.update(
                status="Accepted",
                queue_id=qid,
                reason=f"same person and headline as an earlier response: treated as an edit of {qid}",
            )
            self.by_edit_key[r.edit_key] = (max(matched_at, r.submitted_at), qid)
            self.counts["edits"] += 1
            self.counts["submissions_accepted"] += 1
        elif not reasons and (
            twin := self.on_its_way.find(
                {"link": (t := r.texts()).get("link", ""), "headline": t.get("headline", "")}
            )
        ):
            # Someone suggested the same already: one item, both people thanked, nobody told no.
            row.update(status="Accepted", queue_id=twin, reason=why.MERGED)
            self.counts["submissions_accepted"] += 1
            self.counts["submissions_merged"] += 1
            self.lines.append(f"merged {r.place} ({r.email}) into {twin}, the same suggestion")
        elif not reasons:
            qid = self._add_queue_item(r, flags)
            row.update(status="Accepted", queue_id=qid)
            if r.edit_key:
                self.by_edit_key[r.edit_key] = (r.submitted_at, qid)
            self.counts["submissions_accepted"] += 1
        else:
            row.update(status="Rejected", reason=why.join(reasons))
            self.counts["submissions_rejected"] += 1
            self.lines.append(f"rejected {r.place} ({r.email or 'no email'}): {row['reason']}")
        self.appends["Submissions"].append(row)
        return True

    def _edited_submission(self, r: FormResponse, stored: dict[str, str]) -> bool:
        stored_at = self._stored_time(stored["submitted_at"])
        if stored_at is not None and r.submitted_at.replace(microsecond=0) <= stored_at:
            return False
        reasons, flags = self._evaluate(r)
        row = self._submission_row(r)
        del row["response_id"]
        qid = clean_text(stored["queue_id"])
        when = format_datetime(r.submitted_at, self.tz)
        if qid and not reasons and why.is_merged(stored):
            row.update(status="Accepted", queue_id=qid, reason=why.MERGED)  # the other's item
        elif qid and not reasons:
            revised = self._revise_queue(qid, r, flags)
            row.update(
                status="Accepted",
                queue_id=qid,
                reason=""
                if revised
                else f"edited {when}; the coordinator had already changed {qid}, so it was left as they set it",
            )
        elif qid:
            row.update(
                status="Accepted",
                queue_id=qid,
                reason=f"edited {when}: {'; '.join(reasons)}; {qid} was left in the queue for the coordinator to decide",
            )
            self.problems.append(f"{r.place}: the submitter's edit {row['reason']}")
        elif not reasons:
            row.update(status="Accepted", queue_id=self._add_queue_item(r, flags), reason="")
        else:
            row.update(status="Rejected", reason=why.join(reasons), queue_id="")
        self.updates.append(
            Update(
                "Submissions",
                (r.response_id,),
                row,
                expect={"submitted_at": clean_text(stored["submitted_at"])},
            )
        )
        self.counts["edits"] += 1
        self.counts[
            "submissions_accepted" if row["status"] == "Accepted" else "submissions_rejected"
        ] += 1
        return True

    def _evaluate(self, r: FormResponse) -> tuple[list[str], list[str]]:
        """Reasons to reject (a person can act on each), and the policy check's flags."""
        reasons: list[str] = []
        if not any(r.answers.values()):  # an answer is a text or a list of ticked boxes
            return [why.empty_response()], []
        email, reason = self._address(r.email)
        if reason:
            reasons.append(reason)
        t = r.texts()
        headline, details, link = t.get("headline", ""), t.get("details", ""), t.get("link", "")
        if not headline:
            reasons.append(why.no_headline())
        if link and not is_http_url(link):
            reasons.append(why.not_a_web_link(link))
        blocked = blocked_sites(
            link, f"{headline}\n{details}", self.settings.screening.blocked_domains
        )
        if blocked:
            reasons.append(blocked_reason(blocked))
        if reasons:
            return reasons, []
        flags = screen(
            {
                "headline": headline,
                "details": details,
                "link": link,
                "channels": r.items("suggested_channels"),
                "submitted_by": email,
            },
            self.settings,
            permission=t.get("permission", ""),
        )
        if email not in self.people:
            flags.append(f"unknown submitter: {email} is not in People; check who they are")
        return reasons, flags

    def _address(self, email: str) -> tuple[str, str]:
        """A respondent's address as read, and why it cannot be taken ('' when it can);
        each address worked out once (most people answer many times)."""
        found = self._addresses.get(email)
        if found is not None:
            return found
        domains = self.settings.organisation.email_domains
        address, reason = email, ""
        if not email:
            reason = why.no_email_collected()
        else:
            try:
                address = parse_email(email)
            except ValueError:
                reason = why.not_an_email(email)
            else:
                if email_domain(address) not in domains:
                    reason = why.outside_domains(address, domains)
        self._addresses[email] = address, reason
        return address, reason

    def _submission_row(self, r: FormResponse) -> dict[str, str]:
        # A blocked site's address is kept readable but never clickable (a sheet links URLs).
        blocked = self.settings.screening.blocked_domains
        t = r.texts()
        headline, details, link = t.get("headline", ""), t.get("details", ""), t.get("link", "")
        if blocked:
            headline, details, link = (defang(t, blocked) for t in (headline, details, link))
        return {
            "response_id": r.response_id,
            "submitted_at": self._seconds(r.submitted_at),
            "email": r.email,
            "name": t.get("name", ""),
            "content_type": t.get("content_type", ""),
            "headline": headline,
            "details": details,
            "link": link,
            "suggested_channels": t.get("suggested_channels", ""),
            "preferred_date": t.get("preferred_date", ""),
            "permission": t.get("permission", ""),
            "status": "",
            "reason": "",
            "queue_id": "",
        }

    def _queue_content(self, r: FormResponse, flags: list[str]) -> dict[str, str]:
        t = r.texts()
        source_type = _SOURCE_TYPE_BY_FOLD.get(t.get("content_type", "").casefold(), "Other")
        return {
            "headline": t.get("headline", ""),
            "details": t.get("details", ""),
            "link": t.get("link", ""),
            "channels": t.get("suggested_channels", ""),
            "source_type": source_type,
            "flags": "; ".join(flags),
        }

    def _add_queue_item(self, r: FormResponse, flags: list[str]) -> str:
        qid = f"Q-{self.next_q:04d}"
        self.next_q += 1
        t = r.texts()
        row = {  # _queue_content's fields written out: one dict per item, not two
            "id": qid,
            "created": self._minutes(r.submitted_at),
            "source_kind": SOURCE_KIND,
            "headline": t.get("headline", ""),
            "details": t.get("details", ""),
            "link": t.get("link", ""),
            "channels": t.get("suggested_channels", ""),
            "source_type": _SOURCE_TYPE_BY_FOLD.get(t.get("content_type", "").casefold(), "Other"),
            "flags": "; ".join(flags),
            "submitted_by": r.email,
            "status": "On hold" if self.crisis else "New",
            "held_from": "New" if self.crisis else "",
            "origin": f"form:submissions:{r.response_id}",
        }
        self.new_queue[qid] = row
        self.on_its_way.added(qid, row)
        self.counts["queue_added"] += 1
        return qid

    def _revise_queue(
        self, qid: str, r: FormResponse, flags: list[str], *, quiet: bool = False
    ) -> bool:
        """Bring a Queue item up to the submitter's new version if nobody else changed it."""
        content = self._queue_content(r, flags)
        if qid in self.new_queue:
            self.new_queue[qid].update(content)
            self.on_its_way.added(qid, self.new_queue[qid])
            return True
        if qid in self.queue_updates:
            self.queue_updates[qid][0].update(content)
            return True
        item = self.queue.get(qid)
        base = self.written.get(qid)
        if item is None:
            if not quiet:
                self.lines.append(
                    f"{qid} is no longer in the queue; the new version of {r.place} is in Submissions only"
                )
            return False
        as_read = {
            f: clean_text(item[f]) for f in (*CONTENT_FIELDS, "flags", "source_type", "status")
        }
        if same_content(as_read, content):
            return True
        untouched = (
            as_read["status"] == "New" and base is not None and same_content(as_read, base[1])
        )
        if not untouched:
            if quiet:
                return False
            self.lines.append(
                f"{qid}: the submitter sent a new version ({r.place}) but the coordinator had changed the item; left as they set it"
            )
            return False
        self.queue_updates[qid] = (content, as_read)
        return True

    # -- acknowledgements and feedback ---------------------------------------------
    def acknowledgement(self, r: FormResponse) -> bool:
        """Plan one policy acknowledgement; False when already recorded."""
        version = _version(r.text("policy_version"))
        values = {
            "email": r.email,
            "policy_version": version,
            "acknowledged_at": format_datetime_seconds(r.submitted_at, self.tz),
        }
        stored = self.acks.get(r.response_id)
        if stored is not None:
            stored_at = self._stored_time(stored["acknowledged_at"])
            if stored_at is not None and r.submitted_at.replace(microsecond=0) <= stored_at:
                return False
            self.updates.append(
                Update(
                    "Acknowledgements",
                    (r.response_id,),
                    values,
                    expect={"acknowledged_at": clean_text(stored["acknowledged_at"])},
                )
            )
            self.counts["edits"] += 1
            return True
        missing = [
            what
            for what, value in (("an email address", r.email), ("a policy version", version))
            if not value
        ]
        if missing:
            self.problems.append(
                f"{r.place}: the acknowledgement has no {' and no '.join(m.split(' ', 1)[1] for m in missing)}; recorded as it is"
            )
        elif email_domain(r.email) not in self.settings.organisation.email_domains:
            self.lines.append(
                f"{r.place}: acknowledgement from {r.email}, outside the organisation; recorded"
            )
        self.appends["Acknowledgements"].append({"response_id": r.response_id, **values})
        self.counts["acknowledgements"] += 1
        return True

    def feedback(self, r: FormResponse) -> bool:
        """Plan one piece of guide feedback; False when already recorded."""
        contact = r.text("contact")
        values = {
            "submitted_at": format_datetime_seconds(r.submitted_at, self.tz),
            "email": r.email,
            "section": r.text("section"),
            "text": r.text("text"),
            "contact": contact if contact in ("Yes", "No") else "",
        }
        stored = self.feedback_rows.get(r.response_id)
        if stored is not None:
            stored_at = self._stored_time(stored["submitted_at"])
            if stored_at is not None and r.submitted_at.replace(microsecond=0) <= stored_at:
                return False
            if clean_text(stored["status"]) != "New":
                self.lines.append(
                    f"{r.place}: feedback edited after the policy owner answered it; left as it was"
                )
                return True
            expect = {
                f: clean_text(stored[f])
                for f in ("submitted_at", "section", "text", "contact", "status")
            }
            self.updates.append(Update("Feedback", (r.response_id,), values, expect=expect))
            self.counts["edits"] += 1
            return True
        self.appends["Feedback"].append({"response_id": r.response_id, **values, "status": "New"})
        self.counts["feedback"] += 1
        return True

    def stored(self, form: str) -> list[StoredResponse]:
        """The responses a form's tab holds, as `identify` pairs new ones with them."""
        if form == "mention":
            return self.mentions.stored()
        rows, time_field, summary_field = {
            "submissions": (self.submissions, "submitted_at", "headline"),
            "acknowledgements": (self.acks, "acknowledged_at", "policy_version"),
            "feedback": (self.feedback_rows, "submitted_at", "text"),
        }[form]
        out = []
        for rid, row in rows.items():
            at = self._stored_time(row[time_field])
            if rid and at is not None:
                out.append(StoredResponse(rid, row["email"], at, row[summary_field]))
        return out

    # -- output --------------------------------------------------------------------
    def changes(self) -> Changes:
        appends = [
            Append(tab, row)
            for tab in ("Submissions", "Acknowledgements", "Feedback")
            for row in self.appends[tab]
        ]
        appends += [Append("Queue", row) for row in self.new_queue.values()]
        appends += self.mentions.added
        updates = list(self.updates)
        for qid, (content, as_read) in self.queue_updates.items():
            expect = {f: as_read[f] for f in (*CONTENT_FIELDS, "flags", "source_type", "status")}
            updates.append(Update("Queue", (qid,), content, expect=expect))
            self.counts["queue_updated"] += 1
        return Changes(appends=tuple(appends), updates=tuple(updates))

    def _seconds(self, at: datetime) -> str:
        """format_datetime_seconds in the organisation's zone; remembered for `_minutes`."""
        text = format_datetime_seconds(at, self.tz)
        self._last_time = (at, text)
        return text

    def _minutes(self, at: datetime) -> str:
        """format_datetime in the organisation's zone: the response's Submissions time cut to
        the minute when that was the last one made (a new item's Created is its response's)."""
        last, text = self._last_time
        if last is at and len(text) == 19:
            return text[:16]
        return format_datetime(at, self.tz)

    def _stored_time(self, text: object) -> datetime | None:
        """A time as the tab holds it; each text read once (a row's time is asked for thrice)."""
        key = clean_text(text)
        if key not in self._times:
            try:
                self._times[key] = parse_datetime(key, self.tz)
            except ValueError:
                self._times[key] = None
        return self._times[key]


def _records(snapshot: Snapshot, tab: str) -> list[dict[str, str]]:
    frame = snapshot.get_or_empty(tab)
    columns = list(frame.columns)
    return [
        dict(zip(columns, map(clean_text, row), strict=True))
        for row in frame.itertuples(index=False, name=None)
    ]


def _version(text: str) -> str:
    """A policy version as typed ("v2026.2", "Version 2026.2") as the Policies tab writes it."""
    return re.sub(r"^(?:version|v)\s*", "", text, flags=re.IGNORECASE)


#: the answer that tells two responses of one person in one minute apart (see identify)
_SUMMARY: Mapping[str, Callable[[FormResponse], str]] = {
    "submissions": lambda r: r.text("headline"),
    "acknowledgements": lambda r: _version(r.text("policy_version")),
    "feedback": lambda r: r.text("text"),
    "mention": lambda r: " ".join(r.text("text").split()),
}


JOB = Job(
    "sync-forms",
    "Copy staff form responses into Submissions, the Queue, Acknowledgements and Feedback, screened against the policy.",
    TABS,
    plan,
)
