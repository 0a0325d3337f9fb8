"""Prefilled links of the approval form: the template approval-requests fills per item.

Google Forms prefills with `viewform?usp=pp_url&entry.N=value`, where N is the
question's id read as a hexadecimal number (the Forms API's questionId is the
hex of the entry number a prefilled link uses). With the Forms API (the form
`chorus init` created) the template is built from the form's own questions,
one forms.get a run; otherwise `[forms.approval] prefill_url` gives it, with
{queue_id}, {decision} and {text} where the answers go. Without either, the
emails link to the plain form and the run says how to prefill them.
"""

from __future__ import annotations

from datetime import datetime

from automation.workspace import Workspace
from jobs.approval_requests import ApprovalLinks
from sheets_schema.errors import ChorusError
from sheets_schema.records import Snapshot

FIELDS = ("queue_id", "decision", "text")


def template_from_questions(form_url: str, question_ids: dict[str, str]) -> str:
    """The prefilled-link template for a form at `form_url` whose questions have these ids by field."""
    base = form_url.split("?", 1)[0]
    params = "&".join(f"entry.{int(question_ids[f], 16)}={{{f}}}" for f in FIELDS)
    return f"{base}?usp=pp_url&{params}"


def approval_links(workspace: Workspace, now: datetime, snapshot: Snapshot) -> ApprovalLinks:
    """How today's approval emails link to the form; a problem says why links are not prefilled."""
    form = workspace.settings.forms.get("approval")
    if form is None:
        return ApprovalLinks(
            problems=(
                "no [forms.approval] in chorus.toml: the approval emails carry no links "
                '(run `chorus init --backend google`, or add kind = "csv", path, url and prefill_url)',
            )
        )
    if form.prefill_url:
        return ApprovalLinks(form.prefill_url, form.url)
    if form.kind == "forms_api" and form.url:
        try:
            source = workspace.form_source("approval")
            questions = source.questions() if source is not None else {}  # type: ignore[attr-defined]
            ids = {q.field: qid for qid, q in questions.items()}
            return ApprovalLinks(template_from_questions(form.url, ids), form.url)
        except (ChorusError, KeyError, ValueError) as exc:
            problem = (
                f"the approval form's questions could not be read ({exc}): links are not prefilled"
            )
            return ApprovalLinks("", form.url, (problem,))
    return ApprovalLinks(
        "",
        form.url,
        (
            "[forms.approval] has no prefill_url: the emails link to the plain form; add "
            'prefill_url = "<the form\'s prefilled link with {queue_id}, {decision} and {text}>"',
        ),
    )
