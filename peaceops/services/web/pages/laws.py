"""Legal frameworks in the web app: a country's legislative pipeline (what is stuck where, for
how long) with its timeline, and an instrument's page (history with evidence and supporters,
checklist results with the articles cited, the assessment indicators they feed, related
activities, amendments, its text) with a form for the next step.

Everyone logged in reads; editors (``EDIT_REFERENCE``) record steps.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select

from peaceops.domain.access import Permission, Principal
from peaceops.domain.legal import (
    EXPECTED_DAYS,
    PIPELINE,
    Finding,
    Instrument,
    InstrumentType,
    LegalSector,
    Stage,
    Step,
)
from peaceops.errors import InputError, NotFound, RowErrors
from peaceops.platform import Platform
from peaceops.reports.legal_timeline import timeline_svg
from peaceops.services.web.deps import Editor, PlatformDep, Reader, language
from peaceops.services.web.i18n import N_
from peaceops.services.web.pages.forms import redirect
from peaceops.services.web.rendering import render
from peaceops.storage import transaction
from peaceops.storage.tables import activities, actors

router = APIRouter()

STAGES: dict[str, str] = {
    Stage.DRAFTING: N_("Drafting"),
    Stage.CONSULTATION: N_("Consultation"),
    Stage.CABINET: N_("Cabinet"),
    Stage.TABLED: N_("Tabled in parliament"),
    Stage.ADOPTED: N_("Adopted"),
    Stage.PROMULGATED: N_("Promulgated and published"),
    Stage.REGULATIONS: N_("Implementing regulations issued"),
    Stage.IN_FORCE: N_("In force"),
    Stage.WITHDRAWN: N_("Withdrawn"),
    Stage.STRUCK_DOWN: N_("Struck down"),
}
STAGE_COLOURS: dict[str, str] = {
    Stage.DRAFTING: "#a0aec0",
    Stage.CONSULTATION: "#56b4e9",
    Stage.CABINET: "#0072b2",
    Stage.TABLED: "#e69f00",
    Stage.ADOPTED: "#cc79a7",
    Stage.PROMULGATED: "#d55e00",
    Stage.REGULATIONS: "#009e73",
    Stage.IN_FORCE: "#1a7f37",
    Stage.WITHDRAWN: "#4a5568",
    Stage.STRUCK_DOWN: "#000000",
}
TYPES: dict[str, str] = {
    InstrumentType.CONSTITUTION_ARTICLE: N_("Constitutional provision"),
    InstrumentType.LAW: N_("Law"),
    InstrumentType.DECREE: N_("Decree"),
    InstrumentType.REGULATION: N_("Regulation"),
    InstrumentType.POLICY: N_("Policy"),
    InstrumentType.SOP: N_("Standard operating procedure"),
}
SECTORS: dict[str, str] = {
    LegalSector.POLICE: N_("Police"),
    LegalSector.JUSTICE: N_("Justice"),
    LegalSector.CORRECTIONS: N_("Corrections"),
    LegalSector.DEFENCE: N_("Defence"),
    LegalSector.OVERSIGHT: N_("Oversight"),
    LegalSector.DDR: N_("Disarmament, demobilization and reintegration"),
    LegalSector.BORDER: N_("Border management"),
    LegalSector.OTHER: N_("Other"),
}
TIMELINE_TITLE = N_("Timeline of the instruments")
FINDINGS: dict[str, str] = {
    Finding.MET: N_("Met"),
    Finding.NOT_MET: N_("Not met"),
    Finding.NOT_APPLICABLE: N_("Not applicable"),
}


def _names(platform: Platform) -> tuple[dict[int, str], dict[int, tuple[str, dict[str, str]]]]:
    with transaction(platform.engine, write=False) as conn:
        rows = conn.execute(select(actors.c.id, actors.c.name, actors.c.acronym))
        actor_names = {int(r[0]): str(r[2] or r[1]) for r in rows}
        activity_rows = conn.execute(
            select(activities.c.id, activities.c.identifier, activities.c.title)
        )
        activity_names = {int(r[0]): (str(r[1]), dict(r[2] or {})) for r in activity_rows}
    return actor_names, activity_names


@router.get("/countries/{iso3}/laws")
def read_pipeline_page(request: Request, iso3: str, platform: PlatformDep, by: Reader) -> Response:
    """The legislative pipeline: a column per stage, the longest waits first, and the timeline."""
    iso3 = iso3.upper()
    country = platform.places.country(iso3)
    today = date.today()
    entries = platform.legal.pipeline(iso3, today=today)
    lang = language(request)
    columns = {stage: [e for e in entries if e.stage == stage] for stage in PIPELINE}
    ended = [e for e in entries if e.stage.is_final]
    translate = lang.gettext
    rows = [
        (
            e.instrument.title_in(lang.code),
            [(s.stage.value, s.on) for s in e.instrument.steps],
            e.stuck,
        )
        for e in sorted(entries, key=lambda e: e.instrument.steps[0].on, reverse=True)
    ]
    svg = timeline_svg(
        rows,
        colours=STAGE_COLOURS,
        labels={k: translate(v) for k, v in STAGES.items()},
        today=today,
        start=max(date(today.year - 8, 1, 1), min((r[1][0][1] for r in rows), default=today)),
        title=translate(TIMELINE_TITLE),
        stuck_text=translate("stuck"),
        rtl=lang.direction == "rtl",
    )
    return render(
        request,
        "laws.html",
        {
            "country": country,
            "columns": columns,
            "ended": ended,
            "stages": STAGES,
            "colours": STAGE_COLOURS,
            "types": TYPES,
            "expected": EXPECTED_DAYS,
            "stuck": [e for e in entries if e.stuck],
            "timeline": Markup(svg),  # noqa: S704 - built by reports.legal_timeline, which escapes
            "today": today,
            "lang_code": lang.code,
        },
    )


def _instrument_context(
    request: Request, platform: Platform, instrument: Instrument, by: Principal
) -> dict[str, Any]:
    assert instrument.id is not None
    lang = language(request)
    actor_names, activity_names = _names(platform)
    reviews = platform.legal.reviews(instrument.id)
    latest = {}
    for r in reviews:
        latest[r.checklist] = r
    checklists = {c.code: c for c in platform.legal.checklists()}
    # The assessment indicators the reviews feed, with their latest scores in the country.
    indicators = []
    for code in latest:
        checklist = checklists.get(code)
        if checklist is None:
            continue
        for framework_code, item in checklist.feeds:
            rounds = sorted(
                platform.assessment.rounds(
                    country=instrument.country_iso3, framework=framework_code
                ),
                key=lambda r: r.period_end,
            )
            if not rounds:
                continue
            scored = platform.assessment.score(rounds[-1].id or 0)
            try:
                indicator, _ = scored.framework.item(item)
            except KeyError:
                continue
            score = scored.scores.indicators.get(indicator.code)
            indicators.append(
                {
                    "code": indicator.code,
                    "text": indicator.text.get(lang.code) or indicator.text["en"],
                    "round": rounds[-1],
                    "value": None if score is None else score.value,
                    "low": None if score is None else score.low,
                    "high": None if score is None else score.high,
                }
            )
    supported = sorted({a for s in instrument.steps for a in s.activities})
    amended = platform.legal.instrument(instrument.amends_id) if instrument.amends_id else None
    return {
        "law": instrument,
        "title": instrument.title_in(lang.code),
        "stages": STAGES,
        "colours": STAGE_COLOURS,
        "types": TYPES,
        "sectors": SECTORS,
        "findings": FINDINGS,
        "actor_names": actor_names,
        "activity_names": activity_names,
        "reviews": latest,
        "checklists": checklists,
        "applicable": platform.legal.checklists_for(instrument),
        "indicators": indicators,
        "activities": [(a, *activity_names[a]) for a in supported if a in activity_names],
        "amended": amended,
        "amendments": platform.legal.amendments(instrument.id),
        "can_edit": by.can(Permission.EDIT_REFERENCE),
        "next_stages": [s for s in Stage if not instrument.stage or not instrument.stage.is_final],
        "suggested": _next_stage(instrument),
        "lang_code": lang.code,
        "today": date.today(),
    }


def _next_stage(instrument: Instrument) -> Stage | None:
    """The stage after the current one along the pipeline (drafting for a new instrument)."""
    if instrument.stage is None:
        return Stage.DRAFTING
    later = [s for s in PIPELINE if s.order > instrument.stage.order]
    return later[0] if later else None


@router.get("/laws/{instrument_id}")
def read_law_page(
    request: Request, instrument_id: int, platform: PlatformDep, by: Reader
) -> Response:
    instrument = platform.legal.instrument(instrument_id)
    return render(request, "law.html", _instrument_context(request, platform, instrument, by))


@router.post("/laws/{instrument_id}/steps")
def create_step_page(
    request: Request,
    instrument_id: int,
    platform: PlatformDep,
    by: Editor,
    stage: Annotated[str, Form(max_length=20)],
    on: Annotated[str, Form(max_length=10)],
    evidence: Annotated[str, Form(max_length=2000)] = "",
    exception: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record the next step from the form; a broken rule comes back with its explanation."""
    instrument = platform.legal.instrument(instrument_id)
    error = ""
    try:
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise InputError(f"'{on}' is not a date (YYYY-MM-DD)", field="on") from None
        if stage not in STAGES:
            raise InputError("choose a stage", field="stage")
        platform.legal.add_step(
            instrument_id,
            Step(Stage(stage), day, evidence.strip(), exception=exception.strip()),
            by=by,
        )
    except RowErrors as exc:
        error = "; ".join(p.message for p in exc.problems)
    except (InputError, NotFound) as exc:
        error = str(exc.problem.message) if isinstance(exc, InputError) else str(exc)
    if not error:
        return redirect(f"/laws/{instrument_id}", msg="saved")
    context = _instrument_context(request, platform, instrument, by)
    form = {"stage": stage, "on": on, "evidence": evidence, "exception": exception}
    context.update({"error": error, "form": form})
    return render(request, "law.html", context, status_code=422)
