"""People: who is active, their roles, managers and names, looked up by email.

Every job that mails, counts or trusts a person asks this module, so they all
give the same answer for the same People row. The Active rule in one place:

    Yes (or y, true, x, ...)   active
    blank                      active: the column's help says "No means never
                               mailed", so a row added without touching Active
                               is someone people meant to include
    No (or n, false, ...)      not active
    anything else ("Yse")      not active: Chorus never mails someone on a
                               guess; `chorus validate` names the cell, and the
                               duty rota says why the person is passed over
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sheets_schema.values import clean_text, parse_email, parse_yes_no, split_multi

#: People rows by lower-cased email, each cell as trimmed text
PeopleByEmail = Mapping[str, Mapping[str, str]]


def email_of(value: object) -> str:
    """An email cell as People lookups key it: trimmed, lower case, without 'mailto:'."""
    return clean_text(value).lower().removeprefix("mailto:")


def active_cell_unreadable(value: object) -> bool:
    """Whether an Active cell is neither blank nor a Yes or No people type."""
    text = clean_text(value)
    if not text:
        return False
    try:
        parse_yes_no(text)
    except ValueError:
        return True
    return False


def is_active(value: object) -> bool:
    """Whether a People row's Active cell lets Chorus mail, count and trust the person.

    Blank is Yes, an unreadable value is No (the module docstring says why).
    """
    text = clean_text(value)
    if not text:
        return True
    try:
        return parse_yes_no(text)
    except ValueError:
        return False


def inactive_reason(row: Mapping[str, str]) -> str:
    """Why a People row's person is not active, in words for a report; '' when they are."""
    value = row.get("active", "")
    if is_active(value):
        return ""
    if active_cell_unreadable(value):
        return f"not clearly active in People (Active is {clean_text(value)!r}: write Yes or No)"
    return "no longer active in People"


def by_email(people: pd.DataFrame) -> dict[str, dict[str, str]]:
    """People rows by lower-cased email, active or not; the first row of an email wins.

    Read once per People frame (the brief, the duty rota it asks day by day and
    its approvals each derived it again): callers get their own dict, the rows
    in it are shared and must not be changed.
    """
    return dict(_by_email(people))


def _rows_by_email(people: pd.DataFrame) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    # plain column lists: DataFrame.to_dict("records") took two thirds of this at 10,000 people
    names = [str(name) for name in people.columns]
    columns = [people.iloc[:, position].tolist() for position in range(len(names))]
    for values in zip(*columns, strict=True):
        row = dict(zip(names, values, strict=True))
        email = email_of(row.get("email", ""))
        if email and email not in found:
            found[email] = {name: clean_text(value) for name, value in row.items()}
    return found


def _index(people: pd.DataFrame | PeopleByEmail) -> PeopleByEmail:
    return people if not isinstance(people, pd.DataFrame) else by_email(people)


def person_name(people: pd.DataFrame | PeopleByEmail, email: str) -> str:
    """The person's name from People, or the part of the address before the @."""
    row = _index(people).get(email.lower())
    if row and row.get("name"):
        return row["name"]
    return email.split("@", 1)[0] if email else ""


def has_role(row: Mapping[str, str], role: str) -> bool:
    """Whether a People row's Roles include `role` (any case)."""
    return role.casefold() in {r.casefold() for r in split_multi(row.get("roles", ""))}


def managers(people: pd.DataFrame | PeopleByEmail) -> tuple[str, ...]:
    """Active people whose Roles include Manager, in sheet order."""
    return tuple(
        email
        for email, row in _index(people).items()
        if has_role(row, "manager") and is_active(row.get("active", ""))
    )


def managers_of(people: pd.DataFrame, email: str) -> tuple[str, ...]:
    """The person's managers (People Manager Email, possibly several), else every Manager."""
    index = by_email(people)
    row = index.get(email.lower()) if email else None
    named = tuple(email_of(m) for m in split_multi(row.get("manager_email", ""))) if row else ()
    return tuple(dict.fromkeys(m for m in named if m)) or managers(index)


@dataclass(frozen=True)
class Person:
    """Someone Chorus mails: the address and the name to greet them by."""

    email: str
    name: str

    def as_context(self) -> dict[str, str]:
        """The person as a template sees them."""
        return {"email": self.email, "name": self.name}


def person(people: pd.DataFrame | PeopleByEmail, email: str) -> Person:
    """The Person for an address, named from People when they are listed."""
    return Person(email, person_name(people, email))


def staff(people: pd.DataFrame) -> list[Person]:
    """Active People whose Roles include Staff, in sheet order."""
    return [
        Person(email, row.get("name", "") or email.split("@")[0])
        for email, row in by_email(people).items()
        if has_role(row, "staff") and is_active(row.get("active", ""))
    ]


def readable_email(value: object) -> str:
    """An email cell as a real address (lower case), or '' when it is not one."""
    try:
        return parse_email(value)
    except ValueError:
        return ""


def per_people_frame(compute: Any) -> Any:
    """Remember the answer for the last People frame seen.

    The weekly summary asks the same questions of one People tab for every
    manager; without this a program of 1,000 people with 100 managers spent
    40 s re-reading People. Snapshots are never changed in place while a job
    plans, so the frame's identity (kept alive here) is a sound key.
    """
    last: list[Any] = [None, None]

    def cached(people: pd.DataFrame) -> Any:
        if last[0] is not people:
            last[0], last[1] = people, compute(people)
        return last[1]

    cached.__doc__ = compute.__doc__
    cached.__name__ = compute.__name__
    return cached


_by_email = per_people_frame(_rows_by_email)


def active_people(people: pd.DataFrame) -> pd.DataFrame:
    """Active People rows with a readable email: email (lower case), name, team, roles, manager_email.

    Active as `is_active` reads it (blank is Yes, unreadable is No).
    (A copy: callers may change what they get.)
    """
    return _active_people(people).copy()


@per_people_frame
def _active_people(people: pd.DataFrame) -> pd.DataFrame:
    rows = []
    seen: set[str] = set()
    # one pass over plain columns: a row Series per person (iterrows) cost ~0.1 ms each
    columns = [
        people[f] if f in people.columns else [""] * len(people)
        for f in ("email", "active", "name", "team", "roles", "manager_email")
    ]
    for email_cell, active, name, team, roles, manager in zip(*columns, strict=True):
        email = readable_email(email_cell)
        if not email or not is_active(active) or email in seen:
            continue
        seen.add(email)
        rows.append(
            (
                email,
                clean_text(name) or email,
                clean_text(team),
                tuple(r.casefold() for r in split_multi(roles)),
                readable_email(manager),
            )
        )
    return pd.DataFrame(rows, columns=["email", "name", "team", "roles", "manager_email"])


def people_with_role(people: pd.DataFrame, role: str) -> pd.DataFrame:
    """Active people holding `role` (Manager, Policy Owner, ...)."""
    everyone = active_people(people)
    wanted = role.casefold()
    return everyone[everyone["roles"].map(lambda roles: wanted in roles)].reset_index(drop=True)


def team_of(people: pd.DataFrame, manager_email: str) -> tuple[str, frozenset[str]]:
    """A manager's team: its name and its members' emails.

    Members are the active people who report to the manager (Manager Email)
    and the active people sharing the manager's Team, the manager included:
    managers and their reports follow the same policy and post for the same team.
    """
    everyone = active_people(people)
    manager = manager_email.strip().lower()
    mine = everyone[everyone["email"] == manager]
    team = mine["team"].iloc[0] if len(mine) else ""
    members = everyone["manager_email"] == manager
    if team:
        members |= everyone["team"] == team
    members |= everyone["email"] == manager
    return team, frozenset(everyone.loc[members, "email"])
