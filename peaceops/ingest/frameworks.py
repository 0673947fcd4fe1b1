"""Indicator frameworks as data: YAML files (and the XLSX layout the CLI generates).

A framework file is validated in full before use; every problem is reported with its place in
the file (``indicators[3].items[0].scale``) and what is wrong. The frameworks PeaceOps ships
live in ``peaceops/frameworks/*.yaml``.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from peaceops.domain.assessment import (
    Dimension,
    Direction,
    Disaggregation,
    EvidenceSource,
    Framework,
    FrameworkInstitution,
    Indicator,
    Item,
    Measure,
    Scale,
    ScaleValue,
    Thresholds,
)
from peaceops.domain.institutions import InstitutionType
from peaceops.errors import InputError, Problem, RowErrors

LANGUAGES = ("en", "fr")
CODE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$"
PROBLEM_SEPARATOR = "\n"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextModel(_Strict):
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)
    ar: str | None = None


class ScaleValueModel(_Strict):
    value: int
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)


class ScaleModel(_Strict):
    values: list[ScaleValueModel] = Field(min_length=2)

    @field_validator("values")
    @classmethod
    def _distinct(cls, values: list[ScaleValueModel]) -> list[ScaleValueModel]:
        seen = [v.value for v in values]
        if len(set(seen)) != len(seen):
            raise ValueError("scale values must be distinct")
        return values


class InstitutionModel(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    name: TextModel
    types: list[InstitutionType] = Field(min_length=1)


class ThresholdsModel(_Strict):
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsModel:
        if not self.low < self.high:
            raise ValueError("thresholds need low < high (direction says which end is good)")
        return self


class ItemModel(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    source: EvidenceSource
    text: TextModel
    scale: str | None = None
    favourable: list[int] = Field(default_factory=list)
    numerator: TextModel | None = None
    denominator: TextModel | None = None

    @model_validator(mode="after")
    def _fits_source(self) -> ItemModel:
        if self.source.is_survey:
            if not self.scale:
                raise ValueError(f"a {self.source.value} item needs a scale")
            if self.numerator or self.denominator:
                raise ValueError("survey items take a scale, not numerator/denominator")
        elif self.source == EvidenceSource.ADMINISTRATIVE:
            if self.numerator is None:
                raise ValueError("an administrative item needs a numerator")
            if self.scale or self.favourable:
                raise ValueError("administrative items take numerator/denominator, not a scale")
        elif self.scale or self.favourable or self.numerator or self.denominator:
            raise ValueError(f"a {self.source.value} item is a check: give only its text")
        return self


class IndicatorModel(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    institution: str
    dimension: Dimension
    text: TextModel
    direction: Direction
    measure: Measure
    weight: int = Field(2, ge=1, le=3)
    thresholds: ThresholdsModel
    sources: list[EvidenceSource] = Field(min_length=1)
    disaggregations: list[Disaggregation] = Field(default_factory=list)
    items: list[ItemModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorModel:
        declared = set(self.sources)
        for n, item in enumerate(self.items):
            if item.source not in declared:
                raise ValueError(
                    f"items[{n}] ({item.code}) comes from {item.source.value}, "
                    f"which is not among the indicator's sources"
                )
        missing = declared - {i.source for i in self.items}
        if missing:
            raise ValueError(
                "no item measures source(s) " + ", ".join(sorted(s.value for s in missing))
            )
        for n, item in enumerate(self.items):
            where = f"items[{n}] ({item.code})"
            if self.measure in (Measure.SHARE,) and item.source.is_survey and not item.favourable:
                raise ValueError(f"{where}: a share needs the favourable values of its scale")
            if self.measure == Measure.LIKERT_MEAN and not item.source.is_survey:
                raise ValueError(f"{where}: a Likert mean is measured by survey items only")
            if (
                self.measure in (Measure.RATIO, Measure.RATE_PER_100K)
                and item.source != EvidenceSource.ADMINISTRATIVE
            ):
                raise ValueError(f"{where}: ratios and rates come from administrative data")
            if (
                item.source == EvidenceSource.ADMINISTRATIVE
                and self.measure != Measure.YES_NO
                and item.denominator is None
            ):
                raise ValueError(f"{where}: a {self.measure.value} needs a denominator")
            if self.measure == Measure.YES_NO and item.source.is_survey:
                raise ValueError(f"{where}: yes/no indicators are checks or administrative")
        if self.measure in (Measure.SHARE, Measure.YES_NO) and not (
            self.thresholds.low >= 0.0 and self.thresholds.high <= 1.0
        ):
            raise ValueError("thresholds of a share lie between 0 and 1")
        return self


class FrameworkModel(_Strict):
    code: str = Field(pattern=CODE_PATTERN)
    version: str = Field(min_length=1, max_length=32)
    title: TextModel
    description: TextModel
    scales: dict[str, ScaleModel] = Field(min_length=1)
    institutions: list[InstitutionModel] = Field(min_length=1)
    indicators: list[IndicatorModel] = Field(min_length=1)
    format: Literal["peaceops-framework/1"] = "peaceops-framework/1"

    @model_validator(mode="after")
    def _references(self) -> FrameworkModel:
        # Each problem is "path: message" so that ``_problems`` can point at the place.
        problems: list[str] = []
        inst_codes = [i.code for i in self.institutions]
        if len(set(inst_codes)) != len(inst_codes):
            problems.append("institutions: codes must be unique")
        codes: set[str] = set()
        for n, ind in enumerate(self.indicators):
            where = f"indicators[{n}]"
            if ind.code in codes:
                problems.append(f"{where}.code: {ind.code} is used twice")
            codes.add(ind.code)
            if ind.institution not in inst_codes:
                problems.append(f"{where}.institution: unknown institution '{ind.institution}'")
            for m, item in enumerate(ind.items):
                iwhere = f"{where}.items[{m}]"
                if item.code in codes:
                    problems.append(f"{iwhere}.code: {item.code} is used twice")
                codes.add(item.code)
                if item.scale is not None:
                    scale = self.scales.get(item.scale)
                    if scale is None:
                        problems.append(f"{iwhere}.scale: unknown scale '{item.scale}'")
                        continue
                    allowed = {v.value for v in scale.values}
                    wrong = sorted(set(item.favourable) - allowed)
                    if wrong:
                        problems.append(f"{iwhere}.favourable: {wrong} not on scale '{item.scale}'")
        if problems:
            raise ValueError(PROBLEM_SEPARATOR.join(problems))
        return self


def _text(model: TextModel) -> dict[str, str]:
    return {k: v for k, v in model.model_dump().items() if v}


def to_domain(model: FrameworkModel, *, framework_id: int | None = None) -> Framework:
    return Framework(
        code=model.code,
        version=model.version,
        title=_text(model.title),
        description=_text(model.description),
        scales={
            code: Scale(
                code=code,
                values=tuple(ScaleValue(v.value, {"en": v.en, "fr": v.fr}) for v in scale.values),
            )
            for code, scale in model.scales.items()
        },
        institutions=tuple(
            FrameworkInstitution(i.code, _text(i.name), tuple(t.value for t in i.types))
            for i in model.institutions
        ),
        indicators=tuple(
            Indicator(
                code=ind.code,
                institution=ind.institution,
                dimension=ind.dimension,
                text=_text(ind.text),
                direction=ind.direction,
                measure=ind.measure,
                thresholds=Thresholds(ind.thresholds.low, ind.thresholds.high),
                sources=tuple(ind.sources),
                items=tuple(
                    Item(
                        code=it.code,
                        source=it.source,
                        text=_text(it.text),
                        scale=it.scale,
                        favourable=tuple(it.favourable),
                        numerator=_text(it.numerator) if it.numerator else None,
                        denominator=_text(it.denominator) if it.denominator else None,
                    )
                    for it in ind.items
                ),
                weight=ind.weight,
                disaggregations=tuple(ind.disaggregations),
            )
            for ind in model.indicators
        ),
        id=framework_id,
    )


def _problems(exc: ValidationError, source: str) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        message = err["msg"].removeprefix("Value error, ")
        for part in message.split(PROBLEM_SEPARATOR):
            path, sep, text = part.partition(": ")
            if sep and (path.startswith(("indicators[", "institutions"))):
                field = f"{loc}.{path}" if loc else path
                out.append(Problem(text, source=source, field=field))
            else:
                out.append(Problem(part, source=source, field=loc or None))
    return out


def validate(data: Any, *, source: str) -> FrameworkModel:
    """Validate a parsed framework document, raising ``RowErrors`` with every problem."""
    if not isinstance(data, dict):
        raise InputError("a framework file must hold a mapping at its top", source=source)
    try:
        return FrameworkModel.model_validate(data)
    except ValidationError as exc:
        raise RowErrors(_problems(exc, source), source=source) from None


def content_digest(model: FrameworkModel) -> str:
    canonical = json.dumps(model.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_yaml(path: Path) -> FrameworkModel:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {exc}", source=path.name, line=line) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=str(path)) from None
    return validate(data, source=path.name)


def read_framework(path: Path) -> FrameworkModel:
    """A framework from a YAML file or from the XLSX layout of ``write_xlsx``."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_yaml(path)
    if suffix == ".xlsx":
        from peaceops.ingest.framework_xlsx import read_xlsx

        document, where = read_xlsx(path)
        try:
            return validate(document, source=path.name)
        except RowErrors as exc:
            raise RowErrors([_locate(p, where) for p in exc.problems], source=path.name) from None
    raise InputError("a framework is a .yaml or .xlsx file", source=path.name)


def _locate(problem: Problem, where: dict[str, str]) -> Problem:
    """Point a problem found in a workbook's document at its sheet and row."""
    field = problem.field or ""
    best = max((k for k in where if field == k or field.startswith(k + ".")), key=len, default="")
    if not best:
        return problem
    rest = field[len(best) :].lstrip(".")
    return Problem(problem.message, source=problem.source, item=where[best], field=rest or None)


def builtin_paths() -> list[Path]:
    """The frameworks shipped in the package."""
    folder = resources.files("peaceops") / "frameworks"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_frameworks() -> list[FrameworkModel]:
    return [read_yaml(p) for p in builtin_paths()]
