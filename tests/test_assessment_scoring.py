"""Assessment statistics and scoring, checked against naive reference implementations."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from peaceops.analytics.assessment import scoring
from peaceops.analytics.assessment.stats import (
    Estimate,
    bootstrap_mean,
    count_share,
    kish_neff,
    poisson_rate,
    weighted_share,
    wilson,
)
from peaceops.domain.assessment import (
    AdminValue,
    Check,
    Direction,
    Evidence,
    EvidenceSource,
    Framework,
    SurveyResponse,
    Thresholds,
)
from peaceops.ingest.frameworks import read_yaml, to_domain

FIXTURE = Path(__file__).parent / "fixtures" / "framework_min.yaml"
END = date(2026, 5, 31)


@pytest.fixture(scope="module")
def mini() -> Framework:
    return to_domain(read_yaml(FIXTURE))


# Reference implementations -------------------------------------------------------------------


def naive_wilson(k: int, n: int) -> tuple[float, float]:
    result = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return result.low, result.high


def naive_poisson_interval(k: int) -> tuple[float, float]:
    """Exact Poisson limits by root-finding on the cumulative distribution."""
    low = 0.0
    if k > 0:
        low = optimize.brentq(lambda mu: sps.poisson.sf(k - 1, mu) - 0.025, 1e-9, 10 * k + 10)
    high = optimize.brentq(lambda mu: sps.poisson.cdf(k, mu) - 0.025, 1e-9, 10 * k + 50)
    return low, high


def naive_weighted_share(fav: list[int], w: list[float]) -> float:
    num = den = 0.0
    for f, x in zip(fav, w, strict=True):
        num += f * x
        den += x
    return num / den


def naive_bootstrap(values: list[float], weights: list[float], draws: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(draws):
        idx = rng.integers(0, len(values), size=len(values))
        num = sum(values[i] * weights[i] for i in idx)
        den = sum(weights[i] for i in idx)
        means.append(num / den)
    return [float(x) for x in np.quantile(means, [0.025, 0.975])]


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_scipy(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = wilson(k, n)
    ref_low, ref_high = naive_wilson(k, n)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)


@given(st.integers(0, 3000), st.floats(100, 1e7))
@settings(max_examples=60)
def test_poisson_rate_matches_root_finding(k: int, exposure: float) -> None:
    est = poisson_rate(k, exposure, per=100_000)
    ref_low, ref_high = naive_poisson_interval(k)
    scale = 100_000 / exposure
    assert est.value == pytest.approx(k * scale)
    assert est.low == pytest.approx(ref_low * scale, rel=1e-6, abs=1e-9)
    assert est.high == pytest.approx(ref_high * scale, rel=1e-6)


weights_st = st.lists(st.floats(0.1, 5.0), min_size=1, max_size=60)


@given(st.data())
def test_weighted_share_matches_naive_sum(data: st.DataObject) -> None:
    w = data.draw(weights_st)
    fav = data.draw(st.lists(st.integers(0, 1), min_size=len(w), max_size=len(w)))
    est = weighted_share(fav, w)
    assert est.value == pytest.approx(naive_weighted_share(fav, w))
    assert est.n == pytest.approx(sum(w) ** 2 / sum(x * x for x in w))
    assert est.low <= est.value <= est.high


@given(st.lists(st.integers(0, 1), min_size=1, max_size=80))
def test_weights_of_one_equal_the_unweighted_share(fav: list[int]) -> None:
    weighted = weighted_share(fav, [1.0] * len(fav))
    plain = count_share(sum(fav), len(fav))
    assert weighted.value == pytest.approx(plain.value)
    assert weighted.low == pytest.approx(plain.low)
    assert weighted.high == pytest.approx(plain.high)
    assert kish_neff([1.0] * len(fav)) == len(fav)


@given(st.lists(st.integers(1, 5), min_size=2, max_size=40), st.integers(0, 10_000))
@settings(max_examples=30, deadline=None)
def test_weights_of_one_equal_the_unweighted_bootstrap(values: list[int], seed: int) -> None:
    a = bootstrap_mean(values, [1.0] * len(values), seed=seed, draws=300)
    b = bootstrap_mean(values, None, seed=seed, draws=300)
    assert (a.value, a.low, a.high) == pytest.approx((b.value, b.low, b.high))
    assert a.value == pytest.approx(sum(values) / len(values))


@given(st.data())
@settings(max_examples=15, deadline=None)
def test_bootstrap_matches_a_naive_loop(data: st.DataObject) -> None:
    w = data.draw(st.lists(st.floats(0.2, 3.0), min_size=2, max_size=25))
    v = data.draw(st.lists(st.integers(1, 5), min_size=len(w), max_size=len(w)))
    est = bootstrap_mean(v, w, seed=7, draws=200)
    low, high = naive_bootstrap([float(x) for x in v], w, 200, 7)
    assert est.low == pytest.approx(low)
    assert est.high == pytest.approx(high)


# Normalisation and direction -------------------------------------------------------------------


@given(
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
    st.floats(0.001, 1e3),
)
def test_direction_flip_mirrors_the_normalised_value(value: float, low: float, span: float) -> None:
    t = Thresholds(low, low + span)
    up = t.normalise(value, Direction.HIGHER_BETTER)
    down = t.normalise(value, Direction.LOWER_BETTER)
    assert 0.0 <= up <= 1.0
    assert up + down == pytest.approx(1.0)


def _responses(fav_answers: list[int], weights: list[float]) -> list[SurveyResponse]:
    return [
        SurveyResponse(
            source=EvidenceSource.PUBLIC_SURVEY,
            respondent_ref=f"r{n}",
            answers={"POL-PERF-01-PS": a},
            weight=w,
        )
        for n, (a, w) in enumerate(zip(fav_answers, weights, strict=True))
    ]


@given(st.data())
@settings(max_examples=40, deadline=None)
def test_direction_flip_mirrors_the_indicator_score(mini: Framework, data: st.DataObject) -> None:
    n = data.draw(st.integers(3, 60))
    answers = data.draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    weights = data.draw(st.lists(st.floats(0.2, 4.0), min_size=n, max_size=n))
    evidence = Evidence(responses=_responses(answers, weights))
    ind = mini.indicator("POL-PERF-01")
    flipped = replace(ind, direction=Direction.LOWER_BETTER)
    a = scoring.indicator_sources(ind, evidence, period_end=END, min_cell=5)
    b = scoring.indicator_sources(flipped, evidence, period_end=END, min_cell=5)
    sa = scoring.combine(ind, a, period_end=END)
    sb = scoring.combine(flipped, b, period_end=END)
    assert sa.value + sb.value == pytest.approx(1.0)
    assert sa.low + sb.high == pytest.approx(1.0, abs=1e-9) or sa.low == 0 or sb.high == 1
    assert sa.confidence == pytest.approx(sb.confidence)


# Confidence and conflicts --------------------------------------------------------------------


def _source(
    source: EvidenceSource, value: float, half: float, n: float, as_of: date = END
) -> scoring.SourceScore:
    return scoring.SourceScore(
        indicator="X",
        source=source,
        raw=Estimate(value, max(0.0, value - half), min(1.0, value + half), n),
        value=value,
        low=max(0.0, value - half),
        high=min(1.0, value + half),
        as_of=as_of,
        records=int(n),
    )


source_st = st.builds(
    _source,
    st.sampled_from(list(EvidenceSource)),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.4),
    st.floats(1, 2000),
    st.dates(date(2018, 1, 1), END),
)


@given(st.lists(source_st, min_size=1, max_size=4), st.data())
@settings(max_examples=150, deadline=None)
def test_an_agreeing_source_never_lowers_confidence(
    mini: Framework, sources: list[scoring.SourceScore], data: st.DataObject
) -> None:
    ind = mini.indicator("POL-PERF-01")
    before = scoring.combine(ind, sources, period_end=END)
    extra = data.draw(source_st)
    extra = _source(extra.source, before.value, 0.05, extra.raw.n, extra.as_of)
    after = scoring.combine(ind, [*sources, extra], period_end=END)
    assume(len(after.conflicts) == len(before.conflicts))
    assert after.confidence >= before.confidence - 1e-12


def test_disagreeing_sources_are_flagged_and_both_kept(mini: Framework) -> None:
    ind = mini.indicator("POL-PERF-01")
    public = _source(EvidenceSource.PUBLIC_SURVEY, 0.30, 0.04, 600)
    expert = _source(EvidenceSource.EXPERT_SURVEY, 0.80, 0.10, 40)
    score = scoring.combine(ind, [public, expert], period_end=END)
    assert len(score.conflicts) == 1
    assert score.conflicts[0].difference == pytest.approx(0.5)
    assert {s.source for s in score.sources} == {
        EvidenceSource.PUBLIC_SURVEY,
        EvidenceSource.EXPERT_SURVEY,
    }
    agreeing = scoring.combine(
        ind, [public, _source(EvidenceSource.EXPERT_SURVEY, 0.34, 0.10, 40)], period_end=END
    )
    assert not agreeing.conflicts
    assert agreeing.confidence > score.confidence


def test_precision_weighting_pulls_towards_the_surer_source(mini: Framework) -> None:
    ind = mini.indicator("POL-PERF-01")
    sure = _source(EvidenceSource.PUBLIC_SURVEY, 0.40, 0.02, 2000)
    vague = _source(EvidenceSource.EXPERT_SURVEY, 0.55, 0.30, 10)
    score = scoring.combine(ind, [sure, vague], period_end=END)
    w1, w2 = 1 / sure.se**2, 1 / vague.se**2
    assert score.value == pytest.approx((w1 * 0.40 + w2 * 0.55) / (w1 + w2))
    assert 0.40 < score.value < 0.475
    assert score.se == pytest.approx(1 / math.sqrt(w1 + w2))


def test_old_evidence_counts_for_less(mini: Framework) -> None:
    fresh = _source(EvidenceSource.PUBLIC_SURVEY, 0.5, 0.05, 500, END)
    old = _source(EvidenceSource.PUBLIC_SURVEY, 0.5, 0.05, 500, date(2022, 5, 31))
    assert scoring.source_confidence(old, END) == pytest.approx(
        scoring.source_confidence(fresh, END) / 4, rel=0.01
    )


# A whole round ---------------------------------------------------------------------------------


def _round_evidence(share: float, n: int, police: int, rng: np.random.Generator) -> Evidence:
    answers = [5 if rng.random() < share else 2 for _ in range(n)]
    responses = _responses(answers, [1.0] * n)
    responses = [
        replace(r, sex="female" if i % 3 == 0 else "male", region="XCA01" if i < 8 else "XCA02")
        for i, r in enumerate(responses)
    ]
    return Evidence(
        responses=responses,
        admin_values=[
            AdminValue("POL-CAP-01-AD", police, 4_000_000, "HR register", date(2026, 3, 1))
        ],
    )


def test_round_scores_rollups_and_suppression(mini: Framework) -> None:
    rng = np.random.default_rng(1)
    ev = _round_evidence(0.6, 300, 6000, rng)
    scores = scoring.score_round(mini, ev, period_end=END, min_cell=10, seed=3)
    perf = scores.indicators["POL-PERF-01"]
    share = sum(1 for r in ev.responses if r.answers["POL-PERF-01-PS"] == 5) / 300
    expected = Thresholds(0.2, 0.8).normalise(share, Direction.HIGHER_BETTER)
    assert perf.sources[0].value == pytest.approx(expected)
    cap = scores.indicators["POL-CAP-01"]
    assert cap.sources[0].raw.value == pytest.approx(150.0)  # 6000 per 4 million = 150 / 100k
    assert cap.value == pytest.approx((150 - 50) / 250)
    groups = {(g.by, g.group): g for g in perf.sources[0].groups}
    assert groups[("region", "XCA01")].n == 8
    assert groups[("region", "XCA01")].estimate is None  # fewer than 10: suppressed
    assert groups[("region", "XCA02")].estimate is not None
    inst = scores.rollup("police")
    assert inst is not None and inst.low <= inst.value <= inst.high
    assert set(inst.indicators) == {"POL-PERF-01", "POL-CAP-01"}
    dims = {r.dimension.value for r in scores.dimensions if r.dimension}
    assert dims == {"performance", "capacity"}


def test_missing_evidence_is_listed_not_scored(mini: Framework) -> None:
    ev = Evidence(
        admin_values=[AdminValue("POL-CAP-01-AD", 100, 1_000_000, "register", date(2026, 1, 1))]
    )
    scores = scoring.score_round(mini, ev, period_end=END)
    assert scores.missing == ["POL-PERF-01"]
    assert scores.rollup("police") is not None
    assert scores.rollup("police").missing == ("POL-PERF-01",)  # type: ignore[union-attr]


def test_change_beyond_noise_is_significant_and_small_change_is_not(mini: Framework) -> None:
    rng = np.random.default_rng(5)
    base = scoring.score_round(mini, _round_evidence(0.35, 500, 6000, rng), period_end=END)
    up = scoring.score_round(mini, _round_evidence(0.65, 500, 6010, rng), period_end=END)
    moves = {c.key: c for c in scoring.changes(base, up, mini, mini)}
    assert moves["POL-PERF-01"].significant
    assert moves["POL-PERF-01"].direction == "better"
    assert not moves["POL-CAP-01"].significant
    assert moves["POL-CAP-01"].direction == "no_clear_change"


def test_changed_measurement_is_not_compared(mini: Framework) -> None:
    rng = np.random.default_rng(5)
    a = scoring.score_round(mini, _round_evidence(0.35, 200, 6000, rng), period_end=END)
    b = scoring.score_round(mini, _round_evidence(0.65, 200, 6000, rng), period_end=END)
    other = replace(
        mini,
        indicators=tuple(
            replace(i, thresholds=Thresholds(0.1, 0.9)) if i.code == "POL-PERF-01" else i
            for i in mini.indicators
        ),
    )
    keys = {c.key for c in scoring.changes(a, b, mini, other)}
    assert "POL-PERF-01" not in keys
    assert "POL-CAP-01" in keys


def test_priorities_rank_gap_weight_and_confidence(mini: Framework) -> None:
    rng = np.random.default_rng(2)
    scores = scoring.score_round(mini, _round_evidence(0.3, 400, 12_000, rng), period_end=END)
    ranked = scoring.priorities(scores)
    assert [p.indicator for p in ranked] == ["POL-PERF-01", "POL-CAP-01"]
    top = ranked[0]
    s = scores.indicators[top.indicator]
    assert top.priority == pytest.approx((1 - s.value) * (s.weight / 3) * s.confidence)


def test_checks_give_shares_of_checks_met(mini: Framework) -> None:
    ind = replace(
        mini.indicator("POL-PERF-01"),
        sources=(EvidenceSource.SITE_OBSERVATION,),
        items=(
            replace(
                mini.indicator("POL-PERF-01").items[0],
                code="SO1",
                source=EvidenceSource.SITE_OBSERVATION,
                scale=None,
                favourable=(),
            ),
        ),
    )
    checks = [
        Check(EvidenceSource.SITE_OBSERVATION, "SO1", met, f"site {i}", date(2026, 4, 1))
        for i, met in enumerate([True, True, True, False])
    ]
    score = scoring.check_score(ind, EvidenceSource.SITE_OBSERVATION, checks)
    assert score is not None
    assert score.raw.value == 0.75
    assert (score.raw.low, score.raw.high) == pytest.approx(wilson(3, 4))
