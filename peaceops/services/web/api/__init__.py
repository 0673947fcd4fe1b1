"""The JSON API under /api/v1: one router per resource."""

from fastapi import APIRouter

from peaceops.services.web.api import (
    activities,
    actors,
    admin_areas,
    alerts,
    assessments,
    audit,
    complaints,
    coordination,
    countries,
    deployments,
    documents,
    forecasts,
    incidents,
    institutions,
    laws,
    missions,
    situation,
    surveys,
    tokens,
    trainings,
    transition,
    users,
)
from peaceops.services.web.api.responses import ERRORS

router = APIRouter(prefix="/api/v1", responses=ERRORS)
for module in (
    countries,
    admin_areas,
    missions,
    institutions,
    actors,
    users,
    tokens,
    audit,
    forecasts,
    assessments,
    activities,
    coordination,
    trainings,
    surveys,
    complaints,
    incidents,
    deployments,
    alerts,
    situation,
    documents,
    laws,
    transition,
):
    router.include_router(module.router)
router.include_router(activities.actors_router)

__all__ = ["router"]
