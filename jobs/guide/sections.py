"""The guide's content: its title and lead, the Goals, Tools, Policy and About sections,
and the six sections in order (Principles is in jobs.guide.principles, Process in
jobs.guide.process).

Each builder reads only the tabs it needs through a shared Context, which
collects the unreadable cells it meets as problems for the run's report.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jobs import acknowledgements as acks
from jobs.guide.context import (
    Context,
    form_url,
    link,
    names_by_address,
    rows_of,
    slug,
    unique_anchor,
)
from jobs.guide.document import (
    Block,
    Guide,
    ItemList,
    Link,
    Paragraph,
    Runs,
    Section,
    Strong,
    Subsection,
    Table,
)
from jobs.guide.principles import principles
from jobs.guide.process import process
from jobs.guide.wording import cadence_in_words, datetime_in_words, join_words, number_in_words
from jobs.reviews import next_review, part_reviews
from sheets_schema.records import Snapshot
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text, parse_days, parse_int, parse_time_window, parse_yes_no

LEAD = (
    "How we use social media: why we take part, what we want to achieve, the networks we use, "
    "how content gets posted and who looks after it, and the policy everyone follows."
)


def guide_title(settings: Settings) -> str:
    """The guide's title, "Social media at <organisation>"."""
    return f"Social media at {clean_text(settings.organisation.name)}"


def _goals(snapshot: Snapshot, ctx: Context) -> Section:
    rows: list[tuple[Runs, ...]] = []
    periods = {"week": "a week", "month": "a month", "quarter": "a quarter", "year": "a year"}
    for _, goal in rows_of(snapshot.get_or_empty("Goals")):
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


def _channel_cadence(row_no: int, channel: dict[str, str], ctx: Context) -> str:
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


def _tools(snapshot: Snapshot, ctx: Context) -> Section:
    subsections: list[Subsection] = []
    taken = {"tools"}
    for row_no, channel in rows_of(snapshot.get_or_empty("Channels")):
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
        profile = link(handle, handle) if handle else "not recorded yet"
        blocks: tuple[Block, ...] = (
            Paragraph((Strong("Our profile: "), profile)),
            Paragraph((Strong("What we use it for: "), channel["purpose"] or "not described yet")),
            Paragraph((Strong("When we post: "), _channel_cadence(row_no, channel, ctx) + ".")),
        )
        anchor = unique_anchor(f"tools-{slug(channel['channel'])}", taken)
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
        for row_no, row in rows_of(snapshot.get_or_empty("Policies"))
        if row["id"] and row["status"].casefold() in ("", "current")
    ]
    order = {"policy": 0, "guideline": 1}
    return sorted(rows, key=lambda r: (order.get(r[1]["kind"].casefold(), 2), r[1]["id"]))


def _policies(snapshot: Snapshot, ctx: Context) -> Section:
    settings = ctx.settings
    org = clean_text(settings.organisation.name)
    subsections: list[Subsection] = []
    taken = {"policy"}
    current = _current_policies(snapshot)
    for row_no, policy in current:
        facts = [f"{policy['kind'] or 'Policy'} {policy['id']}"]
        effective = ctx.read_date("Policies", row_no, "Effective", policy["effective"])
        if effective:
            facts.append(f"in effect since {ctx.date_words(effective)}")
        meta: Runs = ("; ".join(facts),)
        if policy["owner"]:
            meta += ("; owner ", *ctx.person(policy["owner"]))
        blocks: list[Block] = [Paragraph((*meta, "."))]
        blocks += _text_blocks(policy["text"]) or [Paragraph(("(No text yet.)",))]
        title = policy["title"] or policy["id"]
        anchor = unique_anchor(f"policy-{slug(policy['id'])}", taken)
        subsections.append(Subsection(title, anchor, tuple(blocks)))
    intro: list[Block] = [
        Paragraph(
            (
                f"Everyone who posts about {org}, or on its behalf, follows the policy and "
                "guidelines below.",
            )
        )
    ]
    ack_url = form_url(settings, "acknowledgements")
    version = document_version(snapshot, ctx)
    ack: Runs = (
        ("When you have read them, confirm it with ", Link("the acknowledgement form", ack_url))
        if ack_url
        else (
            "When you have read them, confirm it with the acknowledgement form (ask the policy owner for its link)",
        )
    )
    if version:
        ack += (f". The form asks for the version you read: this is version {version}.",)
    else:
        ack += (".",)
    intro.append(Paragraph(ack))
    if not subsections:
        intro.append(
            Paragraph(("No policy is current yet; policies are kept in the Policies tab.",))
        )
    return Section("Policy and guidelines", "policy", tuple(intro), tuple(subsections))


def _about(snapshot: Snapshot, ctx: Context, generated_at: datetime) -> Section:
    settings = ctx.settings
    blocks: list[Block] = [
        Paragraph(
            (f"This guide was generated on {datetime_in_words(generated_at, settings)}.",),
            volatile=True,
        ),
        Paragraph(
            (
                "It is made from the programme's spreadsheet (its principles, goals, networks, "
                "sources, rota and policies) and is regenerated when they change; the date above "
                "changes only when the content does.",
            )
        ),
    ]
    blocks.append(Paragraph((_version_and_review(snapshot, ctx),)))
    open_items = sum(
        1
        for _, row in rows_of(snapshot.get_or_empty("Feedback"))
        if row["response_id"] and row["status"].casefold() in ("", "new", "considered")
    )
    feedback_url = form_url(settings, "feedback")
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


def document_version(snapshot: Snapshot, ctx: Context) -> str:
    """The one version of the guide and its policy: the program's policy version staff
    acknowledge (Program's Policy Version, else the latest policy's)."""
    return acks.current_version(
        snapshot.get_or_empty("Policies"),
        ctx.today,
        program=snapshot.get_or_empty("Program"),
        day_first=ctx.day_first,
    )


def _version_and_review(snapshot: Snapshot, ctx: Context) -> str:
    """'This is version 2026.2 ... the next review is due by ...': one version, one review date."""
    interval = ctx.settings.policy.review_interval_days
    reviewed: dict[str, date | None] = {
        f"policy {p['id']}": ctx.read_date("Policies", row_no, "Last Reviewed", p["last_reviewed"])
        for row_no, p in _current_policies(snapshot)
    }
    parts, problems = part_reviews(snapshot.get_or_empty("Reviews"), day_first=ctx.day_first)
    ctx.problems.extend(problems)
    reviewed.update({f"the {part.part.lower()}": part.last_reviewed for part in parts})
    version = document_version(snapshot, ctx)
    text = f"This is version {version} of the guide and its policy. " if version else ""
    text += (
        "Each part (our principles, the goals, the networks, the sources, the process and every "
        f"policy) is reviewed at least every {interval} days. "
    )
    known = [d for d in reviewed.values() if d is not None]
    if known:
        text += f"The latest review was on {ctx.date_words(max(known))}; "
    due = next_review(list(reviewed.values()), interval, ctx.today)
    if due > ctx.today:
        return text + f"the next review is due by {ctx.date_words(due)}."
    if not known:
        return text + "no review is recorded yet: one is due now."
    late = [name for name, d in reviewed.items() if d is None or (ctx.today - d).days > interval]
    return text + f"a review is due now ({join_words(late)})."


def build_guide(
    snapshot: Snapshot, now: datetime, settings: Settings, *, generated_at: datetime | None = None
) -> tuple[Guide, tuple[str, ...]]:
    """The whole guide as data, and the problems met on the way (each once).

    `generated_at` is the time the "generated" line shows (default `now`).
    """
    ctx = Context(settings, now, names_by_address(snapshot.get_or_empty("People")), [])
    sections = (
        principles(snapshot),
        _goals(snapshot, ctx),
        _tools(snapshot, ctx),
        process(snapshot, ctx),
        _policies(snapshot, ctx),
        _about(snapshot, ctx, generated_at or now),
    )
    guide = Guide(guide_title(settings), LEAD, sections, generated_at or now)
    return guide, tuple(dict.fromkeys(ctx.problems))
