"""``peaceops assess``: institutional assessment against indicator frameworks."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

if TYPE_CHECKING:
    from peaceops.domain.access import Principal
    from peaceops.platform import Platform

app = typer.Typer(
    help="Assess institutions: frameworks, rounds, evidence, scores, priorities.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print as JSON.")]
RoundArg = Annotated[int, typer.Argument(help="Round id (see `peaceops assess rounds`).")]
LanguageOpt = Annotated[str, typer.Option("--language", help="en or fr (framework texts).")]


def _operator() -> Principal:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


def _platform(ctx: typer.Context) -> Platform:
    platform = state(ctx).platform()
    platform.assessment.load_builtin(by=_operator())
    return platform


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


@app.command("frameworks")
def frameworks(ctx: typer.Context, json_output: JsonOpt = False) -> None:
    """List the indicator frameworks (those shipped with PeaceOps are registered on first use)."""
    with reporting_errors():
        items = _platform(ctx).assessment.frameworks()
    rows: list[dict[str, Any]] = [
        {
            "id": f.id,
            "key": f.key,
            "title": f.title["en"],
            "institutions": [i.code for i in f.institutions],
            "indicators": len(f.indicators),
        }
        for f in items
    ]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "framework", "title", "institutions", "indicators")
    for r in rows:
        table.add_row(
            str(r["id"]), r["key"], r["title"], ", ".join(r["institutions"]), str(r["indicators"])
        )
    console.print(table)


@app.command("load-framework")
def load_framework(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="YAML or XLSX.")],
) -> None:
    """Validate and store your own framework (YAML, or the XLSX of `framework-template`)."""
    with reporting_errors():
        fw, created = _platform(ctx).assessment.load_framework(file, by=_operator())
    verb = "Loaded" if created else "Already loaded:"
    console.print(f"{verb} {fw.key} ({len(fw.indicators)} indicators)")


@app.command("framework-template")
def framework_template(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.")],
    from_framework: Annotated[
        str | None,
        typer.Option("--from", help="Fill it from this framework (code or code@version)."),
    ] = None,
) -> None:
    """Write the XLSX layout for writing a framework in a spreadsheet (empty, or a copy)."""
    from peaceops.ingest.framework_xlsx import write_xlsx

    with reporting_errors():
        document = None
        if from_framework:
            fw = _platform(ctx).assessment.framework(from_framework)
            document = _platform(ctx).assessment.framework_document(fw.id or 0)
        write_xlsx(document, out)
    console.print(f"Wrote {out}")


@app.command("template")
def template(
    ctx: typer.Context,
    framework: Annotated[str, typer.Option("--framework", help="Code or code@version.")],
    out: Annotated[Path, typer.Option("--out", help="FILE.xlsx (all sources) or FILE.csv.")],
    sheet: Annotated[
        str | None, typer.Option(help="For a CSV: which source it holds (default: file name).")
    ] = None,
    language: LanguageOpt = "en",
) -> None:
    """Write an evidence template generated from a framework."""
    with reporting_errors():
        _platform(ctx).assessment.template(framework, out, language=language, sheet=sheet)
    console.print(f"Wrote {out}")


@app.command("rounds")
def rounds(
    ctx: typer.Context,
    country: Annotated[str | None, typer.Option(help="ISO3 country.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """List assessment rounds with their evidence counts."""
    with reporting_errors():
        service = _platform(ctx).assessment
        items = service.rounds(country=country)
        rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "country": r.country_iso3,
                "name": r.name,
                "framework": service.framework(r.framework_id).key,
                "period": f"{r.period_start} to {r.period_end}",
                "evidence": service.evidence_counts(r.id or 0),
            }
            for r in items
        ]
    if json_output:
        print_json(rows)
        return
    table = Table("id", "country", "round", "framework", "period", "records")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["country"],
            r["name"],
            r["framework"],
            r["period"],
            str(sum(r["evidence"].values())),
        )
    console.print(table)


@app.command("new-round")
def new_round(
    ctx: typer.Context,
    country: Annotated[str, typer.Option(help="ISO3 country.")],
    framework: Annotated[str, typer.Option(help="Code or code@version.")],
    name: Annotated[str, typer.Option(help="A name unique in the country.")],
    start: Annotated[str, typer.Option(help="Start of the period, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="End of the period, YYYY-MM-DD.")],
    institution: Annotated[
        list[str] | None, typer.Option(help="Framework institution codes (default: all).")
    ] = None,
    sample_frame: Annotated[str, typer.Option(help="Who was sampled, how.")] = "",
    notes: Annotated[str, typer.Option(help="Free notes.")] = "",
) -> None:
    """Open an assessment round; it keeps the framework version it was opened with."""
    from peaceops.errors import InputError

    with reporting_errors():
        try:
            period = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            raise InputError("dates are YYYY-MM-DD", field="start/end") from None
        rnd = _platform(ctx).assessment.create_round(
            country=country,
            framework=framework,
            name=name,
            period_start=period[0],
            period_end=period[1],
            institutions=institution or [],
            sample_frame=sample_frame,
            notes=notes,
            by=_operator(),
        )
    console.print(f"Round {rnd.id}: {rnd.name}")


@app.command("import")
def import_evidence(
    ctx: typer.Context,
    round_id: RoundArg,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="XLSX or CSV.")],
    sheet: Annotated[
        str | None, typer.Option(help="For a CSV: which source it holds (default: file name).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import evidence; any invalid value imports nothing and is named by sheet, row, column."""
    with reporting_errors(), console.status(f"Importing {file.name}"):
        report = _platform(ctx).assessment.import_evidence(
            round_id, file, by=_operator(), sheet=sheet
        )
    data = report.as_dict()
    if json_output:
        print_json(data)
        return
    table = Table("created", "updated", "unchanged", title=f"Imported {file.name}")
    table.add_row(str(data["created"]), str(data["updated"]), str(data["unchanged"]))
    console.print(table)


def _score_table(records: list[dict[str, Any]]) -> Table:
    table = Table(
        "indicator", "dimension", "score", "95% interval", "sources", "confidence", "conflict"
    )
    for r in records:
        table.add_row(
            r["indicator"],
            r["dimension"],
            _pct(r["score"]),
            f"{_pct(r['low'])}-{_pct(r['high'])}",
            ", ".join(f"{s['source']} {_pct(s['score'])}" for s in r["sources"]),
            r["rating"],
            "yes" if r["conflict"] else "",
        )
    return table


@app.command("score")
def score(
    ctx: typer.Context,
    round_id: RoundArg,
    level: Annotated[str, typer.Option(help="indicator, dimension or institution.")] = "indicator",
    institution: Annotated[str | None, typer.Option(help="Only this institution.")] = None,
    language: LanguageOpt = "en",
    json_output: JsonOpt = False,
) -> None:
    """Scores computed from the round's evidence, with 95% intervals and sources."""
    from peaceops.errors import InputError
    from peaceops.platform.assessment import indicator_record, rollup_record

    with reporting_errors():
        scored = _platform(ctx).assessment.score(round_id)
        if level == "indicator":
            records = [
                indicator_record(scored.framework, s, language)
                for s in scored.scores.indicators.values()
                if institution in (None, s.institution)
            ]
        elif level in ("dimension", "institution"):
            pool = scored.scores.dimensions if level == "dimension" else scored.scores.institutions
            records = [rollup_record(r) for r in pool if institution in (None, r.institution)]
        else:
            raise InputError("level is indicator, dimension or institution", field="level")
    if json_output:
        print_json(records)
        return
    console.print(f"[bold]{scored.round.name}[/] ({scored.framework.key})")
    if level == "indicator":
        console.print(_score_table(records))
        if scored.scores.missing:
            console.print(f"No evidence yet for: {', '.join(scored.scores.missing)}")
        return
    table = Table("institution", "dimension", "score", "95% interval", "indicators", "missing")
    for r in records:
        table.add_row(
            r["institution"],
            r["dimension"] or "(all)",
            _pct(r["score"]),
            f"{_pct(r['low'])}-{_pct(r['high'])}",
            str(len(r["indicators"])),
            str(len(r["missing"])),
        )
    console.print(table)
    console.print("Platform aggregates: importance-weighted means of the indicators they list.")


@app.command("changes")
def changes(
    ctx: typer.Context,
    round_id: RoundArg,
    since: Annotated[
        int | None, typer.Option(help="Compare with this round (default: the previous one).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Change since an earlier round, and whether it exceeds the noise (z-test, 5%)."""
    from peaceops.platform.assessment import change_record

    with reporting_errors():
        base, items = _platform(ctx).assessment.changes(round_id, since=since)
    records = [change_record(c) for c in items]
    if json_output:
        print_json({"since": None if base is None else base.id, "changes": records})
        return
    if base is None:
        console.print("No earlier round of this framework in this country.")
        return
    table = Table("what", "before", "after", "change", "p", "verdict", title=f"Since {base.name}")
    for r in records:
        table.add_row(
            r["key"],
            _pct(r["before"]),
            _pct(r["after"]),
            f"{r['difference']:+.2f}",
            f"{r['p_value']:.3f}",
            r["direction"].replace("_", " "),
        )
    console.print(table)


@app.command("priorities")
def priorities(
    ctx: typer.Context,
    round_id: RoundArg,
    institution: Annotated[str | None, typer.Option(help="Only this institution.")] = None,
    top: Annotated[int, typer.Option(help="How many to show.")] = 15,
    language: LanguageOpt = "en",
    json_output: JsonOpt = False,
) -> None:
    """Weaknesses ranked by distance to target x importance x confidence."""
    from peaceops.platform.assessment import priority_record

    with reporting_errors():
        service = _platform(ctx).assessment
        scored = service.score(round_id)
        items = [p for p in service.priorities(round_id) if institution in (None, p.institution)][
            :top
        ]
    records = [priority_record(scored.framework, p, language) for p in items]
    if json_output:
        print_json(records)
        return
    table = Table("#", "indicator", "institution", "gap", "weight", "confidence", "priority")
    for n, r in enumerate(records, start=1):
        table.add_row(
            str(n),
            f"{r['indicator']} {r['text']}",
            r["institution"],
            _pct(r["gap"]),
            str(r["weight"]),
            _pct(r["confidence"]),
            f"{r['priority']:.3f}",
        )
    console.print(table)


@app.command("report")
def report(
    ctx: typer.Context,
    round_id: RoundArg,
    out: Annotated[Path, typer.Option("--out", help="The .html file to write.")] = Path(
        "assessment-report.html"
    ),
    language: LanguageOpt = "en",
) -> None:
    """Write the round's report: heat map, indicators with intervals, changes, priorities."""
    from peaceops.reports.assessment import render_report
    from peaceops.services.web.i18n import load_catalogues

    with reporting_errors():
        service = _platform(ctx).assessment
        catalogue = load_catalogues().get(language) or load_catalogues()["en"]
        html = render_report(
            service.report_data(round_id, language=language), gettext=catalogue.gettext
        )
        out.write_text(html, encoding="utf-8")
    console.print(f"Wrote {out}")
