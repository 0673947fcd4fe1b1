"""``peaceops laws``: the legal frameworks register from the command line."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Legal frameworks: laws from draft to force, standards checklists, the pipeline.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
CountryOpt = Annotated[str, typer.Option("--country", help="ISO3 code of the country.")]


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"'{value}' is not a date (YYYY-MM-DD)") from None


@app.command("import")
def import_tracker(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A tracker: CSV (UTF-8) or XLSX, one row a step.")],
    country: Annotated[
        str, typer.Option("--country", help="ISO3 code, when the file has no country column.")
    ] = "",
    json_output: JsonOpt = False,
) -> None:
    """Import a legislative tracker. Rows sharing a code are one instrument; each row with a
    stage is a step, checked by the lifecycle rules. An instrument with a bad row is left out
    whole and its rows reported; importing the same tracker again changes nothing."""
    with reporting_errors():
        summary = state(ctx).platform().legal.import_tracker(path, by=_by(), country=country)
    problems = summary.pop("problem_records")
    if json_output:
        print_json(summary)
        return
    keys = (
        "instruments_created",
        "instruments_updated",
        "instruments_unchanged",
        "steps_added",
        "steps_unchanged",
    )
    table = Table(*(k.replace("_", " ") for k in keys))
    table.add_row(*(str(summary[k]) for k in keys))
    console.print(table)
    for p in problems[:50]:
        console.print(str(p), style="yellow", markup=False)
    if len(problems) > 50:
        console.print(f"... and {len(problems) - 50} more problems", style="yellow")


@app.command("template")
def template(
    path: Annotated[Path, typer.Argument(help="Where to write the empty tracker (CSV).")],
) -> None:
    """Write an empty tracker with its columns and a row explaining them."""
    from peaceops.ingest.legal_tracker import write_template

    write_template(path)
    console.print(f"Wrote {path}", markup=False)


@app.command("pipeline")
def pipeline(
    ctx: typer.Context,
    country: CountryOpt,
    today: Annotated[str | None, typer.Option(help="Count days up to this day.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """A country's legislative pipeline: each instrument's stage, for how long, and whether
    it is stuck (longer than the stage should take)."""
    with reporting_errors():
        entries = state(ctx).platform().legal.pipeline(country.upper(), today=_day(today))
    rows = [
        {
            "id": e.instrument.id,
            "code": e.instrument.code,
            "title": e.instrument.title_in("en"),
            "type": e.instrument.type.value,
            "stage": e.stage.value,
            "since": e.since.isoformat(),
            "days": e.days,
            "expected_days": e.expected_days,
            "stuck": e.stuck,
            "share_met": None if e.share_met is None else round(e.share_met, 3),
        }
        for e in entries
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("stage", "instrument", "type", "since", "days", "stuck", "standards met")
    for r in rows:
        table.add_row(
            str(r["stage"]),
            f"{r['title']} ({r['code']})",
            str(r["type"]),
            str(r["since"]),
            str(r["days"]),
            f"yes (> {r['expected_days']})" if r["stuck"] else "",
            "" if r["share_met"] is None else f"{r['share_met']:.0%}",
        )
    console.print(table)


@app.command("checklists")
def checklists(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """The standards checklists, their provisions and what they feed."""
    items = state(ctx).platform().legal.checklists()
    rows: list[dict[str, Any]] = [
        {
            "code": c.code,
            "version": c.version,
            "title": c.title["en"],
            "provisions": len(c.provisions),
            "feeds": [f"{fw}:{item}" for fw, item in c.feeds],
        }
        for c in items
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("code", "title", "provisions", "feeds")
    for r in rows:
        table.add_row(r["code"], r["title"], str(r["provisions"]), ", ".join(r["feeds"]))
    console.print(table)


@app.command("feed")
def feed(
    ctx: typer.Context,
    round_id: Annotated[int, typer.Option("--round", help="The assessment round to feed.")],
    json_output: JsonOpt = False,
) -> None:
    """Write the checklist results of the laws binding at the end of a round's period into
    the round as document-review checks (one per provision, met or not)."""
    with reporting_errors():
        report = state(ctx).platform().legal.feed_round(round_id, by=_by())
    data = {
        "round": report.round_id,
        "checks": report.checks,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "used": [{"checklist": c, "item": i, "instrument": n} for c, i, n in report.used],
        "missing": [{"checklist": c, "item": i} for c, i in report.missing],
    }
    if json_output:
        print_json(data)
        return
    console.print(
        f"{report.checks} checks ({report.created} new, {report.updated} changed) "
        f"into round {report.round_id}",
        markup=False,
    )
    for c, i, n in report.used:
        console.print(f"  {i} <- {c} review of instrument {n}", markup=False)
    for c, i in report.missing:
        console.print(f"  {i}: no binding law reviewed against {c}", style="yellow", markup=False)
