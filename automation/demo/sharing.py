"""The demo's staff amplification: share texts, a starter this week, last week's digest and its visits.

`caption_rows` and `people_details` are rows like the rest of the demo;
`last_weeks_shares` runs the real share-digest plan as of last Monday (so its
Shares rows are what the job would have written) and writes a GA4-style
export of the visits those links brought, for import-visits to read.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

from automation.demo.firm import email_of, monday, read_csv, stream, tab_row
from automation.share_key import share_key
from automation.workspace import Workspace
from jobs import share_digest
from jobs.networks import network
from sheets_schema.records import Append, Changes

#: someone who starts this week (the welcome job greets them)
STARTER = "Callum Reid"
#: someone who asked not to get the share digest
OPTED_OUT = "Nathan Price"
#: someone working from another timezone (an hour ahead: their digest hour comes first)
ABROAD = ("Isabel Moreno", "Europe/Madrid")


#: items beyond the firm's own that coordinators marked for sharing (Queue > Share = Yes)
SHARE_YES = (
    "Aldermoor Engineering wins the King's Award for Enterprise",
    "Greenfield Law quoted on the four-day week",
    "Greenfield Law advises on the sale of the Harrogate Spa Hotel",
    "Charity run raises £8,000 with help from Greenfield Law volunteers",
)
#: a firm item a coordinator kept out of the digest (Queue > Share = No)
SHARE_NO = ("Open evening for aspiring lawyers",)


def mark_for_sharing(queue: list[dict[str, str]]) -> list[dict[str, str]]:
    """The Queue rows with Share written where a coordinator chose (blank elsewhere)."""
    marks = {**dict.fromkeys(SHARE_YES, "Yes"), **dict.fromkeys(SHARE_NO, "No")}
    return [{**row, "share": marks.get(row["headline"], "")} for row in queue]


def caption_rows(queue: list[dict[str, str]]) -> list[dict[str, str]]:
    """captions.csv's texts against the Queue IDs of the items they are for."""
    ids = {row["headline"]: row["id"] for row in queue}
    return [
        tab_row("Captions", queue_id=ids[c["headline"]], channel=c["channel"], text=c["text"])
        for c in read_csv("captions.csv")
    ]


def people_details(people: list[dict[str, str]], today: date) -> list[dict[str, str]]:
    """The People rows with a starter this week, one opt-out and one person abroad."""
    details = {
        email_of(STARTER): {"start_date": monday(today).isoformat()},
        email_of(OPTED_OUT): {"share_digest": "No"},
        email_of(ABROAD[0]): {"timezone": ABROAD[1]},
    }
    return [{**row, **details.get(row["email"], {})} for row in people]


GA4_HEADER = """# ----------------------------------------
# Traffic acquisition: Session campaign
# Account: Greenfield Law
# Property: greenfield-law.example - GA4
# ----------------------------------------
#
# All Users
# Start date: {start:%Y%m%d}
# End date: {end:%Y%m%d}
"""


def last_weeks_shares(workspace: Workspace, now: datetime, folder: Path) -> str:
    """Record last Monday's digest offers in Shares and write the GA4 export of their visits."""
    settings = workspace.settings
    last_monday = datetime.combine(monday(now.date()) - timedelta(days=7), time(10), settings.tz)
    snapshot = workspace.store.read(share_digest.TABS)
    inputs = share_digest.ShareInputs(key=share_key(settings))
    plan = share_digest.plan(snapshot, last_monday, settings, inputs)
    offers = [a for a in plan.changes.appends if a.tab == "Shares"]
    workspace.store.apply(Changes(appends=tuple(offers)))
    export = ga4_export(offers, last_monday.date(), now.date(), stream(7, "visits"))
    target = (settings.sharing.exports_dir or folder / "analytics") / f"ga4-{now:%Y%m%d}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(export, encoding="utf-8")
    return f"recorded last week's digest ({len(offers)} offers) and wrote {target}"


def ga4_export(offers: list[Append], start: date, end: date, rng: random.Random) -> str:
    """A GA4 traffic-acquisition export: sessions for some offers, and the site's other traffic."""
    lines = ["Session campaign,Session manual ad content,Session source,Session medium,Sessions"]
    total = 0
    for offer in offers:
        if rng.random() < 0.45:
            sessions = rng.choice((1, 2, 3, 5, 8, 13, 21, 34, 55, 89))
            total += sessions
            row = offer.row
            source = network(str(row["channel"])).utm_source
            lines.append(f'{row["queue_id"]},{row["token"]},{source},employee_share,"{sessions:,}"')
    for campaign, source, medium, sessions in (
        ("(organic)", "google", "organic", 4210),
        ("(direct)", "(direct)", "(none)", 1833),
    ):
        total += sessions
        lines.append(f'{campaign},(not set),{source},{medium},"{sessions:,}"')
    lines.append(f"Grand total,,,,{total}")
    return GA4_HEADER.format(start=start, end=end) + "\n" + "\n".join(lines) + "\n"
