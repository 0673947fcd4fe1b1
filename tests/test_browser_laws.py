"""The legislative pipeline in a real browser (Playwright driving Debian's Chromium).

An analyst opens Carana's pipeline from the country page, sees what is stuck, follows the
stuck police bill to its page, records a step the rules refuse and reads why, records one they
accept, then looks at the pipeline in French and in Arabic. Fails on any console error (a
Content-Security-Policy violation included) and on any request leaving the machine;
screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import pytest
from browser_support import Watch, log_in, shoot

from conftest import TestDatabase

pytestmark = pytest.mark.browser
EVIDENCE = "Evidence (gazette number, parliament record, letter)"


def test_an_analyst_follows_a_stuck_law_and_records_its_next_step(
    db: TestDatabase, live_server: str, browser
) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    page = browser.new_page(viewport={"width": 1360, "height": 1000})
    watch = Watch(page, base)
    log_in(page, base, "analyst")

    page.goto(f"{base}/countries/XCA")
    page.get_by_role("link", name="Legislative pipeline").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Legislative pipeline of Carana"
    tabled = page.locator(".pipeline-stage", has=page.locator("#stage-tabled"))
    assert tabled.locator(".law-card.stuck").count() == 2
    assert page.locator("svg.legal-timeline g.timeline-row").count() == 12
    shoot(page, "laws_pipeline", db.engine)

    tabled.get_by_role("link", name="Carana National Police Act (bill)").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Carana National Police Act (bill)"
    assert page.locator("table.checklist tbody tr").count() == 12
    assert page.locator(".law-history li").count() == 4

    # Promulgation before adoption is refused, and the form says why, keeping what was typed.
    page.get_by_label("Stage").select_option("promulgated")
    page.get_by_label("Date").fill("2026-10-01")
    page.get_by_label(EVIDENCE).fill("Gazette")
    page.get_by_role("button", name="Record the step").click()
    page.wait_for_load_state("networkidle")
    assert "promulgation comes after adoption" in page.get_by_role("alert").inner_text()
    assert page.get_by_label(EVIDENCE).input_value() == "Gazette"
    shoot(page, "law_refused_step", db.engine)

    page.get_by_label("Stage").select_option("adopted")
    page.get_by_label("Date").fill("2026-10-01")
    page.get_by_label(EVIDENCE).fill("Vote of 1 October")
    page.get_by_role("button", name="Record the step").click()
    page.wait_for_load_state("networkidle")
    assert page.locator(".law-history li").count() == 5
    shoot(page, "law_page", db.engine)

    page.goto(f"{base}/lang/fr?next=/countries/XCA/laws")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Processus législatif")
    page.goto(f"{base}/lang/ar?next=/countries/XCA/laws")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("svg.legal-timeline").is_visible()
    shoot(page, "laws_pipeline_ar", db.engine)

    # The refused step answers 422 on purpose, and Chromium logs that answer; nothing else.
    refused = [e for e in watch.errors if "status of 422" in e]
    assert len(refused) == 1
    assert [e for e in watch.errors if e not in refused] == [], watch.errors
    assert watch.outside == [], watch.outside
