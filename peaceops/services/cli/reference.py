"""The command-line reference, generated from the commands' own help."""

from __future__ import annotations

from typing import Any

import typer.main


def cli_reference() -> str:
    from peaceops.services.cli.app import app

    root = typer.main.get_command(app)
    parts = [
        "# Command-line reference",
        "",
        "Generated from the commands' help by `peaceops reference cli`; do not edit.",
        "",
    ]

    def walk(command: Any, path: list[str]) -> None:
        name = " ".join(path)
        # Typer vendors its own click: use the command's own context class, and duck typing.
        ctx = command.context_class(
            command, info_name=name, terminal_width=100, max_content_width=100
        )
        parts.extend([f"## `{name}`", "", "```", command.get_help(ctx).rstrip(), "```", ""])
        if hasattr(command, "list_commands"):
            for sub in sorted(command.list_commands(ctx)):
                child = command.get_command(ctx, sub)
                if child is not None and not child.hidden:
                    walk(child, [*path, sub])

    walk(root, ["peaceops"])
    return "\n".join(parts)
