"""Panels built from events: fatalities summed per unit and month with Polars, zero elsewhere.

Event data record what happened; a unit-month with no event had no recorded fatality, so the
dense panel is filled with zeros (unlike the challenge files, where a missing cell is unknown).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from peaceops.analytics.forecasting.panel import Panel


def panel_from_events(
    events: pl.DataFrame,
    *,
    units: Sequence[int],
    first_month: int,
    cutoff: int,
) -> Panel:
    """``events`` has columns unit (int), month_id, best; units are the panel's rows in order.

    >>> frame = pl.DataFrame({"unit": [1, 1, 2], "month_id": [10, 10, 12], "best": [3, 4, 5]})
    >>> panel_from_events(frame, units=[1, 2], first_month=10, cutoff=12).values.tolist()
    [[7.0, 0.0, 0.0], [0.0, 0.0, 5.0]]
    """
    if cutoff < first_month:
        raise ValueError("the cutoff is before the first month")
    values = np.zeros((len(units), cutoff - first_month + 1))
    if not events.is_empty():
        sums = (
            events.filter(
                pl.col("month_id").is_between(first_month, cutoff)
                & pl.col("unit").is_in(list(units))
            )
            .group_by(["unit", "month_id"])
            .agg(pl.col("best").sum())
        )
        row = {u: i for i, u in enumerate(units)}
        r = np.array([row[u] for u in sums["unit"].to_list()], dtype=np.int64)
        values[r, sums["month_id"].to_numpy() - first_month] = sums["best"].to_numpy()
    return Panel(np.asarray(units, dtype=np.int64), first_month, values)
