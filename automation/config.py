"""chorus.toml -> Settings, with errors that name the key and what is allowed.

Relative paths are relative to the config file. Secrets (SMTP and IMAP
passwords) are never stored here: the file names an environment variable.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheets_schema.errors import ConfigError
from sheets_schema.forms import FORMS
from sheets_schema.settings import (
    DEFAULT_CONFIDENTIAL_WORDS,
    DEFAULT_SCHEDULE,
    Alerts,
    Backend,
    Cadence,
    Crisis,
    Demo,
    Feed,
    FormSettings,
    Guide,
    History,
    Inbox,
    Mail,
    Organisation,
    Policy,
    Screening,
    Settings,
    Sharing,
)
from sheets_schema.values import parse_datetime

DEFAULT_CONFIG = "chorus.toml"


class _Section:
    """Reads one table of the TOML, naming `section.key` in every error."""

    def __init__(self, data: Any, name: str, base: Path, source: Path) -> None:
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(
                f"[{name}] must be a table",
                place=str(source),
                fix=f"write it as a [{name}] section",
            )
        self.data, self.name, self.base, self.source = data, name, base, source
        self.used: set[str] = set()

    def _err(self, key: str, message: str, fix: str) -> ConfigError:
        return ConfigError(message, place=f"{self.source}: {self.name}.{key}", fix=fix)

    def get(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def text(self, key: str, default: str | None = None, *, choices: tuple[str, ...] = ()) -> str:
        value = self.get(key, default)
        if value is None:
            raise self._err(key, "is required", f'add {key} = "..." under [{self.name}]')
        if not isinstance(value, str):
            raise self._err(
                key, f"must be text, not {value!r}", f'write it in quotes: {key} = "..."'
            )
        if choices and value not in choices:
            raise self._err(key, f"is {value!r}", "allowed: " + ", ".join(repr(c) for c in choices))
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self._err(
                key,
                f"must be a whole number of at least {minimum}, not {value!r}",
                f"{key} = {default}",
            )
        return value

    def number(self, key: str, default: float, *, minimum: float = 0) -> float:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
            raise self._err(
                key, f"must be a number of at least {minimum}, not {value!r}", f"{key} = {default}"
            )
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self._err(
                key, f"must be true or false, not {value!r}", f"{key} = {str(default).lower()}"
            )
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.get(key, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self._err(key, f"must be a list of text, not {value!r}", f'{key} = ["a", "b"]')
        return tuple(value)

    def path(self, key: str, default: str | None = None) -> Path | None:
        value = self.get(key, default)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self._err(
                key, f"must be a path in quotes, not {value!r}", f'{key} = "path/to/file"'
            )
        p = Path(os.path.expanduser(value))
        return p if p.is_absolute() else (self.base / p)

    def check_unknown(self, allowed: set[str] | None = None) -> None:
        known = allowed if allowed is not None else self.used
        unknown = sorted(set(self.data) - known)
        if unknown:
            raise self._err(
                unknown[0],
                "is not a setting Chorus knows",
                "allowed here: " + ", ".join(sorted(known)) if known else "remove it",
            )


def load_settings(path: Path | str | None = None) -> Settings:
    """Read and validate chorus.toml; every problem is a ConfigError naming the key."""
    source = Path(path or os.environ.get("CHORUS_CONFIG", DEFAULT_CONFIG)).expanduser()
    if not source.exists():
        raise ConfigError(
            f"no settings file at {source}",
            fix="run `chorus init` to write one, or pass --config PATH",
        )
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"is not valid TOML: {exc}", place=str(source), fix="fix the line named above"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot be read: {exc}",
            place=str(source),
            fix="check the file's permissions and encoding",
        ) from None
    return settings_from_dict(data, source.resolve())


KNOWN_SECTIONS = (
    "organisation",
    "backend",
    "forms",
    "alerts",
    "mail",
    "schedule",
    "screening",
    "cadence",
    "policy",
    "inbox",
    "crisis",
    "guide",
    "demo",
    "sharing",
    "history",
)
_T = TypeVar("_T")
DAY_NAMES = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
FORM_KINDS = ("csv", "linked_sheet", "forms_api")
#: what each form kind cannot do without, and the fix to offer
FORM_NEEDS = {
    "csv": ("path", 'path = "forms/submissions.csv"'),
    "forms_api": ("form_id", "paste the form's id from its edit URL"),
    "linked_sheet": ("spreadsheet_id", "paste the id of the form's response spreadsheet"),
}


def settings_from_dict(data: dict[str, Any], source: Path) -> Settings:
    """Validate parsed TOML section by section, in file order; the first problem is the error."""
    base = source.parent
    for name in data:
        if name not in KNOWN_SECTIONS:
            raise ConfigError(
                f"[{name}] is not a section Chorus knows",
                place=str(source),
                fix="allowed: " + ", ".join(f"[{s}]" for s in sorted(KNOWN_SECTIONS)),
            )

    def section(name: str) -> _Section:
        return _Section(data.get(name), name, base, source)

    organisation = _organisation(section("organisation"))
    return Settings(
        path=source,
        organisation=organisation,
        backend=_backend(section("backend")),
        forms=_forms(data.get("forms", {}) or {}, base, source),
        alerts=_alerts(section("alerts")),
        mail=_mail(section("mail"), organisation),
        schedule=_schedule(section("schedule")),
        screening=_screening(section("screening")),
        cadence=_checked(section("cadence"), _cadence),
        policy=_checked(section("policy"), _policy),
        inbox=_checked(section("inbox"), _inbox),
        crisis=_checked(section("crisis"), _crisis),
        guide=_checked(section("guide"), _guide),
        demo=_checked(section("demo"), lambda d: _demo(d, organisation)),
        sharing=_checked(section("sharing"), _sharing),
        history=_checked(section("history"), _history),
        raw=data,
    )


def _checked(section: _Section, read: Callable[[_Section], _T]) -> _T:
    """Read a section, then refuse any key it did not use."""
    value = read(section)
    section.check_unknown()
    return value


def _organisation(org: _Section) -> Organisation:
    name = org.text("name")
    timezone = org.text("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise org._err(
            "timezone",
            f"{timezone!r} is not an IANA time zone",
            'use a name such as "Europe/London" or "America/New_York"',
        ) from None
    domains = tuple(d.strip().lower().lstrip("@") for d in org.strings("email_domains"))
    if not domains:
        raise org._err(
            "email_domains",
            "is empty: Chorus only ever mails addresses in these domains",
            'email_domains = ["example.org"]',
        )
    wd = org.strings("working_days", ("Mon", "Tue", "Wed", "Thu", "Fri"))
    try:
        working_days = tuple(sorted(DAY_NAMES[d.strip()[:3].lower()] for d in wd))
    except KeyError:
        raise org._err(
            "working_days",
            f"{list(wd)!r} names an unknown day",
            'working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]',
        ) from None
    day_first = org.boolean("day_first", True)
    org.check_unknown()
    return Organisation(name, timezone, domains, working_days, day_first)


def _backend(be: _Section) -> Backend:
    backend = Backend(
        kind=be.text("kind", "local", choices=("local", "google")),
        workbook=be.path("workbook", "workbook.xlsx"),
        spreadsheet_id=be.text("spreadsheet_id", ""),
        credentials=be.path("credentials"),
        delegated_user=be.text("delegated_user", ""),
        shared_drive_id=be.text("shared_drive_id", ""),
        oauth_client=be.path("oauth_client"),
    )
    be.check_unknown()
    return backend


def _forms(forms_raw: object, base: Path, source: Path) -> dict[str, FormSettings]:
    if not isinstance(forms_raw, dict):
        raise ConfigError(
            "[forms] must be a table", place=str(source), fix="use [forms.submissions] sections"
        )
    forms: dict[str, FormSettings] = {}
    for form_name, form_data in forms_raw.items():
        if form_name not in FORMS:
            raise ConfigError(
                f"[forms.{form_name}] is not a form Chorus knows",
                place=str(source),
                fix="allowed: " + ", ".join(f"[forms.{name}]" for name in FORMS),
            )
        forms[form_name] = _form(_Section(form_data, f"forms.{form_name}", base, source))
    return forms


def _form(fs: _Section) -> FormSettings:
    kind = fs.text("kind", "csv", choices=FORM_KINDS)
    form = FormSettings(
        kind=kind,
        path=fs.path("path"),
        form_id=fs.text("form_id", ""),
        spreadsheet_id=fs.text("spreadsheet_id", ""),
        tab=fs.text("tab", "Form Responses 1"),
        url=fs.text("url", ""),
        prefill_url=fs.text("prefill_url", ""),
    )
    needed, fix = FORM_NEEDS[kind]
    if not getattr(form, needed):
        raise fs._err(needed, f'is required when kind = "{kind}"', fix)
    fs.check_unknown()
    return form


def _alerts(al: _Section) -> Alerts:
    feeds_raw = al.get("feeds", [])
    if not isinstance(feeds_raw, list):
        raise al._err(
            "feeds", "must be a list", 'feeds = ["https://www.google.com/alerts/feeds/..."]'
        )
    feeds: list[Feed] = []
    for i, item in enumerate(feeds_raw):
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            raise al._err(
                "feeds",
                f"entry {i + 1} must be a URL or a table",
                '{ name = "Alerts", url = "..." }',
            )
        feeds.append(_checked(_Section(item, f"alerts.feeds[{i + 1}]", al.base, al.source), _feed))
    alerts = Alerts(
        tuple(feeds),
        al.number("timeout_seconds", 20.0, minimum=0.1),
        al.integer("max_bytes", 5_000_000, minimum=1000),
    )
    al.check_unknown()
    return alerts


def _feed(fd: _Section) -> Feed:
    number = fd.name.rsplit("[", 1)[-1].rstrip("]")
    url = fd.text("url")
    if not url.lower().startswith(("http://", "https://")):
        p = Path(os.path.expanduser(url))
        url = str(p if p.is_absolute() else fd.base / p)
    use = fd.text("use", "mentions", choices=("mentions", "content"))
    return Feed(
        name=fd.text("name", f"Feed {number}"),
        url=url,
        use=use,
        source_kind=fd.text(
            "source_kind", "External", choices=("Organisation", "Staff & partners", "External")
        ),
        source_type=fd.text("source_type", "Alert" if use == "mentions" else "Industry article"),
    )


def _mail(ml: _Section, organisation: Organisation) -> Mail:
    mail = Mail(
        transport=ml.text("transport", "outbox", choices=("outbox", "smtp", "gmail")),
        outbox=ml.path("outbox", "outbox"),
        sender=ml.text("sender", f"chorus@{organisation.email_domains[0]}"),
        sender_name=ml.text("sender_name", f"{organisation.name} social media"),
        reply_to=ml.text("reply_to", ""),
        smtp_host=ml.text("smtp_host", ""),
        smtp_port=ml.integer("smtp_port", 587, minimum=1),
        smtp_security=ml.text("smtp_security", "starttls", choices=("starttls", "ssl", "none")),
        smtp_username=ml.text("smtp_username", ""),
        smtp_password_env=ml.text("smtp_password_env", "CHORUS_SMTP_PASSWORD"),
        smtp_resend_pending=ml.boolean("smtp_resend_pending", False),
        state_dir=ml.path("state_dir", ".chorus-state"),
        max_per_run=ml.integer("max_per_run", 500, minimum=1),
        daily_allowance=ml.integer("daily_allowance", 2000, minimum=1),
    )
    if mail.transport == "smtp" and not mail.smtp_host:
        raise ml._err(
            "smtp_host", 'is required when transport = "smtp"', 'smtp_host = "smtp-relay.gmail.com"'
        )
    ml.check_unknown()
    return mail


def _schedule(sc: _Section) -> dict[str, str]:
    schedule = dict(DEFAULT_SCHEDULE)
    for job in sc.data:
        if job not in DEFAULT_SCHEDULE:
            raise sc._err(
                job, "is not a job Chorus knows", "allowed: " + ", ".join(DEFAULT_SCHEDULE)
            )
        schedule[job] = sc.text(job)
    return schedule


def _screening(sg: _Section) -> Screening:
    limits_raw = sg.get("channel_limits", {"X": 280})
    if not isinstance(limits_raw, dict) or not all(isinstance(v, int) for v in limits_raw.values()):
        raise sg._err(
            "channel_limits",
            "must map channels to character limits",
            "channel_limits = { X = 280 }",
        )
    screening = Screening(
        confidential_words=sg.strings("confidential_words", DEFAULT_CONFIDENTIAL_WORDS),
        blocked_domains=tuple(d.lower() for d in sg.strings("blocked_domains")),
        channel_limits=dict(limits_raw),
    )
    sg.check_unknown()
    return screening


def _cadence(cd: _Section) -> Cadence:
    return Cadence(
        cd.integer("horizon_days", 14, minimum=1),
        cd.integer("lookback_days", 7, minimum=0),
        cd.text("calendar_id", "").strip(),
    )


def _policy(po: _Section) -> Policy:
    return Policy(
        po.integer("review_interval_days", 180, minimum=1),
        po.integer("reminder_interval_days", 7, minimum=1),
    )


def _inbox(ib: _Section) -> Inbox:
    return Inbox(
        kind=ib.text("kind", "", choices=("", "maildir", "imap", "gmail")),
        path=ib.path("path"),
        host=ib.text("host", ""),
        port=ib.integer("port", 993, minimum=1),
        folder=ib.text("folder", "INBOX"),
        user=ib.text("user", ""),
        password_env=ib.text("password_env", "CHORUS_IMAP_PASSWORD"),
        label=ib.text("label", ""),
        allow=tuple(a.lower() for a in ib.strings("allow")),
        max_bytes=ib.integer("max_bytes", 2_000_000, minimum=1000),
        address=ib.text("address", ""),
        authserv_id=ib.text("authserv_id", "").strip().lower(),
        mention_words=tuple(
            w.strip() for w in ib.strings("mention_words", ("Mention",)) if w.strip()
        ),
        notification_senders=_notification_senders(ib),
    )


def _notification_senders(ib: _Section) -> dict[str, tuple[str, ...]]:
    """[inbox] notification_senders = { LinkedIn = ["linkedin.com"], ... }: lists by network."""
    raw = ib.get("notification_senders", {})
    if not isinstance(raw, dict) or not all(
        isinstance(v, list) and all(isinstance(d, str) for d in v) for v in raw.values()
    ):
        raise ib._err(
            "notification_senders",
            f"must map networks to lists of sender domains, not {raw!r}",
            'notification_senders = { LinkedIn = ["linkedin.com"], Mastodon = ["mastodon.social"] }',
        )
    return {str(name): tuple(d.strip().lower() for d in v if d.strip()) for name, v in raw.items()}


def _crisis(cr: _Section) -> Crisis:
    return Crisis(
        window_hours=cr.number("window_hours", 6.0, minimum=0.5),
        multiplier=cr.number("multiplier", 3.0, minimum=1.0),
        minimum=cr.integer("minimum", 5, minimum=1),
        baseline_days=cr.integer("baseline_days", 28, minimum=1),
        hold_days=cr.integer("hold_days", 7, minimum=1),
    )


def _guide(gd: _Section) -> Guide:
    return Guide(output_dir=gd.path("output_dir", "."), doc_id=gd.text("doc_id", ""))


def _demo(dm: _Section, organisation: Organisation) -> Demo:
    """[demo] clock: the time a demo program was made for, so its examples work all day."""
    clock = dm.text("clock", "")
    if clock:
        try:
            parse_datetime(clock, organisation.tz)
        except ValueError as exc:
            raise dm._err(
                "clock",
                f"{clock!r} is not a date and time: {exc}",
                'write it as clock = "2026-12-01T08:45", or remove it to use the real clock',
            ) from None
    return Demo(clock=clock)


def _sharing(sh: _Section) -> Sharing:
    digest_time = sh.text("digest_time", "10:00")
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", digest_time.strip()):
        raise sh._err("digest_time", "is not a time of day", 'digest_time = "10:00"')
    medium = sh.text("medium", "employee_share").strip()
    if not medium:
        raise sh._err("medium", "is empty", 'medium = "employee_share"')
    return Sharing(
        digest_time=digest_time.strip(),
        medium=medium,
        exports_dir=sh.path("exports_dir", "analytics"),
        lookback_days=sh.integer("lookback_days", 7, minimum=1),
        ahead_days=sh.integer("ahead_days", 7, minimum=0),
    )


def _history(hi: _Section) -> History:
    """[history]: runs_days, how many days of Runs keep a row per run (0: all of them);
    sent_months, how many whole months before this one keep their mail in Sent (0: all)."""
    return History(
        runs_days=hi.integer("runs_days", History.runs_days, minimum=0),
        sent_months=hi.integer("sent_months", History.sent_months, minimum=0),
    )
