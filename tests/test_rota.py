"""Who is on duty: the week's coordinator, the backup when they are away, managers when both are."""

from __future__ import annotations

from datetime import date

from jobs.people import managers_of
from jobs.rota import UncoveredWeek, on_duty, uncovered_weeks
from sheets_schema.records import frame_from_rows

PEOPLE = frame_from_rows(
    "People",
    [
        {
            "name": "Ann Lee",
            "email": "ann@example.org",
            "roles": "Coordinator",
            "manager_email": "meg@example.org",
            "active": "Yes",
        },
        {
            "name": "Bob Roy",
            "email": "bob@example.org",
            "roles": "Backup",
            "manager_email": "meg@example.org",
            "active": "Yes",
        },
        {"name": "Meg Ames", "email": "meg@example.org", "roles": "Manager", "active": "Yes"},
        {
            "name": "Max Boss",
            "email": "max@example.org",
            "roles": "Manager, Policy Owner",
            "active": "Yes",
        },
    ],
)
ROTA = frame_from_rows(
    "Rota",
    [
        {
            "week_starting": "2027-03-29",
            "coordinator": "Ann@Example.org",
            "backup": "bob@example.org",
        },
        # typed as the Wednesday: still the week starting Monday 5 April
        {"week_starting": "07/04/2027", "coordinator": "bob@example.org", "backup": ""},
    ],
)
NO_ABSENCES = frame_from_rows("Absences", [])


def absences(*rows: tuple[str, str, str]) -> object:
    return frame_from_rows(
        "Absences",
        [{"email": e, "from_date": f, "to_date": t, "note": "holiday"} for e, f, t in rows],
    )


def test_the_coordinator_is_on_duty_on_an_ordinary_day():
    duty = on_duty(ROTA, NO_ABSENCES, PEOPLE, date(2027, 3, 31))
    assert (duty.coordinator, duty.backup, duty.on_duty) == (
        "ann@example.org",
        "bob@example.org",
        "ann@example.org",
    )
    assert not duty.nobody_on_duty and duty.notify == ()
    assert duty.reason == "Ann Lee coordinates this week"


def test_duty_goes_to_the_backup_on_the_one_day_the_coordinator_is_away():
    away = absences(("ann@example.org", "2027-03-30", "2027-03-30"))
    tuesday = on_duty(ROTA, away, PEOPLE, date(2027, 3, 30))
    wednesday = on_duty(ROTA, away, PEOPLE, date(2027, 3, 31))
    assert tuesday.on_duty == "bob@example.org"
    assert tuesday.coordinator_away and not tuesday.backup_away
    assert (
        tuesday.reason == "the coordinator Ann Lee is away (holiday); the backup Bob Roy is on duty"
    )
    assert wednesday.on_duty == "ann@example.org"


def test_when_both_are_away_nobody_is_on_duty_and_the_coordinators_manager_is_told():
    away = absences(
        ("ann@example.org", "2027-03-29", "2027-04-02"),
        ("bob@example.org", "2027-03-31", "2027-03-31"),
    )
    duty = on_duty(ROTA, away, PEOPLE, date(2027, 3, 31))
    assert duty.on_duty is None and duty.nobody_on_duty
    assert duty.notify == ("meg@example.org",)
    assert (
        duty.reason
        == "the coordinator Ann Lee is away (holiday) and the backup Bob Roy is away (holiday)"
    )


def test_a_week_without_a_rota_row_has_nobody_on_duty_and_every_manager_is_told():
    duty = on_duty(ROTA, NO_ABSENCES, PEOPLE, date(2027, 4, 14))
    assert duty.nobody_on_duty and duty.coordinator == "" and duty.backup == ""
    assert duty.notify == ("meg@example.org", "max@example.org")
    assert duty.reason == "the Rota has no row for the week starting 2027-04-12"


def test_a_rota_row_dated_midweek_counts_for_its_week():
    duty = on_duty(ROTA, NO_ABSENCES, PEOPLE, date(2027, 4, 5))
    assert duty.coordinator == "bob@example.org" and duty.on_duty == "bob@example.org"


def test_a_coordinator_away_with_no_backup_leaves_nobody():
    away = absences(("bob@example.org", "2027-04-05", "2027-04-06"))
    duty = on_duty(ROTA, away, PEOPLE, date(2027, 4, 6))
    assert duty.nobody_on_duty
    assert duty.notify == ("meg@example.org",)
    assert "there is no backup" in duty.reason


def test_two_rows_for_one_week_use_the_first_and_say_so():
    rota = frame_from_rows(
        "Rota",
        [
            {"week_starting": "2027-03-29", "coordinator": "ann@example.org"},
            {"week_starting": "2027-03-30", "coordinator": "bob@example.org"},
        ],
    )
    duty = on_duty(rota, NO_ABSENCES, PEOPLE, date(2027, 3, 29))
    assert duty.coordinator == "ann@example.org"
    assert duty.problems == (
        "tab 'Rota', row 3: a second row for the week starting 2027-03-29; the first one is used (delete or correct the other)",
    )


def test_managers_of_someone_without_a_manager_are_all_managers():
    assert managers_of(PEOPLE, "meg@example.org") == ("meg@example.org", "max@example.org")


def test_uncovered_weeks_lists_missing_backups_missing_rows_and_days_nobody_covers():
    away = absences(
        ("ann@example.org", "2027-04-01", "2027-04-01"),
        ("bob@example.org", "2027-04-01", "2027-04-01"),
    )
    weeks = uncovered_weeks(ROTA, away, PEOPLE, date(2027, 3, 29))
    assert weeks == [
        UncoveredWeek(date(2027, 3, 29), "coordinator and backup both away on Thu 1 Apr"),
        UncoveredWeek(date(2027, 4, 5), "no backup"),
        UncoveredWeek(date(2027, 4, 12), "no Rota row"),
        UncoveredWeek(date(2027, 4, 19), "no Rota row"),
    ]
