"""`chorus archive`: write a month's record once, and verify that no archived byte has changed.

Its own module because cli.py is at its size cap; cli.py adds the group. It
reads the settings and workspace the top-level `chorus` group put in the
click context, the same way cli.py's commands do.
"""

from __future__ import annotations

from datetime import datetime

import click

from automation.config import load_settings
from sheets_schema.errors import ConfigError
from sheets_schema.settings import Settings


def _settings(ctx: click.Context) -> Settings:
    obj = ctx.find_root().ensure_object(dict)
    if "settings" not in obj:
        from automation.logs import remember_secrets

        obj["settings"] = load_settings(obj.get("config_path"))
        remember_secrets(obj["settings"])
    settings: Settings = obj["settings"]
    return settings


def _at(value: str | None, settings: Settings) -> datetime:
    from sheets_schema.values import parse_datetime

    if not value:
        return datetime.now(settings.tz)
    try:
        return parse_datetime(value, settings.tz)
    except ValueError as exc:
        raise ConfigError(f"--at {value!r}: {exc}", fix="write it as 2026-12-01T07:00") from None


@click.group(invoke_without_command=True)
@click.option("--month", metavar="YYYY-MM", default="", help="The month (default: last month).")
@click.option("--force", is_flag=True, help="Archive a month again, as a new version beside it.")
@click.option("--at", "at", metavar="DATETIME", help="As if it were this time.")
@click.pass_context
def archive(ctx: click.Context, month: str, force: bool, at: str | None) -> None:
    """Write a month's record into archive/YYYY-MM beside chorus.toml (Google: a Drive folder), once.

    The month's published items with their approved text, approver and times,
    the post links, mentions and how they were answered, the emails sent, the
    crises, and manifest.json with each file's SHA-256 and the previous month's
    manifest's (a chain). A month already archived is refused; --force writes
    a new version (archive/YYYY-MM.v2) beside the old one, which stays.

    \b
    Examples:
      chorus archive --month 2026-11
      chorus archive verify
    """
    if ctx.invoked_subcommand is not None:
        return
    from automation.archive import gather_archive, refuse_rewrite
    from automation.runner import run_job
    from automation.workspace import build_workspace
    from jobs.archive import month_bounds, previous_month

    settings = _settings(ctx)
    now = _at(at, settings)
    month = month or previous_month(now.astimezone(settings.tz).date())
    month_bounds(month)  # a mistyped month is an error before anything is read
    workspace = build_workspace(settings)
    if not force:
        refuse_rewrite(workspace, month)

    def gather(ws, when, snapshot):  # type: ignore[no-untyped-def]
        return gather_archive(ws, when, snapshot, month=month, force=force)

    result = run_job(workspace, "archive", now, gather=gather)
    click.echo(f"archive: {result.summary()}")
    for line in [*result.lines, *(f"problem: {p}" for p in result.problems)]:
        click.echo(f"  {line}")
    ctx.exit(1 if result.problems else 0)


@archive.command("verify")
@click.option("--month", metavar="YYYY-MM", default="", help="Only this month (and its link back).")
@click.pass_context
def verify_command(ctx: click.Context, month: str) -> None:
    """Recompute every archive's hashes and the chain; exit 1 naming the first changed file.

    \b
    Examples:
      chorus archive verify
      chorus archive verify --month 2026-11
    """
    from automation.archive import shelf_for, verify
    from automation.workspace import build_workspace
    from jobs.archive import month_bounds

    if month:
        month_bounds(month)
    lines, problem = verify(shelf_for(build_workspace(_settings(ctx))), month)
    for line in lines:
        click.echo(line)
    if problem is not None:
        click.echo(f"changed: {problem}")
        ctx.exit(1)
    click.echo("ok: every archived file is as it was written")
