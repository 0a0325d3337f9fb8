"""The `chorus` command through its real entry point (a subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from sheets_schema.tabs import TABS

CHORUS = str(Path(sys.executable).parent / "chorus")


def chorus(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHORUS, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def command_paths() -> list[tuple[str, ...]]:
    """Every command and subcommand of `chorus`, as the words you type."""
    import click

    from automation.cli import cli

    paths: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name, command in group.commands.items():
            paths.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(cli, ())
    return paths


def test_every_command_has_help_with_an_example() -> None:
    top = chorus("--help")
    assert top.returncode == 0
    assert "Exit codes" in top.stdout
    listing = top.stdout.split("Commands:")[1].split("\n\n")[0]
    listed = {line.split()[0] for line in listing.splitlines() if re.match(r"^  [a-z]", line)}
    paths = command_paths()
    assert listed == {p[0] for p in paths}
    assert {
        "init",
        "validate",
        "run",
        "demo",
        "doctor",
        "schedule",
        "cron",
        "status",
        "preview",
        "crisis",
    } <= listed
    for path in paths:
        result = chorus(*path, "--help")
        assert result.returncode == 0, path
        assert "Example" in result.stdout, f"`chorus {' '.join(path)} --help` has no example"


def test_init_writes_settings_and_a_workbook_that_validates(tmp_path: Path) -> None:
    result = chorus(
        "--config",
        str(tmp_path / "chorus.toml"),
        "init",
        "--name",
        "Acme",
        "--domain",
        "acme.example",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "chorus.toml").exists() and (tmp_path / "workbook.xlsx").exists()
    assert 'email_domains = ["acme.example"]' in (tmp_path / "chorus.toml").read_text()
    again = chorus("--config", str(tmp_path / "chorus.toml"), "init")
    assert "already has every tab" in again.stdout
    check = chorus("--config", str(tmp_path / "chorus.toml"), "validate")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("ok:")


def test_validate_names_a_word_typed_into_a_date_cell(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    chorus("--config", str(config), "init", "--domain", "example.org")
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    wb["Rota"].append(["next monday", "ada@example.org", "bob@example.org", ""])
    wb.save(tmp_path / "workbook.xlsx")
    result = chorus("--config", str(config), "validate")
    assert result.returncode == 1
    assert "Rota row 2, column 'Week Starting': 'next monday'" in result.stdout
    as_json = json.loads(chorus("--config", str(config), "validate", "--json").stdout)
    assert as_json["ok"] is False
    assert as_json["problems"][0] == {
        "tab": "Rota",
        "row": 2,
        "column": "Week Starting",
        "value": "next monday",
        "why": "'next monday' is not a date (write it as 2026-11-24)",
        "fix": "",
    }


def test_a_user_error_is_one_message_without_traceback_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    config.write_text(
        '[organisation]\nname = "X"\ntimezone = "Nowhere/Land"\nemail_domains = ["x.org"]\n'
    )
    result = chorus("--config", str(config), "validate")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "organisation.timezone" in result.stderr and "IANA" in result.stderr


def test_an_unknown_job_lists_the_jobs(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    chorus("--config", str(config), "init", "--domain", "example.org")
    result = chorus("--config", str(config), "run", "make-coffee")
    assert result.returncode == 2
    assert "no job called 'make-coffee'" in result.stderr


def test_a_bad_at_time_is_a_user_error(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    chorus("--config", str(config), "init", "--domain", "example.org")
    result = chorus("--config", str(config), "run", "sync-forms", "--at", "teatime")
    assert result.returncode == 2
    assert "--at 'teatime'" in result.stderr


@pytest.mark.slow
def test_the_demo_writes_a_program_that_validates_and_runs_every_job(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = chorus("demo", "--dir", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Greenfield Law" in result.stdout
    for path in (
        "chorus.toml",
        "workbook.xlsx",
        "forms/submissions.csv",
        "forms/acknowledgements.csv",
    ):
        assert (folder / path).exists(), path
    check = chorus("--config", str(folder / "chorus.toml"), "validate")
    assert check.returncode == 0, check.stdout
    wb = openpyxl.load_workbook(folder / "workbook.xlsx", read_only=True)
    runs = list(wb["Runs"].iter_rows(min_row=2, values_only=True))
    jobs_run = {row[1] for row in runs if row[1]}
    import jobs

    assert jobs_run == set(jobs.available())
    assert all(row[4] in ("ok", "problems") for row in runs if row[1])
    queue = list(wb["Queue"].iter_rows(min_row=2, values_only=True))
    assert len([r for r in queue if r[0]]) >= 60


def workbook_with_queue(tmp_path: Path) -> Path:
    """`chorus init`, then three Queue items typed in as a coordinator would."""
    config = tmp_path / "chorus.toml"
    assert chorus("--config", str(config), "init", "--domain", "example.org").returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    queue = wb["Queue"]
    headers = [c.value for c in queue[1]]
    for n, status in enumerate(("Approved", "New", "Scheduled"), start=1):
        row = dict.fromkeys(headers, None)
        row.update({"ID": f"Q-{n}", "Source Kind": "Organisation", "Headline": f"Item {n}"})
        row["Status"] = status
        if status == "Scheduled":
            row["Scheduled For"] = "2026-11-26 09:30"
        queue.append([row[h] for h in headers])
    wb.save(tmp_path / "workbook.xlsx")
    return config


def queue_headers(tmp_path: Path) -> list[str]:
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx", read_only=True)
    try:
        return [str(c) for c in next(wb["Queue"].iter_rows(max_row=1, values_only=True)) if c]
    finally:
        wb.close()


def rename_header(tmp_path: Path, old: str, new: str, *, move_to_end: bool = False) -> None:
    """Rename a Queue header in the real file, and optionally cut the column to the end."""
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    queue = wb["Queue"]
    col = [c.value for c in queue[1]].index(old) + 1
    queue.cell(row=1, column=col, value=new)
    if move_to_end:
        cells = [queue.cell(row=r, column=col).value for r in range(1, queue.max_row + 1)]
        end = queue.max_column + 1
        for r, value in enumerate(cells, start=1):
            queue.cell(row=r, column=end, value=value)
        queue.delete_cols(col)
    wb.save(tmp_path / "workbook.xlsx")


def test_init_does_not_add_a_second_status_beside_a_renamed_one(tmp_path: Path) -> None:
    config = workbook_with_queue(tmp_path)
    rename_header(tmp_path, "Status", "State")
    before = queue_headers(tmp_path)
    result = chorus("--config", str(config), "init")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "column J is headed 'State', which looks like 'Status' renamed" in result.stderr
    assert "rename 'State' back to 'Status' in tab Queue, column J" in result.stderr
    assert queue_headers(tmp_path) == before  # no empty Status column added
    rename_header(tmp_path, "State", "Status")
    again = chorus("--config", str(config), "init")
    assert again.returncode == 0 and "already has every tab and column" in again.stdout
    assert chorus("--config", str(config), "validate").returncode == 0


def test_every_job_reading_a_renamed_column_stops_with_the_rename_to_undo(tmp_path: Path) -> None:
    config = workbook_with_queue(tmp_path)
    rename_header(tmp_path, "Status", "State")
    for job in ("check-cadence", "brief"):
        result = chorus("--config", str(config), "run", job, "--at", "2026-11-24T08:30")
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "tab 'Queue', column 'Status': column 'Status' is missing" in result.stderr
        assert "rename 'State' back to 'Status' in tab Queue, column J" in result.stderr
    doctor = chorus("--config", str(config), "doctor")
    assert doctor.returncode == 1
    assert "fail  tab Queue: column J is headed 'State'" in doctor.stdout
    assert "fix: rename 'State' back to 'Status' in tab Queue, column J" in doctor.stdout
    assert "run `chorus init`" not in doctor.stdout


def test_a_renamed_column_moved_to_the_end_is_known_by_its_values(tmp_path: Path) -> None:
    config = workbook_with_queue(tmp_path)
    rename_header(tmp_path, "Status", "Stage", move_to_end=True)
    before = queue_headers(tmp_path)
    assert before[-1] == "Stage" and "Status" not in before
    result = chorus("--config", str(config), "init")
    assert result.returncode == 2
    letter = openpyxl.utils.get_column_letter(len(before))
    assert f"column {letter} is headed 'Stage', which looks like 'Status' renamed" in result.stderr
    assert "(only values 'Status' allows)" in result.stderr
    assert queue_headers(tmp_path) == before


def test_init_still_adds_a_column_the_schema_gained_beside_one_people_added(
    tmp_path: Path,
) -> None:
    config = workbook_with_queue(tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    queue = wb["Queue"]
    last = queue.max_column
    queue.cell(row=1, column=last, value="My notes")  # the schema's last column, as if older
    for r in range(2, queue.max_row + 1):
        queue.cell(row=r, column=last, value="call Ana")
    wb.save(tmp_path / "workbook.xlsx")
    missing = TABS["Queue"].headers[-1]
    result = chorus("--config", str(config), "init")
    assert result.returncode == 0, result.stderr
    assert f"Queue!{missing}" in result.stdout
    assert queue_headers(tmp_path)[-2:] == ["My notes", missing]


def test_an_optional_column_renamed_is_not_read_as_blank(tmp_path: Path) -> None:
    config = workbook_with_queue(tmp_path)
    rename_header(tmp_path, "Scheduled For", "Scheduled")
    result = chorus("--config", str(config), "run", "check-cadence", "--at", "2026-11-24T08:30")
    assert result.returncode == 2
    assert "column K is headed 'Scheduled', which looks like 'Scheduled For' renamed" in (
        result.stderr
    )
    assert "rename 'Scheduled' back to 'Scheduled For' in tab Queue, column K" in result.stderr
