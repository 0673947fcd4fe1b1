"""Server-rendered pages: one router per area of the interface."""

from fastapi import APIRouter

from peaceops.services.web.pages import (
    account,
    activities,
    actors,
    admin,
    alerts,
    assessment,
    auth,
    complaints,
    coordination,
    countries,
    deployments,
    incidents,
    institutions,
    laws,
    lessons,
    missions,
    reports,
    risk,
    situation,
    surveys,
    trainings,
    transition,
)

router = APIRouter(include_in_schema=False)
for module in (
    auth,
    account,
    countries,
    risk,
    institutions,
    assessment,
    missions,
    actors,
    admin,
    activities,
    coordination,
    trainings,
    surveys,
    complaints,
    incidents,
    deployments,
    alerts,
    situation,
    lessons,
    laws,
    transition,
    reports,
):
    router.include_router(module.router)

__all__ = ["router"]
