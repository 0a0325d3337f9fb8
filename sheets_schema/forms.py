"""The forms Chorus creates and reads: their questions and the tab each lands in.

`chorus init` creates the Google Forms from these; sync-forms maps an export's
or a linked sheet's columns back to fields with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheets_schema.columns import (
    APPROVAL_DECISIONS,
    CHANNEL_NAMES,
    GUIDE_SECTIONS,
    MENTION_KINDS,
    SUBMISSION_CONTENT_TYPES,
    YES_NO,
    Kind,
)


@dataclass(frozen=True)
class Question:
    """One form question: its title, where it lands, its answer rules."""

    title: str
    field: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Form:
    """A Google Form Chorus creates and reads; Email Address is collected by the form."""

    name: str
    title: str
    description: str
    questions: tuple[Question, ...]
    tab: str
    collects_email: bool = True
    extra: dict[str, str] = field(default_factory=dict)


FORMS: dict[str, Form] = {
    f.name: f
    for f in (
        Form(
            "submissions",
            "Staff content submission",
            "Tell us about something worth sharing: an award, a partner's or client's "
            "achievement, an article, community service or an event.",
            (
                Question("Your name", "name", required=True),
                Question(
                    "What kind of content is it?",
                    "content_type",
                    Kind.CHOICE,
                    required=True,
                    choices=SUBMISSION_CONTENT_TYPES,
                ),
                Question("Headline", "headline", required=True),
                Question("Tell us more", "details", required=True),
                Question("Link (optional)", "link", Kind.URL),
                Question(
                    "Where should it go?",
                    "suggested_channels",
                    Kind.MULTI_CHOICE,
                    choices=CHANNEL_NAMES,
                ),
                Question("Preferred date (optional)", "preferred_date", Kind.DATE),
                Question(
                    "May we share this publicly?",
                    "permission",
                    Kind.CHOICE,
                    required=True,
                    choices=("Yes", "No", "Not sure"),
                ),
            ),
            "Submissions",
        ),
        Form(
            "acknowledgements",
            "Policy acknowledgement",
            "Confirm that you have read the social media policy and guidelines.",
            (
                Question(
                    "I have read and will follow the social media policy and guidelines",
                    "agree",
                    Kind.CHOICE,
                    required=True,
                    choices=("I agree",),
                ),
                Question("Policy version", "policy_version", required=True),
            ),
            "Acknowledgements",
        ),
        Form(
            "feedback",
            "Guide feedback",
            "Tell us what to improve in the employee social media guide.",
            (
                Question(
                    "Which part is it about?",
                    "section",
                    Kind.CHOICE,
                    required=True,
                    choices=GUIDE_SECTIONS,
                ),
                Question("Your feedback", "text", required=True),
                Question("May we contact you about it?", "contact", Kind.CHOICE, choices=YES_NO),
            ),
            "Feedback",
        ),
        Form(
            "approval",
            "Approval of a post",
            "Approve the exact text of a post, or ask for changes. The link in your approval "
            "email fills in the item and its text; editing the text here means it is not approved.",
            (
                Question("Queue ID", "queue_id", required=True),
                Question(
                    "Decision", "decision", Kind.CHOICE, required=True, choices=APPROVAL_DECISIONS
                ),
                Question("Text to be posted", "text", required=True),
                Question("Comment (optional)", "comment"),
            ),
            "Approvals",
        ),
        Form(
            "mention",
            "Report a mention",
            "Seen the organisation mentioned, praised or criticised, or a message to it? "
            "Tell the social media team so it is answered or passed to the right person.",
            (
                Question("Link to it", "link", Kind.URL, required=True),
                Question("Which network? (e.g. LinkedIn, X, Bluesky)", "network"),
                Question(
                    "What kind is it?",
                    "kind",
                    Kind.CHOICE,
                    required=True,
                    choices=MENTION_KINDS,
                ),
                Question("What does it say, or what is it about?", "text", required=True),
            ),
            "Mentions",
        ),
    )
}


def export_header(form_name: str) -> list[str]:
    """The header row of a form's Google Forms CSV export or linked response sheet."""
    return ["Timestamp", "Email Address", *(q.title for q in FORMS[form_name].questions)]
