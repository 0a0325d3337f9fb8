"""The `chorus` command through its real entry point (a subprocess)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

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
