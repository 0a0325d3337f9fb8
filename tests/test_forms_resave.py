"""A form export someone opened and saved again is the same responses: nothing new, nobody mailed twice.

The demo writes the form exports and syncs them; each case here re-saves
them the way people do (LibreOffice, pandas, another date format, columns
moved, seconds dropped or rounded) and runs sync-forms and thanks again.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from automation.config import load_settings
from automation.demo.run import run_demo
from automation.runner import run_job
from automation.workspace import build_workspace
from tests.test_libreoffice import soffice

pytestmark = pytest.mark.slow

DEMO_AT = "2026-12-01T08:45"
# The approval export's one row, dated 01/12, proves no day order: re-saved month-first it
# reads as 12 January (automation/forms/normalise.py) and gets a new id; it is still the same
# answer, so it is not recorded again.
FORMS = ("submissions", "acknowledgements", "feedback", "mention", "approval")
FORM_TABS = ("Submissions", "Acknowledgements", "Feedback", "Queue", "Approvals", "Mentions")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo program after its first sync and thanks, as a folder to copy."""
    folder = tmp_path_factory.mktemp("demo")
    list(run_demo(folder, at=DEMO_AT))
    return folder


def libreoffice(options: str, infilter: str = "") -> Callable[[Path], None]:
    """Open each export in LibreOffice Calc and save it as CSV again (`options` of the CSV filter)."""

    def resave(forms: Path) -> None:
        out = forms / "resaved"
        command = [soffice(), f"-env:UserInstallation=file://{forms.parent / 'lo-profile'}"]
        command += ["--headless", *(["--infilter=" + infilter] if infilter else [])]
        target = "csv" + (f":Text - txt - csv (StarCalc):{options}" if options else "")
        command += ["--convert-to", target, "--outdir", str(out)]
        subprocess.run(
            [*command, *(str(forms / f"{name}.csv") for name in FORMS)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        for name in FORMS:
            shutil.move(out / f"{name}.csv", forms / f"{name}.csv")

    return resave


def pandas(
    *,
    date_format: str = "",
    round_to_minute: bool = False,
    reverse_columns: bool = False,
    quote_all: bool = False,
    blank_columns: int = 0,
    as_text: bool = True,
) -> Callable[[Path], None]:
    """Read each export with pandas and write it back, changed as a script or notebook would."""

    def resave(forms: Path) -> None:
        for name in FORMS:
            path = forms / f"{name}.csv"
            frame = (
                pd.read_csv(path, dtype=str, keep_default_na=False)
                if as_text
                else pd.read_csv(path)
            )
            if date_format or round_to_minute:
                stamps = pd.to_datetime(frame["Timestamp"], dayfirst=True)
                stamps = stamps.dt.round("min") if round_to_minute else stamps
                frame["Timestamp"] = stamps.dt.strftime(date_format or "%d/%m/%Y %H:%M:%S")
            if reverse_columns:
                frame = frame[list(reversed(frame.columns))]
            for n in range(blank_columns):
                frame[f"Unnamed: {n}"] = ""
            header = [c if not c.startswith("Unnamed") else "" for c in frame.columns]
            quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
            frame.to_csv(path, index=False, header=header, quoting=quoting)

    return resave


RESAVES: dict[str, Callable[[Path], None]] = {
    "LibreOffice, default CSV": libreoffice(""),
    "LibreOffice, CSV 44,34,76 (UTF-8 out, formulas evaluated)": libreoffice("44,34,76"),
    "LibreOffice, dates read en-GB, saved MM/DD/YY HH:MM AM/PM": libreoffice(
        "44,34,76", infilter="CSV:44,34,76,1,,2057"
    ),
    "LibreOffice, ';' and Windows-1252 as Excel saves it": libreoffice("59,34,1"),
    "pandas read_csv/to_csv as text": pandas(),
    "pandas read_csv/to_csv with its own types": pandas(as_text=False),
    "pandas, ISO dates without seconds": pandas(date_format="%Y-%m-%d %H:%M"),
    "pandas, times rounded to the minute": pandas(
        round_to_minute=True, date_format="%d/%m/%Y %H:%M"
    ),
    "pandas, US 12-hour dates": pandas(date_format="%m/%d/%Y %I:%M:%S %p"),
    "pandas, German dotted dates without seconds": pandas(date_format="%d.%m.%Y %H:%M"),
    "pandas, columns reversed, every field quoted, blank columns added": pandas(
        reverse_columns=True, quote_all=True, blank_columns=3
    ),
}


def row_counts(workspace_path: Path) -> dict[str, int]:
    settings = load_settings(workspace_path / "chorus.toml")
    snapshot = build_workspace(settings).store.read(list(FORM_TABS))
    return {tab: len(snapshot[tab]) for tab in FORM_TABS}


@pytest.mark.parametrize("how", list(RESAVES))
def test_a_resaved_export_adds_no_rows_and_sends_no_mail(demo: Path, tmp_path: Path, how: str):
    folder = tmp_path / "demo"
    shutil.copytree(demo, folder)
    before = row_counts(folder)
    original = (folder / "forms" / "submissions.csv").read_bytes()
    RESAVES[how](folder / "forms")
    assert (folder / "forms" / "submissions.csv").read_bytes() != original

    settings = load_settings(folder / "chorus.toml")
    workspace = build_workspace(settings)
    later = datetime.fromisoformat(DEMO_AT).replace(tzinfo=settings.tz).replace(hour=11)
    synced = run_job(workspace, "sync-forms", later)
    thanked = run_job(workspace, "thanks", later)

    assert synced.problems == []
    # 28 submissions, acknowledgements and feedback, and the 2 reported mentions; the
    # approval answer is counted on its own, and read again it is not recorded again.
    assert synced.counts["responses"] == 30
    assert synced.counts["unchanged"] == 30
    assert synced.counts["approvals"] == 0
    assert row_counts(folder) == before
    assert thanked.counts.get("sent", 0) == 0


def test_an_export_that_is_not_csv_is_one_clear_error_and_the_other_forms_still_sync(
    demo: Path, tmp_path: Path
):
    folder = tmp_path / "demo"
    shutil.copytree(demo, folder)
    (folder / "forms" / "submissions.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with (folder / "forms" / "feedback.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(
            ["01/12/2026 08:30:05", "niamh.kelly@greenfield-law.example", "Process", "More!", "No"]
        )
    before = row_counts(folder)
    chorus = str(Path(sys.executable).parent / "chorus")
    done = subprocess.run(
        [
            chorus,
            "--config",
            str(folder / "chorus.toml"),
            "run",
            "sync-forms",
            "--at",
            "2026-12-01T11:00",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert "the submissions form was not read" in output
    assert "forms/submissions.csv: this is a PNG image, not a CSV file" in output
    assert "Download responses (.csv)" in output
    assert done.returncode == 1  # done, with a problem to fix
    assert row_counts(folder) == {**before, "Feedback": before["Feedback"] + 1}
