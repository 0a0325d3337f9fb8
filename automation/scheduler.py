"""When each job runs: the schedule language, `chorus schedule`, and the cron and systemd plans.

settings.schedule says when each job runs in a small language ("every 10
minutes 08:00-18:00 on working days", "working days at 08:30", "first working
day of the month at 10:00", "off"). `parse_rule` turns one entry into a Rule;
`next_run` is the single pure function that says when a Rule fires next, as an
aware datetime in the organisation's timezone. The long-running loop, the
crontab lines and the systemd timers are all built from those two, so they
agree.

Why not the `schedule` library's clock: its Job reads `datetime.now()` inside
should_run/run/_schedule_next_run, knows time zones only for daily `.at()`, and
cannot say "first working day of the month" or "08:00-18:00 on working days".
Correctness across daylight-saving changes comes from computing every instant
here from the wall-clock rule; the loop itself is twenty lines with an injected
clock and sleep, so tests run a week in milliseconds.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import re
import shlex
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sheets_schema.errors import BackendError, ChorusError, ConfigError

if TYPE_CHECKING:
    from automation.workspace import Workspace
    from sheets_schema.settings import Settings

log = logging.getLogger("chorus.schedule")

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SHORT_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: the forms a schedule entry may take, shown in every error
ALLOWED_FORMS = (
    '"every 10 minutes 08:00-18:00 on working days"',
    '"every hour"',
    '"daily at 07:30"',
    '"working days at 08:30"',
    '"monday at 08:00" (or "monday and thursday at 08:00")',
    '"first working day of the month at 10:00"',
    '"off"',
)

#: intervals that repeat identically every hour or every day, so cron and systemd can say them too
ALLOWED_MINUTES = tuple(n for n in range(1, 61) if 60 % n == 0)
ALLOWED_HOURS = tuple(n for n in range(1, 25) if 24 % n == 0)

EVERY_DAY = "every day"
WORKING_DAYS = "working days"
ON_DAYS = "on days"
FIRST_WORKING_DAY = "first working day of the month"


@dataclass(frozen=True)
class Rule:
    """One job's schedule: once a day at `at`, or every `every` minutes inside `window`.

    `days` is EVERY_DAY, WORKING_DAYS, ON_DAYS (then `weekdays` lists them,
    Monday = 0) or FIRST_WORKING_DAY. A window is [start, end) in local wall
    time, minutes since midnight; the interval counts from its start, so
    "every 2 hours 07:00-12:00" runs at 07:00, 09:00 and 11:00.
    """

    text: str
    days: str = EVERY_DAY
    weekdays: tuple[int, ...] = ()
    at: time = time(0, 0)
    every: int = 0
    window: tuple[int, int] = (0, 24 * 60)

    @property
    def once_a_day(self) -> bool:
        return self.every == 0

    def slots(self) -> list[int]:
        """The local minutes of the day at which the rule fires, on a day it runs."""
        if self.once_a_day:
            return [self.at.hour * 60 + self.at.minute]
        start, end = self.window
        return list(range(start, end, self.every))


# -- the language ---------------------------------------------------------------
_CLOCK = r"(\d{1,2})[:.](\d{2})"
_DAY_WORD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?s?"
_DAY_LIST = rf"(?:{_DAY_WORD})(?:\s*(?:,|and|&)\s*(?:{_DAY_WORD}))*"
_INTERVAL = re.compile(
    rf"every\s+(?:(\d+)\s+)?(minute|minutes|min|mins|hour|hours)"
    rf"(?:\s+(?:from\s+|between\s+)?{_CLOCK}\s*(?:-|to|and|until)\s*{_CLOCK})?"
    rf"(?:\s+(every day|daily|on working days|on every working day|on ({_DAY_LIST})))?"
)
_DAILY = re.compile(rf"(?:every day|daily|each day)\s+at\s+{_CLOCK}")
_WORKING = re.compile(rf"(?:(?:on|every)\s+)?working\s+days?\s+at\s+{_CLOCK}")
_WEEKLY = re.compile(rf"(?:(?:on|every)\s+)?({_DAY_LIST})\s+at\s+{_CLOCK}")
_MONTHLY = re.compile(
    rf"(?:on\s+)?(?:the\s+)?first\s+working\s+day\s+of\s+(?:the|each|every)\s+month\s+at\s+{_CLOCK}"
)


def parse_rule(text: str, place: str = "schedule") -> Rule | None:
    """One schedule entry as a Rule (None for "off"); a ConfigError names `place` and the forms allowed."""
    words = " ".join(str(text).replace("\u2013", "-").replace("\u2014", "-").lower().split())
    fix = "write one of: " + ", ".join(ALLOWED_FORMS)
    if words in ("off", "never", "disabled", "none"):
        return None
    if m := _INTERVAL.fullmatch(words):
        count = int(m[1]) if m[1] else 1
        every = count * 60 if m[2].startswith("hour") else count
        allowed = ALLOWED_HOURS if m[2].startswith("hour") else ALLOWED_MINUTES
        if count not in allowed:
            unit = "hours" if m[2].startswith("hour") else "minutes"
            raise ConfigError(
                f"{text!r}: every {count} {unit} does not divide the {'day' if unit == 'hours' else 'hour'} evenly",
                place=place,
                fix=f"use one of {', '.join(map(str, allowed))} {unit}",
            )
        window = (0, 24 * 60)
        if m[3]:
            start = _minutes(m[3], m[4], text, place, fix)
            end = _minutes(m[5], m[6], text, place, fix, allow_24=True)
            if end <= start:
                raise ConfigError(
                    f"{text!r}: the window ends before it starts",
                    place=place,
                    fix="write the earlier time first, e.g. 08:00-18:00",
                )
            window = (start, end)
        days, weekdays = EVERY_DAY, ()  # type: tuple[str, tuple[int, ...]]
        if m[7] and "working" in m[7]:
            days = WORKING_DAYS
        elif m[8]:
            days, weekdays = ON_DAYS, _day_list(m[8])
        rule = Rule(text=text, days=days, weekdays=weekdays, every=every, window=window)
        if not rule.slots():
            raise ConfigError(
                f"{text!r}: the window holds no run", place=place, fix="widen the window"
            )
        return rule
    if m := _DAILY.fullmatch(words):
        return Rule(text=text, at=_clock(m[1], m[2], text, place, fix))
    if m := _WORKING.fullmatch(words):
        return Rule(text=text, days=WORKING_DAYS, at=_clock(m[1], m[2], text, place, fix))
    if m := _MONTHLY.fullmatch(words):
        return Rule(text=text, days=FIRST_WORKING_DAY, at=_clock(m[1], m[2], text, place, fix))
    if m := _WEEKLY.fullmatch(words):
        return Rule(
            text=text,
            days=ON_DAYS,
            weekdays=_day_list(m[1]),
            at=_clock(m[2], m[3], text, place, fix),
        )
    raise ConfigError(f"{text!r} is not a schedule Chorus understands", place=place, fix=fix)


def _clock(hours: str, minutes: str, text: str, place: str, fix: str) -> time:
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise ConfigError(f"{text!r}: {hours}:{minutes} is not a time of day", place=place, fix=fix)
    return time(h, m)


def _minutes(
    hours: str, minutes: str, text: str, place: str, fix: str, *, allow_24: bool = False
) -> int:
    if allow_24 and int(hours) == 24 and int(minutes) == 0:
        return 24 * 60
    t = _clock(hours, minutes, text, place, fix)
    return t.hour * 60 + t.minute


def _day_list(text: str) -> tuple[int, ...]:
    days: set[int] = set()
    for word in re.split(r"\s*(?:,|\band\b|&)\s*", text):
        days.add(next(i for i, name in enumerate(DAY_NAMES) if name.startswith(word.strip()[:3])))
    return tuple(sorted(days))


def timetable(
    settings: Settings, jobs: Mapping[str, Any] | list[str] | None = None
) -> dict[str, Rule]:
    """Every scheduled job's Rule, in the cycle order of `jobs` (default: the jobs installed).

    Every entry is checked, even for jobs not installed, so a typo never
    waits for the day that job arrives. Jobs set to "off" are left out.
    """
    if jobs is None:
        import jobs as job_registry

        jobs = list(job_registry.available())
    rules: dict[str, Rule] = {}
    parsed = {
        name: parse_rule(text, place=f"{settings.path}: schedule.{name}")
        for name, text in settings.schedule.items()
    }
    for name in jobs:
        rule = parsed.get(name)
        if rule is None:
            continue
        if (
            rule.days != ON_DAYS
            and not settings.organisation.working_days
            and rule.days != EVERY_DAY
        ):
            raise ConfigError(
                f"{rule.text!r} needs working days, and none are set",
                place=f"{settings.path}: organisation.working_days",
                fix='working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]',
            )
        rules[name] = rule
    return rules


# -- when a rule fires ------------------------------------------------------------
def first_working_day(year: int, month: int, working_days: tuple[int, ...]) -> date:
    """The first day of the month that is a working day (no holiday calendar)."""
    day = date(year, month, 1)
    while day.weekday() not in working_days:
        day += timedelta(days=1)
    return day


def runs_on(rule: Rule, day: date, working_days: tuple[int, ...]) -> bool:
    """Whether the rule fires at all on this local date."""
    if rule.days == EVERY_DAY:
        return True
    if rule.days == WORKING_DAYS:
        return day.weekday() in working_days
    if rule.days == ON_DAYS:
        return day.weekday() in rule.weekdays
    return bool(working_days) and day == first_working_day(day.year, day.month, working_days)


def instants_on(rule: Rule, day: date, tz: ZoneInfo) -> list[datetime]:
    """The moments the rule fires on one local date (if it runs that day), in time order.

    Daylight saving: a daily time that does not exist (the spring-forward
    hour) runs that far after midnight anyway (01:30 becomes 02:30 BST); a
    daily time that happens twice (autumn) runs once, the first time.
    Interval rules follow real elapsed time: no runs inside the missing hour,
    runs in both copies of the repeated hour.
    """
    found: dict[datetime, datetime] = {}
    for minute in rule.slots():
        wall = datetime.combine(day, time(minute // 60, minute % 60)) if minute < 1440 else None
        if wall is None:
            continue
        if rule.once_a_day:
            moment = wall.replace(tzinfo=tz, fold=0)
            found[moment.astimezone(UTC)] = moment.astimezone(UTC).astimezone(tz)
            continue
        for fold in (0, 1):
            moment = wall.replace(tzinfo=tz, fold=fold)
            utc = moment.astimezone(UTC)
            if utc.astimezone(tz).replace(tzinfo=None) == wall:  # exists on the clock
                found[utc] = utc.astimezone(tz)
    return [found[k] for k in sorted(found)]


def next_run(rule: Rule, after: datetime, tz: ZoneInfo, working_days: tuple[int, ...]) -> datetime:
    """The first moment strictly after `after` at which the rule fires, in `tz`.

    Compare the result with other datetimes through UTC (`.astimezone(UTC)`):
    Python compares two datetimes of the same zone by wall clock, ignoring
    the fold, which is wrong inside the repeated autumn hour.
    """
    if after.tzinfo is None:
        raise ValueError("next_run needs an aware datetime")
    after_utc = after.astimezone(UTC)
    day = after.astimezone(tz).date() - timedelta(days=1)
    for _ in range(400):
        if runs_on(rule, day, working_days):
            for moment in instants_on(rule, day, tz):
                if moment.astimezone(UTC) > after_utc:
                    return moment
        day += timedelta(days=1)
    raise ValueError(f"the schedule {rule.text!r} never fires with working days {working_days}")


def previous_runs(
    rule: Rule, at_or_before: datetime, tz: ZoneInfo, working_days: tuple[int, ...], count: int = 1
) -> list[datetime]:
    """The last `count` moments at or before `at_or_before` at which the rule fired, latest first."""
    limit = at_or_before.astimezone(UTC)
    day = at_or_before.astimezone(tz).date() + timedelta(days=1)
    found: list[datetime] = []
    for _ in range(400):
        if runs_on(rule, day, working_days):
            for moment in reversed(instants_on(rule, day, tz)):
                if moment.astimezone(UTC) <= limit:
                    found.append(moment)
                    if len(found) == count:
                        return found
        day -= timedelta(days=1)
    return found


# -- the loop ---------------------------------------------------------------------
RunJob = Callable[[str, datetime], Any]


class Scheduler:
    """Runs each job at its rule's times; one failure is logged and retried next time.

    `clock()` returns an aware datetime and `sleep(seconds)` waits; both are
    injected so tests drive a week in memory. `stop()` (SIGTERM, Ctrl-C) lets
    the running job finish and ends the loop.
    """

    def __init__(
        self,
        rules: Mapping[str, Rule],
        *,
        tz: ZoneInfo,
        working_days: tuple[int, ...],
        run: RunJob,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], Any] | None = None,
        max_sleep: float = 60.0,
    ) -> None:
        self.rules = dict(rules)
        self.tz = tz
        self.working_days = working_days
        self.run = run
        self.clock = clock or (lambda: datetime.now(tz))
        self._wake = threading.Event()
        self.sleep = sleep or self._wake.wait
        # Waking at least once a minute keeps the loop right when the machine
        # sleeps or the wall clock is stepped; the times themselves never drift.
        self.max_sleep = max_sleep
        self.stopping = False
        self.next_at: dict[str, datetime] = {}
        #: (job, when it started, "ok" | "problems" | "failed"), for logs and tests
        self.history: list[tuple[str, datetime, str]] = []

    def stop(self) -> None:
        """Finish the job that is running, then leave the loop."""
        self.stopping = True
        self._wake.set()

    def catch_up(self, last_success: Mapping[str, datetime]) -> list[str]:
        """Run once, now, each once-a-day job whose time today passed without a success since.

        A job missed on an earlier day is not run late: its next time comes soon enough.
        """
        now = self.clock()
        local_today = now.astimezone(self.tz).date()
        ran: list[str] = []
        for job, rule in self.rules.items():
            if self.stopping:
                break
            if not rule.once_a_day:
                continue
            previous = previous_runs(rule, now, self.tz, self.working_days, 1)
            if not previous or previous[0].astimezone(self.tz).date() != local_today:
                continue
            done = last_success.get(job)
            if done is not None and done.astimezone(UTC) >= previous[0].astimezone(UTC):
                continue
            log.info(
                "%s was due at %s and has not run today; running it now",
                job,
                f"{previous[0]:%H:%M}",
                extra={"job": job},
            )
            self._run_one(job)
            ran.append(job)
        return ran

    def plan_from(self, moment: datetime) -> None:
        """Set every job's next time to its first time at or after `moment`."""
        just_before = moment - timedelta(microseconds=1)
        for job, rule in self.rules.items():
            self.next_at[job] = next_run(rule, just_before, self.tz, self.working_days)

    def run_pending(self) -> list[str]:
        """Run every job whose time has come, in cycle order; returns their names."""
        now_utc = self.clock().astimezone(UTC)
        order = list(self.rules)
        due = sorted(
            (job for job, when in self.next_at.items() if when.astimezone(UTC) <= now_utc),
            key=lambda job: (self.next_at[job].astimezone(UTC), order.index(job)),
        )
        ran: list[str] = []
        for job in due:
            if self.stopping:
                break
            slot = self.next_at[job]
            self._run_one(job)
            ran.append(job)
            # After a long run, skip the times it overlapped instead of running them back to back.
            after = max(self.clock().astimezone(UTC), slot.astimezone(UTC))
            self.next_at[job] = next_run(self.rules[job], after, self.tz, self.working_days)
        return ran

    def seconds_until_next(self) -> float:
        """How long to sleep: until the earliest next time, at most max_sleep."""
        if not self.next_at:
            return self.max_sleep
        now_utc = self.clock().astimezone(UTC)
        soonest = min(when.astimezone(UTC) for when in self.next_at.values())
        return max(0.0, min(self.max_sleep, (soonest - now_utc).total_seconds()))

    def run_forever(self, until: datetime | None = None) -> None:
        """The loop: run what is due, sleep, repeat, until stop() (or `until`, for tests)."""
        if not self.next_at:
            self.plan_from(self.clock())
        while not self.stopping:
            self.run_pending()
            if self.stopping:
                break
            if until is not None and self.clock().astimezone(UTC) >= until.astimezone(UTC):
                break
            self.sleep(self.seconds_until_next())

    def _run_one(self, job: str) -> None:
        started = self.clock()
        log.info("%s: starting", job, extra={"job": job})
        try:
            result = self.run(job, started)
        except ChorusError as exc:
            # The runner has already recorded a failed Runs row; the next time retries.
            log.error("%s failed: %s", job, exc, extra={"job": job, "outcome": "failed"})
            self.history.append((job, started, "failed"))
            return
        except Exception:
            log.exception(
                "%s failed with a bug; the scheduler carries on",
                job,
                extra={"job": job, "outcome": "failed"},
            )
            self.history.append((job, started, "failed"))
            return
        outcome = getattr(result, "outcome", "ok")
        summary = result.summary() if hasattr(result, "summary") else ""
        log.info("%s: %s", job, summary or outcome, extra={"job": job, "outcome": outcome})
        self.history.append((job, started, outcome))


# -- one scheduler per spreadsheet -------------------------------------------------
@contextlib.contextmanager
def scheduler_lock(workspace: Workspace) -> Iterator[None]:
    """Hold the one-scheduler-per-spreadsheet lock, or fail at once (exit 2) naming the holder."""
    store = workspace.store
    where = store.describe()
    busy = ChorusError(
        f"another `chorus schedule` is already running for {where}",
        fix="stop that one first (e.g. `systemctl stop chorus-scheduler`); one scheduler per spreadsheet",
    )
    if hasattr(store, "try_lock"):
        try:
            with store.try_lock("scheduler"):
                yield
        except BackendError:
            raise busy from None
        return
    key = workspace.settings.backend.spreadsheet_id or where
    safe = (
        re.sub(r"[^A-Za-z0-9_-]", "_", key)[:60]
        + "-"
        + hashlib.sha256(key.encode()).hexdigest()[:8]
    )
    path = workspace.settings.base_dir / f".chorus-scheduler-{safe}.lock"
    handle = open(path, "a+")  # noqa: SIM115 - held for the whole loop
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise busy from None
            raise
        yield
    finally:
        handle.close()


def serve(
    workspace: Workspace,
    *,
    clock: Callable[[], datetime] | None = None,
    sleep: Callable[[float], Any] | None = None,
    handle_signals: bool = True,
    until: datetime | None = None,
) -> Scheduler:
    """`chorus schedule`: lock, catch up today's missed daily jobs, then loop until SIGTERM or Ctrl-C."""
    from automation.runner import run_job
    from automation.status import last_successes

    settings = workspace.settings
    rules = timetable(settings)
    scheduler = Scheduler(
        rules,
        tz=settings.tz,
        working_days=settings.organisation.working_days,
        run=lambda job, now: run_job(workspace, job, now),
        clock=clock,
        sleep=sleep,
    )
    with scheduler_lock(workspace), _stop_on_signals(scheduler, enabled=handle_signals):
        now = scheduler.clock()
        scheduler.plan_from(now)
        if not rules:
            log.warning(
                "no installed job has a schedule; nothing will run (see [schedule] in %s)",
                settings.path,
            )
        log.info(
            "scheduler started for %s (%s): %s",
            workspace.store.describe(),
            settings.organisation.timezone,
            "; ".join(
                f"{job} next at {when:%a %d %b %H:%M}" for job, when in scheduler.next_at.items()
            )
            or "no jobs",
        )
        try:
            runs = workspace.store.read(["Runs"])["Runs"]
            done = last_successes(runs, settings.tz)
        except ChorusError as exc:
            log.warning("could not read Runs to catch up missed jobs: %s", exc)
            done = {}
        scheduler.catch_up(done)
        scheduler.run_forever(until=until)
        log.info("scheduler stopped")
    return scheduler


@contextlib.contextmanager
def _stop_on_signals(scheduler: Scheduler, *, enabled: bool) -> Iterator[None]:
    """SIGTERM and the first Ctrl-C stop after the running job; a second Ctrl-C interrupts it."""
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        log.info("stopping after the running job (signal %s)", signal.Signals(signum).name)
        scheduler.stop()

    def on_int(signum: int, frame: object) -> None:
        if scheduler.stopping:
            raise KeyboardInterrupt
        on_term(signum, frame)

    old_term = signal.signal(signal.SIGTERM, on_term)
    old_int = signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)


# -- the same plan for cron and systemd ----------------------------------------------
def _hour_groups(rule: Rule) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(hours, minutes) pairs that together give exactly the rule's slots."""
    by_hour: dict[int, list[int]] = {}
    for slot in rule.slots():
        by_hour.setdefault(slot // 60, []).append(slot % 60)
    groups: dict[tuple[int, ...], list[int]] = {}
    for hour, minutes in by_hour.items():
        groups.setdefault(tuple(minutes), []).append(hour)
    return sorted(((tuple(h), m) for m, h in groups.items()), key=lambda g: g[0][0])


def _ranges(values: tuple[int, ...] | list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for v in sorted(values):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _progression(values: list[int], at_least: int = 3) -> int:
    """The common step of `at_least`+ evenly spaced values, else 0."""
    if len(values) < max(2, at_least):
        return 0
    step = values[1] - values[0]
    return step if all(b - a == step for a, b in zip(values, values[1:], strict=False)) else 0


def _cron_list(values: tuple[int, ...] | list[int], *, full: int = 0) -> str:
    """A cron field: * for every value up to `full`, */10, 5-55/10, 1-5 or 1,3."""
    values = sorted(values)
    step = _progression(values)
    if full and values == list(range(full)):
        return "*"
    every = _progression(values, at_least=2)
    if full and every > 1 and values == list(range(0, full, every)):
        return f"*/{every}"
    if step > 1:
        return f"{values[0]}-{values[-1]}/{step}"
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in _ranges(values))


def _days_of(rule: Rule, working_days: tuple[int, ...]) -> tuple[int, ...]:
    if rule.days == WORKING_DAYS:
        return tuple(working_days)
    if rule.days == ON_DAYS:
        return rule.weekdays
    return tuple(range(7))


def _first_working_day_latest(working_days: tuple[int, ...]) -> int:
    """The latest day of the month the first working day can fall on (3 for Mon-Fri)."""
    latest = 1
    for start in range(7):
        offset = next((d for d in range(7) if (start + d) % 7 in working_days), 0)
        latest = max(latest, offset + 1)
    return latest


def cron_schedule(rule: Rule, working_days: tuple[int, ...]) -> list[str]:
    """The rule as the five time fields of crontab lines (several for windows that start mid-hour).

    "first working day of the month" cannot be said in cron: it becomes the
    days on which it can fall, and the command is guarded by `chorus cron --due-today`.
    """
    days = _days_of(rule, working_days)
    dow = "*" if len(days) == 7 else _cron_list([(d + 1) % 7 for d in days])
    if rule.once_a_day:
        dom = (
            f"1-{_first_working_day_latest(working_days)}"
            if rule.days == FIRST_WORKING_DAY
            else "*"
        )
        return [f"{rule.at.minute} {rule.at.hour} {dom} * {dow}"]
    return [
        f"{_cron_list(minutes, full=60)} {_cron_list(hours, full=24)} * * {dow}"
        for hours, minutes in _hour_groups(rule)
    ]


def _quote(value: str | Path) -> str:
    return shlex.quote(str(value))


def crontab(settings: Settings, rules: Mapping[str, Rule], chorus: str | Path) -> str:
    """A crontab for every scheduled job, in the organisation's timezone (CRON_TZ)."""
    base = f"{_quote(chorus)} --config {_quote(settings.path)}"
    lines = [
        f"# Chorus jobs for {settings.organisation.name}, from {settings.path}",
        "# Printed by `chorus cron`; install with `chorus cron | crontab -` (replaces your crontab)",
        "# or paste into `crontab -e`. Use either cron or `chorus schedule`, not both.",
        f"# Times are {settings.organisation.timezone}: CRON_TZ below is honoured by cronie",
        "# (Fedora, RHEL, Arch); Debian and Ubuntu's cron ignores it, so there set the machine's",
        f"# timezone to {settings.organisation.timezone} or use `chorus cron --systemd`.",
        f"CRON_TZ={settings.organisation.timezone}",
    ]
    for job, rule in rules.items():
        lines.append(f"# {job}: {rule.text}")
        command = f"{base} run {job}"
        if rule.days == FIRST_WORKING_DAY:
            command = f"{base} cron --due-today {job} && {command}"
        for fields in cron_schedule(rule, settings.organisation.working_days):
            # cron turns an unescaped % into a newline
            lines.append(f"{fields} {command.replace('%', chr(92) + '%')}")
    return "\n".join(lines) + "\n"


def on_calendar(rule: Rule, working_days: tuple[int, ...], timezone: str) -> list[str]:
    """The rule as systemd OnCalendar= values, with the timezone (systemd 235 or later)."""
    days = _days_of(rule, working_days)
    weekday = (
        ""
        if len(days) == 7
        else ",".join(
            SHORT_DAYS[a] if a == b else f"{SHORT_DAYS[a]}..{SHORT_DAYS[b]}"
            for a, b in _ranges(days)
        )
        + " "
    )
    if rule.once_a_day:
        date_part = (
            f"*-*-01..{_first_working_day_latest(working_days):02d}"
            if rule.days == FIRST_WORKING_DAY
            else "*-*-*"
        )
        return [
            f"{weekday if rule.days != FIRST_WORKING_DAY else ''}{date_part} {rule.at:%H:%M}:00 {timezone}"
        ]
    values = []
    for hours, minutes in _hour_groups(rule):
        hour_text = ",".join(
            f"{a:02d}" if a == b else f"{a:02d}..{b:02d}" for a, b in _ranges(hours)
        )
        step = _progression(list(minutes), at_least=2)
        if list(minutes) == list(range(60)):
            minute_text = "*"
        elif step > 1 and minutes[-1] + step >= 60:  # every step from the first to the hour's end
            minute_text = f"{minutes[0]:02d}/{step}"
        else:
            minute_text = ",".join(f"{m:02d}" for m in minutes)
        values.append(f"{weekday}*-*-* {hour_text}:{minute_text}:00 {timezone}")
    return values


def systemd_units(
    settings: Settings, rules: Mapping[str, Rule], chorus: str | Path
) -> dict[str, str]:
    """A service and a timer per job, by file name, for people who prefer systemd timers."""
    base = f"{_quote(chorus)} --config {_quote(settings.path)}"
    units: dict[str, str] = {}
    org = settings.organisation
    for job, rule in rules.items():
        condition = ""
        if rule.days == FIRST_WORKING_DAY:
            # OnCalendar cannot say "first working day": the timer fires on the days it
            # can fall on, and this check (exit 1 = skip, not a failure) picks the right one.
            condition = f"ExecCondition={base} cron --due-today {job}\n"
        units[f"chorus-{job}.service"] = (
            f"[Unit]\n"
            f"Description=Chorus: {job} for {org.name}\n"
            f"Wants=network-online.target\n"
            f"After=network-online.target\n\n"
            f"[Service]\n"
            f"Type=oneshot\n"
            f"WorkingDirectory={settings.base_dir}\n"
            f"{condition}"
            f"ExecStart={base} run {job}\n"
            f"# exit 1 means the job ran and found problems (listed in the log and Runs)\n"
            f"SuccessExitStatus=1\n"
        )
        calendars = "".join(
            f"OnCalendar={value}\n" for value in on_calendar(rule, org.working_days, org.timezone)
        )
        units[f"chorus-{job}.timer"] = (
            f"[Unit]\n"
            f"Description=Chorus: {job} {rule.text} ({org.timezone})\n\n"
            f"[Timer]\n"
            f"{calendars}"
            f"Persistent=true\n"
            f"Unit=chorus-{job}.service\n\n"
            f"[Install]\n"
            f"WantedBy=timers.target\n"
        )
    return units
