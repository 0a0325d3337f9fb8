"""Who hears about a crisis: the team on duty, the managers, and who already got what.

The Rota decides who is on duty (jobs/rota.py) and People who is active and
who manages (jobs/people.py), for crisis mode as for every other job. The
Sent ledger says which emails went out, so a crisis's all-clear reaches
everyone its alerts, briefs and holding statement reached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import pandas as pd

from jobs import people, rota
from jobs.base import OutgoingMessage
from jobs.crisis import JOB_NAME, sheet
from sheets_schema.settings import Settings

#: how far before a crisis a storm alert still belongs to it (for the all-clear)
ALERT_LEAD = timedelta(days=1)


def duty_team(duty: rota.Duty) -> list[str]:
    """Whom a storm alert goes to: the coordinator on duty and the backup (unless away);
    when neither is available, the coordinator's managers."""
    found: list[str] = []
    if duty.on_duty:
        found.append(duty.on_duty)
    if duty.backup and not duty.backup_away and duty.backup not in found:
        found.append(duty.backup)
    return found or list(duty.notify)


def crisis_team(duty: rota.Duty, people_tab: pd.DataFrame) -> list[str]:
    """Who runs a crisis: the week's coordinator and backup, and every manager."""
    found: list[str] = []
    for email in (duty.coordinator, duty.backup, *people.managers(people_tab)):
        if email and email not in found:
            found.append(email)
    return found


def answerer(duty: rota.Duty, people_tab: pd.DataFrame | people.PeopleByEmail) -> dict[str, str]:
    """Who answers publicly during the crisis: the coordinator on duty."""
    email = duty.on_duty or duty.coordinator
    if not email:
        return {"email": "", "name": "the social media coordinator"}
    return people.person(people_tab, email).as_context()


def message_id_part(text: str) -> str:
    """`text` as it appears in a Message-ID (jobs.base.OutgoingMessage.message_id's rule)."""
    return "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in text)


def _sent_rows(snapshot: Mapping[str, pd.DataFrame]) -> list[dict[str, str]]:
    return [
        r
        for r in sheet.rows(sheet.frame(snapshot, "Sent"))
        if r.get("status", "").casefold() == "sent"
    ]


def unsent(
    messages: Iterable[OutgoingMessage], snapshot: Mapping[str, pd.DataFrame], settings: Settings
) -> tuple[tuple[OutgoingMessage, ...], int]:
    """The messages the Sent ledger has not confirmed yet, and how many it has.

    The ledger would refuse them anyway; leaving them out keeps each run's report
    honest ("nothing new") and its message count at zero.
    """
    domain = settings.sender_domain
    done = {r["message_id"] for r in _sent_rows(snapshot) if r.get("message_id")}
    planned = tuple(messages)
    keep = tuple(m for m in planned if m.message_id(domain) not in done)
    return keep, len(planned) - len(keep)


def crisis_recipients(
    row: Mapping[str, str],
    ended: datetime,
    snapshot: Mapping[str, pd.DataFrame],
    settings: Settings,
) -> tuple[list[str], list[str]]:
    """Who got this crisis's emails, from the Sent ledger: (team, staff).

    Team: the 'declared' emails, storm alerts from a day before the start to the end,
    and the briefs sent while it lasted. Staff: the holding-statement emails.
    """
    tz, day_first = settings.tz, settings.organisation.day_first
    crisis_id = message_id_part(row.get("id", ""))
    started = sheet.started(row, tz) or ended
    team: list[str] = []
    staff: list[str] = []
    for sent in _sent_rows(snapshot):
        recipient = sent.get("recipient", "").lower()
        message_id = sent.get("message_id", "")
        job = sent.get("job", "").casefold()
        if job == JOB_NAME and message_id.startswith(f"<chorus.{JOB_NAME}.staff.{crisis_id}."):
            staff.append(recipient)
        elif job == JOB_NAME and message_id.startswith(f"<chorus.{JOB_NAME}.declared.{crisis_id}."):
            team.append(recipient)
        elif job == JOB_NAME and message_id.startswith(f"<chorus.{JOB_NAME}.alert."):
            episode = sheet.when(sent.get("period", ""), tz, True)
            if episode is not None and started - ALERT_LEAD <= episode <= ended:
                team.append(recipient)
        elif job == "brief":
            when = sheet.when(sent.get("sent_at", ""), tz, day_first)
            if when is not None and started <= when <= ended:
                team.append(recipient)
    team = list(dict.fromkeys(e for e in team if e))
    staff = [e for e in dict.fromkeys(staff) if e and e not in team]
    return team, staff
