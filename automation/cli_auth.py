"""`chorus auth`: sign Chorus in to Google as a person, sign it out, and say who it acts as.

Kept apart from cli.py (which registers it) so the main command file stays
small; like every command it loads settings, calls one function and prints.
"""

from __future__ import annotations

import click

from automation.config import load_settings


@click.group()
def auth() -> None:
    """Sign Chorus in to Google as a person (OAuth), for Sheets, Drive, Forms, Docs and Gmail.

    Google lets no service account own a file; without a Workspace admin to
    set up domain-wide delegation, a person signs in once and Chorus acts as them.

    \b
    Example:
      chorus auth login
    """


@auth.command()
@click.option(
    "--no-browser", is_flag=True, help="Print the link to open instead of opening a browser."
)
@click.pass_context
def login(ctx: click.Context, no_browser: bool) -> None:
    """Open Google's consent page; store the token (mode 600) in the state folder.

    Needs backend.oauth_client: an OAuth client ID of type Desktop app.

    \b
    Example:
      chorus --config team/chorus.toml auth login
    """
    from automation.google.oauth import login as sign_in

    settings = load_settings(ctx.obj.get("config_path"))
    for line in sign_in(settings, open_browser=not no_browser):
        click.echo(line)


@auth.command()
@click.pass_context
def logout(ctx: click.Context) -> None:
    """Remove the stored token; Chorus acts through backend.credentials again.

    \b
    Example:
      chorus auth logout
    """
    from automation.google.oauth import logout as sign_out

    for line in sign_out(load_settings(ctx.obj.get("config_path"))):
        click.echo(line)


@auth.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Say who Chorus acts as for Google files and whether it may create new ones.

    \b
    Example:
      chorus auth status
    """
    from automation.google.credentials import acting_email, can_own_files, load_identity

    settings = load_settings(ctx.obj.get("config_path"))
    identity = load_identity(settings)
    who = acting_email(identity.files) or "application default credentials"
    ways = {
        "oauth": "signed in with `chorus auth login`",
        "delegated": "domain-wide delegation",
        "service_account": "the service account itself",
        "user": "application default credentials",
    }
    click.echo(f"Chorus acts as {who} ({ways[identity.kind]})")
    if settings.backend.shared_drive_id:
        click.echo(f"new files go to the shared drive {settings.backend.shared_drive_id}")
    elif not can_own_files(identity.files):
        click.echo("Google lets a service account own no files: `chorus init` cannot create any")
