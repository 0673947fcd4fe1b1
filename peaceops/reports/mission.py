"""The mission report: one context (``ReportsService.mission_context``) rendered as a single
self-contained HTML page (inline CSS and SVG, hover titles, no script, nothing fetched) or as a
PDF through WeasyPrint (cover, contents with page numbers, running page numbers, static charts
and maps).

Every word of the report goes through ``gettext`` (the reader's catalogue); the context brings
only numbers, codes and the data's own texts. Charts are drawn here from plain series, with
presentation attributes rather than ``style=`` (the web app's Content Security Policy forbids
those), and a stylesheet in one ``<style>`` block whose hash the web app allows.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from peaceops.domain.places import Month
from peaceops.domain.transition import (
    Condition,
    ConditionKind,
    Direction,
    Judgement,
    Observation,
    Status,
)
from peaceops.reports.assessment import DIMENSIONS, VERDICTS
from peaceops.reports.charts import (
    SCORE_COLOURS,
    BarChart,
    FanChart,
    TrendChart,
    bar_chart,
    fan_chart,
    score_class,
    trend_chart,
)
from peaceops.reports.transition import STATUS_COLOURS, explain, projection_chart

Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


def N_(message: str) -> str:
    """Mark a string for the catalogues; it is translated where it is shown."""
    return message


STATUSES = {
    "met": N_("Met"),
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_evidence": N_("No evidence"),
}
CONDITION_KINDS = {
    "indicator_score": N_("Indicator score"),
    "dimension_score": N_("Dimension score"),
    "forecast_risk": N_("Forecast risk of violence"),
    "complaints_resolved": N_("Complaints resolved"),
    "gaps_funded": N_("Gaps funded"),
    "trained_personnel": N_("Trained personnel serving"),
    "sites_handed_over": N_("Mission sites handed over"),
}
DIMENSION_WORDS = {
    "performance": N_("performance"),
    "integrity": N_("integrity, transparency and accountability"),
    "vulnerable_groups": N_("treatment of vulnerable groups"),
    "capacity": N_("capacity"),
}
CAPABILITIES = {
    "police_reform": N_("Police reform"),
    "community_policing": N_("Community policing"),
    "justice_reform": N_("Justice reform"),
    "legal_aid": N_("Legal aid"),
    "corrections": N_("Prisons and corrections"),
    "defence_reform": N_("Defence reform"),
    "oversight": N_("Oversight"),
    "anti_corruption": N_("Anti-corruption"),
    "ddr": N_("Disarmament, demobilisation and reintegration"),
    "border_management": N_("Border management"),
    "legislative_drafting": N_("Legislative drafting"),
    "vetting": N_("Vetting"),
    "human_rights_training": N_("Human rights training"),
    "gender_sgbv": N_("Gender and sexual violence"),
    "infrastructure": N_("Infrastructure"),
    "equipment": N_("Equipment"),
    "mine_action": N_("Mine action"),
    "ssr_general": N_("Security sector reform (general)"),
    "": N_("No capability stated"),
}
STAGES = {
    "drafting": N_("Drafting"),
    "consultation": N_("Consultation"),
    "cabinet": N_("Cabinet"),
    "tabled": N_("Tabled in parliament"),
    "adopted": N_("Adopted"),
    "promulgated": N_("Promulgated and published"),
    "regulations": N_("Implementing regulations issued"),
    "in_force": N_("In force"),
    "withdrawn": N_("Withdrawn"),
    "struck_down": N_("Struck down"),
}
INSTRUMENT_TYPES = {
    "constitution_article": N_("Constitutional provision"),
    "law": N_("Law"),
    "decree": N_("Decree"),
    "regulation": N_("Regulation"),
    "policy": N_("Policy"),
    "sop": N_("Standard operating procedure"),
}
COMPLAINT_CATEGORIES = {
    "excessive_force": N_("Violence or excessive force"),
    "arbitrary_arrest": N_("Arrest or detention without reason"),
    "extortion": N_("Asked for money or a bribe"),
    "sgbv": N_("Sexual violence or abuse"),
    "torture": N_("Torture or cruel treatment"),
    "discrimination": N_("Unfair treatment"),
    "failure_to_act": N_("Refused to help"),
    "property": N_("Property taken or destroyed"),
    "threats": N_("Threats or intimidation"),
    "other": N_("Something else"),
}
ROLES = {
    "admin": N_("Administrator"),
    "analyst": N_("Analyst"),
    "partner": N_("Partner"),
    "civil_society": N_("Civil society"),
    "viewer": N_("Viewer"),
    "case_handler": N_("Case handler"),
}
PERIOD_KINDS = {
    "year": N_("Year %(code)s"),
    "half": N_("Half-year %(code)s"),
    "quarter": N_("Quarter %(code)s"),
    "month": N_("Month %(code)s"),
}
# Fills of map classes: forecast risk (as the risk page), recorded deaths, readiness status.
FILLS = {
    "risk0": "#fef0d9",
    "risk1": "#fdcc8a",
    "risk2": "#fc8d59",
    "risk3": "#e34a33",
    "risk4": "#b30000",
    "deaths0": "#f4f4f4",
    "deaths1": "#d4e4f1",
    "deaths2": "#92c5de",
    "deaths3": "#4393c3",
    "deaths4": "#2166ac",
    **{f"status-{s.value}": colour for s, colour in STATUS_COLOURS.items()},
    "": "#eeeeee",
}
RISK_LEGEND = (
    ("risk0", "< 5%"),
    ("risk1", "5–15%"),
    ("risk2", "15–30%"),
    ("risk3", "30–50%"),
    ("risk4", "> 50%"),
)
DEATHS_LEGEND = (
    ("deaths0", "0"),
    ("deaths1", "1–9"),
    ("deaths2", "10–49"),
    ("deaths3", "50–99"),
    ("deaths4", "≥ 100"),
)
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000")
SHARE_KINDS = frozenset(
    {"forecast_risk", "complaints_resolved", "gaps_funded", "sites_handed_over"}
)

_env = Environment(
    loader=PackageLoader("peaceops.reports", "templates"),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.do"],
    trim_blocks=True,
    lstrip_blocks=True,
)


# Charts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HBar:
    label: str
    y: float
    width: float
    inner: float
    """The inner bar (disbursed, or an interval's low end) as a width."""
    title: str


@dataclass(slots=True)
class HBarChart:
    """Horizontal bars with a label column: money by capability, shares by region."""

    width: float
    height: float
    left: float
    bars: list[HBar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def money_chart(
    rows: Sequence[tuple[str, float, float]],
    *,
    fmt: Callable[[float], str],
    width: float = 640,
    left: float = 230,
) -> HBarChart:
    """(label, committed, disbursed) as bars of committed with disbursed inside."""
    top = max([r[1] for r in rows] + [r[2] for r in rows] + [1.0])
    step = 10 ** math.floor(math.log10(top))
    step = next(m * step for m in (1, 2, 5, 10) if top / (m * step) <= 5)
    axis = step * math.ceil(top / step)
    plot = width - left - 16
    chart = HBarChart(width=width, height=24 + 20 * len(rows), left=left)
    for i, (label, committed, disbursed) in enumerate(rows):
        chart.bars.append(
            HBar(
                label,
                6 + 20 * i,
                round(plot * committed / axis, 1),
                round(plot * disbursed / axis, 1),
                f"{fmt(committed)} / {fmt(disbursed)}",
            )
        )
    n = round(axis / step)
    chart.ticks = [(round(left + plot * k / n, 1), fmt(step * k)) for k in range(n + 1)]
    return chart


@dataclass(frozen=True, slots=True)
class Interval:
    label: str
    y: float
    x: float | None
    low: float | None
    high: float | None
    title: str


@dataclass(slots=True)
class IntervalChart:
    width: float
    height: float
    left: float
    right: float
    rows: list[Interval] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def interval_chart(
    rows: Sequence[dict[str, Any]],
    *,
    fmt: Callable[[float], str],
    suppressed: str,
    width: float = 640,
    left: float = 150,
) -> IntervalChart:
    """Shares (0-1) with their 95% intervals, one row each; suppressed rows say so."""
    right = width - 24
    chart = IntervalChart(width=width, height=26 + 18 * len(rows), left=left, right=right)

    def x(v: float) -> float:
        return round(left + v * (right - left), 1)

    for i, r in enumerate(rows):
        y = 8 + 18 * i
        if r["suppressed"] or r["value"] is None:
            chart.rows.append(Interval(r["label"], y, None, None, None, suppressed))
            continue
        chart.rows.append(
            Interval(
                r["label"],
                y,
                x(r["value"]),
                x(r["low"]),
                x(r["high"]),
                f"{fmt(r['value'])} ({fmt(r['low'])}–{fmt(r['high'])}, n={r['n']})",
            )
        )
    chart.ticks = [(x(v), fmt(v)) for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    return chart


# Rendering ------------------------------------------------------------------------------------


class _Words:
    """The template's ``_`` and ``ngettext``: translate, then fill ``%(name)s`` values."""

    def __init__(self, gettext: Gettext, ngettext: Ngettext | None) -> None:
        self._gettext = gettext
        self._ngettext = ngettext

    def gettext(self, message: str, **values: Any) -> str:
        text = self._gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        if self._ngettext is not None:
            text = self._ngettext(singular, plural, n)
        else:
            text = singular if n == 1 else plural
        return text % {"num": n, **values}


def _judgement(c: dict[str, Any]) -> Judgement:
    """A condition of the context as the domain's Judgement, for the transition charts."""

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    def observation(o: dict[str, Any]) -> Observation:
        return Observation(date.fromisoformat(o["on"]), o["value"], o["se"])

    condition = Condition(
        c["key"],
        ConditionKind(c["kind"]),
        c["threshold"],
        Direction(c["direction"]),
        c["target"] or "",
        c["months"],
    )
    return Judgement(
        condition=condition,
        status=Status(c["status"]),
        latest=observation(c["latest"]) if c["latest"] else None,
        trend_per_year=c["trend_per_year"],
        trend_se=c["trend_se"],
        projected=day(c["projected"]),
        projected_low=day(c["projected_low"]),
        projected_high=day(c["projected_high"]),
        confidence=c["confidence"] or 0.0,
        reason="",
        observations=tuple(observation(o) for o in c["observations"]),
        fitted=c["fitted"],
    )


def _helpers(context: dict[str, Any], words: _Words) -> dict[str, Any]:
    language = context["language"]

    def num(value: float | None, digits: int = 2) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=language))

    def pct(value: float | None, digits: int = 0) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return str(format_percent(value, format=pattern, locale=language))

    def signed(value: float | None, digits: int = 2) -> str:
        if value is None:
            return "–"
        return ("+" if value > 0 else "−" if value < 0 else "±") + num(abs(value), digits)

    def money(value: float | None) -> str:
        if value is None:
            return "–"
        if abs(value) >= 1e6:
            return words.gettext("%(amount)s million", amount=num(value / 1e6, 1))
        return num(value, 0)

    def condition_value(kind: str, value: float | None) -> str:
        if value is None:
            return "–"
        if kind == "trained_personnel":
            return num(value, 0)
        if kind in ("indicator_score", "dimension_score"):
            return num(value, 2)
        return pct(value)

    def month(value: str | int) -> str:
        return str(Month.from_month_id(value)) if isinstance(value, int) else value

    def fan(f: dict[str, Any]) -> FanChart:
        start = f["history_start"]
        return fan_chart(
            list(range(start, start + len(f["history"]))),
            f["history"],
            f["months"],
            f["low"],
            f["median"],
            f["high"],
            month_label=month,
            width=600,
            height=210,
        )

    def fan_points(f: dict[str, Any], chart: FanChart) -> list[tuple[float, float, str]]:
        """Hover targets on the forecast median: (x, y, title)."""
        points = []
        tops = [*f["history"], *f["high"], 1.0]
        top = math.sqrt(max(tops))
        x0 = f["history_start"]
        x1 = f["months"][-1] if f["months"] else x0 + len(f["history"]) - 1
        span = max(x1 - x0, 1)
        for m, lo, mid, hi in zip(f["months"], f["low"], f["median"], f["high"], strict=True):
            px = 44 + (m - x0) / span * (chart.width - 44 - 12)
            py = 10 + (1 - math.sqrt(max(mid, 0)) / top) * (chart.height - 10 - 28)
            title = words.gettext(
                "%(month)s: median %(median)s deaths, 90%% interval %(low)s to %(high)s",
                month=month(m),
                median=num(mid, 0),
                low=num(lo, 0),
                high=num(hi, 0),
            )
            points.append((round(px, 1), round(py, 1), title))
        return points

    def trend(t: dict[str, Any]) -> TrendChart:
        return trend_chart(
            t["rounds"],
            [(s["name"], [tuple(v) if v else None for v in s["values"]]) for s in t["series"]],
            width=600,
            height=200,
        )

    def bars(rows: list[dict[str, Any]], label: str, value: str) -> BarChart:
        return bar_chart([(r[label], r[value]) for r in rows], width=640, height=170)

    def money_bars(rows: list[dict[str, Any]], key: str) -> HBarChart:
        labelled = [
            (
                words.gettext(CAPABILITIES.get(r[key], r[key]))
                if key == "capability"
                else r[key] or words.gettext("No institution stated"),
                r["committed"] or 0.0,
                r["disbursed"] or 0.0,
            )
            for r in rows
        ]
        return money_chart(labelled, fmt=money)

    def intervals(rows: list[dict[str, Any]]) -> IntervalChart:
        return interval_chart(rows, fmt=pct, suppressed=words.gettext("suppressed (small cell)"))

    def projection(c: dict[str, Any], target: str) -> Markup:
        if c["hidden"] or not c["observations"]:
            return Markup("")
        fmt = "{:.0%}" if c["kind"] in SHARE_KINDS else "{:.2f}"
        svg = projection_chart(
            _judgement(c),
            target_date=date.fromisoformat(target),
            gettext=words.gettext,
            value_format=fmt,
            width=420,
            height=160,
        )
        return Markup(svg)  # noqa: S704 - reports.transition escapes every text it writes

    def why(c: dict[str, Any], target: str) -> str:
        if c["hidden"]:
            return words.gettext(
                "Forecasts of violence are not shown to your role, so this condition "
                "cannot be judged here."
            )
        return explain(
            _judgement(c),
            target_date=date.fromisoformat(target),
            gettext=words.gettext,
            fmt=lambda v, kind=c["kind"]: condition_value(kind, v),  # type: ignore[misc]
        )

    return {
        "num": num,
        "pct": pct,
        "signed": signed,
        "money": money,
        "condition_value": condition_value,
        "month": month,
        "fan": fan,
        "fan_points": fan_points,
        "trend": trend,
        "bars": bars,
        "money_bars": money_bars,
        "intervals": intervals,
        "projection": projection,
        "why": why,
        "score_class": score_class,
    }


def _page_label(words: _Words) -> str:
    """The running page number as a CSS ``content`` value, in the reader's language."""
    text = words.gettext("Page %(page)s of %(pages)s")
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", text)
    out = []
    for part in parts:
        if part == "%(page)s":
            out.append("counter(page)")
        elif part == "%(pages)s":
            out.append("counter(pages)")
        elif part:
            out.append(_css_string(part))
    return " ".join(out) or "counter(page)"


def _css_string(text: str) -> str:
    """A CSS string literal; ``<`` escaped too, so that nothing can close the style block."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + escaped.replace("<", "\\3c ") + '"'


def _render(
    context: dict[str, Any], *, gettext: Gettext, ngettext: Ngettext | None, pdf: bool
) -> str:
    words = _Words(gettext, ngettext)
    _ = words.gettext
    country = context["country"]["name"]
    running = _(
        "Mission report: %(country)s, %(period)s", country=country, period=context["period"]["code"]
    )
    css = _env.get_template("mission_report.css").render(
        pdf=pdf,
        page_label=Markup(_page_label(words)),  # noqa: S704 - quoted by _css_string
        running=Markup(_css_string(running)),  # noqa: S704 - quoted by _css_string
        score_colours=SCORE_COLOURS,
        fills=FILLS,
        series=SERIES_COLOURS,
    )
    return _env.get_template("mission_report.html").render(
        c=context,
        pdf=pdf,
        css=Markup(css),  # noqa: S704 - our own stylesheet, rendered above
        _=words.gettext,
        ngettext=words.ngettext,
        lang=context["language"],
        statuses=STATUSES,
        kinds=CONDITION_KINDS,
        dimensions=DIMENSIONS,
        dimension_words=DIMENSION_WORDS,
        verdicts=VERDICTS,
        capabilities=CAPABILITIES,
        stages=STAGES,
        instrument_types=INSTRUMENT_TYPES,
        categories=COMPLAINT_CATEGORIES,
        roles=ROLES,
        period_kinds=PERIOD_KINDS,
        fills=FILLS,
        risk_legend=RISK_LEGEND,
        deaths_legend=DEATHS_LEGEND,
        series_colours=SERIES_COLOURS,
        status_colours={s.value: c for s, c in STATUS_COLOURS.items()},
        **_helpers(context, words),
    )


def render_html(
    context: dict[str, Any], *, gettext: Gettext = str, ngettext: Ngettext | None = None
) -> str:
    """The report as one self-contained HTML page: charts with hover titles, no script."""
    return _render(context, gettext=gettext, ngettext=ngettext, pdf=False)


def render_pdf(
    context: dict[str, Any], *, gettext: Gettext = str, ngettext: Ngettext | None = None
) -> bytes:
    """The report as a PDF (WeasyPrint, the ``pdf`` extra): cover, contents with page
    numbers, running page numbers, static charts and maps. Nothing is fetched."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installation
        from peaceops.errors import ConfigError

        raise ConfigError(
            "PDF reports need WeasyPrint: pip install 'peaceops[pdf]' (it uses Pango)"
        ) from exc

    def refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        raise ValueError(f"the report fetches nothing, not {url}")

    html = _render(context, gettext=gettext, ngettext=ngettext, pdf=True)
    document = HTML(string=html, url_fetcher=refuse)
    data: bytes = document.write_pdf()
    return data


def style_sources(html: str) -> list[str]:
    """CSP sources (``'sha256-...'``) of the page's ``<style>`` blocks, so that a server
    can allow them and nothing else."""
    out = []
    for block in re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL):
        digest = hashlib.sha256(block.encode("utf-8")).digest()
        out.append(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return out
