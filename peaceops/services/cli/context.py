"""What every command shares: settings, the platform, output helpers and exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from peaceops.errors import (
    AuthenticationError,
    ConfigError,
    ConflictError,
    InputError,
    NotFound,
    PeaceOpsError,
    PermissionDenied,
)

if TYPE_CHECKING:
    from peaceops.config import Settings
    from peaceops.platform import Platform

# Exit codes a script can rely on (2 is Typer's own for a wrong command line).
EXIT_CODES: dict[type[PeaceOpsError], int] = {
    InputError: 3,
    NotFound: 4,
    PermissionDenied: 5,
    AuthenticationError: 5,
    ConflictError: 6,
    ConfigError: 7,
}

console = Console(stderr=False, highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class State:
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _platform: Platform | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from peaceops.config import load_settings

            self._settings = load_settings(**self.overrides)
        return self._settings

    def platform(self, *, migrate: bool = False) -> Platform:
        if self._platform is None:
            from peaceops.platform import Platform

            self._platform = Platform(self.settings)
            if migrate:
                self._platform.upgrade()
            elif not self._platform.is_current():
                raise ConfigError(
                    "the database is not at the current schema version; run "
                    "'peaceops db upgrade' (or 'peaceops init' for a new database)"
                )
        return self._platform


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    if not isinstance(obj, State):
        obj = State()
        ctx.find_root().obj = obj
    return obj


def fail(error: PeaceOpsError) -> NoReturn:
    code = next((c for t, c in EXIT_CODES.items() if isinstance(error, t)), 1)
    err_console.print(f"[bold red]Error:[/] {error}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn PeaceOps errors into a clear message on stderr and a meaningful exit code."""
    try:
        yield
    except PeaceOpsError as error:
        fail(error)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
