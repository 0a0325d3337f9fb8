"""Each job's outside inputs, fetched by the shell before the pure plan runs.

A job's `plan()` sees only the snapshot, the time, the settings and what its
gatherer returns here: form responses, feed entries, a mailbox's messages,
the guide already on disk. A source that fails is reported by the plan, and
the others still run. `AFTER` holds what the shell does once a job's write
has landed (the guide's Google Doc copy).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from automation.archive import gather_archive, write_archive
from automation.feeds import fetch_feed, parse_feed
from automation.forms.base import FormSource
from automation.forms.csv_export import CsvExportSource, ExportRead
from automation.forms.prefill import approval_links
from automation.share_inputs import analytics_exports, share_inputs
from automation.store.xlsx_read import XlsxSnapshot
from automation.workspace import Workspace
from jobs.base import Plan
from jobs.cadence import CadencePlan, CalendarInputs
from jobs.cadence_calendar import FILE_NAME as CALENDAR_FILE
from jobs.form_inputs import FormInputs
from jobs.guide.job import HTML_NAME, MARKDOWN_NAME, GuidePlan
from jobs.guide.previous import PreviousGuide, previous_guide
from jobs.inbox_mentions import known_mentions
from jobs.ingest_alerts import FeedEntry, FeedInputs
from jobs.ingest_inbox import InboxInputs, known_message_ids
from jobs.responses import FormResponse, newest_response
from jobs.sync_forms import TABS as SYNC_FORMS_TABS
from jobs.sync_known import (
    KNOWN_KEY,
    KNOWN_VERSION,
    MARKED_FORM,
    may_pair,
    read_mark,
    submissions_digest,
    tab_pairs,
)
from jobs.sync_settled import SETTLED_KEY, SETTLED_VERSION, settled_report
from sheets_schema.errors import ChorusError
from sheets_schema.forms import FORMS
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.tabs_state import STATE_TAB

Gatherer = Callable[[Workspace, datetime, Snapshot], object]
AfterWrite = Callable[[Workspace, Plan, datetime], list[str]]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Chorus's version and its rules' files as installed (size, time): a fingerprint's part.

    An upgrade may plan differently, and a checkout being worked on keeps its
    version number: either changes this, so no run replays an older code's report.
    """
    try:
        parts = [version("chorus")]
    except PackageNotFoundError:
        parts = ["unknown"]
    root = Path(__file__).resolve().parents[1]
    for folder in ("jobs", "sheets_schema", "automation/forms"):
        for path in sorted((root / folder).rglob("*.py")):
            st = path.stat()
            parts.append(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def form_responses(workspace: Workspace, now: datetime, snapshot: Snapshot) -> FormInputs:
    """Read every configured form source once; a form that fails is reported, the others run.

    On the local workbook with CSV exports, the inputs' fingerprint comes first: when
    the State tab holds it (jobs/sync_settled.py), nothing has changed since
    a sync that found nothing to do, and no export is parsed.
    """
    sources: dict[str, FormSource] = {}
    problems: list[str] = []
    for name in FORMS:
        try:
            source = workspace.form_source(name)
        except ChorusError as exc:
            problems.append(f"the {name} form was not read: {exc}")
            continue
        if source is not None:
            sources[name] = source
    exports = {n: s for n, s in sources.items() if isinstance(s, CsvExportSource)}
    settled, fingerprint = None, ""
    if isinstance(snapshot, XlsxSnapshot) and not problems and len(exports) == len(sources):
        state = snapshot.optional(STATE_TAB)
        settled = _settled_value(state)
        try:
            digests = {n: s.fingerprint() for n, s in exports.items()}
            fingerprint = _fingerprint(workspace, snapshot, digests) if state is not None else ""
        except ChorusError:
            fingerprint = ""  # an export that cannot be read: the long way says why
        quick = FormInputs(
            sources={n: s.describe() for n, s in exports.items()},
            fingerprint=fingerprint,
            settled=settled,
        )
        if settled_report(quick.fingerprint, quick.settled) is not None:
            return quick
    responses: dict[str, Sequence[FormResponse]] = {}
    described: dict[str, str] = {}
    marked = _marked_read(workspace, snapshot, sources)
    for name, source in sources.items():
        try:
            described[name] = source.describe()
            if name == MARKED_FORM and marked is not None:
                responses[name] = marked[0].responses
                continue
            responses[name] = source.responses(since=_since(workspace, snapshot, name, source))
        except ChorusError as exc:
            problems.append(f"the {name} form was not read: {exc}")
    if fingerprint and isinstance(snapshot, XlsxSnapshot):
        # of the bytes the responses were read from, not of the files as they are now
        read = {n: s.read_digest for n, s in exports.items()}
        fingerprint = _fingerprint(workspace, snapshot, read) if all(read.values()) else ""
    if marked is None or MARKED_FORM not in responses:
        return FormInputs(responses, tuple(problems), described, fingerprint, settled)
    export, kept = marked
    known = {MARKED_FORM: (export.unread, export.warnings)} if export.unread else {}
    return FormInputs(
        responses, tuple(problems), described, fingerprint, settled, known, export.mark, kept
    )


def _marked_read(
    workspace: Workspace, snapshot: Snapshot, sources: dict[str, FormSource]
) -> tuple[ExportRead, str | None] | None:
    """The submissions export read after its mark when that holds (jobs/sync_known.py), with
    the State value as read; None where no mark is kept (another source, a workbook without State).

    The export is read here, so an export that cannot be read raises its ChorusError later,
    when the loop reads it the plain way.
    """
    source = sources.get(MARKED_FORM)
    if not isinstance(source, CsvExportSource) or not isinstance(snapshot, XlsxSnapshot):
        return None
    state = snapshot.optional(STATE_TAB)
    if state is None:
        return None
    kept = _state_value(state, KNOWN_KEY)
    basis = hashlib.sha256(
        "\n".join(
            [KNOWN_VERSION, code_version(), repr(workspace.settings), source.describe()]
        ).encode()
    ).hexdigest()
    mark = read_mark(kept)
    if mark is not None and mark.submissions != submissions_digest(tab_pairs(snapshot)):
        mark = None  # Submissions is not as the marking write left it
    try:
        read = source.read(mark, basis)
        if read.unread and may_pair(read.responses, snapshot, workspace.settings.tz):
            read = source.read(None, basis)
    except ChorusError:
        return None
    return read, kept


def _since(
    workspace: Workspace, snapshot: Snapshot, name: str, source: FormSource
) -> datetime | None:
    """The newest response the form's tab holds, for a source that can ask for less (the Forms API).

    It comes from the tab this run already read: no second read. An export returns
    every response whatever it is told, so its tab is not scanned for it.
    """
    if isinstance(source, CsvExportSource):
        return None
    tab = FORMS[name].tab
    return newest_response(
        snapshot.get_or_empty(tab),
        tab,
        workspace.settings.tz,
        day_first=workspace.settings.organisation.day_first,
    )


def _settled_value(state: pd.DataFrame | None) -> str | None:
    """The State tab's sync-forms record, None when there is none."""
    return _state_value(state, SETTLED_KEY)


def _state_value(state: pd.DataFrame | None, key: str) -> str | None:
    """The State tab's value for `key`, None when there is no such row."""
    if state is None or state.empty:
        return None
    found = state.loc[state["key"].str.strip() == key, "value"]
    return str(found.iloc[0]) if len(found) else None


def _fingerprint(workspace: Workspace, snapshot: XlsxSnapshot, exports: dict[str, str]) -> str:
    """Everything sync-forms' plan reads, as one digest: exports, tabs, settings, the rules' version."""
    tabs = snapshot.digest(SYNC_FORMS_TABS)
    if not tabs:
        return ""
    parts = [SETTLED_VERSION, code_version(), tabs, repr(workspace.settings)]
    parts += [f"{name}={digest}" for name, digest in sorted(exports.items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def feed_entries(workspace: Workspace, now: datetime, snapshot: Snapshot) -> FeedInputs:
    """Fetch and parse each configured feed; one failing feed never stops the others."""
    alerts = workspace.settings.alerts
    entries: list[FeedEntry] = []
    problems: list[str] = []
    for feed in alerts.feeds:
        try:
            data = fetch_feed(feed, timeout=alerts.timeout_seconds, max_bytes=alerts.max_bytes)
            entries.extend(parse_feed(data, feed))
        except ChorusError as exc:
            problems.append(f"skipped: {exc}")
    return FeedInputs(tuple(entries), tuple(problems))


def inbox_messages(workspace: Workspace, now: datetime, snapshot: Snapshot) -> InboxInputs:
    """Read the configured mailbox once; a mailbox that cannot be read is a problem, not a crash."""
    try:
        source = workspace.inbox_source()
        if source is None:
            return InboxInputs()
        # Mail already in the Queue or in Mentions is not downloaded again.
        known = known_message_ids(snapshot.get_or_empty("Queue")["origin"])
        known |= known_mentions(snapshot.get_or_empty("Mentions"))[1]
        return InboxInputs(tuple(source.messages(known)), source.describe())
    except ChorusError as exc:
        return InboxInputs(problems=(f"the inbox was not read: {exc}",))


def guide_folder(settings: Settings) -> Path:
    """Where the guide files live: settings.guide.output_dir, else beside chorus.toml."""
    return settings.guide.output_dir or settings.base_dir


def guide_on_disk(workspace: Workspace, now: datetime, snapshot: Snapshot) -> PreviousGuide:
    """Read the guide files already written, so plan() can tell whether anything changed."""
    folder = guide_folder(workspace.settings)

    def read(name: str) -> str | None:
        try:
            return (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None  # absent or unreadable: plan writes a fresh copy

    return previous_guide(read(HTML_NAME), read(MARKDOWN_NAME))


def calendar_on_disk(workspace: Workspace, now: datetime, snapshot: Snapshot) -> CalendarInputs:
    """calendar.ics as check-cadence last wrote it, so an unchanged plan is not rewritten."""
    try:
        text = (guide_folder(workspace.settings) / CALENDAR_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return CalendarInputs()  # absent or unreadable: plan writes a fresh copy
    return CalendarInputs(text)


def publish_guide_doc(workspace: Workspace, plan: Plan, now: datetime) -> list[str]:
    """With the Google backend, keep the Google Doc copy in step (only when the guide changed).

    The Doc is written from the Guide the plan rendered the files from: no tab is read again.
    """
    settings = workspace.settings
    if settings.backend.kind != "google" or not plan.files or not isinstance(plan, GuidePlan):
        return []
    # Imported here: the Docs writer pulls in Google's libraries, which a local run never loads.
    from automation.config_edit import update_config
    from automation.docs import publish_guide

    doc_id = publish_guide(workspace, plan.guide)
    if doc_id != settings.guide.doc_id:
        update_config(settings.path, {("guide", "doc_id"): doc_id})
        return [f"created the Google Doc {doc_id} and wrote guide.doc_id into {settings.path.name}"]
    return [f"updated the Google Doc {doc_id}"]


def keep_google_calendar(workspace: Workspace, plan: Plan, now: datetime) -> list[str]:
    """With the Google backend and [cadence] calendar_id, the shared calendar follows the slots."""
    settings = workspace.settings
    if settings.backend.kind != "google" or not isinstance(plan, CadencePlan):
        return []
    if not settings.cadence.calendar_id or plan.calendar_window is None:
        return []
    # Imported here: the Calendar adapter pulls in Google's libraries, which a local run never loads.
    from automation.google.calendar import sync_calendar

    done = sync_calendar(
        workspace.google,
        settings.cadence.calendar_id,
        plan.calendar,
        plan.calendar_window,
        settings.organisation.timezone,
    )
    return [done.line(settings.cadence.calendar_id)]


#: job name -> what the shell fetches for it before planning
GATHER: dict[str, Gatherer] = {
    "sync-forms": form_responses,
    "ingest-alerts": feed_entries,
    "ingest-inbox": inbox_messages,
    "guide": guide_on_disk,
    "archive": gather_archive,
    "approval-requests": approval_links,
    "check-cadence": calendar_on_disk,
    "share-digest": share_inputs,
    "import-visits": analytics_exports,
    "welcome": share_inputs,
    "thanks": share_inputs,
}

#: job name -> what the shell does after the job's write has landed
AFTER: dict[str, AfterWrite] = {
    "guide": publish_guide_doc,
    "archive": write_archive,
    "check-cadence": keep_google_calendar,
}
