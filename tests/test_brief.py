"""The daily brief: what the person on duty reads each working morning, and who gets it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from automation.config import settings_from_dict
from automation.mail.compose import compose, render
from jobs import brief
from sheets_schema.records import Snapshot, frame_from_rows
from sheets_schema.settings import Settings

TZ = ZoneInfo("Europe/London")
MONDAY = datetime(2027, 3, 29, 8, 30, tzinfo=TZ)

PEOPLE = [
    {
        "name": "Ann Lee",
        "email": "ann@example.org",
        "roles": "Coordinator",
        "manager_email": "meg@example.org",
        "active": "Yes",
    },
    {"name": "Bob Roy", "email": "bob@example.org", "roles": "Backup", "active": "Yes"},
    {"name": "Meg Ames", "email": "meg@example.org", "roles": "Manager", "active": "Yes"},
    {"name": "Max Boss", "email": "max@example.org", "roles": "Manager", "active": "Yes"},
    {"name": "Sam Staff", "email": "sam@example.org", "roles": "Staff", "active": "Yes"},
]
ROTA = [
    {
        "week_starting": f"2027-{m:02d}-{d:02d}",
        "coordinator": "ann@example.org",
        "backup": "bob@example.org",
    }
    for m, d in ((3, 29), (4, 5), (4, 12), (4, 19))
]
QUEUE = [
    {
        "id": "Q-1",
        "status": "Scheduled",
        "channels": "LinkedIn, X",
        "scheduled_for": "2027-03-29 09:30",
        "headline": "Award win",
        "link": "https://example.org/award",
        "source_kind": "Organisation",
    },
    {
        "id": "Q-2",
        "status": "Approved",
        "created": "2027-03-01 10:00",
        "source_kind": "Organisation",
        "source_type": "News release",
        "headline": "New office",
        "link": "https://example.org/office",
    },
    {
        "id": "Q-3",
        "status": "New",
        "created": "2027-03-28 10:00",
        "source_kind": "Staff & partners",
        "headline": "Sam ran a marathon",
        "submitted_by": "sam@example.org",
        "flags": "names a client",
    },
    {
        "id": "Q-4",
        "status": "New",
        "created": "2027-03-28 11:00",
        "source_kind": "Staff & partners",
        "headline": "Fwd: conference",
        "origin": "mail:<abc@example.org>",
        "submitted_by": "sam@example.org",
    },
    {
        "id": "Q-5",
        "status": "New",
        "created": "2027-03-27 11:00",
        "source_kind": "Staff & partners",
        "headline": "Older submission",
        "submitted_by": "sam@example.org",
    },
    {
        "id": "Q-6",
        "status": "New",
        "created": "2027-03-27 11:00",
        "source_kind": "External",
        "headline": "An alert, not a submission",
        "origin": "feed:alerts",
    },
]
CADENCE = [
    {
        "date": "2027-03-29",
        "channel": "LinkedIn",
        "slot": "09:00-11:00 #1",
        "status": "Filled",
        "queue_id": "Q-1",
    },
    {
        "date": "2027-03-31",
        "channel": "LinkedIn",
        "slot": "09:00-11:00 #1",
        "status": "Suggested",
        "queue_id": "Q-2",
    },
    {"date": "2027-04-02", "channel": "LinkedIn", "slot": "09:00-11:00 #1", "status": "Gap"},
    {
        "date": "2027-04-09",
        "channel": "LinkedIn",
        "slot": "09:00-11:00 #1",
        "status": "Gap",
    },  # beyond 7 days
]
MENTIONS = [
    {
        "id": "M-2",
        "found_at": "2027-03-29 07:00",
        "kind": "Mention",
        "title": "Great talk",
        "url": "https://x.example/2",
        "status": "New",
    },
    {
        "id": "M-1",
        "found_at": "2027-03-27 10:00",
        "kind": "Direct message",
        "title": "Question about jobs",
        "url": "https://x.example/1",
        "status": "New",
    },
    {
        "id": "M-3",
        "found_at": "2027-03-26 10:00",
        "kind": "Criticism",
        "title": "Answered already",
        "status": "Responded",
    },
]


def settings_for(tmp_path: Path) -> Settings:
    return settings_from_dict(
        {
            "organisation": {
                "name": "Example Org",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "mail": {"sender": "social@example.org"},
        },
        tmp_path / "chorus.toml",
    )


def sheet(**tabs: list[dict]) -> Snapshot:
    defaults = {
        "Rota": ROTA,
        "Absences": [],
        "People": PEOPLE,
        "Queue": QUEUE,
        "Cadence": CADENCE,
        "Mentions": MENTIONS,
        "Submissions": [],
        "Crises": [],
        "Program": [],
        "Channels": [
            {
                "channel": "LinkedIn",
                "posts_per_week": "3",
                "post_days": "Mon, Wed, Fri",
                "post_window": "09:00-11:00",
                "active": "Yes",
            }
        ],
    }
    defaults.update(tabs)
    return Snapshot({name: frame_from_rows(name, rows) for name, rows in defaults.items()})


def test_the_brief_goes_to_the_coordinator_with_what_the_sheet_holds(tmp_path):
    plan = brief.plan(sheet(), MONDAY, settings_for(tmp_path))
    (message,) = plan.messages
    assert (message.to_email, message.to_name, message.template, message.period, message.topic) == (
        "ann@example.org",
        "Ann Lee",
        "brief",
        "2027-03-29",
        "",
    )
    assert message.subject == "Your social media brief for Mon 29 Mar"
    c = message.context
    assert c["duty"]["on_duty"] == {"email": "ann@example.org", "name": "Ann Lee"}
    assert c["duty"]["backup"] == {"email": "bob@example.org", "name": "Bob Roy"}
    assert [(ch["channel"], [p["id"] for p in ch["posts"]]) for ch in c["posts_today"]] == [
        ("LinkedIn", ["Q-1"]),
        ("X", ["Q-1"]),
    ]
    assert c["posts_today"][0]["posts"][0]["link"] == "https://example.org/award"
    assert [(g["date"], g["suggestion"]["id"] if g["suggestion"] else None) for g in c["gaps"]] == [
        ("2027-03-31", "Q-2"),
        ("2027-04-02", None),
    ]
    assert c["gaps_source"] == "the Cadence tab"
    assert [(s["id"], s["flags"], s["submitted_by"]) for s in c["submissions"]] == [
        ("Q-5", "", "Sam Staff"),
        ("Q-3", "names a client", "Sam Staff"),
    ]
    assert [s["id"] for s in c["inbox"]] == ["Q-4"]
    assert [(m["id"], m["old"], m["age"]) for m in c["mentions"]] == [
        ("M-1", True, "46 hours"),
        ("M-2", False, "1 hour"),
    ]
    assert c["checklist"][1].startswith("Answer direct messages the same day (1 waiting)")
    assert c["uncovered_weeks"] == []
    assert c["nothing_to_do"] is False
    assert plan.report.counts["briefs"] == 1


def test_the_brief_goes_to_backup_when_coordinator_is_away(tmp_path):
    away = [
        {
            "email": "ann@example.org",
            "from_date": "2027-03-29",
            "to_date": "2027-03-30",
            "note": "conference",
        }
    ]
    (message,) = brief.plan(sheet(Absences=away), MONDAY, settings_for(tmp_path)).messages
    assert message.to_email == "bob@example.org"
    assert message.context["duty"]["backup_covering"] is True
    text, _ = render("brief", message.context)
    assert "Bob Roy is on duty today, covering for Ann Lee." in text


def test_when_nobody_is_on_duty_the_coordinators_manager_gets_the_brief(tmp_path):
    away = [
        {"email": "ann@example.org", "from_date": "2027-03-29", "to_date": "2027-03-29"},
        {"email": "bob@example.org", "from_date": "2027-03-29", "to_date": "2027-03-29"},
    ]
    plan = brief.plan(sheet(Absences=away), MONDAY, settings_for(tmp_path))
    (message,) = plan.messages
    assert message.to_email == "meg@example.org"
    assert message.subject == "Nobody is on duty today (Mon 29 Mar): social media brief"
    assert message.context["for_manager"] is True
    text, html = render("brief", message.context)
    assert (
        "NOBODY IS ON DUTY TODAY: the coordinator Ann Lee is away and the backup Bob Roy is away."
        in text
    )
    assert "please arrange cover" in html


def test_in_a_crisis_the_brief_goes_to_coordinator_backup_and_managers_crisis_first(tmp_path):
    crises = [
        {
            "id": "C-1",
            "started": "2027-03-28 20:00",
            "reason": "Data breach reported",
            "holding_statement": "We are looking into it.",
        }
    ]
    mentions = MENTIONS + [
        {
            "id": "M-9",
            "found_at": "2027-03-29 06:00",
            "kind": "Criticism",
            "title": "You leaked my data",
            "url": "https://x.example/9",
            "status": "New",
        },
    ]
    plan = brief.plan(sheet(Crises=crises, Mentions=mentions), MONDAY, settings_for(tmp_path))
    assert [m.to_email for m in plan.messages] == [
        "ann@example.org",
        "bob@example.org",
        "meg@example.org",
        "max@example.org",
    ]
    c = plan.messages[0].context
    assert [(m["id"], m["age"]) for m in c["crisis"]["items"]] == [
        ("M-1", "46 hours"),
        ("M-9", "2 hours"),
    ]
    assert [m["id"] for m in c["mentions"]] == ["M-2"]
    assert c["crisis"]["crises"][0]["age"] == "12 hours"
    assert all(g["suggestion"] is None for g in c["gaps"])
    text, _ = render("brief", c)
    assert text.index("A CRISIS IS OPEN") < text.index("WHO IS ON DUTY")
    assert "Holding statement: We are looking into it." in text


def test_no_brief_on_a_non_working_day(tmp_path):
    plan = brief.plan(sheet(), datetime(2027, 3, 27, 8, 30, tzinfo=TZ), settings_for(tmp_path))
    assert plan.messages == ()
    assert plan.report.lines == (
        "No brief: Saturday 2027-03-27 is not a working day (organisation.working_days in chorus.toml)",
    )


def test_a_quiet_day_still_gets_a_short_brief_saying_so(tmp_path):
    quiet = sheet(
        Queue=[],
        Cadence=[
            {
                "date": "2027-03-29",
                "channel": "LinkedIn",
                "slot": "09:00-11:00 #1",
                "status": "Filled",
            }
        ],
        Mentions=[],
    )
    (message,) = brief.plan(quiet, MONDAY, settings_for(tmp_path)).messages
    assert message.context["nothing_to_do"] is True
    text, _ = render("brief", message.context)
    assert "Nothing needs you today" in text
    assert "TODAY'S DUTIES" in text


def test_a_suggestion_that_has_since_been_scheduled_is_shown_as_a_plain_gap(tmp_path):
    queue = [dict(q) for q in QUEUE]
    queue[1].update(status="Scheduled", scheduled_for="2027-04-05 09:00")
    c = brief.plan(sheet(Queue=queue), MONDAY, settings_for(tmp_path)).messages[0].context
    assert c["gaps"][0]["suggestion"] is None
    assert c["gaps"][0]["note"] == "Q-2 was suggested but is no longer approved and free"


def test_without_cadence_rows_the_brief_works_the_gaps_out_itself(tmp_path):
    c = brief.plan(sheet(Cadence=[]), MONDAY, settings_for(tmp_path)).messages[0].context
    assert c["gaps_source"].startswith("Channels and Queue just now")
    assert [(g["date"], g["suggestion"]["id"] if g["suggestion"] else None) for g in c["gaps"]] == [
        ("2027-03-31", "Q-2"),
        ("2027-04-02", None),
    ]


def test_uncovered_weeks_ahead_are_listed(tmp_path):
    c = brief.plan(sheet(Rota=ROTA[:2]), MONDAY, settings_for(tmp_path)).messages[0].context
    assert c["uncovered_weeks"] == [
        {"week_starting": "2027-04-12", "week_label": "12 Apr", "reason": "no Rota row"},
        {"week_starting": "2027-04-19", "week_label": "19 Apr", "reason": "no Rota row"},
    ]


def test_the_brief_renders_as_text_and_html(tmp_path):
    settings = settings_for(tmp_path)
    (message,) = brief.plan(sheet(), MONDAY, settings).messages
    email = compose(message, settings, now=MONDAY)
    assert email["To"] == "Ann Lee <ann@example.org>"
    parts = {
        part.get_content_type(): part.get_content()
        for part in email.walk()
        if not part.is_multipart()
    }
    text, html = parts["text/plain"], parts["text/html"]
    for wanted in (
        "Award win",
        "New office",
        "Sam ran a marathon",
        "names a client",
        "Question about jobs",
        "OVER 24 H",
    ):
        assert wanted in text
    assert '<a href="https://example.org/office"' in html
    assert "names a client" in html
    assert "over 24 h" in html
    assert "you are on duty for social media today" in text


def test_the_brief_lists_the_cells_to_fix_until_someone_fixes_them(tmp_path):
    settings = settings_for(tmp_path)
    queue = [dict(q) for q in QUEUE]
    queue[1].update(status="Aproved")  # Q-2, the item suggested for Wednesday
    plan = brief.plan(sheet(Queue=queue), MONDAY, settings)
    (message,) = plan.messages
    (fix,) = message.context["problems"]
    assert (fix["where"], fix["value"]) == ("Queue row 3, Status", "Aproved")
    assert plan.report.problems == (fix["line"],)
    assert plan.report.counts["problems_to_fix"] == 1
    assert message.context["gaps"][0]["note"] == (
        "Q-2 was suggested but is no longer approved and free"
    )
    email = compose(message, settings, now=MONDAY)
    html = next(p.get_content() for p in email.walk() if p.get_content_type() == "text/html")
    assert "Fix in the sheet (1)" in html
    assert "<strong>Queue row 3, Status</strong>: <code>Aproved</code>" in html

    queue[1].update(status="Approved")
    fixed = brief.plan(sheet(Queue=queue), MONDAY, settings)
    assert (fixed.messages[0].context["problems"], fixed.report.problems) == ([], ())


def test_the_job_is_registered():
    import jobs

    assert jobs.get("brief") is brief.JOB


def test_a_blocked_site_is_never_a_link_in_the_brief(tmp_path):
    settings = settings_from_dict(
        {
            "organisation": {
                "name": "Example Org",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            },
            "mail": {"sender": "social@example.org"},
            "screening": {"blocked_domains": ["gossip.example"]},
        },
        tmp_path / "chorus.toml",
    )
    queued_before_it_was_blocked = {
        "id": "Q-9",
        "status": "New",
        "created": "2027-03-28 10:00",
        "source_kind": "Staff & partners",
        "headline": "Read this (see gossip.example)",
        "link": "https://www.gossip.example/acme",
        "submitted_by": "sam@example.org",
    }
    mention_there = {
        "id": "M-9",
        "found_at": "2027-03-29 07:30",
        "kind": "Mention",
        "title": "Acme criticised",
        "url": "http://gossip.example/acme-criticised",
        "status": "New",
    }
    snap = sheet(Queue=[*QUEUE, queued_before_it_was_blocked], Mentions=[*MENTIONS, mention_there])
    (message,) = brief.plan(snap, MONDAY, settings).messages
    text, html = render("brief", message.context)
    for shown in (text, html):
        assert "gossip.example" not in shown
    assert (
        "Read this (see gossip[.]example) (hxxps://www[.]gossip[.]example/acme: a blocked site, not linked)"
        in text
    )
    assert (
        "Acme criticised (hxxp://gossip[.]example/acme-criticised: a blocked site, not linked)"
        in text
    )
    assert 'href="https://example.org/award"' in html  # other links stay links
