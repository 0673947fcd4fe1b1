"""Perception surveys: questionnaires (XLSForm), waves of fieldwork and their submissions.

A questionnaire is an XLSForm, the format KoboToolbox, ODK and SurveyCTO share. PeaceOps
reads the standard sheets (``survey``, ``choices``, ``settings``) and one sheet of its own,
``peaceops``, which the collection tools ignore: it says which questions carry the design
(weight, stratum, cluster), the breakdowns (area, sex, age), personal data (names, phone
numbers, exact GPS) and which questions measure which framework item of an assessment.

Personal answers are split from the rest when a submission is stored: they are encrypted at
rest and shown only to survey administrators; everyone else sees the answers, with any GPS
point replaced by the admin area it falls in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

# A text in the form's languages: {"en": "...", "fr": "..."}; "" is the form's default label.
Text = dict[str, str]


def text_in(text: Text, language: str) -> str:
    """The label in ``language``, else English, else the default label, else any."""
    return text.get(language) or text.get("en") or text.get("") or next(iter(text.values()), "")


class FieldRole(StrEnum):
    """What a question means to PeaceOps beyond its answers (the ``peaceops`` sheet)."""

    PERSONAL = "personal"
    """A name, a phone number, any identifying answer: encrypted, administrators only."""
    LOCATION = "location"
    """An exact GPS point (geopoint): encrypted, and coarsened to an admin area for others."""
    AREA = "area"
    """The respondent's admin area, as a P-code (a select_one whose choice names are P-codes)."""
    WEIGHT = "weight"
    """The design weight (inverse selection probability, possibly calibrated)."""
    STRATUM = "stratum"
    CLUSTER = "cluster"
    """The primary sampling unit (an enumeration area, a village)."""
    SEX = "sex"
    AGE = "age"
    """Age in years (integer) or an age group (select_one)."""


# Answers that a question of each role must carry to be used for estimates.
DESIGN_ROLES = (FieldRole.WEIGHT, FieldRole.STRATUM, FieldRole.CLUSTER)
PRIVATE_ROLES = (FieldRole.PERSONAL, FieldRole.LOCATION)

# Age groups used in every breakdown; ``age_group(34)`` is "25-34".
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("15-24", 15, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, 200),
)


def age_group(age: int | None) -> str | None:
    if age is None:
        return None
    for label, low, high in AGE_GROUPS:
        if low <= age <= high:
            return label
    return None


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    label: Text


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the form, with where it sits (its groups and repeat)."""

    name: str
    type: str
    """The XLSForm base type: ``select_one``, ``select_multiple``, ``integer``, ``decimal``,
    ``text``, ``date``, ``datetime``, ``geopoint``, ``calculate``, ``note``..."""
    label: Text
    path: tuple[str, ...] = ()
    """Names of the groups and repeats around it, outermost first."""
    repeat: str | None = None
    """The innermost repeat group holding it, if any."""
    list_name: str | None = None
    choices: tuple[Choice, ...] = ()
    required: bool = False

    @property
    def choice_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.choices)

    @property
    def xpath(self) -> str:
        """The slash-separated path Kobo uses as a column name (``group/question``)."""
        return "/".join((*self.path, self.name))

    def choice_label(self, name: str, language: str) -> str:
        for c in self.choices:
            if c.name == name:
                return text_in(c.label, language) or name
        return name


@dataclass(frozen=True, slots=True)
class ItemMapping:
    """A question that measures a framework item; ``recode`` turns choice names into the item's
    scale values (absent choices, such as "don't know", are missing answers)."""

    question: str
    item_code: str
    recode: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SurveyForm:
    form_id: str
    version: str
    title: Text
    questions: tuple[Question, ...]
    default_language: str = "en"
    languages: tuple[str, ...] = ()
    roles: dict[str, FieldRole] = field(default_factory=dict)
    """Question name -> role, from the ``peaceops`` sheet (geopoints are LOCATION by default)."""
    items: tuple[ItemMapping, ...] = ()
    framework: str | None = None
    """The code of the assessment framework the mapped items belong to."""

    def question(self, name: str) -> Question | None:
        for q in self.questions:
            if q.name == name:
                return q
        return None

    def with_role(self, role: FieldRole) -> Question | None:
        for name, r in self.roles.items():
            if r == role:
                return self.question(name)
        return None

    @property
    def private_names(self) -> frozenset[str]:
        return frozenset(n for n, r in self.roles.items() if r in PRIVATE_ROLES)

    @property
    def repeats(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(q.repeat for q in self.questions if q.repeat))

    def estimable(self) -> list[Question]:
        """Questions with something to estimate: choices, or numbers that are not design."""
        skip = set(self.roles)
        return [
            q
            for q in self.questions
            if q.repeat is None
            and q.name not in skip
            and q.type in ("select_one", "select_multiple", "integer", "decimal")
        ]


@dataclass(frozen=True, slots=True)
class Submission:
    """One filled-in questionnaire, as exported by KoboToolbox or ODK Central.

    ``answers`` holds top-level answers by question name (select_multiple as a tuple of choice
    names, numbers as int or float, dates as ``date``, geopoints as ``(lat, lon, alt, acc)``);
    ``repeats`` holds each repeat group's instances, in order.
    """

    uuid: str
    answers: dict[str, Any]
    repeats: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)
    submitted_at: datetime | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Wave:
    """One round of fieldwork with the same questionnaire."""

    survey_id: int
    name: str
    period_start: date
    period_end: date
    round_id: int | None = None
    """The assessment round its mapped answers feed, if any."""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Survey:
    form: SurveyForm
    country_iso3: str
    sha256: str
    id: int | None = None
    loaded_at: datetime | None = None
