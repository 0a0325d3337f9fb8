"""Sending through an SMTP server (a relay, Microsoft 365, Gmail's SMTP) with smtplib.

One connection serves a whole batch. Transient trouble (4xx replies, dropped
or refused connections, timeouts) is retried a bounded number of times with
an injected `sleep`; a refused login is a MailError naming host, port and the
fix. The password comes from the environment variable the settings name and
is never logged or shown.

SMTP cannot say afterwards whether a message went out, so Chorus keeps its
own record: the journal (automation.mail.journal) in mail.state_dir says
`sending` just before a message goes to the server and `sent` once the server
took it. `delivered` and `resolve` read it: a message the journal has as sent
is never sent again, whatever the Sent tab says; one left `sending` by a crash
is "unknown" (the only message a person may need to check). A connection
dropped after the server took the message but before it said so can, on
retry, deliver it twice: the one duplicate SMTP allows.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from email.message import EmailMessage
from email.utils import getaddresses
from typing import TYPE_CHECKING

from automation import crash
from automation.mail.base import MessageRefused, Resolution, SendResult, TransportDown
from automation.mail.journal import Journal
from sheets_schema.errors import ConfigError, MailError

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

#: seconds to wait before each retry of a transient failure
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (2.0, 10.0, 30.0)


class SmtpMailer:
    """A Mailer over SMTP: STARTTLS, implicit TLS ("ssl") or plain ("none")."""

    transport = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: ssl.SSLContext | None = None,
        settings_place: str = "mail",
        journal: Journal | None = None,
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ConfigError(
                f"smtp_security is {security!r}",
                place=f"{settings_place}.smtp_security",
                fix='use "starttls", "ssl" or "none"',
            )
        self.host, self.port, self.security = host, port, security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.retry_delays = tuple(retry_delays)
        self.sleep = sleep
        self.ssl_context = ssl_context
        self.place = settings_place
        #: Chorus's record of what went to the server; None (a bare mailer) records nothing
        self.journal = journal
        self._conn: smtplib.SMTP | None = None

    def __repr__(self) -> str:  # never show the password
        return f"SmtpMailer({self.host}:{self.port}, {self.security}, user={self.username!r})"

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: ssl.SSLContext | None = None,
    ) -> SmtpMailer:
        """The SMTP mailer chorus.toml describes; the password is read from its env var."""
        mail = settings.mail
        env = os.environ if environ is None else environ
        password = ""
        if mail.smtp_username:
            password = env.get(mail.smtp_password_env, "")
            if not password:
                raise ConfigError(
                    f"mail.smtp_username is set but the environment variable {mail.smtp_password_env} is empty",
                    place=f"{settings.path}: mail.smtp_password_env",
                    fix=f"export {mail.smtp_password_env}=... before running Chorus (the password never goes in chorus.toml)",
                )
        return cls(
            mail.smtp_host,
            mail.smtp_port,
            security=mail.smtp_security,
            username=mail.smtp_username,
            password=password,
            sleep=sleep,
            ssl_context=ssl_context,
            settings_place=f"{settings.path}: mail",
            journal=Journal(mail.state_dir or settings.base_dir / ".chorus-state"),
        )

    # -- the Mailer protocol -------------------------------------------------
    def prepare(self, msg: EmailMessage) -> str:
        return ""

    def send(self, msg: EmailMessage, prepared_id: str) -> SendResult:
        """Journal `sending`, hand the message to the server (retrying transient trouble),
        journal `sent`; a certain refusal is journaled `failed` and raised."""
        message_id = str(msg["Message-ID"] or "")
        if self.journal is not None:
            try:
                self.journal.record("sending", message_id)
            except MailError as exc:  # nothing went to the server: stop the batch cleanly
                raise TransportDown(exc.message, place=exc.place, fix=exc.fix) from None
        attempts = len(self.retry_delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                _submit(self._connection(), msg)
            except (OSError, smtplib.SMTPException) as exc:  # ssl and smtplib errors included
                self._drop()
                error = self._refusal(exc, attempts, last=attempt == attempts)
                if error is None:
                    self.sleep(self.retry_delays[attempt - 1])
                    continue
                if self.journal is not None:
                    self.journal.record("failed", message_id)
                raise error from None
            crash.reached("smtp.accepted")
            if self.journal is not None:
                self.journal.record("sent", message_id)
            return SendResult()
        raise AssertionError("unreachable")  # pragma: no cover

    def _refusal(self, exc: Exception, attempts: int, *, last: bool) -> MailError | None:
        """What the server's answer means: a login, TLS or recipient refusal, or None to retry.

        4xx answers and dropped connections are transient: retried until the last attempt.
        """
        where = f"{self.host}:{self.port}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return TransportDown(
                f"the SMTP server {where} refused the login for {self.username!r} ({exc.smtp_code} {_reply(exc)})",
                place=f"{self.place}.smtp_username",
                fix="check mail.smtp_username and the password in the environment variable named by "
                "mail.smtp_password_env (for Gmail/Google Workspace use an app password)",
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return TransportDown(
                f"the SMTP server {where} does not support what Chorus asked for: {exc}",
                place=f"{self.place}.smtp_security",
                fix='for STARTTLS use port 587, for smtp_security = "ssl" port 465; '
                "a server without AUTH needs smtp_username left empty",
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(400 <= c < 500 for c in codes) and not last:
                return None
            return MessageRefused(
                f"the SMTP server {where} refused the recipient {', '.join(exc.recipients)}: "
                + "; ".join(f"{c} {_text(m)}" for c, m in exc.recipients.values()),
                fix="check the address in the People tab",
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._answer_refusal(exc, where, attempts, last=last)
        if isinstance(exc, ssl.SSLError):
            return TransportDown(
                f"TLS with the SMTP server {where} failed: {exc.reason or exc}",
                place=f"{self.place}.smtp_security",
                fix='use smtp_security = "starttls" for port 587 or "ssl" for port 465',
            )
        # Refused connection, timeout, dropped connection: transient.
        if not last:
            return None
        return TransportDown(
            f"could not reach the SMTP server {where} after {attempts} attempts: {exc}",
            place=f"{self.place}.smtp_host",
            fix="check mail.smtp_host, mail.smtp_port and that the network allows outgoing SMTP",
        )

    def _answer_refusal(
        self, exc: smtplib.SMTPResponseException, where: str, attempts: int, *, last: bool
    ) -> MailError | None:
        if 400 <= exc.smtp_code < 500 and not last:
            return None
        if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500:
            return MessageRefused(
                f"the SMTP server {where} refused the message ({exc.smtp_code} {_reply(exc)})",
                fix="see the server's reason; the message stays Failed in the Sent tab",
            )
        return TransportDown(
            f"the SMTP server {where} answered {exc.smtp_code} {_reply(exc)}"
            + (f" after {attempts} attempts" if exc.smtp_code < 500 else ""),
            place=f"{self.place}.smtp_host",
            fix="check mail.sender is an address this server may send as, or try again later",
        )

    def delivered(self, message_id: str) -> bool | None:
        """What the journal says: True once the server took it, None if a crash left it
        `sending` (or there is no journal), False if it never went to the server."""
        if self.journal is None:
            return None
        last = self.journal.last(message_id)
        if last == "sending":
            return None
        return last == "sent"

    def resolve(self, message_id: str, prepared_id: str) -> Resolution:
        """A Pending row, from the journal: sent, never sent, or left `sending` by a crash."""
        went = self.delivered(message_id)
        return "unknown" if went is None else "sent" if went else "not_sent"

    def close(self) -> None:
        """End the batch's connection politely."""
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._conn = None

    # -- internals -----------------------------------------------------------
    def _connection(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        context = self.ssl_context or ssl.create_default_context()
        conn: smtplib.SMTP
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if self.username:
                conn.login(self.username, self._password)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None


def _submit(conn: smtplib.SMTP, msg: EmailMessage) -> None:
    """Hand `msg` to the server as the bytes it was composed as (a composed message is never
    written out again); smtplib's send_message, which asks for SMTPUTF8, when an address is
    not ASCII or the message has a Bcc to strip."""
    sender = getaddresses([str(msg.get("Sender") or msg.get("From") or "")])[0][1]
    fields = [str(value) for name in ("To", "Cc") for value in msg.get_all(name, [])]
    recipients = [address for _, address in getaddresses(fields)]
    if "Bcc" in msg or not "".join([sender, *recipients]).isascii():
        conn.send_message(msg)
        return
    conn.sendmail(sender, recipients, msg.as_bytes())


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _text(exc.smtp_error).strip()
