"""Design-based shares and means with linearised standard errors and honest intervals.

Both are ratio estimators, ``Σ wᵢ dᵢ yᵢ / Σ wᵢ dᵢ`` with ``dᵢ`` the domain indicator, and
their variance is that of the total of the linearised scores
``zᵢ = wᵢ dᵢ (yᵢ − m) / Σ wᵢ dᵢ`` over the *whole* design (R ``svymean`` on a subset design,
``svyratio``). Intervals: logit for shares (R ``svyciprop(method = "logit")``), Korn-Graubard
for shares of exactly 0 or 1, ``m ± t·se`` for means, all with ``t`` on the design degrees of
freedom. The method note is ``docs/methods/surveys.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from peaceops.analytics.assessment.stats import kish_neff
from peaceops.analytics.surveys.design import Design, FloatArray
from peaceops.errors import InputError

BoolArray = np.ndarray[tuple[int], np.dtype[np.bool_]]


@dataclass(frozen=True, slots=True)
class Estimate:
    """One design-based estimate; ``value``, ``se``, ``low``, ``high`` are None when suppressed.

    ``n`` is the number of respondents used (unweighted), ``n_psu`` the number of PSUs they
    come from, ``df`` the degrees of freedom of the interval (PSUs minus strata among those
    respondents, at least 1), ``deff`` the design effect against simple random sampling of the
    same ``n`` with replacement (None when undefined or suppressed).
    """

    value: float | None
    se: float | None
    low: float | None
    high: float | None
    n: int
    n_psu: int
    df: int
    deff: float | None
    suppressed: bool = False
    reason: str | None = None
    level: float = 0.95
    notes: tuple[str, ...] = ()

    def suppress(self, reason: str) -> Estimate:
        """The same cell with every derived number removed; ``n`` stays published."""
        return replace(
            self,
            value=None,
            se=None,
            low=None,
            high=None,
            deff=None,
            suppressed=True,
            reason=reason,
        )


@dataclass(frozen=True, slots=True)
class Difference:
    """Change ``b − a`` between two independent estimates (e.g. two survey waves)."""

    value: float
    se: float
    low: float
    high: float
    significant: bool
    level: float = 0.95


def small_cell_reason(min_cell: int) -> str:
    """The reason given for a cell with fewer than ``min_cell`` respondents."""
    return f"fewer than {min_cell} respondents"


def share(
    y_bool: ArrayLike,
    design: Design,
    *,
    domain: ArrayLike | None = None,
    level: float = 0.95,
    min_cell: int = 0,
) -> Estimate:
    """Weighted share of respondents for whom ``y_bool`` is true, within an optional domain.

    Parameters
    ----------
    y_bool
        One answer per respondent: booleans or 0/1; NaN marks a missing answer, which puts the
        respondent outside the domain for this question.
    design
        The survey design (weights, strata, clusters) of *all* respondents.
    domain
        Boolean mask of the sub-population (women, a district ...). The design is never
        subset: scores are zero outside the domain, so PSUs without domain members still count.
    level
        Confidence level of the interval.
    min_cell
        Suppress the estimate when fewer than ``min_cell`` respondents are used.

    Examples
    --------
    >>> d = Design([1, 1, 1, 1, 1, 1, 1, 1])
    >>> e = share([1, 1, 0, 1, 0, 1, 1, 0], d)
    >>> e.value, round(e.se, 4), e.df, e.n
    (0.625, 0.183, 7, 8)
    >>> round(e.low, 3), round(e.high, 3)
    (0.208, 0.913)
    """
    y = _answers(y_bool, design, name="y_bool")
    given = ~np.isnan(y)
    if not np.isin(y[given], (0.0, 1.0)).all():
        bad = np.flatnonzero(given & ~np.isin(y, (0.0, 1.0)))
        raise InputError(
            f"y_bool must be true/false or 0/1 (NaN for no answer); position {int(bad[0])} "
            f"holds {y[bad[0]]:g}",
            field="y_bool",
        )
    used = given & _domain(domain, design)
    return _ratio_estimate(y, used, design, kind="share", level=level, min_cell=min_cell)


def mean(
    y: ArrayLike,
    design: Design,
    *,
    domain: ArrayLike | None = None,
    level: float = 0.95,
    min_cell: int = 0,
) -> Estimate:
    """Weighted mean of ``y`` within an optional domain; NaN answers are left out.

    The interval is ``mean ± t·se`` with ``t`` on the design degrees of freedom.

    Examples
    --------
    >>> d = Design([1, 2, 1, 2], strata=[0, 0, 1, 1])
    >>> e = mean([3.0, 4.0, float("nan"), 2.0], d)
    >>> round(e.value, 4), e.n, e.df
    (3.0, 3, 1)
    """
    values = _answers(y, design, name="y")
    used = ~np.isnan(values) & _domain(domain, design)
    return _ratio_estimate(values, used, design, kind="mean", level=level, min_cell=min_cell)


def difference(a: Estimate, b: Estimate, *, level: float = 0.95) -> Difference | None:
    """Change ``b − a`` between estimates from independent samples (two waves).

    The interval is Newcombe's MOVER combination of the two estimates' own intervals
    (``low = d − √((b − l_b)² + (u_a − a)²)``, ``high = d + √((u_b − b)² + (a − l_a)²)``), so
    that the asymmetric logit and Korn-Graubard intervals of shares carry over; for means it
    is ``d ± √((t_a se_a)² + (t_b se_b)²)``. ``se = √(se_a² + se_b²)``. Returns None when
    either estimate is suppressed.

    Examples
    --------
    >>> a = Estimate(0.40, 0.02, 0.36, 0.44, n=900, n_psu=60, df=50, deff=1.4)
    >>> b = Estimate(0.47, 0.02, 0.43, 0.51, n=880, n_psu=60, df=50, deff=1.3)
    >>> d = difference(a, b)
    >>> round(d.value, 2), round(d.low, 3), round(d.high, 3), d.significant
    (0.07, 0.013, 0.127, True)
    """
    _check_level(level)
    for name, e in (("a", a), ("b", b)):
        if not e.suppressed and not math.isclose(e.level, level):
            raise InputError(
                f"estimate {name} has {e.level:g} intervals but level={level:g} was asked: "
                "compute both estimates at the level of the difference",
                field="level",
            )
    if a.value is None or b.value is None:
        return None
    assert a.se is not None and a.low is not None and a.high is not None
    assert b.se is not None and b.low is not None and b.high is not None
    d = b.value - a.value
    low = d - math.hypot(b.value - b.low, a.high - a.value)
    high = d + math.hypot(b.high - b.value, a.value - a.low)
    return Difference(
        value=d,
        se=math.hypot(a.se, b.se),
        low=low,
        high=high,
        significant=bool(low > 0 or high < 0),
        level=level,
    )


# Internals ------------------------------------------------------------------------------------


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise InputError(f"level must lie strictly between 0 and 1, got {level}", field="level")


def _answers(values: ArrayLike, design: Design, *, name: str) -> FloatArray:
    try:
        y = np.array(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numbers or booleans: {exc}", field=name) from exc
    if y.shape != (design.n,):
        raise InputError(
            f"{name} has shape {y.shape} but the design has {design.n} respondents",
            field=name,
        )
    if np.isinf(y).any():
        raise InputError(f"{name} holds infinite values", field=name)
    return y


def _domain(domain: ArrayLike | None, design: Design) -> BoolArray:
    if domain is None:
        return np.ones(design.n, dtype=bool)
    d = np.asarray(domain)
    if d.shape != (design.n,):
        raise InputError(
            f"domain has shape {d.shape} but the design has {design.n} respondents",
            field="domain",
        )
    if d.dtype != bool:
        if not np.isin(d, (0, 1)).all():
            raise InputError("domain must be a boolean mask (or 0/1)", field="domain")
        d = d.astype(bool)
    return d


def t_quantile(level: float, df: float) -> float:
    """Two-sided Student t quantile for ``level`` on ``df`` degrees of freedom."""
    return float(stats.t.ppf(0.5 + level / 2, df))


def _ratio_estimate(
    y: FloatArray,
    used: BoolArray,
    design: Design,
    *,
    kind: str,
    level: float,
    min_cell: int,
) -> Estimate:
    _check_level(level)
    n = int(used.sum())
    psus = np.unique(design.psu_codes[used])
    strata = np.unique(design.stratum_codes[used])
    raw_df = psus.size - strata.size
    notes = design.notes
    if n > 0 and raw_df < 1:
        notes = (*notes, "no more PSUs than strata among these respondents: df set to 1")
    base = Estimate(
        value=None,
        se=None,
        low=None,
        high=None,
        n=n,
        n_psu=int(psus.size),
        df=max(raw_df, 1),
        deff=None,
        level=level,
        notes=notes,
    )
    if n < min_cell:
        return base.suppress(small_cell_reason(min_cell))
    if n == 0:
        return base.suppress("no respondents")
    wd = np.where(used, design.weights, 0.0)
    yd = np.where(used, y, 0.0)
    total_w = float(wd.sum())
    m = float((wd * yd).sum() / total_w)
    resid = np.where(used, yd - m, 0.0)
    v = design.variance(wd * resid / total_w)
    se = math.sqrt(max(v, 0.0))
    deff = None
    if n >= 2:
        # R svyvar: n/(n-1) Σ w (y - m)² / Σ w, the variance per respondent under SRS.
        unit_var = n / (n - 1) * float((wd * resid**2).sum()) / total_w
        if unit_var > 0:
            deff = v / (unit_var / n)
    if kind == "share":
        m = min(max(m, 0.0), 1.0)
        if m in (0.0, 1.0):
            low, high = _korn_graubard(m, n, base.df, kish_neff(design.weights[used]), level)
        else:
            low, high = _logit_interval(m, se, base.df, level)
    else:
        half = t_quantile(level, base.df) * se
        low, high = m - half, m + half
    return replace(base, value=m, se=se, low=low, high=high, deff=deff)


def _logit_interval(p: float, se: float, df: int, level: float) -> tuple[float, float]:
    """``expit(logit(p) ± t·se/(p(1−p)))``: R ``svyciprop(method = "logit")``."""
    centre = math.log(p / (1 - p))
    half = t_quantile(level, df) * se / (p * (1 - p))
    return _expit(centre - half), _expit(centre + half)


def _expit(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def _korn_graubard(p: float, n: int, df: int, neff: float, level: float) -> tuple[float, float]:
    """Clopper-Pearson on an effective sample size, for a share of exactly 0 or 1.

    The design effect cannot be estimated when every answer is the same, so the effective size
    is Kish's weighting one, times Korn and Graubard's degrees-of-freedom factor
    ``(t_{n−1} / t_df)²``, and never above ``n``.
    """
    alpha = 1 - level
    if n > 1:
        neff *= (t_quantile(level, n - 1) / t_quantile(level, df)) ** 2
    neff = min(neff, float(n))
    if p <= 0:
        return 0.0, float(stats.beta.ppf(1 - alpha / 2, 1, neff))
    return float(stats.beta.ppf(alpha / 2, neff, 1)), 1.0
