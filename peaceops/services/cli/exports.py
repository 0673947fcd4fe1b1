"""``peaceops export``: data out, in formats other tools read."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated

import typer

from peaceops.services.cli.context import console, reporting_errors, state

app = typer.Typer(help="Export data (boundaries, activities, audit log).", no_args_is_help=True)

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


def _activities(ctx: typer.Context, country: str | None):  # type: ignore[no-untyped-def]
    platform = state(ctx).platform()
    acts = platform.coordination.activities()
    if country:
        acts = platform.coordination.in_country(acts, country.upper())
    return platform, acts


CountryOpt = Annotated[str | None, typer.Option(help="Only activities in this ISO3 country.")]


@app.command("iati")
def iati(ctx: typer.Context, out: OutOpt, country: CountryOpt = None) -> None:
    """Write activities as IATI 2.03 activity XML (valid against the IATI schema)."""
    with reporting_errors():
        platform, acts = _activities(ctx, country)
        n = platform.coordination.export_iati(out, activities=acts)
    console.print(f"Wrote {n} activities to {out}.")


@app.command("3w")
def three_w(ctx: typer.Context, out: OutOpt, country: CountryOpt = None) -> None:
    """Write activities as an HXL-tagged 3W/4W sheet: CSV or XLSX by the file's suffix, one
    row per activity and place."""
    with reporting_errors():
        platform, acts = _activities(ctx, country)
        n = platform.coordination.export_3w(out, activities=acts)
    console.print(f"Wrote {n} activities to {out}.")


@app.command("geojson")
def geojson(ctx: typer.Context, out: OutOpt, country: CountryOpt = None) -> None:
    """Write activity locations as GeoJSON points (areas by an inside point, with their
    precision)."""
    with reporting_errors():
        platform, acts = _activities(ctx, country)
        n = platform.coordination.export_geojson(out, activities=acts)
    console.print(f"Wrote {n} activity locations to {out}.")


@app.command("training-template")
def training_template(out: OutOpt) -> None:
    """Write an empty training register workbook (courses, sessions, participants)."""
    from peaceops.ingest.trainings import training_template as write_template

    with reporting_errors():
        write_template(out)
    console.print(f"Wrote the training register template to {out}.")
