"""Forecast scores: golden values from views-evaluation, naive references, properties."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from peaceops.analytics.forecasting import scoring

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "scoring_arrays.json").read_text())
Y = np.array(FIXTURE["y"], dtype=float)
DRAWS = np.array(FIXTURE["draws"], dtype=float)

# Computed with views-evaluation 2.0.0 (numpy 1.26.4, scipy, Python 3.11) in a separate
# environment, because that package needs numpy < 2:
#   native_metric_calculators.calculate_crps_native(y, x)
#   calculate_ignorance_score_native(y, x, bins=CHALLENGE_BINS + [inf], low_bin=0, high_bin=10000)
#   the same on the rows below 1000.5 with the challenge bins alone
#   calculate_mean_interval_score_native(y, x, alpha=0.1)
#   calculate_coverage_native(y, x, alpha=0.1)
#   calculate_brier_rgs_sample_native(y, x, threshold=0.0)
# on tests/fixtures/scoring_arrays.json (60 rows x 200 draws, seeded generator).
GOLDEN = {
    "crps": 44.03699541666666,
    "ignorance": 2.1680891511060447,
    "ignorance_challenge_bins": 2.2221578297472036,
    "mis90": 360.3291666666666,
    "coverage90": 0.9166666666666666,
    "brier0": 0.20712708333333335,
}


def test_scores_agree_with_views_evaluation() -> None:
    result = scoring.score(Y, DRAWS)
    for name in ("crps", "ignorance", "mis90", "coverage90", "brier0"):
        assert result[name] == pytest.approx(GOLDEN[name], rel=1e-12), name
    inside = Y < 1000.5
    challenge = scoring.ignorance(Y[inside], DRAWS[inside], bins=scoring.CHALLENGE_BINS)
    assert float(challenge.mean()) == pytest.approx(GOLDEN["ignorance_challenge_bins"], 1e-12)


def naive_crps(y: float, draws: np.ndarray) -> float:
    """CRPS by its definition, E|X - y| - E|X - X'| / 2, with every pair of draws."""
    return float(np.mean(np.abs(draws - y)) - np.mean(np.abs(draws[:, None] - draws[None, :])) / 2)


def naive_ignorance(y: float, draws: np.ndarray, bins: tuple[float, ...]) -> float:
    counts = [1 + sum(1 for d in draws if lo <= d < hi) for lo, hi in itertools.pairwise(bins)]
    k = next(i for i, (lo, hi) in enumerate(itertools.pairwise(bins)) if lo <= y < hi)
    return float(-np.log2(counts[k] / sum(counts)))


counts = st.integers(0, 3000).map(float)


@settings(max_examples=80, deadline=None)
@given(counts, arrays(np.int64, st.integers(1, 40), elements=st.integers(0, 3000)))
def test_crps_and_ignorance_match_naive_references(y: float, draws: np.ndarray) -> None:
    draws = draws.astype(float)
    assert scoring.crps([y], [draws])[0] == pytest.approx(naive_crps(y, draws), abs=1e-9)
    assert scoring.ignorance([y], [draws])[0] == pytest.approx(
        naive_ignorance(y, draws, scoring.IGNORANCE_BINS), abs=1e-12
    )


@settings(max_examples=50, deadline=None)
@given(counts, arrays(np.int64, st.integers(2, 40), elements=st.integers(0, 500)))
def test_scores_are_sane(y: float, draws: np.ndarray) -> None:
    rows = scoring.score_rows([y], [draws])
    assert rows["crps"][0] >= -1e-9
    assert rows["ignorance"][0] > 0
    assert rows["mis90"][0] >= 0
    assert rows["coverage90"][0] in (0.0, 1.0)
    assert 0 <= rows["brier0"][0] <= 1
    # A perfect point forecast scores zero CRPS and zero width.
    exact = scoring.score_rows([y], [[y, y, y]])
    assert exact["crps"][0] == 0 and exact["mis90"][0] == 0


def test_inputs_are_checked() -> None:
    with pytest.raises(ValueError, match="one-dimensional"):
        scoring.crps([[1.0]], [[1.0]])
    with pytest.raises(ValueError, match=r"\(N, S\)"):
        scoring.crps([1.0, 2.0], [[1.0]])
    with pytest.raises(ValueError, match="finite"):
        scoring.crps([float("nan")], [[1.0]])
    with pytest.raises(ValueError, match="outside the bins"):
        scoring.ignorance([2000.0], [[1.0]], bins=scoring.CHALLENGE_BINS)
