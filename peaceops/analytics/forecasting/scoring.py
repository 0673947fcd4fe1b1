"""Scores of sample forecasts, as the VIEWS challenge and ``views-evaluation`` define them.

Every function takes observations ``y`` of shape (N,) and forecast draws of shape (N, S) and
returns one value per row, so that callers can average, stratify or bootstrap them. The
definitions follow ``views-evaluation`` 2.0.0 (``native_metric_calculators.py``); a golden test
(``tests/test_forecast_scoring.py``) pins values computed with that package on the same arrays.

- CRPS: the ensemble form, mean |x - y| - (1 / 2S^2) sum |x_i - x_j|, via sorted draws.
- Ignorance: -log2 of the probability of the observation's bin, from draw counts with one added
  to every bin. Bins are the challenge's edges 0, 0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5,
  500.5, 1000.5 plus an overflow bin above 1000.5, so no observation falls outside.
- Interval score at level 1 - alpha (alpha = 0.1: the 90% interval from the draws' quantiles,
  NumPy's linear interpolation): width plus 2/alpha times any miss.
- Coverage: whether the observation lies inside that interval.
- Brier: (P(draw > threshold) - [y > threshold])^2, for the event "any fatality" at 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

CHALLENGE_BINS: tuple[float, ...] = (
    0, 0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5, 500.5, 1000.5,
)  # fmt: skip
IGNORANCE_BINS: tuple[float, ...] = (*CHALLENGE_BINS, float("inf"))

Array = NDArray[np.float64]


def _check(y: Any, draws: Any) -> tuple[Array, Array]:
    y_arr = np.asarray(y, dtype=np.float64)
    d_arr = np.asarray(draws, dtype=np.float64)
    if y_arr.ndim != 1:
        raise ValueError(f"observations must be one-dimensional, got shape {y_arr.shape}")
    if d_arr.ndim == 1:
        d_arr = d_arr[:, np.newaxis]
    if d_arr.ndim != 2 or d_arr.shape[0] != y_arr.shape[0]:
        raise ValueError(f"draws must be (N, S) with N={y_arr.shape[0]}, got {d_arr.shape}")
    if not (np.isfinite(y_arr).all() and np.isfinite(d_arr).all()):
        raise ValueError("observations and draws must be finite numbers")
    return y_arr, d_arr


def crps(y: Any, draws: Any) -> Array:
    """Continuous ranked probability score of each row (lower is better).

    >>> float(crps([0.0], [[0.0, 0.0]])[0]), float(crps([2.0], [[0.0, 4.0]])[0])
    (0.0, 1.0)
    """
    y_arr, d_arr = _check(y, draws)
    ordered = np.sort(d_arr, axis=1)
    s = ordered.shape[1]
    mae = np.mean(np.abs(ordered - y_arr[:, np.newaxis]), axis=1)
    weights = 2.0 * np.arange(s) - s + 1.0
    spread = ordered @ weights / (s * s)
    return np.asarray(mae - spread)


def ignorance(y: Any, draws: Any, *, bins: tuple[float, ...] = IGNORANCE_BINS) -> Array:
    """Ignorance (log) score of each row in bits, with add-one smoothing of bin counts.

    >>> round(float(ignorance([0.0], [[0.0] * 9])[0]), 4)  # (9 + 1) / (9 + 11) in the zero bin
    1.0
    """
    y_arr, d_arr = _check(y, draws)
    edges = np.asarray(bins, dtype=np.float64)
    n_bins = len(edges) - 1
    if (y_arr < edges[0]).any() or (y_arr >= edges[-1]).any():
        raise ValueError(f"an observation lies outside the bins [{edges[0]}, {edges[-1]})")
    if (d_arr < edges[0]).any():
        raise ValueError(f"a draw lies below the lowest bin edge {edges[0]}")
    observed_bin = np.digitize(y_arr, edges) - 1
    draw_bins = np.digitize(d_arr, edges) - 1
    counts = np.stack([(draw_bins == k).sum(axis=1) for k in range(n_bins)], axis=1) + 1
    # As views-evaluation does: draws above the last edge form one more bin, which (with its
    # added one) counts only where some draw lands there. With IGNORANCE_BINS that cannot
    # happen, since the last edge is infinite.
    beyond = (draw_bins >= n_bins).sum(axis=1)
    total = counts.sum(axis=1) + np.where(beyond > 0, beyond + 1, 0)
    chosen = counts[np.arange(len(y_arr)), observed_bin]
    return np.asarray(-np.log2(chosen / total))


def interval_bounds(draws: Any, *, alpha: float = 0.1) -> tuple[Array, Array]:
    d_arr = np.asarray(draws, dtype=np.float64)
    lower = np.quantile(d_arr, alpha / 2, axis=1)
    upper = np.quantile(d_arr, 1 - alpha / 2, axis=1)
    return lower, upper


def interval_score(y: Any, draws: Any, *, alpha: float = 0.1) -> Array:
    """Interval score of the central (1 - alpha) interval of each row.

    >>> float(interval_score([5.0], [[0.0, 1.0]], alpha=0.5)[0])  # width 0.5 + 4 * 4.25
    17.5
    """
    y_arr, d_arr = _check(y, draws)
    lower, upper = interval_bounds(d_arr, alpha=alpha)
    below = (2 / alpha) * (lower - y_arr) * (y_arr < lower)
    above = (2 / alpha) * (y_arr - upper) * (y_arr > upper)
    return np.asarray(upper - lower + below + above)


def coverage(y: Any, draws: Any, *, alpha: float = 0.1) -> Array:
    """1.0 where the observation lies in the central (1 - alpha) interval, else 0.0."""
    y_arr, d_arr = _check(y, draws)
    lower, upper = interval_bounds(d_arr, alpha=alpha)
    return ((y_arr >= lower) & (y_arr <= upper)).astype(np.float64)


def brier(y: Any, draws: Any, *, threshold: float = 0.0) -> Array:
    """Brier score of the event ``y > threshold`` with its probability from the draws."""
    y_arr, d_arr = _check(y, draws)
    p_hat = np.mean(d_arr > threshold, axis=1)
    return np.asarray((p_hat - (y_arr > threshold)) ** 2)


METRICS = {
    "crps": crps,
    "ignorance": ignorance,
    "mis90": interval_score,
    "coverage90": coverage,
    "brier0": brier,
}


def score_rows(y: Any, draws: Any) -> dict[str, Array]:
    """Every metric, row by row."""
    return {name: fn(y, draws) for name, fn in METRICS.items()}


def score(y: Any, draws: Any) -> dict[str, float]:
    """Every metric, averaged over rows."""
    return {name: float(np.mean(values)) for name, values in score_rows(y, draws).items()}
