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

# [inbox]                          # the shared mailbox: forwards, and the networks' notifications
# kind = "maildir"                 # "maildir", "imap" or "gmail" (a label)
# path = "inbox"
# authserv_id = "mx.{first_domain}"  # your mail server's name in its Authentication-Results

[schedule]                         # when `chorus schedule` runs each job (organisation's timezone)
# brief = "working days at 08:30"
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
    return lines
