"""Transition benchmark sets: YAML files (``format: peaceops-benchmarks/1``) such as the
template in ``peaceops/frameworks/transition``, validated strictly. An unknown key, a missing
French text, a threshold out of range, a forecast condition that is not a ceiling, or a repeated
key is refused naming the file, the benchmark or condition, and the field."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from peaceops.domain.transition import (
    Benchmark,
    BenchmarkSet,
    Condition,
    ConditionKind,
    Direction,
)
from peaceops.ingest.yaml_models import (
    KEY,
    Strict,
    Text,
    keyed_location,
    load_yaml,
    parse_yaml,
    validated,
)

FORMAT = "peaceops-benchmarks/1"
BUILTIN = Path(__file__).resolve().parents[1] / "frameworks" / "transition"
SHARES = frozenset(
    {
        ConditionKind.INDICATOR_SCORE,
        ConditionKind.DIMENSION_SCORE,
        ConditionKind.FORECAST_RISK,
        ConditionKind.COMPLAINTS_RESOLVED,
        ConditionKind.GAPS_FUNDED,
        ConditionKind.SITES_HANDED_OVER,
    }
)
"""Condition kinds measured as a share or score between 0 and 1."""


class _Condition(Strict):
    key: str = Field(pattern=KEY, max_length=60)
    kind: ConditionKind
    threshold: float = Field(ge=0)
    direction: Direction = Direction.AT_LEAST
    target: str = Field(default="", max_length=80)
    months: int = Field(default=1, ge=1, le=36)
    label: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _Condition:
        if self.kind in SHARES and self.threshold > 1:
            raise ValueError(f"a {self.kind.value} threshold is a share between 0 and 1")
        if self.kind == ConditionKind.FORECAST_RISK and self.direction != Direction.AT_MOST:
            raise ValueError("a forecast-risk condition is a ceiling: direction at_most")
        if self.kind in (ConditionKind.INDICATOR_SCORE, ConditionKind.DIMENSION_SCORE) and not (
            self.target
        ):
            raise ValueError("name the indicator or institution/dimension in target")
        return self


class _Benchmark(Strict):
    key: str = Field(pattern=KEY, max_length=60)
    statement: Text
    institution: str = Field(default="", max_length=60)
    area: str = Field(default="", max_length=40)
    conditions: list[_Condition] = Field(min_length=1)


class _Set(Strict):
    format: str
    code: str = Field(pattern=KEY, max_length=60)
    version: str = Field(min_length=1, max_length=20)
    title: Text
    target_date: date
    benchmarks: list[_Benchmark] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> _Set:
        if self.format != FORMAT:
            raise ValueError(f"format must be '{FORMAT}', not '{self.format}'")
        keys = [b.key for b in self.benchmarks]
        conditions = [c.key for b in self.benchmarks for c in b.conditions]
        for kind, found in (("benchmark", keys), ("condition", conditions)):
            repeated = sorted({k for k in found if found.count(k) > 1})
            if repeated:
                raise ValueError(f"{kind} key(s) {', '.join(repeated)} appear more than once")
        return self


def _where(data: Any, loc: tuple[Any, ...]) -> tuple[str | None, str]:
    return keyed_location(data, loc, {"benchmarks": "benchmark", "conditions": "condition"}, "set")


def validate(data: Any, *, source: str) -> BenchmarkSet:
    model = validated(_Set, data, source=source, what="benchmark set", where=_where)
    return BenchmarkSet(
        code=model.code,
        version=model.version,
        title=model.title.as_dict(),
        target_date=model.target_date,
        benchmarks=tuple(
            Benchmark(
                key=b.key,
                statement=b.statement.as_dict(),
                institution=b.institution,
                area=b.area,
                conditions=tuple(
                    Condition(
                        key=c.key,
                        kind=c.kind,
                        threshold=c.threshold,
                        direction=c.direction,
                        target=c.target,
                        months=c.months,
                        label=c.label.as_dict() if c.label else {},
                    )
                    for c in b.conditions
                ),
            )
            for b in model.benchmarks
        ),
    )


def read_benchmarks(path: Path) -> BenchmarkSet:
    return validate(load_yaml(path), source=path.name)


def read_benchmarks_text(text: str, *, source: str = "upload") -> BenchmarkSet:
    """A set from YAML text (an upload, a request body)."""
    return validate(parse_yaml(text, source=source), source=source)


@cache
def builtin_benchmark_sets() -> tuple[BenchmarkSet, ...]:
    """The template sets shipped with PeaceOps."""
    return tuple(read_benchmarks(p) for p in sorted(BUILTIN.glob("*.yaml")))


def benchmarks_yaml(s: BenchmarkSet) -> str:
    """A set as the YAML this module reads: to edit and import as a new version."""
    import yaml

    def text(t: dict[str, str]) -> dict[str, str]:
        return {k: t[k] for k in ("en", "fr", "ar") if t.get(k)}

    data: dict[str, Any] = {
        "format": FORMAT,
        "code": s.code,
        "version": s.version,
        "title": text(s.title),
        "target_date": s.target_date,
        "benchmarks": [
            {
                "key": b.key,
                "statement": text(b.statement),
                **({"institution": b.institution} if b.institution else {}),
                **({"area": b.area} if b.area else {}),
                "conditions": [
                    {
                        "key": c.key,
                        "kind": c.kind.value,
                        **({"target": c.target} if c.target else {}),
                        "threshold": c.threshold,
                        **(
                            {"direction": c.direction.value}
                            if c.direction != Direction.AT_LEAST
                            else {}
                        ),
                        **({"months": c.months} if c.months != 1 else {}),
                        **({"label": text(c.label)} if c.label else {}),
                    }
                    for c in b.conditions
                ],
            }
            for b in s.benchmarks
        ],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
