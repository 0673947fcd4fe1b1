"""The one exception hierarchy of PeaceOps.

::

    PeaceOpsError
    ├── InputError            bad input: a file, a row, a field, an argument
    │   └── RowErrors         several row-level problems found in one file
    ├── NotFound              the thing asked for does not exist
    ├── AuthenticationError   who you are could not be established
    ├── PermissionDenied      you are known, but may not do this
    ├── ConflictError         the request clashes with what is stored
    └── ConfigError           the settings or the environment are wrong

The web layer maps these to HTTP status codes in one place
(``peaceops.services.web.errors``); the CLI maps them to exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


class PeaceOpsError(Exception):
    """Base class of every error PeaceOps raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in input: where it is and what is wrong."""

    message: str
    source: str | None = None
    line: int | None = None
    field: str | None = None
    item: str | None = None

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(self.source)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.item:
            where.append(self.item)
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


class InputError(PeaceOpsError):
    """Input that PeaceOps cannot accept. The message names the place and the fix."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        item: str | None = None,
    ) -> None:
        self.problem = Problem(message, source=source, line=line, field=field, item=item)
        super().__init__(str(self.problem))


class RowErrors(InputError):
    """Several problems found in one input; nothing was written."""

    def __init__(self, problems: list[Problem], *, source: str | None = None) -> None:
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        head = f"{len(problems)} problem(s) in {source or 'the input'}; nothing was imported:"
        PeaceOpsError.__init__(self, f"{head}\n{shown}{more}")
        self.problem = problems[0] if problems else Problem(head)


class NotFound(PeaceOpsError):
    """The record asked for does not exist."""


class AuthenticationError(PeaceOpsError):
    """The caller could not be identified (bad password, expired session or token)."""


class PermissionDenied(PeaceOpsError):
    """The caller is known but their role does not allow this action."""


class ConflictError(PeaceOpsError):
    """The request clashes with stored data (a duplicate key, a stale version)."""


class ConfigError(PeaceOpsError):
    """The settings or the environment are not usable."""


__all__ = [
    "AuthenticationError",
    "ConfigError",
    "ConflictError",
    "InputError",
    "NotFound",
    "PeaceOpsError",
    "PermissionDenied",
    "Problem",
    "RowErrors",
]
