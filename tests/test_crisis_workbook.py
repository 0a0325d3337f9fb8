"""Crisis mode end to end over the demo workbook: start, the held week, the emails, the stand-down."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from automation.cli import cli
from automation.config import load_settings
from automation.crisis import crisis_status, end_crisis, start_crisis
from automation.demo import demo_config_toml, demo_rows, write_inputs
from automation.demo.storm import demo_storm
from automation.runner import run_job
from automation.workspace import Workspace, build_workspace
from jobs.crisis import duty_at
from jobs.crisis.audience import crisis_team
from jobs.crisis.command import TABS, watch
from sheets_schema.records import Append, Changes, Update
from sheets_schema.values import parse_datetime, parse_yes_no, split_multi
from tests.conftest import TZ

TODAY = date(2026, 11, 24)  # a Tuesday
START = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)
STATEMENT = "We know about the misdirected emails and are contacting everyone affected."


def demo_workspace(folder: Path) -> Workspace:
    config = folder / "chorus.toml"
    config.write_text(demo_config_toml(folder), encoding="utf-8")
    workspace = build_workspace(load_settings(config))
    workspace.store.ensure_tabs()
    rows = demo_rows(TODAY)
    workspace.store.apply(
        Changes(
            appends=tuple(Append(tab, row) for tab, tab_rows in rows.items() for row in tab_rows)
        )
    )
    return workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return demo_workspace(tmp_path)


def outbox(workspace: Workspace) -> list[dict[str, str]]:
    """Every message in the Maildir outbox: Message-ID, recipient address, subject, text."""
    folder = workspace.settings.mail.outbox
    assert folder is not None
    found = []
    for name in sorted(os.listdir(folder / "new")):
        msg = BytesParser(policy=policy.default).parsebytes((folder / "new" / name).read_bytes())
        found.append(
            {
                "id": str(msg["Message-ID"]).strip(),
                "to": msg["To"].addresses[0].addr_spec,
                "subject": str(msg["Subject"]),
                "text": msg.get_body(preferencelist=("plain",)).get_content(),
            }
        )
    return found


def recipients(messages: list[dict[str, str]], prefix: str) -> set[str]:
    return {m["to"] for m in messages if m["id"].startswith(prefix)}


def records(workspace: Workspace, tab: str) -> list[dict[str, str]]:
    return workspace.store.read((tab,))[tab].to_dict("records")


def test_a_crisis_over_the_demo_workbook_holds_the_week_tells_everyone_and_restores_it_all(
    workspace,
):
    settings = workspace.settings
    before = records(workspace, "Queue")
    first = workspace.store.read(("People", "Rota", "Absences"))
    duty = duty_at(first, START, settings)
    team = set(crisis_team(duty, first["People"]))
    domain = settings.organisation.email_domains[0]
    staff = {
        p["email"]
        for p in first["People"].to_dict("records")
        if "Staff" in split_multi(p["roles"])
        and parse_yes_no(p["active"])
        and p["email"].endswith(domain)
    }
    due = {
        q["id"]
        for q in before
        if q["status"] == "Scheduled"
        and START <= parse_datetime(q["scheduled_for"], TZ) <= START + timedelta(days=7)
    }
    assert len(due) >= 3  # the demo has a busy week ahead

    started = start_crisis(
        workspace,
        START,
        reason="Misdirected client emails",
        statement=STATEMENT,
        declared_by=duty.coordinator,
    )
    assert started.counts["held"] == len(due)

    held = {q["id"]: q for q in records(workspace, "Queue") if q["status"] == "On hold"}
    assert set(held) == due
    assert {q["held_from"] for q in held.values()} == {"Scheduled"}
    (row,) = records(workspace, "Crises")
    assert (row["id"], row["started"], row["ended"], row["declared_by"], row["reason"]) == (
        "C-001",
        "2026-11-24 10:00",
        "",
        duty.coordinator,
        "Misdirected client emails",
    )
    assert row["holding_statement"] == STATEMENT
    program = {p["setting"]: p["value"] for p in records(workspace, "Program")}
    assert program["Crisis Mode"] == "On"

    # check-cadence shows the held items' slots as Held and suggests nothing.
    run_job(workspace, "check-cadence", START + timedelta(minutes=5))
    cadence = records(workspace, "Cadence")
    assert {c["queue_id"] for c in cadence if c["status"] == "Held"} == due
    assert not [c for c in cadence if c["status"] == "Suggested"]

    # The brief goes to the coordinator, the backup and the managers, the crisis first.
    run_job(workspace, "brief", START + timedelta(minutes=10))
    mail = outbox(workspace)
    briefs = [m for m in mail if m["id"].startswith("<chorus.brief.")]
    assert {m["to"] for m in briefs} == team
    assert all(m["text"].startswith("CRISIS BRIEF") for m in briefs)
    assert recipients(mail, "<chorus.crisis.declared.C-001.") == team
    assert recipients(mail, "<chorus.crisis.staff.C-001.") == staff
    staff_mail = next(m for m in mail if m["id"].startswith("<chorus.crisis.staff."))
    assert STATEMENT in staff_mail["text"]
    assert "send the link to the social media coordinator instead of replying" in staff_mail["text"]

    # Standing down within the hour: every item is back exactly as it was.
    ended = end_crisis(workspace, START + timedelta(hours=1))
    assert (ended.counts["restored"], ended.counts.get("overdue", 0)) == (len(due), 0)
    assert records(workspace, "Queue") == before
    (row,) = records(workspace, "Crises")
    assert row["ended"] == "2026-11-24 11:00"
    assert row["notes"].endswith(
        f"Chorus stood down at 2026-11-24 11:00: restored {len(due)} item(s)."
    )
    assert {p["setting"]: p["value"] for p in records(workspace, "Program")}["Crisis Mode"] == "Off"

    mail = outbox(workspace)
    all_clear = recipients(mail, "<chorus.crisis.all-clear.C-001.")
    assert all_clear == team | staff
    runs = [r for r in records(workspace, "Runs") if r["job"] == "crisis"]
    # "problems": one Staff member has an address outside the domains and is not mailed.
    assert [r["outcome"] for r in runs] == ["problems", "ok"]

    # Ending again is refused; the status says it is over.
    with pytest.raises(Exception, match="no crisis is open"):
        end_crisis(workspace, START + timedelta(hours=2))
    assert crisis_status(workspace, START + timedelta(hours=2))[:2] == [
        "No crisis is open.",
        "  last: C-001 from 2026-11-24 10:00 to 2026-11-24 11:00 (Misdirected client emails)",
    ]


def test_two_runs_that_read_the_same_sheet_hold_each_item_once_and_a_persons_change_wins(
    workspace,
):
    settings = workspace.settings
    workspace.store.apply(Changes(updates=(Update("Program", ("Crisis Mode",), {"value": "On"}),)))
    tabs = (*TABS, "People", "Sent")
    snapshot = workspace.store.read(tabs)
    one = watch(snapshot, START, settings)
    two = watch(snapshot, START, settings)  # a second run that read the same sheet
    held = [u.key[0] for u in one.changes.updates if u.tab == "Queue"]
    # Meanwhile the coordinator publishes the first item by hand.
    workspace.store.apply(Changes(updates=(Update("Queue", (held[0],), {"status": "Published"}),)))
    first = workspace.store.apply(one.changes)
    second = workspace.store.apply(two.changes)
    assert first.updated["Queue"] == len(held) - 1
    assert "Queue" not in second.updated  # nothing held twice
    assert any("a row with key C-001 already exists" in s for s in second.skipped)
    queue = {q["id"]: q for q in records(workspace, "Queue")}
    assert (queue[held[0]]["status"], queue[held[0]]["held_from"]) == ("Published", "")
    assert [queue[i]["held_from"] for i in held[1:]] == ["Scheduled"] * (len(held) - 1)
    assert len(records(workspace, "Crises")) == 1


def test_the_crisis_commands_from_the_terminal(workspace):
    config = str(workspace.settings.path)
    runner = CliRunner()
    started = runner.invoke(
        cli,
        ["--config", config, "crisis", "start", "--reason", "Outage", "--at", "2026-11-24T10:00"],
    )
    # No holding statement yet: it worked, and it says staff are not told (exit 1: a problem).
    assert started.exit_code == 1, started.output
    assert "Crisis C-001 started: Outage" in started.output
    assert "staff are not told yet" in started.output
    status = runner.invoke(
        cli, ["--config", config, "crisis", "status", "--at", "2026-11-24T10:30"]
    )
    assert "Crisis C-001 is open since 2026-11-24 10:00, 30 minutes ago: Outage" in status.output
    again = runner.invoke(
        cli, ["--config", config, "crisis", "start", "--reason", "x", "--at", "2026-11-24T10:40"]
    )
    assert again.exit_code == 2 and "crisis C-001 is already open" in again.output
    ended = runner.invoke(cli, ["--config", config, "crisis", "end", "--at", "2026-11-24T11:00"])
    assert ended.exit_code == 0, ended.output
    assert "Crisis C-001 stood down" in ended.output
    for command in ("start", "end", "status"):
        help_text = runner.invoke(cli, ["crisis", command, "--help"]).output
        assert "Example" in help_text and "chorus crisis" in help_text


def test_the_demo_storm_alerts_once_declares_holds_and_stands_down(tmp_path):
    workspace = demo_workspace(tmp_path)
    write_inputs(tmp_path, TODAY)
    lines = list(demo_storm(workspace, datetime(2026, 11, 24, 8, 45, tzinfo=TZ)))
    text = "\n".join(lines)
    assert "Storm warning (episode 2026-11-24T06:00)" in text
    assert "its alert was sent already" in text
    assert "Crisis C-001 started" in text
    assert "Crisis mode is on: items on hold are marked Held" in text
    assert "Crisis C-001 stood down" in text
    topics = lines[-2]
    assert topics.startswith("Crisis emails in the outbox: 1 alert, ")
    assert "all-clear" in topics and "staff" in topics and "declared" in topics


@pytest.mark.slow
def test_chorus_demo_crisis_runs_the_program_through_a_storm(tmp_path):
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(tmp_path / "demo"), "--crisis", "--at", "2026-11-24T08:45"]
    )
    assert "Crisis drill" in result.output
    assert "Crisis C-001 stood down" in result.output
    assert "Crisis emails in the outbox: 1 alert" in result.output
