"""Exactly-once across the Sent archive: a past period's message is looked up there too.

Sent rows of long-closed periods move to the Sent archive (jobs/sent_archive.py),
and State records the day before which they have. A run plans its own
period, whose rows are in Sent; a run `--at` a past time plans a past one,
whose rows may have moved. Before the ledger decides what goes, each planned
message missing from Sent whose period ended before that day is looked up in
the archive (read once, and only then): one found there as Sent is already
sent, and is not sent again. A message of an undated period (a thank-you, a
welcome) is looked up there when State's index of the undated mail moved
(jobs/sent_index.py) says it may be there: a new thank-you reads no archive.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from automation.mail.delivery import Delivery, Item
from jobs.sent_archive import archived_before, may_be_archived, undated_index
from sheets_schema.tabs_state import SENT_ARCHIVE_TAB, STATE_TAB
from sheets_schema.values import clean_text


def without_archived(
    run: Delivery, batch: dict[str, Item], snapshot: Mapping[str, pd.DataFrame]
) -> dict[str, Item]:
    """The batch less the messages the Sent archive holds as Sent (counted already sent)."""
    missing = [m for m in batch if m not in run.ledger]
    if not missing:
        return batch
    state = snapshot.get(STATE_TAB)
    if state is None:
        state = run.workspace.store.read((STATE_TAB,)).get(STATE_TAB)
    before, undated = archived_before(state), undated_index(state)
    asked = [m for m in missing if may_be_archived(batch[m].period, m, before, undated)]
    if not asked:
        return batch
    archive = run.workspace.store.read((SENT_ARCHIVE_TAB,)).get(SENT_ARCHIVE_TAB)
    if archive is None or archive.empty:
        return batch
    sent = {
        clean_text(message_id)
        for message_id, status in zip(archive["message_id"], archive["status"], strict=True)
        if clean_text(status).casefold() == "sent"
    }
    gone = [message_id for message_id in asked if message_id in sent]
    if gone:
        run.report.already_sent += len(gone)
    return {m: item for m, item in batch.items() if m not in set(gone)}
