"""Settings: everything chorus.toml says, as frozen dataclasses the jobs read.

`automation.config` reads and validates the file into these; jobs only ever
see the result. Defaults that the file may leave out live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# The intake jobs run every 10 minutes but a few minutes apart (:02, :04, :06), and
# never in the same minute as the daily jobs (:00, :30): the busiest minute stays far
# inside Google's per-user quota of 60 reads and 60 writes a minute.
DEFAULT_SCHEDULE: dict[str, str] = {
    "sync-forms": "every 10 minutes 08:02-18:00 on working days",
    "ingest-alerts": "every 10 minutes 08:04-18:00 on working days",
    "ingest-inbox": "every 10 minutes 08:06-18:00 on working days",
    "assign-mentions": "every 10 minutes 08:08-18:00 on working days",
    "check-cadence": "daily at 07:30",
    "brief": "working days at 08:30",
    "thanks": "working days at 16:00",
    "weekly-summary": "monday at 08:00",
    "policy-digest": "first working day of the month at 10:00",
    "guide": "monday at 07:00",
    # Hourly on Mondays (at :05, clear of the other jobs): each person's digest goes once
    # their own clock passes [sharing] digest_time (People > Timezone).
    "share-digest": "every hour 00:05-24:00 on monday",
    # Exports are dropped in at any hour; reading them costs one read of Shares.
    "import-visits": "every hour 07:40-18:00 on working days",
    "welcome": "working days at 10:20",
    "approval-requests": "working days at 09:00",
    "archive": "first working day of the month at 07:15",
    # Not a job: sends the mail that waits (over mail.max_per_run or the daily allowance) by
    # running its job again; hourly at :15, clear of the other jobs; nothing waiting costs one read.
    "deliver": "every hour 08:15-18:00 on working days",
}

DEFAULT_CONFIDENTIAL_WORDS = (
    "confidential",
    "proprietary",
    "internal only",
    "not for distribution",
    "privileged",
    "attorney-client",
    "under nda",
    "trade secret",
    "embargo",
    "draft - do not",
    "password",
)


@dataclass(frozen=True)
class Organisation:
    name: str
    timezone: str
    email_domains: tuple[str, ...]
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    day_first: bool = True

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Backend:
    kind: str  # "local" | "google"
    workbook: Path | None = None
    spreadsheet_id: str = ""
    credentials: Path | None = None
    delegated_user: str = ""
    #: a shared drive the service account may add files to (Google lets it own none of its own)
    shared_drive_id: str = ""
    #: an OAuth client secret (Desktop app) for `chorus auth login`, to act as a person
    oauth_client: Path | None = None


@dataclass(frozen=True)
class FormSettings:
    kind: str  # "csv" | "linked_sheet" | "forms_api"
    path: Path | None = None
    form_id: str = ""
    spreadsheet_id: str = ""
    tab: str = "Form Responses 1"
    url: str = ""  # the form's public link (for the guide and digest)
    prefill_url: str = ""  # a prefilled-link template: {email} and {version}; approval: {queue_id} {decision} {text}


@dataclass(frozen=True)
class Feed:
    name: str
    url: str  # http(s) URL or a path to a file
    use: str = "mentions"  # "mentions" | "content"
    source_kind: str = "External"
    source_type: str = "Alert"


@dataclass(frozen=True)
class Alerts:
    feeds: tuple[Feed, ...] = ()
    timeout_seconds: float = 20.0
    max_bytes: int = 5_000_000


@dataclass(frozen=True)
class Mail:
    transport: str = "outbox"  # "outbox" | "smtp" | "gmail"
    outbox: Path | None = None
    sender: str = ""
    sender_name: str = "Chorus"
    reply_to: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"  # "starttls" | "ssl" | "none"
    smtp_username: str = ""
    smtp_password_env: str = "CHORUS_SMTP_PASSWORD"
    smtp_resend_pending: bool = False
    #: Chorus's own records (the SMTP journal): must outlive the machine, like the workbook
    state_dir: Path | None = None
    max_per_run: int = 500
    daily_allowance: int = 2000


@dataclass(frozen=True)
class Screening:
    confidential_words: tuple[str, ...] = DEFAULT_CONFIDENTIAL_WORDS
    blocked_domains: tuple[str, ...] = ()
    channel_limits: dict[str, int] = field(default_factory=lambda: {"X": 280})


@dataclass(frozen=True)
class Cadence:
    horizon_days: int = 14
    lookback_days: int = 7
    #: a Google Calendar check-cadence keeps in step with the slots (Google backend)
    calendar_id: str = ""


@dataclass(frozen=True)
class Policy:
    review_interval_days: int = 180
    reminder_interval_days: int = 7


@dataclass(frozen=True)
class Inbox:
    kind: str = ""  # "" (off) | "maildir" | "imap" | "gmail"
    path: Path | None = None
    host: str = ""
    port: int = 993
    folder: str = "INBOX"
    user: str = ""
    password_env: str = "CHORUS_IMAP_PASSWORD"
    label: str = ""
    allow: tuple[str, ...] = ()
    max_bytes: int = 2_000_000
    address: str = ""  # the address staff forward to, as the guide names it
    #: the receiving server's name in Authentication-Results: only its verdicts are believed
    authserv_id: str = ""
    #: a subject leading with one of these words reports a mention ("Mention: ...", "Fwd: Mention")
    mention_words: tuple[str, ...] = ("Mention",)
    #: network -> notification sender domains, replacing or adding to the built-in lists
    notification_senders: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Crisis:
    window_hours: float = 6.0
    multiplier: float = 3.0
    minimum: int = 5
    baseline_days: int = 28
    hold_days: int = 7


@dataclass(frozen=True)
class Guide:
    output_dir: Path | None = None
    doc_id: str = ""


@dataclass(frozen=True)
class Demo:
    """A demo program's fixed clock: commands without --at run as if it were this time."""

    clock: str = ""  # ISO date and time in the organisation's timezone, or "" (the real clock)


@dataclass(frozen=True)
class History:
    """How long Runs keep one row per run before they are rolled into a line per job per day,
    and how many whole months before this one keep their sent mail in the Sent tab."""

    runs_days: int = 7  # 0: never roll up
    sent_months: int = 1  # 0: never move Sent rows to the Sent archive


@dataclass(frozen=True)
class Sharing:
    """Staff amplification: the share digest's hour, the links' utm_medium, the analytics exports."""

    digest_time: str = "10:00"  # HH:MM in each recipient's own timezone
    medium: str = "employee_share"
    #: the folder web analytics exports (GA4 CSV) are dropped in, for import-visits
    exports_dir: Path | None = None
    #: how many days before the digest an item published still counts as new
    lookback_days: int = 7
    #: how many days after the digest an item scheduled already counts
    ahead_days: int = 7


@dataclass(frozen=True)
class Settings:
    """Everything chorus.toml says, validated; `path` is the config file itself."""

    path: Path
    organisation: Organisation
    backend: Backend
    forms: dict[str, FormSettings]
    alerts: Alerts
    mail: Mail
    schedule: dict[str, str]
    screening: Screening = field(default_factory=Screening)
    cadence: Cadence = field(default_factory=Cadence)
    policy: Policy = field(default_factory=Policy)
    inbox: Inbox = field(default_factory=Inbox)
    crisis: Crisis = field(default_factory=Crisis)
    guide: Guide = field(default_factory=Guide)
    demo: Demo = field(default_factory=Demo)
    sharing: Sharing = field(default_factory=Sharing)
    history: History = field(default_factory=History)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def tz(self) -> ZoneInfo:
        return self.organisation.tz

    @property
    def sender_domain(self) -> str:
        """The domain Message-IDs are minted under: the sender's, else the first org domain."""
        sender = self.mail.sender
        return (
            sender.rsplit("@", 1)[-1].lower()
            if "@" in sender
            else self.organisation.email_domains[0]
        )

    def allows_recipient(self, address: str) -> bool:
        domain = address.rsplit("@", 1)[-1].lower() if "@" in address else ""
        return domain in self.organisation.email_domains
