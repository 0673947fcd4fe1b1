"""Server-rendered pages: one router per area of the interface."""

from fastapi import APIRouter

from peaceops.services.web.pages import (
    account,
    activities,
    actors,
    admin,
    assessment,
    auth,
    complaints,
    coordination,
    countries,
    institutions,
    missions,
    risk,
    surveys,
    trainings,
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
):
    router.include_router(module.router)

__all__ = ["router"]
