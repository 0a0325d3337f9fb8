"""The workbook opens in LibreOffice: every tab reads back, dropdowns survive, formulas stay text."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from automation.demo import demo_rows
from automation.store.xlsx import XlsxStore
from sheets_schema.records import Append, Changes, Update
from sheets_schema.tabs import TAB_ORDER, TABS

pytestmark = pytest.mark.slow

ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("LibreOffice is missing: .ci/run installs Debian's libreoffice-calc-nogui")
    pytest.skip("LibreOffice is not installed here (apt-get install libreoffice-calc-nogui)")


@pytest.fixture(scope="module")
def workbook(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    folder = tmp_path_factory.mktemp("lo")
    store = XlsxStore(folder / "workbook.xlsx")
    store.ensure_tabs()
    rows = demo_rows(date(2026, 11, 25))
    rows["Queue"].append(
        {
            **rows["Queue"][0],
            "id": "Q-9999",
            "headline": '=HYPERLINK("http://x","y")',
            "details": "+1",
        }
    )
    store.apply(Changes(appends=tuple(Append(t, r) for t, rs in rows.items() for r in rs)))
    return store.path, rows


def convert(path: Path, target: str, outdir: Path) -> None:
    profile = outdir / "profile"
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def test_libreoffice_reads_every_tab_with_every_row(
    workbook: tuple[Path, dict], tmp_path: Path
) -> None:
    path, rows = workbook
    convert(path, ALL_SHEETS_CSV, tmp_path)
    for name in TAB_ORDER:
        out = tmp_path / f"{path.stem}-{name}.csv"
        assert out.exists(), f"LibreOffice wrote no CSV for {name}"
        with out.open(encoding="utf-8") as handle:
            table = list(csv.reader(handle))
        assert table[0][: len(TABS[name].headers)] == list(TABS[name].headers)
        body = [r for r in table[1:] if any(r)]
        assert len(body) == len(rows.get(name, [])), name
    with (tmp_path / f"{path.stem}-Queue.csv").open(encoding="utf-8") as handle:
        queue = {r[0]: r for r in csv.reader(handle)}
    assert queue["Q-9999"][4] == '=HYPERLINK("http://x","y")'  # text, not a computed link
    assert queue["Q-9999"][5] == "+1"


def test_libreoffice_keeps_the_dropdowns(workbook: tuple[Path, dict], tmp_path: Path) -> None:
    path, _ = workbook
    convert(path, "ods", tmp_path)
    content = zipfile.ZipFile(tmp_path / f"{path.stem}.ods").read("content.xml").decode()
    assert "table:content-validation " in content
    assert "Staff &amp; partners" in content and "On hold" in content


def test_libreoffice_keeps_the_crisis_mode_dropdown_on_its_value_cell_only(
    workbook: tuple[Path, dict], tmp_path: Path
) -> None:
    import openpyxl

    path, rows = workbook
    convert(path, "xlsx", tmp_path)  # a person opens the workbook in LibreOffice and saves it
    saved = tmp_path / path.name
    row = [r["setting"] for r in rows["Program"]].index("Crisis Mode") + 2

    def program_lists() -> list[tuple[str, str]]:
        ws = openpyxl.load_workbook(saved)["Program"]
        return [
            (str(dv.sqref), dv.formula1)
            for dv in ws.data_validations.dataValidation
            if dv.type == "list"
        ]

    assert program_lists() == [(f"B{row}", '"On,Off"')]
    XlsxStore(saved).apply(Changes(updates=(Update("Program", ("Crisis Mode",), {"value": "On"}),)))
    assert program_lists() == [(f"B{row}", '"On,Off"')]  # Chorus's next save keeps exactly one


def test_formulas_people_typed_survive_a_chorus_write(tmp_path: Path) -> None:
    """A sheet Chorus does not change is copied as LibreOffice saved it: formulas and their values."""
    import openpyxl

    draft = tmp_path / "draft.xlsx"
    store = XlsxStore(draft)
    store.ensure_tabs(["Rota", "Queue", "Runs"])
    wb = openpyxl.load_workbook(draft)
    rota = wb["Rota"]
    rota.append([date(2026, 11, 23), "ada@example.org", "bob@example.org", ""])
    rota.append(["=A2+7", "bob@example.org", "ada@example.org", ""])
    rota["A2"].number_format = rota["A3"].number_format = "yyyy-mm-dd"
    rota["F1"] = "Days away"
    rota["F2"] = "=A3-A2"
    wb.save(draft)
    # LibreOffice computes the formulas and saves their values, as Excel would.
    out = tmp_path / "lo"
    convert(draft, "xlsx", out)
    path = out / "draft.xlsx"

    store = XlsxStore(path)
    store.apply(
        Changes(
            appends=(
                Append(
                    "Queue",
                    {"id": "Q-1", "source_kind": "External", "headline": "h", "status": "New"},
                ),
            )
        )
    )

    rota_read = store.read(["Rota"])["Rota"]
    assert rota_read["week_starting"].tolist() == ["2026-11-23", "2026-11-30"]
    kept = openpyxl.load_workbook(path)["Rota"]
    assert kept["F2"].value == "=A3-A2"  # the person's own column keeps its formula
    assert kept["A3"].value == "=A2+7"  # the week Chorus reads stays a formula, its value kept
    values = openpyxl.load_workbook(path, data_only=True)["Rota"]
    assert values["A3"].value == datetime(2026, 11, 30)


def test_a_libreoffice_save_landing_during_a_run_keeps_every_row_of_the_person_and_of_chorus(
    tmp_path: Path,
) -> None:
    """Ada adds a Queue row in LibreOffice and saves while sync-forms is writing the workbook.

    Chorus finds the file changed since its read, starts again from Ada's
    LibreOffice-written file and applies its rows by key: nothing of either is lost.
    """
    import openpyxl

    from automation.config import load_settings
    from automation.runner import run_job
    from automation.workspace import Workspace
    from tests.test_bad_input import NOW, answer, program, write_form

    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    write_form(tmp_path / "submissions.csv", [answer(headline="Expo")])
    saves: list[int] = []

    def ada_saves_in_libreoffice(handle: Any, data: bytes) -> None:
        if not saves:
            ada = tmp_path / "ada"
            ada.mkdir()
            wb = openpyxl.load_workbook(workbook)
            wb["Queue"].append(["Q-0900", None, "External", None, "Ada's own idea"] + [None] * 4)
            wb["Queue"]["J" + str(wb["Queue"].max_row)] = "New"
            wb.save(ada / "workbook.xlsx")
            convert(ada / "workbook.xlsx", "xlsx", ada / "saved")
            shutil.copyfile(ada / "saved" / "workbook.xlsx", workbook)  # her save lands
        saves.append(len(data))
        handle.write(data)

    store = XlsxStore(workbook, write=ada_saves_in_libreoffice)
    result = run_job(Workspace(settings=load_settings(config), store=store), "sync-forms", NOW)

    assert result.ok and len(saves) == 2  # the first copy was thrown away, not renamed over hers
    after = XlsxStore(workbook).read(["Queue", "Submissions", "Runs"])
    headlines = after["Queue"].set_index("id")["headline"].to_dict()
    assert headlines["Q-0900"] == "Ada's own idea"
    assert "Expo" in headlines.values()
    assert after["Submissions"]["status"].tolist() == ["Accepted"]
    assert after["Runs"]["job"].tolist() == ["sync-forms"]


def test_a_workbook_saved_by_libreoffice_reads_back_the_same_dates_and_numbers(
    workbook: tuple[Path, dict], tmp_path: Path
) -> None:
    import openpyxl

    path, _ = workbook
    before = XlsxStore(path).read(TAB_ORDER)
    convert(path, "xlsx", tmp_path)
    resaved = tmp_path / path.name
    after = XlsxStore(resaved).read(TAB_ORDER)
    for name in TAB_ORDER:
        assert after[name].to_dict("records") == before[name].to_dict("records"), name
    queue = openpyxl.load_workbook(resaved)["Queue"]
    headers = [c.value for c in queue[1]]
    created = [
        row[headers.index("Created")] for row in queue.iter_rows(min_row=2, values_only=True)
    ]
    assert created and all(isinstance(v, datetime) for v in created if v is not None)
    assert queue.auto_filter.ref
    # LibreOffice then Chorus again: still dates, still the same text
    XlsxStore(resaved).apply(
        Changes(
            appends=(Append("Rota", {"week_starting": "2027-01-04", "coordinator": "x@y.org"}),)
        )
    )
    assert XlsxStore(resaved).read(["Rota"])["Rota"]["week_starting"].tolist()[-1] == "2027-01-04"
