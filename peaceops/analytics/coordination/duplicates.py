"""Candidate duplicate activities: the same work or the same money reported twice.

The method, with its evaluation on real IATI data, is in ``docs/methods/coordination.md``. In
short:

1. **Candidates** are pairs of activities by different actors (reporting organisations or
   implementer sets differ; a publisher's activity and its own sub-activity are a hierarchy,
   not a duplicate) that overlap in place, time, institutions and capabilities. Candidates are
   generated within country blocks, pruned by text similarity (a lower floor when they share
   a capability or sector), and completed by pairs that declare a link (a transaction's
   provider or receiver activity, an identifier that embeds another's) or whose organisations
   appear with swapped roles (funder in one, implementer in the other).
2. **Components** in 0..1: text similarity of title and description (``TextSimilarity``,
   TF-IDF by default), institution, capability, place and time overlap, funder/implementer
   double reporting, declared link, same publisher, text shared by many, short texts.
3. **Score**: a logistic model of the components, ``1 / (1 + exp(-(b + sum w_k x_k)))``, its
   weights fitted on the labelled pairs of ``tests/fixtures/duplicates_labelled.csv`` with
   ``bench/duplicates_eval.py`` (institution, place and declared-link weights are set by hand:
   the labelled pairs cannot estimate them).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, Self

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

from peaceops.domain.coordination import (
    DAC_CAPABILITIES,
    Activity,
    Capability,
    Decision,
    OrgRole,
    PairDecision,
    Participant,
    SectorShare,
    TransactionType,
)

Explanation = tuple[tuple[str, dict[str, object]], ...]

# Logistic weights of the components, fitted by ``bench/duplicates_eval.py`` (L2-regularised
# logistic regression on the labelled pairs, all folds together; see the method page).
INTERCEPT = -4.97
WEIGHTS: dict[str, float] = {
    "text": 4.61,
    "time": 1.21,
    "funder_implementer": 1.28,
    "capability": 0.21,
    "same_publisher": -3.31,
    "common_text": -1.33,
    "short_text": -1.67,
    # Set by hand: the labelled pairs never name institutions, are national but for five, and
    # only one declares a link, so these cannot be estimated from them.
    "institution": 2.0,
    "place": 1.5,
    "declared_link": 4.0,
}
THRESHOLD = 0.3
"""Default score above which a candidate is reported (chosen by cross-validation)."""
TEXT_FLOOR = 0.1
"""Blocked pairs less similar than this are not candidates (unless linked or role-swapped)."""
NEAR_TEXT = 0.8
"""Texts at least this similar count as the same text for ``common_text``."""
CROWD_SATURATION = 4
"""Number of other activities sharing a text at which ``common_text`` reaches 1."""
SHORT_WORDS = 20
"""Texts with fewer distinct content words than this are "short": their match says less."""
SECTOR_FREE_FLOOR = 0.3
"""Pairs sharing no capability or sector need at least this text similarity to be candidates."""
UNKNOWN = 0.3
"""Component value when one side does not say (no dates, no institution, no sector)."""
BOUND_MARGIN = 0.001
"""Pairs whose score bound falls short of the threshold by less than this are still compared
(the components are rounded before scoring)."""
PARTLY_KNOWN_TIME = 0.6
"""Cap on the time component when one of the activities is open-ended on one side."""
MIN_DAYS = 30
"""Shortest duration used in the time overlap, so one-day activities do not dominate."""
EARLIEST = date(1950, 1, 1)
"""Dates before this are placeholders (one publisher writes 1900-01-01)."""

_PLACEHOLDER_ORGS = {"", "unnamed", "other", "others", "n a", "na", "unknown", "various", "tbc"}
_COMMITMENT_SIDE = {TransactionType.OUTGOING_COMMITMENT, TransactionType.DISBURSEMENT}
_INCOMING = {
    TransactionType.INCOMING_FUNDS,
    TransactionType.INCOMING_COMMITMENT,
    TransactionType.INCOMING_PLEDGE,
}

# French function words; English ones come from scikit-learn. Accents stripped, as the
# vectoriser strips them before matching.
FRENCH_STOP_WORDS = frozenset(
    """
    au aux avec ce ces cette dans de des du elle en et eux il ils je la le les leur
    leurs lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que
    qui sa se ses son sur ta te tes toi ton tu un une vos votre vous est sont ete etre
    avoir ont fait afin ainsi aupres cela celui celle ceux chez comme dont entre lors
    sans selon sous tout tous toute toutes tres vers via plus moins ici apres avant
    aussi bien
    """.split()  # noqa: SIM905
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | FRENCH_STOP_WORDS


# Text similarity ------------------------------------------------------------------------------


class TextSimilarity(Protocol):
    """Similarity of activity texts; fit once on all texts, then ask for pairs by position."""

    def fit(self, texts: Sequence[str]) -> Self: ...

    def pairwise(self, i_idx: np.ndarray, j_idx: np.ndarray) -> np.ndarray:
        """Similarity in 0..1 of texts ``i_idx[k]`` and ``j_idx[k]``, for every ``k``."""
        ...


class TfidfSimilarity:
    """Cosine similarity of sparse TF-IDF vectors: words and word pairs of title and description,
    plus character 3-5-grams of the title (robust to spelling and word order).

    Stop words are English and French; accents are stripped; terms in more than ``max_df`` of the
    texts are dropped when there are at least 20 texts.

    >>> sim = TfidfSimilarity().fit(["Police training in Kismayo", "Training of police, Kismayo",
    ...                              "Water points in Baidoa"])
    >>> [round(float(x), 2) for x in sim.pairwise(np.array([0, 0]), np.array([1, 2]))]
    [0.57, 0.02]
    """

    dense_cells = 8_000_000
    """Calls whose distinct first x second texts fit in this many cells use one sparse product;
    larger ones go pair by pair in chunks."""

    def __init__(self, *, title_weight: float = 0.3, max_df: float = 0.5) -> None:
        self.title_weight = title_weight
        self.max_df = max_df

    def fit(self, texts: Sequence[str]) -> Self:
        titles = [t.split("\n", 1)[0] for t in texts]
        max_df = self.max_df if len(texts) >= 20 else 1.0
        words = _fit_or_empty(
            TfidfVectorizer(
                analyzer="word",
                ngram_range=(1, 2),
                sublinear_tf=True,
                strip_accents="unicode",
                stop_words=sorted(STOP_WORDS),
                token_pattern=r"(?u)\b[^\W\d_]{2,}\b",  # noqa: S106 - a regex, not a password
                max_df=max_df,
                dtype=np.float32,
            ),
            texts,
        )
        chars = _fit_or_empty(
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(3, 5),
                sublinear_tf=True,
                strip_accents="unicode",
                max_df=max_df,
                dtype=np.float32,
            ),
            titles,
        )
        w = math.sqrt(1.0 - self.title_weight)
        c = math.sqrt(self.title_weight)
        stacked = sparse.hstack([words * w, chars * c]).tocsr()
        # normalize refuses a matrix without rows: no texts (an empty scope) compare to nothing
        self.matrix_ = normalize(stacked) if stacked.shape[0] else stacked
        return self

    def block(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Similarity of every text of ``rows`` with every text of ``cols`` (a dense array)."""
        dense = (self.matrix_[rows] @ self.matrix_[cols].T).toarray()
        result: np.ndarray = np.clip(dense.astype(np.float64), 0.0, 1.0)
        return result

    def pairwise(self, i_idx: np.ndarray, j_idx: np.ndarray) -> np.ndarray:
        i_idx = np.asarray(i_idx, dtype=np.int64)
        j_idx = np.asarray(j_idx, dtype=np.int64)
        if i_idx.size == 0:
            return np.zeros(0)
        ui, ia = np.unique(i_idx, return_inverse=True)
        uj, ja = np.unique(j_idx, return_inverse=True)
        if ui.size * uj.size <= self.dense_cells:
            dense = (self.matrix_[ui] @ self.matrix_[uj].T).toarray()
            out = dense[ia, ja]
        else:
            out = np.empty(i_idx.size)
            for k in range(0, i_idx.size, 50_000):
                a = self.matrix_[i_idx[k : k + 50_000]]
                b = self.matrix_[j_idx[k : k + 50_000]]
                out[k : k + 50_000] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
        result: np.ndarray = np.clip(out.astype(np.float64), 0.0, 1.0)
        return result


def _fit_or_empty(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    try:
        matrix: sparse.csr_matrix = vectorizer.fit_transform(texts)
        return matrix
    except ValueError:  # nothing left after stop words and pruning: no text signal at all
        return sparse.csr_matrix((len(texts), 1), dtype=np.float32)


def activity_text(activity: Activity) -> str:
    """Title (first line) and description of an activity, all languages, for similarity."""
    titles = " ".join(dict.fromkeys(t for t in activity.title.values() if t))
    descriptions = " ".join(dict.fromkeys(d for d in activity.description.values() if d))
    return f"{titles}\n{titles} {descriptions}"


_WORD = re.compile(r"[^\W\d_]{2,}")


def content_words(text: str) -> int:
    """Distinct words of a text that are not stop words (accents stripped).

    >>> content_words("Awaiting allocation to specific projects")
    4
    """
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return len(set(_WORD.findall(plain)) - STOP_WORDS)


# Activity profiles --------------------------------------------------------------------------------


def org_keys(p: Participant) -> frozenset[str]:
    """Keys under which an organisation is recognised: its reference, its names and acronym."""
    keys: set[str] = set()
    if p.actor_id is not None:
        keys.add(f"actor:{p.actor_id}")
    if p.ref and len(p.ref) > 2:
        keys.add(f"ref:{p.ref.strip().lower()}")
    name = p.name or ""
    for part in [name, *re.findall(r"\(([^)]*)\)", name), re.sub(r"\([^)]*\)", " ", name)]:
        norm = normalise_name(part)
        if norm not in _PLACEHOLDER_ORGS:
            keys.add(f"name:{norm}")
    return frozenset(keys)


def normalise_name(name: str) -> str:
    """Lower case, no accents, punctuation as spaces: ``"Direction générale (ECHO)"`` and
    ``"direction generale echo"`` meet.

    >>> normalise_name("  Save the Children -  UK ")
    'save the children uk'
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def activity_capabilities(activity: Activity) -> frozenset[Capability]:
    """The activity's capabilities, and those its DAC 5-digit sectors imply."""
    caps = set(activity.capabilities)
    for s in activity.sectors:
        if s.vocabulary == "1" and s.code in DAC_CAPABILITIES:
            caps.add(DAC_CAPABILITIES[s.code])
    return frozenset(caps)


def _sector_group(s: SectorShare) -> str:
    """DAC sectors at the 3-digit level (15210 and 15220 share 152); other vocabularies as is."""
    if s.vocabulary in ("1", "2") and s.code[:3].isdigit():
        return f"dac:{s.code[:3]}"
    return f"{s.vocabulary}:{s.code.lower()}"


def _dates(activity: Activity) -> tuple[date | None, date | None]:
    start, end = activity.start, activity.end
    return (
        start if start is not None and start >= EARLIEST else None,
        end if end is not None and end >= EARLIEST else None,
    )


@dataclass(frozen=True, slots=True)
class _Profile:
    reporter: frozenset[str]
    own: frozenset[str]
    funders: frozenset[str]
    implementers: frozenset[str]
    names: dict[str, str]
    capabilities: frozenset[Capability]
    sectors: frozenset[str]
    sector_names: dict[str, str]
    institutions: frozenset[int]
    institution_types: frozenset[str]
    areas: frozenset[int]
    area_names: dict[int, str]
    regions: frozenset[int]
    countries: frozenset[str]
    start: date | None
    end: date | None
    links: frozenset[str]
    spans: frozenset[str]
    words: int


def _profile(
    a: Activity, institution_types: Mapping[int, str], area_parents: Mapping[int, int]
) -> _Profile:
    names: dict[str, str] = {}

    def keys(p: Participant) -> frozenset[str]:
        k = org_keys(p)
        for key in k:
            names.setdefault(key, p.name)
        return k

    reporter = keys(a.reporting_org) if a.reporting_org else frozenset()
    own = set(reporter)
    funders: set[str] = set()
    implementers: set[str] = set()
    for p in a.participants:
        k = keys(p)
        if not k:
            continue
        if p.role in (OrgRole.EXTENDING, OrgRole.ACCOUNTABLE):
            own |= k
        elif p.role == OrgRole.FUNDING:
            funders |= k
        elif p.role == OrgRole.IMPLEMENTING:
            implementers |= k
    links: set[str] = set()
    for t in a.transactions:
        provider = keys(Participant(OrgRole.FUNDING, t.provider or "", t.provider_ref))
        receiver = keys(Participant(OrgRole.IMPLEMENTING, t.receiver or "", t.receiver_ref))
        if t.type in _INCOMING:
            funders |= provider
        elif t.type in _COMMITMENT_SIDE:
            implementers |= receiver - own
        for ref in (t.provider_ref, t.receiver_ref):
            if ref:
                links.add(ref.strip())
    areas = {loc.admin_area_id for loc in a.locations if loc.admin_area_id is not None}
    regions: set[int] = set()
    for area in areas:
        seen = {area}
        parent = area_parents.get(area)
        while parent is not None and parent not in seen:
            regions.add(parent)
            seen.add(parent)
            parent = area_parents.get(parent)
    countries = {c for c, _ in a.countries} | {
        loc.country_iso3 for loc in a.locations if loc.country_iso3
    }
    start, end = _dates(a)
    return _Profile(
        reporter=reporter,
        own=frozenset(own),
        funders=frozenset(funders - own),
        implementers=frozenset(implementers - own) or frozenset(implementers),
        names=names,
        capabilities=activity_capabilities(a),
        sectors=frozenset(_sector_group(s) for s in a.sectors),
        sector_names={_sector_group(s): s.name or s.code for s in reversed(a.sectors)},
        institutions=frozenset(a.institution_ids),
        institution_types=frozenset(
            institution_types[i] for i in a.institution_ids if i in institution_types
        ),
        areas=frozenset(areas),
        area_names={
            loc.admin_area_id: loc.name for loc in a.locations if loc.admin_area_id is not None
        },
        regions=frozenset(regions),
        countries=frozenset(countries),
        start=start,
        end=end,
        links=frozenset(links),
        spans=frozenset(_spans(a.identifier)),
        words=content_words(activity_text(a)),
    )


# Components -----------------------------------------------------------------------------------

_Part = tuple[float, list[tuple[str, dict[str, object]]]]


def _institution(p: _Profile, q: _Profile) -> _Part | None:
    common_ids = p.institutions & q.institutions
    if common_ids:
        return 1.0, [("same_institution", {"institution_id": min(common_ids)})]
    if p.institution_types and q.institution_types:
        common = sorted(p.institution_types & q.institution_types)
        if common:
            return 0.6, [("same_institution_type", {"types": common})]
        return None
    if p.institutions and q.institutions:
        return None
    return UNKNOWN, []


def _capability(p: _Profile, q: _Profile) -> _Part | None:
    if p.capabilities and q.capabilities:
        common = p.capabilities & q.capabilities
        if not common:
            return None
        value = len(common) / min(len(p.capabilities), len(q.capabilities))
        return value, [("same_capability", {"capabilities": sorted(c.value for c in common)})]
    if p.sectors and q.sectors:
        shared = p.sectors & q.sectors
        if not shared:
            return 0.0, []  # sector codes differ between publishers: weak, not excluding
        value = 0.8 * len(shared) / min(len(p.sectors), len(q.sectors))
        names = sorted(p.sector_names.get(g, g) for g in shared)
        return value, [("same_sector", {"sectors": names})]
    return UNKNOWN, []


def _place(p: _Profile, q: _Profile) -> _Part | None:
    if p.countries and q.countries and not p.countries & q.countries:
        return None
    if p.areas and q.areas:
        common = p.areas & q.areas
        if common:
            area = min(common)
            name = p.area_names.get(area) or q.area_names.get(area)
            return 1.0, [("same_area", {"admin_area_id": area, "name": name})]
        region = (p.areas | p.regions) & (q.areas | q.regions)
        if region:
            return 0.7, [("same_region", {"admin_area_id": min(region)})]
        return None
    common_countries = sorted(p.countries & q.countries)
    if common_countries:
        return 0.4, [("same_country", {"countries": common_countries})]
    return UNKNOWN, []


def _interval(p: _Profile) -> tuple[float, float, bool] | None:
    """Start and end as ordinals (end may be infinite: ongoing) and whether one side is guessed."""
    if p.start is None and p.end is None:
        return None
    end = float(p.end.toordinal()) if p.end else math.inf
    start = float(p.start.toordinal()) if p.start else end - 365
    return start, end, p.start is None or p.end is None


def _time(p: _Profile, q: _Profile) -> _Part | None:
    a, b = _interval(p), _interval(q)
    if a is None or b is None:
        return UNKNOWN, [("dates_unknown", {})]
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    if hi < lo:
        return None
    shortest = min(a[1] - a[0], b[1] - b[0])
    value = 1.0 if math.isinf(shortest) else min(1.0, (hi - lo) / max(shortest, MIN_DAYS))
    if a[2] or b[2]:
        value = min(value, PARTLY_KNOWN_TIME)
    years: dict[str, object] = {
        "from": date.fromordinal(int(lo)).year,
        "to": None if math.isinf(hi) else date.fromordinal(int(hi)).year,
    }
    return value, [("overlap_years", years)]


def _funder_implementer(p: _Profile, q: _Profile) -> _Part:
    for funder, implementer in ((p, q), (q, p)):
        via = funder.own & implementer.funders
        back = implementer.own & funder.implementers
        if via and back:
            return 1.0, [
                (
                    "funder_implementer",
                    {
                        "funder": funder.names[min(via)],
                        "implementer": implementer.names[min(back)],
                    },
                )
            ]
    return 0.0, []


_SEPARATORS = re.compile(r"[-_./:]")


def _spans(identifier: str) -> set[str]:
    """Every run of whole separator-delimited pieces of an identifier, at least 6 characters."""
    cuts = [0] + [m.start() for m in _SEPARATORS.finditer(identifier)] + [len(identifier)]
    out = set()
    for x in range(len(cuts)):
        for y in range(x + 1, len(cuts)):
            piece = identifier[cuts[x] + (1 if x else 0) : cuts[y]]
            if len(piece) >= 6 and piece != identifier:
                out.add(piece)
    return out


def _linked(a: Activity, p: _Profile, b: Activity, q: _Profile) -> _Part:
    for one_p, other in ((p, b), (q, a)):
        if other.identifier in one_p.links or other.identifier in one_p.spans:
            return 1.0, [("declared_link", {"identifier": other.identifier})]
    return 0.0, []


def _hierarchy(x: str, y: str) -> bool:
    short, long = sorted((x, y), key=len)
    return long.startswith(short) and long[len(short) : len(short) + 1] in {"-", ".", "_", "/"}


def _same_actor(a: Activity, p: _Profile, b: Activity, q: _Profile) -> bool:
    """Same reporting organisation and the same identifier, the same implementers, or one is
    the other's sub-activity (its identifier followed by a separator)."""
    if not (p.reporter & q.reporter):
        return False
    return (
        a.identifier == b.identifier
        or _hierarchy(a.identifier, b.identifier)
        or p.implementers == q.implementers
    )


def _same_publisher(p: _Profile, q: _Profile) -> _Part:
    common = p.reporter & q.reporter
    if common:
        return 1.0, [("same_publisher", {"name": p.names[min(common)]})]
    return 0.0, []


def score(components: Mapping[str, float]) -> float:
    """The logistic score of a pair's components.

    >>> round(score({"text": 1.0, "place": 1.0, "time": 1.0, "capability": 1.0}), 3) > 0.5
    True
    """
    z = INTERCEPT + sum(w * components.get(k, 0.0) for k, w in WEIGHTS.items())
    return 1.0 / (1.0 + math.exp(-z))


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two activities that may report the same work, with why."""

    first: str
    """Identifier of the first activity (the smaller of the two, as ``PairDecision.key``)."""
    second: str
    score: float
    """0..1, the logistic model of the components; pairs at or above the threshold are shown."""
    text_similarity: float
    components: dict[str, float]
    explanation: Explanation
    """``(code, params)`` for the interface to translate; see ``explain`` for the codes."""
    decision: Decision | None = None
    first_id: int | None = None
    second_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.first, self.second)


def pair_to_json(pair: DuplicatePair) -> dict[str, Any]:
    """A pair as JSON, to share a search between processes; ``pair_from_json`` reads it back.

    Explanation parameters are numbers, text and lists of text, which JSON keeps as they are.
    """
    return {
        "first": pair.first,
        "second": pair.second,
        "score": pair.score,
        "text": pair.text_similarity,
        "components": pair.components,
        "explanation": [[code, params] for code, params in pair.explanation],
        "decision": pair.decision.value if pair.decision else None,
        "ids": [pair.first_id, pair.second_id],
    }


def pair_from_json(doc: Mapping[str, Any]) -> DuplicatePair:
    """A pair as ``pair_to_json`` wrote it.

    >>> p = DuplicatePair("A", "B", 0.7, 0.5, {"text": 0.5}, (("same_publisher", {}),))
    >>> pair_from_json(pair_to_json(p)) == p
    True
    """
    return DuplicatePair(
        first=doc["first"],
        second=doc["second"],
        score=doc["score"],
        text_similarity=doc["text"],
        components=dict(doc["components"]),
        explanation=tuple((code, dict(params)) for code, params in doc["explanation"]),
        decision=Decision(doc["decision"]) if doc["decision"] else None,
        first_id=doc["ids"][0],
        second_id=doc["ids"][1],
    )


def _compare(
    a: Activity,
    p: _Profile,
    b: Activity,
    q: _Profile,
    text: float,
    crowd: int,
    decisions: Mapping[tuple[str, str], Decision],
) -> DuplicatePair | None:
    if _same_actor(a, p, b, q):
        return None
    link = _linked(a, p, b, q)
    parts: dict[str, _Part] = {}
    for name, rule in (
        ("institution", _institution),
        ("capability", _capability),
        ("place", _place),
        ("time", _time),
    ):
        part = rule(p, q)
        if part is None and not (name == "capability" and link[0]):
            return None  # no overlap on this axis (a declared link overrides sector coding)
        parts[name] = part if part is not None else (0.0, [])
    parts["funder_implementer"] = _funder_implementer(p, q)
    parts["declared_link"] = link
    parts["same_publisher"] = _same_publisher(p, q)
    shortest = min(p.words, q.words)
    parts["short_text"] = (
        (max(0.0, 1.0 - shortest / SHORT_WORDS), [("short_text", {"words": shortest})])
        if shortest < SHORT_WORDS
        else (0.0, [])
    )
    parts["common_text"] = (
        (min(1.0, crowd / CROWD_SATURATION), [("common_text", {"count": crowd})])
        if crowd
        else (0.0, [])
    )
    components = {k: round(v, 4) for k, (v, _) in parts.items()}
    components["text"] = round(text, 4)
    explanation: list[tuple[str, dict[str, object]]] = []
    for k in (
        "declared_link",
        "funder_implementer",
        "same_publisher",
        "institution",
        "capability",
        "place",
        "time",
    ):
        explanation += parts[k][1]
    if text >= 0.05:
        explanation.append(("similar_text", {"percent": round(100 * text)}))
    explanation += parts["common_text"][1] + parts["short_text"][1]
    first, second = (a, b) if a.identifier <= b.identifier else (b, a)
    key = PairDecision.key(a.identifier, b.identifier)
    decision = decisions.get(key, decisions.get((key[1], key[0])))
    return DuplicatePair(
        first=first.identifier,
        second=second.identifier,
        score=round(score(components), 4),
        text_similarity=round(text, 4),
        components=components,
        explanation=tuple(explanation),
        decision=decision,
        first_id=first.id,
        second_id=second.id,
    )


# Candidates ----------------------------------------------------------------------------------


def _keys(profiles: Sequence[_Profile]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Which capability or sector each activity has (a sparse 0/1 matrix), and which have none."""
    matrix = _incidence(
        [[f"cap:{c.value}" for c in p.capabilities] + sorted(p.sectors) for p in profiles]
    )
    return matrix, np.asarray(matrix.sum(axis=1)).ravel() == 0


def _time_arrays(profiles: Sequence[_Profile]) -> tuple[np.ndarray, np.ndarray]:
    lo = np.full(len(profiles), -np.inf)
    hi = np.full(len(profiles), np.inf)
    for i, p in enumerate(profiles):
        interval = _interval(p)
        if interval is not None:
            lo[i], hi[i] = interval[0], interval[1]
    return lo, hi


def _candidates(
    activities: Sequence[Activity],
    profiles: Sequence[_Profile],
    similarity: TextSimilarity,
    text_floor: float,
    chunk: int = 250,
) -> tuple[dict[tuple[int, int], float], dict[int, set[int]], set[tuple[int, int]]]:
    """Candidate pairs (by position) and their text similarity; for each activity the others
    in its block whose text is nearly the same (``NEAR_TEXT``; see ``common_text``); and the
    pairs that declare a link or swap roles (``_linked_pairs``).

    Blocks are countries (activities without one form their own block). Within a block a pair
    is kept when its dates may overlap and its text similarity reaches ``text_floor`` if the
    two share a capability or sector (or one has none), ``SECTOR_FREE_FLOOR`` otherwise:
    funders and implementers often code the same work under different sectors. Pairs that
    declare a link, show swapped funder/implementer roles, or support the same institution
    with the same capability in the same place are kept whatever their text.

    Pairs of one actor (the same reporting organisations and implementers) are counted in the
    crowds but not returned: ``_compare`` would refuse them, and a publisher's hundreds of
    activities sharing one boilerplate text would otherwise make millions of them.
    """
    lo, hi = _time_arrays(profiles)
    keys, keyless = _keys(profiles)
    reporter, implementers = _actor_ids(profiles)
    found: dict[tuple[int, int], float] = {}
    near: dict[int, set[int]] = defaultdict(set)
    countries: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for country in sorted(p.countries) or ["?"]:
            countries[country].append(i)
    # TF-IDF compares a block of rows with the rest at once (the same products, without
    # gathering the texts of every pair first); other similarities go pair by pair.
    block = getattr(similarity, "block", None)
    for members in countries.values():
        m = np.array(members, dtype=np.int64)
        for start in range(0, m.size, chunk):
            rows = m[start : start + chunk]
            cols = m[start + 1 :]
            if cols.size == 0:
                continue
            at_row = np.repeat(np.arange(rows.size), cols.size)
            at_col = np.tile(np.arange(cols.size), rows.size)
            ii, jj = rows[at_row], cols[at_col]
            keep = (ii < jj) & (np.maximum(lo[ii], lo[jj]) <= np.minimum(hi[ii], hi[jj]))
            ii, jj = ii[keep], jj[keep]
            if ii.size == 0:
                continue
            if block is not None:
                sims = block(rows, cols)[at_row[keep], at_col[keep]]
            else:
                sims = similarity.pairwise(ii, jj)
            keep = sims >= text_floor
            ii, jj, sims = ii[keep], jj[keep], sims[keep]
            close = sims >= NEAR_TEXT
            for x, y in zip(ii[close].tolist(), jj[close].tolist(), strict=True):
                near[x].add(y)
                near[y].add(x)
            keep = _other_actors(reporter, implementers, ii, jj)
            ii, jj, sims = ii[keep], jj[keep], sims[keep]
            shared = np.asarray(keys[ii].multiply(keys[jj]).sum(axis=1)).ravel() > 0
            keep = (sims >= SECTOR_FREE_FLOOR) | shared | keyless[ii] | keyless[jj]
            for x, y, s in zip(
                ii[keep].tolist(), jj[keep].tolist(), sims[keep].tolist(), strict=True
            ):
                found[(x, y)] = s

    linked = _linked_pairs(activities, profiles)
    structural = set(linked)
    # Two organisations supporting the same institution with the same (specific) capability in
    # the same admin area are a coordination finding even when they describe the work in
    # other words. Sparse products, a block of rows at a time, find them.
    n_all = len(profiles)
    institutions = _incidence([p.institutions for p in profiles])
    specific = _incidence([p.capabilities - {Capability.SSR_GENERAL} for p in profiles])
    areas = _incidence([p.areas for p in profiles])
    codes = [np.array([x * n_all + y for x, y in structural], dtype=np.int64)]
    for start in range(0, n_all, chunk):
        rows = np.arange(start, min(start + chunk, n_all))
        both = (institutions[rows] @ institutions.T).multiply(specific[rows] @ specific.T)
        r, c = both.multiply(areas[rows] @ areas.T).nonzero()
        i, j = rows[r], c.astype(np.int64)
        keep = (j > i) & (np.maximum(lo[i], lo[j]) <= np.minimum(hi[i], hi[j]))
        keep &= _other_actors(reporter, implementers, i, j)
        codes.append(i[keep] * n_all + j[keep])
    every = np.unique(np.concatenate(codes))
    if found and every.size:
        seen = np.fromiter((x * n_all + y for x, y in found), dtype=np.int64, count=len(found))
        every = every[~np.isin(every, seen)]
    if every.size:
        ii, jj = every // n_all, every % n_all
        ok = np.maximum(lo[ii], lo[jj]) <= np.minimum(hi[ii], hi[jj])
        ok &= _other_actors(reporter, implementers, ii, jj)
        ii, jj = ii[ok], jj[ok]
        if ii.size:
            sims = similarity.pairwise(ii, jj)
            for x, y, s in zip(ii.tolist(), jj.tolist(), sims.tolist(), strict=True):
                found[(x, y)] = s
                if s >= NEAR_TEXT:
                    near[x].add(y)
                    near[y].add(x)
    return found, near, linked


def _incidence(
    memberships: Sequence[Iterable[Hashable]], index: dict[Hashable, int] | None = None
) -> sparse.csr_matrix:
    """A 0/1 sparse matrix: row ``k`` marks the members of ``memberships[k]``; columns follow
    ``index`` (extended with new members) when given, so that matrices can be multiplied."""
    index = {} if index is None else index
    rows: list[int] = []
    cols: list[int] = []
    for k, members in enumerate(memberships):
        for member in members:
            rows.append(k)
            cols.append(index.setdefault(member, len(index)))
    return sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(memberships), max(len(index), 1)),
    )


def _linked_pairs(
    activities: Sequence[Activity], profiles: Sequence[_Profile]
) -> set[tuple[int, int]]:
    """Pairs (by position, smaller first) where one declares the other (``_linked``) or whose
    organisations appear with swapped roles (``_funder_implementer``): exactly the pairs
    whose ``declared_link`` or ``funder_implementer`` component can be 1."""
    linked: set[tuple[int, int]] = set()
    by_identifier = {a.identifier: n for n, a in enumerate(activities)}
    for n, p in enumerate(profiles):
        for ref in p.links | p.spans:
            m2 = by_identifier.get(ref)
            if m2 is not None and m2 != n:
                linked.add((min(n, m2), max(n, m2)))
    # n is funded by m (an organisation of m's own among n's funders) and m implements through
    # n (one of n's own among m's implementers): sparse products, a block of rows at a time.
    organisations: dict[Hashable, int] = {}
    funders = _incidence([p.funders for p in profiles], organisations)
    own = _incidence([p.own for p in profiles], organisations)
    implementers = _incidence([p.implementers for p in profiles], organisations)
    width = max(len(organisations), 1)
    funders, own, implementers = (_widen(x, width) for x in (funders, own, implementers))
    for start in range(0, len(profiles), 500):
        rows = np.arange(start, min(start + 500, len(profiles)))
        swapped = (funders[rows] @ own.T).multiply(own[rows] @ implementers.T)
        r, c = swapped.nonzero()
        for x, y in zip(rows[r].tolist(), c.tolist(), strict=True):
            if x != y:
                linked.add((min(x, y), max(x, y)))
    return linked


def _widen(matrix: sparse.csr_matrix, width: int) -> sparse.csr_matrix:
    """The matrix with as many columns as ``width`` (incidence matrices built one after the
    other on a shared index have fewer columns the earlier they were built)."""
    matrix.resize((matrix.shape[0], width))
    return matrix


def _score_bound(
    found: Mapping[tuple[int, int], float],
    profiles: Sequence[_Profile],
    near: Mapping[int, set[int]],
    linked: set[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs as arrays and, for each, a score no lower than ``_compare``'s.

    Every component with a positive weight is taken at its largest possible value unless it is
    cheap to know exactly (text, time, a shared institution or area); those with a negative
    weight (same publisher, common and short text) at their exact value. Linked pairs get
    1.0 (they always go on to ``_compare``). Only pairs whose bound reaches the threshold
    need the full comparison, which is the slow part for tens of thousands of activities."""
    n = len(found)
    ii = np.fromiter((i for i, _ in found), dtype=np.int64, count=n)
    jj = np.fromiter((j for _, j in found), dtype=np.int64, count=n)
    text = np.fromiter(found.values(), dtype=np.float64, count=n)
    if n == 0:
        return ii, jj, text
    start = np.full(len(profiles), np.nan)
    end = np.full(len(profiles), np.nan)
    guessed = np.zeros(len(profiles), dtype=bool)
    for k, p in enumerate(profiles):
        interval = _interval(p)
        if interval is not None:
            start[k], end[k], guessed[k] = interval
    known = ~np.isnan(start[ii]) & ~np.isnan(start[jj])
    with np.errstate(invalid="ignore"):
        lo = np.maximum(start[ii], start[jj])
        hi = np.minimum(end[ii], end[jj])
        shortest = np.minimum(end[ii] - start[ii], end[jj] - start[jj])
        overlap = np.where(
            np.isinf(shortest), 1.0, np.minimum(1.0, (hi - lo) / np.maximum(shortest, MIN_DAYS))
        )
    overlap = np.where(guessed[ii] | guessed[jj], np.minimum(overlap, PARTLY_KNOWN_TIME), overlap)
    time = np.where(known, np.clip(np.nan_to_num(overlap, nan=1.0), 0.0, 1.0), UNKNOWN)

    def shared(memberships: Sequence[Iterable[Hashable]]) -> np.ndarray:
        matrix = _incidence(memberships)
        out = np.zeros(n, dtype=bool)
        for k in range(0, n, 200_000):
            a, b = matrix[ii[k : k + 200_000]], matrix[jj[k : k + 200_000]]
            out[k : k + 200_000] = np.asarray(a.multiply(b).sum(axis=1)).ravel() > 0
        return out

    institution = np.where(shared([p.institutions for p in profiles]), 1.0, 0.6)
    place = np.where(shared([p.areas for p in profiles]), 1.0, 0.7)
    publisher = shared([p.reporter for p in profiles]).astype(np.float64)
    words = np.array([p.words for p in profiles], dtype=np.float64)
    fewest = np.minimum(words[ii], words[jj])
    short = np.where(fewest < SHORT_WORDS, np.maximum(0.0, 1.0 - fewest / SHORT_WORDS), 0.0)
    sizes = np.array([len(near.get(k, _NOBODY)) for k in range(len(profiles))], dtype=np.float64)
    close = (text >= NEAR_TEXT).astype(np.float64)  # then each is in the other's crowd
    crowd = np.maximum(sizes[ii] - close, sizes[jj] - close)
    common = np.minimum(1.0, crowd / CROWD_SATURATION)
    z = (
        INTERCEPT
        + WEIGHTS["text"] * text
        + WEIGHTS["time"] * time
        + WEIGHTS["institution"] * institution
        + WEIGHTS["place"] * place
        + WEIGHTS["capability"] * 1.0
        + WEIGHTS["same_publisher"] * publisher
        + WEIGHTS["common_text"] * common
        + WEIGHTS["short_text"] * short
    )
    bound: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    if linked:
        codes = ii * len(profiles) + jj
        wanted = np.fromiter((x * len(profiles) + y for x, y in linked), dtype=np.int64)
        bound[np.isin(codes, wanted)] = 1.0
    return ii, jj, bound


def _other_actors(
    reporter: np.ndarray, implementers: np.ndarray, ii: np.ndarray, jj: np.ndarray
) -> np.ndarray:
    """Pairs not certainly of one actor (numbers from ``_actor_ids``; see ``_same_actor``)."""
    mask: np.ndarray = (
        (reporter[ii] < 0) | (reporter[ii] != reporter[jj]) | (implementers[ii] != implementers[jj])
    )
    return mask


def _actor_ids(profiles: Sequence[_Profile]) -> tuple[np.ndarray, np.ndarray]:
    """A number for each activity's set of reporting organisations (-1 for none) and one for
    its set of implementers: equal numbers on both make a pair ``_same_actor``."""
    reporters: dict[frozenset[str], int] = {}
    implementers: dict[frozenset[str], int] = {}
    rep = np.array(
        [reporters.setdefault(p.reporter, len(reporters)) if p.reporter else -1 for p in profiles],
        dtype=np.int64,
    )
    imp = np.array(
        [implementers.setdefault(p.implementers, len(implementers)) for p in profiles],
        dtype=np.int64,
    )
    return rep, imp


def _crowd(near: Mapping[int, set[int]], i: int, j: int) -> int:
    """How many other activities share the text of ``i`` or of ``j`` (the larger count)."""
    first, second = near.get(i, _NOBODY), near.get(j, _NOBODY)
    return max(len(first) - (j in first), len(second) - (i in second))


_NOBODY: frozenset[int] = frozenset()


# The public functions -------------------------------------------------------------------------


def find_duplicates(
    activities: Sequence[Activity],
    *,
    institution_types: Mapping[int, str] | None = None,
    area_parents: Mapping[int, int] | None = None,
    decisions: Mapping[tuple[str, str], Decision] | None = None,
    threshold: float = THRESHOLD,
    similarity: TextSimilarity | None = None,
    text_floor: float = TEXT_FLOOR,
) -> list[DuplicatePair]:
    """Pairs of activities that may report the same work, most likely first.

    Parameters
    ----------
    activities
        Activities of any number of publishers and countries.
    institution_types
        Institution id to its ``InstitutionType`` value, to compare institutions by type.
    area_parents
        Admin area id to its parent's id, to match a district with its region.
    decisions
        Coordinators' decisions keyed by ``PairDecision.key``; a decided pair is returned with
        its decision whatever its score (a dismissed pair can then be hidden).
    threshold
        Smallest score reported.
    similarity
        Text similarity (not yet fitted); ``TfidfSimilarity()`` by default.
    text_floor
        Blocked pairs with a text similarity below this are not candidates.

    Examples
    --------
    >>> from datetime import date
    >>> from peaceops.domain.coordination import Activity, OrgRole, Participant
    >>> def act(ident, org, title, description):
    ...     return Activity(ident, {"en": title}, {"en": description}, countries=[("SOM", None)],
    ...                     planned_start=date(2024, 1, 1), planned_end=date(2024, 12, 31),
    ...                     reporting_org=Participant(OrgRole.EXTENDING, org))
    >>> pairs = find_duplicates([
    ...     act("A-1", "Donor", "Training of police officers in Kismayo district",
    ...         "Basic training for 200 police officers of the Jubaland police in Kismayo, "
    ...         "with equipment and mentoring of station commanders"),
    ...     act("B-1", "NGO", "Police officers training, Kismayo district",
    ...         "Training 200 Jubaland police officers in Kismayo; mentoring for station "
    ...         "commanders and equipment"),
    ...     act("C-1", "Other", "Rehabilitation of water points in Baidoa",
    ...         "Boreholes and water points rehabilitated in Baidoa for displaced families")])
    >>> [(p.first, p.second) for p in pairs]
    [('A-1', 'B-1')]
    >>> explain(pairs[0])
    'in the same country (SOM), in 2024; 75% similar descriptions (short texts: 10 words)'
    """
    decisions = decisions or {}
    profiles = [_profile(a, institution_types or {}, area_parents or {}) for a in activities]
    sim = (similarity or TfidfSimilarity()).fit([activity_text(a) for a in activities])
    found, near, linked = _candidates(activities, profiles, sim, text_floor)
    ii, jj, bound = _score_bound(found, profiles, near, linked)
    # Components are rounded to 4 places before scoring: a margin covers that.
    worth = bound >= threshold - BOUND_MARGIN
    if decisions:
        decided = {x for key in decisions for x in (key, key[::-1])}
        worth |= np.array(
            [(activities[i].identifier, activities[j].identifier) in decided for i, j in found],
            dtype=bool,
        )
    out = []
    for i, j in zip(ii[worth].tolist(), jj[worth].tolist(), strict=True):
        a, b = activities[i], activities[j]
        pair = _compare(
            a, profiles[i], b, profiles[j], found[(i, j)], _crowd(near, i, j), decisions
        )
        if pair is not None and (pair.score >= threshold or pair.decision is not None):
            out.append(pair)
    out.sort(key=lambda x: (-x.score, x.first, x.second))
    return out


def compare(
    activities: Sequence[Activity],
    pairs: Sequence[tuple[str, str]],
    *,
    institution_types: Mapping[int, str] | None = None,
    area_parents: Mapping[int, int] | None = None,
    decisions: Mapping[tuple[str, str], Decision] | None = None,
    similarity: TextSimilarity | None = None,
) -> list[DuplicatePair | None]:
    """Components and score of given pairs (by identifier), None where a rule excludes the pair.

    No blocking and no text floor: this answers "why is (or is not) this pair flagged".
    """
    index = {a.identifier: n for n, a in enumerate(activities)}
    profiles = [_profile(a, institution_types or {}, area_parents or {}) for a in activities]
    sim = (similarity or TfidfSimilarity()).fit([activity_text(a) for a in activities])
    ii = np.array([index[x] for x, _ in pairs], dtype=np.int64)
    jj = np.array([index[y] for _, y in pairs], dtype=np.int64)
    texts = sim.pairwise(ii, jj) if len(pairs) else np.zeros(0)
    _, near, _ = _candidates(activities, profiles, sim, NEAR_TEXT)
    return [
        _compare(
            activities[i],
            profiles[i],
            activities[j],
            profiles[j],
            t,
            _crowd(near, i, j),
            decisions or {},
        )
        for i, j, t in zip(ii.tolist(), jj.tolist(), texts.tolist(), strict=True)
    ]


_PHRASES: dict[str, str] = {
    "declared_link": "one declares the other ({identifier}) as its source",
    "funder_implementer": "{funder} funds {implementer} and both report it",
    "same_institution": "support the same institution",
    "same_institution_type": "support {types} institutions",
    "same_capability": "work on {capabilities}",
    "same_sector": "are in the {sectors} sector",
    "same_area": "in the same area ({name})",
    "same_region": "in the same region",
    "same_country": "in the same country ({countries})",
    "same_publisher": "both published by {name}",
    "common_text": "the same text appears in {count} other activities",
    "short_text": "short texts: {words} words",
    "dates_unknown": "dates unknown",
}


_BOTH = ("same_institution", "same_institution_type", "same_capability", "same_sector")


def explain(pair: DuplicatePair) -> str:
    """The pair's explanation as one plain English sentence, for the command line.

    Codes: ``declared_link`` (identifier), ``funder_implementer`` (funder, implementer),
    ``same_institution`` (institution_id), ``same_institution_type`` (types),
    ``same_capability`` (capabilities), ``same_sector`` (sectors), ``same_area``
    (admin_area_id, name), ``same_region`` (admin_area_id), ``same_country`` (countries),
    ``overlap_years`` (from, to; to is None when ongoing), ``dates_unknown``, ``similar_text``
    (percent).
    """
    lead: list[str] = []
    both: list[str] = []
    where_when: list[str] = []
    similar = ""
    for code, params in pair.explanation:
        shown = {
            k: " and ".join(str(x).replace("_", " ") for x in v) if isinstance(v, list) else v
            for k, v in params.items()
        }
        if code == "overlap_years":
            start, end = params["from"], params["to"]
            if start == end:
                where_when.append(f"in {start}")
            else:
                where_when.append(f"from {start}" if end is None else f"in {start}-{end}")
        elif code == "similar_text":
            similar = f"{params['percent']}% similar descriptions"
        elif code in ("common_text", "short_text"):
            similar += f" ({_PHRASES[code].format(**shown)})"
        elif code in ("declared_link", "funder_implementer", "same_publisher"):
            lead.append(_PHRASES[code].format(**shown))
        elif code in (
            "same_institution",
            "same_institution_type",
            "same_capability",
            "same_sector",
        ):
            both.append(_PHRASES[code].format(**shown))
        elif code in _PHRASES:
            where_when.append(_PHRASES[code].format(**shown))
    main = ", ".join(x for x in [("both " + " and ".join(both)) if both else "", *where_when] if x)
    text = "; ".join(x for x in [*lead, main, similar] if x)
    if pair.decision is not None:
        text += f" (marked {pair.decision.value})"
    return text
