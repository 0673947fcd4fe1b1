"""A legislative timeline as standalone SVG: one row per instrument, a bar per stage from the
day it was reached to the next step (or to today), a mark at each step. No JavaScript, no
inline styles (the Content Security Policy forbids them), every text escaped.

It takes plain sequences so that reports do not depend on the domain: rows as
``(label, [(stage_key, day), ...], stuck)``, stage keys mapped to colours and labels by the
caller. Time runs left to right (right to left with ``rtl=True``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

ROW = 26
LABEL_WIDTH = 260
LABEL_CHARS = 38
AXIS = 28


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def timeline_svg(
    rows: Sequence[tuple[str, Sequence[tuple[str, date]], bool]],
    *,
    colours: Mapping[str, str],
    labels: Mapping[str, str],
    today: date,
    start: date | None = None,
    title: str,
    stuck_text: str = "stuck",
    width: float = 980,
    rtl: bool = False,
) -> str:
    """SVG markup of the timeline.

    >>> steps = [("drafting", date(2022, 1, 1)), ("tabled", date(2024, 1, 1))]
    >>> svg = timeline_svg(
    ...     [("Police <Act>", steps, True)],
    ...     colours={"drafting": "#999", "tabled": "#06c"},
    ...     labels={"drafting": "Drafting", "tabled": "Tabled"},
    ...     today=date(2025, 1, 1),
    ...     title="Timeline",
    ... )
    >>> svg.startswith("<svg") and "Police &lt;Act&gt;" in svg and svg.count("<rect") == 2
    True
    """
    first_days = [steps[0][1] for _, steps, _ in rows if steps]
    begin = start or (min(first_days) if first_days else date(today.year - 1, 1, 1))
    begin = date(begin.year, 1, 1)
    span = max(1, (today - begin).days)
    plot = width - LABEL_WIDTH - 16
    height = AXIS + ROW * max(1, len(rows)) + 8

    def x(day: date) -> float:
        share = min(1.0, max(0.0, (day - begin).days / span))
        offset = share * plot
        return (width - LABEL_WIDTH - offset) if rtl else (LABEL_WIDTH + offset)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="legal-timeline" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'aria-label="{escape(title, quote=True)}">',
        f"<title>{escape(title)}</title>",
        '<g class="axis">',
    ]
    for year in range(begin.year, today.year + 1):
        tick = date(year, 1, 1)
        if tick < begin:
            continue
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{AXIS - 6}" y2="{height - 4}" '
            'stroke="#d0d5dd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{tx + 2:.1f}" y="{AXIS - 10}" font-size="11" direction="ltr" '
            f'text-anchor="start" fill="#4a5568">{year}</text>'
        )
    parts.append("</g>")
    anchor_label = "end" if rtl else "start"
    label_x = width - 8 if rtl else 8
    for n, (label, steps, stuck) in enumerate(rows):
        y = AXIS + n * ROW
        parts.append(f'<g class="timeline-row{" stuck" if stuck else ""}">')
        parts.append(
            f'<text x="{label_x}" y="{y + ROW / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="{anchor_label}" fill="#1a202c"><title>{escape(label)}</title>'
            f"{escape(_short(label))}{' ⚠' if stuck else ''}</text>"
        )
        for i, (stage, day) in enumerate(steps):
            end = steps[i + 1][1] if i + 1 < len(steps) else today
            x0, x1 = sorted((x(day), x(end)))
            colour = colours.get(stage, "#718096")
            tip = f"{labels.get(stage, stage)}: {day.isoformat()}"
            if i + 1 == len(steps) and stuck:
                tip += f" ({stuck_text})"
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(2.0, x1 - x0):.1f}" '
                f'height="{ROW - 10}" fill="{escape(colour, quote=True)}" rx="2">'
                f"<title>{escape(tip)}</title></rect>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
