"""``peaceops reference``: write the generated reference pages (the CLI and the settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peaceops.services.cli.context import console

app = typer.Typer(help="Generate reference documentation from the code.", no_args_is_help=True)


@app.command("settings")
def settings(
    out: Annotated[Path, typer.Option(help="Where to write.")] = Path("docs/reference/settings.md"),
) -> None:
    """Write the settings table (docs/reference/settings.md)."""
    from peaceops.config import settings_reference

    out.write_text(settings_reference(), encoding="utf-8")
    console.print(f"Wrote {out}.")


@app.command("cli")
def cli(
    out: Annotated[Path, typer.Option(help="Where to write.")] = Path("docs/reference/cli.md"),
) -> None:
    """Write the command-line reference (docs/reference/cli.md)."""
    from peaceops.services.cli.reference import cli_reference

    out.write_text(cli_reference(), encoding="utf-8")
    console.print(f"Wrote {out}.")
