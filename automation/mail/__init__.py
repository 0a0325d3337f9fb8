"""Email: compose a job's messages, send them once through the Sent ledger.

`build_mailer(settings)` picks the transport chorus.toml names: a Maildir
outbox (the default, nothing leaves the machine), SMTP, or the Gmail API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sheets_schema.errors import ConfigError

if TYPE_CHECKING:
    from automation.mail.base import Mailer
    from sheets_schema.settings import Settings


def build_mailer(settings: Settings, google: Any = None) -> Mailer:
    """The transport settings.mail.transport names; nothing connects until the first send."""
    transport = settings.mail.transport
    if transport == "outbox":
        from automation.mail.outbox import OutboxMailer

        return OutboxMailer(settings.mail.outbox or settings.base_dir / "outbox")
    if transport == "smtp":
        from automation.mail.smtp import SmtpMailer

        return SmtpMailer.from_settings(settings)
    if transport == "gmail":
        try:
            from automation.mail.gmail import GmailMailer
        except ModuleNotFoundError as exc:
            if exc.name != "automation.mail.gmail":
                raise
            raise ConfigError(
                "the Gmail transport is not available in this installation",
                place=f"{settings.path}: mail.transport",
                fix='use transport = "outbox" or "smtp"',
            ) from None
        return GmailMailer.from_settings(settings, google=google)
    raise ConfigError(
        f"unknown mail transport {transport!r}",
        place=f"{settings.path}: mail.transport",
        fix='use "outbox", "smtp" or "gmail"',
    )
