"""Design-based survey estimates, checked against naive reference implementations."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from peaceops.analytics.surveys import (
    COMPLEMENTARY_REASON,
    CellEstimate,
    Design,
    Estimate,
    difference,
    estimate_by,
    mean,
    share,
    small_cell_reason,
)
from peaceops.errors import InputError, PeaceOpsError

Vector = Sequence[Any] | np.ndarray

# Reference implementations -------------------------------------------------------------------


def naive_ratio(
    num: Vector,
    den: Vector,
    w: Vector,
    strata: Vector,
    clusters: Vector,
    *,
    lonely: str = "grand",
) -> tuple[float, float]:
    """R ``svyratio(~num, ~den)`` with explicit sums over strata and PSUs.

    Linearised scores ``z = w (num − R den) / Σ w den``; PSU totals; within each stratum
    ``n_h/(n_h−1) Σ (t − t̄_h)²``; a stratum with one PSU centred at the grand mean of all PSU
    totals with scale 1 (``survey.lonely.psu = "adjust"``).
    """
    top = sum(wi * ni for wi, ni in zip(w, num, strict=True))
    bottom = sum(wi * di for wi, di in zip(w, den, strict=True))
    ratio = top / bottom
    totals: dict[tuple[object, object], float] = {}
    for wi, ni, di, s, c in zip(w, num, den, strata, clusters, strict=True):
        totals[(s, c)] = totals.get((s, c), 0.0) + wi * (ni - ratio * di) / bottom
    by_stratum: dict[object, list[float]] = defaultdict(list)
    for (s, _), t in totals.items():
        by_stratum[s].append(t)
    grand = sum(totals.values()) / len(totals)
    var = 0.0
    for ts in by_stratum.values():
        k = len(ts)
        if k == 1:
            var += (ts[0] - grand) ** 2 if lonely == "grand" else 0.0
        else:
            centre = sum(ts) / k
            var += k / (k - 1) * sum((t - centre) ** 2 for t in ts)
    return ratio, math.sqrt(var)


def naive_jackknife_se(
    y: np.ndarray, w: np.ndarray, strata: np.ndarray, clusters: np.ndarray
) -> float:
    """JKn: delete one PSU, reweight the rest of its stratum by n_h/(n_h−1)."""
    theta = float((w * y).sum() / w.sum())
    var = 0.0
    for s in np.unique(strata):
        psus = np.unique(clusters[strata == s])
        k = len(psus)
        for p in psus:
            rw = w.copy()
            rw[(strata == s)] *= k / (k - 1)
            rw[clusters == p] = 0.0
            rep = float((rw * y).sum() / rw.sum())
            var += (k - 1) / k * (rep - theta) ** 2
    return math.sqrt(var)


def stratified_cluster_sample(
    rng: np.random.Generator, *, strata: int, psus: int, size: int, icc_sd: float = 0.8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A simulated stratified two-stage sample: y (0/1), weights, stratum and cluster labels."""
    n = strata * psus * size
    stratum = np.repeat(np.arange(strata), psus * size)
    cluster = np.repeat(np.arange(strata * psus), size)
    effect = rng.normal(0, icc_sd, strata * psus)[cluster] + 0.2 * stratum - 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-effect))).astype(float)
    w = rng.uniform(0.5, 3.0, strata * psus)[cluster] * rng.uniform(0.8, 1.25, n)
    return y, w, stratum, cluster


# Simple random sampling ----------------------------------------------------------------------


def test_srs_share_is_the_textbook_proportion() -> None:
    """With equal weights and no design, with-replacement linearisation gives
    se² = n/(n−1) · Σ(y−p)²/n² = p(1−p)/(n−1)."""
    rng = np.random.default_rng(1)
    y = rng.random(57) < 0.3
    n = y.size
    e = share(y, Design(np.full(n, 2.5)))
    p = y.mean()
    assert e.value == pytest.approx(p, abs=1e-15)
    assert e.se == pytest.approx(math.sqrt(n / (n - 1) * ((y - p) ** 2).sum() / n**2), rel=1e-12)
    assert e.se == pytest.approx(math.sqrt(p * (1 - p) / (n - 1)), rel=1e-12)
    assert (e.n, e.n_psu, e.df) == (n, n, n - 1)
    assert e.deff == pytest.approx(1.0, rel=1e-12)
    assert not e.suppressed and e.reason is None


def test_srs_mean_is_np_mean() -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(3.0, 1.5, 40)
    e = mean(y, Design(np.ones(40)))
    assert e.value == pytest.approx(np.mean(y), rel=1e-14)
    assert e.se == pytest.approx(np.std(y, ddof=1) / math.sqrt(40), rel=1e-12)
    t = sps.t.ppf(0.975, 39)
    assert (e.low, e.high) == pytest.approx((e.value - t * e.se, e.value + t * e.se))


def test_logit_interval_as_svyciprop() -> None:
    rng = np.random.default_rng(3)
    y, w, s, c = stratified_cluster_sample(rng, strata=3, psus=5, size=6)
    e = share(y, Design(w, strata=s, clusters=c), level=0.9)
    assert e.df == 15 - 3
    p, se = e.value, e.se
    assert p is not None and se is not None
    half = sps.t.ppf(0.95, 12) * se / (p * (1 - p))
    expit = sps.logistic.cdf
    assert (e.low, e.high) == pytest.approx(
        (expit(special.logit(p) - half), expit(special.logit(p) + half))
    )
    assert e.low < p < e.high


def test_share_of_zero_uses_clopper_pearson_with_equal_weights() -> None:
    """With SRS, equal weights and df = n − 1 the Korn-Graubard interval is Clopper-Pearson."""
    for y, k in ((np.zeros(25), 0), (np.ones(25), 25)):
        e = share(y, Design(np.ones(25)))
        exact = sps.binomtest(k, 25).proportion_ci(method="exact")
        assert e.se == 0.0
        assert (e.low, e.high) == pytest.approx((exact.low, exact.high), rel=1e-9)


def test_korn_graubard_widens_with_fewer_degrees_of_freedom() -> None:
    y = np.zeros(40)
    srs = share(y, Design(np.ones(40)))
    clustered = share(y, Design(np.ones(40), clusters=np.repeat(np.arange(5), 8)))
    assert clustered.df == 4
    assert clustered.high > srs.high


# Stratified cluster designs ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_linearised_se_matches_naive_loops(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y, w, s, c = stratified_cluster_sample(rng, strata=4, psus=3, size=5)
    # Make stratum 3 a lonely one: all its respondents in a single PSU.
    c = np.where(s == 3, 999, c)
    design = Design(w, strata=s, clusters=c)
    e = share(y, design)
    value, se = naive_ratio(y, np.ones_like(y), w, s, c)
    assert e.value == pytest.approx(value, rel=1e-12)
    assert e.se == pytest.approx(se, rel=1e-10)
    x = y * rng.normal(5, 2, y.size) + rng.normal(0, 1, y.size)
    m = mean(x, design)
    value, se = naive_ratio(x, np.ones_like(x), w, s, c)
    assert (m.value, m.se) == pytest.approx((value, se), rel=1e-10)
    assert m.df == 10 - 4


def test_linearisation_agrees_with_jackknife_on_a_large_design() -> None:
    rng = np.random.default_rng(7)
    y, w, s, c = stratified_cluster_sample(rng, strata=20, psus=8, size=10)
    e = share(y, Design(w, strata=s, clusters=c))
    jk = naive_jackknife_se(y, w, s, c)
    assert e.se is not None
    assert abs(e.se / jk - 1) < 0.15
    assert e.deff is not None and e.deff > 1.2, "clustering of answers shows as a design effect"


def test_golden_two_strata_two_psus_two_respondents() -> None:
    """Hand-computed example.

    Stratum A (weight 1): PSU 1 answers (1, 0), PSU 2 answers (1, 1).
    Stratum B (weight 3): PSU 3 answers (0, 0), PSU 4 answers (1, 0).
    Σw = 4·1 + 4·3 = 16, Σwy = 3 + 3 = 6, p = 3/8.
    Scores zᵢ = wᵢ(yᵢ − 3/8)/16; PSU totals:
      t1 = (5/8 − 3/8)/16 = 1/64,  t2 = (5/8 + 5/8)/16 = 5/64,
      t3 = 3(−3/8 − 3/8)/16 = −9/64,  t4 = 3(5/8 − 3/8)/16 = 3/64.
    Stratum A: mean 3/64, deviations ∓2/64, 2/1 · 8/4096 = 16/4096.
    Stratum B: mean −3/64, deviations ∓6/64, 2/1 · 72/4096 = 144/4096.
    V = 160/4096 = 5/128, se = √(5/128) ≈ 0.197642; df = 4 PSUs − 2 strata = 2.
    """
    y = [1, 0, 1, 1, 0, 0, 1, 0]
    w = [1, 1, 1, 1, 3, 3, 3, 3]
    s = ["A"] * 4 + ["B"] * 4
    c = [1, 1, 2, 2, 3, 3, 4, 4]
    e = share(y, Design(w, strata=s, clusters=c))
    assert e.value == 3 / 8
    assert e.se == pytest.approx(math.sqrt(5 / 128), rel=1e-14)
    assert (e.n, e.n_psu, e.df) == (8, 4, 2)


# Domains -------------------------------------------------------------------------------------


def test_domain_is_a_ratio_on_the_full_design_not_a_subset() -> None:
    rng = np.random.default_rng(8)
    y, w, s, c = stratified_cluster_sample(rng, strata=3, psus=4, size=6)
    women = rng.random(y.size) < 0.5
    women[c == 0] = False  # the domain is absent from one PSU
    design = Design(w, strata=s, clusters=c)
    e = share(y, design, domain=women)
    # Domain share = svyratio(y·d, d): y zeroed outside the domain, on the whole design.
    d = women.astype(float)
    value, se = naive_ratio(y * d, d, w, s, c)
    assert (e.value, e.se) == pytest.approx((value, se), rel=1e-10)
    assert e.n == women.sum()
    assert e.n_psu == 11 and e.df == 11 - 3
    # Subsetting the design loses the empty PSU and gives another (wrong) standard error.
    subset = share(y[women], Design(w[women], strata=s[women], clusters=c[women]))
    assert subset.value == pytest.approx(e.value)
    assert subset.se is not None and e.se is not None
    assert not math.isclose(subset.se, e.se, rel_tol=1e-3)


def test_missing_answers_leave_the_domain() -> None:
    rng = np.random.default_rng(9)
    y, w, s, c = stratified_cluster_sample(rng, strata=3, psus=4, size=6)
    x = rng.normal(2, 1, y.size)
    missing = rng.random(y.size) < 0.2
    design = Design(w, strata=s, clusters=c)
    with_nan = mean(np.where(missing, np.nan, x), design)
    as_domain = mean(x, design, domain=~missing)
    assert (with_nan.value, with_nan.se, with_nan.n) == (as_domain.value, as_domain.se, as_domain.n)
    yn = np.where(missing, np.nan, y)
    assert share(yn, design).se == share(y, design, domain=~missing).se


# Coverage ------------------------------------------------------------------------------------


def test_logit_interval_covers_the_population_share() -> None:
    """400 stratified two-stage samples from one finite population; 95% intervals."""
    rng = np.random.default_rng(20260531)
    n_strata, n_pop_psus, take_psus, take = 4, 150, 8, 8
    population: list[list[np.ndarray]] = []
    for h in range(n_strata):
        sizes = rng.integers(20, 60, n_pop_psus)
        effects = rng.normal(-0.8 + 0.3 * h, 0.7, n_pop_psus)
        population.append(
            [
                (rng.random(k) < 1 / (1 + np.exp(-e))).astype(float)
                for k, e in zip(sizes, effects, strict=True)
            ]
        )
    truth = np.concatenate([u for stratum in population for u in stratum]).mean()
    covered = 0
    for _ in range(400):
        ys, ws, ss, cs = [], [], [], []
        for h, stratum in enumerate(population):
            for j in rng.choice(n_pop_psus, take_psus, replace=False):
                unit = stratum[j]
                ys.append(unit[rng.choice(unit.size, take, replace=False)])
                ws.append(np.full(take, n_pop_psus / take_psus * unit.size / take))
                ss.append(np.full(take, h))
                cs.append(np.full(take, h * n_pop_psus + j))
        e = share(
            np.concatenate(ys),
            Design(np.concatenate(ws), strata=np.concatenate(ss), clusters=np.concatenate(cs)),
        )
        assert e.low is not None and e.high is not None
        covered += e.low <= truth <= e.high
    assert 0.90 <= covered / 400 <= 0.98


# Lonely PSUs and validation ------------------------------------------------------------------


def test_lonely_psu_is_centred_at_the_grand_mean_and_reported() -> None:
    y = np.array([1, 0, 1, 1, 0, 0, 1, 1, 1.0])
    w = np.array([1, 2, 1, 2, 1, 2, 3, 3, 3.0])
    s = np.array(["a", "a", "a", "a", "b", "b", "c", "c", "c"])
    c = np.array([1, 1, 2, 2, 3, 5, 4, 4, 4])
    design = Design(w, strata=s, clusters=c)
    assert design.lonely_strata == ("c",)
    assert len(design.notes) == 1 and "adjust" in design.notes[0]
    e = share(y, design)
    assert e.notes == design.notes
    value, se = naive_ratio(y, np.ones_like(y), w, s, c)
    assert (e.value, e.se) == pytest.approx((value, se), rel=1e-12)
    # Centring the lonely PSU at its own stratum mean would drop its contribution entirely.
    _, se_own_mean = naive_ratio(y, np.ones_like(y), w, s, c, lonely="stratum")
    assert e.se is not None and e.se > se_own_mean * 1.01
    assert e.df == 5 - 3


@pytest.mark.parametrize(
    ("weights", "words"),
    [
        ([1.0, -2.0, 1.0], "positive"),
        ([1.0, 0.0, 1.0], "positive"),
        ([1.0, float("nan"), 1.0], "finite"),
        ([1.0, float("inf"), 1.0], "finite"),
        ([], "empty"),
        ([[1.0, 2.0], [1.0, 2.0]], "one-dimensional"),
        (["a", "b", "c"], "numbers"),
    ],
)
def test_invalid_weights_raise_input_errors(weights: list[object], words: str) -> None:
    with pytest.raises(InputError, match=words) as info:
        Design(weights)
    assert isinstance(info.value, PeaceOpsError)
    assert info.value.problem.field == "weights"


def test_invalid_designs_and_answers_raise_input_errors() -> None:
    with pytest.raises(InputError, match="strata has 2 values but there are 3 weights"):
        Design([1, 1, 1], strata=[1, 2])
    with pytest.raises(InputError, match="clusters is missing"):
        Design([1, 1, 1], clusters=[1, None, 2])
    with pytest.raises(InputError, match="nest=True"):
        Design([1, 1, 1, 1], strata=[1, 1, 2, 2], clusters=[1, 2, 1, 2])
    nested = Design([1, 1, 1, 1], strata=[1, 1, 2, 2], clusters=[1, 2, 1, 2], nest=True)
    assert (nested.n_psu, nested.df) == (4, 2)
    design = Design(np.ones(4))
    with pytest.raises(InputError, match="0/1"):
        share([0, 1, 2, 1], design)
    with pytest.raises(InputError, match="4 respondents"):
        mean([1.0, 2.0], design)
    with pytest.raises(InputError, match="level"):
        share([0, 1, 1, 1], design, level=1.5)


# Suppression ---------------------------------------------------------------------------------


def by_breakdown(cells: list[CellEstimate]) -> dict[str | None, list[CellEstimate]]:
    out: dict[str | None, list[CellEstimate]] = defaultdict(list)
    for cell in cells:
        out[cell.breakdown].append(cell)
    return out


def test_primary_and_complementary_suppression() -> None:
    n = 30
    y = np.tile([1, 0, 1], 10)
    area = np.array(["east"] * 4 + ["north"] * 8 + ["south"] * 18)
    sex = np.array(["f"] * 15 + ["m"] * 15)
    cells = estimate_by(y, Design(np.ones(n)), {"area": area, "sex": sex}, min_cell=5)
    overall, *rest = cells
    assert overall.breakdown is None and overall.estimate.value == pytest.approx(2 / 3)
    rows = {(c.breakdown, c.label): c.estimate for c in rest}
    assert list(rows) == [
        ("area", "east"),
        ("area", "north"),
        ("area", "south"),
        ("sex", "f"),
        ("sex", "m"),
    ]
    east, north, south = rows["area", "east"], rows["area", "north"], rows["area", "south"]
    assert east.suppressed and east.reason == small_cell_reason(5) == "fewer than 5 respondents"
    assert north.suppressed and north.reason == COMPLEMENTARY_REASON
    assert (east.value, east.se, east.low, east.high, east.deff) == (None,) * 5
    assert north.value is None and north.n == 8 and east.n == 4
    assert not south.suppressed and south.value is not None
    assert not rows["sex", "f"].suppressed and not rows["sex", "m"].suppressed
    # Means suppress the same way.
    means = estimate_by(y * 2.0, Design(np.ones(n)), {"area": area}, kind="mean", min_cell=5)
    assert [c.estimate.suppressed for c in means] == [False, True, True, False]


def test_overall_is_suppressed_when_too_small() -> None:
    cells = estimate_by([1, 0, 1], Design(np.ones(3)), {"sex": ["f", "m", "f"]}, min_cell=5)
    assert all(c.estimate.suppressed for c in cells)
    assert cells[0].estimate.reason == "fewer than 5 respondents"


def test_missing_labels_and_answers_count_only_where_used() -> None:
    y = np.array([1, 0, np.nan, 1, 1, 0, 1, 1])
    sex = np.array(["f", "f", "f", None, "m", "m", "m", "m"], dtype=object)
    cells = estimate_by(y, Design(np.ones(8)), {"sex": sex}, min_cell=1)
    assert [(c.label, c.estimate.n) for c in cells] == [(None, 7), ("f", 2), ("m", 4)]


@settings(max_examples=80, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.booleans(), st.integers(0, 4), st.sampled_from(["a", "b", "c", None])),
        min_size=1,
        max_size=60,
    ),
    min_cell=st.integers(1, 12),
)
def test_no_small_or_derivable_cell_is_published(
    data: list[tuple[bool, int, str | None]], min_cell: int
) -> None:
    y = [d[0] for d in data]
    groups: dict[str, Any] = {
        "area": [d[1] for d in data],
        "group": np.array([d[2] for d in data], dtype=object),
    }
    cells = estimate_by(y, Design(np.ones(len(data))), groups, min_cell=min_cell)
    for cell in cells:
        e = cell.estimate
        if e.n < min_cell:
            assert e.suppressed and e.value is None and e.se is None and e.low is None
        if not e.suppressed:
            assert e.value is not None and e.n >= min_cell
    for name, row in by_breakdown(cells).items():
        if name is None:
            continue
        hidden = sum(c.estimate.suppressed for c in row)
        assert hidden != 1 or len(row) == 1


# Differences between waves -------------------------------------------------------------------


def test_difference_of_means_is_welch_like() -> None:
    rng = np.random.default_rng(11)
    a = mean(rng.normal(2.0, 1.0, 80), Design(np.ones(80)))
    b = mean(rng.normal(2.6, 1.0, 90), Design(np.ones(90)))
    d = difference(a, b)
    assert d is not None and a.value is not None and b.value is not None
    assert a.se is not None and b.se is not None
    assert d.value == pytest.approx(b.value - a.value)
    assert d.se == pytest.approx(math.hypot(a.se, b.se))
    half = math.hypot(sps.t.ppf(0.975, 79) * a.se, sps.t.ppf(0.975, 89) * b.se)
    assert (d.low, d.high) == pytest.approx((d.value - half, d.value + half))
    assert d.significant


def test_difference_of_shares_carries_asymmetric_intervals() -> None:
    a = share(np.zeros(50), Design(np.ones(50)))
    b = share(np.r_[np.ones(3), np.zeros(47)], Design(np.ones(50)))
    d = difference(a, b)
    assert d is not None and a.high is not None and b.low is not None
    assert d.value == pytest.approx(0.06)
    assert d.low < 0 < d.high and not d.significant
    assert d.low == pytest.approx(0.06 - math.hypot(0.06 - b.low, a.high))


def test_difference_is_none_when_suppressed_and_checks_levels() -> None:
    shown = mean([1.0, 2.0, 3.0, 4.0, 5.0], Design(np.ones(5)))
    hidden = mean([1.0, 2.0], Design(np.ones(2)), min_cell=5)
    assert hidden.suppressed and difference(shown, hidden) is None
    assert difference(hidden, shown) is None
    with pytest.raises(InputError, match="level"):
        difference(shown, shown, level=0.9)
    assert isinstance(shown, Estimate)
