"""Who is on duty: the week's coordinator, their backup, and who covers when people are away.

Pure functions over the Rota, Absences and People tabs, shared by the daily
brief, the guide, the weekly summary and crisis mode, so they all agree on
who is on duty on a given day.

Week Starting is meant to be the Monday of the week, but people type any
date in the week (a Sunday, the first working day after a bank holiday):
a row counts for the week that contains its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from sheets_schema.values import clean_text, parse_date, parse_yes_no, split_multi


@dataclass(frozen=True)
class Duty:
    """Who is on duty on one day, and why; `notify` lists whom to tell when nobody is."""

    day: date
    coordinator: str  # email, '' when the week has no rota row or no coordinator
    backup: str  # email, '' when none
    on_duty: str | None  # email of the person on duty, None when nobody is
    reason: str  # one sentence for people
    nobody_on_duty: bool
    notify: tuple[str, ...] = ()  # the coordinator's managers when nobody is on duty
    coordinator_away: bool = False
    backup_away: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class UncoveredWeek:
    """A week ahead that lacks a coordinator or a backup, or has days nobody covers."""

    week_starting: date
    reason: str


def monday_of(day: date) -> date:
    """The Monday of the week `day` falls in (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def _email(value: object) -> str:
    return clean_text(value).lower().removeprefix("mailto:")


def _active_people(people: pd.DataFrame) -> dict[str, dict[str, str]]:
    """People rows by lower-cased email (inactive ones included, flagged by 'active')."""
    found: dict[str, dict[str, str]] = {}
    for row in people.to_dict("records"):
        email = _email(row.get("email", ""))
        if email and email not in found:
            found[email] = {k: clean_text(v) for k, v in row.items()}
    return found


def person_name(people: pd.DataFrame | dict[str, dict[str, str]], email: str) -> str:
    """The person's name from People, or the part of the address before the @."""
    by_email = people if isinstance(people, dict) else _active_people(people)
    row = by_email.get(email.lower())
    if row and row.get("name"):
        return row["name"]
    return email.split("@", 1)[0] if email else ""


def _is_active(row: dict[str, str] | None) -> bool:
    if row is None:
        return True  # someone on the rota but missing from People is still on the rota
    try:
        return parse_yes_no(row.get("active", "")) or not row.get("active", "")
    except ValueError:
        return True


def managers(people: pd.DataFrame) -> tuple[str, ...]:
    """Active people whose Roles include Manager, in sheet order."""
    found: list[str] = []
    for email, row in _active_people(people).items():
        roles = {r.casefold() for r in split_multi(row.get("roles", ""))}
        if "manager" in roles and _is_active(row) and email not in found:
            found.append(email)
    return tuple(found)


def managers_of(people: pd.DataFrame, email: str) -> tuple[str, ...]:
    """The person's managers (People Manager Email, possibly several), else every Manager."""
    row = _active_people(people).get(email.lower()) if email else None
    named = tuple(_email(m) for m in split_multi(row.get("manager_email", ""))) if row else ()
    return tuple(dict.fromkeys(m for m in named if m)) or managers(people)


def _week_row(
    rota: pd.DataFrame, week: date, day_first: bool
) -> tuple[dict[str, str] | None, list[str]]:
    """The Rota row for the week starting `week`; the first one wins when there are several."""
    problems: list[str] = []
    chosen: dict[str, str] | None = None
    for row_number, row in rota.iterrows():
        text = clean_text(row.get("week_starting", ""))
        if not text:
            continue
        try:
            started = parse_date(text, day_first=day_first)
        except ValueError as exc:
            problems.append(
                f"tab 'Rota', row {row_number}, column 'Week Starting': {exc} (write the Monday, e.g. 2027-03-29)"
            )
            continue
        if monday_of(started) != week:
            continue
        if chosen is None:
            chosen = {k: clean_text(v) for k, v in row.items()}
        else:
            problems.append(
                f"tab 'Rota', row {row_number}: a second row for the week starting {week.isoformat()}; "
                "the first one is used (delete or correct the other)"
            )
    return chosen, problems


def away_on(absences: pd.DataFrame, email: str, day: date, *, day_first: bool = True) -> str | None:
    """The Note of the Absences row that covers `day` for `email` (From..To inclusive), else None.

    An absence with a blank note returns ''. Unreadable dates are skipped
    here; `chorus validate` names them.
    """
    if not email:
        return None
    for row in absences.to_dict("records"):
        if _email(row.get("email", "")) != email:
            continue
        try:
            start = parse_date(row.get("from_date", ""), day_first=day_first)
            end_text = clean_text(row.get("to_date", ""))
            end = parse_date(end_text, day_first=day_first) if end_text else start
        except ValueError:
            continue
        if start <= day <= end:
            return clean_text(row.get("note", ""))
    return None


def on_duty(
    rota_df: pd.DataFrame,
    absences_df: pd.DataFrame,
    people_df: pd.DataFrame,
    day: date,
    *,
    day_first: bool = True,
) -> Duty:
    """Who is on duty on `day`: the coordinator, else the backup, else nobody (tell managers)."""
    row, problems = _week_row(rota_df, monday_of(day), day_first)
    people = _active_people(people_df)
    if row is None:
        return Duty(
            day=day,
            coordinator="",
            backup="",
            on_duty=None,
            reason=f"the Rota has no row for the week starting {monday_of(day).isoformat()}",
            nobody_on_duty=True,
            notify=managers(people_df),
            problems=tuple(problems),
        )
    coordinator, backup = _email(row.get("coordinator", "")), _email(row.get("backup", ""))

    def unavailable(email: str) -> str | None:
        if not email:
            return None
        if not _is_active(people.get(email)):
            return "no longer active in People"
        note = away_on(absences_df, email, day, day_first=day_first)
        if note is None:
            return None
        return f"away ({note})" if note else "away"

    coordinator_away = unavailable(coordinator) if coordinator else "not named in the Rota"
    backup_away = unavailable(backup) if backup else "not named in the Rota"
    c_name, b_name = person_name(people, coordinator), person_name(people, backup)
    if coordinator and not coordinator_away:
        on, reason = coordinator, f"{c_name} coordinates this week"
    elif backup and not backup_away:
        on = backup
        why = f"is {coordinator_away}" if coordinator else "is not named in the Rota"
        reason = f"the coordinator {c_name or ''} {why}; the backup {b_name} is on duty".replace(
            "  ", " "
        )
    else:
        on = None
        parts = [
            f"the coordinator {c_name} is {coordinator_away}"
            if coordinator
            else "the week has no coordinator",
            f"the backup {b_name} is {backup_away}" if backup else "there is no backup",
        ]
        reason = " and ".join(parts)
    return Duty(
        day=day,
        coordinator=coordinator,
        backup=backup,
        on_duty=on,
        reason=reason,
        nobody_on_duty=on is None,
        notify=managers_of(people_df, coordinator) if on is None else (),
        coordinator_away=bool(coordinator_away),
        backup_away=bool(backup_away),
        problems=tuple(problems),
    )


def uncovered_weeks(
    rota: pd.DataFrame,
    absences: pd.DataFrame,
    people: pd.DataFrame,
    today: date,
    weeks: int = 4,
    *,
    working_days: Iterable[int] = (0, 1, 2, 3, 4),
    day_first: bool = True,
) -> list[UncoveredWeek]:
    """Weeks from this one on (`weeks` of them) without a coordinator or backup, or with days nobody covers.

    Days already past in the current week are not counted.
    """
    found: list[UncoveredWeek] = []
    working = tuple(working_days)
    for i in range(weeks):
        week = monday_of(today) + timedelta(weeks=i)
        row, _ = _week_row(rota, week, day_first)
        if row is None:
            found.append(UncoveredWeek(week, "no Rota row"))
            continue
        missing = [
            label
            for label, field in (("coordinator", "coordinator"), ("backup", "backup"))
            if not _email(row.get(field, ""))
        ]
        if missing:
            found.append(UncoveredWeek(week, "no " + " and no ".join(missing)))
            continue
        bare = [
            d
            for d in (week + timedelta(days=k) for k in range(7))
            if d >= today
            and d.weekday() in working
            and on_duty(rota, absences, people, d, day_first=day_first).nobody_on_duty
        ]
        if bare:
            days = ", ".join(f"{d:%a} {d.day} {d:%b}" for d in bare)
            found.append(UncoveredWeek(week, f"coordinator and backup both away on {days}"))
    return found
