"""The local workbook: what people do to it, and what crashes and races do."""

from __future__ import annotations

import errno
import multiprocessing
import os
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from automation.cli import cli as chorus_cli
from automation.config import load_settings
from automation.store.workbook_file import WorkbookInUse, WorkbookKeptChanging
from automation.store.xlsx import XlsxStore
from automation.workspace import Workspace
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import Append, Changes, Update
from tests.test_bad_input import answer, chorus, program, write_form
from tests.test_kill_and_rerun import die_at


def queue_row(n: int, **extra: str) -> dict[str, str]:
    row = {"id": f"Q-{n:04d}", "source_kind": "External", "headline": f"Item {n}", "status": "New"}
    row.update(extra)
    return row


@pytest.fixture
def store(tmp_path: Path) -> XlsxStore:
    s = XlsxStore(tmp_path / "workbook.xlsx")
    s.ensure_tabs()
    return s


def test_new_workbook_has_an_about_tab_bold_frozen_headers_and_dropdowns(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    assert wb.sheetnames[0] == "About"
    assert "Queue" in wb.sheetnames and "Runs" in wb.sheetnames
    queue = wb["Queue"]
    assert [c.value for c in queue[1]][:3] == ["ID", "Created", "Source Kind"]
    assert queue["A1"].font.bold
    assert queue.freeze_panes == "A2"
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in queue.data_validations.dataValidation
    }
    assert lists["C2"] == '"Organisation,Staff & partners,External"'
    assert queue.column_dimensions["E"].width == 40
    assert queue["E1"].comment is not None


def test_updates_find_rows_by_key_after_a_person_resorted_the_tab(store: XlsxStore) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 6))))
    wb = openpyxl.load_workbook(store.path)
    ws = wb["Queue"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for r, values in enumerate(reversed(rows), start=2):  # the person sorts Z-A
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    ws.insert_rows(2)  # and inserts a blank row on top
    wb.save(store.path)

    store.apply(Changes(updates=(Update("Queue", ("Q-0002",), {"status": "Approved"}),)))
    queue = store.read(["Queue"])["Queue"]
    assert queue.set_index("id").loc["Q-0002", "status"] == "Approved"
    assert (queue["status"] == "Approved").sum() == 1
    assert queue["id"].tolist() == ["Q-0005", "Q-0004", "Q-0003", "Q-0002", "Q-0001"]


def test_columns_people_added_are_preserved(store: XlsxStore) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    wb = openpyxl.load_workbook(store.path)
    ws = wb["Queue"]
    ws.insert_cols(3)
    ws.cell(row=1, column=3, value="My notes")
    ws.cell(row=2, column=3, value="keep me")
    last = ws.max_column + 1
    ws.cell(row=1, column=last, value="Budget")
    ws.cell(row=2, column=last, value=250)
    wb.save(store.path)

    store.apply(
        Changes(
            appends=(Append("Queue", queue_row(2)),),
            updates=(Update("Queue", ("Q-0001",), {"status": "Approved"}),),
        )
    )
    ws = openpyxl.load_workbook(store.path)["Queue"]
    headers = [c.value for c in ws[1]]
    assert headers[2] == "My notes" and headers[-1] == "Budget"
    assert ws.cell(row=2, column=3).value == "keep me"
    assert ws.cell(row=2, column=last).value == 250
    assert ws.cell(row=3, column=3).value is None
    queue = store.read(["Queue"])["Queue"]
    assert queue["status"].tolist() == ["Approved", "New"]


def test_headers_match_without_regard_to_case_and_spaces(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"]["E1"] = "  headline "
    wb.save(store.path)
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    assert store.read(["Queue"])["Queue"]["headline"].tolist() == ["Item 1"]


def test_a_renamed_required_column_is_an_error_naming_tab_and_column(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"]["E1"] = "Title"
    wb.save(store.path)
    with pytest.raises(SheetError) as err:
        store.read(["Queue"])
    assert "'Queue'" in str(err.value) and "'Headline'" in str(err.value)
    assert "chorus init" in str(err.value)


def test_formula_text_is_stored_as_a_string_cell(store: XlsxStore) -> None:
    store.apply(
        Changes(appends=(Append("Queue", queue_row(1, headline='=HYPERLINK("http://x","y")')),))
    )
    cell = openpyxl.load_workbook(store.path)["Queue"]["E2"]
    assert cell.data_type == "s"
    assert cell.value == '=HYPERLINK("http://x","y")'


def test_a_corrupt_workbook_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "workbook.xlsx"
    path.write_bytes(b"this is not a zip file")
    with pytest.raises(SheetError, match="cannot be opened as .xlsx"):
        XlsxStore(path).read(["Queue"])


def test_a_missing_workbook_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="chorus init"):
        XlsxStore(tmp_path / "nope.xlsx").read(["Queue"])


def temp_files(store: XlsxStore) -> list[str]:
    return sorted(p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp"))


def test_a_process_killed_mid_save_leaves_the_previous_workbook_intact(store: XlsxStore) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    before = store.path.read_bytes()
    more = Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(2, 400)))
    die_at("xlsx.temp_saved", lambda: store.apply(more))  # saved to the temporary file only
    assert store.path.read_bytes() == before
    assert temp_files(store) == [".workbook.xlsx.save.tmp"]  # the save the crash cut short
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0001"]
    assert temp_files(store) == []  # the next run's read removes the copy
    store.apply(more)
    assert temp_files(store) == []
    assert len(store.read(["Queue"])["Queue"]) == 399


def _append_many(path: str, start: int) -> None:
    store = XlsxStore(path)
    for n in range(start, start + 5):
        store.apply(Changes(appends=(Append("Queue", queue_row(n)),)))


def test_concurrent_writers_lose_nothing(store: XlsxStore) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=_append_many, args=(str(store.path), start)) for start in (100, 200, 300)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = sorted(store.read(["Queue"])["Queue"]["id"])
    assert ids == sorted(f"Q-{n:04d}" for start in (100, 200, 300) for n in range(start, start + 5))


def test_a_second_run_waits_for_the_lock_then_gives_a_clear_error(
    tmp_path: Path, store: XlsxStore
) -> None:
    impatient = XlsxStore(store.path, lock_timeout=0.2)
    with store.lock("run"):
        with pytest.raises(BackendError, match="another Chorus process holds the run lock"):
            with impatient.lock("run"):
                pass
    with impatient.lock("run"):  # free again once the first run is done
        pass


# -- the workbook as a shared file --------------------------------------------------------------
# | case                                              | what Chorus does                         |
# |---------------------------------------------------|------------------------------------------|
# | LibreOffice has it open (.~lock.workbook.xlsx#)    | writes nothing, exit 2 naming who         |
# | Excel has it open (~$workbook.xlsx)                | writes nothing, exit 2 naming who         |
# | --wait SECONDS and the person closes it            | waits, then writes                        |
# | --wait SECONDS and the person keeps it open        | writes nothing after SECONDS, exit 2      |
# | a person saves between Chorus's read and write     | starts again from their file: both kept   |
# | a person opens it during Chorus's write            | writes nothing, exit 2 naming who         |
# | a person saves on every attempt                    | writes nothing, their file intact, exit 2 |
# | a killed save's temporary copies                   | removed by the next run                   |
# | a PNG or zip renamed .xlsx, zlib or XML damage     | exit 2 naming the file and the fix        |
# | the disk fills while saving                        | exit 3, the previous workbook intact      |


def libreoffice_has_it_open(workbook: Path, name: str = "Ada Lovelace") -> Path:
    """The lock file LibreOffice keeps while a person has the file open."""
    lock = workbook.with_name(f".~lock.{workbook.name}#")
    lock.write_text(
        f"{name},ada,laptop-7,01.12.2026 09:14,file:///home/ada/.config/libreoffice/4;",
        encoding="utf-8",
    )
    return lock


def excel_has_it_open(workbook: Path, name: str = "Bob Baker") -> Path:
    """Excel's owner file: the name as a short ANSI string, then as UTF-16 at 0x36; 165 bytes."""
    ansi = name.encode("cp1252")
    data = bytearray(b" " * 165)
    data[0] = len(ansi)
    data[1 : 1 + len(ansi)] = ansi
    data[0x36:0x38] = len(name).to_bytes(2, "little")
    wide = name.encode("utf-16-le")
    data[0x38 : 0x38 + len(wide)] = wide
    lock = workbook.with_name(f"~${workbook.name}")
    lock.write_bytes(bytes(data))
    return lock


class Clock:
    """Time that passes only when Chorus sleeps; `on_sleep` is what the person does meanwhile."""

    def __init__(self, on_sleep: Callable[[float], None] = lambda now: None) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self.on_sleep = on_sleep

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        self.on_sleep(self.now)


def queue_ids(path: Path) -> list[str]:
    return XlsxStore(path).read(["Queue"])["Queue"]["id"].tolist()


def test_a_workbook_open_in_libreoffice_is_not_written_and_the_error_names_who(
    store: XlsxStore,
) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    before = store.path.read_bytes()
    libreoffice_has_it_open(store.path)

    with pytest.raises(WorkbookInUse) as err:
        store.apply(Changes(appends=(Append("Queue", queue_row(2)),)))

    message = str(err.value)
    assert "Ada Lovelace on laptop-7 has it open in LibreOffice since 01.12.2026 09:14" in message
    assert str(store.path) in message
    assert "close the file in LibreOffice" in message and "--wait SECONDS" in message
    assert err.value.exit_code == 2
    assert store.path.read_bytes() == before
    assert store.read(["Queue"])["Queue"]["id"].tolist() == ["Q-0001"]  # reading is fine


def test_a_libreoffice_lock_without_a_name_names_the_system_user(store: XlsxStore) -> None:
    lock = store.path.with_name(f".~lock.{store.path.name}#")
    lock.write_text(",ada,laptop-7,01.12.2026 09:14,file:///home/ada/.config;", encoding="utf-8")
    with pytest.raises(WorkbookInUse, match="ada on laptop-7 has it open in LibreOffice"):
        store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))


def test_a_workbook_open_in_excel_is_not_written_and_the_error_names_who(
    store: XlsxStore,
) -> None:
    before = store.path.read_bytes()
    excel_has_it_open(store.path, "Zoë Ørsted")
    with pytest.raises(WorkbookInUse, match="Zoë Ørsted has it open in Excel"):
        store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    assert store.path.read_bytes() == before


def test_an_excel_owner_file_that_cannot_be_read_says_someone(store: XlsxStore) -> None:
    store.path.with_name(f"~${store.path.name}").write_bytes(b"")
    with pytest.raises(WorkbookInUse, match="someone has it open in Excel"):
        store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))


def test_with_wait_the_write_happens_once_the_person_closes_the_file(store: XlsxStore) -> None:
    lock = libreoffice_has_it_open(store.path)
    clock = Clock(on_sleep=lambda now: lock.unlink() if now >= 1003 else None)
    patient = XlsxStore(store.path, wait=600, clock=clock, sleep=clock.sleep)

    result = patient.apply(Changes(appends=(Append("Queue", queue_row(1)),)))

    assert result.appended == {"Queue": 1}
    assert clock.slept == [1.0, 1.0, 1.0]  # checked each second, on the injected clock
    assert queue_ids(store.path) == ["Q-0001"]


def test_with_wait_a_file_left_open_stops_after_the_wait_and_the_next_write_does_not_wait_again(
    store: XlsxStore,
) -> None:
    before = store.path.read_bytes()
    libreoffice_has_it_open(store.path)
    clock = Clock()
    patient = XlsxStore(store.path, wait=30, clock=clock, sleep=clock.sleep)

    with pytest.raises(WorkbookInUse, match="wrote nothing after waiting 30 seconds"):
        patient.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    assert sum(clock.slept) == 30
    with pytest.raises(WorkbookInUse):  # the runner recording the failure in Runs
        patient.apply(Changes(appends=(Append("Runs", {"run_id": "r1"}),)))
    assert sum(clock.slept) == 30
    assert store.path.read_bytes() == before


def person_saves_during_chorus_write(path: Path, times: int, change: Callable[[Any], None]) -> Any:
    """A write seam: the person saves the file (Excel, via openpyxl) while Chorus writes its copy."""
    calls: list[int] = []

    def write(handle: Any, data: bytes) -> None:
        calls.append(len(data))
        if len(calls) <= times:
            wb = openpyxl.load_workbook(path)
            change(wb)
            wb.save(path)
        handle.write(data)

    write.calls = calls  # type: ignore[attr-defined]
    return write


def test_a_save_between_chorus_read_and_write_is_kept_and_chorus_applies_again_by_key(
    store: XlsxStore,
) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in (1, 2))))

    def person(wb: Any) -> None:
        ws = wb["Queue"]
        ws.append(
            ["Q-0900", None, "External", None, "Typed by hand", None, None, None, None, "New"]
        )
        ws["J3"] = "On hold"  # Q-0002's status, which Chorus's update expects to be New

    write = person_saves_during_chorus_write(store.path, 1, person)
    chorus = XlsxStore(store.path, write=write)
    result = chorus.apply(
        Changes(
            appends=(Append("Queue", queue_row(3)),),
            updates=(
                Update("Queue", ("Q-0001",), {"status": "Approved"}, expect={"status": "New"}),
                Update("Queue", ("Q-0002",), {"status": "Approved"}, expect={"status": "New"}),
            ),
        )
    )

    assert len(write.calls) == 2  # the first copy was thrown away, the second saved
    queue = store.read(["Queue"])["Queue"].set_index("id")["status"].to_dict()
    assert queue == {"Q-0001": "Approved", "Q-0002": "On hold", "Q-0900": "New", "Q-0003": "New"}
    assert result.appended == {"Queue": 1} and result.updated == {"Queue": 1}
    assert len(result.skipped) == 1 and "Q-0002" in result.skipped[0]
    assert temp_files(store) == []


def test_a_person_saving_on_every_attempt_stops_chorus_with_their_file_intact(
    store: XlsxStore,
) -> None:
    def person(wb: Any) -> None:
        ws = wb["Queue"]
        ws.append(
            [f"Q-09{ws.max_row:02d}", None, "External", None, "By hand"] + [None] * 4 + ["New"]
        )

    write = person_saves_during_chorus_write(store.path, 99, person)
    with pytest.raises(WorkbookKeptChanging) as err:
        XlsxStore(store.path, write=write).apply(Changes(appends=(Append("Queue", queue_row(1)),)))

    assert "changed between Chorus's read and its write 3 times" in str(err.value)
    assert err.value.exit_code == 2
    assert queue_ids(store.path) == ["Q-0901", "Q-0902", "Q-0903"]  # every save of theirs kept
    assert temp_files(store) == []


def test_a_person_opening_the_file_during_the_write_stops_it_before_the_rename(
    store: XlsxStore,
) -> None:
    before = store.path.read_bytes()

    def write(handle: Any, data: bytes) -> None:
        libreoffice_has_it_open(store.path, "Cy Coordinator")
        handle.write(data)

    with pytest.raises(WorkbookInUse, match="Cy Coordinator"):
        XlsxStore(store.path, write=write).apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    assert store.path.read_bytes() == before
    assert temp_files(store) == []


def test_the_temporary_copies_a_killed_save_left_are_removed_by_the_next_run(
    store: XlsxStore,
) -> None:
    folder = store.path.parent
    for name in (".workbook.xlsx.save.tmp", ".workbook.xlsx.8f3a2c.tmp", ".workbook.xlsx.tmp"):
        (folder / name).write_bytes(store.path.read_bytes())  # a whole copy, personal data inside
    (folder / ".other.xlsx.save.tmp").write_text("not ours")
    (folder / "notes.tmp").write_text("not ours")

    assert XlsxStore(store.path).read(["Queue"])["Queue"].empty  # the next run starts by reading

    assert temp_files(store) == [".other.xlsx.save.tmp", "notes.tmp"]


def test_a_disk_that_fills_while_saving_is_exit_3_with_the_previous_workbook_intact(
    store: XlsxStore,
) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    before = store.path.read_bytes()

    def full_disk(handle: Any, data: bytes) -> None:
        handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(BackendError) as err:
        XlsxStore(store.path, write=full_disk).apply(
            Changes(appends=(Append("Queue", queue_row(2)),))
        )

    assert err.value.exit_code == 3
    message = str(err.value)
    assert str(store.path) in message and "the disk is full" in message
    assert f"free some space on the disk holding {store.path.parent}" in message
    assert store.path.read_bytes() == before
    assert temp_files(store) == []


def damage(workbook: Path, how: str) -> None:
    """What a person may find under the name: another file renamed, or a workbook damaged."""
    if how == "a PNG renamed":
        workbook.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
        return
    if how == "a zip renamed":
        with zipfile.ZipFile(workbook, "w") as archive:
            archive.writestr("photos/readme.txt", "holiday photos")
        return
    with zipfile.ZipFile(workbook) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    if how == "XML cut short in a sheet":
        with zipfile.ZipFile(workbook, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in members:
                if info.filename.startswith("xl/worksheets/sheet"):
                    data = data[: len(data) // 2]
                archive.writestr(info, data)
        return
    # "a sheet that does not inflate": each sheet's deflate stream starts with an invalid block type
    raw = bytearray(workbook.read_bytes())
    for info, _ in members:
        if info.filename.startswith("xl/worksheets/sheet"):
            start = info.header_offset
            name_len = int.from_bytes(raw[start + 26 : start + 28], "little")
            extra_len = int.from_bytes(raw[start + 28 : start + 30], "little")
            raw[start + 30 + name_len + extra_len] = 0b111  # BFINAL=1, BTYPE=11: reserved
    workbook.write_bytes(bytes(raw))


@pytest.mark.parametrize(
    ("how", "why"),
    [
        ("a PNG renamed", "it is not a zip archive"),
        ("a zip renamed", "a zip archive without the parts of a workbook"),
        ("XML cut short in a sheet", "not well-formed XML"),
        ("a sheet that does not inflate", "does not decompress"),
    ],
)
def test_a_damaged_workbook_is_exit_2_naming_the_file_and_the_fix_with_no_traceback(
    tmp_path: Path, how: str, why: str
) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    damage(workbook, how)
    before = workbook.read_bytes()

    ran = chorus(config, "run", "sync-forms", "--at", "2027-03-01T08:30")

    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    message = ran.stderr.splitlines()[-1]
    assert message.startswith(f"chorus: the workbook {workbook} cannot be opened as .xlsx: ")
    assert why in message
    assert "restore it from a backup" in message
    assert workbook.read_bytes() == before


def test_chorus_run_on_a_workbook_open_in_libreoffice_exits_2_naming_who_and_writes_nothing(
    tmp_path: Path,
) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    write_form(tmp_path / "submissions.csv", [answer(headline="Expo")])
    lock = libreoffice_has_it_open(workbook)
    before = workbook.read_bytes()

    ran = chorus(config, "run", "sync-forms", "--at", "2027-03-01T08:30")

    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr
    assert "Ada Lovelace on laptop-7 has it open in LibreOffice" in ran.stderr
    assert "--wait SECONDS" in ran.stderr
    assert workbook.read_bytes() == before
    rehearsed = chorus(config, "run", "sync-forms", "--at", "2027-03-01T08:30", "--dry-run")
    assert rehearsed.returncode == 0, rehearsed.stderr  # reading while Ada has it open is fine
    lock.unlink()  # Ada closes the file
    assert chorus(config, "run", "sync-forms", "--at", "2027-03-01T08:30").returncode == 0
    assert XlsxStore(workbook).read(["Queue"])["Queue"]["headline"].tolist()[-1] == "Expo"


def run_in_process(config: Path, store: XlsxStore, *args: str) -> Any:
    """`chorus` in this process, on a workspace whose store has the seams a test drives."""
    workspace = Workspace(settings=load_settings(config), store=store)
    return CliRunner().invoke(
        chorus_cli, ["--config", str(config), *args], obj={"workspace": workspace}
    )


def test_chorus_run_wait_waits_for_the_person_to_close_the_workbook(tmp_path: Path) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    lock = libreoffice_has_it_open(workbook)
    clock = Clock(on_sleep=lambda now: lock.unlink() if now >= 1090 else None)
    store = XlsxStore(workbook, clock=clock, sleep=clock.sleep)

    done = run_in_process(config, store, "run", "check-cadence", "--wait", "120")

    assert done.exit_code == 0, done.output
    assert sum(clock.slept) == 90
    assert XlsxStore(workbook).read(["Runs"])["Runs"]["job"].tolist() == ["check-cadence"]


def test_chorus_run_on_a_full_disk_exits_3_with_one_message_and_the_workbook_intact(
    tmp_path: Path,
) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    before = workbook.read_bytes()

    def full_disk(handle: Any, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    done = run_in_process(config, XlsxStore(workbook, write=full_disk), "run", "check-cadence")

    assert done.exit_code == 3
    assert done.output.count("chorus: ") == 1 and "Traceback" not in done.output
    assert "could not save the workbook: the disk is full" in done.output
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


# -- real dates and numbers ------------------------------------------------------


def under(ws: Any, header: str, row: int) -> Any:
    """The cell in `row` of the column headed `header`."""
    col = next(c.column for c in ws[1] if c.value == header)
    return ws.cell(row=row, column=col)


def test_dates_and_numbers_are_stored_as_dates_and_numbers_and_read_back_as_the_same_text(
    store: XlsxStore,
) -> None:
    created = ["2026-12-01 09:05", "2026-11-24 17:30", "2026-12-01 00:00"]
    store.apply(
        Changes(
            appends=tuple(
                Append("Queue", queue_row(n, created=c, scheduled_for="2026-12-03 10:00"))
                for n, c in enumerate(created, start=1)
            )
            + (
                Append("Rota", {"week_starting": "2026-11-30", "coordinator": "a@example.org"}),
                Append("Channels", {"channel": "LinkedIn", "posts_per_week": "3"}),
                Append(
                    "Submissions",
                    {"response_id": "R-1", "submitted_at": "2026-11-24 09:15:07"},
                ),
            )
        )
    )
    wb = openpyxl.load_workbook(store.path)
    created_cell = under(wb["Queue"], "Created", 2)
    assert created_cell.value == datetime(2026, 12, 1, 9, 5)
    assert created_cell.number_format == "yyyy-mm-dd hh:mm"
    assert wb["Rota"]["A2"].value == datetime(2026, 11, 30)
    assert wb["Rota"]["A2"].number_format == "yyyy-mm-dd"
    assert under(wb["Channels"], "Posts Per Week", 2).value == 3
    assert under(wb["Submissions"], "Submitted At", 2).number_format == "yyyy-mm-dd hh:mm:ss"

    read = store.read(["Queue", "Rota", "Channels", "Submissions"])
    assert read["Queue"]["created"].tolist() == created
    assert read["Queue"]["scheduled_for"].tolist() == ["2026-12-03 10:00"] * 3
    assert read["Rota"]["week_starting"].tolist() == ["2026-11-30"]
    assert read["Channels"]["posts_per_week"].tolist() == ["3"]
    assert read["Submissions"]["submitted_at"].tolist() == ["2026-11-24 09:15:07"]


def test_text_that_is_not_a_date_stays_text_for_validate_to_report(store: XlsxStore) -> None:
    store.apply(
        Changes(
            appends=(
                Append("Queue", queue_row(1, scheduled_for="31/11/2026 09:00")),
                Append("Queue", queue_row(2, scheduled_for="2026-02-30 09:00")),
                Append("Queue", queue_row(3, scheduled_for="next Tuesday")),
                Append("Channels", {"channel": "X", "posts_per_week": "three"}),
            )
        )
    )
    wb = openpyxl.load_workbook(store.path)
    assert [under(wb["Queue"], "Scheduled For", r).value for r in (2, 3, 4)] == [
        "31/11/2026 09:00",
        "2026-02-30 09:00",
        "next Tuesday",
    ]
    read = store.read(["Queue", "Channels"])
    assert read["Queue"]["scheduled_for"].tolist() == [
        "31/11/2026 09:00",
        "2026-02-30 09:00",
        "next Tuesday",
    ]
    assert read["Channels"]["posts_per_week"].tolist() == ["three"]


def test_a_coordinator_sorting_by_date_gets_the_order_of_the_dates(store: XlsxStore) -> None:
    days = ["2026-12-10 09:00", "2026-01-05 14:00", "2026-11-30 08:15", "2025-12-31 23:59"]
    store.apply(
        Changes(
            appends=tuple(
                Append("Queue", queue_row(n, scheduled_for=d)) for n, d in enumerate(days, 1)
            )
        )
    )
    queue = openpyxl.load_workbook(store.path)["Queue"]
    column = [under(queue, "Scheduled For", r).value for r in range(2, 6)]
    assert all(isinstance(v, datetime) for v in column)  # sortable as dates, not as text
    assert [f"{v:%Y-%m-%d %H:%M}" for v in sorted(column)] == sorted(days)


def test_every_tab_has_an_autofilter_that_grows_with_the_rows(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    assert all(wb[name].auto_filter.ref for name in wb.sheetnames if name != "About")
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 4))))
    queue = openpyxl.load_workbook(store.path)["Queue"]
    assert (
        queue.auto_filter.ref == f"A1:{queue.cell(row=1, column=queue.max_column).column_letter}4"
    )


def test_init_adds_a_filter_to_a_tab_made_before_filters_and_keeps_a_person_s_choice(
    store: XlsxStore,
) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Queue"].auto_filter.ref = None
    wb.save(store.path)
    assert "Queue (filter)" in store.ensure_tabs()
    assert openpyxl.load_workbook(store.path)["Queue"].auto_filter.ref
    assert store.ensure_tabs() == []


def test_dates_people_type_in_other_forms_still_read(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    queue = wb["Queue"]
    queue.append(["Q-1", datetime(2026, 12, 1, 9, 0, 0, 999_700)])  # a float's rounding error
    queue.append(["Q-2", 46357.375])  # a date whose format was cleared
    queue.append(["Q-3", "1 Dec 2026 09:00"])
    wb.save(store.path)
    created = store.read(["Queue"])["Queue"]["created"].tolist()
    assert created == ["2026-12-01 09:00:01", "2026-12-01 09:00", "1 Dec 2026 09:00"]


def value_dropdowns(path: Path) -> dict[str, str]:
    """The Program tab's list validations, by cell range: what a person's dropdown offers."""
    ws = openpyxl.load_workbook(path)["Program"]
    return {
        str(dv.sqref): dv.formula1
        for dv in ws.data_validations.dataValidation
        if dv.type == "list" and not dv.showDropDown  # openpyxl's False shows the arrow
    }


def test_chorus_crisis_start_gives_the_crisis_mode_value_cell_an_on_off_dropdown(
    tmp_path: Path,
) -> None:
    config = program(tmp_path)
    workbook = tmp_path / "workbook.xlsx"
    store = XlsxStore(workbook)
    store.apply(Changes(appends=(Append("Program", {"setting": "Policy Version", "value": "v3"}),)))
    assert value_dropdowns(workbook) == {}  # Policy Version is free text

    run_in_process(
        config, store, "crisis", "start", "--reason", "Outage", "--at", "2026-11-24T10:00"
    )

    program_rows = store.read(["Program"])["Program"]["setting"].tolist()
    row = program_rows.index("Crisis Mode") + 2
    assert value_dropdowns(workbook) == {f"B{row}": '"On,Off"'}


def test_the_program_dropdowns_follow_rows_people_delete_and_sort(store: XlsxStore) -> None:
    store.apply(
        Changes(
            appends=(
                Append("Program", {"setting": "Policy Version", "value": "v3"}),
                Append("Program", {"setting": "Crisis Mode", "value": "Off"}),
            )
        )
    )
    assert value_dropdowns(store.path) == {"B3": '"On,Off"'}
    wb = openpyxl.load_workbook(store.path)
    wb["Program"].delete_rows(2)  # a person deletes Policy Version; Crisis Mode moves up
    wb.save(store.path)

    store.apply(Changes(updates=(Update("Program", ("Crisis Mode",), {"value": "On"}),)))

    assert value_dropdowns(store.path) == {"B2": '"On,Off"'}
    ws = openpyxl.load_workbook(store.path)["Program"]
    assert len(ws.data_validations.dataValidation) == 1  # the old one on B3 is gone


def test_init_puts_the_dropdown_on_a_crisis_mode_row_a_person_typed(store: XlsxStore) -> None:
    wb = openpyxl.load_workbook(store.path)
    wb["Program"].append(["Crisis Mode", "Off"])
    wb.save(store.path)

    assert store.ensure_tabs() == []
    assert value_dropdowns(store.path) == {"B2": '"On,Off"'}
    before = store.path.read_bytes()
    store.ensure_tabs()
    assert store.path.read_bytes() == before  # nothing to change: the file is not rewritten
