"""What sync-forms' gatherer hands its plan: the forms' responses and what the shell knows of them.

Its own module so the plan's rules (jobs/sync_forms.py) stay a readable size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from jobs.responses import FormResponse
from jobs.sync_known import ReadMark


@dataclass(frozen=True)
class FormInputs:
    """What gather found: each form's responses, and forms that could not be read."""

    responses: Mapping[str, Sequence[FormResponse]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    sources: Mapping[str, str] = field(default_factory=dict)
    #: a digest of everything the plan reads (the exports as bytes, the tabs, the settings),
    #: when the shell can tell it cheaply (jobs/sync_settled.py); '' when it cannot
    fingerprint: str = ""
    #: the State tab's sync_settled.SETTLED_KEY value as read (None: no such row)
    settled: str | None = None
    #: per form: the responses of the export's marked beginning, left unread because the
    #: long way would find each unchanged, and that file's warnings (jobs/sync_known.py)
    known: Mapping[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    #: the mark of this read of the submissions export (None: keep none), and State's as read
    mark: ReadMark | None = None
    kept_mark: str | None = None
