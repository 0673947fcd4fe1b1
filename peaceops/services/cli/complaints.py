"""``peaceops complaints``: paper registers, overdue cases and the data keys of complaints.

The command line acts as the server's operator (an administrator): it handles cases but never
sees who complained.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Complaints against security forces: import paper registers, list overdue cases, "
    "rotate the data keys.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


@app.command("import")
def import_register(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="The register, a UTF-8 CSV file.", exists=True, dir_okay=False, readable=True
        ),
    ],
    country: Annotated[str, typer.Option(help="ISO3 code of the country of the register.")],
    json_output: JsonOpt = False,
) -> None:
    """Import a paper complaint register (the layout 'peaceops complaints template' writes).
    Bad rows are reported by line and column and left out; entries already imported are left
    as they are. Narratives and identities are encrypted at rest."""
    with reporting_errors(), console.status(f"Importing {file.name}"):
        report = (
            state(ctx)
            .platform()
            .complaints.import_register(file, country=country.upper(), by=_by())
        )
    data = report.as_dict()
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


@app.command("overdue")
def overdue(
    ctx: typer.Context,
    country: Annotated[
        str | None, typer.Option(help="Only cases in this ISO3 country (default: all).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Open cases past the deadline of their stage, the longest waiting first: reference,
    stage, days overdue and institution (never who complained)."""
    now = datetime.now(UTC)
    with reporting_errors():
        views = (
            state(ctx)
            .platform()
            .complaints.overdue(by=_by(), now=now, country=country.upper() if country else None)
        )
    rows = [
        {
            "reference": v.complaint.reference,
            "stage": v.complaint.status.value,
            "days_overdue": (now - v.complaint.stage_due).days if v.complaint.stage_due else None,
            "institution": v.institution or "",
        }
        for v in views
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("reference", "stage", "days overdue", "institution", title="Overdue cases")
    for r in rows:
        table.add_row(*(str(r[k]) for k in ("reference", "stage", "days_overdue", "institution")))
    console.print(table)
    console.print(f"{len(rows)} overdue case(s).")


@app.command("template")
def template(
    out: Annotated[Path, typer.Argument(help="Where to write the CSV register.", dir_okay=False)],
) -> None:
    """Write an empty paper register (CSV): the header and a row explaining each column."""
    from peaceops.ingest.complaints import write_register_template

    with reporting_errors():
        write_register_template(out)
    console.print(f"Wrote {out}.")


@app.command("rotate-keys")
def rotate_keys(ctx: typer.Context) -> None:
    """Re-encrypt every narrative, identity and note of complaints with the first key of
    PEACEOPS_DATA_KEY. Put the new key first and keep the old ones after it; once this has run,
    the old keys may be removed (other personal data is re-encrypted on its next write)."""
    with reporting_errors(), console.status("Re-encrypting complaints"):
        n = state(ctx).platform().complaints.rotate_keys(by=_by())
    console.print(f"Re-encrypted {n} row(s) with the first data key.")
