"""Theme tagging of passages: security sector reform and rule-of-law themes.

The themes are data (``peaceops/frameworks/taxonomies/themes.yaml``): each names the PACT
activity codes that count as evidence of it, the institution sectors and SSR capability areas it
concerns, and English and French keywords. Two taggers use them:

- ``ThemeClassifier``, learned from paragraphs of UN Secretary-General reports that PACT's
  coders labelled (``training_set``): TF-IDF of words and word pairs, one logistic regression
  per theme, and a threshold per theme tuned on a held-out part of the training reports;
- ``KeywordTagger``, the fallback when no trained model is stored.

``evaluate`` measures both on reports kept out of training (whole reports, never paragraphs of a
report on both sides). ``to_json`` and ``from_json`` store a trained classifier as plain JSON
(terms, weights as base64 little-endian float32, thresholds): no pickle, so a stored model
cannot run code when it is loaded.
"""

from __future__ import annotations

import base64
import csv
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import numpy as np
import yaml
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit, ShuffleSplit
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from peaceops.domain.coordination import Capability
from peaceops.domain.institutions import InstitutionType
from peaceops.errors import InputError, Problem, RowErrors

THEMES_FORMAT = "peaceops-themes/1"
MODEL_FORMAT = "peaceops-theme-classifier/1"
LANGUAGES = ("en", "fr")
SECTORS = tuple(sorted({t.sector for t in InstitutionType}))
"""The institution sectors a theme may name (``InstitutionType.sector``)."""
PACT_CSV = Path("texts") / "pact-coded-paragraphs" / "paragraphs.csv"
PACT_COUNTS = Path("texts") / "pact-coded-paragraphs" / "paragraph_numbers.json"
PACT_REPORTS = Path("texts") / "un-sg-reports-pact"
_KEY = r"^[a-z][a-z0-9_]{1,47}$"
_Code = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")]
_Column = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]


# The taxonomy ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FrameworkLink:
    """Institutions and indicators of one indicator framework that a theme bears on."""

    framework: str
    institutions: tuple[str, ...] = ()
    """Institution codes of the framework; one alone means all its indicators."""
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme of the taxonomy."""

    key: str
    label: dict[str, str]
    """The theme's name by language code (``en``, ``fr``)."""
    pact_codes: tuple[str, ...]
    """PACT activity codes whose presence in a paragraph means the theme is there."""
    sectors: tuple[str, ...]
    capabilities: tuple[Capability, ...]
    frameworks: tuple[FrameworkLink, ...]
    keywords: dict[str, tuple[str, ...]]
    """Keywords by language code, for ``KeywordTagger``."""

    def label_in(self, language: str) -> str:
        """The label in ``language``, or in English when there is none."""
        return self.label.get(language) or self.label["en"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LabelModel(_Strict):
    en: str = Field(min_length=1)
    fr: str = Field(min_length=1)
    ar: str | None = Field(default=None, min_length=1)


class _FrameworkLinkModel(_Strict):
    framework: str = Field(pattern=_KEY)
    institutions: list[_Code] = Field(default_factory=list)
    indicators: list[_Code] = Field(default_factory=list)


class _KeywordsModel(_Strict):
    en: list[str] = Field(min_length=1)
    fr: list[str] = Field(min_length=1)

    @field_validator("en", "fr")
    @classmethod
    def _phrases(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not _normalise(v).strip(" *") or "*" in v.rstrip("*")]
        if bad:
            raise ValueError(f"empty keyword or a '*' not at the end: {', '.join(map(repr, bad))}")
        return value


class _ThemeModel(_Strict):
    key: str = Field(pattern=_KEY)
    label: _LabelModel
    pact_codes: list[_Column] = Field(min_length=1)
    sectors: list[str] = Field(min_length=1)
    capabilities: list[Capability] = Field(default_factory=list)
    frameworks: list[_FrameworkLinkModel] = Field(default_factory=list)
    keywords: _KeywordsModel

    @field_validator("sectors")
    @classmethod
    def _sectors(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in SECTORS]
        if bad:
            raise ValueError(
                f"unknown sector {', '.join(map(repr, bad))}; use one of {', '.join(SECTORS)}"
            )
        return value


class _ThemesModel(_Strict):
    format: Literal["peaceops-themes/1"]
    version: str = Field(min_length=1)
    themes: list[dict[str, Any]] = Field(min_length=1)


def _theme(model: _ThemeModel) -> Theme:
    return Theme(
        key=model.key,
        label={k: v for k, v in model.label.model_dump().items() if v},
        pact_codes=tuple(model.pact_codes),
        sectors=tuple(model.sectors),
        capabilities=tuple(model.capabilities),
        frameworks=tuple(
            FrameworkLink(f.framework, tuple(f.institutions), tuple(f.indicators))
            for f in model.frameworks
        ),
        keywords={"en": tuple(model.keywords.en), "fr": tuple(model.keywords.fr)},
    )


def _where(loc: Iterable[int | str]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def default_themes_path() -> Path:
    """The taxonomy shipped with PeaceOps.

    It sits in a folder of its own because every ``*.yaml`` directly in ``frameworks/`` is read
    as an indicator framework (``peaceops.ingest.frameworks.builtin_paths``).
    """
    return Path(str(resources.files("peaceops") / "frameworks" / "taxonomies" / "themes.yaml"))


def load_themes(path: Path | None = None) -> list[Theme]:
    """The themes of a taxonomy file (by default the one shipped), validated in full.

    Every problem is reported at once, naming the theme and the field.

    >>> themes = load_themes()
    >>> [t.key for t in themes][:3]
    ['police_reform', 'justice_reform', 'corrections']
    >>> themes[0].label_in("fr"), themes[0].pact_codes
    ('Réforme et développement de la police', ('PoliceReform',))
    """
    path = path or default_themes_path()
    source = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"not valid YAML: {exc}", source=source, line=line) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", source=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("a themes file must hold a mapping at its top", source=source)
    try:
        document = _ThemesModel.model_validate(data)
    except ValidationError as exc:
        raise RowErrors(
            [Problem(e["msg"], source=source, field=_where(e["loc"])) for e in exc.errors()],
            source=source,
        ) from None
    problems: list[Problem] = []
    themes: list[Theme] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(document.themes):
        key = raw.get("key") if isinstance(raw, dict) else None
        item = f"theme '{key}'" if isinstance(key, str) else f"themes[{n}]"
        try:
            model = _ThemeModel.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                message = str(err["msg"]).removeprefix("Value error, ")
                problems.append(
                    Problem(message, source=source, item=item, field=_where(err["loc"]))
                )
            continue
        if model.key in seen:
            problems.append(
                Problem(
                    f"the key is used twice (also themes[{seen[model.key]}])",
                    source=source,
                    item=item,
                    field="key",
                )
            )
            continue
        seen[model.key] = n
        themes.append(_theme(model))
    if problems:
        raise RowErrors(problems, source=source)
    return themes


# Keywords -------------------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Lower case without accents, typographic apostrophes or hyphens, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("’", "'").replace("‘", "'").replace("‐", "-").replace("-", " ")
    return " ".join(plain.split())


def _pattern(keywords: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for keyword in keywords:
        stem = keyword.endswith("*")
        words = _normalise(keyword.rstrip("*")).split()
        body = r"\s+".join(re.escape(w) for w in words)
        parts.append(body + (r"\w*" if stem else ""))
    # Longest first, so that alternatives do not stop at a shorter prefix.
    parts.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


class KeywordTagger:
    """Rule-based tagging: a theme is present when one of its keywords is.

    Matching is on word boundaries and ignores case, accents and hyphens; a keyword ending in
    ``*`` matches any ending. ``languages`` chooses whose keywords are used (all by default).

    >>> tagger = KeywordTagger(load_themes(), languages=("en", "fr"))
    >>> tagger.tag(["The Mission trained 300 prison officers.",
    ...             "Formation des policiers et des magistrats à Bangui."])
    [('corrections',), ('police_reform', 'justice_reform')]
    """

    def __init__(self, themes: Sequence[Theme], *, languages: Sequence[str] | None = None):
        self.themes = tuple(themes)
        self.languages = tuple(languages) if languages is not None else LANGUAGES
        unknown = [lang for lang in self.languages if lang not in LANGUAGES]
        if unknown:
            raise InputError(f"no keywords in {', '.join(unknown)}", field="languages")
        self._patterns = [
            (
                t.key,
                _pattern(k for lang in self.languages for k in t.keywords.get(lang, ())),
            )
            for t in self.themes
        ]

    def tag(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The keys of the themes found in each text, in the taxonomy's order."""
        out = []
        for text in texts:
            plain = _normalise(text)
            out.append(tuple(key for key, pattern in self._patterns if pattern.search(plain)))
        return out


# The classifier -------------------------------------------------------------------------------

_ANALYZER_OPTIONS: dict[str, Any] = {"strip_accents": "unicode", "lowercase": True}


def _encode(array: NDArray[Any]) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def _decode(text: str, shape: tuple[int, ...], name: str) -> NDArray[np.float32]:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise InputError(f"not base64: {exc}", field=name) from None
    if len(raw) != 4 * math.prod(shape):
        raise InputError(f"holds {len(raw) // 4} numbers, expected {shape}", field=name)
    array = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
    if not np.all(np.isfinite(array)):
        raise InputError("holds numbers that are not finite", field=name)
    return array


def _best_threshold(y: NDArray[np.int_], p: NDArray[np.float64]) -> float:
    """The threshold on a grid from 0.05 to 0.95 with the best F1; ties go nearest to 0.5."""
    if y.sum() == 0:
        return 0.5
    best, best_f1 = 0.5, -1.0
    for t in np.round(np.arange(0.05, 0.951, 0.025), 3):
        predicted = p >= t
        tp = float(np.sum(predicted & (y == 1)))
        f1 = 2 * tp / (predicted.sum() + y.sum())
        if f1 > best_f1 + 1e-12 or (abs(f1 - best_f1) <= 1e-12 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = float(t), f1
    return best


class ThemeClassifier(BaseEstimator):  # type: ignore[misc]
    """TF-IDF and one logistic regression per theme, with thresholds tuned for F1.

    ``fit`` holds back ``validation_size`` of the training texts (whole groups when ``groups``
    is given, e.g. the report of each paragraph), learns on the rest, and finds for each theme
    the threshold with the best F1 on the held-back part; then it learns again on all texts.
    The threshold kept (``thresholds_``) moves from 0.5 only ``shrinkage`` of the way towards the
    one found: balanced class weights already put the best cut near 0.5, and on the PACT
    paragraphs the full move, tuned on a few dozen reports, lowered F1 on held-out reports
    (``bench/themes_eval.py``). Weights are kept as float32, the precision they are stored in.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regressions.
    min_df, max_df : int, float
        Terms in fewer than ``min_df`` texts, or in more than the ``max_df`` share of them,
        are left out.
    max_features : int or None
        Keep only the most frequent terms (a smaller stored model).
    ngram_range : tuple of int
        Word n-grams used: ``(1, 2)`` for words and word pairs.
    validation_size : float
        Share of the training texts (or groups) held back to tune the thresholds.
    shrinkage : float
        Share of the way from 0.5 to the best threshold on the held-back texts: 0 keeps 0.5,
        1 takes the best one.
    random_state : int
        Seed of the validation split.

    Examples
    --------
    >>> texts = ["police officers were trained", "the prison held 300 detainees",
    ...          "police patrols and police training", "prison overcrowding remains",
    ...          "the weather was mild", "police recruits graduated", "prison guards trained",
    ...          "a new road was built"] * 3
    >>> labels = [("police",), ("prison",), ("police",), ("prison",), (), ("police",),
    ...           ("prison",), ()] * 3
    >>> model = ThemeClassifier(min_df=1, validation_size=0.25).fit(texts, labels)
    >>> model.classes_
    ('police', 'prison')
    >>> model.predict(["training of police officers", "prison detainees", "a mild day"])
    [('police',), ('prison',), ()]
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        min_df: int = 2,
        max_df: float = 0.9,
        max_features: int | None = 40_000,
        ngram_range: tuple[int, int] = (1, 2),
        validation_size: float = 0.2,
        shrinkage: float = 0.5,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.validation_size = validation_size
        self.shrinkage = shrinkage
        self.random_state = random_state

    # fitting

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[Iterable[str]],
        *,
        groups: Sequence[str] | None = None,
        classes: Sequence[str] | None = None,
    ) -> ThemeClassifier:
        """Learn from texts and the theme keys of each; ``classes`` fixes the themes' order."""
        texts = list(texts)
        label_sets = [set(x) for x in labels]
        if len(texts) != len(label_sets):
            raise ValueError(f"{len(texts)} texts but {len(label_sets)} label tuples")
        if groups is not None and len(groups) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(groups)} groups")
        if len(texts) < 4:
            raise ValueError("at least 4 texts are needed")
        found = set().union(*label_sets)
        keys = tuple(classes) if classes is not None else tuple(sorted(found))
        unknown = found - set(keys)
        if unknown:
            raise ValueError(f"labels not among the classes: {', '.join(sorted(unknown))}")
        if not keys:
            raise ValueError("no themes to learn: every label tuple is empty")
        y = np.array([[k in s for k in keys] for s in label_sets], dtype=np.int_)

        if groups is not None and len(set(groups)) >= 2:
            splitter: Any = GroupShuffleSplit(
                n_splits=1, test_size=self.validation_size, random_state=self.random_state
            )
        else:
            splitter = ShuffleSplit(
                n_splits=1, test_size=self.validation_size, random_state=self.random_state
            )
        inner, held = next(splitter.split(texts, groups=groups))
        self._learn([texts[i] for i in inner], y[inner])
        p = self._proba([texts[i] for i in held])
        self.tuned_thresholds_ = {
            k: _best_threshold(y[held, j], p[:, j]) for j, k in enumerate(keys)
        }
        thresholds = {
            k: round(0.5 + self.shrinkage * (t - 0.5), 4) for k, t in self.tuned_thresholds_.items()
        }

        self._learn(texts, y)
        self.classes_ = keys
        self.thresholds_ = thresholds
        self.n_train_ = len(texts)
        self.positives_ = {k: int(y[:, j].sum()) for j, k in enumerate(keys)}
        return self

    def _learn(self, texts: list[str], y: NDArray[np.int_]) -> None:
        vectorizer = TfidfVectorizer(
            ngram_range=tuple(self.ngram_range),
            sublinear_tf=True,
            min_df=self.min_df,
            max_df=self.max_df,
            max_features=self.max_features,
            **_ANALYZER_OPTIONS,
        ).fit(texts)
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        self.terms_ = tuple(terms)
        self.vocabulary_ = {t: n for n, t in enumerate(terms)}
        self.idf_ = np.asarray(vectorizer.idf_, dtype=np.float32)
        x = self._features(texts)
        coef = np.zeros((y.shape[1], len(terms)), dtype=np.float32)
        intercept = np.zeros(y.shape[1], dtype=np.float32)
        for j in range(y.shape[1]):
            positives = int(y[:, j].sum())
            if positives in (0, len(texts)):
                # Nothing to tell apart: a constant answer, far from any threshold.
                intercept[j] = 20.0 if positives else -20.0
                continue
            model = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear")
            model.fit(x, y[:, j])
            coef[j] = model.coef_[0]
            intercept[j] = model.intercept_[0]
        self.coef_ = coef
        self.intercept_ = intercept

    # predicting

    def _features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Sublinear TF times IDF, L2-normalised rows (what ``TfidfVectorizer`` computes)."""
        counter = CountVectorizer(
            ngram_range=tuple(self.ngram_range), vocabulary=self.vocabulary_, **_ANALYZER_OPTIONS
        )
        x = sparse.csr_matrix(counter.transform(texts), dtype=np.float64)
        x.data = 1.0 + np.log(x.data)
        x = sparse.csr_matrix(x @ sparse.diags(self.idf_.astype(np.float64)))
        return sparse.csr_matrix(normalize(x, norm="l2", copy=False))

    def _proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        x = self._features(list(texts))
        scores = x @ self.coef_.astype(np.float64).T + self.intercept_.astype(np.float64)
        return np.asarray(1.0 / (1.0 + np.exp(-scores)), dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probabilities of shape (texts, themes), the themes in the order of ``classes_``."""
        check_is_fitted(self, "thresholds_")
        return self._proba(texts)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """The keys of the themes whose probability reaches their threshold, for each text."""
        p = self.predict_proba(texts)
        cut = np.array([self.thresholds_[k] for k in self.classes_])
        hits = p >= cut
        return [tuple(k for k, hit in zip(self.classes_, row, strict=True) if hit) for row in hits]


def to_json(classifier: ThemeClassifier) -> dict[str, Any]:
    """A trained classifier as plain JSON data (no pickle), for ``from_json``.

    Terms are listed in column order; IDF weights, coefficients and intercepts are base64 of
    little-endian float32 arrays.

    >>> model = ThemeClassifier(min_df=1).fit(
    ...     ["police training", "prison guards", "police patrol", "prison cells"] * 2,
    ...     [("police",), ("prison",), ("police",), ("prison",)] * 2)
    >>> data = to_json(model)
    >>> data["format"], data["classes"], len(data["terms"])
    ('peaceops-theme-classifier/1', ['police', 'prison'], 10)
    >>> from_json(json.loads(json.dumps(data))).predict(["police"])
    [('police',)]
    """
    check_is_fitted(classifier, "thresholds_")
    params = classifier.get_params()
    params["ngram_range"] = list(params["ngram_range"])
    return {
        "format": MODEL_FORMAT,
        "params": params,
        "classes": list(classifier.classes_),
        "thresholds": {k: float(v) for k, v in classifier.thresholds_.items()},
        "tuned_thresholds": {k: float(v) for k, v in classifier.tuned_thresholds_.items()},
        "positives": dict(classifier.positives_),
        "n_train": classifier.n_train_,
        "terms": list(classifier.terms_),
        "idf": _encode(classifier.idf_),
        "coef": _encode(classifier.coef_),
        "intercept": _encode(classifier.intercept_),
    }


class _ParamsModel(_Strict):
    C: float = Field(gt=0)
    min_df: int | float
    max_df: int | float
    max_features: int | None
    ngram_range: tuple[int, int]
    validation_size: float = Field(gt=0, lt=1)
    shrinkage: float = Field(ge=0, le=1)
    random_state: int


class _ModelDocument(_Strict):
    format: Literal["peaceops-theme-classifier/1"]
    params: _ParamsModel
    classes: list[str] = Field(min_length=1)
    thresholds: dict[str, float]
    tuned_thresholds: dict[str, float]
    positives: dict[str, int]
    n_train: int = Field(ge=0)
    terms: list[str]
    idf: str
    coef: str
    intercept: str


def from_json(data: dict[str, Any]) -> ThemeClassifier:
    """The classifier that ``to_json`` wrote, checked before use."""
    try:
        document = _ModelDocument.model_validate(data)
    except ValidationError as exc:
        raise RowErrors(
            [Problem(e["msg"], source="theme model", field=_where(e["loc"])) for e in exc.errors()],
            source="theme model",
        ) from None
    keys = tuple(document.classes)
    for name in ("thresholds", "tuned_thresholds"):
        if set(getattr(document, name)) != set(keys):
            raise InputError("the themes do not match the classes", field=name)
    if len(set(document.terms)) != len(document.terms):
        raise InputError("a term is listed twice", field="terms")
    model = ThemeClassifier(**document.params.model_dump())
    n_terms = len(document.terms)
    model.terms_ = tuple(document.terms)
    model.vocabulary_ = {t: n for n, t in enumerate(document.terms)}
    model.idf_ = _decode(document.idf, (n_terms,), "idf")
    model.coef_ = _decode(document.coef, (len(keys), n_terms), "coef")
    model.intercept_ = _decode(document.intercept, (len(keys),), "intercept")
    model.classes_ = keys
    model.thresholds_ = {k: document.thresholds[k] for k in keys}
    model.tuned_thresholds_ = {k: document.tuned_thresholds[k] for k in keys}
    model.positives_ = dict(document.positives)
    model.n_train_ = document.n_train
    return model


# The PACT training set ------------------------------------------------------------------------


class Passage(Protocol):
    """What ``training_set`` needs of a passage (``peaceops.ingest.passages.RawPassage``)."""

    @property
    def number(self) -> str | None: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """Paragraphs of Secretary-General reports with the themes PACT's coders found in them."""

    texts: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    groups: tuple[str, ...]
    """The report of each paragraph, as PACT names it (``UNMIK_S/2004/613``)."""
    numbers: tuple[int, ...]
    """The paragraph's number in its report."""
    reports: int
    """Reports used: their text is here and its paragraphs number as PACT counted them."""
    missing: tuple[str, ...] = field(default_factory=tuple)
    """Coded reports left out for want of a text file or of PACT's paragraph count."""
    mismatched: tuple[str, ...] = field(default_factory=tuple)
    """Coded reports left out because their highest paragraph number is not PACT's count."""
    coded: int = 0
    """Paragraphs of the reports used that have a row in the PACT file (coded or not)."""

    def positives(self) -> dict[str, int]:
        """Paragraphs per theme."""
        return dict(Counter(key for labels in self.labels for key in labels))


def _main_text(passages: Iterable[Passage]) -> dict[int, str]:
    """Numbered paragraphs by number, first occurrence only (annexes restart numbering).

    A long paragraph cut in parts (``12.1``, ``12.2``) is joined again.
    """
    entries: dict[int, list[str]] = {}
    current: int | None = None
    for passage in passages:
        if passage.number is None:
            current = None
            continue
        head, _, tail = passage.number.partition(".")
        number, part = int(head), int(tail) if tail else 1
        if part > 1:
            if current == number:
                entries[number].append(passage.text)
            continue
        if number in entries:
            current = None
            continue
        entries[number] = [passage.text]
        current = number
    return {n: " ".join(parts) for n, parts in entries.items()}


def training_set(
    shared_data: Path,
    themes: Sequence[Theme],
    *,
    split: Callable[[str], Sequence[Passage]],
) -> TrainingSet:
    """The PACT-coded paragraphs as texts with theme labels, one group per report.

    ``split`` cuts a report's text into passages (pass
    ``peaceops.ingest.passages.split_passages``: analytics does not import ingest). A report is
    used when its highest main-text paragraph number equals the count PACT gives for it, so
    that numbers point to the same paragraphs; two-column layouts and scans fail this and are
    left out. Every main-text paragraph of a report used is a text; those without a PACT row,
    or whose row has none of a theme's codes, are negatives for that theme.

    Examples
    --------
    A shared-data folder with one report of three paragraphs, the first coded PoliceReform:

    >>> import tempfile
    >>> from peaceops.ingest.passages import split_passages
    >>> root = Path(tempfile.mkdtemp())
    >>> for folder in (PACT_REPORTS, PACT_CSV.parent):
    ...     (root / folder).mkdir(parents=True)
    >>> _ = (root / PACT_REPORTS / "UNXX_S_2004_1.txt").write_text(
    ...     "1. Police officers were trained.\\n2. It rained.\\n3. The road was built.\\n")
    >>> _ = (root / PACT_COUNTS).write_text('{"UNXX_S_2004_1": 3}')
    >>> _ = (root / PACT_CSV).write_text(
    ...     '"report_namePKO";"paragraphNumber";"PoliceReform"\\n"UNXX_S/2004/1";1;"Assist"\\n')
    >>> police = [t for t in load_themes() if t.key == "police_reform"]
    >>> data = training_set(root, police, split=split_passages)
    >>> data.labels, data.groups[0], data.reports, data.coded
    ((('police_reform',), (), ()), 'UNXX_S/2004/1', 1, 1)
    """
    csv_path = shared_data / PACT_CSV
    counts_path = shared_data / PACT_COUNTS
    folder = shared_data / PACT_REPORTS
    for path in (csv_path, counts_path, folder):
        if not path.exists():
            raise InputError(
                "not found; point PEACEOPS_SHARED_DATA at the shared data folder",
                source=str(path),
            )
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter=";")
        header = set(reader.fieldnames or ())
        problems = [
            Problem(
                f"PACT code {code} is not a column of {csv_path.name}",
                source="themes",
                item=f"theme '{t.key}'",
                field="pact_codes",
            )
            for t in themes
            for code in t.pact_codes
            if code not in header
        ]
        if problems:
            raise RowErrors(problems, source="themes")
        coded: dict[str, dict[int, tuple[str, ...]]] = {}
        for line, row in enumerate(reader, start=2):
            try:
                number = int(row["paragraphNumber"])
            except (TypeError, ValueError):
                raise InputError(
                    "not a paragraph number",
                    source=csv_path.name,
                    line=line,
                    field="paragraphNumber",
                ) from None
            present = tuple(
                t.key for t in themes if any((row[c] or "").strip() for c in t.pact_codes)
            )
            coded.setdefault(row["report_namePKO"], {})[number] = present
    counts = json.loads(counts_path.read_text(encoding="utf-8"))

    texts: list[str] = []
    labels: list[tuple[str, ...]] = []
    groups: list[str] = []
    numbers: list[int] = []
    missing: list[str] = []
    mismatched: list[str] = []
    used = rows = 0
    for report in sorted(coded):
        stem = report.replace("/", "_")
        path = folder / f"{stem}.txt"
        count = counts.get(stem)
        if count is None or not path.exists():
            missing.append(report)
            continue
        paragraphs = _main_text(split(path.read_text(encoding="utf-8")))
        if not paragraphs or max(paragraphs) != int(count):
            mismatched.append(report)
            continue
        used += 1
        codes = coded[report]
        for number, text in sorted(paragraphs.items()):
            rows += number in codes
            texts.append(text)
            labels.append(codes.get(number, ()))
            groups.append(report)
            numbers.append(number)
    return TrainingSet(
        tuple(texts),
        tuple(labels),
        tuple(groups),
        tuple(numbers),
        used,
        tuple(missing),
        tuple(mismatched),
        rows,
    )


# Evaluation -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scores:
    """Precision, recall and F1 of one theme (or an average), and the true positives' count."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class MethodScores:
    """One tagger's scores on the held-out texts."""

    per_theme: dict[str, Scores]
    micro: Scores
    """Counts pooled over the themes."""
    macro: Scores
    """Unweighted mean over the themes present in the held-out texts."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The classifier and the keyword tagger on reports kept out of training."""

    classifier: MethodScores
    keywords: MethodScores
    thresholds: dict[str, float]
    """The classifier's thresholds (``thresholds_``)."""
    tuned_thresholds: dict[str, float]
    """The best thresholds on its validation reports, before shrinkage."""
    train_texts: int
    test_texts: int
    train_reports: int
    test_reports: int

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return precision, recall, f1


def _rounded(precision: float, recall: float, f1: float, support: int) -> Scores:
    return Scores(round(precision, 3), round(recall, 3), round(f1, 3), support)


def score(
    truth: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], keys: Sequence[str]
) -> MethodScores:
    """Per-theme, micro and macro precision, recall and F1 of multi-label predictions.

    >>> s = score([("a",), ("a", "b"), ()], [("a",), ("b",), ("b",)], ["a", "b"])
    >>> s.per_theme["a"], round(s.micro.f1, 3)
    (Scores(precision=1.0, recall=0.5, f1=0.667, support=2), 0.667)
    """
    pairs = [(set(t), set(p)) for t, p in zip(truth, predicted, strict=True)]
    counts = {
        key: (
            sum(key in t and key in p for t, p in pairs),
            sum(key not in t and key in p for t, p in pairs),
            sum(key in t and key not in p for t, p in pairs),
        )
        for key in keys
    }
    exact = {key: _prf(*c) for key, c in counts.items()}
    per_theme = {key: _rounded(*exact[key], sum(counts[key][::2])) for key in keys}
    support = sum(s.support for s in per_theme.values())
    tp, fp, fn = (sum(c[n] for c in counts.values()) for n in range(3))
    micro = _rounded(*_prf(tp, fp, fn), support)
    present = [exact[k] for k in keys if per_theme[k].support]
    n = len(present) or 1
    macro = _rounded(
        sum(x[0] for x in present) / n,
        sum(x[1] for x in present) / n,
        sum(x[2] for x in present) / n,
        support,
    )
    return MethodScores(per_theme, micro, macro)


def evaluate(
    texts: Sequence[str],
    labels: Sequence[Iterable[str]],
    groups: Sequence[str],
    *,
    themes: Sequence[Theme] | None = None,
    test_size: float = 0.2,
    random_state: int = 0,
    classifier: ThemeClassifier | None = None,
    languages: Sequence[str] = ("en",),
) -> Evaluation:
    """Train on some reports, score the classifier and the keywords on the others.

    The split is by group (``GroupShuffleSplit``), so no report has paragraphs on both sides;
    the classifier tunes its thresholds on reports of the training side only. The keyword
    tagger uses the keywords of ``languages`` (the reports are in English).

    Examples
    --------
    >>> texts = ["police officers were trained", "prison cells were repaired",
    ...          "the police academy opened", "the prison held detainees",
    ...          "a road was built"] * 8
    >>> labels = [("police_reform",), ("corrections",), ("police_reform",),
    ...           ("corrections",), ()] * 8
    >>> groups = [f"report {n // 5}" for n in range(40)]
    >>> result = evaluate(texts, labels, groups, classifier=ThemeClassifier(min_df=1))
    >>> result.test_reports, result.classifier.per_theme["corrections"].f1
    (2, 1.0)
    """
    themes = list(themes) if themes is not None else load_themes()
    texts = list(texts)
    label_tuples = [tuple(x) for x in labels]
    if not len(texts) == len(label_tuples) == len(groups):
        raise ValueError("texts, labels and groups must have the same length")
    keys = [t.key for t in themes]
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train, test = next(splitter.split(texts, groups=list(groups)))
    model = (
        ThemeClassifier(random_state=random_state)
        if classifier is None
        else ThemeClassifier(**classifier.get_params())
    )
    model.fit(
        [texts[i] for i in train],
        [label_tuples[i] for i in train],
        groups=[groups[i] for i in train],
        classes=keys,
    )
    test_texts = [texts[i] for i in test]
    truth = [label_tuples[i] for i in test]
    tagger = KeywordTagger(themes, languages=languages)
    return Evaluation(
        classifier=score(truth, model.predict(test_texts), keys),
        keywords=score(truth, tagger.tag(test_texts), keys),
        thresholds=dict(model.thresholds_),
        tuned_thresholds=dict(model.tuned_thresholds_),
        train_texts=len(train),
        test_texts=len(test),
        train_reports=len({groups[i] for i in train}),
        test_reports=len({groups[i] for i in test}),
    )


__all__ = [
    "Evaluation",
    "FrameworkLink",
    "KeywordTagger",
    "MethodScores",
    "Passage",
    "Scores",
    "Theme",
    "ThemeClassifier",
    "TrainingSet",
    "evaluate",
    "from_json",
    "load_themes",
    "score",
    "to_json",
    "training_set",
]
