"""`chorus init`: a commented chorus.toml and a spreadsheet built from the schema."""

from __future__ import annotations

from pathlib import Path

from automation.config import load_settings
from sheets_schema.errors import ConfigError

CONFIG_TEMPLATE = """\
# Chorus settings. Relative paths are relative to this file.
# Every key is explained; `chorus validate` and `chorus doctor` check them.

[organisation]
name = "{name}"
timezone = "{timezone}"            # IANA name: slots, briefs and weeks use it
email_domains = [{domains}]        # mail only ever goes to addresses in these domains
# working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
# day_first = true                 # 03/04/2026 is 3 April (false: March 4)

[backend]
kind = "{backend}"                 # "local" (.xlsx workbook) or "google" (Google Sheets)
workbook = "workbook.xlsx"         # local: the workbook file
# spreadsheet_id = ""              # google: the spreadsheet's id (chorus init --backend google fills it)
# credentials = "service-account.json"   # google: key file, or $GOOGLE_APPLICATION_CREDENTIALS
# Google lets no service account own a file: Chorus creates files as one of these (README)
# delegated_user = "social@example.org"  # google: the user who owns the files and Gmail sends as
# oauth_client = "client_secret.json"    # google: a Desktop OAuth client, for `chorus auth login`
# shared_drive_id = ""                   # google: a shared drive the service account adds files to

[forms.submissions]
kind = "csv"                       # "csv" (a Forms CSV export), "linked_sheet" or "forms_api"
path = "forms/submissions.csv"
# url = "https://docs.google.com/forms/d/e/.../viewform"

[forms.acknowledgements]
kind = "csv"
path = "forms/acknowledgements.csv"
# prefill_url = "https://docs.google.com/forms/d/e/.../viewform?usp=pp_url&emailAddress={{email}}&entry.123={{version}}"

# Regulated firms: approvers answer the approval form (Channels > Approval, People role Approver).
# [forms.approval]
# kind = "csv"
# path = "forms/approval.csv"
# prefill_url = "https://docs.google.com/forms/d/e/.../viewform?usp=pp_url&entry.1={{queue_id}}&entry.2={{decision}}&entry.3={{text}}"
# [forms.mention]                  # "Report a mention": staff tell the team about a post or message
# kind = "csv"
# path = "forms/mention.csv"

[alerts]
feeds = []                         # Google Alerts RSS/Atom URLs or files, or tables:
# feeds = [{{ name = "Google Alerts", url = "https://www.google.com/alerts/feeds/..." }},
#          {{ name = "Newsroom", url = "https://example.org/news.rss", use = "content", source_kind = "Organisation", source_type = "News release" }}]

[mail]
transport = "outbox"               # "outbox" (a Maildir folder), "smtp" or "gmail"
outbox = "outbox"
sender = "social@{first_domain}"
# smtp_host = "smtp-relay.gmail.com"
# smtp_port = 587
# smtp_security = "starttls"       # "starttls", "ssl" or "none"
# smtp_username = ""               # the password comes from $CHORUS_SMTP_PASSWORD
# state_dir = ".chorus-state"      # the SMTP journal: keep it on a disk that lasts
# max_per_run = 500                # a mistaken sheet never mails the world
# daily_allowance = 2000           # larger mailings are spread over the next days

[forms.feedback]
kind = "csv"                       # feedback on the employee guide (the guide links this form)
path = "forms/feedback.csv"
# url = "https://docs.google.com/forms/d/e/.../viewform"

[schedule]                         # when `chorus schedule` runs each job (organisation's timezone)
# sync-forms = "every 10 minutes 08:02-18:00 on working days"
# ingest-alerts = "every 10 minutes 08:04-18:00 on working days"
# ingest-inbox = "every 10 minutes 08:06-18:00 on working days"
# check-cadence = "daily at 07:30"
# brief = "working days at 08:30"
# thanks = "working days at 16:00"
# weekly-summary = "monday at 08:00"
# policy-digest = "first working day of the month at 10:00"
# guide = "monday at 07:00"
# share-digest = "every hour 00:05-24:00 on monday"
# import-visits = "every hour 07:40-18:00 on working days"
# welcome = "working days at 10:20"
# deliver = "every hour 08:15-18:00 on working days"  # sends mail waiting over the cap or allowance

[screening]                        # what sync-forms flags (or refuses) before anything is queued
# confidential_words = ["confidential", "proprietary", "internal only", "privileged", "embargo"]
# blocked_domains = []             # links to these sites are refused, with the reason, never queued
# channel_limits = {{ X = 280 }}     # posts longer than this are flagged for that channel

[cadence]                          # check-cadence's window of planned slots
# horizon_days = 14                # plan this many days ahead
# lookback_days = 7                # and look back this many

[policy]                           # reviews and acknowledgement reminders
# review_interval_days = 180       # policies, goals, channels and the guide come up for review this often
# reminder_interval_days = 7       # people who have not acknowledged are reminded this often

[inbox]                            # a mailbox staff forward newsletters and blasts to (off when kind is "")
kind = ""                          # "", "maildir", "imap" or "gmail"
# address = "social@{first_domain}"  # the address staff forward to (the guide names it)
# authserv_id = "mx.{first_domain}"  # your mail server's name in its Authentication-Results:
#                                  # a sender counts only when it found DMARC or DKIM pass
# mention_words = ["Mention"]      # a subject leading with one of these reports a mention
# path = "inbox"                   # maildir: the folder
# host = "imap.example.org"        # imap: server, port, folder, user; the password from $CHORUS_IMAP_PASSWORD
# port = 993
# folder = "INBOX"
# user = ""
# label = "chorus"                 # gmail: the label to read
# allow = []                       # senders (or domains) trusted besides active People

[crisis]                           # the storm watch in ingest-alerts, and holding posts
# window_hours = 6.0               # a spike: this many times the usual mentions in window_hours
# multiplier = 3.0
# minimum = 5                      # and at least this many
# baseline_days = 28               # "usual" is measured over this many days
# hold_days = 7                    # scheduled posts are held this long unless stood down sooner

[sharing]                          # the weekly share digest and the visits it brings
# digest_time = "10:00"            # Monday at this hour, in each person's own timezone
# medium = "employee_share"        # share links carry utm_medium = this
# exports_dir = "analytics"        # web analytics exports (GA4 CSV) import-visits reads
# lookback_days = 7                # published this many days before the digest still counts
# ahead_days = 7                   # scheduled this many days after it counts already

# [history]                        # the Runs tab: a row per run, then a line per job per day
# runs_days = 7                    # runs older than this many days are rolled up (0: never)
# sent_months = 1                  # mail of periods closed before this many whole months ago
                                   # moves from Sent to Sent archive (0: never)

[guide]                            # the employee guide, "Social media at <organisation>"
output_dir = "."                   # where guide.html and guide.md are written
# doc_id = ""                      # google: the Google Doc it is published to (filled in for you)

# [demo]                           # only in a demo program: commands given no --at run at this time
# clock = "2026-12-01T08:45"
"""


def init_workspace(
    config_path: Path,
    *,
    backend: str = "local",
    name: str = "Our Organisation",
    timezone: str = "Europe/London",
    domains: tuple[str, ...] = ("example.org",),
) -> list[str]:
    """Write chorus.toml if missing, then create missing tabs and headers; returns what was done."""
    lines: list[str] = []
    if not config_path.exists():
        if not domains:
            raise ConfigError(
                "at least one --domain is needed", fix="chorus init --domain example.org"
            )
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(
            CONFIG_TEMPLATE.format(
                name=name.replace('"', "'"),
                timezone=timezone,
                domains=", ".join(f'"{d}"' for d in domains),
                first_domain=domains[0],
                backend="local",
            ),
            encoding="utf-8",
        )
        lines.append(f"wrote {config_path}")
    settings = load_settings(config_path)
    if backend == "google":
        from automation.google.setup import init_google  # Google's libraries load only here

        return lines + init_google(settings)
    from automation.workspace import build_store

    store = build_store(settings)
    created = store.ensure_tabs()
    if created:
        lines.append(f"created in {store.describe()}: {', '.join(created)}")
    else:
        lines.append(f"{store.describe()} already has every tab and column")
    return lines + next_steps(config_path)


def next_steps(config_path: Path) -> list[str]:
    """The three things to do after `chorus init`, with the commands to type."""
    config = (
        f"--config {config_path}"
        if config_path.name != "chorus.toml" or config_path.parent != Path()
        else ""
    )
    chorus = f"chorus {config}".rstrip()
    return [
        "",
        "Next steps:",
        f"  1. Read {config_path} and set the rest: each section is commented (forms, mail, inbox, ...).",
        "  2. Fill in the Goals, Channels, People and Rota tabs, then check them:",
        f"       {chorus} doctor && {chorus} validate",
        "  3. See what Chorus would send, without sending anything:",
        f"       {chorus} run brief --dry-run   (or `{chorus} schedule` to run every job on time)",
    ]
