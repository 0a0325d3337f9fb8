"""What a column is: its header, field, kind and allowed values; what a tab is made of.

The building blocks `sheets_schema.tabs` declares every tab with, and the
lists of allowed values (statuses, channels, roles) dropdowns are made from.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The type of a column's values, as people type them."""

    TEXT = "text"
    EMAIL = "email"
    URL = "url"
    DATE = "date"
    DATETIME = "datetime"
    TIME_WINDOW = "time window"
    DAYS = "days"
    INTEGER = "integer"
    CHOICE = "choice"
    MULTI_CHOICE = "multi-choice"
    YES_NO = "yes/no"


@dataclass(frozen=True)
class Column:
    """One column: its header, its field name in code, its type and rules."""

    header: str
    field: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 18


@dataclass(frozen=True)
class Tab:
    """One tab: its columns, key fields and who writes it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    help: str
    written_by: str = "people"

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.columns)

    def column(self, field_name: str) -> Column:
        for col in self.columns:
            if col.field == field_name:
                return col
        raise KeyError(f"tab {self.name!r} has no field {field_name!r}")

    def by_header(self) -> dict[str, Column]:
        """Columns by normalised header (case and surrounding spaces ignored)."""
        return {normalise_header(c.header): c for c in self.columns}


def normalise_header(header: object) -> str:
    """Headers match without regard to case, surrounding or repeated spaces."""
    return " ".join(str(header if header is not None else "").split()).casefold()


YES_NO = ("Yes", "No")
ON_OFF = ("On", "Off")
SOURCE_KINDS = ("Organisation", "Staff & partners", "External")
SOURCE_TYPES = (
    "News release",
    "Event",
    "Video",
    "White paper",
    "Employee award",
    "Partner achievement",
    "Client achievement",
    "Industry article",
    "Community service",
    "Alert",
    "Newsletter",
    "Other",
)
QUEUE_STATUSES = ("New", "Approved", "Scheduled", "Published", "Rejected", "On hold", "Overdue")
#: The networks Chorus knows by name (jobs/network_names.py gives their limits and mail);
#: Channels accepts any other network too: an unknown one just has no limits.
CHANNEL_NAMES = (
    "LinkedIn",
    "X",
    "Facebook",
    "YouTube",
    "Instagram",
    "Bluesky",
    "Threads",
    "Mastodon",
    "TikTok",
    "WhatsApp channels",
)
ROLES = ("Staff", "Coordinator", "Backup", "Manager", "Policy Owner", "Approver")
MENTION_KINDS = (
    "Mention",
    "Comment",
    "Tag",
    "Compliment",
    "Criticism",
    "Question",
    "Direct message",
)
MENTION_STATUSES = ("New", "Responded", "Passed on", "No action")
CADENCE_STATUSES = (
    "Filled",
    "Gap",
    "Suggested",
    "Outside window",
    "Overdue",
    "Held",
    "Needs approval",
)
#: who must approve an item before it goes out on a channel (Channels > Approval)
APPROVAL_LEVELS = ("None", "Coordinator", "Compliance")
APPROVAL_DECISIONS = ("Approve", "Ask for changes")
SUBMISSION_CONTENT_TYPES = (
    "Employee award",
    "Partner achievement",
    "Client achievement",
    "Industry article",
    "Community service",
    "Event",
    "Other",
)
GUIDE_SECTIONS = ("Goals", "Tools", "Process", "Policy and guidelines", "Other")
