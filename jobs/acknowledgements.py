"""Who has acknowledged the current policy version: one definition for every job.

The acknowledgement form asks for one "Policy version" for the policy and
guidelines as a whole, so the program has one current version:

1. the Program tab's "Policy Version" setting, when it has a value: policy
   owners set it (e.g. 2026.2) when a change needs everyone to sign again;
2. otherwise the Version of the Current row of Kind Policy whose Effective
   date is the latest on or before today (a blank Effective counts as long
   ago; a tie goes to the higher version number). Guidelines do not change
   it: a new guideline is news for the digest, not a reason to sign again.
   When no row has Kind Policy, Current guidelines stand in.

Versions compare without regard to case, spaces or a leading "v"/"version",
so "v2.1" acknowledges "2.1". The weekly summary, the policy digest (and the
prefilled form link it sends) and the employee guide all use these functions,
so the link people click records exactly the version the figures count.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from jobs.figures import NO_TEAM
from jobs.people import active_people
from sheets_schema.columns import normalise_header
from sheets_schema.values import clean_text, parse_date, parse_email

#: the Program tab setting that names the program's policy version outright
PROGRAM_SETTING = "Policy Version"


def normalise_version(value: object) -> str:
    """'Version 2.1 ', 'v2.1' and '2.1' all become '2.1'."""
    text = clean_text(value).casefold()
    text = re.sub(r"^(version|ver\.?|v)\s*", "", text)
    return " ".join(text.split())


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Natural order: 2.10 after 2.9; text parts compare as text."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part)
        for part in re.findall(r"\d+|[a-z]+", version.casefold())
    )


def current_policies(policies: pd.DataFrame) -> pd.DataFrame:
    """Rows people should follow now: Status Current, or blank (only Retired rows are out)."""
    status = policies["status"].map(clean_text).str.casefold()
    return policies[status != "retired"]


def program_version(program: pd.DataFrame | None) -> str:
    """The Program tab's "Policy Version" value ('' when the row is missing or blank)."""
    if program is None or program.empty:
        return ""
    wanted = normalise_header(PROGRAM_SETTING)
    for _, row in program.iterrows():
        if normalise_header(row["setting"]) == wanted and clean_text(row["value"]):
            return clean_text(row["value"])
    return ""


def current_version(
    policies: pd.DataFrame,
    today: date,
    *,
    program: pd.DataFrame | None = None,
    day_first: bool = True,
) -> str:
    """The program's policy version staff acknowledge, as people wrote it ('' if none)."""
    named = program_version(program)
    if named:
        return named
    rows = current_policies(policies)
    rows = rows[rows["version"].map(clean_text) != ""]
    is_policy = rows["kind"].map(clean_text).str.casefold() == "policy"
    if is_policy.any():
        rows = rows[is_policy]
    best: tuple[date, tuple[tuple[int, str], ...]] | None = None
    chosen = ""
    for _, row in rows.iterrows():
        try:
            effective = parse_date(row["effective"], day_first=day_first)
        except ValueError:
            effective = date.min  # blank or unreadable: in effect since before Chorus knew
        if effective > today:
            continue  # announced but not yet in effect
        version = clean_text(row["version"])
        key = (effective, _version_key(version))
        if best is None or key > best:
            best, chosen = key, version
    return chosen


def acknowledgement_status(
    people: pd.DataFrame, acknowledgements: pd.DataFrame, version: str
) -> pd.DataFrame:
    """One row per active person: email, name, team, acknowledged (bool), acknowledged_at (text).

    Everyone active in People is expected to acknowledge: staff, coordinators,
    managers and policy owners all follow the same policy.
    """
    wanted = normalise_version(version)
    when: dict[str, str] = {}
    if wanted:
        for version, email_cell, stamp_cell in zip(
            acknowledgements["policy_version"],
            acknowledgements["email"],
            acknowledgements["acknowledged_at"],
            strict=True,
        ):
            if normalise_version(version) != wanted:
                continue
            try:
                email = parse_email(email_cell)
            except ValueError:
                continue
            stamp = clean_text(stamp_cell)
            # keep the earliest text-sorted stamp; ISO-ish stamps sort by time
            if email not in when or (stamp and stamp < when[email]):
                when[email] = stamp
    everyone = active_people(people)
    return pd.DataFrame(
        {
            "email": everyone["email"],
            "name": everyone["name"],
            "team": everyone["team"].replace("", NO_TEAM),
            "acknowledged": [e in when for e in everyone["email"]],
            "acknowledged_at": [when.get(e, "") for e in everyone["email"]],
        },
        columns=["email", "name", "team", "acknowledged", "acknowledged_at"],
    )


def acknowledgement_rate(
    status: pd.DataFrame, members: frozenset[str] | None = None
) -> dict[str, object]:
    """people, acknowledged and pct (None when nobody is expected) for everyone or `members`."""
    group = status if members is None else status[status["email"].isin(members)]
    done = int(group["acknowledged"].sum()) if len(group) else 0
    total = len(group)
    return {
        "people": total,
        "acknowledged": done,
        "pct": round(100 * done / total, 1) if total else None,
    }


def rate_by_team(status: pd.DataFrame) -> pd.DataFrame:
    """Acknowledgement per team: team, people, acknowledged, pct; lowest rate first."""
    if status.empty:
        return pd.DataFrame({"team": [], "people": [], "acknowledged": [], "pct": []})
    grouped = status.groupby("team").agg(
        people=("email", "size"), acknowledged=("acknowledged", "sum")
    )
    grouped = grouped.reset_index().astype({"people": int, "acknowledged": int})
    grouped["pct"] = (100 * grouped["acknowledged"] / grouped["people"]).round(1)
    return grouped.sort_values(["pct", "team"]).reset_index(drop=True)


def missing(status: pd.DataFrame, members: frozenset[str] | None = None) -> list[dict[str, str]]:
    """Who has not acknowledged yet (name, email, team), by name; only `members` when given.

    Callers showing names to a manager pass the manager's team: a manager
    sees their own team's names and never anyone else's.
    """
    group = status[~status["acknowledged"].astype(bool)]
    if members is not None:
        group = group[group["email"].isin(members)]
    group = group.sort_values(["name", "email"])
    return [
        {"name": str(r["name"]), "email": str(r["email"]), "team": str(r["team"])}
        for _, r in group.iterrows()
    ]
