"""The JSON API under /api/v1: one router per resource."""

from fastapi import APIRouter

from peaceops.services.web.api import (
    activities,
    actors,
    admin_areas,
    assessments,
    audit,
    complaints,
    coordination,
    countries,
    forecasts,
    institutions,
    missions,
    surveys,
    tokens,
    trainings,
    users,
)

router = APIRouter(prefix="/api/v1")
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
):
    router.include_router(module.router)
router.include_router(activities.actors_router)

__all__ = ["router"]
