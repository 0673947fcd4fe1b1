"""``peaceops init`` and ``peaceops db``: create and migrate databases."""

from __future__ import annotations

from typing import Annotated

import typer

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(help="Database schema: migrate and inspect.", no_args_is_help=True)


def init(
    ctx: typer.Context,
    admin: Annotated[str, typer.Option(help="User name of the first administrator.")] = "admin",
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create or upgrade the database, load reference countries and create the first admin.

    The admin's one-time password is printed once; it must be changed at first login.
    """
    with reporting_errors():
        platform = state(ctx).platform(migrate=True)
        username, password = platform.initialise(admin_username=admin)
        countries = len(platform.places.countries())
    if json_output:
        print_json(
            {
                "database": platform.settings.database_url,
                "admin": username,
                "one_time_password": password,
                "countries": countries,
            }
        )
        return
    console.print(f"Database ready: {platform.settings.database_url} ({countries} countries).")
    if password:
        console.print(f"Administrator [bold]{username}[/], one-time password: [bold]{password}[/]")
        console.print("Change it at first login; it is not shown again.")
    else:
        console.print("An administrator exists already; no user was created.")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration to the database."""
    with reporting_errors():
        platform = state(ctx).platform(migrate=True)
    console.print(f"Database at revision {platform.upgrade()}.")


@app.command("current")
def current(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Show the database's schema revision and whether it is up to date."""
    from peaceops.storage import current_revision, head_revision, make_engine

    with reporting_errors():
        engine = make_engine(state(ctx).settings.database_url)
        revision, head = current_revision(engine), head_revision()
        engine.dispose()
    if json_output:
        print_json({"revision": revision, "head": head, "up_to_date": revision == head})
    else:
        status = "up to date" if revision == head else f"behind (newest is {head})"
        console.print(f"Revision {revision or '(empty database)'}: {status}.")
    if revision != head:
        raise typer.Exit(1)


@app.command("rotate-keys")
def rotate_keys(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-encrypt every personal field (complaints, trainees, survey respondents) with the
    first key of PEACEOPS_DATA_KEY.

    Put the new key first and keep the old ones after it (comma separated), run this, restart
    the web server; then the old keys may be removed. Safe to run again if interrupted.
    """
    import getpass

    from peaceops.domain.access import Principal

    with reporting_errors():
        platform = state(ctx).platform()
        counts = platform.rotate_keys(by=Principal.system(f"cli:{getpass.getuser()}"))
    if json_output:
        print_json(counts)
        return
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
    console.print(f"Re-encrypted with the first data key: {parts}.")
