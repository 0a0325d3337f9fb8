"""Gmail v1 twin: mailboxes per user with drafts, sending, labels and the search language basics.

Messages are kept as raw RFC 822 bytes (what Gmail stores) plus labels; the API views
(raw / full / metadata / minimal) are derived from them on each read.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import email
import email.policy
import email.utils
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from tests.fakes.google_http import ApiError, Request, Response, bad_request, not_found

SYSTEM_LABELS = [
    "INBOX",
    "SENT",
    "DRAFT",
    "SPAM",
    "TRASH",
    "UNREAD",
    "STARRED",
    "IMPORTANT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
    "CHAT",
]
DEFAULT_USER = "me@chorus-twin.test"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Message:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    internal_date: int  # ms since epoch
    history_id: int

    def parsed(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, _class=EmailMessage, policy=email.policy.default)


@dataclass
class Mailbox:
    address: str
    messages: dict[str, Message] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # draft id -> message id
    labels: dict[str, dict] = field(default_factory=dict)  # user labels by id


class GmailTwin:
    def __init__(self, rng: random.Random, now: Callable[[], dt.datetime]) -> None:
        self.rng = rng
        self.now = now
        self.boxes: dict[str, Mailbox] = {}
        self.rewrites_message_id = False
        self.history = 1000

    # ------------------------------------------------------------ mailbox plumbing

    def user_of(self, req: Request) -> str:
        user = req.path_params.get("userId", "me")
        if user == "me":
            principal = req.principal
            return getattr(principal, "user", None) or DEFAULT_USER
        principal = req.principal
        if principal is not None and user.lower() != principal.user.lower():
            raise ApiError(403, "Delegation denied for " + principal.user)
        return user

    def box(self, user: str) -> Mailbox:
        key = user.lower()
        if key not in self.boxes:
            self.boxes[key] = Mailbox(user)
        return self.boxes[key]

    def new_id(self) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(16))

    def store(
        self,
        user: str,
        raw: bytes,
        labels: list[str],
        thread_id: str | None = None,
        when: dt.datetime | None = None,
    ) -> Message:
        box = self.box(user)
        label_ids = [self.label_id(box, name, create=True) for name in labels]
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if thread_id is None:
            thread_id = self.thread_for(box, parsed)
        stamp = when or self.now()
        try:
            if parsed["Date"]:
                stamp = email.utils.parsedate_to_datetime(str(parsed["Date"]))
        except (TypeError, ValueError):
            pass
        self.history += 1
        msg = Message(
            self.new_id(), "", raw, label_ids, int(stamp.timestamp() * 1000), self.history
        )
        msg.thread_id = thread_id or msg.id
        box.messages[msg.id] = msg
        return msg

    def thread_for(self, box: Mailbox, parsed: Any) -> str | None:
        refs = " ".join(str(parsed.get(h, "")) for h in ("In-Reply-To", "References"))
        for ref in re.findall(r"<[^>]+>", refs):
            for msg in box.messages.values():
                if str(msg.parsed().get("Message-ID", "")).strip() == ref:
                    return msg.thread_id
        return None

    def label_id(self, box: Mailbox, name: str, create: bool = False) -> str:
        if name.upper() in SYSTEM_LABELS:
            return name.upper()
        for lid, label in box.labels.items():
            if name in (lid, label["name"]) or name.lower() == label["name"].lower():
                return lid
        if not create:
            raise bad_request(f"Invalid label: {name}")
        lid = f"Label_{len(box.labels) + 1}"
        box.labels[lid] = {
            "id": lid,
            "name": name,
            "type": "user",
            "messageListVisibility": "show",
            "labelListVisibility": "labelShow",
        }
        return lid

    def message(self, box: Mailbox, message_id: str) -> Message:
        msg = box.messages.get(message_id)
        if msg is None:
            raise not_found()
        return msg

    def outgoing(self, user: str, raw: bytes) -> bytes:
        """What Gmail sends: its own Message-ID when the client gave none (or always, if the
        test switched rewrites_message_id on), a Date, and the sender as From when missing."""
        parsed = email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)
        if self.rewrites_message_id or not parsed["Message-ID"]:
            del parsed["Message-ID"]
            parsed["Message-ID"] = f"<{self.new_id()}{self.new_id()}@mail.gmail.com>"
        if not parsed["Date"]:
            parsed["Date"] = email.utils.format_datetime(self.now())
        if not parsed["From"]:
            parsed["From"] = user
        return parsed.as_bytes(policy=email.policy.SMTP)

    def send(self, user: str, raw: bytes, thread_id: str | None) -> Message:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        if not any(parsed.get(h) for h in ("To", "Cc", "Bcc")):
            raise bad_request("Invalid To header")
        raw = self.outgoing(user, raw)
        sent = self.store(user, raw, ["SENT"], thread_id)
        recipients = email.utils.getaddresses([str(parsed.get(h, "")) for h in ("To", "Cc", "Bcc")])
        for _name, address in recipients:
            if address and address.lower() != user.lower():
                self.store(address, raw, ["INBOX", "UNREAD"])
        return sent

    # ------------------------------------------------------------ resources

    def message_json(
        self, msg: Message, fmt: str = "full", headers: list[str] | None = None
    ) -> dict:
        parsed = msg.parsed()
        out: dict[str, Any] = {
            "id": msg.id,
            "threadId": msg.thread_id,
            "labelIds": list(msg.labels),
        }
        if fmt == "minimal":
            out.update(
                snippet=_snippet(parsed),
                sizeEstimate=len(msg.raw),
                historyId=str(msg.history_id),
                internalDate=str(msg.internal_date),
            )
            return out
        out.update(
            snippet=_snippet(parsed),
            sizeEstimate=len(msg.raw),
            historyId=str(msg.history_id),
            internalDate=str(msg.internal_date),
        )
        if fmt == "raw":
            out["raw"] = b64url(msg.raw)
        elif fmt == "metadata":
            wanted = {h.lower() for h in headers or []}
            out["payload"] = {
                "mimeType": parsed.get_content_type(),
                "headers": [
                    {"name": k, "value": str(v)}
                    for k, v in parsed.items()
                    if not wanted or k.lower() in wanted
                ],
            }
        else:
            out["payload"] = _part_json(parsed, "")
        return out

    # ------------------------------------------------------------ handlers

    def raw_from(self, req: Request, key: str | None) -> tuple[bytes, str | None]:
        if req.upload:
            return req.body, None
        body = req.json or {}
        message = body.get(key) if key else body
        message = message or {}
        if not message.get("raw"):
            raise bad_request(
                "Invalid value for ByteString: "
                if "raw" in message
                else "'raw' RFC822 payload message string or uploading message via "
                "/upload/* URL required"
            )
        try:
            return unb64url(message["raw"]), message.get("threadId")
        except ValueError:
            raise bad_request("Invalid value for ByteString: " + message["raw"][:20]) from None

    def h_messages_send(self, req: Request) -> Response:
        user = self.user_of(req)
        raw, thread = self.raw_from(req, None)
        msg = self.send(user, raw, thread)
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels})

    def h_messages_insert(self, req: Request) -> Response:
        user = self.user_of(req)
        raw, thread = self.raw_from(req, None)
        body = {} if req.upload else (req.json or {})
        msg = self.store(user, raw, body.get("labelIds") or [], thread)
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels})

    def h_messages_get(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        msg = self.message(box, req.path_params["id"])
        fmt = (req.arg("format") or "full").lower()
        if fmt not in ("full", "raw", "metadata", "minimal"):
            raise bad_request(
                f"Invalid value at 'format' (type.googleapis.com/gmail.Format), \"{fmt}\""
            )
        return Response.json(self.message_json(msg, fmt, req.args("metadataHeaders")))

    def h_messages_list(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        q = req.arg("q") or ""
        matcher = gmail_query(q, box, self)
        wanted = [self.label_id(box, lid) for lid in req.args("labelIds")]
        include_spam = req.flag("includeSpamTrash")
        found = []
        for msg in box.messages.values():
            if (
                not include_spam
                and ("SPAM" in msg.labels or "TRASH" in msg.labels)
                and "in:trash" not in q
                and "in:spam" not in q
            ):
                continue
            # Drafts are messages too: Gmail lists them unless a label or query leaves them out
            # (a search for a Message-ID also finds the unsent draft carrying it).
            if all(w in msg.labels for w in wanted) and matcher(msg):
                found.append(msg)
        found.sort(key=lambda m: (m.internal_date, m.history_id), reverse=True)
        size = req.int_arg("maxResults", 100) or 100
        start = int(req.arg("pageToken") or 0)
        page = found[start : start + size]
        out: dict[str, Any] = {}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if start + size < len(found):
            out["nextPageToken"] = str(start + size)
        out["resultSizeEstimate"] = len(page)
        return Response.json(out)

    def h_messages_modify(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        msg = self.message(box, req.path_params["id"])
        body = req.json or {}
        for lid in body.get("addLabelIds") or []:
            lid = self.label_id(box, lid)
            if lid not in msg.labels:
                msg.labels.append(lid)
        remove = {self.label_id(box, lid) for lid in body.get("removeLabelIds") or []}
        msg.labels = [lid for lid in msg.labels if lid not in remove]
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels})

    def h_messages_trash(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        msg = self.message(box, req.path_params["id"])
        msg.labels = [lid for lid in msg.labels if lid != "INBOX"] + ["TRASH"]
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels})

    def h_messages_delete(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        self.message(box, req.path_params["id"])
        del box.messages[req.path_params["id"]]
        return Response.empty(204)

    def h_drafts_create(self, req: Request) -> Response:
        user = self.user_of(req)
        raw, thread = self.raw_from(req, "message")
        msg = self.store(user, raw, ["DRAFT"], thread)
        draft_id = "r" + str(self.rng.randint(10**17, 10**18))
        self.box(user).drafts[draft_id] = msg.id
        return Response.json(
            {
                "id": draft_id,
                "message": {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels},
            }
        )

    def draft(self, box: Mailbox, draft_id: str) -> Message:
        if draft_id not in box.drafts:
            raise not_found()
        return box.messages[box.drafts[draft_id]]

    def h_drafts_get(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        msg = self.draft(box, req.path_params["id"])
        fmt = (req.arg("format") or "full").lower()
        return Response.json({"id": req.path_params["id"], "message": self.message_json(msg, fmt)})

    def h_drafts_list(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        # q filters drafts with the search language, as Gmail does (rfc822msgid: finds the
        # draft carrying a Message-ID)
        matcher = gmail_query(req.arg("q") or "", box, self)
        drafts = [
            {"id": did, "message": {"id": mid, "threadId": box.messages[mid].thread_id}}
            for did, mid in box.drafts.items()
            if matcher(box.messages[mid])
        ]
        out: dict[str, Any] = {"resultSizeEstimate": len(drafts)}
        if drafts:
            out["drafts"] = drafts
        return Response.json(out)

    def h_drafts_delete(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        msg = self.draft(box, req.path_params["id"])
        del box.drafts[req.path_params["id"]]
        box.messages.pop(msg.id, None)
        return Response.empty(204)

    def h_drafts_update(self, req: Request) -> Response:
        user = self.user_of(req)
        box = self.box(user)
        old = self.draft(box, req.path_params["id"])
        raw, thread = self.raw_from(req, "message")
        box.messages.pop(old.id, None)
        msg = self.store(user, raw, ["DRAFT"], thread or old.thread_id)
        box.drafts[req.path_params["id"]] = msg.id
        return Response.json(
            {
                "id": req.path_params["id"],
                "message": {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels},
            }
        )

    def h_drafts_send(self, req: Request) -> Response:
        user = self.user_of(req)
        box = self.box(user)
        body = {} if req.upload else (req.json or {})
        draft_id = body.get("id")
        if not draft_id or draft_id not in box.drafts:
            raise (
                bad_request("Invalid draft" if draft_id else "Draft id is required.")
                if not draft_id
                else not_found()
            )
        draft = box.messages.pop(box.drafts.pop(draft_id))
        raw = (
            unb64url(body["message"]["raw"])
            if (body.get("message") or {}).get("raw")
            else draft.raw
        )
        msg = self.send(user, raw, draft.thread_id)
        return Response.json({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.labels})

    def h_labels_list(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        labels = [{"id": lid, "name": lid, "type": "system"} for lid in SYSTEM_LABELS]
        labels += [copy.deepcopy(label) for label in box.labels.values()]
        return Response.json({"labels": labels})

    def h_labels_create(self, req: Request) -> Response:
        box = self.box(self.user_of(req))
        name = (req.json or {}).get("name")
        if not name:
            raise bad_request("Invalid label name")
        if (
            any(label["name"].lower() == name.lower() for label in box.labels.values())
            or name.upper() in SYSTEM_LABELS
        ):
            raise ApiError(409, "Label name exists or conflicts")
        lid = self.label_id(box, name, create=True)
        return Response.json(copy.deepcopy(box.labels[lid]))

    def h_profile(self, req: Request) -> Response:
        user = self.user_of(req)
        box = self.box(user)
        return Response.json(
            {
                "emailAddress": user,
                "messagesTotal": len(box.messages),
                "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                "historyId": str(self.history),
            }
        )

    def handlers(self) -> dict[tuple[str, str], Callable[[Request], Response]]:
        methods = {
            "users.getProfile": self.h_profile,
            "users.messages.send": self.h_messages_send,
            "users.messages.insert": self.h_messages_insert,
            "users.messages.import": self.h_messages_insert,
            "users.messages.get": self.h_messages_get,
            "users.messages.list": self.h_messages_list,
            "users.messages.modify": self.h_messages_modify,
            "users.messages.trash": self.h_messages_trash,
            "users.messages.delete": self.h_messages_delete,
            "users.drafts.create": self.h_drafts_create,
            "users.drafts.get": self.h_drafts_get,
            "users.drafts.list": self.h_drafts_list,
            "users.drafts.delete": self.h_drafts_delete,
            "users.drafts.update": self.h_drafts_update,
            "users.drafts.send": self.h_drafts_send,
            "users.labels.list": self.h_labels_list,
            "users.labels.create": self.h_labels_create,
        }
        return {("gmail", k): v for k, v in methods.items()}

    # ------------------------------------------------------------ test helpers

    def add_message(self, user: str, raw: bytes, labels: list[str]) -> str:
        return self.store(user, raw, labels).id

    def messages_of(self, user: str, label: str | None) -> list[Message]:
        box = self.box(user)
        wanted = self.label_id(box, label) if label else None
        found = [m for m in box.messages.values() if wanted is None or wanted in m.labels]
        return sorted(found, key=lambda m: (m.internal_date, m.history_id))


def _snippet(parsed: Any) -> str:
    try:
        body = parsed.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
    except (KeyError, LookupError, AttributeError):
        text = ""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())[:200]


def _part_json(part: Any, part_id: str) -> dict:
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in part.items()],
    }
    if part.is_multipart():
        out["body"] = {"size": 0}
        out["parts"] = [
            _part_json(sub, f"{part_id}.{i}" if part_id else str(i))
            for i, sub in enumerate(part.iter_parts())
        ]
    else:
        data = part.get_payload(decode=True) or b""
        out["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    return out


_TERM = re.compile(r'(-?)(?:(\w+):)?("[^"]*"|\([^)]*\)|\S+)')


def gmail_query(q: str, box: Mailbox, twin: GmailTwin) -> Callable[[Message], bool]:
    """Gmail search basics: label:, in:, is:, from:, to:, subject:, rfc822msgid:, after:,
    before:, newer_than:, older_than:, and bare words (all must match; '-' negates)."""
    tests: list[Callable[[Message], bool]] = []
    for neg, op, value in _TERM.findall(q):
        value = value.strip('"')
        op = op.lower()
        test = _term(op, value, box, twin)
        tests.append((lambda t: lambda m: not t(m))(test) if neg else test)
    return lambda m: all(t(m) for t in tests)


def _term(op: str, value: str, box: Mailbox, twin: GmailTwin) -> Callable[[Message], bool]:
    def header(name: str) -> Callable[[Message], bool]:
        return lambda m: value.lower() in str(m.parsed().get(name, "")).lower()

    if op == "label":
        try:
            lid = (
                twin.label_id(box, value.replace("-", " "))
                if value.upper() not in SYSTEM_LABELS
                else value.upper()
            )
        except ApiError:
            try:
                lid = twin.label_id(box, value)
            except ApiError:
                return lambda m: False
        return lambda m: lid in m.labels
    if op in ("in", "is"):
        wanted = {
            "inbox": "INBOX",
            "sent": "SENT",
            "draft": "DRAFT",
            "spam": "SPAM",
            "trash": "TRASH",
            "unread": "UNREAD",
            "starred": "STARRED",
            "important": "IMPORTANT",
        }.get(value.lower())
        if value.lower() == "anywhere":
            return lambda m: True
        if value.lower() == "read":
            return lambda m: "UNREAD" not in m.labels
        return lambda m: wanted in m.labels
    if op in ("from", "to", "cc", "bcc", "subject"):
        return header(op)
    if op == "rfc822msgid":
        wanted_id = value.strip("<>").lower()
        return lambda m: (
            str(m.parsed().get("Message-ID", "")).strip().strip("<>").lower() == wanted_id
        )
    if op in ("after", "before", "newer", "older"):
        limit = _query_time(value)
        return (
            (lambda m: m.internal_date >= limit)
            if op in ("after", "newer")
            else (lambda m: m.internal_date < limit)
        )
    if op in ("newer_than", "older_than"):
        m_ = re.match(r"^(\d+)([dmy])$", value)
        if not m_:
            raise bad_request(f"Invalid query: {op}:{value}")
        days = int(m_[1]) * {"d": 1, "m": 30, "y": 365}[m_[2]]
        limit = int((twin.now() - dt.timedelta(days=days)).timestamp() * 1000)
        return (
            (lambda m: m.internal_date >= limit)
            if op == "newer_than"
            else (lambda m: m.internal_date < limit)
        )
    if op == "has" and value == "attachment":
        return lambda m: any(p.get_filename() for p in m.parsed().walk())
    if op:
        return lambda m: False  # unknown operators match nothing, like Gmail's strict search
    word = value.lower()

    def text(m: Message) -> bool:
        parsed = m.parsed()
        hay = (
            " ".join(str(parsed.get(h, "")) for h in ("Subject", "From", "To"))
            + " "
            + _snippet(parsed)
        )
        return word in hay.lower()

    return text


def _query_time(value: str) -> int:
    if value.isdigit():
        return int(value) * 1000
    try:
        day = dt.datetime.strptime(value.replace("-", "/"), "%Y/%m/%d")
    except ValueError:
        raise bad_request(f"Invalid query: {value}") from None
    # Gmail reads a bare date in the user's time zone; the twin's users live in UTC.
    return int(day.replace(tzinfo=dt.UTC).timestamp() * 1000)
