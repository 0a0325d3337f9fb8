"""The demo program's tabs: the data files turned into rows, with dates relative to `today`.

Everything is derived from (today, seed): fixed facts come from the files in
`data/`, and what a real program would have by chance (minutes, who reviewed,
who acknowledged) from seeded `random.Random` streams, one per part, so the demo
always looks current and two builds on the same day are the same.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from automation.demo.firm import (
    BACKUPS,
    COORDINATORS,
    DOMAIN,
    OLD_POLICY_VERSION,
    PEOPLE,
    POLICY_VERSION,
    PROGRAM,
    days_ago,
    email_of,
    monday,
    read_csv,
    read_toml,
    response_id,
    stream,
    tab_row,
)
from automation.demo.queue import queue_rows
from automation.demo.sharing import caption_rows, mark_for_sharing, people_details
from sheets_schema.tabs import TABS

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def demo_rows(today: date, seed: int = 7) -> dict[str, list[dict[str, str]]]:
    """Every tab's rows for the demo program, keyed by field, all text, relative to `today`.

    Cadence, Sent, Runs, Crises and Shares are empty: the jobs fill them (the demo's run
    records last week's share digest in Shares: automation.demo.sharing).
    """
    queue, submissions = queue_rows(today, stream(seed, "queue"))
    acks, _pending = acknowledgement_rows(today, stream(seed, "acknowledgements"))
    rows: dict[str, list[dict[str, str]]] = {name: [] for name in TABS}
    rows["Goals"] = [
        tab_row("Goals", **{**goal, "owner": email_of(goal["owner"])})
        for goal in read_csv("goals.csv")
    ]
    rows["Channels"] = [tab_row("Channels", **c, active="Yes") for c in read_csv("channels.csv")]
    rows["People"] = people_details([_person(p) for p in PEOPLE], today)
    rows["Rota"] = _rota_rows(today)
    rows["Absences"] = _absence_rows(today)
    rows["Queue"] = mark_for_sharing(queue)
    rows["Captions"] = caption_rows(queue)
    rows["Submissions"] = submissions
    rows["Mentions"] = _mention_rows(today, stream(seed, "mentions"))
    rows["Policies"] = _policy_rows(today)
    rows["Acknowledgements"] = acks
    rows["Feedback"] = _feedback_rows(today)
    rows["Program"] = [tab_row("Program", **row) for row in PROGRAM]
    return rows


def _person(p: dict[str, str]) -> dict[str, str]:
    manager = email_of(p["manager"]) if p["manager"] else ""
    return tab_row(
        "People",
        name=p["name"],
        email=p["email"],
        team=p["team"],
        roles=p["roles"],
        manager_email=manager,
        active=p["active"],
    )


def _rota_rows(today: date) -> list[dict[str, str]]:
    """Six weeks back to six ahead; coordinators and backups take turns in roster order."""
    notes = {int(week): note for week, note in read_toml("rota.toml")["notes"].items()}
    this_week = monday(today)
    return [
        tab_row(
            "Rota",
            week_starting=(this_week + timedelta(weeks=week)).isoformat(),
            coordinator=email_of(COORDINATORS[week % len(COORDINATORS)]),
            backup=email_of(BACKUPS[week % len(BACKUPS)]),
            notes=notes.get(week, ""),
        )
        for week in range(-6, 7)
    ]


def _absence_rows(today: date) -> list[dict[str, str]]:
    """rota.toml's absences; "today" is the Friday of this week when the demo runs at a weekend."""
    this_week = monday(today)
    away = today if today.weekday() < 5 else this_week + timedelta(days=4)

    def day(week: int, name: str) -> date:
        if name == "today":
            return away
        return this_week + timedelta(weeks=week, days=_WEEKDAYS.index(name))

    return [
        tab_row(
            "Absences",
            email=email_of(a["name"]),
            from_date=day(a["week"], a["from"]).isoformat(),
            to_date=day(a["week"], a["to"]).isoformat(),
            note=a["note"],
        )
        for a in read_toml("rota.toml")["absence"]
    ]


def _mention_rows(today: date, rng: random.Random) -> list[dict[str, str]]:
    """mentions.csv, found at a random minute of its hour and answered after its hours."""
    rows = []
    for n, m in enumerate(read_csv("mentions.csv")):
        found = datetime.combine(
            today - timedelta(days=int(m["days_ago"])), time(int(m["hour"]), rng.randint(0, 59))
        )
        responded = ""
        if m["hours_to_answer"]:
            answered = found + timedelta(
                hours=float(m["hours_to_answer"]), minutes=rng.randint(0, 20)
            )
            responded = answered.strftime("%Y-%m-%d %H:%M")
        rows.append(
            tab_row(
                "Mentions",
                id=f"M-{n + 1:04d}",
                found_at=found.strftime("%Y-%m-%d %H:%M"),
                source=m["source"],
                kind=m["kind"],
                title=m["title"],
                snippet=m["snippet"],
                url=m["url"],
                status=m["status"],
                assigned_to=email_of(m["handler"]) if m["handler"] else "",
                responded_at=responded,
                notes=m["notes"],
            )
        )
    return rows


def _policy_rows(today: date) -> list[dict[str, str]]:
    return [
        tab_row(
            "Policies",
            id=f"P-{n + 1:02d}",
            kind=p["kind"],
            title=p["title"],
            text=p["text"],
            version=p["version"],
            effective=(today - timedelta(days=int(p["effective_days_ago"]))).isoformat(),
            last_reviewed=(today - timedelta(days=int(p["reviewed_days_ago"]))).isoformat(),
            owner=email_of(p["owner"]),
            status="Current",
        )
        for n, p in enumerate(read_csv("policies.csv"))
    ]


def acknowledgement_rows(today: date, rng: random.Random) -> tuple[list[dict[str, str]], list[str]]:
    """About 60% of active staff on the current version, a few on the old one.

    Returns the rows and the people who still have to acknowledge the current
    version (the CSV export's new responses come from them).
    """
    people = [
        p["email"] for p in PEOPLE if p["active"] == "Yes" and p["email"].endswith("@" + DOMAIN)
    ]
    shuffled = people[:]
    rng.shuffle(shuffled)
    current = shuffled[: round(len(people) * 0.6)]
    rest = shuffled[len(current) :]
    rows = []
    for email in rest[:6]:
        day = today - timedelta(days=rng.randint(200, 300))
        stamp = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        rows.append((email, OLD_POLICY_VERSION, stamp))
    # Current acknowledgements came in after the version changed 18 days ago.
    for email in current:
        day = today - timedelta(days=rng.randint(1, 17))
        stamp = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
        rows.append((email, POLICY_VERSION, stamp))
    rows.sort(key=lambda r: r[2])
    out = [
        tab_row(
            "Acknowledgements",
            response_id=response_id("acknowledgements", stamp.isoformat(), email),
            email=email,
            policy_version=version,
            acknowledged_at=stamp.strftime("%Y-%m-%d %H:%M"),
        )
        for email, version, stamp in rows
    ]
    return out, sorted(rest)


def _feedback_rows(today: date) -> list[dict[str, str]]:
    rows = []
    for f in read_csv("feedback.csv"):
        stamp, email = days_ago(today, f["days_ago"], f["time"]), email_of(f["name"])
        rows.append(
            tab_row(
                "Feedback",
                response_id=response_id("feedback", stamp.isoformat(), email),
                submitted_at=stamp.strftime("%Y-%m-%d %H:%M"),
                email=email,
                section=f["section"],
                text=f["text"],
                contact=f["contact"],
                status=f["status"],
                reply=f["reply"],
            )
        )
    return rows
