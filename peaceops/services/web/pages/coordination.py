"""The coordination dashboard: who does what where (matrix and map), money flows, possible
duplicates with the coordinators' decisions, and gaps against assessed weaknesses and risk."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from peaceops.analytics.coordination.gaps import AreaGap
from peaceops.domain.access import Permission, Principal
from peaceops.domain.assessment import text_in
from peaceops.domain.coordination import Activity, ActivityLocation, Capability, Decision
from peaceops.platform import Platform
from peaceops.reports.sankey import sankey_svg
from peaceops.reports.svgmap import MapPoint, build_map
from peaceops.services.web.deps import CoordinationManager, PlatformDep, Reader, language
from peaceops.services.web.i18n import N_, Language
from peaceops.services.web.pages.activities import (
    CAPABILITIES,
    coordination_labels,
    countries_of,
    number,
)
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render

router = APIRouter()

PLACE_DECIMALS = 3
"""Activity points closer than this many decimals of a degree (about 100 m) are one place."""

# Explanation codes of the analyses (analytics/coordination) and how a person reads them.
REASONS: dict[str, str] = {
    "declared_link": N_("one declares the other (%(identifier)s) as its source"),
    "funder_implementer": N_("%(funder)s funds %(implementer)s and both report it"),
    "same_publisher": N_("both published by %(name)s"),
    "same_institution": N_("both support %(institution)s"),
    "same_institution_type": N_("both support the same kind of institution (%(types)s)"),
    "same_capability": N_("both work on %(capabilities)s"),
    "same_sector": N_("both in the sector %(sectors)s"),
    "same_area": N_("in the same area (%(name)s)"),
    "same_region": N_("in the same region (%(name)s)"),
    "same_country": N_("in the same country (%(countries)s)"),
    "overlap_years": N_("at the same time (%(from)s–%(to)s)"),
    "dates_unknown": N_("dates unknown"),
    "similar_text": N_("%(percent)s%% similar descriptions"),
    "common_text": N_("the descriptions share common wording with %(count)s other activities"),
    "short_text": N_("short descriptions (%(words)s words): similarity weighs less"),
    "priority": N_("priority %(priority)s: %(indicator)s (%(institution)s, %(dimension)s)"),
    "no_activity": N_("no activity addresses it"),
    "activities": N_("%(count)s activities by %(actors)s organisations address it"),
    "result_link": N_("%(count)s report results against this indicator"),
    "committed": N_("%(amount)s %(currency)s committed"),
    "other_currency": N_("and %(amount)s %(currency)s"),
    "coverage": N_("%(percent)s%% covered"),
    "risk": N_("%(percent)s%% chance of 25 or more deaths in a month"),
    "no_programming": N_("no security or justice programming in %(name)s"),
    "none_in_region": N_("none in its region (%(name)s) either"),
}
DIMENSIONS = {
    "performance": N_("Performance"),
    "integrity": N_("Integrity, transparency and accountability"),
    "vulnerable_groups": N_("Treatment of vulnerable groups"),
    "capacity": N_("Capacity"),
}
PAIRS_SHOWN = 50
"""Duplicate pairs listed at first, most likely first; "show more" adds as many again."""


DECISIONS = {"confirmed": N_("Confirmed duplicate"), "dismissed": N_("Not a duplicate")}
MONEY_CLASSES = ("m0", "m1", "m2", "m3", "m4")


@dataclass(slots=True)
class Cell:
    """One cell of a who/where x what table: distinct activities and the money in it."""

    identifiers: set[str] = field(default_factory=set)
    money: float = 0.0

    def add(self, identifiers: Iterable[str], money: float) -> None:
        self.identifiers.update(identifiers)
        self.money += money

    @property
    def count(self) -> int:
        return len(self.identifiers)


def reasons(
    explanation: Any,
    lang: Language,
    *,
    institutions: dict[int, str] | None = None,
    areas: dict[int, str] | None = None,
) -> list[str]:
    """Explanation codes and their values as translated phrases."""
    out = []
    for code, params in explanation:
        values = dict(params)
        if "institution_id" in values:
            values["institution"] = (institutions or {}).get(
                values["institution_id"], str(values["institution_id"])
            )
        if "admin_area_id" in values and not values.get("name"):
            values["name"] = (areas or {}).get(values["admin_area_id"], "")
        if code == "overlap_years" and values.get("to") is None:
            values["to"] = lang.gettext("ongoing")
        for key, value in list(values.items()):
            if key == "capabilities" and isinstance(value, list | tuple | set):
                values[key] = ", ".join(
                    lang.gettext(CAPABILITIES[v]) if v in CAPABILITIES else str(v) for v in value
                )
            elif key == "dimension" and value in DIMENSIONS:
                values[key] = lang.gettext(DIMENSIONS[value])
            elif key == "amount" and isinstance(value, int | float):
                values[key] = number(float(value), lang.code)
            elif isinstance(value, list | tuple | set):
                values[key] = ", ".join(str(v) for v in value)
        template = REASONS.get(code)
        try:
            out.append(lang.gettext(template, **values) if template else code.replace("_", " "))
        except (KeyError, ValueError):
            out.append(code.replace("_", " "))
    return out


def _money_classes(values: dict[str, float]) -> dict[str, str]:
    """Five classes of money per area: none, then quartiles of the areas that have some."""
    positive = sorted(v for v in values.values() if v > 0)
    out = {}
    for code, v in values.items():
        if v <= 0 or not positive:
            out[code] = MONEY_CLASSES[0]
            continue
        rank = sum(1 for p in positive if p <= v) / len(positive)
        out[code] = MONEY_CLASSES[min(4, 1 + int(rank * 4 - 1e-9))]
    return out


def _activity_points(
    acts: list[Activity], lang: Language, *, country: str, year: int | None
) -> list[MapPoint]:
    """One map symbol per place where activities work, not one per activity: a capital can
    host thousands, which drew a page of megabytes with every symbol on the same spot.

    Places are the reported points to about 100 metres. A place with one activity links to
    it; a place with more names how many and links to the dashboard narrowed to its area.
    """
    by_place: dict[tuple[float, float], list[tuple[Activity, ActivityLocation]]] = defaultdict(list)
    for a in acts:
        seen: set[tuple[float, float]] = set()
        for loc in a.locations:
            if loc.lon is None or loc.lat is None:
                continue
            place = (round(loc.lon, PLACE_DECIMALS), round(loc.lat, PLACE_DECIMALS))
            if place not in seen:
                seen.add(place)
                by_place[place].append((a, loc))
    points: list[MapPoint] = []
    for place, found in by_place.items():
        a, loc = found[0]
        if len(found) == 1:
            label = f"{a.identifier}: {a.title_in(lang.code)}"
            points.append(
                MapPoint(place[0], place[1], label, "activities", "project", f"/activities/{a.id}")
            )
            continue
        areas = {loc.admin_area_id for _, loc in found}
        name = loc.name or ", ".join(f"{v:.3f}" for v in place)
        label = lang.ngettext(
            "%(num)d activity at %(place)s",
            "%(num)d activities at %(place)s",
            len(found),
            place=name,
        )
        href = None
        (area,) = areas if len(areas) == 1 else (None,)
        if area is not None:
            query = {"country": country, "area": area, **({"year": year} if year else {})}
            href = f"/coordination?{urlencode(query)}"
        points.append(MapPoint(place[0], place[1], label, "activities", "project", href))
    return points


def dashboard_context(
    platform: Platform,
    by: Principal,
    lang: Language,
    *,
    country: str,
    currency: str,
    capability: Capability | None,
    institution_id: int | None,
    area_id: int | None,
    year: int | None,
    actor: str | None,
    pairs_shown: int = PAIRS_SHOWN,
) -> dict[str, Any]:
    service = platform.coordination
    everything = service.activities()
    codes = countries_of(everything)
    countries = [c for c in platform.places.countries() if c.iso3 in codes]
    country_obj = platform.places.country(country)
    period = (date(year, 1, 1), date(year, 12, 31)) if year else None
    rows = service.matrix(
        country=country,
        currency=currency,
        institution_ids=[institution_id] if institution_id else None,
        capability=capability,
        admin_area_ids=[area_id] if area_id else None,
        period=period,
        actor=actor or None,
    )
    areas = service.area_index(country)
    institution_list = [i for i in platform.institutions.list(country=country) if i.id]
    # Who x what (implementers against capabilities) and where x what, with distinct
    # activities and committed money (the matrix shares an activity's money over its cells).
    who_what: dict[str, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    where_what: dict[int, dict[str, Cell]] = defaultdict(lambda: defaultdict(Cell))
    money_by_area: dict[int, float] = defaultdict(float)
    chosen: set[str] = set()
    for r in rows:
        cap = r.capability.value if r.capability else ""
        who_what[r.actor][cap].add(r.identifiers, r.committed)
        chosen.update(r.identifiers)
        if r.admin_area_id is not None:
            where_what[r.admin_area_id][cap].add(r.identifiers, r.committed)
            money_by_area[r.admin_area_id] += r.committed
    caps = sorted({c for d in who_what.values() for c in d}, key=lambda c: (c == "", c))
    acts = service.in_country(everything, country)
    regions = [a for a in areas.values() if a.level == 1]
    districts = [a for a in areas.values() if a.level == 2]
    # The map draws districts; money placed on a whole region is spread over its districts.
    area_money: dict[str, float] = defaultdict(float)
    for where, value in money_by_area.items():
        area = areas.get(where)
        if area is None:
            continue
        kids = [d for d in districts if d.parent_pcode == area.pcode] if area.level == 1 else []
        for d in kids or [area]:
            area_money[d.pcode] += value / max(1, len(kids))
    shown = districts or regions
    classes = _money_classes({a.pcode: area_money.get(a.pcode, 0.0) for a in shown})
    full = platform.places.admin_areas(country, level=2 if districts else 1)
    points = _activity_points(
        [a for a in acts if a.identifier in chosen], lang, country=country, year=year
    )
    risk_run: dict[str, Any] | None = None
    risk_gaps: list[AreaGap] = []
    if by.can(Permission.READ_FORECASTS):
        risk_run, risk_gaps = service.risk_gaps(country, by=by)
    gap_codes = {areas[g.admin_area_id].pcode for g in risk_gaps if g.admin_area_id in areas}
    for d in districts:
        if d.pcode in gap_codes or d.parent_pcode in gap_codes:
            classes[d.pcode] = classes.get(d.pcode, "") + " risk-gap"
    outline = platform.places.admin_areas(country, level=1) if districts else []
    view = build_map(full, points=points, outline_areas=outline, width=720, area_classes=classes)
    flows = service.flows(country=country, currency=currency, year=year, capability=capability)
    # Organisations by acronym where they have one: long names do not fit beside the bands.
    short: dict[str, str] = {}
    for org in platform.actors.list():
        for name in (org.name, *org.name_variants):
            if org.acronym:
                short[name] = org.acronym
    sankey = sankey_svg(
        [(n.key, short.get(n.label, n.label), n.column) for n in flows.nodes],
        [(link.source, link.target, link.value) for link in flows.links],
        title=lang.gettext("Money from funders through implementers to institutions"),
        width=1100,
        height=520,
        format_value=lambda v: f"{currency} {number(v, lang.code)}",
        rtl=lang.direction == "rtl",
        empty_text=lang.gettext("No committed money in %(currency)s to show", currency=currency),
    )
    spending = [
        s
        for s in service.spending(country=country, currency=currency)
        if not year or s.year == year
    ]
    by_year: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for s in spending:
        by_year[s.year][0] += s.committed
        by_year[s.year][1] += s.disbursed
        by_year[s.year][2] += s.expended
    top_year = max((max(v) for v in by_year.values()), default=0.0) or 1.0
    pairs = service.duplicates(country=country)
    by_identifier = {a.identifier: a for a in acts}
    cap_gaps = service.capability_gaps(country, currency=currency)
    return {
        "countries": countries,
        "country": country_obj,
        "currency": currency,
        "capability": capability.value if capability else "",
        "institution_id": institution_id,
        "area_id": area_id,
        "year": year,
        "actor": actor or "",
        "institutions": institution_list,
        "regions": sorted(regions, key=lambda a: a.name),
        "years": sorted({y for a in acts for y in _years(a)}),
        "actors": sorted(who_what),
        "caps": caps,
        "who_what": who_what,
        "where_what": {areas[k].name: v for k, v in where_what.items() if k in areas},
        "n_activities": len(chosen),
        "n_actors": len(who_what),
        "committed": sum(c.money for d in who_what.values() for c in d.values()),
        "map": view,
        "gap_codes": gap_codes,
        "sankey": Markup(sankey),  # noqa: S704 - built by reports.sankey, which escapes text
        "other_currencies": flows.other_currencies,
        "by_year": _cumulative(by_year),
        "top_year": top_year,
        "pairs": pairs[:pairs_shown],
        "n_pairs": len(pairs),
        "by_identifier": by_identifier,
        "cap_gaps": cap_gaps,
        "risk_run": risk_run,
        "risk_gaps": risk_gaps,
        "reasons": lambda e: reasons(
            e,
            lang,
            institutions={i.id: i.acronym or i.name for i in institution_list if i.id},
            areas={i: a.name for i, a in areas.items()},
        ),
        "text_in": text_in,
        "decisions": DECISIONS,
        "dimension_names": DIMENSIONS,
        "fmt": lambda v: number(v, lang.code),
        "can_decide": by.can(Permission.MANAGE_COORDINATION),
        "can_forecast": by.can(Permission.READ_FORECASTS),
        **coordination_labels(),
    }


def _cumulative(by_year: dict[int, list[float]]) -> list[tuple[int, list[float], float | None]]:
    """Each year's amounts, with disbursements to date as a share of commitments to date."""
    out = []
    committed = disbursed = 0.0
    for year, values in sorted(by_year.items()):
        committed += values[0]
        disbursed += values[1]
        out.append((year, values, disbursed / committed if committed else None))
    return out


def _years(a: Activity) -> list[int]:
    if a.start is None:
        return []
    end = a.end or a.start
    return list(range(a.start.year, end.year + 1))


def _default_country(platform: Platform) -> str:
    acts = platform.coordination.activities()
    counts: dict[str, int] = defaultdict(int)
    for a in acts:
        for c, _ in a.countries:
            counts[c] += 1
    fictional = [c.iso3 for c in platform.places.countries() if c.fictional and counts.get(c.iso3)]
    if fictional:
        return fictional[0]
    return max(counts, key=lambda c: counts[c]) if counts else "XCA"


@router.get("/coordination")
def coordination_page(
    request: Request,
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str | None, Query(max_length=3)] = None,
    currency: Annotated[str, Query(min_length=3, max_length=3)] = "USD",
    capability: Capability | None = None,
    institution: int | None = None,
    area: int | None = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    actor: Annotated[str | None, Query(max_length=300)] = None,
    pairs: Annotated[int, Query(ge=1, le=1_000_000)] = PAIRS_SHOWN,
) -> Response:
    lang = language(request)
    chosen = (country or _default_country(platform)).upper()
    context = dashboard_context(
        platform,
        by,
        lang,
        country=chosen,
        currency=currency.upper(),
        capability=capability,
        institution_id=institution,
        area_id=area,
        year=year,
        actor=actor,
        pairs_shown=pairs,
    )
    more = {k: v for k, v in request.query_params.items() if k != "pairs"}
    more["pairs"] = str(pairs + PAIRS_SHOWN)
    context["more_pairs_url"] = f"/coordination?{urlencode(more)}#duplicates"
    return render(request, "coordination.html", context)


@router.post("/coordination/decisions")
def decide_form(
    platform: PlatformDep,
    by: CoordinationManager,
    first: Annotated[str, Form(min_length=1, max_length=200)],
    second: Annotated[str, Form(min_length=1, max_length=200)],
    decision: Annotated[Decision, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    country: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    platform.coordination.decide(first, second, decision, note=note.strip(), by=by)
    target = f"/coordination?country={country}#duplicates" if country else "/coordination"
    return redirect(target, msg="saved")


@router.get("/coordination/gaps.csv")
def gaps_csv(
    platform: PlatformDep,
    by: Reader,
    country: Annotated[str, Query(min_length=3, max_length=3)],
    currency: Annotated[str, Query(min_length=3, max_length=3)] = "USD",
) -> Response:
    rows = platform.coordination.gap_rows(country.upper(), currency=currency.upper(), by=by)
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else ["kind", "what", "score", "why"]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="gaps-{country.upper()}.csv"'},
    )
