"""Approval: an item on a Compliance channel waits for an Approver's answer to its exact text."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from automation.mail.compose import compose
from automation.runner import run_job
from automation.workspace import Workspace
from jobs import brief
from jobs.approvals import ApprovalBook, waiting_items
from sheets_schema.forms import export_header
from tests.conftest import TZ, make_settings, memory_workspace

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=TZ)  # a Tuesday
TEXT = "We won the Pro Bono Award\nOur team's work for the food bank\nhttps://example.org/award"

CHANNELS = [
    {
        "channel": "LinkedIn",
        "posts_per_week": "5",
        "post_days": "Mon-Fri",
        "post_window": "09:00-11:00",
        "active": "Yes",
        "approval": "Compliance",
    },
    {
        "channel": "X",
        "posts_per_week": "5",
        "post_days": "Mon-Fri",
        "post_window": "09:00-11:00",
        "active": "Yes",
        "approval": "None",
    },
]
PEOPLE = [
    {
        "name": "Ada Coordinator",
        "email": "ada@example.org",
        "roles": "Coordinator",
        "active": "Yes",
    },
    {"name": "Bob Staff", "email": "bob@example.org", "roles": "Staff", "active": "Yes"},
    {"name": "Cleo Compliance", "email": "cleo@example.org", "roles": "Approver", "active": "Yes"},
]
QUEUE = [
    {
        "id": "Q-0001",
        "source_kind": "Organisation",
        "headline": "We won the Pro Bono Award",
        "details": "Our team's work for the food bank",
        "link": "https://example.org/award",
        "channels": "LinkedIn",
        "status": "Scheduled",
        "scheduled_for": "2026-11-25 10:00",
    },
    {
        "id": "Q-0002",
        "source_kind": "Organisation",
        "headline": "Office move",
        "channels": "X",
        "status": "Scheduled",
        "scheduled_for": "2026-11-25 10:00",
    },
]


def workspace(tmp_path: Path) -> Workspace:
    settings = make_settings(
        tmp_path, forms={"approval": {"kind": "csv", "path": "forms/approval.csv"}}
    )
    return memory_workspace(
        settings,
        {
            "Channels": CHANNELS,
            "People": PEOPLE,
            "Queue": QUEUE,
            "Rota": [{"week_starting": "2026-11-23", "coordinator": "ada@example.org"}],
        },
    )


def answer(tmp_path: Path, *rows: tuple[str, str, str, str]) -> None:
    """The approval form's CSV export, as Google Forms writes it: one row per answer."""
    path = tmp_path / "forms" / "approval.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(export_header("approval"))
        for at, email, decision, text in rows:
            writer.writerow([at, email, "Q-0001", decision, text, ""])


def cadence_of(ws: Workspace, queue_id: str) -> tuple[str, str]:
    run_job(ws, "check-cadence", NOW)
    frame = ws.store.read(["Cadence"])["Cadence"]
    row = frame[frame["queue_id"] == queue_id].iloc[0]
    return row["status"], row["note"]


def test_an_item_on_a_compliance_channel_without_approval_needs_approval_and_leads_the_brief(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    assert cadence_of(ws, "Q-0001") == (
        "Needs approval",
        "Q-0001 scheduled Wed 25 Nov 10:00; no compliance approval yet",
    )
    assert cadence_of(ws, "Q-0002")[0] == "Filled"  # X needs no approval
    snapshot = ws.store.read(brief.TABS)
    (message,) = brief.plan(snapshot, NOW, ws.settings).messages
    assert [a["id"] for a in message.context["approvals"]] == ["Q-0001"]
    assert message.context["approvals"][0]["due_soon"] is True
    text = compose(message, ws.settings, now=NOW).get_body(("plain",)).get_content()
    assert text.index("WAITING FOR APPROVAL (1)") < text.index("WHO IS ON DUTY")
    assert "[DUE SOON] Wed 25 Nov 10:00 · LinkedIn · We won the Pro Bono Award" in text


def test_an_approval_from_a_person_without_the_role_does_not_count_and_the_brief_says_why(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    answer(tmp_path, ("24/11/2026 08:00:00", "bob@example.org", "Approve", TEXT))
    synced = run_job(ws, "sync-forms", NOW)
    assert synced.counts["approvals"] == 1
    assert any("does not let them approve at the Compliance level" in p for p in synced.problems)
    record = ws.store.read(["Approvals"])["Approvals"].iloc[0]
    assert (record["approval_id"], record["approver"], record["decision"]) == (
        "A-0001",
        "bob@example.org",
        "Approve",
    )
    queue = ws.store.read(["Queue"])["Queue"].set_index("id")
    assert queue.loc["Q-0001", "approved_by"] == ""
    status, note = cadence_of(ws, "Q-0001")
    assert status == "Needs approval"
    assert "the approval from Bob Staff (bob@example.org) does not count" in note
    (message,) = brief.plan(ws.store.read(brief.TABS), NOW, ws.settings).messages
    assert "Approver role a Compliance approval needs" in message.context["approvals"][0]["why"]


def test_an_approval_from_an_approver_turns_the_slot_filled_and_fills_the_queue_columns(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    answer(
        tmp_path,
        ("24/11/2026 08:00:00", "bob@example.org", "Approve", TEXT),
        ("24/11/2026 08:10:00", "cleo@example.org", "Approve", TEXT),
    )
    run_job(ws, "sync-forms", NOW)
    queue = ws.store.read(["Queue"])["Queue"].set_index("id")
    assert queue.loc["Q-0001", "approved_by"] == "cleo@example.org"
    assert queue.loc["Q-0001", "approved_at"].startswith("2026-11-24 08:10")
    assert queue.loc["Q-0001", "approved_text"] == TEXT
    assert cadence_of(ws, "Q-0001") == ("Filled", "Q-0001 scheduled Wed 25 Nov 10:00")
    again = run_job(ws, "sync-forms", NOW + timedelta(minutes=10))
    assert again.counts["approvals"] == 0  # the record is append only: nothing twice
    assert len(ws.store.read(["Approvals"])["Approvals"]) == 2


def test_editing_the_text_after_approval_withdraws_it(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    answer(tmp_path, ("24/11/2026 08:10:00", "cleo@example.org", "Approve", TEXT))
    run_job(ws, "sync-forms", NOW)
    from sheets_schema.records import Changes, Update

    ws.store.apply(
        Changes(updates=(Update("Queue", ("Q-0001",), {"details": "Our work for two charities"}),))
    )
    status, note = cadence_of(ws, "Q-0001")
    assert status == "Needs approval"
    assert note.endswith("but the text was edited afterwards: approval withdrawn")


def test_an_approval_after_the_scheduled_time_goes_back_to_the_coordinator(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    answer(tmp_path, ("25/11/2026 11:00:00", "cleo@example.org", "Approve", TEXT))
    later = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
    run_job(ws, "sync-forms", later)
    book = ApprovalBook(ws.store.read(brief.TABS), TZ)
    (late,) = waiting_items(book, later, timedelta(days=7))
    assert late.verdict.late and late.due_soon(later)
    assert late.verdict.why == (
        "approved by Cleo Compliance Wed 25 Nov 11:00, after its scheduled time "
        "Wed 25 Nov 10:00: back to the coordinator to reschedule"
    )


PREFILL = (
    "https://docs.google.com/forms/d/e/FORM/viewform?usp=pp_url"
    "&entry.101={queue_id}&entry.102={decision}&entry.103={text}"
)


def test_each_approver_gets_one_email_a_day_with_the_text_and_two_prefilled_links(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path,
        forms={
            "approval": {
                "kind": "csv",
                "path": "forms/approval.csv",
                "url": "https://docs.google.com/forms/d/e/FORM/viewform",
                "prefill_url": PREFILL,
            }
        },
    )
    ws = memory_workspace(settings, {"Channels": CHANNELS, "People": PEOPLE, "Queue": QUEUE})
    first = run_job(ws, "approval-requests", NOW)
    assert first.counts["sent"] == 1
    (message,) = first.plan.messages
    assert message.to_email == "cleo@example.org"
    assert message.subject == "1 post(s) wait for your approval, 1 due within 48 hours"
    (item,) = message.context["items"]
    assert item["text"] == TEXT and item["channels"] == "LinkedIn"
    assert item["time"] == "Wed 25 Nov 10:00"
    assert item["approve_link"] == (
        "https://docs.google.com/forms/d/e/FORM/viewform?usp=pp_url&entry.101=Q-0001"
        "&entry.102=Approve&entry.103=We%20won%20the%20Pro%20Bono%20Award%0AOur%20team%27s"
        "%20work%20for%20the%20food%20bank%0Ahttps%3A%2F%2Fexample.org%2Faward"
    )
    assert "&entry.102=Ask%20for%20changes&" in item["changes_link"]
    html = compose(message, settings, now=NOW).get_body(("html",)).get_content()
    assert "Approve this text" in html and "Ask for changes" in html
    again = run_job(ws, "approval-requests", NOW.replace(hour=15))
    assert again.counts["sent"] == 0 and again.counts["already_sent"] == 1


def test_nobody_is_mailed_when_nothing_waits(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    answer(tmp_path, ("24/11/2026 08:10:00", "cleo@example.org", "Approve", TEXT))
    run_job(ws, "sync-forms", NOW)
    quiet = run_job(ws, "approval-requests", NOW)
    assert quiet.plan.messages == () and quiet.counts["waiting_for_approval"] == 0
    assert quiet.problems == []


def test_without_a_prefill_template_the_run_says_how_to_prefill_the_links(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    result = run_job(ws, "approval-requests", NOW, dry_run=True)
    assert result.problems == [
        "[forms.approval] has no prefill_url: the emails link to the plain form; add "
        'prefill_url = "<the form\'s prefilled link with {queue_id}, {decision} and {text}>"'
    ]


def test_on_google_the_approval_form_init_creates_gives_prefilled_links_and_answers_come_back(
    tmp_path: Path,
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from automation.forms.prefill import approval_links
    from automation.google.setup import create_form
    from sheets_schema.forms import FORMS
    from tests.fakes.google import make_app
    from tests.google_store_factory import google_services

    twin = make_app(require_auth=True)
    services = google_services(twin, tmp_path, delegated_user="social@example.org")
    form_id, url, _ = create_form(services, FORMS["approval"], make_settings(tmp_path))
    settings = make_settings(
        tmp_path, forms={"approval": {"kind": "forms_api", "form_id": form_id, "url": url}}
    )
    ws = memory_workspace(settings, {"Channels": CHANNELS, "People": PEOPLE, "Queue": QUEUE})
    ws.google = services
    links = approval_links(ws, NOW, ws.store.read(["Queue"]))
    assert links.problems == ()
    link = links.link("Q-0001", "Approve", TEXT)
    assert link.startswith(url + "?usp=pp_url&entry.")
    items = services.discovery("forms", "v1").forms().get(formId=form_id).execute()["items"]
    entry = {
        i["title"]: f"entry.{int(i['questionItem']['question']['questionId'], 16)}" for i in items
    }
    query = parse_qs(urlsplit(link).query)
    assert query[entry["Queue ID"]] == ["Q-0001"]
    assert query[entry["Decision"]] == ["Approve"]
    assert query[entry["Text to be posted"]] == [TEXT]

    twin.forms_add_response(
        form_id,
        {"Queue ID": "Q-0001", "Decision": "Approve", "Text to be posted": TEXT},
        email="cleo@example.org",
        submitted_at=NOW - timedelta(minutes=5),
    )
    run_job(ws, "sync-forms", NOW)
    assert cadence_of(ws, "Q-0001") == ("Filled", "Q-0001 scheduled Wed 25 Nov 10:00")


@pytest.mark.slow
def test_the_demo_shows_one_approved_one_waiting_one_edited_after_approval_and_last_months_archive(
    tmp_path: Path,
) -> None:
    from automation.archive import LocalShelf, verify
    from automation.config import load_settings
    from automation.demo.run import run_demo
    from automation.workspace import build_workspace

    list(run_demo(tmp_path, at="2026-11-24T08:45"))
    ws = build_workspace(load_settings(tmp_path / "chorus.toml"))
    snapshot = ws.store.read(["Channels", "Queue", "Cadence", "Approvals", "People"])
    channels = snapshot["Channels"].set_index("channel")["approval"].to_dict()
    assert channels == {
        "LinkedIn": "None",
        "X": "None",
        "Facebook": "Compliance",
        "YouTube": "None",
        "Instagram": "None",
    }
    cadence = snapshot["Cadence"]
    scheduled = cadence["note"].str.contains(" scheduled ")
    facebook = cadence[(cadence["channel"] == "Facebook") & scheduled]
    by_item = dict(zip(facebook["queue_id"], facebook["status"], strict=True))
    assert sorted(by_item.values()).count("Needs approval") == 2
    book = ApprovalBook(snapshot, TZ)
    verdicts = {qid: book.verdict(qid) for qid in by_item if book.verdict(qid) is not None}
    approved = [q for q, v in verdicts.items() if v.approved]
    assert len(approved) == 1 and by_item[approved[0]] == "Filled"
    reasons = sorted(v.why for v in verdicts.values() if not v.approved)
    assert reasons[0] == (
        "approved by Eleanor Hughes Mon 23 Nov 16:20, but the text was edited afterwards: "
        "approval withdrawn"
    )
    assert reasons[1].startswith(
        "the approval from Priya Shah (priya.shah@greenfield-law.example) does not count"
    )
    assert list(snapshot["Approvals"]["approver"]).count("priya.shah@greenfield-law.example") == 1
    assert verify(LocalShelf(tmp_path / "archive")) == (
        ["archive/2026-10: 5 files and the chain intact"],
        None,
    )


@pytest.mark.browser
def test_the_approval_email_fits_a_phone_with_its_long_links_and_text(tmp_path: Path) -> None:
    from automation.mail.preview import write_previews
    from tests.browser import open_in_chromium

    settings = make_settings(
        tmp_path,
        forms={
            "approval": {
                "kind": "csv",
                "path": "forms/approval.csv",
                "url": "https://docs.google.com/forms/d/e/FORM/viewform",
                "prefill_url": PREFILL,
            }
        },
    )
    ws = memory_workspace(settings, {"Channels": CHANNELS, "People": PEOPLE, "Queue": QUEUE})
    result = run_job(ws, "approval-requests", NOW, dry_run=True)
    (page,) = write_previews(list(result.plan.messages), ws, NOW, tmp_path / "preview")
    shown = open_in_chromium(page, viewport_width=375)
    assert shown.console_errors == []
    assert shown.width <= 375
    assert "Approve this text" in shown.text and "Our team's work for the food bank" in shown.text


def test_an_item_scheduled_outside_the_window_still_needs_approval(tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    from sheets_schema.records import Changes, Update

    ws.store.apply(
        Changes(updates=(Update("Queue", ("Q-0001",), {"scheduled_for": "2026-11-25 15:00"}),))
    )
    status, note = cadence_of(ws, "Q-0001")
    assert status == "Needs approval"
    assert "outside the plan" in note and note.endswith("no compliance approval yet")


def test_asking_for_changes_sends_the_item_back_to_the_coordinator_not_to_the_approvers(
    tmp_path: Path,
) -> None:
    ws = workspace(tmp_path)
    path = tmp_path / "forms" / "approval.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(export_header("approval"))
        writer.writerow(
            [
                "24/11/2026 08:10:00",
                "cleo@example.org",
                "Q-0001",
                "Ask for changes",
                TEXT,
                "Name the food bank",
            ]
        )
    run_job(ws, "sync-forms", NOW)
    assert cadence_of(ws, "Q-0001")[1].endswith(
        "Cleo Compliance asked for changes Tue 24 Nov 08:10: Name the food bank"
    )
    asked = run_job(ws, "approval-requests", NOW, dry_run=True)
    assert asked.plan.messages == ()
