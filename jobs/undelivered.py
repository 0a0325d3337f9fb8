"""Mail that expired unsent, as problems for the coordinator's brief.

A message held over the per-run cap or the daily allowance waits in the Sent
tab as Deferred; when its job no longer plans it (its period has passed) the
ledger marks it Expired. The brief lists those so a person sees that mail was
lost to the limits, and can raise them.
"""

from __future__ import annotations

import pandas as pd

from sheets_schema.validate import Problem
from sheets_schema.values import clean_text


def expired_mail(sent: pd.DataFrame) -> list[Problem]:
    """One problem per job and period with Expired rows in the Sent tab."""
    if sent.empty:
        return []
    expired = sent[sent["status"].map(lambda s: clean_text(s).casefold() == "expired")]
    groups = expired.groupby([expired["job"].map(clean_text), expired["period"].map(clean_text)])
    return [
        Problem(
            "Sent",
            None,
            "Status",
            "Expired",
            f"{len(rows)} {job} message(s) of {period or 'no period'} were never sent: their "
            "period passed while they waited over mail.daily_allowance or mail.max_per_run",
            "raise those limits in chorus.toml so a period's mail fits in its days; "
            "delete these Expired rows once seen",
        )
        for (job, period), rows in groups
    ]
