"""Synthetic programs at N rows, deterministic, for measuring jobs at scale.

The demo program (automation.demo) gives a realistic small firm; here the
job's *main tab* grows to N rows with seeded, plausible rows (a queue that is
mostly published history, a year of mentions, a staff list in teams of ten
with a manager each). For sync-forms the N rows are N new form responses: a
first sync, the job's heaviest run. Everything derives from (job, n, seed), so
two runs measure the same work.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from automation import demo
from sheets_schema.columns import CHANNEL_NAMES, MENTION_KINDS, SOURCE_TYPES
from sheets_schema.forms import FORMS
from sheets_schema.tabs import TABS

TZ = ZoneInfo("Europe/London")
#: Monday 1 March 2027, 08:30: a working day, a Monday and the month's first
#: working day, so every job in the cycle has its regular work to do.
NOW = datetime(2027, 3, 1, 8, 30, tzinfo=TZ)
SENDER = f"social@{demo.DOMAIN}"

#: job -> the tab whose size N is (sync-forms: the form's responses, synced into Submissions)
MAIN_TAB: dict[str, str] = {
    "sync-forms": "Submissions",
    "ingest-alerts": "Mentions",
    "ingest-inbox": "Queue",
    "check-cadence": "Queue",
    "brief": "Queue",
    "thanks": "Queue",
    "weekly-summary": "People",
    "policy-digest": "People",
    "guide": "People",
}


@dataclass
class Program:
    """One synthetic program: every tab's rows (fields -> text) and the form responses."""

    job: str
    n: int
    rows: dict[str, list[dict[str, str]]]
    responses: list[list[str]] = field(default_factory=list)

    @property
    def main_tab(self) -> str:
        return MAIN_TAB.get(self.job, "Queue")


def main_tab(job: str) -> str:
    """The tab a job's size is measured on (Queue for a job this module does not know)."""
    return MAIN_TAB.get(job, "Queue")


def build_program(job: str, n: int, *, now: datetime = NOW, seed: int = 7) -> Program:
    """The demo program with `job`'s main tab grown (or cut) to n rows."""
    rows = demo.demo_rows(now.date(), seed)
    rng = random.Random(f"{seed}:{job}:{n}")
    tab = main_tab(job)
    responses: list[list[str]] = []
    if job == "sync-forms":
        responses = form_responses(n, now, rng)
    elif tab == "Queue":
        rows["Queue"] = _grow(rows["Queue"], n, lambda i: _queue_row(i, now, rng, rows))
    elif tab == "Mentions":
        rows["Mentions"] = _grow(rows["Mentions"], n, lambda i: _mention_row(i, now, rng))
    elif tab == "People":
        people, acks = _people(rows, n, now, rng)
        rows["People"], rows["Acknowledgements"] = people, acks
    return Program(job, n, rows, responses)


def _grow(base: list[dict[str, str]], n: int, make: Any) -> list[dict[str, str]]:
    """The demo's rows first (they tie the tabs together), then synthetic ones, n in all."""
    out = list(base[:n])
    out.extend(make(i) for i in range(len(out), n))
    return out


def _row(tab: str, **values: str) -> dict[str, str]:
    return {f: values.get(f, "") for f in TABS[tab].fields}


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _queue_row(
    i: int, now: datetime, rng: random.Random, rows: dict[str, list[dict[str, str]]]
) -> dict[str, str]:
    """A queue item: 75% published over two years, 8% scheduled, 10% approved, 7% new."""
    staff = [
        p["email"] for p in rows["People"] if p["active"] == "Yes" and demo.DOMAIN in p["email"]
    ]
    roll = rng.random()
    channels = ", ".join(rng.sample(CHANNEL_NAMES, rng.randint(1, 2)))
    created = now - timedelta(days=rng.uniform(0, 730))
    submitter = rng.choice(staff) if rng.random() < 0.3 else ""
    values = {
        "id": f"Q-{100000 + i}",
        "created": _stamp(created),
        "source_kind": "Staff & partners"
        if submitter
        else rng.choice(("Organisation", "External")),
        "source_type": rng.choice(SOURCE_TYPES),
        "headline": f"Item {i}: {rng.choice(('award', 'article', 'event', 'client win', 'volunteering'))}",
        "details": f"Synthetic queue item number {i}, for the benchmark.",
        "link": f"https://www.greenfield-law.example/news/item-{i}",
        "submitted_by": submitter,
        "channels": channels,
    }
    if roll < 0.75:
        at = created + timedelta(days=rng.uniform(1, 10))
        at = min(at, now - timedelta(hours=1))
        values.update(
            status="Published",
            scheduled_for=_stamp(at),
            published_at=_stamp(at),
            post_url=f"https://www.linkedin.com/feed/update/urn:li:activity:{7000000000 + i}/",
        )
    elif roll < 0.83:
        at = now + timedelta(days=rng.uniform(0.2, 14))
        values.update(status="Scheduled", scheduled_for=_stamp(at.replace(hour=10, minute=0)))
    elif roll < 0.93:
        values.update(status="Approved")
    else:
        values.update(status="New", created=_stamp(now - timedelta(days=rng.uniform(0, 5))))
    return _row("Queue", **values)


def _mention_row(i: int, now: datetime, rng: random.Random) -> dict[str, str]:
    found = now - timedelta(days=rng.uniform(0, 365))
    status = "New" if rng.random() < 0.03 else rng.choice(("Responded", "Passed on", "No action"))
    return _row(
        "Mentions",
        id=f"M-{100000 + i}",
        found_at=_stamp(found),
        source="Google Alerts",
        kind=rng.choice(MENTION_KINDS),
        title=f"Mention {i} of Greenfield Law",
        snippet=f"Greenfield Law was mentioned in article {i}.",
        url=f"https://news.example/{i // 1000}/article-{i}",
        status=status,
        responded_at=_stamp(found + timedelta(hours=3)) if status == "Responded" else "",
    )


def _people(
    rows: dict[str, list[dict[str, str]]], n: int, now: datetime, rng: random.Random
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """n people: the demo's, then teams of ten (one manager each); 95% acknowledged the policy."""
    people = list(rows["People"][:n])
    acks = list(rows["Acknowledgements"])
    partner = demo.email_of("Catherine Ashworth")
    manager = ""
    for i in range(len(people), n):
        email = f"person{i:06d}@{demo.DOMAIN}"
        is_manager = i % 10 == 0 or not manager
        if is_manager:
            manager = email
        people.append(
            _row(
                "People",
                name=f"Person {i}",
                email=email,
                team=f"Team {i // 10}",
                roles="Manager" if is_manager else "Staff",
                manager_email=partner if is_manager else manager,
                active="Yes" if rng.random() < 0.97 else "No",
            )
        )
        if rng.random() < 0.95:
            at = now - timedelta(days=rng.uniform(1, 200))
            acks.append(
                _row(
                    "Acknowledgements",
                    response_id=f"ACK-{i:08d}",
                    email=email,
                    policy_version=demo.POLICY_VERSION,
                    acknowledged_at=_stamp(at),
                )
            )
    return people, acks


def form_responses(n: int, now: datetime, rng: random.Random) -> list[list[str]]:
    """n submission-form answers, oldest first, as the CSV export lists them (some to reject)."""
    form = FORMS["submissions"]
    staff = [person["email"] for person in demo.PEOPLE]
    start = now - timedelta(days=60)
    out = []
    for i in range(n):
        stamp = start + timedelta(seconds=(60 * 24 * 3600 // max(n, 1)) * i)
        email = rng.choice(staff) if i % 40 else f"outsider{i}@gmail.com"
        answers = {
            "name": f"Person {i}",
            "content_type": rng.choice(form.questions[1].choices),
            "headline": f"Response {i}: our team at the expo",
            "details": f"Details of response {i}."
            + (" Confidential: do not share." if i % 97 == 0 else ""),
            "link": f"https://www.greenfield-law.example/news/r-{i}" if i % 3 else "",
            "suggested_channels": ", ".join(rng.sample(CHANNEL_NAMES, rng.randint(1, 2))),
            "preferred_date": "",
            "permission": "Yes" if i % 11 else "Not sure",
        }
        out.append(
            [stamp.astimezone(TZ).strftime("%d/%m/%Y %H:%M:%S"), email]
            + [answers[q.field] for q in form.questions]
        )
    return out


def write_inputs(folder: Path, program: Program) -> None:
    """The demo's form exports, feeds and inbox; the submission export holds the program's responses."""
    demo.write_inputs(folder, NOW.date())
    if program.job == "sync-forms":
        path = folder / "forms" / "submissions.csv"
        header = ["Timestamp", "Email Address"] + [q.title for q in FORMS["submissions"].questions]
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows(program.responses)


def config(
    folder: Path, *, spreadsheet_id: str = "", credentials: Path | None = None
) -> dict[str, Any]:
    """The chorus.toml of a benchmark run: the demo's forms and feeds, Google when an id is given."""
    data: dict[str, Any] = {
        "organisation": dict(demo.DEMO_ORG),
        "backend": {"kind": "local", "workbook": str(folder / "workbook.xlsx")},
        "forms": {
            name: {
                "kind": "csv",
                "path": str(folder / "forms" / f"{name}.csv"),
                "url": demo.FORM_URLS[name],
            }
            for name in ("submissions", "acknowledgements", "feedback")
        },
        "alerts": {
            "feeds": [
                {"name": "Google Alerts", "url": str(folder / "alerts" / "google-alerts.xml")},
                {
                    "name": "Newsroom",
                    "url": str(folder / "alerts" / "newsroom.xml"),
                    "use": "content",
                    "source_kind": "Organisation",
                    "source_type": "News release",
                },
            ]
        },
        "mail": {"transport": "outbox", "outbox": str(folder / "outbox"), "sender": SENDER},
        "guide": {"output_dir": str(folder / "guide")},
    }
    if spreadsheet_id:
        data["backend"] = {
            "kind": "google",
            "spreadsheet_id": spreadsheet_id,
            "credentials": str(credentials),
            "delegated_user": SENDER,
        }
        data["mail"] = {"transport": "gmail", "sender": SENDER}
    return data
