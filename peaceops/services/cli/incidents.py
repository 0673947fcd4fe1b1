"""``peaceops incidents``: the mission's incident log from the command line.

The command line acts as the server's operator (an administrator): it reports, verifies and
merges incidents, every step audited under the operator's name.
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="The mission's incident log: import CSV logs, list, verify and merge incidents.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
ReasonOpt = Annotated[
    str, typer.Option(help="Why (required to verify, discredit or merge; kept in the history).")
]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def _day(value: str | None, name: str) -> date | None:
    from peaceops.errors import InputError

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"'{value}' is not a date; write YYYY-MM-DD", field=name) from None


def show_import(data: dict[str, Any], *, json_output: bool) -> None:
    """Print an import report (shared with ``peaceops import incidents``)."""
    if json_output:
        print_json(data)
        return
    table = Table("created", "unchanged", "skipped", title=f"Imported {data['source']}")
    table.add_row(*(str(data[k]) for k in ("created", "unchanged", "skipped")))
    console.print(table)
    for warning in data["warnings"][:20]:
        console.print(f"warning: {warning}", style="yellow", markup=False, soft_wrap=True)
    if len(data["warnings"]) > 20:
        console.print(f"... and {len(data['warnings']) - 20} more warnings (--json lists them)")


def import_file(ctx: typer.Context, file: Path, country: str, *, json_output: bool) -> None:
    with reporting_errors(), console.status(f"Importing {file.name}"):
        report = state(ctx).platform().incidents.import_log(file, country=country, by=_by())
    show_import(report.as_dict(), json_output=json_output)


@app.command("import")
def import_log(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="The incident log, a UTF-8 CSV file.", exists=True, dir_okay=False, readable=True
        ),
    ],
    country: Annotated[str, typer.Option(help="ISO3 code of the country of the log.")],
    json_output: JsonOpt = False,
) -> None:
    """Import an incident log (the layout 'peaceops incidents template' writes). Bad rows are
    reported by line and column and left out; reports already imported (same reference) are
    left as they are. Imported incidents start as reported."""
    import_file(ctx, file, country.upper(), json_output=json_output)


@app.command("template")
def template(
    out: Annotated[Path, typer.Argument(help="Where to write the CSV log.", dir_okay=False)],
) -> None:
    """Write an empty incident log (CSV): the header and a row explaining each column."""
    from peaceops.ingest.incidents import write_log_template

    with reporting_errors():
        write_log_template(out)
    console.print(f"Wrote {out}.")


@app.command("list")
def list_incidents(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="Only this ISO3 country.")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="reported, under_verification, verified, discredited or merged."),
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--type", help="Only this type (e.g. attack_on_police).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this day (YYYY-MM-DD).")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Incidents, the latest first: id, date, type, status, fatalities and place."""
    from peaceops.domain.incidents import IncidentType, Verification
    from peaceops.errors import InputError

    with reporting_errors():
        try:
            wanted = Verification(status) if status else None
            kind_wanted = IncidentType(kind) if kind else None
        except ValueError as exc:
            raise InputError(str(exc), field="status/type") from None
        items = (
            state(ctx)
            .platform()
            .incidents.list(
                by=_by(),
                country=country,
                status=wanted,
                type=kind_wanted,
                since=_day(since, "since"),
                until=_day(until, "until"),
            )
        )
    rows = [
        {
            "id": i.id,
            "reference": i.reference or "",
            "date": i.date.isoformat(),
            "type": i.type.value,
            "status": i.status.value,
            "fatalities": f"{i.fatalities_best} ({i.fatalities_low}-{i.fatalities_high})",
            "place": i.place_name,
        }
        for i in items
    ]
    if json_output:
        print_json(rows)
        return
    table = Table(*(rows[0] if rows else ("id",)), title="Incidents")
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    console.print(table)
    console.print(f"{len(rows)} incident(s).")


@app.command("move")
def move(
    ctx: typer.Context,
    incident_id: Annotated[int, typer.Argument(help="The incident's id.")],
    to: Annotated[str, typer.Argument(help="under_verification, verified or discredited.")],
    reason: ReasonOpt = "",
) -> None:
    """Take one verification step (verifying and discrediting need --reason)."""
    from peaceops.domain.incidents import Verification
    from peaceops.errors import InputError
    from peaceops.platform.incidents import change_kind

    with reporting_errors():
        try:
            target = Verification(to)
        except ValueError:
            raise InputError(f"'{to}' is not a verification status", field="to") from None
        platform = state(ctx).platform()
        before = platform.incidents.get(incident_id, by=_by()).status
        found = platform.incidents.move(incident_id, target, reason=reason, by=_by())
        kind = change_kind(before, found)
        if kind is not None:  # committed: the alert rules may run on it
            platform.after_change(kind, found.country_iso3)
    console.print(f"Incident {found.id} is {found.status.value}.")


@app.command("merge")
def merge(
    ctx: typer.Context,
    duplicate: Annotated[int, typer.Argument(help="Id of the duplicate report.")],
    into: Annotated[int, typer.Argument(help="Id of the incident kept.")],
    reason: ReasonOpt = "",
    best: Annotated[
        int | None, typer.Option(help="A new best estimate of fatalities (say why).")
    ] = None,
) -> None:
    """Merge a duplicate report into the incident kept (sources, actors and attachments are
    added to it; its fatality range widens)."""
    from peaceops.platform.incidents import change_kind

    with reporting_errors():
        platform = state(ctx).platform()
        before = platform.incidents.get(duplicate, by=_by()).status
        kept = platform.incidents.merge(duplicate, into, reason=reason, best=best, by=_by())
        kind = change_kind(before, kept)
        if kind is not None:
            platform.after_change(kind, kept.country_iso3)
    console.print(
        f"Incident {duplicate} merged into {kept.id}: fatalities {kept.fatalities_best} "
        f"({kept.fatalities_low}-{kept.fatalities_high})."
    )
