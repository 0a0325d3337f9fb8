"""The house habits, checked: ruff clean and formatted everywhere, mypy --strict on every floor."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
#: every floor of the product, type-checked strictly (the settings live in pyproject.toml)
TYPED = ["automation", "jobs", "sheets_schema"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format_changes_nothing() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


@pytest.mark.slow
def test_mypy_strict_is_clean_on_every_floor() -> None:
    result = run(str(BIN / "mypy"), *TYPED)
    assert result.returncode == 0, result.stdout
