"""What every section builder shares: the settings, today, people's names, and problems found.

Sheet text is untrusted and sheet cells may be unreadable: the helpers here
turn rows into trimmed text, report an unreadable cell with its place (the
rest of the guide is still written), and make links only from safe URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from jobs.guide.document import Inline, Link, Runs, safe_url
from jobs.guide.wording import date_in_words
from sheets_schema.errors import SheetError
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, is_http_url, parse_date, parse_email


@dataclass
class Context:
    """What the section builders share: settings, now, names by address, and problems found."""

    settings: Settings
    now: datetime
    names: dict[str, str]
    problems: list[str]

    @property
    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.now.astimezone(self.settings.tz).date()

    @property
    def day_first(self) -> bool:
        """Whether the organisation writes and reads dates day first."""
        return self.settings.organisation.day_first

    def problem(self, tab: str, row: object, column: str, message: str, fix: str) -> None:
        """Note an unreadable cell with its place and the fix, as the run's report shows it."""
        number = row if isinstance(row, int) else None
        self.problems.append(str(SheetError(message, tab=tab, row=number, column=column, fix=fix)))

    def read_date(self, tab: str, row: object, column: str, value: object) -> date | None:
        """A date cell, or None when blank; an unreadable one is reported with its place."""
        if not clean_text(value):
            return None
        try:
            return parse_date(value, day_first=self.day_first)
        except ValueError as exc:
            self.problem(tab, row, column, str(exc), "write the date as 2027-03-29")
            return None

    def person(self, email: str) -> Runs:
        """A person as a mailto link with their name from People (their address if unknown)."""
        try:
            address = parse_email(email)
        except ValueError:
            return (clean_text(email),) if clean_text(email) else ("nobody yet",)
        return (Link(self.names.get(address, address), f"mailto:{address}"),)

    def date_words(self, d: date, *, weekday: bool = False) -> str:
        """A date in words, in the organisation's day order."""
        return date_in_words(d, day_first=self.day_first, weekday=weekday)


def rows_of(frame: pd.DataFrame) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, {field: trimmed text}) for each row, in sheet order."""
    records = frame.to_dict("records")
    return [
        (int(index), {str(k): clean_text(v) for k, v in record.items()})
        for index, record in zip(frame.index, records, strict=True)
    ]


def names_by_address(people: pd.DataFrame) -> dict[str, str]:
    """Each readable People address -> the person's name (the address when Name is blank)."""
    names: dict[str, str] = {}
    for _, row in rows_of(people):
        try:
            names[parse_email(row.get("email", ""))] = row.get("name", "") or row["email"]
        except ValueError:
            continue
    return names


_ANCHOR_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """An anchor-safe slug: lower-case letters, digits and hyphens only."""
    return _ANCHOR_RE.sub("-", clean_text(text).casefold()).strip("-") or "item"


def unique_anchor(anchor: str, taken: set[str]) -> str:
    """`anchor`, or `anchor-2`, `anchor-3`... when two rows would share it; records the one used."""
    candidate, n = anchor, 2
    while candidate in taken:
        candidate, n = f"{anchor}-{n}", n + 1
    taken.add(candidate)
    return candidate


def link(text: str, url: str) -> Inline:
    """A link when the URL is safe to follow, the text alone otherwise (sheet text is untrusted)."""
    url = clean_text(url)
    return Link(text, url) if safe_url(url) else text


def form_url(settings: Settings, name: str) -> str:
    """The public link of a configured form, or '' when it has none that is a web address."""
    form = settings.forms.get(name)
    return clean_text(form.url) if form is not None and is_http_url(form.url) else ""
