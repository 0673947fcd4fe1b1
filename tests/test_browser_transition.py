"""Transition readiness in a real browser (Playwright driving Debian's Chromium).

An analyst opens Carana's readiness from the country page, reads the status bar, the map by
region and the benchmarks, follows the police benchmark to its page with each condition's
projection chart and evidence, looks back in time with the evidence known in mid-2025, drafts
a new set from the template and records its agreement, then reads the page in French and
Arabic. Fails on any console error (a Content-Security-Policy violation included) and on any
request leaving the machine; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import pytest
from browser_support import Watch, log_in, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser


def test_an_analyst_reads_readiness_follows_a_benchmark_and_agrees_a_set(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1360, "height": 1000})
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.goto(f"{base}/countries/XCA")
    page.get_by_role("link", name="Transition readiness").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Transition readiness of Carana"
    assert page.locator("svg.status-bar rect").count() >= 2
    assert page.locator("svg.ready-map path.area").count() == 8
    assert page.locator("table.benchmarks tbody tr").count() == 15
    shoot(page, "transition_readiness", db.engine)

    page.get_by_role("link", name="The Carana National Police provide security").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("section.condition").count() == 3
    assert page.locator("svg.projection-chart").count() == 3
    page.locator("details summary").first.click()
    assert page.locator("details table tbody tr").first.is_visible()
    shoot(page, "transition_benchmark", db.engine)

    # The evidence known in mid-2025: two assessment rounds, no forecast yet.
    page.goto(f"{base}/countries/XCA/transition?as_of=2025-06-30")
    page.wait_for_load_state("networkidle")
    assert "2025-06-30" in page.locator(".readiness-head").inner_text()
    assert "No evidence" in page.locator("table.benchmarks").inner_text()

    page.goto(f"{base}/countries/XCA/transition")
    page.get_by_label("Target date").fill("2029-06-30")
    page.get_by_role("button", name="Draft", exact=True).click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Agreed by").fill("Joint Transition Committee")
    page.get_by_label("On", exact=True).fill("2026-11-01")
    page.get_by_role("button", name="Record agreement").click()
    page.wait_for_load_state("networkidle")
    assert (
        "Transition benchmarks of a multidimensional"
        in page.locator(".readiness-head").inner_text()
    )
    assert "2029-06-30" in page.locator(".readiness-head").inner_text()

    page.goto(f"{base}/lang/fr?next=/countries/XCA/transition")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Préparation à la transition")
    page.goto(f"{base}/lang/ar?next=/countries/XCA/transition")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The template set now current has no regional benchmarks, so no map: the status bar.
    assert page.locator("svg.ready-map").count() == 0
    assert page.locator("svg.status-bar").is_visible()
    shoot(page, "transition_readiness_ar", db.engine)
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
