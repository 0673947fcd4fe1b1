"""The JSON API under /api/v1: one router per resource."""

from fastapi import APIRouter

from peaceops.services.web.api import (
    actors,
    admin_areas,
    assessments,
    audit,
    countries,
    forecasts,
    institutions,
    missions,
    tokens,
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
):
    router.include_router(module.router)

__all__ = ["router"]
