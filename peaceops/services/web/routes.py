"""The app's route table: every (method, path) with the permission its dependency demands.

Used by the route x role test matrix and the security documentation; it reads what the app
really serves, so a new route cannot slip past them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Route

from peaceops.services.web.deps import Requires


@dataclass(frozen=True, slots=True, order=True)
class RouteInfo:
    method: str
    path: str
    requires: str | None  # None: public; "login": any logged-in user; else a permission


def _requirement(dependant: Any) -> str | None:
    stack = list(getattr(dependant, "dependencies", []))
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Requires):
            return dep.call.permission.value if dep.call.permission else "login"
        stack.extend(dep.dependencies)
    return None


def _walk(routes: Iterable[Any]) -> Iterator[RouteInfo]:
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):  # FastAPI >= 0.16x keeps included routers as one entry
            for ctx in contexts():
                for method in sorted(set(ctx.methods or ())):
                    yield RouteInfo(method, ctx.path_format, _requirement(ctx.dependant))
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                yield RouteInfo(method, route.path_format, _requirement(route.dependant))
        elif isinstance(route, Route):  # plain Starlette routes, such as /openapi.json
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield RouteInfo(method, route.path_format, None)


def route_table(app: FastAPI) -> list[RouteInfo]:
    return sorted(set(_walk(app.routes)))
