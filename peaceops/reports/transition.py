"""A benchmark condition's evidence and projection as standalone SVG: the observations (with
their 95% intervals where known), the threshold, the target date, and the trend carried forward
with its 80% fan (from the uncertainty of the slope). No JavaScript, no inline styles (the
Content Security Policy forbids them), every text escaped; each point has a ``<title>`` that a
browser shows on hover.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from html import escape

from peaceops.domain.transition import Direction, Judgement, Status

Z80 = 1.281552
Z95 = 1.959964
STATUS_COLOURS = {
    Status.MET: "#1a7f37",
    Status.ON_TRACK: "#2b8cbe",
    Status.AT_RISK: "#e69f00",
    Status.OFF_TRACK: "#c0392b",
    Status.NO_EVIDENCE: "#8a8a8a",
}


def _years(a: date, b: date) -> float:
    return (b - a).days / 365.25


def projection_chart(
    judgement: Judgement,
    *,
    target_date: date,
    gettext: Callable[[str], str] = str,
    width: float = 420,
    height: float = 170,
    value_format: str = "{:.2f}",
) -> str:
    """SVG markup of one condition's series and projection (an empty string without
    observations).

    >>> from peaceops.domain.transition import Condition, ConditionKind, Observation
    >>> c = Condition("c", ConditionKind.GAPS_FUNDED, 0.8)
    >>> obs = (Observation(date(2024, 6, 1), 0.5, 0.05), Observation(date(2025, 6, 1), 0.6, 0.05))
    >>> j = Judgement(c, Status.ON_TRACK, obs[-1], 0.1, 0.02, date(2027, 6, 1), None, None,
    ...               0.9, "", obs, 0.6)
    >>> svg = projection_chart(j, target_date=date(2028, 1, 1))
    >>> svg.startswith("<svg") and "<title>" in svg and "threshold" in svg
    True
    """
    obs = judgement.observations
    if not obs:
        return ""
    condition = judgement.condition
    _ = gettext
    start = obs[0].on
    latest = obs[-1]
    trend = (
        judgement.trend_per_year is not None
        and judgement.fitted is not None
        and judgement.status not in (Status.MET, Status.NO_EVIDENCE)
    )
    end = max(target_date + timedelta(days=120), latest.on + timedelta(days=90))
    if judgement.projected and judgement.projected < target_date + timedelta(days=3 * 365):
        end = max(end, judgement.projected + timedelta(days=90))

    values = [o.value for o in obs] + [condition.threshold]
    for o in obs:
        if o.se is not None:
            values += [o.value - Z95 * o.se, o.value + Z95 * o.se]
    fan: list[tuple[date, float, float, float]] = []
    if trend:
        assert judgement.trend_per_year is not None and judgement.fitted is not None
        slope, level = judgement.trend_per_year, judgement.fitted
        se = judgement.trend_se or 0.0
        steps = 12
        for i in range(steps + 1):
            day = latest.on + (end - latest.on) * i / steps
            t = _years(latest.on, day)
            mid = level + slope * t
            fan.append((day, mid, mid - Z80 * se * t, mid + Z80 * se * t))
        values += [f[1] for f in fan]
    share = all(0.0 <= v <= 1.0 for v in [o.value for o in obs] + [condition.threshold])
    low = 0.0 if share or min(values) >= 0 else min(values)
    high = 1.0 if share else max(values) * 1.1 or 1.0
    if not share:
        low = min(low, 0.0)

    left, right, top, bottom = 44.0, 14.0, 12.0, 26.0
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return left + (day - start).days / span * (width - left - right)

    def y(value: float) -> float:
        clipped = min(max(value, low), high)
        return top + (1 - (clipped - low) / (high - low or 1)) * (height - top - bottom)

    colour = STATUS_COLOURS[judgement.status]
    # Translated before use: message extraction does not look inside f-strings.
    aria = escape(_("Evidence and projection"))
    target_text = escape(_("target date"))
    crossing_text = escape(_("projected crossing"))
    band_text = escape(_("The shaded band holds eight projections in ten"))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="projection-chart" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-label="{aria}">'
    ]
    # Axes and ticks.
    if share:
        ticks = [low + (high - low) * i / 4 for i in range(5)]
    else:
        raw = (high - low) / 4
        step = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
        step = next(m * step for m in (1, 2, 2.5, 5, 10) if m * step >= raw)
        ticks = [low + step * i for i in range(int((high - low) / step) + 1)]
    for v in ticks:
        yy = y(v)
        parts.append(
            f'<line x1="{left:.1f}" x2="{width - right:.1f}" y1="{yy:.1f}" y2="{yy:.1f}" '
            f'stroke="#e2e2e2" stroke-width="1"/>'
            f'<text x="{left - 4:.1f}" y="{yy + 3:.1f}" font-size="9" text-anchor="end" '
            f'fill="#555">{escape(value_format.format(v) if share else f"{v:.0f}")}</text>'
        )
    for year in range(start.year + 1, end.year + 1):
        xx = x(date(year, 1, 1))
        parts.append(
            f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top:.1f}" y2="{height - bottom:.1f}" '
            f'stroke="#f0f0f0" stroke-width="1"/>'
            f'<text x="{xx:.1f}" y="{height - bottom + 12:.1f}" font-size="9" '
            f'text-anchor="middle" fill="#555">{year}</text>'
        )
    # Threshold and target date.
    ty = y(condition.threshold)
    word = _("ceiling") if condition.direction == Direction.AT_MOST else _("threshold")
    parts.append(
        f'<line class="threshold" x1="{left:.1f}" x2="{width - right:.1f}" y1="{ty:.1f}" '
        f'y2="{ty:.1f}" stroke="#333" stroke-width="1.2" stroke-dasharray="5 3"/>'
        f'<text x="{width - right - 2:.1f}" y="{ty - 3:.1f}" font-size="9" text-anchor="end" '
        f'fill="#333">{escape(word)} {escape(value_format.format(condition.threshold) if share else f"{condition.threshold:g}")}</text>'  # noqa: E501
    )
    gx = x(target_date)
    parts.append(
        f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{top:.1f}" y2="{height - bottom:.1f}" '
        f'stroke="#7a3e9d" stroke-width="1.2"/>'
        f'<text x="{gx - 3:.1f}" y="{top + 8:.1f}" font-size="9" text-anchor="end" '
        f'fill="#7a3e9d">{target_text}</text>'
    )
    # The projection fan and trend.
    if fan:
        upper = " ".join(f"{x(d):.1f},{y(hi):.1f}" for d, _m, _lo, hi in fan)
        lower = " ".join(f"{x(d):.1f},{y(lo):.1f}" for d, _m, lo, _hi in reversed(fan))
        parts.append(
            f'<polygon class="fan" points="{upper} {lower}" fill="{colour}" fill-opacity="0.18">'
            f"<title>{band_text}</title></polygon>"
        )
        line = " ".join(f"{x(d):.1f},{y(m):.1f}" for d, m, _lo, _hi in fan)
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="3 2"/>'
        )
    if judgement.projected and judgement.projected <= end and trend:
        px = x(judgement.projected)
        parts.append(
            f'<circle cx="{px:.1f}" cy="{ty:.1f}" r="3.5" fill="#fff" stroke="{colour}" '
            f'stroke-width="1.5"><title>{crossing_text}: '
            f"{judgement.projected.isoformat()}</title></circle>"
        )
    # Observations.
    path = " ".join(f"{x(o.on):.1f},{y(o.value):.1f}" for o in obs)
    parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
    for o in obs:
        ox, oy = x(o.on), y(o.value)
        if o.se is not None:
            parts.append(
                f'<line x1="{ox:.1f}" x2="{ox:.1f}" y1="{y(o.value - Z95 * o.se):.1f}" '
                f'y2="{y(o.value + Z95 * o.se):.1f}" stroke="{colour}" stroke-width="1"/>'
            )
        shown = value_format.format(o.value) if share else f"{o.value:g}"
        parts.append(
            f'<circle cx="{ox:.1f}" cy="{oy:.1f}" r="3" fill="{colour}">'
            f"<title>{o.on.isoformat()}: {escape(shown)} ({escape(o.evidence)})</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _ltr(text: str) -> str:
    """Isolated left to right (U+2066 ... U+2069), so that dates and figures keep their order
    inside a right-to-left sentence."""
    return f"\u2066{text}\u2069"


def explain(
    judgement: Judgement,
    *,
    target_date: date,
    gettext: Callable[..., str],
    fmt: Callable[[float], str] = "{:.3g}".format,
) -> str:
    """The plain sentence behind a condition's status, in the reader's language.

    ``gettext(message, **values)`` translates and fills ``%(name)s`` placeholders (the web
    app's ``Language.gettext``; for English, ``lambda m, **v: m % v``).
    """
    _ = gettext
    latest = judgement.latest
    pct = _ltr(f"{judgement.confidence:.0%}")
    if judgement.status == Status.NO_EVIDENCE or latest is None:
        return _("No evidence for this condition yet.")
    if judgement.status == Status.MET:
        return _(
            "Met: %(value)s against %(threshold)s on %(day)s.",
            value=_ltr(fmt(latest.value)),
            threshold=_ltr(fmt(judgement.condition.threshold)),
            day=_ltr(latest.on.isoformat()),
        )
    if judgement.trend_per_year is None:
        return _(
            "Not met, and a single measurement gives no trend to project: too little evidence "
            "to say when it will be met."
        )
    if judgement.trend_se is None:
        if judgement.projected:
            return _(
                "Two measurements give a trend but no measure of its uncertainty: at this "
                "pace the threshold is reached around %(day)s.",
                day=_ltr(judgement.projected.isoformat()),
            )
        return _(
            "Two measurements give a trend but no measure of its uncertainty: at this pace "
            "the threshold is not reached."
        )
    if judgement.status == Status.ON_TRACK:
        return _(
            "On track: met by %(target)s in %(pct)s of projections.",
            target=_ltr(target_date.isoformat()),
            pct=pct,
        )
    if judgement.status == Status.OFF_TRACK:
        return _(
            "Off track: met by %(target)s in only %(pct)s of projections.",
            target=_ltr(target_date.isoformat()),
            pct=pct,
        )
    return _(
        "At risk: met by %(target)s in %(pct)s of projections.",
        target=_ltr(target_date.isoformat()),
        pct=pct,
    )
