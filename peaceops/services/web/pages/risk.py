"""Risk pages: where violence is likely in the coming months, with its uncertainty."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from peaceops.analytics.forecasting import registry
from peaceops.domain.places import AdminArea, Month, PriogridCell
from peaceops.reports.charts import fan_chart
from peaceops.reports.svgmap import build_map
from peaceops.services.web.deps import ForecastReader, PlatformDep
from peaceops.services.web.i18n import N_
from peaceops.services.web.rendering import render

router = APIRouter()
# Classes of P(>= 25 fatalities in the month), the colours of the choropleth.
RISK_CLASSES = ((0.5, "risk4"), (0.3, "risk3"), (0.15, "risk2"), (0.05, "risk1"), (0.0, "risk0"))
RISK_LEGEND = (
    ("risk0", "< 5%"),
    ("risk1", "5-15%"),
    ("risk2", "15-30%"),
    ("risk3", "30-50%"),
    ("risk4", "> 50%"),
)


MEASURES = {
    "p_gt0": N_("any death"),
    "p_ge25": N_("25 or more deaths"),
    "p_ge100": N_("100 or more deaths"),
}


def risk_class(p: float) -> str:
    return next(name for floor, name in RISK_CLASSES if p >= floor)


@router.get("/countries/{iso3}/risk")
def risk_page(
    iso3: str,
    request: Request,
    platform: PlatformDep,
    _by: ForecastReader,
    run: int | None = None,
    month: int | None = None,
    unit: str | None = None,
    measure: str = "p_ge25",
) -> Response:
    country = platform.places.country(iso3)
    service = platform.forecasting
    runs = service.runs(country=country.iso3)
    context: dict[str, object] = {"country": country, "runs": runs, "legend": RISK_LEGEND}
    if not runs:
        return render(request, "risk.html", context)
    chosen = next((r for r in runs if r["id"] == run), runs[0]) if run else runs[0]
    values = service.run_values(chosen["id"])
    months = sorted({v["month_id"] for v in values})
    month_id = month if month in months else months[0]
    measure = measure if measure in MEASURES else "p_ge25"
    in_month = {v["unit"]: v for v in values if v["month_id"] == month_id}
    ranked = sorted(in_month.values(), key=lambda v: (-v[measure], -v["p_gt0"], -v["mean"]))
    selected = unit if unit in in_month else (ranked[0]["unit"] if ranked else None)
    regions = platform.places.admin_areas(country.iso3, level=1)
    if chosen["level"] == "pgm":
        cells = [
            AdminArea(
                country.iso3, 9, unit_id, f"cell {unit_id}", PriogridCell(int(unit_id)).polygon
            )
            for unit_id in in_month
        ]
        view = build_map(
            cells,
            outline_areas=regions,
            width=720,
            area_classes={c.pcode: risk_class(in_month[c.pcode][measure]) for c in cells},
        )
        names = {c.pcode: c.name for c in cells}
    else:
        view = build_map(
            regions,
            width=720,
            area_classes={
                a.pcode: risk_class(in_month[a.pcode][measure])
                for a in regions
                if a.pcode in in_month
            },
        )
        names = {a.pcode: a.name for a in regions}
    chart = None
    if selected:
        history = service.run_history(chosen["id"], months=36).get(selected, [])
        cutoff = chosen["cutoff_month_id"]
        series = sorted((v for v in values if v["unit"] == selected), key=lambda v: v["month_id"])
        chart = fan_chart(
            list(range(cutoff - len(history) + 1, cutoff + 1)),
            history,
            [v["month_id"] for v in series],
            [v["q05"] for v in series],
            [v["q50"] for v in series],
            [v["q95"] for v in series],
            month_label=lambda m: str(Month.from_month_id(m)),
        )
    context.update(
        {
            "run": chosen,
            "months": months,
            "month_id": month_id,
            "month_of": Month.from_month_id,
            "map": view,
            "ranked": ranked,
            "names": names,
            "selected": selected,
            "chart": chart,
            "model": registry.MODELS.get(chosen["model"]),
            "measure": measure,
            "measures": MEASURES,
            "cutoff": Month.from_month_id(chosen["cutoff_month_id"]),
        }
    )
    return render(request, "risk.html", context)


@router.get("/forecasts/models/{name}")
def model_card(name: str, request: Request, platform: PlatformDep, _by: ForecastReader) -> Response:
    spec = registry.MODELS.get(name)
    if spec is None:
        raise HTTPException(404, f"no model {name}")
    scores = platform.forecasting.last_scores()
    rows = [
        r
        for r in (scores or {}).get("table", [])
        if r["model"] in (name, "conflictology", "nb_bodentien_rueter")
    ]
    return render(
        request,
        "model_card.html",
        {
            "spec": spec,
            "scores": scores,
            "rows": rows,
            "is_default": platform.forecasting.default_model() == name,
        },
    )
