"""The guide's "In a crisis": what staff do, and do not do, when something goes wrong online.

It says the same as the crisis emails (jobs/crisis): one voice answers for the
organisation, scheduled posts are held, and staff pass things on rather than reply.
"""

from __future__ import annotations

from jobs.guide.context import Context
from jobs.guide.document import ItemList, Paragraph, Runs, Subsection
from sheets_schema.values import clean_text


def in_a_crisis(ctx: Context, coordinator: str) -> Subsection:
    """What to do and what not to do while the organisation deals with a crisis online."""
    org = clean_text(ctx.settings.organisation.name)
    who: Runs = (
        ("the coordinator on duty, ", *ctx.person(coordinator))
        if coordinator
        else ("the coordinator on duty (see the rota above)",)
    )
    intro = Paragraph(
        (
            f"A crisis is anything online that could hurt {org} quickly: a storm of criticism, "
            "a complaint going viral, a data breach, a post that should not have gone out. "
            "When one starts, the coordinators declare it, scheduled posts are held, and "
            "everyone gets an email saying what we say and who answers.",
        )
    )
    do = ItemList(
        (
            ("Tell ", *who, ", at once, with the link; if they are away, tell the backup."),
            ("Keep to the holding statement in the crisis email if anyone asks you.",),
            (
                "Pass questions from journalists, clients and the public to the person named "
                "in the email as answering for us.",
            ),
        )
    )
    dont = ItemList(
        (
            ("Do not reply, comment, like or share posts about it, even to defend us.",),
            ("Do not delete anything, ours or yours: it can look like a cover-up.",),
            ("Do not guess at causes or blame anyone, in public or in private messages.",),
            ("Do not post the firm's news until you hear that things are back to normal.",),
        )
    )
    return Subsection(
        "In a crisis",
        "process-crisis",
        (
            intro,
            Paragraph(("What to do:",)),
            do,
            Paragraph(("What not to do:",)),
            dont,
        ),
    )
