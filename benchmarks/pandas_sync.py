"""The sync-forms a person would script with pandas, as baselines for benchmarks.local.

pessimistic: read the CSV export and every tab with pandas, keep the responses
whose Response ID is new, and write the whole workbook back with
`DataFrame.to_excel` (no screening, no Queue items, no formats kept).
kind (the tutorial way): read each tab once, then `ws.append` per new row
with openpyxl and one save.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook


def _with_ids(folder: Path) -> pd.DataFrame:
    export = pd.read_csv(folder / "forms" / "submissions.csv", dtype=str).fillna("")
    export["Response ID"] = [
        "SUB-" + hashlib.sha256("|".join(row).encode()).hexdigest()[:10]
        for row in export.astype(str).itertuples(index=False, name=None)
    ]
    return export


def pessimistic(folder: Path) -> int:
    """Read everything with pandas, merge, write every tab again; returns the rows added."""
    workbook = folder / "workbook.xlsx"
    tabs = pd.read_excel(workbook, sheet_name=None, dtype=str)
    export = _with_ids(folder)
    subs = tabs["Submissions"]
    new = export[~export["Response ID"].isin(set(subs["Response ID"].dropna()))]
    added = pd.DataFrame(
        {
            "Response ID": new["Response ID"],
            "Submitted At": new["Timestamp"],
            "Email": new["Email Address"],
            "Status": "New",
        }
    )
    tabs["Submissions"] = pd.concat([subs, added], ignore_index=True)
    with pd.ExcelWriter(workbook, engine="openpyxl") as writer:
        for name, frame in tabs.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    return len(added)


def kind(folder: Path) -> int:
    """Read the tab once, append each new row with openpyxl, save once; returns the rows added."""
    workbook = folder / "workbook.xlsx"
    wb = load_workbook(workbook)
    ws = wb["Submissions"]
    seen = {row[0] for row in ws.iter_rows(min_row=2, max_col=1, values_only=True)}
    export = _with_ids(folder)
    added = 0
    for row in export.itertuples(index=False):
        rid = row[-1]
        if rid in seen:
            continue
        ws.append([rid, row[0], row[1], "", "", "", "", "", "", "", "", "New"])
        seen.add(rid)
        added += 1
    wb.save(workbook)
    return added
