"""The sharing jobs' outside inputs: Chorus's token key, and the analytics exports on disk.

share-digest, welcome and thanks need the key that turns an email into a
share token (automation.share_key); import-visits needs every export dropped
in [sharing] exports_dir, read and parsed (jobs.visits_export).
"""

from __future__ import annotations

from datetime import datetime

from automation.share_key import share_key
from automation.workspace import Workspace
from jobs.import_visits import VisitsInputs
from jobs.share_digest import ShareInputs
from jobs.visits_export import read_export
from sheets_schema.errors import ChorusError
from sheets_schema.records import Snapshot

#: the file names analytics tools export reports under
EXPORT_SUFFIXES = (".csv", ".tsv", ".txt")


def share_inputs(workspace: Workspace, now: datetime, snapshot: Snapshot) -> ShareInputs:
    """The token key; one that cannot be kept is a problem the plan reports (and sends nothing)."""
    try:
        return ShareInputs(key=share_key(workspace.settings))
    except ChorusError as exc:
        return ShareInputs(problems=(f"no share links without the token key: {exc}",))


def analytics_exports(workspace: Workspace, now: datetime, snapshot: Snapshot) -> VisitsInputs:
    """Every export file in the exports folder, by name; a missing folder is said, not an error."""
    folder = workspace.settings.sharing.exports_dir
    if folder is None or not folder.is_dir():
        return VisitsInputs(folder=str(folder or ""))
    exports, problems = [], []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in EXPORT_SUFFIXES or path.name.startswith("."):
            continue
        try:
            exports.append(read_export(path.name, path.read_bytes()))
        except OSError as exc:
            problems.append(
                f"{path}: cannot be read ({exc.strerror or exc}); nothing taken from it"
            )
    return VisitsInputs(tuple(exports), str(folder), tuple(problems))
