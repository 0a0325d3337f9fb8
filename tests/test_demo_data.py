"""The demo program's data: realistic, complete, valid against the schema, and repeatable."""

from __future__ import annotations

import csv
import mailbox
import re
from collections import Counter
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import feedparser
import pytest

from automation.config import load_settings
from automation.demo import (
    BACKUPS,
    COORDINATORS,
    DEMO_ORG,
    DOMAIN,
    POLICY_VERSION,
    demo_config_toml,
    demo_rows,
    email_of,
    write_inputs,
)
from automation.store.xlsx import XlsxStore
from sheets_schema.columns import MENTION_KINDS, MENTION_STATUSES, SOURCE_KINDS, Kind
from sheets_schema.forms import FORMS
from sheets_schema.records import Append, Changes
from sheets_schema.tabs import TABS
from sheets_schema.values import (
    is_http_url,
    parse_date,
    parse_datetime,
    parse_days,
    parse_email,
    parse_int,
    parse_time_window,
    parse_yes_no,
    split_multi,
)

TZ = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 24)  # a Tuesday
# A weekday, a Sunday, New Year's Eve and the day the clocks go forward.
DAYS = (TODAY, date(2026, 11, 29), date(2026, 12, 31), date(2027, 3, 28))


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, str]]]:
    return demo_rows(TODAY)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_inputs(tmp_path_factory.mktemp("demo"), TODAY)


def cell_problems(tab_name: str, rows: list[dict[str, str]]) -> list[str]:
    """Every cell checked with the parsers the jobs use; returns problems in words."""
    tab = TABS[tab_name]
    problems = []
    keys = Counter(tuple(r[f] for f in tab.key) for r in rows)
    problems += [f"{tab_name}: duplicate key {k}" for k, n in keys.items() if n > 1]
    for n, row in enumerate(rows, start=2):
        if set(row) != set(tab.fields):
            problems.append(f"{tab_name} row {n}: fields {sorted(set(row) ^ set(tab.fields))}")
        for col in tab.columns:
            value = row.get(col.field, "")
            if not isinstance(value, str):
                problems.append(f"{tab_name} row {n} {col.header}: not text: {value!r}")
                continue
            if not value:
                if col.required:
                    problems.append(f"{tab_name} row {n} {col.header}: required but empty")
                continue
            try:
                if col.kind is Kind.DATE:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), "not YYYY-MM-DD"
                    parse_date(value)
                elif col.kind is Kind.DATETIME:
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", value), (
                        "not YYYY-MM-DD HH:MM"
                    )
                    parse_datetime(value, TZ)
                elif col.kind is Kind.EMAIL:
                    parse_email(value)
                elif col.kind is Kind.URL:
                    assert is_http_url(value), "not an http(s) URL"
                elif col.kind is Kind.INTEGER:
                    parse_int(value)
                elif col.kind is Kind.DAYS:
                    assert parse_days(value), "no days"
                elif col.kind is Kind.TIME_WINDOW:
                    assert parse_time_window(value), "no window"
                elif col.kind is Kind.YES_NO:
                    parse_yes_no(value)
                    assert value in col.choices, f"not one of {col.choices}"
                elif col.kind is Kind.CHOICE:
                    assert value in col.choices, f"not one of {col.choices}"
                elif col.kind is Kind.MULTI_CHOICE:
                    parts = split_multi(value)
                    assert parts and set(parts) <= set(col.choices), f"not within {col.choices}"
            except (ValueError, AssertionError) as exc:
                problems.append(f"{tab_name} row {n} {col.header} = {value!r}: {exc}")
    return problems


def local(text: str) -> datetime:
    return parse_datetime(text, TZ)


def test_demo_is_the_same_for_the_same_day_and_seed(tmp_path: Path) -> None:
    assert demo_rows(TODAY) == demo_rows(TODAY)
    assert demo_rows(TODAY, seed=8) != demo_rows(TODAY)
    first, second = write_inputs(tmp_path / "a", TODAY), write_inputs(tmp_path / "b", TODAY)
    files_a = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    files_b = sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert files_a == files_b and len(files_a) == 7 + 10  # 5 forms, 2 feeds, 10 messages
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert (
        set(first)
        == set(second)
        == {
            "submissions",
            "acknowledgements",
            "feedback",
            "approval",
            "mention",
            "alerts",
            "newsroom",
            "inbox",
        }
    )


def test_writing_the_inputs_twice_does_not_duplicate_mail(tmp_path: Path) -> None:
    write_inputs(tmp_path, TODAY)
    paths = write_inputs(tmp_path, TODAY)
    assert len(mailbox.Maildir(paths["inbox"], create=False)) == 10


@pytest.mark.parametrize("today", DAYS)
def test_every_demo_row_fits_the_schema(today: date) -> None:
    rows = demo_rows(today)
    assert set(rows) == set(TABS)
    problems = [p for name, tab_rows in rows.items() for p in cell_problems(name, tab_rows)]
    assert problems == []


def test_demo_program_has_a_realistic_size(rows: dict[str, list[dict[str, str]]]) -> None:
    people = rows["People"]
    assert 40 <= len(people) <= 80
    assert 4 <= len({p["team"] for p in people}) <= 5
    assert len(rows["Policies"]) == 10
    assert len(rows["Queue"]) >= 60
    assert 4 <= len(rows["Goals"]) <= 7
    assert [c["channel"] for c in rows["Channels"]] == [
        "LinkedIn",
        "X",
        "Facebook",
        "YouTube",
        "Instagram",
    ]
    assert 20 <= len(rows["Mentions"]) <= 30
    for empty in ("Cadence", "Sent", "Runs", "Crises"):
        assert rows[empty] == []
    assert [(r["setting"], r["value"]) for r in rows["Program"]] == [
        ("Crisis Mode", "Off"),
        ("Policy Version", POLICY_VERSION),
    ]
    assert sorted(f["status"] for f in rows["Feedback"]) == ["Changed", "New"]


def test_people_have_roles_managers_and_one_outsider(rows: dict[str, list[dict[str, str]]]) -> None:
    people = rows["People"]
    by_role = Counter(role for p in people for role in split_multi(p["roles"]))
    assert by_role["Staff"] > len(people) / 2
    assert 2 <= by_role["Coordinator"] <= 3 and 2 <= by_role["Backup"] <= 3
    assert 1 <= by_role["Policy Owner"] <= 2
    managers = {p["team"]: p["email"] for p in people if "Manager" in p["roles"]}
    assert len(managers) == len({p["team"] for p in people})
    for p in people:
        if "Manager" not in p["roles"]:
            assert p["manager_email"] == managers[p["team"]], p["name"]
    assert sum(p["active"] == "No" for p in people) == 2
    outsiders = [p for p in people if not p["email"].endswith("@" + DOMAIN)]
    assert [(p["email"], p["active"]) for p in outsiders] == [
        ("sam.porter.design@gmail.com", "Yes")
    ]


def test_channels_differ_in_how_people_typed_their_days_and_windows(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    channels = {c["channel"]: c for c in rows["Channels"]}
    assert parse_days(channels["X"]["post_days"]) == (0, 1, 2, 3, 4)
    assert parse_days(channels["Instagram"]["post_days"]) == (0, 1, 2, 3, 4)
    assert len({c["post_days"] for c in channels.values()}) == 5
    assert "am" in channels["Facebook"]["post_window"] and " - " in channels["X"]["post_window"]
    assert min(int(c["posts_per_week"]) for c in channels.values()) == 1  # YouTube is quieter


def test_rota_runs_six_weeks_either_side_with_absences_that_matter(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    rota = rows["Rota"]
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = [parse_date(r["week_starting"]) for r in rota]
    assert weeks == [monday + timedelta(weeks=n) for n in range(-6, 7)]
    assert {r["coordinator"] for r in rota} == {email_of(n) for n in COORDINATORS}
    assert {r["backup"] for r in rota} == {email_of(n) for n in BACKUPS}
    assert sum(bool(r["notes"]) for r in rota) >= 3
    away = {(a["email"], d) for a in rows["Absences"] for d in _days(a)}
    this_week = next(r for r in rota if parse_date(r["week_starting"]) == monday)
    assert (this_week["coordinator"], TODAY) in away
    both = [
        d
        for r in rota
        if parse_date(r["week_starting"]) > monday
        for d in (parse_date(r["week_starting"]) + timedelta(days=i) for i in range(5))
        if (r["coordinator"], d) in away and (r["backup"], d) in away
    ]
    assert len(both) == 1


def _days(absence: dict[str, str]) -> list[date]:
    start, end = parse_date(absence["from_date"]), parse_date(absence["to_date"])
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _in_window(when: datetime, channel: dict[str, str]) -> bool:
    days, windows = parse_days(channel["post_days"]), parse_time_window(channel["post_window"])
    return when.weekday() in days and any(a <= when.time() < b for a, b in windows)


def test_queue_covers_every_status_source_and_timing_case(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    queue = rows["Queue"]
    channels = {c["channel"]: c for c in rows["Channels"]}
    assert [q["id"] for q in queue] == [f"Q-{n:04d}" for n in range(1, len(queue) + 1)]
    assert {q["source_kind"] for q in queue} == set(SOURCE_KINDS)
    assert {q["status"] for q in queue} == {"New", "Approved", "Scheduled", "Published", "Rejected"}
    start_of_today = datetime.combine(TODAY, datetime.min.time(), TZ)
    scheduled = [q for q in queue if q["status"] == "Scheduled"]
    future = [q for q in scheduled if local(q["scheduled_for"]) > start_of_today]
    overdue = [q for q in scheduled if local(q["scheduled_for"]) < start_of_today]
    assert len(overdue) == 1 and len(future) == len(scheduled) - 1
    assert all(local(q["scheduled_for"]).date() <= TODAY + timedelta(days=14) for q in future)
    outside = [
        q
        for q in future
        if not all(
            _in_window(local(q["scheduled_for"]), channels[c]) for c in split_multi(q["channels"])
        )
    ]
    assert len(outside) == 1 and len(future) >= 8
    published = [q for q in queue if q["status"] == "Published"]
    for q in published:
        at = local(q["published_at"])
        assert TODAY - timedelta(days=35) <= at.date() < TODAY
        assert q["post_url"].startswith("https://") and q["reviewer"]
        assert local(q["created"]) < at
    staff = [q for q in queue if q["source_kind"] == "Staff & partners"]
    assert staff and all(q["submitted_by"] for q in staff)
    assert sum(bool(q["flags"]) for q in queue) >= 2


def test_submissions_tell_the_story_of_the_staff_queue_items(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    queue = {q["id"]: q for q in rows["Queue"]}
    submissions = rows["Submissions"]
    merged = [s for s in submissions if s["reason"].startswith("Merged:")]
    accepted = [s for s in submissions if s["status"] == "Accepted" and s not in merged]
    rejected = [s for s in submissions if s["status"] == "Rejected"]
    assert rejected and all(s["reason"] and not s["queue_id"] for s in rejected)
    # one suggestion joined the same article already on its way, rather than being turned away
    (joined,) = merged
    assert joined["status"] == "Accepted"
    assert queue[joined["queue_id"]]["headline"] == joined["headline"]
    assert queue[joined["queue_id"]]["status"] != "Rejected"
    for s in accepted:
        item = queue[s["queue_id"]]
        assert (item["submitted_by"], item["headline"]) == (s["email"], s["headline"])
        assert item["origin"] == f"Form response {s['response_id']}"
    staff_ids = {q["id"] for q in queue.values() if q["source_kind"] == "Staff & partners"}
    assert staff_ids == {s["queue_id"] for s in accepted}


def test_mentions_cover_kinds_statuses_and_slow_direct_messages(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    mentions = rows["Mentions"]
    assert {m["kind"] for m in mentions} == set(MENTION_KINDS)
    assert {m["status"] for m in mentions} == set(MENTION_STATUSES)
    start_of_today = datetime.combine(TODAY, datetime.min.time(), TZ)
    for m in mentions:
        assert (
            start_of_today - timedelta(days=28)
            <= local(m["found_at"])
            <= start_of_today + timedelta(hours=8)
        )
        if m["status"] == "Responded":
            assert local(m["responded_at"]) > local(m["found_at"])
        else:
            assert m["responded_at"] == ""
    open_old_dms = [
        m
        for m in mentions
        if m["kind"] == "Direct message"
        and m["status"] == "New"
        and local(m["found_at"]) < start_of_today - timedelta(hours=24)
    ]
    assert len(open_old_dms) >= 2
    assert sum(m["status"] == "Responded" for m in mentions) >= 8


def test_policies_are_the_classic_ten_with_two_due_for_review(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    policies = rows["Policies"]
    assert [p["id"] for p in policies] == [f"P-{n:02d}" for n in range(1, 11)]
    assert {p["kind"] for p in policies} == {"Policy", "Guideline"}
    owners = {p["email"] for p in rows["People"] if "Policy Owner" in p["roles"]}
    assert {p["owner"] for p in policies} <= owners
    stale = [p for p in policies if (TODAY - parse_date(p["last_reviewed"])).days > 180]
    assert len(stale) == 2
    recent = [p for p in policies if (TODAY - parse_date(p["effective"])).days <= 30]
    assert [p["version"] for p in recent] == ["2.1"]
    for p in policies:
        assert 2 <= len(re.findall(r"[.!?](\s|$)", p["text"])) <= 4, p["title"]
    titles = " ".join(p["title"].lower() for p in policies)
    for words in ("confidential", "affiliation", "copyright", "permanent", "compliments"):
        assert words in titles


def test_about_sixty_percent_of_staff_acknowledged_the_current_version(
    rows: dict[str, list[dict[str, str]]],
) -> None:
    active = {p["email"] for p in rows["People"] if p["active"] == "Yes"}
    acks = rows["Acknowledgements"]
    current = {a["email"] for a in acks if a["policy_version"] == POLICY_VERSION}
    older = {a["email"] for a in acks if a["policy_version"] != POLICY_VERSION}
    assert current <= active and older
    assert 0.55 <= len(current) / len(active) <= 0.65
    assert not current & older


def test_form_exports_look_like_google_forms_csv(
    rows: dict[str, list[dict[str, str]]], inputs: dict[str, Path]
) -> None:
    exported = {}
    for form in ("submissions", "acknowledgements", "feedback"):
        with inputs[form].open(encoding="utf-8", newline="") as fh:
            table = list(csv.reader(fh))
        assert table[0] == ["Timestamp", "Email Address", *(q.title for q in FORMS[form].questions)]
        for line in table[1:]:
            assert len(line) == len(table[0])
            stamp = datetime.strptime(line[0], "%d/%m/%Y %H:%M:%S")
            assert TODAY - timedelta(days=6) <= stamp.date() <= TODAY
        exported[form] = [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    subs = exported["submissions"]
    assert 8 <= len(subs) <= 12
    assert any(not s["Email Address"].endswith("@" + DOMAIN) for s in subs)
    assert any(s["Link (optional)"].startswith("javascript:") for s in subs)
    assert '=HYPERLINK("http://evil.example","click")' in {s["Headline"] for s in subs}
    assert any(
        "confidential" in s["Tell us more"].lower() and re.search(r"\d{5} \d{6}", s["Tell us more"])
        for s in subs
    )
    assert "Not sure" in {s["May we share this publicly?"] for s in subs}
    multi = [s["Tell us more"] for s in subs if "\n" in s["Tell us more"]]
    assert multi and "," in multi[0] and '"' in multi[0]
    assert any(", " in s["Where should it go?"] for s in subs)
    acks = exported["acknowledgements"]
    assert 10 <= len(acks) <= 20
    already = {
        a["email"] for a in rows["Acknowledgements"] if a["policy_version"] == POLICY_VERSION
    }
    assert not {a["Email Address"] for a in acks} & already
    assert len(exported["feedback"]) == 2


def test_google_alerts_feed_parses_like_the_real_one(inputs: dict[str, Path]) -> None:
    feed = feedparser.parse(inputs["alerts"].read_text(encoding="utf-8"))
    assert not feed.bozo
    assert feed.feed.title == "Google Alert - Greenfield Law"
    assert re.fullmatch(
        r"tag:google\.com,2005:reader/user/\d+/state/com\.google/alerts/\d+", feed.feed.id
    )
    assert 6 <= len(feed.entries) <= 10
    targets = []
    for entry in feed.entries:
        link = urlparse(entry.link)
        assert (link.netloc, link.path) == ("www.google.com", "/url")
        query = parse_qs(link.query)
        assert query["ct"] == ["ga"] and query["usg"][0].startswith("AOvVaw")
        targets.append(query["url"][0])
        published = datetime(*entry.published_parsed[:6], tzinfo=ZoneInfo("UTC"))
        assert datetime.combine(TODAY, datetime.min.time(), TZ) - timedelta(days=2) <= published
        assert "<b>Greenfield Law</b>" in entry.summary
    assert len(targets) - len(set(targets)) == 1  # one story syndicated twice
    assert any("disappointed" in e.summary.lower() for e in feed.entries)
    assert "&amp;" in inputs["alerts"].read_text(encoding="utf-8")


def test_newsroom_feed_is_rss_with_one_item_already_queued(
    rows: dict[str, list[dict[str, str]]], inputs: dict[str, Path]
) -> None:
    feed = feedparser.parse(inputs["newsroom"].read_text(encoding="utf-8"))
    assert not feed.bozo and feed.version == "rss20"
    links = {e.link for e in feed.entries}
    assert len(links) >= 4
    assert links & {q["link"] for q in rows["Queue"]}
    assert links - {q["link"] for q in rows["Queue"]}


def test_inbox_holds_realistic_forwarded_mail(inputs: dict[str, Path]) -> None:
    box = mailbox.Maildir(inputs["inbox"], create=False)
    messages = [message_from_bytes(m.as_bytes(), policy=default) for _k, m in sorted(box.items())]
    assert len(messages) == 10
    for msg in messages:
        assert msg["From"] and msg["Date"] and msg["Message-ID"] and msg["Subject"]
    html = [m for m in messages if m.get_content_type() == "multipart/alternative"]
    assert len(html) == 1
    body = html[0].get_body(("html",)).get_content()
    assert "list-manage.com/track/click?u=" in body and "utm_source=" in body
    raw = (inputs["inbox"] / "new").glob("*")
    assert any(b"=?utf-8?q?Caf=C3=A9" in p.read_bytes() for p in raw)
    cafe = next(m for m in messages if m["Subject"].startswith("Café Society"))
    assert "José Núñez" in cafe.get_content()
    assert any(m["Subject"].startswith("Re: ") and m["In-Reply-To"] for m in messages)
    senders = {m["From"].addresses[0].domain for m in messages}
    assert senders == {
        DOMAIN,
        "rankboost-marketing.example",
        "linkedin.com",
        "x.com",
        "facebookmail.com",
    }
    # The firm's mail server vouches for every sender but the one forging a colleague.
    verdicts = {
        str(m["Subject"]): "dmarc=pass" in str(m["Authentication-Results"]) for m in messages
    }
    assert [s for s, passed in verdicts.items() if not passed] == [
        "Please post today: new client offer"
    ]
    assert all(str(m["Authentication-Results"]).startswith(f"mx.{DOMAIN};") for m in messages)


def test_demo_config_loads_and_points_at_the_demo_inputs(tmp_path: Path) -> None:
    paths = write_inputs(tmp_path, TODAY)
    (tmp_path / "chorus.toml").write_text(demo_config_toml(tmp_path), encoding="utf-8")
    settings = load_settings(tmp_path / "chorus.toml")
    assert settings.organisation.name == DEMO_ORG["name"]
    assert settings.organisation.email_domains == (DOMAIN,)
    assert not settings.allows_recipient("sam.porter.design@gmail.com")
    assert settings.backend.workbook == tmp_path.resolve() / "workbook.xlsx"
    for form in ("submissions", "acknowledgements", "feedback", "mention"):
        assert settings.forms[form].path == paths[form].resolve()
        assert settings.forms[form].url.startswith("https://docs.google.com/forms/d/e/")
    feeds = {f.name: f for f in settings.alerts.feeds}
    assert Path(feeds["Google Alerts"].url) == paths["alerts"].resolve()
    assert (feeds["Newsroom"].use, feeds["Newsroom"].source_kind) == ("content", "Organisation")
    assert settings.mail.transport == "outbox" and settings.mail.sender == f"social@{DOMAIN}"
    assert settings.inbox.kind == "maildir" and settings.inbox.path == paths["inbox"].resolve()
    assert settings.guide.output_dir == tmp_path.resolve()


def test_demo_rows_load_into_the_local_workbook(
    tmp_path: Path, rows: dict[str, list[dict[str, str]]]
) -> None:
    store = XlsxStore(tmp_path / "workbook.xlsx")
    store.ensure_tabs()
    appends = tuple(Append(name, row) for name, tab_rows in rows.items() for row in tab_rows)
    result = store.apply(Changes(appends=appends))
    assert result.skipped == []
    snapshot = store.read(["People", "Queue", "Channels"])
    assert len(snapshot["Queue"]) == len(rows["Queue"])
    assert snapshot["Channels"].loc[3, "post_window"] == "12:00 - 13:00"
    assert snapshot["People"]["email"].tolist() == [p["email"] for p in rows["People"]]
