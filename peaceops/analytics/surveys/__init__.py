"""Design-based estimates for perception surveys: shares and means with linearised standard
errors, honest intervals, breakdowns with small-cell suppression, and changes between waves.

Method note: ``docs/methods/surveys.md``.
"""

from __future__ import annotations

from peaceops.analytics.surveys.breakdowns import COMPLEMENTARY_REASON, CellEstimate, estimate_by
from peaceops.analytics.surveys.design import Design
from peaceops.analytics.surveys.estimates import (
    Difference,
    Estimate,
    difference,
    mean,
    share,
    small_cell_reason,
)

__all__ = [
    "COMPLEMENTARY_REASON",
    "CellEstimate",
    "Design",
    "Difference",
    "Estimate",
    "difference",
    "estimate_by",
    "mean",
    "share",
    "small_cell_reason",
]
