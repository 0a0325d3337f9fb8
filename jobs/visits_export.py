"""Reading a web analytics export: the visits each (campaign, content, source) brought.

Google Analytics 4 exports a report as CSV with `#` comment lines on top
(account, property, dates), a blank line, then a header row such as
"Session campaign, Session manual ad content, Session source, Sessions",
and sometimes a "Grand total" row. Other tools export utm_campaign,
utm_content, utm_source columns with Visits or Clicks. People open these in
a spreadsheet and save again, which may add a byte-order mark, switch to
`;` separators and write numbers quoted with thousands separators
("1,234" or "1.234"). All of those read the same here. Pure: text in, rows out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass

from sheets_schema.columns import normalise_header

#: the role of a column -> the headers that mean it, in order of preference
COLUMNS: dict[str, tuple[str, ...]] = {
    "campaign": ("session campaign", "utm_campaign", "campaign", "first user campaign"),
    "content": (
        "session manual ad content",
        "utm_content",
        "manual ad content",
        "ad content",
        "content",
        "first user manual ad content",
    ),
    "source": ("session source", "utm_source", "source", "first user source"),
    "medium": ("session medium", "utm_medium", "medium", "first user medium"),
    "count": ("sessions", "visits", "clicks", "views", "users", "active users", "total users"),
}
_NEEDED = ("campaign", "content", "count")
_TOTAL = re.compile(r"^(grand\s+)?totals?\b", re.I)


@dataclass(frozen=True)
class VisitRow:
    """One row of an export: the link's utm values and the visits counted for it."""

    campaign: str
    content: str
    source: str
    medium: str
    visits: int


@dataclass(frozen=True)
class Export:
    """One export file read: its rows, a fingerprint of what it says, and problems."""

    name: str
    rows: tuple[VisitRow, ...]
    fingerprint: str
    problems: tuple[str, ...] = ()


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark, or UTF-16), else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _body(text: str) -> list[str]:
    """The lines after the comment block, blank lines dropped."""
    return [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def whole_number(text: str) -> int:
    """A count as exports and spreadsheets write it: 1234, "1,234", "1.234", "1 234", 12.0."""
    value = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    if not value:
        return 0
    if re.fullmatch(r"\d{1,3}(?:([,. '])\d{3})+", value):
        return int(re.sub(r"[,. ']", "", value))
    if re.fullmatch(r"\d+(?:[.,]0+)?", value):
        return int(re.split(r"[.,]", value)[0])
    raise ValueError(f"{text.strip()!r} is not a whole number")


def _positions(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    normal = [normalise_header(h) for h in headers]
    for role, names in COLUMNS.items():
        for name in names:
            if name in normal:
                found[role] = normal.index(name)
                break
    return found


def read_export(name: str, data: bytes) -> Export:
    """One export's rows; a file Chorus cannot use is an Export with no rows and a problem."""
    lines = _body(decode(data))
    if not lines:
        return Export(name, (), "", (f"{name}: the file holds no rows",))
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=_delimiter(lines[0]))
    headers = next(reader)
    where = _positions(headers)
    lacking = [role for role in _NEEDED if role not in where]
    if lacking:
        wanted = {
            "campaign": "Session campaign (or utm_campaign)",
            "content": "Session manual ad content (or utm_content)",
            "count": "Sessions (or Visits, Clicks)",
        }
        return Export(
            name,
            (),
            "",
            (
                f"{name}: no {', '.join(wanted[r] for r in lacking)} column (its headers are "
                f"{', '.join(headers)}); export the report with those dimensions and the Sessions metric",
            ),
        )
    rows: list[VisitRow] = []
    problems: list[str] = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells) or _TOTAL.match(cells[0].strip()):
            continue
        value = {role: _cell(cells, at) for role, at in where.items()}
        try:
            visits = whole_number(value["count"])
        except ValueError as exc:
            column = headers[where["count"]]
            problems.append(f"{name}, data row {line_number - 1}, column {column}: {exc}")
            continue
        rows.append(
            VisitRow(
                value["campaign"],
                value["content"],
                value.get("source", "").lower(),
                value.get("medium", "").lower(),
                visits,
            )
        )
    return Export(name, tuple(rows), _fingerprint(rows), tuple(problems))


def _cell(cells: list[str], at: int) -> str:
    return cells[at].strip() if at < len(cells) else ""


def _fingerprint(rows: list[VisitRow]) -> str:
    """What the export says, however it was saved: the same rows give the same fingerprint."""
    lines = sorted(f"{r.campaign}|{r.content}|{r.source}|{r.medium}|{r.visits}" for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
