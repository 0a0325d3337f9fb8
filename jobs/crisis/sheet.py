"""The crisis tabs read as trimmed text, and their times read leniently.

Crisis mode reads rows a person may have typed by hand in the middle of an
emergency; an unreadable cell never stops it (`chorus validate` names it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from sheets_schema.records import empty_frame
from sheets_schema.values import clean_text, parse_datetime


def frame(snapshot: Mapping[str, pd.DataFrame], name: str) -> pd.DataFrame:
    """A tab from the snapshot, or an empty one with its columns when it was not read."""
    return snapshot[name] if name in snapshot else empty_frame(name)


def rows(tab: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as trimmed text by field, with the sheet row number under '_row'."""
    return [
        {**{str(k): clean_text(v) for k, v in row.items()}, "_row": str(index)}
        for index, row in zip(tab.index, tab.to_dict("records"), strict=True)
    ]


def when(value: str, tz: ZoneInfo, day_first: bool) -> datetime | None:
    """A typed date and time, or None when it is blank or unreadable."""
    try:
        return parse_datetime(value, tz, day_first=day_first) if value else None
    except ValueError:
        return None


def started(row: Mapping[str, str], tz: ZoneInfo) -> datetime | None:
    """When a Crises row says its crisis started (read year first, as Chorus writes it)."""
    try:
        return parse_datetime(row.get("started", ""), tz)
    except ValueError:
        return None
