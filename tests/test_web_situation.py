"""The situation map on the web: the layer API (filters, clusters, errors, caching, rules per
layer), the page for every role, and the GeoJSON and SVG exports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import api_token, login
from peaceops.platform import Platform

ROLES = ("admin", "analyst", "partner", "civil", "viewer", "handler")
FORECAST_READERS = ("admin", "analyst", "partner", "viewer")
ALL_LAYERS = ("areas", "events", "incidents", "risk", "sites", "programmes", "deployments")


@contextmanager
def browser_of(app: Any, username: str) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        assert login(c, username).status_code == 303
        yield c


def test_layers_answer_geojson_with_cache_headers(app: Any, platform: Platform) -> None:
    headers = api_token(platform, "analyst")
    with TestClient(app) as c:
        for layer in ALL_LAYERS:
            r = c.get(f"/api/v1/layers/{layer}?country=XCA", headers=headers)
            assert r.status_code == 200, (layer, r.text)
            assert r.headers["content-type"].startswith("application/geo+json")
            body = r.json()
            assert body["type"] == "FeatureCollection" and body["features"], layer
            etag = r.headers["etag"]
            assert "max-age" in r.headers["cache-control"]
            again = c.get(
                f"/api/v1/layers/{layer}?country=XCA",
                headers={**headers, "If-None-Match": etag},
            )
            assert again.status_code == 304


def test_events_cluster_by_zoom_and_conserve_counts(app: Any, platform: Platform) -> None:
    headers = api_token(platform, "partner")
    with TestClient(app) as c:
        base = "/api/v1/layers/events?country=XCA&since=2010-01&until=2030-12"
        coarse = c.get(base + "&zoom=5", headers=headers).json()
        fine = c.get(base + "&zoom=10", headers=headers).json()
        assert coarse["clustered"] and fine["clustered"]
        assert len(coarse["features"]) < len(fine["features"])
        for found in (coarse, fine):
            assert sum(f["properties"]["count"] for f in found["features"]) == found["total"]
            assert sum(f["properties"]["fatalities"] for f in found["features"]) > 0
        few = c.get(
            "/api/v1/layers/events?country=XCA&since=2026-08&until=2026-08", headers=headers
        ).json()
        assert not few["clustered"]
        assert all(f["properties"]["kind"] == "event" for f in few["features"])
        west, south, east, north = coarse["bbox"]
        half = c.get(
            base + f"&zoom=5&bbox={west},{south},{(west + east) / 2},{north}", headers=headers
        ).json()
        assert 0 < half["total"] < coarse["total"]
        assert all(f["geometry"]["coordinates"][0] <= (west + east) / 2 for f in half["features"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=1,2,3", "bbox"),
        ("since=2020-13", "since"),
        ("until=later", "until"),
        ("zoom=99", "zoom"),
        ("event_type=riots", "event_type"),
        ("status=rumour", "status"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(
    app: Any, platform: Platform, query: str, field: str
) -> None:
    layer = "incidents" if field == "status" else "events"
    with TestClient(app) as c:
        r = c.get(
            f"/api/v1/layers/{layer}?country=XCA&{query}", headers=api_token(platform, "analyst")
        )
    assert r.status_code == 422
    assert field in r.text


def test_unknown_layer_and_missing_country(app: Any, platform: Platform) -> None:
    headers = api_token(platform, "analyst")
    with TestClient(app) as c:
        r = c.get("/api/v1/layers/tiles?country=XCA", headers=headers)
        assert r.status_code == 422 and "layer" in r.text
        assert c.get("/api/v1/layers/events", headers=headers).status_code == 422
        r = c.get("/api/v1/layers/risk?country=XCA&measure=median", headers=headers)
        assert r.status_code == 422 and "measure" in r.text


@pytest.mark.parametrize("role", ROLES)
def test_risk_layer_is_for_forecast_readers(app: Any, role: str) -> None:
    with browser_of(app, role) as c:
        r = c.get("/api/v1/layers/risk?country=XCA")
        if role in FORECAST_READERS:
            assert r.status_code == 200, role
            assert all(0 <= f["properties"]["value"] <= 1 for f in r.json()["features"])
        else:
            assert r.status_code == 403, role
        assert c.get("/api/v1/layers/events?country=XCA").status_code == 200


def test_unverified_incidents_only_for_reporters(app: Any, platform: Platform) -> None:
    query = "/api/v1/layers/incidents?country=XCA&since=2000-01&until=2030-12"
    with TestClient(app) as c:
        insider = c.get(query, headers=api_token(platform, "analyst")).json()
        outsider = c.get(query, headers=api_token(platform, "civil")).json()
    assert {f["properties"]["status"] for f in outsider["features"]} == {"verified"}
    assert len(insider["features"]) > len(outsider["features"])


@pytest.mark.parametrize("role", ROLES)
def test_page_renders_for_each_role(app: Any, role: str) -> None:
    with browser_of(app, role) as c:
        r = c.get("/countries/XCA/situation")
        assert r.status_code == 200
        html = r.text
        assert 'id="situation-svg"' in html
        assert "/static/js/situation.js" in html
        assert "<script>" not in html and " style=" not in html
        assert ('data-layer-toggle="risk"' in html) == (role in FORECAST_READERS)
        for layer in ("events", "incidents", "sites", "programmes", "deployments"):
            assert f'data-layer="{layer}"' in html, layer
        assert "situation.geojson?" in html and "situation.svg?" in html
        assert c.get("/countries/XCA").text.count("/countries/XCA/situation") == 1


def test_page_filters_by_get_form(app: Any) -> None:
    with browser_of(app, "analyst") as c:
        only_sites = c.get("/countries/XCA/situation?shown=1&layers=sites&since=2024-01")
        assert only_sites.status_code == 200
        assert 'value="2024-01"' in only_sites.text
        assert 'data-layer="programmes"' not in only_sites.text
        assert re.search(r'value="sites" data-layer-toggle="sites" checked', only_sites.text)
        assert c.get("/countries/XCA/situation?since=2024-99").status_code == 422


def test_geojson_export_holds_each_visible_layer(app: Any) -> None:
    with browser_of(app, "analyst") as c:
        r = c.get("/countries/XCA/situation.geojson?since=2024-01&until=2026-10")
        assert r.status_code == 200
        body = r.json()
        assert {f["properties"]["layer"] for f in body["features"]} == set(ALL_LAYERS)
        some = c.get("/countries/XCA/situation.geojson?shown=1&layers=events&layers=sites").json()
        assert {f["properties"]["layer"] for f in some["features"]} == {"events", "sites"}
    with browser_of(app, "civil") as c:
        civil = c.get("/countries/XCA/situation.geojson?layers=risk&layers=incidents").json()
        layers = {f["properties"]["layer"] for f in civil["features"]}
        assert "risk" not in layers
        statuses = {
            f["properties"]["status"]
            for f in civil["features"]
            if f["properties"]["layer"] == "incidents"
        }
        assert statuses <= {"verified"}


def test_svg_export_is_a_standalone_svg(app: Any) -> None:
    with browser_of(app, "viewer") as c:
        r = c.get("/countries/XCA/situation.svg?shown=1&layers=areas&layers=events&layers=risk")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "attachment" in r.headers["content-disposition"]
    root = ET.fromstring(r.content)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    groups = {g.get("data-layer") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"areas", "events"} <= groups
    assert "programmes" not in groups
    assert len(list(root.iter("{http://www.w3.org/2000/svg}circle"))) > 0
