"""Domain value objects: places, months, grid cells, roles."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peaceops.domain.access import ROLE_PERMISSIONS, Permission, Principal, Role
from peaceops.domain.actors import Actor, ActorCategory, OrganisationType
from peaceops.domain.institutions import InstitutionType
from peaceops.domain.missions import MandatePeriod, Mission, MissionOrganisation
from peaceops.domain.places import Month, PriogridCell


def test_month_id_follows_the_views_convention() -> None:
    assert Month(1980, 1).month_id == 1
    assert Month(2020, 12).month_id == 492  # the last month of the shared data
    assert Month.from_month_id(493) == Month(2021, 1)
    assert Month.parse("2020-10") + 3 == Month(2021, 1)


@given(st.integers(min_value=1, max_value=2000))
def test_month_round_trips(month_id: int) -> None:
    assert Month.from_month_id(month_id).month_id == month_id


def test_month_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="1-12"):
        Month(2020, 13)
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("October 2020")


def test_priogrid_cell_matches_published_rows() -> None:
    """Rows of priogrid_cells_views_land.csv (shared data): gid 49182 is row 69, col 222."""
    cell = PriogridCell(49182)
    assert (cell.row, cell.col) == (69, 222)
    assert cell.centroid == (-69.25, -55.75)
    assert PriogridCell(1).centroid == (-179.75, -89.75)
    assert PriogridCell(259200).centroid == (179.75, 89.75)


@given(st.floats(-180, 179.999), st.floats(-90, 89.999))
def test_priogrid_point_falls_in_its_cell(lon: float, lat: float) -> None:
    cell = PriogridCell.at(lon, lat)
    x0, y0, x1, y1 = cell.bounds
    assert x0 <= lon < x1 + 1e-9
    assert y0 <= lat < y1 + 1e-9
    assert PriogridCell.from_row_col(cell.row, cell.col) == cell


def test_priogrid_neighbours_wrap_at_the_dateline() -> None:
    west_edge = PriogridCell.from_row_col(180, 1)
    neighbours = {(c.row, c.col) for c in west_edge.queen_neighbours()}
    assert (180, 720) in neighbours and len(neighbours) == 8
    assert len(PriogridCell.from_row_col(1, 5).queen_neighbours()) == 5


def test_priogrid_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        PriogridCell(0)
    with pytest.raises(ValueError):
        PriogridCell.at(200, 0)


def test_mandate_periods_are_ordered_and_found_by_date() -> None:
    first = MandatePeriod(date(2021, 1, 1), date(2021, 12, 31), "S/RES/9001 (2021)")
    second = MandatePeriod(date(2022, 1, 1), date(2022, 12, 31), "S/RES/9002 (2022)")
    mission = Mission(
        "TEST", "Test mission", MissionOrganisation.UN, date(2021, 1, 1), mandates=(first, second)
    )
    assert mission.mandate_on(date(2022, 6, 1)) == second
    assert mission.mandate_on(date(2020, 6, 1)) is None
    with pytest.raises(ValueError, match="before it starts"):
        MandatePeriod(date(2022, 1, 1), date(2021, 1, 1))


def test_actor_matches_names_acronyms_and_variants() -> None:
    actor = Actor(
        "Northland Agency",
        ActorCategory.BILATERAL_DONOR,
        OrganisationType.GOVERNMENT,
        acronym="NA",
        iati_org_id="XX-NA",
        name_variants=("Northland Aid",),
    )
    assert actor.matches("  northland   AGENCY ")
    assert actor.matches("na") and actor.matches("XX-NA") and actor.matches("Northland aid")
    assert not actor.matches("Northland")


def test_every_institution_type_has_a_sector() -> None:
    assert {t.sector for t in InstitutionType} == {
        "security",
        "justice",
        "defence",
        "oversight",
        "governance",
    }


def test_roles_are_nested_as_intended() -> None:
    # Administrators may do everything except learn who filed a complaint.
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission) - {
        Permission.READ_COMPLAINANT_IDENTITY
    }
    holders = {r for r in Role if Permission.READ_COMPLAINANT_IDENTITY in ROLE_PERMISSIONS[r]}
    assert holders == {Role.CASE_HANDLER}
    for role in Role:
        assert Permission.READ_REFERENCE in ROLE_PERMISSIONS[role]
    viewer = Principal("v", Role.VIEWER)
    assert not viewer.can(Permission.EDIT_REFERENCE)
    assert not Principal("p", Role.PARTNER).can(Permission.READ_AUDIT)
    assert Principal("a", Role.ANALYST).can(Permission.IMPORT_DATA)


def test_complaint_references_survive_typing_and_catch_mistakes() -> None:
    from peaceops.domain.complaints import new_reference, normalise_reference

    codes = {new_reference() for _ in range(500)}
    assert len(codes) == 500
    for code in list(codes)[:50]:
        assert normalise_reference(code) == code
        typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
        assert normalise_reference(typed) == code
        body = code[3:8] + code[9:14]
        for i, ch in enumerate(body):
            other = "X" if ch != "X" else "Y"
            wrong = body[:i] + other + body[i + 1 :]
            assert normalise_reference(f"PO-{wrong}-{code[-1]}") is None
    assert normalise_reference("PO-12345") is None
    assert normalise_reference("") is None
