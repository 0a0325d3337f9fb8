"""The house habits, checked: ruff clean and formatted everywhere, mypy clean on jobs, schema and ports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TYPED = [
    "jobs",
    "sheets_schema",
    "automation/store",
    "automation/forms/base.py",
    "automation/mail/base.py",
    "automation/workspace.py",
    "automation/demo",
    "automation/schedule",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_changes_nothing() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_mypy_is_clean_on_the_jobs_the_schema_and_the_ports() -> None:
    result = run(str(BIN / "mypy"), *TYPED)
    assert result.returncode == 0, result.stdout
