"""What the YAML readers of frameworks-as-data share: strict pydantic models, texts in the
working languages, reading a file with its line named, and validation errors named by the
keyed item they concern ("provision 'oversight'", "benchmark 'police', condition 'trained'")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from peaceops.errors import InputError, Problem, RowErrors

KEY = r"^[a-z][a-z0-9_]*$"
"""The pattern of keys in these files: lower-case words joined by underscores."""

M = TypeVar("M", bound=BaseModel)


class Strict(BaseModel):
    """Unknown keys are refused, so a misspelt field is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in English and French (both required) and Arabic (optional)."""

    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)
    ar: str | None = Field(default=None, min_length=1)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


def parse_yaml(text: str, *, source: str) -> Any:
    """Parsed YAML text, or ``InputError`` naming the source and the line of the error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            f"not valid YAML: {exc}", source=source, line=line + 1 if line is not None else None
        ) from None


def load_yaml(path: Path) -> Any:
    """The parsed file, or ``InputError`` naming the file (and the line of a syntax error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=path.name) from None
    return parse_yaml(text, source=path.name)


def keyed_location(
    data: Any, loc: tuple[Any, ...], lists: Mapping[str, str], whole: str
) -> tuple[str | None, str]:
    """(item, field) of a validation error at ``loc``: each step into a list named in
    ``lists`` (list field -> what one entry is called) is named by the entry's ``key``."""
    parts: list[str] = []
    rest = list(loc)
    node = data
    while len(rest) >= 2 and rest[0] in lists and isinstance(rest[1], int):
        try:
            node = node[rest[0]][rest[1]]
            key = node.get("key", f"#{rest[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            node, key = None, f"#{rest[1] + 1}"
        field = lists[rest[0]]
        parts.append(f"{field} '{key}'")
        rest = rest[2:]
    if not parts:
        return None, ".".join(str(p) for p in loc) or whole
    return ", ".join(parts), ".".join(str(p) for p in rest) or field


def validated(
    model: type[M],
    data: Any,
    *,
    source: str,
    what: str,
    where: Callable[[Any, tuple[Any, ...]], tuple[str | None, str]],
) -> M:
    """``model`` validated from ``data``, or ``RowErrors`` with every problem located."""
    if not isinstance(data, dict):
        raise InputError(f"a {what} is a YAML mapping", source=source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            item, field = where(data, tuple(error["loc"]))
            problems.append(Problem(error["msg"], source=source, item=item, field=field))
        raise RowErrors(problems, source=source) from None
