"""Every tab of the Chorus spreadsheet: headers people see, fields code uses.

This is the single source of truth: `chorus init` builds tabs, headers and
dropdowns from it, `chorus validate` checks a snapshot against it, and the
stores map headers to fields with it.
"""

from __future__ import annotations

from sheets_schema.columns import (
    CADENCE_STATUSES,
    CHANNEL_NAMES,
    GUIDE_SECTIONS,
    MENTION_KINDS,
    MENTION_STATUSES,
    QUEUE_STATUSES,
    ROLES,
    SOURCE_KINDS,
    SOURCE_TYPES,
    SUBMISSION_CONTENT_TYPES,
    YES_NO,
    Column,
    Kind,
    Tab,
)
from sheets_schema.tabs_approval import APPROVALS, CHANNEL_APPROVAL_COLUMNS, QUEUE_APPROVAL_COLUMNS
from sheets_schema.tabs_guide import PRINCIPLES, REVIEWS, SOURCES
from sheets_schema.tabs_mentions import CHANNEL_HELP, MENTION_COLUMNS
from sheets_schema.tabs_share import with_sharing
from sheets_schema.tabs_state import LAST_TABS, STATE, sent_archive_of


def _c(header: str, field_name: str, kind: Kind = Kind.TEXT, **kw: object) -> Column:
    return Column(header, field_name, kind, **kw)  # type: ignore[arg-type]


TABS: dict[str, Tab] = {
    t.name: t
    for t in (
        Tab(
            "Goals",
            (
                _c(
                    "Goal",
                    "goal",
                    required=True,
                    help="What the program wants to achieve",
                    width=36,
                ),
                _c("Why", "why", help="Why it matters to the organisation", width=40),
                _c(
                    "Metric",
                    "metric",
                    help="How it is measured (e.g. posts published, submissions)",
                    width=28,
                ),
                _c("Target", "target", help="The number to reach in the period"),
                _c(
                    "Period",
                    "period",
                    Kind.CHOICE,
                    choices=("Week", "Month", "Quarter", "Year"),
                    help="The period the target covers",
                ),
                _c("Owner", "owner", Kind.EMAIL, help="Who is accountable for the goal", width=28),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    choices=("Active", "Achieved", "Dropped"),
                    help="Whether the goal is still pursued",
                ),
            ),
            ("goal",),
            "The program's goals and how each is measured.",
        ),
        Tab(
            "Channels",
            (
                _c("Channel", "channel", required=True, help=CHANNEL_HELP),
                _c(
                    "Handle",
                    "handle",
                    Kind.URL,
                    help="Link to the organisation's profile",
                    width=36,
                ),
                _c("Purpose", "purpose", help="What the channel is used for", width=40),
                _c(
                    "Posts Per Week",
                    "posts_per_week",
                    Kind.INTEGER,
                    required=True,
                    help="How many posts a week the plan asks for",
                ),
                _c(
                    "Post Days",
                    "post_days",
                    Kind.DAYS,
                    help="Days to post, e.g. Mon, Wed, Fri or Mon-Fri or weekdays",
                ),
                _c(
                    "Post Window",
                    "post_window",
                    Kind.TIME_WINDOW,
                    help="Hours to post, e.g. 09:00-11:00 or 9am-11am",
                ),
                _c(
                    "Active",
                    "active",
                    Kind.YES_NO,
                    choices=YES_NO,
                    required=True,
                    help="No pauses the channel",
                ),
                *CHANNEL_APPROVAL_COLUMNS,
            ),
            ("channel",),
            "The networks the program uses and how often and when each is updated.",
        ),
        Tab(
            "People",
            (
                _c(
                    "Name",
                    "name",
                    required=True,
                    help="Full name as it appears in emails",
                    width=24,
                ),
                _c(
                    "Email", "email", Kind.EMAIL, required=True, help="Work email address", width=30
                ),
                _c("Team", "team", help="Team or practice group"),
                _c(
                    "Roles",
                    "roles",
                    Kind.MULTI_CHOICE,
                    choices=ROLES,
                    help="Any of " + ", ".join(ROLES) + ", comma separated",
                    width=28,
                ),
                _c(
                    "Manager Email",
                    "manager_email",
                    Kind.EMAIL,
                    help="Email of the person's manager",
                    width=30,
                ),
                _c(
                    "Active",
                    "active",
                    Kind.YES_NO,
                    choices=YES_NO,
                    required=True,
                    help="No means never mailed",
                ),
            ),
            ("email",),
            "Everyone Chorus may mail: staff, coordinators, managers, policy owners.",
        ),
        Tab(
            "Rota",
            (
                _c(
                    "Week Starting",
                    "week_starting",
                    Kind.DATE,
                    required=True,
                    help="The Monday the week starts",
                ),
                _c(
                    "Coordinator",
                    "coordinator",
                    Kind.EMAIL,
                    required=True,
                    help="Email of the week's coordinator",
                    width=30,
                ),
                _c("Backup", "backup", Kind.EMAIL, help="Email of the week's backup", width=30),
                _c("Notes", "notes", help="Anything the team should know", width=36),
            ),
            ("week_starting",),
            "Who coordinates each week, and who backs them up.",
        ),
        Tab(
            "Absences",
            (
                _c("Email", "email", Kind.EMAIL, required=True, help="Who is away", width=30),
                _c("From", "from_date", Kind.DATE, required=True, help="First day away"),
                _c("To", "to_date", Kind.DATE, required=True, help="Last day away"),
                _c("Note", "note", help="Holiday, conference, ...", width=30),
            ),
            ("email", "from_date"),
            "Days people are away; the backup covers for an absent coordinator.",
        ),
        Tab(
            "Queue",
            (
                _c("ID", "id", required=True, help="Unique id, e.g. Q-0042", width=12),
                _c("Created", "created", Kind.DATETIME, help="When the item entered the queue"),
                _c(
                    "Source Kind",
                    "source_kind",
                    Kind.CHOICE,
                    required=True,
                    choices=SOURCE_KINDS,
                    help="Where the content comes from",
                ),
                _c(
                    "Source Type",
                    "source_type",
                    Kind.CHOICE,
                    choices=SOURCE_TYPES,
                    help="What kind of content it is",
                ),
                _c(
                    "Headline",
                    "headline",
                    required=True,
                    help="One line people will read first",
                    width=40,
                ),
                _c("Details", "details", help="The text or notes for the post", width=48),
                _c("Link", "link", Kind.URL, help="http(s) link to the material", width=36),
                _c("Submitted By", "submitted_by", Kind.EMAIL, help="Who suggested it", width=28),
                _c("Channels", "channels", help="Where it should go, comma separated", width=24),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    required=True,
                    choices=QUEUE_STATUSES,
                    help="New, Approved, Scheduled, Published, Rejected, On hold, Overdue",
                ),
                _c(
                    "Scheduled For",
                    "scheduled_for",
                    Kind.DATETIME,
                    help="When it is scheduled to go out",
                ),
                _c("Published At", "published_at", Kind.DATETIME, help="When it went out"),
                _c("Post URL", "post_url", Kind.URL, help="Link to the published post", width=36),
                _c("Flags", "flags", help="What the policy check found; a person looks", width=36),
                _c("Reviewer", "reviewer", Kind.EMAIL, help="Who reviewed it", width=28),
                _c("Notes", "notes", help="Anything the coordinator wants to keep", width=36),
                _c(
                    "Origin",
                    "origin",
                    help="Where it came from: form response, feed entry, message id",
                    width=36,
                ),
                _c(
                    "Held From",
                    "held_from",
                    Kind.CHOICE,
                    choices=QUEUE_STATUSES,
                    help="The status before a crisis put it On hold",
                ),
                *QUEUE_APPROVAL_COLUMNS,
            ),
            ("id",),
            "Content on its way to a post, from every source.",
            "people, sync-forms, ingest-alerts, ingest-inbox",
        ),
        Tab(
            "Submissions",
            (
                _c(
                    "Response ID",
                    "response_id",
                    required=True,
                    help="The form response's id",
                    width=24,
                ),
                _c(
                    "Submitted At",
                    "submitted_at",
                    Kind.DATETIME,
                    required=True,
                    help="When the form was sent",
                ),
                _c("Email", "email", Kind.EMAIL, help="Who sent it", width=28),
                _c("Name", "name", help="Their name as they typed it", width=22),
                _c(
                    "Content Type",
                    "content_type",
                    Kind.CHOICE,
                    choices=SUBMISSION_CONTENT_TYPES,
                    help="What kind of content it is",
                ),
                _c("Headline", "headline", help="Their headline", width=36),
                _c("Details", "details", help="What they told us", width=40),
                _c("Link", "link", help="Their link (checked)", width=30),
                _c(
                    "Suggested Channels",
                    "suggested_channels",
                    Kind.MULTI_CHOICE,
                    choices=CHANNEL_NAMES,
                    help="Where they suggest it goes",
                ),
                _c(
                    "Preferred Date",
                    "preferred_date",
                    Kind.DATE,
                    help="When they would like it out",
                ),
                _c(
                    "Permission",
                    "permission",
                    Kind.CHOICE,
                    choices=("Yes", "No", "Not sure"),
                    help="May we share this publicly?",
                ),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    required=True,
                    choices=("Accepted", "Rejected"),
                    help="Accepted into the queue or rejected",
                ),
                _c("Reason", "reason", help="Why it was rejected, in words", width=36),
                _c("Queue ID", "queue_id", help="The Queue item it became", width=12),
            ),
            ("response_id",),
            "Every staff submission, accepted or rejected with a reason.",
            "sync-forms",
        ),
        Tab(
            "Mentions",
            (
                _c("ID", "id", required=True, help="Unique id, e.g. M-0007", width=12),
                _c("Found At", "found_at", Kind.DATETIME, required=True, help="When it was found"),
                _c("Source", "source", help="Feed or person that found it", width=22),
                _c(
                    "Kind",
                    "kind",
                    Kind.CHOICE,
                    required=True,
                    choices=MENTION_KINDS,
                    help="Mention, Comment, Tag, Compliment, Criticism, Question, Direct message",
                ),
                _c("Title", "title", help="Title of the page or message", width=36),
                _c("Snippet", "snippet", help="A few words of it", width=48),
                _c("URL", "url", Kind.URL, help="Where it is", width=36),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    required=True,
                    choices=MENTION_STATUSES,
                    help="New, Responded, Passed on, No action",
                ),
                _c("Assigned To", "assigned_to", Kind.EMAIL, help="Who answers it", width=28),
                _c("Responded At", "responded_at", Kind.DATETIME, help="When it was answered"),
                _c("Notes", "notes", help="Anything to remember", width=36),
                *MENTION_COLUMNS,
            ),
            ("id",),
            "Mentions, comments, tags, criticism, questions and direct messages.",
            "ingest-alerts, ingest-inbox, sync-forms and people",
        ),
        Tab(
            "Policies",
            (
                _c("ID", "id", required=True, help="Unique id, e.g. P-01", width=10),
                _c(
                    "Kind",
                    "kind",
                    Kind.CHOICE,
                    required=True,
                    choices=("Policy", "Guideline"),
                    help="Policy or Guideline",
                ),
                _c("Title", "title", required=True, help="Short title", width=36),
                _c("Text", "text", required=True, help="What staff should know and do", width=60),
                _c("Version", "version", required=True, help="Current version, e.g. 2.1", width=10),
                _c("Effective", "effective", Kind.DATE, help="When this version took effect"),
                _c(
                    "Last Reviewed",
                    "last_reviewed",
                    Kind.DATE,
                    help="When the owner last reviewed it",
                ),
                _c("Owner", "owner", Kind.EMAIL, help="The policy owner", width=28),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    choices=("Current", "Retired"),
                    help="Retired policies are no longer sent",
                ),
            ),
            ("id",),
            "The social media policy and guidelines staff follow.",
        ),
        Tab(
            "Acknowledgements",
            (
                _c(
                    "Response ID",
                    "response_id",
                    required=True,
                    help="The form response's id",
                    width=24,
                ),
                _c("Email", "email", Kind.EMAIL, required=True, help="Who acknowledged", width=28),
                _c(
                    "Policy Version",
                    "policy_version",
                    required=True,
                    help="The version they acknowledged",
                    width=12,
                ),
                _c("Acknowledged At", "acknowledged_at", Kind.DATETIME, required=True, help="When"),
            ),
            ("response_id",),
            "Who acknowledged which version of the policy, and when.",
            "sync-forms",
        ),
        Tab(
            "Cadence",
            (
                _c("Date", "date", Kind.DATE, required=True, help="The slot's day"),
                _c("Channel", "channel", required=True, help="The network"),
                _c("Slot", "slot", required=True, help="The slot's window, e.g. 09:00-11:00 #1"),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    required=True,
                    choices=CADENCE_STATUSES,
                    help=", ".join(CADENCE_STATUSES),
                ),
                _c("Queue ID", "queue_id", help="The item that fills or could fill it", width=12),
                _c("Note", "note", help="Why", width=40),
            ),
            ("date", "channel", "slot"),
            "Planned posting slots and how each is filled (written by check-cadence).",
            "check-cadence",
        ),
        Tab(
            "Feedback",
            (
                _c(
                    "Response ID",
                    "response_id",
                    required=True,
                    help="The form response's id",
                    width=24,
                ),
                _c("Submitted At", "submitted_at", Kind.DATETIME, required=True, help="When"),
                _c("Email", "email", Kind.EMAIL, help="Who", width=28),
                _c(
                    "Section",
                    "section",
                    Kind.CHOICE,
                    choices=GUIDE_SECTIONS,
                    help="Which part of the guide",
                ),
                _c("Text", "text", help="The feedback", width=48),
                _c(
                    "Contact",
                    "contact",
                    Kind.YES_NO,
                    choices=YES_NO,
                    help="May we contact them about it?",
                ),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    required=True,
                    choices=("New", "Considered", "Changed", "Declined"),
                    help="New, Considered, Changed, Declined",
                ),
                _c("Reply", "reply", help="What the policy owner decided", width=36),
            ),
            ("response_id",),
            "Feedback on the employee guide.",
            "sync-forms and policy owners",
        ),
        Tab(
            "Crises",
            (
                _c("ID", "id", required=True, help="Unique id, e.g. C-001", width=10),
                _c(
                    "Started",
                    "started",
                    Kind.DATETIME,
                    required=True,
                    help="When the crisis was declared",
                ),
                _c("Ended", "ended", Kind.DATETIME, help="When it was stood down"),
                _c("Declared By", "declared_by", Kind.EMAIL, help="Who declared it", width=28),
                _c("Reason", "reason", help="What happened", width=40),
                _c(
                    "Holding Statement",
                    "holding_statement",
                    help="What the organisation says publicly meanwhile",
                    width=48,
                ),
                _c("Notes", "notes", help="Anything to remember", width=36),
            ),
            ("id",),
            "Declared crises, from start to stand-down.",
            "chorus crisis and coordinators",
        ),
        Tab(
            "Program",
            (
                _c("Setting", "setting", required=True, help="Name of the setting", width=24),
                _c(
                    "Value",
                    "value",
                    help="Its value (a dropdown where it has set values)",
                    width=36,
                ),
                _c("Note", "note", help="What it does", width=48),
            ),
            ("setting",),
            "Switches coordinators can flip without a terminal (e.g. Crisis Mode: On).",
        ),
        APPROVALS,
        Tab(
            "Sent",
            (
                _c(
                    "Message ID",
                    "message_id",
                    required=True,
                    help="The message's id, fixed per job, period and recipient",
                    width=40,
                ),
                _c("Job", "job", required=True, help="Which job sent it"),
                _c("Period", "period", help="The day, week or month it is for"),
                _c("Recipient", "recipient", Kind.EMAIL, required=True, help="To whom", width=28),
                _c("Subject", "subject", help="Subject line", width=40),
                _c("Sent At", "sent_at", Kind.DATETIME, help="When it was confirmed sent"),
                _c("Transport", "transport", help="outbox, smtp or gmail"),
                _c(
                    "Status",
                    "status",
                    Kind.CHOICE,
                    choices=("Pending", "Sent", "Failed", "Deferred", "Expired"),
                    help="Pending until the transport confirms",
                ),
                _c(
                    "Transport ID",
                    "transport_id",
                    help="Gmail draft or message id, Maildir key",
                    width=24,
                ),
                _c("Thread ID", "thread_id", help="Gmail thread id", width=20),
            ),
            ("message_id",),
            "Every message sent, once: the ledger that stops duplicates.",
            "every mailing job",
        ),
        Tab(
            "Runs",
            (
                _c("Run ID", "run_id", required=True, help="Unique id of the run", width=30),
                _c("Job", "job", required=True, help="Which job"),
                _c("Started", "started", Kind.DATETIME, required=True, help="When it started"),
                _c("Finished", "finished", Kind.DATETIME, help="When it finished"),
                _c(
                    "Outcome",
                    "outcome",
                    Kind.CHOICE,
                    choices=("ok", "problems", "failed", "dry-run", "rolled up"),
                    help="ok, problems, failed, dry-run, or rolled up (a day of older runs in one line)",
                ),
                _c("Summary", "summary", help="One line on what it did", width=60),
                _c("API Calls", "api_calls", Kind.INTEGER, help="Backend calls the run made"),
            ),
            ("run_id",),
            "One row per run of one job.",
            "every job",
        ),
    )
}

TABS = with_sharing(TABS)  # Captions, Shares and the sharing columns of People and Queue
TABS.update(
    {t.name: t for t in (SOURCES, PRINCIPLES, REVIEWS, STATE, sent_archive_of(TABS["Sent"]))}
)
README_TAB = "About"  # the first tab: what each tab is for, for people
TAB_ORDER: tuple[str, ...] = (*(n for n in TABS if n not in LAST_TABS), *LAST_TABS)  # after About


def tab(name: str) -> Tab:
    """The schema of one tab; KeyError names the tabs that exist."""
    try:
        return TABS[name]
    except KeyError:
        raise KeyError(f"no tab {name!r}; tabs are {', '.join(TABS)}") from None
