"""What the mail layer did with one batch: the counts a Runs row and `--json` carry, the lines
and problems a person reads (kept apart from the ledger that fills it in)."""

from __future__ import annotations

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
