"""``peaceops transition``: benchmark sets and the readiness judged against them."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Transition: benchmark sets (drafted, agreed, revised) and readiness against them.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
CountryOpt = Annotated[str, typer.Option("--country", help="ISO3 code of the country.")]
STYLE = {
    "met": "green",
    "on_track": "green",
    "at_risk": "yellow",
    "off_track": "red",
    "no_evidence": "dim",
}


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)", param_hint=name) from None


@app.command("templates")
def templates(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """The benchmark templates shipped with PeaceOps."""
    from peaceops.platform.transition import set_dict

    rows = [set_dict(t) for t in state(ctx).platform().transition.templates()]
    if json_output:
        print_json(rows)
        return
    table = Table("code", "version", "title", "benchmarks", "conditions", "target date")
    for r in rows:
        table.add_row(
            r["code"],
            r["version"],
            r["title"],
            str(r["benchmarks"]),
            str(r["conditions"]),
            r["target_date"],
        )
    console.print(table)


@app.command("sets")
def sets(ctx: typer.Context, country: CountryOpt = "", json_output: JsonOpt = False) -> None:
    """A country's benchmark sets, every version, with who agreed them and when."""
    from peaceops.platform.transition import set_dict

    with reporting_errors():
        found = state(ctx).platform().transition.sets(country=country or None, by=_by())
    rows = [set_dict(s) for s in found]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "country", "code", "version", "status", "agreed", "target date")
    for r in rows:
        agreed = f"{r['agreed_on']} by {r['agreed_by']}" if r["agreed_on"] else ""
        table.add_row(
            str(r["id"]),
            r["country"],
            r["code"],
            r["version"],
            r["status"],
            agreed,
            r["target_date"],
        )
    console.print(table)


@app.command("draft")
def draft(
    ctx: typer.Context,
    country: CountryOpt,
    template: Annotated[
        str, typer.Option(help="Start from this template (see `peaceops transition templates`).")
    ] = "",
    file: Annotated[
        Path | None, typer.Option("--file", help="A benchmark set in YAML (see `export`).")
    ] = None,
    target_date: Annotated[
        str | None, typer.Option(help="When the benchmarks should be met (YYYY-MM-DD).")
    ] = None,
    note: Annotated[str, typer.Option(help="Why this draft.")] = "",
) -> None:
    """Store a draft set for a country, from a template or a YAML file."""
    if bool(template) == bool(file):
        raise typer.BadParameter("give either --template or --file")
    service = state(ctx).platform().transition
    with reporting_errors():
        if file is not None:
            stored = service.import_file(file, country=country, by=_by(), note=note)
        else:
            stored = service.draft(
                service.template(template),
                country=country,
                by=_by(),
                target_date=_day(target_date, "--target-date"),
                note=note,
            )
    console.print(
        f"Draft set {stored.id}: {stored.code} version {stored.version} for "
        f"{stored.country_iso3}, target {stored.target_date}",
        markup=False,
    )


@app.command("agree")
def agree(
    ctx: typer.Context,
    set_id: Annotated[int, typer.Argument(help="The draft set's id.")],
    agreed_by: Annotated[str, typer.Option("--by", help="Who agreed it (a body, people).")],
    agreed_on: Annotated[str, typer.Option("--on", help="The day it was agreed (YYYY-MM-DD).")],
    note: Annotated[str | None, typer.Option(help="The decision's reference.")] = None,
) -> None:
    """Record that a draft set was agreed; the version it replaces becomes superseded."""
    day = _day(agreed_on, "--on")
    assert day is not None
    with reporting_errors():
        stored = (
            state(ctx)
            .platform()
            .transition.agree(set_id, agreed_by=agreed_by, agreed_on=day, by=_by(), note=note)
        )
    console.print(
        f"Set {stored.id} agreed on {stored.agreed_on} by {stored.agreed_by}", markup=False
    )


@app.command("revise")
def revise(
    ctx: typer.Context,
    set_id: Annotated[int, typer.Argument(help="The set to revise.")],
    version: Annotated[str, typer.Option(help="The new version, e.g. 2026.1.")],
    note: Annotated[str, typer.Option(help="What the revision changes, and why.")] = "",
) -> None:
    """Copy a set as a new draft version (then `export`, edit, and `draft --file`, or agree)."""
    with reporting_errors():
        stored = (
            state(ctx).platform().transition.revise(set_id, version=version, by=_by(), note=note)
        )
    console.print(f"Draft set {stored.id}: version {stored.version}", markup=False)


@app.command("export")
def export(
    ctx: typer.Context,
    set_id: Annotated[int, typer.Argument(help="The set to write.")],
    path: Annotated[Path, typer.Argument(help="The YAML file to write.")],
) -> None:
    """Write a set as YAML, to edit and import as a new version."""
    from peaceops.ingest.benchmarks import benchmarks_yaml

    with reporting_errors():
        found = state(ctx).platform().transition.get(set_id, by=_by())
    path.write_text(benchmarks_yaml(found), encoding="utf-8")
    console.print(f"Wrote {path}", markup=False)


@app.command("status")
def status(
    ctx: typer.Context,
    country: CountryOpt,
    as_of: Annotated[
        str | None, typer.Option(help="Judge on the evidence known at this day (YYYY-MM-DD).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Readiness: each benchmark of the country's current set, judged on the evidence, with
    each condition's latest value, trend, projected date and confidence."""
    from peaceops.platform.transition import judgement_dict, set_dict

    with reporting_errors():
        found = (
            state(ctx)
            .platform()
            .transition.readiness(country, by=_by(), as_of=_day(as_of, "--as-of"))
        )
    if found is None:
        console.print(f"{country.upper()} has no benchmark set: draft one first.", markup=False)
        raise typer.Exit(1)
    rows = [judgement_dict(j) for j in found.judgements]
    if json_output:
        print_json(
            {
                "set": set_dict(found.benchmark_set),
                "as_of": found.as_of.isoformat(),
                "overall": found.overall.value,
                "counts": {k.value: v for k, v in found.counts().items()},
                "benchmarks": rows,
            }
        )
        return
    s = found.benchmark_set
    console.print(
        f"{s.title.get('en')} (version {s.version}, {s.status.value}); evidence to "
        f"{found.as_of}; target {s.target_date}",
        markup=False,
    )
    table = Table("condition", "status", "latest", "threshold", "trend/yr", "projected", "conf.")
    for r in rows:
        table.add_section()
        table.add_row(
            f"[bold]{r['key']}[/]", f"[{STYLE[r['status']]}]{r['status'].replace('_', ' ')}[/]"
        )
        for c in r["conditions"]:
            latest = c["latest"]
            projected = c["projected"] or ""
            if projected and (c["projected_low"] or c["projected_high"]):
                projected += f" ({c['projected_low'] or '?'} to {c['projected_high'] or 'later'})"
            table.add_row(
                "  " + c["key"],
                f"[{STYLE[c['status']]}]{c['status'].replace('_', ' ')}[/]",
                "" if latest is None else f"{latest['value']:.3g} ({latest['on']})",
                ("≤ " if c["direction"] == "at_most" else "≥ ") + f"{c['threshold']:.3g}",
                "" if c["trend_per_year"] is None else f"{c['trend_per_year']:+.3g}",
                projected,
                f"{c['confidence']:.0%}",
            )
    console.print(table)
