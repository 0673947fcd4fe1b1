"""Standards checklists for legislation: YAML files in ``peaceops/frameworks/legal`` (or a
user's own), each listing what international practice expects a law of one kind to contain.

The layout (``format: peaceops-legal-checklist/1``) is validated strictly: an unknown key, a
missing French text, a provision citing a standard the file does not list, or a repeated key is
refused with the file, the provision and the field named, and nothing is loaded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from peaceops.domain.institutions import InstitutionType
from peaceops.domain.legal import Checklist, InstrumentType, Provision, Standard
from peaceops.errors import InputError, Problem, RowErrors

FORMAT = "peaceops-legal-checklist/1"
BUILTIN = Path(__file__).resolve().parents[1] / "frameworks" / "legal"
_KEY = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Text(_Strict):
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)
    ar: str | None = Field(default=None, min_length=1)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v}


class _Standard(_Strict):
    key: str = Field(pattern=_KEY, max_length=60)
    title: _Text


class _Provision(_Strict):
    key: str = Field(pattern=_KEY, max_length=60)
    text: _Text
    look_for: _Text
    standards: list[str] = Field(min_length=1)


class _Feed(_Strict):
    framework: str = Field(pattern=_KEY, max_length=60)
    item: str = Field(min_length=1, max_length=40)


class _Checklist(_Strict):
    format: str
    code: str = Field(pattern=_KEY, max_length=60)
    version: str = Field(min_length=1, max_length=20)
    title: _Text
    description: _Text
    instrument_types: list[InstrumentType] = Field(min_length=1)
    institution_types: list[InstitutionType] = Field(min_length=1)
    standards: list[_Standard] = Field(min_length=1)
    provisions: list[_Provision] = Field(min_length=1)
    feeds: list[_Feed] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> _Checklist:
        if self.format != FORMAT:
            raise ValueError(f"format must be '{FORMAT}', not '{self.format}'")
        for kind, keys in (
            ("standard", [s.key for s in self.standards]),
            ("provision", [p.key for p in self.provisions]),
        ):
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(f"{kind} key(s) {', '.join(repeated)} appear more than once")
        known = {s.key for s in self.standards}
        for p in self.provisions:
            unknown = [k for k in p.standards if k not in known]
            if unknown:
                raise ValueError(
                    f"provision '{p.key}' cites {', '.join(unknown)}, not in the standards list"
                )
        return self


def _where(data: Any, loc: tuple[Any, ...]) -> tuple[str | None, str]:
    """(item, field) for a validation error: the provision or standard named by its key."""
    if len(loc) >= 2 and loc[0] in ("provisions", "standards") and isinstance(loc[1], int):
        try:
            key = data[loc[0]][loc[1]].get("key", f"#{loc[1] + 1}")
        except (KeyError, IndexError, TypeError, AttributeError):
            key = f"#{loc[1] + 1}"
        kind = "provision" if loc[0] == "provisions" else "standard"
        return f"{kind} '{key}'", ".".join(str(p) for p in loc[2:]) or loc[0]
    return None, ".".join(str(p) for p in loc) or "checklist"


def validate(data: Any, *, source: str) -> Checklist:
    """A checklist from parsed YAML, or ``RowErrors`` naming every problem."""
    if not isinstance(data, dict):
        raise InputError("a checklist is a YAML mapping", source=source)
    try:
        model = _Checklist.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            item, field = _where(data, tuple(error["loc"]))
            problems.append(Problem(error["msg"], source=source, item=item, field=field))
        raise RowErrors(problems, source=source) from None
    return Checklist(
        code=model.code,
        version=model.version,
        title=model.title.as_dict(),
        description=model.description.as_dict(),
        instrument_types=tuple(model.instrument_types),
        institution_types=tuple(model.institution_types),
        standards=tuple(Standard(s.key, s.title.as_dict()) for s in model.standards),
        provisions=tuple(
            Provision(p.key, p.text.as_dict(), p.look_for.as_dict(), tuple(p.standards))
            for p in model.provisions
        ),
        feeds=tuple((f.framework, f.item) for f in model.feeds),
    )


def read_checklist(path: Path) -> Checklist:
    """One checklist file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=path.name) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(
            f"not valid YAML: {exc}", source=path.name, line=line + 1 if line is not None else None
        ) from None
    return validate(data, source=path.name)


@cache
def builtin_checklists() -> tuple[Checklist, ...]:
    """The checklists shipped with PeaceOps, by code."""
    found = tuple(read_checklist(p) for p in sorted(BUILTIN.glob("*.yaml")))
    codes = [c.code for c in found]
    if len(set(codes)) != len(codes):
        raise InputError("two built-in checklists share a code", source=str(BUILTIN))
    return found
