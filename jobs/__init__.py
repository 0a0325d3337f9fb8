"""The jobs, one module each; `plan()` is pure, the runner does the I/O.

The registry lists every job Chorus knows in the order the daily cycle runs
them; a job whose module is not there yet is simply not available.
"""

from __future__ import annotations

import importlib

from jobs.base import Job

#: job name -> module, in the order the demo and the daily cycle run them
JOB_MODULES: dict[str, str] = {
    "sync-forms": "jobs.sync_forms",
    "ingest-alerts": "jobs.ingest_alerts",
    "ingest-inbox": "jobs.ingest_inbox",
    "assign-mentions": "jobs.mention_assignments",
    "check-cadence": "jobs.cadence",
    "brief": "jobs.brief",
    "thanks": "jobs.thanks",
    "import-visits": "jobs.import_visits",
    "weekly-summary": "jobs.weekly_summary",
    "policy-digest": "jobs.policy_digest",
    "guide": "jobs.guide",
    "share-digest": "jobs.share_digest",
    "welcome": "jobs.welcome",
    "approval-requests": "jobs.approval_requests",
    "archive": "jobs.archive",
}


def available() -> dict[str, Job]:
    """Every job whose module exists, by name, in cycle order."""
    found: dict[str, Job] = {}
    for name, module_name in JOB_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        found[name] = module.JOB
    return found


def get(name: str) -> Job:
    """The job called `name`; KeyError lists the jobs there are.

    Only that job's module is imported: a run of one job (a sync every few
    minutes) does not pay for importing all the others.
    """
    module_name = JOB_MODULES.get(name)
    if module_name is None:
        raise KeyError(name)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise KeyError(name) from None
        raise
    job: Job = module.JOB
    return job
