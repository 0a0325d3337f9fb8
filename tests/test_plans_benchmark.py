"""The mailing benchmarks at tiny sizes: the numbers they print are real and add up."""

from __future__ import annotations

import pytest

from benchmarks import mail_time, plans


def test_the_plan_benchmark_prints_every_mailing_job_with_its_messages_and_compose_cost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert plans.main(["--sizes", "60,120", "--compose", "--compose-max", "5"]) == 0
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("| ") and not line.startswith("| job")
    ]
    plan_rows = [cells for cells in rows if cells[1] in ("People", "Queue")]
    assert sorted(cells[0] for cells in plan_rows) == sorted(plans.JOBS)
    compose_rows = {(cells[0], cells[1]): cells for cells in rows if cells[1] in ("60", "120")}
    weekly = compose_rows[("weekly-summary", "120")]
    assert int(weekly[3]) == 5 and int(weekly[6]) == 2  # five composed, the two charts drawn once


def test_a_summary_run_on_the_twin_draws_two_charts_and_makes_three_gmail_calls_each() -> None:
    split = mail_time.measure("weekly-summary", 60)
    sent = int(split.summary.split("sent ")[1].split(",")[0])
    assert sent >= 2 and split.composed == sent
    assert split.charts_drawn == 2
    assert split.gmail_calls == 3 * sent  # the Sent-mailbox search, the draft, sending it
    assert 0 < split.twin < split.cpu
