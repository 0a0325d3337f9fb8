"""How check-cadence's plan scales with the queue: time and peak memory for 500 to 50,000 items.

Run: .venv/bin/python benchmarks/cadence.py [--sizes 500,5000,50000] [--repeat 3]

Five channels, a queue that is mostly published history with some scheduled,
approved (to suggest) and new items, as a real program's queue grows. The plan
is pure, so this times exactly what a run spends between its read and write.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from automation.config import settings_from_dict  # noqa: E402
from jobs import cadence  # noqa: E402
from sheets_schema.columns import SOURCE_KINDS, SOURCE_TYPES
from sheets_schema.records import Snapshot, frame_from_rows  # noqa: E402

TZ = ZoneInfo("Europe/London")
NOW = datetime(2027, 3, 29, 7, 30, tzinfo=TZ)
CHANNELS = [
    {
        "channel": "LinkedIn",
        "posts_per_week": "5",
        "post_days": "Mon-Fri",
        "post_window": "09:00-11:00",
        "active": "Yes",
    },
    {
        "channel": "X",
        "posts_per_week": "14",
        "post_days": "daily",
        "post_window": "9-11, 14:00-16:00",
        "active": "Yes",
    },
    {
        "channel": "Facebook",
        "posts_per_week": "3",
        "post_days": "Mon, Wed, Fri",
        "post_window": "12pm-2pm",
        "active": "Yes",
    },
    {
        "channel": "YouTube",
        "posts_per_week": "1",
        "post_days": "Thu",
        "post_window": "",
        "active": "Yes",
    },
    {
        "channel": "Instagram",
        "posts_per_week": "4",
        "post_days": "",
        "post_window": "17:00-19:00",
        "active": "Yes",
    },
]


def queue_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    """A queue of n items: 70% published over the past year, 10% scheduled, 15% approved, 5% new."""
    rng = random.Random(seed)
    names = [c["channel"] for c in CHANNELS]
    rows = []
    for i in range(n):
        roll = rng.random()
        created = NOW - timedelta(days=rng.uniform(0, 400))
        row = {
            "id": f"Q-{i:06d}",
            "created": f"{created:%Y-%m-%d %H:%M}",
            "source_kind": rng.choice(SOURCE_KINDS),
            "source_type": rng.choice(SOURCE_TYPES),
            "headline": f"Item {i}",
            "channels": ", ".join(rng.sample(names, rng.randint(0, 2))),
        }
        if roll < 0.70:
            at = NOW - timedelta(days=rng.uniform(0, 365), hours=rng.uniform(-4, 4))
            row.update(
                status="Published",
                published_at=f"{at:%Y-%m-%d %H:%M}",
                channels=row["channels"] or "LinkedIn",
            )
        elif roll < 0.80:
            at = NOW + timedelta(days=rng.uniform(-3, 20), hours=rng.uniform(-4, 4))
            row.update(
                status="Scheduled",
                scheduled_for=f"{at:%Y-%m-%d %H:%M}",
                channels=row["channels"] or "X",
            )
        elif roll < 0.95:
            row.update(status="Approved", flags="" if rng.random() < 0.9 else "confidential word")
        else:
            row.update(status="New")
        rows.append(row)
    return rows


def measure(n: int, repeat: int) -> tuple[float, float, int, int]:
    """Best time in seconds, peak memory in MB, slots laid out and rows planned."""
    settings = settings_from_dict(
        {
            "organisation": {
                "name": "Bench",
                "timezone": "Europe/London",
                "email_domains": ["example.org"],
            }
        },
        Path("/tmp/chorus-bench.toml"),
    )
    snapshot = Snapshot(
        {
            "Channels": frame_from_rows("Channels", CHANNELS),
            "Queue": frame_from_rows("Queue", queue_rows(n)),
            "Cadence": frame_from_rows("Cadence", []),
            "Crises": frame_from_rows("Crises", []),
            "Program": frame_from_rows("Program", []),
        }
    )
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        plan = cadence.plan(snapshot, NOW, settings)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    cadence.plan(snapshot, NOW, settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 1e6, plan.report.counts["slots"], len(plan.changes.appends)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,5000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"{'queue items':>12} {'slots':>6} {'rows':>6} {'time (s)':>9} {'s / 1k items':>13} {'peak MB':>8}"
    )
    for n in sizes:
        seconds, peak, slots, rows = measure(n, args.repeat)
        print(
            f"{n:>12,} {slots:>6} {rows:>6} {seconds:>9.3f} {1000 * seconds / n:>13.4f} {peak:>8.1f}"
        )


if __name__ == "__main__":
    main()
