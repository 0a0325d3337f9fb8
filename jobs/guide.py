"""The employee guide, "Social media at <organisation>", generated from the sheets.

The guide's content is a list of `Section`s made of plain data (paragraphs,
lists, tables, links), so the same content can be written as HTML, Markdown
or Google Docs requests. `plan()` writes guide.html and guide.md only when
the content changed; the "generated" line keeps its old time otherwise.

    gather  read the guide already on disk (its text, generated-at, section hashes)
    plan    build the sections, compare with what is on disk, render when changed
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from jobs.base import Job, OutputFile, Plan, Report
from jobs.rota import monday_of, on_duty
from sheets_schema.errors import SheetError
from sheets_schema.forms import FORMS
from sheets_schema.records import Snapshot
from sheets_schema.values import (
    DAY_NAMES,
    clean_text,
    is_http_url,
    parse_date,
    parse_days,
    parse_email,
    parse_int,
    parse_time_window,
    parse_yes_no,
)

if TYPE_CHECKING:
    from sheets_schema.settings import Settings

HTML_NAME = "guide.html"
MARKDOWN_NAME = "guide.md"
TABS_READ = ("Goals", "Channels", "People", "Rota", "Absences", "Policies", "Feedback")


# ---------------------------------------------------------------------------
# The guide as plain data


@dataclass(frozen=True)
class Link:
    """A link inside text; `url` is http(s), mailto: or a #anchor in the guide."""

    text: str
    url: str
    kind: str = field(default="link", init=False)


@dataclass(frozen=True)
class Strong:
    """Text shown in bold (a label such as "When we post:")."""

    text: str
    kind: str = field(default="strong", init=False)


Inline = str | Link | Strong
Runs = tuple[Inline, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of runs; `volatile` marks text that may change without the content changing."""

    runs: Runs
    volatile: bool = False
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class ItemList:
    """A bulleted (or numbered, when `ordered`) list; each item is a tuple of runs."""

    items: tuple[Runs, ...]
    ordered: bool = False
    kind: str = field(default="list", init=False)


@dataclass(frozen=True)
class Table:
    """A table with a header row; each cell is a tuple of runs."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Runs, ...], ...]
    kind: str = field(default="table", init=False)


Block = Paragraph | ItemList | Table


@dataclass(frozen=True)
class Subsection:
    """A titled part of a section, with its own anchor (listed in the table of contents)."""

    title: str
    anchor: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Section:
    """One of the guide's five sections: intro blocks, then subsections."""

    title: str
    anchor: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Subsection, ...] = ()


def guide_title(settings: Settings) -> str:
    """The guide's title, "Social media at <organisation>"."""
    return f"Social media at {clean_text(settings.organisation.name)}"


# ---------------------------------------------------------------------------
# Words: numbers, days, clock times, cadence, schedules, dates

_NUMBER_WORDS = (
    "no", "one", "two", "three", "four", "five", "six",
    "seven", "eight", "nine", "ten", "eleven", "twelve",
)  # fmt: skip


def number_in_words(n: int) -> str:
    """Numbers up to twelve in words, larger ones in digits (house style for prose)."""
    return _NUMBER_WORDS[n] if 0 <= n <= 12 else str(n)


def join_words(parts: Sequence[str], conjunction: str = "and") -> str:
    """'a', 'a and b', 'a, b and c' (no serial comma)."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def _half(t: time) -> str:
    """'am', 'pm', 'noon' or 'midnight': which suffix a clock time needs."""
    if t == time(0, 0) or t >= time(23, 59, 59):
        return "midnight"
    if t == time(12, 0):
        return "noon"
    return "am" if t < time(12, 0) else "pm"


def _bare_clock(t: time) -> str:
    hour = t.hour % 12 or 12
    return f"{hour}" if t.minute == 0 else f"{hour}:{t.minute:02d}"


def clock_in_words(t: time) -> str:
    """A time as people say it: '9 am', '9:30 am', '12 noon', '2:15 pm', 'midnight'."""
    half = _half(t)
    if half == "midnight":
        return "midnight"
    if half == "noon":
        return "12 noon"
    return f"{_bare_clock(t)} {half}"


def window_in_words(start: time, end: time) -> str:
    """'between 9 and 11 am', 'between 12 noon and 1 pm', 'between 11 am and 1 pm'.

    The suffix is written once when both ends are in the same half of the day;
    noon and midnight are always spelled out, so no end is ever ambiguous.
    """
    first, second = _half(start), _half(end)
    if first == second and first in ("am", "pm"):
        return f"between {_bare_clock(start)} and {clock_in_words(end)}"
    return f"between {clock_in_words(start)} and {clock_in_words(end)}"


_WEEKDAYS = (0, 1, 2, 3, 4)
_WEEKEND = (5, 6)
_ALL_DAYS = tuple(range(7))


def days_in_words(days: Iterable[int], posts_per_week: int | None = None) -> str:
    """'on weekdays', 'at weekends', 'on Mondays, Wednesdays and Fridays', 'on working days'.

    Fewer posts than listed days joins the days with 'or': the coordinator
    picks among them.
    """
    days = tuple(sorted(set(days)))
    if not days:
        return "on working days"
    if days == _ALL_DAYS:
        return "on any day of the week"
    if days == _WEEKDAYS:
        return "on weekdays"
    if days == _WEEKEND:
        return "at weekends"
    names = [DAY_NAMES[d] + "s" for d in days]
    choose = posts_per_week is not None and 0 < posts_per_week < len(days)
    return "on " + join_words(names, "or" if choose else "and")


def frequency_in_words(posts_per_week: int) -> str:
    """'once a week', 'twice a week', 'three times a week', '15 times a week'."""
    if posts_per_week <= 0:
        return "when there is something to share"
    if posts_per_week == 1:
        return "once a week"
    if posts_per_week == 2:
        return "twice a week"
    return f"{number_in_words(posts_per_week)} times a week"


def cadence_in_words(
    posts_per_week: int, days: Iterable[int], windows: Iterable[tuple[time, time]]
) -> str:
    """How often and when a channel is updated, in words.

    (3, Mon/Wed/Fri, 09:00-11:00) -> 'three times a week, on Mondays, Wednesdays
    and Fridays, between 9 and 11 am'; one post on each listed day of the whole
    week or the working week reads 'every day' / 'every weekday'.
    """
    days = tuple(sorted(set(days)))
    if posts_per_week == 7 and days == _ALL_DAYS:
        when = "every day"
    elif posts_per_week == 5 and days == _WEEKDAYS:
        when = "every weekday"
    else:
        when = f"{frequency_in_words(posts_per_week)}, {days_in_words(days, posts_per_week)}"
    spans = [window_in_words(start, end) for start, end in windows]
    hours = join_words(spans) if spans else "at any time of day"
    return f"{when}, {hours}"


def date_in_words(d: date, *, day_first: bool = True, weekday: bool = False) -> str:
    """'1 March 2027' (or 'March 1, 2027' when the organisation writes month first)."""
    text = f"{d.day} {d:%B %Y}" if day_first else f"{d:%B} {d.day}, {d.year}"
    return f"{d:%A} {text}" if weekday else text


def datetime_in_words(dt: datetime, settings: Settings) -> str:
    """'Monday 29 March 2027 at 8:30 am (Europe/London time)', in the organisation's zone."""
    local = dt.astimezone(settings.tz)
    day = date_in_words(local.date(), day_first=settings.organisation.day_first, weekday=True)
    clock = clock_in_words(local.time().replace(second=0, microsecond=0))
    return f"{day} at {clock} ({settings.organisation.timezone} time)"


_SCHEDULE_DAYS = {
    "working days": "every working day",
    "weekdays": "every weekday",
    "daily": "every day",
    "every day": "every day",
}


def _schedule_clock(text: str) -> str:
    hour, minute = (int(x) for x in text.split(":"))
    return clock_in_words(time(min(hour, 23), minute))


def schedule_in_words(text: str) -> str:
    """A chorus.toml schedule in words: 'working days at 08:30' -> 'every working day at 8:30 am'.

    Understands the forms the default schedule uses; anything else is quoted
    as written, which is still true if less pretty.
    """
    spec = " ".join(text.split())
    m = re.fullmatch(r"(?P<days>.+?)\s+at\s+(?P<clock>\d{1,2}:\d{2})", spec, re.IGNORECASE)
    if m:
        days = m["days"].casefold()
        if days in _SCHEDULE_DAYS:
            words = _SCHEDULE_DAYS[days]
        elif days.capitalize() in DAY_NAMES:
            words = f"every {days.capitalize()}"
        else:
            words = f"on the {days}" if days.startswith(("first", "last")) else days
        return f"{words} at {_schedule_clock(m['clock'])}"
    m = re.fullmatch(
        r"every (?P<n>\d+) (?P<unit>minutes?|hours?)"
        r"(?: (?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2}))?(?: on (?P<days>.+))?",
        spec,
        re.IGNORECASE,
    )
    if m:
        unit = m["unit"].rstrip("s") + ("s" if int(m["n"]) != 1 else "")
        words = f"every {number_in_words(int(m['n']))} {unit}"
        if m["start"]:
            start, end = (_parse_hhmm(m["start"]), _parse_hhmm(m["end"]))
            words += f" {window_in_words(start, end)}" if start < end else ""
        if m["days"]:
            words += f" on {m['days']}"
        return words
    return f"on the schedule “{spec}”"


def _parse_hhmm(text: str) -> time:
    hour, minute = (int(x) for x in text.split(":"))
    return time(23, 59, 59) if hour >= 24 else time(hour, minute)


# ---------------------------------------------------------------------------
# Reading the sheets


@dataclass
class _Context:
    """What the section builders share: settings, today, names, and problems found."""

    settings: Settings
    now: datetime
    names: dict[str, str]
    problems: list[str]

    @property
    def today(self) -> date:
        return self.now.astimezone(self.settings.tz).date()

    @property
    def day_first(self) -> bool:
        return self.settings.organisation.day_first

    def problem(self, tab: str, row: object, column: str, message: str, fix: str) -> None:
        self.problems.append(
            str(SheetError(message, tab=tab, row=_row_number(row), column=column, fix=fix))
        )

    def read_date(self, tab: str, row: object, column: str, value: object) -> date | None:
        """A date cell, or None when blank; an unreadable one is reported with its place."""
        if not clean_text(value):
            return None
        try:
            return parse_date(value, day_first=self.day_first)
        except ValueError as exc:
            self.problem(tab, row, column, str(exc), "write the date as 2027-03-29")
            return None

    def person(self, email: str) -> Runs:
        """A person as a mailto link with their name from People (their address if unknown)."""
        try:
            address = parse_email(email)
        except ValueError:
            return (clean_text(email),) if clean_text(email) else ("nobody yet",)
        return (Link(self.names.get(address, address), f"mailto:{address}"),)

    def date_words(self, d: date, *, weekday: bool = False) -> str:
        return date_in_words(d, day_first=self.day_first, weekday=weekday)


def _row_number(row: object) -> int | None:
    return row if isinstance(row, int) else None


def _rows(frame: pd.DataFrame) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, {field: trimmed text}) for each row, in sheet order."""
    records = frame.to_dict("records")
    return [
        (int(index), {k: clean_text(v) for k, v in record.items()})
        for index, record in zip(frame.index, records, strict=True)
    ]


def _names(people: pd.DataFrame) -> dict[str, str]:
    names: dict[str, str] = {}
    for _, row in _rows(people):
        try:
            names[parse_email(row.get("email", ""))] = row.get("name", "") or row["email"]
        except ValueError:
            continue
    return names


_ANCHOR_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """An anchor-safe slug: lower-case letters, digits and hyphens only."""
    return _ANCHOR_RE.sub("-", clean_text(text).casefold()).strip("-") or "item"


def _unique(anchor: str, taken: set[str]) -> str:
    candidate, n = anchor, 2
    while candidate in taken:
        candidate, n = f"{anchor}-{n}", n + 1
    taken.add(candidate)
    return candidate


def safe_url(url: str) -> bool:
    """Links the guide may carry: http(s), mailto: with a valid address, or a #anchor."""
    if re.fullmatch(r"#[a-z0-9-]+", url):
        return True
    if url.lower().startswith("mailto:"):
        try:
            parse_email(url[7:])
        except ValueError:
            return False
        return True
    return is_http_url(url)


def _link(text: str, url: str) -> Inline:
    """A link when the URL is safe to follow, the text alone otherwise (sheet text is untrusted)."""
    url = clean_text(url)
    return Link(text, url) if safe_url(url) else text


def _form_url(settings: Settings, name: str) -> str:
    form = settings.forms.get(name)
    return clean_text(form.url) if form is not None and is_http_url(form.url) else ""


# ---------------------------------------------------------------------------
# The five sections


def _goals(snapshot: Snapshot, ctx: _Context) -> Section:
    rows: list[tuple[Runs, ...]] = []
    periods = {"week": "a week", "month": "a month", "quarter": "a quarter", "year": "a year"}
    for _, goal in _rows(snapshot.get_or_empty("Goals")):
        if not goal["goal"] or goal["status"].casefold() not in ("", "active"):
            continue
        measure = goal["metric"]
        if goal["target"]:
            period = periods.get(goal["period"].casefold(), "")
            target = f"target {goal['target']}" + (f" {period}" if period else "")
            measure = f"{measure}; {target}" if measure else target.capitalize()
        rows.append(((Strong(goal["goal"]),), (goal["why"] or "—",), (measure or "Not set yet",)))
    intro = Paragraph(
        ("What the programme is for, why it matters, and how we will know it is working.",)
    )
    if not rows:
        none = Paragraph(("No active goals are recorded yet; they are kept in the Goals tab.",))
        return Section("Goals", "goals", (intro, none))
    table = Table(("Goal", "Why it matters", "How it is measured"), tuple(rows))
    return Section("Goals", "goals", (intro, table))


def _channel_cadence(row_no: int, channel: dict[str, str], ctx: _Context) -> str:
    """The channel's cadence sentence; each unreadable cell is reported, the rest still used."""
    posts: int | None = None
    try:
        posts = parse_int(channel["posts_per_week"])
    except ValueError as exc:
        ctx.problem("Channels", row_no, "Posts Per Week", str(exc), "write a whole number, e.g. 3")
    try:
        days = parse_days(channel["post_days"])
    except ValueError as exc:
        ctx.problem(
            "Channels", row_no, "Post Days", str(exc), "write days as Mon, Wed, Fri or Mon-Fri"
        )
        days = ()
    try:
        windows = parse_time_window(channel["post_window"])
    except ValueError as exc:
        ctx.problem("Channels", row_no, "Post Window", str(exc), "write hours as 09:00-11:00")
        windows = ()
    if posts is None:
        return "as set in the Channels tab"
    return cadence_in_words(posts, days, windows)


def _tools(snapshot: Snapshot, ctx: _Context) -> Section:
    subsections: list[Subsection] = []
    taken = {"tools"}
    for row_no, channel in _rows(snapshot.get_or_empty("Channels")):
        if not channel["channel"]:
            continue
        try:
            active = parse_yes_no(channel["active"])
        except ValueError as exc:
            ctx.problem("Channels", row_no, "Active", str(exc), "write Yes or No")
            continue
        if not active:
            continue
        handle = channel["handle"]
        profile = _link(handle, handle) if handle else "not recorded yet"
        blocks: tuple[Block, ...] = (
            Paragraph((Strong("Our profile: "), profile)),
            Paragraph((Strong("What we use it for: "), channel["purpose"] or "not described yet")),
            Paragraph((Strong("When we post: "), _channel_cadence(row_no, channel, ctx) + ".")),
        )
        anchor = _unique(f"tools-{slug(channel['channel'])}", taken)
        subsections.append(Subsection(channel["channel"], anchor, blocks))
    intro = Paragraph(
        (
            "The networks we use, what each is for, and how often and when it is updated. "
            "The coordinator plans posts to fit each network's days and hours.",
        )
    )
    if not subsections:
        return Section("Tools", "tools", (intro, Paragraph(("No network is active yet.",))))
    return Section("Tools", "tools", (intro,), tuple(subsections))


@dataclass(frozen=True)
class RotaWeek:
    """Who is on duty for one week, as jobs/rota.py reads the Rota, plus the row's Notes."""

    monday: date
    coordinator: str = ""
    backup: str = ""
    notes: str = ""

    @property
    def found(self) -> bool:
        """Whether the Rota names anyone for the week."""
        return bool(self.coordinator or self.backup)


def rota_week(
    rota: pd.DataFrame,
    absences: pd.DataFrame,
    people: pd.DataFrame,
    monday: date,
    *,
    day_first: bool = True,
) -> tuple[RotaWeek, tuple[str, ...]]:
    """The week starting `monday`: coordinator and backup from rota.on_duty(), Notes from its row.

    on_duty() decides which Rota row is the week's (a row counts for the week
    containing its date; the first wins), so the guide and the brief agree.
    """
    duty = on_duty(rota, absences, people, monday, day_first=day_first)
    notes = ""
    for _, row in _rows(rota):
        try:
            started = parse_date(row["week_starting"], day_first=day_first)
        except ValueError:
            continue
        if monday_of(started) == monday:
            notes = row["notes"]
            break
    return RotaWeek(monday, duty.coordinator, duty.backup, notes), duty.problems


def _absences_in(
    absences: pd.DataFrame, emails: Iterable[str], first: date, last: date, ctx: _Context
) -> list[Runs]:
    wanted = set()
    for email in emails:
        try:
            wanted.add(parse_email(email))
        except ValueError:
            continue
    found: list[tuple[date, str, Runs]] = []
    for row_no, row in _rows(absences):
        try:
            email = parse_email(row["email"])
        except ValueError:
            continue
        if email not in wanted:
            continue
        start = ctx.read_date("Absences", row_no, "From", row["from_date"])
        end = ctx.read_date("Absences", row_no, "To", row["to_date"]) or start
        if start is None or end is None or end < first or start > last:
            continue
        span = (
            f" is away on {ctx.date_words(start, weekday=True)}"
            if start == end
            else f" is away from {ctx.date_words(start, weekday=True)}"
            f" to {ctx.date_words(end, weekday=True)}"
        )
        found.append((start, email, (*ctx.person(email), span + ".")))
    return [runs for _, _, runs in sorted(found, key=lambda f: (f[0], f[1]))]


def _sources(ctx: _Context) -> Subsection:
    """The three sources of content, with examples and how each reaches the queue."""
    settings = ctx.settings
    org = clean_text(settings.organisation.name)
    submit_url = _form_url(settings, "submissions")
    submit_form: Inline = (
        Link("the submission form", submit_url) if submit_url else "the submission form"
    )
    alerts_when = schedule_in_words(settings.schedule.get("ingest-alerts", ""))
    content_feeds = [f for f in settings.alerts.feeds if f.use == "content"]
    staff_route: Runs = (
        "You send them with ",
        submit_form,
        (", or forward an email to the social media mailbox" if settings.inbox.kind else "")
        + ". Chorus checks each one and adds it to the queue.",
    )
    if content_feeds:
        outside_route = (
            f"Chorus reads {number_in_words(len(content_feeds))} news "
            f"feed{'s' if len(content_feeds) != 1 else ''} "
            f"({join_words([clean_text(f.name) for f in content_feeds])}) {alerts_when} "
            "and adds new items to the queue for the coordinator to consider."
        )
    else:
        outside_route = (
            "The coordinator adds articles worth sharing to the queue; alerts about "
            f"{org} arrive in the Mentions tab {alerts_when}."
        )
    sources = Table(
        ("Source", "Examples", "How it reaches the queue"),
        (
            (
                (Strong(org),),
                ("News releases, events, videos and white papers.",),
                ("The coordinator adds them to the queue directly.",),
            ),
            (
                (Strong("Staff and partners"),),
                (
                    "Employee awards, partner and client achievements, industry articles, "
                    "community service and events.",
                ),
                staff_route,
            ),
            (
                (Strong("Gathered from outside"),),
                ("Industry news and articles, and what others say about us.",),
                (outside_route,),
            ),
        ),
    )
    return Subsection("Where content comes from", "process-sources", (sources,))


def _submitting(ctx: _Context) -> Subsection:
    """How to submit: the form's link and the questions it asks."""
    submit_url = _form_url(ctx.settings, "submissions")
    questions = tuple((q.title,) for q in FORMS["submissions"].questions)
    if submit_url:
        how_runs: Runs = ("Use ", Link("the submission form", submit_url), ". It asks for:")
    else:
        how_runs = (
            "Use the submission form (ask the coordinator on duty for its link). It asks for:",
        )
    submit_blocks: tuple[Block, ...] = (
        Paragraph(how_runs),
        ItemList(questions),
        Paragraph(
            (
                "Only send what may be shared publicly: the form asks, and the coordinator "
                "checks before anything is posted.",
            )
        ),
    )
    return Subsection("How to submit content", "process-submit", submit_blocks)


def _review(ctx: _Context) -> Subsection:
    """What happens to a submission: received, policy check, review, scheduling, published."""
    settings = ctx.settings
    screening = settings.screening
    examples = join_words([f"“{w}”" for w in screening.confidential_words[:3]], "or")
    check = (
        f"Policy check: Chorus looks for words that suggest confidential material (such as {examples})"
        + (" and links to blocked sites" if screening.blocked_domains else "")
        + "; anything it finds is flagged for the coordinator, who decides."
    )
    steps = ItemList(
        (
            (
                "Received: Chorus copies your response into the Submissions tab "
                f"{schedule_in_words(settings.schedule.get('sync-forms', ''))}. A complete "
                "response goes into the queue; an incomplete one is recorded with the reason.",
            ),
            (check,),
            (
                "Review: the coordinator reads it, checks permission to share, and approves, "
                "edits, holds or rejects it.",
            ),
            (
                "Scheduling: an approved item is scheduled on the networks it suits, within "
                "their posting days and hours (see ",
                Link("Tools", "#tools"),
                ").",
            ),
            ("Published: once it is out, you get a thank-you email with a link to the post.",),
        ),
        ordered=True,
    )
    return Subsection("What happens to a submission", "process-review", (steps,))


def _rota(snapshot: Snapshot, ctx: _Context) -> tuple[Subsection, RotaWeek]:
    """Coordinator and backup this week and next, and their time away; also this week's row."""
    this_monday = monday_of(ctx.today)
    weeks: list[tuple[str, RotaWeek]] = []
    for label, monday in (
        ("This week", this_monday),
        ("Next week", this_monday + timedelta(days=7)),
    ):
        week, problems = rota_week(
            snapshot.get_or_empty("Rota"),
            snapshot.get_or_empty("Absences"),
            snapshot.get_or_empty("People"),
            monday,
            day_first=ctx.day_first,
        )
        ctx.problems.extend(problems)
        weeks.append((label, week))
    rota_rows: list[tuple[Runs, ...]] = []
    for label, week in weeks:
        when = (f"{label} (from {ctx.date_words(week.monday, weekday=True)})",)
        if not week.found:
            rota_rows.append((when, ("Not on the rota yet",), ("—",), (week.notes or "—",)))
            continue
        rota_rows.append(
            (
                when,
                ctx.person(week.coordinator),
                ctx.person(week.backup) if week.backup else ("—",),
                (week.notes or "—",),
            )
        )
    away = _absences_in(
        snapshot.get_or_empty("Absences"),
        [w.coordinator for _, w in weeks] + [w.backup for _, w in weeks],
        this_monday,
        this_monday + timedelta(days=13),
        ctx,
    )
    duty_blocks: list[Block] = [
        Paragraph(
            (
                "A coordinator looks after the programme each week, with a backup who takes "
                "over when the coordinator is away.",
            )
        ),
        Table(("Week", "Coordinator", "Backup", "Notes"), tuple(rota_rows)),
    ]
    if away:
        duty_blocks += [
            Paragraph(("Time away in these two weeks (the backup covers the coordinator):",)),
            ItemList(tuple(away)),
        ]
    return Subsection("Who is on duty", "process-rota", tuple(duty_blocks)), weeks[0][1]


def _duties(ctx: _Context) -> Subsection:
    """What the coordinator does and when, with times from the schedule in chorus.toml."""
    settings = ctx.settings
    alerts_when = schedule_in_words(settings.schedule.get("ingest-alerts", ""))
    brief_when = schedule_in_words(settings.schedule.get("brief", ""))
    duties = ItemList(
        (
            (
                f"Reads the daily brief, sent by email {brief_when}: what to post, gaps in the "
                "posting plan, submissions to review, and mentions and messages to answer.",
            ),
            (
                "Monitors mentions: Chorus adds mentions found by alerts to the Mentions tab "
                f"{alerts_when}; the coordinator goes through the new ones each working day and "
                "marks each Responded, Passed on or No action.",
            ),
            (
                "Answers direct messages and questions, or passes them to the person who can, "
                "and records who answered in the Mentions tab.",
            ),
            (
                "Looks for content: reviews new submissions and alerts, and fills the gaps the "
                "brief lists so each network keeps to its plan.",
            ),
            (
                "The backup does all of this when the coordinator is away; the brief goes to "
                "whoever is on duty that day.",
            ),
        )
    )
    return Subsection("What the coordinator does, and when", "process-duties", (duties,))


def _compliments(ctx: _Context, current: RotaWeek) -> Subsection:
    """Whom to tell about a compliment or a criticism: this week's coordinator, else the backup."""
    org = clean_text(ctx.settings.organisation.name)
    if current.coordinator:
        tell: Runs = (
            f"If you see a compliment or a criticism of {org} online, tell the coordinator on "
            "duty this week, ",
            *ctx.person(current.coordinator),
            *(
                (", or if they are away, the backup, ", *ctx.person(current.backup))
                if current.backup
                else ()
            ),
            ". Send the link; they record it in the Mentions tab and decide who answers.",
        )
    elif current.backup:
        tell = (
            f"If you see a compliment or a criticism of {org} online, tell ",
            *ctx.person(current.backup),
            ", who covers this week. Send the link; they record it in the Mentions tab and "
            "decide who answers.",
        )
    else:
        tell = (
            f"If you see a compliment or a criticism of {org} online, tell the coordinator on "
            "duty (see the rota above). Send the link; they record it in the Mentions tab and "
            "decide who answers.",
        )
    return Subsection("Compliments and criticism", "process-compliments", (Paragraph(tell),))


def _process(snapshot: Snapshot, ctx: _Context) -> Section:
    """How content reaches the channels and who looks after it, in six parts."""
    rota, current = _rota(snapshot, ctx)
    subsections = (
        _sources(ctx),
        _submitting(ctx),
        _review(ctx),
        rota,
        _duties(ctx),
        _compliments(ctx, current),
    )
    intro = Paragraph(("How content reaches our channels, and who looks after it.",))
    return Section("Process", "process", (intro,), subsections)


_BULLET_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _text_blocks(text: str) -> list[Block]:
    """Policy text -> paragraphs and lists: blank lines part paragraphs, '- ' lines make lists."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line for line in chunk.split("\n") if line.strip()]
        prose: list[str] = []
        items: list[Runs] = []
        for line in lines:
            if _BULLET_RE.match(line):
                if prose:
                    blocks.append(Paragraph((" ".join(prose),)))
                    prose = []
                items.append((_BULLET_RE.sub("", line).strip(),))
            else:
                if items:
                    blocks.append(ItemList(tuple(items)))
                    items = []
                prose.append(line.strip())
        if prose:
            blocks.append(Paragraph((" ".join(prose),)))
        if items:
            blocks.append(ItemList(tuple(items)))
    return blocks


def _current_policies(snapshot: Snapshot) -> list[tuple[int, dict[str, str]]]:
    rows = [
        (row_no, row)
        for row_no, row in _rows(snapshot.get_or_empty("Policies"))
        if row["id"] and row["status"].casefold() in ("", "current")
    ]
    order = {"policy": 0, "guideline": 1}
    return sorted(rows, key=lambda r: (order.get(r[1]["kind"].casefold(), 2), r[1]["id"]))


def _policies(snapshot: Snapshot, ctx: _Context) -> Section:
    settings = ctx.settings
    org = clean_text(settings.organisation.name)
    subsections: list[Subsection] = []
    taken = {"policy"}
    current = _current_policies(snapshot)
    for row_no, policy in current:
        facts = [
            f"{policy['kind'] or 'Policy'} {policy['id']}",
            f"version {policy['version'] or '?'}",
        ]
        effective = ctx.read_date("Policies", row_no, "Effective", policy["effective"])
        if effective:
            facts.append(f"in effect since {ctx.date_words(effective)}")
        meta: Runs = ("; ".join(facts),)
        if policy["owner"]:
            meta += ("; owner ", *ctx.person(policy["owner"]))
        blocks: list[Block] = [Paragraph((*meta, "."))]
        blocks += _text_blocks(policy["text"]) or [Paragraph(("(No text yet.)",))]
        title = policy["title"] or policy["id"]
        anchor = _unique(f"policy-{slug(policy['id'])}", taken)
        subsections.append(Subsection(title, anchor, tuple(blocks)))
    intro: list[Block] = [
        Paragraph(
            (
                f"Everyone who posts about {org}, or on its behalf, follows the policy and "
                "guidelines below.",
            )
        )
    ]
    ack_url = _form_url(settings, "acknowledgements")
    versions = join_words(
        [f"{p['title'] or p['id']} {p['version']}" for _, p in current if p["version"]]
    )
    ack: Runs = (
        ("When you have read them, confirm it with ", Link("the acknowledgement form", ack_url))
        if ack_url
        else (
            "When you have read them, confirm it with the acknowledgement form (ask the policy owner for its link)",
        )
    )
    if versions:
        ack += (f". The form asks for the version you read; the current versions are: {versions}.",)
    else:
        ack += (".",)
    intro.append(Paragraph(ack))
    if not subsections:
        intro.append(
            Paragraph(("No policy is current yet; policies are kept in the Policies tab.",))
        )
    return Section("Policy and guidelines", "policy", tuple(intro), tuple(subsections))


def _about(snapshot: Snapshot, ctx: _Context, generated_at: datetime) -> Section:
    settings = ctx.settings
    blocks: list[Block] = [
        Paragraph(
            (f"This guide was generated on {datetime_in_words(generated_at, settings)}.",),
            volatile=True,
        ),
        Paragraph(
            (
                "It is made from the programme's spreadsheet (the Goals, Channels, People, Rota "
                "and Policies tabs) and is regenerated when they change; the date above changes "
                "only when the content does.",
            )
        ),
    ]
    reviewed = [
        d
        for row_no, p in _current_policies(snapshot)
        if (d := ctx.read_date("Policies", row_no, "Last Reviewed", p["last_reviewed"])) is not None
    ]
    if reviewed:
        blocks.append(
            Paragraph((f"The policy was last reviewed on {ctx.date_words(max(reviewed))}.",))
        )
    else:
        blocks.append(Paragraph(("No review of the policy is recorded yet.",)))
    open_items = sum(
        1
        for _, row in _rows(snapshot.get_or_empty("Feedback"))
        if row["response_id"] and row["status"].casefold() in ("", "new", "considered")
    )
    feedback_url = _form_url(settings, "feedback")
    feedback: Runs = (
        ("Tell us what to improve with ", Link("the guide feedback form", feedback_url), ". ")
        if feedback_url
        else (
            "Tell us what to improve with the guide feedback form (ask the policy owner for its link). ",
        )
    )
    if open_items == 0:
        count = "No feedback is open at the moment."
    elif open_items == 1:
        count = "One piece of feedback is open."
    else:
        count = f"{number_in_words(open_items).capitalize()} pieces of feedback are open."
    blocks.append(Paragraph((*feedback, count)))
    return Section("About this document", "about", tuple(blocks))


def _build(
    snapshot: Snapshot, now: datetime, settings: Settings, generated_at: datetime | None
) -> tuple[list[Section], list[str]]:
    ctx = _Context(settings, now, _names(snapshot.get_or_empty("People")), [])
    sections = [
        _goals(snapshot, ctx),
        _tools(snapshot, ctx),
        _process(snapshot, ctx),
        _policies(snapshot, ctx),
        _about(snapshot, ctx, generated_at or now),
    ]
    return sections, list(dict.fromkeys(ctx.problems))


def guide_sections(
    snapshot: Snapshot, now: datetime, settings: Settings, *, generated_at: datetime | None = None
) -> list[Section]:
    """The guide's content as sections of plain data (for HTML, Markdown or Google Docs).

    `generated_at` is the time the "generated" line shows (default `now`).
    """
    return _build(snapshot, now, settings, generated_at)[0]


def section_hashes(sections: Iterable[Section]) -> dict[str, str]:
    """A fingerprint per section anchor, ignoring volatile text (the generated-at line)."""

    def steady(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
        return tuple(b for b in blocks if not (isinstance(b, Paragraph) and b.volatile))

    hashes: dict[str, str] = {}
    for section in sections:
        stable = dataclasses.replace(
            section,
            blocks=steady(section.blocks),
            subsections=tuple(
                dataclasses.replace(s, blocks=steady(s.blocks)) for s in section.subsections
            ),
        )
        hashes[section.anchor] = hashlib.sha256(repr(stable).encode()).hexdigest()[:16]
    return hashes


# ---------------------------------------------------------------------------
# Rendering: HTML through Jinja (autoescaped), Markdown in Python


@lru_cache(maxsize=1)
def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    folder = Path(__file__).resolve().parent.parent / "automation" / "templates"
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["text"] = lambda value: isinstance(value, str)
    env.tests["safe_url"] = safe_url
    return env


def render_html(sections: Sequence[Section], settings: Settings, generated_at: datetime) -> str:
    """The standalone HTML guide; all sheet text is escaped, links are checked again here."""
    template = _environment().get_template("guide.html.j2")
    return template.render(
        title=guide_title(settings),
        lead=_LEAD,
        sections=sections,
        hashes=section_hashes(sections),
        generated_at=generated_at.isoformat(),
    )


_LEAD = (
    "How we use social media: what we want to achieve, the networks we use, how content gets "
    "posted and who looks after it, and the policy everyone follows."
)

_MD_ALWAYS = re.compile(r"([\\`*_\[\]<>|&~])")


def escape_markdown(text: str) -> str:
    """Sheet text made inert in Markdown: no emphasis, links, HTML, tables or headings from it."""
    text = " ".join(clean_text(text).split())
    text = _MD_ALWAYS.sub(r"\\\1", text)
    # Characters that only matter at the start of a line (headings, lists, quotes).
    return re.sub(r"^([#+\-=>]|\d+(?=[.)]))", r"\\\1", text)


def _md_url(url: str) -> str:
    return re.sub(r"[<>()\s]", lambda m: f"%{ord(m[0]):02X}", url)


def _md_runs(runs: Runs) -> str:
    out: list[str] = []
    for run in runs:
        text = run if isinstance(run, str) else run.text
        # escape_markdown trims, so keep the spaces that separate one run from the next
        lead = " " if text[:1].isspace() else ""
        tail = " " if text[-1:].isspace() and text.strip() else ""
        body = escape_markdown(text)
        if isinstance(run, Link) and safe_url(run.url):
            url = run.url if run.url.startswith("#") else f"<{_md_url(run.url)}>"
            body = f"[{body}]({url})"
        elif isinstance(run, Strong) and body:
            body = f"**{body}**"
        out.append(lead + body + tail)
    return "".join(out)


def _md_blocks(blocks: Iterable[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines += [_md_runs(block.runs), ""]
        elif isinstance(block, ItemList):
            for i, item in enumerate(block.items, start=1):
                lines.append(f"{i}. {_md_runs(item)}" if block.ordered else f"- {_md_runs(item)}")
            lines.append("")
        else:
            lines.append("| " + " | ".join(escape_markdown(h) for h in block.headers) + " |")
            lines.append("|" + "|".join("---" for _ in block.headers) + "|")
            for row in block.rows:
                lines.append("| " + " | ".join(_md_runs(cell) for cell in row) + " |")
            lines.append("")
    return lines


def render_markdown(sections: Sequence[Section], settings: Settings) -> str:
    """The same guide as Markdown; explicit anchors keep the contents links working."""
    lines = [
        f"# {escape_markdown(guide_title(settings))}",
        "",
        escape_markdown(_LEAD),
        "",
        "## Contents",
        "",
    ]
    for section in sections:
        lines.append(f"- [{escape_markdown(section.title)}](#{section.anchor})")
        for sub in section.subsections:
            lines.append(f"  - [{escape_markdown(sub.title)}](#{sub.anchor})")
    lines.append("")
    for section in sections:
        lines += [f'<a id="{section.anchor}"></a>', "", f"## {escape_markdown(section.title)}", ""]
        lines += _md_blocks(section.blocks)
        for sub in section.subsections:
            lines += [f'<a id="{sub.anchor}"></a>', "", f"### {escape_markdown(sub.title)}", ""]
            lines += _md_blocks(sub.blocks)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The job: gather what is on disk, plan what to write


@dataclass(frozen=True)
class PreviousGuide:
    """The guide already on disk: its text, when it says it was generated, its section hashes."""

    html: str | None = None
    markdown: str | None = None
    generated_at: datetime | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)


_META_RE = re.compile(r'<meta name="chorus-generated-at" content="([^"]+)"')
_SECTION_RE = re.compile(r'<section id="([a-z0-9-]+)" data-hash="([0-9a-f]+)" data-title="([^"]*)"')


def previous_guide(html: str | None, markdown: str | None) -> PreviousGuide:
    """Read back what render_html() wrote: generated-at and the hash of each section."""
    if html is None:
        return PreviousGuide(None, markdown)
    import html as html_lib

    generated: datetime | None = None
    m = _META_RE.search(html)
    if m:
        try:
            generated = datetime.fromisoformat(m[1])
        except ValueError:
            generated = None
        if generated is not None and generated.tzinfo is None:
            generated = None
    hashes = {anchor: digest for anchor, digest, _ in _SECTION_RE.findall(html)}
    titles = {anchor: html_lib.unescape(title) for anchor, _, title in _SECTION_RE.findall(html)}
    return PreviousGuide(html, markdown, generated, hashes, titles)


def output_folder(settings: Settings) -> Path:
    """Where the runner writes the guide (settings.guide.output_dir, else beside chorus.toml)."""
    return settings.guide.output_dir or settings.base_dir


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: Any = None) -> Plan:
    """Build the guide; return its two files only if the content differs from what is on disk."""
    previous = inputs if isinstance(inputs, PreviousGuide) else PreviousGuide()
    sections, problems = _build(snapshot, now, settings, now)
    hashes = section_hashes(sections)
    steady = (
        bool(previous.hashes) and previous.hashes == hashes and previous.generated_at is not None
    )
    generated_at = previous.generated_at if steady and previous.generated_at else now
    if generated_at != now:
        sections = guide_sections(snapshot, now, settings, generated_at=generated_at)
    html = render_html(sections, settings, generated_at)
    markdown = render_markdown(sections, settings)
    titles = {s.anchor: s.title for s in sections}
    if html == previous.html and markdown == previous.markdown:
        return Plan(
            report=Report(
                counts={"unchanged": 1},
                lines=("unchanged: the guide's content is the same as the copy on disk",),
                problems=tuple(problems),
            )
        )
    changed = [titles[a] for a in hashes if previous.hashes.get(a) != hashes[a]]
    changed += [previous.titles.get(a, a) for a in previous.hashes if a not in hashes]
    if previous.html is None:
        lines = [f"new guide: {len(sections)} sections"]
    elif changed:
        lines = [f"changed: {title}" for title in changed]
    else:
        lines = ["rewritten: same content, new layout or a missing file"]
    files = (
        OutputFile(HTML_NAME, html.encode("utf-8")),
        OutputFile(MARKDOWN_NAME, markdown.encode("utf-8")),
    )
    return Plan(
        files=files,
        report=Report(
            counts={"sections_changed": len(changed), "files": len(files)},
            lines=tuple(lines),
            problems=tuple(problems),
        ),
    )


JOB = Job(
    "guide",
    "Write the employee guide, Social media at <organisation>, as HTML and Markdown",
    TABS_READ,
    plan,
)


__all__ = [
    "Block",
    "Inline",
    "ItemList",
    "JOB",
    "Link",
    "Paragraph",
    "PreviousGuide",
    "RotaWeek",
    "Section",
    "Strong",
    "Subsection",
    "Table",
    "cadence_in_words",
    "clock_in_words",
    "date_in_words",
    "escape_markdown",
    "guide_sections",
    "guide_title",
    "previous_guide",
    "render_html",
    "render_markdown",
    "rota_week",
    "schedule_in_words",
    "section_hashes",
    "window_in_words",
]
