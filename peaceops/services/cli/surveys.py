"""``peaceops survey``: perception surveys, their waves and design-based estimates."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Perception surveys: questionnaires, waves and estimates with intervals.",
    no_args_is_help=True,
)

SurveyArg = Annotated[str, typer.Argument(help="Survey id or form id (its latest version).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _percent(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    return f"{value:.1%}" if kind == "share" else f"{value:.2f}"


def _estimate(e: Any, kind: str) -> dict[str, Any]:
    return {
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "se": e.se,
        "n": e.n,
        "deff": e.deff,
        "suppressed": e.suppressed,
        "reason": e.reason,
        "kind": kind,
    }


@app.command("list")
def list_surveys(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """The questionnaires loaded, with their waves and respondents."""
    with reporting_errors():
        summaries = state(ctx).platform().surveys.surveys()
    rows: list[dict[str, Any]] = [
        {
            "id": s.survey.id,
            "form_id": s.survey.form.form_id,
            "version": s.survey.form.version,
            "country": s.survey.country_iso3,
            "waves": [
                {"name": w.name, "respondents": s.counts.get(w.id or 0, 0), "round": w.round_id}
                for w in s.waves
            ],
        }
        for s in summaries
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "form", "version", "country", "waves (respondents)")
    for r in rows:
        waves = ", ".join(f"{w['name']} ({w['respondents']})" for w in r["waves"]) or "none"
        table.add_row(str(r["id"]), r["form_id"], r["version"], r["country"], waves)
    console.print(table)


@app.command("estimates")
def estimates(
    ctx: typer.Context,
    survey: SurveyArg,
    question: Annotated[
        list[str] | None,
        typer.Option(help="Question name (repeat the option for several); default: all."),
    ] = None,
    wave: Annotated[str | None, typer.Option(help="Wave name; default: the latest.")] = None,
    breakdown: Annotated[
        str | None, typer.Option("--by", help="Also show one breakdown: area, sex or age_group.")
    ] = None,
    language: Annotated[str, typer.Option(help="Language of labels (en, fr, ar).")] = "en",
    json_output: JsonOpt = False,
) -> None:
    """Design-based estimates (weights, strata, clusters) with 95% intervals.

    Shares use logit intervals on the design's degrees of freedom; cells with fewer than
    PEACEOPS_MIN_CELL_SIZE respondents are suppressed, and a second cell where one alone could
    be worked out from the others.
    """
    from peaceops.domain.access import Principal

    if breakdown not in (None, "area", "sex", "age_group"):
        raise typer.BadParameter("--by takes area, sex or age_group")
    by = Principal.system(f"cli:{getpass.getuser()}")
    with reporting_errors(), console.status("Estimating"):
        platform = state(ctx).platform()
        names = question or [q.name for q in platform.surveys.estimable(survey)]
        results = [
            platform.surveys.estimates(survey, name, wave=wave, by=by, language=language)
            for name in names
        ]
    if json_output:
        print_json(
            [
                {
                    "question": r.question.name,
                    "label": r.label,
                    "item": r.item_code,
                    "wave": r.wave.name,
                    "respondents": r.respondents,
                    "min_cell": r.min_cell,
                    "outcomes": [
                        {
                            "outcome": o.code,
                            "label": o.label,
                            "cells": [
                                {
                                    "breakdown": c.breakdown,
                                    "label": c.label,
                                    **_estimate(c.estimate, o.kind),
                                }
                                for c in o.cells
                            ],
                        }
                        for o in r.outcomes
                    ],
                }
                for r in results
            ]
        )
        return
    for r in results:
        title = f"{r.question.name}: {r.label}"
        if r.item_code:
            title += f" [{r.item_code}]"
        table = Table("outcome", "group", "estimate", "95% interval", "n", title=title)
        for o in r.outcomes:
            label = o.label or {"favourable": "favourable answers", "mean": "mean"}[o.code]
            cells = [o.cells[0], *(o.breakdown(breakdown) if breakdown else [])]
            for c in cells:
                e = c.estimate
                interval = (
                    f"{_percent(e.low, o.kind)} to {_percent(e.high, o.kind)}"
                    if e.low is not None
                    else (e.reason or "-")
                )
                table.add_row(
                    label if c.breakdown is None else "",
                    c.label or "all",
                    _percent(e.value, o.kind),
                    interval,
                    str(e.n),
                )
        console.print(table)
        for note in r.notes:
            console.print(f"note: {note}", style="yellow", markup=False)
    if results:
        console.print(
            f"wave {results[0].wave.name}; cells under {results[0].min_cell} respondents suppressed"
        )


@app.command("trend")
def trend(
    ctx: typer.Context,
    survey: SurveyArg,
    question: Annotated[str, typer.Argument(help="Question name.")],
    outcome: Annotated[
        str | None, typer.Option(help="Outcome (choice name, favourable or mean).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """One outcome across waves, with each change and its 95% interval."""
    from peaceops.domain.access import Principal

    by = Principal.system(f"cli:{getpass.getuser()}")
    with reporting_errors():
        points = state(ctx).platform().surveys.trend(survey, question, outcome=outcome, by=by)
    rows: list[dict[str, Any]] = [
        {
            "wave": p.wave.name,
            "outcome": p.outcome,
            **_estimate(p.estimate, "share" if p.outcome != "mean" else "mean"),
            "change": None
            if p.change is None
            else {
                "value": p.change.value,
                "low": p.change.low,
                "high": p.change.high,
                "significant": p.change.significant,
            },
        }
        for p in points
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("wave", "outcome", "estimate", "95% interval", "change", title=question)
    for r in rows:
        kind = r["kind"]
        change = r["change"]
        table.add_row(
            r["wave"],
            r["outcome"],
            _percent(r["value"], kind),
            f"{_percent(r['low'], kind)} to {_percent(r['high'], kind)}"
            if r["low"] is not None
            else (r["reason"] or "-"),
            "-"
            if change is None
            else f"{change['value']:+.3f} [{change['low']:+.3f}, {change['high']:+.3f}]"
            + (" *" if change["significant"] else ""),
        )
    console.print(table)
