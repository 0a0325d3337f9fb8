"""Sending through the Gmail API as the delegated user, exactly once even across a crash.

A draft is the handle, found again by the Message-ID header Chorus gives it:

    delivered users.messages.list q=rfc822msgid:<id>: nothing carries the id (the
              usual case, one call); else the Sent mailbox decides (`in:sent`)
    prepare   the draft that already carries the Message-ID (users.drafts.list
              q=rfc822msgid:, skipped when `delivered` found nothing), else
              users.drafts.create -> draft id
    (ledger)  the Sent row records the draft id, status Pending
    send      users.drafts.send(draft id) -> Gmail message id and thread id
    resolve   after a crash, for a Pending row: the draft still exists -> not sent
              ("not_sent", send that draft); the Sent mailbox has the message ->
              "sent"; neither -> "unknown", reported for a person to check

No assumption stands in for Gmail's record: a drafts.create whose answer was
lost is followed by a search for the draft before another is made (no orphan
draft a person could send by hand), and a crash between drafts.create and the
Pending row is mended the same way, the next run sending that draft. A
draft that is gone (sent, or deleted by a person, or made for another
delegated_user) counts as sent only when the Sent mailbox holds the message.

Gmail may replace the Message-ID of a message it sends (an account setting
the twin models with `gmail_rewrites_message_id`): the Sent mailbox cannot be
searched by Chorus's id there, so a Pending message whose draft is gone stays
"unknown" and is reported, never guessed.
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
        #: Message-IDs no message or draft in the mailbox carried when `delivered` looked
        self._unseen: set[str] = set()

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
        if self._api is None:
            self._api = self.services.discovery("gmail", "v1", delegated=True)
        return self._api.users()

    # -- the Mailer protocol ---------------------------------------------------
    def prepare(self, msg: EmailMessage) -> str:
        """The draft that `send` will send (the one already carrying this Message-ID, else a new
        one); its id goes into the Pending row.

        A message Gmail refuses, or a create whose answer stayed lost, gives ''
        so the ledger goes on: `send` then makes (or finds) the draft itself
        and reports that one message.
        """
        try:
            return self._create_draft(msg)
        except (MessageRefused, UncertainWrite):
            return ""
        except MailError as exc:
            if type(exc) is MailError:  # no answer to the create, even after looking
                return ""
            raise

    def send(self, msg: EmailMessage, prepared_id: str) -> SendResult:
        """Send the prepared draft (or a fresh one when there is none)."""
        draft_id = prepared_id or self._create_draft(msg)
        answer = self._call(
            lambda: self._gmail().drafts().send(userId="me", body={"id": draft_id}).execute(),
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
            anywhere = self._search(f"rfc822msgid:{wanted}")
            if not anywhere:
                self._unseen.add(wanted)
                return False
            return bool(self._search(f"rfc822msgid:{wanted} in:sent"))
        except TransportDown:
            raise
        except MailError:
            return None

    def _search(self, query: str) -> list[dict[str, Any]]:
        """users.messages.list for `query`, trash and spam included (one page is enough:
        a Message-ID is carried by a message or two)."""
        answer = self._call(
            lambda: (
                self._gmail()
                .messages()
                .list(userId="me", q=query, includeSpamTrash=True, maxResults=10)
                .execute()
            ),
            f"searching the mailbox for {query}",
        )
        found: list[dict[str, Any]] = answer.get("messages") or []
        return found

    def resolve(self, message_id: str, prepared_id: str) -> Resolution:
        """A Pending row's draft still there: not sent. Otherwise the Sent mailbox decides:
        the message is there: sent; it is not: "unknown" (a person deleted the draft, the
        delegated user changed, or Gmail changed the Message-ID), unless a draft carrying
        the Message-ID (and no draft id in the row) says it never went."""
        wanted = message_id.strip()
        try:
            if prepared_id and self._draft_exists(prepared_id):
                return "not_sent"
            if self._search(f"rfc822msgid:{wanted} in:sent"):
                return "sent"
            if not prepared_id and self._find_draft(wanted):
                return "not_sent"  # prepare finds that draft and sends it
        except MailError:
            return "unknown"
        return "unknown"

    def _draft_exists(self, draft_id: str) -> bool:
        try:
            self._call(
                lambda: (
                    self._gmail().drafts().get(userId="me", id=draft_id, format="minimal").execute()
                ),
                f"checking draft {draft_id}",
            )
        except _DraftGone:
            return False
        return True

    def _find_draft(self, message_id: str) -> str:
        """The id of a draft carrying this Message-ID ('' when there is none)."""
        answer = self._call(
            lambda: (
                self._gmail()
                .drafts()
                .list(userId="me", q=f"rfc822msgid:{message_id}", maxResults=10)
                .execute()
            ),
            f"looking for the draft of {message_id}",
        )
        drafts = answer.get("drafts") or []
        return str(drafts[0]["id"]) if drafts else ""

    # -- for `chorus doctor` -----------------------------------------------------
    def check(self) -> str:
        """The address the delegated token speaks for (one users.getProfile call)."""
        answer = self._call(
            lambda: self._gmail().getProfile(userId="me").execute(), "reading the profile"
        )
        return str(answer.get("emailAddress", ""))

    # -- plumbing ----------------------------------------------------------------
    def _create_draft(self, msg: EmailMessage) -> str:
        """The draft carrying msg's Message-ID: found, or created (a lost answer is followed by
        a search, so a draft that did land is used, never doubled)."""
        message_id = str(msg.get("Message-ID", "")).strip()
        if message_id and message_id not in self._unseen:
            found = self._find_draft(message_id)
            if found:
                return found
        raw = base64.urlsafe_b64encode(msg.as_bytes(policy=policy.SMTP)).decode("ascii")
        for _ in range(3):
            answer = self._call(
                lambda: (
                    self._gmail()
                    .drafts()
                    .create(userId="me", body={"message": {"raw": raw}})
                    .execute()
                ),
                "creating a draft",
                lost_ok=True,
            )
            if answer is not None:
                self._unseen.discard(message_id)
                return str(answer["id"])
            found = self._find_draft(message_id) if message_id else ""
            if found:
                return found
        raise MailError(
            f"creating a draft as {self.user}: Gmail did not answer three times and has no "
            f"draft for {message_id}",
            place="Gmail API",
            fix="re-run the job; it looks for the draft before making one",
        )

    def _call(self, request: Any, doing: str, *, lost_ok: bool = False) -> Any:
        """Run one API request; Google's refusals become the ledger's three kinds of failure.
        With `lost_ok` a write whose answer was lost gives None (the caller looks for it)."""
        with GoogleCall(
            f"{doing} as {self.user}",
            place="Gmail API",
            access_fix=ACCESS_FIX,
            token_fix=DELEGATION_FIX,
            kind=MailError,
            kinds=_MAILER_FAILURES,
        ):
            try:
                answer: dict[str, Any] = request() or {}
            except UncertainWrite:
                if not lost_ok:
                    raise
                return None
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
