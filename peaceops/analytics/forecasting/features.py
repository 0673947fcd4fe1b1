"""Features of a unit's history at an origin month, from that history alone (no leakage).

Everything is computed from columns at or before the origin: the latest month, means over 3,
6, 12 and 36 months, the 12-month maximum, the share of violent months, and the time since the
last fatality (a decay). Unknown months are skipped; a unit with no known month gets zeros.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

NAMES = (
    "last",
    "mean3",
    "mean6",
    "mean12",
    "mean36",
    "max12",
    "share12",
    "since",
    "decay",
    "neighbours12",
)


def _nanmean(block: NDArray[np.float64]) -> NDArray[np.float64]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means: NDArray[np.float64] = np.nan_to_num(np.nanmean(block, axis=1), nan=0.0)
        return means


# Covariates entered on a log scale (counts of people); the others are indices or ratios.
LOG_COVARIATES = frozenset({"wdi_sp_pop_totl", "wdi_sm_pop_refg_or"})


def at_origin(
    values: NDArray[np.float64],
    origin: int,
    neighbours: Sequence[NDArray[np.int64]] = (),
    covariates: Mapping[str, NDArray[np.float64]] | None = None,
) -> NDArray[np.float64]:
    """Features of every unit at column ``origin`` of ``values`` (units x months).

    ``neighbours[u]`` lists the rows of unit u's neighbours; their mean over 12 months is the
    spatial lag (zero for units without neighbours, or a panel without geography).
    ``covariates`` add their value at the origin month, in name order (NaN where unknown:
    the gradient-boosted models take missing values as they are).
    """
    hist = values[:, : origin + 1]
    last = np.nan_to_num(hist[:, -1], nan=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        max12 = np.nan_to_num(np.nanmax(hist[:, -12:], axis=1), nan=0.0)
    violent = np.nan_to_num(hist[:, -60:], nan=0.0) > 0
    share12 = violent[:, -12:].mean(axis=1)
    any_violence = violent.any(axis=1)
    since = np.where(any_violence, violent.shape[1] - 1 - np.argmax(violent[:, ::-1], axis=1), 60.0)
    columns = [
        np.log1p(last),
        np.log1p(_nanmean(hist[:, -3:])),
        np.log1p(_nanmean(hist[:, -6:])),
        np.log1p(_nanmean(hist[:, -12:])),
        np.log1p(_nanmean(hist[:, -36:])),
        np.log1p(max12),
        share12,
        since,
        np.exp(-since / 6.0),
        np.log1p(_spatial_lag(_nanmean(hist[:, -12:]), neighbours)),
    ]
    for name, matrix in sorted((covariates or {}).items()):
        value = matrix[:, origin]
        columns.append(np.log1p(np.maximum(value, 0.0)) if name in LOG_COVARIATES else value)
    return np.column_stack(columns)


def _spatial_lag(
    level: NDArray[np.float64], neighbours: Sequence[NDArray[np.int64]]
) -> NDArray[np.float64]:
    """The mean of each unit's neighbours' values (0 where it has none)."""
    if not neighbours:
        return np.zeros(len(level))
    return np.array([float(level[n].mean()) if len(n) else 0.0 for n in neighbours])
