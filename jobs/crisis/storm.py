"""The storm detector: criticism and direct messages far above their usual rate.

Feed entries arrive as plain mentions; a storm is what people classified as
criticism or direct messages (by Found At), so a coordinator's typed entries
count as much as anything Chorus found.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from jobs.crisis import sheet
from sheets_schema.settings import Crisis as CrisisSettings
from sheets_schema.settings import Settings
from sheets_schema.values import parse_datetime

#: Mentions kinds that count towards a storm
STORM_KINDS = ("criticism", "direct message")


@dataclass(frozen=True)
class Spike:
    """A storm of criticism and direct messages: the episode it belongs to and what started it.

    `episode` is the start of the window block in which the threshold was first
    crossed (local time, 'YYYY-MM-DDTHH:MM'); it names the episode in the alert's
    Message-ID, so every run during one episode plans the same alert.
    """

    episode: str
    crossed_at: datetime
    count: int  # criticism and direct messages in the window that crossed the threshold
    threshold: int  # the count that was needed
    median: float  # the usual count per window over the baseline
    window_hours: float
    mentions: tuple[Mapping[str, str], ...]  # that window's mentions, oldest first
    since: int = 0  # found after the crossing, up to now


@dataclass
class _Episode:
    """A storm episode while the sweep finds it: its crossing and how long it stays hot."""

    crossed: datetime
    count: int
    threshold: int
    median: float
    rows: list[dict[str, str]]
    hot_until: datetime


def _storm_rows(
    mentions: pd.DataFrame, now: datetime, tz: ZoneInfo, day_first: bool
) -> list[tuple[datetime, dict[str, str]]]:
    """Criticism and direct messages found up to `now`, oldest first."""
    found: list[tuple[datetime, dict[str, str]]] = []
    for row in sheet.rows(mentions):
        if row.get("kind", "").casefold() not in STORM_KINDS:
            continue
        try:
            when = parse_datetime(row.get("found_at", ""), tz, day_first=day_first)
        except ValueError:
            continue  # `chorus validate` names unreadable cells
        if when <= now:
            found.append((when, row))
    found.sort(key=lambda pair: (pair[0], pair[1].get("id", "")))
    return found


class _Thresholds:
    """The count that crosses the threshold in a window block, and the block's baseline median.

    Blocks are windows counted from the Unix epoch, so every run finds the same ones.
    """

    def __init__(self, times: Sequence[datetime], seconds: float, crisis: CrisisSettings) -> None:
        self.seconds = seconds
        self.crisis = crisis
        self.blocks = Counter(self.block(t) for t in times)
        self.per_baseline = max(1, round(crisis.baseline_days * 86400 / seconds))
        self.cache: dict[int, tuple[int, float]] = {}

    def block(self, when: datetime) -> int:
        """The number of the window block `when` falls in."""
        return math.floor(when.timestamp() / self.seconds)

    def at(self, when: datetime) -> tuple[int, float]:
        """The threshold and the baseline median for the block `when` falls in."""
        block = self.block(when)
        if block not in self.cache:
            counts = (self.blocks.get(block - k, 0) for k in range(1, self.per_baseline + 1))
            median = float(statistics.median(counts))
            needed = max(self.crisis.minimum, math.floor(self.crisis.multiplier * median) + 1)
            self.cache[block] = (needed, median)
        return self.cache[block]


def _last_episode(
    rows: Sequence[tuple[datetime, dict[str, str]]],
    now: datetime,
    crisis: CrisisSettings,
    window: timedelta,
) -> _Episode | None:
    """The latest episode in the baseline period, by a sweep over its events.

    The rolling count only rises at an event, so checking at each event finds
    every crossing. A new episode starts when the threshold is crossed after the
    count stayed below it for at least one full window.
    """
    times = [t for t, _ in rows]
    thresholds = _Thresholds(times, window.total_seconds(), crisis)
    horizon = now - timedelta(days=crisis.baseline_days)
    first = next((i for i, t in enumerate(times) if t > horizon), len(times))
    episode: _Episode | None = None
    left = first
    for j in range(first, len(times)):
        t = times[j]
        if j + 1 < len(times) and times[j + 1] == t:
            continue  # several at the same minute: judge once all of them are in
        while times[left] <= t - window:
            left += 1
        count = j - left + 1
        threshold, median = thresholds.at(t)
        if count < threshold:
            continue
        # Without more events the count falls below the threshold once the oldest
        # (count - threshold + 1) events in the window have left it.
        hot_until = times[j + 1 - threshold] + window
        if episode is not None and t < episode.hot_until + window:
            episode.hot_until = max(episode.hot_until, hot_until)
            continue
        episode = _Episode(
            t, count, threshold, median, [r for _, r in rows[left : j + 1]], hot_until
        )
    return episode


def detect_spike(mentions_df: pd.DataFrame, now: datetime, settings: Settings) -> Spike | None:
    """The current storm episode, or None: criticism and direct messages (by Found At) in a
    rolling window of `crisis.window_hours` reach at least `minimum` and more than
    `multiplier` times the median count per window over the previous `baseline_days`.

    An episode is reported until it has been quiet for a full window.
    """
    crisis, tz = settings.crisis, settings.tz
    now = now.astimezone(tz)
    window = timedelta(hours=crisis.window_hours)
    rows = _storm_rows(mentions_df, now, tz, settings.organisation.day_first)
    if not rows:
        return None
    episode = _last_episode(rows, now, crisis, window)
    if episode is None or now >= episode.hot_until + window:
        return None
    seconds = window.total_seconds()
    block_start = datetime.fromtimestamp(
        math.floor(episode.crossed.timestamp() / seconds) * seconds, tz
    )
    return Spike(
        episode=f"{block_start:%Y-%m-%dT%H:%M}",
        crossed_at=episode.crossed,
        count=episode.count,
        threshold=episode.threshold,
        median=episode.median,
        window_hours=crisis.window_hours,
        mentions=tuple(episode.rows),
        since=sum(1 for t, _ in rows if t > episode.crossed),
    )
