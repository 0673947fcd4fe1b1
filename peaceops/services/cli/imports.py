"""``peaceops import``: bring outside data in, all or nothing, idempotently."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from peaceops.services.cli.context import console, print_json, reporting_errors, state

app = typer.Typer(
    help="Import data files (boundaries, reference codes, events).", no_args_is_help=True
)

FileArg = Annotated[
    Path, typer.Argument(help="The file to import.", exists=True, dir_okay=False, readable=True)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]


def _show(report: dict[str, Any], *, json_output: bool) -> None:
    if json_output:
        print_json(report)
        return
    table = Table(
        "created", "updated", "unchanged", "skipped", title=f"Imported {report['source']}"
    )
    table.add_row(*(str(report[k]) for k in ("created", "updated", "unchanged", "skipped")))
    console.print(table)
    shown = report["warnings"][:20]
    for warning in shown:
        console.print(f"warning: {warning}", style="yellow", markup=False, soft_wrap=True)
    if len(report["warnings"]) > len(shown):
        console.print(
            f"... and {len(report['warnings']) - len(shown)} more warnings (--json lists them all)"
        )


@app.command("boundaries")
def boundaries(
    ctx: typer.Context,
    file: FileArg,
    level: Annotated[int, typer.Option(help="Admin level: 1 (regions) or 2 (districts).")] = 1,
    country: Annotated[
        str | None,
        typer.Option(help="ISO3 country code; other countries' features are skipped."),
    ] = None,
    name_field: Annotated[str | None, typer.Option(help="Property holding the name.")] = None,
    code_field: Annotated[
        str | None, typer.Option(help="Property holding the P-code or code.")
    ] = None,
    parent_field: Annotated[
        str | None, typer.Option(help="Property holding the parent area's code.")
    ] = None,
    country_field: Annotated[
        str | None, typer.Option(help="Property holding the country code.")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import admin boundaries from GeoJSON (Natural Earth, geoBoundaries, OCHA COD layouts).

    Every feature is checked first; one bad feature imports nothing and the error names the
    feature and the property. Importing the same file again changes nothing.
    """
    from peaceops.domain.access import Principal

    with reporting_errors(), console.status(f"Importing {file.name}"):
        platform = state(ctx).platform()
        report = platform.places.import_boundaries(
            file,
            level=level,
            country=country,
            name_field=name_field,
            code_field=code_field,
            parent_field=parent_field,
            country_field=country_field,
            by=Principal.system(f"cli:{getpass.getuser()}"),
        )
    _show(report.as_dict(), json_output=json_output)


@app.command("country-codes")
def country_codes(ctx: typer.Context, file: FileArg, json_output: JsonOpt = False) -> None:
    """Import Gleditsch-Ward country codes (also UCDP country ids) from a GW-to-ISO CSV."""
    from peaceops.domain.access import Principal

    with reporting_errors():
        platform = state(ctx).platform()
        report = platform.places.import_country_codes(
            file, by=Principal.system(f"cli:{getpass.getuser()}")
        )
    _show(report.as_dict(), json_output=json_output)


@app.command("ucdp-ged")
def ucdp_ged(
    ctx: typer.Context,
    file: FileArg,
    version: Annotated[
        str | None, typer.Option(help="GED version, e.g. 25.1 (default: from the file name).")
    ] = None,
    candidate: Annotated[
        bool, typer.Option("--candidate", help="A UCDP Candidate (monthly) file.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Import UCDP GED events (CSV of any version, or the GeoJSON variant).

    Rows breaking low <= best <= high, with impossible dates or coordinates, are reported with
    their line and UCDP id; the rest import. Re-importing the same file changes nothing.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from peaceops.domain.access import Principal
    from peaceops.domain.events import EventSource
    from peaceops.ingest.ucdp_ged import count_rows

    with reporting_errors():
        platform = state(ctx).platform()
        with Progress(
            TextColumn(f"Importing {file.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=json_output,
        ) as bar:
            task = bar.add_task("import", total=count_rows(file))
            report = platform.events.import_ucdp_ged(
                file,
                version=version,
                by=Principal.system(f"cli:{getpass.getuser()}"),
                kind=EventSource.UCDP_CANDIDATE if candidate else EventSource.UCDP_GED,
                progress=lambda n: bar.update(task, completed=n),
            )
    _show(report.as_dict(), json_output=json_output)


@app.command("governance")
def governance(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A governance index CSV, or a folder searched recursively for them.",
            exists=True,
            file_okay=True,
            dir_okay=True,
            readable=True,
        ),
    ],
    json_output: JsonOpt = False,
) -> None:
    """Import governance indices as country-year context: WGI, WJP, BTI, V-Dem, FSI.

    The kind of file is told from its header, not its name. Empty and NA cells count as
    missing; values that are not numbers, impossible years and countries that cannot be mapped
    are reported with file, line and column, and the good rows import. In a folder, CSV files
    of other kinds are skipped with a warning. Re-importing the same file changes nothing.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from peaceops.domain.access import Principal
    from peaceops.ingest.governance import count_rows, detect, find_files

    with reporting_errors():
        platform = state(ctx).platform()
        files = find_files(path)[0] if path.is_dir() else [(path, detect(path))]
        with Progress(
            TextColumn(f"Importing {path.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=json_output,
        ) as bar:
            task = bar.add_task("import", total=sum(count_rows(f) for f, _ in files))
            report = platform.context.import_indices(
                path,
                by=Principal.system(f"cli:{getpass.getuser()}"),
                progress=lambda n: bar.update(task, completed=n),
            )
    data = report.as_dict()
    if not json_output and data.get("files"):
        from rich.table import Column

        counts = ("created", "updated", "unchanged", "skipped", "missing")
        table = Table(Column("file", overflow="fold"), "source", *counts)
        for part in data["files"]:
            table.add_row(
                part["source"],
                str(part["index"]),
                *(str(part[k]) for k in counts),
            )
        console.print(table)
    _show(data, json_output=json_output)
    if not json_output:
        console.print(
            f"{data['missing']} empty or NA cells (missing data, not errors); "
            f"{data['seconds']:.1f} s"
        )


@app.command("iati")
def iati(
    ctx: typer.Context,
    file: FileArg,
    schema: Annotated[
        Path | None,
        typer.Option(
            help="Folder holding the IATI 2.03 schema (iati-activities-schema.xsd); when given, "
            "every 2.0x activity is validated and invalid ones are reported and skipped.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import IATI activity XML (2.01-2.03; legacy 1.0x best effort), streamed.

    Participating organisations are matched to actors by name, acronym, variant or IATI
    identifier; DAC sectors imply capability areas. Elements PeaceOps does not map are listed.
    Re-importing the same file changes nothing.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from peaceops.domain.access import Principal

    with reporting_errors():
        platform = state(ctx).platform()
        with Progress(
            SpinnerColumn(),
            TextColumn(f"Importing {file.name}: {{task.completed}} activities read"),
            console=console,
            transient=True,
            disable=json_output,
        ) as bar:
            task = bar.add_task("import", total=None)
            report = platform.coordination.import_iati(
                file,
                schema_folder=schema,
                by=Principal.system(f"cli:{getpass.getuser()}"),
                progress=lambda n: bar.update(task, completed=n),
            )
    _show(report.as_dict(), json_output=json_output)


@app.command("3w")
def three_w(
    ctx: typer.Context,
    file: FileArg,
    country: Annotated[
        str | None, typer.Option(help="ISO3 country of rows that do not name one.")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import a "who does what where" sheet: HXL-tagged CSV or XLSX (#org+impl, #org+funder,
    #sector, #adm1+name, #date+start ...), or the IATI-3W JSON layout with its lookups.

    Rows with bad dates, money or codes are reported with their line and column; the rest
    import. Re-importing the same file changes nothing.
    """
    from peaceops.domain.access import Principal

    with reporting_errors(), console.status(f"Importing {file.name}"):
        platform = state(ctx).platform()
        report = platform.coordination.import_3w(
            file, country=country, by=Principal.system(f"cli:{getpass.getuser()}")
        )
    _show(report.as_dict(), json_output=json_output)


@app.command("trainings")
def trainings(ctx: typer.Context, file: FileArg, json_output: JsonOpt = False) -> None:
    """Import a training register workbook (courses, sessions, participants sheets; the
    layout 'peaceops export training-template' writes). Names are encrypted at rest."""
    from peaceops.domain.access import Principal

    with reporting_errors(), console.status(f"Importing {file.name}"):
        platform = state(ctx).platform()
        report = platform.trainings.import_register(
            file, by=Principal.system(f"cli:{getpass.getuser()}")
        )
    _show(report.as_dict(), json_output=json_output)


@app.command("xlsform")
def xlsform(
    ctx: typer.Context,
    file: FileArg,
    country: Annotated[str, typer.Option(help="ISO3 country the survey is fielded in.")],
    json_output: JsonOpt = False,
) -> None:
    """Load a perception-survey questionnaire from an XLSForm (survey, choices, settings and
    the optional 'peaceops' sheet of design roles and framework items), validated with pyxform.

    The same file again changes nothing; a changed form needs a new version in its settings.
    """
    from peaceops.domain.access import Principal

    with reporting_errors(), console.status(f"Reading {file.name}"):
        platform = state(ctx).platform()
        survey, created = platform.surveys.load_form(
            file, country=country, by=Principal.system(f"cli:{getpass.getuser()}")
        )
    form = survey.form
    summary = {
        "survey": survey.id,
        "form_id": form.form_id,
        "version": form.version,
        "created": created,
        "questions": len(form.questions),
        "repeats": list(form.repeats),
        "languages": list(form.languages),
        "roles": {k: v.value for k, v in form.roles.items()},
        "items": {m.question: m.item_code for m in form.items},
    }
    if json_output:
        print_json(summary)
        return
    verb = "Loaded" if created else "Already loaded:"
    console.print(
        f"{verb} {form.form_id} version {form.version} (survey {survey.id}): "
        f"{len(form.questions)} questions, repeats {', '.join(form.repeats) or 'none'}, "
        f"languages {', '.join(form.languages) or 'default only'}, "
        f"{len(form.items)} questions mapped to framework items"
    )


@app.command("submissions")
def submissions(
    ctx: typer.Context,
    survey: Annotated[str, typer.Argument(help="Survey id or form id (its latest version).")],
    file: FileArg,
    wave: Annotated[str, typer.Option(help="The wave (round of fieldwork) they belong to.")],
    start: Annotated[
        str | None, typer.Option(help="First day of fieldwork (YYYY-MM-DD), for a new wave.")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Last day of fieldwork (YYYY-MM-DD), for a new wave.")
    ] = None,
    round_id: Annotated[
        int | None,
        typer.Option(
            "--round", help="Assessment round the mapped answers feed (public-survey evidence)."
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import submissions exported from KoboToolbox or ODK Central (CSV with ';' or ',', XLSX
    with repeat sheets, JSON, or ODK Central's CSV zip) into a wave of a survey.

    Unknown choices, wrong types and broken repeat links are reported by line and column and
    the rest imports. Names, phone numbers and GPS points are encrypted at rest. Importing the
    same export again changes nothing.
    """
    from datetime import date

    from peaceops.domain.access import Principal
    from peaceops.errors import InputError

    by = Principal.system(f"cli:{getpass.getuser()}")
    with reporting_errors(), console.status(f"Importing {file.name}"):
        platform = state(ctx).platform()
        known = {w.name for w in platform.surveys.waves(survey)}
        if wave not in known or start or end or round_id is not None:
            if wave not in known and not (start and end):
                raise InputError(
                    f"wave {wave!r} is new: give its fieldwork period with --start and --end",
                    field="wave",
                )
            current = platform.surveys.wave(survey, wave) if wave in known else None
            try:
                first = date.fromisoformat(start) if start else current.period_start  # type: ignore[union-attr]
                last = date.fromisoformat(end) if end else current.period_end  # type: ignore[union-attr]
            except ValueError as exc:
                raise InputError(f"{exc}: write dates as YYYY-MM-DD", field="start/end") from exc
            platform.surveys.save_wave(
                survey,
                wave,
                period_start=first,
                period_end=last,
                round_id=round_id
                if round_id is not None
                else (current.round_id if current else None),
                by=by,
            )
        report = platform.surveys.import_submissions(survey, file, wave=wave, by=by)
    _show(report.as_dict(), json_output=json_output)


@app.command("geopko")
def geopko(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="Geo-PKO location-month CSV, a FrontMap_v.2.3.csv (TTMap and TCCMap beside it "
            "are joined), or a folder holding the map files.",
            exists=True,
            file_okay=True,
            dir_okay=True,
            readable=True,
        ),
    ],
    mission: Annotated[
        str | None, typer.Option(help="Import only this mission (acronym, e.g. MINUSCA).")
    ] = None,
    country: Annotated[
        str | None, typer.Option(help="Import only places in this country (ISO3 code).")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import Geo-PKO peacekeeping deployments: troops, unit types and contributing countries
    by mission, place and month (location-month file) or year (v2.3 map files).

    The kind of file is told from its header. Impossible years or months, unreadable or
    off-Earth coordinates and negative troop counts are reported with file, line and column;
    the rest import. Places fall in stored admin areas when the country's boundaries are
    loaded. Re-importing the same file changes nothing.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from peaceops.domain.access import Principal
    from peaceops.ingest.geopko import count_rows

    with reporting_errors():
        platform = state(ctx).platform()
        with Progress(
            TextColumn(f"Importing {path.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
            disable=json_output,
        ) as bar:
            task = bar.add_task("import", total=count_rows(path))
            report = platform.deployments.import_geopko(
                path,
                mission=mission,
                country=country,
                by=Principal.system(f"cli:{getpass.getuser()}"),
                progress=lambda n: bar.update(task, completed=n),
            )
    data = report.as_dict()
    _show(data, json_output=json_output)
    if not json_output:
        console.print(
            f"{data['rows']} rows read ({data['kind']}), {data['records']} records, "
            f"{data['filtered']} rows of other missions or countries, {data['located']} placed "
            f"in stored admin areas; {data['seconds']:.1f} s"
        )


@app.command("un-missions")
def un_missions(
    ctx: typer.Context,
    file: FileArg,
    crosswalk: Annotated[
        Path | None,
        typer.Option(
            help="Workbook mapping mission_acronym to iso3c (host countries; one row each).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Import the UN peacekeeping missions list (UN Peace and Security Data Hub,
    DPPADPOSS-PKO.csv) as missions, with host countries from the crosswalk.

    Missions are matched on acronym: stored ones are updated where the list differs (their
    mandates are kept). Rows without a start date and countries not in the database are
    reported. Re-importing the same list changes nothing.
    """
    from peaceops.domain.access import Principal

    with reporting_errors(), console.status(f"Importing {file.name}"):
        platform = state(ctx).platform()
        report = platform.deployments.import_un_missions(
            file, crosswalk=crosswalk, by=Principal.system(f"cli:{getpass.getuser()}")
        )
    _show(report.as_dict(), json_output=json_output)


@app.command("incidents")
def incidents(
    ctx: typer.Context,
    file: FileArg,
    country: Annotated[str, typer.Option(help="ISO3 code of the country of the log.")],
    json_output: JsonOpt = False,
) -> None:
    """Import an incident log (CSV; 'peaceops incidents template' writes one). Bad rows are
    reported by line and column and left out; reports already imported are left as they are.
    """
    from peaceops.services.cli.incidents import import_file

    import_file(ctx, file, country.upper(), json_output=json_output)
