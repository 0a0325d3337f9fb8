"""Mailing jobs at scale: a chart is drawn once per run whoever gets it, and what the per-run
cap holds back is neither composed nor looked up in the transport's record."""

from __future__ import annotations

import email
import mailbox
import threading
from email import policy
from email.message import EmailMessage
from pathlib import Path

from automation.mail.chart_files import chart_png
from automation.mail.charts import render_chart
from automation.mail.compose import message_parts
from automation.runner import run_job
from automation.share_key import state_folder
from automation.workspace import Workspace
from jobs import weekly_summary
from tests.conftest import make_settings, memory_workspace
from tests.test_weekly_summary import MONDAY, busy_week

MANAGERS = 5


def five_teams() -> dict[str, list[dict[str, str]]]:
    """The busy week of test_weekly_summary with five managers, each over a team of two."""
    week = busy_week()
    rows = {
        tab: [{k: v for k, v in row.items() if v != ""} for row in week[tab].to_dict("records")]
        for tab in ("Channels", "Queue", "Submissions", "Mentions", "Policies")
    }
    rows["People"] = []
    for team in range(MANAGERS):
        boss = f"boss{team}@example.org"
        rows["People"] += [
            {"name": f"Boss {team}", "email": boss, "team": f"Team {team}", "roles": "Manager"},
            {
                "name": f"Staff {team}",
                "email": f"staff{team}@example.org",
                "team": f"Team {team}",
                "roles": "Staff",
                "manager_email": boss,
            },
        ]
    return rows


def outbox(workspace: Workspace) -> list[EmailMessage]:
    """Every email the run left in the Maildir outbox."""
    box = mailbox.Maildir(workspace.settings.mail.outbox, create=False)
    found = []
    for key in box.keys():
        with box.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=policy.SMTP)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def test_one_summary_run_draws_each_distinct_chart_once_for_every_manager(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    workspace = memory_workspace(settings, five_teams())
    chart_png.cache_clear()
    render_chart.cache_clear()
    result = run_job(workspace, "weekly-summary", MONDAY)
    assert result.counts["sent"] == MANAGERS
    # two charts (posts per channel, the four weeks' trend), the same for everyone: drawn
    # twice, by a child process while this one wrote and rendered (chart_files.draw_ahead)
    assert render_chart.cache_info().misses == 0
    assert len(list((state_folder(settings) / "charts").glob("*.png"))) == 2
    charts = [message_parts(m)[2] for m in outbox(workspace)]
    assert len(charts) == MANAGERS
    assert all(set(c) == {"posts-per-channel", "last-four-weeks"} for c in charts)
    assert all(c == charts[0] for c in charts)  # byte for byte the same images
    planned = weekly_summary.plan(busy_week(), MONDAY, settings).messages[0].images
    drawn_here = {i.cid: render_chart(i.data) for i in planned if not isinstance(i.data, bytes)}
    assert {cid: data for cid, (data, _) in charts[0].items()} == drawn_here


def test_with_another_thread_running_the_run_draws_its_charts_itself(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    workspace = memory_workspace(settings, five_teams())
    chart_png.cache_clear()
    render_chart.cache_clear()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # a fork now could copy a lock it holds
    other.start()
    try:
        assert run_job(workspace, "weekly-summary", MONDAY).counts["sent"] == MANAGERS
    finally:
        stop.set()
        other.join()
    assert render_chart.cache_info().misses == 2
    charts = [message_parts(m)[2] for m in outbox(workspace)]
    assert all(c == charts[0] for c in charts) and len(charts[0]) == 2


def test_the_next_run_of_the_same_week_reads_the_charts_the_first_run_drew(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, mail={"max_per_run": 2})
    workspace = memory_workspace(settings, five_teams())
    chart_png.cache_clear()
    render_chart.cache_clear()
    assert run_job(workspace, "weekly-summary", MONDAY).counts["sent"] == 2
    kept = sorted(p.name for p in (state_folder(settings) / "charts").iterdir())
    assert len(kept) == 2 and all(name.endswith(".png") for name in kept)
    chart_png.cache_clear()  # the held summaries go out in a later process
    render_chart.cache_clear()
    assert run_job(workspace, "weekly-summary", MONDAY.replace(hour=9)).counts["sent"] == 2
    assert render_chart.cache_info().misses == 0  # nothing drawn: the kept PNGs were read
    charts = [message_parts(m)[2] for m in outbox(workspace)]
    assert len(charts) == 4
    assert all(c == charts[0] for c in charts)  # the same images as the first run's


def test_a_different_week_is_a_different_chart_and_is_drawn_anew(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    render_chart.cache_clear()
    this_week = weekly_summary.plan(busy_week(), MONDAY, settings).messages[0].images
    week_after = weekly_summary.plan(busy_week(), MONDAY.replace(day=30), settings)
    for image in (*this_week, *week_after.messages[0].images):
        assert not isinstance(image.data, bytes)
        render_chart(image.data)
    assert render_chart.cache_info().misses == 4  # four distinct charts, each drawn once
    for image in this_week:
        assert not isinstance(image.data, bytes)
        render_chart(image.data)
    assert render_chart.cache_info().misses == 4


def test_what_the_per_run_cap_holds_is_not_composed_and_goes_in_the_next_run(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, mail={"max_per_run": 2})
    workspace = memory_workspace(settings, five_teams())
    first = run_job(workspace, "weekly-summary", MONDAY)
    assert first.counts["sent"] == 2
    sent = workspace.store.read(["Sent"])["Sent"]
    assert sorted(sent["status"]) == ["Deferred"] * 3 + ["Sent"] * 2
    # held messages were never composed: the spool keeps no copy of any of them
    spool = settings.base_dir / "mail-spool"
    assert not spool.exists() or not any(spool.rglob("*.eml"))
    run_job(workspace, "weekly-summary", MONDAY.replace(hour=9))
    run_job(workspace, "weekly-summary", MONDAY.replace(hour=10))
    sent = workspace.store.read(["Sent"])["Sent"]
    assert list(sent["status"]) == ["Sent"] * MANAGERS
    recipients = sorted(m["To"].addresses[0].addr_spec for m in outbox(workspace))
    assert recipients == sorted(f"boss{t}@example.org" for t in range(MANAGERS))  # each once
