"""``peaceops export``: data out, in formats other tools read."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from peaceops.services.cli.context import console, reporting_errors, state

app = typer.Typer(help="Export data (boundaries, audit log).", no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="File to write.", dir_okay=False)]


@app.command("boundaries")
def boundaries(
    ctx: typer.Context,
    country: Annotated[str, typer.Option(help="ISO3 country code.")],
    out: OutOpt,
    level: Annotated[int | None, typer.Option(help="Only this admin level.")] = None,
) -> None:
    """Write a country's admin areas as GeoJSON (re-importable with 'import boundaries')."""
    with reporting_errors():
        collection = state(ctx).platform().places.export_boundaries(country, level=level)
    out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    console.print(f"Wrote {len(collection['features'])} areas to {out}.")


@app.command("audit")
def audit(
    ctx: typer.Context,
    out: OutOpt,
    limit: Annotated[int, typer.Option(help="Newest entries to export.", min=1)] = 1000,
) -> None:
    """Write the newest audit-log entries as CSV."""
    from peaceops.domain.access import Principal

    with reporting_errors():
        entries, _total = state(ctx).platform().audit.entries(by=Principal.system(), limit=limit)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "at", "username", "via", "action", "entity", "entity_id", "before", "after"]
        )
        for e in entries:
            writer.writerow(
                [
                    e.id,
                    e.at.isoformat(),
                    e.username,
                    e.via,
                    e.action.value,
                    e.entity,
                    e.entity_id,
                    json.dumps(e.before),
                    json.dumps(e.after),
                ]
            )
    console.print(f"Wrote {len(entries)} audit entries to {out}.")
