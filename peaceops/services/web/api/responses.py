"""The error answers every API operation may give, declared once for the OpenAPI document.

``services/web/errors.py`` turns errors into these bodies; declaring them here lets clients
(and the Schemathesis test) know every status an operation answers with and the body of each,
instead of FastAPI's default 422 body, which this API never sends.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    """One invalid part of a request: where it is and what is wrong with it."""

    field: str = Field(description="The parameter or body field, dotted for nested fields.")
    message: str


class Problem(BaseModel):
    """The body of every error answer of the API."""

    detail: str = Field(description="What went wrong and, where it helps, what to do.")
    field: str | None = Field(None, description="The field an input error is about.")
    problems: list[FieldProblem] | list[str] | None = Field(
        None,
        description="Invalid requests: each invalid field; imports: each problem by row.",
    )


def problem(description: str) -> dict[str, Any]:
    """An error answer of ``description`` with the ``Problem`` body."""
    return {"model": Problem, "description": description}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem("The body could not be read: not UTF-8 JSON, or a broken multipart form."),
    401: problem("No valid session cookie or bearer token."),
    403: problem("The caller's role (or token) may not do this, or the CSRF token is wrong."),
    404: problem("No such record."),
    409: problem("The request conflicts with what is stored."),
    422: problem("The request is invalid; the body names the fields."),
}
TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: problem("Too many requests from this address; retry after Retry-After seconds."),
}
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match named the current ETag."},
}


class GeoJSONResponse(JSONResponse):
    """JSON answered as ``application/geo+json``, so map libraries recognise it."""

    media_type = "application/geo+json"


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946); features carry their own properties."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


GEOJSON: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The answer; as GeoJSON, a FeatureCollection.",
        "content": {"application/geo+json": {"schema": FeatureCollection.model_json_schema()}},
    }
}
