"""Who the Sent ledger may mail: active People in the organisation's email domains.

The ledger's first step. Anything but a clear Active = Yes in the People tab,
an address outside `organisation.email_domains`, or an address People does
not list, and the message is not mailed but reported with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from jobs.people import is_active
from sheets_schema.values import clean_text, parse_email

if TYPE_CHECKING:
    import pandas as pd

    from jobs.base import OutgoingMessage
    from sheets_schema.settings import Settings


def tab_rows(snapshot: Mapping[str, pd.DataFrame], tab: str) -> list[tuple[int, dict[str, str]]]:
    """A tab's rows as clean text, each with its index in the snapshot."""
    try:
        frame = snapshot[tab]
    except KeyError:
        return []
    return [
        (int(index), {str(k): clean_text(v) for k, v in row.items()})
        for index, row in zip(frame.index, frame.to_dict("records"), strict=True)
    ]


def people_by_email(snapshot: Mapping[str, pd.DataFrame]) -> dict[str, tuple[int, str, bool]]:
    """email -> (sheet row, name, active) from the People tab; unreadable rows are left out."""
    people: dict[str, tuple[int, str, bool]] = {}
    for index, row in tab_rows(snapshot, "People"):
        try:
            email = parse_email(row.get("email", ""))
        except ValueError:
            continue
        people.setdefault(email, (index, row.get("name", ""), is_active(row.get("active", ""))))
    return people


def refusal(
    message: OutgoingMessage, people: Mapping[str, tuple[int, str, bool]], settings: Settings
) -> str:
    """Why this message may not be mailed, or '' when it may."""
    try:
        email = parse_email(message.to_email)
    except ValueError:
        return "not an email address"
    if not settings.allows_recipient(email):
        return (
            "outside the organisation's email domains ("
            + ", ".join(settings.organisation.email_domains)
            + ")"
        )
    person = people.get(email)
    if person is None:
        return "not in the People tab"
    if not person[2]:
        return f"not marked Active = Yes in the People tab (row {person[0]})"
    return ""
