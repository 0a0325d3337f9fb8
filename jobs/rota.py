"""Who is on duty: the week's coordinator, their backup, and who covers when people are away.

Pure functions over the Rota, Absences and People tabs, shared by the daily
brief, the guide, the weekly summary and crisis mode, so they all agree on
who is on duty on a given day. Whether a person is active, and who their
managers are, is jobs/people.py's to say.

Week Starting is meant to be the Monday of the week, but people type any
date in the week (a Sunday, the first working day after a bank holiday):
a row counts for the week that contains its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from jobs.people import (
    PeopleByEmail,
    by_email,
    email_of,
    inactive_reason,
    managers,
    managers_of,
    person_name,
)
from sheets_schema.values import clean_text, parse_date


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
        if email_of(row.get("email", "")) != email:
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


def _unavailable(
    email: str, people: PeopleByEmail, absences: pd.DataFrame, day: date, day_first: bool
) -> str | None:
    """Why someone the Rota names cannot be on duty on `day` (inactive, away), else None."""
    listed = people.get(email)
    # Someone on the rota but missing from People is still on the rota.
    inactive = inactive_reason(listed) if listed is not None else ""
    if inactive:
        return inactive
    note = away_on(absences, email, day, day_first=day_first)
    if note is None:
        return None
    return f"away ({note})" if note else "away"


def _who_covers(
    coordinator: str,
    backup: str,
    coordinator_away: str | None,
    backup_away: str | None,
    people: PeopleByEmail,
) -> tuple[str | None, str]:
    """The person on duty (None when nobody is) and one sentence that says why."""
    c_name, b_name = person_name(people, coordinator), person_name(people, backup)
    if coordinator and not coordinator_away:
        return coordinator, f"{c_name} coordinates this week"
    if backup and not backup_away:
        why = f"is {coordinator_away}" if coordinator else "is not named in the Rota"
        reason = f"the coordinator {c_name or ''} {why}; the backup {b_name} is on duty"
        return backup, reason.replace("  ", " ")
    parts = [
        f"the coordinator {c_name} is {coordinator_away}"
        if coordinator
        else "the week has no coordinator",
        f"the backup {b_name} is {backup_away}" if backup else "there is no backup",
    ]
    return None, " and ".join(parts)


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
    people = by_email(people_df)
    if row is None:
        return Duty(
            day=day,
            coordinator="",
            backup="",
            on_duty=None,
            reason=f"the Rota has no row for the week starting {monday_of(day).isoformat()}",
            nobody_on_duty=True,
            notify=managers(people),
            problems=tuple(problems),
        )
    coordinator, backup = email_of(row.get("coordinator", "")), email_of(row.get("backup", ""))
    missing = "not named in the Rota"
    coordinator_away = (
        _unavailable(coordinator, people, absences_df, day, day_first) if coordinator else missing
    )
    backup_away = _unavailable(backup, people, absences_df, day, day_first) if backup else missing
    on, reason = _who_covers(coordinator, backup, coordinator_away, backup_away, people)
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
            if not email_of(row.get(field, ""))
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
