"""The Carana demonstration scenario: deterministic, fictional, coherent."""

from __future__ import annotations

import itertools

from shapely.geometry import Point, shape
from shapely.ops import unary_union

from peaceops.scenario import build_carana


def test_same_seed_same_country() -> None:
    a, b = build_carana(7), build_carana(7)
    assert [r.geometry for r in a.regions] == [r.geometry for r in b.regions]
    assert [s.name for s in a.sites] == [s.name for s in b.sites]
    assert build_carana(8).regions[0].geometry != a.regions[0].geometry


def test_regions_tile_the_country_and_districts_tile_regions() -> None:
    scenario = build_carana()
    regions = [shape(r.geometry) for r in scenario.regions]
    assert all(r.is_valid for r in regions)
    country = unary_union(regions)
    assert sum(r.area for r in regions) / country.area < 1.001  # no overlaps
    for region, geom in zip(scenario.regions, regions, strict=True):
        districts = [
            shape(d.geometry) for d in scenario.districts if d.parent_pcode == region.pcode
        ]
        assert 2 <= len(districts) <= 4
        assert abs(unary_union(districts).area - geom.area) / geom.area < 0.01


def test_it_lies_in_open_ocean_far_from_any_real_country() -> None:
    """Carana sits in the South Atlantic: no real land within its bounds."""
    scenario = build_carana()
    bounds = unary_union([shape(r.geometry) for r in scenario.regions]).bounds
    assert bounds[0] > -30 and bounds[2] < -17 and bounds[1] > -25 and bounds[3] < -16
    assert scenario.country.fictional and scenario.country.iso3.startswith("X")


def test_sites_and_towns_are_inside_their_districts() -> None:
    scenario = build_carana()
    districts = {d.pcode: shape(d.geometry) for d in scenario.districts}
    for town in scenario.settlements:
        assert districts[town.admin_pcode or ""].covers(Point(town.lon, town.lat)), town.name
    for site in scenario.sites:
        assert districts[site.district_pcode].covers(Point(site.lon, site.lat)), site.name
    assert sum(1 for t in scenario.settlements if t.is_capital) == 1


def test_every_role_has_a_demo_user_and_mandates_chain() -> None:
    scenario = build_carana()
    assert {u.role.value for u in scenario.users} == {
        "admin",
        "analyst",
        "partner",
        "civil_society",
        "viewer",
        "case_handler",
    }
    assert scenario.mission is not None
    mandates = scenario.mission.mandates
    for before, after in itertools.pairwise(mandates):
        assert (after.start - before.end).days == 1
