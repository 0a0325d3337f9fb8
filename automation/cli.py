"""The `chorus` command: a thin shell over the library.

Each command builds the workspace from chorus.toml, calls one function and
prints. A ChorusError becomes one clear message and an exit code; bugs keep
their traceback.

Exit codes: 0 done, 1 done with problems found, 2 user error (settings,
sheet content, input), 3 backend or mail failure after retries.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from automation.cli_auth import auth
from automation.config import DEFAULT_CONFIG, load_settings
from sheets_schema.errors import ChorusError, ConfigError
from sheets_schema.settings import Settings

if TYPE_CHECKING:
    from automation.workspace import Workspace

EXIT_CODES_HELP = """\b
Exit codes: 0 done, 1 done with problems found (validation errors,
skipped recipients), 2 user error (settings, sheet, input),
3 backend or mail failure after retries."""


#: Options several commands share, written once.
at_option = click.option(
    "--at", "at", metavar="DATETIME", help="As if it were this time (organisation's timezone)."
)
dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    help="Plan and print; write and send nothing (messages go to .eml files).",
)


class ChorusGroup(click.Group):
    """Turns ChorusError into a message and an exit code, without a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except ChorusError as exc:
            from automation.logs import redact

            click.echo(f"chorus: {redact(str(exc))}", err=True)
            ctx.exit(exc.exit_code)


@click.group(
    cls=ChorusGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Settings file (default ./{DEFAULT_CONFIG}, or $CHORUS_CONFIG).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Logs on stderr as text for people or JSON lines for collectors.",
)
@click.option("-v", "--verbose", count=True, help="More detail in the logs (-vv: libraries too).")
@click.version_option(package_name="chorus")
@click.pass_context
def cli(
    ctx: click.Context, config_path: Path | None, log_format: str = "text", verbose: int = 0
) -> None:
    """Chorus runs an employee social media program from a shared spreadsheet.

    \b
    Examples:
      chorus demo --dir demo          # a complete program on the local workbook
      chorus --config demo/chorus.toml validate
      chorus --config demo/chorus.toml run brief --dry-run
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    from automation.logs import configure_logging

    configure_logging(log_format, verbose)


def settings_from(ctx: click.Context) -> Settings:
    """The settings named by --config (loaded once per command)."""
    if "settings" not in ctx.obj:
        from automation.logs import remember_secrets

        ctx.obj["settings"] = load_settings(ctx.obj.get("config_path"))
        remember_secrets(ctx.obj["settings"])  # blanked wherever a server echoes one
    settings: Settings = ctx.obj["settings"]  # click types Context.obj as Any
    return settings


def workspace_from(ctx: click.Context) -> Workspace:
    """The workspace the settings describe (built once per command)."""
    from automation.workspace import build_workspace

    if "workspace" not in ctx.obj:
        ctx.obj["workspace"] = build_workspace(settings_from(ctx))
    workspace: Workspace = ctx.obj["workspace"]  # click types Context.obj as Any
    return workspace


def parse_at(value: str | None, settings: Settings) -> datetime:
    """--at as an aware datetime in the organisation's timezone (default: now, or a demo's clock)."""
    from sheets_schema.values import parse_datetime

    if not value and settings.demo.clock:
        click.echo(
            f"(a demo: as if it were {settings.demo.clock}, the time in [demo] clock; "
            "pass --at to choose another)",
            err=True,
        )
        return parse_datetime(settings.demo.clock, settings.tz)
    if not value:
        return datetime.now(settings.tz)
    try:
        return parse_datetime(value, settings.tz)
    except ValueError as exc:
        raise ConfigError(f"--at {value!r}: {exc}", fix="write it as 2026-11-24T08:30") from None


# -- init ---------------------------------------------------------------------
@cli.command()
@click.option(
    "--backend",
    type=click.Choice(["local", "google"]),
    default="local",
    show_default=True,
    help="Where the spreadsheet lives.",
)
@click.option(
    "--name", default="Our Organisation", show_default=True, help="The organisation's name."
)
@click.option("--timezone", default="Europe/London", show_default=True, help="IANA time zone.")
@click.option(
    "--domain",
    "domains",
    multiple=True,
    default=("example.org",),
    show_default=True,
    help="Email domain Chorus may mail (repeat for several).",
)
@click.pass_context
def init(
    ctx: click.Context, backend: str, name: str, timezone: str, domains: tuple[str, ...]
) -> None:
    """Create the workbook (or Google spreadsheet and forms) and a commented chorus.toml.

    Existing settings are kept; missing tabs and header columns are added,
    nothing is removed.

    \b
    Examples:
      chorus init --name "Greenfield Law" --timezone Europe/London --domain greenfield-law.example
      chorus --config team/chorus.toml init
    """
    from automation.setup import init_workspace

    config_path = ctx.obj.get("config_path") or Path(DEFAULT_CONFIG)
    lines = init_workspace(
        Path(config_path), backend=backend, name=name, timezone=timezone, domains=domains
    )
    for line in lines:
        click.echo(line)


# -- validate -----------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the problems as one JSON object.")
@click.pass_context
def validate(ctx: click.Context, as_json: bool) -> None:
    """Check every tab against the schema; list each bad cell (exit 1 if any).

    \b
    Example:
      chorus --config demo/chorus.toml validate
    """
    from sheets_schema.tabs import TAB_ORDER
    from sheets_schema.validate import validate_snapshot

    settings = settings_from(ctx)
    workspace = workspace_from(ctx)
    snapshot = workspace.store.read(TAB_ORDER)
    problems = validate_snapshot(snapshot, settings.tz, settings.organisation.day_first)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": not problems,
                    "problems": [p.__dict__ for p in problems],
                    "tabs": {name: len(frame) for name, frame in snapshot.items()},
                }
            )
        )
    else:
        for problem in problems:
            click.echo(str(problem))
        rows = sum(len(f) for f in snapshot.values())
        if problems:
            many = "problem" if len(problems) == 1 else "problems"
            click.echo(f"{len(problems)} {many} in {workspace.store.describe()}", err=True)
        else:
            click.echo(
                f"ok: {len(snapshot)} tabs, {rows} rows in {workspace.store.describe()} match the schema"
            )
    ctx.exit(1 if problems else 0)


# -- doctor -------------------------------------------------------------------
@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the checks as one JSON object.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool) -> None:
    """Check settings, credentials, access, tabs, forms and mail; say how to fix each (exit 1 on a fail).

    Reads and connects only: nothing is written or sent.

    \b
    Example:
      chorus --config team/chorus.toml doctor
    """
    from automation.doctor import run_doctor

    checks = run_doctor(ctx.obj.get("config_path"))
    failed = any(c.status == "fail" for c in checks)
    if as_json:
        click.echo(json.dumps({"ok": not failed, "checks": [c.__dict__ for c in checks]}))
    else:
        for check in checks:
            click.echo(check.line())
    ctx.exit(1 if failed else 0)


# -- run ----------------------------------------------------------------------
@cli.command()
@click.argument("job")
@at_option
@dry_run_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="While LibreOffice or Excel has the local workbook open, wait up to SECONDS "
    "for it to be closed before writing (default: stop at once, exit 2).",
)
@click.pass_context
def run(
    ctx: click.Context, job: str, at: str | None, dry_run: bool, as_json: bool, wait: float
) -> None:
    """Run one job: sync-forms, ingest-alerts, ingest-inbox, assign-mentions, check-cadence,
    brief, thanks, weekly-summary, policy-digest, guide, approval-requests, archive.

    \b
    Examples:
      chorus run sync-forms
      chorus run brief --at 2026-11-24T08:30 --dry-run
      chorus run weekly-summary --json
      chorus run thanks --wait 600     # the coordinator has the workbook open
    """
    from automation.runner import run_job
    from automation.store.xlsx import XlsxStore

    settings = settings_from(ctx)
    now = parse_at(at, settings)
    workspace = workspace_from(ctx)
    if wait and isinstance(workspace.store, XlsxStore):
        workspace.store.wait = wait  # Google Sheets has no lock files: nothing to wait for
    result = run_job(workspace, job, now, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(result.to_json(), default=str))
    else:
        print_result(result)
    ctx.exit(1 if result.problems or result.skipped else 0)


def print_result(result) -> None:  # type: ignore[no-untyped-def]
    label = " (dry run)" if result.dry_run else ""
    click.echo(f"{result.job}{label}: {result.summary()}")
    for line in result.lines:
        click.echo(f"  {line}")
    for path in result.files:
        click.echo(f"  wrote {path}")
    for problem in result.problems:
        click.echo(f"  problem: {problem}")
    for skipped in result.skipped:
        click.echo(f"  skipped: {skipped}")


# -- preview ------------------------------------------------------------------
@cli.command()
@click.argument("job")
@click.option(
    "--at", "at", metavar="DATETIME", help="Plan as if it were this time (organisation's timezone)."
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the pages (default: preview/ beside chorus.toml, where dry runs write too).",
)
@click.pass_context
def preview(ctx: click.Context, job: str, at: str | None, folder: Path | None) -> None:
    """Write the emails JOB would send as web pages (with their charts); send and write nothing else.

    \b
    Example:
      chorus preview weekly-summary
    """
    from automation.mail.preview import preview as write_preview
    from automation.runner import preview_folder

    settings = settings_from(ctx)
    folder = folder or preview_folder(settings)
    pages = write_preview(job, workspace_from(ctx), parse_at(at, settings), folder)
    click.echo(f"{job}: {len(pages)} message(s) previewed in {folder}")
    for page in pages:
        click.echo(f"  {page}")


# -- demo ---------------------------------------------------------------------
@cli.command()
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo program (created).",
)
@click.option(
    "--at",
    "at",
    metavar="DATETIME",
    help="Pretend it is this time (default: this morning, 08:45); kept as [demo] clock.",
)
@click.option("--crisis", is_flag=True, help="Also run the program through a short storm.")
@click.option("--fresh", is_flag=True, help="Start over: replace an existing demo workbook.")
def demo(folder: Path, at: str | None, crisis: bool, fresh: bool) -> None:
    """Write a realistic program for a made-up law firm and run every job over it.

    The demo is dated today; its chorus.toml keeps that morning as [demo] clock,
    so later commands without --at run as if it were then.

    \b
    Example:
      chorus demo --dir demo && chorus --config demo/chorus.toml status
    """
    from automation.demo.run import run_demo

    for line in run_demo(folder, at=at, crisis=crisis, fresh=fresh):
        click.echo(line)


# -- crisis ---------------------------------------------------------------------
@cli.group()
def crisis() -> None:
    """Crisis mode: hold the scheduled posts, tell the right people, stand down cleanly.

    Setting Crisis Mode to On or Off in the Program tab does the same at the next
    ingest-alerts run.

    \b
    Examples:
      chorus crisis start --reason "Misdirected client emails" --statement "We are looking into it."
      chorus crisis status
      chorus crisis end
    """


def _crisis_result(ctx: click.Context, result) -> None:  # type: ignore[no-untyped-def]
    print_result(result)
    ctx.exit(1 if result.problems or result.skipped else 0)


@crisis.command("start")
@click.option(
    "--reason", required=True, help="What happened, in a line (recorded in the Crises tab)."
)
@click.option(
    "--statement",
    default="",
    help="The holding statement staff are emailed (else write it in the Crises tab later).",
)
@click.option(
    "--by",
    "declared_by",
    default="",
    metavar="EMAIL",
    help="Who declares it (recorded as Declared By).",
)
@at_option
@dry_run_option
@click.pass_context
def crisis_start(
    ctx: click.Context, reason: str, statement: str, declared_by: str, at: str | None, dry_run: bool
) -> None:
    """Declare a crisis: hold the posts scheduled for the next days, email the team and staff.

    \b
    Example:
      chorus crisis start --reason "Data leak reported" --statement "We are investigating." --by ana@example.org
    """
    from automation.crisis import start_crisis

    settings = settings_from(ctx)
    result = start_crisis(
        workspace_from(ctx),
        parse_at(at, settings),
        reason=reason,
        statement=statement,
        declared_by=declared_by,
        dry_run=dry_run,
    )
    _crisis_result(ctx, result)


@crisis.command("end")
@at_option
@dry_run_option
@click.pass_context
def crisis_end(ctx: click.Context, at: str | None, dry_run: bool) -> None:
    """Stand down: restore held posts (past ones become Overdue), send the all-clear, close the crisis.

    \b
    Example:
      chorus crisis end --at 2026-11-25T15:00
    """
    from automation.crisis import end_crisis

    settings = settings_from(ctx)
    _crisis_result(ctx, end_crisis(workspace_from(ctx), parse_at(at, settings), dry_run=dry_run))


@crisis.command("status")
@at_option
@click.pass_context
def crisis_status(ctx: click.Context, at: str | None) -> None:
    """Show whether a crisis is open, what is on hold, and whether a storm is building.

    \b
    Example:
      chorus crisis status
    """
    from automation.crisis import crisis_status as status_lines

    settings = settings_from(ctx)
    for line in status_lines(workspace_from(ctx), parse_at(at, settings)):
        click.echo(line)


# -- schedule, cron, status (operations) -------------------------------------
@cli.command()
@click.pass_context
def schedule(ctx: click.Context) -> None:
    """Run every job at its time from [schedule], until stopped (SIGTERM or Ctrl-C).

    Times are in the organisation's timezone, across daylight-saving changes.
    A failing job is recorded in Runs and retried at its next time; a daily job
    missed earlier today (the machine was off) runs once at start-up. Only one
    scheduler runs per spreadsheet. Stopping lets the running job finish.

    \b
    Examples:
      chorus --config /srv/chorus/chorus.toml schedule
      chorus --log-format json schedule        # for journald, Docker or Cloud Logging
    """
    from automation.schedule.service import serve

    serve(workspace_from(ctx))


@cli.command()
@click.option("--systemd", is_flag=True, help="Print a systemd service and timer per job instead.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --systemd: write the unit files into this folder.",
)
@click.option(
    "--chorus",
    "chorus_path",
    metavar="PATH",
    help="The chorus program the lines call (default: this one).",
)
@click.option(
    "--due-today",
    "due_today",
    metavar="JOB",
    help="Exit 0 if JOB is scheduled today (organisation's timezone), else 1; "
    "guards jobs cron cannot place, like the first working day of the month.",
)
@click.option("--at", "at", metavar="DATETIME", help="With --due-today: as if it were this time.")
@click.pass_context
def cron(
    ctx: click.Context,
    systemd: bool,
    out_dir: Path | None,
    chorus_path: str | None,
    due_today: str | None,
    at: str | None,
) -> None:
    """Print the schedule as crontab lines (or systemd timers), for the system's scheduler.

    Use either these or `chorus schedule`, not both.

    \b
    Examples:
      chorus --config /srv/chorus/chorus.toml cron | crontab -
      chorus cron --systemd --out /etc/systemd/system && systemctl enable --now 'chorus-*.timer'
    """
    from automation.schedule.cron import crontab, systemd_units
    from automation.schedule.rules import parse_rule, runs_on
    from automation.schedule.service import scheduled_rules

    settings = settings_from(ctx)
    if due_today:
        if due_today not in settings.schedule:
            raise ConfigError(
                f"there is no job called {due_today!r} in [schedule]",
                fix="jobs are: " + ", ".join(settings.schedule),
            )
        rule = parse_rule(
            settings.schedule[due_today], place=f"{settings.path}: schedule.{due_today}"
        )
        today = parse_at(at, settings).astimezone(settings.tz).date()
        ctx.exit(0 if rule and runs_on(rule, today, settings.organisation.working_days) else 1)
    rules = scheduled_rules(settings)
    program = chorus_path or _this_chorus()
    if not systemd:
        click.echo(crontab(settings, rules, program), nl=False)
        return
    units = systemd_units(settings, rules, program)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in units.items():
            (out_dir / name).write_text(text, encoding="utf-8")
            click.echo(f"wrote {out_dir / name}")
        return
    for name, text in units.items():
        click.echo(f"# ---- {name} ----")
        click.echo(text)


def _this_chorus() -> str:
    """The absolute path of the running chorus program, for cron lines and units."""
    import shutil

    beside = Path(sys.executable).parent / "chorus"
    if beside.exists():
        return str(beside)
    return shutil.which("chorus") or str(Path(sys.argv[0]).resolve())


@cli.command()
@at_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@click.pass_context
def status(ctx: click.Context, at: str | None, as_json: bool) -> None:
    """Show each job's last run, its next time, and any job overdue (exit 1 if any).

    A job is overdue when it has not succeeded since the second-to-last time
    it was due. Mail that waits is listed by job and period, with its next delivery.

    \b
    Example:
      chorus --config demo/chorus.toml status
    """
    import jobs as job_registry
    from automation.mail.waiting import mail_json, mail_lines
    from automation.schedule.status import job_status

    settings = settings_from(ctx)
    now = parse_at(at, settings)
    read = workspace_from(ctx).store.read(["Runs", "Sent"])
    report = job_status(read["Runs"], settings, now, list(job_registry.available()))
    if as_json:
        click.echo(json.dumps({**report.to_json(), **mail_json(read["Sent"], settings, now)}))
    else:
        for line in [*report.lines(), *mail_lines(read["Sent"], settings, now)]:
            click.echo(line)
    ctx.exit(1 if report.overdue else 0)


@cli.command()
@at_option
@click.pass_context
def deliver(ctx: click.Context, at: str | None) -> None:
    """Send the mail that waits (over the per-run cap or the daily allowance), each once.

    \b
    Example:
      chorus deliver
    """
    from automation.schedule.deliver import delivery

    done = delivery(workspace_from(ctx), parse_at(at, settings_from(ctx)))
    for result in done.results:
        print_result(result)
    if not done.results:
        click.echo(f"deliver: {done.note or 'no mail waiting'}")
    if done.errors:
        raise done.errors[0]
    ctx.exit(1 if done.outcome == "problems" else 0)


cli.add_command(auth)
from automation.cli_archive import archive  # noqa: E402  (its own module: cli.py is at its cap)

cli.add_command(archive)


def main() -> None:
    """Console-script entry point."""
    sys.exit(cli.main(prog_name="chorus", standalone_mode=True))


if __name__ == "__main__":  # pragma: no cover
    main()
