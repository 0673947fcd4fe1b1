"""Breakdowns of one survey estimate by groups, with primary and complementary suppression.

Every cell is a domain estimate on the full design. A cell with fewer than ``min_cell``
respondents is suppressed (its ``n`` stays published, its value, standard error, interval and
design effect do not). Because the overall value and the other cells of a breakdown are
published, a breakdown with exactly one suppressed cell would let a reader back that cell out;
the next-smallest cell is then suppressed too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from peaceops.analytics.surveys.design import Design, Labels, encode_labels
from peaceops.analytics.surveys.estimates import Estimate, mean, share
from peaceops.errors import InputError

COMPLEMENTARY_REASON = "suppressed so that a smaller cell cannot be derived"


@dataclass(frozen=True, slots=True)
class CellEstimate:
    """One published cell: ``breakdown`` and ``label`` are None for the overall estimate."""

    breakdown: str | None
    label: str | None
    estimate: Estimate


def estimate_by(
    y: ArrayLike,
    design: Design,
    groups: Mapping[str, Labels],
    *,
    kind: Literal["share", "mean"] = "share",
    min_cell: int,
    level: float = 0.95,
    domain: ArrayLike | None = None,
) -> list[CellEstimate]:
    """The overall estimate and one estimate per label of each breakdown, suppressed as needed.

    Parameters
    ----------
    y
        One answer per respondent (0/1 for ``kind="share"``, numbers for ``"mean"``; NaN for
        no answer).
    design
        The design of all respondents.
    groups
        Breakdown name to one label per respondent (admin area, sex, age group ...). A missing
        label (None, NaN) puts the respondent in no cell of that breakdown.
    kind
        ``"share"`` (logit / Korn-Graubard intervals) or ``"mean"`` (``± t·se``).
    min_cell
        Smallest number of respondents for which a value is published (``PEACEOPS_MIN_CELL_SIZE``).
    level
        Confidence level of the intervals.
    domain
        Optional sub-population within which everything is estimated.

    Returns
    -------
    list[CellEstimate]
        The overall cell first, then each breakdown in the order given, labels sorted.

    Examples
    --------
    >>> d = Design([1.0] * 12)
    >>> y = [1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1]
    >>> sex = ["f"] * 7 + ["m"] * 5
    >>> area = ["north"] * 9 + ["south"] * 3
    >>> for c in estimate_by(y, d, {"sex": sex, "area": area}, min_cell=4):
    ...     print(c.breakdown, c.label, c.estimate.n, c.estimate.value, c.estimate.reason)
    None None 12 0.6666666666666666 None
    sex f 7 0.5714285714285714 None
    sex m 5 0.8 None
    area north 9 None suppressed so that a smaller cell cannot be derived
    area south 3 None fewer than 4 respondents
    """
    if kind not in ("share", "mean"):
        raise InputError(f"kind must be 'share' or 'mean', got {kind!r}", field="kind")
    if min_cell < 1:
        raise InputError(f"min_cell must be at least 1, got {min_cell}", field="min_cell")
    estimator = share if kind == "share" else mean
    overall = estimator(y, design, domain=domain, level=level, min_cell=min_cell)
    base = np.ones(design.n, dtype=bool) if domain is None else np.asarray(domain).astype(bool)
    cells = [CellEstimate(None, None, overall)]
    for name, labels in groups.items():
        codes, values = encode_labels(labels, name=name)
        if codes.size != design.n:
            raise InputError(
                f"breakdown {name!r} has {codes.size} labels but the design has {design.n} "
                "respondents",
                field=name,
            )
        row = [
            CellEstimate(
                name,
                str(values[c]),
                estimator(y, design, domain=base & (codes == c), level=level, min_cell=min_cell),
            )
            for c in _sorted_codes(values)
        ]
        cells.extend(_complementary(row))
    return cells


def _sorted_codes(values: list[Any]) -> list[int]:
    try:
        return sorted(range(len(values)), key=lambda i: values[i])
    except TypeError:
        return sorted(range(len(values)), key=lambda i: str(values[i]))


def _complementary(row: list[CellEstimate]) -> list[CellEstimate]:
    """Suppress the next-smallest cell when exactly one cell of a breakdown is suppressed."""
    suppressed = [c for c in row if c.estimate.suppressed]
    if len(suppressed) != 1 or len(row) < 2:
        return row
    # min() keeps the first of equal sizes, so ties go to the label sorted first.
    victim = min((c for c in row if not c.estimate.suppressed), key=lambda c: c.estimate.n)
    return [
        CellEstimate(c.breakdown, c.label, c.estimate.suppress(COMPLEMENTARY_REASON))
        if c is victim
        else c
        for c in row
    ]
