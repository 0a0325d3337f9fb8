"""`chorus validate` and the jobs name the same cells: a cell a job cannot use is one validate lists.

Each mistyped cell below is one a coordinator makes in a hurry, in a cell
check-cadence and the brief depend on. Validate, check-cadence and the brief
read the same snapshot; the sets of (tab, row, column) they name are equal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.config import settings_from_dict
from jobs import brief, cadence
from jobs.crisis.state import crisis_state
from jobs.crisis.status import status_lines
from sheets_schema.records import Snapshot, frame_from_rows
from sheets_schema.settings import Settings
from sheets_schema.validate import validate_snapshot

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 30, 8, 30, tzinfo=LONDON)  # a Monday
CHANNEL = {"channel": "LinkedIn", "posts_per_week": "5", "post_days": "weekdays", "active": "Yes"}


def settings_for(tmp_path: Path) -> Settings:
    return settings_from_dict(
        {
            "organisation": {
                "name": "Example Org",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            }
        },
        tmp_path / "chorus.toml",
    )


def item(ident: str, status: str, scheduled: str = "", **more: str) -> dict[str, str]:
    """A Queue row valid in every cell but those given."""
    return {
        "id": ident,
        "created": "2026-11-20 10:00",
        "source_kind": "Organisation",
        "headline": f"Headline of {ident}",
        "channels": "LinkedIn",
        "status": status,
        "scheduled_for": scheduled,
        **more,
    }


#: (tab, row, column) of each mistake, and the rows that carry it
MISTAKES: dict[str, tuple[tuple[str, int, str], str, dict[str, str]]] = {
    "Queue status Aproved": (("Queue", 2, "Status"), "Queue", item("Q-1", "Aproved")),
    "no such day 31/11/2026": (
        ("Queue", 2, "Scheduled For"),
        "Queue",
        item("Q-1", "Scheduled", "31/11/2026 09:00"),
    ),
    "scheduled with no date": (("Queue", 2, "Scheduled For"), "Queue", item("Q-1", "Scheduled")),
    "published at never": (
        ("Queue", 2, "Published At"),
        "Queue",
        item("Q-1", "Published", "2026-11-27 09:00", published_at="yesterday-ish"),
    ),
    "created unreadable on an approved item": (
        ("Queue", 2, "Created"),
        "Queue",
        item("Q-1", "Approved", created="20/13/2026"),
    ),
    "a channel misspelt": (
        ("Queue", 2, "Channels"),
        "Queue",
        item("Q-1", "Scheduled", "2026-12-02 09:30", channels="Linkedn"),
    ),
    "status left blank": (("Queue", 2, "Status"), "Queue", item("Q-1", "")),
    "Crisis Mode Onn": (
        ("Program", 2, "Value"),
        "Program",
        {"setting": "Crisis Mode", "value": "Onn"},
    ),
    "Active left blank": (("Channels", 2, "Active"), "Channels", {**CHANNEL, "active": ""}),
    "Posts Per Week in words": (
        ("Channels", 2, "Posts Per Week"),
        "Channels",
        {**CHANNEL, "posts_per_week": "five"},
    ),
    "Post Days misspelt": (
        ("Channels", 2, "Post Days"),
        "Channels",
        {**CHANNEL, "post_days": "Mondy"},
    ),
}


def sheet(**rows: list[dict[str, str]]) -> Snapshot:
    tabs: dict[str, list[dict[str, str]]] = {
        "Channels": [CHANNEL],
        "Queue": [],
        "Program": [],
        "Crises": [],
        "Cadence": [],
    }
    tabs.update(rows)
    return Snapshot({name: frame_from_rows(name, r) for name, r in tabs.items()})


def named_by_validate(snap: Snapshot, settings: Settings) -> set[tuple[str, int | None, str]]:
    checked = {name: snap[name] for name in ("Channels", "Queue", "Program")}
    return {
        p.place for p in validate_snapshot(checked, settings.tz, settings.organisation.day_first)
    }


@pytest.mark.parametrize("case", list(MISTAKES))
def test_validate_and_check_cadence_name_the_same_cell(case: str, tmp_path: Path) -> None:
    place, tab, row = MISTAKES[case]
    settings = settings_for(tmp_path)
    snap = sheet(**{tab: [row]})
    by_job = {p.place for p in cadence.cell_problems(snap, NOW, settings)}
    assert by_job == named_by_validate(snap, settings) == {place}


def test_every_mistake_at_once_is_named_alike_by_validate_the_cadence_and_the_brief(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    queue = [
        item("Q-1", "Aproved"),
        item("Q-2", "Scheduled", "31/11/2026 09:00"),
        item("Q-3", "Scheduled"),
        item("Q-4", "Approved", created="20/13/2026"),
        item("Q-5", "Scheduled", "2026-12-02 09:30", channels="Linkedn"),
        item("Q-6", "Scheduled", "2026-12-01 09:30"),  # fine: fills a slot
    ]
    program = [
        {"setting": "Crisis Mode", "value": "Onn"},
        {"setting": "Policy Version", "value": "2.1"},
    ]
    channels = [CHANNEL, {**CHANNEL, "channel": "X", "post_window": "morning"}]
    snap = sheet(Queue=queue, Program=program, Channels=channels)

    by_validate = named_by_validate(snap, settings)
    by_cadence = {p.place for p in cadence.cell_problems(snap, NOW, settings)}
    assert (
        by_cadence
        == by_validate
        == {
            ("Queue", 2, "Status"),
            ("Queue", 3, "Scheduled For"),
            ("Queue", 4, "Scheduled For"),
            ("Queue", 5, "Created"),
            ("Queue", 6, "Channels"),
            ("Program", 2, "Value"),
            ("Channels", 3, "Post Window"),
        }
    )
    plan = cadence.plan(snap, NOW, settings)
    assert len(plan.report.problems) == 7
    context, _ = brief.brief_context(snap, NOW, settings)
    assert [p["line"] for p in context["problems"]] == list(plan.report.problems)


def test_crisis_mode_onn_is_read_as_on_and_named_with_its_fix() -> None:
    state = crisis_state(sheet(Program=[{"setting": "Crisis Mode", "value": "Onn"}]))
    (problem,) = state.problems
    assert (state.active, state.pending) == (True, "start")
    assert problem.line() == (
        "tab 'Program', row 2, column 'Value': 'Onn' is not On or Off for Crisis Mode; "
        "Chorus reads it as On (a crisis: posts stay held) until it is fixed; "
        "write On or Off in the Value cell"
    )


def test_a_mistyped_off_keeps_an_open_crisis_on_until_it_is_fixed() -> None:
    crises = [{"id": "C-001", "started": "2026-11-29 14:00", "notes": "Chorus held 2 items"}]
    typo = crisis_state(sheet(Crises=crises, Program=[{"setting": "Crisis Mode", "value": "Of"}]))
    fixed = crisis_state(sheet(Crises=crises, Program=[{"setting": "Crisis Mode", "value": "Off"}]))
    assert (typo.active, typo.pending, len(typo.problems)) == (True, "", 1)
    assert (fixed.active, fixed.pending, fixed.problems) == (False, "end", ())


def test_validate_names_an_unknown_setting_and_a_bad_value_but_not_chorus_records(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    program = [
        {"setting": "Crisis Mode", "value": "on"},
        {"setting": "Crisis Mod", "value": "On"},
        {"setting": "Policy Version", "value": "2.1"},
        {"setting": "Policy Digest 2026-10", "value": '{"versions": {}}'},
        {"setting": "crisis mode", "value": "maybe"},
    ]
    problems = validate_snapshot({"Program": sheet(Program=program)["Program"]}, settings.tz)
    assert [(p.row, p.column, p.value, p.fix) for p in problems] == [
        (3, "Setting", "Crisis Mod", "spell it as one of Crisis Mode, Policy Version"),
        (6, "Value", "maybe", "write On or Off in the Value cell"),
    ]


def test_every_job_that_reads_the_crisis_switch_reports_onn(tmp_path: Path) -> None:
    from jobs import ingest_alerts, ingest_inbox, sync_forms
    from jobs.crisis import command
    from sheets_schema.tabs import TABS

    settings = settings_for(tmp_path)
    tabs = {name: frame_from_rows(name, []) for name in TABS}
    tabs["Program"] = frame_from_rows("Program", [{"setting": "Crisis Mode", "value": "Onn"}])
    snap = Snapshot(tabs)
    expected = (
        "tab 'Program', row 2, column 'Value': 'Onn' is not On or Off for Crisis Mode; "
        "Chorus reads it as On (a crisis: posts stay held) until it is fixed; "
        "write On or Off in the Value cell"
    )
    plans = {
        "check-cadence": cadence.plan(snap, NOW, settings),
        "brief": brief.plan(snap, NOW, settings),
        "ingest-alerts": ingest_alerts.plan(snap, NOW, settings, None),
        "sync-forms": sync_forms.plan(snap, NOW, settings, None),
        "ingest-inbox": ingest_inbox.plan(snap, NOW, settings, None),
        "crisis watch": command.watch(snap, NOW, settings),
    }
    assert {job: expected in p.report.problems for job, p in plans.items()} == dict.fromkeys(
        plans, True
    )


def test_crisis_status_names_a_mistyped_switch_and_how_it_is_read(tmp_path: Path) -> None:
    snap = sheet(Program=[{"setting": "Crisis Mode", "value": "Onn"}], People=[], Mentions=[])
    lines = status_lines(snap, NOW, settings_for(tmp_path))
    switch = lines.index("Program tab: Crisis Mode = Onn")
    assert lines[switch + 1].startswith(
        "  problem: tab 'Program', row 2, column 'Value': 'Onn' is not On or Off"
    )
    assert "Chorus reads it as On" in lines[switch + 1]
