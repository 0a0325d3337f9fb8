"""The outside inputs the demo's jobs read: form exports (here), feeds and a Maildir.

The form exports hold the responses that came in since the last sync: the
staff submissions and guide feedback in new_submissions.csv and
new_feedback.csv (some there for screening to catch), and acknowledgements
from people the Acknowledgements tab lists as not yet acknowledged.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path

from automation.demo.approvals import waiting_answer
from automation.demo.build import acknowledgement_rows
from automation.demo.feeds import alerts_feed, newsroom_feed
from automation.demo.firm import (
    POLICY_VERSION,
    days_ago,
    email_of,
    read_csv,
    site_link,
    stream,
)
from automation.demo.inbox import inbox_messages, write_maildir
from automation.demo.queue import queue_rows
from sheets_schema.forms import FORMS, export_header

#: One form response: when, who, and the answers in the export's column order.
Response = tuple[datetime, str, list[str]]


def write_inputs(folder: Path, today: date, seed: int = 7) -> dict[str, Path]:
    """Write the outside inputs the jobs read (form exports, feeds, a Maildir) under `folder`."""
    folder = Path(folder)
    paths = {
        "submissions": folder / "forms" / "submissions.csv",
        "acknowledgements": folder / "forms" / "acknowledgements.csv",
        "feedback": folder / "forms" / "feedback.csv",
        "approval": folder / "forms" / "approval.csv",
        "mention": folder / "forms" / "mention.csv",
        "alerts": folder / "alerts" / "google-alerts.xml",
        "newsroom": folder / "alerts" / "newsroom.xml",
        "inbox": folder / "inbox",
    }
    _write_csv(paths["submissions"], "submissions", _new_submissions(today))
    _write_csv(paths["acknowledgements"], "acknowledgements", _new_acknowledgements(today, seed))
    _write_csv(paths["feedback"], "feedback", _new_feedback(today))
    queue, _ = queue_rows(today, stream(seed, "queue"))
    _write_csv(paths["approval"], "approval", [waiting_answer(queue, today)])
    _write_csv(paths["mention"], "mention", _new_mention_reports(today))
    paths["alerts"].parent.mkdir(parents=True, exist_ok=True)
    paths["alerts"].write_text(alerts_feed(today, stream(seed, "alerts")), encoding="utf-8")
    paths["newsroom"].write_text(newsroom_feed(today), encoding="utf-8")
    write_maildir(paths["inbox"], inbox_messages(today, stream(seed, "inbox")))
    return paths


def _gb(stamp: datetime) -> str:
    """A timestamp as a Google Sheet in the en-GB locale shows it (and exports it)."""
    return stamp.strftime("%d/%m/%Y %H:%M:%S")


def _write_csv(path: Path, form: str, answers: list[Response]) -> None:
    """Google Forms' CSV export: Timestamp, Email Address, then each question title."""
    header = export_header(form)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)  # quotes fields with commas, quotes and newlines as Sheets does
        writer.writerow(header)
        for stamp, email, values in sorted(answers, key=lambda a: a[0]):
            if len(values) != len(header) - 2:
                raise ValueError(f"{form}: answer has {len(values)} values for {header}")
            writer.writerow([_gb(stamp), email, *values])


def _new_submissions(today: date) -> list[Response]:
    """New form responses since the last sync, including the ones screening must catch."""
    out = []
    for s in read_csv("new_submissions.csv"):
        preferred = ""
        if s["preferred_in_days"]:
            preferred = (today + timedelta(days=int(s["preferred_in_days"]))).strftime("%d/%m/%Y")
        answers = [
            s["name"],
            s["content_type"],
            s["headline"],
            s["details"],
            site_link(s["link"]),
            s["channels"],
            preferred,
            s["permission"],
        ]
        out.append(
            (days_ago(today, s["days_ago"], s["time"]), s["email"] or email_of(s["name"]), answers)
        )
    return out


def _new_feedback(today: date) -> list[Response]:
    """New feedback on the guide since the last sync."""
    return [
        (
            days_ago(today, f["days_ago"], f["time"]),
            email_of(f["name"]),
            [f["section"], f["text"], f["contact"]],
        )
        for f in read_csv("new_feedback.csv")
    ]


def _new_mention_reports(today: date) -> list[Response]:
    """Mentions staff reported through the "Report a mention" form since the last sync."""
    return [
        (
            days_ago(today, m["days_ago"], m["time"]),
            email_of(m["name"]),
            [m["link"], m["network"], m["kind"], m["text"]],
        )
        for m in read_csv("new_mention_reports.csv")
    ]


def _new_acknowledgements(today: date, seed: int) -> list[Response]:
    """Acknowledgements from people demo_rows(today, seed) lists as not yet acknowledged."""
    _rows, pending = acknowledgement_rows(today, stream(seed, "acknowledgements"))
    rng = stream(seed, "acknowledgement form")
    agree = FORMS["acknowledgements"].questions[0].choices[0]
    chosen = pending[:14]
    out = []
    for n, email in enumerate(chosen):
        day = today - timedelta(days=1 + n % 3)
        stamp = datetime.combine(day, time(8 + n % 9, rng.randint(0, 59), rng.randint(0, 59)))
        out.append((stamp, email, [agree, POLICY_VERSION]))
    # Someone acknowledging twice (one should count), someone typing the version loosely.
    out.append((out[0][0] + timedelta(minutes=7), chosen[0], [agree, POLICY_VERSION]))
    out.append((out[1][0] + timedelta(hours=2), chosen[1], [agree, f" v{POLICY_VERSION} "]))
    return out
