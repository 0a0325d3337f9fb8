"""The demo's approvals: Facebook posts need a Compliance approval from Eleanor Hughes (Approver).

Of the posts scheduled there, the first was approved yesterday as it stands,
the second waits (a coordinator's answer to it, in today's form export, does
not count: the brief says why), and the third was approved yesterday but its
text was edited afterwards, which withdraws the approval.
"""

from __future__ import annotations

from datetime import date, datetime

from automation.demo.firm import days_ago, email_of, response_id, tab_row
from jobs.approvals import post_text

CHANNEL = "Facebook"
APPROVER = "Eleanor Hughes"
#: the coordinator whose answer today does not count (Coordinator is not a Compliance role)
NOT_AN_APPROVER = "Priya Shah"
#: the sentence the coordinator cut from the third post after it was approved
CUT = "Places are limited: book by Friday."


def compliance_items(queue: list[dict[str, str]]) -> list[dict[str, str]]:
    """The Queue's scheduled posts on the Compliance channel, soonest first."""
    found = [q for q in queue if q["status"] == "Scheduled" and CHANNEL in q["channels"]]
    return sorted(found, key=lambda q: (q["scheduled_for"], q["id"]))


def approval_rows(queue: list[dict[str, str]], today: date) -> list[dict[str, str]]:
    """The Approvals tab's rows; sets the approved posts' Approved By / At / Text in `queue`."""
    items = compliance_items(queue)
    if len(items) < 3:
        return []
    approver = email_of(APPROVER)
    rows: list[dict[str, str]] = []
    for n, item in enumerate((items[0], items[2]), start=1):
        at = days_ago(today, 1, f"16:{10 * n:02d}")
        stamp = f"{at:%Y-%m-%d %H:%M}"
        text = post_text(item)
        if item is items[2]:  # approved with a sentence the coordinator cut afterwards
            text = post_text({**item, "details": f"{item['details']} {CUT}".strip()})
        item.update(approved_by=approver, approved_at=stamp, approved_text=text)
        rows.append(
            tab_row(
                "Approvals",
                approval_id=f"A-{n:04d}",
                queue_id=item["id"],
                approver=approver,
                decision="Approve",
                text_approved=text,
                at=stamp,
                response_id=response_id("approval", stamp, approver),
            )
        )
    return rows


def waiting_answer(queue: list[dict[str, str]], today: date) -> tuple[datetime, str, list[str]]:
    """Today's answer in the approval form's export: a coordinator approving the waiting post."""
    item = compliance_items(queue)[1]
    return (
        days_ago(today, 0, "08:10:00"),
        email_of(NOT_AN_APPROVER),
        [item["id"], "Approve", post_text(item), "Looks fine to me"],
    )
