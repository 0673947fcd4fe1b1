"""Lessons learned in a real browser (Playwright driving Debian's Chromium).

A civil-society reader asks a question from the navigation bar, narrows the results with a
facet and removes it again, reads the cited paragraph in its document with the question's words
marked, opens "more like this", then looks at the page in French and Arabic. Fails on any
console error (a Content-Security-Policy violation included) and on any request leaving the
machine; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re

import pytest
from browser_support import Watch, log_in, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser


def test_a_reader_searches_narrows_reads_and_finds_similar_lessons(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page, base)
    log_in(page, base, "civil")

    page.get_by_role("link", name="Lessons", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Lessons learned"
    page.get_by_label("Your question").fill("how were police officers vetted")
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state("networkidle")
    hits = page.locator("ol.hit-list > li.hit")
    assert hits.count() > 0
    first_source = hits.first.locator(".hit-source a").inner_text()
    assert re.search(r"para\. \d+|§ \d+", first_source), first_source
    assert page.locator(".snippet mark").count() > 0
    # Facets name countries, not codes.
    assert page.locator("aside.facets a[href*='country=XCA']").inner_text() == "Carana"
    shoot(page, "lessons_search", db.engine)

    # A facet narrows the results and keeps the question; its chip takes the filter off again.
    total = int(page.locator("#hits-h").inner_text().split()[0])
    facet = page.locator("aside.facets a[href*='kind=lessons_note']").first
    facet.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_label("Your question").input_value() == "how were police officers vetted"
    narrowed = int(page.locator("#hits-h").inner_text().split()[0])
    assert 0 < narrowed <= total
    chip = page.locator("ul.chosen a.chip")
    assert chip.count() == 1
    chip.click()
    page.wait_for_load_state("networkidle")
    assert int(page.locator("#hits-h").inner_text().split()[0]) == total

    # The cited paragraph in its document, the question's words marked, and similar passages.
    hits.first.locator(".hit-source a").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".passage.matched").count() > 0
    assert page.locator(".passage.matched mark").count() > 0
    shoot(page, "lessons_document", db.engine)
    page.locator(".passage.matched a[href^='/lessons/passages/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#similar-h").is_visible()
    shoot(page, "lessons_similar", db.engine)

    page.goto(f"{base}/lang/fr?next=/lessons%3Fq%3Ddetention%2Bprovisoire")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Enseignements tirés"
    page.goto(f"{base}/lang/ar?next=/lessons%3Fq%3Dprison")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("ol.hit-list > li.hit").count() > 0
    shoot(page, "lessons_search_ar", db.engine)

    assert watch.errors == [], watch.errors
    assert watch.outside == [], watch.outside
