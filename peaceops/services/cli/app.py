"""The ``peaceops`` command: the root app and its command families."""

from __future__ import annotations

from typing import Annotated

import typer

from peaceops.services.cli import (
    alerts,
    assess,
    audit,
    backup,
    complaints,
    coordination,
    database,
    demo,
    exports,
    forecast,
    imports,
    incidents,
    knowledge,
    laws,
    reference_docs,
    reports,
    server,
    surveys,
    transition,
    users,
)
from peaceops.services.cli.context import State

app = typer.Typer(
    name="peaceops",
    help="PeaceOps: evidence for rebuilding security and justice institutions after conflict.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Database to use (overrides PEACEOPS_DATABASE_URL).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """PeaceOps command line. Settings come from PEACEOPS_* environment variables."""
    overrides = {"database_url": database_url} if database_url else {}
    ctx.obj = State(overrides=overrides)


app.command("init")(database.init)
app.command("demo")(demo.demo)
app.command("serve")(server.serve)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(database.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(imports.app, name="import")
app.add_typer(exports.app, name="export")
app.add_typer(forecast.app, name="forecast")
app.add_typer(assess.app, name="assess")
app.add_typer(coordination.app, name="coordination")
app.add_typer(complaints.app, name="complaints")
app.add_typer(incidents.app, name="incidents")
app.add_typer(alerts.app, name="alerts")
app.add_typer(audit.app, name="audit")
app.add_typer(surveys.app, name="survey")
app.add_typer(knowledge.app, name="docs")
app.add_typer(laws.app, name="laws")
app.add_typer(transition.app, name="transition")
app.add_typer(reference_docs.app, name="reference")
app.add_typer(reports.app, name="report")


def main() -> None:
    app()
