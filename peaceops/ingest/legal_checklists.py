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

from pydantic import Field, model_validator

from peaceops.domain.institutions import InstitutionType
from peaceops.domain.legal import Checklist, InstrumentType, Provision, Standard
from peaceops.errors import InputError
from peaceops.ingest.yaml_models import KEY, Strict, Text, keyed_location, load_yaml, validated

FORMAT = "peaceops-legal-checklist/1"
BUILTIN = Path(__file__).resolve().parents[1] / "frameworks" / "legal"


class _Standard(Strict):
    key: str = Field(pattern=KEY, max_length=60)
    title: Text


class _Provision(Strict):
    key: str = Field(pattern=KEY, max_length=60)
    text: Text
    look_for: Text
    standards: list[str] = Field(min_length=1)


class _Feed(Strict):
    framework: str = Field(pattern=KEY, max_length=60)
    item: str = Field(min_length=1, max_length=40)


class _Checklist(Strict):
    format: str
    code: str = Field(pattern=KEY, max_length=60)
    version: str = Field(min_length=1, max_length=20)
    title: Text
    description: Text
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
    return keyed_location(
        data, loc, {"provisions": "provision", "standards": "standard"}, "checklist"
    )


def validate(data: Any, *, source: str) -> Checklist:
    """A checklist from parsed YAML, or ``RowErrors`` naming every problem."""
    model = validated(_Checklist, data, source=source, what="checklist", where=_where)
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
    return validate(load_yaml(path), source=path.name)


@cache
def builtin_checklists() -> tuple[Checklist, ...]:
    """The checklists shipped with PeaceOps, by code."""
    found = tuple(read_checklist(p) for p in sorted(BUILTIN.glob("*.yaml")))
    codes = [c.code for c in found]
    if len(set(codes)) != len(codes):
        raise InputError("two built-in checklists share a code", source=str(BUILTIN))
    return found
