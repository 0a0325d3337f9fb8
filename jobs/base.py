"""What a job is and what its pure plan returns.

A job's `plan(snapshot, now, settings, inputs)` is pure: DataFrames, the time,
the settings and the job's typed outside inputs in; a frozen `Plan` out (rows
to append or update by key, messages to send, files to write, and a report).
The shell (`automation/`) gathers the inputs and does all the I/O around it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sheets_schema.records import Changes, Snapshot
from sheets_schema.settings import Settings


@dataclass(frozen=True)
class Series:
    """One named row of values in a chart: a legend entry."""

    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """A chart as data, what to show and not how: the mail layer draws it as a PNG.

    `bars`: one group of bars per label, the last series is what happened (its
    bars carry their numbers), the ones before it what was planned. `lines`:
    one line per series across the labels. `empty_text` is shown when there
    are no labels.
    """

    kind: Literal["bars", "lines"]
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""
    empty_text: str = ""


@dataclass(frozen=True)
class InlineImage:
    """An image shown inside an HTML email, referenced as cid:<cid>.

    `data` is the image's bytes, or a Chart that the composer draws just
    before sending, so a plan stays plain data that tests compare.
    """

    cid: str
    data: bytes | Chart
    filename: str = "chart.png"
    mime_subtype: str = "png"


@dataclass(frozen=True)
class OutgoingMessage:
    """One email a job wants sent; the mail layer renders, filters and sends it once.

    `template` names automation/templates/<template>.html.j2 and .txt.j2;
    `context` is what the templates see. The Message-ID is fixed by job,
    topic, period and recipient, so the same message is never sent twice.
    """

    job: str
    period: str
    to_email: str
    to_name: str
    subject: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    images: tuple[InlineImage, ...] = ()
    topic: str = ""

    def message_id(self, domain: str) -> str:
        digest = hashlib.sha256(
            f"{self.job}|{self.topic}|{self.period}|{self.to_email.strip().lower()}".encode()
        ).hexdigest()[:20]
        job = "".join(
            ch if ch.isalnum() or ch in "-." else "-"
            for ch in self.job + (f".{self.topic}" if self.topic else "")
        )
        period = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in self.period)
        return f"<chorus.{job}.{period}.{digest}@{domain}>"


@dataclass(frozen=True)
class OutputFile:
    """A file a job writes (the guide), relative to the guide output folder."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Report:
    """What a run did, for people (`lines`) and machines (`counts`)."""

    counts: Mapping[str, int] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{k.replace('_', ' ')} {v}" for k, v in self.counts.items()]
        return ", ".join(parts) if parts else "nothing to do"


@dataclass(frozen=True)
class Plan:
    """The pure result of planning a job run."""

    changes: Changes = field(default_factory=Changes)
    messages: tuple[OutgoingMessage, ...] = ()
    files: tuple[OutputFile, ...] = ()
    report: Report = field(default_factory=Report)


PlanFunction = Callable[[Snapshot, datetime, Settings, Any], Plan]


@dataclass(frozen=True)
class Job:
    """A job: the tabs it reads and its pure plan."""

    name: str
    description: str
    tabs: tuple[str, ...]
    plan: PlanFunction
