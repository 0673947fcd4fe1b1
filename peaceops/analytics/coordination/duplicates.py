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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, Self

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
    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, p in enumerate(profiles):
        for key in [f"cap:{c.value}" for c in p.capabilities] + sorted(p.sectors):
            rows.append(i)
            cols.append(index.setdefault(key, len(index)))
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)),
        shape=(len(profiles), max(len(index), 1)),
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
) -> dict[tuple[int, int], float]:
    """Candidate pairs (by position) and their text similarity.

    Blocks are countries (activities without one form their own block). Within a block a pair
    is kept when its dates may overlap and its text similarity reaches ``text_floor`` if the
    two share a capability or sector (or one has none), ``SECTOR_FREE_FLOOR`` otherwise:
    funders and implementers often code the same work under different sectors. Pairs that
    declare a link, show swapped funder/implementer roles, or support the same institution
    with the same capability in the same place are kept whatever their text.
    """
    lo, hi = _time_arrays(profiles)
    keys, keyless = _keys(profiles)
    found: dict[tuple[int, int], float] = {}
    countries: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(profiles):
        for country in sorted(p.countries) or ["?"]:
            countries[country].append(i)
    for members in countries.values():
        m = np.array(members, dtype=np.int64)
        for start in range(0, m.size, chunk):
            rows = m[start : start + chunk]
            cols = m[start + 1 :]
            if cols.size == 0:
                continue
            ii = np.repeat(rows, cols.size)
            jj = np.tile(cols, rows.size)
            keep = (ii < jj) & (np.maximum(lo[ii], lo[jj]) <= np.minimum(hi[ii], hi[jj]))
            ii, jj = ii[keep], jj[keep]
            if ii.size == 0:
                continue
            sims = similarity.pairwise(ii, jj)
            keep = sims >= text_floor
            ii, jj, sims = ii[keep], jj[keep], sims[keep]
            shared = np.asarray(keys[ii].multiply(keys[jj]).sum(axis=1)).ravel() > 0
            keep = (sims >= SECTOR_FREE_FLOOR) | shared | keyless[ii] | keyless[jj]
            for x, y, s in zip(
                ii[keep].tolist(), jj[keep].tolist(), sims[keep].tolist(), strict=True
            ):
                found[(x, y)] = s

    structural: set[tuple[int, int]] = set()
    by_identifier = {a.identifier: n for n, a in enumerate(activities)}
    by_own: dict[str, list[int]] = defaultdict(list)
    for n, p in enumerate(profiles):
        for k in p.own:
            by_own[k].append(n)
    for n, p in enumerate(profiles):
        for ref in p.links | p.spans:
            m2 = by_identifier.get(ref)
            if m2 is not None and m2 != n:
                structural.add((min(n, m2), max(n, m2)))
        for f in p.funders:
            for m2 in by_own.get(f, ()):
                if m2 != n and p.own & profiles[m2].implementers:
                    structural.add((min(n, m2), max(n, m2)))
    # Two organisations supporting the same institution with the same (specific) capability in
    # the same admin area are a coordination finding even when they describe the work in
    # other words.
    by_institution: dict[int, list[int]] = defaultdict(list)
    for n, p in enumerate(profiles):
        for inst in p.institutions:
            by_institution[inst].append(n)
    for members in by_institution.values():
        for pos, n in enumerate(members):
            p = profiles[n]
            for m2 in members[pos + 1 :]:
                q = profiles[m2]
                specific = (p.capabilities & q.capabilities) - {Capability.SSR_GENERAL}
                if specific and p.areas & q.areas:
                    structural.add((min(n, m2), max(n, m2)))
    extra = sorted(structural - found.keys())
    if extra:
        ii = np.array([x for x, _ in extra], dtype=np.int64)
        jj = np.array([y for _, y in extra], dtype=np.int64)
        ok = np.maximum(lo[ii], lo[jj]) <= np.minimum(hi[ii], hi[jj])
        ii, jj = ii[ok], jj[ok]
        if ii.size:
            sims = similarity.pairwise(ii, jj)
            for x, y, s in zip(ii.tolist(), jj.tolist(), sims.tolist(), strict=True):
                found[(x, y)] = s
    return found


def _crowds(found: Mapping[tuple[int, int], float]) -> dict[int, set[int]]:
    """For each activity, the others whose text is nearly the same (within its country)."""
    near: dict[int, set[int]] = defaultdict(set)
    for (i, j), text in found.items():
        if text >= NEAR_TEXT:
            near[i].add(j)
            near[j].add(i)
    return near


def _crowd(near: Mapping[int, set[int]], i: int, j: int) -> int:
    return max(len(near.get(i, set()) - {j}), len(near.get(j, set()) - {i}))


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
    found = _candidates(activities, profiles, sim, text_floor)
    near = _crowds(found)
    out = []
    for (i, j), text in found.items():
        a, b = activities[i], activities[j]
        pair = _compare(a, profiles[i], b, profiles[j], text, _crowd(near, i, j), decisions)
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
    near = _crowds(_candidates(activities, profiles, sim, NEAR_TEXT))
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
