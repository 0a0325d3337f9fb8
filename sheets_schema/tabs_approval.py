"""Approval's part of the spreadsheet: who must approve per channel, what was approved, and the record.

Channels > Approval says who must approve an item before it goes out there;
the Queue's Approved By / At / Text show the approval that counts (set by
sync-forms); the Approvals tab keeps every answer of the approval form, never
rewritten. All three Queue and Channels columns are optional: a workbook
made before them still loads, and the first write that needs one adds it.
"""

from __future__ import annotations

from sheets_schema.columns import APPROVAL_DECISIONS, APPROVAL_LEVELS, Column, Kind, Tab

CHANNEL_APPROVAL_COLUMNS = (
    Column(
        "Approval",
        "approval",
        Kind.CHOICE,
        choices=APPROVAL_LEVELS,
        help="Who must approve a post here first: None, Coordinator or Compliance (an Approver)",
    ),
)

QUEUE_APPROVAL_COLUMNS = (
    Column(
        "Approved By",
        "approved_by",
        Kind.EMAIL,
        help="Who approved the text (sync-forms)",
        width=28,
    ),
    Column("Approved At", "approved_at", Kind.DATETIME, help="When it was approved (sync-forms)"),
    Column(
        "Approved Text",
        "approved_text",
        help="The exact text approved; editing the item afterwards withdraws the approval",
        width=48,
    ),
)

APPROVALS = Tab(
    "Approvals",
    (
        Column(
            "Approval ID", "approval_id", required=True, help="Unique id, e.g. A-0001", width=12
        ),
        Column("Queue ID", "queue_id", required=True, help="The Queue item decided on", width=12),
        Column("Approver", "approver", Kind.EMAIL, required=True, help="Who answered", width=28),
        Column(
            "Decision",
            "decision",
            Kind.CHOICE,
            required=True,
            choices=APPROVAL_DECISIONS,
            help="Approve or Ask for changes",
        ),
        Column("Text Approved", "text_approved", help="The text the answer was about", width=48),
        Column("Comment", "comment", help="What the approver said", width=36),
        Column("At", "at", Kind.DATETIME, required=True, help="When the form was answered"),
        Column("Response ID", "response_id", help="The form response's id", width=24),
    ),
    ("approval_id",),
    "Every answer of the approval form, as it came: never rewritten (the record regulators ask for).",
    "sync-forms (append only)",
)
