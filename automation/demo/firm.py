"""The demo firm as its data files describe it: its people, domain, site, forms and settings.

The files live in `automation/demo/data/` and ship with the package. This module
reads them and gives the rest of the demo the firm's constants, each person's
address, and the few helpers every part of the demo shares (seeded random
streams, relative dates, rows with every field of a tab).
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import tomllib
from datetime import date, datetime, time, timedelta
from functools import cache
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from sheets_schema.tabs import TABS


def read_text(name: str) -> str:
    """A data file's text."""
    return (files("automation.demo") / "data" / name).read_text(encoding="utf-8")


def read_csv(name: str) -> list[dict[str, str]]:
    """A data file's CSV rows, keyed by its header."""
    return [dict(row) for row in csv.DictReader(io.StringIO(read_text(name), newline=""))]


def read_toml(name: str) -> dict[str, Any]:
    """A data file's TOML."""
    return tomllib.loads(read_text(name))


_FIRM = read_toml("firm.toml")
_ORGANISATION: dict[str, str] = _FIRM["organisation"]

DOMAIN: str = _ORGANISATION["domain"]
DEMO_ORG: dict[str, object] = {
    "name": _ORGANISATION["name"],
    "timezone": _ORGANISATION["timezone"],
    "email_domains": [DOMAIN],
}
TZ = ZoneInfo(_ORGANISATION["timezone"])
SITE: str = _ORGANISATION["site"]
FORM_URLS: dict[str, str] = dict(_FIRM["forms"])
NEWSROOM: dict[str, str] = dict(_FIRM["newsroom"])
#: The Program tab's rows (setting, value, note).
PROGRAM: tuple[dict[str, str], ...] = tuple(dict(row) for row in _FIRM["program"])
#: The program-wide policy version the acknowledgement form records: the Program tab's.
POLICY_VERSION: str = next(r["value"] for r in PROGRAM if r["setting"] == "Policy Version")
#: The version a handful of people acknowledged before the latest change.
OLD_POLICY_VERSION: str = _FIRM["policy"]["old_version"]

#: The roster: name, email, team, roles, manager (by name), active.
PEOPLE: tuple[dict[str, str], ...] = tuple(read_csv("people.csv"))


def _with_role(role: str) -> tuple[str, ...]:
    return tuple(p["name"] for p in PEOPLE if role in (r.strip() for r in p["roles"].split(",")))


#: In roster order, which is the order they take turns on the rota.
COORDINATORS = _with_role("Coordinator")
BACKUPS = _with_role("Backup")

_ADDRESSES = {p["name"]: p["email"] for p in PEOPLE}


def email_of(name: str) -> str:
    """The address of a person on the demo roster."""
    return _ADDRESSES[name]


def response_id(form: str, timestamp: str, email: str) -> str:
    """A stable id for a past form response (the demo's own scheme, not Google's)."""
    digest = hashlib.sha1(f"{form}|{timestamp}|{email}".encode()).hexdigest()[:10]
    return f"{form[:3].upper()}-{digest}"


def site_link(link: str) -> str:
    """A data file's link: one starting with "/" is a page of the firm's site."""
    return SITE + link if link.startswith("/") else link


# --------------------------------------------------------------------------- random values


def stream(seed: int, part: str) -> random.Random:
    """A random stream per part of the demo, so changing one part never shifts another."""
    return random.Random(f"{seed}:{part}")


def digits(rng: random.Random, n: int) -> str:
    """n random decimal digits (ids of posts, feeds, messages)."""
    return "".join(rng.choice("0123456789") for _ in range(n))


def token(rng: random.Random, n: int, alphabet: str = "") -> str:
    """n random characters of `alphabet` (letters and digits when not given)."""
    chars = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(chars) for _ in range(n))


# --------------------------------------------------------------------------- dates and rows


def monday(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def minute_text(day: date, hour: int, minute: int = 0) -> str:
    """A date and time as the tabs hold it (YYYY-MM-DD HH:MM)."""
    return f"{day.isoformat()} {hour:02d}:{minute:02d}"


def days_ago(today: date, ago: int | str, clock: str) -> datetime:
    """`ago` days before `today` at `clock` (HH:MM or HH:MM:SS), naive local time."""
    return datetime.combine(today - timedelta(days=int(ago)), time.fromisoformat(clock))


def tab_row(tab_name: str, **values: str) -> dict[str, str]:
    """A row with every field of the tab, blanks as ''."""
    fields = TABS[tab_name].fields
    unknown = set(values) - set(fields)
    if unknown:
        raise KeyError(f"{tab_name} has no fields {sorted(unknown)}")
    return {f: values.get(f, "") for f in fields}


@cache
def _config_template() -> Template:
    return Template(read_text("chorus.toml.template"))


def demo_config_toml(folder: Path, clock: datetime | None = None) -> str:
    """The demo's chorus.toml: every section, commented; paths are relative to the file.

    `clock` is the demo's fixed time ([demo] clock); without one it runs on the real clock.
    """
    return _config_template().substitute(
        clock=f"{clock:%Y-%m-%dT%H:%M}" if clock else "",
        name=_ORGANISATION["name"],
        folder=Path(folder),
        timezone=_ORGANISATION["timezone"],
        domain=DOMAIN,
        submissions_form=FORM_URLS["submissions"],
        acknowledgements_form=FORM_URLS["acknowledgements"],
        feedback_form=FORM_URLS["feedback"],
        approval_form=FORM_URLS["approval"],
        mention_form=FORM_URLS["mention"],
        policy_version=POLICY_VERSION,
    )
