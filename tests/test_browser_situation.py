"""The situation map in a real browser (Playwright driving Debian's Chromium).

As an analyst: opens the map, hides and shows a layer without reloading, moves the month
slider (which reloads events through the layer API), downloads the PNG drawn on a canvas,
then looks at the page in Arabic. Fails on any console error (a Content-Security-Policy
violation included) and on any request leaving the machine; screenshots go to
tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest
from browser_support import Watch, log_in, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser


def test_situation_map_toggles_slider_png_and_arabic(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.goto(f"{base}/countries/XCA")
    page.get_by_role("link", name="Open the situation map").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Situation map of")
    svg = page.locator("#situation-svg")
    assert svg.locator("g[data-layer=areas-fill] path").count() == 8
    sites = svg.locator("g[data-layer=sites]")
    assert sites.locator("rect").count() > 0 and sites.is_visible()

    # A layer off and on again, without a reload.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Institution sites").uncheck()
    assert not sites.is_visible()
    page.get_by_label("Institution sites").check()
    assert sites.is_visible()
    assert page.evaluate("window.__sameDocument") is True

    # The month slider moves the window back and reloads events through the API.
    events = svg.locator("g[data-layer=events] circle")
    before = events.count()
    slider = page.locator("#month-slider")
    assert slider.is_visible()
    with page.expect_response(lambda r: "/api/v1/layers/events" in r.url) as answer:
        slider.evaluate(
            "(el) => { el.value = String(Number(el.max) - 60);"
            " el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); }"
        )
    assert answer.value.status == 200
    page.wait_for_load_state("networkidle")
    until = page.locator("#until").input_value()
    assert until < "2026-01"
    assert page.locator("#export-geojson").get_attribute("href").find(f"until={until}") > 0  # type: ignore[union-attr]
    assert page.evaluate("window.__sameDocument") is True
    page.wait_for_function(
        "(u) => document.getElementById('situation-status').textContent.includes(u)", arg=until
    )
    total = int(page.locator("#situation-status").inner_text().rsplit(":", 1)[1])
    assert events.count() <= total and (total == 0 or events.count() > 0)
    assert before > 0

    # PNG drawn from the SVG on a canvas.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the map (PNG)").click()
    assert download.value.suggested_filename == "situation-map.png"

    page.goto(f"{base}/countries/XCA/situation")
    page.wait_for_load_state("networkidle")
    shoot(page, "situation_map", db.engine)

    page.goto(f"{base}/lang/ar?next=/countries/XCA/situation")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#situation-svg").is_visible()
    shoot(page, "situation_map_ar", db.engine)

    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside


def test_an_analyst_logs_and_verifies_an_incident_and_gets_its_alert(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    """The issue's story end to end: the mobile form, two verification steps, the alert the
    verification raises (explained, with its evidence linked), the incident on the map."""
    base = live_server
    court = next(
        s for s in db.platform.institutions.sites(country="XCA") if s.kind.value == "court"
    )
    page = browser.new_page(viewport={"width": 412, "height": 915})  # a phone
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.goto(f"{base}/incidents/new?country=XCA")
    page.get_by_label("Attack on a court").check()
    page.get_by_label("Longitude").fill(f"{court.lon:.5f}")
    page.get_by_label("Latitude").fill(f"{court.lat:.5f}")
    page.get_by_label("Police station, court or prison attacked (if any)").select_option(
        str(court.id)
    )
    page.get_by_label("Killed (best estimate)").fill("1")
    page.get_by_label("Killed (low)").fill("1")
    page.get_by_label("Killed (high)").fill("2")
    page.get_by_label("Sources (one per line)").fill("Court registrar\nUNMICA JOC duty officer")
    page.get_by_label("What happened").fill("Shots were fired at the court during a hearing.")
    page.get_by_role("button", name="Log the report").click()
    page.wait_for_load_state("networkidle")
    incident_id = int(page.url.split("/incidents/", 1)[1].split("?", 1)[0])
    shoot(page, "incident_reported_mobile", db.engine)

    page.get_by_label("Under verification").check()
    page.get_by_role("button", name="Record the step").click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Verified", exact=True).check()
    page.get_by_label("Why (required to verify or discredit)").fill(
        "Confirmed by the court registrar and an UNPOL patrol."
    )
    page.get_by_role("button", name="Record the step").click()
    page.wait_for_load_state("networkidle")
    assert "Verified" in page.locator("main").inner_text()

    # The verification ran the rules: the alert names the court and links the incident.
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto(f"{base}/alerts")
    alert = page.locator(".alert-item", has_text=f"#{incident_id}")
    assert alert.count() == 1
    assert alert.locator("h3").inner_text().startswith(f"Incident at {court.name}")
    assert "within 10 km of places to protect" in alert.inner_text()
    shoot(page, "alerts", db.engine)
    alert.get_by_role("link", name=f"Incident {incident_id}").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/incidents/{incident_id}")

    # On the map, with the sites.
    page.goto(f"{base}/countries/XCA/situation")
    page.wait_for_load_state("networkidle")
    marks = page.locator("#situation-svg g[data-layer=incidents] title")
    assert any(court.name in t for t in marks.all_text_contents()), marks.all_text_contents()[-5:]
    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
