"""``peaceops demo``: the Carana scenario in a fresh database, served in the web app."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from peaceops.services.cli.context import console, reporting_errors, state

DEMO_FILE = "peaceops-demo.db"


def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port of the web app.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Start the server without opening a browser.")
    ] = False,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Load the demo database and exit.")
    ] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete an existing demo database and load it anew.")
    ] = False,
    seed: Annotated[int | None, typer.Option(help="Seed of the scenario generator.")] = None,
) -> None:
    """Load the Carana demonstration scenario and open it in the web app.

    Creates peaceops-demo.db in the current folder (or uses PEACEOPS_DATABASE_URL), loads the
    scenario, starts the web app and prints how to log in.
    """
    st = state(ctx)
    if "database_url" not in st.overrides and not os.environ.get("PEACEOPS_DATABASE_URL"):
        path = Path.cwd() / DEMO_FILE
        if reset:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        st.overrides["database_url"] = f"sqlite:///{path}"
    with reporting_errors():
        platform = st.platform(migrate=True)
        loaded = any(c.iso3 == "XCA" for c in platform.places.countries()) and bool(
            platform.places.admin_areas("XCA", with_geometry=False)
        )
        if loaded:
            from peaceops.domain.access import Principal
            from peaceops.scenario.carana import DEMO_PASSWORD

            console.print("The Carana scenario is loaded already; use --reset to start afresh.")
            users = platform.accounts.list_users(by=Principal.system())
            logins = [(u.username, u.role.value) for u in users]
            password = DEMO_PASSWORD
        else:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total}"),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("Loading Carana", total=10)

                def step(label: str, _n: int) -> None:
                    bar.update(task, advance=1, description=f"Loading Carana: {label}")

                demo_logins = platform.load_demo(seed=seed, progress=step)
            logins = [(d.username, d.role) for d in demo_logins]
            password = demo_logins[0].password
    console.print(f"Demo database: {platform.settings.database_url}")
    console.print(f"Password of every demo user: [bold]{password}[/]")
    table = Table(title="Demo users")
    table.add_column("user name")
    table.add_column("role")
    for username, role in logins:
        table.add_row(username, role)
    console.print(table)
    if no_serve:
        return
    from peaceops.services.cli.server import run_server

    run_server(platform.settings, host=host, port=port, open_browser=not no_browser)
