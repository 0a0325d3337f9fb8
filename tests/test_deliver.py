"""Every message that is due is delivered: the scheduler's deliver step sends what waits over the
per-run cap and the daily allowance, each once, until the period's mail is complete; what its job
no longer plans expires; `chorus status` shows what waits. Small numbers stand in for 10,000."""

from __future__ import annotations

import json
import mailbox
import math
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from automation.config import load_settings
from automation.mail.waiting import mail_json, mail_lines, waiting_mail
from automation.runner import run_job
from automation.schedule.deliver import delivery
from automation.schedule.service import serve
from automation.schedule.status import job_status
from automation.setup import init_workspace
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace, build_workspace
from sheets_schema.records import Append, Changes
from sheets_schema.settings import DEFAULT_SCHEDULE, Settings
from tests.conftest import TZ, make_settings, memory_workspace
from tests.test_kill_and_rerun import AT, build_program
from tests.test_scheduler import FakeClock

CHORUS = str(Path(sys.executable).parent / "chorus")
POLICY = {
    "id": "P-01",
    "kind": "Policy",
    "title": "Social media policy",
    "text": "Speak for yourself.",
    "version": "2.1",
    "effective": "2026-10-20",
    "last_reviewed": "2026-10-20",
    "owner": "person000@example.org",
    "status": "Current",
}


def people(count: int, roles: str = "Staff") -> list[dict[str, str]]:
    return [
        {
            "name": f"Person {n:03d}",
            "email": f"person{n:03d}@example.org",
            "team": f"Team {n % 7}",
            "roles": roles,
            "active": "Yes",
        }
        for n in range(count)
    ]


def only(*jobs: str, **mail: object) -> dict[str, dict[str, object]]:
    """Settings sections: every scheduled job off but `jobs` and the deliver step."""
    schedule: dict[str, object] = {job: "off" for job in DEFAULT_SCHEDULE}
    schedule.update({job: DEFAULT_SCHEDULE[job] for job in (*jobs, "deliver")})
    return {"schedule": schedule, "mail": dict(mail)}


def outbox_ids(tmp_path: Path) -> list[str]:
    box = mailbox.Maildir(tmp_path / "outbox", create=True)
    return ["".join(str(box[key]["Message-ID"]).split()) for key in box.keys()]


def sent(ws: Workspace) -> list[dict[str, str]]:
    return [dict(row) for _, row in ws.store.read(["Sent"])["Sent"].iterrows()]


def serve_days(ws: Workspace, first: datetime, days: int) -> list[tuple[str, dict[str, int]]]:
    """`chorus schedule` from 07:00 to 19:00 on each of `days` days from `first`; after each
    day, the date and the mail waiting by job."""
    after_each: list[tuple[str, dict[str, int]]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        clock = FakeClock(day.replace(hour=7, minute=0))
        serve(ws, clock=clock, sleep=clock.sleep, handle_signals=False, until=day.replace(hour=19))
        after_each.append((f"{day:%a %d}", waiting_mail(ws.store.read(["Sent"])["Sent"])))
    return after_each


def sent_per_day(ws: Workspace) -> dict[str, int]:
    return dict(Counter(row["sent_at"][:10] for row in sent(ws) if row["status"] == "Sent"))


def test_every_policy_digest_of_the_month_goes_out_within_the_days_the_allowance_needs(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, **only("policy-digest", max_per_run=50, daily_allowance=120))
    ws = memory_workspace(settings, {"People": people(300), "Policies": [POLICY]})
    first = datetime(2026, 12, 1, tzinfo=TZ)  # Tuesday, the first working day of December

    waiting = serve_days(ws, first, 5)

    # 300 digests at 120 a day: three working days, the waiting mail shrinking to none.
    assert math.ceil(300 / 120) == 3
    assert waiting == [
        ("Tue 01", {"policy-digest": 180}),
        ("Wed 02", {"policy-digest": 60}),
        ("Thu 03", {}),
        ("Fri 04", {}),
        ("Sat 05", {}),
    ]
    assert sent_per_day(ws) == {"2026-12-01": 120, "2026-12-02": 120, "2026-12-03": 60}
    ids = outbox_ids(tmp_path)
    assert len(ids) == 300 and len(set(ids)) == 300  # each Message-ID exactly once
    rows = sent(ws)
    assert len(rows) == 300 and {row["status"] for row in rows} == {"Sent"}
    assert sorted(f"<{row['message_id'].strip('<>')}>" for row in rows) == sorted(ids)


def test_status_shows_the_waiting_digests_with_their_period_and_next_delivery(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, **only("policy-digest", max_per_run=50, daily_allowance=120))
    ws = memory_workspace(settings, {"People": people(300), "Policies": [POLICY]})
    first_run = datetime(2026, 12, 1, 10, 0, tzinfo=TZ)
    run_job(ws, "policy-digest", first_run)
    frame = ws.store.read(["Sent"])["Sent"]

    assert mail_lines(frame, settings, first_run) == [
        "mail waiting: policy-digest: 250 message(s) of 2026-12 wait; next delivery Tue 01 Dec 10:15"
    ]
    # Once today's allowance is used up, the next delivery is tomorrow's first.
    for hour in (10, 11):
        delivery(ws, first_run.replace(hour=hour, minute=15))
    frame = ws.store.read(["Sent"])["Sent"]
    noon = first_run.replace(hour=12)
    assert mail_lines(frame, settings, noon) == [
        "mail waiting: policy-digest: 180 message(s) of 2026-12 wait; next delivery Wed 02 Dec 08:15"
    ]
    assert mail_json(frame, settings, noon)["mail_waiting_by_period"] == [
        {
            "job": "policy-digest",
            "period": "2026-12",
            "messages": 180,
            "next_delivery": "2026-12-02T08:15:00+00:00",
        }
    ]


def test_every_weekly_summary_goes_out_within_its_week(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **only("weekly-summary", max_per_run=10, daily_allowance=25))
    ws = memory_workspace(settings, {"People": people(60, roles="Manager")})
    monday = datetime(2026, 12, 7, tzinfo=TZ)

    waiting = serve_days(ws, monday, 5)

    assert math.ceil(60 / 25) == 3
    assert waiting == [
        ("Mon 07", {"weekly-summary": 35}),
        ("Tue 08", {"weekly-summary": 10}),
        ("Wed 09", {}),
        ("Thu 10", {}),
        ("Fri 11", {}),
    ]
    ids = outbox_ids(tmp_path)
    assert len(ids) == 60 and len(set(ids)) == 60
    rows = sent(ws)
    assert {row["period"] for row in rows} == {"2026-W49"}  # the week that ended, all week long
    assert {row["status"] for row in rows} == {"Sent"}


def test_summaries_its_week_could_not_send_expire_when_the_next_week_begins(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, mail={"max_per_run": 2})
    ws = memory_workspace(settings, {"People": people(6, roles="Manager")})
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    run_job(ws, "weekly-summary", monday)
    held = {row["message_id"] for row in sent(ws) if row["status"] == "Deferred"}
    assert len(held) == 4

    next_week = run_job(ws, "weekly-summary", monday + timedelta(days=7))

    assert next_week.counts["expired"] == 4 and next_week.outcome == "problems"
    assert next_week.problems[0].startswith(
        "mail: 4 weekly-summary message(s) of 2026-W49 expired, never sent: weekly-summary no "
        "longer plans them"
    )
    assert "4 problems" not in next_week.summary() and "expired 4" in next_week.summary()
    rows = {row["message_id"]: row["status"] for row in sent(ws)}
    assert {rows[m] for m in held} == {"Expired"}
    assert not held & {f"<{m.strip('<>')}>" for m in outbox_ids(tmp_path)}
    frame = ws.store.read(["Sent"])["Sent"]
    assert mail_lines(frame, settings, monday + timedelta(days=7, hours=1)) == [
        "mail waiting: weekly-summary: 4 message(s) of 2026-W50 wait; next delivery Mon 14 Dec 09:15",
        "mail expired: weekly-summary: 4 message(s) of 2026-W49 never sent (Sent tab, Status Expired)",
    ]
    # The coordinator's brief lists them, with the fix.
    brief = run_job(ws, "brief", monday + timedelta(days=7, minutes=30), dry_run=True)
    assert (
        "tab 'Sent', column 'Status': 4 weekly-summary message(s) of 2026-W49 were never sent: "
        "their period passed while they waited over mail.daily_allowance or mail.max_per_run; "
        "raise those limits in chorus.toml so a period's mail fits in its days; delete these "
        "Expired rows once seen"
    ) in brief.problems
    # Expired rows wait no more: deliver finishes the new week, never the old one.
    done = delivery(ws, monday + timedelta(days=7, hours=1, minutes=15))
    assert [r.job for r in done.results] == ["weekly-summary"]
    assert done.results[0].counts == {"summaries": 6, "sent": 2, "already_sent": 2, "held": 2}
    assert "expired" not in done.results[0].counts
    assert {rows[m] for m in held} == {"Expired"}


def test_a_run_at_an_earlier_week_leaves_this_weeks_held_summaries_waiting(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, mail={"max_per_run": 2})
    ws = memory_workspace(settings, {"People": people(6, roles="Manager")})
    monday = datetime(2026, 12, 14, 8, 0, tzinfo=TZ)
    run_job(ws, "weekly-summary", monday)
    held = {row["message_id"] for row in sent(ws) if row["status"] == "Deferred"}
    assert len(held) == 4

    # Someone re-runs last week's summary by hand (`chorus run weekly-summary --at ...`).
    past = run_job(ws, "weekly-summary", monday - timedelta(days=7))

    assert "expired" not in past.counts
    rows = {row["message_id"]: row for row in sent(ws)}
    assert {rows[m]["status"] for m in held} == {"Deferred"}
    assert {rows[m]["period"] for m in held} == {"2026-W50"}


def test_a_deliver_with_nothing_waiting_reads_the_sent_tab_once_and_writes_nothing(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    ws = memory_workspace(settings, {"People": people(3, roles="Manager")})
    run_job(ws, "weekly-summary", datetime(2026, 12, 7, 8, 0, tzinfo=TZ))
    before = ws.store.read(["Sent", "Runs"])
    calls = ws.store.calls

    done = delivery(ws, datetime(2026, 12, 7, 9, 15, tzinfo=TZ))

    assert ws.store.calls - calls == 1
    assert done.results == [] and done.summary() == "no mail waiting" and done.outcome == "ok"
    after = ws.store.read(["Sent", "Runs"])
    assert after["Sent"].equals(before["Sent"]) and after["Runs"].equals(before["Runs"])


def test_a_deliver_after_the_days_allowance_is_used_runs_no_job(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, mail={"max_per_run": 2, "daily_allowance": 2})
    ws = memory_workspace(settings, {"People": people(5, roles="Manager")})
    monday = datetime(2026, 12, 7, 8, 0, tzinfo=TZ)
    run_job(ws, "weekly-summary", monday)
    runs = len(ws.store.read(["Runs"])["Runs"])
    calls = ws.store.calls

    done = delivery(ws, monday.replace(hour=9, minute=15))

    assert done.results == [] and ws.store.calls - calls == 1
    assert done.summary() == (
        "3 message(s) wait: the daily allowance of 2 (mail.daily_allowance) is used up today; "
        "they go from tomorrow"
    )
    assert len(ws.store.read(["Runs"])["Runs"]) == runs
    tomorrow = delivery(ws, monday + timedelta(days=1, hours=1, minutes=15))
    assert tomorrow.results[0].counts["sent"] == 2


def test_the_deliver_step_is_never_overdue_and_not_listed_as_a_job(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path)
    ws = memory_workspace(settings, {"People": people(2, roles="Manager")})
    for day in range(3):
        run_job(ws, "brief", datetime(2026, 12, 7 + day, 8, 30, tzinfo=TZ))
    report = job_status(
        ws.store.read(["Runs"])["Runs"], settings, datetime(2026, 12, 9, 17, 0, tzinfo=TZ)
    )
    assert "deliver" in settings.schedule
    assert "deliver" not in [j.job for j in report.jobs]
    assert "deliver" not in [j.job for j in report.overdue]


# -- a job run again later in its period names the same messages ------------------------------

#: each mailing job, and a later time in the same period than the demo's first run (Tue 1 Dec)
LATER_IN_THE_PERIOD = {
    "brief": timedelta(hours=6),  # the day
    "assign-mentions": timedelta(hours=6),  # while the mention waits
    "approval-requests": timedelta(hours=6),  # the day
    "thanks": timedelta(days=1),  # while the contribution is fresh
    "welcome": timedelta(days=1),  # while the starter is new
    "policy-digest": timedelta(days=2),  # the month: the third working day
    "share-digest": timedelta(days=3),  # the week, from Monday's digest time
    "weekly-summary": timedelta(days=3),  # the week that ended, all week long
}


@pytest.fixture(scope="module")
def demo_program(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo program after the jobs that fill the tabs the mailing jobs read."""
    config = build_program(tmp_path_factory.mktemp("demo") / "program")
    ws = build_workspace(load_settings(config))
    for job in ("sync-forms", "ingest-alerts", "ingest-inbox", "check-cadence"):
        run_job(ws, job, AT)
    return ws


@pytest.mark.parametrize("job", list(LATER_IN_THE_PERIOD))
def test_a_mailing_job_run_again_later_in_its_period_plans_the_same_messages(
    demo_program: Workspace, job: str
) -> None:
    def planned(at: datetime) -> set[str]:
        plan = run_job(demo_program, job, at, dry_run=True).plan
        assert plan is not None
        return {m.message_id(demo_program.settings.sender_domain) for m in plan.messages}

    first = planned(AT)
    assert first  # the demo gives every mailing job someone to mail
    assert first <= planned(AT + LATER_IN_THE_PERIOD[job])


# -- through the chorus command ----------------------------------------------------------------


def sent_row(job: str, period: str, n: int, status: str) -> dict[str, str]:
    return {
        "message_id": f"<chorus.{job}.{period}.{n}@example.org>",
        "job": job,
        "period": period,
        "recipient": f"person{n:03d}@example.org",
        "subject": "Subject",
        "status": status,
    }


def test_chorus_status_lists_waiting_and_expired_mail_and_no_deliver_job(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    rows = [sent_row("policy-digest", "2026-12", n, "Deferred") for n in range(3)]
    rows.append(sent_row("weekly-summary", "2026-W48", 9, "Expired"))
    XlsxStore(tmp_path / "workbook.xlsx").apply(
        Changes(appends=tuple(Append("Sent", r) for r in rows))
    )
    args = [CHORUS, "--config", str(config), "status", "--at", "2026-12-01T12:00"]

    text = subprocess.run(args, capture_output=True, text=True, timeout=60)
    as_json = json.loads(
        subprocess.run([*args, "--json"], capture_output=True, text=True, timeout=60).stdout
    )

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[-2:] == [
        "mail waiting: policy-digest: 3 message(s) of 2026-12 wait; next delivery Tue 01 Dec 12:15",
        "mail expired: weekly-summary: 1 message(s) of 2026-W48 never sent (Sent tab, Status Expired)",
    ]
    assert not any(line.startswith("deliver") for line in lines)
    assert as_json["mail_waiting"] == {"policy-digest": 3}
    assert as_json["mail_waiting_by_period"] == [
        {
            "job": "policy-digest",
            "period": "2026-12",
            "messages": 3,
            "next_delivery": "2026-12-01T12:15:00+00:00",
        }
    ]
    assert as_json["mail_expired"] == [
        {"job": "weekly-summary", "period": "2026-W48", "messages": 1}
    ]
    assert as_json["ok"] is True and "deliver" not in [j["job"] for j in as_json["jobs"]]


def test_chorus_deliver_with_nothing_waiting_leaves_the_workbook_as_it_was(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    init_workspace(config, domains=("example.org",))
    workbook = tmp_path / "workbook.xlsx"
    before = workbook.read_bytes()

    args = [CHORUS, "--config", str(config), "deliver", "--at", "2026-12-01T12:15"]
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout == "deliver: no mail waiting\n"
    assert workbook.read_bytes() == before


def test_deliver_says_when_waiting_mail_belongs_to_a_command_it_cannot_run(tmp_path: Path) -> None:
    ws = memory_workspace(make_settings(tmp_path), {"People": people(2)})
    ws.store.apply(Changes(appends=(Append("Sent", sent_row("crisis", "C-1", 1, "Deferred")),)))

    done = delivery(ws, datetime(2026, 12, 7, 9, 15, tzinfo=TZ))

    assert done.results == [] and done.outcome == "ok"
    assert done.summary() == "1 crisis message(s) wait for the command that made them to run again"
