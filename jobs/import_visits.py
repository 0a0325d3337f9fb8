"""import-visits: the website visits staff shares brought, from analytics exports, into Shares.

The shell reads every export dropped in [sharing] exports_dir
(jobs.visits_export parses them). A row counts for a Shares row when its
campaign is the row's Queue ID, its content the row's Token, its medium
[sharing] medium (or blank) and its source the row's network. Visits is set,
never added to: it is the sum over the distinct exports in the folder, so
importing the same export twice (or a copy of it re-saved by a spreadsheet)
changes nothing. When a person was offered the same item on the same network
in two digests, the visits go to the first offer, so each visit counts once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from jobs.base import Job, Plan, Report
from jobs.networks import network
from jobs.visits_export import Export, VisitRow
from sheets_schema.records import Changes, Snapshot, Update
from sheets_schema.settings import Settings
from sheets_schema.values import clean_text

NAME = "import-visits"
TABS = ("Shares",)


@dataclass(frozen=True)
class VisitsInputs:
    """The exports found in the folder (each read), where they were, and what could not be read."""

    exports: tuple[Export, ...] = ()
    folder: str = ""
    problems: tuple[str, ...] = ()


def distinct(exports: Sequence[Export]) -> tuple[list[Export], list[str]]:
    """Each export once by what it says (a re-saved copy is the same export); lines naming copies."""
    seen: dict[str, str] = {}
    kept: list[Export] = []
    lines: list[str] = []
    for export in exports:
        if not export.rows:
            continue
        if export.fingerprint in seen:
            lines.append(
                f"{export.name} holds the same visits as {seen[export.fingerprint]}: counted once"
            )
            continue
        seen[export.fingerprint] = export.name
        kept.append(export)
    return kept, lines


def _offers(shares: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(Queue ID, token, utm_source) -> the first Shares row's ID offering it.

    Also (Queue ID, token, '') -> the person's first offer of the item: the row
    visits go to when the source names no network (the item's own link already
    carried a utm_source, which Chorus never overwrites).
    """
    first: dict[tuple[str, str, str], str] = {}
    for _, row in shares.iterrows():
        item, token = clean_text(row["queue_id"]).casefold(), clean_text(row["token"]).casefold()
        ident = clean_text(row["share_id"])
        first.setdefault((item, token, network(clean_text(row["channel"])).utm_source), ident)
        first.setdefault((item, token, ""), ident)
    return first


def visits_by_share(
    rows: Sequence[VisitRow], shares: pd.DataFrame, medium: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Visits per Share ID, and counts of export rows used, from other traffic, and unmatched."""
    offers = _offers(shares)
    totals: dict[str, int] = defaultdict(int)
    counts = {"rows_matched": 0, "rows_other_traffic": 0, "rows_unmatched": 0}
    for row in rows:
        if row.medium and row.medium != medium.lower():
            counts["rows_other_traffic"] += 1
            continue
        item, token = row.campaign.casefold(), row.content.casefold()
        ident = offers.get((item, token, row.source)) or offers.get((item, token, ""))
        if ident is None:
            counts["rows_unmatched" if row.medium else "rows_other_traffic"] += 1
            continue
        counts["rows_matched"] += 1
        totals[ident] += row.visits
    return dict(totals), counts


def plan(snapshot: Snapshot, now: datetime, settings: Settings, inputs: object = None) -> Plan:
    """Set Shares > Visits from the distinct exports; rows already right are left alone."""
    found = inputs if isinstance(inputs, VisitsInputs) else VisitsInputs()
    problems = [*found.problems, *(p for e in found.exports for p in e.problems)]
    exports, lines = distinct(found.exports)
    if not exports:
        lines.append(f"no analytics export with rows in {found.folder or 'the exports folder'}")
        return Plan(
            report=Report(counts={"updated": 0}, lines=tuple(lines), problems=tuple(problems))
        )
    shares = snapshot["Shares"]
    rows = [row for export in exports for row in export.rows]
    totals, counts = visits_by_share(rows, shares, settings.sharing.medium)
    updates = []
    for _, row in shares.iterrows():
        ident = clean_text(row["share_id"])
        if ident in totals and clean_text(row["visits"]) != str(totals[ident]):
            updates.append(Update("Shares", (ident,), {"visits": str(totals[ident])}))
    if counts["rows_unmatched"]:
        lines.append(
            f"{counts['rows_unmatched']} export row(s) carry the {settings.sharing.medium} medium "
            "but no campaign and token of a Shares row (an edited link, or a Shares row deleted)"
        )
    lines.insert(0, f"read {len(exports)} export(s): {', '.join(e.name for e in exports)}")
    return Plan(
        changes=Changes(updates=tuple(updates)),
        report=Report(
            counts={"updated": len(updates), "visits": sum(totals.values()), **counts},
            lines=tuple(lines),
            problems=tuple(problems),
        ),
    )


JOB = Job(NAME, "Fill Shares > Visits from the website analytics exports", TABS, plan)
