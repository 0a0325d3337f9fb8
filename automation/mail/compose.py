"""Turn a job's OutgoingMessage into a real email: templates, headers, inline images.

Jinja2 renders automation/templates/<template>.txt.j2 and .html.j2 (HTML
autoescaped); CSS is inlined so Gmail and Outlook show it; names and subjects
are cleaned of control characters so no cell a person typed can add a header;
charts the plan describes are drawn here (automation/mail/charts.py), or read from the
state folder where an earlier run kept them (automation/mail/chart_files.py). A part of
a template that is the same for every recipient (a read-only section of the plan) is
rendered and inlined once, not once per message (automation/mail/parts.py).
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import css_inline
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PackageLoader,
    pass_eval_context,
)
from jinja2.bccache import Bucket
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from automation.mail import parts, wire
from automation.mail.chart_files import FOLDER as CHARTS_FOLDER
from automation.mail.chart_files import chart_png
from automation.share_key import state_folder
from sheets_schema.errors import ConfigError
from sheets_schema.values import is_http_url, parse_date, parse_datetime

if TYPE_CHECKING:
    from jobs.base import InlineImage, OutgoingMessage
    from sheets_schema.settings import Settings

#: the state folder's folder of compiled templates (KeptTemplates)
TEMPLATES_FOLDER = "templates"

#: what every template sees besides the job's own context
STANDARD_KEYS = ("org_name", "recipient_name", "recipient_email", "subject")

_UTC = ZoneInfo("UTC")

# Keep @media rules (mobile tweaks) in a <style> tag; never fetch remote CSS.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def clean_header_text(value: object) -> str:
    """One line of header text: control, format and line/paragraph separator characters
    (CR, LF, NUL, U+2028, ...) become spaces, so a typed name can never start a new header."""
    text = str(value or "")
    if text.isascii() and text.isprintable():  # most names and subjects: nothing to replace
        return " ".join(text.split())
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    return re.sub(r"\s+", " ", text).strip()


# -- filters ---------------------------------------------------------------
@pass_eval_context
def link_filter(eval_ctx: EvalContext, url: object, text: object = None) -> str:
    """`{{ url|link(text) }}`: an <a> only for http(s) URLs; anything else is shown as text."""
    url_text = str(url or "").strip()
    label = str(text) if text not in (None, "") else url_text
    if eval_ctx.autoescape:
        if is_http_url(url_text):
            return Markup('<a href="{}">{}</a>').format(url_text, label)
        return escape(label)
    if is_http_url(url_text) and label != url_text:
        return f"{label} ({url_text})"
    return label


def _as_datetime(value: object) -> datetime | date | None:
    """A date or datetime from a value or cell text, kept in its own zone (never shifted)."""
    if isinstance(value, (datetime, date)):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        if re.search(r"\d:\d", text):
            # Cells hold the organisation's local time; show it as written.
            return parse_datetime(text, _UTC).replace(tzinfo=None)
        return parse_date(text)
    except ValueError:
        return None


def date_filter(value: object, fmt: str = "%a %-d %b %Y") -> str:
    """`{{ d|date }}` -> 'Tue 24 Nov 2026'; text that is not a date is shown as it is."""
    parsed = _as_datetime(value)
    return parsed.strftime(fmt) if parsed is not None else str(value or "")


def datetime_filter(value: object, fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """`{{ dt|datetime }}` -> 'Tue 24 Nov 2026, 08:30'; a bare date shows without a time."""
    parsed = _as_datetime(value)
    if parsed is None:
        return str(value or "")
    if not isinstance(parsed, datetime):
        return parsed.strftime(fmt.split(",")[0])
    return parsed.strftime(fmt)


def plural_filter(count: object, word: str, plural: str | None = None) -> str:
    """`{{ n|plural('post') }}` -> '1 post', '3 posts'; `plural('reply', 'replies')` when irregular."""
    try:
        n = int(count)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        n = 0
    if n == 1:
        return f"1 {word}"
    if plural is None:
        if re.search(r"[^aeiou]y$", word):
            plural = word[:-1] + "ies"
        elif re.search(r"(s|x|z|ch|sh)$", word):
            plural = word + "es"
        else:
            plural = word + "s"
    return f"{n} {plural}"


# -- rendering -------------------------------------------------------------
def _autoescape(name: str | None) -> bool:
    return bool(name) and str(name).endswith((".html.j2", ".html", ".htm"))


@lru_cache(maxsize=1)
def mail_environment() -> Environment:
    """The one Jinja2 environment for mail: the templates installed with the package, the
    filters above, HTML autoescaped. Every email and preview is rendered through it."""
    env = Environment(
        loader=PackageLoader("automation", "templates"),
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        link=link_filter, date=date_filter, datetime=datetime_filter, plural=plural_filter
    )
    env.globals["render_part"] = parts.render_part
    return env


class KeptTemplates(FileSystemBytecodeCache):
    """Compiled templates kept as files in a folder (the state folder's `templates`): a run
    loads its templates instead of compiling them again (~50 ms for the weekly summary's).

    Jinja names a file by the template's name and path, and keeps the source's checksum in
    it: an edited template is compiled anew and its file replaced, so the folder holds one
    file per template. The files are a cache: one that cannot be read or written only means
    compiling, never a failed run.
    """

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (a full disk, say): compile the template instead
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):  # a read-only or full state folder
            super().dump_bytecode(bucket)


@lru_cache(maxsize=8)
def template_environment(search_path: tuple[str, ...] = (), compiled: str = "") -> Environment:
    """The mail environment, with the folders in `search_path` searched first (local
    overrides, tests): an overlay sharing its settings and filters, not a second setup.
    With `compiled`, a folder where compiled templates are kept for the next run."""
    env = mail_environment()
    if search_path:
        assert env.loader is not None
        env = env.overlay(loader=ChoiceLoader([FileSystemLoader(list(search_path)), env.loader]))
    if compiled:
        try:
            # owner only: Python code is loaded from these files
            Path(compiled).mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:  # not a folder Chorus may write to: the templates are compiled each run
            return env
        env = env.overlay(bytecode_cache=KeptTemplates(compiled, "%s.jinja"))
    return env


def render(
    template: str,
    context: Mapping[str, Any],
    *,
    search_path: Sequence[Path | str] = (),
    compiled: Path | None = None,
) -> tuple[str, str]:
    """Render <template>.txt.j2 and <template>.html.j2; returns (text, html) with CSS inlined.

    `compiled`: the folder where compiled templates are kept (KeptTemplates), if any."""
    env = template_environment(tuple(str(p) for p in search_path), str(compiled or ""))
    values = {key: "" for key in STANDARD_KEYS}
    values.update(context)
    text = env.get_template(f"{template}.txt.j2").render(values)
    document = f"{template}.html.j2"
    with parts.marking(document):
        html = env.get_template(document).render(values)
    return text.strip() + "\n", parts.restore(_INLINER.inline(html), document)


# The sender's (and Reply-To's) address is the same in every message of a run: parsed once.
@lru_cache(maxsize=64)
def _address(name: str, email: str, place: str) -> str:
    """The header text of an address, quoted as needed; a malformed one stops the run."""
    try:
        return str(
            Address(display_name=clean_header_text(name), addr_spec=clean_header_text(email))
        )
    except (ValueError, IndexError) as exc:  # headerregistry rejects malformed addresses
        raise ConfigError(
            f"{email!r} is not an address mail can be sent to ({exc})",
            place=place,
            fix="write a plain address such as someone@example.org",
        ) from None


def compose(
    message: OutgoingMessage,
    settings: Settings,
    *,
    now: datetime | None = None,
    search_path: Sequence[Path | str] = (),
) -> EmailMessage:
    """The email for one OutgoingMessage: multipart/alternative (text, HTML), images by
    Content-ID, the deterministic Message-ID and the X-Chorus-* headers.

    `now` sets the Date header (the ledger passes the run's time); None means the clock.
    """
    return draft(message, settings, now=now, search_path=search_path).finish()


@dataclass(frozen=True)
class Draft:
    """A message rendered, its headers made: `finish` adds its images and writes it out.

    The ledger renders every message of a batch before it finishes any, so charts a
    child process draws meanwhile (chart_files.draw_ahead) are ready when the first
    message needs them. The bytes are those `compose` makes in one go.
    """

    headers: list[tuple[str, str]]
    text: str
    html: str
    images: tuple[InlineImage, ...]
    message_id: str
    charts: Path

    def finish(self) -> wire.ComposedEmail:
        html_body = wire.text_part(self.html, "html")
        if self.images:
            images = [
                wire.image_part(
                    image_bytes(image, self.charts),
                    image.mime_subtype,
                    clean_header_text(image.cid),
                    clean_header_text(image.filename),
                )
                for image in self.images
            ]
            html_body = wire.multipart("related", [html_body, *images], self.message_id)
        parts = [wire.text_part(self.text, "plain"), html_body]
        body = wire.multipart("alternative", parts, self.message_id)
        return wire.ComposedEmail(wire.message(self.headers, body))


def draft(
    message: OutgoingMessage,
    settings: Settings,
    *,
    now: datetime | None = None,
    search_path: Sequence[Path | str] = (),
) -> Draft:
    """A message rendered and its headers made, as `compose` does before adding the images."""
    context = dict(message.context)
    context.update(
        org_name=settings.organisation.name,
        recipient_name=message.to_name,
        recipient_email=message.to_email,
        subject=clean_header_text(message.subject),
    )
    text, html = render(
        message.template,
        context,
        search_path=search_path,
        compiled=state_folder(settings) / TEMPLATES_FOLDER,
    )
    headers = [
        (
            "From",
            _address(
                settings.mail.sender_name, settings.mail.sender, f"{settings.path}: mail.sender"
            ),
        ),
        ("To", _address(message.to_name, message.to_email, f"message for {message.job}")),
    ]
    if settings.mail.reply_to:
        headers.append(
            ("Reply-To", _address("", settings.mail.reply_to, f"{settings.path}: mail.reply_to"))
        )
    message_id = message.message_id(settings.sender_domain)
    headers += [
        ("Subject", clean_header_text(message.subject)),
        ("Date", rfc2822_datetime(now or datetime.now().astimezone())),
        ("Message-ID", message_id),
        ("X-Chorus-Job", clean_header_text(message.job)),
        ("X-Chorus-Period", clean_header_text(message.period)),
        # RFC 3834: tells auto-responders (out-of-office) not to reply to a robot.
        ("Auto-Submitted", "auto-generated"),
    ]
    charts = state_folder(settings) / CHARTS_FOLDER
    return Draft(headers, text, html, tuple(message.images), message_id, charts)


def image_bytes(image: InlineImage, charts: Path | None = None) -> bytes:
    """An inline image's bytes: a Chart is drawn now, just before the message leaves, or
    taken from the folder `charts` where an earlier run kept it (automation.mail.chart_files)."""
    if isinstance(image.data, bytes):
        return image.data
    return chart_png(image.data, charts)


def message_parts(msg: EmailMessage) -> tuple[str, str, dict[str, tuple[bytes, str]]]:
    """(text, html, {cid: (data, filename)}) of a composed email: for previews and tests."""
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    images: dict[str, tuple[bytes, str]] = {}
    for part in msg.walk():
        cid = part.get("Content-ID")
        data = part.get_payload(decode=True)
        if cid and part.get_content_maintype() == "image" and isinstance(data, bytes):
            images[cid.strip().strip("<>")] = (data, part.get_filename() or "image")
    return (
        text_part.get_content() if text_part is not None else "",
        html_part.get_content() if html_part is not None else "",
        images,
    )
