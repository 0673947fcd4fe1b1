"""``peaceops audit``: checking that the audit log has not been tampered with."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(help="The audit log: verify its hash chain.", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Recompute every entry's hash in order. Exits 1 and names the first broken entry when
    one was changed, removed or inserted; prints the head hash, to keep somewhere else (an
    entry removed at the very end is seen only against a head recorded before)."""
    from peaceops.domain.access import Principal

    by = Principal.system(f"cli:{getpass.getuser()}")
    with reporting_errors():
        result = state(ctx).platform().audit.verify(by=by)
    if json_output:
        print_json(result)
    elif result["broken_at"] is None:
        console.print(
            f"The audit log's chain holds: {result['checked']} entries checked. "
            f"Head: {result['head']}",
            markup=False,
        )
    else:
        console.print(
            f"Audit entry {result['broken_at']} {result['reason']} "
            f"({result['checked']} entries before it check out).",
            style="red",
            markup=False,
        )
    if result["broken_at"] is not None:
        raise typer.Exit(1)
