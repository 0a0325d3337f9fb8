"""The guide's Process section: where content comes from, how to submit it, what happens
to it, who is on duty this week and next, what the coordinator does, whom to tell, and
what to do in a crisis (the sources and the crisis parts are in sources.py and crisis.py).

The rota is read through jobs.rota.on_duty(), so the guide and the daily brief
always name the same coordinator and backup for a week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from jobs.guide.context import Context, form_url, rows_of
from jobs.guide.crisis import in_a_crisis
from jobs.guide.document import (
    Block,
    ItemList,
    Link,
    Paragraph,
    Runs,
    Section,
    Subsection,
    Table,
)
from jobs.guide.sources import sources
from jobs.guide.wording import join_words, schedule_in_words
from jobs.rota import monday_of, on_duty
from sheets_schema.forms import FORMS
from sheets_schema.records import Snapshot
from sheets_schema.values import clean_text, parse_date, parse_email


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
    for _, row in rows_of(rota):
        try:
            started = parse_date(row["week_starting"], day_first=day_first)
        except ValueError:
            continue
        if monday_of(started) == monday:
            notes = row["notes"]
            break
    return RotaWeek(monday, duty.coordinator, duty.backup, notes), duty.problems


def _absences_in(
    absences: pd.DataFrame, emails: Iterable[str], first: date, last: date, ctx: Context
) -> list[Runs]:
    wanted = set()
    for email in emails:
        try:
            wanted.add(parse_email(email))
        except ValueError:
            continue
    found: list[tuple[date, str, Runs]] = []
    for row_no, row in rows_of(absences):
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


def _submitting(ctx: Context) -> Subsection:
    """How to submit: the form's link and the questions it asks."""
    submit_url = form_url(ctx.settings, "submissions")
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


def _review(ctx: Context) -> Subsection:
    """What happens to a submission: received, policy check, review, scheduling, published."""
    settings = ctx.settings
    screening = settings.screening
    examples = join_words([f"“{w}”" for w in screening.confidential_words[:3]], "or")
    check = (
        f"Policy check: Chorus looks for words that suggest confidential material (such as {examples})"
        + "; anything it finds is flagged for the coordinator, who decides."
        + (
            " A link to a site the policy blocks is not accepted: you are told why."
            if screening.blocked_domains
            else ""
        )
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


def _rota(snapshot: Snapshot, ctx: Context) -> tuple[Subsection, RotaWeek]:
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


def _duties(ctx: Context) -> Subsection:
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
                (
                    "Monitors mentions: Chorus adds mentions found by alerts to the Mentions tab "
                    f"{alerts_when}; the coordinator goes through the new ones each working day "
                    "and marks each Responded, Passed on or No action."
                )
                if any(f.use == "mentions" for f in settings.alerts.feeds)
                else (
                    "Monitors mentions: the coordinator looks for what is said about us each "
                    "working day, records it in the Mentions tab and marks each Responded, "
                    "Passed on or No action."
                ),
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


def _compliments(ctx: Context, current: RotaWeek) -> Subsection:
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


def process(snapshot: Snapshot, ctx: Context) -> Section:
    """How content reaches the channels and who looks after it, and what to do in a crisis."""
    rota, current = _rota(snapshot, ctx)
    subsections = (
        sources(snapshot, ctx),
        _submitting(ctx),
        _review(ctx),
        rota,
        _duties(ctx),
        _compliments(ctx, current),
        in_a_crisis(ctx, current.coordinator),
    )
    intro = Paragraph(("How content reaches our channels, and who looks after it.",))
    return Section("Process", "process", (intro,), subsections)
