"""Maps draw one symbol per place: activities or programmes sharing a spot are one symbol that
says how many, so a capital hosting thousands does not make a page of megabytes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from peaceops.domain.coordination import Activity, ActivityLocation
from peaceops.services.web.i18n import load_catalogues
from peaceops.services.web.pages.coordination import _activity_points
from peaceops.services.web.pages.situation import Symbol, _one_per_place

LANGUAGES = load_catalogues()


def activity(n: int, *places: tuple[float, float, int | None]) -> Activity:
    return Activity(
        f"XM-TEST-{n}",
        {"en": f"Programme {n}", "fr": f"Programme {n} (fr)"},
        locations=[ActivityLocation("Capital", lon, lat, area) for lon, lat, area in places],
        id=n,
    )


def test_activities_at_one_place_are_one_point_linking_to_their_area() -> None:
    capital = (21.50001, 4.30002, 7)
    acts = [activity(n, capital) for n in range(1, 40)]
    # Within about 100 metres is the same place; the second location is another place.
    acts.append(activity(40, (21.50004, 4.29998, 7), (22.9, 5.1, 9)))
    points = _activity_points(acts, LANGUAGES["en"], country="XCA", year=2026)
    assert len(points) == 2
    crowded, alone = sorted(points, key=lambda p: p.lon)
    assert crowded.label == "40 activities at Capital"
    assert crowded.href is not None
    query = parse_qs(urlsplit(crowded.href).query)
    assert query == {"country": ["XCA"], "area": ["7"], "year": ["2026"]}
    assert alone.label == "XM-TEST-40: Programme 40" and alone.href == "/activities/40"
    french = _activity_points(acts, LANGUAGES["fr"], country="XCA", year=None)
    assert {p.label for p in french} == {"40 activités à Capital", "XM-TEST-40: Programme 40 (fr)"}


def test_a_place_spanning_two_areas_names_its_activities_without_a_link() -> None:
    acts = [activity(1, (21.5, 4.3, 7)), activity(2, (21.5, 4.3, 8))]
    (point,) = _activity_points(acts, LANGUAGES["en"], country="XCA", year=None)
    assert point.label == "2 activities at Capital" and point.href is None


def test_an_activity_listing_one_place_twice_counts_once() -> None:
    (point,) = _activity_points(
        [activity(1, (21.5, 4.3, 7), (21.5, 4.3, 7))], LANGUAGES["en"], country="XCA", year=None
    )
    assert point.href == "/activities/1"


def test_situation_symbols_on_one_spot_merge_and_name_the_first_few() -> None:
    symbols = [Symbol(10.0, 20.0, 3.0 + n, f"Programme {n % 4}") for n in range(8)]
    symbols.append(Symbol(30.0, 40.0, 3.0, "Alone"))
    merged = _one_per_place(symbols, LANGUAGES["en"])
    assert len(merged) == 2
    crowded = next(s for s in merged if s.x == 10.0)
    assert crowded.r == 10.0
    assert crowded.label == "8 at this place: Programme 0; Programme 1; Programme 2; …"
    assert next(s for s in merged if s.x == 30.0).label == "Alone"
