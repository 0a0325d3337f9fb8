"""Sending through the Gmail API as the delegated user, exactly once even across a crash.

Gmail may replace the Message-ID a client sets, so a message is never looked
up by Chorus's id. A draft is the handle instead:

    prepare   users.drafts.create (the raw RFC 822 message) -> draft id
    (ledger)  the Sent row records the draft id, status Pending
    send      users.drafts.send(draft id) -> Gmail message id and thread id
    resolve   after a crash, for a Pending row: the draft still exists -> it was
              not sent ("not_sent", send that draft); it is gone -> drafts.send
              consumed it ("sent")

A crash between drafts.create and the Pending row leaves an unsent draft
behind (never a second send): the next run makes a fresh draft and sends that.
A person who deletes a Pending draft by hand makes Chorus count it as sent.

Before a message with no Sent row (a person deleted it, or restored an older
sheet) goes out, `delivered` searches the Sent mailbox for its Message-ID
(`rfc822msgid:`, one users.messages.list call): Gmail's own record decides.
An account where Gmail replaces the Message-ID it is given cannot be searched
this way; the draft ids of the Sent tab's Pending rows still hold there.
"""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from automation.google.errors import NO_ANSWER, GoogleCall, UncertainWrite
from automation.google.transport import GoogleServices
from automation.mail.base import MessageRefused, Resolution, SendResult, TransportDown
from sheets_schema.errors import ChorusError, MailError

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

DELEGATION_FIX = (
    "in the Google Admin console (Security > API controls > Domain-wide delegation) give the "
    "service account's client id the scopes https://www.googleapis.com/auth/gmail.compose and "
    "https://www.googleapis.com/auth/gmail.readonly, and check backend.delegated_user"
)
#: what to check when Gmail refuses the delegated user outright
ACCESS_FIX = DELEGATION_FIX + ", and that the Gmail API is enabled in the project"


class GmailMailer:
    """A Mailer over the Gmail API, sending as `user` (the delegated user)."""

    transport = "gmail"

    def __init__(self, services: GoogleServices, user: str) -> None:
        self.services = services
        self.user = user
        self._api: Any = None
        self._resources: dict[str, Any] = {}

    @classmethod
    def from_settings(cls, settings: Settings, google: GoogleServices | None = None) -> GmailMailer:
        """The mailer for settings.backend.delegated_user; nothing connects until the first call."""
        from sheets_schema.errors import ConfigError

        user = settings.backend.delegated_user
        if not user:
            raise ConfigError(
                'is required when mail.transport = "gmail"',
                place=f"{settings.path}: backend.delegated_user",
                fix='delegated_user = "social@example.org" (the address Chorus sends as)',
            )
        return cls(google or GoogleServices.from_settings(settings), user)

    def __repr__(self) -> str:
        return f"GmailMailer({self.user})"

    def _gmail(self) -> Any:
        return self._resource("users")

    def _resource(self, name: str) -> Any:
        """users(), users().drafts(), users().messages(), each built once: googleapiclient builds
        every method of a resource each time one is asked for (a third of the client's time
        at 1,000 messages, profiled)."""
        if name not in self._resources:
            if self._api is None:
                self._api = self.services.discovery("gmail", "v1", delegated=True)
            users = self._resources.setdefault("users", self._api.users())
            if name != "users":
                self._resources[name] = getattr(users, name)()
        return self._resources[name]

    # -- the Mailer protocol ---------------------------------------------------
    def prepare(self, msg: EmailMessage) -> str:
        """Create the draft that `send` will send; its id goes into the Pending row.

        A message Gmail refuses, or a create whose answer was lost, gives '' so
        the ledger goes on: `send` then creates the draft itself and reports
        that one message.
        """
        try:
            return self._create_draft(msg)
        except (MessageRefused, UncertainWrite):
            return ""

    def send(self, msg: EmailMessage, prepared_id: str) -> SendResult:
        """Send the prepared draft (or a fresh one when there is none)."""
        draft_id = prepared_id or self._create_draft(msg)
        answer = self._call(
            lambda: self._resource("drafts").send(userId="me", body={"id": draft_id}).execute(),
            f"sending draft {draft_id}",
        )
        return SendResult(
            transport_id=str(answer.get("id", "")), thread_id=str(answer.get("threadId", ""))
        )

    def delivered(self, message_id: str) -> bool | None:
        """Whether the Sent mailbox (trash included) holds a message with this Message-ID;
        None when Gmail cannot be asked."""
        wanted = message_id.strip()
        try:
            answer = self._call(
                lambda: (
                    self._resource("messages")
                    .list(
                        userId="me",
                        labelIds=["SENT"],
                        q=f"rfc822msgid:{wanted}",
                        includeSpamTrash=True,
                        maxResults=1,
                    )
                    .execute()
                ),
                f"searching the Sent mailbox for {wanted}",
            )
        except TransportDown:
            raise
        except MailError:
            return None
        return bool(answer.get("messages"))

    def resolve(self, message_id: str, prepared_id: str) -> Resolution:
        """A Pending row's draft still there: not sent; gone: drafts.send consumed it."""
        if not prepared_id:
            return "unknown"
        try:
            self._call(
                lambda: (
                    self._resource("drafts")
                    .get(userId="me", id=prepared_id, format="minimal")
                    .execute()
                ),
                f"checking draft {prepared_id}",
            )
        except _DraftGone:
            return "sent"
        except MailError:
            return "unknown"
        return "not_sent"

    # -- for `chorus doctor` -----------------------------------------------------
    def check(self) -> str:
        """The address the delegated token speaks for (one users.getProfile call)."""
        answer = self._call(
            lambda: self._gmail().getProfile(userId="me").execute(), "reading the profile"
        )
        return str(answer.get("emailAddress", ""))

    # -- plumbing ----------------------------------------------------------------
    def _create_draft(self, msg: EmailMessage) -> str:
        raw = base64.urlsafe_b64encode(msg.as_bytes(policy=policy.SMTP)).decode("ascii")
        answer = self._call(
            lambda: (
                self._resource("drafts")
                .create(userId="me", body={"message": {"raw": raw}})
                .execute()
            ),
            "creating a draft",
        )
        return str(answer["id"])

    def _call(self, request: Any, doing: str) -> dict[str, Any]:
        """Run one API request; Google's refusals become the ledger's three kinds of failure."""
        with GoogleCall(
            f"{doing} as {self.user}",
            place="Gmail API",
            access_fix=ACCESS_FIX,
            token_fix=DELEGATION_FIX,
            kind=MailError,
            kinds=_MAILER_FAILURES,
        ):
            answer: dict[str, Any] = request() or {}
        return answer


class _DraftGone(MailError):
    """The draft does not exist (any more)."""


# Gmail's answer -> what the ledger does. A refused message is Failed and the
# batch goes on; refused access, a refused token, or no answer after the
# retries (for a write only 429s are retried, so nothing was done) stops the
# batch; a write whose answer was lost stays a MailError: the ledger keeps the
# row Pending and resolves it next run.
_MAILER_FAILURES: dict[int, type[ChorusError]] = {
    400: MessageRefused,
    401: TransportDown,
    403: TransportDown,
    404: _DraftGone,
    NO_ANSWER: TransportDown,
}
