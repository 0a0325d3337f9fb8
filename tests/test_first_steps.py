"""A newcomer's first steps: the demo, the README's examples, init, doctor and the About tab."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from sheets_schema.about import HEADER_ROW, HEADERS
from sheets_schema.tabs import TAB_ORDER, TABS

CHORUS = str(Path(sys.executable).parent / "chorus")
README = Path(__file__).resolve().parent.parent / "README.md"


def chorus(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CHORUS, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def readme_demo_commands() -> list[list[str]]:
    """The commands the README's "Try it" section gives for the demo, as words."""
    commands = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith(".venv/bin/chorus --config demo/chorus.toml"):
            commands.append(shlex.split(line)[1:])
    return commands


def test_the_readme_examples_carry_no_fixed_date() -> None:
    commands = readme_demo_commands()
    assert len(commands) >= 4
    assert not any(re.search(r"\d{4}-\d\d-\d\d", " ".join(c)) for c in commands)


@pytest.mark.slow
def test_every_readme_example_works_on_a_demo_made_today(tmp_path: Path) -> None:
    made = chorus("demo", "--dir", "demo", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"as of {date.today():%A %d %B %Y}" in made.stdout or "as of Monday" in made.stdout
    assert "problem(s)" not in made.stdout
    for words in readme_demo_commands():
        done = chorus(*words, cwd=tmp_path)
        assert done.returncode == 0, f"{' '.join(words)}:\n{done.stdout}{done.stderr}"
    status = chorus("--config", "demo/chorus.toml", "status", cwd=tmp_path)
    assert "OVERDUE" not in status.stdout and "\noverdue:" not in status.stdout
    brief = chorus("--config", "demo/chorus.toml", "run", "brief", "--dry-run", cwd=tmp_path)
    assert "On duty: nobody" not in brief.stdout
    assert "On duty: " in brief.stdout
    preview = chorus("--config", "demo/chorus.toml", "preview", "weekly-summary", cwd=tmp_path)
    assert sorted((tmp_path / "demo" / "preview").glob("*.html")), preview.stdout


def test_init_writes_every_section_commented_and_doctor_accepts_it(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    done = chorus("--config", str(config), "init", "--domain", "acme.example")
    assert done.returncode == 0, done.stderr
    text = config.read_text(encoding="utf-8")
    settings = tomllib.loads(text)
    from automation.config import KNOWN_SECTIONS

    for section in KNOWN_SECTIONS:
        assert f"[{section}" in text or f"# [{section}]" in text, section
    assert set(settings["forms"]) == {"submissions", "acknowledgements", "feedback"}
    assert "# [demo]" in text
    steps = done.stdout[done.stdout.index("Next steps:") :]
    assert [
        line[:4] for line in steps.splitlines() if line.startswith("  ") and line[2].isdigit()
    ] == [
        "  1.",
        "  2.",
        "  3.",
    ]
    doctor = chorus("--config", str(config), "doctor")
    assert doctor.returncode == 0, doctor.stdout
    assert "fail" not in doctor.stdout
    assert "not configured" not in doctor.stdout


def test_the_about_tab_is_a_table_with_a_row_per_tab(tmp_path: Path) -> None:
    config = tmp_path / "chorus.toml"
    assert chorus("--config", str(config), "init", "--domain", "acme.example").returncode == 0
    about = openpyxl.load_workbook(tmp_path / "workbook.xlsx")["About"]
    rows = [[c for c in row if c is not None] for row in about.iter_rows(values_only=True)]
    assert rows[HEADER_ROW - 1] == list(HEADERS)
    table = rows[HEADER_ROW : HEADER_ROW + len(TAB_ORDER)]
    assert [row[0] for row in table] == list(TAB_ORDER)
    queue = table[TAB_ORDER.index("Queue")]
    assert queue == ["Queue", TABS["Queue"].help, "ID", TABS["Queue"].written_by]
    assert not any("|" in str(cell) for row in rows for cell in row)
    workbook = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    assert [ws.title for ws in workbook.worksheets if ws.sheet_state == "hidden"] == ["State"]


def test_a_demo_without_its_clock_runs_on_the_real_clock_and_a_bad_clock_is_named(
    tmp_path: Path,
) -> None:
    config = tmp_path / "chorus.toml"
    assert chorus("--config", str(config), "init", "--domain", "acme.example").returncode == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[demo]\nclock = "teatime"\n', encoding="utf-8")
    done = chorus("--config", str(config), "status")
    assert done.returncode == 2
    assert "demo.clock" in done.stderr and "2026-12-01T08:45" in done.stderr


def test_an_older_workbook_gets_its_digest_memory_moved_out_of_program(tmp_path: Path) -> None:
    import json

    config = tmp_path / "chorus.toml"
    assert chorus("--config", str(config), "init", "--domain", "acme.example").returncode == 0
    workbook = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    record = {"versions": {"P-01": "1.0"}, "titles": {"P-01": "Policy"}, "spotlight": ""}
    workbook["Program"].append(["Policy Digest 2026-11", json.dumps(record), "old"])
    workbook["People"].append(["Ann Lee", "ann@acme.example", "Staff", "Staff", "", "Yes"])
    workbook.save(tmp_path / "workbook.xlsx")
    done = chorus("--config", str(config), "run", "policy-digest", "--at", "2026-12-01T10:00")
    assert done.returncode in (0, 1), done.stderr
    workbook = openpyxl.load_workbook(tmp_path / "workbook.xlsx")
    program = [row[0] for row in workbook["Program"].iter_rows(min_row=2, values_only=True)]
    state = [row[0] for row in workbook["State"].iter_rows(min_row=2, values_only=True)]
    assert not any(str(name).startswith("Policy Digest") for name in program)
    assert "Policy Digest 2026-11" in state
