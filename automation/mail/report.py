"""What the mail layer did with one batch: the counts a Runs row and `--json` carry, the lines
and problems a person reads (kept apart from the ledger that fills it in)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class DeliveryReport:
    """What the mail layer did with a batch: counts for machines, lines and problems for people."""

    sent: int = 0
    already_sent: int = 0
    skipped: int = 0
    deferred: int = 0
    held: int = 0
    failed: int = 0
    pending: int = 0
    recovered: int = 0
    restored: int = 0
    #: Deferred messages never composed whose job no longer plans them (see ledger._retry_deferred)
    expired: int = 0
    would_send: int = 0
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    #: job -> Deferred messages of it that only its own next run can compose (held by the cap)
    waiting: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """'sent' (or 'would_send' in a dry run) always; the rest when not zero."""
        counts = {"would_send": self.would_send} if self.dry_run else {"sent": self.sent}
        for name in (
            "already_sent",
            "skipped",
            "deferred",
            "held",
            "failed",
            "pending",
            "recovered",
            "restored",
            "expired",
        ):
            value = getattr(self, name)
            if value:
                counts[name] = value
        return counts

    def add_expired(self, messages: Iterable[tuple[str, str]]) -> None:
        """Count messages that expired unsent ((job, period) each): a problem of the run,
        one line per job and period with the reason and the fix."""
        groups: dict[tuple[str, str], int] = {}
        for job, period in messages:
            groups[job, period] = groups.get((job, period), 0) + 1
            self.expired += 1
        for (job, period), count in sorted(groups.items()):
            self.problems.append(
                f"mail: {count} {job} message(s) of {period or 'no period'} expired, never sent: "
                f"{job} no longer plans them (their period has passed, or the person no longer "
                "gets them); their Sent rows say Expired. So that a period's mail fits in its "
                "days, raise mail.daily_allowance or mail.max_per_run in chorus.toml"
            )
