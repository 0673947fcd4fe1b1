"""Estimates with intervals: shares (Wilson), weighted means (bootstrap), rates (Poisson).

Each function returns an ``Estimate``: the value, a 95% interval and the sample size behind it.
Survey weights enter through Kish's effective sample size for shares and through a weighted
mean inside each bootstrap resample for means, so that weights of 1 give exactly the
unweighted result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

Z95 = 1.959963984540054
BOOTSTRAP_DRAWS = 1000


@dataclass(frozen=True, slots=True)
class Estimate:
    value: float
    low: float
    high: float
    n: float
    """Sample size (effective sample size for weighted surveys; checks; cases)."""

    @property
    def se(self) -> float:
        """Standard error implied by the 95% interval (half-width over 1.96)."""
        return (self.high - self.low) / (2 * Z95)


def kish_neff(weights: ArrayLike) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2; equals n when weights are equal.

    >>> kish_neff([1, 1, 1, 1])
    4.0
    >>> round(kish_neff([1, 1, 1, 5]), 3)
    2.286
    """
    w = np.asarray(weights, dtype=float)
    if w.size == 0:
        return 0.0
    return float(w.sum() ** 2 / np.square(w).sum())


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion; ``n`` may be an effective (non-integer) size.

    >>> [round(x, 4) for x in wilson(8, 10)]
    [0.4902, 0.9433]
    """
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes <= 0 else max(0.0, centre - half)
    high = 1.0 if successes >= n else min(1.0, centre + half)
    return low, high


def weighted_share(favourable: ArrayLike, weights: ArrayLike | None = None) -> Estimate:
    """Weighted share of favourable answers with a Wilson interval on Kish's effective n."""
    f = np.asarray(favourable, dtype=float)
    w = np.ones_like(f) if weights is None else np.asarray(weights, dtype=float)
    if f.size == 0:
        raise ValueError("no answers")
    share = float((f * w).sum() / w.sum())
    neff = kish_neff(w)
    low, high = wilson(share * neff, neff)
    return Estimate(share, low, high, neff)


def count_share(successes: float, n: float) -> Estimate:
    """A share from counts (administrative cases, checks met), Wilson interval."""
    if n <= 0:
        raise ValueError("the denominator must be positive")
    low, high = wilson(successes, n)
    return Estimate(successes / n, low, high, n)


def bootstrap_mean(
    values: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> Estimate:
    """Weighted mean with a percentile bootstrap over respondents (resampled with replacement).

    Each resample keeps the respondents' weights; with all weights 1 the result equals the
    unweighted bootstrap for the same seed.
    """
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    if v.size == 0:
        raise ValueError("no answers")
    mean = float((v * w).sum() / w.sum())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, v.size, size=(draws, v.size))
    means = (v[idx] * w[idx]).sum(axis=1) / w[idx].sum(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return Estimate(mean, float(low), float(high), kish_neff(w))


def poisson_rate(count: float, exposure: float, *, per: float = 1.0) -> Estimate:
    """A rate ``count / exposure * per`` with the exact (Garwood) Poisson interval on the count.

    >>> e = poisson_rate(10, 1000, per=100)
    >>> round(e.value, 3), round(e.low, 3), round(e.high, 3)
    (1.0, 0.48, 1.839)
    """
    if exposure <= 0:
        raise ValueError("the denominator must be positive")
    k = max(0.0, count)
    low = 0.0 if k == 0 else float(stats.chi2.ppf(0.025, 2 * k) / 2)
    high = float(stats.chi2.ppf(0.975, 2 * k + 2) / 2)
    scale = per / exposure
    return Estimate(k * scale, low * scale, high * scale, k)


def exact(value: float, n: float) -> Estimate:
    """A value known without sampling error (a yes/no check, a register total)."""
    return Estimate(value, value, value, n)


def normal_p_value(z: float) -> float:
    """Two-sided p-value of a standard normal statistic."""
    return float(2 * stats.norm.sf(abs(z)))
