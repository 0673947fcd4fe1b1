"""Judging transition benchmarks: status, trend and projected date, with their uncertainty.

A condition's observations (dated values with standard errors where known) are fitted by
weighted least squares against time in years. If the latest value meets the threshold, the
condition is met. Otherwise the trend is projected: slopes are drawn from the fit's sampling
distribution (normal, seeded), each draw's crossing date computed from the fitted latest
value, and the share of draws crossing by the target date is the confidence that the condition
will be met in time. On track at 0.8 or more, off track below 0.2, at risk between. One
observation gives no trend, and two without standard errors give a trend without uncertainty:
both are said plainly and judged at risk, never on track.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np

from peaceops.domain.transition import (
    Benchmark,
    BenchmarkJudgement,
    Condition,
    Direction,
    Judgement,
    Observation,
    Status,
    worst,
)

DRAWS = 4000
ON_TRACK = 0.8
OFF_TRACK = 0.2
YEAR = 365.25


def _years(day: date, origin: date) -> float:
    return (day - origin).days / YEAR


def _day(origin: date, years: float) -> date | None:
    if not np.isfinite(years) or abs(years) > 200:
        return None
    return origin + timedelta(days=round(years * YEAR))


def meets(value: float, condition: Condition) -> bool:
    if condition.direction == Direction.AT_LEAST:
        return value >= condition.threshold
    return value <= condition.threshold


def fit_trend(observations: Sequence[Observation]) -> tuple[float, float, float | None] | None:
    """(fitted value at the latest observation, slope per year, slope's standard error) by
    weighted least squares; None with fewer than two distinct dates. The standard error is
    None when it cannot be estimated (two points without standard errors).

    >>> obs = [Observation(date(2024, 1, 1), 0.2, 0.05), Observation(date(2025, 1, 1), 0.4, 0.05)]
    >>> level, slope, se = fit_trend(obs)
    >>> round(level, 3), round(slope, 2), round(se, 3)
    (0.4, 0.2, 0.071)
    """
    if len({o.on for o in observations}) < 2:
        return None
    origin = observations[-1].on
    t = np.array([_years(o.on, origin) for o in observations])
    y = np.array([o.value for o in observations], dtype=float)
    known = all(o.se is not None and o.se > 0 for o in observations)
    w = np.array([1.0 / (o.se or 1.0) ** 2 for o in observations]) if known else np.ones(len(t))
    design = np.column_stack([np.ones_like(t), t])
    xtwx = design.T @ (design * w[:, None])
    coef = np.linalg.solve(xtwx, design.T @ (w * y))
    level, slope = float(coef[0]), float(coef[1])
    cov = np.linalg.inv(xtwx)
    if known:
        se: float | None = float(np.sqrt(cov[1, 1]))
    elif len(t) > 2:
        residual = y - design @ coef
        sigma2 = float(residual @ residual) / (len(t) - 2)
        se = float(np.sqrt(sigma2 * cov[1, 1]))
    else:
        se = None
    return level, slope, se


def judge(
    condition: Condition,
    observations: Sequence[Observation],
    *,
    target_date: date,
    seed: int = 0,
) -> Judgement:
    """The condition's status from its observations (oldest first)."""
    obs = tuple(sorted(observations, key=lambda o: o.on))
    if not obs:
        return Judgement(
            condition,
            Status.NO_EVIDENCE,
            None,
            None,
            None,
            None,
            None,
            None,
            0.0,
            "no evidence for this condition yet",
            obs,
        )
    latest = obs[-1]
    fit = fit_trend(obs)
    slope = fit[1] if fit else None
    slope_se = fit[2] if fit else None
    if meets(latest.value, condition):
        return Judgement(
            condition,
            Status.MET,
            latest,
            slope,
            slope_se,
            None,
            None,
            None,
            1.0,
            f"met: {latest.value:.3g} against {condition.threshold:.3g} on {latest.on}",
            obs,
            fit[0] if fit else None,
        )
    if fit is None:
        return Judgement(
            condition,
            Status.AT_RISK,
            latest,
            None,
            None,
            None,
            None,
            None,
            0.0,
            "not met, and a single measurement gives no trend to project: too little evidence "
            "to say when it will be met",
            obs,
        )
    level, slope_value, se = fit
    if all(o.se is None for o in obs):
        # Counts from registers are exact, not noisy measurements: projections start from the
        # latest value, with the slope (and its uncertainty) fitted over the whole series.
        level = latest.value
    gap = condition.threshold - level
    horizon = _years(target_date, latest.on)
    if se is None:
        years = gap / slope_value if slope_value != 0 else float("inf")
        projected = _day(latest.on, years) if years > 0 else None
        return Judgement(
            condition,
            Status.AT_RISK,
            latest,
            slope_value,
            None,
            projected,
            None,
            None,
            0.0,
            "two measurements give a trend but no measure of its uncertainty: "
            + (
                f"at this pace the threshold is reached around {projected}"
                if projected
                else "at this pace the threshold is not reached"
            ),
            obs,
            level,
        )
    rng = np.random.default_rng(seed)
    slopes = rng.normal(slope_value, se, DRAWS) if se > 0 else np.full(DRAWS, slope_value)
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(slopes != 0, gap / slopes, np.inf)
    crossing = np.where(raw > 0, raw, np.inf)  # moving away never crosses
    confidence = float(np.mean(crossing <= horizon))
    finite = crossing[np.isfinite(crossing)]
    projected = low = high = None
    if finite.size > DRAWS / 2:
        # Order statistics, not interpolation: draws that never cross are infinite.
        projected = _day(latest.on, float(np.quantile(crossing, 0.5, method="lower")))
        low = _day(latest.on, float(np.quantile(crossing, 0.1, method="lower")))
        q90 = float(np.quantile(crossing, 0.9, method="higher"))
        high = _day(latest.on, q90) if np.isfinite(q90) else None
    if confidence >= ON_TRACK:
        status, reason = (
            Status.ON_TRACK,
            f"on track: met by {target_date} in {confidence:.0%} of projections",
        )
    elif confidence < OFF_TRACK:
        status = Status.OFF_TRACK
        reason = f"off track: met by {target_date} in only {confidence:.0%} of projections"
    else:
        status = Status.AT_RISK
        reason = f"at risk: met by {target_date} in {confidence:.0%} of projections"
    return Judgement(
        condition,
        status,
        latest,
        slope_value,
        se,
        projected,
        low,
        high,
        confidence,
        reason,
        obs,
        level,
    )


def combine(benchmark: Benchmark, judgements: Sequence[Judgement]) -> BenchmarkJudgement:
    """A benchmark is met when every condition is; otherwise it takes its worst condition's
    status (off track, at risk, no evidence, on track, in that order): a benchmark is never
    declared met or on track on a condition without evidence.

    >>> from peaceops.domain.transition import ConditionKind
    >>> c = Condition("a", kind=ConditionKind.GAPS_FUNDED, threshold=0.5)
    >>> j = lambda s: Judgement(c, s, None, None, None, None, None, None, 0.0, "")
    >>> combine(Benchmark("b", {"en": "x"}), [j(Status.MET), j(Status.NO_EVIDENCE)]).status
    <Status.NO_EVIDENCE: 'no_evidence'>
    """
    if not judgements:
        return BenchmarkJudgement(benchmark, Status.NO_EVIDENCE, ())
    return BenchmarkJudgement(benchmark, worst([j.status for j in judgements]), tuple(judgements))
