"""policy-digest: the monthly digest, acknowledgement reminders and review reminders."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.mail.compose import render
from jobs import policy_digest
from jobs.base import OutgoingMessage
from sheets_schema.records import Append, Delete, Snapshot, empty_frame, frame_from_rows
from sheets_schema.settings import Settings
from tests.conftest import make_settings, memory_workspace

TZ = ZoneInfo("Europe/London")
FIRST_WORKING_DAY = datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
PREFILL = (
    "https://docs.google.com/forms/d/e/F1/viewform?usp=pp_url&entry.1={email}&entry.2={version}"
)

PEOPLE = [
    {
        "name": "Ana Acked",
        "email": "ana@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
    },
    {
        "name": "Ben Behind",
        "email": "ben+social@example.org",
        "team": "Sales",
        "roles": "Staff",
        "active": "Yes",
    },
    {
        "name": "Pia Owner",
        "email": "pia@example.org",
        "team": "Legal",
        "roles": "Policy Owner",
        "active": "Yes",
    },
    {
        "name": "Gil Gone",
        "email": "gil@example.org",
        "team": "Legal",
        "roles": "Staff",
        "active": "No",
    },
]
POLICIES = [
    {
        "id": "P-01",
        "kind": "Policy",
        "title": "Social media policy",
        "text": "Speak for yourself.",
        "version": "2.1",
        "effective": "2026-10-20",
        "last_reviewed": "2026-10-20",
        "owner": "pia@example.org",
        "status": "Current",
    },
    {
        "id": "P-02",
        "kind": "Policy",
        "title": "Confidentiality",
        "text": "Never share client names.",
        "version": "1.0",
        "effective": "2025-01-01",
        "last_reviewed": "2025-01-10",
        "owner": "pia@example.org",
        "status": "Current",
    },
    {
        "id": "P-03",
        "kind": "Policy",
        "title": "Old rules",
        "text": "Gone.",
        "version": "1.0",
        "effective": "2024-01-01",
        "owner": "pia@example.org",
        "status": "Retired",
    },
    {
        "id": "G-01",
        "kind": "Guideline",
        "title": "Tone of voice",
        "text": "Warm and plain.",
        "version": "1.0",
        "last_reviewed": "2026-09-01",
        "owner": "pia@example.org",
        "status": "Current",
    },
    {
        "id": "G-02",
        "kind": "Guideline",
        "title": "Photos of people",
        "text": "Ask first.",
        "version": "1.0",
        "last_reviewed": "",
        "owner": "pia@example.org",
        "status": "Current",
    },
    {
        "id": "G-03",
        "kind": "Guideline",
        "title": "Hashtags",
        "text": "Two at most.",
        "version": "1.2",
        "last_reviewed": "2026-09-01",
        "owner": "nobody@example.org",
        "status": "Current",
    },
]
OCTOBER_RECORD = {
    "versions": {"P-01": "2.0", "P-02": "1.0", "P-03": "1.0", "G-01": "1.0", "G-03": "1.2"},
    "titles": {
        "P-01": "Social media policy",
        "P-02": "Confidentiality",
        "P-03": "Old rules",
        "G-01": "Tone of voice",
        "G-03": "Hashtags",
    },
    "spotlight": "G-03",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        forms={
            "acknowledgements": {
                "kind": "csv",
                "path": "acks.csv",
                "url": "https://forms.example.org/ack",
                "prefill_url": PREFILL,
            }
        },
    )


def snapshot(
    sent: list[dict[str, str]] = (),
    records: dict[str, dict] | None = None,
    **tabs: list[dict[str, str]],
) -> Snapshot:
    frames = {name: empty_frame(name) for name in policy_digest.TABS}
    frames["People"] = frame_from_rows("People", PEOPLE)
    frames["Policies"] = frame_from_rows("Policies", POLICIES)
    frames["Acknowledgements"] = frame_from_rows(
        "Acknowledgements",
        [
            {
                "response_id": "a1",
                "email": "ana@example.org",
                "policy_version": "2.1",
                "acknowledged_at": "2026-10-21 09:00",
            }
        ],
    )
    frames["Sent"] = frame_from_rows("Sent", sent)
    # the digest records live in State; extra Program rows (switches) stay in Program
    program_rows = [{"setting": "Crisis Mode", "value": "Off"}, *tabs.pop("Program", [])]
    state_rows = list(tabs.pop("State", []))
    for period, record in (records if records is not None else {"2026-10": OCTOBER_RECORD}).items():
        state_rows.append({"key": f"Policy Digest {period}", "value": json.dumps(record)})
    frames["Program"] = frame_from_rows("Program", program_rows)
    frames["State"] = frame_from_rows("State", state_rows)
    for name, rows in tabs.items():
        frames[name] = frame_from_rows(name, rows)
    return Snapshot(frames)


def of_topic(plan: policy_digest.Plan, topic: str) -> dict[str, OutgoingMessage]:
    return {m.to_email: m for m in plan.messages if m.topic == topic}


def sent_row(
    message: OutgoingMessage, settings: Settings, sent_at: str, status: str = "Sent"
) -> dict[str, str]:
    return {
        "message_id": message.message_id(settings.sender_domain),
        "job": message.job,
        "period": message.period,
        "recipient": message.to_email,
        "subject": message.subject,
        "sent_at": sent_at,
        "status": status,
    }


def test_every_active_person_gets_the_months_digest_with_changes_listed_first(
    settings: Settings,
) -> None:
    plan = policy_digest.plan(snapshot(), FIRST_WORKING_DAY, settings)
    digests = of_topic(plan, "digest")
    assert sorted(digests) == ["ana@example.org", "ben+social@example.org", "pia@example.org"]
    ben = digests["ben+social@example.org"]
    assert (ben.period, ben.template, ben.subject) == (
        "2026-11",
        "policy_digest",
        "Social media policy digest, November 2026",
    )
    changes = ben.context["changes"]
    assert [i["id"] for i in changes["changed"]] == ["P-01"]
    assert changes["changed"][0]["previous_version"] == "2.0"
    assert [i["id"] for i in changes["new"]] == ["G-02"]
    assert [i["title"] for i in changes["retired"]] == ["Old rules"]
    assert [i["id"] for i in ben.context["items"]] == ["P-01", "G-02", "P-02", "G-01", "G-03"]

    text, html = render(
        "policy_digest", {**ben.context, "org_name": "Example Org", "recipient_name": "Ben Behind"}
    )
    what_changed = text.index("WHAT CHANGED SINCE THE LAST DIGEST")
    listing = text.index("THE POLICY AND GUIDELINES")
    assert what_changed < listing
    assert (
        "- Updated: Social media policy: version 2.0 is now version 2.1, in effect from Tue 20 Oct 2026"
        in text
    )
    assert "- New: Photos of people (guideline, version 1.0)" in text
    assert "- Retired: Old rules (version 1.0) no longer applies" in text
    assert text.index("Social media policy [updated]") < text.index("Confidentiality")
    assert "Old rules" not in text[listing:]
    assert "Please confirm you have read version 2.1" in text
    assert "entry.1=ben%2Bsocial%40example.org&entry.2=2.1" in text
    assert (
        'href="https://docs.google.com/forms/d/e/F1/viewform?usp=pp_url&amp;entry.1=ben%2Bsocial%40example.org&amp;entry.2=2.1"'
        in html
    )

    ana_text, _ = render(
        "policy_digest", {**digests["ana@example.org"].context, "org_name": "Example Org"}
    )
    assert "Thank you: you acknowledged version 2.1 on Wed 21 Oct 2026." in ana_text


def test_the_digest_remembers_what_it_listed_and_keeps_only_two_records(settings: Settings) -> None:
    records = {"2026-09": {"versions": {}, "spotlight": ""}, "2026-10": OCTOBER_RECORD}
    plan = policy_digest.plan(snapshot(records=records), FIRST_WORKING_DAY, settings)
    (append,) = plan.changes.appends
    assert isinstance(append, Append) and append.tab == "State"
    assert append.row["key"] == "Policy Digest 2026-11"
    record = json.loads(append.row["value"])
    assert record["versions"] == {
        "P-01": "2.1",
        "P-02": "1.0",
        "G-01": "1.0",
        "G-02": "1.0",
        "G-03": "1.2",
    }
    assert plan.changes.deletes == (Delete("State", ("Policy Digest 2026-09",)),)


def test_records_an_older_workbook_kept_in_program_move_to_the_state_tab(
    settings: Settings,
) -> None:
    old = {"setting": "Policy Digest 2026-10", "value": json.dumps(OCTOBER_RECORD)}
    older = {"setting": "Policy Digest 2026-09", "value": json.dumps({"versions": {}})}
    plan = policy_digest.plan(
        snapshot(records={}, Program=[old, older]), FIRST_WORKING_DAY, settings
    )
    moved = [a for a in plan.changes.appends if isinstance(a, Append)]
    assert [(a.tab, a.row["key"]) for a in moved] == [
        ("State", "Policy Digest 2026-10"),
        ("State", "Policy Digest 2026-11"),
    ]
    assert moved[0].row["value"] == old["value"]
    assert set(plan.changes.deletes) == {
        Delete("Program", ("Policy Digest 2026-09",)),
        Delete("Program", ("Policy Digest 2026-10",)),
    }
    ana = of_topic(plan, "digest")["ana@example.org"]
    assert (
        ana.context["changes"]
        == policy_digest.plan(snapshot(), FIRST_WORKING_DAY, settings)
        .messages[0]
        .context["changes"]
    )


def test_without_a_previous_record_the_digest_lists_everything_without_changes(
    settings: Settings,
) -> None:
    plan = policy_digest.plan(snapshot(records={}), FIRST_WORKING_DAY, settings)
    ana = of_topic(plan, "digest")["ana@example.org"]
    assert ana.context["first_digest"] is True and ana.context["has_changes"] is False
    text, _ = render("policy_digest", {**ana.context, "org_name": "Example Org"})
    assert "WHAT CHANGED" not in text and "Nothing has changed" not in text
    assert "Speak for yourself." in text and "Two at most." in text


def test_the_spotlight_rotates_by_month_and_never_repeats_two_months_running(
    settings: Settings,
) -> None:
    records: dict[str, dict] = {}
    shown = []
    for month in range(1, 13):
        now = datetime(2027, month, 1, 10, 0, tzinfo=TZ)
        plan = policy_digest.plan(snapshot(records=records), now, settings)
        spotlight = of_topic(plan, "digest")["ana@example.org"].context["spotlight"]
        shown.append(spotlight["id"])
        records[f"2027-{month:02d}"] = json.loads(plan.changes.appends[0].row["value"])
    assert all(a != b for a, b in zip(shown, shown[1:], strict=False))
    assert set(shown) == {"G-01", "G-02", "G-03"}

    guideline = [{"id": "G-01", "kind": "Guideline"}]
    assert policy_digest.choose_spotlight(guideline, "2027-01", "G-01") is None
    assert policy_digest.choose_spotlight(guideline, "2027-02", "") == guideline[0]


def test_a_rerun_in_the_same_month_sends_nothing_new_and_keeps_the_spotlight(
    settings: Settings,
) -> None:
    first = policy_digest.plan(snapshot(), FIRST_WORKING_DAY, settings)
    sent = [sent_row(m, settings, "2026-11-02 10:01") for m in first.messages]
    records = {
        "2026-10": OCTOBER_RECORD,
        "2026-11": json.loads(first.changes.appends[0].row["value"]),
    }
    later = datetime(2026, 11, 5, 10, 0, tzinfo=TZ)
    again = policy_digest.plan(snapshot(sent=sent, records=records), later, settings)
    assert of_topic(again, "digest") == {}
    assert not again.changes
    assert of_topic(again, "reminder") == {}  # the digest was the nudge three days ago
    # someone the digest missed (say, a failed send) still gets this month's, with the same spotlight
    retry = policy_digest.plan(snapshot(sent=sent[1:], records=records), later, settings)
    (resent,) = of_topic(retry, "digest").values()
    assert resent.context["spotlight"] == first.messages[0].context["spotlight"]
    assert resent.message_id("example.org") == first.messages[0].message_id("example.org")


def test_first_run_of_the_month_on_any_day_still_sends_the_digest_once(settings: Settings) -> None:
    mid_month = datetime(2026, 11, 17, 15, 0, tzinfo=TZ)
    plan = policy_digest.plan(snapshot(), mid_month, settings)
    assert len(of_topic(plan, "digest")) == 3
    assert of_topic(plan, "reminder") == {}  # the digest asks for the acknowledgement itself


def test_reminders_go_only_to_people_missing_and_at_most_weekly(settings: Settings) -> None:
    digests = of_topic(policy_digest.plan(snapshot(), FIRST_WORKING_DAY, settings), "digest")
    sent = [sent_row(m, settings, "2026-11-02 10:01") for m in digests.values()]

    nine_days_on = datetime(2026, 11, 11, 10, 0, tzinfo=TZ)
    plan = policy_digest.plan(snapshot(sent=sent), nine_days_on, settings)
    reminders = of_topic(plan, "reminder")
    assert sorted(reminders) == ["ben+social@example.org", "pia@example.org"]
    ben = reminders["ben+social@example.org"]
    assert ben.period == "2026-W46"
    assert ben.context["acknowledgement_link"].endswith(
        "entry.1=ben%2Bsocial%40example.org&entry.2=2.1"
    )
    text, _ = render(
        "policy_reminder",
        {**ben.context, "org_name": "Example Org", "recipient_name": "Ben Behind"},
    )
    assert "no acknowledgement from you yet for version 2.1" in text
    assert plan.report.counts["reminders"] == 2

    sent += [sent_row(m, settings, "2026-11-11 10:01") for m in reminders.values()]
    three_days_later = datetime(2026, 11, 14, 10, 0, tzinfo=TZ)
    assert (
        of_topic(policy_digest.plan(snapshot(sent=sent), three_days_later, settings), "reminder")
        == {}
    )
    a_week_later = datetime(2026, 11, 18, 10, 0, tzinfo=TZ)
    again = of_topic(policy_digest.plan(snapshot(sent=sent), a_week_later, settings), "reminder")
    assert sorted(again) == ["ben+social@example.org", "pia@example.org"]
    assert again["ben+social@example.org"].period == "2026-W47"


def test_a_failed_send_does_not_count_as_a_reminder(settings: Settings) -> None:
    digests = of_topic(policy_digest.plan(snapshot(), FIRST_WORKING_DAY, settings), "digest")
    sent = [sent_row(m, settings, "2026-11-02 10:01") for m in digests.values()]
    plan = policy_digest.plan(
        snapshot(sent=sent), datetime(2026, 11, 11, 10, 0, tzinfo=TZ), settings
    )
    failed = [
        sent_row(m, settings, "", status="Failed") for m in of_topic(plan, "reminder").values()
    ]
    retry = policy_digest.plan(
        snapshot(sent=sent + failed), datetime(2026, 11, 12, 10, 0, tzinfo=TZ), settings
    )
    assert sorted(of_topic(retry, "reminder")) == ["ben+social@example.org", "pia@example.org"]


def test_review_reminders_only_for_overdue_policies_with_open_feedback(settings: Settings) -> None:
    feedback = [
        {
            "response_id": "f1",
            "submitted_at": "2026-10-01 09:00",
            "email": "ben+social@example.org",
            "section": "Process",
            "text": "Explain approvals",
            "contact": "Yes",
            "status": "New",
        },
        {
            "response_id": "f2",
            "submitted_at": "2026-10-03 09:00",
            "email": "ana@example.org",
            "section": "Tools",
            "text": "Which scheduler?",
            "contact": "No",
            "status": "Considered",
        },
        {
            "response_id": "f3",
            "submitted_at": "2026-09-01 09:00",
            "email": "ana@example.org",
            "text": "Done already",
            "status": "Changed",
        },
    ]
    plan = policy_digest.plan(snapshot(Feedback=feedback), FIRST_WORKING_DAY, settings)
    reviews = of_topic(plan, "review")
    assert list(reviews) == ["pia@example.org"]
    pia = reviews["pia@example.org"]
    # P-02 last reviewed 2025-01-10 (661 days), G-02 never; P-01 and G-01 are recent
    assert [(p["id"], p["days_since_review"]) for p in pia.context["policies"]] == [
        ("P-02", 661),
        ("G-02", None),
    ]
    assert [f["response_id"] for f in pia.context["feedback"]] == ["f1", "f2"]
    assert pia.period == "2026-11"
    text, _ = render(
        "policy_review", {**pia.context, "org_name": "Example Org", "recipient_name": "Pia Owner"}
    )
    assert (
        "- P-02: Confidentiality (policy, version 1.0), last reviewed Fri 10 Jan 2025 (661 days ago)"
        in text
    )
    assert "- G-02: Photos of people (guideline, version 1.0), last reviewed never recorded" in text
    assert "Explain approvals (from ben+social@example.org)" in text
    assert (
        "Which scheduler?" in text and "ana@example.org" not in text
    )  # Ana did not agree to contact
    assert "Done already" not in text
    # G-03's owner is not in People: once G-03 is overdue, the report names the owner
    stale = [dict(p, last_reviewed="2025-01-01") if p["id"] == "G-03" else p for p in POLICIES]
    plan = policy_digest.plan(snapshot(Policies=stale), FIRST_WORKING_DAY, settings)
    assert any("nobody@example.org is not an active person" in p for p in plan.report.problems)


def test_a_new_program_version_is_news_and_asks_everyone_to_sign_again(settings: Settings) -> None:
    records = {"2026-10": dict(OCTOBER_RECORD, version="2025.1")}
    program = [{"setting": "Policy Version", "value": "2026.2"}]
    plan = policy_digest.plan(
        snapshot(records=records, Program=program), FIRST_WORKING_DAY, settings
    )
    ana = of_topic(plan, "digest")["ana@example.org"]
    assert ana.context["version"] == "2026.2" and ana.context["version_was"] == "2025.1"
    assert ana.context["acknowledged"] is False  # Ana acknowledged 2.1, not 2026.2
    assert ana.context["acknowledgement_link"].endswith("entry.1=ana%40example.org&entry.2=2026.2")
    text, _ = render("policy_digest", {**ana.context, "org_name": "Example Org"})
    assert "- New policy version: 2026.2 replaces 2025.1; please acknowledge it" in text


def test_without_a_prefill_template_the_plain_form_link_is_sent(tmp_path: Path) -> None:
    plain = make_settings(
        tmp_path,
        forms={
            "acknowledgements": {
                "kind": "csv",
                "path": "a.csv",
                "url": "https://forms.example.org/ack",
            }
        },
    )
    assert (
        policy_digest.acknowledgement_link(plain, "ben@example.org", "2.1")
        == "https://forms.example.org/ack"
    )
    assert (
        policy_digest.acknowledgement_link(make_settings(tmp_path), "ben@example.org", "2.1") == ""
    )


def test_run_twice_in_a_month_sends_each_digest_once_and_records_it_in_state(
    tmp_path: Path,
) -> None:
    from automation.runner import run_job

    workspace = memory_workspace(make_settings(tmp_path), {"People": PEOPLE, "Policies": POLICIES})

    first = run_job(workspace, "policy-digest", FIRST_WORKING_DAY)
    assert first.counts["digests"] == 3 and first.counts["sent"] == 4  # 3 digests, 1 review
    again = run_job(workspace, "policy-digest", FIRST_WORKING_DAY.replace(day=3))
    assert again.counts["sent"] == 0 and again.counts.get("digests", 0) == 0

    snap = workspace.store.read(["Sent", "State"])
    assert sorted(snap["Sent"]["period"]) == ["2026-11"] * 4
    records = snap["State"][snap["State"]["key"] == "Policy Digest 2026-11"]
    assert len(records) == 1
    assert json.loads(records["value"].iloc[0])["spotlight"] in {"G-01", "G-02", "G-03"}


def test_digests_over_the_per_run_cap_wait_and_chorus_deliver_sends_them_each_once(
    tmp_path: Path,
) -> None:
    from automation.mail.waiting import waiting_mail
    from automation.runner import run_job
    from automation.schedule.deliver import deliver_waiting

    settings = make_settings(tmp_path, mail={"max_per_run": 2})
    workspace = memory_workspace(settings, {"People": PEOPLE, "Policies": POLICIES})

    first = run_job(workspace, "policy-digest", FIRST_WORKING_DAY)
    assert first.counts["sent"] == 2 and first.counts["held"] == 2
    assert waiting_mail(workspace.store.read(["Sent"])["Sent"]) == {"policy-digest": 2}

    later = FIRST_WORKING_DAY.replace(hour=11)
    (delivered,) = deliver_waiting(workspace, later)
    assert delivered.job == "policy-digest" and delivered.counts["sent"] == 2
    assert waiting_mail(workspace.store.read(["Sent"])["Sent"]) == {}
    assert deliver_waiting(workspace, later.replace(hour=12)) == []

    sent = workspace.store.read(["Sent"])["Sent"]
    assert len(sent) == 4 and set(sent["status"]) == {"Sent"}
    assert sent["message_id"].is_unique
