"""``peaceops report``: reports written to files (HTML or PDF, English or French)."""

from __future__ import annotations

import getpass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from peaceops.services.cli.context import console, reporting_errors, state

app = typer.Typer(help="Reports for a country and period, as HTML or PDF.", no_args_is_help=True)

# The context's steps, then rendering: what the progress bar counts.
STEPS = ("assessment", "forecasts", "programmes", "community voice", "transition", "rendering")


class Format(StrEnum):
    HTML = "html"
    PDF = "pdf"


class Language(StrEnum):
    EN = "en"
    FR = "fr"


def _by() -> Any:
    from peaceops.domain.access import Principal

    return Principal.system(f"cli:{getpass.getuser()}")


@app.command("mission")
def mission(
    ctx: typer.Context,
    country: Annotated[str, typer.Option("--country", help="ISO3 code of the country.")],
    period: Annotated[
        str,
        typer.Option(
            "--period", help="A year (2026), half (2026H1), quarter (2026Q2) or month (2026-06)."
        ),
    ],
    output_format: Annotated[
        Format, typer.Option("--format", help="html (one self-contained page) or pdf.")
    ] = Format.PDF,
    language: Annotated[
        Language, typer.Option("--lang", help="Language of the report.")
    ] = Language.EN,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: mission-ISO3-PERIOD-LANG.FORMAT)."),
    ] = None,
) -> None:
    """Write the mission report: executive summary, institutions, coordination, community
    voice, security outlook and transition benchmarks, on the evidence known at the end of
    the period."""
    from peaceops.reports.mission import render_html, render_pdf
    from peaceops.services.web.i18n import load_catalogues

    target = out or Path(
        f"mission-{country.upper()}-{period.upper()}-{language.value}.{output_format.value}"
    )
    with reporting_errors():
        platform = state(ctx).platform()
        catalogue = load_catalogues()[language.value]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("report", total=len(STEPS))

            def step(name: str) -> None:
                bar.update(task, advance=1, description=f"report: {name}")

            context = platform.reports.mission_context(
                country, period, by=_by(), language=language.value, progress=step
            )
            step("rendering")
            gettext, ngettext = catalogue.gettext, catalogue.translations.ngettext
            if output_format == Format.PDF:
                target.write_bytes(render_pdf(context, gettext=gettext, ngettext=ngettext))
            else:
                html = render_html(context, gettext=gettext, ngettext=ngettext)
                target.write_text(html, encoding="utf-8")
    console.print(f"Wrote {target}", markup=False)
