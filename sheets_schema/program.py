"""The Program tab's switches: which settings there are, how each Value is read, what it allows."""

from __future__ import annotations

from dataclasses import dataclass

from sheets_schema.columns import ON_OFF, Kind, normalise_header


@dataclass(frozen=True)
class ProgramSetting:
    """One setting of the Program tab: its name, how its Value is read, and its allowed values.

    `chorus validate` and the jobs that read it name a value outside
    `choices` as a problem, never a default.
    """

    name: str
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    help: str = ""


#: The Program tab's settings by name; a row whose Setting starts with a name ending in a space
#: ("Policy Digest 2026-09") is a record Chorus keeps. Values are read as `kind` and, with
#: `choices`, must be one of them.
PROGRAM_SETTINGS: dict[str, ProgramSetting] = {
    s.name: s
    for s in (
        ProgramSetting("Crisis Mode", Kind.YES_NO, ON_OFF, "On declares a crisis, Off stands down"),
        ProgramSetting("Policy Version", help="The policy version staff acknowledge"),
        ProgramSetting("Policy Digest ", help="What a policy digest listed (written by Chorus)"),
    )
}


def program_setting(name: str) -> ProgramSetting | None:
    """The Program setting a Setting cell names (case and spaces ignored), or None."""
    key = normalise_header(name)
    for setting in PROGRAM_SETTINGS.values():
        known = normalise_header(setting.name)
        if key == known or (setting.name.endswith(" ") and key.startswith(known + " ")):
            return setting
    return None
