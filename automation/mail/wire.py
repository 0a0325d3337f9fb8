"""A composed email as its wire bytes: built once, by hand, and parsed only when asked.

Why this exists: the email package builds a message as a tree of parts whose
every header is parsed when it is set and folded again when the tree is
written out. A weekly summary with two charts cost about 10 ms to build and
as much again each time it was written (the spool's copy, then the
transport's), and a mailing job composes up to the per-run cap (500) of
them, so at 10,000 people that was most of the run. Here the message is
written straight to bytes in one pass (headers, multipart/alternative of the
text and the HTML, the HTML's inline images), each distinct image encoded
once per run whatever number of messages carry it, and `ComposedEmail` hands
those same bytes to the spool and to every transport. The tree the email
package would build is parsed from the bytes the first time anything looks
inside (a preview, a test), so what a reader sees is what went out.

The wire form follows the email package's SMTP policy: CRLF line ends,
headers folded at 78 characters and RFC 2047-encoded when they are not plain
ASCII (those go through the policy itself), text parts 7bit when they are
short-lined ASCII and quoted-printable otherwise, images base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from functools import lru_cache
from typing import Any

CRLF = b"\r\n"
_SMTP = policy.SMTP
_MAX_LINE = 78  # the SMTP policy's max_line_length
#: a file name or Content-ID that needs no quoting or encoding in a header
_PLAIN_TOKEN = re.compile(r"[A-Za-z0-9._@+-][A-Za-z0-9._@+ -]*")


def header_line(name: str, value: str) -> bytes:
    """One header as it goes on the wire (ending CRLF): as it is when it is a short line of
    printable ASCII, else folded and encoded by the SMTP policy, as the email package would."""
    line = f"{name}: {value}"
    if len(line) <= _MAX_LINE and line.isascii() and line.isprintable():
        return line.encode("ascii") + CRLF
    return _SMTP.fold_binary(*_SMTP.header_store_parse(name, value))


def text_part(text: str, subtype: str) -> bytes:
    """A text/<subtype> part in UTF-8: 7bit when every line is short ASCII, else
    quoted-printable (readable in the raw file, safe for any relay)."""
    lines = text.encode("utf-8").splitlines()
    body = CRLF.join(lines) + CRLF
    if body.isascii() and max(map(len, lines), default=0) <= _MAX_LINE:
        cte = b"7bit"
    else:
        cte = b"quoted-printable"
        body = binascii.b2a_qp(body, istext=True)
    return (
        b"Content-Type: text/" + subtype.encode("ascii") + b'; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: " + cte + b"\r\n\r\n" + body
    )


@lru_cache(maxsize=32)
def _base64_lines(data: bytes) -> bytes:
    """An image's base64 body, 76 characters a line: encoded once per distinct image (a chart
    drawn once is the same bytes in every message that carries it)."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


def image_part(data: bytes, subtype: str, cid: str, filename: str) -> bytes:
    """An inline image referenced as cid:<cid> from the HTML, base64."""
    if not (_PLAIN_TOKEN.fullmatch(cid) and _PLAIN_TOKEN.fullmatch(filename) and subtype.isalnum()):
        return _image_part_by_the_book(data, subtype, cid, filename)
    return (
        b"Content-Type: image/" + subtype.encode("ascii") + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        + header_line("Content-ID", f"<{cid}>")
        + header_line("Content-Disposition", f'inline; filename="{filename}"')
        + CRLF
        + _base64_lines(data)
    )


def _image_part_by_the_book(data: bytes, subtype: str, cid: str, filename: str) -> bytes:
    """An image whose name or id needs quoting or RFC 2231 encoding: the email package
    writes the part (rare: Chorus's own charts have plain names)."""
    part = MIMEPart(policy=_SMTP)
    part.set_content(
        data, maintype="image", subtype=subtype, cid=f"<{cid}>", filename=filename,
        disposition="inline",
    )  # fmt: skip
    return part.as_bytes(policy=_SMTP)


def multipart(subtype: str, parts: Sequence[bytes], seed: str) -> bytes:
    """A multipart/<subtype> of already written parts, under a boundary found in none of them
    (derived from `seed`, so the same message is the same bytes)."""
    boundary = "==chorus-" + hashlib.sha256(f"{seed}/{subtype}".encode()).hexdigest()[:16]
    while any(boundary.encode() in part for part in parts):
        boundary += "x"
    mark = b"--" + boundary.encode("ascii")
    out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode("ascii")]
    for part in parts:
        out += [mark, CRLF, part, CRLF]
    out += [mark, b"--", CRLF]
    return b"".join(out)


def message(headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    """The whole message: `headers` in order, MIME-Version, then the body part (which starts
    with its own Content-Type)."""
    head = b"".join(header_line(name, value) for name, value in headers)
    return head + b"MIME-Version: 1.0\r\n" + body


class ComposedEmail(EmailMessage):
    """An email Chorus composed: `as_bytes()` gives the bytes it was built as, with no
    regeneration, for as long as nobody changed its headers or looked inside it; the parts
    (get_body, walk, get_payload, ...) are parsed from those bytes on first use.

    Headers are read without parsing the parts, so a transport that asks for the
    Message-ID and then writes the bytes never pays for the tree.
    """

    def __init__(self, wire: bytes) -> None:
        super().__init__(policy=_SMTP)
        self._wire = wire
        self._headers = _header_fields(wire.partition(b"\r\n\r\n")[0])
        self._as_built = list(self._headers)

    @property
    def _payload(self) -> Any:
        if "_wire" in self.__dict__:
            self._parse()
        return self.__dict__.get("_parsed_payload")

    @_payload.setter
    def _payload(self, value: Any) -> None:
        if "_wire" in self.__dict__:  # someone set the payload: the bytes no longer say it
            self._parse()
        self.__dict__["_parsed_payload"] = value

    def _parse(self) -> None:
        """Build the part tree from the wire bytes (once); from then on the email package's
        own writer produces the bytes, so any change made through the tree is kept."""
        wire = self.__dict__.pop("_wire")
        # With plain newlines, as the email package keeps a tree it built itself: text read
        # from a part has "\n" line ends, and the SMTP policy writes CRLF again.
        tree = BytesParser(policy=_SMTP).parsebytes(wire.replace(CRLF, b"\n"))
        state = dict(tree.__dict__)
        state.pop("_headers")  # ours may have been changed since: they stay
        self.__dict__["_parsed_payload"] = state.pop("_payload")
        self.__dict__.update(state)

    def as_bytes(self, unixfrom: bool = False, policy: Any = None) -> bytes:
        """The wire bytes as built, when unchanged and asked for as SMTP writes them."""
        wire: bytes | None = self.__dict__.get("_wire")
        if (
            wire is not None
            and not unixfrom
            and policy in (None, _SMTP)
            and self._headers == self._as_built
        ):
            return wire
        return super().as_bytes(unixfrom, policy)

    def __bytes__(self) -> bytes:
        return self.as_bytes()


def _header_fields(head: bytes) -> list[tuple[str, str]]:
    """The (name, raw value) pairs of a CRLF header block, as the email package's parser keeps
    them (a folded field's continuation lines included), without its line-by-line feed."""
    fields: list[list[str]] = []
    for line in head.decode("ascii", "surrogateescape").split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1].append(line + "\r\n")
        elif ":" in line:
            fields.append([line + "\r\n"])
    return [_SMTP.header_source_parse(lines) for lines in fields]


def from_wire(data: bytes) -> EmailMessage:
    """A message read back from its wire bytes (the spool's copy): a ComposedEmail when it has
    CRLF line ends, as Chorus writes them, else parsed whole."""
    if b"\r\n\r\n" in data and b"\n" not in data.partition(b"\r\n\r\n")[0].replace(CRLF, b""):
        return ComposedEmail(data)
    return BytesParser(policy=_SMTP).parsebytes(data)
