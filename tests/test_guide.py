"""The employee guide: what each section says, how it is escaped, and when it is rewritten."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from automation.runner import run_job
from automation.workspace import build_workspace
from jobs.base import Plan
from jobs.guide.document import Link, Section
from jobs.guide.html_page import escape, render_html
from jobs.guide.job import plan
from jobs.guide.markdown_page import render_markdown
from jobs.guide.previous import previous_guide
from jobs.guide.sections import build_guide
from jobs.guide.wording import cadence_in_words, schedule_in_words, window_in_words
from sheets_schema.records import Append, Changes, Snapshot, frame_from_rows
from sheets_schema.settings import Settings
from sheets_schema.values import parse_days, parse_time_window
from tests.conftest import TZ, make_settings

# Wednesday 31 March 2027, 08:30 in London: this week starts Monday 29 March.
NOW = datetime(2027, 3, 31, 8, 30, tzinfo=TZ)

FORMS = {
    "submissions": {
        "kind": "csv",
        "path": "forms/submissions.csv",
        "url": "https://forms.example/submit",
    },
    "acknowledgements": {
        "kind": "csv",
        "path": "forms/acks.csv",
        "url": "https://forms.example/ack",
    },
    "feedback": {
        "kind": "csv",
        "path": "forms/feedback.csv",
        "url": "https://forms.example/feedback",
    },
}

POLICY_TEXT = (
    "Speak for yourself, not for the firm, unless you are the coordinator.\n\n"
    "Never share:\n"
    "- client names without written permission\n"
    "- anything marked confidential\n\n"
    "When in doubt, ask the coordinator before you post. Mistakes happen: tell us quickly "
    "and we will help put them right."
)


def guide_settings(tmp_path: Path, **sections: dict) -> Settings:
    """Settings for Example Org with the three forms' links; the guide goes to tmp_path/guide."""
    overrides = sections.pop("forms", {})
    forms = {name: dict(form, **overrides.get(name, {})) for name, form in FORMS.items()}
    return make_settings(tmp_path, forms=forms, guide={"output_dir": "guide"}, **sections)


def sheets(**tabs: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """A realistic small programme; keyword tabs replace the default rows."""
    rows: dict[str, list[dict[str, str]]] = {
        "Goals": [
            {
                "goal": "Show the firm's expertise",
                "why": "Clients choose advisers they have seen explain things well",
                "metric": "Articles shared",
                "target": "8",
                "period": "Month",
                "status": "Active",
            },
            {
                "goal": "Involve more staff",
                "why": "Posts from colleagues reach further than the firm's own",
                "metric": "People who submitted content",
                "target": "20",
                "period": "Quarter",
                "status": "",
            },
            {"goal": "Launch a podcast", "why": "Dropped for now", "status": "Dropped"},
        ],
        "Channels": [
            {
                "channel": "LinkedIn",
                "handle": "https://www.linkedin.com/company/example-org",
                "purpose": "Expertise, people news and recruiting",
                "posts_per_week": "3",
                "post_days": "Mon, Wed, Fri",
                "post_window": "09:00-11:00",
                "active": "Yes",
            },
            {
                "channel": "X",
                "handle": "https://x.com/example_org",
                "purpose": "News and comment",
                "posts_per_week": "5",
                "post_days": "weekdays",
                "post_window": "9am-11am",
                "active": "Yes",
            },
            {
                "channel": "YouTube",
                "handle": "https://www.youtube.com/@exampleorg",
                "purpose": "Talks and explainers",
                "posts_per_week": "1",
                "post_days": "Tue",
                "post_window": "12:00-13:00",
                "active": "Yes",
            },
            {
                "channel": "Instagram",
                "handle": "https://instagram.com/exampleorg",
                "purpose": "Life at the firm",
                "posts_per_week": "2",
                "post_days": "",
                "post_window": "09:00-10:00, 14:00-15:30",
                "active": "No",
            },
        ],
        "People": [
            {
                "name": "Ada Lovelace",
                "email": "ada@example.org",
                "roles": "Coordinator",
                "active": "Yes",
            },
            {"name": "Ben Okri", "email": "ben@example.org", "roles": "Backup", "active": "Yes"},
            {
                "name": "Cleo Park",
                "email": "cleo@example.org",
                "roles": "Coordinator",
                "active": "Yes",
            },
            {
                "name": "Dev Rao",
                "email": "dev@example.org",
                "roles": "Policy Owner",
                "active": "Yes",
            },
        ],
        "Rota": [
            {
                "week_starting": "2027-03-22",
                "coordinator": "ben@example.org",
                "backup": "ada@example.org",
            },
            {
                "week_starting": "2027-03-29",
                "coordinator": "ada@example.org",
                "backup": "ben@example.org",
            },
            {
                "week_starting": "2027-04-05",
                "coordinator": "cleo@example.org",
                "backup": "ada@example.org",
                "notes": "Easter Monday: brief on Tuesday",
            },
        ],
        "Absences": [
            {
                "email": "ada@example.org",
                "from_date": "2027-04-01",
                "to_date": "2027-04-02",
                "note": "Leave",
            },
            {
                "email": "ada@example.org",
                "from_date": "2027-05-10",
                "to_date": "2027-05-14",
                "note": "Later",
            },
        ],
        "Policies": [
            {
                "id": "P-01",
                "kind": "Policy",
                "title": "Social media policy",
                "text": POLICY_TEXT,
                "version": "2.1",
                "effective": "2027-03-01",
                "last_reviewed": "2027-02-20",
                "owner": "dev@example.org",
                "status": "Current",
            },
            {
                "id": "G-01",
                "kind": "Guideline",
                "title": "Photos of colleagues",
                "text": "Ask before you post a photo of a colleague.",
                "version": "1.0",
                "effective": "2026-09-01",
                "last_reviewed": "2027-03-15",
                "status": "",
            },
            {
                "id": "P-00",
                "kind": "Policy",
                "title": "Old policy",
                "text": "Retired text",
                "version": "1.0",
                "last_reviewed": "2027-03-30",
                "status": "Retired",
            },
        ],
        "Feedback": [
            {
                "response_id": "F1",
                "submitted_at": "2027-03-01 10:00",
                "text": "Add X tips",
                "status": "New",
            },
            {
                "response_id": "F2",
                "submitted_at": "2027-03-02 10:00",
                "text": "Typo",
                "status": "Changed",
            },
            {
                "response_id": "F3",
                "submitted_at": "2027-03-03 10:00",
                "text": "More",
                "status": "Considered",
            },
        ],
    }
    rows.update(tabs)
    return rows


def snapshot_of(rows: Mapping[str, list[dict[str, str]]]) -> Snapshot:
    return Snapshot({tab: frame_from_rows(tab, tab_rows) for tab, tab_rows in rows.items()})


def text_of(section: Section) -> str:
    """A section's words, links as 'text <url>', one block per line (what a reader sees)."""

    def runs(items: tuple) -> str:
        return "".join(
            r if isinstance(r, str) else f"{r.text} <{r.url}>" if isinstance(r, Link) else r.text
            for r in items
        )

    def blocks(items: tuple) -> list[str]:
        out = []
        for block in items:
            if block.kind == "paragraph":
                out.append(runs(block.runs))
            elif block.kind == "list":
                out += [f"* {runs(item)}" for item in block.items]
            else:
                out.append(" | ".join(block.headers))
                out += [" | ".join(runs(cell) for cell in row) for row in block.rows]
        return out

    lines = [f"# {section.title}", *blocks(section.blocks)]
    for sub in section.subsections:
        lines += [f"## {sub.title}", *blocks(sub.blocks)]
    return "\n".join(lines)


def section(
    title: str, settings: Settings, rows: Mapping | None = None, now: datetime = NOW
) -> str:
    found = {
        s.title: s for s in build_guide(snapshot_of(rows or sheets()), now, settings)[0].sections
    }
    return text_of(found[title])


def write_files(settings: Settings, result: Plan) -> Path:
    """What the runner does with a plan's files (tests of plan() call this instead)."""
    folder = settings.guide.output_dir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    for output in result.files:
        (folder / output.name).write_bytes(output.content)
    return folder


def on_disk(settings: Settings):  # noqa: ANN201
    folder = settings.guide.output_dir
    assert folder is not None
    return previous_guide(
        (folder / "guide.html").read_text(encoding="utf-8"),
        (folder / "guide.md").read_text(encoding="utf-8"),
    )


# --- the five sections ------------------------------------------------------


def test_guide_has_six_sections_in_order(tmp_path: Path) -> None:
    sections = build_guide(snapshot_of(sheets()), NOW, guide_settings(tmp_path))[0].sections
    assert [(s.title, s.anchor) for s in sections] == [
        ("Our principles", "principles"),
        ("Goals", "goals"),
        ("Tools", "tools"),
        ("Process", "process"),
        ("Policy and guidelines", "policy"),
        ("About this document", "about"),
    ]


def test_goals_list_each_active_goal_with_why_and_how_it_is_measured(tmp_path: Path) -> None:
    text = section("Goals", guide_settings(tmp_path))
    assert (
        "Show the firm's expertise | Clients choose advisers they have seen explain things well"
        " | Articles shared; target 8 a month"
    ) in text
    assert (
        "Involve more staff | Posts from colleagues reach further than the firm's own | People who submitted content; target 20 a quarter"
        in text
    )
    assert "podcast" not in text


def test_goals_say_so_when_none_is_active(tmp_path: Path) -> None:
    text = section("Goals", guide_settings(tmp_path), sheets(Goals=[]))
    assert "No active goals are recorded yet" in text


@pytest.mark.parametrize(
    ("posts", "days", "window", "expected"),
    [
        (
            3,
            "Mon, Wed, Fri",
            "09:00-11:00",
            "three times a week, on Mondays, Wednesdays and Fridays, between 9 and 11 am",
        ),
        (5, "weekdays", "9am-11am", "every weekday, between 9 and 11 am"),
        (5, "Mon-Fri", "9-11", "every weekday, between 9 and 11 am"),
        (7, "daily", "08:00-20:00", "every day, between 8 am and 8 pm"),
        (1, "Tue", "12:00-13:00", "once a week, on Tuesdays, between 12 noon and 1 pm"),
        (
            2,
            "Tue, Thu",
            "09:00-10:00, 14:00-15:30",
            "twice a week, on Tuesdays and Thursdays, between 9 and 10 am and between 2 and 3:30 pm",
        ),
        (2, "", "9:30-11", "twice a week, on working days, between 9:30 and 11 am"),
        (
            2,
            "Mon, Wed, Fri",
            "",
            "twice a week, on Mondays, Wednesdays or Fridays, at any time of day",
        ),
        (3, "weekdays", "11:00-13:00", "three times a week, on weekdays, between 11 am and 1 pm"),
        (4, "Sat, Sun", "18:00-23:59", "four times a week, at weekends, between 6 and 11:59 pm"),
        (15, "daily", "", "15 times a week, on any day of the week, at any time of day"),
    ],
)
def test_cadence_reads_as_a_sentence(posts: int, days: str, window: str, expected: str) -> None:
    assert cadence_in_words(posts, parse_days(days), parse_time_window(window)) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (time(9), time(11), "between 9 and 11 am"),
        (time(9, 30), time(11), "between 9:30 and 11 am"),
        (time(12), time(13), "between 12 noon and 1 pm"),
        (time(11), time(12), "between 11 am and 12 noon"),
        (time(12, 30), time(13), "between 12:30 and 1 pm"),
        (time(22), time(23, 59, 59), "between 10 pm and midnight"),
        (time(0), time(6), "between midnight and 6 am"),
    ],
)
def test_time_windows_are_never_ambiguous(start: time, end: time, expected: str) -> None:
    assert window_in_words(start, end) == expected


def test_tools_show_each_active_channel_its_link_purpose_and_cadence(tmp_path: Path) -> None:
    text = section("Tools", guide_settings(tmp_path))
    assert (
        "## LinkedIn\nOur profile: https://www.linkedin.com/company/example-org <https://www.linkedin.com/company/example-org>"
        in text
    )
    assert "What we use it for: Expertise, people news and recruiting" in text
    assert (
        "When we post: three times a week, on Mondays, Wednesdays and Fridays, between 9 and 11 am."
        in text
    )
    assert "When we post: every weekday, between 9 and 11 am." in text
    assert "When we post: once a week, on Tuesdays, between 12 noon and 1 pm." in text
    assert "Instagram" not in text


def test_a_handle_that_is_not_a_web_link_is_shown_as_text(tmp_path: Path) -> None:
    channel = dict(sheets()["Channels"][0], handle="javascript:alert(1)")
    guide, _ = build_guide(snapshot_of(sheets(Channels=[channel])), NOW, guide_settings(tmp_path))
    sections = guide.sections
    profile = sections[2].subsections[0].blocks[0]
    assert profile.runs[1] == "javascript:alert(1)"


def test_a_bad_cadence_cell_is_reported_with_its_place_and_the_rest_still_written(
    tmp_path: Path,
) -> None:
    channel = dict(sheets()["Channels"][0], posts_per_week="lots", post_days="Mondy")
    result = plan(snapshot_of(sheets(Channels=[channel])), NOW, guide_settings(tmp_path))
    assert (
        "tab 'Channels', row 2, column 'Posts Per Week': 'lots' is not a whole number"
        in result.report.problems[0]
    )
    assert len(result.files) == 2
    assert (
        "tab 'Channels', row 2, column 'Post Days': 'Mondy' is not a list of days"
        in result.report.problems[1]
    )
    assert "**When we post:** as set in the Channels tab." in result.files[1].content.decode()


def test_process_names_this_and_next_weeks_coordinator_and_backup(tmp_path: Path) -> None:
    text = section("Process", guide_settings(tmp_path))
    assert (
        "This week (from Monday 29 March 2027) | Ada Lovelace <mailto:ada@example.org>"
        " | Ben Okri <mailto:ben@example.org> | —"
    ) in text
    assert (
        "Next week (from Monday 5 April 2027) | Cleo Park <mailto:cleo@example.org>"
        " | Ada Lovelace <mailto:ada@example.org> | Easter Monday: brief on Tuesday"
    ) in text
    # the absence in these two weeks is listed, the one in May is not
    assert (
        "* Ada Lovelace <mailto:ada@example.org> is away from Thursday 1 April 2027 to Friday 2 April 2027."
        in text
    )
    assert "May 2027" not in text


def test_process_rota_follows_the_date_into_the_next_week(tmp_path: Path) -> None:
    monday = datetime(2027, 4, 5, 7, 0, tzinfo=TZ)
    text = section("Process", guide_settings(tmp_path), now=monday)
    assert "This week (from Monday 5 April 2027) | Cleo Park" in text
    assert "Next week (from Monday 12 April 2027) | Not on the rota yet | — | —" in text
    assert (
        "tell the coordinator on duty this week, Cleo Park <mailto:cleo@example.org>, or if they are away, the backup, Ada Lovelace"
        in text
    )


def test_process_explains_sources_submission_review_and_duties(tmp_path: Path) -> None:
    text = section("Process", guide_settings(tmp_path))
    assert "Staff and partners | Employee awards, partner and client achievements" in text
    assert "You send them with the submission form <https://forms.example/submit>." in text
    assert "No alerts or feeds are set up yet: the coordinator looks for mentions" in text
    assert "Use the submission form <https://forms.example/submit>. It asks for:" in text
    assert "* May we share this publicly?" in text
    assert "* Policy check: Chorus looks for words that suggest confidential material" in text
    assert "* Scheduling: an approved item is scheduled" in text
    assert "Reads the daily brief, sent by email every working day at 8:30 am" in text
    # no alert feeds: nothing claims alerts arrive every ten minutes
    assert "ten minutes between 8:04 am" not in text
    assert "Monitors mentions: the coordinator looks for what is said about us" in text
    assert (
        "If you see a compliment or a criticism of Example Org online, tell the coordinator on duty this week, Ada Lovelace <mailto:ada@example.org>"
        in text
    )


def test_the_brief_time_comes_from_the_schedule(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path, schedule={"brief": "working days at 07:45"})
    assert "sent by email every working day at 7:45 am" in section("Process", settings)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("working days at 08:30", "every working day at 8:30 am"),
        ("daily at 07:30", "every day at 7:30 am"),
        ("monday at 08:00", "every Monday at 8 am"),
        (
            "first working day of the month at 10:00",
            "on the first working day of the month at 10 am",
        ),
        (
            "every 10 minutes 08:00-18:00 on working days",
            "every ten minutes between 8 am and 6 pm on working days",
        ),
        ("every 1 hour", "every one hour"),
        ("at odd moments", "on the schedule “at odd moments”"),
    ],
)
def test_schedules_read_as_words(spec: str, words: str) -> None:
    assert schedule_in_words(spec) == words


def test_process_without_a_form_link_or_rota_says_whom_to_ask(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    text = section("Process", settings, sheets(Rota=[]))
    assert "Use the submission form (ask the coordinator on duty for its link)" in text
    assert "This week (from Monday 29 March 2027) | Not on the rota yet" in text
    assert "tell the coordinator on duty (see the rota above)" in text


def test_policies_show_current_ones_with_version_date_text_and_how_to_acknowledge(
    tmp_path: Path,
) -> None:
    text = section("Policy and guidelines", guide_settings(tmp_path))
    assert (
        "## Social media policy\nPolicy P-01; in effect since 1 March 2027; owner Dev Rao <mailto:dev@example.org>."
        in text
    )
    assert (
        "Speak for yourself, not for the firm, unless you are the coordinator.\nNever share:\n* client names without written permission\n* anything marked confidential\nWhen in doubt"
        in text
    )
    assert "## Photos of colleagues\nGuideline G-01; in effect since 1 September 2026." in text
    assert "Old policy" not in text
    assert (
        "When you have read them, confirm it with the acknowledgement form <https://forms.example/ack>."
        " The form asks for the version you read: this is version 2.1."
    ) in text
    assert text.index("Social media policy\n") < text.index("Photos of colleagues\n")


def test_about_says_when_it_was_generated_reviewed_and_how_to_give_feedback(tmp_path: Path) -> None:
    utc_now = NOW.astimezone(ZoneInfo("UTC"))
    text = section("About this document", guide_settings(tmp_path), now=utc_now)
    assert (
        "This guide was generated on Wednesday 31 March 2027 at 8:30 am (Europe/London time)."
        in text
    )
    # one version and one next review date for the whole document; a retired policy's
    # later review does not count, the earliest review decides when the next is due
    assert (
        "This is version 2.1 of the guide and its policy. Each part (our principles, the goals, "
        "the networks, the sources, the process and every policy) is reviewed at least every "
        "180 days. The latest review was on 15 March 2027; the next review is due by "
        "19 August 2027."
    ) in text
    assert "version 1.0" not in text
    assert (
        "Tell us what to improve with the guide feedback form <https://forms.example/feedback>. Two pieces of feedback are open."
        in text
    )


def test_dates_follow_the_organisations_day_order(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path, organisation={"day_first": False})
    assert "in effect since March 1, 2027" in section("Policy and guidelines", settings)


# --- escaping -----------------------------------------------------------------

HOSTILE = '<script>alert("x")</script> **bold** [click](javascript:alert(1)) | & <img src=x onerror=alert(1)>'


def hostile_sheets() -> dict[str, list[dict[str, str]]]:
    rows = sheets()
    rows["Goals"] = [dict(rows["Goals"][0], goal=HOSTILE, why=HOSTILE)]
    rows["Channels"] = [
        dict(
            rows["Channels"][0], channel="LinkedIn", handle="javascript:alert(1)", purpose=HOSTILE
        ),
        dict(rows["Channels"][1], handle='https://x.com/a"onmouseover="alert(1)'),
    ]
    rows["People"] = [dict(rows["People"][0], name=HOSTILE)]
    rows["Policies"] = [
        dict(rows["Policies"][0], title=HOSTILE, text=f"# Heading\n{HOSTILE}\n- {HOSTILE}")
    ]
    rows["Rota"] = [dict(rows["Rota"][1], notes=HOSTILE)]
    return rows


def test_hostile_sheet_text_is_escaped_in_html(tmp_path: Path) -> None:
    settings = guide_settings(
        tmp_path, forms={"feedback": {"kind": "csv", "path": "f.csv", "url": "javascript:alert(1)"}}
    )
    result = plan(snapshot_of(hostile_sheets()), NOW, settings)
    html = result.files[0].content.decode()
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("#", "https://", "mailto:")) for h in hrefs)
    assert not any("javascript" in h for h in hrefs)
    assert (
        "Tell us what to improve with the guide feedback form (ask the policy owner for its link)."
        in html
    )
    # the quote cannot break out of the attribute
    assert 'href="https://x.com/a&#34;onmouseover=&#34;alert(1)"' in html
    assert 'onmouseover="' not in html


@pytest.mark.parametrize("text", [HOSTILE, 'Tom & Jerry\'s "best" <b>', "", "plain"])
def test_html_escaping_is_jinjas_autoescape(text: str) -> None:
    import markupsafe

    assert escape(text) == str(markupsafe.escape(text))


def test_hostile_sheet_text_is_inert_in_markdown(tmp_path: Path) -> None:
    result = plan(snapshot_of(hostile_sheets()), NOW, guide_settings(tmp_path))
    markdown = result.files[1].content.decode()
    assert not re.search(r"(?<!\\)<(script|img)", markdown)
    assert "\\<script\\>" in markdown
    assert "\\*\\*bold\\*\\*" in markdown
    assert "\\[click\\](javascript:alert(1))" in markdown
    assert "](javascript" not in markdown.replace("\\](javascript", "")
    assert "\\# Heading" in markdown
    # a pipe in a cell cannot add a column to the rota table
    rota = next(line for line in markdown.splitlines() if line.startswith("| This week"))
    assert rota.count(" | ") == 3 + 0 and "\\|" in rota


def test_markdown_contents_links_match_its_anchors(tmp_path: Path) -> None:
    markdown = render_markdown(build_guide(snapshot_of(sheets()), NOW, guide_settings(tmp_path))[0])
    links = re.findall(r"^\s*- \[[^\]]+\]\(#([a-z0-9-]+)\)$", markdown, re.MULTILINE)
    anchors = re.findall(r'^<a id="([a-z0-9-]+)"></a>$', markdown, re.MULTILINE)
    assert links == anchors
    assert len(links) == 6 + 3 + 7 + 2


# --- rewritten only when something changed -----------------------------------


def test_rerunning_with_nothing_changed_writes_nothing_and_says_unchanged(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path)
    first = plan(snapshot_of(sheets()), NOW, settings)
    assert [f.name for f in first.files] == ["guide.html", "guide.md"]
    assert first.report.lines == ("new guide: 6 sections",)
    write_files(settings, first)

    later = datetime(2027, 3, 31, 15, 0, tzinfo=TZ)
    again = plan(snapshot_of(sheets()), later, settings, on_disk(settings))
    assert again.files == ()
    assert again.report.counts == {"unchanged": 1}
    assert again.report.lines[0].startswith("unchanged")


def test_a_change_rewrites_the_files_names_the_sections_and_updates_generated_at(
    tmp_path: Path,
) -> None:
    settings = guide_settings(tmp_path)
    write_files(settings, plan(snapshot_of(sheets()), NOW, settings))
    rows = sheets()
    rows["Channels"][0]["post_window"] = "10:00-12:00"
    rows["Feedback"] = []
    later = datetime(2027, 4, 1, 9, 15, tzinfo=TZ)
    result = plan(snapshot_of(rows), later, settings, on_disk(settings))
    assert result.report.counts == {"sections_changed": 2, "files": 2}
    assert result.report.lines == ("changed: Tools", "changed: About this document")
    html = result.files[0].content.decode()
    assert "between 10 am and 12 noon" in html
    assert "generated on Thursday 1 April 2027 at 9:15 am" in html
    assert '<meta name="chorus-generated-at" content="2027-04-01T09:15:00+01:00">' in html


def test_a_new_layout_with_the_same_content_keeps_the_generated_time(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path)
    folder = write_files(settings, plan(snapshot_of(sheets()), NOW, settings))
    html = folder / "guide.html"
    html.write_text(
        html.read_text(encoding="utf-8").replace("<main>", "<main class='old'>"), encoding="utf-8"
    )
    later = datetime(2027, 4, 2, 9, 0, tzinfo=TZ)
    result = plan(snapshot_of(sheets()), later, settings, on_disk(settings))
    assert result.report.lines == ("rewritten: same content, new layout or a missing file",)
    assert "generated on Wednesday 31 March 2027 at 8:30 am" in result.files[0].content.decode()


def test_the_plan_carries_the_guide_its_files_were_rendered_from(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path)
    folder = write_files(settings, plan(snapshot_of(sheets()), NOW, settings))
    markdown_missing = previous_guide((folder / "guide.html").read_text(encoding="utf-8"), None)
    later = datetime(2027, 4, 2, 9, tzinfo=TZ)
    result = plan(snapshot_of(sheets()), later, settings, markdown_missing)
    assert result.guide.generated_at == NOW  # same content: the generated time is kept
    html, markdown = (f.content.decode() for f in result.files)
    assert html == render_html(result.guide)
    assert markdown == render_markdown(result.guide)


def test_the_guide_job_runs_through_the_runner_and_skips_an_unchanged_guide(tmp_path: Path) -> None:
    settings = guide_settings(tmp_path)
    workspace = build_workspace(settings)
    workspace.store.ensure_tabs()
    workspace.store.apply(
        Changes(appends=tuple(Append(tab, row) for tab, rows in sheets().items() for row in rows))
    )
    first = run_job(workspace, "guide", NOW)
    folder = tmp_path / "guide"
    assert sorted(Path(f).name for f in first.files) == ["guide.html", "guide.md"]
    html_before = (folder / "guide.html").read_bytes()
    assert b"Ada Lovelace" in html_before
    second = run_job(workspace, "guide", datetime(2027, 3, 31, 16, 0, tzinfo=TZ))
    assert second.files == []
    assert second.summary() == "unchanged 1"
    assert (folder / "guide.html").read_bytes() == html_before


def test_compliments_go_to_the_backup_when_the_week_has_no_coordinator(tmp_path: Path) -> None:
    rota = [{"week_starting": "2027-03-29", "coordinator": "", "backup": "ben@example.org"}]
    text = section("Process", guide_settings(tmp_path), sheets(Rota=rota))
    assert (
        "This week (from Monday 29 March 2027) | nobody yet | Ben Okri <mailto:ben@example.org>"
        in text
    )
    assert (
        "of Example Org online, tell Ben Okri <mailto:ben@example.org>, who covers this week."
        in text
    )
