"""A Sankey diagram as standalone SVG markup: no JavaScript, no inline styles (the pages' Content
Security Policy forbids them), every text escaped.

It takes plain sequences, so that reports do not depend on analytics: nodes as
``(key, label, column)`` and links as ``(source_key, target_key, value)``;
``FlowGraph.as_sequences()`` gives them. Columns are drawn left to right (right to left with
``rtl=True``). Each link is a band of cubic Bezier curves whose width is proportional to its
value; nodes and links carry ``<title>`` tooltips. Every ``<text>`` sets ``direction`` and
``text-anchor`` itself, so a right-to-left page does not flip the labels' anchoring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from html import escape

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
"""Okabe-Ito colours, distinguishable with the common colour-vision deficiencies."""
NODE_FILL = "#4a5568"
LABEL_CHARS = 32


def _number(value: float) -> str:
    return f"{value:,.0f}"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def sankey_svg(
    nodes: Sequence[tuple[str, str, int]],
    links: Sequence[tuple[str, str, float]],
    *,
    title: str,
    width: float = 900,
    height: float = 480,
    format_value: Callable[[float], str] = _number,
    rtl: bool = False,
    empty_text: str = "No flows to show",
    link_title: Callable[[str, str, str], str] | None = None,
) -> str:
    """SVG markup of a Sankey diagram.

    Parameters
    ----------
    nodes
        ``(key, label, column)``; columns are small integers, drawn in increasing order.
    links
        ``(source_key, target_key, value)``; links with a value of 0 or less, or naming an
        unknown node, are left out.
    title
        The accessible name (``aria-label`` and ``<title>``).
    format_value
        How values appear in tooltips (e.g. ``lambda v: f"{v / 1e6:.1f} M USD"``).
    rtl
        Draw the first column on the right, for right-to-left pages.
    link_title
        ``(source label, target label, formatted value) -> tooltip``; by default
        ``"source → target: value"``.

    Examples
    --------
    >>> svg = sankey_svg([("a", "Donor", 0), ("b", "NGO <1>", 1)], [("a", "b", 5.0)],
    ...                  title="Funding")
    >>> svg.startswith("<svg") and 'role="img"' in svg and "NGO &lt;1&gt;" in svg
    True
    """
    left_pad = right_pad = max(120.0, width * 0.2)
    top, bottom, node_width, gap = 12.0, 12.0, 14.0, 10.0
    known = {key: (label, column) for key, label, column in nodes}
    kept = [(s, t, float(v)) for s, t, v in links if v > 0 and s in known and t in known]
    columns = sorted({known[k][1] for s, t, _ in kept for k in (s, t)})
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="sankey" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-label="{_attr(title)}" direction="ltr"><title>{escape(title)}</title>'
    )
    if not kept:
        return (
            f'{head}<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" '
            f'direction="ltr" class="sankey-empty">{escape(empty_text)}</text></svg>'
        )

    inflow: dict[str, float] = defaultdict(float)
    outflow: dict[str, float] = defaultdict(float)
    for s, t, v in kept:
        outflow[s] += v
        inflow[t] += v
    value = {k: max(inflow[k], outflow[k]) for k in set(inflow) | set(outflow)}
    members: dict[int, list[str]] = defaultdict(list)
    for k in sorted(value, key=lambda k: (-value[k], known[k][0], k)):
        members[known[k][1]].append(k)
    usable = height - top - bottom
    scale = min(
        (usable - gap * (len(members[c]) - 1)) / sum(value[k] for k in members[c]) for c in columns
    )
    scale = max(scale, 0.0)
    span = width - left_pad - right_pad - node_width
    x_of = {
        c: left_pad + (span * i / (len(columns) - 1) if len(columns) > 1 else span / 2)
        for i, c in enumerate(columns)
    }
    y_of: dict[str, float] = {}
    for c in columns:
        total = sum(value[k] for k in members[c]) * scale + gap * (len(members[c]) - 1)
        y = top + (usable - total) / 2
        for k in members[c]:
            y_of[k] = y
            y += value[k] * scale + gap

    def x(k: str) -> float:
        left = x_of[known[k][1]]
        return width - left - node_width if rtl else left

    colour = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(members[columns[0]])}
    for c in columns[1:]:
        for i, k in enumerate(members[c]):
            colour.setdefault(k, PALETTE[(i + len(colour)) % len(PALETTE)])

    out_offset: dict[str, float] = defaultdict(float)
    in_offset: dict[str, float] = defaultdict(float)
    parts = [head, f"<desc>{escape(_desc(kept, known, format_value))}</desc>", '<g class="links">']
    for s, t, v in sorted(kept, key=lambda e: (y_of[e[0]], y_of[e[1]])):
        w = v * scale
        y0 = y_of[s] + out_offset[s]
        out_offset[s] += w
        y1 = y_of[t] + in_offset[t]
        in_offset[t] += w
        if rtl:
            x0, x1 = x(s), x(t) + node_width
        else:
            x0, x1 = x(s) + node_width, x(t)
        mid = (x0 + x1) / 2
        path = (
            f"M{x0:.1f} {y0:.1f}C{mid:.1f} {y0:.1f} {mid:.1f} {y1:.1f} {x1:.1f} {y1:.1f}"
            f"L{x1:.1f} {y1 + w:.1f}C{mid:.1f} {y1 + w:.1f} {mid:.1f} {y0 + w:.1f} "
            f"{x0:.1f} {y0 + w:.1f}Z"
        )
        label = (link_title or _link_title)(known[s][0], known[t][0], format_value(v))
        parts.append(
            f'<path class="sankey-link" d="{path}" fill="{colour[s]}" fill-opacity="0.45">'
            f"<title>{escape(label)}</title></path>"
        )
    parts.append('</g><g class="nodes">')
    for c in columns:
        for k in members[c]:
            h = max(value[k] * scale, 1.0)
            label = known[k][0]
            parts.append(
                f'<rect class="sankey-node" x="{x(k):.1f}" y="{y_of[k]:.1f}" '
                f'width="{node_width:.0f}" height="{h:.1f}" fill="{NODE_FILL}">'
                f"<title>{escape(label)}: {escape(format_value(value[k]))}</title></rect>"
            )
            if h < 6:
                continue  # too thin to label legibly; the tooltip still names it
            # The first column is labelled on its outer side, the others on the side the flow
            # goes to; in x terms that is mirrored for right-to-left.
            on_left = (c == columns[0]) != rtl
            if on_left:
                tx, anchor = x(k) - 6, "end"
            else:
                tx, anchor = x(k) + node_width + 6, "start"
            parts.append(
                f'<text class="sankey-label" x="{tx:.1f}" y="{y_of[k] + h / 2:.1f}" '
                f'dominant-baseline="middle" text-anchor="{anchor}" direction="ltr">'
                f"{escape(_short(label))}</text>"
            )
    parts.append("</g></svg>")
    return "".join(parts)


def _link_title(source: str, target: str, value: str) -> str:
    return f"{source} → {target}: {value}"


def _desc(
    links: Sequence[tuple[str, str, float]],
    known: dict[str, tuple[str, int]],
    format_value: Callable[[float], str],
) -> str:
    """A text summary for screen readers: the total and the largest flows."""
    first = min(known[s][1] for s, _, _ in links)
    total = sum(v for s, _, v in links if known[s][1] == first)
    top = sorted(links, key=lambda e: -e[2])[:3]
    largest = "; ".join(f"{known[s][0]} to {known[t][0]} {format_value(v)}" for s, t, v in top)
    return f"{len(links)} flows, {format_value(total)} from the first column. Largest: {largest}."
